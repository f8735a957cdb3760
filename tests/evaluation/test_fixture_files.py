"""Every fixture under evals/fixtures loads, and a report that restates its gold scores perfectly.

The second test ties the loader and the scorers together on real fixtures: if a report made
from the gold labels does not get full marks, either a fixture or a scorer is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.schema import (
    CheckLabel,
    Checkworthiness,
    Claim,
    EvidenceNeed,
    Report,
    Role,
    RunInfo,
    Sentence,
    Status,
)
from workbench.evaluation.fixtures import (
    Fixture,
    find_all,
    fixture_set_hash,
    load_fixture,
    load_fixtures,
    reference_sentence_spans,
)
from workbench.evaluation.scoring.suite import score_report
from workbench.evaluation.scoring.support import score_support
from workbench.language.segment import article_date, classify_paragraphs

FIXTURE_FOLDER = Path(__file__).resolve().parents[2] / "evals" / "fixtures"
FIXTURE_FILES = sorted(FIXTURE_FOLDER.glob("*.yaml")) if FIXTURE_FOLDER.is_dir() else []

needs_fixtures = pytest.mark.skipif(not FIXTURE_FILES, reason=f"no fixtures in {FIXTURE_FOLDER}")


@needs_fixtures
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_loads(path: Path) -> None:
    fixture = load_fixture(path)
    assert fixture.id == path.stem
    assert fixture.sentences, "a fixture without gold sentences scores nothing"


@needs_fixtures
def test_the_fixture_set_loads_with_a_stable_hash() -> None:
    fixtures = load_fixtures(FIXTURE_FOLDER)
    assert len(fixtures) == len(FIXTURE_FILES)
    assert fixture_set_hash(fixtures) == fixture_set_hash(load_fixtures(FIXTURE_FOLDER))


def report_from_gold(fixture: Fixture) -> Report:
    """The report a perfect pipeline would write, built from the gold labels alone."""
    text = fixture.article.text
    spans = reference_sentence_spans(text)
    status_at: dict[int, str] = {}
    for gold_sentence in fixture.sentences:
        start = text.index(gold_sentence.anchor)
        status_at[next(i for i, (s, e) in enumerate(spans) if s <= start < e)] = (
            gold_sentence.status
        )
    sentences = [
        Sentence(
            id=f"s{i + 1}",
            index=i,
            paragraph=0,
            start=start,
            end=end,
            text=text[start:end],
            role=Role.body,
            status=Status(status_at.get(i, "no_claim")),
        )
        for i, (start, end) in enumerate(spans)
    ]
    claims = []
    for number, gold in enumerate(fixture.claims, 1):
        start = next(
            s
            for s in find_all(text, gold.quote)
            for sentence in sentences
            if sentence.status == Status.claims
            and sentence.start <= s
            and s + len(gold.quote) <= sentence.end
        )
        evidence = [
            EvidenceNeed(
                kind=kind,
                need="gold",
                questions=(gold.questions or ["placeholder?"]) if k == 0 else ["placeholder?"],
            )
            for k, kind in enumerate(gold.evidence_kinds)
        ]
        claims.append(
            Claim(
                id=f"c{number}",
                sentence_id="s1",
                text=gold.text,
                quote=gold.quote,
                start=start,
                end=start + len(gold.quote),
                claimer=gold.claimer,
                attribution=gold.attribution,
                type=gold.type,
                checkworthiness=Checkworthiness(
                    score=1.0 if gold.check_worthy else 0.0,
                    label=CheckLabel.check_worthy
                    if gold.check_worthy
                    else CheckLabel.not_check_worthy,
                    rationale="gold",
                ),
                evidence=evidence,
            )
        )
    paragraphs = classify_paragraphs(text)
    return Report(
        article=fixture.article.model_copy(update={"date": article_date(text, paragraphs)}),
        paragraphs=[],
        sentences=sentences,
        claims=claims,
        run=RunInfo(backend="gold", model="gold"),
    )


def same_question(generated: str, gold: str) -> float:
    return float(generated == gold)


@needs_fixtures
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_the_gold_report_scores_perfectly(path: Path) -> None:
    fixture = load_fixture(path)
    scores = score_report(report_from_gold(fixture), fixture, question_similarity=same_question)
    assert scores.grounding.rate in {1.0, None}
    assert scores.sentences.prf.f1 == 1.0
    assert scores.sentences.unlocated_anchors == 0
    assert scores.claims.prf.f1 == 1.0
    assert all(m.predicted_index == m.gold_index for m in scores.claims.matches)
    assert scores.claimers.claimer_accuracy in {1.0, None}
    assert scores.claimers.chain_accuracy in {1.0, None}
    assert scores.checkworthiness.positive.f1 == 1.0
    assert scores.evidence.question_score in {1.0, None}
    assert scores.evidence.kinds.recall == 1.0


@needs_fixtures
def test_the_support_threshold_passes_the_gold_claims() -> None:
    """claims.supported is calibrated on people's claims: they decontextualise freely (names,
    dates, "the levy" for "it") and 95% or more of them must still count as supported, or the
    measure would punish what the guidelines ask for."""
    fixtures = [load_fixture(path) for path in FIXTURE_FILES]
    results = [score_support(report_from_gold(fixture)) for fixture in fixtures]
    claims = sum(r.claims for r in results)
    assert claims > 100
    assert sum(r.supported for r in results) / claims >= 0.95
