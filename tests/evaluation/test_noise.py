"""`workbench eval` on a backend that varies, end to end on the fake backend: the gate's paired
rule (a real drop fails, noise at the baseline's level passes, and without the rule the same noise
fails as before) and --repeat (the spread from run to run).

The fake backend is made to vary by dropping the claim of an extracted sentence at a rate, drawn
per run (a seed) and sentence: two seeds at one rate are one backend's two runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from workbench.cli import main
from workbench.core.schema import Stage
from workbench.evaluation.command import EVALS_DIR
from workbench.llm import fake
from workbench.llm.fake import Responder, heuristic_responder
from workbench.llm.interface import Request

# Seeds of two runs at a 15% drop rate: the first dropped fewer claims than the second, by more
# than the tolerances of claims.f1 and sentences.f1, within what the rate explains.
LUCKY, UNLUCKY = "run-4", "run-1"


def dropping(rate: float, seed: str) -> Responder:
    """The fake backend, but a sentence's claims are dropped with probability ``rate``."""

    def respond(request: Request[Any]) -> dict[str, Any]:
        if request.stage == Stage.extract:
            draw = hashlib.sha256(f"{seed}|{request.variables.get('sentence')}".encode())
            if int(draw.hexdigest()[:8], 16) / 16**8 < rate:
                return {"claims": []}
        return heuristic_responder(request)

    return respond


@pytest.fixture
def evals(workdir: Path) -> Path:
    """An evals folder with the real fixtures and two configs: the committed one, and the same
    with every gated metric under the paired rule."""
    folder = workdir / "evals"
    folder.mkdir()
    (folder / "fixtures").symlink_to(EVALS_DIR / "fixtures")
    committed = (EVALS_DIR / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(committed, encoding="utf-8")
    paired = workdir / "paired"
    paired.mkdir()
    (paired / "fixtures").symlink_to(EVALS_DIR / "fixtures")
    gated = tomllib.loads(committed)["gate"]["tolerance"]
    rules = "".join(f'"{name}" = "paired"\n' for name in gated)
    assert "\n[gate.noise]\n" in committed
    (paired / "config.toml").write_text(
        committed.replace("\n[gate.noise]\n", f"\n[gate.noise]\n{rules}"), encoding="utf-8")
    return workdir


def run_eval(workdir: Path, monkeypatch: pytest.MonkeyPatch, responder: Responder, config: str,
             *args: str) -> int:
    monkeypatch.setattr(fake, "heuristic_responder", responder)
    # Unless fixtures are named: the tuning subset, the ten fixtures LUCKY and UNLUCKY were
    # chosen on.
    scope = [] if "--fixture" in args else ["--subset", "tuning"]
    return main(["eval", "--quiet", "--backend", "fake", "--no-cache", "--evals",
                 str(workdir / config), "--baseline", str(workdir / "fake.json"),
                 "--reports", str(workdir / "reports"), *scope, *args])


def latest(workdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (workdir / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))
    return report


def test_noise_at_the_baselines_level_passes_only_under_the_paired_rule(
    evals: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(evals, monkeypatch, dropping(0.15, LUCKY), "evals", "--bless") == 0
    noisy = dropping(0.15, UNLUCKY)

    # Today's rule: the unlucky run is beyond the tolerance, so it fails.
    assert run_eval(evals, monkeypatch, noisy, "evals") == 1
    deltas = {d["name"]: d for d in latest(evals)["comparison"]["deltas"]}
    claims = deltas["claims.f1"]
    assert claims["regressed"] and claims["noise"] == "none"
    assert claims["delta"] < -claims["tolerance"]
    assert claims["interval"]["low"] < 0 < claims["interval"]["high"]
    capsys.readouterr()

    # The paired rule: the same drop is inside its paired interval, which holds zero: noise.
    assert run_eval(evals, monkeypatch, noisy, "paired") == 0
    report = latest(evals)
    assert report["comparison"]["regressions"] == []
    deltas = {d["name"]: d for d in report["comparison"]["deltas"]}
    assert deltas["claims.f1"]["noise"] == "paired" and not deltas["claims.f1"]["regressed"]
    assert deltas["claims.f1"]["delta"] == pytest.approx(claims["delta"])
    out = capsys.readouterr().out
    assert "within noise" in out and "no regression" in out


def test_a_real_drop_fails_under_the_paired_rule(
    evals: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(evals, monkeypatch, heuristic_responder, "paired", "--bless") == 0
    capsys.readouterr()
    assert run_eval(evals, monkeypatch, dropping(0.5, "drop"), "paired") == 1
    report = latest(evals)
    assert all(d.get("claims") and any(c["change"] == "dropped" for c in d["claims"])
               for d in report["comparison"]["diffs"])  # claims went from every fixture
    assert {"claims.f1", "sentences.f1", "claims.recall"} <= set(
        report["comparison"]["regressions"])
    claims = next(d for d in report["comparison"]["deltas"] if d["name"] == "claims.f1")
    assert claims["interval"]["high"] < 0
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: regression in ")
    assert "claims.f1" in error and "paired 95% interval [-" in error and "rule paired" in error
    junit = (evals / "reports" / "latest" / "junit.xml").read_text(encoding="utf-8")
    assert "paired 95% interval" in junit


def varying(rate: float) -> Responder:
    """A backend that drops claims at ``rate`` with a fresh draw on every request: no two runs
    alike, as a hosted model at temperature 0 can be."""
    calls = itertools.count()

    def respond(request: Request[Any]) -> dict[str, Any]:
        return dropping(rate, f"call-{next(calls)}")(request)

    return respond


@pytest.mark.parametrize(("responder", "varies"), [(varying(0.2), True),
                                                   (heuristic_responder, False)])
def test_repeat_reports_the_spread_from_run_to_run(
    evals: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    responder: Responder, varies: bool,
) -> None:
    fixtures = ["wire-port-strike-2026", "politics-housing-levy-2026", "seed-000"]
    args = [arg for fixture in fixtures for arg in ("--fixture", fixture)]
    assert run_eval(evals, monkeypatch, responder, "evals", "--repeat", "3", *args) == 0
    report = latest(evals)
    runs = report["repeated"]["runs"]
    assert len(runs) == 3
    spread = report["repeated"]["spread"]["claims.f1"]
    assert (spread > 0) is varies
    values = [run["claims.f1"] for run in runs]
    assert min(values) <= report["metrics"]["claims.f1"] <= max(values)  # pooled over the runs
    assert report["metrics"]["health.tokens"] == pytest.approx(
        sum(run["health.tokens"] for run in runs) / 3)  # a total is per run
    out = capsys.readouterr().out
    assert "run sd" in out and "every item ran 3 times without the cache" in out
