"""The horseman check: one linear model that reads again whether a message carries a horseman.

The rules and the horseman head decide first (:mod:`attune.signals.annotate`). On dialogues by
writers the rules were not written from, that decision found the Four Horsemen with an
any-horseman F1 of 0.52–0.58: the rules miss criticism and contempt worded otherwise, and the head
must be very sure (it overcalls on everyday chat). This model takes that decision, whether a rule
fired, whether the exchange is tense, the head's probabilities, the message's words and its
embedding, and says whether the message carries a horseman at all (``training/train_horseman.py``,
fitted on the dev dialogues and labelled everyday messages; figures in the model card). Where it
says yes and nothing was decided, the head's most probable horseman is taken; where it says no,
none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from attune.signals.linear import F64, LinearReads, logistic

HORSEMAN_MODEL = "horseman.json"
FEATURES = ("decided", "rule", "tense", "head", "head_none_log")
"""What the model reads besides words and embedding: a horseman already decided (rules or head),
a horseman rule fired, the exchange is tense (``rules.tense``), the head's probability of any
horseman, and the log of its probability of none."""


@dataclass(frozen=True)
class HorsemanModel:
    """The fitted model (``horseman.json``): a word and an embedding read (one output), a weight
    per :data:`FEATURES`, and the probability threshold."""

    reads: LinearReads
    feature_weights: F64
    threshold: float

    @classmethod
    def load(cls, path: Path, dim: int) -> HorsemanModel | None:
        """The model in ``path``; None when the file is not there (an older model folder)."""
        what = "horseman model"
        reads = LinearReads.load(path, dim, 1, what, {"feature_weights": len(FEATURES)})
        if reads is None:
            return None
        reads.require(path, "features", FEATURES)
        return cls(reads, np.asarray(reads.raw["feature_weights"]), reads.threshold(path, what))

    def text_logits(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> F64:
        """The part of each text's logit its words and embedding give (intercepts included);
        ``grams``: each text's n-grams when already made."""
        return self.reads.logits(texts, embeddings, grams)[:, 0]

    def probability(
        self, text_logit: float, decided: bool, rule: bool, tense: bool, head_none: float
    ) -> float:
        """The probability that the message carries a horseman; ``head_none``: the head's
        probability of none."""
        values = (decided, rule, tense, 1.0 - head_none, math.log(head_none + 1e-6))
        return logistic(
            text_logit + float(np.dot(self.feature_weights, np.asarray(values, dtype=float)))
        )

    def carries(
        self, text_logit: float, decided: bool, rule: bool, tense: bool, head_none: float
    ) -> bool:
        return self.probability(text_logit, decided, rule, tense, head_none) >= self.threshold
