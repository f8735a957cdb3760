"""Record every answer of a run to JSONL, and answer a later run from that recording.

A recording is backend-independent (keyed by stage, prompt hash and messages), so an eval run
recorded on a hosted model replays in CI without it (``workbench eval --record/--replay``).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from workbench.core.cache import cache_key
from workbench.core.errors import ConfigError, ModelOutputError
from workbench.llm.interface import Outcome, R, Request, RequestKind, StructuredClient
from workbench.llm.wrappers import ClientWrapper


class RecordingClient(ClientWrapper):
    """Appends every answer to a JSONL recording that ``ReplayClient`` can serve later."""

    def __init__(self, inner: StructuredClient, path: Path) -> None:
        self.inner = inner
        self.path = Path(path)
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def complete(self, request: Request[R]) -> Outcome[R]:
        outcome = await self.inner.complete(request)
        line = json.dumps(
            {
                "key": replay_key(request),
                "stage": request.stage,
                "backend": self.inner.name,
                "model": self.inner.model,
                **outcome.record(),
                "attempts": outcome.attempts,
                "first_attempt_valid": outcome.first_attempt_valid,
                "seconds": outcome.seconds,
            },
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return outcome


def replay_key(request: Request[Any]) -> str:
    """Backend-independent key: a recording made on one backend replays without it."""
    return cache_key(
        {"stage": request.stage, "prompt": request.prompt.hash, "messages": request.messages()}
    )


class ReplayClient:
    """Answers from a recording; a request that was not recorded is an error, not a guess."""

    concurrency = 8
    api_base: str | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ConfigError(f"recording not found: {self.path}")
        self.entries: dict[str, dict[str, Any]] = {}
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    entry = json.loads(line)
                    self.entries[entry["key"]] = entry
                except (json.JSONDecodeError, KeyError, TypeError) as err:
                    raise ConfigError(
                        f"{self.path}:{number}: not a recording line ({err})"
                    ) from err
        first = next(iter(self.entries.values()), {})
        self.name = f"replay:{first.get('backend', '?')}"
        self.model = str(first.get("model", "?"))

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        return {"replay": str(self.path.resolve()), "model": self.model}

    async def complete(self, request: Request[R]) -> Outcome[R]:
        entry = self.entries.get(replay_key(request))
        if entry is None:
            raise ModelOutputError(
                self.name,
                request.stage,
                "this request is not in the recording (prompt or input changed)",
                attempts=0,
            )
        value = request.response_model.model_validate(entry["value"], context=request.context)
        return Outcome.from_record(
            value,
            entry,
            attempts=entry.get("attempts", 1),
            first_attempt_valid=entry.get("first_attempt_valid", True),
            seconds=entry.get("seconds", 0.0),  # recordings older than usage.seconds have it here
        )
