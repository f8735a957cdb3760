"""The eval report rendered: the lines ``workbench eval`` prints (``render_terminal``), the
Markdown summary (``render_markdown``) and JUnit XML (``render_junit``: one testcase per fixture
and per gated metric, or per metric of a dataset), and the per-claim diff as lines. Every number
is shown with its 95% interval, every delta with its paired one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import one_line
from workbench.evaluation.diff import ClaimChange, FixtureDiff
from workbench.evaluation.gate import MetricDelta, is_regression
from workbench.evaluation.metrics import HEADLINE, METRICS, Metric, format_value
from workbench.evaluation.stats import Interval

if TYPE_CHECKING:  # report.py imports this module to write its files
    from workbench.evaluation.dataset_runner import DatasetRun
    from workbench.evaluation.provenance import Provenance
    from workbench.evaluation.report import EvalReport
    from workbench.evaluation.versus import MetricVerdict, Side, VersusReport

INTERVALS_NOTE = ("95% intervals: bootstrap over items (articles, gold sentences or claims); "
                  "deltas: paired, on the items both runs have")


def slug(text: str) -> str:
    """``text`` safe in a file name (a backend name in a run folder or a suite name)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "backend"


def _metric(name: str) -> Metric | None:
    return METRICS.get(name)


def _delta(value: float | None, metric: Metric | None) -> str:
    if value is None:
        return ""
    text = format_value(abs(value), metric)
    return ("+" if value >= 0 else "-") + text


def format_interval(interval: Interval | None, metric: Metric | None = None, *,
                    signed: bool = False) -> str:
    """'[0.650, 0.780]', or signed for a delta '[-0.080, +0.020]'; '' without an interval."""
    if interval is None:
        return ""

    def one(value: float) -> str:
        return _delta(value, metric) if signed else format_value(value, metric)

    return f"[{one(interval.low)}, {one(interval.high)}]"


def gate_status(delta: MetricDelta) -> str:
    """'REGRESSION'; 'within noise' for a paired metric beyond its tolerance that its noise
    explains; else ''."""
    if delta.regressed:
        return "REGRESSION"
    if (delta.noise == "paired" and delta.tolerance is not None
            and is_regression(delta.name, delta.baseline, delta.current, delta.tolerance)):
        return "within noise"
    return ""


def delta_summary(delta: MetricDelta) -> str:
    """'claims.f1 0.650 vs baseline 0.700 (delta -0.050, paired 95% interval [-0.080, -0.020];
    tolerance 0.040)': the gate's evidence for one metric."""
    metric = _metric(delta.name)
    evidence = f"delta {_delta(delta.delta, metric) or 'n/a'}"
    if delta.interval is not None:
        evidence += f", paired 95% interval {format_interval(delta.interval, metric, signed=True)}"
    tolerance = f"tolerance {format_value(delta.tolerance, metric)}"
    if delta.noise == "paired":
        tolerance += ", rule paired"
    return (f"{delta.name} {format_value(delta.current, metric)} vs baseline "
            f"{format_value(delta.baseline, metric)} ({evidence}; {tolerance})")


def claim_change_lines(change: ClaimChange) -> list[str]:
    """Human lines of one claim change: `+ added`, `- dropped`, `~ changed (fields)`."""
    def describe(view):  # type: ignore[no-untyped-def]
        gold = f", gold #{view.gold}" if view.gold else ", no gold match"
        label = view.label or "unrated"
        return f'{view.id} [{view.sentence_id}] "{one_line(view.text, 80)}" ({label}{gold})'

    if change.change == "added" and change.after is not None:
        return [f"+ {describe(change.after)}"]
    if change.change == "dropped" and change.before is not None:
        return [f"- {describe(change.before)}"]
    assert change.before is not None and change.after is not None
    lines = [f"~ {describe(change.after)}: {', '.join(change.fields)} changed"]
    for field in change.fields:
        old, new = getattr(change.before, field), getattr(change.after, field)
        if field == "text":
            lines.append(f'    was "{one_line(str(old), 80)}"')
        elif field == "quote":
            lines.append(f'    quote was "{one_line(str(old), 50)}"')
        else:
            lines.append(f"    {field}: {old} -> {new}")
    return lines


def diff_lines(diff: FixtureDiff) -> list[str]:
    counts = diff.counts()
    head = (f"{diff.fixture_id}: {counts['added']} added, {counts['dropped']} dropped, "
            f"{counts['changed']} changed, {diff.unchanged} unchanged")
    if diff.sentences:
        head += f"; {len(diff.sentences)} sentence status change(s)"
    lines = [head]
    for change in diff.claims:
        lines += ["  " + line for line in claim_change_lines(change)]
    for sentence in diff.sentences:
        gold = f" (gold {sentence.gold})" if sentence.gold else ""
        lines.append(f'  s "{sentence.sentence}": {sentence.before} -> {sentence.after}{gold}')
    return lines


def regression_line(report: EvalReport) -> str | None:
    """The one line naming every regressed metric, or None when the gate passed."""
    comparison = report.comparison
    if comparison is None or not comparison.regressions:
        return None
    parts = [delta_summary(delta) for delta in comparison.deltas if delta.regressed]
    parts += [f"{name}: {delta_summary(delta)}" for name, subset in comparison.subsets.items()
              for delta in subset.deltas if delta.regressed]
    return (f"regression in {len(parts)} metric(s) against {comparison.baseline_path}: "
            + "; ".join(parts))


def _subset_cell(value: str, delta: MetricDelta | None, metric: Metric | None) -> str:
    """'0.650' or '0.650 -0.050' (delta against the baseline's number for the subset), with
    ' REGRESSION' when the gate fails the subset on it."""
    if delta is None or delta.delta is None:
        return value
    return f"{value} {_delta(delta.delta, metric)}" + (" REGRESSION" if delta.regressed else "")


def subset_rows(report: EvalReport) -> tuple[list[str], list[list[str]]]:
    """The headline metrics of the whole run beside each gated subset in it: the column heads
    and one row per metric (name, whole run, then each subset with its delta)."""
    comparison = report.comparison
    heads = [f"all ({len(report.fixtures)})"]
    heads += [f"{name} ({len(entry.fixtures)})" for name, entry in report.sets.items()]
    rows = []
    for name in HEADLINE:
        metric = _metric(name)
        row = [name, format_value(report.metrics.get(name), metric)]
        for subset, entry in report.sets.items():
            compared = comparison.subsets.get(subset) if comparison else None
            delta = next((d for d in compared.deltas if d.name == name), None) if compared \
                else None
            row.append(_subset_cell(format_value(entry.metrics.get(name), metric), delta, metric))
        rows.append(row)
    return heads, rows


def _subset_lines(report: EvalReport) -> list[str]:
    if not report.sets:
        return []
    heads, rows = subset_rows(report)
    gated = "; delta against the baseline's numbers for the subset, gated on its own" \
        if report.comparison is not None and report.comparison.subsets else ""
    lines = [f"by subset (tuning: rules may be fitted to it; checking: never read while writing "
             f"rules){gated}:",
             f"  {'metric':<30}" + "".join(f"{head:>22}" for head in heads)]
    for row in rows:
        lines.append(f"  {row[0]:<30}" + "".join(f"{cell:>22}" for cell in row[1:]))
    return lines


def render_terminal(report: EvalReport, folder: Path | None = None) -> str:
    """What ``workbench eval`` prints on stdout."""
    p = report.provenance
    lines = []
    if report.dataset is not None:
        d = report.dataset
        lines.append(f"eval {p.backend} ({p.model}) on {d.spec}: {d.items} of {d.total} items"
                     + (f" (stable sample, --limit {d.limit})" if d.limit is not None else "")
                     + (f"; {d.skipped} more sampled but without gold" if d.skipped else ""))
        spread = report.repeated.spread if report.repeated else None
        lines.append(f"{'metric':<32}{'backend':>10}  {'95% interval':<18}"
                     + (f"{'run sd':>8}" if spread is not None else "") + f"{'heuristic':>11}")
        for name, value in d.metrics.items():
            metric = _metric(name)
            beside = format_value(d.heuristic.get(name), metric) if name in d.heuristic else ""
            interval = format_interval(report.intervals.get(name), metric)
            sd = _spread(spread, name, metric) if spread is not None else None
            lines.append(f"{name:<32}{format_value(value, metric):>10}  {interval:<18}"
                         + (f"{sd:>8}" if sd is not None else "") + f"{beside:>11}")
        lines += _repeat_lines(report)
    else:
        subset = f" (subset {report.subset})" if report.subset else ""
        lines.append(f"eval {p.backend} ({p.model}) on {len(report.fixtures)} fixtures{subset}, "
                     f"fixture set {str(p.fixture_set_hash)[:12]}")
        for entry in report.fixtures:
            failed = f", {len(entry.failures)} failed steps" if entry.failures else ""
            lines.append(f"  {entry.id:<36} {entry.summary} · {entry.seconds:.0f}s{failed}")
        lines += _metric_table(report)
        lines += _repeat_lines(report)
        lines += _subset_lines(report)
        comparison = report.comparison
        if comparison is not None:
            # Where the paired rule had to fall back; report.json keeps every delta's note.
            notes = [f"{d.name}: {d.note}" for d in comparison.deltas
                     if d.noise == "paired" and d.note]
            if comparison.not_in_baseline:
                notes.append("not in the baseline (not gated): "
                             + ", ".join(comparison.not_in_baseline))
            if comparison.article_changed:
                notes.append(f"article changed since the baseline (not compared): "
                             f"{', '.join(comparison.article_changed)}")
            if comparison.relabelled:
                notes.append(f"labels changed since the baseline (baseline re-scored): "
                             f"{', '.join(comparison.relabelled)}")
            lines += [f"note: {n}" for n in notes]
            lines.append(f"per-claim diff against the baseline ({comparison.baseline_path}, "
                         f"blessed {comparison.blessed_at}):")
            changed = [d for d in comparison.diffs if not d.empty]
            if not changed:
                lines.append("  no claim or sentence status changed")
            for diff in changed:
                lines += ["  " + line for line in diff_lines(diff)]
            for fixture_id, names in comparison.fixture_regressions.items():
                lines.append(f"  {fixture_id}: worse than its baseline entry on {', '.join(names)}")
        elif report.no_baseline:
            lines.append(f"no baseline at {report.no_baseline}: nothing to compare with "
                         "(run with --bless to create it)")
    if report.blessed:
        lines.append(f"blessed: wrote the baseline {report.blessed}")
    if folder is not None:
        lines.append(f"report: {folder}/ (summary.md, report.json, junit.xml)")
    # A regression is reported by the caller, as the one error line on stderr.
    if report.comparison is not None and not report.regressions:
        gated = len(report.comparison.fixtures)
        subsets = ", ".join(report.comparison.subsets)
        each = f" (and subset(s) {subsets}, each on its own)" if subsets else ""
        lines.append(f"no regression: {gated} fixtures within tolerance of the baseline{each}"
                     if gated else "nothing gated: no fixture of this run is in the baseline")
    return "\n".join(lines) + "\n"


def _spread(spread: dict[str, float], name: str, metric: Metric | None) -> str:
    return format_value(spread[name], metric) if name in spread else ""


def _repeat_lines(report: EvalReport) -> list[str]:
    if report.repeated is None:
        return []
    return [f"repeat: every item ran {len(report.repeated.runs)} times without the cache; the "
            "metrics pool the runs; run sd is the standard deviation from run to run, the "
            "interval the spread over items"]


def _metric_table(report: EvalReport) -> list[str]:
    comparison = report.comparison
    deltas = {d.name: d for d in comparison.deltas} if comparison else {}
    spread = report.repeated.spread if report.repeated else None
    scope = ""
    if comparison and sorted(comparison.fixtures) != sorted(e.id for e in report.fixtures):
        scope = f" (baseline columns over the {len(comparison.fixtures)} fixtures both have)"
    lines = [f"metrics{scope}; {INTERVALS_NOTE}:",
             f"  {'metric':<30}{'backend':>8}  {'95% interval':<16}"
             + (f"{'run sd':>7}" if spread is not None else "")
             + f"{'heuristic':>10}{'baseline':>9}{'delta':>8}  {'delta 95% interval':<19}"
             f"{'tolerance':>9}"]
    gated = [d.name for d in deltas.values() if d.tolerance is not None]
    names = list(dict.fromkeys([*HEADLINE, *gated]))
    for name in names:
        metric = _metric(name)
        d = deltas.get(name)
        status = f"  {gate_status(d)}" if d is not None and gate_status(d) else ""
        tolerance = format_value(d.tolerance, metric) if d and d.tolerance is not None else ""
        heuristic = format_value(report.heuristic.get(name), metric) if not name.startswith(
            "health.") else ""
        sd = f"{_spread(spread, name, metric):>7}" if spread is not None else ""
        lines.append(
            f"  {name:<30}{format_value(report.metrics.get(name), metric):>8}  "
            f"{format_interval(report.intervals.get(name), metric):<16}{sd}{heuristic:>10}"
            f"{format_value(d.baseline, metric) if d else '':>9}"
            f"{_delta(d.delta, metric) if d else '':>8}  "
            f"{format_interval(d.interval, metric, signed=True) if d else '':<19}"
            f"{tolerance:>9}{status}"
        )
    return lines


def render_markdown(report: EvalReport, run_name: str = "") -> str:
    p = report.provenance
    out = [f"# Eval report {run_name}".rstrip(), ""]
    if report.dataset is not None:
        out += _dataset_markdown(report, report.dataset, p)
    else:
        out += _fixtures_markdown(report)
    out += ["", "## Provenance", "", "| | |", "| --- | --- |"]
    dirty = " (dirty)" if p.git_dirty else ""
    prompts = ", ".join(f"{i.name} {i.version} ({i.hash})" for i in p.prompts)
    rows = [
        ("git commit", f"{p.git_commit}{dirty}"), ("backend", p.backend), ("model", p.model),
        ("api_base", p.api_base or ""), ("prompts", f"{prompts} from {p.prompts_dir}"),
        ("fixture set", p.fixture_set_hash or ""), ("dataset", p.dataset or ""),
        ("dataset sha256", p.dataset_sha256 or ""), ("record", p.record or ""),
        ("replay", p.replay or ""), ("cache", "on" if p.cache else "off"),
        ("packages", ", ".join(f"{k} {v}" for k, v in p.packages.items())),
        ("python", f"{p.python} on {p.platform}"), ("started", p.started_at),
        ("finished", p.finished_at), ("seconds", f"{p.seconds:.1f}"),
    ]
    out += [f"| {k} | {v} |" for k, v in rows if v]
    return "\n".join(out) + "\n"


def _dataset_markdown(report: EvalReport, run: DatasetRun, p: Provenance) -> list[str]:
    sample = f" (stable sample, limit {run.limit})" if run.limit is not None else ""
    skipped = f"; {run.skipped} more sampled but without gold" if run.skipped else ""
    spread = report.repeated.spread if report.repeated else None
    out = [f"Backend **{p.backend}** (`{p.model}`) on **{run.spec}**: {run.items} of {run.total} "
           f"items{sample}{skipped}. {INTERVALS_NOTE}.", *_repeat_lines(report), "",
           "| metric | backend | 95% interval |" + (" run sd |" if spread is not None else "")
           + " heuristic | meaning |",
           "| --- | ---: | --- |" + (" ---: |" if spread is not None else "") + " ---: | --- |"]
    for name, value in run.metrics.items():
        metric = _metric(name)
        beside = format_value(run.heuristic.get(name), metric) if name in run.heuristic else ""
        sd = f" {_spread(spread, name, metric)} |" if spread is not None else ""
        out.append(f"| {name} | {format_value(value, metric)} | "
                   f"{format_interval(report.intervals.get(name), metric)} |{sd} {beside} | "
                   f"{run.descriptions.get(name, '')} |")
    return out


def _fixtures_markdown(report: EvalReport) -> list[str]:
    p = report.provenance
    subset = f" (subset `{report.subset}`)" if report.subset else ""
    out = [f"Backend **{p.backend}** (`{p.model}`) on {len(report.fixtures)} fixtures{subset}; "
           "the heuristic column is the cue-based, no-model baseline on the same gold.", ""]
    line = regression_line(report)
    if line:
        out += [f"**{line}**", ""]
    elif report.comparison is not None:
        out += ["No regression against the baseline.", ""]
    elif report.no_baseline:
        out += [f"No baseline at `{report.no_baseline}`.", ""]
    deltas = {d.name: d for d in report.comparison.deltas} if report.comparison else {}
    spread = report.repeated.spread if report.repeated else None
    out += [f"{INTERVALS_NOTE}.", *_repeat_lines(report), ""]
    out += ["| metric | backend | 95% interval |" + (" run sd |" if spread is not None else "")
            + " heuristic | baseline | delta | delta 95% interval | tolerance | |",
            "| --- | ---: | --- |" + (" ---: |" if spread is not None else "")
            + " ---: | ---: | ---: | --- | ---: | --- |"]
    for name in METRICS:
        metric = _metric(name)
        delta = deltas.get(name)
        beside = "" if name.startswith("health.") else format_value(
            report.heuristic.get(name), metric)
        tolerance = delta.tolerance if delta is not None else None
        status = gate_status(delta) if delta is not None else ""
        sd = f" {_spread(spread, name, metric)} |" if spread is not None else ""
        out.append(
            f"| {name} | {format_value(report.metrics.get(name), metric)} | "
            f"{format_interval(report.intervals.get(name), metric)} |{sd} {beside} | "
            f"{format_value(delta.baseline, metric) if delta else ''} | "
            f"{_delta(delta.delta, metric) if delta else ''} | "
            f"{format_interval(delta.interval, metric, signed=True) if delta else ''} | "
            f"{format_value(tolerance, metric) if tolerance is not None else ''} | "
            f"{'**regression**' if status == 'REGRESSION' else status} |"
        )
    notes = [f"- {d.name}: {d.note}" for d in deltas.values() if d.noise == "paired" and d.note]
    if notes:
        out += ["", *notes]
    if report.sets:
        heads, rows = subset_rows(report)
        out += ["", "## By subset", "",
                "`tuning`: the fixtures rules may be changed against; `checking`: scored and "
                "gated, never read while writing rules (evals/README.md). A subset's delta is "
                "against the baseline's numbers for that subset; the gate fails on a regression "
                "in either.", "",
                "| metric | " + " | ".join(heads) + " |",
                "| --- | " + " | ".join("---:" for _ in heads) + " |"]
        out += ["| " + " | ".join(row).replace(" REGRESSION", " **regression**") + " |"
                for row in rows]
    out += ["", "## By genre", "",
            "| genre | fixtures | sentences.f1 | claims.f1 | sentence_checkworthiness.f1 "
            "| heuristic sentences.f1 |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    for genre, group in report.genres.items():
        ours, theirs = group.metrics, group.heuristic
        out.append(f"| {genre} | {', '.join(group.fixtures)} | "
                   f"{format_value(ours.get('sentences.f1'))} | "
                   f"{format_value(ours.get('claims.f1'))} | "
                   f"{format_value(ours.get('sentence_checkworthiness.f1'))} | "
                   f"{format_value(theirs.get('sentences.f1'))} |")
    out += ["", "## Fixtures", "", "| fixture | result | seconds | failed steps |",
            "| --- | --- | ---: | ---: |"]
    for entry in report.fixtures:
        out.append(f"| {entry.id} | {entry.summary} | {entry.seconds:.0f} | "
                   f"{len(entry.failures)} |")
    if report.comparison is not None:
        out += ["", "## Per-claim diff against the baseline", ""]
        changed = [d for d in report.comparison.diffs if not d.empty]
        if not changed:
            out.append("No claim or sentence status changed.")
        for diff in changed:
            out += ["```", *diff_lines(diff), "```"]
    return out


def _side_line(name: str, side: Side) -> str:
    run = f" · run {side.run}" if side.run and side.run != side.label else ""
    return f"{name} = {side.label}: {side.backend} ({side.model}); prompts {side.prompts}{run}"


def _items_of(verdict: MetricVerdict) -> str:
    return f"{verdict.items} {verdict.unit}{'' if verdict.items == 1 else 's'}"


def _verdict_counts(result: VersusReport) -> str:
    counts: dict[str, int] = {}
    for verdict in result.verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in counts.items())


def render_versus_terminal(result: VersusReport, folder: Path | None = None) -> str:
    """What ``workbench eval --compare A B`` prints: one verdict per metric, B against A."""
    lines = [f"compare on {result.scope}: B against A, per metric, by the paired 95% interval "
             "of B - A on the items both have",
             "  " + _side_line("A", result.a), "  " + _side_line("B", result.b),
             f"  {'metric':<30}{'A':>8}{'B':>8}{'delta':>8}  {'delta 95% interval':<19}"
             f"{'items':<15}verdict"]
    for v in result.verdicts:
        metric = _metric(v.name)
        lines.append(f"  {v.name:<30}{format_value(v.a, metric):>8}{format_value(v.b, metric):>8}"
                     f"{_delta(v.delta, metric):>8}  "
                     f"{format_interval(v.interval, metric, signed=True):<19}"
                     f"{_items_of(v):<15}{v.verdict}")
    if result.left_out:
        lines.append(f"left out (one side lacks them, or their labels differ): "
                     f"{', '.join(result.left_out)}")
    lines.append(f"verdicts: {_verdict_counts(result)}")
    if folder is not None:
        lines.append(f"compare: {folder}/ (compare.md, compare.json)")
    return "\n".join(lines) + "\n"


def render_versus_markdown(result: VersusReport) -> str:
    out = [f"# Compare: B against A on {result.scope}", "",
           f"- {_side_line('A', result.a)}", f"- {_side_line('B', result.b)}", "",
           "Per metric, the paired 95% bootstrap interval of B - A on the items both have: "
           "wholly above or below zero is a difference these items can show (better or worse "
           "in the metric's direction), zero inside is no detectable difference.", "",
           "| metric | A | B | delta | delta 95% interval | items | verdict |",
           "| --- | ---: | ---: | ---: | --- | ---: | --- |"]
    for v in result.verdicts:
        metric = _metric(v.name)
        verdict = f"**{v.verdict}**" if v.verdict in ("better", "worse") else v.verdict
        out.append(f"| {v.name} | {format_value(v.a, metric)} | {format_value(v.b, metric)} | "
                   f"{_delta(v.delta, metric)} | "
                   f"{format_interval(v.interval, metric, signed=True)} | {_items_of(v)} | "
                   f"{verdict} |")
    if result.left_out:
        out += ["", f"Left out (one side lacks them, or their labels differ): "
                f"{', '.join(result.left_out)}."]
    out += ["", f"Verdicts: {_verdict_counts(result)}. Created {result.created_at}."]
    return "\n".join(out) + "\n"


def render_junit(report: EvalReport) -> str:
    """JUnit XML: one testcase per fixture and one per gated metric (or per metric of a dataset)."""
    p = report.provenance
    suite = ET.Element("testsuite", name=f"workbench-eval.{slug(p.backend)}",
                       timestamp=p.started_at, time=f"{p.seconds:.1f}")
    properties = ET.SubElement(suite, "properties")
    for key, value in (("backend", p.backend), ("model", p.model),
                       ("git_commit", p.git_commit or ""), ("git_dirty", str(p.git_dirty)),
                       ("fixture_set_hash", p.fixture_set_hash or ""),
                       ("prompts", " ".join(f"{i.name}={i.hash}" for i in p.prompts))):
        ET.SubElement(properties, "property", name=key, value=value)
    cases: list[ET.Element] = []
    comparison = report.comparison
    if report.dataset is not None:
        for key, number in report.dataset.metrics.items():
            case = ET.Element("testcase", classname=f"dataset.{report.dataset.dataset}", name=key)
            interval = format_interval(report.intervals.get(key), _metric(key))
            ET.SubElement(case, "system-out").text = (
                f"{key} = {format_value(number, _metric(key))}"
                + (f" {interval}" if interval else "")
                + f" (heuristic {format_value(report.dataset.heuristic.get(key), _metric(key))})")
            cases.append(case)
    for entry in report.fixtures:
        case = ET.Element("testcase", classname="fixtures", name=entry.id,
                          time=f"{entry.seconds:.1f}")
        worse = comparison.fixture_regressions.get(entry.id) if comparison else None
        if worse:
            ET.SubElement(case, "failure", message=f"worse than its baseline entry on "
                          f"{', '.join(worse)}")
        diff = next((d for d in comparison.diffs if d.fixture_id == entry.id), None) \
            if comparison else None
        text = [entry.summary, *(f"{k} = {format_value(v, _metric(k))}"
                                 for k, v in entry.metrics.items()), *entry.failures]
        if diff is not None:
            text += diff_lines(diff)
        ET.SubElement(case, "system-out").text = "\n".join(text)
        cases.append(case)
    if comparison is not None:
        gated = [("gate", delta) for delta in comparison.deltas]
        gated += [(f"gate.{name}", delta) for name, subset in comparison.subsets.items()
                  for delta in subset.deltas]
        for classname, delta in gated:
            if delta.tolerance is None:
                continue
            case = ET.Element("testcase", classname=classname, name=delta.name)
            summary = delta_summary(delta) + (f"; {delta.note}" if delta.note else "")
            if delta.regressed:
                ET.SubElement(case, "failure", message=f"regression: {summary}")
            elif delta.baseline is None:
                ET.SubElement(case, "skipped", message=f"undefined in the baseline: {summary}")
            ET.SubElement(case, "system-out").text = summary
            cases.append(case)
    for case in cases:
        suite.append(case)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("errors", "0")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
