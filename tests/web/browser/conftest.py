"""Playwright driving Debian's chromium against the live Django server.

Run with ``make pytest-postgres`` (or ``pytest -m browser``); ``make browser-deps``
installs chromium (apt) and axe-core (npm). Set ``QUIETLEGS_SCREENSHOTS=docs/screenshots``
to refresh the screenshots kept in the repository.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

# Playwright's sync API runs an event loop in this thread; the live server's database
# work happens in its own thread, and the test's own ORM calls are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

#: A phone (the default page) and a desktop screen, in CSS pixels.
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Return Debian's chromium, or fail with what to run."""
    path = os.environ.get("QUIETLEGS_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("chromium is not installed: run `make browser-deps` (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def new_page(browser: Browser, viewport: ViewportSize = PHONE) -> Page:
    """A page in a fresh browser context (no cookies): a new visitor."""
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page."""
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page (1280 × 800)."""
    page = new_page(browser, DESKTOP)
    yield page
    page.context.close()
