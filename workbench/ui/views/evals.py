"""Evals: the latest eval runs — metrics, history across runs, fixtures, diff with the baseline."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from workbench.core.errors import WorkbenchError
from workbench.evaluation.history import (
    FIXTURE_METRICS,
    RunSummary,
    claim_diff_rows,
    diff_counts,
    fixture_rows,
    history_rows,
    is_ratio,
    list_runs,
    load_run,
    metric_rows,
    predicted_claim_rows,
    sentence_diff_rows,
    set_rows,
)
from workbench.evaluation.metrics import HEADLINE, METRICS
from workbench.evaluation.report import EvalReport
from workbench.ui import access, common
from workbench.ui.markup import md_escape

REPORTS_DIR = common.REPO / "evals" / "reports"
HISTORY_DEFAULT = ["sentences.f1", "claims.f1", "checkworthiness.f1", "questions.meteor"]
SYSTEM_COLOURS = alt.Scale(
    domain=["backend", "heuristic", "baseline"], range=["#9c2a1f", "#8a8f98", "#e0a458"]
)


def number_columns(names: list[str]) -> dict[str, Any]:
    return {name: st.column_config.NumberColumn(name, format="%.3f") for name in names}


def metrics_chart(rows: list[dict[str, Any]]) -> alt.LayerChart:
    """Backend, heuristic and baseline side by side for the headline ratio metrics; the
    backend's bar carries its 95% interval as an error bar."""
    headline = [r for r in rows if r["kind"] == "ratio" and r["metric"] in HEADLINE]
    long = pd.DataFrame(
        [
            {
                "metric": row["metric"],
                "system": system,
                "value": row[system],
                "low": row["95% low"] if system == "backend" else None,
                "high": row["95% high"] if system == "backend" else None,
            }
            for row in headline
            for system in ("backend", "heuristic", "baseline")
            if row[system] is not None
        ]
    )
    y = alt.Y(
        "metric:N",
        sort=[str(r["metric"]) for r in headline],
        title=None,
        axis=alt.Axis(labelLimit=260),
    )
    y_offset = alt.YOffset("system:N", sort=["backend", "heuristic", "baseline"])
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=y,
            yOffset=y_offset,
            x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
            color=alt.Color(
                "system:N", scale=SYSTEM_COLOURS, legend=alt.Legend(orient="top", title=None)
            ),
            tooltip=[
                "metric",
                "system",
                alt.Tooltip("value:Q", format=".3f"),
                alt.Tooltip("low:Q", format=".3f", title="95% low"),
                alt.Tooltip("high:Q", format=".3f", title="95% high"),
            ],
        )
    )
    error_bars = (
        alt.Chart(long)
        .transform_filter("isValid(datum.low) && isValid(datum.high)")
        .mark_rule(color="#1f1f1f", strokeWidth=1.5)
        .encode(y=y, yOffset=y_offset, x="low:Q", x2="high:Q")
    )
    return alt.LayerChart(layer=[bars, error_bars], height=alt.Step(10))


def show_gate(run: RunSummary, report: EvalReport) -> None:
    comparison = report.comparison
    if comparison is not None and comparison.regressions:
        st.error(
            f"Regression in {len(comparison.regressions)} gated metric(s) against "
            f"{comparison.baseline_path}: {', '.join(comparison.regressions)}",
            icon=":material/trending_down:",
        )
    elif comparison is not None:
        st.success(
            f"No regression: within tolerance of {comparison.baseline_path} "
            f"(blessed {comparison.blessed_at}, {comparison.baseline_source}).",
            icon=":material/check_circle:",
        )
    elif report.no_baseline:
        st.warning(
            f"No baseline at {report.no_baseline}; nothing was compared. "
            "`workbench eval --bless` creates it."
        )
    if report.blessed:
        st.info(f"This run blessed the baseline {report.blessed}.")


def metrics_tab(report: EvalReport) -> None:
    rows = metric_rows(report)
    counts = [r for r in rows if r["kind"] == "count" and r["backend"] is not None]
    if counts:
        cards = st.columns(len(counts))
        for card, row in zip(cards, counts, strict=True):
            value = float(row["backend"])  # type: ignore[arg-type]
            delta = row["delta"]
            card.metric(
                str(row["metric"]).removeprefix("health."),
                f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}",
                delta=None if delta is None else f"{float(delta):+,.2f} vs baseline",  # type: ignore[arg-type]
                delta_color="inverse",
                help=str(row["description"]),
                border=True,
            )
    st.markdown(
        "**Quality metrics** · this backend beside the cue-based heuristic and the baseline"
    )
    st.caption(
        "Error bars and the 95% columns: a bootstrap over the items each metric counts "
        "(articles, gold sentences or gold claims); the delta's interval pairs the baseline's "
        "items with this run's. An interval that holds zero is a change these items cannot "
        "tell from chance."
        + (
            f" Every item ran {len(report.repeated.runs)} times: run sd is the spread from "
            "run to run."
            if report.repeated
            else ""
        )
    )
    if any(r["kind"] == "ratio" for r in rows):
        st.altair_chart(metrics_chart(rows), width="stretch")
    table = pd.DataFrame(rows).drop(columns=["kind"])
    if report.repeated is None:
        table = table.drop(columns=["run sd"])
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            **number_columns(
                [
                    "backend",
                    "95% low",
                    "95% high",
                    "run sd",
                    "heuristic",
                    "baseline",
                    "delta",
                    "delta 95% low",
                    "delta 95% high",
                    "tolerance",
                ]
            ),
            "description": st.column_config.TextColumn(width="large"),
        },
    )
    subsets = set_rows(report)
    if subsets:
        st.markdown("**By subset** · the whole run beside the tuning and checking fixtures")
        st.caption(
            "tuning: the fixtures rules may be changed against; checking: scored and gated, "
            "never read while writing rules. The gate compares each subset with the "
            "baseline's numbers for it and fails on a regression in either."
        )
        st.dataframe(
            pd.DataFrame(subsets),
            hide_index=True,
            width="stretch",
            column_config=number_columns(list(FIXTURE_METRICS)),
        )
    if report.genres:
        st.markdown("**By genre**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "genre": genre,
                        "fixtures": len(entry.fixtures),
                        **{name: entry.metrics.get(name) for name in FIXTURE_METRICS},
                    }
                    for genre, entry in report.genres.items()
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config=number_columns(list(FIXTURE_METRICS)),
        )


def history_tab(runs: list[RunSummary], run: RunSummary) -> None:
    backends = sorted({r.backend for r in runs})
    cols = st.columns([1, 1, 2])
    chosen = cols[0].multiselect("Backends", backends, default=[run.backend])
    scopes = sorted({r.subset or r.dataset or "all" for r in runs})
    scope = cols[1].selectbox(
        "Fixture set",
        scopes,
        index=scopes.index(run.subset or run.dataset or "all"),
    )
    metrics = cols[2].multiselect(
        "Metrics",
        [m for m in HEADLINE if m in METRICS],
        default=HISTORY_DEFAULT,
    )
    shown = [r for r in runs if r.backend in chosen and (r.subset or r.dataset or "all") == scope]
    rows = history_rows(shown, metrics)
    if len(shown) < 2:
        st.caption(
            f"{len(shown)} run(s) of this backend on this fixture set so far; the history "
            "grows with every `workbench eval`."
        )
    if not rows:
        return
    frame = pd.DataFrame(rows)
    ratio = frame[[is_ratio(m) for m in frame["metric"]]]
    order = [r.name for r in shown]
    if not ratio.empty:
        x = alt.X("run:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30))
        color = alt.Color("metric:N", legend=alt.Legend(orient="top", title=None))
        lines = (
            alt.Chart(ratio)
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
                color=color,
                strokeDash=alt.StrokeDash("backend:N", legend=None),
                tooltip=[
                    "run",
                    "started_at",
                    "backend",
                    "metric",
                    alt.Tooltip("value:Q", format=".3f"),
                    alt.Tooltip("low:Q", format=".3f", title="95% low"),
                    alt.Tooltip("high:Q", format=".3f", title="95% high"),
                ],
            )
        )
        error_bars = (
            alt.Chart(ratio)
            .transform_filter("isValid(datum.low) && isValid(datum.high)")
            .mark_rule(strokeWidth=1.5, opacity=0.6)
            .encode(x=x, y="low:Q", y2="high:Q", color=color)
        )
        st.altair_chart(alt.layer(lines, error_bars).properties(height=320), width="stretch")
        st.caption("Error bars: each run's 95% interval over its items.")
    counts = frame[[not is_ratio(m) for m in frame["metric"]]]
    if not counts.empty:
        st.altair_chart(
            alt.Chart(counts)
            .mark_bar()
            .encode(
                x=alt.X("run:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
                y=alt.Y("value:Q", title=None),
                color=alt.Color("metric:N", legend=None),
                column=alt.Column("metric:N", title=None),
                tooltip=["run", "metric", "value"],
            )
            .properties(width=180, height=160)
        )


def fixtures_tab(report: EvalReport) -> None:
    rows = fixture_rows(report)
    if not rows:
        st.caption("This run has no fixtures (a public-dataset run).")
        return
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            **number_columns(list(FIXTURE_METRICS)),
            "result": st.column_config.TextColumn(width="medium"),
        },
    )
    ids = [r["fixture"] for r in rows]
    picked = st.selectbox(
        "Fixture",
        ids,
        key="ev-fixture",
        format_func=lambda i: f"{i} — {next(f.title for f in report.fixtures if f.id == i)}",
    )
    entry = next(f for f in report.fixtures if f.id == picked)
    st.markdown(
        f"**{md_escape(entry.title)}** · {entry.genre} · {entry.summary} · {entry.seconds:.1f}s"
    )
    for failure in entry.failures:
        st.caption(f"failed step: {failure}")
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        per_metric = pd.DataFrame(
            [
                {"metric": name, "system": system, "value": values.get(name)}
                for name in FIXTURE_METRICS
                if is_ratio(name)
                for system, values in (("backend", entry.metrics), ("heuristic", entry.heuristic))
                if values.get(name) is not None
            ]
        )
        if not per_metric.empty:
            st.altair_chart(
                alt.Chart(per_metric)
                .mark_bar()
                .encode(
                    y=alt.Y("metric:N", sort=list(FIXTURE_METRICS), title=None),
                    yOffset="system:N",
                    x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
                    color=alt.Color(
                        "system:N",
                        scale=SYSTEM_COLOURS,
                        legend=alt.Legend(orient="top", title=None),
                    ),
                    tooltip=["metric", "system", alt.Tooltip("value:Q", format=".3f")],
                )
                .properties(height=alt.Step(11)),
                width="stretch",
            )
    with right:
        scores = report.scores.get(picked)
        if scores is not None:
            outcomes = pd.DataFrame([o.model_dump() for o in scores.sentences.outcomes])
            if not outcomes.empty:
                st.markdown("**Gold sentences**")
                st.dataframe(
                    outcomes[["anchor", "gold_status", "predicted_status", "outcome"]],
                    hide_index=True,
                    width="stretch",
                    height=220,
                )
            for item in scores.grounding.ungrounded:
                st.caption(f"ungrounded {item.claim_id}: {item.reason}")
    claims = predicted_claim_rows(report, picked)
    if claims:
        st.markdown("**Claims this run predicted** (gold = the hand-labelled claim it matched)")
        st.dataframe(
            pd.DataFrame(claims),
            hide_index=True,
            width="stretch",
            column_config={"claim": st.column_config.TextColumn(width="large")},
        )


def diff_tab(report: EvalReport) -> None:
    comparison = report.comparison
    if comparison is None:
        st.info("This run was not compared with a baseline, so there is no diff.")
        return
    st.caption(
        f"Baseline {comparison.baseline_path}, blessed {comparison.blessed_at}"
        + (f" at commit {comparison.baseline_commit[:10]}" if comparison.baseline_commit else "")
        + f" · {comparison.baseline_source}"
    )
    for label, items in (
        ("Not in the baseline (not gated)", comparison.not_in_baseline),
        ("Article changed since blessing", comparison.article_changed),
        ("Relabelled since blessing (re-scored)", comparison.relabelled),
    ):
        if items:
            st.caption(f"{label}: {', '.join(items)}")
    counts = diff_counts(report)
    changed = {
        k: v
        for k, v in counts.items()
        if v["added"] or v["dropped"] or v["changed"] or v["sentences"]
    }
    if not changed:
        st.success("No claim or sentence status changed against the baseline.")
        return
    st.dataframe(
        pd.DataFrame([{"fixture": k, **v} for k, v in changed.items()]),
        hide_index=True,
        width="stretch",
    )
    picked = st.selectbox("Fixture", list(changed), key="ev-diff-fixture")
    claims = claim_diff_rows(report, picked)
    if claims:
        st.markdown("**Claims** (+ only in this run, − only in the baseline, ~ changed)")
        st.dataframe(
            pd.DataFrame(claims),
            hide_index=True,
            width="stretch",
            column_config={
                "baseline": st.column_config.TextColumn(width="large"),
                "this run": st.column_config.TextColumn(width="large"),
            },
        )
    sentences = sentence_diff_rows(report, picked)
    if sentences:
        st.markdown("**Sentence statuses**")
        st.dataframe(pd.DataFrame(sentences), hide_index=True, width="stretch")


folder = access.server_path(
    "Reports folder",
    str(REPORTS_DIR),
    key="ev-dir",
    help="Where `workbench eval` writes its run folders.",
)
runs, problems = list_runs(folder)
for problem in problems:
    st.warning(problem)
if not runs:
    st.info(
        f"No eval runs in {folder} yet. `workbench eval` (or `make eval`) runs the fixtures "
        "and writes one; `workbench eval --subset ci` is the quick one.",
        icon=":material/info:",
    )
    st.stop()
by_name = {r.name: r for r in reversed(runs)}  # newest first
run = by_name[
    st.selectbox("Run", list(by_name), format_func=lambda n: by_name[n].label, key="ev-run")
]
try:
    report = load_run(run.path)
except WorkbenchError as err:
    common.show_error(err)
    st.stop()
provenance = report.provenance
st.subheader(f"{run.backend} · {run.model}", anchor=False)
st.caption(
    f"{run.name} · started {provenance.started_at} · {provenance.seconds:.0f}s · "
    f"{len(report.fixtures)} fixtures"
    + (f" (subset {report.subset})" if report.subset else "")
    + (
        f" · commit {provenance.git_commit[:10]}{' (dirty)' if provenance.git_dirty else ''}"
        if provenance.git_commit
        else ""
    )
    + " · prompts "
    + ", ".join(f"{p.name} {p.version}" for p in provenance.prompts)
)
show_gate(run, report)
metrics, history, fixtures, diff = st.tabs(["Metrics", "History", "Fixtures", "Diff vs baseline"])
with metrics:
    metrics_tab(report)
with history:
    history_tab(runs, run)
with fixtures:
    fixtures_tab(report)
with diff:
    diff_tab(report)
