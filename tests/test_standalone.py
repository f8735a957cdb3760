"""A claim that stands alone: relative times dated, "there" named (spaCy's real parse)."""

from __future__ import annotations

import pytest

from workbench.language.standalone import standalone

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
