"""Importers that turn public labelled data into eval items, read from where the data lies.

The data is never copied into the repository (licences: see the data folder's README). A
dataset is named by a spec string ``NAME:PATH``:

- ``checkthat:PATH`` — a CLEF CheckThat! 2024 task 1 TSV split -> ``CheckworthySentence``;
- ``factcheck-gpt:PATH`` — Factcheck-Bench's ``factcheck-GPT-benchmark.jsonl`` (or its folder)
  -> ``DecomposedSentence`` (sentence -> gold atomic claims + check-worthiness);
- ``averitec:PATH`` — an AVeriTeC JSON split (or a folder with one ``.json``) ->
  ``AveritecClaim`` (claim -> gold questions, claim types, speaker, date).

``limit`` picks a stable sample: items are ranked by a seeded hash of their id, so the same
limit always picks the same items whatever the file order, and a larger limit only adds items.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from workbench.errors import ConfigError

DatasetName = Literal["checkthat", "factcheck-gpt", "averitec"]
DATASET_NAMES: tuple[str, ...] = ("checkthat", "factcheck-gpt", "averitec")
SAMPLE_SEED = "workbench-eval-sample-v1"  # changing it changes every --limit sample


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Dataset-qualified id, stable across runs, e.g. 'checkthat:30313'.")


class CheckworthySentence(Item):
    """A sentence with a yes/no check-worthiness label (CheckThat!)."""

    text: str
    check_worthy: bool = Field(description="Gold label: class_label 'Yes'.")


class GoldAtomicClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

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


class DatasetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: DatasetName
    path: Path = Field(description="The data file (folders are resolved to their file).")


class LoadedDataset(BaseModel):
    """Eval items of one dataset, with what a report needs for provenance."""

    model_config = ConfigDict(extra="forbid")

    spec: DatasetSpec
    total: int = Field(description="Items in the file before sampling.")
    limit: int | None
    source_sha256: str = Field(description="SHA-256 of the data file's bytes.")
    items: list[CheckworthySentence] | list[DecomposedSentence] | list[AveritecClaim]


# --------------------------------------------------------------------------------------------
# Spec and sampling
# --------------------------------------------------------------------------------------------

_DEFAULT_FILES = {"factcheck-gpt": "factcheck-GPT-benchmark.jsonl"}


def _resolve_file(name: str, path: Path, spec: str) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():
        raise ConfigError(f"dataset spec {spec!r}: {path} does not exist")
    if name in _DEFAULT_FILES and (path / _DEFAULT_FILES[name]).is_file():
        return path / _DEFAULT_FILES[name]
    if name == "averitec":
        candidates = sorted(path.glob("*.json"))
        if len(candidates) == 1:
            return candidates[0]
    raise ConfigError(f"dataset spec {spec!r}: {path} is a folder; give the data file itself")


def parse_dataset_spec(spec: str) -> DatasetSpec:
    """Parse ``NAME:PATH`` (NAME one of checkthat, factcheck-gpt, averitec); the path must exist."""
    name, colon, raw_path = spec.partition(":")
    name = name.strip().lower()
    if not colon or not raw_path.strip():
        raise ConfigError(
            f"dataset spec {spec!r} must be NAME:PATH with NAME one of {', '.join(DATASET_NAMES)}"
        )
    if name not in DATASET_NAMES:
        raise ConfigError(
            f"dataset spec {spec!r}: unknown dataset {name!r}; known: {', '.join(DATASET_NAMES)}"
        )
    path = _resolve_file(name, Path(raw_path.strip()).expanduser(), spec)
    return DatasetSpec(name=name, path=path)  # type: ignore[arg-type]


T = TypeVar("T")


def sample_rank(item_id: str, seed: str = SAMPLE_SEED) -> str:
    """The sort key of the stable sample: a hash of seed and id."""
    return hashlib.sha256(f"{seed}\x00{item_id}".encode()).hexdigest()


def stable_sample(
    items: Sequence[T], limit: int | None, key: Callable[[T], str], seed: str = SAMPLE_SEED
) -> list[T]:
    """The ``limit`` items with the lowest ``sample_rank`` of their id, kept in input order.

    Order-independent (a reshuffled file gives the same set) and nested (the first 50 are
    inside the first 100). ``None`` keeps everything.
    """
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 0:
        raise ConfigError(f"limit must be 0 or more, not {limit}")
    chosen = set(
        sorted((key(item) for item in items), key=lambda k: (sample_rank(k, seed), k))[:limit]
    )
    return [item for item in items if key(item) in chosen]


def _check_unique(ids: list[str], path: Path) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ConfigError(f"{path}: item id {item_id!r} occurs twice")
        seen.add(item_id)


# --------------------------------------------------------------------------------------------
# CheckThat! 2024 task 1 (English)
# --------------------------------------------------------------------------------------------

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
    _check_unique([item.id for item in items], path)
    return items


# --------------------------------------------------------------------------------------------
# Factcheck-Bench (factcheck-GPT)
# --------------------------------------------------------------------------------------------


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
    _check_unique([item.id for item in items], path)
    return items


# --------------------------------------------------------------------------------------------
# AVeriTeC
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# One entry point
# --------------------------------------------------------------------------------------------

_READERS: dict[str, Callable[[Path], Sequence[Item]]] = {
    "checkthat": read_checkthat,
    "factcheck-gpt": read_factcheck_gpt,
    "averitec": read_averitec,
}


def load_dataset(spec: str | DatasetSpec, limit: int | None = None) -> LoadedDataset:
    """Read the dataset a spec names and keep the stable sample of ``limit`` items."""
    parsed = parse_dataset_spec(spec) if isinstance(spec, str) else spec
    try:
        data = parsed.path.read_bytes()
        items = _READERS[parsed.name](parsed.path)
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{parsed.path}: cannot read the dataset ({err})") from None
    return LoadedDataset(
        spec=parsed,
        total=len(items),
        limit=limit,
        source_sha256=hashlib.sha256(data).hexdigest(),
        items=stable_sample(items, limit, key=lambda item: item.id),  # type: ignore[arg-type]
    )
