"""`workbench eval`: run the eval suite, compare with the committed baseline, gate on regressions.

Exit codes: 0 no regression (or no baseline yet, or ``--bless``); 1 a gated metric regressed
beyond its tolerance (each is named, with the word "regression"), or the backend failed; 2 bad
usage, config, fixture or dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import ConfigError
from workbench.evaluation.datasets import DATASET_NAMES

# The repository's evals folder; --evals points elsewhere (an installed package has none).
if TYPE_CHECKING:
    from workbench.evaluation.fixtures import Fixture
    from workbench.schema import Report

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"

_GENERATION_SETTINGS = ("model", "api_base", "temperature", "max_tokens", "seed", "schema_mode",
                        "reasks", "retries", "timeout", "concurrency", "n_ctx", "model_path",
                        "stages")


def add_eval_parser(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
                    common: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """Register `workbench eval` on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval",
        help="run the eval suite on the fixtures (or a public dataset) and gate on regressions",
        description="Run a backend over the hand-labelled fixtures, score it with the heuristic "
        "baseline beside it, compare with evals/baselines/<backend>.json and exit 1 on a "
        "regression beyond the tolerances of evals/config.toml.",
    )
    common(parser)
    parser.add_argument("--backend", help="backend name from the config (default: the config's)")
    parser.add_argument("--subset", help="a named fixture subset of evals/config.toml (e.g. ci)")
    parser.add_argument("--fixture", action="append", default=[], metavar="ID",
                        help="run only this fixture (repeatable)")
    parser.add_argument("--dataset", metavar="NAME:PATH",
                        help=f"a public dataset instead of the fixtures; NAME one of "
                        f"{', '.join(DATASET_NAMES)}")
    parser.add_argument("--limit", type=int, metavar="N",
                        help="with --dataset: a stable sample of N items")
    parser.add_argument("--prompts", metavar="DIR", help="evaluate an edited copy of prompts/")
    parser.add_argument("--record", metavar="FILE",
                        help="record every response to FILE (JSONL, overwritten)")
    parser.add_argument("--replay", metavar="FILE",
                        help="answer from a recording: no model, no key, no network")
    parser.add_argument("--bless", action="store_true",
                        help="replace the baseline's entries for the fixtures run with this run")
    parser.add_argument("--baseline", metavar="FILE",
                        help="baseline file (default: evals/baselines/<backend>.json)")
    parser.add_argument("--evals", metavar="DIR",
                        help=f"the evals folder: config.toml, fixtures/, baselines/ "
                        f"(default: {EVALS_DIR})")
    parser.add_argument("--reports", metavar="DIR",
                        help="where run folders are written (default: <evals>/reports)")
    parser.add_argument("--no-cache", action="store_true",
                        help="ignore and do not fill the response cache")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run every item N times without the cache and report the spread "
                        "from run to run beside the interval over items (backends that vary)")
    parser.add_argument("--concurrency", type=int, help="requests in flight (default: backend's)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=cmd_eval)
    return parser


def _check_usage(args: argparse.Namespace) -> None:
    if args.record and args.replay:
        raise ConfigError("eval: --record and --replay exclude each other")
    if args.dataset:
        if args.bless:
            raise ConfigError("eval: --bless applies to the fixtures; datasets have no baseline")
        if args.subset or args.fixture:
            raise ConfigError("eval: --subset/--fixture select fixtures; not with --dataset")
    elif args.limit is not None:
        raise ConfigError(
            "eval: --limit samples a --dataset; select fixtures with --subset/--fixture"
        )
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"eval: --limit must be 1 or more, not {args.limit}")
    if args.repeat < 1:
        raise ConfigError(f"eval: --repeat must be 1 or more, not {args.repeat}")
    if args.repeat > 1 and args.bless:
        raise ConfigError("eval: a baseline keeps one run's predictions; bless without --repeat")
    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError(f"eval: --concurrency must be 1 or more, not {args.concurrency}")
    if args.replay and not Path(args.replay).is_file():
        raise ConfigError(f"eval: recording not found: {args.replay}")
    if args.prompts and not Path(args.prompts).is_dir():
        raise ConfigError(f"eval: prompts directory not found: {args.prompts}")


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def cmd_eval(args: argparse.Namespace) -> int:
    # Heavy imports here, not at parser build time: `workbench cache stats` stays fast.
    from workbench.evaluation.baselines import bless, load_baseline
    from workbench.evaluation.datasets import load_dataset, run_dataset
    from workbench.evaluation.fixture_runner import run_fixtures
    from workbench.evaluation.fixtures import fixture_set_hash, load_fixtures
    from workbench.evaluation.gate import EvalConfig, compare, load_eval_config, select_fixtures
    from workbench.evaluation.meteor import ensure_wordnet
    from workbench.evaluation.provenance import Provenance, environment, git_state, now
    from workbench.evaluation.render import regression_line, render_terminal
    from workbench.evaluation.report import build_dataset_report, build_fixture_report, write_report
    from workbench.llm import RecordingClient
    from workbench.session import Session

    _check_usage(args)
    evals = Path(args.evals) if args.evals else EVALS_DIR
    config_file = evals / "config.toml"
    eval_config = load_eval_config(config_file) if config_file.is_file() else EvalConfig()
    reports_dir = Path(args.reports) if args.reports else evals / "reports"
    # A replay is instant and its answers live in the recording: the cache would only hide a
    # re-recorded file behind stale entries. Repeated runs measure the backend's own variation,
    # which a cache would hide by answering runs 2..N from run 1.
    session = Session.open(args.config,
                           no_cache=args.no_cache or bool(args.replay) or args.repeat > 1,
                           prompts_dir=args.prompts)
    started, clock = now(), time.perf_counter()
    if args.replay:
        client = session.client(None, replay_from=Path(args.replay))
        recorded = client.name.removeprefix("replay:")
        baseline_backend = args.backend or recorded
        settings: dict[str, object] = {}
    else:
        backend = session.config.backend(args.backend)
        client = session.client(backend.name, concurrency=args.concurrency)
        baseline_backend = backend.name
        settings = backend.model_dump(mode="json", include=set(_GENERATION_SETTINGS))
        if args.record:
            record = Path(args.record)
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text("", encoding="utf-8")
            # Outside the cache, so cached answers are recorded too: the recording is complete.
            client = RecordingClient(client, record)
    commit, dirty = git_state(evals)
    provenance = Provenance(
        git_commit=commit, git_dirty=dirty, backend=client.name, model=client.model,
        api_base=client.api_base, backend_settings=settings, prompts=session.prompts.infos,
        prompts_dir=str(session.prompts.directory), record=args.record, replay=args.replay,
        cache=session.cache.enabled if hasattr(session.cache, "enabled") else not args.no_cache,
        started_at=started, **environment(),
    )

    def finish(p: Provenance) -> Provenance:
        return p.model_copy(update={"finished_at": now(),
                                    "seconds": round(time.perf_counter() - clock, 2)})

    if args.dataset:
        dataset = load_dataset(args.dataset, args.limit)
        if dataset.spec.name == "averitec":
            ensure_wordnet()  # METEOR needs it: say so before any model call, not after
        _say(args.quiet, f"eval {client.name}: {len(dataset.items)} of {dataset.total} items of "
             f"{dataset.spec.name}")
        step = max(1, len(dataset.items) // 10)

        def on_item(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                _say(args.quiet, f"  {dataset.spec.name}: {done}/{total}")

        dataset_runs = []
        for repeat in range(args.repeat):
            if args.repeat > 1:
                _say(args.quiet, f"  run {repeat + 1} of {args.repeat}")
            dataset_runs.append(
                asyncio.run(run_dataset(dataset, client, session.prompts, on_item=on_item)))
        provenance = provenance.model_copy(update={
            "dataset": f"{dataset.spec.name}:{dataset.spec.path}",
            "dataset_sha256": dataset.source_sha256})
        report = build_dataset_report(dataset_runs[0], finish(provenance), dataset_runs[1:])
        folder = write_report(report, reports_dir)
        sys.stdout.write(render_terminal(report, folder))
        return 0

    ensure_wordnet()  # questions.meteor needs it: say so before any model call, not after
    all_fixtures = load_fixtures(evals / "fixtures")
    chosen = select_fixtures(all_fixtures, eval_config, subset=args.subset, ids=args.fixture)
    provenance = provenance.model_copy(update={"fixture_set_hash": fixture_set_hash(chosen)})
    _say(args.quiet, f"eval {client.name}: {len(chosen)} fixtures")

    def on_fixture(fixture: Fixture, report: Report, seconds: float, done: int,
                   total: int) -> None:
        _say(args.quiet, f"  [{done}/{total}] {fixture.id}: {report.summary()} · {seconds:.0f}s")

    repeated = []
    for repeat in range(args.repeat):
        if args.repeat > 1:
            _say(args.quiet, f"  run {repeat + 1} of {args.repeat}")
        repeated.append(
            asyncio.run(run_fixtures(chosen, client, session.prompts, on_fixture=on_fixture)))
    runs = repeated[0]
    baseline_path = (Path(args.baseline) if args.baseline
                     else evals / "baselines" / f"{baseline_backend}.json")
    baseline = load_baseline(baseline_path)
    by_id = {f.id: f for f in all_fixtures}
    reports = {r.fixture.id: r.report for r in runs}
    comparison = None
    if baseline is not None:
        comparison = compare(baseline, baseline_path, reports=reports,
                             scores={r.fixture.id: r.scores for r in runs}, fixtures=by_id,
                             tolerance=eval_config.gate.tolerance, noise=eval_config.gate.noise,
                             repeats=[{r.fixture.id: r.scores for r in run}
                                      for run in repeated[1:]])
    report = build_fixture_report(
        runs, finish(provenance), baseline_backend=baseline_backend, subset=args.subset,
        comparison=comparison, no_baseline=None if baseline else str(baseline_path),
        repeats=repeated[1:])
    if args.bless:
        bless(baseline_path, backend=baseline_backend, provenance=report.provenance,
              reports=reports, fixtures=by_id, subsets=eval_config.subsets, previous=baseline)
        report = report.model_copy(update={"blessed": str(baseline_path)})
    folder = write_report(report, reports_dir)
    sys.stdout.write(render_terminal(report, folder))
    line = regression_line(report)
    if line and not args.bless:
        print(f"error: {line}", file=sys.stderr)
        return 1
    if line:
        print(f"blessed despite the {line}", file=sys.stderr)
    return 0
