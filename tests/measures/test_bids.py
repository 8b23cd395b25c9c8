"""Bids for connection (codebook "Bids"): which messages reach for the partner, and the outcome."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from attune.measures.bids import (
    BID_MODEL,
    FEATURES,
    Bid,
    BidModel,
    bid_features,
    find_bids,
    first_in_each_turn,
    rule_bids,
)
from attune.measures.exchanges import Structure, structure
from attune.signals.model import REACH, REACH_ROLES, default_model_dir, reach_fit
from tests.measures.helpers import bids_of, chat, signals

EMPATHY_2 = {"emotional_reactions": 2, "interpretations": 0, "explorations": 0}


def kind_of(text: str, **signal: Any) -> str | None:
    """The bid kind of ``text`` opening an exchange (answered with a token "ok"), or None."""
    bids = bids_of([(0, "A", text), (1, "B", "ok")], {"m1": signal})
    assert all(b.message == 0 for b in bids)
    return bids[0].kind if bids else None


def outcome_of(bid: str, reply: str, **reply_signal: Any) -> Bid:
    """The one bid of a two-message exchange: ``bid`` by A, then ``reply`` by B."""
    bids = bids_of([(0, "A", bid), (1, "B", reply)], {"m2": reply_signal})
    assert [b.message for b in bids] == [0], bids
    return bids[0]


# --- what is a bid -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "signal", "kind"),
    [
        ("I got the job!!", {}, "news"),
        ("i'm scared the biopsy comes back bad", {"disclosure": 2}, "feeling"),
        ("i'm scared the biopsy comes back bad", {}, "feeling"),  # the words alone
        ("how was your day?", {"question_type": "open"}, "question"),
        ("how was your day?", {}, "question"),  # a question by its form
        ("wanna watch it together?", {"question_type": "closed"}, "invitation"),
        ("look at this [link]", {}, "look"),
        ("miss you 🥺", {}, "affection"),
        ("the dog just did the funniest thing", {"emotion_labels": ["amusement"]}, "news"),
        ("look what i found in the attic 📸", {}, "look"),
        ("my boss said i'm being considered for team lead", {"disclosure": 1}, "news"),
    ],
)
def test_codebook_examples_are_bids(text: str, signal: dict[str, Any], kind: str) -> None:
    assert kind_of(text, **signal) == kind


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("can u grab oat milk", {}),  # logistics
        ("did you pay the council tax?", {"question_type": "closed"}),  # logistics, a question
        ("you never listen, you're pathetic", {"horseman": "contempt"}),  # hostile
        ("this is on you", {"horseman": "criticism"}),
        ("sorry, I was out of line", {"repair": True}),  # a repair is not a reach
        ("the dog did a thing", {}),  # nothing reaches: no feeling, news or question
    ],
)
def test_logistics_hostility_and_plain_statements_are_not_bids(
    text: str, signal: dict[str, Any]
) -> None:
    assert kind_of(text, **signal) is None


@pytest.mark.parametrize(
    "text",
    [
        "my boss said i'm being considered for team lead",  # no disclosure from the model
        "on the train now, home in 20",  # where one is: logistics
        "can you take the bins out tonight please",  # a request of the partner
        "got the promotion",  # too short to tell from a status update
    ],
)
def test_personal_news_needs_disclosure_and_is_not_a_status_update(text: str) -> None:
    signal = {} if text.startswith("my boss") else {"disclosure": 1}
    assert kind_of(text, **signal) is None


def test_personal_news_is_a_bid_only_when_opening_an_exchange() -> None:
    rows = [(0, "A", "hey"), (1, "A", "my boss said i'm being considered for team lead")]
    assert bids_of([*rows, (2, "B", "ok")], {"m2": {"disclosure": 1}}) == []


def test_a_feeling_said_again_after_a_rebuffed_bid_is_a_new_bid() -> None:
    rows = [
        (0, "A", "i'm so anxious about the interview"),
        (1, "B", "you're overreacting"),
        (2, "A", "i'm not overreacting, i feel really scared"),
        (3, "B", "sorry. that's fair, it's a big day"),
    ]
    bids = bids_of(rows, {"m2": {"validation": "invalidating"}, "m4": {"validation": "validating"}})
    assert [(b.message, b.kind, b.outcome) for b in bids] == [
        (0, "feeling", "against"),
        (2, "feeling", "toward"),
    ]


def test_a_feeling_after_a_bid_met_warmly_is_the_same_conversation() -> None:
    rows = [
        (0, "A", "i'm so anxious about the interview"),
        (1, "B", "oh love, of course you are. what time is it?"),
        (2, "A", "10. i'm just scared i'll freeze"),
    ]
    bids = bids_of(rows, {"m2": {"question_type": "open", "validation": "validating"}})
    assert [b.message for b in bids] == [0]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("we celebrating. wings on me tonight!", "invitation"),
        ("dinner thursday? just us", "invitation"),
        ("i think i'm burning out. i cried in the car park", "feeling"),
        ("feel a bit weird about it tbh", "feeling"),
    ],
)
def test_more_ways_to_reach(text: str, kind: str) -> None:
    assert kind_of(text) == kind


def test_a_run_up_hands_the_bid_to_the_message_that_carries_the_content() -> None:
    rows = [
        (0, "A", "guess whattt"),
        (0, "A", "they made me shift lead 😤"),
        (1, "B", "ayyy!! when u start"),
    ]
    assert [(b.message, b.kind) for b in bids_of(rows)] == [(1, "news")]


def test_a_run_up_alone_is_the_bid() -> None:
    assert [(b.message, b.kind) for b in bids_of([(0, "A", "guess what"), (5, "B", "what")])] == [
        (0, "news")
    ]


def test_an_invitation_ending_in_together() -> None:
    assert kind_of("sunday morning, we sit down with the statements together?") == "invitation"


def test_stuck_in_traffic_is_not_a_feeling() -> None:
    assert kind_of("can you pick up kuba from football at 6, i'm stuck at the site") is None


def test_a_reply_that_answers_a_bid_is_not_a_bid() -> None:
    bids = bids_of([(0, "A", "I got the job!!"), (1, "B", "haha yes"), (2, "A", "!!!")])
    assert [(b.message, b.kind) for b in bids] == [(0, "news")]


def test_emotion_alone_makes_news_only_when_opening_an_exchange() -> None:
    amused = {"emotion_labels": ["amusement"]}
    rows = [(0, "A", "hey"), (1, "A", "the dog just did the funniest thing"), (2, "B", "ok")]
    assert bids_of(rows, {"m2": amused}) == []


def test_one_bid_per_turn_a_burst_is_one_reach() -> None:
    bids = bids_of(
        [
            (0, "A", "I GOT IT"),
            (0.2, "A", "the lecturer job!!!"),
            (0.4, "A", "omg omg"),
            (1, "B", "WHAT. amazing!!"),
        ]
    )
    assert len(bids) == 1
    assert bids[0].message == 0  # coded on the burst's first qualifying message
    assert bids[0].kind == "news"
    assert bids[0].response == (3,)
    assert bids[0].outcome == "toward"


def test_bids_in_separate_exchanges_are_counted_separately() -> None:
    bids = bids_of(
        [
            (0, "A", "I got the job!!"),
            (1, "B", "so proud of you!!"),
            (600, "B", "miss you 🥺"),  # 10 h later: a new exchange
            (601, "A", "miss you more ❤"),
        ]
    )
    assert [(b.message, b.kind, b.outcome) for b in bids] == [
        (0, "news", "toward"),
        (2, "affection", "toward"),
    ]


# --- outcomes ------------------------------------------------------------------------------------


def test_no_reply_before_the_exchange_ends_is_away() -> None:
    bids = bids_of([(0, "A", "I got the job!!"), (600, "B", "morning")])  # 10 h of silence
    assert [(b.message, b.outcome, b.response) for b in bids] == [(0, "away", ())]
    assert "no reply" in bids[0].why


@pytest.mark.parametrize("reply", ["ok", "k", "👍", "cool", "nice one"])
def test_a_token_reply_is_away(reply: str) -> None:
    bid = outcome_of("I got the job!!", reply)
    assert (bid.outcome, bid.response) == ("away", (1,))
    assert bid.why == "a token reply"


def test_a_token_then_logistics_is_away() -> None:
    rows = [
        (0, "A", "passed the theory test btw"),
        (40, "B", "ok"),
        (41, "B", "did u move the car?"),
    ]
    bids = bids_of(rows, {"m1": {"disclosure": 1}, "m3": {"question_type": "closed"}})
    assert [(b.message, b.outcome) for b in bids] == [(0, "away")]


def test_a_token_then_a_question_about_it_is_toward() -> None:
    rows = [(0, "A", "I got the job!!"), (1, "B", "omg"), (1, "B", "how are you feeling?")]
    bids = bids_of(rows, {"m3": {"question_type": "open"}})
    assert [(b.message, b.outcome) for b in bids] == [(0, "toward")]


def test_a_change_of_subject_is_away() -> None:
    bid = outcome_of("i'm scared the biopsy comes back bad", "anyway, the plumber rang")
    assert bid.outcome == "away"


def test_a_hostile_reply_is_against() -> None:
    bid = outcome_of("I got the job!!", "great, more money to waste", horseman="contempt")
    assert (bid.outcome, bid.response) == ("against", (1,))


def test_an_invalidating_reply_is_against() -> None:
    bid = outcome_of(
        "i'm scared the biopsy comes back bad", "you're overreacting", validation="invalidating"
    )
    assert bid.outcome == "against"


@pytest.mark.parametrize("reply", ["ugh no", "not now", "can you stop sending me these", "🙄"])
def test_an_irritated_brush_off_is_against(reply: str) -> None:
    bid = outcome_of("look at this [link]", reply)
    assert bid.outcome == "against"
    assert bid.why == "an irritated brush-off"


def test_against_wins_over_toward_in_the_same_turn() -> None:
    bids = bids_of(
        [(0, "A", "wanna watch it together?"), (1, "B", "yes pls"), (1.5, "B", "ugh no, not now")]
    )
    assert [(b.outcome, b.response) for b in bids] == [("against", (1, 2))]


@pytest.mark.parametrize("reply", ["yes pls", "YES", "sounds great", "i'd love that"])
def test_accepting_an_invitation_is_toward(reply: str) -> None:
    bid = outcome_of("wanna watch it together?", reply)
    assert bid.kind == "invitation"
    assert (bid.outcome, bid.why) == ("toward", "accepts the invitation")


def test_a_reply_that_asks_about_it_is_toward() -> None:
    bid = outcome_of("I got the job!!", "which one?", question_type="closed")
    assert (bid.outcome, bid.why) == ("toward", "asks about it")


def test_empathy_and_validation_are_toward() -> None:
    scared = "i'm scared the biopsy comes back bad"
    assert outcome_of(scared, "oh love", empathy=EMPATHY_2).outcome == "toward"
    assert outcome_of(scared, "of course you are", validation="validating").outcome == "toward"


def test_picking_up_the_bids_words_is_toward() -> None:
    bid = outcome_of("look at this [link]", "that cabin looks unreal")
    assert bid.outcome == "away"  # nothing shared with "look at this [link]"
    bid = outcome_of("the biopsy results come on friday, i'm scared", "friday… I'll be there")
    assert (bid.outcome, bid.why) == ("toward", "picks up what was said")


def test_the_outcome_reads_only_the_partners_next_turn() -> None:
    bids = bids_of(
        [
            (0, "A", "I got the job!!"),
            (1, "B", "ok"),
            (2, "A", "well I'm happy about it"),
            (3, "B", "congrats!! so proud of you"),
        ]
    )
    assert bids[0].message == 0
    assert (bids[0].outcome, bids[0].response) == ("away", (1,))


# --------------------------------------------------------------------------------------------
# the learned detector (signals with ``reach``)

LEARNED_ROWS = [
    (0, "A", "mum's moving in with her new fella in march"),
    (3, "B", "ok"),
    (200, "B", "did you pay the gas bill"),
    (205, "A", "yes"),
]


def _learned(threshold: float = 0.5) -> BidModel:
    """A detector that reads only the words (every feature weight zero): reach decides."""
    n = len(FEATURES)
    return BidModel(np.zeros(n), np.ones(n), np.zeros(n), 0.0, threshold)


def _reach(own: float, for_next: float = 0.0, for_previous: float = 0.0) -> dict[str, float]:
    return dict(zip(REACH_ROLES, (own, for_next, for_previous), strict=True))


def _with_reach(struct: Structure, reach: Sequence[float]) -> list[dict[str, Any]]:
    return [{**s, "reach": _reach(r)} for s, r in zip(signals(struct), reach, strict=True)]


def test_without_reach_the_rules_decide() -> None:
    struct = structure(chat(LEARNED_ROWS))
    sigs = signals(struct)
    assert find_bids(struct, sigs, _learned()) == rule_bids(struct, sigs)
    old = [{**s, "reach": 4.0} for s in sigs]  # one number: written before reach had roles
    assert find_bids(struct, old, _learned()) == rule_bids(struct, old)


def test_reach_from_weights_the_detector_was_not_fitted_with_leaves_it_to_the_rules() -> None:
    struct = structure(chat(LEARNED_ROWS))
    sigs = [
        {**s, "reach": {**s["reach"], "fit": "abc"}}
        for s in _with_reach(struct, [4.0, -4.0, 4.0, -4.0])
    ]
    fitted = dataclasses.replace(_learned(), reach_fit="abc")
    other = dataclasses.replace(_learned(), reach_fit="def")
    assert [b.message for b in find_bids(struct, sigs, fitted)] == [0, 2]
    assert find_bids(struct, sigs, other) == rule_bids(struct, sigs)


def test_the_shipped_detector_and_reach_weights_are_one_fit() -> None:
    model = BidModel.shipped()
    assert model is not None and model.reach_fit == reach_fit(default_model_dir())


def test_the_detector_takes_one_bid_per_turn_the_first_it_picks() -> None:
    rows = [
        (0, "A", "so i saw the doctor"),
        (1, "A", "she thinks it's nothing but wants a scan"),
        (2, "A", "i'm a bit scared tbh"),
        (5, "B", "oh love. when is it?"),
    ]
    struct = structure(chat(rows))
    bids = find_bids(struct, _with_reach(struct, [-6.0, 4.0, 4.0, -6.0]), _learned())
    assert [b.message for b in bids] == [1]


def test_first_in_each_turn() -> None:
    chosen = np.array([False, True, True, True, False, True])
    assert first_in_each_turn([0, 0, 0, 1, 1, 2], chosen) == [1, 3, 5]
    assert first_in_each_turn([0, 1, 2], np.zeros(3, dtype=bool)) == []


def test_the_learned_detector_finds_a_bid_the_rules_miss_and_drops_one_they_make() -> None:
    struct = structure(chat(LEARNED_ROWS))
    # the rules take the flat news for no bid (disclosure 0) and the question as no bid either
    assert [b.message for b in rule_bids(struct, signals(struct))] == []
    bids = find_bids(struct, _with_reach(struct, [4.0, -4.0, -4.0, -4.0]), _learned())
    assert [(b.message, b.kind, b.outcome) for b in bids] == [(0, "news", "away")]  # "ok": token

    rows = [(0, "A", "guess what, i got the job!!"), (2, "B", "no way!! tell me everything")]
    struct = structure(chat(rows))
    assert [b.message for b in rule_bids(struct, signals(struct))] == [0]
    assert find_bids(struct, _with_reach(struct, [-6.0, -6.0]), _learned()) == []


def test_the_learned_detector_keeps_the_rules_reading_of_a_bid_it_agrees_with() -> None:
    rows = [(0, "A", "guess what, i got the job!!"), (2, "B", "no way!! tell me everything")]
    struct = structure(chat(rows))
    sigs = _with_reach(struct, [6.0, -6.0])
    assert find_bids(struct, sigs, _learned()) == rule_bids(struct, sigs)


def test_bid_features_read_place_timing_and_the_rules() -> None:
    struct = structure(chat(LEARNED_ROWS))
    sigs = signals(struct, {"m3": {"disclosure": 2}})
    x = bid_features(struct, sigs, [Bid(0, "news", "away", (1,), "")])
    col = {name: k for k, name in enumerate(FEATURES)}
    assert x.shape == (4, len(FEATURES))
    assert x[:, col["rule_bid"]].tolist() == [1, 0, 0, 0]
    assert x[:, col["previous_is_rule_bid"]].tolist() == [0, 1, 0, 0]
    assert x[:, col["opens_exchange"]].tolist() == [1, 0, 1, 0]  # 197 minutes apart
    assert x[:, col["same_sender_as_previous"]].tolist() == [0, 0, 1, 0]
    assert x[:, col["log_minutes_since_previous"]].tolist() == pytest.approx(
        [0, math.log1p(3), math.log1p(197), math.log1p(5)]
    )
    assert x[:, col["disclosure"]].tolist() == [0, 0, 2, 0]
    assert x[:, col["second_person"]].tolist() == [0, 0, 1, 0]
    assert x[:, col["log_words"]][1] == pytest.approx(math.log1p(1))
    assert x[:, col["ends_with_question_mark"]].tolist() == [0, 0, 0, 0]
    # two exchanges of one turn each way: A's news, B's "ok"; B's question, A's "yes"
    assert x[:, col["first_in_turn"]].tolist() == [1, 1, 1, 1]
    assert x[:, col["last_in_turn"]].tolist() == [1, 1, 1, 1]
    assert x[:, col["turn_in_exchange"]].tolist() == [0, 1, 0, 1]
    assert x[:, col["answers_rule_bid"]].tolist() == [0, 1, 0, 0]
    assert x[:, col["partner_replies_next"]].tolist() == [1, 0, 1, 0]  # B's "ok" ends an exchange
    assert x[:, col["log_minutes_to_next"]].tolist() == pytest.approx(
        [math.log1p(3), math.log1p(197), math.log1p(5), 0]
    )


def test_bid_features_read_bursts_and_the_partners_reply() -> None:
    rows = [
        (0, "A", "guess what"),
        (1, "A", "i got the job"),
        (2, "A", "!!!"),
        (4, "B", "no way, which one?"),
        (6, "A", "the lecturer one"),
    ]
    struct = structure(chat(rows))
    sigs = signals(struct, {"m4": {"question_type": "open", "link": 0.6}})
    x = bid_features(struct, sigs, [])
    col = {name: k for k, name in enumerate(FEATURES)}
    assert x[:, col["first_in_turn"]].tolist() == [1, 0, 0, 1, 1]
    assert x[:, col["log_place_in_turn"]].tolist() == pytest.approx(
        [0, math.log1p(1), math.log1p(2), 0, 0]
    )
    assert x[:, col["last_in_turn"]].tolist() == [0, 0, 1, 1, 1]
    assert x[:, col["burst"]].tolist() == [1, 1, 1, 0, 0]
    assert x[:, col["turn_in_exchange"]].tolist() == [0, 0, 0, 1, 2]
    assert x[:, col["partner_replies_next"]].tolist() == [0, 0, 1, 1, 0]
    assert x[:, col["next_link"]].tolist() == pytest.approx([0, 0, 0.6, 0, 0])
    assert x[:, col["next_asks"]].tolist() == [0, 0, 1, 0, 0]


def test_the_shipped_detector_fits_this_version_and_the_signals_model() -> None:
    model = BidModel.shipped()
    assert model is not None and 0 < model.threshold < 1
    assert model.weights.shape == (len(FEATURES),)
    meta = json.loads(BID_MODEL.read_text())
    assert meta["features"] == list(FEATURES)
    assert (default_model_dir() / REACH).is_file()  # its word part ships with the signals model


def test_probability_adds_the_words_part_to_the_features_part() -> None:
    n = len(FEATURES)
    w = np.zeros(n)
    w[0] = 2.0
    model = BidModel(np.zeros(n), np.ones(n), w, -1.0, 0.5)
    x = np.zeros((2, n))
    x[0, 0] = 1.0
    p = model.probability(x, [{"reach": _reach(0.5)}, {"reach": _reach(0.0)}])
    assert p.tolist() == pytest.approx([1 / (1 + math.exp(-1.5)), 1 / (1 + math.exp(1.0))])


def test_probability_reads_the_message_before_and_the_partners_reply() -> None:
    """Each message's logit: its own words, what the message before says of the next one, and —
    only where the partner replies next — what that reply says of the message it answers."""
    n = len(FEATURES)
    model = BidModel(np.zeros(n), np.ones(n), np.zeros(n), 0.0, 0.5)
    x = np.zeros((3, n))
    x[0, FEATURES.index("partner_replies_next")] = 1.0
    sigs = [{"reach": _reach(0.0, 1.0, 2.0)}, {"reach": _reach(0.0, 0.0, 3.0)}]
    sigs.append({"reach": _reach(0.5, 0.0, 4.0)})
    logit = np.log(1 / model.probability(x, sigs) - 1) * -1
    # message 0: its reply (m2) says 3.0; message 1: m1 before says 1.0, m3 is no reply to it
    assert logit.tolist() == pytest.approx([3.0, 1.0, 0.5])
