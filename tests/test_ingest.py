"""Reading input: decoding, HTML and Markdown to display text, limits. No model."""

from __future__ import annotations

import codecs
import io
import sys
from pathlib import Path

import pytest

from workbench.core.config import InputLimits
from workbench.core.errors import InputError
from workbench.io.ingest import decode_bytes, read_article, read_path, sniff_format

TEXT = "Café naïve — “quoted” text.\nThe mayor’s office said 12 people attended."


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), id="utf-8-bom"),
        pytest.param(TEXT.encode("utf-16"), id="utf-16-bom"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(TEXT.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(TEXT.encode("utf-16-be"), id="utf-16-be-no-bom"),
        pytest.param(TEXT.encode("utf-32"), id="utf-32-bom"),
    ],
)
def test_unicode_encodings_decode_exactly(data: bytes) -> None:
    assert decode_bytes(data) == TEXT


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Café naïve résumé. Plain text with accents à la carte.", "latin-1"),
        ("Straße über Äpfel. Die Bürger sagten, dass es 12 Tote gab.", "latin-1"),
        ("Le café était fermé à Noël; the mayor’s “résumé” was long.", "cp1252"),
        ("Prezydent powiedział, że w mieście zginęło 12 osób.", "cp1250"),
        ("Президент сказал, что в городе погибли 12 человек. Это произошло в понедельник.",
         "cp1251"),
    ],
)
def test_legacy_encodings_decode_as_written(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding)) == text


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(range(256)) * 8, id="all-bytes"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(300), id="png-header"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(1, 32)) * 20, id="zip-controls"),
        pytest.param(b"\xff\xfe\x00", id="truncated-utf-16-bom"),
    ],
)
def test_binary_input_is_a_clear_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="binary|not valid|not text"):
        read_article(data, "blob.bin")


def test_binary_error_names_the_input() -> None:
    with pytest.raises(InputError) as err:
        read_article(b"\x00\x01\x02\x03" * 100, "photo.jpg")
    assert str(err.value).startswith("photo.jpg: ")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("<html><body><p>Hi</p></body></html>", "x", "html"),
        ("plain", "page.htm", "html"),
        ("<!DOCTYPE html><p>x</p>", "-", "html"),
        ("# Title\n\nBody.", "-", "markdown"),
        ("See [the report](http://example.org).", "-", "markdown"),
        ("Some **bold** words.", "-", "markdown"),
        ("anything", "notes.md", "markdown"),
        ("Just a sentence. Another one.", "-", "text"),
        ("A <p> tag mentioned in a text file.", "a.txt", "text"),
    ],
)
def test_sniff_format(text: str, name: str, expected: str) -> None:
    assert sniff_format(text, name) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Some **bold** and *italic* words.", "Some bold and italic words."),
        ("See [the report](http://example.org/r) today.", "See the report today."),
        ("By [Mark Taliano](#)", "By Mark Taliano"),
        ("Use `code` here.", "Use code here."),
        ("An \\*escaped\\* star and \\$17.95.", "An *escaped* star and $17.95."),
        ("~~\\$17.95~~ now \\$9.95", "$17.95 now $9.95"),
        ("![a photo of the square](img.png) Caption.", "a photo of the square Caption."),
        ("# Title with *emphasis*", "# Title with emphasis"),
        ("- item *one*\n- item two", "- item one\n\n- item two"),
        ("Para one.\n\n---\n\nPara two.", "Para one.\n\n---\n\nPara two."),
        ("Line one  \nline two.", "Line one\nline two."),
    ],
)
def test_markdown_inline_markup_is_resolved(markdown: str, expected: str) -> None:
    assert read_article(markdown, "a.md").text == expected


def test_markdown_article_keeps_title() -> None:
    article = read_article("# The *Big* Story\n\nBy [A. Writer](#)\n\nIt happened.", "a.md")
    assert article.input_format == "markdown"
    assert article.title == "The Big Story"


HTML = """<!doctype html><html><head><title>T</title><style>p{color:red}</style>
<script>alert("never shown")</script></head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<article><h1>Council approves road budget</h1>
<p>The city council approved a budget of <b>$4.2 million</b> for road repairs on Tuesday, the
mayor's office said in a statement.</p>
<p>According to the <a href="http://x.example">transport department</a>, 312 streets need
repairs, up from 280 the year before. Work starts in May.</p>
<p>Residents have complained about potholes for years, and the opposition says the money is far
too little to fix the worst roads in the northern districts.</p>
</article></body></html>"""


def test_html_becomes_main_text() -> None:
    article = read_article(HTML.encode("utf-8"), "page.html")
    assert article.input_format == "html"
    assert article.title == "Council approves road budget"
    assert "approved a budget of $4.2 million for road repairs" in article.text
    assert "According to the transport department, 312 streets" in article.text
    for absent in ("never shown", "color:red", "<b>", "<p>", "http://x.example", "About us"):
        assert absent not in article.text


def test_html_sniffed_from_content_on_stdin() -> None:
    assert read_article(HTML, "-").input_format == "html"


_HEAD = "<head><title>T</title>"
_MODIFIED = '<meta property="article:modified_time" content="2026-10-20T09:30:00+00:00">'
_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "Council approves road budget", "datePublished": '
    '"2026-10-14T07:00:00Z", "dateModified": "2026-10-21T07:00:00Z"}</script>'
)


@pytest.mark.parametrize(
    ("head", "date"),
    [
        pytest.param(
            _HEAD + '<meta property="article:published_time" '
            'content="2026-10-14T08:00:00+00:00">' + _MODIFIED,
            "2026-10-14",
            id="meta-published-not-modified",
        ),
        pytest.param(_HEAD + _JSON_LD, "2026-10-14", id="json-ld"),
        # The body mentions dates ("the year before", "in May"): none is the page's date.
        pytest.param(_HEAD, None, id="none"),
    ],
)
def test_html_article_date_is_the_published_date_of_the_page(head: str, date: str | None) -> None:
    page = HTML.replace("<head><title>T</title>", head)
    page = page.replace("road repairs on Tuesday", "road repairs on 4 March 2025")
    assert read_article(page, "page.html").date == date


def test_html_date_is_never_fetched_for_a_url_named_html(monkeypatch: pytest.MonkeyPatch) -> None:
    # htmldate downloads a string that looks like a URL; an article file holding one is text.
    import htmldate.utils

    fetched: list[str] = []
    monkeypatch.setattr(htmldate.utils, "fetch_url", lambda url, *a, **k: fetched.append(url))
    article = read_article("https://news.example/2026/10/14/story", "link.html")
    assert (article.date, fetched) == (None, [])


def test_text_is_normalised() -> None:
    article = read_article("Cafe\u0301 one.\r\nTwo.\rThree.\x07\n\n\n\nFour.   \n", "-")
    assert article.text == "Café one.\nTwo.\nThree.\n\nFour."


@pytest.mark.parametrize("data", ["", "   \n\n\t ", b"", "<html><body></body></html>"])
def test_empty_input_is_an_error(data: str | bytes) -> None:
    with pytest.raises(InputError, match="empty"):
        read_article(data, "-")


def test_byte_limit_states_the_limit() -> None:
    with pytest.raises(InputError) as err:
        read_article("Hello world, long enough.", "big.txt", InputLimits(max_bytes=10))
    message = str(err.value)
    assert "big.txt" in message and "max_bytes" in message
    assert "10 bytes" in message  # the limit itself, readable, not "0.0 MB"


def test_byte_limit_in_megabytes() -> None:
    with pytest.raises(InputError, match=r"2\.5 MB; the limit is 2\.0 MB"):
        read_article(b"a" * 2_500_000, "big.txt")


def test_char_limit_states_the_limit() -> None:
    with pytest.raises(InputError, match=r"article has 33 characters; the limit is 10 .*max_chars"):
        read_article("Hello world, this is long enough.", "x", InputLimits(max_chars=10))


def test_read_path_refuses_large_file_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 1000)
    with pytest.raises(InputError, match=r"big.txt: .*5,000 bytes.*1,000 bytes"):
        read_path(str(path), InputLimits(max_bytes=1000))


@pytest.mark.parametrize(
    ("setup", "message"),
    [("missing", "no such file"), ("directory", "is a directory")],
)
def test_read_path_errors(tmp_path: Path, setup: str, message: str) -> None:
    path = tmp_path / "article"
    if setup == "directory":
        path.mkdir()
    with pytest.raises(InputError, match=message):
        read_path(str(path))


def test_read_path_from_file_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(codecs.BOM_UTF8 + b"# Title\n\nThe **council** met.")
    article = read_path(str(path))
    assert (article.source, article.text, article.input_format) == (
        "a.md", "# Title\n\nThe council met.", "markdown")

    stdin = io.TextIOWrapper(io.BytesIO("Plain text from stdin.".encode("utf-16")))
    monkeypatch.setattr(sys, "stdin", stdin)
    article = read_path("-")
    assert (article.source, article.text) == ("-", "Plain text from stdin.")
