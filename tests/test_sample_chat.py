"""The bundled sample chat (attune.data/sample_chat.txt) imports cleanly and exactly.

The sample is the product's demo and the test bed for later measures, so every message in it must
survive the WhatsApp importer unchanged: the right people, count, order, multi-line text, media
placeholders, the deleted and the edited message, and nothing skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from importlib.resources import as_file, files
from pathlib import Path

import pytest

from attune.conversation import Conversation, Message
from attune.ingest import read_conversation
from tests.conftest import run_attune

MESSAGE_COUNT = 349  # authored messages (header lines by Maya or Jordan)
SYSTEM_COUNT = 1  # the encryption notice
PER_PERSON = {"Maya": 184, "Jordan": 165}
FIRST = datetime(2025, 3, 3, 8, 12)
LAST = datetime(2025, 4, 6, 21, 37)
ENCRYPTION_NOTICE = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
    "can read or listen to them. Tap to learn more."
)
MEDIA_AT = [  # (sender, timestamp) of each "<Media omitted>" post
    ("Maya", datetime(2025, 3, 4, 9, 41)),  # screenshot of the woodworking class
    ("Maya", datetime(2025, 3, 5, 12, 30)),  # the dog outside school
    ("Jordan", datetime(2025, 3, 9, 21, 15)),  # old photo of their first summer
    ("Maya", datetime(2025, 3, 10, 7, 52)),  # voice note
    ("Maya", datetime(2025, 3, 13, 12, 15)),  # the cottage listing
    ("Jordan", datetime(2025, 3, 14, 12, 20)),  # meme of Dan
    ("Maya", datetime(2025, 3, 19, 9, 40)),  # goose video
    ("Maya", datetime(2025, 3, 19, 19, 30)),  # photo of dinner (jollof)
    ("Jordan", datetime(2025, 3, 25, 21, 40)),  # the wonky spoon
    ("Jordan", datetime(2025, 4, 5, 17, 45)),  # photo of the dumpling rematch
]
MULTILINE = {
    ("Maya", datetime(2025, 3, 7, 16, 53)): (
        "pork mince\nginger\nspring onions\n2 packs of wrappers\n"
        "and the good soy sauce not the cheap one"
    ),
    ("Jordan", datetime(2025, 3, 22, 18, 30)): (
        "you're right that it keeps happening. Priya's dinner, tuesday, thursday. that's on me, "
        "not on the launch.\n"
        "when you said it I got defensive instead of listening, and then I went quiet for a whole "
        "day, which probably felt worse than the fight.\n"
        "I shut down when someone's angry with me. it's what I used to do when mum and dad went "
        "at it. but that's not your fault and it's not fair on you"
    ),
    ("Maya", datetime(2025, 3, 22, 18, 42)): (
        "what I actually felt on thursday was lonely. sitting there with 40 dumplings I felt like "
        "I was at the bottom of your list.\n"
        "I'd really like it if, when plans change, you just text me. even one line"
    ),
    ("Maya", datetime(2025, 3, 27, 15, 40)): (
        "packing list for tomorrow:\nboots\nswimming stuff (yes really, the sea)\nthe board game\n"
        "snacks for the drive\nyour charger because you always forget it"
    ),
}
DELETED_AT = ("Jordan", datetime(2025, 4, 1, 14, 20))
EDITED_AT = ("Jordan", datetime(2025, 3, 27, 16, 5))
EDITED_TEXT = "ok I'll pick you up from school at 4 tomorrow so we beat the traffic"

HEADER = re.compile(r"^(\d\d)/(\d\d)/(\d{4}), (\d\d):(\d\d) - (?:(Maya|Jordan): )?(.*)$")


@pytest.fixture(scope="module")
def sample_path() -> Iterator[Path]:
    with as_file(files("attune.data") / "sample_chat.txt") as path:
        yield path


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> Conversation:
    return read_conversation(sample_path, "whatsapp")


def _by_key(conversation: Conversation) -> dict[tuple[str | None, datetime | None], list[Message]]:
    found: dict[tuple[str | None, datetime | None], list[Message]] = {}
    for message in conversation.messages:
        found.setdefault((message.sender, message.timestamp), []).append(message)
    return found


def _reference(path: Path) -> list[tuple[datetime, str | None, str]]:
    """The sample read naively: it is hand-written with one clean shape, so a regex reads it."""
    records: list[tuple[datetime, str | None, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = HEADER.match(line)
        if match is None:  # a continuation line of a multi-line message
            when, sender, text = records[-1]
            records[-1] = (when, sender, f"{text}\n{line}")
            continue
        day, month, year, hour, minute, sender, text = match.groups()
        when = datetime(int(year), int(month), int(day), int(hour), int(minute))
        records.append((when, sender, text))
    return records


def test_sample_is_package_data_in_plain_utf8(sample_path: Path) -> None:
    raw = sample_path.read_bytes()
    text = raw.decode("utf-8")  # raises if not UTF-8
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "\r" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")
    records = _reference(sample_path)
    assert len(records) == MESSAGE_COUNT + SYSTEM_COUNT
    assert {sender for _, sender, _ in records} == {"Maya", "Jordan", None}


def test_two_participants_with_exact_counts(sample: Conversation) -> None:
    assert sample.format == "whatsapp"
    assert {p.name: p.message_count for p in sample.participants} == PER_PERSON
    assert len(sample.authored) == MESSAGE_COUNT
    assert sample.system_count == SYSTEM_COUNT
    assert len(sample.messages) == MESSAGE_COUNT + SYSTEM_COUNT
    assert [m.id for m in sample.messages] == [f"m{i}" for i in range(1, len(sample.messages) + 1)]


def test_first_message_is_the_encryption_notice(sample: Conversation) -> None:
    first = sample.messages[0]
    assert first.kind == "system"
    assert first.sender is None
    assert first.text == ENCRYPTION_NOTICE
    assert first.timestamp == FIRST
    assert all(m.kind == "message" for m in sample.messages[1:])


def test_timestamps_span_five_weeks_in_order(sample: Conversation) -> None:
    stamps = [m.timestamp for m in sample.messages]
    assert all(t is not None for t in stamps)
    ordered = [t for t in stamps if t is not None]
    assert ordered == sorted(ordered)
    assert sample.first_timestamp == FIRST
    assert sample.last_timestamp == LAST
    assert (LAST - FIRST).days == 34
    assert len({t.date() for t in ordered}) == 35  # every day has at least one message
    assert all(t.tzinfo is None and t.second == 0 for t in ordered)


def test_every_message_matches_the_file(sample: Conversation, sample_path: Path) -> None:
    expected = []
    for when, sender, text in _reference(sample_path):
        if text == "<Media omitted>" or text == "This message was deleted":
            text = ""
        text = text.removesuffix(" <This message was edited>")
        expected.append((when, sender, text))
    assert [(m.timestamp, m.sender, m.text) for m in sample.messages] == expected


def test_multiline_messages_are_single_messages(sample: Conversation) -> None:
    found = _by_key(sample)
    for key, text in MULTILINE.items():
        assert [m.text for m in found[key]] == [text]
    assert sum("\n" in m.text for m in sample.messages) == len(MULTILINE)


def test_media_placeholders_become_attachments(sample: Conversation) -> None:
    media = [m for m in sample.messages if m.attachments]
    assert [(m.sender, m.timestamp) for m in media] == MEDIA_AT
    for message in media:
        assert message.attachments == ("<omitted:media>",)
        assert message.text == ""
        assert message.kind == "message"
    assert not any("Media omitted" in m.text for m in sample.messages)


def test_deleted_message(sample: Conversation) -> None:
    deleted = [m for m in sample.messages if m.deleted]
    assert [(m.sender, m.timestamp) for m in deleted] == [DELETED_AT]
    assert deleted[0].text == ""
    assert deleted[0].attachments == ()
    assert not any("message was deleted" in m.text for m in sample.messages)


def test_edited_message(sample: Conversation) -> None:
    edited = [m for m in sample.messages if m.edited]
    assert [(m.sender, m.timestamp, m.text) for m in edited] == [(*EDITED_AT, EDITED_TEXT)]
    assert not any("<This message was edited>" in m.text for m in sample.messages)


def test_nothing_skipped_and_no_stray_fields(sample: Conversation) -> None:
    assert sample.skipped == []
    assert all(m.reply_to is None and m.reactions == () for m in sample.messages)


def test_emoji_only_messages_survive(sample: Conversation) -> None:
    texts = [m.text for m in sample.authored]
    for emoji_only in ("😂😂😂", "🥹", "🥺❤️", "🥟🥟", "😑", "😴"):
        assert emoji_only in texts


def test_sample_is_detected_as_whatsapp(sample_path: Path) -> None:
    assert read_conversation(sample_path).format == "whatsapp"


def test_demo_command_imports_and_analyses_the_sample() -> None:
    result = run_attune("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Maya" in out and "Jordan" in out
    assert f"messages: {MESSAGE_COUNT}" in out
    assert "system messages: 1" in out
    assert "first: 2025-03-03T08:12:00" in out
    assert "last: 2025-04-06T21:37:00" in out
    assert "skipped: 0" in out
    assert "sample_chat.txt" in out
    assert "Attune demo — analysis" in out and "Bids turned toward" in out  # the shipped model
