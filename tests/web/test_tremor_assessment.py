"""A measured tremor re-runs the patient's latest assessment: the offer on the report page,
the new assessment (source ``measurement``, based on the previous one), the audit entry,
the new report, and every refusal (no tremor, no assessment, someone else's recording)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.tremor import services
from tests.web.integtools import tremor_recording
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db

#: The interview of vignette tremor_measured_5hz_rest without its measurement: a 71-year-old
#: man with a one-sided hand tremor, noticed when holding a posture.
TREMOR_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 71,
    "sex": "male",
    "main_symptoms": ["tremor"],
    "tremor_recent_stop": ["none"],
    "tremor_acute_signs": ["none"],
    "tremor_body_parts": ["hands_arms"],
    "tremor_side": "one_side",
    "tremor_situation": ["holding_posture"],
    "tremor_onset": "gradual",
    "tremor_duration": "one_month_to_three_years",
    "tremor_family_history": False,
    "tremor_triggers": ["none"],
    "tremor_alcohol_effect": "not_tried",
    "tremor_signs": ["none"],
    "tremor_variable": False,
    "tremor_interferes": "not_at_all",
    "known_conditions": ["none"],
    "medications": ["none"],
    "tremor_medicine_started": False,
    "tremor_other_medicines": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}
BUTTON = "Re-run my assessment with this measurement"


def likelihood(assessment: Assessment, condition: str) -> str:
    found = [c for c in assessment.report("en")["conditions"] if c["id"] == condition]
    return str(found[0]["likelihood"]) if found else "not listed"


def reassess_url(recording_id: int) -> str:
    return reverse("tremor:reassess", args=[recording_id])


def report_page(client: Client, recording_id: int) -> str:
    response = client.get(reverse("tremor:report", args=[recording_id]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_url() -> None:
    assert reassess_url(7) == "/tremor/7/reassess/"


def test_a_measured_rest_tremor_re_runs_the_latest_assessment(patient: User) -> None:
    first = Assessment.create_from_answers(
        TREMOR_ANSWERS, skipped=["tremor_drugs"], patient=patient, created_by=patient
    )
    assert likelihood(first, "parkinsonian_tremor") == "possible"
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    client = login(patient)
    page = report_page(client, item.pk)
    assert BUTTON in page
    assert f'action="{reassess_url(item.pk)}"' in page
    assert 'name="csrfmiddlewaretoken"' in page

    response = client.post(reassess_url(item.pk))
    new = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    assert new is not None
    assert new != first
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:report", args=[new.pk])
    assert (new.source, new.based_on, new.created_by) == ("measurement", first, patient)
    frequency = round(item.result["dominant_frequency_hz"], 1)
    assert new.answers == {
        **TREMOR_ANSWERS,
        "tremor_dominant_frequency_hz": frequency,
        "tremor_task": "rest",
    }
    assert new.skipped == ["tremor_drugs"]
    # the measurement is weighed: a 5 Hz rest tremor makes parkinsonian tremor likely
    assert likelihood(new, "parkinsonian_tremor") == "likely"
    assert new.get_source_display() == "Re-run with a measured tremor"
    assert AuditEvent.objects.filter(
        patient=patient,
        actor=patient,
        action="create",
        object_type="assessment",
        object_id=str(new.pk),
    ).exists()
    # the patient sees the new report
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Your assessment was re-run with the measured tremor" in html
    assert "Measured rest tremor in the parkinsonian band" in html
    # twice: nothing new, back to the same report; the page no longer offers it
    again = client.post(reassess_url(item.pk))
    assert again["Location"] == reverse("assessments:report", args=[new.pk])
    assert Assessment.objects.filter(patient=patient).count() == 2
    page = report_page(client, item.pk)
    assert BUTTON not in page
    assert "Your latest assessment already includes this measurement." in page


def test_the_latest_assessment_of_any_source_is_the_one_re_run(patient: User) -> None:
    Assessment.create_from_answers(TREMOR_ANSWERS, patient=patient, created_by=patient)
    with_lab = Assessment.create_from_answers(
        {**TREMOR_ANSWERS, "ferritin_ng_ml": 40}, patient=patient, source="clinician"
    )
    item = tremor_recording(patient, 16.0, 0.3, "standing")
    outcome = services.reassess_with_measurement(None, patient, patient, item)
    assert outcome.created
    assert outcome.assessment.based_on == with_lab
    assert outcome.assessment.answers["ferritin_ng_ml"] == 40
    assert outcome.assessment.answers["tremor_task"] == "standing"


def test_no_tremor_found_offers_nothing_and_changes_nothing(patient: User) -> None:
    Assessment.create_from_answers(TREMOR_ANSWERS, patient=patient, created_by=patient)
    item = tremor_recording(patient, 9.0, 0.0, "posture")  # sensor noise only
    assert item.result["detected"] is False
    client = login(patient)
    page = report_page(client, item.pk)
    assert BUTTON not in page
    assert "Add this measurement to your assessment" not in page
    response = client.post(reassess_url(item.pk), follow=True)
    assert "No tremor was found in this recording, so there is nothing to add." in (
        response.content.decode()
    )
    assert Assessment.objects.filter(patient=patient).count() == 1
    with pytest.raises(ValidationError, match="No tremor was found"):
        services.reassess_with_measurement(None, patient, patient, item)


def test_without_an_assessment_the_page_says_to_take_it_first(patient: User) -> None:
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    client = login(patient)
    page = report_page(client, item.pk)
    assert BUTTON not in page
    assert "You have no assessment yet. Take the assessment first" in page
    assert f'href="{reverse("assessments:start")}"' in page
    response = client.post(reassess_url(item.pk), follow=True)
    assert "You have no assessment yet: take the assessment first." in response.content.decode()
    assert not Assessment.objects.filter(patient=patient).exists()


def test_an_emergency_assessment_is_not_re_run_with_a_new_date(patient: User) -> None:
    emergency = Assessment.create_from_answers(
        {"emergency_signs": ["chest_pain"], "age": 64, "sex": "male"},
        patient=patient,
        created_by=patient,
    )
    assert emergency.urgency == "emergency"
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    client = login(patient)
    page = report_page(client, item.pk)
    assert BUTTON not in page
    assert "Your latest assessment found warning signs of an emergency" in page
    response = client.post(reassess_url(item.pk), follow=True)
    assert "Take a new check instead" in response.content.decode()
    assert list(Assessment.objects.filter(patient=patient)) == [emergency]
    with pytest.raises(ValidationError, match="warning signs of an emergency"):
        services.reassess_with_measurement(None, patient, patient, item)


def test_another_patients_recording_is_a_404(
    patient: User, other_patient: User, clinician: User, other_clinician: User
) -> None:
    Assessment.create_from_answers(TREMOR_ANSWERS, patient=patient, created_by=patient)
    Assessment.create_from_answers(RLS_ANSWERS, patient=other_patient, created_by=other_patient)
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    for who in (other_patient, other_clinician, clinician):
        assert login(who).post(reassess_url(item.pk)).status_code == 404
    assert login(patient).post(reassess_url(item.pk + 1000)).status_code == 404
    assert Assessment.objects.count() == 2
    # the clinician sees the report but is not offered the patient's re-run
    assert BUTTON not in report_page(login(clinician), item.pk)
    with pytest.raises(PermissionError, match="only the patient"):
        services.reassess_with_measurement(None, patient, clinician, item)
    with pytest.raises(PermissionError, match="only the patient"):
        services.reassess_with_measurement(None, other_patient, other_patient, item)


def test_only_a_logged_in_post_with_a_csrf_token(patient: User) -> None:
    Assessment.create_from_answers(TREMOR_ANSWERS, patient=patient, created_by=patient)
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    assert login(patient).get(reassess_url(item.pk)).status_code == 405
    anonymous = Client().post(reassess_url(item.pk))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient)
    assert strict.post(reassess_url(item.pk)).status_code == 403
    assert Assessment.objects.filter(patient=patient).count() == 1


def test_the_offer_in_russian(patient: User) -> None:
    Assessment.create_from_answers(TREMOR_ANSWERS, patient=patient, created_by=patient)
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    client = login(patient)
    client.cookies["django_language"] = "ru"
    page = report_page(client, item.pk)
    assert "Добавить это измерение в оценку симптомов" in page
    assert "Пересчитать мою оценку с этим измерением" in page
    response = client.post(reassess_url(item.pk), follow=True)
    html = response.content.decode()
    assert "Ваша оценка симптомов пересчитана с учётом измеренного тремора" in html
