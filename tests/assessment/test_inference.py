from __future__ import annotations

import math

import pytest

from quietlegs.assessment import evaluate, normalize_answers
from quietlegs.assessment.inference import BAND_THRESHOLDS, ConditionResult, Evaluation
from quietlegs.knowledge import KnowledgeBase


def run(kb: KnowledgeBase, answers: dict[str, object]) -> Evaluation:
    return evaluate(kb, normalize_answers(kb, answers))


def result(ev: Evaluation, cid: str) -> ConditionResult:
    return next(r for r in ev.conditions if r.condition.id == cid)


def test_posterior_is_prior_odds_times_likelihood_ratio(toy_kb: KnowledgeBase) -> None:
    # prior 0.2 -> odds 0.25; LR 4 -> odds 1 -> p = 0.5 exactly: the 'likely' threshold.
    ev = run(toy_kb, {"alarm": False, "symptoms": ["itch"], "strong": True})
    itchy = result(ev, "itchy")
    assert itchy.probability == pytest.approx(0.5)
    assert itchy.band == "likely"
    assert [h.evidence.reason.en for h in itchy.hits] == ["Strong itch"]
    # LR 0.25 -> odds 1/16 -> p = 1/17, below 'possible'
    weak = result(run(toy_kb, {"symptoms": ["itch"], "strong": False}), "itchy")
    assert weak.probability == pytest.approx(1 / 17)
    assert weak.band == "unlikely"
    # unanswered: the prior alone
    assert result(run(toy_kb, {"symptoms": ["itch"]}), "itchy").probability == pytest.approx(0.2)


def test_band_thresholds_are_ordered() -> None:
    values = [t for _, t in BAND_THRESHOLDS]
    assert values == sorted(values, reverse=True)
    assert all(0 < t < 1 for t in values)


def test_requires_gates_a_condition(toy_kb: KnowledgeBase) -> None:
    itchy = result(run(toy_kb, {"symptoms": ["ache"]}), "itchy")
    assert not itchy.considered
    assert itchy.band == "unlikely"
    assert itchy.probability == 0.0


@pytest.mark.parametrize(
    ("score", "onset", "band", "criteria"),
    [
        (
            5,
            "18:00",
            "likely",
            {"scored": True, "evening": True},
        ),  # floor lifts p=0.5 prior... to likely
        (4, "18:00", "possible", {"scored": False, "evening": True}),  # cap
        (5, None, "possible", {"scored": True, "evening": None}),  # unknown criterion caps too
    ],
)
def test_all_required_criteria(
    toy_kb: KnowledgeBase,
    score: int,
    onset: str | None,
    band: str,
    criteria: dict[str, bool | None],
) -> None:
    ev = run(toy_kb, {"symptoms": ["ache"], "score": score, "onset": onset})
    achy = result(ev, "achy")
    assert achy.criteria == criteria
    assert achy.band == band


def test_red_flag_wins_and_is_ranked_first(toy_kb: KnowledgeBase) -> None:
    ev = run(toy_kb, {"alarm": True, "symptoms": ["itch"], "strong": True})
    assert ev.red_flags == ["alarm_raised"]
    assert ev.urgency == "emergency"
    assert ev.urgency_source == ("red_flag", "alarm_raised")
    assert [r.condition.id for r in ev.listed][:2] == ["danger", "itchy"]


def test_urgency_from_conditions(toy_kb: KnowledgeBase) -> None:
    # itchy 'likely' -> self_care; achy 'possible' -> routine; routine is more urgent
    both = run(toy_kb, {"alarm": False, "symptoms": ["itch", "ache"], "strong": True})
    assert both.urgency == "routine"
    assert both.urgency_source == ("condition", "achy")
    itch_only = run(toy_kb, {"alarm": False, "symptoms": ["itch"], "strong": True})
    assert itch_only.urgency == "self_care"
    # a condition below its urgency_min_band does not set urgency: default routine
    nothing = run(toy_kb, {"alarm": False, "symptoms": ["none"]})
    assert nothing.urgency == "routine"
    assert nothing.urgency_source == ("default", "")


def test_tests_and_advice_follow_findings(toy_kb: KnowledgeBase) -> None:
    ev = run(toy_kb, {"symptoms": ["itch"], "strong": True, "lab": 75})
    assert ev.tests == {"blood": [0], "lab_followup": [0]}
    assert ev.advice == ["scratch_less"]
    ev2 = run(toy_kb, {"symptoms": ["itch"], "strong": False, "lab": 75.1})
    assert ev2.tests == {}
    assert ev2.advice == []


def test_same_answers_same_result(toy_kb: KnowledgeBase) -> None:
    answers = {"alarm": False, "symptoms": ["itch", "ache"], "strong": True, "score": 6}
    assert (
        run(toy_kb, answers).signature() == run(toy_kb, dict(reversed(answers.items()))).signature()
    )


def test_probabilities_are_finite_for_extreme_ratios(toy_kb: KnowledgeBase) -> None:
    ev = run(toy_kb, {"symptoms": ["itch", "ache"], "strong": True, "score": 10, "onset": "23:59"})
    assert all(math.isfinite(r.probability) for r in ev.conditions)
