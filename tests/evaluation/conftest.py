"""Fixtures shared by the evaluation tests (the data itself lives in flood_article.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flood_article import FIXTURE_DATA, ReportBuilder, build_report

from workbench.evaluation.fixtures import Fixture, build_fixture


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
