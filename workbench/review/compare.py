"""Two reports of the same article side by side: claims paired, differences named, costs.

Claims are paired and compared by ``workbench.evaluation.claim_diff``, the same pairing and the same
rule for "changed" as the eval's per-claim diff against the baseline: identical claims first, then
the eval's claim alignment, so "the same claim, restated" pairs up even when the wording moved. A
pair is ``same`` when no compared field differs, else ``changed`` with the differing fields named
(``ClaimView`` names: text, quote, claimer, attribution, type, label, kinds); claims only in B are
``added``, only in A ``dropped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.errors import UserError
from workbench.core.schema import CheckLabel, Claim, Report
from workbench.evaluation.claim_diff import ChangeKind, claim_view, pair_claims


@dataclass(frozen=True)
class ClaimPair:
    """One row of the comparison: a claim of A, of B, or both."""

    kind: ChangeKind
    a: Claim | None
    b: Claim | None
    changes: tuple[str, ...] = ()
    similarity: float | None = None

    @property
    def position(self) -> int:
        """Where in the article the pair rests (for reading order)."""
        return min(c.start for c in (self.a, self.b) if c is not None)


@dataclass(frozen=True)
class RunFigures:
    """What one side cost: the figures a person compares between backends."""

    label: str
    backend: str
    model: str
    prompts: str
    claims: int
    check_worthy: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    seconds: float
    cache_hits: int
    cache_misses: int
    failures: int

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Comparison:
    a: RunFigures
    b: RunFigures
    pairs: list[ClaimPair]
    sentence_changes: list[tuple[str, str, str]] = field(default_factory=list)
    """(sentence id, status in A, status in B) where they differ."""

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for p in self.pairs if p.kind == kind)

    def summary(self) -> str:
        """e.g. '9 aligned (6 same, 3 changed) · 2 added · 1 dropped'."""
        same, changed = self.count("same"), self.count("changed")
        return (
            f"{same + changed} aligned ({same} same, {changed} changed) · "
            f"{self.count('added')} added · {self.count('dropped')} dropped"
        )


def figures(report: Report, label: str) -> RunFigures:
    """The cost and size figures of one report."""
    stages = report.run.stages.values()
    worthy = sum(
        1
        for c in report.claims
        if c.checkworthiness and c.checkworthiness.label == CheckLabel.check_worthy
    )
    prompts = ", ".join(f"{p.name} {p.version}" for p in report.run.prompts)
    return RunFigures(
        label=label,
        backend=report.run.backend,
        model=report.run.model,
        prompts=prompts,
        claims=len(report.claims),
        check_worthy=worthy,
        prompt_tokens=sum(s.prompt_tokens for s in stages),
        completion_tokens=sum(s.completion_tokens for s in stages),
        cost_usd=sum(s.cost_usd for s in stages),
        seconds=report.run.seconds,
        cache_hits=report.run.cache_hits,
        cache_misses=report.run.cache_misses,
        failures=len(report.failures),
    )


def compare_reports(a: Report, b: Report, *, label_a: str = "A", label_b: str = "B") -> Comparison:
    """Pair the claims of two reports of the same article and name what differs."""
    if a.article.text != b.article.text:
        raise UserError("the two reports are about different article texts; compare one article")
    pairs = [
        ClaimPair(
            pairing.kind,
            a.claims[pairing.before] if pairing.before is not None else None,
            b.claims[pairing.after] if pairing.after is not None else None,
            pairing.fields,
            pairing.similarity,
        )
        for pairing in pair_claims([claim_view(c) for c in a.claims],
                                   [claim_view(c) for c in b.claims])
    ]
    status_b = {s.id: s for s in b.sentences}
    sentence_changes = [
        (s.id, s.status.value, status_b[s.id].status.value)
        for s in a.sentences
        if s.id in status_b and status_b[s.id].status != s.status
    ]
    return Comparison(figures(a, label_a), figures(b, label_b), pairs, sentence_changes)
