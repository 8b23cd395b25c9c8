"""The registry of export formats: each importer is a small registered component (spaCy-style).

An importer module registers a ``parse`` function with a ``sniff`` that scores how sure it is a
file is in its format. Third-party formats plug in through the ``attune.formats`` entry point group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attune.conversation import Conversation
    from attune.ingest.source import Source


@dataclass(frozen=True)
class ImportOptions:
    """Choices a person can make for exports that cannot tell everything themselves."""

    tz: str | None = None
    """Zone for exports that store instants (epoch numbers): local wall-clock with offset."""
    chat: str | None = None
    """Which chat to take from a multi-chat export (Telegram full export, iMessage chat.db)."""
    me: str | None = None
    """The exporting person's name, for exports that only say "me" (SMS, iMessage)."""
    date_order: str | None = None
    """Force WhatsApp's day/month order: "dmy", "mdy" or "ymd"."""
    columns: dict[str, str] = field(default_factory=dict)
    """Column mapping for generic CSV/JSONL, e.g. {"sender": "From", "text": "Body"}."""


Sniff = Callable[["Source"], float]
Parse = Callable[["Source", ImportOptions], "Conversation"]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    description: str
    sniff: Sniff
    parse: Parse


FORMATS: dict[str, ExportFormat] = {}


def export_format(name: str, *, description: str, sniff: Sniff) -> Callable[[Parse], Parse]:
    """Register ``parse`` as the reader of format ``name``."""

    def register(parse: Parse) -> Parse:
        FORMATS[name] = ExportFormat(name, description, sniff, parse)
        return parse

    return register


def load_plugins() -> None:
    """Import third-party formats declared under the ``attune.formats`` entry point group."""
    for entry in entry_points(group="attune.formats"):
        entry.load()
