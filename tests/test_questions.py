"""Evidence questions built from a claim's parse (workbench.language.questions): made-up
sentences. Each question asks one fact of the claim's core, never the whole claim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.evaluation.scoring.question_quality import well_formed
from workbench.language.questions import MAX_QUESTION_CHARS, claim_questions, claimer_questions
from workbench.language.support import token_f1


@pytest.mark.parametrize(
    ("claim", "asked"),
    [
        (  # a figure and a date: each its own question, no yes/no that restates the claim
            "31 container ships were waiting at anchor off Dunmore on 14 October 2026.",
            [
                "How many container ships were waiting at anchor off Dunmore on 14 October 2026?",
                "When were 31 container ships waiting at anchor off Dunmore?",
            ],
        ),
        (
            "The city police counted 312 burglaries last year.",
            [
                "How many burglaries did the city police count last year?",
                "When did the city police count 312 burglaries?",
            ],
        ),
        (
            "Unemployment fell to 3.9 percent in March.",
            [
                "What percentage did unemployment fall to in March?",
                "When did unemployment fall to 3.9 percent?",
            ],
        ),
        (  # a named actor: who did it
            "Reuters reported that 5 people died.",
            ["How many people died?", "Who reported that 5 people died?"],
        ),
        (
            "In 2019, the Dunmore Harbour Board closed the old ferry terminal.",
            [
                "When did the Dunmore Harbour Board close the old ferry terminal?",
                "Who closed the old ferry terminal in 2019?",
            ],
        ),
        (  # a duration is no date to look up: nothing but the claim to ask
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
        (  # a linking word goes, a date set before the subject is asked about
            "However, on Tuesday, the council approved the budget.",
            ["When did the council approve the budget?"],
        ),
        (  # the source set before the subject is the claimer's question, not this one's
            "According to the county, 5 people died in the floods.",
            ["How many people died in the floods?"],
        ),
        (  # a figure and a date in a clause with its own subject are asked about there
            "The ministry said on Friday that 3,100 households had lost power in May.",
            [
                "How many households had lost power in May?",
                "When did the ministry say that 3,100 households had lost power?",
            ],
        ),
        (  # what a comma sets off is left out: its pronoun needs the clause before it
            "The minister defended the levy, saying that it would raise 220 million crowns.",
            ["Did the minister defend the levy?"],
        ),
        (  # "one of" counts nothing, "decades" is no date; a quotation's marks go
            'The ruling "marks one of the biggest changes in decades" for tenants.',
            ["Does the ruling mark one of the biggest changes in decades for tenants?"],
        ),
        (  # an aside inside commas is left out, the complement after it stays
            "The council's plan to build a 90-space car park is, by any measure, a failure.",
            ["Is the council's plan to build a 90-space car park a failure?"],
        ),
        (  # a noun phrase before the subject that is no time is left out
            "A former teacher, Maria Lopez opened the school in 2019.",
            ["When did Maria Lopez open the school?", "Who opened the school in 2019?"],
        ),
    ],
)
def test_questions_ask_one_fact_each(claim: str, asked: list[str]) -> None:
    assert claim_questions(claim) == asked


# The shapes that broke when questions restated the whole claim (issue 25), invented.
LONG = (
    "Several soldiers of the northern brigade were killed fighting rebels in the days before"
    " 6 September 2017, not to mention the many volunteers who gave their health and their homes"
    " to free the valley from the cruelty and greed of the rebels and their foreign backers."
)
LIST = (
    "The ministry said its drones killed over 40 fighters in the raid, along with destroying"
    ' "9 trucks, including two tanks, a command post and a radio mast, as well as three fuel'
    ' depots."'
)
QUOTED = (
    '"After a run of quiet weeks, units of our coast guard, backed by the navy, have completed'
    " the second phase of their patrols near the islands, and they managed through careful…"
)
SAID = 'The effect was "larger than we expected and the same in every region", Dr Ana Ruiz said.'


@pytest.mark.parametrize("claim", [LONG, LIST, QUOTED, SAID])
def test_questions_of_long_claims_are_short_whole_and_distinct(claim: str) -> None:
    questions = claim_questions(claim) + claimer_questions(claim, "Dr Ana Ruiz")
    assert questions
    for question in questions:
        assert well_formed(question), question
        assert len(question.split()) <= 16, question
        assert token_f1(question, claim) < 0.8, question  # never the claim restated
        assert not any(mark in question for mark in '"“”…'), question  # no quotation inside
    assert len({q.lower() for q in questions}) == len(questions)


def test_a_date_is_cut_whole_or_kept_whole() -> None:
    when, *_ = [q for q in claim_questions(LONG) if q.startswith("When")]
    assert when == "When were several soldiers of the northern brigade killed fighting rebels?"
    assert all("6 September 2017" in q for q in claim_questions(LONG) if " 6 " in q)
    # "the days before" runs into the date it counts back from: cut with it
    assert claim_questions(
        "Several soldiers from the northern brigade were killed fighting rebels in the days"
        " before 6 September 2017 there."
    ) == ["When were several soldiers from the northern brigade killed fighting rebels?"]


def test_a_range_of_dates_stays_whole_and_a_duration_is_no_date() -> None:
    questions = claim_questions(
        "The median wait at the county clinic had risen from 2 hours to 5 hours between"
        " September 2025 and March 2026."
    )
    assert questions and all(well_formed(q) for q in questions)
    assert all("March 2026" in q for q in questions if "September 2025" in q)
    when = [q for q in questions if q.startswith("When")]
    assert when and "2 hours" in when[0]  # a duration stays: it is what the claim says


def test_a_list_is_asked_by_its_figure_not_restated() -> None:
    assert claim_questions(LIST) == [
        "Did the ministry say its drones killed over 40 fighters in the raid?",
        "How many fighters did its drones kill in the raid?",
    ]


def test_a_quotation_is_asked_of_its_sayer() -> None:
    assert claim_questions(SAID) == ["Was the effect larger than we expected?"] or all(
        "we" not in q.split() for q in claim_questions(SAID)
    )
    # its "our" is the sayer's, so no question puts it in the asker's mouth
    asked = claim_questions(QUOTED) + claimer_questions(QUOTED, "the coast guard")
    assert asked and all("our" not in q.split() for q in asked)
    assert claimer_questions(SAID, "Dr Ana Ruiz") == [
        "What exactly did Dr Ana Ruiz say about the effect?",
        "Where and when did Dr Ana Ruiz say it?",
        "Which source does Dr Ana Ruiz cite for the effect?",
    ]


def test_a_claim_someone_else_makes_asks_after_their_source() -> None:
    assert claimer_questions("The bridge will stay closed, the mayor said.", "the mayor") == [
        "What exactly did the mayor say about the bridge?",
        "Where and when did the mayor say it?",
        "Which source does the mayor cite for the bridge?",
    ]
    assert claimer_questions("The bridge will stay closed.", "the author") == []
    assert "What exactly did the mayor say?" in claimer_questions("It will close.", "the mayor")
    minister = "Transport Minister Ana Ruiz"
    assert claimer_questions("Ferry fares will rise by 5 percent.", minister) == [
        "Did Transport Minister Ana Ruiz say that ferry fares will rise by 5 percent?",
        "What exactly did Transport Minister Ana Ruiz say about ferry fares?",
        "Where and when did Transport Minister Ana Ruiz say it?",
        "Which source does Transport Minister Ana Ruiz cite for ferry fares?",
    ]
    # a long claim: "Did she say that <core>?" would run too long, the rest stays
    claim = (
        "Ferry fares on the northern routes will rise by 5 percent from next April, with"
        " concessions for pensioners."
    )
    asked = claimer_questions(claim, minister)
    assert len(asked) == 3 and all(len(q.split()) <= 16 for q in asked)


def test_questions_fit_the_schema_and_are_distinct() -> None:
    long_claim = "The council said that " + "the new library on the river " * 12 + "cost 4 million."
    questions = claim_questions(long_claim)
    assert all(len(q) <= MAX_QUESTION_CHARS and q.endswith("?") for q in questions)
    assert len({q.lower() for q in questions}) == len(questions) <= 4
    assert claim_questions("   ") == []


ARTICLE = (
    "# Harbour board cuts jobs\n\n"
    "Dunmore, 3 February 2026. The Dunmore Harbour Board cut 40 jobs at the northern terminal on"
    " 2 February 2026, along with closing two warehouses, including a cold store, a repair shed"
    " and a fuel dock, as well as three cranes. Harbour master Ana Ruiz said the cuts were"
    ' "the hardest thing we have done in years", adding that the board would review its budget'
    " in March 2026.\n"
)


def test_extract_json_questions_read_as_a_user_would(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "cache"))
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    assert main(["extract", "article.md", "--backend", "builtin", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    claims = report["claims"]
    assert claims
    for claim in claims:
        questions = [q for need in claim["evidence"] for q in need["questions"]]
        words = {tuple(q.lower().rstrip("?").split()) for q in questions}
        assert len(words) == len(questions)  # no two alike
        for question in questions:
            assert well_formed(question), question
            assert len(question.split()) <= 16, question
            assert not any(mark in question for mark in '"“”…'), question
