"""The online interview: one question per screen, in the session, red flags first."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from quietlegs.knowledge.schema import Question
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.forms import answer_field
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.session import ANONYMOUS_KEY, INTERVIEW_KEY, InterviewState
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.knowledge import kb
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db


def posted(question_id: str, value: Any) -> dict[str, Any]:
    """The POST data for an answer in its JSON form."""
    if isinstance(value, bool):
        return {"answer": "yes" if value else "no"}
    return {"answer": value}


def safe_answer(question_id: str) -> Any:
    """An answer raising no warning sign, for red-flag questions the test does not set."""
    question = kb().questions[question_id]
    if question.type == "yes_no":
        return False
    none = [c.id for c in question.choices if c.exclusive]
    if question.type == "multi_choice" and none:
        return none
    raise AssertionError(f"no safe answer for {question_id}")


def current_question(location: str) -> str | None:
    if not location.startswith("/assess/q/"):
        return None
    return location.rstrip("/").split("/")[-1]


def run_interview(
    client: Client, answers: dict[str, Any], *, limit: int = 80
) -> tuple[list[str], str]:
    """Answer every question the interview asks (``answers`` where given, else skip).

    Red-flag questions cannot be skipped: those not in ``answers`` get a safe answer.
    Returns the ids asked and where the interview ended.
    """
    response = client.post("/assess/start/")
    assert response.status_code == 302
    location = response["Location"]
    asked: list[str] = []
    for _ in range(limit):
        qid = current_question(location)
        if qid is None:
            return asked, location
        asked.append(qid)
        page = client.get(location)
        assert page.status_code == 200
        if qid in answers:
            response = client.post(location, posted(qid, answers[qid]))
        elif kb().questions[qid].section == "red_flags":
            response = client.post(location, posted(qid, safe_answer(qid)))
        else:
            response = client.post(location, {"skip": "1"})
        assert response.status_code == 302, response.content.decode()[-2000:]
        location = response["Location"]
    raise AssertionError("the interview did not end")


def state(client: Client) -> dict[str, Any]:
    data: dict[str, Any] = client.session[INTERVIEW_KEY]
    return data


def start(client: Client) -> str:
    response = client.post("/assess/start/")
    assert response.status_code == 302
    location: str = response["Location"]
    return location


# -- the whole interview -------------------------------------------------------------


def test_full_rls_interview_ends_on_an_rls_report() -> None:
    client = Client()
    asked, location = run_interview(client, RLS_ANSWERS)
    assert asked[0] == "emergency_signs"
    assert {"rls_urge", "rls_worse_at_rest", "rls_relieved_by_movement"} <= set(asked)
    assert location.startswith("/assessments/")
    assessment = Assessment.objects.get()
    assert assessment.patient is None
    assert assessment.top_condition == "restless_legs_syndrome"
    assert set(assessment.skipped) == {q for q in asked if q not in RLS_ANSWERS} - {
        q for q in asked if kb().questions[q].section == "red_flags"
    }
    assert client.session[ANONYMOUS_KEY] == [str(assessment.pk)]
    page = client.get(location)
    assert page.status_code == 200
    body = page.content.decode()
    report = assessment.report("en")
    assert report["conditions"][0]["id"] == "restless_legs_syndrome"
    assert body.index(report["urgency_label"]) < body.index(report["conditions"][0]["name"])
    assert "Save this report — create an account" in body
    assert not AuditEvent.objects.exists()  # nobody's record: no audit entry


def test_logged_in_patient_gets_the_assessment_in_their_record(patient: User) -> None:
    client = login(patient)
    _, location = run_interview(client, RLS_ANSWERS)
    assessment = Assessment.objects.get()
    assert assessment.patient == patient
    assert assessment.created_by == patient
    assert ANONYMOUS_KEY not in client.session
    assert AuditEvent.objects.filter(
        action="create", patient=patient, object_id=str(assessment.pk)
    ).exists()
    assert "Save this report" not in client.get(location).content.decode()


def test_start_resets_the_interview() -> None:
    client = Client()
    start(client)
    client.post("/assess/q/emergency_signs/", {"answer": ["none"]})
    assert state(client)["answers"] == {"emergency_signs": ["none"]}
    assert start(client) == "/assess/q/emergency_signs/"
    assert state(client)["answers"] == {}


def test_start_page_offers_to_continue() -> None:
    client = Client()
    assert "Continue where you left off" not in client.get("/").content.decode()
    start(client)
    client.post("/assess/q/emergency_signs/", {"answer": ["none"]})
    body = client.get("/").content.decode()
    assert "Continue where you left off" in body
    assert 'href="/assess/q/age/"' in body


def test_questions_open_without_pressing_start() -> None:
    assert Client().get("/assess/q/emergency_signs/").status_code == 200


# -- red flags win -------------------------------------------------------------------


def test_chest_pain_on_the_first_screen_shows_the_emergency_screen_at_once() -> None:
    client = Client()
    start(client)
    response = client.post("/assess/q/emergency_signs/", {"answer": ["chest_pain"]})
    assert response.status_code == 302
    assert response["Location"] == "/assess/emergency/"
    page = client.get("/assess/emergency/")
    assert page.status_code == 200
    body = page.content.decode()
    flag = kb().red_flags["acs_chest_pain"]
    assert "Call 112 now" in body
    assert "In Russia call 103." in body
    assert escape(flag.name.en) in body
    assert escape(flag.action.en) in body
    assert "What to tell the dispatcher" in body
    assessment = Assessment.objects.get()
    assert assessment.urgency == "emergency"
    assert f"/assessments/{assessment.pk}/" in body
    report = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert report.index("Emergency: call an ambulance now") < report.index(flag.name.en)


def test_emergency_screen_gives_the_clinic_number(patient: User) -> None:
    client = login(patient)  # the clinic's emergency number is 103
    start(client)
    client.post("/assess/q/emergency_signs/", {"answer": ["face_droop"]})
    body = client.get("/assess/emergency/").content.decode()
    assert "Call 103 now" in body
    assert "Call 112 now" not in body
    assert 'href="tel:103"' in body


def test_emergency_screen_without_an_emergency_goes_back_to_start() -> None:
    response = Client().get("/assess/emergency/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_urgent_red_flag_goes_on_with_the_interview() -> None:
    answers = dict(RLS_ANSWERS, main_symptoms=["swelling"], calf_swelling=True)
    client = Client()
    asked, location = run_interview(client, answers)
    assert asked.index("calf_swelling") < len(asked) - 1  # questions followed it
    assessment = Assessment.objects.get()
    assert assessment.urgency == "urgent"
    body = client.get(location).content.decode()
    flag = kb().red_flags["dvt_one_swollen_calf"]
    assert body.index(flag.name.en) < body.index("What your answers point to")


# -- which questions may be opened ---------------------------------------------------


@pytest.mark.parametrize(
    "question_id",
    [
        "no_such_question",  # not in the knowledge base
        "ferritin_ng_ml",  # a clinician's question
        "rls_urge",  # a real question, but not the next one
        "age",  # the second question before the first is answered
    ],
)
def test_forged_question_ids_are_404(question_id: str) -> None:
    client = Client()
    start(client)
    assert client.get(f"/assess/q/{question_id}/").status_code == 404
    assert client.post(f"/assess/q/{question_id}/", {"answer": "yes"}).status_code == 404
    assert state(client)["answers"] == {}


# -- widgets and bad answers ---------------------------------------------------------


def answered_up_to(client: Client, *qids: str) -> None:
    start(client)
    for qid in qids:
        response = client.post(f"/assess/q/{qid}/", posted(qid, RLS_ANSWERS[qid]))
        assert response.status_code == 302


def test_widgets_per_question_type() -> None:
    client = Client()
    start(client)
    multi = client.get("/assess/q/emergency_signs/").content.decode()
    assert multi.count('type="checkbox"') == len(kb().questions["emergency_signs"].choices)
    assert "<fieldset" in multi
    assert "<legend>" in multi
    assert 'name="skip"' not in multi  # the red-flag screen cannot be skipped
    answered_up_to(client, "emergency_signs")
    number = client.get("/assess/q/age/").content.decode()
    assert 'type="number"' in number
    assert 'min="0"' in number
    assert 'max="120"' in number
    assert "years" in number
    assert 'name="skip"' in number
    answered_up_to(client, "emergency_signs", "age")
    choice = client.get("/assess/q/sex/").content.decode()
    assert choice.count('type="radio"') == 3
    answered_up_to(client, "emergency_signs", "age", "sex")
    yes_no = client.get("/assess/q/pregnant/").content.decode()
    assert yes_no.count('type="radio"') == 2


def test_time_of_day_widget_takes_hours_and_minutes() -> None:
    question = Question.model_validate(
        {
            "id": "bedtime",
            "section": "sleep",
            "type": "time_of_day",
            "text": {"en": "When?", "ru": "Когда?"},
        }
    )
    field = answer_field(question, "en")
    assert 'type="time"' in field.widget.render("answer", "22:30")
    assert field.clean("22:30") == "22:30"
    assert field.clean("07:05:00") == "07:05"
    with pytest.raises(Exception, match="for example 22:30"):
        field.clean("25:99")


@pytest.mark.parametrize(
    ("question_id", "before", "data", "message"),
    [
        ("age", ["emergency_signs"], {"answer": "fifty"}, "Enter a number."),
        ("age", ["emergency_signs"], {"answer": "150"}, "Enter a number from 0 to 120 years."),
        ("age", ["emergency_signs"], {"answer": "52.5"}, "Enter a whole number."),
        ("age", ["emergency_signs"], {}, "Enter an answer, or choose “Skip / I don&#x27;t know”."),
        (
            "emergency_signs",
            [],
            {"answer": ["none", "chest_pain"]},
            "“None of these” cannot be combined with other answers.",
        ),
        ("emergency_signs", [], {}, "Choose an answer."),
        (
            "sex",
            ["emergency_signs", "age"],
            {"answer": "alien"},
            "Select a valid choice. alien is not one of the available choices.",
        ),
        (
            "emergency_signs",
            [],
            {"answer": ["no_such_sign"]},
            "Select a valid choice. no_such_sign is not one of the available choices.",
        ),
    ],
)
def test_bad_answers_show_a_message_and_store_nothing(
    question_id: str, before: list[str], data: dict[str, Any], message: str
) -> None:
    client = Client()
    answered_up_to(client, *before)
    stored = dict(state(client)["answers"])
    response = client.post(f"/assess/q/{question_id}/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert state(client)["answers"] == stored
    assert not Assessment.objects.exists()


def test_a_contradiction_is_refused_with_the_knowledge_base_message() -> None:
    interview = InterviewState(answers={"emergency_signs": ["none"], "age": 30, "sex": "male"})
    problems = interview.answer("pregnant", True, "ru")
    assert problems == [kb().consistency["pregnant_but_male"].message.ru]
    assert "pregnant" not in interview.answers
    assert interview.asked == []


def test_changing_sex_drops_the_pregnancy_answer() -> None:
    client = Client()
    answered_up_to(client, "emergency_signs", "age", "sex")
    client.post("/assess/q/pregnant/", {"answer": "yes"})
    response = client.post("/assess/q/sex/", {"answer": "male"})
    # Pregnancy no longer applies to a man: the answer is dropped, not a contradiction.
    assert response.status_code == 302
    assert "pregnant" not in state(client)["answers"]
    assert state(client)["answers"]["sex"] == "male"


# -- back, changing answers, skipping ------------------------------------------------


def test_back_link_and_earlier_answers_are_filled_in() -> None:
    client = Client()
    answered_up_to(client, "emergency_signs", "age", "sex")
    page = client.get("/assess/q/pregnant/").content.decode()
    assert 'href="/assess/q/sex/"' in page  # back to the previous question
    sex = client.get("/assess/q/sex/").content.decode()
    assert 'href="/assess/q/age/"' in sex
    assert 'value="female" id="id_answer_0" required checked' in sex
    age = client.get("/assess/q/age/").content.decode()  # the browser's back button
    assert 'value="52"' in age
    first = client.get("/assess/q/emergency_signs/").content.decode()
    assert 'href="/"' in first  # back to the start page


def test_changing_an_earlier_answer_keeps_later_ones_and_recomputes_the_next() -> None:
    client = Client()
    answered_up_to(client, "emergency_signs", "age", "sex", "pregnant", "main_symptoms")
    response = client.post("/assess/q/age/", {"answer": "70"})
    answers = state(client)["answers"]
    assert answers["age"] == 70
    assert answers["sex"] == "female"
    assert answers["main_symptoms"] == RLS_ANSWERS["main_symptoms"]
    assert "pregnant" not in answers  # no longer applies at 70
    assert state(client)["asked"][:3] == ["emergency_signs", "age", "sex"]
    assert "pregnant" not in state(client)["asked"]
    # The next question is recomputed from all the answers, not simply the one after age.
    assert response["Location"] not in ("/assess/q/sex/", "/assess/q/pregnant/")
    assert current_question(response["Location"]) not in answers


def test_skip_goes_on_and_is_remembered() -> None:
    client = Client()
    answered_up_to(client, "emergency_signs")
    response = client.post("/assess/q/age/", {"skip": "1", "answer": "52"})
    assert response.status_code == 302
    assert response["Location"] == "/assess/q/sex/"
    assert state(client)["skipped"] == ["age"]
    assert "age" not in state(client)["answers"]
    # A skipped question may be reopened and answered after all.
    assert client.get("/assess/q/age/").status_code == 200
    client.post("/assess/q/age/", {"answer": "52"})
    assert state(client)["skipped"] == []
    assert state(client)["answers"]["age"] == 52


def test_red_flag_questions_cannot_be_skipped() -> None:
    client = Client()
    start(client)
    response = client.post("/assess/q/emergency_signs/", {"skip": "1"})
    assert response.status_code == 200
    assert "This question cannot be skipped: it checks for warning signs." in (
        response.content.decode()
    )
    assert state(client)["skipped"] == []


# -- progress and language -----------------------------------------------------------


def test_progress_by_section() -> None:
    client = Client()
    start(client)
    body = client.get("/assess/q/emergency_signs/").content.decode()
    assert "Part 1 of 11: Urgent warning signs" in body
    assert '<progress id="progress" max="11" value="1">' in body
    answered_up_to(client, "emergency_signs")
    body = client.get("/assess/q/age/").content.decode()
    assert "Part 2 of 11: About you" in body


def test_russian_question_text_from_the_knowledge_base() -> None:
    question = kb().questions["emergency_signs"]
    client = Client(headers={"accept-language": "ru"})
    start(client)
    body = client.get("/assess/q/emergency_signs/").content.decode()
    assert question.text.ru in body
    assert question.choices[0].text.ru in body
    assert question.text.en not in body
    assert kb().meta.section_names["red_flags"].ru in body


def test_set_language_view_switches_the_interview_to_russian() -> None:
    client = Client()
    start(client)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    body = client.get("/assess/q/emergency_signs/").content.decode()
    assert kb().questions["emergency_signs"].text.ru in body


def test_an_interview_that_no_longer_fits_the_knowledge_base_starts_afresh() -> None:
    client = Client()
    session = client.session
    session[INTERVIEW_KEY] = {"answers": {"retired_question": True}, "skipped": [], "asked": []}
    session.save()
    assert client.get("/assess/q/emergency_signs/").status_code == 200
    assert client.get("/assess/q/age/").status_code == 404


def test_sending_the_last_answer_twice_makes_one_assessment() -> None:
    client = Client()
    client.post("/assess/start/")
    client.post("/assess/q/emergency_signs/", {"answer": ["chest_pain"]})
    again = client.post("/assess/q/emergency_signs/", {"answer": ["chest_pain"]})
    assert again["Location"] == "/assess/emergency/"
    assert Assessment.objects.count() == 1
    client.post("/assess/q/emergency_signs/", {"answer": ["chest_pain", "face_droop"]})
    assert Assessment.objects.count() == 2  # a changed answer is a new assessment
