"""Run a backend over the hand-labelled fixtures or a public dataset and score it, with the
non-LLM heuristic scored beside it on the same gold.

Fixtures go through the real pipeline (``check_article``), one article each, exactly as
``workbench extract`` would run them. Public datasets are not articles, so each maps onto the
stages it has gold for (documented in ``evals/README.md``):

- **CheckThat! 2024** (sentence -> check-worthy yes/no): each sentence is a one-sentence article
  through select -> extract -> rate; predicted yes when one of its claims is rated
  ``check_worthy`` (rating 4-5). F1 of the yes class is the lab's official metric.
- **Factcheck-GPT** (sentence -> gold atomic claims): each sentence of a ChatGPT answer, with the
  answer's preceding text as context, through select -> extract; its claims are aligned to the
  gold *factual* claims (``align_claims``: the fixtures' alignment, text only since the gold has
  no quotes) and pooled into claim P/R/F1; sentence detection is scored against the sentence
  label ``yes``.
- **AVeriTeC** (claim -> gold questions): each claim, with its speaker as claimer and its date,
  through the evidence stage; the planned questions are scored against the gold questions with
  Hungarian-matched METEOR (AVeriTeC's question-only score), averaged over claims.

The heuristic beside them: ``cues.rate_sentence`` for CheckThat!, one claim per flagged
sentence (the sentence itself) for Factcheck-GPT and the fixtures, ``template_questions`` for
AVeriTeC.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from workbench.checkworthiness import rate_checkworthiness
from workbench.cues import rate_sentence
from workbench.errors import BackendError, ModelOutputError
from workbench.evaluation.baseline import template_questions
from workbench.evaluation.baselines import heuristic_scores
from workbench.evaluation.datasets import (
    AveritecClaim,
    CheckworthySentence,
    DecomposedSentence,
    LoadedDataset,
)
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scorers import (
    PRF,
    ClaimForAlignment,
    FixtureScores,
    align_claims,
    score_checkworthiness,
    score_questions,
    score_report,
    stage_health,
    sum_prf,
)
from workbench.evidence import plan_evidence
from workbench.extract import extract_claims
from workbench.llm import Outcome, StructuredClient
from workbench.pipeline import check_article, count_failure, count_outcome
from workbench.prompts import PromptSet
from workbench.schema import (
    CheckLabel,
    Claim,
    ClaimType,
    Report,
    Role,
    Sentence,
    StageStats,
)
from workbench.select import select_sentence

T = TypeVar("T")
R = TypeVar("R")


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@dataclass
class FixtureRun:
    """One fixture through the pipeline, scored, with the heuristic scored beside it."""

    fixture: Fixture
    report: Report
    scores: FixtureScores
    heuristic: FixtureScores
    seconds: float


FixtureCallback = Callable[[Fixture, Report, float, int, int], None]


async def _bounded_map(
    items: Sequence[T], limit: int, work: Callable[[T], Awaitable[R]]
) -> list[R]:
    """``work`` over ``items`` with at most ``limit`` in flight; results in input order."""
    semaphore = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> R:
        async with semaphore:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


async def run_fixtures(
    fixtures: Sequence[Fixture],
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_fixture: FixtureCallback | None = None,
) -> list[FixtureRun]:
    """Check every fixture's article with the pipeline, then score each against its labels.

    Articles run one at a time on a backend of concurrency 1 (the embedded model: one article's
    stage-major order keeps llama.cpp's prompt prefix warm), else as many as it takes requests.
    An unreachable backend aborts the run (``BackendError``); a step that fails after retries
    only marks its sentence or claim, as in ``workbench extract``. Scoring waits until every
    article is done, so its CPU time does not count against any article's seconds.
    ``on_fixture(fixture, report, seconds, done, total)`` reports each finished article.
    """
    done = 0

    async def check(fixture: Fixture) -> tuple[Report, float]:
        nonlocal done
        started = time.perf_counter()
        report = await check_article(fixture.article, client, prompts)
        seconds = time.perf_counter() - started
        done += 1
        if on_fixture is not None:
            on_fixture(fixture, report, seconds, done, len(fixtures))
        return report, seconds

    checked = await _bounded_map(fixtures, client.concurrency, check)
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


# --------------------------------------------------------------------------------------------
# Public datasets
# --------------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetRun(_Model):
    """A backend and the heuristic on a sample of a public dataset."""

    dataset: str
    spec: str
    total: int = Field(description="Items in the data file.")
    limit: int | None
    items: int = Field(description="Items run and scored (of the stable sample).")
    skipped: int = Field(default=0, description="Items without gold to score (e.g. no questions).")
    source_sha256: str
    metrics: MetricValues
    heuristic: MetricValues
    descriptions: dict[str, str] = Field(description="What each metric name means here.")
    predictions: list[dict[str, Any]] = Field(description="Per item: gold, prediction, heuristic.")


ItemCallback = Callable[[int, int], None]


class _Stats:
    """Stage statistics of a dataset run, counted as the pipeline counts them."""

    def __init__(self) -> None:
        self.stages: dict[str, StageStats] = {}

    def count(self, stage: str, outcome: Outcome) -> None:
        stats = self.stages.setdefault(stage, StageStats())
        count_outcome(stats, outcome)
        stats.seconds += outcome.seconds  # no stage wall time here: the model's seconds

    def fail(self, stage: str, err: Exception) -> None:
        count_failure(self.stages.setdefault(stage, StageStats()), err)

    def metrics(self) -> MetricValues:
        health = stage_health("total", StageStats.total(self.stages.values()))
        return {
            "health.first_attempt_validity": health.first_attempt_validity,
            "health.failures": float(health.failures),
            "health.tokens": float(health.prompt_tokens + health.completion_tokens),
            "health.seconds": round(health.seconds, 3),
        }


async def _guarded(stats: _Stats, stage: str, step: Awaitable[T]) -> T | None:
    """A stage step; a failure after retries is counted and yields None (as in the pipeline)."""
    try:
        return await step
    except ModelOutputError as err:
        stats.fail(stage, err)
    except BackendError as err:
        if err.unreachable:
            raise
        stats.fail(stage, err)
    return None


def _one_sentence(text: str) -> Sentence:
    return Sentence(
        id="s1", index=0, paragraph=0, start=0, end=len(text), text=text, role=Role.body
    )


async def _select_extract_rate(
    client: StructuredClient,
    prompts: PromptSet,
    stats: _Stats,
    text: str,
    *,
    before: str = "",
    rate: bool = True,
) -> tuple[str, list[Claim]]:
    """One sentence through select -> extract (-> rate); (select answer or 'failed', claims)."""
    sentence = _one_sentence(text)
    selection = await _guarded(
        stats, "select", select_sentence(client, prompts["select"], sentence, before, "")
    )
    if selection is None:
        return "failed", []
    stats.count("select", selection.outcome)
    answer = "yes" if selection.verifiable else selection.status.value
    if not selection.verifiable:
        return answer, []
    extraction = await _guarded(
        stats,
        "extract",
        extract_claims(client, prompts["extract"], sentence, before=before, date=None),
    )
    if extraction is None:
        return "failed", []
    stats.count("extract", extraction.outcome)
    if rate:
        for claim in extraction.claims:
            rating = await _guarded(
                stats,
                "checkworthiness",
                rate_checkworthiness(client, prompts["checkworthiness"], claim),
            )
            if rating is not None:
                stats.count("checkworthiness", rating.outcome)
                claim.checkworthiness = rating.checkworthiness
    return answer, extraction.claims


def _is_worthy(claim: Claim) -> bool:
    rating = claim.checkworthiness
    return rating is not None and rating.label == CheckLabel.check_worthy


CHECKTHAT_METRICS = {
    "checkworthiness.f1": "F1 of the Yes class (official): yes = a claim rated check_worthy",
    "checkworthiness.precision": "precision of the Yes class",
    "checkworthiness.recall": "recall of the Yes class",
    "checkworthiness.accuracy": "share of sentences with the right yes/no",
    "checkworthiness.spearman": "Spearman rho of the best claim score (0 if none) vs gold",
    "detection.f1": "F1 of the Yes class when any extracted claim counts as yes",
    "health.first_attempt_validity": "model requests valid at the first attempt",
    "health.failures": "steps that failed after retries",
    "health.tokens": "prompt + completion tokens",
    "health.seconds": "model seconds (cache hits: 0)",
}


async def run_checkthat(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    items: list[CheckworthySentence] = list(dataset.items)  # type: ignore[arg-type]
    stats = _Stats()
    done = 0

    async def one(item: CheckworthySentence) -> dict[str, Any]:
        nonlocal done
        answer, claims = await _select_extract_rate(client, prompts, stats, item.text)
        verdict = rate_sentence(item.text)
        done += 1
        if on_item is not None:
            on_item(done, len(items))
        return {
            "id": item.id,
            "text": item.text,
            "gold": item.check_worthy,
            "select": answer,
            "claims": [c.text for c in claims],
            "score": max(
                (c.checkworthiness.score for c in claims if c.checkworthiness), default=0.0
            ),
            "predicted": any(_is_worthy(c) for c in claims),
            "detected": bool(claims),
            "heuristic_score": round(verdict.score, 4),
            "heuristic": verdict.check_worthy,
        }

    rows = await _bounded_map(items, max(2, client.concurrency * 2), one)
    gold = [r["gold"] for r in rows]

    def metrics(predicted: list[bool], scores: list[float], detected: list[bool]) -> MetricValues:
        result = score_checkworthiness(gold, predicted, scores)
        return {
            "checkworthiness.f1": result.positive.f1,
            "checkworthiness.precision": result.positive.precision,
            "checkworthiness.recall": result.positive.recall,
            "checkworthiness.accuracy": result.accuracy,
            "checkworthiness.spearman": result.spearman,
            "detection.f1": score_checkworthiness(gold, detected).positive.f1,
        }

    backend = metrics(
        [r["predicted"] for r in rows], [r["score"] for r in rows], [r["detected"] for r in rows]
    )
    heuristic = metrics(
        [r["heuristic"] for r in rows],
        [r["heuristic_score"] for r in rows],
        [r["heuristic"] for r in rows],
    )
    return _dataset_run(dataset, {**backend, **stats.metrics()}, heuristic, CHECKTHAT_METRICS, rows)


FACTCHECK_METRICS = {
    "claims.f1": "claim alignment F1 against the gold factual claims (pooled over sentences)",
    "claims.precision": "share of predicted claims matched to a gold factual claim",
    "claims.recall": "share of gold factual claims found",
    "sentences.f1": "sentence detection F1: yes = at least one claim; gold = sentence label yes",
    "sentences.precision": "sentence detection precision",
    "sentences.recall": "sentence detection recall",
    "health.first_attempt_validity": CHECKTHAT_METRICS["health.first_attempt_validity"],
    "health.failures": CHECKTHAT_METRICS["health.failures"],
    "health.tokens": CHECKTHAT_METRICS["health.tokens"],
    "health.seconds": CHECKTHAT_METRICS["health.seconds"],
}


def _preceding_text(item: DecomposedSentence, limit: int = 400) -> str:
    """The answer's text before the sentence (last ``limit`` characters, whole words)."""
    position = item.context.find(item.text)
    if position <= 0:
        return ""
    before = " ".join(item.context[:position].split())
    if len(before) > limit:
        before = before[-limit:].split(" ", 1)[-1]
    return before


def _alignment(predicted: Sequence[str], gold: Sequence[str]) -> PRF:
    return align_claims(
        [ClaimForAlignment(text=t) for t in predicted], [ClaimForAlignment(text=t) for t in gold]
    ).prf


async def run_factcheck_gpt(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    items: list[DecomposedSentence] = list(dataset.items)  # type: ignore[arg-type]
    stats = _Stats()
    done = 0

    async def one(item: DecomposedSentence) -> dict[str, Any]:
        nonlocal done
        answer, claims = await _select_extract_rate(
            client, prompts, stats, item.text, before=_preceding_text(item), rate=False
        )
        flagged = rate_sentence(item.text).check_worthy
        done += 1
        if on_item is not None:
            on_item(done, len(items))
        return {
            "id": item.id,
            "text": item.text,
            "gold_label": item.label,
            "gold_claims": [c.text for c in item.claims if c.check_worthy],
            "select": answer,
            "claims": [c.text for c in claims],
            "heuristic_claims": [item.text] if flagged else [],
        }

    rows = await _bounded_map(items, max(2, client.concurrency * 2), one)
    gold_sentences = [r["gold_label"] == "yes" for r in rows]

    def metrics(key: str) -> MetricValues:
        claims = sum_prf(_alignment(r[key], r["gold_claims"]) for r in rows)
        sentences = score_checkworthiness(gold_sentences, [bool(r[key]) for r in rows]).positive
        return {
            "claims.f1": claims.f1,
            "claims.precision": claims.precision,
            "claims.recall": claims.recall,
            "sentences.f1": sentences.f1,
            "sentences.precision": sentences.precision,
            "sentences.recall": sentences.recall,
        }

    return _dataset_run(
        dataset,
        {**metrics("claims"), **stats.metrics()},
        metrics("heuristic_claims"),
        FACTCHECK_METRICS,
        rows,
    )


AVERITEC_METRICS = {
    "questions.meteor": "AVeriTeC question-only score: Hungarian-matched METEOR, mean over claims",
    "questions.per_claim": "questions generated per claim (at most 10 are scored)",
    "health.first_attempt_validity": CHECKTHAT_METRICS["health.first_attempt_validity"],
    "health.failures": CHECKTHAT_METRICS["health.failures"],
    "health.tokens": CHECKTHAT_METRICS["health.tokens"],
    "health.seconds": CHECKTHAT_METRICS["health.seconds"],
}


async def run_averitec(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    items = [i for i in dataset.items if isinstance(i, AveritecClaim) and i.questions]
    stats = _Stats()
    done = 0

    async def one(item: AveritecClaim) -> dict[str, Any]:
        nonlocal done
        claim = Claim(
            id="c1",
            sentence_id="s1",
            text=item.claim,
            quote=item.claim,
            start=0,
            end=len(item.claim),
            claimer=item.speaker or "the author",
            type=ClaimType.statement,
        )
        plan = await _guarded(
            stats,
            "evidence",
            plan_evidence(client, prompts["evidence"], claim, date=item.claim_date),
        )
        questions: list[str] = []
        kinds: list[str] = []
        if plan is not None:
            stats.count("evidence", plan.outcome)
            questions = [q for need in plan.needs for q in need.questions]
            kinds = [need.kind.value for need in plan.needs]
        template = template_questions(item.claim)
        done += 1
        if on_item is not None:
            on_item(done, len(items))
        return {
            "id": item.id,
            "claim": item.claim,
            "speaker": item.speaker,
            "gold_questions": item.questions,
            "questions": questions,
            "kinds": kinds,
            "score": score_questions(questions, item.questions).score,
            "heuristic_questions": template,
            "heuristic_score": score_questions(template, item.questions).score,
        }

    rows = await _bounded_map(items, max(2, client.concurrency * 2), one)

    def mean(key: str) -> float | None:
        values = [float(r[key]) for r in rows]
        return sum(values) / len(values) if values else None

    backend = {
        "questions.meteor": mean("score"),
        "questions.per_claim": (
            sum(len(r["questions"]) for r in rows) / len(rows) if rows else None
        ),
    }
    heuristic = {
        "questions.meteor": mean("heuristic_score"),
        "questions.per_claim": 2.0 if rows else None,
    }
    return _dataset_run(dataset, {**backend, **stats.metrics()}, heuristic, AVERITEC_METRICS, rows)


def _dataset_run(
    dataset: LoadedDataset,
    metrics: MetricValues,
    heuristic: MetricValues,
    descriptions: dict[str, str],
    rows: list[dict[str, Any]],
) -> DatasetRun:
    return DatasetRun(
        dataset=dataset.spec.name,
        spec=f"{dataset.spec.name}:{dataset.spec.path}",
        total=dataset.total,
        limit=dataset.limit,
        items=len(rows),
        skipped=len(dataset.items) - len(rows),
        source_sha256=dataset.source_sha256,
        metrics=metrics,
        heuristic=heuristic,
        descriptions=descriptions,
        predictions=rows,
    )


DATASET_RUNNERS = {
    "checkthat": run_checkthat,
    "factcheck-gpt": run_factcheck_gpt,
    "averitec": run_averitec,
}


async def run_dataset(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    """Run and score the dataset's stable sample (mapping: see the module docstring)."""
    return await DATASET_RUNNERS[dataset.spec.name](dataset, client, prompts, on_item=on_item)
