"""Factcheck-Bench (factcheck-GPT): sentences of ChatGPT answers with their gold atomic claims.

Spec ``factcheck-gpt:PATH``, PATH ``factcheck-GPT-benchmark.jsonl`` or its folder. Each sentence
of an answer, with the answer's preceding text as context, runs through select -> extract; its
claims are aligned to the gold *factual* claims (``align_claims``: the fixtures' alignment, text
only since the gold has no quotes) and pooled into claim P/R/F1; sentence detection is scored
against the sentence label ``yes``. The heuristic beside it: one claim per sentence the cues
flag (the sentence itself).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from workbench.core.errors import ConfigError
from workbench.core.prompts import PromptSet
from workbench.core.schema import Strict
from workbench.evaluation.dataset_runner import (
    DatasetRun,
    StageCounter,
    dataset_run,
    run_items,
    select_extract_rate,
)
from workbench.evaluation.datasets import Dataset, Item, ItemCallback, LoadedDataset, check_unique
from workbench.evaluation.items import ItemCounter, ItemSpec
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scoring.alignment import ClaimForAlignment, align_claims
from workbench.evaluation.scoring.checkworthiness import score_checkworthiness
from workbench.evaluation.scoring.prf import PRF, sum_prf
from workbench.evaluation.scoring.wellformed import score_wellformed
from workbench.evaluation.stats import Pooling
from workbench.language.cues import rate_sentence
from workbench.llm import StructuredClient

DEFAULT_FILE = "factcheck-GPT-benchmark.jsonl"


class GoldAtomicClaim(Strict):
    text: str = Field(description="A gold atomic, decontextualised claim.")
    label: str = Field(description="Factcheck-Bench claim label: factual | opinion | not_a_claim.")
    check_worthy: bool = Field(description="label == 'factual'.")


class DecomposedSentence(Item):
    """A sentence of a ChatGPT answer with its gold decomposition (Factcheck-Bench)."""

    text: str = Field(description="The sentence as it appears in the answer.")
    decontextualised: str = Field(description="The annotators' standalone rewrite.")
    context: str = Field(description="The whole answer the sentence comes from.")
    prompt: str = Field(description="The question the answer responds to.")
    label: str = Field(description="Sentence label: yes | opinion | not_a_claim | other.")
    check_worthy: bool = Field(description="label == 'yes' (contains a factual claim).")
    claims: list[GoldAtomicClaim] = Field(description="Gold atomic claims, possibly none.")


def _json_lines(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ConfigError(f"{path}:{line_number}: invalid JSON ({err.msg})") from None
            if not isinstance(record, dict):
                raise ConfigError(f"{path}:{line_number}: expected a JSON object per line")
            records.append(record)
    return records


def read_factcheck_gpt(path: Path) -> list[DecomposedSentence]:
    """Every sentence of the 94 annotated answers, with its gold claims and labels."""
    items: list[DecomposedSentence] = []
    for number, record in enumerate(_json_lines(path)):
        sentences = record.get("sentences")
        if not isinstance(sentences, dict):
            raise ConfigError(
                f"{path}: record {number + 1} has no 'sentences'; expected "
                "factcheck-GPT-benchmark.jsonl, not a flat subtask file"
            )
        for key, sentence in sentences.items():
            claims = sentence.get("claims") or []
            labels = sentence.get("claim_checkworthiness") or []
            if len(claims) != len(labels):
                raise ConfigError(
                    f"{path}: record {number + 1} {key}: {len(claims)} claims but "
                    f"{len(labels)} claim labels"
                )
            label = str(sentence.get("sentence_checkworthiness", "")).strip()
            items.append(
                DecomposedSentence(
                    id=f"factcheck-gpt:{number}/{key}",
                    text=str(sentence.get("text", "")).strip(),
                    decontextualised=str(sentence.get("decontext", "")).strip(),
                    context=str(record.get("response", "")),
                    prompt=str(record.get("prompt", "")),
                    label=label,
                    check_worthy=label == "yes",
                    claims=[
                        GoldAtomicClaim(
                            text=str(text).strip(),
                            label=str(claim_label),
                            check_worthy=claim_label == "factual",
                        )
                        for text, claim_label in zip(claims, labels, strict=True)
                    ],
                )
            )
    check_unique([item.id for item in items], path)
    return items


FACTCHECK_METRICS = {
    "claims.f1": "claim alignment F1 against the gold factual claims (pooled over sentences)",
    "claims.precision": "share of predicted claims matched to a gold factual claim",
    "claims.recall": "share of gold factual claims found",
    "sentences.f1": "sentence detection F1: yes = at least one claim; gold = sentence label yes",
    "sentences.precision": "sentence detection precision",
    "sentences.recall": "sentence detection recall",
    "claims.wellformed_rate": "share of predicted claims that read as a sentence "
    "(parse.ill_formed)",
}
FACTCHECK_ITEMS: ItemSpec = {
    name: ("item", Pooling(name.split(".")[1]))
    for name in FACTCHECK_METRICS
    if name != "claims.wellformed_rate"
} | {"claims.wellformed_rate": ("item", Pooling.ratio)}


def _preceding_text(item: DecomposedSentence, limit: int = 400) -> str:
    """The answer's text before the sentence (last ``limit`` characters, whole words)."""
    position = item.context.find(item.text)
    if position <= 0:
        return ""
    before = " ".join(item.context[:position].split())
    if len(before) > limit:
        before = before[-limit:].split(" ", 1)[-1]
    return before


def _alignment(predicted: Sequence[str], gold: Sequence[str]) -> PRF:
    return align_claims(
        [ClaimForAlignment(text=t) for t in predicted], [ClaimForAlignment(text=t) for t in gold]
    ).prf


async def run_factcheck_gpt(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    """Each sentence, with the answer's preceding text as context, through select -> extract;
    its claims aligned to the gold factual claims. The heuristic: the sentence itself as its one
    claim when the cues flag it."""
    items = [i for i in dataset.items if isinstance(i, DecomposedSentence)]
    stats = StageCounter()

    async def one(item: DecomposedSentence) -> dict[str, Any]:
        answer, claims = await select_extract_rate(
            client, prompts, stats, item.text, item=item.id, before=_preceding_text(item),
            rate=False,
        )
        flagged = rate_sentence(item.text).check_worthy
        return {
            "id": item.id,
            "text": item.text,
            "gold_label": item.label,
            "gold_claims": [c.text for c in item.claims if c.check_worthy],
            "select": answer,
            "claims": [c.text for c in claims],
            "heuristic_claims": [item.text] if flagged else [],
        }

    rows = await run_items(items, one, in_flight=max(2, client.concurrency * 2), on_item=on_item)
    gold_sentences = [r["gold_label"] == "yes" for r in rows]

    def metrics(alignments: list[PRF], predicted: list[bool], key: str) -> MetricValues:
        claims = sum_prf(alignments)
        sentences = score_checkworthiness(gold_sentences, predicted).positive
        return {
            "claims.wellformed_rate": score_wellformed(t for r in rows for t in r[key]).rate,
            "claims.f1": claims.f1,
            "claims.precision": claims.precision,
            "claims.recall": claims.recall,
            "sentences.f1": sentences.f1,
            "sentences.precision": sentences.precision,
            "sentences.recall": sentences.recall,
        }

    def run_of(key: str) -> tuple[list[PRF], list[bool], str]:
        """Each sentence's claim alignment and whether it predicted a claim at all."""
        return ([_alignment(r[key], r["gold_claims"]) for r in rows],
                [bool(r[key]) for r in rows], key)

    backend = run_of("claims")
    counter = ItemCounter(FACTCHECK_ITEMS)
    for row, alignment, predicted, gold in zip(rows, *backend[:2], gold_sentences, strict=True):
        formed = score_wellformed(row["claims"])
        counter.add("claims.wellformed_rate", row["id"], formed.well_formed, formed.claims)
        for name in ("claims.f1", "claims.precision", "claims.recall"):
            counter.add(name, row["id"], alignment.true_positives, alignment.predicted,
                        alignment.gold)
        for name in ("sentences.f1", "sentences.precision", "sentences.recall"):
            counter.add(name, row["id"], gold and predicted, predicted, gold)
    return dataset_run(dataset, metrics(*backend), stats.metrics(),
                       metrics(*run_of("heuristic_claims")), FACTCHECK_METRICS, rows,
                       {**counter.table(), **stats.items()})


def _folder_file(folder: Path) -> Path | None:
    return folder / DEFAULT_FILE if (folder / DEFAULT_FILE).is_file() else None


DATASET = Dataset(
    name="factcheck-gpt", read=read_factcheck_gpt, run=run_factcheck_gpt, folder_file=_folder_file
)
