"""The Evals page under AppTest, on two real `workbench eval` runs of the fake backend."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.fake_reports import EVAL_FIXTURE, REPO, eval_runs
from workbench.cli import main

EVALS = "views/evals.py"


@pytest.fixture(scope="module")
def reports() -> Path:
    return eval_runs()


def open_evals(app: AppTest, folder: Path) -> AppTest:
    app.switch_page(EVALS)
    app.run()
    app.text_input(key="ev-dir").set_value(str(folder))
    app.run()
    assert not app.exception, app.exception
    return app


def test_no_runs_explains_how_to_make_one(app: AppTest, tmp_path: Path) -> None:
    open_evals(app, tmp_path)
    assert "No eval runs in" in app.info[0].value and "workbench eval" in app.info[0].value


def test_latest_run_metrics_gate_and_charts(app: AppTest, reports: Path) -> None:
    open_evals(app, reports)
    runs = app.selectbox(key="ev-run")
    assert len(runs.options) == 2 and runs.options[0].endswith("1 regression(s)")
    assert app.subheader[0].value == "fake · fake/fake"
    assert "Regression in 1 gated metric(s)" in app.error[0].value
    assert "claims.f1" in app.error[0].value
    charts = app.get("vega_lite_chart")
    assert len(charts) >= 3  # metrics, history, fixture drill-down
    metrics = app.dataframe[0].value.set_index("metric")
    assert metrics.loc["claims.f1", "baseline"] == 0.99
    assert {m.label for m in app.metric} >= {"failures", "tokens", "seconds"}
    # every number with its 95% interval, drawn as error bars on the metrics chart
    sentences = metrics.loc["sentences.f1"]
    assert sentences["95% low"] <= sentences["backend"] <= sentences["95% high"]
    assert "run sd" not in metrics.columns  # not a --repeat run
    bars = json.loads(charts[0].proto.spec)
    (rule,) = [layer for layer in bars["layer"] if layer["mark"]["type"] == "rule"]
    assert rule["encoding"]["x"]["field"] == "low" and rule["encoding"]["x2"]["field"] == "high"
    history = json.loads(charts[1].proto.spec)
    assert any(layer["mark"]["type"] == "rule" and layer["encoding"]["y2"]["field"] == "high"
               for layer in history["layer"])


def test_older_run_has_no_baseline_diff(app: AppTest, reports: Path) -> None:
    open_evals(app, reports)
    oldest = sorted(p.name for p in reports.iterdir() if p.name != "latest")[0]
    app.selectbox(key="ev-run").set_value(oldest)
    app.run()
    assert not app.error
    assert "blessed the baseline" in app.info[0].value
    assert "not compared with a baseline" in app.info[1].value


def test_fixture_drill_down_and_claim_diff(app: AppTest, reports: Path) -> None:
    open_evals(app, reports)
    assert app.selectbox(key="ev-fixture").value == EVAL_FIXTURE
    frames = [f.value for f in app.dataframe]
    diff = next(f for f in frames if "what changed" in f.columns)
    assert "label: maybe → check_worthy" in set(diff["what changed"])
    assert set(diff["change"]) == {"+ added", "− dropped", "~ changed"}
    statuses = next(
        f for f in frames if list(f.columns) == ["sentence", "baseline", "this run", "gold"]
    )
    assert list(statuses["this run"]) == ["claims"]
    predicted = next(f for f in frames if "gold" in f.columns and "claimer" in f.columns)
    assert len(predicted) >= 5


def test_tuning_and_checking_side_by_side(app: AppTest, tmp_path: Path) -> None:
    """A run holding both gated subsets shows each beside the whole run, with what regressed."""
    evals = tmp_path / "evals"
    (evals / "fixtures" / "articles").mkdir(parents=True)
    tuning, checking = "opinion-market-square-2026", "correction-linmouth-waits-2026"
    for fixture in (tuning, checking):
        shutil.copy(REPO / "evals" / "fixtures" / f"{fixture}.yaml", evals / "fixtures")
        shutil.copy(REPO / "evals" / "fixtures" / "articles" / f"{fixture}.md",
                    evals / "fixtures" / "articles")
    (evals / "config.toml").write_text(
        '[gate]\nsubsets = ["tuning", "checking"]\n[gate.tolerance]\n"claims.f1" = 0.04\n'
        f'[subsets]\ntuning = ["{tuning}"]\nchecking = ["{checking}"]\n', encoding="utf-8")
    args = ["eval", "--quiet", "--backend", "fake", "--evals", str(evals),
            "--baseline", str(tmp_path / "fake.json"), "--reports", str(tmp_path / "reports")]
    assert main([*args, "--bless"]) == 0
    baseline = json.loads((tmp_path / "fake.json").read_text(encoding="utf-8"))
    baseline["sets"]["checking"]["metrics"]["claims.f1"] = 0.99
    (tmp_path / "fake.json").write_text(json.dumps(baseline), encoding="utf-8")
    assert main(args) == 1
    open_evals(app, tmp_path / "reports")
    assert "claims.f1 (checking)" in app.error[0].value
    frames = [f.value for f in app.dataframe]
    subsets = next(f for f in frames if "set" in f.columns).set_index("set")
    assert list(subsets.index) == ["all", "tuning", "checking"]
    assert list(subsets["fixtures"]) == [2, 1, 1]
    assert subsets.loc["checking", "regressed"] == "claims.f1"
    assert subsets.loc["tuning", "regressed"] == ""
