"""The clinician workspace's business rules: which patients, what their record shows,
and adding results, findings and notes (a result re-runs the assessment).

Views only parse the request, call these functions and render; every clinical
text shown comes from the stored reports or the knowledge base.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quietlegs.knowledge.schema import URGENCY_LEVELS
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import kb
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult, lab_question_ids

#: Patients per page of the workspace list.
PAGE_SIZE = 25

#: Labels of the treatment-information grades shown on the patient page.
DIRECTION_LABELS: dict[str, Any] = {
    "for": _("recommended"),
    "against": _("recommended against"),
    "against_standard_use": _("against standard use"),
    "no_recommendation": _("no recommendation"),
}
STRENGTH_LABELS: dict[str, Any] = {
    "strong": _("strong"),
    "conditional": _("conditional"),
    "good_practice": _("good practice"),
    "not_graded": _("not graded"),
}


# --- who may see whom ----------------------------------------------------------------------


def patient_list(user: User, *, q: str = "", urgency: str = "") -> models.QuerySet[User]:
    """The patients of ``user``'s clinic with their latest assessment, most urgent first.

    Parameters
    ----------
    user : User
        A clinician or clinic admin (anyone else gets an empty list).
    q : str
        Part of a name or e-mail address to search for (case-insensitive).
    urgency : str
        One of the knowledge base's urgency levels to keep only patients whose
        latest assessment has it; empty for all.

    Returns
    -------
    QuerySet[User]
        Annotated with ``latest_at``, ``latest_urgency``, ``latest_top_condition`` and
        ``urgency_rank``; ordered by urgency, then the most recent assessment.
    """
    latest = Assessment.objects.filter(patient=OuterRef("pk")).order_by("-created_at")
    qs = user.patients().annotate(
        latest_at=Subquery(latest.values("created_at")[:1]),
        latest_urgency=Subquery(latest.values("urgency")[:1]),
        latest_top_condition=Subquery(latest.values("top_condition")[:1]),
    )
    qs = qs.annotate(
        urgency_rank=Case(
            *(When(latest_urgency=level, then=Value(i)) for i, level in enumerate(URGENCY_LEVELS)),
            default=Value(len(URGENCY_LEVELS)),
            output_field=IntegerField(),
        )
    )
    q = q.strip()
    if q:
        for word in q.split():
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
    if urgency:
        qs = qs.filter(latest_urgency=urgency)
    return qs.order_by(
        "urgency_rank", F("latest_at").desc(nulls_last=True), "last_name", "first_name", "pk"
    )


def get_patient(user: User, patient_id: int) -> User:
    """Return patient ``patient_id`` if ``user`` may see them.

    Raises
    ------
    Http404
        If there is no such patient or they are not in ``user``'s clinic (the
        two cases look the same, so the page does not reveal who exists).
    """
    patient = user.patients().filter(pk=patient_id).first()
    if patient is None or not user.can_access_patient(patient):
        raise Http404("No such patient.")
    return patient


# --- what a record shows -------------------------------------------------------------------


def urgency_label(urgency: str, lang: str) -> str:
    """The knowledge base's wording of an urgency level (the level itself if unknown)."""
    key = f"urgency_{urgency}"
    texts = kb().meta.texts
    return texts[key].get(lang) if key in texts else urgency


def condition_name(condition_id: str, lang: str) -> str:
    """The knowledge base's name of a condition (its id if the knowledge base dropped it)."""
    condition = kb().conditions.get(condition_id)
    return condition.name.get(lang) if condition is not None else condition_id


def lab_label(question_id: str, lang: str) -> str:
    """A lab test's name with its unit, e.g. ``Serum ferritin (...) (ng/mL)``."""
    question = kb().questions.get(question_id)
    if question is None:
        return question_id
    text = question.text.get(lang)
    if question.range is not None and question.range.unit is not None:
        return f"{text} ({question.range.unit.get(lang)})"
    return text


def lab_unit(question_id: str, lang: str) -> str:
    """A lab test's unit in ``lang`` (empty if it has none)."""
    question = kb().questions.get(question_id)
    if question is None or question.range is None or question.range.unit is None:
        return ""
    return question.range.unit.get(lang)


def lab_choices(lang: str) -> list[tuple[str, str]]:
    """The tests a clinician may record, as ``(question id, label)`` pairs."""
    return [(qid, lab_label(qid, lang)) for qid in lab_question_ids()]


def list_row(patient: User, lang: str) -> dict[str, Any]:
    """One row of the workspace list, from a patient annotated by :func:`patient_list`."""
    urgency = getattr(patient, "latest_urgency", None) or ""
    top = getattr(patient, "latest_top_condition", None) or ""
    return {
        "patient": patient,
        "latest_at": getattr(patient, "latest_at", None),
        "urgency": urgency,
        "urgency_label": urgency_label(urgency, lang) if urgency else "",
        "top_condition": condition_name(top, lang) if top else "",
    }


@dataclass
class AssessmentView:
    """One assessment as the patient page shows it (texts from its stored report)."""

    assessment: Assessment
    source_label: str
    urgency: str
    urgency_label: str
    urgency_reason: str
    red_flags: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    tests: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    treatments: list[dict[str, Any]]
    lab_answers: list[tuple[str, str]] = field(default_factory=list)


def assessment_view(assessment: Assessment, lang: str) -> AssessmentView:
    """Pick what the clinician needs from a stored report in ``lang``."""
    report = assessment.report(lang)
    conditions = []
    for c in report.get("conditions", []):
        conditions.append(
            {
                "id": c["id"],
                "name": c["name"],
                "band": c.get("likelihood_label") or c.get("likelihood", ""),
                "criteria": c.get("criteria", []),
                "criteria_met": sum(1 for cr in c.get("criteria", []) if cr.get("met") is True),
                "specifiers": c.get("specifiers", []),
                "form": c.get("form"),
            }
        )
    treatments = [
        {
            **t,
            "direction_label": DIRECTION_LABELS.get(t.get("direction", ""), t.get("direction")),
            "strength_label": STRENGTH_LABELS.get(t.get("strength", ""), t.get("strength")),
        }
        for t in report.get("treatments", [])
    ]
    labs = [
        (lab_label(qid, lang), f"{assessment.answers[qid]:g}")
        for qid in lab_question_ids()
        if isinstance(assessment.answers.get(qid), int | float)
    ]
    return AssessmentView(
        assessment=assessment,
        source_label=str(assessment.get_source_display()),
        urgency=report.get("urgency", assessment.urgency),
        urgency_label=report.get("urgency_label", assessment.urgency),
        urgency_reason=report.get("urgency_reason", ""),
        red_flags=report.get("red_flags", []),
        conditions=conditions,
        tests=report.get("tests", []),
        referrals=report.get("referrals", []),
        treatments=treatments,
        lab_answers=labs,
    )


@dataclass
class PatientRecord:
    """Everything the patient page shows."""

    patient: User
    assessments: list[AssessmentView]
    lab_results: list[dict[str, Any]]
    exam_findings: models.QuerySet[ExamFinding]
    notes: models.QuerySet[ClinicalNote]


def patient_record(patient: User, lang: str) -> PatientRecord:
    """Collect ``patient``'s assessments, results, findings and notes (newest first)."""
    assessments = [
        assessment_view(a, lang)
        for a in Assessment.objects.filter(patient=patient).select_related("created_by")
    ]
    labs = [
        {
            "result": r,
            "label": lab_label(r.question_id, lang),
            "unit": lab_unit(r.question_id, lang),
            "value": f"{r.value:g}",
        }
        for r in LabResult.objects.filter(patient=patient).select_related("recorded_by")
    ]
    return PatientRecord(
        patient=patient,
        assessments=assessments,
        lab_results=labs,
        exam_findings=ExamFinding.objects.filter(patient=patient).select_related("recorded_by"),
        notes=ClinicalNote.objects.filter(patient=patient).select_related("author"),
    )


# --- changes -------------------------------------------------------------------------------


#: No sample is dated before this: an older date is a typing error (a year of 1800), and
#: a result that old would sort as the oldest and never be used by a re-run.
EARLIEST_SAMPLE_DATE = datetime.date(1970, 1, 1)


def check_sample_date(measured_on: datetime.date) -> None:
    """Refuse a sample date in the future (the clinic's local date) or implausibly old.

    Raises
    ------
    ValidationError
        If the date is after today or before :data:`EARLIEST_SAMPLE_DATE`.
    """
    if measured_on > timezone.localdate():
        raise ValidationError(_("The date of the sample cannot be in the future."), code="future")
    if measured_on < EARLIEST_SAMPLE_DATE:
        raise ValidationError(
            _("The date of the sample cannot be before %(date)s.")
            % {"date": EARLIEST_SAMPLE_DATE.isoformat()},
            code="too_old",
        )


def _check_text(value: str, model: type[models.Model], field_name: str) -> str:
    """Strip ``value`` and check it is not empty and fits the model field's length."""
    text = value.strip()
    model_field = model._meta.get_field(field_name)
    max_length = model_field.max_length if isinstance(model_field, models.Field) else None
    if not text:
        raise ValidationError({field_name: _("This field is required.")}, code="required")
    if max_length is not None and len(text) > max_length:
        raise ValidationError(
            {
                field_name: _("The text is too long: at most %(max)d characters, got %(length)d.")
                % {"max": max_length, "length": len(text)}
            },
            code="max_length",
        )
    return text


@dataclass
class LabOutcome:
    """What adding a result did: the result, and the re-run assessment if there was one."""

    result: LabResult
    assessment: Assessment | None


def rerun_assessment(patient: User, clinician: User) -> Assessment | None:
    """Re-assess ``patient`` with their latest answers and their latest results.

    Takes the answers of the patient's most recent assessment (from any
    source), overlays the latest value of each lab test and stores a new
    assessment made by ``clinician``, based on that one.

    Returns
    -------
    Assessment | None
        The new assessment; ``None`` if the patient has no assessment yet.

    Raises
    ------
    AnswerError
        If the core rejects the combined answers (nothing is stored).
    """
    latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    if latest is None:
        return None
    answers = {**latest.answers, **LabResult.latest_answers(patient)}
    skipped = [q for q in latest.skipped if q not in answers]
    return Assessment.create_from_answers(
        answers,
        skipped=skipped,
        patient=patient,
        created_by=clinician,
        source=Assessment.Source.CLINICIAN,
        based_on=latest,
    )


def add_lab_result(
    request: HttpRequest | None,
    patient: User,
    clinician: User,
    *,
    question_id: str,
    value: float,
    measured_on: datetime.date,
) -> LabOutcome:
    """Store a lab result, re-run the assessment and write the audit entry, all or nothing.

    Parameters
    ----------
    request : HttpRequest | None
        The request, for the audit entry.
    patient, clinician : User
        Whose result, and who records it (must be allowed to see the patient).
    question_id : str
        A knowledge-base question for clinicians (e.g. ``ferritin_ng_ml``).
    value : float
        The result, in the question's unit.
    measured_on : date
        When the sample was taken (not in the future).

    Raises
    ------
    ValidationError
        If the test is unknown, the value is out of the knowledge base's range or
        the date is in the future.
    AnswerError
        If the re-run assessment fails; the result is not stored either.
    PermissionError
        If ``clinician`` may not change ``patient``'s record.
    """
    if not clinician.is_clinician or not clinician.can_access_patient(patient):
        raise PermissionError("this person may not change this patient's record")
    result = LabResult(
        patient=patient,
        recorded_by=clinician,
        question_id=question_id,
        value=value,
        measured_on=measured_on,
    )
    errors: dict[str, Any] = {}
    try:
        result.full_clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:
        check_sample_date(measured_on)
    except ValidationError as exc:
        errors.setdefault("measured_on", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        result.save()
        assessment = rerun_assessment(patient, clinician)
        record(request, AuditEvent.Action.CREATE, patient=patient, obj=result, actor=clinician)
    return LabOutcome(result=result, assessment=assessment)


def _add_text_entry(
    request: HttpRequest | None,
    patient: User,
    clinician: User,
    entry: ExamFinding | ClinicalNote,
) -> None:
    """Validate and store a finding or a note with its audit entry, in one transaction."""
    if not clinician.is_clinician or not clinician.can_access_patient(patient):
        raise PermissionError("this person may not change this patient's record")
    entry.text = _check_text(entry.text, type(entry), "text")
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        record(request, AuditEvent.Action.CREATE, patient=patient, obj=entry, actor=clinician)


def add_exam_finding(
    request: HttpRequest | None, patient: User, clinician: User, *, text: str
) -> ExamFinding:
    """Store an examination finding and its audit entry.

    Raises
    ------
    ValidationError
        If the text is empty or too long.
    PermissionError
        If ``clinician`` may not change ``patient``'s record.
    """
    finding = ExamFinding(patient=patient, recorded_by=clinician, text=text)
    _add_text_entry(request, patient, clinician, finding)
    return finding


def add_note(
    request: HttpRequest | None, patient: User, clinician: User, *, text: str
) -> ClinicalNote:
    """Store a clinical note and its audit entry.

    Raises
    ------
    ValidationError
        If the text is empty or too long.
    PermissionError
        If ``clinician`` may not change ``patient``'s record.
    """
    note = ClinicalNote(patient=patient, author=clinician, text=text)
    _add_text_entry(request, patient, clinician, note)
    return note
