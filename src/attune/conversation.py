"""The domain model every later stage reads: a Conversation of Messages between Participants.

Importers build these; nothing downstream ever sees an export's own shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

MessageKind = Literal["message", "system"]


@dataclass(frozen=True, slots=True)
class Reaction:
    """An emoji one participant put on a message: a small, non-verbal cue of attention."""

    sender: str | None
    emoji: str


@dataclass(frozen=True, slots=True)
class Participant:
    """A person in the conversation, as the export names them."""

    name: str
    message_count: int = 0


@dataclass(slots=True)
class Message:
    """One authored post (or one system notice) in chronological order."""

    id: str
    timestamp: datetime | None
    sender: str | None
    text: str
    kind: MessageKind = "message"
    attachments: tuple[str, ...] = ()
    reply_to: str | None = None
    edited: bool = False
    deleted: bool = False
    reactions: tuple[Reaction, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines record of the import contract (interfaces.md §1)."""
        return {
            "id": self.id,
            "timestamp": self.timestamp.isoformat() if self.timestamp is not None else None,
            "sender": self.sender,
            "text": self.text,
            "kind": self.kind,
            "attachments": list(self.attachments),
            "reply_to": self.reply_to,
            "edited": self.edited,
            "deleted": self.deleted,
            "reactions": [{"sender": r.sender, "emoji": r.emoji} for r in self.reactions],
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Message:
        """Inverse of :meth:`to_dict`; malformed records raise KeyError, TypeError or ValueError."""
        raw_ts = record.get("timestamp")
        return cls(
            id=str(record["id"]),
            timestamp=datetime.fromisoformat(raw_ts) if raw_ts else None,
            sender=record.get("sender"),
            text=str(record.get("text") or ""),
            kind="system" if record.get("kind") == "system" else "message",
            attachments=tuple(str(a) for a in record.get("attachments") or ()),
            reply_to=record.get("reply_to"),
            edited=bool(record.get("edited", False)),
            deleted=bool(record.get("deleted", False)),
            reactions=tuple(
                Reaction(sender=r.get("sender"), emoji=str(r["emoji"]))
                for r in record.get("reactions") or ()
            ),
        )


@dataclass(frozen=True, slots=True)
class Skipped:
    """A piece of the export that did not become a message, and why: nothing is dropped silently."""

    line: int | None
    reason: str
    excerpt: str = ""


@dataclass(slots=True)
class Conversation:
    """A whole chat: messages in chronological order, who took part, and what was left out."""

    messages: list[Message]
    source: str = ""
    format: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    title: str | None = None

    @property
    def participants(self) -> list[Participant]:
        """Authors of non-system messages, most active first (ties by first appearance)."""
        counts = Counter(m.sender for m in self.messages if m.kind == "message" and m.sender)
        return [Participant(name, n) for name, n in counts.most_common()]

    @property
    def authored(self) -> list[Message]:
        return [m for m in self.messages if m.kind == "message"]

    @property
    def system_count(self) -> int:
        return sum(1 for m in self.messages if m.kind == "system")

    @property
    def first_timestamp(self) -> datetime | None:
        return next((m.timestamp for m in self.messages if m.timestamp is not None), None)

    @property
    def last_timestamp(self) -> datetime | None:
        return next((m.timestamp for m in reversed(self.messages) if m.timestamp is not None), None)
