"""Telegram Desktop's JSON export (``result.json``): one chat, or a whole account of chats.

Telegram Desktop writes either a single chat (``name``, ``type``, ``id``, ``messages``) or, for a
full account export, ``chats.list`` and ``left_chats.list`` holding one such object per chat. Field
names follow Telegram Desktop's own writer (``export_output_json.cpp``): ``date`` is the exporting
machine's wall clock, ``date_unixtime`` the instant, ``text`` a string or a list of strings and
entity objects mirrored by ``text_entities``, ``type: "service"`` marks notices built from
``actor`` and ``action``, and media fields (``photo``, ``file``) hold a relative path or a
"(File not included. …)" note when the export left the file out.

Decisions (interfaces.md §1 leaves these to the importer):

- A message whose author's account was deleted (``"from": null``) is attributed to
  ``"Deleted Account"``, the name Telegram itself shows, so the person is still counted.
- Service messages become ``kind="system"`` with ``sender=None`` and an English sentence naming
  the actor, e.g. "Alex pinned a message", "Alex called (12 s)".
- A sticker's text is its emoji (``sticker_emoji``): the only "words" a sticker carries.
- Reactions: one :class:`Reaction` per ``recent`` entry (with its sender); reactions the export
  only counts are added with ``sender=None``. Custom-emoji reactions become ``"<custom_emoji>"``,
  paid (star) reactions ``"⭐"``.
- Files the export left out are ``"<omitted:KIND>"`` (``photo``, ``sticker``, ``voice_message``,
  ``video_message``, ``animation``, ``video_file``, ``audio_file``, ``file``); locations,
  contacts, polls, games and invoices are ``"<location>"``, ``"<contact>"``, ``"<poll>"``,
  ``"<game>"``, ``"<invoice>"`` (a poll keeps its question as text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any

from attune.conversation import Conversation, Message, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest import build
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FORMAT = "telegram"
DELETED_ACCOUNT = "Deleted Account"
MAX_ANONYMOUS_REACTIONS = 1000
"""Reactions the export only counts (no ``recent`` sender); capped so a hostile count cannot
exhaust memory."""

_CHAT_TYPES = (
    "personal_chat",
    "bot_chat",
    "saved_messages",
    "replies",
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
)
_SNIFF_STRONG = re.compile(
    r'"(?:date_unixtime|text_entities|from_id|actor_id)"\s*:'
    r'|"type"\s*:\s*"(?:' + "|".join(_CHAT_TYPES) + r')"'
)
_NOT_INCLUDED = re.compile(
    r"\((?:File|Photo) (?:not included|exceeds maximum size|unavailable)[^)]*\)\s*$"
)
_MESSAGE_START = re.compile(
    r'"id"\s*:\s*(-?\d+)\s*,\s*"type"\s*:\s*"(?:message|service|unsupported)"'
)


def sniff(source: Source) -> float:
    """Telegram's JSON names its chat types and writes ``date_unixtime``/``from_id`` per message."""
    try:
        if source.path.is_dir():
            return 0.0
        head = source.head_text()
    except (ExportError, OSError):
        return 0.0
    if not head.lstrip().startswith("{"):
        return 0.0
    if '"messages"' in head and _SNIFF_STRONG.search(head):
        return 0.95
    if '"personal_information"' in head and '"user_id"' in head:
        return 0.9  # full account export: its chats come after contacts and sessions
    if '"chats"' in head and '"list"' in head and '"messages"' in head:
        return 0.6
    return 0.0


@export_format(FORMAT, description="Telegram Desktop export (result.json)", sniff=sniff)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read one chat of a Telegram Desktop JSON export into a Conversation."""
    path = source.name
    data = source.json()
    if not isinstance(data, dict):
        raise ExportError(path, "not a Telegram export: expected a JSON object with messages", 1)
    skipped: list[Skipped] = []
    chats = list(_chats(data))
    if isinstance(data.get("messages"), list):
        chat: dict[str, Any] = data
        offset = 0
    elif chats:
        chat, offset = _choose_chat(chats, options, path, skipped)
    else:
        raise ExportError(path, 'not a Telegram export: no "messages" list and no "chats" list', 1)
    raw_messages: list[Any] = chat.get("messages") or []
    if not isinstance(raw_messages, list):
        raise ExportError(path, 'not a Telegram export: "messages" is not a list')
    _check_shape(raw_messages, path)
    lines = _Lines(source, raw_messages, offset)
    tz = build.zone(options.tz, path)
    messages: list[Message] = []
    for index, raw in enumerate(raw_messages):
        result = _message(raw, tz)
        if isinstance(result, Message):
            messages.append(result)
        else:
            skipped.append(Skipped(lines.line(index), result, _excerpt(raw)))
    title = chat.get("name") if isinstance(chat.get("name"), str) else None
    return build.finish(messages, source=path, format=FORMAT, skipped=skipped, title=title)


# --- choosing the chat -------------------------------------------------------------------------


def _chats(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every chat of a full export, in the order the file holds them (chats, then left chats)."""
    for key, section in data.items():
        if key not in ("chats", "left_chats") or not isinstance(section, dict):
            continue
        listed = section.get("list")
        if isinstance(listed, list):
            yield from (c for c in listed if isinstance(c, dict))


def _message_count(chat: dict[str, Any]) -> int:
    messages = chat.get("messages")
    return len(messages) if isinstance(messages, list) else 0


def _chat_label(chat: dict[str, Any]) -> str:
    name = chat.get("name")
    if isinstance(name, str) and name:
        return name
    kind = chat.get("type")
    if kind == "saved_messages":
        return "Saved Messages"
    return f"{kind or 'chat'} {chat.get('id', '?')}"


def _choose_chat(
    chats: list[dict[str, Any]], options: ImportOptions, path: str, skipped: list[Skipped]
) -> tuple[dict[str, Any], int]:
    """The chat ``--chat`` names (by name or id), else the busiest personal chat.

    Returns the chat and how many messages precede it in the file (for line numbers)."""
    if options.chat:
        wanted = options.chat.strip()
        found = [c for c in chats if _chat_label(c) == wanted or str(c.get("id")) == wanted]
        if not found:
            found = [c for c in chats if _chat_label(c).casefold() == wanted.casefold()]
        if not found:
            names = [_chat_label(c) for c in chats]
            shown = ", ".join(repr(n) for n in names[:30])
            more = f" and {len(names) - 30} more" if len(names) > 30 else ""
            raise ExportError(path, f"no chat {wanted!r} in this export; chats: {shown}{more}")
        chosen = found[0]
    else:
        personal = [c for c in chats if c.get("type") == "personal_chat"] or chats
        chosen = max(personal, key=_message_count)
        others = [c for c in chats if c is not chosen]
        if others:
            skipped.append(
                Skipped(
                    None,
                    f"other chats in this export not imported: {len(others)} (choose with --chat)",
                    ", ".join(_chat_label(c) for c in others[:20]),
                )
            )
    offset = 0
    for chat in chats:
        if chat is chosen:
            break
        offset += _message_count(chat)
    return chosen, offset


def _check_shape(raw_messages: list[Any], path: str) -> None:
    """Refuse other JSON exports given as Telegram: its messages always carry a date."""
    sample = [m for m in raw_messages[:50] if isinstance(m, dict)]
    if raw_messages and not any(("date" in m or "date_unixtime" in m) for m in sample):
        raise ExportError(path, 'not a Telegram export: its messages have no "date"')


# --- one message -------------------------------------------------------------------------------


def _message(raw: object, tz: tzinfo | None) -> Message | str:
    """The Message for one exported object, or the reason it cannot become one."""
    if not isinstance(raw, dict):
        return "not a message object"
    kind = raw.get("type", "message")
    if kind == "unsupported":
        return "message type Telegram Desktop could not export"
    if kind not in ("message", "service"):
        return f"unknown Telegram message type {str(kind)[:40]!r}"
    timestamp = _timestamp(raw, tz)
    if timestamp is None:
        return "message without a readable date"
    native_id = _native_id(raw.get("id"))
    if kind == "service":
        text = _service_text(raw)
        if not text:
            return "service message without an action"
        return Message(id=native_id, timestamp=timestamp, sender=None, text=text, kind="system")
    text = _clean_text(_text(raw))
    attachments, extra = _attachments(raw)
    if not text and extra:
        text = extra
    if not text and not attachments:
        return "message without text or media"
    reply = raw.get("reply_to_message_id")
    return Message(
        id=native_id,
        timestamp=timestamp,
        sender=_person(raw, "from"),
        text=text,
        attachments=tuple(attachments),
        reply_to=_native_id(reply) or None,
        edited="edited" in raw or "edited_unixtime" in raw,
        reactions=_reactions(raw.get("reactions")),
    )


def _native_id(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    return str(value)


def _timestamp(raw: dict[str, Any], tz: tzinfo | None) -> datetime | None:
    """``date`` is wall-clock time as written; ``date_unixtime`` alone is an instant."""
    date = raw.get("date")
    if isinstance(date, str):
        try:
            return datetime.fromisoformat(date)
        except ValueError:
            pass
    unix = raw.get("date_unixtime")
    if isinstance(unix, int | str) and not isinstance(unix, bool):
        try:
            return build.from_epoch(int(unix), tz)
        except (ValueError, OverflowError, OSError):
            return None
    return None


def _person(raw: dict[str, Any], key: str) -> str | None:
    """A sender/actor name; ``null`` is how Telegram writes a deleted account."""
    if key not in raw:
        return None
    name = raw[key]
    if name is None:
        return DELETED_ACCOUNT
    if not isinstance(name, str):
        return None
    return clean_name(name) or DELETED_ACCOUNT


def _text(raw: dict[str, Any]) -> str:
    """Plain text: ``text_entities`` when present, else ``text`` (a string or parts list)."""
    entities = raw.get("text_entities")
    if isinstance(entities, list) and entities:
        return "".join(_part_text(e) for e in entities)
    text = raw.get("text")
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(_part_text(part) for part in text)
    return ""


def _part_text(part: object) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and isinstance(part.get("text"), str):
        return str(part["text"])
    return ""


def _clean_text(text: str) -> str:
    return strip_marks(text.replace("\r\n", "\n").replace("\r", "\n"))


def _file_name(value: str, kind: str) -> str:
    """The exported file's name, or ``<omitted:KIND>`` when the export left the file out."""
    if _NOT_INCLUDED.search(value) or not value.strip():
        return f"<omitted:{kind}>"
    name = PurePosixPath(value.replace("\\", "/")).name
    return name or f"<omitted:{kind}>"


def _attachments(raw: dict[str, Any]) -> tuple[list[str], str]:
    """Attachment names, and text a media-only message carries (sticker emoji, poll question)."""
    attachments: list[str] = []
    extra = ""
    photo = raw.get("photo")
    if isinstance(photo, str):
        attachments.append(_file_name(photo, "photo"))
    media_type = raw.get("media_type")
    kind = media_type if isinstance(media_type, str) and media_type.isidentifier() else "file"
    file = raw.get("file")
    file_name = raw.get("file_name")
    if isinstance(file, str):
        attachments.append(_file_name(file, kind))
    elif isinstance(file_name, str) and file_name.strip():
        attachments.append(PurePosixPath(file_name.replace("\\", "/")).name or file_name)
    elif isinstance(media_type, str):
        attachments.append(f"<omitted:{kind}>")
    if kind == "sticker" and isinstance(raw.get("sticker_emoji"), str):
        extra = strip_marks(raw["sticker_emoji"])
    if "location_information" in raw or "place_name" in raw:
        attachments.append("<location>")
    if "contact_information" in raw:
        attachments.append("<contact>")
    poll = raw.get("poll")
    if isinstance(poll, dict):
        attachments.append("<poll>")
        if isinstance(poll.get("question"), str):
            extra = _clean_text(poll["question"])
    if "game_title" in raw:
        attachments.append("<game>")
    if "invoice_information" in raw:
        attachments.append("<invoice>")
    return attachments, extra


def _reactions(value: object) -> tuple[Reaction, ...]:
    """One Reaction per named reactor; the rest of ``count`` without a sender."""
    if not isinstance(value, list):
        return ()
    reactions: list[Reaction] = []
    for item in value:
        if not isinstance(item, dict):
            continue
        emoji = _reaction_emoji(item)
        if emoji is None:
            continue
        recent = item.get("recent")
        senders = (
            [_person(r, "from") for r in recent if isinstance(r, dict)]
            if isinstance(recent, list)
            else []
        )
        reactions.extend(Reaction(sender, emoji) for sender in senders)
        count = item.get("count")
        if isinstance(count, int) and not isinstance(count, bool):
            missing = min(count - len(senders), MAX_ANONYMOUS_REACTIONS)
            reactions.extend(Reaction(None, emoji) for _ in range(missing))
    return tuple(reactions)


def _reaction_emoji(item: dict[str, Any]) -> str | None:
    emoji = item.get("emoji")
    if isinstance(emoji, str) and emoji:
        return strip_marks(emoji)
    kind = item.get("type")
    if kind == "custom_emoji" or "document_id" in item:
        return "<custom_emoji>"
    if kind == "paid":
        return "⭐"
    return None


# --- service messages --------------------------------------------------------------------------


def _names(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, list):
        return ""
    names = [
        DELETED_ACCOUNT if n is None else clean_name(n)
        for n in value
        if n is None or isinstance(n, str)
    ]
    return ", ".join(n for n in names if n)


def _quoted(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return f' "{_clean_text(value)}"' if isinstance(value, str) and value else ""


def _number(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _call(raw: dict[str, Any], verb: str) -> str:
    seconds = _number(raw, "duration_seconds")
    if seconds is None:
        seconds = _number(raw, "duration")
    reason = raw.get("discard_reason")
    if seconds:
        return f"{verb} ({seconds} s)"
    if reason in ("missed", "busy"):
        return f"{verb} ({reason})"
    return verb


def _members_change(raw: dict[str, Any], actor: str, added: bool) -> str:
    members = _names(raw, "members")
    if members == actor:
        return "joined the group" if added else "left the group"
    if added:
        return f"added {members}" if members else "added members"
    return f"removed {members}" if members else "removed a member"


_ACTIONS: dict[str, Callable[[dict[str, Any], str], str]] = {
    "create_group": lambda r, a: "created the group" + _quoted(r, "title"),
    "edit_group_title": lambda r, a: "changed the title to" + (_quoted(r, "title") or " (none)"),
    "edit_group_photo": lambda r, a: "changed the group photo",
    "delete_group_photo": lambda r, a: "removed the group photo",
    "invite_members": lambda r, a: _members_change(r, a, added=True),
    "remove_members": lambda r, a: _members_change(r, a, added=False),
    "join_group_by_link": lambda r, a: "joined the group via invite link",
    "join_group_by_request": lambda r, a: "was accepted into the group",
    "create_channel": lambda r, a: "created the channel" + _quoted(r, "title"),
    "migrate_to_supergroup": lambda r, a: "converted the group to a supergroup",
    "migrate_from_group": lambda r, a: "converted the group" + _quoted(r, "title"),
    "pin_message": lambda r, a: "pinned a message",
    "clear_history": lambda r, a: "cleared the history",
    "score_in_game": lambda r, a: f"scored {_number(r, 'score') or 0} in a game",
    "phone_call": lambda r, a: _call(r, "called"),
    "group_call": lambda r, a: _call(r, "started a video chat"),
    "group_call_scheduled": lambda r, a: "scheduled a video chat",
    "invite_to_group_call": lambda r, a: f"invited {_names(r, 'members')} to the video chat",
    "take_screenshot": lambda r, a: "took a screenshot",
    "joined_telegram": lambda r, a: "joined Telegram",
    "set_messages_ttl": lambda r, a: (
        f"set messages to auto-delete after {_number(r, 'period')} s"
        if _number(r, "period")
        else "turned off auto-delete"
    ),
    "edit_chat_theme": lambda r, a: (
        "changed the chat theme"
        + (f" to {r['emoticon']}" if isinstance(r.get("emoticon"), str) else "")
    ),
    "set_chat_wallpaper": lambda r, a: "set a new wallpaper",
    "set_same_chat_wallpaper": lambda r, a: "set the same wallpaper",
    "suggest_profile_photo": lambda r, a: "suggested a profile photo",
    "requested_phone_number": lambda r, a: "requested a phone number",
    "send_premium_gift": lambda r, a: "sent a Telegram Premium gift",
    "send_stars_gift": lambda r, a: "sent a gift of Stars",
    "send_star_gift": lambda r, a: "sent a gift",
    "topic_created": lambda r, a: "created the topic" + _quoted(r, "title"),
    "topic_edit": lambda r, a: "edited the topic" + _quoted(r, "new_title"),
    "boost_apply": lambda r, a: "boosted the group",
    "send_payment": lambda r, a: "sent a payment",
}


def _service_text(raw: dict[str, Any]) -> str:
    """An English sentence for a service message: "Alex pinned a message"."""
    actor = _person(raw, "actor") or ""
    action = raw.get("action")
    if isinstance(action, str) and action:
        describe = _ACTIONS.get(action)
        if action == "proximity_reached":
            who = _person(raw, "from") or "Someone"
            to = _person(raw, "to") or "someone"
            return f"{who} is now within {_number(raw, 'distance') or 0} m of {to}"
        phrase = describe(raw, actor) if describe else action.replace("_", " ")
        return f"{actor} {phrase}" if actor else phrase[:1].upper() + phrase[1:]
    info = raw.get("information_text")
    if isinstance(info, str) and info.strip():
        return _clean_text(info)
    text = _clean_text(_text(raw)).strip()
    return text


# --- where things are in the file --------------------------------------------------------------


class _Lines:
    """Line numbers of messages, found lazily (only when something is skipped).

    Telegram pretty-prints each message as ``{"id": N, "type": …``; the k-th such object of the
    chosen chat is its k-th message. When the file does not line up, lines are unknown (None)."""

    def __init__(self, source: Source, messages: list[Any], offset: int) -> None:
        self._source = source
        self._messages = messages
        self._offset = offset
        self._lines: list[int] | None = None

    def line(self, index: int) -> int | None:
        if self._lines is None:
            self._lines = self._find()
        return self._lines[index] if index < len(self._lines) else None

    def _find(self) -> list[int]:
        text = self._source.text
        found: list[tuple[str, int]] = []
        line, last = 1, 0
        for match in _MESSAGE_START.finditer(text):
            line += text.count("\n", last, match.start())
            last = match.start()
            found.append((match.group(1), line))
        mine = found[self._offset : self._offset + len(self._messages)]
        if len(mine) != len(self._messages):
            return []
        for (native, _), raw in zip(mine, self._messages, strict=True):
            if not isinstance(raw, dict) or _native_id(raw.get("id")) != native:
                return []
        return [line for _, line in mine]


def _excerpt(raw: object) -> str:
    if isinstance(raw, dict):
        text = _text(raw)
        if text:
            return text[:80]
        return ", ".join(f"{k}={str(v)[:20]}" for k, v in list(raw.items())[:4])[:80]
    return str(raw)[:80]
