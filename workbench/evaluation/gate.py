"""The regression gate: compare a run with the committed baseline, metric by metric.

``evals/config.toml`` names the gated metrics and the tolerance of each: a gated metric
*regresses* when it is worse than the baseline by more than its tolerance (absolute, in the
metric's own units; "worse" follows the metric's direction). Every other metric is reported with
its delta and never fails the run. The comparison is made on the fixtures both sides have; see
``baselines`` for when the baseline's numbers are the blessed ones and when they are re-scored.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from workbench.errors import ConfigError, validation_error_line
from workbench.evaluation.baselines import (
    Baseline,
    article_sha256,
    metrics_of,
    rebuild_report,
)
from workbench.evaluation.diff import FixtureDiff, diff_reports
from workbench.evaluation.fixtures import Fixture, fixture_hash
from workbench.evaluation.metrics import METRICS, MetricValues
from workbench.evaluation.scoring.suite import FixtureScores, score_report
from workbench.schema import Report, Strict


class GateSettings(Strict):
    tolerance: dict[str, float] = Field(
        default_factory=dict, description="Gated metric name -> allowed worsening (absolute)."
    )

    @field_validator("tolerance")
    @classmethod
    def _known_metrics(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
        if any(t < 0 for t in value.values()):
            raise ValueError("tolerances must be 0 or more")
        return value


class EvalConfig(Strict):
    """``evals/config.toml``."""

    gate: GateSettings = Field(default_factory=GateSettings)
    subsets: dict[str, list[str]] = Field(
        default_factory=dict, description="Named fixture subsets, e.g. 'ci' for the pytest gate."
    )
    path: Path | None = None


def load_eval_config(path: Path) -> EvalConfig:
    """Read and validate the eval config; any problem is one ConfigError line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"eval config not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    try:
        return EvalConfig.model_validate({**data, "path": path})
    except ValidationError as err:
        raise ConfigError(f"{path}: {validation_error_line(err)}") from None


class MetricDelta(Strict):
    name: str
    baseline: float | None
    current: float | None
    delta: float | None = Field(description="current - baseline; None if either is undefined.")
    tolerance: float | None = Field(description="Set for gated metrics only.")
    regressed: bool


class BaselineComparison(Strict):
    """A run against the blessed baseline: metric deltas, regressions, per-fixture diffs."""

    baseline_path: str
    baseline_backend: str
    blessed_at: str
    baseline_commit: str | None
    fixtures: list[str] = Field(description="Fixtures compared (in the run and in the baseline).")
    not_in_baseline: list[str] = Field(description="Run, but without a baseline entry: not gated.")
    article_changed: list[str] = Field(
        description="Baseline entry exists but the article text changed: not comparable."
    )
    relabelled: list[str] = Field(description="Labels changed since blessing: re-scored.")
    baseline_source: Literal["blessed", "re-scored"] = Field(
        description="blessed: the numbers stored for this fixture set; re-scored: computed now "
        "from the baseline's predictions with today's labels and scorers."
    )
    deltas: list[MetricDelta]
    regressions: list[str] = Field(description="Gated metrics worse than tolerated.")
    fixture_regressions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per fixture, gated metrics worse than its baseline entry (re-scored): "
        "where a change happened. The gate itself decides on the pooled metrics.",
    )
    diffs: list[FixtureDiff]


def is_regression(name: str, baseline: float | None, current: float | None,
                  tolerance: float) -> bool:
    """Worse than ``baseline`` by more than ``tolerance`` in the metric's direction.

    A metric that was defined and is now undefined counts as a regression: it means, e.g.,
    that no claim was matched any more.
    """
    if baseline is None:
        return False
    if current is None:
        return True
    slack = 1e-9  # float noise from pooling in another order
    if METRICS[name].higher_is_better:
        return current < baseline - tolerance - slack
    return current > baseline + tolerance + slack


def metric_deltas(baseline: MetricValues, current: MetricValues,
                  tolerance: Mapping[str, float]) -> list[MetricDelta]:
    deltas = []
    for name in METRICS:
        before, after = baseline.get(name), current.get(name)
        gated = tolerance.get(name)
        deltas.append(MetricDelta(
            name=name,
            baseline=before,
            current=after,
            delta=None if before is None or after is None else after - before,
            tolerance=gated,
            regressed=gated is not None and is_regression(name, before, after, gated),
        ))
    # Gated first, in config order; then the rest in definition order.
    order = {name: i for i, name in enumerate(tolerance)}
    return sorted(deltas, key=lambda d: (d.tolerance is None, order.get(d.name, 0)))


def compare(
    baseline: Baseline,
    baseline_path: Path,
    *,
    reports: Mapping[str, Report],
    scores: Mapping[str, FixtureScores],
    fixtures: Mapping[str, Fixture],
    tolerance: Mapping[str, float],
) -> BaselineComparison:
    """Compare this run's fixtures with the baseline on the fixtures both have."""
    run_ids = sorted(reports)
    not_in_baseline = [i for i in run_ids if i not in baseline.fixtures]
    article_changed = [
        i for i in run_ids
        if i in baseline.fixtures
        and baseline.fixtures[i].article_sha256 != article_sha256(fixtures[i].article.text)
    ]
    compared = [i for i in run_ids if i in baseline.fixtures and i not in article_changed]
    relabelled = [i for i in compared
                  if baseline.fixtures[i].fixture_hash != fixture_hash(fixtures[i])]
    before = {i: rebuild_report(baseline.fixtures[i], fixtures[i]) for i in compared}
    rescored = {i: score_report(before[i], fixtures[i]) for i in compared}
    stored = next((s for s in baseline.sets.values() if s.fixtures == compared), None)
    if stored is not None and not relabelled:
        baseline_metrics, source = stored.metrics, "blessed"
    else:
        baseline_metrics, source = metrics_of([rescored[i] for i in compared]), "re-scored"
    current_metrics = metrics_of([scores[i] for i in compared])
    deltas = metric_deltas(baseline_metrics, current_metrics, tolerance) if compared else []
    fixture_regressions = {}
    for i in compared:
        worse = [d.name for d in metric_deltas(metrics_of([rescored[i]]), metrics_of([scores[i]]),
                                               tolerance) if d.regressed]
        if worse:
            fixture_regressions[i] = worse
    return BaselineComparison(
        baseline_path=str(baseline_path),
        baseline_backend=baseline.backend,
        blessed_at=baseline.blessed_at,
        baseline_commit=baseline.provenance.git_commit,
        fixtures=compared,
        not_in_baseline=not_in_baseline,
        article_changed=article_changed,
        relabelled=relabelled,
        baseline_source=source,  # type: ignore[arg-type]
        deltas=deltas,
        regressions=[d.name for d in deltas if d.regressed],
        fixture_regressions=fixture_regressions,
        diffs=[diff_reports(before[i], reports[i], fixtures[i]) for i in compared],
    )


def select_fixtures(fixtures: Sequence[Fixture], config: EvalConfig, *, subset: str | None,
                    ids: Sequence[str]) -> list[Fixture]:
    """The fixtures to run: a named subset, explicit ids, or all of them."""
    known = {f.id: f for f in fixtures}
    wanted: list[str] = []
    if subset is not None:
        if subset not in config.subsets:
            names = ", ".join(sorted(config.subsets)) or "none defined"
            raise ConfigError(f"unknown fixture subset {subset!r} (subsets: {names})")
        wanted += config.subsets[subset]
    wanted += list(ids)
    if not wanted:
        return list(fixtures)
    missing = [i for i in wanted if i not in known]
    if missing:
        raise ConfigError(
            f"unknown fixture id(s): {', '.join(missing)} (known: {', '.join(known)})"
        )
    return [known[i] for i in dict.fromkeys(wanted)]
