"""Fixtures for the web app: a clinic, people in every role, logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling.models import VisitType
from tests.web.webtools import make_user


@pytest.fixture
def clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Clinic One", slug="one", emergency_number="103")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Clinic Two", slug="two")


@pytest.fixture
def patient(clinic: Clinic) -> User:
    return make_user("pat@example.org", clinic=clinic)


@pytest.fixture
def other_patient(other_clinic: Clinic) -> User:
    return make_user("other@example.org", clinic=other_clinic)


@pytest.fixture
def clinician(clinic: Clinic) -> User:
    return make_user("doc@example.org", role="clinician", clinic=clinic)


@pytest.fixture
def other_clinician(other_clinic: Clinic) -> User:
    return make_user("doc2@example.org", role="clinician", clinic=other_clinic)


@pytest.fixture
def clinic_admin(clinic: Clinic) -> User:
    return make_user("admin@example.org", role="clinic_admin", clinic=clinic)


@pytest.fixture
def reception(clinic: Clinic) -> User:
    return make_user("desk@example.org", role="reception", clinic=clinic)


@pytest.fixture
def consult(clinic: Clinic, clinician: User) -> VisitType:
    """Weekly hours of first consultations for ``clinician`` (tests/web/schedtools.py)."""
    from tests.web.schedtools import open_hours

    return open_hours(clinic, clinician)


@pytest.fixture
def routine_patient(patient: User) -> User:
    """``patient`` with a routine assessment (online booking is open to them)."""
    from tests.web.schedtools import ROUTINE_ANSWERS, assess

    assert assess(patient, ROUTINE_ANSWERS).urgency == "routine"
    return patient


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """The production hasher costs a third of a second per test user; MD5 is fine in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    """Requests with a Russian cookie activate Russian in this thread; start each test
    in the default language and leave it so (as each request of a server does)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
