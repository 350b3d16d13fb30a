"""Diary entries as FHIR R5 Observations (``fhir.resources``).

One Observation per night: category ``survey``, the night as
``effectiveDateTime``, the patient as ``subject``, a ``code`` with quietlegs' own
code and SNOMED CT "Restless legs", and one ``component`` per recorded value.
No LOINC code describes these patient-diary items (0-10 restless-legs severity,
onset time, latency at rest, the day's triggers), so they use the quietlegs code
system :data:`CODE_SYSTEM`; body parts use SNOMED CT body structures.
``docs/monitoring.md`` has the full mapping.

Every Observation is built through ``fhir.resources``' pydantic models, which
validate it (types, cardinalities, code formats); a bad input raises there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir.resources.observation import Observation

from quietlegs._errors import DiaryError
from quietlegs.diary.entry import DiaryEntry, format_time

#: quietlegs' code system for the diary items that have no LOINC or SNOMED CT code.
CODE_SYSTEM = "https://quietlegs.org/fhir/CodeSystem/diary"
#: The identifier system of a diary entry (value: the night, ``YYYY-MM-DD``; unique
#: per patient).
IDENTIFIER_SYSTEM = "https://quietlegs.org/fhir/diary-entry"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

#: SNOMED CT 32914008 |Restless legs (disorder)|: what the diary is about.
SNOMED_RESTLESS_LEGS = ("32914008", "Restless legs")
#: Body parts as SNOMED CT body structures (``other`` has no single code).
BODY_PART_CODES: dict[str, tuple[str, str, str]] = {
    "legs": (SNOMED, "61685007", "Lower limb structure"),
    "arms": (SNOMED, "53120007", "Upper limb structure"),
    "other": (CODE_SYSTEM, "other-body-part", "Other body part"),
}

#: quietlegs codes of the components: field -> (code, display).
COMPONENT_CODES: dict[str, tuple[str, str]] = {
    "severity": ("rls-severity", "Restless legs symptom severity (0-10)"),
    "onset": ("symptom-onset-time", "Time restless legs symptoms began"),
    "rest_latency_min": ("rest-latency", "Time at rest before symptoms began"),
    "body_parts": ("body-part", "Body part with symptoms"),
    "bedtime": ("bedtime", "Time went to bed"),
    "sleep_latency_min": ("sleep-latency", "Time to fall asleep"),
    "awakenings": ("awakenings", "Number of awakenings in the night"),
    "sleep_quality": ("sleep-quality", "Sleep quality (0-10, 10 best)"),
    "daytime_sleepiness": ("daytime-sleepiness", "Daytime sleepiness (0-10)"),
    "caffeine_drinks": ("caffeine-drinks", "Caffeinated drinks that day"),
    "last_caffeine": ("last-caffeine-time", "Time of the last caffeinated drink"),
    "alcohol_units": ("alcohol-units", "Units of alcohol that day"),
    "nicotine": ("nicotine", "Nicotine that day"),
    "exercise_min": ("exercise-duration", "Exercise that day"),
    "exercise_intensity": ("exercise-intensity", "Intensity of the exercise"),
    "long_sitting": ("long-sitting", "Long sitting or travel that day"),
    "sweets_before_bed": ("sweets-before-bed", "Sweets before bed"),
    "stress": ("stress", "A stressful day"),
    "medications": ("medication-taken", "Medication taken (time and name, no dose)"),
}
#: The entry as a whole.
ENTRY_CODE = ("rls-diary-entry", "Restless legs sleep and symptom diary entry")


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _component(field: str, value: dict[str, Any]) -> dict[str, Any]:
    code, display = COMPONENT_CODES[field]
    return {"code": _concept(CODE_SYSTEM, code, display), **value}


def _time(value: Any) -> dict[str, Any]:
    return {"valueTime": f"{format_time(value)}:00"}


def _minutes(value: float) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": "min", "system": UCUM, "code": "min"}}


def _count(value: float, unit: str = "{count}") -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def entry_observation(entry: DiaryEntry, patient_reference: str) -> Observation:
    """One night's entry as a validated FHIR Observation.

    Parameters
    ----------
    entry : DiaryEntry
    patient_reference : str
        The subject, e.g. ``"Patient/123"`` or ``"urn:uuid:..."``.

    Returns
    -------
    observation : fhir.resources.observation.Observation
    """
    components: list[dict[str, Any]] = [_component("severity", {"valueInteger": entry.severity})]
    if entry.onset is not None:
        components.append(_component("onset", _time(entry.onset)))
    if entry.rest_latency_min is not None:
        components.append(_component("rest_latency_min", _minutes(entry.rest_latency_min)))
    for part in sorted(entry.body_parts):
        components.append(
            _component("body_parts", {"valueCodeableConcept": _concept(*BODY_PART_CODES[part])})
        )
    if entry.bedtime is not None:
        components.append(_component("bedtime", _time(entry.bedtime)))
    if entry.sleep_latency_min is not None:
        components.append(_component("sleep_latency_min", _minutes(entry.sleep_latency_min)))
    for field in ("awakenings", "sleep_quality", "daytime_sleepiness"):
        value = getattr(entry, field)
        if value is not None:
            components.append(_component(field, {"valueInteger": value}))
    components.append(_component("caffeine_drinks", {"valueInteger": entry.caffeine_drinks}))
    if entry.last_caffeine is not None:
        components.append(_component("last_caffeine", _time(entry.last_caffeine)))
    components.append(_component("alcohol_units", _count(entry.alcohol_units, "{unit}")))
    components.append(_component("exercise_min", _minutes(entry.exercise_min)))
    if entry.exercise_intensity is not None:
        components.append(
            _component("exercise_intensity", {"valueString": entry.exercise_intensity})
        )
    for field in ("nicotine", "long_sitting", "sweets_before_bed", "stress"):
        components.append(_component(field, {"valueBoolean": getattr(entry, field)}))
    for med in entry.medications:
        components.append(
            _component("medications", {"valueString": f"{format_time(med.at)} {med.name}"})
        )
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": entry.day.isoformat()}],
        "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": {
            "coding": [
                {"system": CODE_SYSTEM, "code": ENTRY_CODE[0], "display": ENTRY_CODE[1]},
                {
                    "system": SNOMED,
                    "code": SNOMED_RESTLESS_LEGS[0],
                    "display": SNOMED_RESTLESS_LEGS[1],
                },
            ],
            "text": ENTRY_CODE[1],
        },
        "subject": {"reference": patient_reference},
        "effectiveDateTime": entry.day.isoformat(),
        "component": components,
    }
    if entry.note:
        data["note"] = [{"text": entry.note}]
    return Observation.model_validate(data)


def diary_observations(entries: Iterable[DiaryEntry], patient_reference: str) -> list[Observation]:
    """Every entry as a validated FHIR Observation, earliest night first.

    Parameters
    ----------
    entries : iterable of DiaryEntry
        E.g. a :class:`~quietlegs.diary.Diary`.
    patient_reference : str
        The subject of every Observation, e.g. ``"Patient/123"``.

    Returns
    -------
    observations : list of Observation

    Raises
    ------
    DiaryError
        If ``patient_reference`` is empty.
    """
    if not isinstance(patient_reference, str) or not patient_reference.strip():
        raise DiaryError(
            [
                "patient_reference must be a reference such as 'Patient/123'; "
                f"got {patient_reference!r}"
            ]
        )
    return [entry_observation(e, patient_reference) for e in sorted(entries, key=lambda e: e.day)]
