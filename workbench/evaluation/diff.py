"""Per-claim diff of a run against the blessed baseline, fixture by fixture: what a change to a
prompt, schema or backend did, claim by claim (added, dropped, changed) and sentence by sentence
(status changes).

Claims are paired and compared by ``workbench.evaluation.claim_diff`` (identical claims first,
then the eval's claim alignment; one rule for "changed"), the same as on the Compare page. Each
claim carries the gold claim it matches, if any, so the diff tells whether a dropped claim was a
correct one, and a pair whose gold match changed is *changed*.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workbench.core.errors import one_line
from workbench.core.schema import Report, Strict
from workbench.evaluation.claim_diff import ClaimView, claim_view, pair_claims
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.alignment import align_report_claims


class ClaimChange(Strict):
    change: Literal["added", "dropped", "changed"]
    before: ClaimView | None
    after: ClaimView | None
    fields: list[str] = Field(default_factory=list, description="What changed ('changed' only).")


class SentenceChange(Strict):
    sentence: str = Field(description="The sentence, shortened.")
    before: str
    after: str
    gold: str | None = Field(description="Gold status when the sentence is labelled.")


class FixtureDiff(Strict):
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


def claim_views(report: Report, fixture: Fixture) -> list[ClaimView]:
    """Every claim of ``report`` with its check-worthiness label, evidence kinds and gold match."""
    alignment = align_report_claims(report, fixture)
    gold_of = {m.predicted_index: m.gold_index for m in alignment.matches}
    return [
        claim_view(claim, gold_of[index] + 1 if index in gold_of else None)
        for index, claim in enumerate(report.claims)
    ]


def diff_claims(before: list[ClaimView], after: list[ClaimView]) -> tuple[int, list[ClaimChange]]:
    """(number unchanged, changes) between two claim lists of the same article."""
    changes: list[ClaimChange] = []
    unchanged = 0
    for pairing in pair_claims(before, after):
        if pairing.kind == "same":
            unchanged += 1
            continue
        changes.append(ClaimChange(
            change=pairing.kind,
            before=before[pairing.before] if pairing.before is not None else None,
            after=after[pairing.after] if pairing.after is not None else None,
            fields=list(pairing.fields),
        ))
    return unchanged, changes


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
        changes.append(SentenceChange(sentence=one_line(sentence.text, 70),
                                      before=previous.status.value, after=sentence.status.value,
                                      gold=gold))
    return changes


def diff_reports(before: Report, after: Report, fixture: Fixture) -> FixtureDiff:
    """The per-claim and per-sentence diff from ``before`` (the baseline) to ``after``."""
    unchanged, claims = diff_claims(claim_views(before, fixture), claim_views(after, fixture))
    return FixtureDiff(fixture_id=fixture.id, unchanged=unchanged, claims=claims,
                       sentences=diff_sentences(before, after, fixture))
