"""A real OpenAI-compatible ``/v1/chat/completions`` server on loopback that misbehaves on demand.

It answers every stage of the workbench with schema-valid JSON (the fake backend's heuristic
answers, derived from the prompt it receives) after a configurable delay, unless a fault rule
matches the request. Rules are checked in order; the first that matches and has uses left fires:

    with FaultServer(delay=0.0, api_key="sk-test") as server:
        server.fail("status", status=429, times=2)       # transient: two 429s, then fine
        server.fail("truncated", match="MARKER")          # only sentences/claims with MARKER
        server.fail("hang", seconds=5, stage="evidence")  # a timeout for one stage
        ... point a backend at server.base_url ...
        server.requests                                   # what arrived, with the fault applied

Fault kinds: ``status`` (HTTP error, e.g. 429/500/503, with an OpenAI-style error body),
``hang`` (answer only after ``seconds``: a client timeout), ``truncated`` (valid JSON cut in
half), ``invalid`` (JSON that breaks the schema), ``empty`` (empty message content) and
``disconnect`` (close the connection without answering). ``closed_port()`` gives a port nobody
listens on (connection refused).

Runs in a background thread of the test process, or standalone for benchmarks and by hand:
``python tests/support/fault_server.py --delay 0.5`` prints its base URL and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Literal

from aiohttp import web

from workbench.llm.fake import heuristic_responder

FaultKind = Literal["status", "hang", "truncated", "invalid", "empty", "disconnect"]


@dataclass
class Fault:
    """One rule: what to do, to which requests, how many times (``None``: every time)."""

    kind: FaultKind
    status: int = 500
    seconds: float = 30.0
    times: int | None = None
    match: str | None = None  # only requests about a sentence or claim containing this text
    stage: str | None = None  # only requests of this stage
    retry_after: float | None = None  # Retry-After header on status faults
    fired: int = 0

    def applies(self, stage: str, subject: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.stage is not None and self.stage != stage:
            return False
        return self.match is None or self.match in subject


@dataclass
class Received:
    """A request as the server saw it."""

    stage: str
    subject: str  # the sentence (select, extract) or claim (checkworthiness, evidence) asked about
    prompt: str  # the last user message
    messages: list[dict[str, Any]]
    body: dict[str, Any]
    authorization: str | None
    fault: str  # "ok" or the fault kind applied
    at: float = field(default_factory=time.monotonic)


def closed_port() -> int:
    """A loopback port with nothing listening on it: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------------------------------
# Reading the workbench's prompts back into stage variables
# ---------------------------------------------------------------------------------------------

_STAGE_BY_PROPERTY = {
    "checkable": "select",
    "claims": "extract",
    "rating": "checkworthiness",
    "needs": "evidence",
    "answer": "probe",
}


def _schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return None
    schema = response_format.get("schema") or (response_format.get("json_schema") or {}).get(
        "schema"
    )
    return schema if isinstance(schema, dict) else None


def stage_of(body: dict[str, Any]) -> str:
    """Which workbench stage a request belongs to: from its response schema, else its prompt."""
    schema = _schema_of(body)
    if schema is not None:
        for name in schema.get("properties", {}):
            if name in _STAGE_BY_PROPERTY:
                return _STAGE_BY_PROPERTY[name]
    text = json.dumps(body.get("messages", []))
    for marker, stage in (
        ("Quote options", "extract"),
        ("Rate how check-worthy", "checkworthiness"),
        ("What evidence would settle", "evidence"),
        ("Sentence:", "select"),
    ):
        if marker in text:
            return stage
    return "probe"


def _line(prompt: str, label: str) -> str:
    match = re.search(rf"^{label}:\s?(.*)$", prompt, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _options(prompt: str, heading: str) -> list[str]:
    block = prompt.split(f"{heading}:", 1)[-1] if f"{heading}:" in prompt else ""
    options: list[str] = []
    for line in block.splitlines()[1:]:
        match = re.match(r"^\d+\.\s(.*)$", line)
        if not match:
            break
        options.append(match.group(1))
    return options


def variables_of(stage: str, prompt: str) -> dict[str, Any]:
    """The template variables a stage's user message was rendered from (as far as needed)."""
    sentence = _line(prompt, "Sentence")
    if len(sentence) >= 2 and sentence[0] == sentence[-1] == '"':
        sentence = sentence[1:-1]
    return {
        "sentence": sentence,
        "quote_options": _options(prompt, "Quote options"),
        "source_options": _options(prompt, "Source options"),
        "claim": _line(prompt, "Claim"),
        "claimer": _line(prompt, "Claimed by"),
    }


def valid_answer(stage: str, prompt: str) -> dict[str, Any]:
    """A schema-valid answer for ``stage``: the fake backend's answer to the same question."""
    request = SimpleNamespace(stage=stage, variables=variables_of(stage, prompt))
    return heuristic_responder(request)  # type: ignore[arg-type]


def _invalid_answer(stage: str) -> dict[str, Any]:
    """Well-formed JSON that breaks the stage's schema (wrong field names and types)."""
    return {"checkable": "perhaps", "claims": "none", "rating": 11, "needs": [], "verdict": True}


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class FaultServer:
    """An OpenAI-compatible chat completions endpoint on 127.0.0.1 with programmable faults."""

    def __init__(self, *, delay: float = 0.0, api_key: str | None = None, port: int = 0) -> None:
        self.delay = delay
        self.api_key = api_key  # when set, requests without "Bearer <api_key>" get HTTP 401
        self.port = port
        self.faults: list[Fault] = []
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._in_flight = 0
        self.max_in_flight = 0

    # -- configuration ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def fail(self, kind: FaultKind, **rule: Any) -> Fault:
        """Add a fault rule (see ``Fault``); returns it so a test can read ``fired``."""
        fault = Fault(kind, **rule)
        with self._lock:
            self.faults.append(fault)
        return fault

    def heal(self) -> None:
        """Drop every fault rule: from now on, every request is answered."""
        with self._lock:
            self.faults.clear()

    def count(self, stage: str | None = None, fault: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (stage is None or r.stage == stage) and (fault is None or r.fault == fault)
            )

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.faults.clear()
            self.max_in_flight = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FaultServer:
        self._thread = threading.Thread(target=self._serve, name="fault-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            future.result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/stats", self._stats)  # for a server running in another process
        app.router.add_post("/reset", self._reset)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=512)
        loop.run_until_complete(site.start())
        sockets = site._server.sockets if site._server else []  # noqa: SLF001 - the bound port
        self.port = int(sockets[0].getsockname()[1])
        self._ready.set()
        loop.run_forever()
        loop.close()

    # -- handlers -----------------------------------------------------------------------------

    async def _stats(self, request: web.Request) -> web.Response:
        with self._lock:
            faults = [r.fault for r in self.requests]
            return web.json_response(
                {
                    "requests": len(faults),
                    "ok": faults.count("ok"),
                    "max_in_flight": self.max_in_flight,
                }
            )

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fault", "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        messages = body.get("messages") or []
        users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
        # The question is the last user message that asks one; re-asks append a correction
        # request after it (few-shot examples come before it).
        questions = [u for u in users if re.search(r"^(Sentence|Claim):", u, re.MULTILINE)]
        prompt = (questions or users or [""])[-1]
        stage = stage_of(body)
        variables = variables_of(stage, prompt)
        # Match on what the request is about, not on the whole prompt: neighbouring sentences
        # appear in a prompt as context.
        subject = variables["sentence"] or variables["claim"] or prompt
        with self._lock:
            fault = next((f for f in self.faults if f.applies(stage, subject)), None)
            if fault is not None:
                fault.fired += 1
            self.requests.append(
                Received(
                    stage,
                    subject,
                    prompt,
                    messages,
                    body,
                    request.headers.get("Authorization"),
                    fault.kind if fault else "ok",
                )
            )
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return await self._answer(request, body, stage, prompt, fault)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _answer(
        self,
        request: web.Request,
        body: dict[str, Any],
        stage: str,
        prompt: str,
        fault: Fault | None,
    ) -> web.StreamResponse:
        if (
            self.api_key is not None
            and request.headers.get("Authorization") != f"Bearer {self.api_key}"
        ):
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else None
            kinds = {429: "rate_limit_exceeded", 500: "server_error", 503: "overloaded"}
            return _error(
                fault.status,
                kinds.get(fault.status, "error"),
                f"injected HTTP {fault.status}",
                headers,
            )
        if fault is not None and fault.kind == "disconnect":
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never sent: the connection is already closed
        await asyncio.sleep(
            fault.seconds if fault is not None and fault.kind == "hang" else self.delay
        )
        if fault is not None and fault.kind == "empty":
            content = ""
        elif fault is not None and fault.kind == "invalid":
            content = json.dumps(_invalid_answer(stage))
        else:
            content = json.dumps(valid_answer(stage, prompt))
            if fault is not None and fault.kind == "truncated":
                content = content[: len(content) // 2]
        prompt_tokens = sum(
            len(str(m.get("content", "")).split()) for m in body.get("messages", [])
        )
        completion_tokens = max(1, len(content) // 4)
        return web.json_response(
            {
                "id": f"chatcmpl-fault-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fault"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    payload = {"error": {"message": message, "type": code, "code": code, "param": None}}
    return web.json_response(payload, status=status, headers=headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--api-key", help="require 'Authorization: Bearer KEY'")
    args = parser.parse_args()
    server = FaultServer(delay=args.delay, api_key=args.api_key, port=args.port).start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
