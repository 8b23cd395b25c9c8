"""Emotional synchrony: whether two partners' moods rise and fall together over time.

Each partner's messages give a valence series (-1..1, see the codebook). The series are binned
on a shared clock (:func:`binned_series`) and correlated bin by bin, at lag 0 and at small lags
either way (:func:`lagged_correlation`), because a reply lands a little after what it answers.
:func:`synchrony` summarises the lags, says who tends to lead, and gives a confidence interval, so
that a short conversation is not read as more certain than it is.

Plain Python and :mod:`math`: a conversation has hundreds of bins at most.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
"""(time in seconds, valence in -1..1) of one message."""

Series = Sequence[float | None]
"""Mean valence per bin, None where the partner wrote nothing in that bin."""

LEAD_MARGIN = 0.1
"""How much larger r at lag +1 than at lag -1 (or the reverse) must be to name a leader."""

_Z_95 = 1.96


@dataclass(frozen=True, slots=True)
class Synchrony:
    """How closely two valence series move together.

    ``r``: the mean of the correlations at lags -max_lag..max_lag, each weighted by its number
    of pairs (None when no lag has one); ``n``: pairs at lag 0; ``by_lag``: r at each lag, where
    lag k pairs a's bin t with b's bin t + k; ``leader``: "a" when b follows a (r at lag +1
    exceeds r at lag -1 by at least :data:`LEAD_MARGIN`), "b" for the reverse, else None;
    ``interval``: 95 % confidence interval of r at lag 0 (:func:`fisher_interval`)."""

    r: float | None
    n: int
    by_lag: dict[int, float | None]
    leader: str | None
    interval: tuple[float, float] | None


def binned_series(
    points: Sequence[Point], start: float, bin_s: float, n_bins: int
) -> list[float | None]:
    """Mean valence in each of ``n_bins`` bins of ``bin_s`` seconds from ``start``.

    Bin i covers [start + i·bin_s, start + (i + 1)·bin_s); points outside all bins are ignored,
    and a bin with no point is None (no message is not the same as a neutral one)."""
    if bin_s <= 0 or n_bins < 0:
        raise ValueError(f"need bin_s > 0 and n_bins >= 0, got bin_s={bin_s}, n_bins={n_bins}")
    sums = [0.0] * n_bins
    counts = [0] * n_bins
    for time, valence in points:
        index = math.floor((time - start) / bin_s)
        if 0 <= index < n_bins:
            sums[index] += valence
            counts[index] += 1
    return [s / c if c else None for s, c in zip(sums, counts, strict=True)]


def lagged_correlation(a: Series, b: Series, lag: int) -> tuple[float | None, int]:
    """Pearson r between a[t] and b[t + lag] over the bins where both are present, and the pairs.

    A positive ``lag`` asks whether b follows a. r is None with fewer than 3 pairs or when either
    side is constant (no variance, no correlation)."""
    xs: list[float] = []
    ys: list[float] = []
    for t, x in enumerate(a):
        if 0 <= t + lag < len(b):
            y = b[t + lag]
            if x is not None and y is not None:
                xs.append(x)
                ys.append(y)
    n = len(xs)
    if n < 3 or min(xs) == max(xs) or min(ys) == max(ys):
        return None, n
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    denominator = math.sqrt(sxx) * math.sqrt(syy)
    if denominator == 0.0:  # differences so small that their squares underflow
        return None, n
    return max(-1.0, min(1.0, sxy / denominator)), n


def fisher_interval(r: float, n: int) -> tuple[float, float] | None:
    """95 % confidence interval of a correlation r from n pairs, by Fisher's z; None when n < 4.

    tanh(atanh(r) ± 1.96 / sqrt(n - 3)). A perfect correlation (|r| = 1) gives (r, r)."""
    if n < 4:
        return None
    if abs(r) >= 1.0:
        return r, r
    z = math.atanh(r)
    half = _Z_95 / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def synchrony(a: Series, b: Series, max_lag: int = 1) -> Synchrony:
    """Emotional synchrony of two binned valence series (see :class:`Synchrony`).

    ``r`` averages both directions, lags -max_lag..max_lag, rather than taking the best lag: a
    couple in sync tracks each other's mood within a bin or the next, whoever moves first, and
    picking the largest of several noisy correlations would overstate it. Each lag is weighted
    by its number of pairs."""
    if max_lag < 0:
        raise ValueError(f"max_lag must be >= 0, got {max_lag}")
    by_lag: dict[int, float | None] = {}
    pairs: dict[int, int] = {}
    for lag in range(-max_lag, max_lag + 1):
        by_lag[lag], pairs[lag] = lagged_correlation(a, b, lag)
    defined = [(r, pairs[lag]) for lag, r in by_lag.items() if r is not None]
    weight = sum(n for _, n in defined)
    mean_r = sum(r * n for r, n in defined) / weight if weight else None
    return Synchrony(
        r=mean_r,
        n=pairs[0],
        by_lag=by_lag,
        leader=_leader(by_lag.get(1), by_lag.get(-1)),
        interval=None if by_lag[0] is None else fisher_interval(by_lag[0], pairs[0]),
    )


def _leader(forward: float | None, backward: float | None) -> str | None:
    """ "a" when b follows a (r at lag +1) more than a follows b (r at lag -1) by the margin.

    Signed r, not |r|: b moving against a's earlier mood is not b following a."""
    if forward is None or backward is None:
        return None
    tolerance = 1e-9  # so that a difference of exactly the margin counts despite rounding
    if forward - backward >= LEAD_MARGIN - tolerance:
        return "a"
    if backward - forward >= LEAD_MARGIN - tolerance:
        return "b"
    return None
