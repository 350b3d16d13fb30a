from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from quietlegs import KnowledgeBaseError
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base
from tests.conftest import TOY


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(folder, cache=False)
    return info.value.problems


def test_shipped_knowledge_base_loads(kb: KnowledgeBase) -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+\+[0-9a-f]{10}", kb.version)
    assert kb.questions
    assert kb.conditions
    assert kb.references


def test_every_clinical_item_cites_an_existing_reference(kb: KnowledgeBase) -> None:
    for kind in (
        "conditions",
        "red_flags",
        "tests",
        "referrals",
        "treatments",
        "advice",
        "secondary_causes",
        "article_claims",
    ):
        for item in getattr(kb, kind).values():
            assert item.references, f"{kind} {item.id} has no references"
            assert set(item.references) <= set(kb.references)


def test_every_text_has_english_and_russian(kb: KnowledgeBase) -> None:
    for q in kb.questions.values():
        assert q.text.en.strip()
        assert q.text.ru.strip()
        assert q.text.en != q.text.ru or q.text.en.isdigit()
        for c in q.choices:
            assert c.text.en.strip()
            assert c.text.ru.strip()


def test_questions_follow_section_order(kb: KnowledgeBase) -> None:
    rank = {s: i for i, s in enumerate(kb.meta.sections)}
    ranks = [rank[q.section] for q in kb.questions.values()]
    assert ranks == sorted(ranks)
    assert next(iter(kb.questions.values())).section == "red_flags"


def test_conditions_come_after_the_conditions_they_depend_on(toy_kb: KnowledgeBase) -> None:
    assert set(toy_kb.conditions) == {"itchy", "achy", "danger"}


def test_version_changes_with_content(make_kb: Callable[..., Path]) -> None:
    folder = make_kb(toy=TOY)
    first = load_knowledge_base(folder, cache=False).version
    (folder / "toy.yaml").write_text(TOY.replace("prior: 0.2", "prior: 0.25"), encoding="utf-8")
    second = load_knowledge_base(folder, cache=False).version
    assert first != second
    assert first.split("+")[0] == second.split("+")[0]


def test_cache_returns_the_same_object(make_kb: Callable[..., Path]) -> None:
    folder = make_kb(toy=TOY)
    assert load_knowledge_base(folder) is load_knowledge_base(folder)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nope") == [
        f"{(tmp_path / 'nope').resolve()}: knowledge base folder does not exist"
    ]


BROKEN = """
questions:
  - id: q1
    section: details
    type: choice
    text: {en: "Q?", ru: "В?"}
    choices:
      - {id: a, text: {en: "A", ru: "А"}}
      - {id: b, text: {en: "B", ru: "Б"}}
  - id: q1
    section: details
    type: yes_no
    text: {en: "Again?", ru: "Снова?"}
  - id: q2
    section: nowhere
    type: yes_no
    text: {en: "Where?", ru: "Где?"}
conditions:
  - id: c1
    name: {en: "C1", ru: "С1"}
    group: rls
    summary: {en: "s", ru: "с"}
    prior: 0.1
    evidence:
      - when: {q: q1, eq: c}
        lr: 2
        reason: {en: "r", ru: "р"}
      - when: {q: q1, gte: 3}
        lr: 2
        reason: {en: "r", ru: "р"}
      - when: {q: ghost, eq: true}
        lr: 2
        reason: {en: "r", ru: "р"}
        references: [no_such_ref]
      - when: {condition: c2, at_least: likely}
        lr: 2
        reason: {en: "r", ru: "р"}
    urgency_reason: {en: "u", ru: "у"}
    references: [ref_a]
  - id: c2
    name: {en: "C2", ru: "С2"}
    group: rls
    summary: {en: "s", ru: "с"}
    prior: 0.1
    evidence:
      - when: {condition: c1, at_least: possible}
        lr: 2
        reason: {en: "r", ru: "р"}
    urgency_reason: {en: "u", ru: "у"}
    references: [ref_a]
red_flags:
  - id: f1
    name: {en: "F", ru: "Ф"}
    condition: c9
    urgency: emergency
    when: {q: q1, eq: a}
    action: {en: "go", ru: "иди"}
    references: [ref_a]
  - id: f2
    name: {en: "F", ru: "Ф"}
    condition: c1
    urgency: routine
    when: {q: q1, eq: a}
    action: {en: "go", ru: "иди"}
    references: [ref_a]
"""


def test_every_problem_is_reported_with_file_and_line(make_kb: Callable[..., Path]) -> None:
    problems = problems_of(make_kb(broken=BROKEN))
    text = "\n".join(problems)
    assert "broken.yaml:10: duplicate questions id 'q1'" in text
    assert re.search(r"broken\.yaml:15: question 'q2': unknown section 'nowhere'", text)
    assert re.search(r"broken\.yaml:2\d: conditions 'c1': question 'q1' has no choice 'c'", text)
    assert re.search(
        r"conditions 'c1': operator 'gte' does not apply to choice question 'q1'", text
    )
    assert re.search(r"conditions 'c1': unknown question 'ghost'", text)
    assert re.search(r"conditions 'c1': unknown reference 'no_such_ref'", text)
    assert re.search(r"red flag 'f1': unknown condition 'c9'", text)
    # pydantic errors keep their path and line too
    assert re.search(
        r"broken\.yaml:6\d: red_flags\.1\.urgency: Input should be 'emergency' or 'urgent'", text
    )
    assert "conditions depend on each other in a cycle" in text


def test_unknown_kind_and_wrong_shapes(make_kb: Callable[..., Path]) -> None:
    folder = make_kb(odd="widgets: []\nquestions: {}\n")
    (folder / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    text = "\n".join(problems_of(folder))
    assert "odd.yaml:1: unknown kind 'widgets'" in text
    assert "odd.yaml:2: questions must be a list" in text
    assert "list.yaml:1: the file must be a mapping of kinds to lists" in text


def test_predicate_syntax_error_points_into_the_rule(make_kb: Callable[..., Path]) -> None:
    bad = TOY.replace("when: {q: strong, eq: true}", "when: {all: [{q: strong}]}")
    text = "\n".join(problems_of(make_kb(toy=bad)))
    assert re.search(
        r"toy\.yaml:\d+: conditions\.0\.evidence\.0\.when\.all\.0: a question test needs", text
    )


def test_consistency_rule_may_not_look_at_red_flag_questions(make_kb: Callable[..., Path]) -> None:
    extra = (
        TOY
        + """
consistency:
  - id: silly
    when: {q: alarm, eq: true}
    message: {en: "m", ru: "м"}
"""
    )
    text = "\n".join(problems_of(make_kb(toy=extra)))
    assert "a contradiction must never stop a red flag from being reported" in text


def test_condition_rules_cannot_use_secondary_causes(make_kb: Callable[..., Path]) -> None:
    extra = (
        TOY.replace(
            "      - when: {q: strong, eq: false}",
            "      - when: {secondary_cause: sc}\n        lr: 2\n        reason: {en: r, ru: р}\n"
            "      - when: {q: strong, eq: false}",
        )
        + """
secondary_causes:
  - id: sc
    condition: itchy
    name: {en: "n", ru: "н"}
    when: {q: strong, eq: true}
    evidence_level: weak
    note: {en: "n", ru: "н"}
    references: [ref_a]
"""
    )
    text = "\n".join(problems_of(make_kb(toy=extra)))
    assert "condition rules cannot look at secondary causes" in text


def test_indications_merge_into_the_catalogue(make_kb: Callable[..., Path]) -> None:
    extra = (
        TOY
        + """
indications:
  - id: more_blood
    test: blood
    when: {q: alarm, eq: true}
    why: {en: "alarm", ru: "тревога"}
    references: [ref_a]
  - id: ghost_ind
    referral: nobody
    when: {q: alarm, eq: true}
    why: {en: "x", ru: "х"}
"""
    )
    text = "\n".join(problems_of(make_kb(toy=extra)))
    assert "indication 'ghost_ind': unknown referral 'nobody'" in text
    good = extra[: extra.index("  - id: ghost_ind")]
    kb = load_knowledge_base(make_kb(toy=good), cache=False)
    assert [i.why.en for i in kb.tests["blood"].indications] == ["Itch", "alarm"]


def test_test_without_indication_is_a_warning(make_kb: Callable[..., Path]) -> None:
    extra = (
        TOY
        + """
referrals:
  - id: idle
    name: {en: "Idle", ru: "Без дела"}
    references: [ref_a]
"""
    )
    kb = load_knowledge_base(make_kb(toy=extra), cache=False)
    assert any("referral 'idle' has no indications" in w for w in kb.warnings)


def test_no_meta_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("questions: []\n", encoding="utf-8")
    assert any("no file defines 'meta'" in p for p in problems_of(tmp_path))


@pytest.mark.parametrize(
    ("number", "index"),
    [
        (1, 0),
        (21, 0),
        (101, 0),
        (11, 2),
        (2, 1),
        (4, 1),
        (22, 1),
        (12, 2),
        (14, 2),
        (5, 2),
        (0, 2),
        (111, 2),
        (2.5, 1),
        (1.5, 1),
    ],
)
def test_russian_plural_categories(number: float, index: int) -> None:
    from quietlegs.knowledge.schema import russian_plural_index

    assert russian_plural_index(number) == index


def test_years_agree_with_their_number() -> None:
    from quietlegs.assessment.answers import format_answer

    kb = load_knowledge_base()
    age = kb.questions["age"]
    assert [format_answer(age, n, "ru") for n in (1, 3, 52, 11, 21)] == [
        "1 год",
        "3 года",
        "52 года",
        "11 лет",
        "21 год",
    ]
    assert [format_answer(age, n, "en") for n in (1, 52)] == ["1 year", "52 years"]


def test_unit_forms_need_every_plural_form() -> None:
    from pydantic import ValidationError

    from quietlegs.knowledge.schema import UnitForms

    with pytest.raises(ValidationError, match="at least 3 items"):
        UnitForms.model_validate({"en": ["year", "years"], "ru": ["год", "лет"]})


def test_tests_measure_only_clinician_number_questions(make_kb: Callable[..., Path]) -> None:
    good = TOY.replace(
        "  - id: lab_followup\n", "  - id: lab_followup\n    kind: lab\n    measures: [lab]\n"
    )
    kb = load_knowledge_base(make_kb(toy=good), cache=False)
    assert kb.tests["lab_followup"].kind == "lab"
    assert kb.tests["lab_followup"].measures == ["lab"]
    assert kb.tests["blood"].kind == "other"
    assert kb.tests["blood"].measures == []
    bad = TOY.replace(
        "  - id: lab_followup\n", "  - id: lab_followup\n    measures: [strong, ghost]\n"
    )
    text = "\n".join(problems_of(make_kb(toy=bad)))
    assert "test 'lab_followup': measures 'strong', which is not a number question" in text
    assert "test 'lab_followup': measures 'ghost', which is not a number question" in text
    wrong_kind = TOY.replace("  - id: blood\n", "  - id: blood\n    kind: x_ray\n")
    assert any("kind" in p for p in problems_of(make_kb(toy=wrong_kind)))


def test_shipped_lab_tests_measure_the_lab_questions(kb: KnowledgeBase) -> None:
    measured = {q for t in kb.tests.values() for q in t.measures}
    lab_questions = {q.id for q in kb.questions.values() if q.audience == "clinician"}
    assert measured == lab_questions
    assert kb.tests["ferritin_tsat"].measures == ["ferritin_ng_ml", "tsat_percent"]
    assert kb.tests["venous_duplex"].kind == "imaging"
    assert kb.tests["polysomnography"].kind == "psg"
    assert kb.tests["nerve_conduction_emg"].kind == "emg"


@pytest.mark.parametrize(
    ("authors", "title", "expected"),
    [
        ("Gulati M, et al.", "Chest pain", "Gulati M, et al. Chest pain. Circulation. 2021;144"),
        ("Clinic", "Fatigue or else?", "Clinic. Fatigue or else? Circulation. 2021;144"),
        ("Allen RP", "Criteria", "Allen RP. Criteria. Circulation. 2021;144"),
    ],
)
def test_a_citation_has_no_doubled_full_stop(authors: str, title: str, expected: str) -> None:
    from quietlegs.knowledge.schema import Reference

    ref = Reference(
        id="r", authors=authors, title=title, source="Circulation", year=2021, volume="144"
    )
    assert ref.citation() == expected
