from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attune.measures.trends import (
    ChangePoint,
    WeekValue,
    change_points,
    direction,
    explaining_weeks,
    week_of,
    weekly_count,
    weekly_mean,
    weekly_rate,
    weeks_between,
)


def series(values: Sequence[float | None], n: int | list[int] = 10) -> list[WeekValue]:
    ns = n if isinstance(n, list) else [n] * len(values)
    return [
        WeekValue(f"2026-W{i + 1:02d}", v, k)
        for i, (v, k) in enumerate(zip(values, ns, strict=True))
    ]


# --- ISO weeks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (datetime(2026, 1, 1, 12), "2026-W01"),  # Thursday: week 1 of its own year
        (datetime(2027, 1, 1, 12), "2026-W53"),  # Friday: still the last week of 2026
        (datetime(2026, 12, 31, 23, 59), "2026-W53"),  # Thursday, 2026 has 53 weeks
        (datetime(2025, 12, 31, 8), "2026-W01"),  # Wednesday: belongs to 2026's first week
        (datetime(2024, 12, 30), "2025-W01"),  # Monday
        (datetime(2026, 1, 19, tzinfo=UTC), "2026-W04"),  # zero-padded, aware datetimes fine
    ],
)
def test_week_of_uses_iso_year_and_zero_padding(day: datetime, label: str) -> None:
    assert week_of(day) == label


def test_weeks_between_includes_empty_weeks_across_year_end() -> None:
    weeks = weeks_between(datetime(2026, 12, 27, 22), datetime(2027, 1, 12, 1))
    assert weeks == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]


def test_weeks_between_same_week_and_reversed() -> None:
    assert weeks_between(datetime(2026, 1, 5), datetime(2026, 1, 11, 23)) == ["2026-W02"]
    assert weeks_between(datetime(2026, 2, 1), datetime(2026, 1, 1)) == []


# --- weekly series ---------------------------------------------------------------------------

WEEKS = ["2026-W02", "2026-W03", "2026-W04"]


def test_weekly_rate_hand_computed_with_gap_and_undated_events() -> None:
    events: list[tuple[datetime | None, bool]] = [
        (datetime(2026, 1, 5), True),  # W02
        (datetime(2026, 1, 6), True),
        (datetime(2026, 1, 7), False),
        (datetime(2026, 1, 11, 23), True),
        (None, False),  # undated: ignored
        (None, False),
        (datetime(2026, 1, 19), False),  # W04
        (datetime(2026, 1, 25), True),
        (datetime(2026, 3, 2), False),  # outside the weeks asked for: ignored
    ]
    out = weekly_rate(events, WEEKS)
    assert out == [
        WeekValue("2026-W02", 0.75, 4),
        WeekValue("2026-W03", None, 0),
        WeekValue("2026-W04", 0.5, 2),
    ]


def test_weekly_mean_and_count() -> None:
    means = weekly_mean(
        [(datetime(2026, 1, 5), 1.0), (datetime(2026, 1, 6), 2.5), (None, 100.0)], WEEKS
    )
    assert [(w.value, w.n) for w in means] == [(1.75, 2), (None, 0), (None, 0)]
    counts = weekly_count([datetime(2026, 1, 13), None, datetime(2026, 1, 14)], WEEKS)
    assert [(w.value, w.n) for w in counts] == [(0.0, 0), (2.0, 2), (0.0, 0)]


def test_to_dict_rounds() -> None:
    assert WeekValue("2026-W02", 2 / 3, 3).to_dict() == {
        "week": "2026-W02",
        "value": 0.6667,
        "n": 3,
    }
    assert WeekValue("2026-W03", None, 0).to_dict() == {"week": "2026-W03", "value": None, "n": 0}
    point = ChangePoint("2026-W06", 1 / 3, 0.8, 50, 40)
    assert point.to_dict() == {
        "week": "2026-W06",
        "before": 0.3333,
        "after": 0.8,
        "n_before": 50,
        "n_after": 40,
    }


# --- direction -------------------------------------------------------------------------------


def test_direction_rising_falling_steady() -> None:
    assert direction(series([0.2, 0.3, 0.4, 0.5, 0.6])) == "rising"
    assert direction(series([0.6, 0.55, 0.5, 0.45, 0.4])) == "falling"
    assert direction(series([0.5, 0.52, 0.49, 0.51, 0.5])) == "steady"


def test_direction_unclear_with_too_few_weeks_of_enough_data() -> None:
    assert direction(series([0.2, 0.9])) == "unclear"
    assert direction(series([0.2, None, 0.5, 0.9], n=[10, 0, 2, 10])) == "unclear"


def test_direction_weighs_weeks_and_skips_gaps() -> None:
    # the small-n dip in week 3 barely moves a rise carried by the well-measured weeks
    assert direction(series([0.2, 0.3, 0.0, 0.5, 0.6], n=[20, 20, 3, 20, 20])) == "rising"
    # empty weeks in between are skipped, not read as zeros
    assert direction(series([0.5, None, None, None, 0.52, 0.54], n=[10, 0, 0, 0, 10, 10])) == (
        "steady"
    )


def test_direction_scale_for_counts() -> None:
    counts = series([10.0, 11.0, 12.0, 13.0])
    assert direction(counts) == "rising"
    assert direction(counts, scale=50.0) == "steady"


# --- change points ---------------------------------------------------------------------------


def test_single_step_found_at_first_week_of_new_level() -> None:
    points = change_points(series([0.3] * 5 + [0.8] * 5))
    assert len(points) == 1
    (point,) = points
    assert point.week == "2026-W06"
    assert point.before == pytest.approx(0.3)
    assert point.after == pytest.approx(0.8)
    assert (point.n_before, point.n_after) == (50, 50)


def test_flat_noisy_series_has_no_change_point() -> None:
    noise = [0.05, -0.05, 0.03, -0.02, 0.04, -0.05, 0.01, -0.03, 0.05, -0.04, 0.02, -0.01]
    assert change_points(series([0.5 + e for e in noise])) == []


@pytest.mark.parametrize("at", range(2, 8))
def test_one_outlier_week_is_not_a_change_point(at: int) -> None:
    values = [0.5] * 10
    values[at] = 0.9
    assert change_points(series(values)) == []


@pytest.mark.parametrize("at", range(10))
def test_outlier_anywhere_with_longer_segments(at: int) -> None:
    # with min_weeks=2 an outlier in the first or last two weeks can pass as a short segment
    values = [0.5] * 10
    values[at] = 0.9
    assert change_points(series(values), min_weeks=3) == []


def test_two_steps_give_two_points_with_local_levels() -> None:
    points = change_points(series([0.2] * 4 + [0.5] * 4 + [0.8] * 4))
    assert [p.week for p in points] == ["2026-W05", "2026-W09"]
    assert [(p.before, p.after) for p in points] == [
        pytest.approx((0.2, 0.5)),
        pytest.approx((0.5, 0.8)),
    ]


def test_max_points_keeps_largest_shifts() -> None:
    values = [0.1] * 3 + [0.2] * 3 + [0.9] * 3 + [0.5] * 3
    everything = change_points(series(values), threshold=2.0)  # the 0.1 step passes at 2 SE
    assert [p.week for p in everything] == ["2026-W04", "2026-W07", "2026-W10"]
    assert [p.week for p in change_points(series(values))] == ["2026-W07", "2026-W10"]
    (largest,) = change_points(series(values), max_points=1, threshold=2.0)
    assert largest.week == "2026-W07"
    assert largest.before == pytest.approx(0.15)  # levels re-measured between kept points
    assert largest.after == pytest.approx(0.7)


def test_weeks_below_min_n_are_ignored() -> None:
    values: list[float | None] = [0.3, 0.3, 0.95, 0.3, 0.3, None, 0.8, 0.8, 0.8, 0.8]
    ns = [10, 10, 2, 10, 10, 0, 10, 10, 10, 10]
    (point,) = change_points(series(values, ns))
    assert point.week == "2026-W07"
    assert point.before == pytest.approx(0.3)
    assert (point.n_before, point.n_after) == (40, 40)
    # a step carried only by thin weeks is not seen
    assert change_points(series([0.3] * 5 + [0.8] * 5, n=[10] * 5 + [2] * 5)) == []


def test_explaining_weeks() -> None:
    weeks = ["2026-W04", "2026-W05", "2026-W07"]
    point = ChangePoint("2026-W07", 0.3, 0.8, 30, 30)
    assert explaining_weeks(point, weeks) == ("2026-W05", "2026-W07")
    with pytest.raises(ValueError):
        explaining_weeks(ChangePoint("2026-W04", 0.3, 0.8, 30, 30), weeks)
    with pytest.raises(ValueError):
        explaining_weeks(ChangePoint("2026-W09", 0.3, 0.8, 30, 30), weeks)


week_values = st.lists(
    st.tuples(
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)),
        st.integers(min_value=0, max_value=30),
    ),
    max_size=30,
)


@given(week_values, st.integers(min_value=0, max_value=4), st.integers(min_value=1, max_value=4))
def test_change_points_properties(
    rows: list[tuple[float | None, int]], max_points: int, min_weeks: int
) -> None:
    s = series([v for v, _ in rows], [n for _, n in rows])
    points = change_points(s, max_points=max_points, min_weeks=min_weeks)
    assert len(points) <= max_points
    labels = [w.week for w in s]
    assert all(p.week in labels for p in points)
    assert [p.week for p in points] == sorted(p.week for p in points)
    counted = [w.value for w in s if w.value is not None and w.n >= 3]
    for p in points:
        assert min(counted) - 1e-9 <= p.before <= max(counted) + 1e-9
        assert min(counted) - 1e-9 <= p.after <= max(counted) + 1e-9
        assert p.n_before >= 3 * min_weeks and p.n_after >= 3 * min_weeks
