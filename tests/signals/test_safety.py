"""The safety model: its word features, its file, the encoder check, and how annotate unites it
with the rules and the head."""

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
from attune.signals.linear import PROBE, TOKEN_PATTERN, ngrams
from attune.signals.model import PACKAGE_MODEL_DIR, SignalsModel
from attune.signals.safety import SAFETY_MODEL, SafetyModel
from tests.conftest import ROOT
from tests.signals.conftest import needs_real_model

SAFETY = ["threat", "coercive_control", "self_harm"]
DIM = 4


def tiny(**changes: Any) -> dict[str, Any]:
    """A three-word model: "gone" and "for good" raise self-harm, "keys" coercive control; its
    embedding read is neutral (weights 0, intercept 0: probability 0.5 for every kind)."""
    raw: dict[str, Any] = {
        "version": 1,
        "labels": SAFETY,
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": [1, 2],
        "vocabulary": ["gone", "for good", "keys", "i"],
        "idf": [2.0, 3.0, 2.0, 1.0],
        "word_weights": [[0, 0, 0, 0], [0, 0, 6, 0], [4, 5, 0, -1]],
        "word_intercept": [-3.0, -3.0, -3.0],
        "embedding_weights": [[0.0] * DIM] * 3,
        "embedding_intercept": [0.0] * 3,
        "probe_embedding": [1.0, 0.0, 0.0, 0.0],
        "thresholds": [0.5, 0.5, 0.5],
        "likely_thresholds": [0.7, 0.73, 0.7],
    }
    raw.update(changes)
    return raw


def write(folder: Path, raw: dict[str, Any]) -> Path:
    path = folder / SAFETY_MODEL
    path.write_text(json.dumps(raw))
    return path


def load(folder: Path, raw: dict[str, Any], dim: int = DIM) -> SafetyModel:
    model = SafetyModel.load(write(folder, raw), dim)
    assert model is not None
    return model


def test_ngrams_are_scikit_learns_word_ngrams_of_the_normalised_text() -> None:
    assert ngrams("I’m GONE, for good!!", 2) == [
        "i'm", "gone", ",", "for", "good", "!", "!",
        "i'm gone", "gone ,", ", for", "for good", "good !", "! !",
    ]  # fmt: skip
    assert ngrams("kill 🔪", 1) == ["kill", "🔪"]
    assert ngrams("", 3) == []


def test_features_are_sublinear_tf_idf_l2_normalised(tmp_path: Path) -> None:
    model = load(tmp_path, tiny())
    index, values = model.reads.features("gone gone for good, I")
    tf = {0: 1 + math.log(2), 1: 1.0, 3: 1.0}  # "gone" twice, "for good" and "i" once
    raw = np.array([tf[i] * model.reads.idf[i] for i in index.tolist()])
    assert sorted(index.tolist()) == [0, 1, 3]
    assert np.allclose(values, raw / np.linalg.norm(raw))
    empty_index, empty_values = model.reads.features("nothing known here")
    assert len(empty_index) == 0 and len(empty_values) == 0


def test_word_logits_of_a_chunk_are_each_texts_features_read(tmp_path: Path) -> None:
    """word_logits reads a whole chunk at once; each row must be what features() gives alone,
    repeated n-grams, texts without a known n-gram and an empty chunk included."""
    model = load(tmp_path, tiny())
    texts = ["gone gone for good, I", "nothing known", "", "keys? keys! i", "for good"]
    chunk = model.reads.word_logits(texts)
    for row, text in zip(chunk, texts, strict=True):
        index, values = model.reads.features(text)
        alone = model.reads.word_weights[:, index] @ values + model.reads.word_intercept
        np.testing.assert_allclose(row, alone, rtol=1e-12, atol=1e-12)
    assert model.reads.word_logits([]).shape == (0, 3)


def test_probabilities_flags_and_evidence(tmp_path: Path) -> None:
    model = load(tmp_path, tiny())
    texts = ["gone for good", "where are my keys", "hello"]
    words = model.word_probabilities(texts)
    x = np.array([2.0, 3.0]) / math.sqrt(13.0)  # "gone", "for good", each tf 1
    assert words[0, 2] == pytest.approx(1 / (1 + math.exp(-(x @ [4.0, 5.0] - 3.0))))
    assert words[2].tolist() == pytest.approx([1 / (1 + math.exp(3.0))] * 3)  # no known word
    embeddings = np.zeros((3, DIM), np.float32)
    assert model.probabilities(texts, embeddings) == pytest.approx((words + 0.5) / 2)
    assert model.flags(texts, embeddings) == [("self_harm",), ("coercive_control",), ()]
    # likely: "gone for good" 0.73 ≥ 0.7; "keys" 0.726, possible but under its likely 0.73
    raised = model.raised(texts, embeddings)
    assert raised[1]["coercive_control"] == pytest.approx((1 / (1 + math.exp(-3.0)) + 0.5) / 2)
    assert [model.likely(r) for r in raised] == [["self_harm"], [], []]
    assert model.evidence("I'm gone for good", "self_harm") == ["for good", "gone"]
    assert model.evidence("hello", "self_harm") == []


def test_the_embedding_read_counts_half(tmp_path: Path) -> None:
    model = load(tmp_path, tiny(embedding_weights=[[0.0] * DIM, [0.0] * DIM, [9.0, 0, 0, 0]]))
    texts, unit = ["hello", "hello"], np.eye(DIM, dtype=np.float32)[:2]
    probs = model.probabilities(texts, unit)  # only the first embedding points at self-harm
    words = 1 / (1 + math.exp(3.0))
    assert probs[:, 2] == pytest.approx([(words + 1 / (1 + math.exp(-9.0))) / 2, (words + 0.5) / 2])
    assert model.flags(texts, unit) == [("self_harm",), ()]


def test_the_probe_tells_the_encoder_apart(tmp_path: Path) -> None:
    model = load(tmp_path, tiny())
    assert model.reads.fits(lambda texts: np.array([[2.0, 0.01, 0, 0]] * len(texts)))
    assert not model.reads.fits(lambda texts: np.array([[0.0, 1.0, 0, 0]] * len(texts)))
    seen: list[list[str]] = []
    model.reads.fits(lambda texts: seen.append(texts) or np.ones((1, DIM)))
    assert seen == [[PROBE]]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"idf": [1.0]}, "shapes do not fit"),
        ({"word_weights": [[0, 0, 0, 0]]}, "shapes do not fit"),
        ({"embedding_weights": [[0.0] * 5] * 3}, "shapes do not fit"),
        ({"probe_embedding": [1.0]}, "shapes do not fit"),
        ({"thresholds": [0.5]}, r"shapes do not fit .*\(thresholds \(1,\)\)"),
        ({"likely_thresholds": [0.9]}, r"shapes do not fit .*\(likely_thresholds \(1,\)\)"),
        ({"token_pattern": r"\w+"}, "token pattern"),
        ({"labels": None}, "cannot read the safety model"),
        ({"word_intercept": None}, r"shapes do not fit .*\(word_intercept \(\)\)"),
        ({"ngram_range": [1, 0]}, "ngram_range up to 0"),
    ],
)
def test_a_broken_file_is_one_clear_error(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, tiny(**changes))
    with pytest.raises(AttuneError, match=message) as caught:
        SafetyModel.load(path, DIM)
    assert str(path) in str(caught.value)


def test_no_file_no_safety_model(tmp_path: Path) -> None:
    assert SafetyModel.load(tmp_path / SAFETY_MODEL, DIM) is None
    (tmp_path / SAFETY_MODEL).write_text("{not json")
    with pytest.raises(AttuneError, match="cannot read"):
        SafetyModel.load(tmp_path / SAFETY_MODEL, DIM)


def fitted_to(folder: Path, **changes: Any) -> dict[str, Any]:
    """``tiny`` at the width of the model in ``folder``, its probe that model's embedding."""
    model = SignalsModel.load(folder, threads=1, safety=False)
    dim = model.heads.dim
    return tiny(
        embedding_weights=[[0.0] * dim] * 3,
        probe_embedding=model.encode([PROBE])[0].tolist(),
        **changes,
    )


def test_annotate_unites_the_safety_model_with_its_evidence(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    meta = json.loads((folder / "heads.json").read_text())
    meta["heads"]["safety"]["thresholds"] = [1.01] * 3  # the head never fires
    (folder / "heads.json").write_text(json.dumps(meta))
    without = Annotator.load(folder, threads=1).annotate([Item(1, "I'll be gone for good")])[0]
    assert without["safety"] == [] and "safety_words" not in without

    write(folder, fitted_to(folder))
    records = Annotator.load(folder, threads=1).annotate(
        [Item(1, "I'll be gone for good"), Item(2, "see you at 6"), Item(3, "I want to die")]
    )
    gone, ordinary, rule = records
    assert gone["safety"] == ["self_harm"]
    assert gone["safety_words"] == {"self_harm": ["for good", "gone"]}
    assert set(gone["safety_probability"]) == {"self_harm"}
    assert 0.5 <= gone["safety_probability"]["self_harm"] < 1.0  # at or over its threshold
    assert gone["cues"] == []  # not a rule: measures list it as a possible sign, not explicit
    assert gone["safety_likely"] == ["self_harm"]  # 0.733 ≥ its likely threshold 0.7
    assert ordinary["safety"] == [] and "safety_words" not in ordinary
    assert "safety_probability" not in ordinary
    assert rule["safety"] == ["self_harm"] and "safety_words" not in rule


def test_a_safety_model_fitted_with_another_encoder_is_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    raw = fitted_to(folder)
    raw["probe_embedding"] = [-v for v in raw["probe_embedding"]]
    path = write(folder, raw)
    with pytest.raises(AttuneError, match="another encoder") as caught:
        SignalsModel.load(folder, threads=1)
    assert str(path) in str(caught.value)
    assert SignalsModel.load(folder, threads=1, safety=False).safety is None


# --- the shipped safety model -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> SignalsModel:
    model = SignalsModel.load(PACKAGE_MODEL_DIR)
    if model.safety is None:
        pytest.skip("no safety model shipped yet (python -m training.train_safety)")
    return model


def flags(model: SignalsModel, text: str) -> tuple[str, ...]:
    assert model.safety is not None
    return model.safety.flags([text], model.encode([text]))[0]


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
def test_shipped_safety_model_reads_unseen_wording(
    shipped: SignalsModel, text: str, kind: str
) -> None:
    assert kind in flags(shipped, text)
    assert shipped.safety is not None and shipped.safety.evidence(text, kind)


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
def test_shipped_safety_model_stays_quiet_on_everyday_chat(
    shipped: SignalsModel, text: str
) -> None:
    assert flags(shipped, text) == ()


@needs_real_model
def test_shipped_likely_signs_catch_unseen_wording_the_rules_miss() -> None:
    """On the held-out writers' safety messages (test_internal rounds, never fitted on) that no
    rule matches, the safety model's likely tier finds the right kind in 69 of 176 (0.39 when
    written); the rules' explicit matches alone would switch the coaching for none of them."""
    rows = [
        json.loads(line)
        for line in (ROOT / "training" / "labelled" / "safety.jsonl").read_text().splitlines()
    ]
    cases = [r for r in rows if r.get("split") == "test_internal" and r["label"]]
    records = Annotator.load().annotate([Item(i, r["text"]) for i, r in enumerate(cases)])
    unruled = [
        (r, x)
        for r, x in zip(cases, records, strict=True)
        if not any(c.startswith("safety.") for c in x["cues"])
    ]
    likely = [r for r, x in unruled if set(x.get("safety_likely") or ()) & set(r["label"])]
    assert len(unruled) > 100
    assert len(likely) / len(unruled) >= 0.35


@needs_real_model
def test_the_bundled_sample_chat_does_not_switch_to_safety_mode() -> None:
    """An ordinary couple's chat: possible signs may be listed for reading, but no explicit or
    likely one ("booking now before you change your mind" scores 0.94 as coercive control, under
    the likely floor of 0.96)."""
    from attune.ingest import read_conversation
    from attune.present.analysis import run_analysis

    sample = ROOT / "src" / "attune" / "data" / "sample_chat.txt"
    metrics = run_analysis(read_conversation(sample)).metrics
    safety = metrics["safety"]
    assert safety["flagged"] is False
    assert (safety["explicit"], safety["likely"]) == (0, 0)
