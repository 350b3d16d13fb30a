"""A patient records a tremor with a phone, uploads the CSV and reads the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.clinics.models import Clinic
from quietlegs.web.tremor.models import TremorRecording
from tests.signals.tremor_synth import make_tremor, write_phyphox
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    log_in,
    screenshot,
)
from tests.web.browser.interview import click_and_wait
from tests.web.webtools import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_uploads_a_recording_and_sees_the_report(
    page: Page, live_server: LiveServer, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    csv = write_phyphox(tmp_path / "Raw Data.csv", make_tremor(5.0, 0.4, seed=4))
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    patient = make_user("olga@example.org", clinic=clinic)
    log_in(page, live_server, patient)

    page.goto(live_server.url + "/accounts/")
    click_and_wait(page, "link", "Measure a tremor")
    assert page.get_by_role("heading", level=1).inner_text() == "Measure a tremor"
    assert page.get_by_text("Record 30 seconds for each task").is_visible()
    check_fits_width(page)
    check_accessibility(page)
    screenshot(page, "tremor-upload")

    page.get_by_label("Recording (CSV file)").set_input_files(str(csv))
    page.get_by_label("At rest", exact=True).check()
    click_and_wait(page, "button", "Analyse the recording")

    item = TremorRecording.objects.get()
    assert page.url == f"{live_server.url}/tremor/{item.pk}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Tremor measurement"
    assert page.get_by_role("status").inner_text() == "The recording was analysed."
    statement = page.locator("p.finding").inner_text()
    assert statement.startswith("A 5.0 Hz tremor was measured at rest.")
    assert statement.endswith("This is a measurement, not a diagnosis.")
    assert "Call an ambulance now (112; 103 in Russia)" in page.locator(".emergency").inner_text()
    assert page.get_by_role("row", name="Band 3–7 Hz at rest").is_visible()
    figure = page.get_by_role("img")
    assert figure.evaluate("img => img.decode().then(() => img.naturalWidth)") == 900  # loaded
    check_fits_width(page)
    check_accessibility(page)
    screenshot(page, "tremor-report")

    # back to the list: the recording is there
    click_and_wait(page, "link", "My tremor recordings")
    assert page.get_by_role("link", name=f"Open the report {item.original_name}").is_visible()
