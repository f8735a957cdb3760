"""Check-worthiness against gold yes/no labels: F1 of the yes class, accuracy, Spearman's rho.

Scored on matched claim pairs (``score_claim_checkworthiness``) or, CheckThat!-style, per
gold-labelled sentence (``score_sentence_checkworthiness``); ``score_checkworthiness`` takes
plain lists for the datasets.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence

from pydantic import Field
from scipy.stats import spearmanr

from workbench.core.schema import CheckLabel, Claim, Report, Strict
from workbench.evaluation.fixtures import Fixture, find_all, reference_sentence_spans
from workbench.evaluation.scoring.alignment import ClaimAlignmentResult
from workbench.evaluation.scoring.prf import PRF, binary_prf
from workbench.evaluation.scoring.sentences import sentence_at


class CheckworthinessResult(Strict):
    """Check-worthiness against gold yes/no labels."""

    items: int = Field(description="Items scored (matched claims, or sentences).")
    positive: PRF = Field(description="P/R/F1 of the check-worthy class (CheckThat! metric: F1).")
    accuracy: float | None = Field(description="Share of items with the right yes/no.")
    spearman: float | None = Field(
        description=(
            "Spearman rank correlation of predicted scores with the gold labels (1/0); None "
            "with fewer than two items or when either side is constant."
        )
    )
    unrated: int = Field(
        default=0, description="Predicted claims without a rating: counted as no, score 0."
    )
    gold_labels: list[bool] = Field(description="The scored pairs, kept so results can be pooled.")
    predicted_labels: list[bool]
    predicted_scores: list[float] | None


def _spearman(scores: Sequence[float], gold: Sequence[float]) -> float | None:
    if len(scores) < 2 or len(set(scores)) < 2 or len(set(gold)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rho = spearmanr(scores, gold).statistic
    return None if rho is None or math.isnan(rho) else float(rho)


def score_checkworthiness(
    gold: Sequence[bool],
    predicted: Sequence[bool],
    scores: Sequence[float] | None = None,
    unrated: int = 0,
) -> CheckworthinessResult:
    """F1 of the positive class, accuracy and (with scores) Spearman's rho against gold labels."""
    if scores is not None and len(scores) != len(gold):
        raise ValueError(f"{len(gold)} gold labels but {len(scores)} scores")
    positive = binary_prf(gold, predicted)
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if bool(g) == bool(p))
    return CheckworthinessResult(
        items=len(gold),
        positive=positive,
        accuracy=correct / len(gold) if gold else None,
        spearman=_spearman(list(scores), [float(g) for g in gold]) if scores is not None else None,
        unrated=unrated,
        gold_labels=[bool(g) for g in gold],
        predicted_labels=[bool(p) for p in predicted],
        predicted_scores=[float(x) for x in scores] if scores is not None else None,
    )


def pool_checkworthiness(results: Iterable[CheckworthinessResult]) -> CheckworthinessResult:
    """One result over all pairs of several (F1 and Spearman on the pooled pairs, not averaged).

    Scores are pooled only when every result has them.
    """
    items = list(results)
    with_scores = all(r.predicted_scores is not None for r in items)
    return score_checkworthiness(
        [g for r in items for g in r.gold_labels],
        [p for r in items for p in r.predicted_labels],
        [x for r in items for x in r.predicted_scores or []] if with_scores else None,
        unrated=sum(r.unrated for r in items),
    )


def claim_is_check_worthy(claim: Claim, positive_labels: frozenset[CheckLabel]) -> bool:
    return claim.checkworthiness is not None and claim.checkworthiness.label in positive_labels


def score_claim_checkworthiness(
    report: Report,
    fixture: Fixture,
    alignment: ClaimAlignmentResult,
    positive_labels: frozenset[CheckLabel] = frozenset({CheckLabel.check_worthy}),
) -> CheckworthinessResult:
    """Check-worthiness on matched claim pairs only (unmatched claims are alignment's business).

    Predicted yes = label in ``positive_labels`` (by default only ``check_worthy``: ``maybe``
    is a no, as a fact-checker would not queue it). A claim without a rating counts as no
    with score 0 and is counted in ``unrated``.
    """
    gold, predicted, scores = [], [], []
    unrated = 0
    for match in alignment.matches:
        claim = report.claims[match.predicted_index]
        gold.append(fixture.claims[match.gold_index].check_worthy)
        predicted.append(claim_is_check_worthy(claim, positive_labels))
        if claim.checkworthiness is None:
            unrated += 1
            scores.append(0.0)
        else:
            scores.append(claim.checkworthiness.score)
    return score_checkworthiness(gold, predicted, scores, unrated=unrated)


def score_sentence_checkworthiness(
    report: Report,
    fixture: Fixture,
    positive_labels: frozenset[CheckLabel] = frozenset({CheckLabel.check_worthy}),
) -> CheckworthinessResult:
    """CheckThat!-style check-worthiness per gold-labelled sentence; needs no claim alignment.

    Gold yes: the sentence carries a check-worthy gold claim (its quote lies in the reference
    sentence of the anchor). Predicted yes: the predicted sentence holding the anchor has a
    claim (located by its start offset) whose label is in ``positive_labels``; its score is the
    highest claim score there, 0 without claims. Any system that marks sentences, such as the
    cue-based baseline, is scored on exactly the same items as a backend.
    """
    text = report.article.text
    spans = reference_sentence_spans(text)
    worthy_spans = [
        span
        for gold in fixture.claims
        if gold.check_worthy
        for start in find_all(text, gold.quote)
        for span in spans
        if span[0] <= start and start + len(gold.quote) <= span[1]
    ]
    claims_at: dict[int, list[Claim]] = {}
    for claim in report.claims:
        index = sentence_at(report, claim.start)
        if index is not None:
            claims_at.setdefault(index, []).append(claim)
    gold_labels, predicted, scores = [], [], []
    for sentence in fixture.sentences:
        position = text.find(sentence.anchor)
        gold_labels.append(
            any(start <= position < end for start, end in worthy_spans) if position >= 0 else False
        )
        index = sentence_at(report, position) if position >= 0 else None
        claims = claims_at.get(index, []) if index is not None else []
        predicted.append(any(claim_is_check_worthy(c, positive_labels) for c in claims))
        scores.append(
            max((c.checkworthiness.score for c in claims if c.checkworthiness), default=0.0)
        )
    return score_checkworthiness(gold_labels, predicted, scores)
