"""Signal chats as carderne/signal-export writes them: ``chat.md`` and ``data.json`` per chat.

signal-export (and chat-miner's sample) write one folder per chat holding a Markdown transcript
(``chat.md``, ``index.md`` in old versions) and, by default, ``data.json``: one JSON object per
line with ``date``, ``sender``, ``body``, ``quote``, ``sticker``, ``reactions``, ``attachments``
(and, in newer versions, ``deleted``, ``call``, ``edits``). The JSON is preferred when both exist,
since the Markdown has to be taken apart again (reactions, stickers and attachment links are
appended to the body).

Markdown message, as signal-export renders it::

    [2022-03-14 12:34:56] Alice: <quote>body  \\n(- Bob: ❤️ -)\\n(( 😀 ))![a.jpg](./media/a.jpg)

where ``<quote>`` is ``\\n\\n> quoted text\\n\\n``. Older exports and chat-miner's sample write
``[2019-12-24, 12:23]`` (a comma, no seconds). Dates are the exporting machine's wall clock,
written without a zone, so they stay naive.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from attune.conversation import Conversation, Message, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FORMAT = "signal"

CHAT_FILES = ("data.json", "chat.md", "index.md")
"""File names signal-export writes per chat, most structured first."""

HEADER = re.compile(
    r"^\[(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{1,2}:\d{2}(?::\d{2})?)\] "
    r"(?P<sender>[^\n]*?): ?(?P<rest>.*)$"
)
_REACTIONS_LINE = re.compile(r"^\(- (?P<inner>.*) -\)$")
_STICKER_LINE = re.compile(r"^\(\( (?P<label>.*) \)\)$")
_SPACE = re.compile(r"\s")
_CALL = re.compile(r"^(?:Incoming|Outgoing|Missed) (?:(?:voice|video) )?call(?: \(.*\))?$")
DELETED_BODY = "(This message was deleted)"
OWNER_LABELS = ("Me", "Note to Self")
"""How signal-export names the exporting person (reactions use the "Note to Self" contact)."""
STICKER_OMITTED = "<omitted:sticker>"
NO_SENDER = "No-Sender"
"""signal-export's name for a message whose author it could not resolve."""


def sniff(source: Source) -> float:
    """Signal: a chat folder, a data.json of message lines, or a Markdown transcript."""
    try:
        path = source.path
        if path.is_dir():
            if _is_chat_folder(path):
                return 0.9
            folders = [d for _, d in zip(range(200), path.iterdir(), strict=False) if d.is_dir()]
            if any(_is_chat_folder(d) for d in folders):
                return 0.7  # signal-export's output folder: one sub-folder per chat
            return 0.0
        head = source.head_text().lstrip("\ufeff")
        first = next((line for line in head.split("\n") if line.strip()), "")
        if first.lstrip().startswith("{"):
            return 0.95 if _is_message_line(first) else 0.0
        match = HEADER.match(strip_marks(first).rstrip("\r"))
        if match is None:
            return 0.0
        if path.suffix.lower() == ".md":
            return 0.99 if path.name.lower() in ("chat.md", "index.md") else 0.97
        if re.search(r"  \n\n\[\d{4}-\d{2}-\d{2}", head):
            return 0.97  # signal-export's "body  " + blank line before the next message
        if re.match(r"^\[\d{4}-\d{2}-\d{2}, ", first):
            return 0.8  # signal-export's older "[YYYY-MM-DD, HH:MM]"; WhatsApp never writes it
        return 0.5
    except Exception:
        return 0.0


def _is_chat_folder(path: Path) -> bool:
    """A chat.md/index.md, or a data.json whose first line is a signal-export message."""
    if (path / "chat.md").is_file() or (path / "index.md").is_file():
        return True
    data = path / "data.json"
    if not data.is_file():
        return False
    head = Source(data).head_text()
    return _is_message_line(next((line for line in head.split("\n") if line.strip()), ""))


def _is_message_line(line: str) -> bool:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(record, dict) and {"date", "sender", "body"} <= record.keys()


@export_format(FORMAT, description="Signal (signal-export markdown or JSON)", sniff=sniff)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read a signal-export chat (its folder, ``data.json`` or ``chat.md``)."""
    chat = _chat_file(source.path, options)
    title = chat.parent.name if chat.name in CHAT_FILES else None
    if chat != source.path:
        source = Source(chat, encoding=source.encoding)
    text = source.text
    me = clean_name(options.me) if options.me else None
    first = next((line for line in text.split("\n") if line.strip()), "")
    start = first.lstrip()[:1]
    if start == "{" or (start == "[" and HEADER.match(strip_marks(first)) is None):
        raw, skipped = _read_json_lines(text, source.name)
    else:
        raw, skipped = _read_markdown(text, source.name)
    messages: list[Message] = []
    for record in raw:
        message = _to_message(record, me)
        if message.kind == "message" and not (
            message.text or message.attachments or message.deleted
        ):
            skipped.append(Skipped(record.line, "empty message", record.sender or ""))
            continue
        messages.append(message)
    return finish(
        _link_quotes(messages), source=source.name, format=FORMAT, skipped=skipped, title=title
    )


def _chat_file(path: Path, options: ImportOptions) -> Path:
    """The transcript to read: the file itself, or the chat file in a (per-chat) folder."""
    if not path.is_dir():
        return path
    for name in CHAT_FILES:
        if (path / name).is_file():
            return path / name
    try:
        chats = sorted(
            d for d in path.iterdir() if d.is_dir() and any((d / n).is_file() for n in CHAT_FILES)
        )
    except OSError as exc:
        raise ExportError(path, exc.strerror or str(exc)) from None
    if options.chat:
        wanted = options.chat.casefold()
        chats = [d for d in chats if d.name.casefold() == wanted]
        if not chats:
            raise ExportError(path, f"no Signal chat folder named {options.chat!r}")
    if len(chats) == 1:
        return _chat_file(chats[0], options)
    if not chats:
        raise ExportError(path, "no Signal chat here (expected chat.md or data.json)")
    names = ", ".join(d.name for d in chats[:10]) + (" …" if len(chats) > 10 else "")
    raise ExportError(path, f"{len(chats)} Signal chats here; pick one with --chat ({names})")


@dataclass
class _Raw:
    """One message as the export wrote it, before names and quotes are resolved."""

    line: int
    timestamp: datetime
    sender: str | None
    body: str
    quote: str = ""
    attachments: tuple[str, ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()
    deleted: bool = False
    call: bool = False
    edited: bool = False


# --- Markdown -------------------------------------------------------------------------------


def _read_markdown(text: str, path: str) -> tuple[list[_Raw], list[Skipped]]:
    raw: list[_Raw] = []
    skipped: list[Skipped] = []
    current: tuple[int, re.Match[str], list[str]] | None = None
    for number, line in enumerate(strip_marks(text).split("\n"), 1):
        match = HEADER.match(line) if line.startswith("[") else None
        if match is not None:
            if current is not None:
                _finish_block(*current, raw, skipped)
            current = (number, match, [])
        elif current is not None:
            current[2].append(line)
        elif line.strip():
            skipped.append(Skipped(number, "text before the first message", line[:80]))
    if current is not None:
        _finish_block(*current, raw, skipped)
    if not raw:
        raise ExportError(
            path,
            "no Signal messages found (expected lines like '[2022-03-14 12:34] Name: text')",
            1,
        )
    return raw, skipped


def _finish_block(
    number: int, match: re.Match[str], more: list[str], raw: list[_Raw], skipped: list[Skipped]
) -> None:
    try:
        timestamp = datetime.fromisoformat(f"{match['date']}T{_two_digit_hour(match['time'])}")
    except ValueError:
        skipped.append(Skipped(number, "impossible date", match.group(0)[:80]))
        return
    lines = [match["rest"], *more]
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    quote, lines = _split_quote(lines)
    # lines[0] is now the body's first line; reactions and stickers always follow on lines of
    # their own, so a one-line body that merely looks like them stays text.
    body, links = _split_links("\n".join(lines))
    lines = body.split("\n")
    attachments: list[str] = []
    sticker = _STICKER_LINE.match(lines[-1].strip())
    if sticker is not None and len(lines) > 1:
        lines.pop()
        attachments.append(STICKER_OMITTED)
    reactions: list[tuple[str, str]] = []
    found = _REACTIONS_LINE.match(lines[-1].strip())
    if found is not None and len(lines) > 1:
        lines.pop()
        reactions = _parse_reactions(found["inner"])
    attachments.extend(_link_name(name, target) for name, target in links)
    text = "\n".join(lines).strip()
    sender = clean_name(match["sender"]) or None
    raw.append(
        _Raw(
            line=number,
            timestamp=timestamp,
            sender=sender,
            body=text,
            quote=quote,
            attachments=tuple(attachments),
            reactions=tuple(reactions),
            deleted=text == DELETED_BODY,
            call=_CALL.match(text) is not None and not attachments,
        )
    )


def _split_quote(lines: list[str]) -> tuple[str, list[str]]:
    """A reply starts ``Name: `` then a blank line, ``> quoted`` lines and one blank line."""
    if lines[0].strip():
        return "", lines
    start = 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end].startswith(">"):
        end += 1
    if end == start:
        return "", lines
    quote = "\n".join(line[1:].removeprefix(" ") for line in lines[start:end])
    if end < len(lines) and lines[end] == "":
        end += 1
    return quote, lines[end:] or [""]


def _two_digit_hour(time: str) -> str:
    return time if len(time.split(":")[0]) == 2 else "0" + time


def _split_links(body: str) -> tuple[str, list[tuple[str, str]]]:
    """Take the ``[name](./media/file)  `` links signal-export appends off the end of a body.

    A file name may hold brackets or parentheses, but the path never holds white space (the
    exporter writes it as %20), and the link text is the path's file name.
    """
    links: list[tuple[str, str]] = []
    rest = body
    while True:
        trimmed = rest.rstrip(" \t")
        if not trimmed.endswith(")"):
            break
        at = max(trimmed.rfind("](./"), trimmed.rfind("](../"))
        if at < 0:
            break
        target = trimmed[at + 2 : -1]
        if not target or _SPACE.search(target):
            break
        before = trimmed[:at]
        guess = target.rsplit("/", 1)[-1].replace("%20", " ")
        if before.endswith("[" + guess):
            start = at - len(guess) - 1
        else:
            start = before.rfind("[")
            if start < 0 or "\n" in before[start:]:
                break
        name = trimmed[start + 1 : at]
        if start > 0 and trimmed[start - 1] == "!":
            start -= 1
        links.append((name, target))
        rest = trimmed[:start]
    links.reverse()
    return rest, links


def _link_name(name: str, target: str) -> str:
    """An attachment's file name: the link text, or the sticker file the link points at."""
    if "exported_stickers/" in target:
        return target.rsplit("/", 1)[-1]
    return name or target.rsplit("/", 1)[-1].replace("%20", " ")


def _parse_reactions(inner: str) -> list[tuple[str, str]]:
    """``Alice: ❤️, Bob: 👍`` (names may themselves hold ", ")."""
    reactions: list[tuple[str, str]] = []
    pending = ""
    for part in inner.split(", "):
        part = pending + part
        name, sep, emoji = part.rpartition(": ")
        if not sep or not emoji.strip():
            pending = part + ", "
            continue
        pending = ""
        reactions.append((name, emoji.strip()))
    return reactions


# --- JSON lines ------------------------------------------------------------------------------


def _read_json_lines(text: str, path: str) -> tuple[list[_Raw], list[Skipped]]:
    raw: list[_Raw] = []
    skipped: list[Skipped] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        # A whole JSON array of the same records (data.json merged or re-saved by hand).
        try:
            records: Any = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ExportError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            raise ExportError(path, "JSON nested too deeply") from None
        if not isinstance(records, list):
            raise ExportError(path, "not a signal-export data.json", 1)
        numbered = list(enumerate(records, 1))
    else:
        numbered = []
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                numbered.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ExportError(
                    path, f"invalid JSON line ({exc.msg}); truncated export?", number
                ) from None
            except RecursionError:
                raise ExportError(path, "JSON nested too deeply", number) from None
    for number, record in numbered:
        message = _json_record(number, record)
        if isinstance(message, Skipped):
            skipped.append(message)
        else:
            raw.append(message)
    if not raw and not any(
        isinstance(r, dict) and {"date", "sender", "body"} <= r.keys() for _, r in numbered
    ):
        raise ExportError(path, "not a signal-export data.json (no date/sender/body records)", 1)
    return raw, skipped


def _json_record(number: int, record: object) -> _Raw | Skipped:
    if not isinstance(record, dict):
        return Skipped(number, "not a message record", _excerpt(record))
    date = record.get("date")
    if not isinstance(date, str):
        return Skipped(number, "message without a date", _excerpt(record))
    try:
        timestamp = datetime.fromisoformat(date.replace(" ", "T", 1))
    except ValueError:
        return Skipped(number, "unreadable date", date[:80])
    sender = record.get("sender")
    body = record.get("body")
    quote = record.get("quote")
    attachments = [
        str(a.get("name") or str(a.get("path") or "").rsplit("/", 1)[-1])
        for a in _list(record.get("attachments"))
        if isinstance(a, dict) and (a.get("name") or a.get("path"))
    ]
    sticker = record.get("sticker")
    if isinstance(sticker, dict):
        ident, ext = sticker.get("id"), sticker.get("extension")
        attachments.append(f"{ident}.{ext}" if ident and ext else STICKER_OMITTED)
    elif isinstance(sticker, str) and sticker:
        attachments.append(STICKER_OMITTED)
    reactions: list[tuple[str, str]] = []
    for item in _list(record.get("reactions")):
        if isinstance(item, list | tuple) and len(item) == 2:
            name, emoji = item
        elif isinstance(item, dict):
            name, emoji = item.get("name"), item.get("emoji")
        else:
            continue
        if isinstance(emoji, str) and emoji:
            reactions.append((str(name) if name is not None else "", emoji))
    text = body.rstrip() if isinstance(body, str) else ""
    deleted = record.get("deleted") is True or text == DELETED_BODY
    return _Raw(
        line=number,
        timestamp=timestamp,
        sender=clean_name(sender) if isinstance(sender, str) and sender.strip() else None,
        body=text,
        quote=_unquote(quote) if isinstance(quote, str) else "",
        attachments=tuple(attachments),
        reactions=tuple(reactions),
        deleted=deleted,
        call=record.get("call") is True,
        edited=bool(_list(record.get("edits"))),
    )


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _unquote(quote: str) -> str:
    """``\\n\\n> line one\\n> line two\\n\\n`` → ``line one\\nline two``."""
    lines = [
        line[1:].removeprefix(" ") if line.startswith(">") else line for line in quote.split("\n")
    ]
    return "\n".join(lines).strip("\n")


def _excerpt(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


# --- Shared ----------------------------------------------------------------------------------


def _to_message(raw: _Raw, me: str | None) -> Message:
    """A Message from a record: the owner's "Me" renamed, calls as notices, deletions emptied."""
    sender = None if raw.sender == NO_SENDER else raw.sender
    if me and sender == "Me":
        sender = me
    reactions = tuple(
        Reaction(_reactor(name, me), strip_marks(emoji)) for name, emoji in raw.reactions
    )
    if raw.call:
        what = strip_marks(raw.body)
        return Message(
            id=f"L{raw.line}",
            timestamp=raw.timestamp,
            sender=None,
            text=f"{sender}: {what}" if sender else what,
            kind="system",
        )
    return Message(
        id=f"L{raw.line}",
        timestamp=raw.timestamp,
        sender=sender,
        text="" if raw.deleted else strip_marks(raw.body),
        attachments=() if raw.deleted else raw.attachments,
        reply_to=raw.quote or None,  # resolved to an id by _link_quotes
        edited=raw.edited and not raw.deleted,
        deleted=raw.deleted,
        reactions=reactions,
    )


def _reactor(name: str, me: str | None) -> str | None:
    name = clean_name(name)
    if name in OWNER_LABELS:
        return me or "Me"
    return name or None


def _link_quotes(messages: list[Message]) -> list[Message]:
    """Signal quotes the answered message's text, not its id: find the latest earlier message
    whose text is exactly the quote (no match → no reply link)."""
    latest: dict[str, str] = {}
    for message in messages:
        quote = message.reply_to
        message.reply_to = latest.get(strip_marks(quote).strip()) if quote else None
        if message.kind == "message" and message.text.strip():
            latest[message.text.strip()] = message.id
    return messages
