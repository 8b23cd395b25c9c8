"""Google Chat importer: Takeout's messages.json (and its folder tree), in many languages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.errors import ExportError
from attune.ingest import read_conversation
from attune.ingest.google_chat import parse_date, sniff
from attune.ingest.registry import ImportOptions
from attune.ingest.source import Source
from tests.conftest import record as _msg
from tests.conftest import run_attune

ALEX = {"name": "Alex Doe", "email": "alex@example.com", "user_type": "Human"}
SAM = {"name": "Sam Roe", "email": "Sam@Example.com", "user_type": "Human"}
GROUP_INFO = {
    "members": [
        {"name": "Alex Doe", "email": "alex@example.com", "user_type": "Human"},
        {"name": "Sam Roe", "email": "sam@example.com", "user_type": "Human"},
    ]
}

MESSAGES: dict[str, Any] = {
    "messages": [
        {
            "creator": ALEX,
            "created_date": "Tuesday, December 31, 2023 at 9:14:05\u202fPM UTC",
            "text": "Are you home yet?",
            "topic_id": "q1",
            "message_id": "kX/q1/q1",
            "reactions": [
                {"emoji": {"unicode": "❤️"}, "reactor_emails": ["sam@example.com"]},
                {"emoji": {"unicode": "👍"}, "reactor_emails": ["alex@example.com", "kim@x.org"]},
            ],
        },
        {
            "creator": SAM,
            "created_date": "Tuesday, December 31, 2023 at 9:15:30\u202fPM UTC",
            "text": "Almost\nhome",
            "quoted_message_metadata": {"creator": ALEX, "text": "Are you home yet?"},
            "updated_date": "Tuesday, December 31, 2023 at 9:16:00\u202fPM UTC",
            "previous_message_versions": [{"text": "Almost", "created_date": "x"}],
            "topic_id": "q2",
            "message_id": "kX/q2/q2",
        },
        {
            "creator": {"email": "sam@example.com"},
            "created_date": "Tuesday, December 31, 2023 at 9:16:10\u202fPM UTC",
            "attached_files": [
                {"original_name": "IMG_0042.jpg", "export_name": "File-IMG_0042.jpg"},
                {
                    "original_name": "4926?account_id=3.png",
                    "export_name": "File-4926?account_id=3.png",
                },
            ],
            "topic_id": "q3",
            "message_id": "kX/q3/q3",
        },
        {
            "creator": ALEX,
            "created_date": "Tuesday, December 31, 2023 at 9:17:00\u202fPM UTC",
            "message_state": "DELETED",
            "deleted_date": "Tuesday, December 31, 2023 at 9:18:00\u202fPM UTC",
            "deletion_metadata": {"deletion_type": "CREATOR"},
            "topic_id": "q4",
            "message_id": "kX/q4/q4",
        },
        {
            "creator": SAM,
            "created_date": "Tuesday, December 31, 2023 at 9:19:00\u202fPM UTC",
            "annotations": [
                {
                    "start_index": 0,
                    "length": 0,
                    "gsuite_integration_metadata": {"call_data": {"call_status": "CALL_MISSED"}},
                }
            ],
            "topic_id": "q5",
            "message_id": "kX/q5/q5",
        },
        {"creator": ALEX, "created_date": "Tuesday, December 31, 2023 at 9:20:00\u202fPM UTC"},
        {"creator": ALEX, "created_date": "Someday at teatime", "text": "lost"},
        "junk",
    ]
}


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _takeout(root: Path) -> Path:
    """A Takeout tree with a DM and a named Space."""
    chat = root / "Takeout" / "Google Chat"
    _write(chat / "Groups" / "DM kX" / "messages.json", MESSAGES)
    _write(chat / "Groups" / "DM kX" / "group_info.json", GROUP_INFO)
    space = {"name": "Book club", "members": GROUP_INFO["members"]}
    _write(chat / "Groups" / "Space AAA" / "group_info.json", space)
    _write(
        chat / "Groups" / "Space AAA" / "messages.json",
        {
            "messages": [
                {
                    "creator": SAM,
                    "created_date": "Monday, 1 January 2024 at 10:00:00 UTC",
                    "text": "Chapter 3?",
                }
            ]
        },
    )
    _write(chat / "Users" / "User 1" / "user_info.json", {"user": ALEX, "membership_info": []})
    return root


def test_messages_json_every_variant(tmp_path: Path) -> None:
    path = _takeout(tmp_path) / "Takeout" / "Google Chat" / "Groups" / "DM kX" / "messages.json"
    conversation = read_conversation(path)
    assert conversation.format == "google-chat"
    assert conversation.title == "Alex Doe & Sam Roe"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg(
            "m1",
            "2023-12-31T21:14:05+00:00",
            "Alex Doe",
            "Are you home yet?",
            reactions=[
                {"sender": "Sam Roe", "emoji": "❤️"},
                {"sender": "Alex Doe", "emoji": "👍"},
                {"sender": "kim@x.org", "emoji": "👍"},
            ],
        ),
        _msg(
            "m2", "2023-12-31T21:15:30+00:00", "Sam Roe", "Almost\nhome", reply_to="m1", edited=True
        ),
        _msg(
            "m3",
            "2023-12-31T21:16:10+00:00",
            "Sam Roe",
            "",
            attachments=["File-IMG_0042.jpg", "File-4926_account_id=3.png"],
        ),
        _msg("m4", "2023-12-31T21:17:00+00:00", "Alex Doe", "", deleted=True),
        _msg("m5", "2023-12-31T21:19:00+00:00", None, "Sam Roe: call (call missed)", kind="system"),
    ]
    assert [(s.reason, s.excerpt) for s in conversation.skipped] == [
        ("empty message", "message #6: "),
        ("unrecognised date 'Someday at teatime'", "message #7: lost"),
        ("not a message object", "message #8"),
    ]


def test_takeout_folders_and_chat_choice(tmp_path: Path) -> None:
    root = _takeout(tmp_path)
    with pytest.raises(ExportError, match=r"2 conversations here; pick one with --chat \(DM kX"):
        read_conversation(root, "google-chat")
    dm = read_conversation(root, "auto", ImportOptions(chat="dm kx"))
    assert dm.format == "google-chat"
    assert len(dm.messages) == 5
    space = read_conversation(root / "Takeout", "google-chat", ImportOptions(chat="Book club"))
    assert space.title == "Book club"
    assert [m.to_dict() for m in space.messages] == [
        _msg("m1", "2024-01-01T10:00:00+00:00", "Sam Roe", "Chapter 3?")
    ]
    folder = root / "Takeout" / "Google Chat" / "Groups" / "Space AAA"
    assert read_conversation(folder).title == "Book club"
    groups = read_conversation(folder.parent, "google-chat", ImportOptions(chat="Space AAA"))
    assert groups.title == "Book club"
    with pytest.raises(ExportError, match="no Google Chat conversation named 'Poker'"):
        read_conversation(root, "google-chat", ImportOptions(chat="Poker"))


UTC_PLUS_1 = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Tuesday, December 31, 2023 at 9:14:05\u202fPM UTC",
            datetime(2023, 12, 31, 21, 14, 5, tzinfo=UTC),
        ),
        (
            "Thursday, November 3, 2016 at 11:59:50 AM UTC",
            datetime(2016, 11, 3, 11, 59, 50, tzinfo=UTC),
        ),
        ("Monday, January 9, 2023 at 12:04:05 AM UTC", datetime(2023, 1, 9, 0, 4, 5, tzinfo=UTC)),
        (
            "Tuesday, 31 December 2023 at 21:14:05 UTC",
            datetime(2023, 12, 31, 21, 14, 5, tzinfo=UTC),
        ),
        ("Montag, 9. Januar 2023 um 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        (
            "Dienstag, 14. März 2023 um 08:00:00 UTC+1",
            datetime(2023, 3, 14, 8, 0, tzinfo=UTC_PLUS_1),
        ),
        ("lundi 9 janvier 2023 à 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        (
            "mardi 15 août 2023 à 07:30:00 UTC+01:00",
            datetime(2023, 8, 15, 7, 30, tzinfo=UTC_PLUS_1),
        ),
        ("lunes, 9 de enero de 2023, 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        (
            "lunes, 9 de enero de 2023, 3:04:05 p. m. UTC",
            datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC),
        ),
        (
            "segunda-feira, 9 de janeiro de 2023 às 15:04:05 GMT-03:00",
            datetime(2023, 1, 9, 15, 4, 5, tzinfo=timezone(timedelta(hours=-3))),
        ),
        ("lunedì 9 gennaio 2023 alle ore 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        ("maandag 9 januari 2023 om 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        ("måndag 9 januari 2023 kl. 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        ("poniedziałek, 9 stycznia 2023 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        ("2023年1月9日月曜日 15:04:05 UTC", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        (
            "Monday, January 9, 2023 at 3:04:05 PM Coordinated Universal Time",
            datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC),
        ),
        (
            "Monday, January 9, 2023 at 3:04:05 PM GMT+05:30",
            datetime(2023, 1, 9, 15, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("Monday, January 9, 2023 at 3:04:05 PM", datetime(2023, 1, 9, 15, 4, 5)),
        ("2023-01-09T15:04:05Z", datetime(2023, 1, 9, 15, 4, 5, tzinfo=UTC)),
        ("Monday, January 9, 2023 at 3:04:05 PM Mars Time", None),
        ("Monday, Smarch 9, 2023 at 3:04:05 PM UTC", None),
        ("Monday, February 30, 2023 at 3:04:05 PM UTC", None),
        ("Monday, January 9, 2023 at 13:04:05 PM UTC", None),
        ("yesterday", None),
        ("Monday, January 9, 99999999999999999999 at 3:04:05 PM UTC", None),  # too large a year
    ],
)
def test_localised_dates(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("12/24/19, 11:23 - John Doe: Lorem ipsum\n", "invalid JSON"),
        ({"name": "Sam", "messages": [{"id": 1, "from": "Sam", "text": "hi"}]}, "no creator"),
        ({"guild": {}, "messages": [{"author": {"name": "A"}, "timestamp": "x"}]}, "no creator"),
        ({"messages": {"a": 1}}, "no messages list"),
        ('{"messages": [{"creator": {"name": "A"}, "created_date": "Monday', "invalid JSON"),
    ],
)
def test_wrong_or_truncated_input_is_one_clear_error(
    tmp_path: Path, data: object, message: str
) -> None:
    path = tmp_path / "messages.json"
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        _write(path, data)
    with pytest.raises(ExportError, match=message) as info:
        read_conversation(path, "google-chat")
    assert str(path) in str(info.value)


def test_sniff_is_specific(tmp_path: Path) -> None:
    root = _takeout(tmp_path)
    messages = root / "Takeout" / "Google Chat" / "Groups" / "DM kX" / "messages.json"
    telegram = _write(tmp_path / "result.json", {"name": "S", "messages": [{"id": 1, "from": "S"}]})
    discord = _write(tmp_path / "d.json", {"guild": {"id": "0"}, "channel": {}, "messages": []})
    assert sniff(Source(messages)) >= 0.9
    assert sniff(Source(messages.parent)) >= 0.9
    assert sniff(Source(root)) >= 0.9
    for other in (telegram, discord, tmp_path / "Takeout" / "Google Chat" / "Users"):
        assert sniff(Source(other)) == 0.0


def test_cli_jsonl_and_summary(tmp_path: Path) -> None:
    path = _takeout(tmp_path) / "Takeout" / "Google Chat" / "Groups" / "DM kX"
    result = run_attune("import", str(path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["m1", "m2", "m3", "m4", "m5"]
    assert records[1] == _msg(
        "m2", "2023-12-31T21:15:30+00:00", "Sam Roe", "Almost\nhome", reply_to="m1", edited=True
    )
    summary = run_attune("import", str(path), "--format", "google-chat", "--summary")
    assert summary.returncode == 0, summary.stderr
    assert "(google-chat)" in summary.stdout
    assert "messages: 4" in summary.stdout
    assert "system messages: 1" in summary.stdout
    assert "last: 2023-12-31T21:19:00+00:00" in summary.stdout
    assert "skipped: 3" in summary.stdout
    assert "unrecognised date" in summary.stdout
    bad = run_attune("import", str(tmp_path / "Takeout"), "--format", "google-chat")
    assert bad.returncode == 1
    assert "pick one with --chat" in bad.stderr


# --- Round trip: messages written in any supported language come back exactly ---------------

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
}


def render_date(ts: datetime, style: str) -> str:
    """Takeout's date prose in one language/style, with the zone as Takeout names it."""
    offset = ts.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    zone = "UTC" if minutes == 0 else f"GMT{sign}{hh}" if mm == 0 else f"UTC{sign}{hh:02}:{mm:02}"
    clock = f"{ts:%H:%M:%S}"
    if style == "ja":
        return f"{ts.year}年{ts.month}月{ts.day}日 {clock} {zone}"
    month = _MONTHS[style[:2]].split()[ts.month - 1]
    day = _DAYS[style[:2]].split()[ts.weekday()]
    if style == "en-us":
        hour, half = (ts.hour + 11) % 12 + 1, "AM" if ts.hour < 12 else "PM"
        return f"{day}, {month} {ts.day}, {ts.year} at {hour}:{ts:%M:%S}\u202f{half} {zone}"
    formats = {
        "en-gb": f"{day}, {ts.day} {month} {ts.year} at {clock} {zone}",
        "de": f"{day}, {ts.day}. {month} {ts.year} um {clock} {zone}",
        "fr": f"{day} {ts.day} {month} {ts.year} à {clock} {zone}",
        "es": f"{day}, {ts.day} de {month} de {ts.year}, {clock} {zone}",
        "pt": f"{day}, {ts.day} de {month} de {ts.year} às {clock} {zone}",
        "it": f"{day} {ts.day} {month} {ts.year} alle ore {clock} {zone}",
        "nl": f"{day} {ts.day} {month} {ts.year} om {clock} {zone}",
    }
    return formats[style]


STYLES = ["en-us", "en-gb", "de", "fr", "es", "pt", "it", "nl", "ja"]


@dataclass(frozen=True)
class Post:
    creator: int
    text: str
    files: tuple[str, ...]
    reactions: tuple[tuple[int, str], ...]
    deleted: bool
    edited: bool
    quotes_previous: bool
    gap: int


PEOPLE = [("Alex Doe", "alex@example.com"), ("Sam Roe", "sam@example.com"), ("Zoë", "z@ex.org")]
_TEXT = st.text(alphabet=st.sampled_from("abcXYZ éü019.,!?'\"-❤😀\n"), max_size=30).map(str.strip)
_FILE = st.from_regex(
    r"File-[A-Za-z0-9_\-]{1,8}(\?account_id=[0-9])?\.(jpg|png|mov)", fullmatch=True
)
_POST = st.builds(
    Post,
    creator=st.integers(0, 2),
    text=_TEXT,
    files=st.lists(_FILE, max_size=2).map(tuple),
    reactions=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["❤️", "👍", "😂"])), max_size=3, unique=True
    ).map(tuple),
    deleted=st.booleans(),
    edited=st.booleans(),
    quotes_previous=st.booleans(),
    gap=st.integers(1, 3 * 86_400),
).filter(lambda p: p.deleted or p.text or p.files)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    posts=st.lists(_POST, min_size=1, max_size=8),
    style=st.sampled_from(STYLES),
    offset=st.sampled_from([0, 60, 120, -300, 330]).map(lambda m: timezone(timedelta(minutes=m))),
)
def test_round_trip(tmp_path: Path, posts: list[Post], style: str, offset: timezone) -> None:
    ts = datetime(2023, 1, 1, 0, 0, tzinfo=offset)
    entries: list[dict[str, Any]] = []
    expected: list[dict[str, object]] = []
    for i, post in enumerate(posts):
        ts += timedelta(seconds=post.gap)
        name, email = PEOPLE[post.creator]
        entry: dict[str, Any] = {
            "creator": {"name": name, "email": email, "user_type": "Human"},
            "created_date": render_date(ts, style),
            "topic_id": f"t{i}",
            "message_id": f"g/t{i}/t{i}",
        }
        previous = entries[-1] if entries else None
        quote = previous if post.quotes_previous and previous and previous.get("text") else None
        if post.deleted:
            entry.update(message_state="DELETED", deleted_date=render_date(ts, style))
        else:
            if post.text:
                entry["text"] = post.text
            if post.files:
                entry["attached_files"] = [
                    {"original_name": "x", "export_name": f} for f in post.files
                ]
            if quote is not None:
                entry["quoted_message_metadata"] = {
                    "creator": quote["creator"],
                    "text": quote["text"],
                }
            if post.edited:
                entry["updated_date"] = render_date(ts + timedelta(minutes=1), style)
        emojis = list(dict.fromkeys(e for _, e in post.reactions))
        if emojis:
            entry["reactions"] = [
                {
                    "emoji": {"unicode": e},
                    "reactor_emails": [PEOPLE[w][1] for w, x in post.reactions if x == e],
                }
                for e in emojis
            ]
        entries.append(entry)
        expected.append(
            _msg(
                f"m{i + 1}",
                ts.isoformat(),
                name,
                "" if post.deleted else post.text,
                attachments=[] if post.deleted else [f.replace("?", "_") for f in post.files],
                reply_to=f"m{i}" if quote is not None and not post.deleted else None,
                edited=post.edited and not post.deleted,
                deleted=post.deleted,
                reactions=[
                    {"sender": PEOPLE[w][0], "emoji": e}
                    for e in emojis
                    for w, x in post.reactions
                    if x == e
                ],
            )
        )
    path = _write(tmp_path / "rt" / "messages.json", {"messages": entries})
    members = [{"name": n, "email": e, "user_type": "Human"} for n, e in PEOPLE]
    _write(tmp_path / "rt" / "group_info.json", {"members": members})
    assert [m.to_dict() for m in read_conversation(path).messages] == expected
