from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quietlegs.knowledge.predicates import (
    AllOf,
    AnswerValue,
    AnyOf,
    Facts,
    Not,
    Predicate,
    PredicateSyntaxError,
    QuestionTest,
    compile_predicate,
    parse_predicate,
    time_to_minutes,
)

TYPES = {"y": "yes_no", "c": "choice", "m": "multi_choice", "n": "number", "t": "time_of_day"}


def run(raw: object, answers: Mapping[str, AnswerValue]) -> bool | None:
    pred = parse_predicate(raw)
    return compile_predicate(pred, TYPES)(Facts(answers=answers))


@pytest.mark.parametrize(
    ("raw", "answers", "expected"),
    [
        ({"q": "y", "eq": True}, {"y": True}, True),
        ({"q": "y", "eq": True}, {"y": False}, False),
        ({"q": "y", "eq": True}, {}, None),
        ({"q": "y", "ne": True}, {"y": False}, True),
        ({"q": "c", "in": ["a", "b"]}, {"c": "b"}, True),
        ({"q": "c", "in": ["a", "b"]}, {"c": "z"}, False),
        ({"q": "m", "has": "a"}, {"m": ("a", "b")}, True),
        ({"q": "m", "has": "a"}, {"m": ()}, False),
        ({"q": "m", "has_any": ["x", "b"]}, {"m": ("a", "b")}, True),
        ({"q": "n", "gte": 75}, {"n": 75.0}, True),
        ({"q": "n", "gt": 75}, {"n": 75.0}, False),
        ({"q": "n", "lte": 75}, {"n": 75.1}, False),
        ({"q": "n", "lt": 20}, {"n": 19.9}, True),
        ({"q": "t", "gte": "18:00"}, {"t": 18 * 60}, True),
        ({"q": "t", "lt": "18:00"}, {"t": 18 * 60 - 1}, True),
        ({"q": "y", "answered": True}, {}, False),
        ({"q": "y", "answered": False}, {}, True),
        ({"always": True}, {}, True),
    ],
)
def test_leaf_operators(
    raw: object, answers: Mapping[str, AnswerValue], expected: bool | None
) -> None:
    assert run(raw, answers) is expected


def test_kleene_combinators() -> None:
    unknown = {"q": "y", "eq": True}
    false = {"q": "n", "gt": 5}
    true = {"q": "n", "lt": 5}
    answers = {"n": 1.0}
    assert run({"all": [unknown, false]}, answers) is False
    assert run({"all": [unknown, true]}, answers) is None
    assert run({"any": [unknown, true]}, answers) is True
    assert run({"any": [unknown, false]}, answers) is None
    assert run({"not": unknown}, answers) is None
    assert run({"not": false}, answers) is True


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("text", r"a predicate must be a mapping"),
        ({"all": []}, r"'all' takes a non-empty list"),
        ({"all": [{"always": True}], "any": []}, r"must stand alone"),
        ({"q": "y"}, r"exactly one operator"),
        ({"q": "y", "eq": 1, "ne": 2}, r"exactly one operator"),
        ({"q": "y", "like": 1}, r"exactly one operator"),
        ({"q": 3, "eq": 1}, r"'q' must be a question id"),
        ({"q": "c", "in": "a"}, r"'in' takes a non-empty list"),
        ({"q": "y", "answered": "yes"}, r"'answered' takes true or false"),
        ({"always": False}, r"'always' must be true"),
        ({"condition": "x", "at_least": "sure"}, r"'at_least' must be one of"),
        ({"criterion": "nodot"}, r"'criterion' takes CONDITION\.CRITERION"),
        ({"specifier": 3}, r"'specifier' takes an id"),
        ({"bogus": 1}, r"unrecognised predicate"),
    ],
)
def test_syntax_errors_say_what_was_expected(raw: object, message: str) -> None:
    with pytest.raises(PredicateSyntaxError, match=message):
        parse_predicate(raw)


def test_syntax_error_path_points_inside() -> None:
    with pytest.raises(PredicateSyntaxError) as info:
        parse_predicate({"all": [{"always": True}, {"any": [{"q": "x"}]}]})
    assert info.value.path == ("all", 1, "any", 0)


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("7:05", 425), ("23:59", 1439)])
def test_time_to_minutes(text: str, minutes: int) -> None:
    assert time_to_minutes(text) == minutes


@pytest.mark.parametrize("bad", ["24:00", "12:60", "12", "12:5", "ab:cd", 1200, None, "-1:00"])
def test_time_to_minutes_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match=r"a time of day must be 'HH:MM'"):
        time_to_minutes(bad)


# --- properties: three-valued logic laws over random trees and answers -----------------

leaves = st.sampled_from(
    [
        QuestionTest("y", "eq", True),
        QuestionTest("n", "gte", 5.0),
        QuestionTest("c", "in", ("a",)),
        QuestionTest("m", "has", "a"),
    ]
)
trees: st.SearchStrategy[Predicate] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AllOf(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
        inner.map(Not),
    ),
    max_leaves=8,
)
answer_sets: st.SearchStrategy[dict[str, AnswerValue]] = st.fixed_dictionaries(
    {},
    optional={
        "y": st.booleans(),
        "n": st.floats(0, 10),
        "c": st.sampled_from(["a", "b"]),
        "m": st.sampled_from([(), ("a",), ("a", "b")]),
    },
)


def ev(pred: Predicate, answers: Mapping[str, AnswerValue]) -> bool | None:
    return compile_predicate(pred, TYPES)(Facts(answers=answers))


@given(trees, answer_sets)
def test_double_negation(pred: Predicate, answers: Mapping[str, AnswerValue]) -> None:
    assert ev(Not(Not(pred)), answers) is ev(pred, answers)


@given(trees, trees, answer_sets)
def test_de_morgan(a: Predicate, b: Predicate, answers: Mapping[str, AnswerValue]) -> None:
    assert ev(Not(AllOf((a, b))), answers) is ev(AnyOf((Not(a), Not(b))), answers)


@given(trees, answer_sets, st.sampled_from(["y", "n", "c", "m"]), st.data())
def test_answering_never_flips_a_known_value(
    pred: Predicate, answers: Mapping[str, AnswerValue], extra: str, data: st.DataObject
) -> None:
    """Monotonicity: answering one more question only resolves unknowns."""
    if extra in answers:
        return
    before = ev(pred, answers)
    strategies: dict[str, st.SearchStrategy[AnswerValue]] = {
        "y": st.booleans(),
        "n": st.floats(0, 10),
        "c": st.sampled_from(["a", "b"]),
        "m": st.sampled_from([(), ("a",)]),
    }
    value = data.draw(strategies[extra])
    after = ev(pred, {**answers, extra: value})
    if before is not None:
        assert after is before
