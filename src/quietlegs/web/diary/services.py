"""The diary's business rules in the web app: reading and saving entries (with their
history), CSV import and export, the treatment timeline, lab results, reminders'
setting, and who may do what. Every read or change of a patient's diary writes an
audit entry here or in the view that calls these functions.

The values and their rules are the core's (:mod:`quietlegs.diary`): entries are
validated by :class:`quietlegs.diary.DiaryEntry`, treatment periods by
:func:`quietlegs.diary.treatment_period`, and nothing is saved that the core refuses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from quietlegs import DiaryError, Problem
from quietlegs import diary as core
from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary.models import (
    DiaryEntry,
    DiaryEntryVersion,
    DiarySettings,
    Source,
    TreatmentChange,
    TreatmentPeriod,
)
from quietlegs.web.knowledge import kb
from quietlegs.web.records.models import LabResult

logger = logging.getLogger("quietlegs.web.diary")

#: Largest CSV file a patient may import, in bytes (5000 rows fit easily).
MAX_IMPORT_BYTES = 1024 * 1024


class NightTakenError(Exception):
    """There is already an entry for this night (edit it instead)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        super().__init__(f"{day.isoformat()}: there is already an entry for this night")


class StaleEditError(Exception):
    """The entry was changed since the form was opened (someone else saved first)."""

    def __init__(self, expected: int, current: int) -> None:
        self.expected, self.current = expected, current
        super().__init__(f"the entry is at version {current}, not {expected}")


def local_today() -> dt.date:
    """Today in the current time zone: the clinic's during its people's requests
    (:class:`~quietlegs.web.middleware.ClinicTimeZoneMiddleware`, and the API's token
    checks), else ``settings.TIME_ZONE``."""
    return timezone.localdate()


#: How the English messages name the core's fields (``changes`` is one change day).
_WORDS = {"changes": "change"}


def _future_days(label: str, treatment: str | None = None, **days: dt.date | None) -> list[Problem]:
    """A ``day_in_future`` problem for each of ``days`` after :func:`local_today`.

    The core refuses only a day that has begun nowhere on Earth (it knows no time zone);
    here "the future" is after today in the clinic's time zone.
    """
    today = local_today()
    extra = {} if treatment is None else {"treatment": treatment}
    return [
        Problem(
            "day_in_future",
            f"{label}{_WORDS.get(name, name)} {day.isoformat()} is in the future "
            f"(today is {today.isoformat()})",
            name,
            None,
            {"day": day, "today": today, **extra},
        )
        for name, day in days.items()
        if day is not None and day > today
    ]


# --- reading -------------------------------------------------------------------------------


def entries(patient: User) -> QuerySet[DiaryEntry]:
    """``patient``'s diary entries, latest night first."""
    return DiaryEntry.objects.filter(patient=patient)


def patient_diary(patient: User) -> core.Diary:
    """``patient``'s diary as the core's :class:`~quietlegs.diary.Diary`.

    A stored row the core refuses (never one saved through this module) is left
    out with a logged warning rather than hiding the whole diary.
    """
    items: list[core.DiaryEntry] = []
    for row in entries(patient).order_by("day"):
        try:
            items.append(row.to_core())
        except DiaryError as exc:
            logger.warning("diary entry %s of patient %s left out: %s", row.pk, patient.pk, exc)
    return core.Diary(items)


def entry_for(patient: User, day: dt.date) -> DiaryEntry | None:
    """``patient``'s entry for ``day``, if any."""
    return entries(patient).filter(day=day).first()


def latest_before(patient: User, day: dt.date) -> DiaryEntry | None:
    """``patient``'s most recent entry before ``day`` (the defaults of a new entry)."""
    return entries(patient).filter(day__lt=day).order_by("-day").first()


def suggested_day(patient: User) -> dt.date:
    """The night a new entry is most likely about: last night, unless it is recorded
    already, in which case tonight."""
    yesterday = local_today() - dt.timedelta(days=1)
    return yesterday if entry_for(patient, yesterday) is None else local_today()


def history(entry: DiaryEntry) -> list[DiaryEntryVersion]:
    """The earlier versions of ``entry``, newest first."""
    return list(entry.history.select_related("recorded_by", "replaced_by"))


# --- saving --------------------------------------------------------------------------------


def create_entry(
    request: HttpRequest | None,
    patient: User,
    actor: User,
    entry: core.DiaryEntry,
    source: str = Source.WEB,
) -> DiaryEntry:
    """Save a new entry for ``entry.day``.

    Raises
    ------
    DiaryError
        If the night is after today in the clinic's time zone.
    NightTakenError
        If the patient already has an entry for that night (nothing is changed).
    """
    future = _future_days("", day=entry.day)
    if future:
        night = future[0]
        why = "; an entry is about a night that has begun"
        raise DiaryError([dataclasses.replace(night, message=night.message + why)])
    row = DiaryEntry(patient=patient, created_by=actor, updated_by=actor, source=source)
    row.set_from_core(entry)
    try:
        with transaction.atomic():
            if entries(patient).filter(day=entry.day).exists():
                raise NightTakenError(entry.day)
            row.save()
            record(request, AuditEvent.Action.CREATE, patient=patient, obj=row, actor=actor)
    except IntegrityError as exc:  # a concurrent save of the same night
        raise NightTakenError(entry.day) from exc
    return row


def update_entry(
    request: HttpRequest | None,
    patient: User,
    actor: User,
    row: DiaryEntry,
    entry: core.DiaryEntry,
    source: str = Source.WEB,
    expected_version: int | None = None,
) -> DiaryEntry:
    """Change ``row`` to ``entry``, keeping the old values as a history version.

    Raises
    ------
    DiaryError
        If ``entry`` is about another night than ``row``.
    StaleEditError
        If ``expected_version`` is given and the row has changed since.
    """
    if entry.day != row.day:
        message = f"day: an entry's night cannot change ({row.day.isoformat()} to {entry.day})"
        params = {"day": row.day, "new": entry.day}
        raise DiaryError([Problem("night_cannot_change", message, "day", None, params)])
    with transaction.atomic():
        locked = DiaryEntry.objects.select_for_update().get(pk=row.pk, patient=patient)
        if expected_version is not None and locked.version != expected_version:
            raise StaleEditError(expected_version, locked.version)
        DiaryEntryVersion.objects.create(
            entry=locked,
            version=locked.version,
            data=locked.to_core().to_dict(),
            source=locked.source,
            recorded_at=locked.updated_at,
            recorded_by=locked.updated_by,
            replaced_by=actor,
        )
        locked.set_from_core(entry)
        locked.version += 1
        locked.source = source
        locked.updated_by = actor
        locked.save()
        record(request, AuditEvent.Action.UPDATE, patient=patient, obj=locked, actor=actor)
    return locked


# --- CSV ---------------------------------------------------------------------------------------


def export_csv(request: HttpRequest, patient: User) -> str:
    """``patient``'s diary as CSV text (audited as an export)."""
    text = core.to_csv_text(patient_diary(patient))
    record(request, AuditEvent.Action.EXPORT, patient=patient, object_type="diary_csv")
    return text


def import_csv(request: HttpRequest, patient: User, actor: User, text: str) -> int:
    """Add every entry of a CSV file to ``patient``'s diary, or none of them.

    Returns
    -------
    count : int
        Entries added.

    Raises
    ------
    DiaryError
        Every problem of the file (row and column), and every row whose night the
        diary already has (nothing already stored is overwritten).
    """
    rows = core.read_csv_rows(text)
    days = {entry.day for _, entry in rows}
    taken = set(entries(patient).filter(day__in=days).values_list("day", flat=True))
    today = local_today()
    problems = [
        Problem(
            "night_in_diary",
            f"row {n}: {entry.day.isoformat()} already has an entry in your diary "
            "(edit it there, or leave this row out)",
            None,
            n,
            {"day": entry.day},
        )
        for n, entry in rows
        if entry.day in taken
    ]
    problems += [
        Problem(
            "day_in_future",
            f"row {n}, column 'day': day {entry.day.isoformat()} is in the future",
            "day",
            n,
            {"day": entry.day, "today": today},
        )
        for n, entry in rows
        if entry.day > today
    ]
    if problems:
        raise DiaryError(problems)
    with transaction.atomic():
        created = []
        for _, entry in rows:
            row = DiaryEntry(
                patient=patient, created_by=actor, updated_by=actor, source=Source.IMPORT
            )
            row.set_from_core(entry)
            created.append(row)
        try:
            DiaryEntry.objects.bulk_create(created)
        except IntegrityError as exc:  # a night saved meanwhile
            message = "a night of the file was recorded meanwhile; try again"
            raise DiaryError([Problem("recorded_meanwhile", message)]) from exc
        record(request, AuditEvent.Action.CREATE, patient=patient, object_type="diary_import")
    return len(rows)


# --- treatments ------------------------------------------------------------------------------


def timeline_choices(lang: str, over_the_counter_only: bool = False) -> list[tuple[str, str]]:
    """The treatments that may be recorded, as ``(id, name)`` in ``lang``, by name."""
    items = [
        t
        for t in kb().treatments.values()
        if t.timeline is not None and (t.timeline.over_the_counter or not over_the_counter_only)
    ]
    return sorted(((t.id, t.name.get(lang)) for t in items), key=lambda c: c[1].casefold())


def treatment_name(treatment_id: str, lang: str) -> str:
    """The knowledge base's name of a treatment (its id if the knowledge base dropped it)."""
    item = kb().treatments.get(treatment_id)
    return item.name.get(lang) if item is not None else treatment_id


def periods(patient: User) -> list[TreatmentPeriod]:
    """``patient``'s treatment periods with their changes, latest start first."""
    return list(
        TreatmentPeriod.objects.filter(patient=patient)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("changes", queryset=TreatmentChange.objects.order_by("day")))
    )


def to_core_period(
    period: TreatmentPeriod, changes: Iterable[dt.date] | None = None
) -> core.TreatmentPeriod:
    """A stored period as the core's, with its flags from the knowledge base.

    Raises
    ------
    DiaryError
        If the knowledge base no longer lists the treatment, or the dates are impossible.
    """
    days = [c.day for c in period.changes.all()] if changes is None else list(changes)
    return core.treatment_period(kb(), period.treatment_id, period.start, period.stop, days)


def core_periods(patient: User) -> list[core.TreatmentPeriod]:
    """``patient``'s treatment timeline as the core's periods (unknown ids left out)."""
    out = []
    for period in periods(patient):
        try:
            out.append(to_core_period(period))
        except DiaryError as exc:
            logger.warning("treatment period %s left out: %s", period.pk, exc)
    return out


def may_edit_period(actor: User, period: TreatmentPeriod) -> bool:
    """Clinicians edit any period of their clinic's patients; patients only their own
    over-the-counter records."""
    if actor.is_clinician:
        return actor.can_access_patient(period.patient)
    return (
        actor.is_patient
        and actor.pk == period.patient_id
        and period.recorded_as == TreatmentPeriod.RecordedAs.PATIENT
    )


def _check_may_record(actor: User, patient: User, treatment_id: str) -> None:
    if not actor.can_access_patient(patient):
        raise PermissionError("not this person's record")
    if actor.is_patient:
        item = kb().treatments.get(treatment_id)
        if item is None or item.timeline is None or not item.timeline.over_the_counter:
            message = f"treatment_id {treatment_id!r}: patients record only over-the-counter items"
            params = {"treatment": treatment_id}
            raise DiaryError(
                [Problem("over_the_counter_only", message, "treatment_id", None, params)]
            )


def add_period(
    request: HttpRequest | None,
    patient: User,
    actor: User,
    *,
    treatment_id: str,
    start: dt.date,
    stop: dt.date | None = None,
    note: str = "",
) -> TreatmentPeriod:
    """Record that ``patient`` takes ``treatment_id`` from ``start`` (to ``stop``).

    Raises
    ------
    DiaryError
        For an unknown treatment, a patient recording a prescription treatment, a date
        after today in the clinic's time zone, or impossible dates (checked by the core).
    PermissionError
        If ``actor`` may not change ``patient``'s record.
    """
    _check_may_record(actor, patient, treatment_id)
    core.treatment_period(kb(), treatment_id, start, stop)
    future = _future_days(f"treatment {treatment_id!r}: ", treatment_id, start=start, stop=stop)
    if future:
        raise DiaryError(future)
    with transaction.atomic():
        period = TreatmentPeriod.objects.create(
            patient=patient,
            treatment_id=treatment_id,
            start=start,
            stop=stop,
            note=note.strip(),
            recorded_by=actor,
            recorded_as=(
                TreatmentPeriod.RecordedAs.PATIENT
                if actor.is_patient
                else TreatmentPeriod.RecordedAs.CLINICIAN
            ),
        )
        record(request, AuditEvent.Action.CREATE, patient=patient, obj=period, actor=actor)
    return period


def get_period(actor: User, patient: User, period_id: int) -> TreatmentPeriod:
    """A period of ``patient`` that ``actor`` may change (404 otherwise)."""
    period = (
        TreatmentPeriod.objects.filter(patient=patient, pk=period_id)
        .select_related("patient")
        .first()
    )
    if period is None or not may_edit_period(actor, period):
        raise Http404("No such treatment.")
    return period


def add_change(
    request: HttpRequest | None,
    actor: User,
    period: TreatmentPeriod,
    *,
    day: dt.date,
    note: str = "",
) -> TreatmentChange:
    """Record that ``period``'s treatment was changed on ``day``.

    Raises
    ------
    DiaryError
        If the day is not inside the period, after today in the clinic's time zone, or
        already a change day.
    """
    existing = [c.day for c in period.changes.all()]
    if day in existing:
        message = f"change {day.isoformat()} is already recorded"
        params = {"day": day, "treatment": period.treatment_id}
        raise DiaryError([Problem("change_recorded", message, "changes", None, params)])
    to_core_period(period, [*existing, day])
    future = _future_days(f"treatment {period.treatment_id!r}: ", period.treatment_id, changes=day)
    if future:
        raise DiaryError(future)
    with transaction.atomic():
        change = TreatmentChange.objects.create(
            period=period, day=day, note=note.strip(), recorded_by=actor
        )
        record(request, AuditEvent.Action.UPDATE, patient=period.patient, obj=period, actor=actor)
    return change


def stop_period(
    request: HttpRequest | None, actor: User, period: TreatmentPeriod, *, day: dt.date
) -> TreatmentPeriod:
    """Record ``day`` as the last day on ``period``'s treatment.

    Raises
    ------
    DiaryError
        If the day is before the start or a change, or after today in the clinic's time
        zone.
    """
    candidate = TreatmentPeriod(
        patient=period.patient, treatment_id=period.treatment_id, start=period.start, stop=day
    )
    to_core_period(candidate, [c.day for c in period.changes.all()])
    future = _future_days(f"treatment {period.treatment_id!r}: ", period.treatment_id, stop=day)
    if future:
        raise DiaryError(future)
    with transaction.atomic():
        period.stop = day
        period.save(update_fields=["stop", "updated_at"])
        record(request, AuditEvent.Action.UPDATE, patient=period.patient, obj=period, actor=actor)
    return period


# --- labs and settings -------------------------------------------------------------------


def lab_values(patient: User) -> list[core.LabValue]:
    """``patient``'s lab results (``records.LabResult``) as the core's values."""
    return [
        core.LabValue(r.question_id, r.measured_on, r.value)
        for r in LabResult.objects.filter(patient=patient).order_by("measured_on", "created_at")
    ]


def settings_for(patient: User) -> DiarySettings:
    """``patient``'s diary settings (made with reminders off the first time)."""
    found, _created = DiarySettings.objects.get_or_create(patient=patient)
    return found


def set_reminders(request: HttpRequest, patient: User, on: bool) -> DiarySettings:
    """Turn ``patient``'s e-mail reminders on or off (audited)."""
    with transaction.atomic():
        found = settings_for(patient)
        found.reminders = on
        found.save(update_fields=["reminders", "updated_at"])
        record(request, AuditEvent.Action.UPDATE, patient=patient, obj=found)
    return found


@dataclass(frozen=True)
class Access:
    """Who is looking at a diary, and whether they may change its entries."""

    patient: User
    actor: User
    as_clinician: bool

    @property
    def may_edit_entries(self) -> bool:
        """Only the patient writes their diary."""
        return not self.as_clinician


def clinic_access(actor: User, patient_id: int) -> Access:
    """A clinician's access to a patient of their clinic (404 for anyone else)."""
    from quietlegs.web.records.services import get_patient

    return Access(get_patient(actor, patient_id), actor, as_clinician=True)


def audit_view(request: HttpRequest, patient: User, what: str, obj: Any = None) -> None:
    """Write the audit entry of a diary page (one per page shown)."""
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=obj, object_type=what)


def export_data(patient: User) -> dict[str, Any]:
    """``patient``'s diary, its history and treatments, for "download all my data"."""
    rows = entries(patient).order_by("day").prefetch_related("history")
    return {
        "diary": [
            {
                **row.to_core().to_dict(),
                "version": row.version,
                "earlier_versions": [
                    {"version": v.version, "values": v.data, "replaced_at": v.replaced_at}
                    for v in row.history.all()
                ],
            }
            for row in rows
        ],
        "treatments": [
            {
                "treatment": p.treatment_id,
                "start": p.start,
                "stop": p.stop,
                "changes": [c.day for c in p.changes.all()],
                "note": p.note,
                "recorded_as": p.recorded_as,
            }
            for p in periods(patient)
        ],
        "diary_settings": {"reminders": settings_for(patient).reminders},
    }
