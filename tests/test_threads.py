"""The embedded model's threads follow the machine (its physical cores) unless the config says."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from workbench.config import parse_config
from workbench.errors import ConfigError
from workbench.llm.embedded import DEFAULT_ALIAS, EmbeddedProvider, physical_cores
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
