"""End to end: both seed articles through `workbench extract` on the default (built-in)
backend, and one on the real embedded model (SmolLM2 answering every stage).

No config file, no network (the pytest-socket guard is active because the CLI runs in this
process), the default backend settings: the eval gate later in the session reuses these cached
answers. Each seed runs once per session, cold then warm; the figures are printed (``-s``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.cli import main
from workbench.core.config import BUILTIN, NO_MODEL

# As tests/conftest.py's SEED_FILES; not imported: tests/evaluation has a conftest module too.
SEED_FILES = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))

BOILERPLATE_WORDS = ("isbn", "pre-order", "disclaimer", "copyright", "fair use", "facebook page",
                     "special price", "media inquiries", "become a member")


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "e2e"  # gitignored


def _extract(seed: Path, out: Path) -> tuple[int, float, dict[str, Any]]:
    started = time.perf_counter()
    code = main(["extract", str(seed), "--out", str(out), "--quiet"])
    seconds = time.perf_counter() - started
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / out.name).write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    return code, seconds, json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def no_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty working directory and user config dir: only the built-in backends exist."""
    home = tmp_path_factory.mktemp("e2e-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home)
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        mp.delenv("WORKBENCH_CONFIG", raising=False)
        yield home


@pytest.fixture(scope="module", params=SEED_FILES, ids=[p.stem for p in SEED_FILES])
def seed_run(request: pytest.FixtureRequest, no_config: Path) -> dict[str, Any]:
    """One cold and one warm run of a seed article (once per session: the model is slow)."""
    seed: Path = request.param
    cold_code, cold_seconds, cold = _extract(seed, no_config / f"{seed.stem}.cold.json")
    warm_code, warm_seconds, warm = _extract(seed, no_config / f"{seed.stem}.warm.json")
    text = cold["article"]["text"]
    print(f"\n{seed.name}: cold {cold_seconds:.1f}s (exit {cold_code}), warm {warm_seconds:.1f}s "
          f"(exit {warm_code}), {len(cold['claims'])} claims, {len(cold['failures'])} failures, "
          f"{len(cold['sentences'])} sentences")
    for claim in cold["claims"]:
        score = (claim["checkworthiness"] or {}).get("score")
        print(f"  {claim['id']} [{claim['type']}, {score}] {claim['text']!r} "
              f"— {' → '.join(claim['attribution'])} — quote {claim['quote'][:60]!r}")
    assert text == warm["article"]["text"]
    return {"seed": seed, "cold": cold, "warm": warm, "cold_code": cold_code,
            "warm_code": warm_code, "cold_seconds": cold_seconds, "warm_seconds": warm_seconds}


def _stage_sum(report: dict[str, Any], field: str) -> int:
    return sum(stats[field] for stats in report["run"]["stages"].values())


def test_run_succeeds(seed_run: dict[str, Any]) -> None:
    assert seed_run["cold"]["failures"] == [] or seed_run["cold_code"] == 1
    assert seed_run["cold_code"] == (1 if seed_run["cold"]["failures"] else 0)
    assert seed_run["cold"]["run"]["backend"] == BUILTIN


def test_at_least_five_claims(seed_run: dict[str, Any]) -> None:
    assert len(seed_run["cold"]["claims"]) >= 5


def test_every_quote_is_grounded_at_its_offsets(seed_run: dict[str, Any]) -> None:
    report = seed_run["cold"]
    text = report["article"]["text"]
    sentences = {s["id"]: s for s in report["sentences"]}
    for claim in report["claims"]:
        assert claim["quote"], claim
        assert text[claim["start"] : claim["end"]] == claim["quote"], claim["id"]
        sentence = sentences[claim["sentence_id"]]
        assert sentence["start"] <= claim["start"] < claim["end"] <= sentence["end"]
        assert claim["id"] in sentence["claim_ids"]


def test_every_claim_is_rated_and_has_evidence_questions(seed_run: dict[str, Any]) -> None:
    for claim in seed_run["cold"]["claims"]:
        rating = claim["checkworthiness"]
        assert rating is not None, claim["id"]
        assert 0.0 <= rating["score"] <= 1.0
        assert rating["label"] in {"check_worthy", "maybe", "not_check_worthy"}
        assert claim["evidence"], claim["id"]
        assert all(need["questions"] for need in claim["evidence"]), claim["id"]
        assert all(q.strip().endswith("?") for need in claim["evidence"] for q in need["questions"])


def test_no_claim_from_boilerplate(seed_run: dict[str, Any]) -> None:
    report = seed_run["cold"]
    sentences = {s["id"]: s for s in report["sentences"]}
    for claim in report["claims"]:
        assert sentences[claim["sentence_id"]]["role"] == "body", claim
        assert not any(word in claim["quote"].lower() for word in BOILERPLATE_WORDS), claim
    # The publisher's footer is recognised, and kept (skipped), not deleted.
    skipped_boilerplate = [s for s in report["sentences"] if s["role"] == "boilerplate"]
    assert skipped_boilerplate
    assert all(s["status"] == "skipped" for s in skipped_boilerplate)
    assert any("disclaimer" in s["text"].lower() for s in skipped_boilerplate)


def test_every_sentence_has_a_final_status(seed_run: dict[str, Any]) -> None:
    report = seed_run["cold"]
    text = report["article"]["text"]
    for sentence in report["sentences"]:
        assert sentence["status"] != "pending", sentence
        assert sentence["reason"], sentence
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
        assert (sentence["status"] == "claims") == bool(sentence["claim_ids"])


def test_second_run_is_all_cache_hits(seed_run: dict[str, Any]) -> None:
    warm, cold = seed_run["warm"], seed_run["cold"]
    assert _stage_sum(warm, "cache_misses") == 0
    assert _stage_sum(warm, "cache_hits") == _stage_sum(cold, "calls")
    assert warm["claims"] == cold["claims"]
    assert [s["status"] for s in warm["sentences"]] == [s["status"] for s in cold["sentences"]]
    assert seed_run["warm_code"] == seed_run["cold_code"]
    # How fast the warm run is belongs to bench/run.py (cli_warm_seconds); what it must not load
    # is tested in test_warm_start.py. A clock here compared two runs of a few seconds each.


def test_report_names_backend_prompts_and_usage(seed_run: dict[str, Any]) -> None:
    run = seed_run["cold"]["run"]
    assert run["model"] == NO_MODEL
    stages = {"select", "extract", "checkworthiness", "evidence"}
    assert {p["name"] for p in run["prompts"]} == stages
    assert all(p["version"] and len(p["hash"]) == 16 for p in run["prompts"])
    # The built-in backend's stages are answered by the engines that measured best
    # (evals/README.md): no model call, every claim saying so.
    assert _stage_sum(seed_run["cold"], "completion_tokens") == 0
    for claim in seed_run["cold"]["claims"]:
        assert claim["provenance"] == {
            "select": "classifier",
            "extract": "rules",
            "checkworthiness": "classifier",
            "evidence": "rules",
        }


# A seed takes 2-4 minutes on the model on 2 idle cores; shared with other model runs, more.
@pytest.mark.model
@pytest.mark.timeout(3600)
def test_the_embedded_model_answers_its_stages_and_the_rules_catch_its_failures(
    no_config: Path,
) -> None:
    out = no_config / "model-stages.json"
    code = main(["extract", str(SEED_FILES[0]), "--backend", "embedded", "--out", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0 and report["failures"] == []  # an invalid answer falls back, never fails
    assert _stage_sum(report, "completion_tokens") > 0
    assert len(report["claims"]) >= 5
    engines = {claim["provenance"]["extract"].split(" ")[0] for claim in report["claims"]}
    assert "model" in engines, engines
    text = report["article"]["text"]
    assert all(text[c["start"] : c["end"]] == c["quote"] for c in report["claims"])


@pytest.mark.model
def test_backends_check_reports_embedded_schema_enforced(
    no_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["backends", "--check", "--backend", "embedded"])
    out = capsys.readouterr().out
    assert code == 0, out
    line = next(line for line in out.splitlines() if line.startswith("embedded:"))
    assert "reachable" in line and "UNREACHABLE" not in line
    assert line.startswith("embedded: reachable at in-process · schema enforced")
    assert "INVALID" not in line
