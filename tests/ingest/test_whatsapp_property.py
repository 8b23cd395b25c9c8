"""Round trip: conversations rendered as WhatsApp exports in every header style parse back exactly.

The generator writes what the phones write: Android and iOS headers in each date order and
separator, 2- and 4-digit years, with or without the comma, 12- and 24-hour clocks with the
locales' day-half words (before or after the time, after a space, U+202F or U+00A0), Korean,
Finnish and Arabic spellings; names with emoji, dashes and bidi isolates; multi-line texts whose
lines may start with digits or brackets, and even quote another message in another header shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.conversation import Message
from attune.ingest.build import finish
from attune.ingest.whatsapp import parse_text

HALVES = [  # (AM word, PM word, written before the time)
    ("AM", "PM", False),
    ("am", "pm", False),
    ("a.m.", "p.m.", False),
    ("a. m.", "p. m.", False),
    ("ص", "م", False),
    ("午前", "午後", True),
    ("上午", "下午", True),
    ("오전", "오후", True),
]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class Style:
    """How one phone writes headers."""

    ios: bool
    order: str  # dmy, mdy, ymd
    sep: str
    year4: bool
    pad: bool
    comma: str  # "", ",", "،"
    seconds: bool
    half: tuple[str, str, bool] | None  # None: 24-hour clock
    space: str  # between time and day-half word
    locale: str = ""  # "", "ko", "fi", "ar"

    def header(self, when: datetime) -> str:
        year = f"{when.year:04d}" if self.year4 else f"{when.year % 100:02d}"
        day, month = (
            (f"{when.day:02d}", f"{when.month:02d}")
            if self.pad
            else (
                str(when.day),
                str(when.month),
            )
        )
        if self.locale == "ko":
            date = f"{when.year}. {when.month}. {when.day}."
        elif self.order == "ymd":
            date = self.sep.join((f"{when.year:04d}", month, day))
        elif self.order == "dmy":
            date = self.sep.join((day, month, year))
        else:
            date = self.sep.join((month, day, year))
        if self.locale == "ar":
            date = "\u200f" + date.replace(self.sep, "\u200f" + self.sep)
        tsep = "." if self.locale == "fi" else ":"
        hour = when.hour
        if self.half is not None:
            hour = hour % 12 or 12
        clock = f"{hour:02d}" if self.pad and self.half is None else str(hour)
        clock += f"{tsep}{when.minute:02d}"
        if self.seconds:
            clock += f"{tsep}{when.second:02d}"
        if self.half is not None:
            am, pm, before = self.half
            word = pm if when.hour >= 12 else am
            clock = f"{word}{self.space}{clock}" if before else f"{clock}{self.space}{word}"
        joint = " klo " if self.locale == "fi" else f"{self.comma} "
        stamp = f"{date}{joint}{clock}"
        if self.locale == "ar":
            stamp = stamp.translate(ARABIC_DIGITS)
        return f"[{stamp}] " if self.ios else f"{stamp} - "

    def other(self) -> Style:
        """A different phone's shape (for a copied message pasted into a text)."""
        return Style(not self.ios, self.order, self.sep, self.year4, self.pad, ",", True, None, " ")


@st.composite
def styles(draw: st.DrawFn) -> Style:
    locale = draw(st.sampled_from(["", "", "", "", "ko", "fi", "ar"]))
    ios = draw(st.booleans())
    if locale == "ko":
        return Style(ios, "ymd", ".", True, False, "", ios, HALVES[7], " ", "ko")
    if locale == "fi":
        return Style(ios, "dmy", ".", True, False, "", ios, None, " ", "fi")
    if locale == "ar":
        return Style(ios, "dmy", "/", True, False, "،", ios, HALVES[4], " ", "ar")
    order = draw(st.sampled_from(["dmy", "mdy", "ymd"]))
    half = draw(st.one_of(st.none(), st.sampled_from(HALVES[:4] + HALVES[5:7])))
    return Style(
        ios=ios,
        order=order,
        sep=draw(st.sampled_from(["/", ".", "-"])),
        year4=order == "ymd" or draw(st.booleans()),
        pad=draw(st.booleans()),
        comma=draw(st.sampled_from(["", ","])),
        seconds=draw(st.booleans()) if not ios else True,
        half=half,
        space=draw(st.sampled_from([" ", "\u202f", "\u00a0"])) if half and not half[2] else "",
    )


NAME_CHARS = st.sampled_from([*"abcdefghijklmnoprstuvwxyzÅéñçøKLMJAS-'.", "😀", "🌙", "❤️"])
TEXT_SYMBOLS = "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,!?:;'\"-_/[]()#@&*+=éüñç"
TEXT_CHARS = st.sampled_from([*TEXT_SYMBOLS, "😂", "❤️", "👍", "🙏", "中", "ж", "ع"])


@st.composite
def names(draw: st.DrawFn) -> str:
    word = st.lists(NAME_CHARS, min_size=1, max_size=8).map("".join)
    words = draw(st.lists(word, min_size=1, max_size=3))
    return " ".join(words)


@st.composite
def lines(draw: st.DrawFn, first: bool) -> str:
    line = "".join(draw(st.lists(TEXT_CHARS, min_size=1, max_size=40))).strip()
    if not line:
        line = "ok"
    if not first and draw(st.integers(0, 5)) == 0:
        line = draw(st.sampled_from(["2 eggs", "[sic]", "10/10 would recommend", "3.", "1) first"]))
    return line


@dataclass
class Post:
    when: datetime
    author: str | None  # None: a system line
    body: str  # as written after the header
    expected: Message


@st.composite
def posts(draw: st.DrawFn, style: Style, people: list[str], when: datetime, quotes: bool) -> Post:
    author = draw(st.sampled_from(people))
    kind = draw(st.integers(0, 19))
    iosmark = "\u200e" if style.ios else ""
    if kind == 0:  # system line
        other = next(p for p in people if p != author) if len(people) > 1 else author
        if style.ios:
            notice = (
                "Messages and calls are end-to-end encrypted. No one outside of this chat, not "
                "even WhatsApp, can read or listen to them."
            )
            return Post(
                when, people[0], f"\u200e{notice}", Message("", when, None, notice, "system")
            )
        text = f"{author} added {other}"
        return Post(when, None, text, Message("", when, None, text, "system"))
    if kind == 1:
        body = f"{iosmark}image omitted" if style.ios else "<Media omitted>"
        media = "<omitted:image>" if style.ios else "<omitted:media>"
        return Post(when, author, body, Message("", when, author, "", attachments=(media,)))
    if kind == 2:
        file = f"IMG-{when:%Y%m%d}-WA{draw(st.integers(0, 9999)):04d}.jpg"
        caption = draw(lines(True)) if draw(st.booleans()) else ""
        if style.ios:
            file = f"{draw(st.integers(0, 10**8)):08d}-PHOTO-{when:%Y-%m-%d-%H-%M-%S}.jpg"
            body = f"\u200e<attached: {file}>"
            caption = ""
        else:
            body = f"{file} (file attached)" + (f"\n{caption}" if caption else "")
        return Post(when, author, body, Message("", when, author, caption, attachments=(file,)))
    if kind == 3:
        body = f"{iosmark}This message was deleted" + ("." if style.ios else "")
        return Post(when, author, body, Message("", when, author, "", deleted=True))
    texts = [draw(lines(True))]
    texts += draw(st.lists(lines(False), max_size=3))
    if kind == 4:  # edited
        body = "\n".join(texts) + f" {iosmark}<This message was edited>"
        return Post(when, author, body, Message("", when, author, "\n".join(texts), edited=True))
    if quotes and kind == 5:  # a copied message pasted as a line: other shape, earlier, unknown
        earlier = when - timedelta(minutes=draw(st.integers(1, 60 * 24 * 30)))
        texts.insert(1, f"{style.other().header(earlier)}Quoted Person: {draw(lines(True))}")
    text = "\n".join(texts)
    return Post(when, author, text, Message("", when, author, text))


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, list[Message], str | None]:
    style = draw(styles())
    people = draw(st.lists(names(), min_size=2, max_size=3, unique=True))
    people = [p for p in people if p.strip()]
    isolate = draw(st.booleans())
    when = datetime(2009, 1, 1) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 365 * 20)))
    if not style.seconds:
        when = when.replace(second=0)
    count = draw(st.integers(1, 12))
    written: list[str] = []
    expected: list[Message] = []
    quoted = 0
    for index in range(count):
        step = draw(st.sampled_from([0, 1, 60, 3600, 86400 * 5]))
        when = when + timedelta(seconds=step if style.seconds else (step // 60) * 60)
        quotes = index > 0 and (quoted + 1) * 2 < count
        post = draw(posts(style, people, when, quotes))
        quoted += "Quoted Person" in post.body
        if post.author is None:
            written.append(style.header(when) + post.body)
        else:
            name = f"\u2068{post.author}\u2069" if isolate and not style.ios else post.author
            written.append(f"{style.header(when)}{name}: {post.body}")
        expected.append(post.expected)
    stamps = [m.timestamp for m in expected if m.timestamp is not None]
    decisive = style.order == "ymd" or style.locale == "ko" or any(t.day > 12 for t in stamps)
    order = None if decisive else (style.order if style.order != "ymd" else "ymd")
    text = "\n".join(written) + draw(st.sampled_from(["", "\n"]))
    return text, expected, order


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exports())
def test_round_trip(export: tuple[str, list[Message], str | None]) -> None:
    text, expected, order = export
    messages, skipped = parse_text(text, "generated.txt", order)  # type: ignore[arg-type]
    assert skipped == []
    finished = finish(messages, source="generated.txt", format="whatsapp").messages
    for number, message in enumerate(expected, 1):
        message.id = f"m{number}"
    assert finished == expected
