"""Small text clean-ups every importer needs, in one place."""

from __future__ import annotations

INVISIBLE_MARKS = "\u200e\u200f\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff"
_INVISIBLE = str.maketrans("", "", INVISIBLE_MARKS)


def strip_marks(text: str) -> str:
    """Remove bidi and byte-order marks, which exports sprinkle around names and text."""
    return text.translate(_INVISIBLE)


def clean_name(name: str) -> str:
    """A participant name without invisible marks or odd spacing (U+00A0, U+202F)."""
    return " ".join(strip_marks(name).replace("\u202f", " ").replace("\u00a0", " ").split())
