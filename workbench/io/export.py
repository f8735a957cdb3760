"""Exports of a report: JSON (the full report), CSV (one row per claim, in check-first order with
its ``rank`` and the reason in ``rationale``: ``workbench.classifier.rank``), Markdown (a brief
opening with the check-first list, and the claims by topic when topics were given), and
three published shapes other tools read as they are:

- ``averitec``: AVeriTeC's claim JSON (a list of ``claim``, ``speaker``, ``claim_date`` DD-MM-YYYY,
  ``questions`` with empty ``answers``, plus ``evidence`` question/answer pairs as its scorer's
  predictions take them), so AVeriTeC's question scorer runs on the plan directly;
- ``checkthat``: CheckThat! 2024 task 1's TSV (``Sentence_id``, ``Text``, ``class_label``
  Yes/No): a body sentence is Yes when one of its claims is rated check-worthy;
- ``claimreview``: schema.org ``ClaimReview`` JSON-LD, one per claim (the claim, who made it,
  where and when it appeared) with no ``reviewRating``: a rating is a person's verdict, never
  the workbench's.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from workbench.classifier.rank import check_first
from workbench.core.schema import CheckLabel, Claim, ClaimTime, Report, Role, Status
from workbench.language.dates import parse_date
from workbench.language.sources import AUTHOR

FORMATS = ("json", "md", "csv", "averitec", "checkthat", "claimreview")

CSV_COLUMNS = [
    "rank",
    "id",
    "sentence_id",
    "text",
    "quote",
    "start",
    "end",
    "claimer",
    "attribution",
    "type",
    "time",
    "time_expression",
    "score",
    "label",
    "rationale",
    "topics",
    "evidence_kinds",
    "questions",
    "where",
    "review",
    "tokens",
    "cost_usd",
    "seconds",
    "engines",
]


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for ranked in check_first(report):
        claim, rating = ranked.claim, ranked.claim.checkworthiness
        why = f"{ranked.reason}. {rating.rationale}" if rating else ranked.reason
        writer.writerow(
            {
                "rank": ranked.rank,
                "id": claim.id,
                "sentence_id": claim.sentence_id,
                "text": claim.text,
                "quote": claim.quote,
                "start": claim.start,
                "end": claim.end,
                "claimer": claim.claimer,
                "attribution": " > ".join(claim.attribution),
                "type": claim.type.value,
                "time": (claim.time.as_of or claim.time.basis) if claim.time else "",
                "time_expression": claim.time.expression if claim.time else "",
                "score": f"{rating.score:.2f}" if rating else "",
                "label": rating.label.value if rating else "",
                "rationale": why,
                "topics": "; ".join(claim.topics),
                "evidence_kinds": "; ".join(need.kind.value for need in claim.evidence),
                "questions": " | ".join(q for need in claim.evidence for q in need.questions),
                "where": "; ".join(w for need in claim.evidence for w in need.where),
                "review": claim.review,
                "tokens": claim.usage.tokens,
                "cost_usd": f"{claim.usage.cost_usd:.6f}",
                "seconds": f"{claim.usage.seconds:.2f}",
                "engines": "; ".join(f"{k}: {v}" for k, v in claim.provenance.items()),
            }
        )
    return buffer.getvalue()


def _md_escape(text: str) -> str:
    """Article text is untrusted: neutralise Markdown and HTML so it renders as plain text."""
    # Every kind of line break (\r, \u2028 ...), not only \n: a break would start a new block.
    text = " ".join(text.splitlines()).strip()
    for ch in "\\`*_{}[]<>#|~":
        text = text.replace(ch, "\\" + ch)
    # The text often opens a line ("> quote"): a leading list or heading marker would be syntax.
    return re.sub(r"^(\d*)([-+=.)])", r"\1\\\2", text)


def _time_line(time: ClaimTime) -> str:
    """'2025-01-01/2025-12-31 ("last year", relative to the article date)'."""
    how = {
        "explicit": "as the article states it",
        "relative": "relative to the article date",
        "unresolved": "relative, and the article has no date to resolve it",
    }[time.basis]
    when = f"{_md_escape(time.as_of)} " if time.as_of else ""
    return f"- **Time:** {when}(“{_md_escape(time.expression)}”, {how})"


def to_markdown(report: Report) -> str:
    """A fact-check brief: the check-first list (and the claims by topic, when topics were
    given), then each claim in that order with its evidence plan."""
    title = report.article.title or report.article.source
    lines = [
        f"# Fact-check brief: {_md_escape(title)}",
        "",
        f"{report.summary()} · backend `{report.run.backend}` ({report.run.model})",
        "",
    ]
    ranked = check_first(report)
    if ranked:
        lines += ["## Check first", ""]
        # A bullet, not an ordered list: the brief renders no list syntax the text could forge.
        lines += [
            f"- **{r.rank}** · {r.claim.id}: {_md_escape(r.claim.text)} ({_md_escape(r.reason)})"
            for r in ranked
        ]
        lines.append("")
    if report.topics:
        lines += ["## By topic", ""]
        for topic in report.topics:
            about = [r.claim.id for r in ranked if topic in r.claim.topics]
            lines.append(f"- **{_md_escape(topic)}:** {', '.join(about) or 'no claim'}")
        off = [r.claim.id for r in ranked if not r.claim.topics]
        if off:
            lines.append(f"- **About none of the topics:** {', '.join(off)}")
        lines.append("")
    for claim in (r.claim for r in ranked):
        rating = claim.checkworthiness
        score = (
            f"{rating.score:.2f} ({rating.label.value.replace('_', ' ')})" if rating else "unrated"
        )
        lines += [
            f"## {claim.id}. {_md_escape(claim.text)}",
            "",
            f"> {_md_escape(claim.quote)}",
            *(f">\n> also: {_md_escape(q.quote)}" for q in claim.also_quoted),
            "",
            f"- **Claimer:** {_md_escape(' → '.join(claim.attribution) or claim.claimer)}",
            f"- **Type:** {claim.type.value} · **Check-worthiness:** {score}",
        ]
        if claim.topics:
            lines.append(f"- **Topics:** {_md_escape('; '.join(claim.topics))}")
        if claim.time:
            lines.append(_time_line(claim.time))
        if rating:
            lines.append(f"- **Why:** {_md_escape(rating.rationale)}")
        for need in claim.evidence:
            where = f" — look in: {_md_escape('; '.join(need.where))}" if need.where else ""
            as_of = f" (as of {_md_escape(need.as_of)})" if need.as_of else ""
            lines.append(
                f"- **Evidence ({need.kind.value.replace('_', ' ')}):** "
                f"{_md_escape(need.need)}{as_of}{where}"
            )
            lines += [f"    - {_md_escape(q)}" for q in need.questions]
        lines.append("")
    unresolved = [s for s in report.sentences if s.status in (Status.ambiguous, Status.failed)]
    if unresolved:
        lines += ["## Sentences to look at by hand", ""]
        lines += [f"- {s.id} ({s.status.value}): {_md_escape(s.text)}" for s in unresolved]
        lines.append("")
    return "\n".join(lines)


def _averitec_date(date: str | None) -> str | None:
    """AVeriTeC writes dates DD-MM-YYYY (an ISO date or a dateline "March 3, 2025" is written
    so); anything that is no complete date is kept as it is."""
    parsed = parse_date(date)
    return parsed.strftime("%d-%m-%Y") if parsed else date or None


def to_averitec(report: Report) -> str:
    # ``claim_date`` is when the claim was made public: the article's date, not the time the
    # claim speaks of (that one is in the questions and the evidence plan's ``as_of``).
    date = _averitec_date(report.article.date)
    records = []
    for claim in report.claims:
        questions = [q for need in claim.evidence for q in need.questions]
        records.append(
            {
                "claim": claim.text,
                "speaker": None if claim.claimer == AUTHOR else claim.claimer,
                "claim_date": date,
                "original_claim_url": report.article.source,
                "claim_types": [claim.type.value],
                "questions": [{"question": q, "answers": []} for q in questions],
                "evidence": [{"question": q, "answer": ""} for q in questions],
            }
        )
    return json.dumps(records, indent=2, ensure_ascii=False)


def to_checkthat(report: Report) -> str:
    worthy = {
        claim.sentence_id
        for claim in report.claims
        if claim.checkworthiness and claim.checkworthiness.label == CheckLabel.check_worthy
    }
    lines = ["Sentence_id\tText\tclass_label"]
    for sentence in report.sentences:
        if sentence.role != Role.body or sentence.status in (Status.skipped, Status.failed):
            continue  # only sentences the pipeline judged
        text = " ".join(sentence.text.split())  # the TSV has no quoting: no tab, no newline
        lines.append(f"{sentence.id}\t{text}\t{'Yes' if sentence.id in worthy else 'No'}")
    return "\n".join(lines) + "\n"


def _party(name: str) -> dict[str, str]:
    """A claimer as schema.org sees it: capitalised words only is taken for a person."""
    words = name.split()
    person = 0 < len(words) <= 4 and all(w[:1].isupper() for w in words)
    return {"@type": "Person" if person else "Organization", "name": name}


def _claim_review(report: Report, claim: Claim) -> dict[str, Any]:
    article = report.article
    appearance: dict[str, Any] = {"@type": "CreativeWork", "name": article.title or article.source}
    if re.match(r"https?://", article.source):
        appearance["url"] = article.source
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": _party(
            f"the author of {appearance['name']}" if claim.claimer == AUTHOR else claim.claimer
        ),
        "appearance": appearance,
        "text": claim.quote,
    }
    if article.date:
        item["datePublished"] = article.date
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "itemReviewed": item,
    }


def to_claimreview(report: Report) -> str:
    return json.dumps(
        [_claim_review(report, claim) for claim in report.claims], indent=2, ensure_ascii=False
    )


def render(report: Report, fmt: str) -> str:
    writers = {
        "json": to_json,
        "md": to_markdown,
        "csv": to_csv,
        "averitec": to_averitec,
        "checkthat": to_checkthat,
        "claimreview": to_claimreview,
    }
    return writers[fmt](report)
