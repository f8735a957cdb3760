"""Workbench config files for tests and benchmarks: one backend per file, written as TOML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def write_config(
    path: Path,
    name: str,
    model: str,
    *,
    limits: dict[str, int] | None = None,
    stages: dict[str, dict[str, Any]] | None = None,
    **settings: Any,
) -> Path:
    """A config whose default backend is ``name``; ``settings`` are its keys (timeout, ...),
    ``stages`` its per-stage tables (``{"select": {"engine": ["model", "rules"]}}``)."""
    lines = [f'default = "{name}"', "", f"[backends.{name}]", f"model = {_toml_value(model)}"]
    lines += [
        f"{key} = {_toml_value(value)}" for key, value in settings.items() if value is not None
    ]
    for stage, table in (stages or {}).items():
        lines += ["", f"[backends.{name}.stages.{stage}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    if limits:
        lines += ["", "[limits]"] + [f"{key} = {value}" for key, value in limits.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fake_config(path: Path, **settings: Any) -> Path:
    """The model-free fake backend (workbench.llm.fake.heuristic_responder)."""
    return write_config(path, "fake", "fake/heuristic", **settings)


def http_config(
    path: Path,
    base_url: str,
    *,
    name: str = "http",
    model: str = "openai/fault-model",
    **settings: Any,
) -> Path:
    """An OpenAI-compatible backend at ``base_url`` (a FaultServer, a dead port, ...)."""
    defaults: dict[str, Any] = {
        "api_base": base_url,
        "timeout": 5.0,
        "retries": 2,
        "reasks": 2,
        "concurrency": 4,
    }
    return write_config(path, name, model, **{**defaults, **settings})


# A config whose default is the embedded model (SmolLM2 answering its stages, the rules behind
# it): the one line that moves a user off the built-in backend, which needs no model.
EMBEDDED_DEFAULT = 'default = "embedded"\n'


def rules_config(path: Path) -> Path:
    """The fake backend with the rules engine on every stage: the built-in rules end to end."""
    from workbench.core.schema import Stage

    return fake_config(path, stages={stage: {"engine": "rules"} for stage in Stage})
