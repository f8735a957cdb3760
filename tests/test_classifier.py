"""The sentence encoder and the trained check-worthiness classifier (fast: no LLM, no network).

The encoder runs the real fine-tuned int8 MiniLM (about a second to load); the training test
re-trains a head on a small stable sample of CheckThat! 2024 in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.scripts import load_script
from workbench.classifier.encoder import (
    DIMENSION,
    MODEL_SHA256,
    STOCK_MODEL_SHA256,
    default_encoder,
    stock_encoder,
)
from workbench.classifier.head import (
    HEAD_PATH,
    CheckworthinessClassifier,
    default_classifier,
    load_head,
    score_sentences,
)
from workbench.core.errors import ConfigError
from workbench.evaluation.datasets.checkthat import read_checkthat
from workbench.evaluation.datasets.newsclaims import read_newsclaims

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
DATA = SHARED / "checkthat2024"

CHECKABLE = "Unemployment fell to 3.9 percent in March, the lowest since 2001."
NOT_CHECKABLE = "What a wonderful evening it was!"


def test_encoder_gives_unit_384_d_vectors_that_put_paraphrases_closest() -> None:
    vectors = default_encoder().encode(
        [
            "The city council approved a new budget for public schools.",
            "Local officials passed a spending plan for the town's schools.",
            "My cat likes to sleep in the sun all afternoon.",
            "",
        ]
    )
    assert vectors.shape == (4, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.2


def test_stock_encoder_measures_topic_similarity_the_fine_tuned_one_gave_up() -> None:
    topic, on_topic, off_topic = (
        "whether vaccines protect people from severe illness",
        "The new jab cut hospital admissions among the over-80s by two thirds.",
        "The club sacked its manager after a fifth straight defeat.",
    )
    stock = stock_encoder().encode([topic, on_topic, off_topic])
    assert stock.shape == (3, DIMENSION)
    assert np.allclose(np.linalg.norm(stock, axis=1), 1.0, atol=1e-5)
    assert stock[0] @ stock[1] > stock[0] @ stock[2] + 0.2
    assert stock_encoder() is stock_encoder() and stock_encoder() is not default_encoder()


def test_encoder_keeps_input_order_across_length_sorted_batches() -> None:
    texts = ["A much longer sentence about the state of the national economy.", "Short.", "Hi"]
    together = default_encoder().encode(texts, batch_size=2)
    one_by_one = np.vstack([default_encoder().encode([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)
    assert default_encoder().encode([]).shape == (0, DIMENSION)
    assert default_encoder() is default_encoder()


def test_committed_head_scores_a_statistic_above_an_exclamation() -> None:
    scores = score_sentences([CHECKABLE, NOT_CHECKABLE])
    checkable, exclamation = scores
    assert checkable.probability > exclamation.probability
    assert checkable.is_check_worthy and checkable.label == "check-worthy"
    assert not exclamation.is_check_worthy and exclamation.label == "not check-worthy"
    for score in scores:
        assert 0.0 <= score.probability <= 1.0
        assert score.rationale.startswith(f"trained classifier P={score.probability:.2f}")
    assert "digits" in checkable.cues and "digits" in checkable.rationale
    assert score_sentences([]) == []


def test_a_claim_is_rated_alone_and_in_its_sentence() -> None:
    classifier = default_classifier()
    sentence = "Unemployment fell to 3.9 percent in March, and the mood in the city was wonderful."
    opinion = "The mood in the city was wonderful."
    alone, framed = (s.probability for s in classifier.score_sentences([opinion, sentence]))
    assert framed > classifier.threshold > alone  # the sentence alone would carry the opinion
    rated = classifier.score_claim(opinion, sentence)
    assert rated.probability == pytest.approx((alone * framed) ** 0.5)
    assert not rated.is_check_worthy and rated.text == opinion
    assert f"(claim alone {alone:.2f}, in its sentence {framed:.2f})" in rated.rationale
    # A claim that is its whole sentence keeps the sentence's score and rationale.
    assert classifier.score_claim(sentence, sentence) == classifier.score_sentences([sentence])[0]


GENRE_SETS = ("checkthat-dev-test", "newsclaims-dev", "factcheck-gpt")


def test_committed_head_carries_its_provenance_and_beats_the_baseline_on_every_genre() -> None:
    head = load_head()
    assert head.provenance.script == "scripts/select_checkworthiness.py"
    assert {f.role for f in head.provenance.data} == {
        "train", "dev", "dev-test", "newsclaims-dev", "factcheck-gpt"
    }
    assert all(len(f.sha256) == 64 for f in head.provenance.data)
    assert set(head.metrics) == {"train", "checkthat-dev", *GENRE_SETS}
    assert head.provenance.hyperparameters["limit"] is None  # trained on all of train
    assert 0 < head.threshold < 1
    # Every candidate's held-out rows are recorded; the kept one wins against the issue's
    # baseline (frozen stock MiniLM + logistic regression on CheckThat! train) on each genre as
    # the selection script judges it: nowhere worse by 0.01 F1 or more (its ties: on NewsClaims
    # dev the kept head is 0.0003 short, evals/README.md), and better by more somewhere.
    rows = {str(row["candidate"]): row for row in head.experiments}
    kept = rows[head.provenance.experiment]
    baseline = rows[str(head.provenance.hyperparameters["baseline"])]
    assert str(baseline["candidate"]).startswith("stock lr")
    ours: dict[str, dict[str, float]] = kept["leave_one_domain_out"]  # type: ignore[assignment]
    theirs: dict[str, dict[str, float]] = baseline["leave_one_domain_out"]  # type: ignore[assignment]
    differences = [ours[name]["f1"] - theirs[name]["f1"] for name in GENRE_SETS]
    assert min(differences) > -0.01 and max(differences) > 0.01, differences


def test_a_head_runs_only_on_the_encoder_it_was_fitted_on() -> None:
    head = load_head()
    assert CheckworthinessClassifier(head).encoder().sha256 == head.provenance.encoder_sha256
    assert head.provenance.encoder_sha256 in {MODEL_SHA256, STOCK_MODEL_SHA256}

    def fitted_on(sha256: str) -> CheckworthinessClassifier:
        provenance = head.provenance.model_copy(update={"encoder_sha256": sha256})
        return CheckworthinessClassifier(head.model_copy(update={"provenance": provenance}))

    assert fitted_on(STOCK_MODEL_SHA256).encoder() is stock_encoder()
    assert fitted_on(MODEL_SHA256).encoder() is default_encoder()
    with pytest.raises(ConfigError, match="fitted on encoder sha256 000000000000"):
        fitted_on("0" * 64).probabilities([CHECKABLE])


def _development_sets() -> dict[str, tuple[list[str], list[bool]]]:
    """The shipped head's development sets, read as scripts/select_checkworthiness.py reads
    them (whole files)."""
    sets = {}
    for role in ("dev", "dev-test"):
        items = read_checkthat(DATA / f"CT24_checkworthy_english_{role}.tsv")
        sets[f"checkthat-{role}"] = ([i.text for i in items], [i.check_worthy for i in items])
    texts, labels = [], []
    for article in read_newsclaims(SHARED / "newsclaims" / "dev.json"):
        gold = {claim.sentence_id for claim in article.claims}
        for span in article.sentences:
            texts.append(article.text[span.start : span.end])
            labels.append(span.id in gold)
    sets["newsclaims-dev"] = (texts, labels)
    lines = (SHARED / "factcheck_gpt" / "subtask1_sentence_checkworthiness.jsonl").read_text()
    records = [json.loads(line) for line in lines.splitlines() if line.strip()]
    sets["factcheck-gpt"] = (
        [str(r["sentence"]).strip() for r in records],
        [r["checkworthy"] == "yes" for r in records],
    )
    return sets


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="the development data is not beside the repo")
def test_the_shipped_encoder_and_head_reproduce_the_recorded_scores() -> None:
    """Encoder file, tokenizer and head together, one sentence at a time as the pipeline
    scores them: the figures the selection script recorded on every development set (it
    embedded in batches)."""
    head = load_head()
    classifier = CheckworthinessClassifier(head)
    for name, (texts, gold) in _development_sets().items():
        probabilities = np.concatenate([classifier.probabilities([text]) for text in texts])
        labels = np.array(gold)
        predicted = probabilities >= head.threshold
        f1 = 2 * np.sum(predicted & labels) / (predicted.sum() + labels.sum())
        assert f1 == pytest.approx(head.metrics[name].f1, abs=0.003), name
        assert predicted.mean() == pytest.approx(head.metrics[name].flagged, abs=0.003), name


def test_a_damaged_head_is_a_config_error(tmp_path: Path) -> None:
    raw = json.loads(HEAD_PATH.read_text(encoding="utf-8"))
    raw["mean"] = raw["mean"][:-1]
    (tmp_path / "head.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match="mean/scale"):
        load_head(tmp_path / "head.json")
    with pytest.raises(ConfigError, match="not found"):
        load_head(tmp_path / "missing.json")


@pytest.mark.skipif(not DATA.is_dir(), reason="CheckThat! 2024 data not beside the repo")
def test_training_script_retrains_on_a_slice_and_its_artifact_scores(tmp_path: Path) -> None:
    out = tmp_path / "head.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "train_checkworthiness.py"),
            "--limit",
            "200",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--only",
            "a_minilm_lr",
            "--only",
            "b_minilm_cues_lr",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| a_minilm_lr" in result.stdout and "chosen:" in result.stdout
    head = load_head(out)
    assert head.provenance.hyperparameters["limit"] == 200
    assert [f.rows for f in head.provenance.data] == [200, 200, 200]
    classifier = CheckworthinessClassifier(head, default_encoder())
    checkable, exclamation = classifier.score_sentences([CHECKABLE, NOT_CHECKABLE])
    assert 0 <= exclamation.probability < checkable.probability <= 1


def test_the_training_script_does_not_overwrite_the_shipped_head() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "train_checkworthiness.py"), "--limit", "10"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "select_checkworthiness.py writes that" in result.stderr


@pytest.mark.skipif(not SHARED.is_dir(), reason="the development data is not beside the repo")
def test_selection_script_on_a_slice_records_what_its_artifact_scores(tmp_path: Path) -> None:
    """The selection script on a stable sample of every set: it reports every candidate with
    the baseline marked, keeps one, and the numbers it records are what the written head
    gives on the same sample."""
    out = tmp_path / "head.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "select_checkworthiness.py"),
            "--limit",
            "120",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(baseline)" in result.stdout and "**kept**" in result.stdout
    head = load_head(out)
    assert head.provenance.hyperparameters["limit"] == 120
    assert len(head.experiments) == 12  # 2 encoders x 2 feature sets x (2 C + 1 MLP)
    module = load_script("select_checkworthiness")
    train, sets = module.load_sets(DATA, 120)
    encoder = stock_encoder() if head.provenance.encoder_sha256 == STOCK_MODEL_SHA256 else None
    classifier = CheckworthinessClassifier(head, encoder or default_encoder())
    for labelled in (train, *sets.values()):
        probabilities = classifier.probabilities(labelled.texts)
        scores = module.prf(probabilities, labelled.labels, head.threshold)
        recorded = head.metrics[labelled.name]
        assert len(labelled.texts) == min(120, len(labelled.texts))
        assert scores["f1"] == pytest.approx(recorded.f1, abs=0.01), labelled.name
        assert scores["flagged"] == pytest.approx(recorded.flagged, abs=0.01), labelled.name
