"""Prevention plan (prevention.yaml) and article claims (article_claims.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from quietlegs.assessment import assess
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base

KB: KnowledgeBase = load_knowledge_base()

RLS: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 47,
    "sex": "male",
    "main_symptoms": ["urge_to_move"],
    "rls_urge": True,
    "rls_worse_at_rest": True,
    "rls_relieved_by_movement": True,
    "rls_evening_worse": True,
    "rls_frequency": "twice_weekly_or_more",
    "rls_distress": "moderately",
    "family_history_rls": False,
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "none",
    "alcohol": "never",
    "smoking": False,
    "exercise": "moderate",
}

#: Shown to everyone with RLS, whatever their habits.
GENERAL = {
    "moderate_regular_exercise",
    "walk_and_break_up_sitting",
    "mentally_alerting_activities",
    "regular_sleep_routine",
    "healthy_weight",
    "sweets_before_bed_unproven",
    "warm_foot_bath_unproven",
}


def advice(**changes: Any) -> dict[str, dict[str, Any]]:
    answers = {**RLS, **changes}
    return {a["id"]: a for a in assess(KB, answers).to_dict()["advice"]}


def test_abstainer_gets_only_the_general_measures() -> None:
    assert set(advice()) == GENERAL


@pytest.mark.parametrize(
    ("question", "off", "on", "item"),
    [
        ("caffeine", "none", "one_two", "cut_down_caffeine"),
        ("caffeine", "none", "three_plus", "cut_down_caffeine"),
        ("alcohol", "never", "occasionally", "limit_alcohol"),
        ("alcohol", "never", "daily", "limit_alcohol"),
        ("smoking", False, True, "stop_smoking"),
        ("medications", ["none"], ["ssri_snri"], "review_triggering_medicines"),
        ("medications", ["statin"], ["sedating_antihistamine"], "review_triggering_medicines"),
        ("medications", ["bupropion"], ["antipsychotic"], "review_triggering_medicines"),
        ("medications", ["none"], ["antiemetic_dopamine_blocker"], "review_triggering_medicines"),
        ("known_conditions", ["none"], ["sleep_apnoea"], "treat_sleep_apnoea"),
    ],
)
def test_habit_advice_follows_the_answer(question: str, off: Any, on: Any, item: str) -> None:
    assert item not in advice(**{question: off})
    assert item in advice(**{question: on})


def test_caffeine_advice_cites_the_guideline() -> None:
    item = advice(caffeine="three_plus")["cut_down_caffeine"]
    assert item["evidence_level"] == "guideline"
    assert item["source"] == "article_and_guideline"
    assert "aasm2025_rls" in item["references"]


def test_exercise_advice_rests_on_the_trial() -> None:
    item = advice()["moderate_regular_exercise"]
    assert item["evidence_level"] == "trial"
    assert "aukerman2006_exercise" in item["references"]


def test_smoking_is_observational_only() -> None:
    assert advice(smoking=True)["stop_smoking"]["evidence_level"] == "observational"


def test_no_advice_without_rls_or_plmd() -> None:
    answers = {
        k: v for k, v in RLS.items() if not k.startswith("rls_") and k != "family_history_rls"
    }
    answers["main_symptoms"] = ["tremor"]
    answers["caffeine"] = "three_plus"
    assert assess(KB, answers).to_dict()["advice"] == []


def test_plmd_gets_the_sleep_measures() -> None:
    answers = {**RLS, "main_symptoms": ["jerks_in_sleep"], "rls_urge": False}
    for key in (
        "rls_worse_at_rest",
        "rls_relieved_by_movement",
        "rls_evening_worse",
        "rls_frequency",
        "rls_distress",
    ):
        answers.pop(key)
    got = {a["id"] for a in assess(KB, answers).to_dict()["advice"]}
    assert "regular_sleep_routine" in got
    assert "moderate_regular_exercise" in got


def test_unproven_article_items_say_so() -> None:
    unproven = [a for a in KB.advice.values() if a.evidence_level == "none"]
    assert {a.id for a in unproven} == {"sweets_before_bed_unproven", "warm_foot_bath_unproven"}
    for a in unproven:
        assert a.source == "article"
        assert a.text.en.startswith("Optional")
        assert a.text.ru.startswith("По желанию")
        assert "No " in a.evidence.en or "no " in a.evidence.en


def test_multivitamins_are_not_advised() -> None:
    for a in KB.advice.values():
        assert "multivitamin" not in a.text.en.lower(), a.id


@pytest.mark.parametrize("aid", sorted(KB.advice))
def test_article_sourced_advice_cites_the_article(aid: str) -> None:
    a = KB.advice[aid]
    assert ("source_article" in a.references) is a.source.startswith("article")


# --- article claims (brief §7) ----------------------------------------------------------------

EXPECTED_VERDICTS = {
    "first_line_levodopa_bromocriptine": "conflicts",
    "anticonvulsants_carbamazepine_phenobarbital": "conflicts",
    "benzodiazepines": "conflicts",
    "topical_nsaids": "no_evidence",
    "opioids_in_severe_cases": "consistent",
    "iron_for_anaemia": "partly_consistent",
    "vitamins_minerals": "no_evidence",
    "iodine_and_metformin": "partly_consistent",
    "diagnosis_by_enmg_and_psg": "conflicts",
    "cause_workup_broad": "partly_consistent",
    "secondary_cause_list": "partly_consistent",
    "adhd_in_children": "consistent",
    "peak_before_2_3_am": "partly_consistent",
    "pre_stroke_pre_infarction": "partly_consistent",
    "b12_anaemia_elderly": "consistent",
    "physiotherapy_massage_spa": "partly_consistent",
    "prevention_rules": "partly_consistent",
    "antidepressants_antihistamines_as_causes": "consistent",
    "juvenile_tremor": "conflicts",
}


def test_every_article_claim_row_is_recorded() -> None:
    assert len(EXPECTED_VERDICTS) == 19
    # Every row of brief §7, with its verdict; domain files may record further claims.
    assert {c: KB.article_claims[c].verdict for c in EXPECTED_VERDICTS} == EXPECTED_VERDICTS


@pytest.mark.parametrize("cid", sorted(EXPECTED_VERDICTS))
def test_article_claim_cites_the_article(cid: str) -> None:
    assert "source_article" in KB.article_claims[cid].references
