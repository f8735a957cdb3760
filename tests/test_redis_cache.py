"""The shared cache against a real redis-server on loopback (its own port, data dir, no saving):
the same keys and JSON values as the local diskcache, hits shared between processes, a server
that is down is a one-line error or a warned fallback, never a silent miss. No model."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import diskcache
import pytest
import redis

from tests.support.configs import REPO, fake_config, http_config
from tests.support.fault_server import FaultServer
from tests.support.net import free_port
from tests.support.redis_server import RedisServer
from workbench.cli import main
from workbench.core.cache import RedisCache, ResponseCache, open_cache, redis_key_prefix
from workbench.core.errors import CacheError

ARTICLE = """# Council approves road budget

The city council approved a budget of 4.2 million dollars for road repairs on Tuesday.

Unemployment fell to 3.9 percent in March, the statistics office said.

What a wonderful day!
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as running:
        yield running


@pytest.fixture()
def db(server: RedisServer) -> Iterator[redis.Redis]:
    """A raw client on an empty database, to look at what the workbench stored."""
    client = redis.Redis.from_url(server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture()
def shared(server: RedisServer, db: redis.Redis) -> Iterator[RedisCache]:
    cache = RedisCache(server.url)
    yield cache
    cache.close()


def with_cache_table(config: Path, **table: str) -> Path:
    lines = ["", "[cache]"] + [f'{key} = "{value}"' for key, value in table.items()]
    config.write_text(config.read_text(encoding="utf-8") + "\n".join(lines) + "\n", "utf-8")
    return config


def entries_of(directory: Path) -> dict[str, dict[str, Any]]:
    with diskcache.Cache(str(directory)) as store:
        return {str(key): json.loads(store[key]) for key in store.iterkeys()}


def redis_entries(client: redis.Redis) -> dict[str, dict[str, Any]]:
    prefix = redis_key_prefix()
    keys = [key.decode() for key in client.scan_iter(match=prefix + "*")]
    return {key.removeprefix(prefix): json.loads(client.get(key)) for key in keys}


def without_time(entries: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: {k: v for k, v in val.items() if k != "created"} for key, val in entries.items()}


def test_same_keys_and_values_as_the_local_cache(
    chdir_tmp: Path,
    db: redis.Redis,
    server: RedisServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    local = fake_config(chdir_tmp / "local.toml")
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "disk"))
    assert main(["extract", "article.md", "--config", str(local)]) == 0
    remote = with_cache_table(fake_config(chdir_tmp / "remote.toml"), url=server.url)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "unused"))
    assert main(["extract", "article.md", "--config", str(remote)]) == 0
    on_disk, in_redis = entries_of(chdir_tmp / "disk"), redis_entries(db)
    assert len(on_disk) >= 4
    assert without_time(in_redis) == without_time(on_disk)
    assert not (chdir_tmp / "unused").exists()  # the local directory was never opened
    # The values are the JSON text the local cache stores, under a versioned prefix.
    key = next(iter(on_disk))
    assert db.get(f"claimcheck:v2:{key}").decode().startswith("{")
    capsys.readouterr()
    assert main(["cache", "stats", "--config", str(remote)]) == 0
    assert f"{server.url}: {len(on_disk)} entries" in capsys.readouterr().out


@pytest.mark.slow
def test_two_processes_share_the_finished_work(
    chdir_tmp: Path, db: redis.Redis, server: RedisServer
) -> None:
    """A second process with an empty local directory answers everything from the server."""
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    with FaultServer() as model:
        config = with_cache_table(http_config(chdir_tmp / "w.toml", model.base_url), url=server.url)
        outputs = []
        for machine in ("first", "second"):
            env = {**os.environ, "WORKBENCH_CACHE_DIR": str(chdir_tmp / machine)}
            env["PYTHONPATH"] = str(REPO)
            run = subprocess.run(
                [sys.executable, "-m", "workbench.cli", "extract", "article.md",
                 "--config", str(config), "--format", "json"],
                capture_output=True, text=True, env=env, timeout=300, check=False,
            )
            assert run.returncode == 0, run.stderr
            outputs.append(json.loads(run.stdout))
            if machine == "first":
                asked = len(model.requests)
        assert asked >= 4 and len(model.requests) == asked  # the second asked the model nothing
    first, second = outputs
    assert first["claims"] == second["claims"]
    assert second["run"]["stages"]["select"]["cache_hits"] > 0
    entries = redis_entries(db).values()
    # one entry per model answer, beside the parses the extract requests were built from
    assert len([e for e in entries if e.get("stage") != "attribution"]) == asked
    assert any(e.get("stage") == "attribution" for e in entries)


def test_a_down_server_is_a_one_line_error(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    url = f"redis://127.0.0.1:{free_port()}/0"
    config = with_cache_table(fake_config(chdir_tmp / "w.toml"), url=url)
    assert main(["extract", "article.md", "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: the shared cache at {url} is unreachable (")
    assert 'set [cache] fallback = "local"' in err and "\n" not in err


def test_a_down_server_falls_back_to_the_local_cache_with_a_warning(
    chdir_tmp: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    url = f"redis://127.0.0.1:{free_port()}/0"
    config = with_cache_table(fake_config(chdir_tmp / "w.toml"), url=url, fallback="local")
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "local"))
    with caplog.at_level(logging.WARNING, logger="workbench.core.cache"):
        assert main(["extract", "article.md", "--config", str(config)]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings  # once, not per request
    assert f"shared cache at {url} unreachable" in warnings[0]
    assert str(chdir_tmp / "local") in warnings[0]
    assert len(entries_of(chdir_tmp / "local")) >= 4


def test_a_server_that_goes_down_mid_run(tmp_path: Path) -> None:
    """Down after the first answers: the error (or the fallback) comes at the next request."""
    with RedisServer(tmp_path / "redis") as server:
        strict = RedisCache(server.url)
        lenient = RedisCache(server.url, fallback=ResponseCache(tmp_path / "local"))
        for cache in (strict, lenient):
            cache.set("k", {"value": {"checkable": "yes"}})
            assert cache.get("k") == {"value": {"checkable": "yes"}}
    with pytest.raises(CacheError, match="is unreachable"):
        strict.get("k")
    with pytest.raises(CacheError, match="is unreachable"):
        strict.set("k2", {"value": {}})
    assert lenient.get("k") is None  # the local cache has never seen it: a miss, but a warned one
    lenient.set("k", {"value": {"checkable": "no"}})
    assert lenient.get("k") == {"value": {"checkable": "no"}}
    assert "fallback" in lenient.location
    lenient.close()


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(b"{not json", id="unparsable"),
        pytest.param(b"[1, 2, 3]", id="json-not-an-object"),
        pytest.param(b"\xff\xfe\x00binary", id="not-utf8"),
        pytest.param(None, id="a-hash-not-a-string"),
    ],
)
def test_corrupt_value_is_a_miss(shared: RedisCache, db: redis.Redis, stored: bytes | None) -> None:
    key = redis_key_prefix() + "k"
    if stored is None:
        db.hset(key, "field", "value")
    else:
        db.set(key, stored)
    assert shared.get("k") is None
    assert shared.corrupt_entries == 1
    db.delete(key)
    shared.set("k", {"value": {"checkable": "yes"}})  # the next answer replaces it
    assert shared.get("k") == {"value": {"checkable": "yes"}}


def test_stats_and_clear_touch_only_our_keys(shared: RedisCache, db: redis.Redis) -> None:
    db.set("someone-else:key", "theirs")
    shared.set("a", {"value": {}, "stage": "select"})
    shared.set("b", {"failure": "invalid", "stage": "extract"})
    stats = shared.stats()
    assert stats["entries"] == 2 and stats["size_bytes"] > 0
    assert shared.counts_by_stage() == {
        "select": {"answers": 1, "failures": 0},
        "extract": {"answers": 0, "failures": 1},
    }
    assert shared.clear() == 2
    assert shared.stats()["entries"] == 0
    assert db.get("someone-else:key") == b"theirs"


def test_disabled_cache_never_connects(tmp_path: Path) -> None:
    """--no-cache (and backends --check) with a shared cache configured: no server needed."""
    cache = open_cache(tmp_path / "c", url=f"redis://127.0.0.1:{free_port()}/0", enabled=False)
    cache.set("k", {"value": {}})
    assert cache.get("k") is None


def test_password_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """requirepass on the server; the config names the variable, the URL holds no password."""
    with RedisServer(tmp_path / "redis") as server:
        redis.Redis.from_url(server.url).config_set("requirepass", "s3cret-pass")
        monkeypatch.chdir(tmp_path)
        (tmp_path / "article.md").write_text(ARTICLE, encoding="utf-8")
        config = with_cache_table(
            fake_config(tmp_path / "w.toml"), url=server.url, password_env="TEST_REDIS_PASSWORD"
        )
        monkeypatch.setenv("TEST_REDIS_PASSWORD", "wrong")
        assert main(["extract", "article.md", "--config", str(config)]) == 1
        err = capsys.readouterr().err
        assert "refused the password" in err and "wrong" not in err
        monkeypatch.setenv("TEST_REDIS_PASSWORD", "s3cret-pass")
        assert main(["extract", "article.md", "--config", str(config)]) == 0
        client = redis.Redis.from_url(server.url, password="s3cret-pass")
        assert len(redis_entries(client)) >= 4
        assert not any(b"s3cret" in key for key in client.keys("*"))
