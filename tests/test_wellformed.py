"""Every claim a well-formed sentence (issue 25, item 5): the check from the parse, the rules'
fallback to the whole sentence, and the count the eval reports. Invented sentences of the shapes
seen on unseen articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import extract_report
from tests.support.configs import rules_config
from workbench.core.schema import Stage
from workbench.engines import ENGINES
from workbench.evaluation.scoring.wellformed import score_wellformed
from workbench.language.parse import ill_formed
from workbench.stages.extract import quote_options, source_options


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Prices to fall in 2027.", "no finite verb"),  # an infinitive fragment
        ("Hundreds of troops sent to the northern border.", "no verb: a noun phrase"),
        (
            "Officer who wore a party mask to the polls to face disciplinary action.",
            "no verb: a noun phrase",
        ),
        (
            "The closure of 40 branches, prompted by a review that auditors linked to the merger.",
            "no verb: a noun phrase",
        ),
        ('The figures were "misleading" and that it would appeal.', "a reported clause glued on"),
        (
            "The closure of 40 branches, prompted by a review cost the bank 19 million.",
            "a clause with its middle cut out",
        ),
        ("The mayor thanked the volunteers, saying.", "dangling end"),
        ("The plant opened in 2019 and", "dangling end"),
        ("The council said the plan was linked to.", "dangling end"),
        ("The levy will raise 220 million crowns,", "dangling end"),
        ('The mayor called the plan "a disgrace.', "unbalanced quotation marks"),
        ("The ferry (which sank in 2019 carried 40 people.", "unbalanced brackets"),
    ],
)
def test_a_fragment_fails_the_check_and_says_why(text: str, reason: str) -> None:
    assert ill_formed(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "The council approved the budget on Monday.",
        "The mayor, who took office in 2024, resigned.",  # an aside closed by its comma
        "Police, firefighters and medics, who arrived at noon, helped.",  # a list's commas
        "There were five deaths in the floods.",  # "there" as the subject
        "Water levels rose by two metres overnight, the agency said.",
        "The bank said that profits rose and that it would hire 200 staff.",  # two of a kind
        '"The line will reopen in May. Trains will run hourly," the operator said.',
        "Best Paper Award, 2017: She received the award in Oslo.",  # a label before a colon
        "2. The ferry carried 40 people.",  # a list item's number
        # a main verb the parser hangs from the subject's relative clause
        "Pupils who used a tablet in class after lunch scored on average 12 points less than "
        "those who did not, according to a study.",
        # a past tense the tagger reads as a participle: it has an active subject and an object
        "The coastguard's new drones in the search found 14 sailors within an hour.",
        "The report said the closure of 40 branches cost the bank 19 million and …",  # cut, shown
    ],
)
def test_a_sentence_passes_the_check(text: str) -> None:
    assert ill_formed(text) is None


def _rules(sentence: str, before: str = "") -> list[str]:
    quotes = [sentence[a:b] for a, b in quote_options(sentence, before)]
    sources = source_options(sentence, before)
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": before, "quote_options": quotes, "source_options": sources}
    )
    return [c["claim"] for c in answer["claims"]]


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # a frame's participle of saying, its quotation the next paragraph: the act it reports
        ("The mayor thanked the volunteers, adding:", "The mayor thanked the volunteers."),
        (
            "The minister congratulated the rescue crews, saying",
            "The minister congratulated the rescue crews.",
        ),
    ],
)
def test_a_frame_claims_the_act_it_reports_without_the_hand_over(sentence: str, claim: str) -> None:
    assert _rules(sentence) == [claim]


def test_every_claim_the_rules_write_passes_the_check() -> None:
    sentences = [
        "The ministry said its drones destroyed 40 depots and that two pilots were missing.",
        'The bank said the figures were "misleading" and that it would appeal.',
        "The plant employs 400 people and opened in 2019.",
        "The regulator said the closure of 40 branches, prompted by a review, cost the bank 19 "
        "million.",
        '"We will close 40 branches by June," the chief executive said.',
        "Analysts expect prices to fall in 2027.",
    ]
    for sentence in sentences:
        claims = _rules(sentence)
        assert claims, sentence
        assert [ill_formed(c) for c in claims] == [None] * len(claims), claims


def test_a_quotation_the_claim_opens_but_another_sentence_closes_loses_its_marks() -> None:
    sentence = '"The line will reopen in May after repairs to the bridge,'
    claims = _rules(sentence.rstrip(",") + " and trains will run hourly.")
    assert all(c.count('"') % 2 == 0 for c in claims)


def test_the_eval_counts_well_formed_claims() -> None:
    counted = score_wellformed(["The ferry sank in 2019.", "Prices to fall in 2027."])
    assert (counted.claims, counted.well_formed, counted.rate) == (2, 1, 0.5)
    assert counted.ill_formed == ["no finite verb: Prices to fall in 2027."]
    assert (counted + counted).rate == 0.5
    assert score_wellformed([]).rate is None


def test_extract_writes_sentences_as_claims(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(
        "The harbour board said the closure of two docks, prompted by a safety review, cost "
        "the port 12 million crowns.\n\n"
        "Harbour master Ida Lund thanked the 40 pilots who moved 31 ships through the storm "
        "on 3 March 2026, adding:\n\n"
        '"Nobody was hurt and no cargo was lost."\n',
        "utf-8",
    )
    report = extract_report(capsys, rules_config(chdir_tmp / "rules.toml"))
    texts = [c["text"] for c in report["claims"]]
    assert (
        "Harbour master Ida Lund thanked the 40 pilots who moved 31 ships through the storm on "
        "3 March 2026." in texts
    )
    assert all(ill_formed(t) is None for t in texts), texts


def test_a_rhetorical_tail_is_left_out_of_the_claim_and_its_quote() -> None:
    sentence = (
        "Twelve firefighters were injured fighting the blaze on 6 March 2026, not to mention the "
        "volunteers who gave their weekends to SAVE the old mill from the greed of developers."
    )
    quotes = [sentence[a:b] for a, b in quote_options(sentence)]
    sources = source_options(sentence, "")
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": "", "quote_options": quotes, "source_options": sources}
    )
    [claim] = answer["claims"]
    assert claim["claim"] == "Twelve firefighters were injured fighting the blaze on 6 March 2026."
    assert "not to mention" not in quotes[claim["quote"] - 1]
