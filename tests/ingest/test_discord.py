"""Discord importer: DiscordChatExporter's JSON and CSV exports."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.errors import ExportError
from attune.ingest import read_conversation
from attune.ingest.discord import parse_date, sniff
from attune.ingest.registry import ImportOptions
from attune.ingest.source import Source
from tests.conftest import record as _msg
from tests.conftest import run_attune

FIXTURE = HealthCheck.function_scoped_fixture
CDN = "https://cdn.discordapp.com/attachments/1"


def _user(ident: str, name: str, nickname: str | None = None) -> dict[str, Any]:
    """A user object as JsonMessageWriter.WriteUserAsync writes it."""
    user: dict[str, Any] = {"id": ident, "name": name, "discriminator": "0000"}
    if nickname is not None:
        user["nickname"] = nickname
    user.update({"color": None, "isBot": False, "roles": [], "avatarUrl": "https://cdn/x.png"})
    return user


ALEX = _user("111", "alex_92", "Alex")
SAM = _user("222", "sam.k", "Sam")


def _message(ident: str, kind: str, ts: str, content: str, author: dict[str, Any], **extra: Any):  # type: ignore[no-untyped-def]
    """A message object as JsonMessageWriter.WriteMessageAsync writes it."""
    message: dict[str, Any] = {
        "id": ident,
        "type": kind,
        "timestamp": ts,
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        "inlineEmojis": [],
    }
    message.update(extra)
    return message


def _export(messages: list[dict[str, Any]], guild: str = "Direct Messages") -> dict[str, Any]:
    return {
        "guild": {"id": "0", "name": guild, "iconUrl": "https://cdn/icon.png"},
        "channel": {
            "id": "999",
            "type": "DirectTextChat",
            "categoryId": "0",
            "category": "Private",
            "name": "Sam",
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-01-02T10:00:00.0000000+01:00",
        "messages": messages,
        "messageCount": len(messages),
    }


HEART = {"id": "", "name": "❤️", "code": "heart", "isAnimated": False, "imageUrl": "x.svg"}
PEPE = {"id": "8812", "name": "pepe_love", "code": "pepe_love", "isAnimated": False}

EXPORT = _export(
    [
        _message(
            "1001",
            "Default",
            "2023-10-05T21:14:07.123+02:00",
            "Are you home yet?",
            ALEX,
            reactions=[
                {"emoji": HEART, "count": 1, "users": [SAM]},
                {"emoji": PEPE, "count": 2, "users": [SAM, ALEX]},
            ],
        ),
        _message(
            "1002",
            "Reply",
            "2023-10-05T21:15:30+02:00",
            "Almost\nhome",
            SAM,
            timestampEdited="2023-10-05T21:16:00+02:00",
            reference={"messageId": "1001", "channelId": "999", "guildId": None},
        ),
        _message(
            "1003",
            "Default",
            "2023-10-05T21:16:00+02:00",
            "",
            SAM,
            attachments=[
                {
                    "id": "5",
                    "url": "https://cdn.discordapp.com/attachments/999/5/IMG_0042.jpg?ex=65&is=66",
                    "fileName": "IMG_0042.jpg",
                    "fileSizeBytes": 1024,
                },
                {"id": "6", "url": "Sam.json_Files/menu%20(1)-6A1F.pdf", "fileSizeBytes": 9},
            ],
        ),
        _message(
            "1004",
            "Default",
            "2023-10-05T21:17:00+02:00",
            "",
            ALEX,
            stickers=[{"id": "7", "name": "Wave", "format": "Png", "sourceUrl": "https://x/7.png"}],
        ),
        _message("1005", "Call", "2023-10-05T21:18:00+02:00", "Started a call…", ALEX),
        _message(
            "1006",
            "ChannelPinnedMessage",
            "2023-10-05T21:19:00+02:00",
            "Pinned a message.",
            SAM,
            reference={"messageId": "1001"},
        ),
        _message(
            "1007", "RecipientAdd", "2023-10-05T21:20:00+02:00", "Added Kim to the group.", SAM
        ),
        _message("1008", "Default", "2023-10-05T21:21:00+02:00", "", ALEX),
        _message(
            "1009",
            "Default",
            "2023-10-05T21:22:00+02:00",
            "",
            ALEX,
            embeds=[{"title": "Dinner spot", "url": "https://x", "description": "Best tacos"}],
        ),
        _message(
            "1010",
            "Default",
            "2023-10-05T21:23:00+02:00",
            "",
            SAM,
            reference={"type": "Forward", "messageId": "77"},
            forwardedMessage={"timestamp": "2023-10-04T08:00:00+02:00", "content": "fwd text"},
        ),
        _message("1011", "20", "2023-10-05T21:24:00+02:00", "rolled a 6", ALEX),
        _message(
            "1012", "ThreadCreated", "2023-10-05T21:25:00.1234567+02:00", "Started a thread.", SAM
        ),
        _message(
            "1013",
            "Reply",
            "2023-10-05T21:26:00+02:00",
            "late reply",
            SAM,
            reference={"messageId": "404"},  # not in this export
        ),
        "junk",
        _message("1014", "Default", "not a date", "lost", SAM),
    ]
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_json_every_variant(tmp_path: Path) -> None:
    path = _write(tmp_path / "Direct Messages - Sam [999].json", json.dumps(EXPORT, indent=2))
    conversation = read_conversation(path)
    assert conversation.format == "discord"
    assert conversation.title == "Sam"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg(
            "m1",
            "2023-10-05T21:14:07.123000+02:00",
            "Alex",
            "Are you home yet?",
            reactions=[
                {"sender": "Sam", "emoji": "❤️"},
                {"sender": "Sam", "emoji": ":pepe_love:"},
                {"sender": "Alex", "emoji": ":pepe_love:"},
            ],
        ),
        _msg("m2", "2023-10-05T21:15:30+02:00", "Sam", "Almost\nhome", reply_to="m1", edited=True),
        _msg(
            "m3",
            "2023-10-05T21:16:00+02:00",
            "Sam",
            "",
            attachments=["IMG_0042.jpg", "menu (1)-6A1F.pdf"],
        ),
        _msg("m4", "2023-10-05T21:17:00+02:00", "Alex", "", attachments=["7.png"]),
        _msg("m5", "2023-10-05T21:18:00+02:00", None, "Alex: Started a call…", kind="system"),
        _msg("m6", "2023-10-05T21:19:00+02:00", None, "Sam: Pinned a message.", kind="system"),
        _msg(
            "m7", "2023-10-05T21:20:00+02:00", None, "Sam: Added Kim to the group.", kind="system"
        ),
        _msg("m8", "2023-10-05T21:22:00+02:00", "Alex", "Dinner spot\nBest tacos"),
        _msg("m9", "2023-10-05T21:23:00+02:00", "Sam", "fwd text"),
        _msg("m10", "2023-10-05T21:24:00+02:00", "Alex", "rolled a 6"),
        _msg(
            "m11", "2023-10-05T21:25:00.123456+02:00", None, "Sam: Started a thread.", kind="system"
        ),
        _msg("m12", "2023-10-05T21:26:00+02:00", "Sam", "late reply"),
    ]
    assert [s.reason for s in conversation.skipped] == [
        "empty message",
        "not a message object",
        "message without a readable timestamp",
    ]
    assert conversation.skipped[0].excerpt.startswith("message #8: ")


def test_old_json_without_nicknames_or_reaction_users(tmp_path: Path) -> None:
    """Exports before 2.27 had no ``nickname`` and no reaction ``users``; names kept a #tag."""
    old = {
        "guild": {"id": "1", "name": "Our Server"},
        "channel": {"id": "2", "type": "GuildTextChat", "category": "Text", "name": "general"},
        "messages": [
            {
                "id": "1",
                "type": "Default",
                "timestamp": "2020-08-23T21:12:08.447+00:00",
                "timestampEdited": None,
                "isPinned": False,
                "content": "hello",
                "author": {"id": "5", "name": "Alex", "discriminator": "1234", "isBot": False},
                "attachments": [],
                "embeds": [],
                "reactions": [{"emoji": {"id": None, "name": "👍"}, "count": 2}],
            }
        ],
    }
    path = _write(tmp_path / "old.json", json.dumps(old))
    conversation = read_conversation(path, "discord")
    assert conversation.title == "Our Server / general"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg(
            "m1",
            "2020-08-23T21:12:08.447000+00:00",
            "Alex",
            "hello",
            reactions=[{"sender": None, "emoji": "👍"}, {"sender": None, "emoji": "👍"}],
        )
    ]


CSV_FIXTURE = Path(__file__).parents[1] / "fixtures" / "discord" / "Direct Messages - Sam [999].csv"
"""A DiscordChatExporter CSV (default date format): reactions, a quoted multi-line message,
attachment URLs (one downloaded), two notices, an empty message and an unreadable date."""


def test_csv_every_variant(tmp_path: Path) -> None:
    conversation = read_conversation(CSV_FIXTURE)
    assert conversation.format == "discord"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg(
            "m1",
            "2023-10-05T21:14:00",
            "alex_92",
            "Are you home yet?",
            reactions=[{"sender": None, "emoji": e} for e in ("❤️", "pepe_love", "pepe_love")],
        ),
        _msg("m2", "2023-10-05T21:15:00", "sam.k", 'Almost\nhome, "really"'),
        _msg(
            "m3", "2023-10-05T21:16:00", "sam.k", "", attachments=["IMG_0042.jpg", "menu (1).pdf"]
        ),
        _msg("m4", "2023-10-05T21:19:00", None, "sam.k: Pinned a message.", kind="system"),
        _msg(
            "m5",
            "2023-10-05T21:20:00",
            None,
            "alex_92: Started a call that lasted 12 minutes.",
            kind="system",
        ),
    ]
    assert [(s.line, s.reason) for s in conversation.skipped] == [
        (8, "empty message"),
        (9, "unrecognised date"),
    ]


UTC_MINUS_5 = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("17-Sep-19 11:34 PM", "dmy", datetime(2019, 9, 17, 23, 34)),  # the old default
        ("17-Sep-19 12:05 AM", "dmy", datetime(2019, 9, 17, 0, 5)),
        ("09-17-19 11:34 PM", "mdy", datetime(2019, 9, 17, 23, 34)),
        ("17/09/2019 23:34", "dmy", datetime(2019, 9, 17, 23, 34)),
        ("9/17/2019 11:34 PM", "mdy", datetime(2019, 9, 17, 23, 34)),  # en-US "g"
        ("17.09.2019 23:34", "dmy", datetime(2019, 9, 17, 23, 34)),  # de-DE "g"
        ("17-9-2019 23:34", "dmy", datetime(2019, 9, 17, 23, 34)),  # nl-NL "g"
        ("2019/09/17 23:34", "dmy", datetime(2019, 9, 17, 23, 34)),  # ja-JP "g"
        ("2019. 9. 17. 오후 11:34", "dmy", datetime(2019, 9, 17, 23, 34)),  # ko-KR "g"
        ("2019-09-17 23:34:05.6534", "dmy", datetime(2019, 9, 17, 23, 34, 5, 653400)),
        ("2019-09-18 04:34:05Z", "dmy", datetime(2019, 9, 18, 4, 34, 5, tzinfo=UTC)),
        (
            "17-Sep-19 11:34 PM (UTC-05:00)",
            "dmy",
            datetime(2019, 9, 17, 23, 34, tzinfo=UTC_MINUS_5),
        ),
        ("Tuesday, September 17, 2019 11:34:05 PM", "dmy", datetime(2019, 9, 17, 23, 34, 5)),
        ("1568694845", "dmy", datetime(2019, 9, 17, 4, 34, 5, tzinfo=UTC)),
        ("1568694845653", "dmy", datetime(2019, 9, 17, 4, 34, 5, 653000, tzinfo=UTC)),
        ("17-Sep-19 13:34 PM", "dmy", None),
        ("31/02/2019 10:00", "dmy", None),
        ("soon", "dmy", None),
        ("2023-10-0599999999999999999999T21:14:00.000+02:00", "dmy", None),  # found by fuzzing
        ("17/09/99999999999999999999 10:00", "dmy", None),
    ],
)
def test_csv_date_formats(text: str, order: str, expected: datetime | None) -> None:
    assert parse_date(text, order, UTC) == expected


def test_csv_date_order_is_read_from_the_whole_file(tmp_path: Path) -> None:
    header = "AuthorID,Author,Date,Content,Attachments,Reactions\n"
    rows = ['"1","A","03/04/2021 10:00","one","",""\n', '"1","A","03/25/2021 10:00","two","",""\n']
    path = _write(tmp_path / "us.csv", header + "".join(rows))
    assert [m.timestamp for m in read_conversation(path).messages] == [
        datetime(2021, 3, 4, 10, 0),
        datetime(2021, 3, 25, 10, 0),
    ]
    forced = read_conversation(path, "discord", ImportOptions(date_order="dmy"))
    assert forced.messages[0].timestamp == datetime(2021, 4, 3, 10, 0)
    assert [s.reason for s in forced.skipped] == ["unrecognised date"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("12/24/19, 11:23 - John Doe: Lorem ipsum\n", "not a DiscordChatExporter export"),
        (
            '{"name": "Sam", "type": "personal_chat", "messages": [{"id": 1, "from": "S"}]}',
            "messages have no author",
        ),
        ('{"guild": {"id": "0"}, "channel": {"id": "1"}, "messages": [', "invalid JSON"),
        ('{"messages": {"a": 1}}', "no messages list"),
        (
            'AuthorID,Author,Date,Content,Attachments,Reactions\n"1","A","05-Oct-23 09:14 PM","hi',
            "truncated",
        ),
        (
            'AuthorID,Author,Date,Content,Attachments,Reactions\n"1","A","05-Oct-23 09:14 PM"\n',
            "truncated",
        ),
    ],
)
def test_wrong_or_truncated_input_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = _write(tmp_path / "export.json", content)
    with pytest.raises(ExportError, match=message) as info:
        read_conversation(path, "discord")
    assert str(path) in str(info.value)


def test_sniff_is_specific(tmp_path: Path) -> None:
    dce_json = _write(tmp_path / "a.json", json.dumps(EXPORT, indent=2))
    dce_csv = CSV_FIXTURE
    telegram = _write(
        tmp_path / "result.json",
        json.dumps({"name": "Sam", "type": "personal_chat", "messages": [{"id": 1}]}),
    )
    google = _write(
        tmp_path / "messages.json",
        json.dumps({"messages": [{"creator": {"name": "A"}, "created_date": "x", "text": "t"}]}),
    )
    generic_csv = _write(tmp_path / "b.csv", "timestamp,sender,text\n2021-01-01,A,hi\n")
    assert sniff(Source(dce_json)) >= 0.9
    assert sniff(Source(dce_csv)) >= 0.9
    for other in (telegram, google, generic_csv, tmp_path):
        assert sniff(Source(other)) == 0.0
    assert read_conversation(dce_json).format == "discord"


def test_cli_jsonl_and_summary(tmp_path: Path) -> None:
    path = _write(tmp_path / "dm.json", json.dumps(EXPORT, indent=2))
    result = run_attune("import", str(path), "--format", "discord")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 12
    assert records[1] == _msg(
        "m2", "2023-10-05T21:15:30+02:00", "Sam", "Almost\nhome", reply_to="m1", edited=True
    )
    summary = run_attune("import", str(path), "--summary")
    assert summary.returncode == 0, summary.stderr
    assert "(discord)" in summary.stdout
    assert "messages: 8" in summary.stdout
    assert "system messages: 4" in summary.stdout
    assert "first: 2023-10-05T21:14:07.123000+02:00" in summary.stdout
    assert "skipped: 3" in summary.stdout
    assert "empty message" in summary.stdout
    bad = run_attune("import", str(_write(tmp_path / "x.txt", "hello\n")), "--format", "discord")
    assert bad.returncode == 1
    assert "x.txt:1: not a DiscordChatExporter export" in bad.stderr


# --- Round trips ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    author: int
    text: str
    files: tuple[str, ...]
    reactions: tuple[tuple[int, str], ...]
    edited: bool
    replies_to: int | None
    notice: bool
    gap: int


PEOPLE = [("111", "alex_92", "Alex"), ("222", "sam.k", "Sam Kim"), ("333", "jo", "Jo ❤")]
_TEXT = st.text(
    alphabet=st.sampled_from("abcdefgh XYZ éü0189.,!?'\"-❤😀\n"), min_size=0, max_size=30
).map(str.strip)
_FILE = st.from_regex(r"[A-Za-z0-9_\-][A-Za-z0-9_ \-]{0,9}\.(png|mp4|pdf)", fullmatch=True)
_EMOJI = st.sampled_from(["❤️", "👍", "😂"])
_POST = st.builds(
    Post,
    author=st.integers(0, 2),
    text=_TEXT,
    files=st.lists(_FILE, max_size=2).map(tuple),
    reactions=st.lists(st.tuples(st.integers(0, 2), _EMOJI), max_size=3).map(tuple),
    edited=st.booleans(),
    replies_to=st.none() | st.integers(0, 20),
    notice=st.booleans(),
    gap=st.integers(1, 100_000),
).filter(lambda p: p.notice or p.text or p.files)


def _expected_times(posts: list[Post], tz: timezone) -> list[datetime]:
    times, ts = [], datetime(2023, 1, 1, 8, 0, tzinfo=tz)
    for post in posts:
        ts += timedelta(seconds=post.gap)
        times.append(ts)
    return times


@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE])
@given(
    posts=st.lists(_POST, min_size=1, max_size=8),
    offset=st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
def test_json_round_trip(tmp_path: Path, posts: list[Post], offset: timezone) -> None:
    times = _expected_times(posts, offset)
    entries, expected = [], []
    for i, (post, ts) in enumerate(zip(posts, times, strict=True)):
        ident, name, nick = PEOPLE[post.author]
        author = _user(ident, name, nick)
        reply = post.replies_to if post.replies_to is not None and post.replies_to < i else None
        extra: dict[str, Any] = {
            "attachments": [
                {"id": str(n), "url": f"https://cdn/a/{n}/x", "fileName": f, "fileSizeBytes": 1}
                for n, f in enumerate(post.files)
            ],
            "reactions": [
                {"emoji": {"id": "", "name": e}, "count": 1, "users": [_user(*PEOPLE[who])]}
                for who, e in post.reactions
            ],
        }
        if post.edited:
            extra["timestampEdited"] = (ts + timedelta(minutes=1)).isoformat()
        if reply is not None:
            extra["reference"] = {"messageId": str(500 + reply), "channelId": "9", "guildId": None}
        kind = "Call" if post.notice else "Reply" if reply is not None else "Default"
        entries.append(_message(str(500 + i), kind, ts.isoformat(), post.text, author, **extra))
        if post.notice:
            notice = f"{nick}: {post.text}"
            expected.append(_msg(f"m{i + 1}", ts.isoformat(), None, notice, kind="system"))
            continue
        expected.append(
            _msg(
                f"m{i + 1}",
                ts.isoformat(),
                nick,
                post.text,
                attachments=list(post.files),
                reply_to=f"m{reply + 1}" if reply is not None else None,
                edited=post.edited,
                reactions=[{"sender": PEOPLE[who][2], "emoji": e} for who, e in post.reactions],
            )
        )
    path = _write(tmp_path / "rt.json", json.dumps(_export(entries), indent=2, ensure_ascii=False))
    assert [m.to_dict() for m in read_conversation(path).messages] == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE])
@given(
    posts=st.lists(_POST, min_size=1, max_size=8),
    style=st.sampled_from(
        ["dd-MMM-yy hh:mm tt", "M/d/yyyy h:mm tt", "dd.MM.yyyy HH:mm", "yyyy-MM-dd HH:mm:ss"]
    ),
)
def test_csv_round_trip(tmp_path: Path, posts: list[Post], style: str) -> None:
    """The CSV writer quotes every field; dates are written in one of the exporter's styles."""
    times = [t.replace(tzinfo=None) for t in _expected_times(posts, UTC)]
    if style != "yyyy-MM-dd HH:mm:ss":
        times = [t.replace(second=0) for t in times]
    out = io.StringIO()
    out.write("AuthorID,Author,Date,Content,Attachments,Reactions\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    expected = []
    for i, (post, ts) in enumerate(zip(posts, times, strict=True)):
        ident, name, _nick = PEOPLE[post.author]
        content = "Pinned a message." if post.notice else post.text
        counts: dict[str, int] = {}
        for _who, emoji in post.reactions:
            counts[emoji] = counts.get(emoji, 0) + 1
        files = () if post.notice else post.files
        writer.writerow(
            [
                ident,
                f"{name}#0000",
                _format(ts, style),
                content,
                ",".join(f"{CDN}/{n}/{quote(f)}" for n, f in enumerate(files)),
                ",".join(f"{e} ({c})" for e, c in counts.items()),
            ]
        )
        if post.notice:
            notice = f"{name}: {content}"
            expected.append(_msg(f"m{i + 1}", ts.isoformat(), None, notice, kind="system"))
        else:
            expected.append(
                _msg(
                    f"m{i + 1}",
                    ts.isoformat(),
                    name,
                    content,
                    attachments=list(files),
                    reactions=[
                        {"sender": None, "emoji": e} for e, c in counts.items() for _ in range(c)
                    ],
                )
            )
    path = _write(tmp_path / "rt.csv", out.getvalue())
    assert [m.to_dict() for m in read_conversation(path).messages] == expected


def _format(ts: datetime, style: str) -> str:
    """A .NET custom date format, for the few styles the round trip uses."""
    if style == "dd-MMM-yy hh:mm tt":
        return ts.strftime("%d-%b-%y %I:%M %p")
    if style == "M/d/yyyy h:mm tt":
        return f"{ts.month}/{ts.day}/{ts.year} {int(ts.strftime('%I'))}:{ts:%M %p}"
    if style == "dd.MM.yyyy HH:mm":
        return ts.strftime("%d.%m.%Y %H:%M")
    return ts.strftime("%Y-%m-%d %H:%M:%S")
