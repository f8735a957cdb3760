"""Every fixture scorer on one report (``score_report``), and the results of a fixture set pooled
into one line of numbers (``summarise_fixture_scores``, micro-averaged)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import Field

from workbench.classifier.rank import check_first
from workbench.core.schema import Report, Strict
from workbench.evaluation.fixtures import Fixture
from workbench.evaluation.scoring.alignment import (
    AlignmentSettings,
    ClaimAlignmentResult,
    align_report_claims,
)
from workbench.evaluation.scoring.checkworthiness import (
    CheckworthinessResult,
    pool_checkworthiness,
    score_claim_checkworthiness,
    score_sentence_checkworthiness,
)
from workbench.evaluation.scoring.claimers import ClaimerResult, pool_claimers, score_claimers
from workbench.evaluation.scoring.evidence import (
    EvidenceResult,
    mean_question_score,
    score_evidence,
)
from workbench.evaluation.scoring.grounding import GroundingResult, UngroundedClaim, score_grounding
from workbench.evaluation.scoring.health import (
    OutputHealthResult,
    pool_output_health,
    score_output_health,
)
from workbench.evaluation.scoring.prf import PRF, sum_prf
from workbench.evaluation.scoring.question_quality import QuestionQuality, score_question_quality
from workbench.evaluation.scoring.ranking import RankingScore, fixture_ranking, mean_ranking
from workbench.evaluation.scoring.sentences import SentenceDetectionResult, score_sentence_detection
from workbench.evaluation.scoring.support import SupportResult, score_support
from workbench.evaluation.scoring.wellformed import WellFormed, score_wellformed


class FixtureScores(Strict):
    """Every scorer's result for one report against one fixture."""

    fixture_id: str
    genre: str
    grounding: GroundingResult
    support: SupportResult
    sentences: SentenceDetectionResult
    claims: ClaimAlignmentResult
    claimers: ClaimerResult
    checkworthiness: CheckworthinessResult
    sentence_checkworthiness: CheckworthinessResult = Field(
        description="Per gold-labelled sentence: does it carry a check-worthy claim?"
    )
    evidence: EvidenceResult
    question_quality: QuestionQuality = Field(
        default_factory=QuestionQuality, description="How the planned questions read."
    )
    wellformed: WellFormed = Field(
        default_factory=WellFormed, description="Predicted claims that read as sentences."
    )
    health: OutputHealthResult
    ranking: RankingScore = Field(
        default_factory=lambda: RankingScore(gold=0, hits=[]),
        description="The check-first order against the gold check-worthy claims.",
    )


def score_report(
    report: Report,
    fixture: Fixture,
    settings: AlignmentSettings | None = None,
    question_similarity: Callable[[str, str], float] | None = None,
) -> FixtureScores:
    """Run every fixture scorer on one report; claims are aligned once and reused downstream."""
    alignment = align_report_claims(report, fixture, settings)
    return FixtureScores(
        fixture_id=fixture.id,
        genre=fixture.genre.value,
        grounding=score_grounding(report),
        support=score_support(report),
        sentences=score_sentence_detection(report, fixture),
        claims=alignment,
        claimers=score_claimers(report, fixture, alignment),
        checkworthiness=score_claim_checkworthiness(report, fixture, alignment),
        sentence_checkworthiness=score_sentence_checkworthiness(report, fixture),
        evidence=score_evidence(report, fixture, alignment, question_similarity),
        question_quality=score_question_quality(report.claims),
        wellformed=score_wellformed(c.text for c in report.claims),
        health=score_output_health(report.run),
        ranking=fixture_ranking(
            report, fixture, alignment, [r.claim.id for r in check_first(report)]
        ),
    )


class SuiteScores(Strict):
    """Fixture scores pooled over a set of fixtures (micro-averaged: counts are added up)."""

    fixtures: list[str] = Field(description="Ids of the fixtures pooled.")
    grounding: GroundingResult = Field(description="Ungrounded claim ids as 'fixture/claim'.")
    support: SupportResult = Field(description="Unsupported claim ids as 'fixture/claim'.")
    sentences: PRF
    claims: PRF
    claimers: ClaimerResult
    checkworthiness: CheckworthinessResult
    sentence_checkworthiness: CheckworthinessResult
    question_score: float | None = Field(
        description="Mean question score over all matched gold claims with gold questions."
    )
    question_score_all: float | None = Field(
        description="Same over all gold claims with questions, unmatched ones scoring 0."
    )
    kinds: PRF
    question_quality: QuestionQuality = Field(default_factory=QuestionQuality)
    wellformed: WellFormed = Field(default_factory=WellFormed)
    health: OutputHealthResult
    ranking: dict[str, float | None] = Field(
        default_factory=dict, description="P@3, P@5 and MAP of the check-first order."
    )


def summarise_fixture_scores(scores: Sequence[FixtureScores]) -> SuiteScores:
    """Pool per-fixture results into one line of numbers (group by genre first for a breakdown)."""
    ungrounded = [
        UngroundedClaim(claim_id=f"{s.fixture_id}/{u.claim_id}", reason=u.reason)
        for s in scores
        for u in s.grounding.ungrounded
    ]
    claims = sum(s.grounding.claims for s in scores)
    grounded = sum(s.grounding.grounded for s in scores)
    supported = sum(s.support.supported for s in scores)
    question_scores = [
        o.questions for s in scores for o in s.evidence.per_claim if o.questions is not None
    ]
    with_questions = sum(s.evidence.claims_with_gold_questions for s in scores)
    return SuiteScores(
        fixtures=[s.fixture_id for s in scores],
        grounding=GroundingResult(
            claims=claims,
            grounded=grounded,
            rate=grounded / claims if claims else None,
            ungrounded=ungrounded,
        ),
        support=SupportResult(
            claims=claims,
            supported=supported,
            rate=supported / claims if claims else None,
            unsupported=[
                u.model_copy(update={"claim_id": f"{s.fixture_id}/{u.claim_id}"})
                for s in scores
                for u in s.support.unsupported
            ],
        ),
        sentences=sum_prf(s.sentences.prf for s in scores),
        claims=sum_prf(s.claims.prf for s in scores),
        claimers=pool_claimers(s.claimers for s in scores),
        checkworthiness=pool_checkworthiness(s.checkworthiness for s in scores),
        sentence_checkworthiness=pool_checkworthiness(s.sentence_checkworthiness for s in scores),
        question_score=mean_question_score(question_scores),
        question_score_all=(
            sum(q.score for q in question_scores) / with_questions if with_questions else None
        ),
        kinds=sum_prf(s.evidence.kinds for s in scores),
        question_quality=sum((s.question_quality for s in scores), QuestionQuality()),
        wellformed=sum((s.wellformed for s in scores), WellFormed()),
        ranking=mean_ranking([s.ranking for s in scores]),
        health=pool_output_health(s.health for s in scores),
    )
