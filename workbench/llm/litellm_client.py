"""The litellm client: any litellm backend (hosted APIs, Ollama, OpenAI-compatible servers, the
embedded llama.cpp provider, pools of endpoints), validated and re-asked by instructor.

One retry layer per concern, never two for the same failure:

- invalid output: instructor re-asks with the validation error (``reasks``);
- a transient failure of a single endpoint (429, 5xx, timeouts, dropped connections): our own
  loop below, with backoff and Retry-After (``retries``);
- a transient failure of one deployment of a pool: litellm's Router retries it (``retries``),
  on another deployment where one is available, and benches a failing deployment for a few
  seconds (cooldown). Our loop never retries a pool: when every deployment is benched the
  Router has already spent the retries, and asking again multiplied them (a question went out
  5 times with ``retries = 2``); the pool is then down, a one-line error.

Below them the OpenAI SDK's own retries are turned off. Every failure leaves as one of our
errors (``BackendError``, ``ModelOutputError``, ``ConfigError``) with a line a person can act on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import instructor
import litellm
import openai  # the base class of litellm's API errors
from instructor.core import IncompleteOutputException, InstructorRetryException
from litellm.types.router import RouterRateLimitError
from pydantic import BaseModel

from workbench.core.config import DEFAULT_ROUTING, BackendConfig
from workbench.core.errors import BackendError, ConfigError, ModelOutputError, one_line
from workbench.llm.embedded import DEFAULT_ALIAS, embedded_provider
from workbench.llm.interface import Outcome, R, Request, RequestKind
from workbench.llm.settings import backend_identity, resolve_schema_mode, stage_params

log = logging.getLogger(__name__)

litellm.suppress_debug_info = True
logging.getLogger("LiteLLM").setLevel(logging.ERROR)  # our errors say what failed, once


@lru_cache(maxsize=256)
def _instructor_model(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` as instructor wraps it (it would re-create the wrapper class on every call;
    profiled in bench/run.py, a fifth of the client's CPU per request with the schema)."""
    return instructor.openai_schema(model)  # type: ignore[no-any-return]


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
# A pool's deployment that fails twice (allowed_fails + 1) is benched for the cooldown: a dead
# server then costs one fast failed attempt per cooldown (retried on another deployment), a
# single 503 does not bench a healthy one, and a restarted server is back in rotation soon.
POOL_ALLOWED_FAILS = 1
POOL_COOLDOWN_SECONDS = 5.0


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


def pool_router(backend: BackendConfig, api_key: str | None) -> litellm.Router:
    """litellm's Router over a pool's deployments: one model group named after the pool."""
    deployments = [
        {
            "model_name": backend.name,
            "litellm_params": {
                "model": backend.model,
                "api_base": api_base,
                "api_key": api_key or "not-needed",
                "max_retries": 0,  # the OpenAI SDK's retries: the Router retries instead
            },
        }
        for api_base in backend.api_bases or []
    ]
    return litellm.Router(
        model_list=deployments,
        routing_strategy=backend.routing or DEFAULT_ROUTING,
        num_retries=backend.retries,
        retry_after=0,
        allowed_fails=POOL_ALLOWED_FAILS,
        cooldown_time=POOL_COOLDOWN_SECONDS,
        timeout=backend.timeout,
    )


class LiteLLMClient:
    """A configured backend, reached through litellm and validated by instructor."""

    def __init__(self, backend: BackendConfig) -> None:
        self.backend = backend
        self.name = backend.name
        self.api_base = ", ".join(backend.api_bases) if backend.api_bases else backend.api_base
        # A pool's concurrency is per endpoint: two servers take twice the requests in flight.
        self.concurrency = backend.concurrency * len(backend.endpoints())
        self.mode = resolve_schema_mode(backend)
        self.model = backend.model
        if backend.is_embedded:
            provider = embedded_provider()
            alias = backend.model.split("/", 1)[1]
            if backend.model_path or alias == DEFAULT_ALIAS:  # other aliases: unknown at load
                path = Path(backend.model_path) if backend.model_path else None
                provider.register(alias, path, backend.n_ctx, backend.threads)
        self._api_key = backend.api_key()
        self._router = pool_router(backend, self._api_key) if backend.is_pool else None

    def stage_params(self, stage: RequestKind) -> dict[str, Any]:
        return stage_params(self.backend, stage)

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        return backend_identity(self.backend, stage)

    async def complete(self, request: Request[R]) -> Outcome[R]:
        started = time.perf_counter()
        params = self.stage_params(request.stage)
        kwargs: dict[str, Any] = {**params, "timeout": self.backend.timeout}
        if self._router is None:
            kwargs |= {
                "api_base": self.backend.api_base,
                "api_key": self._api_key or ("not-needed" if self.backend.api_base else None),
                # One retry layer, ours (with backoff and the configured count): without this
                # the OpenAI SDK under litellm retries each attempt twice more on its own.
                "num_retries": 0,
            }
            completion = litellm.acompletion
        else:
            kwargs["model"] = self.backend.name  # the Router's model group: the pool
            completion = self._router.acompletion
        if self.mode == "json_object_schema":
            kwargs["extra_body"] = {
                "response_format": {"type": "json_object", "schema": request.schema()}
            }
        counter = _AttemptCounter()
        client = instructor.from_litellm(completion, mode=_MODES[self.mode], async_client=True)
        client.on("completion:response", counter.on_response)
        client.on("parse:error", counter.on_parse_error)
        delay = 0.5
        failure: BaseException
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
            except RouterRateLimitError as err:
                failure = err
            except InstructorRetryException as err:
                # instructor wraps API errors too: only a validation failure is the model's fault.
                failure = err.__cause__ or err
                if not isinstance(failure, openai.APIError | RouterRateLimitError):
                    raise ModelOutputError(
                        self.name,
                        request.stage,
                        one_line(failure, 200),
                        attempts=max(counter.attempts, 1),
                        last_output=counter.last_raw,
                    ) from err
            except openai.APIError as err:
                failure = err
            if isinstance(failure, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
                raise ConfigError(
                    f"backend {self.name!r}: the API key was refused ({one_line(failure, 200)})"
                ) from failure
            if isinstance(failure, (litellm.NotFoundError, litellm.BadRequestError)):
                raise ConfigError(
                    f"backend {self.name!r}: request rejected: {one_line(failure, 200)}"
                ) from failure
            if isinstance(failure, RouterRateLimitError):
                # Every deployment of the pool is benched: the Router's retries are spent.
                raise BackendError(
                    self.name,
                    f"no endpoint of the pool answered ({len(self.backend.endpoints())} "
                    "endpoints, each failing and benched)",
                    attempts=transient_try + 1,
                    unreachable=True,
                ) from failure
            if (
                self._router is not None  # the Router retried it (on the other deployments)
                or not isinstance(failure, _TRANSIENT)
                or transient_try >= self.backend.retries
            ):
                raise BackendError(
                    self.name,
                    _describe(failure, self.backend),
                    attempts=transient_try + 1,
                    unreachable=_cannot_connect(failure),
                ) from failure
            wait = _retry_after(failure) or delay * (1 + random.random() / 2)
            log.debug("backend %s: %s; retrying in %.1fs", self.name, one_line(failure, 200), wait)
            await asyncio.sleep(wait)
            delay *= 2
        return Outcome(
            value=cast(R, value),  # instructor validated it as request.response_model
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


def _describe(err: BaseException, backend: BackendConfig) -> str:
    where = backend.api_base or backend.model
    if backend.api_bases:
        where = f"every endpoint of the pool ({', '.join(backend.api_bases)})"
    if isinstance(err, litellm.Timeout):
        return f"timed out after {backend.timeout:.0f}s at {where} (raise timeout in the config)"
    if isinstance(err, litellm.RateLimitError):
        return f"rate-limited by {where} after {backend.retries + 1} tries"
    if _cannot_connect(err):
        return f"cannot connect to {where} (is the server running?): {one_line(_root(err), 120)}"
    if not isinstance(err, _TRANSIENT):
        return f"failed at {where}: {one_line(err, 200)}"
    return f"failed at {where} after {backend.retries + 1} tries: {one_line(err, 200)}"


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
