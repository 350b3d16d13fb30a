"""The clinician workspace: patient list, patient page, results, findings and notes."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quietlegs import AnswerError
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.records import services
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult, lab_question_ids
from tests.web.webtools import RLS_ANSWERS, login, make_user

pytestmark = pytest.mark.django_db

EMERGENCY_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["chest_pain"],
    "age": 64,
    "sex": "male",
    "main_symptoms": ["weakness"],
}


def today() -> datetime.date:
    """Today, read when a test runs (a date read at import went stale in a run that
    crossed midnight)."""
    return timezone.localdate()


def lab_url(patient: User) -> str:
    return reverse("records:add_lab", args=[patient.pk])


#: Tomorrow's date in parametrized input, read when the test runs (a date read at import
#: is today's no more in a run that crosses midnight).
TOMORROW = "<tomorrow>"


def lab_post(question_id: str = "ferritin_ng_ml", value: Any = 40, **extra: Any) -> dict[str, Any]:
    data = {
        "lab-question_id": question_id,
        "lab-value": value,
        "lab-measured_on": extra.pop("measured_on", today().isoformat()),
    }
    data.update(extra)
    return data


def treatment_ids(assessment: Assessment) -> list[str]:
    return [t["id"] for t in assessment.report("en")["treatments"]]


def field_errors(response: Any, form: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = response.context[form].errors
    return {k: list(v) for k, v in errors.items()}


# --- the patient list ---------------------------------------------------------------------


def test_list_shows_own_clinic_patients_with_latest_assessment(
    patient: User, other_patient: User, clinician: User
) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    Assessment.create_from_answers(RLS_ANSWERS, patient=other_patient)
    response = login(clinician).get(reverse("records:patients"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "pat@example.org" in html
    assert "Pat" in html
    assert "other@example.org" not in html
    assert "Routine: book an appointment with a doctor" in html
    assert "Restless legs syndrome (Willis–Ekbom disease)" in html
    rows = response.context["rows"]
    assert [r["patient"] for r in rows] == [patient]
    assert rows[0]["latest_at"] is not None


def test_list_most_urgent_then_most_recent_first(clinic: Clinic, clinician: User) -> None:
    routine_old = make_user("a@example.org", clinic=clinic)
    routine_new = make_user("b@example.org", clinic=clinic)
    emergency = make_user("c@example.org", clinic=clinic)
    never = make_user("d@example.org", clinic=clinic)
    Assessment.create_from_answers(RLS_ANSWERS, patient=routine_old)
    Assessment.create_from_answers(RLS_ANSWERS, patient=routine_new)
    Assessment.create_from_answers(EMERGENCY_ANSWERS, patient=emergency)
    # routine_new's latest assessment is now the newest routine one
    Assessment.objects.filter(patient=routine_old).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    rows = login(clinician).get(reverse("records:patients")).context["rows"]
    assert [r["patient"] for r in rows] == [emergency, routine_new, routine_old, never]
    assert rows[0]["urgency"] == "emergency"
    assert rows[3]["urgency"] == ""


def test_list_ranks_by_the_latest_assessment_only(patient: User, clinician: User) -> None:
    Assessment.create_from_answers(EMERGENCY_ANSWERS, patient=patient)
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    client = login(clinician)
    rows = client.get(reverse("records:patients")).context["rows"]
    assert rows[0]["urgency"] == "routine"
    assert client.get(reverse("records:patients"), {"urgency": "emergency"}).context["rows"] == []


def test_list_filter_and_search(clinic: Clinic, clinician: User) -> None:
    anna = make_user("anna@example.org", clinic=clinic)
    anna.last_name = "Smirnova"
    anna.save()
    boris = make_user("boris@example.org", clinic=clinic)
    Assessment.create_from_answers(RLS_ANSWERS, patient=anna)
    Assessment.create_from_answers(EMERGENCY_ANSWERS, patient=boris)
    client = login(clinician)
    url = reverse("records:patients")

    def names(**params: str) -> list[str]:
        return [r["patient"].email for r in client.get(url, params).context["rows"]]

    assert names(urgency="emergency") == ["boris@example.org"]
    assert names(urgency="routine") == ["anna@example.org"]
    assert names(urgency="self_care") == []
    assert names(q="smirn") == ["anna@example.org"]
    assert names(q="ANNA smirnova") == ["anna@example.org"]
    assert names(q="boris@") == ["boris@example.org"]
    assert names(q="nobody") == []
    assert "No patient matches this search." in client.get(url, {"q": "nobody"}).content.decode()


def test_list_rejects_an_unknown_urgency(patient: User, clinician: User) -> None:
    response = login(clinician).get(reverse("records:patients"), {"urgency": "panic"})
    assert response.status_code == 200
    assert field_errors(response, "form") == {
        "urgency": ["Select a valid choice. panic is not one of the available choices."]
    }
    assert [r["patient"] for r in response.context["rows"]] == [patient]


def test_list_is_paginated_by_25(clinic: Clinic, clinician: User) -> None:
    User.objects.bulk_create(
        User(username=f"p{i}@example.org", email=f"p{i}@example.org", clinic=clinic)
        for i in range(30)
    )
    client = login(clinician)
    first = client.get(reverse("records:patients"))
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.num_pages == 2
    assert 'rel="next"' in first.content.decode()
    second = client.get(reverse("records:patients"), {"page": 2})
    assert len(second.context["rows"]) == 5
    # a page past the end shows the last page, not an error
    assert len(client.get(reverse("records:patients"), {"page": 99}).context["rows"]) == 5


def test_list_is_for_clinicians_only(patient: User) -> None:
    url = reverse("records:patients")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert login(patient).get(url).status_code == 404


def test_list_writes_an_audit_entry(clinician: User) -> None:
    login(clinician).get(reverse("records:patients"), {"q": "x"})
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_type) == (clinician, "view", "patient_list")
    assert event.path == "/clinic/?q=x"


# --- the patient page ---------------------------------------------------------------------


def test_patient_page_shows_the_whole_record(patient: User, clinician: User) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    LabResult.objects.create(
        patient=patient,
        question_id="tsh_miu_l",
        value=2.5,
        measured_on=today(),
        recorded_by=clinician,
    )
    ExamFinding.objects.create(patient=patient, recorded_by=clinician, text="Normal reflexes")
    ClinicalNote.objects.create(patient=patient, author=clinician, text="Discussed sleep <b>")
    response = login(clinician).get(reverse("records:patient", args=[patient.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Online interview",
        "Routine: book an appointment with a doctor",
        "Restless legs syndrome (Willis–Ekbom disease)",
        "Criteria met: 5 of 5",
        "Begins or worsens during rest or inactivity",
        "Morning iron studies: serum ferritin and transferrin saturation",
        "TSH (thyroid-stimulating hormone) (mIU/L)",
        "2.5 mIU/L",
        "Normal reflexes",
        "Discussed sleep &lt;b&gt;",
        "Serum ferritin (morning, fasting from iron) (ng/mL)",  # the lab form's choices
    ):
        assert text in html, text
    assert "Discussed sleep <b>" not in html


def test_patient_page_in_russian(patient: User, clinician: User) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    client = login(clinician)
    client.cookies["django_language"] = "ru"
    html = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "Планово: запишитесь на приём к врачу" in html
    assert "Ферритин сыворотки (утром, без приёма железа) (нг/мл)" in html


def test_patient_page_without_assessments(patient: User, clinician: User) -> None:
    response = login(clinician).get(reverse("records:patient", args=[patient.pk]))
    assert "This patient has no assessment yet." in response.content.decode()


def test_patient_page_404_outside_the_clinic(
    patient: User, other_patient: User, clinician: User, clinic_admin: User
) -> None:
    client = login(clinician)
    assert client.get(reverse("records:patient", args=[other_patient.pk])).status_code == 404
    # staff of the same clinic are not patients
    assert client.get(reverse("records:patient", args=[clinic_admin.pk])).status_code == 404
    assert client.get(reverse("records:patient", args=[999999])).status_code == 404
    patient.is_active = False
    patient.save()
    assert client.get(reverse("records:patient", args=[patient.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_patient_page_writes_one_audit_entry(patient: User, clinician: User) -> None:
    login(clinician).get(reverse("records:patient", args=[patient.pk]), REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get()
    assert event.actor == clinician
    assert event.action == "view"
    assert event.patient == patient
    assert (event.object_type, event.object_id) == ("patient_record", str(patient.pk))
    assert event.ip_address == "10.1.2.3"
    assert event.path == f"/clinic/patients/{patient.pk}/"


# --- lab results and the re-run -----------------------------------------------------------


def test_low_ferritin_reruns_with_the_iron_recommendation(patient: User, clinician: User) -> None:
    first = Assessment.create_from_answers(
        RLS_ANSWERS, patient=patient, skipped=["sleep_complaint", "ferritin_ng_ml"]
    )
    assert not [t for t in treatment_ids(first) if "iron" in t and t != "iron_if_low_stores"]
    client = login(clinician)
    response = client.post(lab_url(patient), lab_post(value=40))
    assert response.status_code == 302
    assert response["Location"] == f"/clinic/patients/{patient.pk}/#assessments"
    result = LabResult.objects.get()
    assert (result.question_id, result.value, result.recorded_by) == (
        "ferritin_ng_ml",
        40,
        clinician,
    )
    rerun = Assessment.objects.exclude(pk=first.pk).get()
    assert rerun.source == Assessment.Source.CLINICIAN
    assert rerun.created_by == clinician
    assert rerun.based_on == first
    assert rerun.patient == patient
    assert rerun.answers == {**RLS_ANSWERS, "ferritin_ng_ml": 40}
    assert rerun.skipped == ["sleep_complaint"]  # ferritin is answered now
    ids = treatment_ids(rerun)
    assert "oral_ferrous_sulfate" in ids  # the guideline's ferritin <= 75 item
    assert "iv_ferric_carboxymaltose" in ids
    # and the clinician sees it on the page, in the same language
    page = client.get(response["Location"]).content.decode()
    assert "The result was saved and the assessment re-run: Routine" in page
    assert 'data-treatment="oral_ferrous_sulfate"' in page
    assert "Re-run by a clinician with results" in page


def test_ferritin_above_the_threshold_gives_no_iron_item(patient: User, clinician: User) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    login(clinician).post(lab_url(patient), lab_post(value=120))
    rerun = Assessment.objects.get(source=Assessment.Source.CLINICIAN)
    ids = treatment_ids(rerun)
    assert "oral_ferrous_sulfate" not in ids
    assert not [t for t in ids if "iron" in t]


def test_rerun_overlays_the_latest_result_of_each_test(patient: User, clinician: User) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    client = login(clinician)
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    last_month = (today() - datetime.timedelta(days=30)).isoformat()
    client.post(lab_url(patient), lab_post(value=40, measured_on=yesterday))
    client.post(lab_url(patient), lab_post("tsat_percent", 25))
    # an older sample entered later does not replace the newer ferritin
    client.post(lab_url(patient), lab_post(value=300, measured_on=last_month))
    latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    assert latest is not None
    assert latest.answers["ferritin_ng_ml"] == 40
    assert latest.answers["tsat_percent"] == 25
    assert latest.based_on is not None
    assert latest.based_on.source == Assessment.Source.CLINICIAN  # the latest of any source
    assert Assessment.objects.filter(patient=patient).count() == 4


def test_result_without_an_assessment_is_stored_and_said_so(patient: User, clinician: User) -> None:
    client = login(clinician)
    response = client.post(lab_url(patient), lab_post(), follow=True)
    assert LabResult.objects.count() == 1
    assert not Assessment.objects.exists()
    assert (
        "The result was saved. The patient has no assessment yet, so there was nothing to re-run."
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            lab_post(value=6000),
            "Ферритин сыворотки (утром, без приёма железа): значение должно быть от 0 до 5000 "
            "нг/мл; указано 6000",
        ),
        (
            lab_post("tsat_percent", 100.5),
            "Насыщение трансферрина железом (НТЖ): значение должно быть от 0 до 100 %; "
            "указано 100,5",
        ),
    ],
)
def test_a_lab_value_out_of_range_is_explained_in_russian(
    patient: User, clinician: User, data: dict[str, Any], message: str
) -> None:
    client = login(clinician)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = client.post(lab_url(patient), data)
    assert response.status_code == 400
    assert field_errors(response, "lab_form") == {"value": [message]}
    assert "must be" not in response.content.decode()
    assert not LabResult.objects.exists()


#: How the lab form names the ferritin test in an error (its label, not its id).
FERRITIN = "Serum ferritin (morning, fasting from iron)"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            lab_post(value=6000),
            {"value": [f"{FERRITIN}: must be between 0 and 5000 ng/mL; got 6000"]},
        ),
        (
            lab_post(value=-1),
            {"value": [f"{FERRITIN}: must be between 0 and 5000 ng/mL; got -1"]},
        ),
        (
            lab_post("tsat_percent", 101),
            {"value": ["Transferrin saturation (TSAT): must be between 0 and 100 %; got 101"]},
        ),
        (
            lab_post(measured_on=TOMORROW),
            {"measured_on": ["The date of the sample cannot be in the future."]},
        ),
        (
            lab_post("age"),
            {"question_id": ["Select a valid choice. age is not one of the available choices."]},
        ),
        (
            lab_post("nope"),
            {"question_id": ["Select a valid choice. nope is not one of the available choices."]},
        ),
        (lab_post(value="forty"), {"value": ["Enter a number."]}),
        (lab_post(value="nan"), {"value": ["Enter a number."]}),
        (lab_post(value=""), {"value": ["This field is required."]}),
        (lab_post(measured_on="yesterday"), {"measured_on": ["Enter a valid date."]}),
    ],
    ids=[
        "ferritin-too-high",
        "ferritin-negative",
        "tsat-over-100",
        "future-date",
        "patient-question",
        "unknown-test",
        "not-a-number",
        "nan",
        "empty-value",
        "bad-date",
    ],
)
def test_bad_lab_input_is_refused_with_a_clear_message(
    patient: User, clinician: User, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    data = {k: tomorrow if v == TOMORROW else v for k, v in data.items()}
    response = login(clinician).post(lab_url(patient), data)
    assert response.status_code == 400
    assert field_errors(response, "lab_form") == errors
    for message in errors.values():
        assert message[0].replace("'", "&#x27;") in response.content.decode()
    assert not LabResult.objects.exists()
    assert Assessment.objects.count() == 1
    # the page was shown again: one view, no change
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["view"]


def test_service_refuses_unknown_test_and_future_date(patient: User, clinician: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.add_lab_result(
            None,
            patient,
            clinician,
            question_id="nope",
            value=1,
            measured_on=today() + datetime.timedelta(days=2),
        )
    assert caught.value.message_dict == {
        "question_id": ["Unknown test."],
        "measured_on": ["The date of the sample cannot be in the future."],
    }
    assert not LabResult.objects.exists()


def test_service_refuses_a_clinician_of_another_clinic(
    patient: User, other_clinician: User
) -> None:
    with pytest.raises(PermissionError):
        services.add_lab_result(
            None, patient, other_clinician, question_id="tsh_miu_l", value=1, measured_on=today()
        )
    with pytest.raises(PermissionError):
        services.add_note(None, patient, other_clinician, text="x")
    with pytest.raises(PermissionError):
        services.add_exam_finding(None, patient, other_clinician, text="x")
    assert not LabResult.objects.exists()
    assert not ClinicalNote.objects.exists()


def test_failed_rerun_saves_nothing(
    patient: User, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)

    def fail(*args: Any, **kwargs: Any) -> Assessment:
        raise AnswerError(["ferritin_ng_ml: contradicts something"])

    monkeypatch.setattr(Assessment, "create_from_answers", fail)
    response = login(clinician).post(lab_url(patient), lab_post())
    assert response.status_code == 400
    html = response.content.decode()
    assert "The assessment could not be re-run, so the result was not saved:" in html
    # A problem given as plain (English) text is not shown; the page words its kind.
    assert "re-run, so the result was not saved: the answers could not be checked" in html
    assert "contradicts something" not in html
    assert not LabResult.objects.exists()
    assert Assessment.objects.count() == 1
    assert not AuditEvent.objects.filter(action="create").exists()


def test_failed_audit_entry_saves_nothing(
    patient: User, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)

    def broken(*args: Any, **kwargs: Any) -> AuditEvent:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        services.add_lab_result(
            None, patient, clinician, question_id="ferritin_ng_ml", value=40, measured_on=today()
        )
    with pytest.raises(RuntimeError):
        services.add_note(None, patient, clinician, text="a note")
    with pytest.raises(RuntimeError):
        services.add_exam_finding(None, patient, clinician, text="a finding")
    assert not LabResult.objects.exists()
    assert not ClinicalNote.objects.exists()
    assert not ExamFinding.objects.exists()
    assert Assessment.objects.count() == 1


def test_lab_form_lists_the_knowledge_base_tests(patient: User, clinician: User) -> None:
    response = login(clinician).get(reverse("records:patient", args=[patient.pk]))
    choices = dict(response.context["lab_form"].fields["question_id"].choices)
    assert choices["ferritin_ng_ml"] == "Serum ferritin (morning, fasting from iron) (ng/mL)"
    assert choices["tsat_percent"] == "Transferrin saturation (TSAT) (%)"
    assert "age" not in choices
    assert set(choices) == set(lab_question_ids())


# --- findings and notes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model", "form", "anchor", "message"),
    [
        ("add_finding", ExamFinding, "finding", "findings", "The examination finding was saved."),
        ("add_note", ClinicalNote, "note", "notes", "The note was saved."),
    ],
)
def test_add_finding_and_note(
    patient: User,
    clinician: User,
    name: str,
    model: type[ExamFinding] | type[ClinicalNote],
    form: str,
    anchor: str,
    message: str,
) -> None:
    client = login(clinician)
    url = reverse(f"records:{name}", args=[patient.pk])
    response = client.post(url, {f"{form}-text": "  Mild ankle oedema  "})
    assert response.status_code == 302
    assert response["Location"] == f"/clinic/patients/{patient.pk}/#{anchor}"
    saved = model.objects.get()
    assert saved.text == "Mild ankle oedema"
    assert saved.patient == patient
    page = client.get(response["Location"]).content.decode()
    assert message in page
    assert "Mild ankle oedema" in page


@pytest.mark.parametrize(
    ("name", "form", "text", "error"),
    [
        ("add_finding", "finding", "", "This field is required."),
        ("add_finding", "finding", "   ", "This field is required."),
        (
            "add_finding",
            "finding",
            "x" * 5001,
            "Ensure this value has at most 5000 characters (it has 5001).",
        ),
        ("add_note", "note", "", "This field is required."),
        (
            "add_note",
            "note",
            "x" * 10001,
            "Ensure this value has at most 10000 characters (it has 10001).",
        ),
    ],
    ids=["finding-empty", "finding-blank", "finding-too-long", "note-empty", "note-too-long"],
)
def test_bad_finding_or_note_is_refused(
    patient: User, clinician: User, name: str, form: str, text: str, error: str
) -> None:
    response = login(clinician).post(
        reverse(f"records:{name}", args=[patient.pk]), {f"{form}-text": text}
    )
    assert response.status_code == 400
    assert field_errors(response, f"{form}_form") == {"text": [error]}
    assert error in response.content.decode()
    assert not ExamFinding.objects.exists()
    assert not ClinicalNote.objects.exists()


@pytest.mark.parametrize(
    ("name", "form", "lang", "expected"),
    [
        (
            "add_finding",
            "finding",
            "en",
            ("findings-form", "The finding was not saved:", "Finding: This field is required."),
        ),
        (
            "add_finding",
            "finding",
            "ru",
            ("findings-form", "Данные осмотра не сохранены:", "Данные осмотра: Обязательное поле."),
        ),
        (
            "add_note",
            "note",
            "en",
            ("notes-form", "The note was not saved:", "Note: This field is required."),
        ),
        (
            "add_note",
            "note",
            "ru",
            ("notes-form", "Заметка не сохранена:", "Заметка: Обязательное поле."),
        ),
    ],
    ids=["finding-en", "finding-ru", "note-en", "note-ru"],
)
def test_a_refused_finding_or_note_shows_its_problem_where_the_reader_lands(
    patient: User,
    clinician: User,
    name: str,
    form: str,
    lang: str,
    expected: tuple[str, str, str],
) -> None:
    # The page used to reload at its top with the error far down in the section.
    form_id, title, problem = expected
    client = login(clinician)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    url = reverse(f"records:{name}", args=[patient.pk])
    response = client.post(url, {f"{form}-text": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'action="{url}#{form_id}" id="{form_id}"' in page  # lands on the form
    assert page.count('class="form-problems"') == 1  # only the refused form has an alert
    start = page.index('<div class="form-problems" role="alert">')
    assert page.index(f'id="{form_id}"') < start < page.index(f'id="id_{form}-text"')
    alert = page[start:].split("</div>", 1)[0]
    assert f"<strong>{title}</strong>" in alert
    assert f'<li><a href="#id_{form}-text">{problem}</a></li>' in alert
    (textarea,) = re.findall(rf'<textarea[^>]*id="id_{form}-text"[^>]*>', page)
    assert "autofocus" in textarea
    assert 'aria-invalid="true"' in textarea
    fresh = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "form-problems" not in fresh
    (fresh_textarea,) = re.findall(rf'<textarea[^>]*id="id_{form}-text"[^>]*>', fresh)
    assert "autofocus" not in fresh_textarea


def test_service_checks_text_length_itself(patient: User, clinician: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=r"at most 10000 characters, got 10001"):
        services.add_note(None, patient, clinician, text="y" * 10001)
    with pytest.raises(ValidationError, match="This field is required"):
        services.add_exam_finding(None, patient, clinician, text=" \n ")
    assert not ClinicalNote.objects.exists()


def test_additions_need_post_and_csrf(patient: User, clinician: User) -> None:
    client = login(clinician)
    assert client.get(lab_url(patient)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clinician)
    response = strict.post(reverse("records:add_note", args=[patient.pk]), {"note-text": "x"})
    assert response.status_code == 403
    assert not ClinicalNote.objects.exists()


def test_patient_page_forms_have_labels(patient: User, clinician: User) -> None:
    html = login(clinician).get(reverse("records:patient", args=[patient.pk])).content.decode()
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


def test_service_refusal_is_a_404_in_the_view(
    patient: User, other_patient: User, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # should get_patient ever let a foreign patient through, the service still refuses
    monkeypatch.setattr(services, "get_patient", lambda user, pk: other_patient)
    client = login(clinician)
    for name, data in (
        ("add_note", {"note-text": "x"}),
        ("add_finding", {"finding-text": "x"}),
        ("add_lab", lab_post()),
    ):
        response = client.post(reverse(f"records:{name}", args=[patient.pk]), data)
        assert response.status_code == 404, name
    assert not ClinicalNote.objects.exists()
    assert not ExamFinding.objects.exists()
    assert not LabResult.objects.exists()
