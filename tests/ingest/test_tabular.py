"""Generic CSV and JSON Lines: column mapping, delimiters, timestamps, and Attune's own JSONL."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.conversation import Conversation, Message, Reaction
from attune.errors import ExportError
from attune.ingest import FORMATS, ImportOptions, read_conversation
from attune.ingest.build import finish
from attune.ingest.source import Source
from attune.present.jsonl import conversation_lines
from tests.conftest import run_attune

HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def parse(path: Path, fmt: str = "csv", **options: object) -> Conversation:
    return FORMATS[fmt].parse(Source(path), ImportOptions(**options))  # type: ignore[arg-type]


def records(conversation: Conversation) -> list[dict[str, object]]:
    return [m.to_dict() for m in conversation.messages]


# --------------------------------------------------------------------------- CSV


def test_csv_auto_maps_split_date_and_time_semicolons_and_multiline_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "chat.csv",
        "\ufeffDate;Time;From;Message;Attachments\n"
        '05/10/2023;21:14;Alex;"I miss you.\nCall me?";\n'
        "13/10/2023;21:15:07;Sam;ok;IMG-0001.jpg|IMG-0002.jpg\n"
        "14/10/2023;09:00;;Alex changed the group name;\n",
    )
    conversation = parse(path)
    assert conversation.format == "csv"
    assert records(conversation) == [
        {
            "id": "m1",
            "timestamp": "2023-10-05T21:14:00",
            "sender": "Alex",
            "text": "I miss you.\nCall me?",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m2",
            "timestamp": "2023-10-13T21:15:07",
            "sender": "Sam",
            "text": "ok",
            "kind": "message",
            "attachments": ["IMG-0001.jpg", "IMG-0002.jpg"],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m3",
            "timestamp": "2023-10-14T09:00:00",
            "sender": None,
            "text": "Alex changed the group name",
            "kind": "system",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
    ]
    assert conversation.skipped == []


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["timestamp", "sender", "text"], ["2023-10-05 21:14", "Alex", "a, b; c | d"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    conversation = parse(write(tmp_path, "x.csv", buffer.getvalue()))
    [message] = conversation.messages
    assert (message.timestamp, message.sender, message.text) == (
        datetime(2023, 10, 5, 21, 14),
        "Alex",
        "a, b; c | d",
    )


def test_excel_sep_hint_and_quoted_header(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", 'sep=;\n"Sender Name";"Message Body"\nSam;"hi; there"\n')
    [message] = parse(path).messages
    assert (message.sender, message.text, message.timestamp) == ("Sam", "hi; there", None)


def test_every_field_is_mapped_by_common_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.csv",
        "message_id,created_at,author,content,in_reply_to,is_edited,is_deleted,reactions,kind,media\n"
        "a1,2023-10-05T21:14:00+02:00,Alex,Dinner?,,false,no,Sam:❤️;Alex:😂,,\n"
        "a2,2023-10-05T21:15:00+02:00,Sam,Yes!,a1,TRUE,0,,message,\n"
        "a3,2023-10-05T21:16:00+02:00,Alex,This message was deleted,,,yes,,,\n"
        "a4,2023-10-05T21:17:00+02:00,,Sam pinned a message,,,,,system,\n"
        'a5,2023-10-05T21:18:00+02:00,Sam,,a2,,,,,"photo.jpg; voice.opus"\n',
    )
    conversation = parse(path)
    tz = timezone(timedelta(hours=2))
    assert [m.timestamp for m in conversation.messages] == [
        datetime(2023, 10, 5, 21, minute, tzinfo=tz) for minute in range(14, 19)
    ]
    got = [
        (m.id, m.sender, m.text, m.kind, m.attachments, m.reply_to) for m in conversation.messages
    ]
    assert got == [
        ("m1", "Alex", "Dinner?", "message", (), None),
        ("m2", "Sam", "Yes!", "message", (), "m1"),
        ("m3", "Alex", "", "message", (), None),
        ("m4", None, "Sam pinned a message", "system", (), None),
        ("m5", "Sam", "", "message", ("photo.jpg", "voice.opus"), "m2"),
    ]
    flags = [(m.edited, m.deleted, m.reactions) for m in conversation.messages]
    assert flags == [
        (False, False, (Reaction("Sam", "❤️"), Reaction("Alex", "😂"))),
        (True, False, ()),
        (False, True, ()),
        (False, False, ()),
        (False, False, ()),
    ]


def test_explicit_mapping_wins_and_partial_mapping_is_completed(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "Who,Said,When,message\nAlex,hi,2023-10-05 21:14,ignored\n")
    [message] = parse(path, columns={"sender": "who", "text": "Said"}).messages
    assert (message.sender, message.text, message.timestamp) == (
        "Alex",
        "hi",
        datetime(2023, 10, 5, 21, 14),
    )


def test_mapping_can_turn_a_column_off(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "time,sender,text\nlater,Alex,hi\n")
    with pytest.raises(ExportError, match="cannot read the times in column 'time'"):
        parse(path)
    [message] = parse(path, columns={"timestamp": "-"}).messages
    assert (message.timestamp, message.sender, message.text) == (None, "Alex", "hi")


def test_phoneview_style_direction_makes_sent_rows_mine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "messages.csv",
        '"direction","timestamp","name","number","content","type"\n'
        'Received,"Jul 23, 2011 6:12:54 AM",Sam,+33681818181,"Coucou",SMS\n'
        'Sent,"Jul 23, 2011 6:13:10 PM",Sam,+33681818181,"Salut",iMessage\n',
    )
    got = [(m.timestamp, m.sender, m.text, m.kind) for m in parse(path, me="Alex").messages]
    assert got == [
        (datetime(2011, 7, 23, 6, 12, 54), "Sam", "Coucou", "message"),
        (datetime(2011, 7, 23, 18, 13, 10), "Alex", "Salut", "message"),
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["05/10/2023 21:14", "13/10/2023 08:00"], [(2023, 10, 5, 21, 14), (2023, 10, 13, 8, 0)]),
        (["10/05/2023 21:14", "10/13/2023 08:00"], [(2023, 10, 5, 21, 14), (2023, 10, 13, 8, 0)]),
        (["05.10.23 21:14:09", "06.10.23 7:05"], [(2023, 10, 5, 21, 14, 9), (2023, 10, 6, 7, 5)]),
        (["10/5/2023 9:14 PM", "10/6/2023 12:05 AM"], [(2023, 10, 5, 21, 14), (2023, 10, 6, 0, 5)]),
        (
            ["2023/10/05 21:14", "2023-10-06 21:15:01"],
            [(2023, 10, 5, 21, 14), (2023, 10, 6, 21, 15, 1)],
        ),
        (
            ["Thu, 5 Oct 2023 21:14", "October 6, 2023 at 9:15 PM"],
            [(2023, 10, 5, 21, 14), (2023, 10, 6, 21, 15)],
        ),
        (["2023-10-05T21:14:00.250", ""], [(2023, 10, 5, 21, 14, 0, 250000), None]),
    ],
)
def test_timestamp_styles(tmp_path: Path, cells: list[str], expected: list[object]) -> None:
    body = "".join(f'"{cell}",Alex,hi\n' for cell in cells)
    conversation = parse(write(tmp_path, "x.csv", "date,sender,text\n" + body))
    want = [datetime(*e) if isinstance(e, tuple) else None for e in expected]  # type: ignore[misc]
    assert [m.timestamp for m in conversation.messages] == want


def test_zones_written_after_the_time_are_kept(tmp_path: Path) -> None:
    cells = [
        "2023-10-05 21:14:00 +0200",
        "2023-10-05 21:15 UTC",
        "Thu, 05 Oct 2023 21:16:00 -0530",
        "05/10/2023 21:17 GMT+01:00",
    ]
    body = "".join(f'"{cell}",Alex,hi\n' for cell in cells)
    conversation = parse(write(tmp_path, "x.csv", "date,sender,text\n" + body))
    assert [m.timestamp.isoformat() for m in conversation.messages if m.timestamp] == [
        "2023-10-05T21:14:00+02:00",  # in the order of the instants they name
        "2023-10-05T21:17:00+01:00",
        "2023-10-05T21:15:00+00:00",
        "2023-10-05T21:16:00-05:30",
    ]


def test_epoch_seconds_and_milliseconds_use_the_given_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "ts,sender,text\n1696533240,Alex,a\n1696533300000,Sam,b\n")
    got = [m.timestamp for m in parse(path, tz="UTC").messages]
    assert got == [
        datetime(2023, 10, 5, 19, 14, tzinfo=UTC),
        datetime(2023, 10, 5, 19, 15, tzinfo=UTC),
    ]
    assert got[0] is not None and got[0].isoformat() == "2023-10-05T19:14:00+00:00"


def test_date_order_option_overrides_the_guess(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "date,sender,text\n05/10/2023 21:14,Alex,hi\n")
    [message] = parse(path, date_order="mdy").messages
    assert message.timestamp == datetime(2023, 5, 10, 21, 14)


def test_unreadable_rows_are_skipped_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.csv",
        "timestamp,sender,text\n"
        "2023-10-05 21:14,Alex,hi\n"
        "yesterday,Sam,what\n"
        "2023-10-05 21:15,Sam,\n"
        "2023-10-05 21:16,Sam,too,many,cells\n"
        "\n"
        '2023-10-05 21:17,Alex,"multi\nline"\n'
        "2023-10-05 21:18,Alex,short row\n",
    )
    conversation = parse(path)
    assert [m.text for m in conversation.messages] == ["hi", "multi\nline", "short row"]
    assert [(s.line, s.reason) for s in conversation.skipped] == [
        (5, "row has 5 fields but the header has 3"),
        (3, "unreadable timestamp (unreadable time 'yesterday')"),
        (4, "no text or attachments"),
    ]


def test_missing_text_column_names_the_columns_and_the_syntax(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "when,who,what\n2023-10-05,Alex,hi\n")
    with pytest.raises(ExportError) as info:
        parse(path)
    message = str(info.value)
    assert message.startswith(f"{path}: no message text column found")
    assert "'when', 'who', 'what'" in message
    assert "--columns 'text=COLUMN" in message
    assert "\n" not in message


def test_bad_mapping_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "a,b\n1,2\n")
    with pytest.raises(ExportError, match="no column 'Body' for text; columns found: 'a', 'b'"):
        parse(path, columns={"text": "Body"})
    with pytest.raises(ExportError, match="unknown field 'txt'"):
        parse(path, columns={"txt": "a"})


def test_broken_quote_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", 'sender,text\nAlex,hi\nSam,"never closed\nand on\n')
    with pytest.raises(ExportError) as info:
        parse(path)
    assert info.value.line == 3
    assert "malformed CSV" in str(info.value)


def test_header_only_csv_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="header but no rows"):
        parse(write(tmp_path, "x.csv", "sender,text\n\n"))


def test_legacy_encodings_are_decoded(tmp_path: Path) -> None:
    text = "sender,text\nZoë,“café”\n"
    for encoding in ("cp1252", "utf-16"):
        [message] = parse(write(tmp_path, "x.csv", text, encoding)).messages
        assert (message.sender, message.text) == ("Zoë", "“café”")


def test_csv_sniff(tmp_path: Path) -> None:
    sniff = FORMATS["csv"].sniff
    assert sniff(Source(write(tmp_path, "a.csv", "Date,From,Message\n1,2,3\n"))) >= 0.6
    assert 0 < sniff(Source(write(tmp_path, "b.csv", "text\nhello\n"))) < 0.5
    assert sniff(Source(write(tmp_path, "b.txt", "text\nhello\n"))) == 0
    assert sniff(Source(write(tmp_path, "c.json", '{"text": "a"}\n'))) == 0
    assert sniff(Source(write(tmp_path, "d.txt", "05/10/2023, 21:14 - Alex: hi\n"))) == 0
    assert sniff(Source(write(tmp_path, "e.txt", "Alex: hi, there\nSam: ok\n"))) == 0
    assert sniff(Source(tmp_path)) == 0
    assert sniff(Source(tmp_path / "missing.csv")) == 0


# --------------------------------------------------------------------------- JSON Lines

OWN = [
    {
        "id": "m1",
        "timestamp": "2023-10-05T21:14:00",
        "sender": "Alex",
        "text": "Dinner tonight?\nI can cook.",
        "kind": "message",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [{"sender": "Sam", "emoji": "❤"}],
    },
    {
        "id": "m2",
        "timestamp": "2023-10-05T23:15:30+02:00",
        "sender": "Sam",
        "text": "",
        "kind": "message",
        "attachments": ["IMG-0001.jpg", "<omitted:image>"],
        "reply_to": "m1",
        "edited": True,
        "deleted": False,
        "reactions": [{"sender": None, "emoji": "👍"}],
    },
    {
        "id": "m3",
        "timestamp": None,
        "sender": None,
        "text": "Messages are end-to-end encrypted.",
        "kind": "system",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
    },
    {
        "id": "m4",
        "timestamp": "2023-10-05T21:16:00.123456",
        "sender": "  Alex\u200e ",
        "text": "\u200ekept exactly ",
        "kind": "message",
        "attachments": [],
        "reply_to": "m9",
        "edited": False,
        "deleted": True,
        "reactions": [],
    },
]


def test_own_jsonl_is_read_back_exactly(tmp_path: Path) -> None:
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in OWN) + "\n\n"
    conversation = parse(write(tmp_path, "c.jsonl", text), "jsonl")
    expected = [dict(r) for r in OWN]
    expected[3]["reply_to"] = None  # it answers a message that is not in the file
    assert records(conversation) == expected
    assert conversation.format == "jsonl"


def test_jsonl_malformed_line_names_it(tmp_path: Path) -> None:
    good = json.dumps(OWN[0])
    path = write(tmp_path, "c.jsonl", f"{good}\n\n{good[:-5]}\n{good}\n")
    with pytest.raises(ExportError) as info:
        parse(path, "jsonl")
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: invalid JSON Lines record")
    path = write(tmp_path, "d.jsonl", f"{good}\n[1, 2]\n")
    with pytest.raises(ExportError, match="expected one JSON object per line, got list"):
        parse(path, "jsonl")


def test_own_jsonl_with_a_bad_value_skips_that_record(tmp_path: Path) -> None:
    bad = dict(OWN[0], timestamp="soon", id="m2")
    text = json.dumps(OWN[0]) + "\n" + json.dumps(bad) + "\n"
    conversation = parse(write(tmp_path, "c.jsonl", text), "jsonl")
    assert len(conversation.messages) == 1
    assert [(s.line, s.reason) for s in conversation.skipped] == [
        (2, "unreadable timestamp ('soon')")
    ]


def test_generic_jsonl_with_nested_sender_and_rich_text(tmp_path: Path) -> None:
    lines = [
        {"date": "2023-10-05T21:14:00", "from": {"id": 7, "name": "Alex"}, "message": "hi"},
        {"date": 1696533300, "from": {"username": "sam"}, "message": [{"text": "see "}, "you"]},
        {"date": "2023-10-05T21:16:00", "from": None, "message": "Alex left"},
    ]
    path = write(tmp_path, "x.jsonl", "\n".join(json.dumps(x) for x in lines))
    conversation = parse(path, "jsonl", tz="UTC")
    got = [(m.timestamp, m.sender, m.text, m.kind) for m in conversation.messages]
    assert got == [
        (datetime(2023, 10, 5, 19, 15, tzinfo=UTC), "sam", "see you", "message"),
        (datetime(2023, 10, 5, 21, 14), "Alex", "hi", "message"),
        (datetime(2023, 10, 5, 21, 16), None, "Alex left", "system"),
    ]


def test_generic_jsonl_dotted_mapping(tmp_path: Path) -> None:
    record = {"meta": {"at": "2023-10-05 21:14"}, "user": {"display": "Sam"}, "body": {"t": "hey"}}
    path = write(tmp_path, "x.jsonl", json.dumps(record) + "\n")
    columns = {"timestamp": "meta.at", "sender": "user.display", "text": "body.t"}
    [message] = parse(path, "jsonl", columns=columns).messages
    assert (message.timestamp, message.sender, message.text) == (
        datetime(2023, 10, 5, 21, 14),
        "Sam",
        "hey",
    )


def test_jsonl_sniff(tmp_path: Path) -> None:
    sniff = FORMATS["jsonl"].sniff
    own = write(tmp_path, "a.txt", json.dumps(OWN[0]) + "\n")
    assert sniff(Source(own)) >= 0.9
    generic = write(
        tmp_path, "b.jsonl", '{"author": "A", "body": "x"}\n{"author": "B", "body": "y"}\n'
    )
    assert 0.5 <= sniff(Source(generic)) < 0.9
    pretty = write(tmp_path, "c.json", '{\n  "messages": [{"text": "hi"}]\n}\n')
    assert sniff(Source(pretty)) == 0
    minified = write(tmp_path, "d.json", '{"name": "Sam", "messages": [{"text": "hi"}]}\n')
    assert sniff(Source(minified)) == 0


# --------------------------------------------------------------------------- properties

NAMES = st.sampled_from(["Alex", "Sam", "Jo Lee", "Zoë", "María José", "李雷"])
TEXT = (
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            exclude_categories=("Cs", "Cc", "Zl", "Zp", "Cf"),
            exclude_characters="\x85",
        )
        | st.sampled_from(["\n", ",", ";", "|", '"', "'", "\t"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
FILE = st.from_regex(r"[A-Za-z0-9_-]{1,10}\.(jpg|opus|pdf)", fullmatch=True)
EMOJI = st.sampled_from(["❤", "😂", "👍", "😮", "🙏"])
STYLES = {
    "iso": lambda d: d.isoformat(),
    "space": lambda d: d.strftime("%Y-%m-%d %H:%M:%S"),
    "dmy": lambda d: d.strftime("%d/%m/%Y %H:%M:%S"),
    "mdy": lambda d: d.strftime("%m/%d/%Y %I:%M:%S %p"),
    "epoch": lambda d: str(int(d.replace(tzinfo=UTC).timestamp())),
}


@st.composite
def csv_exports(draw: st.DrawFn) -> tuple[list[list[str]], list[dict[str, object]], str]:
    """Rows of a CSV export in one of the supported styles, and the messages they must give."""
    style = draw(st.sampled_from(sorted(STYLES)))
    count = draw(st.integers(1, 8))
    times = sorted(
        draw(
            st.lists(
                st.datetimes(datetime(2001, 1, 1), datetime(2035, 12, 31)).map(
                    lambda d: d.replace(microsecond=0)
                ),
                min_size=count,
                max_size=count,
            )
        )
    )
    rows = [
        [
            "Message ID",
            "Date",
            "Sender Name",
            "Text",
            "Attachments",
            "Reply To",
            "Edited",
            "Deleted",
            "Reactions",
        ]
    ]
    expected: list[dict[str, object]] = []
    for index, when in enumerate(times, 1):
        sender = draw(NAMES)
        deleted = draw(st.booleans()) and index % 3 == 0
        text = draw(TEXT)
        files = draw(st.lists(FILE, max_size=2))
        reply = draw(st.none() | st.integers(1, index - 1)) if index > 1 else None
        edited = draw(st.booleans())
        reactions = draw(st.lists(st.tuples(NAMES, EMOJI), max_size=2))
        rows.append(
            [
                f"x{index}",
                STYLES[style](when),
                sender,
                text,
                "|".join(files),
                f"x{reply}" if reply else "",
                "TRUE" if edited else "FALSE",
                "yes" if deleted else "",
                ";".join(f"{who}:{emoji}" for who, emoji in reactions),
            ]
        )
        stamp = when.replace(tzinfo=UTC) if style == "epoch" else when
        expected.append(
            {
                "id": f"m{index}",
                "timestamp": stamp.isoformat(),
                "sender": sender,
                "text": "" if deleted else text,
                "kind": "message",
                "attachments": files,
                "reply_to": f"m{reply}" if reply else None,
                "edited": edited,
                "deleted": deleted,
                "reactions": [{"sender": who, "emoji": emoji} for who, emoji in reactions],
            }
        )
    return rows, expected, style


@HYPOTHESIS
@given(
    export=csv_exports(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_csv_round_trip(
    export: tuple[list[list[str]], list[dict[str, object]], str],
    delimiter: str,
    newline: str,
    bom: bool,
) -> None:
    rows, expected, style = export
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))
        options = ImportOptions(tz="UTC", date_order="mdy" if style == "mdy" else None)
        assert FORMATS["csv"].sniff(Source(path)) > 0.5
        conversation = FORMATS["csv"].parse(Source(path), options)
    assert records(conversation) == expected
    assert conversation.skipped == []


OWN_TIMES = st.none() | st.datetimes(
    datetime(1990, 1, 1),
    datetime(2040, 1, 1),
    timezones=st.none()
    | st.sampled_from(
        [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@st.composite
def conversations(draw: st.DrawFn) -> Conversation:
    """What any importer may hand over: every field, odd text, undated and zoned messages."""
    messages = []
    count = draw(st.integers(1, 8))
    for index in range(1, count + 1):
        system = draw(st.booleans())
        messages.append(
            Message(
                id=f"n{index}",
                timestamp=draw(OWN_TIMES),
                sender=None if system else draw(NAMES | ANY_TEXT),
                text=draw(ANY_TEXT),
                kind="system" if system else "message",
                attachments=tuple(draw(st.lists(ANY_TEXT, max_size=2))),
                reply_to=draw(st.sampled_from([None, f"n{draw(st.integers(1, count))}"])),
                edited=draw(st.booleans()),
                deleted=draw(st.booleans()),
                reactions=tuple(
                    Reaction(who, emoji)
                    for who, emoji in draw(
                        st.lists(st.tuples(st.none() | NAMES, EMOJI), max_size=2)
                    )
                ),
            )
        )
    return finish(messages, source="x", format="test")


@HYPOTHESIS
@given(conversation=conversations())
def test_own_jsonl_round_trip_is_exact(conversation: Conversation) -> None:
    first = conversation_lines(conversation)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.jsonl"
        path.write_text("".join(first), encoding="utf-8")
        assert FORMATS["jsonl"].sniff(Source(path)) >= 0.9
        again = read_conversation(path)
    assert again.format == "jsonl"
    assert conversation_lines(again) == first
    assert again.skipped == []


def test_a_chat_that_names_an_export_app_stays_our_jsonl(tmp_path: Path) -> None:
    """Found by the property above: a message reading "SMS Backup & Restore" made the SMS XML
    sniffer claim the file, which then failed as XML."""
    path = tmp_path / "c.jsonl"
    lines = [
        {"id": "m1", "timestamp": None, "sender": "Alex", "text": "SMS Backup & Restore"},
        {"id": "m2", "timestamp": None, "sender": "Sam", "text": "<smses count='1'> lol"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    again = read_conversation(path)
    assert again.format == "jsonl"
    assert [m.text for m in again.messages] == [line["text"] for line in lines]


# --------------------------------------------------------------------------- the real CLI


def test_cli_imports_csv_and_round_trips_through_jsonl(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "chat.csv",
        "Date,Time,Sender,Message\n"
        "05/10/2023,21:14,Alex,Are you free tonight?\n"
        '05/10/2023,21:20,Sam,"Yes!\nSeven?"\n'
        "06/10/2023,08:00,Alex,\n",
    )
    result = run_attune("import", str(source))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["timestamp"], r["sender"], r["text"]) for r in lines] == [
        ("m1", "2023-10-05T21:14:00", "Alex", "Are you free tonight?"),
        ("m2", "2023-10-05T21:20:00", "Sam", "Yes!\nSeven?"),
    ]
    out = tmp_path / "c.jsonl"
    assert run_attune("import", str(source), "--out", str(out)).returncode == 0
    again = run_attune("import", str(out), "--format", "jsonl")
    assert again.returncode == 0, again.stderr
    assert again.stdout == out.read_text(encoding="utf-8") == result.stdout

    summary = run_attune("import", str(source), "--summary")
    assert summary.returncode == 0, summary.stderr
    assert source.name in summary.stdout
    assert "(csv)" in summary.stdout
    for expected in (
        "messages: 2",
        "system messages: 0",
        "first: 2023-10-05T21:14:00",
        "last: 2023-10-05T21:20:00",
        "skipped: 1",
        "line 5: no text or attachments",
    ):
        assert expected in summary.stdout


def test_cli_columns_option(tmp_path: Path) -> None:
    source = write(tmp_path, "x.csv", "Who;Said;At\nAlex;hi;2023-10-05 21:14\n")
    result = run_attune("import", str(source), "--columns", "sender=Who,text=Said,timestamp=At")
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["sender"], record["text"], record["timestamp"]) == (
        "Alex",
        "hi",
        "2023-10-05T21:14:00",
    )
    failed = run_attune("import", str(source), "--format", "csv")
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1
    assert f"{source}: no message text column found" in failed.stderr
