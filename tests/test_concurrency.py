"""Concurrency and shared state: bounded batches, parallel sessions, one llama.cpp instance,
one cache directory shared by processes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.articles import TOPICS, article_text
from tests.support.configs import http_config
from tests.support.fault_server import FaultServer
from workbench.cli import main
from workbench.core.cache import ResponseCache
from workbench.core.schema import Report
from workbench.io.ingest import read_article
from workbench.language import support
from workbench.language.segment import segment_article
from workbench.llm.embedded import DEFAULT_ALIAS, CoreShare, EmbeddedProvider, embedded_provider
from workbench.session import Session, shared_loop


def articles(directory: Path, count: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (directory / f"article-{n:02d}.md").write_text(article_text(n), encoding="utf-8")
    return directory


def assert_own_report(report: Report, n: int) -> None:
    """Every claim and sentence of ``report`` comes from article ``n`` and nowhere else."""
    topic = TOPICS[n % len(TOPICS)].title()
    assert report.article.text == read_article(article_text(n)).text
    assert report.claims and not report.failures
    for claim in report.claims:
        assert report.article.text[claim.start : claim.end] == claim.quote
        assert (
            topic in claim.text
            or str(n + 2) in claim.text
            or str(n + 10) in claim.text
            or (str(n + 4) in claim.text)
        )
        for other in set(TOPICS) - {topic.lower()}:
            assert other.title() not in claim.text


# ---------------------------------------------------------------------------------------------
# Batch: bounded async concurrency against a remote backend, resumable
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_batch_keeps_requests_in_flight_bounded(
    fresh_server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], concurrency: int
) -> None:
    fresh_server.delay = 0.05
    folder = articles(tmp_path / "in", 6)
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, concurrency=2)
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "batch",
            str(folder),
            "--out",
            str(out),
            "--config",
            str(config),
            "--quiet",
            "--concurrency",
            str(concurrency),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert fresh_server.max_in_flight == concurrency  # reached, never exceeded
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 6 and all(line["report"] for line in lines)
    for line in lines:
        n = int(Path(line["source"]).stem.split("-")[1])
        assert_own_report(Report.model_validate(line["report"]), n)


def test_batch_resumes_and_skips_finished_articles(
    fresh_server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = articles(tmp_path / "in", 4)
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url)
    out = tmp_path / "out.jsonl"
    command = [
        "batch",
        str(folder),
        "--out",
        str(out),
        "--config",
        str(config),
        "--quiet",
        "--no-cache",
    ]
    assert main(command) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    # Lose one finished article and leave a line cut off, as a killed run would.
    out.write_text("\n".join(lines[:2] + lines[3:]) + "\n" + lines[2][:50], encoding="utf-8")
    fresh_server.reset()
    assert main(command) == 0
    assert fresh_server.count(stage="select") == 3  # one article, three body sentences, no cache
    done = [
        json.loads(line)
        for line in out.read_text(encoding="utf-8").splitlines()
        if line.startswith("{") and line.endswith("}")
    ]
    assert sorted(entry["source"] for entry in done) == sorted(str(p) for p in folder.glob("*.md"))


# ---------------------------------------------------------------------------------------------
# Two sessions at once (two threads, two event loops, as two UI sessions): never mixed
# ---------------------------------------------------------------------------------------------


def _in_threads(work: list[Any]) -> list[Any]:
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work[i]()
        except BaseException as err:  # noqa: BLE001 - reported by the test thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    return results


@pytest.mark.parametrize("shared_session", [True, False], ids=["one-session", "two-sessions"])
def test_parallel_sessions_never_mix_results(
    fresh_server: FaultServer, tmp_path: Path, shared_session: bool
) -> None:
    fresh_server.delay = 0.02
    config = str(http_config(tmp_path / "wb.toml", fresh_server.base_url, concurrency=2))
    shared = Session.open(config)
    sessions = [shared, shared] if shared_session else [Session.open(config), Session.open(config)]
    texts = [article_text(0), article_text(1), article_text(0)]
    work = [
        (lambda s=sessions[i % 2], t=text: s.check(read_article(t))) for i, text in enumerate(texts)
    ]
    reports = _in_threads(work)
    assert_own_report(reports[0], 0)
    assert_own_report(reports[1], 1)
    assert_own_report(reports[2], 0)
    assert [c.text for c in reports[0].claims] == [c.text for c in reports[2].claims]
    # Each run's statistics count its own calls only.
    for report in reports:
        assert sum(s.calls for s in report.run.stages.values()) == 3 + 3 * len(report.claims)


def test_segmenting_in_parallel_threads_matches_one_thread() -> None:
    """pysbd keeps state on its segmenter: two UI sessions must not share one."""
    texts = [
        article_text(n) + " ".join(f"Item {k} cost ${k}.5 million." for k in range(30))
        for n in range(4)
    ]
    expected = [[s.text for s in segment_article(read_article(t))[1]] for t in texts]
    results = _in_threads(
        [
            (lambda t=t: [[s.text for s in segment_article(read_article(t))[1]] for _ in range(10)])
            for t in texts
        ]
    )
    for got, want in zip(results, expected, strict=True):
        assert got == [want] * 10


def test_stemming_in_parallel_threads_matches_one_thread() -> None:
    """A Snowball stemmer keeps the word it stems on itself: the claim-support check runs in
    every session's thread, so threads must not share one (a shared one garbled words and
    raised IndexError, failing valid claims)."""
    import snowballstemmer

    words = [
        b + s
        for b in ("nation", "operat", "organ", "report", "claim", "govern")
        for s in ("al", "ally", "ization", "izations", "ing", "ed", "s", "ments")
    ]
    expected = snowballstemmer.stemmer("english").stemWords(words)
    stem = support._stem.__wrapped__  # the stemming itself, under the memo
    results = _in_threads([(lambda: [[stem(w) for w in words] for _ in range(50)])] * 4)
    for got in results:
        assert got == [expected] * 50


def test_checks_from_many_threads_run_on_one_loop_and_log_no_error(
    fresh_server: FaultServer,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """UI sessions are threads. When each check ran its own event loop, litellm's process-wide
    logging worker was rebound from loop to loop and the server log filled with "LoggingWorker
    error: cannot reuse already awaited coroutine" and "Queue is bound to a different event
    loop" (205 such lines in one 8-session load test). Every check now runs on the shared loop;
    each caller still gets its own progress events, on its own thread."""
    caplog.set_level(logging.WARNING)
    fresh_server.delay = 0.02
    config = str(http_config(tmp_path / "wb.toml", fresh_server.base_url, concurrency=4))
    session = Session.open(config, no_cache=True)
    seen: dict[int, set[int]] = {}

    def check(n: int) -> Report:
        caller = threading.get_ident()
        report = session.check(
            read_article(article_text(n)),
            on_progress=lambda _: seen.setdefault(caller, set()).add(threading.get_ident()),
        )
        assert_own_report(report, n)
        return report

    _in_threads([(lambda n=n: check(n)) for n in range(6)] * 2)
    assert len(seen) == 12 and all(threads == {caller} for caller, threads in seen.items())
    bounded = session.client().inner  # type: ignore[attr-defined]
    assert list(bounded._semaphores) == [shared_loop()]
    err = capfd.readouterr().err
    noise = ("LoggingWorker", "different event loop", "Task exception was never retrieved")
    assert not [word for word in noise if word in err], err[-2000:]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_event_loops_of_finished_runs_are_not_kept(
    fresh_server: FaultServer, tmp_path: Path
) -> None:
    """Each UI rerun brings a new event loop; the client must not hold on to the old ones."""
    config = str(http_config(tmp_path / "wb.toml", fresh_server.base_url, concurrency=1))
    session = Session.open(config, no_cache=True)
    for _ in range(4):
        session.check(read_article(article_text(2)))
    bounded = session.client().inner  # type: ignore[attr-defined]
    assert len(bounded._semaphores) <= 1


# ---------------------------------------------------------------------------------------------
# One cache directory, two processes at once
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cache_shared_by_two_processes_stays_consistent(
    fresh_server: FaultServer, tmp_path: Path
) -> None:
    fresh_server.delay = 0.02
    folder = articles(tmp_path / "in", 5)
    config = http_config(tmp_path / "wb.toml", fresh_server.base_url, concurrency=4)
    cache = tmp_path / "shared-cache"
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache)}
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench.cli",
                "batch",
                str(folder),
                "--out",
                str(tmp_path / f"out-{i}.jsonl"),
                "--config",
                str(config),
                "--quiet",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert "Traceback" not in err
    outputs = [
        {
            json.loads(line)["source"]: json.loads(line)["report"]
            for line in (tmp_path / f"out-{i}.jsonl").read_text(encoding="utf-8").splitlines()
        }
        for i in range(2)
    ]
    for source, report in outputs[0].items():
        assert [c["text"] for c in report["claims"]] == [
            c["text"] for c in outputs[1][source]["claims"]
        ]
    asked_by_processes = fresh_server.count()

    # A third run over the same directory finds every answer, and every entry is readable.
    fresh_server.reset()
    session = Session.open(str(config), cache_dir=cache)
    for n in range(5):
        report = session.check(read_article(article_text(n)))
        assert report.run.cache_misses == 0
        assert_own_report(report, n)
    assert fresh_server.count() == 0
    store = ResponseCache(cache)
    assert store.stats()["entries"] <= asked_by_processes
    assert store.corrupt_entries == 0


# ---------------------------------------------------------------------------------------------
# The embedded model: one llama.cpp instance, used from threads and tasks
# ---------------------------------------------------------------------------------------------


class _ReentryDetector:
    """Stands in for ``llama_cpp.Llama``: fails if two generations ever overlap."""

    def __init__(self) -> None:
        self.active = 0
        self.max_active = 0
        self.calls = 0
        self.threads: set[int] = set()
        self._guard = threading.Lock()

    def create_chat_completion(self, messages: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.calls += 1
            self.threads.add(threading.get_ident())
        time.sleep(0.005)
        with self._guard:
            self.active -= 1
        text = messages[-1]["content"]
        return {
            "choices": [
                {"message": {"content": json.dumps({"echo": text})}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


def test_embedded_generation_is_serialised_across_threads_and_tasks(tmp_path: Path) -> None:
    provider = EmbeddedProvider()
    detector = _ReentryDetector()
    provider._models["stub"] = detector  # as _load keeps a model: with the cores it runs on
    provider._shares["stub"] = CoreShare(threads=1, folder=tmp_path / "cores")

    def from_thread(i: int) -> list[str]:
        return [
            provider.completion(
                "embedded/stub", [{"role": "user", "content": f"t{i}-{k}"}], optional_params={}
            )
            .choices[0]
            .message.content
            for k in range(5)
        ]

    async def from_tasks() -> list[str]:
        responses = await asyncio.gather(
            *(
                provider.acompletion(
                    "embedded/stub", [{"role": "user", "content": f"a{k}"}], optional_params={}
                )
                for k in range(8)
            )
        )
        return [r.choices[0].message.content for r in responses]

    results = _in_threads(
        [lambda i=i: from_thread(i) for i in range(4)] + [lambda: asyncio.run(from_tasks())]
    )
    assert detector.max_active == 1
    assert len(detector.threads) == 1  # one thread runs llama.cpp (see llm/embedded.py)
    assert detector.calls == 4 * 5 + 8
    for i in range(4):  # every caller got the answers to its own prompts
        assert [json.loads(r)["echo"] for r in results[i]] == [f"t{i}-{k}" for k in range(5)]
    assert [json.loads(r)["echo"] for r in results[4]] == [f"a{k}" for k in range(8)]


@pytest.mark.model
def test_one_llama_instance_answers_threads_and_tasks_as_it_answers_one_caller() -> None:
    provider = embedded_provider()
    prompts = [f"Name a colour. Answer in one word. ({k})" for k in range(4)]
    schema = {
        "type": "object",
        "properties": {"word": {"type": "string", "maxLength": 12}},
        "required": ["word"],
    }
    params = {
        "max_tokens": 12,
        "temperature": 0,
        "seed": 0,
        "response_format": {"type": "json_object", "schema": schema},
    }

    def ask(prompt: str) -> str:
        result = provider.generate(DEFAULT_ALIAS, [{"role": "user", "content": prompt}], params)
        return str(result["choices"][0]["message"]["content"])

    sequential = [ask(p) for p in prompts]
    instances = _in_threads([lambda: provider.llama(DEFAULT_ALIAS) for _ in range(3)])
    assert all(instance is instances[0] for instance in instances)

    async def from_tasks() -> list[str]:
        return list(await asyncio.gather(*(asyncio.to_thread(ask, p) for p in prompts)))

    parallel = _in_threads(
        [lambda p=p: ask(p) for p in prompts] + [lambda: asyncio.run(from_tasks())]
    )
    assert parallel[:4] == sequential
    assert parallel[4] == sequential
