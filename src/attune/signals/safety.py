"""The safety model: two linear reads of a message, its words and its embedding, averaged.

On safety messages written by people who never saw Attune's rules, the rules caught about a third
and the encoder's head, at thresholds that keep it quiet on everyday chat, about half. A logistic
regression over word 1–3-grams, fitted on every hand-written safety example and on thousands of
everyday couple messages, reads much more of that unseen wording; averaged with a logistic
regression on the message's embedding (the encoder pass every message has anyway), it raises
half as many false alarms on ordinary chat ("home 🙂", "ok. next time") as the words alone
(``training/train_safety.py``; figures in the model card). The words are also its evidence:
:meth:`SafetyModel.evidence` names the n-grams that pushed a message over.

The word features are scikit-learn's ``TfidfVectorizer`` with sublinear term frequency and L2
norm, recomputed here in plain Python and numpy so the run time needs neither scikit-learn nor
torch. The embedding part is only valid for the encoder it was fitted with: the file keeps a probe
text and its embedding, and :meth:`SafetyModel.fits` checks them when the model is loaded.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from attune.errors import AttuneError

SAFETY_MODEL = "safety.json"
TOKEN_PATTERN = r"[\w']+|[^\w\s]"
"""A word (letters, digits, apostrophes) or any other single non-space character (emoji, "!")."""
PROBE = "are you home yet? I'm leaving work now"
"""Encoded when the model is fitted and again when it is loaded: the same encoder, the same
embedding (cosine at least ``SAME_ENCODER``)."""
SAME_ENCODER = 0.995
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


@dataclass(frozen=True)
class SafetyModel:
    """The fitted model (``safety.json``): per label, word weights over a vocabulary of n-grams
    (with their idf), embedding weights, and the threshold of the two reads' mean probability."""

    labels: tuple[str, ...]
    longest: int
    grams: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: F64
    word_weights: F64  # [labels, vocabulary]
    word_intercept: F64
    embedding_weights: F64  # [labels, dim]
    embedding_intercept: F64
    thresholds: F64
    probe_embedding: F64
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path, dim: int) -> SafetyModel | None:
        """The model in ``path``; None when the file is not there (an older model folder)."""
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            labels = tuple(str(label) for label in raw["labels"])
            grams = tuple(str(gram) for gram in raw["vocabulary"])
            arrays = {
                key: np.asarray(raw[key], dtype=np.float64)
                for key in (
                    "idf",
                    "word_weights",
                    "word_intercept",
                    "embedding_weights",
                    "embedding_intercept",
                    "thresholds",
                    "probe_embedding",
                )
            }
            longest = int(raw["ngram_range"][1])
            pattern = raw["token_pattern"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise AttuneError(f"{path}: cannot read the safety model ({exc})") from None
        if pattern != TOKEN_PATTERN:
            raise AttuneError(
                f"{path}: token pattern {pattern!r}; this version reads words as {TOKEN_PATTERN!r}"
            )
        n, k = len(grams), len(labels)
        expected = {
            "idf": (n,),
            "word_weights": (k, n),
            "word_intercept": (k,),
            "embedding_weights": (k, dim),
            "embedding_intercept": (k,),
            "thresholds": (k,),
            "probe_embedding": (dim,),
        }
        wrong = [f"{key} {arrays[key].shape}" for key, shape in expected.items()
                 if arrays[key].shape != shape]  # fmt: skip
        if wrong or longest < 1:
            raise AttuneError(
                f"{path}: shapes do not fit {k} labels, {n} n-grams and embeddings of {dim} "
                f"({', '.join(wrong) or f'ngram_range up to {longest}'})"
            )
        return cls(
            labels,
            longest,
            grams,
            {gram: i for i, gram in enumerate(grams)},
            meta={k: v for k, v in raw.items() if k not in expected and k != "vocabulary"},
            **arrays,
        )

    def fits(self, encode: Callable[[list[str]], npt.NDArray[np.float32]]) -> bool:
        """Whether ``encode`` is the encoder the embedding part was fitted with."""
        probe = np.asarray(encode([PROBE])[0], dtype=np.float64)
        norms = float(np.linalg.norm(probe) * np.linalg.norm(self.probe_embedding))
        return norms > 0 and float(probe @ self.probe_embedding) / norms >= SAME_ENCODER

    def features(self, text: str) -> tuple[npt.NDArray[np.intp], F64]:
        """The text's known n-grams (vocabulary indices) and their tf-idf values, L2-normalised:
        ``(1 + log tf) * idf``."""
        known = (self.vocabulary.get(g) for g in ngrams(text, self.longest))
        counts = Counter(i for i in known if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[index]
        return index, values / math.sqrt(float(values @ values))

    def word_probabilities(self, texts: Sequence[str]) -> F64:
        """One row per text, one probability per label, from the words alone."""
        out = np.empty((len(texts), len(self.labels)))
        for row, text in enumerate(texts):
            index, values = self.features(text)
            out[row] = self.word_weights[:, index] @ values
        return sigmoid(out + self.word_intercept)

    def embedding_probabilities(self, embeddings: npt.NDArray[np.float32]) -> F64:
        """One row per embedding, one probability per label, from the embedding alone (the
        product in float32: a float64 copy of many embeddings would cost more memory than the
        rest of a run)."""
        weights = self.embedding_weights.T.astype(np.float32)
        logits = np.asarray(embeddings, dtype=np.float32) @ weights
        return sigmoid(logits.astype(np.float64) + self.embedding_intercept)

    def probabilities(self, texts: Sequence[str], embeddings: npt.NDArray[np.float32]) -> F64:
        """The mean of the two reads; ``embeddings`` row by row with ``texts``."""
        words = self.word_probabilities(texts)
        result: F64 = (words + self.embedding_probabilities(embeddings)) / 2.0
        return result

    def flags(
        self, texts: Sequence[str], embeddings: npt.NDArray[np.float32]
    ) -> list[tuple[str, ...]]:
        """Per text, the labels whose probability reaches their threshold."""
        hits = self.probabilities(texts, embeddings) >= self.thresholds
        return [
            tuple(label for label, hit in zip(self.labels, row, strict=True) if hit)
            for row in hits.tolist()
        ]

    def evidence(self, text: str, label: str, most: int = 3) -> list[str]:
        """The n-grams of ``text`` that raise ``label``'s score most, strongest first."""
        index, values = self.features(text)
        if not len(index):
            return []
        share = self.word_weights[self.labels.index(label), index] * values
        order = np.argsort(-share, kind="stable")[:most]
        return [self.grams[int(index[j])] for j in order.tolist() if share[j] > 0]
