"""Measures on hand-built chats with hand-counted expected values, and the evidence behind them."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from attune.measures.attunement import (
    distress_met_with_care,
    emotional_synchrony,
    language_style_matching,
    nonverbal_cues,
    validation,
)
from attune.measures.engagement import turning_toward_rate
from attune.measures.evidence import Z95, mean_score, median, rate, wilson
from attune.measures.measure import Measure
from attune.measures.obstacles import (
    positive_to_negative_ratio,
    recurring_conflict_topics,
    repair_attempts,
    withdrawal,
)
from attune.measures.quality_time import deep_conversations, shared_interests
from attune.measures.safety import safety
from attune.measures.view import View
from attune.measures.vulnerability import disclosure_reciprocity
from tests.conftest import ROOT
from tests.measures.helpers import WEEK, Row, analyse, cited_ids, view_of

Overrides = dict[str, dict[str, Any]]
EMPATHY_1 = {"emotional_reactions": 1, "interpretations": 0, "explorations": 0}

# --- scores: Wilson interval, rate, mean, median -------------------------------------------------


def test_wilson_interval_by_hand() -> None:
    # p = 0.8, n = 10, z = 1.959964, z² = 3.841459
    # denom  = 1 + z²/n = 1.3841459
    # centre = (p + z²/(2n)) / denom = (0.8 + 0.1920730) / 1.3841459 = 0.7167402
    # half   = z * sqrt(p(1-p)/n + z²/(4n²)) / denom
    #        = 1.959964 * sqrt(0.016 + 0.0096036) / 1.3841459 = 0.2265777
    # interval = (0.4901625, 0.9433178)
    assert Z95 == 1.959964
    low, high = wilson(8, 10) or (math.nan, math.nan)
    assert low == pytest.approx(0.4901625, abs=1e-4)
    assert high == pytest.approx(0.9433178, abs=1e-4)


def test_wilson_edges() -> None:
    assert wilson(0, 0) is None
    low, high = wilson(0, 5) or (math.nan, math.nan)
    assert low == 0.0 and 0.0 < high < 0.6
    low, high = wilson(5, 5) or (math.nan, math.nan)
    assert high == 1.0 and 0.4 < low < 1.0


def test_rate_with_no_chances_has_no_value() -> None:
    score = rate(0, 0)
    assert (score.value, score.n, score.interval) == (None, 0, None)
    assert score.to_dict() == {"value": None, "n": 0, "interval": None}
    score = rate(3, 4)
    assert score.value == 0.75 and score.n == 4 and score.interval == wilson(3, 4)


def test_mean_score_by_hand() -> None:
    # mean 2.5; sample SD sqrt(((1.5² + 0.5²) * 2) / 3) = sqrt(5/3) = 1.2909944
    # half = 1.959964 * 1.2909944 / sqrt(4) = 1.2651513 → (1.2348487, 3.7651513)
    score = mean_score([1.0, 2.0, 3.0, 4.0])
    assert score.value == 2.5 and score.n == 4
    assert score.interval == pytest.approx((1.2348487, 3.7651513), abs=1e-6)
    assert mean_score([]).value is None and mean_score([]).n == 0
    one = mean_score([0.3])
    assert (one.value, one.n, one.interval) == (0.3, 1, None)
    assert mean_score([2.0, 2.0]).interval == (2.0, 2.0)


def test_median() -> None:
    assert median([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


# --- scenarios (rows, signal overrides by message id) --------------------------------------------

# Four bids in four exchanges (10 h apart): 3 turned toward, 1 away.
TOWARD: tuple[list[Row], Overrides] = (
    [
        (0, "A", "I got the job!!"),  # m1 news bid by A
        (1, "B", "no way!! tell me everything"),  # toward: shares the excitement
        (600, "B", "how was your day?"),  # m3 question bid by B
        (602, "A", "long, my boss was awful again"),  # toward: answers the question
        (1200, "A", "wanna watch it together?"),  # m5 invitation by A
        (1201, "B", "yes pls"),  # toward: accepts
        (1800, "B", "miss you 🥺"),  # m7 affection bid by B
        (1805, "A", "ok"),  # away: a token reply
    ],
    {"m3": {"question_type": "open"}, "m5": {"question_type": "closed"}},
)

# Conflict: exchange 0 (horsemen) and exchange 2 (two angry messages); 1 and 3 are not conflict.
CONFLICT: tuple[list[Row], Overrides] = (
    [
        (0, "A", "you never listen"),  # negative (criticism)
        (1, "B", "that's not fair, I do"),  # negative (defensiveness)
        (2, "A", "sorry, I'm just tired"),  # positive (repair)
        (3, "B", "I know. me too"),  # positive (valence 0.5)
        (4, "A", "thanks love"),  # positive (appreciation)
        (600, "A", "great day today"),  # positive but no conflict here
        (601, "B", "same!"),
        (1200, "A", "I'm so angry about the car"),  # negative (valence -0.6), angry
        (1201, "B", "ok ok, I hear you, that's annoying"),  # positive (validating), annoyed
        (1800, "A", "grr traffic"),  # one angry message: not a conflict
        (1801, "B", "ugh, sorry"),
    ],
    {
        "m1": {"horseman": "criticism", "valence": -0.5},
        "m2": {"horseman": "defensiveness", "valence": -0.4},
        "m3": {"repair": True},
        "m4": {"valence": 0.5},
        "m5": {"antidote": "appreciation", "valence": 0.6},
        "m6": {"valence": 0.8},
        "m7": {"valence": 0.7},
        "m8": {"emotion_labels": ["anger"], "valence": -0.6},
        "m9": {"emotion_labels": ["annoyance"], "validation": "validating", "valence": -0.1},
        "m10": {"emotion_labels": ["anger"], "valence": -0.5},
    },
)

# Repairs: one lands (A), one is rebuffed (A), one meets silence (B), one is not taken up (B).
REPAIR: tuple[list[Row], Overrides] = (
    [
        (0, "A", "can we start over? I'm sorry"),
        (1, "B", "yes. I'm sorry too"),
        (600, "A", "ok I'm sorry, truce?"),
        (601, "B", "oh NOW you're sorry"),
        (1200, "B", "let's talk later, I love you"),
        (1800, "A", "morning"),  # 10 h later: B's repair got no reply in its exchange
        (1801, "B", "sorry about yesterday"),
        (1802, "A", "I'm still upset"),
    ],
    {
        "m1": {"repair": True},
        "m2": {"valence": 0.4},
        "m3": {"repair": True},
        "m4": {"horseman": "contempt", "valence": -0.7},
        "m5": {"repair": True},
        "m7": {"repair": True},
        "m8": {"valence": -0.5},
    },
)

# Vulnerable disclosures: met with disclosure, met with care, dismissed, met with a token, and
# met with silence.
DISCLOSURE: tuple[list[Row], Overrides] = (
    [
        (0, "A", "i'm scared I'm not enough for you"),
        (1, "B", "i feel that way too sometimes"),  # a disclosure of its own: meets m1
        (2, "A", "thank you ❤"),  # affection: care, meets m2
        (600, "B", "i've been feeling really lonely"),
        (601, "A", "you're overreacting"),
        (1200, "A", "i'm worried about work"),
        (1201, "B", "ok"),
        (1800, "B", "i miss my dad"),
        (2400, "A", "hi"),  # a new exchange: B's disclosure had no reply
    ],
    {
        "m1": {"disclosure": 2},
        "m2": {"disclosure": 2},
        "m4": {"disclosure": 2},
        "m5": {"validation": "invalidating"},
        "m6": {"disclosure": 2},
        "m8": {"disclosure": 2},
    },
)

# Distress: A's three (two met with care, one without reply), B's one (met with a token).
DISTRESS: tuple[list[Row], Overrides] = (
    [
        (0, "A", "i'm so worried about mum"),
        (1, "B", "oh no"),  # care: an emotional reaction
        (600, "B", "feeling really low today"),
        (601, "A", "ok"),  # no care
        (1200, "A", "you make me so sad"),  # sadness, but a horseman: not distress
        (1201, "B", "what?"),
        (1800, "A", "i'm nervous about tomorrow"),
        (1801, "B", "that makes sense, you've worked so hard"),  # care: validating
        (2400, "A", "i'm scared"),
        (3000, "B", "hey"),  # a new exchange: "i'm scared" had no reply
    ],
    {
        "m1": {"emotion_labels": ["fear"]},
        "m2": {"empathy": EMPATHY_1},
        "m3": {"emotion_labels": ["sadness"]},
        "m5": {"emotion_labels": ["sadness"], "horseman": "criticism"},
        "m7": {"emotion_labels": ["nervousness"]},
        "m8": {"validation": "validating"},
        "m9": {"emotion_labels": ["fear"]},
    },
)

# Withdrawal: A's feeling bid meets silence, B's affection is answered, A's news meets silence.
WITHDRAWAL: tuple[list[Row], Overrides] = (
    [
        (0, "A", "i'm scared the biopsy comes back bad"),
        (600, "B", "miss you 🥺"),
        (601, "A", "miss you too ❤"),
        (1200, "A", "I got the job!!"),
        (1800, "B", "morning"),
    ],
    {},
)

VALIDATION: tuple[list[Row], Overrides] = (
    [
        (0, "A", "that makes sense"),
        (1, "B", "you're overreacting"),
        (2, "A", "no wonder you're upset"),
        (3, "B", "fine"),
    ],
    {
        "m1": {"validation": "validating"},
        "m2": {"validation": "invalidating"},
        "m3": {"validation": "validating"},
    },
)

NONVERBAL: tuple[list[Row], Overrides] = (
    [
        (0, "A", "hi", {"reactions": [("B", "❤")]}),
        (1, "B", "hey 😂😂", {"reactions": [("A", "👍"), ("B", "😂")]}),
        (3, "A", "how's it going", {"reactions": [("A", "❤")]}),  # A's own reaction
        (7, "B", "good thanks"),
        (8, "A", "great 🎉", {"reactions": [("B", "👍")]}),
    ],
    {"m2": {"counts": {"words": 1, "emoji": 2}}, "m5": {"counts": {"words": 1, "emoji": 1}}},
)

DEEP: tuple[list[Row], Overrides] = (
    [
        (0, "A", "what are you most afraid of, honestly?"),  # an intimate open question
        (1, "B", "losing you"),
        (600, "A", "i'm scared I'm not enough"),  # both disclose
        (601, "B", "i feel that too"),
        (1200, "A", "dinner?"),  # everyday
        (1201, "B", "pasta"),
        (1800, "B", "i'm scared"),  # only B discloses
        (1801, "A", "oh love"),
        (2400, "A", "anyone home"),  # one-sided: not counted
    ],
    {
        "m1": {"question_type": "open", "intimacy": 0.7},
        "m3": {"disclosure": 2},
        "m4": {"disclosure": 2},
        "m5": {"question_type": "closed", "intimacy": 0.1},
        "m7": {"disclosure": 2},
    },
)

SAFETY: tuple[list[Row], Overrides] = (
    [
        (0, "A", "where were you"),
        (1, "B", "out with Jo"),
        (2, "A", "you don't go out without asking me"),
        (3, "B", "i can't do this anymore"),
        (4, "A", "ok"),
    ],
    {
        "m3": {"safety": ["coercive_control"], "cues": ["safety.control_monitoring"]},
        "m4": {  # the models alone: a possible sign, with the words that raised it
            "safety": ["threat", "self_harm"],
            "safety_words": {"self_harm": ["can't do this", "anymore"]},
            "safety_probability": {"threat": 0.41, "self_harm": 0.62},
        },
    },
)

SCENARIOS = {
    "toward": TOWARD,
    "conflict": CONFLICT,
    "repair": REPAIR,
    "disclosure": DISCLOSURE,
    "distress": DISTRESS,
    "withdrawal": WITHDRAWAL,
    "validation": VALIDATION,
    "nonverbal": NONVERBAL,
    "deep": DEEP,
    "safety": SAFETY,
}


def view(scenario: tuple[list[Row], Overrides]) -> View:
    return view_of(*scenario)


def by_partner(m: Measure) -> dict[str, tuple[float | None, int]]:
    return {p: (s.value, s.n) for p, s in m.by_partner.items()}


# --- engagement ----------------------------------------------------------------------------------


def test_turning_toward_rate() -> None:
    v = view(TOWARD)
    assert [(b.message, b.kind, b.outcome) for b in v.bids] == [
        (0, "news", "toward"),
        (2, "question", "toward"),
        (4, "invitation", "toward"),
        (6, "affection", "away"),
    ]
    m = turning_toward_rate(v)
    assert (m.overall.value, m.overall.n) == (0.75, 4)
    assert m.overall.interval == wilson(3, 4)
    # credit goes to the one responding: B turned toward A's news and invitation (2 of 2),
    # A turned toward B's question and away from B's affection (1 of 2)
    assert by_partner(m) == {"A": (0.5, 2), "B": (1.0, 2)}
    assert m.details["outcomes"] == {"toward": 3, "away": 1, "against": 0}
    assert m.details["bids_made"] == {"A": 2, "B": 2}
    assert m.details["kinds"] == {"news": 1, "question": 1, "invitation": 1, "affection": 1}
    assert m.message_ids == {"counted": ["m1", "m3", "m5"], "not_counted": ["m7"]}
    assert [(w.week, w.value, w.n) for w in m.weekly] == [(WEEK, 0.75, 4)]
    # evidence quotes the bid with its reply
    assert {e.message_ids for e in m.overall.evidence} == {
        ("m1", "m2"),
        ("m3", "m4"),
        ("m5", "m6"),
        ("m7", "m8"),
    }


# --- obstacles -----------------------------------------------------------------------------------


def test_positive_to_negative_ratio_in_conflict_exchanges() -> None:
    v = view(CONFLICT)
    assert v.conflict_exchanges == frozenset({0, 2})
    m = positive_to_negative_ratio(v)
    # exchange 0: positive m3, m4, m5 / negative m1, m2; exchange 2: positive m9 / negative m8
    # A: 2 positive (m3, m5), 2 negative (m1, m8); B: 2 positive (m4, m9), 1 negative (m2)
    assert m.details["positive"] == {"A": 2, "B": 2}
    assert m.details["negative"] == {"A": 2, "B": 1}
    assert m.details["conflict_exchanges"] == 2
    assert m.overall.value == pytest.approx(4 / 3)
    assert m.overall.n == 2
    assert by_partner(m) == {"A": (1.0, 4), "B": (2.0, 3)}
    assert [e.exchange for e in m.overall.evidence] == [0, 2]


def test_positive_to_negative_ratio_without_conflict_is_none() -> None:
    m = positive_to_negative_ratio(view(TOWARD))
    assert m.overall.value is None and m.overall.n == 0
    assert by_partner(m) == {"A": (None, 0), "B": (None, 0)}


def test_repair_attempts_landed_rebuffed_unanswered() -> None:
    m = repair_attempts(view(REPAIR))
    # A: m1 landed, m3 rebuffed; B: m5 no reply, m7 not taken up (the reply stays negative)
    assert (m.overall.value, m.overall.n) == (pytest.approx(1 / 4), 4)
    assert by_partner(m) == {"A": (0.5, 2), "B": (0.0, 2)}
    assert m.message_ids == {"counted": ["m1"], "not_counted": ["m3", "m5", "m7"]}
    whys = {e.message_ids[0]: e.why for e in m.overall.evidence}
    assert whys == {"m1": "landed", "m3": "rebuffed", "m5": "no reply", "m7": "not taken up"}


def test_withdrawal_is_an_emotional_bid_met_with_silence() -> None:
    v = view(WITHDRAWAL)
    assert [(b.message, b.kind, b.response) for b in v.bids] == [
        (0, "feeling", ()),
        (1, "affection", (2,)),
        (3, "news", ()),
    ]
    m = withdrawal(v)
    # news is not an emotional bid; the one who fell silent is credited
    assert (m.overall.value, m.overall.n) == (0.5, 2)
    assert by_partner(m) == {"A": (0.0, 1), "B": (1.0, 1)}
    assert m.message_ids == {"counted": ["m1"], "not_counted": ["m2"]}


# --- vulnerability and attunement ----------------------------------------------------------------


def test_disclosure_reciprocity() -> None:
    m = disclosure_reciprocity(view(DISCLOSURE))
    # B (responding): met m1 with its own disclosure, m6 with a token "ok" → 1 of 2;
    # A (responding): met m2 with affection, dismissed m4, m8 had no reply → 1 of 3
    assert (m.overall.value, m.overall.n) == (0.4, 5)
    assert by_partner(m) == {"A": (pytest.approx(1 / 3), 3), "B": (0.5, 2)}
    assert m.message_ids == {"counted": ["m1", "m2"], "not_counted": ["m4", "m6", "m8"]}
    whys = {e.message_ids[0]: e.why for e in m.overall.evidence}
    assert whys == {
        "m1": "met with disclosure or care",
        "m2": "met with disclosure or care",
        "m4": "met with dismissal",
        "m6": "not met",
        "m8": "no reply",
    }


def test_distress_met_with_care() -> None:
    v = view(DISTRESS)
    assert [i for i in range(len(v.signals)) if v.is_distress(i)] == [0, 2, 6, 8]
    m = distress_met_with_care(v)
    # B (responding to A): m1 cared for, m7 validated, m9 no reply → 2 of 3; A: m3 "ok" → 0 of 1
    assert (m.overall.value, m.overall.n) == (0.5, 4)
    assert by_partner(m) == {"A": (0.0, 1), "B": (pytest.approx(2 / 3), 3)}
    assert m.message_ids == {"counted": ["m1", "m7"], "not_counted": ["m3", "m9"]}
    whys = {e.message_ids[0]: e.why for e in m.overall.evidence}
    assert whys == {
        "m1": "met with care",
        "m7": "met with care",
        "m3": "reply without care",
        "m9": "no reply",
    }


def test_validation_rate() -> None:
    m = validation(view(VALIDATION))
    assert (m.overall.value, m.overall.n) == (pytest.approx(2 / 3), 3)
    assert by_partner(m) == {"A": (1.0, 2), "B": (0.0, 1)}
    assert m.details["counts"] == {
        "A": {"validating": 2, "invalidating": 0},
        "B": {"validating": 0, "invalidating": 1},
    }
    assert m.message_ids == {"counted": ["m1", "m3"], "not_counted": ["m2"]}


def test_nonverbal_cues() -> None:
    cues = nonverbal_cues(view(NONVERBAL))
    given = cues["reactions_given"]
    # B reacted to A's m1 and m5 (not m3, where A reacted to itself): 2 of A's 3 messages;
    # A reacted to B's m2, not m4: 1 of 2 (B's own reaction on m2 is not A's)
    assert (given.overall.value, given.overall.n) == (0.6, 5)
    assert by_partner(given) == {"A": (0.5, 2), "B": (pytest.approx(2 / 3), 3)}
    assert given.message_ids == {"counted": ["m1", "m2", "m5"], "not_counted": ["m3", "m4"]}
    emoji = cues["emoji_per_message"]
    assert (emoji.overall.value, emoji.overall.n) == (pytest.approx(3 / 5), 5)
    assert by_partner(emoji) == {"A": (pytest.approx(1 / 3), 3), "B": (1.0, 2)}
    # latencies (minutes): B 1 (m2), A 2 (m3), B 4 (m4), A 1 (m5)
    late = cues["reply_latency_min"]
    assert (late.overall.value, late.overall.n) == (2.0, 4)
    assert late.details["median_min_by_partner"] == {"A": 1.5, "B": 2.5}
    words = cues["words_per_message"]
    # words: m1 1, m2 1 (override), m3 3, m4 2, m5 1 (override)
    assert (words.overall.value, words.overall.n) == (pytest.approx(8 / 5), 5)


def test_deep_conversations() -> None:
    m = deep_conversations(view(DEEP))
    # exchanges 0 (intimate question) and 1 (both disclose) are deep; 2 and 3 are not;
    # exchange 4 is one-sided and not counted. By partner: who opened it.
    assert (m.overall.value, m.overall.n) == (0.5, 4)
    assert by_partner(m) == {"A": (pytest.approx(2 / 3), 3), "B": (0.0, 1)}
    assert m.message_ids == {"counted": ["m1", "m3"], "not_counted": ["m5", "m7"]}


def test_safety_lists_every_flagged_message_and_is_never_a_rate() -> None:
    out = safety(view(SAFETY))
    assert out["flagged"] is True  # m3's own words matched a safety rule
    assert (out["explicit"], out["likely"], out["possible"]) == (1, 0, 1)
    assert "value" not in out and "n" not in out and "interval" not in out
    assert out["counts"] == {
        "A": {"threat": 0, "coercive_control": 1, "self_harm": 0},
        "B": {"threat": 1, "coercive_control": 0, "self_harm": 1},
    }
    assert out["messages"] == [
        {
            "id": "m3",
            "sender": "A",
            "text": "you don't go out without asking me",
            "kinds": ["coercive_control"],
            "evidence": "explicit",
            "exchange": 0,
            "context_ids": ["m2"],
            "rules": ["safety.control_monitoring"],
        },
        {
            "id": "m4",
            "sender": "B",
            "text": "i can't do this anymore",
            "kinds": ["threat", "self_harm"],
            "evidence": "possible",
            "exchange": 0,
            "context_ids": ["m3"],
            "words": {"self_harm": ["can't do this", "anymore"]},
            "probability": 0.62,
        },
    ]
    calm = safety(view(TOWARD))
    assert calm["flagged"] is False and calm["messages"] == []


def test_possible_signs_alone_are_listed_but_do_not_switch_to_safety_mode() -> None:
    rows, overrides = SAFETY
    out = safety(view((rows, {"m4": overrides["m4"]})))
    assert out["flagged"] is False
    assert (out["explicit"], out["likely"], out["possible"]) == (0, 0, 1)
    assert [m["id"] for m in out["messages"]] == ["m4"]


def test_a_likely_sign_switches_to_safety_mode_without_a_rule() -> None:
    """The safety model at its likely threshold (``safety_likely``) counts as a rule's explicit
    match does; a rule's match stays explicit even where the model is sure too."""
    rows, overrides = SAFETY
    sure = {**overrides["m4"], "safety_likely": ["self_harm"]}
    out = safety(view((rows, {"m4": sure})))
    assert out["flagged"] is True
    assert (out["explicit"], out["likely"], out["possible"]) == (0, 1, 0)
    (m4,) = out["messages"]
    assert (m4["id"], m4["evidence"], m4["probability"]) == ("m4", "likely", 0.62)
    both = safety(view((rows, {"m3": {**overrides["m3"], "safety_likely": ["coercive_control"]}})))
    assert [m["evidence"] for m in both["messages"]] == ["explicit"]


def test_one_flag_among_many_warm_messages_is_still_listed() -> None:
    rows: list[Row] = [(k, "A" if k % 2 else "B", "love you ❤") for k in range(200)]
    warm = {f"m{k}": {"valence": 0.9} for k in range(1, 201)}
    warm["m150"] = {"valence": 0.9, "safety": ["self_harm"], "cues": ["safety.self_harm"]}
    _, metrics = analyse(rows, warm)
    assert metrics["safety"]["flagged"] is True
    assert [m["id"] for m in metrics["safety"]["messages"]] == ["m150"]


# --- style matching and synchrony on a built chat ------------------------------------------------

A_TEXT = "I think that we should go to the park because it is really nice and I like it there"
B_TEXT = "yes I would love to go with you and we can take the dog if it is not too cold"


def test_language_style_matching_on_a_built_chat() -> None:
    rows: list[Row] = []
    for k in range(4):  # 4 exchanges; A_TEXT is 19 words, B_TEXT 20
        rows += [(600 * k, "A", A_TEXT), (600 * k + 1, "B", B_TEXT)]
    m = language_style_matching(view((rows, {})))
    assert m.overall.value is not None and 0.0 <= m.overall.value <= 1.0
    assert m.details["words"] == {"A": 76, "B": 80}
    assert m.overall.n == 76  # the fewer words of the two
    assert all(0.0 <= v <= 1.0 for v in m.details["per_category"].values())
    assert [(w.week, w.n) for w in m.weekly] == [(WEEK, 8)]
    four = " ".join([A_TEXT] * 4)
    same = language_style_matching(view(([(0, "A", four), (1, "B", four)], {})))
    assert same.overall.value == pytest.approx(1.0)


def test_language_style_matching_is_none_on_little_text() -> None:
    m = language_style_matching(view(TOWARD))
    assert m.overall.value is None
    assert m.weekly[0].value is None and m.weekly[0].n == 0


def test_language_style_matching_quotes_each_exchange_once() -> None:
    a2, b2 = f"{A_TEXT} {A_TEXT}", f"{B_TEXT} {B_TEXT}"
    rows: list[Row] = [(0, "A", a2), (1, "B", b2), (600, "A", a2), (601, "B", a2)]
    m = language_style_matching(view((rows, {})))
    quoted = [e.exchange for e in m.overall.evidence]
    assert sorted(quoted) == [0, 1]  # actual: [1, 0, 0, 1]


def test_emotional_synchrony_on_a_built_chat() -> None:
    moods = [0.1, 0.5, -0.3, 0.8, 0.0, -0.6, 0.4, 0.2]
    rows: list[Row] = []
    overrides: Overrides = {}
    for k, mood in enumerate(moods):  # one exchange per mood, 10 h apart
        rows += [(600 * k, "A", "hey"), (600 * k + 1, "B", "hey")]
        overrides[f"m{2 * k + 1}"] = {"valence": mood}
        overrides[f"m{2 * k + 2}"] = {"valence": 0.5 * mood + 0.1}  # B moves with A
    m = emotional_synchrony(view((rows, overrides)))
    assert m.overall.n == 8
    assert m.details["by_lag"]["0"] == pytest.approx(1.0)
    assert m.overall.value is not None and -1.0 <= m.overall.value <= 1.0
    # the mean over lags −1, 0, +1 is below the perfect lag-0 correlation
    assert m.overall.value < 1.0
    assert m.overall.interval == pytest.approx((1.0, 1.0))
    opposite = {
        k: {"valence": -v["valence"]} if int(k[1:]) % 2 == 0 else v for k, v in overrides.items()
    }
    anti = emotional_synchrony(view((rows, opposite)))
    assert anti.details["by_lag"]["0"] == pytest.approx(-1.0)


def test_emotional_synchrony_is_none_with_too_few_exchanges() -> None:
    rows: list[Row] = [(0, "A", "hi"), (1, "B", "hi"), (600, "A", "yo"), (601, "B", "yo")]
    m = emotional_synchrony(view((rows, {"m1": {"valence": 0.5}, "m3": {"valence": -0.5}})))
    assert m.overall.value is None
    assert m.overall.n == 2


# --- every measure's evidence points at real messages --------------------------------------------


def _measures(value: Any, path: str = "") -> Iterator[tuple[str, Measure]]:
    if isinstance(value, Measure):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _measures(item, f"{path}.{key}" if path else key)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_evidence_ids_exist_and_counted_holds_exactly_the_hits(name: str) -> None:
    v, metrics = analyse(*SCENARIOS[name])
    known = {m.id for m in v.structure.messages}
    measures = dict(_measures(metrics))
    assert "engagement.turning_toward_rate" in measures
    assert "attunement.nonverbal_cues.reactions_given" in measures
    for path, m in measures.items():
        doc = m.to_dict()
        named = list(cited_ids(doc))
        assert set(named) <= known, path
        for e in m.overall.evidence:
            assert e.exchange == v.structure.exchange_of[_index(v, e.message_ids[0])], path
        ids = m.message_ids
        if "not_counted" in ids:  # a rate: counted are the hits, not_counted the misses
            assert m.overall.value is None or len(ids["counted"]) == round(
                m.overall.value * m.overall.n
            ), path
            assert len(ids["counted"]) + len(ids["not_counted"]) == m.overall.n, path
            assert not set(ids["counted"]) & set(ids["not_counted"]), path
            if path != "structure.initiative":  # there by_partner is each one's share of all
                hits = sum(round((s.value or 0.0) * s.n) for s in m.by_partner.values())
                assert hits == len(ids["counted"]), path
        elif ids:  # a mean: every observation is counted
            assert len(ids["counted"]) == m.overall.n, path
    assert set(cited_ids(metrics["safety"])) <= known
    assert set(cited_ids(metrics["moments"])) <= known
    assert set(cited_ids(metrics["obstacles"]["recurring_conflict_topics"])) <= known
    assert set(cited_ids(metrics["quality_time"]["shared_interests"])) <= known


def _index(v: View, message_id: str) -> int:
    return next(i for i, m in enumerate(v.structure.messages) if m.id == message_id)


def test_counted_ids_of_turning_toward_are_the_bids_turned_toward() -> None:
    v, metrics = analyse(*TOWARD)
    toward = [v.structure.messages[b.message].id for b in v.bids if b.outcome == "toward"]
    m = metrics["engagement"]["turning_toward_rate"]
    assert m.message_ids["counted"] == toward == ["m1", "m3", "m5"]


def test_topics_are_things_talked_about_not_everyday_words() -> None:
    """ "of course", "look", "need", "thanks", "love" recur in any chat: they are no topic."""
    rows, flags = [], {}
    for k in range(3):
        rows += [
            (600 * k, "A", "of course you need to look at the phone bill, thanks a lot"),
            (600 * k + 1, "B", "i love how you always make this about the phone bill"),
        ]
        flags[f"m{2 * k + 1}"] = {"horseman": "criticism"}
    topics = [t["topic"] for t in recurring_conflict_topics(view_of(rows, flags))]
    assert sorted(topics) == ["bill", "phone"]
    happy = {f"m{n}": {"valence": 0.8} for n in range(1, 7)}
    shared = [t["topic"] for t in shared_interests(view_of(rows, happy))]
    assert sorted(shared) == ["bill", "phone"]


# --- the same input gives the same output --------------------------------------------------------

TOPICS = """
import json
from attune.measures.obstacles import recurring_conflict_topics
from tests.measures.helpers import view_of
words = "dishes laundry weekend mother budget holiday phone garden parking"
rows, flags = [], {}
for k in range(3):  # three conflict exchanges, each naming every word: all tied
    rows += [(600 * k, "A", "you never help with " + words), (600 * k + 1, "B", "not true")]
    flags[f"m{2 * k + 1}"] = {"horseman": "criticism"}
print(json.dumps([t["topic"] for t in recurring_conflict_topics(view_of(rows, flags))]))
"""


def test_recurring_conflict_topics_do_not_depend_on_the_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", TOPICS],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=True,
        )
        topics = json.loads(result.stdout)
        assert len(topics) == 8
        outputs.add(tuple(topics))
    assert len(outputs) == 1, outputs
