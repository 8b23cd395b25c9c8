"""Facebook Messenger and Instagram JSON exports ("Download your information").

One chat is a folder of ``message_1.json``, ``message_2.json``, … (message_1 holds the newest
messages, each file lists newest first). Every file has ``participants``, ``title``,
``thread_path`` and ``messages`` with ``sender_name``, ``timestamp_ms``, ``content``, media lists
(``photos``, ``videos``, ``audio_files``, ``gifs``, ``files``, each ``[{uri}]``), ``sticker``
``{uri}``, ``share`` ``{link, share_text}``, ``reactions`` ``[{reaction, actor}]``, ``is_unsent``,
``type`` (Generic, Share, Call with ``call_duration``, Subscribe/Unsubscribe with ``users``).
Instagram uses the same shape. Given one of these files or the chat folder, every sibling file is
read; given a larger folder (``inbox``, ``messages``, the whole download), the chat is chosen by
``--chat`` (folder name, or title as Facebook folds it into one: "Sam Müller" → ``sammuller_…``),
else the largest chat is taken and the others are noted in ``skipped``.

Facebook writes every non-ASCII character as UTF-8 bytes escaped one by one (``"\\u00c3\\u00a9"``
for "é"): :func:`repair_mojibake` undoes exactly that.

Messenger's end-to-end-encrypted chats download as one clean-UTF-8 file per chat with camelCase
fields (``participants`` as strings, ``threadName``, ``senderName``, ``timestamp`` in ms,
``text``, ``media`` ``[{uri}]``, ``isUnsent``, ``type`` text/link/media/placeholder); it is read
by the same code.

Decisions (interfaces.md §1 leaves these to the importer):

- Calls, people joining/leaving/being added, renaming the group, nicknames, themes, polls'
  bookkeeping become ``kind="system"`` with ``sender=None``: their text is Facebook's own
  sentence ("Alex named the group Trip.") or, when there is none, one built from the fields
  ("Alex called (125 s)", "Alex added Sam"). A notice is only recognised when it begins with
  the sender's name (or "You"), so a person writing "I left the group" stays a message.
- Unsent messages are ``deleted=True`` with ``text=""`` (their reactions are kept).
- Media are the ``uri`` basenames; a shared link is an attachment too, unless the text already
  contains it. Facebook's "Alex sent an attachment." next to the media is a placeholder, not text.
- A message with neither text nor media (the media expired or is hidden,
  ``is_geoblocked_for_viewer``, an E2EE "placeholder") is kept as ``"<omitted:media>"`` so the
  turn still counts; exact duplicates across overlapping files are skipped and reported.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from attune.conversation import Conversation, Message, MessageKind, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest import build
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source, decode_text, read_bytes
from attune.ingest.text import clean_name, strip_marks

FORMAT = "messenger"
_MESSAGE_FILE = re.compile(r"message_(\d+)\.json", re.IGNORECASE)
_MEDIA_KEYS = ("photos", "videos", "audio_files", "gifs", "files", "media")
_SYSTEM_TYPES = ("Call", "Subscribe", "Unsubscribe")
_Identity = tuple[int, str | None, str, str, tuple[str, ...]]
MAX_FOLDER_ENTRIES = 20_000
"""Entries looked at when searching a folder for chat folders."""

# --- mojibake ----------------------------------------------------------------------------------

_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")
_LATIN1_RUN = re.compile("[\u0080-\u00ff]+")
_UTF8_CHAR = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]|\\u(?!00)[0-9a-fA-F]{4}")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 ("Ã©" → "é", "ð\\x9f\\x98\\x8d" → "😍") only where it happened.

    Where the whole string does not round-trip, each run of U+0080–U+00FF characters is repaired
    on its own and, inside a run, only byte sequences that are well-formed UTF-8. So mixed strings
    ("CafÃ© “ok”") are repaired too, and a genuine "é", "“" or "°" is left alone.
    """
    if not _MOJIBAKE_HINT.search(text):
        return text
    try:  # the usual case: the whole string is mojibake
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return _LATIN1_RUN.sub(_repair_run, text)


@lru_cache(maxsize=4096)
def _repair_cached(text: str) -> str:
    return repair_mojibake(text)


def _repair_run(match: re.Match[str]) -> str:
    raw = match.group().encode("latin-1")
    pieces: list[str] = []
    position = 0
    for char in _UTF8_CHAR.finditer(raw):
        pieces.append(raw[position : char.start()].decode("latin-1"))
        try:
            pieces.append(char.group().decode("utf-8"))
        except UnicodeDecodeError:  # overlong form or surrogate: not UTF-8 after all
            pieces.append(char.group().decode("latin-1"))
        position = char.end()
    pieces.append(raw[position:].decode("latin-1"))
    return "".join(pieces)


# --- detection ---------------------------------------------------------------------------------


def sniff(source: Source) -> float:
    """``sender_name`` + ``timestamp_ms`` (or E2EE's camelCase pair), or a message_N.json folder."""
    try:
        if source.path.is_dir():
            if _folder_files(source.path):
                return 0.95
            return 0.85 if _thread_folders(source.path) else 0.0
        head = source.head_text()
    except (ExportError, OSError):
        return 0.0
    if not head.lstrip().startswith("{"):
        return 0.0
    if '"sender_name"' in head and '"timestamp_ms"' in head:
        return 0.95
    if '"senderName"' in head and ('"threadName"' in head or '"isUnsent"' in head):
        return 0.9
    if _MESSAGE_FILE.fullmatch(source.path.name) and '"participants"' in head:
        return 0.8
    return 0.0


def _folder_files(folder: Path) -> list[Path]:
    """``message_N.json`` files of one chat folder, by N (message_1 first)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    numbered: list[tuple[int, Path]] = []
    for entry in entries:
        match = _MESSAGE_FILE.fullmatch(entry.name)
        if match and entry.is_file():
            numbered.append((int(match.group(1)), entry))
    return [p for _, p in sorted(numbered)]


def _thread_folders(root: Path) -> list[Path]:
    """Chat folders (holding message_1.json) under an export, ``messages`` or ``inbox`` folder.

    Looks four levels deep (``your_instagram_activity/messages/inbox/<chat>``) and at no more
    than :data:`MAX_FOLDER_ENTRIES` entries, so pointing at a huge folder stays cheap."""
    found: list[Path] = []
    stack = [(root, 0)]
    seen = 0
    while stack:
        folder, depth = stack.pop()
        try:
            children = sorted(folder.iterdir())
        except OSError:
            continue
        for child in children:
            seen += 1
            if seen > MAX_FOLDER_ENTRIES:
                return sorted(found)
            if child.is_symlink() or not child.is_dir():
                continue
            if (child / "message_1.json").is_file():
                found.append(child)
            elif depth < 4:
                stack.append((child, depth + 1))
    return sorted(found)


def _folded(name: str) -> str:
    """How Facebook names a chat folder after its title: lower-case ASCII letters and digits."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower())


def _thread_size(folder: Path) -> int:
    try:
        return sum(p.stat().st_size for p in _folder_files(folder))
    except OSError:
        return 0


def _choose_thread(root: Path, options: ImportOptions, skipped: list[Skipped]) -> Path:
    """The chat ``--chat`` names (folder name, or title as Facebook folds it), else the largest."""
    threads = _thread_folders(root)
    if not threads:
        raise ExportError(root, "folder holds no message_1.json (Messenger/Instagram chat)")
    if options.chat:
        wanted = options.chat.strip()
        found = [t for t in threads if t.name == wanted]
        if not found and _folded(wanted):
            found = [t for t in threads if _folded(re.sub(r"_\d+$", "", t.name)) == _folded(wanted)]
        if not found:
            names = [t.name for t in threads]
            shown = ", ".join(repr(n) for n in names[:30])
            more = f" and {len(names) - 30} more" if len(names) > 30 else ""
            raise ExportError(root, f"no chat {wanted!r} in this folder; chats: {shown}{more}")
        return found[0]
    chosen = max(threads, key=_thread_size)
    others = [t for t in threads if t != chosen]
    if others:
        skipped.append(
            Skipped(
                None,
                f"other chats in this export not imported: {len(others)} (choose with --chat)",
                ", ".join(t.name for t in others[:20]),
            )
        )
    return chosen


def _thread_files(source: Source, options: ImportOptions, skipped: list[Skipped]) -> list[Path]:
    path = source.path
    if path.is_dir():
        files = _folder_files(path)
        return files or _folder_files(_choose_thread(path, options, skipped))
    if _MESSAGE_FILE.fullmatch(path.name):
        siblings = _folder_files(path.parent)
        if path in siblings:
            return siblings
    return [path]


# --- reading -----------------------------------------------------------------------------------


class _File:
    """One JSON file of the chat, with the text kept for line numbers and mojibake detection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = decode_text(read_bytes(path), path)
        try:
            self.data: object = json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise ExportError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            raise ExportError(path, "JSON nested too deeply") from None
        self._lines: list[int] | None = None

    def line(self, index: int, count: int) -> int | None:
        """Line where the index-th element of ``messages`` starts (found once, when needed)."""
        if self._lines is None:
            self._lines = _array_lines(self.text, "messages")
            if len(self._lines) != count:
                self._lines = []
        return self._lines[index] if index < len(self._lines) else None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\n\r":
        position += 1
    return position


def _array_lines(text: str, key: str) -> list[int]:
    """Start lines of the elements of the first array named ``key`` that decodes cleanly."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r'"' + re.escape(key) + r'"\s*:\s*\[', text):
        lines: list[int] = []
        position = match.end()
        line = text.count("\n", 0, position) + 1
        last = position
        try:
            while True:
                position = _skip_space(text, position)
                if text[position] == "]":
                    return lines
                line += text.count("\n", last, position)
                last = position
                lines.append(line)
                _, position = decoder.raw_decode(text, position)
                position = _skip_space(text, position)
                if text[position] == ",":
                    position += 1
        except (ValueError, IndexError, RecursionError):
            continue
    return []


@export_format(
    FORMAT, description="Facebook Messenger / Instagram export (message_N.json)", sniff=sniff
)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read every message_N.json of one chat, merged, de-duplicated and in time order."""
    tz = build.zone(options.tz, source.name)
    skipped: list[Skipped] = []
    files = [_File(p) for p in _thread_files(source, options, skipped)]
    title: str | None = None
    entries: list[tuple[int, int, Message]] = []
    earlier: Counter[_Identity] = Counter()  # messages of the files read so far, by identity
    order = 0
    for file in files:
        data = file.data
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            raise ExportError(
                file.path, 'not a Facebook Messenger / Instagram export: no "messages" list', 1
            )
        raw_messages: list[Any] = data["messages"]
        _check_shape(raw_messages, file.path)
        repair = _is_escaped_utf8(file, raw_messages)
        if title is None:
            title = _title(data, repair)
        where = f"{file.path.name}: " if len(files) > 1 else ""
        indexed = list(enumerate(raw_messages))
        if _newest_first(raw_messages):
            indexed.reverse()
        here: Counter[_Identity] = Counter()
        repeated: Counter[_Identity] = Counter()
        for index, raw in indexed:
            result = _message(raw, tz, repair)
            if isinstance(result, str):
                excerpt = where + _excerpt(raw)
                skipped.append(Skipped(file.line(index, len(raw_messages)), result, excerpt))
                continue
            message, millis = result
            key = _identity(message, millis)
            here[key] += 1
            if repeated[key] < earlier[key]:  # files of one chat may overlap
                repeated[key] += 1
                line = file.line(index, len(raw_messages))
                excerpt = where + (message.text or ", ".join(message.attachments))[:80]
                skipped.append(Skipped(line, "duplicate of a message in another file", excerpt))
                continue
            entries.append((millis, order, message))
            order += 1
        earlier |= here
    entries.sort(key=lambda e: (e[0], e[1]))
    messages = [m for _, _, m in entries]
    return build.finish(messages, source=source.name, format=FORMAT, skipped=skipped, title=title)


def _check_shape(raw_messages: list[Any], path: Path) -> None:
    """Refuse other JSON exports given as Messenger: its messages always carry a timestamp."""
    sample = [m for m in raw_messages[:50] if isinstance(m, dict)]
    if raw_messages and not any(("timestamp_ms" in m or "timestamp" in m) for m in sample):
        raise ExportError(
            path, 'not a Facebook Messenger / Instagram export: messages have no "timestamp_ms"'
        )


def _is_escaped_utf8(file: _File, raw_messages: list[Any]) -> bool:
    """Whether this file is Facebook's byte-escaped kind: the classic export (``sender_name``)
    with no character beyond Latin-1 anywhere. Clean UTF-8 files (E2EE) are left untouched."""
    classic = any(isinstance(m, dict) and "sender_name" in m for m in raw_messages[:50])
    return classic and not _BEYOND_LATIN1.search(file.text)


def _newest_first(raw_messages: list[Any]) -> bool:
    stamps = [m for m in (_millis(r) for r in raw_messages if isinstance(r, dict)) if m is not None]
    return len(stamps) > 1 and stamps[0] > stamps[-1]


def _title(data: dict[str, Any], repair: bool) -> str | None:
    for key in ("title", "threadName"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return clean_name(repair_mojibake(value) if repair else value)
    return None


def _identity(message: Message, millis: int) -> _Identity:
    """What makes two exported messages the same one (files of a chat may overlap)."""
    return (millis, message.sender, message.text, message.kind, message.attachments)


# --- one message -------------------------------------------------------------------------------


def _millis(raw: dict[str, Any]) -> int | None:
    """``timestamp_ms`` (classic) or ``timestamp`` (E2EE, milliseconds; seconds if small)."""
    value = raw.get("timestamp_ms", raw.get("timestamp"))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = int(value)
    except (ValueError, OverflowError):
        return None
    if "timestamp_ms" not in raw and abs(number) < 100_000_000_000:
        number *= 1000
    return number


def _message(raw: object, tz: tzinfo | None, repair: bool) -> tuple[Message, int] | str:
    """The Message (and its epoch milliseconds) for one exported object, or why it is skipped."""
    if not isinstance(raw, dict):
        return "not a message object"
    millis = _millis(raw)
    if millis is None:
        return "message without a timestamp"
    try:
        timestamp: datetime = build.from_epoch(millis / 1000, tz)
    except (ValueError, OverflowError, OSError):
        return "message with an impossible timestamp"

    def fix(value: object) -> str:
        if not isinstance(value, str):
            return ""
        return _repair_cached(value) if repair else value

    sender = clean_name(fix(raw.get("sender_name", raw.get("senderName")))) or None
    text = strip_marks(fix(raw.get("content", raw.get("text"))))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    attachments = _attachments(raw)
    share = raw.get("share")
    if isinstance(share, dict):
        link = share.get("link")
        if isinstance(link, str) and link and link not in text:
            attachments.append(link)
    reactions = _reactions(raw.get("reactions"), fix)
    if raw.get("is_unsent") is True or raw.get("isUnsent") is True:
        return (
            Message("", timestamp, sender, "", deleted=True, reactions=reactions),
            millis,
        )
    kind: MessageKind = "message"
    notice = _notice(raw, sender, text, fix)
    if notice is not None and not attachments:
        kind, text, sender = "system", notice, None
    elif _is_placeholder(text, sender, bool(attachments)):
        text = ""
        if not attachments:
            attachments.append("<omitted:attachment>")
    if kind == "message" and not text and not attachments:
        attachments.append("<omitted:media>")
    if raw.get("type") == "placeholder" and text and not attachments:
        text, attachments = "", ["<omitted:media>"]
    return (
        Message(
            id="",
            timestamp=timestamp,
            sender=sender,
            text=text,
            kind=kind,
            attachments=tuple(attachments),
            reactions=reactions,
        ),
        millis,
    )


def _uri_name(uri: str) -> str:
    return PurePosixPath(uri.replace("\\", "/")).name or uri


def _attachments(raw: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in _MEDIA_KEYS:
        items = raw.get(key)
        if not isinstance(items, list):
            continue
        for item in items:
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and uri.strip():
                names.append(_uri_name(uri))
    sticker = raw.get("sticker")
    if isinstance(sticker, dict) and isinstance(sticker.get("uri"), str) and sticker["uri"]:
        names.append(_uri_name(sticker["uri"]))
    return names


def _reactions(value: object, fix: Callable[[object], str]) -> tuple[Reaction, ...]:
    if not isinstance(value, list):
        return ()
    reactions: list[Reaction] = []
    for item in value:
        if not isinstance(item, dict):
            continue
        emoji = strip_marks(fix(item.get("reaction")))
        if emoji:
            reactions.append(Reaction(clean_name(fix(item.get("actor"))) or None, emoji))
    return tuple(reactions)


# --- notices and placeholders ------------------------------------------------------------------

_NOTICE_AFTER_NAME = re.compile(
    r"(?:'s poll has multiple updates"
    r"| (?:named|renamed) the group\b"
    r"| (?:changed|removed) the group (?:name|photo|description)\b"
    r"| (?:left|joined) the (?:group|conversation)\b"
    r"| added .+ to the group\b"
    r"| removed .+ from the group\b"
    r"| (?:set|changed|cleared) (?:the|your|his|her|their|own|[^.]{1,60}?'s) nicknames?\b"
    r"| set (?:the )?nickname for\b"
    r"| set your nickname\b"
    r"| changed the (?:chat )?theme\b"
    r"| (?:set|changed) the (?:quick reaction|emoji)\b"
    r"| (?:started|ended|joined) (?:a |the )?(?:video |audio |voice )?(?:chat|call)\b"
    r"| created (?:a|the) (?:poll|plan|reminder|group)\b"
    r"| voted for\b"
    r"| (?:pinned|unpinned) a message\b"
    r"| made .+ an? admin\b)"
    r"[^\n]*$"
)
_FIXED_NOTICES = re.compile(
    r"^(?:This poll is no longer available|The (?:video |audio )?(?:call|chat) ended"
    r"|You missed a call from [^\n]+)\.?$"
)
_PLACEHOLDER_AFTER_NAME = re.compile(
    r" sent (?:an? )?(?:attachment|photo|video|GIF|gif|sticker|voice message|audio|link|file"
    r"|location|live location|\d+ photos?)s?\.?$"
)


def _notice(
    raw: dict[str, Any], sender: str | None, text: str, fix: Callable[[object], str]
) -> str | None:
    """The system sentence for a notice (call, member change, rename …), or None for a message."""
    kind = raw.get("type")
    if _FIXED_NOTICES.match(text):
        return text
    if text and _names_sender(text, sender) and _NOTICE_AFTER_NAME.match(_after_name(text, sender)):
        return _with_duration(text, raw)
    if kind not in _SYSTEM_TYPES and "call_duration" not in raw:
        return None
    actor = sender or "Someone"
    if text:
        return _with_duration(text, raw)
    if kind == "Subscribe":
        users = _users(raw, fix)
        return f"{actor} added {users}" if users else f"{actor} joined the group"
    if kind == "Unsubscribe":
        users = _users(raw, fix)
        if not users or users == actor:
            return f"{actor} left the group"
        return f"{actor} removed {users}"
    return _with_duration(f"{actor} called", raw)


def _names_sender(text: str, sender: str | None) -> bool:
    return (sender is not None and text.startswith(sender)) or text.startswith("You ")


def _after_name(text: str, sender: str | None) -> str:
    if sender is not None and text.startswith(sender):
        return text[len(sender) :]
    return text[len("You") :]


def _with_duration(text: str, raw: dict[str, Any]) -> str:
    seconds = raw.get("call_duration")
    if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
        return f"{text.rstrip('.')} ({seconds} s)"
    if raw.get("missed") is True and "miss" not in text:
        return f"{text.rstrip('.')} (missed)"
    return text


def _users(raw: dict[str, Any], fix: Callable[[object], str]) -> str:
    users = raw.get("users")
    if not isinstance(users, list):
        return ""
    names = (clean_name(fix(u.get("name"))) for u in users if isinstance(u, dict))
    return ", ".join(n for n in names if n)


def _is_placeholder(text: str, sender: str | None, has_media: bool) -> bool:
    """Facebook's "Alex sent an attachment." stands in for media; it is nobody's words.

    Next to real media any name may lead it; without media only the sender's own name or "You"."""
    if not text or "\n" in text:
        return False
    if has_media:
        name_end = text.find(" sent ")
        return name_end > 0 and bool(_PLACEHOLDER_AFTER_NAME.match(text[name_end:]))
    return _names_sender(text, sender) and bool(
        _PLACEHOLDER_AFTER_NAME.match(_after_name(text, sender))
    )


def _excerpt(raw: object) -> str:
    if isinstance(raw, dict):
        for key in ("content", "text"):
            if isinstance(raw.get(key), str) and raw[key]:
                return str(raw[key])[:80]
        return ", ".join(f"{k}={str(v)[:20]}" for k, v in list(raw.items())[:4])[:80]
    return str(raw)[:80]
