"""A clinician enters a ferritin result and sees the iron recommendation; a clinic
admin's page is accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.clinics.models import Clinic
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    clinic_patient_and_clinician,
    log_in,
    screenshot,
)
from tests.web.webtools import RLS_ANSWERS, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clinician_enters_ferritin_and_sees_the_iron_recommendation(
    page: Page, live_server: LiveServer
) -> None:
    _patient, clinician = clinic_patient_and_clinician("anna@example.org", answers=RLS_ANSWERS)
    log_in(page, live_server, clinician)

    page.goto(live_server.url + "/clinic/")
    check_accessibility(page)
    screenshot(page, "clinic-patients")
    page.get_by_role("link", name="Anna").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Anna"
    assert "Iron tablets: ferrous sulfate" not in page.content()
    check_accessibility(page)

    page.get_by_label("Test").select_option("ferritin_ng_ml")
    page.get_by_label("Value").fill("40")
    page.get_by_role("button", name="Save the result").click()
    page.wait_for_url("**/clinic/patients/*/#assessments")
    assert "The result was saved and the assessment re-run" in page.content()
    latest = page.locator("details.assessment").first
    assert "Re-run by a clinician with results" in latest.inner_text()
    assert "Iron tablets: ferrous sulfate" in latest.inner_text()
    check_accessibility(page)
    check_fits_width(page)  # the long test names in the select stay on the screen
    screenshot(page, "clinic-patient-after-ferritin", max_height=4000)

    # bad input: a clear message, nothing saved
    page.get_by_label("Test").select_option("ferritin_ng_ml")
    page.get_by_label("Value").fill("6000")
    page.get_by_role("button", name="Save the result").click()
    assert "must be between 0 and 5000 ng/mL; got 6000" in page.content()
    check_accessibility(page)


def test_clinic_admin_page_is_accessible(page: Page, live_server: LiveServer) -> None:
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    admin = make_user("boss@example.org", role="clinic_admin", clinic=clinic)
    make_user("doc@example.org", role="clinician", clinic=clinic)
    log_in(page, live_server, admin)
    page.goto(live_server.url + "/clinic/manage/")
    check_accessibility(page)
    check_fits_width(page)  # the members table fits a phone
    page.get_by_label("E-mail address").fill("new@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    link = page.locator(".link-once a").inner_text()
    assert "/clinic/manage/invite/" in link
    check_accessibility(page)
    screenshot(page, "clinic-manage")
    page.context.clear_cookies()
    page.goto(link)
    assert "Join Clinic One" in page.content()
    check_accessibility(page)
