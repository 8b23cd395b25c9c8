"""Linear reads of a message — its word n-grams and its embedding — as the safety model and the
checks use them (:mod:`attune.signals.safety`, :mod:`~attune.signals.horseman`,
:mod:`~attune.signals.validation`, :mod:`~attune.signals.repair`).

The word features are scikit-learn's ``TfidfVectorizer`` with sublinear term frequency and L2
norm, recomputed here in plain Python and numpy so the run time needs neither scikit-learn nor
torch. Embedding weights are only valid for the encoder they were fitted with: a model file keeps
the embedding of a probe text, and :meth:`LinearReads.fits` compares it when the model is loaded.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from attune.errors import AttuneError

TOKEN_PATTERN = r"[\w']+|[^\w\s]"
"""A word (letters, digits, apostrophes) or any other single non-space character (emoji, "!")."""
PROBE = "are you home yet? I'm leaving work now"
"""Encoded when a model is fitted and again when it is loaded: the same encoder, the same
embedding (cosine at least ``SAME_ENCODER``)."""
SAME_ENCODER = 0.995
ARRAYS = ("idf", "word_weights", "word_intercept", "embedding_weights", "embedding_intercept")
_TOKEN = re.compile(TOKEN_PATTERN)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

F64 = npt.NDArray[np.float64]


def normalise(text: str) -> str:
    """Lower case, curly apostrophes straight ("don’t" as phones type it is "don't")."""
    return text.lower().translate(_QUOTES)


def ngrams(text: str, longest: int) -> list[str]:
    """The text's word n-grams, 1 to ``longest`` words, as scikit-learn builds them."""
    tokens = _TOKEN.findall(normalise(text))
    out = list(tokens)
    for n in range(2, longest + 1):
        out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return out


def sigmoid(x: F64) -> F64:
    out: F64 = 1.0 / (1.0 + np.exp(-x))
    return out


def logistic(x: float) -> float:
    """:func:`sigmoid` of one number, without overflow for any ``x``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


@dataclass(frozen=True)
class LinearReads:
    """``outputs`` linear scores of a message: word weights over a vocabulary of n-grams (with
    their idf) and embedding weights, each with an intercept; ``raw``: the rest of the file."""

    longest: int
    grams: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: F64
    word_weights: F64  # [outputs, vocabulary]
    word_intercept: F64  # [outputs]
    embedding_weights: F64  # [outputs, dim]
    embedding_intercept: F64  # [outputs]
    probe_embedding: F64  # [dim]
    raw: Mapping[str, Any]

    @classmethod
    def load(
        cls,
        path: Path,
        dim: int,
        outputs: int | None,
        what: str,
        extra: Mapping[str, int | tuple[int, ...] | None] | None = None,
    ) -> LinearReads | None:
        """The reads in ``path`` (None when there is no such file); ``outputs`` None: as many as
        the file's ``labels``; ``extra``: further arrays the file must have, name → length or
        shape (None: one value per output)."""
        if not path.is_file():
            return None
        extra = extra or {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            grams = tuple(str(gram) for gram in raw["vocabulary"])
            k = len(raw["labels"]) if outputs is None else outputs
            arrays = {
                key: np.asarray(raw[key], dtype=np.float64)
                for key in (*ARRAYS, "probe_embedding", *extra)
            }
            longest = int(raw["ngram_range"][1])
            pattern = raw["token_pattern"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise AttuneError(f"{path}: cannot read the {what} ({exc})") from None
        if pattern != TOKEN_PATTERN:
            raise AttuneError(
                f"{path}: token pattern {pattern!r}; this version reads words as {TOKEN_PATTERN!r}"
            )
        n = len(grams)
        expected = {
            "idf": (n,),
            "word_weights": (k, n),
            "word_intercept": (k,),
            "embedding_weights": (k, dim),
            "embedding_intercept": (k,),
            "probe_embedding": (dim,),
            **{key: _shape(size, k) for key, size in extra.items()},
        }
        wrong = [f"{key} {arrays[key].shape}" for key, shape in expected.items()
                 if arrays[key].shape != shape]  # fmt: skip
        if wrong or longest < 1:
            raise AttuneError(
                f"{path}: shapes do not fit {k} outputs, {n} n-grams and embeddings of {dim} "
                f"({', '.join(wrong) or f'ngram_range up to {longest}'})"
            )
        rest = {key: value for key, value in raw.items() if key not in expected}
        rest.pop("vocabulary", None)
        rest.update({key: arrays[key] for key in extra})
        return cls(
            longest,
            grams,
            {gram: i for i, gram in enumerate(grams)},
            arrays["idf"],
            arrays["word_weights"],
            arrays["word_intercept"],
            arrays["embedding_weights"],
            arrays["embedding_intercept"],
            arrays["probe_embedding"],
            rest,
        )

    def require(self, path: Path, key: str, expected: Sequence[Any]) -> None:
        """Refuse a file whose ``key`` list is not ``expected`` (what this version reads)."""
        if list(self.raw.get(key, ())) != list(expected):
            raise AttuneError(f"{path}: {key} {self.raw.get(key)}, expected {tuple(expected)}")

    def threshold(self, path: Path, what: str) -> float:
        """The file's probability ``threshold``, strictly between 0 and 1."""
        threshold = self.raw.get("threshold")
        if not isinstance(threshold, int | float) or not 0.0 < threshold < 1.0:
            raise AttuneError(f"{path}: cannot read the {what} (threshold {threshold!r})")
        return float(threshold)

    def logits(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> F64:
        """The words' and the embedding's logits summed, intercepts included: one row per text,
        one column per output."""
        result: F64 = self.word_logits(texts, grams) + self.embedding_logits(embeddings)
        return result

    def fits(self, encode: Callable[[list[str]], npt.NDArray[np.float32]]) -> bool:
        """Whether ``encode`` is the encoder the embedding weights were fitted with."""
        probe = np.asarray(encode([PROBE])[0], dtype=np.float64)
        norms = float(np.linalg.norm(probe) * np.linalg.norm(self.probe_embedding))
        return norms > 0 and float(probe @ self.probe_embedding) / norms >= SAME_ENCODER

    def features(
        self, text: str, grams: Sequence[str] | None = None
    ) -> tuple[npt.NDArray[np.intp], F64]:
        """The text's known n-grams (vocabulary indices) and their tf-idf values, L2-normalised:
        ``(1 + log tf) * idf``; ``grams``: the text's n-grams when already made (longer ones than
        the vocabulary holds are simply not found)."""
        made = ngrams(text, self.longest) if grams is None else grams
        counts = Counter([i for i in map(self.vocabulary.get, made) if i is not None])
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[index]
        return index, values / math.sqrt(float(values @ values))

    def word_logits(
        self, texts: Sequence[str], grams: Sequence[Sequence[str]] | None = None
    ) -> F64:
        """One row per text, one logit per output, from the words (intercept included);
        ``grams`` as for :meth:`features`, one list per text."""
        rows: list[int] = []
        found: list[int] = []
        for row, text in enumerate(texts):
            made = ngrams(text, self.longest) if grams is None else grams[row]
            known = [i for i in map(self.vocabulary.get, made) if i is not None]
            found += known
            rows += [row] * len(known)
        # the chunk's (text, n-gram) counts at once: the same sums as features(), per text
        n, size = len(texts), len(self.grams)
        pairs, tf = np.unique(
            np.asarray(rows, dtype=np.int64) * size + np.asarray(found, dtype=np.int64),
            return_counts=True,
        )
        row_of, index = pairs // size, pairs % size
        values = (1.0 + np.log(tf)) * self.idf[index]
        norms = np.sqrt(np.bincount(row_of, values * values, minlength=n))
        values = values / norms[row_of]  # a text with no known n-gram has no entry to divide
        out = np.column_stack(
            [
                np.bincount(row_of, weights[index] * values, minlength=n)
                for weights in self.word_weights
            ]
        )
        result: F64 = out.reshape(n, len(self.word_intercept)) + self.word_intercept
        return result

    def embedding_logits(self, embeddings: npt.NDArray[np.float32]) -> F64:
        """One row per embedding, one logit per output (intercept included); the product in
        float32, as a float64 copy of many embeddings would cost more memory than the rest of a
        run."""
        weights = self.embedding_weights.T.astype(np.float32)
        logits = np.asarray(embeddings, dtype=np.float32) @ weights
        result: F64 = logits.astype(np.float64) + self.embedding_intercept
        return result

    def evidence(self, text: str, output: int = 0, most: int = 3) -> list[str]:
        """The n-grams of ``text`` that raise output ``output``'s word logit most, strongest
        first."""
        index, values = self.features(text)
        if not len(index):
            return []
        share = self.word_weights[output, index] * values
        order = np.argsort(-share, kind="stable")[:most]
        return [self.grams[int(index[j])] for j in order.tolist() if share[j] > 0]


def product_logits(
    weights: F64, replies: npt.NDArray[np.float32], answered: npt.NDArray[np.float32]
) -> F64:
    """A read of each reply's embedding times the answered message's (``weights``: one row per
    output; a zero ``answered`` row where a message answers none), one row per pair: how a reply
    relates to what it answers, at the cost of a product, not a second encoder pass."""
    product = np.asarray(replies, dtype=np.float32) * np.asarray(answered, dtype=np.float32)
    logits: F64 = (product @ weights.T.astype(np.float32)).astype(np.float64)
    return logits


def _shape(size: int | tuple[int, ...] | None, outputs: int) -> tuple[int, ...]:
    if isinstance(size, tuple):
        return size
    return (outputs if size is None else size,)


def exported(
    vectoriser: Any,
    word_weights: Sequence[Sequence[float]],
    word_intercept: Sequence[float],
    embedding_weights: Sequence[Sequence[float]],
    embedding_intercept: Sequence[float],
    probe_embedding: Sequence[float],
) -> dict[str, Any]:
    """The file fields of :class:`LinearReads` from a fitted ``TfidfVectorizer`` and weights
    (what ``training/`` writes)."""

    def rounded(values: Any) -> list[float]:
        return [round(float(v), 6) for v in values]

    return {
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": list(vectoriser.ngram_range),
        "word_intercept": rounded(word_intercept),
        "embedding_intercept": rounded(embedding_intercept),
        "embedding_weights": [rounded(w) for w in embedding_weights],
        "probe_embedding": rounded(probe_embedding),
        "vocabulary": sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.get),
        "idf": rounded(vectoriser.idf_),
        "word_weights": [rounded(w) for w in word_weights],
    }
