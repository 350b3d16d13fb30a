"""A clinician orders an assessment's recommended tests in one click, enters a ferritin
result, sees the assessment re-run, and signs and downloads a visit report; the
patient sees the orders and the report on their own page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.orders.models import Order
from quietlegs.web.visitreports.models import VisitReport
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    clinic_patient_and_clinician,
    log_in,
    screenshot,
)
from tests.web.webtools import RLS_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def test_clinician_orders_enters_ferritin_and_signs_a_visit_report(
    page: Page, live_server: LiveServer
) -> None:
    patient, clinician = clinic_patient_and_clinician("anna@example.org", answers=RLS_ANSWERS)
    log_in(page, live_server, clinician)

    # one click orders every recommended test
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/")
    orders = page.locator("#orders")
    assert "Morning iron studies" in orders.inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Order all recommended").click()
    page.wait_for_url("**/clinic/patients/*/#orders")
    assert "2 orders were made" in page.content()
    assert Order.objects.filter(patient=patient, status="ordered").count() == 2
    assert "Everything recommended is ordered." in orders.inner_text()
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "orders-patient-section", max_height=5000)

    # the ferritin result: a lab result that re-runs the assessment
    page.locator("table.orders").get_by_role("link", name="Morning iron studies").click()
    page.wait_for_url("**/orders/*/")
    check_accessibility(page)
    page.get_by_label("Serum ferritin").fill("40")
    page.get_by_role("button", name="Save the result").click()
    page.wait_for_url("**/clinic/patients/*/#assessments")
    assert "The result was saved and the assessment re-run" in page.content()
    latest = page.locator("details.assessment").first
    assert "Re-run by a clinician with results" in latest.inner_text()
    assert "Iron tablets: ferrous sulfate" in latest.inner_text()
    assert 'data-order="ferritin_tsat" data-status="resulted"' in page.content()
    check_accessibility(page)

    # the clinic's open orders: the blood count is still waiting
    page.goto(f"{live_server.url}/orders/")
    assert "Full blood count" in page.content()
    assert "Morning iron studies" not in page.content()
    check_accessibility(page)
    check_fits_width(page)

    # the visit report: write, sign, download the PDF
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/")
    page.get_by_role("link", name="Write a visit report").click()
    check_accessibility(page)
    page.get_by_role("textbox", name="Clinician's summary").fill(
        "Ferritin 40 ng/mL; iron discussed."
    )
    page.get_by_role("button", name="Sign the report").click()
    page.wait_for_url("**/visit-reports/*/")
    assert "The visit report is signed." in page.content()
    assert "Signed; the content is unchanged since signing." in page.content()
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "visit-report", max_height=5000)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("quietlegs-visit-")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    report = VisitReport.objects.get(patient=patient)
    assert report.verify()

    # the patient sees both, read-only
    page.context.clear_cookies()
    log_in(page, live_server, patient)
    page.goto(f"{live_server.url}/orders/mine/")
    assert "Morning iron studies" in page.content()
    assert "Ferritin" in page.content() or "ferritin" in page.content()
    assert page.get_by_role("button", name="Save the result").count() == 0
    check_accessibility(page)
    check_fits_width(page)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_order_from_which_assessment_choice_fits_a_phone(
    page: Page, live_server: LiveServer, lang: str
) -> None:
    # On a 390 px phone the drop-down of assessments cut its text off ("26 November 2026,
    # 04:59 · Routine: b|"): a drop-down cannot wrap, so its choices must be short.
    from django.conf import settings

    from quietlegs.web.assessments.models import Assessment

    patient, clinician = clinic_patient_and_clinician("anna@example.org", answers=RLS_ANSWERS)
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=clinician)
    log_in(page, live_server, clinician)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/#orders")
    assert page.locator("html").get_attribute("lang") == lang
    choice = page.locator("#order-from")
    assert choice.locator("option").count() == 2
    width = page.evaluate("() => document.documentElement.clientWidth")
    for target in (choice, page.locator("form.order-from button")):
        box = target.bounding_box()
        assert box is not None
        assert box["x"] >= 0, box
        assert box["x"] + box["width"] <= width, box
    # every choice's text fits inside the drop-down (its padding and arrow aside)
    room, widest = choice.evaluate(
        """e => {
            const probe = document.createElement('span');
            probe.style.font = getComputedStyle(e).font;
            probe.style.whiteSpace = 'pre';
            document.body.appendChild(probe);
            const widths = [...e.options].map(o => {
                probe.textContent = o.textContent; return probe.offsetWidth; });
            probe.remove();
            return [e.clientWidth - 40, Math.max(...widths)];
        }"""
    )
    assert widest <= room, (widest, room, choice.locator("option").all_inner_texts())
    check_fits_width(page)
    check_accessibility(page)
