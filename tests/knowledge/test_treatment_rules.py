"""Treatment information (treatments.yaml): guideline rows, lab-driven iron rules, gates.

Every expected value is the AASM 2024/2025 guideline's (clinical brief §2) or a threshold of
its good practice statement; the tests fail if a rule, a direction or a threshold drifts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from quietlegs.assessment import assess
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base
from tests.answers import TYPICAL_RLS_ANSWERS

KB: KnowledgeBase = load_knowledge_base()

#: A typical adult with clinically significant RLS (all five criteria, frequent, distressing).
ADULT_RLS: dict[str, Any] = {
    **TYPICAL_RLS_ANSWERS,
    "rls_distress": "severely",
    "family_history_rls": True,
}

IRON_ITEMS = ("iv_ferric_carboxymaltose", "iv_iron_dextran_lmw", "iv_ferumoxytol")


def case(**changes: Any) -> dict[str, Any]:
    """Return ADULT_RLS with ``changes`` applied; a value of None removes the answer."""
    answers = dict(ADULT_RLS)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def report(answers: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    return assess(KB, answers, lang=lang).to_dict()


def treatments(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in report(answers)["treatments"]}


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {i["id"] for i in items}


# --- the guideline table: each row with its direction, strength and certainty --------------

#: Adults with RLS (brief §2.2); opioids need an RLS medicine already taken (refractory proxy),
#: iron rows need iron results that fit.
ADULT_ROWS: dict[str, tuple[str, str, str]] = {
    "alpha2delta_ligands": ("for", "strong", "moderate"),
    "iv_ferric_carboxymaltose": ("for", "strong", "moderate"),
    "iv_iron_dextran_lmw": ("for", "conditional", "very_low"),
    "iv_ferumoxytol": ("for", "conditional", "very_low"),
    "oral_ferrous_sulfate": ("for", "conditional", "moderate"),
    "dipyridamole": ("for", "conditional", "low"),
    "opioids_refractory": ("for", "conditional", "moderate"),
    "peroneal_nerve_stimulation": ("for", "conditional", "moderate"),
    "cabergoline": ("against", "strong", "moderate"),
    "levodopa": ("against_standard_use", "conditional", "very_low"),
    "dopamine_agonists_non_ergot": ("against_standard_use", "conditional", "moderate"),
    "bupropion": ("against", "conditional", "moderate"),
    "carbamazepine": ("against", "conditional", "low"),
    "clonazepam": ("against", "conditional", "very_low"),
    "valerian": ("against", "conditional", "very_low"),
    "valproic_acid": ("against", "conditional", "low"),
}

ESRD_ROWS: dict[str, tuple[str, str, str]] = {
    "iv_iron_sucrose_esrd": ("for", "conditional", "moderate"),
    "vitamin_c_esrd": ("for", "conditional", "low"),
    "gabapentin_esrd": ("for", "conditional", "very_low"),
}


@pytest.mark.parametrize("tid", sorted(ADULT_ROWS))
def test_adult_guideline_row_appears_with_its_grade(tid: str) -> None:
    shown = treatments(case(medications=["alpha2delta"], ferritin_ng_ml=40, tsat_percent=18))
    assert tid in shown
    item = shown[tid]
    assert (item["direction"], item["strength"], item["certainty"]) == ADULT_ROWS[tid]
    assert item["conditions"] == ["restless_legs_syndrome"]


@pytest.mark.parametrize("tid", sorted(ESRD_ROWS))
def test_esrd_row_appears_on_dialysis(tid: str) -> None:
    shown = treatments(
        case(
            known_conditions=["kidney_disease"], egfr_ml_min=8, ferritin_ng_ml=150, tsat_percent=15
        )
    )
    item = shown[tid]
    assert (item["direction"], item["strength"], item["certainty"]) == ESRD_ROWS[tid]


def test_confirmed_esrd_replaces_the_general_for_rows() -> None:
    shown = treatments(
        case(
            known_conditions=["kidney_disease"],
            medications=["alpha2delta"],
            egfr_ml_min=8,
            ferritin_ng_ml=40,
            tsat_percent=15,
        )
    )
    general_for = {t for t, (d, _, _) in ADULT_ROWS.items() if d == "for"}
    assert not general_for & set(shown)
    assert set(ESRD_ROWS) <= set(shown)


def test_kidney_disease_without_egfr_shows_both_sets() -> None:
    shown = set(treatments(case(known_conditions=["kidney_disease"])))
    assert {"alpha2delta_ligands", "iron_if_low_stores"} <= shown
    assert set(ESRD_ROWS) <= shown


def test_no_esrd_rows_with_healthy_kidneys() -> None:
    shown = set(treatments(case(egfr_ml_min=85)))
    assert not set(ESRD_ROWS) & shown
    assert "alpha2delta_ligands" in shown


@pytest.mark.parametrize(
    ("ferritin", "tsat", "on"),
    [(199.9, 19.9, True), (200, 19.9, False), (199.9, 20, False)],
)
def test_iron_sucrose_esrd_thresholds(ferritin: float, tsat: float, on: bool) -> None:
    shown = treatments(
        case(
            known_conditions=["kidney_disease"],
            egfr_ml_min=10,
            ferritin_ng_ml=ferritin,
            tsat_percent=tsat,
        )
    )
    assert ("iv_iron_sucrose_esrd" in shown) is on


# --- levodopa and dopamine agonists are never "for" ------------------------------------------

DOPAMINERGIC_WORDS = re.compile(
    r"levodopa|pramipexole|ropinirole|rotigotine|cabergoline|bromocriptine", re.IGNORECASE
)


def test_dopaminergic_items_are_never_for_in_the_knowledge_base() -> None:
    found = [t for t in KB.treatments.values() if DOPAMINERGIC_WORDS.search(t.name.en)]
    assert {t.id for t in found} == {"levodopa", "dopamine_agonists_non_ergot", "cabergoline"}
    for t in found:
        assert t.direction in ("against", "against_standard_use"), t.id


@pytest.mark.parametrize("meds", [["dopaminergic"], ["none"], ["dopaminergic", "alpha2delta"]])
def test_dopaminergic_items_are_never_for_in_a_report(meds: list[str]) -> None:
    shown = treatments(case(medications=meds, age=80))
    assert shown["levodopa"]["direction"] == "against_standard_use"
    assert shown["dopamine_agonists_non_ergot"]["direction"] == "against_standard_use"
    assert shown["cabergoline"]["direction"] == "against"
    assert "augmentation" in shown["levodopa"]["info"]
    assert "augmentation" in shown["dopamine_agonists_non_ergot"]["info"]


def test_article_notes_where_the_article_differs() -> None:
    noted = {t.id for t in KB.treatments.values() if t.article_note is not None}
    assert {
        "alpha2delta_ligands",
        "levodopa",
        "cabergoline",
        "carbamazepine",
        "phenobarbital",
        "clonazepam",
        "topical_nsaids",
        "iodine_for_thyroid",
        "metformin_and_b12",
        "vitamins_minerals",
        "physiotherapy_massage_spa",
    } <= noted
    cabergoline_note = KB.treatments["cabergoline"].article_note
    assert cabergoline_note is not None
    assert "bromocriptine" in cabergoline_note.en.lower()
    for tid in noted:
        assert "source_article" in KB.treatments[tid].references, tid


# --- no doses, no schedules -------------------------------------------------------------------

DOSE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg|µg|μg|mcg|ug|g|ml|iu|units?|мг|мкг|г|мл|ед|ме)\b"
    r"|\b(?:once|twice|three times|\d+ times)\s+(?:a|per|each)\s+(?:day|night)\b"
    r"|\bper day\b|\ba day\b|/\s*day\b|\bdaily dose|\bat bedtime\b|\bevery \d+ hours\b"
    r"|\b(?:q\.?d|b\.?i\.?d|t\.?i\.?d|q\.?h\.?s)\b"
    r"|в сутки|в день|\d+\s*раз[а]?\s+в\s+(?:день|сутки)|на ночь",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    "text",
    [
        "gabapentin 300 mg",
        "2 g iron",
        "take twice a day",
        "1000 мг",
        "по 1 таблетке в сутки",
        "принимать на ночь",
        "a daily dose of",
        "12 units",
    ],
)
def test_dose_pattern_catches_doses(text: str) -> None:
    assert DOSE.search(text)


@pytest.mark.parametrize("tid", sorted(KB.treatments))
def test_no_treatment_text_contains_a_dose(tid: str) -> None:
    t = KB.treatments[tid]
    texts = [t.name.en, t.name.ru, t.info.en, t.info.ru]
    if t.article_note is not None:
        texts += [t.article_note.en, t.article_note.ru]
    for text in texts:
        assert not DOSE.search(text), (tid, DOSE.search(text))


# --- lab-driven iron rules: exact boundaries --------------------------------------------------


@pytest.mark.parametrize(
    ("ferritin", "oral", "iv"),
    [
        (40, True, True),
        (75, True, True),
        (75.1, False, True),
        (100, False, True),
        (100.1, False, False),
    ],
)
def test_ferritin_thresholds_adult(ferritin: float, oral: bool, iv: bool) -> None:
    shown = treatments(case(ferritin_ng_ml=ferritin, tsat_percent=25))
    assert ("oral_ferrous_sulfate" in shown) is oral
    for tid in IRON_ITEMS:
        assert (tid in shown) is iv, tid
    assert "iron_if_low_stores" not in shown


@pytest.mark.parametrize(("tsat", "on"), [(19.9, True), (20, False)])
def test_tsat_threshold_adult(tsat: float, on: bool) -> None:
    shown = treatments(case(ferritin_ng_ml=150, tsat_percent=tsat))
    assert ("oral_ferrous_sulfate" in shown) is on
    for tid in IRON_ITEMS:
        assert (tid in shown) is on, tid


@pytest.mark.parametrize(("tsat", "overload"), [(44.9, False), (45, True)])
def test_high_tsat_switches_iron_off(tsat: float, overload: bool) -> None:
    shown = treatments(case(ferritin_ng_ml=40, tsat_percent=tsat))
    assert ("iron_not_advised_high_tsat" in shown) is overload
    assert ("oral_ferrous_sulfate" in shown) is not overload
    assert ("iv_ferric_carboxymaltose" in shown) is not overload
    if overload:
        assert shown["iron_not_advised_high_tsat"]["direction"] == "against"


def test_without_iron_results_only_the_test_first_item() -> None:
    shown = treatments(case())
    assert "iron_if_low_stores" in shown
    assert shown["iron_if_low_stores"]["strength"] == "good_practice"
    assert not {"oral_ferrous_sulfate", *IRON_ITEMS} & set(shown)


def test_ferritin_alone_is_enough_to_decide() -> None:
    shown = treatments(case(ferritin_ng_ml=30))
    assert {"oral_ferrous_sulfate", *IRON_ITEMS} <= set(shown)
    assert "iron_if_low_stores" not in shown


@pytest.mark.parametrize(("ferritin", "on"), [(49.9, True), (50, False)])
def test_child_ferritin_threshold(ferritin: float, on: bool) -> None:
    shown = treatments(case(age=10, pregnant=None, ferritin_ng_ml=ferritin))
    assert ("ferrous_sulfate_children_rls" in shown) is on


# --- children, pregnancy, PLMD, augmentation ----------------------------------------------------


def test_child_gets_only_the_paediatric_iron_row() -> None:
    shown = treatments(case(age=10, pregnant=None, sex="male"))
    item = shown["ferrous_sulfate_children_rls"]
    assert (item["direction"], item["strength"], item["certainty"]) == (
        "for",
        "conditional",
        "very_low",
    )
    assert not set(ADULT_ROWS) & set(shown)
    assert "iron_if_low_stores" not in shown


def test_adult_gets_no_paediatric_row() -> None:
    assert "ferrous_sulfate_children_rls" not in treatments(case(ferritin_ng_ml=30))


def test_pregnancy_gates_drugs_and_adds_the_pregnancy_plan() -> None:
    answers = case(age=31, pregnant=True, ferritin_ng_ml=40, tsat_percent=18)
    rep = report(answers)
    shown = {t["id"]: t for t in rep["treatments"]}
    assert shown["rls_in_pregnancy"]["strength"] == "good_practice"
    assert "picchietti2015_pregnancy" in shown["rls_in_pregnancy"]["references"]
    assert "oral_ferrous_sulfate" in shown  # iron tablets are used in pregnancy when iron is low
    for tid in ("alpha2delta_ligands", *IRON_ITEMS, "dipyridamole", "peroneal_nerve_stimulation"):
        assert tid not in shown, tid
    assert "obstetrician" in ids(rep["referrals"])


def test_not_pregnant_woman_gets_no_pregnancy_plan() -> None:
    shown = treatments(case())
    assert "rls_in_pregnancy" not in shown
    assert "alpha2delta_ligands" in shown


def test_men_are_not_treated_as_possibly_pregnant() -> None:
    # 'pregnant' is never asked of men: the gate must not be unknown for them.
    shown = treatments(case(sex="male", pregnant=None))
    assert {"alpha2delta_ligands", "dipyridamole", "peroneal_nerve_stimulation"} <= set(shown)


PLMD_ADULT: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 60,
    "sex": "male",
    "main_symptoms": ["jerks_in_sleep"],
    "rls_urge": False,
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}


def test_plmd_adult_position_is_no_recommendation() -> None:
    rep = report(PLMD_ADULT)
    shown = {t["id"]: t for t in rep["treatments"]}
    assert shown["plmd_adults"]["direction"] == "no_recommendation"
    assert "ferrous_sulfate_children_plmd" not in shown
    assert "ferritin_tsat" in ids(rep["tests"])


def test_plmd_child_gets_iron_row() -> None:
    shown = treatments({**PLMD_ADULT, "age": 8})
    item = shown["ferrous_sulfate_children_plmd"]
    assert (item["direction"], item["strength"], item["certainty"]) == (
        "for",
        "conditional",
        "very_low",
    )
    assert "plmd_adults" not in shown


def test_augmentation_management_is_tied_to_augmentation() -> None:
    item = KB.treatments["augmentation_management"]
    assert item.conditions == ["rls_augmentation"]
    assert item.min_band == "possible"
    assert item.direction == "for"
    assert "alpha-2-delta" in item.info.en
    assert "opioid" in item.info.en
    assert "garciaborreguero2016_augmentation" in item.references


# --- gates on clinical significance and refractoriness -------------------------------------------


def test_mild_rls_gets_no_drug_for_rows_and_no_iron_test() -> None:
    rep = report(case(rls_distress="mildly", rls_frequency="under_twice_weekly"))
    shown = ids(rep["treatments"])
    for tid in ("alpha2delta_ligands", "dipyridamole", "peroneal_nerve_stimulation"):
        assert tid not in shown
    assert "levodopa" in shown  # the article's drugs are still put right
    assert "ferritin_tsat" not in ids(rep["tests"])


def test_opioids_only_when_already_on_rls_medicine() -> None:
    assert "opioids_refractory" not in treatments(case())
    assert "opioids_refractory" in treatments(case(medications=["dopaminergic"]))


def test_no_rls_no_treatments() -> None:
    answers = case(main_symptoms=["cramps"])
    for key in (
        "rls_urge",
        "rls_worse_at_rest",
        "rls_relieved_by_movement",
        "rls_evening_worse",
        "rls_frequency",
        "rls_distress",
        "family_history_rls",
    ):
        answers.pop(key)
    assert report(answers)["treatments"] == []


def test_russian_report_has_treatment_texts() -> None:
    rep = report(case(ferritin_ng_ml=40), lang="ru")
    shown = {t["id"]: t for t in rep["treatments"]}
    assert "железо" in shown["oral_ferrous_sulfate"]["info"].lower()


# --- work-up indications -------------------------------------------------------------------------


def test_iron_studies_for_clinically_significant_rls() -> None:
    rep = report(case())
    tests = ids(rep["tests"])
    assert {"ferritin_tsat", "full_blood_count"} <= tests
    assert "thyroid_function" not in tests
    assert "renal_function" not in tests
    assert "b12_folate" not in tests
    assert rep["referrals"] == []


def test_targeted_tests_follow_the_history() -> None:
    tests = ids(
        report(
            case(
                known_conditions=["thyroid_disease", "kidney_disease"],
                medications=["metformin"],
                main_symptoms=["urge_to_move", "numbness_burning"],
            )
        )["tests"]
    )
    assert {"thyroid_function", "renal_function", "b12_folate", "glucose_hba1c"} <= tests


def test_referrals_for_refractory_ckd_and_malabsorption() -> None:
    refs = ids(
        report(
            case(
                medications=["dopaminergic"],
                known_conditions=["kidney_disease", "coeliac_or_crohns", "iron_deficiency"],
            )
        )["referrals"]
    )
    assert {"neurologist", "sleep_medicine", "nephrologist", "gastroenterologist"} <= refs


def test_gastroenterologist_needs_low_iron() -> None:
    refs = ids(
        report(case(known_conditions=["coeliac_or_crohns"], ferritin_ng_ml=150))["referrals"]
    )
    assert "gastroenterologist" not in refs
    refs = ids(report(case(known_conditions=["coeliac_or_crohns"], ferritin_ng_ml=75))["referrals"])
    assert "gastroenterologist" in refs
