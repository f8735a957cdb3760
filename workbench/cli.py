"""The `workbench` command line.

Exit codes: 0 success; 1 the run failed (backend down after retries, sentences failed, ...);
2 bad input, config or usage. Errors are one line on stderr; ``--debug`` shows the traceback.

Over 450 lines: one parser and one thin handler per subcommand, and the one place where errors
become lines and exit codes; the work itself lives in session, batch, probe and
evaluation/command.py.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from workbench.core.budget import Budget, SpendingLimits
from workbench.core.errors import (
    ConfigError,
    SpendingCapReached,
    WorkbenchError,
    one_line,
    validation_error_line,
)
from workbench.core.schema import Report, StageStats
from workbench.io.export import FORMATS, render
from workbench.io.ingest import read_path

if TYPE_CHECKING:
    from workbench.io.batch import Shard


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line errors with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{self.prog}: {message}")


def _shard(text: str) -> Shard:
    from workbench.io.batch import Shard  # imported when used: it loads the pipeline

    return Shard.parse(text)


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


def _spending_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-cost-usd",
        type=float,
        help="stop when this run's (or batch's) model calls have cost this much (USD; "
        "default: [limits])",
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        help="stop after this many prompt + completion tokens (default: [limits])",
    )


def _budget(args: argparse.Namespace, configured: SpendingLimits) -> Budget:
    """The run's budget: the command line's caps over the config's."""
    try:
        limits = configured.model_copy(
            update={
                key: value
                for key, value in (
                    ("max_cost_usd", args.max_cost_usd),
                    ("max_tokens", args.max_tokens),
                )
                if value is not None
            }
        )
        return Budget(SpendingLimits.model_validate(limits.model_dump()))
    except ValidationError as err:
        raise ConfigError(f"--{validation_error_line(err).replace('_', '-')}") from None


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
    extract.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (the full report), md (a brief), csv (a claim a row), averitec (AVeriTeC "
        "claim JSON), checkthat (CheckThat! TSV), claimreview (schema.org JSON-LD)",
    )
    extract.add_argument("--out", help="write here instead of stdout")
    extract.add_argument(
        "--no-cache", action="store_true", help="ignore and do not fill the response cache"
    )
    extract.add_argument("--prompts", help="directory with edited prompt files")
    extract.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _topic_option(extract)
    _spending_options(extract)

    batch = sub.add_parser(
        "batch",
        help="check many articles into one JSONL file (resumable by content, shardable)",
        description="Check article files into one JSONL file, one line per article. A re-run "
        "skips every article already in --out with the same content and settings (backend, "
        "prompts, workbench version), whatever path names it; failed ones too, unless "
        "--retry-failed. Exit 1 while any of the run's articles is failed or incomplete.",
    )
    _common(batch)
    batch.add_argument(
        "inputs",
        nargs="+",
        help="directories (searched for .txt, .md, .html) or article files; "
        "with --merge: batch JSONL files",
    )
    batch.add_argument(
        "--out",
        required=True,
        help="JSONL output; its articles (same content and settings) are skipped",
    )
    batch.add_argument(
        "--backend", help="backend name from the config (default: the config's default)"
    )
    batch.add_argument(
        "--concurrency", type=int, help="requests in flight (default: the backend's)"
    )
    batch.add_argument(
        "--no-cache", action="store_true", help="ignore and do not fill the response cache"
    )
    batch.add_argument("--prompts", help="directory with edited prompt files")
    batch.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    _topic_option(batch)
    _spending_options(batch)
    again = batch.add_mutually_exclusive_group()
    again.add_argument(
        "--retry-failed",
        action="store_true",
        help="run failed and incomplete articles of --out again, replacing their lines",
    )
    again.add_argument(
        "--force",
        action="store_true",
        help="run every article again, replacing its line (answers still come from the "
        "response cache: add --no-cache to ask the model again)",
    )
    batch.add_argument(
        "--shard",
        metavar="I/N",
        type=_shard,
        help="check only part I of N (split by content hash: stable when files are added); "
        "give each machine its own --out and join them with --merge",
    )
    batch.add_argument(
        "--merge",
        action="store_true",
        help="join the batch JSONL files given as inputs (and --out's own lines) into --out: "
        "one line per article, a finished one over a failed one",
    )

    backends = sub.add_parser("backends", help="list configured backends")
    _common(backends)
    backends.add_argument(
        "--check", action="store_true", help="send a tiny schema-constrained probe to each"
    )
    backends.add_argument("--backend", help="only this backend")

    cache = sub.add_parser("cache", help="response cache: stats or clear")
    _common(cache)
    cache.add_argument(
        "action",
        choices=["stats", "clear"],
        help="stats: where the cache is, its entries and size; clear: delete every entry",
    )

    ui = sub.add_parser("ui", help="open the Streamlit workbench (extra args go to streamlit)")
    _common(ui)
    ui.add_argument(
        "--host",
        help="address to listen on (default 127.0.0.1, this machine only); any other address "
        "needs $WORKBENCH_UI_PASSWORD or OIDC login in .streamlit/secrets.toml",
    )
    ui.add_argument("--port", type=int, help="port to listen on (default 8501)")
    ui.add_argument(
        "--password",
        nargs="?",
        const="",
        help="refused: a password on the command line shows in `ps`; set $WORKBENCH_UI_PASSWORD",
    )

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
    budget = _budget(args, session.config.spending)
    try:
        report = session.check(
            article,
            args.backend,
            on_progress=_progress_printer(args.quiet),
            budget=budget,
            topics=_topics(args, session.config.topics),
        )
    except SpendingCapReached as err:
        assert isinstance(err.report, Report)
        _write_report(err.report, args)
        raise
    _write_report(report, args)
    stats = report.run
    if not args.quiet:
        print(
            f"{report.summary()} · {stats.cache_hits} cache hits, {stats.cache_misses} misses · "
            f"{_spend(stats.totals)}{stats.seconds:.1f}s",
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


def _topic_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--topic",
        action="append",
        metavar="TEXT",
        help="a topic of interest, free text (repeatable; replaces the config's [topics]): "
        "each claim gets its relevance and the topics it is about, and ranks by them",
    )


def _topics(args: argparse.Namespace, configured: list[str]) -> list[str]:
    """--topic (repeatable) if given, else the config's ``[topics] interest``."""
    from workbench.core.config import clean_topics

    return clean_topics(args.topic) if args.topic else configured


def _spend(totals: StageStats) -> str:
    tokens = totals.prompt_tokens + totals.completion_tokens
    if not tokens:
        return ""
    return f"{tokens:,} tokens, ${totals.cost_usd:.4f} · "


def _write_report(report: Report, args: argparse.Namespace) -> None:
    output = render(report, args.format)
    if args.out:
        try:
            Path(args.out).write_text(output, encoding="utf-8")
        except OSError as err:
            raise ConfigError(f"--out {args.out}: cannot write it ({err.strerror})") from err
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")


def _check_writable(path: str) -> None:
    """--out must name a file in an existing directory: a typo is found before the run."""
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"--out {path}: is a directory; name a file")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {path}: directory {out.parent} does not exist")


def cmd_batch(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from workbench.io import batch
    from workbench.session import Session

    _check_writable(args.out)
    out = Path(args.out)
    if args.merge:
        _refuse_with_merge(args)
        merged = batch.merge_outputs(out, args.inputs)
        _say(merged.line(), args.quiet)
        return 0
    session = Session.open(args.config, no_cache=args.no_cache, prompts_dir=args.prompts)
    client = session.client(args.backend, concurrency=args.concurrency)
    mode: batch.Mode = "force" if args.force else "retry-failed" if args.retry_failed else "resume"
    topics = _topics(args, session.config.topics)
    settings = batch.settings_hash(client, session.prompts, topics)
    plan = batch.plan_batch(args.inputs, out, settings, shard=args.shard, mode=mode)
    _say(plan.line(), args.quiet)
    with Progress(console=Console(stderr=True), disable=args.quiet or not plan.todo) as bar:
        task = bar.add_task("articles", total=len(plan.todo))
        run = batch.run_batch(
            plan,
            client,
            session.prompts,
            session.config.limits,
            on_article=lambda: bar.advance(task),
            budget=_budget(args, session.config.spending),
            topics=topics,
        )
        summary = asyncio.run(run)
    _say(summary.line(), args.quiet)
    if summary.capped is not None:
        raise summary.capped
    if summary.unfinished:
        print(
            f"error: {summary.unfinished} article(s) failed or are incomplete; see "
            f"'error'/'failures' in {out}; --retry-failed runs them again",
            file=sys.stderr,
        )
        return 1
    return 0


def _refuse_with_merge(args: argparse.Namespace) -> None:
    """--merge reads JSONL files: an option about checking articles is a mistake, not a no-op."""
    given = [
        option
        for option, value in [
            ("--shard", args.shard),
            ("--force", args.force),
            ("--retry-failed", args.retry_failed),
            ("--backend", args.backend),
            ("--prompts", args.prompts),
            ("--concurrency", args.concurrency),
            ("--no-cache", args.no_cache),
        ]
        if value
    ]
    if given:
        raise ConfigError(f"--merge joins files and checks nothing: drop {', '.join(given)}")


def _say(line: str, quiet: bool) -> None:
    if not quiet:
        print(line, file=sys.stderr)


def cmd_backends(args: argparse.Namespace) -> int:
    from workbench.core.config import DEFAULT_ROUTING
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
    from workbench.llm.probe import probe_backend, probe_pool

    worst = 0
    for name in names:
        settings = session.config.backends[name]
        try:
            if settings.is_pool:
                results = asyncio.run(probe_pool(settings))  # each deployment: one line each
            else:
                results = [asyncio.run(probe_backend(settings, session.client(name)))]
        except WorkbenchError as err:  # e.g. its key is not set: its own row, not the end
            print(f"{name}: NOT CHECKED · {one_line(err)}")
            worst = max(worst, 1)
            continue
        for result in results:
            print(result.line())
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


def _take_option(extra: list[str], name: str) -> tuple[str | None, list[str]]:
    """Remove every ``--name VALUE`` / ``--name=VALUE`` from ``extra``; the last value wins, as
    in streamlit's own parser."""
    value: str | None = None
    rest: list[str] = []
    items = iter(extra)
    for item in items:
        if item == name:
            value = next(items, None)
            if value is None:
                raise ConfigError(f"{name} needs a value")
        elif item.startswith(name + "="):
            value = item.split("=", 1)[1]
        else:
            rest.append(item)
    return value, rest


def _one_of(ours: object, theirs: str | None, names: str) -> str | None:
    if ours is not None and theirs is not None and str(ours) != theirs:
        raise ConfigError(f"{names} disagree ({ours} and {theirs}); give one")
    return str(ours) if ours is not None else theirs


def cmd_ui(args: argparse.Namespace, extra: list[str]) -> int:
    """Become the Streamlit server (exec, not a child): Ctrl-C or a SIGTERM to this process
    stops the server, with no orphan left holding the port.

    It listens on 127.0.0.1 unless told otherwise (``--host``, ``--server.address`` or Streamlit's
    own config); any other address starts only with authentication configured."""
    from workbench.core.config import find_config_file

    if args.password is not None:
        raise ConfigError(
            "--password is refused: a password on the command line is visible to every user "
            "of the machine (ps); set WORKBENCH_UI_PASSWORD in the environment instead"
        )
    app = Path(__file__).resolve().parent / "ui" / "app.py"
    env = dict(os.environ)
    if args.config:
        find_config_file(args.config)  # a missing file is a one-line error here, not in the app
        env["WORKBENCH_CONFIG"] = str(Path(args.config).resolve())
    address, extra = _take_option(extra, "--server.address")
    port, extra = _take_option(extra, "--server.port")
    address = _one_of(args.host, address, "--host and --server.address")
    port = _one_of(args.port, port, "--port and --server.port")
    os.chdir(Path(__file__).resolve().parent.parent)  # streamlit reads .streamlit/ here

    from workbench.ui.access import configured_address, configured_port, decide, is_loopback

    address = address or configured_address() or "127.0.0.1"
    policy = decide(address)
    if policy.problem:
        raise ConfigError(policy.problem)
    # Always explicit: whatever a config file says, the server binds what was decided here.
    options = ["--server.address", address] + (["--server.port", port] if port else [])
    if not is_loopback(address):
        how = "OIDC login" if policy.method == "oidc" else "password login ($WORKBENCH_UI_PASSWORD)"
        port = port or str(configured_port())
        print(
            f"workbench ui: listening on {address} port {port}, beyond this machine; {how}; "
            f"open http://{socket.gethostname()}:{port}",
            file=sys.stderr,
        )
        if address in {"0.0.0.0", "::"}:
            # For a wildcard address Streamlit's welcome lists an "External URL" that it asks
            # an outside service for: the line above says where to go, without that request.
            options += ["--logger.hideWelcomeMessage", "true"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(
        sys.executable,
        # Streamlit's own command line, with ASTs parsed one thread at a time (see serve.py)
        [sys.executable, "-m", "workbench.ui.serve", "run", str(app), *options, *extra],
        env,
    )


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
