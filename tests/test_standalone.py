"""A claim that stands alone: relative times dated, "there" named (spaCy's real parse)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import extract_report
from tests.support.configs import rules_config
from workbench.language.standalone import resolve_head_pronoun, standalone

BEFORE = "Fighting broke out in Aleppo on Sunday. Aid convoys waited at the border."


@pytest.mark.parametrize(
    ("claim", "before", "alone"),
    [
        ("Ten aid workers were injured there.", BEFORE, "Ten aid workers were injured in Aleppo."),
        ("From there, trucks drove north.", BEFORE, "From Aleppo, trucks drove north."),
        # the "there" of "there were" is no place
        ("There were 30 trucks.", BEFORE, "There were 30 trucks."),
        # the claim names the place itself, or nothing before names one: as written
        ("In Homs, ten were injured there.", BEFORE, "In Homs, ten were injured there."),
        ("Ten were injured there.", "The talks failed.", "Ten were injured there."),
        # times are dated against the article date
        ("The strike began on Monday.", "", "The strike began on 12 October 2026."),
    ],
)
def test_a_claim_names_what_its_words_leave_to_context(claim: str, before: str, alone: str) -> None:
    assert standalone(claim, "14 October 2026", before) == alone


def test_without_an_article_date_times_stay_as_written() -> None:
    assert standalone("The strike began on Monday there.", None, BEFORE) == (
        "The strike began on Monday in Aleppo."
    )


@pytest.mark.parametrize(
    ("claim", "before", "speaker", "alone"),
    [
        # reported content: the pronoun is the speaker's
        (
            "Its drones destroyed 40 depots.",
            "",
            "The ministry",
            "The ministry's drones destroyed 40 depots.",
        ),
        ("It would hire 200 staff.", "", "The company", "The company would hire 200 staff."),
        ("They arrested three men.", "", "Police officers", "Police officers arrested three men."),
        # a plural pronoun does not stand for one body, nor "its" for a person
        ("They arrested three men.", "", "The ministry", "They arrested three men."),
        ("Its budget rose.", "", "Mayor Ana Ruiz", "Its budget rose."),
        # the author's own sentence: the named body, or plural noun, the sentence before is about
        (
            "It closed two docks in March.",
            "The Port Authority of Valdria handled 1.2 million containers.",
            None,
            "The Port Authority of Valdria closed two docks in March.",
        ),
        (
            "They were flown to Orm.",
            "Fourteen sailors were rescued.",
            None,
            "Fourteen sailors were flown to Orm.",
        ),
        # no single reading: as written
        (
            "It was the busiest year since 1988.",
            "The Port Authority of Valdria handled 1.2 million containers.",
            None,
            "It was the busiest year since 1988.",
        ),
        ("It closed two docks.", "The storm passed.", None, "It closed two docks."),
        # an "it" that names nothing: it stays whoever the sentence before is about
        *(
            (claim, "The Port Authority of Valdria handled 1.2 million containers.", None, claim)
            for claim in (
                "It is expected that prices will rise.",
                "It emerged that the bank lost 19 million crowns.",
                "It takes two hours to cross the bay.",
                "It has been raining for days.",
                "It remains unclear whether the port will reopen.",
            )
        ),
        ("It is reviewing the plan.", "", "The company", "The company is reviewing the plan."),
        ("He resigned in 2024.", "Ana Ruiz opened the bridge.", None, "He resigned in 2024."),
        ("Its drones flew.", "", None, "Its drones flew."),
    ],
)
def test_a_pronoun_at_the_head_of_a_claim_is_named_where_one_reading_is_left(
    claim: str, before: str, speaker: str | None, alone: str
) -> None:
    assert resolve_head_pronoun(claim, before, speaker) == alone


def test_extract_names_the_speaker_for_its_and_dates_from_a_lead_dateline(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(
        "# Port reopens after the storm\n\n"
        "Port Carrow, 3 February 2026 — The port authority said its cranes handled 1.2 million "
        "containers last year, up from 900,000.\n",
        "utf-8",
    )
    report = extract_report(capsys, rules_config(chdir_tmp / "rules.toml"))
    assert report["article"]["date"] == "3 February 2026"
    assert [c["text"] for c in report["claims"]] == [
        "The port authority's cranes handled 1.2 million containers in 2025, up from 900,000."
    ]
    assert report["claims"][0]["claimer"] == "The port authority"


def test_a_clause_cut_from_mid_sentence_names_no_pronoun_from_the_sentence_before() -> None:
    before = "Such campaigns to reassure patients are growing."
    lead = "While most nurses said they would accept the offer, a third of them said "
    assert resolve_head_pronoun("they would strike.", before, None, lead) == "they would strike."
    lead = "Photos show the nurses outside the ward, and "
    assert resolve_head_pronoun("their anger is plain.", before, None, lead) == (
        "their anger is plain."
    )
    assert resolve_head_pronoun("they would strike.", before, None) == (
        "Such campaigns to reassure patients would strike."
    )


def test_extract_does_not_fail_a_sentence_whose_pronoun_belongs_to_it(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(
        "# Nurses split over pay offer\n\n"
        "Such campaigns to win over staff are increasingly common, given recent surveys.\n\n"
        "While half of the nurses said they would accept the offer, according to a union "
        "ballot, a quarter said they would not, while another quarter said they were unsure.\n",
        "utf-8",
    )
    report = extract_report(capsys, rules_config(chdir_tmp / "rules.toml"))
    assert not report["failures"]
    assert all(s["status"] != "failed" for s in report["sentences"])
    assert not any(c["text"].startswith("Such campaigns") for c in report["claims"][1:])
