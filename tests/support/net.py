"""Loopback helpers shared by tests that start servers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Debian's chromium, which Playwright drives (its own browser download cannot run here).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition()`` until it is true or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    while not (done := condition()):
        if time.monotonic() > deadline:
            return done
        time.sleep(0.3)
    return done


def start_workbench_ui(
    home: Path, port: int, config: Path | None = None
) -> subprocess.Popen[bytes]:
    """`workbench ui` on a loopback port, no config file but ``config`` (else only the embedded
    backend) and a cache of its own (so a run really runs: the session's cache may hold every
    answer), logging to ``home/server.log``; in its own process group so a test can stop all
    of it."""
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "WORKBENCH_CACHE_DIR": str(home / "cache"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("WORKBENCH_CONFIG", None)
    with (home / "server.log").open("w") as log:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "workbench"),
                "ui",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                *(["--config", str(config)] if config else []),
            ],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the CLI and the Streamlit server it started (one process group); a server still
    busy with a model call after a grace period is killed."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)  # anyone left in the group?
            except ProcessLookupError:
                process.wait()
                return
            process.poll()
            time.sleep(0.2)
    process.wait()


@contextmanager
def served_ui(home: Path, config: Path, log_copy: Path) -> Iterator[str]:
    """``start_workbench_ui`` on a free port, its URL once it listens (the test fails with the
    server's log when it does not start within a minute); stopped on exit, its log copied to
    ``log_copy`` (CI keeps test-artifacts/)."""
    import pytest

    port = free_port()
    process = start_workbench_ui(home, port, config)
    try:
        wait_until(lambda: listening(port) or process.poll() is not None, 60)
        if not listening(port):
            pytest.fail(f"workbench ui did not start:\n{(home / 'server.log').read_text()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(process)
        log_copy.parent.mkdir(exist_ok=True)
        shutil.copy(home / "server.log", log_copy)
