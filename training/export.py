"""Export the fine-tuned encoder to ONNX (mean pooling in the graph), quantise to int8, check."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from transformers import PreTrainedModel

from training.model import PooledEncoder

OPSET = 17


def make_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """The encoder's WordPiece tokenizer, truncating at ``max_length``, without padding."""
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_length)
    tok.no_padding()
    return tok


def batch_arrays(tok: Tokenizer, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask (int64), padded to the longest text of the batch."""
    enc = tok.encode_batch(texts)
    width = max(1, max(len(e.ids) for e in enc))
    ids = np.zeros((len(enc), width), np.int64)
    mask = np.zeros((len(enc), width), np.int64)
    for i, e in enumerate(enc):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return ids, mask


def embed_in_batches(
    run: Callable[[np.ndarray, np.ndarray], np.ndarray],
    tok: Tokenizer,
    texts: list[str],
    batch_size: int = 64,
) -> np.ndarray:
    """Embed ``texts`` in length-sorted batches (less padding), returned in the input order."""
    if not texts:
        return np.zeros((0, 0), np.float32)
    lengths = [len(e.ids) for e in tok.encode_batch(texts)]
    order = np.argsort(lengths, kind="stable")
    out: np.ndarray | None = None
    for start in range(0, len(texts), batch_size):
        idx = order[start : start + batch_size]
        ids, mask = batch_arrays(tok, [texts[i] for i in idx])
        emb = run(ids, mask)
        if out is None:
            out = np.zeros((len(texts), emb.shape[1]), np.float32)
        out[idx] = emb
    assert out is not None
    return out


def torch_embedder(
    encoder: PreTrainedModel, tok: Tokenizer, device: str
) -> Callable[[list[str]], np.ndarray]:
    pooled = PooledEncoder(encoder).eval()

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = pooled(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
        return out.float().cpu().numpy()

    return lambda texts: embed_in_batches(run, tok, texts)


def onnx_embedder(path: Path, tok: Tokenizer, threads: int) -> Callable[[list[str]], np.ndarray]:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(out, dtype=np.float32)

    return lambda texts: embed_in_batches(run, tok, texts)


def export_fp32(encoder: PreTrainedModel, path: Path) -> None:
    """ONNX (opset 17, TorchScript exporter), inputs input_ids/attention_mask [batch, seq],
    output ``embedding`` [batch, dim] = the attention-masked mean of the last hidden states."""
    pooled = PooledEncoder(encoder).eval().cpu()
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    dyn = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            pooled,
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "embedding": {0: "batch"}},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    onnx.checker.check_model(str(path))


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    return np.asarray((a * b).sum(1) / np.maximum(na * nb, 1e-12))


@dataclass
class QuantReport:
    size_mb: float
    cosine_mean: float
    cosine_min: float
    cosine_p5: float
    kept_float: list[str] = field(default_factory=list)
    sample: int = 0

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def export_quantised(
    encoder: PreTrainedModel,
    fp32: Path,
    tok: Tokenizer,
    out_path: Path,
    sample_texts: list[str],
    min_cosine: float,
    threads: int,
) -> QuantReport:
    """encoder.onnx from the float export ``fp32``: int8 per channel (dynamic quantisation of every
    weight MatMul and the embedding Gathers). If the mean cosine between int8 and torch embeddings
    of the sample falls below ``min_cosine``, the FFN output projections — the layers most hurt by
    8-bit activations — are kept in float one at a time, from the first layer on, until it holds."""
    logging.getLogger("root").setLevel(logging.ERROR)  # quantize_dynamic's pre-processing hint
    reference = torch_embedder(encoder, tok, "cpu")(sample_texts)
    matmuls = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == "MatMul"]
    ffn_out = [n for n in matmuls if "/output/dense/" in n and "attention" not in n]
    kept: list[str] = []
    while True:
        quantize_dynamic(
            str(fp32),
            str(out_path),
            per_channel=True,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=kept,
            extra_options={"MatMulConstBOnly": True},
        )
        got = onnx_embedder(out_path, tok, threads)(sample_texts)
        cos = _cosines(got, reference)
        report = QuantReport(
            size_mb=out_path.stat().st_size / 1e6,
            cosine_mean=float(cos.mean()),
            cosine_min=float(cos.min()),
            cosine_p5=float(np.percentile(cos, 5)),
            kept_float=list(kept),
            sample=len(sample_texts),
        )
        print(
            f"[export] int8 encoder {report.size_mb:.1f} MB, cosine to torch mean "
            f"{report.cosine_mean:.4f} (min {report.cosine_min:.4f}), float: {kept or 'none'}",
            flush=True,
        )
        if report.cosine_mean >= min_cosine or len(kept) == len(ffn_out):
            return report
        kept.append(ffn_out[len(kept)])
