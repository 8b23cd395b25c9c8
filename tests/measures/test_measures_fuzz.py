"""Any conversation and any signals the contract allows: the measures never crash, the result is
JSON, and every message id they cite exists."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from attune.measures.analysis import Analysis, measure_all, to_plain
from attune.measures.bids import find_bids
from attune.measures.exchanges import structure
from attune.signals.annotate import ANTIDOTES, GOEMOTIONS, HORSEMEN, LISTENING, SAFETY
from tests.measures.helpers import chat, cited_ids, sig

TEXTS = [
    "I got the job!!",
    "ok",
    "i'm scared the biopsy comes back bad",
    "how was your day?",
    "wanna watch it together?",
    "you never listen",
    "sorry, that came out wrong",
    "look at this [link]",
    "can u grab oat milk",
    "",
    "😂😂",
    "did you see what i said?",
]

signal = st.builds(
    lambda labels, valence, disclosure, q, v, h, a, r, listening, emp, safety, link: sig(
        emotion_labels=labels or ["neutral"],
        valence=valence,
        disclosure=disclosure,
        question_type=q,
        validation=v,
        horseman=h,
        antidote=a,
        repair=r,
        listening=listening,
        empathy={"emotional_reactions": emp, "interpretations": 0, "explorations": emp},
        safety=safety,
        link=link,
        intimacy=valence,
    ),
    st.lists(st.sampled_from(GOEMOTIONS), max_size=3, unique=True),
    st.floats(-1, 1),
    st.integers(0, 2),
    st.sampled_from([None, "open", "closed"]),
    st.sampled_from([None, "validating", "invalidating"]),
    st.sampled_from([None, *HORSEMEN]),
    st.sampled_from([None, *ANTIDOTES]),
    st.booleans(),
    st.sampled_from(LISTENING),
    st.integers(0, 2),
    st.lists(st.sampled_from(SAFETY), max_size=2, unique=True),
    st.one_of(st.none(), st.floats(-1, 1)),
)

row = st.tuples(
    st.one_of(st.none(), st.integers(0, 60 * 24 * 60)),
    st.sampled_from(["A", "B"]),
    st.sampled_from(TEXTS),
)


@settings(max_examples=150)
@given(st.lists(st.tuples(row, signal), min_size=2, max_size=40), st.booleans())
def test_measures_never_crash_and_cite_real_messages(
    rows: list[tuple[tuple[Any, ...], dict[str, Any]]], ordered: bool
) -> None:
    chat_rows = [r for r, _ in rows]
    if ordered:
        chat_rows.sort(key=lambda r: -1 if r[0] is None else r[0])
    conversation = chat(chat_rows)
    if len({r[1] for r in chat_rows}) < 2:
        return
    struct = structure(conversation)
    records = [s for _, s in rows][: len(struct.messages)]
    _, metrics = measure_all(struct, records)
    plain = to_plain(metrics)
    json.dumps(plain)  # serialisable
    ids = {m.id for m in struct.messages}
    assert set(cited_ids(plain)) <= ids
    safety = plain["safety"]
    flagged = sum(1 for r in records if r["safety"])
    assert safety["explicit"] + safety["likely"] + safety["possible"] == flagged
    assert safety["flagged"] == any(
        r["safety"] and (any(c.startswith("safety.") for c in r["cues"]) or r.get("safety_likely"))
        for r in records
    )
    analysis = Analysis(struct, records, find_bids(struct, records), metrics, 0)
    assert json.loads(b"".join(analysis.json_chunks())) == json.loads(
        json.dumps(analysis.to_dict())
    )
