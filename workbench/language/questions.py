"""The questions a fact-checker must answer about a claim, built from its parse without a model.

Fact-checkers' question lists (AVeriTeC's gold questions, our fixtures' labelling guidelines)
ask after the claim's own figures, dates and sources: "How many container ships were waiting
...?", "When did the strike begin?", "What did the ministry say about ...?". These templates
ask one fact each of the claim's core (``core``: its main clause without what a comma, dash
or bracket sets off, lists cut to their first item, at most ``CORE_WORDS`` words), read from its
parse (``parse.clause``: subject, verb, auxiliary, tense, entities and number phrases):

- for the first figure: "How many <noun> ...", "How much ...", "What percentage ..." with the
  figure taken out; the subject's own figure asks directly ("How many ships were waiting ..."),
  another one inverts the clause ("How many burglaries did the police count ...");
- for the first date: "When did <subject> <verb> ...?" with the phrase the date is said in cut
  whole;
- when a named actor is the subject: "Who <verb> ...?";
- the core as a yes/no question ("Did fire crews evacuate ...?", else "Is it true that ...?")
  when none of those exists or it does not restate the claim (content-word F1 >= ``RESTATES``);
- for a claim someone else makes (``claimer_questions``): whether they said it (its core, when
  that is short and restates nothing), what exactly they said, where and when, and which source
  they cite.

They are general English grammar, not fitted to any article or gold question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.core.schema import MAX_QUESTION_CHARS  # the evidence schema's limit per question
from workbench.language.parse import Clause, Phrase, clause, parse
from workbench.language.reporting import SAYING_PARTICIPLES
from workbench.language.sources import AUTHOR, PRONOUN_WORDS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# Sentence openers that are ordinary words, not names: safe to lower-case inside a question.
_LOWERABLE_TEXT = """
    the a an this that these those it its there their they he she his her we our in on at by for
    from after before during since as when while according more most some many several about
    over under one two three four five six seven eight nine ten
"""
LOWERABLE = frozenset(_LOWERABLE_TEXT.split())
# Linking words that open a sentence and say nothing of the claim itself.
LINKING = frozenset({
    "in addition", "additionally", "also", "however", "meanwhile", "moreover", "furthermore",
    "still", "yet", "but", "and", "so", "then", "thus", "therefore", "indeed", "in fact",
    "besides", "nevertheless", "nonetheless", "instead", "similarly", "likewise", "finally",
    "as a result", "by contrast", "in contrast", "on the other hand", "first", "second",
})  # fmt: skip
_PREPOSITION_BEFORE = re.compile(r"\b(?:on|in|at|since|by|from|until|during|of|for)\s*$", re.I)
# A frame's dangling participle ("announced the good news, saying:"): the quotation it
# introduces is another sentence, so the question ends before it.
_SAYING_TAIL = re.compile(rf",?\s*\b{SAYING_PARTICIPLES}$", re.I)
# what a range leaves when both its ends are cut: "between [2025] and [2026]"
_RANGE_LEFT = re.compile(r"\b(?:between|from)\s+(?:and|to|until)\b", re.I)
_CURRENCY_LEFT = re.compile(r"[$€£¥](?=\s|$)")  # "$" of a cut "$10,000"
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|[Ww]e|[Ww]e're|[Ww]e've|us|[Oo]urs?|[Mm]y|[Mm]e)\b")
RESTATES = 0.8  # content-word F1 with the claim from which a question restates it (AVeriTeC: 4.7%)
_PERCENT = re.compile(r"%|\bper ?cent\b|\bpercent", re.I)


def claim_questions(claim: str) -> list[str]:
    """Up to four distinct questions, each after one fact of what ``claim`` says (a yes/no
    question first), asked of its core (``core``), never of the whole claim."""
    text, _ = _parsed(claim, _SAYING_TAIL)
    if not text:
        return []
    text = core(text)
    parts = clause(text + ".")
    asked = [
        _figure_question(text, parts),
        _date_question(text, parts),
        _actor_question(text, parts),
    ]
    whether = _yes_no(text, parts) or f"Is it true that {_unlinked(text, parts)}?"
    if _FIRST_PERSON.search(text):  # "I support the goal": a quotation, whose sayer is asked
        whether = ""
    # the claim inverted asks one fact when the claim is one: a question after its figure, date
    # or actor asks it better, and whether the claim holds is then no question of its own
    if whether and (not any(asked) or not _restates(whether, claim)):
        asked.insert(0, whether)
    questions: list[str] = []
    for question in asked:
        if question and not any(_same(question, q) for q in questions):
            questions.append(_fit(question))
    return questions


def _words(text: str) -> set[str]:
    """The lemmas of the content words of ``text`` (its parse: no stop word, no punctuation)."""
    doc = parse(text)
    return {t.lemma_.lower() for t in doc if not (t.is_stop or t.is_punct or t.is_space)}


def _overlap(a: str, b: str) -> float:
    """F1 of the content words of two texts."""
    words_a, words_b = _words(a), _words(b)
    common = len(words_a & words_b)
    return 2 * common / (len(words_a) + len(words_b)) if common else 0.0


def _restates(question: str, claim: str) -> bool:
    """The question holds (nearly) all the claim says: it asks nothing in particular."""
    return _overlap(question, claim) >= RESTATES


def _same(a: str, b: str) -> bool:
    """Two questions that open alike and ask after (nearly) the same words, or that hold the
    same words whatever they ask ("Were two tankers moved?", "Why were two tankers moved?")."""
    alike = a.split()[0].lower() == b.split()[0].lower() and _overlap(a, b) >= RESTATES
    return alike or _words(a) == _words(b)


def _parsed(claim: str, tail: re.Pattern[str] | None = None) -> tuple[str, Clause]:
    """The claim on one line without its end punctuation (nor ``tail``), and its parse, made
    with the full stop the tagger expects of a sentence (without it NER misses "7 million")."""
    text = " ".join(claim.split()).rstrip(" .!?;:")
    text = tail.sub("", text) if tail is not None else text
    return text, clause(text + ".")


def _yes_no(text: str, parts: Clause) -> str | None:
    """The claim itself as a question: "Did fire crews evacuate 1,200 residents?", "Was
    unemployment 3.9 percent in March?", with what was set before the subject at the end."""
    if parts.subject is None or not parts.verb or _fronted(text, parts) is None:
        return None
    return _ending(_inverted("", parts, text[parts.subject.end :]), text, parts)


def _fronted(text: str, parts: Clause) -> list[str] | None:
    """The phrases set before the subject with a comma ("On Monday, fire crews evacuated"),
    linking words ("In addition,", "However,") left out; None when the words before the
    subject are no such phrases ("Police in Dunmore said": the subject is not the clause's)."""
    assert parts.subject is not None
    intro = text[: parts.subject.start].strip()
    if intro and not (intro.endswith(",") and parts.adverbial_opening):
        return None
    pieces = [p.strip() for p in intro.split(",") if p.strip()]
    return [p for p in pieces if p.lower() not in LINKING]


def _ending(
    question: str | None, text: str, parts: Clause, cut: Sequence[Phrase] = ()
) -> str | None:
    """``question`` with the claim's fronted phrases at its end ("Did fire crews evacuate ...
    on Monday?", "..., according to the police?"), but those holding a phrase of ``cut``."""
    if question is None:
        return None
    kept = [p for p in _fronted(text, parts) or [] if not any(c.text in p for c in cut)]
    if not kept:
        return question
    moved = _lowered(", ".join(kept), always=not _named(parts))
    comma = "," if moved.lower().startswith("according to") else ""
    return f"{question[:-1]}{comma} {moved}?"


def _unlinked(text: str, parts: Clause) -> str:
    """The claim to follow "Is it true that": its opening linking word left out, and its
    first letter lowered unless a name opens it."""
    first, _, rest = text.partition(",")
    if first.strip().lower() in LINKING and rest.strip():
        return _unlinked(rest.strip(), clause(rest.strip()))
    return _lowered(text, always=not _named(parts))


def _within(text: str, parts: Clause, phrase: Phrase) -> tuple[str, Clause] | None:
    """The clause ``phrase`` belongs to: the main one, an embedded clause with a subject of its
    own ("... said that [31 ships were waiting]"), or None inside a clause without one, whose
    question would need the words around it."""
    around = [c for c in parts.embedded if _inside(phrase, c)]
    if not around:
        return text, parts
    inner = min(around, key=lambda c: c.end - c.start)
    return (inner.text, clause(inner.text)) if inner.label == "finite" else None


def _figure_question(text: str, parts: Clause) -> str | None:
    dates = _dates(parts)
    for phrase in parts.number_phrases:
        figure = next(e for e in parts.entities if e.label == phrase.label and _inside(e, phrase))
        # "one of the strongest groups" is no figure to count
        if not _near_any(figure, dates, text) and figure.text.lower() != "one":
            break
    else:
        return None
    scope = _within(text, parts, phrase)
    if scope is None:
        return None
    if scope[0] != text:
        return _figure_question(*scope)
    if parts.subject is None or not parts.verb:
        return None
    noun = _tidy(text[phrase.start : figure.start] + " " + text[figure.end : phrase.end])
    noun = re.sub(r"^(?:a|an|the|of)\b\s*|\s*\b(?:of)$", "", noun, flags=re.I).strip()
    if _PERCENT.search(figure.text) or _PERCENT.match(text[figure.end :].lstrip()):
        asks = "What percentage"  # "38 per cent" is sometimes tagged as the number alone
    elif figure.label == "MONEY":
        asks = "How much"
    else:
        asks = f"How many {noun}".strip() if noun else "How many"
    # The figure opens its clause ("31 ships were waiting", "52% of the land is farmed"): ask
    # directly, "How many ships were waiting", "What percentage of the land is farmed".
    if phrase.start == parts.subject.start and _inside(phrase, parts.subject):
        return _unquoted(f"{asks} {_tidy(text[phrase.end :])}?")
    if _inside(phrase, parts.subject) or _fronted(text, parts) is None:
        return None
    if _COPULAS.get(parts.verb.lower()) and not parts.auxiliary:
        asks = "What"  # the figure is what the subject is: "What was unemployment in March?"
    rest = _without(text[parts.subject.end :], [phrase])
    return _ending(_inverted(asks, parts, rest), text, parts, [phrase])


_ACTORS = {"PERSON", "ORG", "NORP", "GPE"}


def _actor_question(text: str, parts: Clause) -> str | None:
    """Who did it, when a named actor is the subject: "Who won two of the three seats ...?"."""
    subject = parts.subject
    if subject is None or not parts.verb or _fronted(text, parts) is None:
        return None
    # the subject names the actor ("the Dunmore Harbour Board"), not only qualifies it ("several
    # Russian soldiers")
    if not any(e.label in _ACTORS and e.end == subject.end for e in parts.entities):
        return None
    rest = _tidy(text[subject.end :])
    return _ending(_unquoted(f"Who {rest}?"), text, parts) if rest else None


def _date_question(text: str, parts: Clause) -> str | None:
    dates = _dates(parts)
    if not dates:
        return None
    scope = _within(text, parts, dates[0])
    if scope is None:
        return None
    if scope[0] != text:
        return _date_question(*scope)
    if parts.subject is None or not parts.verb:
        return None
    if any(_inside(parts.subject, d) or _inside(d, parts.subject) for d in dates):
        return None  # "Last year was the warmest": the date is what the claim is about
    if _fronted(text, parts) is None:
        return None
    said = _date_phrases(text)
    asked = _inverted("When", parts, _without(text[parts.subject.end :], said))
    return _ending(asked, text, parts, said)


def _date_phrases(text: str) -> list[Phrase]:
    """Each stretch of ``text`` that says when, whole: a date with the preposition and the words
    its parse hangs from it ("in the days before 6 September 2017", "last year"), so that no
    day number or year is left behind when it is cut."""
    doc = parse(text + ".")
    times = [e for e in doc.ents if e.label_ in {"DATE", "TIME"}]
    # "for two years", "2 hours": what the claim says, not when; but "the days before" is
    # part of the date it runs into ("the days before 6 September 2017")
    dated = [e for e in times if _DATED.search(e.text)]
    dated += [e for e in times if e not in dated and any(_runs_into(e, d) for d in dated)]
    cut: set[int] = set()
    for entity in dated:
        for token in entity:
            top = token
            while (
                top.dep_ in {"pobj", "nummod", "compound", "amod", "det", "quantmod", "npadvmod"}
                and top.head.i != top.i
                and top.head.pos_ in {"ADP", "NOUN", "PROPN", "NUM"}
            ):
                top = top.head
            cut.update(t.i for t in top.subtree)
    spans: list[Phrase] = []
    for i in sorted(cut):
        if doc[i].is_punct and i == len(doc) - 1:
            continue
        if spans and i - 1 in cut:
            last = spans[-1]
            spans[-1] = Phrase(
                doc.text[last.start : doc[i].idx + len(doc[i])],
                "DATE",
                last.start,
                doc[i].idx + len(doc[i]),
            )
        else:
            spans.append(Phrase(doc[i].text, "DATE", doc[i].idx, doc[i].idx + len(doc[i])))
    return spans


def _runs_into(before: Span, date: Span) -> bool:
    """``before`` ends where ``date`` starts, or one day number before it."""
    gap = before.doc[before.end : date.start]
    return before.end <= date.start and len(gap) <= 1 and all(t.like_num for t in gap)


def claimer_questions(claim: str, claimer: str) -> list[str]:
    """What to ask about the source of a claim someone other than the author makes: whether
    they said it (its core), what exactly they said, where and when, and which source they
    cite."""
    if claimer == AUTHOR or not claimer.strip():
        return []
    said, _ = _parsed(claim)
    said = core(said)
    parts = clause(said + ".")
    topic = parts.subject.text if parts.subject else ""
    topic = "" if topic.lower() in PRONOUN_WORDS else topic  # "say about it?" says nothing
    topic = "" if _FIRST_PERSON.search(topic) else topic  # "our forces" is the sayer's word
    name = _named(parts)
    about = (
        ""
        if not topic or claimer.lower() in topic.lower()
        else f" about {_lowered(topic, always=not name)}"
    )
    who = _lowered(claimer)
    said = said if name else _lowered(said, always=True)
    # "Did the mayor say that the bridge will stay closed?", unless the claim names its sayer
    # ("..., the mayor said": what was said is not cut from its frame), nor when the question
    # would restate the claim or put a quotation's "I" or "we" in the asker's mouth
    did = f"Did {who} say that {said}?"
    quoted = bool(_FIRST_PERSON.search(said))
    short = len(did.split()) <= CORE_WORDS + 2  # the core and "Did X say that"
    keep = claimer.lower() not in said.lower() and not quoted and short
    keep = keep and not _restates(did, claim)
    did_say = [_fit(did)] if keep else []
    return [
        *did_say,
        _fit(f"What exactly did {who} say{about}?"),
        _fit(f"Where and when did {who} say it?"),
        _fit(f"Which source does {who} cite{about.replace(' about', ' for', 1)}?"),
    ]


# A date a fact-checker can look up: a named day or month, a year, or a relative day; not a
# duration ("over two years"), which is part of what the claim says.
_DATED = re.compile(
    r"\b(?:1[89]\d\d|20\d\d|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"  # not "decades"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today"
    r"|last|ago|this (?:week|month|year))\b",
    re.I,
)


def _dates(parts: Clause) -> list[Phrase]:
    return [e for e in parts.entities if e.label in {"DATE", "TIME"} and _DATED.search(e.text)]


# "be" as the main verb, as written (contractions spelled out): it is inverted, not do-supported
_COPULAS = {"is": "is", "are": "are", "was": "was", "were": "were", "am": "am", "'s": "is",
            "’s": "is", "'re": "are", "’re": "are", "'m": "am", "’m": "am"}  # fmt: skip


def _inverted(asks: str, parts: Clause, rest: str) -> str | None:
    """``asks`` + the clause as a question: auxiliary first, else do-support on the verb."""
    assert parts.subject is not None
    subject = _lowered(parts.subject.text, always=parts.subject.start == 0 and not _named(parts))
    tail = _tidy(rest.split(parts.verb, 1)[1]) if parts.verb in rest else _tidy(rest)
    # an auxiliary goes first, and so does "be" as the verb: "Was unemployment 3.9 percent"
    written = parts.auxiliary or (parts.verb if _COPULAS.get(parts.verb.lower()) else "")
    if written:
        # words between subject and auxiliary stay: "Would the town, and its port, reopen?"
        before, middle = rest.split(written, 1) if written in rest else ("", rest)
        asked = _COPULAS.get(written.lower(), written.lower())
        return _unquoted(f"{asks} {asked} {subject} {_tidy(before)} {_tidy(middle)}?")
    do = {"past": "did", "present": "does", "plural": "do"}.get(parts.tense)
    if do is None:
        return None
    # words between subject and verb stay before the verb: "did the army recently liberate"
    between = _tidy(rest.split(parts.verb, 1)[0]) if parts.verb in rest else ""
    return _unquoted(f"{asks} {do} {subject} {between} {parts.verb_lemma} {tail}".rstrip() + "?")


def _unquoted(question: str) -> str:
    """A question without the claim's quotation marks: moving the verb, changing its form or
    taking a figure out leaves no quotation verbatim ('Does the ruling "mark ..."' misquotes)."""
    return re.sub(r'\s*["“”]\s*', " ", question).replace(" ?", "?").replace(" ,", ",").strip()


def _without(text: str, phrases: list[Phrase]) -> str:
    """``text`` (a suffix of the sentence) with the phrases and a preposition before each cut."""
    pieces = text
    for phrase in phrases:
        if phrase.text in pieces:
            before, after = pieces.split(phrase.text, 1)
            pieces = _PREPOSITION_BEFORE.sub("", before) + " " + after
    return _CURRENCY_LEFT.sub(" ", _RANGE_LEFT.sub(" ", pieces))


def _inside(inner: Phrase, outer: Phrase) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _near_any(number: Phrase, dates: list[Phrase], text: str) -> bool:
    """A day number beside a date ("Monday, 12 October"): part of the date."""
    return any(
        not text[min(d.end, number.end) : max(d.start, number.start)].strip(" ,") for d in dates
    )


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,;:])", r"\1", " ".join(text.split()))
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    return text.strip(" ,;:")


def _named(parts: Clause) -> bool:
    """The sentence opens with a name: a proper noun, or an entity at offset 0."""
    return parts.opens_with_name or any(
        e.start == 0 and e.label not in {"DATE", "CARDINAL"} for e in parts.entities
    )


def _lowered(text: str, *, always: bool = False) -> str:
    """The first letter lowered where it is only capital for opening the sentence: for an
    ordinary opener word, or ``always`` when the parse says no name opens it."""
    first = text.split()[0] if text.split() else ""
    ordinary = always or first.lower() in LOWERABLE
    capitalised = first[1:2].islower() or first == "A"  # "A ministry" too, never "I"
    if ordinary and first[:1].isupper() and capitalised:
        return text[0].lower() + text[1:]
    return text


def _fit(question: str) -> str:
    """One line, a capital first letter, at most ``MAX_QUESTION_CHARS`` ending in '?'."""
    question = _tidy(question.rstrip("?")) + "?"
    question = question[0].upper() + question[1:]
    if len(question) <= MAX_QUESTION_CHARS:
        return question
    # Cut at the last clause break that keeps most of it, else a word; the ellipsis says so.
    head = question[: MAX_QUESTION_CHARS - 2]
    clause_break = max(head.rfind(", "), head.rfind("; "))
    cut = head[:clause_break] if clause_break > MAX_QUESTION_CHARS // 2 else head.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…?"


# What a comma, dash or bracket sets off from the word it hangs from is said by the way.
_SET_OFF = frozenset({",", ";", ":", "—", "–", "(", "["})
# What a clause cannot do without, set off or not ("is, to put it politely, a failure").
_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "attr", "acomp", "ccomp", "xcomp", "oprd",
                        "dative", "pobj", "pcomp", "auxpass", "aux", "neg"})  # fmt: skip
_COMPLEMENTS = frozenset({"attr", "acomp", "ccomp"})  # what a comma may stand before
_DROPPED = frozenset({"punct", "dep", "meta", "parataxis", "appos", "prt_"})
# What a budget may take off, the last first: phrases saying where, how or what else.
_OPTIONAL = frozenset({"prep", "advmod", "npadvmod", "relcl", "acl", "advcl", "agent"})
_FIGURES = frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY"})
CORE_WORDS = 14  # AVeriTeC's gold questions run about ten words, one fact each


def core(text: str) -> str:
    """The main clause of ``text`` as a question asks about it: without what a comma, dash or
    bracket sets off ("..., not to mention ...", "..., including ...", an apposition), a list cut
    to its first item, clauses joined on left out, quotation marks taken off, and phrases taken
    off from its end while it runs over ``CORE_WORDS`` words (but those that hold its first
    figure and its first date). A date, a figure or a name stays whole or goes whole; a phrase
    set before the subject stays only when it dates the clause ("On Monday, ..."). ``text``
    itself when its main clause has no verb."""
    doc = parse(text + ".")
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in {"VERB", "AUX"}:
        return text
    said = next((c for c in root.children if c.dep_ == "ccomp" and c.i < root.i), None)
    if said is not None and any(c.dep_ in {"nsubj", "nsubjpass"} for c in said.children):
        root = said  # "The effect was large, the study's author said": what was said
    kept: set[int] = set()
    _keep(root, kept)
    for entity in doc.ents:  # "6 September 2017", "Monday, 12 October", "$1.2 billion"
        if any(t.i in kept for t in entity):
            kept.update(t.i for t in entity)
    anchors = _anchors(doc)
    while sum(1 for i in kept if not doc[i].is_punct) > CORE_WORDS:
        removable = [
            t
            for t in doc
            if t.i in kept and t.dep_ in _OPTIONAL and t.i != root.i and t.i > root.i
            and t.lower_ != "of"  # "one of the strongest groups": "of" completes its noun
            and not any(s.i in anchors for s in t.subtree)
        ]  # fmt: skip
        if not removable:
            break
        last = max(removable, key=lambda t: (t.right_edge.i, -t.left_edge.i))
        kept -= {s.i for s in last.subtree}
    return _joined(doc, sorted(kept))


def _keep(head: Token, kept: set[int]) -> None:
    """``head`` and what belongs to its clause, into ``kept`` (token positions)."""
    kept.add(head.i)
    verb = head.pos_ in {"VERB", "AUX"}
    listed = sum(1 for c in head.children if c.dep_ == "conj") > 0 and any(
        t.text == "," for t in head.subtree
    )
    for child in head.children:
        if child.dep_ in _DROPPED and not _infix(child):
            continue
        subject = head.dep_ in {"nsubj", "nsubjpass"}  # "America, Britain and France supply"
        if child.is_quote or (
            child.dep_ in {"conj", "cc", "preconj"} and (verb or (listed and not subject))
        ):
            continue  # a clause joined on, a list of three or more: its first item
        after = (
            child.doc[child.right_edge.i + 1] if child.right_edge.i + 1 < len(child.doc) else None
        )
        if child.i > head.i and child.left_edge.i > 0:
            opened = child.doc[child.left_edge.i - 1].text in _SET_OFF
            closed = after is not None and after.text in {",", ")", "]", "—", "–"}
            if opened and (closed or child.dep_ not in _COMPLEMENTS):
                continue  # "..., including ...", an argument only as an aside: ", to put it, "
        elif child.i < head.i and after is not None and after.text == ",":
            if child.dep_ in _ARGUMENTS:
                _keep(child, kept)  # "Units of the army, backed by ..., have": the subject stays
                continue
            if not _DATED.search(" ".join(t.text for t in child.subtree if t.ent_type_)):
                continue
            kept.add(after.i)  # "On Monday, fire crews ...": the comma the question moves it by
        _keep(child, kept)


def _infix(token: Token) -> bool:
    """A hyphen or slash inside a word ("north-west", "24/7"), which stays."""
    doc = token.doc
    if not 0 < token.i < len(doc) - 1 or doc[token.i + 1].is_punct:
        return False
    return not doc[token.i - 1].whitespace_ and not token.whitespace_


def _anchors(doc: Doc) -> set[int]:
    """The tokens of the first figure and the first date, which the core keeps."""
    anchors: set[int] = set()
    for labels in (_FIGURES, {"DATE", "TIME"}):
        entity = next(
            (
                e
                for e in doc.ents
                if e.label_ in labels and (labels is _FIGURES or _DATED.search(e.text))
            ),
            None,
        )
        if entity is not None:
            anchors.update(t.i for t in entity)
    return anchors


def _joined(doc: Doc, kept: list[int]) -> str:
    """The kept tokens as text: their own spacing where they were neighbours, else a space."""
    pieces = []
    for n, i in enumerate(kept):
        neighbour = n + 1 < len(kept) and kept[n + 1] == i + 1
        pieces.append(doc[i].text + (doc[i].whitespace_ if neighbour else " "))
    return _tidy("".join(pieces))
