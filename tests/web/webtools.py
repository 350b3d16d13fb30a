"""Helpers shared by the web tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.clinics.models import Clinic

PASSWORD = "correct-horse-battery-staple-42"

RLS_ANSWERS: dict[str, Any] = {
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
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}


def make_user(email: str, role: str = "patient", clinic: Clinic | None = None) -> User:
    user = User.objects.create_user(
        username=email,
        email=email,
        password=PASSWORD,
        role=role,
        clinic=clinic,
        first_name=email.split("@")[0].title(),
    )
    if role == User.Role.PATIENT:
        PatientProfile.objects.create(user=user)
    return user


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
