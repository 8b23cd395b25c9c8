"""The import summary: who is in the chat, how much was read, and what was left out and why."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from attune.conversation import Conversation


def summary_dict(conversation: Conversation) -> dict[str, object]:
    first, last = conversation.first_timestamp, conversation.last_timestamp
    reasons = Counter(s.reason for s in conversation.skipped)
    return {
        "source": conversation.source,
        "format": conversation.format,
        "participants": {p.name: p.message_count for p in conversation.participants},
        "messages": len(conversation.authored),
        "system_messages": conversation.system_count,
        "first_timestamp": first.isoformat() if first else None,
        "last_timestamp": last.isoformat() if last else None,
        "skipped": sum(reasons.values()),
        "skipped_reasons": dict(reasons.most_common()),
    }


def print_summary(conversation: Conversation, console: Console) -> None:
    info = summary_dict(conversation)
    console.print(f"[bold]{conversation.source}[/bold] ({conversation.format})")
    people = Table("participant", "messages", box=None, pad_edge=False)
    for person in conversation.participants:
        people.add_row(person.name, f"{person.message_count:,}")
    console.print(people)
    console.print(f"messages: {info['messages']:,}")
    console.print(f"system messages: {info['system_messages']:,}")
    console.print(f"first: {info['first_timestamp'] or '—'}")
    console.print(f"last: {info['last_timestamp'] or '—'}")
    console.print(f"skipped: {info['skipped']:,}")
    for skip in conversation.skipped[:20]:
        where = f"line {skip.line}" if skip.line is not None else "—"
        excerpt = f": {skip.excerpt[:60]!r}" if skip.excerpt else ""
        console.print(f"  {where}: {skip.reason}{excerpt}", markup=False, highlight=False)
    if len(conversation.skipped) > 20:
        console.print(f"  … and {len(conversation.skipped) - 20:,} more")
