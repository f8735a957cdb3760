"""The LLM seam: the only package that imports litellm, instructor and llama_cpp.

Everything else asks for structured answers through ``StructuredClient`` and gets one with
``open_client(backend, cache=...)``. Modules:

- ``interface``: ``Request``, ``Outcome`` and the ``StructuredClient`` protocol (no model library);
- ``backend``: every real backend as the cache sees it (identity from the config alone); it
  builds the litellm client on the first cache miss, so a run served from the cache never
  imports litellm or instructor nor loads a model;
- ``settings``: a backend's schema mode, generation settings and cache identity, from its config;
- ``litellm_client``: every real backend, through litellm and instructor;
- ``embedded``: the in-process llama.cpp provider behind the built-in backend;
- ``wrappers``: the layers around a client (``CachingClient``, ``BoundedClient``);
- ``recording``: ``RecordingClient`` and ``ReplayClient`` (record a run, replay it without a model);
- ``engine_client``: runs each stage's chain of engines (model, rules, cues, classifier);
- ``fake``: ``FakeClient`` and the model-free ``fake/...`` backend's responder;
- ``probe``: is a backend reachable, does it enforce the schema, how fast (``backends --check``);
- ``runtime_check``: does the local-model runtime run on this machine.

May import ``workbench.engines`` (the chains it runs) and ``workbench.core``; the stages and
everything above them ask it, never the other way round.
"""

from __future__ import annotations

import os
from pathlib import Path

# litellm fetches a model price map from the internet at import unless told not to; offline
# start must not stall on retries. Set here, in the package, because every module that imports
# litellm (litellm_client, embedded) is imported after it.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


from workbench.core.cache import ResponseStore
from workbench.core.config import MODEL, BackendConfig
from workbench.llm import fake
from workbench.llm.backend import BackendClient
from workbench.llm.engine_client import StageEngineClient
from workbench.llm.fake import FakeClient
from workbench.llm.interface import Outcome, Request, StructuredClient
from workbench.llm.recording import RecordingClient, ReplayClient
from workbench.llm.wrappers import BoundedClient, CachingClient, ClientWrapper

__all__ = [
    "BoundedClient",
    "CachingClient",
    "ClientWrapper",
    "FakeClient",
    "Outcome",
    "RecordingClient",
    "ReplayClient",
    "Request",
    "StructuredClient",
    "open_client",
]


def open_client(
    backend: BackendConfig,
    *,
    cache: ResponseStore | None = None,
    record_to: Path | None = None,
    replay_from: Path | None = None,
) -> StructuredClient:
    """The client for ``backend``: replay or live (each stage's chain of engines), then
    recorded, bounded, and cached."""
    client: StructuredClient
    if replay_from is not None:
        client = ReplayClient(replay_from)
    elif backend.model.startswith("fake/"):
        # Looked up at call time: tests swap the responder to simulate a flaky model.
        responder = fake.heuristic_responder
        client = FakeClient(responder, name=backend.name, concurrency=backend.concurrency)
    else:
        client = BackendClient(backend)  # litellm and the model load on the first cache miss
    engines = backend.engines()
    if replay_from is None and any(chain != [MODEL] for chain in engines.values()):
        client = StageEngineClient(client, engines)  # a recording holds the engines' answers
    if record_to is not None:
        client = RecordingClient(client, record_to)
    client = BoundedClient(client)
    if cache is not None:
        client = CachingClient(client, cache)
    return client
