"""Reviewer corrections (workbench.review.corrections) and the reviewed report saved as an eval
fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.fake_reports import ARTICLE, SEED_FILES, fake_report
from workbench.core.schema import CheckLabel, ClaimType, Report, Status
from workbench.evaluation.fixtures import build_fixture, load_fixture
from workbench.evaluation.scoring.alignment import align_report_claims
from workbench.evaluation.scoring.sentences import score_sentence_detection
from workbench.review.corrections import (
    ReviewError,
    add_claim,
    draft_fixture,
    edit_claim,
    edit_evidence,
    evidence_need,
    fixture_id_for,
    fixture_yaml,
    parse_lines,
    review_counts,
    save_fixture,
    sentence_words,
    set_decision,
    word_span,
)


@pytest.fixture(scope="module")
def report() -> Report:
    return fake_report()


def accept_the_rest(report: Report) -> Report:
    """The reviewer's last step: accept every claim still unreviewed."""
    for claim in report.claims:
        if claim.review == "unreviewed":
            report = set_decision(report, claim.id, "accepted")
    return report


def test_decisions_return_a_new_report_and_leave_the_input_alone(report: Report) -> None:
    accepted = set_decision(report, "c1", "accepted")
    rejected = set_decision(accepted, "c2", "rejected")
    assert [c.review for c in rejected.claims[:3]] == ["accepted", "rejected", "unreviewed"]
    assert report.claims[0].review == "unreviewed"
    assert set_decision(rejected, "c2", "unreviewed").claims[1].review == "unreviewed"
    assert review_counts(rejected) == {
        "unreviewed": 2,
        "accepted": 1,
        "edited": 0,
        "added": 0,
        "rejected": 1,
    }


@pytest.mark.parametrize(
    ("claim_id", "decision", "message"),
    [("c99", "accepted", "no claim 'c99'"), ("c1", "maybe", "decision must be one of")],
)
def test_bad_decisions_are_one_line_errors(
    report: Report, claim_id: str, decision: str, message: str
) -> None:
    with pytest.raises(ReviewError, match=message):
        set_decision(report, claim_id, decision)


def test_editing_a_claim_marks_it_edited_and_keeps_its_quote(report: Report) -> None:
    edited = edit_claim(
        report,
        "c1",
        text="The county closed Route 9 on 3 March 2025.",
        claimer="the county",
        attribution=["the author", "the county"],
        type=ClaimType.event,
        label=CheckLabel.maybe,
    )
    claim = edited.claims[0]
    assert claim.review == "edited"
    assert (claim.quote, claim.start, claim.end) == (
        report.claims[0].quote,
        report.claims[0].start,
        report.claims[0].end,
    )
    assert claim.checkworthiness is not None
    assert (claim.checkworthiness.label, claim.checkworthiness.score) == (CheckLabel.maybe, 0.5)
    assert claim.checkworthiness.rationale == "set by a reviewer"
    assert edit_claim(report, "c1", text=report.claims[0].text).claims[0].review == "unreviewed"


def test_an_empty_claim_text_is_refused(report: Report) -> None:
    with pytest.raises(ReviewError, match="claim text must not be empty"):
        edit_claim(report, "c1", text="   ")


def test_evidence_needs_from_form_fields(report: Report) -> None:
    need = evidence_need(
        "official_record",
        "the county's road closure notice",
        "Did the county close Route 9 on Monday\n- When did it reopen?\n\n",
        "county website\nlocal news",
        "2025-03-03",
    )
    assert need.questions == ["Did the county close Route 9 on Monday?", "When did it reopen?"]
    assert need.where == ["county website", "local news"]
    edited = edit_evidence(report, "c1", [need])
    assert edited.claims[0].evidence == [need]
    assert edited.claims[0].review == "edited"
    with pytest.raises(ReviewError, match="at least one question"):
        evidence_need("official_record", "x", " \n ")
    with pytest.raises(ReviewError, match="at most 5"):
        evidence_need("official_record", "x", "\n".join(f"q{i}" for i in range(6)))
    assert parse_lines(" * a \n\n- b") == ["a", "b"]


def test_adding_a_missed_claim_by_word_span(report: Report) -> None:
    sentence = next(s for s in report.sentences if s.text.startswith("Nobody really"))
    assert [w.text for w in sentence_words(sentence)] == ["Nobody", "really", "knows."]
    start, end = word_span(sentence, 0, 1)
    added = add_claim(
        report,
        sentence.id,
        start,
        end,
        text="Nobody knows it.",
        type=ClaimType.property,
        label=CheckLabel.not_check_worthy,
    )
    claim = next(c for c in added.claims if c.review == "added")
    assert claim.quote == "Nobody really" == added.article.text[claim.start : claim.end]
    assert claim.id not in {c.id for c in report.claims}
    assert [c.start for c in added.claims] == sorted(c.start for c in added.claims)
    holder = next(s for s in added.sentences if s.id == sentence.id)
    assert holder.status == Status.claims and claim.id in holder.claim_ids
    assert set_decision(added, claim.id, "accepted").claims[-1].review == "added"
    with pytest.raises(ReviewError, match="must lie inside sentence"):
        add_claim(report, sentence.id, start - 5, end, text="x")
    with pytest.raises(ReviewError, match="choose words between"):
        word_span(sentence, 2, 1)


def test_saved_fixture_loads_and_holds_the_review(report: Report, tmp_path: Path) -> None:
    reviewed = set_decision(report, "c3", "rejected")  # the residents' claim is not kept
    reviewed = edit_claim(reviewed, "c4", label=CheckLabel.not_check_worthy)
    nobody = next(s for s in reviewed.sentences if s.text.startswith("Nobody"))
    reviewed = add_claim(reviewed, nobody.id, *word_span(nobody, 0, 2), text="Nobody knows.")
    reviewed = accept_the_rest(reviewed)
    path, draft = save_fixture(
        reviewed,
        tmp_path,
        fixture_id="reviewed-flood",
        raw_input=ARTICLE,
        source_name="flood.md",
        labeller="AR",
    )
    assert path == tmp_path / "reviewed-flood.yaml"
    assert (tmp_path / "articles" / "reviewed-flood.md").read_text() == ARTICLE
    fixture = load_fixture(path)
    assert fixture.genre.value == "reviewed" and fixture.labeller == "AR"
    assert fixture.article.text == report.article.text
    gold = {c.quote: c for c in fixture.claims}
    assert not any("Residents" in quote for quote in gold)
    assert gold[report.claims[3].quote].check_worthy is False
    assert "Nobody really knows." in gold
    status = {s.anchor.split()[0]: s.status for s in fixture.sentences}
    assert status["Residents"] == "no_claim"  # its only claim was rejected
    assert status["Subscribe"] == "skipped" and status["Is"] == "no_claim"
    assert draft.notes == []
    # The reviewed report itself scores perfectly on its own fixture: a regression test.
    kept = reviewed.model_copy(deep=True)
    kept.claims = [c for c in kept.claims if c.review != "rejected"]
    for sentence in kept.sentences:
        if sentence.status == Status.claims and not any(
            c.sentence_id == sentence.id for c in kept.claims
        ):
            sentence.status = Status.no_claim
    assert align_report_claims(kept, fixture).prf.f1 == 1.0
    assert score_sentence_detection(kept, fixture).prf.f1 == 1.0


def test_saving_refuses_to_overwrite_and_bad_ids(report: Report, tmp_path: Path) -> None:
    save_fixture(report, tmp_path, fixture_id="flood", raw_input=ARTICLE, source_name="flood.md")
    with pytest.raises(ReviewError, match="exists; choose another"):
        save_fixture(
            report, tmp_path, fixture_id="flood", raw_input=ARTICLE, source_name="flood.md"
        )
    save_fixture(
        report,
        tmp_path,
        fixture_id="flood",
        raw_input=ARTICLE,
        source_name="flood.md",
        overwrite=True,
    )
    with pytest.raises(ReviewError, match="lowercase letters"):
        save_fixture(
            report, tmp_path, fixture_id="Bad Id", raw_input=ARTICLE, source_name="flood.md"
        )
    with pytest.raises(ReviewError, match="would not reproduce"):
        save_fixture(
            report,
            tmp_path,
            fixture_id="other",
            raw_input=ARTICLE + "\nMore text.",
            source_name="flood.md",
        )
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["flood.md", "flood.yaml"]


def test_pasted_input_keeps_the_format_it_was_read_in(tmp_path: Path) -> None:
    pasted = (
        "<html><body><p>The council approved 12 new homes on Monday, the mayor said.</p>"
        "<p>Critics called it too little.</p></body></html>"
    )
    report = fake_report(pasted, "pasted text")
    path, _ = save_fixture(
        report, tmp_path, fixture_id="pasted", raw_input=pasted, source_name="pasted text"
    )
    assert (tmp_path / "articles" / "pasted.html").is_file()
    assert load_fixture(path).article.text == report.article.text


def test_inline_fixture_yaml_loads(report: Report) -> None:
    document = fixture_yaml(accept_the_rest(report), fixture_id=fixture_id_for(report))
    data = yaml.safe_load(document)
    assert data["id"] == "reviewed-flood-closes-route-9"
    assert data["text"] == report.article.text
    assert build_fixture(data, origin="inline").claims


@pytest.mark.parametrize("seed", SEED_FILES, ids=[p.stem for p in SEED_FILES])
def test_seed_articles_save_as_loadable_fixtures(seed: Path, tmp_path: Path) -> None:
    """The real seeds: boilerplate, footnotes and quotes survive the round trip."""
    raw = seed.read_bytes()
    report = accept_the_rest(fake_report(raw, seed.name))
    path, draft = save_fixture(
        report, tmp_path, fixture_id="seed", raw_input=raw, source_name=seed.name
    )
    fixture = load_fixture(path)
    assert len(fixture.claims) + sum("left out" in n for n in draft.notes) == len(report.claims)
    assert fixture.sentences


def test_draft_leaves_failed_sentences_unlabelled(report: Report) -> None:
    broken = report.model_copy(deep=True)
    target = next(s for s in broken.sentences if s.text.startswith("Is this"))
    target.status = Status.failed
    draft = draft_fixture(broken, fixture_id="x-flood")
    assert not any(s["anchor"].startswith("Is this") for s in draft.data["sentences"])


def test_only_what_a_reviewer_decided_becomes_gold(report: Report) -> None:
    """Unreviewed claims (and sentences holding only them) stay out; questions are gold only
    where the reviewer saved the evidence plan: no eval of the model against itself."""
    first, second = report.claims[0], report.claims[1]
    reviewed = set_decision(report, first.id, "accepted")
    reviewed = edit_evidence(
        reviewed,
        second.id,
        [evidence_need("official_record", "the closure notice", "Was the road closed?", "")],
    )
    data = draft_fixture(reviewed, fixture_id="honest").data
    quotes = {claim["quote"]: claim for claim in data["claims"]}
    assert set(quotes) == {first.quote, second.quote}
    assert "questions" not in quotes[first.quote]  # accepted, but nobody vouched for its plan
    assert quotes[second.quote]["questions"] == ["Was the road closed?"]
    undecided = [c for c in reviewed.claims if c.review == "unreviewed"]
    labelled = " ".join(s["anchor"] for s in data["sentences"])
    for claim in undecided:
        sentence = next(s for s in reviewed.sentences if s.id == claim.sentence_id)
        if not any(
            c.sentence_id == sentence.id for c in reviewed.claims if c.review != "unreviewed"
        ):
            assert sentence.text[:20] not in labelled
