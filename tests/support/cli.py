"""The command line as a test drives it in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench.cli import main


def extract_report(
    capsys: pytest.CaptureFixture[str], config: Path, article: str = "article.md"
) -> dict[str, Any]:
    """``workbench extract ARTICLE --config CONFIG --format json``: it exits 0; its report."""
    assert main(["extract", article, "--config", str(config), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]
