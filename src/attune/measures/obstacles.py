"""Obstacles: the Four Horsemen and their antidotes, conflict, repair, withdrawal, recurring topics.

After Gottman: criticism, contempt, defensiveness and stonewalling predict distress; stable couples
keep about five positive moments to every negative one even inside conflict, and repair attempts
that land stop an argument escalating. Withdrawal — an emotional bid met with silence — is how fear
of vulnerability shows in text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from attune.measures.bids import content_words
from attune.measures.evidence import Evidence, Score
from attune.measures.measure import Event, Measure, rate, with_trend
from attune.measures.trends import WeekValue
from attune.measures.view import View

HORSEMEN = ("criticism", "contempt", "defensiveness", "stonewalling")
ANTIDOTES = ("gentle_startup", "appreciation", "responsibility", "self_soothing")
TOPIC_MIN_EXCHANGES = 2
_NOT_TOPICS = """
    always never again even about think know want like said says told tell feel feeling really
    going gonna didn't don't can't won't it's that's i'll you're i'd you'd just time today tonight
    sorry okay fine whatever well yeah nothing something everything anything
    course doing done does look looks looking need needs needed make makes making made take takes
    taking took come comes coming came give gives gave keep keeps kept put puts getting gets went
    goes seen seem seems mean means meant wanna wanted trying tried thought thinking knew known
    remember forgot happen happened hope let's lets talk talking asked asking ask sure maybe
    probably actually literally honestly basically totally definitely exactly still already
    though also much many more most less very pretty quite kind sort bit lot lots thing things
    stuff someone anyone everyone people good great nice best better bad worse worst right wrong
    real same different little last next first other another every each back away here there
    where when what which while would could should might must shall will with without from into
    onto over under after before then than them they their theirs these those this your yours
    mine ours have having been being were was wasn't isn't aren't doesn't haven't hasn't couldn't
    wouldn't shouldn't i'm i've you've we're we've they're he's she's there's what's let's
    thank thanks love loved lovely miss missed please yes yeah yep nope cool haha lol lmao omg
    morning night tomorrow yesterday week weekend later soon now hour hours minute minutes
    whole ever likes send sent sending text texted texting call called reply replied message
"""
TOPIC_NOISE = frozenset(_NOT_TOPICS.split())
"""Words that are no topic: function words, everyday verbs, adverbs, judgements, thanks and
affection, and times (a chat's topics are its nouns; without a tagger, the rest is listed)."""


def horsemen(view: View) -> Measure:
    """Share of each partner's messages carrying a horseman, with the count of each."""
    events = [
        Event(
            i,
            view.sender(i),
            1.0 if s.get("horseman") else 0.0,
            (*view.answered(i), i),
            str(s.get("horseman")),
            weight=2.0 if s.get("horseman") == "contempt" else 1.0,
        )
        for i, s in enumerate(view.signals)
    ]
    return rate(
        view,
        "Share of a partner's messages with one of the Four Horsemen (criticism, contempt, "
        "defensiveness, stonewalling); details: each one's count and examples.",
        events,
        details=_kinds(view, "horseman", HORSEMEN),
    )


def antidotes(view: View) -> Measure:
    """Share of each partner's messages carrying an antidote, with the count of each."""
    events = [
        Event(
            i,
            view.sender(i),
            1.0 if s.get("antidote") else 0.0,
            (i,),
            str(s.get("antidote")),
            weight=1.0,
        )
        for i, s in enumerate(view.signals)
    ]
    return rate(
        view,
        "Share of a partner's messages with an antidote (gentle start-up, appreciation, taking "
        "responsibility, self-soothing).",
        events,
        details=_kinds(view, "antidote", ANTIDOTES),
    )


def _kinds(view: View, field: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    counts = {p: {k: 0 for k in kinds} for p in view.structure.partners}
    examples: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    for i, s in enumerate(view.signals):
        kind = s.get(field)
        if kind in counts[view.sender(i)]:
            counts[view.sender(i)][kind] += 1
            if len(examples[kind]) < 3:
                examples[kind].append(view.evidence([*view.answered(i), i], kind).to_dict())
    return {"counts": counts, "examples": examples}


def positive_to_negative_ratio(view: View) -> Measure:
    """Positive per negative message inside conflict exchanges (Gottman: ≥ 5:1 when stable)."""
    pos = {p: 0 for p in view.structure.partners}
    neg = {p: 0 for p in view.structure.partners}
    evidence: list[Evidence] = []
    for k in sorted(view.conflict_exchanges):
        ex = view.structure.exchanges[k]
        p_here = sum(1 for i in ex.messages if view.is_positive(i))
        n_here = sum(1 for i in ex.messages if view.is_negative(i))
        for i in ex.messages:
            pos[view.sender(i)] += view.is_positive(i)
            neg[view.sender(i)] += view.is_negative(i)
        if len(evidence) < 5:
            evidence.append(
                view.evidence(
                    ex.messages[:8], f"conflict exchange: {p_here} positive, {n_here} negative"
                )
            )

    def ratio(p: int, n: int) -> float | None:
        return None if n == 0 else p / n

    total_p, total_n = sum(pos.values()), sum(neg.values())
    weekly_pos: dict[str, list[int]] = {}
    for k in view.conflict_exchanges:
        ex = view.structure.exchanges[k]
        week = view.week(ex.opener)
        if week is not None:
            tally = weekly_pos.setdefault(week, [0, 0])
            tally[0] += sum(1 for i in ex.messages if view.is_positive(i))
            tally[1] += sum(1 for i in ex.messages if view.is_negative(i))
    weekly = [
        WeekValue(w, ratio(*weekly_pos[w]), sum(weekly_pos[w]))
        if w in weekly_pos
        else WeekValue(w, None, 0)
        for w in view.weeks
    ]
    measure = Measure(
        "Positive messages (warmth, appreciation, repair, validation) per negative one (horsemen, "
        "invalidation, hostility) inside conflict exchanges; Gottman found about 5:1 in stable "
        "couples. None when there was no negative message.",
        Score(ratio(total_p, total_n), len(view.conflict_exchanges), None, evidence),
        {p: Score(ratio(pos[p], neg[p]), pos[p] + neg[p]) for p in view.structure.partners},
        details={
            "conflict_exchanges": len(view.conflict_exchanges),
            "positive": pos,
            "negative": neg,
        },
    )
    return with_trend(view, measure, weekly, 5.0)


def repair_attempts(view: View) -> Measure:
    """Share of repair attempts that land: the partner's next turn de-escalates."""
    events = []
    for i, s in enumerate(view.signals):
        if not s.get("repair"):
            continue
        reply = view.reply_to(i)
        rebuffed = [j for j in reply if view.is_hostile(j) or view.signals[j].get("horseman")]
        landed = not rebuffed and any(
            view.is_positive(j) or view.signals[j].get("repair") or view.valence(j) >= 0
            for j in reply
        )
        why = (
            "landed"
            if landed
            else ("rebuffed" if rebuffed else "no reply" if not reply else "not taken up")
        )
        events.append(
            Event(i, view.sender(i), 1.0 if landed else 0.0, (i, *reply[:2]), why, weight=1.0)
        )
    return rate(
        view,
        "Share of repair attempts (apology, humour, affection, 'let's start over', a pause) whose "
        "reply de-escalates rather than rebuffs; by partner: the one repairing.",
        events,
    )


def withdrawal(view: View) -> Measure:
    """Share of the partner's emotional bids left without any reply in the exchange."""
    events = [
        Event(
            b.message,
            view.structure.partner_of(view.sender(b.message)),
            1.0 if not b.response else 0.0,
            (b.message, *b.response[:1]),
            "emotional bid met with silence" if not b.response else "answered",
            weight=abs(view.valence(b.message)),
        )
        for b in view.bids
        if b.kind in ("feeling", "affection")
    ]
    return rate(
        view,
        "Share of the partner's emotional bids (feelings, affection) met with silence until the "
        "exchange ended; by partner: the one who fell silent. Stonewalling messages are counted "
        "with the horsemen.",
        events,
    )


def recurring_conflict_topics(view: View) -> list[dict[str, Any]]:
    """Words that come back across conflict exchanges, with the exchanges they came up in."""
    seen: dict[str, list[int]] = {}
    for k in sorted(view.conflict_exchanges):
        words: set[str] = set()
        for i in view.structure.exchanges[k].messages:
            words |= {w for w in content_words(view.text(i)) if w not in TOPIC_NOISE and len(w) > 3}
        for w in sorted(words):
            seen.setdefault(w, []).append(k)
    counts = Counter(
        {w: len(ks) for w, ks in sorted(seen.items()) if len(ks) >= TOPIC_MIN_EXCHANGES}
    )
    return [
        {
            "topic": w,
            "exchanges": n,
            "evidence": [
                view.evidence(
                    view.structure.exchanges[k].messages[:6], f"'{w}' in a conflict"
                ).to_dict()
                for k in seen[w][:3]
            ],
        }
        for w, n in counts.most_common(8)
    ]


MEASURES: dict[str, Callable[[View], object]] = {
    "horsemen": horsemen,
    "antidotes": antidotes,
    "positive_to_negative_ratio": positive_to_negative_ratio,
    "repair_attempts": repair_attempts,
    "withdrawal": withdrawal,
    "recurring_conflict_topics": recurring_conflict_topics,
}
"""This group's measures by name, in the order the analysis lists them."""


def obstacles(view: View) -> dict[str, object]:
    return {name: measure(view) for name, measure in MEASURES.items()}
