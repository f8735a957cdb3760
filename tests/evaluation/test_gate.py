"""The gate, the per-claim diff, baselines and report files, on the flood fixture (no model)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support.flood_article import ReportBuilder
from workbench.core.errors import ConfigError
from workbench.core.schema import CheckLabel, EvidenceKind, Report, Status
from workbench.evaluation.baselines import (
    ALL,
    bless,
    load_baseline,
    predictions_of,
    rebuild_report,
)
from workbench.evaluation.claim_diff import ClaimView
from workbench.evaluation.diff import diff_claims, diff_reports
from workbench.evaluation.fixture_runner import FixtureRun
from workbench.evaluation.fixtures import Fixture, build_fixture
from workbench.evaluation.gate import (
    EvalConfig,
    compare,
    is_regression,
    load_eval_config,
    metric_deltas,
    select_fixtures,
)
from workbench.evaluation.metrics import METRICS
from workbench.evaluation.provenance import Provenance
from workbench.evaluation.render import (
    regression_line,
    render_junit,
    render_markdown,
    render_terminal,
)
from workbench.evaluation.report import build_fixture_report, write_report
from workbench.evaluation.scoring.checkworthiness import score_sentence_checkworthiness
from workbench.evaluation.scoring.suite import score_report
from workbench.evaluation.stats import Interval

ALL_RIGHT = {
    "GENEVA": Status.claims,
    "The water authority": Status.claims,
    "Mayor Ana Ruiz": Status.claims,
    "Some officials": Status.ambiguous,
}
CLOSED = {
    "text": "Flood water closed Route 9 near Geneva on 3 March.",
    "quote": "Flood water closed Route 9 on Tuesday",
    "rating": (1.0, CheckLabel.check_worthy),
    "evidence": [(EvidenceKind.official_record, ["Was Route 9 closed by flooding on 3 March?"])],
}
POWER = {
    "text": "1,200 homes lost power in the Geneva flood.",
    "quote": "1,200 homes lost power",
    "rating": (0.75, CheckLabel.check_worthy),
    "evidence": [(EvidenceKind.official_record, ["How many homes lost power?"])],
}
REOPEN = {
    "text": "Mayor Ana Ruiz said Route 9 would reopen on Friday.",
    "quote": "Mayor Ana Ruiz said the road would reopen on Friday",
    "rating": (0.25, CheckLabel.not_check_worthy),
}
TOLERANCE = {"sentences.f1": 0.03, "claims.f1": 0.04, "health.failures": 0.0}


def provenance(**changes: Any) -> Provenance:
    base = Provenance(git_commit="abc123", git_dirty=False, backend="fake", model="fake/test",
                      started_at="2026-11-22T10:00:00+00:00",
                      finished_at="2026-11-22T10:01:00+00:00", seconds=60.0)
    return base.model_copy(update=changes)


def fixture_run(report: Report, fixture: Fixture) -> FixtureRun:
    from workbench.evaluation.heuristic import heuristic_scores

    return FixtureRun(fixture=fixture, report=report, scores=score_report(report, fixture),
                      heuristic=heuristic_scores(fixture), seconds=1.0)


# --------------------------------------------------------------------------------------------
# Sentence-level check-worthiness
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "predicted", "f1"),
    [
        # gold, per labelled sentence: heading F, GENEVA T, water T, Mayor F, disaster F, some F
        ([CLOSED, POWER], [False, True, True, False, False, False], 1.0),
        ([CLOSED, POWER, {**REOPEN, "rating": (1.0, CheckLabel.check_worthy)}],
         [False, True, True, True, False, False], 0.8),
        ([{**CLOSED, "rating": (0.5, CheckLabel.maybe)}], [False] * 6, 0.0),  # maybe is a no
        ([], [False] * 6, 0.0),
    ],
)
def test_sentence_checkworthiness(make_report: ReportBuilder, flood_fixture: Fixture,
                                  claims: list[dict[str, Any]], predicted: list[bool],
                                  f1: float) -> None:
    result = score_sentence_checkworthiness(make_report(ALL_RIGHT, claims), flood_fixture)
    assert result.gold_labels == [False, True, True, False, False, False]
    assert result.predicted_labels == predicted
    assert result.positive.f1 == pytest.approx(f1)


# --------------------------------------------------------------------------------------------
# The gate
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "baseline", "current", "tolerance", "regressed"),
    [
        ("claims.f1", 0.60, 0.57, 0.03, False),  # exactly the tolerance: allowed
        ("claims.f1", 0.60, 0.569, 0.03, True),
        ("claims.f1", 0.60, 0.90, 0.0, False),  # better is never a regression
        ("claims.f1", 0.60, None, 0.5, True),  # defined before, undefined now
        ("claims.f1", None, 0.1, 0.0, False),  # nothing to compare with
        ("health.failures", 2.0, 3.0, 1.0, False),  # lower is better
        ("health.failures", 2.0, 4.0, 1.0, True),
        ("health.failures", 2.0, 0.0, 0.0, False),
    ],
)
def test_is_regression(name: str, baseline: float | None, current: float | None,
                       tolerance: float, regressed: bool) -> None:
    assert is_regression(name, baseline, current, tolerance) is regressed


def test_metric_deltas_put_gated_metrics_first_and_flag_only_them() -> None:
    baseline = dict.fromkeys(METRICS, 0.5)
    current = {**baseline, "claims.f1": 0.3, "claims.precision": 0.1}
    deltas = metric_deltas(baseline, current, {"claims.f1": 0.05, "sentences.f1": 0.0})
    assert [d.name for d in deltas[:2]] == ["claims.f1", "sentences.f1"]
    assert [d.name for d in deltas if d.regressed] == ["claims.f1"]  # precision is not gated
    assert deltas[0].delta == pytest.approx(-0.2)
    assert len(deltas) == len(METRICS)


@pytest.mark.parametrize(
    ("rule", "low", "high", "regressed"),
    [
        ("none", -0.3, 0.1, True),  # the default: the tolerance alone, noise or not
        ("paired", -0.3, 0.1, False),  # beyond the tolerance, but zero is inside: noise
        ("paired", -0.3, -0.01, True),  # beyond the tolerance and outside the noise
        ("paired", None, None, True),  # no interval: the tolerance alone decides, and says so
    ],
)
def test_the_paired_rule_needs_the_interval_wholly_worse(
    rule: str, low: float | None, high: float | None, regressed: bool
) -> None:
    interval = None if low is None or high is None else Interval(low=low, high=high, items=10)
    deltas = metric_deltas({"claims.f1": 0.6, "health.failures": 1.0},
                           {"claims.f1": 0.5, "health.failures": 3.0},
                           {"claims.f1": 0.04, "health.failures": 1.0},
                           intervals={"claims.f1": interval} if interval else {},
                           noise={"claims.f1": rule, "health.failures": rule})  # type: ignore[dict-item]
    claims = next(d for d in deltas if d.name == "claims.f1")
    assert claims.regressed is regressed and claims.interval == interval
    assert (claims.note is not None and "tolerance alone decides" in claims.note) is (
        rule == "paired" and interval is None)
    failures = next(d for d in deltas if d.name == "health.failures")
    assert failures.regressed  # lower is better: no interval, so the tolerance decides


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[gate.tolerance]\n"claims.f1" = 0.1\n[gate.noise]\n"sentences.f1" = "paired"\n',
         "without a tolerance: sentences.f1"),
        ('[gate.tolerance]\n"checkworthiness.spearman" = 0.1\n'
         '[gate.noise]\n"checkworthiness.spearman" = "paired"\n', "no per-item scores"),
        ('[gate.tolerance]\n"claims.f1" = 0.1\n[gate.noise]\n"claims.f1" = "loose"\n',
         "'none' or 'paired'"),
        ('[gate.tolerance]\n"claims.f2" = 0.1\n', "unknown metric(s) claims.f2"),
        ('[gate.tolerance]\n"claims.f1" = -0.1\n', "0 or more"),
        ("[gate\n", "not valid TOML"),
        ('[gate]\nsubsets = ["checking"]\n[subsets]\ntuning = ["a"]\n',
         "gate.subsets names undefined subset(s): checking"),
        ("[gates]\n", "gates"),
    ],
)
def test_eval_config_errors_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_eval_config(path)


def test_committed_eval_config_names_real_fixtures() -> None:
    from workbench.evaluation.command import EVALS_DIR
    from workbench.evaluation.fixtures import load_fixtures

    config = load_eval_config(EVALS_DIR / "config.toml")
    fixtures = load_fixtures(EVALS_DIR / "fixtures")
    assert config.gate.tolerance
    for name in config.subsets:
        assert select_fixtures(fixtures, config, subset=name, ids=[])
    # Tuning and checking split the fixtures: each fixture in exactly one, and both gated.
    tuning, checking = set(config.subsets["tuning"]), set(config.subsets["checking"])
    assert not tuning & checking and tuning | checking == {f.id for f in fixtures}
    assert len(checking) >= 10 and {"tuning", "checking"} <= set(config.gate.subsets)


def test_select_fixtures(flood_fixture: Fixture) -> None:
    config = EvalConfig(subsets={"ci": ["flood"], "broken": ["nope"]})
    assert select_fixtures([flood_fixture], config, subset=None, ids=[]) == [flood_fixture]
    assert select_fixtures([flood_fixture], config, subset="ci", ids=["flood"]) == [flood_fixture]
    with pytest.raises(ConfigError, match="unknown fixture subset 'nightly'"):
        select_fixtures([flood_fixture], config, subset="nightly", ids=[])
    with pytest.raises(ConfigError, match="unknown fixture id"):
        select_fixtures([flood_fixture], config, subset="broken", ids=[])


# --------------------------------------------------------------------------------------------
# Per-claim diff
# --------------------------------------------------------------------------------------------


def view(id: str, text: str, start: int = 0, end: int = 10, **changes: Any) -> ClaimView:
    base = ClaimView(id=id, sentence_id="s1", text=text, quote="x" * (end - start), start=start,
                     end=end, claimer="the author", attribution=["the author"], type="event",
                     label="check_worthy", kinds=["official_record"], gold=1)
    return base.model_copy(update=changes)


@pytest.mark.parametrize(
    ("before", "after", "unchanged", "changes"),
    [
        ([view("c1", "Route 9 closed on Tuesday.")], [view("c1", "Route 9 closed on Tuesday.")],
         1, []),
        ([view("c1", "Route 9 closed on Tuesday.")],
         [view("c1", "Route 9 closed on Tuesday.", label="maybe", gold=None)],
         0, [("changed", ["label", "gold"])]),
        ([view("c1", "Route 9 closed on Tuesday.")],
         [view("c1", "Flood water closed Route 9 on Tuesday.")], 0, [("changed", ["text"])]),
        ([view("c1", "Route 9 closed on Tuesday.")],
         [view("c1", "Route 9 closed on Tuesday."), view("c2", "1,200 homes lost power.", 20, 40)],
         1, [("added", [])]),
        ([view("c1", "Route 9 closed on Tuesday."), view("c2", "1,200 homes lost power.", 20, 40)],
         [view("c2", "1,200 homes lost power.", 20, 40)], 1, [("dropped", [])]),
        ([view("c1", "Route 9 closed on Tuesday.")], [view("c9", "The mayor likes parks.")],
         0, [("dropped", []), ("added", [])]),
    ],
)
def test_diff_claims(before: list[ClaimView], after: list[ClaimView], unchanged: int,
                     changes: list[tuple[str, list[str]]]) -> None:
    count, found = diff_claims(before, after)
    assert count == unchanged
    assert sorted((c.change, c.fields) for c in found) == sorted(changes)


def test_diff_reports_shows_claims_and_sentence_statuses(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    before = make_report(ALL_RIGHT, [CLOSED, POWER])
    after = make_report({**ALL_RIGHT, "The water authority": Status.no_claim},
                        [CLOSED, {**REOPEN, "rating": None}])
    diff = diff_reports(before, after, flood_fixture)
    assert diff.counts() == {"added": 1, "dropped": 1, "changed": 0}
    dropped = next(c for c in diff.claims if c.change == "dropped")
    assert dropped.before is not None and dropped.before.gold == 2  # it was a correct claim
    assert [(s.before, s.after, s.gold) for s in diff.sentences] == [
        ("claims", "no_claim", "claims")
    ]


# --------------------------------------------------------------------------------------------
# Baselines: bless, compare, re-score
# --------------------------------------------------------------------------------------------


def test_predictions_rebuild_the_report_they_came_from(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    rebuilt = rebuild_report(predictions_of(report, flood_fixture), flood_fixture)
    assert score_report(rebuilt, flood_fixture) == score_report(report, flood_fixture)


def test_rebuilt_report_keeps_the_article_date_the_run_found(
    make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    """Claims resolve "on Tuesday" against the date the run found; a rebuilt report without it
    would score their support lower than the run did."""
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    dated = report.model_copy(update={"article": report.article.model_copy(
        update={"date": "2026-03-07"})})
    rebuilt = rebuild_report(predictions_of(dated, flood_fixture), flood_fixture)
    assert rebuilt.article.date == "2026-03-07"
    assert rebuilt.article.text == flood_fixture.article.text


def _bless(tmp_path: Path, report: Report, fixture: Fixture) -> Path:
    path = tmp_path / "baselines" / "fake.json"
    bless(path, backend="fake", provenance=provenance(), reports={fixture.id: report},
          fixtures={fixture.id: fixture}, subsets={"ci": [fixture.id], "other": ["x"]},
          previous=load_baseline(path))
    return path


def _compare(path: Path, report: Report, fixture: Fixture):  # type: ignore[no-untyped-def]
    baseline = load_baseline(path)
    assert baseline is not None
    return compare(baseline, path, reports={fixture.id: report},
                   scores={fixture.id: score_report(report, fixture)},
                   fixtures={fixture.id: fixture}, tolerance=TOLERANCE)


def test_same_run_passes_against_its_own_baseline(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    path = _bless(tmp_path, report, flood_fixture)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert set(stored["sets"]) == {ALL, "ci"}  # 'other' names a fixture the baseline lacks
    comparison = _compare(path, report, flood_fixture)
    assert comparison.regressions == [] and comparison.baseline_source == "blessed"
    assert all(d.delta == 0 for d in comparison.deltas if d.delta is not None)
    assert all(diff.empty for diff in comparison.diffs)


def test_a_baseline_better_than_reality_names_the_regressed_metrics(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    path = _bless(tmp_path, report, flood_fixture)
    stored = json.loads(path.read_text(encoding="utf-8"))
    for metrics in (stored["sets"][ALL]["metrics"], stored["sets"]["ci"]["metrics"]):
        metrics["claims.f1"] = 0.95
        metrics["sentences.f1"] = 1.0  # it is 1.0 already: not a regression
    path.write_text(json.dumps(stored), encoding="utf-8")
    comparison = _compare(path, report, flood_fixture)
    assert comparison.regressions == ["claims.f1"]


def test_a_gated_subset_regresses_on_its_own_while_the_pooled_numbers_hold(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture,
    fixture_data: dict[str, Any]
) -> None:
    second = build_fixture({**fixture_data, "id": "flood-again"}, origin="flood-again.yaml")
    fixtures = {"flood": flood_fixture, "flood-again": second}
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    reports = {"flood": report, "flood-again": report}
    path = tmp_path / "baselines" / "fake.json"
    subsets = {"tuning": ["flood"], "checking": ["flood-again"]}
    bless(path, backend="fake", provenance=provenance(), reports=reports, fixtures=fixtures,
          subsets=subsets, previous=None)
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["sets"]["checking"]["metrics"]["claims.f1"] = 0.99  # the subset's number only
    path.write_text(json.dumps(stored), encoding="utf-8")
    baseline = load_baseline(path)
    assert baseline is not None
    comparison = compare(baseline, path, reports=reports,
                         scores={i: score_report(report, f) for i, f in fixtures.items()},
                         fixtures=fixtures, tolerance=TOLERANCE, subsets=subsets)
    assert not any(d.regressed for d in comparison.deltas)  # the whole set holds
    assert comparison.subsets["tuning"].regressions == []  # and so does tuning
    assert comparison.regressions == ["claims.f1 (checking)"]
    checking = comparison.subsets["checking"]
    assert checking.regressions == ["claims.f1"] and checking.baseline_source == "blessed"

    run = build_fixture_report([fixture_run(report, f) for f in fixtures.values()],
                               provenance(), baseline_backend="fake", subset=None,
                               comparison=comparison, subsets=subsets)
    assert list(run.sets) == ["tuning", "checking"]
    assert run.sets["checking"].fixtures == ["flood-again"]
    line = regression_line(run)
    assert line is not None and line.startswith("regression in 1 metric(s)")
    assert "checking: claims.f1" in line
    terminal = render_terminal(run)
    assert "by subset" in terminal and "checking (1)" in terminal and "REGRESSION" in terminal
    assert "## By subset" in render_markdown(run) and "**regression**" in render_markdown(run)
    suite = ET.fromstring(render_junit(run)).find("testsuite")
    assert suite is not None
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [("gate.checking",
                                                                       "claims.f1")]


def test_a_subset_partly_in_the_run_or_the_whole_run_is_not_gated_on_its_own(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    path = _bless(tmp_path, report, flood_fixture)
    baseline = load_baseline(path)
    assert baseline is not None
    # Partly in the run, or the whole run (that is the pooled comparison): not on its own.
    subsets = {"checking": ["flood", "another-article"], "tuning": ["flood"]}
    comparison = compare(baseline, path, reports={"flood": report},
                         scores={"flood": score_report(report, flood_fixture)},
                         fixtures={"flood": flood_fixture}, tolerance=TOLERANCE, subsets=subsets)
    assert comparison.subsets == {} and comparison.regressions == []
    run = build_fixture_report([fixture_run(report, flood_fixture)], provenance(),
                               baseline_backend="fake", subset=None, comparison=comparison,
                               subsets=subsets)
    assert run.sets == {} and "by subset" not in render_terminal(run)


def test_worse_predictions_regress_and_show_in_the_diff(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    path = _bless(tmp_path, make_report(ALL_RIGHT, [CLOSED, POWER]), flood_fixture)
    worse = make_report({**ALL_RIGHT, "The water authority": Status.no_claim}, [CLOSED])
    comparison = _compare(path, worse, flood_fixture)
    assert comparison.regressions == ["sentences.f1", "claims.f1"]
    assert comparison.fixture_regressions == {"flood": ["sentences.f1", "claims.f1"]}
    assert comparison.diffs[0].counts()["dropped"] == 1
    report = build_fixture_report([fixture_run(worse, flood_fixture)], provenance(),
                                  baseline_backend="fake", subset=None, comparison=comparison)
    line = regression_line(report)
    assert line is not None and line.startswith("regression in 2 metric(s)")
    assert "sentences.f1" in line and "claims.f1" in line


def test_deltas_carry_paired_intervals_and_a_hand_edited_baseline_falls_back(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture
) -> None:
    path = _bless(tmp_path, make_report(ALL_RIGHT, [CLOSED, POWER]), flood_fixture)
    worse = make_report({**ALL_RIGHT, "The water authority": Status.no_claim}, [CLOSED])
    comparison = _compare(path, worse, flood_fixture)
    sentences = next(d for d in comparison.deltas if d.name == "sentences.f1")
    assert sentences.interval is not None and sentences.interval.items == 6  # gold sentences
    assert sentences.interval.low < 0 and sentences.note is None
    assert next(d for d in comparison.deltas if d.name == "claims.f1").interval is None  # 1 article

    stored = json.loads(path.read_text(encoding="utf-8"))
    for entry in stored["sets"].values():
        entry["metrics"]["sentences.f1"] = 0.95  # blessed numbers its predictions do not give
    path.write_text(json.dumps(stored), encoding="utf-8")
    baseline = load_baseline(path)
    assert baseline is not None
    comparison = compare(baseline, path, reports={"flood": worse},
                         scores={"flood": score_report(worse, flood_fixture)},
                         fixtures={"flood": flood_fixture}, tolerance=TOLERANCE,
                         noise={"sentences.f1": "paired"})
    sentences = next(d for d in comparison.deltas if d.name == "sentences.f1")
    assert sentences.regressed and sentences.interval is None
    assert sentences.note is not None and "give 1.000, not its 0.950" in sentences.note
    assert sentences.note.endswith("the tolerance alone decides")
    report = build_fixture_report([fixture_run(worse, flood_fixture)], provenance(),
                                  baseline_backend="fake", subset=None, comparison=comparison)
    assert "note: sentences.f1: the baseline's per-item scores give" in render_terminal(report)


def test_relabelled_fixture_is_rescored_not_blamed(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture,
    fixture_data: dict[str, Any]
) -> None:
    report = make_report(ALL_RIGHT, [CLOSED, POWER])
    path = _bless(tmp_path, report, flood_fixture)
    fixture_data["claims"][2]["check_worthy"] = True  # a labeller changes their mind
    relabelled = build_fixture(fixture_data, origin="flood.yaml")
    comparison = _compare(path, report, relabelled)
    assert comparison.relabelled == ["flood"] and comparison.baseline_source == "re-scored"
    assert comparison.regressions == []


def test_changed_article_is_not_compared(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture,
    fixture_data: dict[str, Any]
) -> None:
    path = _bless(tmp_path, make_report(ALL_RIGHT, [CLOSED]), flood_fixture)
    fixture_data["text"] += "\n\nA new closing line."
    edited = build_fixture(fixture_data, origin="flood.yaml")
    baseline = load_baseline(path)
    assert baseline is not None
    comparison = compare(baseline, path, reports={"flood": make_report(ALL_RIGHT, [CLOSED])},
                         scores={}, fixtures={"flood": edited}, tolerance=TOLERANCE)
    assert comparison.article_changed == ["flood"] and comparison.fixtures == []
    assert comparison.regressions == []


def test_bless_keeps_other_fixtures(
    tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture,
    fixture_data: dict[str, Any]
) -> None:
    path = _bless(tmp_path, make_report(ALL_RIGHT, [CLOSED]), flood_fixture)
    fixture_data["id"] = "flood-2"
    second = build_fixture(fixture_data, origin="flood-2.yaml")
    baseline = bless(path, backend="fake", provenance=provenance(),
                     reports={"flood-2": make_report(ALL_RIGHT, [POWER])},
                     fixtures={"flood": flood_fixture, "flood-2": second}, subsets={},
                     previous=load_baseline(path))
    assert sorted(baseline.fixtures) == ["flood", "flood-2"]
    assert baseline.sets[ALL].fixtures == ["flood", "flood-2"]


def test_broken_baseline_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.json"
    path.write_text('{"format": 1}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a baseline file"):
        load_baseline(path)
    assert load_baseline(tmp_path / "missing.json") is None


# --------------------------------------------------------------------------------------------
# Report files
# --------------------------------------------------------------------------------------------


def test_report_files(tmp_path: Path, make_report: ReportBuilder, flood_fixture: Fixture) -> None:
    path = _bless(tmp_path, make_report(ALL_RIGHT, [CLOSED, POWER]), flood_fixture)
    worse = make_report(ALL_RIGHT, [CLOSED])
    report = build_fixture_report(
        [fixture_run(worse, flood_fixture)], provenance(), baseline_backend="fake", subset="ci",
        comparison=_compare(path, worse, flood_fixture))
    folder = write_report(report, tmp_path / "reports")
    assert folder.name == "20261122T100000Z-fake"
    assert {p.name for p in folder.iterdir()} == {"report.json", "summary.md", "junit.xml"}
    assert (tmp_path / "reports" / "latest" / "RUN").read_text().strip() == folder.name
    saved = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert saved["provenance"]["git_commit"] == "abc123"
    assert saved["heuristic"]["sentences.f1"] is not None
    interval = saved["intervals"]["sentences.f1"]  # over the fixture's 6 gold sentences
    assert interval["items"] == 6 and interval["low"] <= saved["metrics"]["sentences.f1"]
    assert "claims.f1" not in saved["intervals"]  # one article: nothing to resample

    suite = ET.fromstring(render_junit(report)).find("testsuite")
    assert suite is not None
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert set(cases) == {("fixtures", "flood"), *(("gate", name) for name in TOLERANCE)}
    failure = cases[("gate", "claims.f1")].find("failure")
    assert failure is not None and "regression" in str(failure.get("message"))
    assert "0.500 vs baseline 0.800 (delta -0.300; tolerance 0.040)" in str(failure.get("message"))
    assert cases[("gate", "sentences.f1")].find("failure") is None
    assert cases[("fixtures", "flood")].find("failure") is not None  # localises the change
    assert suite.get("failures") == "2"

    markdown = render_markdown(report)
    assert "**regression in 1 metric(s)" in markdown and "| claims.f1 |" in markdown
    assert "| 95% interval |" in markdown and "| delta 95% interval |" in markdown
    assert "- c2 [s1]" in markdown  # the dropped claim, in the per-claim diff
    terminal = render_terminal(report, folder)
    assert "REGRESSION" in terminal and "1 dropped" in terminal
