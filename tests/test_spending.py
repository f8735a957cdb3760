"""Spending caps and per-claim usage, through the CLI against the loopback fault server, which
reports token usage like a hosted API (gpt-4o-mini is priced by litellm's local cost map)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.support.configs import http_config
from tests.support.fault_server import FaultServer
from workbench.cli import main

ARTICLE = """Officials reported that 12 new buses entered service in April.

The Harbor Police counted 312 burglaries last year, according to its annual report.

Mayor Ana Ruiz said the Elm Street bridge will reopen in May.

The council spent 3 million euros on the new library in 2023.
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["extract", "article.md", "--quiet", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.fixture()
def priced(fresh_server: FaultServer) -> Path:
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    return http_config(Path("w.toml"), fresh_server.base_url, model="openai/gpt-4o-mini")


def test_a_cost_cap_stops_the_run_within_one_call_and_a_higher_cap_resumes(
    fresh_server: FaultServer, priced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, full, _ = run(capsys, "--config", str(priced), "--no-cache")
    assert code == 0
    total = full["run"]["totals"]["cost_usd"]
    calls = fresh_server.count()
    assert total > 0 and calls == 16  # 4 sentences: select, extract, rate, evidence
    fresh_server.reset()

    cap = total / 3
    code, partial, err = run(capsys, "--config", str(priced), "--max-cost-usd", f"{cap:.10f}")
    assert code == 1
    assert err.startswith("error: spending cap reached (max_cost_usd ")
    assert err.count("\n") == 1 and "raise the cap and run again to resume" in err
    spent = partial["run"]["totals"]["cost_usd"]
    assert cap <= spent < cap + total / calls * 4  # stopped within one (concurrent) round
    asked = fresh_server.count()
    assert asked < calls

    fresh_server.reset()
    code, resumed, _ = run(capsys, "--config", str(priced), "--max-cost-usd", "10")
    assert code == 0
    assert fresh_server.count() == calls - asked  # nothing finished was asked again
    assert [c["text"] for c in resumed["claims"]] == [c["text"] for c in full["claims"]]


def test_a_token_cap_from_the_config(
    fresh_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    config = http_config(Path("w.toml"), fresh_server.base_url, limits={"max_tokens": 50})
    code, partial, err = run(capsys, "--config", str(config))
    assert code == 1 and "spending cap reached (max_tokens 50)" in err
    assert (
        partial["run"]["totals"]["prompt_tokens"] + partial["run"]["totals"]["completion_tokens"]
        >= 50
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-cost-usd", "0"], "--max-cost-usd: Input should be greater than 0"),
        (["--max-tokens", "-1"], "--max-tokens: Input should be greater than 0"),
        (["--max-tokens", "many"], "argument --max-tokens: invalid int value"),
    ],
)
def test_bad_caps_are_usage_errors(
    priced: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["extract", "article.md", "--config", str(priced), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_each_claim_carries_its_tokens_cost_and_time(
    priced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = run(capsys, "--config", str(priced))
    assert code == 0
    usages = [claim["usage"] for claim in report["claims"]]
    assert all(u["prompt_tokens"] > 0 and u["cost_usd"] > 0 for u in usages)
    assert sum(u["cost_usd"] for u in usages) == pytest.approx(report["run"]["totals"]["cost_usd"])
    assert (
        main(["extract", "article.md", "--quiet", "--config", str(priced), "--format", "csv"]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    rows.sort(key=lambda r: int(r["id"][1:]))  # the CSV is in check-first order
    # Served from the cache: each claim still shows what it cost to make.
    assert [float(r["cost_usd"]) for r in rows] == pytest.approx(
        [u["cost_usd"] for u in usages], abs=1e-6
    )
    assert [int(r["tokens"]) for r in rows] == [
        u["prompt_tokens"] + u["completion_tokens"] for u in usages
    ]


def test_one_cap_covers_a_whole_batch_and_a_rerun_finishes_it(
    fresh_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path("articles")
    folder.mkdir()
    for n, paragraph in enumerate(ARTICLE.strip().split("\n\n")):
        (folder / f"a{n}.md").write_text(paragraph + "\n", encoding="utf-8")
    config = http_config(Path("w.toml"), fresh_server.base_url, model="openai/gpt-4o-mini")
    batch = ["batch", "articles", "--out", "out.jsonl", "--config", str(config), "--quiet"]
    assert main([*batch, "--max-tokens", "1500"]) == 1
    err = capsys.readouterr().err
    assert "spending cap reached (max_tokens 1500)" in err
    lines = [json.loads(line) for line in Path("out.jsonl").read_text().splitlines()]
    assert "incomplete" in {line["status"] for line in lines}  # in flight at the cap: kept
    assert main([*batch, "--retry-failed"]) == 0
    lines = [json.loads(line) for line in Path("out.jsonl").read_text().splitlines()]
    assert sorted(line["status"] for line in lines) == ["done"] * 4
