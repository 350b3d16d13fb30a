"""The browser can reach the live server, and the start page is accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.web.browser.browsertools import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_page_renders_and_is_accessible(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.inner_text().strip() != ""
    assert "not a diagnosis" in page.content()
    check_accessibility(page)
    screenshot(page, "start")
