"""The JSON API under /api/v1/ and the token page: success, auth, bad input, limits, audit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.test.client import encode_multipart

from quietlegs.assessment import LANGUAGES, Interview, assess
from quietlegs.web.accounts.models import User
from quietlegs.web.api.api import NOT_A_PATIENT, NOT_AUTHENTICATED
from quietlegs.web.api.auth import BAD_AUTH_HEADER, CSRF_FAILED, INVALID_TOKEN
from quietlegs.web.api.models import MAX_TOKENS_PER_USER, ApiToken
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import hash_token
from quietlegs.web.knowledge import kb
from tests.web.webtools import RLS_ANSWERS, login, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def post(
    client: Client, path: str, data: Any, headers: dict[str, str] | None = None, **extra: Any
) -> Any:
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(API + path, body, content_type=JSON, headers=headers, **extra)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def messages_of(response: Any) -> list[str]:
    return [item["msg"] for item in response.json()["detail"]]


def stored(patient: User, answers: dict[str, Any] | None = None) -> Assessment:
    return Assessment.create_from_answers(
        answers or RLS_ANSWERS, patient=patient, created_by=patient
    )


# --- schema and docs ----------------------------------------------------------------------


def test_openapi_schema_and_docs_are_served() -> None:
    client = Client()
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["info"]["title"] == "quietlegs API"
    assert set(schema["paths"]) == {
        f"{API}/questions",
        f"{API}/assess",
        f"{API}/interview/next",
        f"{API}/me/assessments",
        f"{API}/me/assessments/{{assessment_id}}",
        f"{API}/me/appointments",
        f"{API}/me/diary/entries",
        f"{API}/me/diary/entries/{{day}}",
        f"{API}/me/diary/entries/{{day}}/history",
    }
    assert "Report" in schema["components"]["schemas"]
    docs = client.get(f"{API}/docs")
    assert docs.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content  # served locally, no CDN
    assert client.get(f"{API}/").headers["Location"] == f"{API}/docs"


def test_unknown_path_and_method_are_json_errors() -> None:
    client = Client()
    missing = client.get(f"{API}/nothing/here")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    wrong = client.put(f"{API}/assess", "{}", content_type=JSON)
    assert wrong.status_code == 405
    assert wrong.json() == {"detail": "Method PUT is not allowed here; use POST."}
    assert wrong["Allow"] == "POST"


# --- GET /questions -----------------------------------------------------------------------


def test_questions_lists_every_question_in_english() -> None:
    response = Client().get(f"{API}/questions", {"lang": "en"})
    assert response.status_code == 200
    data = response.json()
    knowledge = kb()
    assert data["knowledge_version"] == knowledge.version
    assert data["language"] == "en"
    assert [q["id"] for q in data["questions"]] == list(knowledge.questions)
    sex = next(q for q in data["questions"] if q["id"] == "sex")
    assert sex == {
        "id": "sex",
        "section": "profile",
        "type": "choice",
        "text": "What is your sex?",
        "help": None,
        "choices": [
            {"id": "female", "text": "Female", "exclusive": False},
            {"id": "male", "text": "Male", "exclusive": False},
            {"id": "other", "text": "Other / prefer not to say", "exclusive": False},
        ],
        "range": None,
        "audience": "patient",
    }
    age = next(q for q in data["questions"] if q["id"] == "age")
    assert age["range"] == {"min": 0.0, "max": 120.0, "unit": "years", "integer": True}
    signs = next(q for q in data["questions"] if q["id"] == "emergency_signs")
    assert {"id": "none", "text": signs["choices"][-1]["text"], "exclusive": True} in signs[
        "choices"
    ]


def test_questions_in_russian_for_one_audience() -> None:
    response = Client().get(f"{API}/questions", {"lang": "ru", "audience": "patient"})
    data = response.json()
    knowledge = kb()
    expected = [q for q in knowledge.questions.values() if q.audience == "patient"]
    assert [q["id"] for q in data["questions"]] == [q.id for q in expected]
    assert "ferritin_ng_ml" not in {q["id"] for q in data["questions"]}
    sex = next(q for q in data["questions"] if q["id"] == "sex")
    assert sex["text"] == "Ваш пол?"
    clinician = Client().get(f"{API}/questions", {"audience": "clinician"}).json()
    assert "ferritin_ng_ml" in {q["id"] for q in clinician["questions"]}


def test_questions_default_to_the_requests_language() -> None:
    data = Client().get(f"{API}/questions", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert data["language"] == "ru"


def test_questions_reject_an_unknown_language_and_audience() -> None:
    response = Client().get(f"{API}/questions", {"lang": "de", "audience": "robots"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "lang"], "msg": "Input should be 'en' or 'ru'", "type": "literal_error"},
        {
            "loc": ["query", "audience"],
            "msg": "Input should be 'patient', 'clinician' or 'measurement'",
            "type": "literal_error",
        },
    ]


# --- POST /assess -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_assess_returns_the_cores_report(lang: str) -> None:
    response = post(Client(), "/assess", {"answers": RLS_ANSWERS, "lang": lang})
    assert response.status_code == 200
    assert response.json() == assess(kb(), RLS_ANSWERS, lang).to_dict()
    assert response.json()["conditions"][0]["id"] == "restless_legs_syndrome"
    assert not Assessment.objects.exists()  # stateless
    assert not AuditEvent.objects.exists()


def test_assess_names_every_problem_with_the_answers() -> None:
    answers = {"age": 200, "sex": "x", "nope": True, "smoking": "maybe"}
    response = post(Client(), "/assess", {"answers": answers, "lang": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "answers"], "msg": msg, "type": "invalid_answer", "code": code}
        for msg, code in [
            ("age: must be between 0 and 120 years; got 200", "out_of_range"),
            ("sex: must be one of ['female', 'male', 'other']; got 'x'", "invalid"),
            (
                f"'nope' is not a question of this knowledge base ({kb().version})",
                "unknown_question",
            ),
            ("smoking: a yes/no question takes true or false; got 'maybe'", "invalid"),
        ]
    ]


def test_assess_words_the_answers_problems_in_russian() -> None:
    answers = {"age": 200, "nope": True}
    response = post(Client(), "/assess", {"answers": answers}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "answers"],
            "msg": f"«{kb().questions['age'].text.ru}»: значение должно быть от 0 до 120 лет; "
            "указано 200",
            "type": "invalid_answer",
            "code": "out_of_range",
        },
        {
            "loc": ["body", "answers"],
            "msg": "«nope» — не вопрос этой базы знаний (возможно, она изменилась)",
            "type": "invalid_answer",
            "code": "unknown_question",
        },
    ]


def test_the_schemas_422_messages_follow_the_request_language() -> None:
    # pydantic's types and locations stay; the message is in the request's language.
    body = {"answers": {}, "lang": "de", "extra": 1}
    english = post(Client(), "/assess", body)
    russian = post(Client(), "/assess", body, HTTP_ACCEPT_LANGUAGE="ru")
    assert english.status_code == russian.status_code == 422
    assert english.json()["detail"] == [
        {"loc": ["body", "lang"], "msg": "Input should be 'en' or 'ru'", "type": "literal_error"},
        {
            "loc": ["body", "extra"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        },
    ]
    assert russian.json()["detail"] == [
        {"loc": ["body", "lang"], "msg": "Допустимо только 'en' или 'ru'", "type": "literal_error"},
        {"loc": ["body", "extra"], "msg": "Лишние поля не допускаются", "type": "extra_forbidden"},
    ]
    missing = post(Client(), "/assess", {}, HTTP_ACCEPT_LANGUAGE="ru")
    assert missing.json()["detail"] == [
        {"loc": ["body", "answers"], "msg": "Обязательное поле", "type": "missing"}
    ]


def test_assess_refuses_contradictory_answers() -> None:
    response = post(Client(), "/assess", {"answers": {"sex": "male", "pregnant": True}})
    assert response.status_code == 422
    assert messages_of(response) == [
        "contradictory answers (pregnant_but_male): 'pregnant' is true but 'sex' is male"
    ]


def test_assess_refuses_what_is_no_answer_at_all() -> None:
    answers = {"age": 10**400, "sex": {"a": 1}, "main_symptoms": [1]}
    response = post(Client(), "/assess", {"answers": answers})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "answers", "age"],
            "msg": "a number answer must be between -2^53 and 2^53",
            "type": "answer_number",
        },
        {
            "loc": ["body", "answers", "sex"],
            "msg": "an answer must be true or false, a number, a string, a list of strings or null",
            "type": "answer_type",
        },
        {
            "loc": ["body", "answers", "main_symptoms"],
            "msg": "an answer must be true or false, a number, a string, a list of strings or null",
            "type": "answer_type",
        },
    ]


def test_assess_refuses_an_unknown_language_and_unknown_fields() -> None:
    response = post(Client(), "/assess", {"answers": RLS_ANSWERS, "lang": "de", "answer": {}})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "lang"], "msg": "Input should be 'en' or 'ru'", "type": "literal_error"},
        {
            "loc": ["body", "answer"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        },
    ]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ("{not json", 400, "Cannot parse request body"),
        ("", 422, [{"loc": ["body"], "msg": "Field required", "type": "missing"}]),
        (
            "[1, 2]",
            422,
            [
                {
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "type": "model_attributes_type",
                }
            ],
        ),
        (
            '{"lang": "en"}',
            422,
            [{"loc": ["body", "answers"], "msg": "Field required", "type": "missing"}],
        ),
        (
            '{"answers": ["age"]}',
            422,
            [
                {
                    "loc": ["body", "answers"],
                    "msg": "Input should be a valid dictionary",
                    "type": "dict_type",
                }
            ],
        ),
    ],
)
def test_assess_refuses_malformed_bodies(body: str, status: int, detail: Any) -> None:
    response = post(Client(), "/assess", body)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_assess_refuses_a_body_over_the_size_limit() -> None:
    body = json.dumps({"answers": {"age": 52}, "lang": "en", "pad": "x" * (300 * 1024)})
    response = post(Client(), "/assess", body)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: the limit is 262144 bytes."}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_the_size_limit_follows_the_setting_for_any_content_type() -> None:
    client = Client()
    small = post(client, "/assess", {"answers": {"age": 52}})
    assert small.status_code == 200
    big = post(client, "/assess", {"answers": {"medications": ["none"] * 200}})
    assert big.status_code == 413
    assert big.json() == {"detail": "Request body too large: the limit is 1000 bytes."}
    form = client.post(
        f"{API}/assess",
        encode_multipart("BoUnDaRy", {"pad": "x" * 2000}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert form.status_code == 413


def test_a_server_error_is_json_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from quietlegs.web.api import api as api_module

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_module, "assess", broken)
    response = post(Client(), "/assess", {"answers": RLS_ANSWERS})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error; it has been logged."}
    assert b"secret internals" not in response.content


# --- POST /interview/next -----------------------------------------------------------------


def test_interview_starts_with_the_red_flag_screen() -> None:
    response = post(Client(), "/interview/next", {"answers": {}, "lang": "en"})
    assert response.status_code == 200
    data = response.json()
    assert data["question"]["id"] == "emergency_signs"
    assert data["question"]["section"] == "red_flags"
    assert (data["done"], data["emergency"], data["red_flags"]) == (False, False, [])
    assert data["knowledge_version"] == kb().version


def test_interview_follows_the_core_and_honours_skipped_questions() -> None:
    answers = {"emergency_signs": ["none"], "age": 52}
    response = post(Client(), "/interview/next", {"answers": answers, "skipped": ["sex"]})
    expected = Interview(kb()).next_question(answers, ["sex"])
    assert expected is not None
    assert response.json()["question"]["id"] == expected.id != "sex"
    skipped = post(Client(), "/interview/next", {"skipped": ["emergency_signs"]}).json()
    assert skipped["question"]["id"] == "age"


def test_interview_stops_at_an_emergency_red_flag() -> None:
    response = post(
        Client(), "/interview/next", {"answers": {"emergency_signs": ["chest_pain"]}, "lang": "ru"}
    )
    data = response.json()
    assert (data["question"], data["done"], data["emergency"]) == (None, True, True)
    report = assess(kb(), {"emergency_signs": ["chest_pain"]}, "ru").to_dict()
    assert data["red_flags"] == report["red_flags"]
    assert data["red_flags"][0]["id"] == "acs_chest_pain"


def test_interview_ends_when_nothing_could_change_the_report() -> None:
    answers: dict[str, Any] = {}
    interview = Interview(kb())
    while (question := interview.next_question(answers)) is not None:
        answers[question.id] = RLS_ANSWERS.get(question.id, _any_answer(question.id))
    data = post(Client(), "/interview/next", {"answers": answers}).json()
    assert (data["question"], data["done"], data["emergency"]) == (None, True, False)


def _any_answer(question_id: str) -> Any:
    question = kb().questions[question_id]
    if question.type == "yes_no":
        return False
    if question.type == "choice":
        return question.choices[0].id
    if question.type == "multi_choice":
        return [question.choices[-1].id]
    assert question.range is not None
    return question.range.min


def test_interview_names_bad_answers_and_unknown_skipped_questions() -> None:
    bad = post(Client(), "/interview/next", {"answers": {"age": -1}})
    assert bad.status_code == 422
    assert messages_of(bad) == ["age: must be between 0 and 120 years; got -1"]
    skipped = post(Client(), "/interview/next", {"skipped": ["nope"]})
    assert skipped.status_code == 422
    assert skipped.json()["detail"] == [
        {
            "loc": ["body", "skipped"],
            "msg": f"skipped: 'nope' is not a question of this knowledge base ({kb().version})",
            "type": "invalid_answer",
            "code": "unknown_question",
        }
    ]


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/assessments"),
        ("get", f"/me/assessments/{uuid.uuid4()}"),
        ("post", "/me/assessments"),
    ],
)
def test_personal_endpoints_need_authentication(method: str, path: str) -> None:
    client = Client()
    response = client.get(API + path) if method == "get" else post(client, path, {"answers": {}})
    assert response.status_code == 401
    assert response.json() == {"detail": NOT_AUTHENTICATED}
    assert response["WWW-Authenticate"] == 'Bearer realm="quietlegs"'


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer ql_not-a-real-token", INVALID_TOKEN),
        ("Bearer not-even-the-format", INVALID_TOKEN),
        ("Bearer ", BAD_AUTH_HEADER),
        ("Basic dXNlcjpwYXNz", BAD_AUTH_HEADER),
        ("ql_without_scheme", BAD_AUTH_HEADER),
    ],
)
def test_a_wrong_token_is_a_401_even_with_a_session(
    patient: User, header: str, detail: str
) -> None:
    stored(patient)
    for client in (Client(), login(patient)):
        response = client.get(f"{API}/me/assessments", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json() == {"detail": detail}


def test_a_revoked_token_or_deactivated_account_is_refused(patient: User) -> None:
    token, secret = ApiToken.issue(patient)
    assert Client().get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 200
    patient.is_active = False
    patient.save()
    assert Client().get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 401
    patient.is_active = True
    patient.save()
    token.delete()
    response = Client().get(f"{API}/me/assessments", headers=bearer(secret))
    assert (response.status_code, response.json()) == (401, {"detail": INVALID_TOKEN})


def test_clinicians_have_no_personal_assessments(
    patient: User, clinician: User, clinic_admin: User
) -> None:
    assessment = stored(patient)
    for user in (clinician, clinic_admin):
        _, secret = ApiToken.issue(user)
        for client, extra in ((Client(), bearer(secret)), (login(user), {})):
            for response in (
                client.get(f"{API}/me/assessments", headers=extra),
                client.get(f"{API}/me/assessments/{assessment.pk}", headers=extra),
                post(client, "/me/assessments", {"answers": RLS_ANSWERS}, headers=extra),
            ):
                assert response.status_code == 403
                assert response.json() == {"detail": NOT_A_PATIENT}
    assert Assessment.objects.count() == 1
    assert not AuditEvent.objects.exists()


# --- GET /me/assessments ------------------------------------------------------------------


def test_my_assessments_lists_only_mine_and_is_audited(patient: User, other_patient: User) -> None:
    first = stored(patient)
    second = stored(patient, {"emergency_signs": ["chest_pain"]})
    stored(other_patient)
    token, secret = ApiToken.issue(patient)
    assert token.last_used_at is None
    response = Client().get(
        f"{API}/me/assessments",
        headers=bearer(secret),
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="t/1",
    )
    assert response.status_code == 200
    data = response.json()
    assert [row["id"] for row in data] == [str(second.pk), str(first.pk)]
    created_at = datetime.fromisoformat(data[1].pop("created_at"))
    assert abs(created_at - first.created_at) < timedelta(milliseconds=1)
    assert data[1] == {
        "id": str(first.pk),
        "source": "interview",
        "urgency": first.urgency,
        "top_condition": "restless_legs_syndrome",
        "knowledge_version": kb().version,
    }
    assert data[0]["urgency"] == "emergency"
    token.refresh_from_db()
    assert token.last_used_at is not None
    event = AuditEvent.objects.get()
    assert (event.actor, event.patient, event.action, event.object_type) == (
        patient,
        patient,
        "view",
        "assessment_list",
    )
    assert (event.ip_address, event.user_agent, event.path) == (
        "10.1.2.3",
        "t/1",
        f"{API}/me/assessments",
    )


def test_my_assessments_with_the_browser_session(patient: User) -> None:
    stored(patient)
    response = login(patient).get(f"{API}/me/assessments")
    assert response.status_code == 200
    assert len(response.json()) == 1
    assert AuditEvent.objects.get().actor == patient


# --- GET /me/assessments/{id} -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_assessment_returns_the_stored_report_and_is_audited(patient: User, lang: str) -> None:
    assessment = stored(patient)
    _, secret = ApiToken.issue(patient)
    response = Client().get(
        f"{API}/me/assessments/{assessment.pk}?lang={lang}", headers=bearer(secret)
    )
    assert response.status_code == 200
    data = response.json()
    assert data["report"] == assessment.reports[lang]
    assert data["language"] == lang
    assert data["answers"] == RLS_ANSWERS
    assert data["skipped"] == []
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id, event.patient) == (
        "view",
        "assessment",
        str(assessment.pk),
        patient,
    )


def test_another_patients_assessment_is_a_404_and_not_audited(
    patient: User, other_patient: User
) -> None:
    theirs = stored(other_patient)
    _, secret = ApiToken.issue(patient)
    for path in (f"/me/assessments/{theirs.pk}", f"/me/assessments/{uuid.uuid4()}"):
        response = Client().get(API + path, headers=bearer(secret))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert not AuditEvent.objects.exists()
    malformed = Client().get(f"{API}/me/assessments/not-a-uuid", headers=bearer(secret))
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "assessment_id"]


def test_my_assessment_rejects_an_unknown_language(patient: User) -> None:
    assessment = stored(patient)
    response = login(patient).get(f"{API}/me/assessments/{assessment.pk}", {"lang": "fr"})
    assert response.status_code == 422
    assert messages_of(response) == ["Input should be 'en' or 'ru'"]


# --- POST /me/assessments -----------------------------------------------------------------


def test_store_an_assessment_with_a_token(patient: User) -> None:
    _, secret = ApiToken.issue(patient)
    unasked = next(q for q in kb().questions if q not in RLS_ANSWERS)
    response = post(
        Client(),
        "/me/assessments",
        {"answers": RLS_ANSWERS, "skipped": [unasked], "lang": "ru"},
        headers=bearer(secret),
    )
    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get()
    assert (assessment.patient, assessment.created_by, assessment.source) == (
        patient,
        patient,
        "api",
    )
    assert assessment.answers == RLS_ANSWERS
    assert assessment.skipped == [unasked]
    data = response.json()
    assert data["id"] == str(assessment.pk)
    assert data["report"] == assess(kb(), RLS_ANSWERS, "ru").to_dict()
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.patient, event.actor) == (
        "create",
        str(assessment.pk),
        patient,
        patient,
    )


def test_storing_bad_answers_stores_nothing(patient: User) -> None:
    _, secret = ApiToken.issue(patient)
    response = post(
        Client(),
        "/me/assessments",
        {"answers": {"age": 200, "sex": "male"}},
        headers=bearer(secret),
    )
    assert response.status_code == 422
    assert messages_of(response) == ["age: must be between 0 and 120 years; got 200"]
    unknown_skip = post(
        Client(),
        "/me/assessments",
        {"answers": RLS_ANSWERS, "skipped": ["x"]},
        headers=bearer(secret),
    )
    assert unknown_skip.status_code == 422
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_storing_with_the_session_needs_the_csrf_token(patient: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    refused = post(client, "/me/assessments", {"answers": RLS_ANSWERS})
    assert refused.status_code == 403
    assert refused.json() == {"detail": CSRF_FAILED}
    assert not Assessment.objects.exists()
    client.get(f"{API}/tokens/")  # any page with a form sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    accepted = post(client, "/me/assessments", {"answers": RLS_ANSWERS}, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201
    assert Assessment.objects.get().patient == patient
    # A token needs no CSRF token: no cookie is involved.
    _, secret = ApiToken.issue(patient)
    tokened = post(
        Client(enforce_csrf_checks=True), "/me/assessments", {"answers": {}}, headers=bearer(secret)
    )
    assert tokened.status_code == 201


def test_an_expired_session_is_a_401_not_a_csrf_failure() -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "no-such-session"
    response = post(client, "/me/assessments", {"answers": RLS_ANSWERS})
    assert (response.status_code, response.json()) == (401, {"detail": NOT_AUTHENTICATED})


# --- rate limits --------------------------------------------------------------------------


@override_settings(API_ANON_RATE="3/m")
def test_anonymous_callers_are_rate_limited() -> None:
    client = Client()
    for _ in range(3):
        assert client.get(f"{API}/questions").status_code == 200
    response = post(client, "/assess", {"answers": RLS_ANSWERS})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Too many requests. Try again in ")
    other_address = Client(REMOTE_ADDR="10.9.9.9")
    assert other_address.get(f"{API}/questions").status_code == 200


@override_settings(API_USER_RATE="2/m", API_ANON_RATE="100/m")
def test_authenticated_callers_are_rate_limited_by_account(
    patient: User, other_patient: User
) -> None:
    _, secret = ApiToken.issue(patient)
    _, other_secret = ApiToken.issue(other_patient)
    client = Client()
    assert client.get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 200
    assert client.get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 200
    limited = client.get(f"{API}/me/assessments", headers=bearer(secret))
    assert limited.status_code == 429
    assert "Retry-After" in limited
    assert client.get(f"{API}/me/assessments", headers=bearer(other_secret)).status_code == 200
    assert client.get(f"{API}/questions").status_code == 200  # anonymous: its own budget


@override_settings(API_ANON_RATE="2/m")
def test_a_forged_forwarded_for_header_does_not_escape_the_limit() -> None:
    client = Client()
    for i in range(2):
        assert client.get(f"{API}/questions", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code == 200
    limited = client.get(f"{API}/questions", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert limited.status_code == 429


@override_settings(API_ANON_RATE="1/m", API_NUM_PROXIES=1)
def test_behind_a_proxy_the_forwarded_address_counts() -> None:
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    first = proxy.get(f"{API}/questions", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert first.status_code == 200
    same = proxy.get(f"{API}/questions", HTTP_X_FORWARDED_FOR="7.7.7.7, 198.51.100.7")
    assert same.status_code == 429  # the client-supplied first entry is not trusted
    other = proxy.get(f"{API}/questions", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 200


@override_settings(API_ANON_RATE="", API_USER_RATE="")
def test_an_empty_rate_means_no_limit(patient: User) -> None:
    _, secret = ApiToken.issue(patient)
    client = Client()
    for _ in range(150):  # more than the default 120 per minute
        assert client.get(f"{API}/questions", {"audience": "measurement"}).status_code == 200
    for _ in range(5):
        assert client.get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 200
    assert cache.get("throttle_anon_127.0.0.1") is None  # nothing counted


# --- the token page -----------------------------------------------------------------------


@override_settings(LOGIN_URL="/accounts/login/")
def test_token_page_needs_a_login() -> None:
    response = Client().get(f"{API}/tokens/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={API}/tokens/"


def test_token_page_is_for_patients(clinician: User) -> None:
    assert login(clinician).get(f"{API}/tokens/").status_code == 403
    assert login(clinician).post(f"{API}/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_token_page_lists_only_my_tokens(patient: User, other_patient: User) -> None:
    ApiToken.issue(patient, name="my laptop")
    ApiToken.issue(other_patient, name="their phone")
    response = login(patient).get(f"{API}/tokens/")
    assert response.status_code == 200
    assert b"my laptop" in response.content
    assert b"their phone" not in response.content


def test_make_a_token_shows_the_secret_once(patient: User) -> None:
    client = login(patient)
    response = client.post(f"{API}/tokens/", {"name": "  phone app "})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (patient, "phone app")
    secret = response.context["secret"]
    assert secret.startswith("ql_")
    assert token.token_hash == hash_token(secret)
    assert secret.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert secret.encode() not in client.get(f"{API}/tokens/").content
    assert Client().get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 200
    event = AuditEvent.objects.filter(action="create").get()
    assert (event.object_type, event.object_id, event.patient) == (
        "apitoken",
        str(token.pk),
        patient,
    )


def test_a_token_needs_a_name_and_there_is_a_limit(patient: User) -> None:
    client = login(patient)
    response = client.post(f"{API}/tokens/", {"name": "   "})
    assert response.context["form"].errors == {"name": ["Give the token a name."]}
    assert b"Give the token a name." in response.content
    for i in range(MAX_TOKENS_PER_USER):
        ApiToken.issue(patient, name=f"t{i}")
    response = client.post(f"{API}/tokens/", {"name": "one more"})
    assert response.context["form"].non_field_errors() == [
        "You already have 10 tokens. Revoke one before you make another."
    ]
    assert ApiToken.objects.count() == MAX_TOKENS_PER_USER
    assert not response.context["secret"]


def test_revoke_my_token(patient: User) -> None:
    token, secret = ApiToken.issue(patient, name="old")
    client = login(patient)
    assert client.get(f"{API}/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"{API}/tokens/{token.pk}/revoke/", follow=True)
    assert response.redirect_chain == [(f"{API}/tokens/", 302)]
    assert "The token “old” is revoked." in response.content.decode()
    assert not ApiToken.objects.exists()
    assert Client().get(f"{API}/me/assessments", headers=bearer(secret)).status_code == 401
    event = AuditEvent.objects.get(action="delete")
    assert (event.object_type, event.object_id, event.patient) == (
        "apitoken",
        str(token.pk),
        patient,
    )


def test_revoking_another_patients_token_is_a_404(patient: User, other_patient: User) -> None:
    theirs, _ = ApiToken.issue(other_patient)
    response = login(patient).post(f"{API}/tokens/{theirs.pk}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert not AuditEvent.objects.exists()


def test_a_new_patient_can_use_the_whole_flow() -> None:
    person = make_user("new@example.org")
    client = login(person)
    secret = client.post(f"{API}/tokens/", {"name": "script"}).context["secret"]
    created = post(Client(), "/me/assessments", {"answers": RLS_ANSWERS}, headers=bearer(secret))
    listed = Client().get(f"{API}/me/assessments", headers=bearer(secret)).json()
    assert [row["id"] for row in listed] == [created.json()["id"]]
