"""Engagement: being present, listening attentively and responding with empathy.

Each function returns a :class:`~attune.measures.measure.Measure` whose per-partner values credit
the partner who *responds* (turning toward is something the responder does), except
``partner_questions``, which credits the asker.
"""

from __future__ import annotations

from collections.abc import Callable

from attune.measures.evidence import median
from attune.measures.measure import Event, Measure, mean, rate
from attune.measures.view import View

LISTENING_MOVES = frozenset({"restatement", "reflection_of_feelings"})


def turning_toward_rate(view: View) -> Measure:
    """Share of the partner's bids for connection turned toward (Gottman: about 86 % in couples
    who stayed together, 33 % in those who divorced)."""
    events = [
        Event(
            b.message,
            view.structure.partner_of(view.sender(b.message)),
            1.0 if b.outcome == "toward" else 0.0,
            (b.message, *b.response),
            f"{b.kind} bid turned {b.outcome}: {b.why}",
            weight=abs(view.valence(b.message)) + (1.0 if b.kind == "feeling" else 0.0),
        )
        for b in view.bids
    ]
    outcomes = {
        o: sum(1 for b in view.bids if b.outcome == o) for o in ("toward", "away", "against")
    }
    made = {
        p: sum(1 for b in view.bids if view.sender(b.message) == p) for p in view.structure.partners
    }
    kinds: dict[str, int] = {}
    for b in view.bids:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    return rate(
        view,
        "Share of bids for connection (news, feelings, questions, invitations, affection, "
        "'look at this') the partner turned toward; by partner: as the one responding.",
        events,
        details={"outcomes": outcomes, "bids_made": made, "kinds": kinds},
    )


def emotional_responsiveness(view: View) -> Measure:
    """Share of emotional messages (distress or strong feeling) the partner answered in the
    exchange, with the reply latency."""
    events: list[Event] = []
    latency: dict[str, list[float]] = {p: [] for p in view.structure.partners}
    for i in range(len(view.signals)):
        if not (view.is_distress(i) or abs(view.valence(i)) >= 0.6):
            continue
        responder = view.structure.partner_of(view.sender(i))
        turn = view.structure.next_turn(view.structure.turn_of[i])
        reply = list(turn.messages) if turn is not None else []
        if turn is not None and turn.latency_s is not None:
            latency[responder].append(turn.latency_s / 60.0)
        events.append(
            Event(
                i,
                responder,
                1.0 if reply else 0.0,
                (i, *reply[:2]),
                "answered in the exchange" if reply else "no reply before the exchange ended",
                weight=abs(view.valence(i)),
            )
        )
    all_latency = [x for v in latency.values() for x in v]
    return rate(
        view,
        "Share of emotional messages (distress or strong feeling) the partner replied to within "
        "the exchange; details: median reply latency in minutes.",
        events,
        details={
            "median_latency_min": _rounded(median(all_latency)),
            "median_latency_min_by_partner": {p: _rounded(median(v)) for p, v in latency.items()},
        },
    )


def partner_questions(view: View) -> Measure:
    """Share of each partner's messages that ask about the other (life, feelings, views)."""
    events = [
        Event(
            i,
            view.sender(i),
            1.0 if view.is_partner_question(i) else 0.0,
            (i,),
            "asks about the partner",
            weight=float(view.signals[i].get("intimacy", 0.0))
            + (1.0 if view.signals[i].get("question_type") == "open" else 0.0),
        )
        for i in range(len(view.signals))
    ]
    return rate(
        view,
        "Share of a partner's messages that are questions about the other (not logistics).",
        events,
    )


def active_listening(view: View) -> Measure:
    """Share of replies that restate, reflect a feeling, or ask an open question."""
    events = []
    for i, s in enumerate(view.signals):
        if not view.is_reply(i):
            continue
        hit = (
            s.get("listening") in LISTENING_MOVES
            or s.get("mi_behaviour") == "reflection"
            or s.get("question_type") == "open"
        )
        events.append(
            Event(
                i,
                view.sender(i),
                1.0 if hit else 0.0,
                (*view.answered(i), i),
                f"{s.get('listening')} / {s.get('mi_behaviour')}",
                weight=1.0 if s.get("listening") == "reflection_of_feelings" else 0.5,
            )
        )
    return rate(
        view,
        "Share of replies that restate what the partner said, reflect their feeling, or ask an "
        "open question (ESConv / AnnoMI listening behaviours).",
        events,
    )


def empathy(view: View) -> Measure:
    """Mean EPITOME empathy (0–6: reactions + interpretations + explorations) of the replies to
    emotional messages."""
    events = []
    for i in range(len(view.signals)):
        if not view.is_distress(i):
            continue
        for j in view.reply_to(i):
            levels = view.signals[j].get("empathy") or {}
            total = float(sum(int(v) for v in levels.values()))
            events.append(
                Event(j, view.sender(j), total, (i, j), f"empathy {levels}", weight=total)
            )
    return mean(
        view,
        "Mean empathy (EPITOME: emotional reactions + interpretations + explorations, 0–6) of "
        "replies to the partner's distress.",
        events,
        scale=6.0,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


MEASURES: dict[str, Callable[[View], Measure]] = {
    "turning_toward_rate": turning_toward_rate,
    "emotional_responsiveness": emotional_responsiveness,
    "partner_questions": partner_questions,
    "active_listening": active_listening,
    "empathy": empathy,
}
"""This group's measures by name, in the order the analysis lists them."""


def engagement(view: View) -> dict[str, Measure]:
    return {name: measure(view) for name, measure in MEASURES.items()}
