"""Telegram Desktop result.json: single chats, full account exports, every message variant."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.conversation import Message, Reaction
from attune.errors import ExportError
from attune.ingest import ImportOptions, detect_format, read_conversation
from attune.ingest.source import Source
from tests.conftest import run_attune, shared_chat

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def write(tmp_path: Path, data: Any, name: str = "result.json") -> Path:
    """Write an export the way Telegram Desktop does: one-space indentation, real UTF-8."""
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def msg(id: int, date: str, **fields: Any) -> dict[str, Any]:
    unix = int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp())
    base: dict[str, Any] = {
        "id": id,
        "type": "message",
        "date": date,
        "date_unixtime": str(unix),
    }
    base.update(fields)
    if "text" not in base:
        base["text"] = ""
    if "text_entities" not in base:
        text = base["text"]
        base["text_entities"] = (
            [{"type": "plain", "text": text}] if isinstance(text, str) and text else []
        )
    return base


def service(id: int, date: str, actor: str | None, action: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "type": "service",
        "date": date,
        "date_unixtime": "1700000000",
        "actor": actor,
        "actor_id": "user1",
        "action": action,
        **fields,
        "text": "",
        "text_entities": [],
    }


def chat_export(messages: list[dict[str, Any]], name: str = "Sam") -> dict[str, Any]:
    return {"name": name, "type": "personal_chat", "id": 4242, "messages": messages}


RICH_CHAT = chat_export(
    [
        service(1, "2023-12-31T21:00:00", "Alex", "phone_call", duration_seconds=12),
        msg(
            2,
            "2023-12-31T21:14:05",
            **{"from": "Alex", "from_id": "user1"},
            text="Happy new year \u200e\U0001f389",
        ),
        msg(
            3,
            "2023-12-31T21:15:00",
            **{"from": "Sam", "from_id": "user2"},
            text=["Look at ", {"type": "link", "text": "https://t.me/x"}, "!"],
            text_entities=[
                {"type": "plain", "text": "Look at "},
                {"type": "link", "text": "https://t.me/x"},
                {"type": "plain", "text": "!"},
            ],
            reply_to_message_id=2,
            edited="2023-12-31T21:16:00",
            edited_unixtime="1704057360",
            reactions=[
                {
                    "type": "emoji",
                    "count": 1,
                    "emoji": "❤",
                    "recent": [{"from": "Alex", "from_id": "user1", "date": "2023-12-31T21:17:00"}],
                },
                {"type": "custom_emoji", "count": 2, "document_id": "5368324170671202286"},
            ],
        ),
        msg(
            4,
            "2024-01-01T08:00:00",
            **{"from": "Alex", "from_id": "user1"},
            photo="photos/photo_1@01-01-2024_08-00-00.jpg",
            width=1280,
            height=960,
            text="first sunrise\nof the year",
        ),
        msg(
            5,
            "2024-01-01T08:01:00",
            **{"from": "Sam", "from_id": "user2"},
            photo=NOT_INCLUDED,
        ),
        msg(
            6,
            "2024-01-01T08:02:00",
            **{"from": "Sam", "from_id": "user2"},
            file=NOT_INCLUDED,
            media_type="voice_message",
            mime_type="audio/ogg",
            duration_seconds=7,
        ),
        msg(
            7,
            "2024-01-01T08:03:00",
            **{"from": "Alex", "from_id": "user1"},
            file="stickers/sticker.webp",
            thumbnail="stickers/sticker.webp_thumb.jpg",
            media_type="sticker",
            sticker_emoji="\U0001f618",
        ),
        msg(
            8,
            "2024-01-01T08:04:00",
            **{"from": None, "from_id": "user3"},
            text="hi from a ghost",
        ),
        {"id": 9, "type": "unsupported"},
        service(10, "2024-01-01T09:00:00", "Alex", "pin_message", message_id=4),
        service(11, "2024-01-01T09:01:00", "Sam", "phone_call", discard_reason="missed"),
        msg(
            12,
            "2024-01-01T09:02:00",
            **{"from": "Sam", "from_id": "user2"},
            file="files/plan.pdf",
            file_name="plan.pdf",
            mime_type="application/pdf",
            text="the plan",
        ),
        msg(
            13,
            "2024-01-01T09:03:00",
            **{"from": "Alex", "from_id": "user1"},
            location_information={"latitude": 52.5, "longitude": 13.4},
        ),
        msg(
            14,
            "2024-01-01T09:04:00",
            **{"from": "Sam", "from_id": "user2"},
            poll={"question": "Dinner?", "closed": False, "total_voters": 0, "answers": []},
        ),
    ]
)


def test_rich_single_chat_every_field(tmp_path: Path) -> None:
    conversation = read_conversation(write(tmp_path, RICH_CHAT), "telegram")
    assert conversation.title == "Sam"
    got = [m.to_dict() for m in conversation.messages]
    ts = [g["timestamp"] for g in got]
    assert ts[0] == "2023-12-31T21:00:00"  # wall-clock `date`, naive, seconds kept
    assert ts[1] == "2023-12-31T21:14:05"
    by_text = {g["text"]: g for g in got}

    call = got[0]
    assert call["kind"] == "system" and call["sender"] is None
    assert call["text"] == "Alex called (12 s)"

    first = got[1]
    assert first["sender"] == "Alex"
    assert first["text"] == "Happy new year \U0001f389"  # U+200E removed

    reply = got[2]
    assert reply["text"] == "Look at https://t.me/x!"
    assert reply["reply_to"] == first["id"]
    assert reply["edited"] is True
    assert reply["reactions"] == [
        {"sender": "Alex", "emoji": "❤"},
        {"sender": None, "emoji": "<custom_emoji>"},
        {"sender": None, "emoji": "<custom_emoji>"},
    ]

    photo = by_text["first sunrise\nof the year"]
    assert photo["attachments"] == ["photo_1@01-01-2024_08-00-00.jpg"]
    assert photo["edited"] is False and photo["reply_to"] is None

    assert got[4]["text"] == "" and got[4]["attachments"] == ["<omitted:photo>"]
    assert got[5]["text"] == "" and got[5]["attachments"] == ["<omitted:voice_message>"]
    assert got[6]["text"] == "\U0001f618" and got[6]["attachments"] == ["sticker.webp"]
    assert by_text["hi from a ghost"]["sender"] == "Deleted Account"

    assert by_text["Alex pinned a message"]["kind"] == "system"
    assert by_text["Sam called (missed)"]["sender"] is None
    assert by_text["the plan"]["attachments"] == ["plan.pdf"]
    assert got[-2]["attachments"] == ["<location>"] and got[-2]["text"] == ""
    assert got[-1]["attachments"] == ["<poll>"] and got[-1]["text"] == "Dinner?"

    assert len(got) == 13
    assert [s.reason for s in conversation.skipped] == [
        "message type Telegram Desktop could not export"
    ]
    assert conversation.system_count == 3
    assert [p.name for p in conversation.participants] == ["Sam", "Alex", "Deleted Account"]


def test_skipped_message_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, RICH_CHAT)
    conversation = read_conversation(path, "telegram")
    (skip,) = conversation.skipped
    lines = path.read_text(encoding="utf-8").splitlines()
    assert skip.line is not None
    assert lines[skip.line - 1].strip() == '"id": 9,'
    assert lines[skip.line].strip() == '"type": "unsupported"'


@pytest.mark.parametrize(
    ("action", "fields", "expected"),
    [
        (
            "create_group",
            {"title": "Us", "members": ["Alex", "Sam"]},
            'Alex created the group "Us"',
        ),
        ("edit_group_title", {"title": "Trip ✈"}, 'Alex changed the title to "Trip ✈"'),
        ("invite_members", {"members": ["Sam", "Kim"]}, "Alex added Sam, Kim"),
        ("invite_members", {"members": ["Alex"]}, "Alex joined the group"),
        ("remove_members", {"members": ["Alex"]}, "Alex left the group"),
        ("remove_members", {"members": [None]}, "Alex removed Deleted Account"),
        ("edit_group_photo", {"photo": "photos/x.jpg"}, "Alex changed the group photo"),
        ("join_group_by_link", {"inviter": "Sam"}, "Alex joined the group via invite link"),
        ("clear_history", {}, "Alex cleared the history"),
        ("phone_call", {}, "Alex called"),
        (
            "phone_call",
            {"duration_seconds": 3605, "discard_reason": "hangup"},
            "Alex called (3605 s)",
        ),
        ("group_call", {"duration": 60}, "Alex started a video chat (60 s)"),
        ("take_screenshot", {}, "Alex took a screenshot"),
        ("set_messages_ttl", {"period": 86400}, "Alex set messages to auto-delete after 86400 s"),
        ("set_messages_ttl", {"period": 0}, "Alex turned off auto-delete"),
        ("edit_chat_theme", {"emoticon": "🎄"}, "Alex changed the chat theme to 🎄"),
        ("some_future_action", {}, "Alex some future action"),
    ],
)
def test_service_messages(
    tmp_path: Path, action: str, fields: dict[str, Any], expected: str
) -> None:
    chat = chat_export([service(1, "2024-02-01T10:00:00", "Alex", action, **fields)])
    (message,) = read_conversation(write(tmp_path, chat), "telegram").messages
    assert (message.kind, message.sender, message.text) == ("system", None, expected)


def test_service_message_of_deleted_actor_and_custom_text(tmp_path: Path) -> None:
    chat = chat_export(
        [
            service(1, "2024-02-01T10:00:00", None, "pin_message"),
            {
                "id": 2,
                "type": "service",
                "date": "2024-02-01T10:01:00",
                "actor": "Bot",
                "information_text": "Welcome to the chat",
                "text": "",
            },
        ]
    )
    texts = [m.text for m in read_conversation(write(tmp_path, chat), "telegram").messages]
    assert texts == ["Deleted Account pinned a message", "Welcome to the chat"]


def test_text_without_entities_and_reactions_without_recent(tmp_path: Path) -> None:
    chat = chat_export(
        [
            {
                "id": 1,
                "type": "message",
                "date": "2022-05-01T10:00:00",
                "from": "Alex",
                "text": ["plain ", {"type": "bold", "text": "bold"}, " end"],
                "reactions": [{"type": "emoji", "count": 2, "emoji": "👍"}],
            },
            {
                "id": 2,
                "type": "message",
                "date": "2022-05-01T10:01:00",
                "from": "Sam",
                "text": "ok",
            },
        ]
    )
    first, second = read_conversation(write(tmp_path, chat), "telegram").messages
    assert first.text == "plain bold end"
    assert first.reactions == (Reaction(None, "👍"), Reaction(None, "👍"))
    assert second.text == "ok" and second.reactions == ()


def test_messages_are_sorted_and_replies_remapped(tmp_path: Path) -> None:
    chat = chat_export(
        [
            msg(10, "2024-03-01T12:00:00", **{"from": "Sam"}, text="later", reply_to_message_id=11),
            msg(11, "2024-03-01T11:00:00", **{"from": "Alex"}, text="earlier"),
            msg(12, "2024-03-01T13:00:00", **{"from": "Alex"}, text="x", reply_to_message_id=999),
        ]
    )
    messages = read_conversation(write(tmp_path, chat), "telegram").messages
    assert [(m.id, m.text, m.reply_to) for m in messages] == [
        ("m1", "earlier", None),
        ("m2", "later", "m1"),
        ("m3", "x", None),  # answers a message outside the export
    ]


def test_unixtime_only_uses_the_zone(tmp_path: Path) -> None:
    chat = {
        "messages": [{"type": "message", "date_unixtime": "1544006350", "from": "A", "text": "x"}]
    }
    path = write(tmp_path, chat)
    (utc,) = read_conversation(path, "telegram", ImportOptions(tz="UTC")).messages
    assert utc.timestamp == datetime(2018, 12, 5, 10, 39, 10, tzinfo=UTC)
    (tokyo,) = read_conversation(path, "telegram", ImportOptions(tz="Asia/Tokyo")).messages
    assert (
        tokyo.timestamp is not None and tokyo.timestamp.isoformat() == "2018-12-05T19:39:10+09:00"
    )


# --- full account exports ----------------------------------------------------------------------


def full_export() -> dict[str, Any]:
    sam = chat_export(
        [msg(i, f"2024-01-0{i}T10:00:00", **{"from": "Sam"}, text=f"s{i}") for i in range(1, 4)]
    )
    kim = {
        "name": "Kim",
        "type": "personal_chat",
        "id": 77,
        "messages": [msg(1, "2024-01-01T10:00:00", **{"from": "Kim"}, text="k")],
    }
    group = {
        "name": "Big group",
        "type": "private_supergroup",
        "id": 99,
        "messages": [msg(i, "2024-01-01T10:00:00", **{"from": "X"}, text="g") for i in range(1, 9)],
    }
    left = {
        "name": "Old group",
        "type": "private_group",
        "id": 5,
        "messages": [msg(1, "2020-01-01T10:00:00", **{"from": "Y"}, text="old")],
    }
    return {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Alex", "phone_number": "+1"},
        "chats": {"about": "This page lists all chats.", "list": [kim, group, sam]},
        "left_chats": {"about": "Chats you left.", "list": [left]},
    }


def test_full_export_takes_busiest_personal_chat_and_says_so(tmp_path: Path) -> None:
    conversation = read_conversation(write(tmp_path, full_export()), "telegram")
    assert conversation.title == "Sam"
    assert [m.text for m in conversation.messages] == ["s1", "s2", "s3"]
    (note,) = conversation.skipped
    assert note.line is None
    assert note.reason.startswith("other chats in this export not imported: 3")
    assert note.excerpt == "Kim, Big group, Old group"


@pytest.mark.parametrize("wanted", ["Kim", "kim", "77"])
def test_full_export_chat_by_name_or_id(tmp_path: Path, wanted: str) -> None:
    conversation = read_conversation(
        write(tmp_path, full_export()), "telegram", ImportOptions(chat=wanted)
    )
    assert [m.text for m in conversation.messages] == ["k"]
    assert conversation.skipped == []


def test_full_export_left_chat_and_line_numbers(tmp_path: Path) -> None:
    data = full_export()
    data["left_chats"]["list"][0]["messages"].append({"id": 2, "type": "unsupported"})
    path = write(tmp_path, data)
    conversation = read_conversation(path, "telegram", ImportOptions(chat="Old group"))
    assert [m.text for m in conversation.messages] == ["old"]
    (skip,) = conversation.skipped
    lines = path.read_text(encoding="utf-8").splitlines()
    assert skip.line is not None and lines[skip.line].strip() == '"type": "unsupported"'


def test_full_export_unknown_chat_lists_the_chats(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as caught:
        read_conversation(write(tmp_path, full_export()), "telegram", ImportOptions(chat="Nobody"))
    message = str(caught.value)
    assert "result.json" in message and "'Nobody'" in message
    for name in ("Kim", "Big group", "Sam", "Old group"):
        assert repr(name) in message


# --- shared fixtures (chatminer) ---------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name", ["chatminer_test_single_export.json", "chatminer_test_batch_export.json"]
)
def test_chatminer_fixtures(name: str) -> None:
    path = shared_chat(f"telegram/{name}")
    assert detect_format(Source(path)) == "telegram"
    conversation = read_conversation(path, "auto", ImportOptions(tz="UTC"))
    assert [m.to_dict() for m in conversation.messages] == [
        {
            "id": "m1",
            "timestamp": "2018-12-05T10:39:10+00:00",
            "sender": "Author 1",
            "text": "Minimal Message",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m2",
            "timestamp": "2018-12-05T10:49:24+00:00",
            "sender": "Author 2",
            "text": "Link:https://telegram.org/",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
    ]
    assert conversation.skipped == []


# --- wrong, broken and hostile input -----------------------------------------------------------


def test_detects_telegram_and_not_other_json(tmp_path: Path) -> None:
    assert detect_format(Source(write(tmp_path, RICH_CHAT))) == "telegram"
    assert detect_format(Source(write(tmp_path, full_export(), "full.json"))) == "telegram"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("12/31/23, 9:14 PM - Alex: hi\n", "invalid JSON"),
        ('{"chats": {"about": "x"}}', "not a Telegram export"),
        ("[1, 2, 3]", "not a Telegram export"),
        (
            '{"participants": [{"name": "A"}], "messages": '
            '[{"sender_name": "A", "timestamp_ms": 1, "content": "x"}]}',
            "not a Telegram export",
        ),
    ],
)
def test_wrong_format_is_a_clear_error(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "export.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        read_conversation(path, "telegram")
    assert needle in str(caught.value) and str(path) in str(caught.value)


def test_truncated_json_names_the_line(tmp_path: Path) -> None:
    full = json.dumps(RICH_CHAT, ensure_ascii=False, indent=1)
    path = tmp_path / "result.json"
    path.write_text(full[: len(full) // 2], encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        read_conversation(path, "telegram")
    assert caught.value.line is not None and caught.value.line > 10
    assert "invalid JSON" in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"   \n", b"\x00\x01\x02binary\xff\xfe" * 50])
def test_empty_and_binary_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(ExportError):
        read_conversation(path, "telegram")


def test_hostile_shapes_are_skipped_not_crashed(tmp_path: Path) -> None:
    chat = chat_export(
        [
            "not an object",
            {"id": 1, "type": "message", "from": "A", "text": "no date"},
            {"id": 2, "type": "message", "date": "2024-01-01T00:00:00", "from": "A"},
            {"id": 3, "type": "weird", "date": "2024-01-01T00:00:00"},
            {"id": 4, "type": "service", "date": "2024-01-01T00:00:00"},
            {
                "id": 5,
                "type": "message",
                "date": "2024-01-01T00:00:00",
                "from": 12,
                "text": [1, None, {"text": 3}, "ok"],
                "reactions": [None, {"emoji": "👍", "count": 10**12}, {"type": "x"}],
                "reply_to_message_id": [1],
                "photo": 5,
            },
        ]
    )
    conversation = read_conversation(write(tmp_path, chat), "telegram")
    (only,) = conversation.messages
    assert only.text == "ok" and only.sender is None and only.reply_to is None
    assert len(only.reactions) == 1000  # anonymous reactions are capped
    assert [s.reason for s in conversation.skipped] == [
        "not a message object",
        "message without a readable date",
        "message without text or media",
        "unknown Telegram message type 'weird'",
        "service message without an action",
    ]


# --- round trip --------------------------------------------------------------------------------

NAMES = st.sampled_from(["Alex", "Sam", "Zoë Ångström", "李雷", "Kim 🌸"])
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf"), blacklist_characters="\r")
    | st.just("\n"),
    max_size=40,
)
EMOJI = st.sampled_from(["❤", "👍", "😂", "🔥"])


@st.composite
def telegram_chats(draw: st.DrawFn) -> tuple[dict[str, Any], list[Message]]:
    """A Telegram export and the messages it must read as (text as string or entity list,
    media, replies, edits, reactions with senders, service calls)."""
    count = draw(st.integers(min_value=1, max_value=12))
    start = datetime(2023, 1, 1, 8, 0, 0)
    raw: list[dict[str, Any]] = []
    expected: list[Message] = []
    seconds = 0
    for index in range(count):
        seconds += draw(st.integers(min_value=0, max_value=100_000))
        when = start + timedelta(seconds=seconds)
        date = when.isoformat()
        native = index + 1
        if draw(st.integers(0, 9)) == 0:
            duration = draw(st.integers(1, 5000))
            actor = draw(NAMES)
            raw.append(service(native, date, actor, "phone_call", duration_seconds=duration))
            expected.append(
                Message(f"m{native}", when, None, f"{actor} called ({duration} s)", "system")
            )
            continue
        sender = draw(NAMES)
        parts = draw(st.lists(TEXT, min_size=1, max_size=3))
        text = "".join(parts)
        media = draw(st.sampled_from(["none", "photo", "omitted", "voice"]))
        if not text and media == "none":
            media = "photo"
        fields: dict[str, Any] = {"from": sender, "from_id": "user1"}
        if draw(st.booleans()):
            fields["text"] = parts if len(parts) > 1 else text
            fields["text_entities"] = [{"type": "plain", "text": p} for p in parts if p]
        else:
            fields["text"] = [
                {"type": "bold", "text": p} if i % 2 else p for i, p in enumerate(parts)
            ]
        attachments: tuple[str, ...] = ()
        if media == "photo":
            fields["photo"] = f"photos/photo_{native}@x.jpg"
            attachments = (f"photo_{native}@x.jpg",)
        elif media == "omitted":
            fields["photo"] = NOT_INCLUDED
            attachments = ("<omitted:photo>",)
        elif media == "voice":
            fields["file"] = f"voice_messages/audio_{native}.ogg"
            fields["media_type"] = "voice_message"
            attachments = (f"audio_{native}.ogg",)
        reply_to = None
        if index and draw(st.booleans()):
            target = draw(st.integers(1, index))
            fields["reply_to_message_id"] = target
            reply_to = f"m{target}"
        edited = draw(st.booleans())
        if edited:
            fields["edited"] = date
        reactors = draw(st.lists(st.tuples(EMOJI, NAMES), max_size=3, unique_by=lambda r: r[0]))
        extra = draw(st.integers(0, 2))
        reactions: list[Reaction] = []
        if reactors:
            fields["reactions"] = []
            for emoji, who in reactors:
                fields["reactions"].append(
                    {
                        "type": "emoji",
                        "count": 1 + extra,
                        "emoji": emoji,
                        "recent": [{"from": who, "from_id": "user9", "date": date}],
                    }
                )
                reactions += [Reaction(who, emoji)] + [Reaction(None, emoji)] * extra
        raw.append({"id": native, "type": "message", "date": date, **fields})
        expected.append(
            Message(
                f"m{native}",
                when,
                sender,
                text,
                attachments=attachments,
                reply_to=reply_to,
                edited=edited,
                reactions=tuple(reactions),
            )
        )
    return chat_export(raw), expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=telegram_chats())
def test_round_trip(tmp_path: Path, case: tuple[dict[str, Any], list[Message]]) -> None:
    data, expected = case
    path = write(tmp_path, data)
    conversation = read_conversation(path, "telegram")
    assert [m.to_dict() for m in conversation.messages] == [m.to_dict() for m in expected]
    assert conversation.skipped == []


# --- the real command line ---------------------------------------------------------------------


def test_cli_import_and_summary(tmp_path: Path) -> None:
    path = write(tmp_path, RICH_CHAT)
    result = run_attune("import", str(path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 13
    assert records[1] == {
        "id": "m2",
        "timestamp": "2023-12-31T21:14:05",
        "sender": "Alex",
        "text": "Happy new year \U0001f389",
        "kind": "message",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
    }
    assert records[2]["reply_to"] == "m2"

    summary = run_attune("import", str(path), "--format", "telegram", "--summary")
    assert summary.returncode == 0, summary.stderr
    out = summary.stdout
    assert "(telegram)" in out
    assert "messages: 10" in out and "system messages: 3" in out
    assert "first: 2023-12-31T21:00:00" in out and "last: 2024-01-01T09:04:00" in out
    assert "skipped: 1" in out and "message type Telegram Desktop could not export" in out


def test_cli_chat_option_and_error(tmp_path: Path) -> None:
    path = write(tmp_path, full_export())
    result = run_attune("import", str(path), "--chat", "Kim")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["k"]
    missing = run_attune("import", str(path), "--chat", "Nobody")
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    assert "'Kim'" in missing.stderr
