"""Layers around a client, each doing one thing: cache answers, bound concurrency, cap spending.

``ClientWrapper`` is their small base: a wrapper answers as its inner client (name, model,
endpoint, concurrency, identity) and overrides ``complete``. ``workbench.llm.open_client``
stacks them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from typing import Any

from pydantic import ValidationError

from workbench.core.budget import Budget
from workbench.core.cache import ResponseStore, cache_key
from workbench.core.errors import ModelOutputError
from workbench.llm.interface import Outcome, R, Request, RequestKind, StructuredClient


class ClientWrapper:
    """Answers as ``inner`` does; subclasses override ``complete`` (and ``identity`` if they
    change the answer)."""

    def __init__(self, inner: StructuredClient) -> None:
        self.inner = inner
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        return self.inner.identity(stage)

    async def complete(self, request: Request[R]) -> Outcome[R]:
        return await self.inner.complete(request)


def request_key(client: StructuredClient, request: Request[Any]) -> str:
    """The cache key: backend identity, prompt and schema hashes, the exact messages."""
    return cache_key(
        {
            "backend": client.identity(request.stage),
            "stage": request.stage,
            "prompt": request.prompt.hash,
            "schema": request.schema() if request.narrowed_model else None,
            "messages": request.messages(),
        }
    )


def _revalidate(request: Request[R], payload: dict[str, Any]) -> R | None:
    try:
        return request.response_model.model_validate(payload, context=request.context)
    except ValidationError:
        return None


def _revalidate_raw(request: Request[R], raw: object) -> R | None:
    """The model's raw output of a cached failure, if it is valid JSON that validates now."""
    if not isinstance(raw, str):
        return None
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return _revalidate(request, payload) if isinstance(payload, dict) else None


class CachingClient(ClientWrapper):
    """Serves answers from the response cache; asks the inner client only on a miss."""

    def __init__(self, inner: StructuredClient, cache: ResponseStore) -> None:
        self.inner = inner
        self.cache = cache
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency
        # Misses being answered, per event loop and key: an identical request (two sentences
        # yielding the same claim) waits for that answer instead of asking again. Asked twice,
        # llama.cpp can answer differently and the cache would keep only the last answer, so a
        # re-run would not reproduce the report.
        self._in_flight: dict[tuple[int, str], asyncio.Future[Outcome]] = {}

    async def complete(self, request: Request[R]) -> Outcome[R]:
        key = request_key(self.inner, request)
        flight = (id(asyncio.get_running_loop()), key)
        pending = self._in_flight.get(flight)
        if pending is not None:
            outcome = await asyncio.shield(pending)
            return dataclasses.replace(outcome, cache_hit=True, attempts=0)
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._in_flight[flight] = future
        try:
            outcome = await self._complete(request, key)
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        else:
            future.set_result(outcome)
            return outcome
        finally:
            del self._in_flight[flight]

    async def _complete(self, request: Request[R], key: str) -> Outcome[R]:
        entry = self.cache.get(key)
        if entry is not None and isinstance(entry.get("value"), dict):
            value = _revalidate(request, entry["value"])
            if value is not None:
                return Outcome.from_record(
                    value,
                    entry,
                    raw=str(entry.get("raw", "")),
                    cache_hit=True,
                    attempts=0,
                    first_attempt_valid=True,
                )
        if entry is not None and isinstance(entry.get("failure"), str):
            # The validators may have changed since (the key covers prompt and schema, not
            # them): an answer that passes today's is an answer, not a failure.
            value = _revalidate_raw(request, entry.get("raw"))
            if value is not None:
                return Outcome(value=value, raw=str(entry["raw"]), cache_hit=True, attempts=0)
            raise ModelOutputError(
                self.inner.name,
                request.stage,
                entry["failure"],
                attempts=0,
                last_output=str(entry.get("raw", "")),
                cached=True,
            )
        try:
            outcome = await self.inner.complete(request)
        except ModelOutputError as err:
            # At temperature 0 the model would fail the same way again: remember the failure so a
            # re-run is all cache hits. Sampled backends get a fresh chance on the next run.
            if self.inner.identity(request.stage).get("temperature", 1) == 0:
                self.cache.set(
                    key,
                    {
                        "failure": err.reason,
                        "raw": err.last_output,
                        "stage": request.stage,
                        "created": time.time(),
                    },
                )
            raise
        self.cache.set(
            key,
            {
                **outcome.record(),
                "raw": outcome.raw,
                "stage": request.stage,
                "prompt": request.prompt.info.model_dump(),
                "backend": self.inner.name,
                "model": self.inner.model,
                "created": time.time(),
            },
        )
        return outcome


def response_store(client: StructuredClient) -> ResponseStore | None:
    """The cache that answers for ``client`` (its ``CachingClient`` layer), if it has one:
    what a stage remembers its own costly derivations in (``workbench.language.attribution``)."""
    while isinstance(client, ClientWrapper):
        if isinstance(client, CachingClient):
            return client.cache
        client = client.inner
    return None


class BoundedClient(ClientWrapper):
    """At most ``inner.concurrency`` requests in flight per event loop, across all articles."""

    def __init__(self, inner: StructuredClient) -> None:
        super().__init__(inner)
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._lock = threading.Lock()  # two UI sessions are two threads with a loop each

    def _semaphore(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop; Streamlit reruns and CLI calls each bring theirs.
        # Keyed by the loop itself (an id can be reused), and dropped once its loop is closed:
        # a semaphore keeps its loop alive, so holding on would keep every finished run's loop.
        loop = asyncio.get_running_loop()
        with self._lock:
            for finished in [other for other in self._semaphores if other.is_closed()]:
                del self._semaphores[finished]
            return self._semaphores.setdefault(loop, asyncio.Semaphore(self.concurrency))

    async def complete(self, request: Request[R]) -> Outcome[R]:
        async with self._semaphore():
            return await self.inner.complete(request)


class BudgetedClient(ClientWrapper):
    """Refuses a request once the run's spending has reached a cap; charges every answer.

    Sits outside the cache layer: a cache hit costs nothing, so only what is really spent
    counts (``workbench.core.budget``)."""

    def __init__(self, inner: StructuredClient, budget: Budget) -> None:
        super().__init__(inner)
        self.budget = budget

    async def complete(self, request: Request[R]) -> Outcome[R]:
        self.budget.check()
        outcome = await self.inner.complete(request)
        if not outcome.cache_hit:
            self.budget.charge(outcome.prompt_tokens + outcome.completion_tokens, outcome.cost_usd)
        return outcome
