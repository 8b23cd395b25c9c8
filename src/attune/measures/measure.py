"""How counted events become a measure: overall, per partner, per week, with the messages behind it.

Every measure is counted the same way. A measure module emits :class:`Event` s — one chance to
turn toward, one repair attempt, one question asked — each crediting one partner, anchored on a
message (which places it in a week) and carrying the messages that decided it. :func:`rate` and
:func:`mean` turn them into a :class:`Measure`, so intervals, weekly series, change points and
evidence are computed once, identically, for all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from attune.measures.evidence import Evidence, Score, mean_score
from attune.measures.evidence import rate as rate_score
from attune.measures.trends import (
    ChangePoint,
    WeekValue,
    change_points,
    direction,
    weekly_mean,
    weekly_rate,
)
from attune.measures.view import View

EXAMPLES = 5  # quoted moments per side of a measure; every id is still listed


@dataclass(slots=True)  # not frozen: long chats make hundreds of thousands; frozen init is slow
class Event:
    """One observation of a measure: who it credits, its value (1/0 for a rate), and why."""

    anchor: int
    partner: str
    value: float
    messages: tuple[int, ...]
    why: str
    weight: float = 0.0  # salience: the most salient events are quoted first


@dataclass(slots=True)
class Measure:
    """A measure's definition, value overall and per partner, weekly series, and evidence."""

    definition: str
    overall: Score
    by_partner: dict[str, Score]
    weekly: list[WeekValue] = field(default_factory=list)
    direction: str = "unclear"
    change_points: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    message_ids: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            **self.overall.to_dict(),
            "by_partner": {p: s.to_dict() for p, s in self.by_partner.items()},
            "weekly": [w.to_dict() for w in self.weekly],
            "direction": self.direction,
            "change_points": self.change_points,
            **({"details": self.details} if self.details else {}),
            "message_ids": self.message_ids,
        }


def _examples(view: View, events: Sequence[Event], hit: bool) -> list[Evidence]:
    chosen = [e for e in events if (e.value > 0) == hit]
    chosen.sort(key=lambda e: -e.weight)
    return [view.evidence(e.messages or (e.anchor,), e.why) for e in chosen[:EXAMPLES]]


def _moments(view: View, events: Sequence[Event], point: ChangePoint) -> list[dict[str, Any]]:
    """The events of the week a level changed in, most salient first: what explains the change."""
    rising = point.after > point.before
    of_week = [e for e in events if view.week(e.anchor) == point.week and (e.value > 0) == rising]
    of_week.sort(key=lambda e: -e.weight)
    return [view.evidence(e.messages or (e.anchor,), e.why).to_dict() for e in of_week[:3]]


def with_trend(
    view: View,
    measure: Measure,
    weekly: list[WeekValue],
    scale: float,
    events: Sequence[Event] = (),
) -> Measure:
    """Attach the weekly series, its direction and change points (with the moments of the
    change's week, where the measure is made of events) to ``measure``."""
    measure.weekly = weekly
    measure.direction = direction(weekly, scale=scale)
    measure.change_points = [
        {**p.to_dict(), "moments": _moments(view, events, p)} for p in change_points(weekly)
    ]
    return measure


def rate(
    view: View,
    definition: str,
    events: Iterable[Event],
    *,
    details: dict[str, Any] | None = None,
) -> Measure:
    """A proportion (events with value > 0 over all events), with hits and misses as evidence."""
    evs = list(events)
    hits = [e for e in evs if e.value > 0]
    overall = rate_score(
        len(hits), len(evs), _examples(view, evs, True) + _examples(view, evs, False)
    )
    chances = Counter(e.partner for e in evs)
    successes = Counter(e.partner for e in hits)
    by_partner = {p: rate_score(successes[p], chances[p]) for p in view.structure.partners}
    measure = Measure(
        definition,
        overall,
        by_partner,
        details=details or {},
        message_ids={
            "counted": list(view.ids([e.anchor for e in hits])),
            "not_counted": list(view.ids([e.anchor for e in evs if e.value <= 0])),
        },
    )
    weekly = weekly_rate(((view.week(e.anchor), e.value > 0) for e in evs), view.weeks)
    return with_trend(view, measure, weekly, 1.0, evs)


def mean(
    view: View,
    definition: str,
    events: Iterable[Event],
    *,
    scale: float = 1.0,
    details: dict[str, Any] | None = None,
) -> Measure:
    """A mean of event values, with the highest- and lowest-valued events as evidence."""
    evs = sorted(events, key=lambda e: -e.value)
    top = [view.evidence(e.messages or (e.anchor,), e.why) for e in evs[:EXAMPLES]]
    bottom = [view.evidence(e.messages or (e.anchor,), e.why) for e in evs[-EXAMPLES:][::-1]]
    overall = mean_score([e.value for e in evs], top + [b for b in bottom if b not in top])
    by_partner = {
        p: mean_score([e.value for e in evs if e.partner == p]) for p in view.structure.partners
    }
    measure = Measure(
        definition,
        overall,
        by_partner,
        details=details or {},
        message_ids={"counted": list(view.ids([e.anchor for e in evs]))},
    )
    weekly = weekly_mean(((view.week(e.anchor), e.value) for e in evs), view.weeks)
    return with_trend(view, measure, weekly, scale, evs)
