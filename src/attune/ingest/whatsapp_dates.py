"""WhatsApp's message headers in every locale: the header regex, and dates and times read once each.

A WhatsApp export starts every message with a header whose shape depends on the phone's platform
and locale settings at export time (``12/31/23, 21:14 - ``, ``[31/12/2023, 9:14:05 PM] ``,
``2023. 12. 31. 오후 9:14 - ``, ``31.12.2023 klo 21.14 - `` …). :data:`HEADER` covers them
all; :func:`row_regexes` spells one file's own shape literally, which is much cheaper to run.
Both capture the date text and the time text separately, because both repeat (a day's date on
every message of that day), so each distinct string is parsed once and cached by the importer.

The day/month order cannot be read from a single date (``03/04/23``), so it is decided once for
the whole file by :func:`infer_order` and never flipped mid-file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from attune.ingest.text import INVISIBLE_MARKS

DateOrder = Literal["dmy", "mdy", "ymd"]
ORDERS: tuple[DateOrder, ...] = ("dmy", "mdy", "ymd")

MARKS = "\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
"""Invisible bidi marks WhatsApp sprinkles around header fields (Arabic, Hebrew, iOS)."""

_MK = f"[{MARKS}]*"
_SP = "[ \u00a0\u202f]"
_NUM = r"(?:\d{4}|\d{1,2})"

_AMPM_AFTER = (
    rf"(?:[AaPp]\.?{_SP}?[Mm]\.?|ص|م|午前|午後|上午|下午|오전|오후|[πμ]\.{_SP}?μ\.|vorm\.|nachm\.)"
)
"""Day-half markers written after the time: AM/PM in Latin spellings ("PM", "p.m.", "p. m."),
Arabic ص/م, CJK and Korean words, Greek π.μ./μ.μ., German vorm./nachm."""
_AMPM_BEFORE = "(?:午前|午後|上午|下午|오전|오후)"
"""Japanese, Chinese and Korean put the day-half word before the time."""

DATE_PART = (
    rf"{_NUM}{_MK}[/.\-]{_SP}?{_MK}\d{{1,2}}{_MK}[/.\-]{_SP}?{_MK}{_NUM}\.?{_MK}"
    rf"(?:[,،]{_MK})?{_SP}*(?:klo{_SP}+)?{_MK}"
)
"""The date and what separates it from the time: ``31/12/2023, ``, ``2023. 12. 31. ``,
``٣١‏/١٢‏/٢٠٢٣، ``, ``31.12.2023 klo ``."""

TIME_PART = (
    rf"(?:{_AMPM_BEFORE}{_SP}?)?\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?\.?"
    rf"(?:{_MK}{_SP}?{_MK}{_AMPM_AFTER})?{_MK}"
    rf"(?:\]{_MK}{_SP}?|{_SP}?{_MK}[-–]{_MK}{_SP})"
)
"""The time with its day-half marker, and the header's end: ``] `` (iOS) or `` - `` (Android)."""

OPEN = rf"\n{_MK}\[?{_MK}"
NAME = r"(?:([^:\n]+): )?"
"""The author, up to the first ": " on the line; absent on Android system lines."""

GENERAL = f"{OPEN}({DATE_PART})({TIME_PART}){NAME}"
HEADER = re.compile(GENERAL)
"""Any header, matched at a newline (the text is parsed with a newline in front), so that the
regex engine jumps from line start to line start instead of trying every character. Groups:
date text, time text, author (None on Android system lines)."""

_SPELL_TOKEN = re.compile(f"\\d+|{_AMPM_AFTER}|{_AMPM_BEFORE}")
_HALF_CLASS = {
    "ص": "[صم]",
    "م": "[صم]",
    "午前": "午[前後]",
    "午後": "午[前後]",
    "上午": "[上下]午",
    "下午": "[上下]午",
    "오전": "오[전후]",
    "오후": "오[전후]",
}


def _spell(text: str, digit: str = r"\d") -> str:
    """A regex for header fragments spelled like ``text``: same punctuation, any numbers, either
    half of the day. ``digit`` may narrow ``\\d`` (any script's digits) to ``[0-9]``, which the
    regex engine tests faster."""
    out: list[str] = []
    pos = 0
    for token in _SPELL_TOKEN.finditer(text):
        out.append(re.escape(text[pos : token.start()]))
        word = token.group()
        if word.isdigit():
            out.append(digit + ("{4}" if len(word) == 4 else "{1,2}"))
        elif word in _HALF_CLASS:
            out.append(_HALF_CLASS[word])
        elif word[0] in "AaPp":
            out.append("[AaPp]" + re.escape(word[1:]))
        else:
            out.append(re.escape(word))
        pos = token.end()
    out.append(re.escape(text[pos:]))
    return "".join(out)


BODY = rf"([^\n]*(?:\n(?![\n\[\d{MARKS}])[^\n]*)*)"
"""A message's text: its first line and every following line that cannot start a header. A line
that is empty or starts with a digit, ``[`` or a mark ends it and is looked at on its own (so an
export's blank lines never end up at the end of a message's text)."""


_MINUTES = re.compile(r"\d+\D+\d+")


def split_time(time_text: str) -> tuple[str, str]:
    """A time header fragment cut after its minutes (``9:14`` | ``:05 PM] ``): seconds make
    86,400 distinct times a day, but only 1,440 heads and 120 tails."""
    minutes = _MINUTES.search(time_text)
    end = minutes.end() if minutes is not None else len(time_text)
    return time_text[:end], time_text[end:]


def row_regexes(date_text: str, time_text: str) -> tuple[re.Pattern[str], re.Pattern[str], str]:
    """The file's line reader for ``findall``: each row is a header in the file's own spelling
    with its whole text ``(date, time head, time tail, author, text, "")`` (see
    :func:`split_time`), or any other line with the lines that continue it
    ``("", "", "", "", "", lines)`` — a header in another shape, a line of text starting with a
    digit, a blank line — which the importer looks at with :data:`HEADER`.

    Spelling the file's dominant header literally makes the common line several times cheaper
    than the general regex, and capturing the text in C leaves Python one step per message.
    Returns the reader for rows after a newline, the same for the text's first line, and the
    time tail when it never varies (then captured empty), else ""."""
    head, tail = split_time(time_text)
    ascii_digits = all(c in "0123456789" for c in date_text + time_text if c.isdigit())
    spell = (lambda text: _spell(text, "[0-9]")) if ascii_digits else _spell
    bracket = r"\[" if "]" in time_text else ""
    # A tail with no seconds and no day-half word (`` - ``) never varies: it is matched but
    # captured empty, which spares a string, a lookup and an addition per message.
    fixed_tail = not any(c.isdigit() for c in tail) and day_half(tail) is None
    tail_part = f"(){spell(tail)}" if fixed_tail else f"({spell(tail)})"
    fast = f"[\u200e\u200f]?{bracket}({spell(date_text)})({spell(head)}){tail_part}{NAME}"
    row = f"(?:{fast}{BODY}|{BODY})"
    return re.compile(f"\\n{row}"), re.compile(row), tail if fixed_tail else ""


_DATE_FIELDS = re.compile(r"(\d+)\D+(\d+)\D+(\d+)")
_TIME_FIELDS = re.compile(r"(\d+)\D(\d+)(?:\D(\d+))?")
_AMPM_TOKEN = re.compile(f"{_AMPM_AFTER}|{_AMPM_BEFORE}")
_DIGITS = re.compile(r"\d+")
_INVISIBLE = str.maketrans("", "", INVISIBLE_MARKS + "\u2066\u2067")
_PM_WORDS = {"م", "午後", "下午", "오후", "μ.μ.", "nachm."}
_AM_WORDS = {"ص", "午前", "上午", "오전", "π.μ.", "vorm."}
_HALF_STYLE = {
    "ص": "م",
    "午前": "午後",
    "上午": "下午",
    "오전": "오후",
    "π.μ.": "μ.μ.",
    "vorm.": "nachm.",
}


def _plain(text: str) -> str:
    """Header text without bidi marks and with exotic spaces as plain spaces (shape keys only)."""
    return text.translate(_INVISIBLE).replace("\u00a0", " ").replace("\u202f", " ")


@dataclass(frozen=True, slots=True)
class RawDate:
    """A header's date as written: three numbers, not yet known to be day or month."""

    first: int
    second: int
    third: int
    year_first: bool
    shape: str
    """The date's spelling with numbers blanked (``9/9/9, `` or ``Y.9.9. ``): one phone, one
    shape."""


def read_date(text: str) -> RawDate | None:
    """Split a date header fragment into its numbers (None if it is not three numbers)."""
    fields = _DATE_FIELDS.search(text)
    if fields is None:
        return None
    a, b, c = fields.groups()
    shape = _DIGITS.sub(lambda d: "Y" if len(d.group()) == 4 else "9", _plain(text))
    return RawDate(int(a), int(b), int(c), len(a) == 4, shape)


def resolve(date: RawDate, order: DateOrder) -> datetime | None:
    """Midnight of ``date`` read in ``order`` (a 4-digit first field is always a year), or None."""
    if date.year_first or order == "ymd":
        year, month, day = date.first, date.second, date.third
    elif order == "dmy":
        day, month, year = date.first, date.second, date.third
    else:
        month, day, year = date.first, date.second, date.third
    if year < 100:
        year += 2000
    try:
        return datetime(year, month, day)
    except (ValueError, OverflowError):  # a number too large for a date field
        return None


def read_time(text: str) -> tuple[timedelta, str] | None:
    """A time header fragment as the offset from midnight and its shape key, or None if impossible.

    The shape key keeps what a phone writes the same way every time (seconds or not, the day-half
    word's spelling, ``]`` or ``-``) and blanks the numbers and which half of the day it is.
    """
    plain = _plain(text)
    fields = _TIME_FIELDS.search(plain)
    if fields is None:
        return None
    hour, minute = int(fields.group(1)), int(fields.group(2))
    second = int(fields.group(3)) if fields.group(3) else 0
    token = _AMPM_TOKEN.search(plain)
    style = ""
    if token is not None:
        word = token.group()
        folded = word.replace(" ", "")
        if word in _PM_WORDS or folded in _PM_WORDS:
            pm = True
        elif word in _AM_WORDS or folded in _AM_WORDS:
            pm = False
        else:
            pm = word[0] in "Pp"
        if hour > 12:
            return None
        if pm and hour < 12:
            hour += 12
        elif not pm and hour == 12:
            hour = 0
        latin = word.replace("a", "p").replace("A", "P")
        style = _HALF_STYLE.get(folded, _HALF_STYLE.get(word, latin))
    if hour > 23 or minute > 59 or second > 59:
        return None
    shape = _DIGITS.sub("9", _AMPM_TOKEN.sub("~" + style, plain, count=1) if style else plain)
    return timedelta(hours=hour, minutes=minute, seconds=second), shape


_NUMBERS = re.compile(r"\d+").findall
_HALF_WORD = re.compile(f"{_AMPM_AFTER}|{_AMPM_BEFORE}").search
_IS_PM = {word: True for word in _PM_WORDS} | {word: False for word in _AM_WORDS}


def clock(text: str) -> timedelta | None:
    """The time of day in a header in the file's own spelling (its shape is already known):
    a cheaper :func:`read_time`, since a file with seconds has tens of thousands of times."""
    numbers = _NUMBERS(text)
    if len(numbers) < 2:
        return None
    h, m = int(numbers[0]), int(numbers[1])
    s = int(numbers[2]) if len(numbers) > 2 else 0
    half = _HALF_WORD(text)
    if half is not None:
        word = half.group()
        pm = _IS_PM.get(word.replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
        if pm is None:
            pm = word[0] in "Pp"
        if h > 12:
            return None
        if pm:
            h = h if h == 12 else h + 12
        elif h == 12:
            h = 0
    if h > 23 or m > 59 or s > 59:
        return None
    return timedelta(hours=h, minutes=m, seconds=s)


def day_half(text: str) -> bool | None:
    """True for an afternoon word in ``text``, False for a morning one, None for neither."""
    half = _HALF_WORD(text)
    if half is None:
        return None
    word = half.group()
    pm = _IS_PM.get(word.replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
    return word[0] in "Pp" if pm is None else pm


def clock_head(text: str, half_after: bool) -> timedelta | None:
    """Hours and minutes of a time head (``9:14``, ``下午9:14``); with ``half_after`` the day
    half is in the tail, so the head counts 12 as 0 and the tail adds 12 hours for PM."""
    numbers = _NUMBERS(text)
    if len(numbers) < 2:
        return None
    h, m = int(numbers[0]), int(numbers[1])
    pm = day_half(text)
    if pm is not None or half_after:
        if h > 12:
            return None
        h = (h % 12) + (12 if pm else 0)
    if h > 23 or m > 59:
        return None
    return timedelta(hours=h, minutes=m)


def clock_tail(text: str) -> timedelta | None:
    """Seconds, and 12 hours for an afternoon word, of a time tail (``:05 PM] ``, `` - ``)."""
    numbers = _NUMBERS(text)
    s = int(numbers[0]) if numbers else 0
    if s > 59:
        return None
    return timedelta(hours=12 if day_half(text) else 0, seconds=s)


@dataclass(frozen=True, slots=True)
class OrderEvidence:
    """What the file's dates say about day/month order, counted over distinct date strings."""

    day_first: int = 0
    """Dates whose first field is over 12 (so it must be the day)."""
    month_first: int = 0
    """Dates whose second field is over 12."""


def evidence(dates: Iterable[RawDate]) -> OrderEvidence:
    day_first = month_first = 0
    for date in dates:
        if date.year_first:
            continue
        if date.first > 12:
            day_first += 1
        if date.second > 12:
            month_first += 1
    return OrderEvidence(day_first, month_first)


def infer_order(
    dates: list[RawDate], dominant_shape: str | None = None, default: DateOrder = "dmy"
) -> DateOrder:
    """Decide day/month order once for the whole file, from its distinct dates in file order.

    1. A first field over 12 means day-first; a second field over 12 means month-first. If a file
       says both (a pasted line from another phone), the dates in the file's dominant shape decide,
       then the larger count.
    2. Only year-first dates: year/month/day.
    3. Still ambiguous: the order under which the dates run most nearly forward in time.
    4. A tie: ``default`` (the caller knows the clock style; most of the world writes day-first).
    """
    undecided = [d for d in dates if not d.year_first]
    if not undecided:
        return "ymd"
    found = evidence(undecided)
    if found.day_first and found.month_first and dominant_shape is not None:
        own = evidence(d for d in undecided if d.shape == dominant_shape)
        if own.day_first or own.month_first:
            found = own
    if found.day_first or found.month_first:
        return "dmy" if found.day_first >= found.month_first else "mdy"
    back_dmy = _backward_steps(undecided, "dmy")
    back_mdy = _backward_steps(undecided, "mdy")
    if back_dmy != back_mdy:
        return "dmy" if back_dmy < back_mdy else "mdy"
    return default


def _backward_steps(dates: list[RawDate], order: DateOrder) -> int:
    """How often consecutive distinct dates go back in time when read in ``order``."""
    steps = 0
    last: datetime | None = None
    for date in dates:
        when = resolve(date, order)
        if when is None:
            continue
        if last is not None and when < last:
            steps += 1
        last = when
    return steps
