"""Data loaders: every training set as examples for the heads of docs/signals_model.md.

Each data set becomes one :class:`TaskData` (a batch always comes from one task) whose examples
carry labels for one or more heads; a head an example has no label for is simply absent from its
``labels``. ``context`` is the message being answered (the last context item) or ``None``.

Dev splits: each data set's own dev/valid split; EPITOME and AnnoMI publish none, so a seeded 15 %
is held out by seeker post (EPITOME) or transcript (AnnoMI), never splitting one between the two.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from attune.signals.annotate import GOEMOTIONS

HeadKind = Literal["multilabel", "multiclass", "regression"]
HeadInput = Literal["self", "pair"]
Label = int | float | list[float]

DEV_FRACTION = 0.15


@dataclass(frozen=True)
class HeadSpec:
    """One head of the signals model, as written into heads.json."""

    name: str
    kind: HeadKind
    labels: tuple[Any, ...]
    input: HeadInput
    range: tuple[float, float] | None = None  # regression only

    @property
    def n_out(self) -> int:
        return 1 if self.kind == "regression" else len(self.labels)


@dataclass
class Example:
    text: str
    context: str | None
    labels: dict[str, Label]  # head name -> class index | multi-hot | float


@dataclass
class TaskData:
    """One data set: its heads, train and dev examples, and where it came from."""

    name: str
    heads: list[HeadSpec]
    train: list[Example]
    dev: list[Example]
    files: list[Path]
    source: str  # data set, citation and licence, for the model card
    licence: str
    dev_note: str
    commercial_use: bool = True
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Head specifications (label order as in ../shared/spec/interfaces.md §2)

GOEMOTIONS_LABELS = list(GOEMOTIONS)
LISTENING_LABELS = (
    "question",
    "restatement",
    "reflection_of_feelings",
    "self_disclosure",
    "affirmation",
    "suggestion",
    "information",
    "other",
)
ESCONV_STRATEGY = {
    "Question": "question",
    "Restatement or Paraphrasing": "restatement",
    "Reflection of feelings": "reflection_of_feelings",
    "Self-disclosure": "self_disclosure",
    "Affirmation and Reassurance": "affirmation",
    "Providing Suggestions": "suggestion",
    "Information": "information",
    "Others": "other",
}
LEVELS = (0, 1, 2)
MI_LABELS = ("reflection", "question", "input", "other")
ANNOMI_BEHAVIOUR = {
    "reflection": "reflection",
    "question": "question",
    "therapist_input": "input",
    "other": "other",
}
HORSEMEN = ("none", "criticism", "contempt", "defensiveness", "stonewalling")
ANTIDOTES = ("none", "gentle_startup", "appreciation", "responsibility", "self_soothing")
VALIDATION = ("validating", "invalidating", "none")
SAFETY = ("threat", "coercive_control", "self_harm")

HEADS: dict[str, HeadSpec] = {
    h.name: h
    for h in [
        HeadSpec("emotions", "multilabel", tuple(GOEMOTIONS_LABELS), "self"),
        HeadSpec("listening", "multiclass", LISTENING_LABELS, "pair"),
        HeadSpec("empathy_er", "multiclass", LEVELS, "pair"),
        HeadSpec("empathy_in", "multiclass", LEVELS, "pair"),
        HeadSpec("empathy_ex", "multiclass", LEVELS, "pair"),
        HeadSpec("mi_behaviour", "multiclass", MI_LABELS, "pair"),
        HeadSpec("question_type", "multiclass", ("open", "closed"), "self"),
        HeadSpec("reflection_type", "multiclass", ("simple", "complex"), "pair"),
        HeadSpec("intimacy", "regression", (), "self", range=(-1.0, 1.0)),
        HeadSpec("validation", "multiclass", VALIDATION, "pair"),
        HeadSpec("disclosure", "multiclass", LEVELS, "self"),
        HeadSpec("horseman", "multiclass", HORSEMEN, "self"),
        HeadSpec("antidote", "multiclass", ANTIDOTES, "self"),
        HeadSpec("repair", "multiclass", (False, True), "pair"),
        HeadSpec("safety", "multilabel", SAFETY, "self"),
    ]
}


# --------------------------------------------------------------------------------------------
# helpers


def _warn(msg: str) -> None:
    print(f"[tasks] {msg}", file=sys.stderr)


def _held_out(groups: Iterable[str], seed: int, fraction: float = DEV_FRACTION) -> set[str]:
    """A seeded ``fraction`` of the distinct groups (never none or all of two or more)."""
    ordered = sorted(set(groups))
    rng = random.Random(f"{seed}-dev-split")
    rng.shuffle(ordered)
    n = round(len(ordered) * fraction)
    if len(ordered) >= 2:
        n = max(1, min(n, len(ordered) - 1))
    return set(ordered[:n])


def _majority(values: list[Any]) -> Any:
    """The most common value; ties go to the smaller value (values are sorted first)."""
    counts = Counter(sorted(values, key=str))
    best = max(counts.values())
    return next(v for v in sorted(counts, key=str) if counts[v] == best)


# --------------------------------------------------------------------------------------------
# public data sets (../shared/data)


def load_goemotions(data_dir: Path, seed: int) -> TaskData:
    folder = data_dir / "goemotions" / "original"
    labels = (folder / "labels.txt").read_text(encoding="utf-8").split()
    if labels != GOEMOTIONS_LABELS:
        raise ValueError(f"{folder / 'labels.txt'}: unexpected label list {labels[:5]}…")

    def read(path: Path) -> list[Example]:
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            text, ids, *_ = line.split("\t")
            hot = [0.0] * len(labels)
            for i in ids.split(","):
                hot[int(i)] = 1.0
            out.append(Example(text, None, {"emotions": hot}))
        return out

    return TaskData(
        name="goemotions",
        heads=[HEADS["emotions"]],
        train=read(folder / "train.tsv"),
        dev=read(folder / "dev.tsv"),
        files=[folder / "labels.txt", folder / "train.tsv", folder / "dev.tsv"],
        source="GoEmotions (Demszky et al., ACL 2020), 58k Reddit comments, 27 emotions + neutral",
        licence="Apache-2.0",
        dev_note="the published dev split",
    )


def load_esconv(data_dir: Path, seed: int) -> TaskData:
    folder = data_dir / "esconv"

    def read(path: Path) -> list[Example]:
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            chat = json.loads(line)
            last_seeker: str | None = None
            for turn in chat["dialog"]:
                text = turn["text"].strip()
                if turn["speaker"] == "usr":
                    last_seeker = text
                    continue
                strategy = turn.get("strategy")
                if strategy not in ESCONV_STRATEGY or not text:
                    continue
                label = LISTENING_LABELS.index(ESCONV_STRATEGY[strategy])
                out.append(Example(text, last_seeker, {"listening": label}))
        return out

    return TaskData(
        name="esconv",
        heads=[HEADS["listening"]],
        train=read(folder / "train.jsonl"),
        dev=read(folder / "valid.jsonl"),
        files=[folder / "train.jsonl", folder / "valid.jsonl"],
        source=(
            "ESConv (Liu et al., ACL 2021), 1,300 emotional-support chats; each supporter turn "
            "with its strategy, context = the seeker's latest utterance"
        ),
        licence="CC BY-NC 4.0 (research use)",
        dev_note="the published valid split",
        commercial_use=False,
    )


EPITOME_FILES = {
    "empathy_er": "emotional-reactions-reddit.csv",
    "empathy_in": "interpretations-reddit.csv",
    "empathy_ex": "explorations-reddit.csv",
}


def load_epitome(data_dir: Path, seed: int) -> TaskData:
    folder = data_dir / "epitome"
    levels: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    first: dict[str, tuple[str, str, str]] = {}  # rp_id -> (sp_id, seeker_post, response_post)
    for head, filename in EPITOME_FILES.items():
        with (folder / filename).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                rp = row["rp_id"]
                first.setdefault(rp, (row["sp_id"], row["seeker_post"], row["response_post"]))
                levels[rp][head].append(int(row["level"]))
    examples: list[tuple[str, Example]] = []
    conflicting = 0
    for rp, (sp, seeker, response) in first.items():
        labels: dict[str, Label] = {}
        for head in EPITOME_FILES:
            values = sorted(levels[rp][head])
            if not values:
                continue
            conflicting += len(set(values)) > 1
            labels[head] = values[(len(values) - 1) // 2]  # lower median of duplicate rows
        examples.append((sp, Example(response.strip(), seeker.strip() or None, labels)))
    dev_posts = _held_out((sp for sp, _ in examples), seed)
    return TaskData(
        name="epitome",
        heads=[HEADS[h] for h in EPITOME_FILES],
        train=[e for sp, e in examples if sp not in dev_posts],
        dev=[e for sp, e in examples if sp in dev_posts],
        files=[folder / f for f in EPITOME_FILES.values()],
        source=(
            "EPITOME (Sharma et al., EMNLP 2020), Reddit seeker post / response pairs, empathy "
            "levels 0/1/2 for emotional reactions, interpretations, explorations; the three files "
            "joined by rp_id"
        ),
        licence="academic, non-commercial licence (Althoff lab; licences enclosed with the data)",
        dev_note=f"seeded {DEV_FRACTION:.0%} of seeker posts (sp_id) held out",
        commercial_use=False,
        notes=[
            f"{conflicting} duplicated response/mechanism label sets disagreed; the lower median "
            "level was kept"
        ],
    )


def load_annomi(data_dir: Path, seed: int) -> TaskData:
    path = data_dir / "annomi" / "AnnoMI-full.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # some utterances were annotated by several annotators: one utterance, majority labels
    utterances: dict[tuple[int, int], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        utterances[(int(row["transcript_id"]), int(row["utterance_id"]))].append(row)
    by_transcript: dict[int, list[tuple[int, list[dict[str, str]]]]] = defaultdict(list)
    for (tid, uid), anns in utterances.items():
        by_transcript[tid].append((uid, sorted(anns, key=lambda r: int(r["annotator_id"]))))
    examples: list[tuple[str, Example]] = []
    for tid, utts in sorted(by_transcript.items()):
        last_client: str | None = None
        for _uid, anns in sorted(utts, key=lambda u: u[0]):
            text = anns[0]["utterance_text"].strip()
            if anns[0]["interlocutor"] == "client":
                last_client = text or last_client
                continue
            behaviour = _majority([a["main_therapist_behaviour"] for a in anns])
            if behaviour not in ANNOMI_BEHAVIOUR or not text:
                continue
            labels: dict[str, Label] = {
                "mi_behaviour": MI_LABELS.index(ANNOMI_BEHAVIOUR[behaviour])
            }
            if _majority([a["question_exists"] for a in anns]) == "True":
                sub = [a["question_subtype"] for a in anns if a["question_subtype"] != "n/a"]
                if sub:
                    labels["question_type"] = ("open", "closed").index(_majority(sub))
            if _majority([a["reflection_exists"] for a in anns]) == "True":
                sub = [a["reflection_subtype"] for a in anns if a["reflection_subtype"] != "n/a"]
                if sub:
                    labels["reflection_type"] = ("simple", "complex").index(_majority(sub))
            examples.append((str(tid), Example(text, last_client, labels)))
    dev_transcripts = _held_out((t for t, _ in examples), seed)
    return TaskData(
        name="annomi",
        heads=[HEADS["mi_behaviour"], HEADS["question_type"], HEADS["reflection_type"]],
        train=[e for t, e in examples if t not in dev_transcripts],
        dev=[e for t, e in examples if t in dev_transcripts],
        files=[path],
        source=(
            "AnnoMI (Wu et al., ICASSP 2022; full version 2023), 133 motivational-interviewing "
            "transcripts; therapist utterances with the previous client utterance as context; main "
            "behaviour 4-way, question open/closed and reflection simple/complex from the finer "
            "columns (majority over annotators where an utterance was annotated several times)"
        ),
        licence="public domain (upstream README, 2023)",
        dev_note=f"seeded {DEV_FRACTION:.0%} of transcripts held out (no transcript in both)",
    )


def load_intimacy(data_dir: Path, seed: int) -> TaskData:
    folder = data_dir / "question_intimacy"

    def read(path: Path) -> list[Example]:
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            text, score = line.rsplit("\t", 1)
            value = max(-1.0, min(1.0, float(score)))
            out.append(Example(text.strip(), None, {"intimacy": value}))
        return out

    return TaskData(
        name="intimacy",
        heads=[HEADS["intimacy"]],
        train=read(folder / "final_train.txt"),
        dev=read(folder / "final_val.txt"),
        files=[folder / "final_train.txt", folder / "final_val.txt"],
        source="Question intimacy (Pei & Jurgens, EMNLP 2020), questions scored −1..1",
        licence="MIT",
        dev_note="the published val split",
    )


# --------------------------------------------------------------------------------------------
# Attune's own hand-written sets (training/labelled/*.jsonl)


def _class_index(labels: tuple[Any, ...], value: Any) -> int | None:
    """The index of ``value`` among a head's labels, tolerating the usual spellings."""
    if labels and isinstance(labels[0], bool):  # repair: true/false, 1/0, "yes"/"no", null = false
        if value is None:
            value = False
        elif isinstance(value, str):
            value = {"true": True, "false": False, "yes": True, "no": False}.get(
                value.strip().lower()
            )
        elif isinstance(value, int) and value in (0, 1):
            value = bool(value)
    elif labels and isinstance(labels[0], int):  # levels: 0/1/2 or "0"/"1"/"2"
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
    else:  # names: null = "none" where the head has one
        if value is None and "none" in labels:
            value = "none"
        if isinstance(value, str):
            value = value.strip().lower().replace("-", "_").replace(" ", "_")
    for i, label in enumerate(labels):
        if type(label) is type(value) and label == value:
            return i
    return None


def _labelled(
    labelled_dir: Path,
    name: str,
    heads: list[HeadSpec],
    fields: dict[str, str],
    source: str,
) -> TaskData | None:
    path = labelled_dir / f"{name}.jsonl"
    if not path.exists():
        return None
    train: list[Example] = []
    dev: list[Example] = []
    bad = 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = str(row["text"]).strip()
        except (json.JSONDecodeError, KeyError, TypeError):
            bad += 1
            _warn(f"{path}:{lineno}: not a labelled example, skipped")
            continue
        context = row.get("context") or []
        last = str(context[-1]).strip() if isinstance(context, list) and context else None
        labels: dict[str, Label] = {}
        for head in heads:
            key = fields[head.name]
            if key not in row:
                continue
            value = row[key]
            if head.kind == "multilabel":
                values = value if isinstance(value, list) else ([] if value is None else [value])
                unknown = [v for v in values if v not in head.labels]
                if unknown:
                    bad += 1
                    _warn(f"{path}:{lineno}: unknown {key} {unknown}, skipped")
                    continue
                labels[head.name] = [1.0 if lab in values else 0.0 for lab in head.labels]
            else:
                index = _class_index(head.labels, value)
                if index is None:
                    bad += 1
                    _warn(f"{path}:{lineno}: unknown {key} {value!r}, skipped")
                    continue
                labels[head.name] = index
        split = str(row.get("split", "train")).lower()
        if not text or not labels or split == "test_internal":  # held out: never trained on
            continue
        (dev if split == "dev" else train).append(Example(text, last or None, labels))
    if not train:
        _warn(f"{path}: no training examples, the {name} task is left out")
        return None
    return TaskData(
        name=name,
        heads=heads,
        train=train,
        dev=dev,
        files=[path],
        source=source,
        licence="Attune project (Apache-2.0), hand-written for this project",
        dev_note="rows marked split=dev" if dev else "no dev rows (no metrics)",
        notes=[f"{bad} lines or fields skipped"] if bad else [],
    )


def load_labelled(labelled_dir: Path, seed: int) -> list[TaskData]:
    """Whatever of Attune's own labelled sets exists; absent or empty files are skipped."""
    specs: list[tuple[str, list[str], dict[str, str], str]] = [
        ("validation", ["validation"], {"validation": "label"}, "validation / invalidation"),
        ("disclosure", ["disclosure"], {"disclosure": "label"}, "self-disclosure levels 0/1/2"),
        (
            "conflict",
            ["horseman", "antidote", "repair"],
            {"horseman": "horseman", "antidote": "antidote", "repair": "repair"},
            "Four Horsemen, antidotes and repair attempts",
        ),
        ("safety", ["safety"], {"safety": "label"}, "safety signals (multi-label)"),
    ]
    out = []
    for name, heads, fields, what in specs:
        task = _labelled(
            labelled_dir,
            name,
            [HEADS[h] for h in heads],
            fields,
            f"Attune hand-written examples ({what}), training/labelled/{name}.jsonl",
        )
        if task is not None:
            out.append(task)
    return out


PUBLIC_LOADERS: dict[str, Callable[[Path, int], TaskData]] = {
    "goemotions": load_goemotions,
    "esconv": load_esconv,
    "epitome": load_epitome,
    "annomi": load_annomi,
    "intimacy": load_intimacy,
}
LABELLED_TASKS = ("validation", "disclosure", "conflict", "safety")
ALL_TASKS = (*PUBLIC_LOADERS, *LABELLED_TASKS)


def load_tasks(
    names: Iterable[str],
    data_dir: Path,
    labelled_dir: Path,
    seed: int,
    max_per_task: int | None = None,
    max_dev_per_task: int | None = None,
) -> list[TaskData]:
    """Load the named tasks: a missing public set is an error, a missing labelled set is not."""
    names = list(names)
    unknown = [n for n in names if n not in ALL_TASKS]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; known: {', '.join(ALL_TASKS)}")
    tasks = []
    for name in names:
        if name in PUBLIC_LOADERS:
            tasks.append(PUBLIC_LOADERS[name](data_dir, seed))
    if any(n in LABELLED_TASKS for n in names):
        tasks += [t for t in load_labelled(labelled_dir, seed) if t.name in names]
    for task in tasks:
        task.train = _subsample(task.train, max_per_task, seed, task.name)
        task.dev = _subsample(task.dev, max_dev_per_task, seed + 1, task.name)
        if not task.dev:
            warnings.warn(f"{task.name}: no dev examples; no metrics for it", stacklevel=2)
    return tasks


def _subsample(examples: list[Example], limit: int | None, seed: int, name: str) -> list[Example]:
    if limit is None or len(examples) <= limit:
        return examples
    rng = random.Random(f"{seed}-{name}-subsample")
    keep = sorted(rng.sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


def sampling_weights(sizes: list[int], alpha: float, max_upsample: float) -> list[float]:
    """Task probabilities ∝ size**alpha, no task drawn more than ``max_upsample`` times its size
    per epoch (an epoch = sum(sizes) examples); the excess goes to the others in proportion."""
    total = sum(sizes)
    raw = [s**alpha for s in sizes]
    probs = [r / sum(raw) for r in raw]
    for _ in range(len(sizes)):
        capped = [min(p, max_upsample * s / total) for p, s in zip(probs, sizes, strict=True)]
        free = [i for i, (p, c) in enumerate(zip(probs, capped, strict=True)) if p <= c]
        excess = 1.0 - sum(capped)
        if excess <= 1e-12 or not free:
            probs = capped
            break
        base = sum(capped[i] for i in free)
        probs = [c + (excess * c / base if i in free else 0.0) for i, c in enumerate(capped)]
    norm = sum(probs)
    return [p / norm if norm > 0 else 1.0 / len(sizes) for p in probs]


def class_weights(values: list[int], n: int, mode: str) -> list[float] | None:
    """Per-class loss weights: ``none``, ``sqrt`` (1/sqrt frequency) or ``balanced`` (1/frequency),
    normalised so that the average weight over the training examples is 1."""
    if mode == "none" or not values:
        return None
    counts = Counter(values)
    power = 0.5 if mode == "sqrt" else 1.0
    w = [(1.0 / counts[i]) ** power if counts.get(i) else 0.0 for i in range(n)]
    mean = sum(w[v] for v in values) / len(values)
    return [x / mean if mean > 0 else 1.0 for x in w]


def describe(task: TaskData) -> str:
    heads = ", ".join(h.name for h in task.heads)
    ctx = sum(e.context is not None for e in task.train)
    return (
        f"{task.name}: {len(task.train)} train / {len(task.dev)} dev, heads {heads}, "
        f"{ctx} train examples with context"
    )
