"""Per-item scores: pooled they give back every reported number; repeats and pairing (no model)."""

from __future__ import annotations

import pytest

from tests.evaluation.test_gate import ALL_RIGHT, CLOSED, POWER, REOPEN
from tests.support.flood_article import ReportBuilder
from workbench.core.schema import Status
from workbench.evaluation.baselines import load_baseline, metrics_of, rebuild_report
from workbench.evaluation.command import EVALS_DIR
from workbench.evaluation.fixtures import Fixture, load_fixtures
from workbench.evaluation.items import (
    FIXTURE_ITEMS,
    MetricItems,
    fixture_items,
    mean_items,
    pair_items,
    repeated_metrics,
)
from workbench.evaluation.metrics import METRICS
from workbench.evaluation.scoring.suite import score_report
from workbench.evaluation.stats import Pooling


def test_pooled_items_give_back_every_metric_of_the_committed_baseline() -> None:
    fixtures = {f.id: f for f in load_fixtures(EVALS_DIR / "fixtures")}
    baseline = load_baseline(EVALS_DIR / "baselines" / "builtin.json")
    assert baseline is not None
    scores = [score_report(rebuild_report(p, fixtures[i]), fixtures[i])
              for i, p in baseline.fixtures.items()]
    metrics = metrics_of(scores)
    items = fixture_items(scores)
    assert set(items) == set(FIXTURE_ITEMS)
    # a rank correlation and a median are no sums over items: no interval
    assert set(METRICS) - set(items) == {"checkworthiness.spearman",
                                         "sentence_checkworthiness.spearman",
                                         "questions.median_words"}
    for name, table in items.items():
        expected = metrics[name]
        assert expected is not None
        digits = 3 if name == "health.seconds" else 12  # the report rounds seconds
        assert round(table.value or 0.0, digits) == pytest.approx(expected), name
    units = {name: table.unit for name, table in items.items()}
    assert units["claims.f1"] == "article" and len(items["claims.f1"].keys) == len(scores)
    assert units["sentences.f1"] == "sentence" and units["claimers.accuracy"] == "claim"
    assert len(items["questions.meteor"].keys) == sum(len(fixtures[i].claims)
                                                      for i in baseline.fixtures)


def test_claim_items_are_keyed_by_gold_claim(make_report: ReportBuilder,
                                             flood_fixture: Fixture) -> None:
    # The flood fixture's gold claims: 1 closed, 2 power, 3 reopen. Run A finds 1 and 2; run B
    # finds 1 and 3 and misses a claim sentence: B's sentence items differ in one place.
    a = fixture_items([score_report(make_report(ALL_RIGHT, [CLOSED, POWER]), flood_fixture)])
    b = fixture_items([score_report(
        make_report({**ALL_RIGHT, "The water authority": Status.no_claim}, [CLOSED, REOPEN]),
        flood_fixture)])
    keys, before, after = pair_items(a["checkworthiness.accuracy"], b["checkworthiness.accuracy"])
    assert keys == ["flood#c0", "flood#c1", "flood#c2"]
    assert [row[1] for row in before] == [1, 1, 0] and [row[1] for row in after] == [1, 0, 1]
    _, before, after = pair_items(a["sentences.f1"], b["sentences.f1"])
    assert sum(x != y for x, y in zip(before, after, strict=True)) == 1


def _items(keys: list[str], counts: list[list[float]]) -> MetricItems:
    return MetricItems(unit="article", pooling=Pooling.ratio, keys=keys, counts=counts)


def test_repeats_average_each_item_and_pool_over_runs() -> None:
    first = {"grounding.rate": _items(["a", "b"], [[1, 2], [2, 2]])}
    second = {"grounding.rate": _items(["b", "a", "c"], [[0, 2], [2, 2], [1, 1]])}
    merged = mean_items([first, second])["grounding.rate"]
    assert merged.keys == ["a", "b"]  # c is not in every run
    assert merged.counts == [[1.5, 2.0], [1.0, 2.0]]
    runs = [{"grounding.rate": 0.75, "checkworthiness.spearman": 0.5},
            {"grounding.rate": 0.5, "checkworthiness.spearman": None}]
    assert repeated_metrics(runs, {"grounding.rate": merged}) == {
        "grounding.rate": 0.625, "checkworthiness.spearman": None}


def test_items_of_different_kinds_do_not_pair() -> None:
    other = MetricItems(unit="sentence", pooling=Pooling.ratio, keys=["a"], counts=[[1, 1]])
    with pytest.raises(ValueError, match="cannot pair"):
        pair_items(_items(["a"], [[1, 1]]), other)
