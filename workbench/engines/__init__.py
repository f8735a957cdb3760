"""Engines that answer a stage without a language model: rules, surface cues, a trained classifier.

A 135M model cannot carry every stage, so each stage of a backend runs a chain of engines
(``[backends.NAME.stages.STAGE] engine = [...]``): ``model`` asks the backend's model, the others
are here. Each answers in the stage's own response shape from the request's variables, so the
pipeline, the cache, recordings and reports treat every engine alike; the answer's ``engine`` is
kept in each claim's provenance.

- ``rules``: select by the cue scorer's verdict; extract from spaCy's parse
  (``workbench.language.attribution``): what each source asserts, split into the clauses it
  joins, each claim in its quote's words made to stand alone (``workbench.language.standalone``)
  and claimed by the source the parser finds; evidence questions built from the claim's parse
  (``workbench.language.questions``), kinds and where to look from
  ``workbench.language.evidence_sources``.
- ``cues``: check-worthiness from the cue scorer of ``workbench.language.cues`` (fitted on
  CheckThat! train).
- ``classifier``: select and check-worthiness from the trained sentence classifier, a claim read
  alone and in its sentence.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.schema import MAX_CLAIM_CHARS, ClaimType, EvidenceKind, Stage
from workbench.language.attribution import attribute
from workbench.language.cues import _REPORTING_OR_CHANGE, DEFAULT_WEIGHTS, rate_sentence
from workbench.language.dates import with_resolved_times
from workbench.language.evidence_sources import evidence_kind, has_figure, need_for, where_to_look
from workbench.language.questions import claim_questions, claimer_questions
from workbench.language.reporting import bare_frame
from workbench.language.segment import claim_words
from workbench.language.sources import AUTHOR, same_source
from workbench.language.standalone import standalone

if TYPE_CHECKING:  # the names and what each answers: workbench.core.config, which the config checks
    from workbench.core.config import EngineName

Answer = Callable[[Mapping[str, Any]], dict[str, Any]]


# --------------------------------------------------------------------------------------------
# cues
# --------------------------------------------------------------------------------------------


def rating_for(probability: float, threshold: float) -> int:
    """A probability as the stage's 1-5 rating: at or over the engine's yes/no threshold is 4
    (5 when well over), just under it 3 (maybe), further under 2 or 1."""
    steps = ((1 + threshold) / 2, threshold, 0.6 * threshold, 0.3 * threshold)
    return next((5 - i for i, step in enumerate(steps) if probability >= step), 1)


def cue_rating(text: str) -> dict[str, Any]:
    """The cue score as the check-worthiness answer (its probability is the cue score)."""
    verdict = rate_sentence(text)
    cues = ", ".join(name.replace("_", " ") for name in verdict.cues[:4]) or "none"
    return {
        "rating": rating_for(verdict.score, DEFAULT_WEIGHTS.threshold),
        "rationale": f"surface cues, no model judgement: {cues}"[:200],
        "probability": round(verdict.score, 4),
    }


def _cue_select(variables: Mapping[str, Any]) -> dict[str, Any]:
    verdict = rate_sentence(str(variables["sentence"]))
    return {"checkable": "yes" if verdict.check_worthy else "no"}


# --------------------------------------------------------------------------------------------
# rules: extraction and evidence templates
# --------------------------------------------------------------------------------------------


def claim_type(text: str) -> ClaimType:
    """quantity with a number or money, statement with a reporting or change verb, else event."""
    if has_figure(text):
        return ClaimType.quantity
    if _REPORTING_OR_CHANGE.search(text):
        return ClaimType.statement
    return ClaimType.event


def _option_number(name: str, options: list[str]) -> int | None:
    return next((n for n, option in enumerate(options, 1) if same_source(name, option)), None)


def _rules_extract(variables: Mapping[str, Any]) -> dict[str, Any]:
    """What the sentence asserts, a claim per clause it joins (GUIDELINES 3.1), claimed by whom
    the parser says asserts it; when somebody else asserts it, what they assert (3.5), and
    before it the saying itself as a statement of the reporter when it is news (a quotation or
    a speech act). Each claim stands alone in the request's date and preceding sentences."""
    sentence = " ".join(str(variables["sentence"]).split())
    options = [str(s) for s in variables.get("source_options", [])] or [AUTHOR]
    quotes = [str(q) for q in variables.get("quote_options", [])]
    if not sentence or bare_frame(sentence):  # "X reports that": no claim (GUIDELINES 2.3)
        return {"claims": []}
    raw = str(variables["sentence"])
    date, before = str(variables.get("date", "")) or None, str(variables.get("before", ""))
    parsed = attribute(raw, before)
    chain = [n for n in (_option_number(link, options) for link in parsed.chain) if n]
    claimer = chain[-1] if chain else 1
    asserted = (
        raw[parsed.content[0] : parsed.content[1]]
        if parsed.content is not None and claimer != 1
        else None
    )
    # what is asserted, one claim per clause it joins with "and", "but", ... (GUIDELINES 3.1):
    # (the claim, its quote)
    parts = [(p.text, raw[p.start : p.end]) for p in parsed.parts]
    if any(quote not in quotes for _, quote in parts):
        parts = []

    def claims(parts: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            _rules_claim(text, quotes.index(quote) + 1, claimer, chain[:-1] or [1], date, before)
            for text, quote in parts
        ]

    if asserted is None or asserted not in quotes:
        if parts and parsed.content is None:  # the sentence's own clauses
            return {"claims": claims(parts)}
        return {"claims": [_rules_claim(sentence, 1, claimer, chain[:-1] or [1], date, before)]}
    content = claims(parts or [(asserted, asserted)])
    if not parsed.statement:  # plain sourcing: what was said is the claim
        return {"claims": content}
    # the saying, reported by the next link out (usually the author), and what was said. The
    # guidelines (3.5, rule 4) drop what was said when it is opinion; filtering it by the cues or
    # the classifier measured worse on the fixtures (claims F1 0.694 either way against 0.701,
    # claimer accuracy 0.814 / 0.826 against 0.831), so it stays and its rating says it is opinion
    reporter = chain[-2] if len(chain) > 1 else 1
    saying = _rules_claim(sentence, 1, reporter, chain[:-2] or [1], date, before)
    return {"claims": [{**saying, "type": ClaimType.statement.value}, *content]}


def _rules_claim(
    text: str, quote: int, claimer: int, attribution: list[int], date: str | None, before: str
) -> dict[str, Any]:
    """One claim of the rules engine as the extract response holds it (option numbers), made
    to stand alone with the article ``date`` and the sentences ``before`` it."""
    # the quote keeps reference marks and dateline, verbatim; the claim dates "on Monday"
    text = standalone(claim_words(text), date, before)
    if text[-1:].isalnum():  # a clause cut from its sentence: end it as a statement
        text += "."
    if len(text) > MAX_CLAIM_CHARS:  # a sentence longer than a claim may be: cut at a word, shown
        text = text[: MAX_CLAIM_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return {
        "claim": text[:1].upper() + text[1:],
        "quote": quote,
        "claimer": claimer,
        "attribution": attribution,
        "type": claim_type(text).value,
    }


def _rules_evidence(variables: Mapping[str, Any]) -> dict[str, Any]:
    """What the claim says, asked from its parse (``workbench.language.questions``), as a need of
    the kind its cues suggest; for a claim someone else makes, their source as a second need.
    Questions, the source's too, name the dates relative times resolve to ("on Monday" → "on
    12 October 2026"): a fact-checker reads them away from the article."""
    claim, claimer = str(variables["claim"]), str(variables.get("claimer", AUTHOR))
    dated = with_resolved_times(claim, str(variables.get("date", "")) or None)
    kind = evidence_kind(claim, AUTHOR)
    needs = [
        {
            "kind": kind.value,
            "need": need_for(kind),
            "questions": claim_questions(dated) or ["Is the claim true?"],
            "where": where_to_look(claim, kind, claimer),
        }
    ]
    if sourced := claimer_questions(dated, claimer):
        source = EvidenceKind.claimer_source
        needs.append(
            {
                "kind": source.value,
                "need": need_for(source, claimer),
                "questions": sourced,
                "where": where_to_look(claim, source, claimer),
            }
        )
    return {"needs": needs}


# --------------------------------------------------------------------------------------------
# classifier
# --------------------------------------------------------------------------------------------


def classifier_rating(claim: str, sentence: str) -> dict[str, Any]:
    """The trained classifier's calibrated probability of ``claim``, read alone and in its
    ``sentence`` (``CheckworthinessClassifier.score_claim``), as the check-worthiness answer."""
    rating, rationale, probability = _classifier_score(claim, sentence)
    return {"rating": rating, "rationale": rationale, "probability": probability}


@lru_cache(maxsize=4096)
def _classifier_score(claim: str, sentence: str) -> tuple[int, str, float]:
    """One encoding per text: the select stage scores a sentence and the check-worthiness stage
    its claim, most often the same text."""
    from workbench.classifier.head import default_classifier

    classifier = default_classifier()
    score = classifier.score_claim(claim, sentence)
    return (
        rating_for(score.probability, classifier.threshold),
        score.rationale,
        round(score.probability, 4),
    )


def _classifier_select(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Worth extracting when the classifier says yes or the cues flag it: the classifier learnt
    check-worthiness from debate transcripts and misses plain checkable news statements that
    the cues catch (evals/README.md "Engines": with the fine-tuned encoder, taking its "maybe"
    too selected more than the fixtures' gold, sentences F1 0.899 against 0.918)."""
    sentence = str(variables["sentence"])
    worthy = (
        classifier_rating(sentence, sentence)["rating"] >= 4 or rate_sentence(sentence).check_worthy
    )
    return {"checkable": "yes" if worthy else "no"}


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------

ENGINES: dict[EngineName, dict[Stage, Answer]] = {
    "rules": {
        Stage.select: _cue_select,
        Stage.extract: _rules_extract,
        Stage.checkworthiness: lambda v: cue_rating(str(v["claim"])),
        Stage.evidence: _rules_evidence,
    },
    "cues": {
        Stage.select: _cue_select,
        Stage.checkworthiness: lambda v: cue_rating(str(v["claim"])),
    },
    "classifier": {
        Stage.select: _classifier_select,
        Stage.checkworthiness: lambda v: classifier_rating(str(v["claim"]), str(v["sentence"])),
    },
}


def engine_answer(engine: EngineName, stage: Stage, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer of a non-model ``engine`` for one request of ``stage``."""
    try:
        answer = ENGINES[engine][stage]
    except KeyError:
        raise ValueError(f"engine {engine!r} does not answer the {stage} stage") from None
    return answer(variables)


def engine_identity(engine: EngineName, stage: Stage) -> dict[str, Any]:
    """What changes a non-model engine's answer (its cache identity): the code that computes it
    and the fitted weights it reads, by content hash, so an edit is never served stale answers."""
    from workbench.core import schema
    from workbench.language import (
        attribution,
        cues,
        dates,
        evidence_sources,
        parse,
        questions,
        reporting,
        segment,
        sources,
        standalone,
    )

    identity: dict[str, Any] = {
        "engine": engine,
        "code": _sha256(Path(__file__), Path(cues.__file__)),
    }
    if engine == "rules":  # every module this one imports that shapes an answer
        modules = (
            attribution, reporting, sources, parse, questions, dates, segment, evidence_sources,
            standalone, schema,
        )  # fmt: skip
        identity["parser"] = _sha256(*(Path(str(m.__file__)) for m in modules))
    if engine == "classifier":
        # Located, not imported: importing the classifier brings numpy, a fifth of what a run
        # served from the cache costs, and the key needs only the files' bytes.
        from workbench.classifier import HEAD_PATH

        identity["classifier"] = _sha256(
            HEAD_PATH,
            _module_path("workbench.classifier.head"),
            _module_path("workbench.classifier.encoder"),
        )
    return identity


def _module_path(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name  # our own modules
    return Path(spec.origin)


@cache
def _sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
