"""Names and sources: who could be asserting something in a sentence, as spaCy parses it.

A source is a noun phrase as written, without relative clauses, appositions or conjuncts ("A
government spokesperson", "Scientists at the university"); after the labelling guidelines
(evals/GUIDELINES.md 3.4) a person is named without title ("Committee chair Anna Falk" -> "Anna
Falk", when the NER marks the name), and a document speaks for its issuer ("the council's survey
found" -> "The council"). Pronoun sources ("she said") are resolved to the most recent person
named before them; a pronoun that cannot be resolved is no source. Places, dates and numbers are
never offered as names that "could assert". Two spellings of one source ("the ministry" / "The
Ministry's") are one source (``same_source``).

``workbench.language.reporting`` finds the cues whose sources these are;
``workbench.language.attribution`` ranks them into a sentence's claimer options.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from workbench.language.parse import LOCATIVE, NUMBER_LABELS, PLACE_LABELS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

AUTHOR = "the author"

# Documents speak for whoever issued them (evals/GUIDELINES.md 3.4): "the council's survey found"
# is the council's claim, "figures published by the trust" the trust's.
DOCUMENTS: frozenset[str] = frozenset(
    {
        "analysis", "announcement", "assessment", "audit", "bulletin", "census", "data",
        "document", "figure", "filing", "inquiry", "investigation", "letter", "memo", "paper",
        "poll", "release", "report", "review", "statement", "statistic", "study", "survey",
    }
)  # fmt: skip

# Dependency labels (spaCy's English scheme, ClearNLP style) left out of a source's phrase.
_DROP_FROM_PHRASE = {"relcl", "appos", "punct", "cc", "conj", "parataxis", "advcl"}
_NAMES = {"PERSON", "ORG"}  # names that could assert, offered even when the parse finds no verb
_RESOLVABLE = {"he", "she", "him", "her"}  # pronouns we resolve to the last person named
_MAX_PHRASE = 10  # tokens; longer subject phrases are cut back to their head's left part

PRONOUN_WORDS = {
    "he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those", "who",
    "him", "her", "them", "us", "me", "one", "someone", "somebody", "everyone", "nobody",
}  # fmt: skip


def lemma_of(token: Token) -> str:
    return token.lemma_.lower()


def same_source(a: str, b: str) -> bool:
    """Names that differ only by case, a leading article or a possessive are one source."""
    return _key(a) == _key(b)


def _key(name: str) -> str:
    key = " ".join(name.lower().replace("’", "'").split())
    for article in ("the ", "a ", "an "):
        key = key.removeprefix(article)
    return key.removesuffix("'s").strip(" .,;:'\"")


def add_options(options: list[str], names: Iterable[str]) -> None:
    """Append the names not offered yet. A proper name already offered inside a longer one, or
    around a shorter one, is the same source ("Lilly Martin" / "Syrian resident Lilly Martin",
    "Anna Falk" / "Falk"); common nouns are not ("the mayor" / "the deputy mayor")."""
    for name in names:
        if not name or name.lower() in PRONOUN_WORDS:
            continue
        if not any(same_source(name, o) or _same_name(name, o) for o in options):
            options.append(name)


def _same_name(a: str, b: str) -> bool:
    a_key, b_key = _key(a), _key(b)
    if len(a_key) > len(b_key):
        (a, a_key), (b, b_key) = (b, b_key), (a, a_key)
    words = a.split()
    shorter = " ".join(words[1:] if words and words[0].lower() in {"the", "a", "an"} else words)
    return (
        bool(a_key)
        and any(ch.isupper() for ch in shorter)
        and f" {a_key} " in f" {b_key} "
        and _key(AUTHOR) not in {a_key, b_key}
    )


def source_phrases(head: Token, doc: Doc, people_before: list[tuple[int, str]]) -> list[str]:
    """The source phrase(s) headed by ``head``: one per conjunct, pronouns resolved."""
    found: list[str] = []
    for token in [head, *[c for c in head.conjuncts if c.i > head.i]]:
        if token.pos_ == "PRON" or token.lower_ in _RESOLVABLE:
            person = _resolve(token, doc, people_before)
            if person:
                found.append(person)
            continue
        phrase = noun_phrase(token)
        if phrase is not None:
            found.append(phrase)
    return found


def noun_phrase(head: Token) -> str | None:
    """The noun phrase of ``head`` as written, without relative clauses, appositions or
    conjuncts; None for numbers and dates ("on Tuesday said" misparses)."""
    if head.ent_type_ in NUMBER_LABELS and not any(c.dep_ == "prep" for c in head.children):
        return None
    if head.pos_ not in {"NOUN", "PROPN", "NUM", "X", "ADJ"}:
        return None
    # A person by their name, without title ("Committee chair Anna Falk" -> "Anna Falk").
    for ent in head.doc.ents:
        if ent.label_ == "PERSON" and ent.start <= head.i < ent.end:
            return ent.text
    # A document speaks for its issuer ("the council's survey found" -> "The council").
    if lemma_of(head) in DOCUMENTS:
        issuer = _issuer(head)
        if issuer is not None:
            return issuer
    # "The ministry's spokesperson, Ana Ruiz, said": the name says more than the role.
    if head.pos_ != "PROPN":
        for child in head.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN":
                return noun_phrase(child)
    keep = _phrase_tokens(head)
    if len(keep) > _MAX_PHRASE:
        keep = [t for t in keep if t.i <= head.i]
    doc = head.doc
    span = doc[keep[0].i : keep[-1].i + 1]
    text = span.text.strip(" \t\n,;:'\"“”‘’()[]-–—")
    return text or None


def _issuer(document: Token) -> str | None:
    """Who issued ``document``: its possessor, a name compounded with it, or the agent of
    "published / compiled / released by X"."""
    for child in document.children:
        if child.dep_ == "poss" and child.pos_ in {"NOUN", "PROPN"}:
            return noun_phrase(child)
    for child in document.children:
        if child.dep_ == "compound" and child.ent_type_ in _NAMES:
            ent = next((e for e in document.doc.ents if e.start <= child.i < e.end), None)
            if ent is not None and ent.end <= document.i:
                return ent.text
    for child in document.children:
        if child.dep_ == "acl":
            for agent in (c for c in child.children if c.dep_ == "agent"):
                for pobj in (c for c in agent.children if c.dep_ == "pobj"):
                    return noun_phrase(pobj)
    return None


def _phrase_tokens(head: Token) -> list[Token]:
    """Tokens of ``head``'s subtree minus dropped dependents, as one contiguous run."""
    dropped: set[int] = set()
    for child in head.children:
        if child.dep_ in _DROP_FROM_PHRASE:
            dropped |= {t.i for t in child.subtree}
    kept = [t for t in head.subtree if t.i not in dropped]
    # one contiguous run around the head ("Anna Falk, who chairs it," -> "Anna Falk")
    run = [head]
    by_index = {t.i: t for t in kept}
    i = head.i - 1
    while i in by_index:
        run.insert(0, by_index[i])
        i -= 1
    i = head.i + 1
    while i in by_index:
        run.append(by_index[i])
        i += 1
    while run and (run[0].is_punct or run[0].dep_ == "case"):
        run.pop(0)
    while run and (run[-1].is_punct or (run[-1].dep_ == "case" and run[-1] is not head)):
        run.pop()
    return run or [head]


def _resolve(pronoun: Token, doc: Doc, people_before: list[tuple[int, str]]) -> str | None:
    """'she' / 'he' -> the last person named before it (in the context or the sentence)."""
    if pronoun.lower_ not in _RESOLVABLE:
        return None
    here = [ent.text for ent in doc.ents if could_assert(ent, {"PERSON"}) and ent.end <= pronoun.i]
    if here:
        return here[-1]
    return people_before[-1][1] if people_before else None


def could_assert(ent: Span, labels: set[str] = _NAMES) -> bool:
    """A person or organisation, not where something happens: the small model labels unknown
    places PERSON or ORG, so the object of a locative preposition ("from Deir Ezzor", "near
    Tuscany") and a name qualifying a place are left out."""
    root = ent.root
    if ent.label_ not in labels:
        return False
    if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE:
        return False
    return not (root.dep_ == "compound" and root.head.ent_type_ in PLACE_LABELS)


def asserting_names(doc: Doc) -> list[str]:
    """People and organisations named in ``doc`` that could assert (see ``could_assert``)."""
    return [ent.text.strip(" ,;:'\"“”‘’") for ent in doc.ents if could_assert(ent)]
