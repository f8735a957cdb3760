"""The heuristic: the cues of ``workbench.language.cues`` as a whole check-worthiness system, no
model.

Every backend's check-worthiness is reported next to this heuristic, so a model has to beat
what a dozen regular expressions achieve. ``fit_cue_weights`` re-fits the cue weights on the
CheckThat! 2024 English *train* split (and reproduces ``DEFAULT_WEIGHTS``: see the tests).

Beside a backend on the fixtures, the heuristic runs as ``heuristic_report``: the workbench's own
rule-based segmentation, then every body sentence the cues flag becomes one claim (the whole
sentence, no decomposition) with ``template_evidence``. Scored by the same scorers, it is the
floor for sentence detection, claim alignment, check-worthiness and evidence questions alike
(``heuristic_scores``). Not to be confused with ``baselines``: the blessed runs the gate
compares with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize

from workbench.core.schema import (
    Article,
    CheckLabel,
    Checkworthiness,
    Claim,
    EvidenceNeed,
    Report,
    Role,
    RunInfo,
    Status,
)
from workbench.engines.rules import claim_type
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.suite import FixtureScores, score_report
from workbench.language.cues import CUES, DEFAULT_WEIGHTS, CueWeights, rate_sentence
from workbench.language.evidence_sources import evidence_kind
from workbench.language.questions import LOWERABLE
from workbench.language.segment import segment_article
from workbench.language.sources import AUTHOR

# --------------------------------------------------------------------------------------------
# Tuning (run on CheckThat! train only)
# --------------------------------------------------------------------------------------------


def _cue_matrix(texts: Sequence[str]) -> np.ndarray:
    return np.array([[cue(t) for cue in CUES.values()] for t in texts], dtype=float)


def best_f1_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold (0.01 grid) with the best F1 of the positive class; lowest on ties."""
    score_array = np.asarray(scores)
    label_array = np.asarray(labels, dtype=bool)
    best, best_f1 = 0.5, 0.0  # with no threshold better than F1 0, keep 0.5
    for threshold in np.round(np.arange(0.01, 1.0, 0.01), 2):
        predicted = score_array >= threshold
        tp = int(np.sum(predicted & label_array))
        denominator = int(predicted.sum()) + int(label_array.sum())
        f1 = 2 * tp / denominator if denominator else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return best


def fit_cue_weights(texts: Sequence[str], labels: Sequence[bool], l2: float = 1.0) -> CueWeights:
    """Fit the cue weights by L2-regularised logistic regression, then the F1-best threshold.

    Deterministic: L-BFGS from zero weights. The bias is not regularised.
    """
    features = _cue_matrix(texts)
    target = np.asarray(labels, dtype=float)
    with_bias = np.hstack([features, np.ones((len(texts), 1))])

    def loss_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
        logits = with_bias @ params
        # log(1 + e^z) - y z, computed stably
        loss = np.sum(np.logaddexp(0.0, logits) - target * logits)
        gradient = with_bias.T @ (1.0 / (1.0 + np.exp(-logits)) - target)
        penalty = params.copy()
        penalty[-1] = 0.0
        return float(loss + 0.5 * l2 * penalty @ penalty), gradient + l2 * penalty

    result = minimize(loss_and_gradient, np.zeros(with_bias.shape[1]), jac=True, method="L-BFGS-B")
    params = result.x
    fitted = CueWeights(
        weights={name: round(float(w), 3) for name, w in zip(CUES, params[:-1], strict=True)},
        bias=round(float(params[-1]), 3),
        threshold=0.5,
    )
    rounded = np.array([*fitted.weights.values(), fitted.bias])
    scores = 1.0 / (1.0 + np.exp(-(with_bias @ rounded)))
    return fitted.model_copy(update={"threshold": best_f1_threshold(scores.tolist(), labels)})


# --------------------------------------------------------------------------------------------
# The heuristic as a system: a report over an article, template evidence questions
# --------------------------------------------------------------------------------------------

HEURISTIC_BACKEND = "heuristic"
HEURISTIC_MODEL = "cue weights fitted on CheckThat! 2024 train (no model)"


def template_questions(claim: str) -> list[str]:
    """Two questions any claim admits, with no model.

    Not tuned on any gold question: "Is it true that <claim>?" and "What evidence shows that
    <claim>?", the claim's first letter lowered unless it starts a name or an acronym.
    """
    body = " ".join(claim.split()).rstrip(" .!?;:")
    if not body:
        return []
    first_word = body.split()[0]
    if first_word[0].isupper() and first_word[1:2].islower() and first_word.lower() in LOWERABLE:
        body = body[0].lower() + body[1:]
    return [f"Is it true that {body}?", f"What evidence shows that {body}?"]


def template_evidence(claim: str, claimer: str = AUTHOR) -> list[EvidenceNeed]:
    """One evidence need by surface cues: statistics for numbers, the claimer's own source for
    a claim somebody else makes or reports, else independent reports; template questions."""
    questions = template_questions(claim) or ["Is the claim true?"]
    kind = evidence_kind(claim, claimer)
    return [EvidenceNeed(kind=kind, need="evidence on the claim as stated", questions=questions)]


def heuristic_report(article: Article, weights: CueWeights = DEFAULT_WEIGHTS) -> Report:
    """The cue-based baseline as a ``Report``, so every fixture scorer applies to it unchanged.

    Segmentation is the workbench's own (rule-based, no model), so the comparison with a
    backend isolates what the model adds. A body sentence the cues flag gets status ``claims``
    and one claim: the whole sentence, claimed by the author, rated with its cue score and
    planned with ``template_evidence``; every other body sentence is ``no_claim``.
    """
    paragraphs, sentences = segment_article(article)
    claims: list[Claim] = []
    for sentence in sentences:
        if sentence.role != Role.body or sentence.status != Status.pending:
            continue
        verdict = rate_sentence(sentence.text, weights)
        if not verdict.check_worthy:
            sentence.status, sentence.reason = Status.no_claim, "no cue of a checkable claim"
            continue
        claim = Claim(
            id=f"c{len(claims) + 1}",
            sentence_id=sentence.id,
            text=sentence.text,
            quote=sentence.text,
            start=sentence.start,
            end=sentence.end,
            claimer="the author",
            attribution=["the author"],
            type=claim_type(sentence.text),
            checkworthiness=Checkworthiness(
                score=verdict.score,
                label=CheckLabel.check_worthy,
                rationale="cues: " + ", ".join(verdict.cues[:4]),
            ),
            evidence=template_evidence(sentence.text),
        )
        claims.append(claim)
        sentence.status, sentence.reason = Status.claims, "cues: " + ", ".join(verdict.cues[:4])
        sentence.claim_ids.append(claim.id)
    return Report(
        article=article,
        paragraphs=paragraphs,
        sentences=sentences,
        claims=claims,
        run=RunInfo(backend=HEURISTIC_BACKEND, model=HEURISTIC_MODEL),
    )


def heuristic_scores(fixture: Fixture) -> FixtureScores:
    """The heuristic's report over the fixture's article, scored by the fixture scorers."""
    return score_report(heuristic_report(fixture.article), fixture)
