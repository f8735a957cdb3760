"""`workbench eval`: run the eval suite, compare with the committed baseline, gate on regressions;
or, with ``--compare A B``, run two set-ups on the same items and give a verdict per metric.

Exit codes: 0 no regression (or no baseline yet, or ``--bless``, or a comparison made); 1 a gated
metric regressed beyond its tolerance (each is named, with the word "regression"), or the backend
failed; 2 bad usage, config, fixture or dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from workbench.core.errors import ConfigError
from workbench.evaluation.datasets import DATASET_NAMES

if TYPE_CHECKING:
    from workbench.core.schema import Report
    from workbench.evaluation.datasets import LoadedDataset
    from workbench.evaluation.fixture_runner import FixtureRun
    from workbench.evaluation.fixtures import Fixture
    from workbench.evaluation.provenance import Provenance
    from workbench.evaluation.report import EvalReport
    from workbench.llm import StructuredClient
    from workbench.session import Session

# The repository's evals folder; --evals points elsewhere (an installed package has none).

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
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"),
                        help="run two set-ups on the same fixtures (or --dataset) and say per "
                        "metric whether B is better, worse or not detectably different; each a "
                        "backend name, a prompts folder (with --backend's backend), a recording "
                        "(.jsonl, replayed) or a recorded run (run folder or report.json)")
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
    if args.compare:
        clashing = [flag for flag, given in (("--bless", args.bless), ("--record", args.record),
                                             ("--replay", args.replay),
                                             ("--baseline", args.baseline),
                                             ("--prompts", args.prompts)) if given]
        if clashing:
            raise ConfigError(f"eval: --compare takes its set-ups as A and B, not with "
                              f"{', '.join(clashing)}")
    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError(f"eval: --concurrency must be 1 or more, not {args.concurrency}")
    if args.replay and not Path(args.replay).is_file():
        raise ConfigError(f"eval: recording not found: {args.replay}")
    if args.prompts and not Path(args.prompts).is_dir():
        raise ConfigError(f"eval: prompts directory not found: {args.prompts}")


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


@dataclass
class _SetUp:
    """A client ready to run, with what a report says about it."""

    session: Session
    client: StructuredClient
    provenance: Provenance
    baseline_backend: str
    clock: float

    def finish(self, **update: object) -> Provenance:
        """The provenance, stamped with the end of the run."""
        return self.provenance.model_copy(update={
            **update, "finished_at": _now(),
            "seconds": round(time.perf_counter() - self.clock, 2)})


def _now() -> str:
    from workbench.evaluation.provenance import now

    return now()


def _set_up(args: argparse.Namespace, evals: Path, *, backend: str | None,
            prompts: str | None, replay: str | None, record: str | None) -> _SetUp:
    from workbench.evaluation.provenance import Provenance, environment, git_state
    from workbench.llm import RecordingClient
    from workbench.session import Session

    # A replay is instant and its answers live in the recording: the cache would only hide a
    # re-recorded file behind stale entries. Repeated runs measure the backend's own variation,
    # which a cache would hide by answering runs 2..N from run 1.
    session = Session.open(args.config,
                           no_cache=args.no_cache or bool(replay) or args.repeat > 1,
                           prompts_dir=prompts)
    started, clock = _now(), time.perf_counter()
    client: StructuredClient
    if replay:
        client = session.client(None, replay_from=Path(replay))
        recorded = client.name.removeprefix("replay:")
        baseline_backend = backend or recorded
        settings: dict[str, object] = {}
    else:
        chosen = session.config.backend(backend)
        client = session.client(chosen.name, concurrency=args.concurrency)
        baseline_backend = chosen.name
        settings = chosen.model_dump(mode="json", include=set(_GENERATION_SETTINGS))
        if record:
            path = Path(record)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")
            # Outside the cache, so cached answers are recorded too: the recording is complete.
            client = RecordingClient(client, path)
    commit, dirty = git_state(evals)
    provenance = Provenance(
        git_commit=commit, git_dirty=dirty, backend=client.name, model=client.model,
        api_base=client.api_base, backend_settings=settings, prompts=session.prompts.infos,
        prompts_dir=str(session.prompts.directory), record=record, replay=replay,
        cache=session.cache.enabled if hasattr(session.cache, "enabled") else not args.no_cache,
        started_at=started, **environment(),
    )
    return _SetUp(session, client, provenance, baseline_backend, clock)


T = TypeVar("T")


def _repeat(args: argparse.Namespace, run: Callable[[], T]) -> list[T]:
    """``run`` once, or ``--repeat`` times."""
    runs = []
    for repeat in range(args.repeat):
        if args.repeat > 1:
            _say(args.quiet, f"  run {repeat + 1} of {args.repeat}")
        runs.append(run())
    return runs


def _load_dataset(spec: str, limit: int | None) -> LoadedDataset:
    from workbench.evaluation.datasets import load_dataset
    from workbench.evaluation.meteor import ensure_wordnet

    dataset = load_dataset(spec, limit)
    if dataset.spec.name == "averitec":
        ensure_wordnet()  # METEOR needs it: say so before any model call, not after
    return dataset


def _dataset_report(args: argparse.Namespace, setup: _SetUp,
                    dataset: LoadedDataset) -> EvalReport:
    from workbench.evaluation.datasets import run_dataset
    from workbench.evaluation.report import build_dataset_report

    name = dataset.spec.name
    _say(args.quiet, f"eval {setup.client.name}: {len(dataset.items)} of {dataset.total} items "
         f"of {name}")
    step = max(1, len(dataset.items) // 10)

    def on_item(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            _say(args.quiet, f"  {name}: {done}/{total}")

    runs = _repeat(args, lambda: asyncio.run(run_dataset(
        dataset, setup.client, setup.session.prompts, on_item=on_item)))
    provenance = setup.finish(dataset=f"{name}:{dataset.spec.path}",
                              dataset_sha256=dataset.source_sha256)
    return build_dataset_report(runs[0], provenance, runs[1:])


def _fixture_runs(args: argparse.Namespace, setup: _SetUp,
                  chosen: Sequence[Fixture]) -> list[list[FixtureRun]]:
    from workbench.evaluation.fixture_runner import run_fixtures

    _say(args.quiet, f"eval {setup.client.name}: {len(chosen)} fixtures")

    def on_fixture(fixture: Fixture, report: Report, seconds: float, done: int,
                   total: int) -> None:
        _say(args.quiet, f"  [{done}/{total}] {fixture.id}: {report.summary()} · {seconds:.0f}s")

    return _repeat(args, lambda: asyncio.run(run_fixtures(
        chosen, setup.client, setup.session.prompts, on_fixture=on_fixture)))


def cmd_eval(args: argparse.Namespace) -> int:
    # Heavy imports here, not at parser build time: `workbench cache stats` stays fast.
    from workbench.evaluation.baselines import bless, load_baseline
    from workbench.evaluation.fixtures import fixture_set_hash, load_fixtures
    from workbench.evaluation.gate import EvalConfig, compare, load_eval_config, select_fixtures
    from workbench.evaluation.meteor import ensure_wordnet
    from workbench.evaluation.render import regression_line, render_terminal
    from workbench.evaluation.report import build_fixture_report, write_report

    _check_usage(args)
    evals = Path(args.evals) if args.evals else EVALS_DIR
    config_file = evals / "config.toml"
    eval_config = load_eval_config(config_file) if config_file.is_file() else EvalConfig()
    reports_dir = Path(args.reports) if args.reports else evals / "reports"
    if args.compare:
        return _compare(args, evals, reports_dir)
    setup = _set_up(args, evals, backend=args.backend, prompts=args.prompts, replay=args.replay,
                    record=args.record)

    if args.dataset:
        report = _dataset_report(args, setup, _load_dataset(args.dataset, args.limit))
        folder = write_report(report, reports_dir)
        sys.stdout.write(render_terminal(report, folder))
        return 0

    ensure_wordnet()  # questions.meteor needs it: say so before any model call, not after
    all_fixtures = load_fixtures(evals / "fixtures")
    chosen = select_fixtures(all_fixtures, eval_config, subset=args.subset, ids=args.fixture)
    repeated = _fixture_runs(args, setup, chosen)
    runs = repeated[0]
    baseline_backend = setup.baseline_backend
    baseline_path = (Path(args.baseline) if args.baseline
                     else evals / "baselines" / f"{baseline_backend}.json")
    baseline = load_baseline(baseline_path)
    by_id = {f.id: f for f in all_fixtures}
    reports = {r.fixture.id: r.report for r in runs}
    gated_subsets = {name: eval_config.subsets[name] for name in eval_config.gate.subsets}
    comparison = None
    if baseline is not None:
        comparison = compare(baseline, baseline_path, reports=reports,
                             scores={r.fixture.id: r.scores for r in runs}, fixtures=by_id,
                             tolerance=eval_config.gate.tolerance, noise=eval_config.gate.noise,
                             repeats=[{r.fixture.id: r.scores for r in run}
                                      for run in repeated[1:]],
                             subsets=gated_subsets)
    report = build_fixture_report(
        runs, setup.finish(fixture_set_hash=fixture_set_hash(chosen)),
        baseline_backend=baseline_backend, subset=args.subset, comparison=comparison,
        no_baseline=None if baseline else str(baseline_path), repeats=repeated[1:],
        subsets=gated_subsets)
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


# --------------------------------------------------------------------------------------------
# --compare A B
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    """What one side of --compare names (exactly one of run, recording, backend is set)."""

    label: str
    run: Path | None = None
    recording: Path | None = None
    prompts: Path | None = None
    backend: str | None = None


def _side(text: str, backend: str | None) -> _Side:
    """A recorded run (its folder or report.json), a recording (replayed), a prompts folder (run
    on ``backend``), else a backend name."""
    path = Path(text).expanduser()
    if path.is_dir() and (path / "report.json").is_file():
        return _Side(text, run=path / "report.json")
    if path.is_file():
        return _Side(text, run=path) if path.suffix == ".json" else _Side(text, recording=path)
    if path.is_dir():
        return _Side(text, prompts=path, backend=backend)
    if "/" in text or text.startswith("."):
        raise ConfigError(f"eval: --compare {text}: no such run folder, recording or prompts "
                          "folder")
    return _Side(text, backend=text)


def _compare_scope(args: argparse.Namespace, evals: Path, recorded: EvalReport | None
                   ) -> tuple[LoadedDataset | None, list[Fixture]]:
    """The items the live sides run: those asked for, else those of a recorded side."""
    from workbench.evaluation.fixtures import load_fixtures
    from workbench.evaluation.gate import EvalConfig, load_eval_config, select_fixtures
    from workbench.evaluation.meteor import ensure_wordnet

    if args.dataset:
        return _load_dataset(args.dataset, args.limit), []
    asked = bool(args.subset or args.fixture)
    if recorded is not None and recorded.dataset is not None and not asked:
        return _load_dataset(recorded.dataset.spec, recorded.dataset.limit), []
    ensure_wordnet()  # questions.meteor needs it: say so before any model call, not after
    config_file = evals / "config.toml"
    config = load_eval_config(config_file) if config_file.is_file() else EvalConfig()
    ids = list(args.fixture)
    if not asked and recorded is not None:
        ids = [entry.id for entry in recorded.fixtures]
    return None, select_fixtures(load_fixtures(evals / "fixtures"), config, subset=args.subset,
                                 ids=ids)


def _compare(args: argparse.Namespace, evals: Path, reports_dir: Path) -> int:
    from workbench.evaluation.fixtures import fixture_set_hash
    from workbench.evaluation.history import load_run
    from workbench.evaluation.render import render_versus_markdown, render_versus_terminal
    from workbench.evaluation.report import build_fixture_report, write_report
    from workbench.evaluation.versus import side_of, versus, write_versus

    sides = [_side(text, args.backend) for text in args.compare]
    recorded = {s.label: load_run(s.run) for s in sides if s.run is not None}
    dataset: LoadedDataset | None = None
    chosen: list[Fixture] = []
    if any(s.run is None for s in sides):
        dataset, chosen = _compare_scope(args, evals, next(iter(recorded.values()), None))
    compared, named = [], []
    for side in sides:
        if side.run is not None:
            compared.append(recorded[side.label])
            named.append(side_of(recorded[side.label], side.label, str(side.run.parent)))
            continue
        setup = _set_up(args, evals, backend=side.backend,
                        prompts=str(side.prompts) if side.prompts else None,
                        replay=str(side.recording) if side.recording else None, record=None)
        if dataset is not None:
            report = _dataset_report(args, setup, dataset)
        else:
            repeated = _fixture_runs(args, setup, chosen)
            report = build_fixture_report(
                repeated[0], setup.finish(fixture_set_hash=fixture_set_hash(chosen)),
                baseline_backend=None, subset=args.subset, comparison=None,
                repeats=repeated[1:])
        folder = write_report(report, reports_dir)
        _say(args.quiet, f"{side.label}: {folder}/")
        compared.append(report)
        named.append(side_of(report, side.label, str(folder)))
    result = versus(compared[0], compared[1], named[0], named[1])
    folder = write_versus(result, render_versus_markdown(result), reports_dir)
    sys.stdout.write(render_versus_terminal(result, folder))
    return 0
