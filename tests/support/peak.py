"""Run a command and measure its own peak memory, not the test process's.

``os.wait4`` on a child of pytest reports a polluted peak: Linux carries the high-water RSS of
the address space a child had before ``exec`` into the child's figure, and a vfork'd child had
the whole pytest process (a loaded model, hundreds of MB). A tiny launcher process starts the
command instead, so the pre-exec memory counted is the launcher's few MB.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_measured(command: list[str], *, env: dict[str, str], cwd: Path) -> Measured:
    report = cwd / ".peak-rss-kb"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(report), *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    seconds = time.monotonic() - started
    return Measured(
        done.returncode, done.stdout, done.stderr, seconds, int(report.read_text()) / 1024
    )
