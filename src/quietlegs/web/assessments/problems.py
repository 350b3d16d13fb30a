"""The assessment core's answer problems in the reader's language.

:func:`quietlegs.assessment.normalize_answers` raises an :class:`~quietlegs.AnswerError`
whose ``details`` are :class:`~quietlegs.Problem` data (codes in
:data:`quietlegs.assessment.answers.ANSWER_PROBLEM_CODES`, the question id as ``field``).
The web app never shows the core's English: it words each problem here, naming the
question by its text and a contradiction by the knowledge base's own message, both in
the reader's language.
"""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quietlegs import AnswerError, Problem
from quietlegs.web.knowledge import current_language, kb

#: Each code's wording; ``%(question)s`` is the question's text in the reader's language.
BODIES: dict[str, Any] = {
    "not_a_mapping": _("the answers are not a set of question and answer pairs"),
    "unknown_question": _(
        "“%(question)s” is not a question of this knowledge base (it may have changed)"
    ),
    "not_a_number": _("“%(question)s”: must be a number; got %(value)s"),
    "not_finite": _("“%(question)s”: must be a finite number"),
    "not_a_whole_number": _("“%(question)s”: must be a whole number; got %(value)s"),
    "out_of_range": _(
        "“%(question)s”: must be between %(low)s and %(high)s%(unit)s; got %(value)s"
    ),
    "invalid": _("“%(question)s”: the answer does not fit the question"),
    "invalid_answers": _("the answers could not be checked"),
}


def _number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:g}"
        return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
    return str(value)


def answer_problem(problem: Problem) -> str:
    """One problem of a set of answers, in the current language."""
    lang = current_language()
    knowledge = kb()
    if problem.code == "contradictory":
        rule = knowledge.consistency.get(str(problem.params.get("rule")))
        if rule is not None:
            return rule.message.get(lang)
        return gettext("the answers contradict each other")
    question = knowledge.questions.get(problem.field or "")
    label = question.text.get(lang) if question is not None else str(problem.field or "")
    unit = ""
    if question is not None and question.range is not None and question.range.unit:
        unit = f" {question.range.unit.get(lang)}"
    params = {
        "question": label,
        "value": _number(problem.params.get("value", "")),
        "low": _number(problem.params.get("low", "")),
        "high": _number(problem.params.get("high", "")),
        "unit": unit,
    }
    wording = BODIES.get(problem.code, BODIES["invalid"])
    if problem.code == "invalid" and problem.field is None:
        wording = BODIES["invalid_answers"]
    return str(wording) % params


def answer_problems(error: AnswerError) -> str:
    """Every problem of ``error`` in the current language, separated by ``; ``."""
    return "; ".join(answer_problem(p) for p in error.details)
