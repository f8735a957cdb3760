"""Two reports of one article compared (workbench.review.compare): paired, added, dropped,
changed."""

from __future__ import annotations

import pytest

from tests.support.fake_reports import fake_report
from workbench.core.errors import UserError
from workbench.core.schema import CheckLabel, Report, StageStats, Status
from workbench.review.compare import compare_reports, figures
from workbench.review.corrections import edit_claim


@pytest.fixture(scope="module")
def report() -> Report:
    return fake_report()


def test_a_report_compared_with_itself_is_all_same(report: Report) -> None:
    comparison = compare_reports(report, report)
    assert [p.kind for p in comparison.pairs] == ["same"] * len(report.claims)
    assert all(p.a is not None and p.b is not None and p.a.id == p.b.id for p in comparison.pairs)
    assert (
        comparison.summary() == f"{len(report.claims)} aligned ({len(report.claims)} same, "
        "0 changed) · 0 added · 0 dropped"
    )
    assert comparison.sentence_changes == []


def test_added_dropped_and_changed_claims_are_named(report: Report) -> None:
    other = edit_claim(report, "c2", label=CheckLabel.not_check_worthy, claimer="the utility")
    other = other.model_copy(deep=True)
    dropped = other.claims.pop(0)  # B misses A's first claim
    extra = other.claims[-1].model_copy(
        update={
            "id": "c9",
            "text": "Nobody knows whether this is the worst flood in memory.",
        }
    )
    other.claims.append(extra)
    other.sentences[-2].status = Status.ambiguous
    comparison = compare_reports(report, other, label_a="embedded", label_b="gpt")
    kinds = {(p.a.id if p.a else None, p.b.id if p.b else None): p for p in comparison.pairs}
    assert kinds[(dropped.id, None)].kind == "dropped"
    assert kinds[(None, "c9")].kind == "added"
    changed = kinds[("c2", "c2")]
    assert changed.kind == "changed"
    assert changed.changes == ("claimer", "label")
    assert comparison.count("same") == 2
    assert [p.position for p in comparison.pairs] == sorted(p.position for p in comparison.pairs)
    assert comparison.sentence_changes == [(other.sentences[-2].id, "no_claim", "ambiguous")]
    assert (comparison.a.label, comparison.b.label) == ("embedded", "gpt")


def test_figures_add_up_the_stages(report: Report) -> None:
    costly = report.model_copy(deep=True)
    costly.run.stages = {
        "select": StageStats(prompt_tokens=100, completion_tokens=5, cost_usd=0.01),
        "extract": StageStats(prompt_tokens=50, completion_tokens=20, cost_usd=0.02),
    }
    result = figures(costly, "A")
    assert (result.prompt_tokens, result.completion_tokens, result.tokens) == (150, 25, 175)
    assert result.cost_usd == pytest.approx(0.03)
    assert result.claims == len(report.claims)
    assert "select" in result.prompts and result.backend == "fake"


def test_different_articles_are_refused(report: Report) -> None:
    other = fake_report("The mayor said 12 homes flooded on Monday.", "other.txt")
    with pytest.raises(UserError, match="different article texts"):
        compare_reports(report, other)


def test_both_screens_share_one_rule_for_changed(report: Report) -> None:
    """Case and white space do not make a change, on the Compare page or in the eval diff."""
    from workbench.evaluation.claim_diff import claim_view
    from workbench.evaluation.diff import diff_claims

    other = report.model_copy(deep=True)
    other.claims[0].text = "  " + other.claims[0].text.upper().replace(" ", "  ")
    other.claims[1].claimer = other.claims[1].claimer.upper()
    other.claims[2].text = other.claims[2].text.rstrip(".") + ", officials confirmed."
    pairs = compare_reports(report, other).pairs
    unchanged, changes = diff_claims([claim_view(c) for c in report.claims],
                                     [claim_view(c) for c in other.claims])
    assert [p.kind for p in pairs].count("same") == unchanged == len(report.claims) - 1
    changed = next(p for p in pairs if p.kind != "same")
    assert (changed.kind, changed.changes) == ("changed", ("text",))
    assert [(c.change, c.fields) for c in changes] == [("changed", ["text"])]
