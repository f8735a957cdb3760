"""Structured clients: the one interface the stages use to ask a model for a pydantic object.

``StructuredClient.complete(request)`` returns an ``Outcome`` (the validated object plus usage,
attempts and timing). Implementations:

- ``LiteLLMClient``: any litellm backend (hosted APIs, Ollama, OpenAI-compatible servers, the
  embedded llama.cpp provider) through instructor, which validates and re-asks;
- ``FakeClient``: a deterministic responder for tests and demos, no model at all;
- ``ReplayClient``: answers from a recording made by ``RecordingClient``;
- ``CachingClient`` and ``RecordingClient``: wrappers around any of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import instructor
import litellm
import openai  # the base class of litellm's API errors
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

from workbench.cache import ResponseCache, cache_key
from workbench.config import BackendConfig
from workbench.errors import BackendError, ConfigError, ModelOutputError
from workbench.llm.embedded import PROVIDER, embedded_provider
from workbench.prompts import Prompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """One structured question: a stage's prompt, its variables and the validation context."""

    stage: str
    prompt: Prompt
    variables: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    # A per-request narrowing of the prompt's response model (e.g. quote options as an enum).
    narrowed_model: type[BaseModel] | None = None

    def messages(self) -> list[dict[str, str]]:
        return self.prompt.messages(self.variables)

    @property
    def response_model(self) -> type[BaseModel]:
        return self.narrowed_model or self.prompt.response_model

    def schema(self) -> dict[str, Any]:
        """The response model's JSON schema (shared: do not modify it)."""
        return _json_schema(self.response_model)


# Response models are classes made once (narrowed ones are cached too): their JSON schema and
# instructor's wrapper of them need making once, not per request. Profiled in bench/run.py,
# both together were a fifth of the client's CPU per request.
@lru_cache(maxsize=256)
def _json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


@lru_cache(maxsize=256)
def _instructor_model(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` as instructor wraps it (it would re-create the wrapper class on every call)."""
    return instructor.openai_schema(model)  # type: ignore[no-any-return]


@dataclass
class Outcome:
    value: BaseModel
    raw: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    attempts: int = 1
    first_attempt_valid: bool = True
    cache_hit: bool = False
    seconds: float = 0.0


class StructuredClient(Protocol):
    name: str
    model: str
    api_base: str | None
    concurrency: int

    def identity(self, stage: str) -> dict[str, Any]:
        """Everything about the backend that changes its answer for ``stage`` (no secrets)."""
        ...

    async def complete(self, request: Request) -> Outcome: ...


# ----------------------------------------------------------------------------------------------
# litellm + instructor
# ----------------------------------------------------------------------------------------------

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json_object_schema": instructor.Mode.JSON,
    "json": instructor.Mode.JSON,
    "tools": instructor.Mode.TOOLS,
    "md_json": instructor.Mode.MD_JSON,
}
# How strongly each mode holds the model to the schema, for `workbench backends --check`.
ENFORCEMENT = {
    "json_schema": "schema enforced (structured output / grammar)",
    "json_object_schema": "schema enforced (server-side JSON grammar)",
    "json": "JSON enforced, schema prompted",
    "tools": "schema via tool calling",
    "md_json": "schema prompted only",
}
_TRANSIENT = (
    litellm.RateLimitError,
    litellm.InternalServerError,
    litellm.ServiceUnavailableError,
    litellm.Timeout,
    litellm.APIConnectionError,
    litellm.BadGatewayError,
)


def resolve_schema_mode(backend: BackendConfig) -> str:
    """The instructor mode that enforces the schema as strongly as the backend allows."""
    if backend.schema_mode != "auto":
        return backend.schema_mode
    provider = backend.model.split("/", 1)[0]
    if provider == PROVIDER:
        return "json_schema"  # our provider turns the schema into a llama.cpp grammar
    if provider == "openai" and backend.api_base:
        # Self-hosted OpenAI-compatible servers (llama.cpp, vLLM) take a schema inside
        # response_format json_object; llama.cpp rejects the json_schema form.
        return "json_object_schema"
    if provider in {"openai", "azure", "gemini", "ollama", "ollama_chat", "mistral", "groq"}:
        return "json_schema"
    if provider in {"anthropic", "bedrock", "vertex_ai"}:
        return "tools"
    return "json"


class _AttemptCounter:
    """instructor hooks: count attempts and sum usage over re-asks of one call."""

    def __init__(self) -> None:
        self.attempts = 0
        self.parse_errors = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost = 0.0
        self.last_raw = ""

    def on_response(self, response: Any) -> None:
        self.attempts += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        try:
            self.last_raw = response.choices[0].message.content or ""
        except (AttributeError, IndexError):
            self.last_raw = ""
        self.cost += response_cost(response)

    def on_parse_error(self, error: Exception) -> None:
        self.parse_errors += 1


def response_cost(response: Any) -> float:
    """USD cost of one response per litellm's price table; 0.0 where no price is known."""
    known = (getattr(response, "_hidden_params", None) or {}).get("response_cost")
    if isinstance(known, int | float):
        return float(known)  # litellm priced it already; pricing again costs CPU per request
    try:
        return float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception as err:  # noqa: BLE001 - litellm raises bare Exception for unpriced models
        log.debug("no price for %s: %s", getattr(response, "model", "?"), err)
        return 0.0


class LiteLLMClient:
    """A configured backend, reached through litellm and validated by instructor."""

    def __init__(self, backend: BackendConfig) -> None:
        self.backend = backend
        self.name = backend.name
        self.api_base = backend.api_base
        self.concurrency = backend.concurrency
        self.mode = resolve_schema_mode(backend)
        self.model = backend.model
        if backend.is_embedded:
            provider = embedded_provider()
            alias = backend.model.split("/", 1)[1]
            if backend.model_path:
                provider.register(alias, Path(backend.model_path), backend.n_ctx)
        self._api_key = backend.api_key()

    def stage_params(self, stage: str) -> dict[str, Any]:
        override = self.backend.stages.get(stage)  # type: ignore[call-overload]
        params: dict[str, Any] = {
            "model": self.backend.model,
            "temperature": self.backend.temperature,
            "max_tokens": self.backend.max_tokens,
        }
        if override is not None:
            params.update({k: v for k, v in override.model_dump().items() if v is not None})
        if self.backend.seed is not None:
            params["seed"] = self.backend.seed
        return params

    def identity(self, stage: str) -> dict[str, Any]:
        identity = {
            **self.stage_params(stage),
            "api_base": self.backend.api_base,
            "mode": self.mode,
        }
        if self.backend.model_path:
            identity["model_path"] = str(Path(self.backend.model_path).expanduser().resolve())
        return identity

    async def complete(self, request: Request) -> Outcome:
        started = time.perf_counter()
        params = self.stage_params(request.stage)
        kwargs: dict[str, Any] = {
            **params,
            "timeout": self.backend.timeout,
            "api_base": self.backend.api_base,
            "api_key": self._api_key or ("not-needed" if self.backend.api_base else None),
            # One retry layer, ours (with backoff and the configured count): without this the
            # OpenAI SDK under litellm retries each attempt twice more on its own.
            "num_retries": 0,
        }
        if self.mode == "json_object_schema":
            kwargs["extra_body"] = {
                "response_format": {"type": "json_object", "schema": request.schema()}
            }
        counter = _AttemptCounter()
        client = instructor.from_litellm(
            litellm.acompletion, mode=_MODES[self.mode], async_client=True
        )
        client.on("completion:response", counter.on_response)
        client.on("parse:error", counter.on_parse_error)
        delay = 0.5
        for transient_try in range(self.backend.retries + 1):
            try:
                value, _completion = await client.chat.completions.create_with_completion(
                    messages=_jinja_inert(request),  # type: ignore[arg-type]
                    response_model=_instructor_model(request.response_model),
                    max_retries=self.backend.reasks,  # instructor: retries after the first try
                    context=request.context or None,
                    **{k: v for k, v in kwargs.items() if v is not None},
                )
                break
            except IncompleteOutputException as err:
                raise ModelOutputError(
                    self.name,
                    request.stage,
                    "output cut off at max_tokens",
                    attempts=max(counter.attempts, 1),
                    last_output=counter.last_raw,
                ) from err
            except InstructorRetryException as err:
                # instructor wraps API errors too: only a validation failure is the model's fault.
                failure: BaseException = err.__cause__ or err
                if not isinstance(failure, openai.APIError):
                    raise ModelOutputError(
                        self.name,
                        request.stage,
                        _short(failure),
                        attempts=max(counter.attempts, 1),
                        last_output=counter.last_raw,
                    ) from err
            except openai.APIError as err:
                failure = err
            if isinstance(failure, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
                raise ConfigError(
                    f"backend {self.name!r}: the API key was refused ({_short(failure)})"
                ) from failure
            if isinstance(failure, (litellm.NotFoundError, litellm.BadRequestError)):
                raise ConfigError(
                    f"backend {self.name!r}: request rejected: {_short(failure)}"
                ) from failure
            if not isinstance(failure, _TRANSIENT) or transient_try >= self.backend.retries:
                raise BackendError(
                    self.name,
                    _describe(failure, self.backend),
                    attempts=transient_try + 1,
                    unreachable=_cannot_connect(failure),
                ) from failure
            wait = _retry_after(failure) or delay * (1 + random.random() / 2)
            log.debug("backend %s: %s; retrying in %.1fs", self.name, _short(failure), wait)
            await asyncio.sleep(wait)
            delay *= 2
        return Outcome(
            value=value,
            raw=counter.last_raw,
            prompt_tokens=counter.prompt_tokens,
            completion_tokens=counter.completion_tokens,
            cost_usd=counter.cost,
            attempts=max(counter.attempts, 1),
            first_attempt_valid=counter.parse_errors == 0,
            seconds=time.perf_counter() - started,
        )


def _jinja_inert(request: Request) -> list[dict[str, str]]:
    """Protect final message text from instructor's Jinja pass.

    instructor renders messages as Jinja templates whenever a validation context is given;
    ours are already rendered and hold untrusted article text, where ``{{`` must stay text.
    Without a context instructor sends the text as it is, so it must not be wrapped then (the
    model would read the raw/endraw markers).
    """
    messages = request.messages()
    if not request.context:
        return messages
    escaped = []
    for message in messages:
        content = message["content"].replace(
            "{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}"
        )
        escaped.append({**message, "content": "{% raw %}" + content + "{% endraw %}"})
    return escaped


def _short(err: BaseException, limit: int = 200) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(err: BaseException, backend: BackendConfig) -> str:
    where = backend.api_base or backend.model
    if isinstance(err, litellm.Timeout):
        return f"timed out after {backend.timeout:.0f}s at {where} (raise timeout in the config)"
    if isinstance(err, litellm.RateLimitError):
        return f"rate-limited by {where} after {backend.retries + 1} tries"
    if _cannot_connect(err):
        return f"cannot connect to {where} (is the server running?): {_short(_root(err), 120)}"
    if not isinstance(err, _TRANSIENT):
        return f"failed at {where}: {_short(err)}"
    return f"failed at {where} after {backend.retries + 1} tries: {_short(err)}"


def _root(err: BaseException) -> BaseException:
    """The innermost cause of ``err`` (litellm wraps openai wraps httpx wraps the socket error)."""
    seen = {id(err)}
    while (inner := err.__cause__ or err.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        err = inner
    return err


def _cannot_connect(err: BaseException) -> bool:
    """No connection could be made at all (refused, unknown host): the rest of the run would
    fail the same way. A dropped connection or a timeout is not this: the server exists."""
    current: BaseException | None = err
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or type(current).__name__ in {
            "ConnectError",  # httpx
            "ClientConnectorError",  # aiohttp, also its DNS subclass
            "ClientConnectorDNSError",
        }:
            return True
        current = current.__cause__ or current.__context__
    return False


def _retry_after(err: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After on 429/503), capped at a minute."""
    # litellm keeps the server's headers on its own attribute; its ``response`` is synthetic.
    headers = getattr(err, "litellm_response_headers", None) or getattr(
        getattr(err, "response", None), "headers", None
    )
    value = headers.get("retry-after") if headers is not None else None
    try:
        return min(max(float(value), 0.0), 60.0) if value is not None else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------------------------
# Wrappers: cache, record, replay; and the fake client
# ----------------------------------------------------------------------------------------------


def request_key(client: StructuredClient, request: Request) -> str:
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


def _revalidate(request: Request, payload: dict[str, Any]) -> BaseModel | None:
    try:
        return request.response_model.model_validate(payload, context=request.context)
    except ValidationError:
        return None


def _revalidate_raw(request: Request, raw: object) -> BaseModel | None:
    """The model's raw output of a cached failure, if it is valid JSON that validates now."""
    if not isinstance(raw, str):
        return None
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return _revalidate(request, payload) if isinstance(payload, dict) else None


class CachingClient:
    """Serves answers from the response cache; asks the inner client only on a miss."""

    def __init__(self, inner: StructuredClient, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency
        # Misses being answered, per event loop and key: an identical request (two sentences
        # yielding the same claim) waits for that answer instead of asking again. Asked twice,
        # llama.cpp can answer differently and the cache would keep only the last answer, so a
        # re-run would not reproduce the report.
        self._in_flight: dict[tuple[int, str], asyncio.Future[Outcome]] = {}

    def identity(self, stage: str) -> dict[str, Any]:
        return self.inner.identity(stage)

    async def complete(self, request: Request) -> Outcome:
        key = request_key(self.inner, request)
        flight = (id(asyncio.get_running_loop()), key)
        pending = self._in_flight.get(flight)
        if pending is not None:
            outcome = await asyncio.shield(pending)
            return Outcome(value=outcome.value, raw=outcome.raw, cache_hit=True, attempts=0)
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

    async def _complete(self, request: Request, key: str) -> Outcome:
        entry = self.cache.get(key)
        if entry is not None and isinstance(entry.get("value"), dict):
            value = _revalidate(request, entry["value"])
            if value is not None:
                return Outcome(
                    value=value,
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
                "value": outcome.value.model_dump(mode="json"),
                "raw": outcome.raw,
                "stage": request.stage,
                "prompt": request.prompt.info.model_dump(),
                "backend": self.inner.name,
                "model": self.inner.model,
                "usage": {
                    "prompt_tokens": outcome.prompt_tokens,
                    "completion_tokens": outcome.completion_tokens,
                },
                "created": time.time(),
            },
        )
        return outcome


class BoundedClient:
    """At most ``inner.concurrency`` requests in flight per event loop, across all articles."""

    def __init__(self, inner: StructuredClient) -> None:
        self.inner = inner
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._lock = threading.Lock()  # two UI sessions are two threads with a loop each

    def identity(self, stage: str) -> dict[str, Any]:
        return self.inner.identity(stage)

    def _semaphore(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop; Streamlit reruns and CLI calls each bring theirs.
        # Keyed by the loop itself (an id can be reused), and dropped once its loop is closed:
        # a semaphore keeps its loop alive, so holding on would keep every finished run's loop.
        loop = asyncio.get_running_loop()
        with self._lock:
            for finished in [other for other in self._semaphores if other.is_closed()]:
                del self._semaphores[finished]
            return self._semaphores.setdefault(loop, asyncio.Semaphore(self.concurrency))

    async def complete(self, request: Request) -> Outcome:
        async with self._semaphore():
            return await self.inner.complete(request)


class RecordingClient:
    """Appends every answer to a JSONL recording that ``ReplayClient`` can serve later."""

    def __init__(self, inner: StructuredClient, path: Path) -> None:
        self.inner = inner
        self.path = Path(path)
        self.name, self.model, self.api_base = inner.name, inner.model, inner.api_base
        self.concurrency = inner.concurrency
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def identity(self, stage: str) -> dict[str, Any]:
        return self.inner.identity(stage)

    async def complete(self, request: Request) -> Outcome:
        outcome = await self.inner.complete(request)
        line = json.dumps(
            {
                "key": replay_key(request),
                "stage": request.stage,
                "backend": self.inner.name,
                "model": self.inner.model,
                "value": outcome.value.model_dump(mode="json"),
                "usage": {
                    "prompt_tokens": outcome.prompt_tokens,
                    "completion_tokens": outcome.completion_tokens,
                    "cost_usd": outcome.cost_usd,
                },
                "attempts": outcome.attempts,
                "first_attempt_valid": outcome.first_attempt_valid,
                "seconds": outcome.seconds,
            },
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return outcome


def replay_key(request: Request) -> str:
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

    def identity(self, stage: str) -> dict[str, Any]:
        return {"replay": str(self.path.resolve()), "model": self.model}

    async def complete(self, request: Request) -> Outcome:
        entry = self.entries.get(replay_key(request))
        if entry is None:
            raise ModelOutputError(
                self.name,
                request.stage,
                "this request is not in the recording (prompt or input changed)",
                attempts=0,
            )
        value = request.response_model.model_validate(entry["value"], context=request.context)
        usage = entry.get("usage", {})
        return Outcome(
            value=value,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            cost_usd=usage.get("cost_usd", 0.0),
            attempts=entry.get("attempts", 1),
            first_attempt_valid=entry.get("first_attempt_valid", True),
            seconds=entry.get("seconds", 0.0),
        )


Responder = Callable[[Request], dict[str, Any]]


class FakeClient:
    """A model-free client: ``responder(request)`` returns the JSON answer for each request.

    The answer is validated like a real model's, so tests exercise the same validators; a
    responder may raise to simulate failures.
    """

    api_base: str | None = None

    def __init__(
        self,
        responder: Responder,
        *,
        name: str = "fake",
        concurrency: int = 4,
        latency: float = 0.0,
    ) -> None:
        self.responder = responder
        self.name = name
        self.model = f"fake/{name}"
        self.concurrency = concurrency
        self.latency = latency
        self.calls: list[Request] = []

    def identity(self, stage: str) -> dict[str, Any]:
        return {"model": self.model}

    async def complete(self, request: Request) -> Outcome:
        self.calls.append(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        payload = self.responder(request)
        try:
            value = request.response_model.model_validate(payload, context=request.context)
        except ValidationError as err:
            raise ModelOutputError(
                self.name, request.stage, _short(err), attempts=1, last_output=json.dumps(payload)
            ) from err
        return Outcome(value=value, raw=json.dumps(payload), prompt_tokens=10, completion_tokens=5)
