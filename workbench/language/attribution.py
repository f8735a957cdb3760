"""Who asserts a sentence, and through whom: claimers and attribution chains from a parser.

News writing attributes almost every fact: "..., the mayor said", "according to the ministry",
"X reports that Y said ...". This module reads those cues from spaCy's dependency parse and named
entities (``en_core_web_sm``, run by ``workbench.language.parse``) instead of regular expressions.

An *attribution cue* is a reporting verb from ``REPORTING_VERBS`` / ``FINDING_VERBS`` (or the
preposition "according to") together with

- its *source*: the subject of the verb expanded to the noun phrase as written ("A government
  spokesperson", "Scientists at the university"), including inverted subjects ("..., said the
  mayor", "..., reports Martin"), the object of "according to", and the agent of a passive
  ("it was reported by X");
- its *content*: the clause it attributes (the verb's complement, or for an inverted "..., X said"
  and for "according to X" the clause the cue is attached to).

A cue whose verb lies inside another cue's content is nested in it: in "X reports that Y said Z"
the chain is the author → X → Y and Y is the claimer; like the labelling guidelines
(evals/GUIDELINES.md 3.4) a chain keeps the author and the two innermost speakers. Pronoun sources
("she said") are resolved to the most recent person named before them; a pronoun that cannot be
resolved is no source. Also after the guidelines: a person is named without title ("Committee
chair Anna Falk" -> "Anna Falk", when the NER marks the name), and a document speaks for its
issuer ("the council's survey found" -> "The council").

Places, dates and numbers are never offered as names that "could assert"; a place is a source only
when it is itself the subject of a reporting verb ("Kessby reported a rise": the town's council
speaks for it). The lexicons are general English, not fitted to any article.

Longer than most modules (about 600 lines) because reading attribution from a parse takes steps
(cues, sources, nesting, pronouns, ranking) that only make sense together, and the parse is
remembered in the response cache so a cached re-run loads no parser.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from workbench.core.cache import ResponseStore, cache_key
from workbench.language import parse as parse_module
from workbench.language import segment
from workbench.language.parse import (
    LOCATIVE,
    MODEL,
    NUMBER_LABELS,
    PLACE_LABELS,
    Part,
    clause,
    coordinated,
    parse,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

AUTHOR = "the author"

# Verbs of saying: their subject asserts something whatever the verb's complement looks like
# ("the ministry denied the report", "a spokesperson told reporters ..."). Lemmas.
REPORTING_VERBS: frozenset[str] = frozenset(
    {
        "acknowledge", "add", "admit", "allege", "announce", "answer", "argue", "assert",
        "assure", "brief", "caution", "claim", "comment", "complain", "concede", "confirm",
        "contend", "counter", "declare", "deny", "disclose", "dispute", "emphasise", "emphasize",
        "explain", "inform", "insist", "maintain", "mention", "note", "notify", "observe",
        "post", "promise", "publish", "recall", "reiterate", "remark", "reply", "report",
        "respond", "reveal", "say", "state", "stress", "testify", "tell", "tweet", "warn",
        "write",
    }
)  # fmt: skip
# Verbs of finding and judging: their subject asserts only the clause they govern ("scientists
# found that ...", "analysts estimated the cost at ..."), not "police found a car".
FINDING_VERBS: frozenset[str] = frozenset(
    {
        "believe", "calculate", "conclude", "determine", "discover", "estimate", "expect",
        "fear", "find", "forecast", "indicate", "predict", "show", "suggest", "think",
    }
)  # fmt: skip
# Speech acts that are news in themselves (GUIDELINES 3.5): the saying is a claim of its own
# (a `statement` by the author) beside what was said. Lemmas.
SPEECH_ACTS: frozenset[str] = frozenset(
    {
        "accuse", "announce", "call", "condemn", "congratulate", "declare", "deny", "order",
        "pledge", "praise", "promise", "reject", "testify", "vow", "warn",
    }
)  # fmt: skip
# ... and anything told to a body that keeps a record (GUIDELINES 3.5): "told parliament".
ON_THE_RECORD: frozenset[str] = frozenset(
    {
        "assembly", "committee", "congress", "council", "court", "hearing", "inquiry",
        "lawmakers", "legislators", "mps", "parliament", "senate", "senators", "tribunal",
    }
)  # fmt: skip
# Documents speak for whoever issued them (evals/GUIDELINES.md 3.4): "the council's survey found"
# is the council's claim, "figures published by the trust" the trust's.
DOCUMENTS: frozenset[str] = frozenset(
    {
        "analysis", "announcement", "assessment", "audit", "bulletin", "census", "data",
        "document", "figure", "filing", "inquiry", "investigation", "letter", "memo", "paper",
        "poll", "release", "report", "review", "statement", "statistic", "study", "survey",
    }
)  # fmt: skip
# Finding verbs whose direct object is already the asserted content ("estimated the cost").
_OBJECT_IS_CONTENT = frozenset({"calculate", "estimate", "forecast", "predict"})

# Dependency labels (spaCy's English scheme, ClearNLP style).
_SUBJECTS = {"nsubj", "csubj"}
_CONTENT = {"ccomp", "xcomp", "parataxis", "dobj", "dative", "advcl", "oprd", "attr"}
_CLAUSAL = {"ccomp", "parataxis"}
_DROP_FROM_PHRASE = {"relcl", "appos", "punct", "cc", "conj", "parataxis", "advcl"}
_NAMES = {"PERSON", "ORG"}  # names that could assert, offered even when the parse finds no verb
_RESOLVABLE = {"he", "she", "him", "her"}  # pronouns we resolve to the last person named
_MAX_LINKS = 2  # a chain keeps the author and the two innermost speakers (GUIDELINES 3.4)
_MAX_PHRASE = 10  # tokens; longer subject phrases are cut back to their head's left part


@dataclass(frozen=True)
class Attribution:
    """Who asserts a sentence, as the parser reads it.

    ``claimer`` is the innermost source of the deepest attribution cue, or, for a sentence that
    names no source, the speaker the sentence before hands over to ("She explains that"); else
    "the author"; ``chain`` runs from the author inwards to
    the claimer; ``options`` ranks who *may* be asserting it, for the model to choose from: the
    author, the sources of every cue (chain first), then other people and organisations named in
    the sentence, then sources and people of the preceding context. ``verbs`` are the reporting
    cues found, as written ("said", "according to"). ``content`` is the character span of the
    sentence that the claimer asserts (the clause the innermost cue attributes), when the parse
    gives one; ``statement`` says the saying is news in itself (a quotation, or a speech act such
    as "announced" or "denied": GUIDELINES 3.5), so the saying is a claim beside its content.
    ``dates`` are the character spans of the sentence's DATE entities (``workbench.language.dates``
    resolves them; kept here so a cached run needs no parse for them either). ``parts`` are the
    clauses that what the claimer asserts (``content``, else the sentence) joins with "and",
    "but", ... (``parse.coordinated``): separately checkable, so each can be a claim of its own.
    """

    claimer: str = AUTHOR
    chain: list[str] = field(default_factory=lambda: [AUTHOR])
    options: list[str] = field(default_factory=lambda: [AUTHOR])
    verbs: list[str] = field(default_factory=list)
    content: tuple[int, int] | None = None
    statement: bool = False
    dates: list[tuple[int, int]] = field(default_factory=list)  # the parse's DATE entities
    parts: list[Part] = field(default_factory=list)


def attribute(sentence: str, before: str = "", memo: ResponseStore | None = None) -> Attribution:
    """Claimer, attribution chain and claimer options of ``sentence`` after context ``before``.

    ``before`` is the text that precedes the sentence (a sentence or two); it resolves pronoun
    subjects ("She explains ..."), hands over the speaker of a frame or quotation that the
    sentence continues, and contributes lower-ranked options. Results are kept in
    this process and, given a ``memo`` (the response cache), in it: the extract stage's
    request is built from these options, and a re-run served from the cache must not pay for
    loading spaCy (about 2 s) to find its cache key.
    """
    key = None
    if memo is not None and memo.enabled:
        key = cache_key({"attribution": parser_identity(), "sentence": sentence, "before": before})
        remembered = _from_record(memo.get(key))
        if remembered is not None:
            return remembered
    claimer, chain, options, verbs, content, statement, dates, parts = _attribute(sentence, before)
    found = Attribution(
        claimer=claimer,
        chain=list(chain),
        options=list(options),
        verbs=list(verbs),
        content=content,
        statement=statement,
        dates=list(dates),
        parts=list(parts),
    )
    if key is not None and memo is not None:
        record = {"attribution": _record(found), "stage": "attribution", "created": time.time()}
        memo.set(key, record)
    return found


@cache
def parser_identity() -> dict[str, str]:
    """What changes an attribution (its memo's identity): this module's code, the parse's and
    the segmenter's (datelines), and spaCy and its English model by version, read from their
    installed metadata (no import, no load)."""

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "code": hashlib.sha256(
            b"".join(
                Path(f).read_bytes() for f in (__file__, parse_module.__file__, segment.__file__)
            )
        ).hexdigest()[:16],
        "spacy": installed("spacy"),
        "model": f"{MODEL} {installed(MODEL)}",
    }


_RECORD = TypeAdapter(Attribution)  # the memo's JSON record of an Attribution, checked on read


def _record(found: Attribution) -> dict[str, Any]:
    return _RECORD.dump_python(found, mode="json")  # type: ignore[no-any-return]


def _from_record(entry: dict[str, Any] | None) -> Attribution | None:
    """A remembered attribution; None for a miss or an entry of another shape (corrupt)."""
    record = entry.get("attribution") if entry else None
    try:
        return _RECORD.validate_python(record) if isinstance(record, dict) else None
    except ValidationError:
        return None


_FRAME_END = re.compile(r"(?:\bthat|:)[\s\"'“”‘’]*$", re.I)


def bare_frame(sentence: str) -> bool:
    """An attribution frame standing alone: subject, verb of saying or finding, "that" or a
    colon, and nothing else ("The resident explained that", "Officials said:"). It says only
    that someone will say something (GUIDELINES 2.3: no claim; its speaker attributes the next
    paragraph). A frame that reports an act ("The minister congratulated the troops, saying:")
    says more than its verb, so it is not bare."""
    text = sentence.strip()
    if not _FRAME_END.search(text):
        return False
    parts = clause(text)
    if parts.subject is None or parts.verb_lemma not in REPORTING_VERBS | FINDING_VERBS:
        return False
    after = text[parts.subject.end :]
    if parts.verb not in after:
        return False
    rest = after.split(parts.verb, 1)[1]
    return not re.sub(r"\bthat\b|[\W_]", "", rest, flags=re.I)


def same_source(a: str, b: str) -> bool:
    """Names that differ only by case, a leading article or a possessive are one source."""
    return _key(a) == _key(b)


# --------------------------------------------------------------------------------------------
# Cues
# --------------------------------------------------------------------------------------------


@dataclass
class _Cue:
    word: str  # as written: "said", "according to"
    token: Token  # the verb, or "according"
    sources: list[str]  # the source phrase(s); several for "X and Y said"
    content: set[int]  # token indices of the attributed clause
    start: int = 0  # character offset, for ordering and pronoun resolution


def _lemma(token: Token) -> str:
    return token.lemma_.lower()


def _is_reporting(token: Token) -> bool:
    """Is ``token`` a verb of saying, or a finding verb that governs a clause or estimate?"""
    lemma = _lemma(token)
    if token.pos_ not in {"VERB", "AUX"} and not _misread_inverted_verb(token):
        return False
    if token.dep_ in {"acl", "amod"} and not any(c.dep_ in _SUBJECTS for c in token.children):
        return False  # "an article published by X" asserts nothing; the issuer: see _issuer
    if lemma == "point":  # "pointed out that"
        return any(c.dep_ == "prt" and c.lower_ == "out" for c in token.children)
    if lemma in REPORTING_VERBS:
        return True
    if lemma in FINDING_VERBS:
        deps = {c.dep_ for c in token.children}
        if deps & _CLAUSAL or _inverted(token):
            return True
        return lemma in _OBJECT_IS_CONTENT and "dobj" in deps
    return False


def _misread_inverted_verb(token: Token) -> bool:
    """'..., reports Martin.': the tagger sometimes reads a sentence-final verb as a plural noun."""
    if token.tag_ != "NNS" or token.lower_.rstrip("s") + "s" != token.lower_:
        return False
    if token.lower_[:-1] not in REPORTING_VERBS and token.lower_[:-1] not in FINDING_VERBS:
        return False
    previous = token.doc[token.i - 1] if token.i > 0 else None
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return (
        previous is not None
        and previous.is_punct
        and following is not None
        and following.pos_ == "PROPN"
    )


def _inverted(token: Token) -> bool:
    """'..., the mayor said' parsed with the verb hanging off the clause it reports."""
    head = token.head
    return (
        head.i != token.i  # spaCy makes a new Token per access: compare positions
        and token.i > head.i
        and token.dep_ in {"parataxis", "ccomp"}
        and not any(c.dep_ in _CLAUSAL and c.i > token.i for c in token.children)
        and any(t.is_punct for t in token.doc[head.i : token.i])
        and _subject_tokens(token) != []
    )


def _according_to(token: Token) -> tuple[Token, list[Token]] | None:
    """For the "according" of "according to X": the phrase's top token and X."""
    doc = token.doc
    if token.lower_ != "according" or token.i + 1 >= len(doc) or doc[token.i + 1].lower_ != "to":
        return None
    to = doc[token.i + 1]
    objects = [c for c in (*to.children, *token.children) if c.dep_ == "pobj"]
    return (to if token.head.i == to.i else token), objects


def _subject_tokens(verb: Token) -> list[Token]:
    """The subject of ``verb``: nsubj, or the agent of a passive, or a conjoined verb's subject."""
    for child in verb.children:
        if child.dep_ in _SUBJECTS:
            return [child]
    for child in verb.children:  # "it was reported by X", "as reported by X"
        if child.dep_ == "agent":
            return [c for c in child.children if c.dep_ == "pobj"]
    if verb.dep_ == "conj" and verb.head.i != verb.i:  # "denied it and said ..."
        return _subject_tokens(verb.head)
    if verb.dep_ == "advcl" and verb.tag_ == "VBG":  # "X defended it, telling parliament ..."
        return _subject_tokens(verb.head)
    return []


def _cues(doc: Doc, people_before: list[tuple[int, str]]) -> list[_Cue]:
    """Every attribution cue of ``doc`` with its resolved sources and attributed clause."""
    cues: list[_Cue] = []
    for token in doc:
        according = _according_to(token)
        if according is not None:
            phrase, objects = according
            content = {t.i for t in phrase.head.subtree} - {t.i for t in phrase.subtree}
            if phrase.head.i == phrase.i:  # the phrase is the root: it qualifies the whole sentence
                content = {t.i for t in doc} - {t.i for t in phrase.subtree}
            sources = [s for o in objects for s in _sources(o, doc, people_before)]
            cues.append(_Cue("according to", token, sources, content, token.idx))
            continue
        if not _is_reporting(token) or _unasserted(token):
            continue
        subjects = _subject_tokens(token)
        if token.dep_ == "relcl" and subjects and subjects[0].lower_ in {"who", "that", "which"}:
            subjects = [token.head]  # "the mayor, who said ..."
        if _misread_inverted_verb(token):  # "..., reports Martin." with "reports" as a noun
            subjects = [doc[token.i + 1]]
            content = set(range(token.i))
        elif _inverted(token):  # "..., the mayor said" hanging off the clause it reports
            content = {t.i for t in token.head.subtree} - {t.i for t in token.subtree}
        else:
            content = set()
            for child in token.children:
                if child.dep_ in _CONTENT and not (_is_reporting(child) and _inverted(child)):
                    content |= {t.i for t in child.subtree}
        if not subjects:
            continue
        sources = [s for subject in subjects for s in _sources(subject, doc, people_before)]
        cues.append(_Cue(token.text, token, sources, content, token.idx))
    return cues


# A saying that did not happen asserts nothing: "may one day say that", "did not say that".
_UNREAL = frozenset({"may", "might", "could", "would", "should", "will", "shall", "can", "must"})


def _unasserted(verb: Token) -> bool:
    """A reporting verb that is negated or only possible ("will never admit", "may one day
    say"): its subject does not claim what follows."""
    return any(
        c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _UNREAL) for c in verb.children
    )


# --------------------------------------------------------------------------------------------
# Source phrases
# --------------------------------------------------------------------------------------------


def _sources(head: Token, doc: Doc, people_before: list[tuple[int, str]]) -> list[str]:
    """The source phrase(s) headed by ``head``: one per conjunct, pronouns resolved."""
    found: list[str] = []
    for token in [head, *[c for c in head.conjuncts if c.i > head.i]]:
        if token.pos_ == "PRON" or token.lower_ in _RESOLVABLE:
            person = _resolve(token, doc, people_before)
            if person:
                found.append(person)
            continue
        phrase = _phrase(token)
        if phrase is not None:
            found.append(phrase)
    return found


def _phrase(head: Token) -> str | None:
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
    if _lemma(head) in DOCUMENTS:
        issuer = _issuer(head)
        if issuer is not None:
            return issuer
    # "The ministry's spokesperson, Ana Ruiz, said": the name says more than the role.
    if head.pos_ != "PROPN":
        for child in head.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN":
                return _phrase(child)
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
            return _phrase(child)
    for child in document.children:
        if child.dep_ == "compound" and child.ent_type_ in _NAMES:
            ent = next((e for e in document.doc.ents if e.start <= child.i < e.end), None)
            if ent is not None and ent.end <= document.i:
                return ent.text
    for child in document.children:
        if child.dep_ == "acl":
            for agent in (c for c in child.children if c.dep_ == "agent"):
                for pobj in (c for c in agent.children if c.dep_ == "pobj"):
                    return _phrase(pobj)
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
    here = [ent.text for ent in doc.ents if _could_assert(ent, {"PERSON"}) and ent.end <= pronoun.i]
    if here:
        return here[-1]
    return people_before[-1][1] if people_before else None


# --------------------------------------------------------------------------------------------
# Putting it together
# --------------------------------------------------------------------------------------------


def _key(name: str) -> str:
    key = " ".join(name.lower().replace("’", "'").split())
    for article in ("the ", "a ", "an "):
        key = key.removeprefix(article)
    return key.removesuffix("'s").strip(" .,;:'\"")


def _add(options: list[str], names: Iterable[str]) -> None:
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


PRONOUN_WORDS = {
    "he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those", "who",
    "him", "her", "them", "us", "me", "one", "someone", "somebody", "everyone", "nobody",
}  # fmt: skip


def _nested_in(inner: _Cue, outer: _Cue) -> bool:
    return inner is not outer and inner.token.i in outer.content


def _depth_chain(cue: _Cue, cues: list[_Cue]) -> list[_Cue]:
    """The cues containing ``cue``, outermost first (most containers first), then ``cue``."""
    containers = [c for c in cues if _nested_in(cue, c) and not _nested_in(c, cue)]
    # a container nested in fewer cues is further out
    containers.sort(key=lambda c: (sum(_nested_in(c, o) for o in cues), c.start))
    return [*containers, cue]


def _could_assert(ent: Span, labels: set[str] = _NAMES) -> bool:
    """A person or organisation, not where something happens: the small model labels unknown
    places PERSON or ORG, so the object of a locative preposition ("from Deir Ezzor", "near
    Tuscany") and a name qualifying a place are left out."""
    root = ent.root
    if ent.label_ not in labels:
        return False
    if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE:
        return False
    return not (root.dep_ == "compound" and root.head.ent_type_ in PLACE_LABELS)


def _names(doc: Doc) -> list[str]:
    """People and organisations named in ``doc`` that could assert (see ``_could_assert``)."""
    return [ent.text.strip(" ,;:'\"“”‘’") for ent in doc.ents if _could_assert(ent)]


def _context_people(doc: Doc, cues: list[_Cue]) -> list[tuple[int, str]]:
    """People named in the context, by position: PERSON entities, and names that are the subject
    of a reporting verb (the small model's NER reads many a surname as ORG or GPE)."""
    persons = [ent for ent in doc.ents if _could_assert(ent, {"PERSON"})]
    people = [(ent.start_char, ent.text) for ent in persons]
    covered = {t.i for ent in persons for t in ent}
    for cue in cues:
        if cue.word == "according to":
            continue
        for token in _subject_tokens(cue.token):
            if token.pos_ == "PROPN" and token.i not in covered:
                people.append((token.idx, _phrase(token) or token.text))
    return sorted(set(people))


@lru_cache(maxsize=1024)
def _attribute(
    sentence: str, before: str
) -> tuple[
    str,
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[int, int] | None,
    bool,
    tuple[tuple[int, int], ...],
    tuple[Part, ...],
]:
    context_people: list[tuple[int, str]] = []
    context_sources: list[str] = []
    context_names: list[str] = []
    framed_by: list[str] = []  # the speaker of a bare frame just before ("She explains that")
    if before.strip():
        context = parse(before)
        context_cues = _cues(context, [])
        context_people = _context_people(context, context_cues)
        # resolve the context's own pronouns against its earlier people only
        context_cues = _cues(context, context_people)
        context_sources = [s for cue in reversed(context_cues) for s in cue.sources]
        context_names = [name for _, name in reversed(context_people)]
        framed_by = _carried_speaker(context, context_cues, sentence)
    # a lead's opening dateline ("Aldenburg, 9 June 2026 — ") blanked out: its place asserts
    # nothing, and the parser would take it for the subject; offsets stay the sentence's
    opening = segment.dateline_end(sentence)
    read = " " * opening + sentence[opening:]
    doc = parse(read)
    cues = [c for c in _cues(doc, context_people) if c.sources]
    chain: list[str] = [AUTHOR]
    content: tuple[int, int] | None = None
    statement = False
    if not cues and framed_by:  # GUIDELINES 2.3, 3.5: the speaker goes on
        chain = [AUTHOR, framed_by[0]]
    if cues:
        chains = [_depth_chain(c, cues) for c in cues]
        deepest = max(chains, key=lambda ch: (len(ch), -ch[-1].start))
        content = _content_span(doc, _asserted(deepest[-1]))
        quoted = _QUOTATION.search(sentence) is not None
        statement = quoted or _news_in_itself(deepest[0].token)
        for cue in deepest:
            if not same_source(cue.sources[0], chain[-1]):
                chain.append(cue.sources[0])
        chain = [AUTHOR, *chain[1:][-_MAX_LINKS:]]
    options: list[str] = [AUTHOR]
    _add(options, chain[1:])
    _add(options, (s for c in sorted(cues, key=lambda c: c.start) for s in c.sources))
    _add(options, _names(doc))
    _add(options, context_sources)
    _add(options, context_names)
    verbs = tuple(c.word for c in sorted(cues, key=lambda c: c.start))
    dates = tuple((e.start_char, e.end_char) for e in doc.ents if e.label_ == "DATE")
    parts = tuple(coordinated(read, *(content or (0, len(sentence)))))  # cached: immutable
    return chain[-1], tuple(chain), tuple(options), verbs, content, statement, dates, parts


# The participle that ends a frame and hands over to a quotation: "..., saying:".
SAYING_PARTICIPLES = r"(?:saying|adding|noting|stating|declaring|explaining|writing)"
# A frame that hands over to what follows: "... reports that", "... said:", "..., saying".
_HANDS_OVER = re.compile(
    rf"(?:\bthat|:|\b{SAYING_PARTICIPLES})[\s\"'“”‘’]*\.?$", re.IGNORECASE
)
_OPENS_QUOTATION = re.compile(r"^\s*[\"“]")


def _carried_speaker(context: Doc, cues: list[_Cue], sentence: str) -> list[str]:
    """Who asserts ``sentence`` (which names no source of its own) because the sentence before
    hands over to it: a frame ("Sophie Mangal reports that", "Assad congratulated Syrian
    forces, saying": its speaker goes into the next paragraph, GUIDELINES 2.3), or a speaker
    whose quotation ``sentence`` continues (it opens with a quotation mark, 3.5)."""
    last = list(context.sents)[-1]
    spoken = [c for c in cues if last.start <= c.token.i < last.end]
    if not spoken or not (
        _HANDS_OVER.search(last.text) or _OPENS_QUOTATION.match(sentence)
    ):
        return []
    return max(spoken, key=lambda c: c.start).sources


_QUOTATION = re.compile(r"[\"“”]\s*\w[^\"“”]{10,}[\"“”]")  # a quoted stretch of a few words
_EDGE = {"that", "whether", "saying", "said", ",", ":", ";", "-", "—", "–"}


def _news_in_itself(verb: Token) -> bool:
    """A speech act (GUIDELINES 3.5), or saying something to a body on the record."""
    if _lemma(verb) in SPEECH_ACTS:
        return True
    audience = [c for c in verb.children if c.dep_ in {"dobj", "dative"}]
    return any(t.lower_ in ON_THE_RECORD for a in audience for t in a.subtree)


def _asserted(cue: _Cue) -> set[int]:
    """The clause the cue attributes, without its audience ("telling parliament that P"
    asserts P); nothing when the verb only has an object ("reported fewer symptoms")."""
    clauses = [c for c in cue.token.children if c.dep_ in _CLAUSAL and c.i in cue.content]
    if clauses:
        return _unsourced({t.i for t in clauses[0].subtree}, cue.token.doc)
    objects = {t.i for c in cue.token.children if c.dep_ in _CONTENT for t in c.subtree}
    return set() if cue.content == objects else _unsourced(cue.content, cue.token.doc)


def _unsourced(indices: set[int], doc: Doc) -> set[int]:
    """``indices`` without a participle that says where the saying comes from or adds another
    ("..., citing figures from a tenants' group", "..., adding that ..."): the parser often
    hangs it from the reported clause, but it is the sayer's, not what they assert."""
    dropped: set[int] = set()
    for i in indices:
        token = doc[i]
        sourcing = _is_reporting(token) or _lemma(token) in {"cite", "quote"}
        if token.tag_ == "VBG" and token.head.i in indices and token.head.i != i and sourcing:
            dropped |= {t.i for t in token.subtree}
    return indices - dropped


def _content_span(doc: Doc, indices: set[int]) -> tuple[int, int] | None:
    """The attributed clause as one character span: the hull of its tokens without the
    punctuation, quote marks and "that" at its edges; None when under four words remain."""
    if not indices:
        return None
    tokens = list(doc[min(indices) : max(indices) + 1])
    while tokens and (tokens[0].is_punct or tokens[0].lower_ in _EDGE or tokens[0].is_quote):
        tokens.pop(0)
    while tokens and (tokens[-1].is_punct or tokens[-1].is_quote):
        tokens.pop()
    if sum(1 for t in tokens if not t.is_punct) < 4:
        return None
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
