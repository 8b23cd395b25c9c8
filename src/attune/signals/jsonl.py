"""The JSON Lines of ``attune annotate``: messages in, records out (written all or nothing)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attune.errors import AttuneError, ExportError
from attune.jsonio import dumpb, loads

if TYPE_CHECKING:
    from attune.signals.annotate import Item


def read_items(path: Path) -> list[Item]:
    """Each non-blank line: ``{"id": …, "text": "…", "context": ["…"]?, "sender": "…"?}``.

    A line that cannot be read is a one-line error naming ``file:line``."""
    return [_item(path, number, obj) for number, obj in _objects(path)]


def _objects(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) of each non-blank line; unreadable input is an ExportError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AttuneError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AttuneError(f"{path}: is a folder, not a JSON Lines file") from None
    except OSError as exc:
        raise AttuneError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value = loads(line)
        except UnicodeDecodeError:
            raise ExportError(path, "not UTF-8 text", number) from None
        except json.JSONDecodeError as exc:
            raise ExportError(path, f"not valid JSON ({exc.msg})", number) from None
        yield number, value


def _item(path: Path, number: int, obj: Any) -> Item:
    from attune.signals.annotate import Item  # not needed to read records (the signals cache)

    if not isinstance(obj, dict):
        raise ExportError(path, "expected a JSON object per line", number)
    if "id" not in obj:
        raise ExportError(path, 'no "id"', number)
    if "text" not in obj:
        raise ExportError(path, 'no "text"', number)
    text = obj["text"]
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ExportError(path, f'"text" must be a string, not {type(text).__name__}', number)
    context = obj.get("context")
    if context is None:
        context = []
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise ExportError(path, '"context" must be a list of strings', number)
    sender = obj.get("sender")
    if sender is not None and not isinstance(sender, str):
        raise ExportError(path, '"sender" must be a string', number)
    return Item(id=obj["id"], text=text, context=tuple(context), sender=sender)


def record_lines(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    return (dumpb(record) + b"\n" for record in records)


def read_records(path: Path) -> dict[str, dict[str, Any]]:
    """Signals written earlier (``annotate`` output, or ``analyze --signals``), by message id.

    Used as a cache: a record carrying ``text`` is reused only for a message with that text."""
    records: dict[str, dict[str, Any]] = {}
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of nested records, no cycles: collector passes only cost
    try:
        for number, obj in _objects(path):
            if not isinstance(obj, dict) or "id" not in obj:
                raise ExportError(path, 'expected a signals record with an "id"', number)
            records[str(obj["id"])] = obj
    finally:
        if enabled:
            gc.enable()
    return records
