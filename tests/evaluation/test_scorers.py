"""Scorers as tables: inputs and the numbers they must give."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.flood_article import ARTICLE, ReportBuilder, span_of
from workbench.core.schema import CheckLabel, EvidenceKind, RunInfo, StageStats, Status
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.alignment import (
    AlignmentSettings,
    ClaimForAlignment,
    align_claims,
    align_report_claims,
    hungarian_match,
    span_overlap,
)
from workbench.evaluation.scoring.checkworthiness import (
    pool_checkworthiness,
    score_checkworthiness,
    score_claim_checkworthiness,
)
from workbench.evaluation.scoring.claimers import score_claimers
from workbench.evaluation.scoring.evidence import score_evidence, score_questions
from workbench.evaluation.scoring.grounding import score_grounding
from workbench.evaluation.scoring.health import pool_output_health, score_output_health
from workbench.evaluation.scoring.prf import binary_prf, prf_from_counts, sum_prf
from workbench.evaluation.scoring.question_quality import (
    QuestionQuality,
    score_question_quality,
    well_formed,
)
from workbench.evaluation.scoring.sentences import score_sentence_detection
from workbench.evaluation.scoring.suite import score_report, summarise_fixture_scores
from workbench.evaluation.scoring.support import score_support
from workbench.language.support import claim_support, content_tokens, date_words, token_f1


def exact_or_nothing(generated: str, gold: str) -> float:
    """A stand-in for METEOR: 1 for the same question (case-blind), else token F1."""
    return 1.0 if generated.lower() == gold.lower() else token_f1(generated, gold)


# --------------------------------------------------------------------------------------------
# P/R/F1
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "predicted", "gold", "precision", "recall", "f1"),
    [
        (2, 4, 2, 0.5, 1.0, 2 / 3),
        (0, 0, 0, 1.0, 1.0, 1.0),  # nothing to find, nothing found: perfect
        (0, 0, 3, 0.0, 0.0, 0.0),  # found nothing
        (0, 2, 0, 0.0, 0.0, 0.0),  # found things where there was nothing
        (3, 3, 3, 1.0, 1.0, 1.0),
        (1, 2, 4, 0.5, 0.25, 1 / 3),
    ],
)
def test_prf_from_counts(
    tp: int, predicted: int, gold: int, precision: float, recall: float, f1: float
) -> None:
    result = prf_from_counts(tp, predicted, gold)
    assert (result.precision, result.recall, result.f1) == pytest.approx((precision, recall, f1))


def test_prf_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        prf_from_counts(3, 2, 5)


def test_sum_prf_is_a_micro_average() -> None:
    total = sum_prf([prf_from_counts(1, 1, 2), prf_from_counts(0, 3, 0)])
    assert (total.true_positives, total.predicted, total.gold) == (1, 4, 2)
    assert total.f1 == pytest.approx(2 * 0.25 * 0.5 / 0.75)


@pytest.mark.parametrize(
    ("gold", "predicted", "f1"),
    [
        ([True, False, True, False], [True, True, False, False], 0.5),
        ([False, False], [False, False], 1.0),
        ([True, True], [False, False], 0.0),
        ([True, False, True], [True, False, True], 1.0),
    ],
)
def test_binary_prf_is_f1_of_the_positive_class(
    gold: list[bool], predicted: list[bool], f1: float
) -> None:
    assert binary_prf(gold, predicted).f1 == pytest.approx(f1)


# --------------------------------------------------------------------------------------------
# Grounding
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "grounded", "rate"),
    [
        ([], 0, None),
        ([{"quote": "1,200 homes lost power"}], 1, 1.0),
        ([{"quote": "1,200 homes lost power", "span": (0, 5)}], 0, 0.0),
        ([{"quote": "1,200 homes lost power", "span": (9000, 9022)}], 0, 0.0),
        (
            [
                {
                    "quote": "1,200 Homes lost power",
                    "span": span_of(ARTICLE, "1,200 homes lost power"),
                }
            ],
            0,
            0.0,
        ),
        ([{"quote": "Flood water closed Route 9"}, {"quote": "x", "span": (3, 4)}], 1, 0.5),
    ],
    ids=["no claims", "exact", "wrong offsets", "out of range", "case differs", "one of two"],
)
def test_grounding_needs_the_exact_quote_at_the_offsets(
    make_report: ReportBuilder, claims: list[dict[str, Any]], grounded: int, rate: float | None
) -> None:
    report = make_report(claims=[{"text": "t", **c} for c in claims])
    result = score_grounding(report)
    assert (result.claims, result.grounded, result.rate) == (len(claims), grounded, rate)
    assert len(result.ungrounded) == len(claims) - grounded


# --------------------------------------------------------------------------------------------
# Sentence detection
# --------------------------------------------------------------------------------------------

ALL_RIGHT = {
    "GENEVA": Status.claims,
    "The water authority": Status.claims,
    "Mayor Ana Ruiz": Status.claims,
    "Some officials": Status.ambiguous,
}


@pytest.mark.parametrize(
    ("statuses", "tp", "predicted", "gold"),
    [
        (ALL_RIGHT, 3, 3, 3),
        ({**ALL_RIGHT, "Mayor Ana Ruiz": Status.no_claim}, 2, 2, 3),
        ({**ALL_RIGHT, "What a disaster": Status.claims}, 3, 4, 3),
        ({**ALL_RIGHT, "Some officials": Status.claims}, 3, 4, 3),  # ambiguous gold is negative
        ({**ALL_RIGHT, "GENEVA": Status.failed}, 2, 2, 3),
        ({}, 0, 0, 3),
    ],
    ids=["all right", "missed one", "opinion flagged", "ambiguous flagged", "failed", "nothing"],
)
def test_sentence_detection_counts_claims_status_on_labelled_sentences(
    make_report: ReportBuilder,
    flood_fixture: Fixture,
    statuses: dict[str, Status],
    tp: int,
    predicted: int,
    gold: int,
) -> None:
    result = score_sentence_detection(make_report(statuses=statuses), flood_fixture)
    assert (result.prf.true_positives, result.prf.predicted, result.prf.gold) == (
        tp,
        predicted,
        gold,
    )
    assert sum(sum(row.values()) for row in result.confusion.values()) == 6
    assert result.unlocated_anchors == 0


def test_sentence_detection_locates_gold_sentences_by_anchor_position(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(statuses=ALL_RIGHT)
    # Merge the first two body sentences, as a splitter that misses a boundary would.
    first, second = report.sentences[1], report.sentences[2]
    merged = first.model_copy(update={"end": second.end, "text": ARTICLE[first.start : second.end]})
    report.sentences[1:3] = [merged]
    result = score_sentence_detection(report, flood_fixture)
    by_anchor = {o.anchor: o for o in result.outcomes}
    assert by_anchor["GENEVA, March 4"].predicted_sentence_id == merged.id
    assert by_anchor["The water authority said"].predicted_sentence_id == merged.id
    assert result.prf.true_positives == 3


def test_sentence_detection_reports_what_it_cannot_place(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(statuses=ALL_RIGHT)
    report.sentences = [s for s in report.sentences if not s.text.startswith("Mayor")]
    extra = report.sentences[0].model_copy(update={"status": Status.claims})
    report.sentences[0] = extra  # the heading, unlabelled as claims in gold: skipped there
    result = score_sentence_detection(report, flood_fixture)
    assert result.unlocated_anchors == 1
    assert result.confusion["claims"]["not_found"] == 1
    assert result.confusion["skipped"]["claims"] == 1


# --------------------------------------------------------------------------------------------
# Claim alignment
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "The authority said 1,200 homes lost power.",
            ["author", "1,200", "home", "lost", "power"],
        ),
        ("Route 9 was NOT closed", ["rout", "9", "not", "close"]),
        ("Ruiz's plan costs $3.5 million", ["ruiz", "plan", "cost", "3.5", "million"]),
        ("It is what it is.", []),
    ],
)
def test_content_tokens(text: str, tokens: list[str]) -> None:
    assert content_tokens(text) == tokens


@pytest.mark.parametrize(
    ("a", "b", "f1"),
    [
        ("Flood water closed Route 9.", "Route 9 was closed by flood water.", 1.0),
        ("1,200 homes lost power.", "Power was lost in 1,200 homes on Tuesday.", 2 * 4 / 9),
        ("The mayor resigned.", "Turnout was 61 per cent.", 0.0),
        ("", "anything", 0.0),
    ],
)
def test_token_f1(a: str, b: str, f1: float) -> None:
    assert token_f1(a, b) == pytest.approx(f1)


@pytest.mark.parametrize(
    ("a", "b", "iou"),
    [
        ((0, 10), (0, 10), 1.0),
        ((0, 10), (5, 15), 5 / 15),
        ((0, 5), (5, 9), 0.0),
        ((2, 2), (2, 2), 0.0),
    ],
)
def test_span_overlap(a: tuple[int, int], b: tuple[int, int], iou: float) -> None:
    assert span_overlap(a, b) == pytest.approx(iou)


def test_hungarian_match_beats_greedy() -> None:
    # Greedy takes (0, 0) = 0.9 and leaves (1, 1) = 0.1; the optimum pairs crosswise for 1.6.
    assert sorted(hungarian_match([[0.9, 0.8], [0.8, 0.1]])) == [(0, 1), (1, 0)]
    assert hungarian_match([]) == []


GOLD_CLAIMS = [
    "Flood water closed Route 9 near Geneva on 3 March.",
    "1,200 homes lost power in the Geneva flood.",
    "Mayor Ana Ruiz said Route 9 would reopen on Friday 6 March.",
]


@pytest.mark.parametrize(
    ("predicted", "matched_gold"),
    [
        (GOLD_CLAIMS, [0, 1, 2]),
        (["Route 9 was closed by flood water on 3 March."], [0]),
        (["About 1,200 homes in Geneva lost power."], [1]),
        (["The mayor said the road reopens Friday."], [2]),  # names dropped: just enough
        (["Water from the flood shut the road on Tuesday."], []),  # synonyms are not seen
        (["Turnout was 61 per cent."], []),
        ([GOLD_CLAIMS[1], GOLD_CLAIMS[1]], [1]),  # one-to-one: a duplicate is a false positive
        ([], []),
    ],
    ids=[
        "identical",
        "paraphrase",
        "hedged",
        "loose",
        "synonyms",
        "unrelated",
        "duplicate",
        "none",
    ],
)
def test_align_claims_on_text(predicted: list[str], matched_gold: list[int]) -> None:
    result = align_claims(
        [ClaimForAlignment(text=t, id=f"c{i}") for i, t in enumerate(predicted)],
        [ClaimForAlignment(text=t) for t in GOLD_CLAIMS],
    )
    assert [m.gold_index for m in result.matches] == matched_gold
    assert result.prf.true_positives == len(matched_gold)
    assert result.prf.predicted == len(predicted)
    assert result.unmatched_gold == [i for i in range(3) if i not in matched_gold]


def test_the_quote_breaks_ties_but_never_makes_a_match() -> None:
    claim = "Flood water closed Route 9."
    twins = [
        ClaimForAlignment(text=claim, spans=[(50, 90)]),
        ClaimForAlignment(text=claim, spans=[(0, 40)]),
    ]
    result = align_claims([ClaimForAlignment(text=claim, spans=[(0, 40)])], twins)
    assert [m.gold_index for m in result.matches] == [1]
    unrelated = align_claims(
        [ClaimForAlignment(text="Turnout was 61 per cent.", spans=[(0, 40)])],
        [ClaimForAlignment(text=claim, spans=[(0, 40)])],
    )
    assert unrelated.matches == []


SIBLINGS = [
    "Justice William O. Douglas was born on October 16, 1898.",
    "Justice William O. Douglas served on the Supreme Court from 1939 until 1975.",
]


def test_a_sibling_fact_is_not_a_match() -> None:
    predicted, gold = [ClaimForAlignment(text=SIBLINGS[0])], [ClaimForAlignment(text=SIBLINGS[1])]
    assert align_claims(predicted, gold).matches == []
    # Without IDF the shared subject words alone lift token F1 to 0.47.
    assert len(align_claims(predicted, gold, AlignmentSettings(idf=False)).matches) == 1


def test_the_assignment_pairs_siblings_with_their_counterparts() -> None:
    predicted = [
        "Douglas served on the Supreme Court between 1939 and 1975.",
        "William O. Douglas was born in 1898.",
    ]
    result = align_claims(
        [ClaimForAlignment(text=t) for t in predicted],
        [ClaimForAlignment(text=t) for t in SIBLINGS],
    )
    assert [(m.predicted_index, m.gold_index) for m in result.matches] == [(1, 0), (0, 1)]


def test_the_threshold_is_a_setting() -> None:
    loose = AlignmentSettings(threshold=0.1)
    result = align_claims(
        [ClaimForAlignment(text="Water from the flood shut the road on Tuesday.")],
        [ClaimForAlignment(text=GOLD_CLAIMS[0])],
        loose,
    )
    assert len(result.matches) == 1 and result.settings.threshold == 0.1


def test_align_report_claims_uses_quote_offsets(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(
        claims=[
            {"text": "1,200 homes lost power after the flood.", "quote": "1,200 homes lost power"},
            {"text": "The flood was a disaster.", "quote": "What a disaster this is"},
        ]
    )
    result = align_report_claims(report, flood_fixture)
    assert [(m.predicted_id, m.gold_index) for m in result.matches] == [("c1", 1)]
    assert result.matches[0].similarity.quote_overlap == 1.0
    assert result.unmatched_predicted == [1]
    assert result.prf.gold == 3


# --------------------------------------------------------------------------------------------
# Check-worthiness
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gold", "predicted", "scores", "f1", "accuracy", "spearman"),
    [
        (
            [True, False, True, False],
            [True, False, True, False],
            [0.9, 0.1, 0.8, 0.2],
            1.0,
            1.0,
            0.8944,
        ),
        ([True, False], [False, True], [0.2, 0.8], 0.0, 0.0, -1.0),
        (
            [True, True, True],
            [True, True, False],
            [0.9, 0.8, 0.1],
            0.8,
            2 / 3,
            None,
        ),  # gold constant
        ([True, False], [True, False], [0.5, 0.5], 1.0, 1.0, None),  # scores constant
        ([True], [True], [0.9], 1.0, 1.0, None),
        ([], [], [], 1.0, None, None),
    ],
)
def test_score_checkworthiness(
    gold: list[bool],
    predicted: list[bool],
    scores: list[float],
    f1: float,
    accuracy: float | None,
    spearman: float | None,
) -> None:
    result = score_checkworthiness(gold, predicted, scores)
    assert result.positive.f1 == pytest.approx(f1)
    assert result.accuracy == (pytest.approx(accuracy) if accuracy is not None else None)
    assert result.spearman == (pytest.approx(spearman, abs=1e-4) if spearman is not None else None)


@pytest.mark.parametrize(
    ("ratings", "f1", "unrated"),
    [
        ([(0.9, CheckLabel.check_worthy), (0.2, CheckLabel.not_check_worthy)], 1.0, 0),
        ([(0.6, CheckLabel.maybe), (0.2, CheckLabel.not_check_worthy)], 0.0, 0),  # maybe is no
        ([None, (0.9, CheckLabel.check_worthy)], 0.0, 1),  # unrated counts as no; c2 is gold false
    ],
)
def test_claim_checkworthiness_on_matched_pairs(
    make_report: ReportBuilder,
    flood_fixture: Fixture,
    ratings: list[tuple[float, CheckLabel] | None],
    f1: float,
    unrated: int,
) -> None:
    report = make_report(
        claims=[
            {
                "text": GOLD_CLAIMS[0],
                "quote": "Flood water closed Route 9 on Tuesday",
                "rating": ratings[0],
            },
            {"text": GOLD_CLAIMS[2], "quote": "Mayor Ana Ruiz said the road", "rating": ratings[1]},
        ]
    )
    alignment = align_report_claims(report, flood_fixture)
    result = score_claim_checkworthiness(report, flood_fixture, alignment)
    assert result.items == 2
    assert result.positive.f1 == pytest.approx(f1)
    assert result.unrated == unrated


# --------------------------------------------------------------------------------------------
# Evidence questions and kinds
# --------------------------------------------------------------------------------------------

GOLD_QUESTIONS = ["Who closed the road?", "When did it reopen?"]


@pytest.mark.parametrize(
    ("generated", "score", "matched"),
    [
        (["Who closed the road?", "When did it reopen?"], 1.0, 2),
        (["When did it reopen?", "Who closed the road?"], 1.0, 2),  # order does not matter
        (["Who closed the road?"], 0.5, 1),  # normalised by the number of gold questions
        (["Who closed the road?"] + ["Unrelated?"] * 5 + ["When did it reopen?"], 1.0, 2),
        (["Unrelated?"] * 10 + ["Who closed the road?"], 0.0, 2),  # only the first 10 count
        ([], 0.0, 0),
    ],
)
def test_score_questions_follows_averitec(generated: list[str], score: float, matched: int) -> None:
    result = score_questions(generated, GOLD_QUESTIONS, similarity=exact_or_nothing)
    assert result.score == pytest.approx(score)
    assert len(result.matches) == matched
    assert result.generated == min(len(generated), 10)


def test_score_questions_needs_gold() -> None:
    with pytest.raises(ValueError):
        score_questions(["Anything?"], [], similarity=exact_or_nothing)


def test_score_evidence_on_matched_claims(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(
        claims=[
            {
                "text": GOLD_CLAIMS[1],
                "quote": "1,200 homes lost power",
                "evidence": [
                    (EvidenceKind.official_record, ["Which areas lost power on 3 March?"]),
                    (EvidenceKind.dataset_statistic, ["How many homes lost power?"]),
                ],
            },
            {"text": GOLD_CLAIMS[2], "quote": "Mayor Ana Ruiz said the road", "evidence": []},
        ]
    )
    result = score_evidence(
        report, flood_fixture, align_report_claims(report, flood_fixture), exact_or_nothing
    )
    by_gold = {o.gold_index: o for o in result.per_claim}
    assert by_gold[0].predicted_id is None and by_gold[0].questions is None  # gold 0 unmatched
    assert by_gold[1].questions is not None and by_gold[1].questions.matches[0].score == 1.0
    assert result.claims_with_gold_questions == 2
    assert result.matched_claims_with_gold_questions == 1
    assert result.question_score == pytest.approx(by_gold[1].questions.score)
    assert result.question_score_all == pytest.approx(by_gold[1].questions.score / 2)
    # kinds on matched claims: gold {official_record} + {primary_document}; planned 2 + 0
    assert (result.kinds.true_positives, result.kinds.predicted, result.kinds.gold) == (1, 2, 2)
    assert result.kinds.recall == 0.5


# --------------------------------------------------------------------------------------------
# Structured-output health
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stats", "requests", "reasks", "validity"),
    [
        (StageStats(calls=10, attempts=12, first_attempt_valid=8), 10, 2, 0.8),
        (StageStats(calls=10, cache_hits=10), 0, 0, None),
        (StageStats(calls=5, cache_hits=1, attempts=4, first_attempt_valid=4), 4, 0, 1.0),
        (StageStats(), 0, 0, None),
    ],
)
def test_output_health(
    stats: StageStats, requests: int, reasks: int, validity: float | None
) -> None:
    result = score_output_health(RunInfo(backend="b", model="m", stages={"extract": stats}))
    stage = result.stages[0]
    assert (stage.model_requests, stage.reasks, stage.first_attempt_validity) == (
        requests,
        reasks,
        validity,
    )


def test_output_health_adds_up_stages_and_runs() -> None:
    run = RunInfo(
        backend="b",
        model="m",
        stages={
            "select": StageStats(
                calls=4, attempts=5, first_attempt_valid=3, prompt_tokens=100, seconds=1.5
            ),
            "extract": StageStats(calls=2, attempts=2, first_attempt_valid=2, completion_tokens=40),
        },
    )
    result = score_output_health([run, run])
    assert [s.stage for s in result.stages] == ["select", "extract"]
    assert result.stages[0].calls == 8 and result.stages[0].seconds == 3.0
    assert result.total.first_attempt_validity == pytest.approx(10 / 12)
    assert (result.total.reasks, result.total.prompt_tokens, result.total.completion_tokens) == (
        2,
        200,
        80,
    )


# --------------------------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------------------------


def test_score_report_runs_every_scorer(make_report: ReportBuilder, flood_fixture: Fixture) -> None:
    report = make_report(
        statuses=ALL_RIGHT,
        claims=[
            {
                "text": GOLD_CLAIMS[0],
                "quote": "Flood water closed Route 9 on Tuesday",
                "rating": (0.9, CheckLabel.check_worthy),
                "evidence": [
                    (EvidenceKind.official_record, ["Was Route 9 closed by flooding on 3 March?"])
                ],
            }
        ],
    )
    scores = score_report(report, flood_fixture, question_similarity=exact_or_nothing)
    assert scores.fixture_id == "flood" and scores.genre == "wire"
    assert scores.grounding.rate == 1.0
    assert scores.sentences.prf.f1 == 1.0
    assert scores.claims.prf.precision == 1.0 and scores.claims.prf.recall == pytest.approx(1 / 3)
    assert scores.checkworthiness.positive.f1 == 1.0
    assert scores.evidence.question_score == 1.0
    assert scores.model_dump_json()  # serialisable for the report files


# --------------------------------------------------------------------------------------------
# Pooling over fixtures
# --------------------------------------------------------------------------------------------


def test_pool_checkworthiness_pools_pairs_not_averages() -> None:
    first = score_checkworthiness([True, False], [True, False], [0.9, 0.1])
    second = score_checkworthiness([True, True], [False, False], [0.2, 0.3])
    pooled = pool_checkworthiness([first, second])
    assert pooled.items == 4
    assert pooled.positive == binary_prf([True, False, True, True], [True, False, False, False])
    assert pooled.spearman is not None
    assert pool_checkworthiness([first, score_checkworthiness([True], [True])]).spearman is None


def test_pool_output_health_adds_stages_across_results() -> None:
    one = score_output_health(
        RunInfo(backend="b", model="m", stages={"select": StageStats(calls=2, attempts=3)})
    )
    pooled = pool_output_health([one, one])
    assert (pooled.stages[0].calls, pooled.total.reasks) == (4, 2)


def test_summarise_fixture_scores(make_report: ReportBuilder, flood_fixture: Fixture) -> None:
    good = make_report(
        statuses=ALL_RIGHT,
        claims=[
            {
                "text": GOLD_CLAIMS[1],
                "quote": "1,200 homes lost power",
                "rating": (0.9, CheckLabel.check_worthy),
                "evidence": [
                    (EvidenceKind.official_record, ["Which areas lost power on 3 March?"])
                ],
            }
        ],
        run=RunInfo(backend="b", model="m", stages={"extract": StageStats(calls=3, attempts=4)}),
    )
    bad = make_report(claims=[{"text": "Nothing like it.", "quote": "x", "span": (0, 1)}])
    scores = [
        score_report(report, flood_fixture, question_similarity=exact_or_nothing)
        for report in (good, bad)
    ]
    suite = summarise_fixture_scores(scores)
    assert suite.fixtures == ["flood", "flood"]
    assert (suite.grounding.claims, suite.grounding.grounded) == (2, 1)
    assert suite.grounding.ungrounded[0].claim_id == "flood/c1"
    assert (suite.sentences.true_positives, suite.sentences.gold) == (3, 6)
    assert (suite.claims.true_positives, suite.claims.predicted, suite.claims.gold) == (1, 2, 6)
    assert suite.question_score == pytest.approx(0.5)  # one of two gold questions, exactly
    assert suite.question_score_all == pytest.approx(0.5 / 4)
    assert suite.health.total.calls == 3


# --------------------------------------------------------------------------------------------
# Support and claimers
# --------------------------------------------------------------------------------------------


def test_a_claim_is_supported_by_its_quote_and_context_not_by_other_facts(
    make_report: ReportBuilder,
) -> None:
    report = make_report(
        claims=[
            # decontextualised: "the road" -> "Route 9" comes from the sentences before
            {"text": "Route 9 would reopen on Friday.", "quote": "the road would reopen on Friday"},
            # another sentence's fact on this quote, and a fact of no sentence at all
            {"text": "1,200 homes lost power.", "quote": "Flood water closed Route 9 on Tuesday"},
            {"text": "The mayor resigned after protests.", "quote": "the road would reopen"},
        ]
    )
    result = score_support(report)
    assert (result.claims, result.supported) == (3, 1)
    assert [u.claim_id for u in result.unsupported] == ["c2", "c3"]
    assert "resign" in result.unsupported[1].missing


def test_the_article_date_supports_a_claim_however_the_dateline_writes_it() -> None:
    # a claim dates an event "on Thursday" of the article's own day in words
    for written in ("2017-09-07", "September 7, 2017", "07-09-2017"):
        words = date_words(written)
        assert words.startswith(written) and "7 September 2017 Thursday" in words
        grounds = ["the siege ended", words]
        assert claim_support("The siege ended on Thursday.", grounds).supported
    assert date_words("not a date") == "not a date" and date_words(None) == ""


def test_claimers_are_scored_on_matched_claims(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(
        claims=[
            {"text": "Flood water closed Route 9 on 3 March.",
             "quote": "Flood water closed Route 9 on Tuesday"},
            {"text": "1,200 homes lost power in the flood.", "quote": "1,200 homes lost power",
             "claimer": "The water authority"},
            {"text": "Mayor Ana Ruiz said Route 9 would reopen on Friday.",
             "quote": "Mayor Ana Ruiz said the road would reopen on Friday",
             "claimer": "Mayor Ana Ruiz"},  # gold: the author reports the saying
        ]
    )
    alignment = align_report_claims(report, flood_fixture)
    result = score_claimers(report, flood_fixture, alignment)
    assert (result.matched, result.claimer_right) == (3, 2)
    assert result.claimer_accuracy == pytest.approx(2 / 3)
    assert [(m.gold, m.predicted) for m in result.misses] == [("the author", "Mayor Ana Ruiz")]


# --------------------------------------------------------------------------------------------
# Question quality: how the questions read, whatever the gold
# --------------------------------------------------------------------------------------------


def test_question_quality_counts_restating_duplicate_and_malformed_questions(
    make_report: ReportBuilder,
) -> None:
    report = make_report(claims=[
        {
            "text": "The water authority said 1,200 homes lost power.",
            "quote": "The water authority said 1,200 homes lost power.",
            "evidence": [(EvidenceKind.official_record, [
                "How many homes lost power?",  # 5 words, one fact
                "Did the water authority say 1,200 homes lost power?",  # restates
                "How many homes lost power?",  # asked already
            ])],
        },
        {
            "text": "Flood water closed Route 9 on Tuesday.",
            "quote": "Flood water closed Route 9 on Tuesday.",
            "evidence": [(EvidenceKind.independent_report, [
                "Which roads did the flood close?",  # one fact: not restating (F1 0.44)
                "Which roads did the flood close on Tuesday.?",  # a clause end before its "?"
                'Was it "closed on Tuesday?',  # an unbalanced quotation mark
            ])],
        },
    ])
    quality = score_question_quality(report.claims)
    assert (quality.questions, quality.restating, quality.duplicates, quality.malformed) == (
        6, 1, 1, 2)
    assert quality.lengths == [5, 9, 5, 6, 8, 5] and quality.median_words == 5.5
    assert quality.restate_rate == pytest.approx(1 / 6)
    pooled = quality + quality
    assert (pooled.questions, pooled.duplicates, pooled.median_words) == (12, 2, 5.5)
    assert QuestionQuality().restate_rate is None and QuestionQuality().median_words is None


@pytest.mark.parametrize(
    ("question", "ok"),
    [
        ("How many homes lost power?", True),
        ('Did the mayor call it "a disaster"?', True),
        ("how many homes lost power?", False),
        ("How many homes lost power", False),
        ("How many homes lost power.?", False),
        ("Did it happen? When?", False),
        # the shapes a question cut from a whole claim takes (issue 25)
        ("When were soldiers killed in the days before 6 there, not to mention others?", False),
        ("Did the army destroy 9 trucks, as well as three depots.?", False),
        ("Did the unit complete its patrols, and they managed through careful…?", False),
        ("Does the ruling mark a step toward defeating one of the?", False),
        ("Did the board meet on 6 May 2026?", True),
        ("How many hours before 6 pm did the polls close?", True),
    ],
)
def test_a_well_formed_question(question: str, ok: bool) -> None:
    assert well_formed(question) is ok
