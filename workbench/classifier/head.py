"""A trained check-worthiness classifier: MiniLM sentence vectors plus a small fitted head.

``score_sentences(texts)`` gives each sentence a probability of being check-worthy, a yes/no at
the artifact's threshold, and a short rationale. The head (a logistic regression or a
one-hidden-layer MLP over the features the artifact names: the 384-d embedding of the encoder it
was fitted over, optionally the surface cues of ``workbench.language.cues``) and its calibration
are read from ``models/checkworthiness_head.json``, written by
``scripts/select_checkworthiness.py``, which records inside it the data files and their sha256,
the seed, the hyper-parameters, how it was chosen, the threshold, the scores reached on every
development set and every candidate it compared. The head names the encoder it was fitted over
by its sha256, and runs only on that one (the fine-tuned ``default_encoder()`` or the stock
``stock_encoder()``). Inference is plain numpy; only the scripts need scikit-learn.

What the probability means is in ``models/README.md``: calibrated on debate sentences, it does
not mean the same on news or on LLM answers, and no single calibration fitted on other genres
made it mean more (evals/README.md, "Check-worthiness across genres").

The rationale is honest about what it is: the classifier's probability, and the surface cues
found in the sentence (from ``workbench.language.cues``) as the human-readable part. The classifier
itself does not explain its score, and the cues are not what it computed.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from workbench.classifier import HEAD_PATH
from workbench.classifier.encoder import (
    DIMENSION,
    STOCK_MODEL_SHA256,
    SentenceEncoder,
    default_encoder,
    stock_encoder,
)
from workbench.core.errors import ConfigError
from workbench.language.cues import CUES, DEFAULT_WEIGHTS, rate_sentence, sentence_cues

HEAD_FORMAT = "workbench.checkworthiness_head/1"

Feature = Literal["minilm", "cues"]


# --------------------------------------------------------------------------------------------
# The artifact
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataFile(_Strict):
    role: Literal["train", "dev", "dev-test", "newsclaims-dev", "factcheck-gpt"]
    file: str = Field(description="File name under the data folder.")
    sha256: str
    rows: int = Field(ge=0, description="Sentences read from it (after any --limit).")


class Scores(_Strict):
    f1: float = Field(description="F1 of the Yes (check-worthy) class.")
    precision: float
    recall: float
    brier: float | None = Field(default=None, description="Mean squared error of P(Yes).")
    flagged: float | None = Field(default=None, description="Share of sentences at or over.")
    average_precision: float | None = Field(default=None, description="Threshold-free.")
    ece: float | None = Field(default=None, description="Expected calibration error, 10 bins.")
    base_rate: float | None = Field(default=None, description="Share of Yes in the set.")


class Layer(_Strict):
    """A dense layer; the weight matrix as base64 float32 (a 5-seed MLP has 257k weights: as
    JSON numbers the file was 4.7 MB, as float32 it is about 1.4 MB, exactly what runs)."""

    shape: tuple[int, int] = Field(description="(inputs, outputs).")
    weights: str = Field(description="base64 of little-endian float32, row-major, shape.")
    bias: list[float]

    @classmethod
    def of(cls, weights: np.ndarray, bias: np.ndarray) -> Layer:
        matrix = np.ascontiguousarray(weights, dtype="<f4")
        return cls(
            shape=(int(matrix.shape[0]), int(matrix.shape[1])),
            weights=base64.b64encode(matrix.tobytes()).decode("ascii"),
            bias=[float(np.float32(v)) for v in np.ravel(bias)],
        )

    def matrix(self) -> np.ndarray:
        return np.frombuffer(base64.b64decode(self.weights), dtype="<f4").reshape(self.shape)

    @model_validator(mode="after")
    def _size_agrees(self) -> Layer:
        rows, cols = self.shape
        if len(base64.b64decode(self.weights)) != 4 * rows * cols or len(self.bias) != cols:
            raise ValueError(f"a layer's weights or bias do not have the shape {self.shape}")
        return self


class Head(_Strict):
    kind: Literal["logistic", "mlp"]
    layers: list[Layer] = Field(
        description="Dense layers; ReLU between them; the last has one output, the logit."
    )


class Calibration(_Strict):
    method: Literal["platt", "isotonic", "none"]
    a: float = 1.0
    b: float = 0.0
    x: list[float] = Field(default_factory=list, description="Isotonic: logits, increasing.")
    y: list[float] = Field(default_factory=list, description="Isotonic: P(Yes) at x.")


class Provenance(_Strict):
    script: str
    data: list[DataFile]
    seed: int
    experiment: str = Field(description="Name of the chosen configuration.")
    hyperparameters: dict[str, float | int | str | None]
    chosen_on: str = Field(description="How the configuration and threshold were chosen.")
    encoder: str
    encoder_sha256: str
    tokenizer_sha256: str
    max_tokens: int


class HeadArtifact(_Strict):
    format: Literal["workbench.checkworthiness_head/1"]
    features: list[Feature]
    cue_names: list[str] = Field(default_factory=list)
    mean: list[float] = Field(description="Per-feature mean subtracted before the head.")
    scale: list[float] = Field(description="Per-feature divisor applied before the head.")
    head: Head
    calibration: Calibration
    threshold: float = Field(ge=0, le=1, description="Calibrated P at or above which: yes.")
    provenance: Provenance
    metrics: dict[str, Scores] = Field(description="Yes-class scores per set, at the threshold.")
    experiments: list[dict[str, object]] = Field(
        default_factory=list, description="Every configuration tried, with its scores."
    )

    @model_validator(mode="after")
    def _shapes_agree(self) -> HeadArtifact:
        width = feature_width(self.features, self.cue_names)
        if len(self.mean) != width or len(self.scale) != width:
            raise ValueError(f"mean/scale have {len(self.mean)}/{len(self.scale)}, not {width}")
        inputs = width
        for layer in self.head.layers:
            if layer.shape[0] != inputs:
                raise ValueError(f"a layer of shape {layer.shape} does not take {inputs} inputs")
            inputs = layer.shape[1]
        if inputs != 1:
            raise ValueError(f"the head's last layer has {inputs} outputs, not 1")
        unknown = [name for name in self.cue_names if name not in CUES]
        if unknown:
            raise ValueError(f"cues that workbench.language.cues does not have: {unknown}")
        return self


def feature_width(features: Sequence[str], cue_names: Sequence[str]) -> int:
    return sum(DIMENSION if name == "minilm" else len(cue_names) for name in features)


def feature_matrix(
    texts: Sequence[str],
    embeddings: np.ndarray,
    features: Sequence[str],
    cue_names: Sequence[str] = (),
) -> np.ndarray:
    """The head's raw input (before standardising): the named blocks side by side.

    The training script calls this too, so training and inference build the same features.
    """
    blocks: list[np.ndarray] = []
    for name in features:
        if name == "minilm":
            blocks.append(np.asarray(embeddings, dtype=np.float64))
        elif name == "cues":
            values = [sentence_cues(text) for text in texts]
            blocks.append(
                np.array([[row[cue] for cue in cue_names] for row in values], dtype=float)
            )
        else:
            raise ConfigError(f"unknown feature block {name!r}")
    return np.hstack(blocks) if blocks else np.zeros((len(texts), 0))


def head_layers(head: Head) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(layer.matrix().astype(np.float64), np.asarray(layer.bias)) for layer in head.layers]


def head_logits(layers: list[tuple[np.ndarray, np.ndarray]], inputs: np.ndarray) -> np.ndarray:
    """The head's logit for each standardised input row (``layers`` from ``head_layers``)."""
    activations = inputs
    for index, (weights, bias) in enumerate(layers):
        activations = activations @ weights + bias
        if index < len(layers) - 1:
            activations = np.maximum(activations, 0.0)
    return np.asarray(activations[:, 0], dtype=float)


def calibrate(calibration: Calibration, logits: np.ndarray) -> np.ndarray:
    """Calibrated P(check-worthy) from the head's logits."""
    if calibration.method == "isotonic":
        probabilities = np.interp(logits, calibration.x, calibration.y)
    else:
        z = calibration.a * logits + calibration.b
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    return np.clip(probabilities, 0.0, 1.0)


def load_head(path: Path = HEAD_PATH) -> HeadArtifact:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"check-worthiness head not found at {path}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: invalid JSON ({err.msg})") from None
    try:
        return HeadArtifact.model_validate(raw)
    except ValueError as err:
        raise ConfigError(f"{path}: not a check-worthiness head ({err})") from None


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


class SentenceScore(_Strict):
    text: str
    probability: float = Field(ge=0, le=1, description="P(check-worthy), see models/README.md.")
    is_check_worthy: bool = Field(description="probability >= the artifact's threshold.")
    label: Literal["check-worthy", "not check-worthy"]
    rationale: str = Field(max_length=200)
    cues: list[str] = Field(
        description="Surface cues found (workbench.language.cues), strongest first."
    )


def _rationale(probability: float, threshold: float, cues: list[str], parts: str = "") -> str:
    cues = [c for c in cues if c != "length"]  # fires on every non-empty sentence: says nothing
    cue_for = [c for c in cues if DEFAULT_WEIGHTS.weights.get(c, 0.0) > 0][:3]
    cue_against = [c for c in cues if DEFAULT_WEIGHTS.weights.get(c, 0.0) < 0][:2]

    def words(names: list[str]) -> str:
        return ", ".join(name.replace("_", " ") for name in names) or "none"

    comparison = ">=" if probability >= threshold else "<"
    text = (
        f"trained classifier P={probability:.2f} {comparison} threshold {threshold:.2f}"
        f"{f' ({parts})' if parts else ''}; "
        f"cues for: {words(cue_for)}; against: {words(cue_against)}"
    )
    return text[:200]


class CheckworthinessClassifier:
    """The head of ``artifact`` over ``encoder``'s sentence vectors."""

    def __init__(
        self, artifact: HeadArtifact | None = None, encoder: SentenceEncoder | None = None
    ) -> None:
        self.artifact = artifact or load_head()
        self._encoder = encoder
        self._mean = np.asarray(self.artifact.mean)
        self._scale = np.asarray(self.artifact.scale)
        self._layers = head_layers(self.artifact.head)

    @property
    def threshold(self) -> float:
        return self.artifact.threshold

    def encoder(self) -> SentenceEncoder:
        """The shared encoder the head was fitted over, by the sha256 its provenance names:
        the stock all-MiniLM-L6-v2 or the fine-tuned one; any other is an error."""
        if self._encoder is None:
            fitted_on = self.artifact.provenance.encoder_sha256
            encoder = stock_encoder() if fitted_on == STOCK_MODEL_SHA256 else default_encoder()
            if encoder.sha256 != fitted_on:
                raise ConfigError(
                    f"the check-worthiness head was fitted on encoder sha256 {fitted_on[:12]}..., "
                    f"but {encoder.model_file} has {encoder.sha256[:12]}...: retrain the head "
                    "(scripts/select_checkworthiness.py) or run the encoder it names"
                )
            self._encoder = encoder
        return self._encoder

    def probabilities(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated P(check-worthy) per text; pass ``embeddings`` if already computed."""
        if isinstance(texts, str):
            raise TypeError("probabilities takes a sequence of strings, not one string")
        if not texts:
            return np.zeros(0)
        if embeddings is None:
            embeddings = self.encoder().encode(texts)
        raw = feature_matrix(texts, embeddings, self.artifact.features, self.artifact.cue_names)
        logits = head_logits(self._layers, (raw - self._mean) / self._scale)
        return calibrate(self.artifact.calibration, logits)

    def score_sentences(self, texts: Sequence[str]) -> list[SentenceScore]:
        probabilities = self.probabilities(texts)
        return [
            self._score(text, probability)
            for text, probability in zip(texts, probabilities.tolist(), strict=True)
        ]

    def score_claim(self, claim: str, sentence: str) -> SentenceScore:
        """A claim read alone and in its sentence: the geometric mean of the two probabilities.

        The classifier learnt from whole sentences. A clause read alone loses its frame ("The
        committee would question the minister on 19 November" is news as what the committee's
        chair said), while the sentence alone would give each of its clauses one score ("Their
        relief is palpable", split from a checkable report, would be check-worthy). The geometric
        mean asks both readings to agree; a claim that is its whole sentence keeps that sentence's
        probability. Chosen on development data (evals/README.md "Engines"): matched fixture
        claims F1 0.813 -> 0.835, CheckThat! dev through the pipeline 0.949 -> 0.951.
        """
        if claim == sentence:
            return self.score_sentences([claim])[0]
        alone, framed = self.probabilities([claim, sentence]).tolist()
        probability = math.sqrt(alone * framed)
        return self._score(
            claim, probability, f"claim alone {alone:.2f}, in its sentence {framed:.2f}"
        )

    def _score(self, text: str, probability: float, parts: str = "") -> SentenceScore:
        cues = rate_sentence(text).cues
        yes = probability >= self.threshold
        return SentenceScore(
            text=text,
            probability=probability,
            is_check_worthy=yes,
            label="check-worthy" if yes else "not check-worthy",
            rationale=_rationale(probability, self.threshold, cues, parts),
            cues=cues,
        )


_lock = threading.Lock()


@cache
def _default_classifier() -> CheckworthinessClassifier:
    return CheckworthinessClassifier()


def default_classifier() -> CheckworthinessClassifier:
    """The committed head over the process's shared encoder, loaded once."""
    with _lock:
        return _default_classifier()


def score_sentences(texts: Sequence[str]) -> list[SentenceScore]:
    """Score sentences with the committed head (loads the encoder on first use)."""
    return default_classifier().score_sentences(texts)
