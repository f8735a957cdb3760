"""Eval runs read back for the UI (evaluation.history), from real `workbench eval` output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_reports import EVAL_FIXTURE, eval_runs
from workbench.core.errors import ConfigError
from workbench.evaluation.history import (
    claim_diff_rows,
    diff_counts,
    fixture_rows,
    history_rows,
    list_runs,
    load_run,
    metric_rows,
    predicted_claim_rows,
    sentence_diff_rows,
)


@pytest.fixture(scope="module")
def reports() -> Path:
    return eval_runs()


def test_runs_are_listed_oldest_first_without_latest(reports: Path) -> None:
    runs, problems = list_runs(reports)
    assert problems == []
    assert len(runs) == 2 and runs[0].started_at < runs[1].started_at
    assert all(r.backend == "fake" and r.fixtures == [EVAL_FIXTURE] for r in runs)
    assert (runs[0].regressions, runs[1].regressions) == ([], ["claims.f1"])
    assert runs[1].label.endswith("1 fixtures · 1 regression(s)")


def test_unreadable_runs_are_reported_not_fatal(reports: Path, tmp_path: Path) -> None:
    broken = tmp_path / "20990101T000000Z-fake"
    broken.mkdir()
    (broken / "report.json").write_text("{not json")
    runs, problems = list_runs(tmp_path)
    assert runs == [] and len(problems) == 1 and "unreadable" in problems[0]
    assert list_runs(tmp_path / "missing") == ([], [])
    with pytest.raises(ConfigError, match="not an eval report"):
        (broken / "report.json").write_text('{"format": 1}')
        load_run(broken / "report.json")


def test_metrics_beside_heuristic_and_baseline(reports: Path) -> None:
    report = load_run(list_runs(reports)[0][-1].path)
    rows = {r["metric"]: r for r in metric_rows(report)}
    claims = rows["claims.f1"]
    assert claims["baseline"] == 0.99 and claims["regressed"] is True
    assert claims["delta"] == pytest.approx(claims["backend"] - 0.99)
    assert rows["health.tokens"]["kind"] == "count" and claims["kind"] == "ratio"
    assert list(rows)[0] == "sentences.f1"
    sentences = rows["sentences.f1"]  # one fixture: intervals over its gold sentences
    assert sentences["95% low"] <= sentences["backend"] <= sentences["95% high"]
    # the baseline's predictions were edited by hand, its blessed numbers not: no paired interval
    assert sentences["delta 95% low"] is None and "not its 0.952" in sentences["note"]
    assert claims["95% low"] is None  # one article: nothing to resample
    assert sentences["run sd"] is None  # not a --repeat run


def test_history_has_a_row_per_run_and_metric(reports: Path) -> None:
    runs, _ = list_runs(reports)
    rows = history_rows(runs, ["claims.f1", "sentences.f1"])
    assert len(rows) == 4
    assert {r["metric"] for r in rows} == {"claims.f1", "sentences.f1"}
    assert all(r["low"] <= r["value"] <= r["high"] for r in rows if r["metric"] == "sentences.f1")


def test_fixture_drill_down_and_claim_diff(reports: Path) -> None:
    report = load_run(list_runs(reports)[0][-1].path)
    (row,) = fixture_rows(report)
    assert row["fixture"] == EVAL_FIXTURE and row["regressed"] == ""
    claims = predicted_claim_rows(report, EVAL_FIXTURE)
    assert claims and all(c["gold"].startswith("#") or c["gold"] == "unmatched" for c in claims)
    counts = diff_counts(report)[EVAL_FIXTURE]
    assert (counts["dropped"], counts["changed"], counts["sentences"]) == (1, 1, 1)
    diff = claim_diff_rows(report, EVAL_FIXTURE)
    changed = next(d for d in diff if d["change"] == "~ changed")
    assert changed["what changed"] == "label: maybe → check_worthy"
    dropped = next(d for d in diff if d["change"] == "− dropped")
    assert "worded differently" in dropped["baseline"] and dropped["gold match"] == "no gold match"
    (sentence,) = sentence_diff_rows(report, EVAL_FIXTURE)
    assert (sentence["baseline"], sentence["this run"]) == ("ambiguous", "claims")
    first = load_run(list_runs(reports)[0][0].path)
    assert first.comparison is None and claim_diff_rows(first, EVAL_FIXTURE) == []
