"""RLS mimics (mimics.yaml): each mimic ranks first on its own pattern, with its urgency,
tests and referrals; mimics never look at RLS; RLS is excluded only by a likely mimic.

The patterns follow IRLSSG 2014 criterion 5, Hening 2009 and the CH-RLSq discriminating logic.
"""

from __future__ import annotations

from typing import Any

import pytest

from quietlegs.assessment import assess
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base
from quietlegs.knowledge.predicates import ConditionAtLeast, CriterionMet, SpecifierHolds
from quietlegs.knowledge.schema import model_fields_with_paths

KB: KnowledgeBase = load_knowledge_base()

MIMICS = (
    "nocturnal_leg_cramps",
    "positional_discomfort",
    "peripheral_neuropathy",
    "venous_insufficiency",
    "akathisia",
    "vascular_claudication",
    "neurogenic_claudication",
    "arthritis",
    "myalgia",
    "leg_oedema",
    "habitual_foot_tapping",
    "hypnic_jerks",
    "growing_pains",
)

LIFESTYLE: dict[str, Any] = {
    "emergency_signs": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
    "known_conditions": ["none"],
    "medications": ["none"],
}

#: All four "old" RLS criteria met (Hening 2009), no discriminator positive yet.
FOUR_CRITERIA: dict[str, Any] = {
    **LIFESTYLE,
    "age": 60,
    "sex": "male",
    "main_symptoms": ["urge_to_move", "unpleasant_sensations"],
    "rls_screen_question": True,
    "rls_urge": True,
    "rls_worse_at_rest": True,
    "rls_relieved_by_movement": True,
    "rls_evening_worse": True,
    "rls_frequency": "twice_weekly_or_more",
    "rls_distress": "moderately",
    "mimic_cramp_hard_muscle": False,
    "mimic_position_shift_relief": False,
    "mimic_constant_numb_burning": False,
    "mimic_heavy_after_standing": False,
    "mimic_joint_pain": False,
    "mimic_muscle_tender": False,
    "mimic_habit_tapping": False,
}

#: For each mimic: answers that show it, and the urgency a clinician would give.
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "nocturnal_leg_cramps": (
        {
            **FOUR_CRITERIA,
            "main_symptoms": ["cramps", "urge_to_move"],
            "mimic_cramp_hard_muscle": True,
            "mimic_cramp_eased_by_stretch": True,
        },
        "self_care",
    ),
    "positional_discomfort": ({**FOUR_CRITERIA, "mimic_position_shift_relief": True}, "self_care"),
    "peripheral_neuropathy": (
        {
            **LIFESTYLE,
            "age": 63,
            "sex": "male",
            "main_symptoms": ["numbness_burning"],
            "mimic_constant_numb_burning": True,
            "mimic_sensation_location": "feet_skin",
            "known_conditions": ["diabetes"],
            "medications": ["metformin"],
        },
        "routine",
    ),
    "venous_insufficiency": (
        {
            **FOUR_CRITERIA,
            "mimic_heavy_after_standing": True,
            "known_conditions": ["varicose_veins"],
        },
        "routine",
    ),
    "akathisia": (
        {
            **FOUR_CRITERIA,
            "age": 31,
            "rls_evening_worse": False,
            "medications": ["antipsychotic"],
            "mimic_whole_body_restless": True,
            "mimic_started_after_medicine": True,
        },
        "urgent",
    ),
    "vascular_claudication": (
        {
            **LIFESTYLE,
            "age": 68,
            "sex": "male",
            "smoking": True,
            "main_symptoms": ["pain_on_walking"],
            "mimic_walking_pain_relief": "standing_still",
            "mimic_pain_on_standing": False,
            "mimic_back_pain": False,
        },
        "routine",
    ),
    "neurogenic_claudication": (
        {
            **LIFESTYLE,
            "age": 73,
            "sex": "female",
            "main_symptoms": ["pain_on_walking"],
            "mimic_walking_pain_relief": "sit_or_bend_forward",
            "mimic_pain_on_standing": True,
            "mimic_back_pain": True,
        },
        "routine",
    ),
    "arthritis": (
        {
            **FOUR_CRITERIA,
            "mimic_joint_pain": True,
            "mimic_joint_inflammation": False,
            "mimic_sensation_location": "joints",
        },
        "routine",
    ),
    "myalgia": (
        {
            **LIFESTYLE,
            "age": 59,
            "sex": "male",
            "main_symptoms": ["unpleasant_sensations"],
            "rls_urge": False,
            "mimic_muscle_tender": True,
            "medications": ["statin"],
        },
        "routine",
    ),
    "leg_oedema": (
        {
            **LIFESTYLE,
            "age": 76,
            "sex": "female",
            "main_symptoms": ["swelling"],
            "mimic_swelling_tightness": True,
            "known_conditions": ["heart_failure"],
        },
        "routine",
    ),
    "habitual_foot_tapping": (
        {
            **LIFESTYLE,
            "age": 26,
            "sex": "male",
            "main_symptoms": ["urge_to_move"],
            "rls_urge": False,
            "mimic_habit_tapping": True,
        },
        "self_care",
    ),
    "hypnic_jerks": (
        {
            **LIFESTYLE,
            "age": 29,
            "sex": "male",
            "main_symptoms": ["jerks_in_sleep"],
            "rls_urge": False,
            "mimic_jerk_at_sleep_onset": True,
            "partner_repetitive_kicks": False,
        },
        "self_care",
    ),
    "growing_pains": (
        {
            **LIFESTYLE,
            "age": 6,
            "sex": "female",
            "main_symptoms": ["unpleasant_sensations"],
            "rls_urge": False,
            "mimic_child_growing_pain_pattern": True,
            "mimic_child_pain_warning": False,
        },
        "self_care",
    ),
}


#: Tests and referrals that mimics.yaml indicates.
MIMIC_TESTS = {
    "nerve_conduction_emg",
    "glucose_hba1c",
    "b12_folate",
    "venous_duplex",
    "ankle_brachial_index",
    "creatine_kinase",
    "renal_function",
    "polysomnography",
}
MIMIC_REFERRALS = {
    "vascular_surgeon",
    "physiotherapist",
    "psychiatrist",
    "rheumatologist",
    "general_practitioner",
}


def report(answers: dict[str, Any]) -> dict[str, Any]:
    return assess(KB, answers).to_dict()


def test_every_mimic_is_defined_as_a_mimic() -> None:
    assert set(CASES) == set(MIMICS)
    for cid in MIMICS:
        assert KB.conditions[cid].group == "mimic"


@pytest.mark.parametrize("mimic", MIMICS)
def test_each_mimic_ranks_first_with_its_urgency(mimic: str) -> None:
    answers, urgency = CASES[mimic]
    rep = report(answers)
    assert rep["conditions"][0]["id"] == mimic
    assert rep["conditions"][0]["likelihood"] in ("likely", "very_likely")
    assert rep["urgency"] == urgency


@pytest.mark.parametrize(
    "mimic", ["nocturnal_leg_cramps", "positional_discomfort", "venous_insufficiency", "arthritis"]
)
def test_mimics_meeting_the_four_old_criteria_exclude_rls(mimic: str) -> None:
    answers, _ = CASES[mimic]
    found = {c["id"]: c for c in report(answers)["conditions"]}
    rls = found["restless_legs_syndrome"]
    crit = {c["id"]: c["met"] for c in rls["criteria"]}
    assert [crit[k] for k in ("urge", "rest", "movement_relief", "evening")] == [True] * 4
    assert crit["not_mimic"] is False
    assert rls["likelihood"] == "possible"


def test_no_mimic_is_raised_by_the_four_criteria_alone() -> None:
    rep = report(FOUR_CRITERIA)
    assert [c["id"] for c in rep["conditions"]] == ["restless_legs_syndrome"]


def test_mimic_rules_never_look_at_rls() -> None:
    rls_items = {"restless_legs_syndrome", "periodic_limb_movement_disorder", "rls_augmentation"}
    for cid in MIMICS:
        for _, value in model_fields_with_paths(KB.conditions[cid]):
            for node in getattr(value, "walk", lambda: ())():
                if isinstance(node, ConditionAtLeast | CriterionMet | SpecifierHolds):
                    assert node.condition not in rls_items, cid


def test_mimic_questions_live_in_the_mimics_section() -> None:
    mine = [q for q in KB.questions.values() if q.id.startswith("mimic_")]
    assert len(mine) == 20
    assert {q.section for q in mine} == {"mimics"}


@pytest.mark.parametrize(
    ("mimic", "tests", "referrals"),
    [
        ("peripheral_neuropathy", {"nerve_conduction_emg", "glucose_hba1c", "b12_folate"}, set()),
        ("venous_insufficiency", {"venous_duplex"}, {"vascular_surgeon"}),
        ("vascular_claudication", {"ankle_brachial_index"}, {"vascular_surgeon"}),
        ("neurogenic_claudication", set(), {"physiotherapist"}),
        ("akathisia", set(), {"psychiatrist", "general_practitioner"}),
        ("arthritis", set(), {"physiotherapist"}),
        ("myalgia", {"creatine_kinase"}, set()),
        ("leg_oedema", {"renal_function"}, {"general_practitioner"}),
        ("nocturnal_leg_cramps", set(), set()),
        ("hypnic_jerks", set(), set()),
    ],
)
def test_mimic_workup(mimic: str, tests: set[str], referrals: set[str]) -> None:
    rep = report(CASES[mimic][0])
    found_tests = {t["id"] for t in rep["tests"]}
    found_referrals = {r["id"] for r in rep["referrals"]}
    assert tests <= found_tests
    assert referrals <= found_referrals
    # Tests this file owns are ordered only for their own mimic.
    assert (found_tests & MIMIC_TESTS) == tests
    assert (found_referrals & MIMIC_REFERRALS) == referrals


def test_inflammatory_joints_go_to_a_rheumatologist() -> None:
    answers = {**CASES["arthritis"][0], "mimic_joint_inflammation": True}
    referrals = {r["id"] for r in report(answers)["referrals"]}
    assert "rheumatologist" in referrals
    assert "physiotherapist" not in referrals


def test_possible_neuropathy_gets_blood_tests_but_not_yet_nerve_studies() -> None:
    answers = {
        **LIFESTYLE,
        "age": 50,
        "sex": "female",
        "pregnant": False,
        "main_symptoms": ["unpleasant_sensations"],
        "mimic_constant_numb_burning": True,
    }
    rep = report(answers)
    neuro = next(c for c in rep["conditions"] if c["id"] == "peripheral_neuropathy")
    assert neuro["likelihood"] == "possible"
    found = {t["id"] for t in rep["tests"]}
    assert {"glucose_hba1c", "b12_folate"} <= found
    assert "nerve_conduction_emg" not in found


def test_child_leg_pain_with_warning_features_is_not_growing_pains() -> None:
    answers = {**CASES["growing_pains"][0], "age": 7, "mimic_child_pain_warning": True}
    rep = report(answers)
    assert "growing_pains" not in [c["id"] for c in rep["conditions"]]
    assert rep["urgency"] == "routine"
    assert "general_practitioner" in {r["id"] for r in rep["referrals"]}


def test_growing_pains_only_considered_in_children() -> None:
    answers = {**CASES["growing_pains"][0], "age": 25}
    assert "growing_pains" not in [c["id"] for c in report(answers)["conditions"]]


def test_akathisia_needs_a_relevant_medicine() -> None:
    answers = {**CASES["akathisia"][0], "medications": ["none"]}
    answers.pop("mimic_whole_body_restless")
    answers.pop("mimic_started_after_medicine")
    assert "akathisia" not in [c["id"] for c in report(answers)["conditions"]]


def test_walking_relief_argues_against_claudication() -> None:
    answers = {
        **CASES["vascular_claudication"][0],
        "main_symptoms": ["pain_on_walking", "urge_to_move"],
        "rls_urge": True,
        "rls_worse_at_rest": True,
        "rls_relieved_by_movement": True,
        "rls_evening_worse": True,
        "mimic_walking_pain_relief": "not_relieved",
    }
    found = {c["id"]: c["likelihood"] for c in report(answers)["conditions"]}
    assert "vascular_claudication" not in found


def test_rls_specifiers_do_not_hold_when_a_mimic_explains_the_symptoms() -> None:
    found = {c["id"]: c for c in report(CASES["nocturnal_leg_cramps"][0])["conditions"]}
    assert found["restless_legs_syndrome"]["specifiers"] == []
