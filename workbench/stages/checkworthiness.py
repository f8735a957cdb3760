"""Stage 5, check-worthiness: of a claim as a score in [0, 1], a label and a rationale."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.prompts import Prompt
from workbench.core.schema import CheckLabel, Checkworthiness, CheckworthinessResponse, Claim, Stage
from workbench.llm import Outcome, Request, StructuredClient


@dataclass
class Rating:
    checkworthiness: Checkworthiness
    outcome: Outcome[CheckworthinessResponse]


def label_for(rating: int) -> CheckLabel:
    """Ratings 4-5 are check-worthy, 3 is maybe, 1-2 are not."""
    if rating >= 4:
        return CheckLabel.check_worthy
    if rating == 3:
        return CheckLabel.maybe
    return CheckLabel.not_check_worthy


async def rate_checkworthiness(
    client: StructuredClient,
    prompt: Prompt[CheckworthinessResponse],
    claim: Claim,
    sentence: str,
) -> Rating:
    """Rate one claim, seen in the ``sentence`` it was extracted from; the 1-5 rating is an
    enum the grammar enforces, mapped to [0, 1]."""
    variables = {"claim": claim.text, "claimer": claim.claimer, "sentence": sentence}
    outcome = await client.complete(Request(Stage.checkworthiness, prompt, variables))
    response = outcome.value
    # An engine's estimated probability where it has one, else the rating mapped to [0, 1].
    score = response.probability if response.probability is not None else (response.rating - 1) / 4
    label = label_for(response.rating)
    return Rating(Checkworthiness(score=score, label=label, rationale=response.rationale), outcome)
