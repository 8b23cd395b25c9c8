"""The safety word model: its features, its file, and how annotate unites it with rules and head."""

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
from attune.signals.model import PACKAGE_MODEL_DIR
from attune.signals.safety_words import SAFETY_WORDS, TOKEN_PATTERN, SafetyWords, ngrams
from tests.signals.conftest import needs_real_model

SAFETY = ["threat", "coercive_control", "self_harm"]


def tiny(**changes: Any) -> dict[str, Any]:
    """A three-word model: "gone" and "for good" raise self-harm, "keys" coercive control."""
    raw: dict[str, Any] = {
        "version": 1,
        "labels": SAFETY,
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": [1, 2],
        "vocabulary": ["gone", "for good", "keys", "i"],
        "idf": [2.0, 3.0, 2.0, 1.0],
        "weights": [[0, 0, 0, 0], [0, 0, 6, 0], [4, 5, 0, -1]],
        "intercept": [-3.0, -3.0, -3.0],
        "thresholds": [0.5, 0.5, 0.5],
    }
    raw.update(changes)
    return raw


def write(folder: Path, raw: dict[str, Any]) -> Path:
    path = folder / SAFETY_WORDS
    path.write_text(json.dumps(raw))
    return path


def test_ngrams_are_scikit_learns_word_ngrams_of_the_normalised_text() -> None:
    assert ngrams("I’m GONE, for good!!", 2) == [
        "i'm", "gone", ",", "for", "good", "!", "!",
        "i'm gone", "gone ,", ", for", "for good", "good !", "! !",
    ]  # fmt: skip
    assert ngrams("kill 🔪", 1) == ["kill", "🔪"]
    assert ngrams("", 3) == []


def test_features_are_sublinear_tf_idf_l2_normalised(tmp_path: Path) -> None:
    model = SafetyWords.load(write(tmp_path, tiny()))
    assert model is not None
    index, values = model.features("gone gone for good, I")
    tf = {0: 1 + math.log(2), 1: 1.0, 3: 1.0}  # "gone" twice, "for good" and "i" once
    raw = np.array([tf[i] * model.idf[i] for i in index.tolist()])
    assert sorted(index.tolist()) == [0, 1, 3]
    assert np.allclose(values, raw / np.linalg.norm(raw))
    empty_index, empty_values = model.features("nothing known here")
    assert len(empty_index) == 0 and len(empty_values) == 0


def test_probabilities_flags_and_evidence(tmp_path: Path) -> None:
    model = SafetyWords.load(write(tmp_path, tiny()))
    assert model is not None
    probs = model.probabilities(["gone for good", "where are my keys", "hello"])
    x = np.array([2.0, 3.0]) / math.sqrt(13.0)  # "gone", "for good", each tf 1
    assert probs[0, 2] == pytest.approx(1 / (1 + math.exp(-(x @ [4.0, 5.0] - 3.0))))
    assert probs[2].tolist() == pytest.approx([1 / (1 + math.exp(3.0))] * 3)  # no known word
    assert model.flags(["gone for good", "where are my keys", "hello"]) == [
        ("self_harm",),
        ("coercive_control",),
        (),
    ]
    assert model.evidence("I'm gone for good", "self_harm") == ["for good", "gone"]
    assert model.evidence("hello", "self_harm") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"idf": [1.0]}, "shapes do not fit"),
        ({"weights": [[0, 0, 0, 0]]}, "shapes do not fit"),
        ({"thresholds": [0.5]}, "shapes do not fit"),
        ({"token_pattern": r"\w+"}, "token pattern"),
        ({"labels": None}, "cannot read the safety word model"),
    ],
)
def test_a_broken_file_is_one_clear_error(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, tiny(**changes))
    with pytest.raises(AttuneError, match=message) as caught:
        SafetyWords.load(path)
    assert str(path) in str(caught.value)


def test_no_file_no_word_model(tmp_path: Path) -> None:
    assert SafetyWords.load(tmp_path / SAFETY_WORDS) is None
    (tmp_path / SAFETY_WORDS).write_text("{not json")
    with pytest.raises(AttuneError, match="cannot read"):
        SafetyWords.load(tmp_path / SAFETY_WORDS)


def test_annotate_unites_the_word_model_with_its_evidence(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    meta = json.loads((folder / "heads.json").read_text())
    meta["heads"]["safety"]["thresholds"] = [1.01] * 3  # the head never fires
    (folder / "heads.json").write_text(json.dumps(meta))
    without = Annotator.load(folder, threads=1).annotate([Item(1, "I'll be gone for good")])[0]
    assert without["safety"] == [] and "safety_words" not in without

    write(folder, tiny())
    records = Annotator.load(folder, threads=1).annotate(
        [Item(1, "I'll be gone for good"), Item(2, "see you at 6"), Item(3, "I want to die")]
    )
    gone, ordinary, rule = records
    assert gone["safety"] == ["self_harm"]
    assert gone["safety_words"] == {"self_harm": ["for good", "gone"]}
    assert gone["cues"] == []  # not a rule: measures list it as a possible sign, not explicit
    assert ordinary["safety"] == [] and "safety_words" not in ordinary
    assert rule["safety"] == ["self_harm"] and "safety_words" not in rule


# --- the shipped word model ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> SafetyWords:
    model = SafetyWords.load(PACKAGE_MODEL_DIR / SAFETY_WORDS)
    if model is None:
        pytest.skip("no safety word model shipped yet (python -m training.train_safety)")
    return model


@needs_real_model
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("babe i'm not okay. i keep thinking about just ending everything", "self_harm"),
        ("when I'm gone you can finally be happy", "self_harm"),
        ("I know where your sister lives.", "threat"),
        ("send me a photo of who you're with. now.", "coercive_control"),
        ("you're not seeing your friends this weekend. I've decided", "coercive_control"),
    ],
)
def test_shipped_word_model_reads_unseen_wording(
    shipped: SafetyWords, text: str, kind: str
) -> None:
    (flags,) = shipped.flags([text])
    assert kind in flags
    assert shipped.evidence(text, kind)


@needs_real_model
@pytest.mark.parametrize(
    "text",
    [
        "this commute is killing me",
        "I could murder a curry tonight",
        "can you grab milk on the way home?",
        "love you, see you at 6 x",
        "my phone's dead, borrowing Sam's",
    ],
)
def test_shipped_word_model_stays_quiet_on_everyday_chat(shipped: SafetyWords, text: str) -> None:
    assert shipped.flags([text]) == [()]
