"""The diary in a browser: a patient fills in a week of nights on a phone; a clinician
sees the augmentation warning, with its evidence, for a prepared patient."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary.models import DiaryEntry
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    clinic_patient_and_clinician,
    log_in,
    screenshot,
)
from tests.web.browser.interview import click_and_wait
from tests.web.diarytools import augmented_patient
from tests.web.webtools import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pick(page: Page, group: str, value: str) -> None:
    """Tap ``value`` on the 0-10 scale whose question is ``group``."""
    page.get_by_role("group", name=group).get_by_label(value, exact=True).check()


def _save(page: Page) -> None:
    """Press the first Save button (the form has one at the top and one at the end)."""
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).first.click()


def test_patient_fills_in_a_week_of_nights_on_a_phone(page: Page, live_server: LiveServer) -> None:
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    patient = make_user("maria@example.org", clinic=clinic)
    log_in(page, live_server, patient)
    today = timezone.localdate()
    nights = [today - dt.timedelta(days=n) for n in range(7, 0, -1)]

    page.goto(live_server.url + "/diary/")
    assert page.get_by_role("heading", level=1).inner_text() == "My diary"
    check_accessibility(page)
    check_fits_width(page)

    # the first night: nothing to start from, so a few answers
    page.goto(f"{live_server.url}/diary/entry/?day={nights[0].isoformat()}")
    assert page.get_by_label("Night of").input_value() == nights[0].isoformat()
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "diary-entry-phone", max_height=2400)
    _pick(page, "How bad were the restless legs?", "5")
    page.get_by_label("When did the symptoms begin?").fill("22:30")
    page.get_by_role("group", name="Where did you feel them?").get_by_label("Legs").check()
    _pick(page, "How well did you sleep?", "6")
    page.get_by_label("Coffee, tea, cola or energy drinks (cups)").fill("2")
    page.get_by_label("Time of the last one").fill("16:00")
    page.get_by_label("Medicines taken, and when").fill("21:00 iron")
    _save(page)
    assert page.url == live_server.url + "/diary/"
    assert "Saved: the night of" in page.get_by_role("status").inner_text()

    # the next six nights start from the one before: one tap and Save
    for n, night in enumerate(nights[1:], 1):
        page.goto(f"{live_server.url}/diary/entry/?day={night.isoformat()}")
        assert "Filled in from your entry for the night of" in page.content()
        assert page.get_by_label("When did the symptoms begin?").input_value() == "22:30"
        _pick(page, "How bad were the restless legs?", str(5 - n % 3))
        _save(page)
        assert page.url == live_server.url + "/diary/"

    stored = list(DiaryEntry.objects.filter(patient=patient).order_by("day"))
    assert [e.day for e in stored] == nights
    assert [e.severity for e in stored] == [5, 4, 3, 5, 4, 3, 5]
    assert all(
        e.caffeine_drinks == 2 and e.medications == [{"name": "iron", "at": "21:00"}]
        for e in stored
    )
    # the calendar shows the seven nights, and the diary page still fits the phone
    assert page.locator("td.recorded").count() == 7
    assert "7 of the last 28 nights recorded." in page.content()
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "diary-home-phone", max_height=3000)

    # a night already recorded opens for editing, and the change keeps a history
    page.goto(f"{live_server.url}/diary/entry/?day={nights[0].isoformat()}")
    assert page.url.endswith(f"/diary/entry/{nights[0].isoformat()}/")
    _pick(page, "How bad were the restless legs?", "7")
    _save(page)
    assert "the earlier version is kept" in page.get_by_role("status").inner_text()
    page.goto(f"{live_server.url}/diary/entry/{nights[0].isoformat()}/history/")
    assert "Version 1" in page.content()
    check_accessibility(page)

    # a night in the future is refused with a clear message
    tomorrow = today + dt.timedelta(days=1)
    page.goto(f"{live_server.url}/diary/entry/")
    page.get_by_label("Night of").fill(tomorrow.isoformat())
    _pick(page, "How bad were the restless legs?", "2")
    _save(page)
    assert "This night is in the future" in page.content()
    assert not DiaryEntry.objects.filter(patient=patient, day=tomorrow).exists()
    check_accessibility(page)


def test_clinician_sees_the_augmentation_warning_and_its_evidence(
    desktop_page: Page, live_server: LiveServer
) -> None:
    page = desktop_page
    patient, clinician = clinic_patient_and_clinician("ivan@example.org")
    augmented_patient(patient, clinician)
    log_in(page, live_server, clinician)

    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/")
    warning = page.locator("#diary [role=alert]")
    assert "Possible augmentation" in warning.inner_text()
    check_accessibility(page)
    click_and_wait(page, "link", "See the evidence in the diary")
    assert page.get_by_role("heading", level=1).inner_text() == "Diary of Ivan"
    section = page.locator("#augmentation")
    assert section.get_by_role("heading", name="Possible augmentation").is_visible()
    text = section.inner_text()
    assert "on 7 of the last 7 nights" in text
    assert "Dopamine agonists" in text
    assert "MPI" in text
    evidence = section.locator("table.evidence tbody tr")
    assert evidence.count() == 7
    assert section.locator("td.meets").count() == 7
    assert "began at least 4 h earlier" in evidence.first.inner_text()
    # the charts carry a title, a description and the table of the same values
    assert page.locator("svg[role=img] title").first.text_content() == "Severity by week"
    assert page.get_by_role("img", name="Severity by week").is_visible()
    assert page.get_by_role("table", name="Weekly values (the same as the charts)").is_visible()
    check_accessibility(page)
    screenshot(page, "diary-clinician", max_height=4000)

    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/diary/summary/")
    assert "it is not a diagnosis" in page.content()
    assert page.locator("#augmentation").get_by_text("Possible augmentation").count() >= 1
    check_accessibility(page)


def test_the_russian_diary_fits_a_phone(page: Page, live_server: LiveServer) -> None:
    patient, clinician = clinic_patient_and_clinician("olga@example.org")
    augmented_patient(patient, clinician)
    log_in(page, live_server, patient)
    page.context.add_cookies([{"name": "django_language", "value": "ru", "url": live_server.url}])
    for path in ("/diary/", "/diary/entry/", "/diary/summary/", "/diary/treatments/"):
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "ru"
        check_fits_width(page)
        check_accessibility(page)
    page.goto(live_server.url + "/diary/")
    assert "Возможна аугментация" in page.content()
    screenshot(page, "diary-home-ru", max_height=3000)
