"""Code systems and codes of the FHIR export and import.

Lab results use LOINC codes and UCUM units. The LOINC codes were checked against the
LOINC table (loinc.org): each is the serum/plasma (or blood) quantitative term in the
unit the knowledge-base question uses. Where a lab may send the same measurement under
another term or an equivalent unit, the import accepts it too (``accepted_codes``,
``units`` with the exact factor into the question's unit); anything else is refused.

quietlegs' own codes (questions, answer choices, conditions, tests, referrals, sleep
study indices, order kinds) live in local code systems under :data:`LOCAL_BASE`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings

from quietlegs.diary.fhir import CODE_SYSTEM as DIARY_SYSTEM

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
BCP47 = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

#: Base of quietlegs' local code systems and identifiers.
LOCAL_BASE = "https://quietlegs.org/fhir"
QUESTION_SYSTEM = f"{LOCAL_BASE}/CodeSystem/question"
CHOICE_SYSTEM = f"{LOCAL_BASE}/CodeSystem/answer-choice"
CONDITION_SYSTEM = f"{LOCAL_BASE}/CodeSystem/condition"
TEST_SYSTEM = f"{LOCAL_BASE}/CodeSystem/test"
REFERRAL_SYSTEM = f"{LOCAL_BASE}/CodeSystem/referral"
ORDER_KIND_SYSTEM = f"{LOCAL_BASE}/CodeSystem/order-kind"
PSG_INDEX_SYSTEM = f"{LOCAL_BASE}/CodeSystem/psg-index"
#: Tremor measurements (the Observation and its components; no LOINC code describes a
#: phone-accelerometer tremor analysis), their frequency bands and recording tasks.
TREMOR_SYSTEM = f"{LOCAL_BASE}/CodeSystem/tremor"
TREMOR_BAND_SYSTEM = f"{LOCAL_BASE}/CodeSystem/tremor-band"
TREMOR_TASK_SYSTEM = f"{LOCAL_BASE}/CodeSystem/tremor-task"
ASSESSMENT_SYSTEM = f"{LOCAL_BASE}/sid/assessment"
QUESTIONNAIRE_URL = f"{LOCAL_BASE}/Questionnaire/quietlegs-assessment"

#: Observations in these code systems are quietlegs' own findings (sleep-study indices,
#: text results of orders, tremor measurements, diary entries); an import skips them
#: instead of refusing them.
SKIPPED_OBSERVATION_SYSTEMS = frozenset(
    {PSG_INDEX_SYSTEM, TEST_SYSTEM, REFERRAL_SYSTEM, TREMOR_SYSTEM, DIARY_SYSTEM}
)

#: Default identifier system of patients; set ``QUIETLEGS_FHIR_PATIENT_SYSTEM`` per
#: installation so that two installations' patient numbers never match each other.
DEFAULT_PATIENT_SYSTEM = "urn:quietlegs:patient"


def patient_system() -> str:
    """The identifier system of this installation's patient numbers."""
    return str(getattr(settings, "QUIETLEGS_FHIR_PATIENT_SYSTEM", "") or DEFAULT_PATIENT_SYSTEM)


@dataclass(frozen=True)
class LabCode:
    """How one knowledge-base lab question is coded.

    Attributes
    ----------
    question_id : str
        The knowledge-base question (``audience: clinician``).
    loinc : str
        The LOINC code the export uses.
    display : str
        Its LOINC long common name.
    ucum : str
        The UCUM code of the question's unit (the export's unit).
    accepted_codes : tuple of str
        LOINC codes the import accepts for this question (``loinc`` and equivalents).
    units : dict of str to float
        Units the import accepts (UCUM codes and common spellings) and the factor that
        converts a value in that unit into the question's unit.
    """

    question_id: str
    loinc: str
    display: str
    ucum: str
    accepted_codes: tuple[str, ...]
    units: dict[str, float] = field(default_factory=dict)


LAB_CODES: tuple[LabCode, ...] = (
    LabCode(
        "ferritin_ng_ml",
        "2276-4",
        "Ferritin [Mass/volume] in Serum or Plasma",
        "ng/mL",
        ("2276-4",),
        {"ng/mL": 1.0, "ug/L": 1.0, "µg/L": 1.0},
    ),
    LabCode(
        "tsat_percent",
        "2502-3",
        "Iron saturation [Mass Fraction] in Serum or Plasma",
        "%",
        ("2502-3",),
        {"%": 1.0},
    ),
    LabCode(
        "haemoglobin_g_l",
        "718-7",
        "Hemoglobin [Mass/volume] in Blood",
        "g/L",
        ("718-7",),
        {"g/L": 1.0, "g/dL": 10.0},
    ),
    LabCode(
        "tsh_miu_l",
        "3016-3",
        "Thyrotropin [Units/volume] in Serum or Plasma",
        "m[IU]/L",
        ("3016-3",),
        {"m[IU]/L": 1.0, "mIU/L": 1.0, "u[IU]/mL": 1.0, "uIU/mL": 1.0, "µIU/mL": 1.0},
    ),
    LabCode(
        "hba1c_percent",
        "4548-4",
        "Hemoglobin A1c/Hemoglobin.total in Blood",
        "%",
        ("4548-4", "17856-6"),  # 17856-6: the same ratio measured by HPLC
        {"%": 1.0},
    ),
    LabCode(
        "b12_pmol_l",
        "14685-2",
        "Cobalamin (Vitamin B12) [Moles/volume] in Serum or Plasma",
        "pmol/L",
        ("14685-2",),
        {"pmol/L": 1.0},
    ),
    LabCode(
        "egfr_ml_min",
        "69405-9",
        "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, "
        "Plasma or Blood",
        "mL/min/{1.73_m2}",
        # the same rate by a named creatinine equation: CKD-EPI, CKD-EPI 2021, MDRD
        ("69405-9", "62238-1", "98979-8", "33914-3", "77147-7"),
        {"mL/min/{1.73_m2}": 1.0, "mL/min/1.73m2": 1.0, "mL/min/1.73 m2": 1.0},
    ),
)

LAB_BY_QUESTION: dict[str, LabCode] = {c.question_id: c for c in LAB_CODES}
LAB_BY_LOINC: dict[str, LabCode] = {code: c for c in LAB_CODES for code in c.accepted_codes}

#: Sleep-study indices exported as Observations: result key → UCUM unit (``/h`` per hour).
PSG_INDEX_UNITS: dict[str, str] = {
    "lm_index": "/h",
    "plm_index": "/h",
    "plms_index": "/h",
    "plmw_index": "/h",
    "periodicity_index": "1",
}

#: An order kind → the SNOMED CT code of the FHIR ServiceRequest category example value
#: set (laboratory procedure, imaging); other kinds carry only the local code.
ORDER_CATEGORY_SNOMED: dict[str, tuple[str, str]] = {
    "lab": ("108252007", "Laboratory procedure"),
    "imaging": ("363679005", "Imaging"),
}

#: An order's status → ServiceRequest.status (FHIR has no "scheduled": it stays active).
SERVICE_REQUEST_STATUS: dict[str, str] = {
    "ordered": "active",
    "scheduled": "active",
    "resulted": "completed",
    "cancelled": "revoked",
}

#: Likelihood bands → Condition.verificationStatus. quietlegs never confirms a diagnosis:
#: a likely condition is provisional, a possible one part of the differential.
VERIFICATION_OF_BAND: dict[str, str] = {
    "very_likely": "provisional",
    "likely": "provisional",
    "possible": "differential",
    "unlikely": "differential",
}

_ID_BAD_CHARACTERS = re.compile(r"[^A-Za-z0-9\-.]")
#: FHIR resource ids: letters, digits, "-" and ".", at most 64 characters.
MAX_ID_LENGTH = 64


def fhir_id(*parts: object) -> str:
    """A valid FHIR resource id from ``parts`` (``_`` and other characters become ``-``;
    an id longer than 64 characters is shortened with a hash of the whole)."""
    text = _ID_BAD_CHARACTERS.sub("-", "-".join(str(p) for p in parts))
    if len(text) <= MAX_ID_LENGTH:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[: MAX_ID_LENGTH - 17]}-{digest}"


def observation_category(code: str, display: str) -> dict[str, list[dict[str, str]]]:
    """One category of an Observation, from HL7's observation-category code system.

    Parameters
    ----------
    code : str
        The category's code (``"laboratory"``, ``"procedure"``, ...).
    display : str
        Its display text (``"Laboratory"``, ``"Procedure"``, ...).

    Returns
    -------
    dict
        The CodeableConcept, as it goes in an Observation's ``category`` list.
    """
    return {"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": display}]}
