"""Check: paste, upload or pick an article, run it on a backend, read the claims it holds."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workbench.core.config import clean_topics
from workbench.core.errors import WorkbenchError
from workbench.core.schema import Report
from workbench.ui import common
from workbench.ui.common import RawInput
from workbench.ui.markup import (
    LABEL_NAMES,
    highlight_article,
    label_of,
    legend,
    scroll_to_selection,
)


def seed_title(path: Path) -> str:
    """The sample's first line without its Markdown heading mark, and the file name."""
    try:
        first = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
    except (OSError, IndexError):
        first = ""
    first = first.lstrip("# ").strip()
    first = first if len(first) <= 70 else first[:69] + "…"
    return f"{first} ({path.name})" if first else path.name


def choose_input() -> RawInput | None:
    source = st.segmented_control(
        "Source", ["Paste", "Upload", "Sample"], default="Paste", key="source", required=True
    )
    if source == "Upload":
        upload = st.file_uploader(
            "Article file (.txt, .md, .html)",
            type=["txt", "md", "markdown", "html", "htm"],
            key="upload",
        )
        return RawInput(upload.getvalue(), upload.name) if upload is not None else None
    if source == "Sample":
        seeds = sorted(common.SEEDS_DIR.glob("*.txt"))
        if not seeds:
            st.info(f"No sample articles in {common.SEEDS_DIR}.")
            return None
        pick = st.selectbox("Sample article", seeds, format_func=seed_title, key="sample")
        with st.expander("Preview"):
            st.text(pick.read_text(encoding="utf-8", errors="replace")[:3000])
        return RawInput(pick.read_bytes(), pick.name)
    text = st.text_area(
        "Article text",
        key="paste_text",
        height=200,
        placeholder="Paste the article text (plain text, Markdown or HTML)…",
    )
    return RawInput(text, "pasted text") if text.strip() else None


def show_result(report: Report, *, key: str) -> None:
    """Filters, the highlighted article, the claims table, claim details and sentence statuses."""
    claims = report.claims
    present = lambda values: sorted(set(values))  # noqa: E731 - tiny local helper
    topics = st.multiselect(
        "Topic",
        common.topic_options(report),
        key=f"{key}-f-topic",
        placeholder="all topics" if report.topics else "no topic was given",
        disabled=not report.topics,
    )
    filters = st.columns([1, 1, 1, 1.4])
    labels = filters[0].multiselect(
        "Check-worthiness",
        [LABEL_NAMES[v] for v in LABEL_NAMES if v in {label_of(c) for c in claims}],
        key=f"{key}-f-label",
        placeholder="all",
    )
    types = filters[1].multiselect(
        "Type", present(c.type.value for c in claims), key=f"{key}-f-type", placeholder="all"
    )
    claimers = filters[2].multiselect(
        "Claimer", present(c.claimer for c in claims), key=f"{key}-f-claimer", placeholder="all"
    )
    search = filters[3].text_input(
        "Search claims", key=f"{key}-f-search", placeholder="words in the claim or quote"
    )
    shown = [
        c
        for c in claims
        if (not labels or LABEL_NAMES[label_of(c)] in labels)
        and (not types or c.type.value in types)
        and (not claimers or c.claimer in claimers)
        and (not search or search.lower() in (c.text + " " + c.quote).lower())
        and common.about_topics(c, topics)
    ]
    st.markdown("#### Check first")
    st.dataframe(
        common.check_first_frame(report, shown),
        key=f"{key}-check-first",
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("rank", width=50),
            "claim": st.column_config.TextColumn("claim", width="large"),
            "why": st.column_config.TextColumn("why", width="medium"),
        },
        height=min(38 + 35 * len(shown), 250),
    )
    ids = [c.id for c in shown]
    if st.session_state.get(common.SELECTED) not in ids:
        st.session_state.pop(common.SELECTED, None)
    table_key = f"{key}-table"

    left, right = st.columns([1, 1.1], gap="large")
    with right:
        st.markdown(f"**Claims** · {len(shown)} of {len(claims)} shown · click a row or pick one")
        event = st.dataframe(
            common.claims_frame(shown),
            key=table_key,
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            width="stretch",
            column_config=common.CLAIM_COLUMNS,
            height=min(38 + 35 * len(shown), 360),
        )
        # A newly clicked row selects its claim; the select box below can change it again.
        rows = list(event.selection.rows)
        if rows != st.session_state.get(f"{table_key}-seen"):
            st.session_state[f"{table_key}-seen"] = rows
            if rows and rows[0] < len(ids):
                st.session_state[common.SELECTED] = ids[rows[0]]
        by_id = {c.id: c for c in shown}
        selected = st.selectbox(
            "Selected claim",
            ids,
            index=0 if ids else None,
            key=common.SELECTED,
            format_func=lambda i: common.claim_title(by_id[i]),
            placeholder="Choose a claim to see its span and evidence plan",
        )
        if selected is not None:
            common.claim_details(report, by_id[selected])
    with left:
        st.markdown("**Article** · quotes highlighted by check-worthiness")
        st.html(legend())
        with st.container(height=640, border=True):
            st.html(highlight_article(report, selected=selected, claims=shown))
        if selected is not None:
            # Our own script, no article text in it: scroll the article box to the selection.
            st.html(scroll_to_selection(selected), unsafe_allow_javascript=True)

    st.markdown("#### Claim by claim")
    if not shown:
        st.caption("No claims match the filters.")
    for claim in shown:
        with st.expander(
            common.claim_title(claim, 120, markdown=True), expanded=claim.id == selected
        ):
            common.claim_details(report, claim)

    st.markdown("#### Sentences")
    options = common.statuses_present(report)
    chosen = st.multiselect(
        "Show sentences that are", options, default=options, key=f"{key}-f-status"
    )
    st.dataframe(
        common.sentences_frame(report, chosen),
        hide_index=True,
        width="stretch",
        column_config={
            "sentence": st.column_config.TextColumn(width="large"),
            "reason": st.column_config.TextColumn(width="medium"),
        },
    )


engine = common.session()
shown_report = common.current_report()
if shown_report is None:
    st.caption(
        "Find the checkable claims in an article, who makes each one, how much it "
        "matters, and what evidence would settle it."
    )
# Once there is a result the input folds away, so the result is what the page shows. A new
# label makes a new expander: the browser would otherwise keep the old one open.
with st.expander(
    "Article" if shown_report is None else "Article · open to check another",
    expanded=shown_report is None,
    icon=":material/article:",
):
    raw = choose_input()
topics_text = st.text_area(
    "Topics of interest (one per line; optional)",
    value="\n".join(engine.config.topics),
    key="topics",
    height=80,
    help="Claims about these come first in the check-first list and can be filtered by topic. "
    "A short description matches better than one word.",
)
backends = list(engine.config.backends)
controls = st.columns([2, 1, 1, 3], vertical_alignment="bottom")
backend = controls[0].selectbox(
    "Backend",
    backends,
    index=backends.index(engine.config.default),
    key="backend",
    format_func=lambda n: f"{n} · {engine.config.backends[n].model}",
)
# Never disabled: a pasted text reaches the script only when the text area loses focus, which
# clicking this button does.
run = controls[1].button("Run check", type="primary", width="stretch", icon=":material/play_arrow:")
controls[2].button(
    "Stop",
    width="stretch",
    icon=":material/stop:",
    help="Stop the running check. Finished steps are cached: Run resumes there.",
)

if run and raw is None and st.session_state.get("source") == "Upload":
    # A file over Streamlit's upload limit never reaches the script: say why it is not there.
    st.warning(
        "Upload an article file first: .txt, .md or .html, at most "
        f"{st.get_option('server.maxUploadSize')} MB (a larger file is refused and marked red).",
    )
elif run and raw is None:
    st.warning("Paste an article, upload a file or pick a sample first.")
elif run and raw is not None:
    try:
        article = common.read_input(raw, engine.config.limits)
        topics = clean_topics([t for t in topics_text.splitlines() if t.strip()], "topics")
    except WorkbenchError as err:
        common.show_error(err)
    else:
        st.session_state[common.PARTIAL_INPUT] = raw

        def keep_partial(partial: Report) -> None:
            st.session_state[common.PARTIAL] = partial

        report = common.run_check(
            engine, article, backend, on_partial=keep_partial, topics=topics
        )
        if report is not None:  # a stopped run keeps its partial report on the page
            st.session_state[common.PARTIAL] = None
            common.set_report(report, raw)
            st.rerun()  # draw the page as a result page: input folded, result on top

partial = st.session_state.get(common.PARTIAL)
if isinstance(partial, Report) and not run:
    done = {stage: stats.calls for stage, stats in partial.run.stages.items() if stats.calls}
    steps = " · ".join(f"{stage} {calls}" for stage, calls in done.items())
    st.warning(
        f"The last run was stopped after {sum(done.values())} finished steps"
        + (f" ({steps})" if steps else "")
        + ". They are in the cache: press **Run check** with the same article and backend to "
        "resume where it stopped.",
        icon=":material/pause_circle:",
    )
    if partial.claims:
        with st.expander(f"What the stopped run had so far: {partial.summary()}"):
            st.dataframe(
                common.claims_frame(partial.claims),
                hide_index=True,
                width="stretch",
                column_config=common.CLAIM_COLUMNS,
            )

result = common.current_report()
if result is not None:
    st.divider()
    common.header(result)
    common.export_buttons(result, key=f"check-export-{common.revision()}")
    show_result(result, key=f"check-{common.revision()}")
elif raw is None and not isinstance(partial, Report):
    st.caption(
        "Paste an article, upload a file or pick a sample, choose a backend and press "
        "Run check. The built-in backend (a trained classifier and rules, no model) needs no "
        "key and no network and takes seconds; the embedded SmolLM2 model takes a few "
        "minutes per article on two cores."
    )
