"""Check and normalise a person's answers against the knowledge base."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from quietlegs._errors import AnswerError, Problem
from quietlegs.knowledge.loader import KnowledgeBase
from quietlegs.knowledge.predicates import AnswerValue, Facts, time_to_minutes
from quietlegs.knowledge.schema import Question

_YES = {"yes", "y", "true", "да"}
_NO = {"no", "n", "false", "нет"}


#: The codes of the problems :class:`~quietlegs.AnswerError` gives in ``details``:
#: an unknown question id (``field``: the id as given, ``version``), an answer that does
#: not fit its question (the codes of :class:`InvalidAnswerError`; ``field``: the question
#: id), answers contradicting each other (``rule``: the knowledge base's consistency rule
#: id), answers that are not a mapping, and ``invalid`` for any other problem.
ANSWER_PROBLEM_CODES: frozenset[str] = frozenset(
    {
        "not_a_mapping",
        "unknown_question",
        "invalid",
        "not_a_number",
        "not_finite",
        "not_a_whole_number",
        "out_of_range",
        "contradictory",
    }
)


class InvalidAnswerError(ValueError):
    """An answer that does not fit its question; ``problem`` holds it as data.

    The message is the English text (``"ferritin_ng_ml: must be between 0 and 5000
    ng/mL; got 6000"``); ``problem`` has a stable ``code`` (``"out_of_range"``,
    ``"not_a_number"``, ``"not_a_whole_number"``, ``"not_finite"`` for numbers;
    ``"invalid"`` otherwise), the question id as ``field`` and the ``params`` (``low``,
    ``high``, ``value``), so that a shell can word it in its reader's language.
    """

    def __init__(
        self, question_id: str, message: str, code: str = "invalid", **params: Any
    ) -> None:
        super().__init__(message)
        self.problem = Problem(code, message, question_id, None, params)


def normalize_answer(question: Question, value: Any) -> AnswerValue:
    """Return ``value`` in the form the rules use, or raise ``ValueError``.

    yes/no answers become ``bool``; choices stay ids; multi-choice answers
    become a sorted tuple of ids; numbers become ``float``; times of day
    (``"HH:MM"``) become minutes after midnight.

    Parameters
    ----------
    question : Question
        The question answered.
    value : object
        The answer as given (JSON types).

    Returns
    -------
    value : bool | str | float | int | tuple of str
        The normalised answer.

    Raises
    ------
    InvalidAnswerError
        A ``ValueError`` raised if the answer does not fit the question; the message
        names the question, what it accepts and what was given.
    """
    qid, qtype = question.id, question.type
    if qtype == "yes_no":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _YES | _NO:
            return value.strip().lower() in _YES
        raise InvalidAnswerError(
            qid, f"{qid}: a yes/no question takes true or false; got {value!r}"
        )
    if qtype == "choice":
        choices = question.choice_ids()
        if isinstance(value, str) and value in choices:
            return value
        raise InvalidAnswerError(qid, f"{qid}: must be one of {list(choices)}; got {value!r}")
    if qtype == "multi_choice":
        choices = question.choice_ids()
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise InvalidAnswerError(
                qid,
                f"{qid}: a multi-choice question takes a list of {list(choices)}; got {value!r}",
            )
        bad = [v for v in value if v not in choices]
        if bad:
            raise InvalidAnswerError(qid, f"{qid}: {bad[0]!r} is not one of {list(choices)}")
        if len(set(value)) != len(value):
            raise InvalidAnswerError(qid, f"{qid}: a choice is given twice in {list(value)}")
        exclusive = [c.id for c in question.choices if c.exclusive and c.id in value]
        if exclusive and len(value) > 1:
            raise InvalidAnswerError(
                qid, f"{qid}: {exclusive[0]!r} cannot be combined with other choices"
            )
        return tuple(sorted(value))
    if qtype == "number":
        rng = question.range
        if rng is None:  # pragma: no cover - the schema guarantees a range
            raise InvalidAnswerError(qid, f"{qid}: number question without a range")
        if isinstance(value, bool) or not isinstance(value, int | float):
            message = f"{qid}: must be a number; got {value!r}"
            raise InvalidAnswerError(qid, message, "not_a_number", value=repr(value))
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            message = f"{qid}: must be a finite number; got {str(value)[:20]}…"
            raise InvalidAnswerError(qid, message, "not_finite", value=str(value)[:20] + "…")
        if rng.integer and value != int(value):
            message = f"{qid}: must be a whole number; got {value!r}"
            raise InvalidAnswerError(qid, message, "not_a_whole_number", value=value)
        if not rng.min <= value <= rng.max:
            unit = f" {rng.unit.en}" if rng.unit else ""
            message = f"{qid}: must be between {rng.min:g} and {rng.max:g}{unit}; got {value:g}"
            raise InvalidAnswerError(
                qid, message, "out_of_range", low=rng.min, high=rng.max, value=value
            )
        return float(value)
    try:
        return time_to_minutes(value)
    except ValueError as exc:
        raise InvalidAnswerError(qid, f"{qid}: {exc}") from exc


def normalize_answers(kb: KnowledgeBase, answers: Mapping[str, Any]) -> dict[str, AnswerValue]:
    """Check every answer and the answers together; return them normalised.

    ``None`` values count as unanswered.

    Parameters
    ----------
    kb : KnowledgeBase
        The knowledge base that defines the questions.
    answers : mapping of str to object
        Question id to answer, as JSON types.

    Returns
    -------
    answers : dict
        Question id to normalised answer (see :func:`normalize_answer`).

    Raises
    ------
    AnswerError
        Listing every unknown question id, wrongly typed or out-of-range
        answer, and every contradiction between answers.
    """
    if not isinstance(answers, Mapping):
        given = type(answers).__name__
        message = f"answers must be a mapping of question id to answer; got {given}"
        raise AnswerError([Problem("not_a_mapping", message, None, None, {"type": given})])
    problems: list[Problem] = []
    out: dict[str, AnswerValue] = {}
    for qid, value in answers.items():
        question = kb.questions.get(qid) if isinstance(qid, str) else None
        if question is None:
            message = f"{qid!r} is not a question of this knowledge base ({kb.version})"
            params = {"version": str(kb.version)}
            problems.append(Problem("unknown_question", message, str(qid), None, params))
            continue
        if value is None:
            continue
        try:
            out[qid] = normalize_answer(question, value)
        except InvalidAnswerError as exc:
            problems.append(exc.problem)
        except ValueError as exc:
            problems.append(Problem("invalid", str(exc), qid))
    if not problems:
        facts = Facts(answers=out)
        for rule in kb.consistency.values():
            if kb.rule(rule.when)(facts) is True:
                message = f"contradictory answers ({rule.id}): {rule.message.en}"
                problems.append(Problem("contradictory", message, None, None, {"rule": rule.id}))
    if problems:
        raise AnswerError(problems)
    return out


def format_answer(question: Question, value: AnswerValue, lang: str = "en") -> str:
    """Return a normalised answer as words, for reasons shown to people."""
    if question.type == "yes_no":
        yes, no = ("да", "нет") if lang == "ru" else ("yes", "no")
        return yes if value else no
    if question.type == "choice":
        return next(c.text.get(lang) for c in question.choices if c.id == value)
    if question.type == "multi_choice":
        names = [c.text.get(lang) for c in question.choices if c.id in value]  # type: ignore[operator]
        return ", ".join(names) if names else "—"
    if question.type == "time_of_day":
        minutes = int(value)  # type: ignore[arg-type]
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    number = float(value)  # type: ignore[arg-type]
    rng = question.range
    if rng is not None and rng.unit_forms is not None:
        unit = f" {rng.unit_forms.get(lang, number)}"
    else:
        unit = f" {rng.unit.get(lang)}" if rng is not None and rng.unit else ""
    text = f"{number:g}"
    return f"{text.replace('.', ',') if lang == 'ru' else text}{unit}"
