"""FHIR over HTTP: ``GET /fhir/Patient/{id}/$everything`` (a patient's record as a
Bundle, ``application/fhir+json``), ``GET /fhir/metadata``, and the clinicians' import
pages.

``$everything`` is read-only and authenticated: an API token (``Authorization: Bearer``,
see ``docs/api.md``) or the browser session. The patient themselves and the clinicians
of their clinic may read it; anyone else gets a 404 OperationOutcome, like a patient
that does not exist. Every read is audited as an export.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from fhir.resources import __fhir_version__
from fhir.resources.capabilitystatement import CapabilityStatement
from fhir.resources.operationoutcome import OperationOutcome

from quietlegs import AnswerError
from quietlegs.web.accounts.models import User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.assessments.problems import answer_problems
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.interop import export, importer
from quietlegs.web.interop.forms import ImportForm
from quietlegs.web.middleware import activate_clinic_time_zone
from quietlegs.web.records import services as records
from quietlegs.web.records.views import clinician_required

FHIR_JSON = "application/fhir+json; charset=utf-8"
NOT_AUTHENTICATED = (
    "Authentication required: send 'Authorization: Bearer <token>' (make a token at "
    "/api/v1/tokens/) or log in."
)
BAD_AUTH_HEADER = "The Authorization header must be 'Bearer <token>'."
INVALID_TOKEN = "Invalid or revoked API token."
NOT_FOUND = "No such patient, or not yours to see."


def _outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    """An OperationOutcome response (FHIR's error body)."""
    body = OperationOutcome(
        issue=[{"severity": "error", "code": code, "diagnostics": diagnostics}]
    ).model_dump_json()
    response = HttpResponse(body, status=status, content_type=FHIR_JSON)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="quietlegs"'
    return response


def _caller(request: HttpRequest) -> User | HttpResponse:
    """Who is calling: the token's owner, else the session's user; else a 401."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _outcome(401, "login", BAD_AUTH_HEADER)
        user = ApiToken.authenticate(token.strip())
        if user is None:
            return _outcome(401, "login", INVALID_TOKEN)
        activate_clinic_time_zone(user)  # the middleware saw no user: dates in the clinic's
        return user
    user_or_anonymous = request.user
    if isinstance(user_or_anonymous, User) and user_or_anonymous.is_active:
        return user_or_anonymous
    return _outcome(401, "login", NOT_AUTHENTICATED)


def _fhir_base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).rsplit("metadata", 1)[0]


@require_GET
def everything(request: HttpRequest, patient_id: int) -> HttpResponse:
    """``Patient/{id}/$everything``: the patient's record as a FHIR Bundle (collection)."""
    caller = _caller(request)
    if isinstance(caller, HttpResponse):
        return caller
    patient = caller.patients().filter(pk=patient_id).first()
    if patient is None or not caller.can_access_patient(patient):
        return _outcome(404, "not-found", NOT_FOUND)
    bundle = export.patient_bundle(patient, caller, _fhir_base(request))
    record(
        request, AuditEvent.Action.EXPORT, patient=patient, object_type="fhir_bundle", actor=caller
    )
    response = HttpResponse(bundle.model_dump_json(), content_type=FHIR_JSON)
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download") == "1":
        name = f"quietlegs-fhir-{patient.pk}-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: FHIR R5, JSON, read-only ``Patient/$everything``."""
    statement = CapabilityStatement(
        status="active",
        date=timezone.now().date().isoformat(),
        kind="instance",
        software={"name": "quietlegs"},
        implementation={"description": "quietlegs", "url": _fhir_base(request)},
        fhirVersion=__fhir_version__,
        format=["application/fhir+json"],
        rest=[
            {
                "mode": "server",
                "security": {"description": "Bearer API token or session; see docs/api.md"},
                "resource": [
                    {
                        "type": "Patient",
                        "operation": [
                            {
                                "name": "everything",
                                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                            }
                        ],
                    }
                ],
            }
        ],
    )
    return HttpResponse(statement.model_dump_json(), content_type=FHIR_JSON)


# --- import (clinicians, web pages) ------------------------------------------------------


def _import(request: HttpRequest, patient: User | None) -> HttpResponse:
    clinician = request.user
    if not isinstance(clinician, User):  # pragma: no cover - clinician_required guarantees it
        raise PermissionError
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data["bundle"].read(importer.MAX_BUNDLE_BYTES + 1)
            try:
                outcome = importer.import_bundle(request, clinician, data, patient=patient)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            except AnswerError as exc:
                form.add_error(
                    None,
                    _("The assessment could not be re-run, so nothing was imported: %(error)s")
                    % {"error": answer_problems(exc)},
                )
            else:
                _report(request, outcome)
                return redirect(reverse("records:patient", args=[outcome.patient.pk]))
    return render(
        request,
        "fhir/import.html",
        {"form": form, "patient": patient, "max_mb": importer.MAX_BUNDLE_BYTES // (1024 * 1024)},
        status=status,
    )


def _report(request: HttpRequest, outcome: importer.ImportOutcome) -> None:
    parts: list[str] = []
    if outcome.created_patient:
        parts.append(_("A new patient was created."))
    elif outcome.updated_fields:
        parts.append(_("The patient's details were updated."))
    parts.append(
        _("Lab results imported: %(count)d (already on record: %(duplicates)d).")
        % {"count": len(outcome.lab_results), "duplicates": outcome.duplicates}
    )
    if outcome.assessment is not None:
        parts.append(_("The assessment was re-run with them."))
    if outcome.skipped:
        parts.append(
            _("Not imported (quietlegs imports only Patient and lab Observations): %(skipped)s.")
            % {"skipped": ", ".join(f"{k} × {v}" for k, v in sorted(outcome.skipped.items()))}
        )
    messages.success(request, " ".join(parts))


@require_http_methods(["GET", "POST"])
@clinician_required
def import_bundle(request: HttpRequest) -> HttpResponse:
    """Import a Bundle into the clinic: its Patient is matched or created."""
    return _import(request, None)


@require_http_methods(["GET", "POST"])
@clinician_required
def import_into_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Import a Bundle's lab results (and details) into this patient's record."""
    clinician = request.user
    if not isinstance(clinician, User):  # pragma: no cover
        raise PermissionError
    patient = records.get_patient(clinician, patient_id)
    return _import(request, patient)


def context_links(patient: User) -> dict[str, Any]:
    """The FHIR links of a patient's page."""
    return {
        "patient": patient,
        "export_url": reverse("fhir:everything", args=[patient.pk]) + "?download=1",
        "import_url": reverse("fhir:import_patient", args=[patient.pk]),
    }
