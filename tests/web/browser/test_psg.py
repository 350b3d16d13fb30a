"""A clinician uploads a PSG recording and reads its report; both pages are accessible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.signals.synth import make_night, write_edf
from tests.web.browser.browsertools import (
    check_accessibility,
    clinic_patient_and_clinician,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clinician_uploads_a_recording_and_reads_the_report(
    page: Page, live_server: LiveServer, settings: Any, tmp_path: Path
) -> None:
    settings.QUIETLEGS_PSG_SYNC = True  # the analysis runs in the request (no worker)
    settings.DATA_DIR = tmp_path
    night = tmp_path / "Night of 3 May.edf"
    write_edf(night, make_night(900.0, 256.0, seed=5))
    patient, clinician = clinic_patient_and_clinician("anna@example.org")
    log_in(page, live_server, clinician)

    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/#psg")
    assert "No sleep studies yet." in page.content()
    page.get_by_label("PSG recording (EDF or EDF+)").set_input_files(str(night))
    page.get_by_label("Scoring rules").select_option("wasm2016")
    page.get_by_role("button", name="Upload the recording").click()
    page.wait_for_url("**/clinic/patients/*/#psg")
    study = page.locator("article.psg-study").first
    assert study.get_attribute("data-status") == "done"
    assert "PLMS index (per hour of sleep)" in study.inner_text()
    check_accessibility(page)

    page.get_by_role("link", name="The full report of Night of 3 May.edf").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sleep study Night of 3 May.edf"
    figure = page.get_by_role("img", name="Report figure", exact=False)
    figure.wait_for()
    # decode() waits for the image to load (a busy machine may not have it yet) and
    # rejects when it is broken
    assert figure.evaluate("img => img.decode().then(() => img.naturalWidth > 0)") is True
    assert "leg movements were detected" in page.content()
    check_accessibility(page)
    screenshot(page, "clinic-psg-study", max_height=4000)

    # a file that is not an EDF: a clear message, nothing stored
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/#psg")
    notes = tmp_path / "notes.edf"
    notes.write_text("these are not EMG signals")
    page.get_by_label("PSG recording (EDF or EDF+)").set_input_files(str(notes))
    page.get_by_role("button", name="Upload the recording").click()
    assert page.locator("article.psg-study").count() == 1
    assert "EDF" in page.locator(".errorlist").first.inner_text()
    check_accessibility(page)
