"""MODEL_CARD.md: data and licences, dev metrics, thresholds, the training run, known limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.evaluate import TARGETS
from training.tasks import TaskData


def _fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _primary(results: dict[str, Any] | None, task: str, head: str) -> float | None:
    if not results or task not in results or head not in results[task]:
        return None
    return float(results[task][head]["primary"][1])


METRIC_NAMES = {
    "macro_f1": "macro-F1",
    "pearson_r": "Pearson r",
    "macro_f1_half_dev_cross": "macro-F1, thresholds tuned on the other half of dev",
}


def write_card(
    path: Path,
    *,
    tasks: list[TaskData],
    results: dict[str, Any],
    float_results: dict[str, Any] | None,
    thresholds: dict[str, Any],
    stats: dict[str, Any],
    quant: dict[str, Any],
    meta: dict[str, Any],
    total_wall_s: float,
    compare_label: str = "float",
    distillation: dict[str, Any] | None = None,
    training_section: str | None = None,
) -> None:
    """``distillation`` (training/distill.py): the encoder is a shallower student of the trained
    one; ``training_section`` is then the teacher card's "Training run" text, kept as it was."""
    cfg = meta["training"]["config"]
    non_commercial = [t for t in tasks if not t.commercial_use]
    lines: list[str] = []
    add = lines.append
    add("# Attune signals model — model card")
    add("")
    if distillation is None:
        add(
            f"One encoder (`{meta['encoder']}`, fine-tuned multi-task, {meta['dim']}-d "
            f"mean-pooled embedding, int8 per-channel ONNX, {quant['size_mb']:.1f} MB) and "
            f"{len(meta['heads'])} small heads, one per signal; format in "
            "`docs/signals_model.md`. Written by `training/train.py`; every figure below was "
            "measured by that run."
        )
    else:
        add(
            f"One encoder — `{meta['encoder']}` fine-tuned multi-task, then **distilled to "
            f"{distillation['layers']} of its layers** — ({meta['dim']}-d mean-pooled embedding, "
            f"int8 per-channel ONNX, {quant['size_mb']:.1f} MB) and {len(meta['heads'])} small "
            "heads, one per signal (the teacher's, unchanged); format in "
            "`docs/signals_model.md`. Written by `training/distill.py` (the teacher by "
            "`training/train.py`); every figure below was measured by those runs."
        )
    add("")
    add(
        "Scores are orientation, not diagnosis: the heads were trained on Reddit comments, "
        "emotional-support and counselling dialogues, not on couples' chats."
    )
    add("")
    add("## Licence and terms of use")
    add("")
    add("- Base encoder: sentence-transformers/all-MiniLM-L6-v2, Apache-2.0.")
    if non_commercial:
        names = "; ".join(f"{t.name}: {t.licence}" for t in non_commercial)
        add(
            f"- **Non-commercial.** These weights were trained on data sets licensed for "
            f"non-commercial use only ({names}). Their terms carry over to the model: research "
            "and personal, non-commercial use only, with attribution to the data sets' authors. "
            "A commercial build must retrain without them (`--tasks` without "
            + " and ".join(t.name for t in non_commercial)
            + ") and so without the heads they define."
        )
    add("- Attune's code is Apache-2.0; the data sets' own licences are listed below.")
    add("")
    add("## Training data")
    add("")
    add("| task | heads | source | licence | train | dev | dev split |")
    add("|---|---|---|---|---:|---:|---|")
    for t in tasks:
        heads = ", ".join(f"`{h.name}`" for h in t.heads)
        add(
            f"| {t.name} | {heads} | {t.source} | {t.licence} | {len(t.train)} | {len(t.dev)} "
            f"| {t.dev_note} |"
        )
    add("")
    notes = [f"{t.name}: {n}" for t in tasks for n in t.notes]
    if notes:
        add("Notes: " + "; ".join(notes) + ".")
        add("")
    add(
        f"Training data SHA-256 (over the files' hashes, see heads.json): "
        f"`{meta['training_data_sha256']}`. Test splits were never read; thresholds were tuned "
        "on dev."
    )
    add("")
    add("## Dev metrics")
    add("")
    if distillation is None:
        add(
            "Measured with the **shipped artefact**: the int8 ONNX encoder and the numpy heads "
            "(`float` = the same model before quantisation, as float ONNX, for comparison)."
        )
    else:
        add(
            "Measured with the **shipped artefact**: the int8 ONNX student encoder and the numpy "
            f"heads, thresholds retuned on dev (`{compare_label}` = the {distillation['teacher']}"
            "-layer teacher's shipped int8 artefact, for comparison)."
        )
    add("")
    add(f"| head | metric | int8 (shipped) | {compare_label} | target | n |")
    add("|---|---|---:|---:|---:|---:|")
    for t in tasks:
        for h in t.heads:
            if t.name not in results or h.name not in results[t.name]:
                add(f"| `{h.name}` | – | no dev data | | | 0 |")
                continue
            m = results[t.name][h.name]
            metric, value = m["primary"]
            target = TARGETS.get(h.name)
            flag = ""
            if target is not None:
                flag = " ✓" if value >= target else " ✗"
            add(
                f"| `{h.name}` | {METRIC_NAMES.get(metric, metric)} | {_fmt(value)}{flag} "
                f"| {_fmt(_primary(float_results, t.name, h.name))} | {_fmt(target, 2)} "
                f"| {m['n']} |"
            )
    add("")
    for t in tasks:
        for h in t.heads:
            m = results.get(t.name, {}).get(h.name)
            if not m or h.kind != "multilabel":
                continue
            add(f"### `{h.name}` thresholds ({m['tuning']})")
            add("")
            add(
                f"- fixed threshold 0.5 on all of dev: macro-F1 {_fmt(m['macro_f1_at_0.5'])}, "
                f"micro-F1 {_fmt(m['micro_f1_at_0.5'])}"
            )
            add(
                "- **held-out estimate**: dev split in two seeded halves, thresholds tuned on one "
                f"half and scored on the other: half B {_fmt(m['macro_f1_half_b_tuned_on_half_a'])}"
                f", half A {_fmt(m['macro_f1_half_a_tuned_on_half_b'])}, mean "
                f"{_fmt(m['macro_f1_half_dev_cross'])} (the figure in the table above)"
            )
            add(
                "- thresholds tuned on **all of dev** and scored on all of dev (in-sample, "
                f"optimistic): macro-F1 {_fmt(m['macro_f1_full_dev_in_sample'])}, micro-F1 "
                f"{_fmt(m['micro_f1_full_dev_in_sample'])}. These thresholds are the ones "
                + (
                    "train.py writes to heads.json; `training/train_safety.py` then raises them "
                    "for everyday chat (section on safety below):"
                    if h.name == "safety"
                    else "shipped in heads.json:"
                )
            )
            add("")
            add("| label | threshold | dev F1 (in-sample) | dev support |")
            add("|---|---:|---:|---:|")
            for label, row in m["per_label"].items():
                add(f"| {label} | {row['threshold']:.2f} | {_fmt(row['f1'])} | {row['support']} |")
            add("")
    add("### Per-class dev F1 (int8)")
    add("")
    for t in tasks:
        for h in t.heads:
            m = results.get(t.name, {}).get(h.name)
            if not m or h.kind != "multiclass":
                continue
            per = ", ".join(
                f"{label} {_fmt(row['f1'], 2)} ({row['support']})"
                for label, row in m["per_label"].items()
            )
            add(f"- `{h.name}` (accuracy {_fmt(m['accuracy'])}): {per}")
    add("")
    add("## Quantisation")
    add("")
    kept = ", ".join(f"`{k}`" for k in quant["kept_float"]) or "none"
    add(
        f"onnxruntime `quantize_dynamic`, QInt8 weights per channel, weight MatMuls and embedding "
        f"Gathers; {quant['size_mb']:.1f} MB. Cosine between int8 and float embeddings on "
        f"{quant['sample']} dev texts: mean {quant['cosine_mean']:.4f}, 5th percentile "
        f"{quant['cosine_p5']:.4f}, min {quant['cosine_min']:.4f}. MatMuls kept in float to hold "
        f"mean cosine ≥ {cfg['min_cosine']}: {kept}."
    )
    add("")
    if distillation is not None:
        _distillation_section(add, distillation)
    if training_section is not None:
        add("## Training run (the teacher)")
        add("")
        add(training_section.strip())
        add("")
    else:
        _training_section(add, cfg, stats, total_wall_s)
    _known_limits(add, tasks)
    path.write_text("\n".join(lines), encoding="utf-8")


def replace_section(card: Path, heading: str, body: str) -> None:
    """Put ``heading`` and ``body`` in the model card, replacing that section where it is (the
    sections after it kept) or adding it at the end; a folder without a card is left alone.
    For what is measured after the card is written (confidence, the bid reach)."""
    if not card.exists():
        return
    before, _, rest = card.read_text(encoding="utf-8").partition(f"\n{heading}\n")
    after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
    card.write_text(f"{before.rstrip(chr(10))}\n\n{heading}\n\n{body}{after}", encoding="utf-8")


def _distillation_section(add: Any, d: dict[str, Any]) -> None:
    frozen = (
        "; the word-embedding table stayed the pretrained one"
        if d["config"].get("freeze_word_embeddings")
        else ""
    )
    add("## Distillation")
    add("")
    add(
        f"Why: on 2 CPU cores the encoder is ~90 % of `attune annotate`'s time and its cost is "
        f"linear in the layers. The student keeps the teacher's widths and starts from its layers "
        f"{d['teacher_layers_kept']} (0-based, of {d['teacher']}); it learned to reproduce the "
        f"teacher's pooled embedding (MSE) and the single-message heads' logits (weight "
        f"{d['config']['logit_weight']}) on {d['texts']:,} distinct training texts and contexts: "
        f"{d['steps']} steps of batch {d['config']['batch_size']} ({d['texts_seen']:,} texts, "
        f"{d['texts_seen'] / max(d['texts'], 1):.2f} passes), AdamW lr {d['config']['lr']} with "
        f"linear decay, {d['train_s'] / 60:.1f} min on "
        f"{'the CPU' if d.get('device', 'cpu') == 'cpu' else 'a GPU'}, final loss "
        f"{d['final_loss']}{frozen}. "
        f"Cosine of student and teacher embeddings on "
        f"{d['student_to_teacher_cosine_dev_sample']['n']} dev texts: mean "
        f"{d['student_to_teacher_cosine_dev_sample']['mean']}, 5th percentile "
        f"{d['student_to_teacher_cosine_dev_sample']['p5']}. The heads are the teacher's; the "
        "multi-label thresholds were retuned on dev for the student."
    )
    add("")


def _training_section(
    add: Any, cfg: dict[str, Any], stats: dict[str, Any], total_wall_s: float
) -> None:
    add("## Training run")
    add("")
    add(
        f"Seed {cfg['seed']}; {stats['steps']} steps of batch {cfg['batch_size']} "
        f"({stats['steps'] / stats['steps_per_epoch']:.2f} epochs of {stats['steps_per_epoch']} "
        "steps, an epoch being the sum "
        f"of the train sizes); AdamW, encoder lr {cfg['lr']}, heads lr {cfg['head_lr']}, linear "
        f"warm-up {cfg['warmup']:.0%} then linear decay; head hidden {cfg['hidden']}, GELU; "
        f"max length {cfg['max_length']}; class weights `{cfg['class_weights']}`; one task per "
        f"batch, tasks drawn ∝ size^{cfg['alpha']} (at most {cfg['max_upsample']:g} passes per "
        f"epoch); context embedding {'with' if cfg['context_grad'] else 'without'} gradient"
        + (
            "; word embeddings frozen (the pretrained table, rounded to float16)."
            if cfg.get("freeze_word_embeddings")
            else "."
        )
    )
    add("")
    add(
        f"Device `{cfg['device']}`, torch threads {cfg['threads']}: training "
        f"{stats['wall_s'] / 60:.1f} min, {stats['examples_per_s']:.1f} examples/s "
        f"(plus {stats['contexts']} context encodings); "
        + (
            f"export and evaluation on another machine (`--from-state`) {total_wall_s / 60:.1f} "
            "min."
            if stats.get("finished_from_state")
            else f"whole run {total_wall_s / 60:.1f} min."
        )
    )
    add("")
    add("| task | sampling p | examples seen | passes over train | examples/s | final loss |")
    add("|---|---:|---:|---:|---:|---:|")
    for name, p in stats["sampling"].items():
        add(
            f"| {name} | {p:.3f} | {stats['seen_per_task'][name]} "
            f"| {stats['passes_per_task'][name]:.2f} "
            f"| {stats['examples_per_s_per_task'][name]:.1f} "
            f"| {_fmt(stats['final_loss'].get(name))} |"
        )
    add("")


def _known_limits(add: Any, tasks: list[TaskData]) -> None:
    add("## Known limits")
    add("")
    add(
        "- Domain shift: no training set is couples' chat; expect lower accuracy on short, "
        "informal, emoji-heavy messages than the dev figures above."
    )
    add(
        "- English only; messages are truncated at 128 word pieces; `c` is only the last "
        "message answered, not the whole exchange."
    )
    add(
        "- Reply-level heads (`input: pair`) learned from counselling and support data, where "
        "the answered message is a disclosure; on small talk they are less reliable."
    )
    add(
        "- EPITOME's dev split is small (a few hundred responses; level 1 of interpretations and "
        "explorations has about ten): its macro-F1 moves by several points between seeds."
    )
    add(
        "- Thresholds tuned in-sample on dev are optimistic; the held-out half-dev figure is the "
        "honest one. Test splits were not used, so no test figures are given here."
    )
    labelled = [t.name for t in tasks if t.licence.startswith("Attune")]
    if labelled:
        add(
            f"- Attune's own sets ({', '.join(labelled)}) are small and hand-written: their "
            "heads are rough, and the rules in `attune.signals.rules` back them up (safety "
            "favours recall; its thresholds are tuned with F2)."
        )
    add("- Quantisation costs a little accuracy (see the Quantisation section).")
    add("")


def summary(results: dict[str, Any], stats: dict[str, Any], total_wall_s: float) -> str:
    parts = [
        f"[done] training {stats['wall_s'] / 60:.1f} min ({stats['examples_per_s']:.1f} ex/s), "
        f"whole run {total_wall_s / 60:.1f} min"
    ]
    for task, heads in results.items():
        for head, m in heads.items():
            metric, value = m["primary"]
            target = TARGETS.get(head)
            tail = f" (target {target})" if target is not None else ""
            parts.append(f"  {task}/{head}: {metric} {value:.3f}{tail}")
    return "\n".join(parts)
