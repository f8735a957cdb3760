"""Structured-output health: validity at the first attempt, re-asks, failures and cost per stage,
from the stage statistics a run records (``Report.run.stages``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import Field

from workbench.core.schema import RunInfo, StageStats, Strict


class StageHealth(Strict):
    """How a stage's structured output behaved: validity, re-asks, cost."""

    stage: str
    calls: int
    cache_hits: int
    cache_misses: int
    model_requests: int = Field(description="Calls that went to the model: calls - cache_hits.")
    attempts: int = Field(description="Model calls made, re-asks included.")
    reasks: int = Field(description="attempts - model_requests: extra calls after invalid output.")
    first_attempt_valid: int
    first_attempt_validity: float | None = Field(
        description="first_attempt_valid / model_requests; None when nothing reached the model."
    )
    reasks_per_request: float | None
    failures: int = Field(description="Requests that never produced valid output.")
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    seconds: float
    stats: StageStats = Field(description="The raw counts these figures come from.")


class OutputHealthResult(Strict):
    stages: list[StageHealth] = Field(description="One entry per stage, in run order.")
    total: StageHealth = Field(description="All stages added up (stage name 'total').")


def sum_stage_stats(stats: Iterable[StageStats]) -> StageStats:
    """Add stage statistics up, e.g. one stage over many reports."""
    return StageStats.total(stats)


def stage_health(stage: str, stats: StageStats) -> StageHealth:
    """Derived health figures of one stage's statistics."""
    requests = max(stats.calls - stats.cache_hits, 0)
    reasks = max(stats.attempts - requests, 0)
    return StageHealth(
        stage=stage,
        calls=stats.calls,
        cache_hits=stats.cache_hits,
        cache_misses=stats.cache_misses,
        model_requests=requests,
        attempts=stats.attempts,
        reasks=reasks,
        first_attempt_valid=stats.first_attempt_valid,
        first_attempt_validity=stats.first_attempt_valid / requests if requests else None,
        reasks_per_request=reasks / requests if requests else None,
        failures=stats.failures,
        prompt_tokens=stats.prompt_tokens,
        completion_tokens=stats.completion_tokens,
        cost_usd=stats.cost_usd,
        seconds=stats.seconds,
        stats=stats,
    )


def score_output_health(runs: RunInfo | Iterable[RunInfo]) -> OutputHealthResult:
    """Structured-output health from ``Report.run.stages`` of one run or several (summed)."""
    run_list = [runs] if isinstance(runs, RunInfo) else list(runs)
    return _health_of_stages([(n, s) for run in run_list for n, s in run.stages.items()])


def pool_output_health(results: Iterable[OutputHealthResult]) -> OutputHealthResult:
    """Add up several health results stage by stage (e.g. one per fixture)."""
    return _health_of_stages(
        [(stage.stage, stage.stats) for result in results for stage in result.stages]
    )


def _health_of_stages(named_stats: Sequence[tuple[str, StageStats]]) -> OutputHealthResult:
    by_stage: dict[str, list[StageStats]] = {}
    for name, stats in named_stats:
        by_stage.setdefault(name, []).append(stats)
    stages = [stage_health(name, sum_stage_stats(items)) for name, items in by_stage.items()]
    all_stats = [s for items in by_stage.values() for s in items]
    return OutputHealthResult(
        stages=stages, total=stage_health("total", sum_stage_stats(all_stats))
    )
