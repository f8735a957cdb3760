"""A small labelled article (as a fixture mapping) and a builder of reports about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.core.schema import (
    Article,
    Checkworthiness,
    Claim,
    ClaimType,
    EvidenceNeed,
    Report,
    Role,
    RunInfo,
    Sentence,
    Status,
)
from workbench.evaluation.fixtures import reference_sentence_spans

ARTICLE = (
    "# Flood closes Route 9\n\n"
    "GENEVA, March 4 (Wire) - Flood water closed Route 9 on Tuesday. "
    "The water authority said 1,200 homes lost power. "
    "Mayor Ana Ruiz said the road would reopen on Friday.\n\n"
    "What a disaster this is. Some officials say the damage was worse."
)

FIXTURE_DATA: dict[str, Any] = {
    "id": "flood",
    "title": "Flood closes Route 9",
    "genre": "wire",
    "text": ARTICLE,
    "labeller": "test",
    "sentences": [
        {"anchor": "# Flood closes", "status": "skipped"},
        {"anchor": "GENEVA, March 4", "status": "claims"},
        {"anchor": "The water authority said", "status": "claims"},
        {"anchor": "Mayor Ana Ruiz said", "status": "claims"},
        {"anchor": "What a disaster", "status": "no_claim"},
        {"anchor": "Some officials say", "status": "ambiguous"},
    ],
    "claims": [
        {
            "text": "Flood water closed Route 9 near Geneva on 3 March.",
            "quote": "Flood water closed Route 9 on Tuesday",
            "check_worthy": True,
            "claimer": "the author",
            "attribution": ["the author"],
            "type": "event",
            "evidence_kinds": ["official_record", "independent_report"],
            "questions": ["Was Route 9 closed by flooding on 3 March?"],
        },
        {
            "text": "1,200 homes lost power in the Geneva flood.",
            "quote": "1,200 homes lost power",
            "check_worthy": True,
            "claimer": "the water authority",
            "attribution": ["the author", "the water authority"],
            "type": "quantity",
            "evidence_kinds": ["official_record"],
            "questions": [
                "How many homes did the water authority report without power?",
                "Which areas lost power on 3 March?",
            ],
        },
        {
            "text": "Mayor Ana Ruiz said Route 9 would reopen on Friday 6 March.",
            "quote": "Mayor Ana Ruiz said the road would reopen on Friday",
            "check_worthy": False,
            "claimer": "the author",
            "attribution": ["the author"],
            "type": "statement",
            "evidence_kinds": ["primary_document"],
        },
    ],
}


def span_of(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


ReportBuilder = Callable[..., Report]


def build_report(
    statuses: dict[str, Status] | None = None,
    claims: list[dict[str, Any]] | None = None,
    run: RunInfo | None = None,
) -> Report:
    """A Report over ARTICLE: sentences from the reference splitter, statuses by first words.

    ``claims`` items: text, quote, and optionally span (default: where the quote is), rating
    (score, CheckLabel), evidence [(EvidenceKind, [questions])], type, claimer.
    """
    text = ARTICLE
    sentences = []
    for index, (start, end) in enumerate(reference_sentence_spans(text)):
        sentence_text = text[start:end]
        status = next(
            (s for anchor, s in (statuses or {}).items() if sentence_text.startswith(anchor)),
            Status.skipped if sentence_text.startswith("#") else Status.no_claim,
        )
        sentences.append(
            Sentence(
                id=f"s{index + 1}",
                index=index,
                paragraph=0,
                start=start,
                end=end,
                text=sentence_text,
                role=Role.heading if sentence_text.startswith("#") else Role.body,
                status=status,
            )
        )
    built_claims = []
    for number, spec in enumerate(claims or [], 1):
        start, end = spec.get("span") or span_of(text, spec["quote"])
        rating = spec.get("rating")
        built_claims.append(
            Claim(
                id=f"c{number}",
                sentence_id="s1",
                text=spec["text"],
                quote=spec["quote"],
                start=start,
                end=end,
                claimer=spec.get("claimer", "the author"),
                type=spec.get("type", ClaimType.event),
                checkworthiness=(
                    Checkworthiness(score=rating[0], label=rating[1], rationale="test")
                    if rating
                    else None
                ),
                evidence=[
                    EvidenceNeed(kind=kind, need="test", questions=questions)
                    for kind, questions in spec.get("evidence", [])
                ],
            )
        )
    return Report(
        article=Article(text=text),
        paragraphs=[],
        sentences=sentences,
        claims=built_claims,
        run=run or RunInfo(backend="fake", model="fake"),
    )
