"""Dates and times in the clinic's time zone; sample dates that cannot be right."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.middleware import clinic_time_zone
from quietlegs.web.records import services as records
from quietlegs.web.scheduling.models import ClinicRules
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db

#: 23:04 UTC on 25 November is 02:04 on 26 November in Moscow (UTC+3).
LATE_EVENING_UTC = datetime.datetime(2026, 11, 25, 23, 4, tzinfo=datetime.UTC)


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
