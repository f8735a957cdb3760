"""Topics of interest: how close a claim is to each topic a user names, and which it is about.

A fact-checking desk works from a topic list ("vaccines", "the housing levy"). The user names
topics as free text; each claim gets a relevance per topic, the cosine of the stock
all-MiniLM-L6-v2 vectors (``encoder.stock_encoder()``: the model's own measure of similar
meaning, which the fine-tuned check-worthiness encoder gave up) of the topic text and the
claim's text (the standalone restatement: on NewsClaims dev it did as well as its quote and
better than its sentence, evals/README.md "Topics"), and is *about* a topic when the relevance
is at least ``THRESHOLD``.

``THRESHOLD`` was chosen leave-articles-out on NewsClaims dev (each article's threshold chosen on
the other 17 gave 0.38-0.40) and fixed at 0.40; the numbers are in evals/README.md. A topic is best
written as a short description ("how the virus spreads between people: droplets, aerosols,
surfaces"): a single word gives MiniLM little to go on.

Deterministic and cache-friendly: no model call, no cache key changes; the response cache
serves every stage as before and the relevance is computed on the report (a few milliseconds
per claim), relevance rounded to three decimals so a report reads the same on every run.
Nothing is loaded, and nothing in a report changes, when no topic is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 0.40


@dataclass(frozen=True)
class Relevance:
    """One claim's relevance to each topic (cosine, rounded) and the topics it is about."""

    scores: dict[str, float]
    about: list[str]


def relevance(
    topics: Sequence[str], texts: Sequence[str], threshold: float = THRESHOLD
) -> list[Relevance]:
    """Each text's relevance to every topic, and the topics (in the order given) it is about."""
    if not topics or not texts:
        return [Relevance({}, []) for _ in texts]
    from workbench.classifier.encoder import stock_encoder

    encoder = stock_encoder()
    topic_vectors = encoder.encode(list(topics))
    text_vectors = encoder.encode(list(texts))
    cosines = text_vectors @ topic_vectors.T
    results = []
    for row in cosines:
        scores = {topic: round(float(value), 3) for topic, value in zip(topics, row, strict=True)}
        results.append(Relevance(scores, [t for t in topics if scores[t] >= threshold]))
    return results
