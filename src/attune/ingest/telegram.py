"""Placeholder until this format's importer lands (see issue 2)."""

from __future__ import annotations

from attune.conversation import Conversation
from attune.errors import ExportError
from attune.ingest.registry import ImportOptions
from attune.ingest.source import Source


def parse(source: Source, options: ImportOptions) -> Conversation:
    raise ExportError(source.path, "this format is not supported yet")
