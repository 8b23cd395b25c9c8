from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from attune.conversation import Conversation, Message, Reaction
from attune.ingest.build import finish


def message(id: str, minute: int | None, sender: str | None = "Alex", **kw: object) -> Message:
    ts = datetime(2024, 3, 1, 9, 0) + timedelta(minutes=minute) if minute is not None else None
    return Message(id=id, timestamp=ts, sender=sender, text=f"text {id}", **kw)  # type: ignore[arg-type]


def test_to_dict_has_every_contract_field_in_json_types() -> None:
    m = Message(
        id="m1",
        timestamp=datetime(2023, 10, 5, 21, 14),
        sender="Alex",
        text="hi\nthere",
        attachments=("IMG-0001.jpg",),
        reply_to="m0",
        edited=True,
        reactions=(Reaction("Sam", "❤"),),
    )
    assert m.to_dict() == {
        "id": "m1",
        "timestamp": "2023-10-05T21:14:00",
        "sender": "Alex",
        "text": "hi\nthere",
        "kind": "message",
        "attachments": ["IMG-0001.jpg"],
        "reply_to": "m0",
        "edited": True,
        "deleted": False,
        "reactions": [{"sender": "Sam", "emoji": "❤"}],
    }


def test_aware_timestamp_keeps_its_offset() -> None:
    ts = datetime(2023, 10, 5, 21, 14, 5, tzinfo=timezone(timedelta(hours=2)))
    record = Message("m1", ts, "Sam", "x").to_dict()
    assert record["timestamp"] == "2023-10-05T21:14:05+02:00"
    assert Message.from_dict(record).timestamp == ts


texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


@given(
    text=texts,
    sender=st.none() | texts,
    kind=st.sampled_from(["message", "system"]),
    attachments=st.lists(texts, max_size=3),
    flags=st.tuples(st.booleans(), st.booleans()),
    reactions=st.lists(st.tuples(st.none() | texts, texts.filter(bool)), max_size=3),
)
def test_dict_round_trip(
    text: str,
    sender: str | None,
    kind: str,
    attachments: list[str],
    flags: tuple[bool, bool],
    reactions: list[tuple[str | None, str]],
) -> None:
    original = Message(
        id="m7",
        timestamp=datetime(2022, 1, 2, 3, 4, 5),
        sender=sender,
        text=text,
        kind=kind,  # type: ignore[arg-type]
        attachments=tuple(attachments),
        reply_to="m3",
        edited=flags[0],
        deleted=flags[1],
        reactions=tuple(Reaction(s, e) for s, e in reactions),
    )
    assert Message.from_dict(original.to_dict()) == original


def test_participants_are_authors_of_messages_most_active_first() -> None:
    conversation = Conversation(
        messages=[
            message("a", 0, "Sam"),
            message("b", 1, "Alex"),
            message("c", 2, "Alex"),
            Message("d", None, None, "Alex added Sam", kind="system"),
        ]
    )
    assert [(p.name, p.message_count) for p in conversation.participants] == [
        ("Alex", 2),
        ("Sam", 1),
    ]
    assert conversation.system_count == 1
    assert len(conversation.authored) == 3
    assert conversation.first_timestamp == datetime(2024, 3, 1, 9, 0)
    assert conversation.last_timestamp == datetime(2024, 3, 1, 9, 2)


def test_finish_sorts_stably_and_renumbers_replies() -> None:
    raw = [
        message("x1", 5),
        message("x2", 1, reply_to="x1"),
        message("x3", 5, reply_to="missing"),
        message("", None),
        message("x4", 3, reply_to="x2"),
    ]
    conversation = finish(raw, source="chat.json", format="test")
    order = [m.text for m in conversation.messages]
    assert order == ["text x2", "text x4", "text x1", "text x3", "text "]
    ids = {m.text: m.id for m in conversation.messages}
    assert [m.id for m in conversation.messages] == ["m1", "m2", "m3", "m4", "m5"]
    by_text = {m.text: m for m in conversation.messages}
    assert by_text["text x2"].reply_to == ids["text x1"]
    assert by_text["text x4"].reply_to == ids["text x2"]
    assert by_text["text x3"].reply_to is None


def test_finish_keeps_undated_transcripts_in_order() -> None:
    raw = [message(f"t{i}", None, "A" if i % 2 else "B") for i in range(5)]
    conversation = finish(raw, source="t.txt", format="transcript")
    assert [m.text for m in conversation.messages] == [f"text t{i}" for i in range(5)]
