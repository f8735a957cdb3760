"""Who asserts what: the attribution cues of a sentence, read from spaCy's dependency parse.

News writing attributes almost every fact: "..., the mayor said", "according to the ministry",
"X reports that Y said ...". An *attribution cue* is a reporting verb from ``REPORTING_VERBS`` /
``FINDING_VERBS`` (or the preposition "according to") together with

- its *sources*: the subject of the verb expanded to the noun phrase as written
  (``workbench.language.sources``), including inverted subjects ("..., said the mayor", "...,
  reports Martin"), the object of "according to", and the agent of a passive ("it was reported by
  X");
- its *content*: the clause it attributes (the verb's complement, or for an inverted "..., X said"
  and for "according to X" the clause the cue is attached to).

A saying that did not happen ("may one day say", "did not say") is no cue. A speech act
("announced", "denied") or a saying to a body on the record is news in itself (GUIDELINES 3.5),
and a frame standing alone ("Officials said:") is no claim (2.3). The lexicons are general
English, not fitted to any article. ``workbench.language.attribution`` nests the cues into a
chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.language.parse import clause
from workbench.language.sources import lemma_of, source_phrases

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

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
# Finding verbs whose direct object is already the asserted content ("estimated the cost").
_OBJECT_IS_CONTENT = frozenset({"calculate", "estimate", "forecast", "predict"})

# Dependency labels (spaCy's English scheme, ClearNLP style).
_SUBJECTS = {"nsubj", "csubj"}
_CONTENT = {"ccomp", "xcomp", "parataxis", "dobj", "dative", "advcl", "oprd", "attr"}
_CLAUSAL = {"ccomp", "parataxis"}

# The participle that ends a frame and hands over to a quotation: "..., saying:".
SAYING_PARTICIPLES = r"(?:saying|adding|noting|stating|declaring|explaining|writing)"


@dataclass
class Cue:
    word: str  # as written: "said", "according to"
    token: Token  # the verb, or "according"
    sources: list[str]  # the source phrase(s); several for "X and Y said"
    content: set[int]  # token indices of the attributed clause
    start: int = 0  # character offset, for ordering and pronoun resolution


def _is_reporting(token: Token) -> bool:
    """Is ``token`` a verb of saying, or a finding verb that governs a clause or estimate?"""
    lemma = lemma_of(token)
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
        and subject_tokens(token) != []
    )


def _according_to(token: Token) -> tuple[Token, list[Token]] | None:
    """For the "according" of "according to X": the phrase's top token and X."""
    doc = token.doc
    if token.lower_ != "according" or token.i + 1 >= len(doc) or doc[token.i + 1].lower_ != "to":
        return None
    to = doc[token.i + 1]
    objects = [c for c in (*to.children, *token.children) if c.dep_ == "pobj"]
    return (to if token.head.i == to.i else token), objects


def subject_tokens(verb: Token) -> list[Token]:
    """The subject of ``verb``: nsubj, or the agent of a passive, or a conjoined verb's subject."""
    for child in verb.children:
        if child.dep_ in _SUBJECTS:
            return [child]
    for child in verb.children:  # "it was reported by X", "as reported by X"
        if child.dep_ == "agent":
            return [c for c in child.children if c.dep_ == "pobj"]
    if verb.dep_ == "conj" and verb.head.i != verb.i:  # "denied it and said ..."
        return subject_tokens(verb.head)
    if verb.dep_ == "advcl" and verb.tag_ == "VBG":  # "X defended it, telling parliament ..."
        return subject_tokens(verb.head)
    return []


def find_cues(doc: Doc, people_before: list[tuple[int, str]]) -> list[Cue]:
    """Every attribution cue of ``doc`` with its resolved sources and attributed clause."""
    cues: list[Cue] = []
    for token in doc:
        according = _according_to(token)
        if according is not None:
            phrase, objects = according
            content = {t.i for t in phrase.head.subtree} - {t.i for t in phrase.subtree}
            if phrase.head.i == phrase.i:  # the phrase is the root: it qualifies the whole sentence
                content = {t.i for t in doc} - {t.i for t in phrase.subtree}
            sources = [s for o in objects for s in source_phrases(o, doc, people_before)]
            cues.append(Cue("according to", token, sources, content, token.idx))
            continue
        if not _is_reporting(token) or _unasserted(token):
            continue
        subjects = subject_tokens(token)
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
        sources = [s for subject in subjects for s in source_phrases(subject, doc, people_before)]
        cues.append(Cue(token.text, token, sources, content, token.idx))
    return cues


# A saying that did not happen asserts nothing: "may one day say that", "did not say that".
_UNREAL = frozenset({"may", "might", "could", "would", "should", "will", "shall", "can", "must"})


def _unasserted(verb: Token) -> bool:
    """A reporting verb that is negated or only possible ("will never admit", "may one day
    say"): its subject does not claim what follows."""
    return any(
        c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _UNREAL) for c in verb.children
    )


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


def news_in_itself(verb: Token) -> bool:
    """A speech act (GUIDELINES 3.5), or saying something to a body on the record."""
    if lemma_of(verb) in SPEECH_ACTS:
        return True
    audience = [c for c in verb.children if c.dep_ in {"dobj", "dative"}]
    return any(t.lower_ in ON_THE_RECORD for a in audience for t in a.subtree)


def asserted_clause(cue: Cue) -> set[int]:
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
        sourcing = _is_reporting(token) or lemma_of(token) in {"cite", "quote"}
        if token.tag_ == "VBG" and token.head.i in indices and token.head.i != i and sourcing:
            dropped |= {t.i for t in token.subtree}
    return indices - dropped


_EDGE = {"that", "whether", "saying", "said", ",", ":", ";", "-", "—", "–"}


def content_span(doc: Doc, indices: set[int]) -> tuple[int, int] | None:
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
