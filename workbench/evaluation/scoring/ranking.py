"""The check-first ranking measured: precision at k and average precision, per article.

An article's ranked claims are turned into hits (``True``: the claim at that rank is gold, and
credits a gold item no claim above it credited); ``gold`` is how many gold items the article has.
Precision at k is the hits among the first k over k (an article with fewer than k claims counts
the missing places as misses); average precision is the mean, over the gold items, of the
precision at the rank where each is first hit (an item never hit adds 0). Articles without gold
are left out: they have nothing to rank toward.

Gold per set: on the fixtures the gold claims marked check-worthy, a claim a hit when the claim
alignment (``alignment``) matches it to one; on NewsClaims the gold claim sentences, a claim a
hit when its quote overlaps one not yet credited.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from workbench.core.schema import Report, Strict
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.alignment import ClaimAlignmentResult

KS = (3, 5)


class RankingScore(Strict):
    """One article's ranking against its gold."""

    gold: int
    hits: list[bool] = Field(description="Per rank, from 1: the claim there credits a gold item.")

    def precision_at(self, k: int) -> float:
        return sum(self.hits[:k]) / k

    @property
    def average_precision(self) -> float:
        found = 0
        total = 0.0
        for rank, hit in enumerate(self.hits, start=1):
            if hit:
                found += 1
                total += found / rank
        return total / self.gold if self.gold else 0.0


def mean_ranking(scores: Sequence[RankingScore]) -> dict[str, float | None]:
    """P@3, P@5 and MAP over the articles with gold (None when none has)."""
    scored = [s for s in scores if s.gold]
    if not scored:
        return {"ranking.p_at_3": None, "ranking.p_at_5": None, "ranking.map": None}
    return {
        **{f"ranking.p_at_{k}": sum(s.precision_at(k) for s in scored) / len(scored) for k in KS},
        "ranking.map": sum(s.average_precision for s in scored) / len(scored),
    }


def fixture_ranking(
    report: Report, fixture: Fixture, alignment: ClaimAlignmentResult, ranked_ids: Sequence[str]
) -> RankingScore:
    """The claims in ``ranked_ids`` order against the fixture's check-worthy gold claims."""
    worthy_match = {
        m.predicted_id
        for m in alignment.matches
        if fixture.claims[m.gold_index].check_worthy and m.predicted_id is not None
    }
    gold = sum(1 for g in fixture.claims if g.check_worthy)
    return RankingScore(gold=gold, hits=[cid in worthy_match for cid in ranked_ids])
