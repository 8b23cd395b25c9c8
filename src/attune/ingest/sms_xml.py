"""SMS Backup & Restore (Android) XML: ``<smses>`` of ``<sms>`` and ``<mms>`` records.

A backup holds every thread on the phone, so one conversation is chosen (``--chat``, else the
busiest) and the others are listed in ``skipped``. Backups with pictures run to gigabytes, so the
file is streamed through expat in chunks rather than read whole; the base64 ``data`` of media
parts is never decoded or kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from xml.parsers import expat

from attune.conversation import Conversation, Message, Reaction, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish, from_epoch, zone
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

FORMAT = "sms-xml"
CHUNK_BYTES = 1 << 20
RECEIVED, SENT = 1, 2
NOT_SENT = {
    3: "draft (never sent)",
    4: "still in the outbox when the backup was made",
    5: "failed to send",
    6: "queued, not yet sent when the backup was made",
}
"""Android's ``type`` (sms) / ``msg_box`` (mms) values that never reached the other person."""
MMS_FROM = "137"
"""PduHeaders.FROM: the ``<addr>`` of whoever sent an MMS (151 is TO, 130 CC, 129 BCC)."""
MMS_NOTIFICATION = "130"
"""``m_type`` of an MMS that was announced but never downloaded: there is no content."""
UNKNOWN_CONTACT = "(Unknown)"

_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_TAPBACK_TEXT = re.compile(
    r"^(?:(?P<verb>Loved|Liked|Disliked|Laughed at|Emphasized|Questioned)"
    r"|Reacted (?P<emoji>\S+) to) [“\"](?P<quote>.*)[”\"]$",
    re.DOTALL,
)
"""How an iPhone tells an Android phone about a tapback: a text such as 'Loved “see you”'."""
_TAPBACK_VERBS = {
    "Loved": "❤️",
    "Liked": "👍",
    "Disliked": "👎",
    "Laughed at": "😂",
    "Emphasized": "‼️",
    "Questioned": "❓",
}


def sniff(source: Source) -> float:
    """The ``<smses>`` root (or SMS Backup & Restore's header comment) near the top of a file
    that starts as XML does."""
    try:
        if source.path.is_dir():
            return 0.0
        head = source.head_text()
    except (ExportError, OSError):
        return 0.0
    if not head.lstrip("\ufeff \t\r\n").startswith("<"):
        return 0.0  # not XML: a chat whose text mentions the app ("SMS Backup & Restore")
    if "<smses" in head:
        return 1.0
    if "SMS Backup & Restore" in head or "SMS Backup &amp; Restore" in head:
        return 0.9
    if "<sms " in head and "readable_date=" in head:
        return 0.8
    return 0.0


@dataclass
class _Record:
    """One message as the backup has it, before the conversation is chosen."""

    line: int
    thread: tuple[str, ...]
    """Normalised addresses of everyone else in the thread."""
    box: int
    timestamp: datetime | None
    from_address: str | None
    text: str
    attachments: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)
    """Contact names the backup wrote beside addresses."""
    raw: dict[str, str] = field(default_factory=dict)
    """Each address as written (``+1 555-010-0100``), for people without a contact name."""
    own: str | None = None
    """The phone's own number, when a sent MMS names it."""
    skip: str | None = None


class _Refused(Exception):
    """Raised from inside expat's callbacks to stop at something that must not be read."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@export_format(FORMAT, description="SMS Backup & Restore XML (sms and mms)", sniff=sniff)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Stream the backup, group it into threads, and return the chosen one."""
    path = source.path
    tz = zone(options.tz, source.name)
    reader = _Reader(tz)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    reader.parser = parser
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.StartDoctypeDeclHandler = reader.refuse_doctype
    parser.EntityDeclHandler = reader.refuse_entity
    try:
        for chunk in _chunks(path):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code) or "invalid XML"
        if reader.root is None:
            reason = f"not SMS Backup & Restore XML ({reason})"
        else:
            reason = f"invalid or truncated XML ({reason})"
        raise ExportError(path, reason, exc.lineno) from None
    except _Refused as exc:
        raise ExportError(path, str(exc), exc.line) from None
    except (LookupError, UnicodeError) as exc:
        raise ExportError(path, f"unreadable text encoding ({exc})", reader.line or 1) from None
    if reader.root is None:
        raise ExportError(path, "not SMS Backup & Restore XML (no <smses> element)", 1)
    if not reader.records:
        raise ExportError(path, "the backup holds no messages")
    me = clean_name(options.me) if options.me and clean_name(options.me) else "Me"
    return _conversation(reader.records, source, options.chat, me)


def _chunks(path: Path) -> Iterator[bytes]:
    """The file in pieces cut after a ``>``, with UTF-16 surrogate references made whole.

    SMS Backup & Restore writes an emoji outside the BMP as two character references, one per
    UTF-16 half (``&#55357;&#56838;``), which XML forbids; a cut after ``>`` never splits a pair.
    """
    carry = b""
    try:
        with path.open("rb") as handle:
            first = True
            while chunk := handle.read(CHUNK_BYTES):
                if first and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                    yield chunk  # UTF-16: references cannot be rewritten byte-wise; pass through
                    yield from iter(lambda: handle.read(CHUNK_BYTES), b"")
                    return
                first = False
                buffer = carry + chunk
                cut = buffer.rfind(b">") + 1
                if cut == 0:
                    carry = buffer
                    continue
                carry = buffer[cut:]
                yield fix_char_refs(buffer[:cut])
    except OSError as exc:
        raise ExportError(path, exc.strerror or str(exc)) from None
    if carry:
        yield fix_char_refs(carry)


def fix_char_refs(data: bytes) -> bytes:
    """Join surrogate-pair references into one; make lone halves and non-XML characters U+FFFD."""
    if b"&#" not in data:
        return data
    refs = list(_CHAR_REF.finditer(data))
    out: list[bytes] = []
    last = 0
    i = 0
    while i < len(refs):
        ref = refs[i]
        code = _ref_code(ref)
        replacement: bytes | None = None
        if 0xD800 <= code <= 0xDBFF:
            nxt = refs[i + 1] if i + 1 < len(refs) else None
            low = _ref_code(nxt) if nxt is not None and nxt.start() == ref.end() else -1
            if nxt is not None and 0xDC00 <= low <= 0xDFFF:
                combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                out.append(data[last : ref.start()])
                out.append(b"&#%d;" % combined)
                last = nxt.end()
                i += 2
                continue
            replacement = b"&#65533;"
        elif not _xml_char(code):
            replacement = b"&#65533;"
        if replacement is not None:
            out.append(data[last : ref.start()])
            out.append(replacement)
            last = ref.end()
        i += 1
    if not out:
        return data
    out.append(data[last:])
    return b"".join(out)


def _ref_code(ref: re.Match[bytes]) -> int:
    hex_digits, decimal = ref.group(1), ref.group(2)
    return int(hex_digits, 16) if hex_digits else int(decimal)


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


class _Reader:
    """expat callbacks: collect ``<sms>`` at once, ``<mms>`` when its parts and addrs are in."""

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self.parser: expat.XMLParserType | None = None
        self.root: str | None = None
        self.depth = 0
        self.records: list[_Record] = []
        self.mms: dict[str, str] | None = None
        self.mms_line = 0
        self.parts: list[dict[str, str]] = []
        self.addrs: list[dict[str, str]] = []

    @property
    def line(self) -> int:
        return self.parser.CurrentLineNumber if self.parser is not None else 0

    def refuse_doctype(self, *_: object) -> None:
        raise _Refused("XML with a DOCTYPE declaration is refused (not a backup file)", self.line)

    def refuse_entity(self, *_: object) -> None:
        raise _Refused("XML with an ENTITY declaration is refused (not a backup file)", self.line)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            if name == "calls":
                raise _Refused("this is a call-log backup, not messages", self.line)
            if name != "smses":
                raise _Refused(f"not SMS Backup & Restore XML (root element <{name}>)", self.line)
            self.root = name
        elif self.depth == 2 and name == "sms":
            self.records.append(_sms_record(attrs, self.line, self.tz))
        elif self.depth == 2 and name == "mms":
            self.mms, self.mms_line = attrs, self.line
            self.parts, self.addrs = [], []
        elif self.mms is not None and name == "part":
            attrs.pop("data", None)
            self.parts.append(attrs)
        elif self.mms is not None and name == "addr":
            self.addrs.append(attrs)

    def end(self, name: str) -> None:
        if self.depth == 2 and name == "mms" and self.mms is not None:
            self.records.append(
                _mms_record(self.mms, self.parts, self.addrs, self.mms_line, self.tz)
            )
            self.mms, self.parts, self.addrs = None, [], []
        self.depth -= 1


def _sms_record(attrs: dict[str, str], line: int, tz: tzinfo | None) -> _Record:
    address = attrs.get("address", "")
    key = _address_key(address)
    box = _int(attrs.get("type"))
    names = _contact_names([key], attrs.get("contact_name"))
    body = _text(attrs.get("body", ""))
    record = _Record(
        line=line,
        thread=(key,) if key else (),
        box=box,
        timestamp=_time(attrs.get("date"), tz),
        from_address=key if box == RECEIVED else None,
        text=body,
        attachments=(),
        names=names,
        raw={key: address.strip()} if key else {},
    )
    record.skip = _box_skip(box) or (None if body else "empty message")
    return record


def _mms_record(
    attrs: dict[str, str],
    parts: list[dict[str, str]],
    addrs: list[dict[str, str]],
    line: int,
    tz: tzinfo | None,
) -> _Record:
    box = _int(attrs.get("msg_box"))
    written = [a.strip() for a in attrs.get("address", "").split("~")]
    listed = [_address_key(a) for a in written]
    raw = {k: a for k, a in zip(listed, written, strict=True) if k}
    keys = [k for k in listed if k]
    sender = None
    for addr in addrs:
        key = _address_key(addr.get("address", ""))
        raw.setdefault(key, addr.get("address", "").strip())
        if addr.get("type") == MMS_FROM and key:
            sender = key
    if box == RECEIVED and not sender and len(keys) == 1:
        sender = keys[0]
    if box == RECEIVED and sender and sender not in keys:
        keys.append(sender)  # some phones leave the sender out of ``address``
    texts: list[str] = []
    files: list[str] = []
    for part in parts:
        content_type = (part.get("ct") or "").lower()
        if content_type == "application/smil":
            continue
        if content_type.startswith("text/plain"):
            texts.append(_text(_value(part.get("text")) or ""))
            continue
        name = _value(part.get("cl")) or _value(part.get("name")) or _value(part.get("fn"))
        kind = content_type.split("/")[0] or "media"
        files.append(strip_marks(name) if name else f"<omitted:{kind}>")
    text = "\n".join(t for t in texts if t)
    if not texts and not files:
        subject = _value(attrs.get("sub"))
        text = _text(subject) if subject else ""
    record = _Record(
        line=line,
        thread=tuple(sorted(set(keys))),
        box=box,
        timestamp=_time(attrs.get("date"), tz),
        from_address=sender if box == RECEIVED else None,
        text=text,
        attachments=tuple(files),
        names=_contact_names(listed, attrs.get("contact_name")),
        raw={k: v for k, v in raw.items() if k},
        own=sender if box == SENT else None,
    )
    if attrs.get("m_type") == MMS_NOTIFICATION and not text and not files:
        record.skip = "MMS that was never downloaded"
    else:
        record.skip = _box_skip(box) or (None if text or files else "empty message")
    return record


def _box_skip(box: int) -> str | None:
    if box in (RECEIVED, SENT):
        return None
    return NOT_SENT.get(box, f"unknown message box/type {box}")


def _contact_names(keys: list[str], contact_name: str | None) -> dict[str, str]:
    """Contact names by address (cached: a backup repeats the same few thousand times)."""
    return dict(_names(tuple(keys), contact_name or ""))


@lru_cache(maxsize=4096)
def _names(keys: tuple[str, ...], contact_name: str) -> tuple[tuple[str, str], ...]:
    """Map addresses to the contact names the backup wrote beside them.

    A group MMS lists its names comma-separated in ``address`` order; they are only trusted when
    the counts agree.
    """
    name = clean_name(contact_name)
    if not name or name == UNKNOWN_CONTACT or name == "null":
        return ()
    if len(keys) == 1:
        return ((keys[0], name),) if keys[0] else ()
    pieces = [clean_name(p) for p in name.split(",")]
    if len(pieces) == len(keys):
        return tuple(
            (k, p) for k, p in zip(keys, pieces, strict=True) if k and p != UNKNOWN_CONTACT
        )
    return ()


def _conversation(
    records: list[_Record], source: Source, wanted: str | None, me: str
) -> Conversation:
    names: dict[str, Counter[str]] = {}
    for record in records:
        for key, name in record.names.items():
            names.setdefault(key, Counter())[name] += 1
    raw: dict[str, str] = {}
    for record in records:
        for key, written in record.raw.items():
            raw.setdefault(key, written)
    display = {key: counts.most_common(1)[0][0] for key, counts in names.items()}
    for key, written in raw.items():
        display.setdefault(key, written)
    own = {r.own for r in records if r.own}
    threads: dict[tuple[str, ...], list[_Record]] = {}
    for record in records:
        thread = tuple(k for k in record.thread if k not in own) or record.thread
        threads.setdefault(thread, []).append(record)
    labels = {t: ", ".join(display.get(k, k) for k in t) or "(no address)" for t in threads}
    sizes = {t: sum(1 for r in rs if r.skip is None) for t, rs in threads.items()}
    ordered = sorted(threads, key=lambda t: (-sizes[t], labels[t]))
    chosen = _choose(ordered, wanted, display, labels, source.path)
    skipped: list[Skipped] = [
        Skipped(None, "other conversation in the backup (choose it with --chat)",
                f"{labels[t]}: {sizes[t]} messages")
        for t in ordered
        if t != chosen
    ]  # fmt: skip
    messages: list[Message] = []
    for record in threads[chosen]:
        if record.skip is not None:
            skipped.append(Skipped(record.line, record.skip, record.text[:80]))
            continue
        sender = me if record.box == SENT else display.get(record.from_address or "", "Unknown")
        messages.append(
            Message(
                id="",
                timestamp=record.timestamp,
                sender=sender,
                text=record.text,
                attachments=record.attachments,
            )
        )
    messages = _fold_tapback_texts(messages)
    if not messages:
        raise ExportError(source.path, f"conversation {labels[chosen]!r} holds no messages")
    return finish(
        messages, source=source.name, format=FORMAT, skipped=skipped, title=labels[chosen]
    )


def _choose(
    ordered: list[tuple[str, ...]],
    wanted: str | None,
    display: dict[str, str],
    labels: dict[tuple[str, ...], str],
    path: Path,
) -> tuple[str, ...]:
    """``--chat`` by contact name or number (a one-to-one thread first); else the busiest."""
    if not wanted:
        return ordered[0]
    want = clean_name(wanted).lower()
    key = _address_key(wanted)
    matches = [
        t
        for t in ordered
        if want == labels[t].lower()
        or any(want == display.get(k, "").lower() or (key and k == key) for k in t)
    ]
    if matches:
        return min(matches, key=lambda t: (len(t) > 1, ordered.index(t)))
    listing = "; ".join(labels[t] for t in ordered[:15])
    more = f"; … {len(ordered) - 15} more" if len(ordered) > 15 else ""
    raise ExportError(path, f"no conversation matches --chat {wanted!r}; have: {listing}{more}")


def _fold_tapback_texts(messages: list[Message]) -> list[Message]:
    """An iPhone's tapback reaches Android as text ('Loved “see you”'); make it a reaction
    on the message it quotes. Texts that quote nothing recent stay messages."""
    kept: list[Message] = []
    for message in messages:
        match = _TAPBACK_TEXT.match(message.text) if not message.attachments else None
        target = _quoted(kept, match["quote"]) if match else None
        if match is None or target is None:
            kept.append(message)
            continue
        emoji = match["emoji"] or _TAPBACK_VERBS[match["verb"]]
        target.reactions = (*target.reactions, Reaction(message.sender, emoji))
    return kept


def _quoted(earlier: list[Message], quote: str) -> Message | None:
    quote = quote.strip()
    if not quote:
        return None
    prefix = quote[:-1].rstrip() if quote.endswith("…") else None
    for message in reversed(earlier[-200:]):
        text = message.text.strip()
        if text == quote or (prefix and text.startswith(prefix)):
            return message
    return None


@lru_cache(maxsize=4096)
def _address_key(address: str) -> str:
    """One key per person: phone numbers by their last ten digits, e-mail/short codes as is."""
    address = strip_marks(address or "").strip()
    if not address or address.lower() in ("null", "insert-address-token"):
        return ""
    if "@" in address or re.search(r"[A-Za-z]", address):
        return address.lower()
    digits = re.sub(r"\D", "", address)
    if not digits:
        return address
    return digits[-10:] if len(digits) >= 10 else digits


def _time(value: str | None, tz: tzinfo | None) -> datetime | None:
    """``date`` is milliseconds since 1970 (a few old MMS carry seconds)."""
    number = _int(value)
    if number <= 0:
        return None
    seconds = number / 1000 if number > 100_000_000_000 else float(number)
    try:
        return from_epoch(seconds, tz)
    except (OverflowError, OSError, ValueError):
        return None


def _text(value: str) -> str:
    return strip_marks(value.replace("\r\n", "\n").replace("\r", "\n"))


def _value(value: str | None) -> str | None:
    """The backup writes a missing attribute as the string "null"."""
    if value is None or value == "null":
        return None
    return value


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
