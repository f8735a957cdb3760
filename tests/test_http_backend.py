"""The HTTP backend path against a real OpenAI-compatible server: llama.cpp's, on loopback.

``python -m llama_cpp.server`` serves the embedded model's GGUF. It rejects the ``json_schema``
response_format (422), so for ``openai/...`` backends with an ``api_base`` the client uses
instructor's JSON mode and sends ``{"type": "json_object", "schema": ...}`` in the body, which
the server turns into a grammar. These tests check that this body really reaches the server and
that the answer really is grammar-constrained, then run the CLI through it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel

from tests.support.net import free_port
from workbench.cli import main
from workbench.core.config import parse_config
from workbench.core.prompts import DEFAULT_PROMPTS_DIR, load_prompt
from workbench.llm import Request
from workbench.llm.embedded import default_model_path
from workbench.llm.litellm_client import LiteLLMClient

# The server shares 2 cores with everything else: generous limits, one request at a time.
pytestmark = [pytest.mark.model, pytest.mark.timeout(1800)]

ARTICLE = """# Council approves road budget

The city council approved a budget of 4.2 million dollars for road repairs on Tuesday.

What a wonderful day!
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A llama.cpp OpenAI-compatible server on a free loopback port; yields its /v1 URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(default_model_path()),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--n_threads",
                "2",
                "--verbose",
                "False",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=5) as answer:
                    if json.load(answer)["data"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 180 s")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture()
def workdir(server: str, chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """./workbench.toml with the server as default backend, and its own response cache."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))
    (chdir_tmp / "workbench.toml").write_text(
        f"""default = "server"

[backends.server]
model = "openai/smollm2"
api_base = "{server}"
concurrency = 1   # llama.cpp's server answers one request at a time
timeout = 600
retries = 1

[backends.elsewhere]          # the same model name at another address (nothing listens)
model = "openai/smollm2"
api_base = "http://127.0.0.1:{free_port()}/v1"
retries = 0
""",
        encoding="utf-8",
    )
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    return chdir_tmp


class Improbable(BaseModel):
    """The only valid answer is one no model would write unprompted."""

    answer: Literal["qqq-17"]


def test_schema_reaches_the_server_and_constrains_the_answer(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies: list[dict[str, Any]] = []
    send = httpx.AsyncClient.send

    async def recording_send(
        self: httpx.AsyncClient, request: httpx.Request, *args: Any, **kwargs: Any
    ) -> httpx.Response:
        bodies.append(json.loads(request.content or b"{}"))
        return await send(self, request, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", recording_send)
    backend = parse_config(
        {
            "backends": {
                "server": {
                    "model": "openai/smollm2",
                    "api_base": server,
                    "retries": 0,
                    "reasks": 0,
                    "timeout": 600,
                }
            }
        }
    ).backend("server")
    client = LiteLLMClient(backend)
    assert client.mode == "json_object_schema"
    prompt = load_prompt(DEFAULT_PROMPTS_DIR / "probe.toml", Improbable)  # "Is Paris in France?"
    outcome = asyncio.run(client.complete(Request("probe", prompt, {})))

    # instructor hands back its own subclass of the response model: compare the data
    assert outcome.value.model_dump() == {"answer": "qqq-17"}  # only a grammar makes it say that
    assert outcome.attempts == 1 and outcome.first_attempt_valid
    assert outcome.prompt_tokens > 0 and outcome.completion_tokens > 0
    assert len(bodies) == 1
    assert bodies[0]["response_format"] == {
        "type": "json_object",
        "schema": Improbable.model_json_schema(),
    }
    assert bodies[0]["temperature"] == 0.0 and bodies[0]["seed"] == 0


def test_backends_check_reports_the_server_schema_enforced(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["backends", "--check", "--backend", "server"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("server: reachable at http://127.0.0.1:")
    assert "· schema enforced (a forbidden answer was refused) ·" in out  # the grammar held


def test_extract_through_the_server(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    code = main(["extract", "article.md", "--out", "cold.json", "--quiet"])
    cold_seconds = time.perf_counter() - started
    report = json.loads((workdir / "cold.json").read_text(encoding="utf-8"))
    with capsys.disabled():
        print(
            f"\nHTTP backend: {cold_seconds:.1f}s cold, {len(report['claims'])} claims, "
            f"failures: {report['failures']}"
        )
    assert code == (1 if report["failures"] else 0)
    run = report["run"]
    assert (run["backend"], run["model"]) == ("server", "openai/smollm2")
    assert run["api_base"].startswith("http://127.0.0.1:") and run["api_base"].endswith("/v1")
    text = report["article"]["text"]
    assert report["claims"], report["sentences"]
    for claim in report["claims"]:
        assert text[claim["start"] : claim["end"]] == claim["quote"]
        assert claim["checkworthiness"] is not None
        assert claim["evidence"] and all(need["questions"] for need in claim["evidence"])
    assert all(s["status"] != "pending" for s in report["sentences"])
    assert run["totals"]["completion_tokens"] > 0

    code = main(["extract", "article.md", "--out", "warm.json", "--quiet"])
    warm = json.loads((workdir / "warm.json").read_text(encoding="utf-8"))
    assert warm["run"]["totals"]["cache_misses"] == 0
    assert warm["claims"] == report["claims"]

    # Same model name, another server: its cache keys differ (litellm's own key would collide,
    # litellm issue #16947), so it is asked, and it is not there.
    code = main(["extract", "article.md", "--backend", "elsewhere", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "backend 'elsewhere'" in err and "cannot connect" in err
