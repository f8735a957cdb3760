"""The questions a fact-checker must answer about a claim, built from its parse without a model.

Fact-checkers' question lists (AVeriTeC's gold questions, our fixtures' labelling guidelines)
ask after the claim's own figures, dates and sources: "How many container ships were waiting
...?", "When did the strike begin?", "What did the ministry say about ...?". These templates
turn the main clause of a claim (``parse.clause``: subject, verb, auxiliary, tense,
entities and number phrases) into such questions with ordinary English question syntax:

- always a yes/no question, the claim inverted when its subject opens it ("Did fire crews
  evacuate 1,200 residents ...?", "Was unemployment 3.9 percent ...?"), else "Is it true that
  <claim>?"; and "What evidence shows that <claim>?";
- for the first figure: "How many <noun> ...", "How much ...", "What percentage ..." with the
  figure taken out; the subject's own figure asks directly ("How many ships were waiting ..."),
  another one inverts the clause ("How many burglaries did the police count ...");
- for the first date: "When did <subject> <verb> ...?" with the date taken out;
- when a named actor (person, organisation, group, place) is the subject and there is room
  under the schema's four: "Who <verb> ...?" (AVeriTeC dev 0.403 -> 0.417);
- for a claim someone else makes (``claimer_questions``): whether they said it, what exactly
  they said, where and when, and on what evidence, and which source they cite for it.

They are general English grammar, not fitted to any article or gold question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.core.schema import MAX_QUESTION_CHARS  # the evidence schema's limit per question
from workbench.language.parse import Clause, Phrase, clause
from workbench.language.reporting import SAYING_PARTICIPLES
from workbench.language.sources import AUTHOR, PRONOUN_WORDS

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
_PERCENT = re.compile(r"%|\bper ?cent\b|\bpercent", re.I)


def claim_questions(claim: str) -> list[str]:
    """Up to four distinct questions about what ``claim`` says (a yes/no question first)."""
    text, parts = _parsed(claim, _SAYING_TAIL)
    if not text:
        return []
    opener = _unlinked(text, parts)
    candidates = [
        _yes_no(text, parts) or f"Is it true that {opener}?",
        _figure_question(text, parts),
        _date_question(text, parts),
        f"What evidence shows that {opener}?",
    ]
    if sum(1 for c in candidates if c) < 4:  # room under the schema's four: ask who, too
        candidates.insert(3, _actor_question(text, parts))
    questions: list[str] = []
    for question in candidates:
        if question and question.lower() not in {q.lower() for q in questions}:
            questions.append(_fit(question))
    return questions


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
    if not any(e.label in _ACTORS and _inside(e, subject) for e in parts.entities):
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
    numbers = [e for e in parts.entities if e.label == "CARDINAL" and _near_any(e, dates, text)]
    asked = _inverted("When", parts, _without(text[parts.subject.end :], dates + numbers))
    return _ending(asked, text, parts, dates + numbers)


def claimer_questions(claim: str, claimer: str) -> list[str]:
    """What to ask about the source of a claim someone other than the author makes."""
    if claimer == AUTHOR or not claimer.strip():
        return []
    said, parts = _parsed(claim)
    topic = parts.subject.text if parts.subject else ""
    topic = "" if topic.lower() in PRONOUN_WORDS else topic  # "say about it?" says nothing
    name = _named(parts)
    about = (
        ""
        if not topic or claimer.lower() in topic.lower()
        else f" about {_lowered(topic, always=not name)}"
    )
    who = _lowered(claimer)
    said = said if name else _lowered(said, always=True)
    # "Did the mayor say that the bridge will stay closed?", unless the claim names its sayer
    # ("..., the mayor said": what was said is not cut from its frame)
    did_say = [] if claimer.lower() in said.lower() else [_fit(f"Did {who} say that {said}?")]
    return [
        *did_say,
        _fit(f"What exactly did {who} say{about}?"),
        _fit(f"Where and when did {who} first say it, and on what evidence?"),
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
