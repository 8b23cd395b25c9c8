"""The validation check: its file, its decision, and how annotate applies it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from attune.errors import AttuneError
from attune.signals import Annotator, Item
from attune.signals.linear import PROBE, TOKEN_PATTERN
from attune.signals.model import SignalsModel
from attune.signals.validation import FEATURES, LABELS, VALIDATION_MODEL, ValidationModel
from tests.signals.conftest import needs_real_model

DIM = 4
ZERO_FEATURES = [[0.0] * len(FEATURES) for _ in LABELS]


def tiny(dim: int = DIM, **changes: Any) -> dict[str, Any]:
    """Outputs validating, invalidating, none. "fair" raises validating by 6 (tf-idf 1 for a
    one-word text), "dramatic" invalidating by 6; none's intercept is 2, the others 0; features
    and embeddings weigh nothing unless a test says so."""
    raw: dict[str, Any] = {
        "version": 1,
        "labels": ["validating", "invalidating", "none"],
        "features": list(FEATURES),
        "feature_weights": ZERO_FEATURES,
        "pair_weights": [[0.0] * dim for _ in LABELS],
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": [1, 1],
        "vocabulary": ["fair", "dramatic", "pizza"],
        "idf": [1.0, 1.0, 1.0],
        "word_weights": [[6.0, 0.0, 0.0], [0.0, 6.0, 0.0], [0.0, 0.0, 1.0]],
        "word_intercept": [0.0, 0.0, 2.0],
        "embedding_weights": [[0.0] * dim for _ in LABELS],
        "embedding_intercept": [0.0, 0.0, 0.0],
        "probe_embedding": [1.0] + [0.0] * (dim - 1),
    }
    raw.update(changes)
    return raw


def write(folder: Path, raw: dict[str, Any]) -> Path:
    path = folder / VALIDATION_MODEL
    path.write_text(json.dumps(raw))
    return path


def test_the_check_adds_words_embeddings_and_features(tmp_path: Path) -> None:
    pair = [[0.0] * DIM, [0.0] * DIM, [0.0, 0.0, 0.0, 5.0]]  # e·c's last value pulls to none
    features = np.zeros((len(LABELS), len(FEATURES)))
    features[0, FEATURES.index("decided_validating")] = 3.0
    features[2, FEATURES.index("head_none_log")] = 1.0
    raw = tiny(pair_weights=pair, feature_weights=features.tolist())
    model = ValidationModel.load(write(tmp_path, raw), DIM)
    assert model is not None
    texts = ["fair", "dramatic", "hello"]
    logits = model.text_logits(texts, np.zeros((3, DIM), np.float32))
    np.testing.assert_allclose(logits, [[6, 0, 2], [0, 6, 2], [0, 0, 2]])
    replies = np.ones((2, DIM), np.float32)
    answered = np.array([[0, 0, 0, 1], [0, 0, 0, 0]], np.float32)
    np.testing.assert_allclose(model.pair_logits(replies, answered), [[0, 0, 5], [0, 0, 0]])

    sure = [0.0, 0.0, 1.0]  # the head: surely none (log 1 = 0 adds nothing)
    assert model.value(logits[0], None, None, sure, True) == "validating"
    assert model.value(logits[1], None, None, sure, True) == "invalidating"
    assert model.value(logits[2], None, None, sure, True) is None
    # a decided "validating" adds 3 to validating: 3 > 2
    assert model.value(logits[2], "validating", None, sure, True) == "validating"
    # the head's zero probability of none: log(1e-6) takes about 13.8 from none, no overflow
    assert model.value(logits[2], "invalidating", None, [0.5, 0.5, 0.0], True) == "validating"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"features": ["decided_validating"]}, "features"),
        ({"labels": ["none", "validating", "invalidating"]}, "labels"),
        ({"feature_weights": [[1.0]] * 3}, "shapes do not fit"),
        ({"pair_weights": [[0.0] * DIM]}, "shapes do not fit"),
        ({"word_weights": [[1.0, 2.0, 3.0]]}, "shapes do not fit"),
        ({"vocabulary": None}, "cannot read the validation model"),
    ],
)
def test_a_broken_file_is_one_clear_error(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, tiny(**changes))
    with pytest.raises(AttuneError, match=message) as caught:
        ValidationModel.load(path, DIM)
    assert str(path) in str(caught.value)
    assert ValidationModel.load(tmp_path / "absent.json", DIM) is None


def with_check(tiny_model_dir: Path, tmp_path: Path, **changes: Any) -> Annotator:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    base = SignalsModel.load(folder, threads=1)
    raw = tiny(base.heads.dim, probe_embedding=base.encode([PROBE])[0].tolist(), **changes)
    write(folder, raw)
    return Annotator.load(folder, threads=1)


CHAT = [
    Item(1, "I lost the contract today"),
    Item(2, "fair", context=("I lost the contract today",)),
    Item(3, "dramatic", context=("I lost the contract today",)),
    Item(4, "pizza tonight?", context=("I lost the contract today",)),
    Item(5, "you're overreacting", context=("I lost the contract today",)),
]


def test_annotate_applies_the_check(tiny_model_dir: Path, tmp_path: Path) -> None:
    plain = {r["id"]: r["validation"] for r in Annotator.load(tiny_model_dir).annotate(CHAT)}
    assert plain[5] == "invalidating"  # the rules decide without a check

    checked = {
        r["id"]: r["validation"] for r in with_check(tiny_model_dir, tmp_path).annotate(CHAT)
    }
    assert checked[2] == "validating"  # the words carry it, whatever the tiny head said
    assert checked[3] == "invalidating"
    assert checked[1] is None and checked[4] is None
    # the rules' decision is only a feature: weighted 0 here, "you're overreacting" is none
    assert checked[5] is None

    heeded = with_check(
        tiny_model_dir,
        tmp_path / "heeded",
        feature_weights=[[0.0] * len(FEATURES), [0.0, 0.0, 0.0, 5.0, 0, 0, 0, 0], [0.0] * 8],
    )
    assert {r["id"]: r["validation"] for r in heeded.annotate(CHAT)}[5] == "invalidating"

    silent = with_check(tiny_model_dir, tmp_path / "silent", word_intercept=[0.0, 0.0, 50.0])
    assert all(r["validation"] is None for r in silent.annotate(CHAT))


def test_the_pair_read_sees_the_answered_message(tiny_model_dir: Path, tmp_path: Path) -> None:
    """The same reply to two messages gets two values when the check reads e·c."""
    base = SignalsModel.load(tiny_model_dir, threads=1)
    a, b = "I lost the contract today", "we won the cup!!"
    e, ca, cb = base.encode(["fair", a, b]).astype(np.float64)
    direction = e * ca - e * cb
    weights = direction * 10.0 / float(direction @ direction)  # a's pair logit is 10 over b's
    pa, pb = float(weights @ (e * ca)), float(weights @ (e * cb))
    # validating minus none: 6 ("fair") + intercept + pair logit - 2 = +5 for a, -5 for b
    intercept = -4.0 - (pa + pb) / 2
    checked = with_check(
        tiny_model_dir,
        tmp_path,
        pair_weights=[weights.tolist(), [0.0] * len(e), [0.0] * len(e)],
        word_intercept=[intercept, -50.0, 2.0],
    )
    out = [
        r["validation"]
        for r in checked.annotate([Item(1, "fair", context=(a,)), Item(2, "fair", context=(b,))])
    ]
    assert out == ["validating", None]


def test_a_check_fitted_with_another_encoder_is_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    dim = SignalsModel.load(folder, threads=1).heads.dim
    write(folder, tiny(dim, probe_embedding=[-1.0] * dim))
    with pytest.raises(AttuneError, match="train_validation"):
        SignalsModel.load(folder, threads=1)
    assert SignalsModel.load(folder, threads=1, validation=False).validation is None


@needs_real_model
def test_shipped_check_reads_validation_worded_otherwise() -> None:
    """Replies no validation rule names, written for this test: the shipped check reads the
    first as validating and the second as invalidating (the rules and head alone read neither),
    and leaves everyday replies alone."""
    hurt = "my manager took credit for my project in front of everyone"
    left_out = "I felt really left out at your parents' yesterday"
    chat = [
        Item(1, "that would make anyone furious", context=(hurt,)),
        Item(2, "you always find something to be upset about", context=(left_out,)),
        Item(3, "sure, anything else?", context=("can you grab milk on the way home",)),
        Item(4, "👍", context=("ok see you at 7",)),
        Item(5, "what time is it?", context=("I'm so nervous about the interview tomorrow",)),
    ]
    plain = Annotator(SignalsModel.load(validation=False)).annotate(chat)
    checked = Annotator.load().annotate(chat)
    assert [r["validation"] for r in plain[:2]] == [None, None]
    assert [r["validation"] for r in checked] == ["validating", "invalidating", None, None, None]
