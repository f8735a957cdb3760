"""`workbench backends --check`: a tiny schema-constrained request to each backend."""

from __future__ import annotations

import time
from dataclasses import dataclass

from workbench.config import BackendConfig
from workbench.errors import ModelOutputError, WorkbenchError
from workbench.llm import Request, StructuredClient
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
