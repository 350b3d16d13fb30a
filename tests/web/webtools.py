"""Helpers shared by the web tests (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from quietlegs.diary import _clock
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


def pin_now(monkeypatch: pytest.MonkeyPatch, at: dt.datetime) -> None:
    """Make the clock read ``at`` for Django (``timezone.now``, hence ``localdate``) and
    the diary core; the appointment book has its own (tests/web/schedtools.py)."""
    monkeypatch.setattr(timezone, "now", lambda: at)
    monkeypatch.setattr(_clock, "utc_now", lambda: at)
