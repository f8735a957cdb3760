"""The eval gate, live: `workbench eval` on the built-in backend against the committed baseline.

Every fixture runs, cold (a fresh cache per test session): the built-in backend calls no model,
and the whole set takes about 30 seconds of one core. The run fails on any regression beyond the
configured tolerances, pooled or within the tuning or the checking subset (gated each on its
own), exactly as `make eval` would, and prints its timing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.evaluation.command import EVALS_DIR


def test_live_eval_gate_on_the_builtin_backend(
    chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))  # built-in backends only
    baseline = EVALS_DIR / "baselines" / "builtin.json"
    assert baseline.is_file(), "bless the built-in baseline: workbench eval --bless"
    started = time.perf_counter()
    code = main(["eval", "--backend", "builtin", "--reports", str(chdir_tmp / "reports")])
    seconds = time.perf_counter() - started
    captured = capsys.readouterr()
    with capsys.disabled():
        print(f"\nlive eval gate: all fixtures, {seconds:.0f}s\n{captured.out}")
    assert code == 0, f"{captured.err}\n{captured.out}"
    assert "no regression" in captured.out
    assert "subset(s) tuning, checking, each on its own" in captured.out
    assert (chdir_tmp / "reports" / "latest" / "junit.xml").is_file()
