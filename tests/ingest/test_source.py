from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from attune.errors import ExportError
from attune.ingest.source import SafeZip, Source, decode_text, read_bytes
from attune.ingest.text import clean_name, strip_marks


def test_decodes_utf8_with_bom_and_normalises_newlines() -> None:
    data = "Alex: hi\r\nSam: hé\rAlex: ok".encode("utf-8-sig")
    assert decode_text(data, "c.txt") == "Alex: hi\nSam: hé\nAlex: ok"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_decodes_utf16_with_or_without_bom(codec: str) -> None:
    text = "12/31/23, 21:14 - Alex: héllo 😀\n"
    assert decode_text(text.encode(codec), "c.txt") == text


def test_single_legacy_encoding_is_read_as_cp1252() -> None:
    assert decode_text("Sam: café “ok”".encode("cp1252"), "c.txt") == "Sam: café “ok”"


def test_mixed_encodings_are_refused_at_the_first_bad_line() -> None:
    data = "Alex: héllo\nSam: fine\n".encode() + "Sam: café\n".encode("cp1252")
    with pytest.raises(ExportError) as info:
        decode_text(data, "c.txt")
    assert info.value.line == 3
    assert str(info.value).startswith("c.txt:3: mixed text encodings")


def test_binary_data_is_refused() -> None:
    with pytest.raises(ExportError, match="binary"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "p.png")
    with pytest.raises(ExportError, match="binary"):
        decode_text(bytes(range(1, 32)) * 20, "p.bin")


def test_explicit_encoding_is_used() -> None:
    assert decode_text("Ünïcode".encode("latin-1"), "c.txt", "latin-1") == "Ünïcode"
    with pytest.raises(ExportError, match="cannot decode as nope"):
        decode_text(b"abc", "c.txt", "nope")


def test_read_bytes_refuses_empty_and_oversized_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(ExportError, match="empty"):
        read_bytes(empty)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ExportError, match="over the 1,024-byte limit"):
        read_bytes(big, limit=1024)


def test_source_json_names_the_line_of_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{\n  "messages": [\n    {"id": 1,\n')
    with pytest.raises(ExportError) as info:
        Source(path).json()
    assert info.value.line == 4
    assert "invalid JSON" in str(info.value)


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_safe_zip_reads_members_without_extracting(tmp_path: Path) -> None:
    path = tmp_path / "chat.zip"
    path.write_bytes(_zip({"_chat.txt": b"hello", "IMG-1.jpg": b"\xff\xd8"}))
    with SafeZip(path) as archive:
        assert sorted(archive.names) == ["IMG-1.jpg", "_chat.txt"]
        assert archive.read("_chat.txt") == b"hello"


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "a/../../b.txt", "C:/x.txt"])
def test_safe_zip_refuses_path_traversal(tmp_path: Path, name: str) -> None:
    path = tmp_path / "evil.zip"
    path.write_bytes(_zip({"_chat.txt": b"hi", name: b"x"}))
    with pytest.raises(ExportError, match="unsafe path"):
        SafeZip(path)


def test_safe_zip_refuses_a_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip({"_chat.txt": b"\x00" * 5_000_000}))
    with SafeZip(path) as archive, pytest.raises(ExportError, match="zip bomb"):
        archive.read("_chat.txt")


def test_safe_zip_refuses_truncated_archives(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes(_zip({"_chat.txt": b"hello " * 1000})[:60])
    with pytest.raises(ExportError, match="not a readable zip"):
        SafeZip(path)


def test_text_helpers() -> None:
    assert strip_marks("\u200eAlex\u2069: \u2068hi\u200f") == "Alex: hi"
    assert clean_name(" \u202aJo\u00a0Ann\u202c ") == "Jo Ann"
