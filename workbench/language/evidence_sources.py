"""What evidence a claim needs and where to look for it, without a model.

``evidence_kind`` picks the kind that settles a claim first by the guidelines' rules
(GUIDELINES 5); the rules' evidence engine and the no-model heuristic share it. Each kind has
its own sources (an authority's records, the original document, statistics offices,
independent reporting, the claimer's own words), and ``where_to_look`` names them from the
claim itself: who acts in it, the place it happened, who claims it. "Where to look" is then
"Russia's Defense Ministry's published figures", "independent news reports from Deir Ezzor",
"the mayor's own statement, post or publication"; without a name to use, the type of source.

General English and the guidelines' table; nothing here is fitted to an article or a gold
label. The fixtures do not label where to look, so no metric scores it. Tried and not kept:
court and parliament words as official_record (GUIDELINES 5 lists dockets and parliamentary
records): kinds recall on the fixtures stayed 0.366, and "the Sharia law" became a record.
"""

from __future__ import annotations

import re

from workbench.core.schema import EvidenceKind
from workbench.language.cues import _MONEY, _NUMBER, _REPORTING_OR_CHANGE
from workbench.language.dates import without_dates
from workbench.language.parse import Clause, Phrase, clause, places
from workbench.language.sources import AUTHOR, PRONOUN_WORDS

MAX_PLACES = 3  # the schema's limit on ``where``
MAX_PLACE_CHARS = 100  # and on each entry

# "an election result or a vote count gets official_record" (GUIDELINES 5)
_ELECTORAL = re.compile(
    r"\b(?:votes?|voted|ballots?|(?:by-)?elections?|seats|turnout|referendum)\b", re.I
)

_NEEDS = {
    EvidenceKind.official_record: "the official record of what the claim reports",
    EvidenceKind.primary_document: "the original document or recording the claim describes",
    EvidenceKind.dataset_statistic: "published figures that confirm or refute the claim's numbers",
    EvidenceKind.independent_report: "independent reports of what the claim describes",
    EvidenceKind.expert_assessment: "a specialist's assessment of the claim",
    EvidenceKind.imagery: "photos or video of what the claim describes, and their origin",
    EvidenceKind.claimer_source: "what the claimer said, and on what it rests",
}


def has_figure(claim: str) -> bool:
    """A number or an amount of money, not counting the digits of a date: "31 ships" and
    "$4.2 million" are figures, "on 12 October 2026" is not."""
    return bool(_NUMBER.search(without_dates(claim)) or _MONEY.search(claim))


def evidence_kind(claim: str, claimer: str = AUTHOR) -> EvidenceKind:
    """What settles the claim first, by GUIDELINES 5: the official record of a vote or an
    election, statistics for another figure, the claimer's own source for a claim somebody
    else makes, the document that records a saying or a change ("primary_document first for
    every statement claim"), else independent reports."""
    if _ELECTORAL.search(claim):
        return EvidenceKind.official_record
    if has_figure(claim):
        return EvidenceKind.dataset_statistic
    if claimer != AUTHOR:
        return EvidenceKind.claimer_source
    if _REPORTING_OR_CHANGE.search(claim):
        return EvidenceKind.primary_document
    return EvidenceKind.independent_report


def need_for(kind: EvidenceKind, claimer: str = AUTHOR) -> str:
    """What a need of ``kind`` must find, in one line."""
    if kind is EvidenceKind.claimer_source and claimer != AUTHOR:
        return f"what {_mid(claimer)} said, and on what it rests"[:200]
    return _NEEDS[kind]


def where_to_look(claim: str, kind: EvidenceKind, claimer: str = AUTHOR) -> list[str]:
    """Up to three places to look for evidence of ``kind`` about ``claim``: named from who acts
    in it (a name ending its subject), where it happened (``parse.places``) and who claims it,
    where it has them; else the type of source."""
    text = " ".join(claim.split()).rstrip(" .!?;:")
    parts = clause(text + ".")
    actor = _actor(parts)
    sites = [site for site in places(text + ".") if site not in actor]
    place = f" from {sites[-1]}" if sites else ""  # the last: "... supply weapons into Syria"
    source = claimer if claimer != AUTHOR and claimer.lower() not in PRONOUN_WORDS else ""
    found: list[str] = []
    if kind is EvidenceKind.official_record:
        if _ELECTORAL.search(text):
            found.append(f"official election results{place}")
        found.append(
            f"{_possessive(actor)} own records and briefings"
            if actor
            else f"records of the authority responsible{place}"
        )
    elif kind is EvidenceKind.primary_document:
        if speaker := source or actor:
            found.append(f"{_possessive(speaker)} statement, release or transcript")
        found.append("the original document, speech or release the claim describes")
    elif kind is EvidenceKind.dataset_statistic:
        if actor:
            found.append(f"{_possessive(actor)} published figures")
        found.append("the statistics office or data series that publishes the figure")
        if sites:
            found.append(f"independent news reports{place}")
    elif kind is EvidenceKind.independent_report:
        found.append(f"independent news reports{place}")
        found.append(
            f"local media, monitors and eyewitnesses in {sites[-1]}"
            if sites
            else "eyewitnesses, monitors and NGOs not tied to the claimer"
        )
    elif kind is EvidenceKind.claimer_source:
        if source:
            found.append(f"{_possessive(source)} own statement, post or publication")
            found.append(f"the report that first quoted {_mid(source)}")
        else:
            found.append("the source the claim cites")
    elif kind is EvidenceKind.expert_assessment:
        found.append("specialists and published research in the field")
    elif kind is EvidenceKind.imagery:
        found.append(f"photos, video or satellite images{place}, with their origin")
    distinct: list[str] = []
    for entry in found:
        entry = entry[:MAX_PLACE_CHARS]
        if entry.lower() not in {d.lower() for d in distinct}:
            distinct.append(entry)
    return distinct[:MAX_PLACES]


_MAX_ACTOR_WORDS = 6


def _actor(parts: Clause) -> str:
    """Who acts in the claim: its main clause's subject when a name ends it ("Russia's Defense
    Ministry", "Washington"), the name alone when the subject is long; else "". A name that only
    qualifies the subject is not the actor ("Russian soldiers", "the Washington-led coalition",
    "the United States Air Force helicopters")."""
    subject = parts.subject
    if subject is None:
        return ""
    for entity in parts.entities:
        if not (_in(entity, subject) and entity.end == subject.end):
            continue
        if entity.label == "GPE" and entity.start == subject.start:  # "Washington is ..."
            return entity.text.strip()
        if entity.label in {"ORG", "PERSON"}:  # a place ending it is none: "Unemployment in X"
            whole = len(subject.text.split()) <= _MAX_ACTOR_WORDS
            return (subject.text if whole else entity.text).strip()
    return ""


def _in(inner: Phrase, outer: Phrase | None) -> bool:
    return outer is not None and outer.start <= inner.start and inner.end <= outer.end


def _mid(name: str) -> str:
    """A name as written mid-sentence: "The Washington-led coalition" -> "the ..."."""
    first, _, rest = name.partition(" ")
    return f"{first.lower()} {rest}" if rest and first in {"The", "A", "An"} else name


def _possessive(name: str) -> str:
    name = _mid(name)
    return f"{name}'" if name.endswith("s") else f"{name}'s"
