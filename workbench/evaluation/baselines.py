"""Committed baselines: ``evals/baselines/<backend>.json``, what the gate compares a run with.

A baseline keeps two things per backend:

- **metrics as blessed**, for the whole fixture set and each named subset of the eval config
  (``sets``); the gate compares with these numbers, so raising one by hand makes the gate fail;
- **the predictions** per fixture (sentence statuses, claims with ratings and evidence, the
  stage statistics), compact enough to commit, complete enough to rebuild a ``Report``. They give
  the per-claim diff, and they let the gate re-score the baseline when the comparison needs
  numbers that were not blessed: a fixture set that is not a stored set, or a fixture whose
  labels changed since (its ``fixture_hash`` differs) — scored with today's labels and scorers
  on both sides, a relabelling is not mistaken for a regression.

``--bless`` replaces the entries of the fixtures it ran and keeps the others.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from workbench.core.errors import ConfigError
from workbench.core.schema import Claim, Failure, Report, Role, RunInfo, Sentence, Status, Strict
from workbench.evaluation.fixtures import Fixture, fixture_hash
from workbench.evaluation.heuristic import heuristic_scores
from workbench.evaluation.metrics import MetricValues, suite_metrics
from workbench.evaluation.provenance import Provenance
from workbench.evaluation.scoring.suite import FixtureScores, score_report, summarise_fixture_scores

BASELINE_FORMAT = 1
ALL = "all"


class PredictedSentence(Strict):
    """A sentence without its text (the fixture holds the article)."""

    id: str
    index: int
    paragraph: int
    start: int
    end: int
    role: Role
    status: Status
    reason: str = ""


class FixturePredictions(Strict):
    """Everything a run predicted for one fixture; rebuilds a ``Report`` with the fixture."""

    fixture_hash: str = Field(description="fixture_hash of the fixture when predicted.")
    article_sha256: str = Field(description="SHA-256 of the article text the offsets refer to.")
    article_date: str | None = Field(
        default=None,
        description="The article date the run found (claims' relative dates were resolved "
        "against it; the support measure reads it).",
    )
    sentences: list[PredictedSentence]
    claims: list[Claim]
    failures: list[Failure] = Field(default_factory=list)
    run: RunInfo


class MetricSet(Strict):
    """Metrics of one fixture set, for the backend and for the heuristic beside it."""

    fixtures: list[str]
    metrics: MetricValues
    heuristic: MetricValues


class Baseline(Strict):
    format: Literal[1] = 1
    backend: str = Field(description="The config backend name this baseline belongs to.")
    model: str
    blessed_at: str
    provenance: Provenance = Field(description="Of the run that blessed it last.")
    sets: dict[str, MetricSet] = Field(description="'all' and each named subset, as blessed.")
    fixtures: dict[str, FixturePredictions]


def article_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def predictions_of(report: Report, fixture: Fixture) -> FixturePredictions:
    return FixturePredictions(
        fixture_hash=fixture_hash(fixture),
        article_sha256=article_sha256(report.article.text),
        article_date=report.article.date,
        sentences=[
            PredictedSentence(id=s.id, index=s.index, paragraph=s.paragraph, start=s.start,
                              end=s.end, role=s.role, status=s.status, reason=s.reason)
            for s in report.sentences
        ],
        claims=report.claims,
        failures=report.failures,
        run=report.run,
    )


def rebuild_report(predictions: FixturePredictions, fixture: Fixture) -> Report:
    """The report the predictions came from, over the fixture's article with the date the run
    found (paragraphs omitted)."""
    article = fixture.article
    if predictions.article_date is not None:
        article = article.model_copy(update={"date": predictions.article_date})
    if predictions.article_sha256 != article_sha256(article.text):
        raise ConfigError(f"fixture {fixture.id!r}: its article changed since the baseline")
    claim_ids: dict[str, list[str]] = {}
    for claim in predictions.claims:
        claim_ids.setdefault(claim.sentence_id, []).append(claim.id)
    sentences = [
        Sentence(**s.model_dump(), text=article.text[s.start : s.end],
                 claim_ids=claim_ids.get(s.id, []))
        for s in predictions.sentences
    ]
    return Report(article=article, paragraphs=[], sentences=sentences,
                  claims=predictions.claims, failures=predictions.failures, run=predictions.run)


def metrics_of(scores: Sequence[FixtureScores]) -> MetricValues:
    return suite_metrics(summarise_fixture_scores(scores))


def metric_set(ids: Iterable[str], backend: Mapping[str, FixtureScores],
               heuristic: Mapping[str, FixtureScores]) -> MetricSet:
    chosen = sorted(ids)
    return MetricSet(
        fixtures=chosen,
        metrics=metrics_of([backend[i] for i in chosen]),
        heuristic=metrics_of([heuristic[i] for i in chosen]),
    )


def load_baseline(path: Path) -> Baseline | None:
    """The baseline at ``path``; None when there is none; a broken file is a ConfigError."""
    if not path.is_file():
        return None
    try:
        return Baseline.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0]
        raise ConfigError(
            f"{path}: not a baseline file ({first}); re-create it with --bless"
        ) from None


def bless(
    path: Path,
    *,
    backend: str,
    provenance: Provenance,
    reports: Mapping[str, Report],
    fixtures: Mapping[str, Fixture],
    subsets: Mapping[str, Sequence[str]],
    previous: Baseline | None,
) -> Baseline:
    """Write the baseline: this run's fixtures replace theirs; other fixtures of ``previous``
    whose article is unchanged are kept. Metrics of every stored set are computed afresh with
    today's labels and scorers."""
    entries: dict[str, FixturePredictions] = {}
    if previous is not None:
        for fixture_id, old in previous.fixtures.items():
            fixture = fixtures.get(fixture_id)
            if fixture is not None and old.article_sha256 == article_sha256(fixture.article.text):
                entries[fixture_id] = old
    for fixture_id, report in reports.items():
        entries[fixture_id] = predictions_of(report, fixtures[fixture_id])
    entries = dict(sorted(entries.items()))
    backend_scores = {
        i: score_report(rebuild_report(p, fixtures[i]), fixtures[i]) for i, p in entries.items()
    }
    heuristic = {i: heuristic_scores(fixtures[i]) for i in entries}
    sets = {ALL: metric_set(entries, backend_scores, heuristic)}
    for name, ids in subsets.items():
        if ids and all(i in entries for i in ids):
            sets[name] = metric_set(ids, backend_scores, heuristic)
    baseline = Baseline(
        backend=backend,
        model=provenance.model,
        blessed_at=provenance.finished_at or provenance.started_at,
        provenance=provenance,
        sets=sets,
        fixtures=entries,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # One key per line: a re-bless shows in `git diff` claim by claim.
    path.write_text(json.dumps(baseline.model_dump(mode="json"), indent=1, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    return baseline
