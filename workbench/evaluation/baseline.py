"""A non-LLM check-worthiness baseline: surface cues, weighted, squashed to [0, 1].

Every backend's check-worthiness is reported next to this heuristic, so a model has to beat
what a dozen regular expressions achieve. The cues are what fact-checkers' guides name as
signs of a checkable statement — numbers, dates, named entities, reporting and change verbs,
comparisons, policy topics — and the signs of what is not — opinion and hedging words,
first and second person, questions, courtesies, future tense.

The weights were fitted once by L2-regularised logistic regression (``fit_cue_weights``) on
the CheckThat! 2024 English *train* split only, and the threshold chosen there for the best F1
of the "Yes" class; dev and dev-test were never looked at while tuning. Re-fitting reproduces
them (see the tests).

Yes-class F1 with these weights: train 0.608 (P 0.560, R 0.665); dev 0.796 (P 0.713,
R 0.899); dev-test 0.632 (P 0.833, R 0.509).

Beside a backend on the fixtures, the heuristic runs as ``heuristic_report``: the workbench's own
rule-based segmentation, then every body sentence the cues flag becomes one claim (the whole
sentence, no decomposition) with ``template_evidence``. Scored by the same scorers, it is the
floor for sentence detection, claim alignment, check-worthiness and evidence questions alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import minimize

from workbench.schema import (
    Article,
    CheckLabel,
    Checkworthiness,
    Claim,
    ClaimType,
    EvidenceKind,
    EvidenceNeed,
    Report,
    Role,
    RunInfo,
    Status,
)
from workbench.segment import segment_article


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


_NUMBER = re.compile(r"\d")
_NUMBER_WORD = _words(
    r"hundreds?|thousands?|millions?|billions?|trillions?|percent|per cent|half|twice|double[sd]?"
    r"|tripled?|quadrupled?|dozens?|one|two|three|four|five|six|seven|eight|nine|ten|twenty"
    r"|thirty|forty|fifty"
)
_MONEY = re.compile(r"[$€£%]|\b(?:dollars?|cents?|euros?|pounds?)\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:january|february|march|april|may|june|july|august|september"
    r"|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|yesterday|last (?:year|month|week)|ago)\b",
    re.IGNORECASE,
)
_REPORTING_OR_CHANGE = _words(
    r"said|says|stated|announced|reported|voted|votes|passed|signed|vetoed|proposed|supported"
    r"|opposed|increased|decreased|reduced|cut|raised|created|lost|spent|built|grew|fell|rose"
    r"|doubled|tripled|killed|died|won|elected|appointed|paid|owns?|costs?|according"
)
_COMPARISON = _words(
    r"more|less|fewer|than|highest|lowest|largest|biggest|smallest|most|least|record|first"
    r"|every|only|since|per|average|majority|increase|decrease|rate"
)
_POLICY_TOPIC = _words(
    r"tax(?:es)?|jobs?|unemploy\w*|deficit|debt|budget|econom\w*|wages?|income|spending|crime"
    r"|insurance|health|medicare|medicaid|social security|military|troops|war|nuclear|oil"
    r"|energy|trade|immigra\w*|schools?|education|billion|million|percent|law|bill|congress"
    r"|senate|government|administration|country|countries|states?|president"
)
_OPINION = _words(
    r"think|believe|feel|hope|wish|should|must|ought|need to|want|great|wonderful|terrible"
    r"|horrible|good|bad|best|worst|love|hate|wrong|important|sure|certainly|obviously|clearly"
    r"|really|very|maybe|perhaps|probably|let me|let's"
)
_FIRST_SINGULAR = re.compile(r"\b(?:I|I'm|I've|I'll|I'd|me|my|mine|myself)\b")
_FIRST_PLURAL = _words(r"we|we're|we've|we'll|our|us|ourselves")
_SECOND_PERSON = _words(r"you|your|you're|you've|yourself")
_COURTESY = _words(
    r"thank|thanks|applause|laughter|congratulat\w*|welcome|good evening|ladies|gentlemen"
)
_FUTURE = _words(r"will|won't|going to|gonna|'ll|plan to|intend")
_PAST_TENSE = re.compile(r"\b[a-z]{3,}ed\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9']+")


_FIRST_PERSON_FORMS = frozenset({"I", "I'm", "I've", "I'll", "I'd"})


def _named_entity_words(text: str) -> float:
    """Capitalised words that do not open a sentence, 'I' excluded: a cheap named-entity cue."""
    count = 0
    previous = "."
    for token in re.findall(r"[A-Za-z][\w'’-]*|[.!?:;\"“]", text):
        opens_sentence = previous in '.!?:"“'
        if token[0].isupper() and token not in _FIRST_PERSON_FORMS and not opens_sentence:
            count += 1
        previous = token
    return min(count, 3) / 3


def _count(pattern: re.Pattern[str], text: str, cap: int) -> float:
    return min(len(pattern.findall(text)), cap) / cap


# Each cue maps a sentence to [0, 1]. Order matters: it is the order of CueWeights.weights.
CUES: dict[str, Callable[[str], float]] = {
    "digits": lambda t: float(bool(_NUMBER.search(t))),
    "number_words": lambda t: float(bool(_NUMBER_WORD.search(t))),
    "money_or_percent": lambda t: float(bool(_MONEY.search(t))),
    "date": lambda t: float(bool(_DATE.search(t))),
    "named_entities": _named_entity_words,
    "reporting_or_change_verb": lambda t: float(bool(_REPORTING_OR_CHANGE.search(t))),
    "comparison": lambda t: float(bool(_COMPARISON.search(t))),
    "policy_topic": lambda t: _count(_POLICY_TOPIC, t, 2),
    "past_tense": lambda t: float(bool(_PAST_TENSE.search(t))),
    "opinion_word": lambda t: _count(_OPINION, t, 2),
    "first_person_singular": lambda t: float(bool(_FIRST_SINGULAR.search(t))),
    "first_person_plural": lambda t: float(bool(_FIRST_PLURAL.search(t))),
    "second_person": lambda t: float(bool(_SECOND_PERSON.search(t))),
    "future": lambda t: float(bool(_FUTURE.search(t))),
    "question": lambda t: float(t.rstrip().rstrip("\"'”’)").endswith("?")),
    "courtesy": lambda t: float(bool(_COURTESY.search(t))),
    "short": lambda t: float(len(_WORD.findall(t)) < 7),
    "length": lambda t: min(len(_WORD.findall(t)), 40) / 40,
}


def sentence_cues(text: str) -> dict[str, float]:
    """The value of every cue for one sentence."""
    return {name: cue(text) for name, cue in CUES.items()}


class CueWeights(BaseModel):
    """A fitted linear model over the cues plus the yes/no threshold on its score."""

    model_config = ConfigDict(extra="forbid")

    weights: dict[str, float] = Field(description="Weight per cue name (log-odds per unit).")
    bias: float = Field(description="Log-odds of a sentence with no cue.")
    threshold: float = Field(ge=0, le=1, description="Score at or above which the answer is yes.")


# Fitted by fit_cue_weights on CT24_checkworthy_english_train.tsv (22,501 sentences after
# splitting the glued row), l2=1.0; threshold = best train F1. Positive weights push to "Yes".
DEFAULT_WEIGHTS = CueWeights(
    weights={
        "digits": 1.372,
        "number_words": 0.802,
        "money_or_percent": 1.037,
        "date": 0.161,
        "named_entities": 0.813,
        "reporting_or_change_verb": 0.885,
        "comparison": 0.607,
        "policy_topic": 0.748,
        "past_tense": 0.664,
        "opinion_word": -1.498,
        "first_person_singular": -0.833,
        "first_person_plural": -0.07,
        "second_person": -0.28,
        "future": -1.036,
        "question": -2.029,
        "courtesy": -0.964,
        "short": -0.156,
        "length": 0.614,
    },
    bias=-1.965,
    threshold=0.28,
)


class BaselineVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float = Field(ge=0, le=1, description="Estimated probability of being check-worthy.")
    check_worthy: bool = Field(description="score >= threshold.")
    cues: list[str] = Field(description="Cues that fired, strongest contribution first.")


def rate_sentence(text: str, weights: CueWeights = DEFAULT_WEIGHTS) -> BaselineVerdict:
    """Score a sentence's check-worthiness from its surface cues."""
    values = sentence_cues(text)
    contributions = {name: weights.weights.get(name, 0.0) * value for name, value in values.items()}
    logit = weights.bias + sum(contributions.values())
    score = 1.0 / (1.0 + math.exp(-logit))
    fired = sorted((n for n, v in values.items() if v > 0), key=lambda n: -abs(contributions[n]))
    return BaselineVerdict(score=score, check_worthy=score >= weights.threshold, cues=fired)


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
    """Two questions any claim admits, with no model: the non-LLM floor for question METEOR.

    Not tuned on any gold question: "Is it true that <claim>?" and "What evidence shows that
    <claim>?", the claim's first letter lowered unless it starts a name or an acronym.
    """
    body = " ".join(claim.split()).rstrip(" .!?;:")
    if not body:
        return []
    first_word = body.split()[0]
    if first_word[0].isupper() and first_word[1:2].islower() and first_word.lower() in _LOWERABLE:
        body = body[0].lower() + body[1:]
    return [f"Is it true that {body}?", f"What evidence shows that {body}?"]


# Sentence openers that are ordinary words, not names: safe to lower-case inside a question.
_LOWERABLE_TEXT = """
    the a an this that these those it its there their they he she his her we our in on at by for
    from after before during since as when while according more most some many several about
    over under one two three four five six seven eight nine ten
"""
_LOWERABLE = frozenset(_LOWERABLE_TEXT.split())


def template_evidence(claim: str, claimer: str = "the author") -> list[EvidenceNeed]:
    """One evidence need by surface cues: statistics for numbers, the claimer's own source for
    a claim somebody else makes or reports, else independent reports; template questions."""
    questions = template_questions(claim) or ["Is the claim true?"]
    if _NUMBER.search(claim) or _MONEY.search(claim):
        kind = EvidenceKind.dataset_statistic
    elif claimer != "the author" or _REPORTING_OR_CHANGE.search(claim):
        kind = EvidenceKind.claimer_source
    else:
        kind = EvidenceKind.independent_report
    return [EvidenceNeed(kind=kind, need="evidence on the claim as stated", questions=questions)]


def _claim_type(text: str) -> ClaimType:
    if _NUMBER.search(text) or _MONEY.search(text):
        return ClaimType.quantity
    if _REPORTING_OR_CHANGE.search(text):
        return ClaimType.statement
    return ClaimType.event


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
            type=_claim_type(sentence.text),
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
