"""Dates and times in the clinic's time zone; sample dates that cannot be right."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary.models import DiaryEntry
from quietlegs.web.middleware import clinic_time_zone
from quietlegs.web.records import services as records
from quietlegs.web.scheduling.models import ClinicRules
from tests.web.webtools import RLS_ANSWERS, login, pin_now

pytestmark = pytest.mark.django_db

#: 23:04 UTC on 25 November is 02:04 on 26 November in Moscow (UTC+3).
LATE_EVENING_UTC = datetime.datetime(2026, 11, 25, 23, 4, tzinfo=datetime.UTC)
#: 02:00 UTC on 4 June 2030 is 22:00 on 3 June in New York (UTC-4 in summer).
NEW_YORK_EVENING = datetime.datetime(2030, 6, 4, 2, 0, tzinfo=datetime.UTC)


def test_pages_show_the_clinics_time_zone(clinic: Clinic, patient: User, settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    rules = ClinicRules.for_clinic(clinic)
    rules.time_zone = "Europe/Moscow"
    rules.save()
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    Assessment.objects.filter(pk=assessment.pk).update(created_at=LATE_EVENING_UTC)
    html = login(patient).get("/accounts/").content.decode()
    assert "26 November 2026, 02:04" in html
    assert "25 November 2026" not in html
    assert timezone.get_current_timezone_name() == "UTC"  # not left active after the request


def test_no_clinic_or_no_rules_keeps_the_default(clinic: Clinic, patient: User) -> None:
    ClinicRules.objects.filter(clinic=clinic).delete()
    assert clinic_time_zone(patient) is None
    ClinicRules.objects.create(clinic=clinic, time_zone="Europe/Berlin")
    zone = clinic_time_zone(patient)
    assert zone is not None
    assert zone.key == "Europe/Berlin"
    patient.clinic = None
    assert clinic_time_zone(patient) is None


def test_sample_dates_before_1970_or_in_the_future_are_refused() -> None:
    records.check_sample_date(datetime.date(1970, 1, 1))
    with pytest.raises(ValidationError, match="cannot be before 1970-01-01"):
        records.check_sample_date(datetime.date(1800, 1, 1))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        records.check_sample_date(timezone.localdate() + datetime.timedelta(days=1))


def test_an_api_token_gets_the_clinics_today(
    clinic: Clinic, patient: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token is read after the middleware has run: its owner's clinic zone must be
    activated then, or the diary API and the FHIR download took today in UTC."""
    settings.TIME_ZONE = "UTC"
    settings.API_USER_RATE = ""
    ClinicRules.objects.create(clinic=clinic, time_zone="America/New_York")
    pin_now(monkeypatch, NEW_YORK_EVENING)
    _, secret = ApiToken.issue(patient)
    client, headers = Client(), {"Authorization": f"Bearer {secret}"}
    night = {"severity": 4, "onset": "22:00", "body_parts": ["legs"]}
    response = client.post(
        "/api/v1/me/diary/entries",
        {"day": "2030-06-04", **night},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["msg"] == (
        "day 2030-06-04 is in the future (today is 2030-06-03); an entry is about a night "
        "that has begun"
    )
    assert timezone.get_current_timezone_name() == "UTC"  # not left active after the request
    response = client.post(
        "/api/v1/me/diary/entries",
        {"day": "2030-06-03", **night},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    assert list(DiaryEntry.objects.values_list("day", flat=True)) == [datetime.date(2030, 6, 3)]
    response = client.get(f"/fhir/Patient/{patient.pk}/$everything?download=1", headers=headers)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="quietlegs-fhir-{patient.pk}-2030-06-03.json"'
    )
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_data_download_is_named_by_the_clinics_date(
    clinic: Clinic, patient: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TIME_ZONE = "UTC"
    ClinicRules.objects.create(clinic=clinic, time_zone="Europe/Moscow")
    pin_now(monkeypatch, LATE_EVENING_UTC)
    response = login(patient).get("/accounts/export/")
    assert response["Content-Disposition"] == (
        'attachment; filename="quietlegs-data-2026-11-26.json"'
    )
