"""The diary in the JSON API: ``/api/v1/me/diary/...`` for the patient's own entries.

List, read, create and update entries (an update keeps the earlier version in the
entry's history, which can be read too). The values are checked by the core
(:class:`quietlegs.diary.DiaryEntry`): a 422 names every problem. A second entry
for a night is a 409; so is an update whose ``version`` is not the current one.
Patients only; every call is audited. See ``docs/api.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from quietlegs import DiaryError
from quietlegs import diary as core
from quietlegs.diary.entry import (
    MAX_ALCOHOL_UNITS,
    MAX_AWAKENINGS,
    MAX_CAFFEINE_DRINKS,
    MAX_EXERCISE_MIN,
    MAX_LATENCY_MIN,
    MAX_MEDICATION_NAME_CHARS,
    MAX_MEDICATIONS,
    MAX_NOTE_CHARS,
)
from quietlegs.web.accounts.models import User
from quietlegs.web.api.auth import PERSONAL_AUTH
from quietlegs.web.api.schemas import ErrorOut, ValidationErrorOut
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary import services
from quietlegs.web.diary.models import DiaryEntry, Source
from quietlegs.web.diary.problems import for_api

NOT_A_PATIENT = "Only patients keep a diary; clinicians read their patients' diaries in the clinic."
NIGHT_TAKEN = "There is already an entry for {day}: change it with PUT /me/diary/entries/{day}."
STALE = "The entry is at version {current}, not {expected}: read it again, then send your change."

router = Router(auth=PERSONAL_AUTH, tags=["me"])

_HHMM = r"^([01]?\d|2[0-3]):[0-5]\d$"


def _time() -> Any:
    return Field(None, pattern=_HHMM, description="HH:MM, or null")


class MedicationSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_MEDICATION_NAME_CHARS)
    at: str = Field(pattern=_HHMM, description="HH:MM")


class DiaryValues(Schema):
    """One night's values (see docs/monitoring.md for each field)."""

    model_config = ConfigDict(extra="forbid")

    severity: int = Field(ge=0, le=10, description="0 (none) to 10 (worst imaginable)")
    onset: str | None = _time()
    rest_latency_min: int | None = Field(None, ge=0, le=MAX_LATENCY_MIN)
    body_parts: list[str] = Field(
        default_factory=list, max_length=3, description="any of legs, arms, other"
    )
    bedtime: str | None = _time()
    sleep_latency_min: int | None = Field(None, ge=0, le=MAX_LATENCY_MIN)
    awakenings: int | None = Field(None, ge=0, le=MAX_AWAKENINGS)
    sleep_quality: int | None = Field(None, ge=0, le=10, description="0 very bad - 10 very good")
    daytime_sleepiness: int | None = Field(None, ge=0, le=10)
    caffeine_drinks: int = Field(0, ge=0, le=MAX_CAFFEINE_DRINKS)
    last_caffeine: str | None = _time()
    alcohol_units: float = Field(0.0, ge=0, le=MAX_ALCOHOL_UNITS)
    nicotine: bool = False
    exercise_min: int = Field(0, ge=0, le=MAX_EXERCISE_MIN)
    exercise_intensity: str | None = Field(None, description="light, moderate or vigorous")
    long_sitting: bool = False
    sweets_before_bed: bool = False
    stress: bool = False
    medications: list[MedicationSchema] = Field(default_factory=list, max_length=MAX_MEDICATIONS)
    note: str = Field("", max_length=MAX_NOTE_CHARS)


class DiaryEntryIn(DiaryValues):
    """A new night's entry."""

    day: dt.date = Field(description="The evening the night began (YYYY-MM-DD); not in the future")


class DiaryEntryUpdate(DiaryValues):
    """New values for an existing night (the night itself never changes)."""

    version: int | None = Field(
        None, description="The version you read; if given and no longer current: 409"
    )


class DiaryEntryOut(DiaryValues):
    day: dt.date
    version: int = Field(description="1 for a new entry, +1 at every change")
    source: str = Field(description="web, api or import: how the current version was made")
    created_at: dt.datetime
    updated_at: dt.datetime


class DiaryVersionOut(Schema):
    version: int
    values: dict[str, Any] = Field(description="The entry as it was in this version")
    source: str
    recorded_at: dt.datetime
    replaced_at: dt.datetime


PERSONAL: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


def _patient(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_patient:
        raise HttpError(403, NOT_A_PATIENT)
    return user


def _out(row: DiaryEntry) -> dict[str, Any]:
    data = row.to_core().to_dict()
    data.update(
        version=row.version,
        source=row.source,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    return data


def _problems(exc: DiaryError) -> dict[str, Any]:
    """A 422 body: one item per problem, its ``code`` kept and its ``msg`` in the
    request's language."""
    return {"detail": [for_api(p, DiaryEntryIn.model_fields) for p in exc.details]}


def _core_entry(day: dt.date, values: DiaryValues) -> core.DiaryEntry:
    data = values.model_dump(exclude={"version", "day"})
    data["day"] = day.isoformat()
    return core.DiaryEntry.from_dict(data)


@router.get(
    "/entries",
    response={200: list[DiaryEntryOut], **PERSONAL},
    summary="My diary entries",
)
def list_entries(
    request: HttpRequest, start: Query[dt.date | None] = None, end: Query[dt.date | None] = None
) -> list[dict[str, Any]]:
    """The caller's diary entries, earliest night first; ``start``/``end`` limit the nights
    (both included)."""
    patient = _patient(request)
    rows = services.entries(patient).order_by("day")
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    record(request, AuditEvent.Action.VIEW, patient=patient, object_type="diary_entries")
    return [_out(r) for r in rows]


@router.post(
    "/entries",
    response={201: DiaryEntryOut, 409: ErrorOut, 400: ErrorOut, 413: ErrorOut, **PERSONAL},
    summary="Add a night to my diary",
)
def create_entry(request: HttpRequest, payload: DiaryEntryIn) -> Status[dict[str, Any]]:
    """Add one night. A night that already has an entry is a 409 (nothing is
    overwritten; use PUT). Impossible values are a 422 naming each problem."""
    patient = _patient(request)
    try:
        entry = _core_entry(payload.day, payload)
    except DiaryError as exc:
        return Status(422, _problems(exc))
    try:
        row = services.create_entry(request, patient, patient, entry, Source.API)
    except DiaryError as exc:  # after today in the clinic's time zone
        return Status(422, _problems(exc))
    except services.NightTakenError:
        return Status(409, {"detail": NIGHT_TAKEN.format(day=payload.day.isoformat())})
    return Status(201, _out(row))


def _own(patient: User, day: dt.date) -> DiaryEntry:
    row = services.entry_for(patient, day)
    if row is None:
        raise Http404
    return row


@router.get(
    "/entries/{day}",
    response={200: DiaryEntryOut, 404: ErrorOut, **PERSONAL},
    summary="One night of my diary",
)
def get_entry(request: HttpRequest, day: dt.date) -> dict[str, Any]:
    """The caller's entry for ``day`` (404 if the night has none)."""
    patient = _patient(request)
    row = _own(patient, day)
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=row)
    return _out(row)


@router.put(
    "/entries/{day}",
    response={
        200: DiaryEntryOut,
        404: ErrorOut,
        409: ErrorOut,
        400: ErrorOut,
        413: ErrorOut,
        **PERSONAL,
    },
    summary="Change one night of my diary",
)
def update_entry(
    request: HttpRequest, day: dt.date, payload: DiaryEntryUpdate
) -> Status[dict[str, Any]]:
    """Replace the values of the night ``day``; the earlier version is kept in the
    entry's history. With ``version``, a change made meanwhile elsewhere is a 409."""
    patient = _patient(request)
    row = _own(patient, day)
    try:
        entry = _core_entry(day, payload)
    except DiaryError as exc:
        return Status(422, _problems(exc))
    try:
        row = services.update_entry(
            request, patient, patient, row, entry, Source.API, expected_version=payload.version
        )
    except services.StaleEditError as exc:
        return Status(409, {"detail": STALE.format(current=exc.current, expected=exc.expected)})
    return Status(200, _out(row))


@router.get(
    "/entries/{day}/history",
    response={200: list[DiaryVersionOut], 404: ErrorOut, **PERSONAL},
    summary="Earlier versions of one night of my diary",
)
def entry_history(request: HttpRequest, day: dt.date) -> list[dict[str, Any]]:
    """The earlier versions of the entry for ``day``, newest first (empty if never changed)."""
    patient = _patient(request)
    row = _own(patient, day)
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=row, object_type="diary_history")
    return [
        {
            "version": v.version,
            "values": v.data,
            "source": v.source,
            "recorded_at": v.recorded_at,
            "replaced_at": v.replaced_at,
        }
        for v in services.history(row)
    ]
