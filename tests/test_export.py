"""Exports: the JSON report other tools consume, CSV rows, and a Markdown brief that renders
untrusted article and model text as plain text. Fake client, no model."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from workbench.cli import main
from workbench.core.prompts import PromptSet
from workbench.core.schema import Report, Status
from workbench.evaluation.datasets.averitec import read_averitec
from workbench.evaluation.datasets.checkthat import read_checkthat
from workbench.evaluation.scoring.evidence import score_questions
from workbench.io.export import CSV_COLUMNS, render, to_csv, to_json, to_markdown
from workbench.io.ingest import read_article
from workbench.llm import FakeClient, Request
from workbench.llm.fake import heuristic_responder
from workbench.pipeline import check_article_sync

PROMPTS = PromptSet()

HOSTILE = [
    "<script>alert('x')</script>",
    "[click me](javascript:alert(1))",
    "![pixel](http://tracker.example/p.png)",
    "<http://evil.example>",
    "<img src=x onerror=alert(1)>",
    "# Not a heading",
    "x\r# Injected heading",
    "x\u2028<b>bold</b>",
    "~~struck~~ and **bold** and _em_ and `code`",
    "1. not a list",
    "- not a list",
    "a | table | row",
]


def report_for(text: str, responder: Any = heuristic_responder) -> Report:
    return check_article_sync(read_article(text, "a.txt"), FakeClient(responder), PROMPTS)


@pytest.fixture(scope="module")
def report() -> Report:
    text = (
        "The council approved a budget of 4.2 million dollars, the mayor said on Tuesday. "
        'Officials said 312 streets need repairs, "some urgently", by May. '
        "Nobody knows when."
    )

    def responder(request: Request) -> dict[str, Any]:
        if request.stage == "select" and "Nobody" in request.variables["sentence"]:
            return {"checkable": "unclear"}
        return heuristic_responder(request)

    return report_for(text, responder)


def test_json_report_has_what_tools_consume(report: Report) -> None:
    data = json.loads(to_json(report))
    assert Report.model_validate(data) == report
    claim = data["claims"][0]
    assert set(claim) >= {
        "id",
        "text",
        "quote",
        "start",
        "end",
        "claimer",
        "attribution",
        "type",
        "checkworthiness",
        "evidence",
    }
    assert set(claim["checkworthiness"]) == {"score", "label", "rationale"}
    assert set(claim["evidence"][0]) >= {"kind", "need", "questions", "where"}
    text = data["article"]["text"]
    for item in data["claims"]:
        assert text[item["start"] : item["end"]] == item["quote"]
    assert {s["status"] for s in data["sentences"]} >= {"claims", "ambiguous"}
    run = data["run"]
    assert set(run) >= {"backend", "model", "prompts", "stages", "seconds", "totals"}
    assert {"name", "version", "hash"} == set(run["prompts"][0])
    assert set(run["stages"]["select"]) >= {
        "cache_hits",
        "cache_misses",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "seconds",
    }


def test_csv_has_one_row_per_claim_and_survives_commas_quotes_newlines(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == [c.id for c in report.claims]
    for row, claim in zip(rows, report.claims, strict=True):
        assert row["quote"] == claim.quote and row["text"] == claim.text
        assert int(row["start"]) == claim.start and int(row["end"]) == claim.end
        assert row["attribution"] == " > ".join(claim.attribution)
        assert claim.checkworthiness is not None
        assert float(row["score"]) == pytest.approx(claim.checkworthiness.score, abs=0.005)
        assert row["questions"] == " | ".join(q for n in claim.evidence for q in n.questions)
    assert any('"some urgently"' in r["quote"] for r in rows)
    tricky = report.model_copy(deep=True)
    tricky.claims[0].text = 'A "quoted", comma\nand newline'
    assert next(csv.DictReader(io.StringIO(to_csv(tricky))))["text"] == tricky.claims[0].text


def test_csv_and_brief_show_the_time_each_claim_refers_to() -> None:
    dated = report_for(
        "Port Carrow, March 6, 2025\n\nThe council approved 4.2 million dollars on Tuesday. "
        "Officials said 312 streets needed repairs in 2024."
    )
    undated = report_for("The council approved 4.2 million dollars on Tuesday.")
    rows = list(csv.DictReader(io.StringIO(to_csv(dated)))) + list(
        csv.DictReader(io.StringIO(to_csv(undated)))
    )
    assert [(r["time"], r["time_expression"]) for r in rows] == [
        ("2025-03-04", "Tuesday"),  # the Tuesday before Thursday 6 March
        ("2024-01-01/2024-12-31", "2024"),
        ("unresolved", "Tuesday"),  # no article date: never guessed
    ]
    brief = to_markdown(dated)
    assert "(“2024”, as the article states it)" in brief
    assert "(“Tuesday”, relative, and the article has no date to resolve it)" in to_markdown(
        undated
    )
    # AVeriTeC's claim_date is the publication date, written DD-MM-YYYY even from a dateline.
    assert {r["claim_date"] for r in json.loads(render(dated, "averitec"))} == {"06-03-2025"}


def test_csv_of_a_report_without_claims_is_the_header() -> None:
    empty = report_for("What a lovely day!")
    assert empty.claims == []
    assert to_csv(empty).strip() == ",".join(CSV_COLUMNS)


def test_markdown_brief_ranks_claims_and_lists_unresolved_sentences(report: Report) -> None:
    brief = to_markdown(report)
    assert brief.startswith("# Fact-check brief: a.txt\n")
    assert report.summary() in brief
    positions = [brief.index(f"## {c.id}. ") for c in report.claims]
    ranked = sorted(
        report.claims,
        key=lambda c: (
            -(
                c.checkworthiness.score  # type: ignore[union-attr]
                if c.checkworthiness
                else -1
            )
        ),
    )
    assert sorted(positions) == [brief.index(f"## {c.id}. ") for c in ranked]
    assert "## Sentences to look at by hand" in brief
    assert "(ambiguous): Nobody knows when." in brief
    for claim in report.claims:
        for need in claim.evidence:
            for question in need.questions:
                assert f"    - {question}" in brief


def _rendered_tokens(markdown: str) -> list[str]:
    parser = MarkdownIt("commonmark").enable(["strikethrough", "table"])
    kinds: list[str] = []
    for token in parser.parse(markdown):
        kinds.append(token.type)
        kinds += [child.type for child in token.children or []]
    return kinds


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markdown_renders_untrusted_text_as_plain_text(report: Report, hostile: str) -> None:
    evil = report.model_copy(deep=True)
    evil.article.title = hostile
    claim = evil.claims[0]
    claim.text = claim.quote = claim.claimer = hostile
    claim.attribution = ["the author", hostile]
    assert claim.checkworthiness is not None
    claim.checkworthiness.rationale = hostile
    claim.evidence[0].need = hostile
    claim.evidence[0].questions = [hostile]
    claim.evidence[0].where = [hostile]
    claim.evidence[0].as_of = hostile
    unresolved = next(s for s in evil.sentences if s.status == Status.ambiguous)
    unresolved.text = hostile
    brief = to_markdown(evil)
    kinds = _rendered_tokens(brief)
    for forbidden in (
        "html_inline",
        "html_block",
        "link_open",
        "image",
        "s_open",
        "em_open",
        "table_open",
        "ordered_list_open",
        "hr",
        "code_block",
    ):
        assert forbidden not in kinds, (forbidden, brief)
    assert kinds.count("code_inline") == 1  # the brief's own `backend`
    headings = [line for line in brief.splitlines() if line.startswith("#")]
    # title, "Check first", claims, "look at by hand"
    assert len(headings) == 1 + 1 + len(evil.claims) + 1
    assert kinds.count("heading_open") == len(headings)
    # Bold labels of the brief itself stay bold: only untrusted text is escaped.
    assert kinds.count("strong_open") >= 3


@pytest.mark.parametrize("fmt", ["json", "md", "csv"])
def test_render_dispatches_every_format(report: Report, fmt: str) -> None:
    assert render(report, fmt) == {"json": to_json, "md": to_markdown, "csv": to_csv}[fmt](report)


# The published shapes, each read back by the reader (and scorer) of its own benchmark.


def test_averitec_json_is_read_and_scored_by_the_averitec_tools(
    report: Report, tmp_path: Path
) -> None:
    dated = report.model_copy(
        update={"article": report.article.model_copy(update={"date": "2026-03-04"})}
    )
    path = tmp_path / "claims.json"
    path.write_text(render(dated, "averitec"), encoding="utf-8")
    items = read_averitec(path)
    assert [i.claim for i in items] == [c.text for c in report.claims]
    assert {i.claim_date for i in items} == {"04-03-2026"}  # AVeriTeC's DD-MM-YYYY
    for item, claim in zip(items, report.claims, strict=True):
        planned = [q for need in claim.evidence for q in need.questions]
        assert item.questions == planned
        assert item.speaker == (None if claim.claimer == "the author" else claim.claimer)
        # AVeriTeC's question score runs on it as it is: the plan against itself is perfect.
        assert score_questions(planned, item.questions, lambda a, b: float(a == b)).score == 1.0
    records = json.loads(path.read_text(encoding="utf-8"))
    assert all(e["question"] and e["answer"] == "" for r in records for e in r["evidence"])


def test_checkthat_tsv_is_read_by_the_checkthat_reader(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "sentences.tsv"
    path.write_text(render(report, "checkthat"), encoding="utf-8")
    rows = {row.id.removeprefix("checkthat:"): row for row in read_checkthat(path)}
    judged = [s for s in report.sentences if s.status not in (Status.skipped, Status.failed)]
    assert set(rows) == {s.id for s in judged}
    worthy = {
        c.sentence_id
        for c in report.claims
        if c.checkworthiness and c.checkworthiness.label.value == "check_worthy"
    }
    assert worthy and {i for i, row in rows.items() if row.check_worthy} == worthy


def test_claimreview_json_ld_has_the_schema_org_shape_and_no_rating(report: Report) -> None:
    reviews = json.loads(render(report, "claimreview"))
    assert len(reviews) == len(report.claims)
    for review, claim in zip(reviews, report.claims, strict=True):
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == claim.text
        item = review["itemReviewed"]
        assert item["@type"] == "Claim" and item["text"] == claim.quote
        assert item["author"]["@type"] in {"Person", "Organization"} and item["author"]["name"]
        assert item["appearance"]["@type"] == "CreativeWork"
        assert "reviewRating" not in review  # a verdict is a person's to give


def test_extract_writes_each_standard_format(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("w.toml").write_text('default = "f"\n[backends.f]\nmodel = "fake/x"\n', "utf-8")
    Path("a.md").write_text("The council spent 3 million euros on the library in 2023.\n", "utf-8")
    for fmt in ("averitec", "checkthat", "claimreview"):
        assert main(["extract", "a.md", "--config", "w.toml", "--format", fmt, "--quiet"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Sentence_id\t" if fmt == "checkthat" else "[")
