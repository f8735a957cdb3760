"""Grounding: does every claim's quote stand verbatim in the article at the claim's offsets?"""

from __future__ import annotations

from pydantic import Field

from workbench.core.schema import Report, Strict


class UngroundedClaim(Strict):
    claim_id: str
    reason: str = Field(description="Why the quote is not at its offsets.")


class GroundingResult(Strict):
    """Share of claims whose quote is exactly the article text at the claim's offsets."""

    claims: int = Field(description="Claims in the report.")
    grounded: int = Field(description="Claims with article.text[start:end] == quote.")
    rate: float | None = Field(description="grounded / claims; None when there are no claims.")
    ungrounded: list[UngroundedClaim] = Field(default_factory=list)


def score_grounding(report: Report) -> GroundingResult:
    """Fraction of claims whose ``article.text[start:end] == quote``: exact, no normalisation.

    The workbench promises verbatim offsets; a quote that only matches after case or
    whitespace folding is a broken promise and counts as ungrounded.
    """
    text = report.article.text
    ungrounded: list[UngroundedClaim] = []
    for claim in report.claims:
        if not 0 <= claim.start <= claim.end <= len(text):
            reason = f"offsets {claim.start}:{claim.end} outside the text (length {len(text)})"
            ungrounded.append(UngroundedClaim(claim_id=claim.id, reason=reason))
        elif text[claim.start : claim.end] != claim.quote:
            found = text[claim.start : claim.end]
            reason = f"text at {claim.start}:{claim.end} is {found[:60]!r}, not the quote"
            ungrounded.append(UngroundedClaim(claim_id=claim.id, reason=reason))
    total = len(report.claims)
    grounded = total - len(ungrounded)
    return GroundingResult(
        claims=total,
        grounded=grounded,
        rate=grounded / total if total else None,
        ungrounded=ungrounded,
    )
