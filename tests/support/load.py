"""Many researchers on one workbench: N browser sessions paste, run and review at the same time.

One ``workbench ui`` server (loopback, a fresh cache directory) whose backend is the loopback
fault server answering every call after a fixed delay, so timings mean something; one headless
Chromium with a browser context per researcher (own cookies: another person), all driven at
once by Playwright's async API:

    with LoadServer(Path(tmp), delay=0.05) as server:
        result = asyncio.run(run_load(server, sessions=8))
    result.lost, result.crossed, result.cache_consistent, result.figures()

Each session pastes its own article (``load_article``: every sentence names the article's own
made-up place, its *marker*), presses Run check, waits for its report, opens Review, and
downloads the JSON export there. Timings are taken in the page itself (``performance.now()``
from the click on Run check), so a busy driver polling eight pages does not inflate them:

- *first claim*: a claim id (``c1``) in a claims table row or a claim title (``c1 · ...``)
  on the page while the run is still going (the live claims table), else the finished
  report's: ``first_claim_seen`` says which of the two each session saw first;
- *report*: the finished report's header and its caption naming the session's own article.

Then every article is run once more by the *next* session (a rotation), all at once: all of it
must come from the shared cache (no request reaches the server, "0 answered now"), and each
session must now show that other article and nothing of its own first one.

What counts as wrong:
- *lost*: a session with no report (timeout), an error or exception on its page, a report with
  fewer claims than its article has sentences, or a request the server did not answer;
- *crossed*: any other session's marker anywhere in a session's page or export, its own marker
  missing, or an exported article or claim quote that is not its own article's text;
- *cache inconsistent*: entries written by the first round differ from the answers the server
  gave and the sessions reported as "answered now", or the second round asked the server
  anything or changed the entry count.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.configs import http_config
from tests.support.fault_server import FaultServer
from tests.support.net import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    listening,
    start_workbench_ui,
    stop_group,
    wait_until,
)
from workbench.core.cache import ResponseCache
from workbench.io.ingest import read_article

# Three-letter syllables: two of them make a marker, every marker is as long as every other,
# so no marker is part of another.
SYLLABLES = ["bra", "ken", "mor", "tal", "vin", "dus", "pel", "qua", "rix", "sol", "tem", "zor"]
TOPICS = ["harbour", "museum", "railway", "library", "market", "hospital", "bridge", "stadium"]
SENTENCES = 3  # body sentences per article, each one claim on the fake answers
SETTLE_S = 15  # seconds a replaced report may linger on the page
WARM_UP = 143  # the article the warm-up run uses (the last marker: no measured session takes it)


def marker(n: int) -> str:
    """The made-up place name of article ``n`` (distinct for n < 144)."""
    if not 0 <= n < len(SYLLABLES) ** 2:
        raise ValueError(f"no marker for article {n}")
    return (SYLLABLES[n % 12] + SYLLABLES[(n // 12 + 5) % 12]).title() + "ford"


def load_article(n: int) -> str:
    """A short article whose every sentence (so every claim) names its own marker."""
    place, topic = marker(n), TOPICS[n % len(TOPICS)]
    return (
        f"# The {place} {topic} report\n\n"
        f"The {place} {topic.title()} Board counted {1200 + 37 * n} visitors in 2024, "
        "according to its annual report.\n\n"
        f"Director Ana {place} said {n + 11} new staff joined the {topic} in May.\n\n"
        f"The {place} council reported that the {topic} reopened on {n % 27 + 1} June after "
        f"{n + 4} weeks of work.\n"
    )


def _percentile(values: list[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class SessionResult:
    """What one browser session did and saw."""

    index: int
    article: int  # the article it checked first
    first_claim_s: float | None = None  # click on Run check -> first claim id on the page
    first_claim_seen: str = ""  # "live" (during the run) or "report" (the finished page)
    report_s: float | None = None  # click -> the finished report's header
    claims: int = 0
    answered_now: int = -1  # steps the server answered for this run (header caption)
    rerun_article: int = -1  # the article it checked second (the next session's)
    rerun_s: float | None = None
    rerun_answered_now: int = -1
    rerun_cached: int = -1
    problems: list[str] = field(default_factory=list)  # lost: the session failed somewhere
    crossings: list[str] = field(default_factory=list)  # another session's text on its page


@dataclass
class LoadResult:
    sessions: list[SessionResult]
    delay: float
    requests: int  # the server's answers to the first round
    failed_requests: int  # requests the server did not answer with a valid answer
    entries_written: int  # cache entries the first round added
    rerun_requests: int  # requests the second (cached) round sent: 0 when consistent
    rerun_entries_written: int
    wall_s: float

    @property
    def lost(self) -> int:
        return sum(1 for s in self.sessions if s.problems) + self.failed_requests

    @property
    def crossed(self) -> int:
        return sum(1 for s in self.sessions if s.crossings)

    @property
    def cache_consistent(self) -> bool:
        answered = sum(s.answered_now for s in self.sessions)
        return (
            self.entries_written == self.requests == answered
            and self.rerun_requests == 0
            and self.rerun_entries_written == 0
            and all(s.rerun_answered_now == 0 for s in self.sessions)
        )

    def problems(self) -> list[str]:
        """Every failure, one line each (empty when the run was clean)."""
        lines = [f"session {s.index}: {p}" for s in self.sessions for p in s.problems]
        lines += [f"session {s.index} crossed: {c}" for s in self.sessions for c in s.crossings]
        if self.failed_requests:
            lines.append(f"{self.failed_requests} requests not answered by the server")
        if not self.cache_consistent:
            answered = [s.answered_now for s in self.sessions]
            rerun = [s.rerun_answered_now for s in self.sessions]
            lines.append(
                f"cache: {self.entries_written} entries written, {self.requests} answers "
                f"served, sessions answered {answered} (sum {sum(answered)}); rerun sent "
                f"{self.rerun_requests} requests, wrote {self.rerun_entries_written} entries, "
                f"answered now {rerun}"
            )
        return lines

    def figures(self, prefix: str = "") -> dict[str, Any]:
        """p50/p95 seconds to first claim and to the report, lost and crossed counts."""
        first = [s.first_claim_s for s in self.sessions if s.first_claim_s is not None]
        report = [s.report_s for s in self.sessions if s.report_s is not None]
        rerun = [s.rerun_s for s in self.sessions if s.rerun_s is not None]
        seen = sorted({s.first_claim_seen for s in self.sessions if s.first_claim_seen})

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {
            f"{prefix}first_claim_p50_s": rounded(_percentile(first, 0.5)),
            f"{prefix}first_claim_p95_s": rounded(_percentile(first, 0.95)),
            f"{prefix}first_claim_seen": "+".join(seen) or None,
            f"{prefix}report_p50_s": rounded(_percentile(report, 0.5)),
            f"{prefix}report_p95_s": rounded(_percentile(report, 0.95)),
            f"{prefix}cached_report_p50_s": rounded(_percentile(rerun, 0.5)),
            f"{prefix}lost": self.lost,
            f"{prefix}crossed": self.crossed,
            f"{prefix}cache_consistent": self.cache_consistent,
            f"{prefix}requests": self.requests,
            f"{prefix}wall_s": round(self.wall_s, 2),
        }


class LoadServer:
    """The fault server (in a thread of this process) and one `workbench ui` using it."""

    def __init__(self, home: Path | None = None, *, delay: float = 0.05) -> None:
        self._own_home = home is None
        self.home = Path(tempfile.mkdtemp(prefix="wb-load-")) if home is None else home
        self.delay = delay
        self.cache_dir = self.home / "cache"
        self.model = FaultServer(delay=delay)
        self.url = ""
        self._process: Any = None

    def __enter__(self) -> LoadServer:
        if not CHROMIUM.exists():
            raise RuntimeError("Debian chromium is missing: apt-get install -y chromium")
        self.home.mkdir(parents=True, exist_ok=True)
        self.model.start()
        # Concurrency 4 per session (the bound is per event loop: a session's run is one);
        # a generous timeout: eight sessions on two busy cores must not time out a fast answer.
        config = http_config(self.home / "load.toml", self.model.base_url, timeout=60.0)
        port = free_port()
        self._process = start_workbench_ui(self.home, port, config)
        wait_until(lambda: listening(port) or self._process.poll() is not None, 60)
        if not listening(port):
            self.__exit__(None, None, None)
            raise RuntimeError(f"workbench ui did not start:\n{self.log()}")
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            stop_group(self._process)
        self.model.stop()
        if self._own_home and kind is None:
            shutil.rmtree(self.home, ignore_errors=True)

    def log(self) -> str:
        path = self.home / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def cache_entries(self) -> int:
        """Answers in the server's response cache, read from disk by this process: the
        parser's remembered attributions (stage "attribution") are not answers of the server."""
        cache = ResponseCache(self.cache_dir)
        try:
            counts = cache.counts_by_stage()
            return sum(sum(c.values()) for stage, c in counts.items() if stage != "attribution")
        finally:
            cache.close()


# In-page timing: from the click on Run check to the first claim id and to the finished report
# whose caption names ``marker``. Elements of the previous run that Streamlit still shows (marked
# stale) do not count.
WATCH = """marker => {
  const t = {click: null, first: null, firstWhile: null, report: null};
  if (window.__wbLoadStop) window.__wbLoadStop();  // the watch of a previous run
  window.__wbLoad = t;
  const fresh = el => !el.closest('[data-stale="true"]');
  const captions = () => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
    .filter(c => fresh(c) && c.textContent.includes('answered now'))
    .map(c => c.textContent);
  // The previous report's caption (the same article run again has the same marker) is not
  // the new one; its timing and counts differ. (The script's running state is no signal: a
  // fast run can start and end within one render of the page.)
  const before = new Set(captions());
  const header = () => [...document.querySelectorAll('[data-testid=stHeading] h3')]
    .some(h => fresh(h) && /^\\d+ claims · /.test(h.textContent.trim()));
  const caption = () => captions().some(c => c.includes(marker) && !before.has(c));
  const claimId = () =>
    [...document.querySelectorAll('td[role=gridcell]')]
      .some(c => fresh(c) && /^c\\d+$/.test(c.textContent.trim())) ||
    [...document.querySelectorAll(
      '[data-testid=stExpander] summary, [data-testid=stMarkdownContainer] p')]
      .some(e => fresh(e) && /^c\\d+ · /.test(e.textContent.trim()));
  const look = () => {
    if (t.click === null) return;
    const now = performance.now();
    const done = header() && caption();
    if (t.first === null && claimId()) {
      t.first = now - t.click;
      t.firstWhile = done ? 'report' : 'live';
    }
    if (t.report === null && done) {
      t.report = now - t.click;
      if (t.first === null) { t.first = t.report; t.firstWhile = 'report'; }
    }
  };
  const clicked = e => {
    const button = e.target.closest('button');
    if (t.click === null && button && button.textContent.includes('Run check')) {
      t.click = performance.now();
    }
  };
  document.addEventListener('click', clicked, true);
  const observer = new MutationObserver(look);
  observer.observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-stale'],
  });
  window.__wbLoadStop = () => {
    observer.disconnect();
    document.removeEventListener('click', clicked, true);
  };
}"""

PAGE_STATE = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const status = document.querySelector('[data-testid=stConnectionStatus]');
  const buttons = [...document.querySelectorAll('button')]
    .filter(b => b.innerText.includes('Run check'))
    .map(b => (b.disabled ? 'disabled' : 'enabled'));
  const connection = status ? status.innerText.trim() || 'shown' : 'ok';
  return `script ${app ? app.dataset.testScriptState : 'no app'}; connection ${connection}; `
    + `Run check ${buttons.join('/') || 'absent'}`;
}"""

HEADER = re.compile(r"^(\d+) claims · ")
CAPTION = re.compile(r"(\d+) cached steps, (\d+) answered now")


# The page's text, folded and hidden parts included, but not the article box: a text area's
# text node keeps the first value it was drawn with (the value typed since is checked apart).
PAGE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('textarea').forEach(box => box.remove());
  return copy.textContent;
}"""


async def _body(page: Any) -> str:
    return str(await page.evaluate(PAGE_TEXT))


async def _page_errors(page: Any) -> list[str]:
    """Errors and exceptions on the page, and the report's warning of failed steps (other
    warnings, such as Review's note on unreviewed claims, are part of a good page)."""
    alerts = page.locator(
        "[data-testid=stAlertContentError], [data-testid=stException],"
        "[data-testid=stAlertContentWarning]:has-text('failed after retries')"
    )
    return [" ".join(str(t).split()) for t in await alerts.all_inner_texts()]


def _crossings(text: str, own: int, everyone: list[int], where: str) -> list[str]:
    found = []
    for n in everyone:
        at = text.find(marker(n))
        if n != own and at >= 0:
            context = " ".join(text[max(at - 40, 0) : at + 50].split())
            found.append(f"{where} shows {marker(n)} of article {n}: ...{context}...")
    if marker(own) not in text:
        found.append(f"{where} lacks its own {marker(own)}")
    return found


async def _check(page: Any, n: int, timeout_ms: float) -> tuple[float | None, float | None, str]:
    """Paste article ``n`` and run it; the in-page timings (seconds) and what was seen first."""
    await page.evaluate(WATCH, marker(n))
    box = page.get_by_label("Article text")
    if not await box.is_visible():  # a shown report folds the input away
        await page.get_by_text("Article · open to check another").click()
    await box.fill(load_article(n))
    if await box.input_value() != load_article(n):
        raise AssertionError("the article box holds another text than the one pasted")
    await page.get_by_role("button", name="Run check").click()
    await page.wait_for_function(
        "() => window.__wbLoad.report !== null", timeout=timeout_ms, polling=100
    )
    timings = await page.evaluate("() => window.__wbLoad")
    first = timings["first"] / 1000 if timings["first"] is not None else None
    return first, timings["report"] / 1000, str(timings["firstWhile"] or "")


async def _header(page: Any) -> tuple[int, int, int]:
    """Claims, cached steps and steps answered now, from the current report's header."""
    heading = page.get_by_role("heading", name=HEADER)
    claims = HEADER.match((await heading.inner_text()).strip())
    caption = page.get_by_text(CAPTION)
    counts = CAPTION.search(await caption.inner_text())
    if claims is None or counts is None:
        raise AssertionError("no report header")
    return int(claims.group(1)), int(counts.group(1)), int(counts.group(2))


class _Session:
    """One researcher: a browser context of its own and what it did and saw."""

    def __init__(self, result: SessionResult, everyone: list[int], timeout_s: float) -> None:
        self.result = result
        self.everyone = everyone
        self.timeout_ms = timeout_s * 1000
        self.page: Any = None

    async def guarded(self, where: str, step: Any, artifacts: Path | None) -> None:
        """Run ``step``; a failure makes the session a lost one, with the reason kept."""
        if self.result.problems and where != "open":
            return  # already lost: it takes no further part
        try:
            await step()
        except Exception as err:  # noqa: BLE001 - a failed session is counted and reported
            lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
            # Playwright's call log ends with what it was waiting for ("element is not stable")
            said = " / ".join(lines[:1] + lines[1:][-3:])
            state = await self.page_state()
            self.result.problems.append(f"{where}: {type(err).__name__}: {said} ({state})")
            if artifacts is not None and self.page is not None:
                path = artifacts / f"load-session-{self.result.index}-{where}.png"
                await self.page.screenshot(path=str(path))

    async def page_state(self) -> str:
        """What the page shows of the script and its connection, for a failure's message (CI
        keeps no screenshots): a lost websocket disables every widget, a run may never end."""
        if self.page is None:
            return "no page"
        try:
            return str(await self.page.evaluate(PAGE_STATE))
        except Exception as err:  # noqa: BLE001 - the state is extra; the failure is reported
            return f"page state unreadable: {type(err).__name__}"

    async def open(self, browser: Any, url: str) -> None:
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        self.page = await context.new_page()
        # every action may wait as long as the session may (Playwright's default is 30 s): with
        # eight sessions on two cores, one script rerun of the server can take longer than that
        self.page.set_default_timeout(self.timeout_ms)
        await self.page.goto(url)
        await self.page.get_by_role("button", name="Run check").wait_for(timeout=self.timeout_ms)

    async def check_and_review(self) -> None:
        result, page, n = self.result, self.page, self.result.article
        result.first_claim_s, result.report_s, result.first_claim_seen = await _check(
            page, n, self.timeout_ms
        )
        result.claims, _, result.answered_now = await _header(page)
        if result.claims < SENTENCES:
            result.problems.append(f"{result.claims} claims, expected {SENTENCES}")
        result.problems += await _page_errors(page)
        result.crossings += _crossings(await _body(page), n, self.everyone, "Check page")

        await page.get_by_role("link", name="Review").click()
        await page.get_by_role("tab", name="Review claims").wait_for(timeout=self.timeout_ms)
        claims, _, _ = await _header(page)
        if claims != result.claims:
            result.problems.append(f"Review shows {claims} claims, Check showed {result.claims}")
        result.problems += await _page_errors(page)
        result.crossings += _crossings(await _body(page), n, self.everyone, "Review page")
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name="Export JSON").click()
        download = await download_info.value
        exported = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
        result.crossings += _export_crossings(exported, n, self.everyone)
        if len(exported["claims"]) != result.claims:
            result.problems.append(f"export has {len(exported['claims'])} claims")
        await page.get_by_role("link", name="Check").click()
        await page.get_by_role("button", name="Run check").wait_for(timeout=self.timeout_ms)

    async def rerun(self) -> None:
        """The next session's article, which the shared cache holds by now."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        result, page = self.result, self.page
        everyone = self.everyone
        result.rerun_article = everyone[(everyone.index(result.article) + 1) % len(everyone)]
        _, result.rerun_s, _ = await _check(page, result.rerun_article, self.timeout_ms)
        claims, result.rerun_cached, result.rerun_answered_now = await _header(page)
        if claims < SENTENCES:
            result.problems.append(f"rerun: {claims} claims, expected {SENTENCES}")
        result.problems += await _page_errors(page)
        # The session's own first article may linger a moment in a table's text (the grid
        # updates its accessible copy lazily), but must go; anyone else's must never show.
        others = [n for n in everyone if n != result.article]
        result.crossings += _crossings(
            await _body(page), result.rerun_article, others, "Check page after the rerun"
        )
        if result.rerun_article == result.article:
            return  # one session alone reruns its own article: nothing to go away
        try:
            await page.wait_for_function(
                f"gone => !({PAGE_TEXT})().includes(gone)",
                arg=marker(result.article),
                timeout=SETTLE_S * 1000,
            )
        except PlaywrightTimeout:
            still = _crossings(await _body(page), result.rerun_article, [result.article], "")
            result.problems.append(f"the previous report still shows after {SETTLE_S} s: {still}")


def _export_crossings(exported: dict[str, Any], n: int, everyone: list[int]) -> list[str]:
    """The downloaded report is article ``n`` and nothing else: text, claims, quotes."""
    found = _crossings(json.dumps(exported, ensure_ascii=False), n, everyone, "export")
    text = exported["article"]["text"]
    if text != read_article(load_article(n), "pasted text").text:
        found.append("export: the article text is not its own")
    for claim in exported["claims"]:
        if text[claim["start"] : claim["end"]] != claim["quote"] or marker(n) not in claim["text"]:
            found.append(f"export: claim {claim['id']} is not from its own article")
    return found


async def _warm_up(browser: Any, url: str, timeout_ms: float) -> None:
    """One article alone, first: the server imports its model client on its first run."""
    warm = _Session(SessionResult(index=-1, article=WARM_UP), [WARM_UP], timeout_ms / 1000)
    await warm.open(browser, url)
    await _check(warm.page, WARM_UP, timeout_ms)
    await warm.page.context.close()


async def run_load(
    server: LoadServer,
    sessions: int,
    *,
    first_article: int = 0,
    timeout_s: float = 120.0,
    artifacts: Path | None = None,
) -> LoadResult:
    """``sessions`` researchers at once on ``server``, with articles ``first_article`` on.

    On a server with an empty cache one warm-up article runs alone first, so no measured
    session waits for the server's imports on its first run. Articles must not repeat across
    calls on one server (the cache would answer them)."""
    from playwright.async_api import async_playwright

    everyone = list(range(first_article, first_article + sessions))
    people = [
        _Session(SessionResult(index=i, article=n), everyone, timeout_s)
        for i, n in enumerate(everyone)
    ]
    if artifacts is not None:
        artifacts.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            if server.cache_entries() == 0:
                await _warm_up(browser, server.url, timeout_s * 1000)
            # Every page is open before anyone clicks: the clicks come as close together as
            # one driver can make them.
            await asyncio.gather(
                *(
                    p.guarded("open", lambda p=p: p.open(browser, server.url), artifacts)
                    for p in people
                )
            )
            server.model.reset()
            before = server.cache_entries()
            started = time.perf_counter()
            await asyncio.gather(
                *(p.guarded("check", p.check_and_review, artifacts) for p in people)
            )
            wall = time.perf_counter() - started
            first_round = list(server.model.requests)
            written = server.cache_entries() - before
            await asyncio.gather(*(p.guarded("rerun", p.rerun, artifacts) for p in people))
            second_round = server.model.requests[len(first_round) :]
            rewritten = server.cache_entries() - before - written
            if artifacts is not None and people[0].page is not None:
                await people[0].page.screenshot(path=str(artifacts / "load-session-0.png"))
        finally:
            await browser.close()
    return LoadResult(
        sessions=[p.result for p in people],
        delay=server.delay,
        requests=len(first_round),
        failed_requests=sum(1 for r in first_round + second_round if r.fault != "ok"),
        entries_written=written,
        rerun_requests=len(second_round),
        rerun_entries_written=rewritten,
        wall_s=wall,
    )
