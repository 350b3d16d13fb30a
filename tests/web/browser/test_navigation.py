"""Going back in the interview: the browser's back button and the page's Back link both
return to the previous question with the earlier answer selected, and it can be changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.knowledge import kb
from tests.web.browser.browsertools import check_accessibility
from tests.web.browser.interview import answer, click_and_wait, shown_question, start_interview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def question_url(live_server: LiveServer, question_id: str) -> str:
    return f"{live_server.url}/assess/q/{question_id}/"


def heading(page: Page) -> str:
    return page.locator("h1.question-text").inner_text()


def test_back_button_and_back_link_keep_and_change_answers(
    page: Page, live_server: LiveServer
) -> None:
    questions = kb().questions
    start_interview(page, live_server)
    answer(page, questions["emergency_signs"], ["none"])
    answer(page, questions["age"], 52)
    answer(page, questions["sex"], "female")
    assert heading(page) == "Are you pregnant?"
    answer(page, questions["pregnant"], False)
    assert page.url == question_url(live_server, "main_symptoms")

    # the browser's back button: the pregnancy question, "No" still selected
    page.go_back()
    assert page.url == question_url(live_server, "pregnant")
    assert heading(page) == "Are you pregnant?"
    assert page.get_by_label("No", exact=True).is_checked()
    assert not page.get_by_label("Yes", exact=True).is_checked()

    # the page's Back link: the sex question, "Female" still selected
    click_and_wait(page, "link", "← Back")
    assert page.url == question_url(live_server, "sex")
    assert heading(page) == "What is your sex?"
    assert page.get_by_label("Female", exact=True).is_checked()
    assert not page.get_by_label("Male", exact=True).is_checked()
    check_accessibility(page)

    # and once more to the number question: the age is still filled in
    click_and_wait(page, "link", "← Back")
    assert page.url == question_url(live_server, "age")
    assert page.get_by_label("How old are you?", exact=True).input_value() == "52"
    page.go_back()  # the browser's back button again: to the sex question
    assert page.url == question_url(live_server, "sex")
    assert page.get_by_label("Female", exact=True).is_checked()

    # changing the answer works: a man is not asked about pregnancy
    answer(page, questions["sex"], "male")
    assert page.url == question_url(live_server, "main_symptoms")
    assert heading(page) == questions["main_symptoms"].text.get("en")
    click_and_wait(page, "link", "← Back")
    assert page.url == question_url(live_server, "sex")
    assert page.get_by_label("Male", exact=True).is_checked()
    assert not page.get_by_label("Female", exact=True).is_checked()
    # the dropped pregnancy answer cannot be reopened
    response = page.goto(question_url(live_server, "pregnant"))
    assert response is not None
    assert response.status == 404

    # on the first question, Back leads to the start page
    page.goto(question_url(live_server, "emergency_signs"))
    assert page.get_by_label("None of these", exact=True).is_checked()
    click_and_wait(page, "link", "← Back")
    assert page.url == live_server.url + "/"
    click_and_wait(page, "link", "Continue where you left off")
    question = shown_question(page)
    assert question is not None
    assert question.id == "main_symptoms"
