"""The validation check: one linear model that reads again whether a reply validates, invalidates,
or does neither.

The rules and the validation head decide first (:mod:`attune.signals.annotate`). On dialogues by
writers the rules were not written from, that decision had a macro-F1 of about 0.67: the rules miss
validation worded otherwise ("that would wind anyone up"), and the head, which sees the reply and
the message it answers, must be sure before it speaks. This model takes that decision, the rules'
own, the head's probabilities, whether the message answers one, the reply's words, its embedding
and the product of its embedding with the answered message's, and picks one of the three
(``training/train_validation.py``, fitted on the dev dialogues and
labelled everyday messages; figures in the model card).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from attune.signals.linear import F64, LinearReads, product_logits

VALIDATION_MODEL = "validation.json"
LABELS: tuple[str | None, ...] = ("validating", "invalidating", None)
"""The model's outputs, in order: the contract's two values and none."""
FEATURES = (
    "decided_validating",
    "decided_invalidating",
    "rule_validating",
    "rule_invalidating",
    "head_validating_log",
    "head_invalidating_log",
    "head_none_log",
    "answers",
)
"""What the model reads besides words and embeddings: the value decided by the rules and head, the
rules' own, the log of the head's probability of each output, and whether the message answers one
(a message that answers nothing has no partner's feelings to validate)."""


@dataclass(frozen=True)
class ValidationModel:
    """The fitted model (``validation.json``): a word and an embedding read of the reply (one
    output per :data:`LABELS`), a read of the reply's embedding times the answered message's
    (``pair_weights``), and a weight per output and :data:`FEATURES`."""

    reads: LinearReads
    pair_weights: F64  # [outputs, dim]
    feature_weights: F64  # [outputs, features]

    @classmethod
    def load(cls, path: Path, dim: int) -> ValidationModel | None:
        """The model in ``path``; None when the file is not there (an older model folder)."""
        what = "validation model"
        k = len(LABELS)
        reads = LinearReads.load(
            path, dim, k, what, {"pair_weights": (k, dim), "feature_weights": (k, len(FEATURES))}
        )
        if reads is None:
            return None
        reads.require(path, "features", FEATURES)
        reads.require(path, "labels", ["none" if v is None else v for v in LABELS])
        return cls(reads, reads.raw["pair_weights"], reads.raw["feature_weights"])

    def text_logits(
        self,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        grams: Sequence[Sequence[str]] | None = None,
    ) -> F64:
        """The part of each reply's logits its words and embedding give (intercepts included),
        one row per text; ``grams``: each text's n-grams when already made."""
        return self.reads.logits(texts, embeddings, grams)

    def pair_logits(
        self, replies: npt.NDArray[np.float32], answered: npt.NDArray[np.float32]
    ) -> F64:
        """The part the reply's embedding times the answered message's gives, one row per pair
        (a zero row for a message that answers none)."""
        return product_logits(self.pair_weights, replies, answered)

    def value(
        self,
        logits: Sequence[float],
        decided: str | None,
        rule: str | None,
        head: Sequence[float],
        answers: bool,
    ) -> str | None:
        """The value the check picks; ``logits``: a reply's text and pair logits summed,
        ``head``: the head's probability of each of :data:`LABELS`."""
        values = (
            decided == "validating",
            decided == "invalidating",
            rule == "validating",
            rule == "invalidating",
            *(math.log(p + 1e-6) for p in head),
            answers,
        )
        total = np.asarray(logits, dtype=np.float64) + self.feature_weights @ np.asarray(
            values, dtype=np.float64
        )
        return LABELS[int(np.argmax(total))]
