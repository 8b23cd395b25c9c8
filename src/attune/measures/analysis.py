"""The whole analysis: a conversation in, every measure with its evidence out.

:func:`analyze` cuts the conversation into exchanges and turns, reads each message's signals (one
encoder pass through :class:`~attune.signals.annotate.Annotator`, each message seeing the partner
message it answers), finds the bids and their outcomes, and computes the measures. The result's
:meth:`Analysis.to_dict` is the ``attune analyze --json`` contract (interfaces.md §3).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attune.conversation import Conversation
from attune.jsonio import dumpb
from attune.measures.attunement import MEASURES as attunement_measures
from attune.measures.attunement import attunement
from attune.measures.bids import Bid, find_bids
from attune.measures.engagement import MEASURES as engagement_measures
from attune.measures.engagement import engagement
from attune.measures.evidence import median
from attune.measures.evidence import rate as rate_score
from attune.measures.exchanges import Structure, structure
from attune.measures.measure import Event, Measure, rate
from attune.measures.moments import moments
from attune.measures.obstacles import MEASURES as obstacles_measures
from attune.measures.obstacles import obstacles
from attune.measures.parallel import fork_join, worth_forking
from attune.measures.quality_time import MEASURES as quality_time_measures
from attune.measures.quality_time import quality_time
from attune.measures.safety import safety
from attune.measures.view import View
from attune.measures.vulnerability import MEASURES as vulnerability_measures
from attune.measures.vulnerability import vulnerability

if TYPE_CHECKING:  # imported where used: reading cached signals needs no annotator (~0.2 s)
    from attune.signals.annotate import Annotator, Item, Progress

CONTEXT = 3  # earlier messages given to the annotator; the last is the one being answered
CAVEAT = (
    "Scores are orientation, not diagnosis: they come from automatic detectors with known error "
    "rates (see the model card) and from text alone. Read the quoted messages before concluding."
)


@dataclass(slots=True)
class Analysis:
    """A conversation's structure, per-message signals, bids and measures."""

    structure: Structure
    signals: list[Mapping[str, Any]]
    bids: list[Bid]
    metrics: dict[str, Any]
    excluded: int

    def message_records(self) -> Iterator[dict[str, Any]]:
        """Each analysed message as the contract's record: its signals, bid and exchange."""
        bid_at = {b.message: b for b in self.bids}
        for i, m in enumerate(self.structure.messages):
            record: dict[str, Any] = {
                "id": m.id,
                "sender": m.sender,
                "timestamp": m.timestamp.isoformat() if m.timestamp is not None else None,
                "text": m.text,
            }
            record.update(self.signals[i])  # keys already there keep their place: id first
            record["id"], record["text"] = m.id, m.text
            bid = bid_at.get(i)
            record["bid"] = bid is not None
            record["bid_outcome"] = bid.outcome if bid is not None else None
            record["bid_kind"] = bid.kind if bid is not None else None
            record["exchange"] = self.structure.exchange_of[i]
            yield record

    def summary(self) -> dict[str, Any]:
        """Participants and metrics, without the per-message records (for the summaries)."""
        return {"participants": list(self.structure.partners), "metrics": to_plain(self.metrics)}

    def to_dict(self) -> dict[str, Any]:
        """The whole ``--json`` document (interfaces.md §3)."""
        return {**self.summary(), "messages": list(self.message_records())}

    def json_chunks(self) -> Iterator[bytes]:
        """:meth:`to_dict` as UTF-8 JSON, one message at a time: a long chat's document is never
        held whole in memory."""
        summary = self.summary()
        yield b'{"participants": ' + dumpb(summary["participants"]) + b', "messages": ['
        for k, record in enumerate(self.message_records()):
            yield (b"" if k == 0 else b", ") + dumpb(record)
        yield b'], "metrics": ' + dumpb(summary["metrics"]) + b"}\n"


def to_plain(value: Any) -> Any:
    """Measures (and nested containers of them) as plain JSON values."""
    if isinstance(value, Measure):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def signal_items(struct: Structure, indexes: Iterable[int] | None = None) -> list[Item]:
    """One annotate item per message (or per message of ``indexes``); its context ends with the
    partner message it answers (earlier messages of the same exchange only), so reply-level
    heads see what was said."""
    from attune.signals.annotate import Item

    items = []
    for i in range(len(struct.messages)) if indexes is None else indexes:
        m = struct.messages[i]
        turn = struct.turns[struct.turn_of[i]]
        context: tuple[str, ...] = ()
        if turn.answers is not None:
            answered = struct.turns[turn.answers].messages[-1]
            start = max(struct.exchanges[struct.exchange_of[i]].messages[0], answered - CONTEXT + 1)
            context = tuple(struct.messages[j].text for j in range(start, answered + 1))
        items.append(Item(id=m.id, text=m.text, context=context, sender=m.sender))
    return items


def conversation_structure(view: View) -> dict[str, Any]:
    """Exchanges, turns, initiative, latency and balance of volume and length."""
    s = view.structure
    words = {p: 0 for p in s.partners}
    count = {p: 0 for p in s.partners}
    for i, sig in enumerate(view.signals):
        count[view.sender(i)] += 1
        words[view.sender(i)] += int((sig.get("counts") or {}).get("words", 0))
    total_words = sum(words.values()) or 1
    initiative = rate(
        view,
        "Share of exchanges each partner opened (initiative); the overall value is the first "
        "partner's share.",
        [
            Event(
                ex.opener,
                s.partners[0],
                1.0 if view.sender(ex.opener) == s.partners[0] else 0.0,
                (ex.opener,),
                f"{view.sender(ex.opener)} opened the exchange",
                weight=float(len(ex.messages)),
            )
            for ex in s.exchanges
        ],
    )
    opened = {p: sum(1 for ex in s.exchanges if view.sender(ex.opener) == p) for p in s.partners}
    initiative.by_partner = {p: rate_score(n, len(s.exchanges)) for p, n in opened.items()}
    latencies = [t.latency_s / 60.0 for t in s.turns if t.latency_s is not None]
    return {
        "messages": count,
        "excluded_messages": 0,
        "words": words,
        "word_share": {p: round(w / total_words, 4) for p, w in words.items()},
        "exchanges": len(s.exchanges),
        "exchange_gap_min": round(s.gap_s / 60.0, 1),
        "turns": len(s.turns),
        "exchanges_opened": opened,
        "initiative": initiative,
        "median_reply_latency_min": None if not latencies else round(median(latencies) or 0.0, 1),
        "weeks": len(view.weeks),
        "first": _iso(s.messages[0].timestamp) if s.messages else None,
        "last": _iso(s.messages[-1].timestamp) if s.messages else None,
    }


def _iso(ts: Any) -> str | None:
    return None if ts is None else str(ts.isoformat())


MEASURE_GROUPS: dict[str, Callable[[View], Any]] = {
    "structure": conversation_structure,
    "engagement": engagement,
    "attunement": attunement,
    "vulnerability": vulnerability,
    "obstacles": obstacles,
    "quality_time": quality_time,
    "safety": safety,
    "moments": moments,
}
GROUP_MEASURES: dict[str, Mapping[str, Callable[[View], Any]]] = {
    "engagement": engagement_measures,
    "attunement": attunement_measures,
    "vulnerability": vulnerability_measures,
    "obstacles": obstacles_measures,
    "quality_time": quality_time_measures,
}
"""The groups made of named measures, which the two halves below may share out one by one."""

AFTER_BIDS = (
    "engagement",
    "vulnerability",
    "obstacles.withdrawal",
    "quality_time.shared_plans",
    "moments",
)
"""What the parent computes once it has found the bids: a group, or a group's one measure. All
that reads the bids is here; a forked child computes everything else meanwhile. Chosen so the two
halves take about as long (profiled one by one on a 50,000-message chat: the bids ~1.0 s, then
~1.3 s here; ~2.3 s in the child, language style matching and the non-verbal cues the most)."""


def work_units() -> dict[str, Callable[[View], Any]]:
    """Every computation by unit name: ``group`` for a group computed whole, ``group.measure``
    for one measure of a group in ``GROUP_MEASURES``."""
    units: dict[str, Callable[[View], Any]] = {}
    for group, compute in MEASURE_GROUPS.items():
        if group in GROUP_MEASURES:
            units.update({f"{group}.{n}": m for n, m in GROUP_MEASURES[group].items()})
        else:
            units[group] = compute
    return units


def after_bids(unit: str) -> bool:
    return unit in AFTER_BIDS or unit.split(".", 1)[0] in AFTER_BIDS


def _groups(units: Mapping[str, Any]) -> dict[str, Any]:
    """Units' results gathered into groups, each group's measures in their listed order."""
    return {
        group: (
            {n: units[f"{group}.{n}"] for n in GROUP_MEASURES[group]}
            if group in GROUP_MEASURES
            else units[group]
        )
        for group in MEASURE_GROUPS
    }


class BidsNotFoundYet(list[Bid]):
    """The bids of a view made before they are found: any use is an error (so a unit left out
    of ``AFTER_BIDS`` that starts reading bids fails loudly, and is then computed in the
    parent)."""

    def _refuse(self, *_: Any) -> Any:
        raise RuntimeError("the bids are not found yet: this measure belongs in AFTER_BIDS")

    __iter__ = __len__ = __getitem__ = __contains__ = __bool__ = _refuse


def measure_all(
    struct: Structure, signals: Sequence[Mapping[str, Any]], *, parallel: bool = True
) -> tuple[list[Bid], dict[str, Any]]:
    """Bids and every measure from a structure and its per-message signals (no model needed).

    ``parallel``: on a long chat what does not read the bids is computed in a forked child
    while the bids are found (:mod:`attune.measures.parallel`); the result is the same either
    way."""
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects, no cycles: collector passes only cost
    try:
        found: dict[str, Any] = {}
        units = work_units()

        def with_bids() -> dict[str, Any]:
            found["bids"] = find_bids(struct, signals)
            found["view"] = View(struct, signals, found["bids"])
            return {u: f(found["view"]) for u, f in units.items() if after_bids(u)}

        def without_bids(view: View) -> dict[str, Any]:
            return {u: f(view) for u, f in units.items() if not after_bids(u)}

        results = fork_join(
            lambda: without_bids(View(struct, signals, BidsNotFoundYet())),
            with_bids,
            lambda: without_bids(found["view"]),
            fork=parallel and worth_forking(len(signals)),
        )
        bids = found["bids"]
        metrics: dict[str, Any] = {"about": CAVEAT, **_groups(results)}
        metrics["trends"] = _trends(metrics)
    finally:
        if enabled:
            gc.enable()
    return bids, metrics


def _trends(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Each weekly measure's direction and change points, gathered in one place."""
    out: dict[str, Any] = {}
    for group, measures in metrics.items():
        if not isinstance(measures, Mapping):
            continue
        for name, m in measures.items():
            if isinstance(m, Measure) and m.weekly:
                out[f"{group}.{name}"] = {
                    "direction": m.direction,
                    "change_points": m.change_points,
                }
    return out


def analyze(
    conversation: Conversation,
    annotator: Annotator | None = None,
    *,
    signals: Mapping[str, Mapping[str, Any]] | None = None,
    partners: tuple[str, str] | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse a conversation. ``signals``: annotate records by message id, reused where present
    (a cache); the rest are computed with ``annotator`` (required if any is missing)."""
    struct = structure(conversation, partners)
    known = dict(signals or {})
    missing = [i for i, m in enumerate(struct.messages) if m.id not in known]
    if missing:
        if annotator is None:
            raise ValueError("an annotator is needed: some messages have no signals yet")
        for record in annotator.annotate_iter(signal_items(struct, missing), progress=progress):
            known[record["id"]] = record
    records = [known[m.id] for m in struct.messages]
    bids, metrics = measure_all(struct, records)
    excluded = len(conversation.messages) - len(struct.messages)
    metrics["structure"]["excluded_messages"] = excluded
    return Analysis(struct, records, bids, metrics, excluded)
