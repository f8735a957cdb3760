"""CLEF CheckThat! 2024 task 1, English: sentences labelled check-worthy yes/no.

Spec ``checkthat:PATH``, PATH a task 1 TSV split (``Sentence_id``, ``Text``, ``class_label``).
Each sentence runs as a one-sentence article through select -> extract -> rate; predicted yes
when one of its claims is rated ``check_worthy`` (rating 4-5). F1 of the yes class is the lab's
official metric. The heuristic beside it: ``cues.rate_sentence``, the cue weights fitted on the
train split (``heuristic.fit_cue_weights``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from pydantic import Field

from workbench.core.errors import ConfigError
from workbench.core.prompts import PromptSet
from workbench.core.schema import CheckLabel, Claim
from workbench.evaluation.dataset_runner import (
    DatasetRun,
    StageCounter,
    dataset_run,
    run_items,
    select_extract_rate,
)
from workbench.evaluation.datasets import Dataset, Item, ItemCallback, LoadedDataset, check_unique
from workbench.evaluation.items import ItemCounter, ItemSpec, ItemTable
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scoring.checkworthiness import score_checkworthiness
from workbench.evaluation.stats import Pooling
from workbench.language.cues import rate_sentence
from workbench.llm import StructuredClient


class CheckworthySentence(Item):
    """A sentence with a yes/no check-worthiness label (CheckThat!)."""

    text: str
    check_worthy: bool = Field(description="Gold label: class_label 'Yes'.")


CHECKTHAT_HEADER = ["Sentence_id", "Text", "class_label"]
_GLUED_LABEL = re.compile(r"(Yes|No)(\d+)")


def _checkthat_label(value: str, where: str) -> bool:
    if value not in {"Yes", "No"}:
        raise ConfigError(f"{where}: class_label {value!r} is neither Yes nor No")
    return value == "Yes"


def read_checkthat(path: Path) -> list[CheckworthySentence]:
    """All rows of a CheckThat! TSV (csv.QUOTE_NONE: quotes are part of the text).

    One train row is two rows glued by a lost newline — ``24098 <text> No29286 <text> No`` —
    which the raw label "No29286" betrays; it is split back into both sentences (label No, and
    sentence 29286 with its own label) rather than dropped.
    """
    items: list[CheckworthySentence] = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header != CHECKTHAT_HEADER:
            raise ConfigError(
                f"{path}: not a CheckThat! TSV (header {header!r}, expected {CHECKTHAT_HEADER!r})"
            )
        for line, row in enumerate(rows, 2):
            where = f"{path}:{line}"
            glued = _GLUED_LABEL.fullmatch(row[2]) if len(row) == 5 else None
            if glued:
                pieces = [(row[0], row[1], glued.group(1)), (glued.group(2), row[3], row[4])]
            elif len(row) == 3:
                pieces = [(row[0], row[1], row[2])]
            elif not row:
                continue
            else:
                raise ConfigError(f"{where}: expected 3 tab-separated fields, found {len(row)}")
            for sentence_id, text, label in pieces:
                items.append(
                    CheckworthySentence(
                        id=f"checkthat:{sentence_id.strip()}",
                        text=text.strip(),
                        check_worthy=_checkthat_label(label.strip(), where),
                    )
                )
    check_unique([item.id for item in items], path)
    return items


def _is_worthy(claim: Claim) -> bool:
    rating = claim.checkworthiness
    return rating is not None and rating.label == CheckLabel.check_worthy


CHECKTHAT_METRICS = {
    "checkworthiness.f1": "F1 of the Yes class (official): yes = a claim rated check_worthy",
    "checkworthiness.precision": "precision of the Yes class",
    "checkworthiness.recall": "recall of the Yes class",
    "checkworthiness.accuracy": "share of sentences with the right yes/no",
    "checkworthiness.spearman": "Spearman rho of the best claim score (0 if none) vs gold",
    "detection.f1": "F1 of the Yes class when any extracted claim counts as yes",
}
CHECKTHAT_ITEMS: ItemSpec = {
    "checkworthiness.f1": ("item", Pooling.f1),
    "checkworthiness.precision": ("item", Pooling.precision),
    "checkworthiness.recall": ("item", Pooling.recall),
    "checkworthiness.accuracy": ("item", Pooling.ratio),
    "detection.f1": ("item", Pooling.f1),
}


def checkthat_items(rows: list[dict[str, Any]]) -> ItemTable:
    """Each sentence's counts toward the backend's metrics (Spearman's rho has none)."""
    items = ItemCounter(CHECKTHAT_ITEMS)
    for row in rows:
        gold, predicted, detected = row["gold"], row["predicted"], row["detected"]
        for name in ("checkworthiness.f1", "checkworthiness.precision", "checkworthiness.recall"):
            items.add(name, row["id"], gold and predicted, predicted, gold)
        items.add("checkworthiness.accuracy", row["id"], gold == predicted, 1)
        items.add("detection.f1", row["id"], gold and detected, detected, gold)
    return items.table()


async def run_checkthat(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    """Each sentence a one-sentence article through select -> extract -> rate; predicted yes
    when one of its claims is rated ``check_worthy``. The heuristic: ``cues.rate_sentence``."""
    items = [i for i in dataset.items if isinstance(i, CheckworthySentence)]
    stats = StageCounter()

    async def one(item: CheckworthySentence) -> dict[str, Any]:
        answer, claims = await select_extract_rate(client, prompts, stats, item.text,
                                                   item=item.id)
        verdict = rate_sentence(item.text)
        return {
            "id": item.id,
            "text": item.text,
            "gold": item.check_worthy,
            "select": answer,
            "claims": [c.text for c in claims],
            "score": max(
                (c.checkworthiness.score for c in claims if c.checkworthiness), default=0.0
            ),
            "predicted": any(_is_worthy(c) for c in claims),
            "detected": bool(claims),
            "heuristic_score": round(verdict.score, 4),
            "heuristic": verdict.check_worthy,
        }

    rows = await run_items(items, one, in_flight=max(2, client.concurrency * 2), on_item=on_item)
    gold = [r["gold"] for r in rows]

    def metrics(predicted: list[bool], scores: list[float], detected: list[bool]) -> MetricValues:
        result = score_checkworthiness(gold, predicted, scores)
        return {
            "checkworthiness.f1": result.positive.f1,
            "checkworthiness.precision": result.positive.precision,
            "checkworthiness.recall": result.positive.recall,
            "checkworthiness.accuracy": result.accuracy,
            "checkworthiness.spearman": result.spearman,
            "detection.f1": score_checkworthiness(gold, detected).positive.f1,
        }

    backend = metrics(
        [r["predicted"] for r in rows], [r["score"] for r in rows], [r["detected"] for r in rows]
    )
    heuristic = metrics(
        [r["heuristic"] for r in rows],
        [r["heuristic_score"] for r in rows],
        [r["heuristic"] for r in rows],
    )
    return dataset_run(dataset, backend, stats.metrics(), heuristic, CHECKTHAT_METRICS, rows,
                       {**checkthat_items(rows), **stats.items()})


DATASET = Dataset(name="checkthat", read=read_checkthat, run=run_checkthat)
