"""Facebook Messenger / Instagram message_N.json: merged files, mojibake, every message variant."""

from __future__ import annotations

import itertools
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.conversation import Message, Reaction
from attune.errors import ExportError
from attune.ingest import ImportOptions, detect_format, read_conversation
from attune.ingest.messenger import repair_mojibake
from attune.ingest.source import Source
from tests.conftest import run_attune, shared_chat

UTC_OPTIONS = ImportOptions(tz="UTC")
BASE_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def mojibake(value: Any) -> Any:
    """What Facebook does to every string: UTF-8 bytes, each written as its own code point."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: mojibake(v) for k, v in value.items()}
    return value


def write_fb(folder: Path, name: str, data: dict[str, Any]) -> Path:
    """A file as Facebook writes it: two-space indentation, ASCII only, \\u00XX escapes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(mojibake(data), indent=2), encoding="utf-8")
    return path


def thread(messages: list[dict[str, Any]], title: str = "Sam Müller") -> dict[str, Any]:
    return {
        "participants": [{"name": "Sam Müller"}, {"name": "Alex"}],
        "messages": messages,
        "title": title,
        "is_still_participant": True,
        "thread_type": "Regular",
        "thread_path": "inbox/sammuller_10153",
        "magic_words": [],
    }


def fb(sender: str, offset_s: int, **fields: Any) -> dict[str, Any]:
    return {
        "sender_name": sender,
        "timestamp_ms": BASE_MS + offset_s * 1000,
        **fields,
        "is_geoblocked_for_viewer": False,
    }


def at(offset_s: int) -> str:
    return datetime.fromtimestamp(BASE_MS / 1000 + offset_s, UTC).isoformat()


# message_2.json holds the older half, message_1.json the newer; both newest first, overlapping.
OLDER = [
    fb("Alex", 40, content="Caf\u00e9 at 8? \u201cthe usual\u201d \U0001f60d", type="Generic"),
    fb("Alex", 30, content="Alex set the nickname for Sam Müller to Bär.", type="Generic"),
    fb(
        "Sam Müller",
        20,
        content="Hallo, wie geht’s? 😊",
        type="Generic",
        reactions=[{"reaction": "❤", "actor": "Alex"}, {"reaction": "😆", "actor": "Sam Müller"}],
    ),
    fb("Alex", 10, content="Alex named the group Wochenende ✨.", type="Generic"),
]
NEWER = [
    fb(
        "Alex",
        120,
        type="Generic",
        is_unsent=True,
        reactions=[{"reaction": "😢", "actor": "Sam Müller"}],
    ),
    fb("Sam Müller", 110, content="Sam Müller called you.", type="Call", call_duration=125),
    fb("Alex", 100, type="Call", call_duration=0, missed=True),
    fb(
        "Sam Müller",
        90,
        content="Sam Müller sent an attachment.",
        type="Share",
        share={"link": "https://www.instagram.com/p/Cx1/", "share_text": "a reel"},
    ),
    fb(
        "Alex",
        80,
        content="look https://example.org/x",
        type="Share",
        share={"link": "https://example.org/x"},
    ),
    fb(
        "Sam Müller",
        70,
        type="Generic",
        photos=[
            {"uri": "messages/inbox/sammuller_10153/photos/1_n.jpg", "creation_timestamp": 1},
            {"uri": "messages/inbox/sammuller_10153/photos/2_n.jpg", "creation_timestamp": 1},
        ],
    ),
    fb("Alex", 60, type="Generic", sticker={"uri": "messages/stickers_used/369239263222822.png"}),
    fb(
        "Sam Müller",
        55,
        content="voice + gif",
        type="Generic",
        audio_files=[{"uri": "messages/inbox/x/audio/audioclip1.mp4", "creation_timestamp": 1}],
        gifs=[{"uri": "messages/inbox/x/gifs/g.gif"}],
        videos=[{"uri": "messages/inbox/x/videos/v.mp4", "creation_timestamp": 1}],
        files=[{"uri": "messages/inbox/x/files/plan.pdf", "creation_timestamp": 1}],
    ),
    fb("Alex", 50, content="I left the group", type="Generic"),
    fb("Alex", 45, type="Subscribe", users=[{"name": "Kim"}, {"name": "Lou"}]),
    fb("Kim", 44, type="Unsubscribe", users=[{"name": "Kim"}]),
    OLDER[0],  # overlap with message_2.json
]


def make_chat(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox" / "sammuller_10153"
    write_fb(folder, "message_1.json", thread(NEWER))
    write_fb(folder, "message_2.json", thread(OLDER))
    return folder


def test_folder_of_files_merged_deduplicated_sorted(tmp_path: Path) -> None:
    folder = make_chat(tmp_path)
    conversation = read_conversation(folder / "message_1.json", "messenger", UTC_OPTIONS)
    got = [
        (m.timestamp.isoformat() if m.timestamp else None, m.sender, m.text, m.kind)
        for m in conversation.messages
    ]
    assert got == [
        (at(10), None, "Alex named the group Wochenende ✨.", "system"),
        (at(20), "Sam Müller", "Hallo, wie geht’s? 😊", "message"),
        (at(30), None, "Alex set the nickname for Sam Müller to Bär.", "system"),
        (at(40), "Alex", "Café at 8? “the usual” 😍", "message"),
        (at(44), None, "Kim left the group", "system"),
        (at(45), None, "Alex added Kim, Lou", "system"),
        (at(50), "Alex", "I left the group", "message"),
        (at(55), "Sam Müller", "voice + gif", "message"),
        (at(60), "Alex", "", "message"),
        (at(70), "Sam Müller", "", "message"),
        (at(80), "Alex", "look https://example.org/x", "message"),
        (at(90), "Sam Müller", "", "message"),
        (at(100), None, "Alex called (missed)", "system"),
        (at(110), None, "Sam Müller called you (125 s)", "system"),
        (at(120), "Alex", "", "message"),
    ]
    assert conversation.title == "Sam Müller"
    assert [m.id for m in conversation.messages] == [f"m{i}" for i in range(1, 16)]
    by_time = {m.timestamp.isoformat(): m for m in conversation.messages if m.timestamp}
    assert by_time[at(20)].reactions == (Reaction("Alex", "❤"), Reaction("Sam Müller", "😆"))
    assert by_time[at(55)].attachments == ("v.mp4", "audioclip1.mp4", "g.gif", "plan.pdf")
    assert by_time[at(60)].attachments == ("369239263222822.png",)
    assert by_time[at(70)].attachments == ("1_n.jpg", "2_n.jpg")
    assert by_time[at(80)].attachments == ()  # the link is already in the text
    assert by_time[at(90)].attachments == ("https://www.instagram.com/p/Cx1/",)
    unsent = by_time[at(120)]
    assert unsent.deleted is True and unsent.attachments == ()
    assert unsent.reactions == (Reaction("Sam Müller", "😢"),)
    assert all(m.reply_to is None and not m.edited for m in conversation.messages)

    (duplicate,) = conversation.skipped
    assert duplicate.reason == "duplicate of a message in another file"
    assert duplicate.excerpt.startswith("message_2.json: Café at 8?")
    lines = (folder / "message_2.json").read_text(encoding="utf-8").splitlines()
    assert duplicate.line is not None and lines[duplicate.line - 1].strip() == "{"
    assert lines[duplicate.line].strip() == '"sender_name": "Alex",'
    assert [p.name for p in conversation.participants] == ["Alex", "Sam Müller"]


def test_any_file_or_the_folder_reads_the_whole_chat(tmp_path: Path) -> None:
    folder = make_chat(tmp_path)
    results = [
        [m.to_dict() for m in read_conversation(p, "messenger", UTC_OPTIONS).messages]
        for p in (folder, folder / "message_1.json", folder / "message_2.json")
    ]
    assert results[0] == results[1] == results[2]
    assert detect_format(Source(folder)) == "messenger"
    assert detect_format(Source(folder / "message_2.json")) == "messenger"


def test_whole_download_folder_chooses_a_chat(tmp_path: Path) -> None:
    make_chat(tmp_path / "your_instagram_activity" / "messages")
    small = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "kim_777"
    write_fb(small, "message_1.json", thread([fb("Kim", 1, content="hey")], title="Kim"))
    assert detect_format(Source(tmp_path)) == "messenger"

    largest = read_conversation(tmp_path, "messenger", UTC_OPTIONS)
    assert largest.title == "Sam Müller" and len(largest.messages) == 15
    assert largest.skipped[0].line is None
    assert largest.skipped[0].reason.startswith("other chats in this export not imported: 1")
    assert largest.skipped[0].excerpt == "kim_777"

    for wanted in ("kim_777", "Kim"):
        chosen = read_conversation(tmp_path, "messenger", ImportOptions(tz="UTC", chat=wanted))
        assert [m.text for m in chosen.messages] == ["hey"] and chosen.skipped == []
    by_title = read_conversation(tmp_path, "messenger", ImportOptions(tz="UTC", chat="Sam Müller"))
    assert by_title.title == "Sam Müller"

    with pytest.raises(ExportError) as caught:
        read_conversation(tmp_path, "messenger", ImportOptions(chat="Nobody"))
    assert "'kim_777'" in str(caught.value) and "'sammuller_10153'" in str(caught.value)


def test_message_without_timestamp_is_skipped_with_its_line(tmp_path: Path) -> None:
    data = thread(
        [
            fb("Alex", 5, content="fine"),
            {"sender_name": "Alex", "content": "when?"},
            "junk",
        ]
    )
    path = write_fb(tmp_path, "message_1.json", data)
    conversation = read_conversation(path, "messenger", UTC_OPTIONS)
    assert [m.text for m in conversation.messages] == ["fine"]
    first, second = conversation.skipped
    assert (first.reason, first.excerpt) == ("message without a timestamp", "when?")
    lines = path.read_text().splitlines()
    assert first.line is not None and lines[first.line - 1].strip() == "{"
    assert lines[first.line].strip() == '"sender_name": "Alex",'
    assert second.reason == "not a message object"
    assert second.line is not None and lines[second.line - 1].strip() == '"junk"'


def test_empty_geoblocked_and_placeholder_only_posts(tmp_path: Path) -> None:
    data = thread(
        [
            fb("Alex", 3, content="Alex sent an attachment."),
            fb("Alex", 2, is_geoblocked_for_viewer=True),
            fb("Sam Müller", 1, reactions=[{"reaction": "👍", "actor": "Alex"}]),
        ]
    )
    data["messages"][1]["is_geoblocked_for_viewer"] = True
    messages = read_conversation(
        write_fb(tmp_path, "message_1.json", data), "messenger", UTC_OPTIONS
    ).messages
    assert [(m.sender, m.text, m.attachments) for m in messages] == [
        ("Sam Müller", "", ("<omitted:media>",)),
        ("Alex", "", ("<omitted:media>",)),
        ("Alex", "", ("<omitted:attachment>",)),
    ]
    assert messages[0].reactions == (Reaction("Alex", "👍"),)


def test_end_to_end_encrypted_download(tmp_path: Path) -> None:
    """Messenger's E2EE download: camelCase, clean UTF-8, oldest first."""
    data = {
        "participants": ["Alex", "Sam"],
        "threadName": "Sam_15",
        "messages": [
            {
                "isUnsent": False,
                "media": [],
                "reactions": [{"actor": "Alex", "reaction": "❤️"}],
                "senderName": "Sam",
                "text": "Ã© stays as typed, “quotes” too",
                "timestamp": 1711913758573,
                "type": "text",
            },
            {
                "isUnsent": False,
                "media": [{"uri": "./media/e2ee.jpeg"}],
                "reactions": [],
                "senderName": "Alex",
                "text": "",
                "timestamp": 1711913759000,
                "type": "media",
            },
            {
                "isUnsent": True,
                "media": [],
                "reactions": [],
                "senderName": "Alex",
                "text": "You unsent a message",
                "timestamp": 1711913760000,
                "type": "text",
            },
        ],
    }
    path = tmp_path / "Sam_15.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    assert detect_format(Source(path)) == "messenger"
    conversation = read_conversation(path, "messenger", UTC_OPTIONS)
    assert conversation.title == "Sam_15"
    assert [m.to_dict() for m in conversation.messages] == [
        {
            "id": "m1",
            "timestamp": "2024-03-31T19:35:58.573000+00:00",
            "sender": "Sam",
            "text": "Ã© stays as typed, “quotes” too",
            "kind": "message",
            "attachments": [],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [{"sender": "Alex", "emoji": "❤️"}],
        },
        {
            "id": "m2",
            "timestamp": "2024-03-31T19:35:59+00:00",
            "sender": "Alex",
            "text": "",
            "kind": "message",
            "attachments": ["e2ee.jpeg"],
            "reply_to": None,
            "edited": False,
            "deleted": False,
            "reactions": [],
        },
        {
            "id": "m3",
            "timestamp": "2024-03-31T19:36:00+00:00",
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


def test_zone_option_gives_local_wall_clock_with_offset(tmp_path: Path) -> None:
    path = write_fb(tmp_path, "message_1.json", thread([fb("Alex", 0, content="x")]))
    (message,) = read_conversation(path, "messenger", ImportOptions(tz="Europe/Berlin")).messages
    assert message.timestamp is not None
    assert message.timestamp.isoformat() == "2023-11-14T23:13:20+01:00"


# --- mojibake ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("Caf\u00c3\u00a9", "Café"),
        ("\u00f0\u009f\u0098\u008d", "😍"),
        ("J\u00e2\u009d\u00a4\u00ef\u00b8\u008fhn Doe", "J❤️hn Doe"),  # a name
        ("\u00e2\u009d\u00a4\u00ef\u00b8\u008f", "❤️"),  # a reaction
        ("Caf\u00c3\u00a9 \u201cok\u201d", "Café “ok”"),  # mixed: mojibake + genuine quotes
        ("Caf\u00e9 \u00c3\u00a9t\u00c3\u00a9", "Café été"),  # mixed: genuine é + mojibake
        ("Café “ok”", "Café “ok”"),  # genuine text stays
        ("20°C, ½ price, «bien»", "20°C, ½ price, «bien»"),
        ("\u00c3", "\u00c3"),  # a lone lead byte is not UTF-8
        ("\u00e0\u0080\u0080", "\u00e0\u0080\u0080"),  # overlong form is not UTF-8
        ("plain ascii", "plain ascii"),
    ],
)
def test_repair_mojibake(raw: str, fixed: str) -> None:
    assert repair_mojibake(raw) == fixed


@given(st.text(max_size=30))
def test_repair_undoes_facebook_encoding(text: str) -> None:
    assert repair_mojibake(text.encode("utf-8").decode("latin-1")) == text


# --- shared fixtures (chatminer) ---------------------------------------------------------------


@pytest.mark.shared_data
def test_chatminer_instagram_export() -> None:
    path = shared_chat("instagram_messenger/chatminer_instagram_test_export.json")
    assert detect_format(Source(path)) == "messenger"
    conversation = read_conversation(path, "auto", UTC_OPTIONS)
    assert [
        (m.timestamp.isoformat() if m.timestamp else None, m.sender, m.text)
        for m in conversation.messages
    ] == [
        ("2019-12-24T11:23:00+00:00", "Jane Doe", "Hello John!"),
        ("2020-01-17T20:49:00+00:00", "John Doe", "Hello Jane!"),
    ]


@pytest.mark.shared_data
def test_chatminer_old_instagram_log() -> None:
    path = shared_chat("instagram_messenger/chatminer_old_instagram_testlog.json")
    assert detect_format(Source(path)) == "messenger"
    conversation = read_conversation(path, "auto", UTC_OPTIONS)
    assert conversation.title == "Test Log"
    assert conversation.skipped == []
    records = [m.to_dict() for m in conversation.messages]
    assert len(records) == 13
    assert [r["timestamp"] for r in records] == sorted(r["timestamp"] for r in records)
    by_text = {r["text"]: r for r in records}
    assert by_text["Jane Doe joined the group."]["kind"] == "system"
    assert by_text["John Doe's poll has multiple updates."]["sender"] is None
    assert by_text["This poll is no longer available."]["kind"] == "system"
    assert by_text["Testing message with reactions."]["reactions"] == [
        {"sender": "J❤️hn Doe", "emoji": "❤️"},
        {"sender": "Jane Doe", "emoji": "💖"},
    ]
    assert by_text["Testing username with emoji: J❤️hn Doe"]["sender"] == "J❤️hn Doe"
    assert by_text["Testing username only emoji: ❤️"]["sender"] == "❤️"
    assert by_text["Testing message with emoji: ❤️"]["sender"] == "John Doe"
    media = [r for r in records if r["text"] == ""]
    assert [r["attachments"] for r in media] == [
        ["5409190972533416_5409190972533416_5409190972533416_n_5409190972533416.jpg"],
        ["834308961_834308961406351_834308961406351_n_834308961406351.mp4"],
        ["https://www.instagram.com/p/CmUv48DLvxd/?feed_type=reshare_chaining"],
        ["audioclip2765720812686121_27657208126861.mp4"],
        ["<omitted:media>"],  # only reactions survived of this post
    ]
    assert records[-2]["timestamp"] == "2022-02-28T05:25:43.621000+00:00"
    assert conversation.participants[0].name == "John Doe"


# --- wrong, broken and hostile input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("12/31/23, 9:14 PM - Alex: hi\n", "invalid JSON"),
        ('{"participants": []}', 'no "messages" list'),
        ("[]", 'no "messages" list'),
        (
            '{"name": "Sam", "type": "personal_chat", "id": 1, "messages": '
            '[{"id": 1, "type": "message", "date": "2024-01-01T00:00:00", "from": "A"}]}',
            "not a Facebook Messenger / Instagram export",
        ),
    ],
)
def test_wrong_format_is_a_clear_error(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "message_1.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        read_conversation(path, "messenger")
    assert needle in str(caught.value) and str(path) in str(caught.value)


def test_truncated_file_names_file_and_line(tmp_path: Path) -> None:
    folder = make_chat(tmp_path)
    second = folder / "message_2.json"
    text = second.read_text()
    second.write_text(text[: len(text) // 2])
    with pytest.raises(ExportError) as caught:
        read_conversation(folder / "message_1.json", "messenger")
    assert caught.value.path == str(second)
    assert caught.value.line is not None and caught.value.line > 5


def test_folder_without_message_files(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"no message_1\.json"):
        read_conversation(tmp_path, "messenger")


@pytest.mark.parametrize("content", [b"", b"  \n", b"\x00\xff\x10binary" * 40])
def test_empty_and_binary_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "message_1.json"
    path.write_bytes(content)
    with pytest.raises(ExportError):
        read_conversation(path, "messenger")


def test_hostile_field_types(tmp_path: Path) -> None:
    data = thread(
        [
            {
                "sender_name": 5,
                "timestamp_ms": "1700000000000",
                "content": ["x"],
                "photos": [None, {"uri": 3}, {"uri": "a/b.jpg"}],
                "sticker": "nope",
                "share": {"link": None},
                "reactions": [None, {"reaction": 1}, {"reaction": "👍", "actor": None}],
                "type": "Call",
                "call_duration": "long",
            },
            {"sender_name": "A", "timestamp_ms": 10**30},
            {"sender_name": "A", "timestamp_ms": True},
        ]
    )
    conversation = read_conversation(
        write_fb(tmp_path, "message_1.json", data), "messenger", UTC_OPTIONS
    )
    (only,) = conversation.messages
    assert (only.sender, only.text, only.attachments) == (None, "", ("b.jpg",))
    assert only.reactions == (Reaction(None, "👍"),)
    assert [s.reason for s in conversation.skipped] == [
        "message with an impossible timestamp",
        "message without a timestamp",
    ]


# --- round trip --------------------------------------------------------------------------------

NAMES = st.sampled_from(["Alex", "Sam Müller", "Zoë", "李雷", "J❤️hn", "Ólafur Þór"])
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf"), blacklist_characters="\r")
    | st.just("\n"),
    min_size=1,
    max_size=40,
).filter(lambda t: " sent " not in t and not t.startswith(("You ", "This poll", "The ")))
EMOJI = st.sampled_from(["❤", "😆", "😮", "👍", "❤️"])


@st.composite
def messenger_chats(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[Message]]:
    """Files of one chat (message_1 newest, each newest first, optionally overlapping) and the
    messages they must read as: text, media, shares, unsent posts and reactions."""
    count = draw(st.integers(min_value=1, max_value=14))
    raw: list[dict[str, Any]] = []
    expected: list[Message] = []
    millis = BASE_MS
    for _ in range(count):
        millis += draw(st.integers(min_value=1, max_value=10_000_000))
        sender = draw(NAMES)
        kind = draw(st.sampled_from(["text", "photo", "share", "unsent"]))
        entry: dict[str, Any] = {"sender_name": sender, "timestamp_ms": millis, "type": "Generic"}
        reactions = draw(st.lists(st.tuples(NAMES, EMOJI), max_size=3))
        if reactions:
            entry["reactions"] = [{"reaction": e, "actor": a} for a, e in reactions]
        text, attachments, deleted = "", (), False
        if kind == "text":
            text = draw(TEXT)
            entry["content"] = text
        elif kind == "photo":
            entry["photos"] = [{"uri": f"messages/inbox/t_1/photos/{millis}_n.jpg"}]
            attachments = (f"{millis}_n.jpg",)
        elif kind == "share":
            entry["type"] = "Share"
            entry["share"] = {"link": f"https://example.org/{millis}"}
            entry["content"] = f"{sender} sent an attachment."
            attachments = (f"https://example.org/{millis}",)
        else:
            entry["is_unsent"] = True
            deleted = True
        raw.append(entry)
        when = datetime.fromtimestamp(millis / 1000, UTC)
        expected.append(
            Message(
                f"m{len(expected) + 1}",
                when,
                sender,
                text,
                attachments=attachments,
                deleted=deleted,
                reactions=tuple(Reaction(a, e) for a, e in reactions),
            )
        )
    # Split into files: message_1 holds the newest slice; neighbours may share messages.
    cuts = sorted(draw(st.lists(st.integers(1, count), max_size=2, unique=True)))
    bounds = [0, *[c for c in cuts if c < count], count]
    files: list[dict[str, Any]] = []
    for lo, hi in itertools.pairwise(bounds):
        overlap = draw(st.integers(0, 2)) if hi < count else 0
        chunk = raw[lo : min(hi + overlap, count)]
        files.insert(0, thread(list(reversed(chunk)), title="t"))
    return files, expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=messenger_chats())
def test_round_trip(tmp_path: Path, case: tuple[list[dict[str, Any]], list[Message]]) -> None:
    files, expected = case
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    for number, data in enumerate(files, 1):
        write_fb(folder, f"message_{number}.json", data)
    conversation = read_conversation(folder, "messenger", UTC_OPTIONS)
    assert [m.to_dict() for m in conversation.messages] == [m.to_dict() for m in expected]
    assert all(s.reason == "duplicate of a message in another file" for s in conversation.skipped)


def as_e2ee(message: Message) -> dict[str, Any]:
    """The same message as Messenger's end-to-end-encrypted download writes it."""
    assert message.timestamp is not None
    media = [a for a in message.attachments if not a.startswith("https://")]
    links = [a for a in message.attachments if a.startswith("https://")]
    return {
        "isUnsent": message.deleted,
        "media": [{"uri": f"./media/{name}"} for name in media],
        "reactions": [{"actor": r.sender, "reaction": r.emoji} for r in message.reactions],
        "senderName": message.sender,
        "text": "You unsent a message" if message.deleted else message.text or " ".join(links),
        "timestamp": int(message.timestamp.timestamp() * 1000),
        "type": "media" if media else "link" if links else "text",
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=messenger_chats())
def test_round_trip_e2ee(tmp_path: Path, case: tuple[list[dict[str, Any]], list[Message]]) -> None:
    _, expected = case
    data = {"participants": ["Alex", "Sam"], "threadName": "Sam_15"}
    data["messages"] = [as_e2ee(m) for m in expected]
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "Sam_15.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    for message in expected:  # a shared link is the message's own text in this download
        if message.attachments and message.attachments[0].startswith("https://"):
            message.text, message.attachments = message.attachments[0], ()
    conversation = read_conversation(path, "messenger", UTC_OPTIONS)
    assert [m.to_dict() for m in conversation.messages] == [m.to_dict() for m in expected]
    assert conversation.skipped == []


# --- the real command line ---------------------------------------------------------------------


def test_cli_import_and_summary(tmp_path: Path) -> None:
    folder = make_chat(tmp_path)
    out = tmp_path / "chat.jsonl"
    result = run_attune("import", str(folder), "--tz", "UTC", "--out", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 15
    assert records[3] == {
        "id": "m4",
        "timestamp": at(40),
        "sender": "Alex",
        "text": "Café at 8? “the usual” 😍",
        "kind": "message",
        "attachments": [],
        "reply_to": None,
        "edited": False,
        "deleted": False,
        "reactions": [],
    }
    summary = run_attune("import", str(folder / "message_2.json"), "--tz", "UTC", "--summary")
    assert summary.returncode == 0, summary.stderr
    text = summary.stdout
    assert "(messenger)" in text
    assert "messages: 9" in text and "system messages: 6" in text
    assert f"first: {at(10)}" in text and f"last: {at(120)}" in text
    assert "skipped: 1" in text and "duplicate of a message in another file" in text


def test_cli_error_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    path.write_text('{"messages": [{"sender_name": "A", "timestamp_ms": 1', encoding="utf-8")
    result = run_attune("import", str(path), "--format", "messenger")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{path}:1: invalid JSON" in result.stderr
