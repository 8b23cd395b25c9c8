"""The repair check: one linear model that reads again whether a message is a repair attempt.

The rules and the repair head decide first (:mod:`attune.signals.annotate`): an explicit repair
("let's start over"), an apology or agreement while the exchange is tense, a reply that takes a
repair attempt, or the head when it is sure. On the dev dialogues' rounds, each held out in turn,
that decision had an F1 of 0.62–0.64: repairs worded in ways the rules do not name are missed, and
the head must be sure before it speaks. This model takes that
decision, the rules' own, whether the exchange is tense, whether the message answers a repair
attempt or answers at all, whether it carries a horseman, the head's probabilities, the message's
words, its embedding and its embedding times the answered message's, and says whether the message
is a repair attempt (``training/train_repair.py``, fitted on the dev dialogues and labelled
everyday messages; figures in the model card).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from attune.signals.linear import F64, LinearReads, logistic, product_logits

REPAIR_MODEL = "repair.json"
FEATURES = (
    "decided",
    "rule",
    "tense",
    "after_repair",
    "answers",
    "horseman",
    "head_none_log",
    "head_repair_log",
)
"""What the model reads besides words and embeddings: a repair decided by the rules and head, a
repair rule fired, the exchange is tense, the message answers a repair attempt, it answers a
message at all, it carries a horseman, and the log of the head's probability of each class."""


@dataclass(frozen=True)
class RepairModel:
    """The fitted model (``repair.json``): a word and an embedding read of the message (one
    output), a read of its embedding times the answered message's (``pair_weights``), a weight
    per :data:`FEATURES`, and the probability threshold."""

    reads: LinearReads
    pair_weights: F64  # [1, dim]
    feature_weights: F64  # [features]
    threshold: float

    @classmethod
    def load(cls, path: Path, dim: int) -> RepairModel | None:
        """The model in ``path``; None when the file is not there (an older model folder)."""
        what = "repair model"
        reads = LinearReads.load(
            path, dim, 1, what, {"pair_weights": (1, dim), "feature_weights": len(FEATURES)}
        )
        if reads is None:
            return None
        reads.require(path, "features", FEATURES)
        threshold = reads.threshold(path, what)
        return cls(reads, reads.raw["pair_weights"], reads.raw["feature_weights"], threshold)

    def text_logits(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> F64:
        """The part of each message's logit its words and embedding give (intercepts included);
        ``grams``: each text's n-grams when already made."""
        return self.reads.logits(texts, embeddings, grams)[:, 0]

    def pair_logits(
        self, replies: npt.NDArray[np.float32], answered: npt.NDArray[np.float32]
    ) -> F64:
        """The part the message's embedding times the answered message's gives, one per pair."""
        return product_logits(self.pair_weights, replies, answered)[:, 0]

    def probability(self, logit: float, values: Sequence[float]) -> float:
        """The probability of a repair attempt; ``logit``: the text and pair logits summed,
        ``values``: the :data:`FEATURES` (the head's probabilities, not yet logged, last)."""
        *flags, p_none, p_repair = values
        features = (*flags, math.log(p_none + 1e-6), math.log(p_repair + 1e-6))
        return logistic(
            logit + float(np.dot(self.feature_weights, np.asarray(features, dtype=float)))
        )

    def attempts(self, logit: float, values: Sequence[float]) -> bool:
        return self.probability(logit, values) >= self.threshold
