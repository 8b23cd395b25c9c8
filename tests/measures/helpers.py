"""Builders for measure tests: a conversation from (minute, sender, text) rows, neutral signals.

Measures are pure functions of a :class:`~attune.measures.exchanges.Structure` and per-message
signal dicts, so tests build both by hand and only set the fields a measure reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from attune.conversation import Conversation, Message, Reaction
from attune.measures.analysis import measure_all
from attune.measures.bids import Bid, find_bids
from attune.measures.exchanges import Structure, structure
from attune.measures.view import View
from attune.signals.annotate import GOEMOTIONS

START = datetime(2025, 3, 3, 9, 0)  # a Monday: ISO week 2025-W10
WEEK = "2025-W10"

Row = tuple[Any, ...]  # (minute | None, sender | None, text) or (..., {Message field overrides})


def at(minute: float | None) -> datetime | None:
    """The timestamp ``minute`` minutes after :data:`START` (None stays None: a transcript)."""
    return None if minute is None else START + timedelta(minutes=minute)


def chat(rows: Sequence[Row], source: str = "test chat") -> Conversation:
    """A conversation with ids m1, m2, …; a fourth item overrides Message fields, e.g.
    ``{"kind": "system"}``, ``{"deleted": True}`` or ``{"reactions": [("B", "❤")]}``."""
    messages = []
    for n, row in enumerate(rows, start=1):
        minute, sender, text = row[:3]
        extra: dict[str, Any] = dict(row[3]) if len(row) > 3 else {}
        if "reactions" in extra:
            extra["reactions"] = tuple(Reaction(s, e) for s, e in extra["reactions"])
        messages.append(
            Message(id=f"m{n}", timestamp=at(minute), sender=sender, text=text, **extra)
        )
    return Conversation(messages, source=source)


def sig(text: str = "", **overrides: Any) -> dict[str, Any]:
    """A neutral signals record with every field of the annotate contract (interfaces.md §2) plus
    the added ``valence``, ``arousal`` and ``counts``; ``overrides`` replace fields."""
    record: dict[str, Any] = {
        "emotions": {label: (1.0 if label == "neutral" else 0.0) for label in GOEMOTIONS},
        "emotion_labels": ["neutral"],
        "listening": "other",
        "empathy": {"emotional_reactions": 0, "interpretations": 0, "explorations": 0},
        "mi_behaviour": "other",
        "question_type": None,
        "reflection_type": None,
        "intimacy": 0.0,
        "validation": None,
        "disclosure": 0,
        "horseman": None,
        "antidote": None,
        "repair": False,
        "safety": [],
        "valence": 0.0,
        "arousal": 0.0,
        "counts": {
            "words": len(text.split()),
            "i": 0,
            "we": 0,
            "you": 0,
            "absolutist": 0,
            "emoji": 0,
        },
        "cues": [],
    }
    record.update(overrides)
    return record


def signals(
    struct: Structure, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One :func:`sig` per analysed message (words counted from its text), with ``overrides``
    by message id."""
    extra = overrides or {}
    return [{"id": m.id, **sig(m.text, **extra.get(m.id, {}))} for m in struct.messages]


def view_of(rows: Sequence[Row], overrides: Mapping[str, Mapping[str, Any]] | None = None) -> View:
    """A :class:`View` of a built chat: structure, signals (with overrides by id) and its bids."""
    struct = structure(chat(rows))
    sigs = signals(struct, overrides)
    return View(struct, sigs, find_bids(struct, sigs))


def bids_of(
    rows: Sequence[Row], overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Bid]:
    return view_of(rows, overrides).bids


def analyse(
    rows: Sequence[Row], overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[View, dict[str, Any]]:
    """Every measure of a built chat (``measure_all``), with the view its bids came from."""
    struct = structure(chat(rows))
    sigs = signals(struct, overrides)
    bids, metrics = measure_all(struct, sigs)
    return View(struct, sigs, bids), metrics


def ids_at(view: View, indexes: Sequence[int]) -> list[str]:
    return [view.structure.messages[i].id for i in indexes]


def cited_ids(value: Any) -> Iterator[str]:
    """Every message id a measure's JSON names (evidence, message_ids, context ids, quotes)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("message_ids", "context_ids"):
                for ids in item.values() if isinstance(item, Mapping) else [item]:
                    yield from ids
            elif key == "id" and isinstance(item, str):
                yield item
            else:
                yield from cited_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from cited_ids(item)
