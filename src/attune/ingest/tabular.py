"""Generic tables of messages: CSV files and JSON Lines, read through a column mapping.

Many tools (PhoneView, spreadsheet exports, scrapers, Attune's own ``import`` output) write one
message per row; only the column names differ. A mapping from ``--columns`` says which column holds
which field, and common names are recognised on their own, so most files need no mapping at all.

JSON Lines written by ``attune import`` are read back *exactly* (every field of interfaces.md §1),
so ``import → JSONL → import`` is the identity; this is what ``attune analyze`` reads.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Literal

from attune.conversation import Conversation, Message, MessageKind, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish, from_epoch, zone
from attune.ingest.dates import ENGLISH_MONTHS
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FIELDS = (
    "id",
    "timestamp",
    "sender",
    "text",
    "kind",
    "attachments",
    "reply_to",
    "edited",
    "deleted",
    "reactions",
)
"""The fields of the import contract (interfaces.md §1), in its order."""

EXTRA_FIELDS = ("date", "time", "direction")
"""Also accepted in ``--columns``: split date and time columns, and sent/received direction."""

UNMAPPED = frozenset({"-", "none"})
"""``--columns timestamp=-`` says "this file has no such column" and stops auto-mapping it."""

COLUMNS_HINT = "--columns 'text=COLUMN,sender=COLUMN,timestamp=COLUMN'"

# Common column names per field, most specific first, compared after _norm() (case, spaces,
# underscores and punctuation ignored).
_ALIASES: dict[str, tuple[str, ...]] = {
    field_name: tuple(names.split())
    for field_name, names in {
        "id": "id messageid msgid guid uuid rowid",
        "timestamp": "timestamp datetime createdat sentat senttime sentdate datesent messagedate "
        "timestampms dateunixtime unixtime postedat ts when",
        "text": "text message body content msg messagetext messagebody textcontent contents "
        "utterance line",
        "sender": "sender from author sendername fromname authorname speaker name user username "
        "displayname who participant person nickname nick contact",
        "reply_to": "replyto inreplyto replytoid replytomessageid replyid parentid quotedmessageid",
        "attachments": "attachments attachment attachmentname attachmentnames files file filename "
        "media mediafile",
        "edited": "edited isedited editedat editdate editedtimestamp dateedited",
        "deleted": "deleted isdeleted unsent isunsent removed",
        "reactions": "reactions reaction",
        "kind": "kind messagekind type messagetype msgtype",
        "direction": "direction isfromme fromme outgoing isoutgoing",
        "date": "date day sentday",
        "time": "time hour clock",
        "sender_fallback": "senderid fromid authorid userid number phone phonenumber address "
        "handle email",
    }.items()
}
_SENDER_FALLBACK = _ALIASES["sender_fallback"]
"""Used when the sender column is missing or empty: an id or number beats no author at all."""
_COUNTERPART_COLUMNS = frozenset({"name", "contact", "number", "phone", "phonenumber", "address"})
"""Sender columns that name the *other* person on every row (PhoneView): "sent" rows are mine."""

_SYSTEM_KINDS = frozenset({"system", "service", "notification", "notice", "event"})
_TRUE = frozenset({"true", "1", "yes", "y", "t", "x", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "off", "", "none", "null"})
_MINE = frozenset({"sent", "outgoing", "out", "me", "from me", "mine"} | _TRUE - {"x", "on"})
_CSV_DELIMITERS = (",", ";", "\t", "|")
_LIST_SPLIT = re.compile(r"\s*(?:\n|;|\|)\s*")
_REACTION_SPLIT = re.compile(r"\s*(?:\n|;|\||,)\s*")
_EPOCH = re.compile(r"[+-]?\d+(?:\.\d+)?")
_NUMERIC_DATE = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
    r"(?:\s*(?:,|T|\s)\s*(?P<time>.*))?",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?",
    re.IGNORECASE,
)
_MONTH_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>[a-z]+)\.?|(?P<m2>[a-z]+)\.?\s+(?P<d2>\d{1,2})"
    r"(?:st|nd|rd|th)?)\s*,?\s+(?P<y>\d{4})(?:\s*,?\s*(?:at\s+)?(?P<time>.*))?",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_HAS_CLOCK = re.compile(r"\d[:.]\d\d")
_ZONE_SUFFIX = re.compile(
    r"(?P<rest>.*?)\s*(?:(?P<utc>Z|UTC|GMT)|(?:UTC|GMT)?(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2}))",
    re.IGNORECASE,
)
"""A zone after the time ("… 21:14 UTC", "… 21:14:00 +0200", "Tue, 05 Oct 2023 21:14 GMT")."""

Row = dict[str, object]
Order = Literal["dmy", "mdy", "ymd"]


def _norm(name: str) -> str:
    """Column names compared without case, spacing or punctuation ("Sender Name" = sender_name)."""
    return re.sub(r"[^0-9a-z]", "", strip_marks(name).casefold())


def _one_line(text: str, limit: int = 60) -> str:
    """A value fit for a one-line error message."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _column_list(columns: Iterable[str]) -> str:
    names = [repr(_one_line(c, 30)) for c in columns]
    if len(names) > 20:
        names = [*names[:20], f"… ({len(names) - 20} more)"]
    return ", ".join(names) or "none"


# --------------------------------------------------------------------------- column mapping


@dataclass
class ColumnMap:
    """Which column (CSV header or JSON key, dotted for nested keys) holds each field."""

    columns: dict[str, str] = field(default_factory=dict)
    sender_fallback: str | None = None
    sender_is_counterpart: bool = False

    def get(self, name: str) -> str | None:
        return self.columns.get(name)


def map_columns(
    available: list[str], explicit: dict[str, str], path: str, *, nested: bool = False
) -> ColumnMap:
    """Combine the person's ``--columns`` with recognised names; text must end up mapped."""
    by_norm: dict[str, str] = {}
    exact = set(available)
    for column in available:
        by_norm.setdefault(_norm(column), column)
    mapping = ColumnMap()
    used: set[str] = set()
    disabled: set[str] = set()
    for field_name, column in explicit.items():
        key = field_name.strip().lower().replace("-", "_")
        if key not in FIELDS and key not in EXTRA_FIELDS:
            known = ", ".join((*FIELDS, *EXTRA_FIELDS))
            raise ExportError(path, f"--columns: unknown field {field_name!r} (fields: {known})")
        if column.strip().lower() in UNMAPPED:
            disabled.add(key)
            continue
        if column in exact:
            found: str | None = column
        elif nested and "." in column:
            found = column
        else:
            found = by_norm.get(_norm(column))
        if found is None:
            raise ExportError(
                path,
                f"--columns: no column {column!r} for {key}; columns found: "
                f"{_column_list(available)}",
            )
        mapping.columns[key] = found
        used.add(found)

    def auto(field_name: str, aliases: Iterable[str]) -> str | None:
        if field_name in mapping.columns or field_name in disabled:
            return mapping.columns.get(field_name)
        for alias in aliases:
            column = by_norm.get(alias)
            if column is not None and column not in used:
                mapping.columns[field_name] = column
                used.add(column)
                return column
        return None

    for field_name in ("id", "text", "sender", "reply_to", "attachments", "edited", "deleted"):
        auto(field_name, _ALIASES[field_name])
    auto("reactions", _ALIASES["reactions"])
    auto("direction", _ALIASES["direction"])
    has_split = any(k in mapping.columns for k in ("date", "time"))
    if not has_split:
        auto("timestamp", _ALIASES["timestamp"])
    if "timestamp" not in mapping.columns and "timestamp" not in disabled:
        date_col = auto("date", _ALIASES["date"])
        time_col = auto("time", _ALIASES["time"])
        if date_col is None and time_col is not None:
            mapping.columns["timestamp"] = mapping.columns.pop("time")
        elif date_col is not None and time_col is None:
            mapping.columns["timestamp"] = mapping.columns.pop("date")
    auto("kind", _ALIASES["kind"])
    if "sender" not in disabled:
        mapping.sender_fallback = next(
            (by_norm[a] for a in _SENDER_FALLBACK if by_norm.get(a) not in (None, *used)), None
        )
        if "sender" not in mapping.columns and mapping.sender_fallback is not None:
            mapping.columns["sender"] = mapping.sender_fallback
            mapping.sender_fallback = None
    sender_col = mapping.columns.get("sender")
    mapping.sender_is_counterpart = (
        "direction" in mapping.columns
        and sender_col is not None
        and _norm(sender_col) in _COUNTERPART_COLUMNS
    )
    if "text" not in mapping.columns:
        raise ExportError(
            path,
            f"no message text column found (columns: {_column_list(available)}); "
            f"say which columns to use with {COLUMNS_HINT}",
        )
    return mapping


def auto_columns(available: list[str]) -> ColumnMap | None:
    """The automatic mapping of ``available``, or None when no text column is recognised."""
    try:
        return map_columns(available, {}, "")
    except ExportError:
        return None


# --------------------------------------------------------------------------- timestamps


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000
    return year


def _clock(text: str | None) -> tuple[int, int, int, int]:
    """Hour, minute, second, microsecond of a clock time ("21:14", "9:14:05 PM", "")."""
    if not text or not text.strip():
        return 0, 0, 0, 0
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"unreadable time {text!r}")
    hour, minute = int(match["h"]), int(match["m"])
    second = int(match["s"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"unreadable time {text!r}")
        pm = match["ampm"].lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return hour, minute, second, micro


@dataclass
class Timestamps:
    """Reads one file's timestamps; the day/month order is decided once for the whole file."""

    order: Order = "dmy"
    tz: tzinfo | None = None

    @classmethod
    def for_values(cls, values: Iterable[object], options: ImportOptions, path: str) -> Timestamps:
        """Decide day/month order from every value: a first field over 12 means day first, a
        second field over 12 month first; undecided files with AM/PM times are taken as US."""
        tz = zone(options.tz, path)
        forced = (options.date_order or "").lower()
        if forced in ("dmy", "mdy", "ymd"):
            return cls(forced, tz)  # type: ignore[arg-type]
        if forced:
            raise ExportError(path, f"unknown date order {options.date_order!r} (dmy, mdy, ymd)")
        day_first = month_first = ampm = False
        for value in values:
            if not isinstance(value, str):
                continue
            match = _NUMERIC_DATE.fullmatch(value.strip())
            if match is None or len(match["a"]) > 2:
                continue
            a, b = int(match["a"]), int(match["b"])
            day_first |= a > 12
            month_first |= b > 12
            ampm |= bool(re.search(r"[ap]\.?\s?m\.?\s*$", value, re.IGNORECASE))
            if day_first or month_first:
                break
        if day_first:
            return cls("dmy", tz)
        if month_first or ampm:
            return cls("mdy", tz)
        return cls("dmy", tz)

    def parse(self, value: object) -> datetime | None:
        """A datetime, None for an empty value; ValueError when the value is not a time."""
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValueError("a boolean is not a time")
        if isinstance(value, int | float):
            return self._epoch(float(value))
        if not isinstance(value, str):
            raise ValueError("not a time")
        text = " ".join(strip_marks(value).replace("\u202f", " ").split())
        if not text:
            return None
        if _EPOCH.fullmatch(text) and abs(float(text)) >= 1e8:
            return self._epoch(float(text))
        try:
            return self._wall_clock(text)
        except (ValueError, OverflowError):
            zone = _ZONE_SUFFIX.fullmatch(text)
            if zone is None or not zone["rest"]:
                raise ValueError(f"unreadable time {value!r}") from None
        try:
            when = self._wall_clock(zone["rest"])
        except (ValueError, OverflowError):
            raise ValueError(f"unreadable time {value!r}") from None
        if when.tzinfo is not None:
            raise ValueError(f"unreadable time {value!r}")
        if zone["utc"]:
            return when.replace(tzinfo=UTC)
        offset = timedelta(hours=int(zone["hh"]), minutes=int(zone["mm"]))
        return when.replace(tzinfo=timezone(-offset if zone["sign"] == "-" else offset))

    def _wall_clock(self, text: str) -> datetime:
        """ISO 8601, numeric dates in the file's order, or English month names."""
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        match = _NUMERIC_DATE.fullmatch(text)
        if match is not None:
            return self._numeric(match)
        match = _MONTH_DATE.fullmatch(_WEEKDAY.sub("", text))
        if match is not None:
            month_name = (match["m1"] or match["m2"]).lower()
            if month_name in ENGLISH_MONTHS:
                day = int(match["d1"] or match["d2"])
                hour, minute, second, micro = _clock(match["time"])
                return datetime(
                    int(match["y"]), ENGLISH_MONTHS[month_name], day, hour, minute, second, micro
                )
        raise ValueError(f"unreadable time {text!r}")

    def _numeric(self, match: re.Match[str]) -> datetime:
        a, b, c = match["a"], match["b"], match["c"]
        if len(a) == 4 or self.order == "ymd":
            year, month, day = int(a), int(b), int(c)
            if len(a) <= 2:
                year += 2000
        elif self.order == "mdy":
            month, day, year = int(a), int(b), _year(c)
        else:
            day, month, year = int(a), int(b), _year(c)
        hour, minute, second, micro = _clock(match["time"])
        return datetime(year, month, day, hour, minute, second, micro)

    def _epoch(self, number: float) -> datetime:
        """Seconds, milliseconds, microseconds or nanoseconds since 1970, by magnitude."""
        magnitude = abs(number)
        if magnitude < 1e8:
            raise ValueError("number too small to be a time")
        for scale in (1.0, 1e3, 1e6, 1e9):
            if magnitude < 1e11 * scale:
                try:
                    return from_epoch(number / scale, self.tz)
                except (OverflowError, OSError) as exc:
                    raise ValueError(str(exc)) from None
        raise ValueError("number too large to be a time")


# --------------------------------------------------------------------------- values


def _text_of(value: object) -> str:
    """Message text from a cell or JSON value (rich-text lists of pieces are joined)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "".join(_text_of(piece) for piece in value)
    if isinstance(value, dict):
        return _text_of(value.get("text", ""))
    return ""


def _name_of(value: object) -> str | None:
    """A participant name; objects such as {"name": …} or {"username": …} give their name."""
    if isinstance(value, dict):
        for key in ("name", "display_name", "displayName", "username", "nickname", "id"):
            if value.get(key) not in (None, ""):
                return _name_of(value[key])
        return None
    if value is None or isinstance(value, bool | list):
        return None
    name = clean_name(str(value))
    return name or None


def _flag(value: object) -> bool:
    """Booleans as spreadsheets write them; any other non-empty value (an "edited at" time) is
    true."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        return text not in _FALSE
    return bool(value)


def _ident(value: object) -> str | None:
    if value is None or isinstance(value, bool | list | dict):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _attachments(value: object) -> tuple[str, ...]:
    """File names from a JSON list, a JSON text list, or names separated by ; | or new lines."""
    if value is None or isinstance(value, bool):
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return _attachments(json.loads(text))
            except (ValueError, RecursionError):
                pass
        return tuple(n for n in (strip_marks(p).strip() for p in _LIST_SPLIT.split(text)) if n)
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            names.extend(_attachments(item))
        return tuple(names)
    if isinstance(value, dict):
        for key in ("name", "file_name", "fileName", "filename", "file", "path", "uri", "url"):
            if isinstance(value.get(key), str) and value[key].strip():
                return (strip_marks(value[key]).strip(),)
        return ()
    return (str(value),)


def _reaction(item: object) -> Reaction | None:
    if isinstance(item, dict):
        emoji = next(
            (item[k] for k in ("emoji", "reaction", "emoticon", "name") if item.get(k)), None
        )
        if not isinstance(emoji, str) or not emoji.strip():
            return None
        sender = next(
            (item[k] for k in ("sender", "actor", "from", "user", "author", "by") if item.get(k)),
            None,
        )
        return Reaction(_name_of(sender), strip_marks(emoji).strip())
    if isinstance(item, str):
        text = strip_marks(item).strip()
        if not text:
            return None
        name, sep, emoji = text.rpartition(":")
        if sep and name.strip() and emoji.strip():
            return Reaction(clean_name(name) or None, emoji.strip())
        return Reaction(None, text)
    return None


def _reactions(value: object) -> tuple[Reaction, ...]:
    """Reactions from JSON ([{"sender", "emoji"}], {"❤": ["Sam"]}) or text ("Sam:❤; Alex:😂")."""
    if value is None or isinstance(value, bool | int | float):
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return _reactions(json.loads(text))
            except (ValueError, RecursionError):
                pass
        items: list[object] = list(_REACTION_SPLIT.split(text))
        return tuple(r for r in map(_reaction, items) if r is not None)
    if isinstance(value, dict):
        found: list[Reaction] = []
        for emoji, who in value.items():
            senders = who if isinstance(who, list) else [who]
            found.extend(Reaction(_name_of(s), strip_marks(str(emoji))) for s in senders)
        return tuple(found)
    if isinstance(value, list):
        return tuple(r for r in map(_reaction, value) if r is not None)
    return ()


# --------------------------------------------------------------------------- rows → messages


class _BadRow(Exception):
    """A row that cannot become a message; its reason goes into ``skipped``."""


@dataclass
class RowReader:
    """Turns rows (CSV cells or JSON objects) into messages through a :class:`ColumnMap`."""

    mapping: ColumnMap
    times: Timestamps
    me: str

    @staticmethod
    def cell(row: Row, column: str | None) -> object:
        if column is None:
            return None
        if column in row:
            return row[column]
        value: object = row
        for part in column.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    def raw_time(self, row: Row) -> object:
        """The timestamp value, joining separate date and time columns."""
        ts_col = self.mapping.get("timestamp")
        if ts_col is not None:
            return self.cell(row, ts_col)
        date = self.cell(row, self.mapping.get("date"))
        clock = self.cell(row, self.mapping.get("time"))
        if not isinstance(date, str) or not date.strip():
            return clock if isinstance(clock, str) else None
        if not isinstance(clock, str) or not clock.strip() or _HAS_CLOCK.search(date):
            return date
        return f"{date.strip()} {clock.strip()}"

    def message(self, row: Row) -> Message:
        get = self.mapping.get
        try:
            timestamp = self.times.parse(self.raw_time(row))
        except (ValueError, OverflowError) as exc:
            raise _BadRow(f"unreadable timestamp ({_one_line(str(exc))})") from None
        kind: MessageKind = "message"
        raw_kind = self.cell(row, get("kind"))
        if isinstance(raw_kind, str) and raw_kind.strip().lower() in _SYSTEM_KINDS:
            kind = "system"
        sender = _name_of(self.cell(row, get("sender")))
        if sender is None and self.mapping.sender_fallback is not None:
            sender = _name_of(self.cell(row, self.mapping.sender_fallback))
        direction = self.cell(row, get("direction"))
        mine = direction is not None and str(direction).strip().lower() in _MINE
        if mine and (self.mapping.sender_is_counterpart or sender is None):
            sender = self.me
        if kind == "message" and sender is None and get("sender") is not None:
            kind = "system"
        if kind == "system":
            sender = None
        text = strip_marks(_text_of(self.cell(row, get("text")))).strip()
        attachments = _attachments(self.cell(row, get("attachments")))
        deleted = _flag(self.cell(row, get("deleted")))
        if deleted:
            text = ""
        elif not text and not attachments:
            raise _BadRow("no text or attachments")
        return Message(
            id=_ident(self.cell(row, get("id"))) or "",
            timestamp=timestamp,
            sender=sender,
            text=text,
            kind=kind,
            attachments=attachments,
            reply_to=_ident(self.cell(row, get("reply_to"))),
            edited=_flag(self.cell(row, get("edited"))),
            deleted=deleted,
            reactions=_reactions(self.cell(row, get("reactions"))),
        )


def _read_rows(
    rows: list[tuple[int, Row, str]],
    mapping: ColumnMap,
    source: Source,
    options: ImportOptions,
    fmt: str,
    skipped: list[Skipped],
) -> Conversation:
    """Messages from numbered rows; if no timestamp at all can be read, say so rather than guess."""
    reader = RowReader(mapping, Timestamps(), options.me or "Me")
    reader.times = Timestamps.for_values(
        (reader.raw_time(row) for _, row, _ in rows), options, source.name
    )
    messages: list[Message] = []
    bad_times: list[tuple[int, object]] = []
    for line, row, excerpt in rows:
        try:
            messages.append(reader.message(row))
        except _BadRow as exc:
            reason = str(exc)
            if reason.startswith("unreadable timestamp"):
                bad_times.append((line, reader.raw_time(row)))
            skipped.append(Skipped(line, reason, _one_line(excerpt, 80)))
    if bad_times and not any(m.timestamp is not None for m in messages):
        line, example = bad_times[0]
        column = mapping.get("timestamp") or mapping.get("date") or "timestamp"
        raise ExportError(
            source.path,
            f"cannot read the times in column {column!r} (e.g. {_one_line(str(example))!r}); "
            f"pass --date-order, or choose another column with {COLUMNS_HINT} "
            "(timestamp=- for none)",
            line,
        )
    return finish(messages, source=source.name, format=fmt, skipped=skipped)


# --------------------------------------------------------------------------- CSV


def _csv_delimiter(header: str) -> str:
    """The delimiter that splits the header into the most fields (``,`` on a tie)."""
    best, best_count = ",", 1
    for delimiter in _CSV_DELIMITERS:
        try:
            count = len(next(csv.reader([header], delimiter=delimiter, skipinitialspace=True)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _csv_header_line(text: str) -> tuple[str, str | None, int]:
    """The header line, an Excel ``sep=;`` hint if present, and how many lines come before it."""
    lines = text.split("\n", 50)
    skip = 0
    hint: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped:
            skip += 1
            continue
        match = re.fullmatch(r'"?sep=(.)"?', stripped, re.IGNORECASE)
        if match is not None and hint is None:
            hint = match[1]
            skip += 1
            continue
        return line, hint, skip
    return "", hint, skip


def _iter_csv(text: str, delimiter: str, path: str, skip: int) -> Iterator[tuple[int, list[str]]]:
    """Records with the line they start on; a broken quote names its line."""
    handle = io.StringIO(text)
    for _ in range(skip):
        handle.readline()
    reader = csv.reader(handle, delimiter=delimiter, skipinitialspace=True, strict=True)
    previous = skip
    while True:
        start = previous + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ExportError(path, f"malformed CSV ({exc})", start) from None
        previous = skip + reader.line_num
        if record and any(cell.strip() for cell in record):
            yield start, record


def sniff_csv(source: Source) -> float:
    """A header row whose column names map to text (and sender, and a time)."""
    try:
        if source.path.is_dir():
            return 0.0
        head = source.head_text().lstrip("\ufeff")
        if head.lstrip()[:1] in ("{", "[", "<"):
            return 0.0
        header, hint, _ = _csv_header_line(head)
        delimiter = hint or _csv_delimiter(header)
        columns = next(csv.reader([header], delimiter=delimiter, skipinitialspace=True))
        if len(columns) < 2 and source.path.suffix.lower() not in (".csv", ".tsv"):
            return 0.0
        mapping = auto_columns([c.strip() for c in columns])
    except Exception:  # sniffing must never fail: any surprise means "not mine"
        return 0.0
    is_csv_name = source.path.suffix.lower() in (".csv", ".tsv")
    if mapping is None:
        # a spreadsheet whose columns need --columns: ours, so the error can say how to map them
        return 0.1 if is_csv_name and len(columns) >= 2 else 0.0
    score = 0.3
    if mapping.get("sender") is not None:
        score = 0.5
        if mapping.get("timestamp") is not None or mapping.get("date") is not None:
            score = 0.6
    return score + 0.05 if is_csv_name else score


@export_format("csv", description="Generic CSV with a column mapping", sniff=sniff_csv)
def parse_csv(source: Source, options: ImportOptions) -> Conversation:
    """A header row, then one message per record (cells may span lines inside quotes)."""
    text = source.text.lstrip("\ufeff")
    header_line, hint, skip = _csv_header_line(text)
    if not header_line.strip():
        raise ExportError(source.path, "no CSV header row")
    delimiter = hint or _csv_delimiter(header_line)
    records = _iter_csv(text, delimiter, source.name, skip)
    header_start, header = next(records, (skip + 1, []))
    header = [strip_marks(c).strip() for c in header]
    mapping = map_columns(header, options.columns, source.name)
    rows: list[tuple[int, Row, str]] = []
    skipped: list[Skipped] = []
    width = len(header)
    for line, record in records:
        if len(record) > width and any(c.strip() for c in record[width:]):
            skipped.append(
                Skipped(
                    line,
                    f"row has {len(record)} fields but the header has {width}",
                    _one_line(" ".join(record), 80),
                )
            )
            continue
        row: Row = dict(zip(header, record, strict=False))
        rows.append((line, row, " ".join(record)))
    if not rows and not skipped:
        raise ExportError(source.path, "CSV has a header but no rows", header_start)
    return _read_rows(rows, mapping, source, options, "csv", skipped)


# --------------------------------------------------------------------------- JSON Lines

_OWN_KEYS = frozenset({"id", "timestamp", "sender", "text", "kind"})
"""A record with these keys was written by ``attune import`` and is read back exactly."""


def _own_message(record: dict[str, object]) -> Message:
    """A record of interfaces.md §1, kept exactly as written (no clean-up, so re-import is the
    identity)."""
    raw_ts = record.get("timestamp")
    if raw_ts is None or raw_ts == "":
        timestamp = None
    elif isinstance(raw_ts, str):
        try:
            timestamp = datetime.fromisoformat(raw_ts)
        except ValueError:
            raise _BadRow(f"unreadable timestamp ({_one_line(raw_ts)!r})") from None
    else:
        raise _BadRow("timestamp is not text")
    sender = record.get("sender")
    text = record.get("text", "")
    if sender is not None and not isinstance(sender, str):
        raise _BadRow("sender is not text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise _BadRow("text is not text")
    raw_attachments = record.get("attachments") or []
    if not isinstance(raw_attachments, list) or not all(
        isinstance(a, str) for a in raw_attachments
    ):
        raise _BadRow("attachments is not a list of file names")
    raw_reactions = record.get("reactions") or []
    reactions: list[Reaction] = []
    if not isinstance(raw_reactions, list):
        raise _BadRow("reactions is not a list")
    for item in raw_reactions:
        if not isinstance(item, dict) or not isinstance(item.get("emoji"), str):
            raise _BadRow("reaction without an emoji")
        who = item.get("sender")
        if who is not None and not isinstance(who, str):
            raise _BadRow("reaction sender is not text")
        reactions.append(Reaction(who, str(item["emoji"])))
    kind: MessageKind = "system" if record.get("kind") == "system" else "message"
    return Message(
        id=_ident(record.get("id")) or "",
        timestamp=timestamp,
        sender=sender,
        text=text,
        kind=kind,
        attachments=tuple(raw_attachments),
        reply_to=_ident(record.get("reply_to")),
        edited=_flag(record.get("edited")),
        deleted=_flag(record.get("deleted")),
        reactions=tuple(reactions),
    )


def _json_records(source: Source) -> Iterator[tuple[int, dict[str, object]]]:
    """One object per non-blank line; anything else is an error naming its line."""
    for number, line in enumerate(source.text.split("\n"), 1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped:
            continue
        try:
            record = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ExportError(
                source.path, f"invalid JSON Lines record: {exc.msg}", number
            ) from None
        except RecursionError:
            raise ExportError(source.path, "JSON nested too deeply", number) from None
        if not isinstance(record, dict):
            raise ExportError(
                source.path,
                f"expected one JSON object per line, got {type(record).__name__}",
                number,
            )
        yield number, record


def _flat_keys(records: Iterable[dict[str, object]]) -> list[str]:
    keys: dict[str, None] = {}
    for record in records:
        for key in record:
            keys.setdefault(str(key), None)
    return list(keys)


def sniff_jsonl(source: Source) -> float:
    """Complete first lines that are JSON objects with a text-like key (or Attune's own records)."""
    try:
        if source.path.is_dir():
            return 0.0
        head = source.head_text().lstrip("\ufeff")
        suffix_bonus = 0.1 if source.path.suffix.lower() in (".jsonl", ".ndjson") else 0.0
        lines = [line.strip() for line in head.split("\n")[:-1] if line.strip()]
        if not lines:
            return 0.4 + suffix_bonus if suffix_bonus and head.lstrip().startswith("{") else 0.0
        records = []
        for line in lines[:20]:
            record = json.loads(line)
            if not isinstance(record, dict):
                return 0.0
            records.append(record)
        first = records[0]
        if first.keys() >= _OWN_KEYS:
            return 0.9
        mapping = auto_columns(_flat_keys(records))
        if mapping is None:
            return 0.0
        text_key = mapping.get("text")
        if text_key is None or not isinstance(first.get(text_key), str | list | type(None)):
            return 0.0
        return 0.5 + suffix_bonus
    except Exception:  # sniffing must never fail: any surprise means "not mine"
        return 0.0


@export_format(
    "jsonl",
    description="JSON Lines: Attune's own import output, or any records with a column mapping",
    sniff=sniff_jsonl,
)
def parse_jsonl(source: Source, options: ImportOptions) -> Conversation:
    """One JSON object per line: Attune's own records exactly, other records through a mapping."""
    records = list(_json_records(source))
    if not records:
        raise ExportError(source.path, "no JSON Lines records")
    skipped: list[Skipped] = []
    if not options.columns and records[0][1].keys() >= _OWN_KEYS:
        messages: list[Message] = []
        for line, record in records:
            try:
                messages.append(_own_message(record))
            except _BadRow as exc:
                skipped.append(Skipped(line, str(exc), _one_line(_text_of(record.get("text")), 80)))
        return finish(messages, source=source.name, format="jsonl", skipped=skipped)
    keys = _flat_keys(record for _, record in records[:200])
    mapping = map_columns(keys, options.columns, source.name, nested=True)
    text_column = mapping.get("text")
    rows = [
        (line, record, _text_of(RowReader.cell(record, text_column))) for line, record in records
    ]
    return _read_rows(rows, mapping, source, options, "jsonl", skipped)
