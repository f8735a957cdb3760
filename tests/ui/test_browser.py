"""End to end in a real headless Chromium: `workbench ui` on loopback, a seed article on the
embedded model, a claim opened, the JSON export downloaded and checked.

The server is a subprocess (outside the pytest-socket guard, and it only listens on
127.0.0.1); the test itself connects to loopback only. Answers come from the session's
response cache when the CLI end-to-end test ran the same seed earlier; otherwise the embedded
model takes a few minutes. Screenshots go to test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.configs import EMBEDDED_DEFAULT
from tests.support.fake_reports import REPO, SEED_FILES
from tests.support.net import CHROMIUM, CHROMIUM_ARGS, served_ui
from workbench.io.ingest import read_article

pytestmark = [pytest.mark.browser, pytest.mark.model]

ARTIFACTS = REPO / "test-artifacts"
MODEL_MINUTES = 20  # upper bound for one seed on a busy 2-core machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`workbench ui` on a free loopback port, the embedded backend with its model answering
    (the default needs no model: this is the path that takes minutes and shows live progress)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install -y chromium (scripts/setup.sh)")
    home = tmp_path_factory.mktemp("ui-home")
    config = home / "model.toml"
    config.write_text(EMBEDDED_DEFAULT, encoding="utf-8")
    with served_ui(home, config, ARTIFACTS / "ui-server.log") as url:
        yield url


@pytest.mark.timeout(MODEL_MINUTES * 60 + 120)
def test_seed_article_in_a_real_browser(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    seed = SEED_FILES[0] if SEED_FILES else pytest.skip("no seed articles beside the repo")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            page.goto(server)
            expect(page.get_by_role("button", name="Run check")).to_be_visible(timeout=60_000)
            page.get_by_label("Article text").fill(seed.read_text(encoding="utf-8"))
            page.get_by_role("button", name="Run check").click()

            # Live progress first, then the header with the result.
            expect(page.get_by_text("Selecting checkable sentences").first).to_be_visible(
                timeout=60_000
            )
            header = page.get_by_role("heading", name=re.compile(r"^\d+ claims · "))
            expect(header).to_be_visible(timeout=MODEL_MINUTES * 60_000)
            summary = header.inner_text()
            claims = int(summary.split()[0])
            assert claims >= 5, summary

            marks = page.locator(".wb-article mark")
            expect(marks.first).to_be_visible()
            assert marks.count() >= 5
            assert page.locator(".wb-article script").count() == 0
            header.scroll_into_view_if_needed()
            page.wait_for_timeout(1500)  # let the tables below the header finish drawing
            page.screenshot(path=str(ARTIFACTS / "ui-check.png"))

            # Export JSON and check what was downloaded.
            with page.expect_download() as download_info:
                page.get_by_role("button", name="Export JSON").first.click()
            download = download_info.value
            assert download.suggested_filename.endswith(".claims.json")
            exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
            assert len(exported["claims"]) == claims
            text = exported["article"]["text"]
            assert text == read_article(seed.read_bytes(), "pasted text").text
            for claim in exported["claims"]:
                assert text[claim["start"] : claim["end"]] == claim["quote"]
            assert exported["run"]["backend"] == "embedded"
            planned = [c["id"] for c in exported["claims"] if c["evidence"]]
            assert planned, "no claim has an evidence plan"

            # Open a claim with an evidence plan (c1 is selected, so already open): its
            # attribution chain, rationale, and evidence with questions.
            target = next((i for i in planned if i != "c1"), planned[0])
            expander = page.get_by_test_id("stExpander").filter(
                has=page.get_by_text(re.compile(rf"^{target} · "))
            )
            if target != "c1":
                expander.get_by_text(re.compile(rf"^{target} · ")).click()
            details = expander.get_by_test_id("stExpanderDetails")
            expect(details).to_be_visible()
            expect(details.get_by_text(re.compile(r"^Who claims it: "))).to_be_visible()
            expect(details.get_by_text(re.compile(r"^Check-worthiness: "))).to_be_visible()
            expect(details.get_by_text(re.compile(r"^Evidence — ")).first).to_be_visible()
            expect(details.locator("li").first).to_be_visible()  # the questions
            expander.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "ui-claim-open.png"))

            page.set_viewport_size({"width": 1440, "height": 2800})
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "ui-check-full.png"))
        finally:
            browser.close()
