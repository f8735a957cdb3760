"""Stage 6, evidence: what would settle a claim — kinds, concrete questions, where to look."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.prompts import Prompt
from workbench.core.schema import Claim, EvidenceNeed, EvidenceResponse, Stage
from workbench.llm import Outcome, Request, StructuredClient


@dataclass
class EvidencePlan:
    needs: list[EvidenceNeed]
    outcome: Outcome[EvidenceResponse]


async def plan_evidence(
    client: StructuredClient, prompt: Prompt[EvidenceResponse], claim: Claim, *, date: str | None
) -> EvidencePlan:
    """The evidence needs of one claim; questions get a trailing '?' if the model forgot it, and
    a need without an ``as_of`` takes the claim's time (the rules never set one)."""
    outcome = await client.complete(
        Request(
            Stage.evidence,
            prompt,
            {"claim": claim.text, "claimer": claim.claimer, "date": date or ""},
        )
    )
    response = outcome.value
    needs = [
        EvidenceNeed(
            kind=need.kind,
            need=need.need,
            questions=[
                q if q.rstrip().endswith("?") else q.rstrip(" .") + "?" for q in need.questions
            ],
            where=need.where,
            as_of=need.as_of or (claim.time.as_of if claim.time else None),
        )
        for need in response.needs
    ]
    return EvidencePlan(needs=needs, outcome=outcome)
