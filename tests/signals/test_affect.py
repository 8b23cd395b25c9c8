"""Valence and arousal from emotion probabilities, and the reply-to-answered similarity."""

from __future__ import annotations

import numpy as np
import pytest

from attune.signals import Annotator, Item
from attune.signals.affect import AFFECT, affect
from attune.signals.annotate import GOEMOTIONS


def probs(**values: float) -> np.ndarray:
    row = np.zeros((1, len(GOEMOTIONS)))
    for label, p in values.items():
        row[0, GOEMOTIONS.index(label)] = p
    return row


def test_every_goemotions_label_has_an_affect() -> None:
    assert set(AFFECT) == set(GOEMOTIONS)
    for valence, arousal in AFFECT.values():
        assert -1.0 <= valence <= 1.0 and 0.0 <= arousal <= 1.0


def test_one_label_gives_its_own_values() -> None:
    assert affect(probs(joy=0.8), GOEMOTIONS).tolist() == [[0.9, 0.7]]


def test_a_mixture_is_the_probability_weighted_mean() -> None:
    # joy (0.9, 0.7) weight 0.6 and sadness (-0.8, 0.3) weight 0.2:
    # valence (0.54 - 0.16) / 0.8 = 0.475, arousal (0.42 + 0.06) / 0.8 = 0.6
    (row,) = affect(probs(joy=0.6, sadness=0.2), GOEMOTIONS).tolist()
    assert row == pytest.approx([0.475, 0.6])


def test_neutral_pulls_towards_rest() -> None:
    (strong,) = affect(probs(anger=0.9), GOEMOTIONS).tolist()
    (diluted,) = affect(probs(anger=0.9, neutral=0.9), GOEMOTIONS).tolist()
    assert diluted[0] == pytest.approx(strong[0] / 2)


def test_no_probability_reads_as_neutral() -> None:
    assert affect(probs(), GOEMOTIONS).tolist() == [list(AFFECT["neutral"])]


def test_records_carry_affect_and_link(annotator: Annotator) -> None:
    alone, same, other = annotator.annotate(
        [
            Item(1, "I got the job!!"),
            Item(2, "I got the job!!", ("I got the job!!",)),
            Item(3, "did you pay the council tax", ("I got the job!!",)),
        ]
    )
    assert alone["link"] is None  # nothing answered
    assert same["link"] == pytest.approx(1.0)
    assert -1.0 <= other["link"] < 1.0
    for record in (alone, same, other):
        assert -1.0 <= record["valence"] <= 1.0
        assert 0.0 <= record["arousal"] <= 1.0
