"""The rules engine: a sentence's claims and a claim's evidence plan, read from spaCy's parse.

Extract: what each source asserts (``workbench.language.attribution``), split into the clauses it
joins, each claim in its quote's words made to stand alone (``workbench.language.standalone``)
and claimed by the source the parser finds. Evidence: questions built from the claim's parse
(``workbench.language.questions``), kinds and where to look from
``workbench.language.evidence_sources``. Select and check-worthiness come from the cues
(``workbench.engines.ratings``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from workbench.core.schema import MAX_CLAIM_CHARS, ClaimType, EvidenceKind
from workbench.language.attribution import attribute
from workbench.language.cues import _REPORTING_OR_CHANGE
from workbench.language.dates import with_resolved_times
from workbench.language.evidence_sources import evidence_kind, has_figure, need_for, where_to_look
from workbench.language.parse import ill_formed, mood
from workbench.language.questions import claim_questions, claimer_questions
from workbench.language.reporting import SAYING_PARTICIPLES, bare_frame
from workbench.language.segment import claim_words
from workbench.language.sources import AUTHOR, same_source
from workbench.language.standalone import standalone


def claim_type(text: str) -> ClaimType:
    """quantity with a number or money, statement with a reporting or change verb, else event."""
    if has_figure(text):
        return ClaimType.quantity
    if _REPORTING_OR_CHANGE.search(text):
        return ClaimType.statement
    return ClaimType.event


def _states_something(sentence: str) -> bool:
    """An order or a question states nothing to check (GUIDELINES 2.3), but for a question that
    presupposes a figure ("Why, then, spend 2.3 million crowns on more spaces?"): a polar
    question only asks ("Did the mayor cut the budget by 12 percent?")."""
    kind = mood(sentence)
    return kind == "statement" or (kind == "question" and has_figure(sentence))


def _option_number(name: str, options: list[str]) -> int | None:
    return next((n for n, option in enumerate(options, 1) if same_source(name, option)), None)


def rules_extract(variables: Mapping[str, Any]) -> dict[str, Any]:
    """What the sentence asserts, a claim per clause it joins (GUIDELINES 3.1), claimed by whom
    the parser says asserts it; when somebody else asserts it, what they assert (3.5), and
    before it the saying itself as a statement of the reporter when it is news (a quotation or
    a speech act). Each claim stands alone in the request's date and preceding sentences."""
    sentence = " ".join(str(variables["sentence"]).split())
    options = [str(s) for s in variables.get("source_options", [])] or [AUTHOR]
    quotes = [str(q) for q in variables.get("quote_options", [])]
    if not sentence or bare_frame(sentence):  # "X reports that": no claim (GUIDELINES 2.3)
        return {"claims": []}
    if not _states_something(sentence):
        return {"claims": []}
    raw = str(variables["sentence"])
    date, before = str(variables.get("date", "")) or None, str(variables.get("before", ""))
    parsed = attribute(raw, before)
    chain = [n for n in (_option_number(link, options) for link in parsed.chain) if n]
    claimer = chain[-1] if chain else 1
    asserted = (
        raw[parsed.content[0] : parsed.content[1]]
        if parsed.content is not None and claimer != 1
        else None
    )
    # what is asserted, one claim per clause it joins with "and", "but", ... (GUIDELINES 3.1):
    # (the claim, its quote)
    parts = [(p.text, raw[p.start : p.end]) for p in parsed.parts]
    if any(quote not in quotes for _, quote in parts):
        parts = []

    speaker = options[claimer - 1] if claimer != 1 else None  # who asserts it, to name "its"

    def claims(parts: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            _rules_claim(
                text, quotes.index(quote) + 1, claimer, chain[:-1] or [1], date, before, speaker,
                lead=raw[: max(raw.find(quote), 0)],
            )
            for text, quote in parts
        ]

    def whole() -> dict[str, Any]:
        """The sentence as the claim, less a rhetorical tail it adds to what it states ("...,
        not to mention the others who gave their lives"): framing, not a fact to check."""
        tail = _RHETORICAL_TAIL.search(sentence)
        if tail is not None and not ill_formed(stated := sentence[: tail.start()] + "."):
            quote = next((n for n, q in enumerate(quotes, 1) if q == raw[: tail.start()]), 1)
            return _rules_claim(stated, quote, claimer, chain[:-1] or [1], date, before, speaker)
        return _rules_claim(sentence, 1, claimer, chain[:-1] or [1], date, before, speaker)

    if asserted is None or asserted not in quotes:
        if parts and parsed.content is None:  # the sentence's own clauses
            return {"claims": _well_formed(claims(parts), whole)}
        return {"claims": [whole()]}
    content = claims(parts or [(asserted, asserted)])
    if not parsed.statement:  # plain sourcing: what was said is the claim
        return {"claims": _well_formed(content, whole)}
    # the saying, reported by the next link out (usually the author), and what was said. The
    # guidelines (3.5, rule 4) drop what was said when it is opinion; filtering it by the cues or
    # the classifier measured worse on the fixtures (claims F1 0.694 either way against 0.701,
    # claimer accuracy 0.814 / 0.826 against 0.831), so it stays and its rating says it is opinion
    reporter = chain[-2] if len(chain) > 1 else 1
    saying = _rules_claim(sentence, 1, reporter, chain[:-2] or [1], date, before)
    return {
        "claims": _well_formed([{**saying, "type": ClaimType.statement.value}, *content], whole)
    }


def _well_formed(
    claims: list[dict[str, Any]], whole: Callable[[], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each claim a well-formed sentence (``parse.ill_formed``: a subject and a finite verb,
    nothing dangling); one cut from its sentence that is not falls back to the whole sentence,
    with the sentence's quote, rather than ship broken. A claim already written keeps its place
    (the fallback repeats no claim)."""
    kept: list[dict[str, Any]] = []
    for claim in claims:
        if claim["quote"] != 1 and ill_formed(claim["claim"]):
            claim = whole()
        if all(claim["claim"] != other["claim"] for other in kept):
            kept.append(claim)
    return kept


# An addition that frames what the sentence states rather than stating more of it (issue 25,
# item 3: opinion and framing left out of the claim).
_RHETORICAL_TAIL = re.compile(
    r"\s*[,;—–-]\s*(?:not to mention|let alone|to say nothing of|never mind)\b", re.IGNORECASE
)


# A frame's participle of saying whose quotation is the next sentence ("The minister thanked the
# crews, adding:"): the claim is the act it reports (GUIDELINES 3.5, rule 3), not the hand-over.
_UNSAID = re.compile(rf"[\s,;]+{SAYING_PARTICIPLES}[\s:.\"'“”‘’]*$", re.IGNORECASE)


def _rules_claim(
    text: str,
    quote: int,
    claimer: int,
    attribution: list[int],
    date: str | None,
    before: str,
    speaker: str | None = None,
    lead: str = "",
) -> dict[str, Any]:
    """One claim of the rules engine as the extract response holds it (option numbers), made
    to stand alone with the article ``date``, the sentences ``before`` it, the ``speaker`` who
    asserts it (a pronoun at its head named) and the ``lead`` of its sentence before it."""
    # the quote keeps reference marks and dateline, verbatim; the claim dates "on Monday"
    text = _UNSAID.sub("", standalone(claim_words(text), date, before, speaker, lead))
    if text[-1:].isalnum():  # a clause cut from its sentence: end it as a statement
        text += "."
    if len(text) > MAX_CLAIM_CHARS:  # a sentence longer than a claim may be: cut at a word, shown
        text = text[: MAX_CLAIM_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    if sum(text.count(mark) for mark in '"“”') % 2:  # a quotation opened or closed elsewhere
        text = " ".join(re.sub('["“”]', " ", text).split())
    return {
        "claim": text[:1].upper() + text[1:],
        "quote": quote,
        "claimer": claimer,
        "attribution": attribution,
        "type": claim_type(text).value,
    }


def rules_evidence(variables: Mapping[str, Any]) -> dict[str, Any]:
    """What the claim says, asked from its parse (``workbench.language.questions``), as a need of
    the kind its cues suggest; for a claim someone else makes, their source as a second need.
    Questions, the source's too, name the dates relative times resolve to ("on Monday" → "on
    12 October 2026"): a fact-checker reads them away from the article."""
    claim, claimer = str(variables["claim"]), str(variables.get("claimer", AUTHOR))
    dated = with_resolved_times(claim, str(variables.get("date", "")) or None)
    kind = evidence_kind(claim, AUTHOR)
    needs = [
        {
            "kind": kind.value,
            "need": need_for(kind),
            "questions": claim_questions(dated) or ["Is the claim true?"],
            "where": where_to_look(claim, kind, claimer),
        }
    ]
    if sourced := claimer_questions(dated, claimer):
        source = EvidenceKind.claimer_source
        needs.append(
            {
                "kind": source.value,
                "need": need_for(source, claimer),
                "questions": sourced,
                "where": where_to_look(claim, source, claimer),
            }
        )
    return {"needs": needs}
