from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quietlegs import AnswerError
from quietlegs.assessment.answers import format_answer, normalize_answer, normalize_answers
from quietlegs.knowledge import KnowledgeBase


def test_normalises_each_type(toy_kb: KnowledgeBase) -> None:
    out = normalize_answers(
        toy_kb,
        {"alarm": "no", "symptoms": ["ache", "itch"], "score": 7, "onset": "18:30", "strong": None},
    )
    assert out == {"alarm": False, "symptoms": ("ache", "itch"), "score": 7.0, "onset": 1110}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nope": True}, r"'nope' is not a question of this knowledge base"),
        ({"alarm": "maybe"}, r"alarm: a yes/no question takes true or false; got 'maybe'"),
        ({"alarm": 1}, r"alarm: a yes/no question takes true or false; got 1"),
        ({"symptoms": "itch"}, r"symptoms: a multi-choice question takes a list"),
        (
            {"symptoms": ["itch", "rash"]},
            r"symptoms: 'rash' is not one of \['itch', 'ache', 'none'\]",
        ),
        ({"symptoms": ["itch", "itch"]}, r"symptoms: a choice is given twice"),
        ({"symptoms": ["none", "itch"]}, r"symptoms: 'none' cannot be combined with other choices"),
        ({"score": 11}, r"score: must be between 0 and 10; got 11"),
        ({"score": 2.5}, r"score: must be a whole number; got 2\.5"),
        ({"score": True}, r"score: must be a number; got True"),
        ({"score": "7"}, r"score: must be a number; got '7'"),
        ({"lab": float("nan")}, r"lab: must be a finite number"),
        ({"lab": 10**400}, r"lab: must be a finite number; got 1000000000"),
        ({"onset": "25:00"}, r"onset: a time of day must be 'HH:MM'"),
    ],
)
def test_bad_answers_name_the_question(
    toy_kb: KnowledgeBase, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(AnswerError, match=message):
        normalize_answers(toy_kb, answers)


def test_every_problem_is_listed_at_once(toy_kb: KnowledgeBase) -> None:
    with pytest.raises(AnswerError) as info:
        normalize_answers(toy_kb, {"nope": 1, "alarm": "x", "score": -1})
    assert len(info.value.problems) == 3
    assert str(info.value).startswith("3 problems with the answers:")


def test_answers_must_be_a_mapping(toy_kb: KnowledgeBase) -> None:
    with pytest.raises(
        AnswerError, match=r"answers must be a mapping of question id to answer; got list"
    ):
        normalize_answers(toy_kb, [("alarm", True)])  # type: ignore[arg-type]


def test_contradictions_are_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(AnswerError, match=r"contradictory answers \(pregnant_but_male\)"):
        normalize_answers(kb, {"sex": "male", "pregnant": True})


def test_format_answer_in_both_languages(toy_kb: KnowledgeBase) -> None:
    q = toy_kb.questions
    assert format_answer(q["alarm"], True, "ru") == "да"
    assert format_answer(q["symptoms"], ("ache", "itch"), "en") == "Itch, Ache"
    assert format_answer(q["onset"], 1110) == "18:30"
    assert format_answer(q["score"], 7.0) == "7"


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=5,
)


@given(qid=st.sampled_from(["alarm", "symptoms", "score", "onset", "lab"]), value=junk)
def test_any_junk_gives_a_value_or_a_clear_error(
    toy_kb: KnowledgeBase, qid: str, value: object
) -> None:
    try:
        normalize_answer(toy_kb.questions[qid], value)
    except ValueError as exc:
        assert str(exc).startswith(f"{qid}: ")  # noqa: PT017 - any error must name the question


def test_the_problems_are_also_given_as_data(kb: KnowledgeBase) -> None:
    with pytest.raises(AnswerError, match="nope") as caught:
        normalize_answers(kb, {"age": 200, "nope": True, "sex": "x"})
    details = [(p.code, p.field, dict(p.params)) for p in caught.value.details]
    assert details == [
        ("out_of_range", "age", {"low": 0, "high": 120, "value": 200}),
        ("unknown_question", "nope", {"version": kb.version}),
        ("invalid", "sex", {}),
    ]
    assert caught.value.problems == [p.message for p in caught.value.details]
    with pytest.raises(AnswerError, match="pregnant_but_male") as contradiction:
        normalize_answers(kb, {"sex": "male", "pregnant": True})
    (problem,) = contradiction.value.details
    assert (problem.code, problem.field, dict(problem.params)) == (
        "contradictory",
        None,
        {"rule": "pregnant_but_male"},
    )
    with pytest.raises(AnswerError, match="must be a mapping") as not_mapping:
        normalize_answers(kb, [1])  # type: ignore[arg-type]
    assert not_mapping.value.details[0].code == "not_a_mapping"
