"""Precision, recall and F1 with the counts they come from, and their micro-average.

A ratio with nothing to divide is 0.0, except when nothing was predicted and nothing was to be
found: then precision, recall and F1 are a perfect 1.0 (an opinion piece with no claims,
correctly left empty). Counts stay next to every ratio so results can be pooled (``sum_prf``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import Field

from workbench.core.schema import Strict


class PRF(Strict):
    """Precision, recall and F1 with the counts they come from."""

    true_positives: int = Field(ge=0, description="Predicted items that match a gold item.")
    predicted: int = Field(ge=0, description="Number of predicted (positive) items.")
    gold: int = Field(ge=0, description="Number of gold (positive) items.")
    precision: float = Field(description="true_positives / predicted (1.0 if both are empty).")
    recall: float = Field(description="true_positives / gold (1.0 if both are empty).")
    f1: float = Field(description="Harmonic mean of precision and recall.")


def prf_from_counts(true_positives: int, predicted: int, gold: int) -> PRF:
    """P/R/F1 from counts; with nothing predicted and nothing to find all three are 1.0."""
    if true_positives > min(predicted, gold):
        raise ValueError(
            f"true_positives={true_positives} exceeds predicted={predicted} or gold={gold}"
        )
    both_empty = predicted == 0 and gold == 0
    precision = true_positives / predicted if predicted else (1.0 if both_empty else 0.0)
    recall = true_positives / gold if gold else (1.0 if both_empty else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(
        true_positives=true_positives,
        predicted=predicted,
        gold=gold,
        precision=precision,
        recall=recall,
        f1=f1,
    )


def sum_prf(results: Iterable[PRF]) -> PRF:
    """Micro-average: add the counts of several results and recompute P/R/F1."""
    items = list(results)
    return prf_from_counts(
        sum(r.true_positives for r in items),
        sum(r.predicted for r in items),
        sum(r.gold for r in items),
    )


def binary_prf(gold: Sequence[bool], predicted: Sequence[bool]) -> PRF:
    """P/R/F1 of the positive class for paired yes/no labels (CheckThat!'s official metric)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    true_positives = sum(1 for g, p in zip(gold, predicted, strict=True) if g and p)
    return prf_from_counts(true_positives, sum(map(bool, predicted)), sum(map(bool, gold)))
