"""Backends & cache: what is configured, whether each backend answers, the response cache."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.core.config import BackendConfig
from workbench.core.errors import WorkbenchError
from workbench.llm import open_client
from workbench.llm.probe import ProbeResult, probe_backend
from workbench.llm.settings import resolve_schema_mode
from workbench.session import run_shared
from workbench.ui import access, common

PROBES = "probes"  # session_state: backend name -> ProbeResult
FLASH = "cache-flash"  # session_state: a message to show once after a rerun


def probe(settings: BackendConfig) -> ProbeResult:
    """`workbench backends --check` for one backend: never cached, errors become results."""
    try:
        client = open_client(settings)  # no cache: the probe must reach the backend
        return run_shared(probe_backend(settings, client))  # the server's one loop
    except WorkbenchError as err:
        return ProbeResult(
            settings.name,
            settings.model,
            reachable=False,
            schema="",
            valid=False,
            seconds=0.0,
            error=str(err),
        )


def backends_frame(
    backends: dict[str, BackendConfig], default: str, probes: dict[str, ProbeResult]
) -> pd.DataFrame:
    rows = []
    for name, settings in backends.items():
        result = probes.get(name)
        rows.append(
            {
                "backend": name + (" (default)" if name == default else ""),
                "model": settings.model,
                "api base": ", ".join(settings.api_bases or []) or settings.api_base or "",
                "schema mode": resolve_schema_mode(settings),
                "concurrency": settings.concurrency,
                "key from": settings.api_key_env or "",
                "check": (
                    "not checked"
                    if result is None
                    else "ok"
                    if result.ok
                    else "unreachable"
                    if not result.reachable
                    else "invalid output"
                ),
                "schema": result.schema if result else "",
                "latency (s)": round(result.seconds, 2) if result else None,
                "error": result.error if result else "",
            }
        )
    return pd.DataFrame(rows)


engine = common.session()
config = engine.config
st.markdown("#### Backends")
st.caption(
    f"Config file: {config.path or 'none found; only the built-in backends (builtin, embedded)'}. "
    "Add backends in workbench.toml (see the README); keys come from environment "
    "variables named by api_key_env, never from the file."
)
probes: dict[str, ProbeResult] = st.session_state.setdefault(PROBES, {})
cols = st.columns([3, 1, 1], vertical_alignment="bottom")
to_check = cols[0].multiselect(
    "Backends to check", list(config.backends), default=list(config.backends), key="probe-which"
)
if cols[1].button(
    "Check backends",
    type="primary",
    icon=":material/network_check:",
    width="stretch",
    help="Send a tiny schema-constrained question to each backend (not cached).",
):
    with st.spinner("Asking each backend a yes/no question…"):
        for name in to_check:
            probes[name] = probe(config.backends[name])
if cols[2].button(
    "Reload config",
    icon=":material/refresh:",
    width="stretch",
    help="Read workbench.toml and the prompt files again.",
):
    common.reload_sessions()
    st.session_state.pop(PROBES, None)
    st.rerun()
st.dataframe(
    backends_frame(config.backends, config.default, probes),
    hide_index=True,
    width="stretch",
    column_config={"error": st.column_config.TextColumn(width="large")},
)
for name, result in probes.items():
    if not result.ok:
        st.error(f"{name}: {result.error or 'the answer did not follow the schema'}")

st.markdown("#### Response cache")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")
stats = engine.cache.stats()
by_stage = engine.cache.counts_by_stage()
metrics = st.columns(3)
metrics[0].metric("Entries", f"{stats['entries']:,}")
metrics[1].metric("Size", f"{stats['size_bytes'] / 1e6:.1f} MB")
metrics[2].metric(
    "Failures remembered",
    sum(c["failures"] for c in by_stage.values()),
    help="Requests that failed at temperature 0 are remembered so a re-run "
    "does not repeat them; clearing the cache retries them.",
)
st.caption(
    f"Stored in: {stats['location']} · every model answer is kept here, so a stopped "
    "or repeated run skips the steps already done."
)
if by_stage:
    st.dataframe(
        pd.DataFrame([{"stage": stage, **counts} for stage, counts in sorted(by_stage.items())]),
        hide_index=True,
        width=420,
    )
if not access.may_change_shared_state():
    # Everyone's cached answers: on a shared server only a signed-in user may delete them.
    st.caption(
        ":material/lock: Clearing the cache needs a signed-in user on a shared workbench.",
    )
else:
    with st.form("clear-cache"):
        sure = st.checkbox("Yes, delete every cached answer (the next runs call the model again)")
        if st.form_submit_button("Clear cache", icon=":material/delete:"):
            if sure:
                removed = engine.cache.clear()
                st.session_state[FLASH] = f"Removed {removed:,} entries from the cache."
                st.rerun()
            else:
                st.warning("Tick the box to confirm.")
