"""Safety signals, surfaced on their own and never averaged away.

One message about hurting someone matters more than a hundred warm ones, so safety is not a score:
it is the list of flagged messages, per partner and kind (codebook "Safety signals").

Three strengths of evidence are kept apart. *Explicit* signs are messages whose own words match a
safety rule ("I'll kill you", "give me your phone, now", "I want to die"). *Likely* signs are
messages the safety model scores above every everyday couple message it was fitted against, and
at 0.96 or more (``safety_likely``): on writers it never saw, rules and likely signs together
caught about twice the cases the rules alone did. Any
explicit or likely sign sets ``flagged``, which switches the coaching to safety resources.
*Possible* signs are raised by the model or the head alone; they favour recall and, on everyday
chat, raise false alarms (see the model card), so they are listed for a person to read — and
still never averaged — but do not by themselves decide the coaching.
"""

from __future__ import annotations

from typing import Any

from attune.measures.view import View

KINDS = ("threat", "coercive_control", "self_harm")
RULE_PREFIX = "safety."


def safety(view: View) -> dict[str, Any]:
    flagged = [(i, list(s.get("safety") or ())) for i, s in enumerate(view.signals)]
    flagged = [(i, kinds) for i, kinds in flagged if kinds]
    evidence = {i: _evidence(view.signals[i]) for i, _ in flagged}
    explicit = {i for i, e in evidence.items() if e == "explicit"}
    likely = {i for i, e in evidence.items() if e == "likely"}
    counts = {
        p: {k: sum(1 for i, ks in flagged if view.sender(i) == p and k in ks) for k in KINDS}
        for p in view.structure.partners
    }
    return {
        "definition": "Messages flagged for threats, coercive control or self-harm. Explicit "
        "signs (the message's own words match a safety rule) and likely signs (the safety model "
        "scores the message above any everyday couple message it was fitted against) switch "
        "advice to safety resources; possible signs (raised by the model alone, which favours "
        "recall and raises false alarms on everyday chat) need a person to read them. Never "
        "averaged; each listed with its text and what raised it (the rules that matched, the "
        "safety model's words and probability).",
        "flagged": bool(explicit or likely),
        "explicit": len(explicit),
        "likely": len(likely),
        "possible": len(flagged) - len(explicit) - len(likely),
        "counts": counts,
        "messages": [
            {
                "id": view.structure.messages[i].id,
                "sender": view.sender(i),
                "text": view.structure.messages[i].text,
                "kinds": kinds,
                "evidence": evidence[i],
                "exchange": view.structure.exchange_of[i],
                "context_ids": list(view.ids(view.answered(i))),
                **_raised_by(view.signals[i]),
            }
            for i, kinds in flagged
        ],
    }


def _evidence(signal: Any) -> str:
    """How strongly the message's own signals say it is a safety sign."""
    if any(str(c).startswith(RULE_PREFIX) for c in signal.get("cues") or ()):
        return "explicit"
    if signal.get("safety_likely"):
        return "likely"
    return "possible"


def _raised_by(signal: Any) -> dict[str, Any]:
    """The rules that matched (explicit), and the n-grams that raised the safety model with its
    highest probability (possible), where the message has them: what a person reading the flag
    can check it against, and which possible signs to read first."""
    out: dict[str, Any] = {}
    rules = [c for c in signal.get("cues") or () if str(c).startswith(RULE_PREFIX)]
    if rules:
        out["rules"] = rules
    if signal.get("safety_words"):
        out["words"] = signal["safety_words"]
    if signal.get("safety_probability"):
        out["probability"] = max(signal["safety_probability"].values())
    return out
