"""HTML and Markdown for the workbench pages; pure functions, no Streamlit.

Article text, quotes and model output are untrusted: every piece of them goes through
``html.escape`` (for HTML) or ``md_escape`` (for Streamlit Markdown, where ``$`` starts LaTeX and
``*`` emphasis) before it is put next to our own markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from workbench.core.schema import CheckLabel, Claim, Report, Sentence, Status

# One palette for the highlights, the legend and the table; readable on the light theme.
LABEL_COLOURS = {
    CheckLabel.check_worthy.value: "#f8b4a0",
    CheckLabel.maybe.value: "#fbe3a1",
    CheckLabel.not_check_worthy.value: "#d9e3ef",
    "unrated": "#e4e4e4",
}
LABEL_NAMES = {
    CheckLabel.check_worthy.value: "check-worthy",
    CheckLabel.maybe.value: "maybe",
    CheckLabel.not_check_worthy.value: "not check-worthy",
    "unrated": "unrated",
}
_RANK = {"unrated": 0, "not_check_worthy": 1, "maybe": 2, "check_worthy": 3}

STATUS_NAMES = {
    Status.claims: "claims",
    Status.no_claim: "no claim",
    Status.ambiguous: "ambiguous",
    Status.skipped: "skipped",
    Status.failed: "failed",
    Status.pending: "not checked yet",
}

ARTICLE_CSS = """<style>
.wb-article { white-space: pre-wrap; font-family: Georgia, 'Times New Roman', serif;
  font-size: 1.02rem; line-height: 1.65; padding: 0.4rem 0.9rem; color: #1f2430; }
.wb-article mark { padding: 0.05em 0.1em; border-radius: 3px; color: inherit; }
.wb-article mark.wb-sel { outline: 2px solid #b3261e; background: #ffd27a !important; }
.wb-article sup.wb-id { font-family: ui-monospace, monospace; font-size: 0.68em; color: #7a3b2e;
  margin: 0 0.15em; }
.wb-article .wb-s-skipped { color: #8a8f98; }
.wb-article .wb-s-ambiguous { text-decoration: underline dotted #9a6700;
  text-underline-offset: 3px; }
.wb-article .wb-s-failed { text-decoration: underline wavy #b3261e; text-underline-offset: 3px; }
.wb-article .wb-s-pending { color: #5f6672; }
.wb-legend { font-size: 0.82rem; color: #4b5260; margin: 0.1rem 0 0.4rem 0; }
.wb-legend span.wb-key { padding: 0.05em 0.45em; border-radius: 3px; margin-right: 0.5em; }
.wb-context { font-family: Georgia, 'Times New Roman', serif; line-height: 1.6;
  white-space: pre-wrap;
  border-left: 3px solid #b3261e; padding: 0.3rem 0.8rem; background: #fbfaf7; }
.wb-context mark { background: #ffd27a; padding: 0.05em 0.1em; border-radius: 3px; }
</style>"""


def label_of(claim: Claim) -> str:
    """The claim's check-worthiness label value, or ``unrated``."""
    return claim.checkworthiness.label.value if claim.checkworthiness else "unrated"


def md_escape(text: str) -> str:
    """Make untrusted text literal in Streamlit Markdown (no emphasis, links, HTML or LaTeX)."""
    text = " ".join(text.split())
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>$~:])", r"\\\1", text)


def _sentence_at(sentences: list[Sentence], position: int) -> Sentence | None:
    for sentence in sentences:
        if sentence.start <= position < sentence.end:
            return sentence
    return None


def highlight_article(
    report: Report, *, selected: str | None = None, claims: Iterable[Claim] | None = None
) -> str:
    """The article as escaped HTML with every claim's quote marked and labelled by its id.

    Overlapping quotes are split into segments; a segment takes the colour of the most
    check-worthy claim covering it, and a red outline when the ``selected`` claim covers it.
    Sentence statuses show as styles: skipped greyed, ambiguous dotted, failed wavy underline.
    """
    text = report.article.text
    shown = list(report.claims if claims is None else claims)
    # every place a claim is quoted: its quote, and the later sentences that repeat it
    marks = [
        (claim, start, end)
        for claim in shown
        for start, end in [(claim.start, claim.end), *((q.start, q.end) for q in claim.also_quoted)]
    ]
    bounds = {0, len(text)}
    for _, start, end in marks:
        bounds.update((start, end))
    for sentence in report.sentences:
        bounds.update((sentence.start, sentence.end))
    cuts = sorted(b for b in bounds if 0 <= b <= len(text))
    ends_at: dict[int, list[str]] = {}
    for claim, _, end in marks:
        ends_at.setdefault(end, []).append(claim.id)

    parts = [ARTICLE_CSS, '<div class="wb-article">']
    for start, end in zip(cuts, cuts[1:], strict=False):
        segment = html.escape(text[start:end])
        covering = [c for c, a, b in marks if a <= start and end <= b and a < b]
        if covering:
            label = max((label_of(c) for c in covering), key=_RANK.__getitem__)
            ids = " ".join(c.id for c in covering)
            css = ' class="wb-sel"' if selected in {c.id for c in covering} else ""
            segment = (
                f'<mark{css} style="background:{LABEL_COLOURS[label]}" '
                f'title="{html.escape(ids, quote=True)}">{segment}</mark>'
            )
        holder = _sentence_at(report.sentences, start)
        if holder is not None and holder.status in (
            Status.skipped,
            Status.ambiguous,
            Status.failed,
            Status.pending,
        ):
            reason = html.escape(f"{STATUS_NAMES[holder.status]}: {holder.reason}", quote=True)
            segment = f'<span class="wb-s-{holder.status.value}" title="{reason}">{segment}</span>'
        parts.append(segment)
        if end in ends_at:
            ids = " ".join(ends_at[end])
            parts.append(f'<sup class="wb-id">{html.escape(ids)}</sup>')
    parts.append("</div>")
    return "".join(parts)


def legend() -> str:
    """A one-line key to the highlight colours and sentence styles."""
    keys = "".join(
        f'<span class="wb-key" style="background:{colour}">{LABEL_NAMES[label]}</span>'
        for label, colour in LABEL_COLOURS.items()
    )
    return (
        f'{ARTICLE_CSS}<div class="wb-legend">{keys}'
        '<span class="wb-key" style="color:#8a8f98">grey: skipped</span>'
        '<span class="wb-key" style="text-decoration: underline dotted #9a6700">ambiguous</span>'
        '<span class="wb-key" style="text-decoration: underline wavy #b3261e">failed</span>'
        "</div>"
    )


def quote_in_context(report: Report, claim: Claim, context: int = 1) -> str:
    """The claim's sentence with ``context`` sentences around it, the quote marked (escaped)."""
    text = report.article.text
    index = next((i for i, s in enumerate(report.sentences) if s.id == claim.sentence_id), None)
    if index is None:
        start, end = claim.start, claim.end
    else:
        same_paragraph = [
            s for s in report.sentences if s.paragraph == report.sentences[index].paragraph
        ]
        position = same_paragraph.index(report.sentences[index])
        window = same_paragraph[max(0, position - context) : position + context + 1]
        start, end = window[0].start, window[-1].end
    start, end = min(start, claim.start), max(end, claim.end)
    return (
        f'{ARTICLE_CSS}<div class="wb-context">{html.escape(text[start : claim.start])}'
        f"<mark>{html.escape(text[claim.start : claim.end])}</mark>"
        f"{html.escape(text[claim.end : end])}</div>"
    )


def scroll_to_selection(claim_id: str) -> str:
    """A script that scrolls the article box (not the page) to the selected claim's quote.

    The claim id only names the selection so the script differs per claim (a changed body is
    run again); it is matched against ``[A-Za-z0-9-]`` and never put into the code otherwise.
    """
    marker = re.sub(r"[^A-Za-z0-9-]", "", claim_id)
    return (
        "<script>/* selected " + marker + " */"
        "setTimeout(() => {"
        "const mark = document.querySelector('.wb-article mark.wb-sel');"
        "if (!mark) return;"
        "let box = mark.parentElement;"
        "while (box && box.scrollHeight <= box.clientHeight + 2) box = box.parentElement;"
        "if (!box || box === document.documentElement || box === document.body) return;"
        "const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;"
        "box.scrollTop += offset - box.clientHeight / 3;"
        "}, 300);</script>"
    )
