"""Shared test fixtures: where the shared labelled data lives, and running the CLI for real."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_CHATS = SHARED_DATA / "chats"


def shared_chat(relative: str) -> Path:
    """A fixture chat from ../shared/data/chats, skipping the test cleanly when it is absent."""
    path = SHARED_CHATS / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def run_attune(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``attune`` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "attune", *args],
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
        check=False,
    )


settings.register_profile("attune", deadline=None, print_blob=True)
settings.load_profile("attune")


def record(
    id_: str, ts: str | None, sender: str | None, text: str, **extra: object
) -> dict[str, object]:
    """The import contract's JSON record of an ordinary message, with ``extra`` fields replaced."""
    fields: dict[str, object] = {
        "id": id_,
        "timestamp": ts,
        "sender": sender,
        "text": text,
        "kind": "message",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
    }
    fields.update(extra)
    return fields
