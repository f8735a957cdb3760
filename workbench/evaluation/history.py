"""Eval run history, for reading: the run folders ``workbench eval`` writes, as tables.

``report.write_report`` writes ``<reports>/<timestamp>-<backend>[-<dataset>]/report.json`` (an
``EvalReport``) and copies the newest to ``<reports>/latest/``. This module lists those runs,
loads one, and flattens what a person compares into rows: metrics beside the heuristic and the
baseline, each metric across runs, each fixture, and the per-claim diff against the baseline.
It never writes and never runs a model; a folder it cannot read is reported, not fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.core.errors import ConfigError, validation_error_line
from workbench.evaluation.claim_diff import ClaimView
from workbench.evaluation.metrics import HEADLINE, METRICS, MetricValues
from workbench.evaluation.report import EvalReport

LATEST = "latest"
# The metrics a fixture table shows: detection, alignment, rating, evidence, health.
FIXTURE_METRICS = (
    "sentences.f1",
    "claims.f1",
    "claims.recall",
    "grounding.rate",
    "claims.supported",
    "claimers.accuracy",
    "checkworthiness.f1",
    "questions.meteor",
    "kinds.recall",
    "health.failures",
)


@dataclass(frozen=True)
class RunSummary:
    """One run folder, read just far enough to list it and draw its history."""

    name: str
    path: Path
    started_at: str
    backend: str
    model: str
    kind: str
    subset: str | None
    dataset: str | None
    fixtures: list[str]
    metrics: MetricValues
    heuristic: MetricValues
    regressions: list[str] = field(default_factory=list)
    baseline: str | None = None
    git_commit: str | None = None
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """'20261122T000755Z-fake · fake · 10 fixtures' or '… · subset ci'."""
        scope = (
            f"dataset {self.dataset}"
            if self.dataset
            else f"subset {self.subset}"
            if self.subset
            else f"{len(self.fixtures)} fixtures"
        )
        flag = f" · {len(self.regressions)} regression(s)" if self.regressions else ""
        return f"{self.name} · {self.backend} · {scope}{flag}"


def _summary(folder: Path, data: dict[str, Any]) -> RunSummary:
    provenance = data.get("provenance") or {}
    comparison = data.get("comparison") or {}
    dataset = data.get("dataset") or {}
    return RunSummary(
        name=folder.name,
        path=folder / "report.json",
        started_at=str(provenance.get("started_at") or ""),
        backend=str(provenance.get("backend") or "?"),
        model=str(provenance.get("model") or "?"),
        kind=str(data.get("kind") or "fixtures"),
        subset=data.get("subset"),
        dataset=provenance.get("dataset") or (dataset.get("name") if dataset else None),
        fixtures=[str(f.get("id")) for f in data.get("fixtures") or []],
        metrics=dict(data.get("metrics") or {}),
        heuristic=dict(data.get("heuristic") or {}),
        regressions=list(comparison.get("regressions") or []),
        baseline=comparison.get("baseline_path"),
        git_commit=provenance.get("git_commit"),
        intervals={name: (float(i["low"]), float(i["high"]))
                   for name, i in (data.get("intervals") or {}).items()},
    )


def list_runs(reports_dir: str | Path) -> tuple[list[RunSummary], list[str]]:
    """Runs in ``reports_dir``, oldest first, and one line per folder that could not be read."""
    folder = Path(reports_dir)
    runs: list[RunSummary] = []
    problems: list[str] = []
    if not folder.is_dir():
        return runs, problems
    for run_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != LATEST):
        report = run_dir / "report.json"
        if not report.is_file():
            continue
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            runs.append(_summary(run_dir, data))
        except (OSError, ValueError, AttributeError, TypeError) as err:
            problems.append(f"{report}: unreadable ({err})")
    runs.sort(key=lambda r: (r.started_at, r.name))
    return runs, problems


def load_run(path: str | Path) -> EvalReport:
    """The full report of one run; ``ConfigError`` with one line when it cannot be read."""
    file = Path(path)
    try:
        return EvalReport.model_validate_json(file.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{file}: cannot read the eval report ({err.strerror})") from None
    except ValidationError as err:
        raise ConfigError(
            f"{file}: not an eval report this workbench reads ({validation_error_line(err)})"
        ) from None


def is_ratio(metric: str) -> bool:
    """Ratios live in [0, 1] and share a chart; counts (tokens, seconds, failures) do not."""
    known = METRICS.get(metric)
    return known is not None and not known.count


def metric_rows(report: EvalReport) -> list[dict[str, Any]]:
    """Every metric of a run: backend with its 95% interval (and run-to-run sd under --repeat),
    heuristic, baseline, delta with its paired interval, tolerance, regressed."""
    deltas = {d.name: d for d in report.comparison.deltas} if report.comparison else {}
    spread = report.repeated.spread if report.repeated else {}
    names = [*HEADLINE, *(n for n in report.metrics if n not in HEADLINE)]
    rows = []
    for name in names:
        if name not in report.metrics and name not in deltas:
            continue
        delta = deltas.get(name)
        known = METRICS.get(name)
        interval = report.intervals.get(name)
        paired = delta.interval if delta else None
        rows.append(
            {
                "metric": name,
                "backend": report.metrics.get(name),
                "95% low": interval.low if interval else None,
                "95% high": interval.high if interval else None,
                "run sd": spread.get(name),
                "heuristic": report.heuristic.get(name),
                "baseline": delta.baseline if delta else None,
                "delta": delta.delta if delta else None,
                "delta 95% low": paired.low if paired else None,
                "delta 95% high": paired.high if paired else None,
                "tolerance": delta.tolerance if delta else None,
                "regressed": bool(delta and delta.regressed),
                "note": delta.note or "" if delta else "",
                "kind": "ratio" if is_ratio(name) else "count",
                "higher is better": known.higher_is_better if known else None,
                "description": known.description if known else "",
            }
        )
    return rows


def history_rows(runs: Iterable[RunSummary], metrics: Sequence[str]) -> list[dict[str, Any]]:
    """Long format for a chart: one row per run and metric that has a value (with its 95%
    interval, low and high, where the run has one)."""
    return [
        {
            "run": run.name,
            "started_at": run.started_at,
            "backend": run.backend,
            "scope": run.subset or run.dataset or "all",
            "metric": name,
            "value": run.metrics[name],
            "low": run.intervals[name][0] if name in run.intervals else None,
            "high": run.intervals[name][1] if name in run.intervals else None,
        }
        for run in runs
        for name in metrics
        if run.metrics.get(name) is not None
    ]


def fixture_rows(
    report: EvalReport, metrics: Sequence[str] = FIXTURE_METRICS
) -> list[dict[str, Any]]:
    """One row per fixture: what the run found, and its headline metrics."""
    regressed = report.comparison.fixture_regressions if report.comparison else {}
    rows = []
    for entry in report.fixtures:
        row: dict[str, Any] = {
            "fixture": entry.id,
            "genre": entry.genre,
            "result": entry.summary,
            "seconds": entry.seconds,
            "failed steps": len(entry.failures),
            "regressed": ", ".join(regressed.get(entry.id, [])),
        }
        row.update({name: entry.metrics.get(name) for name in metrics})
        rows.append(row)
    return rows


def set_rows(
    report: EvalReport, metrics: Sequence[str] = FIXTURE_METRICS
) -> list[dict[str, Any]]:
    """The whole run, then each gated subset in it (tuning, checking): fixture count, what the
    gate found against the baseline's numbers for it, and the headline metrics."""
    if not report.sets:
        return []
    comparison = report.comparison
    pooled = [d.name for d in comparison.deltas if d.regressed] if comparison else []
    rows: list[dict[str, Any]] = [
        {"set": "all", "fixtures": len(report.fixtures), "regressed": ", ".join(pooled),
         **{name: report.metrics.get(name) for name in metrics}}
    ]
    for name, entry in report.sets.items():
        compared = comparison.subsets.get(name) if comparison else None
        rows.append({"set": name, "fixtures": len(entry.fixtures),
                     "regressed": ", ".join(compared.regressions) if compared else "",
                     **{metric: entry.metrics.get(metric) for metric in metrics}})
    return rows


def _view(view: ClaimView | None) -> str:
    return f"{view.id} [{view.sentence_id}] {view.text}" if view else ""


def claim_diff_rows(report: EvalReport, fixture_id: str) -> list[dict[str, Any]]:
    """The per-claim diff of one fixture against the baseline (empty without a comparison)."""
    if report.comparison is None:
        return []
    diff = next((d for d in report.comparison.diffs if d.fixture_id == fixture_id), None)
    if diff is None:
        return []
    marks = {"added": "+ added", "dropped": "− dropped", "changed": "~ changed"}
    return [
        {
            "change": marks[change.change],
            "baseline": _view(change.before),
            "this run": _view(change.after),
            "what changed": "; ".join(
                _field_change(name, change.before, change.after) for name in change.fields
            ),
            "gold match": _gold(change.after or change.before),
        }
        for change in diff.claims
    ]


def _field_change(name: str, before: ClaimView | None, after: ClaimView | None) -> str:
    """'label: maybe → check_worthy' for short fields; just the name for texts."""
    if before is None or after is None or name in ("text", "quote"):
        return name
    join = {"kinds": ", ".join, "attribution": " → ".join}.get(name, str)

    def show(value: Any) -> str:
        return "none" if value is None else join(value)

    return f"{name}: {show(getattr(before, name))} → {show(getattr(after, name))}"


def _gold(view: ClaimView | None) -> str:
    if view is None or view.gold is None:
        return "no gold match"
    return f"gold #{view.gold}"


def sentence_diff_rows(report: EvalReport, fixture_id: str) -> list[dict[str, Any]]:
    if report.comparison is None:
        return []
    diff = next((d for d in report.comparison.diffs if d.fixture_id == fixture_id), None)
    return [
        {"sentence": s.sentence, "baseline": s.before, "this run": s.after, "gold": s.gold or ""}
        for s in (diff.sentences if diff else [])
    ]


def predicted_claim_rows(report: EvalReport, fixture_id: str) -> list[dict[str, Any]]:
    """The claims the run predicted for a fixture, with the gold claim each was matched to."""
    predictions = report.predictions.get(fixture_id)
    if predictions is None:
        return []
    scores = report.scores.get(fixture_id)
    matched = {m.predicted_index: m.gold_index + 1 for m in scores.claims.matches} if scores else {}
    return [
        {
            "id": claim.id,
            "claim": claim.text,
            "check-worthiness": claim.checkworthiness.label.value
            if claim.checkworthiness
            else "unrated",
            "type": claim.type.value,
            "claimer": claim.claimer,
            "evidence": ", ".join(dict.fromkeys(n.kind.value for n in claim.evidence)),
            "gold": f"#{matched[index]}" if index in matched else "unmatched",
        }
        for index, claim in enumerate(predictions.claims)
    ]


def diff_counts(report: EvalReport) -> dict[str, dict[str, int]]:
    """Per fixture with a diff: how many claims were added, dropped, changed, unchanged."""
    if report.comparison is None:
        return {}
    return {
        d.fixture_id: {**d.counts(), "unchanged": d.unchanged, "sentences": len(d.sentences)}
        for d in report.comparison.diffs
    }
