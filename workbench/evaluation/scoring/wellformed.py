"""Whether each predicted claim reads as a well-formed sentence, whatever the gold (issue 25).

A claim a fact-checker writes has a subject and a finite verb and nothing dangling; the check is
``workbench.language.parse.ill_formed``, the one the rules engine runs on every claim it cuts
from a sentence. Counting it in the eval report says how often any backend ships a fragment
("Prices to fall in 2027.", "... and that it would appeal.") that claim alignment may still
match to a gold claim.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from workbench.core.schema import Strict
from workbench.language.parse import ill_formed


class WellFormed(Strict):
    """Counts over a set of claim texts; add two to pool them."""

    claims: int = 0
    well_formed: int = Field(default=0, description="Claims that pass the check.")
    ill_formed: list[str] = Field(
        default_factory=list, description="'reason: claim text' of each claim that fails."
    )

    def __add__(self, other: WellFormed) -> WellFormed:
        return WellFormed(
            claims=self.claims + other.claims,
            well_formed=self.well_formed + other.well_formed,
            ill_formed=self.ill_formed + other.ill_formed,
        )

    @property
    def rate(self) -> float | None:
        return self.well_formed / self.claims if self.claims else None


def score_wellformed(texts: Iterable[str]) -> WellFormed:
    """The check on every claim text."""
    result = WellFormed()
    for text in texts:
        reason = ill_formed(text)
        result.claims += 1
        if reason is None:
            result.well_formed += 1
        else:
            result.ill_formed.append(f"{reason}: {text}")
    return result
