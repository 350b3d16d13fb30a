"""Where the apps meet, in a browser: the clinician's patient page with data in every app
(navigation, upcoming appointments, accessibility on a phone), a signed visit report with
the tremor and diary sections, and a patient adding a measured tremor to their assessment."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.visitreports import services as visitreports
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    log_in,
    screenshot,
)
from tests.web.browser.interview import click_and_wait
from tests.web.diarytools import augmented_patient
from tests.web.integtools import tremor_recording
from tests.web.test_patient_page import SECTIONS, fill_every_app
from tests.web.test_tremor_assessment import TREMOR_ANSWERS
from tests.web.webtools import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_patient_page_with_every_app_is_navigable_and_accessible(
    page: Page, live_server: LiveServer
) -> None:
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    clinician = make_user("doc@example.org", role="clinician", clinic=clinic)
    patient = make_user("anna@example.org", clinic=clinic)
    fill_every_app(patient, clinician, clinic, 1)
    log_in(page, live_server, clinician)
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/")
    nav = page.get_by_role("navigation", name="Sections of the record")
    hrefs = nav.get_by_role("link").evaluate_all("links => links.map(a => a.hash.slice(1))")
    assert hrefs == SECTIONS
    for target in SECTIONS:  # every link has its section on the page
        assert page.locator(f"section#{target}").count() == 1
    nav.get_by_role("link", name="Upcoming appointments").click()
    page.wait_for_url("**/#appointments")
    appointments = page.locator("section#appointments")
    assert appointments.get_by_role("heading", level=2).inner_text() == "Upcoming appointments"
    assert "Follow-up visit · Bed 1" in appointments.inner_text()
    check_fits_width(page)
    check_accessibility(page)
    screenshot(page, "clinic-patient-every-app", max_height=6000)


def test_a_signed_visit_report_shows_the_augmentation_warning_first(
    page: Page, live_server: LiveServer
) -> None:
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    clinician = make_user("doc@example.org", role="clinician", clinic=clinic)
    patient = make_user("boris@example.org", clinic=clinic)
    augmented_patient(patient, clinician)
    tremor_recording(patient, 5.0, 0.3, "rest")
    report = visitreports.sign_report(
        None,
        patient,
        clinician,
        visit_date=timezone.localdate(),
        summary="Evening symptoms earlier on the agonist.",
        nonce=uuid.uuid4(),
    ).report
    log_in(page, live_server, clinician)
    page.goto(f"{live_server.url}/visit-reports/{report.pk}/")
    warning = page.locator('section[data-section="diary-augmentation"]')
    assert warning.get_attribute("class") == "extra-section emergency"
    assert warning.get_by_role("heading", level=2).inner_text().endswith("Possible augmentation")
    sections = page.locator("section.extra-section").evaluate_all(
        "nodes => nodes.map(n => n.dataset.section)"
    )
    assert sections == ["tremor", "diary-augmentation", "diary", "diary-treatments"]
    check_fits_width(page)
    check_accessibility(page)
    screenshot(page, "visit-report-tremor-diary", max_height=6000)


def test_a_patient_adds_a_measured_tremor_to_the_assessment(
    page: Page, live_server: LiveServer
) -> None:
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    patient = make_user("olga@example.org", clinic=clinic)
    first = Assessment.create_from_answers(TREMOR_ANSWERS, patient=patient, created_by=patient)
    item = tremor_recording(patient, 5.0, 0.3, "rest")
    log_in(page, live_server, patient)
    page.goto(f"{live_server.url}/tremor/{item.pk}/")
    check_accessibility(page)
    check_fits_width(page)
    click_and_wait(page, "button", "Re-run my assessment with this measurement")
    new = Assessment.objects.exclude(pk=first.pk).get()
    assert new.based_on == first
    assert page.url == f"{live_server.url}/assessments/{new.pk}/"
    assert "Your assessment was re-run with the measured tremor" in (
        page.get_by_role("status").inner_text()
    )
    assert "Measured rest tremor in the parkinsonian band" in page.content()
    check_accessibility(page)
    screenshot(page, "tremor-reassessed")
