"""iMessage: the Messages database itself (macOS ``chat.db``, iOS ``sms.db``) or the plain-text
files ReagentX/imessage-exporter writes with ``--format txt``.

The database holds every chat on the device, so one is chosen (``--chat``, else the busiest) and the
others are listed in ``skipped``. Tapbacks are rows of their own in the database and lines under the
message in the txt export; both become :class:`Reaction` on the message they answer.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from itertools import pairwise
from pathlib import Path, PurePosixPath, PureWindowsPath

from attune.conversation import Conversation, Message, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish, from_epoch, zone
from attune.ingest.dates import ENGLISH_MONTHS
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FORMAT = "imessage"
SQLITE_MAGIC = b"SQLite format 3\x00"
APPLE_EPOCH = 978_307_200
"""2001-01-01T00:00:00Z as a Unix time: the "reference date" ``message.date`` counts from."""
OBJECT_REPLACEMENT = "\ufffc"
"""Where an attachment sat inline in the text; not part of what anyone wrote."""
DB_NAMES = ("chat.db", "sms.db", "3d0d7e5fb2ce288813306e4d4636395e047a3d28")
"""macOS, iOS, and the hashed name sms.db has inside an iTunes/Finder backup."""

_DB_TABLES = (b"chat_message_join", b"chat_handle_join", b"message_attachment_join")
"""Table names only the Messages database has, often within its first pages."""
TAPBACK_EMOJI = {0: "❤️", 1: "👍", 2: "👎", 3: "😂", 4: "‼️", 5: "❓"}
"""``associated_message_type`` 2000+n adds tapback n, 3000+n removes it (6 is a custom emoji)."""
TAPBACK_WORDS = {
    "Loved": "❤️",
    "Liked": "👍",
    "Disliked": "👎",
    "Laughed": "😂",
    "Emphasized": "‼️",
    "Questioned": "❓",
}
"""How imessage-exporter names each tapback in its txt output ("Loved by Me")."""


def sniff(source: Source) -> float:
    """A Messages database by its SQLite header and table names, or the exporter's date lines."""
    try:
        path = source.path
        if path.is_dir():
            return _sniff_folder(path)
        head = source.head()
        if head.startswith(SQLITE_MAGIC):
            if any(table in head for table in _DB_TABLES) or path.name.lower() in DB_NAMES:
                return 1.0
            return 0.4 if path.suffix.lower() in (".db", ".sqlite", ".sqlitedb", "") else 0.2
        return _sniff_txt(source.head_text())
    except (ExportError, OSError):
        return 0.0


def _sniff_txt(text: str) -> float:
    lines = text.split("\n")[:400]
    first = next((line for line in lines if line.strip()), "")
    hits = 0
    for i, line in enumerate(lines[:-1]):
        match = _TIMESTAMP.match(line)
        if (
            match
            and not match["indent"]
            and _is_header_rest(match["rest"])
            and lines[i + 1].strip()
        ):
            hits += 1
    if not hits:
        return 0.0
    starts = _TIMESTAMP.match(first)
    if starts and _is_header_rest(starts["rest"]):
        return 0.85 if hits > 1 else 0.7
    return 0.4


def _sniff_folder(path: Path) -> float:
    if any((path / name).is_file() for name in DB_NAMES):
        return 0.9
    for txt in sorted(path.glob("*.txt"))[:5]:
        if _sniff_txt(Source(txt).head_text()) >= 0.7:
            return 0.8
    return 0.0


@export_format(
    FORMAT, description="iMessage chat.db (SQLite) or imessage-exporter .txt", sniff=sniff
)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read a chat.db/sms.db, an imessage-exporter .txt, or a folder holding either."""
    if source.path.is_dir():
        return _parse_folder(source, options)
    if source.head(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
        return _parse_db(source, options)
    return _parse_txt(source, options)


# ---------------------------------------------------------------------------------------------
# chat.db / sms.db
# ---------------------------------------------------------------------------------------------

_MESSAGE_COLUMNS = (
    "guid",
    "text",
    "attributedBody",
    "handle_id",
    "is_from_me",
    "date",
    "date_edited",
    "date_retracted",
    "associated_message_guid",
    "associated_message_type",
    "associated_message_emoji",
    "thread_originator_guid",
    "cache_has_attachments",
    "item_type",
    "group_action_type",
    "group_title",
    "other_handle",
)
"""Columns read from ``message``; ones an older macOS lacks are read as NULL."""


@dataclass
class _ChatGroup:
    """Chat rows that are one conversation: iMessage and SMS threads with the same person."""

    key: str
    chat_ids: list[int] = field(default_factory=list)
    identifier: str = ""
    display_name: str = ""
    handles: set[str] = field(default_factory=set)
    count: int = 0

    @property
    def label(self) -> str:
        if self.display_name and self.display_name != self.identifier:
            return f"{self.display_name} ({self.identifier})"
        return self.identifier or self.key


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """Open the database so that nothing of it can change.

    ``mode=ro&immutable=1`` takes no locks and writes no journal. A database still in use by
    Messages keeps its newest rows in ``chat.db-wal``, which ``immutable`` would ignore; then
    the database and its WAL are copied to a private folder and read from there.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        has_wal = wal.is_file() and wal.stat().st_size > 0
    except OSError:
        has_wal = False
    with tempfile.TemporaryDirectory(prefix="attune-imessage-") as tmp:
        try:
            if has_wal:
                copy = Path(tmp) / path.name
                shutil.copyfile(path, copy)
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
                uri = f"{copy.resolve().as_uri()}?mode=ro"
            else:
                uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True)
            connection.text_factory = _lenient_text
        except (OSError, sqlite3.Error) as exc:
            reason = " ".join(str(exc).split())[:200]
            raise ExportError(path, f"cannot open the database read-only ({reason})") from None
        try:
            yield connection
        finally:
            connection.close()


def _lenient_text(raw: bytes) -> str:
    """TEXT as stored; a byte that is not UTF-8 becomes U+FFFD instead of failing the import."""
    return raw.decode("utf-8", errors="replace")


def _parse_db(source: Source, options: ImportOptions) -> Conversation:
    path = source.path
    with _connect(path) as db:
        try:
            return _read_db(db, source, options)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            reason = " ".join(str(exc).split())[:200]
            raise ExportError(path, f"not a readable iMessage database ({reason})") from None


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")}


def _read_db(db: sqlite3.Connection, source: Source, options: ImportOptions) -> Conversation:
    path = source.path
    tables = {str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = {"message", "chat", "chat_message_join", "handle"} - tables
    if missing:
        raise ExportError(
            path, f"SQLite database without the Messages tables ({', '.join(sorted(missing))})"
        )
    tz = zone(options.tz, source.name)
    me = clean_name(options.me) if options.me and clean_name(options.me) else "Me"
    skipped: list[Skipped] = []

    groups = _chat_groups(db, tables)
    if not groups:
        raise ExportError(path, "the database holds no chats")
    chosen = _choose_chat(groups, options.chat, path)
    for group in sorted(groups, key=lambda g: -g.count):
        if group is not chosen:
            skipped.append(
                Skipped(
                    None,
                    "other chat in the database (choose it with --chat)",
                    f"{group.label}: {group.count} messages",
                )
            )

    message_cols = _columns(db, "message")
    select = ", ".join(
        f"m.{name} AS {name}" if name in message_cols else f"NULL AS {name}"
        for name in _MESSAGE_COLUMNS
    )
    marks = ",".join("?" * len(chosen.chat_ids))
    other = (
        "LEFT JOIN handle oh ON oh.ROWID = m.other_handle"
        if "other_handle" in message_cols
        else "LEFT JOIN handle oh ON 0"
    )
    attachments = _attachments(db, tables, chosen.chat_ids)
    rows = db.execute(
        f"SELECT m.ROWID, {select}, h.id, oh.id FROM message m "
        f"LEFT JOIN handle h ON h.ROWID = m.handle_id {other} "
        f"WHERE m.ROWID IN (SELECT message_id FROM chat_message_join WHERE chat_id IN ({marks})) "
        "ORDER BY m.date, m.ROWID",
        chosen.chat_ids,
    )
    only_other = next(iter(chosen.handles)) if len(chosen.handles) == 1 else None

    messages: list[Message] = []
    by_guid: dict[str, Message] = {}
    tapbacks: list[tuple[int, str, str | None, str, bool]] = []
    for row in rows:
        rowid = int(row[0])
        rec = dict(zip(_MESSAGE_COLUMNS, row[1:-2], strict=True))
        handle, other_handle = row[-2], row[-1]
        from_me = bool(rec["is_from_me"])
        sender = me if from_me else _handle_name(handle) or only_other or "Unknown"
        where = f"ROWID {rowid}"
        assoc_type = _int(rec["associated_message_type"])
        if 2000 <= assoc_type <= 2007 or 3000 <= assoc_type <= 3007:
            kind = assoc_type % 1000
            target = _target_guid(rec["associated_message_guid"])
            if kind == 7:
                skipped.append(Skipped(None, "sticker tapback (not an emoji reaction)", where))
                continue
            emoji = TAPBACK_EMOJI.get(kind) or _str(rec["associated_message_emoji"])
            if not target or not emoji:
                skipped.append(Skipped(None, "tapback without a target or emoji", where))
                continue
            tapbacks.append((rowid, target, sender, emoji, assoc_type >= 3000))
            continue
        timestamp = _apple_time(rec["date"], tz)
        item_type = _int(rec["item_type"])
        if item_type != 0:
            text = _event_text(item_type, rec, sender if from_me or handle else None, other_handle)
            if text is None:
                skipped.append(Skipped(None, f"unknown chat event (item_type {item_type})", where))
                continue
            guid = _str(rec["guid"]) or ""
            messages.append(Message(guid, timestamp, None, text, kind="system"))
            continue

        files = tuple(attachments.get(rowid, ()))
        raw_text = _str(rec["text"])
        if raw_text is None and rec["attributedBody"]:
            blob = rec["attributedBody"]
            raw_text = decode_attributed_body(
                blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else bytes(blob)
            )
            if raw_text is None and not files:
                skipped.append(
                    Skipped(None, "message text could not be decoded (attributedBody)", where)
                )
                continue
        text = _clean_text(raw_text or "")
        retracted = _int(rec["date_retracted"]) > 0
        edited_at = _int(rec["date_edited"]) > 0
        deleted = retracted or (edited_at and not text and not files)
        if deleted:
            text, files = "", ()
        elif not text and not files:
            skipped.append(Skipped(None, "message without text or attachments", where))
            continue
        message = Message(
            id=_str(rec["guid"]) or "",
            timestamp=timestamp,
            sender=sender,
            text=text,
            attachments=files,
            reply_to=_str(rec["thread_originator_guid"]) or None,
            edited=edited_at and not deleted,
            deleted=deleted,
        )
        messages.append(message)
        if message.id:
            by_guid.setdefault(message.id, message)

    _apply_tapbacks(tapbacks, by_guid, skipped)
    for message in messages:
        if message.reply_to is not None and message.reply_to not in by_guid:
            message.reply_to = None
    if not messages:
        raise ExportError(path, f"chat {chosen.label!r} holds no messages")
    title = chosen.display_name or chosen.identifier or None
    return finish(messages, source=source.name, format=FORMAT, skipped=skipped, title=title)


def _chat_groups(db: sqlite3.Connection, tables: set[str]) -> list[_ChatGroup]:
    chat_cols = _columns(db, "chat")
    ident = "c.chat_identifier" if "chat_identifier" in chat_cols else "NULL"
    name = "c.display_name" if "display_name" in chat_cols else "NULL"
    rows = db.execute(
        f"SELECT c.ROWID, {ident}, {name}, "
        "(SELECT COUNT(*) FROM chat_message_join j WHERE j.chat_id = c.ROWID) "
        "FROM chat c ORDER BY c.ROWID"
    ).fetchall()
    handles: dict[int, set[str]] = {}
    if "chat_handle_join" in tables:
        for chat_id, handle in db.execute(
            "SELECT j.chat_id, h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id"
        ):
            if handle:
                handles.setdefault(int(chat_id), set()).add(str(handle))
    groups: dict[str, _ChatGroup] = {}
    for chat_id, identifier, display, count in rows:
        identifier = str(identifier or "")
        key = identifier.lower() or f"#{chat_id}"
        group = groups.setdefault(key, _ChatGroup(key=key, identifier=identifier))
        group.chat_ids.append(int(chat_id))
        group.count += int(count or 0)
        if display and not group.display_name:
            group.display_name = clean_name(str(display))
        group.handles |= handles.get(int(chat_id), set())
    return [g for g in groups.values() if g.count > 0] or list(groups.values())


def _choose_chat(groups: list[_ChatGroup], wanted: str | None, path: Path) -> _ChatGroup:
    """``--chat`` by identifier, name or a participant's handle; else the busiest chat."""
    busiest = sorted(groups, key=lambda g: -g.count)
    if not wanted:
        return busiest[0]
    want = wanted.strip().lower()
    want_phone = _phone_key(wanted)
    exact = [g for g in busiest if want in (g.identifier.lower(), g.display_name.lower())]
    if exact:
        return exact[0]
    by_handle = [
        g
        for g in busiest
        if any(h.lower() == want or (want_phone and _phone_key(h) == want_phone) for h in g.handles)
        or (want_phone and _phone_key(g.identifier) == want_phone)
    ]
    if by_handle:
        return min(by_handle, key=lambda g: (len(g.handles) > 1, -g.count))
    listing = "; ".join(f"{g.label} ({g.count})" for g in busiest[:15])
    more = f"; … {len(busiest) - 15} more" if len(busiest) > 15 else ""
    raise ExportError(path, f"no chat matches --chat {wanted!r}; chats: {listing}{more}")


def _attachments(
    db: sqlite3.Connection, tables: set[str], chat_ids: list[int]
) -> dict[int, list[str]]:
    if not {"attachment", "message_attachment_join"} <= tables:
        return {}
    cols = _columns(db, "attachment")
    filename = "a.filename" if "filename" in cols else "NULL"
    transfer = "a.transfer_name" if "transfer_name" in cols else "NULL"
    marks = ",".join("?" * len(chat_ids))
    found: dict[int, list[str]] = {}
    for message_id, name, transfer_name in db.execute(
        f"SELECT j.message_id, {filename}, {transfer} FROM message_attachment_join j "
        "JOIN attachment a ON a.ROWID = j.attachment_id "
        "WHERE j.message_id IN "
        f"(SELECT message_id FROM chat_message_join WHERE chat_id IN ({marks})) "
        "ORDER BY j.message_id, a.ROWID",
        chat_ids,
    ):
        label = _attachment_name(_str(transfer_name), _str(name))
        if label is not None:
            found.setdefault(int(message_id), []).append(label)
    return found


def _attachment_name(transfer_name: str | None, filename: str | None) -> str | None:
    """The file's own name; URL-preview payloads are metadata, not something anyone sent."""
    name = transfer_name or (_basename(filename) if filename else "")
    if name.endswith(".pluginPayloadAttachment"):
        return None
    return strip_marks(name) or "<omitted:attachment>"


def _apply_tapbacks(
    tapbacks: list[tuple[int, str, str | None, str, bool]],
    by_guid: dict[str, Message],
    skipped: list[Skipped],
) -> None:
    """Add and remove reactions in database order, so an undone tapback leaves nothing."""
    for rowid, target_guid, sender, emoji, removal in tapbacks:
        target = by_guid.get(target_guid)
        if target is None:
            skipped.append(
                Skipped(None, "tapback on a message that is not in this chat", f"ROWID {rowid}")
            )
            continue
        reaction = Reaction(sender=sender, emoji=emoji)
        current = list(target.reactions)
        if removal:
            if reaction in current:
                current.remove(reaction)
            else:
                skipped.append(Skipped(None, "tapback removed", f"ROWID {rowid}"))
        elif reaction not in current:
            current.append(reaction)
        target.reactions = tuple(current)


def _event_text(
    item_type: int, rec: dict[str, object], actor: str | None, other: object
) -> str | None:
    """A chat event (``item_type`` ≠ 0) in words, like Messages shows it."""
    who = actor or "Someone"
    action = _int(rec["group_action_type"])
    other_name = _handle_name(other) or "someone"
    if item_type == 1:
        return (
            f"{who} removed {other_name} from the conversation."
            if action == 1
            else f"{who} added {other_name} to the conversation."
        )
    if item_type == 2:
        title = _str(rec["group_title"])
        return (
            f"{who} named the conversation {title}" if title else f"{who} renamed the conversation"
        )
    if item_type == 3:
        return {
            1: f"{who} changed the group photo.",
            2: f"{who} removed the group photo.",
        }.get(action, f"{who} left the conversation.")
    if item_type == 4:
        return f"{who} shared their location."
    if item_type == 5:
        return f"{who} kept an audio message."
    if item_type == 6:
        return "FaceTime / SharePlay call"
    return None


def decode_attributed_body(blob: bytes) -> str | None:
    """The plain string inside an ``attributedBody`` typedstream (NSArchiver) blob.

    After the ``NSString`` class name comes ``+`` (0x2B, preceded by 0x01) and a length: one
    byte, or 0x81 and a 2-byte little-endian length, or 0x82 and a 4-byte one. Anything else is
    not a shape we know, so None rather than a guess.
    """
    starts = [i for i in (blob.find(b"NSString"), blob.find(b"NSMutableString")) if i >= 0]
    if not starts:
        return None
    start = min(starts)
    plus = blob.find(b"\x01\x2b", start)
    if plus < 0 or plus - start > 64:
        return None
    i = plus + 2
    if i >= len(blob):
        return None
    tag = blob[i]
    i += 1
    if tag == 0x81:
        length, i = int.from_bytes(blob[i : i + 2], "little"), i + 2
    elif tag == 0x82:
        length, i = int.from_bytes(blob[i : i + 4], "little"), i + 4
    elif tag < 0x80:
        length = tag
    else:
        return None
    raw = blob[i : i + length]
    if len(raw) != length:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _apple_time(value: object, tz: tzinfo | None) -> datetime | None:
    """``message.date``: nanoseconds since 2001 on macOS ≥ 10.13 / iOS ≥ 11, seconds before."""
    number = _int(value)
    if number == 0:
        return None
    seconds = number / 1e9 if abs(number) > 100_000_000_000 else float(number)
    try:
        return from_epoch(APPLE_EPOCH + seconds, tz)
    except (OverflowError, OSError, ValueError):
        return None


def _target_guid(value: object) -> str:
    """``p:0/GUID`` (part 0 of a message) or ``bp:GUID`` (a balloon) → GUID."""
    guid = _str(value) or ""
    return re.sub(r"^(?:p:\d+/|bp:)", "", guid)


def _clean_text(text: str) -> str:
    if OBJECT_REPLACEMENT in text:
        text = text.replace(OBJECT_REPLACEMENT, "").strip()
    return strip_marks(text.replace("\r\n", "\n").replace("\r", "\n"))


def _handle_name(value: object) -> str | None:
    name = clean_name(str(value)) if value else ""
    return name or None


def _int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, (str, bytes)):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _basename(path: str) -> str:
    return PureWindowsPath(PurePosixPath(path).name).name


def _phone_key(value: str) -> str:
    """Digits of a phone number, last ten, so +1 (555) 010-0100 and 5550100100 match."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 5 or re.search(r"[A-Za-z@]", value):
        return ""
    return digits[-10:]


# ---------------------------------------------------------------------------------------------
# imessage-exporter --format txt
# ---------------------------------------------------------------------------------------------

_TIMESTAMP = re.compile(
    r"^(?P<indent> *)(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}) {1,2}"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2}):(?P<second>\d{2}) (?P<ampm>[AP]M)(?P<rest>.*)$"
)
"""chrono's ``%b %d, %Y %l:%M:%S %p``: "May 17, 2022  5:29:42 PM" (the hour is space-padded)."""
_READ_RECEIPT = re.compile(r"^ \(Read by .+ after .+\)$")
_EDITED = re.compile(r"^Edited .+? later: (?P<text>.*)$")
_UNSENT_PART = re.compile(r"^.+ unsent this message part(?: .+ after sending)?!$")
_UNSENT_ALL = re.compile(r"^(?P<who>.+?) unsent a message!$")
_TAPBACK = re.compile(r"^(?P<what>\S+) by (?P<who>.+)$")
_STICKER = re.compile(
    r"^(?:.+ )?Sticker from .+?: (?P<path>.+?)(?: \((?:App|Genmoji prompt): .*\))?$"
)
_REPLY_NOTE = "This message responded to an earlier message."
_DELETED_NOTE = "This message was deleted from the conversation!"
_ATTACHMENT_MISSING = ("Attachment missing!", "Attachment missing name metadata!")
_EXPRESSIVES = frozenset(
    f"Sent with {effect}"
    for effect in (
        "Confetti", "Echo", "Fireworks", "Balloons", "Heart", "Lasers", "Shooting Star",
        "Sparkles", "Spotlight", "Slam", "Loud", "Gentle", "Invisible Ink",
    )
)  # fmt: skip
_REPLY_INDENT = "    "


def _is_header_rest(rest: str) -> bool:
    """What may follow the date on a message's first line: nothing or a read receipt."""
    return rest == "" or _READ_RECEIPT.match(rest) is not None


def _txt_time(match: re.Match[str]) -> datetime | None:
    hour = int(match["hour"])
    if not 1 <= hour <= 12 or match["mon"].lower() not in ENGLISH_MONTHS:
        return None
    hour = hour % 12 + (12 if match["ampm"] == "PM" else 0)
    try:
        return datetime(
            int(match["year"]),
            ENGLISH_MONTHS[match["mon"].lower()],
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"]),
        )
    except (ValueError, OverflowError):  # a number too large for a date field
        return None


@dataclass
class _Block:
    """One rendered message: its header, sender and body lines (1-based line of the header)."""

    line: int
    timestamp: datetime | None
    sender: str
    body: list[str]


def _is_path(line: str) -> bool:
    """An attachment line: imessage-exporter writes the file's path (copied or in ~/Library)."""
    return bool(
        re.match(r"^(?:~|\.{1,2})?/[^/\s].*/[^/]+$", line)
        or re.match(r"^attachments/.+/[^/]+$", line)
        or re.match(r"^[A-Za-z]:\\.+\\[^\\]+$", line)
    )


def _parse_txt(source: Source, options: ImportOptions) -> Conversation:
    text = source.text
    if "\x00" in text:
        raise ExportError(source.path, "binary data, not an imessage-exporter txt file", 1)
    lines = text.split("\n")
    me = clean_name(options.me) if options.me and clean_name(options.me) else None
    messages, skipped = _txt_messages(lines, me)
    if not messages:
        raise ExportError(
            source.path,
            "no imessage-exporter messages found (expected lines like "
            "'May 17, 2022  5:29:42 PM' followed by the sender)",
            1,
        )
    title = source.path.stem  # the exporter names each file after its chat
    return finish(messages, source=source.name, format=FORMAT, skipped=skipped, title=title)


def _txt_messages(lines: list[str], me: str | None) -> tuple[list[Message], list[Skipped]]:
    messages: list[Message] = []
    skipped: list[Skipped] = []
    nested_keys: dict[tuple[object, ...], Message] = {}
    counter = 0
    starts = _block_starts(lines)
    if not starts:
        return [], []
    if any(line.strip() for line in lines[: starts[0]]):
        first = next(i for i in range(starts[0]) if lines[i].strip())
        skipped.append(
            Skipped(first + 1, "text before the first message", lines[first].strip()[:80])
        )
    bounds = [*starts, len(lines)]
    for start, end in pairwise(bounds):
        match = _TIMESTAMP.match(lines[start])
        timestamp = _txt_time(match) if match else None
        if match is None or timestamp is None:
            skipped.append(Skipped(start + 1, "impossible date", lines[start][:80]))
            continue
        rest = match["rest"]
        if not _is_header_rest(rest):
            announcement = rest.strip()
            unsent = _UNSENT_ALL.match(announcement)
            counter += 1
            if unsent:
                who = unsent["who"]
                sender = (me or "Me") if who in ("You", "Me") else who
                messages.append(Message(f"t{counter}", timestamp, sender, "", deleted=True))
            else:
                messages.append(Message(f"t{counter}", timestamp, None, announcement, "system"))
            _skip_trailing(lines, start + 1, end, skipped, "text after a chat event")
            continue
        body_end = end
        while body_end > start + 1 and not lines[body_end - 1].strip():
            body_end -= 1
        if body_end <= start + 1 or not lines[start + 1].strip():
            skipped.append(Skipped(start + 1, "message header without a sender", lines[start][:80]))
            continue
        block = _Block(start + 1, timestamp, lines[start + 1].strip(), lines[start + 2 : body_end])
        own, replies = _split_replies(block)
        counter += 1
        notes: list[Skipped] = []
        parent = _txt_message(f"t{counter}", own, me, notes)
        is_reply = _REPLY_NOTE in (line.strip() for line in own.body)
        if parent is not None and is_reply and _message_key(parent) in nested_keys:
            continue  # already read where it was printed under the message it answers
        skipped.extend(notes)
        if parent is not None:
            messages.append(parent)
        for reply_block in replies:
            counter += 1
            reply = _txt_message(f"t{counter}", reply_block, me, skipped)
            if reply is None:
                continue
            reply.reply_to = parent.id if parent is not None else None
            nested_keys.setdefault(_message_key(reply), reply)
            messages.append(reply)
    return messages, skipped


def _block_starts(lines: list[str]) -> list[int]:
    """Top-level headers: a date line at column 0 right after a blank line (or at the top).

    Edit histories also start lines with a date, but always straight after other body lines.
    """
    starts = []
    for i, line in enumerate(lines):
        if i and lines[i - 1].strip():
            continue
        match = _TIMESTAMP.match(line)
        if match is None or match["indent"]:
            continue
        followed = i + 1 < len(lines) and bool(lines[i + 1].strip())
        if _is_header_rest(match["rest"]) == followed:
            starts.append(i)
    return starts


def _skip_trailing(
    lines: list[str], start: int, end: int, skipped: list[Skipped], reason: str
) -> None:
    for i in range(start, end):
        if lines[i].strip():
            skipped.append(Skipped(i + 1, reason, lines[i].strip()[:80]))
            return


def _split_replies(block: _Block) -> tuple[_Block, list[_Block]]:
    """Replies are printed inside the message they answer, each line indented four spaces."""
    own: list[str] = []
    replies: list[_Block] = []
    current: _Block | None = None
    for offset, line in enumerate(block.body):
        number = block.line + 2 + offset
        match = _TIMESTAMP.match(line)
        if (
            match
            and match["indent"] == _REPLY_INDENT
            and _is_header_rest(match["rest"])
            and offset + 1 < len(block.body)
            and block.body[offset + 1].startswith(_REPLY_INDENT)
        ):
            current = _Block(number, _txt_time(match), "", [])
            replies.append(current)
            continue
        if current is None:
            own.append(line)
            continue
        stripped = line[len(_REPLY_INDENT) :] if line.startswith(_REPLY_INDENT) else line
        if not current.sender:
            current.sender = stripped.strip()
        else:
            current.body.append(stripped)
    for reply in replies:
        while reply.body and not reply.body[-1].strip():
            reply.body.pop()
    return _Block(block.line, block.timestamp, block.sender, own), replies


def _txt_message(
    native_id: str, block: _Block, me: str | None, skipped: list[Skipped]
) -> Message | None:
    """Turn a block's body lines into one Message: text, files, tapbacks, edits, unsends."""
    sender = _txt_sender(block.sender, me)
    text_lines: list[str] = []
    attachments: list[str] = []
    reactions: list[Reaction] = []
    edited = unsent = False
    edit_anchor: int | None = None
    in_tapbacks = False
    after_attachment = False
    for offset, raw in enumerate(block.body):
        number = block.line + 2 + offset
        line = raw.rstrip()
        stripped = line.strip()
        if in_tapbacks:
            if not stripped:
                in_tapbacks = False
                continue
            reaction = _txt_tapback(stripped, me)
            if reaction is None:
                skipped.append(Skipped(number, "tapback that is not an emoji", stripped[:80]))
            else:
                reactions.append(reaction)
            continue
        if stripped in ("Tapbacks:", "Reactions:"):
            in_tapbacks, edit_anchor = True, None
            continue
        if stripped in (_REPLY_NOTE, _DELETED_NOTE) or stripped in _EXPRESSIVES:
            edit_anchor = None
            continue
        if after_attachment and stripped.startswith("Transcription: "):
            continue
        after_attachment = False
        if stripped in _ATTACHMENT_MISSING:
            attachments.append("<omitted:attachment>")
            edit_anchor, after_attachment = None, True
            continue
        sticker = _STICKER.match(stripped)
        if sticker and _is_path(sticker["path"]):
            attachments.append(_basename(sticker["path"]))
            edit_anchor, after_attachment = None, True
            continue
        if _is_path(stripped):
            attachments.append(_basename(stripped))
            edit_anchor, after_attachment = None, True
            continue
        if _UNSENT_PART.match(stripped):
            unsent, edit_anchor = True, None
            continue
        history = _TIMESTAMP.match(line)
        if history and not history["indent"] and history["rest"].startswith(" "):
            edit_anchor = len(text_lines)
            text_lines.append(history["rest"][1:])
            continue
        edit = _EDITED.match(line) if edit_anchor is not None else None
        if edit is not None and edit_anchor is not None:
            del text_lines[edit_anchor:]
            text_lines.append(edit["text"])
            edited = True
            continue
        text_lines.append(line)
    while text_lines and not text_lines[-1].strip():
        text_lines.pop()
    while text_lines and not text_lines[0].strip():
        text_lines.pop(0)
    text = strip_marks("\n".join(text_lines))
    deleted = unsent and not text and not attachments
    if not text and not attachments and not deleted:
        if reactions:
            skipped.append(Skipped(block.line, "reactions on a message with no content", ""))
        else:
            skipped.append(Skipped(block.line, "message without text or attachments", ""))
        return None
    return Message(
        id=native_id,
        timestamp=block.timestamp,
        sender=sender,
        text=text,
        attachments=tuple(attachments),
        edited=edited and not deleted,
        deleted=deleted,
        reactions=tuple(reactions),
    )


def _txt_sender(name: str, me: str | None) -> str:
    cleaned = clean_name(name)
    if cleaned == "Me":
        return me or "Me"
    return cleaned or "Unknown"


def _txt_tapback(line: str, me: str | None) -> Reaction | None:
    match = _TAPBACK.match(line)
    if match is None or line.startswith("Sticker from "):
        return None
    what = match["what"]
    emoji = TAPBACK_WORDS.get(what)
    if emoji is None:
        if re.search(r"[A-Za-z0-9]", what):
            return None
        emoji = what
    return Reaction(sender=_txt_sender(match["who"], me), emoji=emoji)


def _message_key(message: Message) -> tuple[object, ...]:
    return (message.timestamp, message.sender, message.text, message.attachments)


# ---------------------------------------------------------------------------------------------
# A folder: ~/Library/Messages (chat.db) or imessage-exporter's output folder (one txt per chat)
# ---------------------------------------------------------------------------------------------


def _parse_folder(source: Source, options: ImportOptions) -> Conversation:
    folder = source.path
    for name in DB_NAMES:
        if (folder / name).is_file():
            return _parse_db(Source(folder / name), options)
    candidates = [p for p in sorted(folder.glob("*.txt")) if _sniff_txt(Source(p).head_text())]
    if not candidates:
        raise ExportError(folder, "folder holds no chat.db and no imessage-exporter .txt files")
    chosen = _choose_txt(candidates, options.chat, folder)
    conversation = _parse_txt(Source(chosen), options)
    for other in candidates:
        if other != chosen:
            conversation.skipped.append(
                Skipped(None, "other chat in the folder (choose it with --chat)", other.name)
            )
    return conversation


def _choose_txt(candidates: list[Path], wanted: str | None, folder: Path) -> Path:
    """``--chat`` matches a file's name (the exporter names files after the chat); else the
    chat with the most messages, leaving ``orphaned.txt`` (messages with no chat) for last."""
    if wanted:
        want = wanted.strip().lower()
        phone = _phone_key(wanted)
        for path in candidates:
            stem = path.stem.lower()
            if want in (stem, path.name.lower()) or (phone and _phone_key(path.stem) == phone):
                return path
        names = ", ".join(p.stem for p in candidates[:20])
        raise ExportError(folder, f"no chat file matches --chat {wanted!r}; chats: {names}")

    def weight(path: Path) -> tuple[bool, int]:
        try:
            with path.open("rb") as handle:
                data = handle.read()
        except OSError:
            return (True, 0)
        count = len(
            re.findall(rb"(?m)^[A-Z][a-z]{2} \d{1,2}, \d{4} {1,2}\d{1,2}:\d\d:\d\d [AP]M", data)
        )
        return (path.stem.lower() != "orphaned", count)

    return max(candidates, key=weight)
