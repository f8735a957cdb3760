"""Sentence-level claim detection: status ``claims`` on the sentences the gold labels ``claims``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workbench.core.schema import Report, Status, Strict
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.prf import PRF, prf_from_counts

Outcome = Literal["true_positive", "false_positive", "false_negative", "true_negative"]
NOT_FOUND = "not_found"  # predicted status when no predicted sentence contains the anchor


class SentenceOutcome(Strict):
    """How one gold sentence fared."""

    anchor: str
    gold_status: str
    predicted_sentence_id: str | None = Field(description="Predicted sentence holding the anchor.")
    predicted_status: str = Field(description=f"Its status, or {NOT_FOUND!r}.")
    outcome: Outcome = Field(description="Positive means status `claims`.")


class SentenceDetectionResult(Strict):
    """Does the pipeline give status ``claims`` to the sentences the gold labels ``claims``?"""

    prf: PRF = Field(description="Over gold-labelled sentences; positive = status `claims`.")
    outcomes: list[SentenceOutcome]
    confusion: dict[str, dict[str, int]] = Field(
        description="gold status -> predicted status -> count, for every labelled sentence."
    )
    unlocated_anchors: int = Field(description="Gold anchors no predicted sentence contains.")
    unlabelled_predicted_claims: list[str] = Field(
        description="Ids of predicted `claims` sentences that hold no gold anchor (not scored)."
    )


def sentence_at(report: Report, position: int) -> int | None:
    """Index of the report sentence whose span holds character ``position``, if any."""
    for index, sentence in enumerate(report.sentences):
        if sentence.start <= position < sentence.end:
            return index
    return None


def score_sentence_detection(report: Report, fixture: Fixture) -> SentenceDetectionResult:
    """Sentence-level claim detection P/R/F1 against the fixture's gold sentence statuses.

    A gold sentence is found through its anchor: the predicted sentence whose span contains the
    anchor's first character. Positive means status ``claims`` on both sides; ``ambiguous``,
    ``no_claim``, ``skipped`` (and, for predictions, ``failed``/``pending`` or no sentence at
    all) are negative. Only gold-labelled sentences are scored, since the fixtures label
    "every sentence that matters"; predicted ``claims`` sentences without an anchor are listed,
    not counted.
    """
    text = report.article.text
    outcomes: list[SentenceOutcome] = []
    confusion: dict[str, dict[str, int]] = {}
    used: set[int] = set()
    unlocated = 0
    for gold in fixture.sentences:
        position = text.find(gold.anchor)
        index = sentence_at(report, position) if position >= 0 else None
        if index is None:
            unlocated += 1
            sentence_id, predicted_status = None, NOT_FOUND
        else:
            used.add(index)
            sentence = report.sentences[index]
            sentence_id, predicted_status = sentence.id, sentence.status.value
        gold_positive = gold.status == "claims"
        predicted_positive = predicted_status == Status.claims.value
        outcome: Outcome = (
            ("true_positive" if predicted_positive else "false_negative")
            if gold_positive
            else ("false_positive" if predicted_positive else "true_negative")
        )
        outcomes.append(
            SentenceOutcome(
                anchor=gold.anchor,
                gold_status=gold.status,
                predicted_sentence_id=sentence_id,
                predicted_status=predicted_status,
                outcome=outcome,
            )
        )
        row = confusion.setdefault(gold.status, {})
        row[predicted_status] = row.get(predicted_status, 0) + 1
    prf = prf_from_counts(
        sum(1 for o in outcomes if o.outcome == "true_positive"),
        sum(1 for o in outcomes if o.outcome in {"true_positive", "false_positive"}),
        sum(1 for o in outcomes if o.gold_status == "claims"),
    )
    unlabelled = [
        s.id for i, s in enumerate(report.sentences) if s.status == Status.claims and i not in used
    ]
    return SentenceDetectionResult(
        prf=prf,
        outcomes=outcomes,
        confusion=confusion,
        unlocated_anchors=unlocated,
        unlabelled_predicted_claims=unlabelled,
    )
