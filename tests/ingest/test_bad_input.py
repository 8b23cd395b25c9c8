"""Bad input through the real command line: one clear line on stderr, no traceback, no output file.

interfaces.md: "Errors: a non-zero exit status and one clear line on stderr that names the file (and
line, where there is one) — never a traceback." With ``--out``, nothing (not even a temporary file)
is left behind.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import pytest

from attune.errors import ExportError
from attune.ingest.source import read_bytes
from tests.conftest import run_attune

WHATSAPP = (
    "05/10/2023, 21:14 - Alex: Are you free tonight?\n"
    "05/10/2023, 21:15 - Sam: Yes!\n"
    "05/10/2023, 21:16 - Alex: café at seven?\n"
)
TELEGRAM = {
    "name": "Sam",
    "type": "personal_chat",
    "id": 1,
    "messages": [
        {
            "id": 1,
            "type": "message",
            "date": "2023-10-05T21:14:00",
            "date_unixtime": "1696533240",
            "from": "Alex",
            "from_id": "user1",
            "text": "Are you free tonight?",
            "text_entities": [{"type": "plain", "text": "Are you free tonight?"}],
        }
    ],
}


def fails_cleanly(path: Path, *args: str, line: int | None = None) -> str:
    """Run ``attune import PATH ARGS --out OUT`` and check the one-line refusal; return it."""
    out = path.parent / "out.jsonl" if path.parent.exists() else Path("out-never-written.jsonl")
    result = run_attune("import", str(path), *args, "--out", str(out))
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = [x for x in result.stderr.split("\n") if x.strip()]
    assert len(lines) == 1, result.stderr
    [message] = lines
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in message
    assert message.startswith(f"error: {path}"), message
    if line is not None:
        assert message.startswith(f"error: {path}:{line}: "), message
    assert result.stdout == ""
    assert not out.exists()
    if path.parent.exists():
        assert not list(path.parent.glob(".out.jsonl.*")), "temporary output left behind"
    return message


def imports(path: Path, *args: str) -> list[dict[str, object]]:
    result = run_attune("import", str(path), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(b"")
    assert "empty" in fails_cleanly(path)


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(b" \n\t\r\n  \n")
    fails_cleanly(path)
    assert "empty" in fails_cleanly(path, "--format", "transcript")


def test_binary_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(random.Random(7).randbytes(4096) + b"\x00" * 16)
    fails_cleanly(path)
    fails_cleanly(path, "--format", "transcript")


def test_png_image(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(512))
    fails_cleanly(path, "--format", "csv")


def test_telegram_format_on_a_whatsapp_export(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Sam.txt"
    path.write_text(WHATSAPP, encoding="utf-8")
    fails_cleanly(path, "--format", "telegram")


def test_whatsapp_format_on_json(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(TELEGRAM, indent=1), encoding="utf-8")
    fails_cleanly(path, "--format", "whatsapp")


def test_truncated_telegram_json_names_the_line(tmp_path: Path) -> None:
    text = json.dumps(TELEGRAM, indent=1)
    path = tmp_path / "result.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    last_line = text[: len(text) // 2].count("\n") + 1
    message = fails_cleanly(path, "--format", "telegram", line=last_line)
    assert "JSON" in message


def test_truncated_jsonl_names_the_line(tmp_path: Path) -> None:
    record = {"id": "m1", "timestamp": None, "sender": "A", "text": "hi", "kind": "message"}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(record)[:20], encoding="utf-8")
    fails_cleanly(path, line=2)


def test_mixed_encodings_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "session.txt"
    path.write_bytes("Alex: héllo\nSam: fine\n".encode() + "Sam: café\n".encode("cp1252"))
    assert "mixed text encodings" in fails_cleanly(path, line=3)


def test_legacy_cp1252_file_imports(tmp_path: Path) -> None:
    path = tmp_path / "session.txt"
    path.write_bytes("Zoë: café “tonight”?\nSam: oui, à sept heures\n".encode("cp1252"))
    got = [(r["sender"], r["text"]) for r in imports(path)]
    assert got == [("Zoë", "café “tonight”?"), ("Sam", "oui, à sept heures")]


def test_utf16_with_bom_imports(tmp_path: Path) -> None:
    path = tmp_path / "chat.csv"
    path.write_bytes("sender,text\r\nZoë,héllo 😀\r\nSam,hi\r\n".encode("utf-16"))
    got = [(r["sender"], r["text"]) for r in imports(path)]
    assert got == [("Zoë", "héllo 😀"), ("Sam", "hi")]


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"Alex: hi\n" * 100)
    with pytest.raises(ExportError, match="over the 500-byte limit") as info:
        read_bytes(path, limit=500)
    assert str(info.value).startswith(str(path))
    assert read_bytes(path, limit=900) == b"Alex: hi\n" * 100


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat - Sam.zip"
    path.write_bytes(_zip({"_chat.txt": WHATSAPP.encode() + b" " * 20_000_000}))
    fails_cleanly(path)
    assert "zip bomb" in fails_cleanly(path, "--format", "whatsapp")


def test_path_traversal_zip(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat - Sam.zip"
    path.write_bytes(_zip({"../x.txt": WHATSAPP.encode(), "_chat.txt": WHATSAPP.encode()}))
    assert "unsafe path" in fails_cleanly(path, "--format", "whatsapp")
    fails_cleanly(path)
    assert not (tmp_path.parent / "x.txt").exists()


def test_truncated_zip(tmp_path: Path) -> None:
    data = _zip({"_chat.txt": WHATSAPP.encode() * 50})
    path = tmp_path / "WhatsApp Chat - Sam.zip"
    path.write_bytes(data[: len(data) // 2])
    fails_cleanly(path, "--format", "whatsapp")


def test_nonexistent_path(tmp_path: Path) -> None:
    assert "no such file" in fails_cleanly(tmp_path / "missing.txt")


def test_folder_with_nothing_recognisable(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "notes.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "photos").mkdir()
    fails_cleanly(folder)


def test_unknown_format_name(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(WHATSAPP, encoding="utf-8")
    message = fails_cleanly(path, "--format", "myspace")
    assert "unknown format 'myspace'" in message
    assert "whatsapp" in message


def test_bad_columns_option(tmp_path: Path) -> None:
    path = tmp_path / "chat.csv"
    path.write_text("sender,text\nAlex,hi\n", encoding="utf-8")
    message = fails_cleanly(path, "--columns", "text=Body")
    assert "no column 'Body' for text" in message


def test_zip_needing_an_unknown_zip_version(tmp_path: Path) -> None:
    """zipfile raises NotImplementedError (not BadZipFile) for a version it cannot extract."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_chat.txt", "12/03/2024, 09:15 - Ana: hi\n")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (123).to_bytes(2, "little")  # "needs zip version 12.3"
    path = tmp_path / "WhatsApp Chat - Ana.zip"
    path.write_bytes(bytes(data))
    message = fails_cleanly(path, "--format", "whatsapp")
    assert "not a readable zip archive" in message


def test_zip_entry_with_no_name(tmp_path: Path) -> None:
    """A damaged central directory can give an entry an empty name, on which zipfile's own
    is_dir() raises IndexError (found by the fuzzer): one clear line instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_chat.txt", "12/03/2024, 09:15 - Ana: hi\n")
        archive.writestr("IMG.jpg", b"\xff\xd8")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    length = int.from_bytes(data[central + 28 : central + 30], "little")
    data[central + 28 : central + 30] = (0).to_bytes(2, "little")  # the first name: empty
    del data[central + 46 : central + 46 + length]
    end = data.index(b"PK\x05\x06")
    size = int.from_bytes(data[end + 12 : end + 16], "little") - length
    data[end + 12 : end + 16] = size.to_bytes(4, "little")  # the central directory's size
    path = tmp_path / "WhatsApp Chat - Ana.zip"
    path.write_bytes(bytes(data))
    assert "zip entry 1 has no name" in fails_cleanly(path, "--format", "whatsapp")
    fails_cleanly(path)
