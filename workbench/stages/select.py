"""Stage 3, select: does a body sentence hold verifiable content, none, or ambiguous content?"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.prompts import Prompt
from workbench.core.schema import SelectResponse, Sentence, Stage, Status
from workbench.llm import Outcome, Request, StructuredClient

_STATUS = {"yes": Status.pending, "no": Status.no_claim, "unclear": Status.ambiguous}
_REASON = {
    "yes": "states something checkable",
    "no": "opinion, rhetoric or nothing checkable",
    "unclear": "checkable in principle but too vague to pin down",
}


@dataclass
class Selection:
    verifiable: bool
    status: Status  # ``pending`` when verifiable: extraction decides between claims / no_claim
    reason: str
    outcome: Outcome[SelectResponse]


def context_window(
    sentences: list[Sentence], index: int, before: int = 2, after: int = 1
) -> tuple[str, str]:
    """Neighbouring body sentences of ``sentences[index]``, as plain text before and after."""
    body = [s for s in sentences if s.role.value == "body"]
    position = next(i for i, s in enumerate(body) if s.index == index)
    return (
        " ".join(s.text for s in body[max(0, position - before) : position]),
        " ".join(s.text for s in body[position + 1 : position + 1 + after]),
    )


async def select_sentence(
    client: StructuredClient,
    prompt: Prompt[SelectResponse],
    sentence: Sentence,
    before: str,
    after: str,
) -> Selection:
    """Ask whether ``sentence`` (seen with its neighbours) is worth extracting claims from."""
    outcome = await client.complete(
        Request(Stage.select, prompt, {"sentence": sentence.text, "before": before, "after": after})
    )
    response = outcome.value
    return Selection(
        verifiable=response.checkable == "yes",
        status=_STATUS[response.checkable],
        reason=_REASON[response.checkable],
        outcome=outcome,
    )
