"""Bids for connection and how the partner responds (after Gottman; codebook "Bids").

A bid reaches for the partner: news or a feeling shared, a question about the partner's life, an
invitation, "look at this", affection, a joke meant to be shared. Logistics, complaints and
replies that only answer are not bids. One bid per turn: a burst ("I GOT IT" / "the lecturer
job!!!") is one reach, coded on its first qualifying message; once an exchange has a bid, what
follows is its conversation, and only an invitation reaches again.

The outcome is read from the partner's next turn in the same exchange:

- ``against``: hostile, sarcastic, belittling or irritated (a horseman, invalidation, or an
  irritated brush-off);
- ``toward``: engages with the bid's content or feeling — asks more, shares the feeling, comforts,
  accepts the invitation, answers the question, or picks up the bid's words;
- ``away``: no reply before the exchange ends, a token reply ("ok", "👍"), or a change of subject.

Which messages are bids is decided, where the signals carry ``reach``, by a learned detector: a
logistic regression over the rules' decision, the message's place in its turn and exchange,
timing, whether and how the partner replies, a few signals (``FEATURES``), and the words of the
message, of the one before it and of the partner's reply (``reach``, from the signals model),
fitted on the dev dialogues by ``training/train_bids.py``; at most one bid per turn, the first
the detector picks (a burst is one reach). The rules alone found about half the bids of writers
they were not written against; the detector keeps the rules' reading (kind, outcome) of the bids
they agree on and gives the others the kind ``bid_kind`` reads (``news`` when none). Without
``reach`` (a model without ``reach.npz``) the rules decide alone.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from attune.measures.exchanges import Structure
from attune.signals.model import REACH_ROLES, has_reach

Outcome = Literal["toward", "away", "against"]
Signal = Mapping[str, Any]


class Lowered:
    """A case-insensitive pattern written in lower case: ``search`` lowercases the text and
    matches case-sensitively, 2–4x faster than ``re.IGNORECASE`` on these long alternations
    (measured over 50,000 chat messages; the same matches)."""

    __slots__ = ("regex",)

    def __init__(self, pattern: str) -> None:
        if re.sub(r"\\.", "", pattern) != re.sub(r"\\.", "", pattern).lower():
            raise ValueError(f"write the pattern in lower case: {pattern!r}")
        self.regex = re.compile(pattern)

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text.lower())


INVITATION = Lowered(
    r"\b(?:wanna|want to|do you want|d'?you want|shall we|should we|let'?s|fancy|how about|"
    r"are (?:you|u) free|come with|join me|date night|my treat|up for|we could|can we go|"
    r"facetime|call me|ring me|on me|i'?m taking (?:you|u)|just us)\b|\btogether\?"
)
LOOK = Lowered(
    r"\b(?:look at|look!|look (?:what|who|how)|see what i|check (?:this|it) out|have you seen|"
    r"did (?:you|u) see|thought of (?:you|u)|reminded me of (?:you|u)|listen to this|watch this)\b|"
    r"\[link\]|https?://|\[(?:photo|image|video)\]"
)
AFFECTION = Lowered(
    r"\b(?:love (?:you|ya|u)|miss(?:ing)? (?:you|ya|u)|proud of (?:you|u)|thinking (?:of|about) "
    r"(?:you|u)|can'?t wait to see (?:you|u)|you'?re (?:the best|amazing|brilliant)|xx+)\b|"
    r"[❤💕💖💗💘🥰😘😍🥺]"
)
NEWS = Lowered(
    r"\b(?:guess what|guess who|omg|you won'?t believe|i got|i did it|we got|just (?:got|found|"
    r"heard|saw)|finally|so excited|great news|bad news|news)\b|!{2,}|[😂🤣😹😆🎉😎]"
)
FEELING = Lowered(
    r"(?:\b(?:i'?m|i am|im|i feel|i felt|feeling|i've been|ive been|had the|having a)|^feel)\b"
    r"[^.!?]{0,40}"
    r"\b(?:anxious|scared|worried|sad|down|low|lonely|stressed|overwhelmed|tired|exhausted|"
    r"nervous|upset|hurt|awful|terrible|rough|worst|best|happy|excited|proud|left out|invisible|"
    r"distant|afraid|panic\w*|miss|weird|alone|hopeless|gutted|heartbroken|"
    r"insecure|jealous|ignored|unappreciated|burn(?:ing|t|ed) out)\b|"
    r"\bcan'?t stop (?:thinking|worrying|crying)\b|\bi (?:cried|was crying|broke down)\b|"
    r"\bfeel(?:ing)? (?:so |really |kind of |kinda |a bit )?stuck\b"
)
SECOND_PERSON = Lowered(r"\b(?:you|u|your|ur)\b")
ABOUT_PARTNER = Lowered(
    r"\b(?:how(?:'s|s| is| was| are| did)|what(?:'s| is| was) (?:up|new)|are (?:you|u) (?:ok|okay|"
    r"alright|feeling)|did (?:you|u) (?:have|enjoy|manage|get on)|tell me about)\b"
)
LOGISTICS = Lowered(
    r"\b(?:pick up|grab|buy|bring|bill|council tax|rent|mortgage|parcel|delivery|car|bins?|keys?|"
    r"groceries|shopping|milk|bread|kids|school run|book bags|dentist|appointment|pay|paid|"
    r"transfer|invoice|plumber|laundry|dishes|hoover|what time|when are (?:you|u)|omw|on my way|"
    r"running late|be home|eta|tickets?|booking|booked|street cleaning|electricity|wifi|"
    r"chinese or|pizza or|dinner\?|washing|heating|boiler|recycling|hoover|"
    r"can (?:you|u) (?:drive|pick|grab|get|take|bring|call|book|sort|check))\b"
)
RUN_UP = Lowered(  # a burst's opener that only announces news to come (coding decision 1)
    r"^\W*(?:guess what+|guess who+|omg+|oh my god+|you won'?t believe (?:this|it|what)|"
    r"(?:big |some |good )?news)\W*$"
)
SUPPORT_OFFER = Lowered(  # comfort offered in reply to a bid, not a new reach
    r"\b(?:want me to|shall i|should i|do (?:you|u) want to talk|talk about it|need anything)\b"
)
REASK = Lowered(
    r"\b(?:did (?:you|u) (?:see|read|get) (?:my|what i|it|this)|hello\?\?|are (?:you|u) "
    r"ignoring me|so is that a no|(?:you|u) didn'?t answer)"
)
COMPLAINT = Lowered(
    r"\b(?:can (?:you|u) (?:stop|not)|stop \w+ing|(?:you|u) left|(?:you|u) forgot|(?:you|u) said "
    r"(?:you|u)'?d|(?:you|u) didn'?t|(?:you|u) never|(?:you|u) always|why did(?:n'?t)? (?:you|u)|"
    r"did (?:you|u) remember|don'?t forget|remember to)\b"
)
TOKEN_REPLY = Lowered(
    r"^\W*(?:ok(?:ay)?|k+|kk|nice|cool|hm+|mm+|ya|yeah|yep|yup|sure|fine|lol|haha|ah|oh|right|"
    r"noted|great|good|ya cool|ok cool|cool cool|wow|nice one|whatever|if you say so|"
    r"[👍👌🙂]+)(?:\s+(?:ok|cool|nice|lol|then|one|thx|thanks|[👍👌🙂]))*\W*$"
)
BRUSH_OFF = Lowered(
    r"\b(?:stop (?:sending|it|that)|can (?:you|u) stop|not now|ugh|seriously\?|why do (?:you|u) "
    r"even|can'?t afford|so what|who cares|don'?t care|not this again|here we go|i'?m busy|"
    r"leave me alone|grow up|get over it|again\?)\b|🙄"
)
ACCEPT = Lowered(
    r"^\W*(?:yes|yess+|yes pls|yes please|obviously|deal|absolutely|definitely|of course|"
    r"i'?d love (?:that|to)|sounds (?:good|great|perfect|lovely)|omg yes|count me in|always)\b"
)
ENGAGED_EMOTIONS = frozenset(
    {
        "admiration",
        "amusement",
        "caring",
        "curiosity",
        "excitement",
        "gratitude",
        "joy",
        "love",
        "pride",
        "sadness",
        "surprise",
        "realization",
        "approval",
        "optimism",
        "remorse",
    }
)
WARM_LISTENING = frozenset(
    {"question", "restatement", "reflection_of_feelings", "affirmation", "self_disclosure"}
)
HOSTILE = frozenset({"criticism", "contempt", "defensiveness"})
LINKED = 0.5  # cosine of reply and answered message from which the reply is about the bid
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "im",
        "i'm",
        "me",
        "my",
        "you",
        "u",
        "your",
        "ur",
        "we",
        "us",
        "our",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "so",
        "just",
        "really",
        "very",
        "this",
        "that",
        "with",
        "have",
        "has",
        "had",
        "do",
        "did",
        "not",
        "no",
        "yes",
        "ok",
        "okay",
        "what",
        "how",
        "why",
        "when",
        "where",
        "who",
        "there",
        "here",
        "all",
        "too",
        "got",
        "get",
    ]
)


@dataclass(frozen=True, slots=True)
class Bid:
    """A bid, the kind of reach it is, its outcome and the partner messages that decided it."""

    message: int
    kind: str
    outcome: Outcome
    response: tuple[int, ...]
    why: str


def bid_kind(
    text: str,
    signal: Signal,
    *,
    opens_exchange: bool,
    follows_bid: bool,
    tense: bool = False,
    rebuffed: bool = False,
) -> str | None:
    """What kind of reach a message is, or None when it is not a bid.

    ``opens_exchange``: the message starts its exchange. ``follows_bid``: a bid was already made
    earlier in the exchange, so what follows is mostly its conversation — only an invitation or
    a re-ask ("did you see what i said?") reaches again (codebook decision: replies are not bids
    unless they reach again). ``tense``: the exchange has turned hostile, where only a message
    that shares a feeling is a bid. ``rebuffed``: this sender's last bid in the exchange was met
    away or against, so saying a feeling again reaches again ("i'm not overreacting. i stood by
    the coats for two hours").
    """
    if REASK.search(text):
        return "question"
    hostile = signal.get("horseman") in HOSTILE or signal.get("repair") or tense
    if hostile and not FEELING.search(text):
        return None
    is_question = signal.get("question_type") is not None or text.rstrip().endswith("?")
    if TOKEN_REPLY.search(text):
        return None
    invites = INVITATION.search(text) and not SUPPORT_OFFER.search(text)
    if invites and (is_question or opens_exchange or follows_bid or "!" in text):
        return "invitation"
    if follows_bid:
        return "feeling" if rebuffed and _shares_feeling(text, signal) else None
    if COMPLAINT.search(text) and not FEELING.search(text):
        return None
    if is_question and ABOUT_PARTNER.search(text) and SECOND_PERSON.search(text):
        return "question"  # "how are you feeling after the dentist?": the person, not the errand
    if LOGISTICS.search(text) and not (FEELING.search(text) or AFFECTION.search(text)):
        return None
    if is_question and ABOUT_PARTNER.search(text):
        return "question"
    if _shares_feeling(text, signal):
        return "feeling"
    if LOOK.search(text):
        return "look"
    if AFFECTION.search(text):
        return "affection"
    if NEWS.search(text):
        return "news"
    labels = set(signal.get("emotion_labels") or ())
    if opens_exchange and labels & {"excitement", "joy", "amusement", "pride", "sadness", "fear"}:
        return "news"
    if opens_exchange and _shares_personal_news(text, signal):
        return "news"
    return None


def _shares_feeling(text: str, signal: Signal) -> bool:
    """Feeling words, or the model's vulnerable-disclosure level (2)."""
    return bool(FEELING.search(text)) or int(signal.get("disclosure", 0)) >= 2


STATUS = Lowered(  # where one is and when one will be back: logistics, not a reach
    r"\b(?:leaving|left|home|back|here|there|outside|arrived|landed|at the|on the (?:train|bus|"
    r"tube|way)|in (?:a|\d+) (?:min|sec|hour)|mins?|stuck|traffic|parked|finished|done|"
    r"got out|out of)\b"
)


def _shares_personal_news(text: str, signal: Signal) -> bool:
    """An exchange opened with something of one's life (the model's disclosure level 1 or more:
    "my boss said i'm being considered for team lead"), long enough to be more than a status
    update, and neither logistics nor where one is."""
    return (
        int(signal.get("disclosure", 0)) >= 1
        and len(text.split()) >= 5
        and not STATUS.search(text)
        and not SECOND_PERSON.search(text)
    )


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.lower()) if w not in STOPWORDS and len(w) > 2}


def _engages(bid_text: str, kind: str, reply: str, signal: Signal) -> str | None:
    """Why a reply message engages with the bid, or None."""
    if kind == "invitation" and ACCEPT.search(reply):
        return "accepts the invitation"
    if signal.get("question_type") is not None and not LOGISTICS.search(reply):
        return "asks about it"
    if signal.get("validation") == "validating":
        return "validates the feeling"
    empathy = signal.get("empathy") or {}
    if any(int(v) > 0 for v in empathy.values()):
        return "responds with empathy"
    if TOKEN_REPLY.search(reply):
        return None
    if content_words(bid_text) & content_words(reply):
        return "picks up what was said"
    link = signal.get("link")
    if link is not None and float(link) >= LINKED:
        return "replies to what was said"
    labels = set(signal.get("emotion_labels") or ())
    if labels & ENGAGED_EMOTIONS or AFFECTION.search(reply) or NEWS.search(reply):
        return "shares the feeling"
    if signal.get("listening") in WARM_LISTENING and not LOGISTICS.search(reply):
        return "responds to it"
    if kind == "question" and len(reply.split()) >= 3:
        return "answers the question"
    return None


def bid_outcome(
    structure: Structure, texts: Sequence[str], signals: Sequence[Signal], bid: int, kind: str
) -> tuple[Outcome, tuple[int, ...], str]:
    """The outcome of the bid at message ``bid``: from the partner's next turn in the exchange."""
    turn = structure.turn_of[bid]
    reply = structure.next_turn(turn)
    if reply is None:
        return "away", (), "no reply before the exchange ended"
    response = tuple(reply.messages)
    for i in response:
        s = signals[i]
        if s.get("horseman") in HOSTILE or s.get("validation") == "invalidating":
            return "against", response, "a hostile or dismissive reply"
        if BRUSH_OFF.search(texts[i]):
            return "against", response, "an irritated brush-off"
    if TOKEN_REPLY.search(texts[response[0]]) and not _picks_up(texts[bid], response, texts):
        # "ok" / "nice", then "did u move the car?": a token, then another subject (decision 4)
        return "away", response, "a token reply, then something else"
    for i in response:
        why = _engages(texts[bid], kind, texts[i], signals[i])
        if why:
            return "toward", response, why
    if all(TOKEN_REPLY.search(texts[i]) for i in response):
        return "away", response, "a token reply"
    return "away", response, "the reply moves to something else"


def _picks_up(bid_text: str, response: Sequence[int], texts: Sequence[str]) -> bool:
    """Whether a reply that opens with a token goes on about the bid: a question about the
    partner, the bid's own words, or anything but logistics and questions of its own."""
    rest = [texts[i] for i in response[1:]]
    if not rest:
        return True  # a lone token: the usual token-reply rule decides
    said = content_words(bid_text)
    for text in rest:
        if ABOUT_PARTNER.search(text) or said & content_words(text):
            return True
        if not (LOGISTICS.search(text) or text.rstrip().endswith("?") or REASK.search(text)):
            return True
    return False


def _rebuffed(structure: Structure, bids: Sequence[Bid], exchange: int, i: int) -> bool:
    """Whether the sender of message ``i`` made a bid earlier in this exchange that was met away
    or against (the last such bid of theirs)."""
    sender = structure.messages[i].sender
    for bid in reversed(bids):
        if structure.exchange_of[bid.message] != exchange:
            return False
        if structure.messages[bid.message].sender == sender:
            return bid.outcome != "toward"
    return False


def find_bids(
    structure: Structure, signals: Sequence[Signal], model: BidModel | None = None
) -> list[Bid]:
    """Every bid in the conversation with its outcome.

    Where the signals carry ``reach`` (the words' parts, from the signals model), the learned bid
    detector decides which messages are bids; otherwise the rules decide alone (``rule_bids``)."""
    rules = rule_bids(structure, signals)
    model = model or BidModel.shipped()
    if model is None or not signals or not all(has_reach(s, model.reach_fit) for s in signals):
        return rules  # no reach, or reach from weights this detector was not fitted with
    probability = model.probability(bid_features(structure, signals, rules), signals)
    by_message = {b.message: b for b in rules}
    texts = [m.text for m in structure.messages]
    opening = {ex.messages[0] for ex in structure.exchanges}
    bids = []
    for i in first_in_each_turn(structure.turn_of, probability >= model.threshold):
        if i in by_message:
            bids.append(by_message[i])
            continue
        kind = bid_kind(texts[i], signals[i], opens_exchange=i in opening, follows_bid=False)
        kind = kind or "news"
        outcome, response, why = bid_outcome(structure, texts, signals, i, kind)
        bids.append(Bid(i, kind, outcome, response, why))
    return bids


def first_in_each_turn(turn_of: Sequence[int], chosen: npt.NDArray[np.bool_]) -> list[int]:
    """The first chosen message of each turn (``turn_of``: each message's turn): a burst is one
    reach (the dialogues' coders put two bids in one turn in 2 of 2,277 turns)."""
    out: list[int] = []
    last_turn = -1
    for i in np.flatnonzero(chosen).tolist():
        if turn_of[i] != last_turn:
            out.append(i)
            last_turn = turn_of[i]
    return out


FEATURES = (
    "rule_bid",
    "opens_exchange",
    "same_sender_as_previous",
    "log_minutes_since_previous",
    "log_words",
    "ends_with_question_mark",
    "exclamation",
    "disclosure",
    "horseman",
    "repair",
    "previous_is_rule_bid",
    "second_person",
    "first_in_turn",
    "log_place_in_turn",
    "turn_in_exchange",
    "last_in_turn",
    "answers_rule_bid",
    "burst",
    "partner_replies_next",
    "log_minutes_to_next",
    "next_link",
    "next_asks",
)


def bid_features(
    structure: Structure, signals: Sequence[Signal], rules: Sequence[Bid]
) -> npt.NDArray[np.float64]:
    """One row of ``FEATURES`` per message: what the learned detector reads besides the words,
    built column by column (cheap: no pattern is matched again; the rules' kinds were left out
    as they added nothing measurable, leave-one-round-out F1 0.829 with them, 0.824 without).
    The partner's reply counts: coders see it, and a bid is mostly answered in kind."""
    messages = structure.messages
    n = len(messages)
    texts = [m.text for m in messages]
    ruled = np.zeros(n)
    ruled[[b.message for b in rules]] = 1.0
    opening = np.zeros(n, dtype=bool)
    opening[[ex.messages[0] for ex in structure.exchanges]] = True
    stamps = np.array(
        [np.nan if m.timestamp is None else m.timestamp.timestamp() for m in messages]
    )
    gap = np.zeros(n)
    if n > 1:
        gap[1:] = np.nan_to_num(np.maximum(np.diff(stamps) / 60.0, 0.0), nan=0.0)
    senders = [m.sender for m in messages]
    same = np.array([False, *(a == b for a, b in itertools.pairwise(senders))][:n])
    second = {t: bool(SECOND_PERSON.search(t)) for t in set(texts)}
    previous_ruled = np.zeros(n)
    previous_ruled[1:] = ruled[:-1]
    # first in turn, log place in it, turn in exchange, last in turn, answers a bid, burst
    rows: list[tuple[float, ...]] = [(0.0,) * 6] * n
    ruled_at = {b.message for b in rules}
    for ex in structure.exchanges:
        for k, t in enumerate(ex.turns):
            burst = structure.turns[t].messages
            answers = k > 0 and any(
                i in ruled_at for i in structure.turns[ex.turns[k - 1]].messages
            )
            last = len(burst) - 1
            for j, i in enumerate(burst):
                rows[i] = (j == 0, math.log1p(j), min(k, 3), j == last, answers, last > 0)
    place = np.array(rows, dtype=float).reshape(n, 6)
    replied = np.zeros(n, dtype=bool)
    replied[:-1] = [
        structure.exchange_of[i] == structure.exchange_of[i + 1] and not same[i + 1]
        for i in range(n - 1)
    ]
    after = np.zeros(n)
    after[:-1] = gap[1:]
    link = np.zeros(n)
    asks = np.zeros(n)
    for i in np.flatnonzero(replied).tolist():
        link[i] = float(signals[i + 1].get("link") or 0.0)
        asks[i] = signals[i + 1].get("question_type") is not None
    columns: list[Any] = [
        ruled,
        opening,
        same,
        np.log1p(gap),
        np.log1p([len(t.split()) for t in texts]),
        [t.rstrip().endswith("?") for t in texts],
        ["!" in t for t in texts],
        [float(s.get("disclosure", 0)) for s in signals],
        [s.get("horseman") is not None for s in signals],
        [bool(s.get("repair")) for s in signals],
        previous_ruled,
        [second[t] for t in texts],
        *place.T,
        replied,
        np.log1p(after),
        link,
        asks,
    ]
    out = np.zeros((n, len(FEATURES)))
    for j, values in enumerate(columns):
        out[:, j] = values
    return out


BID_MODEL = Path(__file__).with_name("bid_model.json")


@dataclass(frozen=True)
class BidModel:
    """The learned bid detector's non-word part: a logistic regression over ``FEATURES``
    (standardised) plus the signals' ``reach``; fitted on the dev dialogues by
    ``training/train_bids.py``."""

    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]
    bias: float
    threshold: float
    reach_fit: str | None = None
    """The fingerprint of the reach weights fitted with it (None: any)."""

    @classmethod
    def load(cls, path: Path) -> BidModel:
        meta = json.loads(path.read_text(encoding="utf-8"))
        if tuple(meta["features"]) != FEATURES:
            raise ValueError(f"{path}: fitted on other features than this version computes")
        return cls(
            np.asarray(meta["mean"]),
            np.asarray(meta["scale"]),
            np.asarray(meta["weights"]),
            float(meta["bias"]),
            float(meta["threshold"]),
            meta.get("reach_fit"),
        )

    @classmethod
    @functools.cache
    def shipped(cls) -> BidModel | None:
        return cls.load(BID_MODEL) if BID_MODEL.is_file() else None

    def probability(
        self, features: npt.NDArray[np.float64], signals: Sequence[Signal]
    ) -> npt.NDArray[np.float64]:
        """Per message: the features' part, its own words, the words of the message before it
        and, where the partner replies next, the words of that reply."""
        roles = operator.itemgetter(*REACH_ROLES)
        reach = np.fromiter(
            itertools.chain.from_iterable(roles(s["reach"]) for s in signals),
            dtype=float,
            count=len(REACH_ROLES) * len(signals),
        ).reshape(len(signals), len(REACH_ROLES))
        logit = ((features - self.mean) / self.scale) @ self.weights + reach[:, 0] + self.bias
        logit[1:] += reach[:-1, 1]
        replied = features[:-1, FEATURES.index("partner_replies_next")] > 0
        logit[:-1] += np.where(replied, reach[1:, 2], 0.0)
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0))))


KindReader = Callable[[str, Signal, bool, bool, bool, bool], str | None]
"""(text, signal, opens exchange, follows a bid, tense, rebuffed) → :func:`bid_kind`."""


def _kind_reader() -> KindReader:
    """``bid_kind``, remembered for a conversation: chats repeat their short texts ("ok", "lol",
    "love you") with the same signals thousands of times."""
    seen: dict[tuple[Any, ...], str | None] = {}

    def read(
        text: str, s: Signal, opens: bool, follows: bool, tense: bool, rebuffed: bool
    ) -> str | None:
        key: tuple[Any, ...] = (text, opens, follows, tense, rebuffed, s.get("horseman"))
        key += (s.get("repair"), s.get("question_type"), s.get("disclosure", 0))
        key += tuple(s.get("emotion_labels") or ())
        if key not in seen:
            seen[key] = bid_kind(
                text, s, opens_exchange=opens, follows_bid=follows, tense=tense, rebuffed=rebuffed
            )
        return seen[key]

    return read


def rule_bids(structure: Structure, signals: Sequence[Signal]) -> list[Bid]:
    """Every bid the rules find, with its outcome: at most one per turn (a burst is one reach);
    after an exchange's first bid only invitations and re-asks reach again; once the exchange
    turns hostile only shared feelings do."""
    texts = [m.text for m in structure.messages]
    bids: list[Bid] = []
    read_kind = _kind_reader()
    for ex in structure.exchanges:
        follows_bid = tense = False
        for t in ex.turns:
            turn_has_bid = False
            announced = False  # a run-up ("guess what") made the next message a news bid
            burst = structure.turns[t].messages
            for k, i in enumerate(burst):
                kind = None
                run_up = not follows_bid and k + 1 < len(burst) and RUN_UP.search(texts[i])
                if not turn_has_bid and run_up:
                    announced = True  # the content that follows in the burst is the bid
                elif not turn_has_bid:
                    kind = read_kind(
                        texts[i],
                        signals[i],
                        i == ex.messages[0],
                        follows_bid,
                        tense,
                        follows_bid and _rebuffed(structure, bids, ex.index, i),
                    )
                    if kind is None and announced and not TOKEN_REPLY.search(texts[i]):
                        kind = "news"
                    announced = False
                if kind is not None:
                    outcome, response, why = bid_outcome(structure, texts, signals, i, kind)
                    bids.append(Bid(i, kind, outcome, response, why))
                    follows_bid = turn_has_bid = True
                s = signals[i]
                tense = tense or s.get("horseman") is not None
                tense = tense or s.get("validation") == "invalidating"
    return bids
