"""WhatsApp importer: every header variant, system lines, placeholders, zips, bad input, the CLI."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from attune.conversation import Conversation, Message, Skipped
from attune.errors import ExportError
from attune.ingest import ImportOptions, detect_format, read_conversation
from attune.ingest import whatsapp as wa
from attune.ingest.source import Source
from tests.conftest import run_attune, shared_chat

D = datetime
ORPHAN = "text before the first message header"


def parse(tmp_path: Path, text: str, name: str = "chat.txt", **options: str) -> Conversation:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_conversation(path, "whatsapp", ImportOptions(**options))


def msg(number: int, when: datetime, sender: str | None, text: str, **fields: object) -> Message:
    return Message(f"m{number}", when, sender, text, **fields)  # type: ignore[arg-type]


def system(number: int, when: datetime, text: str) -> Message:
    return Message(f"m{number}", when, None, text, "system")


# --------------------------------------------------------------------------------------------
# Header shapes: platforms, locales, date orders, separators, clocks


HEADER_CASES = {
    "android us 12h": (
        "12/31/23, 9:14 PM - Sam: hi\n1/1/24, 12:05 AM - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android gb 24h": (
        "31/12/2023, 21:14 - Sam: hi\n01/01/2024, 00:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android no comma (es)": (
        "31/12/23 21:14 - Sam: hi\n1/1/24 0:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android dots (de)": (
        "31.12.23, 21:14 - Sam: hi\n01.01.24, 00:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android dashes": (
        "31-12-2023 21:14 - Sam: hi\n01-01-2024 00:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android year first (ja)": (
        "2023/12/31 21:14 - Sam: hi\n2024/01/01 0:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android year first dashes, seconds": (
        "2023-12-31 21:14:05 - Sam: hi\n2024-01-01 00:05:59 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
    "android a. m./p. m. (es)": (
        "31/12/2023, 9:14 p. m. - Sam: hi\n01/01/2024, 12:05 a. m. - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android a.m./p.m. with no-break space": (
        "31/12/2023, 9:14\u00a0p.m. - Sam: hi\n"
        "01/01/2024, 12:05\u00a0a.m. - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android arabic": (
        "\u200f31\u200f/12\u200f/2023، 9:14 م - Sam: hi\n"
        "\u200f1\u200f/1\u200f/2024، 12:05 ص - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "arabic-indic digits": (
        "٣١/١٢/٢٠٢٣، ٩:١٤ م - Sam: hi\n١/١/٢٠٢٤، ١٢:٠٥ ص - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "persian digits": (
        "۳۱/۱۲/۲۰۲۳، ۲۱:۱۴ - Sam: hi\n۱/۱/۲۰۲۴، ۰:۰۵ - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android japanese 12h (day-half first)": (
        "2023/12/31 午後9:14 - Sam: hi\n2024/01/01 午前12:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android korean": (
        "2023. 12. 31. 오후 9:14 - Sam: hi\n2024. 1. 1. 오전 12:05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "android finnish klo": (
        "31.12.2023 klo 21.14 - Sam: hi\n1.1.2024 klo 0.05 - Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14), D(2024, 1, 1, 0, 5)],
    ),
    "ios gb": (
        "[31/12/2023, 21:14:05] Sam: hi\n[01/01/2024, 00:05:59] Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
    "ios us, narrow no-break space": (
        "[12/31/23, 9:14:05\u202fPM] Sam: hi\n[1/1/24, 12:05:59\u202fAM] Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
    "ios chinese (day-half first, no space)": (
        "[2023/12/31 下午9:14:05] Sam: hi\n[2024/1/1 上午12:05:59] Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
    "ios korean": (
        "[2023. 12. 31. 오후 9:14:05] Sam: hi\n[2024. 1. 1. 오전 12:05:59] Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
    "ios finnish klo, dotted time": (
        "[31.12.2023 klo 21.14.05] Sam: hi\n[1.1.2024 klo 0.05.59] Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
    "ios lines starting with a mark": (
        "\u200e[31/12/2023, 21:14:05] Sam: hi\n\u200e[01/01/2024, 00:05:59] Alex: happy new year\n",
        [D(2023, 12, 31, 21, 14, 5), D(2024, 1, 1, 0, 5, 59)],
    ),
}


@pytest.mark.parametrize("text, stamps", HEADER_CASES.values(), ids=HEADER_CASES.keys())
def test_header_shapes(tmp_path: Path, text: str, stamps: list[datetime]) -> None:
    conversation = parse(tmp_path, text)
    assert conversation.messages == [
        msg(1, stamps[0], "Sam", "hi"),
        msg(2, stamps[1], "Alex", "happy new year"),
    ]
    assert conversation.skipped == []
    assert conversation.format == "whatsapp"


def test_marks_anywhere_in_header_name_and_text(tmp_path: Path) -> None:
    text = (
        "\u200e31/12/2023\u200f, 21:14 \u200e- \u2068Sam Lee\u2069: hi \u200ethere\u200f\n"
        "31/12/2023, 21:15 - \u202a+44 7700 900123\u202c: yes\n"
    )
    assert parse(tmp_path, text).messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam Lee", "hi there"),
        msg(2, D(2023, 12, 31, 21, 15), "+44 7700 900123", "yes"),
    ]


def test_names_are_cleaned(tmp_path: Path) -> None:
    text = "31/12/2023, 21:14 - Sam\u00a0 Lee \U0001f319: hi\n"
    assert parse(tmp_path, text).messages[0].sender == "Sam Lee \U0001f319"


# --------------------------------------------------------------------------------------------
# Day/month order, decided once for the whole file


def test_order_from_first_field_over_12(tmp_path: Path) -> None:
    text = "03/04/23, 10:00 - Sam: a\n13/04/23, 10:00 - Sam: b\n"
    stamps = [m.timestamp for m in parse(tmp_path, text).messages]
    assert stamps == [D(2023, 4, 3, 10), D(2023, 4, 13, 10)]


def test_order_from_second_field_over_12(tmp_path: Path) -> None:
    text = "03/04/23, 10:00 - Sam: a\n04/13/23, 10:00 - Sam: b\n"
    stamps = [m.timestamp for m in parse(tmp_path, text).messages]
    assert stamps == [D(2023, 3, 4, 10), D(2023, 4, 13, 10)]


def test_ambiguous_order_follows_chronology(tmp_path: Path) -> None:
    # Every field is 12 or less. Read month-first these run forward (Jan 4, Jan 5, Feb 4);
    # day-first they go back (Apr 1, May 1, Apr 2).
    text = "01/04/23, 10:00 - Sam: a\n01/05/23, 10:00 - Sam: b\n02/04/23, 10:00 - Sam: c\n"
    assert [m.timestamp for m in parse(tmp_path, text).messages] == [
        D(2023, 1, 4, 10),
        D(2023, 1, 5, 10),
        D(2023, 2, 4, 10),
    ]
    text = "04/01/23, 10:00 - Sam: a\n05/01/23, 10:00 - Sam: b\n04/02/23, 10:00 - Sam: c\n"
    assert [m.timestamp for m in parse(tmp_path, text).messages] == [
        D(2023, 1, 4, 10),
        D(2023, 1, 5, 10),
        D(2023, 2, 4, 10),
    ]


def test_ambiguous_default_is_day_first_but_month_first_for_us_clock(tmp_path: Path) -> None:
    assert parse(tmp_path, "03/04/23, 10:00 - Sam: a\n").messages[0].timestamp == D(2023, 4, 3, 10)
    us = parse(tmp_path, "03/04/23, 10:00 AM - Sam: a\n").messages[0].timestamp
    assert us == D(2023, 3, 4, 10)


def test_date_order_option_overrides(tmp_path: Path) -> None:
    text = "03/04/23, 10:00 - Sam: a\n13/04/23, 10:00 - Sam: b\n"
    assert parse(tmp_path, text, date_order="mdy").messages[0].timestamp == D(2023, 3, 4, 10)
    ymd = parse(tmp_path, "23/04/03, 10:00 - Sam: a\n", date_order="ymd")
    assert ymd.messages[0].timestamp == D(2023, 4, 3, 10)
    with pytest.raises(ExportError, match="date order"):
        parse(tmp_path, text, date_order="dym")


def test_order_is_never_flipped_mid_file(tmp_path: Path) -> None:
    # The early dates are ambiguous; the late one settles day-first for all of them.
    text = "".join(f"0{d}/02/23, 10:00 - Sam: day {d}\n" for d in range(1, 10))
    text += "20/02/23, 10:00 - Sam: later\n"
    stamps = [m.timestamp for m in parse(tmp_path, text).messages]
    assert stamps == [D(2023, 2, d, 10) for d in range(1, 10)] + [D(2023, 2, 20, 10)]


def test_order_from_the_whole_file_even_when_the_sample_misses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large files are sampled to guess the order; the guess is checked against every date and
    # the file re-read when it was wrong.
    sample = wa._sample
    monkeypatch.setattr(wa, "_sample", lambda text: sample(text)[:1])
    text = "02/05/23, 10:00 - Sam: a\n02/07/23, 10:00 - Sam: b\n02/13/23, 10:00 - Sam: c\n"
    stamps = [m.timestamp for m in parse(tmp_path, text).messages]
    assert stamps == [D(2023, 2, 5, 10), D(2023, 2, 7, 10), D(2023, 2, 13, 10)]


def test_conflicting_evidence_follows_the_dominant_shape(tmp_path: Path) -> None:
    # An Android day-first export quoting a pasted month-first line: the file stays day-first.
    text = (
        "20/01/23, 10:00 - Sam: a\n21/01/23, 10:00 - Sam: look\n"
        "[01/25/23, 9:00:00 AM] Quoted Person: hello\n22/01/23, 10:00 - Alex: ok\n"
    )
    conversation = parse(tmp_path, text)
    assert [m.timestamp for m in conversation.messages] == [
        D(2023, 1, 20, 10),
        D(2023, 1, 21, 10),
        D(2023, 1, 22, 10),
    ]
    assert conversation.messages[1].text == "look\n[01/25/23, 9:00:00 AM] Quoted Person: hello"


# --------------------------------------------------------------------------------------------
# Multi-line messages and header-looking lines inside them


def test_multi_line_messages(tmp_path: Path) -> None:
    text = (
        "31/12/2023, 21:14 - Sam: first line\nsecond line\n\nafter a blank line\n"
        "2 eggs, 1 lemon\n[not a header]\n31/12/2023, 21:15 - Alex: ok\n\n\n"
    )
    assert parse(tmp_path, text).messages == [
        msg(
            1,
            D(2023, 12, 31, 21, 14),
            "Sam",
            "first line\nsecond line\n\nafter a blank line\n2 eggs, 1 lemon\n[not a header]",
        ),
        msg(2, D(2023, 12, 31, 21, 15), "Alex", "ok"),
    ]


def test_pasted_header_lines_stay_in_the_message(tmp_path: Path) -> None:
    text = (
        "12/30/23, 10:00 - Sam: hey\n"
        "12/31/23, 21:14 - Sam: look what you said:\n"
        "[12/20/23, 9:14:05 PM] Jordan: never mind\n"  # other shape, earlier, unknown author
        "lol\n"
        "12/31/23, 21:15 - Alex: haha\n"
        "[12/31/23, 9:10:00 PM] Alex: quoting myself\n"  # other shape, earlier, known author
        "12/31/23, 21:16 - Alex: ok\n"
        "12/31/23, 21:17 - Sam: bye\n"
    )
    assert parse(tmp_path, text).messages == [
        msg(1, D(2023, 12, 30, 10), "Sam", "hey"),
        msg(
            2,
            D(2023, 12, 31, 21, 14),
            "Sam",
            "look what you said:\n[12/20/23, 9:14:05 PM] Jordan: never mind\nlol",
        ),
        msg(
            3, D(2023, 12, 31, 21, 15), "Alex", "haha\n[12/31/23, 9:10:00 PM] Alex: quoting myself"
        ),
        msg(4, D(2023, 12, 31, 21, 16), "Alex", "ok"),
        msg(5, D(2023, 12, 31, 21, 17), "Sam", "bye"),
    ]


def test_other_shape_with_one_sign_only_is_a_message(tmp_path: Path) -> None:
    # A known author, later in time: only the shape differs, so it is a message.
    text = (
        "12/30/23, 10:00 - Sam: a\n12/30/23, 11:00 - Alex: b\n"
        "[12/30/23, 11:30:00 AM] Alex: c\n12/30/23, 12:00 - Sam: d\n"
    )
    assert [m.text for m in parse(tmp_path, text).messages] == ["a", "b", "c", "d"]


def test_header_with_impossible_date_is_text(tmp_path: Path) -> None:
    text = "31/12/2023, 21:14 - Sam: hi\n31/02/2023, 21:14 - not: a date\n"
    assert parse(tmp_path, text).messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam", "hi\n31/02/2023, 21:14 - not: a date")
    ]


def test_mixed_testlog_keeps_every_header(tmp_path: Path) -> None:
    # chatminer's old_mixed_testlog mixes shapes and jumps back in time throughout: shape and
    # time carry no weight there, so every header is a message.
    conversation = read_conversation(shared_chat("whatsapp/chatminer_old_mixed_testlog.txt"))
    assert len(conversation.messages) == 23
    assert conversation.skipped == []
    by_text = {m.text: m for m in conversation.messages}
    by_author = {(m.sender, m.text): m for m in conversation.messages}
    assert by_text["Testing brackets"].timestamp == D(2022, 9, 10, 22, 37)
    assert by_text["Testing date dashes"].timestamp == D(2022, 9, 10, 22, 37)
    assert by_text["Testing dash - in message body"].sender == "John-John Doe"
    assert by_text["Testing dash - in message body"].timestamp == D(2021, 10, 24, 15, 21, 43)
    assert by_text["Testing am"].timestamp == D(2019, 9, 24, 11, 30)
    assert by_text["Hello world"].timestamp == D(2019, 9, 24, 23, 30)
    assert by_text["Testing spacing in pm"].timestamp == D(2019, 12, 24, 23, 30)
    yyyy_first = by_author[("John Doe \U0001f913", "Testing emoji \U0001f913 with yyyy first")]
    assert yyyy_first.timestamp == D(2022, 12, 24, 13, 1)
    assert by_author[("\U0001f913", "Testing emoji \U0001f913")].timestamp == D(2022, 9, 10, 22, 37)
    assert by_text["Testing abnormal\u00a0unicode"].timestamp == D(2022, 9, 10, 22, 37)
    assert by_text["Lorem ipsum : dolor sit amet."].sender == "John Doe"
    jahn = [m for m in conversation.messages if m.sender == "Jahn Doe"]
    assert jahn[1].text == (
        "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit.\n"
        "Pellentesque non tincidunt erat.\nNullam suscipit diam dolor, non pretium leo semper eu."
        "\nAliquam pellentesque facilisis nunc eu rhoncus.\nCras scelerisque neque."
    )
    assert [m.text for m in conversation.messages if m.kind == "system"] == [
        '+12 345 578 created group "Groupname"',
        "You were added",
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
    ]
    assert {p.name for p in conversation.participants} == {
        "John Doe",
        "Jahn Doe",
        "+12 345 578",
        "John-John Doe",
        "John Doe \U0001f913",
        "\U0001f913",
    }


CHATMINER = [
    ("chatminer_test_ddmmyy_24hrs.txt", None),
    ("chatminer_test_mmddyy_24hrs.txt", None),
    ("chatminer_test_[mmddyy]_24hrs.txt", None),
    ("chatminer_test_mmddyyyy_12hrs.txt", None),
    ("chatminer_test_yyyymmdd_24hrs.txt", None),
]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", [name for name, _ in CHATMINER])
def test_chatminer_fixtures(name: str) -> None:
    conversation = read_conversation(shared_chat(f"whatsapp/{name}"))
    assert conversation.skipped == []
    assert [m.timestamp for m in conversation.messages] == [
        D(2019, 1, 1, 11, 25),
        D(2019, 1, 20, 11, 23),
        D(2019, 1, 30, 20, 49),
        D(2020, 6, 10, 15, 55),
        D(2020, 6, 20, 0, 8),
        D(2020, 6, 30, 9, 10),
        D(2021, 12, 10, 10, 10),
        D(2021, 12, 20, 12, 10),
        D(2021, 12, 30, 22, 1),
    ]
    assert [(m.sender, m.kind) for m in conversation.messages] == [
        ("John Doe", "message"),
        ("John Doe", "message"),  # "John Doe:." — the author's colon without a space
        ("Jahn Doe", "message"),
        ("John-John Doe", "message"),
        (None, "system"),
        (None, "system"),
        ("John Doe \U0001f913", "message"),
        ("\U0001f913", "message"),
        ("John Doe", "message"),
    ]
    texts = [m.text for m in conversation.messages]
    assert texts[1] == "."
    assert texts[2] == "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."
    assert texts[3] == "Lorem ipsum : dolor sit amet."
    assert texts[4:6] == ['+12 345 578 created group "Groupname"', "You were added"]
    assert texts[8] == "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."


# --------------------------------------------------------------------------------------------
# System lines


def test_android_system_lines(tmp_path: Path) -> None:
    text = (
        "31/12/2023, 21:00 - Messages and calls are end-to-end encrypted. No one outside of "
        "this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
        '31/12/2023, 21:01 - Sam created group "Trip: Rome"\n'
        "31/12/2023, 21:02 - Sam added Alex\n"
        "31/12/2023, 21:03 - You were added\n"
        '31/12/2023, 21:04 - Alex changed the subject from "Trip" to "Trip: Rome 2024"\n'
        "31/12/2023, 21:05 - Your security code with Alex changed. Tap to learn more.\n"
        "31/12/2023, 21:06 - \u2068Sam\u2069 added \u2068Jo\u2069\n"
        "31/12/2023, 21:07 - Sam: hi: all\n"
    )
    assert parse(tmp_path, text).messages == [
        system(
            1,
            D(2023, 12, 31, 21, 0),
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
            "WhatsApp, can read or listen to them. Tap to learn more.",
        ),
        system(2, D(2023, 12, 31, 21, 1), 'Sam created group "Trip: Rome"'),
        system(3, D(2023, 12, 31, 21, 2), "Sam added Alex"),
        system(4, D(2023, 12, 31, 21, 3), "You were added"),
        system(
            5, D(2023, 12, 31, 21, 4), 'Alex changed the subject from "Trip" to "Trip: Rome 2024"'
        ),
        system(
            6, D(2023, 12, 31, 21, 5), "Your security code with Alex changed. Tap to learn more."
        ),
        system(7, D(2023, 12, 31, 21, 6), "Sam added Jo"),
        msg(8, D(2023, 12, 31, 21, 7), "Sam", "hi: all"),
    ]


def test_ios_system_notices(tmp_path: Path) -> None:
    text = (
        "[31/12/2023, 21:00:00] Sam: \u200eMessages and calls are end-to-end encrypted. No one "
        "outside of this chat, not even WhatsApp, can read or listen to them.\n"
        "[31/12/2023, 21:00:01] Trip: \u200eSam added Alex\n"
        "[31/12/2023, 21:00:02] Trip: \u200eYour security code with Alex changed.\n"
        "[31/12/2023, 21:00:03] Sam: \u200eLos mensajes y las llamadas están cifrados de extremo "
        "a extremo.\n"
        "[31/12/2023, 21:00:04] Sam: \u200eNachrichten und Anrufe sind "
        "Ende-zu-Ende-verschlüsselt.\n"
        "[31/12/2023, 21:00:05] Sam: I added salt\n"  # no U+200E: someone talking
        "[31/12/2023, 21:00:05] Sam: Messages and calls are end-to-end encrypted, they say\n"
        "[31/12/2023, 21:00:06] Sam: \u200eMissed voice call\n"  # a call record, not a notice
    )
    assert parse(tmp_path, text).messages == [
        system(
            1,
            D(2023, 12, 31, 21, 0, 0),
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
            "WhatsApp, can read or listen to them.",
        ),
        system(2, D(2023, 12, 31, 21, 0, 1), "Sam added Alex"),
        system(3, D(2023, 12, 31, 21, 0, 2), "Your security code with Alex changed."),
        system(
            4,
            D(2023, 12, 31, 21, 0, 3),
            "Los mensajes y las llamadas están cifrados de extremo a extremo.",
        ),
        system(
            5, D(2023, 12, 31, 21, 0, 4), "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt."
        ),
        msg(6, D(2023, 12, 31, 21, 0, 5), "Sam", "I added salt"),
        msg(
            7,
            D(2023, 12, 31, 21, 0, 5),
            "Sam",
            "Messages and calls are end-to-end encrypted, they say",
        ),
        msg(8, D(2023, 12, 31, 21, 0, 6), "Sam", "Missed voice call"),
    ]


def test_author_written_without_space_after_colon(tmp_path: Path) -> None:
    text = "31/12/2023, 21:14 - Sam: hi\n31/12/2023, 21:15 - Sam:.\n31/12/2023, 21:16 - Jo:.\n"
    assert parse(tmp_path, text).messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam", "hi"),
        msg(2, D(2023, 12, 31, 21, 15), "Sam", "."),
        system(3, D(2023, 12, 31, 21, 16), "Jo:."),  # Jo never writes: not an author
    ]


# --------------------------------------------------------------------------------------------
# Media placeholders, deleted and edited posts


OMITTED = {
    "<Media omitted>": "media",
    "<Multimedia omitido>": "media",
    "<Mídia oculta>": "media",
    "<Medien ausgeschlossen>": "media",
    "<Médias omis>": "media",
    "<Media omessi>": "media",
    "<Media weggelaten>": "media",
    "\u200eimage omitted": "image",
    "\u200evideo omitted": "video",
    "\u200eaudio omitted": "audio",
    "\u200esticker omitted": "sticker",
    "\u200eGIF omitted": "gif",
    "\u200edocument omitted": "document",
    "\u200eContact card omitted": "contact",
    "image omitted": "image",
    "\u200eimagen omitida": "image",
    "\u200eBild weggelassen": "image",
    "\u200eReport.pdf • \u200e3 pages \u200edocument omitted": "document",
}


@pytest.mark.parametrize("placeholder, kind", OMITTED.items(), ids=list(OMITTED))
def test_omitted_media(tmp_path: Path, placeholder: str, kind: str) -> None:
    conversation = parse(tmp_path, f"31/12/2023, 21:14 - Sam: {placeholder}\n")
    assert conversation.messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam", "", attachments=(f"<omitted:{kind}>",))
    ]


ATTACHED = {
    "IMG-20231231-WA0001.jpg (file attached)": "IMG-20231231-WA0001.jpg",
    "IMG-20231231-WA0001.jpg (arquivo anexado)": "IMG-20231231-WA0001.jpg",
    "IMG-20231231-WA0001.jpg (archivo adjunto)": "IMG-20231231-WA0001.jpg",
    "IMG-20231231-WA0001.jpg (Datei angehängt)": "IMG-20231231-WA0001.jpg",
    "IMG-20231231-WA0001.jpg (fichier joint)": "IMG-20231231-WA0001.jpg",
    "IMG-20231231-WA0001.jpg (file allegato)": "IMG-20231231-WA0001.jpg",
    "IMG-20231231-WA0001.jpg (bestand bijgevoegd)": "IMG-20231231-WA0001.jpg",
    "holiday (1).jpg (file attached)": "holiday (1).jpg",
    "Report.pdf • 3 pages (file attached)": "Report.pdf",
    "\u200e<attached: 00000012-PHOTO-2023-12-31-21-14-05.jpg>": (
        "00000012-PHOTO-2023-12-31-21-14-05.jpg"
    ),
    "\u200e<adjunto: 00000012-PHOTO-2023-12-31-21-14-05.jpg>": (
        "00000012-PHOTO-2023-12-31-21-14-05.jpg"
    ),
    "\u200e<Anhang: 00000012-PHOTO-2023-12-31-21-14-05.jpg>": (
        "00000012-PHOTO-2023-12-31-21-14-05.jpg"
    ),
    "\u200e<anexo: 00000012-PHOTO-2023-12-31-21-14-05.jpg>": (
        "00000012-PHOTO-2023-12-31-21-14-05.jpg"
    ),
    "\u200e<pièce jointe : 00000012-PHOTO-2023-12-31-21-14-05.jpg>": (
        "00000012-PHOTO-2023-12-31-21-14-05.jpg"
    ),
    "\u200e<allegato: 00000012-PHOTO-2023-12-31-21-14-05.jpg>": (
        "00000012-PHOTO-2023-12-31-21-14-05.jpg"
    ),
    "Report.pdf • \u200e3 pages \u200e<attached: 00000045-Report.pdf>": "00000045-Report.pdf",
}


@pytest.mark.parametrize("placeholder, file", ATTACHED.items(), ids=list(ATTACHED))
def test_attached_files(tmp_path: Path, placeholder: str, file: str) -> None:
    conversation = parse(tmp_path, f"31/12/2023, 21:14 - Sam: {placeholder}\n")
    assert conversation.messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam", "", attachments=(file,))
    ]


def test_captions_stay_as_text(tmp_path: Path) -> None:
    text = (
        "31/12/2023, 21:14 - Sam: IMG-20231231-WA0001.jpg (file attached)\nthe view!\nwow\n"
        "[31/12/2023, 21:15:00] Sam: \u200e<attached: 00000013-PHOTO.jpg> sunset\n"
    )
    conversation = parse(tmp_path, text, date_order="dmy")
    assert conversation.messages[0] == msg(
        1,
        D(2023, 12, 31, 21, 14),
        "Sam",
        "the view!\nwow",
        attachments=("IMG-20231231-WA0001.jpg",),
    )
    assert conversation.messages[1].attachments == ("00000013-PHOTO.jpg",)
    assert conversation.messages[1].text == "sunset"


DELETED = [
    "This message was deleted",
    "You deleted this message",
    "\u200eThis message was deleted.",
    "\u200eYou deleted this message.",
    "Se eliminó este mensaje.",
    "Eliminaste este mensaje.",
    "Mensagem apagada",
    "Você apagou esta mensagem",
    "Diese Nachricht wurde gelöscht.",
    "Du hast diese Nachricht gelöscht.",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
]


@pytest.mark.parametrize("placeholder", DELETED)
def test_deleted(tmp_path: Path, placeholder: str) -> None:
    conversation = parse(tmp_path, f"31/12/2023, 21:14 - Sam: {placeholder}\n")
    assert conversation.messages == [msg(1, D(2023, 12, 31, 21, 14), "Sam", "", deleted=True)]


EDITED = [
    "see you at 8 <This message was edited>",
    "see you at 8 \u200e<This message was edited>",
    "see you at 8 <Se editó este mensaje.>",
    "see you at 8 <Mensagem editada>",
    "see you at 8 <Diese Nachricht wurde bearbeitet>",
    "see you at 8 <Ce message a été modifié>",
]


@pytest.mark.parametrize("posted", EDITED)
def test_edited(tmp_path: Path, posted: str) -> None:
    conversation = parse(tmp_path, f"31/12/2023, 21:14 - Sam: {posted}\n")
    assert conversation.messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam", "see you at 8", edited=True)
    ]


def test_text_that_mentions_placeholders_is_text(tmp_path: Path) -> None:
    text = (
        "31/12/2023, 21:14 - Sam: why does it say <Media omitted> here\n"
        "31/12/2023, 21:15 - Sam: This message was deleted by mistake\n"
        "31/12/2023, 21:16 - Sam: (file attached) is what it said\n"
    )
    assert [m.text for m in parse(tmp_path, text).messages] == [
        "why does it say <Media omitted> here",
        "This message was deleted by mistake",
        "(file attached) is what it said",
    ]


# --------------------------------------------------------------------------------------------
# Zip archives


IOS_CHAT = (
    "[31/12/2023, 21:14:05] Sam: \u200eMessages and calls are end-to-end encrypted.\n"
    "\u200e[31/12/2023, 21:14:06] Sam: \u200e<attached: 00000012-PHOTO-2023-12-31-21-14-06.jpg>\n"
    "\u200e[31/12/2023, 21:14:07] Sam: \u200e<attached: 00000013-AUDIO-2023-12-31-21-14-07.opus>\n"
    "[31/12/2023, 21:15:00] Alex: nice!\nsecond line\n"
)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_ios_zip(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "WhatsApp Chat - Sam.zip",
        {
            "_chat.txt": IOS_CHAT.encode(),
            "00000012-PHOTO-2023-12-31-21-14-06.jpg": b"\xff\xd8jpeg",
            # the audio file the text names is missing from the zip: its name is kept anyway
        },
    )
    assert detect_format(Source(path)) == "whatsapp"
    conversation = read_conversation(path)
    assert conversation.title == "Sam"
    assert conversation.messages == [
        system(1, D(2023, 12, 31, 21, 14, 5), "Messages and calls are end-to-end encrypted."),
        msg(
            2,
            D(2023, 12, 31, 21, 14, 6),
            "Sam",
            "",
            attachments=("00000012-PHOTO-2023-12-31-21-14-06.jpg",),
        ),
        msg(
            3,
            D(2023, 12, 31, 21, 14, 7),
            "Sam",
            "",
            attachments=("00000013-AUDIO-2023-12-31-21-14-07.opus",),
        ),
        msg(4, D(2023, 12, 31, 21, 15), "Alex", "nice!\nsecond line"),
    ]


def test_android_zip_with_a_sent_text_file(tmp_path: Path) -> None:
    chat = (
        "31/12/2023, 21:14 - Sam: notes.txt (file attached)\n"
        "31/12/2023, 21:15 - Alex: IMG-20231231-WA0001.jpg (file attached)\nnice\n"
    )
    path = make_zip(
        tmp_path / "export.zip",
        {
            "notes.txt": b"shopping: eggs, milk",  # a .txt someone sent: media, not the chat
            "WhatsApp Chat with Sam.txt": chat.encode(),
            "IMG-20231231-WA0001.jpg": b"\xff\xd8jpeg",
        },
    )
    conversation = read_conversation(path)
    assert conversation.title == "Sam"
    assert conversation.messages == [
        msg(1, D(2023, 12, 31, 21, 14), "Sam", "", attachments=("notes.txt",)),
        msg(2, D(2023, 12, 31, 21, 15), "Alex", "nice", attachments=("IMG-20231231-WA0001.jpg",)),
    ]


def test_zip_with_an_unnamed_text(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "x.zip", {"a/readme.txt": b"hello", "b/chat.log.txt": IOS_CHAT.encode()}
    )
    assert len(read_conversation(path, "whatsapp").messages) == 4


def test_zip_path_traversal_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "evil.zip", {"_chat.txt": IOS_CHAT.encode(), "../evil.txt": b"x"})
    with pytest.raises(ExportError, match="unsafe path"):
        read_conversation(path, "whatsapp")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = IOS_CHAT.encode() + b"\n" * 5_000_000
    path = make_zip(tmp_path / "bomb.zip", {"_chat.txt": bomb})
    with pytest.raises(ExportError, match="zip bomb"):
        read_conversation(path, "whatsapp")


def test_zip_without_chat_text(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "photos.zip", {"IMG-1.jpg": b"\xff\xd8"})
    with pytest.raises(ExportError, match="no chat text"):
        read_conversation(path, "whatsapp")


def test_truncated_zip(tmp_path: Path) -> None:
    whole = make_zip(tmp_path / "whole.zip", {"_chat.txt": IOS_CHAT.encode() * 50})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:300])
    with pytest.raises(ExportError):
        read_conversation(cut, "whatsapp")


# --------------------------------------------------------------------------------------------
# Detection and bad input


def test_sniff(tmp_path: Path) -> None:
    android = tmp_path / "a.txt"
    android.write_text("31/12/2023, 21:14 - Sam: hi\n", encoding="utf-8")
    ios = tmp_path / "b.txt"
    ios.write_text("\ufeff[31/12/2023, 21:14:05] Sam: hi\n", encoding="utf-8")
    preamble = tmp_path / "c.txt"
    preamble.write_text("exported by me\n31/12/2023, 21:14 - Sam: hi\n", encoding="utf-8")
    transcript = tmp_path / "d.txt"
    transcript.write_text("Sam: hi\nAlex: hello\n", encoding="utf-8")
    signal = tmp_path / "e.txt"
    signal.write_text("[2019-12-24, 12:23] Jane: Hello John!\n", encoding="utf-8")
    assert wa.sniff(Source(android)) >= 0.9
    assert wa.sniff(Source(ios)) >= 0.9
    assert 0.5 <= wa.sniff(Source(preamble)) < 0.9
    assert wa.sniff(Source(transcript)) == 0.0
    assert wa.sniff(Source(signal)) < 0.8  # Signal's own shape; iOS WhatsApp writes seconds
    assert wa.sniff(Source(tmp_path)) == 0.0
    assert detect_format(Source(android)) == "whatsapp"


def test_orphan_lines_are_skipped(tmp_path: Path) -> None:
    text = "Chat export\n\nsaved 2024\n31/12/2023, 21:14 - Sam: hi\n"
    conversation = parse(tmp_path, text)
    assert conversation.messages == [msg(1, D(2023, 12, 31, 21, 14), "Sam", "hi")]
    assert conversation.skipped == [
        Skipped(1, ORPHAN, "Chat export"),
        Skipped(3, ORPHAN, "saved 2024"),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"just some notes\nwith no dates\n", "no WhatsApp message headers found"),
        (b'{"name": "Telegram", "messages": []}', "no WhatsApp message headers found"),
        (b"", "empty"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
    ],
)
def test_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ExportError, match=message) as caught:
        read_conversation(path, "whatsapp")
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_no_headers_names_line_one(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        read_conversation(path, "whatsapp")
    assert caught.value.line == 1


def test_telegram_export_given_as_whatsapp(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Sam", "messages": [{"id": 1}]}), encoding="utf-8")
    with pytest.raises(ExportError, match="no WhatsApp message headers"):
        read_conversation(path, "whatsapp")


def test_utf16_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes("31/12/2023, 21:14 - Sam: hi\r\nthere\r\n".encode("utf-16"))
    assert read_conversation(path).messages == [msg(1, D(2023, 12, 31, 21, 14), "Sam", "hi\nthere")]


# --------------------------------------------------------------------------------------------
# The command line


def test_cli_import_and_summary(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Sam.txt"
    path.write_text(
        "Exported chat\n"
        "31/12/2023, 21:00 - Messages and calls are end-to-end encrypted. Tap to learn more.\n"
        "31/12/2023, 21:14 - Sam: hi\nhow are you?\n"
        "31/12/2023, 21:15 - Alex: <Media omitted>\n"
        "31/12/2023, 21:16 - Alex: This message was deleted\n",
        encoding="utf-8",
    )
    done = run_attune("import", str(path))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records == [
        {
            "id": "m1",
            "timestamp": "2023-12-31T21:00:00",
            "sender": None,
            "text": "Messages and calls are end-to-end encrypted. Tap to learn more.",
            "kind": "system",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m2",
            "timestamp": "2023-12-31T21:14:00",
            "sender": "Sam",
            "text": "hi\nhow are you?",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m3",
            "timestamp": "2023-12-31T21:15:00",
            "sender": "Alex",
            "text": "",
            "kind": "message",
            "attachments": ["<omitted:media>"],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m4",
            "timestamp": "2023-12-31T21:16:00",
            "sender": "Alex",
            "text": "",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": True,
            "reactions": [],
        },
    ]
    summary = run_attune("import", str(path), "--summary")
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    assert "messages: 3" in lines
    assert "system messages: 1" in lines
    assert "first: 2023-12-31T21:00:00" in lines
    assert "last: 2023-12-31T21:16:00" in lines
    assert "skipped: 1" in lines
    assert any("line 1" in line and ORPHAN in line for line in lines)
    assert any(line.split() == ["Alex", "2"] for line in lines)
    assert any(line.split() == ["Sam", "1"] for line in lines)


def test_cli_date_order_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("03/04/23, 10:00 - Sam: a\n", encoding="utf-8")
    done = run_attune("import", str(path), "--date-order", "mdy")
    assert json.loads(done.stdout)["timestamp"] == "2023-03-04T10:00:00"
    bad = tmp_path / "bad.txt"
    bad.write_text("no headers here\n", encoding="utf-8")
    failed = run_attune("import", str(bad), "--format", "whatsapp")
    assert failed.returncode != 0
    assert failed.stderr.strip().count("\n") == 0
    assert f"{bad}:1: no WhatsApp message headers found" in failed.stderr
    assert "Traceback" not in failed.stderr


# --------------------------------------------------------------------------------------------
# Internals that speed relies on: chunked reading, time caches, the collector


def test_tiny_chunks_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "Exported\n31/12/2023, 21:14 - Sam: a long message\nwith lines\n\nand a gap\n"
        "2 eggs\n31/12/2023, 21:15 - Alex: <Media omitted>\n"
        "[31/12/23, 9:00:00 PM] Quoted Person: pasted\n"
        "31/12/2023, 21:16 - Sam added Jo\n31/12/2023, 21:17 - Jo: hi\n"
    )
    whole = parse(tmp_path, text)
    for size in (1, 7, 30):
        monkeypatch.setattr(wa, "_CHUNK", size)
        assert parse(tmp_path, text).messages == whole.messages
        assert parse(tmp_path, text).skipped == whole.skipped
    assert [m.text for m in whole.messages] == [
        "a long message\nwith lines\n\nand a gap\n2 eggs",
        "[31/12/23, 9:00:00 PM] Quoted Person: pasted",
        "Sam added Jo",
        "hi",
    ]


def test_time_head_and_tail_add_up_to_the_time() -> None:
    from attune.ingest.whatsapp_dates import clock, clock_head, clock_tail, day_half, split_time

    forms = []
    for hour in range(24):
        for seconds in ("", ":00", ":59"):
            twelve = hour % 12 or 12
            forms += [f"{hour}:07{seconds} - ", f"{hour:02d}.07{seconds.replace(':', '.')}] "]
            for am, pm in (("AM", "PM"), ("a. m.", "p. m."), ("ص", "م")):
                word = pm if hour >= 12 else am
                forms.append(f"{twelve}:07{seconds}\u202f{word} - ")
            for am, pm in (("午前", "午後"), ("오전", "오후")):
                forms.append(f"{pm if hour >= 12 else am}{twelve}:07{seconds}] ")
    for form in forms:
        head, tail = split_time(form)
        parts = clock_head(head, day_half(tail) is not None), clock_tail(tail)
        assert parts[0] is not None and parts[1] is not None, form
        assert parts[0] + parts[1] == clock(form), form
    assert clock("13:07 PM - ") is None
    assert clock("9:61 - ") is None


def test_collector_is_left_as_found(tmp_path: Path) -> None:
    import gc

    assert gc.isenabled()
    parse(tmp_path, "31/12/2023, 21:14 - Sam: hi\n")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        parse(tmp_path, "31/12/2023, 21:14 - Sam: hi\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
