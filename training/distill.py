"""Distil the shipped signals encoder into a shallower one that the same heads can read.

    python -m training.distill --layers 3 --time-budget 60 --out /tmp/distilled

Why: on 2 CPU cores the 6-layer encoder is ~90 % of `attune annotate`'s time, and the cost is
linear in the number of layers. The student keeps every width (so ``heads.npz`` is reused as is),
starts from every other layer of the fine-tuned teacher, and learns to reproduce the teacher's
pooled embedding (and what the single-message heads read from it) on every training text and
context. Dev metrics are then measured exactly as `training.train` measures them (thresholds
retuned on dev), and the artefact folder is written with its own card section.

The teacher is read back from the shipped int8 ONNX file (weights dequantised), so distillation
needs no checkpoint beyond what the package ships.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as `python training/distill.py`
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see training/train.py

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from transformers import BertConfig, BertModel  # noqa: E402

from training import card  # noqa: E402
from training.evaluate import evaluate  # noqa: E402
from training.export import (  # noqa: E402
    export_fp32,
    export_quantised,
    make_tokenizer,
    onnx_embedder,
)
from training.model import (  # noqa: E402
    TINY_RANDOM,
    add_state_options,
    base_word_embeddings,
    freeze_word_embeddings,
    load_encoder,
    load_weights,
    mean_pool,
    restore_state,
    save_state,
)
from training.tasks import ALL_TASKS, load_tasks  # noqa: E402
from training.train import (  # noqa: E402
    DEFAULT_DATA,
    DEFAULT_LABELLED,
    DEFAULT_OUT,
    default_encoder,
    dump_heads_json,
    length_batches,
    measured,
    pad,
    seed_everything,
)


def _dequantised(inits: dict[str, np.ndarray], name: str, axis: int) -> np.ndarray:
    q = inits[f"{name}_quantized"].astype(np.float32)
    scale = inits[f"{name}_scale"].astype(np.float32)
    zero = inits[f"{name}_zero_point"].astype(np.float32)
    if scale.ndim == 1 and scale.size > 1:  # per channel along ``axis``
        shape = [1] * q.ndim
        shape[axis] = -1
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return np.asarray((q - zero) * scale, dtype=np.float32)


def teacher_from_onnx(path: Path, config: BertConfig) -> BertModel:
    """The float BERT (of shape ``config``) whose int8 quantisation is ``path`` (the graph
    training/export.py writes)."""
    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:  # the exporter keeps one of equal parameters, aliased by Identity
        if node.op_type == "Identity" and node.input[0] in inits:
            inits.setdefault(node.output[0], inits[node.input[0]])
    model = BertModel(config, add_pooling_layer=False)
    state: dict[str, torch.Tensor] = {}
    for key, value in inits.items():
        if key.startswith("encoder.") and not key.endswith(("_quantized", "_scale", "_zero_point")):
            state[key.removeprefix("encoder.")] = torch.from_numpy(value.copy())
    for table in ("word", "position", "token_type"):
        name = f"encoder.embeddings.{table}_embeddings.weight"
        axis = 0
        for node in graph.node:  # the DequantizeLinear of the gathered rows gives the axis
            if node.op_type == "DequantizeLinear" and node.input[1] == f"{name}_scale":
                axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        weight = _dequantised(inits, name, axis)
        state[f"embeddings.{table}_embeddings.weight"] = torch.from_numpy(weight)
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        layer = node.name.split("/encoder/encoder/")[1].split("/")[0]  # "layer.3"
        linear = ".".join(node.name.split(f"/{layer}/")[1].split("/")[:-1])
        weight = _dequantised(inits, node.input[1].removesuffix("_quantized"), 1)
        state[f"encoder.{layer}.{linear}.weight"] = torch.from_numpy(weight.T.copy())
    load_weights(model, state, path, "cannot rebuild the encoder")
    return model.eval()


def student_from(teacher: BertModel, keep: list[int]) -> BertModel:
    """A copy of ``teacher`` with only the encoder layers ``keep`` (in order)."""
    config = BertConfig.from_dict({**teacher.config.to_dict(), "num_hidden_layers": len(keep)})
    student = BertModel(config, add_pooling_layer=False)
    state = {}
    for key, value in teacher.state_dict().items():
        if key.startswith("encoder.layer."):
            index = int(key.split(".")[2])
            if index not in keep:
                continue
            rest = key.split(".", 3)[3]
            key = f"encoder.layer.{keep.index(index)}.{rest}"
        state[key] = value.clone()
    student.load_state_dict(state, strict=False)
    return student


def self_head_logits(arrays: dict[str, np.ndarray], names: list[str], device: str) -> Any:
    """Torch closures for the single-message heads (frozen), for the logit part of the loss."""
    params = {
        n: [torch.from_numpy(arrays[f"{n}.{p}"]).to(device) for p in ("w1", "b1", "w2", "b2")]
        for n in names
    }

    def run(e: torch.Tensor) -> torch.Tensor:
        outs = [F.gelu(e @ w1 + b1) @ w2 + b2 for w1, b1, w2, b2 in params.values()]
        return torch.cat(outs, dim=1)

    return run


def fit(
    student: BertModel,
    ids: list[list[int]],
    target_t: torch.Tensor,
    target_logits: torch.Tensor,
    logits: Any,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Train ``student`` to reproduce the teacher's embeddings and self-head logits."""
    device = args.device
    student.to(device)
    trainable = [p for p in student.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    student.train()
    start = time.perf_counter()
    budget_s = args.time_budget * 60
    step, seen = 0, 0
    queue: list[np.ndarray] = []
    losses: list[float] = []
    while True:
        elapsed = time.perf_counter() - start
        if (args.max_steps and step >= args.max_steps) or (
            not args.max_steps and elapsed >= budget_s
        ):
            break
        if not queue:
            queue = length_batches([len(x) for x in ids], args.batch_size, rng)
        idx = queue.pop()
        progress = step / args.max_steps if args.max_steps else elapsed / budget_s
        for group in optimiser.param_groups:
            group["lr"] = args.lr * min(1.0, (step + 1) / 100) * max(0.0, 1.0 - progress)
        input_ids, mask = pad([ids[i] for i in idx], device)
        e = mean_pool(student(input_ids=input_ids, attention_mask=mask).last_hidden_state, mask)
        t_idx = torch.from_numpy(idx).to(device)
        loss = F.mse_loss(e, target_t[t_idx]) * e.shape[1] + args.logit_weight * F.mse_loss(
            logits(e), target_logits[t_idx]
        )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimiser.step()
        losses.append(float(loss.detach()))
        step += 1
        seen += len(idx)
        if step % 200 == 0:
            rate = seen / (time.perf_counter() - start)
            print(
                f"[distill] step {step} loss {np.mean(losses[-200:]):.4f} {rate:.0f} texts/s",
                flush=True,
            )
    return {
        "steps": step,
        "texts_seen": seen,
        "train_s": time.perf_counter() - start,
        "final_loss": round(float(np.mean(losses[-200:])), 5) if losses else None,
        "device": device,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m training.distill", description=__doc__.split("\n")[0]
    )
    p.add_argument("--teacher", type=Path, default=DEFAULT_OUT, help="shipped model folder")
    p.add_argument("--out", type=Path, required=True, help="artefact folder for the student")
    p.add_argument("--layers", default="1,3,5", help="teacher layers the student starts from")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    p.add_argument("--labelled-dir", type=Path, default=DEFAULT_LABELLED)
    p.add_argument("--time-budget", type=float, default=60.0, help="minutes of training")
    p.add_argument("--max-steps", type=int, default=0, help="stop after N steps (0: the budget)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--logit-weight", type=float, default=0.1)
    p.add_argument("--max-texts", type=int, default=0, help="cap the distillation texts (pilots)")
    p.add_argument("--max-dev", type=int, default=0, help="cap the dev examples per task (pilots)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--min-cosine", type=float, default=0.99)
    p.add_argument("--device", default="cpu", help="cpu or cuda (training only)")
    p.add_argument("--encoder", default=None, help="the base model folder (default: MiniLM)")
    add_state_options(
        p, saves="also save the student here", restores="skip training: the student of --save-state"
    )
    p.add_argument("--train-only", action="store_true", help="stop after --save-state")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out.resolve() == args.teacher.resolve():
        sys.exit("--out must differ from --teacher (the teacher is read from it)")
    torch.set_num_threads(max(1, args.threads))
    seed_everything(args.seed)
    meta = json.loads((args.teacher / "heads.json").read_text(encoding="utf-8"))
    tok = make_tokenizer(args.teacher / "tokenizer.json", int(meta["max_length"]))
    arrays = dict(np.load(args.teacher / "heads.npz"))
    base = TINY_RANDOM if meta["encoder"] == TINY_RANDOM else (args.encoder or default_encoder())
    base_encoder = load_encoder(base, tok.get_vocab_size(), args.seed)
    config = base_encoder.config
    teacher = teacher_from_onnx(args.teacher / "encoder.onnx", config)
    teacher_layers = int(config.num_hidden_layers)
    keep = [int(x) for x in args.layers.split(",")]
    student = student_from(teacher, keep)
    del teacher
    if args.freeze_word_embeddings:
        freeze_word_embeddings(student, base_word_embeddings(base_encoder))

    loaded = load_tasks(
        list(ALL_TASKS), args.data_dir, args.labelled_dir, args.seed, None, args.max_dev or None
    )
    tasks = [t for t in loaded if t.train]
    texts = sorted(
        {x.text for t in tasks for x in t.train}
        | {x.context for t in tasks for x in t.train if x.context}
    )
    if args.max_texts:
        texts = random.Random(args.seed).sample(texts, min(args.max_texts, len(texts)))
    if args.from_state:
        saved = restore_state(args.from_state, student, base_encoder)
        fitted: dict[str, Any] = saved["record"]  # type: ignore[assignment]
        print(f"[distill] weights from {args.from_state} ({fitted['steps']} steps)", flush=True)
    else:
        t0 = time.perf_counter()
        target = onnx_embedder(args.teacher / "encoder.onnx", tok, args.threads)(texts)
        print(
            f"[distill] {len(texts):,} texts, teacher embeddings "
            f"in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        ids = [e.ids for e in tok.encode_batch(texts)]
        self_heads = [n for n, s in meta["heads"].items() if s["input"] == "self"]
        logits = self_head_logits(arrays, self_heads, args.device)
        target_t = torch.from_numpy(target).to(args.device)
        with torch.no_grad():
            target_logits = logits(target_t)
        fitted = fit(student, ids, target_t, target_logits, logits, args)
        fitted["config"] = {  # machine-specific paths left out, as train.py does
            k: v
            for k, v in vars(args).items()
            if k not in ("teacher", "out", "data_dir", "labelled_dir", "encoder")
            and k not in ("save_state", "from_state", "train_only")
        }
    student.cpu().eval()
    if args.save_state:
        args.save_state.parent.mkdir(parents=True, exist_ok=True)
        frozen = args.freeze_word_embeddings
        save_state(args.save_state, student, None, frozen, fitted)
        print(f"[distill] weights saved to {args.save_state}", flush=True)
    if args.train_only:
        return 0
    step, seen, train_s = fitted["steps"], fitted["texts_seen"], fitted["train_s"]

    args.out.mkdir(parents=True, exist_ok=True)
    pool = sorted({x.text for t in tasks for x in t.dev})
    sample = random.Random(args.seed).sample(pool, min(256, len(pool)))
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "encoder.fp32.onnx"
        export_fp32(student, fp32)
        quant = export_quantised(
            student, fp32, tok, args.out / "encoder.onnx", sample, args.min_cosine, args.threads
        )
    embed = onnx_embedder(args.out / "encoder.onnx", tok, args.threads)
    agreement = _cosine_to_teacher(
        embed, onnx_embedder(args.teacher / "encoder.onnx", tok, args.threads), sample
    )
    results, thresholds = evaluate(tasks, embed, arrays, None, args.seed)
    for name, values in thresholds.items():
        meta["heads"][name]["thresholds"] = [round(float(t), 4) for t in values]
    before = meta["dev_metrics"]
    meta.update(measured(results, quant))
    meta["distillation"] = {
        "teacher_layers_kept": keep,
        "layers": len(keep),
        "texts": len(texts),
        "steps": step,
        "texts_seen": seen,
        "train_s": round(train_s),
        "final_loss": fitted["final_loss"],
        "device": fitted.get("device", "cpu"),
        "student_to_teacher_cosine_dev_sample": agreement,
        "teacher_dev_metrics": before,
        "config": fitted["config"],
    }
    (args.out / "heads.json").write_text(dump_heads_json(meta), encoding="utf-8")
    shutil.copy(args.teacher / "heads.npz", args.out / "heads.npz")
    shutil.copy(args.teacher / "tokenizer.json", args.out / "tokenizer.json")
    teacher_results = {
        t.name: {
            h.name: {"primary": ("", before[h.name]["value"])} for h in t.heads if h.name in before
        }
        for t in tasks
    }
    card.write_card(
        args.out / "MODEL_CARD.md",
        tasks=tasks,
        results=results,
        float_results=teacher_results,
        thresholds=thresholds,
        stats={},
        quant=quant.as_dict(),
        meta={
            **meta,
            "training": {
                **meta["training"],
                "config": {**meta["training"]["config"], "min_cosine": args.min_cosine},
            },
        },
        total_wall_s=0.0,
        compare_label="teacher",
        distillation={**meta["distillation"], "teacher": teacher_layers},
        training_section=_section(args.teacher / "MODEL_CARD.md", "## Training run"),
    )
    for head, m in meta["dev_metrics"].items():
        old = before.get(head, {}).get("value")
        print(f"[dev] {head:22} {m['metric']:10} {m['value']:.4f}  (teacher {old})")
    return 0


def _section(card_path: Path, heading: str) -> str:
    """The text of a card's section ``heading`` (without the heading), or a note if absent."""
    text = card_path.read_text(encoding="utf-8") if card_path.exists() else ""
    start = text.find(heading + "\n")
    if start < 0:
        return "(the teacher's card has no training section)"
    body = text[start + len(heading) + 1 :]
    end = body.find("\n## ")
    return body if end < 0 else body[:end]


def _cosine_to_teacher(student: Any, teacher: Any, texts: list[str]) -> dict[str, float]:
    a, b = student(texts), teacher(texts)
    cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)
    return {
        "mean": round(float(cos.mean()), 4),
        "p5": round(float(np.percentile(cos, 5)), 4),
        "n": len(texts),
    }


if __name__ == "__main__":
    raise SystemExit(main())
