"""The one error type that leaves the product: it always names the file, and the line when known."""

from __future__ import annotations

from pathlib import Path


class AttuneError(Exception):
    """Base for every error the product reports to a person (one line, no traceback)."""


class ExportError(AttuneError):
    """A chat export that cannot be read, pointing at the file and, where known, the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
