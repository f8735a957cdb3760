"""The LLM seam: the only package that imports litellm, instructor and llama_cpp.

Everything else asks for structured answers through ``StructuredClient`` and gets one with
``open_client(backend, cache=...)``.
"""

from __future__ import annotations

import os

# litellm fetches a model price map from the internet at import unless told not to; offline
# start must not stall on retries.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import logging  # noqa: E402
from pathlib import Path  # noqa: E402

import litellm  # noqa: E402

from workbench.cache import ResponseCache  # noqa: E402
from workbench.config import BackendConfig  # noqa: E402
from workbench.llm.client import (  # noqa: E402
    ENFORCEMENT,
    BoundedClient,
    CachingClient,
    FakeClient,
    LiteLLMClient,
    Outcome,
    RecordingClient,
    ReplayClient,
    Request,
    StructuredClient,
    resolve_schema_mode,
)
from workbench.llm.cue_rater import CueRatingClient  # noqa: E402

litellm.suppress_debug_info = True
logging.getLogger("LiteLLM").setLevel(logging.ERROR)  # our errors say what failed, once

__all__ = [
    "BoundedClient",
    "ENFORCEMENT",
    "CachingClient",
    "FakeClient",
    "LiteLLMClient",
    "Outcome",
    "RecordingClient",
    "ReplayClient",
    "Request",
    "StructuredClient",
    "open_client",
    "resolve_schema_mode",
]


def open_client(
    backend: BackendConfig,
    *,
    cache: ResponseCache | None = None,
    record_to: Path | None = None,
    replay_from: Path | None = None,
) -> StructuredClient:
    """The client for ``backend``: replay or live (check-worthiness from cues if configured),
    then recorded, bounded, and cached."""
    client: StructuredClient
    if replay_from is not None:
        client = ReplayClient(replay_from)
    elif backend.model.startswith("fake/"):
        from workbench.llm.fake import heuristic_responder

        client = FakeClient(heuristic_responder, name=backend.name, concurrency=backend.concurrency)
    else:
        client = LiteLLMClient(backend)
    if backend.rater == "cues" and replay_from is None:  # a recording holds the cue answers
        client = CueRatingClient(client)
    if record_to is not None:
        client = RecordingClient(client, record_to)
    client = BoundedClient(client)
    if cache is not None:
        client = CachingClient(client, cache)
    return client
