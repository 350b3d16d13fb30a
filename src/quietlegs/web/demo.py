"""Demo data for a first run: a clinic, two clinicians, reception, patients with assessments,
and the clinic's hours (``scheduling.demo``).

Passwords are random, made on the first run and kept in the data folder
(``demo-logins.txt``), never in the repository.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from quietlegs.web.accounts.models import PROFILE_QUESTIONS, PatientProfile, User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary.demo import add_demo_diary
from quietlegs.web.records.models import LabResult
from quietlegs.web.scheduling.demo import load_demo_schedule

_NO_HISTORY: dict[str, Any] = {
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}

DEMO_PATIENTS: list[dict[str, Any]] = [
    {
        "email": "anna@demo.quietlegs.org",
        "first_name": "Anna",
        "last_name": "Smirnova",
        "answers": {
            "emergency_signs": ["none"],
            "age": 52,
            "sex": "female",
            "pregnant": False,
            "main_symptoms": ["urge_to_move", "unpleasant_sensations"],
            "rls_urge": True,
            "rls_worse_at_rest": True,
            "rls_relieved_by_movement": True,
            "rls_evening_worse": True,
            "rls_frequency": "twice_weekly_or_more",
            "rls_distress": "moderately",
            **_NO_HISTORY,
            "caffeine": "three_plus",
        },
        "labs": {"ferritin_ng_ml": 38.0, "tsat_percent": 17.0},
        "diary": True,
    },
    {
        "email": "boris@demo.quietlegs.org",
        "first_name": "Boris",
        "last_name": "Kuznetsov",
        "answers": {
            "emergency_signs": ["chest_pain"],
            "age": 64,
            "sex": "male",
            "main_symptoms": ["weakness"],
        },
        "labs": {},
    },
    {
        "email": "vera@demo.quietlegs.org",
        "first_name": "Vera",
        "last_name": "Orlova",
        "answers": {
            "emergency_signs": ["none"],
            "age": 34,
            "sex": "female",
            "pregnant": False,
            "main_symptoms": ["cramps"],
            **_NO_HISTORY,
        },
        "labs": {},
    },
]

DEMO_STAFF: list[dict[str, str]] = [
    {
        "email": "dr.ivanova@demo.quietlegs.org",
        "first_name": "Elena",
        "last_name": "Ivanova",
        "role": "clinic_admin",
    },
    {
        "email": "dr.petrov@demo.quietlegs.org",
        "first_name": "Pavel",
        "last_name": "Petrov",
        "role": "clinician",
    },
    {
        "email": "reception@demo.quietlegs.org",
        "first_name": "Olga",
        "last_name": "Sokolova",
        "role": "reception",
    },
]


def _logins_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-logins.txt"


def load_demo_data() -> list[tuple[str, str, str]] | None:
    """Create the demo clinic and people if the database has no clinic yet.

    Returns
    -------
    logins : list of (role, e-mail, password) or None
        The demo logins, or None when the database already had data.
    """
    if Clinic.objects.exists():
        return None
    logins: list[tuple[str, str, str]] = []
    with transaction.atomic():
        clinic = Clinic.objects.create(
            name="Health Energy (demo)", slug="demo", emergency_number="103"
        )
        for staff in DEMO_STAFF:
            password = secrets.token_urlsafe(9)
            User.objects.create_user(
                username=staff["email"],
                email=staff["email"],
                password=password,
                first_name=staff["first_name"],
                last_name=staff["last_name"],
                role=staff["role"],
                clinic=clinic,
            )
            logins.append((staff["role"], staff["email"], password))
        for person in DEMO_PATIENTS:
            answers: dict[str, Any] = person["answers"]
            labs: dict[str, float] = person["labs"]
            password = secrets.token_urlsafe(9)
            patient = User.objects.create_user(
                username=person["email"],
                email=person["email"],
                password=password,
                first_name=person["first_name"],
                last_name=person["last_name"],
                role=User.Role.PATIENT,
                clinic=clinic,
            )
            PatientProfile.objects.create(
                user=patient,
                answers={k: answers[k] for k in PROFILE_QUESTIONS if k in answers},
            )
            first = Assessment.create_from_answers(answers, patient=patient, created_by=patient)
            for question_id, value in labs.items():
                LabResult.objects.create(
                    patient=patient,
                    question_id=question_id,
                    value=value,
                    measured_on=first.created_at.date(),
                )
            if labs:
                Assessment.create_from_answers(
                    {**answers, **labs},
                    patient=patient,
                    source=Assessment.Source.CLINICIAN,
                    based_on=first,
                )
            logins.append(("patient", person["email"], password))
            if person.get("diary"):  # nine weeks of diary showing augmentation
                add_demo_diary(patient, User.objects.filter(role=User.Role.CLINICIAN).first())
        _order_demo_work_up(clinic)
        load_demo_schedule(clinic)
    path = _logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{r}\t{e}\t{p}\n" for r, e, p in logins), encoding="utf-8")
    path.chmod(0o600)
    return logins


def _order_demo_work_up(clinic: Clinic) -> None:
    """Order what each demo patient's latest assessment recommends (by the demo clinician)."""
    from quietlegs.web.orders.services import order_recommendations

    doctor = User.objects.get(clinic=clinic, role=User.Role.CLINICIAN)
    for patient in User.objects.filter(clinic=clinic, role=User.Role.PATIENT):
        latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
        if latest is not None and latest.reports["en"]["tests"] + latest.reports["en"]["referrals"]:
            order_recommendations(None, patient, doctor, latest)


def saved_logins() -> list[tuple[str, str, str]]:
    """The demo logins written on the first run (empty if there are none)."""
    path = _logins_file()
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r[0], r[1], r[2]) for r in rows if len(r) == 3]
