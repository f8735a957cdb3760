"""The embedded model's threads follow the machine (its physical cores) unless the config says."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from workbench.core.config import parse_config
from workbench.core.errors import ConfigError
from workbench.llm.embedded import DEFAULT_ALIAS, CoreShare, EmbeddedProvider, physical_cores
from workbench.llm.litellm_client import LiteLLMClient


def test_physical_cores_are_at_most_the_cpus_this_process_may_use() -> None:
    cores = physical_cores()
    assert 1 <= cores <= len(os.sched_getaffinity(0))


def test_threads_is_a_backend_setting() -> None:
    config = parse_config({"backends": {"embedded": {"threads": 1}}})
    assert config.backend("embedded").threads == 1
    assert parse_config({}).backend("embedded").threads is None  # the machine decides
    with pytest.raises(ConfigError, match="threads"):
        parse_config({"backends": {"embedded": {"threads": 0}}})


def test_the_configured_threads_reach_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[tuple[Any, ...]] = []

    def register(self: EmbeddedProvider, alias: str, path: Path | None, n_ctx: int = 4096,
                 threads: int | None = None) -> str:  # fmt: skip
        registered.append((alias, path, n_ctx, threads))
        return f"embedded/{alias}"

    monkeypatch.setattr(EmbeddedProvider, "register", register)
    config = parse_config({"backends": {"embedded": {"threads": 1, "n_ctx": 2048}}})
    LiteLLMClient(config.backend("embedded"))
    assert registered == [(DEFAULT_ALIAS, None, 2048, 1)]


@pytest.mark.model
@pytest.mark.parametrize("threads", [1, None])
def test_llama_cpp_runs_on_the_threads_given(threads: int | None) -> None:
    """The real model, loaded by a provider of its own (the shared one may be loaded already)."""
    provider = EmbeddedProvider()
    try:
        provider.register(DEFAULT_ALIAS, None, 1024, threads)
        llama = provider.llama(DEFAULT_ALIAS)
        expected = threads or physical_cores()
        assert (llama.n_threads, llama.n_threads_batch) == (expected, expected)
    finally:
        provider.close()


HOLD_A_SLOT = """
import fcntl, sys, time
from pathlib import Path
handle = open(Path(sys.argv[1]) / "slot-0.lock", "a+b")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold_slot_zero(folder: Path, seconds: float) -> Any:
    """Another process holding the first slot for ``seconds`` (it says so once it holds it)."""
    import subprocess
    import sys

    folder.mkdir(exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_SLOT, str(folder), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_process_on_every_core_waits_for_the_other_ones_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.llm.embedded.physical_cores", lambda: 2)
    share = CoreShare(threads=2, folder=tmp_path / "cores")
    assert share.slots == 1
    holder = _hold_slot_zero(share.folder, 1.0)
    try:
        with share.turn():  # only once the other process's turn (1 s) is over
            pass
    finally:
        holder.wait()
    assert share.waited_s >= 0.5


def test_processes_on_part_of_the_cores_run_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.llm.embedded.physical_cores", lambda: 2)
    share = CoreShare(threads=1, folder=tmp_path / "cores")
    assert share.slots == 2
    holder = _hold_slot_zero(share.folder, 30.0)
    try:
        with share.turn():
            assert holder.poll() is None  # the other still holds its slot: no waiting
        assert share.waited_s == 0.0
    finally:
        holder.kill()
        holder.wait()


def test_a_dead_process_leaves_its_slot_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.llm.embedded.physical_cores", lambda: 2)
    share = CoreShare(threads=2, folder=tmp_path / "cores")
    holder = _hold_slot_zero(share.folder, 30.0)
    holder.kill()
    holder.wait()
    with share.turn():
        pass
    assert share.waited_s < 5
