"""Review: accept, reject or edit claims, add missed ones, edit evidence, save as a fixture."""

from __future__ import annotations

import html
import json
import zlib

import streamlit as st
from pydantic import ValidationError

from workbench.core.errors import WorkbenchError
from workbench.core.schema import (
    CheckLabel,
    Claim,
    ClaimType,
    EvidenceKind,
    EvidenceNeed,
    Report,
    Role,
    Status,
)
from workbench.review.corrections import (
    add_claim,
    edit_claim,
    edit_evidence,
    evidence_need,
    fixture_id_for,
    fixture_yaml,
    review_counts,
    save_fixture,
    sentence_words,
    set_decision,
    word_span,
)
from workbench.ui import access, common
from workbench.ui.markup import ARTICLE_CSS, LABEL_NAMES, STATUS_NAMES, quote_in_context

PICK = "review-pick"
PICK_NEXT = "review-pick-next"
KINDS = [k.value for k in EvidenceKind]
TYPES = [t.value for t in ClaimType]
LABELS = [label.value for label in CheckLabel]


def update(report: Report) -> None:
    """Keep an edited report as the current one (same revision: widget keys stay)."""
    st.session_state[common.REPORT] = report


def chain_of(text: str) -> list[str]:
    return [link.strip() for link in text.replace(">", "→").split("→") if link.strip()]


def decision_buttons(report: Report, claim: Claim) -> None:
    row = st.columns([1, 1, 1, 4], vertical_alignment="center")
    if row[0].button(
        "Accept", key=f"accept-{claim.id}", type="primary", width="stretch", icon=":material/check:"
    ):
        update(set_decision(report, claim.id, "accepted"))
        st.rerun()
    if row[1].button("Reject", key=f"reject-{claim.id}", width="stretch", icon=":material/close:"):
        update(set_decision(report, claim.id, "rejected"))
        st.rerun()
    if row[2].button(
        "Undo decision",
        key=f"reset-{claim.id}",
        width="stretch",
        disabled=claim.review in ("unreviewed", "added"),
    ):
        update(set_decision(report, claim.id, "unreviewed"))
        st.rerun()
    row[3].markdown(f"Review state: **{claim.review}**")


def edit_form(report: Report, claim: Claim, key: str) -> None:
    with st.form(f"{key}-claim"):
        text = st.text_area("Claim (atomic, standalone restatement)", claim.text, height=90)
        cols = st.columns(2)
        claimer = cols[0].text_input("Claimer", claim.claimer)
        chain = cols[1].text_input(
            "Attribution chain (outermost first, separated by →)", " → ".join(claim.attribution)
        )
        cols = st.columns(2)
        kind = cols[0].selectbox("Type", TYPES, index=TYPES.index(claim.type.value))
        current = claim.checkworthiness.label.value if claim.checkworthiness else None
        label = cols[1].selectbox(
            "Check-worthiness",
            LABELS,
            index=LABELS.index(current) if current else None,
            format_func=lambda v: LABEL_NAMES[v],
            placeholder="unrated",
        )
        rationale = st.text_input(
            "Why (rationale)", claim.checkworthiness.rationale if claim.checkworthiness else ""
        )
        if st.form_submit_button("Save claim", icon=":material/save:"):
            try:
                update(
                    edit_claim(
                        report,
                        claim.id,
                        text=text,
                        claimer=claimer,
                        attribution=chain_of(chain),
                        type=ClaimType(kind),
                        label=CheckLabel(label) if label else None,
                        rationale=rationale,
                    )
                )
            except WorkbenchError as err:
                common.show_error(err)
            else:
                st.rerun()


def evidence_form(report: Report, claim: Claim, key: str) -> None:
    # Keys change with the saved plan: after a need is removed, the next one must not inherit
    # the removed one's field values.
    plan = json.dumps([n.model_dump(mode="json") for n in claim.evidence], sort_keys=True)
    key = f"{key}-{zlib.crc32(plan.encode()):08x}"
    with st.form(f"{key}-evidence"):
        fields = []
        slots: list[EvidenceNeed | None] = [*claim.evidence, None]
        for number, need in enumerate(slots, 1):
            st.markdown(f"**Need {number}**" if need else "**Add a need** (leave empty for none)")
            cols = st.columns([1.5, 1, 2.2])
            kind = cols[0].selectbox(
                "Kind",
                KINDS,
                key=f"{key}-kind-{number}",
                index=KINDS.index(need.kind.value) if need else 0,
                format_func=lambda v: v.replace("_", " "),
            )
            as_of = cols[1].text_input(
                "As of (date)",
                need.as_of or "" if need else "",
                key=f"{key}-asof-{number}",
            )
            what = cols[2].text_input(
                "What would settle it", need.need if need else "", key=f"{key}-need-{number}"
            )
            halves = st.columns(2)
            questions = halves[0].text_area(
                "Questions (one per line)",
                "\n".join(need.questions) if need else "",
                key=f"{key}-q-{number}",
                height=100,
            )
            where = halves[1].text_area(
                "Where to look (one per line)",
                "\n".join(need.where) if need else "",
                key=f"{key}-where-{number}",
                height=100,
            )
            remove = st.checkbox("Remove this need", key=f"{key}-rm-{number}") if need else False
            fields.append((need, kind, as_of, what, questions, where, remove))
        if st.form_submit_button("Save evidence plan", icon=":material/save:"):
            try:
                needs = [
                    evidence_need(kind, what, questions, where, as_of)
                    for need, kind, as_of, what, questions, where, remove in fields
                    if not remove and (need is not None or what.strip() or questions.strip())
                ]
                update(edit_evidence(report, claim.id, needs))
            except WorkbenchError as err:
                common.show_error(err)
            except ValidationError as err:
                st.error(f"evidence need: {err.errors()[0]['msg']}")
            else:
                st.rerun()


def review_claims(report: Report) -> None:
    if not report.claims:
        st.info("This report has no claims. Add the ones the pipeline missed in the next tab.")
        return
    ids = [c.id for c in report.claims]
    by_id = {c.id: c for c in report.claims}
    if st.session_state.get(PICK_NEXT) in ids:
        st.session_state[PICK] = st.session_state.pop(PICK_NEXT)
    if st.session_state.get(PICK) not in ids:
        unreviewed = [c.id for c in report.claims if c.review == "unreviewed"]
        st.session_state[PICK] = (unreviewed or ids)[0]
    position = ids.index(st.session_state[PICK])
    nav = st.columns([6, 1, 1], vertical_alignment="bottom")
    if nav[1].button(
        "Previous", disabled=position == 0, width="stretch", icon=":material/arrow_back:"
    ):
        st.session_state[PICK] = ids[position - 1]
    if nav[2].button(
        "Next", disabled=position == len(ids) - 1, width="stretch", icon=":material/arrow_forward:"
    ):
        st.session_state[PICK] = ids[position + 1]
    picked = nav[0].selectbox(
        "Claim",
        ids,
        key=PICK,
        format_func=lambda i: f"[{by_id[i].review}] {common.claim_title(by_id[i])}",
    )
    claim = by_id[picked]
    st.html(quote_in_context(report, claim))
    decision_buttons(report, claim)
    key = f"rv-{common.revision()}-{claim.id}"
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("##### Claim")
        edit_form(report, claim, key)
    with right:
        st.markdown("##### Evidence plan")
        evidence_form(report, claim, key)


def add_missed_claim(report: Report) -> None:
    sentences = [s for s in report.sentences if sentence_words(s)]
    by_id = {s.id: s for s in sentences}

    def describe(sentence_id: str) -> str:
        s = by_id[sentence_id]
        text = s.text if len(s.text) <= 90 else s.text[:89] + "…"
        return f"{s.id} · {STATUS_NAMES[s.status]} · {text}"

    # Start where missed claims hide: the first body sentence the pipeline found nothing in.
    ids = list(by_id)
    start_at = next(
        (
            i
            for i, s in enumerate(sentences)
            if s.role == Role.body
            and s.status in (Status.no_claim, Status.ambiguous, Status.failed)
        ),
        0,
    )
    picked = st.selectbox(
        "Sentence",
        ids,
        index=start_at,
        format_func=describe,
        key="add-sentence",
        help="Sentences without claims are where missed claims hide.",
    )
    sentence = by_id[picked]
    words = sentence_words(sentence)
    if len(words) > 1:
        first, last = st.select_slider(
            "Quote: drag to the first and last word the claim rests on",
            options=list(range(len(words))),
            value=(0, len(words) - 1),
            format_func=lambda i: f"{i + 1}. {words[i].text}",
            key=f"add-span-{sentence.id}",
        )
    else:
        first = last = 0
    start, end = word_span(sentence, first, last)
    text = report.article.text
    st.html(
        f'{ARTICLE_CSS}<div class="wb-context">{html.escape(text[sentence.start : start])}'
        f"<mark>{html.escape(text[start:end])}</mark>{html.escape(text[end : sentence.end])}"
        "</div>"
    )
    # Keys carry the span: choosing other words starts the form afresh from the new quote.
    key = f"add-{common.revision()}-{sentence.id}-{start}-{end}"
    with st.form(f"add-claim-{common.revision()}-{sentence.id}", clear_on_submit=True):
        claim_text = st.text_area(
            "Missed claim (atomic, standalone restatement)",
            text[start:end],
            height=90,
            key=f"{key}-text",
        )
        cols = st.columns(4)
        claimer = cols[0].text_input("Claimer", "the author", key=f"{key}-claimer")
        chain = cols[1].text_input(
            "Attribution (outermost first, → between)", "", key=f"{key}-chain"
        )
        kind = cols[2].selectbox("Type", TYPES, key=f"{key}-type")
        label = cols[3].selectbox(
            "Check-worthiness", LABELS, format_func=lambda v: LABEL_NAMES[v], key=f"{key}-label"
        )
        if st.form_submit_button("Add claim", type="primary", icon=":material/add:"):
            try:
                updated = add_claim(
                    report,
                    sentence.id,
                    start,
                    end,
                    text=claim_text,
                    claimer=claimer,
                    attribution=chain_of(chain),
                    type=ClaimType(kind),
                    label=CheckLabel(label),
                )
            except WorkbenchError as err:
                common.show_error(err)
            else:
                update(updated)
                added = next(c for c in updated.claims if c.id not in {x.id for x in report.claims})
                st.session_state[PICK_NEXT] = added.id  # the picker exists already this run
                st.success(f"Added {added.id}. Add its evidence plan under Review claims.")


def save_as_fixture(report: Report) -> None:
    raw = st.session_state.get(common.REPORT_INPUT)
    st.markdown(
        "Saves the reviewed article as a hand-labelled fixture in the eval suite's format "
        "(`evals/FORMAT.md`). Only what you decided becomes gold: accepted, edited and added "
        "claims; rejected ones are left out (a sentence whose claims were all rejected becomes "
        "*no claim*); questions and evidence kinds only where you saved the evidence plan. "
        "The eval suite then runs it like every other fixture."
    )
    unreviewed = review_counts(report)["unreviewed"]
    if unreviewed:
        st.warning(
            f"{unreviewed} claim(s) still unreviewed: they stay out of the fixture, and so do "
            "sentences holding only unreviewed claims (an eval must not score the model against "
            "its own unchecked answers).",
            icon=":material/rule:",
        )
    with st.form("save-fixture"):
        cols = st.columns(2)
        fixture_id = cols[0].text_input("Fixture id (lowercase, dashes)", fixture_id_for(report))
        title = cols[1].text_input("Title", report.article.title or report.article.source)
        cols = st.columns(2)
        labeller = cols[0].text_input("Labeller (initials or name)")
        with cols[1]:
            folder = access.server_path("Fixture folder", str(common.FIXTURES_DIR))
        notes = st.text_area("Notes (hard cases, decisions, doubts)", height=80)
        # Replacing a hand-labelled fixture destroys someone's work: a signed-in user only.
        overwrite = access.may_change_shared_state() and st.checkbox(
            "Replace a fixture with the same id"
        )
        submitted = st.form_submit_button("Save as fixture", type="primary", icon=":material/save:")
    if submitted:
        if raw is None:
            st.error("the article input of this report is not known; run the check again")
        else:
            try:
                path, draft = save_fixture(
                    report,
                    folder,
                    fixture_id=fixture_id.strip(),
                    raw_input=raw.data,
                    source_name=raw.name,
                    title=title,
                    labeller=labeller,
                    notes=notes,
                    overwrite=overwrite,
                )
            except WorkbenchError as err:
                common.show_error(err)
            else:
                st.success(
                    f"Saved {path} with {len(draft.data['claims'])} claims and "
                    f"{len(draft.data['sentences'])} labelled sentences. "
                    "`workbench eval` now runs it.",
                    icon=":material/task_alt:",
                )
                for note in draft.notes:
                    st.caption(note)
    try:
        document = fixture_yaml(
            report, fixture_id=fixture_id_for(report), title=report.article.title or "", labeller=""
        )
    except WorkbenchError as err:
        st.caption(f"No inline YAML download: {err}")
    else:
        st.download_button(
            "Download fixture YAML (article inline)",
            document,
            f"{fixture_id_for(report)}.yaml",
            "application/x-yaml",
            on_click="ignore",
            icon=":material/download:",
        )
        with st.expander("Preview the fixture"):
            st.code(document, language="yaml")


report = common.current_report()
if report is None:
    st.info("Nothing to review yet: check an article first.", icon=":material/info:")
    st.page_link("views/check.py", label="Go to Check", icon=":material/fact_check:")
    st.stop()

common.header(report)
counts = review_counts(report)
st.caption("Review: " + " · ".join(f"{n} {state}" for state, n in counts.items()))
common.export_buttons(report, key=f"review-export-{common.revision()}")
claims_tab, add_tab, save_tab = st.tabs(["Review claims", "Add a missed claim", "Save as fixture"])
with claims_tab:
    review_claims(report)
with add_tab:
    add_missed_claim(report)
with save_tab:
    save_as_fixture(report)
