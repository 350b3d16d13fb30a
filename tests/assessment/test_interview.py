from __future__ import annotations

from typing import Any

import pytest

from quietlegs import AnswerError
from quietlegs.assessment import Interview
from quietlegs.knowledge import KnowledgeBase


def walk(interview: Interview, script: dict[str, Any]) -> list[str]:
    """Answer from ``script`` until the interview stops; return the questions asked."""
    answers: dict[str, Any] = {}
    asked = []
    while (q := interview.next_question(answers)) is not None:
        asked.append(q.id)
        answers[q.id] = script[q.id]
    return asked


def test_red_flag_screen_first_and_emergency_stops(toy_kb: KnowledgeBase) -> None:
    iv = Interview(toy_kb)
    first = iv.next_question({})
    assert first is not None
    assert first.id == "alarm"
    assert iv.next_question({"alarm": True}) is None
    assert iv.is_complete({"alarm": True})


def test_only_questions_that_can_change_the_report(toy_kb: KnowledgeBase) -> None:
    script = {"alarm": False, "symptoms": ["itch"], "strong": True, "irrelevant": True}
    # 'irrelevant' passes ask_if but no rule looks at it: never asked.
    assert walk(Interview(toy_kb), script) == ["alarm", "symptoms", "strong"]


def test_ask_if_keeps_unrelated_questions_out(toy_kb: KnowledgeBase) -> None:
    script = {"alarm": False, "symptoms": ["ache"], "score": 6, "onset": "19:00"}
    assert walk(Interview(toy_kb), script) == ["alarm", "symptoms", "score", "onset"]


def test_clinician_questions_only_for_clinicians(toy_kb: KnowledgeBase) -> None:
    script = {"alarm": False, "symptoms": ["none"], "lab": 40}
    assert walk(Interview(toy_kb), script) == ["alarm", "symptoms"]
    assert walk(Interview(toy_kb, audience=("patient", "clinician")), script) == [
        "alarm",
        "symptoms",
        "lab",
    ]


def test_number_probes_straddle_thresholds(toy_kb: KnowledgeBase) -> None:
    iv = Interview(toy_kb)
    assert iv._probes["score"] == [0.0, 4.0, 5.0, 6.0, 10.0]
    assert iv._probes["onset"] == [0, 1079, 1080, 1081, 1439]
    assert iv._probes["lab"][:3] == [0.0, pytest.approx(74.999), 75.0]


def test_could_change_report(toy_kb: KnowledgeBase) -> None:
    iv = Interview(toy_kb)
    base = {"alarm": False, "symptoms": ["itch"]}
    assert iv.could_change_report("strong", base)
    assert not iv.could_change_report("irrelevant", base)


def test_invalid_answers_so_far_are_refused(toy_kb: KnowledgeBase) -> None:
    with pytest.raises(AnswerError, match=r"alarm: a yes/no question"):
        Interview(toy_kb).next_question({"alarm": "perhaps"})


def test_shipped_interview_starts_with_the_red_flag_screen(kb: KnowledgeBase) -> None:
    iv = Interview(kb)
    first = iv.next_question({})
    assert first is not None
    assert first.id == "emergency_signs"
    assert iv.next_question({"emergency_signs": ["chest_pain"]}) is None


def test_skipped_questions_are_not_asked_again(toy_kb: KnowledgeBase) -> None:
    iv = Interview(toy_kb)
    answers = {"alarm": False, "symptoms": ["itch"]}
    nxt = iv.next_question(answers)
    assert nxt is not None
    assert nxt.id == "strong"
    assert iv.next_question(answers, skipped=["strong"]) is None
