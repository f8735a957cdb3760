"""Backend faults against a real loopback OpenAI-compatible server that misbehaves on demand.

Transient faults (429, 5xx, a dropped connection, a timeout) are retried with backoff; output
that breaks the schema is re-asked; what still fails marks only its own sentence (or claim)
failed, with the reason, while the rest of the article completes. A backend that cannot be
reached at all aborts the run with one line naming it. A killed run resumes from the cache.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.configs import REPO, http_config
from tests.support.fault_server import FaultServer, closed_port
from workbench.cli import main

MARKER = "Quillfeather"
ARTICLE = f"""# Council budget

The city council approved a budget of $4.2 million for road repairs on 4 March 2025.

Mayor Ana Ruiz said the Elm Street bridge will reopen in May.

The {MARKER} Harbor Police counted 312 burglaries last year, according to its annual report.

Officials reported that 12 new buses entered service in April.
"""
BODY_SENTENCES = 4


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.md"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--quiet"] if args[0] in {"extract", "batch"} else list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def extract(
    capsys: pytest.CaptureFixture[str], config: Path, article: Path
) -> tuple[int, dict | None, str]:
    code, out, err = run_cli(capsys, "extract", str(article), "--config", str(config))
    assert "Traceback" not in err
    return code, (json.loads(out) if out.strip() else None), err


def sentence_with(report: dict, text: str) -> dict:
    return next(s for s in report["sentences"] if text in s["text"])


# ---------------------------------------------------------------------------------------------
# The server answers
# ---------------------------------------------------------------------------------------------


def test_valid_answers_complete_the_article(
    fresh_server: FaultServer, tmp_path: Path, article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url)
    code, report, err = extract(capsys, config, article)
    assert code == 0, err
    assert report is not None and not report["failures"]
    assert len(report["claims"]) == BODY_SENTENCES
    assert {s["status"] for s in report["sentences"]} <= {"claims", "skipped"}
    assert (
        fresh_server.count() == BODY_SENTENCES + 3 * BODY_SENTENCES
    )  # select, extract, rate, evidence


def test_prompts_reach_the_server_as_written(
    fresh_server: FaultServer, tmp_path: Path, article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No template markers of the Jinja escaping leak into what the model reads."""
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url)
    assert extract(capsys, config, article)[0] == 0
    contents = [str(m["content"]) for r in fresh_server.requests for m in r.messages]
    assert contents and not [c for c in contents if "{% raw %}" in c or "{% endraw %}" in c]


# ---------------------------------------------------------------------------------------------
# Transient faults: retried with backoff, then recovered or a clear per-sentence failure
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_status_is_retried_and_recovers(
    fresh_server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
    status: int,
) -> None:
    fault = fresh_server.fail("status", status=status, times=2, match=MARKER, stage="select")
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, retries=2)
    code, report, err = extract(capsys, config, article)
    assert code == 0, err
    assert report is not None and not report["failures"]
    assert fault.fired == 2
    assert sentence_with(report, MARKER)["status"] == "claims"
    # Exactly one retry layer: two failures and one success reached the server, no more.
    assert fresh_server.count(stage="select") == BODY_SENTENCES + 2


def test_retry_after_is_honoured(
    fresh_server: FaultServer, tmp_path: Path, article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_server.fail("status", status=429, times=1, retry_after=1.5, match=MARKER, stage="select")
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, retries=1)
    assert extract(capsys, config, article)[0] == 0
    marked = [r.at for r in fresh_server.requests if r.stage == "select" and MARKER in r.subject]
    assert len(marked) == 2 and marked[1] - marked[0] >= 1.4


@pytest.mark.parametrize(
    ("kind", "rule", "reason"),
    [
        ("status", {"status": 500}, "after 2 tries"),
        ("status", {"status": 429}, "rate-limited"),
        ("disconnect", {}, "after 2 tries"),
        ("hang", {"seconds": 5}, "timed out"),
    ],
)
def test_persistent_fault_fails_only_its_sentence(
    fresh_server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    rule: dict,
    reason: str,
) -> None:
    fault = fresh_server.fail(kind, match=MARKER, stage="extract", **rule)  # type: ignore[arg-type]
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, retries=1, timeout=0.5)
    code, report, err = extract(capsys, config, article)
    assert code == 1
    assert error_lines(err) == [error_lines(err)[0]] and error_lines(err)[0].startswith("error: ")
    assert report is not None
    [failure] = report["failures"]
    marked = sentence_with(report, MARKER)
    assert failure["stage"] == "extract" and failure["sentence_id"] == marked["id"]
    assert marked["status"] == "failed"
    assert "backend 'http'" in failure["message"] and reason in failure["message"]
    assert fault.fired == 2  # the first try and one retry
    # The rest of the article completed.
    assert len(report["claims"]) == BODY_SENTENCES - 1
    assert all(c["evidence"] and c["checkworthiness"] for c in report["claims"])


def test_failed_sentence_is_retried_on_the_next_run_and_the_rest_is_cached(
    fresh_server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fresh_server.fail("status", status=500, match=MARKER, stage="extract")
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, retries=0)
    code, first, _ = extract(capsys, config, article)
    assert code == 1 and first is not None and len(first["failures"]) == 1
    fresh_server.reset()  # the backend recovers
    code, second, err = extract(capsys, config, article)
    assert code == 0, err
    assert second is not None and not second["failures"]
    # Only the failed sentence's work is asked again: its extraction, rating and evidence.
    assert fresh_server.count() == 3
    stages = second["run"]["stages"]
    assert sum(s["cache_misses"] for s in stages.values()) == 3
    assert sum(s["cache_hits"] for s in stages.values()) == BODY_SENTENCES + 3 * (
        BODY_SENTENCES - 1
    )


# ---------------------------------------------------------------------------------------------
# Output the schema rejects: re-asked, then a clear failure of that sentence
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["truncated", "invalid", "empty"])
def test_bad_output_once_is_reasked(
    fresh_server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    fresh_server.fail(kind, times=1, match=MARKER, stage="extract")  # type: ignore[arg-type]
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, reasks=2)
    code, report, err = extract(capsys, config, article)
    assert code == 0, err
    assert report is not None
    extract_stats = report["run"]["stages"]["extract"]
    assert extract_stats["attempts"] == BODY_SENTENCES + 1
    assert extract_stats["first_attempt_valid"] == BODY_SENTENCES - 1


@pytest.mark.parametrize("kind", ["truncated", "invalid", "empty"])
def test_bad_output_always_fails_only_its_sentence(
    fresh_server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    fault = fresh_server.fail(kind, match=MARKER, stage="extract")  # type: ignore[arg-type]
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, reasks=2)
    code, report, _ = extract(capsys, config, article)
    assert code == 1 and report is not None
    [failure] = report["failures"]
    assert "no valid output after 3 attempts" in failure["message"]
    assert fault.fired == 3  # the first try and two re-asks
    assert sentence_with(report, MARKER)["status"] == "failed"
    assert len(report["claims"]) == BODY_SENTENCES - 1


def test_bad_output_on_a_claim_leaves_the_claim_unrated(
    fresh_server: FaultServer,
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fresh_server.fail("invalid", match=MARKER, stage="checkworthiness")
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, reasks=0)
    code, report, _ = extract(capsys, config, article)
    assert code == 1 and report is not None
    [failure] = report["failures"]
    claim = next(c for c in report["claims"] if MARKER in c["text"])
    assert failure["claim_id"] == claim["id"] and claim["checkworthiness"] is None
    assert claim["evidence"]  # the next stage still ran for it
    assert sentence_with(report, MARKER)["status"] == "claims"


# ---------------------------------------------------------------------------------------------
# Unreachable: abort with one line naming the backend
# ---------------------------------------------------------------------------------------------


def test_connection_refused_aborts_with_one_line(
    tmp_path: Path,
    article: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    config = http_config(tmp_path / "wb.toml", dead, name="deadend", retries=1)
    started = time.monotonic()
    code, out, err = run_cli(capsys, "extract", str(article), "--config", str(config))
    assert code == 1
    assert out == ""
    [line] = error_lines(err)
    assert line.startswith("error: backend 'deadend': cannot connect to " + dead)
    assert time.monotonic() - started < 15


@pytest.mark.slow
def test_dead_endpoint_through_the_real_command(tmp_path: Path, article: Path) -> None:
    """The installed ``workbench`` command, as a person runs it: exit 1, one line, no traceback."""
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    config = http_config(tmp_path / "wb.toml", dead, name="deadend", retries=0)
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "workbench"),
            "extract",
            str(article),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    [line] = error_lines(done.stderr)
    assert line.startswith("error: backend 'deadend': cannot connect")


def test_backends_check_reports_a_dead_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    config = http_config(tmp_path / "wb.toml", dead, name="deadend", retries=0)
    code, out, _ = run_cli(
        capsys, "backends", "--check", "--backend", "deadend", "--config", str(config)
    )
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith("deadend: UNREACHABLE") and "cannot connect" in line


# ---------------------------------------------------------------------------------------------
# A run killed midway resumes from the per-stage, per-sentence cache
# ---------------------------------------------------------------------------------------------

SEED = REPO.parent / "shared" / "seeds" / "003_a3ddcd177ba57d1d.txt"


@pytest.mark.slow
@pytest.mark.skipif(not SEED.is_file(), reason="seed articles not beside the repository")
def test_killed_run_resumes_from_the_cache(
    fresh_server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_server.delay = 0.05
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, concurrency=2)
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache")}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "extract",
            str(SEED),
            "--config",
            str(config),
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while fresh_server.count(stage="extract") < 5 and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            time.sleep(0.02)
        os.killpg(child.pid, signal.SIGKILL)  # no chance to clean up, as with a power cut
    finally:
        child.wait(30)
    answered_before = len(fresh_server.requests)
    assert answered_before > 5

    fresh_server.reset()
    fresh_server.delay = 0.0
    code, out, err = run_cli(capsys, "extract", str(SEED), "--config", str(config))
    assert code == 0, err
    resumed = json.loads(out)
    stages = resumed["run"]["stages"]
    hits = sum(s["cache_hits"] for s in stages.values())
    misses = sum(s["cache_misses"] for s in stages.values())
    assert misses == fresh_server.count()  # every miss was one request, nothing else was asked
    # Everything answered before the kill was kept, but the two requests in flight.
    assert hits >= answered_before - 2

    # And the resumed report is the one an uninterrupted run gives.
    fresh_server.reset()
    code, out, _ = run_cli(capsys, "extract", str(SEED), "--config", str(config), "--no-cache")
    clean = json.loads(out)
    assert code == 0
    assert [c["text"] for c in resumed["claims"]] == [c["text"] for c in clean["claims"]]
    assert [s["status"] for s in resumed["sentences"]] == [s["status"] for s in clean["sentences"]]
