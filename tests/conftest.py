"""Shared fixtures: the shipped knowledge base and small knowledge bases made in code."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from quietlegs.knowledge import KnowledgeBase, load_knowledge_base

META = """
meta:
  version: "2026.1.0"
  released: 2026-01-01
  languages: [en, ru]
  sections: [red_flags, complaint, details, clinician]
  texts:
    disclaimer: {en: "Not a diagnosis.", ru: "Не диагноз."}
    emergency_call: {en: "Call 112.", ru: "Звоните 112."}
    treatment_notice: {en: "Discuss with a doctor.", ru: "Обсудите с врачом."}
    urgency_emergency: {en: "Emergency", ru: "Экстренно"}
    urgency_urgent: {en: "Urgent", ru: "Срочно"}
    urgency_routine: {en: "Routine", ru: "Планово"}
    urgency_self_care: {en: "Self-care", ru: "Самопомощь"}
    reason_no_pattern: {en: "No pattern.", ru: "Нет картины."}
    band_unlikely: {en: "unlikely", ru: "маловероятно"}
    band_possible: {en: "possible", ru: "возможно"}
    band_likely: {en: "likely", ru: "вероятно"}
    band_very_likely: {en: "very likely", ru: "весьма вероятно"}
references:
  - {id: ref_a, authors: "Doe J", title: "A study", source: "J Test", year: 2020}
"""

#: A small knowledge base with exact numbers: priors and likelihood ratios
#: chosen so that posteriors land on known values.
TOY = """
questions:
  - id: alarm
    section: red_flags
    type: yes_no
    core: true
    text: {en: "Alarm?", ru: "Тревога?"}
  - id: symptoms
    section: complaint
    type: multi_choice
    core: true
    text: {en: "Symptoms?", ru: "Симптомы?"}
    choices:
      - {id: itch, text: {en: "Itch", ru: "Зуд"}}
      - {id: ache, text: {en: "Ache", ru: "Боль"}}
      - {id: none, exclusive: true, text: {en: "None", ru: "Нет"}}
  - id: strong
    section: details
    type: yes_no
    ask_if: {q: symptoms, has: itch}
    text: {en: "Strong?", ru: "Сильно?"}
  - id: irrelevant
    section: details
    type: yes_no
    ask_if: {q: symptoms, has: itch}
    text: {en: "Irrelevant?", ru: "Неважно?"}
  - id: score
    section: details
    type: number
    ask_if: {q: symptoms, has: ache}
    range: {min: 0, max: 10, integer: true}
    text: {en: "Score?", ru: "Балл?"}
  - id: onset
    section: details
    type: time_of_day
    ask_if: {q: symptoms, has: ache}
    text: {en: "Onset?", ru: "Начало?"}
  - id: lab
    section: clinician
    type: number
    audience: clinician
    range: {min: 0, max: 1000}
    text: {en: "Lab?", ru: "Анализ?"}
conditions:
  - id: itchy
    name: {en: "Itchy legs", ru: "Зуд ног"}
    group: rls
    summary: {en: "Itch.", ru: "Зуд."}
    prior: 0.2
    requires: {q: symptoms, has: itch}
    evidence:
      - when: {q: strong, eq: true}
        lr: 4
        reason: {en: "Strong itch", ru: "Сильный зуд"}
        references: [ref_a]
      - when: {q: strong, eq: false}
        lr: 0.25
        reason: {en: "Weak itch", ru: "Слабый зуд"}
    urgency: self_care
    urgency_min_band: likely
    urgency_reason: {en: "Itch is harmless.", ru: "Зуд безвреден."}
    references: [ref_a]
  - id: achy
    name: {en: "Achy legs", ru: "Боль в ногах"}
    group: mimic
    summary: {en: "Ache.", ru: "Боль."}
    prior: 0.5
    requires: {q: symptoms, has: ache}
    criteria:
      - id: scored
        text: {en: "Score 5 or more", ru: "Балл 5 и более"}
        when: {q: score, gte: 5}
      - id: evening
        text: {en: "Starts after 18:00", ru: "Начинается после 18:00"}
        when: {q: onset, gte: "18:00"}
    criteria_rule: all_required
    urgency: routine
    urgency_min_band: possible
    urgency_reason: {en: "See a doctor.", ru: "К врачу."}
    references: [ref_a]
  - id: danger
    name: {en: "Danger", ru: "Опасность"}
    group: emergency
    summary: {en: "Danger.", ru: "Опасность."}
    prior: 0.01
    requires: {q: alarm, eq: true}
    urgency: emergency
    urgency_min_band: possible
    urgency_reason: {en: "Danger!", ru: "Опасно!"}
    references: [ref_a]
red_flags:
  - id: alarm_raised
    name: {en: "Alarm", ru: "Тревога"}
    condition: danger
    urgency: emergency
    when: {q: alarm, eq: true}
    action: {en: "Call now.", ru: "Звоните."}
    references: [ref_a]
tests:
  - id: blood
    name: {en: "Blood test", ru: "Анализ крови"}
    indications:
      - when: {condition: itchy, at_least: possible}
        why: {en: "Itch", ru: "Зуд"}
    references: [ref_a]
  - id: lab_followup
    name: {en: "Repeat lab", ru: "Повтор анализа"}
    indications:
      - when: {q: lab, lte: 75}
        why: {en: "Low lab", ru: "Низкий анализ"}
    references: [ref_a]
advice:
  - id: scratch_less
    text: {en: "Scratch less", ru: "Меньше чесать"}
    when: {condition: itchy, at_least: likely}
    evidence: {en: "Expert opinion", ru: "Мнение экспертов"}
    evidence_level: expert_opinion
    source: article
    references: [ref_a]
"""


def write_kb(folder: Path, **files: str) -> Path:
    """Write a knowledge base: the shared meta and references plus ``files``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.yaml").write_text(textwrap.dedent(META), encoding="utf-8")
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with quietlegs."""
    return load_knowledge_base()


@pytest.fixture(scope="session")
def toy_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """A small knowledge base with exactly known numbers."""
    folder = write_kb(tmp_path_factory.mktemp("toy"), toy=TOY)
    return load_knowledge_base(folder, cache=False)


@pytest.fixture
def make_kb(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes a knowledge base folder from YAML texts."""

    def make(**files: str) -> Path:
        return write_kb(tmp_path / "kb", **files)

    return make
