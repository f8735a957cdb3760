"""Reviewer corrections of a report, and the reviewed report saved as an eval fixture.

A fact-checker accepts, rejects or edits the claims the pipeline found, adds claims it missed
(choosing a span of a sentence, so the quote stays verbatim) and edits evidence needs. Every
function here takes a ``Report`` and returns a new one (the input is never changed), so a UI can
keep the previous version and nothing is shared between two reviewers' copies.

``save_fixture`` writes the reviewed article in the eval suite's fixture format
(``evals/FORMAT.md``): reviewer corrections become regression tests. Gold labels are derived
from the review, never from an unreviewed guess where the reviewer said otherwise: rejected
claims are left out, and a sentence whose every claim was rejected is labelled ``no_claim``.
Only what a reviewer decided becomes gold: unreviewed claims stay out (and a sentence holding
only unreviewed claims stays unlabelled), and a claim's questions and evidence kinds are gold
only where the reviewer saved its evidence plan, so an eval never scores the model against its
own unreviewed answers.

About 500 lines: the corrections and the fixture they become are one concept (the fixture is
derived from exactly these corrections), kept together so the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.core.errors import ConfigError, UserError
from workbench.core.schema import (
    CheckLabel,
    Checkworthiness,
    Claim,
    ClaimType,
    EvidenceNeed,
    Report,
    Sentence,
    Status,
)
from workbench.evaluation.fixtures import (
    build_fixture,
    find_all,
    load_fixture,
    reference_sentence_spans,
)
from workbench.io.ingest import read_article

Decision = str  # "accepted" | "rejected" | "unreviewed"
_DECISIONS = ("accepted", "rejected", "unreviewed")
_SCORE_OF_LABEL = {
    CheckLabel.check_worthy: 1.0,
    CheckLabel.maybe: 0.5,
    CheckLabel.not_check_worthy: 0.0,
}


class ReviewError(UserError):
    """A correction that cannot be applied: unknown claim, span outside its sentence, ..."""


def _claim_index(report: Report, claim_id: str) -> int:
    for index, claim in enumerate(report.claims):
        if claim.id == claim_id:
            return index
    raise ReviewError(f"no claim {claim_id!r} in this report")


def _sentence(report: Report, sentence_id: str) -> Sentence:
    for sentence in report.sentences:
        if sentence.id == sentence_id:
            return sentence
    raise ReviewError(f"no sentence {sentence_id!r} in this report")


def set_decision(report: Report, claim_id: str, decision: Decision) -> Report:
    """Accept, reject or un-review a claim. Added claims stay ``added`` unless rejected."""
    if decision not in _DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(_DECISIONS)}, not {decision!r}")
    updated = report.model_copy(deep=True)
    claim = updated.claims[_claim_index(updated, claim_id)]
    if claim.review == "added" and decision != "rejected":
        return updated
    claim.review = decision  # type: ignore[assignment]
    return updated


def edit_claim(
    report: Report,
    claim_id: str,
    *,
    text: str | None = None,
    claimer: str | None = None,
    attribution: list[str] | None = None,
    type: ClaimType | None = None,  # noqa: A002 - the field's name
    label: CheckLabel | None = None,
    rationale: str | None = None,
) -> Report:
    """Change what a reviewer may change; the quote and its offsets stay (they are the source).

    A changed check-worthiness label gets the middle score of its band and a rationale that
    says a reviewer set it, unless one is given. Nothing changed: the report comes back as is.
    """
    updated = report.model_copy(deep=True)
    claim = updated.claims[_claim_index(updated, claim_id)]
    before = claim.model_dump()
    if text is not None:
        claim.text = _required(text, "claim text")
    if claimer is not None:
        claim.claimer = _required(claimer, "claimer")
    if attribution is not None:
        claim.attribution = [a.strip() for a in attribution if a.strip()]
    if type is not None:
        claim.type = ClaimType(type)
    if label is not None or rationale is not None:
        current = claim.checkworthiness
        new_label = CheckLabel(label) if label is not None else (current.label if current else None)
        if new_label is None:
            raise ReviewError("give a check-worthiness label to rate an unrated claim")
        same_label = current is not None and current.label == new_label
        claim.checkworthiness = Checkworthiness(
            score=current.score if same_label and current else _SCORE_OF_LABEL[new_label],
            label=new_label,
            rationale=(
                rationale.strip()
                if rationale is not None and rationale.strip()
                else (current.rationale if same_label and current else "set by a reviewer")
            ),
        )
    if claim.model_dump() != before and claim.review != "added":
        claim.review = "edited"
    return updated


def edit_evidence(report: Report, claim_id: str, needs: list[EvidenceNeed]) -> Report:
    """Replace a claim's evidence plan with the reviewer's (validated as ``EvidenceNeed``)."""
    updated = report.model_copy(deep=True)
    claim = updated.claims[_claim_index(updated, claim_id)]
    checked = [EvidenceNeed.model_validate(need.model_dump()) for need in needs]
    if [n.model_dump() for n in checked] != [n.model_dump() for n in claim.evidence]:
        claim.evidence = checked
        if claim.review != "added":
            claim.review = "edited"
    claim.evidence_reviewed = True  # saved by a reviewer, changed or not: they vouch for it
    return updated


def parse_lines(text: str) -> list[str]:
    """One item per non-empty line (for questions and 'where to look' typed in a text area)."""
    return [line.strip(" -*\t") for line in text.splitlines() if line.strip(" -*\t")]


def evidence_need(
    kind: str, need: str, questions: str, where: str = "", as_of: str = ""
) -> EvidenceNeed:
    """An ``EvidenceNeed`` from form fields; questions and places one per line."""
    asked = [q if q.endswith("?") else q.rstrip(".") + "?" for q in parse_lines(questions)]
    if not asked:
        raise ReviewError("an evidence need has at least one question")
    if len(asked) > 5:
        raise ReviewError(f"an evidence need has at most 5 questions, not {len(asked)}")
    return EvidenceNeed(
        kind=kind,
        need=_required(need, "what would settle it"),  # type: ignore[arg-type]
        questions=asked,
        where=parse_lines(where),
        as_of=as_of.strip() or None,
    )


@dataclass(frozen=True)
class Word:
    """A word of a sentence with its offsets relative to the sentence."""

    text: str
    start: int
    end: int


def sentence_words(sentence: Sentence) -> list[Word]:
    """The whitespace-separated words of a sentence, for choosing a span by first and last word."""
    return [Word(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", sentence.text)]


def word_span(sentence: Sentence, first: int, last: int) -> tuple[int, int]:
    """Article offsets of words ``first``..``last`` (0-based, inclusive) of ``sentence``."""
    words = sentence_words(sentence)
    if not words:
        raise ReviewError(f"sentence {sentence.id} has no words")
    if not 0 <= first <= last < len(words):
        raise ReviewError(f"choose words between 1 and {len(words)}, first before last")
    return sentence.start + words[first].start, sentence.start + words[last].end


def add_claim(
    report: Report,
    sentence_id: str,
    start: int,
    end: int,
    *,
    text: str,
    claimer: str = "the author",
    attribution: list[str] | None = None,
    type: ClaimType = ClaimType.event,  # noqa: A002 - the field's name
    label: CheckLabel = CheckLabel.check_worthy,
) -> Report:
    """Add a claim the pipeline missed, resting on ``article.text[start:end]`` in one sentence."""
    updated = report.model_copy(deep=True)
    sentence = _sentence(updated, sentence_id)
    if not sentence.start <= start < end <= sentence.end:
        raise ReviewError(
            f"the quote must lie inside sentence {sentence_id} "
            f"(characters {sentence.start}-{sentence.end}), not {start}-{end}"
        )
    quote = updated.article.text[start:end]
    if not quote.strip():
        raise ReviewError("the quote is empty; choose some words of the sentence")
    taken = {c.id for c in updated.claims}
    number = len(updated.claims) + 1
    while f"c{number}" in taken:
        number += 1
    claimer = _required(claimer, "claimer")
    chain = [a.strip() for a in (attribution or []) if a.strip()] or (
        ["the author"] if claimer == "the author" else ["the author", claimer]
    )
    claim = Claim(
        id=f"c{number}",
        sentence_id=sentence.id,
        text=_required(text, "claim text"),
        quote=quote,
        start=start,
        end=end,
        claimer=claimer,
        attribution=chain,
        type=ClaimType(type),
        checkworthiness=Checkworthiness(
            score=_SCORE_OF_LABEL[CheckLabel(label)],
            label=CheckLabel(label),
            rationale="added by a reviewer",
        ),
        review="added",
    )
    # Keep claims in reading order so lists and exports read like the article.
    position = next(
        (i for i, c in enumerate(updated.claims) if c.start > start), len(updated.claims)
    )
    updated.claims.insert(position, claim)
    sentence.claim_ids.append(claim.id)
    sentence.status = Status.claims
    if not sentence.reason or sentence.reason.startswith(("no checkable", "opinion")):
        sentence.reason = "claim added by a reviewer"
    return updated


def review_counts(report: Report) -> dict[str, int]:
    """How many claims have each review state (for a progress line)."""
    counts = {state: 0 for state in ("unreviewed", "accepted", "edited", "added", "rejected")}
    for claim in report.claims:
        counts[claim.review] += 1
    return counts


def _required(value: str, what: str) -> str:
    if not value.strip():
        raise ReviewError(f"{what} must not be empty")
    return value.strip()


# --------------------------------------------------------------------------------------------
# Save as fixture
# --------------------------------------------------------------------------------------------

FIXTURE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
_GOLD_STATUS = {
    Status.no_claim: "no_claim",
    Status.ambiguous: "ambiguous",
    Status.skipped: "skipped",
}
_SUFFIX = {"html": ".html", "markdown": ".md", "text": ".txt"}


@dataclass
class FixtureDraft:
    """The fixture mapping (YAML-ready) and what could not be carried over, with reasons."""

    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def fixture_id_for(report: Report) -> str:
    """A suggested fixture id from the article's title or source: lowercase words and dashes."""
    base = report.article.title or Path(report.article.source).stem or "article"
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:50].strip("-")
    return f"reviewed-{slug or 'article'}"


def _anchor(text: str, span: tuple[int, int]) -> str | None:
    """The shortest prefix of the sentence at ``span`` (whole words, >= 4 when it has them)
    that occurs exactly once in ``text``; None when even the whole sentence repeats."""
    sentence = text[span[0] : span[1]]
    ends = [m.end() for m in re.finditer(r"\S+", sentence)]
    for count, end in enumerate(ends, 1):
        if count < min(4, len(ends)):
            continue
        candidate = sentence[:end]
        if len(find_all(text, candidate)) == 1:
            return candidate
    return None


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> int | None:
    for index, (span_start, span_end) in enumerate(spans):
        if span_start <= start and end <= span_end:
            return index
    return None


def draft_fixture(
    report: Report,
    *,
    fixture_id: str,
    title: str = "",
    labeller: str = "",
    notes: str = "",
    text_path: str | None = None,
) -> FixtureDraft:
    """The fixture mapping of a reviewed report, in the format ``load_fixture`` accepts.

    Sentences are the loader's reference sentences (pysbd line by line, as the labelling
    guidelines say), labelled from the workbench sentence they fall in: ``claims`` where a kept
    claim's quote lies, otherwise the reviewed status. A quote that crosses a reference sentence
    break is trimmed to the part inside the sentence it starts in. Failed and pending sentences
    are left unlabelled (nobody decided them).
    """
    if not FIXTURE_ID.match(fixture_id):
        raise ReviewError(
            f"fixture id {fixture_id!r}: use 2-81 lowercase letters, digits and dashes"
        )
    text = report.article.text
    spans = reference_sentence_spans(text)
    draft_notes: list[str] = []
    claims_in: dict[int, list[dict[str, Any]]] = {}
    undecided: set[int] = set()  # reference sentences with unreviewed claims
    for claim in report.claims:
        if claim.review in ("rejected", "unreviewed"):
            if (
                claim.review == "unreviewed"
                and (index := _inside(spans, claim.start, claim.start + 1)) is not None
            ):
                undecided.add(index)
            continue
        start, end = claim.start, claim.end
        index = _inside(spans, start, end)
        if index is None:
            index = _inside(spans, start, start + 1)
            if index is None:
                draft_notes.append(f"{claim.id} left out: its quote lies outside every sentence")
                continue
            end = spans[index][1]
            draft_notes.append(f"{claim.id}: quote trimmed to its first sentence")
        quote = text[start:end].strip()
        rating = claim.checkworthiness
        gold: dict[str, Any] = {
            "text": claim.text,
            "quote": quote,
            "check_worthy": bool(rating and rating.label == CheckLabel.check_worthy),
            "claimer": claim.claimer,
            "attribution": list(claim.attribution),
            "type": claim.type.value,
        }
        if claim.evidence_reviewed:
            gold["evidence_kinds"] = list(dict.fromkeys(n.kind.value for n in claim.evidence))
            gold["questions"] = [q for n in claim.evidence for q in n.questions]
        claims_in.setdefault(index, []).append(gold)

    def status_of(span: tuple[int, int]) -> str | None:
        holders = [s for s in report.sentences if s.start <= span[0] < s.end]
        if not holders:
            return None
        sentence = holders[0]
        if sentence.status == Status.claims:
            return "no_claim"  # every claim of it was rejected (kept claims are handled above)
        return _GOLD_STATUS.get(sentence.status)

    gold_sentences: list[dict[str, str]] = []
    gold_claims: list[dict[str, Any]] = []
    for index, span in enumerate(spans):
        status = "claims" if index in claims_in else status_of(span)
        if index in undecided and index not in claims_in:
            status = None  # its claims await a reviewer: nobody decided this sentence
        if status is None:
            continue
        anchor = _anchor(text, span)
        if anchor is None:
            if status == "claims":
                draft_notes.append(
                    f"claims of the repeated sentence {text[span[0] : span[1]][:40]!r} "
                    "left out: no unique anchor"
                )
            continue
        gold_sentences.append({"anchor": anchor, "status": status})
        gold_claims += claims_in.get(index, [])

    data: dict[str, Any] = {
        "id": fixture_id,
        "title": title.strip() or report.article.title or report.article.source,
        "genre": "reviewed",
    }
    if text_path is not None:
        data["text_path"] = text_path
    else:
        data["text"] = text
    data["labeller"] = labeller.strip() or "workbench reviewer"
    provenance = (
        f"Reviewed in the workbench from a {report.run.backend} run "
        f"({report.run.model}, {report.run.started_at})."
    )
    data["notes"] = " ".join(part for part in (notes.strip(), provenance) if part)
    data["sentences"] = gold_sentences
    data["claims"] = gold_claims
    return FixtureDraft(data=data, notes=draft_notes)


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_fixture(
    report: Report,
    directory: str | Path,
    *,
    fixture_id: str,
    raw_input: str | bytes,
    source_name: str,
    title: str = "",
    labeller: str = "",
    notes: str = "",
    overwrite: bool = False,
) -> tuple[Path, FixtureDraft]:
    """Write ``<directory>/<id>.yaml`` and the article as ``<directory>/articles/<id>.<ext>``.

    The article is the raw input as the reviewer gave it (so the loader normalises it exactly
    as the workbench did); the saved fixture is loaded back with ``load_fixture`` and removed
    again if the loader rejects it. Raises ``ReviewError`` when the input does not reproduce the
    report's text or a fixture with this id exists (unless ``overwrite``).
    """
    folder = Path(directory)
    # The file keeps the input's own suffix (or one naming how it was read), so the loader
    # reads it exactly as the check did.
    fmt = read_article(raw_input, source_name).input_format
    suffix = Path(source_name).suffix.lower()
    if suffix not in {".txt", ".md", ".markdown", ".html", ".htm"}:
        suffix = _SUFFIX[fmt]
    yaml_path = folder / f"{fixture_id}.yaml"
    article_path = folder / "articles" / f"{fixture_id}{suffix}"
    if not overwrite:
        existing = [p for p in (yaml_path, article_path) if p.exists()]
        if existing:
            raise ReviewError(f"{existing[0]} exists; choose another fixture id")
    reread = read_article(raw_input, article_path.name)
    if reread.text != report.article.text:
        raise ReviewError(
            "the saved input would not reproduce the report's article text; re-run the check "
            "from this input before saving"
        )
    draft = draft_fixture(
        report,
        fixture_id=fixture_id,
        title=title,
        labeller=labeller,
        notes=notes,
        text_path=f"articles/{article_path.name}",
    )
    article_path.parent.mkdir(parents=True, exist_ok=True)
    data = raw_input.encode("utf-8") if isinstance(raw_input, str) else raw_input
    article_path.write_bytes(data)
    yaml_path.write_text(_yaml(draft.data), encoding="utf-8")
    try:
        load_fixture(yaml_path)
    except ConfigError as err:
        yaml_path.unlink(missing_ok=True)
        article_path.unlink(missing_ok=True)
        raise ReviewError(f"the fixture would not load, nothing saved: {err}") from err
    return yaml_path, draft


def fixture_yaml(
    report: Report, *, fixture_id: str, title: str = "", labeller: str = "", notes: str = ""
) -> str:
    """The fixture with the article inline (``text:``), as one YAML document to download.

    Checked with the fixture loader first: inline text is normalised again when loaded, which
    must give back the report's text.
    """
    draft = draft_fixture(
        report, fixture_id=fixture_id, title=title, labeller=labeller, notes=notes
    )
    try:
        fixture = build_fixture(draft.data, origin=f"{fixture_id}.yaml")
    except ConfigError as err:
        raise ReviewError(f"the fixture would not load: {err}") from err
    if fixture.article.text != report.article.text:
        raise ReviewError("the article text changes when read again; use Save as fixture instead")
    return _yaml(draft.data)
