"""Helpers shared by the web tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.clinics.models import Clinic
from tests.answers import TYPICAL_RLS_ANSWERS

PASSWORD = "correct-horse-battery-staple-42"

RLS_ANSWERS: dict[str, Any] = TYPICAL_RLS_ANSWERS


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
