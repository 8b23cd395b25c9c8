"""Weekly series of a measure, its direction and the weeks where its level changed.

A couple reads a measure such as their turning-toward rate week by week, so each measure becomes a
series over ISO weeks with every week in the span present (a week without data shows as a gap, not
as a silent join). A couple's weekly values rest on few chances and are noisy, so the direction is
a slope weighted by each week's sample size, and a change point is a lasting shift in level —
found by binary segmentation and tested against the week-to-week noise — never one bad week. Each
change point names its week, so the caller can show the moments that explain it.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from attune.measures.evidence import mean_score, rate

MIN_SD = 0.05  # floor on the week-to-week SD: a flat series with a step still has noise to beat
STEADY_FRACTION = 0.1  # a fitted change below this fraction of the scale is steady
MIN_TREND_WEEKS = 3

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WeekValue:
    """One ISO week of a measure: its value (None without data) and how many observations."""

    week: str
    value: float | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        value = None if self.value is None else round(self.value, 4)
        return {"week": self.week, "value": value, "n": self.n}


@dataclass(frozen=True, slots=True)
class ChangePoint:
    """A shift in level: the first week of the new level and the levels either side.

    ``before`` and ``after`` are the n-weighted means of the segments between neighbouring change
    points; ``n_before`` and ``n_after`` are the observations those segments rest on.
    """

    week: str
    before: float
    after: float
    n_before: int
    n_after: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "before": round(self.before, 4),
            "after": round(self.after, 4),
            "n_before": self.n_before,
            "n_after": self.n_after,
        }


def week_of(ts: datetime) -> str:
    """The ISO week label of a moment, e.g. "2026-W03" (ISO year: 2027-01-01 is "2026-W53")."""
    return _week_of_day(ts.toordinal())


@functools.lru_cache(maxsize=8192)
def _week_of_day(ordinal: int) -> str:
    """Labels by calendar day: each measure asks for the weeks of every message (~50,000)."""
    iso = date.fromordinal(ordinal).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def weeks_between(first: datetime, last: datetime) -> list[str]:
    """Every ISO week label from ``first``'s week to ``last``'s, in order, empty weeks included."""
    monday, end = _monday(first.date()), _monday(last.date())
    weeks = []
    while monday <= end:
        weeks.append(week_of(datetime(monday.year, monday.month, monday.day)))
        monday += timedelta(days=7)
    return weeks


When = datetime | str | None
"""When an event happened: a moment, its ISO week label if already known, or None (undated)."""


def _week_labels(events: Iterable[tuple[When, T]], weeks: Sequence[str]) -> list[tuple[str, T]]:
    """(ISO week, payload) of each event in ``weeks``; undated events and other weeks dropped."""
    wanted = set(weeks)
    out = []
    for ts, payload in events:
        if ts is None:
            continue
        week = ts if isinstance(ts, str) else week_of(ts)
        if week in wanted:
            out.append((week, payload))
    return out


def _by_week(events: Iterable[tuple[When, T]], weeks: Sequence[str]) -> dict[str, list[T]]:
    """Event payloads grouped by week; undated events and weeks outside ``weeks`` are dropped."""
    grouped: dict[str, list[T]] = defaultdict(list)
    for week, payload in _week_labels(events, weeks):
        grouped[week].append(payload)
    return grouped


def weekly_rate(events: Iterable[tuple[When, bool]], weeks: Sequence[str]) -> list[WeekValue]:
    """The proportion of True events per week (None where a week had none)."""
    labelled = _week_labels(events, weeks)
    chances = Counter(week for week, _ in labelled)  # counted in C: the weekly series of every
    hits = Counter(week for week, hit in labelled if hit)  # rate over 50,000 messages
    return [WeekValue(week, rate(hits[week], chances[week]).value, chances[week]) for week in weeks]


def weekly_mean(events: Iterable[tuple[When, float]], weeks: Sequence[str]) -> list[WeekValue]:
    """The mean event value per week (None where a week had none)."""
    grouped = _by_week(events, weeks)
    out = []
    for week in weeks:
        values = grouped.get(week, [])
        out.append(WeekValue(week, mean_score(values).value, len(values)))
    return out


def weekly_count(events: Iterable[When], weeks: Sequence[str]) -> list[WeekValue]:
    """How many events fell in each week (value and n are both the count)."""
    grouped = _by_week(((ts, None) for ts in events), weeks)
    counts = [len(grouped.get(week, [])) for week in weeks]
    return [WeekValue(week, float(n), n) for week, n in zip(weeks, counts, strict=True)]


def _points(series: Sequence[WeekValue], min_n: int) -> list[tuple[int, float, int]]:
    """(position in series, value, n) of the weeks with a value resting on at least ``min_n``."""
    return [
        (i, w.value, w.n)
        for i, w in enumerate(series)
        if w.value is not None and w.n >= max(min_n, 1)
    ]


def direction(series: Sequence[WeekValue], min_n: int = 3, scale: float = 1.0) -> str:
    """The direction of a weekly series: "rising", "falling", "steady" or "unclear".

    The slope is a least-squares fit of value on week position, each week weighted by its n, over
    the weeks with n >= ``min_n`` (gap weeks keep their place, so time is not compressed). Fewer
    than three such weeks is "unclear". The fitted change from the first to the last such week
    (slope × weeks spanned) below a tenth of ``scale`` is "steady": use 1.0 for rates, a typical
    value (e.g. the mean) for counts or unbounded scores.
    """
    points = _points(series, min_n)
    if len(points) < MIN_TREND_WEEKS:
        return "unclear"
    total = sum(n for _, _, n in points)
    x_mean = sum(x * n for x, _, n in points) / total
    y_mean = sum(y * n for _, y, n in points) / total
    sxx = sum(n * (x - x_mean) ** 2 for x, _, n in points)
    sxy = sum(n * (x - x_mean) * (y - y_mean) for x, y, n in points)
    change = sxy / sxx * (points[-1][0] - points[0][0])
    if abs(change) < STEADY_FRACTION * scale:
        return "steady"
    return "rising" if change > 0 else "falling"


def _level(points: Sequence[tuple[int, float, int]]) -> tuple[float, int]:
    """The n-weighted mean of a segment and the observations it rests on."""
    total = sum(n for _, _, n in points)
    return sum(y * n for _, y, n in points) / total, total


def _effective_weeks(points: Sequence[tuple[int, float, int]]) -> float:
    """Kish's effective number of weeks: fewer than the weeks when their n are unequal."""
    return sum(n for _, _, n in points) ** 2 / sum(n * n for _, _, n in points)


def _split(
    points: Sequence[tuple[int, float, int]], min_weeks: int, threshold: float
) -> tuple[int, float] | None:
    """The best split of a segment (index, size of shift) if it beats the noise, else None."""
    best: tuple[int, float] | None = None
    best_stat = 0.0
    for k in range(max(min_weeks, 1), len(points) - max(min_weeks, 1) + 1):
        (m1, n1), (m2, n2) = _level(points[:k]), _level(points[k:])
        stat = math.sqrt(n1 * n2 / (n1 + n2)) * abs(m2 - m1)
        if stat > best_stat:
            best, best_stat = (k, m2 - m1), stat
    if best is None:
        return None
    k, shift = best
    left, right = points[:k], points[k:]
    sides = [(side, _level(side)[0]) for side in (left, right)]
    within = sum(n * (y - m) ** 2 for side, m in sides for _, y, n in side)
    # n-weighted within-segment variance, × K/(K − 2) for the two levels fitted to K weeks
    var = within / sum(n for _, _, n in points) * len(points) / max(len(points) - 2, 1)
    sd = max(math.sqrt(var), MIN_SD)
    se = sd * math.sqrt(1 / _effective_weeks(left) + 1 / _effective_weeks(right))
    return best if abs(shift) > threshold * se else None


def change_points(
    series: Sequence[WeekValue],
    *,
    min_weeks: int = 3,
    min_n: int = 3,
    threshold: float = 3.0,
    max_points: int = 3,
) -> list[ChangePoint]:
    """The weeks where the series' level shifted, in week order.

    Binary segmentation over the weeks with n >= ``min_n``: split where the n-weighted difference
    of means, √(n₁n₂/(n₁+n₂))·|m₂ − m₁|, is largest (each side at least ``min_weeks`` weeks), keep
    the split when the shift exceeds ``threshold`` pooled standard errors — the n-weighted
    within-segment SD of weekly values (floored at 0.05) over the effective number of weeks per
    side — and recurse into both sides. Weekly rates of a couple are small-n and noisy, so a change
    point must be a shift in level that outlasts the week-to-week noise, not one bad week. Past
    ``max_points`` the largest shifts are kept; levels are then re-measured between the kept points.
    """
    points = _points(series, min_n)
    found: list[tuple[int, float]] = []  # (index into points, shift)
    pending = [(0, len(points))]
    while pending:
        start, end = pending.pop()
        split = _split(points[start:end], min_weeks, threshold)
        if split is None:
            continue
        k, shift = split
        found.append((start + k, shift))
        pending += [(start, start + k), (start + k, end)]
    kept = sorted(found, key=lambda f: abs(f[1]), reverse=True)[: max(max_points, 0)]
    cuts = sorted(k for k, _ in kept)
    bounds = [0, *cuts, len(points)]
    out = []
    for i, cut in enumerate(cuts):
        before, n_before = _level(points[bounds[i] : cut])
        after, n_after = _level(points[cut : bounds[i + 2]])
        out.append(ChangePoint(series[points[cut][0]].week, before, after, n_before, n_after))
    return out


def explaining_weeks(point: ChangePoint, weeks: Sequence[str]) -> tuple[str, str]:
    """The week before a change and the week of it, whose moments explain it.

    Pass the weeks that had data to step over gaps; raises ValueError when the change's week is
    not in ``weeks`` or has no week before it.
    """
    if point.week not in weeks:
        raise ValueError(f"{point.week} is not among the weeks given")
    at = list(weeks).index(point.week)
    if at == 0:
        raise ValueError(f"{point.week} has no week before it")
    return weeks[at - 1], weeks[at]
