"""Configuration: which backends exist, which is the default, limits and the cache directory.

Lookup order for the config file (the first that exists wins; none is fine):
1. ``--config FILE`` on the command line (must exist),
2. the file named by the environment variable ``WORKBENCH_CONFIG`` (must exist),
3. ``./workbench.toml`` in the current directory,
4. ``workbench.toml`` in the user config dir
   (``platformdirs.user_config_dir("claimcheck-workbench")``).

The ``embedded`` backend is always defined (SmolLM2-135M-Instruct in-process); a config file can
override it or add others. Keys never live in the file: ``api_key_env`` names an environment
variable that holds it.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from workbench.errors import ConfigError
from workbench.ingest import InputLimits

APP_NAME = "claimcheck-workbench"
EMBEDDED = "embedded"

# Room for the longest answer the response schemas allow (two evidence needs with four
# questions each: about 530 tokens of plain English, more for names); grammar-constrained output
# cannot run longer, so the cap only stops backends that ignore the schema. Cut off below it,
# a valid answer was lost as "output cut off at max_tokens".
DEFAULT_MAX_TOKENS = 800

SchemaMode = Literal["auto", "json_schema", "json_object_schema", "json", "tools", "md_json"]


class StageOverride(BaseModel):
    """Per-stage generation settings that differ from the backend's defaults."""

    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, gt=0)


class BackendConfig(BaseModel):
    """One model endpoint, chosen by its name."""

    model_config = ConfigDict(extra="forbid")
    name: str
    model: str = Field(
        description="A litellm model string, e.g. 'openai/gpt-4o-mini', 'ollama/qwen2.5'."
    )
    api_base: str | None = Field(default=None, description="Endpoint URL for self-hosted servers.")
    api_key_env: str | None = Field(
        default=None, description="Name of the env variable holding the key."
    )
    temperature: float = 0.0
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, gt=0)
    concurrency: int = Field(default=4, ge=1, le=64)
    timeout: float = Field(default=120.0, gt=0, description="Seconds per request.")
    retries: int = Field(
        default=2, ge=0, description="Retries of transient failures (429, 5xx, timeouts)."
    )
    reasks: int = Field(default=2, ge=0, description="Re-asks after output that fails validation.")
    seed: int | None = 0
    schema_mode: SchemaMode = "auto"
    model_path: str | None = Field(default=None, description="Embedded backend: a local GGUF file.")
    n_ctx: int = Field(default=4096, ge=512)
    stages: dict[Literal["select", "extract", "checkworthiness", "evidence"], StageOverride] = (
        Field(default_factory=dict)
    )
    rater: Literal["model", "cues"] = Field(
        default="model",
        description="Who rates check-worthiness: the model, or surface cues fitted on "
        "CheckThat! train (for a model too small to judge it).",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: object) -> object:
        if isinstance(data, dict) and any(k in data for k in ("api_key", "key", "token")):
            raise ValueError(
                "never put a key in the config file: set api_key_env to the NAME of an "
                "environment variable that holds it"
            )
        return data

    @field_validator("api_key_env")
    @classmethod
    def _env_name_not_key(cls, value: str | None) -> str | None:
        # A key pasted here would be stored in the file and echoed by "set the variable ..."
        # errors; the message must not repeat the value.
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits, _), "
                "never the key itself"
            )
        return value

    @property
    def is_embedded(self) -> bool:
        return self.model.startswith(f"{EMBEDDED}/")

    def api_key(self) -> str | None:
        """The key from the environment, or a clear error if the variable is unset."""
        if not self.api_key_env:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ConfigError(
                f"backend {self.name!r} needs an API key: set the environment variable "
                f"{self.api_key_env}"
            )
        return value


def embedded_backend() -> BackendConfig:
    return BackendConfig(
        name=EMBEDDED,
        model=f"{EMBEDDED}/smollm2-135m-instruct",
        concurrency=1,
        max_tokens=DEFAULT_MAX_TOKENS,
        timeout=300.0,
        reasks=1,  # a 135M model rarely fixes its answer when re-asked; fail fast instead
        rater="cues",  # its own ratings are uncorrelated with the labels (llm/cue_rater.py)
        stages={
            "select": StageOverride(max_tokens=24),
            "checkworthiness": StageOverride(max_tokens=96),  # rationale: 200 characters
        },
    )


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default: str = EMBEDDED
    backends: dict[str, BackendConfig]
    limits: InputLimits = Field(default_factory=InputLimits)
    cache_dir: str | None = None
    path: str | None = Field(default=None, description="The file this config came from.")

    def backend(self, name: str | None = None) -> BackendConfig:
        chosen = name or self.default
        if chosen not in self.backends:
            known = ", ".join(sorted(self.backends))
            raise ConfigError(f"unknown backend {chosen!r}; configured backends: {known}")
        return self.backends[chosen]


def find_config_file(explicit: str | None = None) -> Path | None:
    """Apply the documented lookup order; an explicitly named file must exist."""
    for source, value in (
        ("--config", explicit),
        ("WORKBENCH_CONFIG", os.environ.get("WORKBENCH_CONFIG")),
    ):
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise ConfigError(f"config file from {source} not found: {path}")
            return path
    for candidate in (
        Path.cwd() / "workbench.toml",
        Path(platformdirs.user_config_dir(APP_NAME)) / "workbench.toml",
    ):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: str | None = None) -> Config:
    """The effective config: built-in embedded backend plus whatever the config file adds."""
    path = find_config_file(explicit)
    data: dict[str, object] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: not valid TOML ({err})") from err
    return parse_config(data, str(path) if path else None)


def parse_config(data: dict[str, object], path: str | None = None) -> Config:
    where = path or "config"
    raw_backends = data.get("backends", {})
    if not isinstance(raw_backends, dict):
        raise ConfigError(f"{where}: [backends] must be a table of named backends")
    backends: dict[str, BackendConfig] = {EMBEDDED: embedded_backend()}
    try:
        for name, table in raw_backends.items():
            if not isinstance(table, dict):
                raise ConfigError(f"{where}: [backends.{name}] must be a table")
            base = backends[name].model_dump() if name in backends else {}
            try:
                backends[name] = BackendConfig.model_validate({**base, **table, "name": name})
            except ValidationError as err:
                raise ConfigError(f"{where}: [backends.{name}] {_first_error(err)}") from err
        limits = _limits(data.get("limits", {}), where)
        cache = data.get("cache", {})
        if not isinstance(cache, dict) or set(cache) - {"dir"}:
            raise ConfigError(f"{where}: [cache] must be a table with one key, dir")
        cache_dir = cache.get("dir")
        config = Config(
            default=str(data.get("default", EMBEDDED)),
            backends=backends,
            limits=limits,
            cache_dir=cache_dir,
            path=path,
        )
    except ValidationError as err:
        raise ConfigError(f"{where}: {_first_error(err)}") from err
    unknown = set(data) - {"default", "backends", "limits", "cache"}
    if unknown:
        raise ConfigError(f"{where}: unknown top-level keys: {', '.join(sorted(unknown))}")
    config.backend()  # the default must exist
    return config


def _limits(raw: object, where: str) -> InputLimits:
    """``[limits]``: only known keys, each a positive whole number."""
    known = InputLimits.__dataclass_fields__
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [limits] must be a table ({', '.join(known)})")
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: [limits] unknown key {key!r}; known: {', '.join(known)}")
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{where}: [limits] {key} must be a positive whole number")
    return InputLimits(**raw)


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message
