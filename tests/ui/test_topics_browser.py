"""The topic filter and the check-first list in a real headless Chromium: `workbench ui` with a
``[topics]`` config, an invented article checked on the fake backend, the claims filtered to one
topic. Run it alone (it starts a server): `flock /tmp/wb-cpu.lock pytest -m browser <this file>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_reports import REPO
from tests.support.net import CHROMIUM, CHROMIUM_ARGS, served_ui

pytestmark = [pytest.mark.browser]

ARTIFACTS = REPO / "test-artifacts"
TOPIC = "the ferry timetable and ferry services"
ARTICLE = (
    "Clinic staff in Harrowby gave 5,300 vaccine doses in the first week of the vaccination "
    "campaign, the district health office said.\n\n"
    "The Harrowby ferry will run only twice a day from June because two of its boats need "
    "repairs, the harbour board said.\n\n"
    "The town library lent 12,000 books last year, according to its annual report.\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install -y chromium (scripts/setup.sh)")
    home: Path = tmp_path_factory.mktemp("topics-home")
    config = home / "workbench.toml"
    config.write_text(
        f'default = "fake"\n\n[backends.fake]\nmodel = "fake/heuristic"\n\n'
        f'[topics]\ninterest = ["{TOPIC}"]\n',
        encoding="utf-8",
    )
    with served_ui(home, config, ARTIFACTS / "ui-topics-server.log") as url:
        yield url


@pytest.mark.timeout(300)
def test_topic_filter_and_check_first_list(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(server)
            expect(page.get_by_role("button", name="Run check")).to_be_visible(timeout=60_000)
            topics = page.get_by_role("textbox", name="Topics of interest")
            expect(topics).to_have_value(TOPIC)  # from the config's [topics]
            page.get_by_label("Article text").fill(ARTICLE)
            page.get_by_role("button", name="Run check").click()

            expect(page.get_by_text("Check first", exact=True)).to_be_visible(timeout=120_000)
            shown = page.get_by_text(re.compile(r"^Claims · \d+ of \d+ shown"))
            expect(shown).to_be_visible(timeout=30_000)
            before = re.search(r"(\d+) of (\d+)", shown.inner_text())
            assert before is not None and before[1] == before[2] and int(before[2]) >= 3

            page.get_by_role("combobox", name=re.compile("Topic")).click()
            page.get_by_role("option", name=TOPIC).click()
            page.keyboard.press("Escape")
            narrowed = page.get_by_text(re.compile(rf"^Claims · 1 of {before[2]} shown"))
            expect(narrowed).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "ui-topics.png"), full_page=True)
        finally:
            browser.close()
