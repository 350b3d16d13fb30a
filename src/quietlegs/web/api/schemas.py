"""Request and response bodies of the JSON API (they make its OpenAPI schema).

The assessment report is the core's own :class:`quietlegs.assessment.Report`
(a dataclass), so the schema cannot drift from what the core returns. A stored
report is returned as it was stored (``object``): an old record keeps the shape
of the knowledge-base version that made it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from quietlegs.assessment.report import RedFlagFinding, Report

Lang = Literal["en", "ru"]
Audience = Literal["patient", "clinician", "measurement"]

#: Largest whole number every JSON parser reads exactly.
MAX_JSON_INT = 2**53


def _answer_value(value: Any) -> Any:
    """Accept one answer as JSON gave it, or say in one sentence why not.

    Whether the answer fits its question (type, choices, range) is the core's
    check (:func:`quietlegs.assessment.normalize_answers`); this one only keeps
    out what is no answer at all (objects, lists of non-strings, huge integers).
    """
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_JSON_INT:
            raise PydanticCustomError(
                "answer_number", "a number answer must be between -2^53 and 2^53"
            )
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise PydanticCustomError(
        "answer_type",
        "an answer must be true or false, a number, a string, a list of strings or null",
    )


_ANSWER_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "integer", "minimum": -MAX_JSON_INT, "maximum": MAX_JSON_INT},
        {"type": "number"},
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "null"},
    ],
    "description": (
        "true/false for a yes/no question, a choice id, a list of choice ids, a number, "
        "or HH:MM for a time of day; null counts as unanswered."
    ),
}

#: One answer: true/false for yes/no, a choice id, a list of choice ids, a number,
#: or "HH:MM" for a time of day; null counts as unanswered.
AnswerValue = Annotated[Any, PlainValidator(_answer_value), WithJsonSchema(_ANSWER_JSON_SCHEMA)]

QuestionId = Annotated[str, Field(max_length=64)]


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class AssessIn(_In):
    """Answers to assess."""

    answers: dict[str, AnswerValue] = Field(
        description="Question id → answer (see GET /questions for ids, types and choices).",
    )
    lang: Lang | None = Field(
        None, description="Language of the report; the request's language (else en) if omitted."
    )


class InterviewIn(AssessIn):
    """The answers so far, and the questions the person chose not to answer."""

    answers: dict[str, AnswerValue] = Field(
        default_factory=dict,
        description="Question id → answer given so far.",
    )
    skipped: list[QuestionId] = Field(
        default_factory=list,
        max_length=200,
        description="Questions the person chose not to answer; they are not asked again.",
    )


class StoreIn(InterviewIn):
    """Answers to assess and keep in the caller's record."""

    answers: dict[str, AnswerValue] = Field(
        description="Question id → answer (see GET /questions for ids, types and choices).",
    )


class ChoiceOut(Schema):
    id: str
    text: str
    exclusive: bool


class RangeOut(Schema):
    min: float
    max: float
    unit: str | None
    integer: bool


class QuestionOut(Schema):
    id: str
    section: str
    type: Literal["yes_no", "choice", "multi_choice", "number", "time_of_day"]
    text: str
    help: str | None
    choices: list[ChoiceOut]
    range: RangeOut | None
    audience: Audience


class QuestionsOut(Schema):
    knowledge_version: str
    language: Lang
    questions: list[QuestionOut]


class NextQuestionOut(Schema):
    """What to show next in an interview."""

    question: QuestionOut | None = Field(
        description="The next question, or null when the interview is over."
    )
    done: bool = Field(description="True when no question is left (show the report).")
    emergency: bool = Field(
        description="True when an emergency red flag is raised: show the emergency screen now."
    )
    red_flags: list[RedFlagFinding] = Field(description="Raised red flags, emergency first.")
    knowledge_version: str


class AssessmentSummaryOut(Schema):
    id: uuid.UUID
    created_at: datetime
    source: str
    urgency: str
    top_condition: str
    knowledge_version: str


class AssessmentOut(AssessmentSummaryOut):
    language: Lang
    answers: dict[str, Any]
    skipped: list[str]
    report: dict[str, Any] = Field(
        description="The report as it was given, in the requested language (see Report)."
    )


class ErrorItem(Schema):
    loc: list[str | int] = Field(description="Where the problem is, e.g. [body, answers].")
    msg: str = Field(description="What is wrong, in words (in the request's language).")
    type: str
    code: str | None = Field(
        None,
        description=(
            "For a diary entry's problems (type invalid_diary_entry) and the answers' "
            "(type invalid_answer): the kind of problem, stable across languages, e.g. "
            "out_of_range, given_without_symptoms or unknown_question."
        ),
    )


class ValidationErrorOut(Schema):
    detail: list[ErrorItem]


class ErrorOut(Schema):
    detail: str


__all__ = [
    "AnswerValue",
    "AssessIn",
    "AssessmentOut",
    "AssessmentSummaryOut",
    "ErrorItem",
    "ErrorOut",
    "InterviewIn",
    "Lang",
    "NextQuestionOut",
    "QuestionOut",
    "QuestionsOut",
    "Report",
    "StoreIn",
    "ValidationErrorOut",
]
