"""Two reports of the same article side by side: claims aligned, differences named, costs.

Claims are paired one-to-one with the eval suite's alignment (``align_claims``: IDF-weighted
token F1 of the restated claims, Hungarian assignment, quote overlap as a tie-breaker), so
"the same claim, restated" pairs up even when the wording moved. A pair is ``same`` when
nothing a fact-checker reads differs, else ``changed`` with the differing fields named;
claims only in B are ``added``, only in A ``dropped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workbench.errors import UserError
from workbench.evaluation.scorers import ClaimForAlignment, align_claims
from workbench.schema import CheckLabel, Claim, Report

Change = Literal["same", "changed", "added", "dropped"]


@dataclass(frozen=True)
class ClaimPair:
    """One row of the comparison: a claim of A, of B, or both."""

    kind: Change
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

    def count(self, kind: Change) -> int:
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


def claim_differences(a: Claim, b: Claim) -> tuple[str, ...]:
    """Names of the fields a reader would see differ between two aligned claims."""
    changes: list[str] = []
    if a.text.strip() != b.text.strip():
        changes.append("text")
    if (a.start, a.end) != (b.start, b.end):
        changes.append("quote")
    if a.claimer.lower() != b.claimer.lower() or [x.lower() for x in a.attribution] != [
        x.lower() for x in b.attribution
    ]:
        changes.append("claimer")
    if a.type != b.type:
        changes.append("type")
    label_a = a.checkworthiness.label if a.checkworthiness else None
    label_b = b.checkworthiness.label if b.checkworthiness else None
    if label_a != label_b:
        changes.append("check-worthiness")
    if sorted(n.kind.value for n in a.evidence) != sorted(n.kind.value for n in b.evidence):
        changes.append("evidence")
    return tuple(changes)


def compare_reports(a: Report, b: Report, *, label_a: str = "A", label_b: str = "B") -> Comparison:
    """Align the claims of two reports of the same article and name what differs."""
    if a.article.text != b.article.text:
        raise UserError("the two reports are about different article texts; compare one article")
    left = [ClaimForAlignment(text=c.text, spans=[(c.start, c.end)], id=c.id) for c in a.claims]
    right = [ClaimForAlignment(text=c.text, spans=[(c.start, c.end)], id=c.id) for c in b.claims]
    alignment = align_claims(left, right)
    pairs: list[ClaimPair] = []
    for match in alignment.matches:
        claim_a, claim_b = a.claims[match.predicted_index], b.claims[match.gold_index]
        changes = claim_differences(claim_a, claim_b)
        pairs.append(
            ClaimPair(
                "changed" if changes else "same", claim_a, claim_b, changes, match.similarity.text
            )
        )
    pairs += [ClaimPair("dropped", a.claims[i], None) for i in alignment.unmatched_predicted]
    pairs += [ClaimPair("added", None, b.claims[i]) for i in alignment.unmatched_gold]
    pairs.sort(key=lambda p: (p.position, p.a.id if p.a else "", p.b.id if p.b else ""))
    status_b = {s.id: s for s in b.sentences}
    sentence_changes = [
        (s.id, s.status.value, status_b[s.id].status.value)
        for s in a.sentences
        if s.id in status_b and status_b[s.id].status != s.status
    ]
    return Comparison(figures(a, label_a), figures(b, label_b), pairs, sentence_changes)
