"""Performance figures of the workbench, measured side by side in one run (for a person, not CI).

    .venv/bin/python bench/run.py --json              # every figure, one JSON object on stdout
    .venv/bin/python bench/run.py --only batch        # one part: see --only
    .venv/bin/python bench/run.py --profile prof/     # also write where the time goes

Figures (goals from the hardening issue in brackets):
- ``embedded_throughput_ratio``: generated tokens/s of a seed article's pipeline run on the
  embedded model, divided by raw llama-cpp-python replaying the very calls the pipeline made
  (same messages, grammar, max_tokens, temperature, seed, same loaded model) [>= 0.9];
- ``embedded_seed_cold_speedup``: the seed cold with the model decoding its stages one call after
  another (the built-in backend until the stage engines) over the seed cold on the built-in
  backend as it ships (``default_seed_cold_seconds``: each stage answered by the engine that
  measured best, no model call; evals/README.md "Engines") [>= 2];
- ``warm_speedup``, ``warm_seconds``: that cold run against a fully cached re-run in the same
  process [>= 100x, < 0.3 s];
- ``two_process_slowdown``: ``workbench extract`` of the seed, cold, with the model on its
  stages and on every core: the slower of two such processes started at once, over one alone
  [<= 2.2: sharing the cores explains 2];
- ``batch_wall_over_ideal_c1/_c4/_c8/_c16``: 20 articles through ``workbench batch`` against
  the loopback fault server answering valid JSON after 0.5 s, wall time over the latency-bound
  ideal ``0.5 s * max(requests / concurrency, 4 stages)`` [<= 1.25 at c8];
- ``peak_rss_mb``: peak resident memory of the process that ran the seed on the embedded model;
- ``pool2_throughput_ratio``: the same batch over a pool of two such servers, against one
  server, at the same concurrency per server (``--pool-concurrency``) [>= 1.8];
- ``pool_failover_lost``: articles lost or failed when one of the two is killed (SIGKILL)
  mid-batch [0];
- ``redis_warm_over_disk_warm``: a fully cached re-run of the seed article (answers from the
  fault server) served by a loopback redis-server, over the same from diskcache [<= 2];
  ``redis_second_process_hit_rate``: a second process with an empty local directory [1.0];
- ``cli_warm_seconds``: ``workbench extract`` of the seed, fully cached, as a whole process on
  the built-in backend (best of 5), beside ``cli_help_seconds`` (``workbench --help``, best of
  5) and their ratio ``cli_warm_over_help`` [<= 1.5 s and <= 3x].
- ``load_s1_/_s4_/_s8_...``: 1, 4 and 8 researchers at once in real Chromium sessions on one
  ``workbench ui`` (tests/support/load.py; the fault server answering after ``--latency``):
  p50/p95 seconds from Run check to the first claim on the page and to the finished report,
  sessions lost or crossed (another's article on a page) [0], shared cache consistent [true].

The embedded part runs in a child process (so its memory is its own); the fault server runs in
another (so it takes no CPU from the client under test). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from workbench.llm.embedded import llama_response_format

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_7328977ade79c96d.txt"
sys.path.insert(0, str(REPO))  # tests.support: configs and the fault server

STAGE_BY_PROPERTY = {
    "checkable": "select",
    "claims": "extract",
    "rating": "checkworthiness",
    "needs": "evidence",
    "answer": "probe",
}


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory = int(meminfo.read_text().split()[1]) / 2**20
    try:
        from importlib.metadata import version

        llama_version = version("llama_cpp_python")
    except Exception:  # noqa: BLE001 - informational only
        llama_version = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1),
        "python": platform.python_version(),
        "llama_cpp_python": llama_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------
# Embedded: throughput against raw llama-cpp-python, warm re-run, memory (in a child process)
# ---------------------------------------------------------------------------------------------


def _stage_of(params: dict[str, Any]) -> str:
    schema = (llama_response_format(params) or {}).get("schema") or {}
    for name in schema.get("properties", {}):
        if name in STAGE_BY_PROPERTY:
            return STAGE_BY_PROPERTY[name]
    return "?"


def embedded_child(seed: Path, unconstrained_sample: int) -> dict[str, Any]:
    # A sentence that fails validation is a counted failure; instructor's log line is noise here.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    workdir = Path(tempfile.mkdtemp(prefix="bench-embedded-"))
    os.environ["WORKBENCH_CACHE_DIR"] = str(workdir / "cache")
    os.environ.pop("WORKBENCH_CONFIG", None)
    os.chdir(workdir)  # no ./workbench.toml: only the built-in backends

    from tests.support.configs import EMBEDDED_DEFAULT
    from workbench.io.ingest import read_path
    from workbench.llm.embedded import DEFAULT_ALIAS, embedded_provider
    from workbench.session import Session

    # The default (built-in) backend as it ships: its stages answered by engines, no model.
    default = Session.open(cache_dir=workdir / "cache-default")
    article = read_path(str(seed), default.config.limits)
    started = time.perf_counter()
    shipped = default.check(article)
    default_cold = time.perf_counter() - started
    started = time.perf_counter()
    default.check(article)
    default_warm = time.perf_counter() - started
    say(f"builtin (classifier and rules): cold {default_cold:.1f}s, warm {default_warm:.3f}s")

    # The model itself on its stages (the rules behind it): what the figures below measure.
    config = workdir / "model.toml"
    config.write_text(EMBEDDED_DEFAULT, encoding="utf-8")
    session = Session.open(str(config))
    provider = embedded_provider()
    llama = provider.llama(DEFAULT_ALIAS)  # loaded before timing: both sides start loaded

    calls: list[dict[str, Any]] = []
    generate = provider.generate

    def recording(alias: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        result = generate(alias, messages, params)
        calls.append(
            {
                "messages": messages,
                "params": params,
                "stage": _stage_of(params),
                "tokens": result["usage"]["completion_tokens"],
                "prompt_tokens": result["usage"]["prompt_tokens"],
                "seconds": time.perf_counter() - started,
                "content": result["choices"][0]["message"]["content"],
            }
        )
        return result

    provider.generate = recording  # type: ignore[method-assign]

    say(f"embedded: cold run of {seed.name} (minutes on 2 cores)")
    started = time.perf_counter()
    cold = session.check(article)
    cold_seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    say(f"embedded: cold {cold_seconds:.1f}s, {len(calls)} model calls; warm re-run")
    started = time.perf_counter()
    warm = session.check(article)
    warm_seconds = time.perf_counter() - started
    assert warm.run.cache_misses == 0, "the warm run must be all cache hits"

    say("embedded: raw llama-cpp-python replays the same calls")
    raw: list[dict[str, Any]] = []
    for call in calls:
        params = call["params"]
        started = time.perf_counter()
        # On the provider's llama thread: a second calling thread would get a second OpenMP
        # team (see workbench/llm/embedded.py) and slow both.
        result = provider.on_llama_thread(
            lambda params=params, call=call: llama.create_chat_completion(
                messages=call["messages"],
                response_format=llama_response_format(params),
                temperature=float(params.get("temperature") or 0.0),
                max_tokens=int(params.get("max_tokens") or 256),
                seed=params.get("seed"),
            )
        )
        raw.append(
            {
                "stage": call["stage"],
                "tokens": result["usage"]["completion_tokens"],
                "seconds": time.perf_counter() - started,
                "same_output": result["choices"][0]["message"]["content"] == call["content"],
            }
        )

    # Grammar cost: the same prompts without a schema, generating as many tokens as with it.
    sample = [c for c in calls if c["stage"] == "evidence"][:unconstrained_sample]
    free: list[dict[str, Any]] = []
    for call in sample:
        started = time.perf_counter()
        result = provider.on_llama_thread(
            lambda call=call: llama.create_chat_completion(
                messages=call["messages"],
                temperature=0.0,
                max_tokens=max(call["tokens"], 1),
                seed=call["params"].get("seed"),
            )
        )
        free.append(
            {
                "tokens": result["usage"]["completion_tokens"],
                "seconds": time.perf_counter() - started,
            }
        )

    def rate(rows: list[dict[str, Any]], seconds: float | None = None) -> float:
        total = seconds if seconds is not None else sum(r["seconds"] for r in rows)
        return sum(r["tokens"] for r in rows) / total if total else 0.0

    pipeline_tokens = sum(c["tokens"] for c in calls)
    stages: dict[str, Any] = {}
    for stage in ("select", "extract", "checkworthiness", "evidence"):
        mine = [c for c in calls if c["stage"] == stage]
        theirs = [r for r in raw if r["stage"] == stage]
        stats = cold.run.stages[stage]
        stages[stage] = {
            "calls": len(mine),
            "completion_tokens": sum(c["tokens"] for c in mine),
            "mean_prompt_tokens": round(sum(c["prompt_tokens"] for c in mine) / len(mine))
            if mine
            else 0,
            "stage_seconds": round(stats.seconds, 2),
            "model_seconds": round(sum(c["seconds"] for c in mine), 2),
            "tokens_per_s_pipeline": round(rate(mine, stats.seconds), 1),
            "tokens_per_s_in_model": round(rate(mine), 1),
            "tokens_per_s_raw": round(rate(theirs), 1),
        }
    model_seconds = sum(c["seconds"] for c in calls)
    raw_seconds = sum(r["seconds"] for r in raw)
    return {
        "embedded_throughput_ratio": round(rate(calls, cold_seconds) / rate(raw), 3),
        "embedded_tokens_per_s_pipeline": round(rate(calls, cold_seconds), 1),
        "embedded_tokens_per_s_raw": round(rate(raw), 1),
        "embedded_tokens_per_s_raw_unconstrained": round(rate(free), 1) if free else None,
        "embedded_tokens_per_s_raw_constrained_same_calls": round(
            rate([r for r in raw if r["stage"] == "evidence"][: len(free)]), 1
        )
        if free
        else None,
        "embedded_completion_tokens": pipeline_tokens,
        "embedded_model_calls": len(calls),
        "embedded_raw_same_output": sum(r["same_output"] for r in raw),
        "embedded_cold_seconds": round(cold_seconds, 2),
        "embedded_model_seconds": round(model_seconds, 2),
        "embedded_raw_seconds": round(raw_seconds, 2),
        "embedded_overhead_seconds": round(cold_seconds - model_seconds, 2),
        "embedded_stages": stages,
        "embedded_claims": len(cold.claims),
        "warm_seconds": round(warm_seconds, 4),
        "warm_speedup": round(cold_seconds / warm_seconds, 1),
        "peak_rss_mb": round(rss, 1),
        "default_seed_cold_seconds": round(default_cold, 2),
        "embedded_seed_cold_speedup": round(cold_seconds / default_cold, 1),
        "default_seed_warm_seconds": round(default_warm, 4),
        "default_seed_completion_tokens": shipped.run.totals.completion_tokens,  # 0: no model
        "default_seed_claims": len(shipped.claims),
    }


def run_embedded(seed: Path, unconstrained_sample: int, profile: Path | None) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child-embedded",
        str(seed),
        "--unconstrained-sample",
        str(unconstrained_sample),
    ]
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        spy = Path(sys.executable).parent / "py-spy"
        command = [
            str(spy),
            "record",
            "--threads",
            "--idle",
            "--nonblocking",  # sample without pausing the process: timings stay honest
            "--rate",
            "50",
            "--format",
            "raw",
            "-o",
            str(profile / "embedded.collapsed.txt"),
            "--",
            *command,
        ]
    # The figures come back in a file: py-spy writes its own lines to stdout.
    result = Path(tempfile.mkdtemp(prefix="bench-result-")) / "embedded.json"
    subprocess.run([*command, "--result", str(result)], check=True)
    return dict(json.loads(result.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------------------------
# Batch against a loopback server with fixed latency
# ---------------------------------------------------------------------------------------------


class ServerProcess:
    """tests/support/fault_server.py in its own process, answering after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        script = REPO / "tests" / "support" / "fault_server.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script), "--delay", str(delay)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        self.root = self.base_url.removesuffix("/v1")

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.root}/stats", timeout=10) as response:
            return dict(json.loads(response.read()))

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.root}/reset", method="POST", data=b"")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def kill(self) -> None:
        """Gone without a goodbye: in-flight connections are reset."""
        self.process.kill()
        self.process.wait(10)


def _batch(folder: Path, out: Path, config: Path) -> tuple[int, float]:
    from workbench.cli import main as workbench

    started = time.perf_counter()
    code = workbench(["batch", str(folder), "--out", str(out), "--config", str(config), "--quiet"])
    return code, time.perf_counter() - started


def _articles(workdir: Path, articles: int) -> Path:
    from tests.support.articles import article_text

    folder = workdir / "articles"
    folder.mkdir(exist_ok=True)
    for n in range(articles):
        (folder / f"article-{n:02d}.md").write_text(article_text(n), encoding="utf-8")
    return folder


def run_pool(articles: int, delay: float, concurrency: int) -> dict[str, Any]:
    """One server against a pool of two, then the pool with one server killed mid-batch."""
    import threading

    from tests.support.configs import http_config, write_config

    workdir = Path(tempfile.mkdtemp(prefix="bench-pool-"))
    folder = _articles(workdir, articles)
    say("pool: starting two loopback servers")
    first, second = ServerProcess(delay), ServerProcess(delay)
    results: dict[str, Any] = {}
    try:
        def pool(name: str) -> Path:
            return write_config(
                workdir / f"{name}.toml", "pool", "openai/fault-model", timeout=30.0,
                concurrency=concurrency, api_bases=[first.base_url, second.base_url],
            )

        os.environ["WORKBENCH_CACHE_DIR"] = str(workdir / "cache-one")
        one = http_config(
            workdir / "one.toml", first.base_url, concurrency=concurrency, timeout=30.0
        )
        code_one, wall_one = _batch(folder, workdir / "one.jsonl", one)
        os.environ["WORKBENCH_CACHE_DIR"] = str(workdir / "cache-two")
        code_two, wall_two = _batch(folder, workdir / "two.jsonl", pool("two"))
        results["pool2_throughput_ratio"] = round(wall_one / wall_two, 3)
        results["pool_one_server_seconds"] = round(wall_one, 2)
        results["pool_two_servers_seconds"] = round(wall_two, 2)
        say(f"pool: one server {wall_one:.1f}s (exit {code_one}), two {wall_two:.1f}s "
            f"(exit {code_two})")

        os.environ["WORKBENCH_CACHE_DIR"] = str(workdir / "cache-kill")
        requests_per_run = first.stats()["requests"] + second.stats()["requests"]
        first.reset()
        second.reset()

        def kill_midway() -> None:
            while first.stats()["requests"] < requests_per_run // 8:
                time.sleep(0.05)
            say(f"pool: killing {first.base_url} with requests in flight")
            first.kill()

        killer = threading.Thread(target=kill_midway, daemon=True)
        killer.start()
        out = workdir / "kill.jsonl"
        code, wall = _batch(folder, out, pool("kill"))
        entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        failed = sum(1 for e in entries if "error" in e or e["report"]["failures"])
        results["pool_failover_lost"] = articles - len(entries) + failed
        results["pool_failover_seconds"] = round(wall, 2)
        say(f"pool: killed one mid-batch: {len(entries)}/{articles} articles, {failed} failed, "
            f"exit {code}, {wall:.1f}s")
    finally:
        for server in (first, second):
            if server.process.poll() is None:
                server.stop()
        os.environ.pop("WORKBENCH_CACHE_DIR", None)
    results["pool_concurrency_per_server"] = concurrency
    return results


def run_redis(seed: Path, repeats: int = 5) -> dict[str, Any]:
    """Warm re-runs of the seed from Redis against diskcache; a second process's hit rate."""
    import contextlib
    import io

    from tests.support.configs import http_config
    from tests.support.redis_server import RedisServer
    from workbench.cli import main as workbench

    workdir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    say("redis: starting redis-server and a loopback model server")
    server, model = RedisServer(workdir / "redis").start(), ServerProcess(0.0)
    results: dict[str, Any] = {}

    def extract(config: Path) -> float:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            workbench(["extract", str(seed), "--config", str(config), "--quiet"])
        return time.perf_counter() - started

    try:
        disk = http_config(workdir / "disk.toml", model.base_url, timeout=30.0)
        shared = http_config(workdir / "redis.toml", model.base_url, timeout=30.0)
        shared.write_text(
            shared.read_text(encoding="utf-8") + f'\n[cache]\nurl = "{server.url}"\n',
            encoding="utf-8",
        )
        os.environ["WORKBENCH_CACHE_DIR"] = str(workdir / "disk-cache")
        warm: dict[str, float] = {}
        for name, config in (("disk", disk), ("redis", shared)):
            extract(config)  # cold: fills the cache
            warm[name] = min(extract(config) for _ in range(repeats))
        results["redis_warm_seconds"] = round(warm["redis"], 3)
        results["disk_warm_seconds"] = round(warm["disk"], 3)
        results["redis_warm_over_disk_warm"] = round(warm["redis"] / warm["disk"], 3)
        env = {**os.environ, "WORKBENCH_CACHE_DIR": str(workdir / "empty"),
               "PYTHONPATH": str(REPO)}
        second = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "extract", str(seed), "--config", str(shared),
             "--format", "json", "--quiet"],
            capture_output=True, text=True, env=env, check=True,
        )
        stages = json.loads(second.stdout)["run"]["stages"].values()
        hits = sum(s["cache_hits"] for s in stages)
        misses = sum(s["cache_misses"] for s in stages)
        results["redis_second_process_hit_rate"] = round(hits / max(hits + misses, 1), 3)
        say(f"redis: warm {warm['redis']:.3f}s against disk {warm['disk']:.3f}s; second "
            f"process {hits} hits, {misses} misses")
    finally:
        model.stop()
        server.stop()
        os.environ.pop("WORKBENCH_CACHE_DIR", None)
    return results


def run_cli(seed: Path, repeats: int = 5) -> dict[str, Any]:
    """A cached ``workbench extract`` as a whole process (imports included) against
    ``workbench --help``, the least a process of the workbench costs; taken in turns, best of
    ``repeats`` each, so a busy moment of the machine weighs on both alike."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(workdir / "cache"), "PYTHONPATH": str(REPO),
           "XDG_CONFIG_HOME": str(workdir / "xdg")}  # fmt: skip
    env.pop("WORKBENCH_CONFIG", None)  # and cwd without ./workbench.toml: the built-in backend
    extract = [sys.executable, "-m", "workbench.cli", "extract", str(seed), "--format", "json",
               "--quiet"]  # fmt: skip
    help_ = [sys.executable, "-m", "workbench.cli", "--help"]

    def seconds(command: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started

    say(f"cli: cold extract of {seed.name} fills the cache")
    cold = seconds(extract)
    warm, helps = [], []
    for _ in range(repeats):
        warm.append(seconds(extract))
        helps.append(seconds(help_))
    say(f"cli: warm extract {min(warm):.2f}s, --help {min(helps):.2f}s (cold {cold:.1f}s)")
    return {
        "cli_cold_seconds": round(cold, 2),
        "cli_warm_seconds": round(min(warm), 3),
        "cli_help_seconds": round(min(helps), 3),
        "cli_warm_over_help": round(min(warm) / min(helps), 2),
    }


def run_processes(seed: Path) -> dict[str, Any]:
    """Two workbench processes on one machine, each with the model on every core: ``workbench
    extract`` of the seed with the model answering its stages, cold (an empty cache each), alone
    and then two at once. Sharing the cores explains a slowdown of 2."""
    from tests.support.configs import EMBEDDED_DEFAULT

    workdir = Path(tempfile.mkdtemp(prefix="bench-processes-"))
    config = workdir / "model.toml"
    config.write_text(EMBEDDED_DEFAULT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("WORKBENCH_CONFIG", None)

    def start(name: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "workbench.cli", "--config", str(config), "extract",
                   str(seed), "--format", "json", "--quiet"]  # fmt: skip
        own = {**env, "WORKBENCH_CACHE_DIR": str(workdir / f"cache-{name}")}
        return subprocess.Popen(command, cwd=workdir, env=own, stdout=subprocess.DEVNULL)

    def timed(names: list[str]) -> list[float]:
        started = time.perf_counter()
        running = {name: start(name) for name in names}
        seconds = {}
        while running:
            for name, process in list(running.items()):
                if process.poll() is not None:
                    seconds[name] = time.perf_counter() - started
                    if process.returncode != 0:
                        raise RuntimeError(f"workbench extract {name} exited {process.returncode}")
                    del running[name]
            time.sleep(0.1)
        return [seconds[name] for name in names]

    say(f"processes: {seed.name} cold, the model on its stages, one process alone (minutes)")
    (alone,) = timed(["alone"])
    say(f"processes: alone {alone:.1f}s; now two at once")
    both = timed(["first", "second"])
    say(f"processes: two at once {both[0]:.1f}s and {both[1]:.1f}s")
    return {
        "two_process_alone_seconds": round(alone, 2),
        "two_process_each_seconds": [round(s, 2) for s in both],
        "two_process_slowdown": round(max(both) / alone, 2),
    }


def run_batch(
    levels: list[int], articles: int, delay: float, profile: Path | None
) -> dict[str, Any]:
    from tests.support.articles import article_text
    from tests.support.configs import http_config
    from workbench.cli import main as workbench

    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    folder = workdir / "articles"
    folder.mkdir()
    for n in range(articles):
        (folder / f"article-{n:02d}.md").write_text(article_text(n), encoding="utf-8")
    say("batch: starting the loopback server")
    server = ServerProcess(delay)
    results: dict[str, Any] = {}
    try:
        for level in levels:
            server.reset()
            os.environ["WORKBENCH_CACHE_DIR"] = str(workdir / f"cache-c{level}")
            config = http_config(
                workdir / f"c{level}.toml", server.base_url, concurrency=level, timeout=30.0
            )
            command = [
                "batch",
                str(folder),
                "--out",
                str(workdir / f"out-c{level}.jsonl"),
                "--config",
                str(config),
                "--concurrency",
                str(level),
                "--quiet",
            ]
            say(f"batch: {articles} articles at concurrency {level}")
            profiler = None
            if profile is not None and level == max(levels):
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
                profiler.start()
            started = time.perf_counter()
            code = workbench(command)
            wall = time.perf_counter() - started
            if profiler is not None and profile is not None:
                profiler.stop()
                profile.mkdir(parents=True, exist_ok=True)
                (profile / f"batch-c{level}.txt").write_text(
                    profiler.output_text(unicode=False, show_all=False), encoding="utf-8"
                )
            stats = server.stats()
            ideal = delay * max(stats["requests"] / level, 4)
            results[f"batch_wall_over_ideal_c{level}"] = round(wall / ideal, 3)
            results[f"batch_wall_seconds_c{level}"] = round(wall, 2)
            results[f"batch_max_in_flight_c{level}"] = stats["max_in_flight"]
            results["batch_requests"] = stats["requests"]
            say(
                f"batch: c{level} {wall:.1f}s for {stats['requests']} requests "
                f"(ideal {ideal:.1f}s), exit {code}"
            )
    finally:
        server.stop()
        os.environ.pop("WORKBENCH_CACHE_DIR", None)
    results["batch_articles"] = articles
    results["batch_latency_seconds"] = delay
    return results


# ---------------------------------------------------------------------------------------------
# Many researchers at once: browser sessions on one UI server
# ---------------------------------------------------------------------------------------------


def run_load_sessions(levels: list[int], delay: float) -> dict[str, Any]:
    """The load test's driver at each level on one server (fresh articles per level)."""
    import asyncio

    from tests.support.load import LoadServer, run_load

    # The UI server inherits this: litellm then reads its bundled cost map, no fetch attempt.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    results: dict[str, Any] = {}
    first = 0
    with LoadServer(delay=delay) as server:
        for level in levels:
            say(f"load: {level} browser sessions at once")
            result = asyncio.run(run_load(server, level, first_article=first))
            first += level
            figures = result.figures()
            results.update({f"load_s{level}_{name}": value for name, value in figures.items()})
            for problem in result.problems():
                say(f"load: {problem}")
            say(f"load: {level} sessions: report p50 {figures['report_p50_s']}s, "
                f"p95 {figures['report_p95_s']}s, lost {result.lost}, crossed {result.crossed}")
    results["load_latency_seconds"] = delay
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on one line")
    parser.add_argument(
        "--only", choices=["embedded", "processes", "batch", "pool", "redis", "cli", "load"]
    )
    parser.add_argument("--seed", type=Path, default=SEED)
    parser.add_argument("--levels", default="1,4,8,16", help="batch concurrency levels")
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--sessions", default="1,4,8", help="browser sessions at once (load)")
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--pool-concurrency", type=int, default=4, help="per server")
    parser.add_argument(
        "--unconstrained-sample",
        type=int,
        default=6,
        help="evidence calls replayed without a grammar, to price the grammar",
    )
    parser.add_argument("--profile", type=Path, help="write profiles into this folder")
    parser.add_argument("--child-embedded", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_embedded:
        figures = embedded_child(args.child_embedded, args.unconstrained_sample)
        Path(args.result).write_text(json.dumps(figures), encoding="utf-8")
        return 0
    results: dict[str, Any] = {"machine": machine()}
    if args.only in (None, "embedded"):
        results.update(run_embedded(args.seed, args.unconstrained_sample, args.profile))
    if args.only in (None, "processes"):
        results.update(run_processes(args.seed))
    if args.only in (None, "batch"):
        levels = [int(level) for level in args.levels.split(",")]
        results.update(run_batch(levels, args.articles, args.latency, args.profile))
    if args.only in (None, "pool"):
        results.update(run_pool(args.articles, args.latency, args.pool_concurrency))
    if args.only in (None, "redis"):
        results.update(run_redis(args.seed))
    if args.only in (None, "cli"):
        results.update(run_cli(args.seed))
    if args.only in (None, "load"):
        sessions = [int(level) for level in args.sessions.split(",")]
        results.update(run_load_sessions(sessions, args.latency))
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
