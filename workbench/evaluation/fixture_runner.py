"""Run a backend over the hand-labelled fixtures and score it, with the heuristic scored beside it.

Fixtures go through the real pipeline (``check_article``), one article each, exactly as
``workbench extract`` would run them (``check_articles``, also used by the whole-article
datasets); the heuristic beside them is ``heuristic.heuristic_report`` (one claim per flagged
sentence, the sentence itself).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from workbench.core.prompts import PromptSet
from workbench.core.schema import Article, Report
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.heuristic import heuristic_scores
from workbench.evaluation.scoring.suite import FixtureScores, score_report
from workbench.llm import StructuredClient
from workbench.pipeline import check_article

T = TypeVar("T")
R = TypeVar("R")


async def bounded_map(
    items: Sequence[T], limit: int, work: Callable[[T], Awaitable[R]]
) -> list[R]:
    """``work`` over ``items`` with at most ``limit`` in flight; results in input order."""
    semaphore = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> R:
        async with semaphore:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


ArticleCallback = Callable[[int, Report, float, int, int], None]
"""(index of the article, its report, seconds, articles done, articles in all)."""


async def check_articles(
    articles: Sequence[Article],
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_article: ArticleCallback | None = None,
) -> list[tuple[Report, float]]:
    """Every article through the pipeline: (report, seconds) each, in input order.

    Articles run one at a time on a backend of concurrency 1 (the embedded model: one article's
    stage-major order keeps llama.cpp's prompt prefix warm), else as many as it takes requests.
    An unreachable backend aborts the run (``BackendError``); a step that fails after retries
    only marks its sentence or claim, as in ``workbench extract``.
    """
    done = 0

    async def check(index: int) -> tuple[Report, float]:
        nonlocal done
        started = time.perf_counter()
        report = await check_article(articles[index], client, prompts)
        seconds = time.perf_counter() - started
        done += 1
        if on_article is not None:
            on_article(index, report, seconds, done, len(articles))
        return report, seconds

    return await bounded_map(range(len(articles)), client.concurrency, check)


@dataclass
class FixtureRun:
    """One fixture through the pipeline, scored, with the heuristic scored beside it."""

    fixture: Fixture
    report: Report
    scores: FixtureScores
    heuristic: FixtureScores
    seconds: float


FixtureCallback = Callable[[Fixture, Report, float, int, int], None]


async def run_fixtures(
    fixtures: Sequence[Fixture],
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_fixture: FixtureCallback | None = None,
) -> list[FixtureRun]:
    """Check every fixture's article with the pipeline, then score each against its labels.

    Concurrency and failures as in ``check_articles``. Scoring waits until every article is
    done, so its CPU time does not count against any article's seconds.
    ``on_fixture(fixture, report, seconds, done, total)`` reports each finished article.
    """

    def on_article(index: int, report: Report, seconds: float, done: int, total: int) -> None:
        if on_fixture is not None:
            on_fixture(fixtures[index], report, seconds, done, total)

    checked = await check_articles([f.article for f in fixtures], client, prompts,
                                   on_article=on_article)
    return [
        FixtureRun(
            fixture=fixture,
            report=report,
            scores=score_report(report, fixture),
            heuristic=heuristic_scores(fixture),
            seconds=seconds,
        )
        for fixture, (report, seconds) in zip(fixtures, checked, strict=True)
    ]
