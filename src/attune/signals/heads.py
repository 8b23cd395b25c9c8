"""The small heads on top of the encoder, in numpy (``docs/signals_model.md``).

A head is ``logits = gelu(x @ w1 + b1) @ w2 + b2`` with the exact (erf) GELU, where ``x`` is the
message embedding ``e`` (``"self"``) or ``[e, c, e * c, |e - c|]`` (``"pair"``, ``c`` the embedding
of the message being answered, zeros when there is none). Heads sharing an input run their first
layer as one matrix product (their ``w1`` side by side), so sixteen heads cost two GEMMs and
sixteen small ones.
"""

from __future__ import annotations

import ctypes
import functools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from attune.errors import AttuneError

F32 = npt.NDArray[np.float32]
HeadInput = Literal["self", "pair"]
HeadType = Literal["multilabel", "multiclass", "regression"]

# Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + … + a5 t^5) exp(-x^2), t = 1 / (1 + p x),
# for x >= 0, odd extension below; absolute error <= 1.5e-7.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_SQRT_HALF = 1.0 / math.sqrt(2.0)


def erf(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """Vectorised erf (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7), in ``x``'s float type."""
    a = np.abs(x)
    t = 1.0 / (1.0 + _P * a)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    y = 1.0 - poly * np.exp(-a * a)
    out: npt.NDArray[np.floating[Any]] = np.copysign(y, x).astype(x.dtype, copy=False)
    return out


def gelu(x: F32) -> F32:
    """Exact GELU, ``x * Φ(x) = x/2 * (1 + erf(x/√2))`` (not the tanh approximation)."""
    out: F32 = (0.5 * x * (1.0 + erf(x * np.float32(_SQRT_HALF)))).astype(np.float32, copy=False)
    return out


def sigmoid(x: F32) -> F32:
    out: F32 = (1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))).astype(np.float32, copy=False)
    return out


def softmax(x: F32) -> F32:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    out: F32 = (z / z.sum(axis=1, keepdims=True)).astype(np.float32, copy=False)
    return out


@dataclass(frozen=True)
class HeadSpec:
    """One head as ``heads.json`` describes it, with its weights from ``heads.npz``."""

    name: str
    input: HeadInput
    type: HeadType
    labels: tuple[str, ...]
    thresholds: tuple[float, ...] | None
    range: tuple[float, float]
    w1: F32
    b1: F32
    w2: F32
    b2: F32
    min_probability: float = 0.0  # a "none"-able head asserts a label only this sure of it

    @property
    def outputs(self) -> int:
        return int(self.w2.shape[1])

    def activate(self, logits: F32) -> F32:
        """Logits → probabilities (multilabel: sigmoid; multiclass: softmax) or a value in range."""
        if self.type == "multilabel":
            return sigmoid(logits)
        if self.type == "multiclass":
            return softmax(logits)
        low, high = self.range
        return (low + (high - low) * (np.tanh(logits) + 1.0) / 2.0).astype(np.float32)


@dataclass(frozen=True)
class HeadGroup:
    """The heads sharing one input, their first layers side by side: one GEMM for all of them."""

    w1: F32
    b1: F32
    bounds: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, specs: Sequence[HeadSpec], width: int) -> HeadGroup:
        if not specs:
            return cls(np.zeros((width, 0), np.float32), np.zeros(0, np.float32), ())
        bounds, start = [], 0
        for spec in specs:
            bounds.append((spec.name, start, start + int(spec.w1.shape[1])))
            start += int(spec.w1.shape[1])
        w1 = np.ascontiguousarray(np.concatenate([s.w1 for s in specs], axis=1))
        return cls(w1, np.concatenate([s.b1 for s in specs]), tuple(bounds))


@dataclass(frozen=True)
class Heads:
    """Every head of the model, grouped by input."""

    version: int
    dim: int
    max_length: int
    specs: Mapping[str, HeadSpec]
    meta: Mapping[str, Any]
    groups: Mapping[HeadInput, HeadGroup]

    @classmethod
    def build(
        cls, version: int, dim: int, max_length: int, specs: Mapping[str, HeadSpec], meta: Any
    ) -> Heads:
        groups: dict[HeadInput, HeadGroup] = {
            "self": HeadGroup.of([s for s in specs.values() if s.input == "self"], dim),
            "pair": HeadGroup.of([s for s in specs.values() if s.input == "pair"], 4 * dim),
        }
        return cls(version, dim, max_length, specs, meta, groups)

    def run(self, kind: HeadInput, x: F32) -> dict[str, F32]:
        """Every head of input ``kind`` on rows ``x``: name → activated outputs, one row each."""
        group = self.groups[kind]
        if not group.bounds:
            return {}
        with single_threaded_blas():
            hidden = gelu(x @ group.w1 + group.b1)
            out: dict[str, F32] = {}
            for name, start, stop in group.bounds:
                spec = self.specs[name]
                out[name] = spec.activate(hidden[:, start:stop] @ spec.w2 + spec.b2)
        return out


@functools.cache
def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """numpy's OpenBLAS get/set-threads functions, when numpy uses OpenBLAS (Linux wheels)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps.read())))
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("", ""), ("scipy_", "")):
            get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                get.restype = ctypes.c_int
                put.argtypes = [ctypes.c_int]
                return get, put
    return None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """numpy's BLAS on one thread for the heads' products, restored afterwards.

    The heads' matrices are small and the encoder's threads already use the cores: on a busy
    2-core machine two BLAS threads made a one-message head pass ~6x and a 256-row pass ~2x
    slower than one thread."""
    blas = _openblas()
    if blas is None:
        yield
        return
    get, put = blas
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)


def pair_input(e: F32, c: F32) -> F32:
    """``[e, c, e * c, |e - c|]`` row by row."""
    return np.concatenate([e, c, e * c, np.abs(e - c)], axis=1)


def _fail(path: Path, message: str) -> AttuneError:
    return AttuneError(f"{path}: {message}")


def load_heads(spec_path: Path, weights_path: Path) -> Heads:
    """Read ``heads.json`` and ``heads.npz``, checking every shape against the specs."""
    try:
        meta = json.loads(spec_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(spec_path, "missing (the signals model is incomplete)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(spec_path, f"cannot read the head specs ({exc})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("heads"), dict):
        raise _fail(spec_path, 'expected an object with "heads"')
    try:
        dim = int(meta.get("dim", 384))
        max_length = int(meta.get("max_length", 128))
        version = int(meta.get("version", 1))
    except (TypeError, ValueError):
        raise _fail(spec_path, '"dim", "max_length" and "version" must be integers') from None
    try:
        with np.load(weights_path, allow_pickle=False) as npz:
            arrays = {key: np.asarray(npz[key], dtype=np.float32) for key in npz.files}
    except FileNotFoundError:
        raise _fail(weights_path, "missing (the signals model is incomplete)") from None
    except (OSError, ValueError, EOFError) as exc:
        raise _fail(weights_path, f"cannot read the head weights ({exc})") from None

    specs: dict[str, HeadSpec] = {}
    for name, raw in meta["heads"].items():
        specs[name] = _head(spec_path, weights_path, name, raw, arrays, dim)
    return Heads.build(version, dim, max_length, specs, meta)


def _head(
    spec_path: Path,
    weights_path: Path,
    name: str,
    raw: Any,
    arrays: Mapping[str, F32],
    dim: int,
) -> HeadSpec:
    if not isinstance(raw, dict):
        raise _fail(spec_path, f"head {name!r}: expected an object")
    kind = raw.get("input")
    head_type = raw.get("type")
    if kind not in ("self", "pair"):
        raise _fail(spec_path, f'head {name!r}: "input" must be "self" or "pair"')
    if head_type not in ("multilabel", "multiclass", "regression"):
        raise _fail(spec_path, f"head {name!r}: unknown type {head_type!r}")
    labels = tuple(str(label) for label in raw.get("labels", ()))
    try:
        w1, b1, w2, b2 = (arrays[f"{name}.{part}"] for part in ("w1", "b1", "w2", "b2"))
    except KeyError as exc:
        raise _fail(weights_path, f"head {name!r}: no array {exc.args[0]!r}") from None
    width = dim if kind == "self" else 4 * dim
    outputs = 1 if head_type == "regression" else len(labels)
    hidden = w1.shape[1] if w1.ndim == 2 else -1
    if (
        w1.shape != (width, hidden)
        or b1.shape != (hidden,)
        or w2.shape != (hidden, outputs)
        or b2.shape != (outputs,)
    ):
        raise _fail(
            weights_path,
            f"head {name!r}: shapes w1 {w1.shape}, b1 {b1.shape}, w2 {w2.shape}, b2 {b2.shape} "
            f"do not fit input {width} → {outputs} outputs",
        )
    if head_type != "regression" and not labels:
        raise _fail(spec_path, f'head {name!r}: "labels" missing')
    thresholds: tuple[float, ...] | None = None
    if head_type == "multilabel":
        raw_thresholds = raw.get("thresholds", [0.5] * len(labels))
        if not isinstance(raw_thresholds, list) or len(raw_thresholds) != len(labels):
            raise _fail(spec_path, f'head {name!r}: "thresholds" must give one number per label')
        thresholds = tuple(float(t) for t in raw_thresholds)
    low, high = raw.get("range", [-1.0, 1.0])
    min_probability = raw.get("min_probability", 0.0)
    if not isinstance(min_probability, int | float) or not 0.0 <= min_probability < 1.0:
        raise _fail(spec_path, f'head {name!r}: "min_probability" must be a number in [0, 1)')
    return HeadSpec(
        name=name,
        input=kind,
        type=head_type,
        labels=labels,
        thresholds=thresholds,
        range=(float(low), float(high)),
        w1=np.ascontiguousarray(w1),
        b1=b1,
        w2=np.ascontiguousarray(w2),
        b2=b2,
        min_probability=float(min_probability),
    )
