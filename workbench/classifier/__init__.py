"""The trained check-worthiness classifier and its model files; topics and the check-first order.

- ``encoder``: the only code that talks to onnxruntime and tokenizers: sentence vectors from
  MiniLM fine-tuned on CheckThat! train, run as int8 ONNX;
- ``head``: the fitted head over those vectors (and the surface cues of
  ``workbench.language.cues``), calibrated: a probability, a yes/no and a rationale;
- ``models/``: the encoder, its tokenizer and the head, package data (pyproject.toml);
- ``topics``: a claim's relevance to the user's topics of interest (the stock encoder's cosine);
- ``rank``: the check-first list: an article's claims in the order they deserve a check, with why.

The files are located here, without importing either module, so the engines' cache identity can
hash them without loading numpy. May import ``workbench.language`` and ``workbench.core``.
"""

from pathlib import Path

MODELS = Path(__file__).parent / "models"
HEAD_PATH = MODELS / "checkworthiness_head.json"  # scripts/select_checkworthiness.py writes it
