"""The conversation as the measures read it: structure, per-message signals, and shared readings.

Several measures ask the same questions of a message — is it distress, is this reply caring, is
it hostile, is the exchange in conflict — so they are answered once, here, from the signals
(codebook meanings) and the structure (:mod:`.exchanges`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from attune.measures.bids import AFFECTION, HOSTILE, LOGISTICS, Bid, Lowered
from attune.measures.evidence import Evidence
from attune.measures.exchanges import Structure
from attune.measures.style import word_counts
from attune.measures.trends import week_of, weeks_between

Signal = Mapping[str, Any]

DISTRESS_EMOTIONS = frozenset(
    {"sadness", "fear", "nervousness", "grief", "disappointment", "remorse", "embarrassment"}
)
CARE_EMOTIONS = frozenset({"caring", "love", "sadness", "admiration", "gratitude"})
CARE_LISTENING = frozenset({"restatement", "reflection_of_feelings", "affirmation"})
POSITIVE_VALENCE = 0.3
NEGATIVE_VALENCE = -0.3
_QUESTION_TO_PARTNER = Lowered(r"\b(?:you|u|your|ur|yours|yourself)\b")


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
    def word_counts(self) -> list[tuple[int, ...]]:
        """Each message's word count and function-word category counts (style matching); each
        distinct text tokenised once (over a third of a long chat's messages repeat a text)."""
        counted: dict[str, tuple[int, ...]] = {}
        return [
            counted.get(m.text) or counted.setdefault(m.text, word_counts(m.text))
            for m in self.structure.messages
        ]

    @functools.cached_property
    def senders(self) -> list[str]:
        return [str(m.sender) for m in self.structure.messages]

    @functools.cached_property
    def weeks_of(self) -> list[str | None]:
        """Each message's ISO week (None when undated)."""
        return [
            None if m.timestamp is None else week_of(m.timestamp) for m in self.structure.messages
        ]

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
        return self.senders[i]

    def week(self, i: int) -> str | None:
        return self.weeks_of[i]

    def valence(self, i: int) -> float:
        return self.valences[i]

    def labels(self, i: int) -> frozenset[str]:
        return self.label_sets[i]

    def is_distress(self, i: int) -> bool:
        """A message that shares pain: a distress emotion or an unpleasant vulnerable disclosure."""
        return self.readings[i][0]

    def is_hostile(self, i: int) -> bool:
        """Criticism, contempt, defensiveness or invalidation."""
        return self.readings[i][1]

    def is_caring(self, i: int) -> bool:
        """A reply that shows care: empathy, validation, caring words, reflection or affirmation."""
        return self.readings[i][2]

    def is_partner_question(self, i: int) -> bool:
        """A question about the partner (their life, feelings, views), not logistics."""
        return self.readings[i][3]

    def is_positive(self, i: int) -> bool:
        """Warmth, an antidote, a repair or validation — and not hostile."""
        return self.readings[i][4]

    def is_negative(self, i: int) -> bool:
        """A horseman, an invalidation, or a clearly unpleasant message."""
        return self.readings[i][5]

    # ----------------------------------------------------------------- read once

    @functools.cached_property
    def valences(self) -> list[float]:
        return [float(s.get("valence", 0.0)) for s in self.signals]

    @functools.cached_property
    def label_sets(self) -> list[frozenset[str]]:
        return [frozenset(s.get("emotion_labels") or ()) for s in self.signals]

    @functools.cached_property
    def readings(self) -> list[tuple[bool, bool, bool, bool, bool, bool]]:
        """Per message, computed once: (distress, hostile, caring, partner question, positive,
        negative) — the questions many measures ask of the same message."""
        out = []
        for i, s in enumerate(self.signals):
            labels, valence, text = self.label_sets[i], self.valences[i], self.text(i)
            horseman, validation = s.get("horseman"), s.get("validation")
            hostile = horseman in HOSTILE or validation == "invalidating"
            distress = not horseman and (
                bool(labels & DISTRESS_EMOTIONS)
                or (int(s.get("disclosure", 0)) >= 2 and valence <= NEGATIVE_VALENCE)
            )
            empathy = s.get("empathy") or {}
            caring = not hostile and (
                any(int(v) > 0 for v in empathy.values())
                or validation == "validating"
                or bool(labels & CARE_EMOTIONS)
                or s.get("listening") in CARE_LISTENING
                or s.get("question_type") == "open"
                or bool(AFFECTION.search(text))
            )
            question = (
                s.get("question_type") is not None
                and bool(_QUESTION_TO_PARTNER.search(text))
                and not LOGISTICS.search(text)
            )
            positive = not hostile and (
                valence >= POSITIVE_VALENCE
                or bool(s.get("antidote"))
                or bool(s.get("repair"))
                or validation == "validating"
            )
            negative = bool(horseman) or validation == "invalidating" or valence <= NEGATIVE_VALENCE
            out.append((distress, hostile, caring, question, positive, negative))
        return out

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

    @functools.cached_property
    def message_ids(self) -> list[str]:
        return [m.id for m in self.structure.messages]

    def ids(self, indexes: Sequence[int]) -> tuple[str, ...]:
        every = self.message_ids
        return tuple(every[i] for i in indexes)

    def evidence(self, indexes: Sequence[int], why: str) -> Evidence:
        ex = self.structure.exchange_of[indexes[0]] if indexes else None
        return Evidence(self.ids(indexes), ex, why)
