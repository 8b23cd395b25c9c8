"""Plain transcripts: speakers, continuation lines, times without dates, separators."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attune.conversation import Conversation
from attune.errors import ExportError
from attune.ingest import FORMATS, ImportOptions
from attune.ingest.source import Source
from tests.conftest import run_attune, shared_chat

SESSION = """\
Couples session 3 — notes

[21:14] Alex: I felt ignored tonight.
It really hurt.
[21:15] Sam: I'm sorry. [sighs]
Note: this is important
I was distracted by work.

--- Session 2 ---
Alex (9:14 PM): Thanks for listening.

   and for trying
21:20 Sam: Always.
Sam:
-----
"""


def write(tmp_path: Path, text: str, name: str = "session.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def parse(path: Path) -> Conversation:
    return FORMATS["transcript"].parse(Source(path), ImportOptions())


def test_turns_continuations_times_and_separators(tmp_path: Path) -> None:
    conversation = parse(write(tmp_path, SESSION))
    assert [m.to_dict() for m in conversation.messages] == [
        {
            "id": "m1",
            "timestamp": None,
            "sender": "Alex",
            "text": "I felt ignored tonight.\nIt really hurt.",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m2",
            "timestamp": None,
            "sender": "Sam",
            "text": "I'm sorry. [sighs]\nNote: this is important\nI was distracted by work.",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m3",
            "timestamp": None,
            "sender": None,
            "text": "Session 2",
            "kind": "system",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m4",
            "timestamp": None,
            "sender": "Alex",
            "text": "Thanks for listening.\n\nand for trying",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m5",
            "timestamp": None,
            "sender": "Sam",
            "text": "Always.",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
    ]
    assert [(s.line, s.reason, s.excerpt) for s in conversation.skipped] == [
        (1, "text before the first speaker", "Couples session 3 — notes"),
        (14, "empty message", "Sam:"),
        (15, "separator line", "-----"),
    ]
    assert conversation.format == "transcript"
    assert [(p.name, p.message_count) for p in conversation.participants] == [
        ("Alex", 2),
        ("Sam", 2),
    ]


def test_a_prefix_is_a_speaker_only_if_it_recurs_or_opens_the_file(tmp_path: Path) -> None:
    text = (
        "Alex: we should talk\n"
        "Sam: ok\n"
        "Alex: about the trip\n"
        "Dinner plans: Friday at 8\n"
        "Sam: sounds good\n"
        "Jordan Lee: hi both\n"
        "Jordan Lee: I'm the therapist\n"
        "PS: bring the notes\n"
        "PS: and the calendar\n"
    )
    got = [(m.sender, m.text) for m in parse(write(tmp_path, text)).messages]
    assert got == [
        ("Alex", "we should talk"),
        ("Sam", "ok"),
        ("Alex", "about the trip\nDinner plans: Friday at 8"),
        ("Sam", "sounds good"),
        ("Jordan Lee", "hi both"),
        ("Jordan Lee", "I'm the therapist\nPS: bring the notes\nPS: and the calendar"),
    ]


def test_names_are_short_and_without_sentence_punctuation(tmp_path: Path) -> None:
    text = (
        "Alex: first\n"
        "Sam: second\n"
        "This is a very long sentence that is not a name: really\n"
        "Why, though: no\n"
        "see https://example.com: a link\n"
        "Alex: third\n"
    )
    got = [(m.sender, m.text) for m in parse(write(tmp_path, text)).messages]
    assert got == [
        ("Alex", "first"),
        (
            "Sam",
            "second\nThis is a very long sentence that is not a name: really\nWhy, though: no\n"
            "see https://example.com: a link",
        ),
        ("Alex", "third"),
    ]


def test_invisible_marks_and_legacy_encodings(tmp_path: Path) -> None:
    text = "\u200eZoë\u200f: café “ok”\r\nSam: naïve\r\n"
    for encoding in ("utf-8-sig", "cp1252", "utf-16"):
        plain = text.replace("\u200e", "").replace("\u200f", "") if encoding == "cp1252" else text
        got = [
            (m.sender, m.text) for m in parse(write(tmp_path, plain, encoding=encoding)).messages
        ]
        assert got == [("Zoë", "café “ok”"), ("Sam", "naïve")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("05/10/2023, 21:14 - Alex: hi\n05/10/2023, 21:15 - Sam: hey\n", "dated chat export"),
        ("[2019-12-24, 12:23] Jane Doe: Hello John!\n", "dated chat export"),
        ('{"messages": [{"from": "Alex", "text": "hi"}]}\n', "no 'Name: text' lines"),
        ("just some prose\nwith no speakers at all\n", "no 'Name: text' lines"),
    ],
)
def test_other_formats_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ExportError, match=message) as info:
        parse(path)
    assert str(info.value).startswith(str(path))


def test_sniff_is_modest_and_leaves_dated_exports_alone(tmp_path: Path) -> None:
    sniff = FORMATS["transcript"].sniff
    score = sniff(Source(write(tmp_path, SESSION)))
    assert 0.2 <= score <= 0.4
    assert sniff(Source(write(tmp_path, "Alex: hi\nSam: hey\n", "a.txt"))) > 0
    for text in (
        "05/10/2023, 21:14 - Alex: hi\nSam: hey\nAlex: ok\n",
        "[05/10/2023, 21:14:00] Alex: hi\n[05/10/2023, 21:15:00] Sam: hey\n",
        "[2019-12-24, 12:23] Jane Doe: Hello John!\n[2020-01-17, 21:49] John Doe: Hello\n",
        "timestamp,sender,text\n2023-10-05,Alex,hi\n",
        '{"id": "m1", "text": "Alex: hi"}\n',
        "Dear Sam,\nI wrote this letter because: reasons.\nLove, Alex\n",
    ):
        assert sniff(Source(write(tmp_path, text, "b.txt"))) == 0, text
    assert sniff(Source(tmp_path)) == 0
    assert sniff(Source(tmp_path / "missing.txt")) == 0


@pytest.mark.parametrize(
    "relative",
    [
        "signal/chatminer_signal_test_export.txt",
        "whatsapp/chatminer_test_ddmmyy_24hrs.txt",
        "whatsapp/chatminer_test_[mmddyy]_24hrs.txt",
        "whatsapp/chatminer_test_mmddyyyy_12hrs.txt",
        "whatsapp/chatminer_old_mixed_testlog.txt",
    ],
)
def test_shared_dated_exports_are_not_transcripts(relative: str) -> None:
    assert FORMATS["transcript"].sniff(Source(shared_chat(relative))) == 0


NAMES = ["Alex", "Sam", "Jo Lee", "María José", "Dr. Kim"]
WORDS = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp", "Zs"),
        exclude_characters=":-=*_~—\x85",
    ),
    min_size=1,
    max_size=8,
)
LINE = st.lists(WORDS, min_size=1, max_size=6).map(" ".join) | st.sampled_from(
    ["[laughs]", "(pause)", "ok.", "Really? Yes!", "a, b; c"]
)
TIMES = ["", "[21:14] ", "21:14 ", "(9:05 PM) ", "[09:05:33] "]


@st.composite
def transcripts(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    """A transcript in one of the supported shapes, and the (speaker, text) turns it holds."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    turns: list[tuple[str, str]] = []
    lines: list[str] = []
    time_style = draw(st.sampled_from(TIMES))
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(names))
        body = draw(st.lists(LINE | st.just(""), min_size=1, max_size=4))
        body[0] = body[0] or "hi"
        while not body[-1]:
            body.pop()
        text = "\n".join(body)
        turns.append((name, text))
        stamp = draw(st.sampled_from([time_style, ""]))
        lines.append(f"{stamp}{name}: {body[0]}")
        lines.extend(draw(st.sampled_from(["", "  "])) + line for line in body[1:])
        if draw(st.booleans()):
            lines.append("")
    firsts = list(dict.fromkeys(name for name, _ in turns))[:2]
    counts = {name: sum(1 for n, _ in turns if n == name) for name in names}
    assume(all(counts[n] >= 2 or n in firsts for n, _ in turns))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"])), turns


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(export=transcripts())
def test_transcript_round_trip(export: tuple[str, list[tuple[str, str]]]) -> None:
    text, turns = export
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.txt"
        path.write_text(text, encoding="utf-8")
        conversation = parse(path)
    assert [(m.sender, m.text) for m in conversation.messages] == turns
    assert all(m.timestamp is None and m.kind == "message" for m in conversation.messages)
    assert [m.id for m in conversation.messages] == [f"m{i}" for i in range(1, len(turns) + 1)]


def test_cli_import_and_summary(tmp_path: Path) -> None:
    path = write(tmp_path, SESSION)
    result = run_attune("import", str(path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["sender"], r["kind"], r["timestamp"]) for r in lines] == [
        ("m1", "Alex", "message", None),
        ("m2", "Sam", "message", None),
        ("m3", None, "system", None),
        ("m4", "Alex", "message", None),
        ("m5", "Sam", "message", None),
    ]
    assert lines[0]["text"] == "I felt ignored tonight.\nIt really hurt."
    summary = run_attune("import", str(path), "--summary")
    assert summary.returncode == 0, summary.stderr
    for expected in (
        "(transcript)",
        path.name,
        "messages: 4",
        "system messages: 1",
        "first: —",
        "skipped: 3",
        "line 1: text before the first speaker",
    ):
        assert expected in summary.stdout
    refused = run_attune(
        "import",
        str(write(tmp_path, "01/02/2023, 10:00 - A: b\n", "w.txt")),
        "--format",
        "transcript",
    )
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0
    assert "dated chat export" in refused.stderr
