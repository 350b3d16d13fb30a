"""Patient accounts: sign-up, log-in (throttled), password reset, my assessments, compare,
profile (feeding the interview), export and deletion."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape

from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.session import ANONYMOUS_KEY, INTERVIEW_KEY
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult
from tests.web.webtools import PASSWORD, RLS_ANSWERS, login, make_user

pytestmark = pytest.mark.django_db


NEW_PASSWORD = "a-brand-new-Passphrase-77"
CRAMPS = dict(
    RLS_ANSWERS,
    main_symptoms=["cramps"],
    mimic_cramp_hard_muscle=True,
    mimic_cramp_eased_by_stretch=True,
)


def signup_data(**changes: Any) -> dict[str, Any]:
    data = {
        "email": "New.Person@Example.org",
        "name": "New Person",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "ru",
        "clinic": "",
    }
    data.update(changes)
    return data


def anonymous_with_assessment() -> tuple[Client, Assessment]:
    assessment = Assessment.create_from_answers(RLS_ANSWERS)
    client = Client()
    session = client.session
    session[ANONYMOUS_KEY] = [str(assessment.pk)]
    session.save()
    return client, assessment


# -- sign-up -------------------------------------------------------------------------


def test_signup_creates_a_patient_with_a_profile(clinic: Clinic) -> None:
    Clinic.objects.create(name="Closed", slug="closed", accepts_patients=False)
    client = Client()
    page = client.get("/accounts/signup/").content.decode()
    assert "Clinic One" in page
    assert "Closed" not in page
    response = client.post("/accounts/signup/", signup_data(clinic=str(clinic.pk)))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    user = User.objects.get()
    assert user.username == user.email == "new.person@example.org"
    assert user.is_patient
    assert user.clinic == clinic
    assert user.first_name == "New Person"
    assert user.preferred_language == "ru"
    assert user.check_password(PASSWORD)
    assert PatientProfile.objects.filter(user=user).exists()
    assert response.cookies["django_language"].value == "ru"
    assert client.get("/accounts/").status_code == 200  # logged in
    assert AuditEvent.objects.filter(action="create", patient=user, object_type="account").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "PAT@example.org"}, "An account with this e-mail address already exists."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"password2": "something-else-99"}, "The two passwords do not match."),
        ({"password1": "short", "password2": "short"}, "This password is too short."),
        ({"password1": "12345678901", "password2": "12345678901"}, "entirely numeric"),
        ({"clinic": "closed"}, "Select a valid choice."),
        ({"language": "de"}, "Select a valid choice. de is not one of the available choices."),
    ],
)
def test_signup_refuses_bad_input(patient: User, changes: dict[str, Any], message: str) -> None:
    closed = Clinic.objects.create(name="Closed", slug="closed", accepts_patients=False)
    if changes.get("clinic") == "closed":
        changes = dict(changes, clinic=str(closed.pk))
    response = Client().post("/accounts/signup/", signup_data(**changes))
    assert response.status_code == 200
    assert escape(message) in response.content.decode() or message in response.content.decode()
    assert User.objects.count() == 1  # only the fixture's patient


def test_signup_attaches_the_sessions_assessment() -> None:
    client, assessment = anonymous_with_assessment()
    report = f"/assessments/{assessment.pk}/"
    response = client.post(f"/accounts/signup/?next={report}", signup_data(next=report))
    assert response.status_code == 302
    assert response["Location"] == report
    user = User.objects.get()
    assessment.refresh_from_db()
    assert assessment.patient == user
    assert client.session[ANONYMOUS_KEY] == []
    assert AuditEvent.objects.filter(
        action="update", patient=user, object_id=str(assessment.pk)
    ).exists()
    page = client.get(report)
    assert page.status_code == 200
    assert "Save this report" not in page.content.decode()


def test_signup_ignores_an_offsite_next() -> None:
    response = Client().post("/accounts/signup/", signup_data(next="https://evil.example/"))
    assert response["Location"] == "/accounts/"


def test_interview_then_signup_keeps_the_report() -> None:
    client = Client()
    client.post("/assess/start/")
    response = client.post("/assess/q/emergency_signs/", {"answer": ["chest_pain"]})
    assert response["Location"] == "/assess/emergency/"
    client.post("/accounts/signup/", signup_data())
    assessment = Assessment.objects.get()
    assert assessment.patient == User.objects.get()
    assert assessment.urgency == "emergency"


# -- log-in, lock-out, log-out -------------------------------------------------------


def test_login_by_email_attaches_the_sessions_assessments(patient: User) -> None:
    client, assessment = anonymous_with_assessment()
    response = client.post(
        "/accounts/login/", {"username": "PAT@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    assessment.refresh_from_db()
    assert assessment.patient == patient
    assert AuditEvent.objects.filter(action="update", object_id=str(assessment.pk)).exists()


def test_login_with_a_wrong_password_says_so(patient: User) -> None:
    response = Client().post("/accounts/login/", {"username": patient.email, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_login_locks_out_after_five_failures(patient: User) -> None:
    client = Client()
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": patient.email, "password": "x"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": patient.email, "password": "x"})
    assert response.status_code == 429
    # Even the right password is refused now, with a clear message.
    response = client.post("/accounts/login/", {"username": patient.email, "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-ins" in body
    assert "wait 15 minutes" in body
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(patient: User) -> None:
    client = login(patient)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/accounts/").status_code == 302  # back to the log-in page


# -- password reset ------------------------------------------------------------------


def test_password_reset_by_email(patient: User) -> None:
    client = Client()
    response = client.post("/accounts/password_reset/", {"email": patient.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [patient.email]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/accounts/reset/done/"
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing(db: None) -> None:
    response = Client().post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


# -- my assessments and comparing them ------------------------------------------------


def test_home_lists_my_assessments(patient: User, other_patient: User) -> None:
    mine = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    theirs = Assessment.create_from_answers(CRAMPS, patient=other_patient)
    body = login(patient).get("/accounts/").content.decode()
    assert f"/assessments/{mine.pk}/" in body
    assert f"/assessments/{theirs.pk}/" not in body
    assert mine.report("en")["urgency_label"] in body
    assert escape(mine.report("en")["conditions"][0]["name"]) in body
    assert AuditEvent.objects.filter(
        action="view", patient=patient, object_type="assessment_list"
    ).exists()


def test_home_needs_a_login_and_sends_clinicians_to_their_workspace(clinician: User) -> None:
    response = Client().get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = login(clinician).get("/accounts/")
    assert response["Location"] == "/clinic/"


def test_compare_two_assessments(patient: User) -> None:
    before = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    urgent = dict(RLS_ANSWERS, main_symptoms=["urge_to_move", "swelling"], calf_swelling=True)
    after = Assessment.create_from_answers(urgent, patient=patient)
    client = login(patient)
    # The order of the parameters does not matter: the earlier one comes first.
    response = client.get(f"/accounts/compare/?a={after.pk}&b={before.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(f"/assessments/{before.pk}/") < body.index(f"/assessments/{after.pk}/")
    old, new = before.report("en"), after.report("en")
    assert old["urgency_label"] in body
    assert new["urgency_label"] in body
    assert "More urgent now" in body
    flag = new["red_flags"][0]["name"]
    assert f"New warning sign: {escape(flag)}." in body
    assert escape(old["conditions"][0]["name"]) in body
    views = AuditEvent.objects.filter(action="view", patient=patient)
    assert {e.object_id for e in views} == {str(before.pk), str(after.pk)}


def test_compare_shows_band_changes(patient: User) -> None:
    rls = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    cramps = Assessment.create_from_answers(CRAMPS, patient=patient)
    body = login(patient).get(f"/accounts/compare/?a={rls.pk}&b={cramps.pk}").content.decode()
    rls_name = escape(rls.report("en")["conditions"][0]["name"])
    cramps_first = cramps.report("en")["conditions"][0]
    assert f"Less likely now: {rls_name} (likely → possible)." in body
    assert f"New: {escape(cramps_first['name'])} ({cramps_first['likelihood_label']})." in body
    assert "More urgent now" not in body


def test_compare_without_a_choice_shows_the_form(patient: User) -> None:
    first = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    second = Assessment.create_from_answers(CRAMPS, patient=patient)
    body = login(patient).get("/accounts/compare/").content.decode()
    assert 'id="compare-a"' in body
    assert body.count(f'<option value="{first.pk}"') == 2
    assert body.count(f'<option value="{second.pk}"') == 2
    assert "What changed" not in body


def test_compare_refuses_others_assessments(patient: User, other_patient: User) -> None:
    mine = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    theirs = Assessment.create_from_answers(RLS_ANSWERS, patient=other_patient)
    client = login(patient)
    assert client.get(f"/accounts/compare/?a={mine.pk}&b={theirs.pk}").status_code == 404
    assert client.get(f"/accounts/compare/?a={mine.pk}&b=nonsense").status_code == 404
    assert not AuditEvent.objects.filter(object_id=str(theirs.pk)).exists()


# -- profile -------------------------------------------------------------------------


def test_profile_saves_answers_and_the_interview_does_not_ask_them_again(patient: User) -> None:
    client = login(patient)
    page = client.get("/accounts/profile/").content.decode()
    assert 'type="number"' in page
    assert 'name="pregnant"' in page  # may apply until age and sex are known
    response = client.post(
        "/accounts/profile/",
        {
            "age": "44",
            "sex": "female",
            "pregnant": "no",
            "medications": ["statin"],
            "known_conditions": ["none"],
        },
    )
    assert response.status_code == 302
    profile = PatientProfile.objects.get(user=patient)
    assert profile.answers == {
        "age": 44,
        "sex": "female",
        "pregnant": False,
        "medications": ["statin"],
        "known_conditions": ["none"],
    }
    assert AuditEvent.objects.filter(
        action="update", patient=patient, object_type="patientprofile"
    ).exists()
    # Pre-filled: after the warning-sign screen the interview goes straight to the complaint.
    assert client.post("/assess/start/")["Location"] == "/assess/q/emergency_signs/"
    response = client.post("/assess/q/emergency_signs/", {"answer": ["none"]})
    assert response["Location"] == "/assess/q/main_symptoms/"
    assert client.session[INTERVIEW_KEY]["answers"]["age"] == 44
    assert AuditEvent.objects.filter(action="view", patient=patient, object_type="profile").exists()
    # The form shows the saved answers.
    page = client.get("/accounts/profile/").content.decode()
    assert 'value="44"' in page
    assert re.search(r'value="statin"[^>]*checked', page)


def test_profile_keeps_pregnancy_only_when_it_applies(patient: User) -> None:
    client = login(patient)
    client.post("/accounts/profile/", {"age": "70", "sex": "female", "pregnant": "yes"})
    assert PatientProfile.objects.get(user=patient).answers == {"age": 70, "sex": "female"}
    assert 'name="pregnant"' not in client.get("/accounts/profile/").content.decode()


def test_profile_answers_can_be_cleared(patient: User) -> None:
    PatientProfile.objects.filter(user=patient).update(answers={"age": 50, "sex": "male"})
    client = login(patient)
    client.post("/accounts/profile/", {"age": "", "sex": ""})
    assert PatientProfile.objects.get(user=patient).answers == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"age": "old"}, "Enter a number."),
        ({"age": "-3"}, "Enter a number from 0 to 120 years."),
        ({"sex": "robot"}, "Select a valid choice. robot is not one of the available choices."),
        (
            {"medications": ["none", "statin"]},
            "“None of these” cannot be combined with other answers.",
        ),
    ],
)
def test_profile_refuses_bad_input(patient: User, data: dict[str, Any], message: str) -> None:
    PatientProfile.objects.filter(user=patient).update(answers={"age": 50})
    response = login(patient).post("/accounts/profile/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PatientProfile.objects.get(user=patient).answers == {"age": 50}


def test_profile_is_for_patients_only(clinician: User) -> None:
    assert login(clinician).get("/accounts/profile/").status_code == 404
    assert Client().get("/accounts/profile/").status_code == 302


# -- export --------------------------------------------------------------------------


def test_export_holds_all_my_data(patient: User, other_patient: User, clinician: User) -> None:
    PatientProfile.objects.filter(user=patient).update(answers={"age": 52})
    mine = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    Assessment.create_from_answers(CRAMPS, patient=other_patient)
    LabResult.objects.create(
        patient=patient,
        recorded_by=clinician,
        question_id="ferritin_ng_ml",
        value=40,
        measured_on=dt.date(2026, 11, 1),
    )
    ExamFinding.objects.create(patient=patient, recorded_by=clinician, text="Normal reflexes")
    ClinicalNote.objects.create(patient=patient, author=clinician, text="Discussed iron")
    ClinicalNote.objects.create(patient=other_patient, author=clinician, text="Not yours")
    response = login(patient).get("/accounts/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="quietlegs-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == patient.email
    assert data["account"]["clinic"] == "Clinic One"
    assert data["profile"] == {"age": 52}
    assert [a["id"] for a in data["assessments"]] == [str(mine.pk)]
    assert data["assessments"][0]["answers"] == RLS_ANSWERS
    assert data["assessments"][0]["reports"]["ru"] == mine.report("ru")
    assert data["lab_results"] == [
        {
            "test": "ferritin_ng_ml",
            "value": 40.0,
            "measured_on": "2026-11-01",
            "recorded_at": data["lab_results"][0]["recorded_at"],
        }
    ]
    assert [f["text"] for f in data["exam_findings"]] == ["Normal reflexes"]
    assert [n["text"] for n in data["clinical_notes"]] == ["Discussed iron"]
    assert data["diary"] == []
    assert data["treatments"] == []
    assert data["diary_settings"] == {"reminders": False}
    assert AuditEvent.objects.filter(action="export", patient=patient).count() == 1


def test_export_is_for_patients_only(clinician: User) -> None:
    assert login(clinician).get("/accounts/export/").status_code == 404
    assert Client().get("/accounts/export/").status_code == 302


# -- delete --------------------------------------------------------------------------


def test_delete_needs_the_password(patient: User) -> None:
    client = login(patient)
    assert client.get("/accounts/delete/").status_code == 200
    response = client.post("/accounts/delete/", {"password": "wrong"})
    assert response.status_code == 200
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(pk=patient.pk).exists()


def test_delete_removes_the_account_and_data_but_keeps_the_audit_trail(
    patient: User, clinician: User
) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    LabResult.objects.create(
        patient=patient,
        recorded_by=clinician,
        question_id="ferritin_ng_ml",
        value=40,
        measured_on=dt.date(2026, 11, 1),
    )
    client = login(patient)
    client.get(f"/assessments/{assessment.pk}/")  # an audited read
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=patient.pk).exists()
    assert not Assessment.objects.exists()
    assert not LabResult.objects.exists()
    assert not PatientProfile.objects.exists()
    events = AuditEvent.objects.filter(patient_label=patient.email)
    assert {e.action for e in events} == {"view", "delete"}
    assert all(e.patient_id is None and e.actor_id is None for e in events)
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(pk=clinician.pk).exists()


def test_delete_is_for_patients_only(clinician: User) -> None:
    assert login(clinician).post("/accounts/delete/", {"password": PASSWORD}).status_code == 404
    assert User.objects.filter(pk=clinician.pk).exists()


def test_a_second_patient_is_unaffected_by_a_deletion(patient: User) -> None:
    other = make_user("second@example.org")
    theirs = Assessment.create_from_answers(RLS_ANSWERS, patient=other)
    login(patient).post("/accounts/delete/", {"password": PASSWORD})
    assert Assessment.objects.get() == theirs
