"""Segmentation: paragraph roles, sentence offsets, footnote marks, long sentences. No model."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.schema import Article, Role, Status
from workbench.io.ingest import read_path
from workbench.language.segment import (
    MAX_SENTENCE_CHARS,
    article_date,
    boilerplate_reason,
    classify_paragraphs,
    segment_article,
    split_sentences,
)

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))

BODY = "The council approved a budget of 4.2 million dollars for road repairs on Tuesday."
BODY2 = "According to the transport department, 312 streets need repairs, up from 280 in 2024."


def roles(text: str) -> list[tuple[str, str]]:
    """(paragraph text, role) for every paragraph."""
    return [(text[p.start : p.end], p.role.value) for p in classify_paragraphs(text)]


def role_of(text: str, paragraph: str) -> str:
    return dict(roles(text))[paragraph]


# --------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------

HEADER = f"# Budget news\n\nBy Jane Doe\n\nMarch 3, 2025\n\nTags: politics, roads\n\n{BODY}"


@pytest.mark.parametrize(
    ("paragraph", "role", "reason"),
    [
        ("# Budget news", "heading", "heading"),
        ("By Jane Doe", "metadata", "byline"),
        ("March 3, 2025", "metadata", "dateline"),
        ("Tags: politics, roads", "metadata", "tag line"),
        (BODY, "body", ""),
    ],
)
def test_header_roles(paragraph: str, role: str, reason: str) -> None:
    found = {HEADER[p.start : p.end]: p for p in classify_paragraphs(HEADER)}
    assert (found[paragraph].role.value, found[paragraph].role_reason) == (role, reason)


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the day, the council had approved the budget for 2025.",
        "Region: the north of the country saw 14 floods in 2024, officials said.",
        "On March 3, 2025 the council met for the first time in a new building in town.",
    ],
)
def test_metadata_only_before_the_first_prose(line: str) -> None:
    text = f"{BODY}\n\n{line}\n\n{BODY2}"
    assert role_of(text, line) == "body"


def test_short_lines_after_the_first_prose_stay_body() -> None:
    text = f"{BODY}\n\nBy Jane Doe\n\n{BODY2}"
    assert role_of(text, "By Jane Doe") == "body"


@pytest.mark.parametrize("heading", ["## Notes", "## References", "### Sources", "## Footnotes"])
def test_notes_section_is_references_until_the_next_heading(heading: str) -> None:
    text = (f"{BODY}\n\n{heading}\n\n[1] City budget, 2025.\n\nThe budget office, March 2025."
            f"\n\n## Reactions\n\n{BODY2}")
    assert roles(text) == [
        (BODY, "body"),
        (heading, "heading"),
        ("[1] City budget, 2025.", "reference"),
        ("The budget office, March 2025.", "reference"),
        ("## Reactions", "heading"),
        (BODY2, "body"),
    ]


@pytest.mark.parametrize(
    "line",
    ["[2] Sophie Mangal, “U.S. Rescues ISIS Field Commanders”, 2017.",
     "Accessed September 5, 2017.", "https://example.org/report.pdf",
     "3. Ministry of Health, annual report 2023, p. 12."],
)
def test_reference_lines_outside_a_notes_section(line: str) -> None:
    assert role_of(f"{BODY}\n\n{line}\n\n{BODY2}", line) == "reference"


BOILERPLATE = [
    ("Copyright © 2017 Global Research", "copyright notice"),
    ("© 2025 Example News", "copyright notice"),
    ("Copyright 2025 Example News.", "copyright notice"),
    ("All rights reserved.", "copyright notice"),
    ("www.globalresearch.ca contains copyrighted material the use of which has not always been "
     "specifically authorized by the copyright owner.", "copyright notice"),
    ("Disclaimer: The contents of this article are of sole responsibility of the author(s).",
     "disclaimer"),
    ("Margit Solberg is a retired teacher. The views expressed are her own.", "disclaimer"),
    ("This article is for general information only and is not medical advice.", "disclaimer"),
    ("Subscribe to our newsletter.", "subscription appeal"),
    ("Get our weekly health newsletter: subscribe here", "subscription appeal"),
    ("Sign up to the Tolberg Times local news newsletter.", "subscription appeal"),
    ("Become a Member of Global Research", "subscription appeal"),
    ("Support independent journalism: donate today.", "subscription appeal"),
    ("Comment on Global Research Articles on our Facebook page", "social/comment prompt"),
    ("Share this article on Facebook", "social/comment prompt"),
    ("Follow us on Twitter for updates.", "social/comment prompt"),
    ("ISBN: 978-0-9879389-1-6", "advertisement"),
    ("Pre-Order Special Offer: Voices from Syria (Ships mid-September)", "advertisement"),
    ("List Price: $17.95", "advertisement"),
    ("Click to order", "advertisement"),
    ("Advertisement", "advertisement"),
    ("Sponsored content", "advertisement"),
    ("Articles by: Mark Taliano", "publisher footer"),
    ("About the author:", "publisher footer"),
    ("The original source of this article is Global Research", "publisher footer"),
    ("For media inquiries: publications@globalresearch.ca", "publisher footer"),
    ("PRESS RELEASE — FOR IMMEDIATE RELEASE", "press release marker"),
    ("VISIT MY NEW WEB SITE: stephenlendman.org. Contact at lendmanstephen@sbcglobal.net.",
     "promotion or contact details"),
    ("My newest book as editor and contributor is titled Flashpoint in Ukraine.",
     "promotion or contact details"),
    ("Listen to cutting-edge discussions on the Progressive Radio News Hour.",
     "promotion or contact details"),
    ("Visit our website for more stories like this.", "promotion or contact details"),
    ("Stephen Lendman can be reached at lendmanstephen@sbcglobal.net.",
     "promotion or contact details"),
]


@pytest.mark.parametrize(("paragraph", "reason"), BOILERPLATE)
def test_boilerplate_markers(paragraph: str, reason: str) -> None:
    assert boilerplate_reason(paragraph) == reason
    text = f"{BODY}\n\n{paragraph}\n\n{BODY2}"
    found = {text[p.start : p.end]: p for p in classify_paragraphs(text)}
    assert found[paragraph].role == Role.boilerplate
    assert found[paragraph].role_reason == reason


# Ordinary reporting uses the same words: these must stay body, or their claims are lost.
NEWS_PROSE = [
    "The charity said donors had pledged to donate 3 million dollars after the earthquake.",
    "A spokesperson declined to comment on the article published by the newspaper on Monday.",
    "The opposition did not share this view, saying the figures were wrong.",
    "The bill, sponsored by Senator Maria Lopez, passed the Senate by 62 votes to 38 on Tuesday.",
    "A campaign advertisement claimed that crime had doubled since 2020.",
    "The court ruled that the copyright of the song belonged to the composer's estate.",
    "More than 40,000 readers subscribe to the paper, the publisher said in its annual report.",
    "Official results are published on the council's website.",
    "Residents can check whether their address is affected on the company's website.",
    "The minister's blog post was deleted on Monday after 2,000 complaints.",
    "The mayor told a radio show on Friday that taxes would rise by 2 per cent.",
    "Officials refused to listen to residents, who collected 5,000 signatures in a week.",
    "Her latest book, published in 2019, describes how the council spent three years fighting "
    "the state over the budget for road repairs and bridges in the north of the region.",
]


@pytest.mark.parametrize("paragraph", NEWS_PROSE)
def test_news_prose_is_not_boilerplate(paragraph: str) -> None:
    assert boilerplate_reason(paragraph) is None
    assert role_of(f"{BODY}\n\n{paragraph}\n\n{BODY2}", paragraph) == "body"


FOOTER_ARTICLE = "\n\n".join(
    [BODY, BODY2, BODY, BODY2, BODY, "---",
     "Jane Doe writes about cities and roads for the paper and has done so for years.",
     "Subscribe to our newsletter.", "## Offer", "Some ordinary looking line, 2025."]
)


def test_footer_after_a_thematic_break_is_boilerplate() -> None:
    found = roles(FOOTER_ARTICLE)
    assert [role for _, role in found[:5]] == ["body"] * 5
    assert found[5] == ("---", "metadata")
    assert [role for _, role in found[6:]] == ["boilerplate"] * 4  # heading included


def test_thematic_break_without_boilerplate_after_it_is_no_footer() -> None:
    text = "\n\n".join([BODY, BODY2, BODY, "---", BODY2, BODY])
    assert [role for _, role in roles(text)] == ["body"] * 3 + ["metadata"] + ["body"] * 2


def test_thematic_break_in_the_first_half_is_no_footer() -> None:
    text = "\n\n".join([BODY, "---", "Subscribe to our newsletter.", BODY2, BODY, BODY2, BODY])
    assert [role for _, role in roles(text)] == (
        ["body", "metadata", "boilerplate", "body", "body", "body", "body"])


def test_press_release_ends_at_ends() -> None:
    text = "\n\n".join([BODY, BODY2, BODY, BODY2, "ENDS", "### About Valdria Water",
                        "Valdria Water supplies drinking water to 1.4 million people."])
    assert [role for _, role in roles(text)] == ["body"] * 4 + ["boilerplate"] * 3


# --------------------------------------------------------------------------------------------
# Sentences and offsets
# --------------------------------------------------------------------------------------------

TRICKY = [
    "The U.S. Air Force struck at 5 p.m. on Monday. Dr. Smith said so.  Two  spaces   here.",
    "He said: “It is over.” Then he left... Or did he? Yes!",
    "Syria will now begin celebrating a huge VICTORY.[1] Next sentence here.[2][3] And more.",
    "(s)everal Russian soldiers were killed. Thank GOD from whom all blessings flow.",
    "A sentence with an emoji 🙂 and accents café. Ünïcödé sentence.",
    "Ellipsis mid … sentence continues. Next.",
    "   Leading spaces. Trailing spaces.   ",
    "Mr. and Mrs. Jones went to Washington D.C. yesterday. They returned.",
    "Line one without stop\nLine two. Line three.\n\n\n# Heading\n\nBy Someone\n\nLast one.",
    "Tabs\tinside. And a form\u00a0feed-free nbsp.",
]


@pytest.mark.parametrize("text", TRICKY)
def test_sentence_offsets_match_the_text(text: str) -> None:
    article = Article(text=text)
    paragraphs, sentences = segment_article(article)
    assert sentences
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        paragraph = paragraphs[sentence.paragraph]
        assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
        assert sentence.role == paragraph.role
    assert [s.index for s in sentences] == list(range(len(sentences)))
    assert [s.id for s in sentences] == [f"s{i + 1}" for i in range(len(sentences))]
    starts = [s.start for s in sentences]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Syria will now begin celebrating a huge VICTORY.[1] Next one.",
         ["Syria will now begin celebrating a huge VICTORY.[1]", "Next one."]),
        ("First claim here.[2][3] Second.", ["First claim here.[2][3]", "Second."]),
        ("One. Two? Three!", ["One.", "Two?", "Three!"]),
        ("He said: “It is over.” Then he left.", ["He said: “It is over.”", "Then he left."]),
        ("Line one\nLine two.", ["Line one", "Line two."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_split_sentences_shifts_by_offset() -> None:
    assert split_sentences("One. Two.", offset=10) == [(10, 14), (15, 19)]


def test_long_sentence_is_skipped_with_the_reason() -> None:
    long = "The council " + "and the mayor " * (MAX_SENTENCE_CHARS // 14 + 5) + "agreed."
    text = f"{BODY}\n\n{long}\n\n{BODY2}"
    _, sentences = segment_article(Article(text=text))
    skipped = [s for s in sentences if s.status == Status.skipped]
    assert [s.text for s in skipped] == [long]
    assert "too long" in skipped[0].reason and f"{MAX_SENTENCE_CHARS:,}" in skipped[0].reason
    assert skipped[0].role == Role.body
    assert [s.status for s in sentences if s.text != long] == [Status.pending] * 2


def test_non_body_sentences_are_skipped_with_their_role() -> None:
    text = f"{HEADER}\n\nSubscribe to our newsletter.\n\n## Notes\n\n[1] A source, 2020."
    _, sentences = segment_article(Article(text=text))
    reasons = {s.text: (s.status, s.reason) for s in sentences}
    assert reasons["# Budget news"] == (Status.skipped, "heading: heading")
    assert reasons["By Jane Doe"] == (Status.skipped, "metadata: byline")
    assert reasons["[1] A source, 2020."] == (Status.skipped, "reference: notes / reference list")
    assert reasons["Subscribe to our newsletter."] == (
        Status.skipped, "boilerplate: subscription appeal")
    assert reasons[BODY] == (Status.pending, "")


def test_thematic_break_is_no_sentence() -> None:
    _, sentences = segment_article(Article(text=f"{BODY}\n\n---\n\n{BODY2}"))
    assert [s.text for s in sentences] == [BODY, BODY2]


def test_sentence_without_words_is_skipped() -> None:
    _, sentences = segment_article(Article(text=f"{BODY}\n\n* * 1 *\n\n{BODY2}"))
    assert [(s.status, s.reason) for s in sentences if s.text.startswith("*")] == [
        (Status.skipped, "no words")]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("# T\n\nBy A\n\nGlobal Research, September 06, 2017\n\n" + BODY, "September 06, 2017"),
        ("# T\n\n3 March 2025\n\n" + BODY, "3 March 2025"),
        ("# T\n\n2025-03-03\n\n" + BODY, "2025-03-03"),
        ("# T\n\n" + BODY, None),
        # a byline or the headline that carries the date
        ("# T\n\nBy Ana Ruiz, 3 February 2026\n\n" + BODY, "3 February 2026"),
        ("# Floods close the port, 3 February 2026\n\n" + BODY, "3 February 2026"),
        # the dateline that opens the lead
        ("# T\n\nPort Carrow, 3 February 2026 — The ministry said the port closed last year.",
         "3 February 2026"),
        ("# T\n\nPORT CARROW, Feb. 3, 2026 (Northwire) - The ministry said the port closed.",
         "Feb. 3, 2026"),
        # a date in the body is what happened then, not when it was written
        ("# T\n\nThe port closed on 3 February 2026 after the storm.", None),
    ],
)
def test_article_date_from_the_dateline(text: str, date: str | None) -> None:
    assert article_date(text, classify_paragraphs(text)) == date


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_articles(seed: Path) -> None:
    article = read_path(str(seed))
    paragraphs, sentences = segment_article(article)
    text = article.text
    assert all(text[s.start : s.end] == s.text for s in sentences)
    by_role = {role: [s for s in sentences if s.role == role] for role in Role}
    assert len(by_role[Role.body]) >= 15
    assert by_role[Role.heading][0].text.startswith("# ")
    assert {s.text for s in by_role[Role.metadata]} >= {"Region: Middle East & North Africa",
                                                          "Theme: Terrorism, US NATO War Agenda"}
    boilerplate = " ".join(s.text for s in by_role[Role.boilerplate])
    for marker in ("ISBN", "Disclaimer", "Copyright", "Facebook page", "Special Price"):
        assert marker in boilerplate
    body = " ".join(s.text for s in by_role[Role.body])
    for marker in ("ISBN", "Disclaimer", "Copyright ©", "Facebook page", "WEB SITE"):
        assert marker not in body
    assert all(s.status == Status.skipped for s in sentences if s.role != Role.body)
    assert article_date(text, paragraphs) in {"September 06, 2017", "September 07, 2017"}


def test_seed_footnote_mark_stays_with_its_sentence() -> None:
    article = read_path(str(SEEDS[0]))
    _, sentences = segment_article(article)
    texts = [s.text for s in sentences]
    assert "Syria will now begin celebrating a huge VICTORY.[1]" in texts
    assert "[1]" not in texts
