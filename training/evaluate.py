"""Numpy heads (as the run time computes them), dev metrics and per-label threshold tuning."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from training.tasks import HeadSpec, TaskData

Embed = Callable[[list[str]], np.ndarray]

# dev targets from issue 3 (primary metric per head)
TARGETS: dict[str, float] = {
    "emotions": 0.52,
    "listening": 0.60,
    "empathy_er": 0.78,
    "empathy_in": 0.65,
    "empathy_ex": 0.72,
    "mi_behaviour": 0.80,
    "intimacy": 0.80,
}
THRESHOLD_GRID = np.round(np.arange(0.02, 0.981, 0.01), 2)

_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU."""
    return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))).astype(np.float32)


def head_outputs(
    arrays: dict[str, np.ndarray], spec: HeadSpec, e: np.ndarray, c: np.ndarray | None
) -> np.ndarray:
    """Probabilities (multilabel: sigmoid, multiclass: softmax) or values (regression: tanh into
    the range) of one head, from numpy arrays as stored in heads.npz."""
    if spec.input == "pair":
        c = np.zeros_like(e) if c is None else c
        x = np.concatenate([e, c, e * c, np.abs(e - c)], axis=1)
    else:
        x = e
    n = spec.name
    logits = gelu(x @ arrays[f"{n}.w1"] + arrays[f"{n}.b1"]) @ arrays[f"{n}.w2"] + arrays[f"{n}.b2"]
    logits = logits.astype(np.float64)
    if spec.kind == "multilabel":
        return 1.0 / (1.0 + np.exp(-logits))
    if spec.kind == "multiclass":
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)
    lo, hi = spec.range or (-1.0, 1.0)
    return lo + (np.tanh(logits[:, 0]) + 1.0) * (hi - lo) / 2.0


# --------------------------------------------------------------------------------------------
# metrics


def _f1(tp: float, fp: float, fn: float, beta: float = 1.0) -> float:
    b2 = beta * beta
    denom = (1 + b2) * tp + b2 * fn + fp
    return float((1 + b2) * tp / denom) if denom > 0 else 0.0


def multiclass_metrics(gold: np.ndarray, pred: np.ndarray, labels: Sequence[Any]) -> dict[str, Any]:
    """Macro-F1 over the classes present in gold or predictions (scikit-learn's default)."""
    per = {}
    present = sorted(set(gold.tolist()) | set(pred.tolist()))
    for k in range(len(labels)):
        tp = float(np.sum((pred == k) & (gold == k)))
        fp = float(np.sum((pred == k) & (gold != k)))
        fn = float(np.sum((pred != k) & (gold == k)))
        per[str(labels[k])] = {"f1": _f1(tp, fp, fn), "support": int(np.sum(gold == k))}
    macro = float(np.mean([per[str(labels[k])]["f1"] for k in present])) if present else 0.0
    return {
        "macro_f1": macro,
        "accuracy": float(np.mean(gold == pred)) if len(gold) else 0.0,
        "n": len(gold),
        "per_label": per,
    }


def multilabel_f1(
    probs: np.ndarray, gold: np.ndarray, thresholds: np.ndarray
) -> tuple[float, float, list[float]]:
    """(macro-F1 over labels present in gold or predictions, micro-F1, per-label F1)."""
    pred = probs >= thresholds[None, :]
    g = gold > 0.5
    per = []
    present = []
    tps = fps = fns = 0.0
    for k in range(gold.shape[1]):
        tp = float(np.sum(pred[:, k] & g[:, k]))
        fp = float(np.sum(pred[:, k] & ~g[:, k]))
        fn = float(np.sum(~pred[:, k] & g[:, k]))
        tps, fps, fns = tps + tp, fps + fp, fns + fn
        per.append(_f1(tp, fp, fn))
        if tp + fp + fn > 0:
            present.append(k)
    macro = float(np.mean([per[k] for k in present])) if present else 0.0
    return macro, _f1(tps, fps, fns), per


def tune_thresholds(probs: np.ndarray, gold: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """Per label, the grid threshold maximising F-beta (0.5 where the label has no positive)."""
    g = gold > 0.5
    out = np.full(gold.shape[1], 0.5)
    for k in range(gold.shape[1]):
        if not g[:, k].any():
            continue
        best, best_t = -1.0, 0.5
        for t in THRESHOLD_GRID:
            p = probs[:, k] >= t
            tp = float(np.sum(p & g[:, k]))
            score = _f1(tp, float(np.sum(p & ~g[:, k])), float(np.sum(~p & g[:, k])), beta)
            if score > best + 1e-12:
                best, best_t = score, float(t)
        out[k] = best_t
    return out


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


# --------------------------------------------------------------------------------------------
# evaluation of every task on dev


def embed_task(task: TaskData, embed: Embed) -> tuple[np.ndarray, np.ndarray | None]:
    """Embeddings of the dev texts and of their contexts (zeros where none), each string once."""
    strings = sorted({e.text for e in task.dev} | {e.context for e in task.dev if e.context})
    index = {s: i for i, s in enumerate(strings)}
    table = embed(strings) if strings else np.zeros((0, 1), np.float32)
    e = table[[index[x.text] for x in task.dev]]
    if not any(x.context for x in task.dev):
        return e, None
    c = np.zeros_like(e)
    for i, x in enumerate(task.dev):
        if x.context:
            c[i] = table[index[x.context]]
    return e, c


def evaluate(
    tasks: list[TaskData],
    embed: Embed,
    arrays: dict[str, np.ndarray],
    thresholds: dict[str, np.ndarray] | None,
    seed: int,
) -> tuple[dict[str, dict[str, Any]], dict[str, np.ndarray]]:
    """Dev metrics per head, and the multilabel thresholds tuned on dev.

    ``thresholds`` None: tune them here (multilabel heads; safety with F2, favouring recall).
    The returned thresholds are those tuned on the whole dev split (the ones shipped)."""
    results: dict[str, dict[str, Any]] = {}
    tuned: dict[str, np.ndarray] = {}
    for task in tasks:
        if not task.dev:
            continue
        e, c = embed_task(task, embed)
        for spec in task.heads:
            rows = [i for i, x in enumerate(task.dev) if spec.name in x.labels]
            if not rows:
                continue
            out = head_outputs(arrays, spec, e[rows], None if c is None else c[rows])
            gold_list = [task.dev[i].labels[spec.name] for i in rows]
            if spec.kind == "multiclass":
                gold = np.asarray(gold_list, dtype=np.int64)
                m = multiclass_metrics(gold, out.argmax(axis=1), spec.labels)
                m["primary"] = ("macro_f1", m["macro_f1"])
            elif spec.kind == "regression":
                gold_f = np.asarray(gold_list, dtype=np.float64)
                r = pearson(out, gold_f)
                m = {
                    "pearson_r": r,
                    "mse": float(np.mean((out - gold_f) ** 2)),
                    "n": len(rows),
                    "primary": ("pearson_r", r),
                }
            else:
                gold_m = np.asarray(gold_list, dtype=np.float64)
                beta = 2.0 if spec.name == "safety" else 1.0
                m = multilabel_report(out, gold_m, spec, beta, seed, thresholds)
                tuned[spec.name] = np.asarray(m.pop("_thresholds"))
            results.setdefault(task.name, {})[spec.name] = m
    return results, tuned


def multilabel_report(
    probs: np.ndarray,
    gold: np.ndarray,
    spec: HeadSpec,
    beta: float,
    seed: int,
    given: dict[str, np.ndarray] | None,
) -> dict[str, Any]:
    """Macro-F1 at 0.5; with thresholds tuned on one half of dev and scored on the other (both
    ways, the honest estimate); and with thresholds tuned on all of dev (in-sample, optimistic)."""
    half = np.random.default_rng(seed).permutation(len(gold))
    a, b = half[: len(gold) // 2], half[len(gold) // 2 :]
    at_half = tune_thresholds(probs[a], gold[a], beta)
    bt_half = tune_thresholds(probs[b], gold[b], beta)
    full = tune_thresholds(probs, gold, beta) if given is None else given[spec.name]
    macro05, micro05, _ = multilabel_f1(probs, gold, np.full(gold.shape[1], 0.5))
    on_b, _, _ = multilabel_f1(probs[b], gold[b], at_half)
    on_a, _, _ = multilabel_f1(probs[a], gold[a], bt_half)
    macro_full, micro_full, per = multilabel_f1(probs, gold, full)
    cross = (on_a + on_b) / 2.0
    return {
        "macro_f1_at_0.5": macro05,
        "micro_f1_at_0.5": micro05,
        "macro_f1_half_b_tuned_on_half_a": on_b,
        "macro_f1_half_a_tuned_on_half_b": on_a,
        "macro_f1_half_dev_cross": cross,
        "macro_f1_full_dev_in_sample": macro_full,
        "micro_f1_full_dev_in_sample": micro_full,
        "tuning": f"F{beta:g} per label on dev",
        "n": len(gold),
        "per_label": {
            str(lab): {
                "threshold": float(full[k]),
                "f1": per[k],
                "support": int(np.sum(gold[:, k] > 0.5)),
            }
            for k, lab in enumerate(spec.labels)
        },
        "primary": ("macro_f1_half_dev_cross", cross),
        "_thresholds": full.tolist(),
    }
