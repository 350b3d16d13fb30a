"""Red flags and emergency conditions of leg weakness (emergencies.yaml).

Every red flag must fire on the minimal answers that show it and set the urgency to at
least its level, whatever else was answered; every emergency condition must rank first on
a typical answer set; and the follow-up rules must not fire on near-miss answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from quietlegs.assessment import assess
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base

URGENCY_RANK = {"emergency": 0, "urgent": 1, "routine": 2, "self_care": 3}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def run(kb: KnowledgeBase, answers: dict[str, Any]) -> dict[str, Any]:
    return assess(kb, answers).to_dict()


def flags(report: dict[str, Any]) -> list[str]:
    return [f["id"] for f in report["red_flags"]]


def ranked(report: dict[str, Any]) -> list[str]:
    return [c["id"] for c in report["conditions"]]


def indicated_tests(report: dict[str, Any]) -> list[str]:
    return [t["id"] for t in report["tests"]]


# Minimal answers for each red flag, with the exact urgency they must give on their own.
RED_FLAG_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("stroke_befast_signs", {"emergency_signs": ["sudden_one_sided_weakness"]}, "emergency"),
    ("stroke_befast_signs", {"emergency_signs": ["face_droop"]}, "emergency"),
    ("stroke_befast_signs", {"emergency_signs": ["speech_difficulty"]}, "emergency"),
    ("stroke_befast_signs", {"emergency_signs": ["vision_loss"]}, "emergency"),
    ("stroke_befast_signs", {"emergency_signs": ["sudden_imbalance"]}, "emergency"),
    ("stroke_thunderclap_headache", {"emergency_signs": ["thunderclap_headache"]}, "emergency"),
    (
        "sudden_one_leg_weakness",
        {"weakness_onset": "sudden", "weakness_side": "one_leg"},
        "emergency",
    ),
    ("acs_chest_pain", {"emergency_signs": ["chest_pain"]}, "emergency"),
    ("acs_equivalent", {"acs_equivalent_symptoms": True}, "emergency"),
    ("pe_sudden_breathlessness", {"emergency_signs": ["sudden_breathlessness"]}, "emergency"),
    ("ces_saddle_numbness", {"emergency_signs": ["saddle_numbness"]}, "emergency"),
    ("ces_bladder_bowel", {"emergency_signs": ["bladder_bowel_change"]}, "emergency"),
    (
        "ces_bilateral_sciatica_weakness",
        {"bilateral_sciatica": True, "main_symptoms": ["weakness"]},
        "emergency",
    ),
    ("ces_bilateral_sciatica", {"bilateral_sciatica": True}, "urgent"),
    (
        "cord_sudden_bilateral_weakness",
        {"weakness_onset": "sudden", "weakness_side": "both_legs"},
        "emergency",
    ),
    (
        "cord_back_pain_bilateral_weakness",
        {"back_pain": True, "weakness_side": "both_legs", "weakness_onset": "days"},
        "emergency",
    ),
    (
        "cord_back_pain_gradual_bilateral_weakness",
        {"back_pain": True, "weakness_side": "both_legs", "weakness_onset": "gradual"},
        "urgent",
    ),
    (
        "cord_cancer_back_pain_neuro",
        {"known_conditions": ["cancer"], "back_pain": True, "main_symptoms": ["numbness_burning"]},
        "emergency",
    ),
    ("cord_cancer_back_pain", {"known_conditions": ["cancer"], "back_pain": True}, "urgent"),
    (
        "cord_infection_back_pain_neuro",
        {"spine_infection_risk": True, "main_symptoms": ["weakness"]},
        "emergency",
    ),
    ("cord_infection_back_pain", {"spine_infection_risk": True}, "urgent"),
    (
        "cord_anticoagulant_back_pain_weakness",
        {"medications": ["anticoagulant"], "back_pain": True, "main_symptoms": ["weakness"]},
        "emergency",
    ),
    (
        "progressive_one_leg_weakness",
        {"weakness_worsening": True, "weakness_side": "one_leg"},
        "urgent",
    ),
    ("gbs_spreading_weakness", {"emergency_signs": ["spreading_weakness"]}, "emergency"),
    (
        "gbs_spreading_weakness",
        {"weakness_worsening": True, "weakness_side": "both_legs"},
        "emergency",
    ),
    (
        "breathing_swallowing_difficulty",
        {"emergency_signs": ["breathing_swallowing_difficulty"]},
        "emergency",
    ),
    ("ali_cold_pale_leg", {"emergency_signs": ["cold_pale_leg"]}, "emergency"),
    ("dvt_one_swollen_calf", {"calf_swelling": True}, "urgent"),
    (
        "sudden_generalised_weakness",
        {"weakness_onset": "sudden", "weakness_side": "whole_body"},
        "emergency",
    ),
    (
        "hypokalaemia_weakness_palpitations",
        {"palpitations": True, "weakness_side": "whole_body", "weakness_onset": "days"},
        "emergency",
    ),
    (
        "hypokalaemia_weakness_potassium_loss",
        {"vomiting_diarrhoea": True, "weakness_side": "both_legs", "weakness_onset": "days"},
        "urgent",
    ),
    (
        "hypokalaemia_weakness_potassium_loss",
        {"medications": ["diuretic"], "weakness_side": "whole_body", "weakness_onset": "days"},
        "urgent",
    ),
    ("rhabdo_dark_urine", {"emergency_signs": ["dark_urine_muscle_pain"]}, "emergency"),
    ("compartment_pain_out_of_proportion", {"pain_out_of_proportion": True}, "emergency"),
]


@pytest.mark.parametrize(("flag", "answers", "urgency"), RED_FLAG_CASES)
def test_red_flag_fires_on_minimal_answers(
    kb: KnowledgeBase, flag: str, answers: dict[str, Any], urgency: str
) -> None:
    report = run(kb, answers)
    assert flag in flags(report)
    assert kb.red_flags[flag].urgency == urgency
    assert report["urgency"] == urgency
    # The condition behind the flag is listed first.
    assert ranked(report)[0] == kb.red_flags[flag].condition


def test_every_red_flag_of_this_file_has_a_minimal_case(kb: KnowledgeBase) -> None:
    mine = {
        fid
        for (kind, fid), where in kb.origins.items()
        if kind == "red_flags" and where.startswith("emergencies.yaml")
    }
    assert mine == {flag for flag, _, _ in RED_FLAG_CASES}


EVERYDAY_STANDING = {
    "emergency_signs": ["none"],
    "age": 38,
    "sex": "female",
    "pregnant": False,
    "main_symptoms": ["weakness"],
    "weakness_onset": "comes_and_goes",
    "weakness_side": "both_legs",
    "back_pain": False,
    "calf_swelling": False,
    "recent_injury": False,
    "long_standing": True,
    "weakness_timing": "end_of_day",
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}


@pytest.mark.parametrize(
    ("extra", "flag", "urgency"),
    [
        ({"emergency_signs": ["chest_pain"]}, "acs_chest_pain", "emergency"),
        ({"emergency_signs": ["face_droop"]}, "stroke_befast_signs", "emergency"),
        ({"calf_swelling": True}, "dvt_one_swollen_calf", "urgent"),
        (
            {"weakness_onset": "sudden", "weakness_side": "one_leg"},
            "sudden_one_leg_weakness",
            "emergency",
        ),
    ],
)
def test_red_flag_wins_over_an_everyday_pattern(
    kb: KnowledgeBase, extra: dict[str, Any], flag: str, urgency: str
) -> None:
    assert run(kb, EVERYDAY_STANDING)["urgency"] == "self_care"
    report = run(kb, {**EVERYDAY_STANDING, **extra})
    assert flag in flags(report)
    assert report["urgency"] == urgency
    assert ranked(report)[0] == kb.red_flags[flag].condition


# Typical answer sets: the condition must be ranked first with the expected urgency.
CONDITION_CASES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    (
        "stroke_tia",
        {
            "emergency_signs": ["sudden_one_sided_weakness", "speech_difficulty"],
            "age": 72,
            "known_conditions": ["atrial_fibrillation"],
        },
        "emergency",
        ["brain_imaging"],
    ),
    (
        "acute_coronary_syndrome",
        {
            "emergency_signs": ["none"],
            "age": 68,
            "sex": "female",
            "main_symptoms": ["weakness"],
            "weakness_onset": "sudden",
            "acs_equivalent_symptoms": True,
            "weakness_side": "whole_body",
            "known_conditions": ["diabetes"],
        },
        "emergency",
        ["ecg"],
    ),
    (
        "pulmonary_embolism",
        {
            "emergency_signs": ["sudden_breathlessness", "chest_pain"],
            "age": 52,
            "calf_swelling": True,
            "vte_risk": True,
        },
        "emergency",
        ["ecg", "venous_duplex"],
    ),
    (
        "cauda_equina_syndrome",
        {
            "emergency_signs": ["saddle_numbness", "bladder_bowel_change"],
            "main_symptoms": ["weakness"],
            "back_pain": True,
            "bilateral_sciatica": True,
        },
        "emergency",
        ["spine_mri"],
    ),
    (
        "spinal_cord_compression",
        {
            "emergency_signs": ["none"],
            "main_symptoms": ["weakness", "numbness_burning"],
            "weakness_onset": "days",
            "weakness_side": "both_legs",
            "back_pain": True,
            "known_conditions": ["cancer"],
        },
        "emergency",
        ["spine_mri"],
    ),
    (
        "guillain_barre_syndrome",
        {
            "emergency_signs": ["spreading_weakness"],
            "main_symptoms": ["weakness", "numbness_burning"],
            "weakness_onset": "days",
            "weakness_side": "both_legs",
            "recent_infection": "diarrhoeal",
        },
        "emergency",
        ["nerve_conduction_emg"],
    ),
    (
        "acute_limb_ischaemia",
        {
            "emergency_signs": ["cold_pale_leg"],
            "age": 78,
            "main_symptoms": ["weakness"],
            "weakness_onset": "sudden",
            "weakness_side": "one_leg",
            "known_conditions": ["atrial_fibrillation"],
        },
        "emergency",
        [],
    ),
    (
        "deep_vein_thrombosis",
        {
            "emergency_signs": ["none"],
            "main_symptoms": ["swelling"],
            "calf_swelling": True,
            "vte_risk": True,
        },
        "urgent",
        ["venous_duplex"],
    ),
    (
        "severe_hypokalaemia",
        {
            "emergency_signs": ["none"],
            "main_symptoms": ["weakness"],
            "weakness_onset": "days",
            "weakness_side": "whole_body",
            "palpitations": True,
            "vomiting_diarrhoea": True,
            "medications": ["diuretic"],
        },
        "emergency",
        ["ecg", "renal_function"],
    ),
    (
        "rhabdomyolysis",
        {
            "emergency_signs": ["dark_urine_muscle_pain"],
            "main_symptoms": ["weakness"],
            "recent_overexertion": True,
        },
        "emergency",
        ["creatine_kinase", "renal_function"],
    ),
    (
        "compartment_syndrome",
        {
            "emergency_signs": ["none"],
            "main_symptoms": ["swelling"],
            "recent_injury": True,
            "pain_out_of_proportion": True,
            "calf_swelling": True,
        },
        "emergency",
        [],
    ),
    (
        "b12_deficiency_neuropathy",
        {
            "emergency_signs": ["none"],
            "age": 76,
            "main_symptoms": ["weakness", "numbness_burning"],
            "weakness_onset": "gradual",
            "weakness_side": "both_legs",
            "unsteady_gait": True,
            "medications": ["metformin", "proton_pump_inhibitor"],
        },
        "urgent",
        ["b12_folate", "full_blood_count"],
    ),
]


@pytest.mark.parametrize(("condition", "answers", "urgency", "tests"), CONDITION_CASES)
def test_condition_ranks_first(
    kb: KnowledgeBase, condition: str, answers: dict[str, Any], urgency: str, tests: list[str]
) -> None:
    report = run(kb, answers)
    assert ranked(report)[0] == condition
    assert report["urgency"] == urgency
    for test in tests:
        assert test in indicated_tests(report)


def test_every_condition_of_this_file_has_a_case(kb: KnowledgeBase) -> None:
    mine = {
        cid
        for (kind, cid), where in kb.origins.items()
        if kind == "conditions" and where.startswith("emergencies.yaml")
    }
    assert mine == {c for c, _, _, _ in CONDITION_CASES}


def test_b12_deficiency_proven_by_lab_is_likely(kb: KnowledgeBase) -> None:
    report = run(
        kb, {"main_symptoms": ["numbness_burning"], "b12_pmol_l": 100, "unsteady_gait": True}
    )
    b12 = next(c for c in report["conditions"] if c["id"] == "b12_deficiency_neuropathy")
    assert b12["likelihood"] in ("likely", "very_likely")
    assert report["urgency"] == "urgent"


# --- near misses: rules that must NOT fire --------------------------------------------------


def test_no_weakness_and_no_signs_raises_nothing(kb: KnowledgeBase) -> None:
    report = run(kb, {"emergency_signs": ["none"], "main_symptoms": ["cramps"]})
    assert flags(report) == []
    assert not any(c["group"] == "emergency" for c in report["conditions"])


def test_gradual_one_leg_weakness_is_not_a_stroke_flag(kb: KnowledgeBase) -> None:
    report = run(
        kb, {"main_symptoms": ["weakness"], "weakness_onset": "gradual", "weakness_side": "one_leg"}
    )
    assert flags(report) == []
    assert "stroke_tia" not in ranked(report)


def test_weakness_over_days_not_worsening_is_not_gbs(kb: KnowledgeBase) -> None:
    report = run(
        kb,
        {
            "main_symptoms": ["weakness"],
            "weakness_onset": "days",
            "weakness_side": "both_legs",
            "weakness_worsening": False,
            "back_pain": False,
            "palpitations": False,
            "vomiting_diarrhoea": False,
        },
    )
    assert flags(report) == []
    assert report["urgency"] != "emergency"


def test_bilateral_sciatica_without_weakness_is_urgent_not_emergency(kb: KnowledgeBase) -> None:
    report = run(
        kb, {"main_symptoms": ["pain_on_walking"], "back_pain": True, "bilateral_sciatica": True}
    )
    assert flags(report) == ["ces_bilateral_sciatica"]
    assert report["urgency"] == "urgent"


def test_cancer_without_back_pain_raises_no_cord_flag(kb: KnowledgeBase) -> None:
    report = run(
        kb, {"known_conditions": ["cancer"], "back_pain": False, "main_symptoms": ["weakness"]}
    )
    assert flags(report) == []


def test_palpitations_with_gradual_weakness_are_not_an_emergency(kb: KnowledgeBase) -> None:
    report = run(
        kb, {"palpitations": True, "weakness_side": "both_legs", "weakness_onset": "gradual"}
    )
    assert "hypokalaemia_weakness_palpitations" not in flags(report)
    assert report["urgency"] != "emergency"


def test_diarrhoea_with_one_leg_weakness_is_not_hypokalaemia(kb: KnowledgeBase) -> None:
    report = run(
        kb, {"vomiting_diarrhoea": True, "weakness_side": "one_leg", "weakness_onset": "days"}
    )
    assert "hypokalaemia_weakness_potassium_loss" not in flags(report)


def test_injury_without_disproportionate_pain_is_not_compartment_syndrome(
    kb: KnowledgeBase,
) -> None:
    report = run(
        kb, {"main_symptoms": ["swelling"], "recent_injury": True, "pain_out_of_proportion": False}
    )
    assert "compartment_syndrome" not in ranked(report)
    assert flags(report) == []


def test_metformin_and_numb_feet_alone_are_not_urgent(kb: KnowledgeBase) -> None:
    report = run(
        kb,
        {
            "emergency_signs": ["none"],
            "age": 58,
            "main_symptoms": ["weakness", "numbness_burning"],
            "weakness_onset": "gradual",
            "weakness_side": "both_legs",
            "unsteady_gait": False,
            "medications": ["metformin"],
            "known_conditions": ["diabetes"],
        },
    )
    assert report["urgency"] == "routine"
    assert "b12_folate" in indicated_tests(report)


def test_follow_ups_are_asked_only_when_relevant(kb: KnowledgeBase) -> None:
    from quietlegs.assessment import Interview

    interview = Interview(kb)
    base = {"emergency_signs": ["none"], "age": 40, "sex": "male", "main_symptoms": ["tremor"]}
    asked = []
    answers = dict(base)
    while (q := interview.next_question(answers)) is not None:
        asked.append(q.id)
        answers[q.id] = (
            False
            if q.type == "yes_no"
            else (["none"] if q.type == "multi_choice" else q.choices[-1].id)
        )
    for qid in (
        "weakness_onset",
        "weakness_side",
        "back_pain",
        "calf_swelling",
        "recent_injury",
        "acs_equivalent_symptoms",
    ):
        assert qid not in asked
