"""AVeriTeC: real-world claims with the questions a fact-checker needed to answer them.

Spec ``averitec:PATH``, PATH an AVeriTeC JSON split (or a folder with one ``.json``). Each claim
with gold questions, its speaker as claimer and its date, runs through the evidence stage; the
planned questions are scored against the gold questions with Hungarian-matched METEOR
(AVeriTeC's question-only score), averaged over claims. Claims without gold questions are
skipped. The heuristic beside it: ``heuristic.template_questions``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field

from workbench.core.errors import ConfigError
from workbench.core.prompts import PromptSet
from workbench.core.schema import Claim, ClaimType, Stage
from workbench.evaluation.dataset_runner import (
    DatasetRun,
    StageCounter,
    dataset_run,
    run_items,
    select_extract_rate,
)
from workbench.evaluation.datasets import Dataset, Item, ItemCallback, LoadedDataset
from workbench.evaluation.heuristic import template_questions
from workbench.evaluation.items import ItemCounter, ItemSpec
from workbench.evaluation.scoring.evidence import score_questions
from workbench.evaluation.scoring.wellformed import score_wellformed
from workbench.evaluation.stats import Pooling
from workbench.llm import StructuredClient
from workbench.pipeline import PipelineRun


class AveritecClaim(Item):
    """A real-world claim with the questions a fact-checker needed (AVeriTeC)."""

    claim: str
    speaker: str | None = None
    claim_date: str | None = Field(default=None, description="DD-MM-YYYY, as in the data.")
    reporting_source: str | None = None
    location: str | None = Field(default=None, description="ISO country code.")
    claim_types: list[str] = Field(default_factory=list)
    label: str = Field(description="Verdict: Supported, Refuted, Not Enough Evidence, ...")
    questions: list[str] = Field(description="Gold questions, in the annotators' order.")


def _optional_text(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def read_averitec(path: Path) -> list[AveritecClaim]:
    """Every claim of an AVeriTeC split; the id is the claim's position in the file."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: invalid JSON at line {err.lineno} ({err.msg})") from None
    if not isinstance(records, list):
        raise ConfigError(f"{path}: expected a JSON list of AVeriTeC claims")
    items: list[AveritecClaim] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict) or "claim" not in record:
            raise ConfigError(f"{path}: entry {index} is not an AVeriTeC claim (no 'claim')")
        questions = [
            str(q.get("question", "")).strip()
            for q in record.get("questions") or []
            if isinstance(q, dict)
        ]
        items.append(
            AveritecClaim(
                id=f"averitec:{index}",
                claim=str(record["claim"]).strip(),
                speaker=_optional_text(record.get("speaker")),
                claim_date=_optional_text(record.get("claim_date")),
                reporting_source=_optional_text(record.get("reporting_source")),
                location=_optional_text(record.get("location_ISO_code")),
                claim_types=[str(t) for t in record.get("claim_types") or []],
                label=str(record.get("label", "")),
                questions=[q for q in questions if q],
            )
        )
    return items


AVERITEC_METRICS = {
    "questions.meteor": "AVeriTeC question-only score: Hungarian-matched METEOR, mean over claims",
    "questions.per_claim": "questions generated per claim (at most 10 are scored)",
    "claims.wellformed_rate": "share of the claims the pipeline's select -> extract writes from "
    "the claim texts that read as a sentence (parse.ill_formed)",
}
AVERITEC_ITEMS: ItemSpec = {
    "questions.meteor": ("item", Pooling.ratio),
    "questions.per_claim": ("item", Pooling.ratio),
    "claims.wellformed_rate": ("item", Pooling.ratio),
}


async def run_averitec(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    """Each claim with gold questions, its speaker as claimer and its date, through the evidence
    stage; the planned questions scored against the gold ones. The heuristic:
    ``heuristic.template_questions``. The claim's text also runs through select -> extract, and
    the claims written from it are checked for form (``claims.wellformed_rate``; the heuristic's
    claim is the text itself)."""
    items = [i for i in dataset.items if isinstance(i, AveritecClaim) and i.questions]
    stats = StageCounter()

    async def one(item: AveritecClaim) -> dict[str, Any]:
        claim = Claim(
            id="c1",
            sentence_id="s1",
            text=item.claim,
            quote=item.claim,
            start=0,
            end=len(item.claim),
            claimer=item.speaker or "the author",
            type=ClaimType.statement,
        )
        run = stats.add(
            PipelineRun.for_sentence(item.claim, client, prompts, date=item.claim_date), item.id
        )
        await run.each(Stage.evidence, [claim], run.plan)
        _, extracted = await select_extract_rate(
            client, prompts, stats, item.claim, item=item.id, rate=False
        )
        formed = score_wellformed(c.text for c in extracted)
        questions = [q for need in claim.evidence for q in need.questions]
        kinds = [need.kind.value for need in claim.evidence]
        template = template_questions(item.claim)
        return {
            "id": item.id,
            "claim": item.claim,
            "speaker": item.speaker,
            "gold_questions": item.questions,
            "questions": questions,
            "kinds": kinds,
            "score": score_questions(questions, item.questions).score,
            "heuristic_questions": template,
            "heuristic_score": score_questions(template, item.questions).score,
            "claims": [c.text for c in extracted],
            "ill_formed": formed.ill_formed,
        }

    rows = await run_items(items, one, in_flight=max(2, client.concurrency * 2), on_item=on_item)

    def mean(key: str) -> float | None:
        values = [float(r[key]) for r in rows]
        return sum(values) / len(values) if values else None

    backend = {
        "claims.wellformed_rate": score_wellformed(t for r in rows for t in r["claims"]).rate,
        "questions.meteor": mean("score"),
        "questions.per_claim": (
            sum(len(r["questions"]) for r in rows) / len(rows) if rows else None
        ),
    }
    heuristic = {
        "claims.wellformed_rate": score_wellformed(r["claim"] for r in rows).rate,
        "questions.meteor": mean("heuristic_score"),
        "questions.per_claim": 2.0 if rows else None,
    }
    counter = ItemCounter(AVERITEC_ITEMS)
    for row in rows:
        counter.add("questions.meteor", row["id"], row["score"], 1)
        counter.add("questions.per_claim", row["id"], len(row["questions"]), 1)
        counter.add("claims.wellformed_rate", row["id"],
                    len(row["claims"]) - len(row["ill_formed"]), len(row["claims"]))
    return dataset_run(dataset, backend, stats.metrics(), heuristic, AVERITEC_METRICS, rows,
                       {**counter.table(), **stats.items()})


def _folder_file(folder: Path) -> Path | None:
    candidates = sorted(folder.glob("*.json"))
    return candidates[0] if len(candidates) == 1 else None


DATASET = Dataset(name="averitec", read=read_averitec, run=run_averitec, folder_file=_folder_file)
