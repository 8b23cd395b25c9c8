"""Small text clean-ups every importer needs, in one place."""

from __future__ import annotations

import re

INVISIBLE_MARKS = "\u200e\u200f\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff"
_INVISIBLE = str.maketrans("", "", INVISIBLE_MARKS)
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


def strip_marks(text: str) -> str:
    """Remove bidi and byte-order marks, which exports sprinkle around names and text."""
    return text.translate(_INVISIBLE)


def clean_name(name: str) -> str:
    """A participant name without invisible marks or odd spacing (U+00A0, U+202F)."""
    return " ".join(strip_marks(name).replace("\u202f", " ").replace("\u00a0", " ").split())


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 ("Ã©" → "é"), only where that is what happened.

    Facebook's JSON exports write UTF-8 bytes as \\u00XX escapes. Text that is genuine (a real
    "“" or "é") does not survive the round trip and is returned unchanged.
    """
    if not _MOJIBAKE_HINT.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
