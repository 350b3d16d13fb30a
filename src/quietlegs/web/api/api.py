"""The JSON API (django-ninja), served under ``/api/v1/``.

Stateless endpoints (no account, nothing stored): the questions, an assessment
(answers in, report out) and the interview's next question. Personal endpoints
(``/me/...``, a patient's own stored assessments) need an API token or the
browser's session. Every error is JSON with a ``detail``; see ``docs/api.md``.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from quietlegs import AnswerError
from quietlegs.assessment import assess
from quietlegs.web.accounts.models import User
from quietlegs.web.api import messages, services
from quietlegs.web.api.auth import PERSONAL_AUTH, AnonThrottle, UserThrottle
from quietlegs.web.api.schemas import (
    AssessIn,
    AssessmentOut,
    AssessmentSummaryOut,
    Audience,
    ErrorOut,
    InterviewIn,
    Lang,
    NextQuestionOut,
    QuestionsOut,
    Report,
    StoreIn,
    ValidationErrorOut,
)
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.problems import answer_problem
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary.api import router as diary_router
from quietlegs.web.knowledge import current_language, kb
from quietlegs.web.scheduling.api import router as appointments_router

logger = logging.getLogger("quietlegs.web.api")

NOT_A_PATIENT = (
    "Only patients have their own assessments; clinicians see their patients' "
    "assessments in the clinic workspace."
)
NOT_FOUND = "Not found."
NOT_AUTHENTICATED = (
    "Authentication required: send 'Authorization: Bearer <token>' (make a token at "
    "/api/v1/tokens/) or log in."
)
SERVER_ERROR = "Internal server error; it has been logged."

DESCRIPTION = """\
The quietlegs assessment as a JSON API: the questions, a stateless assessment
(answers in, report out), the adaptive interview, and a patient's own stored
assessments. quietlegs gives information, not a diagnosis.

**Authentication** (the `/me` endpoints only): `Authorization: Bearer <token>` with a
token made at `/api/v1/tokens/`, or the browser session plus an `X-CSRFToken` header
for unsafe methods.

**Limits**: request bodies up to 256 KiB (413); anonymous callers
`API_ANON_RATE` requests per address, authenticated callers `API_USER_RATE` per
account (429 with `Retry-After`).

**Errors** are JSON: `{"detail": "..."}`, or for invalid input (422)
`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}` with one item per problem.
"""

api = NinjaAPI(
    title="quietlegs API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api:v1",
    throttle=[AnonThrottle(), UserThrottle()],
)

#: Error responses every operation may give.
COMMON: dict[int, Any] = {422: ValidationErrorOut, 429: ErrorOut}
#: ... and those with a request body.
WITH_BODY: dict[int, Any] = {400: ErrorOut, 413: ErrorOut, **COMMON}
#: ... and the personal ones.
PERSONAL: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, **COMMON}


# --- errors: always JSON with a detail, never a traceback -------------------------------


def _json_error(request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


def _location(loc: Any) -> list[Any]:
    # ninja puts the view's parameter name after "body": drop it, the client never sees it.
    parts = list(loc or ())
    if len(parts) > 1 and parts[0] == "body" and parts[1] == "payload":
        del parts[1]
    return parts


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # pydantic's English message, worded in the request's language (type and loc unchanged).
    items = [
        {
            "loc": _location(e.get("loc")),
            "msg": messages.message(str(e.get("type")), e.get("ctx"), str(e.get("msg", ""))),
            "type": str(e.get("type")),
        }
        for e in exc.errors
    ]
    return _json_error(request, 422, items)


@api.exception_handler(AnswerError)
def _bad_answers(request: HttpRequest, exc: AnswerError) -> HttpResponse:
    field = "skipped" if isinstance(exc, services.SkippedError) else "answers"
    # The core's English for an English request, else worded in the request's language.
    english = current_language() == "en"
    items = [
        {
            "loc": ["body", field],
            "msg": p.message if english else answer_problem(p),
            "type": "invalid_answer",
            "code": p.code,
        }
        for p in exc.details
    ]
    return _json_error(request, 422, items)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _json_error(request, 413, f"Request body too large: the limit is {limit} bytes.")


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = f" Try again in {math.ceil(exc.wait)} seconds." if exc.wait is not None else ""
    return _json_error(request, 429, f"Too many requests.{wait}")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = str(exc)
    detail = NOT_AUTHENTICATED if message == AuthenticationError().message else message
    response = _json_error(request, 401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="quietlegs"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _json_error(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json_error(request, 404, NOT_FOUND)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return _json_error(request, 500, SERVER_ERROR)


# --- stateless endpoints ------------------------------------------------------------------


@api.get(
    "/questions",
    response={200: QuestionsOut, **COMMON},
    tags=["assessment"],
    summary="Every question of the knowledge base",
)
def list_questions(
    request: HttpRequest, lang: Lang | None = None, audience: Audience | None = None
) -> dict[str, Any]:
    """Every question, worded in ``lang``; ``audience`` limits them to one audience
    (``patient`` questions are the ones a person answers; ``clinician`` ones are lab
    results and findings)."""
    return services.questions(lang or current_language(), audience)


@api.post(
    "/assess",
    response={200: Report, **WITH_BODY},
    tags=["assessment"],
    summary="Assess answers (stateless)",
)
def assess_answers(request: HttpRequest, payload: AssessIn) -> Report:
    """Answers in, report out. Nothing is stored. Invalid answers give a 422 naming every
    problem (unknown question, wrong type, out of range, contradictory answers)."""
    return assess(kb(), payload.answers, payload.lang or current_language())


@api.post(
    "/interview/next",
    response={200: NextQuestionOut, **WITH_BODY},
    tags=["assessment"],
    summary="The interview's next question (stateless)",
)
def interview_next(request: HttpRequest, payload: InterviewIn) -> dict[str, Any]:
    """The next question to ask for the answers so far, or ``done``. When ``emergency`` is
    true, show the emergency screen (the red flags say what to do) before anything else."""
    return services.next_step(payload.answers, payload.skipped, payload.lang or current_language())


# --- personal endpoints -------------------------------------------------------------------

me = Router(auth=PERSONAL_AUTH, tags=["me"])


def _patient(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_patient:
        raise HttpError(403, NOT_A_PATIENT)
    return user


def _assessment_data(assessment: Assessment, lang: str, report: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": assessment.id,
        "created_at": assessment.created_at,
        "source": assessment.source,
        "urgency": assessment.urgency,
        "top_condition": assessment.top_condition,
        "knowledge_version": assessment.knowledge_version,
    }
    if report:
        stored = assessment.report(lang)
        data.update(
            language=stored.get("language", lang),
            answers=assessment.answers,
            skipped=assessment.skipped,
            report=stored,
        )
    return data


@me.get(
    "/assessments",
    response={200: list[AssessmentSummaryOut], **PERSONAL},
    summary="My assessments",
)
def my_assessments(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own assessments, newest first (patients only)."""
    user = _patient(request)
    rows = list(Assessment.objects.visible_to(user))
    record(request, AuditEvent.Action.VIEW, patient=user, object_type="assessment_list")
    return [_assessment_data(a, "en", report=False) for a in rows]


@me.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, 404: ErrorOut, **PERSONAL},
    summary="One of my assessments, with its report",
)
def my_assessment(
    request: HttpRequest, assessment_id: uuid.UUID, lang: Query[Lang | None] = None
) -> dict[str, Any]:
    """One of the caller's assessments with the report as it was given, in ``lang``.
    Another person's assessment is a 404."""
    user = _patient(request)
    assessment = Assessment.objects.visible_to(user).filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404
    record(request, AuditEvent.Action.VIEW, patient=user, obj=assessment)
    return _assessment_data(assessment, lang or current_language(), report=True)


@me.post(
    "/assessments",
    response={201: AssessmentOut, 400: ErrorOut, 413: ErrorOut, **PERSONAL},
    summary="Assess answers and keep the result in my record",
)
def store_assessment(request: HttpRequest, payload: StoreIn) -> Status[dict[str, Any]]:
    """Assess the answers and store the assessment (source ``api``) in the caller's record.
    Invalid answers give a 422 and store nothing."""
    user = _patient(request)
    services.check_skipped(payload.skipped)
    with transaction.atomic():
        assessment = Assessment.create_from_answers(
            payload.answers,
            skipped=payload.skipped,
            patient=user,
            created_by=user,
            source=Assessment.Source.API,
        )
        record(request, AuditEvent.Action.CREATE, patient=user, obj=assessment)
    return Status(
        201, _assessment_data(assessment, payload.lang or current_language(), report=True)
    )


me.add_router("/diary", diary_router)
api.add_router("/me", me)
api.add_router("/me/appointments", appointments_router)
