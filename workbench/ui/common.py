"""What the pages share: the engine session, per-user state, error display, claim views, runs.

State rules (two people on one server must never see each other's results):
- results live only in ``st.session_state`` (one per browser session), under the keys below;
- ``st.cache_resource`` shares only the ``Session`` (config, response cache, prompts, clients),
  which is thread-safe and holds no results; no ``st.cache_data`` anywhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from workbench.classifier.rank import check_first
from workbench.core.budget import Budget
from workbench.core.config import InputLimits, find_config_file
from workbench.core.errors import SpendingCapReached, WorkbenchError
from workbench.core.schema import Article, Claim, Report, Stage, StageStats, Status
from workbench.io.export import render, to_csv, to_json, to_markdown
from workbench.io.ingest import read_article
from workbench.pipeline import Progress
from workbench.session import Session
from workbench.ui.markup import (
    LABEL_NAMES,
    STATUS_NAMES,
    label_of,
    md_escape,
    quote_in_context,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS_DIR = (REPO.parent / "shared" / "seeds").resolve()
FIXTURES_DIR = REPO / "evals" / "fixtures"

# st.session_state keys (per user)
REPORT = "report"  # the finished Report being read and reviewed
REPORT_INPUT = "report_input"  # RawInput the report was made from (for Save as fixture)
PARTIAL = "partial"  # the Report of a run that was interrupted, else None
PARTIAL_INPUT = "partial_input"
REVISION = "revision"  # bumps on every new report, so widget keys of the old one are dropped
SELECTED = "selected_claim"

STAGES = {
    Stage.select: ("Selecting checkable sentences", "sentences"),
    Stage.extract: ("Extracting claims", "sentences"),
    Stage.checkworthiness: ("Rating check-worthiness", "claims"),
    Stage.evidence: ("Planning evidence", "claims"),
}


@dataclass(frozen=True)
class RawInput:
    """The article exactly as the user gave it, and the name that decides how it is read."""

    data: str | bytes
    name: str


def read_input(raw: RawInput, limits: InputLimits) -> Article:
    """The article in ``raw``; may raise ``InputError``. Pasted text takes the path of a file's
    bytes, so binary pasted into the box is refused like a binary file, not checked sentence
    by garbage sentence."""
    data = raw.data.encode("utf-8", errors="replace") if isinstance(raw.data, str) else raw.data
    return read_article(data, raw.name, limits)


@st.cache_resource(show_spinner=False)
def _open_session(
    config: str | None, config_mtime: int, cache_dir: str | None, prompts_dir: str | None
) -> Session:
    # The arguments are the cache key: another config file (or version of it), cache directory
    # or prompt folder is another Session.
    return Session.open(config, prompts_dir=prompts_dir, cache_dir=cache_dir)


def open_session(prompts_dir: str | None = None) -> Session:
    """The shared engine session for a prompt folder (default: the repo's); may raise
    ``WorkbenchError`` for a bad config or prompt file."""
    config = find_config_file(os.environ.get("WORKBENCH_CONFIG") or None)
    return _open_session(
        str(config) if config else None,
        config.stat().st_mtime_ns if config else 0,  # an edited config file is read again
        os.environ.get("WORKBENCH_CACHE_DIR") or None,
        str(Path(prompts_dir).expanduser().resolve()) if prompts_dir else None,
    )


def session() -> Session:
    """The shared engine session; a config or prompt error stops the page with one line."""
    try:
        return open_session()
    except WorkbenchError as err:
        st.error(str(err))
        st.stop()
        raise  # unreachable: st.stop raises


def reload_sessions() -> None:
    """Forget the shared sessions, so an edited config file or prompt is read again."""
    _open_session.clear()


def show_error(err: WorkbenchError) -> None:
    """An engine error as the one line it carries (never a traceback)."""
    st.error(str(err), icon=":material/error:")


def revision() -> int:
    return int(st.session_state.get(REVISION, 0))


def set_report(report: Report, raw: RawInput | None) -> None:
    """Make ``report`` the current one (for Check, Review and exports)."""
    st.session_state[REPORT] = report
    st.session_state[REPORT_INPUT] = raw
    st.session_state[REVISION] = revision() + 1
    st.session_state.pop(SELECTED, None)


def current_report() -> Report | None:
    report = st.session_state.get(REPORT)
    return report if isinstance(report, Report) else None


def header(report: Report) -> None:
    """The summary line ('12 claims · 5 check-worthy · ...') and where it came from."""
    st.subheader(report.summary(), anchor=False)
    run = report.run
    source = report.article.title or report.article.source
    st.caption(
        f"{md_escape(source)} · backend **{md_escape(run.backend)}** ({md_escape(run.model)}) · "
        f"{run.seconds:.1f}s · {run.cache_hits} cached steps, {run.cache_misses} answered now "
        f"({run.totals.prompt_tokens + run.totals.completion_tokens:,} model tokens)"
    )
    if report.failures:
        st.warning(
            f"{len(report.failures)} step(s) failed after retries; the rest of the article is "
            "complete. The failed sentences are listed with their reason below.",
            icon=":material/warning:",
        )
        with st.expander(f"Failed steps ({len(report.failures)})"):
            st.dataframe(
                pd.DataFrame([f.model_dump() for f in report.failures]),
                hide_index=True,
                width="stretch",
            )


STANDARD_EXPORTS = (
    ("AVeriTeC JSON", "averitec", "averitec.json", "application/json"),
    ("CheckThat! TSV", "checkthat", "checkthat.tsv", "text/tab-separated-values"),
    ("ClaimReview JSON-LD", "claimreview", "claimreview.jsonld", "application/ld+json"),
)


def export_buttons(report: Report, key: str) -> None:
    """Download the report as JSON, CSV, a Markdown fact-check brief, or in the published shapes
    other tools read (AVeriTeC, CheckThat!, schema.org ClaimReview)."""
    stem = Path(report.article.source).stem.strip("<>") or "article"
    columns = st.columns(3, width=520)
    columns[0].download_button(
        "Export JSON",
        to_json(report),
        f"{stem}.claims.json",
        "application/json",
        key=f"{key}-json",
        on_click="ignore",
        icon=":material/download:",
    )
    columns[1].download_button(
        "Export CSV",
        to_csv(report),
        f"{stem}.claims.csv",
        "text/csv",
        key=f"{key}-csv",
        on_click="ignore",
        icon=":material/download:",
    )
    columns[2].download_button(
        "Markdown brief",
        to_markdown(report),
        f"{stem}.brief.md",
        "text/markdown",
        key=f"{key}-md",
        on_click="ignore",
        icon=":material/download:",
    )
    with st.popover("Standard formats", icon=":material/ios_share:"):
        for label, fmt, suffix, mime in STANDARD_EXPORTS:
            st.download_button(
                label,
                render(report, fmt),
                f"{stem}.{suffix}",
                mime,
                key=f"{key}-{fmt}",
                on_click="ignore",
                icon=":material/download:",
            )


def claim_title(claim: Claim, width: int = 90, *, markdown: bool = False) -> str:
    """'c3 · check-worthy · The army ...': plain for select boxes, escaped for Markdown labels."""
    text = " ".join(claim.text.split())
    text = text if len(text) <= width else text[: width - 1] + "…"
    return f"{claim.id} · {LABEL_NAMES[label_of(claim)]} · {md_escape(text) if markdown else text}"


def claims_frame(claims: list[Claim]) -> pd.DataFrame:
    """One row per claim, in the given order, for ``st.dataframe`` (text cells, never HTML)."""
    rows = [
        {
            "id": c.id,
            "claim": c.text,
            "check-worthiness": LABEL_NAMES[label_of(c)],
            "score": c.checkworthiness.score if c.checkworthiness else None,
            "type": c.type.value,
            "claimer": c.claimer,
            "evidence": len(c.evidence),
            "review": c.review,
        }
        for c in claims
    ]
    columns = ["id", "claim", "check-worthiness", "score", "type", "claimer", "evidence", "review"]
    return pd.DataFrame(rows, columns=columns)


NO_TOPIC = "none of the topics"


def topic_options(report: Report) -> list[str]:
    """The topic filter's choices: the report's topics, and claims about none of them."""
    return [*report.topics, NO_TOPIC] if report.topics else []


def about_topics(claim: Claim, chosen: Sequence[str]) -> bool:
    """Does ``claim`` pass the topic filter (nothing chosen passes every claim)?"""
    if not chosen:
        return True
    return any(t in claim.topics for t in chosen) or (NO_TOPIC in chosen and not claim.topics)


def check_first_frame(report: Report, shown: Sequence[Claim]) -> pd.DataFrame:
    """The check-first list (``workbench.classifier.rank``) of the claims shown, in rank order."""
    ids = {c.id for c in shown}
    rows = [
        {"rank": r.rank, "id": r.claim.id, "claim": r.claim.text, "why": r.reason}
        for r in check_first(report)
        if r.claim.id in ids
    ]
    return pd.DataFrame(rows, columns=["rank", "id", "claim", "why"])


CLAIM_COLUMNS: dict[str, Any] = {
    "id": st.column_config.TextColumn("id", width=50),
    "claim": st.column_config.TextColumn("claim", width="medium"),
    "score": st.column_config.ProgressColumn(
        "score", min_value=0.0, max_value=1.0, format="%.2f", width=80
    ),
    "evidence": st.column_config.NumberColumn("evidence", help="evidence needs planned", width=70),
}


def sentences_frame(report: Report, statuses: list[str] | None = None) -> pd.DataFrame:
    rows = [
        {
            "id": s.id,
            "status": STATUS_NAMES[s.status],
            "reason": s.reason,
            "claims": ", ".join(s.claim_ids),
            "sentence": s.text,
        }
        for s in report.sentences
        if statuses is None or STATUS_NAMES[s.status] in statuses
    ]
    return pd.DataFrame(rows, columns=["id", "status", "reason", "claims", "sentence"])


def claim_details(report: Report, claim: Claim) -> None:
    """Everything about one claim: its span in context, who claims it, rating, evidence plan."""
    st.markdown(f"**{md_escape(claim.text)}**")
    st.html(quote_in_context(report, claim))
    st.caption(
        f"Quote at characters {claim.start}–{claim.end} of the article, "
        f"sentence {claim.sentence_id} · type {claim.type.value} · review: {claim.review}"
    )
    chain = " → ".join(md_escape(link) for link in (claim.attribution or [claim.claimer]))
    st.markdown(f"**Who claims it:** {chain}")
    if claim.time:
        when = claim.time.as_of or "unresolved: the article has no date"
        st.markdown(
            f"**When:** {md_escape(when)} (“{md_escape(claim.time.expression)}”, "
            f"{claim.time.basis})"
        )
    rating = claim.checkworthiness
    if rating is None:
        st.markdown("**Check-worthiness:** not rated (the rating step failed or is pending)")
    else:
        st.markdown(
            f"**Check-worthiness:** {LABEL_NAMES[rating.label.value]} "
            f"({rating.score:.2f}) — {md_escape(rating.rationale)}"
        )
    if not claim.evidence:
        st.markdown("**Evidence plan:** none yet")
    for need in claim.evidence:
        as_of = f" (as of {md_escape(need.as_of)})" if need.as_of else ""
        lines = [
            f"**Evidence — {need.kind.value.replace('_', ' ')}:** {md_escape(need.need)}{as_of}"
        ]
        lines += [f"- {md_escape(q)}" for q in need.questions]
        if need.where:
            lines.append(f"\n*Where to look:* {'; '.join(md_escape(w) for w in need.where)}")
        st.markdown("\n".join(lines))
    st.caption(f"{claim_cost(claim)} · answered by {provenance_line(claim)}")


def live_claim_line(claim: Claim) -> str:
    """'- **c3** · Mayor Ana Ruiz · The army ...': one claim in the list of a running check."""
    return f"- **{claim.id}** · {md_escape(claim.claimer)} · {md_escape(claim.text)}"


def claim_cost(claim: Claim) -> str:
    """What making the claim cost (its share of its sentence's calls, plus its own)."""
    usage = claim.usage
    return (
        f"Cost: {usage.tokens:,} tokens · ${usage.cost_usd:.4f} · "
        f"{usage.seconds:.1f}s of model time"
    )


def provenance_line(claim: Claim) -> str:
    return "; ".join(f"{stage}: {engine}" for stage, engine in claim.provenance.items()) or "—"


def spend_line(report: Report) -> str:
    """Tokens and dollars this run has spent so far (cache hits are free)."""
    spent = StageStats.total(report.run.stages.values())
    tokens = spent.prompt_tokens + spent.completion_tokens
    return f"{tokens:,} tokens · ${spent.cost_usd:.4f} spent"


# --------------------------------------------------------------------------------------------
# Running the pipeline with live progress
# --------------------------------------------------------------------------------------------


def run_check(
    engine: Session,
    article: Article,
    backend: str,
    *,
    label: str = "",
    on_partial: Callable[[Report], None] | None = None,
    topics: Sequence[str] = (),
) -> Report | None:
    """Run the pipeline with a progress bar per stage and the claims as they become ready.

    Returns None after showing the error when the run could not finish. If the user stops the
    run (or clicks anything), Streamlit interrupts it at the next progress update; every
    finished step is in the response cache, so running again resumes there.
    """
    title = f"Checking {label + ' ' if label else ''}on **{backend}**"
    with st.status(title + "…", expanded=True) as status:
        bars = {
            stage: st.progress(0.0, text=f"{name}: waiting") for stage, (name, _) in STAGES.items()
        }
        live_line = st.empty()
        live_claims = st.empty()  # the claims so far: a list while found, then a rated table
        shown: dict[str, Any] = {"at": 0.0, "list": None}
        started = time.perf_counter()

        def on_progress(progress: Progress) -> None:
            name, unit = STAGES.get(progress.stage, (progress.stage, "steps"))
            fraction = progress.done / progress.total if progress.total else 1.0
            bars[progress.stage].progress(
                fraction, text=f"{name}: {progress.done}/{progress.total} {unit}"
            )
            if on_partial is not None:
                on_partial(progress.report)
            now = time.perf_counter()
            finished = progress.done == progress.total
            if progress.released:
                # Shown at once, appended: redrawing the whole list for each sentence would
                # cost a long article's run time quadratic in its claims.
                if shown["list"] is None:
                    shown["list"] = live_claims.container(height=240, border=True)
                shown["list"].markdown("\n".join(live_claim_line(c) for c in progress.released))
            due = bool(progress.released) or finished or now - shown["at"] > 0.8
            if due:
                shown["at"] = now
                live_line.caption(
                    f"So far: {progress.report.summary()} · {spend_line(progress.report)} · "
                    f"{now - started:.0f}s"
                )
            rating = progress.stage in (Stage.checkworthiness, Stage.evidence)
            if rating and progress.report.claims and (due or progress.done == 0):
                # Ratings and plans fill in the claims already listed (same ids, same order):
                # the table replaces the list, redrawn about once a second at most.
                shown["list"] = None
                live_claims.dataframe(
                    claims_frame(progress.report.claims),
                    hide_index=True,
                    width="stretch",
                    column_config=CLAIM_COLUMNS,
                    height=240,
                )

        try:
            budget = Budget(engine.config.spending)  # [limits] caps apply per run
            report = engine.check(
                article, backend, on_progress=on_progress, budget=budget, topics=topics
            )
        except WorkbenchError as err:
            partial = err.report if isinstance(err, SpendingCapReached) else None
            if isinstance(partial, Report) and on_partial is not None:
                on_partial(partial)  # the finished claims stay on the page
            status.update(label=f"Stopped: {err}", state="error", expanded=True)
            show_error(err)
            return None
        live_claims.empty()
        live_line.empty()
        status.update(
            label=f"{label + ': ' if label else ''}done in {report.run.seconds:.1f}s · "
            f"{report.summary()}",
            state="complete",
            expanded=False,
        )
    return report


def statuses_present(report: Report) -> list[str]:
    order = [
        Status.claims,
        Status.no_claim,
        Status.ambiguous,
        Status.failed,
        Status.skipped,
        Status.pending,
    ]
    present = {s.status for s in report.sentences}
    return [STATUS_NAMES[s] for s in order if s in present]
