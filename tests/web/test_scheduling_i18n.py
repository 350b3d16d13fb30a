"""The clinic's set-up pages word the scheduling core's problems in the reader's language,
naming each field as the form labels it (never ``duration_min`` or ``clinician 3``)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling.models import Availability, AvailabilityException, VisitType
from tests.web.webtools import login

pytestmark = pytest.mark.django_db


def in_language(client: Client, lang: str) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def visit_type_post(visit_type: VisitType, **changes: Any) -> dict[str, Any]:
    prefix = f"vt{visit_type.pk}"
    data = {"duration_min": 45, "buffer_min": 15, "resource_kind": "", "patients_may_book": "on",
            "active": "on", **changes}  # fmt: skip
    return {f"{prefix}-{k}": v for k, v in data.items()}


@pytest.mark.parametrize(
    ("lang", "changes", "message"),
    [
        ("en", {"duration_min": 1},
         "Duration (minutes): enter a whole number from 5 to 960; got 1."),
        ("ru", {"duration_min": 1},
         "Длительность (минуты): введите целое число от 5 до 960; указано 1."),
        ("en", {"buffer_min": 300},
         "Buffer after the visit (minutes): enter a whole number from 0 to 240; got 300."),
        ("ru", {"buffer_min": 300},
         "Перерыв после приёма (минуты): введите целое число от 0 до 240; указано 300."),
    ],
)  # fmt: skip
def test_a_visit_type_out_of_range_names_the_field_as_labelled(
    clinic_admin: User, clinic: Clinic, lang: str, changes: dict[str, Any], message: str
) -> None:
    visit_type = VisitType.objects.get(clinic=clinic, code="follow_up")
    client = in_language(login(clinic_admin), lang)
    response = client.post(
        f"/appointments/setup/visit-types/{visit_type.pk}/", visit_type_post(visit_type, **changes)
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    for leak in ("duration_min must", "buffer_min must", " min; got"):
        assert leak not in page
    visit_type.refresh_from_db()
    assert (visit_type.duration_min, visit_type.buffer_min) == (30, 10)


def hours_post(clinician: User, visit_type: VisitType, start: str, end: str) -> dict[str, Any]:
    return {
        "hours-clinician": clinician.pk,
        "hours-visit_type": visit_type.pk,
        "hours-weekday": 0,
        "hours-start_time": start,
        "hours-end_time": end,
    }


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "en",
            "These hours overlap hours already set for this clinician: Monday 09:00–13:00 "
            "(Doc, First consultation) and Monday 12:00–14:00 (Doc, Follow-up visit).",
        ),
        (
            "ru",
            "Эти часы пересекаются с уже заданными часами этого врача: Понедельник 09:00–13:00 "
            "(Doc, Первичная консультация) и Понедельник 12:00–14:00 (Doc, Повторный "
            "приём).",
        ),
    ],
)
def test_overlapping_hours_name_both_in_the_readers_words(
    clinic_admin: User,
    clinic: Clinic,
    clinician: User,
    consult: VisitType,
    lang: str,
    message: str,
) -> None:
    clinician.first_name, clinician.last_name = "Doc", ""
    clinician.save()
    follow_up = VisitType.objects.get(clinic=clinic, code="follow_up")
    before = Availability.objects.count()
    client = in_language(login(clinic_admin), lang)
    response = client.post(
        "/appointments/setup/hours/", hours_post(clinician, follow_up, "12:00", "14:00")
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert f"clinician {clinician.pk}" not in page
    assert Availability.objects.count() == before


def test_extra_hours_over_weekly_hours_are_named_by_day_in_russian(
    clinic_admin: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    client = in_language(login(clinic_admin), "ru")
    response = client.post(
        "/appointments/setup/exceptions/",
        {
            "exc-kind": "extra",
            "exc-clinician": clinician.pk,
            "exc-visit_type": consult.pk,
            "exc-first_day": "2030-06-03",
            "exc-last_day": "2030-06-03",
            "exc-start_time": "12:00",
            "exc-end_time": "15:00",
        },
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "3 июня 2030 г. 12:00–15:00" in page
    assert "Понедельник 09:00–13:00" in page
    assert "extra hours" not in page
    assert not AvailabilityException.objects.exists()
