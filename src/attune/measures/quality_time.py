"""Quality time, as far as text shows it: shared plans, deep conversations, shared interests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attune.measures.bids import content_words
from attune.measures.measure import Event, Measure, rate
from attune.measures.obstacles import TOPIC_NOISE
from attune.measures.view import POSITIVE_VALENCE, View

DEEP_INTIMACY = 0.4  # question intimacy (−1..1) from which a question reaches deep


def shared_plans(view: View) -> Measure:
    """Share of invitations (to do something together) the partner took up."""
    events = [
        Event(
            b.message,
            view.sender(b.message),
            1.0 if b.outcome == "toward" else 0.0,
            (b.message, *b.response[:2]),
            f"invitation turned {b.outcome}",
            weight=1.0,
        )
        for b in view.bids
        if b.kind == "invitation"
    ]
    return rate(
        view,
        "Share of invitations to do something together that the partner took up; by partner: the "
        "one inviting.",
        events,
    )


def _is_deep(view: View, messages: list[int]) -> bool:
    senders = {view.sender(i) for i in messages}
    if len(senders) < 2:
        return False
    deep_question = any(
        view.signals[i].get("question_type") is not None
        and float(view.signals[i].get("intimacy", 0.0)) >= DEEP_INTIMACY
        for i in messages
    )
    disclosers = {
        view.sender(i) for i in messages if int(view.signals[i].get("disclosure", 0)) >= 2
    }
    return deep_question or len(disclosers) == 2


def deep_conversations(view: View) -> Measure:
    """Share of two-sided exchanges that go deep: an intimate question, or both disclose."""
    events = []
    for ex in view.structure.exchanges:
        if len({view.sender(i) for i in ex.messages}) < 2:
            continue
        deep = _is_deep(view, ex.messages)
        events.append(
            Event(
                ex.opener,
                view.sender(ex.opener),
                1.0 if deep else 0.0,
                tuple(ex.messages[:8]),
                "deep conversation" if deep else "everyday exchange",
                weight=float(len(ex.messages)),
            )
        )
    return rate(
        view,
        "Share of two-sided exchanges that go deep: an intimate question (question intimacy ≥ "
        f"{DEEP_INTIMACY}) or vulnerable disclosure from both partners; by partner: who opened it.",
        events,
    )


def shared_interests(view: View) -> list[dict[str, Any]]:
    """Topics both partners raise with positive feeling, in at least two exchanges each."""
    raised: dict[str, dict[str, list[int]]] = {p: {} for p in view.structure.partners}
    for i in range(len(view.signals)):
        if view.valence(i) < POSITIVE_VALENCE:
            continue
        for w in content_words(view.text(i)):
            if len(w) > 3 and w not in TOPIC_NOISE:
                raised[view.sender(i)].setdefault(w, []).append(i)
    a, b = view.structure.partners
    out: list[dict[str, Any]] = []
    for w in set(raised[a]) & set(raised[b]):
        exchanges = {view.structure.exchange_of[i] for i in raised[a][w] + raised[b][w]}
        if len(exchanges) < 2:
            continue
        out.append(
            {
                "topic": w,
                "exchanges": len(exchanges),
                "by_partner": {a: len(raised[a][w]), b: len(raised[b][w])},
                "evidence": [
                    view.evidence([raised[a][w][0]], f"{a} on '{w}'").to_dict(),
                    view.evidence([raised[b][w][0]], f"{b} on '{w}'").to_dict(),
                ],
            }
        )
    out.sort(key=lambda t: (-int(t["exchanges"]), str(t["topic"])))
    return out[:8]


MEASURES: dict[str, Callable[[View], object]] = {
    "shared_plans": shared_plans,
    "deep_conversations": deep_conversations,
    "shared_interests": shared_interests,
}
"""This group's measures by name, in the order the analysis lists them."""


def quality_time(view: View) -> dict[str, object]:
    return {name: measure(view) for name, measure in MEASURES.items()}
