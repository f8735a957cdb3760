"""The response cache: one entry per stage per sentence (or claim), values are JSON.

Keys are SHA-256 digests of everything that changes the answer (see ``cache_key``); values are
JSON text, never pickles of our objects, so a cache is safe to share and to inspect. A corrupt
or unparsable entry is a miss. Two stores hold the same keys and values:

- ``ResponseCache``: a local directory (diskcache, SQLite underneath, which keeps a directory
  shared by several processes on one machine consistent); the embedded default;
- ``RedisCache``: a Redis server that a team and several batch machines share (``[cache] url``),
  through redis-py. A server that is down is an error, or a warned switch to the local
  directory when the config says ``fallback = "local"``; never a silent miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import urlsplit

import diskcache
import platformdirs

from workbench.core.errors import CacheError, WorkbenchError

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


def _parse_entry(raw: object) -> dict[str, Any] | None:
    """A stored value as the dict it encodes; ``None`` if it is anything else (corrupt)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _tally(counts: dict[str, dict[str, int]], value: dict[str, Any] | None) -> None:
    stage = str(value.get("stage", "?")) if value else "?"
    kind = "failures" if value and "failure" in value else "answers"
    entry = counts.setdefault(stage, {"answers": 0, "failures": 0})
    entry[kind] += 1


class ResponseStore(Protocol):
    """What the rest of the workbench uses of a cache (both stores below)."""

    enabled: bool
    corrupt_entries: int

    @property
    def location(self) -> str:
        """Where the entries live (a directory or a server URL; never a password)."""
        ...

    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: dict[str, Any]) -> None: ...

    def stats(self) -> dict[str, Any]: ...

    def counts_by_stage(self) -> dict[str, dict[str, int]]: ...

    def clear(self) -> int: ...

    def close(self) -> None: ...


class ResponseCache:
    """JSON values under digest keys. ``enabled=False`` turns every read into a miss and every
    write into a no-op (``--no-cache``)."""

    def __init__(self, directory: Path | str, *, enabled: bool = True) -> None:
        self.directory = Path(directory)
        self.enabled = enabled
        self.corrupt_entries = 0
        self.write_errors = 0
        self._store: diskcache.Cache | None = None

    @property
    def location(self) -> str:
        return str(self.directory)

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
        if raw is None:
            return None
        value = _parse_entry(raw) if isinstance(raw, str) else None
        if value is None:
            self.corrupt_entries += 1
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
        where = {"directory": str(self.directory), "location": self.location}
        if not self.directory.exists():
            return {**where, "entries": 0, "size_bytes": 0}
        try:
            cache = self._cache()
            return {
                **where,
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
            _tally(counts, self.get(key) if isinstance(key, str) else None)
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


def redis_key_prefix() -> str:
    """Namespaces our keys in a Redis database that may hold others' (digests hold no secret)."""
    return f"claimcheck:v{KEY_FORMAT_VERSION}:"


def _redis() -> ModuleType:
    # Imported only when a shared cache is configured: it costs a third of a second at start.
    import redis

    return redis


class RedisCache:
    """The same keys and JSON values as ``ResponseCache``, in a Redis server a team shares.

    Keys are ``claimcheck:v<KEY_FORMAT_VERSION>:<sha256>``, values the same JSON text. Nothing
    expires here: eviction is the server's policy (``maxmemory-policy``). When the server cannot
    be reached, ``fallback`` (a local ``ResponseCache``) takes over for the rest of the process
    with one warning; without one, the error stops the run (a shared cache that silently missed
    would redo a team's finished work without anyone noticing).
    """

    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        enabled: bool = True,
        fallback: ResponseCache | None = None,
        connect_timeout: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.enabled = enabled
        self.fallback = fallback
        self.corrupt_entries = 0
        self.write_errors = 0
        self.prefix = redis_key_prefix()
        self._password = password
        self._timeouts = (connect_timeout, timeout)
        self._client: Any = None
        self._local: ResponseCache | None = None  # the fallback, once the server was down

    @property
    def location(self) -> str:
        if self._local is not None:
            return f"{self._local.location} (fallback: {self.url} unreachable)"
        parts = urlsplit(self.url)
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()

    def _connection(self) -> Any:
        if self._client is None:
            redis = _redis()
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            client = redis.Redis.from_url(
                self.url,
                password=self._password,
                socket_connect_timeout=self._timeouts[0],
                socket_timeout=self._timeouts[1],
                # One immediate retry of a dropped connection; a server that is down must not
                # cost every request seconds of backoff before the error or the fallback.
                retry=Retry(NoBackoff(), 1),
            )
            client.ping()  # a server that is down fails here, once, with a clear error
            self._client = client
        return self._client

    def _unavailable(self, err: Exception) -> ResponseCache:
        """The local fallback after ``err``, or the one-line error that stops the run."""
        redis = _redis()
        if isinstance(err, redis.AuthenticationError):
            raise CacheError(
                f"the shared cache at {self.location} refused the password ({err}); "
                "check [cache] password_env"
            ) from err
        if self.fallback is None:
            raise CacheError(
                f"the shared cache at {self.location} is unreachable ({err}); start it, or set "
                '[cache] fallback = "local" to use the local cache meanwhile'
            ) from err
        log.warning(
            "shared cache at %s unreachable (%s); using the local cache at %s for this run",
            self.location,
            err,
            self.fallback.location,
        )
        self._local = self.fallback
        self._client = None
        return self._local

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        if self._local is not None:
            return self._local.get(key)
        redis = _redis()
        try:
            raw = self._connection().get(self.prefix + key)
        except redis.ResponseError:
            self.corrupt_entries += 1  # e.g. WRONGTYPE: someone stored a hash under our key
            return None
        except redis.RedisError as err:
            return self._unavailable(err).get(key)
        if raw is None:
            return None
        value = _parse_entry(raw)
        if value is None:
            self.corrupt_entries += 1
        return value

    def set(self, key: str, value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        if self._local is not None:
            self._local.set(key, value)
            return
        redis = _redis()
        try:
            self._connection().set(self.prefix + key, json.dumps(value, ensure_ascii=False))
        except redis.ResponseError as err:
            # Out of memory with noeviction, a read-only replica: the run goes on uncached.
            self.write_errors += 1
            log.warning("shared cache at %s not written: %s", self.location, err)
        except redis.RedisError as err:
            self._unavailable(err).set(key, value)

    def _keys(self) -> Any:
        return self._connection().scan_iter(match=self.prefix + "*", count=1000)

    def _chunks(self) -> Any:
        chunk: list[bytes] = []
        for key in self._keys():
            chunk.append(key)
            if len(chunk) == 500:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _server_call(self, what: str, call: Any) -> Any:
        """Stats and clearing: a server that is down is an error here, fallback or not."""
        redis = _redis()
        try:
            return call()
        except redis.RedisError as err:
            raise CacheError(f"the shared cache at {self.location}: {what} failed ({err})") from err

    def stats(self) -> dict[str, Any]:
        if self._local is not None:
            return {**self._local.stats(), "location": self.location}

        def count() -> dict[str, Any]:
            entries = size = 0
            for chunk in self._chunks():
                pipe = self._connection().pipeline(transaction=False)
                for key in chunk:
                    pipe.strlen(key)
                lengths = pipe.execute()
                entries += len(chunk)
                size += sum(lengths)
            return {"location": self.location, "entries": entries, "size_bytes": size}

        return dict(self._server_call("counting entries", count))

    def counts_by_stage(self) -> dict[str, dict[str, int]]:
        if self._local is not None:
            return self._local.counts_by_stage()

        def tally() -> dict[str, dict[str, int]]:
            counts: dict[str, dict[str, int]] = {}
            for chunk in self._chunks():
                for raw in self._connection().mget(chunk):
                    _tally(counts, _parse_entry(raw))
            return counts

        return dict(self._server_call("counting entries", tally))

    def clear(self) -> int:
        """Remove every entry of ours (other keys in the database stay); returns how many."""
        if self._local is not None:
            return self._local.clear()

        def remove() -> int:
            return sum(int(self._connection().unlink(*chunk)) for chunk in self._chunks())

        return int(self._server_call("clearing", remove))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._local is not None:
            self._local.close()


def open_cache(
    directory: Path | str,
    *,
    url: str | None = None,
    password: str | None = None,
    fallback_local: bool = False,
    enabled: bool = True,
) -> ResponseStore:
    """The configured store: the local directory, or the shared server at ``url`` (with the
    directory as its fallback when ``fallback_local``)."""
    local = ResponseCache(directory, enabled=enabled)
    if url is None:
        return local
    return RedisCache(
        url, password=password, enabled=enabled, fallback=local if fallback_local else None
    )
