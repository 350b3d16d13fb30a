"""Records with data in several apps for the tests where the apps meet: tremor
recordings (analysed synthetic signals), diary nights and appointments, made in code."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.utils import timezone

from quietlegs.signals.tremor import analyze_signal
from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary.models import DiaryEntry, Source
from quietlegs.web.scheduling.models import Appointment, Resource, VisitType
from quietlegs.web.tremor.models import TremorRecording
from tests.signals.tremor_synth import make_tremor


@cache
def _result(freq_hz: float, rms: float, task: str) -> dict[str, Any]:
    synth = make_tremor(freq_hz, rms, seed=1)
    return analyze_signal(synth.values, synth.sfreq_hz, task=task).to_dict()


def tremor_result(freq_hz: float = 5.0, rms: float = 0.3, task: str = "rest") -> dict[str, Any]:
    """The stored result of a 30-s, 100 Hz synthetic recording (``rms=0``: sensor noise only,
    no tremor)."""
    return dict(_result(freq_hz, rms, task))


def tremor_recording(
    patient: User,
    freq_hz: float = 5.0,
    rms: float = 0.3,
    task: str = "rest",
    *,
    name: str = "hand.csv",
    created_at: dt.datetime | None = None,
) -> TremorRecording:
    """A stored recording with its analysed result (no files on disk)."""
    item = TremorRecording.objects.create(
        patient=patient,
        uploaded_by=patient,
        original_name=name,
        stored_path="",
        figure_path="",
        size_bytes=1000,
        task=task,
        result=tremor_result(freq_hz, rms, task),
    )
    if created_at is not None:
        TremorRecording.objects.filter(pk=item.pk).update(created_at=created_at)
        item.refresh_from_db()
    return item


def diary_nights(patient: User, nights: int = 10, severity: int = 5) -> list[DiaryEntry]:
    """``nights`` entries ending last night (symptoms in the legs from 21:30)."""
    today = timezone.localdate()
    rows = [
        DiaryEntry(
            patient=patient,
            day=today - dt.timedelta(days=n),
            severity=severity,
            onset=dt.time(21, 30),
            body_parts=["legs"],
            created_by=patient,
            updated_by=patient,
            source=Source.WEB,
        )
        for n in range(nights, 0, -1)
    ]
    return DiaryEntry.objects.bulk_create(rows)


def appointment(
    clinic: Clinic,
    patient: User,
    clinician: User,
    *,
    days_ahead: float = 3,
    code: str = VisitType.Code.FOLLOW_UP,
    resource: Resource | None = None,
    status: str = Appointment.Status.BOOKED,
) -> Appointment:
    """A visit ``days_ahead`` days from now (negative: in the past), one hour long."""
    start = (timezone.now() + dt.timedelta(days=days_ahead)).replace(
        minute=0, second=0, microsecond=0
    )
    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        clinician=clinician,
        visit_type=VisitType.objects.get(clinic=clinic, code=code),
        resource=resource,
        start=start,
        end=start + dt.timedelta(hours=1),
        status=status,
        booked_by=patient,
    )
