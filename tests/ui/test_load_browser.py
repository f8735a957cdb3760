"""Eight researchers on one workbench at once, in a real headless Chromium (tests/support/load.py).

One `workbench ui` on loopback whose backend is the loopback fault server answering every call
after a short fixed delay; eight browser contexts paste eight different articles, run them at
the same moment, read their reports on Check and Review and download the JSON export; then
each runs the next one's article, which must come from the shared cache. No session may lose
its report or see another's article or claims, and the cache must hold exactly what the server
answered, and the server's log must show no error. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.support.fake_reports import REPO
from tests.support.load import SENTENCES, LoadServer, load_article, marker, run_load

pytestmark = [pytest.mark.browser, pytest.mark.load]

ARTIFACTS = REPO / "test-artifacts"
SESSIONS = 8


def test_the_load_articles_cannot_be_mistaken_for_each_other() -> None:
    """The test below can only see a crossing if each article names its own marker in every
    sentence and no marker is part of another."""
    markers = [marker(n) for n in range(144)]
    assert len(set(markers)) == len(markers)
    assert not [(a, b) for a in markers for b in markers if a != b and a in b]
    for n in range(SESSIONS):
        body = load_article(n).split("\n\n")[1:]
        assert len(body) == SENTENCES
        assert all(marker(n) in sentence for sentence in body)
        assert not [m for m in markers if m != marker(n) and m in load_article(n)]
    with pytest.raises(ValueError):
        marker(144)


@pytest.mark.timeout(300)
def test_eight_sessions_at_once_lose_and_cross_nothing(tmp_path: Path) -> None:
    with LoadServer(tmp_path / "home", delay=0.05) as server:
        try:
            result = asyncio.run(run_load(server, SESSIONS, timeout_s=90, artifacts=ARTIFACTS))
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(server.home / "server.log", ARTIFACTS / "load-server.log")
    print(result.figures())
    assert result.problems() == []
    # Every check ran on the server's one event loop: nothing in its log but the start-up lines
    # (before, each check's own loop left litellm's logging worker failing: 205 error lines).
    log = (ARTIFACTS / "load-server.log").read_text(encoding="utf-8", errors="replace")
    noise = ("Traceback", "LoggingWorker", "different event loop", "ERROR", "never retrieved")
    assert [line for line in log.splitlines() if any(word in line for word in noise)] == []
    assert (result.lost, result.crossed, result.cache_consistent) == (0, 0, True)
    for session in result.sessions:
        assert session.claims == SENTENCES, session
        assert session.report_s is not None and session.first_claim_s is not None, session
        assert session.rerun_cached == session.answered_now > 0, session
    # Each article's answers were asked for once: four stages per claim-bearing sentence at
    # most, and nothing twice.
    subjects = [(r.stage, r.subject) for r in server.model.requests]
    assert len(subjects) == len(set(subjects)) == result.requests
