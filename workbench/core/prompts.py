"""Prompts are files: ``prompts/<stage>.toml`` with a version a person bumps and a hash we compute.

A prompt file holds the system message, a Jinja2 user template (StrictUndefined: a missing
variable is an error, not an empty string) and few-shot examples rendered through the same
template. The hash covers all of it plus the response schema, so any change to what the model
sees changes the cache key and shows up in reports.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2
from pydantic import BaseModel, Field, ValidationError

from workbench.core.errors import ConfigError, validation_error_line
from workbench.core.schema import (
    CheckworthinessResponse,
    EvidenceResponse,
    ExtractResponse,
    PromptInfo,
    SelectResponse,
    Stage,
    Strict,
)

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
R = TypeVar("R", bound=BaseModel)

_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


class Example(Strict):
    """A few-shot example: template variables in, the ideal JSON answer out."""

    variables: dict[str, Any]
    answer: dict[str, Any]


class PromptFile(Strict):
    name: str
    version: str = Field(description="Bumped by a person when the prompt's intent changes.")
    description: str = ""
    system: str
    user: str = Field(description="Jinja2 template of the user message.")
    examples: list[Example] = Field(default_factory=list)


class Prompt(Generic[R]):
    """A loaded prompt bound to its response model."""

    def __init__(self, spec: PromptFile, response_model: type[R], path: Path) -> None:
        self.spec = spec
        self.response_model = response_model
        self.path = path
        try:
            self._template = _ENV.from_string(spec.user)
        except jinja2.TemplateSyntaxError as err:
            raise ConfigError(
                f"{path}: template error on line {err.lineno}: {err.message}"
            ) from err
        for example in spec.examples:  # fail at load time, not in the middle of a run
            self.render_user(example.variables)
            response_model.model_validate(example.answer)

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def schema(self) -> dict[str, Any]:
        return self.response_model.model_json_schema()

    @cached_property
    def hash(self) -> str:
        payload = json.dumps(
            {"prompt": self.spec.model_dump(mode="json"), "schema": self.schema},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @property
    def info(self) -> PromptInfo:
        return PromptInfo(name=self.name, version=self.spec.version, hash=self.hash)

    def render_user(self, variables: dict[str, Any]) -> str:
        try:
            return self._template.render(**variables).strip()
        except jinja2.UndefinedError as err:
            raise ConfigError(f"{self.path}: {err.message}") from err

    @cached_property
    def _prefix(self) -> tuple[tuple[str, str], ...]:
        """System message and few-shot turns: the same for every request, rendered once."""
        turns = [("system", self.spec.system.strip())]
        for example in self.spec.examples:
            turns.append(("user", self.render_user(example.variables)))
            turns.append(("assistant", json.dumps(example.answer, ensure_ascii=False)))
        return tuple(turns)

    def messages(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        """Chat messages: system, few-shot turns, then the real question."""
        messages = [{"role": role, "content": content} for role, content in self._prefix]
        messages.append({"role": "user", "content": self.render_user(variables)})
        return messages


def load_prompt(path: Path, response_model: type[R]) -> Prompt[R]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec = PromptFile.model_validate(data)
        return Prompt(spec, response_model, path)
    except FileNotFoundError as err:
        raise ConfigError(f"prompt file not found: {path}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from err
    except ValidationError as err:
        raise ConfigError(f"{path}: {validation_error_line(err)}") from err


class PromptSet:
    """The four stage prompts, loaded from one directory (the repo's, or an edited copy)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else DEFAULT_PROMPTS_DIR
        if not self.directory.is_dir():
            raise ConfigError(f"prompts directory not found: {self.directory}")
        self.select = self._load(Stage.select, SelectResponse)
        self.extract = self._load(Stage.extract, ExtractResponse)
        self.checkworthiness = self._load(Stage.checkworthiness, CheckworthinessResponse)
        self.evidence = self._load(Stage.evidence, EvidenceResponse)

    def _load(self, stage: Stage, response_model: type[R]) -> Prompt[R]:
        return load_prompt(self.directory / f"{stage}.toml", response_model)

    def __getitem__(self, stage: Stage | str) -> Prompt[Any]:
        return getattr(self, Stage(stage).value)  # type: ignore[no-any-return]

    @property
    def infos(self) -> list[PromptInfo]:
        return [self[stage].info for stage in Stage]
