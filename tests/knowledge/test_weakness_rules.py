"""Everyday causes of leg weakness (weakness.yaml): ranking, triage, gating, tests, advice."""

from __future__ import annotations

from typing import Any

import pytest

from quietlegs.assessment import assess
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def run(kb: KnowledgeBase, answers: dict[str, Any]) -> dict[str, Any]:
    return assess(kb, answers).to_dict()


def ranked(report: dict[str, Any]) -> list[str]:
    return [c["id"] for c in report["conditions"]]


def band(report: dict[str, Any], condition: str) -> str:
    for c in report["conditions"] + report["considered_unlikely"]:
        if c["id"] == condition:
            likelihood: str = c["likelihood"]
            return likelihood
    return "not_considered"


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


# An adult with gradual weakness of both legs who answers "no" to every cause.
BASE: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 45,
    "sex": "male",
    "main_symptoms": ["weakness"],
    "weakness_onset": "gradual",
    "weakness_side": "both_legs",
    "back_pain": False,
    "calf_swelling": False,
    "recent_injury": False,
    "recent_infection": "none",
    "unsteady_gait": False,
    "vegan_diet": False,
    "weakness_timing": "no_pattern",
    "long_standing": False,
    "footwear_problem": False,
    "hungry_diet": False,
    "recent_overexertion": False,
    "muscle_aches": False,
    "thyroid_symptoms": False,
    "thirst_polyuria": False,
    "anaemia_symptoms": False,
    "blood_loss": False,
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}

DAYS = {
    "weakness_onset": "days",
    "acs_equivalent_symptoms": False,
    "weakness_worsening": False,
    "palpitations": False,
    "vomiting_diarrhoea": False,
}

CASES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    (
        "prolonged_standing_fatigue",
        {
            "long_standing": True,
            "weakness_onset": "comes_and_goes",
            "weakness_timing": "end_of_day",
        },
        "self_care",
        [],
    ),
    (
        "ill_fitting_footwear",
        {
            "footwear_problem": True,
            "weakness_onset": "comes_and_goes",
            "weakness_timing": "end_of_day",
        },
        "self_care",
        [],
    ),
    (
        "dieting_energy_deficit",
        {"hungry_diet": True, "weakness_side": "whole_body"},
        "self_care",
        [],
    ),
    (
        "post_viral_fatigue",
        {**DAYS, "recent_infection": "respiratory", "weakness_timing": "after_exertion"},
        "self_care",
        [],
    ),
    (
        "exertional_muscle_fatigue",
        {
            **DAYS,
            "recent_overexertion": True,
            "muscle_aches": True,
            "weakness_timing": "after_exertion",
        },
        "self_care",
        [],
    ),
    (
        "hypothyroid_weakness",
        {
            "thyroid_symptoms": True,
            "known_conditions": ["thyroid_disease"],
            "weakness_timing": "morning",
        },
        "routine",
        ["thyroid_function"],
    ),
    (
        "diabetes_related_weakness",
        {"known_conditions": ["diabetes"], "thirst_polyuria": True},
        "routine",
        ["glucose_hba1c"],
    ),
    (
        "anaemia_weakness",
        {
            "anaemia_symptoms": True,
            "blood_loss": True,
            "known_conditions": ["iron_deficiency"],
            "sex": "female",
            "pregnant": False,
        },
        "routine",
        ["full_blood_count", "ferritin_tsat", "b12_folate"],
    ),
    (
        "statin_myopathy",
        {"medications": ["statin"], "muscle_aches": True},
        "routine",
        ["creatine_kinase", "thyroid_function"],
    ),
    (
        "deconditioning",
        {"exercise": "inactive", "weakness_timing": "after_exertion"},
        "routine",
        ["full_blood_count"],
    ),
]


@pytest.mark.parametrize(("condition", "extra", "urgency", "tests"), CASES)
def test_everyday_cause_ranks_first_with_its_triage(
    kb: KnowledgeBase, condition: str, extra: dict[str, Any], urgency: str, tests: list[str]
) -> None:
    report = run(kb, {**BASE, **extra})
    assert ranked(report)[0] == condition
    assert band(report, condition) in ("likely", "very_likely")
    assert report["urgency"] == urgency
    assert report["red_flags"] == []
    for test in tests:
        assert test in ids(report["tests"])


def test_every_condition_of_this_file_has_a_case(kb: KnowledgeBase) -> None:
    mine = {
        cid
        for (kind, cid), where in kb.origins.items()
        if kind == "conditions" and where.startswith("weakness.yaml")
    }
    assert mine == {c for c, _, _, _ in CASES}


def test_all_no_answers_list_no_everyday_cause_and_stay_routine(kb: KnowledgeBase) -> None:
    report = run(kb, BASE)
    assert report["red_flags"] == []
    assert report["conditions"] == []
    assert report["urgency"] == "routine"


@pytest.mark.parametrize(
    ("condition", "exposure"),
    [
        (
            "prolonged_standing_fatigue",
            {"weakness_timing": "end_of_day", "weakness_onset": "comes_and_goes"},
        ),
        (
            "ill_fitting_footwear",
            {"weakness_timing": "end_of_day", "weakness_onset": "comes_and_goes"},
        ),
        ("dieting_energy_deficit", {"weakness_side": "whole_body"}),
        ("post_viral_fatigue", {**DAYS, "weakness_timing": "after_exertion"}),
        ("exertional_muscle_fatigue", {**DAYS, "muscle_aches": True, "exercise": "strenuous"}),
        ("statin_myopathy", {"muscle_aches": True}),
    ],
)
def test_cause_needs_its_exposure(
    kb: KnowledgeBase, condition: str, exposure: dict[str, Any]
) -> None:
    report = run(kb, {**BASE, **exposure})
    assert band(report, condition) == "not_considered"


def test_new_weakness_over_days_is_not_put_down_to_standing(kb: KnowledgeBase) -> None:
    report = run(kb, {**BASE, **DAYS, "long_standing": True, "weakness_timing": "end_of_day"})
    assert band(report, "prolonged_standing_fatigue") in ("unlikely", "possible")
    assert report["urgency"] != "self_care"


def test_one_leg_weakness_is_not_put_down_to_shoes(kb: KnowledgeBase) -> None:
    report = run(
        kb,
        {
            **BASE,
            "footwear_problem": True,
            "weakness_side": "one_leg",
            "weakness_onset": "comes_and_goes",
            "weakness_timing": "end_of_day",
        },
    )
    assert band(report, "ill_fitting_footwear") in ("unlikely", "possible")
    assert report["urgency"] != "self_care"


def test_a_possible_medical_cause_keeps_self_care_off(kb: KnowledgeBase) -> None:
    standing = {
        "long_standing": True,
        "weakness_onset": "comes_and_goes",
        "weakness_timing": "end_of_day",
    }
    assert run(kb, {**BASE, **standing})["urgency"] == "self_care"
    report = run(
        kb, {**BASE, **standing, "thyroid_symptoms": True, "known_conditions": ["thyroid_disease"]}
    )
    assert band(report, "hypothyroid_weakness") == "possible"
    assert report["urgency"] == "routine"


def test_worsening_after_an_infection_is_an_emergency_not_post_viral_fatigue(
    kb: KnowledgeBase,
) -> None:
    report = run(kb, {**BASE, **DAYS, "recent_infection": "diarrhoeal", "weakness_worsening": True})
    assert "gbs_spreading_weakness" in ids(report["red_flags"])
    assert report["urgency"] == "emergency"
    assert ranked(report)[0] == "guillain_barre_syndrome"


def test_dark_urine_after_exertion_is_rhabdomyolysis_first(kb: KnowledgeBase) -> None:
    report = run(
        kb,
        {
            **BASE,
            **DAYS,
            "recent_overexertion": True,
            "muscle_aches": True,
            "emergency_signs": ["dark_urine_muscle_pain"],
        },
    )
    assert report["urgency"] == "emergency"
    assert ranked(report)[:2] == ["rhabdomyolysis", "exertional_muscle_fatigue"]


@pytest.mark.parametrize(("tsh", "expected"), [(2.0, "unlikely"), (12.0, "very_likely")])
def test_tsh_result_moves_hypothyroidism(kb: KnowledgeBase, tsh: float, expected: str) -> None:
    answers = {
        **BASE,
        "thyroid_symptoms": True,
        "known_conditions": ["thyroid_disease"],
        "weakness_timing": "morning",
    }
    assert band(run(kb, answers), "hypothyroid_weakness") == "likely"
    assert band(run(kb, {**answers, "tsh_miu_l": tsh}), "hypothyroid_weakness") == expected


def test_normal_haemoglobin_lowers_anaemia(kb: KnowledgeBase) -> None:
    answers = {**BASE, "anaemia_symptoms": True, "blood_loss": True}
    assert band(run(kb, answers), "anaemia_weakness") == "possible"
    assert band(run(kb, {**answers, "haemoglobin_g_l": 140}), "anaemia_weakness") == "unlikely"


@pytest.mark.parametrize(
    ("extra", "advice"),
    [
        ({"long_standing": True, "weakness_timing": "end_of_day"}, "advice_standing_breaks"),
        ({"footwear_problem": True, "weakness_timing": "end_of_day"}, "advice_footwear_fit"),
        ({"hungry_diet": True}, "advice_regular_meals"),
        ({"medications": ["statin"], "muscle_aches": True}, "advice_statin_do_not_stop"),
        ({"exercise": "inactive"}, "advice_gradual_activity"),
        ({"vegan_diet": True, "unsteady_gait": True}, "advice_vegan_b12"),
    ],
)
def test_self_care_advice_is_given(kb: KnowledgeBase, extra: dict[str, Any], advice: str) -> None:
    assert advice in ids(run(kb, {**BASE, **extra})["advice"])


def test_no_advice_without_a_cause(kb: KnowledgeBase) -> None:
    assert run(kb, BASE)["advice"] == []


def test_referrals_for_feet_and_deconditioning(kb: KnowledgeBase) -> None:
    feet = run(kb, {**BASE, "footwear_problem": True, "weakness_timing": "end_of_day"})
    assert "podiatrist" in ids(feet["referrals"])
    inactive = run(kb, {**BASE, "exercise": "inactive"})
    assert {"physiotherapist", "general_practitioner"} <= set(ids(inactive["referrals"]))
