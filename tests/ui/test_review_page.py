"""The Review page under AppTest: decisions, edits, a missed claim, evidence, fixture, exports."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.support.fake_reports import ARTICLE
from tests.support.ui_steps import by_label, check_text
from workbench.core.schema import Report
from workbench.evaluation.fixtures import load_fixture
from workbench.ui import common

REVIEW = "views/review.py"


def reviewed(app: AppTest) -> Report:
    report = app.session_state[common.REPORT]
    assert isinstance(report, Report)
    return report


def open_review(app: AppTest) -> AppTest:
    check_text(app, ARTICLE)
    app.switch_page(REVIEW)
    app.run()
    assert not app.exception, app.exception
    return app


def test_without_a_report_it_points_to_check(app: AppTest) -> None:
    app.switch_page(REVIEW)
    app.run()
    assert "check an article first" in app.info[0].value
    assert not app.exception


def test_accept_reject_and_undo(app: AppTest) -> None:
    open_review(app)
    assert app.selectbox(key="review-pick").value == "c1"
    by_label(app.button, "Accept").click()
    app.run()
    assert reviewed(app).claims[0].review == "accepted"
    by_label(app.button, "Next").click()
    app.run()
    assert app.selectbox(key="review-pick").value == "c2"
    by_label(app.button, "Reject").click()
    app.run()
    assert [c.review for c in reviewed(app).claims[:2]] == ["accepted", "rejected"]
    by_label(app.button, "Undo decision").click()
    app.run()
    assert reviewed(app).claims[1].review == "unreviewed"
    assert "1 accepted" in app.caption[1].value


def test_edit_a_claim_and_its_evidence(app: AppTest) -> None:
    open_review(app)
    by_label(app.text_area, "Claim (atomic, standalone restatement)").set_value(
        "The county closed Route 9 near Geneva on Monday 3 March 2025."
    )
    by_label(app.text_input, "Claimer", 0).set_value("the county")
    by_label(app.selectbox, "Check-worthiness", 0).set_value("maybe")
    by_label(app.button, "Save claim").click()
    app.run()
    claim = reviewed(app).claims[0]
    assert (claim.text, claim.claimer, claim.review) == (
        "The county closed Route 9 near Geneva on Monday 3 March 2025.",
        "the county",
        "edited",
    )
    assert claim.checkworthiness is not None and claim.checkworthiness.label.value == "maybe"

    questions = [t for t in app.text_area if t.label == "Questions (one per line)"]
    assert len(questions) == 2  # the planned need and an empty slot for a new one
    questions[1].set_value("Was Route 9 closed on 3 March 2025\nWho ordered it?")
    [t for t in app.text_input if t.label == "What would settle it"][1].set_value(
        "the county's closure notice"
    )
    [s for s in app.selectbox if s.label == "Kind"][1].set_value("official_record")
    by_label(app.button, "Save evidence plan").click()
    app.run()
    assert not app.error, [e.value for e in app.error]
    needs = reviewed(app).claims[0].evidence
    assert len(needs) == 2 and needs[1].kind.value == "official_record"  # the planned one kept
    assert needs[1].questions == ["Was Route 9 closed on 3 March 2025?", "Who ordered it?"]


def test_an_evidence_need_without_questions_is_refused(app: AppTest) -> None:
    open_review(app)
    [t for t in app.text_area if t.label == "Questions (one per line)"][0].set_value("")
    by_label(app.button, "Save evidence plan").click()
    app.run()
    assert [e.value for e in app.error] == ["an evidence need has at least one question"]
    assert reviewed(app).claims[0].evidence[0].questions


def test_add_a_missed_claim_by_choosing_a_span(app: AppTest) -> None:
    open_review(app)
    before = len(reviewed(app).claims)
    sentence = next(s for s in reviewed(app).sentences if s.text.startswith("Is this"))
    assert app.selectbox(key="add-sentence").value == sentence.id  # first body sentence w/o claim
    app.selectbox(key="add-sentence").set_value(sentence.id)
    app.run()
    app.select_slider(key=f"add-span-{sentence.id}").set_range(2, 6)
    app.run()
    context = [h.proto.body for h in app.html if "<mark>" in h.proto.body]
    assert any("<mark>the worst flood in memory?</mark>" in c for c in context)
    by_label(app.button, "Add claim").click()
    app.run()
    claims = reviewed(app).claims
    assert len(claims) == before + 1
    added = next(c for c in claims if c.review == "added")
    assert added.quote == "the worst flood in memory?" and added.sentence_id == sentence.id
    assert app.success[0].value.startswith(f"Added {added.id}")


def test_save_as_fixture_writes_a_fixture_the_eval_suite_loads(app: AppTest, workdir: Path) -> None:
    open_review(app)
    by_label(app.button, "Reject").click()
    app.run()
    folder = workdir / "fixtures"
    by_label(app.text_input, "Fixture folder").set_value(str(folder))
    by_label(app.text_input, "Fixture id (lowercase, dashes)").set_value("reviewed-flood")
    by_label(app.text_input, "Labeller (initials or name)").set_value("QA")
    by_label(app.button, "Save as fixture").click()
    app.run()
    assert not app.error, [e.value for e in app.error]
    assert "reviewed-flood.yaml" in app.success[0].value
    fixture = load_fixture(folder / "reviewed-flood.yaml")
    unreviewed = len(reviewed(app).claims) - 1
    assert any(f"{unreviewed} claim(s) still unreviewed" in w.value for w in app.warning)
    assert fixture.claims == []  # one rejected, the rest unreviewed: nothing is gold yet
    assert fixture.labeller == "QA" and fixture.genre.value == "reviewed"
    by_label(app.button, "Save as fixture").click()
    app.run()
    assert "exists; choose another fixture id" in app.error[0].value


def test_exports_and_fixture_download_are_offered(app: AppTest) -> None:
    open_review(app)
    labels = [b.label for b in app.get("download_button")]
    assert labels == [
        "Export JSON",
        "Export CSV",
        "Markdown brief",
        "AVeriTeC JSON",
        "CheckThat! TSV",
        "ClaimReview JSON-LD",
        "Download fixture YAML (article inline)",
    ]
