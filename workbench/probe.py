"""`workbench backends --check`: a tiny schema-constrained request to each backend (to each
endpoint of a pool)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from workbench.config import BackendConfig
from workbench.errors import ModelOutputError, WorkbenchError
from workbench.llm import Request, StructuredClient, open_client
from workbench.llm.litellm_client import ENFORCEMENT, resolve_schema_mode
from workbench.prompts import DEFAULT_PROMPTS_DIR, load_prompt
from workbench.schema import ProbeResponse


@dataclass
class ProbeResult:
    backend: str
    model: str
    reachable: bool
    schema: str  # how the schema is enforced for this backend's mode
    valid: bool
    seconds: float
    error: str = ""
    endpoint: str = ""  # the pool's deployment this result is about ('' for a whole backend)

    @property
    def ok(self) -> bool:
        return self.reachable and self.valid


async def probe_backend(settings: BackendConfig, client: StructuredClient) -> ProbeResult:
    """Send the probe prompt (never cached) and report reachability, schema and latency."""
    prompt = load_prompt(DEFAULT_PROMPTS_DIR / "probe.toml", ProbeResponse)
    mode = resolve_schema_mode(settings)
    started = time.perf_counter()
    try:
        outcome = await client.complete(Request("probe", prompt, {}))
    except ModelOutputError as err:  # it answered, but not in the schema
        return ProbeResult(
            settings.name,
            settings.model,
            reachable=True,
            schema=ENFORCEMENT[mode],
            valid=False,
            seconds=time.perf_counter() - started,
            error=str(err),
        )
    except WorkbenchError as err:
        return ProbeResult(
            settings.name,
            settings.model,
            reachable=False,
            schema=ENFORCEMENT[mode],
            valid=False,
            seconds=time.perf_counter() - started,
            error=str(err),
        )
    return ProbeResult(
        settings.name,
        settings.model,
        reachable=True,
        schema=ENFORCEMENT[mode],
        valid=outcome.first_attempt_valid,
        seconds=time.perf_counter() - started,
    )


async def probe_pool(settings: BackendConfig) -> list[ProbeResult]:
    """Probe each deployment of a pool on its own, side by side: through the Router a dead
    one would hide behind the others."""

    async def one(api_base: str) -> ProbeResult:
        deployment = settings.deployment(api_base)
        result = await probe_backend(deployment, open_client(deployment))
        result.endpoint = api_base
        return result

    return list(await asyncio.gather(*(one(api_base) for api_base in settings.api_bases or [])))
