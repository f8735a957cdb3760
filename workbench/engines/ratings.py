"""Check-worthiness and selection as a probability: the cue scorer's and the trained
classifier's, each turned into the stage's answer (a 1-5 rating at the engine's threshold).

- ``cues``: the cue scorer of ``workbench.language.cues`` (fitted on CheckThat! train);
- ``classifier``: the trained sentence classifier (``workbench.classifier``), a claim read alone
  and in its sentence; loaded on first use (numpy, onnxruntime), so a run served from the cache
  never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from workbench.language.cues import DEFAULT_WEIGHTS, rate_sentence


def rating_for(probability: float, threshold: float) -> int:
    """A probability as the stage's 1-5 rating: at or over the engine's yes/no threshold is 4
    (5 when well over), just under it 3 (maybe), further under 2 or 1."""
    steps = ((1 + threshold) / 2, threshold, 0.6 * threshold, 0.3 * threshold)
    return next((5 - i for i, step in enumerate(steps) if probability >= step), 1)


def cue_rating(text: str) -> dict[str, Any]:
    """The cue score as the check-worthiness answer (its probability is the cue score)."""
    verdict = rate_sentence(text)
    cues = ", ".join(name.replace("_", " ") for name in verdict.cues[:4]) or "none"
    return {
        "rating": rating_for(verdict.score, DEFAULT_WEIGHTS.threshold),
        "rationale": f"surface cues, no model judgement: {cues}"[:200],
        "probability": round(verdict.score, 4),
    }


def cue_select(variables: Mapping[str, Any]) -> dict[str, Any]:
    verdict = rate_sentence(str(variables["sentence"]))
    return {"checkable": "yes" if verdict.check_worthy else "no"}


def classifier_rating(claim: str, sentence: str) -> dict[str, Any]:
    """The trained classifier's calibrated probability of ``claim``, read alone and in its
    ``sentence`` (``CheckworthinessClassifier.score_claim``), as the check-worthiness answer."""
    rating, rationale, probability = _classifier_score(claim, sentence)
    return {"rating": rating, "rationale": rationale, "probability": probability}


@lru_cache(maxsize=4096)
def _classifier_score(claim: str, sentence: str) -> tuple[int, str, float]:
    """One encoding per text: the select stage scores a sentence and the check-worthiness stage
    its claim, most often the same text."""
    from workbench.classifier.head import default_classifier

    classifier = default_classifier()
    score = classifier.score_claim(claim, sentence)
    return (
        rating_for(score.probability, classifier.threshold),
        score.rationale,
        round(score.probability, 4),
    )


def classifier_select(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Worth extracting when the classifier says yes or the cues flag it: the classifier learnt
    check-worthiness from debate transcripts and misses plain checkable news statements that
    the cues catch (evals/README.md "Engines": with the fine-tuned encoder, taking its "maybe"
    too selected more than the fixtures' gold, sentences F1 0.899 against 0.918)."""
    sentence = str(variables["sentence"])
    worthy = (
        classifier_rating(sentence, sentence)["rating"] >= 4 or rate_sentence(sentence).check_worthy
    )
    return {"checkable": "yes" if worthy else "no"}
