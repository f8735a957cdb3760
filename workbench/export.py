"""Exports of a report: JSON (the full report), CSV (one row per claim), Markdown (a brief)."""

from __future__ import annotations

import csv
import io
import re

from workbench.schema import Report, Status

FORMATS = ("json", "md", "csv")

CSV_COLUMNS = [
    "id",
    "sentence_id",
    "text",
    "quote",
    "start",
    "end",
    "claimer",
    "attribution",
    "type",
    "score",
    "label",
    "rationale",
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
    for claim in report.claims:
        rating = claim.checkworthiness
        writer.writerow(
            {
                "id": claim.id,
                "sentence_id": claim.sentence_id,
                "text": claim.text,
                "quote": claim.quote,
                "start": claim.start,
                "end": claim.end,
                "claimer": claim.claimer,
                "attribution": " > ".join(claim.attribution),
                "type": claim.type.value,
                "score": f"{rating.score:.2f}" if rating else "",
                "label": rating.label.value if rating else "",
                "rationale": rating.rationale if rating else "",
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


def to_markdown(report: Report) -> str:
    """A fact-check brief: claims by check-worthiness, each with its evidence plan."""
    title = report.article.title or report.article.source
    lines = [
        f"# Fact-check brief: {_md_escape(title)}",
        "",
        f"{report.summary()} · backend `{report.run.backend}` ({report.run.model})",
        "",
    ]
    ranked = sorted(
        report.claims,
        key=lambda c: -(c.checkworthiness.score if c.checkworthiness else -1),
    )
    for claim in ranked:
        rating = claim.checkworthiness
        score = (
            f"{rating.score:.2f} ({rating.label.value.replace('_', ' ')})" if rating else "unrated"
        )
        lines += [
            f"## {claim.id}. {_md_escape(claim.text)}",
            "",
            f"> {_md_escape(claim.quote)}",
            "",
            f"- **Claimer:** {_md_escape(' → '.join(claim.attribution) or claim.claimer)}",
            f"- **Type:** {claim.type.value} · **Check-worthiness:** {score}",
        ]
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


def render(report: Report, fmt: str) -> str:
    return {"json": to_json, "md": to_markdown, "csv": to_csv}[fmt](report)
