"""A tremor measurement as interview answers (quietlegs.assessment.measurements)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from quietlegs.assessment import Interview, assess, normalize_answers
from quietlegs.assessment.measurements import TREMOR_TASKS, tremor_answers
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base
from quietlegs.signals import tremor
from tests.signals.tremor_synth import make_tremor

KB: KnowledgeBase = load_knowledge_base()

#: A person whose only complaint is tremor (the tremor details unanswered).
COMPLAINT: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 68,
    "sex": "female",
    "main_symptoms": ["tremor"],
    "tremor_recent_stop": ["none"],
    "tremor_acute_signs": ["none"],
    "known_conditions": ["none"],
    "medications": ["none"],
}


def measured(freq_hz: float, rms: float, task: str, seed: int = 1) -> tremor.TremorResult:
    synth = make_tremor(freq_hz, rms, seed=seed)
    return tremor.analyze_signal(synth.values, 100.0, task=task)


def ranked(report: dict[str, Any]) -> list[str]:
    return [c["id"] for c in report["conditions"]]


def test_a_measured_rest_tremor_becomes_the_measurement_answers() -> None:
    result = measured(5.0, 0.3, "rest")
    answers = tremor_answers(result)
    assert answers == {"tremor_dominant_frequency_hz": 5.0, "tremor_task": "rest"}
    assert tremor_answers(result.to_dict()) == answers  # the stored form gives the same
    # The knowledge base accepts them as they are.
    normalize_answers(KB, answers)
    for qid in answers:
        assert KB.questions[qid].audience == "measurement"


def test_no_tremor_or_voluntary_movement_gives_no_answers() -> None:
    quiet = tremor.analyze_signal(make_tremor(5.0, 0.0, seed=3).values, 100.0, task="rest")
    assert not quiet.detected
    assert tremor_answers(quiet) == {}
    t = np.arange(0, 20, 0.01)
    moving = np.zeros((t.size, 3))
    moving[:, 0] = 3.0 * np.sin(2 * np.pi * 0.8 * t)
    voluntary = tremor.analyze_signal(moving, 100.0, task="posture")
    assert voluntary.band["id"] == "voluntary"
    assert tremor_answers(voluntary) == {}


def test_a_measured_5hz_rest_tremor_is_evidence_the_assessment_uses() -> None:
    answers = tremor_answers(measured(5.2, 0.4, "rest"))
    without = assess(KB, COMPLAINT, "en").to_dict()
    with_measurement = assess(KB, {**COMPLAINT, **answers}, "en").to_dict()
    parkinsonian = next(
        c for c in with_measurement["conditions"] if c["id"] == "parkinsonian_tremor"
    )
    assert any(
        r["likelihood_ratio"] == 5 and "parkinsonian band" in r["text"]
        for r in parkinsonian["reasons"]
    )
    # Without the recording the complaint alone does not list it; with it, it comes first.
    assert "parkinsonian_tremor" not in ranked(without)
    assert ranked(with_measurement)[0] == "parkinsonian_tremor"


def test_a_measured_orthostatic_tremor_leads_the_ranking() -> None:
    answers = tremor_answers(measured(15.8, 0.2, "standing"))
    assert answers == {"tremor_dominant_frequency_hz": 15.8, "tremor_task": "standing"}
    report = assess(KB, {**COMPLAINT, **answers, "tremor_body_parts": ["legs"]}, "en").to_dict()
    assert ranked(report)[0] == "orthostatic_tremor"


def test_the_interview_never_asks_the_measurement_questions() -> None:
    interview = Interview(KB)
    answers = dict(COMPLAINT)
    skipped: list[str] = []
    asked: list[str] = []
    while (question := interview.next_question(answers, skipped)) is not None:
        asked.append(question.id)
        skipped.append(question.id)  # skip everything: every askable question comes up
    assert "tremor_dominant_frequency_hz" not in asked
    assert "tremor_task" not in asked


def test_bad_results_are_refused() -> None:
    good = measured(5.0, 0.3, "rest").to_dict()
    with pytest.raises(ValueError, match="task must be one of rest, posture, action, standing"):
        tremor_answers({**good, "task": "walking"})
    with pytest.raises(ValueError, match=r"dominant_frequency_hz must be a number between 0\.5"):
        tremor_answers({**good, "dominant_frequency_hz": 45.0})
    with pytest.raises(ValueError, match="dominant_frequency_hz must be a number"):
        tremor_answers({**good, "dominant_frequency_hz": "5"})
    assert set(TREMOR_TASKS) == set(tremor.TASKS)
    assert set(TREMOR_TASKS) == set(KB.questions["tremor_task"].choice_ids())
