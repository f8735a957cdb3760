"""A client that answers the check-worthiness stage from surface cues, and passes the rest on.

For a backend whose model is too small to judge check-worthiness (``rater = "cues"`` in its
config; the built-in embedded backend's default). Measured on a balanced sample of 40 CheckThat!
2024 *train* sentences, SmolLM2-135M rated every one 3 with the shipped prompt, and with four
varied few-shot examples its ratings were uncorrelated with the labels (Spearman 0.0); the cue
scorer of ``workbench.cues`` reaches Yes-class F1 0.632 on dev-test. The answer keeps the
stage's response shape (a 1-5 rating, a rationale) and says in its rationale that no model
judged it; it sits inside the recording and caching layers, so recordings replay it and cache
keys tell it from a model's answer.
"""

from __future__ import annotations

import json
import time
from typing import Any

from workbench.cues import DEFAULT_WEIGHTS, rate_sentence
from workbench.llm.client import Outcome, Request, StructuredClient
from workbench.schema import CheckworthinessResponse

STAGE = "checkworthiness"


def cue_rating(text: str) -> CheckworthinessResponse:
    """The cue score as the stage's answer: at or over the fitted yes/no threshold is 4 or 5
    (check-worthy), just under it 3 (maybe), further under 2 or 1."""
    verdict = rate_sentence(text)
    threshold = DEFAULT_WEIGHTS.threshold
    steps = (2 * threshold, threshold, 0.6 * threshold, 0.3 * threshold)
    rating = next((5 - i for i, step in enumerate(steps) if verdict.score >= step), 1)
    cues = ", ".join(name.replace("_", " ") for name in verdict.cues[:4]) or "none"
    return CheckworthinessResponse(
        rating=rating,  # type: ignore[arg-type]
        rationale=f"surface cues, no model judgement: {cues}"[:200],
    )


class CueRatingClient:
    """``inner`` for every stage but check-worthiness, which the cues answer."""

    def __init__(self, inner: StructuredClient) -> None:
        self.inner = inner
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency

    def identity(self, stage: str) -> dict[str, Any]:
        if stage == STAGE:
            return {"rater": "cues", "weights": DEFAULT_WEIGHTS.model_dump(mode="json")}
        return self.inner.identity(stage)

    async def complete(self, request: Request) -> Outcome:
        if request.stage != STAGE:
            return await self.inner.complete(request)
        started = time.perf_counter()
        answer = cue_rating(str(request.variables["claim"]))
        return Outcome(
            value=answer,
            raw=json.dumps(answer.model_dump(mode="json")),
            seconds=time.perf_counter() - started,
        )
