"""Patient accounts: sign-up, log-in/out, password reset, my assessments, compare,
profile, export of all my data, and deleting the account.

Every read or change of the patient's record is audited.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from quietlegs.web.accounts.compare import compare_reports
from quietlegs.web.accounts.forms import (
    DeleteAccountForm,
    EmailAuthenticationForm,
    ProfileForm,
    SignupForm,
)
from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.session import claim_anonymous_assessments
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary import services as diary_services
from quietlegs.web.knowledge import current_language
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult
from quietlegs.web.tremor.models import TremorRecording

#: Where a clinician's or clinic admin's "home" is (their workspace).
CLINIC_HOME = "/clinic/"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _with_language(response: HttpResponseBase, user: User) -> HttpResponseBase:
    """Switch the UI to the user's preferred language (the language cookie)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.preferred_language,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def _patient(request: HttpRequest) -> User:
    """The logged-in patient (views for patients only; anyone else gets a 404)."""
    user: Any = request.user
    if not (user.is_authenticated and user.is_patient):
        raise Http404
    patient: User = user
    return patient


def _saved_message(request: HttpRequest, count: int) -> None:
    if count == 1:
        messages.success(request, _("Your report was saved to your account."))
    elif count > 1:
        messages.success(
            request,
            ngettext(
                "%(count)d report was saved to your account.",
                "%(count)d reports were saved to your account.",
                count,
            )
            % {"count": count},
        )


# -- sign-up, log-in, log-out ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponseBase:
    """Create a patient account; any reports made in this session are saved in it."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        record(request, AuditEvent.Action.CREATE, patient=user, obj=user, object_type="account")
        _saved_message(request, claim_anonymous_assessments(request, user))
        return _with_language(redirect(_safe_next(request, "/accounts/")), user)
    return render(
        request, "accounts/signup.html", {"form": form, "next": request.GET.get("next", "")}
    )


class QuietlegsLoginView(LoginView):
    """Django's log-in (throttled by django-axes); saves this session's reports."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user: User = form.get_user()
        _saved_message(self.request, claim_anonymous_assessments(self.request, user))
        _with_language(response, user)
        return response


# -- my assessments and comparing them ---------------------------------------------------


def _row(assessment: Assessment, lang: str) -> dict[str, Any]:
    report = assessment.report(lang)
    conditions = report.get("conditions") or []
    return {
        "assessment": assessment,
        "urgency": report["urgency"],
        "urgency_label": report["urgency_label"],
        "top_condition": conditions[0]["name"] if conditions else "",
        "top_band": conditions[0]["likelihood_label"] if conditions else "",
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    """My assessments: date, urgency, top condition, link (clinicians go to their workspace)."""
    user: Any = request.user
    if user.is_reception:
        return redirect("scheduling:reception")
    if not user.is_patient:
        return redirect(CLINIC_HOME)
    lang = current_language()
    assessments = list(Assessment.objects.filter(patient=user))
    record(request, AuditEvent.Action.VIEW, patient=user, object_type="assessment_list")
    return render(
        request,
        "accounts/home.html",
        {"rows": [_row(a, lang) for a in assessments], "assessments": assessments},
    )


def _own_assessment(request: HttpRequest, value: str) -> Assessment:
    try:
        key = uuid.UUID(value)
    except ValueError as exc:
        raise Http404 from exc
    found = Assessment.objects.visible_to(request.user).filter(pk=key).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Two of my assessments side by side (``?a=<id>&b=<id>``), earlier one first."""
    patient = _patient(request)
    lang = current_language()
    choices = [_row(a, lang) for a in Assessment.objects.filter(patient=patient)]
    a_id, b_id = request.GET.get("a", ""), request.GET.get("b", "")
    context: dict[str, Any] = {"choices": choices, "a": a_id, "b": b_id}
    if a_id and b_id:
        first, second = _own_assessment(request, a_id), _own_assessment(request, b_id)
        before, after = sorted((first, second), key=lambda x: (x.created_at, str(x.pk)))
        for shown in (before, after):
            record(request, AuditEvent.Action.VIEW, patient=patient, obj=shown)
        context.update(
            before=before,
            after=after,
            comparison=compare_reports(before.report(lang), after.report(lang)),
        )
    return render(request, "accounts/compare.html", context)


# -- profile ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponseBase:
    """The profile questions (age, sex, pregnancy, medicines, conditions) the interview reuses."""
    patient = _patient(request)
    lang = current_language()
    saved, _created = PatientProfile.objects.get_or_create(user=patient)
    if request.method == "POST":
        form = ProfileForm(lang, saved.answers, request.POST)
        if form.is_valid():
            with transaction.atomic():
                saved.answers = form.answers
                saved.save()
                record(request, AuditEvent.Action.UPDATE, patient=patient, obj=saved)
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(lang, saved.answers)
        record(request, AuditEvent.Action.VIEW, patient=patient, obj=saved)
    return render(request, "accounts/profile.html", {"form": form})


# -- export and delete ---------------------------------------------------------------


def export_data(patient: User) -> dict[str, Any]:
    """Everything quietlegs keeps about ``patient``, as JSON-ready data.

    Parameters
    ----------
    patient : User
        The patient.

    Returns
    -------
    data : dict
        Account, profile answers, every assessment with its answers and stored
        reports, lab results, examination findings, clinical notes and tremor
        measurements.
        reports, lab results, examination findings, clinical notes, and the diary
        (every entry with its earlier versions, treatments, reminder setting).
    """
    profile = PatientProfile.objects.filter(user=patient).first()
    return {
        "format": "quietlegs-export-1",
        "exported_at": timezone.now(),
        "account": {
            "email": patient.email,
            "name": patient.get_full_name(),
            "preferred_language": patient.preferred_language,
            "clinic": patient.clinic.name if patient.clinic else None,
            "date_joined": patient.date_joined,
        },
        "profile": profile.answers if profile else {},
        "assessments": [
            {
                "id": str(a.pk),
                "created_at": a.created_at,
                "source": a.source,
                "based_on": str(a.based_on_id) if a.based_on_id else None,
                "answers": a.answers,
                "skipped": a.skipped,
                "knowledge_version": a.knowledge_version,
                "urgency": a.urgency,
                "top_condition": a.top_condition,
                "reports": a.reports,
            }
            for a in Assessment.objects.filter(patient=patient).order_by("created_at")
        ],
        "lab_results": [
            {
                "test": r.question_id,
                "value": r.value,
                "measured_on": r.measured_on,
                "recorded_at": r.created_at,
            }
            for r in LabResult.objects.filter(patient=patient).order_by("measured_on")
        ],
        "exam_findings": [
            {"text": f.text, "recorded_at": f.created_at}
            for f in ExamFinding.objects.filter(patient=patient).order_by("created_at")
        ],
        "clinical_notes": [
            {"text": n.text, "recorded_at": n.created_at}
            for n in ClinicalNote.objects.filter(patient=patient).order_by("created_at")
        ],
        "tremor_recordings": [
            {
                "file_name": t.original_name,
                "task": t.task,
                "uploaded_at": t.created_at,
                "result": t.result,
            }
            for t in TremorRecording.objects.filter(patient=patient).order_by("created_at")
        ],
        **diary_services.export_data(patient),
    }


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Download all my data as a JSON file (audited as an export)."""
    patient = _patient(request)
    data = export_data(patient)
    record(request, AuditEvent.Action.EXPORT, patient=patient, object_type="export")
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"quietlegs-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponseBase:
    """Delete my account and everything in it, after confirming with the password.

    The audit log keeps its entries (with the e-mail address as a label); their link
    to the deleted account is cleared by the database.
    """
    patient = _patient(request)
    form = DeleteAccountForm(patient, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            record(request, AuditEvent.Action.DELETE, patient=patient, object_type="account")
            logout(request)
            patient.delete()
        messages.success(request, _("Your account and all your data were deleted."))
        return redirect("assessments:start")
    return render(request, "accounts/delete.html", {"form": form})
