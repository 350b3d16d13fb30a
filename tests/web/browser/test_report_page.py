"""The report page: the PDF download, and the layout on a desktop screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import FloatRect, Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    log_in,
    screenshot,
)
from tests.web.browser.conftest import DESKTOP
from tests.web.webtools import RLS_ANSWERS, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The page's content column (``main { max-width: 46rem }``; a rem is 16 px).
MAIN_MAX_WIDTH = 46 * 16


@pytest.fixture
def patient_report(transactional_db: None) -> tuple[User, Assessment]:
    """A patient with one RLS assessment."""
    patient = make_user("anna@example.org")
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    return patient, assessment


def test_pdf_downloads_from_the_report_page(
    page: Page, live_server: LiveServer, patient_report: tuple[User, Assessment]
) -> None:
    patient, assessment = patient_report
    log_in(page, live_server, patient)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    link = page.get_by_role("link", name="Download PDF", exact=True)
    assert link.get_attribute("href") == f"/assessments/{assessment.pk}/pdf/"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf")
    assert download.suggested_filename.startswith("quietlegs")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert len(content) > 5_000
    assert page.url == f"{live_server.url}/assessments/{assessment.pk}/"  # still on the report


def _box(page: Page, selector: str) -> FloatRect:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def test_desktop_layout_of_start_page_and_report(
    desktop_page: Page, live_server: LiveServer, patient_report: tuple[User, Assessment]
) -> None:
    page = desktop_page
    assert page.viewport_size == DESKTOP
    page.goto(live_server.url + "/")
    check_fits_width(page)
    main = _box(page, "main")
    assert main["width"] == MAIN_MAX_WIDTH  # a readable column, not the full 1280 px
    assert abs(main["x"] - (DESKTOP["width"] - main["width"]) / 2) <= 1  # centred
    # the header is one row: brand, links and language switcher side by side
    brand, login, switcher = (
        _box(page, ".brand"),
        _box(page, "nav a[href='/accounts/login/']"),
        _box(page, "form.lang"),
    )
    assert brand["x"] < login["x"] < switcher["x"]
    assert abs(brand["y"] + brand["height"] / 2 - (switcher["y"] + switcher["height"] / 2)) < 12
    start = _box(page, "main button")
    assert start["y"] + start["height"] <= DESKTOP["height"]  # the start button needs no scroll
    check_accessibility(page)
    screenshot(page, "desktop-start")

    patient, assessment = patient_report
    log_in(page, live_server, patient)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    check_fits_width(page)
    assert _box(page, "main")["width"] == MAIN_MAX_WIDTH
    urgency = _box(page, "section.urgency")
    assert urgency["y"] + urgency["height"] <= DESKTOP["height"]  # urgency above the fold
    table = _box(page, "table.criteria")
    assert table["x"] >= main["x"]
    assert table["x"] + table["width"] <= main["x"] + main["width"]
    actions = page.locator("main .actions")
    buttons = [
        actions.get_by_role("button", name="Print", exact=True).bounding_box(),
        actions.get_by_role("link", name="Download PDF", exact=True).bounding_box(),
        actions.get_by_role("link", name="New check", exact=True).bounding_box(),
    ]
    assert len({round(box["y"]) for box in buttons if box}) == 1  # one row of actions
    check_accessibility(page)
    screenshot(page, "desktop-report", max_height=1600)
