"""Compare: one article through two backends or two prompt folders, claims aligned; or a fixture
set through both, with a verdict per metric (``workbench eval --compare``'s)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from workbench.core.errors import WorkbenchError
from workbench.core.prompts import DEFAULT_PROMPTS_DIR
from workbench.core.schema import Claim, Report, Status
from workbench.evaluation.command import EVALS_DIR
from workbench.evaluation.fixture_runner import run_fixtures
from workbench.evaluation.fixtures import Fixture, load_fixtures
from workbench.evaluation.gate import EvalConfig, load_eval_config, select_fixtures
from workbench.evaluation.items import ItemTable, fixture_items
from workbench.evaluation.meteor import ensure_wordnet
from workbench.evaluation.metrics import METRICS
from workbench.evaluation.versus import MetricVerdict, compare_items
from workbench.review.compare import ClaimPair, Comparison, RunFigures, compare_reports
from workbench.session import Session
from workbench.ui import access, common
from workbench.ui.markup import STATUS_NAMES, label_of, md_escape

RESULT = "comparison"  # session_state: (report A, report B, label A, label B)
FIXTURE_RESULT = "comparison_fixtures"  # session_state: (verdicts, label A, label B, scope)
ARTICLE, FIXTURE_SET = "One article", "A fixture set"
ALL_FIXTURES = "all fixtures"
VERDICT_COLOURS = alt.Scale(
    domain=["better", "worse", "no detectable difference"],
    range=["#2e7d4f", "#9c2a1f", "#8a8f98"],
)
MARKS = {"same": "= same", "changed": "~ changed", "added": "+ added", "dropped": "− dropped"}
CHANGE_COLOURS = {"~ changed": "#fbe3a1", "+ added": "#cfe8d4", "− dropped": "#f8c9bd"}


def side(column: DeltaGenerator, name: str, backends: list[str], default: str) -> tuple[str, str]:
    with column:
        st.markdown(f"##### {name}")
        backend = st.selectbox(
            "Backend", backends, index=backends.index(default), key=f"cmp-backend-{name}"
        )
        prompts = access.server_path(
            "Prompt folder",
            str(DEFAULT_PROMPTS_DIR),
            key=f"cmp-prompts-{name}",
            help="A copy of prompts/ with edited prompt files.",
        )
    return backend, prompts


def label(backend: str, prompts: str) -> str:
    folder = Path(prompts).expanduser().resolve()
    default = folder == DEFAULT_PROMPTS_DIR.resolve()
    return f"{backend} · {'default prompts' if default else folder.name + '/'}"


def figures_frame(figures: list[RunFigures]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "set-up": f.label,
                "model": f.model,
                "claims": f.claims,
                "check-worthy": f.check_worthy,
                "prompt tokens": f.prompt_tokens,
                "completion tokens": f.completion_tokens,
                "cost (USD)": round(f.cost_usd, 5),
                "seconds": round(f.seconds, 1),
                "cached steps": f.cache_hits,
                "answered now": f.cache_misses,
                "failed steps": f.failures,
                "prompts": f.prompts,
            }
            for f in figures
        ]
    )


def short(claim: Claim | None) -> str:
    return f"{claim.id}: {claim.text}" if claim else ""


def pairs_frame(pairs: list[ClaimPair]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "change": MARKS[p.kind],
                "A": short(p.a),
                "B": short(p.b),
                "what changed": ", ".join(p.changes),
                "A rating": label_of(p.a).replace("_", " ") if p.a else "",
                "B rating": label_of(p.b).replace("_", " ") if p.b else "",
                "similarity": round(p.similarity, 2) if p.similarity is not None else None,
            }
            for p in pairs
        ],
        columns=["change", "A", "B", "what changed", "A rating", "B rating", "similarity"],
    )


def show(comparison: Comparison, report_a: Report, report_b: Report) -> None:
    st.subheader(comparison.summary(), anchor=False)
    st.dataframe(figures_frame([comparison.a, comparison.b]), hide_index=True, width="stretch")
    st.caption(
        "Tokens, cost and seconds count this run's model calls; steps answered from the "
        "cache cost nothing, so compare a cold run with a cold run."
    )
    kinds = st.multiselect(
        "Show", list(MARKS), default=list(MARKS), key="cmp-kinds", format_func=MARKS.__getitem__
    )
    pairs = [p for p in comparison.pairs if p.kind in kinds]
    st.dataframe(
        pairs_frame(pairs).style.map(
            lambda mark: f"background-color: {CHANGE_COLOURS.get(mark, 'transparent')}",
            subset=["change"],
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "A": st.column_config.TextColumn(width="large"),
            "B": st.column_config.TextColumn(width="large"),
        },
    )
    if pairs:
        index = st.selectbox(
            "Side by side",
            range(len(pairs)),
            key="cmp-pair",
            format_func=lambda i: (
                f"{MARKS[pairs[i].kind]} · {short(pairs[i].a) or short(pairs[i].b)}"[:140]
            ),
        )
        pair = pairs[index]
        left, right = st.columns(2, gap="large")
        for column, claim, report, name in (
            (left, pair.a, report_a, comparison.a.label),
            (right, pair.b, report_b, comparison.b.label),
        ):
            with column:
                st.markdown(f"##### {md_escape(name)}")
                if claim is None:
                    st.caption("no matching claim on this side")
                else:
                    common.claim_details(report, claim)
    if comparison.sentence_changes:
        with st.expander(f"Sentences whose status differs ({len(comparison.sentence_changes)})"):
            text = {s.id: s.text for s in report_a.sentences}
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "id": sid,
                            "A": STATUS_NAMES[Status(a)],
                            "B": STATUS_NAMES[Status(b)],
                            "sentence": text[sid],
                        }
                        for sid, a, b in comparison.sentence_changes
                    ]
                ),
                hide_index=True,
                width="stretch",
            )


def eval_config() -> EvalConfig:
    path = EVALS_DIR / "config.toml"
    return load_eval_config(path) if path.is_file() else EvalConfig()


def fixture_items_of(engine: Session, backend: str, fixtures: list[Fixture],
                     label: str) -> ItemTable | None:
    """One set-up through the fixtures, scored: its per-item scores (None after an error)."""
    with st.status(f"Running {label} on **{backend}** over {len(fixtures)} fixtures…",
                   expanded=True) as status:
        progress = st.progress(0.0, text="fixtures: waiting")

        def on_fixture(fixture: Fixture, report: Report, seconds: float, done: int,
                       total: int) -> None:
            progress.progress(done / total, text=f"fixtures: {done}/{total} · {fixture.id}")

        try:
            runs = asyncio.run(run_fixtures(fixtures, engine.client(backend), engine.prompts,
                                            on_fixture=on_fixture))
        except WorkbenchError as err:
            status.update(label=f"Stopped: {err}", state="error")
            common.show_error(err)
            return None
        status.update(label=f"{label}: {len(runs)} fixtures scored", state="complete",
                      expanded=False)
    return fixture_items(r.scores for r in runs)


def verdicts_frame(verdicts: list[MetricVerdict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "metric": v.name,
                "A": v.a,
                "B": v.b,
                "delta": v.delta,
                "delta 95% low": v.interval.low if v.interval else None,
                "delta 95% high": v.interval.high if v.interval else None,
                "items": f"{v.items} {v.unit}s",
                "verdict": v.verdict,
            }
            for v in verdicts
        ]
    )


def deltas_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Each ratio metric's delta B - A with its paired 95% interval, around zero."""
    ratios = frame[[not METRICS[m].count if m in METRICS else True for m in frame["metric"]]]
    y = alt.Y("metric:N", sort=list(ratios["metric"]), title=None,
              axis=alt.Axis(labelLimit=260))
    color = alt.Color("verdict:N", scale=VERDICT_COLOURS,
                      legend=alt.Legend(orient="top", title=None))
    intervals = (
        alt.Chart(ratios)
        .transform_filter("isValid(datum['delta 95% low'])")
        .mark_rule(strokeWidth=2)
        .encode(y=y, x=alt.X("delta 95% low:Q", title="B - A"), x2="delta 95% high:Q",
                color=color)
    )
    points = (
        alt.Chart(ratios)
        .mark_point(filled=True, size=60)
        .encode(y=y, x="delta:Q", color=color,
                tooltip=["metric", alt.Tooltip("delta:Q", format="+.3f"),
                         alt.Tooltip("delta 95% low:Q", format="+.3f"),
                         alt.Tooltip("delta 95% high:Q", format="+.3f"), "items", "verdict"])
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#444",
                                                               strokeDash=[4, 3]).encode(x="zero:Q")
    return alt.LayerChart(layer=[zero, intervals, points], height=alt.Step(16))


def show_verdicts(verdicts: list[MetricVerdict], label_a: str, label_b: str, scope: str) -> None:
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    st.subheader(f"B against A on {scope}: "
                 + " · ".join(f"{n} {name}" for name, n in counts.items()), anchor=False)
    st.caption(
        f"A = {label_a} · B = {label_b}. Per metric, the paired 95% bootstrap interval of B - A "
        "on the same items (articles, gold sentences or gold claims): wholly above or below zero "
        "is a difference these fixtures can show, zero inside is no detectable difference. "
        "`workbench eval --compare` gives the same table from the command line."
    )
    frame = verdicts_frame(verdicts)
    st.altair_chart(deltas_chart(frame), width="stretch")
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.NumberColumn(name, format="%.3f")
            for name in ("A", "B", "delta", "delta 95% low", "delta 95% high")
        },
    )


engine = common.session()
backends = list(engine.config.backends)
st.markdown(
    "Run one article through two set-ups — two backends, or one backend with two prompt "
    "folders — and see which claims each finds, what changed, and what each cost; or run a "
    "fixture set through both and see, metric by metric, whether B is better, worse or not "
    "detectably different."
)
scope = st.radio("Compare on", [ARTICLE, FIXTURE_SET], horizontal=True, key="cmp-scope")
raw = None
fixture_set = ALL_FIXTURES
config = EvalConfig()
if scope == ARTICLE:
    checked = st.session_state.get(common.REPORT_INPUT)
    options = (["The article checked on the Check page"] if checked is not None else []) + [
        "Paste"
    ]
    source = st.radio("Article", options, horizontal=True, key="cmp-source")
    raw = checked
    if source == "Paste":
        text = st.text_area("Article text", key="cmp-paste", height=160)
        raw = common.RawInput(text, "pasted text") if text.strip() else None
else:
    try:
        config = eval_config()
    except WorkbenchError as err:
        common.show_error(err)
        st.stop()
    fixture_set = st.selectbox(
        "Fixtures",
        [ALL_FIXTURES, *config.subsets],
        key="cmp-fixtures",
        format_func=lambda name: name if name == ALL_FIXTURES else f"subset {name}",
        help="The hand-labelled fixtures of evals/fixtures, or a named subset of "
        "evals/config.toml.",
    )
columns = st.columns(2, gap="large", border=True)
other = next((b for b in backends if b != engine.config.default), engine.config.default)
backend_a, prompts_a = side(columns[0], "A", backends, engine.config.default)
backend_b, prompts_b = side(columns[1], "B", backends, other)
go = st.button("Compare", type="primary", icon=":material/compare_arrows:")

if go and scope == FIXTURE_SET:
    try:
        ensure_wordnet()  # questions.meteor needs it: say so before any fixture runs
        fixtures = select_fixtures(
            load_fixtures(common.FIXTURES_DIR), config,
            subset=None if fixture_set == ALL_FIXTURES else fixture_set, ids=[],
        )
        set_ups = [common.open_session(prompts_a), common.open_session(prompts_b)]
    except WorkbenchError as err:
        common.show_error(err)
    else:
        labels = [label(backend_a, prompts_a), label(backend_b, prompts_b)]
        items_a = fixture_items_of(set_ups[0], backend_a, fixtures, "A")
        items_b = (fixture_items_of(set_ups[1], backend_b, fixtures, "B")
                   if items_a is not None else None)
        if items_a is not None and items_b is not None:
            st.session_state[FIXTURE_RESULT] = (
                compare_items(items_a, items_b), labels[0], labels[1],
                f"{len(fixtures)} fixtures" + ("" if fixture_set == ALL_FIXTURES
                                               else f" (subset {fixture_set})"),
            )
elif go and raw is None:
    st.warning("Paste an article first (or check one on the Check page).")
elif go and raw is not None:
    if (backend_a, Path(prompts_a).resolve()) == (backend_b, Path(prompts_b).resolve()):
        st.info("Both sides are the same set-up; the second run comes from the cache.")
    try:
        sessions: list[Session] = [common.open_session(prompts_a), common.open_session(prompts_b)]
        article = common.read_input(raw, engine.config.limits)
    except WorkbenchError as err:
        common.show_error(err)
    else:
        labels = [label(backend_a, prompts_a), label(backend_b, prompts_b)]
        if labels[0] == labels[1]:
            labels = [f"A · {labels[0]}", f"B · {labels[1]}"]
        report_a = common.run_check(sessions[0], article, backend_a, label="A")
        report_b = (
            common.run_check(sessions[1], article, backend_b, label="B")
            if report_a is not None
            else None
        )
        if report_a is not None and report_b is not None:
            st.session_state[RESULT] = (report_a, report_b, labels[0], labels[1])

if scope == FIXTURE_SET:
    verdicts = st.session_state.get(FIXTURE_RESULT)
    if verdicts is not None:
        st.divider()
        show_verdicts(*verdicts)
    st.stop()

stored = st.session_state.get(RESULT)
if stored is not None:
    report_a, report_b, label_a, label_b = stored
    try:
        result = compare_reports(report_a, report_b, label_a=label_a, label_b=label_b)
    except WorkbenchError as err:
        common.show_error(err)
    else:
        st.divider()
        show(result, report_a, report_b)
