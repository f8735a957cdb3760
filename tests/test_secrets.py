"""API keys: only from the environment variable the config names, and nowhere else afterwards.

A distinctive fake key goes to the loopback fault server (which checks it arrived as the
Authorization header); then every place the workbench writes — cache entries, logs with and
without --debug, reports, exports, batch output, error messages — is searched for it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.configs import http_config, write_config
from tests.support.fault_server import FaultServer, closed_port
from workbench.cli import main

KEY_ENV = "WORKBENCH_TEST_API_KEY"
SECRET = "sk-test-0d9f3c7a51e2b84c6a0f-DO-NOT-LEAK"
MARKER = "Quillfeather"
ARTICLE = (
    "# Budget\n\nThe city council approved a budget of $4.2 million on 4 March 2025.\n\n"
    f"The {MARKER} Harbor Police counted 312 burglaries last year, its report said.\n"
)


def leaks(text: str) -> list[str]:
    """Pieces of the secret found in ``text``: the whole key, or any 12 characters of its body."""
    body = SECRET.removeprefix("sk-test-")
    pieces = [SECRET] + [body[i : i + 12] for i in range(len(body) - 11)]
    return [piece for piece in pieces if piece in text]


def files_text(directory: Path) -> str:
    """Every byte under ``directory`` (SQLite pages included), decoded leniently."""
    return "\n".join(
        path.read_bytes().decode("utf-8", errors="replace")
        for path in directory.rglob("*")
        if path.is_file()
    )


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FaultServer]:
    monkeypatch.setenv(KEY_ENV, SECRET)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    with FaultServer(api_key=SECRET) as running:
        yield running


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    path = tmp_path / "articles" / "budget.md"
    path.parent.mkdir()
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_the_key_reaches_the_backend_and_nothing_else(
    server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server.fail("status", status=500, match=MARKER, stage="evidence")  # a failure in the report
    config = http_config(tmp_path / "wb.toml", server.base_url, api_key_env=KEY_ENV, retries=0)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    for fmt in ("json", "md", "csv"):
        main(
            [
                "extract",
                str(article),
                "--config",
                str(config),
                "--format",
                fmt,
                "--out",
                str(outputs / f"report.{fmt}"),
            ]
        )
    main(["extract", str(article), "--config", str(config), "--debug"])
    main(
        [
            "batch",
            str(article.parent),
            "--out",
            str(outputs / "batch.jsonl"),
            "--config",
            str(config),
        ]
    )
    main(["backends", "--check", "--config", str(config)])
    main(["cache", "stats", "--config", str(config)])
    captured = capsys.readouterr()

    assert server.requests, "the backend was asked"
    assert {r.authorization for r in server.requests} == {f"Bearer {SECRET}"}
    report = json.loads((outputs / "report.json").read_text(encoding="utf-8"))
    assert report["failures"], "the evidence failure is in the report"
    assert not leaks(captured.out) and not leaks(captured.err)
    assert not leaks(caplog.text)
    assert not leaks(files_text(outputs))
    assert not leaks(files_text(tmp_path / "cache"))
    assert not leaks(config.read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", ["wrong-key", "server-error", "unreachable", "bad-output"])
def test_error_messages_and_debug_output_never_hold_the_key(
    server: FaultServer, tmp_path: Path, article: Path, scenario: str
) -> None:
    """Through the real command with --debug, where tracebacks and library logs are shown."""
    base = server.base_url
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache")}
    if scenario == "wrong-key":
        server.api_key = "sk-test-the-server-expects-another-key"
    elif scenario == "server-error":
        server.fail("status", status=500)
    elif scenario == "unreachable":
        base = f"http://127.0.0.1:{closed_port()}/v1"
    else:
        server.fail("invalid")
    config = http_config(tmp_path / "wb.toml", base, api_key_env=KEY_ENV, retries=0, reasks=0)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "extract",
            str(article),
            "--config",
            str(config),
            "--debug",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
    )
    assert done.returncode in (1, 2)
    assert "error: " in done.stderr
    if scenario == "wrong-key":
        assert done.returncode == 2 and "API key was refused" in done.stderr
    assert not leaks(done.stdout), leaks(done.stdout)
    assert not leaks(done.stderr), leaks(done.stderr)
    assert not leaks(files_text(tmp_path / "cache")) if (tmp_path / "cache").exists() else True
    assert {r.authorization for r in server.requests} <= {f"Bearer {SECRET}"}


def test_a_key_written_into_the_config_file_is_refused_without_echoing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "wb.toml", "remote", "openai/gpt-4o-mini", api_key=SECRET)
    code = main(["extract", "-", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert "never put a key in the config file" in err
    assert not leaks(err)


def test_a_missing_key_variable_is_named_not_guessed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)  # present, but not the variable the config names
    config = http_config(tmp_path / "wb.toml", "http://127.0.0.1:9/v1", api_key_env=KEY_ENV)
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, encoding="utf-8")
    code = main(["extract", str(article), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"set the environment variable {KEY_ENV}" in err
    assert not leaks(err)
