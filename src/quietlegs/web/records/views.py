"""The clinician workspace: the clinic's patients, a patient's record, and additions to it.

Only clinicians and clinic administrators get in (others: login page or 404); a
patient of another clinic is a 404. Every page showing a record and every change
writes an audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from quietlegs import AnswerError
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.problems import answer_problems
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import current_language
from quietlegs.web.records import psg, services
from quietlegs.web.records.forms import (
    ClinicalNoteForm,
    ExamFindingForm,
    LabResultForm,
    PatientFilterForm,
    focus_first_error,
)
from quietlegs.web.records.models import PSGStudy

View = Callable[..., HttpResponseBase]


class PSGUploadForm(forms.Form):
    """A PSG recording (EDF/EDF+) and the scoring rules to analyse it with."""

    file = forms.FileField(
        label=gettext_lazy("PSG recording (EDF or EDF+)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".edf,.rec,.EDF,.REC"}),
    )
    rules = forms.ChoiceField(
        label=gettext_lazy("Scoring rules"),
        choices=PSGStudy.Rules.choices,
        initial=PSGStudy.Rules.WASM2016,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "psg")
        super().__init__(*args, **kwargs)

    @classmethod
    def refused_unread(cls, problem: str) -> PSGUploadForm:
        """The form of an upload refused before its body was read (declared too large).

        Nothing of the request is known, so the rules are the default ones; the file
        field carries ``problem``, shown with the form's other problems.

        Parameters
        ----------
        problem : str
            Why the file was refused, translated.

        Returns
        -------
        PSGUploadForm
            A bound form whose only error is ``problem``, on the file field.
        """
        form = cls(data={"psg-rules": PSGStudy.Rules.WASM2016}, files={})
        file_field = form.fields["file"]  # this form's own copy of the field
        file_field.required = False  # the file was never read: its size is its problem
        form.full_clean()
        file_field.required = True
        form.add_error("file", ValidationError(problem, code="size"))
        return form


def clinician_required(view: View) -> View:
    """Let clinicians and clinic admins in; send others to log in, or 404 if logged in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not isinstance(user, User) or not user.is_clinician:
            raise Http404("Not a clinician.")
        return view(request, *args, **kwargs)

    return wrapper


def _clinician(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - clinician_required guarantees it
        raise Http404("Not a clinician.")
    return user


@require_GET
@clinician_required
def patient_list(request: HttpRequest) -> HttpResponse:
    """The clinic's patients, most urgent and most recent first; search and filter."""
    user = _clinician(request)
    form = PatientFilterForm(request.GET or None)
    q = urgency = ""
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        urgency = form.cleaned_data["urgency"]
    patients = services.patient_list(user, q=q, urgency=urgency)
    page = Paginator(patients, services.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [services.list_row(p, current_language()) for p in page.object_list]
    record(request, AuditEvent.Action.VIEW, patient=None, object_type="patient_list")
    filters = urlencode({k: v for k, v in (("q", q), ("urgency", urgency)) if v})
    return render(
        request,
        "records/patient_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filters": filters,
            "filtered": bool(q or urgency),
            "clinic": user.clinic,
        },
    )


def _render_patient(
    request: HttpRequest,
    patient: User,
    *,
    lab_form: LabResultForm | None = None,
    finding_form: ExamFindingForm | None = None,
    note_form: ClinicalNoteForm | None = None,
    psg_form: PSGUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the patient page and write its audit entry (one per page shown)."""
    lang = current_language()
    context = {
        "record": services.patient_record(patient, lang),
        "patient": patient,
        "lab_form": lab_form or LabResultForm(),
        "finding_form": finding_form or ExamFindingForm(),
        "note_form": note_form or ClinicalNoteForm(),
        "psg_form": psg_form or PSGUploadForm(),
        "psg_studies": psg.patient_studies(patient),
        "psg_max_mb": psg.max_bytes() // (1024 * 1024),
    }
    record(
        request,
        AuditEvent.Action.VIEW,
        patient=patient,
        obj=patient,
        object_type="patient_record",
    )
    return render(request, "records/patient_detail.html", context, status=status)


def _patient_url(patient: User, anchor: str = "") -> str:
    url = reverse("records:patient", args=[patient.pk])
    return f"{url}#{anchor}" if anchor else url


@require_GET
@clinician_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's record: assessments, results, findings, notes, and the forms to add."""
    patient = services.get_patient(_clinician(request), patient_id)
    return _render_patient(request, patient)


@require_POST
@clinician_required
def add_lab_result(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Record a lab result and re-run the assessment (all or nothing)."""
    clinician = _clinician(request)
    patient = services.get_patient(clinician, patient_id)
    form = LabResultForm(request.POST)
    if form.is_valid():
        try:
            outcome = services.add_lab_result(request, patient, clinician, **form.cleaned_data)
        except PermissionError as exc:  # get_patient already checked; never reveal
            raise Http404("No such patient.") from exc
        except ValidationError as exc:
            form.add_error(None, exc)
        except AnswerError as exc:
            form.add_error(
                None,
                _("The assessment could not be re-run, so the result was not saved: %(error)s")
                % {"error": answer_problems(exc)},
            )
        else:
            if outcome.assessment is None:
                messages.success(
                    request,
                    _(
                        "The result was saved. The patient has no assessment yet, "
                        "so there was nothing to re-run."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("The result was saved and the assessment re-run: %(urgency)s.")
                    % {
                        "urgency": services.urgency_label(
                            outcome.assessment.urgency, current_language()
                        )
                    },
                )
            return HttpResponseRedirect(_patient_url(patient, "assessments"))
    focus_first_error(form)
    return _render_patient(request, patient, lab_form=form, status=400)


def _add_text(
    request: HttpRequest,
    patient_id: int,
    form_class: type[ExamFindingForm] | type[ClinicalNoteForm],
    store: Callable[..., object],
    saved_message: str,
    anchor: str,
) -> HttpResponse:
    """Validate a finding or note form, store it through ``store``, and go back to the page."""
    clinician = _clinician(request)
    patient = services.get_patient(clinician, patient_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            store(request, patient, clinician, text=form.cleaned_data["text"])
        except PermissionError as exc:
            raise Http404("No such patient.") from exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, saved_message)
            return redirect(_patient_url(patient, anchor))
    focus_first_error(form)
    return _render_patient(
        request,
        patient,
        status=400,
        finding_form=form if isinstance(form, ExamFindingForm) else None,
        note_form=form if isinstance(form, ClinicalNoteForm) else None,
    )


@require_POST
@clinician_required
def add_exam_finding(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Record an examination finding."""
    return _add_text(
        request,
        patient_id,
        ExamFindingForm,
        services.add_exam_finding,
        _("The examination finding was saved."),
        "findings",
    )


@require_POST
@clinician_required
def add_note(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Record a clinical note."""
    return _add_text(
        request,
        patient_id,
        ClinicalNoteForm,
        services.add_note,
        _("The note was saved."),
        "notes",
    )


@require_POST
@clinician_required
def upload_psg(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Upload a PSG recording; its analysis runs in the background."""
    clinician = _clinician(request)
    patient = services.get_patient(clinician, patient_id)
    if psg.request_too_large(request):  # refuse before reading the body into a temp file
        refused = PSGUploadForm.refused_unread(psg.too_large_message())
        focus_first_error(refused)
        return _render_patient(request, patient, psg_form=refused, status=400)
    form = PSGUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            study = psg.submit_study(
                request,
                patient,
                clinician,
                form.cleaned_data["file"],
                form.cleaned_data["rules"],
            )
        except PermissionError as exc:
            raise Http404("No such patient.") from exc
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if study.status == PSGStudy.Status.DONE:
                messages.success(request, _("The recording was uploaded and analysed."))
            elif study.status == PSGStudy.Status.FAILED:
                messages.error(request, _("The recording was uploaded but could not be analysed."))
            else:
                messages.success(
                    request,
                    _("The recording was uploaded; its analysis is running in the background."),
                )
            return redirect(_patient_url(patient, "psg"))
    focus_first_error(form)
    return _render_patient(request, patient, psg_form=form, status=400)


@require_GET
@clinician_required
def psg_study(request: HttpRequest, patient_id: int, study_id: int) -> HttpResponse:
    """A PSG study's full report: every index, PLMS by stage, the number of events."""
    patient = services.get_patient(_clinician(request), patient_id)
    study = psg.get_study(request, patient, study_id)
    return render(
        request,
        "records/psg_study.html",
        {"patient": patient, "item": psg.study_detail(study)},
    )


@require_GET
@clinician_required
def psg_study_file(
    request: HttpRequest, patient_id: int, study_id: int, name: str
) -> HttpResponseBase:
    """A file of a PSG study's report: the figure (PNG) or the events table (CSV)."""
    patient = services.get_patient(_clinician(request), patient_id)
    study = psg.get_study(request, patient, study_id)
    path = psg.report_file_path(study, name)
    if not path.is_file():
        raise Http404("This study has no such file.")
    download = name.endswith(".csv")
    stem = Path(study.original_name).stem or "study"
    return FileResponse(
        path.open("rb"),
        content_type=psg.REPORT_FILES[name],
        as_attachment=download,
        filename=f"{stem}-{name}",
    )
