"""Writing a conversation as the import contract's JSON Lines, all or nothing."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from attune.conversation import Conversation
from attune.errors import AttuneError


def conversation_lines(conversation: Conversation) -> list[str]:
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    return [dumps(m.to_dict()) + "\n" for m in conversation.messages]


def write_jsonl(conversation: Conversation, out: Path | None) -> None:
    """Write to ``out`` through a temporary file renamed into place, so no half file is left;
    to stdout when ``out`` is None."""
    lines = conversation_lines(conversation)
    if out is None:
        sys.stdout.writelines(lines)
        sys.stdout.flush()
        return
    directory = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
    except OSError as exc:
        raise AttuneError(f"{out}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AttuneError(f"{out}: cannot write ({exc.strerror or exc})") from None
