"""The regression gate: compare a run with the committed baseline, metric by metric.

``evals/config.toml`` names the gated metrics and the tolerance of each: a gated metric
*regresses* when it is worse than the baseline by more than its tolerance (absolute, in the
metric's own units; "worse" follows the metric's direction). Every other metric is reported with
its delta and never fails the run. The comparison is made on the fixtures both sides have; see
``baselines`` for when the baseline's numbers are the blessed ones and when they are re-scored.

Every delta comes with its paired 95% interval: the baseline's per-item scores (re-scored from
its predictions) and the run's, resampled on the same items (``items``, ``stats``). A metric whose
``gate.noise`` rule is ``paired`` regresses only when it is beyond its tolerance *and* that
interval lies wholly on the worse side of zero: a backend that varies from run to run is not
failed for a drop its own noise explains. The default rule, ``none``, is the tolerance alone,
right for a deterministic backend (one changed claim is a real change, however few items show
it). Without an interval (the baseline's items do not give its blessed number, or too few items)
the paired rule falls back to the tolerance alone, and the delta's note says so.

``gate.subsets`` names fixture subsets (``tuning`` and ``checking``) that are gated each on its
own as well: a subset wholly in the run is compared with the baseline's numbers for that subset,
metric by metric with the same tolerances and noise rules, and a regression there fails the run
even when the pooled numbers hold (a rule change that helps the tuning fixtures and hurts the
checking ones is caught).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from workbench.core.errors import ConfigError, validation_error_line
from workbench.core.schema import Report, Strict
from workbench.evaluation.baselines import (
    ALL,
    Baseline,
    article_sha256,
    metrics_of,
    rebuild_report,
)
from workbench.evaluation.diff import FixtureDiff, diff_reports
from workbench.evaluation.fixtures import Fixture, fixture_hash
from workbench.evaluation.items import (
    FIXTURE_ITEMS,
    ItemTable,
    fixture_items,
    mean_items,
    paired_delta,
    repeated_metrics,
)
from workbench.evaluation.metrics import METRICS, MetricValues, format_value
from workbench.evaluation.scoring.suite import FixtureScores, score_report
from workbench.evaluation.stats import Interval

Noise = Literal["none", "paired"]


class GateSettings(Strict):
    tolerance: dict[str, float] = Field(
        default_factory=dict, description="Gated metric name -> allowed worsening (absolute)."
    )
    noise: dict[str, Noise] = Field(
        default_factory=dict,
        description="Gated metric name -> how it tells a regression from noise: 'none' (the "
        "default) fails beyond the tolerance; 'paired' also needs the delta's paired 95% "
        "interval wholly on the worse side of zero.",
    )
    subsets: list[str] = Field(
        default_factory=list,
        description="Named fixture subsets reported beside the whole set and gated each on its "
        "own (when wholly in the run), with the same tolerances.",
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

    @model_validator(mode="after")
    def _noise_of_gated_metrics(self) -> GateSettings:
        ungated = sorted(set(self.noise) - set(self.tolerance))
        if ungated:
            raise ValueError(f"gate.noise names metric(s) without a tolerance: "
                             f"{', '.join(ungated)}")
        unpaired = sorted(n for n, rule in self.noise.items()
                          if rule == "paired" and n not in FIXTURE_ITEMS)
        if unpaired:
            raise ValueError(f"gate.noise: {', '.join(unpaired)} has no per-item scores to pair")
        return self


class EvalConfig(Strict):
    """``evals/config.toml``."""

    gate: GateSettings = Field(default_factory=GateSettings)
    subsets: dict[str, list[str]] = Field(
        default_factory=dict, description="Named fixture subsets, e.g. 'ci' for the pytest gate."
    )
    path: Path | None = None

    @model_validator(mode="after")
    def _gated_subsets_exist(self) -> EvalConfig:
        unknown = [name for name in self.gate.subsets if name not in self.subsets]
        if unknown:
            raise ValueError(f"gate.subsets names undefined subset(s): {', '.join(unknown)}")
        return self


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
    interval: Interval | None = Field(
        default=None,
        description="Paired 95% bootstrap interval of the delta over the items both runs have.",
    )
    noise: Noise = Field(default="none", description="The gate's rule for it (gate.noise).")
    note: str | None = Field(
        default=None,
        description="Why there is no interval, and for a paired rule that the tolerance decided.",
    )


class SubsetComparison(Strict):
    """One gated subset of the run against the baseline's numbers for it."""

    fixtures: list[str]
    baseline_source: Literal["blessed", "re-scored"]
    deltas: list[MetricDelta]
    regressions: list[str] = Field(description="Gated metrics worse than tolerated here.")


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
    regressions: list[str] = Field(
        description="Gated metrics worse than tolerated: pooled ones by name, a gated subset's "
        "as 'name (subset)'."
    )
    subsets: dict[str, SubsetComparison] = Field(
        default_factory=dict,
        description="Each subset of gate.subsets wholly in the run, compared on its own.",
    )
    fixture_regressions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per fixture, gated metrics worse than its baseline entry (re-scored): "
        "where a change happened. The gate itself decides on the pooled metrics and on those "
        "of each gated subset.",
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


def outside_noise(name: str, interval: Interval) -> bool:
    """The whole interval of the delta is on the worse side of zero, in the metric's direction."""
    return interval.high < 0 if METRICS[name].higher_is_better else interval.low > 0


def metric_deltas(
    baseline: MetricValues,
    current: MetricValues,
    tolerance: Mapping[str, float],
    *,
    intervals: Mapping[str, Interval] | None = None,
    notes: Mapping[str, str] | None = None,
    noise: Mapping[str, Noise] | None = None,
) -> list[MetricDelta]:
    """Every metric's delta; gated ones regressed or not by their rule (module docstring)."""
    intervals, notes, noise = intervals or {}, notes or {}, noise or {}
    deltas = []
    for name in METRICS:
        before, after = baseline.get(name), current.get(name)
        gated = tolerance.get(name)
        rule = noise.get(name, "none")
        interval, note = intervals.get(name), notes.get(name)
        regressed = gated is not None and is_regression(name, before, after, gated)
        if rule == "paired" and interval is not None:
            regressed = regressed and outside_noise(name, interval)
        elif rule == "paired":
            note = f"{note or 'no paired interval'}; the tolerance alone decides"
        deltas.append(MetricDelta(
            name=name,
            baseline=before,
            current=after,
            delta=None if before is None or after is None else after - before,
            tolerance=gated,
            regressed=regressed,
            interval=interval,
            noise=rule,
            note=note,
        ))
    # Gated first, in config order; then the rest in definition order.
    order = {name: i for i, name in enumerate(tolerance)}
    return sorted(deltas, key=lambda d: (d.tolerance is None, order.get(d.name, 0)))


def _reproduces(name: str, rebuilt: float | None, stored: float | None) -> bool:
    if rebuilt is None or stored is None:
        return rebuilt is stored
    if METRICS[name].count:  # reports round seconds
        return round(rebuilt, 3) == round(stored, 3)
    return abs(rebuilt - stored) <= 1e-9


def paired_deltas(
    baseline_items: ItemTable, current_items: ItemTable, baseline: MetricValues
) -> tuple[dict[str, Interval], dict[str, str]]:
    """The paired interval of each metric's delta, and a note where there is none.

    The baseline's items must give back its number: blessed metrics come from older scorers (or
    an edit by hand) when they do not, and an interval around other numbers would mislead.
    """
    intervals: dict[str, Interval] = {}
    notes: dict[str, str] = {}
    for name, before in baseline_items.items():
        if name not in current_items:
            continue
        stored = baseline.get(name)
        if not _reproduces(name, before.value, stored):
            metric = METRICS[name]
            notes[name] = (f"the baseline's per-item scores give "
                           f"{format_value(before.value, metric)}, not its "
                           f"{format_value(stored, metric)}: no paired interval")
            continue
        interval = paired_delta(before, current_items[name])
        if interval is None:
            notes[name] = "undefined, or fewer than two items both runs have: no paired interval"
        else:
            intervals[name] = interval
    return intervals, notes


def compare(
    baseline: Baseline,
    baseline_path: Path,
    *,
    reports: Mapping[str, Report],
    scores: Mapping[str, FixtureScores],
    fixtures: Mapping[str, Fixture],
    tolerance: Mapping[str, float],
    noise: Mapping[str, Noise] | None = None,
    repeats: Sequence[Mapping[str, FixtureScores]] = (),
    subsets: Mapping[str, Sequence[str]] | None = None,
) -> BaselineComparison:
    """Compare this run's fixtures with the baseline on the fixtures both have.

    ``scores`` are the run's; ``repeats`` the further runs of ``--repeat``, pooled with it into
    the current metrics (reports, diffs and per-fixture flags are the first run's). ``subsets``
    (name -> fixture ids) are gated each on its own as well, when all their fixtures are compared
    and some others too (a subset that is the whole comparison is the pooled one).
    """
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
    runs = [scores, *repeats]

    def set_deltas(ids: list[str], name: str
                   ) -> tuple[list[MetricDelta], Literal["blessed", "re-scored"]]:
        """The deltas of one fixture set: against its blessed numbers when the baseline stores
        this very set (under ``name`` first, else under any name) and none of its labels
        changed, else against its re-scored predictions."""
        named = baseline.sets.get(name)
        stored = next((s for s in [named, *baseline.sets.values()]
                       if s is not None and s.fixtures == ids), None)
        source: Literal["blessed", "re-scored"]
        if stored is not None and not any(i in relabelled for i in ids):
            baseline_metrics, source = stored.metrics, "blessed"
        else:
            baseline_metrics, source = metrics_of([rescored[i] for i in ids]), "re-scored"
        current_items = mean_items([fixture_items(run[i] for i in ids) for run in runs])
        current_metrics = repeated_metrics([metrics_of([run[i] for i in ids]) for run in runs],
                                           current_items)
        intervals, notes = paired_deltas(fixture_items(rescored[i] for i in ids), current_items,
                                         baseline_metrics)
        deltas = metric_deltas(baseline_metrics, current_metrics, tolerance, intervals=intervals,
                               notes=notes, noise=noise) if ids else []
        return deltas, source

    deltas, source = set_deltas(compared, ALL)
    regressions = [d.name for d in deltas if d.regressed]
    subset_comparisons = {}
    for name, members in (subsets or {}).items():
        ids = sorted(set(members))
        if not ids or not set(ids) < set(compared):  # partly in the run, or the run itself
            continue
        subset_deltas, subset_source = set_deltas(ids, name)
        worse = [d.name for d in subset_deltas if d.regressed]
        subset_comparisons[name] = SubsetComparison(
            fixtures=ids, baseline_source=subset_source, deltas=subset_deltas, regressions=worse)
        regressions += [f"{metric} ({name})" for metric in worse]
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
        baseline_source=source,
        deltas=deltas,
        regressions=regressions,
        subsets=subset_comparisons,
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
