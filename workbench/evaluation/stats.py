"""Intervals for eval numbers: a percentile bootstrap over items, and a paired one for a delta.

Every metric the eval reports is *pooled*: each item (an article, a sentence, a claim) has a few
counts — true positives, predicted, gold; or right and scored; or tokens — the counts are added
up over the items, and a formula (``Pooling``) turns the sums into the number. A bootstrap
resample draws the items again with replacement, which is the same as weighting each item by how
often it was drawn; so one matrix product gives the summed counts of every resample at once, and
the formula gives each resample's metric. The 2.5th and 97.5th percentiles of those are the 95%
interval (Efron's percentile bootstrap).

A *paired* bootstrap draws the same items for both systems in each resample (items are matched by
key beforehand: ``items.pair_items``), and takes the percentiles of the difference. An article
that is hard for both systems moves both sides alike, so the difference is not blurred by the
choice of articles as much as two independent intervals would be: the usual test of "is B better
than A on the same items" in NLP (Koehn 2004; Berg-Kirkpatrick et al. 2012).

The seed is fixed: the same items always give the same interval, so a report is reproducible and
a re-run of a deterministic backend shows no change. Pure numpy; no model, no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from workbench.core.schema import Strict

RESAMPLES = 2000  # percentiles at 2.5% and 97.5% rest on 50 resamples each
CONFIDENCE = 0.95
SEED = 26

Array = NDArray[np.float64]


class Pooling(StrEnum):
    """How summed item counts make a metric (the columns each item carries)."""

    precision = "precision"  # (true positives, predicted, gold); 1.0 when both are empty
    recall = "recall"  # (true positives, predicted, gold); 1.0 when both are empty
    f1 = "f1"  # (true positives, predicted, gold); as scoring.prf.prf_from_counts
    ratio = "ratio"  # (numerator, denominator); undefined when nothing is counted
    total = "total"  # (value,): a sum, e.g. tokens or failures


COLUMNS = {
    Pooling.precision: 3, Pooling.recall: 3, Pooling.f1: 3, Pooling.ratio: 2, Pooling.total: 1
}


class Interval(Strict):
    """A 95% percentile-bootstrap interval."""

    low: float
    high: float
    items: int = Field(description="Items resampled (paired: items both sides have).")


def pooled(pooling: Pooling, sums: ArrayLike) -> Array:
    """The metric of summed counts ``sums`` (shape ``(..., columns)``); NaN where undefined.

    Precision, recall and F1 follow ``scoring.prf.prf_from_counts`` exactly, so pooling every
    item reproduces the reported number.
    """
    counts = np.asarray(sums, dtype=float)
    if counts.shape[-1] != COLUMNS[pooling]:
        raise ValueError(f"{pooling} pools {COLUMNS[pooling]} columns, got {counts.shape[-1]}")
    if pooling is Pooling.total:
        return counts[..., 0]
    if pooling is Pooling.ratio:
        numerator, denominator = counts[..., 0], counts[..., 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, numerator / denominator, np.nan)
    true_positives, predicted, gold = counts[..., 0], counts[..., 1], counts[..., 2]
    both_empty = (predicted == 0) & (gold == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, true_positives / predicted, both_empty * 1.0)
        recall = np.where(gold > 0, true_positives / gold, both_empty * 1.0)
        if pooling is Pooling.precision:
            return precision
        if pooling is Pooling.recall:
            return recall
        total = precision + recall
        return np.where(total > 0, 2 * precision * recall / total, 0.0)


def item_matrix(pooling: Pooling, counts: Sequence[Sequence[float]]) -> Array:
    """Items' counts as a matrix ``(items, columns)``; the wrong number of columns is an error."""
    matrix = np.asarray(counts, dtype=float)
    if matrix.size == 0:
        return np.zeros((0, COLUMNS[pooling]))
    if matrix.ndim != 2 or matrix.shape[1] != COLUMNS[pooling]:
        raise ValueError(f"{pooling} pools {COLUMNS[pooling]} columns per item, got {matrix.shape}")
    return matrix


def pooled_value(pooling: Pooling, counts: Sequence[Sequence[float]]) -> float | None:
    """The metric of every item's counts added up (None where undefined)."""
    matrix = item_matrix(pooling, counts)
    value = float(pooled(pooling, matrix.sum(axis=0)))
    return None if np.isnan(value) else value


def resample_weights(items: int, resamples: int = RESAMPLES, seed: int = SEED) -> Array:
    """How often each item is drawn in each resample: ``(resamples, items)``, rows sum to
    ``items`` (drawing ``items`` times with replacement is a multinomial draw)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(items, np.full(items, 1.0 / items), size=resamples).astype(float)


def _interval(values: Array, items: int, confidence: float) -> Interval | None:
    defined = values[~np.isnan(values)]
    if defined.size == 0:
        return None
    tail = (1 - confidence) / 2
    low, high = np.quantile(defined, [tail, 1 - tail], method="inverted_cdf")
    return Interval(low=float(low), high=float(high), items=items)


def bootstrap_interval(
    pooling: Pooling,
    counts: Sequence[Sequence[float]],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Interval | None:
    """The percentile-bootstrap interval of the pooled metric over items (rows of ``counts``).

    None with fewer than two items (a single item has no spread to resample) or when the metric
    is undefined in every resample. Resamples where it is undefined (e.g. no matched claim drawn)
    are left out, so the interval is the metric's where it exists.
    """
    matrix = item_matrix(pooling, counts)
    if len(matrix) < 2:
        return None
    weights = resample_weights(len(matrix), resamples, seed)
    return _interval(pooled(pooling, weights @ matrix), len(matrix), confidence)


def paired_interval(
    pooling: Pooling,
    before: Sequence[Sequence[float]],
    after: Sequence[Sequence[float]],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Interval | None:
    """The paired-bootstrap interval of ``after - before``: row i of both is the same item, and
    each resample draws the same items on both sides. None as for ``bootstrap_interval``."""
    a, b = item_matrix(pooling, before), item_matrix(pooling, after)
    if a.shape != b.shape:
        raise ValueError(f"paired items differ in shape: {a.shape} and {b.shape}")
    if len(a) < 2:
        return None
    weights = resample_weights(len(a), resamples, seed)
    delta = pooled(pooling, weights @ b) - pooled(pooling, weights @ a)
    return _interval(delta, len(a), confidence)


def run_spread(values: Sequence[float | None]) -> float | None:
    """The sample standard deviation of one metric over repeated runs (None with fewer than two
    defined values): how much the backend varies from run to run on the same items."""
    defined = [v for v in values if v is not None]
    if len(defined) < 2:
        return None
    return float(np.std(defined, ddof=1))
