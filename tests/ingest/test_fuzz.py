"""Every registered format, fed random bytes and damaged copies of small valid exports.

The contract (docs/importers.md): ``parse`` lets only :class:`ExportError` escape, as one line that
starts with the file's path; whatever it returns can be written as JSON Lines; ``sniff`` never
raises and scores within [0, 1]; ``detect_format`` picks a registered format or raises ExportError.
Formats are taken from ``attune.ingest.FORMATS``, so each importer is covered as soon as it lands.
Set ATTUNE_FUZZ_EXAMPLES (default 60) for a longer hunt.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attune.conversation import Conversation
from attune.errors import ExportError
from attune.ingest import FORMATS, ImportOptions, detect_format
from attune.ingest.source import Source
from attune.present.jsonl import conversation_lines

FUZZ = settings(
    max_examples=int(os.environ.get("ATTUNE_FUZZ_EXAMPLES", "60")),  # raise it for a long run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)
EXPECTED_FORMATS = (
    "whatsapp",
    "telegram",
    "messenger",
    "imessage",
    "signal",
    "discord",
    "sms-xml",
    "google-chat",
    "csv",
    "jsonl",
    "transcript",
)
ALL_FORMATS = sorted(set(EXPECTED_FORMATS) | set(FORMATS))
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


WHATSAPP_ANDROID = """\
05/10/2023, 21:14 - Messages and calls are end-to-end encrypted. No one outside of this chat, \
not even WhatsApp, can read or listen to them. Tap to learn more.
05/10/2023, 21:14 - Alex: Are you free tonight?
05/10/2023, 21:15 - Sam: Yes!
Seven?
05/10/2023, 21:16 - Sam: <Media omitted>
05/10/2023, 21:17 - Alex: This message was deleted
13/10/2023, 08:02 - Alex added Jo
"""
WHATSAPP_IOS = """\
[05/10/2023, 21:14:02] Alex: Are you free tonight?
[05/10/2023, 21:15:10] Sam: \u200eimage omitted
[05/10/2023, 21:16:00] Sam: Seven? \u200e<This message was edited>
[10/13/23, 9:17:00\u202fPM] Alex: \u200e<attached: 00000012-PHOTO-2023-10-13-21-17-00.jpg>
"""
TELEGRAM = {
    "name": "Sam",
    "type": "personal_chat",
    "id": 4242,
    "messages": [
        {
            "id": 1,
            "type": "message",
            "date": "2023-10-05T21:14:00",
            "date_unixtime": "1696533240",
            "from": "Alex",
            "from_id": "user1",
            "text": "Are you free tonight?",
            "text_entities": [{"type": "plain", "text": "Are you free tonight?"}],
        },
        {
            "id": 2,
            "type": "message",
            "date": "2023-10-05T21:15:00",
            "date_unixtime": "1696533300",
            "edited": "2023-10-05T21:16:00",
            "edited_unixtime": "1696533360",
            "from": "Sam",
            "from_id": "user2",
            "reply_to_message_id": 1,
            "text": ["Yes, ", {"type": "bold", "text": "seven"}],
            "text_entities": [
                {"type": "plain", "text": "Yes, "},
                {"type": "bold", "text": "seven"},
            ],
            "reactions": [
                {
                    "type": "emoji",
                    "count": 1,
                    "emoji": "❤",
                    "recent": [{"from": "Alex", "from_id": "user1", "date": "2023-10-05T21:17:00"}],
                }
            ],
        },
        {
            "id": 3,
            "type": "service",
            "date": "2023-10-05T21:18:00",
            "date_unixtime": "1696533480",
            "actor": "Alex",
            "actor_id": "user1",
            "action": "pin_message",
            "message_id": 2,
            "text": "",
            "text_entities": [],
        },
        {
            "id": 4,
            "type": "message",
            "date": "2023-10-05T21:19:00",
            "date_unixtime": "1696533540",
            "from": "Sam",
            "from_id": "user2",
            "photo": "photos/photo_1@05-10-2023_21-19-00.jpg",
            "width": 10,
            "height": 10,
            "text": "",
            "text_entities": [],
        },
    ],
}
MESSENGER = {
    "participants": [{"name": "Alex"}, {"name": "Sam"}],
    "messages": [
        {
            "sender_name": "Alex",
            "timestamp_ms": 1696533360000,
            "photos": [{"uri": "messages/inbox/sam_1/photos/1.jpg", "creation_timestamp": 1}],
            "is_geoblocked_for_viewer": False,
        },
        {
            "sender_name": "Sam",
            "timestamp_ms": 1696533300000,
            "content": "Yes! \u00f0\u009f\u0098\u008a",
            "reactions": [{"reaction": "\u00e2\u009d\u00a4", "actor": "Alex"}],
            "is_geoblocked_for_viewer": False,
        },
        {
            "sender_name": "Alex",
            "timestamp_ms": 1696533240000,
            "content": "Are you free tonight?",
            "is_geoblocked_for_viewer": False,
        },
    ],
    "title": "Sam",
    "is_still_participant": True,
    "thread_path": "inbox/sam_1",
    "magic_words": [],
}
IMESSAGE_TXT = """\
Mar 02, 2024  8:14:05 AM (Read by you after 2 minutes, 11 seconds)
+15558675309
Morning! Did you sleep ok?
Tapbacks:
Loved by Me

Mar 02, 2024  8:17:40 AM (Read by them after 1 minute, 2 seconds)
Me
Not really
the neighbours again

Mar 02, 2024  8:20:13 AM
+15558675309
Oh no
"""
SIGNAL_MD = (
    "[2022-03-14 12:34:56] Alice: Are you free tonight?  \n\n"
    "[2022-03-14 12:35:10] Bob: Yes!  \n(- Alice: ❤️ -)\n\n"
    "[2022-03-14 12:36:00] Bob: ![IMG_1.jpg](./media/IMG_1.jpg)  \n\n"
)
SIGNAL_JSON = [
    {"date": "2022-03-14 12:34:56", "sender": "Alice", "body": "hi", "quote": "", "sticker": None,
     "reactions": [{"name": "Bob", "emoji": "❤️"}], "attachments": []},
    {"date": "2022-03-14 12:35:10", "sender": "Bob", "body": "hey", "quote": "hi", "sticker": None,
     "reactions": [], "attachments": [{"name": "a.jpg", "path": "media/a.jpg"}]},
]  # fmt: skip
DISCORD = {
    "guild": {"id": "0", "name": "Direct Messages", "iconUrl": ""},
    "channel": {"id": "1", "type": "DirectTextChat", "category": "Private", "name": "Sam"},
    "dateRange": {"after": None, "before": None},
    "messages": [
        {
            "id": "100",
            "type": "Default",
            "timestamp": "2023-10-05T21:14:00+02:00",
            "timestampEdited": None,
            "isPinned": False,
            "content": "Are you free tonight?",
            "author": {"id": "2", "name": "alex", "nickname": "Alex", "isBot": False},
            "attachments": [],
            "embeds": [],
            "reactions": [
                {
                    "emoji": {"id": "", "name": "❤️", "code": "heart", "isAnimated": False},
                    "count": 1,
                    "users": [{"id": "3", "name": "sam", "nickname": "Sam"}],
                }
            ],
            "mentions": [],
        },
        {
            "id": "101",
            "type": "Reply",
            "timestamp": "2023-10-05T21:15:00+02:00",
            "timestampEdited": "2023-10-05T21:16:00+02:00",
            "isPinned": False,
            "content": "Yes!",
            "author": {"id": "3", "name": "sam", "nickname": "Sam", "isBot": False},
            "attachments": [
                {"id": "9", "url": "https://cdn.example/IMG.jpg", "fileName": "IMG.jpg"}
            ],
            "embeds": [],
            "reactions": [],
            "mentions": [],
            "reference": {"messageId": "100", "channelId": "1", "guildId": None},
        },
    ],
    "messageCount": 2,
}
DISCORD_CSV = """\
AuthorID,Author,Date,Content,Attachments,Reactions
"2","alex","2023-10-05T21:14:00.000+02:00","Are you free tonight?","","❤️ (1)"
"3","sam","2023-10-05T21:15:00.000+02:00","Yes!","https://cdn.example/IMG.jpg",""
"""
SMS_XML = """\
<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<!--File Created By SMS Backup & Restore v10.20.002 on 03/03/2024 22:10:31-->
<smses count="3" backup_set="5c0f2a34" backup_date="1709503831000" type="full">
  <sms protocol="0" address="+1 555-010-0100" date="1709330400000" type="1" subject="null" \
body="Morning love &#55357;&#56838;" toa="null" sc_toa="null" service_center="null" read="1" \
status="-1" locked="0" date_sent="1709330398000" sub_id="1" readable_date="Mar 1, 2024 5:00:00 PM" \
contact_name="Alex Rivera" />
  <sms protocol="0" address="5550100100" date="1709330460000" type="2" subject="null" \
body="Morning!" toa="null" sc_toa="null" service_center="null" read="1" status="-1" \
locked="0" date_sent="0" \
readable_date="Mar 1, 2024 5:01:00 PM" contact_name="Alex Rivera" />
  <mms date="1709330520000" rr="null" sub="null" ct_t="application/vnd.wap.multipart.related" \
read_status="null" seen="1" msg_box="1" address="+15550100100" sub_cs="null" resp_st="null" \
retr_st="null" d_tm="null" text_only="0" exp="null" locked="0" m_id="null" st="null" \
retr_txt_cs="null" retr_txt="null" creator="com.google.android.apps.messaging" date_sent="0" \
read="1" m_size="1000" rpt_a="null" ct_cls="null" pri="null" sub_id="1" tr_id="null" \
resp_txt="null" ct_l="null" m_cls="null" d_rpt="null" v="18" _id="1" m_type="132" \
readable_date="Mar 1, 2024 5:02:00 PM" contact_name="Alex Rivera">
    <parts>
      <part seq="0" ct="image/jpeg" name="IMG_1.jpg" chset="null" cd="null" fn="null" \
cid="&lt;0&gt;" cl="IMG_1.jpg" ctt_s="null" ctt_t="null" text="null" data="/9j/4AAQ" />
      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;1&gt;" \
cl="text_0.txt" ctt_s="null" ctt_t="null" text="look" />
    </parts>
    <addrs>
      <addr address="+15550100100" type="137" charset="106" />
    </addrs>
  </mms>
</smses>
"""
GOOGLE_CHAT = {
    "messages": [
        {
            "creator": {"name": "Alex", "email": "alex@example.com", "user_type": "Human"},
            "created_date": "Thursday, October 5, 2023 at 9:14:00 PM UTC",
            "text": "Are you free tonight?",
            "topic_id": "abc",
            "message_id": "dm/abc/abc",
        },
        {
            "creator": {"name": "Sam", "email": "sam@example.com", "user_type": "Human"},
            "created_date": "Thursday, October 5, 2023 at 9:15:00 PM UTC",
            "text": "Yes!",
            "reactions": [{"emoji": {"unicode": "❤️"}, "reactor_emails": ["alex@example.com"]}],
            "attached_files": [{"original_name": "IMG.jpg", "export_name": "File-IMG.jpg"}],
            "topic_id": "def",
            "message_id": "dm/abc/def",
        },
    ]
}
CSV_SAMPLE = """\
Date;Time;From;Message;Attachments
05/10/2023;21:14;Alex;"Are you free
tonight?";
13/10/2023;21:15:07;Sam;Yes!;IMG-0001.jpg|IMG-0002.jpg
"""
JSONL_OWN = [
    {"id": "m1", "timestamp": "2023-10-05T21:14:00", "sender": "Alex", "text": "Free tonight?",
     "kind": "message", "attachments": [], "reply_to": None, "edited": False, "deleted": False,
     "reactions": [{"sender": "Sam", "emoji": "❤"}]},
    {"id": "m2", "timestamp": "2023-10-05T21:15:00+02:00", "sender": "Sam", "text": "",
     "kind": "message", "attachments": ["IMG.jpg"], "reply_to": "m1", "edited": True,
     "deleted": False, "reactions": []},
    {"id": "m3", "timestamp": None, "sender": None, "text": "Alex left", "kind": "system",
     "attachments": [], "reply_to": None, "edited": False, "deleted": False, "reactions": []},
]  # fmt: skip
JSONL_GENERIC = [
    {"created_at": 1696533240, "author": {"name": "Alex"}, "body": "hi", "reply_to": None},
    {"created_at": "2023-10-05T21:15:00Z", "author": {"name": "Sam"},
     "body": ["hey ", {"text": "you"}]},
]  # fmt: skip
TRANSCRIPT = """\
Session notes

[21:14] Alex: I felt ignored tonight.
It really hurt.
[21:15] Sam: I'm sorry. [sighs]
--- Session 2 ---
Alex (9:14 PM): Thanks for listening.
"""


def _lines(records: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def _json(value: object, indent: int | None = 1) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=indent).encode()


SAMPLES: dict[str, list[tuple[str, bytes]]] = {
    "whatsapp": [
        ("WhatsApp Chat with Sam.txt", WHATSAPP_ANDROID.encode()),
        ("_chat.txt", WHATSAPP_IOS.encode()),
        ("WhatsApp Chat - Sam.zip", _zip({"_chat.txt": WHATSAPP_IOS.encode(), "IMG.jpg": b"\xff"})),
    ],
    "telegram": [("result.json", _json(TELEGRAM))],
    "messenger": [("message_1.json", _json(MESSENGER, indent=2))],
    "imessage": [("+15558675309.txt", IMESSAGE_TXT.encode())],
    "signal": [("chat.md", SIGNAL_MD.encode()), ("data.json", _lines(SIGNAL_JSON))],
    "discord": [
        ("Direct Messages - Sam [1].json", _json(DISCORD)),
        ("Direct Messages - Sam [1].csv", DISCORD_CSV.encode()),
    ],
    "sms-xml": [("sms-20240303221031.xml", SMS_XML.encode())],
    "google-chat": [("messages.json", _json(GOOGLE_CHAT, indent=2))],
    "csv": [("chat.csv", CSV_SAMPLE.encode())],
    "jsonl": [("chat.jsonl", _lines(JSONL_OWN)), ("records.jsonl", _lines(JSONL_GENERIC))],
    "transcript": [("session.txt", TRANSCRIPT.encode())],
}  # fmt: skip


def _fixture_samples() -> Iterator[tuple[str, str, bytes]]:
    """Small files other importers keep under tests/fixtures/<format>/, as extra starting points."""
    if not FIXTURES.is_dir():
        return
    for folder in sorted(FIXTURES.iterdir()):
        name = folder.name.replace("_", "-")
        if name not in FORMATS or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*"))[:4]:
            if path.is_file() and 0 < path.stat().st_size <= 16_384:
                yield name, f"fixture:{path.relative_to(FIXTURES)}", path.read_bytes()


CASES = [
    pytest.param(fmt, name, data, id=f"{fmt}:{name}")
    for fmt, samples in SAMPLES.items()
    for name, data in samples
] + [
    pytest.param(fmt, label.rsplit("/", 1)[-1], data, id=label)
    for fmt, label, data in _fixture_samples()
]

TOKENS = st.sampled_from(
    [
        b"{", b"}", b"[", b"]", b'"', b",", b":", b"\n", b"\r\n", b"\t", b" ", b"null", b"true",
        b"0", b"-1", b"1e999", b"99999999999999999999", b"NaN", b'""', b"[]", b"{}",
        b"\xff\xfe", b"\x00", b"\xc3", b"\xe2\x80\x8e", b"\\", b"\\u", b"\\ud800", b"'",
        b"<", b">", b"/>", b"&#0;", b"&amp", b"&#55357;", b"<![CDATA[", b"<!DOCTYPE x [", b"--",
        b"PK\x03\x04", b"SQLite format 3\x00", b"99/99/9999, 25:61 - ", b"[31/12/99, 23:59:59] ",
        b"--- x ---", b"Alex: ", b": ", b"\xe2\x80\xaf", b"\xef\xbb\xbf", b"2023-02-30T25:00:00",
    ]
) | st.binary(min_size=1, max_size=8)  # fmt: skip
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("truncate"), st.floats(0, 1), st.just(b"")),
        st.tuples(st.just("delete"), st.floats(0, 1), st.binary(min_size=1, max_size=1)),
        st.tuples(st.just("insert"), st.floats(0, 1), TOKENS),
        st.tuples(st.just("replace"), st.floats(0, 1), TOKENS),
        st.tuples(st.just("duplicate"), st.floats(0, 1), st.binary(min_size=1, max_size=1)),
    ),
    min_size=1,
    max_size=6,
)


def mutate(data: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
    """Apply byte-level edits at relative positions: truncation, deletion, insertion, copying."""
    for op, where, token in edits:
        at = int(where * len(data))
        if op == "truncate":
            data = data[:at]
        elif op == "delete":
            data = data[:at] + data[at + 1 + token[0] % 64 :]
        elif op == "insert":
            data = data[:at] + token + data[at:]
        elif op == "replace":
            data = data[:at] + token + data[at + len(token) :]
        else:
            data = data[:at] + data[at : at + 1 + token[0] % 200] + data[at:]
    return data


DELETE = object()
WEIRD_VALUES = st.sampled_from(
    [
        None, True, False, 0, -1, 1.5, 10**20, -(10**20), 1e308, float("nan"), "", " ", "x",
        "null", "2023-02-30T25:00:00", "99999999999999", "-5", "\u200e", "\ud7ff", "\x00",
        "<Media omitted>", [], {}, [None], [""], {"": None}, ["x", 1], {"text": None},
        {"name": None}, [{"a": []}], DELETE,
    ]
)  # fmt: skip
VALUE_EDITS = st.lists(st.tuples(st.integers(0, 10**6), WEIRD_VALUES), min_size=1, max_size=4)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*here, index))


def swap_values(value: Any, edits: list[tuple[int, object]]) -> Any:
    """Replace (or remove) nodes of a JSON document with values of the wrong type or range."""
    for pick, new in edits:
        paths = [p for p in _paths(value) if p]
        if not paths:
            return value
        *parent_path, last = paths[pick % len(paths)]
        parent = value
        for key in parent_path:
            parent = parent[key]
        if new is DELETE:
            del parent[last]
        else:
            parent[last] = json.loads(json.dumps(new))
    return value


def json_documents(data: bytes) -> tuple[str, list[Any]] | None:
    """The sample as one JSON document, or as JSON Lines; None when it is neither."""
    try:
        return "json", [json.loads(data)]
    except ValueError:
        pass
    try:
        return "jsonl", [json.loads(line) for line in data.decode().splitlines() if line.strip()]
    except ValueError:
        return None


JSON_CASES = [case for case in CASES if json_documents(case.values[2]) is not None]  # type: ignore[arg-type]
XML_CASES = [case for case in CASES if case.values[2].lstrip().startswith(b"<?xml")]  # type: ignore[union-attr]


@contextmanager
def export_file(name: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def check_parse(fmt: str, path: Path) -> None:
    """Either a conversation that can be written as JSON Lines, or one ExportError line."""
    try:
        conversation = FORMATS[fmt].parse(Source(path), ImportOptions())
    except ExportError as exc:
        assert "\n" not in str(exc), str(exc)
        assert str(exc).startswith(str(path)), str(exc)
        return
    assert isinstance(conversation, Conversation)
    ids = [m.id for m in conversation.messages]
    assert ids == [f"m{i}" for i in range(1, len(ids) + 1)]
    for message in conversation.messages:
        assert message.kind in ("message", "system")
        assert message.reply_to is None or message.reply_to in ids
    for line in conversation_lines(conversation):
        json.loads(line)


def check_sniffs(path: Path) -> None:
    """Every format's sniff answers a score in [0, 1] and never raises; detection is clean."""
    for name, fmt in FORMATS.items():
        score = fmt.sniff(Source(path))
        assert isinstance(score, float | int), name
        assert 0.0 <= score <= 1.0, (name, score)
    try:
        assert detect_format(Source(path)) in FORMATS
    except ExportError as exc:
        assert "\n" not in str(exc)


def registered(fmt: str) -> None:
    if fmt not in FORMATS:
        pytest.skip(f"format {fmt!r} is not registered yet")


@pytest.mark.parametrize(("fmt", "name", "data"), CASES)
def test_samples_are_valid(fmt: str, name: str, data: bytes) -> None:
    """The starting points are real exports of their format (so mutations start from valid)."""
    registered(fmt)
    with export_file(name, data) as path:
        conversation = FORMATS[fmt].parse(Source(path), ImportOptions())
        assert conversation.messages
        check_sniffs(path)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
@FUZZ
@given(
    data=st.binary(max_size=2048),
    suffix=st.sampled_from(["", ".txt", ".json", ".csv", ".jsonl", ".xml", ".zip", ".db", ".md"]),
)
def test_random_bytes(fmt: str, data: bytes, suffix: str) -> None:
    registered(fmt)
    with export_file(f"export{suffix}", data) as path:
        check_parse(fmt, path)
        check_sniffs(path)


@pytest.mark.parametrize(("fmt", "name", "data"), CASES)
@FUZZ
@given(edits=EDITS)
def test_damaged_exports(
    fmt: str, name: str, data: bytes, edits: list[tuple[str, float, bytes]]
) -> None:
    registered(fmt)
    with export_file(name, mutate(data, edits)) as path:
        check_parse(fmt, path)
        check_sniffs(path)


@pytest.mark.parametrize(("fmt", "name", "data"), CASES)
@FUZZ
@given(edits=EDITS, damaged=st.booleans(), other=st.sampled_from(ALL_FORMATS))
def test_exports_read_as_another_format(
    fmt: str,
    name: str,
    data: bytes,
    edits: list[tuple[str, float, bytes]],
    damaged: bool,
    other: str,
) -> None:
    """``--format X`` on someone else's export, damaged or not: a clean refusal or a result."""
    registered(fmt)
    registered(other)
    with export_file(name, mutate(data, edits) if damaged else data) as path:
        check_parse(other, path)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_folders_and_missing_paths(fmt: str, tmp_path: Path) -> None:
    registered(fmt)
    empty = tmp_path / "empty"
    empty.mkdir()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.bin").write_bytes(bytes(range(256)))
    (junk / "sub").mkdir()
    for path in (empty, junk, tmp_path / "missing.txt"):
        check_parse(fmt, path)
        for name, other in FORMATS.items():
            assert 0.0 <= other.sniff(Source(path)) <= 1.0, name


@pytest.mark.parametrize("kind", ["empty", "junk", "missing"])
def test_nothing_recognisable_is_refused(kind: str, tmp_path: Path) -> None:
    path = tmp_path / kind
    if kind != "missing":
        path.mkdir()
    if kind == "junk":
        (path / "notes.bin").write_bytes(bytes(range(256)))
    with pytest.raises(ExportError) as info:
        name = detect_format(Source(path))
        FORMATS[name].parse(Source(path), ImportOptions())
    assert str(info.value).startswith(str(path))


@pytest.mark.parametrize(("fmt", "name", "data"), JSON_CASES)
@FUZZ
@given(edits=VALUE_EDITS, line=st.integers(0, 100))
def test_json_values_of_the_wrong_type(
    fmt: str, name: str, data: bytes, edits: list[tuple[int, object]], line: int
) -> None:
    """Well-formed JSON whose fields hold the wrong types: refusal, skip or read, never a crash."""
    registered(fmt)
    shape, documents = json_documents(data) or ("json", [])
    target = line % len(documents)
    documents[target] = swap_values(documents[target], edits)
    if shape == "json":
        damaged = json.dumps(documents[0], ensure_ascii=False, indent=1)
    else:
        damaged = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents)
    with export_file(name, damaged.encode()) as path:
        check_parse(fmt, path)
        check_sniffs(path)


_ATTRIBUTE = re.compile(rb'="[^"]*"')


@pytest.mark.parametrize(("fmt", "name", "data"), XML_CASES)
@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), WEIRD_VALUES), min_size=1, max_size=6))
def test_xml_attributes_with_odd_values(
    fmt: str, name: str, data: bytes, edits: list[tuple[int, object]]
) -> None:
    """Well-formed XML whose attribute values are empty, huge, negative or not numbers."""
    registered(fmt)
    spans = [m.span() for m in _ATTRIBUTE.finditer(data)]
    assume(spans)
    for pick, new in edits:
        start, end = spans[pick % len(spans)]
        text = "" if new is DELETE or isinstance(new, list | dict) else str(new)
        value = text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").encode()
        value = value.replace(b"\x00", b"&#0;")
        data = data[:start] + b'="' + value + b'"' + data[end:]
        spans = [m.span() for m in _ATTRIBUTE.finditer(data)]
    with export_file(name, data) as path:
        check_parse(fmt, path)
        check_sniffs(path)


@pytest.mark.parametrize(("fmt", "name", "data"), CASES)
def test_samples_are_detected_as_their_format(fmt: str, name: str, data: bytes) -> None:
    """Sniff scores rank the right format first for a clean export of every kind."""
    registered(fmt)
    with export_file(name, data) as path:
        assert detect_format(Source(path)) == fmt
