"""Dates: the article's publication date, and the time each claim refers to.

One home for date logic. ``parse_date`` reads an article date as it comes (an HTML page's ISO
date, a dateline "March 3, 2025", AVeriTeC's DD-MM-YYYY). ``sentence_times`` finds the time
expressions of a sentence and resolves each against the article date into a ``ClaimTime``: an
explicit date ("4 March 2025", "2017") stands on its own; a relative one ("last year", "on
Monday", "in March", "two weeks ago") needs the article date and stays ``unresolved`` without
one — today's date is never taken for the article's.

Finding and resolving are two jobs. The spans come from the parser's DATE entities
(``workbench.language.attribution``): a bare search over the words of a sentence takes "may" and
"2017 containers" for dates and durations ("nine days") for "nine days ago". Each span is then
resolved by dateparser (maintained, and made for this: ``RELATIVE_BASE`` is the article date,
``RETURN_TIME_AS_PERIOD`` says whether "March 2017" is a day or a month). Weekdays are counted
here: news writes "on Wednesday" for the publication day itself and "on Friday" for the coming
one when the sentence speaks of the future, where dateparser always goes back a week.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from workbench.core.schema import ClaimTime
from workbench.language.parse import clause  # spaCy itself loads on the first parse
from workbench.language.segment import EDITED_LETTERS

Unit = Literal["day", "week", "month", "year", "years", "recent"]

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_DECADE = re.compile(r"\b(1[5-9]\d|20\d)0s\b")
# A span the parser calls DATE names a point in time only with one of these; "nine days",
# "a third consecutive day" or "the past five years" are durations, part of what is claimed.
_ANCHOR = re.compile(
    rf"\b(?:{_MONTHS}|{'|'.join(_WEEKDAYS)}|yesterday|today|tonight|tomorrow|ago)\b"
    r"|\b(?:last|next|this|previous|coming)\s+(?:week|month|year|quarter|spring|summer|autumn"
    r"|fall|winter|decade)\b|\b(?:1[5-9]\d\d|20\d\d)s?\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
    r"|\b(?:(?:last|past)\s+(?:few|several|couple\s+of)|recent)\s+(?:days|weeks|months)\b",
    re.IGNORECASE,
)
# A vague stretch up to the article date ("in the last few days", "in recent weeks"): what a
# fact-checker searches is the days, weeks or months before it; "few" is given a window.
_RECENT = re.compile(
    r"^(?:the\s+)?(?:(?:last|past)\s+(?:few|several|couple\s+of)|recent)\s+(days|weeks|months)$",
    re.IGNORECASE,
)
_RECENT_WINDOW = {
    "days": timedelta(days=7),
    "weeks": timedelta(weeks=5),
    "months": timedelta(days=183),
}
_RELATIVE_WORD = re.compile(
    r"\b(?:last|next|this|ago|yesterday|today|tonight|tomorrow|previous|coming|earlier|later"
    r"|past|recent)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    rf"^(?:(last|next|this|on)\s+)?({'|'.join(_WEEKDAYS)})"
    r"(?:\s+(?:morning|afternoon|evening|night))?$",
    re.IGNORECASE,
)
# Qualifiers dateparser does not read; the time they qualify is what a fact-checker looks up.
_QUALIFIER = re.compile(
    r"^(?:the\s+)?(?:early|mid|late|earlier|later|end of|start of|beginning of|middle of)"
    r"(?:\s+|-)(?:the\s+)?",
    re.IGNORECASE,
)
# The sentence speaks of what is still to come: a bare weekday or month is the next one.
_FUTURE = re.compile(
    r"\b(?:will|would|shall|'ll|due to|expected to|scheduled|set to|plans? to|planned|going to"
    r"|is to|are to|upcoming|next)\b",
    re.IGNORECASE,
)
_PREPOSITION = re.compile(
    r"\b(?:on|in|at|since|by|from|until|during|of|for|before|after)\s+$", re.IGNORECASE
)


_DAY = r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?"
_DAY_BEFORE = re.compile(rf"\b{_DAY}\s+$", re.IGNORECASE)  # "12 |October" read as 12, October
_DATE_GAP = re.compile(rf"[\s,]*(?:{_DAY})?[\s,]*", re.IGNORECASE)


def parse_date(text: str | None) -> date | None:
    """An article date as written (ISO, 'March 3, 2025', '14 October 2026', DD-MM-YYYY)."""
    if not text or not text.strip():
        return None
    if iso := re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    import dateparser  # heavy import (regex tables for every language), only when dating

    # Strict: a date without day, month and year is no publication date. Day first: the
    # workbench's own non-ISO dates are AVeriTeC's DD-MM-YYYY.
    parsed = dateparser.parse(
        text, languages=["en"], settings={"STRICT_PARSING": True, "DATE_ORDER": "DMY"}
    )
    return parsed.date() if parsed else None


def html_published_date(html: str) -> str | None:
    """The publication date an HTML page declares (meta tags, JSON-LD, <time>, its URL), ISO.

    htmldate is trafilatura's own date extractor, asked for the original (published, not
    modified) date from markup only: its extensive search, trafilatura's default, takes any
    date the article mentions ("approved on 4 March 2025") for the page's."""
    from htmldate import find_date

    if "<" not in html:
        return None  # no markup to read, and htmldate downloads a string that looks like a URL
    try:
        return find_date(html, extensive_search=False, original_date=True)
    except ValueError:  # lxml refuses some documents (nesting too deep): no date, not a crash
        return None


def iso_date(text: str | None) -> str | None:
    """``text`` as an ISO date, or None when it is no complete date."""
    parsed = parse_date(text)
    return parsed.isoformat() if parsed else None


def sentence_times(
    sentence: str, article_date: date | None, date_spans: list[tuple[int, int]] | None = None
) -> list[tuple[int, int, ClaimTime]]:
    """Every time expression of ``sentence`` with its character span, resolved against
    ``article_date`` (relative ones stay unresolved without it). ``date_spans`` are the
    parser's DATE entities when the caller has them (``Attribution.dates``, cached), else the
    sentence is parsed here."""
    if date_spans is None:
        date_spans = [(e.start, e.end) for e in clause(sentence).entities if e.label == "DATE"]
    future = bool(_FUTURE.search(sentence))
    times = []
    for start, end in _date_spans(sentence, date_spans):
        text = sentence[start:end]
        if not _ANCHOR.search(text):
            continue
        time = resolve_expression(text, article_date, future=future)
        if time is not None:
            times.append((start, end, time))
    return times


def _date_spans(sentence: str, entities: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parser's DATE spans, pieces of one date joined: it reads "Monday, 12 October" as
    'Monday', the number 12 and 'October', and resolving the pieces apart says it twice."""
    spans: list[list[int]] = []
    for start, end in entities:
        if day := _DAY_BEFORE.search(sentence[:start]):
            start = day.start()
        if spans and _DATE_GAP.fullmatch(sentence[spans[-1][1] : start]):
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [(start, end) for start, end in spans]


def claim_time(
    sentence: str,
    quote_start: int,
    quote_end: int,
    article_date: str | None,
    date_spans: list[tuple[int, int]] | None = None,
) -> ClaimTime | None:
    """The time a claim refers to: the first time expression inside its quote (offsets into
    ``sentence``); when the quote names none, the sentence's time if it names exactly one."""
    times = sentence_times(sentence, parse_date(article_date), date_spans)
    inside = [t for start, end, t in times if quote_start <= start and end <= quote_end]
    if inside:
        return inside[0]
    return times[0][2] if len(times) == 1 else None


@lru_cache(maxsize=2048)
def resolve_expression(
    expression: str, article_date: date | None, *, future: bool = False
) -> ClaimTime | None:
    """One time expression as a ``ClaimTime``; None when it names no point in time."""
    text = " ".join(expression.split())
    relative = bool(_RELATIVE_WORD.search(text)) or not (_YEAR.search(text) or _DECADE.search(text))
    if relative and article_date is None:
        return ClaimTime(expression=text, basis="unresolved")
    basis: Literal["explicit", "relative"] = "relative" if relative else "explicit"
    span = None
    if article_date:
        span = _weekday(text, article_date, future) or _recent(text, article_date)
    # An explicit date needs no base: the article's would only fill in what the text leaves out.
    base = article_date if relative else None
    span = span or _decade(text) or _parsed(text, base, future)
    if span is None and (stripped := _QUALIFIER.sub("", text)) != text:
        span = _parsed(stripped, base, future)
    if span is None and not relative:
        span = _years(text)
    if span is None:
        return None
    start, end, unit = span
    return ClaimTime(
        expression=text, basis=basis, unit=unit, start=start.isoformat(), end=end.isoformat()
    )


def _weekday(text: str, base: date, future: bool) -> tuple[date, date, Unit] | None:
    match = _WEEKDAY.match(text)
    if not match:
        return None
    which, day = (match.group(1) or "").lower(), _WEEKDAYS.index(match.group(2).lower())
    if which == "next" or (future and which != "last"):
        ahead = (day - base.weekday()) % 7
        found = base + timedelta(days=ahead or (7 if which == "next" else 0))
    else:
        back = (base.weekday() - day) % 7
        found = base - timedelta(days=back or (7 if which == "last" else 0))
    return found, found, "day"


def _recent(text: str, base: date) -> tuple[date, date, Unit] | None:
    match = _RECENT.match(text)
    if not match:
        return None
    return base - _RECENT_WINDOW[match.group(1).lower()], base, "recent"


def _decade(text: str) -> tuple[date, date, Unit] | None:
    match = _DECADE.search(text)
    if not match:
        return None
    first = int(match.group(1)) * 10
    return date(first, 1, 1), date(first + 9, 12, 31), "years"


def _years(text: str) -> tuple[date, date, Unit] | None:
    """Years an unreadable expression still names ('between 2010 and 2020', 'Q1 2024')."""
    years = sorted(int(y) for y in _YEAR.findall(text))
    if not years:
        return None
    unit: Unit = "year" if len(set(years)) == 1 else "years"
    return date(years[0], 1, 1), date(years[-1], 12, 31), unit


def _parsed(text: str, base: date | None, future: bool) -> tuple[date, date, Unit] | None:
    from dateparser.date import DateDataParser

    # Without a base (an explicit date) the 1st of January fills in the parts a month or a year
    # leaves out: any other day could make "February 2017" the 31st of February.
    relative_base = datetime(base.year, base.month, base.day) if base else datetime(2000, 1, 1)
    settings = {
        "RELATIVE_BASE": relative_base,
        "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DATES_FROM": "future" if future else "past",
    }
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if data.date_obj is None or data.period not in {"day", "week", "month", "year"}:
        return None
    found = data.date_obj.date()
    if data.period == "day":
        return found, found, "day"
    if data.period == "week":
        monday = found - timedelta(days=found.weekday())
        return monday, monday + timedelta(days=6), "week"
    if data.period == "month":
        last = calendar.monthrange(found.year, found.month)[1]
        return found.replace(day=1), found.replace(day=last), "month"
    return date(found.year, 1, 1), date(found.year, 12, 31), "year"


def spoken(time: ClaimTime) -> str | None:
    """The resolved time as a question names it: '12 October 2026', 'September 2026', '2025',
    'the week of 28 September 2026', '1990 to 1999', 'the days before 6 September 2017'; None
    when unresolved."""
    if time.start is None or time.end is None:
        return None
    start, end = date.fromisoformat(time.start), date.fromisoformat(time.end)
    if time.unit == "recent" and (recent := _RECENT.match(time.expression)):
        return f"the {recent.group(1).lower()} before {end.day} {end:%B %Y}"
    if time.unit == "day":
        return f"{start.day} {start:%B %Y}"
    if time.unit == "week":
        return f"the week of {start.day} {start:%B %Y}"
    if time.unit == "month":
        return f"{start:%B %Y}"
    if time.unit == "year":
        return str(start.year)
    return f"{start.year} to {end.year}"


_NAMED_MONTHS = "|".join(calendar.month_name[1:])
# A date as ``spoken`` writes it ("12 October 2026", "September 2026"), or a year on its own.
_WRITTEN_DATE = re.compile(rf"\b(?:(?:\d{{1,2}}\s+)?(?:{_NAMED_MONTHS})\s+)?(?:1[5-9]|20)\d\d\b")


def without_dates(text: str) -> str:
    """``text`` without its written dates and years: what is left of its numbers are figures
    ("4.2 million", "31 ships"), not times."""
    return _WRITTEN_DATE.sub(" ", text)


def with_resolved_times(sentence: str, article_date: str | None) -> str:
    """``sentence`` with each relative time expression replaced by the date it resolves to
    ("The strike began on Monday" → "The strike began on 12 October 2026"), for questions a
    fact-checker can look up away from the article; unchanged without an article date."""
    base = parse_date(article_date)
    if base is None:
        return sentence
    out, last = [], 0
    for start, end, time in sentence_times(sentence, base):
        said = spoken(time)
        if time.basis != "relative" or said is None or _QUALIFIER.match(time.expression):
            continue  # "late last year" is not all of 2025: the words stay as written
        before = sentence[last:start]
        if time.unit == "recent":
            pass  # "(in) the days before ...": a noun phrase, as "(in) the last few days" was
        elif not _PREPOSITION.search(EDITED_LETTERS.sub(r"\1", before)):
            said = ("on " if time.unit == "day" else "in ") + said
        if time.expression.endswith(("'s", "’s")):  # "last year's roadworks"
            said += time.expression[-2:]
        if start == 0 or sentence[:start].strip() == "":
            said = said[0].upper() + said[1:]
        out += [before, said]
        last = end
    return "".join(out) + sentence[last:]
