"""The `workbench` command line.

Exit codes: 0 success; 1 the run failed (backend down after retries, sentences failed, ...);
2 bad input, config or usage. Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from workbench.errors import ConfigError, InputError, UserError, WorkbenchError, one_line
from workbench.export import FORMATS, render
from workbench.ingest import read_path

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line errors with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{self.prog}: {message}")


def _common(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """Options that work before or after the subcommand. On a subcommand they default to
    SUPPRESS, so ``workbench --config X extract`` keeps X instead of the subcommand's None."""
    unset = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        default=unset,
        help="config file (else $WORKBENCH_CONFIG, ./workbench.toml, user config dir)",
    )
    flag = False if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--debug", action="store_true", default=flag, help="tracebacks and the workbench's logs"
    )
    parser.add_argument(
        "--debug-all",
        action="store_true",
        default=flag,
        help="--debug plus the debug logs of litellm, instructor and httpx",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="Find an article's checkable claims and plan the evidence that settles them.",
    )
    _common(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    extract = sub.add_parser("extract", help="check one article (file or - for stdin)")
    _common(extract)
    extract.add_argument("path", help="article file (.txt, .md, .html) or - for stdin")
    extract.add_argument(
        "--backend", help="backend name from the config (default: the config's default)"
    )
    extract.add_argument("--format", choices=FORMATS, default="json")
    extract.add_argument("--out", help="write here instead of stdout")
    extract.add_argument(
        "--no-cache", action="store_true", help="ignore and do not fill the response cache"
    )
    extract.add_argument("--prompts", help="directory with edited prompt files")
    extract.add_argument("--quiet", action="store_true", help="no progress on stderr")

    batch = sub.add_parser("batch", help="check many articles into one JSONL file (resumable)")
    _common(batch)
    batch.add_argument("inputs", nargs="+", help="a directory or article files")
    batch.add_argument(
        "--out", required=True, help="JSONL output; articles already in it are skipped"
    )
    batch.add_argument("--backend")
    batch.add_argument(
        "--concurrency", type=int, help="requests in flight (default: the backend's)"
    )
    batch.add_argument("--no-cache", action="store_true")
    batch.add_argument("--prompts")
    batch.add_argument("--quiet", action="store_true")

    backends = sub.add_parser("backends", help="list configured backends")
    _common(backends)
    backends.add_argument(
        "--check", action="store_true", help="send a tiny schema-constrained probe to each"
    )
    backends.add_argument("--backend", help="only this backend")

    cache = sub.add_parser("cache", help="response cache: stats or clear")
    _common(cache)
    cache.add_argument("action", choices=["stats", "clear"])

    ui = sub.add_parser("ui", help="open the Streamlit workbench (extra args go to streamlit)")
    _common(ui)

    from workbench.evaluation.command import add_eval_parser

    add_eval_parser(sub, _common)
    return parser


def _progress_printer(quiet: bool):  # type: ignore[no-untyped-def]
    if quiet:
        return None
    last: dict[str, int] = {}

    interactive = sys.stderr.isatty()

    def show(progress) -> None:  # type: ignore[no-untyped-def]
        finished = progress.done == progress.total
        if last.get(progress.stage) == progress.done or not (interactive or finished):
            return
        last[progress.stage] = progress.done
        print(
            f"\r{progress.stage:>16}: {progress.done}/{progress.total}",
            end="\n" if finished else "",
            file=sys.stderr,
            flush=True,
        )

    return show


def cmd_extract(args: argparse.Namespace) -> int:
    from workbench.session import Session

    session = Session.open(args.config, no_cache=args.no_cache, prompts_dir=args.prompts)
    if args.out:
        _check_writable(args.out)  # before the run, not after minutes of model calls
    article = read_path(args.path, session.config.limits)
    report = session.check(article, args.backend, on_progress=_progress_printer(args.quiet))
    output = render(report, args.format)
    if args.out:
        try:
            Path(args.out).write_text(output, encoding="utf-8")
        except OSError as err:
            raise ConfigError(f"--out {args.out}: cannot write it ({err.strerror})") from err
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")
    stats = report.run
    if not args.quiet:
        print(
            f"{report.summary()} · {stats.cache_hits} cache hits, {stats.cache_misses} misses · "
            f"{stats.seconds:.1f}s",
            file=sys.stderr,
        )
    if report.failures:
        print(
            f"error: {len(report.failures)} step(s) failed (see 'failures' in the report); "
            "a re-run retries backend errors (finished work is cached; so are invalid model "
            "answers at temperature 0: --no-cache asks again)",
            file=sys.stderr,
        )
        return 1
    return 0


def _check_writable(path: str) -> None:
    """--out must name a file in an existing directory: a typo is found before the run."""
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"--out {path}: is a directory; name a file")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {path}: directory {out.parent} does not exist")


def _article_files(inputs: Sequence[str]) -> list[Path]:
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


def _done_sources(out: Path) -> set[str]:
    done: set[str] = set()
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut off by an interrupted run: that article runs again
            if entry.get("report") is not None:
                done.add(entry["key"])
    return done


def _ends_mid_line(out: Path) -> bool:
    """A run killed while writing leaves its last line cut off, without a newline."""
    if not out.exists() or out.stat().st_size == 0:
        return False
    with out.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def cmd_batch(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from workbench.session import Session

    session = Session.open(args.config, no_cache=args.no_cache, prompts_dir=args.prompts)
    out = Path(args.out)
    _check_writable(args.out)
    files = _article_files(args.inputs)
    done = _done_sources(out)
    client = session.client(args.backend, concurrency=args.concurrency)
    failed = 0

    def key_of(path: Path) -> str:
        return f"{path}#{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"

    todo = [p for p in files if key_of(p) not in done]
    if not args.quiet:
        print(f"{len(files)} articles, {len(files) - len(todo)} already in {out}", file=sys.stderr)

    async def run_all() -> None:
        nonlocal failed
        from workbench.pipeline import check_article

        limit = asyncio.Semaphore(max(2, client.concurrency * 2))  # articles in flight
        with (
            Progress(disable=args.quiet, transient=False) as bar,
            out.open("a", encoding="utf-8") as sink,
        ):
            if _ends_mid_line(out):
                sink.write("\n")  # else our first entry would be glued to the cut-off line
            task = bar.add_task("articles", total=len(todo))

            async def one(path: Path) -> None:
                nonlocal failed
                async with limit:
                    entry: dict[str, object] = {"key": key_of(path), "source": str(path)}
                    try:
                        article = read_path(str(path), session.config.limits)
                        report = await check_article(article, client, session.prompts)
                        entry["report"] = json.loads(report.model_dump_json())
                        failed += bool(report.failures)
                    except UserError as err:
                        entry["error"] = str(err)
                        failed += 1
                    sink.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    sink.flush()
                    bar.advance(task)

            await asyncio.gather(*(one(p) for p in todo))

    asyncio.run(run_all())
    if failed:
        print(
            f"error: {failed} article(s) failed or are incomplete; see 'error'/'failures' in {out}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_backends(args: argparse.Namespace) -> int:
    from workbench.config import DEFAULT_ROUTING
    from workbench.session import Session

    session = Session.open(args.config, no_cache=True)
    names = [args.backend] if args.backend else sorted(session.config.backends)
    for name in names:
        session.config.backend(name)  # unknown name: one-line error
    if not args.check:
        for name in names:
            backend = session.config.backends[name]
            default = " (default)" if name == session.config.default else ""
            where = f" at {backend.api_base}" if backend.api_base else ""
            if backend.api_bases:
                routing = backend.routing or DEFAULT_ROUTING
                where = f" on a pool ({routing}) at {', '.join(backend.api_bases)}"
            print(f"{name}{default}: {backend.model}{where}")
        return 0
    from workbench.probe import probe_backend, probe_pool

    worst = 0
    for name in names:
        settings = session.config.backends[name]
        if settings.is_pool:
            results = asyncio.run(probe_pool(settings))  # each deployment: one line each
        else:
            results = [asyncio.run(probe_backend(settings, session.client(name)))]
        for result in results:
            status = "reachable" if result.reachable else "UNREACHABLE"
            valid = "valid output" if result.valid else "INVALID output"
            label = f"{name} @ {result.endpoint}" if result.endpoint else name
            line = f"{label}: {status} · {result.schema} · {valid} · {result.seconds:.2f}s"
            print(line + (f" · {result.error}" if result.error else ""))
            worst = max(worst, 0 if result.ok else 1)
    return worst


def cmd_cache(args: argparse.Namespace) -> int:
    from workbench.session import Session

    session = Session.open(args.config)
    if args.action == "clear":
        removed = session.cache.clear()
        print(f"removed {removed} entries from {session.cache.location}")
    else:
        stats = session.cache.stats()
        print(
            f"{stats['location']}: {stats['entries']} entries, {stats['size_bytes'] / 1e6:.1f} MB"
        )
    return 0


def cmd_ui(args: argparse.Namespace, extra: list[str]) -> int:
    """Become the Streamlit server (exec, not a child): Ctrl-C or a SIGTERM to this process
    stops the server, with no orphan left holding the port."""
    from workbench.config import find_config_file

    app = Path(__file__).resolve().parent / "ui" / "app.py"
    env = dict(os.environ)
    if args.config:
        find_config_file(args.config)  # a missing file is a one-line error here, not in the app
        env["WORKBENCH_CONFIG"] = str(Path(args.config).resolve())
    os.chdir(Path(__file__).resolve().parent.parent)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app), *extra], env)


def _configure_logging(argv: list[str]) -> bool:
    """Our logs at debug with --debug; other libraries' only with --debug-all (else their
    warnings at most: litellm alone prints hundreds of debug lines per request)."""
    everything = "--debug-all" in argv
    debug = everything or "--debug" in argv
    logging.basicConfig(format="%(message)s")
    logging.getLogger().setLevel(logging.DEBUG if everything else logging.WARNING)
    logging.getLogger("workbench").setLevel(logging.DEBUG if debug else logging.NOTSET)
    third_party = logging.NOTSET if everything else logging.WARNING if debug else logging.CRITICAL
    for noisy in ("LiteLLM", "litellm", "instructor", "httpx", "httpcore", "openai"):
        logging.getLogger(noisy).setLevel(third_party)
    return debug


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _configure_logging(argv)
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if args.command == "ui":  # what we don't know after `ui` goes to streamlit
            return cmd_ui(args, extra)
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        handler = {
            "extract": cmd_extract,
            "batch": cmd_batch,
            "backends": cmd_backends,
            "cache": cmd_cache,
        }.get(args.command)
        if handler is None:
            return int(args.handler(args))
        return handler(args)
    except WorkbenchError as err:
        if debug:
            traceback.print_exc()
        print(f"error: {one_line(err)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(
            "interrupted: finished steps are cached; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as err:  # the one broad catch: users get one line, --debug the traceback
        if debug:
            traceback.print_exc()
        print(
            f"error: internal error {type(err).__name__}: {one_line(err)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
