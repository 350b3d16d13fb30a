"""A demo diary: nine weeks ending last night, with a dopamine agonist that helps at
first and then shows augmentation, and coffee that makes nights worse (seeded)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from quietlegs import diary as core
from quietlegs.web.accounts.models import User
from quietlegs.web.diary.models import DiaryEntry, Source, TreatmentPeriod
from quietlegs.web.diary.services import local_today

#: Nights of the demo diary; the agonist starts on night 14, augmentation on night 42.
DEMO_NIGHTS, AGONIST_FROM, AUGMENTATION_FROM = 63, 14, 42


def _clock(minutes_after_6: float) -> dt.time:
    total = (round(minutes_after_6) + 360) % 1440
    return dt.time(total // 60, total % 60)


def add_demo_diary(patient: User, clinician: User | None, seed: int = 6) -> int:
    """Give ``patient`` the demo diary and its treatment; return the number of nights."""
    rng = np.random.default_rng(seed)
    first = local_today() - dt.timedelta(days=DEMO_NIGHTS)
    rows = []
    for n in range(DEMO_NIGHTS):
        coffee = bool(rng.random() < 0.5)
        severity: float
        onset: float  # minutes after 06:00
        if n < AGONIST_FROM:
            severity, onset, latency, parts = 5.0, 17.0 * 60, 30, {"legs"}
        elif n < AUGMENTATION_FROM:
            severity, onset, latency, parts = 2.0, 17.5 * 60, 45, {"legs"}
        else:
            severity, onset, latency, parts = 7.0, 11.5 * 60, 10, {"legs", "arms"}
        value = int(np.clip(round(severity + 1.5 * coffee + rng.normal(0, 0.8)), 1, 10))
        entry = core.DiaryEntry(
            day=first + dt.timedelta(days=n),
            severity=value,
            onset=_clock(onset + rng.normal(0, 25)),
            rest_latency_min=int(latency + rng.integers(-5, 6)),
            body_parts=frozenset(parts),
            bedtime=dt.time(23, 0),
            sleep_latency_min=int(15 + 5 * value + rng.integers(0, 10)),
            awakenings=int(rng.integers(0, 2) + value // 3),
            sleep_quality=int(np.clip(9 - value + rng.integers(-1, 2), 0, 10)),
            daytime_sleepiness=int(np.clip(value - 1 + rng.integers(-1, 2), 0, 10)),
            caffeine_drinks=3 if coffee else 0,
            last_caffeine=dt.time(17, 0) if coffee else None,
            exercise_min=30 if n % 3 == 0 else 0,
            exercise_intensity="moderate" if n % 3 == 0 else None,
            long_sitting=bool(rng.random() < 0.3),
            stress=bool(rng.random() < 0.3),
        )
        row = DiaryEntry(patient=patient, created_by=patient, updated_by=patient, source=Source.WEB)
        row.set_from_core(entry)
        rows.append(row)
    DiaryEntry.objects.bulk_create(rows)
    TreatmentPeriod.objects.create(
        patient=patient,
        treatment_id="dopamine_agonists_non_ergot",
        start=first + dt.timedelta(days=AGONIST_FROM),
        recorded_as=TreatmentPeriod.RecordedAs.CLINICIAN,
        recorded_by=clinician,
    )
    return len(rows)
