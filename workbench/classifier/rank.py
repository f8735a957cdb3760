"""The "check first" list: an article's claims in the order they deserve a check, each with why.

The order (``check_first``): with topics of interest, the claims about one of them come first;
then by check-worthiness (the score the pipeline reports: the classifier's probability), highest
first; ties in reading order. Claims without a rating come last.

Chosen against a second formula: check-worthiness plus the best topic relevance (when topics
are given), plus 0.1 for a figure in the quote and 0.1 for a named claimer. Ranked on the
fixtures (gold: claims marked check-worthy) and NewsClaims dev (gold: claim sentences, with and
without topics) by precision at 3 and 5 and average precision per article (evals/README.md,
"Topics and the check-first list"), it won on the fixtures and lost on NewsClaims, so the
simpler one is kept.

Pure: reads a finished report, changes nothing in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.schema import CheckLabel, Claim, Report


@dataclass(frozen=True)
class Ranked:
    rank: int  # 1 = check first
    claim: Claim
    reason: str  # "ranked 1: check-worthy 0.93, about 'vaccines'"


def _worthiness(claim: Claim) -> float:
    return claim.checkworthiness.score if claim.checkworthiness else -1.0


def ordered(claims: list[Claim], with_topics: bool) -> list[Claim]:
    """``claims`` in check-first order: on a topic first (when topics are given), then by
    check-worthiness, higher first (stable: ties keep reading order)."""
    return sorted(
        claims,
        key=lambda c: (-float(bool(c.topics)) if with_topics else 0.0, -_worthiness(c)),
    )


def reason(rank: int, claim: Claim, with_topics: bool) -> str:
    rating = claim.checkworthiness
    if rating is None:
        worth = "unrated"
    else:
        label = {CheckLabel.check_worthy: "check-worthy", CheckLabel.maybe: "maybe check-worthy",
                 CheckLabel.not_check_worthy: "not check-worthy"}[rating.label]
        worth = f"{label} {rating.score:.2f}"
    parts = [f"ranked {rank}: {worth}"]
    if with_topics:
        if claim.topics:
            parts.append("about " + ", ".join(f"'{t}'" for t in claim.topics))
        else:
            parts.append("about none of the topics")
    return ", ".join(parts)


def check_first(report: Report) -> list[Ranked]:
    """Every claim of ``report``, ranked, with the reason for its place."""
    with_topics = bool(report.topics)
    return [
        Ranked(rank, claim, reason(rank, claim, with_topics))
        for rank, claim in enumerate(ordered(list(report.claims), with_topics), start=1)
    ]
