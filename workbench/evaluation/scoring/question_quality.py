"""How the evidence questions read, whatever the gold says (issue 25): short, one fact each, not
the claim restated, no two alike within a claim, and well formed.

METEOR rewards a question for sharing words with the gold questions, so a question that restates
its whole claim scores well while telling a fact-checker nothing new. These counts say what
METEOR does not. AVeriTeC's dev questions are the reference for the shape: a median of 10 words,
4.7% of them restate their claim (content-word F1 >= 0.8 with its text), 2.6 per claim.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable

from pydantic import Field

from workbench.core.schema import Claim, Strict
from workbench.evaluation.scoring.evidence import planned_questions
from workbench.language.support import content_tokens, token_f1

RESTATES = 0.8  # content-word F1 with the claim's text from which a question restates it
# A question ends with one "?" after a word or a closing quote; no clause end just before it,
# no ellipsis of a cut claim, no day number cut from its date ("before 6 there"), no last word
# that needs another, no unbalanced quotation marks.
_END = re.compile(r"""[\w)"'’”]\?$""")
_BROKEN = re.compile(
    r"[.,;:]\s*\?$|\?.*\?$"
    r"|…"  # a claim cut short inside the question
    # a day number cut from its month ("before 6 there?")
    r"|\b(?:on|before|after|since|until)\s+\d{1,2}(?:\s+(?:there|here|and|or|but)\b|\s*[,?])"
    # a question that stops on a word that needs another ("... defeating one of the?")
    r"|\b(?:the|a|an|of|and|or|but|that)\?$",
    re.IGNORECASE,
)


class QuestionQuality(Strict):
    """Counts over the questions of a set of claims; add two to pool them."""

    questions: int = 0
    restating: int = Field(default=0, description="Questions that restate their claim.")
    duplicates: int = Field(default=0, description="Questions a claim already asked.")
    malformed: int = Field(default=0, description="Questions that fail the form check.")
    lengths: list[int] = Field(default_factory=list, description="Words per question.")

    def __add__(self, other: QuestionQuality) -> QuestionQuality:
        return QuestionQuality(
            questions=self.questions + other.questions,
            restating=self.restating + other.restating,
            duplicates=self.duplicates + other.duplicates,
            malformed=self.malformed + other.malformed,
            lengths=self.lengths + other.lengths,
        )

    def _share(self, count: int) -> float | None:
        return count / self.questions if self.questions else None

    @property
    def median_words(self) -> float | None:
        return float(statistics.median(self.lengths)) if self.lengths else None

    @property
    def restate_rate(self) -> float | None:
        return self._share(self.restating)

    @property
    def duplicate_rate(self) -> float | None:
        return self._share(self.duplicates)

    @property
    def malformed_rate(self) -> float | None:
        return self._share(self.malformed)


def well_formed(question: str) -> bool:
    """Opens with a capital, ends with one "?" after a word (not an article, preposition or
    conjunction), quotes balanced, nothing cut: no ellipsis, no day number without its month."""
    text = question.strip()
    straight = text.count('"') % 2 == 0
    curly = text.count("“") == text.count("”")
    return (
        text[:1].isupper()
        and bool(_END.search(text))
        and not _BROKEN.search(text)
        and straight
        and curly
    )


def score_question_quality(claims: Iterable[Claim]) -> QuestionQuality:
    """The counts over every question the claims' evidence plans ask."""
    quality = QuestionQuality()
    for claim in claims:
        asked: set[tuple[str, ...]] = set()
        for question in planned_questions(claim):
            words = tuple(content_tokens(question))
            quality.questions += 1
            quality.lengths.append(len(question.split()))
            quality.restating += int(token_f1(question, claim.text) >= RESTATES)
            quality.duplicates += int(words in asked)
            quality.malformed += int(not well_formed(question))
            asked.add(words)
    return quality
