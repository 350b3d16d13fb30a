"""Clicking through the online interview the way a person does: read, pick, press Next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.knowledge.schema import Question
from quietlegs.web.knowledge import kb
from tests.web.browser.browsertools import ui

#: More screens than any interview has: a walk that does not end is a failure.
MAX_SCREENS = 80

OnScreen = Callable[[Page, Question], None]


def click_and_wait(page: Page, role: Literal["button", "link"], name: str) -> None:
    """Click the button or link ``name`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()


def start_interview(page: Page, live_server: LiveServer, lang: str = "en") -> None:
    """Open the start page and press "Start the check"."""
    page.goto(live_server.url + "/")
    click_and_wait(page, "button", ui("Start the check", lang))


def shown_question(page: Page) -> Question | None:
    """The knowledge-base question on the current screen (``None`` off the interview)."""
    form = page.locator("form.question")
    if form.count() == 0:
        return None
    qid = form.get_attribute("data-question")
    assert qid is not None
    return kb().questions[qid]


def choice_text(question: Question, choice_id: str, lang: str) -> str:
    """The text a person reads for the choice ``choice_id`` of ``question``."""
    for choice in question.choices:
        if choice.id == choice_id:
            return choice.text.get(lang)
    raise AssertionError(f"{question.id} has no choice {choice_id!r}")


def yes_no_label(value: bool, lang: str) -> str:
    """The label of the Yes or No radio button."""
    return ui("Yes" if value else "No", lang)


def pick(page: Page, question: Question, value: Any, lang: str) -> None:
    """Select ``value`` (the answer's JSON form) on the screen, without pressing Next."""
    if question.type == "yes_no":
        page.get_by_label(yes_no_label(bool(value), lang), exact=True).check()
    elif question.type == "choice":
        page.get_by_label(choice_text(question, value, lang), exact=True).check()
    elif question.type == "multi_choice":
        for choice_id in value:
            page.get_by_label(choice_text(question, choice_id, lang), exact=True).check()
    else:  # number, time of day: a text box labelled by the question
        page.get_by_label(question.text.get(lang), exact=True).fill(str(value))


def answer(page: Page, question: Question, value: Any, lang: str = "en") -> None:
    """Select ``value`` and press Next."""
    pick(page, question, value, lang)
    click_and_wait(page, "button", ui("Next", lang))


def safe_answer(question: Question) -> Any:
    """An answer raising no warning sign (red-flag screens cannot be skipped)."""
    if question.type == "yes_no":
        return False
    exclusive = [c.id for c in question.choices if c.exclusive]
    if question.type == "multi_choice" and exclusive:
        return exclusive
    raise AssertionError(f"no safe answer for {question.id}")


def walk_interview(
    page: Page, answers: dict[str, Any], lang: str = "en", on_screen: OnScreen | None = None
) -> list[str]:
    """Answer every screen from the current one until the interview ends.

    Questions in ``answers`` get that answer; red-flag questions not in it get a safe
    answer; any other question is skipped ("Skip / I don't know"). Every screen must
    show its question as the heading, in ``lang``. ``on_screen`` is called on each
    screen before it is answered.

    Returns
    -------
    asked : list of str
        The question ids, in the order shown.
    """
    asked: list[str] = []
    for _ in range(MAX_SCREENS):
        question = shown_question(page)
        if question is None:
            return asked
        heading = page.locator("h1.question-text").inner_text()
        assert heading == question.text.get(lang), f"{question.id}: {heading!r}"
        asked.append(question.id)
        if on_screen is not None:
            on_screen(page, question)
        if question.id in answers:
            answer(page, question, answers[question.id], lang)
        elif question.section == "red_flags":
            answer(page, question, safe_answer(question), lang)
        else:
            click_and_wait(page, "button", ui("Skip / I don't know", lang))
    raise AssertionError(f"the interview did not end after {MAX_SCREENS} screens: {asked}")
