"""Visit reports: write and sign (clinicians), read and download as PDF (clinicians of
the clinic and the patient themselves), amend by a new version.

A report of another clinic's patient, or another patient's, is a 404. Every read,
download and signature is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import current_language
from quietlegs.web.records import services as records
from quietlegs.web.records.views import clinician_required
from quietlegs.web.visitreports import services
from quietlegs.web.visitreports.content import build_content, in_language
from quietlegs.web.visitreports.forms import VisitReportForm
from quietlegs.web.visitreports.models import VisitReport
from quietlegs.web.visitreports.pdf import report_pdf_response


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise Http404("Not logged in.")
    return user


def _preview(patient: User, clinician: User, summary: str) -> dict[str, Any]:
    """What the report would say if signed now (shown under the form; not stored)."""
    today = timezone.localdate()
    content = build_content(
        patient,
        clinician,
        visit_date=today,
        summary=summary,
        assessment=Assessment.objects.filter(patient=patient).order_by("-created_at").first(),
        signed_at=timezone.now(),
    )
    return in_language(content, current_language())


def _write(
    request: HttpRequest, patient: User, clinician: User, amends: VisitReport | None
) -> HttpResponse:
    """The form (GET) and signing (POST), for a new report or an amendment."""
    if request.method == "POST":
        form = VisitReportForm(request.POST)
        if form.is_valid():
            try:
                outcome = services.sign_report(
                    request,
                    patient,
                    clinician,
                    visit_date=form.cleaned_data["visit_date"],
                    summary=form.cleaned_data["summary"],
                    nonce=form.cleaned_data["nonce"],
                    amends=amends,
                )
            except PermissionError as exc:
                raise Http404("No such patient.") from exc
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if outcome.created:
                    messages.success(request, _("The visit report is signed."))
                else:
                    messages.info(request, _("This report was already signed; nothing changed."))
                return redirect("visitreports:report", report_id=outcome.report.pk)
        status = 400
    else:
        initial = {"summary": amends.summary} if amends is not None else {}
        form = VisitReportForm(initial=initial)
        status = 200
    record(request, AuditEvent.Action.VIEW, patient=patient, object_type="visit_report_form")
    return render(
        request,
        "visitreports/form.html",
        {
            "form": form,
            "patient": patient,
            "amends": amends,
            "c": _preview(patient, clinician, str(form["summary"].value() or "")),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@clinician_required
def new_report(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Write and sign a visit report for a patient."""
    clinician = _user(request)
    patient = records.get_patient(clinician, patient_id)
    return _write(request, patient, clinician, None)


@require_http_methods(["GET", "POST"])
@clinician_required
def amend(request: HttpRequest, report_id: int) -> HttpResponse:
    """Amend a signed report: sign a new version (the latest version only)."""
    clinician = _user(request)
    report = services.get_report(request, clinician, report_id)
    latest = services.latest_version(report)
    if latest.pk != report.pk:
        messages.info(
            request,
            _("Version %(version)d is not the latest; amend version %(latest)d instead.")
            % {"version": report.version, "latest": latest.version},
        )
        return redirect("visitreports:report", report_id=latest.pk)
    return _write(request, report.patient, clinician, report)


def _report_context(report: VisitReport) -> dict[str, Any]:
    return {
        "report": report,
        "patient": report.patient,
        "c": in_language(report.content, current_language()),
        "verified": report.verify(),
        "amended_by": VisitReport.objects.filter(amends=report).first(),
    }


@require_GET
@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """A signed report, as signed (the patient's own, or a clinician's patient's)."""
    user = _user(request)
    report = services.get_report(request, user, report_id)
    context = _report_context(report)
    context["can_amend"] = user.is_clinician and context["amended_by"] is None
    return render(request, "visitreports/detail.html", context)


@require_GET
@login_required
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    """A signed report as a PDF download (audited as an export)."""
    user = _user(request)
    report = services.get_report(request, user, report_id)
    record(request, AuditEvent.Action.EXPORT, patient=report.patient, obj=report, actor=user)
    return report_pdf_response(request, report, _report_context(report))
