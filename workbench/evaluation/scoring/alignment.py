"""Claim alignment: predicted claims matched one-to-one to gold claims (or to another run's).

Text similarity is the (IDF-weighted) F1 of content tokens; the assignment is Hungarian, with
quote-span overlap as a small bonus that breaks ties between similar candidates.
``AlignmentSettings`` documents the threshold and the weights.
``workbench.evaluation.claim_diff`` reuses the alignment to pair the claims of two runs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import Field
from scipy.optimize import linear_sum_assignment

from workbench.core.schema import Report, Strict
from workbench.evaluation.fixtures import Fixture, find_all
from workbench.evaluation.scoring.prf import PRF, prf_from_counts
from workbench.language.support import content_tokens, token_f1


def inverse_document_frequencies(texts: Sequence[str]) -> dict[str, float]:
    """ln(1 + N/df) of every content token over ``texts`` (N texts, df = texts holding it).

    Over the claims of one article, the words all claims share (the subject, the place) weigh
    least and the words that tell one claim from its siblings (the figure, the verb) most.
    """
    document_frequency = Counter(token for text in texts for token in set(content_tokens(text)))
    return {token: math.log(1 + len(texts) / df) for token, df in document_frequency.items()}


def span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two character spans (0.0 when disjoint or empty)."""
    intersection = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return intersection / union if union > 0 and intersection > 0 else 0.0


class AlignmentSettings(Strict):
    """How predicted and gold claims are compared; the defaults are the documented choice."""

    idf: bool = Field(
        default=True,
        description=(
            "Weight tokens by inverse_document_frequencies over all claims being aligned (both "
            "sides). Sibling claims of one sentence share their subject; on Factcheck-Bench's "
            "gold decompositions plain token F1 between siblings has a median of 0.60, IDF-"
            "weighted 0.39, while a claim and its one-claim source sentence stay above 0.7."
        ),
    )
    threshold: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description=(
            "Minimum text similarity for a pair to count as matched. 0.4 accepts a restatement "
            "that keeps the key entities or figures ('About 1,200 homes in Geneva lost power' "
            "vs '1,200 homes lost power in the Geneva flood': 0.91; 'The mayor said the road "
            "reopens Friday' vs 'Mayor Ana Ruiz said Route 9 would reopen on Friday 6 March': "
            "0.40) and rejects a sibling fact about the same subject ('Douglas was born on "
            "October 16, 1898' vs 'Douglas served on the Supreme Court from 1939 until 1975': "
            "0.36). Synonyms are not matched ('shut' vs 'closed'); telling close siblings apart "
            "is left to the one-to-one assignment."
        ),
    )
    quote_bonus: float = Field(
        default=0.1,
        ge=0,
        description=(
            "Added to a pair's assignment score, times the IoU of the quote spans: among "
            "similar candidates the one resting on the same words wins. It never decides "
            "whether a pair matches: siblings share a quote too."
        ),
    )


class ClaimForAlignment(Strict):
    """The parts of a claim the alignment looks at."""

    text: str = Field(description="The claim restated (predicted) or the gold claim text.")
    spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Where its quote lies in the article; a gold quote may occur more than once.",
    )
    id: str | None = Field(default=None, description="Predicted claim id, for diffs.")


class ClaimSimilarity(Strict):
    text: float = Field(description="(IDF-weighted) content-token F1 of the claim texts.")
    quote_overlap: float | None = Field(description="Best quote-span IoU; None without spans.")
    score: float = Field(description="Assignment score: text + quote_bonus * quote_overlap.")


def claim_similarity(
    predicted: ClaimForAlignment,
    gold: ClaimForAlignment,
    settings: AlignmentSettings,
    weights: Mapping[str, float] | None = None,
) -> ClaimSimilarity:
    """Text similarity of two claims, plus the quote bonus for the assignment."""
    text = token_f1(predicted.text, gold.text, weights)
    if not predicted.spans or not gold.spans:
        return ClaimSimilarity(text=text, quote_overlap=None, score=text)
    overlap = max(span_overlap(p, g) for p in predicted.spans for g in gold.spans)
    return ClaimSimilarity(
        text=text, quote_overlap=overlap, score=text + settings.quote_bonus * overlap
    )


def hungarian_match(scores: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """One-to-one assignment (row, column) maximising the total score (scipy's Hungarian)."""
    matrix = np.asarray(scores, dtype=float)
    if matrix.size == 0:
        return []
    rows, columns = linear_sum_assignment(matrix, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, columns, strict=True)]


class ClaimMatch(Strict):
    """A predicted claim paired with a gold claim."""

    predicted_index: int
    gold_index: int = Field(description="0-based position in the gold claim list.")
    predicted_id: str | None = None
    similarity: ClaimSimilarity


class ClaimAlignmentResult(Strict):
    """Predicted claims matched one-to-one to gold claims; P/R/F1 of the matching."""

    prf: PRF = Field(description="tp = matched pairs; predicted/gold = all claims on each side.")
    matches: list[ClaimMatch]
    unmatched_predicted: list[int] = Field(description="Indices of predicted claims left over.")
    unmatched_gold: list[int] = Field(description="Indices of gold claims nobody found.")
    settings: AlignmentSettings


def align_claims(
    predicted: Sequence[ClaimForAlignment],
    gold: Sequence[ClaimForAlignment],
    settings: AlignmentSettings | None = None,
) -> ClaimAlignmentResult:
    """Match claims one-to-one by Hungarian assignment; a pair counts when its text >= threshold.

    Pairs below the threshold are zeroed before solving, so the assignment maximises the total
    score of admissible pairs only and a weak pair never blocks a strong one.
    """
    settings = settings or AlignmentSettings()
    weights = (
        inverse_document_frequencies([c.text for c in (*predicted, *gold)])
        if settings.idf
        else None
    )
    similarities = [[claim_similarity(p, g, settings, weights) for g in gold] for p in predicted]
    admissible = [
        [s.score if s.text >= settings.threshold and s.text > 0 else 0.0 for s in row]
        for row in similarities
    ]
    matches = [
        ClaimMatch(
            predicted_index=row,
            gold_index=column,
            predicted_id=predicted[row].id,
            similarity=similarities[row][column],
        )
        for row, column in hungarian_match(admissible)
        if admissible[row][column] > 0.0
    ]
    matched_predicted = {m.predicted_index for m in matches}
    matched_gold = {m.gold_index for m in matches}
    return ClaimAlignmentResult(
        prf=prf_from_counts(len(matches), len(predicted), len(gold)),
        matches=sorted(matches, key=lambda m: m.gold_index),
        unmatched_predicted=[i for i in range(len(predicted)) if i not in matched_predicted],
        unmatched_gold=[i for i in range(len(gold)) if i not in matched_gold],
        settings=settings,
    )


def align_report_claims(
    report: Report, fixture: Fixture, settings: AlignmentSettings | None = None
) -> ClaimAlignmentResult:
    """``align_claims`` for a report against a fixture: spans are the claims' quote offsets."""
    text = report.article.text
    predicted = [
        ClaimForAlignment(text=c.text, spans=[(c.start, c.end)], id=c.id) for c in report.claims
    ]
    gold = [
        ClaimForAlignment(
            text=g.text, spans=[(s, s + len(g.quote)) for s in find_all(text, g.quote)]
        )
        for g in fixture.claims
    ]
    return align_claims(predicted, gold, settings)
