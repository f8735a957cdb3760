"""Fixtures shared by the evaluation tests (the data itself lives in flood_article.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from flood_article import FIXTURE_DATA, ReportBuilder, build_report

from workbench.evaluation.fixtures import Fixture, build_fixture

# The public labelled data lies beside the repository (shared/data), never inside it.
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The public data folder; tests that read the real files skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public data not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def fixture_data() -> dict[str, Any]:
    """A fresh, valid fixture mapping (inline text) that a test may modify."""
    return copy.deepcopy(FIXTURE_DATA)


@pytest.fixture
def flood_fixture() -> Fixture:
    """The flood article's fixture, loaded and checked."""
    return build_fixture(copy.deepcopy(FIXTURE_DATA), origin="flood.yaml")


@pytest.fixture
def make_report() -> ReportBuilder:
    """Build reports over the flood article (see flood_article.build_report)."""
    return build_report
