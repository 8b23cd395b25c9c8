"""Loading the model folder and encoding: order kept, padding-independent, local only."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from attune.errors import AttuneError
from attune.signals import MODEL_DIR_ENV, PACKAGE_MODEL_DIR, SignalsModel, default_model_dir
from attune.signals.model import cpu_count


@pytest.fixture(scope="module")
def model(tiny_model_dir: Path) -> SignalsModel:
    return SignalsModel.load(tiny_model_dir, threads=1)


def test_session_settings(tiny_model_dir: Path) -> None:
    import onnxruntime as ort

    loaded = SignalsModel.load(tiny_model_dir)
    options = loaded.session.get_session_options()
    assert options.intra_op_num_threads == cpu_count()
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert loaded.session.get_providers() == ["CPUExecutionProvider"]


def test_encode_keeps_order_whatever_the_batching(model: SignalsModel) -> None:
    texts = ["ok", "I had the weirdest dream last night, you were a chef on a boat", "lol", "❤️"]
    texts = texts * 10 + [f"message number {i} " * (i % 7) for i in range(50)]
    together = model.encode(texts, batch_size=7)
    one_by_one = np.concatenate([model.encode([t]) for t in texts])
    assert together.shape == (len(texts), model.heads.dim)
    assert np.allclose(together, one_by_one, atol=1e-5)  # padding never leaks into a mean


def test_texts_the_tokenizer_makes_identical_are_encoded_once(
    model: SignalsModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows: list[int] = []
    real = model._run

    def spy(batch: list[np.ndarray], width: int) -> np.ndarray:
        rows.append(len(batch))
        return real(batch, width)

    monkeypatch.setattr(model, "_run", spy)
    out = model.encode(["OK", "ok", "ok ", "Ok!", "lol"])
    assert sum(rows) == 3  # "ok", "ok!", "lol"
    assert np.array_equal(out[0], out[1])
    assert np.array_equal(out[0], out[2])
    assert not np.array_equal(out[0], out[3])


def test_encode_reports_progress(model: SignalsModel) -> None:
    seen: list[int] = []
    model.encode([str(i) for i in range(10)], batch_size=4, progress=seen.append)
    assert seen == [4, 4, 2]
    assert model.encode([]).shape == (0, model.heads.dim)


def test_truncation_at_128_tokens(model: SignalsModel) -> None:
    long = "word " * 1000
    assert max(len(t) for t in model.tokenize([long, "hi"])) == 128
    assert np.isfinite(model.encode([long, ""])).all()


def test_model_folder_from_argument_env_or_package(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MODEL_DIR_ENV, raising=False)
    assert default_model_dir() == PACKAGE_MODEL_DIR
    monkeypatch.setenv(MODEL_DIR_ENV, str(tiny_model_dir))
    assert default_model_dir() == tiny_model_dir
    assert SignalsModel.load(threads=1).directory == tiny_model_dir


def test_missing_model_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AttuneError, match=r"encoder\.onnx: the signals model is not installed$"):
        SignalsModel.load(tmp_path)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(AttuneError, match=rf"not installed \(set {MODEL_DIR_ENV}"):
        SignalsModel.load()


def test_incomplete_or_corrupt_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(AttuneError, match=r"tokenizer\.json: missing"):
        SignalsModel.load(folder)
    shutil.copyfile(tiny_model_dir / "tokenizer.json", folder / "tokenizer.json")
    (folder / "encoder.onnx").write_bytes(b"not a model")
    with pytest.raises(AttuneError, match=r"encoder\.onnx: cannot load the encoder") as info:
        SignalsModel.load(folder)
    assert "\n" not in str(info.value)


def test_dimension_mismatch_is_caught(tiny_model_dir: Path, tmp_path: Path) -> None:
    from tests.signals.tiny_model import write_heads

    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    write_heads(folder, dim=8)
    with pytest.raises(AttuneError, match=r"embeddings of 16 values, but heads\.json says dim 8"):
        SignalsModel.load(folder)


def test_reach_is_emitted_where_the_model_has_its_weights(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """reach.npz (written by training/train_bids.py) adds ``reach``, embedding · weights for each
    role, to every record; a model without it emits none."""
    from attune.signals.annotate import Annotator, Item
    from attune.signals.model import REACH, REACH_ROLES, fingerprint, model_fit, reach_fit

    folder = tmp_path / "with_reach"
    shutil.copytree(tiny_model_dir, folder)
    plain = SignalsModel.load(folder, threads=1)
    dim = plain.heads.dim
    weights = np.stack([np.linspace(-1, 1, dim), np.ones(dim), np.zeros(dim)]).astype(np.float32)
    np.savez(folder / REACH, weights=weights)
    model = SignalsModel.load(folder, threads=1)
    assert model.reach is not None and plain.reach is None

    texts = ["i got the job!!", "ok"]
    items = [Item(id=k, text=t) for k, t in enumerate(texts)]
    records = Annotator(model).annotate(items)
    expected = model.encode(texts) @ weights.T
    for record, row in zip(records, expected, strict=True):
        assert list(record["reach"]) == [*REACH_ROLES, "fit"]
        assert [record["reach"][r] for r in REACH_ROLES] == pytest.approx(row.tolist(), abs=1e-4)
        assert record["reach"]["fit"] == fingerprint(weights) == reach_fit(folder)
    assert records[0]["reach"]["for_previous"] == 0.0
    plain_records = Annotator(plain).annotate(items)
    assert all("reach" not in r for r in plain_records)
    # the record says which model wrote it: adding reach.npz made it another model
    assert {r["model"] for r in records} == {model_fit(folder)}
    assert {r["model"] for r in plain_records} == {model_fit(tiny_model_dir)} != {model_fit(folder)}


def test_reach_weights_of_the_wrong_width_are_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    from attune.signals.model import REACH

    folder = tmp_path / "bad_reach"
    shutil.copytree(tiny_model_dir, folder)
    np.savez(folder / REACH, weights=np.zeros((3, 7), np.float32))
    with pytest.raises(AttuneError, match=r"reach\.npz: weights of shape \(3, 7\), not 3 roles"):
        SignalsModel.load(folder, threads=1)
