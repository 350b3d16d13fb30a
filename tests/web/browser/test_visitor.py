"""A visitor without an account takes the assessment in the browser: the whole RLS
interview to its report, and a red-flag answer that shows the emergency screen at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.knowledge.schema import Question
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.knowledge import kb
from tests.web.browser.browsertools import check_accessibility, check_fits_width, screenshot
from tests.web.browser.interview import (
    answer,
    choice_text,
    click_and_wait,
    shown_question,
    start_interview,
    walk_interview,
)
from tests.web.webtools import RLS_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_URL = re.compile(r"/assessments/[0-9a-f-]{36}/$")
#: How many lines the text of each element matching a selector takes.
ONE_LINE = """selector => [...document.querySelectorAll(selector)].map(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
})"""


def test_visitor_completes_an_rls_assessment_and_reads_the_report(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Leg symptoms check"
    check_accessibility(page)

    checked: set[str] = set()
    parts: list[int] = []

    def on_screen(page: Page, question: Question) -> None:
        parts.append(int(page.locator("progress").get_attribute("value") or 0))
        kind = question.type
        if kind in ("yes_no", "multi_choice", "number") and kind not in checked:
            checked.add(kind)
            check_accessibility(page)
            check_fits_width(page)
            screenshot(page, f"question-{kind.replace('_', '-')}")

    click_and_wait(page, "button", "Start the check")
    asked = walk_interview(page, RLS_ANSWERS, on_screen=on_screen)

    assert checked == {"yes_no", "multi_choice", "number"}
    assert asked[0] == "emergency_signs"
    assert {"rls_urge", "rls_worse_at_rest", "rls_relieved_by_movement", "rls_evening_worse"} <= (
        set(asked)
    )
    assert all(1 <= part <= max(parts) for part in parts)  # "Part n of N" on every screen

    # the report: urgency first, then RLS with why, the iron tests, the disclaimer
    assert REPORT_URL.search(page.url)
    assessment = Assessment.objects.get()
    assert page.url.endswith(f"/assessments/{assessment.pk}/")
    assert assessment.patient is None
    report = assessment.report("en")
    main = page.locator("main")
    assert main.get_by_role("heading", level=1).inner_text() == "Your report"
    urgency = main.get_by_role("heading", level=2).first
    assert urgency.inner_text() == "Routine: book an appointment with a doctor"
    assert urgency.inner_text() == report["urgency_label"]
    assert main.locator(".urgency-reason").inner_text() == report["urgency_reason"]
    assert not main.locator(".red-flags").count()

    first = main.locator("article.condition").first
    assert first.get_attribute("id") == "condition-restless_legs_syndrome"
    assert first.locator("h3").inner_text() == (
        "Restless legs syndrome (Willis–Ekbom disease) — likely"
    )
    # RLS is diagnosed from its criteria: the "why" is the table of criteria, all met
    criteria = first.locator("table.criteria tbody tr")
    assert criteria.count() == 5
    assert criteria.nth(0).inner_text().split("\t") == [
        "An urge to move the legs, usually with unpleasant sensations",
        "met",
    ]
    assert [row.locator("td").nth(1).inner_text() for row in criteria.all()] == ["met"] * 5
    assert "Chronic-persistent course" in first.locator("ul").first.inner_text()
    # on a phone each status ("Status", "met") stays on one line
    assert page.evaluate(ONE_LINE, "table.criteria tr > :last-child") == [1] * 6

    tests = main.locator("section", has=page.locator("#tests-heading"))
    assert tests.locator("h2").inner_text() == "Tests to ask your doctor about"
    iron = tests.locator("li").first
    assert iron.locator("strong").inner_text() == (
        "Morning iron studies: serum ferritin and transferrin saturation (iron, TIBC)"
    )
    assert f"Why: {report['tests'][0]['why'][0]}" in iron.inner_text()

    disclaimer = main.locator("p.disclaimer")
    assert disclaimer.inner_text() == report["disclaimer"]
    assert disclaimer.inner_text().startswith("This report is not a diagnosis")

    text = main.inner_text()
    order = [
        "Routine: book an appointment with a doctor",
        "What your answers point to",
        "Restless legs syndrome (Willis–Ekbom disease)",
        "Tests to ask your doctor about",
        "This report is not a diagnosis",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert main.get_by_role("heading", name="Save this report — create an account").is_visible()
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "report")


def test_red_flag_answer_shows_the_emergency_screen_at_once(
    page: Page, live_server: LiveServer
) -> None:
    start_interview(page, live_server)
    first = shown_question(page)
    assert first is not None
    assert first.id == "emergency_signs"
    answer(page, first, ["chest_pain"])

    assert page.url == live_server.url + "/assess/emergency/"
    main = page.locator("main")
    lines = [line for line in main.inner_text().splitlines() if line.strip()]
    assert lines[:2] == ["This may be an emergency", "Call 112 now"]
    assert main.get_by_role("heading", level=1).inner_text() == "This may be an emergency"
    call = main.get_by_role("link", name="Call 112 now")
    assert call.get_attribute("href") == "tel:112"
    assert main.get_by_text("In Russia call 103.").is_visible()
    flag = kb().red_flags["acs_chest_pain"]
    assert main.locator("ul.flags li strong").all_inner_texts() == [flag.name.get("en")]
    assert flag.name.get("en") == "Chest pain, pressure or tightness"
    assert flag.action.get("en") in main.locator("ul.flags li").inner_text()
    assert main.get_by_role("heading", name="What to tell the dispatcher").is_visible()
    assert not page.locator("form.question").count()
    check_accessibility(page)
    check_fits_width(page)
    screenshot(page, "emergency")

    # the full report also leads with the emergency
    click_and_wait(page, "link", "See the full report")
    assessment = Assessment.objects.get()
    assert assessment.urgency == "emergency"
    assert page.url.endswith(f"/assessments/{assessment.pk}/")
    urgency = page.locator("main").get_by_role("heading", level=2).first
    assert urgency.inner_text() == assessment.report("en")["urgency_label"]
    assert page.locator("section.urgency").get_by_role("link", name="Call 112 now").is_visible()
    assert f"Emergency: {flag.name.get('en')}" in page.locator(".red-flags").inner_text()
    assert choice_text(first, "chest_pain", "en").startswith("Chest pain")
    check_accessibility(page)
