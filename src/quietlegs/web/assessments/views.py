"""The public assessment: start page, one question per screen, emergency screen, report, PDF.

No account is needed. The interview lives in the session
(:mod:`quietlegs.web.assessments.session`); the core decides which question comes
next, whether an emergency was raised, and what the report says.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quietlegs import __version__
from quietlegs.assessment import normalize_answers
from quietlegs.assessment.answers import format_answer, normalize_answer
from quietlegs.knowledge import KnowledgeBase
from quietlegs.web.assessments.forms import QuestionForm, initial_value, unit_of
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.pdf import report_pdf_response
from quietlegs.web.assessments.presentation import report_context
from quietlegs.web.assessments.session import (
    UNSKIPPABLE_SECTIONS,
    InterviewState,
    anonymous_assessments,
    patient_sections,
    remember_anonymous,
)
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import current_language, kb

#: Shown when the person belongs to no clinic (Europe's 112; 103 for an ambulance in Russia).
DEFAULT_EMERGENCY_NUMBER = "112"
RUSSIA_AMBULANCE_NUMBER = "103"
#: The question whose answer tells the dispatcher which medicines the person takes.
MEDICATIONS_QUESTION = "medications"


def _question_url(question_id: str) -> str:
    return reverse("assessments:question", args=[question_id])


# -- start ---------------------------------------------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The landing page: what the assessment is and is not, and a start button."""
    resume_url = None
    if InterviewState.started(request.session):
        state = InterviewState.load(request.session)
        if state.asked and state.assessment is None:
            following = state.next_question()
            if following is not None:
                resume_url = _question_url(following.id)
    return render(request, "assessments/start.html", {"resume_url": resume_url})


def _profile_answers(request: HttpRequest) -> dict[str, Any]:
    """A logged-in patient's profile answers to pre-fill (audited), valid ones only."""
    user: Any = request.user
    if not (user.is_authenticated and user.is_patient):
        return {}
    profile = getattr(user, "profile", None)
    if profile is None:
        return {}
    answers: dict[str, Any] = profile.interview_answers()
    record(request, AuditEvent.Action.VIEW, patient=user, obj=profile, object_type="profile")
    try:
        normalize_answers(kb(), answers)
    except ValueError:
        return {}  # the knowledge base changed since the profile was saved: ask again
    return answers


@require_POST
def begin(request: HttpRequest) -> HttpResponse:
    """Start a new interview (forgetting any in progress) and show the first question."""
    state = InterviewState(answers=_profile_answers(request))
    state.save(request.session)
    return _advance(request, state)


# -- one question per screen ---------------------------------------------------------


def _finish(request: HttpRequest, state: InterviewState) -> Assessment:
    """Store the assessment for the answers so far (once) and remember it in the session."""
    if state.assessment is not None:
        existing = Assessment.objects.filter(pk=state.assessment).first()
        if existing is not None:
            return existing
    user: Any = request.user
    authenticated = bool(user.is_authenticated)
    patient = user if authenticated and user.is_patient else None
    assessment = Assessment.create_from_answers(
        state.answers,
        skipped=state.skipped,
        patient=patient,
        created_by=user if authenticated else None,
        source=Assessment.Source.INTERVIEW,
    )
    if patient is None:
        remember_anonymous(request.session, str(assessment.pk))
    else:
        record(request, AuditEvent.Action.CREATE, patient=patient, obj=assessment)
    state.assessment = str(assessment.pk)
    state.save(request.session)
    return assessment


def _advance(request: HttpRequest, state: InterviewState) -> HttpResponseRedirect:
    """Where to go after an answer: the emergency screen, the next question, or the report."""
    if state.has_emergency():
        _finish(request, state)
        return redirect("assessments:emergency")
    following = state.next_question()
    if following is None:
        assessment = _finish(request, state)
        return redirect("assessments:report", pk=assessment.pk)
    return redirect("assessments:question", question_id=following.id)


@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, question_id: str) -> HttpResponse:
    """One question: GET shows it (earlier answer filled in), POST stores the answer.

    Only a question already answered or skipped, or the next one, may be opened; any
    other id is a 404. After a valid answer the browser is redirected (POST →
    redirect → GET) to the emergency screen, the next question or the report.
    """
    knowledge = kb()
    lang = current_language()
    asked = knowledge.questions.get(question_id)
    if asked is None or asked.audience != "patient":
        raise Http404
    state = InterviewState.load(request.session)
    following = state.next_question()
    if not state.may_open(question_id, following):
        raise Http404
    skippable = asked.section not in UNSKIPPABLE_SECTIONS
    skip_error = ""
    initial = {"answer": initial_value(asked, state.answers.get(question_id))}
    form = QuestionForm(asked, lang, initial=initial)
    if request.method == "POST" and "skip" in request.POST:
        if skippable:
            state.skip(question_id)
            state.save(request.session)
            return _advance(request, state)
        skip_error = _("This question cannot be skipped: it checks for warning signs.")
    elif request.method == "POST":
        form = QuestionForm(asked, lang, data=request.POST)
        if form.is_valid():
            problems = state.answer(question_id, form.cleaned_data["answer"], lang)
            if not problems:
                state.save(request.session)
                return _advance(request, state)
            for problem in problems:
                form.add_error("answer", problem)
    sections = patient_sections(knowledge)
    position = _progress_position(knowledge, sections, state.asked, question_id)
    section_name = knowledge.meta.section_names.get(asked.section)
    previous = state.previous(question_id)
    context = {
        "question": asked,
        "question_text": asked.text.get(lang),
        "help_text": asked.help.get(lang) if asked.help else "",
        "form": form,
        "field": form["answer"],
        "unit": unit_of(asked, lang),
        "skippable": skippable,
        "section_position": position,
        "section_count": len(sections),
        "section_name": section_name.get(lang) if section_name else asked.section,
        "back_url": _question_url(previous) if previous else reverse("assessments:start"),
        "uses_fieldset": asked.type in ("yes_no", "choice", "multi_choice"),
        "skip_error": skip_error,
    }
    return render(request, "assessments/question.html", context)


def _progress_position(
    knowledge: KnowledgeBase, sections: list[str], asked: list[str], question_id: str
) -> int:
    """The part (1-based) reached: the furthest section of this and earlier questions.

    A warning-sign follow-up asked late keeps the part reached so far, so the
    progress bar never goes backwards.
    """
    upto = asked[: asked.index(question_id) + 1] if question_id in asked else [*asked, question_id]
    ranks = [
        sections.index(knowledge.questions[q].section) + 1
        for q in upto
        if q in knowledge.questions and knowledge.questions[q].section in sections
    ]
    return max(ranks, default=1)


# -- emergency screen ----------------------------------------------------------------


def emergency_number(request: HttpRequest, assessment: Assessment | None = None) -> str | None:
    """The clinic's emergency number, else ``None`` (the page then says 112, 103 in Russia).

    The clinic is the assessed patient's, or else the logged-in person's.
    """
    patient: Any = assessment.patient if assessment is not None else None
    user: Any = request.user
    clinic = getattr(patient, "clinic", None) if patient is not None else None
    if clinic is None and user.is_authenticated:
        clinic = getattr(user, "clinic", None)
    return clinic.emergency_number if clinic is not None else None


@require_GET
def emergency(request: HttpRequest) -> HttpResponse:
    """The emergency screen, shown before anything else once an emergency flag is raised."""
    state = InterviewState.load(request.session)
    if state.assessment is None:
        return redirect("assessments:start")
    assessment = _visible_assessment(request, state.assessment)
    context = emergency_context(request, assessment)
    if context is None:
        return redirect("assessments:report", pk=assessment.pk)
    return render(request, "assessments/emergency.html", context)


def emergency_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any] | None:
    """The context of ``assessments/emergency.html`` for ``assessment``, or None when it
    raised no emergency flag (also used by the booking page of ``scheduling``)."""
    lang = current_language()
    report = assessment.report(lang)
    flags = [f for f in report["red_flags"] if f["urgency"] == "emergency"]
    if not flags:
        return None
    medicines = ""
    medications = kb().questions.get(MEDICATIONS_QUESTION)
    if medications is not None and MEDICATIONS_QUESTION in assessment.answers:
        value = normalize_answer(medications, assessment.answers[MEDICATIONS_QUESTION])
        medicines = format_answer(medications, value, lang)
    return {
        "assessment": assessment,
        "flags": flags,
        "emergency_call": report["emergency_call"],
        "number": emergency_number(request, assessment),
        "default_number": DEFAULT_EMERGENCY_NUMBER,
        "russia_number": RUSSIA_AMBULANCE_NUMBER,
        "medicines": medicines,
    }


# -- report --------------------------------------------------------------------------


def _visible_assessment(request: HttpRequest, pk: object) -> Assessment:
    """The assessment if this request may see it (audited), else 404.

    The patient who owns it and a clinician of the patient's clinic may see it;
    an assessment without a patient only by the session that made it.
    """
    try:
        key = uuid.UUID(str(pk))
    except ValueError as exc:
        raise Http404 from exc
    assessment = Assessment.objects.select_related("patient").filter(pk=key).first()
    if assessment is None:
        raise Http404
    user: Any = request.user
    if assessment.patient is None:
        if str(assessment.pk) not in anonymous_assessments(request.session):
            raise Http404
        return assessment
    if not (user.is_authenticated and user.can_access_patient(assessment.patient)):
        raise Http404
    record(request, AuditEvent.Action.VIEW, patient=assessment.patient, obj=assessment)
    return assessment


def _report_page_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    lang = current_language()
    return {
        "assessment": assessment,
        "report": report_context(assessment.report(lang), lang),
        "number": emergency_number(request, assessment),
        "default_number": DEFAULT_EMERGENCY_NUMBER,
        "russia_number": RUSSIA_AMBULANCE_NUMBER,
        "can_save": assessment.patient is None and not request.user.is_authenticated,
    }


#: How long a rendered report body stays cached (a stored report never changes).
REPORT_BODY_CACHE_S = 3600


def _report_body(context: dict[str, Any]) -> str:
    """The rendered report body, cached: a stored report is immutable.

    The key holds everything the fragment depends on: the assessment, the language,
    the emergency number shown and the quietlegs version (templates change with it).
    """
    assessment: Assessment = context["assessment"]
    key = f"report-body:{__version__}:{assessment.pk}:{get_language()}:{context['number']}"
    body: str | None = cache.get(key)
    if body is None:
        body = render_to_string("assessments/_report_body.html", context)
        cache.set(key, body, REPORT_BODY_CACHE_S)
    return body


@require_GET
def report(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The report page: urgency first, then everything the core found and why."""
    assessment = _visible_assessment(request, pk)
    context = _report_page_context(request, assessment)
    context["report_body"] = mark_safe(_report_body(context))
    return render(request, "assessments/report.html", context)


@require_GET
def report_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The report as an A4 PDF to bring to the doctor (a download)."""
    assessment = _visible_assessment(request, pk)
    return report_pdf_response(request, assessment, _report_page_context(request, assessment))
