"""The eval report: one JSON document per run (``EvalReport``), built from the runs and written to
a run folder with its renderings (``render``: a Markdown summary and JUnit XML).

A run writes ``<reports>/<timestamp>-<backend>[-<dataset>]/`` with ``report.json`` (everything:
provenance, metrics of the backend and the heuristic, per-fixture scores and predictions, the
comparison with the baseline), ``summary.md`` and ``junit.xml`` (one testcase per fixture and
per gated metric), and copies the three files to ``<reports>/latest/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field

from workbench.core.schema import Strict
from workbench.evaluation.baselines import FixturePredictions, metrics_of, predictions_of
from workbench.evaluation.dataset_runner import DatasetRun
from workbench.evaluation.fixture_runner import FixtureRun
from workbench.evaluation.gate import BaselineComparison
from workbench.evaluation.items import (
    ItemTable,
    MetricItems,
    fixture_items,
    intervals,
    mean_items,
    repeated_metrics,
)
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.provenance import Provenance
from workbench.evaluation.render import render_junit, render_markdown, slug
from workbench.evaluation.scoring.suite import FixtureScores
from workbench.evaluation.stats import Interval, run_spread

REPORT_FORMAT = 1


class FixtureEntry(Strict):
    id: str
    title: str
    genre: str
    fixture_hash: str
    summary: str = Field(description="Report.summary() of the run on this fixture.")
    seconds: float
    failures: list[str] = Field(description="Steps that failed after retries.")
    metrics: MetricValues
    heuristic: MetricValues


class GenreEntry(Strict):
    """Metrics of a group of fixtures run together: a genre, or a named subset."""

    fixtures: list[str]
    metrics: MetricValues
    heuristic: MetricValues


class RunSpread(Strict):
    """``--repeat N``: every item run N times without the cache; the metrics pool the runs."""

    runs: list[MetricValues] = Field(description="Each run's own metrics, in order.")
    spread: dict[str, float] = Field(
        description="Each metric's standard deviation over the runs: run to run on the same "
        "items, apart from the interval's spread over items."
    )


class EvalReport(Strict):
    format: Literal[1] = 1
    kind: Literal["fixtures", "dataset"]
    provenance: Provenance
    baseline_backend: str | None = Field(description="Whose baseline the run was compared with.")
    subset: str | None = None
    metrics: MetricValues = Field(description="Backend, pooled over all fixtures run.")
    heuristic: MetricValues = Field(description="The cue-based heuristic on the same fixtures.")
    genres: dict[str, GenreEntry] = Field(default_factory=dict)
    sets: dict[str, GenreEntry] = Field(
        default_factory=dict,
        description="Each subset of gate.subsets (tuning, checking) wholly in the run: its "
        "metrics beside the whole run's, as the gate compares them.",
    )
    fixtures: list[FixtureEntry] = Field(default_factory=list)
    scores: dict[str, FixtureScores] = Field(default_factory=dict)
    predictions: dict[str, FixturePredictions] = Field(default_factory=dict)
    comparison: BaselineComparison | None = None
    no_baseline: str | None = Field(default=None, description="Baseline path that was missing.")
    blessed: str | None = Field(default=None, description="Baseline file written by --bless.")
    dataset: DatasetRun | None = None
    item_scores: dict[str, MetricItems] = Field(
        default_factory=dict,
        description="The backend's per-item counts (averaged over --repeat runs): what the "
        "intervals resample and what --compare pairs.",
    )
    intervals: dict[str, Interval] = Field(
        default_factory=dict,
        description="95% percentile-bootstrap interval of each metric over its items.",
    )
    repeated: RunSpread | None = Field(
        default=None, description="With --repeat N (N > 1): the runs and their spread."
    )

    @property
    def regressions(self) -> list[str]:
        return self.comparison.regressions if self.comparison else []


def _pooled_runs(
    per_run: list[MetricValues], item_scores: ItemTable
) -> tuple[MetricValues, dict[str, Interval], RunSpread | None]:
    """Metrics, intervals and run-to-run spread of one run or several of the same items."""
    if len(per_run) == 1:
        return per_run[0], intervals(item_scores), None
    spread = {name: run_spread([run.get(name) for run in per_run]) for name in per_run[0]}
    return (
        repeated_metrics(per_run, item_scores),
        intervals(item_scores),
        RunSpread(runs=per_run, spread={k: v for k, v in spread.items() if v is not None}),
    )


def build_fixture_report(
    runs: Sequence[FixtureRun],
    provenance: Provenance,
    *,
    baseline_backend: str | None,
    subset: str | None,
    comparison: BaselineComparison | None,
    no_baseline: str | None = None,
    repeats: Sequence[Sequence[FixtureRun]] = (),
    subsets: Mapping[str, Sequence[str]] | None = None,
) -> EvalReport:
    """The report of a fixture run; ``repeats`` are further runs of the same fixtures (the
    metrics pool them; fixture entries, scores and predictions are the first run's).
    ``subsets`` (name -> fixture ids) are reported on their own when wholly in the run beside
    other fixtures."""
    every = [runs, *repeats]
    item_scores = mean_items([fixture_items(r.scores for r in run) for run in every])
    metrics, bounds, repeated = _pooled_runs(
        [metrics_of([r.scores for r in run]) for run in every], item_scores)
    genres: dict[str, list[FixtureRun]] = {}
    for run in runs:
        genres.setdefault(run.fixture.genre.value, []).append(run)
    by_id = {r.fixture.id: r for r in runs}
    sets: dict[str, list[FixtureRun]] = {
        name: [by_id[i] for i in sorted(set(ids))]
        for name, ids in (subsets or {}).items() if ids and set(ids) < set(by_id)
    }  # a subset partly in the run is not reported; one that is the whole run is the run
    return EvalReport(
        kind="fixtures",
        provenance=provenance,
        baseline_backend=baseline_backend,
        subset=subset,
        metrics=metrics,
        heuristic=metrics_of([r.heuristic for r in runs]),
        genres={
            genre: GenreEntry(
                fixtures=[r.fixture.id for r in items],
                metrics=metrics_of([r.scores for r in items]),
                heuristic=metrics_of([r.heuristic for r in items]),
            )
            for genre, items in sorted(genres.items())
        },
        sets={
            name: GenreEntry(
                fixtures=[r.fixture.id for r in items],
                metrics=metrics_of([r.scores for r in items]),
                heuristic=metrics_of([r.heuristic for r in items]),
            )
            for name, items in sets.items()
        },
        fixtures=[
            FixtureEntry(
                id=r.fixture.id,
                title=r.fixture.title,
                genre=r.fixture.genre.value,
                fixture_hash=predictions_of(r.report, r.fixture).fixture_hash,
                summary=r.report.summary(),
                seconds=round(r.seconds, 2),
                failures=[f"{f.stage} {f.sentence_id}: {f.message}" for f in r.report.failures],
                metrics=metrics_of([r.scores]),
                heuristic=metrics_of([r.heuristic]),
            )
            for r in runs
        ],
        scores={r.fixture.id: r.scores for r in runs},
        predictions={r.fixture.id: predictions_of(r.report, r.fixture) for r in runs},
        comparison=comparison,
        no_baseline=no_baseline,
        item_scores=item_scores,
        intervals=bounds,
        repeated=repeated,
    )


def build_dataset_report(run: DatasetRun, provenance: Provenance,
                         repeats: Sequence[DatasetRun] = ()) -> EvalReport:
    """The report of a dataset run; ``repeats`` as for ``build_fixture_report``."""
    every = [run, *repeats]
    item_scores = mean_items([r.item_scores for r in every])
    metrics, bounds, repeated = _pooled_runs([r.metrics for r in every], item_scores)
    dataset = run.model_copy(update={"metrics": metrics, "item_scores": item_scores})
    return EvalReport(kind="dataset", provenance=provenance, baseline_backend=None,
                      metrics=metrics, heuristic=run.heuristic, dataset=dataset,
                      item_scores=item_scores, intervals=bounds, repeated=repeated)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def report_dir_name(report: EvalReport) -> str:
    stamp = re.sub(r"[^0-9T]", "", report.provenance.started_at.split("+")[0]) + "Z"
    name = f"{stamp}-{slug(report.provenance.backend)}"
    if report.dataset is not None:
        name += f"-{report.dataset.dataset}"
    return name


def write_report(report: EvalReport, reports_dir: Path) -> Path:
    """Write report.json, summary.md and junit.xml into a new run folder; copy them to latest/."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    base = report_dir_name(report)
    folder = reports_dir / base
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = reports_dir / f"{base}-{suffix}"
    folder.mkdir()
    (folder / "report.json").write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    (folder / "summary.md").write_text(render_markdown(report, folder.name), encoding="utf-8")
    (folder / "junit.xml").write_text(render_junit(report), encoding="utf-8")
    latest = reports_dir / "latest"
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    shutil.rmtree(latest, ignore_errors=True)
    shutil.copytree(folder, latest)
    (latest / "RUN").write_text(folder.name + "\n", encoding="utf-8")
    return folder
