"""Diary entries as FHIR Observations that validate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir.resources.observation import Observation

from quietlegs import DiaryError
from quietlegs.diary import MedicationTaken
from quietlegs.diary.fhir import CODE_SYSTEM, SNOMED, diary_observations
from tests.diary.synthetic import caffeine_diary, entry


def _components(data: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for comp in data.get("component", []):
        value = next(v for k, v in comp.items() if k.startswith("value"))
        out.setdefault(comp["code"]["coding"][0]["code"], []).append(value)
    return out


def test_an_entry_becomes_a_survey_observation_of_the_patient() -> None:
    night = entry(
        3,
        6,
        onset=dt.time(21, 15),
        rest_latency_min=15,
        body_parts={"legs", "arms"},
        sleep_quality=4,
        caffeine_drinks=2,
        last_caffeine=dt.time(17, 0),
        nicotine=True,
        exercise_min=20,
        exercise_intensity="light",
        medications=(MedicationTaken("paracetamol", dt.time(22, 0)),),
        note="bad night",
    )
    (obs,) = diary_observations([night], "Patient/42")
    data = obs.model_dump(mode="json")
    assert data["status"] == "final"
    assert data["subject"] == {"reference": "Patient/42"}
    assert data["effectiveDateTime"] == "2024-01-04"
    assert data["category"][0]["coding"][0]["code"] == "survey"
    codes = {(c["system"], c["code"]) for c in data["code"]["coding"]}
    assert (SNOMED, "32914008") in codes
    assert (CODE_SYSTEM, "rls-diary-entry") in codes
    comps = _components(data)
    assert comps["rls-severity"] == [6]
    assert comps["symptom-onset-time"] == ["21:15:00"]
    assert comps["rest-latency"][0]["value"] == 15
    assert comps["rest-latency"][0]["code"] == "min"
    assert {c["coding"][0]["code"] for c in comps["body-part"]} == {"61685007", "53120007"}
    assert comps["nicotine"] == [True]
    assert comps["stress"] == [False]
    assert comps["medication-taken"] == ["22:00 paracetamol"]
    assert "awakenings" not in comps  # not recorded: no component
    assert data["note"] == [{"text": "bad night"}]


def test_every_observation_validates_and_round_trips_as_json() -> None:
    observations = diary_observations(
        caffeine_diary(), "urn:uuid:8f7a3c5e-0000-4000-8000-000000000001"
    )
    assert len(observations) == 70
    for obs in observations:
        again = Observation.model_validate_json(obs.model_dump_json())
        assert again.model_dump() == obs.model_dump()
    days = [str(o.effectiveDateTime) for o in observations]
    assert days == sorted(days)


def test_a_patient_reference_is_required() -> None:
    with pytest.raises(
        DiaryError, match="patient_reference must be a reference such as 'Patient/123'"
    ):
        diary_observations([entry(0, 0)], " ")
