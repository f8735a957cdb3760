"""Fixtures shared by the evaluation tests (the data lives in tests/support/flood_article.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.support.flood_article import FIXTURE_DATA, ReportBuilder, build_report
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


@pytest.fixture
def workdir(chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory with a config that adds the fake backend; no user config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))
    (chdir_tmp / "workbench.toml").write_text('[backends.fake]\nmodel = "fake/anything"\n',
                                              encoding="utf-8")
    return chdir_tmp


# --------------------------------------------------------------------------------------------
# The live eval gate (test_live.py) runs last
# --------------------------------------------------------------------------------------------

LIVE_GATE = "test_live.py"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the live eval gate to the end of the session (after -k/-m deselection).

    The session shares one response cache; run last, the gate finds the answers the end-to-end
    tests cached for the seed articles (two of the fixtures it runs) as cache hits.
    """
    gate = [item for item in items if item.path.name == LIVE_GATE]
    if gate:
        items[:] = [item for item in items if item.path.name != LIVE_GATE] + gate
