"""Stage 6, evidence: what would settle a claim — kinds, concrete questions, where to look."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.llm import Outcome, Request, StructuredClient
from workbench.prompts import Prompt
from workbench.schema import Claim, EvidenceNeed, EvidenceResponse


@dataclass
class EvidencePlan:
    needs: list[EvidenceNeed]
    outcome: Outcome


async def plan_evidence(
    client: StructuredClient, prompt: Prompt, claim: Claim, *, date: str | None
) -> EvidencePlan:
    """The evidence needs of one claim; questions get a trailing '?' if the model forgot it."""
    outcome = await client.complete(
        Request(
            "evidence", prompt, {"claim": claim.text, "claimer": claim.claimer, "date": date or ""}
        )
    )
    response = outcome.value
    assert isinstance(response, EvidenceResponse)
    needs = [
        EvidenceNeed(
            kind=need.kind,
            need=need.need,
            questions=[
                q if q.rstrip().endswith("?") else q.rstrip(" .") + "?" for q in need.questions
            ],
            where=need.where,
            as_of=need.as_of,
        )
        for need in response.needs
    ]
    return EvidencePlan(needs=needs, outcome=outcome)
