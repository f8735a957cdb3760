"""A backend's requests as its config alone decides them: the schema mode, the generation
settings of each stage, and the identity its cached answers are kept under.

Both the backend as the cache sees it (``workbench.llm.backend``) and the litellm client that
answers its cache misses (``workbench.llm.litellm_client``) read them here, so neither imports
the other to learn them, and no model library is needed to compute them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.core.config import EMBEDDED, BackendConfig
from workbench.llm.interface import RequestKind, stage_of


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
