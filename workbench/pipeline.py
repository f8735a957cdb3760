"""The composer: text → segment → select → extract → checkworthiness → evidence → Report.

Stages run one after another over the whole article (stage-major), each over its sentences or
claims concurrently, bounded by the backend's concurrency. Stage-major order also lets the
embedded llama.cpp model reuse the evaluated prompt prefix (system message and few-shot turns)
from one call to the next. A step that fails after retries marks its sentence ``failed`` (or
leaves its claim unrated) and is listed in ``Report.failures``; only an unreachable backend
aborts the run. Every finished call is in the cache, so a re-run resumes where this one stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from workbench.budget import Budget
from workbench.checkworthiness import rate_checkworthiness
from workbench.errors import BackendError, ModelOutputError, SpendingCapReached
from workbench.evidence import plan_evidence
from workbench.extract import extract_claims
from workbench.llm import Outcome, StructuredClient
from workbench.llm.wrappers import BudgetedClient
from workbench.prompts import PromptSet
from workbench.schema import (
    Article,
    Claim,
    Failure,
    Report,
    RunInfo,
    Sentence,
    Stage,
    StageStats,
    Status,
    Usage,
)
from workbench.segment import article_date, segment_article
from workbench.select import context_window, select_sentence

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """What the pipeline is doing, for progress bars and live views."""

    stage: Stage
    done: int
    total: int
    report: Report  # the partial report so far (claims appear as they are ready)


ProgressCallback = Callable[[Progress], None]


def _workbench_version() -> str:
    try:
        return version("claimcheck-workbench")
    except PackageNotFoundError:
        return "0+unknown"


def count_outcome(stats: StageStats, outcome: Outcome[Any]) -> None:
    """Count one answered request into its stage's statistics (stage seconds are wall time,
    the caller's to set)."""
    stats.calls += 1
    if outcome.cache_hit:  # spent in an earlier run, not in this one
        stats.cache_hits += 1
        return
    stats.cache_misses += 1
    stats.attempts += outcome.attempts
    stats.first_attempt_valid += int(outcome.first_attempt_valid)
    stats.prompt_tokens += outcome.prompt_tokens
    stats.completion_tokens += outcome.completion_tokens
    stats.cost_usd += outcome.cost_usd


def count_failure(stats: StageStats, err: Exception) -> None:
    """Count one request that failed (a cached failure counts as a cache hit)."""
    stats.calls += 1
    if getattr(err, "cached", False):
        stats.cache_hits += 1
    else:
        stats.cache_misses += 1
    stats.failures += 1
    stats.attempts += getattr(err, "attempts", 1)


class _Run:
    """Mutable state of one pipeline run: the report being filled and per-stage statistics."""

    def __init__(
        self,
        article: Article,
        client: StructuredClient,
        prompts: PromptSet,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.client = client
        self.prompts = prompts
        self.on_progress = on_progress
        paragraphs, sentences = segment_article(article)
        if article.date is None:
            article = article.model_copy(update={"date": article_date(article.text, paragraphs)})
        self.started = time.perf_counter()
        self.report = Report(
            article=article,
            paragraphs=paragraphs,
            sentences=sentences,
            claims=[],
            run=RunInfo(
                backend=client.name,
                model=client.model,
                api_base=client.api_base,
                prompts=prompts.infos,
                stages={stage: StageStats() for stage in Stage},
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                workbench_version=_workbench_version(),
            ),
        )

    def finish(self) -> Report:
        """The report with its run time and totals (also of a run that stopped early)."""
        self.report.run.seconds = time.perf_counter() - self.started
        self.report.run.totals = StageStats.total(self.report.run.stages.values())
        return self.report

    def count(self, stage: Stage, outcome: Outcome[Any]) -> None:
        count_outcome(self.report.run.stages[stage], outcome)

    def fail(
        self, stage: Stage, sentence: Sentence, err: Exception, claim: Claim | None = None
    ) -> None:
        count_failure(self.report.run.stages[stage], err)
        self.report.failures.append(
            Failure(
                stage=stage,
                sentence_id=sentence.id,
                claim_id=claim.id if claim else None,
                message=str(err),
            )
        )
        if claim is None:
            sentence.status, sentence.reason = Status.failed, str(err)

    async def each(
        self, stage: Stage, items: list[T], work: Callable[[T], Awaitable[None]]
    ) -> None:
        """Run ``work`` over ``items`` concurrently; report progress; time the stage."""
        started = time.perf_counter()
        done = 0
        self.progress(stage, done, len(items))

        async def one(item: T) -> None:
            nonlocal done
            await work(item)
            done += 1
            self.progress(stage, done, len(items))

        try:
            await asyncio.gather(*(one(item) for item in items))
        finally:
            self.report.run.stages[stage].seconds += time.perf_counter() - started

    def progress(self, stage: Stage, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(stage, done, total, self.report))


async def check_article(
    article: Article,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_progress: ProgressCallback | None = None,
    budget: Budget | None = None,
) -> Report:
    """Run every stage over ``article`` and return the full report.

    With a ``budget`` the run stops at its spending cap: ``SpendingCapReached`` carries the
    partial report (everything answered so far is also in the cache)."""
    if budget is not None and budget.limits.any:
        client = BudgetedClient(client, budget)
    run = _Run(article, client, prompts, on_progress)
    try:
        await _run_stages(run)
    except SpendingCapReached as err:
        err.report = run.finish()
        raise
    return run.finish()


async def _run_stages(run: _Run) -> None:
    client, prompts = run.client, run.prompts
    report = run.report
    sentences = report.sentences
    date = report.article.date
    async def guarded(
        stage: Stage, sentence: Sentence, step: Awaitable[T], claim: Claim | None = None
    ) -> T | None:
        try:
            return await step
        except ModelOutputError as err:
            run.fail(stage, sentence, err, claim)
        except BackendError as err:
            if err.unreachable:
                raise
            run.fail(stage, sentence, err, claim)
        return None

    selected: list[Sentence] = []
    selected_by: dict[str, Outcome[Any]] = {}  # sentence id → the answer that selected it

    async def select(sentence: Sentence) -> None:
        before, after = context_window(sentences, sentence.index)
        selection = await guarded(
            Stage.select, sentence, select_sentence(client, prompts.select, sentence, before, after)
        )
        if selection is None:
            return
        run.count(Stage.select, selection.outcome)
        sentence.reason = selection.reason
        if selection.verifiable:
            selected.append(sentence)
            selected_by[sentence.id] = selection.outcome
        else:
            sentence.status = selection.status

    await run.each(Stage.select, [s for s in sentences if s.status == Status.pending], select)

    extracted: dict[str, list[Claim]] = {}

    async def extract(sentence: Sentence) -> None:
        before, _ = context_window(sentences, sentence.index)
        extraction = await guarded(
            Stage.extract,
            sentence,
            extract_claims(client, prompts.extract, sentence, before=before, date=date),
        )
        if extraction is None:
            return
        run.count(Stage.extract, extraction.outcome)
        share = 1 / max(len(extraction.claims), 1)  # the sentence's calls, split evenly
        for claim in extraction.claims:
            claim.provenance = {
                Stage.select: selected_by[sentence.id].provenance,
                Stage.extract: extraction.outcome.provenance,
            }
            claim.usage = Usage.of(selected_by[sentence.id], share) + Usage.of(
                extraction.outcome, share
            )
        extracted[sentence.id] = extraction.claims
        if not extraction.claims:
            sentence.status = Status.no_claim
            sentence.reason = "no checkable claim found in it"

    await run.each(Stage.extract, sorted(selected, key=lambda s: s.index), extract)

    # Number claims in reading order, whatever order the concurrent calls finished in.
    by_id = {s.id: s for s in sentences}
    for sentence in sentences:
        for claim in extracted.get(sentence.id, []):
            claim.id = f"c{len(report.claims) + 1}"
            report.claims.append(claim)
            sentence.claim_ids.append(claim.id)
        if sentence.claim_ids:
            sentence.status = Status.claims

    async def rate(claim: Claim) -> None:
        rating = await guarded(
            Stage.checkworthiness,
            by_id[claim.sentence_id],
            rate_checkworthiness(client, prompts.checkworthiness, claim),
            claim,
        )
        if rating is not None:
            run.count(Stage.checkworthiness, rating.outcome)
            claim.checkworthiness = rating.checkworthiness
            claim.provenance[Stage.checkworthiness] = rating.outcome.provenance
            claim.usage += Usage.of(rating.outcome)

    await run.each(Stage.checkworthiness, report.claims, rate)

    async def plan(claim: Claim) -> None:
        evidence = await guarded(
            Stage.evidence,
            by_id[claim.sentence_id],
            plan_evidence(client, prompts.evidence, claim, date=date),
            claim,
        )
        if evidence is not None:
            run.count(Stage.evidence, evidence.outcome)
            claim.evidence = evidence.needs
            claim.provenance[Stage.evidence] = evidence.outcome.provenance
            claim.usage += Usage.of(evidence.outcome)

    await run.each(Stage.evidence, report.claims, plan)


def check_article_sync(
    article: Article,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_progress: ProgressCallback | None = None,
    budget: Budget | None = None,
) -> Report:
    """``check_article`` for callers without an event loop (CLI, Streamlit script thread)."""
    return asyncio.run(
        check_article(article, client, prompts, on_progress=on_progress, budget=budget)
    )
