"""Endpoint pools through litellm's Router, against two real OpenAI-compatible servers on
loopback (tests/support/fault_server.py): both serve, one killed mid-batch loses no article, the
cache identity is the pool (any deployment's answer serves the others, two pools never share),
the Router's retries are the only ones, `backends --check` reports each deployment. No model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.articles import article_text
from tests.support.configs import REPO, write_config
from tests.support.fault_server import FaultServer, closed_port
from tests.support.net import wait_until
from workbench.cli import main
from workbench.core.config import parse_config
from workbench.core.schema import Stage
from workbench.llm.litellm_client import LiteLLMClient

ARTICLE = article_text(3)


def pool_config(path: Path, bases: list[str], *, name: str = "pool", **settings: Any) -> Path:
    defaults: dict[str, Any] = {"timeout": 10.0, "retries": 2, "reasks": 1, "concurrency": 2}
    return write_config(
        path, name, "openai/fault-model", api_bases=bases, **{**defaults, **settings}
    )


@pytest.fixture()
def servers(fresh_server: FaultServer) -> Iterator[tuple[FaultServer, FaultServer]]:
    """The session's fault server and a second one, both empty; an empty cache, in tmp."""
    with FaultServer() as second:
        yield fresh_server, second


def extract(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    code = main(["extract", "article.md", "--config", str(config), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return dict(json.loads(captured.out))


@pytest.mark.parametrize("routing", ["least-busy", "simple-shuffle"])
def test_both_deployments_serve(
    servers: tuple[FaultServer, FaultServer],
    routing: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    first, second = servers
    for server in servers:
        server.delay = 0.05  # requests overlap, so least-busy has something to balance
    config = pool_config(tmp_path / "w.toml", [first.base_url, second.base_url], routing=routing)
    report = extract(config, capsys)
    assert report["claims"] and not report["failures"]
    assert first.count() > 0 and second.count() > 0, (first.count(), second.count())
    assert report["run"]["api_base"] == f"{first.base_url}, {second.base_url}"


def test_cache_identity_is_the_pool_not_the_deployment(
    servers: tuple[FaultServer, FaultServer], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = servers
    both = [first.base_url, second.base_url]
    extract(pool_config(tmp_path / "a.toml", both), capsys)
    asked = first.count() + second.count()
    # The same pool served by other deployments (one of them never asked): every answer cached.
    with FaultServer() as third:
        report = extract(pool_config(tmp_path / "b.toml", [third.base_url, first.base_url]), capsys)
        assert third.count() == 0 and first.count() + second.count() == asked
    assert report["run"]["stages"]["select"]["cache_hits"] > 0
    assert report["run"]["stages"]["select"]["cache_misses"] == 0
    # Another pool over the very same servers, and one of the servers on its own: no sharing.
    extract(pool_config(tmp_path / "c.toml", both, name="other"), capsys)
    assert first.count() + second.count() == 2 * asked
    single = write_config(
        tmp_path / "d.toml", "pool", "openai/fault-model", api_base=first.base_url, timeout=10.0
    )
    extract(single, capsys)
    assert first.count() + second.count() == 3 * asked


def test_identity_names_the_pool_and_no_endpoint() -> None:
    config = parse_config({
        "backends": {
            "a": {"model": "openai/m", "api_bases": ["http://h1:1/v1", "http://h2:2/v1"]},
            "b": {"model": "openai/m", "api_bases": ["http://h2:2/v1", "http://h3:3/v1"]},
            "one": {"model": "openai/m", "api_base": "http://h1:1/v1"},
        }
    })
    identity = {name: LiteLLMClient(config.backend(name)).identity(Stage.select)
                for name in ("a", "b", "one")}
    assert identity["a"]["pool"] == "a" and identity["a"]["api_base"] is None
    assert identity["a"] != identity["b"] != identity["one"]
    assert {k: v for k, v in identity["a"].items() if k != "pool"} == {
        k: v for k, v in identity["b"].items() if k != "pool"
    }
    assert "pool" not in identity["one"]
    # Concurrency is per deployment: the pool takes twice the requests in flight.
    assert LiteLLMClient(config.backend("a")).concurrency == 2 * config.backend("a").concurrency


def test_the_router_is_the_only_retry_layer(
    servers: tuple[FaultServer, FaultServer], tmp_path: Path
) -> None:
    """Both deployments fail every time: each question is sent at most 1 + retries times in all
    (the Router's retries; ours would multiply them), and the run ends quickly."""
    first, second = servers
    for server in servers:
        server.fail("status", status=500)
    config = pool_config(tmp_path / "w.toml", [first.base_url, second.base_url], retries=2)
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    started = time.monotonic()
    assert main(["extract", "article.md", "--config", str(config), "--no-cache"]) == 1
    assert time.monotonic() - started < 60
    sent: dict[str, int] = {}
    for received in [*first.requests, *second.requests]:
        sent[received.subject] = sent.get(received.subject, 0) + 1
    assert len(sent) == 3  # the article's three sentences
    assert max(sent.values()) <= 3, sent


def test_one_failing_deployment_is_skipped(
    servers: tuple[FaultServer, FaultServer], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = servers
    first.fail("status", status=503)
    report = extract(pool_config(tmp_path / "w.toml", [first.base_url, second.base_url]), capsys)
    assert report["claims"] and not report["failures"]
    # Benched after its allowed failures: it is not asked again and again.
    assert first.count() <= 4 < second.count()


class ServerProcess:
    """A fault server in a process of its own, so a test can kill it (SIGKILL, no goodbye)."""

    def __init__(self, delay: float) -> None:
        script = REPO / "tests" / "support" / "fault_server.py"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, str(script), "--delay", str(delay)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    def requests(self) -> int:
        root = self.base_url.removesuffix("/v1")
        with urllib.request.urlopen(f"{root}/stats", timeout=5) as answer:
            return int(json.loads(answer.read())["requests"])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_deployment_killed_mid_batch_loses_no_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(8):
        (folder / f"article-{n}.md").write_text(article_text(n), encoding="utf-8")
    doomed, survivor = ServerProcess(0.2), ServerProcess(0.2)
    try:
        config = pool_config(tmp_path / "w.toml", [doomed.base_url, survivor.base_url])
        out = tmp_path / "out.jsonl"
        batch = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "batch", str(folder), "--out", str(out),
             "--config", str(config), "--quiet"],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stderr=subprocess.PIPE,
            text=True,
        )
        # Killed with requests in flight, once the batch is well under way.
        assert wait_until(lambda: doomed.requests() >= 10, 120)
        doomed.kill()
        _, stderr = batch.communicate(timeout=240)
        assert batch.returncode == 0, stderr
        entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(entries) == 8
        for entry in entries:
            assert "error" not in entry and not entry["report"]["failures"], entry
            assert entry["report"]["claims"]
        assert survivor.requests() > 10
    finally:
        doomed.kill()
        survivor.kill()


def test_backends_check_reports_each_deployment(
    fresh_server: FaultServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    config = pool_config(tmp_path / "w.toml", [fresh_server.base_url, dead], retries=0)
    assert main(["backends", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    pool = f"on a pool (least-busy) at {fresh_server.base_url}, {dead}"
    assert f"pool (default): openai/fault-model {pool}" in listing
    assert main(["backends", "--check", "--backend", "pool", "--config", str(config)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"pool @ {fresh_server.base_url}: reachable · ")
    assert lines[1].startswith(f"pool @ {dead}: UNREACHABLE · ")
    assert "cannot connect" in lines[1]
    assert fresh_server.count("probe") == 1
