"""Shared test set-up.

- Network guard: pytest-socket (``--allow-hosts`` in pyproject) makes any connection outside
  loopback fail the test; tests/test_network_guard.py proves it.
- Every test session gets a fresh response cache directory and no user config, so results never
  depend on the machine's cache or config. Within a session the cache is shared: the eval gate
  reuses what the end-to-end tests already computed on the embedded model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fault_server import FaultServer

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

REPO = Path(__file__).resolve().parent.parent
SEEDS = (REPO.parent / "shared" / "seeds").resolve()
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("workbench-cache")
    os.environ["WORKBENCH_CACHE_DIR"] = str(cache)
    os.environ.pop("WORKBENCH_CONFIG", None)


@pytest.fixture()
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory so ./workbench.toml of the repo or user is never picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """The loopback OpenAI-compatible server of tests/support/fault_server.py, one per session."""
    with FaultServer() as running:
        yield running


@pytest.fixture()
def fresh_server(
    fault_server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FaultServer:
    """The shared fault server with no faults and no history, and an empty cache for this test."""
    fault_server.reset()
    fault_server.delay = 0.0
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return fault_server
