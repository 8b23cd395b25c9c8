"""Discord chats as Tyrrrz/DiscordChatExporter writes them: JSON, or CSV.

JSON (``-f Json``): ``{"guild": …, "channel": …, "messages": [{"id", "type", "timestamp",
"timestampEdited", "content", "author": {"name", "nickname", …}, "attachments": [{"fileName",
"url"}], "embeds", "stickers", "reactions": [{"emoji": {"name", "id"}, "count", "users"}],
"reference": {"messageId"}}]}``. Timestamps carry their offset and keep it. A person is named by
``nickname`` (their display name, what the other person sees in the chat) before ``name`` (the
account's user name). Message types other than Default/Reply (calls, pins, joins, …) are
notices.

CSV (``-f Csv``): ``AuthorID,Author,Date,Content,Attachments,Reactions``, every field quoted.
``Date`` follows the exporter's date-format setting or locale ("17-Sep-19 11:34 PM" by default;
"9/17/2019 11:34 PM", "17.09.2019 23:34", "2019-09-17 23:34:05", unix seconds, …); the day and
month order of numeric dates is read from the whole file, as for WhatsApp. CSV has no message
ids, types or reaction authors, so notices are recognised by the exporter's own wording.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import unquote

from attune.conversation import Conversation, Message, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish, from_epoch, zone
from attune.ingest.dates import ENGLISH_MONTHS
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FORMAT = "discord"
CSV_COLUMNS = ("authorid", "author", "date", "content", "attachments", "reactions")
AUTHORED_TYPES = frozenset({"default", "reply", "chatinputcommand", "contextmenucommand"})
"""Message types a person (or an app acting for them) wrote; every other type is a notice."""
_AUTHORED_NUMBERS = frozenset({"0", "19", "20", "23"})
STICKER_OMITTED = "<omitted:sticker>"

# What the exporter writes as the content of notices (its GetFallbackContent).
_NOTICE = re.compile(
    r"^(?:Added .+ to the group\.|Added a recipient\.|Removed .+ from the group\.|"
    r"Removed a recipient\.|Left the group\.|Started a call that lasted [\d,.]+ minutes\.|"
    r"Changed the channel name(?:: .*|\.)|Changed the channel icon\.|Pinned a message\.|"
    r"Started a thread\.|Joined the server\.)$",
    re.DOTALL,
)
_DISCRIMINATOR = re.compile(r"#\d{1,4}$")


def sniff(source: Source) -> float:
    """DiscordChatExporter JSON opens with its ``guild`` object; its CSV with a fixed header."""
    try:
        if source.path.is_dir():
            return 0.0
        head = source.head_text().lstrip("\ufeff \t\r\n")
        if head.startswith("{"):
            if re.match(r'\{\s*"guild"\s*:\s*\{', head) and '"channel"' in head:
                return 0.95
            if '"messages"' in head and '"author"' in head and '"timestampEdited"' in head:
                return 0.85
            return 0.0
        return 0.95 if _is_csv_header(head.split("\n", 1)[0]) else 0.0
    except Exception:
        return 0.0


def _is_csv_header(line: str) -> bool:
    try:
        fields = next(csv.reader([line.strip()]))
    except (csv.Error, StopIteration):
        return False
    names = tuple(f.strip().lower() for f in fields)
    return names[:3] == CSV_COLUMNS[:3] and {"content"} <= set(names)


@export_format(FORMAT, description="DiscordChatExporter JSON or CSV", sniff=sniff)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read a DiscordChatExporter export (JSON or CSV, told apart by their first character)."""
    text = source.text.lstrip("\ufeff")
    start = text.lstrip()[:1]
    if start in ("{", "["):
        return _parse_json(source)
    if _is_csv_header(text.lstrip().split("\n", 1)[0]):
        return _parse_csv(source, text, options)
    raise ExportError(
        source.path,
        "not a DiscordChatExporter export (expected its JSON, or CSV with the header "
        "AuthorID,Author,Date,Content,Attachments,Reactions)",
        1,
    )


# --- JSON ------------------------------------------------------------------------------------


def _parse_json(source: Source) -> Conversation:
    data = source.json()
    entries = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(entries, list):
        raise ExportError(source.path, "not a DiscordChatExporter JSON export (no messages list)")
    if not ("guild" in data or "channel" in data) and not any(
        isinstance(e, dict) and "author" in e and "timestamp" in e for e in entries
    ):
        raise ExportError(
            source.path, "not a DiscordChatExporter JSON export (messages have no author)"
        )
    messages: list[Message] = []
    skipped: list[Skipped] = []
    for index, entry in enumerate(entries, 1):
        result = _json_message(entry)
        if isinstance(result, str):
            skipped.append(Skipped(None, result, f"message #{index}: {_excerpt(entry)}"))
        else:
            messages.append(result)
    return finish(messages, source=source.name, format=FORMAT, skipped=skipped, title=_title(data))


def _json_message(entry: object) -> Message | str:
    """One exported message, or the reason it cannot be one."""
    if not isinstance(entry, dict):
        return "not a message object"
    stamp = entry.get("timestamp")
    timestamp = _iso(stamp) if isinstance(stamp, str) else None
    if timestamp is None:
        return "message without a readable timestamp"
    kind = str(entry.get("type") or "Default")
    author = _person(entry.get("author"))
    content = _str(entry.get("content"))
    attachments = _attachments(entry)
    forwarded = entry.get("forwardedMessage")
    if isinstance(forwarded, dict) and not content.strip():
        content = _str(forwarded.get("content"))
        attachments += _attachments(forwarded)
    if not content.strip() and not attachments:
        content = _embed_text(entry.get("embeds"))
    content = strip_marks(content)
    if kind.lower() not in AUTHORED_TYPES and kind not in _AUTHORED_NUMBERS:
        return Message(
            id=_str(entry.get("id")),
            timestamp=timestamp,
            sender=None,
            text=f"{author}: {content}" if author else content,
            kind="system",
        )
    if not content.strip() and not attachments:
        return "empty message"
    reference = entry.get("reference")
    reply_to = None
    if isinstance(reference, dict) and str(reference.get("type") or "") != "Forward":
        reply_to = _str(reference.get("messageId")) or None
    return Message(
        id=_str(entry.get("id")),
        timestamp=timestamp,
        sender=author,
        text=content,
        attachments=tuple(attachments),
        reply_to=reply_to,
        edited=bool(entry.get("timestampEdited")),
        reactions=tuple(_reactions(entry.get("reactions"))),
    )


def _person(value: object) -> str | None:
    """Display name (``nickname``) before account name; ``name#1234`` loses its discriminator."""
    if not isinstance(value, dict):
        return None
    for key in ("nickname", "name"):
        name = value.get(key)
        if isinstance(name, str) and clean_name(name):
            return clean_name(name)
    return None


def _attachments(entry: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for item in _list(entry.get("attachments")):
        if isinstance(item, dict):
            name = _str(item.get("fileName")) or _file_name(_str(item.get("url")))
            if name:
                names.append(name)
    for item in _list(entry.get("stickers")):
        if isinstance(item, dict):
            names.append(_file_name(_str(item.get("sourceUrl"))) or STICKER_OMITTED)
    return names


def _embed_text(embeds: object) -> str:
    """Text of embed-only posts (bots, shared cards): their titles and descriptions."""
    parts: list[str] = []
    for embed in _list(embeds):
        if isinstance(embed, dict):
            parts.extend(
                s for s in (_str(embed.get("title")), _str(embed.get("description"))) if s.strip()
            )
    return "\n".join(parts)


def _reactions(value: object) -> Iterable[Reaction]:
    """One Reaction per user who reacted; exports without ``users`` give anonymous ones."""
    for item in _list(value):
        if not isinstance(item, dict):
            continue
        emoji = _emoji(item.get("emoji"))
        if not emoji:
            continue
        users = [name for name in map(_person, _list(item.get("users"))) if name]
        count = item.get("count")
        total = count if isinstance(count, int) and 0 < count <= 10_000 else len(users) or 1
        for user in users:
            yield Reaction(user, emoji)
        for _ in range(total - len(users)):
            yield Reaction(None, emoji)


def _emoji(value: object) -> str:
    """A Unicode emoji as itself; a server's custom emoji as ``:name:``."""
    if not isinstance(value, dict):
        return ""
    name = strip_marks(_str(value.get("name"))).strip()
    custom = _str(value.get("id")).strip()
    if name and custom and custom != "0":
        return f":{name.strip(':')}:"
    return name


def _title(data: dict[str, Any]) -> str | None:
    channel = data.get("channel")
    guild = data.get("guild")
    name = _str(channel.get("name")) if isinstance(channel, dict) else ""
    server = _str(guild.get("name")) if isinstance(guild, dict) else ""
    if server and server != "Direct Messages" and name:
        return f"{server} / {name}"
    return name or None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


# --- CSV -------------------------------------------------------------------------------------


def _parse_csv(source: Source, text: str, options: ImportOptions) -> Conversation:
    reader = csv.reader(io.StringIO(text), strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        header = [h.strip().lower() for h in next(reader)]
        line = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ExportError(source.path, f"malformed CSV ({exc}); truncated export?", line) from None
    column = {name: i for i, name in enumerate(header)}
    tz = zone(options.tz, source.name)
    raw_dates = [_cell(row, column, "date") for _, row in rows]
    order = _date_order(raw_dates, options.date_order)
    messages: list[Message] = []
    skipped: list[Skipped] = []
    for position, (line, row) in enumerate(rows):
        if len(row) != len(header):
            if position == len(rows) - 1:
                raise ExportError(
                    source.path,
                    f"last row has {len(row)} of {len(header)} fields; truncated?",
                    line,
                )
            skipped.append(Skipped(line, "wrong number of fields", ",".join(row)[:80]))
            continue
        timestamp = parse_date(raw_dates[position], order, tz)
        if timestamp is None:
            skipped.append(Skipped(line, "unrecognised date", raw_dates[position][:80]))
            continue
        author = clean_name(_DISCRIMINATOR.sub("", _cell(row, column, "author"))) or None
        content = strip_marks(_cell(row, column, "content"))
        attachments = tuple(
            name for name in map(_file_name, _cell(row, column, "attachments").split(",")) if name
        )
        if _NOTICE.match(content.strip()) and not attachments:
            text_ = content.strip()
            messages.append(
                Message(
                    id="",
                    timestamp=timestamp,
                    sender=None,
                    text=f"{author}: {text_}" if author else text_,
                    kind="system",
                )
            )
            continue
        if not content.strip() and not attachments:
            skipped.append(Skipped(line, "empty message", author or ""))
            continue
        messages.append(
            Message(
                id="",
                timestamp=timestamp,
                sender=author,
                text=content,
                attachments=attachments,
                reactions=tuple(_csv_reactions(_cell(row, column, "reactions"))),
            )
        )
    return finish(messages, source=source.name, format=FORMAT, skipped=skipped)


def _cell(row: list[str], column: dict[str, int], name: str) -> str:
    index = column.get(name)
    return row[index] if index is not None and index < len(row) else ""


def _csv_reactions(cell: str) -> Iterable[Reaction]:
    """``❤️ (2),👍 (1)``: who reacted is not in the CSV, only how many."""
    for match in re.finditer(r"(?:^|,)([^,]+?) \((\d{1,5})\)(?=,|$)", cell.strip()):
        emoji = strip_marks(match[1]).strip()
        for _ in range(int(match[2])):
            yield Reaction(None, emoji)


# --- Dates in the exporter's many formats ----------------------------------------------------

_TIME = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,7}))?)?"
    r"(?:\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?|오전|오후|午前|午後|上午|下午))?"
)
_AMPM_BEFORE = re.compile(r"(오전|오후|午前|午後|上午|下午)\s*$")
_ZONE = re.compile(
    r"\s*(?:\((?:UTC|GMT)?(?P<p>[+-]\d{2}):?(?P<pm>\d{2})\)|(?P<z>Z|UTC|GMT)"
    r"|(?P<o>[+-]\d{2}):?(?P<om>\d{2}))\s*$"
)
_PM = ("p", "오후", "午後", "下午")


def _date_order(dates: list[str], forced: str | None) -> str:
    """Day/month order of numeric dates: forced, else what the file proves, else by its clock."""
    if forced in ("dmy", "mdy", "ymd"):
        return forced
    twelve_hour = False
    for text in dates:
        parts = _numeric_date(text)
        if parts is None:
            continue
        first, second, _ = parts
        if len(first) == 4:
            return "ymd"
        if int(first) > 12:
            return "dmy"
        if int(second) > 12:
            return "mdy"
        twelve_hour = twelve_hour or bool(re.search(r"[AaPp]\.?\s?[Mm]\b", text))
    return "mdy" if twelve_hour else "dmy"


def _numeric_date(text: str) -> tuple[str, str, str] | None:
    found = re.match(r"\s*(\d{1,4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,4})\b", text)
    return (found[1], found[2], found[3]) if found else None


def parse_date(text: str, order: str, tz: tzinfo | None) -> datetime | None:
    """A CSV ``Date`` cell as written (naive), with its offset where it states one."""
    text = strip_marks(text).replace("\u202f", " ").replace("\u00a0", " ").strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (10, 13):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        try:
            return from_epoch(seconds, tz)
        except (OverflowError, OSError, ValueError):
            return None
    iso = _iso(text)
    if iso is not None:
        return iso
    offset: tzinfo | None = None
    found_zone = _ZONE.search(text)
    if found_zone is not None:
        sign_hours = found_zone["p"] or found_zone["o"]
        minutes = found_zone["pm"] or found_zone["om"]
        if sign_hours and minutes:
            delta = timedelta(hours=abs(int(sign_hours)), minutes=int(minutes))
            offset = timezone(-delta if sign_hours.startswith("-") else delta)
        else:
            offset = UTC
        text = text[: found_zone.start()]
    clocks = list(_TIME.finditer(text))
    if not clocks:
        return None
    clock = clocks[-1]  # the last time-like group is the clock (a date never holds a colon)
    date_part = text[: clock.start()]
    ampm = clock["ampm"] or ""
    before = _AMPM_BEFORE.search(date_part)
    if before is not None:
        ampm = before[1]
        date_part = date_part[: before.start()]
    ymd = _date_fields(date_part.strip(" ,T"), order)
    if ymd is None:
        return None
    hour, minute = int(clock["h"]), int(clock["m"])
    second = int(clock["s"] or 0)
    micro = int((clock["f"] or "0").ljust(6, "0")[:6])
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith(_PM) else 0)
    try:
        return datetime(*ymd, hour, minute, second, micro, tzinfo=offset)
    except (ValueError, OverflowError):  # a number too large for a date field
        return None


def _date_fields(text: str, order: str) -> tuple[int, int, int] | None:
    words = re.findall(r"[A-Za-z]+", text)
    numbers = re.findall(r"\d+", text)
    month_names = [ENGLISH_MONTHS[w.lower()] for w in words if w.lower() in ENGLISH_MONTHS]
    if month_names and len(numbers) == 2:  # 17-Sep-19, Sep 17, 2019, 17 September 2019
        day, year = numbers if len(numbers[1]) > 2 or int(numbers[0]) <= 31 else numbers[::-1]
        return _year(year), month_names[-1], int(day)
    if len(numbers) != 3 or words:
        return None
    a, b, c = numbers
    if len(a) == 4 or order == "ymd":
        return _year(a), int(b), int(c)
    if order == "mdy":
        return _year(c), int(a), int(b)
    return _year(c), int(b), int(a)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) <= 2 else int(text)


# --- Shared ----------------------------------------------------------------------------------


def _file_name(url: str) -> str:
    """The file name at the end of a URL or relative path, without query string."""
    path = url.strip().split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = path.split("://", 1)[1].partition("/")[2]  # drop scheme and host
    return unquote(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])


def _str(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _excerpt(value: object) -> str:
    return repr(value)[:80]
