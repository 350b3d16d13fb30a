"""The difference of two means of serially correlated nights (``quietlegs.diary._stats``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quietlegs.diary._rules import (
    MAX_AUTOCORRELATION,
    MIN_AUTOCORRELATION,
    MIN_AUTOCORRELATION_PAIRS,
)
from quietlegs.diary._stats import (
    _lag_sums,
    lag1_autocorrelation,
    mean_difference,
    serial_mean_difference,
)

A = [5.0, 6.0, 7.0, 5.0, 6.0, 8.0, 7.0]
B = [3.0, 4.0, 3.0, 5.0, 4.0, 2.0, 4.0]

# --- serial_mean_difference ------------------------------------------------------------------


def test_with_no_autocorrelation_the_interval_is_welchs() -> None:
    welch = mean_difference(A, B, 0.95)
    serial = serial_mean_difference(A, range(7, 14), B, range(7), 0.95, 0.0)
    assert (serial.difference, serial.low, serial.high) == (welch.difference, welch.low, welch.high)
    assert welch.low == pytest.approx(1.4931602278682026)
    assert welch.high == pytest.approx(3.9354112007032254)
    assert (serial.effective_n_a, serial.effective_n_b) == (7.0, 7.0)
    assert serial.autocorrelation == 0.0


def test_a_hand_worked_example() -> None:
    # b = 0, 2 on days 0-1 and a = 1, 3 on days 2-3, rho = 0.5:
    # Q_aa = Q_bb = 2 + 2 * 0.5 = 3; Q_ab = 0.25 + 0.5 + 0.125 + 0.25 = 1.125;
    # sigma^2 = SS / (n - Q / n) = 2 / 0.5 = 4 on each side; the variance of each mean
    # 4 * 3 / 4 = 3; var(diff) = 3 + 3 - 2 * 4 * 1.125 / 4 = 3.75 (Welch: 2);
    # effective nights 4 / 3, counted as 2 for the degrees of freedom: df = 2.
    est = serial_mean_difference([1, 3], [2, 3], [0, 2], [0, 1], 0.95, 0.5)
    half = 4.302652729911275 * math.sqrt(3.75)  # t(0.975, 2 df)
    assert est.difference == 1.0
    assert est.low == pytest.approx(1.0 - half)
    assert est.high == pytest.approx(1.0 + half)
    assert est.effective_n_a == pytest.approx(4 / 3)
    assert est.effective_n_b == pytest.approx(4 / 3)


def test_the_order_the_nights_are_given_in_does_not_matter() -> None:
    ordered = serial_mean_difference([1, 3, 2], [4, 5, 6], [0, 2, 1], [0, 1, 2], 0.95, 0.6)
    shuffled = serial_mean_difference([2, 1, 3], [6, 4, 5], [1, 2, 0], [2, 0, 1], 0.95, 0.6)
    assert (shuffled.low, shuffled.high) == pytest.approx((ordered.low, ordered.high))


def test_the_lag_sums_count_every_pair_of_nights() -> None:
    rng = np.random.default_rng(5)
    days = np.sort(rng.choice(400, 120, replace=False))
    on = rng.random(120) < 0.4
    ta, tb = days[on], days[~on]
    rho = 0.6
    lag = np.abs(days[:, None] - days[None, :]).astype(float)
    weights = rho**lag
    expected = (
        weights[np.ix_(on, on)].sum(),
        weights[np.ix_(~on, ~on)].sum(),
        weights[np.ix_(on, ~on)].sum(),
    )
    assert _lag_sums(ta, tb, rho) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("rho", [0.3, 0.5, 0.7])
def test_many_consecutive_nights_count_as_bayley_and_hammersleys_effective_number(
    rho: float,
) -> None:
    n = 3000
    values = [float(i % 5) for i in range(n)]
    est = serial_mean_difference(values, range(n), values, range(n, 2 * n), 0.95, rho)
    assert est.effective_n_a == pytest.approx(n * (1 - rho) / (1 + rho), rel=0.01)


def test_two_weeks_of_correlated_nights_count_as_fewer_nights() -> None:
    # 14 consecutive nights at rho = 0.7: n^2 / sum_ij rho^|i-j| = 3.07 (the asymptotic
    # n (1 - rho) / (1 + rho) would say 2.47).
    rho = 0.7
    q = sum(rho ** abs(i - j) for i in range(14) for j in range(14))
    est = serial_mean_difference(list(range(14)), range(14), [0, 1], [20, 21], 0.95, rho)
    assert est.effective_n_a == pytest.approx(196 / q)
    assert est.effective_n_a == pytest.approx(3.07, abs=0.01)


def test_the_interval_is_never_narrower_than_welchs() -> None:
    # nights alternating between the two sides: under the AR(1) model the two means
    # covary so much that the difference would be more precise than Welch says
    values = [5.0, 3.0, 6.0, 4.0, 7.0, 2.0, 5.0, 4.0, 6.0, 3.0, 5.0, 5.0]
    a, b = values[0::2], values[1::2]
    welch = mean_difference(a, b, 0.95)
    serial = serial_mean_difference(a, range(0, 12, 2), b, range(1, 12, 2), 0.95, 0.8)
    assert serial.high - serial.low >= welch.high - welch.low
    assert serial.difference == welch.difference


def test_the_interval_widens_with_the_autocorrelation() -> None:
    widths = [
        (e.high - e.low)
        for e in (
            serial_mean_difference(A, range(10, 17), B, range(7), 0.95, rho)
            for rho in (0.0, 0.3, 0.6, 0.9)
        )
    ]
    assert widths == sorted(widths)
    assert widths[-1] > 3 * widths[0]


def test_identical_values_give_a_point_interval() -> None:
    est = serial_mean_difference([4, 4, 4], [5, 6, 7], [2, 2], [0, 1], 0.95, 0.5)
    assert (est.difference, est.low, est.high) == (2.0, 2.0, 2.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0], [0], [1.0, 2.0], [1, 2], 0.95, 0.5), "each sample needs at least 2 values; got 1"),
        (([1.0, 2.0], [0, 1], [1.0, 2.0], [2, 3], 1.0, 0.5), "level must be between 0 and 1"),
        (
            ([1.0, 2.0], [0, 1], [1.0, 2.0], [2, 3], 0.95, 1.0),
            r"autocorrelation must be in \[0, 1\); got 1.0",
        ),
        (
            ([1.0, 2.0], [0, 1], [1.0, 2.0], [2, 3], 0.95, -0.1),
            r"autocorrelation must be in \[0, 1\); got -0.1",
        ),
        (
            ([1.0, 2.0], [0], [1.0, 2.0], [2, 3], 0.95, 0.5),
            r"days_a must give one day per value \(2\); got 1",
        ),
        (
            ([1.0, 2.0], [0, 1], [1.0, 2.0], [2, 3, 4], 0.95, 0.5),
            r"days_b must give one day per value \(2\); got 3",
        ),
        (
            ([1.0, 2.0], [0, 1], [1.0, 2.0], [1, 2], 0.95, 0.5),
            "days_a and days_b must not repeat a night",
        ),
    ],
)
def test_bad_input_is_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        serial_mean_difference(*args)  # type: ignore[arg-type]


def test_welch_refuses_a_bad_level() -> None:
    with pytest.raises(ValueError, match=r"level must be between 0 and 1 \(exclusive\); got 0"):
        mean_difference(A, B, 0)


# --- lag1_autocorrelation --------------------------------------------------------------------

WAVE = [2.0, 1.0, 0.0, -1.0, -2.0, -1.0, 0.0, 1.0, 2.0, 1.0, 0.0, -1.0]


def test_the_autocorrelation_is_corrected_for_its_small_sample_bias() -> None:
    # sum e_t e_(t+1) = 10, sum e_t^2 = 18: r = 5/9; m = 12 nights in one segment:
    # (m r + 1) / (m - 3) = (12 * 5/9 + 1) / 9 = 23/27
    assert lag1_autocorrelation(WAVE, range(12)) == pytest.approx(23 / 27)


def test_a_missed_night_breaks_a_pair_and_the_rest_are_scaled_to_a_full_series() -> None:
    # without night 5 (value -1): the pairs (4, 5) and (5, 6) are gone; 9 pairs left,
    # products 2+0+0+2+0+2+2+0+0 = 8, sum of squares 17
    values = WAVE[:5] + WAVE[6:]
    days = [d for d in range(12) if d != 5]
    # 9 pairs are fewer than MIN_AUTOCORRELATION_PAIRS (10): the cautious value
    assert MIN_AUTOCORRELATION_PAIRS == 10
    assert lag1_autocorrelation(values, days) == MAX_AUTOCORRELATION
    longer = [*values, -2.0, -1.0]  # two more nights: 11 pairs (products 2, 2)
    r = (13 - 1) / 11 * (8 + 2 + 2) / (17 + 5)
    assert lag1_autocorrelation(longer, [*days, 12, 13]) == pytest.approx((13 * r + 1) / (13 - 3))


def test_pairs_are_formed_only_within_a_segment() -> None:
    # two segments of 12 nights back to back: the pair across them is not used;
    # 22 pairs, products 2 * 10, sum of squares 36: r = (24 - 2) / 22 * 20 / 36 = 5/9;
    # m = 12 nights per segment as above
    values = WAVE + [-x for x in WAVE]
    labels = [0] * 12 + [1] * 12
    assert lag1_autocorrelation(values, range(24), labels) == pytest.approx(23 / 27)
    # as one segment the pair across (-1 then -2) counts, and m = 24
    one = (23 / 23) * (20 + 2) / 36
    assert lag1_autocorrelation(values, range(24)) == pytest.approx((24 * one + 1) / 21)


def test_a_negative_autocorrelation_is_raised_to_the_floor() -> None:
    alternating = [(-1.0) ** n for n in range(20)]
    assert lag1_autocorrelation(alternating, range(20)) == MIN_AUTOCORRELATION


def test_a_strong_autocorrelation_is_lowered_to_the_ceiling() -> None:
    slow = [math.sin(n / 10) for n in range(40)]
    assert lag1_autocorrelation(slow, range(40)) == MAX_AUTOCORRELATION


def test_residuals_all_zero_have_no_autocorrelation() -> None:
    assert lag1_autocorrelation([0.0] * 15, range(15)) == MIN_AUTOCORRELATION


def test_too_few_consecutive_nights_give_the_cautious_value() -> None:
    every_other = [float(n % 3) for n in range(30)]
    assert lag1_autocorrelation(every_other, range(0, 60, 2)) == MAX_AUTOCORRELATION


def test_segments_of_three_nights_or_fewer_give_the_cautious_value() -> None:
    values = [1.0, -1.0, 0.5] * 8
    labels = [n // 3 for n in range(24)]  # 8 segments of 3: 16 pairs, m = 3
    assert lag1_autocorrelation(values, range(24), labels) == MAX_AUTOCORRELATION
    assert lag1_autocorrelation(values, range(24), means=8) == MAX_AUTOCORRELATION


def test_means_of_interleaved_groups_set_the_bias_correction() -> None:
    # 1, 0, -1, 0, ... : every product of neighbours is 0, r = 0; the bias correction
    # (m * 0 + 1) / (m - 3) with m = 20 nights for one mean, 10 per mean for two (e.g.
    # residuals around the means of the nights with and without a trigger)
    values = [1.0, 0.0, -1.0, 0.0] * 5
    assert lag1_autocorrelation(values, range(20)) == pytest.approx(1 / 17)
    assert lag1_autocorrelation(values, range(20), means=2) == pytest.approx(1 / 7)


def test_no_residuals_give_the_cautious_value() -> None:
    assert lag1_autocorrelation([], []) == MAX_AUTOCORRELATION


@pytest.mark.parametrize(
    ("residuals", "days", "segments", "message"),
    [
        ([1.0, 2.0], [0], None, r"days must give one day per value \(2\); got 1"),
        ([1.0, 2.0], [1, 1], None, "days must be strictly increasing"),
        ([1.0, 2.0], [2, 1], None, "days must be strictly increasing"),
        ([1.0, 2.0], [0, 1], [0], r"segments must give one label per value \(2\); got 1"),
    ],
)
def test_lag1_autocorrelation_refuses_bad_input(
    residuals: list[float], days: list[int], segments: list[int] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        lag1_autocorrelation(residuals, days, segments)


def test_lag1_autocorrelation_refuses_fewer_than_one_mean() -> None:
    with pytest.raises(ValueError, match="means must be at least 1; got 0"):
        lag1_autocorrelation(WAVE, range(12), means=0)
