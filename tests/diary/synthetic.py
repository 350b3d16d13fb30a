"""Synthetic diaries with known effects, made in code with seeded randomness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from quietlegs.diary import Diary, DiaryEntry, TreatmentPeriod, _clock

#: Day 0 of every synthetic diary (a Monday, safely in the past).
DAY0 = dt.date(2024, 1, 1)


#: 09:59 UTC on day 60 (1 March 2024): 23:59 at UTC+14, so day 60 is the latest date
#: anywhere and day 61 has begun nowhere yet.
BEFORE_DAY_61 = dt.datetime(2024, 3, 1, 9, 59, tzinfo=dt.UTC)


def pin_clock(monkeypatch: pytest.MonkeyPatch, at: dt.datetime = BEFORE_DAY_61) -> None:
    """Make the diary core's clock (:func:`quietlegs.diary._clock.utc_now`) read ``at``."""
    monkeypatch.setattr(_clock, "utc_now", lambda: at)


def day(n: int) -> dt.date:
    """Day ``n`` of a synthetic diary."""
    return DAY0 + dt.timedelta(days=n)


def clock(minutes_after_6: float) -> dt.time:
    """The clock time ``minutes_after_6`` minutes after 06:00 (wrapping at midnight)."""
    total = (round(minutes_after_6) + 360) % 1440
    return dt.time(total // 60, total % 60)


def entry(n: int, severity: int, **values: Any) -> DiaryEntry:
    """An entry for day ``n``; symptomatic nights default to legs only."""
    if severity > 0:
        values.setdefault("body_parts", {"legs"})
    return DiaryEntry(day=day(n), severity=severity, **values)


def rated(value: float) -> int:
    """A 0-10 rating from a real value."""
    return int(np.clip(round(value), 0, 10))


def make_diary(
    days: int,
    make: Callable[[int, np.random.Generator], DiaryEntry | None],
    seed: int = 0,
) -> Diary:
    """A diary of ``days`` nights; ``make(n, rng)`` gives night ``n`` (``None``: missed)."""
    rng = np.random.default_rng(seed)
    entries = [make(n, rng) for n in range(days)]
    return Diary(e for e in entries if e is not None)


def period(
    treatment_id: str,
    start: int,
    stop: int | None = None,
    dopaminergic: bool = False,
    changes: tuple[int, ...] = (),
) -> TreatmentPeriod:
    """A treatment period by day numbers."""
    return TreatmentPeriod(
        treatment_id=treatment_id,
        start=day(start),
        stop=day(stop) if stop is not None else None,
        changes=tuple(day(c) for c in changes),
        dopaminergic=dopaminergic,
    )


# --- the scenarios of issue #6 -----------------------------------------------------------------


def halving_diary(seed: int = 1) -> Diary:
    """56 nights: severity about 6 before day 28 and about 3 from day 28 (a treatment
    that halves it); sleep quality is noise around 5 throughout."""

    def make(n: int, rng: np.random.Generator) -> DiaryEntry:
        mean = 6.0 if n < 28 else 3.0
        return entry(
            n,
            rated(mean + rng.normal(0, 1.0)) or 1,
            onset=clock(16 * 60 + rng.normal(0, 20)),
            sleep_quality=rated(5 + rng.normal(0, 1.5)),
        )

    return make_diary(56, make, seed)


#: Day the dopaminergic treatment starts, and the day augmentation appears (week 6).
AUGMENT_START, AUGMENT_APPEARS = 14, 42


def augmentation_diary(seed: int = 2, days: int = 63) -> Diary:
    """Baseline (days 0-13): onset about 23:00, legs, severity about 5, 30 min at rest.
    A dopamine agonist from day 14 helps (onset later, severity about 2) until week 6;
    from day 42 symptoms start about 5.5 h earlier (17:30), spread to the arms, are
    more intense and come sooner at rest."""

    def make(n: int, rng: np.random.Generator) -> DiaryEntry:
        if n < AUGMENT_START:
            return entry(
                n,
                rated(5 + rng.normal(0, 0.7)) or 1,
                onset=clock(17 * 60 + rng.normal(0, 25)),
                rest_latency_min=int(30 + rng.integers(-5, 6)),
            )
        if n < AUGMENT_APPEARS:
            return entry(
                n,
                rated(2 + rng.normal(0, 0.5)) or 1,
                onset=clock(17.5 * 60 + rng.normal(0, 25)),
                rest_latency_min=int(45 + rng.integers(-5, 6)),
            )
        return entry(
            n,
            rated(7.5 + rng.normal(0, 0.5)),
            onset=clock(11.5 * 60 + rng.normal(0, 20)),
            rest_latency_min=int(10 + rng.integers(-3, 4)),
            body_parts={"legs", "arms"},
        )

    return make_diary(days, make, seed)


def agonist(start: int = AUGMENT_START) -> TreatmentPeriod:
    """A dopamine agonist from day ``start``."""
    return period("dopamine_agonists_non_ergot", start, dopaminergic=True)


def caffeine_diary(seed: int = 3, days: int = 70) -> Diary:
    """70 nights; coffee on about half the days adds 2 points to the severity (about 4
    without); the other triggers are random and do nothing."""

    def make(n: int, rng: np.random.Generator) -> DiaryEntry:
        coffee = bool(rng.random() < 0.5)
        severity = rated(4 + 2 * coffee + rng.normal(0, 1.0))
        exercise = int(rng.integers(0, 2)) * 30
        return entry(
            n,
            severity or 1,
            onset=clock(15 * 60),
            caffeine_drinks=2 if coffee else 0,
            last_caffeine=dt.time(16, 0) if coffee else None,
            alcohol_units=1.0 if rng.random() < 0.4 else 0.0,
            exercise_min=exercise,
            exercise_intensity="moderate" if exercise else None,
            long_sitting=bool(rng.random() < 0.4),
            sweets_before_bed=bool(rng.random() < 0.5),
            stress=bool(rng.random() < 0.3),
            nicotine=bool(rng.random() < 0.3),
        )

    return make_diary(days, make, seed)


def noise_diary(seed: int = 4, days: int = 70) -> Diary:
    """70 nights of noise: severity about 5 whatever happens; random triggers."""

    def make(n: int, rng: np.random.Generator) -> DiaryEntry:
        exercise = int(rng.integers(0, 2)) * 45
        return entry(
            n,
            rated(5 + rng.normal(0, 1.5)) or 1,
            onset=clock(15 * 60 + rng.normal(0, 40)),
            sleep_quality=rated(5 + rng.normal(0, 1.5)),
            caffeine_drinks=int(rng.integers(0, 3)),
            alcohol_units=float(rng.integers(0, 2)),
            exercise_min=exercise,
            exercise_intensity=str(rng.choice(["light", "vigorous"])) if exercise else None,
            long_sitting=bool(rng.random() < 0.5),
            sweets_before_bed=bool(rng.random() < 0.5),
            stress=bool(rng.random() < 0.5),
            nicotine=bool(rng.random() < 0.5),
        )

    return make_diary(days, make, seed)


# --- serially correlated diaries (nights that are not independent) -------------------------

#: Standard deviation (points) of the latent nightly severity around its mean.
AR1_SD = 1.5
#: Day of the treatment change in :func:`ar1_change_diary`.
AR1_CHANGE_DAY = 28


def ar1_noise(rng: np.random.Generator, days: int, phi: float, sd: float = AR1_SD) -> Any:
    """A stationary AR(1) series of ``days`` values: ``e[t] = phi e[t-1] + innovation``,
    each value with standard deviation ``sd`` and lag-k correlation ``phi**k``."""
    noise = np.empty(days)
    noise[0] = rng.normal(0.0, sd)
    innovation = sd * np.sqrt(1.0 - phi**2)
    for t in range(1, days):
        noise[t] = phi * noise[t - 1] + rng.normal(0.0, innovation)
    return noise


def in_runs(rng: np.random.Generator, days: int, share: float, mean_run: float) -> list[bool]:
    """Days with a trigger that comes in runs (a stressful week, a trip): a two-state
    Markov chain on ``share`` of the days on average, each run ``mean_run`` days long
    on average (``mean_run = 1 / (1 - share)`` would make the days independent)."""
    leave = 1.0 / mean_run
    enter = leave * share / (1.0 - share)
    on = bool(rng.random() < share)
    out = []
    for _ in range(days):
        out.append(on)
        on = bool(rng.random() >= leave) if on else bool(rng.random() < enter)
    return out


def ar1_change_diary(seed: int, phi: float, days: int = 56, effect: float = 0.0) -> Diary:
    """``days`` nights of severity about 5 with AR(1) noise (``phi``), changed by
    ``effect`` points from :data:`AR1_CHANGE_DAY` (a treatment started that day; 0:
    none at all). Use with ``period("valerian", AR1_CHANGE_DAY)``."""
    rng = np.random.default_rng(seed)
    noise = ar1_noise(rng, days, phi)
    return Diary(
        entry(n, rated(5.0 + (effect if n >= AR1_CHANGE_DAY else 0.0) + noise[n]))
        for n in range(days)
    )


def ar1_trigger_diary(seed: int, phi: float, runs: float | None, days: int = 70) -> Diary:
    """``days`` nights of severity about 5 with AR(1) noise (``phi``) and the eight
    possible triggers, none of which does anything: each on its own share of the days,
    in runs of ``runs`` days on average, or independently from day to day (``None``)."""
    rng = np.random.default_rng(seed)
    noise = ar1_noise(rng, days, phi)

    def series(share: float) -> list[bool]:
        if runs is None:
            return [bool(x) for x in rng.random(days) < share]
        return in_runs(rng, days, share, runs)

    coffee, alcohol, smoke = series(0.5), series(0.4), series(0.3)
    exercise, vigorous = series(0.5), series(0.5)
    sitting, sweets, stress = series(0.4), series(0.5), series(0.3)
    return Diary(
        entry(
            n,
            rated(5.0 + noise[n]),
            caffeine_drinks=2 if coffee[n] else 0,
            alcohol_units=1.0 if alcohol[n] else 0.0,
            nicotine=smoke[n],
            exercise_min=30 if exercise[n] else 0,
            exercise_intensity=("vigorous" if vigorous[n] else "light") if exercise[n] else None,
            long_sitting=sitting[n],
            sweets_before_bed=sweets[n],
            stress=stress[n],
        )
        for n in range(days)
    )
