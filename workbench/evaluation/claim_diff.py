"""The claims of two runs over one article, paired and compared with one rule.

Both screens that set two runs side by side use this module, so they agree about every pair:
the Compare page (``workbench.review.compare``: two backends or prompt folders) and the eval's
per-claim diff against the blessed baseline (``workbench.evaluation.diff``).

Pairing (``pair_claims``), in two passes:

1. identical claims first: the same text (folded as below) on the same quote span, taken in list
   order, so a claim that did not move is never paired with a look-alike sibling;
2. the rest by the eval's claim alignment (``align_claims``: Hungarian assignment on IDF-weighted
   content-token F1, threshold 0.4, quote overlap as a tie-breaker), so a reworded claim shows
   as *changed*, not as one *dropped* and one *added*.

Claims left over are *dropped* (only in the first run) or *added* (only in the second).

The one rule for "changed" (``changed_fields``): a pair is *changed* when one of these fields
differs, else *same*; field names are ``ClaimView``'s.

- ``text``, ``claimer``, ``attribution``: compared after folding white space and case
  (``" ".join(s.split()).casefold()``); attribution item by item, in order;
- ``quote``: the quote's span (start, end) or its text;
- ``type``; ``label``, the check-worthiness label (None when unrated);
- ``kinds``: the distinct evidence kinds, in plan order;
- ``gold``: the number of the gold claim the eval matched (the eval diff sets it; the Compare
  page has no gold, so it is None on both sides there).

Pairs come back in reading order: by the earlier start of their two claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from workbench.core.schema import Claim, Strict
from workbench.evaluation.scoring.alignment import ClaimForAlignment, align_claims

ChangeKind = Literal["same", "changed", "added", "dropped"]


class ClaimView(Strict):
    """The parts of a claim a reviewer compares between two runs."""

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
    gold: int | None = Field(
        default=None, description="1-based number of the matched gold claim, if any."
    )


def claim_view(claim: Claim, gold: int | None = None) -> ClaimView:
    """What ``changed_fields`` compares of ``claim``; ``gold`` is the eval's gold match."""
    return ClaimView(
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
        gold=gold,
    )


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def changed_fields(before: ClaimView, after: ClaimView) -> list[str]:
    """The fields that differ between two paired claims, by the rule of the module docstring."""
    differs = {
        "text": _fold(before.text) != _fold(after.text),
        "quote": (before.start, before.end, before.quote) != (after.start, after.end, after.quote),
        "claimer": _fold(before.claimer) != _fold(after.claimer),
        "attribution": [_fold(a) for a in before.attribution]
        != [_fold(a) for a in after.attribution],
        "type": before.type != after.type,
        "label": before.label != after.label,
        "kinds": before.kinds != after.kinds,
        "gold": before.gold != after.gold,
    }
    return [name for name, differ in differs.items() if differ]


@dataclass(frozen=True)
class ClaimPairing:
    """One row of a claim diff, by position in the two claim lists."""

    kind: ChangeKind
    before: int | None = None
    after: int | None = None
    fields: tuple[str, ...] = ()
    similarity: float | None = None
    """Text similarity of the alignment; 1.0 for identical claims, None when unpaired."""


def _identity(view: ClaimView) -> tuple[str, int, int]:
    return _fold(view.text), view.start, view.end


def _paired(before: ClaimView, after: ClaimView, i: int, j: int,
            similarity: float) -> ClaimPairing:
    fields = tuple(changed_fields(before, after))
    return ClaimPairing("changed" if fields else "same", i, j, fields, similarity)


def pair_claims(before: Sequence[ClaimView], after: Sequence[ClaimView]) -> list[ClaimPairing]:
    """Every claim of both lists, paired (same or changed) or alone (dropped or added)."""
    pairs: list[ClaimPairing] = []
    left, right = list(range(len(before))), list(range(len(after)))
    for i in list(left):  # pass 1: identical text on the same span
        j = next((j for j in right if _identity(after[j]) == _identity(before[i])), None)
        if j is not None:
            left.remove(i)
            right.remove(j)
            pairs.append(_paired(before[i], after[j], i, j, 1.0))
    alignment = align_claims(  # pass 2: reworded claims
        [ClaimForAlignment(text=before[i].text, spans=[(before[i].start, before[i].end)])
         for i in left],
        [ClaimForAlignment(text=after[j].text, spans=[(after[j].start, after[j].end)])
         for j in right],
    )
    for match in alignment.matches:
        i, j = left[match.predicted_index], right[match.gold_index]
        pairs.append(_paired(before[i], after[j], i, j, match.similarity.text))
    pairs += [ClaimPairing("dropped", before=left[k]) for k in alignment.unmatched_predicted]
    pairs += [ClaimPairing("added", after=right[k]) for k in alignment.unmatched_gold]

    def reading_order(pair: ClaimPairing) -> tuple[int, int, int]:
        starts = [before[pair.before].start] if pair.before is not None else []
        starts += [after[pair.after].start] if pair.after is not None else []
        return min(starts), -1 if pair.before is None else pair.before, (
            -1 if pair.after is None else pair.after)

    return sorted(pairs, key=reading_order)
