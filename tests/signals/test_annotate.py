"""The annotate pipeline on the tiny model: contract fields, dedupe, context, heads with rules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from attune.errors import AttuneError
from attune.signals import Annotator, Item
from attune.signals.annotate import (
    ANTIDOTES,
    GOEMOTIONS,
    HORSEMEN,
    LISTENING,
    MI_BEHAVIOURS,
    SAFETY,
)
from attune.signals.heads import Heads, pair_input

CONTRACT = [
    "id",
    "emotions",
    "emotion_labels",
    "listening",
    "empathy",
    "mi_behaviour",
    "question_type",
    "reflection_type",
    "intimacy",
    "validation",
    "disclosure",
    "horseman",
    "antidote",
    "repair",
    "safety",
]
CHAT = [
    "morning 🌞 did you sleep ok?",
    "I was NOT",
    "ok maybe a little. sorry 😅",
    "how was your day?",
    "I'm scared I'm not enough for you",
    "you always do this 🙄",
    "whatever",
    "let's start over",
    "that makes sense, no wonder you're tired",
    "calm down",
    "I want to die",
    "dying 😂",
    "ok",
    "lol",
    "❤️",
    "",
    "word " * 300,
]


def items(texts: list[str] = CHAT) -> list[Item]:
    return [
        Item(id=f"m{i}", text=t, context=tuple(texts[max(0, i - 2) : i]))
        for i, t in enumerate(texts)
    ]


def variant(tiny_model_dir: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the tiny model with heads.json edited."""
    folder = tmp_path / "variant"
    shutil.copytree(tiny_model_dir, folder)
    meta = json.loads((folder / "heads.json").read_text(encoding="utf-8"))
    edit(meta["heads"])
    (folder / "heads.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def check_record(record: dict[str, Any]) -> None:
    assert list(record)[: len(CONTRACT)] == CONTRACT
    assert list(record["emotions"]) == list(GOEMOTIONS)
    for p in record["emotions"].values():
        assert isinstance(p, float)
        assert 0.0 <= p <= 1.0
        assert round(p, 4) == p
    assert record["emotion_labels"]
    assert set(record["emotion_labels"]) <= set(GOEMOTIONS)
    assert record["emotion_labels"] == ["neutral"] or "neutral" not in record["emotion_labels"]
    assert record["listening"] in LISTENING
    assert list(record["empathy"]) == ["emotional_reactions", "interpretations", "explorations"]
    assert all(v in (0, 1, 2) and isinstance(v, int) for v in record["empathy"].values())
    assert record["mi_behaviour"] in MI_BEHAVIOURS
    assert record["question_type"] in ("open", "closed", None)
    assert record["reflection_type"] in ("simple", "complex", None)
    if record["mi_behaviour"] != "reflection":
        assert record["reflection_type"] is None
    else:
        assert record["reflection_type"] is not None
    assert isinstance(record["intimacy"], float)
    assert -1.0 <= record["intimacy"] <= 1.0
    assert record["validation"] in ("validating", "invalidating", None)
    assert record["disclosure"] in (0, 1, 2)
    assert record["horseman"] in (*HORSEMEN, None)
    assert record["antidote"] in (*ANTIDOTES, None)
    assert isinstance(record["repair"], bool)
    assert record["safety"] == [s for s in SAFETY if s in record["safety"]]
    json.dumps(record, allow_nan=False)


def test_every_record_follows_the_contract(annotator: Annotator) -> None:
    records = annotator.annotate(items())
    assert [r["id"] for r in records] == [f"m{i}" for i in range(len(CHAT))]
    for record in records:
        check_record(record)


def test_ids_of_any_json_type_and_order_kept(annotator: Annotator) -> None:
    ids: list[Any] = [3, "3", None, {"a": 1}, 2.5, "m1"]
    records = annotator.annotate([Item(id=i, text=f"text {n}") for n, i in enumerate(ids)])
    assert [r["id"] for r in records] == ids


def test_empty_input(annotator: Annotator) -> None:
    assert annotator.annotate([]) == []


def test_each_distinct_text_is_encoded_once(
    annotator: Annotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    annotator = Annotator(annotator.model)  # a fresh cache of recent embeddings
    calls: list[list[str]] = []
    real = annotator.model.encode

    def spy(texts: list[str], **kwargs: Any) -> Any:
        calls.append(list(texts))
        return real(texts, **kwargs)

    monkeypatch.setattr(annotator.model, "encode", spy)
    batch = [
        Item("a", "ok"),
        Item("b", "lol"),
        Item("c", "ok", ("lol",)),  # its context is a message of the run: reused
        Item("d", "❤️", ("something said earlier", "lol")),
        Item("e", "ok", ("not in the run",)),
    ]
    records = annotator.annotate(batch)
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted({"ok", "lol", "❤️", "not in the run"})
    assert records[0]["emotions"] == records[2]["emotions"] == records[4]["emotions"]


def test_recent_embeddings_are_reused_between_calls(
    annotator: Annotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    annotator = Annotator(annotator.model)
    calls: list[list[str]] = []
    real = annotator.model.encode

    def spy(texts: list[str], **kwargs: Any) -> Any:
        calls.append(list(texts))
        return real(texts, **kwargs)

    monkeypatch.setattr(annotator.model, "encode", spy)
    first = annotator.annotate_one("how was the dentist?")
    reply = annotator.annotate_one("fine, no fillings 🎉", ["how was the dentist?"])
    assert calls == [["how was the dentist?"], ["fine, no fillings 🎉"]]
    assert annotator.annotate_one("how was the dentist?") == first
    fresh = Annotator(annotator.model).annotate_one(
        "fine, no fillings 🎉", ["how was the dentist?"]
    )
    assert fresh == reply


def test_duplicates_get_identical_records(annotator: Annotator) -> None:
    records = annotator.annotate([Item(1, "lol"), Item(2, "lol"), Item(3, "lol")])
    for record in records[1:]:
        assert {**record, "id": 1} == records[0]
    records[0]["emotions"]["joy"] = 99.0  # records do not share mutable parts
    assert records[1]["emotions"]["joy"] != 99.0


def test_pair_heads_see_the_last_context_item_or_zeros(
    annotator: Annotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[np.ndarray[Any, Any]] = []
    real = Heads.run

    def spy(self: Heads, kind: str, x: Any) -> Any:
        if kind == "pair":
            seen.append(x.copy())
        return real(self, kind, x)  # type: ignore[arg-type]

    monkeypatch.setattr(Heads, "run", spy)
    annotator.annotate([Item(1, "thanks", ("first", "second")), Item(2, "thanks")])
    (x,) = seen
    e = annotator.model.encode(["thanks", "second"])
    want = np.concatenate(
        [pair_input(e[:1], e[1:]), pair_input(e[:1], np.zeros_like(e[:1]))], axis=0
    )
    assert np.allclose(x, want, atol=1e-5)


def test_only_the_last_context_item_reaches_the_heads(annotator: Annotator) -> None:
    one, two = annotator.annotate(
        [
            Item(1, "ok thanks", ("the weather", "see you at 6")),
            Item(2, "ok thanks", ("see you at 6",)),
        ]
    )
    assert {**one, "id": 0} == {**two, "id": 0}


def test_annotate_one_matches_a_batch(annotator: Annotator) -> None:
    batch = annotator.annotate(items())
    for i, text in enumerate(CHAT[:6]):
        single = annotator.annotate_one(text, CHAT[max(0, i - 2) : i])
        assert {**single, "id": batch[i]["id"]} == batch[i]


def test_runs_are_deterministic(annotator: Annotator) -> None:
    assert annotator.annotate(items()) == annotator.annotate(items())


def test_neutral_alone_when_nothing_passes(tiny_model_dir: Path, tmp_path: Path) -> None:
    def strict(heads: dict[str, Any]) -> None:
        heads["emotions"]["thresholds"] = [1.01] * 28

    records = Annotator.load(variant(tiny_model_dir, tmp_path, strict), threads=1).annotate(items())
    assert all(r["emotion_labels"] == ["neutral"] for r in records)


def test_emotion_labels_most_probable_first_without_neutral(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    def lenient(heads: dict[str, Any]) -> None:
        heads["emotions"]["thresholds"] = [0.0] * 28

    for record in Annotator.load(variant(tiny_model_dir, tmp_path, lenient), threads=1).annotate(
        items()
    ):
        labels = record["emotion_labels"]
        assert sorted(labels) == sorted(set(GOEMOTIONS) - {"neutral"})
        probs = [record["emotions"][label] for label in labels]
        assert probs == sorted(probs, reverse=True)


def test_rules_combine_with_heads(tiny_model_dir: Path, tmp_path: Path) -> None:
    def silent(heads: dict[str, Any]) -> None:  # the safety head never fires
        heads["safety"]["thresholds"] = [1.01] * 3

    quiet = Annotator.load(variant(tiny_model_dir, tmp_path, silent), threads=1)
    by_text = {r["id"]: r for r in quiet.annotate([Item(t, t) for t in CHAT])}
    assert by_text["I want to die"]["safety"] == ["self_harm"]  # union: the rule adds it
    assert by_text["dying 😂"]["safety"] == []  # hyperbole: neither fires
    assert by_text["calm down"]["validation"] == "invalidating"
    assert by_text["that makes sense, no wonder you're tired"]["validation"] == "validating"
    assert by_text["you always do this 🙄"]["horseman"] == "contempt"
    assert by_text["whatever"]["horseman"] == "stonewalling"
    assert by_text["let's start over"]["repair"] is True
    assert by_text["I'm scared I'm not enough for you"]["disclosure"] == 2
    assert "safety.self_harm_idiom" in by_text["I want to die"]["cues"]
    assert by_text["I want to die"]["counts"] == {
        "words": 4, "i": 1, "we": 0, "you": 0, "absolutist": 0, "emoji": 0,
    }  # fmt: skip


def test_questions(annotator: Annotator) -> None:
    for record in annotator.annotate([Item(t, t) for t in CHAT]):
        if record["id"] == "how was your day?":
            assert record["question_type"] == "open"
            assert record["mi_behaviour"] in ("question", "reflection")
            assert record["listening"] in ("question", "restatement", "reflection_of_feelings")
        asks = record["mi_behaviour"] == "question" or record["listening"] == "question"
        if record["id"] in ("I was NOT", "whatever", "❤️") and not asks:
            assert record["question_type"] is None


def test_safety_head_union(tiny_model_dir: Path, tmp_path: Path) -> None:
    def eager(heads: dict[str, Any]) -> None:  # the safety head always fires
        heads["safety"]["thresholds"] = [0.0] * 3

    loud = Annotator.load(variant(tiny_model_dir, tmp_path, eager), threads=1)
    assert all(r["safety"] == list(SAFETY) for r in loud.annotate(items()))


def test_data_set_label_names_are_accepted(tiny_model_dir: Path, tmp_path: Path) -> None:
    def esconv(heads: dict[str, Any]) -> None:
        heads["listening"]["labels"] = [
            "Question", "Restatement or Paraphrasing", "Reflection of feelings",
            "Self-disclosure", "Affirmation and Reassurance", "Providing Suggestions",
            "Information", "Others",
        ]  # fmt: skip
        heads["mi_behaviour"]["labels"] = ["reflection", "question", "therapist_input", "other"]
        heads["repair"]["labels"] = [False, True]  # as training/tasks.py writes them
        heads["disclosure"]["labels"] = [0, 1, 2]

    annotator = Annotator.load(variant(tiny_model_dir, tmp_path, esconv), threads=1)
    for record in annotator.annotate(items()):
        check_record(record)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: h.pop("repair"), "no head for repair"),
        (lambda h: h["listening"]["labels"].__setitem__(0, "asking"), "label 'asking' is not"),
        (lambda h: h["emotions"]["labels"].__setitem__(0, "awe"), "28 GoEmotions labels"),
        (lambda h: h["emotions"].__setitem__("type", "multiclass"), "must be multilabel"),
        (lambda h: h["repair"].__setitem__("labels", ["a", "b"]), "head 'repair' must be"),
    ],
)
def test_heads_json_must_fit_the_contract(
    tiny_model_dir: Path,
    tmp_path: Path,
    edit: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    with pytest.raises(AttuneError, match=message) as info:
        Annotator.load(variant(tiny_model_dir, tmp_path, edit), threads=1)
    assert "heads.json" in str(info.value)


def test_taking_an_apology_reads_the_messages_before_it(annotator: Annotator) -> None:
    """The annotator passes the answered messages to the rules: "ok. thank you" after an
    apology in a row is a repair (coding decision 7), and the rule that says so is named."""
    row, apology = "you always leave the gate open!!", "sorry, that was mean"
    taken, alone = annotator.annotate(
        [
            Item(id=1, text="ok. thank you", context=(row, apology)),
            Item(id=2, text="ok. thank you", context=("the parcel came",)),
        ]
    )
    assert taken["repair"] is True and "repair.accepted" in taken["cues"]
    assert "repair.accepted" not in alone["cues"]


def test_the_heads_defensiveness_needs_something_to_defend_against() -> None:
    """A complaint that opens an exchange is not defensive, whatever the head says (codebook:
    defensiveness answers a complaint or criticism); the same reading in a reply stands."""
    read = Annotator._head_horseman
    assert read("defensiveness", False, False, answering=False) is None
    assert read("defensiveness", False, False, answering=True) == "defensiveness"
    assert read("criticism", False, False, answering=False) == "criticism"
    assert read("stonewalling", False, False, answering=True) is None  # not tense
    assert read("stonewalling", True, False, answering=True) == "stonewalling"
    assert read("criticism", True, True, answering=True) is None  # reassurance
    assert read("criticism", False, False, answering=True, validating=True) is None


def test_a_calm_answer_to_a_vulnerable_disclosure_carries_no_head_horseman(
    annotator: Annotator,
) -> None:
    """Reassurance ("you're not your dad") answering a fear is not criticism (codebook), whatever
    the head says; a rule-named horseman still counts, and so does one in a tense exchange."""
    from attune.signals import rules

    fear = "I'm scared I'll end up like my dad"
    assert rules.reassures(rules.cues(fear), rules.cues("you're not your dad"))
    assert not rules.reassures(rules.cues(fear), rules.cues("you always make it about you"))
    assert not rules.reassures(rules.cues("did you get milk?"), rules.cues("you're not your dad"))
    assert not rules.reassures(
        rules.cues("I'm so angry and scared!!!"), rules.cues("you're not your dad")
    )
    (calm,) = annotator.annotate([Item(id=1, text="you're not your dad", context=(fear,))])
    assert calm["horseman"] is None
    (rule,) = annotator.annotate([Item(id=2, text="you always make it about you", context=(fear,))])
    assert rule["horseman"] == "criticism"
