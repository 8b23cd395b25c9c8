"""Google Chat from Google Takeout: ``Google Chat/Groups/<DM or Space>/messages.json``.

``{"messages": [{"creator": {"name", "email", "user_type"}, "created_date", "text",
"annotations", "attached_files": [{"original_name", "export_name"}], "topic_id", "message_id",
"quoted_message_metadata": {"creator", "text"}, "reactions": [{"emoji": {"unicode"},
"reactor_emails"}], "updated_date", "previous_message_versions", "message_state",
"deleted_date", "deletion_metadata"}]}``, with a ``group_info.json`` beside it naming the members.

Dates are prose in the account's language — "Tuesday, December 31, 2023 at 9:14:05 PM UTC",
"Montag, 9. Januar 2023 um 15:04:05 UTC", "lundi 9 janvier 2023 à 15:04:05 UTC+1" — so they are
read by finding the clock, the year, the day and a month name (English, German, French, Spanish,
Portuguese, Italian, Dutch, Swedish, Danish/Norwegian, Polish), or CJK 年月日; the zone written
after the clock gives the offset, kept as written. A message whose date cannot be read is
skipped with its text as the excerpt, never guessed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from attune.conversation import Conversation, Message, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FORMAT = "google-chat"
MESSAGES_FILE = "messages.json"
GROUP_INFO = "group_info.json"


def sniff(source: Source) -> float:
    """Takeout's messages.json: a ``messages`` list of ``creator``/``created_date`` entries."""
    try:
        path = source.path
        if path.is_dir():
            return 0.9 if _find_groups(path) or (path / MESSAGES_FILE).is_file() else 0.0
        head = source.head_text().lstrip("\ufeff \t\r\n")
        if not head.startswith("{") or '"messages"' not in head:
            return 0.0
        if '"creator"' in head and '"created_date"' in head:
            return 0.95
        if path.name == MESSAGES_FILE and ('"creator"' in head or '"topic_id"' in head):
            return 0.8
        return 0.0
    except Exception:
        return 0.0


@export_format(FORMAT, description="Google Chat Takeout messages.json", sniff=sniff)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read one Google Chat conversation (its messages.json, its folder, or a Takeout folder)."""
    chat = _messages_file(source.path, options)
    if chat != source.path:
        source = Source(chat, encoding=source.encoding)
    data = source.json()
    entries = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(entries, list):
        raise ExportError(source.path, "not a Google Chat Takeout messages.json (no messages list)")
    if entries and not any(
        isinstance(e, dict) and ("creator" in e or "created_date" in e) for e in entries
    ):
        raise ExportError(
            source.path, "not a Google Chat Takeout export (messages have no creator/created_date)"
        )
    roster, title = _group_info(source.path.parent / GROUP_INFO)
    for entry in entries:
        if isinstance(entry, dict):
            email, name = _person(entry.get("creator"))
            if email and name:
                roster.setdefault(email, name)
    messages: list[Message] = []
    skipped: list[Skipped] = []
    latest: dict[tuple[str, str], str] = {}
    for index, entry in enumerate(entries, 1):
        result = _message(entry, index, roster)
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        message, quote = result
        if quote is not None:
            message.reply_to = latest.get(quote)
        if message.kind == "message" and message.text.strip():
            latest[(message.sender or "", message.text.strip())] = message.id
        messages.append(message)
    return finish(messages, source=source.name, format=FORMAT, skipped=skipped, title=title)


def _messages_file(path: Path, options: ImportOptions) -> Path:
    """messages.json itself; or in a conversation folder; or one chosen from ``Groups``."""
    if not path.is_dir():
        return path
    if (path / MESSAGES_FILE).is_file():
        return path / MESSAGES_FILE
    groups = _find_groups(path)
    if groups is None:
        raise ExportError(path, "no Google Chat messages.json here")
    try:
        chats = sorted(d for d in groups.iterdir() if (d / MESSAGES_FILE).is_file())
    except OSError as exc:
        raise ExportError(groups, exc.strerror or str(exc)) from None
    if options.chat:
        wanted = options.chat.casefold()
        chats = [d for d in chats if wanted in (d.name.casefold(), _chat_label(d).casefold())]
        if not chats:
            raise ExportError(path, f"no Google Chat conversation named {options.chat!r}")
    if len(chats) == 1:
        return chats[0] / MESSAGES_FILE
    if not chats:
        raise ExportError(groups, "no conversation with a messages.json")
    names = ", ".join(f"{d.name} ({_chat_label(d)})" for d in chats[:10])
    more = " …" if len(chats) > 10 else ""
    raise ExportError(
        path, f"{len(chats)} conversations here; pick one with --chat ({names}{more})"
    )


def _find_groups(path: Path) -> Path | None:
    """The ``Groups`` folder, pointed at directly or from the Google Chat or Takeout folder."""
    if path.name == "Groups":
        return path
    for candidate in (path, path / "Google Chat", path / "Takeout" / "Google Chat"):
        if (candidate / "Groups").is_dir():
            return candidate / "Groups"
    return None


def _chat_label(folder: Path) -> str:
    return _group_info(folder / GROUP_INFO)[1] or folder.name


def _group_info(path: Path) -> tuple[dict[str, str], str | None]:
    """Members by email, and the space's name, from group_info.json when it is there and sane."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return {}, None
    if not isinstance(data, dict):
        return {}, None
    roster: dict[str, str] = {}
    for member in _list(data.get("members")):
        email, name = _person(member)
        if email and name:
            roster[email] = name
    title = clean_name(data["name"]) if isinstance(data.get("name"), str) else ""
    # A DM has no name of its own: it is called after the people in it.
    return roster, title or " & ".join(sorted(set(roster.values()))) or None


def _person(value: object) -> tuple[str, str]:
    """(lower-cased email, display name) of a creator or member; either may be empty."""
    if not isinstance(value, dict):
        return "", ""
    email = value.get("email")
    name = value.get("name")
    return (
        email.strip().lower() if isinstance(email, str) else "",
        clean_name(name) if isinstance(name, str) else "",
    )


def _message(
    entry: object, index: int, roster: dict[str, str]
) -> tuple[Message, tuple[str, str] | None] | Skipped:
    """A Message and the (sender, text) it quotes, or why the entry is not a message."""
    if not isinstance(entry, dict):
        return Skipped(None, "not a message object", f"message #{index}")
    text = strip_marks(_str(entry.get("text")))
    excerpt = f"message #{index}: {text[:60]}"
    created = entry.get("created_date")
    if not isinstance(created, str):
        return Skipped(None, "message without a date", excerpt)
    timestamp = parse_date(created)
    if timestamp is None:
        return Skipped(None, f"unrecognised date {created[:50]!r}", excerpt)
    email, name = _person(entry.get("creator"))
    sender = name or roster.get(email) or email or None
    attachments = tuple(
        _attachment_name(f) for f in _list(entry.get("attached_files")) if _attachment_name(f)
    )
    deleted = bool(
        entry.get("deleted_date")
        or entry.get("deletion_metadata")
        or str(entry.get("message_state") or "").upper() == "DELETED"
    )
    ident = _str(entry.get("message_id"))
    if not deleted and not text.strip() and not attachments:
        call = _call_notice(entry.get("annotations"))
        if call is None:
            return Skipped(None, "empty message", excerpt)
        notice = f"{sender}: {call}" if sender else call
        return Message(ident, timestamp, None, notice, kind="system"), None
    updated = entry.get("updated_date")
    edited = not deleted and (
        bool(_list(entry.get("previous_message_versions")))
        or (isinstance(updated, str) and bool(updated) and updated != created)
    )
    quote = None
    quoted = entry.get("quoted_message_metadata")
    if isinstance(quoted, dict):
        q_email, q_name = _person(quoted.get("creator"))
        q_text = strip_marks(_str(quoted.get("text"))).strip()
        if q_text:
            quote = (q_name or roster.get(q_email) or q_email, q_text)
    message = Message(
        id=ident,
        timestamp=timestamp,
        sender=sender,
        text="" if deleted else text,
        attachments=() if deleted else attachments,
        edited=edited,
        deleted=deleted,
        reactions=tuple(_reactions(entry.get("reactions"), roster)),
    )
    return message, quote


def _attachment_name(item: object) -> str:
    """The file's name in the export folder (Takeout saves ``?account_id=`` as ``_account_id=``)."""
    if not isinstance(item, dict):
        return ""
    exported = _str(item.get("export_name"))
    return exported.replace("?", "_") if exported else _str(item.get("original_name"))


def _call_notice(annotations: object) -> str | None:
    """Meet/call cards carry no text, only an annotation: they become notices."""
    for item in _list(annotations):
        if not isinstance(item, dict):
            continue
        suite = item.get("gsuite_integration_metadata")
        call = suite.get("call_data") if isinstance(suite, dict) else None
        if isinstance(call, dict):
            status = _str(call.get("call_status")).replace("_", " ").lower()
            return f"call ({status})" if status else "call"
        if isinstance(item.get("video_call_metadata"), dict):
            return "video call"
    return None


def _reactions(value: object, roster: dict[str, str]) -> list[Reaction]:
    reactions: list[Reaction] = []
    for item in _list(value):
        if not isinstance(item, dict):
            continue
        emoji_obj = item.get("emoji")
        emoji = ""
        if isinstance(emoji_obj, dict):
            emoji = _str(emoji_obj.get("unicode"))
            custom = emoji_obj.get("custom_emoji")
            if not emoji and isinstance(custom, dict):
                emoji = _str(custom.get("short_code") or custom.get("name"))
        emoji = strip_marks(emoji).strip()
        if not emoji:
            continue
        reactors = [r for r in _list(item.get("reactor_emails")) if isinstance(r, str)]
        for address in reactors:
            reactions.append(Reaction(roster.get(address.strip().lower()) or address, emoji))
        if not reactors:
            reactions.append(Reaction(None, emoji))
    return reactions


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# --- Takeout's localised date prose ----------------------------------------------------------

_MONTH_NAMES = (
    # en, de, fr, es, pt, it, nl, sv, da/no, pl (nominative and genitive), with abbreviations
    "january jan januar janvier janv enero ene janeiro gennaio gen januari stycznia styczeń sty",
    "february feb februar février fevrier févr fevr febrero febr fevereiro fev febbraio "
    "februari lutego luty lut",
    "march mar märz maerz mär mars marzo março marco maart mrt marca marzec",
    "april apr avril avr abril abr aprile aprili kwietnia kwiecień kwi",
    "may mai mayo maio maggio mag mei maj maja",
    "june jun juni juin junio junho giugno giu czerwca czerwiec cze",
    "july jul juli juillet juil julio julho luglio lug lipca lipiec lip",
    "august aug août aout agosto ago augustus augusti sierpnia sierpień sie",
    "september sep sept septembre septiembre setiembre setembro set settembre "
    "września wrzesień wrz",
    "october oct oktober okt octobre octubre outubro out ottobre ott października październik paź",
    "november nov novembre noviembre novembro listopada listopad lis",
    "december dec dezember dez décembre decembre déc dic diciembre dezembro dicembre "
    "grudnia grudzień gru",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_CLOCK = re.compile(r"(?<![\d+\-\u2212])(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?!\d)")
_AMPM = re.compile(r"(?<![^\W\d_])([ap])\.?\s?m\.?(?![^\W\d_])", re.IGNORECASE)
_OFFSET = re.compile(r"([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?")
_UTC_WORDS = (
    "coordinated universal time",
    "koordinierte weltzeit",
    "temps universel coordonné",
    "tiempo universal coordinado",
    "tempo universal coordenado",
    "tempo coordinato universale",
    "gecoördineerde wereldtijd",
    "utc",
    "gmt",
    "z",
)
_ZONE_ABBREVIATIONS = {
    "pst": -8,
    "pdt": -7,
    "mst": -7,
    "mdt": -6,
    "cst": -6,
    "cdt": -5,
    "est": -5,
    "edt": -4,
    "bst": 1,
    "cet": 1,
    "cest": 2,
    "eet": 2,
    "eest": 3,
    "wet": 0,
    "west": 1,
    "mez": 1,
    "mesz": 2,
}
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_PM_WORDS = ("午後", "下午", "오후")
_AM_WORDS = ("午前", "上午", "오전")


def parse_date(text: str) -> datetime | None:
    """Takeout's date prose → datetime (aware when a zone is written), or None if unreadable."""
    text = strip_marks(text).replace("\u202f", " ").replace("\u00a0", " ").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    clocks = list(_CLOCK.finditer(text))
    if not clocks:
        return None
    clock = clocks[-1]
    hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
    date_part, zone_part = text[: clock.start()], text[clock.end() :]
    lowered = zone_part.lower()
    pm = any(w in text for w in _PM_WORDS)
    am = any(w in text for w in _AM_WORDS)
    marker = _AMPM.search(lowered)
    if marker is not None and marker.start() <= 2:
        pm, am = marker[1].lower() == "p", marker[1].lower() == "a"
        lowered = lowered[marker.end() :]
    if pm or am:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    readable, tz = _zone(lowered)
    if not readable:
        return None
    ymd = _date(date_part)
    if ymd is None:
        return None
    try:
        return datetime(*ymd, hour, minute, second, tzinfo=tz)
    except (ValueError, OverflowError):  # a number too large for a date field
        return None


def _date(text: str) -> tuple[int, int, int] | None:
    for pattern in (_CJK_DATE, _ISO_DATE):
        found = pattern.search(text)
        if found is not None:
            return int(found[1]), int(found[2]), int(found[3])
    words = re.findall(r"[^\W\d_]+", text.lower())
    months = [_MONTHS[w] for w in words if w in _MONTHS]
    numbers = re.findall(r"\d+", text)
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if not months or len(years) != 1 or len(days) != 1:
        return None
    return int(years[0]), months[-1], int(days[0])


def _zone(text: str) -> tuple[bool, timezone | None]:
    """The zone after the clock (None when none is written), and whether it could be read."""
    text = text.strip(" ,()[]")
    if not text:
        return True, None
    base = timedelta(0)
    for word in _UTC_WORDS:
        if text.startswith(word):
            text = text[len(word) :].strip(" ()")
            break
    else:
        abbreviation = re.match(r"[a-z]+", text)
        if abbreviation is None or abbreviation[0] not in _ZONE_ABBREVIATIONS:
            return _offset(text)
        base = timedelta(hours=_ZONE_ABBREVIATIONS[abbreviation[0]])
        text = text[abbreviation.end() :].strip(" ()")
    if not text:
        return True, UTC if base == timedelta(0) else timezone(base)
    return _offset(text) if base == timedelta(0) else (False, None)


def _offset(text: str) -> tuple[bool, timezone | None]:
    found = _OFFSET.fullmatch(text)
    if found is None:
        return False, None
    delta = timedelta(hours=int(found[2]), minutes=int(found[3] or 0))
    if delta >= timedelta(hours=24):
        return False, None
    return True, timezone(-delta if found[1] != "+" else delta)
