"""Tremor recordings: a patient's upload page and the report, the figure.

The patient uploads and sees their own recordings; clinicians of the patient's clinic see
the report from the patient's record. Anyone else gets a 404. Every page writes an audit
entry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quietlegs import AnswerError
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.problems import answer_problems
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import current_language
from quietlegs.web.tremor import services
from quietlegs.web.tremor.forms import TremorUploadForm


def _user(request: HttpRequest) -> User:
    user: Any = request.user
    if not isinstance(user, User):  # pragma: no cover - login_required guarantees it
        raise Http404
    return user


def _render_index(
    request: HttpRequest, patient: User, form: TremorUploadForm, status: int = 200
) -> HttpResponse:
    rows = [services.summary(r) for r in services.patient_recordings(patient)]
    record(request, AuditEvent.Action.VIEW, patient=patient, object_type="tremor_recordings")
    return render(
        request,
        "tremor/index.html",
        {"form": form, "rows": rows, "max_mb": services.max_bytes() // (1024 * 1024)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponseBase:
    """My tremor recordings: how to record, the upload form, the list (patients only)."""
    patient = _user(request)
    if not patient.is_patient:
        raise Http404("Patients only.")
    if request.method == "GET":
        return _render_index(request, patient, TremorUploadForm())
    if services.request_too_large(request):  # refuse before reading the body into a file
        messages.error(request, services.too_large_message())
        return redirect("tremor:index")
    form = TremorUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            item = services.submit_recording(
                request, patient, patient, form.cleaned_data["file"], form.cleaned_data["task"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("The recording was analysed."))
            return redirect("tremor:report", recording_id=item.pk)
    return _render_index(request, patient, form, status=400)


@login_required
@require_GET
def report(request: HttpRequest, recording_id: int) -> HttpResponse:
    """A recording's report: the measurement, the figure, what it means, when to get help."""
    user = _user(request)
    item = services.get_recording(request, user, recording_id)
    own = user.pk == item.patient_id
    return render(
        request,
        "tremor/report.html",
        {
            "view": services.report_view(item, current_language()),
            "patient": item.patient,
            "own": own,
            "offer": services.reassess_offer(item) if own else None,
        },
    )


@login_required
@require_POST
def reassess(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Re-run the patient's latest assessment with this recording's measured tremor, then
    show the new report (the patient's own recordings only; anyone else gets a 404)."""
    user = _user(request)
    item = services.get_recording(request, user, recording_id)
    if user.pk != item.patient_id:
        raise Http404("No such recording.")
    back = redirect("tremor:report", recording_id=item.pk)
    try:
        outcome = services.reassess_with_measurement(request, user, user, item)
    except PermissionError as exc:  # an inactive account; never reveal more
        raise Http404("No such recording.") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    except AnswerError as exc:
        messages.error(
            request,
            _("The assessment could not be re-run with this measurement: %(error)s")
            % {"error": answer_problems(exc)},
        )
        return back
    if outcome.created:
        messages.success(
            request,
            _("Your assessment was re-run with the measured tremor: this is the new report."),
        )
    else:
        messages.info(request, _("Your latest assessment already includes this measurement."))
    return redirect("assessments:report", pk=outcome.assessment.pk)


@login_required
@require_GET
def figure(request: HttpRequest, recording_id: int) -> FileResponse:
    """The recording's figure (PNG)."""
    item = services.get_recording(request, _user(request), recording_id, what="tremor_figure")
    try:
        handle = open(item.figure_path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError as exc:
        raise Http404("The figure is missing.") from exc
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
