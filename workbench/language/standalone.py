"""A claim that stands alone (GUIDELINES 3.2): the words whose meaning only the article's
context gives, replaced by what they refer to.

- A relative time by its date (``workbench.language.dates``): "on Monday" -> "on 12 October 2026",
  "last month" -> "in September 2026", "in the last few days" -> "in the days before
  6 September 2017".
- "there" as an adverb of place by the place named last in the sentences before the claim's
  ("were killed there" -> "were killed in Aleppo"; ``parse.places``). It stays when the claim
  names the place itself, or those sentences name none.

The quote keeps the article's words; the claim is what a fact-checker reads away from the
article. The rules' extract uses it, with the context its request carries (the two sentences
before and the article date), so the answer's cache key covers all it read; a model is asked to
decontextualise its own claims. Pronouns ("it", "they") are not resolved: the parser has no
coreference, and the nearest noun is too often the wrong one.
"""

from __future__ import annotations

import re

from workbench.language.dates import with_resolved_times
from workbench.language.parse import place_adverbs, places

_THERE = re.compile(r"\bthere\b", re.IGNORECASE)
_PLACE_PREPOSITION = re.compile(r"\b(?:from|to|near|out of|around)\s+$", re.IGNORECASE)


def standalone(claim: str, article_date: str | None, before: str = "") -> str:
    """``claim`` with its relative times dated against ``article_date`` and each place adverb
    "there" named from the last place ``before`` names (the sentences before the claim's)."""
    claim = with_resolved_times(claim, article_date)
    if not _THERE.search(claim):  # most claims: no parse needed
        return claim
    named = places(before)
    out, last = [], 0
    for start, end in place_adverbs(claim):
        if not named or places(claim[:start]):
            continue  # none to name, or the claim names it already ("In Aleppo, ... there")
        preceding = claim[last:start]
        said = named[-1] if _PLACE_PREPOSITION.search(preceding) else f"in {named[-1]}"
        out += [preceding, said]
        last = end
    return "".join(out) + claim[last:]
