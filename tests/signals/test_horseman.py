"""The horseman check: its file, its decision, and how annotate applies it."""

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
from attune.signals.horseman import FEATURES, HORSEMAN_MODEL, HorsemanModel
from attune.signals.linear import PROBE, TOKEN_PATTERN
from attune.signals.model import SignalsModel

DIM = 4


def tiny(**changes: Any) -> dict[str, Any]:
    """ "selfish" raises the logit by 4 (tf-idf 1 for a one-word text); a decided horseman by 3;
    everything else is 0 but the intercept, -2: alone, nothing passes the threshold 0.5."""
    raw: dict[str, Any] = {
        "version": 1,
        "features": list(FEATURES),
        "feature_weights": [2.5, 0.0, 0.0, 0.0, 0.0],
        "threshold": 0.5,
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": [1, 1],
        "vocabulary": ["selfish", "pizza"],
        "idf": [1.0, 1.0],
        "word_weights": [[4.0, -1.0]],
        "word_intercept": [-2.0],
        "embedding_weights": [[0.0] * DIM],
        "embedding_intercept": [0.0],
        "probe_embedding": [1.0] + [0.0] * (DIM - 1),
    }
    raw.update(changes)
    return raw


def write(folder: Path, raw: dict[str, Any]) -> Path:
    path = folder / HORSEMAN_MODEL
    path.write_text(json.dumps(raw))
    return path


def test_the_check_adds_words_embedding_and_features(tmp_path: Path) -> None:
    model = HorsemanModel.load(write(tmp_path, tiny()), DIM)
    assert model is not None
    logits = model.text_logits(["selfish", "pizza", "hello"], np.zeros((3, DIM), np.float32))
    assert logits.tolist() == pytest.approx([2.0, -3.0, -2.0])
    assert model.probability(2.0, False, False, False, 1.0) == pytest.approx(
        1 / (1 + math.exp(-2.0))
    )
    assert model.carries(-2.0, True, False, False, 1.0)  # decided: -2 + 2.5 > 0
    assert not model.carries(-2.0, False, True, True, 0.5)
    assert model.probability(-1e6, False, False, False, 1.0) == 0.0  # no overflow


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"features": ["decided"]}, "features"),
        ({"feature_weights": [1.0]}, "shapes do not fit"),
        ({"threshold": 1.5}, "threshold"),
        ({"word_weights": [[1.0, 2.0], [3.0, 4.0]]}, "shapes do not fit"),
        ({"vocabulary": None}, "cannot read the horseman model"),
    ],
)
def test_a_broken_file_is_one_clear_error(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, tiny(**changes))
    with pytest.raises(AttuneError, match=message) as caught:
        HorsemanModel.load(path, DIM)
    assert str(path) in str(caught.value)
    assert HorsemanModel.load(tmp_path / "absent.json", DIM) is None


def with_check(tiny_model_dir: Path, tmp_path: Path, **changes: Any) -> Annotator:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    base = SignalsModel.load(folder, threads=1)
    raw = tiny(
        embedding_weights=[[0.0] * base.heads.dim],
        probe_embedding=base.encode([PROBE])[0].tolist(),
        **changes,
    )
    write(folder, raw)
    return Annotator.load(folder, threads=1)


def test_annotate_keeps_drops_and_adds_horsemen(tiny_model_dir: Path, tmp_path: Path) -> None:
    chat = [Item(1, "you always do this 🙄"), Item(2, "so selfish"), Item(3, "pizza tonight?")]
    plain = {r["id"]: r["horseman"] for r in Annotator.load(tiny_model_dir).annotate(chat)}
    assert plain[1] == "contempt"  # the rules decide

    checked = with_check(tiny_model_dir, tmp_path)
    out = {r["id"]: r["horseman"] for r in checked.annotate(chat)}
    assert out[1] == "contempt"  # decided, and the check agrees
    assert out[2] is not None  # the words carry it: the head's most probable horseman
    assert out[3] is None  # whatever the tiny head decided, "pizza" pulls it under

    silent = with_check(tiny_model_dir, tmp_path / "silent", word_intercept=[-50.0])
    assert all(r["horseman"] is None for r in silent.annotate(chat))  # the check drops all


def test_a_check_fitted_with_another_encoder_is_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    dim = SignalsModel.load(folder, threads=1).heads.dim
    write(folder, tiny(embedding_weights=[[0.0] * dim], probe_embedding=[-1.0] * dim))
    with pytest.raises(AttuneError, match="train_horseman"):
        SignalsModel.load(folder, threads=1)
    assert SignalsModel.load(folder, threads=1, horseman=False).horseman is None
