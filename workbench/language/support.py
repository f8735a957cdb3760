"""Support: does a claim say only what its quote, read with the context that resolves it, says?

A claim is a restatement, so it may resolve "he", "there" or "last year" from the names the
article gave before, its title and its date; it may not add facts. The measure is lexical and
deliberately simple: the share of the claim's content words (stemmed, stop words out, numbers
whole) that occur in its quote or those grounds. It catches what small models do (a claim lifted
from another sentence, a whole sentence restated on a trailing fragment as its quote, a sentence
that is not there at all) and needs no model. It cannot see a paraphrase that changes meaning
with the same words (an entailment judge would). The threshold is set on the fixtures' 137
hand-written gold claims: 97% of them reach 0.6 (they decontextualise freely), while only 58% of
the claims the embedded model wrote as the default extractor did (evals/README.md).

One home for it: the extract stage rejects an unsupported claim through its validator (the
model is re-asked, then the next engine answers), and the eval suite reports
``claims.supported`` with the same function.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from workbench.core.schema import Report, Sentence
from workbench.language.dates import parse_date

# Function words that carry no claim content. A fixed list (not NLTK's corpus) so that the
# measure needs no downloaded data and never changes under our feet. Negations (no, not, nor)
# are kept: they flip a claim.
_STOP_WORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also according said says say whether s t
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,'’][a-z0-9]+)*")

# A claim whose content words are at least this much in its quote and grounds is supported
# (module docstring: set on the fixtures' gold claims).
SUPPORTED_SHARE = 0.6


_per_thread = threading.local()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # Snowball's English (Porter2) stemmer, pure code: importing NLTK for its Porter stemmer
    # pulls in scipy.stats (about 2.5 s), and the extract validator runs on every cached answer.
    # A Snowball stemmer keeps the word it is stemming on the instance, so two threads sharing
    # one garble each other's words (or raise IndexError): each thread gets its own.
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)  # type: ignore[no-any-return]


def content_tokens(text: str) -> list[str]:
    """Lower-cased, stemmed words minus stop words; numbers such as '1,200' stay whole."""
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        token = re.sub(r"['’]s$", "", token)
        if token and token not in STOP_WORDS:
            tokens.append(token if any(c.isdigit() for c in token) else _stem(token))
    return tokens


def token_f1(a: str, b: str, weights: Mapping[str, float] | None = None) -> float:
    """F1 of the content-token multisets of two texts (SQuAD-style); 0.0 if either is empty.

    With ``weights``, each token counts with its weight (missing tokens weigh 1.0).
    """
    tokens_a, tokens_b = Counter(content_tokens(a)), Counter(content_tokens(b))

    def mass(tokens: Counter[str]) -> float:
        return sum(n * (weights.get(t, 1.0) if weights else 1.0) for t, n in tokens.items())

    common = mass(tokens_a & tokens_b)
    if not common:
        return 0.0
    precision = common / mass(tokens_a)
    recall = common / mass(tokens_b)
    return 2 * precision * recall / (precision + recall)


# Claims of one claimer whose content words agree this much say the same thing. The fixtures'
# gold never has two claims of one claimer above 0.75 (the guidelines forbid repeating one
# proposition), so 0.85 merges restatements and leaves distinct facts alone.
SAME_CLAIM_F1 = 0.85


def same_proposition(a: str, b: str) -> bool:
    """Do two claim texts say the same thing (content-word F1 >= ``SAME_CLAIM_F1``)?"""
    return token_f1(a, b) >= SAME_CLAIM_F1


def date_words(article_date: str | None) -> str:
    """The article date as written, and as the words a claim may use for it ("7 September 2017
    Thursday"), read by the one date reader (``dates.parse_date``: ISO or a dateline)."""
    day = parse_date(article_date)
    if day is None:
        return article_date or ""
    return f"{article_date} {day.day} {day:%B} {day.year} {day:%A}"


@dataclass(frozen=True)
class Support:
    """How much of a claim its grounds carry."""

    share: float  # content words of the claim found in the grounds (1.0 for an empty claim)
    missing: tuple[str, ...]  # the claim's words that are not (stemmed)

    @property
    def supported(self) -> bool:
        return self.share >= SUPPORTED_SHARE


_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+)?[A-Z][\w’'-]*)*")
_PREFIX = 5  # 'broke' / 'broken', 'armoured' / 'armour': one word for the measure


def names_in(text: str) -> str:
    """The capitalised words of ``text`` (names, places, titles), for resolving a claim's
    references to what the article named before its quote."""
    return " ".join(_NAME.findall(text))


def claim_grounds(report: Report, sentence: Sentence) -> list[str]:
    """What a claim quoting ``sentence`` may draw on besides its quote: the names the article
    gives up to the end of that sentence, the title and the article date. "They" may become
    "Syrian forces" and "last week" a date; a word of another sentence's facts may not come
    along, nor a word of its own sentence that the quote leaves out."""
    return [
        names_in(report.article.text[: sentence.end]),
        report.article.title or "",
        date_words(report.article.date),
    ]


def claim_support(claim: str, grounds: Iterable[str]) -> Support:
    """Share of ``claim``'s content words found in ``grounds`` (quote, context, title, date).

    A word is found when its stem is in the grounds or shares its first five letters with a
    stem there (irregular and derived forms the stemmer leaves apart)."""
    available = {token for text in grounds for token in content_tokens(text)}
    prefixes = {token[:_PREFIX] for token in available if len(token) >= _PREFIX}

    def found(word: str) -> bool:
        return word in available or (len(word) >= _PREFIX and word[:_PREFIX] in prefixes)

    words = content_tokens(claim)
    if not words:
        return Support(1.0, ())
    missing = tuple(dict.fromkeys(w for w in words if not found(w)))
    return Support(sum(1 for w in words if found(w)) / len(words), missing)
