"""Public labelled datasets: one module per dataset, holding its items, its reader and its runner.

The data is never copied into the repository (licences: see the data folder's README). A
dataset is named by a spec string ``NAME:PATH``, NAME being the module's name with "-" for "_"
(``factcheck_gpt.py`` is ``factcheck-gpt``). Each module defines ``DATASET = Dataset(...)``:
its reader (a data file -> ``Item`` subclasses with dataset-qualified ids), its runner (items
through the stages it has gold for -> ``dataset_runner.DatasetRun``) and, optionally, which file
of a folder to read. Adding a dataset is adding one module here: the names are found from the
file names without importing anything, and a module is imported only when its dataset is used.
A module may also run another setting of its data under a name of its own (``VARIANTS``, listed
in ``VARIANT_MODULES``): ``newsclaims-topics`` is NewsClaims with its topics given.

``limit`` picks a stable sample: items are ranked by a seeded hash of their id, so the same
limit always picks the same items whatever the file order, and a larger limit only adds items.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import Field, SerializeAsAny

from workbench.core.errors import ConfigError
from workbench.core.schema import Strict

if TYPE_CHECKING:
    from workbench.core.prompts import PromptSet
    from workbench.evaluation.dataset_runner import DatasetRun
    from workbench.llm import StructuredClient

SAMPLE_SEED = "workbench-eval-sample-v1"  # changing it changes every --limit sample


class Item(Strict):
    """One eval item of a dataset; each dataset module subclasses it."""

    id: str = Field(description="Dataset-qualified id, stable across runs, e.g. 'checkthat:30313'.")


class DatasetSpec(Strict):
    name: str = Field(description="One of DATASET_NAMES.")
    path: Path = Field(description="The data file (folders are resolved to their file).")


class LoadedDataset(Strict):
    """Eval items of one dataset, with what a report needs for provenance."""

    spec: DatasetSpec
    total: int = Field(description="Items in the file before sampling.")
    limit: int | None
    source_sha256: str = Field(description="SHA-256 of the data file's bytes.")
    items: list[SerializeAsAny[Item]] = Field(description="The dataset module's Item subclass.")


ItemCallback = Callable[[int, int], None]
"""Progress of a dataset run: (items done, items in all)."""


class DatasetRunner(Protocol):
    def __call__(self, dataset: LoadedDataset, client: StructuredClient, prompts: PromptSet, *,
                 on_item: ItemCallback | None = None) -> Awaitable[DatasetRun]: ...


def _no_folder_file(folder: Path) -> Path | None:
    return None


@dataclass(frozen=True)
class Dataset:
    """What a dataset module provides."""

    name: str
    read: Callable[[Path], Sequence[Item]]
    run: DatasetRunner
    folder_file: Callable[[Path], Path | None] = _no_folder_file
    """The data file to read when the spec names a folder; None: the folder is refused."""


# Another setting of a dataset, run by the dataset's own module (its ``VARIANTS``): name -> module.
VARIANT_MODULES = {"newsclaims-topics": "newsclaims"}


def dataset_names() -> tuple[str, ...]:
    """Every dataset of this package, from its module file names (nothing is imported), and
    the variants of ``VARIANT_MODULES``."""
    return tuple(sorted([
        *(module.name.replace("_", "-")
          for module in pkgutil.iter_modules(__path__)
          if not module.name.startswith("_")),
        *VARIANT_MODULES,
    ]))


DATASET_NAMES = dataset_names()


def get_dataset(name: str) -> Dataset:
    """The ``DATASET`` of the module named ``name`` (one of ``DATASET_NAMES``), or a variant."""
    if name in VARIANT_MODULES:
        module = importlib.import_module(f"{__name__}.{VARIANT_MODULES[name]}")
        variant: Dataset = module.VARIANTS[name]
        return variant
    module = importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
    dataset: Dataset = module.DATASET
    return dataset


# --------------------------------------------------------------------------------------------
# Spec and sampling
# --------------------------------------------------------------------------------------------


def parse_dataset_spec(spec: str) -> DatasetSpec:
    """Parse ``NAME:PATH`` (NAME one of ``DATASET_NAMES``); the path must exist."""
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
    path = Path(raw_path.strip()).expanduser()
    if path.is_file():
        return DatasetSpec(name=name, path=path)
    if not path.is_dir():
        raise ConfigError(f"dataset spec {spec!r}: {path} does not exist")
    found = get_dataset(name).folder_file(path)
    if found is None:
        raise ConfigError(f"dataset spec {spec!r}: {path} is a folder; give the data file itself")
    return DatasetSpec(name=name, path=found)


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


def check_unique(ids: Sequence[str], path: Path) -> None:
    """A reader's check that no item id occurs twice in the file at ``path``."""
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ConfigError(f"{path}: item id {item_id!r} occurs twice")
        seen.add(item_id)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def load_dataset(spec: str | DatasetSpec, limit: int | None = None) -> LoadedDataset:
    """Read the dataset a spec names and keep the stable sample of ``limit`` items."""
    parsed = parse_dataset_spec(spec) if isinstance(spec, str) else spec
    read = get_dataset(parsed.name).read
    try:
        data = parsed.path.read_bytes()
        items = read(parsed.path)
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{parsed.path}: cannot read the dataset ({err})") from None
    return LoadedDataset(
        spec=parsed,
        total=len(items),
        limit=limit,
        source_sha256=hashlib.sha256(data).hexdigest(),
        items=stable_sample(items, limit, key=lambda item: item.id),
    )


async def run_dataset(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    """Run and score the dataset's stable sample with its module's runner."""
    return await get_dataset(dataset.spec.name).run(dataset, client, prompts, on_item=on_item)
