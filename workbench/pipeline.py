"""The composer: text → segment → select → extract → checkworthiness → evidence → Report.

Stages run one after another over the whole article (stage-major), each over its sentences or
claims concurrently, bounded by the backend's concurrency. Stage-major order also lets the
embedded llama.cpp model reuse the evaluated prompt prefix (system message and few-shot turns)
from one call to the next. Claims join the report while the extract stage runs, as soon as their
sentence and every selected sentence before it are done (``ReadingOrder``): they are numbered
c1, c2, ... in reading order then, so an id a live view shows never changes; check-worthiness and
evidence plans arrive later on the same claim objects. A step that fails after retries marks its
sentence ``failed`` (or leaves its claim unrated) and is listed in ``Report.failures``; only an
unreachable backend aborts the run. Every finished call is in the cache, so a re-run resumes
where this one stopped. Topics of interest, when given, are read onto the finished claims
(``assign_topics``): no stage and no cache key sees them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from workbench.core.budget import Budget
from workbench.core.errors import BackendError, ModelOutputError, SpendingCapReached
from workbench.core.prompts import PromptSet
from workbench.core.schema import (
    Article,
    Claim,
    Failure,
    Paragraph,
    QuoteSpan,
    Report,
    Role,
    RunInfo,
    Sentence,
    Stage,
    StageStats,
    Status,
    Usage,
)
from workbench.language.segment import article_date, segment_article
from workbench.language.sources import same_source
from workbench.language.support import claim_grounds, same_proposition
from workbench.llm import Outcome, StructuredClient
from workbench.llm.wrappers import BudgetedClient, response_store
from workbench.stages.checkworthiness import rate_checkworthiness
from workbench.stages.evidence import plan_evidence
from workbench.stages.extract import extract_claims
from workbench.stages.select import context_window, select_sentence

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """What the pipeline is doing, for progress bars and live views."""

    stage: Stage
    done: int
    total: int
    report: Report  # the partial report so far (claims appear as they are ready)
    released: tuple[Claim, ...] = ()  # claims added to the report since the last event


ProgressCallback = Callable[[Progress], None]


class ReadingOrder:
    """Adds extracted claims to a report in reading order while the extractions finish in any.

    A sentence's claims are released once it and every selected sentence before it have
    finished; they are numbered c1, c2, ... then, so an id is final the moment it appears. A
    failed extraction releases nothing and holds up nothing. A claim that repeats one already
    released (same claimer, near-identical text: ``support.same_proposition``) is not a new
    claim: its quote joins the earlier claim's ``also_quoted`` and its sentence points to it.
    """

    def __init__(self, report: Report, sentences: list[Sentence]) -> None:
        self.report = report
        self.waiting = deque(sorted(sentences, key=lambda s: s.index))
        self.finished: dict[str, list[Claim]] = {}

    def finish(self, sentence: Sentence, claims: list[Claim] | None) -> list[Claim]:
        """Record ``sentence``'s extraction (None: failed); the claims this releases."""
        self.finished[sentence.id] = claims or []
        released: list[Claim] = []
        while self.waiting and self.waiting[0].id in self.finished:
            front = self.waiting.popleft()
            for claim in self.finished.pop(front.id):
                twin = self.twin_of(claim)
                if twin is not None:
                    where = {"quote": claim.quote, "start": claim.start, "end": claim.end}
                    twin.also_quoted.append(QuoteSpan(sentence_id=front.id, **where))
                    if twin.id not in front.claim_ids:
                        front.claim_ids.append(twin.id)
                    continue
                claim.id = f"c{len(self.report.claims) + 1}"
                self.report.claims.append(claim)
                front.claim_ids.append(claim.id)
                released.append(claim)
            if front.claim_ids:
                front.status = Status.claims
        return released

    def twin_of(self, claim: Claim) -> Claim | None:
        """An earlier sentence's claim that says the same thing, by the same claimer."""
        return next(
            (
                earlier
                for earlier in self.report.claims
                if earlier.sentence_id != claim.sentence_id
                and same_source(earlier.claimer, claim.claimer)
                and same_proposition(earlier.text, claim.text)
            ),
            None,
        )


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


class PipelineRun:
    """One run: the report being filled, per-stage statistics, and the per-sentence steps.

    ``check_article`` runs the steps stage-major over a whole article; the dataset runners of
    the eval suite run them on single sentences (``for_sentence``), so both count, guard and
    record failures the same way.
    """

    def __init__(
        self,
        article: Article,
        client: StructuredClient,
        prompts: PromptSet,
        on_progress: ProgressCallback | None = None,
        *,
        segmented: tuple[list[Paragraph], list[Sentence]] | None = None,
    ) -> None:
        self.client = client
        self.memo = response_store(client)  # where extract remembers its parser's options
        self.prompts = prompts
        self.on_progress = on_progress
        paragraphs, sentences = segmented or segment_article(article)
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
        self._selected_by: dict[str, Outcome[Any]] = {}  # sentence id → its select answer
        self._sentences = {s.id: s for s in sentences}
        self._released: list[Claim] = []  # for the next progress event

    @classmethod
    def for_sentence(
        cls, text: str, client: StructuredClient, prompts: PromptSet, *, date: str | None = None
    ) -> PipelineRun:
        """A run over one body sentence (a dataset item that is no article)."""
        sentence = Sentence(
            id="s1", index=0, paragraph=0, start=0, end=len(text), text=text, role=Role.body
        )
        paragraph = Paragraph(index=0, start=0, end=len(text), role=Role.body)
        article = Article(text=text, date=date or "")
        return cls(article, client, prompts, segmented=([paragraph], [sentence]))

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

    async def guarded(
        self, stage: Stage, sentence: Sentence, step: Awaitable[T], claim: Claim | None = None
    ) -> T | None:
        """A step; a failure after retries is recorded and yields None (an unreachable backend
        aborts the run: the rest would fail the same way)."""
        try:
            return await step
        except ModelOutputError as err:
            self.fail(stage, sentence, err, claim)
        except BackendError as err:
            if err.unreachable:
                raise
            self.fail(stage, sentence, err, claim)
        return None

    def sentence(self, sentence_id: str) -> Sentence:
        return self._sentences[sentence_id]

    # -- the steps ---------------------------------------------------------------------------

    async def select(self, sentence: Sentence, before: str, after: str) -> bool:
        """Whether ``sentence`` is worth extracting from; its status and reason are set."""
        selection = await self.guarded(
            Stage.select,
            sentence,
            select_sentence(self.client, self.prompts.select, sentence, before, after),
        )
        if selection is None:
            return False
        self.count(Stage.select, selection.outcome)
        sentence.reason = selection.reason
        if selection.verifiable:
            self._selected_by[sentence.id] = selection.outcome
        else:
            sentence.status = selection.status
        return selection.verifiable

    async def extract(self, sentence: Sentence, before: str) -> list[Claim] | None:
        """The claims of a selected sentence (not yet numbered: ``ReadingOrder`` does that);
        None: failed."""
        extraction = await self.guarded(
            Stage.extract,
            sentence,
            extract_claims(
                self.client,
                self.prompts.extract,
                sentence,
                before=before,
                date=self.report.article.date,
                grounds=claim_grounds(self.report, sentence),
                memo=self.memo,
            ),
        )
        if extraction is None:
            return None
        self.count(Stage.extract, extraction.outcome)
        selected = self._selected_by.get(sentence.id)
        share = 1 / max(len(extraction.claims), 1)  # the sentence's calls, split evenly
        for claim in extraction.claims:
            claim.provenance = {Stage.extract: extraction.outcome.provenance}
            claim.usage = Usage.of(extraction.outcome, share)
            if selected is not None:
                claim.provenance = {Stage.select: selected.provenance, **claim.provenance}
                claim.usage += Usage.of(selected, share)
        if not extraction.claims:
            sentence.status = Status.no_claim
            sentence.reason = "no checkable claim found in it"
        return extraction.claims

    async def rate(self, claim: Claim) -> None:
        sentence = self.sentence(claim.sentence_id)
        rating = await self.guarded(
            Stage.checkworthiness,
            sentence,
            rate_checkworthiness(self.client, self.prompts.checkworthiness, claim, sentence.text),
            claim,
        )
        if rating is not None:
            self.count(Stage.checkworthiness, rating.outcome)
            claim.checkworthiness = rating.checkworthiness
            claim.provenance[Stage.checkworthiness] = rating.outcome.provenance
            claim.usage += Usage.of(rating.outcome)

    async def plan(self, claim: Claim) -> None:
        evidence = await self.guarded(
            Stage.evidence,
            self.sentence(claim.sentence_id),
            plan_evidence(self.client, self.prompts.evidence, claim, date=self.report.article.date),
            claim,
        )
        if evidence is not None:
            self.count(Stage.evidence, evidence.outcome)
            claim.evidence = evidence.needs
            claim.provenance[Stage.evidence] = evidence.outcome.provenance
            claim.usage += Usage.of(evidence.outcome)

    # -- stage-major -------------------------------------------------------------------------

    async def each(self, stage: Stage, items: list[T], work: Callable[[T], Awaitable[Any]]) -> None:
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
        released, self._released = tuple(self._released), []
        if self.on_progress is not None:
            self.on_progress(Progress(stage, done, total, self.report, released))

    async def run_all(self) -> None:
        """Every stage over the whole article, one stage after another."""
        sentences = self.report.sentences
        selected: list[Sentence] = []

        async def select(sentence: Sentence) -> None:
            if await self.select(sentence, *context_window(sentences, sentence.index)):
                selected.append(sentence)

        await self.each(Stage.select, [s for s in sentences if s.status == Status.pending], select)

        # Selection finishes in any order; calls go out, and claims are numbered, in reading order.
        selected.sort(key=lambda s: s.index)
        order = ReadingOrder(self.report, selected)

        async def extract(sentence: Sentence) -> None:
            claims = await self.extract(sentence, context_window(sentences, sentence.index)[0])
            self._released += order.finish(sentence, claims)  # shown by the next progress event

        await self.each(Stage.extract, selected, extract)
        await self.each(Stage.checkworthiness, self.report.claims, self.rate)
        await self.each(Stage.evidence, self.report.claims, self.plan)


def assign_topics(report: Report, topics: Sequence[str]) -> Report:
    """Each claim's relevance to every topic of interest and the topics it is about
    (``workbench.classifier.topics``), in the order given; no topic leaves the report as it is."""
    if not topics:
        return report
    from workbench.classifier.topics import relevance

    for claim, found in zip(
        report.claims, relevance(topics, [c.text for c in report.claims]), strict=True
    ):
        claim.topic_relevance, claim.topics = found.scores, found.about
    return report


async def check_article(
    article: Article,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_progress: ProgressCallback | None = None,
    budget: Budget | None = None,
    topics: Sequence[str] = (),
) -> Report:
    """Run every stage over ``article`` and return the full report.

    With ``topics`` (cleaned: ``workbench.core.config.clean_topics``) each claim is given
    its relevance to each and the topics it is about, once every stage is done. With a
    ``budget`` the run stops at its spending cap: ``SpendingCapReached`` carries the partial
    report (everything answered so far is also in the cache)."""
    if budget is not None and budget.limits.any:
        client = BudgetedClient(client, budget)
    run = PipelineRun(article, client, prompts, on_progress)
    try:
        await run.run_all()
    except SpendingCapReached as err:
        err.report = assign_topics(run.finish(), topics)
        raise
    return assign_topics(run.finish(), topics)


def check_article_sync(
    article: Article,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_progress: ProgressCallback | None = None,
    budget: Budget | None = None,
    topics: Sequence[str] = (),
) -> Report:
    """``check_article`` for callers without an event loop (CLI, Streamlit script thread)."""
    return asyncio.run(
        check_article(
            article, client, prompts, on_progress=on_progress, budget=budget, topics=topics
        )
    )
