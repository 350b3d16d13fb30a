"""Honesty of the diary's intervals when nights are serially correlated.

Synthetic diaries (``tests/diary/synthetic.py``, seeded) whose severity is about 5 with
AR(1) noise (standard deviation 1.5 points, lag-1 correlation phi = 0, 0.5, 0.7) and
**no effect at all**, rated 0-10 as a patient would:

- *before/after*: 56 nights, a treatment started on night 28 that does nothing; the
  share of diaries whose 95 % interval for the change in severity covers 0 (target
  >= 93 %);
- *triggers*: 70 nights with the eight possible triggers, none doing anything, either
  independent from day to day or coming in runs (5 days on average, like a stressful
  week or a trip); the share of diaries in which any trigger is "found" (the
  Bonferroni-adjusted interval excludes 0; target <= 5 %).

Each is measured for the analysis as it is (``serial_mean_difference``) and for the
previous method on the same diaries (Welch's interval, nights taken as independent);
the before/after also for the alternatives considered (Newey-West HAC standard errors,
a moving-block bootstrap).
Also how much wider the intervals are, and the share of diaries with a real effect
(treatment halving severity, caffeine +2; severity 5 -> 2 with correlated nights)
recognised by each method. Prints a table; ``--seeds N`` (default 500; docs/monitoring.md quotes 2000).
Exits 1 if a target is missed by the current method.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.diary.synthetic import (
    AR1_CHANGE_DAY,
    ar1_change_diary,
    ar1_trigger_diary,
    caffeine_diary,
    halving_diary,
    period,
)

from quietlegs.diary import Diary, effectiveness, trigger_effects
from quietlegs.diary._rules import CONFIDENCE_LEVEL
from quietlegs.diary._stats import Estimate, mean_difference
from quietlegs.diary.analysis import TRIGGERS

Floats = npt.NDArray[np.float64]
COVERAGE_TARGET = 0.93
FALSE_FINDING_TARGET = 0.05
PHIS = (0.0, 0.5, 0.7)
RUN_DAYS = 5.0


def change_intervals(diary: Diary) -> tuple[Estimate, Estimate]:
    """The new and the old 95 % interval of the change in severity at the change."""
    (change,) = effectiveness(diary, [period("valerian", AR1_CHANGE_DAY)], ["severity"])
    est = change.outcome("severity").estimate
    if est is None or change.before is None or change.after is None:
        raise RuntimeError("the synthetic diary has too few nights around the change")
    before = [float(e.severity) for e in diary.between(*change.before)]
    after = [float(e.severity) for e in diary.between(*change.after)]
    return est, mean_difference(after, before, CONFIDENCE_LEVEL)


def newey_west(before: Floats, after: Floats, lags: int, level: float) -> tuple[float, float]:
    """The interval of ``mean(after) - mean(before)`` from a regression on an "after"
    indicator with Newey-West (Bartlett kernel) HAC standard errors, t with n - 2 df."""
    from scipy import stats

    y = np.concatenate([before, after])
    x = np.column_stack([np.ones(len(y)), np.r_[np.zeros(len(before)), np.ones(len(after))]])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    g = x * (y - x @ beta)[:, None]
    meat = g.T @ g
    for lag in range(1, lags + 1):
        cross = g[lag:].T @ g[:-lag]
        meat += (1 - lag / (lags + 1)) * (cross + cross.T)
    bread = np.linalg.inv(x.T @ x)
    half = float(stats.t.ppf(0.5 + level / 2, len(y) - 2)) * math.sqrt((bread @ meat @ bread)[1, 1])
    return float(beta[1]) - half, float(beta[1]) + half


def block_bootstrap(
    before: Floats, after: Floats, block: int, level: float, rng: np.random.Generator
) -> tuple[float, float]:
    """The percentile interval of ``mean(after) - mean(before)`` from a moving-block
    bootstrap (Kunsch 1989) of each window, 999 resamples."""

    def means(x: Floats) -> Floats:
        blocks = -(-len(x) // block)
        starts = rng.integers(0, len(x) - block + 1, size=(999, blocks))
        index = (starts[:, :, None] + np.arange(block)).reshape(999, -1)[:, : len(x)]
        return np.asarray(x[index].mean(axis=1), dtype=float)

    diff = means(after) - means(before)
    tail = 100 * (1 - level) / 2
    return float(np.percentile(diff, tail)), float(np.percentile(diff, 100 - tail))


def alternatives(diary: Diary, rng: np.random.Generator) -> dict[str, bool]:
    """Whether the alternatives considered cover 0 for the change in ``diary``."""
    (change,) = effectiveness(diary, [period("valerian", AR1_CHANGE_DAY)], ["severity"])
    if change.before is None or change.after is None:
        raise RuntimeError("the synthetic diary has no windows around the change")
    before = np.array([float(e.severity) for e in diary.between(*change.before)])
    after = np.array([float(e.severity) for e in diary.between(*change.after)])
    out = {}
    for lags in (3, 5):
        low, high = newey_west(before, after, lags, CONFIDENCE_LEVEL)
        out[f"Newey-West, {lags} lags"] = low <= 0 <= high
    for block in (3, 4):
        low, high = block_bootstrap(before, after, block, CONFIDENCE_LEVEL, rng)
        out[f"moving-block bootstrap, blocks of {block}"] = low <= 0 <= high
    return out


def covers_zero(est: Estimate) -> bool:
    """Whether the interval holds 0."""
    return est.low <= 0 <= est.high


def triggers_found(diary: Diary) -> tuple[set[str], set[str]]:
    """The triggers found by the new and by the old method (Welch, Bonferroni)."""
    report = trigger_effects(diary)
    new = {e.trigger for e in report.effects if e.found}
    old = set()
    for effect in report.effects:
        if effect.estimate is None:
            continue
        test = TRIGGERS[effect.trigger]
        with_ = [float(e.severity) for e in diary if test(e)]
        without = [float(e.severity) for e in diary if not test(e)]
        if mean_difference(with_, without, report.adjusted_level).excludes_zero:
            old.add(effect.trigger)
    return new, old


def share(hits: int, n: int) -> str:
    """``95.3 % ± 0.7`` (binomial standard error)."""
    p = hits / n
    return f"{100 * p:5.1f} % ± {100 * math.sqrt(p * (1 - p) / n):.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    seeds = range(parser.parse_args().seeds)
    n = len(seeds)
    ok = True
    start = time.perf_counter()
    print(f"{n} diaries per row; ± one binomial standard error\n")
    print(f"{'scenario':<40} {'phi':>4} {'new method':>15} {'old (Welch)':>15}")
    widths: dict[float, list[float]] = {}
    for phi in PHIS:
        pairs = [change_intervals(ar1_change_diary(s, phi)) for s in seeds]
        new, old = sum(covers_zero(p[0]) for p in pairs), sum(covers_zero(p[1]) for p in pairs)
        widths[phi] = [(a.high - a.low) / (b.high - b.low) for a, b in pairs]
        ok &= new / n >= COVERAGE_TARGET
        print(f"{'before/after: 95 % interval covers 0':<40} {phi:4.1f} "
              f"{share(new, n):>15} {share(old, n):>15}")  # fmt: skip
    for runs, label in ((None, "independent"), (RUN_DAYS, f"in {RUN_DAYS:g}-day runs")):
        for phi in PHIS:
            found = [triggers_found(ar1_trigger_diary(s, phi, runs)) for s in seeds]
            new, old = sum(bool(f[0]) for f in found), sum(bool(f[1]) for f in found)
            ok &= new / n <= FALSE_FINDING_TARGET + 2 * math.sqrt(0.05 * 0.95 / n)
            print(f"{'triggers ' + label + ': any found':<40} {phi:4.1f} "
                  f"{share(new, n):>15} {share(old, n):>15}")  # fmt: skip
    print("\nalternatives considered, before/after: 95 % interval covers 0")
    rng = np.random.default_rng(0)
    for phi in PHIS:
        rows = [alternatives(ar1_change_diary(s, phi), rng) for s in seeds]
        for name in rows[0]:
            print(f"  {name:<38} {phi:4.1f} {share(sum(r[name] for r in rows), n):>15}")
    print("\nwidth of the before/after interval, new / old (median, 90th centile):")
    for phi, ratios in widths.items():
        q = statistics.quantiles(ratios, n=10)
        print(f"  phi {phi:.1f}: {statistics.median(ratios):.2f}, {q[-1]:.2f}")
    known = range(min(n, 200))
    halving = [
        effectiveness(halving_diary(s), [period("alpha2delta_ligands", 28)])[0] for s in known
    ]
    caffeine = [triggers_found(caffeine_diary(s)) for s in known]
    halved = sum(c.outcome("severity").status == "better" for c in halving)
    print(f"\nreal effects over {len(known)} seeds:")
    print(f"  treatment halving severity (independent nights) found: {share(halved, len(known))}")
    for phi in PHIS[1:]:
        real = [change_intervals(ar1_change_diary(s, phi, effect=-3.0)) for s in known]
        print(
            f"  severity 5 -> 2 with phi {phi}: found new "
            f"{share(sum(a.high < 0 for a, _ in real), len(known))}, old "
            f"{share(sum(b.high < 0 for _, b in real), len(known))}"
        )
    print(
        f"  caffeine +2 (independent nights) found: new {share(sum('caffeine' in c[0] for c in caffeine), len(known))}"
        f", old {share(sum('caffeine' in c[1] for c in caffeine), len(known))}"
    )
    print(
        f"  another trigger also found: new {share(sum(bool(c[0] - {'caffeine'}) for c in caffeine), len(known))}"
        f", old {share(sum(bool(c[1] - {'caffeine'}) for c in caffeine), len(known))}"
    )
    print(f"\n{time.perf_counter() - start:.0f} s; targets: coverage >= {COVERAGE_TARGET:.0%}, "
          f"false findings <= {FALSE_FINDING_TARGET:.0%} (+ 2 SE)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
