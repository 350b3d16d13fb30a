from __future__ import annotations

import json

import pytest

from quietlegs import AnswerError
from quietlegs.assessment import assess
from quietlegs.assessment.report import Reason, merge_flag_reasons
from quietlegs.knowledge import KnowledgeBase

REQUIRED = {
    "urgency",
    "urgency_reason",
    "red_flags",
    "conditions",
    "tests",
    "referrals",
    "advice",
    "treatments",
    "disclaimer",
    "knowledge_version",
    "emergency_call",
}


def test_report_has_the_documented_fields_and_is_strict_json(toy_kb: KnowledgeBase) -> None:
    report = assess(toy_kb, {"alarm": True, "symptoms": ["itch"], "strong": True})
    data = report.to_dict()
    assert set(data) >= REQUIRED
    text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    assert json.loads(text)["urgency"] == "emergency"


def test_red_flags_first_with_their_action(toy_kb: KnowledgeBase) -> None:
    report = assess(toy_kb, {"alarm": True, "symptoms": ["itch"], "strong": True})
    assert [f.id for f in report.red_flags] == ["alarm_raised"]
    assert report.urgency_reason == "Alarm: Call now."
    assert report.conditions[0].id == "danger"
    assert report.conditions[0].reasons[0].text == "Alarm"
    assert report.conditions[0].reasons[0].likelihood_ratio is None


def test_reasons_show_the_answers_behind_them(toy_kb: KnowledgeBase) -> None:
    report = assess(toy_kb, {"alarm": False, "symptoms": ["itch"], "strong": True})
    itchy = report.conditions[0]
    assert itchy.id == "itchy"
    assert itchy.likelihood == "likely"
    assert [(r.text, r.direction, r.answers) for r in itchy.reasons] == [
        ("Strong itch", "for", {"strong": "yes"})
    ]
    assert report.references == {"ref_a": "Doe J. A study. J Test. 2020"}


def test_every_report_says_what_it_is_not_in_both_languages(toy_kb: KnowledgeBase) -> None:
    en = assess(toy_kb, {"alarm": False}, "en")
    ru = assess(toy_kb, {"alarm": False}, "ru")
    assert en.disclaimer == "Not a diagnosis."
    assert ru.disclaimer == "Не диагноз."
    assert en.emergency_call == "Call 112."
    assert ru.emergency_call == "Звоните 112."
    assert ru.urgency_label == "Планово"
    assert ru.urgency_reason == "Нет картины."


def test_unknown_language_is_refused(toy_kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match=r"lang must be one of 'en', 'ru'; got 'de'"):
        assess(toy_kb, {}, "de")


def test_bad_answers_raise_answer_error(toy_kb: KnowledgeBase) -> None:
    with pytest.raises(AnswerError, match=r"'x' is not a question"):
        assess(toy_kb, {"x": 1})


def test_shipped_report_in_russian_is_russian(kb: KnowledgeBase) -> None:
    answers = {"emergency_signs": ["chest_pain"], "age": 60, "sex": "male"}
    ru = assess(kb, answers, "ru").to_dict()
    en = assess(kb, answers, "en").to_dict()
    assert ru["disclaimer"] != en["disclaimer"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in ru["disclaimer"])
    assert ru["urgency"] == en["urgency"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_red_flag_worded_as_its_conditions_evidence_is_one_reason(
    kb: KnowledgeBase, lang: str
) -> None:
    # The acs_chest_pain flag and the acute coronary syndrome's chest-pain evidence both
    # test the chest-pain answer with the same words: the report said it twice.
    answers = {"emergency_signs": ["chest_pain"], "age": 64, "sex": "male"}
    report = assess(kb, answers, lang)
    acs = next(c for c in report.conditions if c.id == "acute_coronary_syndrome")
    texts = [(r.text, r.direction) for r in acs.reasons]
    assert len(texts) == len(set(texts))
    chest = acs.reasons[0]  # the red flag's place: first
    assert chest.text == kb.red_flags["acs_chest_pain"].name.get(lang)
    assert (chest.direction, chest.likelihood_ratio, chest.references) == (
        "for",
        8.0,
        ["gulati2021_chest_pain"],
    )
    assert list(chest.answers) == ["emergency_signs"]
    assert [r.likelihood_ratio for r in acs.reasons] == [8.0, 1.5]


def test_merging_keeps_every_distinct_reason() -> None:
    flag = Reason("Alarm", "for", None, {}, ["ref_flag"])
    lone_flag = Reason("Other alarm", "for", None, {}, ["ref_x"])
    twin = Reason("alarm ", "for", 4.0, {"q": "yes"}, ["ref_ev", "ref_flag"])
    same_words_again = Reason("Alarm", "for", 2.0, {"p": "no"}, ["ref_p"])
    against = Reason("Alarm", "against", 0.5, {"r": "no"}, [])
    merged = merge_flag_reasons([flag, lone_flag], [twin, same_words_again, against])
    assert merged == [
        Reason("alarm ", "for", 4.0, {"q": "yes"}, ["ref_flag", "ref_ev"]),
        lone_flag,
        same_words_again,
        against,
    ]
    assert merge_flag_reasons([], [twin]) == [twin]
    assert merge_flag_reasons([flag], []) == [flag]
