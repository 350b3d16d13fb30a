"""The difference of two means of diary nights, with an interval that allows for the
nights not being independent.

A bad night tends to follow a bad night, so two weeks of nights hold less
information than fourteen independent values. :func:`serial_mean_difference`
models the nightly values as a first-order autoregressive (AR(1)) series: two
nights ``k`` days apart correlate ``rho**k``. With ``rho`` estimated from the diary
(:func:`lag1_autocorrelation`), the variance of each mean, the covariance of the
two means and the degrees of freedom follow exactly for the nights actually
recorded (gaps and interleaved days included):

- the variance of a mean of ``n`` nights is ``sigma**2 * Q / n**2`` with
  ``Q = sum_ij rho**|t_i - t_j|``; its effective number of nights is ``n**2 / Q``,
  which for ``n`` consecutive nights tends to the ``n (1 - rho) / (1 + rho)`` of
  Bayley & Hammersley (1946) and stays sensible for the short windows of a diary;
- ``sigma**2`` is estimated without the downward bias a correlated sample gives
  the usual variance: ``E[sum (x - mean)**2] = sigma**2 (n - Q / n)``;
- the two means of one series covary (``rho**|t_i - t_j|`` across the sides);
- the t quantile's degrees of freedom are Welch-Satterthwaite's with the effective
  numbers of nights (the "equivalent sample size" t test, whose small-sample
  behaviour with an estimated ``rho`` Zwiers & von Storch 1995 examine: too many
  rejections, which the bias correction, the floor at Welch's interval and the
  estimate of ``rho`` for a treatment change from more nights than the compared ones
  counter).

With ``rho = 0`` everything reduces to Welch's interval (:func:`mean_difference`).
The estimate of ``rho`` is corrected for its small-sample bias and clipped to
``[MIN_AUTOCORRELATION, MAX_AUTOCORRELATION]`` (see ``_rules``), and the interval
is never narrower than Welch's. ``docs/monitoring.md`` gives the measured coverage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from quietlegs.diary._rules import (
    MAX_AUTOCORRELATION,
    MIN_AUTOCORRELATION,
    MIN_AUTOCORRELATION_PAIRS,
    MIN_EFFECTIVE_NIGHTS,
)

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Estimate:
    """The difference ``mean(a) - mean(b)`` with its confidence interval.

    Attributes
    ----------
    difference : float
        ``mean_a - mean_b``.
    low, high : float
        The interval's bounds.
    level : float
        Its confidence level (e.g. 0.95).
    mean_a, mean_b : float
        The two means.
    n_a, n_b : int
        The numbers of values.
    autocorrelation : float
        The lag-1 autocorrelation of the nights the interval allows for (0: the
        nights were taken as independent).
    effective_n_a, effective_n_b : float | None
        How many independent values each side's mean is worth given that
        autocorrelation (``n_a``/``n_b`` when it is 0; ``None`` from
        :func:`mean_difference`, which knows nothing of the nights' order).
    """

    difference: float
    low: float
    high: float
    level: float
    mean_a: float
    mean_b: float
    n_a: int
    n_b: int
    autocorrelation: float = 0.0
    effective_n_a: float | None = None
    effective_n_b: float | None = None

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or wholly below zero."""
        return self.low > 0 or self.high < 0


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (exclusive); got {level}")


def _t_quantile(level: float, df: float) -> float:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom."""
    from scipy import special  # imported here: scipy is slow to import

    return float(special.stdtrit(df, 0.5 + level / 2))


def mean_difference(a: Sequence[float], b: Sequence[float], level: float) -> Estimate:
    """Estimate ``mean(a) - mean(b)`` with a Welch t interval (independent values).

    Parameters
    ----------
    a, b : sequence of float
        The two samples, at least two values each.
    level : float
        Confidence level, between 0 and 1 (exclusive).

    Returns
    -------
    estimate : Estimate

    Raises
    ------
    ValueError
        If a sample has fewer than two values or the level is not in (0, 1).

    Notes
    -----
    Welch BL, Biometrika 1947;34(1/2):28-35. Diary nights are not independent: the
    analysis uses :func:`serial_mean_difference`, which gives this interval when the
    autocorrelation is 0.
    """
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"each sample needs at least 2 values; got {len(a)} and {len(b)}")
    _check_level(level)
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    na, nb = len(xa), len(xb)
    ma, mb = float(xa.mean()), float(xb.mean())
    va, vb = float(xa.var(ddof=1)), float(xb.var(ddof=1))
    diff = ma - mb
    se2 = va / na + vb / nb
    if se2 == 0.0:
        low = high = diff
    else:
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
        half = _t_quantile(level, df) * math.sqrt(se2)
        low, high = diff - half, diff + half
    return Estimate(diff, low, high, level, ma, mb, na, nb)


def _day_numbers(days: Sequence[int], name: str, count: int) -> _Ints:
    out = np.asarray(days, dtype=np.int64)
    if out.ndim != 1 or len(out) != count:
        raise ValueError(f"{name} must give one day per value ({count}); got {len(out)}")
    return out


def lag1_autocorrelation(
    residuals: Sequence[float],
    days: Sequence[int],
    segments: Sequence[int] | None = None,
    means: int | None = None,
) -> float:
    """The lag-1 autocorrelation of nightly residuals, bias-corrected and clipped.

    ``r = (n - K) / P * sum(e_t * e_(t+1)) / sum(e_t**2)`` over the ``P`` pairs of
    consecutive days within a segment (``K`` segments, ``n`` residuals; with no night
    missed this is the usual estimator pooled over the segments). Its first-order
    bias for an AR(1) series with an estimated mean, ``-(1 + 3 rho) / m`` (Marriott &
    Pope 1954; Kendall 1954), is removed: ``rho = (m r + 1) / (m - 3)``, with ``m``
    the nights per estimated mean (``n / means``; exact for one mean or for
    segments each with its own mean, an approximation for means of interleaved
    groups). The result is clipped to ``[MIN_AUTOCORRELATION, MAX_AUTOCORRELATION]``.

    Parameters
    ----------
    residuals : sequence of float
        Each night's value minus the mean of its group (e.g. its treatment regime),
        so that a change of level is not mistaken for correlation.
    days : sequence of int
        The nights as day numbers (e.g. ``date.toordinal()``), strictly increasing.
    segments : sequence of int | None
        A label per night: pairs are only formed within a segment (e.g. one per
        treatment regime, each with its own mean). ``None``: one segment.
    means : int | None
        How many means the residuals were taken around (e.g. 2 for the nights with
        and without a trigger); default: one per segment.

    Returns
    -------
    rho : float
        ``MAX_AUTOCORRELATION`` (the most cautious value) with fewer than
        ``MIN_AUTOCORRELATION_PAIRS`` pairs or at most 3 nights per mean;
        ``MIN_AUTOCORRELATION`` when the residuals are all zero.

    Raises
    ------
    ValueError
        If ``days`` or ``segments`` do not give one value per residual, the days
        are not strictly increasing or ``means`` is below 1.
    """
    e = np.asarray(residuals, dtype=float)
    t = _day_numbers(days, "days", len(e))
    if len(t) > 1 and not bool(np.all(np.diff(t) > 0)):
        raise ValueError("days must be strictly increasing (one value per night)")
    labels = np.zeros(len(e), dtype=np.int64) if segments is None else np.asarray(segments)
    if labels.ndim != 1 or len(labels) != len(e):
        raise ValueError(f"segments must give one label per value ({len(e)}); got {len(labels)}")
    if means is not None and means < 1:
        raise ValueError(f"means must be at least 1; got {means}")
    pair = (np.diff(t) == 1) & (labels[1:] == labels[:-1])
    pairs = int(pair.sum())
    if pairs < MIN_AUTOCORRELATION_PAIRS:
        return MAX_AUTOCORRELATION
    k = len(np.unique(labels))
    m = len(e) / (k if means is None else means)
    if m <= 3:
        return MAX_AUTOCORRELATION
    total = float(e @ e)
    if total == 0.0:
        return MIN_AUTOCORRELATION
    r = (len(e) - k) / pairs * float(e[:-1][pair] @ e[1:][pair]) / total
    rho = (m * r + 1.0) / (m - 3.0)
    return float(min(max(rho, MIN_AUTOCORRELATION), MAX_AUTOCORRELATION))


def _lag_sums(ta: _Ints, tb: _Ints, rho: float) -> tuple[float, float, float]:
    """``Q_aa, Q_bb, Q_ab``: the sums of ``rho**|t_i - t_j|`` over the pairs of days
    within ``a``, within ``b`` and across (each day counted with itself in ``Q_aa``).

    Exact: the number of pairs at each lag comes from the (FFT) correlation of the
    two days' indicator series, rounded to the integer it is, so a diary of years
    costs a few FFTs instead of a matrix of every pair.
    """
    if rho == 0.0:
        return float(len(ta)), float(len(tb)), 0.0
    first = int(min(ta[0], tb[0]))
    span = int(max(ta[-1], tb[-1])) - first + 1
    size = 1 << (2 * span - 1).bit_length()
    ia = np.zeros(size)
    ib = np.zeros(size)
    ia[ta - first] = 1.0
    ib[tb - first] = 1.0
    fa, fb = np.fft.rfft(ia), np.fft.rfft(ib)
    index = np.arange(size)
    weights = rho ** np.minimum(index, size - index).astype(float)

    def pairs(x: npt.NDArray[np.complex128], y: npt.NDArray[np.complex128]) -> float:
        counts = np.rint(np.fft.irfft(np.conj(x) * y, size))
        return float(counts @ weights)

    return pairs(fa, fa), pairs(fb, fb), pairs(fa, fb)


def serial_mean_difference(
    a: Sequence[float],
    days_a: Sequence[int],
    b: Sequence[float],
    days_b: Sequence[int],
    level: float,
    autocorrelation: float,
) -> Estimate:
    """Estimate ``mean(a) - mean(b)`` for nights of one AR(1) series (see the module).

    Parameters
    ----------
    a, b : sequence of float
        The two sides' nightly values, at least two each.
    days_a, days_b : sequence of int
        Their nights as day numbers (e.g. ``date.toordinal()``); no night twice.
    level : float
        Confidence level, between 0 and 1 (exclusive).
    autocorrelation : float
        The lag-1 autocorrelation ``rho`` of the nights, in [0, 1) (e.g. from
        :func:`lag1_autocorrelation`); 0 gives Welch's interval.

    Returns
    -------
    estimate : Estimate
        With the interval ``difference ± t(level, df) * se``, where ``se**2`` is the
        variance of the difference under the AR(1) model but never below Welch's.

    Raises
    ------
    ValueError
        If a side has fewer than two values, the days do not match the values or
        repeat a night, the level is not in (0, 1) or the autocorrelation not in
        [0, 1).
    """
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"each sample needs at least 2 values; got {len(a)} and {len(b)}")
    _check_level(level)
    if not 0.0 <= autocorrelation < 1.0:
        raise ValueError(f"autocorrelation must be in [0, 1); got {autocorrelation}")
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ta = _day_numbers(days_a, "days_a", len(xa))
    tb = _day_numbers(days_b, "days_b", len(xb))
    if len(np.unique(np.concatenate([ta, tb]))) != len(ta) + len(tb):
        raise ValueError("days_a and days_b must not repeat a night")
    order_a, order_b = np.argsort(ta), np.argsort(tb)
    ta, xa, tb, xb = ta[order_a], xa[order_a], tb[order_b], xb[order_b]
    na, nb = len(xa), len(xb)
    ma, mb = float(xa.mean()), float(xb.mean())
    ssa, ssb = float(((xa - ma) ** 2).sum()), float(((xb - mb) ** 2).sum())
    qa, qb, qab = _lag_sums(ta, tb, autocorrelation)
    va = ssa / (na - qa / na)  # unbiased for sigma**2 under the AR(1) model
    vb = ssb / (nb - qb / nb)
    ua, ub = va * qa / na**2, vb * qb / nb**2  # the variances of the two means
    se2 = ua + ub - 2.0 * math.sqrt(va * vb) * qab / (na * nb)
    se2 = max(se2, ssa / (na - 1) / na + ssb / (nb - 1) / nb)
    ea, eb = na**2 / qa, nb**2 / qb
    diff = ma - mb
    if se2 == 0.0:
        low = high = diff
    else:
        da, db = max(ea, MIN_EFFECTIVE_NIGHTS), max(eb, MIN_EFFECTIVE_NIGHTS)
        sa, sb = va / da, vb / db
        df = (sa + sb) ** 2 / (sa**2 / (da - 1) + sb**2 / (db - 1))
        half = _t_quantile(level, df) * math.sqrt(se2)
        low, high = diff - half, diff + half
    return Estimate(diff, low, high, level, ma, mb, na, nb, autocorrelation, ea, eb)
