"""`workbench backends --check`: a tiny schema-constrained request to each backend (to each
endpoint of a pool)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from workbench.core.config import BackendConfig
from workbench.core.errors import ModelOutputError, WorkbenchError
from workbench.core.prompts import DEFAULT_PROMPTS_DIR, load_prompt
from workbench.core.schema import ProbeResponse
from workbench.llm import Request, StructuredClient, open_client


@dataclass
class ProbeResult:
    backend: str
    model: str
    reachable: bool
    schema: str  # what the probe showed: enforced, followed after re-asking, or not followed
    valid: bool
    seconds: float
    error: str = ""
    endpoint: str = ""  # the pool's deployment this result is about ('' for a whole backend)
    where: str = ""  # the host tried, or "in-process"

    @property
    def ok(self) -> bool:
        return self.reachable and self.valid

    def line(self) -> str:
        """One line of `backends --check`."""
        label = f"{self.backend} @ {self.endpoint}" if self.endpoint else self.backend
        status = "reachable" if self.reachable else "UNREACHABLE"
        at = "" if self.endpoint else f" at {self.where}"  # a deployment's label names it
        line = f"{label}: {status}{at} · {self.schema} · {self.seconds:.2f}s"
        return line + (f" · {self.error}" if self.error else "")


def where(settings: BackendConfig) -> str:
    """The host a probe of ``settings`` goes to, as a person would look for it."""
    if settings.is_embedded or not settings.has_model or settings.model.startswith("fake/"):
        return "in-process"
    return settings.api_base or f"{settings.model.split('/', 1)[0]}'s API"


async def probe_backend(settings: BackendConfig, client: StructuredClient) -> ProbeResult:
    """Ask for an answer the schema forbids (never cached) and report what came back: within
    the schema at once (enforced), only after re-asking (followed without enforcement), or
    never (invalid), with the host tried and the latency."""
    result = ProbeResult(
        settings.name,
        settings.model,
        reachable=True,
        schema="",
        valid=False,
        seconds=0.0,
        where=where(settings),
    )
    if not settings.has_model:  # nothing to reach: the engines run in this process
        engines = sorted({engine for chain in settings.engines().values() for engine in chain})
        result.valid, result.schema = True, f"no model: {' and '.join(engines)} answer every stage"
        return result
    prompt = load_prompt(DEFAULT_PROMPTS_DIR / "probe.toml", ProbeResponse)
    started = time.perf_counter()
    try:
        outcome = await client.complete(Request("probe", prompt, {}))
    except ModelOutputError as err:  # it answered, but never in the schema
        result.schema, result.error = "INVALID output: the schema was not followed", str(err)
    except WorkbenchError as err:
        result.reachable, result.schema, result.error = False, "not probed", str(err)
    else:
        result.valid = True
        result.schema = (
            "schema enforced (a forbidden answer was refused)"
            if outcome.first_attempt_valid
            else f"schema followed without enforcement (valid after {outcome.attempts} attempts)"
        )
    result.seconds = time.perf_counter() - started
    return result


async def probe_pool(settings: BackendConfig) -> list[ProbeResult]:
    """Probe each deployment of a pool on its own, side by side: through the Router a dead
    one would hide behind the others."""

    async def one(api_base: str) -> ProbeResult:
        deployment = settings.deployment(api_base)
        result = await probe_backend(deployment, open_client(deployment))
        result.endpoint = api_base
        return result

    return list(await asyncio.gather(*(one(api_base) for api_base in settings.api_bases or [])))
