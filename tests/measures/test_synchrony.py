"""Emotional synchrony: binning, lagged Pearson r, the lag summary, leader and Fisher interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attune.measures.synchrony import (
    binned_series,
    fisher_interval,
    lagged_correlation,
    synchrony,
)

A = [0.1, 0.5, -0.3, 0.8, 0.0, -0.6, 0.4, 0.2]

# --- binned_series -------------------------------------------------------------------------------


def test_binned_series_means_per_bin_and_none_for_empty_bins() -> None:
    points = [(0.0, 0.2), (30.0, 0.6), (60.0, -1.0), (199.0, 0.5), (-1.0, 1.0), (240.0, 1.0)]
    # bins of 60 s from 0: [0, 60) → 0.2, 0.6; [60, 120) → -1.0; [120, 180) empty; [180, 240) → 0.5
    # -1.0 s and 240.0 s fall outside all four bins
    assert binned_series(points, start=0.0, bin_s=60.0, n_bins=4) == [0.4, -1.0, None, 0.5]


def test_binned_series_offset_start_and_no_points() -> None:
    assert binned_series([(100.0, 0.5)], start=90.0, bin_s=5.0, n_bins=3) == [None, None, 0.5]
    assert binned_series([], start=0.0, bin_s=1.0, n_bins=2) == [None, None]


def test_binned_series_rejects_bad_bins() -> None:
    with pytest.raises(ValueError):
        binned_series([], start=0.0, bin_s=0.0, n_bins=2)
    with pytest.raises(ValueError):
        binned_series([], start=0.0, bin_s=1.0, n_bins=-1)


# --- lagged_correlation --------------------------------------------------------------------------


def test_co_moving_series_correlate_perfectly() -> None:
    b = [0.5 * x + 0.1 for x in A]
    r, n = lagged_correlation(A, b, 0)
    assert r == pytest.approx(1.0)
    assert n == len(A)


def test_anti_phase_series_correlate_negatively() -> None:
    r, _ = lagged_correlation(A, [-x for x in A], 0)
    assert r == pytest.approx(-1.0)


def test_empty_bins_are_skipped() -> None:
    a = [0.1, None, 0.5, -0.3, None, 0.8]
    b = [0.0, 0.9, 0.4, -0.2, 0.3, None]
    # pairs where both are present: (0.1, 0.0), (0.5, 0.4), (-0.3, -0.2)
    r, n = lagged_correlation(a, b, 0)
    assert n == 3
    assert r == lagged_correlation([0.1, 0.5, -0.3], [0.0, 0.4, -0.2], 0)[0]


def test_lag_pairs_a_with_b_later() -> None:
    b = [0.0, *A[:-1]]  # b[t + 1] = a[t]
    assert lagged_correlation(A, b, 1) == (pytest.approx(1.0), len(A) - 1)
    assert lagged_correlation(b, A, -1) == (pytest.approx(1.0), len(A) - 1)


def test_too_few_pairs_or_no_variance_gives_none() -> None:
    assert lagged_correlation([0.1, 0.5], [0.2, 0.3], 0) == (None, 2)
    assert lagged_correlation([0.1, None, 0.5, 0.2], [0.2, 0.3, None, 0.1], 0) == (None, 2)
    assert lagged_correlation([0.3, 0.3, 0.3, 0.3], [0.1, 0.5, -0.2, 0.4], 0) == (None, 4)
    assert lagged_correlation(A, A, len(A)) == (None, 0)


series = st.lists(
    st.none() | st.floats(min_value=-1.0, max_value=1.0, allow_nan=False), max_size=30
)


@given(series, series, st.integers(min_value=-5, max_value=5))
def test_r_is_bounded_and_symmetric(a: list[float | None], b: list[float | None], k: int) -> None:
    r, n = lagged_correlation(a, b, k)
    assert r is None or -1.0 <= r <= 1.0
    assert n >= 3 or r is None
    assert lagged_correlation(a, b, k) == lagged_correlation(b, a, -k)


# --- Fisher interval -----------------------------------------------------------------------------


def test_fisher_interval_by_hand() -> None:
    # r = 0.5, n = 12: z = atanh(0.5) = 0.549306
    # half-width 1.96 / sqrt(12 - 3) = 1.96 / 3 = 0.653333
    # z - 0.653333 = -0.104027 → tanh = -0.103654;  z + 0.653333 = 1.202639 → tanh = 0.834458
    interval = fisher_interval(0.5, 12)
    assert interval is not None
    low, high = interval
    assert low == pytest.approx(-0.103654, abs=1e-6)
    assert high == pytest.approx(0.834458, abs=1e-6)


def test_fisher_interval_edges() -> None:
    assert fisher_interval(0.5, 3) is None
    assert fisher_interval(1.0, 10) == (1.0, 1.0)
    assert fisher_interval(-1.0, 10) == (-1.0, -1.0)
    assert fisher_interval(0.0, 4) == (
        pytest.approx(-math.tanh(1.96)),
        pytest.approx(math.tanh(1.96)),
    )


# --- synchrony -----------------------------------------------------------------------------------


def test_b_following_a_by_one_bin_makes_a_the_leader() -> None:
    b = [0.3, *A[:-1]]
    result = synchrony(A, b)
    assert result.by_lag[1] == pytest.approx(1.0)
    assert result.by_lag[-1] is not None and result.by_lag[-1] < 0.9
    assert result.leader == "a"
    assert synchrony(b, A).leader == "b"


def test_r_is_the_pair_weighted_mean_over_lags() -> None:
    b = [0.3, *A[:-1]]
    result = synchrony(A, b, max_lag=1)
    per_lag = {k: lagged_correlation(A, b, k) for k in (-1, 0, 1)}
    assert result.by_lag == {k: r for k, (r, _) in per_lag.items()}
    # lags -1 and +1 have 7 pairs, lag 0 has 8
    expected = sum((r or 0.0) * n for r, n in per_lag.values()) / (7 + 8 + 7)
    assert result.r == pytest.approx(expected)
    assert result.n == 8


def test_in_sync_couple() -> None:
    result = synchrony(A, [0.5 * x for x in A], max_lag=0)
    assert result.by_lag == {0: pytest.approx(1.0)}
    assert result.r == pytest.approx(1.0)
    assert result.leader is None  # no lag ±1 to compare at max_lag 0
    assert result.interval == (pytest.approx(1.0), pytest.approx(1.0))


def test_no_clear_leader_when_lags_are_close() -> None:
    result = synchrony(A, A)  # symmetric: r at lag +1 equals r at lag -1
    assert result.by_lag[1] == pytest.approx(result.by_lag[-1])
    assert result.leader is None


def test_interval_is_fisher_of_lag_zero() -> None:
    b = [0.3, *A[:-1]]
    result = synchrony(A, b)
    assert result.by_lag[0] is not None
    assert result.interval == fisher_interval(result.by_lag[0], 8)


def test_too_little_data() -> None:
    result = synchrony([0.1, None, 0.2], [0.3, 0.4, None])
    assert result.r is None
    assert result.n == 1
    assert result.by_lag == {-1: None, 0: None, 1: None}
    assert result.leader is None
    assert result.interval is None


def test_synchrony_rejects_negative_max_lag() -> None:
    with pytest.raises(ValueError):
        synchrony(A, A, max_lag=-1)
