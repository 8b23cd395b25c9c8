"""Valence and arousal of a message, from its 28 emotion probabilities (codebook "Emotions").

Time-series measures (emotional synchrony, weekly mood) need one number per message, not 28. Each
GoEmotions label gets a valence (−1..1) and an arousal (0..1) — our own coarse values, placing the
labels as the circumplex model of affect does (joy pleasant and lively, grief unpleasant and
subdued, neutral at rest) and following GoEmotions' own positive/negative/ambiguous grouping for
the sign — and a message's affect is the probability-weighted mean, so a mostly neutral message
stays near 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

# label: (valence, arousal)
AFFECT: dict[str, tuple[float, float]] = {
    "admiration": (0.7, 0.5),
    "amusement": (0.7, 0.6),
    "anger": (-0.8, 0.9),
    "annoyance": (-0.5, 0.6),
    "approval": (0.5, 0.3),
    "caring": (0.6, 0.4),
    "confusion": (-0.2, 0.5),
    "curiosity": (0.2, 0.5),
    "desire": (0.5, 0.7),
    "disappointment": (-0.6, 0.3),
    "disapproval": (-0.5, 0.5),
    "disgust": (-0.7, 0.6),
    "embarrassment": (-0.5, 0.6),
    "excitement": (0.8, 0.9),
    "fear": (-0.7, 0.8),
    "gratitude": (0.8, 0.4),
    "grief": (-0.9, 0.4),
    "joy": (0.9, 0.7),
    "love": (0.9, 0.6),
    "nervousness": (-0.5, 0.7),
    "optimism": (0.6, 0.5),
    "pride": (0.7, 0.6),
    "realization": (0.0, 0.4),
    "relief": (0.5, 0.2),
    "remorse": (-0.6, 0.4),
    "sadness": (-0.8, 0.3),
    "surprise": (0.1, 0.8),
    "neutral": (0.0, 0.2),
}


def affect(probs: npt.NDArray[np.floating[Any]], labels: Sequence[str]) -> npt.NDArray[np.float64]:
    """(valence, arousal) per row of emotion probabilities whose columns are ``labels``: the
    probability-weighted mean of the labels' values (a row of zeros reads as neutral)."""
    table = np.array([AFFECT[label] for label in labels], dtype=np.float64)
    p = np.clip(np.asarray(probs, dtype=np.float64), 0.0, None)
    total = p.sum(axis=1, keepdims=True)
    out = np.where(total > 0, (p @ table) / np.where(total > 0, total, 1.0), AFFECT["neutral"])
    return np.round(out, 4).astype(np.float64)
