"""Diary pages: the patient's (today's entry, calendar, back-filling, editing with
history, CSV import/export, treatments, reminders, printable summary) and the
clinician's view of a patient of their clinic (analysis, augmentation warning,
treatment timeline).

Patients see only their own diary; clinicians only their clinic's patients (any
other patient is a 404). Every page that shows a diary and every change writes an
audit entry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quietlegs import DiaryError
from quietlegs.diary.fhir import diary_observations
from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary import presentation, services
from quietlegs.web.diary.forms import (
    DiaryEntryForm,
    ImportForm,
    SettingsForm,
    TreatmentDayForm,
    TreatmentForm,
)
from quietlegs.web.diary.models import DiaryEntry, Source
from quietlegs.web.diary.problems import for_csv, for_treatment
from quietlegs.web.diary.problems import texts as problem_texts
from quietlegs.web.knowledge import current_language
from quietlegs.web.records.views import clinician_required


def _patient(request: HttpRequest) -> User:
    """The logged-in patient (anyone else gets a 404)."""
    user: Any = request.user
    if not (user.is_authenticated and user.is_patient):
        raise Http404
    patient: User = user
    return patient


def _clinician(request: HttpRequest) -> User:
    user: Any = request.user
    clinician: User = user
    return clinician


def _own_entry(patient: User, day: dt.date) -> DiaryEntry:
    row = services.entry_for(patient, day)
    if row is None:
        raise Http404("No entry for this night.")
    return row


# --- the patient's diary ---------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    """The patient's diary: today's prompt, warning, charts, calendar, treatments."""
    user: Any = request.user
    if user.is_clinician:
        return redirect("records:patients")
    patient = _patient(request)
    lang = current_language()
    context = presentation.diary_context(patient, patient, lang)
    suggested = services.suggested_day(patient)
    context.update(
        suggested_day=suggested,
        last_night_recorded=services.entry_for(patient, services.local_today() - dt.timedelta(1))
        is not None,
        reminders=services.settings_for(patient).reminders,
    )
    services.audit_view(request, patient, "diary")
    return render(request, "diary/home.html", context)


def _requested_day(request: HttpRequest, patient: User) -> dt.date | str:
    """The night asked for by ``?day=``, the suggested one without it, or the message
    saying why the date cannot be used (not a date; a night that has not begun)."""
    value = request.GET.get("day", "")
    if not value:
        return services.suggested_day(patient)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        message = _("%(value)s is not a date: choose a night in the calendar.")
        return message % {"value": value[:20]}
    if day > services.local_today():
        return _(
            "The night of %(day)s has not begun yet: it can be recorded from that evening."
        ) % {"day": presentation.short_date(day)}
    return day


@login_required
@require_http_methods(["GET", "POST"])
def new_entry(request: HttpRequest) -> HttpResponseBase:
    """A new entry, filled in from the latest earlier entry (so that only what changed
    needs a tap). A night that has an entry already opens it for editing instead."""
    patient = _patient(request)
    if request.method == "POST":
        form = DiaryEntryForm(request.POST)
        if form.is_valid() and form.entry is not None:
            try:
                services.create_entry(request, patient, patient, form.entry, Source.WEB)
            except services.NightTakenError:
                form.add_error(
                    "day",
                    _(
                        "There is already an entry for this night: open it from the "
                        "calendar to edit it."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Saved: the night of %(day)s.")
                    % {"day": presentation.short_date(form.entry.day)},
                )
                return redirect("diary:home")
        day = form.cleaned_data.get("day") if form.is_bound else None
        return _entry_page(request, patient, form, day, None, status=400)
    requested = _requested_day(request, patient)
    if isinstance(requested, str):  # never switch silently to another night
        messages.error(request, requested)
        return redirect("diary:home")
    day = requested
    existing = services.entry_for(patient, day)
    if existing is not None:
        return redirect("diary:edit", day=day)
    previous = services.latest_before(patient, day)
    initial: dict[str, Any] = {
        "day": day,
        "caffeine_drinks": 0,
        "alcohol_units": 0,
        "exercise_min": 0,
    }
    if previous is not None:
        initial.update(DiaryEntryForm.initial_from(previous.to_core(), with_day=False))
        record(
            request,
            AuditEvent.Action.VIEW,
            patient=patient,
            obj=previous,
            object_type="diary_defaults",
        )
    form = DiaryEntryForm(initial=initial)
    return _entry_page(request, patient, form, day, previous)


def _entry_page(
    request: HttpRequest,
    patient: User,
    form: DiaryEntryForm,
    day: dt.date | None,
    previous: DiaryEntry | None,
    *,
    row: DiaryEntry | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "diary/entry_form.html",
        {"form": form, "day": day, "previous": previous, "row": row, "new": row is None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, day: dt.date) -> HttpResponseBase:
    """Change an entry; the earlier version is kept in its history."""
    patient = _patient(request)
    row = _own_entry(patient, day)
    if request.method == "POST":
        form = DiaryEntryForm(request.POST, new=False, initial={"day": row.day})
        if form.is_valid() and form.entry is not None:
            try:
                services.update_entry(
                    request,
                    patient,
                    patient,
                    row,
                    form.entry,
                    Source.WEB,
                    expected_version=form.cleaned_data.get("version"),
                )
            except services.StaleEditError:
                form.add_error(
                    None,
                    _(
                        "This entry was changed elsewhere since you opened it. Reload the "
                        "page and try again."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Changed: the night of %(day)s (the earlier version is kept).")
                    % {"day": presentation.short_date(row.day)},
                )
                return redirect("diary:home")
        return _entry_page(request, patient, form, row.day, None, row=row, status=400)
    initial = DiaryEntryForm.initial_from(row.to_core())
    initial["version"] = row.version
    form = DiaryEntryForm(initial=initial, new=False)
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=row)
    return _entry_page(request, patient, form, row.day, None, row=row)


def _history_page(request: HttpRequest, patient: User, row: DiaryEntry, back: str) -> HttpResponse:
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=row, object_type="diary_history")
    return render(
        request,
        "diary/history.html",
        {
            "row": row,
            "current": row.to_core().to_dict(),
            "versions": presentation.history_rows(row),
            "back": back,
            "patient": patient,
        },
    )


@login_required
@require_GET
def entry_history(request: HttpRequest, day: dt.date) -> HttpResponse:
    """The earlier versions of one of my entries."""
    patient = _patient(request)
    return _history_page(request, patient, _own_entry(patient, day), reverse("diary:home"))


def _csv_response(request: HttpRequest, patient: User) -> HttpResponse:
    text = services.export_csv(request, patient)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = f"quietlegs-diary-{services.local_today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Download my diary as CSV (audited as an export)."""
    return _csv_response(request, _patient(request))


@login_required
@require_GET
def export_fhir(request: HttpRequest) -> HttpResponse:
    """Download my diary as FHIR Observations in a collection Bundle (audited)."""
    patient = _patient(request)
    observations = diary_observations(services.patient_diary(patient), f"Patient/{patient.pk}")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o.model_dump(mode="json")} for o in observations],
    }
    record(request, AuditEvent.Action.EXPORT, patient=patient, object_type="diary_fhir")
    response = HttpResponse(
        json.dumps(bundle, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="quietlegs-diary-{services.local_today():%Y-%m-%d}.fhir.json"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request: HttpRequest) -> HttpResponseBase:
    """Add the nights of a CSV file to my diary: all of them, or none if any is bad."""
    patient = _patient(request)
    problems: list[str] = []
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.import_csv(request, patient, patient, form.cleaned_data["file"])
        except DiaryError as exc:
            problems = problem_texts(exc, for_csv)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s night was added to your diary.",
                    "%(count)s nights were added to your diary.",
                    count,
                )
                % {"count": count},
            )
            return redirect("diary:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "diary/import.html", {"form": form, "problems": problems}, status=status)


# --- treatments ------------------------------------------------------------------------------


def _treatment_name(treatment_id: str) -> str:
    return services.treatment_name(treatment_id, current_language())


def _treatment_post(
    request: HttpRequest, patient: User, actor: User, back: str, *, over_the_counter_only: bool
) -> HttpResponse | None:
    """Handle the add-treatment form; ``None`` when it must be shown again with errors."""
    form = TreatmentForm(request.POST, over_the_counter_only=over_the_counter_only)
    request.diary_treatment_form = form  # type: ignore[attr-defined]
    if not form.is_valid():
        return None
    try:
        services.add_period(
            request,
            patient,
            actor,
            treatment_id=form.cleaned_data["treatment_id"],
            start=form.cleaned_data["start"],
            stop=form.cleaned_data["stop"],
            note=form.cleaned_data["note"],
        )
    except PermissionError as exc:
        raise Http404("No such patient.") from exc
    except DiaryError as exc:
        for problem in exc.details:
            form.add_error(None, for_treatment(problem, _treatment_name))
        return None
    messages.success(request, _("The treatment was added to the timeline."))
    return redirect(back)


def _period_day_post(
    request: HttpRequest, patient: User, actor: User, period_id: int, back: str, *, stop: bool
) -> HttpResponse:
    period = services.get_period(actor, patient, period_id)
    form = TreatmentDayForm(request.POST, prefix=f"p{period.pk}")
    if form.is_valid():
        try:
            if stop:
                services.stop_period(request, actor, period, day=form.cleaned_data["day"])
            else:
                services.add_change(
                    request,
                    actor,
                    period,
                    day=form.cleaned_data["day"],
                    note=form.cleaned_data["note"],
                )
        except DiaryError as exc:
            messages.error(
                request, "; ".join(for_treatment(p, _treatment_name) for p in exc.details)
            )
        else:
            messages.success(
                request,
                _("The last day was recorded.") if stop else _("The change was recorded."),
            )
            return redirect(back)
    else:
        messages.error(
            request,
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def treatments(request: HttpRequest) -> HttpResponseBase:
    """My treatment timeline; I may add over-the-counter items myself."""
    patient = _patient(request)
    back = reverse("diary:treatments")
    status = 200
    if request.method == "POST":
        done = _treatment_post(request, patient, patient, back, over_the_counter_only=True)
        if done is not None:
            return done
        status = 400
    form = getattr(request, "diary_treatment_form", None) or TreatmentForm(
        over_the_counter_only=True
    )
    lang = current_language()
    services.audit_view(request, patient, "treatment_timeline")
    return render(
        request,
        "diary/treatments.html",
        {
            "form": form,
            "timeline": presentation.timeline_rows(services.periods(patient), patient, lang),
            "labs": presentation.lab_rows(patient, lang),
            "change_url": "diary:change_treatment",
            "stop_url": "diary:stop_treatment",
            "url_args": [],
            "today": services.local_today(),
        },
        status=status,
    )


@login_required
@require_POST
def change_treatment(request: HttpRequest, period_id: int) -> HttpResponse:
    """Record a change of one of my over-the-counter treatments."""
    patient = _patient(request)
    return _period_day_post(
        request, patient, patient, period_id, reverse("diary:treatments"), stop=False
    )


@login_required
@require_POST
def stop_treatment(request: HttpRequest, period_id: int) -> HttpResponse:
    """Record the last day of one of my over-the-counter treatments."""
    patient = _patient(request)
    return _period_day_post(
        request, patient, patient, period_id, reverse("diary:treatments"), stop=True
    )


# --- summary and settings ------------------------------------------------------------------


def _summary(request: HttpRequest, patient: User, viewer: User) -> HttpResponse:
    lang = current_language()
    context = presentation.diary_context(patient, viewer, lang, prefix="summary")
    context["printed_on"] = services.local_today()
    services.audit_view(request, patient, "diary_summary")
    return render(request, "diary/summary.html", context)


@login_required
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """A printable summary of my diary for my next visit."""
    patient = _patient(request)
    return _summary(request, patient, patient)


@login_required
@require_http_methods(["GET", "POST"])
def diary_settings(request: HttpRequest) -> HttpResponseBase:
    """Turn the e-mail reminders on or off."""
    patient = _patient(request)
    current = services.settings_for(patient)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"reminders": current.reminders},
    )
    if request.method == "POST" and form.is_valid():
        services.set_reminders(request, patient, form.cleaned_data["reminders"])
        messages.success(
            request,
            _("Reminders are on.") if form.cleaned_data["reminders"] else _("Reminders are off."),
        )
        return redirect("diary:home")
    return render(request, "diary/settings.html", {"form": form})


# --- the clinician's view ------------------------------------------------------------------


def _clinic_url(patient: User, name: str = "diary_clinic:diary", anchor: str = "") -> str:
    url = reverse(name, kwargs={"patient_id": patient.pk})
    return f"{url}#{anchor}" if anchor else url


@clinician_required
@require_http_methods(["GET", "POST"])
def clinic_diary(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's diary for their clinician: the augmentation check first, then trends,
    treatment effects, triggers, the timeline (with the form to add a treatment) and labs."""
    clinician = _clinician(request)
    access = services.clinic_access(clinician, patient_id)
    patient = access.patient
    status = 200
    if request.method == "POST":
        back = _clinic_url(patient, anchor="timeline")
        done = _treatment_post(request, patient, clinician, back, over_the_counter_only=False)
        if done is not None:
            return done
        status = 400
    lang = current_language()
    context = presentation.diary_context(patient, clinician, lang, prefix="clinic")
    context.update(
        form=getattr(request, "diary_treatment_form", None) or TreatmentForm(),
        change_url="diary_clinic:change_treatment",
        stop_url="diary_clinic:stop_treatment",
        url_args=[patient.pk],
    )
    services.audit_view(request, patient, "diary")
    return render(request, "diary/clinic.html", context, status=status)


def _clinic_period_day(
    request: HttpRequest, patient_id: int, period_id: int, *, stop: bool
) -> HttpResponse:
    """A clinician's change (``stop=False``) or stop of a patient's treatment period.

    Parameters
    ----------
    request : HttpRequest
        The POST, by a clinician of the patient's clinic (another clinic's patient: 404).
    patient_id, period_id : int
        The patient and their treatment period.
    stop : bool
        Whether the day posted ends the period (else the treatment changes from it).

    Returns
    -------
    HttpResponse
        As :func:`_period_day_post`, going back to the patient's diary timeline.
    """
    access = services.clinic_access(_clinician(request), patient_id)
    back = _clinic_url(access.patient, anchor="timeline")
    return _period_day_post(request, access.patient, access.actor, period_id, back, stop=stop)


@clinician_required
@require_POST
def clinic_change_treatment(request: HttpRequest, patient_id: int, period_id: int) -> HttpResponse:
    """Record a change of a patient's treatment."""
    return _clinic_period_day(request, patient_id, period_id, stop=False)


@clinician_required
@require_POST
def clinic_stop_treatment(request: HttpRequest, patient_id: int, period_id: int) -> HttpResponse:
    """Record the last day of a patient's treatment."""
    return _clinic_period_day(request, patient_id, period_id, stop=True)


@clinician_required
@require_GET
def clinic_summary(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The printable diary summary of a patient."""
    access = services.clinic_access(_clinician(request), patient_id)
    return _summary(request, access.patient, access.actor)


@clinician_required
@require_GET
def clinic_export_csv(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's diary as CSV (audited as an export)."""
    access = services.clinic_access(_clinician(request), patient_id)
    return _csv_response(request, access.patient)


@clinician_required
@require_GET
def clinic_entry_history(request: HttpRequest, patient_id: int, day: dt.date) -> HttpResponse:
    """The versions of one of a patient's entries."""
    access = services.clinic_access(_clinician(request), patient_id)
    row = _own_entry(access.patient, day)
    return _history_page(request, access.patient, row, _clinic_url(access.patient))
