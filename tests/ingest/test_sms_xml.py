"""SMS Backup & Restore XML importer: sms, mms, group MMS, threads, surrogate pairs, safety."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.conversation import Reaction
from attune.errors import ExportError
from attune.ingest import ImportOptions, read_conversation, sms_xml
from attune.ingest.sms_xml import fix_char_refs, sniff
from attune.ingest.source import Source
from tests.conftest import run_attune

BACKUP = Path(__file__).resolve().parents[1] / "fixtures" / "sms_xml" / "backup.xml"
HEADER = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
    "<!--File Created By SMS Backup & Restore v10.20.002 on 03/03/2024 22:10:31-->\n"
    '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
)
UTC_OPTS = ImportOptions(tz="UTC")


def utc(h: int, m: int, s: int = 0) -> datetime:
    return datetime(2024, 3, 1, h, m, s, tzinfo=UTC)


def sms(address: str, ms: int, kind: int, body: str, name: str = "Alex Rivera") -> str:
    return (
        f'  <sms protocol="0" address="{address}" date="{ms}" type="{kind}" subject="null" '
        f'body="{body}" toa="null" sc_toa="null" service_center="null" read="1" status="-1" '
        f'locked="0" date_sent="0" sub_id="1" readable_date="Mar 1, 2024" '
        f'contact_name="{name}" />\n'
    )


def backup(*records: str) -> str:
    return (
        HEADER + f'<smses count="{len(records)}" type="full">\n' + "".join(records) + "</smses>\n"
    )


def write(tmp_path: Path, text: str | bytes, name: str = "sms-20240303.xml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


# --------------------------------------------------------------------------------------------
# The realistic fixture
# --------------------------------------------------------------------------------------------


def test_backup_fixture_every_variant() -> None:
    conv = read_conversation(BACKUP, "sms-xml", ImportOptions(tz="UTC", me="Sam"))
    assert conv.format == "sms-xml"
    assert conv.title == "Alex Rivera"
    rows = [(m.id, m.timestamp, m.sender, m.text, m.kind, m.attachments) for m in conv.messages]
    assert rows == [
        ("m1", utc(22, 0), "Alex Rivera", "Morning love 😆", "message", ()),
        ("m2", utc(22, 1), "Sam", "Hey you\nhow did you sleep?", "message", ()),
        ("m3", utc(22, 4), "Alex Rivera", "Look at this sky 🌅", "message",
         ("PXL_20240301_170355.jpg",)),
        ("m4", utc(22, 6), "Sam", "", "message", ("<omitted:video>",)),
        ("m5", utc(22, 15), "Alex Rivera", "Home by 7 ❤️", "message", ()),
    ]  # fmt: skip
    # the iPhone's tapback, sent as an SMS, is a reaction on the quoted message
    assert conv.messages[1].reactions == (Reaction("Alex Rivera", "❤️"),)
    assert all(not (m.edited or m.deleted or m.reply_to) for m in conv.messages)
    assert [(s.line, s.reason, s.excerpt) for s in conv.skipped] == [
        (None, "other conversation in the backup (choose it with --chat)", "72975: 1 messages"),
        (
            None,
            "other conversation in the backup (choose it with --chat)",
            "Alex Rivera, Jordan Lee: 1 messages",
        ),
        (8, "draft (never sent)", "half-written thought"),
        (9, "failed to send", "this one never went"),
    ]


def test_backup_detected_automatically() -> None:
    assert sniff(Source(BACKUP)) == 1.0
    assert read_conversation(BACKUP, options=UTC_OPTS).format == "sms-xml"


@pytest.mark.parametrize(
    ("wanted", "texts"),
    [
        ("Jordan Lee", ["Dinner at ours Saturday?"]),
        ("alex rivera, jordan lee", ["Dinner at ours Saturday?"]),
        ("72975", ["Your verification code is 123456"]),
        ("+1 (555) 010-0100", None),
        ("Alex Rivera", None),
    ],
)
def test_chat_option_by_name_or_number(wanted: str, texts: list[str] | None) -> None:
    conv = read_conversation(BACKUP, "sms-xml", ImportOptions(tz="UTC", chat=wanted))
    if texts is None:
        assert conv.title == "Alex Rivera" and len(conv.messages) == 5
    else:
        assert [m.text for m in conv.messages] == texts


def test_group_mms_sender_is_the_from_address() -> None:
    conv = read_conversation(BACKUP, "sms-xml", ImportOptions(tz="UTC", chat="Jordan Lee"))
    [message] = conv.messages
    assert (message.sender, message.timestamp) == ("Jordan Lee", utc(22, 10))
    assert conv.title == "Alex Rivera, Jordan Lee"


def test_unknown_chat_lists_the_conversations() -> None:
    with pytest.raises(ExportError) as err:
        read_conversation(BACKUP, "sms-xml", ImportOptions(chat="Nobody"))
    text = str(err.value)
    assert "no conversation matches --chat 'Nobody'" in text
    assert "Alex Rivera; 72975; Alex Rivera, Jordan Lee" in text


def test_unknown_contact_is_named_by_the_address_as_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        backup(
            sms("+44 7700 900123", 1_700_000_000_000, 1, "hello?", "(Unknown)"),
            sms("07700900123", 1_700_000_060_000, 2, "who is this?", "(Unknown)"),
        ),
    )
    conv = read_conversation(path, "sms-xml", UTC_OPTS)
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("+44 7700 900123", "hello?"),
        ("Me", "who is this?"),
    ]
    assert conv.skipped == []


def test_group_thread_is_one_conversation_even_when_own_number_is_listed(tmp_path: Path) -> None:
    def mms(box: int, ms: int, address: str, sender: str, text: str) -> str:
        return (
            f'  <mms date="{ms}" msg_box="{box}" address="{address}" m_type="132" '
            f'contact_name="(Unknown)" readable_date="x">\n    <parts>\n'
            f'      <part seq="0" ct="text/plain" name="null" chset="106" cl="text_0.txt" '
            f'text="{text}" />\n    </parts>\n    <addrs>\n'
            f'      <addr address="{sender}" type="137" charset="106" />\n'
            "    </addrs>\n  </mms>\n"
        )

    path = write(
        tmp_path,
        backup(
            mms(
                1,
                1_700_000_000_000,
                "+15550100100~+15550102222~+15550109999",
                "+15550102222",
                "plans?",
            ),
            mms(2, 1_700_000_030_000, "+15550100100~+15550102222", "+15550109999", "pizza"),
            mms(
                1,
                1_700_000_060_000,
                "+15550102222~+15550100100~+15550109999",
                "+15550100100",
                "yes",
            ),
        ),
    )
    conv = read_conversation(path, "sms-xml", ImportOptions(tz="UTC", me="Sam"))
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("+15550102222", "plans?"),
        ("Sam", "pizza"),
        ("+15550100100", "yes"),
    ]
    assert conv.skipped == []


def test_messages_that_never_reached_anyone_are_skipped_with_reasons(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        backup(
            sms("+15550100100", 1_700_000_000_000, 1, "real"),
            sms("+15550100100", 1_700_000_001_000, 4, "outbox"),
            sms("+15550100100", 1_700_000_002_000, 6, "queued"),
            sms("+15550100100", 1_700_000_003_000, 9, "odd"),
            sms("+15550100100", 1_700_000_004_000, 1, ""),
            '  <mms date="1700000005000" msg_box="1" address="+15550100100" m_type="130" '
            'contact_name="Alex Rivera"><parts /><addrs /></mms>\n',
        ),
    )
    conv = read_conversation(path, "sms-xml", UTC_OPTS)
    assert [m.text for m in conv.messages] == ["real"]
    assert [(s.line, s.reason) for s in conv.skipped] == [
        (6, "still in the outbox when the backup was made"),
        (7, "queued, not yet sent when the backup was made"),
        (8, "unknown message box/type 9"),
        (9, "empty message"),
        (10, "MMS that was never downloaded"),
    ]


def test_tapback_texts_only_fold_onto_a_quoted_message(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        backup(
            sms(
                "+15550100100",
                1_700_000_000_000,
                2,
                "This is a long message about the weekend plans and what we should do",
            ),
            sms(
                "+15550100100",
                1_700_000_010_000,
                1,
                "Emphasized “This is a long message about the weekend…”",
            ),
            sms("+15550100100", 1_700_000_020_000, 1, "Liked “something never said”"),
            sms(
                "+15550100100", 1_700_000_030_000, 2, "Reacted 🔥 to “Liked “something never said””"
            ),
        ),
    )
    conv = read_conversation(path, "sms-xml", ImportOptions(tz="UTC", me="Sam"))
    assert [(m.sender, m.text, m.reactions) for m in conv.messages] == [
        (
            "Sam",
            "This is a long message about the weekend plans and what we should do",
            (Reaction("Alex Rivera", "‼️"),),
        ),
        ("Alex Rivera", "Liked “something never said”", (Reaction("Sam", "🔥"),)),
    ]


# --------------------------------------------------------------------------------------------
# Character references: UTF-16 surrogate pairs are decoded, not rejected
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        (b"&#55357;&#56838;", b"&#128518;"),
        (b"a&#xD83D;&#xDE06;b", b"a&#128518;b"),
        (b"&#55357;", b"&#65533;"),
        (b"&#56838;x", b"&#65533;x"),
        (b"&#55357; &#56838;", b"&#65533; &#65533;"),
        (b"&#55357;&#55357;&#56838;", b"&#65533;&#128518;"),
        (b"&#1;&#8;&#65535;", b"&#65533;&#65533;&#65533;"),
        (b"&#10;&#233;&#x1F600;&amp;&#9;", b"&#10;&#233;&#x1F600;&amp;&#9;"),
        (b"no references", b"no references"),
    ],
)
def test_fix_char_refs(raw: bytes, fixed: bytes) -> None:
    assert fix_char_refs(raw) == fixed


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    path = write(tmp_path, backup(sms("+15550100100", 1_700_000_000_000, 1, "a&#55357;b&#56838;")))
    assert read_conversation(path, "sms-xml", UTC_OPTS).messages[0].text == "a\ufffdb\ufffd"


def test_small_chunks_never_split_a_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read_conversation(BACKUP, "sms-xml", UTC_OPTS)
    for size in (1, 7, 64, 333):
        monkeypatch.setattr(sms_xml, "CHUNK_BYTES", size)
        assert read_conversation(BACKUP, "sms-xml", UTC_OPTS).messages == whole.messages


# --------------------------------------------------------------------------------------------
# Hostile, wrong and broken input: one clear ExportError naming the file and line
# --------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
    '<smses count="1"><sms address="1" date="1" type="1" body="&lol3;" /></smses>\n'
)


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (BILLION_LAUGHS, "DOCTYPE declaration is refused", 2),
        ('<?xml version="1.0"?>\n<calls count="0"></calls>\n', "call-log backup", 2),
        ("<html><body>hi</body></html>", "root element <html>", 1),
        ("[3/2/24, 8:14:05 AM] Alex: Morning!\n", "not SMS Backup & Restore XML", 1),
        ('{"messages": []}', "not SMS Backup & Restore XML", 1),
        ("   \n\n", "file is empty", None),
        (b"\x00\x01\x02binary\xff" * 30, "not SMS Backup & Restore XML", 1),
        (backup(), "the backup holds no messages", None),
    ],
)
def test_refused_input(
    tmp_path: Path, content: str | bytes, message: str, line: int | None
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ExportError) as err:
        read_conversation(path, "sms-xml")
    assert message in err.value.reason
    assert err.value.line == line
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


@pytest.mark.parametrize("fraction", [0.1, 0.35, 0.5, 0.8, 0.97])
def test_truncated_backup(tmp_path: Path, fraction: float) -> None:
    data = BACKUP.read_bytes()
    path = write(tmp_path, data[: int(len(data) * fraction)])
    with pytest.raises(ExportError) as err:
        read_conversation(path, "sms-xml")
    assert "truncated" in err.value.reason or "no messages" in err.value.reason
    assert err.value.line is not None and err.value.line > 1


# --------------------------------------------------------------------------------------------
# Property test: generated backups read back exactly
# --------------------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["hey", "love", "ça", "café", "<3", "&", '"quoted"', "it's", "😆", "🌅", "❤️", "👩‍❤️‍👨", "ok"]
)
TEXT = st.lists(st.lists(WORDS, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=3).map(
    "\n".join
)


@dataclass
class Gen:
    sent: bool
    text: str
    mms: bool
    files: list[str]
    gap: int


GEN = st.builds(
    Gen,
    sent=st.booleans(),
    text=st.one_of(TEXT, st.just("")),
    mms=st.booleans(),
    files=st.lists(
        st.sampled_from(["IMG_1.jpg", "clip.mp4", "Voice 1.amr"]), max_size=2, unique=True
    ),
    gap=st.integers(0, 10_000_000),
).map(lambda g: g if g.mms else Gen(g.sent, g.text, False, [], g.gap))
GEN = GEN.filter(lambda g: bool(g.text or g.files))


def escape(text: str) -> str:
    """As SMS Backup & Restore writes attribute text: XML escapes, UTF-16 halves as references."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "&<>\"'":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}[ch])
        elif ch == "\n":
            out.append("&#10;")
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"&#{0xD800 + (code >> 10)};&#{0xDC00 + (code & 0x3FF)};")
        else:
            out.append(ch)
    return "".join(out)


def render(gens: list[Gen], start_ms: int) -> str:
    records = []
    ms = start_ms
    for g in gens:
        ms += g.gap * 1000
        if not g.mms:
            records.append(sms("+15550100100", ms, 2 if g.sent else 1, escape(g.text)))
            continue
        parts = ['      <part seq="-1" ct="application/smil" name="null" cl="smil.xml" text="x" />']
        for f in g.files:
            ct = {"jpg": "image/jpeg", "mp4": "video/mp4", "amr": "audio/amr"}[f.rsplit(".")[-1]]
            parts.append(
                f'      <part seq="0" ct="{ct}" name="{f}" cl="{f}" text="null" data="AAAA" />'
            )
        if g.text:
            parts.append(
                f'      <part seq="0" ct="text/plain" name="null" chset="106" cl="text_0.txt" '
                f'text="{escape(g.text)}" />'
            )
        sender = "insert-address-token" if g.sent else "+15550100100"
        records.append(
            f'  <mms date="{ms}" msg_box="{2 if g.sent else 1}" address="+15550100100" '
            f'm_type="{128 if g.sent else 132}" contact_name="Alex Rivera" readable_date="x">\n'
            "    <parts>\n" + "\n".join(parts) + "\n    </parts>\n    <addrs>\n"
            f'      <addr address="{sender}" type="137" charset="106" />\n'
            "    </addrs>\n  </mms>\n"
        )
    return backup(*records)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gens=st.lists(GEN, min_size=1, max_size=12))
def test_round_trip(gens: list[Gen]) -> None:
    start_ms = 1_600_000_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), render(gens, start_ms))
        conv = read_conversation(path, "sms-xml", ImportOptions(tz="UTC", me="Sam"))
    want = []
    when = datetime.fromtimestamp(start_ms / 1000, UTC)
    for g in gens:
        when += timedelta(seconds=g.gap)
        want.append((when, "Sam" if g.sent else "Alex Rivera", g.text, tuple(g.files)))
    assert [(m.timestamp, m.sender, m.text, m.attachments) for m in conv.messages] == want
    assert all(m.reactions == () for m in conv.messages)
    assert conv.skipped == []


# --------------------------------------------------------------------------------------------
# Through the real command line
# --------------------------------------------------------------------------------------------


def test_cli_imports_backup() -> None:
    result = run_attune("import", str(BACKUP), "--tz", "UTC")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0] == {
        "id": "m1",
        "timestamp": "2024-03-01T22:00:00+00:00",
        "sender": "Alex Rivera",
        "text": "Morning love 😆",
        "kind": "message",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
    }
    assert records[1]["sender"] == "Me"
    assert records[1]["reactions"] == [{"sender": "Alex Rivera", "emoji": "❤️"}]
    assert records[2]["attachments"] == ["PXL_20240301_170355.jpg"]
    assert len(records) == 5

    summary = run_attune("import", str(BACKUP), "--tz", "UTC", "--me", "Sam", "--summary")
    assert summary.returncode == 0, summary.stderr
    out = summary.stdout
    assert "(sms-xml)" in out and "Alex Rivera" in out and "Sam" in out
    assert "messages: 5" in out and "system messages: 0" in out
    assert "first: 2024-03-01T22:00:00+00:00" in out and "last: 2024-03-01T22:15:00+00:00" in out
    assert "skipped: 4" in out and "draft (never sent)" in out


def test_cli_refuses_doctype_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, BILLION_LAUGHS)
    result = run_attune("import", str(path), "--format", "sms-xml")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {path}:2: XML with a DOCTYPE declaration is refused (not a backup file)"
    )
