"""Compare: one article through two backends or two prompt folders, claims aligned."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from workbench.compare import ClaimPair, Comparison, RunFigures, compare_reports
from workbench.errors import WorkbenchError
from workbench.prompts import DEFAULT_PROMPTS_DIR
from workbench.schema import Claim, Report, Status
from workbench.session import Session
from workbench.ui import access, common
from workbench.ui.markup import STATUS_NAMES, label_of, md_escape

RESULT = "comparison"  # session_state: (report A, report B, label A, label B)
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


engine = common.session()
backends = list(engine.config.backends)
st.markdown(
    "Run one article through two set-ups — two backends, or one backend with two prompt "
    "folders — and see which claims each finds, what changed, and what each cost."
)
checked = st.session_state.get(common.REPORT_INPUT)
options = (["The article checked on the Check page"] if checked is not None else []) + ["Paste"]
source = st.radio("Article", options, horizontal=True, key="cmp-source")
raw = checked
if source == "Paste":
    text = st.text_area("Article text", key="cmp-paste", height=160)
    raw = common.RawInput(text, "pasted text") if text.strip() else None
columns = st.columns(2, gap="large", border=True)
other = next((b for b in backends if b != engine.config.default), engine.config.default)
backend_a, prompts_a = side(columns[0], "A", backends, engine.config.default)
backend_b, prompts_b = side(columns[1], "B", backends, other)
go = st.button("Compare", type="primary", icon=":material/compare_arrows:")

if go and raw is None:
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
