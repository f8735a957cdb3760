"""Per-claim diff of two reports on the same article: what a change to a prompt, schema or backend
did, claim by claim (added, dropped, changed) and sentence by sentence (status changes).

Claims are paired in two passes: first the identical ones (same text, same quote span), then
the rest by the eval's own claim alignment (Hungarian assignment on IDF-weighted token F1 plus
quote overlap, ``scorers.align_claims``), so a reworded claim shows as *changed*, not as one
dropped and one added. Each claim carries the gold claim it matches, if any, so the diff tells
whether a dropped claim was a correct one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scorers import ClaimForAlignment, align_claims, align_report_claims
from workbench.schema import Report


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimView(_Model):
    """The parts of a predicted claim a reviewer compares."""

    id: str
    sentence_id: str
    text: str
    quote: str
    start: int
    end: int
    claimer: str
    attribution: list[str]
    type: str
    label: str | None = Field(description="Check-worthiness label; None when unrated.")
    kinds: list[str] = Field(description="Planned evidence kinds, in plan order.")
    gold: int | None = Field(description="1-based number of the matched gold claim, if any.")


class ClaimChange(_Model):
    change: Literal["added", "dropped", "changed"]
    before: ClaimView | None
    after: ClaimView | None
    fields: list[str] = Field(default_factory=list, description="What changed ('changed' only).")


class SentenceChange(_Model):
    sentence: str = Field(description="The sentence, shortened.")
    before: str
    after: str
    gold: str | None = Field(description="Gold status when the sentence is labelled.")


class FixtureDiff(_Model):
    fixture_id: str
    unchanged: int = Field(description="Claims identical in both runs.")
    claims: list[ClaimChange]
    sentences: list[SentenceChange]

    @property
    def empty(self) -> bool:
        return not self.claims and not self.sentences

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for c in self.claims if c.change == kind)
                for kind in ("added", "dropped", "changed")}


_COMPARED = ("text", "quote", "claimer", "attribution", "type", "label", "kinds", "gold")


def claim_views(report: Report, fixture: Fixture) -> list[ClaimView]:
    """Every claim of ``report`` with its check-worthiness label, evidence kinds and gold match."""
    alignment = align_report_claims(report, fixture)
    gold_of = {m.predicted_index: m.gold_index for m in alignment.matches}
    return [
        ClaimView(
            id=claim.id,
            sentence_id=claim.sentence_id,
            text=claim.text,
            quote=claim.quote,
            start=claim.start,
            end=claim.end,
            claimer=claim.claimer,
            attribution=claim.attribution,
            type=claim.type.value,
            label=claim.checkworthiness.label.value if claim.checkworthiness else None,
            kinds=list(dict.fromkeys(need.kind.value for need in claim.evidence)),
            gold=gold_of[index] + 1 if index in gold_of else None,
        )
        for index, claim in enumerate(report.claims)
    ]


def diff_claims(before: list[ClaimView], after: list[ClaimView]) -> tuple[int, list[ClaimChange]]:
    """(number unchanged, changes) between two claim lists of the same article."""
    changes: list[ClaimChange] = []
    unchanged = 0
    left = list(range(len(before)))
    right = list(range(len(after)))
    for i in list(left):  # pass 1: same text on the same span
        key = (before[i].text.lower(), before[i].start, before[i].end)
        j = next((j for j in right if (after[j].text.lower(), after[j].start, after[j].end) == key),
                 None)
        if j is None:
            continue
        left.remove(i)
        right.remove(j)
        fields = _changed_fields(before[i], after[j])
        if fields:
            changes.append(ClaimChange(change="changed", before=before[i], after=after[j],
                                       fields=fields))
        else:
            unchanged += 1
    alignment = align_claims(  # pass 2: reworded claims
        [ClaimForAlignment(text=before[i].text, spans=[(before[i].start, before[i].end)])
         for i in left],
        [ClaimForAlignment(text=after[j].text, spans=[(after[j].start, after[j].end)])
         for j in right],
    )
    paired_left, paired_right = set(), set()
    for match in alignment.matches:
        i, j = left[match.predicted_index], right[match.gold_index]
        paired_left.add(i)
        paired_right.add(j)
        changes.append(ClaimChange(change="changed", before=before[i], after=after[j],
                                   fields=_changed_fields(before[i], after[j])))
    changes += [ClaimChange(change="dropped", before=before[i], after=None)
                for i in left if i not in paired_left]
    changes += [ClaimChange(change="added", before=None, after=after[j])
                for j in right if j not in paired_right]
    changes.sort(key=lambda c: (_position(c), c.change))
    return unchanged, changes


def _position(change: ClaimChange) -> int:
    view = change.after or change.before
    return view.start if view is not None else 0


def _changed_fields(before: ClaimView, after: ClaimView) -> list[str]:
    fields = [name for name in _COMPARED if getattr(before, name) != getattr(after, name)]
    if "quote" not in fields and (before.start, before.end) != (after.start, after.end):
        fields.append("quote")
    return fields


def _short(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def diff_sentences(before: Report, after: Report, fixture: Fixture) -> list[SentenceChange]:
    """Status changes of sentences present in both reports (same span), with the gold status."""
    text = after.article.text
    gold_at: dict[int, str] = {}
    for labelled in fixture.sentences:
        position = text.find(labelled.anchor)
        if position >= 0:
            gold_at[position] = labelled.status
    old = {(s.start, s.end): s for s in before.sentences}
    changes = []
    for sentence in after.sentences:
        previous = old.get((sentence.start, sentence.end))
        if previous is None or previous.status == sentence.status:
            continue
        gold = next((status for position, status in gold_at.items()
                     if sentence.start <= position < sentence.end), None)
        changes.append(SentenceChange(sentence=_short(sentence.text), before=previous.status.value,
                                      after=sentence.status.value, gold=gold))
    return changes


def diff_reports(before: Report, after: Report, fixture: Fixture) -> FixtureDiff:
    """The per-claim and per-sentence diff from ``before`` (the baseline) to ``after``."""
    unchanged, claims = diff_claims(claim_views(before, fixture), claim_views(after, fixture))
    return FixtureDiff(fixture_id=fixture.id, unchanged=unchanged, claims=claims,
                       sentences=diff_sentences(before, after, fixture))
