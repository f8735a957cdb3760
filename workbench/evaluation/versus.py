"""Two set-ups on the same items, one verdict per metric: better, worse, or no detectable
difference (``workbench eval --compare A B``, and the Compare page on a fixture set).

Each side is a run's per-item scores (``items``). Per metric, only the items both sides have are
compared, and the paired bootstrap interval of B - A over them decides (``stats``): wholly on the
better side of zero, B is *better*; wholly on the worse side, *worse*; zero inside, *no
detectable difference* — the difference, if any, is smaller than what these items can show.
"Better" follows the metric's direction; a dataset metric with none (``questions.per_claim``)
is *higher* or *lower*. A fixture relabelled between the two runs is left out (its gold items
differ), and two runs of a dataset must have read the same file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from workbench.core.errors import ConfigError
from workbench.core.schema import Strict
from workbench.evaluation.items import MetricItems, Unit, pair_items
from workbench.evaluation.metrics import METRICS
from workbench.evaluation.provenance import now
from workbench.evaluation.stats import Interval, paired_interval, pooled_value

if TYPE_CHECKING:
    from workbench.evaluation.report import EvalReport

Verdict = Literal["better", "worse", "higher", "lower", "no detectable difference", "undetermined"]
_BETTER_HIGH = {"f1", "precision", "recall", "accuracy", "meteor"}


class Side(Strict):
    """One set-up of the comparison."""

    label: str = Field(description="How it was named: a backend, a folder, a file.")
    backend: str
    model: str
    prompts: str = Field(description="Prompt names and versions it ran with.")
    run: str | None = Field(default=None, description="Its eval run folder, if it has one.")


class MetricVerdict(Strict):
    name: str
    unit: Unit
    items: int = Field(description="Items both sides have (the ones compared).")
    a: float | None = Field(description="A's value over those items.")
    b: float | None
    delta: float | None = Field(description="b - a.")
    interval: Interval | None = Field(description="Paired 95% bootstrap interval of b - a.")
    verdict: Verdict


class VersusReport(Strict):
    """B against A on the same items, metric by metric."""

    format: Literal[1] = 1
    kind: Literal["fixtures", "dataset"]
    scope: str = Field(description="The fixtures or the dataset compared on.")
    a: Side
    b: Side
    left_out: list[str] = Field(
        default_factory=list,
        description="Articles or dataset items not compared: one side lacks them, or their "
        "labels differ between the runs.",
    )
    verdicts: list[MetricVerdict]
    created_at: str


def higher_is_better(name: str) -> bool | None:
    """The metric's direction; for a dataset's own metric, from its last part (None: neither)."""
    known = METRICS.get(name)
    if known is not None:
        return known.higher_is_better
    return True if name.rsplit(".", 1)[-1] in _BETTER_HIGH else None


def verdict_of(name: str, interval: Interval | None) -> Verdict:
    """The verdict a paired interval of B - A gives (module docstring)."""
    if interval is None:
        return "undetermined"
    if interval.low <= 0 <= interval.high:
        return "no detectable difference"
    higher = interval.low > 0
    better = higher_is_better(name)
    if better is None:
        return "higher" if higher else "lower"
    return "better" if higher == better else "worse"


def _outside(key: str, left_out: set[str]) -> bool:
    """Whether an item key belongs to a left-out article (``fixture`` or ``fixture#...``)."""
    return key.split("#", 1)[0] in left_out


def compare_items(
    a: Mapping[str, MetricItems], b: Mapping[str, MetricItems], left_out: Sequence[str] = ()
) -> list[MetricVerdict]:
    """A verdict for every metric both item tables have, on the items both have."""
    skip = set(left_out)
    verdicts = []
    for name, before in a.items():
        after = b.get(name)
        if after is None:
            continue
        keys, mine, theirs = pair_items(before, after)
        kept = [i for i, key in enumerate(keys) if not _outside(key, skip)]
        mine, theirs = [mine[i] for i in kept], [theirs[i] for i in kept]
        value_a = pooled_value(before.pooling, mine)
        value_b = pooled_value(before.pooling, theirs)
        interval = paired_interval(before.pooling, mine, theirs)
        verdicts.append(MetricVerdict(
            name=name, unit=before.unit, items=len(kept), a=value_a, b=value_b,
            delta=None if value_a is None or value_b is None else value_b - value_a,
            interval=interval, verdict=verdict_of(name, interval),
        ))
    return verdicts


def side_of(report: EvalReport, label: str, run: str | None = None) -> Side:
    p = report.provenance
    return Side(label=label, backend=p.backend, model=p.model,
                prompts=", ".join(f"{i.name} {i.version}" for i in p.prompts), run=run)


def _units(report: EvalReport) -> set[str]:
    """The articles (fixtures) or dataset items a run scored."""
    if report.dataset is not None:
        return {str(row.get("id")) for row in report.dataset.predictions}
    return {entry.id for entry in report.fixtures}


def versus(a: EvalReport, b: EvalReport, side_a: Side, side_b: Side) -> VersusReport:
    """B against A: both runs must be of one kind, on one dataset file, with per-item scores."""
    for side, report in ((side_a, a), (side_b, b)):
        if not report.item_scores:
            raise ConfigError(f"compare: {side.label} has no per-item scores (a run older than "
                              "intervals); run it again")
    if a.kind != b.kind:
        raise ConfigError(f"compare: {side_a.label} is a {a.kind} run, {side_b.label} a "
                          f"{b.kind} run")
    if a.provenance.dataset_sha256 != b.provenance.dataset_sha256:
        raise ConfigError(f"compare: {side_a.label} and {side_b.label} read different data "
                          f"files ({a.provenance.dataset} and {b.provenance.dataset})")
    units_a, units_b = _units(a), _units(b)
    hashes_b = {entry.id: entry.fixture_hash for entry in b.fixtures}
    relabelled = {entry.id for entry in a.fixtures
                  if entry.id in hashes_b and hashes_b[entry.id] != entry.fixture_hash}
    left_out = sorted((units_a ^ units_b) | relabelled)
    if not (units_a & units_b) - relabelled:
        raise ConfigError(f"compare: {side_a.label} and {side_b.label} have no items in common")
    common = len((units_a & units_b) - relabelled)
    scope = (f"{a.dataset.spec}, {common} items" if a.dataset is not None
             else f"{common} fixtures")
    return VersusReport(kind=a.kind, scope=scope, a=side_a, b=side_b, left_out=left_out,
                        verdicts=compare_items(a.item_scores, b.item_scores, sorted(relabelled)),
                        created_at=now())


def write_versus(result: VersusReport, markdown: str, reports_dir: Path) -> Path:
    """Write compare.json and compare.md into a new folder ``<stamp>-compare`` of the reports."""
    stamp = re.sub(r"[^0-9T]", "", result.created_at.split("+")[0]) + "Z"
    folder = reports_dir / f"{stamp}-compare"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = reports_dir / f"{stamp}-compare-{suffix}"
    folder.mkdir(parents=True)
    (folder / "compare.json").write_text(
        json.dumps(result.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (folder / "compare.md").write_text(markdown, encoding="utf-8")
    return folder
