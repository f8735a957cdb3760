"""`workbench eval --compare A B`: two set-ups on the same items, a verdict per metric (fake
backend, no model)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.evaluation.test_command import (
    FIXTURES,
    fixture_args,
    run_eval,
    write_datasets,
)
from tests.evaluation.test_noise import dropping
from workbench.cli import main
from workbench.evaluation.command import EVALS_DIR
from workbench.evaluation.stats import Interval
from workbench.evaluation.versus import verdict_of
from workbench.llm import fake


@pytest.mark.parametrize(
    ("name", "low", "high", "verdict"),
    [
        ("claims.f1", 0.01, 0.2, "better"),
        ("claims.f1", -0.2, -0.01, "worse"),
        ("claims.f1", -0.2, 0.01, "no detectable difference"),
        ("claims.f1", 0.0, 0.0, "no detectable difference"),
        ("health.tokens", 10, 50, "worse"),  # lower is better
        ("detection.f1", 0.1, 0.2, "better"),  # a dataset's own F1
        ("questions.per_claim", 0.5, 1.0, "higher"),  # no direction
    ],
)
def test_verdict_of_a_paired_interval(name: str, low: float, high: float, verdict: str) -> None:
    assert verdict_of(name, Interval(low=low, high=high, items=10)) == verdict
    assert verdict_of(name, None) == "undetermined"


def compare(workdir: Path, a: str, b: str, *args: str) -> int:
    return main(["eval", "--quiet", "--reports", str(workdir / "reports"), *args,
                 "--compare", a, b])


def compare_folder(workdir: Path) -> Path:
    return next(p for p in (workdir / "reports").iterdir() if p.name.endswith("-compare"))


def recorded_run(workdir: Path, name: str, *args: str) -> Path:
    """A run of the fake backend on the test's fixtures, moved to ``workdir/name``."""
    assert run_eval(workdir, "--backend", "fake", "--no-cache", *fixture_args(), *args) == 0
    run = workdir / name
    (workdir / "reports" / "latest").rename(run)
    return run


def test_two_recorded_runs_give_a_verdict_per_metric(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = recorded_run(workdir, "before")
    monkeypatch.setattr(fake, "heuristic_responder", dropping(0.6, "worse"))
    after = recorded_run(workdir, "after")
    capsys.readouterr()

    assert compare(workdir, str(before), str(after / "report.json")) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"compare on {len(FIXTURES)} fixtures: B against A")
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert lines["claims.f1"].endswith("worse") and "articles" in lines["claims.f1"]
    assert lines["sentences.f1"].endswith(" worse") and "sentences" in lines["sentences.f1"]
    assert lines["grounding.rate"].endswith("no detectable difference")

    folder = compare_folder(workdir)
    result: dict[str, Any] = json.loads((folder / "compare.json").read_text(encoding="utf-8"))
    verdicts = {v["name"]: v for v in result["verdicts"]}
    claims = verdicts["claims.f1"]
    assert claims["verdict"] == "worse" and claims["interval"]["high"] < 0
    assert claims["a"] == pytest.approx(json.loads(
        (before / "report.json").read_text(encoding="utf-8"))["metrics"]["claims.f1"])
    assert result["a"]["label"] == str(before) and result["left_out"] == []
    markdown = (folder / "compare.md").read_text(encoding="utf-8")
    assert "| claims.f1 |" in markdown and "**worse**" in markdown

    # A run against itself: nothing to tell apart.
    assert compare(workdir, str(after), str(after)) == 0
    out = capsys.readouterr().out
    verdict_lines = [line for line in out.splitlines() if line.startswith("  ")
                     and not line.startswith("  metric") and " = " not in line]
    assert verdict_lines and all(line.endswith("no detectable difference")
                                 or line.endswith("undetermined") for line in verdict_lines)


def test_a_backend_against_an_edited_prompts_folder_runs_both(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = workdir / "prompts-v2"
    shutil.copytree(EVALS_DIR.parent / "prompts", prompts)
    assert compare(workdir, "fake", str(prompts), "--backend", "fake", *fixture_args()) == 0
    assert "claims.f1" in capsys.readouterr().out
    runs = [p for p in (workdir / "reports").iterdir()
            if (p / "report.json").is_file() and p.name != "latest"]
    assert len(runs) == 2  # each side's own run folder
    result = json.loads((compare_folder(workdir) / "compare.json").read_text(encoding="utf-8"))
    assert result["scope"] == f"{len(FIXTURES)} fixtures"
    assert str(prompts) in [result["a"]["label"], result["b"]["label"]]
    assert all(v["verdict"] == "no detectable difference" for v in result["verdicts"]
               if v["interval"] is not None and not v["name"].startswith("health."))
    # the same prompts, copied: the same claims (B came from the cache, so not the same cost)


def test_a_live_side_runs_the_recorded_sides_dataset_items(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_datasets(workdir)["checkthat"]
    assert run_eval(workdir, "--backend", "fake", "--dataset", f"checkthat:{path}",
                    "--limit", "3") == 0
    recorded = workdir / "reports" / "latest"
    assert compare(workdir, str(recorded), "fake") == 0
    result = json.loads((compare_folder(workdir) / "compare.json").read_text(encoding="utf-8"))
    assert result["kind"] == "dataset" and result["scope"].endswith(", 3 items")
    assert {v["name"] for v in result["verdicts"]} >= {"checkworthiness.f1", "detection.f1"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fake", "fake", "--bless"], "not with --bless"),
        (["fake", "./no/such/run"], "no such run folder, recording or prompts folder"),
        (["fake", "nope"], "unknown backend"),
    ],
)
def test_bad_compare_usage_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str],
                                   args: list[str], message: str) -> None:
    assert compare(workdir, *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_runs_of_different_kinds_are_not_compared(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = recorded_run(workdir, "fixtures")
    path = write_datasets(workdir)["checkthat"]
    assert run_eval(workdir, "--backend", "fake", "--dataset", f"checkthat:{path}") == 0
    capsys.readouterr()
    assert compare(workdir, str(fixtures), str(workdir / "reports" / "latest")) == 2
    assert "is a fixtures run" in capsys.readouterr().err
