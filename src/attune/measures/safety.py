"""Safety signals, surfaced on their own and never averaged away.

One message about hurting someone matters more than a hundred warm ones, so safety is not a score:
it is the list of flagged messages, per partner and kind, and a flag that switches the coaching
to safety resources (codebook "Safety signals"; the detectors favour recall, so a person reads
them before anything is concluded).
"""

from __future__ import annotations

from typing import Any

from attune.measures.view import View

KINDS = ("threat", "coercive_control", "self_harm")


def safety(view: View) -> dict[str, Any]:
    flagged = [(i, list(s.get("safety") or ())) for i, s in enumerate(view.signals)]
    flagged = [(i, kinds) for i, kinds in flagged if kinds]
    counts = {
        p: {k: sum(1 for i, ks in flagged if view.sender(i) == p and k in ks) for k in KINDS}
        for p in view.structure.partners
    }
    return {
        "definition": "Messages flagged for threats, coercive control or self-harm. Any flag "
        "switches advice to safety resources; flags favour recall and need a human reading.",
        "flagged": bool(flagged),
        "counts": counts,
        "messages": [
            {
                "id": view.structure.messages[i].id,
                "sender": view.sender(i),
                "kinds": kinds,
                "exchange": view.structure.exchange_of[i],
                "context_ids": list(view.ids(view.answered(i))),
            }
            for i, kinds in flagged
        ],
    }
