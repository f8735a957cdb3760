"""Per-item scores: what each item adds to a pooled metric, kept so a bootstrap can resample items.

Every metric of a run is pooled from counts (``stats.Pooling``); this module keeps those counts
per item, keyed so that two runs on the same gold pair item by item. The item is what the metric
counts, as far as both runs share it:

- **article** (key: the fixture id): ``claims.*`` (claims are aligned within an article),
  ``grounding.rate`` and ``claims.supported`` (they count predicted claims, which are not the
  same items in two runs; the article they come from is), and ``health.*``;
- **sentence** (``<fixture>#s<n>``, the n-th gold-labelled sentence): ``sentences.*`` and
  ``sentence_checkworthiness.f1``;
- **claim** (``<fixture>#c<n>``, the n-th gold claim): the metrics of matched claims
  (``claimers.accuracy``, ``attribution.accuracy``, ``checkworthiness.f1``/``.accuracy``,
  ``kinds.*``, ``questions.meteor_matched``), where an unmatched gold claim counts nothing, and
  ``questions.meteor``, where it counts 0 of 1;
- **item**: one item of a public dataset (its runner says what it counts).

Spearman's rho is not a sum over items: it has no per-item scores and no interval. Pooling every
item's counts gives back the reported number (a test holds the fixtures to that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np

from workbench.core.schema import Strict
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scoring.suite import FixtureScores
from workbench.evaluation.stats import (
    Interval,
    Pooling,
    bootstrap_interval,
    paired_interval,
    pooled_value,
)

Unit = Literal["article", "sentence", "claim", "item"]


class MetricItems(Strict):
    """One metric's items: the counts each adds to the pooled number, in ``pooling``'s columns."""

    unit: Unit
    pooling: Pooling
    keys: list[str]
    counts: list[list[float]]

    @property
    def value(self) -> float | None:
        """The metric over all items (the reported number)."""
        return pooled_value(self.pooling, self.counts)

    def interval(self) -> Interval | None:
        """The 95% bootstrap interval over the items."""
        return bootstrap_interval(self.pooling, self.counts)


ItemTable = dict[str, MetricItems]
ItemSpec = Mapping[str, tuple[Unit, Pooling]]


class ItemCounter:
    """Collects items metric by metric; ``spec`` names each metric's unit and pooling."""

    def __init__(self, spec: ItemSpec) -> None:
        self.spec = spec
        self._keys: dict[str, list[str]] = {name: [] for name in spec}
        self._counts: dict[str, list[list[float]]] = {name: [] for name in spec}

    def add(self, metric: str, key: str, *counts: float) -> None:
        self._keys[metric].append(key)
        self._counts[metric].append([float(c) for c in counts])

    def table(self) -> ItemTable:
        return {
            name: MetricItems(unit=unit, pooling=pooling, keys=self._keys[name],
                              counts=self._counts[name])
            for name, (unit, pooling) in self.spec.items()
        }


FIXTURE_ITEMS: ItemSpec = {
    "sentences.f1": ("sentence", Pooling.f1),
    "sentences.precision": ("sentence", Pooling.precision),
    "sentences.recall": ("sentence", Pooling.recall),
    "claims.f1": ("article", Pooling.f1),
    "claims.precision": ("article", Pooling.precision),
    "claims.recall": ("article", Pooling.recall),
    "grounding.rate": ("article", Pooling.ratio),
    "claims.supported": ("article", Pooling.ratio),
    "claims.wellformed_rate": ("article", Pooling.ratio),
    "claimers.accuracy": ("claim", Pooling.ratio),
    "attribution.accuracy": ("claim", Pooling.ratio),
    "checkworthiness.f1": ("claim", Pooling.f1),
    "checkworthiness.accuracy": ("claim", Pooling.ratio),
    "sentence_checkworthiness.f1": ("sentence", Pooling.f1),
    "questions.meteor": ("claim", Pooling.ratio),
    "questions.meteor_matched": ("claim", Pooling.ratio),
    "questions.restate_rate": ("article", Pooling.ratio),
    "questions.duplicate_rate": ("article", Pooling.ratio),
    "questions.malformed_rate": ("article", Pooling.ratio),
    "kinds.recall": ("claim", Pooling.recall),
    "kinds.precision": ("claim", Pooling.precision),
    "ranking.p_at_3": ("article", Pooling.ratio),
    "ranking.p_at_5": ("article", Pooling.ratio),
    "ranking.map": ("article", Pooling.ratio),
    "health.first_attempt_validity": ("article", Pooling.ratio),
    "health.reasks_per_request": ("article", Pooling.ratio),
    "health.failures": ("article", Pooling.total),
    "health.tokens": ("article", Pooling.total),
    "health.seconds": ("article", Pooling.total),
    "health.cost_usd": ("article", Pooling.total),
}


def _article_items(items: ItemCounter, scores: FixtureScores) -> None:
    key = scores.fixture_id
    prf = scores.claims.prf
    for name in ("claims.f1", "claims.precision", "claims.recall"):
        items.add(name, key, prf.true_positives, prf.predicted, prf.gold)
    items.add("grounding.rate", key, scores.grounding.grounded, scores.grounding.claims)
    items.add("claims.supported", key, scores.support.supported, scores.support.claims)
    items.add("claims.wellformed_rate", key, scores.wellformed.well_formed,
              scores.wellformed.claims)
    quality = scores.question_quality
    items.add("questions.restate_rate", key, quality.restating, quality.questions)
    items.add("questions.duplicate_rate", key, quality.duplicates, quality.questions)
    items.add("questions.malformed_rate", key, quality.malformed, quality.questions)
    if scores.ranking.gold:  # an article without check-worthy gold has nothing to rank toward
        for k in (3, 5):
            items.add(f"ranking.p_at_{k}", key, sum(scores.ranking.hits[:k]), k)
        items.add("ranking.map", key, scores.ranking.average_precision, 1)
    health = scores.health.total
    items.add("health.first_attempt_validity", key, health.first_attempt_valid,
              health.model_requests)
    items.add("health.reasks_per_request", key, health.reasks, health.model_requests)
    items.add("health.failures", key, health.failures)
    items.add("health.tokens", key, health.prompt_tokens + health.completion_tokens)
    items.add("health.seconds", key, health.seconds)
    items.add("health.cost_usd", key, health.cost_usd)


def _sentence_items(items: ItemCounter, scores: FixtureScores) -> None:
    # Both lists follow the fixture's gold sentences in order.
    for index, outcome in enumerate(scores.sentences.outcomes):
        found = outcome.outcome == "true_positive"
        predicted = outcome.outcome in ("true_positive", "false_positive")
        gold = outcome.gold_status == "claims"
        for name in ("sentences.f1", "sentences.precision", "sentences.recall"):
            items.add(name, f"{scores.fixture_id}#s{index}", found, predicted, gold)
    rated = scores.sentence_checkworthiness
    for index, (gold, predicted) in enumerate(
        zip(rated.gold_labels, rated.predicted_labels, strict=True)
    ):
        items.add("sentence_checkworthiness.f1", f"{scores.fixture_id}#s{index}",
                  gold and predicted, predicted, gold)


def _claim_items(items: ItemCounter, scores: FixtureScores) -> None:
    # The matched pairs' check-worthiness labels are in the order of the alignment's matches.
    matched = [m.gold_index for m in scores.claims.matches]
    rated = dict(zip(matched, zip(scores.checkworthiness.gold_labels,
                                  scores.checkworthiness.predicted_labels, strict=True),
                     strict=True))
    claimers = {o.gold_index: o for o in scores.claimers.per_claim}
    for outcome in scores.evidence.per_claim:  # one per gold claim
        index = outcome.gold_index
        key = f"{scores.fixture_id}#c{index}"
        is_matched = index in rated
        claimer = claimers.get(index)
        items.add("claimers.accuracy", key, bool(claimer and claimer.claimer_right),
                  claimer is not None)
        items.add("attribution.accuracy", key, bool(claimer and claimer.chain_right),
                  claimer is not None)
        gold, predicted = rated.get(index, (False, False))
        items.add("checkworthiness.f1", key, gold and predicted, predicted, gold)
        items.add("checkworthiness.accuracy", key, is_matched and gold == predicted, is_matched)
        question = outcome.questions.score if outcome.questions is not None else 0.0
        items.add("questions.meteor", key, question, outcome.gold_questions > 0)
        items.add("questions.meteor_matched", key, question, outcome.questions is not None)
        kinds = (len(set(outcome.gold_kinds) & set(outcome.predicted_kinds)),
                 len(outcome.predicted_kinds), len(set(outcome.gold_kinds)))
        for name in ("kinds.recall", "kinds.precision"):
            items.add(name, key, *(kinds if is_matched else (0, 0, 0)))


def fixture_items(scores: Iterable[FixtureScores]) -> ItemTable:
    """The per-item counts of every fixture metric that is a sum over items."""
    items = ItemCounter(FIXTURE_ITEMS)
    for one in scores:
        _article_items(items, one)
        _sentence_items(items, one)
        _claim_items(items, one)
    return items.table()


def mean_items(tables: Sequence[ItemTable]) -> ItemTable:
    """Repeated runs on the same items as one table: each item's counts averaged over the runs
    (a ratio is then pooled over every run; a total is per run). Items some run lacks are left
    out."""
    if len(tables) == 1:
        return dict(tables[0])
    merged: ItemTable = {}
    for name, first in tables[0].items():
        runs = [t.get(name) for t in tables]
        if any(r is None for r in runs):
            continue
        by_key = [dict(zip(r.keys, r.counts, strict=True)) for r in runs if r is not None]
        common = [k for k in first.keys if all(k in counts for counts in by_key)]
        mean = [np.mean([counts[k] for counts in by_key], axis=0).tolist() for k in common]
        merged[name] = first.model_copy(update={"keys": common, "counts": mean})
    return merged


def intervals(table: Mapping[str, MetricItems]) -> dict[str, Interval]:
    """The bootstrap interval of every metric that has one."""
    found = {name: items.interval() for name, items in table.items()}
    return {name: interval for name, interval in found.items() if interval is not None}


def pair_items(
    before: MetricItems, after: MetricItems
) -> tuple[list[str], list[list[float]], list[list[float]]]:
    """The keys both have (in ``before``'s order) and each side's counts for them."""
    if (before.unit, before.pooling) != (after.unit, after.pooling):
        raise ValueError(f"cannot pair {before.unit}/{before.pooling} items with "
                         f"{after.unit}/{after.pooling} items")
    theirs = dict(zip(after.keys, after.counts, strict=True))
    keys = [k for k in before.keys if k in theirs]
    mine = dict(zip(before.keys, before.counts, strict=True))
    return keys, [mine[k] for k in keys], [theirs[k] for k in keys]


def paired_delta(before: MetricItems, after: MetricItems) -> Interval | None:
    """The paired 95% interval of ``after - before`` over the items both have."""
    _, a, b = pair_items(before, after)
    return paired_interval(before.pooling, a, b)


def repeated_metrics(runs: Sequence[MetricValues], items: Mapping[str, MetricItems]
                     ) -> MetricValues:
    """One metric map for repeated runs: pooled from the averaged items where a metric has
    them (``mean_items``), else the mean of the runs' values (None if any run's is None)."""
    if len(runs) == 1:
        return dict(runs[0])
    merged: MetricValues = {}
    for name in runs[0]:
        if name in items:
            merged[name] = items[name].value
            continue
        values = [run.get(name) for run in runs]
        defined = [v for v in values if v is not None]
        merged[name] = sum(defined) / len(defined) if len(defined) == len(values) else None
    return merged
