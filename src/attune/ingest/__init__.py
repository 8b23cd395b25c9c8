"""Ingest: chat exports of every kind become one clean :class:`attune.Conversation`."""

from __future__ import annotations

from pathlib import Path

from attune.conversation import Conversation
from attune.errors import ExportError
from attune.ingest import (  # noqa: F401  (importing registers each format)
    discord,
    google_chat,
    imessage,
    messenger,
    signal,
    sms_xml,
    tabular,
    telegram,
    transcript,
    whatsapp,
)
from attune.ingest.registry import FORMATS, ImportOptions, load_plugins
from attune.ingest.source import Source

__all__ = ["FORMATS", "ImportOptions", "detect_format", "read_conversation"]

load_plugins()


def detect_format(source: Source) -> str:
    """The registered format most confident it can read ``source``."""
    scores = sorted(((fmt.sniff(source), name) for name, fmt in FORMATS.items()), reverse=True)
    best_score, best = scores[0]
    if best_score <= 0:
        raise ExportError(
            source.path, "unrecognised chat export format; pass --format to choose one", 1
        )
    return best


def read_conversation(
    path: str | Path,
    format: str = "auto",
    options: ImportOptions | None = None,
    *,
    encoding: str | None = None,
) -> Conversation:
    """Read any supported chat export into a Conversation, or raise :class:`ExportError`."""
    source = Source(Path(path), encoding=encoding)
    if not source.path.exists():
        raise ExportError(source.path, "no such file")
    is_blank = source.path.is_file() and source.path.stat().st_size <= 4096
    if is_blank and not source.head(4096).strip():
        raise ExportError(source.path, "file is empty")
    name = detect_format(source) if format == "auto" else format
    if name not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ExportError(source.path, f"unknown format {name!r} (known: {known})")
    try:
        return FORMATS[name].parse(source, options or ImportOptions())
    except ExportError:
        raise
    except RecursionError:
        raise ExportError(source.path, f"too deeply nested to read as {name}") from None
    except MemoryError:
        raise ExportError(source.path, f"too large to read as {name}") from None
