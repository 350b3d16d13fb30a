"""Property tests on the shipped knowledge base: safety and robustness for any answers."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quietlegs import AnswerError
from quietlegs.assessment import Interview, assess, evaluate, normalize_answers
from quietlegs.assessment.inference import URGENCY_RANK
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base
from quietlegs.knowledge.schema import Question

KB = load_knowledge_base()
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def value_strategy(q: Question) -> st.SearchStrategy[Any]:
    if q.type == "yes_no":
        return st.booleans()
    if q.type == "choice":
        return st.sampled_from(q.choice_ids())
    if q.type == "multi_choice":
        exclusive = [c.id for c in q.choices if c.exclusive]
        others = [c.id for c in q.choices if not c.exclusive]
        subsets = st.lists(st.sampled_from(others), unique=True, max_size=4)
        return (
            st.one_of(subsets, st.sampled_from([[e] for e in exclusive])) if exclusive else subsets
        )
    if q.type == "number" and q.range is not None:
        if q.range.integer:
            return st.integers(int(q.range.min), int(q.range.max))
        return st.floats(q.range.min, q.range.max, allow_nan=False)
    return st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


def answer_sets(kb: KnowledgeBase) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={qid: value_strategy(q) for qid, q in kb.questions.items()}
    )


def valid(kb: KnowledgeBase, answers: dict[str, Any]) -> dict[str, Any]:
    try:
        normalize_answers(kb, answers)
    except AnswerError:
        assume(False)
    return answers


@PROPERTY_SETTINGS
@given(answer_sets(KB))
def test_any_valid_answers_give_a_complete_report(answers: dict[str, Any]) -> None:
    answers = valid(KB, answers)
    for lang in ("en", "ru"):
        report = assess(KB, answers, lang)
        data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
        assert data["disclaimer"]
        assert data["emergency_call"]
        assert data["urgency_reason"]
        assert data["knowledge_version"] == KB.version


@PROPERTY_SETTINGS
@given(answer_sets(KB))
def test_urgency_is_never_below_a_raised_red_flag(answers: dict[str, Any]) -> None:
    answers = valid(KB, answers)
    ev = evaluate(KB, normalize_answers(KB, answers))
    for flag_id in ev.red_flags:
        assert URGENCY_RANK[ev.urgency] <= URGENCY_RANK[KB.red_flags[flag_id].urgency]
    if ev.red_flags:
        assert ev.listed[0].red_flags, "a condition behind a red flag must be ranked first"


SCREEN_CHOICES = [c for c in KB.questions["emergency_signs"].choice_ids() if c != "none"]


@PROPERTY_SETTINGS
@given(answer_sets(KB), st.lists(st.sampled_from(SCREEN_CHOICES), min_size=1, unique=True))
def test_any_emergency_sign_means_emergency_whatever_else_is_answered(
    answers: dict[str, Any], signs: list[str]
) -> None:
    answers = valid(KB, {**answers, "emergency_signs": signs})
    report = assess(KB, answers)
    assert report.urgency == "emergency"
    assert report.red_flags, "the emergency must be explained by a red flag"
    assert report.red_flags[0].urgency == "emergency"


@PROPERTY_SETTINGS
@given(answer_sets(KB))
def test_same_answers_same_report(answers: dict[str, Any]) -> None:
    answers = valid(KB, answers)
    assert assess(KB, answers).to_dict() == assess(KB, dict(sorted(answers.items()))).to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(KB))
def test_interview_asks_only_new_relevant_questions(answers: dict[str, Any]) -> None:
    answers = valid(KB, answers)
    question = Interview(KB).next_question(answers)
    if question is None:
        return
    assert question.id not in answers
    assert question.audience == "patient"
    if question.ask_if is not None:
        facts = evaluate(KB, normalize_answers(KB, answers)).facts
        assert KB.rule(question.ask_if)(facts) is True
