"""iMessage importer: chat.db (built here with the real schema) and imessage-exporter txt."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.conversation import Message, Reaction
from attune.errors import ExportError
from attune.ingest import ImportOptions, read_conversation
from attune.ingest.imessage import APPLE_EPOCH, decode_attributed_body, sniff
from attune.ingest.source import Source
from tests.conftest import run_attune

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imessage"

# --------------------------------------------------------------------------------------------
# Building a Messages database the way macOS lays it out (trimmed to the columns that matter)
# --------------------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL,
    country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT,
    UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT,
    service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0,
    last_addressed_handle TEXT, display_name TEXT, group_id TEXT);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0,
    subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0,
    type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT,
    error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER,
    is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
    is_read INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0,
    item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT,
    group_action_type INTEGER DEFAULT 0, associated_message_guid TEXT,
    associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB,
    expressive_send_style_id TEXT, message_summary_info BLOB, reply_to_guid TEXT,
    thread_originator_guid TEXT, thread_originator_part TEXT,
    date_retracted INTEGER DEFAULT 0, date_edited INTEGER DEFAULT 0,
    associated_message_emoji TEXT);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    created_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT,
    transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, transfer_name TEXT,
    total_bytes INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
    UNIQUE(message_id, attachment_id));
"""

OLD_SCHEMA = """
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL,
    country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    style INTEGER, chat_identifier TEXT, service_name TEXT, display_name TEXT);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    text TEXT, handle_id INTEGER DEFAULT 0, attributedBody BLOB, date INTEGER,
    is_from_me INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0,
    item_type INTEGER DEFAULT 0, group_action_type INTEGER DEFAULT 0, group_title TEXT,
    associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0);
CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER,
    PRIMARY KEY (chat_id, message_id));
CREATE TABLE chat_handle_join (chat_id INTEGER, handle_id INTEGER);
"""


def attributed_body(text: str) -> bytes:
    """A typedstream blob as Messages writes it when ``text`` is NULL (macOS 13+)."""
    raw = text.encode("utf-8")
    if len(raw) < 0x80:
        length = bytes([len(raw)])
    elif len(raw) < 0x10000:
        length = b"\x81" + len(raw).to_bytes(2, "little")
    else:
        length = b"\x82" + len(raw).to_bytes(4, "little")
    return (
        b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00"
        b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+"
        + length
        + raw
        + b"\x86\x84\x02iI\x01\x05\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x01\x92"
        b"\x84\x96\x96\x1d__kIMMessagePartAttributeName\x86\x92\x84\x84\x84\x08NSNumber\x00"
        b"\x84\x84\x07NSValue\x00\x94\x84\x01*\x84\x99\x99\x00\x86\x86\x86"
    )


def ns(when: datetime) -> int:
    """``message.date`` on macOS ≥ 10.13: nanoseconds since 2001-01-01 UTC."""
    return round(when.timestamp() - APPLE_EPOCH) * 1_000_000_000


@dataclass
class Db:
    """A small chat.db writer for tests: handles, chats, messages, attachments."""

    path: Path
    con: sqlite3.Connection = field(init=False)
    rows: int = 0

    def __post_init__(self) -> None:
        self.con = sqlite3.connect(self.path)
        self.con.executescript(SCHEMA)

    def handle(self, ident: str, service: str = "iMessage") -> int:
        cur = self.con.execute("INSERT INTO handle (id, service) VALUES (?, ?)", (ident, service))
        return int(cur.lastrowid or 0)

    def chat(
        self,
        identifier: str,
        handles: list[int],
        name: str | None = None,
        service: str = "iMessage",
    ) -> int:
        cur = self.con.execute(
            "INSERT INTO chat (guid, style, chat_identifier, service_name, display_name) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                f"{service};-;{identifier}",
                43 if len(handles) > 1 else 45,
                identifier,
                service,
                name,
            ),
        )
        chat_id = int(cur.lastrowid or 0)
        for h in handles:
            self.con.execute("INSERT INTO chat_handle_join VALUES (?, ?)", (chat_id, h))
        return chat_id

    def message(self, chat_id: int, guid: str, when: datetime, **cols: object) -> int:
        cols = {"handle_id": 0, "is_from_me": 0, **cols}
        names = ", ".join(["guid", "date", *cols])
        marks = ", ".join("?" * (2 + len(cols)))
        cur = self.con.execute(
            f"INSERT INTO message ({names}) VALUES ({marks})", (guid, ns(when), *cols.values())
        )
        rowid = int(cur.lastrowid or 0)
        self.con.execute(
            "INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)",
            (chat_id, rowid, ns(when)),
        )
        return rowid

    def attach(self, message_id: int, filename: str | None, transfer_name: str | None) -> None:
        self.rows += 1
        cur = self.con.execute(
            "INSERT INTO attachment (guid, filename, transfer_name, mime_type) VALUES (?, ?, ?, ?)",
            (f"at_{self.rows}", filename, transfer_name, "image/heic"),
        )
        self.con.execute(
            "INSERT INTO message_attachment_join VALUES (?, ?)", (message_id, cur.lastrowid)
        )
        self.con.execute(
            "UPDATE message SET cache_has_attachments = 1 WHERE ROWID = ?", (message_id,)
        )

    def close(self) -> Path:
        self.con.commit()
        self.con.close()
        return self.path


T0 = datetime(2024, 3, 2, 8, 14, 5, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def couple_db(path: Path) -> Path:
    """Sam (me) and Alex (+15558675309), across an iMessage and an SMS chat, plus two others."""
    db = Db(path)
    alex = db.handle("+15558675309")
    alex_sms = db.handle("+15558675309", "SMS")
    jo = db.handle("jo@example.com")
    chat = db.chat("+15558675309", [alex])
    sms_chat = db.chat("+15558675309", [alex_sms], service="SMS")
    friend = db.chat("jo@example.com", [jo])
    group = db.chat("chat493021", [alex, jo], name="Weekend crew")

    db.message(chat, "G-1", at(0), handle_id=alex, text="Morning! Did you sleep ok?")
    db.message(chat, "G-2", at(3), is_from_me=1, text=None,
               attributedBody=attributed_body("Not really 😴\nthe neighbours again"),
               thread_originator_guid="G-1", reply_to_guid="G-1")  # fmt: skip
    db.message(chat, "T-1", at(3.5), is_from_me=1, text="Loved “Morning! Did you sleep ok?”",
               associated_message_guid="p:0/G-1", associated_message_type=2000)  # fmt: skip
    photo = db.message(chat, "G-3", at(6), handle_id=alex, text="\ufffccoffee for you ☕")
    db.attach(
        photo,
        "~/Library/Messages/Attachments/3c/12/8E0A4F3B-2B9C-4F4A-9C37-66B4B6A1F0D2/IMG_4471.HEIC",
        "IMG_4471.HEIC",
    )
    db.attach(photo, "~/Library/Messages/Attachments/aa/01/X/preview.pluginPayloadAttachment", None)
    db.message(chat, "T-2", at(7), is_from_me=1, text="Laughed at an image",
               associated_message_guid="p:0/G-3", associated_message_type=2003)  # fmt: skip
    db.message(chat, "T-3", at(7.5), is_from_me=1, text=None,
               associated_message_guid="p:1/G-3", associated_message_type=2006,
               associated_message_emoji="🥹")  # fmt: skip
    db.message(chat, "T-4", at(8), handle_id=alex, text="Liked an image",
               associated_message_guid="p:0/G-3", associated_message_type=2001)  # fmt: skip
    db.message(chat, "T-5", at(8.5), handle_id=alex, text="Removed a like from an image",
               associated_message_guid="p:0/G-3", associated_message_type=3001)  # fmt: skip
    db.message(chat, "T-6", at(9), handle_id=alex, text=None,
               associated_message_guid="bp:G-3", associated_message_type=2007)  # fmt: skip
    db.message(chat, "G-4", at(17), is_from_me=1, text="You're the best. Seriously.",
               date_edited=ns(at(17.2)))  # fmt: skip
    db.message(chat, "G-5", at(86), is_from_me=1, text=None, date_edited=ns(at(86.1)),
               date_retracted=ns(at(86.1)))  # fmt: skip
    db.message(chat, "G-6", at(48), item_type=2, group_title="Us ❤️", handle_id=alex)
    db.message(sms_chat, "S-1", at(230), handle_id=alex_sms, text="Running late, 10 min")
    db.message(chat, "G-7", at(231), handle_id=alex, text=None, attributedBody=b"\x00garbage")
    db.message(friend, "F-1", at(100), handle_id=jo, text="Are you coming to the game?")
    db.message(group, "W-1", at(120), handle_id=jo, text="Hike on Sunday?")
    db.message(group, "W-2", at(121), item_type=1, group_action_type=0, handle_id=jo,
               other_handle=alex)  # fmt: skip
    return db.close()


@pytest.fixture
def chat_db(tmp_path: Path) -> Path:
    return couple_db(tmp_path / "chat.db")


def utc(minutes: float) -> datetime:
    return at(minutes)


# --------------------------------------------------------------------------------------------
# chat.db
# --------------------------------------------------------------------------------------------


def test_chat_db_reads_the_busiest_chat_with_every_variant(chat_db: Path) -> None:
    conv = read_conversation(chat_db, "imessage", ImportOptions(tz="UTC", me="Sam"))
    assert conv.format == "imessage"
    assert conv.title == "+15558675309"
    got = [(m.id, m.timestamp, m.sender, m.text, m.kind) for m in conv.messages]
    assert got == [
        ("m1", utc(0), "+15558675309", "Morning! Did you sleep ok?", "message"),
        ("m2", utc(3), "Sam", "Not really 😴\nthe neighbours again", "message"),
        ("m3", utc(6), "+15558675309", "coffee for you ☕", "message"),
        ("m4", utc(17), "Sam", "You're the best. Seriously.", "message"),
        ("m5", utc(48), None, "+15558675309 named the conversation Us ❤️", "system"),
        ("m6", utc(86), "Sam", "", "message"),
        ("m7", utc(230), "+15558675309", "Running late, 10 min", "message"),
    ]
    m = conv.messages
    assert m[0].reactions == (Reaction("Sam", "❤️"),)
    assert m[1].reply_to == "m1"
    assert m[2].attachments == ("IMG_4471.HEIC",)
    # the like was removed again; the laugh and the custom emoji stay
    assert m[2].reactions == (Reaction("Sam", "😂"), Reaction("Sam", "🥹"))
    assert (m[3].edited, m[3].deleted) == (True, False)
    assert (m[5].deleted, m[5].edited, m[5].attachments) == (True, False, ())
    assert all(x.timestamp is not None and x.timestamp.utcoffset() == timedelta(0) for x in m)
    reasons = [(s.reason, s.excerpt) for s in conv.skipped]
    assert ("sticker tapback (not an emoji reaction)", "ROWID 9") in reasons
    assert ("message text could not be decoded (attributedBody)", "ROWID 14") in reasons
    assert (
        "other chat in the database (choose it with --chat)",
        "Weekend crew (chat493021): 2 messages",
    ) in reasons
    assert (
        "other chat in the database (choose it with --chat)",
        "jo@example.com: 1 messages",
    ) in reasons


def test_chat_db_without_me_says_me(chat_db: Path) -> None:
    conv = read_conversation(chat_db, "imessage", ImportOptions(tz="UTC"))
    assert {p.name for p in conv.participants} == {"Me", "+15558675309"}


@pytest.mark.parametrize(
    ("wanted", "first_text"),
    [
        ("Weekend crew", "Hike on Sunday?"),
        ("chat493021", "Hike on Sunday?"),
        ("jo@example.com", "Are you coming to the game?"),
        ("JO@example.com", "Are you coming to the game?"),
        ("+1 (555) 867-5309", "Morning! Did you sleep ok?"),
    ],
)
def test_chat_db_chat_option(chat_db: Path, wanted: str, first_text: str) -> None:
    conv = read_conversation(chat_db, "imessage", ImportOptions(tz="UTC", chat=wanted))
    assert conv.messages[0].text == first_text


def test_chat_db_group_event_is_system(chat_db: Path) -> None:
    conv = read_conversation(chat_db, "imessage", ImportOptions(tz="UTC", chat="Weekend crew"))
    assert [(m.sender, m.text, m.kind) for m in conv.messages] == [
        ("jo@example.com", "Hike on Sunday?", "message"),
        (None, "jo@example.com added +15558675309 to the conversation.", "system"),
    ]


def test_chat_db_unknown_chat_lists_the_chats(chat_db: Path) -> None:
    with pytest.raises(ExportError) as err:
        read_conversation(chat_db, "imessage", ImportOptions(chat="Nobody"))
    message = str(err.value)
    assert "no chat matches --chat 'Nobody'" in message
    assert "Weekend crew (chat493021)" in message and "jo@example.com" in message
    assert "\n" not in message


def test_chat_db_is_never_modified_and_works_read_only(chat_db: Path) -> None:
    before = hashlib.sha256(chat_db.read_bytes()).hexdigest()
    mtime = chat_db.stat().st_mtime_ns
    chat_db.chmod(stat.S_IRUSR)
    try:
        conv = read_conversation(chat_db, "imessage", ImportOptions(tz="UTC"))
    finally:
        chat_db.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert len(conv.messages) == 7
    assert hashlib.sha256(chat_db.read_bytes()).hexdigest() == before
    assert chat_db.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in chat_db.parent.iterdir()) == ["chat.db"]


def test_chat_db_in_use_reads_the_write_ahead_log(tmp_path: Path) -> None:
    path = couple_db(tmp_path / "chat.db")
    writer = sqlite3.connect(path)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        chat_id = writer.execute("SELECT ROWID FROM chat LIMIT 1").fetchone()[0]
        cur = writer.execute(
            "INSERT INTO message (guid, text, handle_id, is_from_me, date) VALUES (?, ?, 0, 1, ?)",
            ("G-WAL", "sent just now", ns(at(500))),
        )
        writer.execute("INSERT INTO chat_message_join VALUES (?, ?, 0)", (chat_id, cur.lastrowid))
        writer.commit()
        wal = path.with_name("chat.db-wal")
        assert wal.stat().st_size > 0
        before = (hashlib.sha256(path.read_bytes()).hexdigest(), wal.read_bytes())
        conv = read_conversation(path, "imessage", ImportOptions(tz="UTC"))
        assert conv.messages[-1].text == "sent just now"
        assert (hashlib.sha256(path.read_bytes()).hexdigest(), wal.read_bytes()) == before
    finally:
        writer.close()


def test_chat_db_old_macos_schema_with_seconds(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    con = sqlite3.connect(path)
    con.executescript(OLD_SCHEMA)
    con.execute("INSERT INTO handle (id, service) VALUES ('alex@icloud.com', 'iMessage')")
    con.execute(
        "INSERT INTO chat (guid, chat_identifier, display_name) VALUES ('c', 'alex@icloud.com', '')"
    )
    secs = int(datetime(2016, 7, 1, 20, 30, tzinfo=UTC).timestamp()) - APPLE_EPOCH
    rows = [
        ("A", "Are you up?", 1, secs, 0, 0, None, 0),
        ("B", "yes", 0, secs + 60, 1, 0, None, 0),
        ("C", "Liked “yes”", 1, secs + 90, 0, 0, "p:0/B", 2001),
    ]
    for rowid, (guid, text, handle, date, me, item, assoc, kind) in enumerate(rows, 1):
        con.execute(
            "INSERT INTO message (guid, text, handle_id, date, is_from_me, item_type, "
            "associated_message_guid, associated_message_type) VALUES (?,?,?,?,?,?,?,?)",
            (guid, text, handle, date, me, item, assoc, kind),
        )
        con.execute("INSERT INTO chat_message_join VALUES (1, ?)", (rowid,))
    con.commit()
    con.close()
    conv = read_conversation(path, "imessage", ImportOptions(tz="UTC", me="Sam"))
    assert [(m.timestamp, m.sender, m.text, m.reactions) for m in conv.messages] == [
        (datetime(2016, 7, 1, 20, 30, tzinfo=UTC), "alex@icloud.com", "Are you up?", ()),
        (
            datetime(2016, 7, 1, 20, 31, tzinfo=UTC),
            "Sam",
            "yes",
            (Reaction("alex@icloud.com", "👍"),),
        ),
    ]


def test_chat_db_local_zone_keeps_the_offset(chat_db: Path) -> None:
    conv = read_conversation(chat_db, "imessage", ImportOptions(tz="America/New_York"))
    first = conv.messages[0].timestamp
    assert first is not None
    assert first.isoformat() == "2024-03-02T03:14:05-05:00"


@pytest.mark.parametrize(
    "text",
    ["hi", "", "x" * 127, "y" * 128, "é" * 40_000, "z" * 70_000, "emoji 👩‍❤️‍👨 and\nnewline"],
)
def test_decode_attributed_body_lengths(text: str) -> None:
    assert decode_attributed_body(attributed_body(text)) == text


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x00" * 40,
        b"streamtyped NSString",
        b"streamtyped NSString\x01\x94\x84\x01+",
        b"streamtyped NSString\x01\x94\x84\x01+\x0ashort",
        b"streamtyped NSString\x01\x94\x84\x01+\x85abc",
        b"streamtyped NSString\x01\x94\x84\x01+\x02\xff\xfe",
    ],
)
def test_decode_attributed_body_refuses_what_it_cannot_read(blob: bytes) -> None:
    assert decode_attributed_body(blob) is None


def test_sqlite_that_is_not_messages(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER, body TEXT)")
    con.commit()
    con.close()
    with pytest.raises(ExportError, match="without the Messages tables"):
        read_conversation(path, "imessage")


@pytest.mark.parametrize("cut", [100, 1000, 5000, 9000])
def test_truncated_and_corrupt_databases(chat_db: Path, tmp_path: Path, cut: int) -> None:
    data = chat_db.read_bytes()
    broken = tmp_path / "broken" / "chat.db"
    broken.parent.mkdir()
    broken.write_bytes(data[:cut])
    with pytest.raises(ExportError):
        read_conversation(broken, "imessage")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    with pytest.raises(ExportError):
        read_conversation(garbage, "imessage")


def test_empty_chat_database(tmp_path: Path) -> None:
    db = Db(tmp_path / "chat.db")
    db.close()
    with pytest.raises(ExportError, match="no chats"):
        read_conversation(tmp_path / "chat.db", "imessage")


def test_detects_chat_db(chat_db: Path) -> None:
    assert sniff(Source(chat_db)) == 1.0
    assert read_conversation(chat_db, options=ImportOptions(tz="UTC")).format == "imessage"


def test_detects_a_renamed_copy(chat_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "messages backup.sqlite"
    copy.write_bytes(chat_db.read_bytes())
    assert sniff(Source(copy)) == 1.0
    assert len(read_conversation(copy, options=ImportOptions(tz="UTC")).messages) == 7


def test_folder_with_chat_db(chat_db: Path) -> None:
    conv = read_conversation(chat_db.parent, "imessage", ImportOptions(tz="UTC"))
    assert len(conv.messages) == 7


# --------------------------------------------------------------------------------------------
# imessage-exporter txt
# --------------------------------------------------------------------------------------------


def test_txt_fixture_every_variant() -> None:
    conv = read_conversation(FIXTURES / "Alex Rivera.txt", "imessage", ImportOptions(me="Sam"))
    rows = [
        (
            m.id,
            m.timestamp,
            m.sender,
            m.text,
            m.kind,
            m.attachments,
            m.reply_to,
            m.edited,
            m.deleted,
        )
        for m in conv.messages
    ]
    d = datetime
    assert rows == [
        ("m1", d(2024, 3, 2, 8, 14, 5), "+15558675309", "Morning! Did you sleep ok?", "message",
         (), None, False, False),
        ("m2", d(2024, 3, 2, 8, 17, 40), "Sam", "Not really 😴\nthe neighbours again", "message",
         (), "m1", False, False),
        ("m3", d(2024, 3, 2, 8, 20, 13), "+15558675309", "coffee for you ☕", "message",
         ("IMG_4471.HEIC",), None, False, False),
        ("m4", d(2024, 3, 2, 8, 31, 57), "Sam", "You're the best. Seriously.", "message",
         (), None, True, False),
        ("m5", d(2024, 3, 2, 9, 2, 44), None, "Alex Rivera named the conversation Us ❤️",
         "system", (), None, False, False),
        ("m6", d(2024, 3, 2, 9, 40), "Sam", "", "message", (), None, False, True),
        ("m7", d(2024, 3, 2, 12, 3, 19), "+15558675309", "", "message",
         ("Audio Message.caf",), None, False, False),
        ("m8", d(2024, 3, 2, 12, 5), "+15558675309", "", "message",
         ("<omitted:attachment>",), None, False, False),
    ]  # fmt: skip
    assert conv.messages[0].reactions == (Reaction("Sam", "❤️"),)
    assert conv.messages[2].reactions == (Reaction("Sam", "😂"), Reaction("Sam", "🥹"))
    assert conv.skipped == []
    assert conv.title == "Alex Rivera"


def test_txt_without_me_keeps_me() -> None:
    conv = read_conversation(FIXTURES / "Alex Rivera.txt", "imessage")
    assert [p.name for p in conv.participants] == ["+15558675309", "Me"]


def test_txt_detected_automatically() -> None:
    assert sniff(Source(FIXTURES / "Alex Rivera.txt")) >= 0.7
    assert read_conversation(FIXTURES / "Alex Rivera.txt").format == "imessage"


def test_txt_reply_only_nested_older_exporter(tmp_path: Path) -> None:
    """Older exporter versions print a reply only under its parent, first line indented."""
    path = tmp_path / "chat.txt"
    path.write_text(
        "Jan 05, 2023  9:00:00 PM\nalex@icloud.com\nWhat should we cook?\n"
        "    Jan 05, 2023  9:01:30 PM\n    Me\n    pasta\nwith lots of garlic\n\n\n"
        "Jan 05, 2023 10:00:00 PM\nalex@icloud.com\ngood call\n\n",
        encoding="utf-8",
    )
    conv = read_conversation(path, "imessage")
    assert [(m.sender, m.text, m.reply_to) for m in conv.messages] == [
        ("alex@icloud.com", "What should we cook?", None),
        ("Me", "pasta\nwith lots of garlic", "m1"),
        ("alex@icloud.com", "good call", None),
    ]


def test_txt_group_announcements_and_stickers(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(
        "Jun 01, 2023  6:00:00 PM You added Jo to the conversation.\n\n"
        "Jun 01, 2023  6:01:00 PM\nJo\n"
        "Sticker from Jo: attachments/3/sticker.heic (App: Memoji)\n\n"
        "Jun 01, 2023  6:02:00 PM\nMe\nhi Jo\nTapbacks:\n"
        "Sticker from Jo: attachments/4/s.heic from Jo\n"
        "Questioned by Jo\n\n"
        "Jun 01, 2023  6:03:00 PM Jo unsent a message!\n\n",
        encoding="utf-8",
    )
    conv = read_conversation(path, "imessage", ImportOptions(me="Sam"))
    assert [(m.sender, m.text, m.kind, m.attachments, m.deleted) for m in conv.messages] == [
        (None, "You added Jo to the conversation.", "system", (), False),
        ("Jo", "", "message", ("sticker.heic",), False),
        ("Sam", "hi Jo", "message", (), False),
        ("Jo", "", "message", (), True),
    ]
    assert conv.messages[2].reactions == (Reaction("Jo", "❓"),)
    assert [(s.line, s.reason) for s in conv.skipped] == [(11, "tapback that is not an emoji")]


def test_txt_folder_picks_the_busiest_chat_and_lists_the_rest() -> None:
    conv = read_conversation(FIXTURES, "imessage")
    assert conv.title == "Alex Rivera"
    assert sorted(s.excerpt for s in conv.skipped) == ["+15550001111.txt", "orphaned.txt"]
    other = read_conversation(FIXTURES, "imessage", ImportOptions(chat="+1 555 000 1111"))
    assert [m.text for m in other.messages] == ["Are you coming to the game?", "Can't, date night"]
    with pytest.raises(ExportError, match="no chat file matches"):
        read_conversation(FIXTURES, "imessage", ImportOptions(chat="Nobody"))


@pytest.mark.parametrize(
    "content",
    [
        b"[3/2/24, 8:14:05 AM] Alex: Morning!\n[3/2/24, 8:15:00 AM] Sam: hi\n",
        b"3/2/24, 8:14 AM - Alex: Morning!\n",
        b"\x00\x01\x02\x03binary\xff\xfe" * 50,
        b"   \n\n  ",
        b"Mar 02, 2024  8:14:05 AM\n",
    ],
)
def test_txt_wrong_or_empty_input_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(content)
    with pytest.raises(ExportError) as err:
        read_conversation(path, "imessage")
    assert str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------------------------
# Property tests: generated exports read back exactly
# --------------------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["hey", "love", "you", "dinner?", "ok!", "café", "😀", "👩‍❤️‍👨", "7pm", "ça", "so,", "no.", "🙂"]
)
TEXT = st.lists(st.lists(WORDS, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=3).map(
    "\n".join
)
FILES = st.lists(st.sampled_from(["IMG_0001.HEIC", "clip.MOV", "Voice Memo.m4a", "doc.pdf"]),
                 max_size=2, unique=True)  # fmt: skip
KINDS = st.sampled_from(sorted(range(6)))


@dataclass
class Gen:
    from_me: bool
    text: str
    files: list[str]
    gap: int
    edited: bool
    in_body: bool
    reactions: list[tuple[bool, int]]


GEN = st.builds(
    Gen,
    from_me=st.booleans(),
    text=st.one_of(TEXT, st.just("")),
    files=FILES,
    gap=st.integers(0, 100_000),
    edited=st.booleans(),
    in_body=st.booleans(),
    reactions=st.lists(st.tuples(st.booleans(), KINDS), max_size=3, unique=True),
).filter(lambda g: bool(g.text or g.files))
EMOJI = ["❤️", "👍", "👎", "😂", "‼️", "❓"]
WORD = ["Loved", "Liked", "Disliked", "Laughed", "Emphasized", "Questioned"]


def expected(gens: list[Gen], start: datetime, me: str, other: str, aware: bool) -> list[tuple]:
    rows = []
    when = start
    for g in gens:
        when += timedelta(seconds=g.gap)
        rows.append(
            (
                when if aware else when.replace(tzinfo=None),
                me if g.from_me else other,
                g.text,
                tuple(g.files),
                g.edited,
                tuple(Reaction(me if r_me else other, EMOJI[k]) for r_me, k in g.reactions),
            )
        )
    return rows


def observed(messages: list[Message]) -> list[tuple]:
    return [(m.timestamp, m.sender, m.text, m.attachments, m.edited, m.reactions) for m in messages]


def fmt(when: datetime) -> str:
    """chrono's ``%b %d, %Y %l:%M:%S %p`` as imessage-exporter writes it."""
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    hour = when.hour % 12 or 12
    ampm = "PM" if when.hour >= 12 else "AM"
    return f"{month[when.month - 1]} {when.day:02d}, {when.year} {hour:>2}:{when:%M:%S} {ampm}"


def render_txt(gens: list[Gen], start: datetime, other: str) -> str:
    blocks = []
    when = start
    for i, g in enumerate(gens):
        when += timedelta(seconds=g.gap)
        lines = [fmt(when) + (" (Read by you after 1 minute, 5 seconds)" if i % 2 else "")]
        lines.append("Me" if g.from_me else other)
        for f in g.files:
            lines.append(
                f"/Users/sam/Library/Messages/Attachments/0{i % 10}/0{i % 7}/GUID-{i}/{f}"
                if i % 3
                else f"attachments/{i}/{f}"
            )
        text_lines = g.text.split("\n") if g.text else []
        if g.edited and text_lines:
            lines.append(f"{fmt(when)} first draft of this")
            lines.append(f"Edited 1 minute, 3 seconds later: {text_lines[0]}")
            lines.extend(text_lines[1:])
        else:
            lines.extend(text_lines)
        if g.reactions:
            lines.append("Tapbacks:")
            lines.extend(f"{WORD[k]} by {'Me' if r_me else other}" for r_me, k in g.reactions)
            lines.append("")
        blocks.append("\n".join(lines) + "\n\n")
    return "".join(blocks)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gens=st.lists(GEN, min_size=1, max_size=10))
def test_txt_round_trip(gens: list[Gen]) -> None:
    start = datetime(2023, 11, 30, 23, 58, 1)
    text = render_txt(gens, start, "+15558675309")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "+15558675309.txt"
        path.write_text(text, encoding="utf-8")
        conv = read_conversation(path, "imessage", ImportOptions(me="Sam"))
    want = expected(gens, start, "Sam", "+15558675309", aware=False)
    want = [(*row[:4], row[4] and bool(row[2]), row[5]) for row in want]
    assert observed(conv.messages) == want
    assert conv.skipped == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gens=st.lists(GEN, min_size=1, max_size=10))
def test_chat_db_round_trip(gens: list[Gen]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Db(Path(tmp) / "chat.db")
        alex = db.handle("+15558675309")
        chat = db.chat("+15558675309", [alex])
        when = T0
        for i, g in enumerate(gens):
            when += timedelta(seconds=g.gap)
            body = "\ufffc" * len(g.files) + g.text
            cols: dict[str, object] = {"handle_id": 0 if g.from_me else alex,
                                       "is_from_me": int(g.from_me)}  # fmt: skip
            if g.in_body:
                cols.update(text=None, attributedBody=attributed_body(body))
            else:
                cols.update(text=body)
            if g.edited:
                cols.update(date_edited=ns(when) + 60_000_000_000)
            rowid = db.message(chat, f"G-{i}", when, **cols)
            for f in g.files:
                db.attach(rowid, f"~/Library/Messages/Attachments/0{i % 9}/{i}/{f}", f)
            for j, (r_me, k) in enumerate(g.reactions):
                db.message(chat, f"R-{i}-{j}", when, handle_id=0 if r_me else alex,
                           is_from_me=int(r_me), associated_message_guid=f"p:0/G-{i}",
                           associated_message_type=2000 + k)  # fmt: skip
        db.close()
        conv = read_conversation(
            Path(tmp) / "chat.db", "imessage", ImportOptions(tz="UTC", me="Sam")
        )
    assert observed(conv.messages) == expected(gens, T0, "Sam", "+15558675309", aware=True)
    assert conv.skipped == []


# --------------------------------------------------------------------------------------------
# Through the real command line
# --------------------------------------------------------------------------------------------


def test_cli_imports_chat_db(chat_db: Path) -> None:
    result = run_attune("import", str(chat_db), "--tz", "UTC", "--me", "Sam")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 7
    assert records[0] == {
        "id": "m1",
        "timestamp": "2024-03-02T08:14:05+00:00",
        "sender": "+15558675309",
        "text": "Morning! Did you sleep ok?",
        "kind": "message",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [{"sender": "Sam", "emoji": "❤️"}],
    }
    assert records[1]["reply_to"] == "m1"
    assert records[2]["attachments"] == ["IMG_4471.HEIC"]
    assert records[4] == {
        "id": "m5",
        "timestamp": "2024-03-02T09:02:05+00:00",
        "sender": None,
        "text": "+15558675309 named the conversation Us ❤️",
        "kind": "system",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
    }
    assert records[5]["deleted"] is True and records[5]["text"] == ""

    summary = run_attune("import", str(chat_db), "--tz", "UTC", "--me", "Sam", "--summary")
    assert summary.returncode == 0, summary.stderr
    out = summary.stdout
    assert "(imessage)" in out
    assert "messages: 6" in out and "system messages: 1" in out
    assert "first: 2024-03-02T08:14:05+00:00" in out
    assert "last: 2024-03-02T12:04:05+00:00" in out
    assert "skipped: 4" in out
    assert "sticker tapback" in out and "Weekend crew" in out


def test_cli_imports_txt_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run_attune("import", str(FIXTURES / "Alex Rivera.txt"), "--out", str(out), "--summary")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["sender"] for r in records] == [
        "+15558675309", "Me", "+15558675309", "Me", None, "Me", "+15558675309", "+15558675309",
    ]  # fmt: skip
    assert records[3]["edited"] is True and records[3]["text"] == "You're the best. Seriously."
    assert records[2]["reactions"] == [
        {"sender": "Me", "emoji": "😂"},
        {"sender": "Me", "emoji": "🥹"},
    ]
    assert "messages: 7" in result.stdout and "system messages: 1" in result.stdout
    assert "first: 2024-03-02T08:14:05" in result.stdout


def test_cli_unknown_chat_is_one_line_error(chat_db: Path) -> None:
    result = run_attune("import", str(chat_db), "--chat", "Nobody")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {chat_db}: no chat matches --chat 'Nobody'")
    assert result.stdout == ""
