"""Dates and times in the clinic's time zone; sample dates that cannot be right."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary.models import DiaryEntry
from quietlegs.web.middleware import clinic_time_zone
from quietlegs.web.records import services as records
from quietlegs.web.scheduling.models import ClinicRules
from tests.web.webtools import RLS_ANSWERS, login, make_user, pin_now

pytestmark = pytest.mark.django_db

#: 23:04 UTC on 25 November is 02:04 on 26 November in Moscow (UTC+3).
LATE_EVENING_UTC = datetime.datetime(2026, 11, 25, 23, 4, tzinfo=datetime.UTC)
#: 02:00 UTC on 4 June 2030 is 22:00 on 3 June in New York (UTC-4 in summer).
NEW_YORK_EVENING = datetime.datetime(2030, 6, 4, 2, 0, tzinfo=datetime.UTC)


def _set_zone(clinic: Clinic, name: str) -> None:
    rules = ClinicRules.for_clinic(clinic)  # made with the clinic
    rules.time_zone = name
    rules.save()


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
    ClinicRules.objects.create(clinic=clinic, time_zone="Europe/Berlin")  # forgets the ""
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
    _set_zone(clinic, "America/New_York")
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
    problem = response.json()["detail"][0]
    assert (problem["code"], problem["msg"]) == (
        "day_in_future",
        "day: 2030-06-04 is in the future (today is 2030-06-03)",
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
    _set_zone(clinic, "Europe/Moscow")
    pin_now(monkeypatch, LATE_EVENING_UTC)
    response = login(patient).get("/accounts/export/")
    assert response["Content-Disposition"] == (
        'attachment; filename="quietlegs-data-2026-11-26.json"'
    )


def _zone_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "scheduling_clinicrules" in q["sql"]]


def test_the_zone_is_read_once_per_clinic_and_a_change_shows_on_the_next_request(
    clinic: Clinic, patient: User, settings: Any
) -> None:
    settings.TIME_ZONE = "UTC"
    cache.clear()
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    Assessment.objects.filter(pk=assessment.pk).update(created_at=LATE_EVENING_UTC)
    client = login(patient)
    with CaptureQueriesContext(connection) as first:
        assert "26 November 2026, 02:04" in client.get("/accounts/").content.decode()
    assert len(_zone_queries(first)) == 1  # Europe/Moscow, the default of a new clinic
    with CaptureQueriesContext(connection) as second:
        assert "26 November 2026, 02:04" in client.get("/accounts/").content.decode()
    assert _zone_queries(second) == []
    other = make_user("pat2@example.org", clinic=clinic)  # the same clinic: the same entry
    with CaptureQueriesContext(connection) as third:
        login(other).get("/accounts/")
    assert _zone_queries(third) == []

    rules = ClinicRules.for_clinic(clinic)
    rules.time_zone = "America/New_York"  # UTC-5 in November
    rules.save()
    with CaptureQueriesContext(connection) as changed:
        html = client.get("/accounts/").content.decode()
    assert "25 November 2026, 18:04" in html
    assert len(_zone_queries(changed)) == 1

    ClinicRules.objects.filter(clinic=clinic).delete()
    assert "25 November 2026, 23:04" in client.get("/accounts/").content.decode()  # UTC


def test_the_rules_set_up_page_changes_the_zone_of_the_next_request(
    clinic: Clinic, clinic_admin: User, settings: Any
) -> None:
    settings.TIME_ZONE = "UTC"
    cache.clear()
    client = login(clinic_admin)
    client.get("/accounts/")
    assert clinic_time_zone(clinic_admin) == ZoneInfo("Europe/Moscow")
    data = {
        "rules-time_zone": "Asia/Vladivostok",
        "rules-min_notice_h": 24,
        "rules-min_lead_h": 2,
        "rules-horizon_days": 60,
        "rules-reminder_h": 24,
    }
    assert client.post("/appointments/setup/rules/", data).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        zone = clinic_time_zone(clinic_admin)
    assert zone == ZoneInfo("Asia/Vladivostok")
    assert len(_zone_queries(queries)) == 1
