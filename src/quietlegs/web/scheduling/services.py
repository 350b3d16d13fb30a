"""The appointment book's rules: free slots, booking, cancelling, arrivals, waitlist offers.

Views parse the request, call these functions and render. Slots come from the pure
core (:mod:`quietlegs.scheduling`); this module feeds it the clinic's rules and the
booked intervals, and books inside a transaction that cannot double-book (see
:func:`book` and the models' docstring). Refusals raise
:class:`django.core.exceptions.ValidationError` with a translated message and a
``code`` (``unknown_slot``, ``past``, ``taken``, ``notice``, ``state``, ...): nothing
is changed when one is raised.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from quietlegs.scheduling import (
    BookingOffer,
    Closure,
    ExtraHours,
    Schedule,
    SchedulingError,
    Slot,
    WeeklyWindow,
    gate_booking,
    parse_slot_key,
)
from quietlegs.scheduling import Resource as CoreResource
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling.models import (
    Appointment,
    Availability,
    AvailabilityException,
    ClinicRules,
    Resource,
    ScheduleLock,
    VisitType,
    WaitlistEntry,
    WaitlistOffer,
)

logger = logging.getLogger("quietlegs.web.scheduling")

#: Salt and lifetime of the cancel links in reminder e-mails. A link stops working
#: when the appointment is no longer booked; 60 days covers the booking horizon.
CANCEL_SALT = "quietlegs.scheduling.cancel"
CANCEL_LINK_MAX_AGE_S = 60 * 24 * 3600
#: Salt and lifetime of a waitlist offer link. The offer itself closes much sooner (its
#: ``expires_at``); the link then shows that it is no longer open.
OFFER_SALT = "quietlegs.scheduling.offer"
OFFER_MAX_AGE_S = 60 * 24 * 3600


def now() -> datetime:
    return timezone.now()


# --- the clinic's rules --------------------------------------------------------------------


def rules(clinic: Clinic) -> ClinicRules:
    return ClinicRules.for_clinic(clinic)


def clinic_tz(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(rules(clinic).time_zone)


def clinicians(clinic: Clinic) -> models.QuerySet[User]:
    """The clinic's active clinicians and clinic admins (who see patients)."""
    return User.objects.filter(
        clinic=clinic,
        role__in=(User.Role.CLINICIAN, User.Role.CLINIC_ADMIN),
        is_active=True,
    ).order_by("last_name", "first_name", "pk")


def visit_types(clinic: Clinic, *, for_patients: bool = False) -> models.QuerySet[VisitType]:
    qs = VisitType.objects.filter(clinic=clinic, active=True)
    return qs.filter(patients_may_book=True) if for_patients else qs


def build_schedule(
    clinic: Clinic,
    *,
    extra_window: Availability | None = None,
    extra_exception: AvailabilityException | None = None,
) -> Schedule:
    """The core :class:`Schedule` of ``clinic`` from its tables.

    ``extra_window`` / ``extra_exception`` are checked together with the stored
    rules before they are saved (an overlap raises :class:`SchedulingError`).
    """
    tz = rules(clinic).time_zone
    types = list(visit_types(clinic))
    active_clinicians = set(clinicians(clinic).values_list("pk", flat=True))
    windows = [
        a
        for a in Availability.objects.filter(clinic=clinic, visit_type__active=True)
        if a.clinician_id in active_clinicians
    ]
    if extra_window is not None:
        windows.append(extra_window)
    exceptions = list(AvailabilityException.objects.filter(clinic=clinic))
    if extra_exception is not None:
        exceptions.append(extra_exception)
    extra: list[ExtraHours] = []
    closures: list[Closure] = []
    for x in exceptions:
        if x.kind == AvailabilityException.Kind.EXTRA:
            if (
                x.clinician_id in active_clinicians
                and x.visit_type_id is not None
                and x.start_time is not None
                and x.end_time is not None
            ):  # clean() requires all four for extra hours
                extra.append(
                    ExtraHours(
                        x.clinician_id, x.visit_type_id, x.first_day, x.start_time, x.end_time
                    )
                )
        else:
            closures.append(
                Closure(
                    x.first_day,
                    x.last_day,
                    x.start_time,
                    x.end_time,
                    clinician=x.clinician_id,
                    resource=x.resource_id,
                )
            )
    return Schedule(
        tz,
        [t.spec() for t in types],
        [
            WeeklyWindow(w.clinician_id, w.visit_type_id, w.weekday, w.start_time, w.end_time)
            for w in windows
        ],
        extra,
        closures,
        [CoreResource(r.pk, r.kind) for r in Resource.objects.filter(clinic=clinic, active=True)],
    )


def _busy(
    clinic: Clinic, first: datetime, last: datetime
) -> tuple[dict[int, list[tuple[datetime, datetime]]], dict[int, list[tuple[datetime, datetime]]]]:
    by_clinician: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    by_resource: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    taken = Appointment.objects.active().filter(clinic=clinic, start__lt=last, end__gt=first)
    for clinician_id, resource_id, start, end in taken.values_list(
        "clinician_id", "resource_id", "start", "end"
    ):
        by_clinician[clinician_id].append((start, end))
        if resource_id is not None:
            by_resource[resource_id].append((start, end))
    return by_clinician, by_resource


def free_slots(
    clinic: Clinic,
    first_day: date,
    last_day: date,
    *,
    visit_type: VisitType | None = None,
    clinician: User | None = None,
    not_before: datetime | None = None,
) -> list[Slot]:
    """The free slots of ``clinic`` starting (local date) from ``first_day`` to ``last_day``."""
    schedule = build_schedule(clinic)
    tz = schedule.tz
    begin = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tz)
    finish = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), tz)
    by_clinician, by_resource = _busy(clinic, begin, finish)
    return schedule.slots(
        first_day,
        last_day,
        clinician_busy=by_clinician,
        resource_busy=by_resource,
        not_before=not_before,
        clinician=clinician.pk if clinician is not None else None,
        visit_type=visit_type.pk if visit_type is not None else None,
    )


def local_today(clinic: Clinic, at: datetime | None = None) -> date:
    return (at or now()).astimezone(clinic_tz(clinic)).date()


# --- what a patient is offered -------------------------------------------------------------


def latest_assessment(patient: User) -> Assessment | None:
    return Assessment.objects.filter(patient=patient).order_by("-created_at").first()


#: Urgencies reception is told about when booking (the triage a booking needs, not the
#: assessment itself: reception never sees clinical records).
RECEPTION_FLAGGED_URGENCIES = ("emergency", "urgent")


def reception_flags(patients: list[User]) -> dict[int, str]:
    """The latest assessment's urgency of each patient whose latest one is flagged.

    Returns
    -------
    dict
        Patient id -> ``"emergency"`` or ``"urgent"`` (see
        :data:`RECEPTION_FLAGGED_URGENCIES`); patients whose latest assessment is routine
        or self-care, or who have none, are not in it. One query.
    """
    flags: dict[int, str] = {}
    rows = (
        Assessment.objects.filter(patient__in=patients)
        .order_by("patient_id", "-created_at")
        .values_list("patient_id", "urgency")
    )
    seen: set[int] = set()
    for patient_id, urgency in rows:
        if patient_id in seen:
            continue
        seen.add(patient_id)
        if urgency in RECEPTION_FLAGGED_URGENCIES:
            flags[patient_id] = urgency
    return flags


def patient_offer(patient: User, visit_type: VisitType, at: datetime | None = None) -> BookingOffer:
    """The slots ``patient`` may book online for ``visit_type``, gated by their latest urgency."""
    clinic = _clinic_of(patient)
    at = at or now()
    clinic_rules = rules(clinic)
    assessment = latest_assessment(patient)
    urgency = assessment.urgency if assessment is not None else None
    if urgency == "emergency":
        return gate_booking(urgency, [], at)
    first = local_today(clinic, at)
    slots = free_slots(
        clinic,
        first,
        first + timedelta(days=clinic_rules.horizon_days),
        visit_type=visit_type,
        not_before=at + timedelta(hours=clinic_rules.min_lead_h),
    )
    return gate_booking(urgency, slots, at)


def _clinic_of(person: User) -> Clinic:
    if person.clinic is None:
        raise ValidationError(
            _("You are not registered with a clinic, so there is nothing to book."),
            code="no_clinic",
        )
    return person.clinic


# --- booking -------------------------------------------------------------------------------


@dataclass
class Booked:
    """The appointment, and whether this call made it (False: the same request again)."""

    appointment: Appointment
    created: bool


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _taken() -> ValidationError:
    return _refuse(
        _("Sorry, this time has just been taken or is no longer available. Choose another one."),
        "taken",
    )


def _lock(keys: Iterable[str]) -> None:
    """Lock one row per clinician and resource, in a fixed order (no deadlocks)."""
    for key in sorted(set(keys)):
        try:
            with transaction.atomic():
                ScheduleLock.objects.get_or_create(key=key)
        except IntegrityError:  # made by a concurrent booking a moment ago
            pass
        ScheduleLock.objects.select_for_update().get(key=key)


def resolve_slot(clinic: Clinic, slot_key: str, *, not_before: datetime | None) -> Slot:
    """The free slot ``slot_key`` of ``clinic``, recomputed from the rules (forged ids fail).

    Raises
    ------
    ValidationError
        ``unknown_slot`` if the id is malformed or names no slot of this clinic's
        rules; ``past`` if the slot starts before ``not_before``; ``horizon`` if it is
        beyond the clinic's booking horizon (:attr:`ClinicRules.horizon_days` after
        today); ``taken`` if it is booked.
    """
    try:
        clinician_id, visit_type_id, start = parse_slot_key(slot_key)
    except SchedulingError as exc:
        raise _refuse(_("This appointment time does not exist."), "unknown_slot") from exc
    visit_type = visit_types(clinic).filter(pk=visit_type_id).first()
    clinician = clinicians(clinic).filter(pk=clinician_id).first()
    if visit_type is None or clinician is None:
        raise _refuse(_("This appointment time does not exist."), "unknown_slot")
    if not_before is not None and start < not_before:
        raise _refuse(
            _("This time is in the past or too soon to book. Choose a later one."), "past"
        )
    day = start.astimezone(clinic_tz(clinic)).date()
    horizon_days = rules(clinic).horizon_days
    if day > local_today(clinic) + timedelta(days=horizon_days):
        raise _refuse(
            ngettext(
                "This time is too far ahead: appointments can be booked up to %(days)s day "
                "ahead. Choose an earlier one.",
                "This time is too far ahead: appointments can be booked up to %(days)s days "
                "ahead. Choose an earlier one.",
                horizon_days,
            )
            % {"days": horizon_days},
            "horizon",
        )
    schedule = build_schedule(clinic)
    every = schedule.slots(day, day, clinician=clinician_id, visit_type=visit_type_id)
    if not any(s.key == slot_key for s in every):
        raise _refuse(_("This appointment time does not exist."), "unknown_slot")
    for slot in free_slots(clinic, day, day, visit_type=visit_type, clinician=clinician):
        if slot.key == slot_key:
            return slot
    raise _taken()


def book(
    request: HttpRequest | None,
    *,
    patient: User,
    slot_key: str,
    booked_by: User | None,
    channel: str = Appointment.Channel.ONLINE,
    request_key: uuid.UUID | None = None,
    reason: str = "",
    not_before: datetime | None = None,
    urgency: str = "",
    replaces: Appointment | None = None,
) -> Booked:
    """Book ``slot_key`` for ``patient``: all or nothing, never twice, never over another visit.

    Parameters
    ----------
    request : HttpRequest or None
        For the audit entry.
    patient : User
        Who the visit is for (a patient of the slot's clinic).
    slot_key : str
        A :attr:`quietlegs.scheduling.Slot.key` shown to the person booking.
    booked_by : User or None
        Who booked (the patient, a receptionist, or None for a waitlist link).
    channel : str
        :class:`Appointment.Channel`.
    request_key : UUID, optional
        The booking form's one-time token: the same request again returns the
        first booking instead of making another.
    not_before : datetime, optional
        The earliest start allowed (default: now).
    replaces : Appointment, optional
        Rescheduling: this appointment is cancelled in the same transaction.

    Raises
    ------
    ValidationError
        With code ``unknown_slot``, ``past``, ``horizon``, ``taken``, ``duplicate`` or
        ``no_clinic``.
    """
    clinic = _clinic_of(patient)
    if not patient.is_patient or not patient.is_active:
        raise _refuse(_("Appointments are booked for patients."), "not_patient")
    if request_key is not None:
        earlier = Appointment.objects.filter(request_key=request_key).first()
        if earlier is not None:
            if earlier.patient_id != patient.pk:
                raise _refuse(_("This form was already used. Start again."), "duplicate")
            return Booked(earlier, created=False)
    at = now()
    slot = resolve_slot(clinic, slot_key, not_before=not_before or at)
    try:
        with transaction.atomic():
            _lock([f"clinician:{slot.clinician}", *(f"resource:{r}" for r in slot.resources)])
            overlapping = Appointment.objects.active().filter(
                start__lt=slot.end, end__gt=slot.start
            )
            if overlapping.filter(
                models.Q(clinician_id=slot.clinician) | models.Q(resource_id__in=slot.resources)
            ).exists():
                raise _taken()
            own = overlapping.filter(patient=patient)
            if replaces is not None:
                own = own.exclude(pk=replaces.pk)
            if own.exists():
                raise _refuse(_("You already have an appointment at this time."), "patient_busy")
            if replaces is not None:
                _cancel_row(replaces, at)
            appointment = Appointment.objects.create(
                clinic=clinic,
                patient=patient,
                clinician_id=slot.clinician,
                visit_type_id=slot.visit_type,
                resource_id=slot.resources[0] if slot.resources else None,
                start=slot.start,
                end=slot.end,
                channel=channel,
                urgency=urgency,
                reason=reason[:300],
                booked_by=booked_by,
                request_key=request_key,
                rescheduled_from=replaces,
            )
            record(
                request,
                AuditEvent.Action.CREATE,
                patient=patient,
                obj=appointment,
                actor=booked_by,
            )
            if replaces is not None:
                record(
                    request,
                    AuditEvent.Action.UPDATE,
                    patient=patient,
                    obj=replaces,
                    actor=booked_by,
                )
    except IntegrityError as exc:
        # the database's constraints caught a booking the locks let through (or the same
        # request key committed a moment ago by a double submit)
        if request_key is not None:
            earlier = Appointment.objects.filter(request_key=request_key, patient=patient).first()
            if earlier is not None:
                return Booked(earlier, created=False)
        raise _taken() from exc
    if replaces is not None:
        _after_freed(replaces)
    logger.info("booked appointment %s (%s)", appointment.pk, channel)
    return Booked(appointment, created=True)


# --- changing an appointment ----------------------------------------------------------------


def patient_appointment(patient: User, appointment_id: int) -> Appointment:
    """``patient``'s own appointment ``appointment_id`` (any other id is a 404)."""
    found = (
        Appointment.objects.select_related("clinician", "visit_type", "clinic")
        .filter(pk=appointment_id, patient=patient)
        .first()
    )
    if found is None:
        raise Http404("No such appointment.")
    return found


def staff_appointment(staff: User, appointment_id: int) -> Appointment:
    """An appointment of ``staff``'s clinic (another clinic's is a 404)."""
    if staff.clinic is None or not staff.is_clinic_staff:
        raise Http404("No such appointment.")
    found = (
        Appointment.objects.select_related("clinician", "visit_type", "patient", "clinic")
        .filter(pk=appointment_id, clinic=staff.clinic)
        .first()
    )
    if found is None:
        raise Http404("No such appointment.")
    return found


def can_change_online(appointment: Appointment, at: datetime | None = None) -> bool:
    """Whether the patient may still cancel or reschedule it online (the notice rule)."""
    at = at or now()
    notice = timedelta(hours=rules(appointment.clinic).min_notice_h)
    return appointment.status == Appointment.Status.BOOKED and appointment.start - at >= notice


def _check_changeable(appointment: Appointment, *, by_patient: bool) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise _refuse(
            _("This appointment is %(status)s and cannot be changed.")
            % {"status": appointment.get_status_display().lower()},
            "state",
        )
    if appointment.start <= now():
        raise _refuse(_("This appointment has already started."), "past")
    if by_patient and not can_change_online(appointment):
        notice_h = rules(appointment.clinic).min_notice_h
        raise _refuse(
            ngettext(
                "Appointments can be changed online up to %(hours)s hour before they start. "
                "Please call the clinic.",
                "Appointments can be changed online up to %(hours)s hours before they start. "
                "Please call the clinic.",
                notice_h,
            )
            % {"hours": notice_h},
            "notice",
        )


def _cancel_row(appointment: Appointment, at: datetime) -> None:
    appointment.status = Appointment.Status.CANCELLED
    appointment.status_changed_at = at
    appointment.save(update_fields=["status", "status_changed_at"])


def cancel(
    request: HttpRequest | None,
    appointment: Appointment,
    *,
    by: User | None,
    by_patient: bool,
) -> Appointment:
    """Cancel a booked appointment and offer the freed slot to the waitlist.

    Raises
    ------
    ValidationError
        ``state`` (not booked), ``past`` (started) or ``notice`` (a patient, too late).
    """
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _check_changeable(locked, by_patient=by_patient)
        _cancel_row(locked, now())
        record(request, AuditEvent.Action.UPDATE, patient=locked.patient, obj=locked, actor=by)
    _after_freed(locked)
    return locked


def reschedule(
    request: HttpRequest | None,
    appointment: Appointment,
    slot_key: str,
    *,
    by: User,
    by_patient: bool,
    request_key: uuid.UUID | None = None,
) -> Booked:
    """Move a booked appointment to ``slot_key`` (the old one is cancelled only if the new
    one is booked)."""
    if request_key is not None:
        earlier = Appointment.objects.filter(
            request_key=request_key, patient=appointment.patient
        ).first()
        if earlier is not None:
            return Booked(earlier, created=False)
    _check_changeable(appointment, by_patient=by_patient)
    try:
        _clinician_id, visit_type_id, _start = parse_slot_key(slot_key)
    except SchedulingError as exc:
        raise _refuse(_("This appointment time does not exist."), "unknown_slot") from exc
    if visit_type_id != appointment.visit_type_id:  # a move keeps the kind of visit
        raise _refuse(_("This appointment time does not exist."), "unknown_slot")
    clinic_rules = rules(appointment.clinic)
    lead = timedelta(hours=clinic_rules.min_lead_h) if by_patient else timedelta()
    return book(
        request,
        patient=appointment.patient,
        slot_key=slot_key,
        booked_by=by,
        channel=appointment.channel,
        request_key=request_key,
        reason=appointment.reason,
        not_before=now() + lead,
        urgency=appointment.urgency,
        replaces=appointment,
    )


def set_status(
    request: HttpRequest | None, appointment: Appointment, status: str, *, by: User
) -> Appointment:
    """Reception or a clinician marks an appointment arrived, no-show or completed.

    A no-show frees the rest of its time, which is offered to the waitlist.

    Raises
    ------
    ValidationError
        ``state`` when the change does not follow (a cancelled visit cannot arrive;
        no one is a no-show before the visit starts).
    """
    allowed: dict[str, tuple[str, ...]] = {
        Appointment.Status.ARRIVED: (Appointment.Status.BOOKED, Appointment.Status.NO_SHOW),
        Appointment.Status.NO_SHOW: (Appointment.Status.BOOKED,),
        Appointment.Status.COMPLETED: (Appointment.Status.ARRIVED,),
    }
    if status not in allowed:
        raise _refuse(_("Unknown status."), "state")
    at = now()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in allowed[status]:
            raise _refuse(
                _("This appointment is %(status)s, so it cannot be marked like that.")
                % {"status": locked.get_status_display().lower()},
                "state",
            )
        if status == Appointment.Status.NO_SHOW and locked.start > at:
            raise _refuse(
                _("A patient can be marked as not coming only once the visit has started."),
                "state",
            )
        if status == Appointment.Status.ARRIVED and locked.status == Appointment.Status.NO_SHOW:
            # the patient came late after all: take the time back only if still free
            clash = (
                Appointment.objects.active()
                .filter(start__lt=locked.end, end__gt=locked.start)
                .filter(
                    models.Q(clinician_id=locked.clinician_id)
                    | models.Q(resource_id=locked.resource_id, resource__isnull=False)
                )
            )
            if clash.exists():
                raise _refuse(_("This time was given to someone else meanwhile."), "taken")
        locked.status = status
        locked.status_changed_at = at
        locked.save(update_fields=["status", "status_changed_at"])
        record(request, AuditEvent.Action.UPDATE, patient=locked.patient, obj=locked, actor=by)
    if status == Appointment.Status.NO_SHOW:
        _after_freed(locked)
    return locked


# --- the waitlist ---------------------------------------------------------------------------


def add_to_waitlist(
    request: HttpRequest | None,
    *,
    patient: User,
    visit_type: VisitType,
    clinician: User | None,
    earliest: date | None,
    latest: date | None,
    note: str,
    by: User,
) -> WaitlistEntry:
    if patient.clinic_id != visit_type.clinic_id or (
        clinician is not None and clinician.clinic_id != visit_type.clinic_id
    ):
        raise Http404("No such patient.")
    if earliest is not None and latest is not None and latest < earliest:
        raise _refuse(_("“Not after” must be on or after “not before”."), "order")
    entry = WaitlistEntry.objects.create(
        clinic_id=visit_type.clinic_id,
        patient=patient,
        visit_type=visit_type,
        clinician=clinician,
        earliest=earliest,
        latest=latest,
        note=note[:200],
        added_by=by,
    )
    record(request, AuditEvent.Action.CREATE, patient=patient, obj=entry, actor=by)
    return entry


def _after_freed(appointment: Appointment) -> None:
    """After the transaction that freed ``appointment``'s time commits, offer it."""
    transaction.on_commit(lambda: offer_freed_slot(appointment))


#: Refusals of a booking that mean the offered time cannot be had any more (taken, or no
#: longer in the clinic's hours): the offer is withdrawn and the entry waits again.
TIME_GONE_CODES = frozenset({"taken", "unknown_slot", "past", "horizon"})


def offer_hours() -> int:
    """How long an offer stays open (``settings.QUIETLEGS_WAITLIST_OFFER_H``, hours)."""
    hours: int = settings.QUIETLEGS_WAITLIST_OFFER_H
    return hours


def offer_closes_at(start: datetime, end: datetime, at: datetime) -> datetime:
    """Until when a time freed at ``at`` may be offered: its start; a time that had begun
    (a no-show's) is offered for what is left of it, until its end."""
    return start if start > at else end


def offer_expires_at(at: datetime, closes_at: datetime) -> datetime:
    """When an offer sent at ``at`` expires: :func:`offer_hours` later, at most ``closes_at``."""
    return min(at + timedelta(hours=offer_hours()), closes_at)


def waiting_entries(
    clinic: Clinic, clinician_id: int, visit_type_id: int, start: datetime, end: datetime
) -> models.QuerySet[WaitlistEntry]:
    """Entries that may be offered this time, longest waiting first.

    Waiting (not holding an open offer), for this visit type, this clinician or any,
    with the time's local day within their dates; never a patient who was offered this
    time before (whatever they did with it), who cancelled it or did not come to it, or
    who has another visit overlapping it.
    """
    day = start.astimezone(clinic_tz(clinic)).date()
    offered_before = WaitlistOffer.objects.filter(clinician_id=clinician_id, start=start)
    gave_it_up = Appointment.objects.filter(
        clinician_id=clinician_id,
        start=start,
        status__in=(Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW),
    )
    busy = Appointment.objects.active().filter(start__lt=end, end__gt=start)
    return (
        WaitlistEntry.objects.filter(
            clinic=clinic,
            visit_type_id=visit_type_id,
            status=WaitlistEntry.Status.WAITING,
            patient__is_active=True,
        )
        .filter(models.Q(clinician__isnull=True) | models.Q(clinician_id=clinician_id))
        .filter(models.Q(earliest__isnull=True) | models.Q(earliest__lte=day))
        .filter(models.Q(latest__isnull=True) | models.Q(latest__gte=day))
        .exclude(patient_id__in=offered_before.values("patient_id"))
        .exclude(patient_id__in=gave_it_up.values("patient_id"))
        .exclude(patient_id__in=busy.values("patient_id"))
        .order_by("created_at", "pk")
    )


def offer_freed_slot(appointment: Appointment) -> WaitlistOffer | None:
    """Offer ``appointment``'s freed time to the waitlist (see :func:`offer_slot`)."""
    at = now()
    return offer_slot(
        appointment.clinic,
        appointment.clinician_id,
        appointment.visit_type_id,
        appointment.start,
        appointment.end,
        closes_at=offer_closes_at(appointment.start, appointment.end, at),
    )


def offer_slot(
    clinic: Clinic,
    clinician_id: int,
    visit_type_id: int,
    start: datetime,
    end: datetime,
    *,
    closes_at: datetime,
) -> WaitlistOffer | None:
    """Offer a free time to the longest-waiting matching entry, by e-mail.

    Under the clinician's schedule lock (as a booking takes it): nothing is offered
    when an offer of the time is open already, the time is taken (or no longer in the
    clinic's hours), ``closes_at`` has passed or no entry is left to offer it to
    (:func:`waiting_entries`). Otherwise an open :class:`WaitlistOffer` is made and its
    entry marked ``offered``; the e-mail goes out after the transaction (one that fails
    is sent again by :func:`expire_waitlist_offers`).

    Returns
    -------
    WaitlistOffer or None
        The offer made, or None when nothing was offered.
    """
    at = now()
    if closes_at <= at:
        return None
    try:
        with transaction.atomic():
            _lock([f"clinician:{clinician_id}"])
            open_offers = WaitlistOffer.objects.filter(
                clinician_id=clinician_id, start=start, status=WaitlistOffer.Status.OPEN
            )
            if open_offers.exists():
                return None
            key = Slot(clinician_id, visit_type_id, start, end).key
            try:  # still in the clinic's hours, and free (the clinician and a resource)
                resolve_slot(clinic, key, not_before=None)
            except ValidationError:
                logger.info("a freed time at %s is taken or gone: not offered", start)
                return None
            entry = (
                waiting_entries(clinic, clinician_id, visit_type_id, start, end)
                .select_for_update(of=("self",))
                .first()
            )
            if entry is None:
                logger.info("a freed time at %s: nobody left on the waitlist to offer it", start)
                return None
            offer = WaitlistOffer.objects.create(
                clinic=clinic,
                entry=entry,
                patient_id=entry.patient_id,
                clinician_id=clinician_id,
                visit_type_id=visit_type_id,
                start=start,
                end=end,
                offered_at=at,
                expires_at=offer_expires_at(at, closes_at),
                closes_at=closes_at,
            )
            entry.status = WaitlistEntry.Status.OFFERED
            entry.offered_at = at
            entry.save(update_fields=["status", "offered_at"])
            record(None, AuditEvent.Action.UPDATE, patient=entry.patient, obj=entry)
    except IntegrityError:  # another process offered this time, or to this person, just now
        return None
    logger.info("offered a freed time to waitlist entry %s (offer %s)", entry.pk, offer.pk)
    send_offer(offer)
    return offer


def offer_token(offer: WaitlistOffer) -> str:
    return signing.dumps({"o": offer.pk, "n": str(offer.nonce)}, salt=OFFER_SALT)


def send_offer(offer: WaitlistOffer) -> bool:
    """E-mail ``offer`` with its "book" and "no thanks" links; True once sent.

    On success the offer's clock starts: it expires :func:`offer_hours` from now, at
    the latest when it closes. A failed e-mail leaves the offer unsent.
    """
    offer = WaitlistOffer.objects.select_related(
        "clinic", "patient", "clinician", "visit_type"
    ).get(pk=offer.pk)
    token = offer_token(offer)
    at = now()
    expires_at = offer_expires_at(at, offer.closes_at)
    patient = offer.patient
    tz = clinic_tz(offer.clinic)
    with translation.override(patient.preferred_language or "en"):
        when = _local_when(offer.start, tz)
        subject = _("An appointment time is free: %(when)s") % {"when": when}
        body = _(
            "Hello %(name)s,\n\n"
            "You are on the waitlist of %(clinic)s for: %(visit)s.\n"
            "A time has become free: %(when)s with %(clinician)s.\n\n"
            "It is kept for you until %(until)s. Book it with this link:\n%(link)s\n\n"
            "If you do not want it, say no thanks with this link, and it goes to the next "
            "person waiting (you stay on the waitlist):\n%(decline)s\n\n"
            "If you do neither, it goes to the next person at %(until)s."
        ) % {
            "name": patient.display_name(),
            "clinic": offer.clinic.name,
            "visit": offer.visit_type.name,
            "when": when,
            "clinician": offer.clinician.display_name(),
            "until": _local_when(expires_at, tz),
            "link": site_url(reverse("scheduling:offer", args=[token])),
            "decline": site_url(reverse("scheduling:offer_decline", args=[token])),
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])
    except OSError:
        logger.warning("could not e-mail waitlist offer %s; the next run tries again", offer.pk)
        return False
    WaitlistOffer.objects.filter(pk=offer.pk, status=WaitlistOffer.Status.OPEN).update(
        sent_at=at, expires_at=expires_at
    )
    return True


def _close_offer(
    request: HttpRequest | None,
    offer_id: int,
    status: str,
    at: datetime,
    *,
    expired: bool | None = None,
) -> WaitlistOffer | None:
    """Close an open offer (``declined``, ``expired`` or ``withdrawn``) under the clinician's
    lock and the offer's row lock, audited; its entry waits again.

    Returns None, changing nothing, if the offer is not open, or if ``expired`` is True
    and it has not expired at ``at``, or False and it has.
    """
    clinician_id = (
        WaitlistOffer.objects.filter(pk=offer_id).values_list("clinician_id", flat=True).first()
    )
    if clinician_id is None:
        return None
    with transaction.atomic():
        _lock([f"clinician:{clinician_id}"])
        locked = WaitlistOffer.objects.select_for_update().get(pk=offer_id)
        if locked.status != WaitlistOffer.Status.OPEN:
            return None
        if expired is not None and (locked.expires_at <= at) != expired:
            return None
        _mark_closed(request, locked, status, at)
        WaitlistEntry.objects.filter(
            pk=locked.entry_id, status=WaitlistEntry.Status.OFFERED
        ).update(status=WaitlistEntry.Status.WAITING)
    return locked


def _mark_closed(
    request: HttpRequest | None, offer: WaitlistOffer, status: str, at: datetime
) -> None:
    """Close ``offer`` (row-locked by the caller) with ``status`` at ``at``, audited."""
    offer.status = status
    offer.responded_at = at
    offer.save(update_fields=["status", "responded_at"])
    record(request, AuditEvent.Action.UPDATE, patient=offer.patient, obj=offer)


def offer_next(closed: WaitlistOffer) -> WaitlistOffer | None:
    """Offer the time of a declined, expired or withdrawn offer to the next entry."""
    return offer_slot(
        closed.clinic,
        closed.clinician_id,
        closed.visit_type_id,
        closed.start,
        closed.end,
        closes_at=closed.closes_at,
    )


def expire_waitlist_offers() -> int:
    """The periodic job: expired offers go to the next person; unsent e-mails are retried.

    An offer whose e-mail has not gone out yet does not expire (its hours start when it
    is sent), unless the time closes: nobody loses a time they were never told about.

    Returns
    -------
    int
        How many offers expired in this run.
    """
    at = now()
    unsent = WaitlistOffer.objects.filter(
        status=WaitlistOffer.Status.OPEN, sent_at__isnull=True, closes_at__gt=at
    )
    for offer in unsent:
        send_offer(offer)
    expired = 0
    due = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN).filter(
        models.Q(sent_at__isnull=False, expires_at__lte=at) | models.Q(closes_at__lte=at)
    )
    for offer_id in due.order_by("expires_at", "pk").values_list("pk", flat=True):
        closed = _close_offer(None, offer_id, WaitlistOffer.Status.EXPIRED, at, expired=True)
        if closed is not None:
            expired += 1
            logger.info("waitlist offer %s expired", closed.pk)
            offer_next(closed)
    return expired


@dataclass
class Offer:
    """A waitlist offer behind a link, as its pages show it."""

    offer: WaitlistOffer
    entry: WaitlistEntry
    slot_key: str
    start: datetime
    clinician: User
    visit_type: VisitType

    def is_open(self, at: datetime | None = None) -> bool:
        """Open and not yet expired (the periodic job may not have closed it yet)."""
        return self.offer.status == WaitlistOffer.Status.OPEN and self.offer.expires_at > (
            at or now()
        )


def read_offer(token: str) -> Offer:
    """The waitlist offer behind a link, open or not (the page says which).

    Raises
    ------
    Http404
        If the link is forged or its offer is gone.
    """
    try:
        data = signing.loads(token, salt=OFFER_SALT, max_age=OFFER_MAX_AGE_S)
        offer_id = int(data["o"])
        nonce = str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Http404("No such offer.") from exc
    offer = (
        WaitlistOffer.objects.select_related(
            "entry", "patient", "clinician", "visit_type", "clinic", "appointment"
        )
        .filter(pk=offer_id, nonce=nonce)
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    key = Slot(offer.clinician_id, offer.visit_type_id, offer.start, offer.end).key
    return Offer(offer, offer.entry, key, offer.start, offer.clinician, offer.visit_type)


def _offer_closed() -> ValidationError:
    return _refuse(_("This offer is no longer open."), "offer_closed")


def accept_offer(
    request: HttpRequest | None, found: Offer, request_key: uuid.UUID | None
) -> Booked:
    """Book the offered time for the waitlisted patient (the time may have started:
    a no-show's time is offered for what is left of it).

    Under the clinician's lock and the offer's row lock: the offer must be open and not
    expired. A time taken meanwhile (or gone from the clinic's hours) withdraws the
    offer (the entry waits again) and raises; the same form sent twice books once.

    Raises
    ------
    ValidationError
        ``offer_closed``, or the booking's refusal (``taken``, ``patient_busy``, ...).
    """
    at = now()
    duration = timedelta(minutes=found.visit_type.duration_min)
    gone: ValidationError | None = None
    with transaction.atomic():
        _lock([f"clinician:{found.offer.clinician_id}"])
        locked = WaitlistOffer.objects.select_for_update().get(pk=found.offer.pk)
        booked_as = locked.appointment_id
        if locked.status == WaitlistOffer.Status.BOOKED and booked_as and request_key:
            earlier = Appointment.objects.filter(pk=booked_as, request_key=request_key).first()
            if earlier is not None:  # the same form again
                return Booked(earlier, created=False)
        if locked.status != WaitlistOffer.Status.OPEN or locked.expires_at <= at:
            raise _offer_closed()
        try:
            booked = book(
                request,
                patient=found.entry.patient,
                slot_key=found.slot_key,
                booked_by=None,
                channel=Appointment.Channel.WAITLIST,
                request_key=request_key,
                reason=found.entry.note,
                not_before=at - duration + timedelta(minutes=1),
            )
        except ValidationError as exc:
            if exc.code not in TIME_GONE_CODES:
                raise
            gone = exc
            locked.status = WaitlistOffer.Status.WITHDRAWN
        else:
            locked.status = WaitlistOffer.Status.BOOKED
            locked.appointment = booked.appointment
        locked.responded_at = at
        locked.save(update_fields=["status", "responded_at", "appointment"])
        WaitlistEntry.objects.filter(pk=locked.entry_id).update(
            status=WaitlistEntry.Status.WAITING if gone else WaitlistEntry.Status.BOOKED
        )
        record(request, AuditEvent.Action.UPDATE, patient=locked.patient, obj=locked)
    if gone is not None:
        raise gone
    return booked


def decline_offer(request: HttpRequest | None, found: Offer) -> WaitlistOffer | None:
    """Say no thanks: close the offer (the entry waits again for another time) and offer the
    time to the next entry.

    Returns
    -------
    WaitlistOffer or None
        The next offer made, or None when nobody was left to offer it to.

    Raises
    ------
    ValidationError
        ``offer_closed`` when the offer was no longer open (nothing changes).
    """
    closed = _close_offer(
        request, found.offer.pk, WaitlistOffer.Status.DECLINED, now(), expired=False
    )
    if closed is None:
        raise _offer_closed()
    return offer_next(closed)


#: How often taking an entry off the waitlist re-reads an offer made meanwhile.
_REMOVE_ATTEMPTS = 3


def remove_from_waitlist(request: HttpRequest | None, entry: WaitlistEntry, *, by: User) -> bool:
    """Reception takes ``entry`` off the waitlist; a time offered to it goes to the next.

    Returns False, changing nothing, when the entry was booked (or removed) meanwhile.

    One transaction, under the offered clinician's lock (taken first, as booking and
    offering take it) and the entry's row lock: withdrawing the open offer and removing
    the entry happen together, so no new offer can reach a removed entry in between, and
    an entry booked meanwhile stays booked (nothing is changed).
    """
    closed: WaitlistOffer | None = None
    for _attempt in range(_REMOVE_ATTEMPTS):
        seen = entry.offers.filter(status=WaitlistOffer.Status.OPEN).first()
        with transaction.atomic():
            if seen is not None:
                _lock([f"clinician:{seen.clinician_id}"])
            locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
            if locked.status in (WaitlistEntry.Status.BOOKED, WaitlistEntry.Status.REMOVED):
                return False
            offer = (
                WaitlistOffer.objects.select_for_update()
                .filter(entry_id=entry.pk, status=WaitlistOffer.Status.OPEN)
                .first()
            )
            if offer is not None and (seen is None or offer.pk != seen.pk):
                continue  # offered meanwhile: take that clinician's lock first
            if offer is not None:
                _mark_closed(request, offer, WaitlistOffer.Status.WITHDRAWN, now())
                closed = offer
            locked.status = WaitlistEntry.Status.REMOVED
            locked.save(update_fields=["status"])
            record(request, AuditEvent.Action.UPDATE, patient=entry.patient, obj=entry, actor=by)
            break
    else:
        raise ValidationError(
            _("The waitlist changed while it was being updated; try again."), code="busy"
        )
    if closed is not None:
        offer_next(closed)
    return True


# --- links and e-mails ----------------------------------------------------------------------


def site_url(path: str) -> str:
    return settings.QUIETLEGS_SITE_URL.rstrip("/") + path


def cancel_token(appointment: Appointment) -> str:
    return signing.dumps({"a": appointment.pk}, salt=CANCEL_SALT)


def appointment_from_cancel_token(token: str) -> Appointment:
    """The appointment a reminder's cancel link names (forged or expired: 404)."""
    try:
        data = signing.loads(token, salt=CANCEL_SALT, max_age=CANCEL_LINK_MAX_AGE_S)
        pk = int(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Http404("No such appointment.") from exc
    found = (
        Appointment.objects.select_related("clinic", "visit_type", "clinician")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such appointment.")
    return found


def _when(appointment: Appointment) -> str:
    return _local_when(appointment.start, clinic_tz(appointment.clinic))


def _local_when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{date_format(local, 'DATE_FORMAT')} {local:%H:%M}"


def local_start(appointment: Appointment) -> datetime:
    return appointment.start.astimezone(clinic_tz(appointment.clinic))


def to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def audit_list(request: HttpRequest, patient: User, object_type: str = "appointments") -> None:
    record(request, AuditEvent.Action.VIEW, patient=patient, object_type=object_type)


def audit_view(request: HttpRequest | None, appointment: Appointment, actor: Any = None) -> None:
    record(
        request, AuditEvent.Action.VIEW, patient=appointment.patient, obj=appointment, actor=actor
    )
