"""Tremor rules (tremor.yaml): red flags, condition ranking, measurement bands and key negatives.

The expected values follow the MDS 2018 tremor classification and the sources cited in
tremor.yaml; the tests fail if a red flag stops firing on its minimal answers, a condition drops
out of first place for its typical picture, or a safety rule (rest tremor is never self-care)
drifts.
"""

from __future__ import annotations

from typing import Any

import pytest

from quietlegs.assessment import assess
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base

KB: KnowledgeBase = load_knowledge_base()
URGENCY_RANK = {"emergency": 0, "urgent": 1, "routine": 2, "self_care": 3}

#: Core answers of a person whose only complaint is tremor, with nothing alarming.
BASE: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 45,
    "sex": "male",
    "main_symptoms": ["tremor"],
    "tremor_recent_stop": ["none"],
    "tremor_acute_signs": ["none"],
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}

#: A typical essential tremor on top of BASE.
ET: dict[str, Any] = {
    "tremor_body_parts": ["hands_arms"],
    "tremor_side": "both_sides",
    "tremor_situation": ["holding_posture", "during_movement"],
    "tremor_onset": "gradual",
    "tremor_duration": "three_years_plus",
    "tremor_family_history": True,
    "tremor_triggers": ["none"],
    "tremor_alcohol_effect": "better",
    "tremor_signs": ["none"],
    "tremor_interferes": "somewhat",
    "tremor_medicine_started": False,
}

#: Normal tremor after hard exercise on top of BASE.
PHYSIOLOGICAL: dict[str, Any] = {
    "age": 24,
    "exercise": "strenuous",
    "tremor_body_parts": ["hands_arms", "legs"],
    "tremor_side": "both_sides",
    "tremor_situation": ["holding_posture"],
    "tremor_onset": "episodes_only",
    "tremor_duration": "one_month_to_three_years",
    "tremor_triggers": ["after_exercise", "fatigue_overwork"],
    "tremor_settles": True,
    "tremor_signs": ["none"],
    "tremor_interferes": "not_at_all",
    "tremor_medicine_started": False,
}


def case(*parts: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Merge answer dicts and ``changes``; a value of None removes the answer."""
    answers: dict[str, Any] = {}
    for part in parts:
        answers.update(part)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def report(answers: dict[str, Any]) -> dict[str, Any]:
    return assess(KB, answers).to_dict()


def listed(rep: dict[str, Any]) -> list[str]:
    return [c["id"] for c in rep["conditions"]]


def tremor_ranked(rep: dict[str, Any]) -> list[str]:
    """Listed tremor-group conditions in report order (other domains may list their own)."""
    return [c["id"] for c in rep["conditions"] if c["group"] == "tremor"]


def flags(rep: dict[str, Any]) -> set[str]:
    return {f["id"] for f in rep["red_flags"]}


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {i["id"] for i in items}


# --- red flags: each fires on its minimal answers, urgency at least its level ---------------

MINIMAL_FLAGS: dict[str, tuple[dict[str, Any], str]] = {
    "tremor_severe_withdrawal": (
        {"tremor_recent_stop": ["alcohol"], "tremor_acute_signs": ["racing_heart"]},
        "emergency",
    ),
    "tremor_lithium_toxicity": (
        {"medications": ["lithium"], "tremor_acute_signs": ["vomiting_diarrhoea"]},
        "emergency",
    ),
    "tremor_hypoglycaemia": (
        {"known_conditions": ["diabetes"], "tremor_acute_signs": ["heavy_sweating"]},
        "emergency",
    ),
    "tremor_new_confusion": ({"tremor_acute_signs": ["hallucinations"]}, "emergency"),
    "tremor_sudden_with_neuro_signs": (
        {"tremor_onset": "sudden", "emergency_signs": ["speech_difficulty"]},
        "emergency",
    ),
    "tremor_sudden_onset": ({"tremor_onset": "sudden"}, "urgent"),
    "tremor_thyrotoxicosis_signs": ({"tremor_signs": ["weight_loss", "palpitations"]}, "urgent"),
}


@pytest.mark.parametrize("flag", sorted(MINIMAL_FLAGS))
def test_red_flag_fires_on_minimal_answers(flag: str) -> None:
    answers, level = MINIMAL_FLAGS[flag]
    rep = report(answers)
    assert flag in flags(rep)
    assert URGENCY_RANK[rep["urgency"]] <= URGENCY_RANK[level]
    assert KB.red_flags[flag].urgency == level


@pytest.mark.parametrize("flag", sorted(MINIMAL_FLAGS))
def test_red_flag_wins_over_a_benign_picture(flag: str) -> None:
    answers, level = MINIMAL_FLAGS[flag]
    rep = report(case(BASE, PHYSIOLOGICAL, answers))
    assert flag in flags(rep)
    assert URGENCY_RANK[rep["urgency"]] <= URGENCY_RANK[level]
    assert (
        rep["conditions"][0]["id"] == KB.red_flags[flag].condition
        or flag in (rep["conditions"][0]["red_flags"])
    )


def test_withdrawal_signs_without_a_recent_stop_do_not_raise_the_withdrawal_flag() -> None:
    rep = report(case(BASE, ET, tremor_acute_signs=["heavy_sweating", "racing_heart"]))
    assert "tremor_severe_withdrawal" not in flags(rep)


def test_lithium_flag_needs_lithium() -> None:
    rep = report(case(BASE, ET, tremor_acute_signs=["vomiting_diarrhoea", "unsteady_slurred"]))
    assert "tremor_lithium_toxicity" not in flags(rep)
    assert "lithium_toxicity" not in listed(rep)


def test_lithium_alone_is_drug_induced_tremor_not_toxicity() -> None:
    rep = report(case(BASE, ET, medications=["lithium"], tremor_medicine_started=True))
    assert "tremor_lithium_toxicity" not in flags(rep)
    assert rep["urgency"] == "routine"
    assert "drug_induced_tremor" in listed(rep)
    assert "renal_function" in ids(rep["tests"])


def test_hypoglycaemia_flag_needs_diabetes() -> None:
    rep = report(case(BASE, ET, tremor_acute_signs=["heavy_sweating"]))
    assert "tremor_hypoglycaemia" not in flags(rep)


def test_one_thyroid_sign_is_routine_with_a_thyroid_test() -> None:
    rep = report(case(BASE, ET, tremor_signs=["weight_loss"]))
    assert "tremor_thyrotoxicosis_signs" not in flags(rep)
    assert rep["urgency"] == "routine"
    assert "thyroid_tremor" in listed(rep)
    assert "thyroid_function" in ids(rep["tests"])


def test_gradual_onset_raises_no_sudden_onset_flag() -> None:
    rep = report(case(BASE, ET))
    assert not flags(rep)
    assert "brain_imaging" not in ids(rep["tests"])


def test_sudden_onset_asks_for_brain_imaging() -> None:
    rep = report(case(BASE, ET, tremor_onset="sudden", tremor_duration="under_one_month"))
    assert "tremor_sudden_onset" in flags(rep)
    assert rep["urgency"] == "urgent"
    assert "brain_imaging" in ids(rep["tests"])


# --- conditions: each ranks first (among tremor conditions) for its typical picture --------

TYPICAL: dict[str, dict[str, Any]] = {
    "physiological_tremor": case(BASE, PHYSIOLOGICAL),
    "enhanced_physiological_tremor": case(
        BASE,
        PHYSIOLOGICAL,
        age=20,
        exercise="inactive",
        caffeine="three_plus",
        tremor_body_parts=["hands_arms"],
        tremor_onset="days_weeks",
        tremor_duration="under_one_month",
        tremor_triggers=["caffeine", "sleep_loss", "stress_anxiety"],
    ),
    "essential_tremor": case(BASE, ET),
    "parkinsonian_tremor": case(
        BASE,
        ET,
        age=68,
        tremor_side="one_side",
        tremor_situation=["at_rest"],
        tremor_duration="one_month_to_three_years",
        tremor_family_history=False,
        tremor_alcohol_effect="not_tried",
        tremor_signs=["slowness", "small_handwriting", "reduced_arm_swing"],
    ),
    "orthostatic_tremor": case(
        BASE,
        age=66,
        tremor_body_parts=["legs"],
        tremor_side="both_sides",
        tremor_situation=["standing_only"],
        tremor_onset="gradual",
        tremor_duration="one_month_to_three_years",
        tremor_triggers=["none"],
        tremor_signs=["none"],
    ),
    "thyroid_tremor": case(
        BASE,
        ET,
        age=34,
        tremor_onset="days_weeks",
        tremor_duration="one_month_to_three_years",
        tremor_family_history=False,
        tremor_alcohol_effect="not_tried",
        tremor_situation=["holding_posture"],
        tremor_signs=["weight_loss", "heat_intolerance", "palpitations"],
    ),
    "alcohol_withdrawal_tremor": case(
        BASE, tremor_recent_stop=["alcohol"], alcohol="daily", tremor_onset="days_weeks"
    ),
    "drug_induced_tremor": case(
        BASE,
        ET,
        medications=["valproate"],
        tremor_medicine_started=True,
        tremor_onset="days_weeks",
        tremor_duration="one_month_to_three_years",
        tremor_family_history=False,
        tremor_alcohol_effect="not_tried",
    ),
    "dystonic_tremor": case(
        BASE,
        ET,
        tremor_body_parts=["head"],
        tremor_side=None,
        tremor_family_history=False,
        tremor_alcohol_effect="no_change",
        tremor_signs=["abnormal_posture"],
    ),
    "wilson_disease": case(
        BASE,
        ET,
        age=22,
        tremor_duration="one_month_to_three_years",
        tremor_family_history=False,
        tremor_alcohol_effect="not_tried",
        tremor_signs=["jaundice_liver", "behaviour_change"],
    ),
    "structural_lesion_tremor": case(
        BASE,
        age=74,
        tremor_body_parts=["hands_arms"],
        tremor_side="one_side",
        tremor_onset="sudden",
        emergency_signs=["sudden_one_sided_weakness"],
    ),
    "lithium_toxicity": case(
        BASE, medications=["lithium"], tremor_acute_signs=["unsteady_slurred"]
    ),
    "hypoglycaemia": case(
        BASE, known_conditions=["diabetes"], tremor_acute_signs=["heavy_sweating"]
    ),
    "acute_toxic_metabolic_tremor": case(
        BASE, medications=["ssri_snri"], tremor_acute_signs=["confusion", "heavy_sweating"]
    ),
}

EXPECTED_URGENCY: dict[str, str] = {
    "physiological_tremor": "self_care",
    "enhanced_physiological_tremor": "self_care",
    "essential_tremor": "routine",
    "parkinsonian_tremor": "routine",
    "orthostatic_tremor": "routine",
    "thyroid_tremor": "urgent",
    "alcohol_withdrawal_tremor": "urgent",
    "drug_induced_tremor": "routine",
    "dystonic_tremor": "routine",
    "wilson_disease": "urgent",
    "structural_lesion_tremor": "emergency",
    "lithium_toxicity": "emergency",
    "hypoglycaemia": "emergency",
    "acute_toxic_metabolic_tremor": "emergency",
}


@pytest.mark.parametrize("cid", sorted(TYPICAL))
def test_typical_picture_ranks_condition_first(cid: str) -> None:
    rep = report(TYPICAL[cid])
    assert tremor_ranked(rep)[0] == cid
    assert rep["urgency"] == EXPECTED_URGENCY[cid]


def test_functional_tremor_is_in_the_top_three_and_never_self_care() -> None:
    rep = report(
        case(
            BASE,
            ET,
            tremor_onset="sudden",
            tremor_duration="one_month_to_three_years",
            tremor_variable=True,
            tremor_family_history=False,
            tremor_alcohol_effect="not_tried",
        )
    )
    assert "functional_tremor" in tremor_ranked(rep)[:3]
    assert rep["urgency"] != "self_care"
    assert "neurologist" in ids(rep["referrals"])


def test_functional_tremor_stays_at_most_possible_from_answers_alone() -> None:
    rep = report(case(BASE, ET, tremor_onset="sudden", tremor_variable=True))
    band = {c["id"]: c["likelihood"] for c in rep["conditions"]}
    assert band.get("functional_tremor") == "possible"


# --- safety: rest tremor is never self-care (article: "especially at rest ... see a doctor")


def test_rest_tremor_is_never_self_care_even_with_benign_features() -> None:
    rep = report(
        case(
            BASE,
            PHYSIOLOGICAL,
            caffeine="three_plus",
            tremor_situation=["at_rest", "holding_posture"],
            tremor_triggers=["caffeine", "sleep_loss", "after_exercise", "fatigue_overwork"],
            tremor_dominant_frequency_hz=10,
            tremor_task="posture",
        )
    )
    assert rep["urgency"] == "routine"
    assert "physiological_tremor" not in listed(rep)
    assert "enhanced_physiological_tremor" not in listed(rep)


def test_any_rest_tremor_lists_parkinsonian_tremor_and_a_neurologist() -> None:
    rep = report(case(BASE, ET, tremor_situation=["at_rest"]))
    assert "parkinsonian_tremor" in listed(rep)
    assert rep["urgency"] == "routine"
    assert "neurologist" in ids(rep["referrals"])


def test_interfering_tremor_is_not_self_care() -> None:
    rep = report(case(BASE, PHYSIOLOGICAL, tremor_interferes="a_lot", tremor_settles=False))
    assert rep["urgency"] != "self_care"


def test_self_care_physiological_gets_rest_advice_and_no_specialist() -> None:
    rep = report(TYPICAL["physiological_tremor"])
    assert rep["urgency"] == "self_care"
    assert {"tremor_advice_rest", "tremor_advice_when_to_see_doctor"} <= ids(rep["advice"])
    assert not ids(rep["referrals"])


def test_caffeine_advice_follows_caffeine() -> None:
    rep = report(TYPICAL["enhanced_physiological_tremor"])
    assert "tremor_advice_caffeine" in ids(rep["advice"])
    assert "tremor_advice_caffeine" not in ids(report(TYPICAL["physiological_tremor"])["advice"])


# --- measurements from the tremor-analysis module -----------------------------------------


def measured(hz: float, task: str, **changes: Any) -> dict[str, Any]:
    return case(
        BASE,
        ET,
        tremor_family_history=False,
        tremor_alcohol_effect="not_tried",
        tremor_duration="one_month_to_three_years",
        tremor_dominant_frequency_hz=hz,
        tremor_task=task,
        **changes,
    )


def test_measured_5hz_rest_tremor_points_to_parkinsonian_tremor() -> None:
    rep = report(measured(5, "rest", age=71))
    assert tremor_ranked(rep)[0] == "parkinsonian_tremor"
    assert rep["urgency"] == "routine"


def test_measured_16hz_standing_points_to_orthostatic_tremor_and_emg() -> None:
    rep = report(measured(16, "standing", age=63, tremor_body_parts=["legs"]))
    assert tremor_ranked(rep)[0] == "orthostatic_tremor"
    assert "nerve_conduction_emg" in ids(rep["tests"])


def test_orthostatic_band_is_bounded() -> None:
    inside = report(measured(16, "standing", tremor_body_parts=["legs"]))
    outside = report(measured(10, "standing", tremor_body_parts=["legs"]))
    assert "orthostatic_tremor" in listed(inside)
    assert "orthostatic_tremor" not in listed(outside)


def test_measured_10hz_postural_supports_physiological_bands() -> None:
    rep = report(case(BASE, PHYSIOLOGICAL, tremor_dominant_frequency_hz=10, tremor_task="posture"))
    for cid in ("physiological_tremor", "enhanced_physiological_tremor"):
        found = next(c for c in rep["conditions"] if c["id"] == cid)
        assert [r["likelihood_ratio"] for r in found["reasons"] if "8–12 Hz" in r["text"]] == [2]
    outside = report(
        case(BASE, PHYSIOLOGICAL, tremor_dominant_frequency_hz=13, tremor_task="posture")
    )
    found = next(c for c in outside["conditions"] if c["id"] == "physiological_tremor")
    assert not [r for r in found["reasons"] if "8–12 Hz" in r["text"]]


def test_measured_6hz_action_supports_essential_tremor() -> None:
    rep = report(measured(6, "action"))
    et = next(c for c in rep["conditions"] if c["id"] == "essential_tremor")
    assert any(r["likelihood_ratio"] == 2 and "4–12 Hz" in r["text"] for r in et["reasons"])


# --- tests and referrals ---------------------------------------------------------------------


def test_essential_tremor_work_up_and_treatments() -> None:
    rep = report(case(BASE, ET))
    assert tremor_ranked(rep)[0] == "essential_tremor"
    assert "thyroid_function" in ids(rep["tests"])
    assert "brain_imaging" not in ids(rep["tests"])
    assert "neurologist" in ids(rep["referrals"])
    shown = {t["id"]: t for t in rep["treatments"]}
    assert (shown["et_propranolol"]["direction"], shown["et_propranolol"]["strength"]) == (
        "for",
        "strong",
    )
    assert (shown["et_primidone"]["direction"], shown["et_primidone"]["strength"]) == (
        "for",
        "strong",
    )
    assert shown["et_levetiracetam"]["direction"] == "against"
    assert "et_surgery" not in shown  # only for tremor that interferes a lot


def test_wilson_work_up_in_the_young() -> None:
    rep = report(TYPICAL["wilson_disease"])
    assert {"ceruloplasmin", "liver_function"} <= ids(rep["tests"])
    assert "neurologist" in ids(rep["referrals"])


def test_wilson_not_considered_over_55() -> None:
    rep = report(case(TYPICAL["wilson_disease"], age=70, tremor_onset_age=65))
    assert "wilson_disease" not in listed(rep)
    assert "ceruloplasmin" not in ids(rep["tests"])


def test_thyroid_red_flag_asks_for_thyroid_tests_and_ecg() -> None:
    rep = report(TYPICAL["thyroid_tremor"])
    assert "tremor_thyrotoxicosis_signs" in flags(rep)
    assert {"thyroid_function", "ecg"} <= ids(rep["tests"])


def test_suppressed_tsh_makes_thyroid_tremor_very_likely() -> None:
    rep = report(case(TYPICAL["essential_tremor"], tsh_miu_l=0.02))
    band = {c["id"]: c["likelihood"] for c in rep["conditions"]}
    assert band["thyroid_tremor"] in ("likely", "very_likely")
    assert "endocrinologist" in ids(rep["referrals"])


def test_normal_tsh_argues_against_thyroid_tremor() -> None:
    rep = report(case(BASE, ET, tremor_signs=["weight_loss"], tsh_miu_l=1.5))
    assert "thyroid_tremor" not in listed(rep)


def test_article_claim_on_juvenile_tremor_is_recorded_as_conflicting() -> None:
    claim = KB.article_claims["juvenile_tremor"]
    assert claim.verdict == "conflicts"
    assert "bhatia2018_mds_tremor" in claim.references
