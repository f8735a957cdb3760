"""The bootstrap behind every interval: checked against hand-computed cases (no model)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.evaluation.scoring.prf import prf_from_counts
from workbench.evaluation.stats import (
    Pooling,
    bootstrap_interval,
    paired_interval,
    pooled_value,
    resample_weights,
    run_spread,
)


def test_interval_of_a_mean_matches_the_exact_bootstrap_distribution() -> None:
    # Items scoring 0, 1, 1, 1: a resample's mean is k/4 with k ~ Binomial(4, 3/4), so
    # P(0) = 1/256, P(1/4) = 12/256, P(1/2) = 54/256, P(3/4) = 108/256, P(1) = 81/256.
    # The 2.5% quantile lies in 1/4 (1/256 < 0.025 <= 13/256), the 97.5% one in 1
    # (175/256 < 0.975); the bootstrap standard error is sqrt(3/4 * 1/4 / 4) = 0.2165.
    items = [[0, 1], [1, 1], [1, 1], [1, 1]]
    interval = bootstrap_interval(Pooling.ratio, items)
    assert interval is not None
    assert (interval.low, interval.high, interval.items) == (0.25, 1.0, 4)
    weights = resample_weights(4)
    means = weights @ np.array([0.0, 1.0, 1.0, 1.0]) / 4
    assert np.std(means) == pytest.approx(math.sqrt(0.75 * 0.25 / 4), rel=0.05)
    assert np.mean(means == 0.25) == pytest.approx(12 / 256, abs=0.015)


def test_the_interval_narrows_as_items_grow() -> None:
    # Ten articles' (true positives, predicted, gold) claim counts; the same articles four times
    # over are four times the evidence, so the interval is about half as wide.
    articles = [[3, 4, 5], [1, 3, 2], [4, 4, 6], [0, 2, 1], [2, 2, 3],
                [5, 7, 6], [1, 1, 4], [3, 5, 3], [2, 4, 2], [6, 6, 7]]
    widths = []
    for copies in (1, 4, 16):
        interval = bootstrap_interval(Pooling.f1, articles * copies)
        assert interval is not None
        point = pooled_value(Pooling.f1, articles)
        assert point is not None and interval.low < point < interval.high
        widths.append(interval.high - interval.low)
    assert 0.35 < widths[1] / widths[0] < 0.65
    assert 0.35 < widths[2] / widths[1] < 0.65


@pytest.mark.parametrize(
    "counts", [(0, 0, 0), (0, 0, 3), (0, 2, 0), (2, 4, 5), (3, 3, 3), (0, 5, 5)]
)
def test_pooling_reproduces_prf_from_counts(counts: tuple[int, int, int]) -> None:
    prf = prf_from_counts(*counts)
    assert pooled_value(Pooling.precision, [counts]) == pytest.approx(prf.precision)
    assert pooled_value(Pooling.recall, [counts]) == pytest.approx(prf.recall)
    assert pooled_value(Pooling.f1, [counts]) == pytest.approx(prf.f1)


def test_undefined_ratio_and_too_few_items() -> None:
    assert pooled_value(Pooling.ratio, [[0, 0], [0, 0]]) is None
    assert bootstrap_interval(Pooling.ratio, [[1, 2]]) is None  # one item: nothing to resample
    assert bootstrap_interval(Pooling.ratio, [[0, 0], [0, 0]]) is None
    with pytest.raises(ValueError, match="pools 3 columns"):
        pooled_value(Pooling.f1, [[1, 2]])


def test_paired_interval_of_a_constant_gain_is_that_gain() -> None:
    # Every item is 0.25 better after: every resample's difference is exactly 0.25.
    before = [[0.5, 1], [0.25, 1], [0.0, 1], [0.75, 1], [0.5, 1]]
    after = [[value + 0.25, 1] for value, _ in before]
    interval = paired_interval(Pooling.ratio, before, after)
    assert interval is not None
    assert interval.low == pytest.approx(0.25) and interval.high == pytest.approx(0.25)


def test_pairing_removes_the_spread_both_sides_share() -> None:
    # Items differ a lot from each other, B is a little better on each: unpaired intervals
    # overlap, the paired interval of B - A excludes zero.
    before = [[v, 1] for v in (0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.5, 0.05)]
    after = [[v + 0.05, 1] if i % 3 else [v + 0.02, 1] for i, (v, _) in enumerate(before)]
    a, b = bootstrap_interval(Pooling.ratio, before), bootstrap_interval(Pooling.ratio, after)
    assert a is not None and b is not None and b.low < a.high  # overlapping
    delta = paired_interval(Pooling.ratio, before, after)
    assert delta is not None and 0 < delta.low < delta.high < 0.06


def test_same_items_same_interval() -> None:
    items = [[1, 2], [0, 3], [2, 2], [1, 1], [0, 1]]
    assert bootstrap_interval(Pooling.ratio, items) == bootstrap_interval(Pooling.ratio, items)


def test_run_spread() -> None:
    assert run_spread([0.5, 0.7, None]) == pytest.approx(math.sqrt(0.02))
    assert run_spread([0.5, None]) is None
