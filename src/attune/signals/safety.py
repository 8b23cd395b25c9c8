"""The safety model: two linear reads of a message, its words and its embedding, averaged.

On safety messages written by people who never saw Attune's rules, the rules caught about a third
and the encoder's head, at thresholds that keep it quiet on everyday chat, about half. A logistic
regression over word 1–3-grams, fitted on every hand-written safety example and on thousands of
everyday couple messages, reads much more of that unseen wording; averaged with a logistic
regression on the message's embedding (the encoder pass every message has anyway), it raises
fewer false alarms on ordinary chat ("home 🙂", "ok. next time") than the words alone
(``training/train_safety.py``; figures in the model card). The words are also its evidence:
:meth:`SafetyModel.evidence` names the n-grams that pushed a message over.

Two thresholds per kind: ``thresholds``, where a message is a *possible* sign (about 0.5 % of
everyday couple messages reach it), and ``likely_thresholds``, above every everyday message the
fit scored out of fold, where it is a *likely* one: with the rules' explicit matches, likely signs
switch the coaching to safety resources (:mod:`attune.measures.safety`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from attune.signals.linear import F64, LinearReads, sigmoid

SAFETY_MODEL = "safety.json"


@dataclass(frozen=True)
class SafetyModel:
    """The fitted model (``safety.json``): per label, a word and an embedding read, and the
    threshold of their mean probability."""

    labels: tuple[str, ...]
    reads: LinearReads
    thresholds: F64
    likely_thresholds: F64

    @classmethod
    def load(cls, path: Path, dim: int) -> SafetyModel | None:
        """The model in ``path``; None when the file is not there (an older model folder)."""
        reads = LinearReads.load(
            path, dim, None, "safety model", {"thresholds": None, "likely_thresholds": None}
        )
        if reads is None:
            return None
        labels = tuple(str(label) for label in reads.raw["labels"])
        return cls(
            labels,
            reads,
            np.asarray(reads.raw["thresholds"]),
            np.asarray(reads.raw["likely_thresholds"]),
        )

    def likely(self, raised: dict[str, float]) -> list[str]:
        """The kinds among ``raised`` (kind → probability, :meth:`raised`) that reach their
        likely threshold."""
        return [
            label
            for label, t in zip(self.labels, self.likely_thresholds.tolist(), strict=True)
            if raised.get(label, 0.0) >= t
        ]

    def word_probabilities(
        self, texts: Sequence[str], grams: Sequence[Sequence[str]] | None = None
    ) -> F64:
        """One row per text, one probability per label, from the words alone (``grams``: each
        text's n-grams when already made, :func:`attune.signals.linear.ngrams`)."""
        return sigmoid(self.reads.word_logits(texts, grams))

    def embedding_probabilities(self, embeddings: npt.NDArray[np.float32]) -> F64:
        """One row per embedding, one probability per label, from the embedding alone."""
        return sigmoid(self.reads.embedding_logits(embeddings))

    def probabilities(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> F64:
        """The mean of the two reads; ``embeddings`` row by row with ``texts``."""
        words = self.word_probabilities(texts, grams)
        result: F64 = (words + self.embedding_probabilities(embeddings)) / 2.0
        return result

    def raised(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> list[dict[str, float]]:
        """Per text, the labels whose probability reaches their threshold, with it."""
        probs = self.probabilities(texts, embeddings, grams)
        return [
            {
                label: p
                for label, p, t in zip(self.labels, row, self.thresholds, strict=True)
                if p >= t
            }
            for row in probs.tolist()
        ]

    def flags(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> list[tuple[str, ...]]:
        """Per text, the labels whose probability reaches their threshold."""
        return [tuple(found) for found in self.raised(texts, embeddings, grams)]

    def evidence(self, text: str, label: str, most: int = 3) -> list[str]:
        """The n-grams of ``text`` that raise ``label``'s score most, strongest first."""
        return self.reads.evidence(text, self.labels.index(label), most)
