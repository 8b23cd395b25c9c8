"""Turning an importer's raw messages into a clean Conversation: chronological order, stable ids.

Importers create :class:`Message` objects whose ``id`` and ``reply_to`` hold the export's own
identifiers (or ""); :func:`finish` sorts them and renumbers them ``m1, m2, …``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attune.conversation import Conversation, Message, Skipped
from attune.errors import ExportError


def finish(
    messages: list[Message],
    *,
    source: str,
    format: str,
    skipped: list[Skipped] | None = None,
    title: str | None = None,
) -> Conversation:
    """Sort messages stably by time (undated ones keep their place) and give them contract ids."""
    if not _is_chronological(messages):
        messages = _sorted_by_time(messages)
    native: dict[str, str] = {}
    for number, message in enumerate(messages, 1):
        new_id = f"m{number}"
        if message.id:
            native.setdefault(message.id, new_id)
        message.id = new_id
    for message in messages:
        if message.reply_to is not None:
            message.reply_to = native.get(message.reply_to)
    return Conversation(
        messages=messages, source=source, format=format, skipped=skipped or [], title=title
    )


def _is_chronological(messages: list[Message]) -> bool:
    last: datetime | None = None
    for message in messages:
        ts = message.timestamp
        if ts is None:
            continue
        if last is not None and (ts.tzinfo is None) != (last.tzinfo is None):
            return False  # naive and aware times cannot be compared; _sorted_by_time copes
        if last is not None and ts < last:
            return False
        last = ts
    return True


def _sorted_by_time(messages: list[Message]) -> list[Message]:
    keys: list[datetime] = []
    last: datetime | None = None
    for message in messages:
        if message.timestamp is not None:
            last = message.timestamp
        keys.append(last if last is not None else datetime.min)
    if any(k.tzinfo is not None for k in keys) and not all(k.tzinfo is not None for k in keys):
        keys = [k if k.tzinfo is not None else k.replace(tzinfo=UTC) for k in keys]
    order = sorted(range(len(messages)), key=keys.__getitem__)
    return [messages[i] for i in order]


def zone(name: str | None, path: str) -> tzinfo | None:
    """The zone to show instants in: the named one, else the machine's local zone (None)."""
    if not name:
        return None
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExportError(path, f"unknown time zone {name!r}") from None


def from_epoch(seconds: float, tz: tzinfo | None) -> datetime:
    """An instant as local wall-clock time with its offset (the user's zone unless ``tz``)."""
    return datetime.fromtimestamp(seconds, UTC).astimezone(tz)
