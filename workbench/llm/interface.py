"""What the stages see of a model: a typed ``Request`` in, a typed ``Outcome`` out.

``StructuredClient.complete(request)`` answers with the request's response model, validated
(and re-asked) by whichever client sits behind it. ``Request`` and ``Outcome`` are generic
over that model, so a stage that asks with ``Prompt[SelectResponse]`` reads a
``SelectResponse`` back without checking. This module imports no model library: the stages,
the pipeline and the tests' fakes depend on it alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from workbench.core.prompts import Prompt
from workbench.core.schema import Stage

R = TypeVar("R", bound=BaseModel)

# The backend check asks one question that is no pipeline stage.
RequestKind = Stage | Literal["probe"]


def stage_of(kind: RequestKind | str) -> Stage | None:
    """The pipeline stage a request belongs to (``None`` for the probe)."""
    return Stage(kind) if kind in _STAGE_NAMES else None


_STAGE_NAMES = frozenset(stage.value for stage in Stage)


@dataclass(frozen=True)
class Request(Generic[R]):
    """One structured question: a stage's prompt, its variables and the validation context."""

    stage: RequestKind
    prompt: Prompt[R]
    variables: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    # A per-request narrowing of the prompt's response model (e.g. quote options as an enum).
    narrowed_model: type[R] | None = None

    def messages(self) -> list[dict[str, str]]:
        return self.prompt.messages(self.variables)

    @property
    def response_model(self) -> type[R]:
        return self.narrowed_model or self.prompt.response_model

    def schema(self) -> dict[str, Any]:
        """The response model's JSON schema (shared: do not modify it)."""
        return json_schema(self.response_model)


# Response models are classes made once (narrowed ones are cached too): their JSON schema needs
# making once, not per request (profiled in bench/run.py).
@lru_cache(maxsize=256)
def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


@dataclass
class Outcome(Generic[R]):
    """A validated answer and what it cost: tokens, USD, attempts, seconds, cache hit."""

    value: R
    raw: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    attempts: int = 1
    first_attempt_valid: bool = True
    cache_hit: bool = False
    seconds: float = 0.0
    engine: str = "model"  # which engine answered: the model, or rules, cues, classifier
    fallback: str = ""  # why an engine after the first in the stage's chain answered

    def record(self) -> dict[str, Any]:
        """The answer as JSON for the cache and recordings: value, engine, what it cost."""
        return {
            "value": self.value.model_dump(mode="json"),
            "engine": self.engine,
            "fallback": self.fallback,
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": self.cost_usd,
                "seconds": self.seconds,
            },
        }

    @classmethod
    def from_record(cls, value: R, entry: Mapping[str, Any], **fields: Any) -> Outcome[R]:
        """The answer ``record`` wrote (a cache entry, a recording line), around ``value``
        validated anew; ``fields`` set the rest (cache hit, attempts)."""
        usage = entry.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        restored: dict[str, Any] = {
            "engine": str(entry.get("engine", "model")),
            "fallback": str(entry.get("fallback", "")),
            "prompt_tokens": int(usage.get("prompt_tokens", 0)),
            "completion_tokens": int(usage.get("completion_tokens", 0)),
            "cost_usd": float(usage.get("cost_usd", 0.0)),
            "seconds": float(usage.get("seconds", 0.0)),
        }
        return cls(value=value, **{**restored, **fields})

    @property
    def provenance(self) -> str:
        """The engine, and why it answered if the chain fell back to it: a claim's record."""
        return f"{self.engine} ({self.fallback})" if self.fallback else self.engine


class StructuredClient(Protocol):
    """Anything that answers requests: a model backend, a wrapper around one, a fake."""

    name: str
    model: str
    api_base: str | None
    concurrency: int

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        """Everything about the backend that changes its answer for ``stage`` (no secrets)."""
        ...

    async def complete(self, request: Request[R]) -> Outcome[R]: ...
