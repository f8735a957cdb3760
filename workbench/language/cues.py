"""Surface cues of a checkable sentence, weighted and squashed to a check-worthiness in [0, 1].

The cues are what fact-checkers' guides name as signs of a checkable statement — numbers, dates,
named entities, reporting and change verbs, comparisons, policy topics — and the signs of what
is not — opinion and hedging words, first and second person, questions, courtesies, future tense.

The weights were fitted once by L2-regularised logistic regression
(``workbench.evaluation.heuristic.fit_cue_weights``) on the CheckThat! 2024 English *train*
split only, and the threshold chosen there for the best F1 of the "Yes" class; dev and dev-test
were never looked at while tuning. Yes-class F1 with these weights: train 0.608 (P 0.560,
R 0.665); dev 0.796 (P 0.713, R 0.899); dev-test 0.632 (P 0.833, R 0.509).

Users: the eval suite's no-model baseline beside every backend, and the ``cues`` engine
(``workbench.engines``) that selects beside the classifier and rates where a config asks it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from pydantic import Field

from workbench.core.schema import Strict


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


class CueWeights(Strict):
    """A fitted linear model over the cues plus the yes/no threshold on its score."""

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


class BaselineVerdict(Strict):
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
