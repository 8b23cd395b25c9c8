"""Signal importer: signal-export's chat.md and data.json, and chat-miner's sample."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.errors import ExportError
from attune.ingest import read_conversation
from attune.ingest.registry import ImportOptions
from attune.ingest.signal import sniff
from attune.ingest.source import Source
from tests.conftest import record as _msg
from tests.conftest import run_attune, shared_chat

# What signal-export (sigexport/models.py Message.to_md) writes: a reply to Sam's message with a
# quote, reactions appended on their own line, an image and a PDF linked after the body, a
# deleted message, a call, a sticker without a file and a sticker with one. (␣ marks the
# trailing spaces the exporter writes.)
CHAT_MD = """\
[2023-10-05 21:14:07] Sam: Are you home yet?␣␣

[2023-10-05 21:15:30] Me:␣

> Are you home yet?

Almost, 5 minutes
Love you␣␣
(- Sam: ❤️, Alex, Jr: 👍 -)

[2023-10-05 21:16:00] Sam:␣␣␣![2023-10-05T21-16-00.000_00_IMG 0042.jpg]\
(./media/2023-10-05T21-16-00.000_00_IMG%200042.jpg)␣␣[menu (1).pdf](./media/menu_(1).pdf)␣␣

[2023-10-05 21:17:00] Me: (This message was deleted)

[2023-10-05 21:18:00] Sam: Missed voice call␣␣

[2023-10-05 21:19:00] Me:␣␣␣
(( 😀 ))

[2023-10-05 21:20:00] Sam:␣␣␣[😘](../exported_stickers/pack1/7.webp)␣␣

""".replace("␣", " ")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _dicts(path: Path | str, fmt: str = "signal", **options: str) -> list[dict[str, object]]:
    conversation = read_conversation(path, fmt, ImportOptions(**options))
    return [m.to_dict() for m in conversation.messages]


def test_markdown_every_variant(tmp_path: Path) -> None:
    path = _write(tmp_path / "Sam" / "chat.md", CHAT_MD)
    conversation = read_conversation(path)  # auto-detected
    assert conversation.format == "signal"
    assert conversation.title == "Sam"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg("m1", "2023-10-05T21:14:07", "Sam", "Are you home yet?"),
        _msg(
            "m2",
            "2023-10-05T21:15:30",
            "Me",
            "Almost, 5 minutes\nLove you",
            reply_to="m1",
            reactions=[{"sender": "Sam", "emoji": "❤️"}, {"sender": "Alex, Jr", "emoji": "👍"}],
        ),
        _msg(
            "m3",
            "2023-10-05T21:16:00",
            "Sam",
            "",
            attachments=["2023-10-05T21-16-00.000_00_IMG 0042.jpg", "menu (1).pdf"],
        ),
        _msg("m4", "2023-10-05T21:17:00", "Me", "", deleted=True),
        _msg("m5", "2023-10-05T21:18:00", None, "Sam: Missed voice call", kind="system"),
        _msg("m6", "2023-10-05T21:19:00", "Me", "", attachments=["<omitted:sticker>"]),
        _msg("m7", "2023-10-05T21:20:00", "Sam", "", attachments=["7.webp"]),
    ]
    assert conversation.skipped == []


def test_me_option_names_the_exporting_person(tmp_path: Path) -> None:
    path = _write(tmp_path / "Sam" / "chat.md", CHAT_MD)
    conversation = read_conversation(path, "signal", ImportOptions(me="Alex"))
    assert [p.name for p in conversation.participants] == ["Sam", "Alex"]


def test_chatminer_sample() -> None:
    path = shared_chat("signal/chatminer_signal_test_export.txt")
    conversation = read_conversation(path)
    assert conversation.format == "signal"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg("m1", "2019-12-24T12:23:00", "Jane Doe", "Hello John!"),
        _msg("m2", "2020-01-17T21:49:00", "John Doe", "Hello\nJane!"),
    ]


DATA_JSON = [
    {
        "date": "2023-10-05T21:14:07.123000",
        "sender": "Sam",
        "body": "Are you home yet?  ",
        "quote": "",
        "sticker": None,
        "reactions": [["Note to Self", "❤️"]],
        "attachments": [],
        "deleted": False,
        "call": False,
        "missed": False,
    },
    {
        "date": "2023-10-05T21:15:30",
        "sender": "Me",
        "body": "Almost\nhome  ",
        "quote": "\n\n> Are you home yet?\n\n",
        "sticker": "",
        "reactions": [],
        "attachments": [{"name": "2023_IMG 1.jpg", "path": "media/2023_IMG%201.jpg"}],
        "edits": [{"date": "2023-10-05T21:15:00", "body": "Almost hom"}],
    },
    {
        "date": "2023-10-05T21:16:00",
        "sender": "Sam",
        "body": "  ",
        "quote": "",
        "sticker": {"id": "7", "packId": "p", "packKey": "k", "emoji": "😘", "extension": "webp"},
        "reactions": [{"name": "Me", "emoji": "😂"}],
        "attachments": [],
    },
    {"date": "2023-10-05T21:17:00", "sender": "Me", "body": "", "deleted": True},
    {"date": "2023-10-05T21:18:00", "sender": "Me", "body": "Outgoing voice call", "call": True},
    {"date": "2023-10-05T21:19:00", "sender": "Sam", "body": "  "},
    {"date": "2023-10-05T21:20:00", "sender": "No-Sender", "body": "who wrote this?  "},
]


def test_data_json_lines(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in DATA_JSON) + "\n"
    path = _write(tmp_path / "Sam" / "data.json", lines)
    conversation = read_conversation(path, "auto", ImportOptions(me="Alex"))
    assert conversation.format == "signal"
    assert [m.to_dict() for m in conversation.messages] == [
        _msg(
            "m1",
            "2023-10-05T21:14:07.123000",
            "Sam",
            "Are you home yet?",
            reactions=[{"sender": "Alex", "emoji": "❤️"}],
        ),
        _msg(
            "m2",
            "2023-10-05T21:15:30",
            "Alex",
            "Almost\nhome",
            attachments=["2023_IMG 1.jpg"],
            reply_to="m1",
            edited=True,
        ),
        _msg(
            "m3",
            "2023-10-05T21:16:00",
            "Sam",
            "",
            attachments=["7.webp"],
            reactions=[{"sender": "Alex", "emoji": "😂"}],
        ),
        _msg("m4", "2023-10-05T21:17:00", "Alex", "", deleted=True),
        _msg("m5", "2023-10-05T21:18:00", None, "Alex: Outgoing voice call", kind="system"),
        _msg("m6", "2023-10-05T21:20:00", None, "who wrote this?"),
    ]
    assert [(s.line, s.reason) for s in conversation.skipped] == [(6, "empty message")]


def test_folder_prefers_data_json_and_picks_chats(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(r) for r in DATA_JSON[:2]) + "\n"
    _write(tmp_path / "export" / "Sam" / "data.json", lines)
    _write(tmp_path / "export" / "Sam" / "chat.md", CHAT_MD)
    _write(tmp_path / "export" / "Kim" / "chat.md", "[2021-01-01 10:00] Kim: hi\n")
    assert len(_dicts(tmp_path / "export" / "Sam")) == 2  # data.json, not chat.md
    with pytest.raises(
        ExportError, match=r"2 Signal chats here; pick one with --chat \(Kim, Sam\)"
    ):
        read_conversation(tmp_path / "export", "signal")
    assert _dicts(tmp_path / "export", chat="kim") == [
        _msg("m1", "2021-01-01T10:00:00", "Kim", "hi")
    ]
    assert read_conversation(tmp_path / "export", "auto", ImportOptions(chat="Kim")).format == (
        "signal"
    )
    with pytest.raises(ExportError, match="no Signal chat folder named 'Bo'"):
        read_conversation(tmp_path / "export", "signal", ImportOptions(chat="Bo"))


def test_text_before_first_message_is_skipped_not_lost(tmp_path: Path) -> None:
    path = _write(tmp_path / "chat.md", "stray line\n[2021-01-01 10:00] Kim: hi\n")
    conversation = read_conversation(path, "signal")
    assert [(s.line, s.reason, s.excerpt) for s in conversation.skipped] == [
        (1, "text before the first message", "stray line")
    ]


def test_single_line_body_that_looks_like_reactions_stays_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "chat.md", "[2021-01-01 10:00] Kim: (- not: reactions -)  \n")
    assert _dicts(path)[0]["text"] == "(- not: reactions -)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("01/01/2021, 10:00 - Kim: hi\n", "no Signal messages found"),
        ('{"date": "2021-01-01T10:00:00", "sender": "Kim", "body": "hi"}\n{"date": "20', "line"),
        ("[1, 2]", "not a signal-export data.json"),
    ],
)
def test_wrong_or_truncated_input_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = _write(tmp_path / "chat.txt", content)
    with pytest.raises(ExportError, match=message) as info:
        read_conversation(path, "signal")
    assert str(path) in str(info.value)


def test_truncated_json_line_names_the_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "data.json", '{"date": "2021-01-01T10:00:00", "sender": "K", "body": "a"}\n{"da'
    )
    with pytest.raises(ExportError) as info:
        read_conversation(path, "signal")
    assert info.value.line == 2


def test_binary_and_empty_input(tmp_path: Path) -> None:
    binary = tmp_path / "chat.md"
    binary.write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    with pytest.raises(ExportError, match="binary"):
        read_conversation(binary, "signal")
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    with pytest.raises(ExportError, match="empty"):
        read_conversation(empty, "signal")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(ExportError, match="no Signal chat here"):
        read_conversation(tmp_path / "nothing", "signal")


def test_sniff_scores(tmp_path: Path) -> None:
    md = _write(tmp_path / "Sam" / "chat.md", CHAT_MD)
    data = _write(tmp_path / "data.json", json.dumps(DATA_JSON[0]) + "\n")
    whatsapp = _write(tmp_path / "w.txt", "12/24/19, 11:23 - John Doe: Lorem ipsum\n")
    telegram = _write(tmp_path / "result.json", '{"name": "x", "messages": [{"id": 1}]}')
    assert sniff(Source(md)) >= 0.9
    assert sniff(Source(md.parent)) >= 0.9
    assert sniff(Source(data)) >= 0.9
    assert sniff(Source(whatsapp)) == 0.0
    assert sniff(Source(telegram)) == 0.0
    assert sniff(Source(tmp_path / "missing.md")) == 0.0


def test_cli_jsonl_and_summary(tmp_path: Path) -> None:
    path = _write(tmp_path / "Sam" / "chat.md", CHAT_MD)
    result = run_attune("import", str(path), "--format", "signal", "--me", "Alex")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [f"m{i}" for i in range(1, 8)]
    assert records[1] == _msg(
        "m2",
        "2023-10-05T21:15:30",
        "Alex",
        "Almost, 5 minutes\nLove you",
        reply_to="m1",
        reactions=[{"sender": "Sam", "emoji": "❤️"}, {"sender": "Alex, Jr", "emoji": "👍"}],
    )
    summary = run_attune("import", str(path), "--summary")
    assert summary.returncode == 0, summary.stderr
    assert "(signal)" in summary.stdout
    assert "messages: 6" in summary.stdout
    assert "system messages: 1" in summary.stdout
    assert "first: 2023-10-05T21:14:07" in summary.stdout
    assert "skipped: 0" in summary.stdout
    bad = run_attune("import", str(_write(tmp_path / "x.txt", "hello\n")), "--format", "signal")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: ") and "x.txt:1: no Signal messages" in bad.stderr


# --- Round trip: whatever signal-export can write, we read back exactly -----------------------


@dataclass(frozen=True)
class Post:
    sender: str
    text: str
    attachments: tuple[str, ...]
    reactions: tuple[tuple[str, str], ...]
    deleted: bool
    quotes_previous: bool
    gap: int


_WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCÉéü0123456789.,!?'-❤😀"),
    min_size=1,
    max_size=8,
)
_LINE = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)
_NAMES = st.sampled_from(["Sam", "Me", "Alex Doe", "Zoë", "Kim, Jr"])
_FILE = st.builds(
    lambda stem, ext: f"{stem}.{ext}",
    st.from_regex(r"[A-Za-z0-9_()\-]([A-Za-z0-9_ ()\-]{0,10}[A-Za-z0-9_()\-])?", fullmatch=True),
    st.sampled_from(["jpg", "png", "pdf", "m4a"]),
)
_POST = st.builds(
    Post,
    sender=_NAMES,
    text=st.lists(_LINE, max_size=3).map("\n".join),
    attachments=st.lists(_FILE, max_size=2).map(tuple),
    reactions=st.lists(st.tuples(_NAMES, st.sampled_from(["❤️", "👍", "😂"])), max_size=3).map(
        tuple
    ),
    deleted=st.booleans(),
    quotes_previous=st.booleans(),
    gap=st.integers(min_value=1, max_value=10_000),
).filter(lambda p: p.deleted or p.text or p.attachments)


def _quote_block(quote: str) -> str:
    return f"\n\n> {quote.replace(chr(10), chr(10) + '> ')}\n\n" if quote else ""


def _to_md(ts: datetime, post: Post, quote: str) -> str:
    """signal-export's Message.to_md, written out."""
    stamp = ts.strftime("%Y-%m-%d %H:%M:%S")
    if post.deleted:
        return f"[{stamp}] {post.sender}: (This message was deleted)\n"
    body = f"{post.text}  "
    if post.reactions:
        body += "\n(- " + ", ".join(f"{n}: {e}" for n, e in post.reactions) + " -)"
    for name in post.attachments:
        body += "!" if name.endswith((".jpg", ".png")) else ""
        body += f"[{name}](./media/{name.replace(' ', '%20')})  "
    return f"[{stamp}] {post.sender}: {_quote_block(quote)}{body}\n"


def _to_json(ts: datetime, post: Post, quote: str) -> str:
    """signal-export's Message.dict_str, written out."""
    record = {
        "date": ts.isoformat(),
        "sender": post.sender,
        "body": "" if post.deleted else f"{post.text}  ",
        "quote": _quote_block(quote),
        "sticker": None,
        "reactions": [list(r) for r in post.reactions],
        "attachments": [
            {"name": n, "path": "media/" + n.replace(" ", "%20")} for n in post.attachments
        ],
        "deleted": post.deleted,
        "call": False,
        "missed": False,
    }
    return json.dumps(record, ensure_ascii=False)


def _expected(
    posts: list[Post], as_json: bool
) -> tuple[list[datetime], list[str], list[dict[str, object]]]:
    """Each post's time and quote, and the messages a reader must recover.

    The Markdown drops a deleted message's quote and reactions; data.json keeps them, and so
    do we."""
    ts = datetime(2022, 3, 14, 8, 0, 0)
    stamps: list[datetime] = []
    quotes: list[str] = []
    expected: list[dict[str, object]] = []
    latest: dict[str, str] = {}
    for number, post in enumerate(posts, 1):
        ts += timedelta(seconds=post.gap)
        previous = str(expected[-1]["text"]) if expected else ""
        quote = previous if post.quotes_previous and (as_json or not post.deleted) else ""
        stamps.append(ts)
        quotes.append(quote)
        reactions = [] if post.deleted and not as_json else post.reactions
        expected.append(
            _msg(
                f"m{number}",
                ts.isoformat(),
                post.sender,
                "" if post.deleted else post.text,
                attachments=[] if post.deleted else list(post.attachments),
                reply_to=latest.get(quote) if quote else None,
                deleted=post.deleted,
                reactions=[{"sender": n, "emoji": e} for n, e in reactions],
            )
        )
        if not post.deleted and post.text:
            latest[post.text] = f"m{number}"
    return stamps, quotes, expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(posts=st.lists(_POST, min_size=1, max_size=8), as_json=st.booleans())
def test_round_trip(tmp_path: Path, posts: list[Post], as_json: bool) -> None:
    stamps, quotes, expected = _expected(posts, as_json)
    write, name = (_to_json, "data.json") if as_json else (_to_md, "chat.md")
    content = "\n".join(write(*args) for args in zip(stamps, posts, quotes, strict=True))
    path = _write(tmp_path / "rt" / name, content + "\n")
    assert _dicts(path) == expected
