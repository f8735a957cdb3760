"""`workbench batch`: resume by content and settings, retry and force without duplicates,
shards that split a folder once and stably, merging shard outputs, crash-safe rewrites.

Runs ``workbench.cli.main`` in-process on the model-free ``fake/...`` backend, plus one real
process killed mid-run (what only a process shows: a crash between appending and compacting).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.configs import fake_config
from workbench.cli import main
from workbench.llm import fake

FLAKY = "FLAKY"  # the flaky responder below gives an invalid answer for sentences with it
HEURISTIC = fake.heuristic_responder


@pytest.fixture()
def workdir(chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory with ./workbench.toml (the fake backend, and 'other', another fake
    model) and a folder of three articles."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))
    config = fake_config(chdir_tmp / "workbench.toml")
    with config.open("a", encoding="utf-8") as handle:
        handle.write('\n[backends.other]\nmodel = "fake/other"\n')
    write_articles(chdir_tmp / "articles", range(3))
    return chdir_tmp


def write_articles(folder: Path, numbers: Any) -> Path:
    folder.mkdir(exist_ok=True)
    for n in numbers:
        (folder / f"a{n:02d}.txt").write_text(
            f"The council met {n + 2} times in {2000 + n}.", encoding="utf-8"
        )
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def summary(err: str) -> str:
    """The final summary line ('N articles: X done, Y skipped (already in OUT), Z failed')."""
    return next(line for line in reversed(err.splitlines()) if " articles: " in line)


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def flaky(request: Any) -> dict[str, Any]:
    """The heuristic fake, except an invalid extract answer for sentences with FLAKY."""
    if request.stage == "extract" and FLAKY in str(request.variables.get("sentence", "")):
        return {}
    return HEURISTIC(request)


# --------------------------------------------------------------------------------------------
# Resume by content and settings
# --------------------------------------------------------------------------------------------


def test_the_same_folder_by_another_path_is_skipped(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 0 and out == ""
    assert summary(err) == "3 articles: 3 done, 0 skipped (already in out.jsonl), 0 failed"
    first = (workdir / "out.jsonl").read_text(encoding="utf-8")
    code, out, err = run(capsys, "batch", str(workdir / "articles"), "--out", "out.jsonl")
    assert code == 0 and out == ""
    assert "3 articles; 3 already in out.jsonl, 0 to run" in err
    assert summary(err) == "3 articles: 0 done, 3 skipped (already in out.jsonl), 0 failed"
    assert (workdir / "out.jsonl").read_text(encoding="utf-8") == first  # untouched
    lines = entries(workdir / "out.jsonl")
    assert len(lines) == 3 and all(line["status"] == "done" for line in lines)
    assert all(line["report"]["claims"] for line in lines)


def test_only_an_added_article_runs(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "articles" / "notes.pdf").write_bytes(b"%PDF")  # not an article: ignored
    assert run(capsys, "batch", "articles", "--out", "out.jsonl", "--quiet")[0] == 0
    write_articles(workdir / "articles", [3])
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 0 and "4 articles; 3 already in out.jsonl, 1 to run" in err
    assert summary(err) == "4 articles: 1 done, 3 skipped (already in out.jsonl), 0 failed"
    assert len(entries(workdir / "out.jsonl")) == 4


def test_a_copy_under_another_name_is_the_same_article(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key is the bytes, not the name; but the suffix decides how the bytes are read."""
    folder = workdir / "articles"
    shutil.copy(folder / "a00.txt", folder / "copy.txt")
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 0 and "3 articles (4 files, 1 a copy of another)" in err
    assert len(entries(workdir / "out.jsonl")) == 3
    (workdir / "later").mkdir()
    shutil.copy(folder / "a01.txt", workdir / "later" / "renamed.txt")
    shutil.copy(folder / "a01.txt", workdir / "later" / "as-markdown.md")
    code, _, err = run(capsys, "batch", "later", "--out", "out.jsonl")
    assert code == 0
    assert summary(err) == "2 articles: 1 done, 1 skipped (already in out.jsonl), 0 failed"
    assert [line["source"] for line in entries(workdir / "out.jsonl")][3:] == [
        "later/as-markdown.md"
    ]


@pytest.mark.parametrize("change", ["prompts", "backend"])
def test_a_setting_that_changes_answers_runs_again(
    workdir: Path, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    assert run(capsys, "batch", "articles", "--out", "out.jsonl", "--quiet")[0] == 0
    shutil.copytree(Path(__file__).resolve().parent.parent / "prompts", workdir / "copied")
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl", "--prompts", "copied")
    assert code == 0 and " 3 skipped" in summary(err)  # the same prompts in another folder
    if change == "prompts":
        prompt = workdir / "copied" / "evidence.toml"
        text = prompt.read_text(encoding="utf-8").replace('version = "', 'version = "9', 1)
        prompt.write_text(text, encoding="utf-8")
        again = ["--prompts", "copied"]
    else:
        again = ["--backend", "other"]
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl", *again)
    assert code == 0
    assert summary(err) == "3 articles: 3 done, 0 skipped (already in out.jsonl), 0 failed"
    lines = entries(workdir / "out.jsonl")
    assert len(lines) == 6 and len({line["key"] for line in lines}) == 6
    assert len({line["content"] for line in lines}) == 3  # each article once per settings


# --------------------------------------------------------------------------------------------
# Failures: skipped by default, retried with --retry-failed, never duplicated; --force
# --------------------------------------------------------------------------------------------


def test_a_failed_article_is_skipped_then_retried_in_place(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workdir / "articles"
    (folder / "a01.txt").write_text(f"The {FLAKY} council met 7 times in 2001.", "utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    with monkeypatch.context() as patched:
        patched.setattr(fake, "heuristic_responder", flaky)
        code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 1
    assert summary(err) == "4 articles: 2 done, 0 skipped (already in out.jsonl), 2 failed"
    assert err.splitlines()[-1].startswith("error: 2 article(s) failed or are incomplete")
    before = entries(workdir / "out.jsonl")
    status = {Path(line["source"]).name: line["status"] for line in before}
    assert status == {"a00.txt": "done", "a01.txt": "incomplete", "a02.txt": "done",
                      "empty.txt": "failed"}  # fmt: skip
    assert "the article is empty" in next(line["error"] for line in before if "error" in line)

    # The backend works again; a plain run skips the failures, --retry-failed runs them.
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 1  # still failed in the output: not done
    assert summary(err) == (
        "4 articles: 0 done, 4 skipped (already in out.jsonl; 2 of them failed or incomplete: "
        "--retry-failed runs them again), 0 failed"
    )
    assert entries(workdir / "out.jsonl") == before

    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl", "--retry-failed")
    assert code == 1 and "2 to run (2 of them again)" in err
    assert summary(err) == "4 articles: 1 done, 2 skipped (already in out.jsonl), 1 failed"
    after = entries(workdir / "out.jsonl")
    assert [line["source"] for line in after] == [line["source"] for line in before]  # in place
    status = {Path(line["source"]).name: line["status"] for line in after}
    assert status == {"a00.txt": "done", "a01.txt": "done", "a02.txt": "done",
                      "empty.txt": "failed"}  # fmt: skip
    unchanged = [line for line in before if line["status"] == "done"]
    assert all(line in after for line in unchanged)


def test_force_runs_everything_again_without_duplicates(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "batch", "articles", "--out", "out.jsonl", "--quiet")[0] == 0
    before = entries(workdir / "out.jsonl")
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl", "--force")
    assert code == 0 and "3 to run (3 of them again)" in err
    assert summary(err) == "3 articles: 3 done, 0 skipped (already in out.jsonl), 0 failed"
    after = entries(workdir / "out.jsonl")
    assert [line["key"] for line in after] == [line["key"] for line in before]
    assert not list(workdir.glob(".out.jsonl.*"))  # no temporary file left behind


def test_a_cut_off_last_line_runs_again_and_is_dropped(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "batch", "articles", "--out", "out.jsonl", "--quiet")[0] == 0
    out = workdir / "out.jsonl"
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text(lines[0] + "\n" + lines[1] + "\n" + lines[2][:60], encoding="utf-8")
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 0 and summary(err).startswith("3 articles: 1 done, 2 skipped")
    assert sorted(line["key"] for line in entries(out)) == sorted(
        json.loads(x)["key"] for x in lines
    )


def test_an_old_format_line_gives_way_to_the_new_entry(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outputs of earlier versions keyed 'path#sha256[:16]': those articles run once more."""
    import hashlib

    path = workdir / "articles" / "a00.txt"
    old = {"key": f"{path}#{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}",
           "source": str(path), "report": {"claims": []}}  # fmt: skip
    (workdir / "out.jsonl").write_text(json.dumps(old) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "batch", "articles", "--out", "out.jsonl")
    assert code == 0 and summary(err).startswith("3 articles: 3 done, 0 skipped")
    lines = entries(workdir / "out.jsonl")
    assert len(lines) == 3 and all(line["status"] == "done" for line in lines)


def test_an_unreadable_line_in_the_output_is_an_error_and_the_file_is_kept(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "batch", "articles", "--out", "out.jsonl", "--quiet")[0] == 0
    out = workdir / "out.jsonl"
    lines = out.read_text(encoding="utf-8").splitlines()
    garbled = "\n".join([lines[0], "{not json", *lines[1:]]) + "\n"
    out.write_text(garbled, encoding="utf-8")
    code, stdout, err = run(capsys, "batch", "articles", "--out", "out.jsonl", "--force")
    assert code == 2 and stdout == ""
    assert one_error_line(err).startswith("error: out.jsonl:2: not a workbench batch entry")
    assert out.read_text(encoding="utf-8") == garbled


# --------------------------------------------------------------------------------------------
# Shards and merging
# --------------------------------------------------------------------------------------------


def test_shards_split_a_folder_once_and_stay_put_when_files_are_added(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_articles(workdir / "articles", range(12))

    def shard(part: str) -> set[str]:
        code, _, err = run(capsys, "batch", str(folder), "--out", f"s{part[0]}.jsonl",
                           "--shard", part)  # fmt: skip
        assert code == 0 and f"shard {part} takes " in err
        return {line["source"] for line in entries(workdir / f"s{part[0]}.jsonl")}

    first, second = shard("1/2"), shard("2/2")
    assert first and second and not first & second
    assert first | second == {str(p) for p in folder.glob("*.txt")}
    write_articles(folder, range(12, 16))
    first_again, second_again = shard("1/2"), shard("2/2")
    assert first <= first_again and second <= second_again  # nobody moved
    assert first_again | second_again == {str(p) for p in folder.glob("*.txt")}
    assert not first_again & second_again

    code, out, err = run(capsys, "batch", "--merge", "s1.jsonl", "s2.jsonl", "--out", "all.jsonl")
    assert code == 0 and out == ""
    assert err.strip() == (
        "merged 2 files into all.jsonl: 16 articles (16 done, 0 incomplete, 0 failed), "
        "0 duplicate lines dropped"
    )
    # Everyone's finished work is skipped wherever the merged output is used.
    code, _, err = run(capsys, "batch", str(folder.resolve()), "--out", "all.jsonl")
    assert code == 0 and summary(err).startswith("16 articles: 0 done, 16 skipped")


def test_merge_prefers_a_finished_entry_whatever_the_order(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "articles" / "a01.txt").write_text(f"The {FLAKY} council met 7 times.", "utf-8")
    with monkeypatch.context() as patched:
        patched.setattr(fake, "heuristic_responder", flaky)
        assert run(capsys, "batch", "articles", "--out", "bad.jsonl", "--quiet")[0] == 1
    assert run(capsys, "batch", "articles", "--out", "good.jsonl", "--quiet")[0] == 0
    for order in (["bad.jsonl", "good.jsonl"], ["good.jsonl", "bad.jsonl"]):
        (workdir / "all.jsonl").unlink(missing_ok=True)
        code, _, err = run(capsys, "batch", "--merge", *order, "--out", "all.jsonl")
        assert code == 0
        assert "3 articles (3 done, 0 incomplete, 0 failed), 3 duplicate lines dropped" in err
        assert [line["status"] for line in entries(workdir / "all.jsonl")] == ["done"] * 3
    # Merging the same files again into the output changes nothing.
    before = (workdir / "all.jsonl").read_bytes()
    assert run(capsys, "batch", "--merge", "good.jsonl", "bad.jsonl", "--out", "all.jsonl")[0] == 0
    assert (workdir / "all.jsonl").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("\nnot json\n", "b.jsonl:2: not a workbench batch entry (Expecting value"),
        ('{"key": "x", "source": "a"}\n', "b.jsonl:1: not a workbench batch entry (no content"),
        ('\n["a list"]\n', "b.jsonl:2: not a workbench batch entry"),
        ('{"key": "k", "content": "c", "sett', "b.jsonl:1: line cut off"),
        (None, "b.jsonl: no such file"),
    ],
)
def test_merge_names_the_file_and_line_it_cannot_read(
    workdir: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    assert run(capsys, "batch", "articles", "--out", "a.jsonl", "--quiet")[0] == 0
    if content is not None:
        (workdir / "b.jsonl").write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "batch", "--merge", "a.jsonl", "b.jsonl", "--out", "all.jsonl")
    assert code == 2 and out == ""
    assert one_error_line(err).startswith(f"error: {message}")
    assert not (workdir / "all.jsonl").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shard", "0/2"], "--shard 0/2: parts are numbered 1 to 2"),
        (["--shard", "3/2"], "--shard 3/2: parts are numbered 1 to 2"),
        (["--shard", "1/0"], "--shard 1/0: N, the number of parts, must be at least 1"),
        (["--shard", "x"], "--shard x: expected I/N, e.g. 1/4"),
        (["--shard", "1/2/3"], "--shard 1/2/3: expected I/N"),
        (["--force", "--retry-failed"], "argument --retry-failed: not allowed with argument"),
        (["--merge", "--shard", "1/2"], "--merge joins files and checks nothing: drop --shard"),
        (["--concurrency", "x"], "argument --concurrency: invalid int value"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "batch", "articles", "--out", "out.jsonl", *argv)
    assert code == 2 and out == ""
    assert message in one_error_line(err)
    assert not (workdir / "out.jsonl").exists()


def test_every_batch_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import build_parser

    parser = build_parser()
    batch = parser._subparsers._group_actions[0].choices["batch"]  # type: ignore
    for action in batch._actions:
        assert action.help, action.option_strings or action.dest


# --------------------------------------------------------------------------------------------
# A real process killed mid-run
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_run_killed_while_replacing_lines_leaves_a_file_the_next_run_repairs(
    workdir: Path,
) -> None:
    """--force appends each new line before the old ones are dropped: killed in between, the
    next run reads the latest line per article and compacts; nothing is lost or doubled."""
    folder = write_articles(workdir / "articles", range(40))
    command = [sys.executable, "-m", "workbench.cli", "batch", str(folder), "--out", "out.jsonl"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([*command, "--quiet"], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    out = workdir / "out.jsonl"
    size = out.stat().st_size
    child = subprocess.Popen(
        [*command, "--force", "--no-cache", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while out.stat().st_size <= size and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "40 articles: 0 done, 40 skipped" in done.stderr
    lines = entries(out)
    assert len(lines) == 40 and len({line["key"] for line in lines}) == 40
    assert {line["source"] for line in lines} == {str(p) for p in folder.glob("*.txt")}
