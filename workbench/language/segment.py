"""Segment an article into paragraphs and sentences, and tell body from everything else.

Sentences come from pysbd (a maintained rule-based splitter); offsets are recomputed against
the article text so ``text[start:end] == sentence.text`` always holds. Paragraph roles come from
general publishing conventions — bylines and tag lines before the first prose paragraph, notes
sections, copyright/disclaimer/subscription/promotion markers, and a footer that starts at a
thematic break followed by such a block — never from the words of one particular article.
Non-body sentences are kept and marked ``skipped`` with the reason; nothing is deleted.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pysbd

from workbench.core.schema import Article, Paragraph, Role, Sentence, Status

MAX_SENTENCE_CHARS = 1200  # longer "sentences" are lists or run-ons: skipped, with the reason

# A paragraph with one strong marker is boilerplate on its own. Markers are publisher phrasing
# ("subscribe to our newsletter", "share this article"), not topic words a news story may use
# ("donate", "share", "sponsored by", "advertisement", "copyright" all occur in reporting).
_STRONG = [
    (
        r"\bcopyright\s*(©|\(c\)|\d{4})|©|^\W*copyright\b|\ball rights reserved\b"
        r"|\bcopyrighted material\b",
        "copyright notice",
    ),
    (
        r"\bdisclaimer\b|sole responsibility of the author|\bfair use\b"
        r"|views expressed (here|in this|are (my|his|her|their|the author'?s?) own)"
        r"|\bfor (general )?information (purposes )?only\b"
        r"|\bnot (medical|legal|financial|investment) advice\b",
        "disclaimer",
    ),
    (
        r"^\W*(sign up|subscribe|donate|join us|support us)\b"
        r"|\bsubscribe (now|here|today|to (our|my|this))\b|\b(our|my)\b[\w\s-]{0,30}\bnewsletter\b"
        r"|\bbecome a (member|subscriber|patron)\b|\b(please )?donate (now|today|here)\b"
        r"|\bsupport (our|independent) (work|journalism)\b",
        "subscription appeal",
    ),
    (
        r"^\W*(comment on|share (this|on)|follow us|like us)\b|\bon our (\w+ )?page\b"
        r"|\bshare this (article|story|post|page)\b"
        r"|\bshare on (facebook|twitter|x|linkedin|whatsapp)\b|\bfollow us\b|\blike us on\b"
        r"|\bleave a comment\b",
        "social/comment prompt",
    ),
    (
        r"\bisbn\b|\bpre-?order\b|\blist price\b|\bspecial (price|offer)\b|\bclick (here|to)\b"
        r"|\bbuy now\b|^\W*(advertisement|sponsored|paid (content|partnership))\W*$"
        r"|\bsponsored content\b",
        "advertisement",
    ),
    (
        r"\barticles by\b|\babout the author\b|original source of this article|\bmedia inquiries\b",
        "publisher footer",
    ),
    (r"\bfor immediate release\b|^\W*ends\W*$", "press release marker"),
]
# Weak markers count in pairs, or alone in a short paragraph: "book" alone is a normal word.
_WEAK = [
    r"\b(my|his|her|our|new|newest|latest|forthcoming) (new )?book\b|\bprint edition\b",
    r"[\w.+-]+@[\w-]+\.[\w.]+|\bcontact (us|me|at)\b|\bcan be reached\b",
    r"^(https?://|www\.)\S+$",
]
# Topic words news reports use too ("published on the council's website"): alone, they mark a
# short paragraph only when it speaks to the reader or for the publisher.
_WEAK_TOPICAL = [
    r"\bvisit (my|our|his|her)\b|\bweb ?site\b|\bblog\b",
    r"\blisten to\b|\bpodcast\b|\bradio (show|network|hour)\b",
]
_ADDRESSES_READER = re.compile(
    r"\b(my|our|us|you|your)\b|^\W*(visit|listen|contact|follow|read|order|buy|watch|join)\b",
    re.IGNORECASE,
)
_STRONG_RE = [(re.compile(p, re.IGNORECASE | re.MULTILINE), why) for p, why in _STRONG]
_WEAK_RE = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in _WEAK]
_WEAK_TOPICAL_RE = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in _WEAK_TOPICAL]

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATELINE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(by|written by|posted by)\s+\S", re.IGNORECASE)
_TAGLINE = re.compile(r"^[A-Z][\w &/-]{1,30}:\s+\S")
_NOTES_HEADING = re.compile(
    r"^#+\s*(notes?|references|sources|footnotes|bibliography|endnotes)\s*$", re.IGNORECASE
)
_REFERENCE = re.compile(
    r"^\[\d+\]|^\d+\.\s+\S.*\b(19|20)\d\d\b|^accessed\b|^(https?://|www\.)\S+$", re.IGNORECASE
)
_FOOTNOTE_MARK = re.compile(r"(\[\d+\])+")
_FOOTNOTE_MARKS_IN_TEXT = re.compile(rf"\s*{_FOOTNOTE_MARK.pattern}")  # "... in Syria [2]."
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*"
# A dateline that opens the lead sentence: "Aldenburg, 9 June 2026 — ", "LONDON (Reuters) - ";
# a place in capitals, a date or an agency tells it from a name before a dash ("Ana Ruiz — ").
_OPENING_DATELINE = re.compile(
    rf"^\s*(?:(?P<caps>[A-Z][A-Z .'’-]+[A-Z])|{_NAME})(?:,\s*{_NAME})?"
    rf"(?P<date>,\s*(?:\d{{1,2}}\s+[A-Z][a-z]+|[A-Z][a-z]+\.?\s+\d{{1,2}},?)\s+\d{{4}})?"
    rf"(?P<agency>\s*\([A-Z][\w .&-]*\))?\s+[—–-]{{1,2}}\s+(?=[A-Z\"“])"
)
_HR = re.compile(r"^(-{3,}|\*{3,}|_{3,})$")
_END_OF_RELEASE = re.compile(r"^\W*ends\W*$", re.IGNORECASE)


@dataclass
class _Block:
    start: int
    end: int
    text: str


def _blocks(text: str) -> Iterator[_Block]:
    for match in re.finditer(r"[^\n](?:.|\n(?!\s*\n))*", text):
        raw = match.group(0)
        stripped = raw.strip()
        if stripped:
            offset = match.start() + raw.index(stripped)
            yield _Block(offset, offset + len(stripped), stripped)


def _words(text: str) -> int:
    return len(text.split())


def _is_prose(block: str) -> bool:
    return _words(block) >= 8 and block.rstrip("*_\"'”’)").endswith((".", "!", "?", ":"))


def boilerplate_reason(block: str) -> str | None:
    """Why a paragraph is publisher boilerplate, or None when it is not."""
    for pattern, why in _STRONG_RE:
        if pattern.search(block):
            return why
    weak = sum(1 for pattern in _WEAK_RE if pattern.search(block))
    topical = sum(1 for pattern in _WEAK_TOPICAL_RE if pattern.search(block))
    short = _words(block) <= 25
    if (
        weak + topical >= 2
        or (weak == 1 and short)
        or (topical == 1 and short and _ADDRESSES_READER.search(block))
    ):
        return "promotion or contact details"
    return None


def classify_paragraphs(text: str) -> list[Paragraph]:
    """Give every paragraph of the article a role (body, heading, metadata, ...) and a reason."""
    blocks = list(_blocks(text))
    first_prose = next((i for i, b in enumerate(blocks) if _is_prose(b.text)), len(blocks))
    footer_from = len(blocks)
    for i, block in enumerate(blocks):
        if block.start > len(text) // 2 and (
            _END_OF_RELEASE.match(block.text)  # press releases end at "ENDS"; "About ..." follows
            or (
                _HR.match(block.text)
                and any(boilerplate_reason(b.text) for b in blocks[i + 1 : i + 3])
            )
        ):
            footer_from = i
            break

    paragraphs: list[Paragraph] = []
    in_notes = False
    for i, block in enumerate(blocks):
        line = block.text
        role, why = Role.body, ""
        if line.startswith("#"):
            in_notes = bool(_NOTES_HEADING.match(line))
            role, why = Role.heading, "heading"
        elif _HR.match(line):
            in_notes = False
            role, why = Role.metadata, "section break"
        elif i >= footer_from:
            role, why = Role.boilerplate, boilerplate_reason(line) or "publisher footer block"
        elif in_notes or _REFERENCE.match(line):
            role, why = Role.reference, "notes / reference list"
        elif (reason := boilerplate_reason(line)) is not None:
            role, why = Role.boilerplate, reason
        elif i < first_prose and _words(line) <= 14 and not _is_prose(line):
            if _BYLINE.match(line):
                role, why = Role.metadata, "byline"
            elif _DATELINE.search(line):
                role, why = Role.metadata, "dateline"
            elif _TAGLINE.match(line):
                role, why = Role.metadata, "tag line"
        if i >= footer_from and line.startswith("#"):
            role, why = Role.boilerplate, "heading inside the publisher footer"
        paragraphs.append(
            Paragraph(index=i, start=block.start, end=block.end, role=role, role_reason=why)
        )
    return paragraphs


_per_thread = threading.local()


def _splitter() -> pysbd.Segmenter:
    # A pysbd Segmenter keeps the text it is splitting on itself: shared by two threads (two
    # UI sessions at once) it mixed their sentences up. One per thread.
    splitter: pysbd.Segmenter | None = getattr(_per_thread, "splitter", None)
    if splitter is None:
        splitter = _per_thread.splitter = pysbd.Segmenter(language="en", clean=False)
    return splitter


# pysbd's time grows with the square of the text it is given (a 120,000-character line took
# 40 s): long lines are cut into chunks of about this size first, where a sentence surely
# ends (a lower-case word or a number, a stop, a capital), so abbreviations never get cut.
_PYSBD_CHARS = 2000
_SURE_END = re.compile(r"(?<=[a-z0-9%]{2}[.!?])[\"'”’)\]]*\s+(?=[\"“‘'(\[]?[A-Z])")
_ANY_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=\S)")


def _chunks(line: str) -> Iterator[tuple[int, str, bool]]:
    """(offset, chunk, worth splitting) for a line; short lines are one chunk.

    A run longer than ``_PYSBD_CHARS`` with no sentence end inside is one run-on sentence;
    pysbd would return it whole, slowly, so it is not asked.
    """
    if len(line) <= _PYSBD_CHARS:
        yield 0, line, True
        return
    cuts = [0, *(m.end() for m in _SURE_END.finditer(line)), len(line)]
    start = 0
    for run_start, run_end in zip(cuts, cuts[1:], strict=False):
        if run_end - run_start > _PYSBD_CHARS:
            if run_start > start:
                yield start, line[start:run_start], True
            run = line[run_start:run_end]
            yield run_start, run, bool(_ANY_END.search(run.rstrip()))
            start = run_end
        elif run_end - start > _PYSBD_CHARS:
            yield start, line[start:run_start], True
            start = run_start
    if start < len(line):
        yield start, line[start:], True


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (shifted by ``offset``); each line is split on its own."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        for chunk_start, line_text, splittable in _chunks(line.group(0)):
            cursor = 0
            pieces = _splitter().segment(line_text) if splittable else [line_text]
            for piece in pieces:
                piece = piece.strip()
                if not piece:
                    continue
                found = line_text.find(piece, cursor)
                if found < 0:  # pysbd altered the text: fall back to the rest of the line
                    found = cursor
                    piece = line_text[cursor:].strip()
                    if not piece:
                        continue
                    found = line_text.index(piece, cursor)
                cursor = found + len(piece)
                start = offset + line.start() + chunk_start + found
                if spans and _FOOTNOTE_MARK.fullmatch(piece):
                    # pysbd splits "...VICTORY.[1]": a footnote mark belongs to its sentence
                    spans[-1] = (spans[-1][0], start + len(piece))
                    continue
                spans.append((start, start + len(piece)))
    return spans


def segment_article(article: Article) -> tuple[list[Paragraph], list[Sentence]]:
    """Paragraphs with roles and sentences with offsets; non-body sentences already ``skipped``."""
    paragraphs = classify_paragraphs(article.text)
    sentences: list[Sentence] = []
    for paragraph in paragraphs:
        if _HR.match(article.text[paragraph.start : paragraph.end]):
            continue
        block = article.text[paragraph.start : paragraph.end]
        spans = (
            split_sentences(block, paragraph.start)
            if paragraph.role == Role.body
            else [
                (paragraph.start + m.start(), paragraph.start + m.end())
                for m in re.finditer(r"[^\n]*\S", block)
            ]
        )
        for start, end in spans:
            text = article.text[start:end]
            status, reason = Status.pending, ""
            if paragraph.role != Role.body:
                status, reason = Status.skipped, f"{paragraph.role.value}: {paragraph.role_reason}"
            elif len(text) > MAX_SENTENCE_CHARS:
                status = Status.skipped
                reason = (
                    f"too long to check as one sentence ({len(text):,} characters; "
                    f"limit {MAX_SENTENCE_CHARS:,})"
                )
            elif not re.search(r"[A-Za-z]{2}", text) and not re.search(r"\w{2}", text):
                status, reason = Status.skipped, "no words"
            sentences.append(
                Sentence(
                    id=f"s{len(sentences) + 1}",
                    index=len(sentences),
                    paragraph=paragraph.index,
                    start=start,
                    end=end,
                    text=text,
                    role=paragraph.role,
                    status=status,
                    reason=reason,
                )
            )
    return paragraphs, sentences


def article_date(text: str, paragraphs: list[Paragraph]) -> str | None:
    """The publication date wherever a news article states it: a dateline line of its own
    ("3 March 2025"), else a date in the headline block before the first body paragraph (a
    byline "By Ana Ruiz, 3 February 2026", a heading "# Floods close the port — 3 February
    2026"), else the dateline that opens the lead ("Port Carrow, 3 February 2026 — The
    ministry said ..."); None when it states none there."""
    lines = [text[p.start : p.end] for p in paragraphs]
    for paragraph, line in zip(paragraphs, lines, strict=True):
        if paragraph.role == Role.metadata and paragraph.role_reason == "dateline":
            match = _DATELINE.search(line)
            if match:
                return match.group(0)
    first_body = next((i for i, p in enumerate(paragraphs) if p.role == Role.body), None)
    if first_body is None:
        return None
    for paragraph, line in zip(paragraphs[:first_body], lines, strict=False):
        if paragraph.role in (Role.metadata, Role.heading):
            match = _DATELINE.search(line)
            if match:
                return match.group(0)
    lead = lines[first_body]
    opening = lead[: dateline_end(lead)]
    match = _DATELINE.search(opening) if opening else None
    return match.group(0) if match else None


# Letters an editor changed inside a quotation, in brackets: "(s)everal", "[t]he", "(o)n".
EDITED_LETTERS = re.compile(r"[(\[](\w{1,2})[)\]](?=\w)")


def claim_words(sentence: str) -> str:
    """A sentence as a claim states it: on one line, without a web page's reference marks
    ("... in Syria.[2]"), the dateline that opens a lead ("Aldenburg, 9 June 2026 — ") or the
    brackets of an editor's letters ("(s)everal" -> "several")."""
    text = " ".join(_FOOTNOTE_MARKS_IN_TEXT.sub("", sentence).split())
    return EDITED_LETTERS.sub(r"\1", text[dateline_end(text) :])


def dateline_end(sentence: str) -> int:
    """Where the dateline that opens ``sentence`` ends (0 when none does)."""
    dateline = _OPENING_DATELINE.match(sentence)
    if dateline and (dateline["caps"] or dateline["date"] or dateline["agency"]):
        return dateline.end()
    return 0
