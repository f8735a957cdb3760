"""Read an article: bytes → decoded text → normalised display text (an ``Article``).

Every offset the workbench reports refers to ``Article.text`` as produced here. Markdown inline
markup (links, emphasis, escapes) is resolved by a real CommonMark parser so that quotes read as
the article reads; block structure stays visible as lines (``# heading``, ``---``, ``- item``)
because the segmenter uses it. HTML goes through trafilatura's main-content extractor first; the
published date the page declares, if any, becomes the article date (``workbench.language.dates``).
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from charset_normalizer import CharsetMatch, from_bytes
from markdown_it import MarkdownIt
from markdown_it.token import Token

from workbench.core.config import InputLimits
from workbench.core.errors import InputError
from workbench.core.schema import Article
from workbench.language.dates import html_published_date

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_bytes(data: bytes) -> str:
    """Decode robustly: BOMs, UTF-8, BOM-less UTF-16, then a detected legacy charset."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise InputError(
                    f"input starts with a {encoding} mark but is not valid {encoding}"
                ) from err
    try:
        return _reject_binary(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 3:
        # Many NULs at alternating positions: UTF-16 without a byte-order mark.
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        encoding = "utf-16-be" if even_nuls > odd_nuls else "utf-16-le"
        try:
            return _reject_binary(data.decode(encoding))
        except UnicodeDecodeError:
            pass
    if b"\x00" in sample:
        raise InputError("input looks like binary data, not text (it contains NUL bytes)")
    matches = list(from_bytes(data))
    if not matches:
        raise InputError("input is not text in any encoding the workbench recognises")
    # Short text often ties between code pages (cp775, cp1250, cp1252 ...) and the detector's
    # pick then garbles every accent. Among the least chaotic candidates prefer the decoding
    # with the most letters, then windows-1252 (what browsers assume for unlabelled legacy
    # text), then any other Windows code page.
    least = min(match.chaos for match in matches)

    def rank(match: CharsetMatch) -> tuple[int, bool, bool]:
        charsets = match.could_be_from_charset
        return (sum(ch.isalpha() for ch in str(match)), "cp1252" in charsets,
                any(c.startswith("cp125") for c in charsets))

    best = max((m for m in matches if m.chaos <= least), key=rank)
    return _reject_binary(str(best))


def _reject_binary(text: str) -> str:
    sample = text[:4096]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.05:
        raise InputError("input looks like binary data, not text (too many control characters)")
    return text


def sniff_format(text: str, name: str = "") -> str:
    """Guess 'html', 'markdown' or 'text' from the file name, then from the content."""
    suffix = Path(name).suffix.lower()
    if suffix in {".html", ".htm", ".xhtml"}:
        return "html"
    head = text[:2000].lower()
    if suffix not in {".md", ".markdown", ".txt"} and re.search(
        r"<(!doctype html|html|body|article|div|p)[\s>]", head
    ):
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    if re.search(r"\[[^\]\n]+\]\([^)\n]*\)|^#{1,6} |\*\*[^*\n]+\*\*|^---\s*$", text, re.MULTILINE):
        return "markdown"
    return "text"


def html_to_markdown(html: str) -> str:
    """Main content of an HTML page as Markdown; scripts, styles and navigation removed."""
    import trafilatura  # heavy import, only needed for HTML

    extracted = trafilatura.extract(
        html,
        output_format="markdown",
        include_comments=False,
        include_tables=True,
        include_links=False,
        favor_recall=True,
    )
    if not extracted:
        # Pages too short for trafilatura's main-content heuristics: take all visible text.
        extracted = trafilatura.html2txt(html) or ""
    if not extracted:
        # lxml gives up on elements nested more than 255 deep; read such pages without a tree.
        extracted = _visible_text(html)
    return extracted


class _VisibleText(HTMLParser):
    """Text a browser would show: no scripts, styles or head; block elements end a line."""

    _HIDDEN = {"script", "style", "noscript", "template", "head", "title", "svg", "iframe"}
    _BLOCK = re.compile(r"p|div|br|li|h[1-6]|tr|article|section|blockquote|pre|hr|ul|ol|table")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif self._BLOCK.fullmatch(tag):
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif self._BLOCK.fullmatch(tag):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    blocks = (" ".join(block.split()) for block in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(block for block in blocks if block)


_MD = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # alt text
    return "".join(parts)


def markdown_to_text(markdown: str) -> str:
    """Resolve inline Markdown; keep block structure as lines, blocks split by blank lines."""
    blocks: list[str] = []
    prefix = ""
    for token in _MD.parse(markdown):
        if token.type == "heading_open":
            prefix = token.markup + " "
        elif token.type == "bullet_list_open" or token.type == "ordered_list_open":
            pass
        elif token.type == "list_item_open":
            prefix = (token.info + token.markup + " ") if token.info else "- "
        elif token.type == "inline":
            text = _inline_text(token).strip()
            if text:
                blocks.append(prefix + text)
            prefix = ""
        elif token.type == "hr":
            blocks.append("---")
        elif token.type in {"fence", "code_block", "html_block"} and token.content.strip():
            blocks.append(token.content.strip())
    return "\n\n".join(blocks)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Drop control characters other than newline and tab; they only confuse models and displays.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _size(count: int) -> str:
    """A byte count as a person reads it: MB when large, exact bytes below 100 kB."""
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _too_many_chars(name: str, count: int, limits: InputLimits) -> InputError:
    return InputError(
        f"{name}: article has {count:,} characters; the limit is {limits.max_chars:,} "
        "(raise [limits] max_chars in the config)"
    )


def read_article(
    data: bytes | str, name: str = "<text>", limits: InputLimits | None = None
) -> Article:
    """Turn raw input into an ``Article``; raise ``InputError`` with the reason and the limit."""
    limits = limits or InputLimits()
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > limits.max_bytes:
        raise InputError(
            f"{name}: input is {_size(size)}; the limit is {_size(limits.max_bytes)} "
            "(raise [limits] max_bytes in the config)"
        )
    try:
        text = data if isinstance(data, str) else decode_bytes(data)
    except InputError as err:
        raise InputError(f"{name}: {err}") from err
    # Far over the limit already: say so before spending time converting and cleaning it.
    if len(text) > 4 * limits.max_chars:
        raise _too_many_chars(name, len(text.strip()), limits)
    fmt = sniff_format(text, name)
    published = None
    if fmt == "html":
        published = html_published_date(text)
        text = html_to_markdown(text)
    if fmt in {"html", "markdown"}:
        text = markdown_to_text(text)
    text = _clean(text)
    if not text:
        raise InputError(f"{name}: the article is empty (no text after reading it)")
    if len(text) > limits.max_chars:
        raise _too_many_chars(name, len(text), limits)
    title_match = re.match(r"#{1,6} (.+)", text)
    return Article(
        text=text,
        source=name,
        input_format=fmt,  # type: ignore[arg-type]
        title=title_match.group(1).strip() if title_match else None,
        date=published,  # None: the segmenter looks for a dateline (pipeline.PipelineRun)
    )


def read_path(path: str, limits: InputLimits | None = None) -> Article:
    """Read an article from a file path, or from stdin when ``path`` is '-'."""
    limits = limits or InputLimits()
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
        return read_article(data, "-", limits)
    file = Path(path)
    if not file.exists():
        raise InputError(f"{path}: no such file")
    if file.is_dir():
        raise InputError(f"{path}: is a directory, not an article file")
    with file.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)  # never read more than the limit allows
    if len(data) > limits.max_bytes:
        raise InputError(
            f"{path}: input is {_size(file.stat().st_size)}; the limit is "
            f"{_size(limits.max_bytes)} (raise [limits] max_bytes in the config)"
        )
    return read_article(data, file.name, limits)


if __name__ == "__main__":  # python -m workbench.io.ingest FILE: print the normalised text
    print(read_path(sys.argv[1] if len(sys.argv) > 1 else "-").text)
