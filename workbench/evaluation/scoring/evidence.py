"""Planned evidence against the gold: AVeriTeC's question score (Hungarian-matched METEOR) and
evidence-kind precision/recall, on aligned claim pairs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pydantic import Field

from workbench.core.schema import Claim, Report, Strict
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.alignment import ClaimAlignmentResult, hungarian_match
from workbench.evaluation.scoring.prf import PRF, prf_from_counts

MAX_GENERATED_QUESTIONS = 10  # AVeriTeC's eval.py keeps the first 10 predicted questions


class QuestionMatch(Strict):
    generated_index: int
    gold_index: int
    score: float = Field(description="METEOR of the generated question against the gold one.")


class QuestionScore(Strict):
    """AVeriTeC question-only score for one claim (Hungarian-matched METEOR)."""

    score: float = Field(description="Sum of matched scores / number of gold questions.")
    generated: int = Field(description="Generated questions considered (at most 10).")
    gold: int
    matches: list[QuestionMatch]


def _default_question_similarity() -> Callable[[str, str], float]:
    from workbench.evaluation.meteor import meteor_score

    return meteor_score


def score_questions(
    generated: Sequence[str],
    gold: Sequence[str],
    similarity: Callable[[str, str], float] | None = None,
) -> QuestionScore:
    """AVeriTeC's question-only score ("HU-meteor") for one claim.

    As AVeriTeC's ``eval.py`` does: keep the first 10 generated questions, fill the matrix
    generated x gold with ``similarity(generated, gold)`` (METEOR with the gold question as
    reference), solve the assignment maximising the total, and divide the sum of the assigned
    scores by the number of *gold* questions, so missing questions cost and surplus ones do not.
    No threshold. ``similarity`` defaults to ``meteor.meteor_score``.
    """
    if not gold:
        raise ValueError("score_questions needs at least one gold question")
    similarity = similarity or _default_question_similarity()
    kept = list(generated[:MAX_GENERATED_QUESTIONS])
    matrix = [[similarity(g, r) for r in gold] for g in kept]
    matches = [
        QuestionMatch(generated_index=row, gold_index=column, score=matrix[row][column])
        for row, column in hungarian_match(matrix)
    ]
    total = sum(m.score for m in matches)
    return QuestionScore(
        score=total / len(gold), generated=len(kept), gold=len(gold), matches=matches
    )


def mean_question_score(scores: Iterable[QuestionScore]) -> float | None:
    """AVeriTeC's dataset score: the mean of the per-claim scores (None when there are none)."""
    values = [s.score for s in scores]
    return sum(values) / len(values) if values else None


class ClaimEvidenceOutcome(Strict):
    """Evidence planning for one gold claim."""

    gold_index: int
    predicted_id: str | None = Field(description="Matched predicted claim, if any.")
    questions: QuestionScore | None = Field(
        description="Question score; None when the gold claim has no questions or no match."
    )
    gold_questions: int = Field(
        default=0, description="The gold claim's questions (0: it is not scored on questions)."
    )
    gold_kinds: list[str]
    predicted_kinds: list[str]


class EvidenceResult(Strict):
    """How well planned evidence (questions, kinds) matches the gold, on matched claims."""

    question_score: float | None = Field(
        description="Mean question score over matched gold claims that have gold questions."
    )
    question_score_all: float | None = Field(
        description="Same mean over all gold claims with questions, unmatched ones scoring 0."
    )
    claims_with_gold_questions: int
    matched_claims_with_gold_questions: int
    kinds: PRF = Field(
        description=(
            "Evidence kinds on matched claims, micro-averaged: recall = share of gold kinds the "
            "plan names, precision = share of planned kinds that are gold."
        )
    )
    per_claim: list[ClaimEvidenceOutcome]


def planned_questions(claim: Claim) -> list[str]:
    """A claim's generated questions in plan order (needs first, questions within a need)."""
    return [q for need in claim.evidence for q in need.questions]


def score_evidence(
    report: Report,
    fixture: Fixture,
    alignment: ClaimAlignmentResult,
    similarity: Callable[[str, str], float] | None = None,
) -> EvidenceResult:
    """Question score (AVeriTeC HU-METEOR) and evidence-kind P/R on aligned claim pairs."""
    match_of_gold = {m.gold_index: m for m in alignment.matches}
    outcomes: list[ClaimEvidenceOutcome] = []
    question_scores: list[QuestionScore] = []
    with_questions = 0
    kind_counts = [0, 0, 0]  # true positives, predicted, gold
    for index, gold in enumerate(fixture.claims):
        match = match_of_gold.get(index)
        claim = report.claims[match.predicted_index] if match else None
        gold_kinds = [k.value for k in gold.evidence_kinds]
        predicted_kinds = list(dict.fromkeys(n.kind.value for n in claim.evidence)) if claim else []
        questions = None
        if gold.questions:
            with_questions += 1
            if claim is not None:
                questions = score_questions(planned_questions(claim), gold.questions, similarity)
                question_scores.append(questions)
        if claim is not None:
            kind_counts[0] += len(set(gold_kinds) & set(predicted_kinds))
            kind_counts[1] += len(predicted_kinds)
            kind_counts[2] += len(set(gold_kinds))
        outcomes.append(
            ClaimEvidenceOutcome(
                gold_index=index,
                predicted_id=claim.id if claim else None,
                questions=questions,
                gold_questions=len(gold.questions),
                gold_kinds=gold_kinds,
                predicted_kinds=predicted_kinds,
            )
        )
    matched_total = sum(s.score for s in question_scores)
    return EvidenceResult(
        question_score=mean_question_score(question_scores),
        question_score_all=matched_total / with_questions if with_questions else None,
        claims_with_gold_questions=with_questions,
        matched_claims_with_gold_questions=len(question_scores),
        kinds=prf_from_counts(*kind_counts),
        per_claim=outcomes,
    )
