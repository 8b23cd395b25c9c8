"""WhatsApp chat exports (Android and iOS, .txt or the shared .zip) → one Conversation.

Shape. Every message starts with a header line; lines without one continue the message above::

    12/31/23, 21:14 - Sam: text                      (Android)
    [31/12/2023, 9:14:05 PM] Sam: text               (iOS; the .zip holds it as _chat.txt)
    12/31/23, 21:14 - Sam added Alex                 (Android system line: no "Name: ")
    [31/12/2023, 9:14:05 PM] Chat: ‎Messages and …   (iOS system notice: text starts with U+200E)

Dates and times come in every locale's spelling (see :mod:`attune.ingest.whatsapp_dates`); the
day/month order is decided once for the whole file and never flipped mid-file.

Which header-shaped lines are really messages. A message's own text may contain a line that looks
like a header — typically a copied message pasted into a new one, which WhatsApp writes as
``[31/12/23, 9:14 PM] Sam: …`` in the phone's locale. A real export writes every header in one
shape (same punctuation, seconds or not, same day-half word), so a header-shaped line is scored on
three signs of being pasted text:

1. its shape differs from the file's dominant header shape — counted only when one shape covers
   most of the file (a file mixing shapes throughout, like a concatenation of logs, gives shape no
   weight);
2. its time goes back (at or before the message above it) — counted only when the dominant-shape
   headers themselves run forward in time (at most 1 % backward steps);
3. its author never writes a dominant-shape message (an unknown name, or none).

A line in the dominant shape is always a message. Any other is kept as a line of the message above
when it scores 2 or more, else it is a message. So a file that mixes shapes and jumps back and forth
in time (chatminer's ``old_mixed_testlog``) keeps every header as a message, while a pasted quote
inside a uniform, chronological export stays inside the message that quotes it.

System lines. Android writes notices with no author (``Sam added Alex``); when such a line holds
": " only because of a quoted subject (``Sam changed the subject to "a: b"``), the would-be
author (a verb and an opening quote) gives it away. ``Sam:.`` — an author's colon with no space —
is Sam's message when Sam writes elsewhere in the chat. iOS attributes notices to the chat and
starts their text with U+200E; one that also says a known notice phrase is a system line.

Speed (a million-line export parses in about 2.3 s on one core of a slow VM; see
``bench/README.md``). A sample of headers spread through the file gives its dominant spelling,
compiled into a literal-ish regex (several times cheaper than the general one), and a first guess
of the day/month order, checked against every date afterwards (the file is read again in the rare
case the guess was wrong). ``findall`` then returns each message's header parts and whole text
from C, a few MB at a time, so Python spends one short step per message: continuation lines are
never looked at one by one. Dates, and times split into head (``9:14``) and tail (``:05 PM] ``),
are parsed once per distinct string; a message with no ``<``, ``(`` or mark skips the
placeholder checks; and the cyclic garbage collector is kept from walking the new messages again
and again.
"""

from __future__ import annotations

import gc
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from attune.conversation import Conversation, Message, MessageKind, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source, decode_text
from attune.ingest.text import clean_name, strip_marks
from attune.ingest.whatsapp_dates import (
    HEADER,
    MARKS,
    ORDERS,
    DateOrder,
    RawDate,
    clock,
    clock_head,
    clock_tail,
    day_half,
    infer_order,
    read_date,
    read_time,
    resolve,
    row_regexes,
    split_time,
)

FORMAT = "whatsapp"

# ---------------------------------------------------------------------------------------------
# What WhatsApp writes in place of a message's content, in the languages it is commonly used in.

_OMITTED = {
    # Android, "Export chat → Without media"
    "<media omitted>": "media",
    "<multimedia omitido>": "media",
    "<multimedia omitida>": "media",
    "<mídia oculta>": "media",
    "<multimédia omitido>": "media",
    "<medien ausgeschlossen>": "media",
    "<médias omis>": "media",
    "<media omessi>": "media",
    "<media weggelaten>": "media",
    "<medya dahil edilmedi>": "media",
    "<media tidak disertakan>": "media",
    "<без медиафайлов>": "media",
    "<view once voice message omitted>": "audio",
    # iOS, "Export Chat → Without Media"
    "image omitted": "image",
    "video omitted": "video",
    "audio omitted": "audio",
    "sticker omitted": "sticker",
    "gif omitted": "gif",
    "document omitted": "document",
    "contact card omitted": "contact",
    "imagen omitida": "image",
    "video omitido": "video",
    "audio omitido": "audio",
    "sticker omitido": "sticker",
    "gif omitido": "gif",
    "documento omitido": "document",
    "tarjeta de contacto omitida": "contact",
    "imagem ocultada": "image",
    "vídeo omitido": "video",
    "áudio ocultado": "audio",
    "figurinha omitida": "sticker",
    "bild weggelassen": "image",
    "video weggelassen": "video",
    "audio weggelassen": "audio",
    "sticker weggelassen": "sticker",
    "gif weggelassen": "gif",
    "dokument weggelassen": "document",
    "kontaktkarte weggelassen": "contact",
    "image absente": "image",
    "vidéo absente": "video",
    "audio omis": "audio",
    "autocollant omis": "sticker",
    "immagine omessa": "image",
    "video omesso": "video",
    "audio omesso": "audio",
    "sticker omesso": "sticker",
    "afbeelding weggelaten": "image",
    "video weggelaten": "video",
    "audio weggelaten": "audio",
}
"""Placeholder (case-folded) → kind, recorded as the attachment ``<omitted:KIND>``."""

_DELETED = {
    "this message was deleted",
    "you deleted this message",
    "se eliminó este mensaje",
    "eliminaste este mensaje",
    "esta mensagem foi apagada",
    "mensagem apagada",
    "você apagou esta mensagem",
    "apagaste esta mensagem",
    "diese nachricht wurde gelöscht",
    "du hast diese nachricht gelöscht",
    "ce message a été supprimé",
    "vous avez supprimé ce message",
    "questo messaggio è stato eliminato",
    "hai eliminato questo messaggio",
    "dit bericht is verwijderd",
    "je hebt dit bericht verwijderd",
}
"""A deleted post's text (case-folded, without its final full stop)."""

_OMITTED_BODY = {
    written: (f"<omitted:{kind}>",)
    for placeholder, kind in _OMITTED.items()
    for written in (
        placeholder[0] + placeholder[1].upper() + placeholder[2:]
        if placeholder.startswith("<")
        else "\u200e" + placeholder,
    )
}
"""Whole bodies that are just an omitted-media placeholder as commonly written (``<Media
omitted>``, ``\u200eimage omitted``): a dictionary lookup instead of :func:`classify`."""

_DELETED_BODY = {
    mark + phrase + stop
    for phrase in ("This message was deleted", "You deleted this message")
    for mark in ("", "\u200e")
    for stop in ("", ".")
}
_ATTACHED_BODY = re.compile("\u200e?<attached: ([^<>\n]+)>").fullmatch

_EXACT_PLAIN = {
    variant
    for phrase in (
        "This message was deleted",
        "You deleted this message",
        "Se eliminó este mensaje",
        "Eliminaste este mensaje",
        "Esta mensagem foi apagada",
        "Mensagem apagada",
        "Você apagou esta mensagem",
        "Apagaste esta mensagem",
        "Diese Nachricht wurde gelöscht",
        "Du hast diese Nachricht gelöscht",
        "Ce message a été supprimé",
        "Vous avez supprimé ce message",
        "Questo messaggio è stato eliminato",
        "Hai eliminato questo messaggio",
        "Dit bericht is verwijderd",
        "Je hebt dit bericht verwijderd",
    )
    for variant in (phrase, phrase + ".")
} | {
    variant
    for phrase in _OMITTED
    if not phrase.startswith("<")
    for variant in (phrase, phrase[0].upper() + phrase[1:], phrase.replace("gif", "GIF"))
}
"""Placeholders with no ``<``, ``(`` or mark in them: the fast path checks these exactly."""
_LONGEST_EXACT = max(map(len, _EXACT_PLAIN))

_SPECIAL = re.compile(f"[<({MARKS}]").search
"""A message needs a closer look only if it has one of these (placeholders, edits, marks)."""
_MARK_CHARS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")

_EDITED = re.compile(
    r"<(?:This message was edited|Se editó este mensaje|Mensagem editada|"
    r"Esta mensagem foi editada|Diese Nachricht wurde bearbeitet|Ce message a été modifié|"
    r"Questo messaggio è stato modificato|Dit bericht is bewerkt|Bu mesaj düzenlendi)\.?>\s*\Z",
    re.IGNORECASE,
)
"""The edit marker WhatsApp appends to an edited post, matched where the text's last ``<`` is."""
_ATTACHED = re.compile(
    r"<(?:attached|adjunto|anexo|anexado|Anhang|pièce jointe|allegato|bijgevoegd)"
    r"[ \u00a0\u202f]?:[ \u00a0\u202f]*([^<>\n]+?)[ \u00a0\u202f]*>",
    re.IGNORECASE,
)
"""iOS: ``<attached: 00000012-PHOTO-2023-12-31-21-14-05.jpg>`` (and its translations)."""
_FILE_ATTACHED = re.compile(
    r"[ \u00a0\u202f]+\((?:file attached|archivo adjunto|arquivo anexado|"
    r"ficheiro anexado|Datei angehängt|fichier joint|file allegato|bestand bijgevoegd|"
    r"dosya ekli|файл прикреплен|файл прикреплён)\)",
    re.IGNORECASE,
)
"""Android: ``IMG-20231231-WA0001.jpg (file attached)`` (and its translations)."""
_DOCUMENT_OMITTED = (
    "document omitted",
    "documento omitido",
    "dokument weggelassen",
    "document omis",
    "documento omesso",
    "document weggelaten",
)
"""iOS documents: ``Report.pdf • 3 pages document omitted`` (case-folded endings)."""

_IOS_SYSTEM = re.compile(
    r"end-to-end|\b(?:added|removed|left|joined|created|changed|pinned|blocked|unblocked|"
    r"admin|security code|disappearing|invite link|business account|now secured)\b|"
    r"cifrad|añadió|agregó|eliminó a|salió|se unió|creó|cambió|código de seguridad|"
    r"criptografia|adicionou|removeu|saiu|entrou|criou|mudou|alterou|código de segurança|"
    r"verschlüsselt|hinzugefügt|entfernt|verlassen|beigetreten|erstellt|geändert|"
    r"Sicherheitsnummer|chiffrés|a ajouté|a retiré|est parti|a rejoint|a créé|a modifié|"
    r"a changé|code de sécurité|crittografat|ha aggiunto|ha rimosso|è uscito|si è unito|"
    r"ha creato|ha cambiato|codice di sicurezza|versleuteld|toegevoegd|verwijderd|verlaten|"
    r"aangemaakt|gewijzigd|beveiligingscode",
    re.IGNORECASE,
)
"""Notices iOS writes as if the chat itself said them; only looked for after a leading U+200E."""
_SYSTEM_NAME = re.compile(
    r"\b(?:changed|created|cambió|creó|cambiaste|creaste|mudou|alterou|criou|hat|hast|"
    r"a modifié|a changé|a créé|avez|ha cambiato|ha creato|ha modificato|heeft|hebt)\b"
    r".*[\"“”„«»‘’]",
    re.IGNORECASE,
)
"""An Android system line whose quoted subject holds ": " (``X changed the subject to "a: b"``)
yields a would-be author like ``X changed the subject to "a``: a verb and an opening quote."""

_CHAT_TXT_NAME = re.compile(r"(?i)whatsapp|chat|conversa|discussion|unterhaltung|gesprek")
_TITLE = re.compile(
    r"(?i)whats ?app[ -]?(?:chat|conversa|discussion)?\s*(?:with|mit|con|avec|met|com|-)\s+(.+?)"
    r"(?:\.txt|\.zip)?$"
)
_TITLE_LEADING = re.compile(
    r"(?i)(?:chat de whatsapp con|conversa do whatsapp com|chat whatsapp con|"
    r"discussion whatsapp avec)\s+(.+?)(?:\.txt|\.zip)?$"
)

_ORPHAN = "text before the first message header"


# ---------------------------------------------------------------------------------------------
# Detection


def _has_header(text: str, lines: int = 12) -> float:
    """How sure the start of ``text`` is a WhatsApp export: a header on the first non-empty line
    is near certain; one a few lines in (after a stray preamble) is likely."""
    seen = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        match = HEADER.match("\n" + line.rstrip("\r"))
        if match is not None:
            if seen == 0:
                bracket_no_seconds = "]" in match.group(2) and match.group(2).count(":") < 2
                if bracket_no_seconds and re.match(r"\W*\[\d{4}-\d{2}-\d{2}, ", line):
                    return 0.6  # Signal's "[YYYY-MM-DD, HH:MM]"; iOS WhatsApp has seconds
                return 0.95
            return 0.7
        seen += 1
        if seen >= lines:
            break
    return 0.0


def sniff(source: Source) -> float:
    """A text file opening with a WhatsApp header, or a zip holding such a text."""
    try:
        if source.path.is_dir():
            return 0.0
        if source.is_zip():
            with zipfile.ZipFile(source.path) as archive:
                names = [n for n in archive.namelist() if _is_text_member(n)]
                names.sort(key=_member_rank)
                for name in names[:3]:
                    with archive.open(name) as handle:
                        head = handle.read(8192)
                    score = _has_header(decode_head(head))
                    if score:
                        return score
            return 0.0
        return _has_header(source.head_text())
    except Exception:  # sniffing never raises: an unreadable file is simply not ours
        return 0.0


def decode_head(head: bytes) -> str:
    """The start of a chat text for sniffing, whatever its encoding."""
    for codec in ("utf-8-sig", "utf-16"):
        try:
            return head.decode(codec)
        except UnicodeDecodeError:
            continue
    return head.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# Reading the export


@export_format(
    FORMAT, description="WhatsApp chat export (.txt or .zip, Android and iOS)", sniff=sniff
)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Read a WhatsApp .txt export, or the .zip WhatsApp shares (chat text plus media)."""
    order = _forced_order(options.date_order, source.name)
    if source.is_zip():
        member, text = _chat_from_zip(source)
        where = f"{source.name}!{member}"
        title = _title(PurePosixPath(member).name) or _title(source.path.name)
    else:
        text, where, title = source.text, source.name, _title(source.path.name)
    messages, skipped = parse_text(text, where, order)
    return finish(messages, source=source.name, format=FORMAT, skipped=skipped, title=title)


def _forced_order(value: str | None, path: str) -> DateOrder | None:
    if value is None or value == "":
        return None
    for order in ORDERS:
        if value.lower() == order:
            return order
    raise ExportError(path, f"date order must be one of dmy, mdy, ymd (got {value!r})")


def _title(file_name: str) -> str | None:
    """The chat's name from WhatsApp's file name ("WhatsApp Chat with Sam.txt" → "Sam")."""
    for pattern in (_TITLE_LEADING, _TITLE):
        match = pattern.search(file_name)
        if match:
            return clean_name(match.group(1)) or None
    return None


def _is_text_member(name: str) -> bool:
    pure = PurePosixPath(name.replace("\\", "/"))
    return (
        pure.suffix.lower() == ".txt"
        and not pure.name.startswith("._")
        and "__MACOSX" not in pure.parts
    )


def _member_rank(name: str) -> tuple[int, int]:
    """Which .txt in a zip is the chat: ``_chat.txt`` (iOS), then WhatsApp-ish names, then the
    rest, shallowest first (a .txt a person sent is media, not the chat)."""
    base = PurePosixPath(name).name.lower()
    depth = name.count("/")
    if base == "_chat.txt":
        return 0, depth
    if _CHAT_TXT_NAME.search(base):
        return 1, depth
    return 2, depth


def _chat_from_zip(source: Source) -> tuple[str, str]:
    """The chat text inside a WhatsApp .zip (SafeZip refuses traversal and bombs)."""
    with source.open_zip() as archive:
        names = sorted((n for n in archive.names if _is_text_member(n)), key=_member_rank)
        if not names:
            raise ExportError(source.path, "zip holds no chat text (.txt); not a WhatsApp export")
        chosen = names[0]
        if len(names) > 1 and _member_rank(names[0])[0] == 2:
            for name in names:  # no telling name: the first .txt that reads as a chat
                head = archive.read(name)[:8192]
                if _has_header(decode_head(head)):
                    chosen = name
                    break
        data = archive.read(chosen)
    where = f"{source.path}!{chosen}"
    if not data.strip():
        raise ExportError(where, "file is empty")
    return chosen, decode_text(data, where, source.encoding)


# ---------------------------------------------------------------------------------------------
# Parsing the text


def parse_text(
    text: str, path: str, order: DateOrder | None = None
) -> tuple[list[Message], list[Skipped]]:
    """Messages (export order, export's own ids empty) and skipped pieces of a WhatsApp text."""
    sample = _sample(text)
    if not sample:
        raise ExportError(path, "no WhatsApp message headers found", 1)
    spelling = _representative(sample)
    main_date = read_date(spelling[0])
    main_shapes = (main_date.shape if main_date is not None else "", _shape_of_time(spelling[1]))
    default: DateOrder = "mdy" if re.search(r"[AP]M", spelling[1]) else "dmy"
    tried = order or _order_of([d for d, _ in sample], main_shapes[0], default)
    scan = _Scan(text, spelling, main_shapes, tried)
    if order is None:
        final = _order_of(list(scan.raw_dates), main_shapes[0], default, scan.raw_dates)
        if final != tried:
            scan = _Scan(text, spelling, main_shapes, final)
    if not scan.messages:
        raise ExportError(path, "no WhatsApp message headers found", 1)
    messages = scan.messages
    skipped = scan.orphans
    if scan.odd:
        messages = _keep_pasted_lines_in_text(text, scan, skipped)
    if scan.colon_system:
        _authors_without_space(messages)
    return messages, skipped


def _header_at(text: str, pos: int) -> re.Match[str] | None:
    """The header starting the line at ``pos`` (its groups as in :data:`HEADER`; positions are
    one past those in ``text``, the regex anchoring on a newline)."""
    end = text.find("\n", pos)
    return HEADER.match("\n" + (text[pos:] if end < 0 else text[pos:end]))


def _sample(text: str) -> list[tuple[str, str]]:
    """(date, time) texts of headers from the start of the file and slices spread through it:
    enough to learn the file's spelling and, almost always, its day/month order cheaply."""
    size = len(text)
    windows = [(0, min(size, 1 << 16))]
    if size > 1 << 17:
        step = size // 33
        windows += [(k * step, k * step + (1 << 13)) for k in range(1, 33)]
    matches: list[re.Match[str]] = []
    first = _header_at(text, 0)
    if first is not None:
        matches.append(first)
    for start, end in windows:
        matches.extend(HEADER.finditer(text, start, end))
    if not matches:
        anywhere = HEADER.search(text)
        if anywhere is not None:
            matches.append(anywhere)
    valid: dict[str, bool] = {}
    found: list[tuple[str, str]] = []
    for match in matches:
        date_text, time_text = match.group(1, 2)
        if date_text not in valid:
            valid[date_text] = read_date(date_text) is not None
        if time_text not in valid:
            valid[time_text] = clock(time_text) is not None
        if valid[date_text] and valid[time_text]:
            found.append((date_text, time_text))
    return found


def _representative(sample: list[tuple[str, str]]) -> tuple[str, str]:
    """The first header spelled in the sample's most common shape (judged on up to ~500 headers
    spread over the sample: shapes are slow to compute and the answer is rarely close)."""
    spread = sample[:: max(1, len(sample) // 500)]
    date_shapes = {d: _shape_of_date(d) for d, _ in spread}
    time_shapes = {t: _shape_of_time(t) for _, t in spread}
    shapes = [(date_shapes[d], time_shapes[t]) for d, t in spread]
    common = Counter(shapes).most_common(1)[0][0]
    return spread[shapes.index(common)]


def _shape_of_date(text: str) -> str:
    raw = read_date(text)
    return raw.shape if raw is not None else ""


def _shape_of_time(text: str) -> str:
    read = read_time(text)
    return read[1] if read is not None else ""


def _order_of(
    date_texts: list[str],
    dominant: str | None,
    default: DateOrder,
    known: dict[str, RawDate | None] | None = None,
) -> DateOrder:
    """Day/month order from distinct date texts in file order (see :func:`infer_order`)."""
    raws: list[RawDate] = []
    seen: set[str] = set()
    for text in date_texts:
        if text in seen:
            continue
        seen.add(text)
        raw = known[text] if known is not None else read_date(text)
        if raw is not None:
            raws.append(raw)
    return infer_order(raws, dominant, default)


_CHUNK = 1 << 22
"""Characters per ``findall`` call: rows are turned into messages a chunk at a time, so the
temporary row tuples never hold more than a few MB."""
_HAS_MARK = re.compile(f"[{MARKS}]").search


@contextmanager
def _no_collection_passes() -> Iterator[None]:
    """Build a million messages without the cyclic collector walking them again and again.

    Messages hold no reference cycles, so collection passes over them only cost time (a third of
    a large import). The collector is paused while they are made; then, unless the program froze
    objects of its own, freeze+unfreeze moves everything straight to the oldest generation without
    a pass over it (nothing is hidden from later full collections)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


class _Scan:
    """One pass over the text: messages in export order, plus what the continuation rule and the
    order check need (nothing kept per message beyond the message itself).

    Shapes are numbered so that the file's main shape (the sample's most common) is 0: a header
    in any other shape is listed in ``odd`` for the continuation rule. Times in the file's own
    spelling have the main shape by construction, so the fast path caches just their offsets."""

    def __init__(
        self, text: str, spelling: tuple[str, str], main: tuple[str, str], order: DateOrder
    ) -> None:
        self.order = order
        self.bracket = "[" if "]" in spelling[1] else ""
        self.half_after = day_half(split_time(spelling[1])[1]) is not None
        self.raw_dates: dict[str, RawDate | None] = {}
        self.dates: dict[str, tuple[datetime, int]] = {}
        """Valid dates only: date text → (midnight, shape << 16)."""
        self.heads: dict[str, timedelta] = {}
        self.tails: dict[str, timedelta] = {}
        """Valid time heads and tails in the file's own spelling only."""
        self.times: dict[str, tuple[timedelta | None, int]] = {}
        """Times of headers in any spelling (read with the general regex)."""
        self.bad: set[str] = set()
        self.date_shapes: dict[str, int] = {main[0]: 0}
        self.time_shapes: dict[str, int] = {main[1]: 0}
        self.odd: list[tuple[int, int]] = []
        """(index, shape) of headers not in the main shape."""
        self.colon_system = False
        """Whether some authorless line holds a colon (``Sam:.``): see _authors_without_space."""
        self.orphans: list[Skipped] = []
        self.messages: list[Message] = []
        rows, first_row, self.fixed_tail = row_regexes(*spelling)
        with _no_collection_passes():
            self._run(text, rows, first_row)

    def _date(self, date_text: str) -> tuple[datetime, int] | None:
        entry = self.dates.get(date_text)
        if entry is None and date_text not in self.bad:
            raw = self.raw_dates[date_text] = read_date(date_text)
            when = resolve(raw, self.order) if raw is not None else None
            if raw is None or when is None:
                self.bad.add(date_text)
                return None
            number = self.date_shapes.setdefault(raw.shape, len(self.date_shapes))
            entry = self.dates[date_text] = (when, number << 16)
        return entry

    def own(self, date_text: str, head: str, tail: str) -> tuple[datetime | None, int]:
        """Timestamp (None when impossible) and shape of a header in the file's own spelling."""
        date_entry = self._date(date_text)
        offsets: list[timedelta] = []
        for part, cache, read in (
            (head, self.heads, lambda t: clock_head(t, self.half_after)),
            (tail, self.tails, clock_tail),
        ):
            offset = cache.get(part)
            if offset is None and ("\n" + part) not in self.bad:
                offset = read(part)
                if offset is None:
                    self.bad.add("\n" + part)  # (no date text holds a newline)
                else:
                    cache[part] = offset
            if offset is None:
                return None, 0
            offsets.append(offset)
        if date_entry is None:
            return None, 0
        return date_entry[0] + offsets[0] + offsets[1], date_entry[1]

    def entry(self, date_text: str, time_text: str) -> tuple[datetime | None, int]:
        """Timestamp (None when impossible) and shape of a header in any spelling."""
        date_entry = self._date(date_text)
        time_entry = self.times.get(time_text)
        if time_entry is None:
            time_entry = self.times[time_text] = _time_entry(time_text, self.time_shapes)
        delta, time_shape = time_entry
        if date_entry is None or delta is None:
            return None, 0
        return date_entry[0] + delta, date_entry[1] | time_shape

    def _run(self, text: str, rows: re.Pattern[str], first_row: re.Pattern[str]) -> None:
        messages = self.messages
        append = messages.append
        new = Message
        odd = self.odd
        dates = self.dates
        heads = self.heads
        tails = self.tails
        names: dict[str, str | None] = {"": None}
        own = self.own
        entry = self.entry
        has_mark = _HAS_MARK
        exact = _EXACT_PLAIN
        add = self._add

        # Until the first header, lines gather in a stand-in message with no timestamp, which
        # _add turns into skipped orphan lines.
        stamp: datetime | None = None
        when: datetime | None
        author: str | None = None
        name = body = tail = ""
        first = first_row.match(text)
        start, size = (first.end() if first is not None else 0), len(text)
        chunk: list[tuple[str, ...]] = [first.groups("")] if first is not None else []
        while True:
            for date_text, time_head, time_tail, row_name, row_body, other in chunk:
                if date_text:
                    try:
                        date_entry = dates[date_text]
                        when = date_entry[0] + heads[time_head]
                        if time_tail:
                            when += tails[time_tail]
                        shape = date_entry[1]
                        next_author = names[row_name]
                    except KeyError:  # not seen yet, or impossible
                        when, shape = own(date_text, time_head, time_tail)
                        next_author = names.get(row_name, "")
                        if next_author == "":
                            next_author = names[row_name] = _author(row_name)
                    if when is not None:
                        # The previous message is plain text unless it holds a "<" or "(" (a
                        # placeholder or edit mark), an invisible mark (never in an ASCII or
                        # printable string), or is a placeholder itself.
                        if (
                            author is not None
                            and "<" not in body
                            and "(" not in body
                            and (body.isascii() or body.isprintable() or has_mark(body) is None)
                            and (len(body) > _LONGEST_EXACT or body not in exact)
                        ):
                            append(new("", stamp, author, body))
                        else:
                            add(stamp, author, name, body)
                        if shape:
                            odd.append((len(messages), shape))
                        stamp = when
                        name = row_name
                        author = next_author
                        body = row_body
                        tail = ""
                        continue
                    other = self.bracket + date_text + time_head + (time_tail or self.fixed_tail)
                    other += f"{row_name}: {row_body}" if row_name else row_body
                lead = other[:1]
                header = (
                    HEADER.match("\n" + other)
                    if lead == "[" or lead.isdigit() or lead in _MARK_CHARS
                    else None
                )
                if header is not None:
                    when, shape = entry(header.group(1), header.group(2))
                    if when is not None:
                        add(stamp, author, name, body)
                        if shape:
                            odd.append((len(messages), shape))
                        stamp = when
                        name = header.group(3) or ""
                        author = names.get(name, "")
                        if author == "":
                            author = names[name] = _author(name)
                        body = other[header.end() - 1 :]
                        tail = ""
                        continue
                if other.strip():
                    body += f"{tail}\n{other}"
                    tail = ""
                else:  # blank lines count only if more text follows them
                    tail += "\n" + other
            if start >= size:
                break
            stop = text.find("\n", start + _CHUNK)
            if stop < 0:
                stop = size
            chunk = rows.findall(text, start, stop)
            start = stop
        add(stamp, author, name, body)

    def _add(self, stamp: datetime | None, author: str | None, name: str, body: str) -> None:
        """The slow path: a message with placeholders, marks or no author, or the stand-in."""
        if stamp is None:  # the lines before the first header
            for number, line in enumerate(body.split("\n")):
                if line.strip():
                    self.orphans.append(Skipped(number, _ORPHAN, line.strip()[:200]))
            return
        if author is not None:  # the commonest placeholders, exactly as WhatsApp writes them
            omitted = _OMITTED_BODY.get(body)
            if omitted is not None:
                self.messages.append(Message("", stamp, author, "", attachments=omitted))
                return
            if body in _DELETED_BODY:
                self.messages.append(Message("", stamp, author, "", deleted=True))
                return
            attached = _ATTACHED_BODY(body)
            if attached is not None:
                file = (strip_marks(attached.group(1)).strip(),)
                self.messages.append(Message("", stamp, author, "", attachments=file))
                return
        message = _message(stamp, author, name or None, body)
        if not name and ":" in message.text:
            self.colon_system = True
        self.messages.append(message)

    def line_starts(self, text: str) -> list[int]:
        """Where each message's header line starts (a second pass, only for the rare file with
        pasted header lines to fold back into messages)."""
        starts: list[int] = []
        first = _header_at(text, 0)
        if first is not None and self.entry(first.group(1), first.group(2))[0] is not None:
            starts.append(0)
        for match in HEADER.finditer(text):
            if self.entry(match.group(1), match.group(2))[0] is not None:
                starts.append(match.start() + 1)
        return starts


def _time_entry(text: str, shape_ids: dict[str, int]) -> tuple[timedelta | None, int]:
    read = read_time(text)
    if read is None:
        return None, 0
    delta, shape = read
    return delta, shape_ids.setdefault(shape, len(shape_ids))


def _author(raw: str) -> str | None:
    """A header's author, cleaned; None when the "author" is really a system line's start."""
    if _SYSTEM_NAME.search(raw):
        return None
    return clean_name(raw) or None


def _orphans(text: str, start: int, end: int) -> list[Skipped]:
    """Skipped lines for ``text[start:end]``: text with no message above it to belong to."""
    first_line = text.count("\n", 0, start) + 1
    return [
        Skipped(first_line + offset, _ORPHAN, line.strip()[:200])
        for offset, line in enumerate(text[start:end].split("\n"))
        if line.strip()
    ]


def _message(
    stamp: datetime | None, author: str | None, author_raw: str | None, body: str
) -> Message:
    """A message from its header's parts and its body text (the slow path: placeholders, marks,
    edits, deletions, system notices)."""
    if author is None:  # a system line: Android writes no author, or the "author" is a notice
        text = body if author_raw is None else f"{author_raw}: {body}"
        return Message("", stamp, None, strip_marks(text).strip(), "system")
    text, kind, attachments, edited, deleted = classify(body)
    return Message(
        "",
        stamp,
        None if kind == "system" else author,
        text,
        kind,
        attachments,
        edited=edited,
        deleted=deleted,
    )


def classify(body: str) -> tuple[str, MessageKind, tuple[str, ...], bool, bool]:
    """A post's text without WhatsApp's placeholders: (text, kind, attachments, edited, deleted).

    Each check is guarded by a cheap test, since one export can hold tens of thousands of media
    placeholders."""
    marked = body[:1] in _MARK_CHARS
    text = body if body.isascii() else strip_marks(body)
    text = text.strip()
    edited = False
    if text.endswith(">"):
        edit = _EDITED.match(text, text.rfind("<"))
        if edit is not None:
            edited = True
            text = text[: edit.start()].rstrip()
    if len(text) < 48 and text.casefold().rstrip(".").rstrip() in _DELETED:
        return "", "message", (), edited, True
    first, newline, rest = text.partition("\n")
    key = first.strip().casefold()
    omitted = _OMITTED.get(key) or _OMITTED.get(key.rstrip("."))
    if omitted is not None:
        return rest.strip(), "message", (f"<omitted:{omitted}>",), edited, False
    if "<" in first:
        attached = _ATTACHED.search(first)
        if attached is not None:
            before = first[: attached.start()].strip()
            after = first[attached.end() :].strip()
            kept = [part for part in (before, after) if part and "•" not in part]
            if newline:
                kept.append(rest)
            return "\n".join(kept).strip(), "message", (attached.group(1),), edited, False
    if first.endswith(")"):
        filed = _FILE_ATTACHED.search(first)
        if filed is not None and filed.start() > 0:
            name = first[: filed.start()].split(" • ")[0].strip()
            kept = [first[filed.end() :].strip()] + ([rest] if newline else [])
            return "\n".join(k for k in kept if k).strip(), "message", (name,), edited, False
    if key.endswith(_DOCUMENT_OMITTED):
        return rest.strip(), "message", ("<omitted:document>",), edited, False
    if marked and _IOS_SYSTEM.search(first):
        return text, "system", (), edited, False
    return text, "message", (), edited, False


# ---------------------------------------------------------------------------------------------
# The continuation rule (module docstring) and authors written without a space after the colon


def _keep_pasted_lines_in_text(text: str, scan: _Scan, skipped: list[Skipped]) -> list[Message]:
    """Fold header-shaped lines that score as pasted text back into the message above."""
    messages = scan.messages
    total = len(messages)
    shapes = [0] * total
    for index, shape in scan.odd:
        shapes[index] = shape
    dominant, dominant_count = Counter(shapes).most_common(1)[0]
    shape_weight = 1 if dominant_count * 2 > total else 0

    back = steps = 0
    last: datetime | None = None
    known: set[str] = set()
    for message, shape in zip(messages, shapes, strict=True):
        if shape != dominant:
            continue
        if message.sender is not None:
            known.add(message.sender)
        if message.timestamp is not None:
            if last is not None:
                steps += 1
                back += message.timestamp < last
            last = message.timestamp
    time_weight = 1 if back * 100 <= steps else 0

    demoted: set[int] = set()
    previous: datetime | None = None
    for index, (message, shape) in enumerate(zip(messages, shapes, strict=True)):
        if shape != dominant:
            score = shape_weight
            if time_weight and previous is not None and message.timestamp is not None:
                score += message.timestamp <= previous
            score += message.sender is None or message.sender not in known
            if score >= 2:
                demoted.add(index)
                continue
        previous = message.timestamp
    if not demoted:
        return messages

    starts = scan.line_starts(text)
    kept: list[Message] = []
    index = 0
    while index < total:
        end = index
        while end + 1 < total and end + 1 in demoted:
            end += 1
        stop = starts[end + 1] - 1 if end + 1 < total else len(text)
        if index in demoted:  # nothing above it: text before the first message
            skipped.extend(_orphans(text, starts[index], stop))
        elif end == index:
            kept.append(messages[index])
        else:
            kept.append(_rebuild(text, starts[index], stop, messages[index]))
        index = end + 1
    return kept


def _rebuild(text: str, line_start: int, stop: int, message: Message) -> Message:
    """A message re-read, as the main loop reads it, with the pasted header-shaped lines below it
    as part of its text."""
    piece = "\n" + text[line_start:stop]
    match = HEADER.match(piece)
    if match is None:  # pragma: no cover - line_start always came from a header match
        return message
    name = match.group(3)
    author = _author(name) if name is not None else None
    return _message(message.timestamp, author, name, piece[match.end() :].rstrip())


def _authors_without_space(messages: list[Message]) -> None:
    """``Sam:.`` (no space after the colon) on a line with no other author: Sam's message, when
    Sam writes elsewhere in the chat; otherwise the line stays a system notice."""
    known = {m.sender for m in messages if m.sender is not None}
    for index, message in enumerate(messages):
        if message.kind != "system" or ":" not in message.text:
            continue
        head, _, rest = message.text.partition(":")
        author = clean_name(head)
        if author in known:
            messages[index] = _message(message.timestamp, author, head, rest)
