"""`workbench eval` end to end on the fake backend: bless, pass, regress, record/replay, datasets,
edited prompts and usage errors. No model: the fake backend answers from surface cues."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.evaluation.test_newsclaims import write_newsclaims
from workbench.cli import main
from workbench.evaluation.command import EVALS_DIR
from workbench.evaluation.items import MetricItems

FIXTURES = ["opinion-market-square-2026", "correction-linmouth-waits-2026"]


def run_eval(workdir: Path, *args: str) -> int:
    return main(["eval", "--quiet", "--reports", str(workdir / "reports"),
                 "--baseline", str(workdir / "fake.json"), *args])


def fixture_args() -> list[str]:
    return [arg for fixture in FIXTURES for arg in ("--fixture", fixture)]


def latest_report(workdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (workdir / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))
    return report


@pytest.mark.slow
def test_bless_pass_then_fail_on_a_better_baseline(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(workdir, "--backend", "fake", *fixture_args()) == 0
    assert "no baseline at" in capsys.readouterr().out

    assert run_eval(workdir, "--backend", "fake", "--bless", *fixture_args()) == 0
    baseline = json.loads((workdir / "fake.json").read_text(encoding="utf-8"))
    assert sorted(baseline["fixtures"]) == sorted(FIXTURES)

    assert run_eval(workdir, "--backend", "fake", *fixture_args()) == 0
    out = capsys.readouterr().out
    assert "no regression: 2 fixtures" in out and "no claim or sentence status changed" in out

    # Make the baseline better than reality: the gate must fail and name each metric.
    metrics = baseline["sets"]["all"]["metrics"]
    assert metrics["claims.f1"] < 0.9 and metrics["sentences.f1"] < 0.9
    metrics["claims.f1"] = metrics["sentences.f1"] = 0.99
    (workdir / "fake.json").write_text(json.dumps(baseline), encoding="utf-8")
    assert run_eval(workdir, "--backend", "fake", *fixture_args()) == 1
    captured = capsys.readouterr()
    error = captured.err.strip().splitlines()[-1]
    assert error.startswith("error: regression in 2 metric(s)")
    assert "claims.f1" in error and "sentences.f1" in error
    assert "REGRESSION" in captured.out
    report = latest_report(workdir)
    assert sorted(report["comparison"]["regressions"]) == ["claims.f1", "sentences.f1"]
    junit = (workdir / "reports" / "latest" / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<failure") == 2

    # --bless deliberately accepts the run as the new baseline.
    assert run_eval(workdir, "--backend", "fake", "--bless", *fixture_args()) == 0
    assert run_eval(workdir, "--backend", "fake", *fixture_args()) == 0


def test_replay_rescored_without_any_model(workdir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    recording = workdir / "fake.jsonl"
    assert run_eval(workdir, "--backend", "fake", "--bless", "--record", str(recording),
                    *fixture_args()) == 0
    recorded = latest_report(workdir)["metrics"]
    assert recording.stat().st_size > 0

    (workdir / "workbench.toml").unlink()  # no fake backend any more: only the recording answers
    assert run_eval(workdir, "--replay", str(recording), *fixture_args()) == 0
    assert "no regression" in capsys.readouterr().out
    report = latest_report(workdir)
    assert report["provenance"]["backend"] == "replay:fake"
    assert report["provenance"]["replay"] == str(recording)
    assert report["baseline_backend"] == "fake"
    for name in ("sentences.f1", "claims.f1", "questions.meteor", "health.failures"):
        assert report["metrics"][name] == recorded[name]


def test_recording_is_complete_even_from_a_warm_cache(workdir: Path) -> None:
    assert run_eval(workdir, "--backend", "fake", *fixture_args()) == 0  # fills the cache
    recording = workdir / "warm.jsonl"
    assert run_eval(workdir, "--backend", "fake", "--bless", "--record", str(recording),
                    *fixture_args()) == 0
    assert run_eval(workdir, "--replay", str(recording), *fixture_args()) == 0
    assert latest_report(workdir)["metrics"]["health.failures"] == 0


def test_edited_prompts_are_evaluated_and_named(workdir: Path) -> None:
    prompts = workdir / "prompts"
    shutil.copytree(EVALS_DIR.parent / "prompts", prompts)
    extract = prompts / "extract.toml"
    extract.write_text(extract.read_text(encoding="utf-8").replace(
        'version = "', 'version = "9-', 1), encoding="utf-8")
    assert run_eval(workdir, "--backend", "fake", "--prompts", str(prompts),
                    "--fixture", FIXTURES[0]) == 0
    provenance = latest_report(workdir)["provenance"]
    assert provenance["prompts_dir"] == str(prompts)
    extract_info = next(p for p in provenance["prompts"] if p["name"] == "extract")
    assert extract_info["version"].startswith("9-")


def test_provenance(workdir: Path) -> None:
    assert run_eval(workdir, "--backend", "fake", "--fixture", FIXTURES[0]) == 0
    provenance = latest_report(workdir)["provenance"]
    assert len(provenance["git_commit"]) == 40 and isinstance(provenance["git_dirty"], bool)
    assert provenance["model"] == "fake/fake"
    assert provenance["fixture_set_hash"] and provenance["started_at"]
    assert {"litellm", "instructor", "llama_cpp_python", "pydantic"} <= set(provenance["packages"])
    assert [p["name"] for p in provenance["prompts"]] == [
        "select", "extract", "checkworthiness", "evidence"]


# --------------------------------------------------------------------------------------------
# Public datasets (tiny files in their real formats)
# --------------------------------------------------------------------------------------------


def write_datasets(folder: Path) -> dict[str, Path]:
    checkthat = folder / "ct.tsv"
    checkthat.write_text(
        "Sentence_id\tText\tclass_label\n"
        "1\tUnemployment fell to 4.1 percent in March, the lowest since 2001.\tYes\n"
        "2\tThank you all for coming tonight.\tNo\n"
        "3\tI think we can do better.\tNo\n"
        "4\tThe senator voted against the 2019 budget bill twice.\tYes\n",
        encoding="utf-8")
    factcheck = folder / "fc.jsonl"
    response = ("Mount Everest is 8,849 metres high. It lies on the border of Nepal and China. "
                "It is a beautiful mountain.")
    sentences = {
        "sentence1": {"text": "Mount Everest is 8,849 metres high.",
                      "decontext": "Mount Everest is 8,849 metres high.",
                      "sentence_checkworthiness": "yes",
                      "claims": ["Mount Everest is 8,849 metres high."],
                      "claim_checkworthiness": ["factual"]},
        "sentence2": {"text": "It lies on the border of Nepal and China.",
                      "decontext": "Mount Everest lies on the border of Nepal and China.",
                      "sentence_checkworthiness": "yes",
                      "claims": ["Mount Everest lies in Nepal.", "Mount Everest lies in China."],
                      "claim_checkworthiness": ["factual", "factual"]},
        "sentence3": {"text": "It is a beautiful mountain.",
                      "decontext": "Mount Everest is a beautiful mountain.",
                      "sentence_checkworthiness": "opinion",
                      "claims": [], "claim_checkworthiness": []},
    }
    factcheck.write_text(json.dumps({"prompt": "How high is Everest?", "response": response,
                                     "sentences": sentences}) + "\n", encoding="utf-8")
    averitec = folder / "av.json"
    averitec.write_text(json.dumps([
        {"claim": "The mayor of Springfield said 300 jobs were created in 2023.",
         "speaker": "Mayor Ruiz", "claim_date": "01-02-2024", "label": "Refuted",
         "questions": [{"question": "How many jobs were created in Springfield in 2023?"},
                       {"question": "Did the mayor say 300 jobs were created?"}]},
        {"claim": "A photo shows floods in Paris.", "label": "Refuted", "questions": []},
    ]), encoding="utf-8")
    newsclaims = write_newsclaims(folder / "newsclaims")
    return {"checkthat": checkthat, "factcheck-gpt": factcheck, "averitec": averitec,
            "newsclaims": newsclaims}


@pytest.mark.parametrize(
    ("name", "limit", "items", "metric"),
    [
        ("checkthat", "3", 3, "checkworthiness.f1"),
        ("factcheck-gpt", None, 3, "claims.f1"),
        ("averitec", None, 1, "questions.meteor"),  # the claim without questions is skipped
        ("newsclaims", None, 2, "sentences.recall"),  # whole articles through the pipeline
    ],
)
def test_dataset_runs(workdir: Path, capsys: pytest.CaptureFixture[str], name: str,
                      limit: str | None, items: int, metric: str) -> None:
    path = write_datasets(workdir)[name]
    extra = ["--limit", limit] if limit else []
    assert run_eval(workdir, "--backend", "fake", "--dataset", f"{name}:{path}", *extra) == 0
    report = latest_report(workdir)
    assert report["kind"] == "dataset" and report["dataset"]["items"] == items
    assert report["metrics"][metric] is not None and report["heuristic"][metric] is not None
    # every metric with per-item scores pools back to its reported number, and has an interval
    item_scores = report["dataset"]["item_scores"]
    assert metric in item_scores and "health.tokens" in item_scores
    for name, table in item_scores.items():
        assert len(table["keys"]) == items
        rounded = 1e-3 if name == "health.seconds" else 1e-9  # the report rounds seconds
        assert MetricItems.model_validate(table).value == pytest.approx(report["metrics"][name],
                                                                        abs=rounded)
    assert (metric in report["intervals"]) is (items > 1)
    assert report["provenance"]["dataset_sha256"]
    assert len(report["dataset"]["predictions"]) == items
    assert metric in capsys.readouterr().out
    assert (workdir / "reports" / "latest" / "junit.xml").is_file()


def test_newsclaims_scores_claim_sentences_and_claimers(workdir: Path) -> None:
    path = write_datasets(workdir)["newsclaims"]
    assert run_eval(workdir, "--backend", "fake", "--dataset", f"newsclaims:{path}") == 0
    report = latest_report(workdir)
    rows = {r["id"]: r for r in report["dataset"]["predictions"]}
    # the fake backend claims every sentence with a digit or a reporting verb
    assert rows["newsclaims:town-1"]["found"] == ["town-1-0", "town-1-2"]
    assert rows["newsclaims:town-2"]["found"] == ["town-2-1"]
    assert report["metrics"]["sentences.recall"] == 1.0
    assert report["metrics"]["claimer.scored"] == 2.0
    assert report["metrics"]["health.failures"] == 0.0
    assert report["dataset"]["descriptions"]["health.seconds"].startswith("summed stage seconds")


def test_checkthat_heuristic_is_the_cue_baseline(workdir: Path) -> None:
    path = write_datasets(workdir)["checkthat"]
    assert run_eval(workdir, "--backend", "fake", "--dataset", f"checkthat:{path}") == 0
    rows = latest_report(workdir)["dataset"]["predictions"]
    assert [r["heuristic"] for r in rows] == [True, False, False, True]


# --------------------------------------------------------------------------------------------
# Bad usage: exit 2, one line
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record", "a.jsonl", "--replay", "b.jsonl"], "exclude each other"),
        (["--limit", "3"], "--limit samples a --dataset"),
        (["--subset", "nightly"], "unknown fixture subset"),
        (["--fixture", "no-such-fixture"], "unknown fixture id"),
        (["--dataset", "squad:x"], "unknown dataset"),
        (["--dataset", "checkthat:/no/such/file.tsv"], "does not exist"),
        (["--dataset", "checkthat:DATA", "--bless"], "datasets have no baseline"),
        (["--dataset", "checkthat:DATA", "--limit", "0"], "--limit must be 1 or more"),
        (["--replay", "missing.jsonl"], "recording not found"),
        (["--prompts", "no-such-dir"], "prompts directory not found"),
        (["--repeat", "0"], "--repeat must be 1 or more"),
        (["--repeat", "2", "--bless"], "bless without --repeat"),
        (["--backend", "nope"], "unknown backend"),
        (["--evals", "no-such-dir"], "fixture folder does not exist"),
    ],
)
def test_bad_usage_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                           message: str) -> None:
    data = write_datasets(workdir)["checkthat"]
    args = [a.replace("DATA", str(data)) for a in args]
    assert run_eval(workdir, *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_a_fixture_the_baseline_lacks_is_said_to_be_ungated(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(workdir, "--backend", "fake", "--bless", "--fixture", FIXTURES[0]) == 0
    capsys.readouterr()
    assert run_eval(workdir, "--backend", "fake", "--fixture", FIXTURES[1]) == 0
    out = capsys.readouterr().out
    assert "nothing gated: no fixture of this run is in the baseline" in out
    assert "no regression" not in out


AVERITEC = Path(__file__).resolve().parents[3] / "shared" / "data" / "averitec"


@pytest.mark.parametrize("dataset", [fixture_args(), ["--dataset", f"averitec:{AVERITEC}"]])
def test_missing_wordnet_is_one_line_before_any_model_call(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    dataset: list[str],
) -> None:
    import workbench.evaluation.meteor as meteor
    from workbench.core.errors import ConfigError
    from workbench.llm.fake import FakeClient

    def missing(*_: object, **__: object) -> Path:
        raise ConfigError("METEOR needs WordNet, which is not at /usr/share/wordnet")

    asked: list[object] = []
    monkeypatch.setattr(meteor, "ensure_wordnet", missing)
    monkeypatch.setattr(FakeClient, "complete", lambda self, request: asked.append(request))
    assert run_eval(workdir, "--backend", "fake", *dataset) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: METEOR needs WordNet") and err.count("\n") == 1
    assert asked == []


def test_a_regression_on_the_checking_subset_alone_fails_the_gate(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tuning and checking are gated each on its own: the checking subset's blessed numbers
    raised by hand fail the run, although the whole set and the tuning subset hold."""
    evals = workdir / "evals"
    (evals / "fixtures" / "articles").mkdir(parents=True)
    for fixture in FIXTURES:
        source = EVALS_DIR / "fixtures" / f"{fixture}.yaml"
        shutil.copy(source, evals / "fixtures" / source.name)
        shutil.copy(EVALS_DIR / "fixtures" / "articles" / f"{fixture}.md",
                    evals / "fixtures" / "articles" / f"{fixture}.md")
    (evals / "config.toml").write_text(
        '[gate]\nsubsets = ["tuning", "checking"]\n'
        '[gate.tolerance]\n"sentences.f1" = 0.03\n"claims.f1" = 0.04\n'
        f'[subsets]\ntuning = ["{FIXTURES[0]}"]\nchecking = ["{FIXTURES[1]}"]\n',
        encoding="utf-8")
    args = ["--backend", "fake", "--evals", str(evals)]
    assert run_eval(workdir, *args, "--bless") == 0
    baseline = json.loads((workdir / "fake.json").read_text(encoding="utf-8"))
    assert {"all", "tuning", "checking"} <= set(baseline["sets"])
    assert run_eval(workdir, *args) == 0
    out = capsys.readouterr().out
    assert "(and subset(s) tuning, checking, each on its own)" in out
    assert "tuning (1)" in out and "checking (1)" in out

    checking = baseline["sets"]["checking"]["metrics"]
    assert checking["claims.f1"] < 0.99
    checking["claims.f1"] = 0.99
    (workdir / "fake.json").write_text(json.dumps(baseline), encoding="utf-8")
    assert run_eval(workdir, *args) == 1
    captured = capsys.readouterr()
    error = captured.err.strip().splitlines()[-1]
    assert error.startswith("error: regression in 1 metric(s)") and "checking: claims.f1" in error
    report = latest_report(workdir)
    assert report["comparison"]["regressions"] == ["claims.f1 (checking)"]
    assert not any(d["regressed"] for d in report["comparison"]["deltas"])
    assert report["comparison"]["subsets"]["tuning"]["regressions"] == []
    junit = (workdir / "reports" / "latest" / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<failure") == 1 and 'classname="gate.checking"' in junit
