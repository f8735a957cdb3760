"""The named numbers of an eval run: one flat ``{name: value}`` map per system and fixture set.

Reports, baselines and the regression gate all speak in these names (``claims.f1``,
``questions.meteor``, ...), so a tolerance in ``evals/config.toml`` or a number in a baseline
file means one thing everywhere. Each metric knows which direction is better; the gate needs
nothing else. ``None`` means "not defined on this set" (e.g. no claim had gold questions).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.evaluation.scoring.suite import SuiteScores

MetricValues = dict[str, float | None]


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    higher_is_better: bool = True
    count: bool = False  # an integer count (failures), not a ratio in [0, 1]


_DEFINITIONS = [
    Metric("sentences.f1", "sentence-level claim detection F1 (status `claims` vs gold)"),
    Metric("sentences.precision", "sentence-level claim detection precision"),
    Metric("sentences.recall", "sentence-level claim detection recall"),
    Metric("claims.f1", "claim alignment F1: predicted claims matched one-to-one to gold claims"),
    Metric("claims.precision", "share of predicted claims matched to a gold claim"),
    Metric("claims.recall", "share of gold claims found"),
    Metric("grounding.rate", "share of claims whose quote is the article text at its offsets"),
    Metric(
        "claims.supported",
        "share of claims whose content words stand in their quote, its context, title and date",
    ),
    Metric("claims.wellformed_rate", "share of predicted claims that read as a sentence: a "
           "subject and a finite verb, nothing dangling (parse.ill_formed)"),
    Metric("claimers.accuracy", "matched claims whose claimer is the gold claimer (loose names)"),
    Metric("attribution.accuracy", "matched claims whose attribution chain is gold, link by link"),
    Metric("checkworthiness.f1", "check-worthy F1 on matched claim pairs (label check_worthy)"),
    Metric("checkworthiness.accuracy", "yes/no accuracy of check-worthiness on matched claims"),
    Metric("checkworthiness.spearman", "Spearman rho of claim scores vs gold check-worthiness"),
    Metric(
        "sentence_checkworthiness.f1",
        "CheckThat!-style F1 per gold sentence: carries a check-worthy claim?",
    ),
    Metric("sentence_checkworthiness.spearman", "Spearman rho of sentence scores vs gold"),
    Metric(
        "questions.meteor",
        "AVeriTeC HU-METEOR of evidence questions over gold claims with questions (missed = 0)",
    ),
    Metric("questions.meteor_matched", "HU-METEOR over matched gold claims with questions only"),
    Metric("questions.median_words", "median words per planned question (AVeriTeC dev: 10)",
           higher_is_better=False, count=True),
    Metric("questions.restate_rate", "share of questions restating their claim (content-word "
           "F1 >= 0.8; AVeriTeC dev: 0.047)", higher_is_better=False),
    Metric("questions.duplicate_rate", "share of questions their claim already asked",
           higher_is_better=False),
    Metric("questions.malformed_rate", "share of questions failing the form check (capital, one "
           "'?' after a word, quotes balanced)", higher_is_better=False),
    Metric("kinds.recall", "share of gold evidence kinds the plan names (matched claims)"),
    Metric("kinds.precision", "share of planned evidence kinds that are gold (matched claims)"),
    Metric("ranking.p_at_3", "check-first order: gold check-worthy claims among an article's "
           "first 3 claims, mean over articles with any (reported, not gated)"),
    Metric("ranking.p_at_5", "the same among the first 5"),
    Metric("ranking.map", "mean over articles of the check-first order's average precision"),
    Metric("health.first_attempt_validity", "model requests valid at the first attempt"),
    Metric("health.reasks_per_request", "re-asks per model request", higher_is_better=False),
    Metric("health.failures", "steps that failed after retries", higher_is_better=False,
           count=True),
    Metric("health.tokens", "prompt + completion tokens, re-asks included",
           higher_is_better=False, count=True),
    Metric("health.seconds", "summed stage seconds", higher_is_better=False, count=True),
    Metric("health.cost_usd", "cost per litellm's price table", higher_is_better=False,
           count=True),
]
METRICS: dict[str, Metric] = {m.name: m for m in _DEFINITIONS}
# The headline: what a person reads first, in this order.
HEADLINE = (
    "sentences.f1", "claims.f1", "claims.precision", "claims.recall", "grounding.rate",
    "claims.supported", "claims.wellformed_rate", "claimers.accuracy", "checkworthiness.f1",
    "sentence_checkworthiness.f1",
    "questions.meteor", "questions.median_words", "questions.restate_rate",
    "questions.duplicate_rate", "questions.malformed_rate", "kinds.recall",
    "health.first_attempt_validity", "health.failures", "health.tokens", "health.seconds",
)


def suite_metrics(suite: SuiteScores) -> MetricValues:
    """The flat metric map of pooled fixture scores (micro-averaged over the fixtures)."""
    health = suite.health.total
    return {
        "sentences.f1": suite.sentences.f1,
        "sentences.precision": suite.sentences.precision,
        "sentences.recall": suite.sentences.recall,
        "claims.f1": suite.claims.f1,
        "claims.precision": suite.claims.precision,
        "claims.recall": suite.claims.recall,
        "grounding.rate": suite.grounding.rate,
        "claims.supported": suite.support.rate,
        "claims.wellformed_rate": suite.wellformed.rate,
        "claimers.accuracy": suite.claimers.claimer_accuracy,
        "attribution.accuracy": suite.claimers.chain_accuracy,
        "checkworthiness.f1": suite.checkworthiness.positive.f1,
        "checkworthiness.accuracy": suite.checkworthiness.accuracy,
        "checkworthiness.spearman": suite.checkworthiness.spearman,
        "sentence_checkworthiness.f1": suite.sentence_checkworthiness.positive.f1,
        "sentence_checkworthiness.spearman": suite.sentence_checkworthiness.spearman,
        "questions.meteor": suite.question_score_all,
        "questions.meteor_matched": suite.question_score,
        "questions.median_words": suite.question_quality.median_words,
        "questions.restate_rate": suite.question_quality.restate_rate,
        "questions.duplicate_rate": suite.question_quality.duplicate_rate,
        "questions.malformed_rate": suite.question_quality.malformed_rate,
        "kinds.recall": suite.kinds.recall,
        "kinds.precision": suite.kinds.precision,
        "ranking.p_at_3": suite.ranking.get("ranking.p_at_3"),
        "ranking.p_at_5": suite.ranking.get("ranking.p_at_5"),
        "ranking.map": suite.ranking.get("ranking.map"),
        "health.first_attempt_validity": health.first_attempt_validity,
        "health.reasks_per_request": health.reasks_per_request,
        "health.failures": float(health.failures),
        "health.tokens": float(health.prompt_tokens + health.completion_tokens),
        "health.seconds": round(health.seconds, 3),
        "health.cost_usd": health.cost_usd,
    }


def format_value(value: float | None, metric: Metric | None = None) -> str:
    if value is None:
        return "n/a"
    if metric is not None and metric.count:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
    return f"{value:.3f}"
