"""A visitor who has just made a report signs up, so the report is saved to the new
account; logs out; later logs back in and reopens it from "My assessments"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from tests.web.browser.browsertools import check_accessibility, check_fits_width, screenshot
from tests.web.browser.conftest import new_page
from tests.web.browser.interview import click_and_wait, start_interview, walk_interview
from tests.web.webtools import PASSWORD, RLS_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "maria@example.org"
RLS_NAME = "Restless legs syndrome (Willis–Ekbom disease)"
ROUTINE = "Routine: book an appointment with a doctor"


def test_patient_signs_up_saves_the_report_and_reopens_it_later(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    start_interview(page, live_server)
    walk_interview(page, RLS_ANSWERS)
    report_url = page.url
    assessment = Assessment.objects.get()
    assert report_url == f"{live_server.url}/assessments/{assessment.pk}/"
    assert assessment.patient is None

    # sign up from the report page
    click_and_wait(page, "link", "Create an account")
    assert page.get_by_role("heading", level=1).inner_text() == "Create an account"
    form = page.locator("main form")
    form.get_by_label("E-mail address:", exact=True).fill(EMAIL)
    form.get_by_label("Your name (optional):", exact=True).fill("Maria")
    form.get_by_label("Password:", exact=True).fill(PASSWORD)
    form.get_by_label("Password again:", exact=True).fill(PASSWORD)
    assert form.get_by_label("Language:", exact=True).input_value() == "en"
    # one field under the other: each label starts below the field before it
    language = form.get_by_label("Language:", exact=True).bounding_box()
    clinic_label = form.get_by_text("Your clinic (optional):", exact=True).bounding_box()
    assert language is not None
    assert clinic_label is not None
    assert clinic_label["y"] >= language["y"] + language["height"]
    check_fits_width(page)
    check_accessibility(page)
    screenshot(page, "signup")
    click_and_wait(page, "button", "Create my account")

    assert page.url == report_url
    assert page.get_by_role("status").inner_text() == "Your report was saved to your account."
    assert not page.get_by_text("Save this report — create an account").count()
    user = User.objects.get(username=EMAIL)
    assert user.is_patient
    assessment.refresh_from_db()
    assert assessment.patient == user

    # log out: the report is no longer visible in this browser
    click_and_wait(page, "button", "Log out")
    assert page.url == live_server.url + "/"
    assert page.get_by_role("link", name="Log in", exact=True).is_visible()
    response = page.goto(report_url)
    assert response is not None
    assert response.status == 404

    # later, in a fresh browser session: log in and reopen the report
    later = new_page(browser)
    try:
        later.goto(live_server.url + "/")
        click_and_wait(later, "link", "Log in")
        later.get_by_label("E-mail address:", exact=True).fill(EMAIL.upper())
        later.get_by_label("Password:", exact=True).fill(PASSWORD)
        click_and_wait(later, "button", "Log in")
        assert later.url == live_server.url + "/accounts/"
        assert later.get_by_role("heading", level=1).inner_text() == "My assessments"
        rows = later.locator("table.assessments tbody tr")
        assert rows.count() == 1
        cells = rows.first.locator("td").all_inner_texts()
        assert cells[1:3] == [ROUTINE, f"{RLS_NAME} (likely)"]
        check_accessibility(later)
        check_fits_width(later)
        screenshot(later, "my-assessments")

        with later.expect_navigation():
            later.get_by_role("link", name=re.compile(r"^Open the report")).click()
        assert later.url == report_url
        main = later.locator("main")
        assert main.get_by_role("heading", level=2).first.inner_text() == ROUTINE
        assert main.locator("article.condition h3").first.inner_text() == f"{RLS_NAME} — likely"
        assert not main.get_by_text("Save this report — create an account").count()
        check_accessibility(later)
    finally:
        later.context.close()
