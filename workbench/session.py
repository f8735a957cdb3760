"""A session ties config, cache, prompts and clients together for the CLI, the UI and evals.

Every check of the process runs on one long-lived event loop in a thread of its own
(``Session.check``), whichever thread asks for it. The UI server runs each browser session's
script in a thread of its own; when each check ran ``asyncio.run`` there, eight at once meant
eight event loops taking turns at litellm's process-wide state (its logging worker rebinds its
queue to whichever loop called last: "Queue is bound to a different event loop", stranded
tasks, and checks that stalled), and the backends' concurrency limits counted per loop, not
per server. The caller's thread still gets the progress events, so the UI draws them where
Streamlit allows and its Stop reaches the run: an exception in the callback cancels it.
"""

from __future__ import annotations

import asyncio
import atexit
import queue
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from workbench.core.budget import Budget
from workbench.core.cache import ResponseStore, default_cache_dir, open_cache
from workbench.core.config import Config, load_config
from workbench.core.prompts import PromptSet
from workbench.core.schema import Article, Report
from workbench.llm import StructuredClient, open_client
from workbench.pipeline import Progress, ProgressCallback, check_article

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def shared_loop() -> asyncio.AbstractEventLoop:
    """The process's event loop for checks, started on first use in a daemon thread."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            thread = threading.Thread(target=_loop.run_forever, name="workbench-loop", daemon=True)
            thread.start()
            atexit.register(_close_loop, _loop, thread)
        return _loop


def _close_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    """At exit: stop the loop and let what still runs on it (litellm's logging worker) end
    cancelled, not be destroyed pending ("Task was destroyed but it is pending!")."""
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    if thread.is_alive():
        return  # a call that never yields: the process ends anyway
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()

    async def ended() -> None:  # gathered on this loop, not the main thread's
        await asyncio.gather(*pending, return_exceptions=True)

    loop.run_until_complete(ended())
    loop.close()


def run_shared(
    work: Coroutine[Any, Any, T],
    events: queue.SimpleQueue[Progress] | None = None,
    on_progress: ProgressCallback | None = None,
) -> T:
    """Run ``work`` on the shared loop and wait for it on this thread, handing each event it
    puts on ``events`` to ``on_progress`` here. Whatever stops the wait (an exception from the
    callback, Ctrl-C, Streamlit's Stop) cancels the work."""
    future = asyncio.run_coroutine_threadsafe(work, shared_loop())
    try:
        while events is not None and (not future.done() or not events.empty()):
            try:
                progress = events.get(timeout=0.05)
            except queue.Empty:
                continue
            if on_progress is not None:
                on_progress(progress)
        return future.result()
    except BaseException:
        future.cancel()
        raise


@dataclass
class Session:
    config: Config
    cache: ResponseStore
    prompts: PromptSet
    _clients: dict[str, StructuredClient] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        config_path: str | None = None,
        *,
        no_cache: bool = False,
        prompts_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
    ) -> Session:
        config = load_config(config_path)
        shared = config.cache
        cache = open_cache(
            cache_dir or default_cache_dir(shared.dir),
            url=shared.url,
            password=shared.password() if shared.url and not no_cache else None,
            fallback_local=shared.fallback == "local",
            enabled=not no_cache,
        )
        return cls(
            config=config,
            cache=cache,
            prompts=PromptSet(Path(prompts_dir) if prompts_dir else None),
        )

    def client(
        self,
        backend: str | None = None,
        *,
        concurrency: int | None = None,
        record_to: Path | None = None,
        replay_from: Path | None = None,
    ) -> StructuredClient:
        """The (cached, bounded) client of a configured backend; reused within the session."""
        settings = self.config.backend(backend)
        if concurrency is not None:
            settings = settings.model_copy(update={"concurrency": concurrency})
        key = f"{settings.name}|{settings.concurrency}|{record_to}|{replay_from}"
        if key not in self._clients:
            self._clients[key] = open_client(
                settings, cache=self.cache, record_to=record_to, replay_from=replay_from
            )
        return self._clients[key]

    def check(
        self,
        article: Article,
        backend: str | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        budget: Budget | None = None,
        topics: Sequence[str] = (),
    ) -> Report:
        """``check_async`` for callers without an event loop (CLI, Streamlit script threads):
        the work runs on the shared loop, ``on_progress`` on the calling thread."""
        events: queue.SimpleQueue[Progress] = queue.SimpleQueue()
        work = check_article(
            article,
            self.client(backend),
            self.prompts,
            on_progress=events.put if on_progress is not None else None,
            budget=budget,
            topics=topics,
        )
        return run_shared(work, events, on_progress)

    async def check_async(
        self,
        article: Article,
        backend: str | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        topics: Sequence[str] = (),
    ) -> Report:
        return await check_article(
            article, self.client(backend), self.prompts, on_progress=on_progress, topics=topics
        )
