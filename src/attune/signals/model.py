"""Loading the signals model (``docs/signals_model.md``) and encoding texts with it.

The model is a folder: ``encoder.onnx``, ``tokenizer.json``, ``heads.npz``, ``heads.json``, and
optionally ``reach.npz`` (the words' part of the bid detector, :mod:`attune.measures.bids`),
``safety.json`` (:mod:`attune.signals.safety`), ``horseman.json`` (:mod:`attune.signals.horseman`),
``validation.json`` (:mod:`attune.signals.validation`) and ``repair.json``
(:mod:`attune.signals.repair`). It is found, in this order, at the
folder given by the caller, at ``$ATTUNE_MODEL_DIR``, or in the package (``attune/signals/model/``).
Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from attune.errors import AttuneError
from attune.signals.heads import Heads, load_heads
from attune.signals.horseman import HORSEMAN_MODEL, HorsemanModel
from attune.signals.repair import REPAIR_MODEL, RepairModel
from attune.signals.safety import SAFETY_MODEL, SafetyModel
from attune.signals.validation import VALIDATION_MODEL, ValidationModel

MODEL_DIR_ENV = "ATTUNE_MODEL_DIR"
PACKAGE_MODEL_DIR = Path(__file__).resolve().parent / "model"
ENCODER, TOKENIZER, HEADS_NPZ, HEADS_JSON = (
    "encoder.onnx",
    "tokenizer.json",
    "heads.npz",
    "heads.json",
)
REACH = "reach.npz"
SIGNALS_ARTEFACTS = (
    ENCODER,
    TOKENIZER,
    HEADS_NPZ,
    HEADS_JSON,
    REACH,
    SAFETY_MODEL,
    HORSEMAN_MODEL,
    VALIDATION_MODEL,
    REPAIR_MODEL,
)
BATCH_SIZE = 64
BATCH_TOKENS = 2048
"""At most this many padded tokens a batch (64 texts of up to 32 tokens; fewer when longer), so the
encoder's activations, and the memory arena that keeps them, stay small."""

Progress = Callable[[int], None]
"""Called with the number of texts just encoded."""


REACH_ROLES = ("own", "for_next", "for_previous")
"""What each of a message's ``reach`` values speaks of: the message itself; the message after it
(a run-up: "guess what"); and, read as the partner's reply, the message it answers ("no way, tell
me everything" says that was news)."""


_ROLES = frozenset(REACH_ROLES)


@dataclass(frozen=True)
class Reach:
    """How much a message's words make it, or its neighbours, bids for connection: linear reads
    of its embedding, the words' shares of the bid detector's logit (``training/train_bids.py``
    fits them with the detector's other part, which holds their constant)."""

    weights: npt.NDArray[np.float32]  # one row per role of REACH_ROLES

    @functools.cached_property
    def fit(self) -> str:
        """A fingerprint of the weights, carried in each record's ``reach`` (``"fit"``) and in the
        bid detector's ``bid_model.json``: reach values are only meaningful with the detector
        fitted beside them, so a cache or a detector from another fit is noticed."""
        return fingerprint(self.weights)

    @classmethod
    def load(cls, path: Path, dim: int) -> Reach | None:
        """The file's weights, or None when the model has none."""
        weights = _reach_weights(path)
        if weights is None:
            return None
        if weights.shape != (len(REACH_ROLES), dim):
            raise AttuneError(
                f"{path}: weights of shape {weights.shape}, not {len(REACH_ROLES)} roles × {dim}"
            )
        return cls(weights)

    def of(self, embeddings: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """One row per embedding, one column per role."""
        return np.asarray(embeddings @ self.weights.T, dtype=np.float32)


def fingerprint(weights: npt.NDArray[np.float32]) -> str:
    return hashlib.sha256(np.ascontiguousarray(weights, dtype=np.float32).tobytes()).hexdigest()[
        :12
    ]


def _reach_weights(path: Path) -> npt.NDArray[np.float32] | None:
    """The weights stored in ``reach.npz`` (None when there is no such file)."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            return np.asarray(data["weights"], dtype=np.float32)
    except (OSError, KeyError, ValueError) as exc:
        raise AttuneError(f"{path}: cannot read the reach weights ({exc})") from None


def model_fit(folder: Path) -> str | None:
    """A fingerprint of the artefacts that decide a message's signals and of the package version
    (the rules are code), carried in each record (``"model"``): a signals cache written by
    another model, or before only ``safety.json`` was refitted, is noticed and redone. None
    where no encoder is installed (a cache is then all there is)."""
    if not (folder / ENCODER).is_file():
        return None
    stamps = tuple(
        (name, stat.st_size, stat.st_mtime_ns)
        for name in SIGNALS_ARTEFACTS
        if (path := folder / name).is_file() and (stat := path.stat())
    )
    return _fingerprint(folder.resolve(), stamps)


@functools.lru_cache(maxsize=8)
def _fingerprint(folder: Path, stamps: tuple[tuple[str, int, int], ...]) -> str:
    """The hash behind :func:`model_fit`, once per folder and set of file sizes and times: a
    partly cached ``analyze`` asks for it twice (the cache, then the model it loads)."""
    from attune import __version__

    digest = hashlib.sha256(__version__.encode())
    for name, _, _ in stamps:
        digest.update(f"\0{name}\0".encode())
        with (folder / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def reach_fit(folder: Path) -> str | None:
    """The fingerprint of the folder's reach weights (None without ``reach.npz``)."""
    weights = _reach_weights(folder / REACH)
    return None if weights is None else fingerprint(weights)


def has_reach(record: Mapping[str, Any], fit: str | None = None) -> bool:
    """Whether an annotate record carries every role's ``reach`` (one written by an older model
    has none, or a single number), from the weights of fingerprint ``fit`` when given."""
    reach = record.get("reach")
    if not isinstance(reach, dict | Mapping):  # dict first: records read from JSON are dicts
        return False
    return reach.keys() >= _ROLES and (fit is None or reach.get("fit") == fit)


def default_model_dir() -> Path:
    """``$ATTUNE_MODEL_DIR`` when set, else the model shipped in the package."""
    env = os.environ.get(MODEL_DIR_ENV)
    return Path(env) if env else PACKAGE_MODEL_DIR


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class SignalsModel:
    """The encoder session, its tokenizer and the heads, loaded once and reused."""

    directory: Path
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    heads: Heads
    feeds_token_types: bool = False
    reach: Reach | None = None
    safety: SafetyModel | None = None
    horseman: HorsemanModel | None = None
    validation: ValidationModel | None = None
    repair: RepairModel | None = None
    fit: str = ""
    """The folder's :func:`model_fit` when loaded, written in every record it annotates."""

    @classmethod
    def load(
        cls,
        directory: str | Path | None = None,
        *,
        threads: int | None = None,
        reach: bool = True,
        safety: bool = True,
        horseman: bool = True,
        validation: bool = True,
        repair: bool = True,
    ) -> SignalsModel:
        """Load the model folder (see the module docstring for where it is looked for);
        ``reach`` False leaves ``reach.npz`` unread (``training/train_bids.py`` refits it),
        ``safety`` False ``safety.json`` (``training/train_safety.py`` refits it),
        ``horseman`` False ``horseman.json`` (``training/train_horseman.py``),
        ``validation`` False ``validation.json`` (``training/train_validation.py``), and
        ``repair`` False ``repair.json`` (``training/train_repair.py``)."""
        folder = Path(directory) if directory is not None else default_model_dir()
        encoder = folder / ENCODER
        if not encoder.is_file():
            where = "" if directory is not None else f" (set {MODEL_DIR_ENV} to a model folder)"
            raise AttuneError(f"{encoder}: the signals model is not installed{where}")
        heads = load_heads(folder / HEADS_JSON, folder / HEADS_NPZ)
        tokenizer = _load_tokenizer(folder / TOKENIZER, heads.max_length)
        session = _load_session(encoder, threads or cpu_count())
        inputs = {i.name for i in session.get_inputs()}
        outputs = {o.name: o for o in session.get_outputs()}
        if not {"input_ids", "attention_mask"} <= inputs or "embedding" not in outputs:
            raise AttuneError(
                f"{encoder}: expected inputs input_ids, attention_mask and output embedding, "
                f"got inputs {sorted(inputs)} and outputs {sorted(outputs)}"
            )
        width = outputs["embedding"].shape[-1] if outputs["embedding"].shape else None
        if isinstance(width, int) and width != heads.dim:
            raise AttuneError(
                f"{encoder}: embeddings of {width} values, but {HEADS_JSON} says dim {heads.dim}"
            )
        words = Reach.load(folder / REACH, heads.dim) if reach else None
        model = cls(folder, session, tokenizer, heads, "token_type_ids" in inputs, words)
        model.fit = model_fit(folder) or ""
        model.safety = SafetyModel.load(folder / SAFETY_MODEL, heads.dim) if safety else None
        model.horseman = (
            HorsemanModel.load(folder / HORSEMAN_MODEL, heads.dim) if horseman else None
        )
        model.validation = (
            ValidationModel.load(folder / VALIDATION_MODEL, heads.dim) if validation else None
        )
        model.repair = RepairModel.load(folder / REPAIR_MODEL, heads.dim) if repair else None
        for name, read, script in (
            (SAFETY_MODEL, model.safety, "train_safety"),
            (HORSEMAN_MODEL, model.horseman, "train_horseman"),
            (VALIDATION_MODEL, model.validation, "train_validation"),
            (REPAIR_MODEL, model.repair, "train_repair"),
        ):
            if read is not None and not read.reads.fits(model.encode):
                raise AttuneError(
                    f"{folder / name}: fitted with another encoder than {encoder.name}; "
                    f"refit it with python -m training.{script}"
                )
        return model

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text (with [CLS]/[SEP], truncated to the model's max length)."""
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def _token_ids(
        self, texts: Sequence[str], chunk: int = 2048
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """All texts' token ids in one flat array, and where each text starts (and the last ends).
        Tokenised a chunk at a time, so no more than ``chunk`` encodings are alive at once."""
        parts: list[npt.NDArray[np.int64]] = []
        lengths: list[int] = []
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            # a few texts: one by one, without the batch call's thread pool (it costs ~1 ms)
            encodings = (
                [self.tokenizer.encode(t) for t in part]
                if len(part) <= 8
                else self.tokenizer.encode_batch(list(part))
            )
            for encoding in encodings:
                ids = encoding.ids
                parts.append(np.asarray(ids, dtype=np.int64))
                lengths.append(len(ids))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return flat, offsets

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
    ) -> npt.NDArray[np.float32]:
        """One embedding row per text, in the order given.

        Texts are sorted by token count before batching, so each batch pads to nearly its own
        length (about 1.4x faster on chat messages than batching in input order); a batch holds
        at most ``batch_size`` texts and about ``BATCH_TOKENS`` padded tokens."""
        out = np.empty((len(texts), self.heads.dim), dtype=np.float32)
        if not texts:
            return out
        flat, offsets = self._token_ids(texts)
        # texts the (uncased) tokenizer makes identical ("OK" and "ok") are encoded once
        first: dict[bytes, int] = {}
        same = np.fromiter(
            (
                first.setdefault(flat[a:b].tobytes(), i)
                for i, (a, b) in enumerate(itertools.pairwise(offsets.tolist()))
            ),
            dtype=np.int64,
            count=len(texts),
        )
        unique = np.flatnonzero(same == np.arange(len(texts)))
        lengths = np.diff(offsets)
        order = unique[np.argsort(lengths[unique], kind="stable")]
        start = 0
        while start < len(order):
            width = int(lengths[order[min(start + batch_size, len(order)) - 1]])
            size = max(1, min(batch_size, BATCH_TOKENS // max(width, 1)))
            rows = order[start : start + size]
            batch = [flat[offsets[i] : offsets[i + 1]] for i in rows.tolist()]
            out[rows] = self._run(batch, int(lengths[rows].max()))
            start += len(rows)
            if progress is not None:
                progress(len(rows))
        if len(unique) < len(texts):
            out[:] = out[same]
            if progress is not None:
                progress(len(texts) - len(unique))
        return out

    def _run(self, batch: Sequence[npt.NDArray[np.int64]], width: int) -> npt.NDArray[np.float32]:
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if self.feeds_token_types:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        try:
            (embedding,) = self.session.run(["embedding"], feeds)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise AttuneError(f"{self.directory / ENCODER}: {_first_line(exc)}") from None
        return np.asarray(embedding, dtype=np.float32)


def _load_tokenizer(path: Path, max_length: int) -> Any:
    from tokenizers import Tokenizer

    if not path.is_file():
        raise AttuneError(f"{path}: missing (the signals model is incomplete)")
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a plain Exception
        raise AttuneError(f"{path}: cannot load the tokenizer ({_first_line(exc)})") from None
    tokenizer.no_padding()  # each batch is padded to its own longest text in encode()
    tokenizer.enable_truncation(max_length)
    return tokenizer


def _load_session(path: Path, threads: int) -> Any:
    import onnxruntime as ort  # type: ignore[import-untyped]

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: nothing on stderr in normal runs
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise AttuneError(f"{path}: cannot load the encoder ({_first_line(exc)})") from None
