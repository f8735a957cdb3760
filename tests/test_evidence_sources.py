"""What evidence a claim needs and where to look for it, without a model (spaCy's real parse)."""

from __future__ import annotations

import pytest

from workbench.core.schema import EvidenceKind, PlannedNeed
from workbench.language.evidence_sources import (
    MAX_PLACE_CHARS,
    evidence_kind,
    need_for,
    where_to_look,
)
from workbench.language.parse import places
from workbench.language.sources import AUTHOR


@pytest.mark.parametrize(
    ("claim", "claimer", "kind"),
    [
        ("The bill passed by 88 votes to 71.", AUTHOR, "official_record"),
        ("Turnout in the by-election was 31 per cent.", AUTHOR, "official_record"),
        ("Unemployment fell to 3.9 percent in March.", AUTHOR, "dataset_statistic"),
        ("The bridge will reopen in May.", "the mayor", "claimer_source"),
        ("The minister announced a review of the contract.", AUTHOR, "primary_document"),
        ("Fighting raged for weeks near the airport.", AUTHOR, "independent_report"),
    ],
)
def test_evidence_kinds_follow_the_guidelines(claim: str, claimer: str, kind: str) -> None:
    assert evidence_kind(claim, claimer).value == kind


@pytest.mark.parametrize(
    ("claim", "kind", "claimer", "where"),
    [
        # who acts names the figures and statements to look for
        ("Russia's Defense Ministry said its missiles killed over 200 fighters.",
         EvidenceKind.dataset_statistic, AUTHOR,
         ["Russia's Defense Ministry's published figures",
          "the statistics office or data series that publishes the figure"]),
        ("Valdria Water announced a rise of 12 per cent in water bills.",
         EvidenceKind.primary_document, AUTHOR,
         ["Valdria Water's statement, release or transcript",
          "the original document, speech or release the claim describes"]),
        # the place it happened names where to find reports
        ("Fighting raged for weeks near the airport in Deir Ezzor.",
         EvidenceKind.independent_report, AUTHOR,
         ["independent news reports from Deir Ezzor",
          "local media, monitors and eyewitnesses in Deir Ezzor"]),
        ("The bill passed by 88 votes to 71 in Aldenburg.", EvidenceKind.official_record, AUTHOR,
         ["official election results from Aldenburg", "records of the authority responsible "
          "from Aldenburg"]),
        # a name that only qualifies a word, or a place in the subject, is not who acts
        ("Several Russian soldiers were killed in the last few days.",
         EvidenceKind.primary_document, AUTHOR,
         ["the original document, speech or release the claim describes"]),
        ("The Washington-led coalition may one day say that it was a mistake.",
         EvidenceKind.independent_report, AUTHOR,
         ["independent news reports", "eyewitnesses, monitors and NGOs not tied to the claimer"]),
        ("Unemployment in Valdria fell to 3.9 percent in March.",
         EvidenceKind.dataset_statistic, AUTHOR,
         ["the statistics office or data series that publishes the figure",
          "independent news reports from Valdria"]),
        # a claim someone else makes: their own words, and who reported them
        ("The bridge will reopen in May.", EvidenceKind.claimer_source,
         "The Washington-led coalition",
         ["the Washington-led coalition's own statement, post or publication",
          "the report that first quoted the Washington-led coalition"]),
        ("The bridge will reopen in May.", EvidenceKind.claimer_source, AUTHOR,
         ["the source the claim cites"]),
    ],
)  # fmt: skip
def test_where_to_look_names_who_acts_where_and_who_claims(
    claim: str, kind: EvidenceKind, claimer: str, where: list[str]
) -> None:
    assert where_to_look(claim, kind, claimer) == where


def test_every_kind_has_a_need_and_places_the_schema_accepts() -> None:
    claim = "The Aldenburg city council of the Federal Republic of Valdria " + "x " * 80 + "met."
    for kind in EvidenceKind:
        where = where_to_look(claim, kind, "the council of the Federal Republic " + "y " * 60)
        assert where and all(len(place) <= MAX_PLACE_CHARS for place in where)
        PlannedNeed(kind=kind, need=need_for(kind, "the mayor"), questions=["Q?"], where=where)
    assert need_for(EvidenceKind.claimer_source, "the mayor") == (
        "what the mayor said, and on what it rests"
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Fighting broke out in Aleppo.", ["Aleppo"]),  # tagged a language, but after "in"
        ("Deir Ezzor residents celebrated.", ["Deir Ezzor"]),
        ("America, NATO and Israel supply weapons into Syria.", ["Syria"]),
        # a place that acts or owns is an actor, and an organisation after "from" no place
        ("Each triumph defeats Washington's aim for regime change.", []),
        ("The Washington-led coalition may one day say so.", []),
        ("The army is retaking the airport from ISIS.", []),
    ],
)
def test_places_are_where_things_happened_not_who_acts(text: str, named: list[str]) -> None:
    assert places(text) == named


def test_where_to_look_names_the_last_place_the_claim_names() -> None:
    claim = "America, NATO and Israel supply weapons to the rebels in Syria."
    assert where_to_look(claim, EvidenceKind.independent_report)[0] == (
        "independent news reports from Syria"
    )
