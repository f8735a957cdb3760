"""A model-free responder for ``fake/...`` backends: deterministic, instant, schema-valid.

A backend whose model string starts with ``fake/`` (e.g. ``model = "fake/anything"``) answers
every stage with ``heuristic_responder``: surface cues of the text, no model. It exists for
tests, demos and benchmarks where the pipeline, not the model, is under test. The same request
always gets the same answer. Its answers are plausible, not good:

- select: ``yes`` when the sentence has a digit, a reporting verb or a name after its first
  word; ``no`` for questions and sentences with none of these.
- extract: one claim per sentence, restating the whole sentence (cut to MAX_CLAIM_CHARS), resting
  on quote option 1 (the whole sentence), claimed by the first source option named in the
  sentence before a reporting verb, else the author. Quote and sources are option NUMBERS.
- checkworthiness: rating 4 with a digit, 3 with a name, else 2.
- evidence: one need; ``claimer_source`` when someone other than the author claims it, else
  ``independent_report``; two questions.
- probe: ``yes``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from workbench.core.errors import ModelOutputError, one_line
from workbench.core.schema import MAX_CLAIM_CHARS, Stage
from workbench.llm.interface import Outcome, R, Request, RequestKind

_REPORTING = re.compile(
    r"\b(said|says|reports?|reported|explains?|explained|told|announced|stated|claims?|claimed|"
    r"wrote|according to)\b",
    re.IGNORECASE,
)
_NAME_AFTER_FIRST_WORD = re.compile(r"\s[A-Z][a-z]")


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut or text[:limit]


def _select(sentence: str) -> dict[str, Any]:
    if sentence.rstrip("\"'”’) ").endswith("?"):
        return {"checkable": "no"}
    cues = (
        re.search(r"\d", sentence),
        _REPORTING.search(sentence),
        _NAME_AFTER_FIRST_WORD.search(sentence),
    )
    return {"checkable": "yes" if any(cues) else "no"}


def _claimer_number(sentence: str, sources: list[str]) -> int:
    """1-based number of the source named before a reporting verb, else 1 (the author)."""
    verb = _REPORTING.search(sentence)
    if verb is None:
        return 1
    for number, source in enumerate(sources, 1):
        if number > 1 and source in sentence:
            return number
    return 1


def _extract(variables: dict[str, Any]) -> dict[str, Any]:
    sentence = str(variables.get("sentence", ""))
    sources = [str(s) for s in variables.get("source_options", [])] or ["the author"]
    claimer = _claimer_number(sentence, sources)
    kind = (
        "quantity"
        if re.search(r"\d", sentence)
        else ("statement" if _REPORTING.search(sentence) else "event")
    )
    text = _clip(sentence, MAX_CLAIM_CHARS)
    if not text:
        return {"claims": []}
    attribution = [1] if claimer == 1 else [1, claimer]
    return {
        "claims": [
            {
                "claim": text,
                "quote": 1,
                "claimer": claimer,
                "attribution": attribution,
                "type": kind,
            }
        ]
    }


def _rate(claim: str) -> dict[str, Any]:
    if re.search(r"\d", claim):
        return {"rating": 4, "rationale": "contains a specific number or date"}
    if _NAME_AFTER_FIRST_WORD.search(claim):
        return {"rating": 3, "rationale": "names a specific person, place or body"}
    return {"rating": 2, "rationale": "general statement without specifics"}


def _evidence(claim: str, claimer: str) -> dict[str, Any]:
    subject = _clip(claim, 120).rstrip(".")
    if claimer and claimer != "the author":
        need = {
            "kind": "claimer_source",
            "need": _clip(f"the source {claimer} relies on", 200),
            "questions": [
                _clip(f"What did {claimer} say exactly", 150) + "?",
                "Where and when was it first published?",
            ],
            "where": [_clip(f"{claimer}'s own publications", 100)],
        }
    else:
        need = {
            "kind": "independent_report",
            "need": _clip(f"independent reports on: {subject}", 200),
            "questions": [
                _clip(f"Is it true that {subject}", 150) + "?",
                "Who else reported it, and when?",
            ],
            "where": ["news archives"],
        }
    return {"needs": [need]}


def heuristic_responder(request: Request[Any]) -> dict[str, Any]:
    """The JSON answer for one request of any stage (see the module docstring for the rules)."""
    variables = request.variables
    if request.stage == Stage.select:
        return _select(str(variables.get("sentence", "")))
    if request.stage == Stage.extract:
        return _extract(variables)
    if request.stage == Stage.checkworthiness:
        return _rate(str(variables.get("claim", "")))
    if request.stage == Stage.evidence:
        return _evidence(str(variables.get("claim", "")), str(variables.get("claimer", "")))
    if request.stage == "probe":
        return {"answer": "yes"}
    raise ValueError(f"the fake backend has no answer for stage {request.stage!r}")


Responder = Callable[[Request[Any]], dict[str, Any]]


class FakeClient:
    """A model-free client: ``responder(request)`` returns the JSON answer for each request.

    The answer is validated like a real model's, so tests exercise the same validators; a
    responder may raise to simulate failures.
    """

    api_base: str | None = None

    def __init__(
        self,
        responder: Responder,
        *,
        name: str = "fake",
        concurrency: int = 4,
        latency: float = 0.0,
    ) -> None:
        self.responder = responder
        self.name = name
        self.model = f"fake/{name}"
        self.concurrency = concurrency
        self.latency = latency
        self.calls: list[Request[Any]] = []

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        return {"model": self.model}

    async def complete(self, request: Request[R]) -> Outcome[R]:
        self.calls.append(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        payload = self.responder(request)
        try:
            value = request.response_model.model_validate(payload, context=request.context)
        except ValidationError as err:
            raise ModelOutputError(
                self.name,
                request.stage,
                one_line(err, 200),
                attempts=1,
                last_output=json.dumps(payload),
            ) from err
        return Outcome(value=value, raw=json.dumps(payload), prompt_tokens=10, completion_tokens=5)
