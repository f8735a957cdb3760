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

from workbench.classifier.encoder import DIMENSION, MODEL_SHA256, default_encoder, stock_encoder
from workbench.classifier.head import (
    HEAD_PATH,
    CheckworthinessClassifier,
    default_classifier,
    load_head,
    score_sentences,
)
from workbench.core.errors import ConfigError
from workbench.evaluation.datasets.checkthat import read_checkthat

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "checkthat2024"

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


def test_committed_head_carries_its_provenance() -> None:
    head = load_head()
    assert {f.role for f in head.provenance.data} == {"train", "dev", "dev-test"}
    assert all(len(f.sha256) == 64 for f in head.provenance.data)
    assert set(head.metrics) == {"train", "dev", "dev-test"}
    assert head.provenance.hyperparameters["limit"] is None  # trained on all of train
    assert 0 < head.threshold < 1


def test_the_committed_head_runs_only_on_the_encoder_it_was_fitted_on() -> None:
    head = load_head()
    assert head.provenance.encoder_sha256 == default_encoder().sha256 == MODEL_SHA256
    other = head.model_copy(
        update={"provenance": head.provenance.model_copy(update={"encoder_sha256": "0" * 64})}
    )
    with pytest.raises(ConfigError, match="fitted on encoder sha256 000000000000"):
        CheckworthinessClassifier(other).probabilities([CHECKABLE])


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason="CheckThat! 2024 data not beside the repo")
def test_the_shipped_encoder_and_head_reproduce_the_recorded_dev_scores() -> None:
    """Encoder file, tokenizer and head together, one sentence at a time as the pipeline
    scores them: the dev figures the training script recorded (it embedded in batches)."""
    head = load_head()
    dev = read_checkthat(DATA / "CT24_checkworthy_english_dev.tsv")
    classifier = CheckworthinessClassifier(head)
    probabilities = np.concatenate([classifier.probabilities([item.text]) for item in dev])
    labels = np.array([item.check_worthy for item in dev])
    predicted = probabilities >= head.threshold
    f1 = 2 * np.sum(predicted & labels) / (predicted.sum() + labels.sum())
    assert f1 == pytest.approx(head.metrics["dev"].f1, abs=0.002)


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
