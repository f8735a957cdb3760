"""The HTML and Markdown the pages render: untrusted text is always escaped."""

from __future__ import annotations

import re

import pytest

from tests.support.fake_reports import fake_report
from workbench.core.schema import Report
from workbench.review.corrections import add_claim, word_span
from workbench.ui.markup import (
    highlight_article,
    legend,
    md_escape,
    quote_in_context,
    scroll_to_selection,
)


@pytest.fixture(scope="module")
def report() -> Report:
    return fake_report()


def visible_text(markup: str) -> str:
    """What a browser shows: tags and the style block removed, entities decoded."""
    import html

    body = re.sub(r"<style>.*?</style>", "", markup, flags=re.DOTALL)
    body = re.sub(r"<sup[^>]*>.*?</sup>", "", body)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_article_text_is_escaped_and_shown_whole(report: Report) -> None:
    markup = highlight_article(report)
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert visible_text(markup) == report.article.text


def test_every_claim_is_marked_and_labelled_and_the_selected_one_outlined(report: Report) -> None:
    markup = highlight_article(report, selected="c2")
    assert markup.count("<mark") == len(report.claims)
    for claim in report.claims:
        assert f'<sup class="wb-id">{claim.id}</sup>' in markup
    assert markup.count('class="wb-sel"') == 1
    selected = re.search(r'<mark class="wb-sel"[^>]*>(.*?)</mark>', markup)
    assert selected is not None and selected.group(1) == report.claims[1].quote


def test_overlapping_quotes_split_into_segments(report: Report) -> None:
    sentence = next(s for s in report.sentences if s.id == report.claims[0].sentence_id)
    overlapping = add_claim(report, sentence.id, *word_span(sentence, 0, 2), text="Flood water.")
    markup = highlight_article(overlapping)
    assert visible_text(markup) == report.article.text
    assert '<sup class="wb-id">c1</sup>' in markup  # the inner claim ends first
    assert re.search(r'title="c1 c5"|title="c5 c1"', markup)


def test_filtered_claims_only_and_sentence_status_styles(report: Report) -> None:
    markup = highlight_article(report, claims=report.claims[:1])
    assert markup.count("<mark") == 1
    assert 'class="wb-s-skipped"' in markup  # heading, byline, newsletter line
    assert "wb-key" in legend()


def test_quote_in_context_marks_only_the_quote(report: Report) -> None:
    claim = report.claims[2]  # the residents' sentence with the script tag
    markup = quote_in_context(report, claim)
    assert "<script>" not in markup
    marked = re.search(r"<mark>(.*?)</mark>", markup)
    assert marked is not None and "&lt;script&gt;" in marked.group(1)
    assert claim.quote in visible_text(markup)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("costs $4.2 million and $1 million", r"costs \$4\.2 million and \$1 million"),
        ("**bold** [link](http://x)", r"\*\*bold\*\* \[link\]\(http\://x\)"),
        ("<b>x</b>\n# not a heading", r"\<b\>x\</b\> \# not a heading"),
    ],
)
def test_md_escape_makes_markdown_literal(text: str, expected: str) -> None:
    assert md_escape(text) == expected


def test_scroll_script_carries_no_untrusted_text() -> None:
    script = scroll_to_selection("c3</script><script>alert(1)")
    assert script.count("<script>") == 1 and script.count("</script>") == 1
    assert "alert(1)" not in script
    assert "/* selected c3scriptscriptalert1 */" in script


def test_a_claim_repeated_later_is_marked_at_every_quote(report: Report) -> None:
    from workbench.core.schema import QuoteSpan
    from workbench.io.export import to_markdown

    first, other = report.claims[0], report.claims[1]
    repeated = report.model_copy(deep=True)
    repeated.claims[0].also_quoted = [
        QuoteSpan(
            sentence_id=other.sentence_id, quote=other.quote, start=other.start, end=other.end
        )
    ]
    repeated.claims = [repeated.claims[0]]  # the second quote now belongs to the first claim
    markup = highlight_article(repeated)
    assert markup.count("<mark") == 2
    assert markup.count(f'<sup class="wb-id">{first.id}</sup>') == 2
    assert visible_text(markup) == report.article.text
    assert f"> also: {other.quote}" in to_markdown(repeated)
