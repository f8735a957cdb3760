"""`workbench ui` is the Streamlit server itself: a SIGTERM to the command stops the server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from support.net import free_port, listening, wait_until


def test_sigterm_to_workbench_ui_stops_the_server(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("WORKBENCH_CONFIG", None)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "workbench"),
            "ui",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: listening(port), 60), (tmp_path / "server.log").read_text()
        process.send_signal(signal.SIGTERM)  # the command's own pid, not its process group
        process.wait(timeout=20)
        assert not listening(port), "a server outlived `workbench ui`"
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
