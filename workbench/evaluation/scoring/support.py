"""Support: is each claim's content backed by its quote and the context that resolves it?

Grounding (``grounding``) proves the quote is the article's text; this proves the claim says
what the quote says, read with what resolves it: the names the article gave up to the quote's
sentence, the title and the date (``workbench.language.support.claim_grounds``). The measure is
``workbench.language.support.claim_support``, the one the extract stage applies, so the eval
reports what the stage promises.
"""

from __future__ import annotations

from pydantic import Field

from workbench.core.schema import Report, Strict
from workbench.evaluation.scoring.sentences import sentence_at
from workbench.language.support import SUPPORTED_SHARE, claim_grounds, claim_support


class UnsupportedClaim(Strict):
    claim_id: str
    share: float = Field(description="Share of the claim's content words found in its grounds.")
    missing: list[str] = Field(description="The claim's stemmed words its grounds lack.")


class SupportResult(Strict):
    """Share of claims whose content words stand in their quote's sentence and its context."""

    claims: int = Field(description="Claims in the report.")
    supported: int = Field(description=f"Claims with a support share >= {SUPPORTED_SHARE}.")
    rate: float | None = Field(description="supported / claims; None when there are no claims.")
    unsupported: list[UnsupportedClaim] = Field(default_factory=list)


def score_support(report: Report) -> SupportResult:
    """``claims.supported``: every claim's support share against its grounds."""
    unsupported: list[UnsupportedClaim] = []
    for claim in report.claims:
        index = sentence_at(report, claim.start)
        grounds = [] if index is None else claim_grounds(report, report.sentences[index])
        support = claim_support(claim.text, [claim.quote, *grounds])
        if not support.supported:
            unsupported.append(
                UnsupportedClaim(
                    claim_id=claim.id, share=round(support.share, 3), missing=list(support.missing)
                )
            )
    total = len(report.claims)
    supported = total - len(unsupported)
    return SupportResult(
        claims=total,
        supported=supported,
        rate=supported / total if total else None,
        unsupported=unsupported,
    )
