"""Helpers for the browser tests: accessibility, layout, log-in, UI texts and screenshots."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from tests.web.webtools import make_user

REPO = Path(__file__).resolve().parents[3]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: Any Cyrillic letter: Russian text on a page.
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def check_accessibility(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the current page."""
    if not AXE_JS.exists():
        pytest.fail("axe-core is not installed: run `make browser-deps` (npm ci)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )
    assert not bad, f"accessibility violations on {page.url}:\n{details}"


def check_fits_width(page: Page) -> None:
    """Fail when the page scrolls sideways (something wider than the screen)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow <= 0:
        return
    # Name the culprits: the innermost elements whose right edge passes the screen's.
    wide = page.evaluate(
        """() => {
            const w = document.documentElement.clientWidth;
            return [...document.body.querySelectorAll('*')]
              .filter(e => e.getBoundingClientRect().right > w + 0.5)
              .filter(e => ![...e.children].some(
                  c => c.getBoundingClientRect().right > w + 0.5))
              .slice(0, 5)
              .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> `
                        + `${(e.textContent || '').trim().slice(0, 40)}`);
        }"""
    )
    raise AssertionError(f"{page.url} scrolls sideways by {overflow}px: {wide}")


def screenshot(page: Page, name: str, max_height: int = 3000) -> None:
    """Save a full-page screenshot when ``QUIETLEGS_SCREENSHOTS`` names a folder.

    One image pixel per CSS pixel, and a long page is cut after its first
    ``max_height`` pixels, so that the files stay small (a phone-width image of
    3000 pixels is about 300 KB).
    """
    folder = os.environ.get("QUIETLEGS_SCREENSHOTS")
    if not folder:
        return
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    width, height = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    page.screenshot(
        path=str(target / f"{name}.png"),
        full_page=True,
        scale="css",
        animations="disabled",
        clip={"x": 0, "y": 0, "width": width, "height": min(height, max_height)},
    )


def ui(text: str, lang: str = "en") -> str:
    """The UI text ``text`` as the app shows it in ``lang`` (its translation, if any)."""
    with translation.override(lang):
        return translation.gettext(text)


def log_in(page: Page, live_server: LiveServer, user: User) -> None:
    """Give the browser a session of ``user`` (no need for the login page)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "domain": urlparse(live_server.url).hostname or "localhost",
                "path": "/",
            }
        ]
    )


def clinic_patient_and_clinician(
    patient_email: str, *, answers: Mapping[str, Any] | None = None
) -> tuple[User, User]:
    """A clinic ("Clinic One", slug ``one``) with one patient and one clinician.

    Parameters
    ----------
    patient_email : str
        The patient's e-mail (their first name is its part before the ``@``, title-cased).
    answers : mapping or None
        When given, the patient's questionnaire answers, saved as an assessment made by
        the patient (e.g. ``RLS_ANSWERS``).

    Returns
    -------
    patient, clinician : User
        The patient, then the clinician ``doc@example.org`` (created in that order).
    """
    clinic = Clinic.objects.create(name="Clinic One", slug="one")
    patient = make_user(patient_email, clinic=clinic)
    if answers is not None:
        Assessment.create_from_answers(answers, patient=patient, created_by=patient)
    clinician = make_user("doc@example.org", role="clinician", clinic=clinic)
    return patient, clinician
