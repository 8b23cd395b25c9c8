from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from attune.conversation import Conversation, Message, Reaction
from attune.present.jsonl import iter_lines, write_jsonl

texts = st.text(max_size=30)
stamps = (
    st.none()
    | st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    )
    | st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
messages = st.builds(
    Message,
    id=texts,
    timestamp=stamps,
    sender=st.none() | texts,
    text=texts,
    kind=st.sampled_from(["message", "system"]),
    attachments=st.lists(texts, max_size=2).map(tuple),
    reply_to=st.none() | texts,
    edited=st.booleans(),
    deleted=st.booleans(),
    reactions=st.lists(st.builds(Reaction, st.none() | texts, texts), max_size=2).map(tuple),
)


@given(st.lists(messages, max_size=5))
def test_fast_lines_are_exactly_json_dumps(batch: list[Message]) -> None:
    expected = [json.dumps(m.to_dict(), ensure_ascii=False) + "\n" for m in batch]
    assert list(iter_lines(batch)) == expected


def test_equal_instants_in_other_zones_keep_their_own_offsets() -> None:
    utc = datetime(2024, 1, 1, 10, tzinfo=UTC)
    plus_one = datetime(2024, 1, 1, 11, tzinfo=timezone(timedelta(hours=1)))
    lines = list(iter_lines([Message("a", utc, "A", "x"), Message("b", plus_one, "B", "y")]))
    assert '"2024-01-01T10:00:00+00:00"' in lines[0]
    assert '"2024-01-01T11:00:00+01:00"' in lines[1]


def test_write_jsonl_replaces_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "chat.jsonl"
    out.write_text("old content\n")
    ms = [Message(f"m{i}", None, "A", f"line {i}") for i in range(50_001)]
    write_jsonl(Conversation(messages=ms), out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 50_001
    assert json.loads(lines[-1])["text"] == "line 50000"
    assert [p.name for p in tmp_path.iterdir()] == ["chat.jsonl"]
