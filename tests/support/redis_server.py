"""A real ``redis-server`` (the Debian package scripts/setup.sh installs) on a free loopback port,
with its own data directory and no persistence, for the shared-cache tests and benchmarks.

    with RedisServer(tmp_path) as server:
        server.url            # redis://127.0.0.1:PORT/0
        server.stop()         # down: connections are refused from now on

Without the binary the tests skip with the reason, except in CI (``CI`` set), where a missing
binary means the setup is broken: they fail loudly instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .net import free_port


def redis_server_binary() -> str:
    """The path of ``redis-server``; skips the test without it (fails in CI)."""
    found = shutil.which("redis-server")
    if found:
        return found
    reason = "redis-server is not installed (apt-get install redis-server; scripts/setup.sh does)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must have it", pytrace=False)
    pytest.skip(reason)


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """``redis-server`` on 127.0.0.1, a free port, data in ``home``; never saved to disk."""

    def __init__(self, home: Path, *, binary: str | None = None) -> None:
        self.home = home
        self.binary = binary or redis_server_binary()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / "redis.log").open("wb")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.home),
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while not _answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                text = (self.home / "redis.log").read_text(errors="replace")[-1500:]
                raise RuntimeError(f"redis-server did not start on port {self.port}: {text}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
