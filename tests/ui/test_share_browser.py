"""The shared workbench in a real headless Chromium: `workbench ui --host 0.0.0.0` with the
lab's password, on the model-free fake backend (every run answers at once).

- A stranger sees the sign-in and nothing else, on every page URL, with any wrong password;
  the right one opens the Check page, and the password is in no log, cache or page afterwards.
- The hostile corpus (tests/support/hostile.py) pasted into the article box and uploaded
  through the file input: a one-line message each, no traceback, no script of the input run
  (no marker set on ``window``, no dialog), and the page still checks an article afterwards.

The server is a subprocess listening on every interface for the few seconds of the test, behind
a password; the test itself connects to loopback only. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_reports import REPO
from tests.support.hostile import HostileCase, cases, write_corpus
from tests.support.net import CHROMIUM, CHROMIUM_ARGS, free_port, listening, stop_group, wait_until
from workbench.ui.access import PASSWORD_ENV

pytestmark = [pytest.mark.browser]

PASSWORD = "shared lab secret 7f3a9c"
ARTIFACTS = REPO / "test-artifacts"
PAGE_TITLES = ["Review", "Compare", "Evals", "Backends & cache", "Run check", "Response cache"]
SAFE_LINKS = {"Skip to main content", ""}  # Streamlit's own, on every page
MARKER = "Quillfeather"  # a word of the article the signed-in user checks
ARTICLE = (
    f"# Harbor report\n\nThe {MARKER} Harbor Police counted 312 burglaries last year, "
    "according to its annual report.\n\nThe city council approved a budget of $4.2 million "
    "for road repairs on 4 March 2025.\n"
)
# Markup an attacker hides in an article: none of it may run in the page that shows it.
XSS_HTML = """<html><head><title>Markup</title></head><body><article>
<h1>Council budget approved</h1>
<p>The council approved a budget of $4.2 million on 4 March 2025, the mayor said.</p>
<script>window.__wbPwned = "script"; alert("script ran")</script>
<img src="x" onerror="window.__wbPwned = 'img'; alert('img ran')">
<svg onload="window.__wbPwned = 'svg'"></svg>
<iframe srcdoc="<script>parent.__wbPwned = 'iframe'</script>"></iframe>
<p>The Harbor Police counted 312 burglaries last year, its <a
href="javascript:window.__wbPwned='link'">annual report</a> said.</p>
</article></body></html>
"""
XSS_MARKDOWN = (
    "# Pasted markup\n\nThe council said <img src=x onerror=\"window.__wbPwned='md';"
    "alert('md')\"> it approved $4.2 million on 4 March 2025.\n\n"
    "<script>window.__wbPwned = 'md-script'</script> Officials reported that 12 new buses "
    "entered service in April.\n"
)


@dataclass(frozen=True)
class Attempt:
    """One input given through the page and what the page must answer."""

    name: str
    message: str = ""  # an error or warning line containing this, or ...
    title: str = ""  # ... a report whose header caption starts with this


SERVER_HOME: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`workbench ui --host 0.0.0.0` with the password in its environment, the fake backend
    and a cache of its own."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install -y chromium (scripts/setup.sh)")
    home = tmp_path_factory.mktemp("share-home")
    SERVER_HOME["home"] = home
    config = home / "workbench.toml"
    config.write_text('default = "fake"\n\n[backends.fake]\nmodel = "fake/heuristic"\n')
    port = free_port()
    env = {
        **os.environ,
        PASSWORD_ENV: PASSWORD,
        "WORKBENCH_CONFIG": str(config),
        "WORKBENCH_CACHE_DIR": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONUNBUFFERED": "1",
    }
    with (home / "server.log").open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "workbench"), "ui", "--host", "0.0.0.0"]
            + ["--port", str(port), "--server.headless", "true"],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: listening(port) or process.poll() is not None, 60)
        if not listening(port):
            pytest.fail(f"workbench ui did not start:\n{(home / 'server.log').read_text()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(process)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(home / "server.log", ARTIFACTS / "share-server.log")


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Runs:
    """Script runs of one page as the server announces them on the websocket: a run starts
    with a ``new_session`` message and ends with ``script_finished`` (a run cut short by a rerun
    may lose its ``script_finished``: the new run clears the queue). The ``stApp`` script-state
    attribute misses a run whose start and end React renders together."""

    running: bool = False
    finished: int = 0

    def frame(self, payload: str | bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes):
            kind = ForwardMsg.FromString(payload).WhichOneof("type")
            if kind in ("new_session", "script_finished"):
                self.running = kind == "new_session"
                self.finished += kind == "script_finished"


RUNS: dict[Any, Runs] = {}


def new_page(browser: Any) -> tuple[Any, list[str]]:
    """A page in a fresh browser context (its own cookies: another person), and the dialogs
    (alert, confirm, ...) anything in it opens. Its script runs are counted in ``RUNS``."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    runs = RUNS[page] = Runs()
    page.on("websocket", lambda socket: socket.on("framereceived", runs.frame))
    return page, dialogs


def sign_in(page: Any, password: str) -> None:
    runs = RUNS[page].finished
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_run(page, runs, "sign-in")


def body(page: Any) -> str:
    return str(page.locator("body").inner_text())


def test_the_shared_server_shows_strangers_only_the_sign_in(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    owner, _ = new_page(browser)
    owner.goto(server)
    expect(owner.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    owner.screenshot(path=str(ARTIFACTS / "share-sign-in.png"))
    sign_in(owner, PASSWORD)
    expect(owner.get_by_role("button", name="Run check")).to_be_visible(timeout=30_000)
    owner.get_by_label("Article text").fill(ARTICLE)
    owner.get_by_role("button", name="Run check").click()
    expect(owner.get_by_role("heading", name=re.compile(r"^\d+ claims · "))).to_be_visible(
        timeout=60_000
    )
    assert MARKER in body(owner)
    owner.screenshot(path=str(ARTIFACTS / "share-signed-in.png"))

    stranger, _ = new_page(browser)
    for path in ["", "/review", "/compare", "/evals", "/backends"]:
        stranger.goto(server + path)
        expect(stranger.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        wrongs = ["", "shared lab secret", PASSWORD.upper(), PASSWORD + " "] if not path else [""]
        for wrong in wrongs:
            sign_in(stranger, wrong)
            expect(stranger.get_by_text("Wrong password.")).to_be_visible(timeout=30_000)
            html = stranger.content()
            shown = [t for t in [*PAGE_TITLES, MARKER] if t in html]
            assert not shown, f"{path}: a wrong password shows {shown}"
            links = stranger.get_by_role("link").all_inner_texts()
            assert not [t for t in links if t.strip() not in SAFE_LINKS], links  # no navigation
    stranger.screenshot(path=str(ARTIFACTS / "share-wrong-password.png"))
    assert PASSWORD not in stranger.content()

    sign_in(stranger, PASSWORD)
    expect(stranger.get_by_role("button", name="Run check")).to_be_visible(timeout=30_000)
    assert MARKER not in stranger.content()  # results stay in the owner's session
    assert PASSWORD not in stranger.content()  # the field was cleared, nothing echoes it

    home = SERVER_HOME["home"]
    written = [p for p in home.rglob("*") if p.is_file() and p.name != "workbench.toml"]
    assert written, "the server wrote no log and no cache"
    for path in written:
        assert PASSWORD.encode() not in path.read_bytes(), f"the password is in {path}"


def wait_for_run(page: Any, finished_before: int, what: str) -> None:
    """Until a run finished after a click and none is going (nor shown as going)."""
    runs = RUNS[page]
    deadline = time.monotonic() + 60
    while not (runs.finished > finished_before and not runs.running):
        if time.monotonic() > deadline:
            shot = ARTIFACTS / f"share-timeout-{what}.png"
            page.screenshot(path=str(shot))
            pytest.fail(
                f"{what}: no finished run after 60 s ({runs}, {finished_before} finished before; "
                f"screenshot {shot.name}; messages {messages(page)})"
            )
        page.wait_for_timeout(50)  # Playwright delivers the websocket events meanwhile
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState"
        " === 'notRunning'",
        timeout=30_000,
    )


def open_input(page: Any, source: str) -> None:
    """Unfold the article input (a result folds it away) and pick Paste or Upload."""
    choice = page.get_by_role("radio", name=source)
    if not choice.is_visible():
        page.get_by_text("Article · open to check another").click()
    choice.click()
    if source == "Paste":
        page.get_by_label("Article text").wait_for()
    else:
        page.get_by_test_id("stFileUploader").wait_for()


def paste(page: Any, text: str) -> None:
    """Put ``text`` into the article box. Large text arrives the way a paste delivers it, one
    input event (Playwright's typing-like fill of 10 MB takes minutes)."""
    box = page.get_by_label("Article text")
    if max(len(text), box.evaluate("el => el.value.length")) < 100_000:
        box.fill(text)
        return
    box.evaluate(
        """(el, text) => {
            el.focus();
            const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value');
            set.set.call(el, text);
            el.dispatchEvent(new Event('input', {bubbles: true}));
        }""",
        text,
    )


def messages(page: Any) -> list[str]:
    """The lines of every error or warning on the page (the uploader's own included)."""
    alerts = page.locator(
        "[data-testid=stAlertContentError] [data-testid=stMarkdownContainer],"
        "[data-testid=stAlertContentWarning] [data-testid=stMarkdownContainer],"
        "[data-testid=stFileChip] [role=alert]"
    )
    return [str(alerts.nth(i).inner_text()) for i in range(alerts.count())]


def run_and_judge(page: Any, attempt: Attempt, dialogs: list[str]) -> None:
    from playwright.sync_api import expect

    runs = RUNS[page].finished
    page.get_by_role("button", name="Run check").click()
    wait_for_run(page, runs, attempt.name)
    if attempt.message:
        expect(page.get_by_text(attempt.message).first).to_be_visible(timeout=10_000)
        found = [m for m in messages(page) if attempt.message in m]
        assert found, f"{attempt.name}: {messages(page)}"
        assert all("\n" not in m.strip() for m in found), f"{attempt.name}: {found}"
    else:
        expect(page.get_by_text(re.compile("^" + re.escape(attempt.title))).first).to_be_visible(
            timeout=30_000
        )
        assert not messages(page), f"{attempt.name}: {messages(page)}"
    text = body(page)
    assert "Traceback" not in text and page.get_by_test_id("stException").count() == 0, attempt.name
    assert page.evaluate("() => window.__wbPwned") is None, f"{attempt.name}: a script ran"
    assert dialogs == [], f"{attempt.name}: a dialog opened: {dialogs}"


def pasted(case: HostileCase) -> str:
    """What a person pasting the case would put into the box: its text as a browser shows it
    (binary as Latin-1 characters: control characters and all)."""
    if case.name == "binary":
        return case.data.decode("latin-1")
    return case.data.decode("utf-8", errors="replace")


PASTES = {
    "empty": Attempt("empty", message="Paste an article, upload a file or pick a sample first"),
    "whitespace": Attempt("whitespace", message="Paste an article, upload a file"),
    "binary": Attempt("binary", message="input looks like binary data"),
    "ten_megabytes": Attempt("ten_megabytes", message="the limit is 2.0 MB"),
    "html_scripts_styles": Attempt("html_scripts_styles", title="Springfield approves road"),
    "prompt_injection": Attempt("prompt_injection", title="Springfield budget"),
}
UPLOADS = {
    "empty": Attempt("empty", message="empty.txt: the article is empty"),
    "binary": Attempt("binary", message="blob.txt: input looks like binary data"),
    "png": Attempt("png", message="picture.md: input looks like binary data"),
    # Over Streamlit's own upload limit (5 MB in .streamlit/config.toml): refused by the widget,
    # which marks the file red; Run check then says what is allowed.
    "ten_megabytes": Attempt("ten_megabytes", message="at most 5 MB"),
    "html_scripts_styles": Attempt("html_scripts_styles", title="Springfield approves road"),
    "utf16_bom": Attempt("utf16_bom", title="utf16-bom.txt"),
    "utf16le_no_bom": Attempt("utf16le_no_bom", title="utf16le.txt"),
    "prompt_injection": Attempt("prompt_injection", title="Springfield budget"),
}


def test_hostile_inputs_through_the_page(server: str, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    corpus = {case.name: case for case in write_corpus(tmp_path / "corpus")}
    (tmp_path / "corpus" / "markup.html").write_text(XSS_HTML, encoding="utf-8")
    page, dialogs = new_page(browser)
    page.goto(server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    sign_in(page, PASSWORD)
    expect(page.get_by_role("button", name="Run check")).to_be_visible(timeout=30_000)

    # Alternate a report and an error so a stale header never passes for a new one.
    order = ["empty", "html_scripts_styles", "binary", "prompt_injection", "whitespace"]
    order += ["ten_megabytes"]
    for name in order:
        open_input(page, "Paste")
        paste(page, pasted(corpus[name]))
        run_and_judge(page, PASTES[name], dialogs)
    for text, attempt in [
        (XSS_HTML, Attempt("xss_html", title="Council budget approved")),
        (XSS_MARKDOWN, Attempt("xss_markdown", title="Pasted markup")),
    ]:
        open_input(page, "Paste")
        paste(page, text)
        run_and_judge(page, attempt, dialogs)
    page.screenshot(path=str(ARTIFACTS / "share-hostile-paste.png"))

    order = ["empty", "utf16_bom", "binary", "html_scripts_styles", "png", "utf16le_no_bom"]
    order += ["ten_megabytes", "prompt_injection"]
    for name in [*order, "markup"]:
        open_input(page, "Upload")
        if name == "markup":
            path, attempt = tmp_path / "corpus" / "markup.html", Attempt("xss", title="Council")
        else:
            path, attempt = tmp_path / "corpus" / corpus[name].filename, UPLOADS[name]
        runs = RUNS[page].finished
        page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
        if name == "ten_megabytes":  # the widget refuses it before the script sees it
            refusal = page.locator("[data-testid=stFileChip] [role=alert]")
            expect(refusal).to_have_text("Error: File must be 5.0MB or smaller.", timeout=30_000)
            # The file before it stays uploaded: remove it, so Run check has no file.
            page.get_by_role("button", name=f"Remove {corpus['utf16le_no_bom'].filename}").click()
        else:
            wait_for_run(page, runs, f"upload-{name}")  # the upload itself reruns
        run_and_judge(page, attempt, dialogs)
        if name == "ten_megabytes":
            page.screenshot(path=str(ARTIFACTS / "share-hostile-upload-too-big.png"))
            page.get_by_role("button", name="Remove huge.txt").click()
    page.screenshot(path=str(ARTIFACTS / "share-hostile-upload.png"))

    # Still usable: a small valid article, pasted, gives a report.
    open_input(page, "Paste")
    page.get_by_label("Article text").fill(ARTICLE)
    run_and_judge(page, Attempt("valid", title="Harbor report"), dialogs)
    header = page.get_by_role("heading", name=re.compile(r"^\d+ claims · "))
    assert int(header.inner_text().split()[0]) >= 1
    page.screenshot(path=str(ARTIFACTS / "share-after-hostile.png"))


def test_the_corpus_is_the_clis() -> None:
    """The cases above are the CLI's corpus, by name (a renamed case fails here, not silently)."""
    names = {case.name for case in cases()}
    assert set(PASTES) <= names and set(UPLOADS) <= names
