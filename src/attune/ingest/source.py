"""Reading an export's bytes safely: size limits, text decoding, and zip archives that cannot bomb.

Every failure here is an :class:`~attune.errors.ExportError` naming the file (and line).
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from attune.errors import ExportError

MAX_EXPORT_BYTES = 1 << 30
"""Largest export file (or chat file inside a zip) read into memory: 1 GiB."""

MAX_ZIP_MEMBERS = 100_000
MAX_COMPRESSION_RATIO = 200
"""Text compresses about 3-10×; a member claiming far more is treated as a zip bomb."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def decode_text(data: bytes, path: str | Path, encoding: str | None = None) -> str:
    """Decode an export's text: BOMs, UTF-16 without BOM, and single legacy encodings.

    A file that mixes valid UTF-8 with bytes that are not UTF-8 is refused with the first
    offending line, since guessing would silently corrupt someone's words.
    """
    if encoding:
        try:
            return _normalise_newlines(data.decode(encoding))
        except (UnicodeDecodeError, LookupError) as exc:
            raise ExportError(path, f"cannot decode as {encoding}: {exc}") from None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise ExportError(
                    path, f"invalid {codec} text", _line_of(data, exc.start)
                ) from None
    if _looks_utf16(data):
        codec = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            return _normalise_newlines(data.decode(codec))
        except UnicodeDecodeError as exc:
            raise ExportError(path, f"invalid {codec} text", _line_of(data, exc.start)) from None
    nul = data.find(b"\x00")
    if nul != -1:
        raise ExportError(path, "binary data, not a text chat export", _line_of(data, nul))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _has_utf8_multibyte(data):
            raise ExportError(
                path,
                f"mixed text encodings (byte 0x{data[exc.start]:02x} is not UTF-8 while other "
                "lines are); re-export the chat or pass --encoding",
                _line_of(data, exc.start),
            ) from None
        text = data.decode("cp1252") if _cp1252_ok(data) else data.decode("latin-1")
    sample = data[:65536]
    if sample and sum(sample.count(b) for b in _CONTROL_BYTES) > len(sample) // 100 + 4:
        raise ExportError(path, "binary data, not a text chat export", 1)
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _looks_utf16(data: bytes) -> bool:
    head = data[:200]
    if len(head) < 4:
        return False
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) // 2
    return max(even_nuls, odd_nuls) > half * 0.6 and min(even_nuls, odd_nuls) < half * 0.1


def _has_utf8_multibyte(data: bytes) -> bool:
    """True when the bytes contain at least one well-formed UTF-8 multi-byte character."""
    return _UTF8_MULTIBYTE.search(data) is not None


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_bytes(path: Path, limit: int = MAX_EXPORT_BYTES) -> bytes:
    """Read a whole file, refusing ones over ``limit`` before reading them."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ExportError(path, f"file is {size:,} bytes, over the {limit:,}-byte limit")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ExportError(path, exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise ExportError(path, f"file is over the {limit:,}-byte limit")
    if not data.strip():
        raise ExportError(path, "file is empty")
    return data


@dataclass
class Source:
    """An export on disk, with its bytes and text read once and cached for sniffing and parsing."""

    path: Path
    encoding: str | None = None
    _data: bytes | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return str(self.path)

    def head(self, size: int = 8192) -> bytes:
        """The first bytes, for cheap format detection."""
        if self._data is not None:
            return self._data[:size]
        try:
            with self.path.open("rb") as handle:
                return handle.read(size)
        except OSError as exc:
            raise ExportError(self.path, exc.strerror or str(exc)) from None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = read_bytes(self.path)
        return self._data

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode_text(self.data, self.path, self.encoding)
        return self._text

    def json(self) -> object:
        """The file parsed as JSON; syntax errors and truncation name the line."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise ExportError(self.path, f"invalid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            raise ExportError(self.path, "JSON nested too deeply") from None

    def head_text(self, size: int = 8192) -> str:
        """The start of the file as text, for sniffing (never raises on bad bytes)."""
        head = self.head(size)
        for bom, codec in _BOMS:
            if head.startswith(bom):
                return head.decode(codec, errors="ignore")
        if _looks_utf16(head):
            codec = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
            return head.decode(codec, errors="ignore")
        return head.decode("utf-8", errors="replace")

    def is_zip(self) -> bool:
        return self.path.is_file() and self.head(4) == b"PK\x03\x04"

    def open_zip(self) -> SafeZip:
        return SafeZip(self.path)


class SafeZip:
    """A zip archive opened for reading only: no member is extracted to disk, and bombs,
    path traversal and truncated archives are refused with a one-line error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise ExportError(path, f"not a readable zip archive ({exc})") from None
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ExportError(path, f"zip holds {len(infos):,} entries, over {MAX_ZIP_MEMBERS:,}")
        for number, info in enumerate(infos, 1):
            if not info.filename:  # a damaged central directory; zipfile itself fails on it
                raise ExportError(path, f"zip entry {number} has no name (a damaged archive)")
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise ExportError(path, f"unsafe path in zip entry {info.filename!r}")
        self.infos = infos

    @property
    def names(self) -> list[str]:
        return [i.filename for i in self.infos if not i.is_dir()]

    def read(self, name: str, limit: int = MAX_EXPORT_BYTES) -> bytes:
        """Read one member, streaming with a hard cap so a lying header cannot exhaust memory."""
        info = self._zip.getinfo(name)
        where = f"{self.path}!{name}"
        if info.file_size > limit:
            raise ExportError(where, f"entry is {info.file_size:,} bytes, over the limit")
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            raise ExportError(where, "compression ratio is implausible for a chat (zip bomb?)")
        chunks: list[bytes] = []
        total = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(1 << 20):
                    total += len(chunk)
                    if total > min(limit, max(info.file_size, 1)):
                        raise ExportError(where, "entry expands past its declared size (zip bomb?)")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError) as exc:
            raise ExportError(where, f"truncated or corrupt zip entry ({exc})") from None
        except NotImplementedError as exc:
            raise ExportError(where, f"unsupported zip compression ({exc})") from None
        return b"".join(chunks)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
