"""The skeleton every dataset runner is built on (each runner lives with its dataset in
``datasets/``): the result of a run, stage statistics counted as the pipeline counts them, one
sentence through select -> extract -> rate, and items mapped with progress.

Public datasets are mostly not articles, so each runner maps its items onto the stages it has
gold for (its module docstring and ``evals/README.md`` say how) and scores a heuristic beside
the backend on the same gold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from pydantic import Field

from workbench.checkworthiness import rate_checkworthiness
from workbench.errors import BackendError, ModelOutputError
from workbench.evaluation.datasets import ItemCallback, LoadedDataset
from workbench.evaluation.fixture_runner import bounded_map
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scoring.health import stage_health
from workbench.extract import extract_claims
from workbench.llm import Outcome, StructuredClient
from workbench.pipeline import count_failure, count_outcome
from workbench.prompts import PromptSet
from workbench.schema import Claim, Role, Sentence, StageStats, Strict
from workbench.select import select_sentence

T = TypeVar("T")
R = TypeVar("R")


class DatasetRun(Strict):
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


HEALTH_METRICS = {
    "health.first_attempt_validity": "model requests valid at the first attempt",
    "health.failures": "steps that failed after retries",
    "health.tokens": "prompt + completion tokens",
    "health.seconds": "model seconds (cache hits: 0)",
}


class StageCounter:
    """Stage statistics of a dataset run, counted as the pipeline counts them."""

    def __init__(self) -> None:
        self.stages: dict[str, StageStats] = {}

    def count(self, stage: str, outcome: Outcome[Any]) -> None:
        stats = self.stages.setdefault(stage, StageStats())
        count_outcome(stats, outcome)
        stats.seconds += outcome.seconds  # no stage wall time here: the model's seconds

    def fail(self, stage: str, err: Exception) -> None:
        count_failure(self.stages.setdefault(stage, StageStats()), err)

    def metrics(self) -> MetricValues:
        """The ``HEALTH_METRICS`` of all stages together."""
        return health_metrics(self.stages.values())


def health_metrics(stats: Iterable[StageStats]) -> MetricValues:
    """The ``HEALTH_METRICS`` of stage statistics added up."""
    health = stage_health("total", StageStats.total(stats))
    return {
        "health.first_attempt_validity": health.first_attempt_validity,
        "health.failures": float(health.failures),
        "health.tokens": float(health.prompt_tokens + health.completion_tokens),
        "health.seconds": round(health.seconds, 3),
    }


async def guarded(stats: StageCounter, stage: str, step: Awaitable[T]) -> T | None:
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


async def select_extract_rate(
    client: StructuredClient,
    prompts: PromptSet,
    stats: StageCounter,
    text: str,
    *,
    before: str = "",
    rate: bool = True,
) -> tuple[str, list[Claim]]:
    """One sentence through select -> extract (-> rate); (select answer or 'failed', claims)."""
    sentence = _one_sentence(text)
    selection = await guarded(
        stats, "select", select_sentence(client, prompts.select, sentence, before, "")
    )
    if selection is None:
        return "failed", []
    stats.count("select", selection.outcome)
    answer = "yes" if selection.verifiable else selection.status.value
    if not selection.verifiable:
        return answer, []
    extraction = await guarded(
        stats,
        "extract",
        extract_claims(client, prompts.extract, sentence, before=before, date=None),
    )
    if extraction is None:
        return "failed", []
    stats.count("extract", extraction.outcome)
    if rate:
        for claim in extraction.claims:
            rating = await guarded(
                stats,
                "checkworthiness",
                rate_checkworthiness(client, prompts.checkworthiness, claim),
            )
            if rating is not None:
                stats.count("checkworthiness", rating.outcome)
                claim.checkworthiness = rating.checkworthiness
    return answer, extraction.claims


async def run_items(
    items: Sequence[T],
    work: Callable[[T], Awaitable[R]],
    *,
    in_flight: int,
    on_item: ItemCallback | None,
) -> list[R]:
    """``work`` over ``items``, ``in_flight`` at a time, reporting each finished item."""
    done = 0

    async def one(item: T) -> R:
        nonlocal done
        result = await work(item)
        done += 1
        if on_item is not None:
            on_item(done, len(items))
        return result

    return await bounded_map(items, in_flight, one)


def dataset_run(
    dataset: LoadedDataset,
    metrics: MetricValues,
    health: MetricValues,
    heuristic: MetricValues,
    descriptions: dict[str, str],
    rows: list[dict[str, Any]],
) -> DatasetRun:
    """The run's result: the backend's ``metrics`` then its ``health`` (``HEALTH_METRICS``,
    unless ``descriptions`` describes them otherwise); ``rows`` are the per-item predictions,
    one per item scored."""
    return DatasetRun(
        dataset=dataset.spec.name,
        spec=f"{dataset.spec.name}:{dataset.spec.path}",
        total=dataset.total,
        limit=dataset.limit,
        items=len(rows),
        skipped=len(dataset.items) - len(rows),
        source_sha256=dataset.source_sha256,
        metrics={**metrics, **health},
        heuristic=heuristic,
        descriptions={
            **descriptions,
            **{k: v for k, v in HEALTH_METRICS.items() if k not in descriptions},
        },
        predictions=rows,
    )
