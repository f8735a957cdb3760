"""Evidence questions built from a claim's parse (workbench.language.questions): made-up
sentences."""

from __future__ import annotations

import pytest

from workbench.language.questions import MAX_QUESTION_CHARS, claim_questions, claimer_questions


@pytest.mark.parametrize(
    ("claim", "asked"),
    [
        (
            "31 container ships were waiting at anchor off Dunmore on 14 October 2026.",
            [
                "Were 31 container ships waiting at anchor off Dunmore on 14 October 2026?",
                "How many container ships were waiting at anchor off Dunmore on 14 October 2026?",
                "When were 31 container ships waiting at anchor off Dunmore?",
            ],
        ),
        (
            "The city police counted 312 burglaries last year.",
            [
                "Did the city police count 312 burglaries last year?",
                "How many burglaries did the city police count last year?",
                "When did the city police count 312 burglaries?",
            ],
        ),
        (
            "Unemployment fell to 3.9 percent in March.",
            [
                "Did unemployment fall to 3.9 percent in March?",
                "What percentage did unemployment fall to in March?",
                "When did unemployment fall to 3.9 percent?",
            ],
        ),
        (
            "Reuters reported that 5 people died.",
            ["Did Reuters report that 5 people died?", "How many people died?",
             "Who reported that 5 people died?"],  # a named actor: who did it
        ),
        (
            "In 2019, the Dunmore Harbour Board closed the old ferry terminal.",
            ["Did the Dunmore Harbour Board close the old ferry terminal in 2019?",
             "When did the Dunmore Harbour Board close the old ferry terminal?",
             "Who closed the old ferry terminal in 2019?"],
        ),
        (  # a duration is no date to look up
            "The bridge will stay closed for two years.",
            ["Will the bridge stay closed for two years?"],
        ),
        ("The port is the busiest in the region.", ["Is the port the busiest in the region?"]),
        (  # "be" as the verb, contracted, goes first; a name keeps its capital
            "It's the busiest port in the region.",
            ["Is it the busiest port in the region?"],
        ),
        (  # a sentence-initial gerund is no name, whatever the tagger says
            "Lifting Port Arlen's curfew signals a return to normal life.",
            ["Does lifting Port Arlen's curfew signal a return to normal life?"],
        ),
        (  # a frame's dangling "saying" belongs to the quotation that follows
            "Assad congratulated the troops, saying:",
            ["Did Assad congratulate the troops?"],
        ),
        (  # a word between subject and verb stays before the verb
            "The army recently liberated the city.",
            ["Did the army recently liberate the city?"],
        ),
        (  # a phrase set before the subject goes to the end, a linking word goes
            "However, on Tuesday, the council approved the budget.",
            [
                "Did the council approve the budget on Tuesday?",
                "When did the council approve the budget?",
            ],
        ),
        (  # the source set before the subject stays beside what it sources
            "According to the county, 5 people died in the floods.",
            [
                "Did 5 people die in the floods, according to the county?",
                "How many people died in the floods?",
            ],
        ),
        (  # a figure and a date in a clause with its own subject are asked about there
            "The ministry said on Friday that 3,100 households had lost power in May.",
            [
                "Did the ministry say on Friday that 3,100 households had lost power in May?",
                "How many households had lost power in May?",
                "When did the ministry say that 3,100 households had lost power?",
            ],
        ),
        (  # a figure in a clause whose subject is a pronoun: no question without its context
            "The minister defended the levy, saying that it would raise 220 million crowns.",
            ["Did the minister defend the levy, saying that it would raise 220 million crowns?"],
        ),
        (  # "one of" counts nothing, "decades" is no date; an inverted quotation is no quotation
            'The ruling "marks one of the biggest changes in decades" for tenants.',
            ["Does the ruling mark one of the biggest changes in decades for tenants?"],
        ),
        (  # words between subject and auxiliary stay
            "Any town freed from the curfew, checkpoints, the fear and hunger would rejoice.",
            [
                "Would any town freed from the curfew, checkpoints, the fear and hunger rejoice?"
            ],
        ),
        (  # a noun phrase before the subject that is no time is no phrase to move
            "A former teacher, Maria Lopez opened the school in 2019.",
            ["Is it true that a former teacher, Maria Lopez opened the school in 2019?"],
        ),
        (  # a noun the tagger read as the verb ("wait"): no inversion of a misread clause
            "The median wait in the emergency department had risen to 4 hours in 2026.",
            ["Is it true that the median wait in the emergency department had risen to 4 hours"
             " in 2026?"],
        ),
    ],
)
def test_questions_ask_after_the_claims_own_figures_and_dates(claim: str, asked: list[str]) -> None:
    said = claim.rstrip(".")
    said = said.removesuffix(", saying:").removeprefix("However, ")
    said = said if said.startswith(("Reuters", "31", "Assad")) else said[0].lower() + said[1:]
    assert claim_questions(claim) == [*asked, f"What evidence shows that {said}?"]


def test_a_claim_someone_else_makes_asks_after_their_source() -> None:
    assert claimer_questions("The bridge will stay closed, the mayor said.", "the mayor") == [
        "What exactly did the mayor say?",
        "Where and when did the mayor first say it, and on what evidence?",
        "Which source does the mayor cite?",
    ]
    assert claimer_questions("The bridge will stay closed.", "the author") == []
    assert "What exactly did the mayor say?" in claimer_questions("It will close.", "the mayor")
    minister = "Transport Minister Ana Ruiz"
    assert claimer_questions("Ferry fares will rise by 5 percent.", minister) == [
        "Did Transport Minister Ana Ruiz say that ferry fares will rise by 5 percent?",
        "What exactly did Transport Minister Ana Ruiz say about ferry fares?",
        "Where and when did Transport Minister Ana Ruiz first say it, and on what evidence?",
        "Which source does Transport Minister Ana Ruiz cite for ferry fares?",
    ]


def test_questions_fit_the_schema_and_are_distinct() -> None:
    long_claim = "The council said that " + "the new library on the river " * 12 + "cost 4 million."
    questions = claim_questions(long_claim)
    assert all(len(q) <= MAX_QUESTION_CHARS and q.endswith("?") for q in questions)
    assert len({q.lower() for q in questions}) == len(questions) <= 4
    assert claim_questions("   ") == []
