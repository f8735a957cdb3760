"""The command line: exit codes 0/1/2, one-line errors, formats, --out, stdin, cache, backends.

Runs ``workbench.cli.main`` in-process (capsys) on the model-free ``fake/...`` backend, plus a
few real subprocesses for what only a process shows (exit status, stdin, no traceback).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.configs import http_config
from tests.support.fault_server import FaultServer
from tests.support.net import free_port
from workbench import cli
from workbench.cli import main

REPO = Path(__file__).resolve().parent.parent
WORKBENCH = REPO / ".venv" / "bin" / "workbench"

ARTICLE = """# Council approves road budget

By Jane Doe

The city council approved a budget of 4.2 million dollars for road repairs on Tuesday. Mayor Ana \
Ruiz said the work would start in May. What a wonderful day!

Subscribe to our newsletter.
"""
# The fake backend restates a sentence as its claim: this one is rejected as degenerate output.
DEGENERATE = "Data data data data: 5 per cent of roads are broken."


@pytest.fixture()
def workdir(chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory with ./workbench.toml (fake default, a dead server) and an article."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))
    (chdir_tmp / "workbench.toml").write_text(
        f"""default = "fake"

[backends.fake]
model = "fake/heuristic"

[backends.down]
model = "openai/nothing"
api_base = "http://127.0.0.1:{free_port()}/v1"
retries = 0
timeout = 5
""",
        encoding="utf-8",
    )
    (chdir_tmp / "article.md").write_text(ARTICLE, encoding="utf-8")
    return chdir_tmp


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------------------------
# extract
# --------------------------------------------------------------------------------------------


def test_extract_prints_the_json_report(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "extract", "article.md")
    assert code == 0, err
    report = json.loads(out)
    assert report["run"]["backend"] == "fake"
    assert report["claims"] and all(
        report["article"]["text"][c["start"] : c["end"]] == c["quote"] for c in report["claims"]
    )
    assert "claims ·" in err and "cache hits" in err  # the summary goes to stderr


PAGE = """<!doctype html><html><head><title>Budget</title>
<meta property="article:published_time" content="2026-10-14T08:00:00+00:00"></head><body>
<article><h1>Council approves road budget</h1>
<p>The city council approved a budget of 4.2 million dollars for road repairs on Monday.</p>
<p>Residents have complained about the potholes in the northern districts for many years.</p>
</article></body></html>"""


def test_extract_html_dates_the_article_and_its_claims(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "page.html").write_text(PAGE, encoding="utf-8")
    code, out, err = run(capsys, "extract", "page.html", "--quiet")
    assert code == 0, err
    report = json.loads(out)
    assert report["article"]["date"] == "2026-10-14"  # the page's published date
    [claim] = [c for c in report["claims"] if "approved" in c["quote"]]
    assert claim["time"] == {
        "expression": "Monday",
        "basis": "relative",
        "unit": "day",
        "start": "2026-10-12",  # the Monday before that Wednesday
        "end": "2026-10-12",
    }
    # The fake model plans evidence without an as_of: the claim's time fills it in.
    assert claim["evidence"] and {n["as_of"] for n in claim["evidence"]} == {"2026-10-12"}
    code, out, _ = run(capsys, "extract", "page.html", "--quiet", "--format", "md")
    # (the brief escapes what would be Markdown syntax at a line start: "2026\-10" reads "2026-10")
    assert "- **Time:** 2026\\-10-12 (“Monday”, relative to the article date)" in out
    code, out, _ = run(capsys, "extract", "page.html", "--quiet", "--format", "averitec")
    # AVeriTeC's claim date is when the claim was published: the article's date.
    assert {item["claim_date"] for item in json.loads(out)} == {"14-10-2026"}


@pytest.mark.parametrize("fmt", ["json", "md", "csv"])
def test_formats(workdir: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "extract", "article.md", "--format", fmt, "--quiet")
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["claims"]
    elif fmt == "md":
        assert out.startswith("# Fact-check brief: Council approves road budget")
    else:
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and rows[0]["id"] == "c1"


def test_out_writes_the_file_and_nothing_to_stdout(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "extract", "article.md", "--format", "md", "--out", "brief.md")
    assert code == 0 and out == ""
    assert (workdir / "brief.md").read_text(encoding="utf-8").startswith("# Fact-check brief")
    assert "claims ·" in err


def test_quiet_prints_nothing_on_stderr(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "extract", "article.md", "--quiet")
    assert code == 0 and out and err == ""


def test_stdin(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode("utf-16"))))
    code, out, _ = run(capsys, "extract", "-", "--quiet")
    assert code == 0
    report = json.loads(out)
    assert report["article"]["source"] == "-"
    assert report["article"]["title"] == "Council approves road budget"


def test_second_run_is_served_from_the_cache(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "extract", "article.md", "--quiet")
    code, out, err = run(capsys, "extract", "article.md")
    assert code == 0 and " 0 misses" in err
    assert json.loads(out)["run"]["totals"]["cache_misses"] == 0
    code, out, err = run(capsys, "extract", "article.md", "--no-cache")
    assert code == 0 and " 0 cache hits" in err


def test_failed_steps_exit_1_and_the_report_is_still_written(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "bad.txt").write_text(
        f"{DEGENERATE} The council met on Tuesday in 2025.", encoding="utf-8"
    )
    code, out, err = run(capsys, "extract", "bad.txt", "--out", "bad.json")
    assert code == 1
    report = json.loads((workdir / "bad.json").read_text(encoding="utf-8"))
    assert [f["stage"] for f in report["failures"]] == ["extract"]
    assert [s["status"] for s in report["sentences"]] == ["failed", "claims"]
    line = one_error_line("\n".join(x for x in err.splitlines() if x.startswith("error")))
    assert "1 step(s) failed" in line


# --------------------------------------------------------------------------------------------
# Errors: exit 2 for the user's mistakes, 1 for the run, one line, no traceback
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["extract", "missing.md"], "missing.md: no such file"),
        (["extract", "."], "is a directory"),
        (["extract", "empty.txt"], "the article is empty"),
        (["extract", "blob.bin"], "binary"),
        (["extract", "article.md", "--backend", "gpt"], "unknown backend 'gpt'; configured"),
        (["extract", "article.md", "--config", "nope.toml"], "config file from --config not found"),
        (["extract", "article.md", "--config", "broken.toml"], "not valid TOML"),
        (["extract", "article.md", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["extract", "article.md", "--prompts", "noprompts"], "prompts directory not found"),
        (["extract"], "the following arguments are required: path"),
        ([], "the following arguments are required: command"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["extract", "article.md", "--colour"], "unrecognized arguments: --colour"),
        (["cache", "purge"], "invalid choice: 'purge'"),
        (["backends", "--backend", "gpt"], "unknown backend 'gpt'"),
        (["extract", "article.md", "--out", "no/such/dir/x.json"], "directory no/such/dir does"),
        (["extract", "article.md", "--out", "."], "--out .: is a directory"),
        (["batch", "article.md", "--out", "no/x.jsonl"], "--out no/x.jsonl: directory no"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (workdir / "empty.txt").write_text("  \n", encoding="utf-8")
    (workdir / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (workdir / "broken.toml").write_text("default = ", encoding="utf-8")
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in one_error_line(err)
    assert out == ""


def test_unreachable_backend_exits_1_with_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "extract", "article.md", "--backend", "down", "--quiet")
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert "backend 'down'" in line and "cannot connect" in line and "127.0.0.1" in line


def test_internal_error_is_one_line_and_debug_shows_the_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("renderer exploded\nwith a second line")

    monkeypatch.setattr(cli, "render", broken)
    code, _, err = run(capsys, "extract", "article.md", "--quiet")
    assert code == 1
    line = one_error_line(err)
    assert "internal error RuntimeError: renderer exploded with a second line" in line
    assert "--debug" in line
    code, _, err = run(capsys, "extract", "article.md", "--quiet", "--debug")
    assert code == 1
    assert "Traceback (most recent call last)" in err and 'raise RuntimeError("renderer' in err


def test_debug_shows_the_traceback_of_user_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "extract", "missing.md", "--debug")
    assert code == 2
    assert "Traceback" in err and err.rstrip().endswith("error: missing.md: no such file")


# --------------------------------------------------------------------------------------------
# cache, backends (batch: tests/test_batch.py)
# --------------------------------------------------------------------------------------------


def test_cache_stats_and_clear(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cache", "stats")
    assert code == 0 and ": 0 entries" in out
    run(capsys, "extract", "article.md", "--quiet")
    code, out, _ = run(capsys, "cache", "stats")
    entries = int(out.split(": ")[1].split()[0])
    assert code == 0 and entries > 0 and str(workdir / "cache") in out
    code, out, _ = run(capsys, "cache", "clear")
    assert code == 0 and out.startswith(f"removed {entries} entries")
    assert ": 0 entries" in run(capsys, "cache", "stats")[1]


def test_backends_lists_configured_and_builtin(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "backends")
    assert code == 0
    lines = out.splitlines()
    assert "fake (default): fake/heuristic" in lines
    assert "builtin: builtin/classifier+rules" in lines
    assert "embedded: embedded/smollm2-135m-instruct" in lines
    assert any(line.startswith("down: openai/nothing at http://127.0.0.1:") for line in lines)


def test_backends_check_of_the_builtin_backend_says_it_has_no_model(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "backends", "--check", "--backend", "builtin")
    assert code == 0
    assert out.startswith(
        "builtin: reachable at in-process · no model: classifier and rules answer every stage"
    )


def test_backends_check(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "backends", "--check", "--backend", "fake")
    assert code == 0 and out.startswith("fake: reachable at in-process · schema enforced")
    code, out, _ = run(capsys, "backends", "--check", "--backend", "down")
    assert code == 1
    assert out.startswith("down: UNREACHABLE at http://127.0.0.1:") and "cannot connect" in out
    assert len(out.strip().splitlines()) == 1


# --------------------------------------------------------------------------------------------
# Real processes
# --------------------------------------------------------------------------------------------


def _process(workdir: Path, *argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(WORKBENCH), *argv],
        input=stdin,
        capture_output=True,
        cwd=workdir,
        timeout=120,
        check=False,
    )


def test_process_exit_codes_and_stdin(workdir: Path) -> None:
    done = _process(
        workdir, "extract", "-", "--format", "csv", "--quiet", stdin=ARTICLE.encode("utf-8")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("rank,id,sentence_id,text,quote")
    assert done.stderr == b""

    done = _process(workdir, "extract", "missing.md")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "error: missing.md: no such file"
    assert done.stdout == b""


def other_config(directory: Path) -> Path:
    """A config in another folder whose default backend is 'other' (the fake model)."""
    path = directory / "other.toml"
    path.write_text('default = "other"\n\n[backends.other]\nmodel = "fake/other"\n', "utf-8")
    return path


@pytest.mark.parametrize("position", ["before", "after"])
def test_global_options_work_before_or_after_the_subcommand(
    workdir: Path, capsys: pytest.CaptureFixture[str], position: str
) -> None:
    config = ["--config", str(other_config(workdir))]
    args = ["extract", "article.md", "--quiet"]
    assert main([*config, *args] if position == "before" else [*args, *config]) == 0
    assert json.loads(capsys.readouterr().out)["run"]["backend"] == "other"
    backends = ["backends"]
    assert main([*config, *backends] if position == "before" else [*backends, *config]) == 0
    assert "other" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["extract", "article.md"],
        ["batch", "article.md", "--out", "out.jsonl"],
        ["backends"],
        ["cache", "stats"],
        ["eval", "--fixture", "nothing"],
        ["ui"],
    ],
    ids=lambda args: args[0],
)
@pytest.mark.parametrize("position", ["before", "after"])
def test_a_missing_config_file_is_one_line_exit_2_for_every_subcommand(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], position: str
) -> None:
    missing = ["--config", "missing.toml"]
    assert main([*missing, *args] if position == "before" else [*args, *missing]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: config file from --config not found: missing.toml")
    assert err.count("\n") == 1


def test_ui_passes_the_config_and_streamlit_options(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = other_config(workdir)
    started: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(cli.os, "execve", lambda _exe, argv, env: started.append((argv, env)))
    main(["--config", str(config), "ui", "--server.port", "8777", "--server.headless", "true"])
    argv, env = started[0]
    assert argv[-4:] == ["--server.port", "8777", "--server.headless", "true"]
    assert env["WORKBENCH_CONFIG"] == str(config.resolve())


def test_unknown_options_of_other_subcommands_are_still_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backends", "--server.port", "8777"]) == 2
    assert "unrecognized arguments: --server.port 8777" in capsys.readouterr().err


def test_debug_keeps_third_party_debug_logs_quiet(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    assert main(["extract", "article.md", "--quiet", "--debug"]) == 0
    assert logging.getLogger("workbench").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("LiteLLM").getEffectiveLevel() == logging.WARNING
    assert main(["--debug-all", "extract", "article.md", "--quiet"]) == 0
    assert logging.getLogger("LiteLLM").getEffectiveLevel() == logging.DEBUG


@pytest.mark.parametrize(
    ("fault", "code", "says"),
    [
        (None, 0, "schema enforced (a forbidden answer was refused)"),
        ({"times": 1}, 0, "schema followed without enforcement (valid after 2 attempts)"),
        ({}, 1, "INVALID output: the schema was not followed"),
    ],
)
def test_backends_check_reports_what_the_probe_got_back(
    fresh_server: FaultServer,
    capsys: pytest.CaptureFixture[str],
    fault: dict[str, int] | None,
    code: int,
    says: str,
) -> None:
    if fault is not None:
        fresh_server.fail("invalid", stage="probe", **fault)  # type: ignore[arg-type]
    config = http_config(Path("w.toml"), fresh_server.base_url, name="local", reasks=2)
    assert main(["backends", "--check", "--config", str(config), "--backend", "local"]) == code
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"local: reachable at {fresh_server.base_url} · {says}"), line


@pytest.mark.slow
def test_a_backend_without_its_key_is_its_own_row(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISSING_TEST_KEY", raising=False)
    Path("w.toml").write_text(
        'default = "fake"\n[backends.fake]\nmodel = "fake/x"\n'
        '[backends.hosted]\nmodel = "openai/gpt-4o-mini"\napi_key_env = "MISSING_TEST_KEY"\n',
        encoding="utf-8",
    )
    assert main(["backends", "--check", "--config", "w.toml"]) == 1
    out = capsys.readouterr().out
    assert "hosted: NOT CHECKED · backend 'hosted' needs an API key: set the environment" in out
    assert "fake: reachable at in-process" in out  # the others are still checked


def test_every_option_and_argument_has_help_text() -> None:
    """`--help` explains every option of every subcommand (no bare metavar lines)."""
    import argparse

    from workbench.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {action.dest}"
        for name, sub in subparsers.choices.items()
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []
