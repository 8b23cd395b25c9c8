"""The ``attune analyze --html`` report: one self-contained, offline HTML file.

No scripts, no fonts, no CDN: inline CSS and inline SVG sparklines only, and a Content Security
Policy that forbids loading anything, so the report can be opened anywhere without a request
leaving the machine. Every message text is escaped. It reads the same dictionary ``--json``
writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from attune.present.analysis_summary import ARROWS, KEY_MEASURES, format_score, strong_signs

CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .5rem;border-bottom:1px solid #ddd}
th{text-align:left;background:#f6f6f6}td.n{text-align:right;white-space:nowrap}
.note{color:#666;font-size:.9rem}.safety{background:#fdecea;border:1px solid #e0a19a;padding:1rem}
.moment{border-left:3px solid #9ab;padding:.2rem .8rem;margin:.8rem 0}
.moment p{margin:.15rem 0}.who{font-weight:600}svg{vertical-align:middle}
"""
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def sparkline(weekly: Sequence[Mapping[str, Any]], width: int = 120, height: int = 24) -> str:
    """The weekly values as an inline SVG polyline (gaps where a week has no value)."""
    values = [w.get("value") for w in weekly]
    known = [float(v) for v in values if v is not None]
    if len(known) < 2:
        return ""
    lo, hi = min(known), max(known)
    span = (hi - lo) or 1.0
    step = width / max(1, len(values) - 1)
    segments: list[list[str]] = [[]]
    for k, v in enumerate(values):
        if v is None:
            segments.append([])
            continue
        y = height - 2 - (float(v) - lo) / span * (height - 4)
        segments[-1].append(f"{k * step:.1f},{y:.1f}")
    lines = "".join(
        f'<polyline fill="none" stroke="#468" stroke-width="1.5" points="{" ".join(s)}"/>'
        for s in segments
        if len(s) > 1
    )
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="weekly trend">{lines}</svg>'
    )


def _quote(messages: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        f'<p><span class="who">{escape(str(m["sender"]))}:</span> '
        f"{escape(str(m['text'])) or '<i>(attachment)</i>'}</p>"
        for m in messages
    )


POSSIBLE_SHOWN = 20


def _safety_messages(safety: Mapping[str, Any]) -> list[str]:
    """The flagged messages themselves: every explicit and likely one, then the
    ``POSSIBLE_SHOWN`` possible ones the safety model is surest of, each with its kinds and what
    raised it (rules, or the safety model's words)."""
    listed = safety.get("messages") or []
    possible = [m for m in listed if m["evidence"] == "possible"]
    possible.sort(key=lambda m: -float(m.get("probability") or 0.0))  # stable: chat order else
    groups = (
        ("Explicit signs", [m for m in listed if m["evidence"] == "explicit"], len(listed)),
        (
            "Likely signs (the safety model is surer than of any everyday message it learned from)",
            [m for m in listed if m["evidence"] == "likely"],
            len(listed),
        ),
        (
            "Possible signs (raised by the models alone; many are false alarms)",
            possible,
            POSSIBLE_SHOWN,
        ),
    )
    parts: list[str] = []
    for title, items, most in groups:
        if not items:
            continue
        parts.append(f"<h2>{escape(title)}</h2>")
        for m in items[:most]:
            raised = m.get("rules") or sorted(
                {w for ws in (m.get("words") or {}).values() for w in ws}
            )
            why = ", ".join(k.replace("_", " ") for k in m["kinds"]) + (
                f" — raised by: {', '.join(raised)}" if raised else ""
            )
            message = {"sender": m["sender"], "text": m.get("text", "")}
            parts.append(
                f"<div class='moment'><p class='note'>exchange {m['exchange']}: {escape(why)}"
                f"</p>{_quote([message])}</div>"
            )
        if len(items) > most:
            parts.append(
                f"<p class='note'>and {len(items) - most} more (their ids are under "
                "metrics.safety in the JSON)</p>"
            )
    return parts


def render(doc: Mapping[str, Any]) -> str:
    """The whole report as one HTML document."""
    metrics = doc["metrics"]
    a, b = (str(p) for p in doc["participants"])
    s = metrics["structure"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{POLICY}\">",
        f"<title>Attune — {escape(a)} &amp; {escape(b)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(a)} &amp; {escape(b)}</h1>",
        f"<p class='note'>{s['messages'][a] + s['messages'][b]} messages in {s['exchanges']} "
        f"exchanges over {s['weeks']} weeks ({escape(str(s['first'] or '?'))[:10]} → "
        f"{escape(str(s['last'] or '?'))[:10]}).</p>",
        f"<p class='note'>{escape(metrics['about'])}</p>",
    ]
    safety = metrics["safety"]
    if safety["flagged"]:
        parts.append(
            "<div class='safety'><strong>Safety first.</strong> "
            f"{strong_signs(safety)} of threats, coercive control or self-harm. Please read them "
            "before anything else. If anyone may be unsafe, contact "
            "local emergency or support services; this report does not suggest opening up to "
            "someone who may hurt you.</div>"
        )
    if safety["possible"]:
        parts.append(
            f"<p class='note'>The model also raised {safety['possible']} possible safety sign(s); "
            "it favours recall, so many are false alarms, but a person should read them.</p>"
        )
    parts += _safety_messages(safety)
    parts.append(
        f"<h2>Key measures</h2><table><tr><th>Measure</th><th>Overall</th><th>{escape(a)}</th>"
        f"<th>{escape(b)}</th><th>Weekly</th></tr>"
    )
    for group, name, label, kind in KEY_MEASURES:
        m = metrics[group][name]
        by = m.get("by_partner", {})
        trend = ARROWS.get(m.get("direction", "unclear"), "·")
        parts.append(
            f"<tr><td><details><summary>{escape(label)}</summary>"
            f"<span class='note'>{escape(m['definition'])}</span></details></td>"
            f"<td class='n'>{escape(format_score(m, kind))}</td>"
            f"<td class='n'>{escape(format_score(by.get(a), kind))}</td>"
            f"<td class='n'>{escape(format_score(by.get(b), kind))}</td>"
            f"<td>{sparkline(m.get('weekly', []))} {escape(trend)}</td></tr>"
        )
    parts.append("</table>")
    moments = metrics["moments"]
    for title, key in (("Best-attuned moments", "best_attuned"), ("Missed bids", "missed_bids")):
        items = moments.get(key) or []
        if items:
            parts.append(f"<h2>{title}</h2>")
        for item in items:
            why = item.get("why")
            reason = ", ".join(why) if isinstance(why, list) else f"{item['kind']} bid, {why}"
            parts.append(
                f"<div class='moment'><p class='note'>exchange {item['exchange']}: "
                f"{escape(reason)}</p>{_quote(item['messages'])}</div>"
            )
    topics = metrics["obstacles"]["recurring_conflict_topics"]
    shared = metrics["quality_time"]["shared_interests"]
    if topics:
        parts.append(
            "<h2>Recurring in conflicts</h2><p>"
            + escape(", ".join(f"{t['topic']} ({t['exchanges']}×)" for t in topics))
            + "</p>"
        )
    if shared:
        parts.append(
            "<h2>Shared interests</h2><p>" + escape(", ".join(t["topic"] for t in shared)) + "</p>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)
