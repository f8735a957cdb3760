"""Extraction: quote and source options derived from the text, grounded claims, attribution
chains, and the validators that reject degenerate model output. Fake client, no model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from workbench.core.errors import ModelOutputError
from workbench.core.prompts import PromptSet
from workbench.core.schema import (
    CheckworthinessResponse,
    ClaimType,
    EvidenceResponse,
    ExtractResponse,
    Role,
    Sentence,
    extract_response_for,
    reject_degenerate,
)
from workbench.llm import FakeClient, Request
from workbench.stages.extract import (
    AUTHOR,
    MAX_OPTIONS,
    extract_claims,
    quote_options,
    source_options,
)

PROMPTS = PromptSet()


def options(sentence: str) -> list[str]:
    return [sentence[a:b] for a, b in quote_options(sentence)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Fighting raged for weeks.", ["Fighting raged for weeks."]),
        ("Mayor Ana Ruiz said on Monday that the bridge will reopen in May.",
         ["Mayor Ana Ruiz said on Monday that the bridge will reopen in May.",
          "the bridge will reopen in May",  # what the mayor asserts, from the parse
          "Mayor Ana Ruiz said on Monday", "that the bridge will reopen in May."]),
        ("It counted 312 burglaries there last year, up from 280 the year before.",
         ["It counted 312 burglaries there last year, up from 280 the year before.",
          "It counted 312 burglaries there last year", "up from 280 the year before."]),
        ("According to the newspaper Delta Post, engineers warned officials that the dam could "
         "fail.",
         ["According to the newspaper Delta Post, engineers warned officials that the dam could "
          "fail.", "the dam could fail", "According to the newspaper Delta Post",
          "engineers warned officials",
          "that the dam could fail."]),
        ("The dam — built in 1962 — could fail, engineers said.",
         ["The dam — built in 1962 — could fail, engineers said.",
          "The dam — built in 1962 — could fail", "The dam — built in 1962",
          "could fail, engineers said."]),
        ("Prices rose; wages fell.", ["Prices rose; wages fell."]),
        # the clauses it joins, from the parse, before the pieces punctuation gives
        ("The ferry was cancelled on Monday, but the bridge stayed open to traffic.",
         ["The ferry was cancelled on Monday, but the bridge stayed open to traffic.",
          "The ferry was cancelled on Monday", "the bridge stayed open to traffic",
          "but the bridge stayed open to traffic."]),
    ],
)
def test_quote_options(sentence: str, expected: list[str]) -> None:
    assert options(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The US, the UK, France, Germany, Italy, Spain, Poland, Sweden, Norway, Denmark, Finland "
        "and Greece signed it; Japan, Korea, India and Brazil did not; China abstained.",
        "Syrian resident Lilly Martin explains that people have been dying of hunger and illness "
        "for years now but that now they are FREE.",
        "She explains that",
        "“It is over,” he said — and left.",
        "   padded sentence with spaces , and a comma   ",
    ],
)
def test_quote_option_invariants(sentence: str) -> None:
    spans = quote_options(sentence)
    assert spans[0] == (0, len(sentence))  # the whole sentence always comes first
    assert 1 <= len(spans) <= MAX_OPTIONS
    assert len(set(spans)) == len(spans)
    for start, end in spans[1:]:
        text = sentence[start:end]
        assert text == text.strip(" ,;:-–—") and len(text.split()) >= 3


@pytest.mark.parametrize(
    ("sentence", "before", "expected"),
    [
        ("Fighting raged for weeks.", "", [AUTHOR]),
        ("Mayor Ana Ruiz said on Monday that the bridge will reopen.", "",
         [AUTHOR, "Mayor Ana Ruiz"]),
        ("According to the newspaper Delta Post, engineers warned officials.", "",
         [AUTHOR, "Delta Post", "engineers"]),
        ("Trucks carrying food are rolling in, reports Martin.", "", [AUTHOR, "Martin"]),
        ("“It is over,” said Ana Ruiz.", "", [AUTHOR, "Ana Ruiz"]),
        ("Sophie Mangal reports that the US Air Force evacuated them.", "",
         [AUTHOR, "Sophie Mangal", "the US Air Force"]),
        ("She explains that soldiers were killed.", "Syrian resident Lilly Martin explains it.",
         [AUTHOR, "Lilly Martin"]),
        ("He said it was over.", "", [AUTHOR]),
        ("She explains that soldiers died.", "Food is rolling in, reports Martin. She explains",
         [AUTHOR, "Martin"]),
        ("Gen. Sergey Rudskoy said it was a vital step.", "", [AUTHOR, "Sergey Rudskoy"]),
        ("Dr. Smith and the U.S. Air Force said so.", "", [AUTHOR, "Smith", "the U.S. Air Force"]),
        ("The Health Ministry said 14 people died.", "According to the Health Ministry, more.",
         [AUTHOR, "The Health Ministry"]),
    ],
)
def test_source_options(sentence: str, before: str, expected: list[str]) -> None:
    assert source_options(sentence, before) == expected


def test_source_options_are_bounded() -> None:
    many = ", ".join(f"Person Number{n} said yes" for n in range(20))
    found = source_options(many, "")
    assert found[0] == AUTHOR and len(found) == MAX_OPTIONS


# --------------------------------------------------------------------------------------------
# extract_claims with a fake client
# --------------------------------------------------------------------------------------------

ARTICLE = ("Officials met on Monday. Sophie Mangal reports that the US Air Force evacuated two "
           "commanders, and that 20 more left by truck.")


def sentence_at(text: str, article: str = ARTICLE, sid: str = "s2") -> Sentence:
    start = article.index(text)
    return Sentence(id=sid, index=1, paragraph=0, start=start, end=start + len(text), text=text,
                    role=Role.body)


SENTENCE = sentence_at("Sophie Mangal reports that the US Air Force evacuated two commanders, "
                       "and that 20 more left by truck.")


def run_extract(answer: dict[str, Any], sentence: Sentence = SENTENCE) -> tuple[Any, FakeClient]:
    fake = FakeClient(lambda request: answer)
    result = asyncio.run(extract_claims(fake, PROMPTS["extract"], sentence,
                                        before="Officials met on Monday.", date="2017-09-06"))
    return result, fake


def test_claims_are_grounded_at_article_offsets() -> None:
    quotes = options(SENTENCE.text)
    assert quotes[1] == "the US Air Force evacuated two commanders, and that 20 more left by truck"
    assert len(quotes) == 4  # the sentence, what Mangal asserts, and its two clauses
    answer = {"claims": [
        {"claim": "The US Air Force evacuated two ISIS commanders.", "quote": 3, "claimer": 2,
         "attribution": [1, 2], "type": "event"},
        {"claim": "Twenty more ISIS commanders left by truck.", "quote": 4, "claimer": 2,
         "attribution": [], "type": "quantity"},
        {"claim": "The whole sentence as a claim.", "quote": 1, "claimer": 1, "type": "statement"},
    ]}
    result, fake = run_extract(answer)
    claims = result.claims
    assert [c.quote for c in claims] == [quotes[2], quotes[3], quotes[0]]
    for claim in claims:
        assert ARTICLE[claim.start : claim.end] == claim.quote
        assert SENTENCE.start <= claim.start < claim.end <= SENTENCE.end
        assert claim.sentence_id == "s2"
    assert [c.id for c in claims] == ["s2-1", "s2-2", "s2-3"]
    assert [c.claimer for c in claims] == ["Sophie Mangal", "Sophie Mangal", AUTHOR]
    assert [c.type for c in claims] == [ClaimType.event, ClaimType.quantity, ClaimType.statement]
    request = fake.calls[0]
    assert request.variables["quote_options"] == quotes
    assert request.variables["source_options"] == [AUTHOR, "Sophie Mangal", "the US Air Force"]
    assert request.variables["date"] == "2017-09-06"
    assert request.context == {"quote_options": quotes,
                               "source_options": [AUTHOR, "Sophie Mangal", "the US Air Force"]}


@pytest.mark.parametrize(
    ("claimer", "attribution", "chain"),
    [
        (1, [], [AUTHOR]),
        (1, [1], [AUTHOR]),
        (2, [], [AUTHOR, "Sophie Mangal"]),
        (2, [1, 2], [AUTHOR, "Sophie Mangal"]),
        (3, [2], [AUTHOR, "Sophie Mangal", "the US Air Force"]),
        (3, [1, 2, 3], [AUTHOR, "Sophie Mangal", "the US Air Force"]),
        (2, [2, 2], [AUTHOR, "Sophie Mangal"]),
    ],
)
def test_attribution_chain_runs_from_the_author_to_the_claimer(
    claimer: int, attribution: list[int], chain: list[str]
) -> None:
    answer = {"claims": [{"claim": "The US Air Force evacuated two commanders.", "quote": 1,
                          "claimer": claimer, "attribution": attribution, "type": "event"}]}
    result, _ = run_extract(answer)
    assert result.claims[0].attribution == chain
    assert result.claims[0].claimer == chain[-1]


def test_repeated_claims_are_kept_once() -> None:
    claim = {"claim": "The US Air Force evacuated two commanders.", "quote": 1, "claimer": 1,
             "type": "event"}
    result, _ = run_extract({"claims": [claim, {**claim, "claim": claim["claim"].upper()}]})
    assert len(result.claims) == 1


def test_no_claims_is_an_empty_list() -> None:
    result, _ = run_extract({"claims": []})
    assert result.claims == []


@pytest.mark.parametrize(
    "claim",
    [
        {"claim": "x y z", "quote": 5, "claimer": 1, "type": "event"},  # only 4 quote options
        {"claim": "x y z", "quote": 1, "claimer": 4, "type": "event"},  # only 3 sources
        {"claim": "x y z", "quote": 1, "claimer": 1, "attribution": [9], "type": "event"},
        {"claim": "x y z", "quote": 0, "claimer": 1, "type": "event"},
        {"claim": "x y z", "quote": 1, "claimer": 1, "type": "rumour"},
        {"claim": "", "quote": 1, "claimer": 1, "type": "event"},
        {"claim": "the the the the the", "quote": 1, "claimer": 1, "type": "event"},
        {"claim": "y" * 301, "quote": 1, "claimer": 1, "type": "event"},
        {"claim": "x y z", "quote": "the whole sentence", "claimer": 1, "type": "event"},
    ],
)
def test_ungrounded_or_degenerate_claims_are_model_output_errors(claim: dict[str, Any]) -> None:
    with pytest.raises(ModelOutputError, match="stage extract: no valid output"):
        run_extract({"claims": [claim]})


def test_narrowed_schema_offers_only_the_options() -> None:
    schema = extract_response_for(3, 2).model_json_schema()
    claim = schema["$defs"]["ExtractedClaim"]["properties"]
    assert claim["quote"]["enum"] == [1, 2, 3]
    assert claim["claimer"]["enum"] == [1, 2]
    assert claim["attribution"]["items"]["enum"] == [1, 2]
    assert claim["attribution"]["maxItems"] == 3
    assert schema["properties"]["claims"]["maxItems"] == 4
    assert claim["claim"]["maxLength"] == 300


def test_the_base_model_checks_options_through_the_validation_context() -> None:
    payload = {"claims": [{"claim": "x y z", "quote": 3, "claimer": 1, "type": "event"}]}
    ExtractResponse.model_validate(payload)  # no context: only the schema bounds
    with pytest.raises(ValidationError, match="quote must be the number of one of the 2"):
        ExtractResponse.model_validate(payload, context={"quote_options": ["a", "b"]})


# --------------------------------------------------------------------------------------------
# Validators of model text
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("The council approved the budget.", True),
        ("  padded  ", True),
        ("She said no, no, no.", True),
        ("It rose by 5 per cent, 5 per cent and then 5 per cent.", True),
        ("Who did what, when, where and why?", True),
        ("", False),
        ("   ", False),
        ("the the the the", False),
        ("Syria Syria, Syria; Syria", False),
        ("Is it is it is it true?", False),
        ("The Sharia law is a law that is based on the Sharia law, which is a law that is based "
         "on the Sharia law, which is a law that is based on the Sharia law, which is a", False),
    ],
)
def test_reject_degenerate(text: str, ok: bool) -> None:
    if ok:
        assert reject_degenerate(text) == text.strip()
    else:
        with pytest.raises(ValueError):
            reject_degenerate(text)


def test_rating_rationale_must_be_text() -> None:
    CheckworthinessResponse.model_validate({"rating": 4, "rationale": "a specific number"})
    for bad in ({"rating": 6, "rationale": "x"}, {"rating": 3, "rationale": ""},
                {"rating": 3, "rationale": "ok ok ok ok"}):
        with pytest.raises(ValidationError):
            CheckworthinessResponse.model_validate(bad)


def test_evidence_repeats_are_dropped_not_reasked() -> None:
    need = {"kind": "official_record", "need": "the council minutes",
            "questions": ["Did the council vote?", "Did the council vote?", "When?"],
            "where": ["the council website", "The council  website ", "the city archive"]}
    response = EvidenceResponse.model_validate({"needs": [need, need]})
    assert len(response.needs) == 1
    assert response.needs[0].questions == ["Did the council vote?", "When?"]
    assert response.needs[0].where == ["the council website", "the city archive"]
    for bad in ({"needs": []}, {"needs": [{**need, "questions": []}]},
                {"needs": [{**need, "kind": "rumour_mill"}]}):
        with pytest.raises(ValidationError):
            EvidenceResponse.model_validate(bad)


def test_fake_request_carries_the_article_through_the_prompt() -> None:
    """The sentence and its context reach the model only through the rendered prompt."""
    _, fake = run_extract({"claims": []})
    request: Request = fake.calls[0]
    user = request.messages()[-1]["content"]
    assert SENTENCE.text in user and "Officials met on Monday." in user
    assert "1. " + SENTENCE.text in user


def test_a_claim_its_quote_and_context_do_not_support_is_invalid() -> None:
    """With grounds (the pipeline always gives them), a claim that says more than its quote and
    context is a validation error: the model is re-asked, then the next engine answers."""
    grounds = [SENTENCE.text, "Officials met on Monday."]

    def extract(claim: str) -> Any:
        fake = FakeClient(lambda request: {"claims": [
            {"claim": claim, "quote": 3, "claimer": 2, "attribution": [1], "type": "event"}]})
        return asyncio.run(extract_claims(fake, PROMPTS["extract"], SENTENCE, before="",
                                          date=None, grounds=grounds))

    resolved = extract("The US Air Force evacuated two ISIS commanders on Monday.")
    assert [c.text for c in resolved.claims] == [
        "The US Air Force evacuated two ISIS commanders on Monday."
    ]
    with pytest.raises(ModelOutputError, match="says what its quote and context do not"):
        extract("Russian jets bombed a convoy of fleeing civilians near the border.")
