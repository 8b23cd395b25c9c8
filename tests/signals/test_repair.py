"""The repair check: its file, its decision, and how annotate applies it."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from attune.errors import AttuneError
from attune.signals import Annotator, Item
from attune.signals.linear import PROBE, TOKEN_PATTERN
from attune.signals.model import SignalsModel
from attune.signals.repair import FEATURES, REPAIR_MODEL, RepairModel

DIM = 4
NO_FEATURES = [0.0] * len(FEATURES)


def tiny(dim: int = DIM, **changes: Any) -> dict[str, Any]:
    """ "truce" raises the logit by 6 (tf-idf 1 for a one-word text), "whatever" lowers it by
    6; the intercept is -2: alone, nothing reaches the threshold 0.5. Features and embeddings
    weigh nothing unless a test says so."""
    raw: dict[str, Any] = {
        "version": 1,
        "features": list(FEATURES),
        "feature_weights": NO_FEATURES,
        "pair_weights": [[0.0] * dim],
        "threshold": 0.5,
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": [1, 1],
        "vocabulary": ["truce", "whatever"],
        "idf": [1.0, 1.0],
        "word_weights": [[6.0, -6.0]],
        "word_intercept": [-2.0],
        "embedding_weights": [[0.0] * dim],
        "embedding_intercept": [0.0],
        "probe_embedding": [1.0] + [0.0] * (dim - 1),
    }
    raw.update(changes)
    return raw


def write(folder: Path, raw: dict[str, Any]) -> Path:
    path = folder / REPAIR_MODEL
    path.write_text(json.dumps(raw))
    return path


def test_the_check_adds_words_embeddings_and_features(tmp_path: Path) -> None:
    weights = list(NO_FEATURES)
    weights[FEATURES.index("decided")] = 3.0
    weights[FEATURES.index("head_repair_log")] = 1.0
    model = RepairModel.load(write(tmp_path, tiny(feature_weights=weights)), DIM)
    assert model is not None
    logits = model.text_logits(["truce", "whatever", "hello"], np.zeros((3, DIM), np.float32))
    np.testing.assert_allclose(logits, [4.0, -8.0, -2.0])
    pair = RepairModel.load(write(tmp_path, tiny(pair_weights=[[0, 0, 0, 5.0]])), DIM)
    assert pair is not None
    replies = np.ones((2, DIM), np.float32)
    answered = np.array([[0, 0, 0, 1], [0, 0, 0, 0]], np.float32)
    np.testing.assert_allclose(pair.pair_logits(replies, answered), [5.0, 0.0])

    calm = (False, False, False, False, True, False, 0.0, 1.0)  # the head: surely a repair
    assert model.probability(-2.0, calm) == pytest.approx(1 / (1 + math.exp(2.0)), rel=1e-5)
    assert model.attempts(4.0, calm)
    assert model.attempts(-2.0, (True, *calm[1:]))  # decided: -2 + 3 > 0
    assert not model.attempts(-2.0, (True, *calm[1:6], 1.0, 0.0))  # log(1e-6) weighs -13.8
    assert model.probability(-1e6, calm) == 0.0  # no overflow


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"features": ["decided"]}, "features"),
        ({"feature_weights": [1.0]}, "shapes do not fit"),
        ({"pair_weights": [[0.0] * (DIM + 1)]}, "shapes do not fit"),
        ({"threshold": 1.5}, "threshold"),
        ({"vocabulary": None}, "cannot read the repair model"),
    ],
)
def test_a_broken_file_is_one_clear_error(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, tiny(**changes))
    with pytest.raises(AttuneError, match=message) as caught:
        RepairModel.load(path, DIM)
    assert str(path) in str(caught.value)
    assert RepairModel.load(tmp_path / "absent.json", DIM) is None


def with_check(tiny_model_dir: Path, tmp_path: Path, **changes: Any) -> Annotator:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    base = SignalsModel.load(folder, threads=1)
    write(folder, tiny(base.heads.dim, probe_embedding=base.encode([PROBE])[0].tolist(), **changes))
    return Annotator.load(folder, threads=1)


CHAT = [
    Item(1, "you never listen"),
    Item(2, "truce", context=("you never listen",)),
    Item(3, "let's start over", context=("you never listen",)),
    Item(4, "whatever", context=("you never listen",)),
]


def test_annotate_applies_the_check(tiny_model_dir: Path, tmp_path: Path) -> None:
    plain = {r["id"]: r["repair"] for r in Annotator.load(tiny_model_dir).annotate(CHAT)}
    assert plain[3] is True  # an explicit repair rule, without a check

    checked = with_check(tiny_model_dir, tmp_path).annotate(CHAT)
    out = {r["id"]: r["repair"] for r in checked}
    assert out[2] is True  # the words carry it
    assert out[4] is False and out[1] is False
    # the rules' decision is only a feature: weighted 0 here, "let's start over" is not one
    assert out[3] is False

    weights = list(NO_FEATURES)
    weights[FEATURES.index("rule")] = 5.0
    heeded = with_check(tiny_model_dir, tmp_path / "heeded", feature_weights=weights)
    assert {r["id"]: r["repair"] for r in heeded.annotate(CHAT)}[3] is True

    silent = with_check(tiny_model_dir, tmp_path / "silent", word_intercept=[-50.0])
    assert not any(r["repair"] for r in silent.annotate(CHAT))


def test_a_check_fitted_with_another_encoder_is_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    dim = SignalsModel.load(folder, threads=1).heads.dim
    write(folder, tiny(dim, probe_embedding=[-1.0] * dim))
    with pytest.raises(AttuneError, match="train_repair"):
        SignalsModel.load(folder, threads=1)
    assert SignalsModel.load(folder, threads=1, repair=False).repair is None
