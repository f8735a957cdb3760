"""A claim that stands alone (GUIDELINES 3.2): the words whose meaning only the article's
context gives, replaced by what they refer to.

- A relative time by its date (``workbench.language.dates``): "on Monday" -> "on 12 October 2026",
  "last month" -> "in September 2026", "in the last few days" -> "in the days before
  6 September 2017".
- "there" as an adverb of place by the place named last in the sentences before the claim's
  ("were killed there" -> "were killed in Aleppo"; ``parse.places``). It stays when the claim
  names the place itself, or those sentences name none.

- A pronoun at the head of the claim ("It", "Its", "They", "Their") by the name it stands for,
  where the sentence or the one before leaves one reading (``resolve_head_pronoun``): in
  reported content the speaker ("The ministry said its drones destroyed 40 depots" -> "The
  ministry's drones destroyed 40 depots"), else the named organisation or place, or the plural
  noun, that is the subject of the sentence before. Anything else stays as written: the parser
  has no coreference, and the nearest noun is too often the wrong one ("It was the busiest
  year" keeps its "It"); "he" and "she" stay too, the parser knowing no one's gender.

The quote keeps the article's words; the claim is what a fact-checker reads away from the
article. The rules' extract uses it, with the context its request carries (the two sentences
before and the article date), so the answer's cache key covers all it read; a model is asked to
decontextualise its own claims.
"""

from __future__ import annotations

import re

from workbench.language.dates import with_resolved_times
from workbench.language.parse import parse, place_adverbs, places
from workbench.language.sources import AUTHOR

_THERE = re.compile(r"\bthere\b", re.IGNORECASE)
_PLACE_PREPOSITION = re.compile(r"\b(?:from|to|near|out of|around)\s+$", re.IGNORECASE)


def standalone(
    claim: str,
    article_date: str | None,
    before: str = "",
    speaker: str | None = None,
    lead: str = "",
) -> str:
    """``claim`` with its relative times dated against ``article_date``, each place adverb
    "there" named from the last place ``before`` names (the sentences before the claim's), and a
    pronoun at its head named (``resolve_head_pronoun``; ``speaker``: who asserts it, when
    somebody in the sentence does; ``lead``: the words of its own sentence before it, when the
    claim is a clause cut from the sentence)."""
    claim = resolve_head_pronoun(with_resolved_times(claim, article_date), before, speaker, lead)
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


_SINGULAR = {"it", "its"}
_PLURAL = {"they", "their"}
_POSSESSIVE = {"its", "their"}
# "it" that names nothing: the verbs of weather, seeming and becoming, and an "it" whose clause
# comes after the verb ("It is expected that ...", "It takes two hours to cross")
_EMPTY_IT = {"be", "seem", "appear", "emerge", "remain", "become", "take", "rain", "snow",
             "happen", "matter", "follow", "turn"}  # fmt: skip
_CLAUSE_OF_IT = {"ccomp", "xcomp", "csubj", "csubjpass"}
_NAMED = {"ORG", "GPE", "FAC", "NORP", "LOC"}


def resolve_head_pronoun(
    claim: str, before: str = "", speaker: str | None = None, lead: str = ""
) -> str:
    """``claim`` with the pronoun it opens with, as the subject or its possessor ("It closed
    ...", "Its drones ..."), replaced by the name it stands for: ``speaker`` (who asserts the
    claim, "the ministry" of "the ministry said its ...") when the pronoun agrees with it in
    number, else the subject of the last sentence of ``before`` when it is a named
    organisation or place (it) or a plural noun (they). A claim cut from the middle of its
    sentence (a ``lead`` before it) keeps its pronoun but for the speaker: what it stands for
    is most often in that lead ("While half of voters said they would ...", "Pictures show the
    crowds, and their relief is palpable"), where the parse alone cannot pick it, and never the
    subject of the sentence before. Else as written."""
    context = "" if lead.strip() else before
    doc = parse(claim)
    if not len(doc) or doc[0].lower_ not in _SINGULAR | _PLURAL:
        return claim
    pronoun = doc[0]
    if pronoun.dep_ not in {"nsubj", "nsubjpass", "poss"}:
        return claim
    verb = pronoun.head
    if pronoun.lower_ == "it" and (
        verb.lemma_ in _EMPTY_IT or any(c.dep_ in _CLAUSE_OF_IT for c in verb.children)
    ):
        return claim  # "It was the busiest year", "It emerged that ...": no one thing named
    name = None
    if speaker and speaker != AUTHOR and _agrees(pronoun.lower_, speaker):
        name = speaker
    elif context.strip() and (
        pronoun.lower_ != "it" or any(c.dep_ == "dobj" for c in verb.children)
    ):  # from the sentence before only "it" that acts on something ("It closed two docks")
        name = _antecedent(pronoun.lower_, context)
    if not name:
        return claim
    if pronoun.dep_ == "poss" or pronoun.lower_ in _POSSESSIVE:
        if len(name.split()) > 4 or " of " in name or " on " in name or " in " in name:
            return claim  # "the shopkeepers on the square's takings" reads wrong
        name += "'" if name.endswith("s") else "'s"
    rest = claim[len(pronoun.text) :]
    return name[:1].upper() + name[1:] + rest


def _agrees(pronoun: str, name: str) -> bool:
    doc = parse(name)
    person = any(e.label_ == "PERSON" for e in doc.ents)
    head = next((t for t in doc if t.dep_ == "ROOT"), None)
    if head is None or head.pos_ not in {"NOUN", "PROPN"}:
        return False
    if pronoun in _PLURAL:
        return head.tag_ in {"NNS", "NNPS"}
    # "its": a body ("the ministry", "Orm Bank"), not a person ("Mayor Ana Ruiz")
    return not person and (head.tag_ == "NN" or (head.tag_ == "NNP" and head.ent_type_ in _NAMED))


def _antecedent(pronoun: str, before: str) -> str | None:
    doc = parse(before)
    last = list(doc.sents)[-1]
    subject = next(
        (t for t in last if t.dep_ in {"nsubj", "nsubjpass"} and t.head.i == last.root.i), None
    )
    if subject is None or subject.pos_ not in {"NOUN", "PROPN"}:
        return None
    phrase = doc[subject.left_edge.i : subject.right_edge.i + 1]  # "the Port Authority of X"
    if len(phrase) > 8 or any(t.is_punct for t in phrase):  # an aside or a list: its head only
        phrase = doc[subject.left_edge.i : subject.i + 1]
    if pronoun in _PLURAL:
        agrees = subject.tag_ in {"NNS", "NNPS"}
    else:
        agrees = subject.tag_ in {"NN", "NNP"} and subject.ent_type_ in _NAMED
    if not agrees or any(t.pos_ == "PRON" for t in phrase):
        return None
    text = phrase.text
    return text[:1].lower() + text[1:] if phrase[0].lower_ == "the" else text
