"""The Check page under AppTest, on fake backends (the UI logic, not the model)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import workbench.llm.fake
from tests.support.fake_reports import ARTICLE, SEED_FILES
from tests.support.ui_steps import by_label, captions, check_text, claim_count, summary
from workbench.core.errors import BackendError
from workbench.core.schema import Report
from workbench.llm.fake import heuristic_responder
from workbench.ui import common


def test_first_view_offers_input_backends_and_run(app: AppTest) -> None:
    assert list(app.button_group[0].options) == ["Paste", "Upload", "Sample"]
    assert app.selectbox(key="backend").options == [
        "builtin · builtin/classifier+rules",
        "embedded · embedded/smollm2-135m-instruct",
        "fake · fake/heuristic",
        "fake2 · fake/second",
    ]
    assert app.selectbox(key="backend").value == "fake"
    assert [b.label for b in app.button] == ["Run check", "Stop"]


def test_running_without_an_article_asks_for_one(app: AppTest) -> None:
    by_label(app.button, "Run check").click()
    app.run()
    assert "Paste an article" in app.warning[0].value


def test_pasted_article_gives_summary_highlights_claims_and_sentences(app: AppTest) -> None:
    check_text(app, ARTICLE)
    assert summary(app) == "4 claims · 4 check-worthy · 10 sentences · 0 ambiguous"
    report: Report = app.session_state[common.REPORT]
    article = next(
        h.proto.body
        for h in app.html
        if "wb-article" in h.proto.body and '<div class="wb-article">' in h.proto.body
    )
    assert article.count("<mark") == 4
    assert "<script>" not in article and "&lt;script&gt;" in article
    check_first = app.dataframe[0].value  # the check-first list opens the results
    assert list(check_first["rank"]) == [1, 2, 3, 4]
    assert all(why.startswith(f"ranked {rank}: ") for rank, why in
               zip(check_first["rank"], check_first["why"], strict=True))
    assert sorted(check_first["id"]) == ["c1", "c2", "c3", "c4"]
    claims_table = app.dataframe[1].value
    assert list(claims_table["id"]) == ["c1", "c2", "c3", "c4"]
    assert [e.label.split(" · ")[0] for e in app.expander if e.label.startswith("c")] == [
        "c1",
        "c2",
        "c3",
        "c4",
    ]
    sentences = app.dataframe[2].value
    assert set(sentences["status"]) == {"skipped", "claims", "no claim"}
    assert "heading: heading" in set(sentences["reason"])
    assert len(report.sentences) == len(sentences)
    assert not app.error


def test_filters_narrow_table_and_highlights(app: AppTest) -> None:
    check_text(app, ARTICLE)
    key = f"check-{app.session_state[common.REVISION]}"
    app.multiselect(key=f"{key}-f-claimer").set_value(["Geneva Power"])
    app.run()
    assert list(app.dataframe[0].value["id"]) == ["c2"]  # the check-first list
    assert list(app.dataframe[1].value["id"]) == ["c2"]  # the claims table
    article = next(h.proto.body for h in app.html if '<div class="wb-article">' in h.proto.body)
    assert article.count("<mark") == 1
    app.multiselect(key=f"{key}-f-claimer").set_value([])
    app.text_input(key=f"{key}-f-search").set_value("repairs")
    app.run()
    assert list(app.dataframe[1].value["id"]) == ["c4"]


def test_topics_rank_first_and_filter_the_claims(app: AppTest) -> None:
    topic = "power cuts and electricity outages in homes"
    app.text_area(key="topics").set_value(topic)
    check_text(app, ARTICLE)
    report: Report = app.session_state[common.REPORT]
    assert report.topics == [topic]
    about = [c.id for c in report.claims if c.topics]
    assert about and len(about) < len(report.claims)
    check_first = app.dataframe[0].value
    assert list(check_first["id"])[: len(about)] == about  # on the topic first
    assert f"about '{topic}'" in check_first["why"][0]
    key = f"check-{app.session_state[common.REVISION]}"
    assert app.multiselect(key=f"{key}-f-topic").options == [topic, common.NO_TOPIC]
    app.multiselect(key=f"{key}-f-topic").set_value([topic])
    app.run()
    assert list(app.dataframe[1].value["id"]) == about
    app.multiselect(key=f"{key}-f-topic").set_value([common.NO_TOPIC])
    app.run()
    assert set(app.dataframe[1].value["id"]) == {c.id for c in report.claims} - set(about)


def test_selecting_a_claim_shows_its_span_and_plan(app: AppTest) -> None:
    check_text(app, ARTICLE)
    app.selectbox(key=common.SELECTED).set_value("c2")
    app.run()
    article = next(h.proto.body for h in app.html if '<div class="wb-article">' in h.proto.body)
    assert article.count('class="wb-sel"') == 1
    context = [h.proto.body for h in app.html if '<div class="wb-context">' in h.proto.body]
    assert any("<mark>About 1,200 homes lost power" in c for c in context)
    text = "\n".join(str(m.value) for m in app.markdown)
    assert "**Who claims it:** the author → Geneva Power" in text
    assert "claimer source" in text and "Where to look" in text
    assert [e for e in app.expander if e.label.startswith("c2 ")][0].proto.expanded


def test_table_row_selection_selects_the_claim(app: AppTest) -> None:
    check_text(app, ARTICLE)
    table_key = f"check-{app.session_state[common.REVISION]}-table"
    app.session_state[table_key] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    app.run()
    assert app.session_state[common.SELECTED] == "c3"
    article = next(h.proto.body for h in app.html if '<div class="wb-article">' in h.proto.body)
    assert article.count('class="wb-sel"') == 1


def test_export_buttons_carry_the_report(app: AppTest) -> None:
    check_text(app, ARTICLE)
    labels = [b.label for b in app.get("download_button")]
    assert labels[:6] == [
        "Export JSON",
        "Export CSV",
        "Markdown brief",
        "AVeriTeC JSON",
        "CheckThat! TSV",
        "ClaimReview JSON-LD",
    ]
    report: Report = app.session_state[common.REPORT]
    assert json.loads(report.model_dump_json())["claims"][0]["id"] == "c1"


def test_upload_html_and_pick_a_sample(app: AppTest) -> None:
    app.button_group[0].set_value("Upload")
    app.run()
    page = (
        b"<html><head><title>x</title></head><body><article><h1>Port strike</h1>"
        b"<p>Dock workers in Rotterdam struck for 48 hours on Tuesday, the union said.</p>"
        b"<p>Freight rates rose 12 percent, according to Drewry.</p></article></body></html>"
    )
    app.get("file_uploader")[0].upload("strike.html", page, "text/html")
    app.run()
    by_label(app.button, "Run check").click()
    app.run()
    assert not app.exception
    assert app.session_state[common.REPORT].article.input_format == "html"
    assert claim_count(app) >= 1
    if not SEED_FILES:
        pytest.skip("no seed articles beside the repository")
    app.button_group[0].set_value("Sample")
    app.run()
    assert Path(app.selectbox(key="sample").value).resolve() == SEED_FILES[0].resolve()
    by_label(app.button, "Run check").click()
    app.run()
    assert app.session_state[common.REPORT].article.source == SEED_FILES[0].name
    assert claim_count(app) >= 5


def test_a_second_run_comes_from_the_cache(app: AppTest) -> None:
    check_text(app, ARTICLE)
    assert "0 cached steps" in captions(app)
    by_label(app.button, "Run check").click()
    app.run()
    assert ", 0 answered now (0 model tokens)" in captions(app)
    assert summary(app) == "4 claims · 4 check-worthy · 10 sentences · 0 ambiguous"


def test_a_stopped_run_says_how_to_resume(app: AppTest) -> None:
    check_text(app, ARTICLE)
    partial = app.session_state[common.REPORT].model_copy(update={"claims": []})
    app.session_state[common.PARTIAL] = partial
    app.run()
    warning = app.warning[0].value
    assert warning.startswith(
        "The last run was stopped after 18 finished steps "
        "(select 6 · extract 4 · checkworthiness 4 · evidence 4)."
    )
    assert "resume where it stopped" in warning


def test_failed_sentences_are_listed_and_the_rest_kept(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky(request: Any) -> dict[str, Any]:
        if request.stage == "select" and "1,200 homes" in request.variables.get("sentence", ""):
            return {"checkable": "perhaps"}  # invalid: this sentence fails after validation
        return heuristic_responder(request)

    monkeypatch.setattr(workbench.llm.fake, "heuristic_responder", flaky)
    check_text(app, ARTICLE)
    assert summary(app) == "3 claims · 3 check-worthy · 10 sentences · 0 ambiguous · 1 failed"
    assert (
        "1 step(s) failed after retries; the rest of the article is complete"
        in app.warning[0].value
    )
    sentences = app.dataframe[-1].value
    failed = sentences[sentences["status"] == "failed"]
    assert len(failed) == 1 and "no valid output" in failed["reason"].iloc[0]
    assert not app.error and not app.exception


def test_claims_are_listed_while_their_sentences_are_extracted(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The backend goes down at the last sentence's extraction, so the run never finishes: the
    # claims the page shows were drawn by the progress callback while the extract stage ran.
    def down_at_the_last_sentence(request: Any) -> dict[str, Any]:
        if request.stage == "extract" and "repairs will cost" in request.variables["sentence"]:
            raise BackendError("fake", "cannot connect (is the server running?)", unreachable=True)
        return heuristic_responder(request)

    monkeypatch.setattr(workbench.llm.fake, "heuristic_responder", down_at_the_last_sentence)
    check_text(app, ARTICLE)
    assert "cannot connect" in app.error[0].value and common.REPORT not in app.session_state
    partial: Report = app.session_state[common.PARTIAL]
    assert [c.id for c in partial.claims] == ["c1", "c2", "c3"]
    assert all(c.checkworthiness is None for c in partial.claims)  # not rated yet
    listed = [
        line for m in app.markdown for line in m.value.splitlines() if line.startswith("- **c")
    ]
    assert listed == [common.live_claim_line(c) for c in partial.claims]
    assert listed[1].startswith("- **c2** · Geneva Power · About 1,200 homes lost power")
    assert not app.dataframe  # the list of a running check, not the rated table or the result


def test_unreachable_backend_is_one_line_error(make_app: Callable[..., AppTest]) -> None:
    app = make_app(
        'default = "down"\n[backends.down]\nmodel = "openai/x"\n'
        'api_base = "http://127.0.0.1:9/v1"\nretries = 0\ntimeout = 5\n'
    )
    check_text(app, ARTICLE)
    assert len(app.error) == 1
    message = app.error[0].value
    assert message.startswith("backend 'down'") and "\n" not in message
    assert "Traceback" not in message and common.REPORT not in app.session_state


def test_bad_config_is_one_line_error(write_config: Callable[[str], Path]) -> None:
    path = write_config("default = 'nope'\n")
    app = AppTest.from_file(str(Path(common.__file__).parent / "app.py"), default_timeout=30)
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "unknown backend 'nope'; configured backends: builtin, embedded"
    ]
    assert path.is_file()


def test_two_sessions_never_share_results(make_app: Callable[..., AppTest]) -> None:
    first, second = make_app(), make_app()
    check_text(first, ARTICLE)
    check_text(second, "The council approved 12 new homes on Monday, the mayor said.")
    first.run()
    assert summary(first) == "4 claims · 4 check-worthy · 10 sentences · 0 ambiguous"
    assert summary(second).startswith("1 claims")
    assert (
        first.session_state[common.REPORT].article.text
        != second.session_state[common.REPORT].article.text
    )


def test_a_spending_cap_stops_the_run_and_keeps_what_finished(
    make_app: Callable[..., AppTest], fault_server: Any
) -> None:
    fault_server.reset()
    app = make_app(
        f"""default = "paid"

[backends.paid]
model = "openai/gpt-4o-mini"
api_base = "{fault_server.base_url}"
concurrency = 1

[limits]
max_tokens = 3000
"""
    )
    check_text(app, ARTICLE)
    assert "spending cap reached (max_tokens 3000)" in app.error[0].value
    partial: Report = app.session_state[common.PARTIAL]
    assert partial.claims and partial.run.stages["evidence"].calls < len(partial.claims)
    app.run()  # the next view of the page offers to resume
    assert any("stopped after" in w.value for w in app.warning)
