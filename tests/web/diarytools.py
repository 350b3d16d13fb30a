"""Diaries for the web tests: the synthetic diaries of tests/diary, moved to end last night."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone

from quietlegs import diary as core
from quietlegs.web.accounts.models import User
from quietlegs.web.diary import services
from quietlegs.web.diary.models import DiaryEntry, Source, TreatmentPeriod
from tests.diary.synthetic import AUGMENT_START, augmentation_diary


def store(patient: User, diary: core.Diary) -> tuple[dt.date, dt.date]:
    """Save ``diary`` for ``patient``, moved so that its last night is yesterday.

    Returns
    -------
    first, last : datetime.date
        The first and last nights as stored.
    """
    assert diary.first_day is not None
    assert diary.last_day is not None
    shift = (timezone.localdate() - dt.timedelta(days=1)) - diary.last_day
    rows = []
    for entry in diary:
        row = DiaryEntry(patient=patient, created_by=patient, updated_by=patient, source=Source.WEB)
        row.set_from_core(dataclasses.replace(entry, day=entry.day + shift))
        rows.append(row)
    DiaryEntry.objects.bulk_create(rows)
    return diary.first_day + shift, diary.last_day + shift


def augmented_patient(patient: User, clinician: User) -> dt.date:
    """Give ``patient`` nine weeks of diary whose last three show augmentation on a
    dopamine agonist started in week 3 (recorded by ``clinician``). Returns the start."""
    first, _last = store(patient, augmentation_diary())
    start = first + dt.timedelta(days=AUGMENT_START)
    TreatmentPeriod.objects.create(
        patient=patient,
        treatment_id="dopamine_agonists_non_ergot",
        start=start,
        recorded_as=TreatmentPeriod.RecordedAs.CLINICIAN,
        recorded_by=clinician,
    )
    assert services.core_periods(patient)[0].dopaminergic
    return start
