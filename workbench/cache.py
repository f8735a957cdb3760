"""The response cache: one diskcache entry per stage per sentence (or claim), values are JSON.

Keys are SHA-256 digests of everything that changes the answer (see ``cache_key``); values are
JSON text, never pickles of our objects, so a cache directory is safe to share and to inspect.
A corrupt or unparsable entry is a miss. diskcache (SQLite underneath) keeps a directory shared
by several processes consistent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import diskcache
import platformdirs

from workbench.errors import WorkbenchError

log = logging.getLogger(__name__)

# 2: select/rate/evidence prompts no longer reach the model wrapped in Jinja raw markers.
KEY_FORMAT_VERSION = 2


def default_cache_dir(configured: str | None = None) -> Path:
    """``WORKBENCH_CACHE_DIR``, else the config's ``[cache] dir``, else the user cache dir."""
    chosen = os.environ.get("WORKBENCH_CACHE_DIR") or configured
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_cache_dir("claimcheck-workbench")) / "responses"


def cache_key(parts: dict[str, Any]) -> str:
    """A stable digest of ``parts`` (which must hold no secrets) and the key format version."""
    payload = json.dumps({"v": KEY_FORMAT_VERSION, **parts}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """JSON values under digest keys. ``enabled=False`` turns every read into a miss and every
    write into a no-op (``--no-cache``)."""

    def __init__(self, directory: Path | str, *, enabled: bool = True) -> None:
        self.directory = Path(directory)
        self.enabled = enabled
        self.corrupt_entries = 0
        self.write_errors = 0
        self._store: diskcache.Cache | None = None

    def _cache(self) -> diskcache.Cache:
        if self._store is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._store = diskcache.Cache(str(self.directory), size_limit=2**32)
        return self._store

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        try:
            raw = self._cache().get(key)
        except (sqlite3.DatabaseError, OSError, ValueError):
            self.corrupt_entries += 1
            return None
        if not isinstance(raw, str):
            if raw is not None:
                self.corrupt_entries += 1
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            self.corrupt_entries += 1
            return None
        if not isinstance(value, dict):
            self.corrupt_entries += 1
            return None
        return value

    def set(self, key: str, value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        try:
            self._cache().set(key, json.dumps(value, ensure_ascii=False))
        except (sqlite3.DatabaseError, OSError) as err:
            # The cache only saves time: a corrupt or unwritable store must not fail the run.
            self.write_errors += 1
            log.warning("response cache at %s not written: %s", self.directory, err)

    def stats(self) -> dict[str, Any]:
        if not self.directory.exists():
            return {"directory": str(self.directory), "entries": 0, "size_bytes": 0}
        try:
            cache = self._cache()
            return {
                "directory": str(self.directory),
                "entries": len(cache),
                "size_bytes": cache.volume(),
            }
        except sqlite3.DatabaseError as err:
            raise self._unreadable(err) from err

    def _unreadable(self, err: Exception) -> WorkbenchError:
        return WorkbenchError(
            f"the response cache at {self.directory} is unreadable ({err}); "
            "delete that directory to start a fresh cache"
        )

    def counts_by_stage(self) -> dict[str, dict[str, int]]:
        """Entries per stage: answers kept and failures remembered (unreadable entries: '?')."""
        counts: dict[str, dict[str, int]] = {}
        if not self.directory.exists():
            return counts
        cache = self._cache()
        for key in cache.iterkeys():
            value = self.get(key) if isinstance(key, str) else None
            stage = str(value.get("stage", "?")) if value else "?"
            kind = "failures" if value and "failure" in value else "answers"
            entry = counts.setdefault(stage, {"answers": 0, "failures": 0})
            entry[kind] += 1
        return counts

    def clear(self) -> int:
        """Remove every entry; returns how many were removed."""
        if not self.directory.exists():
            return 0
        try:
            return int(self._cache().clear())
        except sqlite3.DatabaseError as err:
            raise self._unreadable(err) from err

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
