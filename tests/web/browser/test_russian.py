"""The Russian UI: the language switcher turns the interview and the report into Russian."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.knowledge.schema import Question
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.knowledge import kb
from tests.web.browser.browsertools import (
    CYRILLIC,
    check_accessibility,
    check_fits_width,
    screenshot,
    ui,
)
from tests.web.browser.interview import click_and_wait, walk_interview
from tests.web.webtools import RLS_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_russian_interview_and_report(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    switcher = page.get_by_label("Language", exact=True)
    assert switcher.locator("option").all_inner_texts() == ["English", "Русский"]
    switcher.select_option(label="Русский")
    click_and_wait(page, "button", "Change")
    assert page.url == live_server.url + "/"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_label(ui("Language", "ru"), exact=True).input_value() == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == ui("Leg symptoms check", "ru")

    click_and_wait(page, "button", ui("Start the check", "ru"))
    first = kb().questions["emergency_signs"]
    heading = page.locator("h1.question-text").inner_text()
    assert heading == first.text.get("ru")
    assert heading.startswith("Есть ли у вас сейчас или было ли за последние 24 часа")
    none = page.get_by_label("Ничего из перечисленного", exact=True)
    assert none.get_attribute("value") == "none"
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "question-ru")

    shown: list[str] = []

    def on_screen(page: Page, question: Question) -> None:
        shown.append(page.locator("h1.question-text").inner_text())

    walk_interview(page, RLS_ANSWERS, lang="ru", on_screen=on_screen)
    assert all(CYRILLIC.search(text) for text in shown), shown

    assessment = Assessment.objects.get()
    assert page.url == f"{live_server.url}/assessments/{assessment.pk}/"
    report = assessment.report("ru")
    main = page.locator("main")
    urgency = main.get_by_role("heading", level=2).first
    assert urgency.inner_text() == report["urgency_label"]
    assert urgency.inner_text() == "Планово: запишитесь на приём к врачу"
    assert main.locator(".urgency-reason").inner_text() == report["urgency_reason"]
    condition = main.locator("article.condition").first
    assert condition.get_attribute("id") == "condition-restless_legs_syndrome"
    assert (
        condition.locator("h3")
        .inner_text()
        .startswith("Синдром беспокойных ног (болезнь Виллиса–Экбома)")
    )
    assert main.get_by_text(report["tests"][0]["name"], exact=True).is_visible()
    assert report["tests"][0]["name"].startswith("Утренние показатели обмена железа")
    assert main.locator("p.disclaimer").inner_text() == report["disclaimer"]
    assert CYRILLIC.search(main.locator("p.disclaimer").inner_text())
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "report-ru")
