"""`workbench ui` is the Streamlit server itself: a SIGTERM to the command stops the server."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from tests.support.net import free_port, listening, start_workbench_ui, wait_until


def test_sigterm_to_workbench_ui_stops_the_server(tmp_path: Path) -> None:
    port = free_port()
    process = start_workbench_ui(tmp_path, port)
    try:
        assert wait_until(lambda: listening(port), 60), (tmp_path / "server.log").read_text()
        process.send_signal(signal.SIGTERM)  # the command's own pid, not its process group
        process.wait(timeout=20)
        assert not listening(port), "a server outlived `workbench ui`"
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
            os.killpg(process.pid, signal.SIGKILL)
