"""Dates: article dates as written, and claim times resolved against them. No model."""

from __future__ import annotations

from datetime import date

import pytest

from workbench.core.schema import ClaimTime
from workbench.language.dates import (
    claim_time,
    parse_date,
    resolve_expression,
    sentence_times,
    spoken,
    with_resolved_times,
    without_dates,
)

WEDNESDAY = date(2026, 10, 14)  # the article date of the table below


@pytest.mark.parametrize(
    ("sentence", "expression", "basis", "as_of"),
    [
        # explicit: the text names the date itself
        ("The council voted on 4 March 2025.", "4 March 2025", "explicit", "2025-03-04"),
        ("The clinic opened on 2024-05-01.", "2024-05-01", "explicit", "2024-05-01"),
        ("In 2017 the law passed.", "2017", "explicit", "2017-01-01/2017-12-31"),
        ("He took office in January 2017.", "January 2017", "explicit", "2017-01-01/2017-01-31"),
        ("Crime doubled in the 1990s.", "the 1990s", "explicit", "1990-01-01/1999-12-31"),
        # relative: resolved against the article date
        ("Unemployment rose last year.", "last year", "relative", "2025-01-01/2025-12-31"),
        ("The strike began on Monday.", "Monday", "relative", "2026-10-12"),
        ("Workers stayed out on Wednesday.", "Wednesday", "relative", "2026-10-14"),  # that day
        ("Talks are due to resume on Friday.", "Friday", "relative", "2026-10-16"),  # to come
        ("The report was published last Wednesday.", "last Wednesday", "relative", "2026-10-07"),
        ("It happened yesterday.", "yesterday", "relative", "2026-10-13"),
        ("Sales fell in March.", "March", "relative", "2026-03-01/2026-03-31"),
        ("The law took effect in February.", "February", "relative", "2026-02-01/2026-02-28"),
        ("On October 3 the mayor resigned.", "October 3", "relative", "2026-10-03"),
        # the parser reads "Monday", 12, "October": one date, said once
        ("It began on Monday, 12 October, at 6am.", "Monday, 12 October", "relative", "2026-10-12"),
        ("Last month the rate fell.", "Last month", "relative", "2026-09-01/2026-09-30"),
        ("Two weeks ago the port closed.", "Two weeks ago", "relative", "2026-09-28/2026-10-04"),
        ("Prices rose 5 per cent this year.", "this year", "relative", "2026-01-01/2026-12-31"),
        ("Late last year the bank failed.", "Late last year", "relative", "2025-01-01/2025-12-31"),
        # a vague stretch up to the article date: the days, weeks or months before it
        ("Ten were hurt in the last few days.", "the last few days", "relative",
         "2026-10-07/2026-10-14"),
        ("Prices rose in recent weeks.", "recent weeks", "relative", "2026-09-09/2026-10-14"),
        # "would" with a date speaks of what is still to come, as "will" does
        ("The committee would meet on 19 October.", "19 October", "relative", "2026-10-19"),
    ],
)  # fmt: skip
def test_time_expressions_resolve_against_the_article_date(
    sentence: str, expression: str, basis: str, as_of: str
) -> None:
    [(start, end, time)] = sentence_times(sentence, WEDNESDAY)
    assert sentence[start:end] == time.expression == expression
    assert (time.basis, time.as_of) == (basis, as_of)


@pytest.mark.parametrize(
    "sentence",
    [
        "Nothing here names a time.",
        "The last strike lasted nine days.",  # durations are what is claimed, not when
        "Over the past five years, rents rose 40%.",
        "About 2,400 workers stayed out for a third consecutive day.",
    ],
)
def test_durations_and_sentences_without_a_time_have_none(sentence: str) -> None:
    assert sentence_times(sentence, WEDNESDAY) == []


def test_without_an_article_date_relative_times_stay_unresolved() -> None:
    text = "Unemployment rose last year, after 3.1% in 2017 and on 3 May 2020."
    times = [t for _, _, t in sentence_times(text, None)]
    assert [(t.expression, t.basis, t.as_of) for t in times] == [
        ("last year", "unresolved", None),  # never today's year
        ("2017", "explicit", "2017-01-01/2017-12-31"),
        ("3 May 2020", "explicit", "2020-05-03"),
    ]


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("2026-10-14", date(2026, 10, 14)),
        ("2026-10-14T08:00:00+00:00", date(2026, 10, 14)),
        ("March 3, 2025", date(2025, 3, 3)),
        ("14 October 2026", date(2026, 10, 14)),
        ("25-08-2020", date(2020, 8, 25)),  # AVeriTeC's DD-MM-YYYY
        ("October 2026", None),  # no day: no publication date
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_article_dates_as_written(written: str | None, parsed: date | None) -> None:
    assert parse_date(written) == parsed


def test_a_claim_takes_the_time_in_its_quote_else_its_sentences_only_time() -> None:
    sentence = "Exports fell 4% in 2019, the ministry said on Monday, and imports rose 2%."
    quote = "Exports fell 4% in 2019"
    time = claim_time(sentence, 0, len(quote), "2026-10-14")
    assert time is not None and time.expression == "2019"
    # "imports rose 2%" names no time, and the sentence names two: which one is not known.
    imports = sentence.index("imports")
    assert claim_time(sentence, imports, len(sentence), "2026-10-14") is None
    one = "The strike began on Monday, and the port closed."
    closed = one.index("the port")
    assert claim_time(one, closed, len(one), "2026-10-14") == resolve_expression(
        "Monday", WEDNESDAY
    )


@pytest.mark.parametrize(
    ("sentence", "questioned"),
    [
        ("The strike began on Monday.", "The strike began on 12 October 2026."),
        ("Unemployment rose last year.", "Unemployment rose in 2025."),
        ("Sales fell in March.", "Sales fell in March 2026."),
        ("It began on Monday, 12 October, at dawn.", "It began on 12 October 2026, at dawn."),
        ("Last month the rate fell.", "In September 2026 the rate fell."),
        ("In 2017 the law passed.", "In 2017 the law passed."),  # explicit: as written
        ("Late last year the bank failed.", "Late last year the bank failed."),  # not all of 2025
        # a quotation's letters changed by an editor: the preposition is there already
        ("[o]n Monday, the strike began.", "[o]n 12 October 2026, the strike began."),
        ("Ten were hurt in the last few days.",
         "Ten were hurt in the days before 14 October 2026."),
        ("Takings fell during last year's roadworks.", "Takings fell during 2025's roadworks."),
    ],
)
def test_relative_times_are_named_by_their_date_for_questions(
    sentence: str, questioned: str
) -> None:
    assert with_resolved_times(sentence, "14 October 2026") == questioned
    assert with_resolved_times(sentence, None) == sentence


def test_spoken_names_each_unit() -> None:
    def said(unit: str, start: str, end: str) -> str | None:
        return spoken(ClaimTime(expression="x", basis="relative", unit=unit, start=start, end=end))

    assert said("day", "2026-10-12", "2026-10-12") == "12 October 2026"
    assert said("week", "2026-09-28", "2026-10-04") == "the week of 28 September 2026"
    assert said("month", "2026-09-01", "2026-09-30") == "September 2026"
    assert said("year", "2025-01-01", "2025-12-31") == "2025"
    assert said("years", "1990-01-01", "1999-12-31") == "1990 to 1999"
    recent = ClaimTime(
        expression="the past few weeks", basis="relative", unit="recent",
        start="2026-09-09", end="2026-10-14",
    )  # fmt: skip
    assert spoken(recent) == "the weeks before 14 October 2026"
    assert spoken(ClaimTime(expression="last year", basis="unresolved")) is None


def test_without_dates_leaves_the_figures() -> None:
    text = "On 12 October 2026, 31 ships waited; in September 2026 and 2025 only 4.2 million."
    assert " ".join(without_dates(text).split()) == "On , 31 ships waited; in and only 4.2 million."
