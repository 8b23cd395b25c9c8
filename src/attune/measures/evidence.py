"""Scores with their uncertainty and the messages behind them.

Every number Attune shows is a :class:`Score`: a value, how many observations it rests on, a
95 % interval where data is thin, and :class:`Evidence` — the message ids that drove it, with the
exchange around them — so a couple can read what was counted and disagree with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class Evidence:
    """One moment behind a score: the messages that count, their exchange, and why."""

    message_ids: tuple[str, ...]
    exchange: int | None
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"message_ids": list(self.message_ids), "exchange": self.exchange, "why": self.why}


@dataclass(slots=True)
class Score:
    """A value (None when there is nothing to measure), its sample size and 95 % interval."""

    value: float | None
    n: int
    interval: tuple[float, float] | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": None if self.value is None else round(self.value, 4),
            "n": self.n,
            "interval": None if self.interval is None else [round(x, 4) for x in self.interval],
        }
        if self.evidence:
            out["evidence"] = [e.to_dict() for e in self.evidence]
        return out


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """Wilson score interval of a proportion: honest at small n and near 0 or 1."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: int, n: int, evidence: Sequence[Evidence] = ()) -> Score:
    """A proportion with its Wilson interval; None when there were no chances."""
    return Score(successes / n if n else None, n, wilson(successes, n), list(evidence))


def mean_score(values: Sequence[float], evidence: Sequence[Evidence] = ()) -> Score:
    """A mean with a normal-approximation 95 % interval (None below 2 values)."""
    n = len(values)
    if not n:
        return Score(None, 0, None, list(evidence))
    mean = sum(values) / n
    if n < 2:
        return Score(mean, n, None, list(evidence))
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = Z95 * math.sqrt(var / n)
    return Score(mean, n, (mean - half, mean + half), list(evidence))


def median(values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones), None when empty."""
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
