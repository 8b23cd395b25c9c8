"""Exchanges and turns: adaptive silence threshold, turns, answers, latency, who the couple is."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attune.errors import AttuneError
from attune.measures.exchanges import (
    DEFAULT_GAP_S,
    MAX_GAP_S,
    MIN_GAP_S,
    couple,
    silence_threshold,
    structure,
)
from tests.measures.helpers import chat

H = 3600.0

# --- silence_threshold ---------------------------------------------------------------------------


def test_fewer_than_twenty_gaps_give_the_two_hour_default() -> None:
    assert DEFAULT_GAP_S == 2 * H
    assert silence_threshold([]) == 2 * H
    assert silence_threshold([60.0] * 10 + [10 * H] * 9) == 2 * H  # 19 gaps: too few to adapt
    # negative gaps (clock went backwards) are not gaps: 19 real ones are still too few
    assert silence_threshold([60.0] * 19 + [-5.0] * 5) == 2 * H


def test_twenty_gaps_are_enough_to_adapt() -> None:
    # 10 gaps of 1 min and 10 of 10 h: Otsu splits between the modes, at their geometric mean
    # (the midpoint of log10(60) and log10(36000)): sqrt(60 * 36000) = 1469.69 s
    assert silence_threshold([60.0] * 10 + [10 * H] * 10) == pytest.approx(math.sqrt(60 * 36000))


def test_bimodal_gaps_split_between_the_modes() -> None:
    inside = [30.0 + 3 * k for k in range(31)]  # 30 s .. 120 s, within conversations
    between = [5 * H, 6 * H, 7 * H, 8 * H, 9 * H, 10 * H]  # overnight-ish silences
    threshold = silence_threshold(inside + between)
    assert max(inside) < threshold < min(between)
    assert MIN_GAP_S <= threshold <= MAX_GAP_S
    # the cut falls between the largest short gap and the smallest long one, in log space:
    # 10 ** ((log10(120) + log10(18000)) / 2) = sqrt(120 * 18000) = 1469.69 s (24.5 min)
    assert threshold == pytest.approx(math.sqrt(120 * 18000))


def test_order_of_gaps_does_not_matter() -> None:
    gaps = [45.0] * 15 + [6 * H] * 8 + [90.0] * 10
    assert silence_threshold(gaps) == silence_threshold(sorted(gaps, reverse=True))


def test_threshold_is_clamped_below_at_twenty_minutes() -> None:
    # modes at 2 s and 10 s would split at sqrt(20) = 4.5 s: far too short for a silence
    assert silence_threshold([2.0] * 20 + [10.0] * 20) == MIN_GAP_S == 20 * 60


def test_threshold_is_clamped_above_at_eight_hours() -> None:
    # modes at 1 h and 3 days would split at sqrt(3600 * 259200) = 30547 s > 8 h
    assert silence_threshold([H] * 20 + [72 * H] * 20) == MAX_GAP_S == 8 * H


# --- structure -----------------------------------------------------------------------------------


def test_exchanges_split_at_silences_longer_than_the_threshold() -> None:
    conv = chat(
        [
            (0, "A", "hi"),
            (120, "B", "hey, sorry, was out"),  # exactly 2 h: not longer than the threshold
            (241, "A", "you there?"),  # 2 h 1 min: a new exchange
            (242, "B", "yes"),
        ]
    )
    s = structure(conv)
    assert s.gap_s == 2 * H  # 3 gaps: the default
    assert [ex.messages for ex in s.exchanges] == [[0, 1], [2, 3]]
    assert [ex.index for ex in s.exchanges] == [0, 1]
    assert s.exchange_of == [0, 0, 1, 1]
    assert [ex.opener for ex in s.exchanges] == [0, 2]


def test_turns_merge_consecutive_messages_and_answer_the_partner() -> None:
    conv = chat(
        [
            (0, "A", "guess what"),
            (1, "A", "I got the job!!"),
            (3.5, "B", "no way"),
            (4, "B", "tell me everything"),
            (10, "A", "starting in May"),
            (300, "B", "morning"),  # 4 h 50 min later: a new exchange
            (301, "B", "sleep ok?"),
            (302, "A", "yes"),
        ]
    )
    s = structure(conv)
    assert [(t.sender, t.messages) for t in s.turns] == [
        ("A", [0, 1]),
        ("B", [2, 3]),
        ("A", [4]),
        ("B", [5, 6]),
        ("A", [7]),
    ]
    assert s.turn_of == [0, 0, 1, 1, 2, 3, 3, 4]
    assert [ex.turns for ex in s.exchanges] == [[0, 1, 2], [3, 4]]
    # answers: the partner's previous turn in the exchange; never across exchanges
    assert [t.answers for t in s.turns] == [None, 0, 1, None, 3]
    # latency: from the answered turn's last message to this turn's first
    # turn 1: 3.5 min - 1 min = 150 s; turn 2: 10 min - 4 min = 360 s; turn 4: 302 - 301 = 60 s
    assert [t.latency_s for t in s.turns] == [None, 150.0, 360.0, None, 60.0]
    assert s.next_turn(0) is s.turns[1]
    assert s.next_turn(2) is None  # the exchange ends: no reply
    assert s.turn_exchange(3) == 1
    assert s.partners == ("A", "B")
    assert s.partner_of("A") == "B" and s.partner_of("B") == "A"


def test_system_deleted_and_third_party_messages_are_left_out() -> None:
    conv = chat(
        [
            (0, None, "Messages are end-to-end encrypted.", {"kind": "system"}),
            (1, "A", "are you coming tonight?"),
            (2, "C", "wrong chat sorry"),
            (3, "A", "it's at 8"),
            (4, "B", "This message was deleted", {"deleted": True}),
            (5, "B", "yes!"),
            (6, "A", "yay"),
            (7, "B", "see you there"),
        ]
    )
    s = structure(conv)
    assert s.partners == ("A", "B")
    assert [m.id for m in s.messages] == ["m2", "m4", "m6", "m7", "m8"]
    # without C's message between them, A's two messages are one turn
    assert [(t.sender, t.messages) for t in s.turns] == [
        ("A", [0, 1]),
        ("B", [2]),
        ("A", [3]),
        ("B", [4]),
    ]
    # B's reply (minute 5) answers A's last message (minute 3), not the deleted one
    assert s.turns[1].latency_s == 120.0


def test_couple_is_the_two_most_active_authors() -> None:
    conv = chat(
        [
            (0, "Sam", "hi all"),
            (1, "Alex", "hey"),
            (2, "Jo", "hi"),
            (3, "Alex", "how are you"),
            (4, "Jo", "good"),
            (5, "Alex", "nice"),
            (6, None, "Jo changed the subject", {"kind": "system"}),
        ]
    )
    assert couple(conv) == ("Alex", "Jo")  # 3 and 2 messages; Sam's 1 is a stray third
    s = structure(conv)
    assert [m.id for m in s.messages] == ["m2", "m3", "m4", "m5", "m6"]


def test_couple_ties_go_to_who_wrote_first() -> None:
    conv = chat([(0, "B", "x"), (1, "C", "y"), (2, "A", "z"), (3, "A", "z"), (4, "C", "y")])
    assert couple(conv) == ("C", "A")  # C and A have 2; C appears first


def test_partners_can_be_given() -> None:
    conv = chat([(0, "A", "x"), (1, "A", "x"), (2, "B", "y"), (3, "C", "z"), (4, "B", "y")])
    s = structure(conv, ("B", "C"))
    assert s.partners == ("B", "C")
    assert [m.id for m in s.messages] == ["m3", "m4", "m5"]


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [(0, "A", "hello?"), (1, "A", "anyone")],
        [(0, None, "A created the group", {"kind": "system"}), (1, "A", "hi")],
    ],
)
def test_analysis_needs_two_people(rows: list[tuple[object, ...]]) -> None:
    conv = chat(rows, source="solo.txt")
    with pytest.raises(AttuneError, match=r"^solo\.txt: .*two people"):
        couple(conv)
    with pytest.raises(AttuneError, match=r"solo\.txt"):
        structure(conv)


def test_no_timestamps_is_one_exchange() -> None:
    conv = chat(
        [
            (None, "A", "so how did it go"),
            (None, "B", "fine"),
            (None, "B", "better than I thought"),
            (None, "A", "good"),
        ]
    )
    s = structure(conv)
    assert s.gap_s == DEFAULT_GAP_S
    assert len(s.exchanges) == 1
    assert [(t.sender, t.messages, t.answers) for t in s.turns] == [
        ("A", [0], None),
        ("B", [1, 2], 0),
        ("A", [3], 1),
    ]
    assert all(t.latency_s is None for t in s.turns)


# --- property ------------------------------------------------------------------------------------

_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.one_of(
            st.floats(min_value=0, max_value=30),  # minutes: a quick reply
            st.floats(min_value=60, max_value=60 * 24),  # up to a day: maybe a new exchange
        ),
        st.booleans(),  # timestamp missing
    ),
    min_size=0,
    max_size=60,
)


@given(_rows, st.booleans())
def test_every_message_in_one_exchange_and_one_turn(
    rows: list[tuple[str, float, bool]], all_undated: bool
) -> None:
    built = []
    minute = 0.0
    for n, (sender, gap, undated) in enumerate(rows):
        minute += gap
        built.append((None if (undated or all_undated) else minute, sender, f"message {n}"))
    # both partners present, so the couple is A and B whatever the random senders
    built = [(0.0 if not all_undated else None, "A", "first"), *built]
    built.append((None if all_undated else minute + 1, "B", "last"))
    s = structure(chat(built))
    n = len(built)
    assert len(s.messages) == n

    # every message in exactly one exchange and one turn, exchanges in order
    assert [i for ex in s.exchanges for i in ex.messages] == list(range(n))
    assert [i for t in s.turns for i in t.messages] == list(range(n))
    assert [ex.index for ex in s.exchanges] == list(range(len(s.exchanges)))
    assert s.exchange_of == sorted(s.exchange_of)
    assert all(s.exchange_of[i] == ex.index for ex in s.exchanges for i in ex.messages)
    assert all(s.turn_of[i] == k for k, t in enumerate(s.turns) for i in t.messages)
    assert [t for ex in s.exchanges for t in ex.turns] == list(range(len(s.turns)))

    for ex in s.exchanges:
        first = s.turns[ex.turns[0]]
        assert first.answers is None and first.latency_s is None
        for a, b in itertools.pairwise(ex.turns):
            # turns alternate senders; each answers the one before it in the exchange
            assert s.turns[b].sender != s.turns[a].sender
            assert s.turns[b].answers == a
            last = s.messages[s.turns[a].messages[-1]].timestamp
            now = s.messages[s.turns[b].messages[0]].timestamp
            expected = None if last is None or now is None else (now - last).total_seconds()
            assert s.turns[b].latency_s == expected
        for t in ex.turns:
            assert all(s.messages[i].sender == s.turns[t].sender for i in s.turns[t].messages)

    if all_undated:
        assert len(s.exchanges) == 1
        assert all(t.latency_s is None for t in s.turns)
    # a silence longer than the threshold between two dated messages always splits
    for i in range(1, n):
        a, b = s.messages[i - 1].timestamp, s.messages[i].timestamp
        if a is not None and b is not None and (b - a).total_seconds() > s.gap_s:
            assert s.exchange_of[i] == s.exchange_of[i - 1] + 1
    assert MIN_GAP_S <= s.gap_s <= MAX_GAP_S
