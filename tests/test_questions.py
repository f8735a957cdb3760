"""Evidence questions built from a claim's parse (workbench.questions): made-up sentences."""

from __future__ import annotations

import pytest

from workbench.questions import MAX_QUESTION_CHARS, claim_questions


@pytest.mark.parametrize(
    ("claim", "claimer", "expected"),
    [
        (
            "31 container ships were waiting at anchor off Dunmore on 14 October 2026.",
            "the author",
            [
                "Is it true that 31 container ships were waiting at anchor off Dunmore on 14 "
                "October 2026?",
                "How many container ships were waiting at anchor off Dunmore on 14 October 2026?",
                "When were 31 container ships waiting at anchor off Dunmore?",
            ],
        ),
        (
            "The city police counted 312 burglaries last year.",
            "the author",
            [
                "Is it true that the city police counted 312 burglaries last year?",
                "How many burglaries did the city police count last year?",
                "When did the city police count 312 burglaries?",
            ],
        ),
        (
            "Unemployment fell to 3.9 percent in March.",
            "the author",
            [
                "Is it true that unemployment fell to 3.9 percent in March?",
                "What percentage did unemployment fall to in March?",
                "When did unemployment fall to 3.9 percent?",
            ],
        ),
        (
            "Reuters reported that 5 people died.",
            "Reuters",
            [
                "Is it true that Reuters reported that 5 people died?",
                "How many people died?",
                "What exactly did Reuters say, and where was it published?",
            ],
        ),
        (
            "The bridge will stay closed for two years.",  # a duration is no date to look up
            "the author",
            ["Is it true that the bridge will stay closed for two years?"],
        ),
    ],
)
def test_questions_ask_after_the_claims_own_figures_dates_and_sources(
    claim: str, claimer: str, expected: list[str]
) -> None:
    assert claim_questions(claim, claimer) == expected


def test_questions_fit_the_schema_and_are_distinct() -> None:
    long_claim = "The council said that " + "the new library on the river " * 12 + "cost 4 million."
    questions = claim_questions(long_claim, "The council")
    assert all(len(q) <= MAX_QUESTION_CHARS and q.endswith("?") for q in questions)
    assert len({q.lower() for q in questions}) == len(questions) <= 4
    assert claim_questions("   ") == []
