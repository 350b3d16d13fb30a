"""Helpers of the appointment tests: a clinic's hours, a frozen clock, answers by urgency."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import Availability, ClinicRules, VisitType
from tests.web.webtools import RLS_ANSWERS

#: Monday 3 June 2030, 08:00 in Moscow (UTC+3): the tests' "now".
NOW = datetime(2030, 6, 3, 5, 0, tzinfo=UTC)
MOSCOW = "Europe/Moscow"

#: A swollen calf with risk factors: urgent (deep-vein thrombosis), from the vignettes.
URGENT_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 45,
    "sex": "female",
    "pregnant": False,
    "main_symptoms": ["swelling", "pain_on_walking"],
    "back_pain": False,
    "calf_swelling": True,
    "recent_injury": False,
    "vte_risk": True,
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}
EMERGENCY_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["chest_pain"],
    "age": 64,
    "sex": "male",
    "main_symptoms": ["weakness"],
}
ROUTINE_ANSWERS = RLS_ANSWERS


def freeze(monkeypatch: pytest.MonkeyPatch, at: datetime = NOW) -> None:
    """Make the appointment book's clock read ``at``."""
    monkeypatch.setattr(services, "now", lambda: at)


def assess(patient: User, answers: dict[str, Any]) -> Assessment:
    return Assessment.create_from_answers(answers, patient=patient, created_by=patient)


def open_hours(
    clinic: Clinic,
    clinician: User,
    code: str = VisitType.Code.FIRST_CONSULTATION,
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
    start: time = time(9),
    end: time = time(13),
    time_zone: str = MOSCOW,
) -> VisitType:
    """Weekly hours for ``clinician`` (Moscow time by default); returns the visit type."""
    rules = ClinicRules.for_clinic(clinic)
    rules.time_zone = time_zone
    rules.save()
    visit_type = VisitType.objects.get(clinic=clinic, code=code)
    for weekday in weekdays:
        Availability.objects.create(
            clinic=clinic,
            clinician=clinician,
            visit_type=visit_type,
            weekday=weekday,
            start_time=start,
            end_time=end,
        )
    return visit_type


def slot_key(clinician: User, visit_type: VisitType, start: datetime) -> str:
    return f"{clinician.pk}-{visit_type.pk}-{start.astimezone(UTC):%Y%m%dT%H%MZ}"
