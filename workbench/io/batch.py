"""Batches: many articles into one JSONL file, resumable by content, split across machines.

Each line of the output is one article (``BatchEntry``). Its ``key`` decides whether a later
run skips the article: the SHA-256 of the file's bytes, the file's suffix (it decides how the
bytes are read: ``.html`` through the HTML extractor) and a hash of the settings that change the
answer (each stage's backend identity, the prompt hashes, the workbench version). Not the path:
the same folder named relatively or absolutely, or a copy of a file under another name, is the
same work and is skipped.

Writing is crash-safe without rewriting the file per article: each finished article is appended
and flushed at once (a killed run loses only the articles in flight). An article run again
(``--retry-failed``, ``--force``) appends its new line, and when the run ends the file is
compacted: each key's latest line in the place of its first, written to a temporary file in the
same folder and moved over the output with ``os.replace``. A crash at any moment leaves either
the old file plus appended lines (the next run reads them latest-wins and compacts) or the
compacted file; the only partial line possible is a last one cut off mid-write, which the next
run drops and runs again.

Shards split by content hash, not by listing order: adding a file never moves another article
to another machine, and copies of one article land on the same one.

Over 450 lines: keys, shards, the JSONL file's reading, crash-safe rewriting and merging are one
file format's rules, which only stay consistent side by side.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.core.budget import Budget
from workbench.core.config import InputLimits
from workbench.core.errors import ConfigError, InputError, SpendingCapReached, validation_error_line
from workbench.core.prompts import PromptSet
from workbench.core.schema import Report, Stage, Strict
from workbench.io.ingest import read_path
from workbench.llm import StructuredClient
from workbench.pipeline import _workbench_version, check_article

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}

# Bump when an entry's meaning changes: every article then runs again (from the response cache).
ENTRY_FORMAT = 1

EntryStatus = Literal["done", "incomplete", "failed"]
Mode = Literal["resume", "retry-failed", "force"]

# In a merge, a finished entry beats an incomplete one, which beats a failed one.
_RANK: dict[str, int] = {"failed": 0, "incomplete": 1, "done": 2}


class BatchEntry(Strict):
    """One line of a batch output: one article under one set of settings."""

    key: str = Field(description="content.suffix@settings: what a later run matches to skip.")
    content: str = Field(description="SHA-256 (hex) of the article file's bytes.")
    settings: str = Field(
        description="Hash of what changes the answer: backend identity per stage, prompt "
        "hashes, workbench version."
    )
    source: str = Field(description="The path that named the article in the run that wrote it.")
    status: EntryStatus = Field(
        description="done; incomplete (a report with failed steps); failed (no report)."
    )
    report: dict[str, Any] | None = Field(default=None, description="The Report, as JSON.")
    error: str | None = Field(default=None, description="Why the article could not be read.")


class _Head(BaseModel):
    """What reading an entry needs; the report is not validated (an old report stays usable)."""

    model_config = ConfigDict(extra="ignore")

    key: str
    content: str | None = None
    settings: str | None = None
    source: str
    status: EntryStatus | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class Located:
    """An entry's metadata and where its line is, so a compaction copies lines verbatim
    without holding every report in memory."""

    key: str
    content: str
    settings: str
    status: EntryStatus
    path: Path
    offset: int
    length: int
    legacy: bool = False  # written before keys were by content: 'path#sha256[:16]'

    @property
    def rank(self) -> int:
        return _RANK[self.status]


# --------------------------------------------------------------------------------------------
# Keys and shards
# --------------------------------------------------------------------------------------------


def settings_hash(client: StructuredClient, prompts: PromptSet, topics: Sequence[str] = ()) -> str:
    """What changes the answer for every article of a run; never a path or a secret. Topics
    count only when given, so a batch without them keeps the keys it had."""
    parts: dict[str, object] = {
        "format": ENTRY_FORMAT,
        "workbench": _workbench_version(),  # segmentation and validators are code
        "backend": {stage.value: client.identity(stage) for stage in Stage},
        "prompts": {info.name: info.hash for info in prompts.infos},
    }
    if topics:
        parts["topics"] = list(topics)
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def article_key(content: str, suffix: str, settings: str) -> str:
    """'<sha256 of the bytes><suffix>@<settings hash>', e.g. '3f2a….txt@73b02b661b74431a'."""
    return f"{content}{suffix.lower()}@{settings}"


@dataclass(frozen=True)
class Shard:
    """Part ``index`` (1-based) of ``count``: the articles whose content hash is ``index - 1``
    modulo ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if match is None:
            raise ConfigError(f"--shard {text}: expected I/N, e.g. 1/4 for part 1 of 4")
        index, count = int(match[1]), int(match[2])
        if count < 1:
            raise ConfigError(f"--shard {text}: N, the number of parts, must be at least 1")
        if not 1 <= index <= count:
            raise ConfigError(f"--shard {text}: parts are numbered 1 to {count}")
        return cls(index, count)

    def takes(self, content: str) -> bool:
        return int(content, 16) % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class ArticleFile:
    """An article file of this run and its key (the first path found for that key)."""

    path: Path
    content: str
    key: str


def find_articles(inputs: Sequence[str]) -> list[Path]:
    """Article files named by ``inputs`` (directories searched recursively), in sorted order."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
            )
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{item}: no such file or directory")
    if not files:
        raise InputError("no article files found (looked for .txt, .md, .html)")
    return files


def _content_hash(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror})") from err


# --------------------------------------------------------------------------------------------
# Reading and writing batch JSONL
# --------------------------------------------------------------------------------------------


def _locate(raw: bytes, path: Path, offset: int) -> Located:
    head = _Head.model_validate(json.loads(raw))
    if head.content is None or head.settings is None or head.status is None:
        if "#" not in head.key:
            raise ValueError("no content, settings or status")
        status: EntryStatus = "failed" if head.report is None else "done"
        if head.report is not None and head.report.get("failures"):
            status = "incomplete"
        content = head.key.rsplit("#", 1)[1]
        return Located(head.key, content, "", status, path, offset, len(raw), legacy=True)
    return Located(head.key, head.content, head.settings, head.status, path, offset, len(raw))


@dataclass
class EntryFile:
    """A batch JSONL file as read: its entries, and whether it needs repair before appending."""

    entries: list[Located]
    cut_off: bool  # the last line was cut off by an interrupted run
    unterminated: bool  # the file does not end with a newline


def read_entries(path: Path, *, tolerate_cut_off: bool) -> EntryFile:
    """The entries of a batch JSONL file; an unreadable line is an ``InputError`` naming
    file:line (a cut-off last line is dropped instead when ``tolerate_cut_off``)."""
    entries: list[Located] = []
    cut_off = unterminated = False
    offset = 0
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                last = not raw.endswith(b"\n")
                try:
                    entries.append(_locate(raw, path, start))
                    unterminated = last
                except (ValueError, ValidationError) as err:  # JSONDecodeError is a ValueError
                    if last and tolerate_cut_off:
                        cut_off = True
                        continue
                    raise InputError(f"{path}:{number}: {_why(err, last)}") from err
    except FileNotFoundError:
        if tolerate_cut_off:  # a batch output that does not exist yet
            return EntryFile([], False, False)
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a batch JSONL file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror})") from err
    return EntryFile(entries, cut_off, unterminated)


def _why(err: Exception, last: bool) -> str:
    if last and isinstance(err, json.JSONDecodeError):
        return "line cut off (the run writing it was interrupted: run that batch again)"
    if isinstance(err, ValidationError):
        return f"not a workbench batch entry ({validation_error_line(err)})"
    return f"not a workbench batch entry ({err})"


def choose(entries: Iterable[Located], *, prefer_finished: bool) -> list[Located]:
    """One entry per key, in the place where the key first appears: the latest one, or with
    ``prefer_finished`` the best-ranked (then latest) one. An old-format entry gives way to a
    current entry for the same content."""
    chosen: dict[str, Located] = {}
    for entry in entries:
        old = chosen.get(entry.key)
        if old is None or not prefer_finished or entry.rank >= old.rank:
            chosen[entry.key] = entry  # a dict keeps the key's first position
    current = {entry.content[:16] for entry in chosen.values() if not entry.legacy}
    return [e for e in chosen.values() if not (e.legacy and e.content in current)]


def rewrite(out: Path, entries: Sequence[Located]) -> None:
    """Write ``entries``' lines to ``out`` all at once: a temporary file in the same folder,
    flushed to disk, then ``os.replace`` (readers and crashes see the old file or the new)."""
    mode = out.stat().st_mode & 0o777 if out.exists() else 0o644
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, deleted on failure)
        dir=out.parent, prefix=f".{out.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            sources: dict[Path, BinaryIO] = {}
            try:
                for entry in entries:
                    if entry.path not in sources:
                        sources[entry.path] = entry.path.open("rb")
                    source = sources[entry.path]
                    source.seek(entry.offset)
                    line = source.read(entry.length)
                    handle.write(line if line.endswith(b"\n") else line + b"\n")
            finally:
                for source in sources.values():
                    source.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, mode)
        os.replace(handle.name, out)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# A run
# --------------------------------------------------------------------------------------------


@dataclass
class BatchPlan:
    """What a run will do, decided before the first model call."""

    out: Path
    shard: Shard | None
    settings: str
    files: int  # article files found, in every shard
    total: int  # distinct articles found, in every shard
    articles: list[ArticleFile]  # this shard's distinct articles
    todo: list[ArticleFile]
    again: int  # articles of todo with a line in out, which their new line replaces
    skipped: int
    skipped_failed: int
    existing: EntryFile

    def line(self) -> str:
        """E.g. 'shard 1/2 takes 6 of 11 articles; 4 already in out.jsonl, 2 to run'."""
        found = f"{self.total} articles"
        if self.files > self.total:
            copies = self.files - self.total
            found += f" ({self.files} files, {copies} a copy of another)"
        if self.shard is not None:
            found = f"shard {self.shard} takes {len(self.articles)} of {found}"
        line = f"{found}; {self.skipped} already in {self.out}, {len(self.todo)} to run"
        return line + (f" ({self.again} of them again)" if self.again else "")


def plan_batch(
    inputs: Sequence[str],
    out: Path,
    settings: str,
    *,
    shard: Shard | None = None,
    mode: Mode = "resume",
) -> BatchPlan:
    """Find the articles, key them, pick this shard's, and leave out those ``out`` settles:
    in "resume" mode every article with an entry (failed ones too), in "retry-failed" mode
    the finished ones, in "force" mode none."""
    existing = read_entries(out, tolerate_cut_off=True)
    files = find_articles(inputs)
    unique: dict[str, ArticleFile] = {}
    for path in files:
        content = _content_hash(path)
        key = article_key(content, path.suffix, settings)
        unique.setdefault(key, ArticleFile(path, content, key))
    articles = [a for a in unique.values() if shard is None or shard.takes(a.content)]
    status = {entry.key: entry.status for entry in choose(existing.entries, prefer_finished=False)}
    todo: list[ArticleFile] = []
    skipped_failed = 0
    for article in articles:
        known = status.get(article.key)
        if known is None or mode == "force" or (mode == "retry-failed" and known != "done"):
            todo.append(article)
        elif known != "done":
            skipped_failed += 1
    return BatchPlan(
        out=out,
        shard=shard,
        settings=settings,
        files=len(files),
        total=len(unique),
        articles=articles,
        todo=todo,
        again=sum(article.key in status for article in todo),
        skipped=len(articles) - len(todo),
        skipped_failed=skipped_failed,
        existing=existing,
    )


@dataclass
class BatchSummary:
    """What a run did, for the summary line and the exit code."""

    out: Path
    articles: int
    done: int = 0
    skipped: int = 0
    skipped_failed: int = 0
    failed: int = 0  # failed or incomplete in this run
    capped: SpendingCapReached | None = None  # the batch's spending cap stopped it

    @property
    def unfinished(self) -> int:
        """Articles of this run that ``out`` holds as failed or incomplete."""
        return self.failed + self.skipped_failed

    def line(self) -> str:
        """E.g. '5 articles: 2 done, 3 skipped (already in out.jsonl), 0 failed'."""
        skipped = f"{self.skipped} skipped (already in {self.out}"
        if self.skipped_failed:
            skipped += (
                f"; {self.skipped_failed} of them failed or incomplete: "
                "--retry-failed runs them again"
            )
        return f"{self.articles} articles: {self.done} done, {skipped}), {self.failed} failed"


async def run_batch(
    plan: BatchPlan,
    client: StructuredClient,
    prompts: PromptSet,
    limits: InputLimits,
    *,
    on_article: Callable[[], None] | None = None,
    budget: Budget | None = None,
    topics: Sequence[str] = (),
) -> BatchSummary:
    """Check ``plan.todo`` into ``plan.out`` (appended as each article finishes; compacted at
    the end, even after an error, when a line was replaced).

    One ``budget`` caps the whole batch: at the cap, articles in flight are written as
    incomplete with what they finished, the rest are left for the next run, and the summary's
    ``capped`` holds the error."""
    out = plan.out
    summary = BatchSummary(
        out=out,
        articles=len(plan.articles),
        skipped=plan.skipped,
        skipped_failed=plan.skipped_failed,
    )
    existing = plan.existing
    kept = choose(existing.entries, prefer_finished=False)
    if existing.cut_off or existing.unterminated or len(kept) < len(existing.entries):
        rewrite(out, kept)  # appending after a cut-off line would glue two lines together
        existing = read_entries(out, tolerate_cut_off=False)
    written: list[Located] = []
    limit = asyncio.Semaphore(max(2, client.concurrency * 2))  # articles in flight

    with out.open("ab") as sink:

        async def one(article: ArticleFile) -> None:
            async with limit:
                if summary.capped is not None:
                    return  # not started: the next run (with a higher cap) takes it
                entry = BatchEntry(
                    key=article.key,
                    content=article.content,
                    settings=plan.settings,
                    source=str(article.path),
                    status="failed",
                )
                try:
                    report = await check_article(
                        read_path(str(article.path), limits),
                        client,
                        prompts,
                        budget=budget,
                        topics=topics,
                    )
                    entry.report = json.loads(report.model_dump_json())
                    entry.status = "incomplete" if report.failures else "done"
                except InputError as err:
                    entry.error = str(err)
                except SpendingCapReached as err:
                    summary.capped = summary.capped or err
                    entry.status, entry.error = "incomplete", str(err)
                    if isinstance(err.report, Report):
                        entry.report = json.loads(err.report.model_dump_json())
                line = (entry.model_dump_json(exclude_none=True) + "\n").encode("utf-8")
                offset = sink.tell()
                sink.write(line)
                sink.flush()
                written.append(
                    Located(
                        entry.key,
                        entry.content,
                        entry.settings,
                        entry.status,
                        out,
                        offset,
                        len(line),
                    )
                )
                if entry.status == "done":
                    summary.done += 1
                else:
                    summary.failed += 1
                if on_article is not None:
                    on_article()

        try:
            await asyncio.gather(*(one(article) for article in plan.todo))
        finally:
            sink.close()
            every = [*existing.entries, *written]
            kept = choose(every, prefer_finished=False)
            if len(kept) < len(every):  # lines replaced, or old-format lines superseded
                rewrite(out, kept)
    return summary


# --------------------------------------------------------------------------------------------
# Merging shards
# --------------------------------------------------------------------------------------------


@dataclass
class MergeSummary:
    """What a merge kept, for its summary line."""

    out: Path
    files: int
    lines: int
    kept: list[Located]

    def line(self) -> str:
        """E.g. 'merged 2 files into all.jsonl: 9 articles (8 done, 0 incomplete, 1 failed),
        3 duplicate lines dropped'."""
        counts = {status: 0 for status in _RANK}
        for entry in self.kept:
            counts[entry.status] += 1
        text = (
            f"merged {self.files} files into {self.out}: {len(self.kept)} articles "
            f"({counts['done']} done, {counts['incomplete']} incomplete, "
            f"{counts['failed']} failed), {self.lines - len(self.kept)} duplicate lines dropped"
        )
        settings = {entry.settings for entry in self.kept}
        if len(settings) > 1:
            text += (
                f"; {len(settings)} different settings (backend, prompts or workbench version)"
                ": an article appears once for each"
            )
        return text


def merge_outputs(out: Path, inputs: Sequence[str]) -> MergeSummary:
    """Join batch outputs into ``out`` (its own entries take part): one entry per key, a
    finished one over an incomplete one over a failed one, the later file on a tie."""
    paths = [Path(item) for item in inputs]
    sources = [out] if out.exists() else []
    sources += [p for p in paths if not (out.exists() and p.exists() and p.samefile(out))]
    entries: list[Located] = []
    for path in sources:
        entries += read_entries(path, tolerate_cut_off=False).entries
    kept = choose(entries, prefer_finished=True)
    rewrite(out, kept)
    return MergeSummary(out=out, files=len(paths), lines=len(entries), kept=kept)
