"""Configuration: which backends exist, which is the default, limits and the cache directory.

Lookup order for the config file (the first that exists wins; none is fine):
1. ``--config FILE`` on the command line (must exist),
2. the file named by the environment variable ``WORKBENCH_CONFIG`` (must exist),
3. ``./workbench.toml`` in the current directory,
4. ``workbench.toml`` in the user config dir
   (``platformdirs.user_config_dir("claimcheck-workbench")``).

Two backends are always defined, and a config file can override them or add others:
- ``builtin`` (the default): the trained classifier and the rules answer every stage; no model,
  no key, no network, nothing compiled;
- ``embedded``: SmolLM2-135M-Instruct in-process (llama.cpp, the optional local-model runtime
  that ``make model`` installs) selects, extracts and plans evidence, the rules catching its
  invalid answers; the cues rate.
``[topics] interest = ["...", ...]`` names the topics of interest every run is given (``--topic``
replaces them for one run). Keys never live in the file: ``api_key_env`` names an environment
variable that holds it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from workbench.core.budget import SpendingLimits
from workbench.core.errors import ConfigError, validation_error_line
from workbench.core.schema import Stage, Strict

APP_NAME = "claimcheck-workbench"
BUILTIN = "builtin"
EMBEDDED = "embedded"
# The model string of a backend that has no model: its stages' engines answer everything.
NO_MODEL = f"{BUILTIN}/classifier+rules"

# Room for the longest answer the response schemas allow (two evidence needs with four
# questions each: about 530 tokens of plain English, more for names); grammar-constrained output
# cannot run longer, so the cap only stops backends that ignore the schema. Cut off below it,
# a valid answer was lost as "output cut off at max_tokens".
DEFAULT_MAX_TOKENS = 800

SchemaMode = Literal["auto", "json_schema", "json_object_schema", "json", "tools", "md_json"]
# How litellm's Router picks a pool's deployment: the one with fewest requests in flight, or at
# random (weighted equally).
Routing = Literal["least-busy", "simple-shuffle"]
DEFAULT_ROUTING: Routing = "least-busy"

# The engines a stage's chain may name: the backend's model, or one that answers without a model
# (workbench.engines holds their answers; a test keeps the stages below equal to its registry).
EngineName = Literal["model", "rules", "cues", "classifier"]
MODEL: EngineName = "model"
ENGINE_STAGES: dict[EngineName, frozenset[Stage]] = {
    "rules": frozenset(Stage),
    "cues": frozenset({Stage.select, Stage.checkworthiness}),
    "classifier": frozenset({Stage.select, Stage.checkworthiness}),
}


def supports(engine: EngineName, stage: Stage) -> bool:
    """Can ``engine`` answer ``stage``? The model answers every stage."""
    return engine == MODEL or stage in ENGINE_STAGES[engine]


@dataclass(frozen=True)
class InputLimits:
    """Bounds that keep time and memory in check; configurable in ``[limits]``."""

    max_bytes: int = 2_000_000
    max_chars: int = 300_000


def secret_from_env(variable: str | None, needed_for: str) -> str | None:
    """The secret in the environment variable named ``variable`` (None when none is named), or
    a one-line error saying what needs it; the value itself is never in a message."""
    if not variable:
        return None
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(f"{needed_for}: set the environment variable {variable}")
    return value


class StageOverride(Strict):
    """Per-stage settings that differ from the backend's defaults: which engines answer the
    stage, and the model's generation settings."""

    engine: list[EngineName] | None = Field(
        default=None,
        min_length=1,
        description="Engines tried in order (model, rules, cues, classifier); the next one "
        "answers when the model's output stays invalid. Default: the model alone.",
    )
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, gt=0)

    @field_validator("engine", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    def generation(self) -> dict[str, object]:
        """The settings that reach the model (only those given)."""
        return {k: v for k, v in self.model_dump(exclude={"engine"}).items() if v is not None}


class BackendConfig(Strict):
    """One model endpoint, chosen by its name."""

    name: str
    model: str = Field(
        description="A litellm model string, e.g. 'openai/gpt-4o-mini', 'ollama/qwen2.5'."
    )
    api_base: str | None = Field(default=None, description="Endpoint URL for self-hosted servers.")
    api_bases: list[str] | None = Field(
        default=None,
        description="A pool: two or more endpoints serving the same model, load-balanced by "
        "litellm's Router with failover between them (instead of api_base).",
    )
    routing: Routing | None = Field(
        default=None, description=f"A pool's load balancing (default {DEFAULT_ROUTING})."
    )
    api_key_env: str | None = Field(
        default=None, description="Name of the env variable holding the key."
    )
    temperature: float = 0.0
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, gt=0)
    concurrency: int = Field(
        default=4, ge=1, le=64, description="Requests in flight (per endpoint of a pool)."
    )
    timeout: float = Field(default=120.0, gt=0, description="Seconds per request.")
    retries: int = Field(
        default=2, ge=0, description="Retries of transient failures (429, 5xx, timeouts)."
    )
    reasks: int = Field(default=2, ge=0, description="Re-asks after output that fails validation.")
    seed: int | None = 0
    schema_mode: SchemaMode = "auto"
    model_path: str | None = Field(default=None, description="Embedded backend: a local GGUF file.")
    n_ctx: int = Field(default=4096, ge=512)
    threads: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Embedded backend: threads llama.cpp computes on (default: the machine's "
        "physical cores, as many as this process may run on; hyper-threads only contend).",
    )
    stages: dict[Stage, StageOverride] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: object) -> object:
        if isinstance(data, dict) and any(k in data for k in ("api_key", "key", "token")):
            raise ValueError(
                "never put a key in the config file: set api_key_env to the NAME of an "
                "environment variable that holds it"
            )
        if isinstance(data, dict) and "rater" in data:
            raise ValueError(
                "'rater' is now a stage engine: write [backends.NAME.stages.checkworthiness] "
                'engine = "cues" (or "model", "classifier")'
            )
        return data

    @model_validator(mode="after")
    def _one_kind_of_endpoint(self) -> BackendConfig:
        if self.api_bases is None:
            if self.routing is not None:
                raise ValueError("routing: only a pool (api_bases = [...]) is routed")
            return self
        if self.api_base is not None:
            raise ValueError("give api_base (one endpoint) or api_bases (a pool), not both")
        if len(self.api_bases) < 2:
            raise ValueError("api_bases: a pool needs at least 2 endpoints (else use api_base)")
        for url in self.api_bases:
            if not re.fullmatch(r"https?://[^\s/:]+(:\d+)?(/\S*)?", url):
                raise ValueError(f"api_bases: {url!r} is not an http(s) URL")
        if len(set(self.api_bases)) < len(self.api_bases):
            raise ValueError("api_bases: the same endpoint is listed twice")
        for stage, override in self.stages.items():
            if override.model is not None:
                # The Router routes by the pool's name to deployments of one model.
                raise ValueError(f"stages.{stage}.model: a pool serves one model")
        return self

    @model_validator(mode="after")
    def _engines_answer_their_stage(self) -> BackendConfig:
        for stage, override in self.stages.items():
            for engine in override.engine or []:
                if not supports(engine, stage):
                    raise ValueError(f"stages.{stage}.engine: {engine!r} cannot answer {stage}")
        if not self.has_model:
            asking = [stage.value for stage, chain in self.engines().items() if MODEL in chain]
            if asking:
                raise ValueError(
                    f"{NO_MODEL!r} has no model to answer {', '.join(asking)}: name the engines "
                    f"of every stage, or use the backend {EMBEDDED!r} or a model string"
                )
        return self

    def engines(self) -> dict[Stage, list[EngineName]]:
        """Each stage's chain of engines (the model alone where the config names none)."""
        return {
            stage: (self.stages[stage].engine if stage in self.stages else None) or [MODEL]
            for stage in Stage
        }

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

    @property
    def has_model(self) -> bool:
        """False for a backend whose engines answer every stage (``builtin``)."""
        return self.model != NO_MODEL

    def uses_model(self) -> bool:
        """Whether any stage asks the model (else no model library loads for this backend)."""
        return any(MODEL in chain for chain in self.engines().values())

    @property
    def is_pool(self) -> bool:
        return self.api_bases is not None

    def endpoints(self) -> list[str | None]:
        """Where requests go: a pool's deployments, else the one api_base (None: the
        provider's own endpoint)."""
        return list(self.api_bases) if self.api_bases else [self.api_base]

    def deployment(self, api_base: str) -> BackendConfig:
        """One endpoint of a pool as a backend of its own (to probe it alone)."""
        return self.model_copy(update={"api_base": api_base, "api_bases": None, "routing": None})

    def api_key(self) -> str | None:
        """The key from the environment, or a clear error if the variable is unset."""
        return secret_from_env(self.api_key_env, f"backend {self.name!r} needs an API key")


def builtin_backend() -> BackendConfig:
    """The default: what measured best per stage on the development data (evals/README.md
    "Engines"), none of it a generative model. SmolLM2-135M found claims at F1 0.53 where the
    rules reach 0.70, its ratings were uncorrelated with the labels, and its questions scored
    METEOR 0.08 against 0.18; the trained classifier selects and rates (CheckThat! dev-test
    Yes-F1 0.82 through the pipeline, the cues 0.63)."""
    return BackendConfig(
        name=BUILTIN,
        model=NO_MODEL,
        concurrency=1,
        timeout=300.0,
        stages={
            Stage.select: StageOverride(engine=["classifier"]),
            Stage.extract: StageOverride(engine=["rules"]),
            Stage.checkworthiness: StageOverride(engine=["classifier"]),
            Stage.evidence: StageOverride(engine=["rules"]),
        },
    )


def embedded_backend() -> BackendConfig:
    """SmolLM2-135M-Instruct in-process: it selects, extracts and plans evidence, the rules
    answering where its answer stays invalid; the cues rate (its own ratings were uncorrelated
    with the labels)."""
    return BackendConfig(
        name=EMBEDDED,
        model=f"{EMBEDDED}/smollm2-135m-instruct",
        concurrency=1,
        max_tokens=DEFAULT_MAX_TOKENS,
        timeout=300.0,
        reasks=1,  # a 135M model rarely fixes its answer when re-asked; fail fast instead
        stages={
            Stage.select: StageOverride(engine=["model", "rules"], max_tokens=24),
            Stage.extract: StageOverride(engine=["model", "rules"]),
            Stage.checkworthiness: StageOverride(engine=["cues"], max_tokens=96),
            Stage.evidence: StageOverride(engine=["model", "rules"]),
        },
    )


class CacheConfig(Strict):
    """``[cache]``: the local directory, or a shared Redis server."""

    dir: str | None = Field(default=None, description="The local (diskcache) directory.")
    url: str | None = Field(
        default=None,
        description="A shared cache: redis://host:port/db (rediss:// for TLS). No password "
        "here: name the variable that holds it in password_env.",
    )
    password_env: str | None = Field(
        default=None, description="Name of the env variable holding the Redis password."
    )
    fallback: Literal["none", "local"] = Field(
        default="none",
        description="When the shared cache is down: 'none' stops with an error, 'local' warns "
        "and uses the local directory instead.",
    )

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        match = re.fullmatch(r"(rediss?)://(?:([^@/]*)@)?([^/@:]+)(:\d+)?(/\d+)?/?", value)
        if not match:
            raise ValueError("must look like redis://host:port/db (rediss:// for TLS)")
        if match.group(2) and ":" in match.group(2):
            raise ValueError(
                "never put a password in the config file: set password_env to the NAME of an "
                "environment variable that holds it"
            )
        return value

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, _)")
        return value

    @model_validator(mode="after")
    def _fallback_needs_url(self) -> CacheConfig:
        if self.fallback != "none" and self.url is None:
            raise ValueError("fallback: only a shared cache (url = ...) falls back")
        return self

    def password(self) -> str | None:
        return secret_from_env(self.password_env, "the shared cache needs a password")


MAX_TOPICS = 20
MAX_TOPIC_CHARS = 300


def clean_topics(topics: Sequence[object], where: str = "--topic") -> list[str]:
    """Topics of interest as given, white space collapsed, each once, in order; a blank, overlong
    or non-text one is an error (``[topics]`` in the config, ``--topic``, the UI field)."""
    cleaned: list[str] = []
    for topic in topics:
        if not isinstance(topic, str):
            raise ConfigError(f"{where}: a topic must be text, not {topic!r}")
        text = " ".join(topic.split())
        if not text:
            raise ConfigError(f"{where}: a topic must not be blank")
        if len(text) > MAX_TOPIC_CHARS:
            raise ConfigError(
                f"{where}: a topic is at most {MAX_TOPIC_CHARS} characters, not {len(text)}"
            )
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_TOPICS:
        raise ConfigError(f"{where}: at most {MAX_TOPICS} topics, not {len(cleaned)}")
    return cleaned


class Config(Strict):
    default: str = BUILTIN
    backends: dict[str, BackendConfig]
    limits: InputLimits = Field(default_factory=InputLimits)
    spending: SpendingLimits = Field(default_factory=SpendingLimits)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    topics: list[str] = Field(
        default_factory=list,
        description="Topics of interest (``[topics] interest = [...]``); --topic replaces them.",
    )
    path: str | None = Field(default=None, description="The file this config came from.")

    @property
    def cache_dir(self) -> str | None:
        return self.cache.dir

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
    """The effective config: the built-in backends plus whatever the config file adds."""
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
    backends = {BUILTIN: builtin_backend(), EMBEDDED: embedded_backend()}
    try:
        for name, table in raw_backends.items():
            if not isinstance(table, dict):
                raise ConfigError(f"{where}: [backends.{name}] must be a table")
            base = backends[name].model_dump(exclude_defaults=True) if name in backends else {}
            if isinstance(table.get("stages"), dict):  # a stage named here replaces that stage
                table = {**table, "stages": {**base.get("stages", {}), **table["stages"]}}
            try:
                backends[name] = BackendConfig.model_validate({**base, **table, "name": name})
            except ValidationError as err:
                problem = validation_error_line(err)
                raise ConfigError(f"{where}: [backends.{name}] {problem}") from err
        limits, spending = _limits(data.get("limits", {}), where)
        cache = data.get("cache", {})
        known = CacheConfig.model_fields
        if not isinstance(cache, dict) or set(cache) - set(known):
            raise ConfigError(f"{where}: [cache] must be a table with keys {', '.join(known)}")
        try:
            cache_config = CacheConfig.model_validate(cache)
        except ValidationError as err:
            raise ConfigError(f"{where}: [cache] {validation_error_line(err)}") from err
        config = Config(
            default=str(data.get("default", BUILTIN)),
            backends=backends,
            limits=limits,
            spending=spending,
            cache=cache_config,
            topics=_topics(data.get("topics", {}), where),
            path=path,
        )
    except ValidationError as err:
        raise ConfigError(f"{where}: {validation_error_line(err)}") from err
    unknown = set(data) - {"default", "backends", "limits", "cache", "topics"}
    if unknown:
        raise ConfigError(f"{where}: unknown top-level keys: {', '.join(sorted(unknown))}")
    config.backend()  # the default must exist
    return config


def _limits(raw: object, where: str) -> tuple[InputLimits, SpendingLimits]:
    """``[limits]``: input bounds (positive whole numbers) and spending caps per run."""
    inputs, spending = InputLimits.__dataclass_fields__, SpendingLimits.model_fields
    known = [*inputs, *spending]
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [limits] must be a table ({', '.join(known)})")
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: [limits] unknown key {key!r}; known: {', '.join(known)}")
        whole = key != "max_cost_usd"
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or value <= 0 or (whole and not isinstance(value, int)):
            kind = "positive whole number" if whole else "positive number"
            raise ConfigError(f"{where}: [limits] {key} must be a {kind}")
    return (
        InputLimits(**{k: v for k, v in raw.items() if k in inputs}),
        SpendingLimits(**{k: v for k, v in raw.items() if k in spending}),
    )


def _topics(raw: object, where: str) -> list[str]:
    """``[topics]``: ``interest``, a list of topics of interest as free text."""
    if not isinstance(raw, dict) or set(raw) - {"interest"}:
        raise ConfigError(f"{where}: [topics] must be a table with the key interest")
    interest = raw.get("interest", [])
    if not isinstance(interest, list):
        raise ConfigError(f"{where}: [topics] interest must be a list of topics")
    return clean_topics(interest, f"{where}: [topics] interest")
