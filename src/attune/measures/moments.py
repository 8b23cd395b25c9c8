"""Moments worth talking about: the best-attuned exchanges and the missed bids.

A counsellor works from moments, not averages. The best-attuned exchanges show a couple what
already works between them; the missed bids — a feeling or good news met with silence, a token
reply or irritation — are where the practice starts.
"""

from __future__ import annotations

from typing import Any

from attune.measures.view import View

MOMENTS = 3
MISSED = 5
QUOTED = 8  # messages quoted per moment


def _quote(view: View, indexes: list[int]) -> list[dict[str, Any]]:
    return [
        {"id": view.structure.messages[i].id, "sender": view.sender(i), "text": view.text(i)}
        for i in indexes[:QUOTED]
    ]


def attunement_score(view: View, messages: list[int]) -> tuple[float, list[str]]:
    """How attuned an exchange is: bids met, care for distress, validation, reflection — less
    hostility and missed bids. Returns the score and the reasons."""
    score, why = 0.0, []
    for i in messages:
        s = view.signals[i]
        bid = view.bid_at.get(i)
        if bid is not None:
            score += {"toward": 1.0, "away": -1.0, "against": -2.0}[bid.outcome]
            why.append(f"{bid.kind} bid turned {bid.outcome}")
        if view.is_distress(i) and any(view.is_caring(j) for j in view.reply_to(i)):
            score += 1.5
            why.append("distress met with care")
        if s.get("validation") == "validating":
            score += 1.0
            why.append("validation")
        if s.get("listening") == "reflection_of_feelings":
            score += 0.5
            why.append("reflected a feeling")
        if view.is_hostile(i):
            score -= 2.0
            why.append(str(s.get("horseman") or "invalidation"))
    return score, why


def moments(view: View) -> dict[str, Any]:
    scored = []
    for ex in view.structure.exchanges:
        if len({view.sender(i) for i in ex.messages}) < 2:
            continue
        score, why = attunement_score(view, ex.messages)
        if score > 0:
            scored.append((score, ex.index, why))
    scored.sort(key=lambda x: (-x[0], x[1]))
    best = [
        {
            "exchange": k,
            "score": round(score, 2),
            "why": sorted(set(why)),
            "messages": _quote(view, view.structure.exchanges[k].messages),
        }
        for score, k, why in scored[:MOMENTS]
    ]
    missed = [b for b in view.bids if b.outcome != "toward"]
    missed.sort(
        key=lambda b: (
            -(2.0 if b.kind == "feeling" else 1.0 if b.kind in ("news", "affection") else 0.5)
            - abs(view.valence(b.message))
            - (1.0 if b.outcome == "against" else 0.0),
            b.message,
        )
    )
    return {
        "best_attuned": best,
        "missed_bids": [
            {
                "exchange": view.structure.exchange_of[b.message],
                "kind": b.kind,
                "outcome": b.outcome,
                "why": b.why,
                "messages": _quote(view, [b.message, *b.response]),
            }
            for b in missed[:MISSED]
        ],
    }
