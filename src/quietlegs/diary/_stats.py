"""The difference of two means with a Welch t confidence interval.

Diary nights are not independent (a bad night tends to follow a bad night), so
the intervals are somewhat too narrow; ``docs/monitoring.md`` says so, and the
analysis asks for at least a week of entries on each side before it estimates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


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
    """

    difference: float
    low: float
    high: float
    level: float
    mean_a: float
    mean_b: float
    n_a: int
    n_b: int

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or wholly below zero."""
        return self.low > 0 or self.high < 0


def mean_difference(a: Sequence[float], b: Sequence[float], level: float) -> Estimate:
    """Estimate ``mean(a) - mean(b)`` with a Welch t interval.

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
    """
    from scipy import stats  # imported here: scipy is slow to import

    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"each sample needs at least 2 values; got {len(a)} and {len(b)}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (exclusive); got {level}")
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
        half = float(stats.t.ppf(0.5 + level / 2, df)) * math.sqrt(se2)
        low, high = diff - half, diff + half
    return Estimate(diff, low, high, level, ma, mb, na, nb)
