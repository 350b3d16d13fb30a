"""Appointment pages: patients book, cancel and reschedule; reception keeps the book;
clinicians see their day; clinic admins set up hours, visit types and resources.

Who gets in: patient pages only patients (others: 404); reception pages clinic staff
(reception, clinicians, clinic admins) of the clinic; the set-up page clinic admins.
An appointment of another patient or another clinic is a 404. Every page that
shows a patient's appointments writes an audit entry; every change too (in the
services). Refusals (a forged slot, a time in the past or taken, a double submit)
show a clear message and change nothing.
"""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quietlegs.scheduling import URGENT_WINDOW_H, SchedulingError, Slot, parse_slot_key
from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.assessments.views import emergency_context
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.clinics.views import clinic_admin_required
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.forms import (
    AvailabilityForm,
    BookForm,
    DayForm,
    ExceptionForm,
    NewPatientForm,
    PatientSearchForm,
    ResourceForm,
    RulesForm,
    StatusForm,
    TokenForm,
    VisitTypeForm,
    WaitlistForm,
)
from quietlegs.web.scheduling.models import (
    Appointment,
    Availability,
    AvailabilityException,
    Resource,
    VisitType,
    WaitlistEntry,
    WaitlistOffer,
    Weekday,
)

View = Callable[..., HttpResponse]

#: Days of slots shown on one page of the patient's calendar.
CALENDAR_PAGE_DAYS = 7


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the decorators guarantee it
        raise Http404
    return user


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    *,
    clinic: Clinic | None = None,
) -> HttpResponse:
    """Render with times shown in the clinic's time zone (the person's clinic by default)."""
    if clinic is None:
        clinic = getattr(request.user, "clinic", None)
    if clinic is None:
        return render(request, template, context, status=status)
    with timezone.override(services.clinic_tz(clinic)):
        return render(request, template, context, status=status)


def patient_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or not user.is_patient:
            raise Http404("Not a patient.")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View) -> View:
    """Reception, clinicians and clinic admins of a clinic."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or not user.is_clinic_staff:
            raise Http404("Not clinic staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _clinic(user: User) -> Clinic:
    if user.clinic is None:  # pragma: no cover - staff always have one
        raise Http404
    return user.clinic


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _slot_rows(clinic: Clinic, slots: list[Slot]) -> list[dict[str, Any]]:
    """Slots with their local time and names, for templates."""
    tz = services.clinic_tz(clinic)
    names = {u.pk: u.display_name() for u in services.clinicians(clinic)}
    types = {t.pk: t.name for t in VisitType.objects.filter(clinic=clinic)}
    return [
        {
            "key": s.key,
            "start": s.start.astimezone(tz),
            "end": s.end.astimezone(tz),
            "clinician": names.get(s.clinician, ""),
            "clinician_id": s.clinician,
            "visit_type": types.get(s.visit_type, ""),
        }
        for s in slots
    ]


def _by_day(rows: list[dict[str, Any]]) -> list[tuple[date, list[dict[str, Any]]]]:
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        days[row["start"].date()].append(row)
    return sorted(days.items())


def _parse_day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default


# --- patients -------------------------------------------------------------------------------


@require_GET
@patient_required
def mine(request: HttpRequest) -> HttpResponse:
    """My appointments: upcoming first, then past ones."""
    patient = _user(request)
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("clinician", "visit_type", "clinic")
        .order_by("-start")
    )
    services.audit_list(request, patient)
    at = services.now()
    rows = [
        {
            "appointment": a,
            "start": services.local_start(a),
            "upcoming": a.start > at and a.is_active,
        }
        for a in appointments
    ]
    return _render(
        request,
        "scheduling/mine.html",
        {
            "upcoming": sorted((r for r in rows if r["upcoming"]), key=lambda r: r["start"]),
            "past": [r for r in rows if not r["upcoming"]],
        },
    )


@require_GET
@patient_required
def book_start(request: HttpRequest) -> HttpResponse:
    """Booking, gated by the latest assessment: emergency screen, or the visit types."""
    patient = _user(request)
    if patient.clinic is None:
        return _render(request, "scheduling/no_clinic.html")
    assessment = services.latest_assessment(patient)
    if assessment is None:
        return _render(request, "scheduling/assess_first.html")
    if assessment.urgency == "emergency":
        return _emergency(request, assessment)
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=assessment)
    types = list(services.visit_types(patient.clinic, for_patients=True))
    if assessment.urgency == "urgent":
        first = next((t for t in types if t.code == VisitType.Code.FIRST_CONSULTATION), None)
        if first is not None:
            return redirect("scheduling:slots", visit_type_id=first.pk)
    return _render(
        request,
        "scheduling/book_start.html",
        {"visit_types": types, "assessment": assessment},
    )


def _emergency(request: HttpRequest, assessment: Any) -> HttpResponse:
    record(request, AuditEvent.Action.VIEW, patient=assessment.patient, obj=assessment)
    context = emergency_context(request, assessment)
    if context is None:  # an emergency urgency always comes with its flags; be safe anyway
        return _render(request, "scheduling/emergency_fallback.html", {"assessment": assessment})
    return _render(request, "assessments/emergency.html", context)


@require_GET
@patient_required
def slots(request: HttpRequest, visit_type_id: int) -> HttpResponse:
    """The free times of one visit type, as the urgency allows."""
    patient = _user(request)
    if patient.clinic is None:
        return _render(request, "scheduling/no_clinic.html")
    visit_type = (
        services.visit_types(patient.clinic, for_patients=True).filter(pk=visit_type_id).first()
    )
    if visit_type is None:
        raise Http404("No such visit type.")
    replaces = _replaced(request, patient)
    assessment = services.latest_assessment(patient)
    if assessment is None:
        return _render(request, "scheduling/assess_first.html")
    if assessment.urgency == "emergency":
        return _emergency(request, assessment)
    offer = services.patient_offer(patient, visit_type)
    clinic = patient.clinic
    today = services.local_today(clinic)
    page_start = max(_parse_day(request.GET.get("from"), today), today)
    page_end = page_start + timedelta(days=CALENDAR_PAGE_DAYS)
    shown = [
        s
        for s in offer.slots
        if page_start <= s.start.astimezone(services.clinic_tz(clinic)).date() < page_end
    ]
    horizon = today + timedelta(days=services.rules(clinic).horizon_days)
    extra: dict[str, str] = {"replaces": str(replaces.pk)} if replaces is not None else {}
    return _render(
        request,
        "scheduling/slots.html",
        {
            "visit_type": visit_type,
            "gate": offer.gate.value,
            "first": _slot_rows(clinic, list(offer.first)),
            "days": _by_day(_slot_rows(clinic, shown)),
            "any_slots": bool(offer.slots),
            "page_start": page_start,
            "page_end": page_end - timedelta(days=1),
            "prev_url": (
                "?"
                + urlencode(
                    {"from": (page_start - timedelta(days=CALENDAR_PAGE_DAYS)).isoformat(), **extra}
                )
                if page_start > today
                else ""
            ),
            "next_url": (
                "?" + urlencode({"from": page_end.isoformat(), **extra})
                if page_end <= horizon
                else ""
            ),
            "replaces": replaces,
            "number": clinic.emergency_number,
            "urgent_window_h": URGENT_WINDOW_H,
        },
    )


def _replaced(request: HttpRequest, patient: User) -> Appointment | None:
    value = request.GET.get("replaces") or request.POST.get("replaces")
    if not value:
        return None
    try:
        return services.patient_appointment(patient, int(value))
    except ValueError as exc:
        raise Http404 from exc


@never_cache
@require_http_methods(["GET", "POST"])
@patient_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Confirm a time (GET ?slot=...); POST books it once, whatever happens to the form."""
    patient = _user(request)
    if patient.clinic is None:
        return _render(request, "scheduling/no_clinic.html")
    clinic = patient.clinic
    replaces = _replaced(request, patient)
    assessment = services.latest_assessment(patient)
    if assessment is None:
        return _render(request, "scheduling/assess_first.html")
    if assessment.urgency == "emergency":
        return _emergency(request, assessment)
    clinic_rules = services.rules(clinic)
    not_before = services.now() + timedelta(hours=clinic_rules.min_lead_h)
    if request.method == "POST":
        form = BookForm(request.POST)
        if form.is_valid():
            try:
                if replaces is not None:
                    booked = services.reschedule(
                        request,
                        replaces,
                        form.cleaned_data["slot"],
                        by=patient,
                        by_patient=True,
                        request_key=form.cleaned_data["request_key"],
                    )
                else:
                    visit = _visit_of_key(clinic, form.cleaned_data["slot"])
                    if visit is not None and not visit.patients_may_book:
                        raise ValidationError(
                            _("This visit is booked by the clinic. Please call reception."),
                            code="not_bookable",
                        )
                    booked = services.book(
                        request,
                        patient=patient,
                        slot_key=form.cleaned_data["slot"],
                        booked_by=patient,
                        request_key=form.cleaned_data["request_key"],
                        reason=form.cleaned_data["reason"],
                        not_before=not_before,
                        urgency=assessment.urgency,
                    )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                if booked.created:
                    messages.success(request, _("Your appointment is booked."))
                else:
                    messages.info(request, _("This appointment was already booked."))
                return redirect("scheduling:detail", appointment_id=booked.appointment.pk)
        return _render_confirm(request, clinic, form, replaces, status=400)
    slot_key = request.GET.get("slot", "")
    form = BookForm(
        initial={
            "slot": slot_key,
            "request_key": uuid.uuid4(),
            "replaces": replaces.pk if replaces is not None else None,
        }
    )
    try:
        services.resolve_slot(clinic, slot_key, not_before=not_before)
    except ValidationError as exc:
        # the form is unbound (nothing was posted): the refusal goes to the page, not the form
        return _render_confirm(request, clinic, form, replaces, error=_errors(exc), status=400)
    return _render_confirm(request, clinic, form, replaces)


def _visit_of_key(clinic: Clinic, slot_key: str) -> VisitType | None:
    try:
        _clinician_id, visit_type_id, _start = parse_slot_key(slot_key)
    except SchedulingError:
        return None
    return VisitType.objects.filter(clinic=clinic, pk=visit_type_id).first()


def _render_confirm(
    request: HttpRequest,
    clinic: Clinic,
    form: BookForm,
    replaces: Appointment | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    slot_key = str(form["slot"].value() or "")
    slot_row = None
    try:
        clinician_id, visit_type_id, start = parse_slot_key(slot_key)
    except SchedulingError:
        pass
    else:
        clinician = services.clinicians(clinic).filter(pk=clinician_id).first()
        visit = VisitType.objects.filter(clinic=clinic, pk=visit_type_id).first()
        if clinician is not None and visit is not None:
            slot_row = {
                "start": start.astimezone(services.clinic_tz(clinic)),
                "clinician": clinician.display_name(),
                "visit_type": visit,
                "duration_min": visit.duration_min,
            }
    return _render(
        request,
        "scheduling/confirm.html",
        {"form": form, "slot": slot_row, "replaces": replaces, "clinic": clinic, "error": error},
        status=status,
    )


@require_GET
@patient_required
def detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """One of my appointments, with cancel and reschedule when the rules allow."""
    patient = _user(request)
    appointment = services.patient_appointment(patient, appointment_id)
    services.audit_view(request, appointment)
    return _render(
        request,
        "scheduling/detail.html",
        {
            "appointment": appointment,
            "start": services.local_start(appointment),
            "can_change": services.can_change_online(appointment),
            "notice_h": services.rules(appointment.clinic).min_notice_h,
            "clinic": appointment.clinic,
        },
    )


@require_POST
@patient_required
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    patient = _user(request)
    appointment = services.patient_appointment(patient, appointment_id)
    try:
        services.cancel(request, appointment, by=patient, by_patient=True)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Your appointment was cancelled."))
    return redirect("scheduling:detail", appointment_id=appointment.pk)


@require_GET
@patient_required
def reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Choose a new time for one of my appointments (same visit type)."""
    patient = _user(request)
    appointment = services.patient_appointment(patient, appointment_id)
    if not services.can_change_online(appointment):
        notice_h = services.rules(appointment.clinic).min_notice_h
        messages.error(
            request,
            ngettext(
                "Appointments can be changed online up to %(hours)s hour before they start. "
                "Please call the clinic.",
                "Appointments can be changed online up to %(hours)s hours before they start. "
                "Please call the clinic.",
                notice_h,
            )
            % {"hours": notice_h},
        )
        return redirect("scheduling:detail", appointment_id=appointment.pk)
    url = reverse("scheduling:slots", args=[appointment.visit_type_id])
    return redirect(f"{url}?{urlencode({'replaces': appointment.pk})}")


# --- links in e-mails (no login) ------------------------------------------------------------


def _in_recipients_language(request: HttpRequest, patient: User) -> None:
    """Show an e-mail link's page in ``patient``'s preferred language, as the e-mail was
    written, when the visitor is not logged in and has not chosen a language (the
    language cookie): a link opened in a fresh browser followed the browser's language.

    A logged-in visitor keeps their own language, as does one who switched it.
    """
    if request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = patient.preferred_language
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


@never_cache
@require_http_methods(["GET", "POST"])
def cancel_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """A reminder's cancel link: works without logging in, within the clinic's notice."""
    appointment = services.appointment_from_cancel_token(token)
    _in_recipients_language(request, appointment.patient)
    services.audit_view(request, appointment)
    error = ""
    done = False
    if request.method == "POST":
        try:
            services.cancel(request, appointment, by=None, by_patient=True)
        except ValidationError as exc:
            error = _errors(exc)
        else:
            done = True
            appointment.refresh_from_db()
    return _render(
        request,
        "scheduling/cancel_by_link.html",
        {
            "appointment": appointment,
            "start": services.local_start(appointment),
            "can_change": services.can_change_online(appointment),
            "error": error,
            "done": done,
            "notice_h": services.rules(appointment.clinic).min_notice_h,
        },
        status=400 if error else 200,
        clinic=appointment.clinic,
    )


def _offer_closed_page(request: HttpRequest, found: services.Offer) -> HttpResponse:
    """An offer that was booked, declined, expired or withdrawn: say which (410 Gone)."""
    clinic = found.entry.clinic
    return _render(
        request,
        "scheduling/offer_closed.html",
        {
            "offer": found,
            "status": (
                WaitlistOffer.Status.EXPIRED
                if found.offer.status == WaitlistOffer.Status.OPEN
                else found.offer.status
            ),
            "start": found.start.astimezone(services.clinic_tz(clinic)),
        },
        status=410,
        clinic=clinic,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """A waitlist offer: book the freed time with one click, or say no thanks."""
    found = services.read_offer(token)
    _in_recipients_language(request, found.entry.patient)
    record(request, AuditEvent.Action.VIEW, patient=found.entry.patient, obj=found.offer)
    form = TokenForm(request.POST or None, initial={"request_key": uuid.uuid4()})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            booked = services.accept_offer(request, found, form.cleaned_data["request_key"])
        except ValidationError as exc:
            if exc.code == "offer_closed":
                found.offer.refresh_from_db()
                return _offer_closed_page(request, found)
            error = _errors(exc)
        else:
            return _render(
                request,
                "scheduling/offer_booked.html",
                {
                    "appointment": booked.appointment,
                    "start": services.local_start(booked.appointment),
                },
                clinic=found.entry.clinic,
            )
    elif not found.is_open():
        return _offer_closed_page(request, found)
    clinic = found.entry.clinic
    return _render(
        request,
        "scheduling/offer.html",
        {
            "offer": found,
            "form": form,
            "start": found.start.astimezone(services.clinic_tz(clinic)),
            "expires_at": found.offer.expires_at,
            "decline_url": reverse("scheduling:offer_decline", args=[token]),
            "error": error,
        },
        status=400 if error else 200,
        clinic=clinic,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def offer_decline(request: HttpRequest, token: str) -> HttpResponse:
    """Say no thanks to a waitlist offer: GET asks (a link checker must not decline), POST
    declines and the time goes to the next person waiting."""
    found = services.read_offer(token)
    _in_recipients_language(request, found.entry.patient)
    record(request, AuditEvent.Action.VIEW, patient=found.entry.patient, obj=found.offer)
    clinic = found.entry.clinic
    context: dict[str, Any] = {
        "offer": found,
        "start": found.start.astimezone(services.clinic_tz(clinic)),
        "book_url": reverse("scheduling:offer", args=[token]),
        "done": False,
    }
    if request.method == "POST":
        try:
            services.decline_offer(request, found)
        except ValidationError:
            found.offer.refresh_from_db()
            return _offer_closed_page(request, found)
        context["done"] = True
    elif not found.is_open():
        return _offer_closed_page(request, found)
    return _render(request, "scheduling/offer_decline.html", context, clinic=clinic)


# --- reception --------------------------------------------------------------------------------


@require_GET
@staff_required
def reception(request: HttpRequest) -> HttpResponse:
    """The clinic's book for a day or a week, per clinician: visits and free times."""
    staff = _user(request)
    clinic = _clinic(staff)
    tz = services.clinic_tz(clinic)
    people = services.clinicians(clinic)
    form = DayForm(request.GET or None, clinicians=people)
    today = services.local_today(clinic)
    day, view, only = today, "day", None
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["date"] or today
        view = form.cleaned_data["view"] or "day"
        only = form.cleaned_data["clinician"]
    last = day + timedelta(days=6 if view == "week" else 0)
    begin = datetime.combine(day, datetime.min.time(), tz)
    finish = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    appointments = (
        Appointment.objects.filter(clinic=clinic, start__gte=begin, start__lt=finish)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "clinician", "visit_type", "resource")
        .order_by("start", "pk")
    )
    if only is not None:
        appointments = appointments.filter(clinician=only)
    horizon = today + timedelta(days=services.rules(clinic).horizon_days)
    free = (
        services.free_slots(
            clinic, day, min(last, horizon), clinician=only, not_before=services.now()
        )
        if day <= horizon
        else []
    )
    free_rows = _slot_rows(clinic, free)
    columns = []
    for person in people if only is None else [only]:
        visits = [a for a in appointments if a.clinician_id == person.pk]
        columns.append(
            {
                "clinician": person,
                "visits": [{"a": a, "start": a.start.astimezone(tz)} for a in visits],
                "free": _by_day([r for r in free_rows if r["clinician_id"] == person.pk]),
            }
        )
    shown = {a.patient_id: a.patient for a in appointments}
    for person in shown.values():
        record(request, AuditEvent.Action.VIEW, patient=person, object_type="appointment_book")
    return _render(
        request,
        "scheduling/reception.html",
        {
            "form": form,
            "day": day,
            "last": last,
            "view": view,
            "columns": columns,
            "prev": (day - timedelta(days=7 if view == "week" else 1)).isoformat(),
            "next": (day + timedelta(days=7 if view == "week" else 1)).isoformat(),
            "clinic": clinic,
            "status_form": StatusForm(),
        },
    )


def _search_patients(clinic: Clinic, q: str) -> list[User]:
    qs = User.objects.filter(clinic=clinic, role=User.Role.PATIENT, is_active=True)
    for word in q.split():
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return list(qs.order_by("last_name", "first_name", "pk")[:20])


#: What reception is told about a patient whose latest assessment is flagged.
RECEPTION_FLAG_TEXTS = {
    "emergency": gettext_lazy(
        "Their latest check found warning signs of an emergency: if the signs are new or "
        "still there, they need emergency services now (not an appointment). Tell a clinician."
    ),
    "urgent": gettext_lazy(
        "Their latest check asks for a doctor within 24-48 hours: offer the earliest time, "
        "or urgent care if none is that soon."
    ),
}


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required
def reception_book(request: HttpRequest) -> HttpResponse:
    """Book a time for a walk-in or a phone call: find the patient, or add them."""
    staff = _user(request)
    clinic = _clinic(staff)
    slot_key = request.GET.get("slot") or request.POST.get("slot", "")
    search = PatientSearchForm(request.GET if "q" in request.GET else None)
    found: list[User] = []
    if search.is_bound and search.is_valid():
        found = _search_patients(clinic, search.cleaned_data["q"])
    new_form = NewPatientForm(request.POST if "new-email" in request.POST else None)
    error = ""
    if request.method == "POST":
        token = TokenForm(request.POST)
        request_key = token.cleaned_data["request_key"] if token.is_valid() else None
        patient: User | None = None
        if not new_form.is_bound:
            try:
                patient_id = int(request.POST.get("patient", ""))
            except ValueError as exc:
                raise Http404("No such patient.") from exc
            patient = User.objects.filter(
                pk=patient_id, clinic=clinic, role=User.Role.PATIENT, is_active=True
            ).first()
            if patient is None:
                raise Http404("No such patient.")
        if patient is not None or new_form.is_valid():
            try:
                with transaction.atomic():  # a new patient is kept only if the booking is
                    if patient is None:
                        patient = _create_patient(request, clinic, new_form.cleaned_data, staff)
                    booked = services.book(
                        request,
                        patient=patient,
                        slot_key=slot_key,
                        booked_by=staff,
                        channel=Appointment.Channel.RECEPTION,
                        request_key=request_key,
                        reason=request.POST.get("reason", ""),
                    )
            except ValidationError as exc:
                error = _errors(exc)
            else:
                messages.success(
                    request,
                    _("Booked for %(name)s.") % {"name": booked.appointment.patient.display_name()},
                )
                flag = services.reception_flags([booked.appointment.patient]).get(
                    booked.appointment.patient.pk
                )
                if flag is not None:
                    messages.warning(request, str(RECEPTION_FLAG_TEXTS[flag]))
                day = booked.appointment.start.astimezone(services.clinic_tz(clinic)).date()
                return redirect(
                    reverse("scheduling:reception") + "?" + urlencode({"date": day.isoformat()})
                )
    slot_row = None
    try:
        slot = services.resolve_slot(clinic, slot_key, not_before=services.now())
    except ValidationError as exc:
        error = error or _errors(exc)
    else:
        slot_row = _slot_rows(clinic, [slot])[0]
    for person in found:
        record(request, AuditEvent.Action.VIEW, patient=person, object_type="patient_contact")
    return _render(
        request,
        "scheduling/reception_book.html",
        {
            "slot_key": slot_key,
            "slot": slot_row,
            "search": search,
            "found": found,
            "flags": {
                pk: RECEPTION_FLAG_TEXTS[urgency]
                for pk, urgency in services.reception_flags(found).items()
            },
            "searched": search.is_bound,
            "new_form": new_form,
            "error": error,
            "request_key": uuid.uuid4(),
        },
        status=400 if (error or (new_form.is_bound and new_form.errors)) else 200,
    )


def _create_patient(
    request: HttpRequest, clinic: Clinic, data: dict[str, Any], staff: User
) -> User:
    """A patient added by reception: no password yet (they can set one with a reset link)."""
    patient = User.objects.create_user(
        username=data["email"],
        email=data["email"],
        password=None,
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        phone=data.get("phone", "").strip(),
        role=User.Role.PATIENT,
        clinic=clinic,
    )
    PatientProfile.objects.create(user=patient)
    record(request, AuditEvent.Action.CREATE, patient=patient, obj=patient, object_type="account")
    return patient


@require_POST
@staff_required
def set_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    staff = _user(request)
    appointment = services.staff_appointment(staff, appointment_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose arrived, did not come or completed."))
    else:
        try:
            changed = services.set_status(
                request, appointment, form.cleaned_data["status"], by=staff
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request,
                _("%(name)s: marked as %(status)s.")
                % {"name": changed.patient.display_name(), "status": changed.get_status_display()},
            )
    return _back_to_book(request, appointment)


@require_POST
@staff_required
def staff_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    staff = _user(request)
    appointment = services.staff_appointment(staff, appointment_id)
    try:
        services.cancel(request, appointment, by=staff, by_patient=False)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _("The appointment of %(name)s was cancelled.")
            % {"name": appointment.patient.display_name()},
        )
    return _back_to_book(request, appointment)


def _back_to_book(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if nxt.startswith("/appointments/") and "//" not in nxt:
        return redirect(nxt)
    day = appointment.start.astimezone(services.clinic_tz(appointment.clinic)).date()
    return redirect(reverse("scheduling:reception") + "?" + urlencode({"date": day.isoformat()}))


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required
def waitlist(request: HttpRequest) -> HttpResponse:
    """The waitlist: who waits for what, first come first served; add someone."""
    staff = _user(request)
    clinic = _clinic(staff)
    people = services.clinicians(clinic)
    form = WaitlistForm(request.POST or None, clinic=clinic, clinicians=people)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.add_to_waitlist(
                request,
                patient=form.cleaned_data["patient"],
                visit_type=form.cleaned_data["visit_type"],
                clinician=form.cleaned_data["clinician"],
                earliest=form.cleaned_data["earliest"],
                latest=form.cleaned_data["latest"],
                note=form.cleaned_data["note"],
                by=staff,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(name)s is on the waitlist.") % {"name": entry.patient.display_name()},
            )
            return redirect("scheduling:waitlist")
    open_offers = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN).select_related(
        "clinician"
    )
    entries = list(
        WaitlistEntry.objects.filter(
            clinic=clinic,
            status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
        )
        .select_related("patient", "visit_type", "clinician")
        .prefetch_related(Prefetch("offers", queryset=open_offers, to_attr="open_offers"))
    )
    for entry in entries:
        record(request, AuditEvent.Action.VIEW, patient=entry.patient, obj=entry)
    return _render(
        request,
        "scheduling/waitlist.html",
        {"form": form, "entries": entries, "offer_hours": services.offer_hours()},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@staff_required
def waitlist_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    staff = _user(request)
    entry = (
        WaitlistEntry.objects.filter(pk=entry_id, clinic=_clinic(staff))
        .exclude(status=WaitlistEntry.Status.REMOVED)
        .select_related("patient")
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    try:
        removed = services.remove_from_waitlist(request, entry, by=staff)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        if removed:
            messages.success(request, _("Removed from the waitlist."))
        else:
            messages.warning(request, _("This entry was booked meanwhile; nothing was removed."))
    return redirect("scheduling:waitlist")


# --- clinicians ------------------------------------------------------------------------------


@require_GET
@staff_required
def my_day(request: HttpRequest) -> HttpResponse:
    """A clinician's visits of the day."""
    staff = _user(request)
    if not staff.is_clinician:
        return redirect("scheduling:reception")
    clinic = _clinic(staff)
    tz = services.clinic_tz(clinic)
    day = _parse_day(request.GET.get("date"), services.local_today(clinic))
    begin = datetime.combine(day, datetime.min.time(), tz)
    visits = list(
        Appointment.objects.filter(
            clinician=staff, start__gte=begin, start__lt=begin + timedelta(days=1)
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "visit_type", "resource")
    )
    for a in visits:
        services.audit_view(request, a)
    return _render(
        request,
        "scheduling/my_day.html",
        {
            "day": day,
            "visits": [{"a": a, "start": a.start.astimezone(tz)} for a in visits],
            "prev": (day - timedelta(days=1)).isoformat(),
            "next": (day + timedelta(days=1)).isoformat(),
            "status_form": StatusForm(),
        },
    )


# --- set-up (clinic admins) -------------------------------------------------------------------


def _setup_context(request: HttpRequest, **forms_: Any) -> dict[str, Any]:
    admin = _user(request)
    clinic = _clinic(admin)
    people = services.clinicians(clinic)
    rules = services.rules(clinic)
    types = list(VisitType.objects.filter(clinic=clinic))
    return {
        "clinic": clinic,
        "rules_form": forms_.get("rules_form") or RulesForm(instance=rules),
        "type_forms": [forms_.get(f"vt{t.pk}") or VisitTypeForm(instance=t) for t in types],
        "resource_form": forms_.get("resource_form") or ResourceForm(clinic=clinic),
        "hours_form": forms_.get("hours_form")
        or AvailabilityForm(clinic=clinic, clinicians=people),
        "exception_form": forms_.get("exception_form")
        or ExceptionForm(clinic=clinic, clinicians=people),
        "resources": Resource.objects.filter(clinic=clinic),
        "hours": Availability.objects.filter(clinic=clinic).select_related(
            "clinician", "visit_type"
        ),
        "exceptions": AvailabilityException.objects.filter(clinic=clinic).select_related(
            "clinician", "resource", "visit_type"
        ),
    }


@never_cache
@require_GET
@clinic_admin_required
def setup(request: HttpRequest) -> HttpResponse:
    """The clinic's scheduling set-up: rules, visit types, resources, hours, exceptions."""
    return _render(request, "scheduling/setup.html", _setup_context(request))


def _setup_error(request: HttpRequest, **forms_: Any) -> HttpResponse:
    return _render(request, "scheduling/setup.html", _setup_context(request, **forms_), status=400)


@require_POST
@clinic_admin_required
def setup_rules(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(_user(request))
    # A copy: validating writes the posted values into the instance, and the error page
    # reads the clinic's (cached) rules for its time zone, so a bad zone must not reach them.
    form = RulesForm(request.POST, instance=copy.copy(services.rules(clinic)))
    if not form.is_valid():
        return _setup_error(request, rules_form=form)
    form.save()
    messages.success(request, _("The booking rules were saved."))
    return redirect(reverse("scheduling:setup") + "#rules")


@require_POST
@clinic_admin_required
def setup_visit_type(request: HttpRequest, visit_type_id: int) -> HttpResponse:
    clinic = _clinic(_user(request))
    visit_type = VisitType.objects.filter(clinic=clinic, pk=visit_type_id).first()
    if visit_type is None:
        raise Http404("No such visit type.")
    form = VisitTypeForm(request.POST, instance=visit_type)
    if not form.is_valid():
        return _setup_error(request, **{f"vt{visit_type.pk}": form})
    form.save()
    messages.success(request, _("%(name)s was saved.") % {"name": visit_type.name})
    return redirect(reverse("scheduling:setup") + "#visit-types")


@require_POST
@clinic_admin_required
def setup_resource(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(_user(request))
    form = ResourceForm(request.POST, clinic=clinic)
    if not form.is_valid():
        return _setup_error(request, resource_form=form)
    resource = form.save(commit=False)
    resource.clinic = clinic
    resource.save()
    messages.success(request, _("%(name)s was added.") % {"name": resource.name})
    return redirect(reverse("scheduling:setup") + "#resources")


@require_POST
@clinic_admin_required
def setup_resource_toggle(request: HttpRequest, resource_id: int) -> HttpResponse:
    clinic = _clinic(_user(request))
    resource = Resource.objects.filter(clinic=clinic, pk=resource_id).first()
    if resource is None:
        raise Http404("No such resource.")
    resource.active = not resource.active
    resource.save(update_fields=["active"])
    return redirect(reverse("scheduling:setup") + "#resources")


def _add_schedule_window(
    request: HttpRequest,
    form_class: type[AvailabilityForm] | type[ExceptionForm],
    form_key: str,
    overlap_message: str,
    success_message: str,
    anchor: str,
) -> HttpResponse:
    """Add weekly hours or an exception of the admin's clinic from a set-up form.

    Parameters
    ----------
    request : HttpRequest
        The POST of the set-up page, by a clinic admin.
    form_class : type
        ``AvailabilityForm`` or ``ExceptionForm``.
    form_key : str
        The name of the form in the set-up page's context (``hours_form`` or
        ``exception_form``), used when the page is shown again with errors.
    overlap_message : str
        The translated message, with a ``%(detail)s`` placeholder, shown when the new
        window overlaps hours already set.
    success_message : str
        The translated message shown once the window is saved.
    anchor : str
        The section of the set-up page to go back to (without ``#``).

    Returns
    -------
    HttpResponse
        A redirect to the set-up page, or the page again (400) with the form's errors;
        nothing is saved then.
    """
    clinic = _clinic(_user(request))
    form = form_class(request.POST, clinic=clinic, clinicians=services.clinicians(clinic))
    if not form.is_valid():
        return _setup_error(request, **{form_key: form})
    window = form.save(commit=False)
    window.clinic = clinic
    try:
        if isinstance(window, AvailabilityException):
            services.build_schedule(clinic, extra_exception=window)
        else:
            services.build_schedule(clinic, extra_window=window)
    except SchedulingError as exc:
        form.add_error(None, overlap_message % {"detail": _overlap_detail(clinic, exc)})
        return _setup_error(request, **{form_key: form})
    window.save()
    messages.success(request, success_message)
    return redirect(reverse("scheduling:setup") + "#" + anchor)


def _window_text(clinic: Clinic, window: dict[str, Any]) -> str:
    """One side of an overlap, as the set-up page lists hours: "Monday 09:00–13:00
    (Dr Ivanova, Follow-up visit)", in the reader's language."""
    if "weekday" in window:
        when = str(Weekday(window["weekday"]).label)
    else:
        when = str(date_format(window["day"], "DATE_FORMAT"))
    clinician = User.objects.filter(pk=window["clinician"]).first()
    visit_type = VisitType.objects.filter(clinic=clinic, pk=window["visit_type"]).first()
    return _("%(when)s %(start)s–%(end)s (%(clinician)s, %(visit_type)s)") % {
        "when": when,
        "start": f"{window['start']:%H:%M}",
        "end": f"{window['end']:%H:%M}",
        "clinician": clinician.display_name() if clinician is not None else "—",
        "visit_type": visit_type.name if visit_type is not None else "—",
    }


def _overlap_detail(clinic: Clinic, exc: SchedulingError) -> str:
    """Which hours overlap, from the core's problem (never its English)."""
    problem = exc.problem
    if problem.code != "overlap":
        return _("the hours cannot be used with the hours already set.")
    return _("%(first)s and %(second)s.") % {
        "first": _window_text(clinic, problem.params["first"]),
        "second": _window_text(clinic, problem.params["second"]),
    }


def _delete_schedule_window(
    request: HttpRequest,
    model: type[Availability] | type[AvailabilityException],
    pk: int,
    not_found: str,
    success_message: str,
    anchor: str,
) -> HttpResponse:
    """Delete weekly hours or an exception of the admin's clinic.

    Parameters
    ----------
    request : HttpRequest
        The POST of the set-up page, by a clinic admin.
    model : type
        ``Availability`` or ``AvailabilityException``.
    pk : int
        The primary key of the row to delete; a row of another clinic is a 404.
    not_found : str
        The message of the 404 when there is no such row in the clinic.
    success_message : str
        The translated message shown once the row is deleted.
    anchor : str
        The section of the set-up page to go back to (without ``#``).

    Returns
    -------
    HttpResponse
        A redirect to the set-up page.

    Raises
    ------
    Http404
        When the clinic has no such row.
    """
    clinic = _clinic(_user(request))
    deleted, _rows = model.objects.filter(clinic=clinic, pk=pk).delete()
    if not deleted:
        raise Http404(not_found)
    messages.success(request, success_message)
    return redirect(reverse("scheduling:setup") + "#" + anchor)


@require_POST
@clinic_admin_required
def setup_hours(request: HttpRequest) -> HttpResponse:
    return _add_schedule_window(
        request,
        AvailabilityForm,
        "hours_form",
        _("These hours overlap hours already set for this clinician: %(detail)s"),
        _("The hours were added."),
        "hours",
    )


@require_POST
@clinic_admin_required
def setup_hours_delete(request: HttpRequest, availability_id: int) -> HttpResponse:
    return _delete_schedule_window(
        request,
        Availability,
        availability_id,
        "No such hours.",
        _("The hours were removed. Appointments already booked stay booked."),
        "hours",
    )


@require_POST
@clinic_admin_required
def setup_exception(request: HttpRequest) -> HttpResponse:
    return _add_schedule_window(
        request,
        ExceptionForm,
        "exception_form",
        _("These extra hours overlap hours already set for this clinician: %(detail)s"),
        _("The exception was added."),
        "exceptions",
    )


@require_POST
@clinic_admin_required
def setup_exception_delete(request: HttpRequest, exception_id: int) -> HttpResponse:
    return _delete_schedule_window(
        request,
        AvailabilityException,
        exception_id,
        "No such exception.",
        _("The exception was removed."),
        "exceptions",
    )
