"""The numpy heads: exact-erf GELU, the head formula, and loading heads.json / heads.npz."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from attune.errors import AttuneError
from attune.signals.heads import erf, gelu, load_heads, pair_input, sigmoid, softmax
from tests.signals.tiny_model import HEAD_SPECS, write_heads


def test_erf_matches_math_erf() -> None:
    x = np.linspace(-6, 6, 200_001)
    exact = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(erf(x) - exact)) < 1.5e-7  # Abramowitz & Stegun 7.1.26 bound
    x32 = x.astype(np.float32)
    assert erf(x32).dtype == np.float32
    assert np.max(np.abs(erf(x32).astype(np.float64) - exact)) < 1e-6


def test_gelu_is_the_exact_erf_form_not_the_tanh_approximation() -> None:
    x = np.linspace(-8, 8, 10_001).astype(np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.max(np.abs(gelu(x) - exact)) < 2e-6
    assert np.max(np.abs(tanh_form - exact)) > 1e-4  # so the test can tell the two apart
    assert gelu(x).dtype == np.float32


def test_activations() -> None:
    logits = np.array([[0.0, 1.0, -1.0], [1000.0, 0.0, -1000.0]], dtype=np.float32)
    p = softmax(logits)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.isfinite(p).all()
    s = sigmoid(logits)
    assert np.isfinite(s).all()
    assert s[0, 0] == pytest.approx(0.5)


def test_pair_input_layout() -> None:
    e = np.array([[1.0, -2.0]], dtype=np.float32)
    c = np.array([[3.0, 1.0]], dtype=np.float32)
    assert pair_input(e, c).tolist() == [[1, -2, 3, 1, 3, -2, 2, 3]]


def test_heads_compute_the_documented_formula(tmp_path: Path) -> None:
    dim = 6
    write_heads(tmp_path, dim, hidden=5, seed=3)
    heads = load_heads(tmp_path / "heads.json", tmp_path / "heads.npz")
    rng = np.random.default_rng(1)
    e = rng.normal(size=(4, dim)).astype(np.float32)
    c = rng.normal(size=(4, dim)).astype(np.float32)
    got = {**heads.run("self", e), **heads.run("pair", pair_input(e, c))}
    assert set(got) == set(HEAD_SPECS)
    with np.load(tmp_path / "heads.npz") as npz:
        for name, spec in HEAD_SPECS.items():
            x = e if spec["input"] == "self" else np.concatenate([e, c, e * c, abs(e - c)], 1)
            x = x.astype(np.float64)
            h = x @ npz[f"{name}.w1"] + npz[f"{name}.b1"]
            h = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))(h)
            logits = h @ npz[f"{name}.w2"] + npz[f"{name}.b2"]
            if spec["type"] == "multilabel":
                want = 1 / (1 + np.exp(-logits))
            elif spec["type"] == "multiclass":
                z = np.exp(logits - logits.max(1, keepdims=True))
                want = z / z.sum(1, keepdims=True)
            else:
                want = np.tanh(logits)
            assert np.allclose(got[name], want, atol=2e-5), name


def test_missing_and_broken_artefacts_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(AttuneError, match=r"heads\.json: missing"):
        load_heads(tmp_path / "heads.json", tmp_path / "heads.npz")
    (tmp_path / "heads.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(AttuneError, match=r"heads\.json: cannot read"):
        load_heads(tmp_path / "heads.json", tmp_path / "heads.npz")
    write_heads(tmp_path, 4)
    with np.load(tmp_path / "heads.npz") as npz:
        arrays = dict(npz)
    arrays["emotions.w1"] = arrays["emotions.w1"][:3]
    np.savez(tmp_path / "heads.npz", **arrays)
    with pytest.raises(AttuneError, match=r"heads\.npz: head 'emotions': shapes") as info:
        load_heads(tmp_path / "heads.json", tmp_path / "heads.npz")
    assert "\n" not in str(info.value)
    del arrays["emotions.w1"]
    np.savez(tmp_path / "heads.npz", **arrays)
    with pytest.raises(AttuneError, match=r"no array 'emotions.w1'"):
        load_heads(tmp_path / "heads.json", tmp_path / "heads.npz")


def test_thresholds_must_match_labels(tmp_path: Path) -> None:
    write_heads(tmp_path, 4)
    meta = json.loads((tmp_path / "heads.json").read_text(encoding="utf-8"))
    meta["heads"]["safety"]["thresholds"] = [0.5]
    (tmp_path / "heads.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(AttuneError, match="thresholds"):
        load_heads(tmp_path / "heads.json", tmp_path / "heads.npz")
