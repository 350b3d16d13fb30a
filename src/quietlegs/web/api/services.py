"""What the API endpoints do, apart from HTTP: thin calls into the core.

No clinical logic lives here: questions, interviews and reports come from
:mod:`quietlegs.assessment` and the knowledge base; this module only words
them in a language and shapes them as JSON.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from quietlegs import AnswerError, Problem
from quietlegs.assessment import build_report, evaluate, normalize_answers
from quietlegs.knowledge.schema import Question
from quietlegs.web.knowledge import interview, kb


def question_data(question: Question, lang: str) -> dict[str, Any]:
    """Return a question worded in ``lang`` as JSON-ready data.

    Parameters
    ----------
    question : Question
        A knowledge-base question.
    lang : {"en", "ru"}
        Language of the texts.

    Returns
    -------
    data : dict
        ``id``, ``section``, ``type``, ``text``, ``help``, ``choices``,
        ``range`` and ``audience``.
    """
    rng = question.range
    return {
        "id": question.id,
        "section": question.section,
        "type": question.type,
        "text": question.text.get(lang),
        "help": question.help.get(lang) if question.help else None,
        "choices": [
            {"id": c.id, "text": c.text.get(lang), "exclusive": c.exclusive}
            for c in question.choices
        ],
        "range": (
            {
                "min": rng.min,
                "max": rng.max,
                "unit": rng.unit.get(lang) if rng.unit else None,
                "integer": rng.integer,
            }
            if rng is not None
            else None
        ),
        "audience": question.audience,
    }


def questions(lang: str, audience: str | None = None) -> dict[str, Any]:
    """Every question of the knowledge base (optionally of one audience), in ``lang``."""
    knowledge = kb()
    return {
        "knowledge_version": knowledge.version,
        "language": lang,
        "questions": [
            question_data(q, lang)
            for q in knowledge.questions.values()
            if audience is None or q.audience == audience
        ],
    }


class SkippedError(AnswerError):
    """A skipped id is not a question of the knowledge base."""


def check_skipped(skipped: Collection[str]) -> None:
    """Raise :class:`SkippedError` naming every skipped id that is not a question."""
    knowledge = kb()
    problems = [
        Problem(
            "unknown_question",
            f"skipped: {qid!r} is not a question of this knowledge base ({knowledge.version})",
            qid,
            None,
            {"version": str(knowledge.version)},
        )
        for qid in skipped
        if qid not in knowledge.questions
    ]
    if problems:
        raise SkippedError(problems)


def next_step(answers: Mapping[str, Any], skipped: Collection[str], lang: str) -> dict[str, Any]:
    """The interview's next question for these answers, and the red flags raised so far.

    Raises
    ------
    AnswerError
        If an answer or a skipped id is invalid.
    """
    knowledge = kb()
    check_skipped(skipped)
    question = interview().next_question(answers, skipped)
    evaluation = evaluate(knowledge, normalize_answers(knowledge, answers))
    red_flags = build_report(knowledge, evaluation, lang).red_flags
    return {
        "question": question_data(question, lang) if question is not None else None,
        "done": question is None,
        "emergency": any(f.urgency == "emergency" for f in red_flags),
        "red_flags": red_flags,
        "knowledge_version": knowledge.version,
    }
