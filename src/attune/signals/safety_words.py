"""The safety word model: a linear model over a message's word n-grams, one score per safety kind.

On safety messages written by people who never saw Attune's rules, the rules caught about a third
and the encoder's head, at thresholds that keep it quiet on everyday chat, about half. A
logistic regression over word 1–3-grams, fitted on every hand-written safety example and on
thousands of everyday couple messages, reads much more of that unseen wording at a lower false
alarm rate (``training/train_safety.py``; figures in the model card). Its words are also its
evidence: :meth:`SafetyWords.evidence` names the n-grams that pushed a message over.

The features are scikit-learn's ``TfidfVectorizer`` with sublinear term frequency and L2 norm,
recomputed here in plain Python and numpy so the run time needs neither scikit-learn nor torch.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from attune.errors import AttuneError

SAFETY_WORDS = "safety_words.json"
TOKEN_PATTERN = r"[\w']+|[^\w\s]"
"""A word (letters, digits, apostrophes) or any other single non-space character (emoji, "!")."""
_TOKEN = re.compile(TOKEN_PATTERN)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


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


@dataclass(frozen=True)
class SafetyWords:
    """The fitted model (``safety_words.json``): vocabulary, idf, one weight row per label."""

    labels: tuple[str, ...]
    longest: int
    grams: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]  # [labels, vocabulary]
    intercept: npt.NDArray[np.float64]
    thresholds: npt.NDArray[np.float64]
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> SafetyWords | None:
        """The model in ``path``; None when the file is not there (an older model folder)."""
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            labels = tuple(str(label) for label in raw["labels"])
            vocabulary = [str(gram) for gram in raw["vocabulary"]]
            idf = np.asarray(raw["idf"], dtype=np.float64)
            weights = np.asarray(raw["weights"], dtype=np.float64)
            intercept = np.asarray(raw["intercept"], dtype=np.float64)
            thresholds = np.asarray(raw["thresholds"], dtype=np.float64)
            longest = int(raw["ngram_range"][1])
            pattern = raw.get("token_pattern", TOKEN_PATTERN)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise AttuneError(f"{path}: cannot read the safety word model ({exc})") from None
        n = len(vocabulary)
        if pattern != TOKEN_PATTERN:
            raise AttuneError(
                f"{path}: token pattern {pattern!r}; this version reads words as {TOKEN_PATTERN!r}"
            )
        if (
            idf.shape != (n,)
            or weights.shape != (len(labels), n)
            or intercept.shape != (len(labels),)
            or thresholds.shape != (len(labels),)
            or longest < 1
        ):
            raise AttuneError(
                f"{path}: shapes do not fit {len(labels)} labels and {n} n-grams "
                f"(idf {idf.shape}, weights {weights.shape}, intercept {intercept.shape}, "
                f"thresholds {thresholds.shape})"
            )
        return cls(
            labels,
            longest,
            tuple(vocabulary),
            {gram: i for i, gram in enumerate(vocabulary)},
            idf,
            weights,
            intercept,
            thresholds,
            {k: v for k, v in raw.items() if k not in ("vocabulary", "idf", "weights")},
        )

    def features(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """The text's known n-grams (vocabulary indices) and their tf-idf values, L2-normalised:
        ``(1 + log tf) * idf``."""
        counts = Counter(
            i for g in ngrams(text, self.longest) if (i := self.vocabulary.get(g)) is not None
        )
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[index]
        return index, values / math.sqrt(float(values @ values))

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """One row per text, one probability per label."""
        out = np.empty((len(texts), len(self.labels)))
        for row, text in enumerate(texts):
            index, values = self.features(text)
            out[row] = self.weights[:, index] @ values + self.intercept
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-out))
        return result

    def flags(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Per text, the labels whose probability reaches their threshold."""
        hits = self.probabilities(texts) >= self.thresholds
        return [
            tuple(label for label, hit in zip(self.labels, row, strict=True) if hit)
            for row in hits.tolist()
        ]

    def evidence(self, text: str, label: str, most: int = 3) -> list[str]:
        """The n-grams of ``text`` that raise ``label``'s score most, strongest first."""
        index, values = self.features(text)
        if not len(index):
            return []
        share = self.weights[self.labels.index(label), index] * values
        order = np.argsort(-share, kind="stable")[:most]
        return [self.grams[int(index[j])] for j in order.tolist() if share[j] > 0]
