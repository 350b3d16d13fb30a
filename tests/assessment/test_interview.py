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


CORE_KB = """
questions:
  - {id: alarm, section: red_flags, type: yes_no, core: true, text: {en: "Alarm?", ru: "Тревога?"}}
  - id: symptoms
    section: complaint
    type: choice
    core: true
    text: {en: "Symptoms?", ru: "Симптомы?"}
    choices:
      - {id: itch, text: {en: "Itch", ru: "Зуд"}}
      - {id: ache, text: {en: "Ache", ru: "Боль"}}
  - {id: sex, section: complaint, type: yes_no, core: true, text: {en: "Female?", ru: "Женщина?"}}
  - {id: hot, section: details, type: yes_no, core: true, text: {en: "Hot?", ru: "Жарко?"}}
  - {id: dry, section: details, type: yes_no, core: true, text: {en: "Dry?", ru: "Сухо?"}}
  - id: pregnant
    section: details
    type: yes_no
    ask_if: {q: sex, eq: true}
    text: {en: "Pregnant?", ru: "Беременна?"}
  - {id: soap, section: details, type: yes_no, core: true, text: {en: "Soap?", ru: "Мыло?"}}
conditions:
  - id: itchy
    name: {en: "Itchy legs", ru: "Зуд ног"}
    group: rls
    summary: {en: "Itch.", ru: "Зуд."}
    prior: 0.2
    requires: {q: symptoms, eq: itch}
    evidence:
      - when: {all: [{q: hot, eq: true}, {q: dry, eq: true}]}
        lr: 1.1
        reason: {en: "Hot and dry", ru: "Жарко и сухо"}
      - when: {q: pregnant, eq: true}
        lr: 9
        reason: {en: "Pregnant", ru: "Беременна"}
    urgency: self_care
    urgency_reason: {en: "Harmless.", ru: "Безвредно."}
    references: [ref_a]
red_flags:
  - id: alarm_raised
    name: {en: "Alarm", ru: "Тревога"}
    condition: itchy
    urgency: emergency
    when: {q: alarm, eq: true}
    action: {en: "Call now.", ru: "Звоните."}
    references: [ref_a]
advice:
  - id: less_soap
    text: {en: "Less soap", ru: "Меньше мыла"}
    when: {all: [{q: soap, eq: true}, {condition: itchy, at_least: possible}]}
    evidence: {en: "Expert opinion", ru: "Мнение экспертов"}
    evidence_level: expert_opinion
    source: article
    references: [ref_a]
"""


@pytest.fixture
def core_kb(make_kb: Any) -> KnowledgeBase:
    from quietlegs.knowledge import load_knowledge_base

    return load_knowledge_base(make_kb(core=CORE_KB), cache=False)


def test_core_question_of_an_undecided_conjunction_is_asked(core_kb: KnowledgeBase) -> None:
    iv = Interview(core_kb)
    so_far = {"alarm": False, "symptoms": "itch", "sex": False}
    # Alone, neither half of 'hot and dry' changes the report (the band stays the same)...
    assert not iv.could_change_report("hot", so_far)
    assert not iv.could_change_report("dry", so_far)
    # ...but the rule is undecided, so both are asked.
    script = so_far | {"hot": True, "dry": True, "soap": True}
    assert walk(iv, script) == ["alarm", "symptoms", "sex", "hot", "dry", "soap"]


def test_core_question_whose_rules_are_decided_is_not_asked(core_kb: KnowledgeBase) -> None:
    # With an ache, 'itchy' is gated off: 'hot', 'dry' and the soap advice are decided.
    script = {"alarm": False, "symptoms": "ache", "sex": False}
    assert walk(Interview(core_kb), script) == ["alarm", "symptoms", "sex"]


def test_question_deciding_another_questions_ask_if_is_asked(core_kb: KnowledgeBase) -> None:
    # 'sex' changes no rule of the report, but decides whether 'pregnant' is asked.
    iv = Interview(core_kb)
    assert not iv.could_change_report("sex", {"alarm": False, "symptoms": "itch"})
    script = {"alarm": False, "symptoms": "itch", "sex": True, "pregnant": True}
    script |= {"hot": False, "soap": False}
    # 'hot' = no decides 'hot and dry': 'dry' is not asked.
    assert walk(iv, script) == ["alarm", "symptoms", "sex", "hot", "pregnant", "soap"]
