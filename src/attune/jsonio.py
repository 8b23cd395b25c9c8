"""JSON for the large per-message files (signals, the analysis): orjson, with the standard
library behind it.

Why: reading 50,000 signal records with ``json`` took ~2 s and writing them ~2 s on 2 cores;
orjson does each about 3x faster (bench/README.md). It is stricter than ``json`` (no NaN, no
integers beyond 64 bits, string keys only), so anything it refuses goes to ``json``, and the
results are the same values either way. It also reads an integer beyond 64 bits as a float
(found by the property test), so text with a run of 19 or more digits is read by ``json``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_STDLIB_DUMPS = json.JSONEncoder(ensure_ascii=False).encode
# every digit made "0", then one search: ~10x faster than a regular expression on 50 MB
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_DIGITS_TO_ZERO_STR = str.maketrans("123456789", "000000000")
_LONG_RUN = "0" * 19
_LONG_RUN_BYTES = _LONG_RUN.encode()


def loads(data: bytes | str) -> Any:
    """The value of one JSON document; ``json.JSONDecodeError`` if it is not valid JSON."""
    if isinstance(data, bytes):
        long_number = _LONG_RUN_BYTES in data.translate(_DIGITS_TO_ZERO)
    else:
        long_number = _LONG_RUN in data.translate(_DIGITS_TO_ZERO_STR)
    if long_number:
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # what orjson refuses but json reads (NaN, huge ints), or the error


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII characters kept as they are."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: huge ints, non-string keys, other types
        return _STDLIB_DUMPS(value)


def dumpb(value: Any) -> bytes:
    """:func:`dumps` as UTF-8 bytes, for files: orjson's own output, never decoded and encoded
    again (~0.3 s of the 57 MB analysis of a 50,000-message chat)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return _STDLIB_DUMPS(value).encode("utf-8")
