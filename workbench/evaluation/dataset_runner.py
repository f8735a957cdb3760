"""The skeleton every dataset runner is built on (each runner lives with its dataset in
``datasets/``): the result of a run, stage statistics added up over the items' pipeline runs,
one sentence through the pipeline's own select -> extract -> check-worthiness steps
(``PipelineRun.for_sentence``), and items mapped with progress.

Public datasets are mostly not articles, so each runner maps its items onto the stages it has
gold for (its module docstring and ``evals/README.md`` say how) and scores a heuristic beside
the backend on the same gold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import Field

from workbench.core.prompts import PromptSet
from workbench.core.schema import Claim, Report, Sentence, Stage, StageStats, Strict
from workbench.evaluation.datasets import ItemCallback, LoadedDataset
from workbench.evaluation.fixture_runner import bounded_map
from workbench.evaluation.items import ItemCounter, ItemSpec, ItemTable, MetricItems
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scoring.health import stage_health
from workbench.evaluation.stats import Pooling
from workbench.llm import StructuredClient
from workbench.pipeline import PipelineRun

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
    item_scores: dict[str, MetricItems] = Field(
        default_factory=dict,
        description="Per-item counts of the backend's metrics (those that are sums over items).",
    )


HEALTH_METRICS = {
    "health.first_attempt_validity": "model requests valid at the first attempt",
    "health.failures": "steps that failed after retries",
    "health.tokens": "prompt + completion tokens",
    "health.seconds": "model seconds (cache hits: 0)",
}


HEALTH_ITEMS: ItemSpec = {
    "health.first_attempt_validity": ("item", Pooling.ratio),
    "health.failures": ("item", Pooling.total),
    "health.tokens": ("item", Pooling.total),
    "health.seconds": ("item", Pooling.total),
}


class StageCounter:
    """Stage statistics of a dataset run: its items' pipeline runs, added up."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, Report]] = []

    def add(self, run: PipelineRun, item: str) -> PipelineRun:
        """Count ``run``'s stages, as part of dataset item ``item``."""
        self.reports.append((item, run.report))
        return run

    def metrics(self) -> MetricValues:
        """The ``HEALTH_METRICS`` of all stages together."""
        return health_metrics(s for _, report in self.reports for s in report.run.stages.values())

    def items(self) -> ItemTable:
        """The ``HEALTH_METRICS`` per dataset item."""
        by_item: dict[str, list[StageStats]] = {}
        for item, report in self.reports:
            by_item.setdefault(item, []).extend(report.run.stages.values())
        return health_items(by_item)


def health_metrics(stats: Iterable[StageStats]) -> MetricValues:
    """The ``HEALTH_METRICS`` of stage statistics added up."""
    health = stage_health("total", StageStats.total(stats))
    return {
        "health.first_attempt_validity": health.first_attempt_validity,
        "health.failures": float(health.failures),
        "health.tokens": float(health.prompt_tokens + health.completion_tokens),
        "health.seconds": round(health.seconds, 3),
    }


def health_items(by_item: Mapping[str, Iterable[StageStats]]) -> ItemTable:
    """The ``HEALTH_METRICS`` of each dataset item's stage statistics, as items."""
    items = ItemCounter(HEALTH_ITEMS)
    for item, stats in by_item.items():
        health = stage_health("total", StageStats.total(stats))
        items.add("health.first_attempt_validity", item, health.first_attempt_valid,
                  health.model_requests)
        items.add("health.failures", item, health.failures)
        items.add("health.tokens", item, health.prompt_tokens + health.completion_tokens)
        items.add("health.seconds", item, health.seconds)
    return items.table()


async def select_extract_rate(
    client: StructuredClient,
    prompts: PromptSet,
    stats: StageCounter,
    text: str,
    *,
    item: str,
    before: str = "",
    rate: bool = True,
) -> tuple[str, list[Claim]]:
    """One sentence (of dataset item ``item``) through the pipeline's select -> extract
    (-> check-worthiness) steps; (the select answer: 'yes', a status such as 'no_claim', or
    'failed'; the claims)."""
    run = stats.add(PipelineRun.for_sentence(text, client, prompts), item)
    sentence = run.report.sentences[0]
    verifiable: list[bool] = []

    async def select(one: Sentence) -> None:
        verifiable.append(await run.select(one, before, ""))

    await run.each(Stage.select, [sentence], select)
    if not verifiable[0]:
        return sentence.status.value, []
    extracted: list[list[Claim] | None] = []

    async def extract(one: Sentence) -> None:
        extracted.append(await run.extract(one, before))

    await run.each(Stage.extract, [sentence], extract)
    claims = extracted[0]
    if claims is None:
        return "failed", []
    if rate:
        await run.each(Stage.checkworthiness, claims, run.rate)
    return "yes", claims


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
    item_scores: ItemTable,
) -> DatasetRun:
    """The run's result: the backend's ``metrics`` then its ``health`` (``HEALTH_METRICS``,
    unless ``descriptions`` describes them otherwise); ``rows`` are the per-item predictions,
    one per item scored; ``item_scores`` the per-item counts of the metrics (and health)."""
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
        item_scores=item_scores,
    )
