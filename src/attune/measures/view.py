"""The conversation as the measures read it: structure, per-message signals, and shared readings.

Several measures ask the same questions of a message — is it distress, is this reply caring, is
it hostile, is the exchange in conflict — so they are answered once, here, from the signals
(codebook meanings) and the structure (:mod:`.exchanges`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from attune.measures.bids import AFFECTION, HOSTILE, LOGISTICS, Bid
from attune.measures.evidence import Evidence
from attune.measures.exchanges import Structure
from attune.measures.trends import week_of, weeks_between

Signal = Mapping[str, Any]

DISTRESS_EMOTIONS = frozenset(
    {"sadness", "fear", "nervousness", "grief", "disappointment", "remorse", "embarrassment"}
)
CARE_EMOTIONS = frozenset({"caring", "love", "sadness", "admiration", "gratitude"})
CARE_LISTENING = frozenset({"restatement", "reflection_of_feelings", "affirmation"})
POSITIVE_VALENCE = 0.3
NEGATIVE_VALENCE = -0.3
_QUESTION_TO_PARTNER = re.compile(r"\b(?:you|u|your|ur|yours|yourself)\b", re.IGNORECASE)


@dataclass
class View:  # not slotted: cached properties need a __dict__
    """A structured conversation with its signals and bids, and the readings measures share."""

    structure: Structure
    signals: Sequence[Signal]
    bids: list[Bid]

    @functools.cached_property
    def weeks(self) -> list[str]:
        stamps = [m.timestamp for m in self.structure.messages if m.timestamp is not None]
        return weeks_between(min(stamps), max(stamps)) if stamps else []

    @functools.cached_property
    def bid_at(self) -> dict[int, Bid]:
        return {b.message: b for b in self.bids}

    @functools.cached_property
    def conflict_exchanges(self) -> frozenset[int]:
        """Exchanges with a horseman or an invalidation, or two angry messages."""
        out: set[int] = set()
        angry: dict[int, int] = {}
        for i, s in enumerate(self.signals):
            ex = self.structure.exchange_of[i]
            if s.get("horseman") or s.get("validation") == "invalidating":
                out.add(ex)
            labels = set(s.get("emotion_labels") or ())
            if labels & {"anger", "annoyance", "disapproval", "disgust"}:
                angry[ex] = angry.get(ex, 0) + 1
        out.update(ex for ex, n in angry.items() if n >= 2)
        return frozenset(out)

    # ----------------------------------------------------------------- per message

    def text(self, i: int) -> str:
        return self.structure.messages[i].text

    def sender(self, i: int) -> str:
        sender = self.structure.messages[i].sender
        assert sender is not None  # the structure keeps authored messages only
        return sender

    def timestamp(self, i: int) -> datetime | None:
        return self.structure.messages[i].timestamp

    def week(self, i: int) -> str | None:
        ts = self.timestamp(i)
        return week_of(ts) if ts is not None else None

    def valence(self, i: int) -> float:
        return float(self.signals[i].get("valence", 0.0))

    def labels(self, i: int) -> set[str]:
        return set(self.signals[i].get("emotion_labels") or ())

    def is_distress(self, i: int) -> bool:
        """A message that shares pain: a distress emotion or an unpleasant vulnerable disclosure."""
        s = self.signals[i]
        if s.get("horseman"):
            return False
        return bool(self.labels(i) & DISTRESS_EMOTIONS) or (
            int(s.get("disclosure", 0)) >= 2 and self.valence(i) <= NEGATIVE_VALENCE
        )

    def is_hostile(self, i: int) -> bool:
        s = self.signals[i]
        return s.get("horseman") in HOSTILE or s.get("validation") == "invalidating"

    def is_caring(self, i: int) -> bool:
        """A reply that shows care: empathy, validation, caring words, reflection or affirmation."""
        s = self.signals[i]
        if self.is_hostile(i):
            return False
        empathy = s.get("empathy") or {}
        return (
            any(int(v) > 0 for v in empathy.values())
            or s.get("validation") == "validating"
            or bool(self.labels(i) & CARE_EMOTIONS)
            or s.get("listening") in CARE_LISTENING
            or s.get("question_type") == "open"
            or bool(AFFECTION.search(self.text(i)))
        )

    def is_partner_question(self, i: int) -> bool:
        """A question about the partner (their life, feelings, views), not logistics."""
        s = self.signals[i]
        if s.get("question_type") is None:
            return False
        text = self.text(i)
        return bool(_QUESTION_TO_PARTNER.search(text)) and not LOGISTICS.search(text)

    def is_positive(self, i: int) -> bool:
        s = self.signals[i]
        return (
            self.valence(i) >= POSITIVE_VALENCE
            or bool(s.get("antidote"))
            or bool(s.get("repair"))
            or s.get("validation") == "validating"
        ) and not self.is_hostile(i)

    def is_negative(self, i: int) -> bool:
        return (
            bool(self.signals[i].get("horseman"))
            or self.signals[i].get("validation") == "invalidating"
            or self.valence(i) <= NEGATIVE_VALENCE
        )

    # ----------------------------------------------------------------- replies

    def reply_to(self, i: int) -> list[int]:
        """The partner's next turn after message ``i``, inside its exchange ([] if none)."""
        turn = self.structure.next_turn(self.structure.turn_of[i])
        return list(turn.messages) if turn is not None else []

    def answered(self, i: int) -> list[int]:
        """The last message of the partner's turn that message ``i``'s turn answers ([] if none)."""
        answers = self.structure.turns[self.structure.turn_of[i]].answers
        return [self.structure.turns[answers].messages[-1]] if answers is not None else []

    def is_reply(self, i: int) -> bool:
        return self.structure.turns[self.structure.turn_of[i]].answers is not None

    # ----------------------------------------------------------------- evidence

    def ids(self, indexes: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.structure.messages[i].id for i in indexes)

    def evidence(self, indexes: Sequence[int], why: str) -> Evidence:
        ex = self.structure.exchange_of[indexes[0]] if indexes else None
        return Evidence(self.ids(indexes), ex, why)
