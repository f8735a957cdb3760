"""The client layer that runs each stage's chain of engines: the model, or rules, cues, a
trained classifier (``workbench.engines``), falling back along the chain.

A backend's stage chain comes from its config (``engine = ["model", "rules"]``): the first
engine that answers validly wins. A model whose answer stays invalid after its re-asks hands
the request to the next engine, as does a rule engine whose answer the stage's validators
reject; the outcome says which engine answered and why it fell back, so every claim carries
its provenance, and when the last engine fails the step fails, not the run. It sits inside
the recording and caching layers: recordings replay engine answers and cache keys tell them
from a model's.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from pydantic import ValidationError

from workbench.core.config import MODEL, EngineName
from workbench.core.errors import ModelOutputError, one_line
from workbench.core.schema import Stage
from workbench.engines import engine_answer, engine_identity
from workbench.llm.interface import (
    Outcome,
    R,
    Request,
    RequestKind,
    StructuredClient,
    stage_of,
)
from workbench.llm.wrappers import ClientWrapper


class StageEngineClient(ClientWrapper):
    """``inner`` (the model) where a stage's chain says ``model``; the other engines elsewhere."""

    def __init__(self, inner: StructuredClient, chains: dict[Stage, list[EngineName]]) -> None:
        super().__init__(inner)
        self.chains = chains

    def chain(self, kind: RequestKind) -> tuple[Stage | None, list[EngineName]]:
        stage = stage_of(kind)
        return stage, (self.chains.get(stage, [MODEL]) if stage else [MODEL])

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        pipeline_stage, chain = self.chain(stage)
        if pipeline_stage is None or chain == [MODEL]:
            return self.inner.identity(stage)  # a model-only stage keys as it always did
        return {
            "engines": [
                self.inner.identity(stage)
                if engine == MODEL
                else engine_identity(engine, pipeline_stage)
                for engine in chain
            ]
        }

    async def complete(self, request: Request[R]) -> Outcome[R]:
        stage, chain = self.chain(request.stage)
        failure: ModelOutputError | None = None
        for engine in chain:
            try:
                if engine == MODEL or stage is None:
                    outcome = await self.inner.complete(request)
                else:
                    outcome = await _answer(self.name, engine, stage, request)
            except ModelOutputError as err:  # the next engine answers instead
                failure = err
                why = err.reason  # a rule engine's reason names the engine (see _answer)
                if engine == MODEL or stage is None:
                    why = f"the model's answer was invalid ({one_line(err.reason, 120)})"
                continue
            if failure is not None:
                outcome.fallback = why
                outcome.attempts += failure.attempts
            return outcome
        assert failure is not None  # a chain is never empty (config validates it)
        raise failure


async def _answer(
    backend: str, engine: EngineName, stage: Stage, request: Request[R]
) -> Outcome[R]:
    """``engine``'s answer; one the stage's validators reject (a claim its quote does not
    support, say) fails as a model's invalid answer does, so the next engine answers."""
    started = time.perf_counter()
    if engine == "classifier":  # onnxruntime inference: keep the event loop free meanwhile
        answer = await asyncio.to_thread(engine_answer, engine, stage, request.variables)
    else:
        answer = engine_answer(engine, stage, request.variables)
    try:
        value = request.response_model.model_validate(answer, context=request.context)
    except ValidationError as err:
        reason = f"the {engine} engine's answer was invalid ({one_line(err, 120)})"
        raise ModelOutputError(backend, stage.value, reason, attempts=1) from err
    return Outcome(
        value=value,
        raw=json.dumps(answer, ensure_ascii=False),
        engine=engine,
        seconds=time.perf_counter() - started,
    )
