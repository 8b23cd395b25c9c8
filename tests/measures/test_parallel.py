"""Measures on two cores (attune.measures.parallel): the same result whether the split happened,
and whatever goes wrong in the child."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.measures import parallel
from attune.measures.analysis import (
    AFTER_BIDS,
    GROUP_MEASURES,
    MEASURE_GROUPS,
    BidsNotFoundYet,
    after_bids,
    measure_all,
    to_plain,
    work_units,
)
from attune.measures.exchanges import structure
from attune.measures.view import View
from tests.measures.helpers import chat
from tests.measures.test_measures_fuzz import row, signal

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
chats = st.lists(st.tuples(row, signal), min_size=4, max_size=30)
hypothesis_settings = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _chat_and_records(rows: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> Any:
    conversation = chat([r for r, _ in rows])
    struct = structure(conversation)
    return struct, [s for _, s in rows][: len(struct.messages)]


@needs_fork
@hypothesis_settings
@given(rows=chats)
def test_forked_and_serial_measures_are_the_same(
    rows: list[tuple[tuple[Any, ...], dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    if len({r[1] for r, _ in rows}) < 2:
        return
    struct, records = _chat_and_records(rows)
    monkeypatch.setattr(parallel, "MIN_MESSAGES", 0)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    bids_forked, forked = measure_all(struct, records, parallel=True)
    bids_serial, serial = measure_all(struct, records, parallel=False)
    assert bids_forked == bids_serial
    assert to_plain(forked) == to_plain(serial)


@hypothesis_settings
@given(rows=chats)
def test_what_is_computed_before_the_bids_never_reads_them(
    rows: list[tuple[tuple[Any, ...], dict[str, Any]]],
) -> None:
    """The child's view has no bids yet; any read of them raises (and the parent would redo)."""
    if len({r[1] for r, _ in rows}) < 2:
        return
    struct, records = _chat_and_records(rows)
    view = View(struct, records, BidsNotFoundYet())
    for unit, compute in work_units().items():
        if not after_bids(unit):
            compute(view)


def test_every_measure_is_one_unit_and_after_bids_names_real_ones() -> None:
    units = work_units()
    expected = {g for g in MEASURE_GROUPS if g not in GROUP_MEASURES} | {
        f"{g}.{m}" for g, ms in GROUP_MEASURES.items() for m in ms
    }
    assert set(units) == expected
    assert all(a in units or a in MEASURE_GROUPS for a in AFTER_BIDS)
    assert any(not after_bids(u) for u in units) and any(after_bids(u) for u in units)


def test_reading_bids_not_found_yet_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not found yet"):
        list(BidsNotFoundYet())


@needs_fork
def test_fork_join_merges_both_halves() -> None:
    out = parallel.fork_join(
        lambda: {"child": os.getpid()}, lambda: {"parent": os.getpid()}, dict, fork=True
    )
    assert out["parent"] == os.getpid() and out["child"] != os.getpid()


@needs_fork
def test_a_failing_child_is_redone_in_the_parent() -> None:
    def child() -> dict[str, Any]:
        raise ValueError("boom")

    out = parallel.fork_join(child, lambda: {"a": 1}, lambda: {"b": 2}, fork=True)
    assert out == {"a": 1, "b": 2}


@needs_fork
def test_a_child_that_dies_is_redone_in_the_parent() -> None:
    def child() -> dict[str, Any]:
        os._exit(3)

    out = parallel.fork_join(child, lambda: {"a": 1}, lambda: {"b": 2}, fork=True)
    assert out == {"a": 1, "b": 2}


def test_without_fork_the_parent_does_both() -> None:
    calls: list[str] = []

    def child() -> dict[str, Any]:
        calls.append("child")
        return {}

    out = parallel.fork_join(child, lambda: {"a": 1}, lambda: {"b": 2}, fork=False)
    assert out == {"a": 1, "b": 2} and calls == []


def test_short_chats_are_not_forked() -> None:
    assert not parallel.worth_forking(parallel.MIN_MESSAGES - 1)
