"""Exchanges and turns: the structure every measure is counted in.

An *exchange* is a stretch of conversation without a long silence. What counts as long adapts to
the couple: texting gaps are bimodal (seconds to minutes inside a conversation, hours between
them), so the split is the gap that best separates the two modes of the couple's own log-gaps
(Otsu's threshold), kept between 20 minutes and 8 hours. A *turn* is one partner's run of
consecutive messages inside an exchange; the turn after it, by the other partner, answers it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from attune.conversation import Conversation, Message
from attune.errors import AttuneError

MIN_GAP_S = 20 * 60.0
MAX_GAP_S = 8 * 3600.0
DEFAULT_GAP_S = 2 * 3600.0  # too few gaps to learn a rhythm from
MIN_GAPS_TO_ADAPT = 20


@dataclass(slots=True)
class Turn:
    """One partner's consecutive messages inside an exchange (indexes into the message list)."""

    sender: str
    messages: list[int]
    answers: int | None = None  # index of the turn it answers (the other partner's turn before)
    latency_s: float | None = None  # from the answered turn's last message to this turn's first


@dataclass(slots=True)
class Exchange:
    """A stretch of conversation between silences: who opened it and its turns."""

    index: int
    messages: list[int]
    turns: list[int] = field(default_factory=list)

    @property
    def opener(self) -> int:
        return self.messages[0]


@dataclass(slots=True)
class Structure:
    """A conversation cut into exchanges and turns, with the per-message lookups measures need."""

    messages: list[Message]
    partners: tuple[str, str]
    gap_s: float
    exchanges: list[Exchange]
    turns: list[Turn]
    exchange_of: list[int]  # message index -> exchange index
    turn_of: list[int]  # message index -> turn index

    def partner_of(self, sender: str) -> str:
        a, b = self.partners
        return b if sender == a else a

    def next_turn(self, turn: int) -> Turn | None:
        """The following turn in the same exchange (the other partner's, by construction)."""
        t = self.turns[turn]
        nxt = turn + 1
        if nxt < len(self.turns) and self.turn_exchange(nxt) == self.turn_exchange(turn):
            return self.turns[nxt] if self.turns[nxt].sender != t.sender else None
        return None

    def turn_exchange(self, turn: int) -> int:
        return self.exchange_of[self.turns[turn].messages[0]]


def couple(conversation: Conversation) -> tuple[str, str]:
    """The two partners: the two most active authors (a couple's chat may hold a stray third)."""
    people = [p.name for p in conversation.participants]
    if len(people) < 2:
        where = conversation.source or "the conversation"
        raise AttuneError(f"{where}: analysis needs messages from two people, found {len(people)}")
    return people[0], people[1]


def analysable(conversation: Conversation, partners: Sequence[str]) -> list[Message]:
    """The partners' own messages: no system notices, deleted messages or third parties."""
    keep = set(partners)
    return [
        m
        for m in conversation.messages
        if m.kind == "message" and not m.deleted and m.sender in keep
    ]


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds()


def silence_threshold(gaps_s: Sequence[float]) -> float:
    """The silence that separates exchanges for this couple (Otsu on log-gaps, clamped)."""
    logs = sorted(math.log10(max(g, 1.0)) for g in gaps_s if g >= 0)
    if len(logs) < MIN_GAPS_TO_ADAPT:
        return DEFAULT_GAP_S
    n = len(logs)
    total = sum(logs)
    best, best_var = logs[-1], -1.0
    below = 0.0
    for i in range(n - 1):
        below += logs[i]
        if logs[i] == logs[i + 1]:
            continue
        w0, w1 = (i + 1) / n, (n - i - 1) / n
        m0, m1 = below / (i + 1), (total - below) / (n - i - 1)
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best_var:
            best_var, best = between, (logs[i] + logs[i + 1]) / 2
    return min(MAX_GAP_S, max(MIN_GAP_S, 10**best))


def structure(conversation: Conversation, partners: tuple[str, str] | None = None) -> Structure:
    """Cut the partners' messages into exchanges (adaptive silence) and turns."""
    pair = partners or couple(conversation)
    messages = analysable(conversation, pair)
    gaps = [
        g
        for a, b in itertools.pairwise(messages)
        if (g := _seconds(a.timestamp, b.timestamp)) is not None
    ]
    gap_s = silence_threshold(gaps)
    exchanges: list[Exchange] = []
    turns: list[Turn] = []
    exchange_of: list[int] = []
    turn_of: list[int] = []
    last_seen: datetime | None = None  # a message without a time does not bridge a silence
    for i, m in enumerate(messages):
        assert m.sender is not None  # analysable() keeps authored messages only
        prev = messages[i - 1] if i else None
        gap = _seconds(last_seen, m.timestamp)
        last_seen = m.timestamp or last_seen
        if prev is None or (gap is not None and gap > gap_s):
            exchanges.append(Exchange(len(exchanges), []))
        ex = exchanges[-1]
        if prev is None or not ex.messages or turns[-1].sender != m.sender:
            turn = Turn(m.sender, [])
            if ex.messages:  # the other partner's turn just before, in this exchange
                answered = len(turns) - 1
                turn.answers = answered
                last = messages[turns[answered].messages[-1]]
                turn.latency_s = _seconds(last.timestamp, m.timestamp)
            ex.turns.append(len(turns))
            turns.append(turn)
        turns[-1].messages.append(i)
        ex.messages.append(i)
        exchange_of.append(ex.index)
        turn_of.append(len(turns) - 1)
    return Structure(messages, pair, gap_s, exchanges, turns, exchange_of, turn_of)
