"""The terminal summary of ``attune analyze``: key measures per partner, their direction, moments.

It reads the same dictionary ``--json`` writes, so what the terminal says and what the file holds
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

# (group, measure, label, kind): kind "rate" prints %, "mean" a number, "ratio" n:1
KEY_MEASURES = (
    ("engagement", "turning_toward_rate", "Bids turned toward", "rate"),
    ("attunement", "distress_met_with_care", "Distress met with care", "rate"),
    ("engagement", "emotional_responsiveness", "Emotional messages answered", "rate"),
    ("engagement", "partner_questions", "Messages asking about the other", "rate"),
    ("engagement", "active_listening", "Replies that reflect / ask open", "rate"),
    ("engagement", "empathy", "Empathy in replies to distress (0–6)", "mean"),
    ("attunement", "validation", "Validating (vs invalidating)", "rate"),
    ("vulnerability", "self_disclosure", "Vulnerable disclosure", "rate"),
    ("vulnerability", "disclosure_reciprocity", "Disclosure met", "rate"),
    ("obstacles", "horsemen", "Messages with a horseman", "rate"),
    ("obstacles", "repair_attempts", "Repairs that landed", "rate"),
    ("obstacles", "withdrawal", "Emotional bids met with silence", "rate"),
    ("obstacles", "positive_to_negative_ratio", "Positive : negative in conflict", "ratio"),
    ("attunement", "language_style_matching", "Language style matching (0–1)", "mean"),
    ("attunement", "emotional_synchrony", "Emotional synchrony (r)", "mean"),
    ("quality_time", "deep_conversations", "Exchanges that go deep", "rate"),
    ("quality_time", "shared_plans", "Invitations taken up", "rate"),
)
ARROWS = {"rising": "↑ rising", "falling": "↓ falling", "steady": "→ steady", "unclear": "·"}


def format_score(score: Mapping[str, Any] | None, kind: str) -> str:
    """A score as the summary shows it: a percentage with n, a ratio, or a number."""
    if not score or score.get("value") is None:
        return "–"
    value = float(score["value"])
    n = score.get("n", 0)
    if kind == "rate":
        return f"{value:.0%} (n={n})"
    if kind == "ratio":
        return f"{value:.1f}:1"
    return f"{value:.2f}"


STRONG = ("explicit", "likely")
"""Evidence that switches the coaching to safety resources (:mod:`attune.measures.safety`)."""


def strong_signs(safety: Mapping[str, Any]) -> str:
    """What set ``flagged``: "2 messages with explicit signs and 1 message with likely signs"."""
    counts = [(int(safety.get(e) or 0), e) for e in STRONG]
    return " and ".join(
        f"{n} message{'' if n == 1 else 's'} with {e} signs" for n, e in counts if n
    )


def print_analysis(doc: Mapping[str, Any], console: Console) -> None:
    metrics = doc["metrics"]
    a, b = doc["participants"]
    s = metrics["structure"]
    console.print(
        f"[bold]{a} & {b}[/]: {s['messages'][a] + s['messages'][b]} messages in "
        f"{s['exchanges']} exchanges over {s['weeks']} weeks "
        f"({(s['first'] or '?')[:10]} → {(s['last'] or '?')[:10]})"
    )
    safety = metrics["safety"]
    if safety["flagged"]:
        console.print(
            f"[bold red]Safety:[/] {strong_signs(safety)} of threats, coercive control or "
            "self-harm. Please read them first; if anyone may be unsafe, contact local support "
            "services. Coaching switches to safety resources."
        )
        strong = [m for m in safety["messages"] if m["evidence"] in STRONG]
        for m in strong[:5]:
            kinds = ", ".join(k.replace("_", " ") for k in m["kinds"])
            text = _short(str(m.get("text", "")))
            console.print(
                f"  {m['sender']} ({kinds}, {m['evidence']}): {text}", markup=False, highlight=False
            )
        if len(strong) > 5:
            console.print(f"  [dim]and {len(strong) - 5} more (metrics.safety in --json)[/]")
    if safety["possible"]:
        console.print(
            f"[yellow]Possible safety signs:[/] {safety['possible']} message(s) the model "
            "raised (it favours recall, so many are false alarms) — worth a person's reading "
            "(ids under metrics.safety in --json)."
        )
    table = Table(title="Key measures (per partner: as the one acting or responding)")
    table.add_column("Measure")
    table.add_column("Overall", justify="right")
    table.add_column(a, justify="right")
    table.add_column(b, justify="right")
    table.add_column("Weekly")
    for group, name, label, kind in KEY_MEASURES:
        m = metrics[group][name]
        by = m.get("by_partner", {})
        table.add_row(
            label,
            format_score(m, kind),
            format_score(by.get(a), kind),
            format_score(by.get(b), kind),
            ARROWS.get(m.get("direction", "unclear"), "·"),
        )
    console.print(table)
    _moments(metrics["moments"], console)
    topics = metrics["obstacles"]["recurring_conflict_topics"]
    if topics:
        console.print(
            "[bold]Recurring in conflicts:[/] "
            + ", ".join(f"{t['topic']} ({t['exchanges']}×)" for t in topics[:5])
        )
    shared = metrics["quality_time"]["shared_interests"]
    if shared:
        console.print("[bold]Shared interests:[/] " + ", ".join(t["topic"] for t in shared[:5]))
    console.print(f"[dim]{metrics['about']}[/]")


def _moments(moments: Mapping[str, Any], console: Console) -> None:
    for title, key in (("Best-attuned moments", "best_attuned"), ("Missed bids", "missed_bids")):
        items = moments.get(key) or []
        if not items:
            continue
        console.print(f"[bold]{title}[/]")
        for item in items[:3]:
            why = item.get("why")
            reason = ", ".join(why) if isinstance(why, list) else f"{item['kind']} bid, {why}"
            console.print(f"  [dim]exchange {item['exchange']}: {reason}[/]")
            for msg in item["messages"][:4]:
                text = _short(msg["text"])
                console.print(f"    {msg['sender']}: {text}", markup=False, highlight=False)


def _short(text: str, most: int = 90) -> str:
    """A quoted message on one terminal line: cut with an ellipsis past ``most`` characters."""
    return text if len(text) <= most else text[: most - 3] + "…"
