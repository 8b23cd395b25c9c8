"""Writing a conversation as the import contract's JSON Lines, all or nothing.

The encoder is hand-rolled around the C string escaper: a million-message export is written in a
few seconds, streamed so memory stays flat. Its output is byte-identical to
``json.dumps(message.to_dict(), ensure_ascii=False)`` (a property test holds it to that).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from json.encoder import encode_basestring
from pathlib import Path
from typing import BinaryIO

from attune.conversation import Conversation, Message
from attune.errors import AttuneError

_CHUNK = 20_000


def iter_lines(messages: Iterable[Message]) -> Iterator[str]:
    """One JSON line (with its newline) per message."""
    string = encode_basestring
    stamps: dict[datetime, str] = {}
    for m in messages:
        ts = m.timestamp
        if ts is None:
            stamp = "null"
        elif ts.tzinfo is None:
            cached = stamps.get(ts)
            if cached is None:
                cached = stamps[ts] = f'"{ts.isoformat()}"'
            stamp = cached
        else:
            stamp = f'"{ts.isoformat()}"'
        attachments = "[" + ", ".join(map(string, m.attachments)) + "]" if m.attachments else "[]"
        reactions = (
            "["
            + ", ".join(
                f'{{"sender": {"null" if r.sender is None else string(r.sender)}, '
                f'"emoji": {string(r.emoji)}}}'
                for r in m.reactions
            )
            + "]"
            if m.reactions
            else "[]"
        )
        yield (
            f'{{"id": {string(m.id)}, "timestamp": {stamp}, '
            f'"sender": {"null" if m.sender is None else string(m.sender)}, '
            f'"text": {string(m.text)}, "kind": {string(m.kind)}, "attachments": {attachments}, '
            f'"reply_to": {"null" if m.reply_to is None else string(m.reply_to)}, '
            f'"edited": {"true" if m.edited else "false"}, '
            f'"deleted": {"true" if m.deleted else "false"}, "reactions": {reactions}}}\n'
        )


def conversation_lines(conversation: Conversation) -> list[str]:
    return list(iter_lines(conversation.messages))


def _write_all(handle: BinaryIO, lines: Iterator[str | bytes]) -> None:
    """Lines of text are encoded as UTF-8, bytes written as they are (JSON from orjson, never
    decoded). Writing allocates only strings (no cycles), so the cyclic collector is paused
    meanwhile: its passes over a million live messages would cost more than the writing itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        while chunk := list(islice(lines, _CHUNK)):
            text = [line for line in chunk if isinstance(line, str)]
            if len(text) == len(chunk):
                handle.write("".join(text).encode("utf-8"))
            else:
                handle.write(b"".join(_utf8(line) for line in chunk))
    finally:
        if enabled:
            gc.enable()


def _utf8(line: str | bytes) -> bytes:
    return line.encode("utf-8") if isinstance(line, str) else line


def write_jsonl(conversation: Conversation, out: Path | None) -> None:
    """The conversation as the import contract's JSON Lines (see :func:`write_lines`)."""
    write_lines(iter_lines(conversation.messages), out)


def write_lines(lines: Iterable[str | bytes], out: Path | None) -> None:
    """Stream ``lines`` (text, or UTF-8 bytes) to ``out`` through a temporary file renamed into
    place, so no half file is left; to stdout when ``out`` is None."""
    stream = iter(lines)
    if out is None:
        sys.stdout.flush()
        _write_all(sys.stdout.buffer, stream)
        sys.stdout.buffer.flush()
        return
    directory = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
    except OSError as exc:
        raise AttuneError(f"{out}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_all(handle, stream)
        os.replace(tmp, out)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise AttuneError(f"{out}: cannot write ({exc.strerror or exc})") from None
        raise
