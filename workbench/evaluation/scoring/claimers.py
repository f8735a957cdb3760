"""Claimers and attribution chains of matched claims against the fixtures' gold (GUIDELINES 3).

Over the matched pairs of the claim alignment: the claimer is right when the predicted and the
gold claimer are the same name under the loose match (``same_claimer``: lower-cased words
without "the", "a", "an" and a possessive "'s"; one word set holds the other, so "Okafor" ~
"Union spokesperson Daniel Okafor", "the author" ~ "the author"). The attribution chain is
right when both chains have the same length and match link by link, outermost first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import Field

from workbench.core.schema import Report, Strict
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.alignment import ClaimAlignmentResult

_ARTICLES = {"the", "a", "an"}


def name_words(name: str) -> set[str]:
    """The words of a claimer's name, for the loose match (module docstring)."""
    words = re.findall(r"[a-z0-9]+(?:['’][a-z]+)?", name.casefold())
    return {re.sub(r"['’]s$", "", w) for w in words} - _ARTICLES


def same_claimer(gold: str, predicted: str) -> bool:
    """The loose claimer match: one name's word set holds the other's."""
    a, b = name_words(gold), name_words(predicted)
    return bool(a) and bool(b) and (a <= b or b <= a)


def same_chain(gold: list[str], predicted: list[str]) -> bool:
    return len(gold) == len(predicted) and all(map(same_claimer, gold, predicted))


class ClaimerMiss(Strict):
    claim_id: str | None
    gold: str
    predicted: str


class ClaimerOutcome(Strict):
    """One matched pair, kept so a bootstrap can resample the pairs."""

    gold_index: int = Field(description="0-based position of the gold claim in the fixture.")
    claimer_right: bool
    chain_right: bool


class ClaimerResult(Strict):
    """Claimer and attribution accuracy over matched claim pairs."""

    matched: int = Field(description="Matched claim pairs scored.")
    claimer_right: int
    chain_right: int = Field(description="Pairs whose attribution chains match link by link.")
    misses: list[ClaimerMiss] = Field(default_factory=list, description="Wrong claimers.")
    per_claim: list[ClaimerOutcome] = Field(
        default_factory=list, description="Each matched pair (one fixture; empty when pooled)."
    )

    @property
    def claimer_accuracy(self) -> float | None:
        return self.claimer_right / self.matched if self.matched else None

    @property
    def chain_accuracy(self) -> float | None:
        return self.chain_right / self.matched if self.matched else None


def score_claimers(
    report: Report, fixture: Fixture, alignment: ClaimAlignmentResult
) -> ClaimerResult:
    """Claimer and chain of every matched pair (module docstring)."""
    outcomes: list[ClaimerOutcome] = []
    misses: list[ClaimerMiss] = []
    for match in alignment.matches:
        predicted = report.claims[match.predicted_index]
        gold = fixture.claims[match.gold_index]
        right = same_claimer(gold.claimer, predicted.claimer)
        if not right:
            misses.append(
                ClaimerMiss(claim_id=predicted.id, gold=gold.claimer, predicted=predicted.claimer)
            )
        outcomes.append(ClaimerOutcome(
            gold_index=match.gold_index,
            claimer_right=right,
            chain_right=same_chain(gold.attribution or [gold.claimer], predicted.attribution),
        ))
    return ClaimerResult(
        matched=len(outcomes),
        claimer_right=sum(o.claimer_right for o in outcomes),
        chain_right=sum(o.chain_right for o in outcomes),
        misses=misses,
        per_claim=outcomes,
    )


def pool_claimers(results: Iterable[ClaimerResult]) -> ClaimerResult:
    results = list(results)
    return ClaimerResult(
        matched=sum(r.matched for r in results),
        claimer_right=sum(r.claimer_right for r in results),
        chain_right=sum(r.chain_right for r in results),
    )
