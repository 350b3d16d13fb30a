"""A clinic's scheduling rules come with the clinic; reading them never writes."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.demo import load_demo_data
from quietlegs.web.scheduling.models import Appointment, ClinicRules, VisitType
from tests.web.schedtools import NOW, freeze, slot_key
from tests.web.webtools import login, make_user

pytestmark = pytest.mark.django_db

#: The pages of the appointment book each role opens with a GET.
PATIENT_PAGES = ("/appointments/", "/appointments/book/", "/appointments/book/{consult}/")
STAFF_PAGES = (
    "/appointments/reception/",
    "/appointments/reception/waitlist/",
    "/appointments/reception/book/?slot={slot}",
    "/appointments/day/",
    "/appointments/setup/",
)


def _writes(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote anything other than the audit log."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
        and "audit_auditevent" not in q["sql"]
    ]


def test_a_new_clinic_has_its_rules_with_the_defaults() -> None:
    clinic = Clinic.objects.create(name="New", slug="new")
    rules = ClinicRules.objects.get(clinic=clinic)
    assert (rules.time_zone, rules.min_notice_h, rules.min_lead_h) == ("Europe/Moscow", 24, 2)
    assert (rules.horizon_days, rules.reminder_h) == (60, 24)


def test_a_clinic_added_in_the_admin_has_its_rules() -> None:
    staff = User.objects.create_superuser("root@example.org", "root@example.org", "pw-12345678")
    client = login(staff)
    response = client.post(
        "/admin/clinics/clinic/add/",
        {"name": "Admin Clinic", "slug": "admin-clinic", "emergency_number": "112"},
    )
    assert response.status_code == 302
    clinic = Clinic.objects.get(slug="admin-clinic")
    assert ClinicRules.objects.filter(clinic=clinic).count() == 1


def test_the_demo_clinic_has_its_rules_in_moscow_time() -> None:
    assert load_demo_data() is not None
    rules = ClinicRules.objects.get(clinic__slug="demo")
    assert rules.time_zone == "Europe/Moscow"
    assert ClinicRules.objects.count() == 1


def test_the_migration_gives_every_clinic_without_rules_its_rules() -> None:
    with_rules = Clinic.objects.create(name="Has", slug="has")
    kept = ClinicRules.objects.get(clinic=with_rules)
    kept.time_zone = "Europe/Berlin"
    kept.save()
    without = Clinic.objects.create(name="Lacks", slug="lacks")
    ClinicRules.objects.filter(clinic=without).delete()
    migration = importlib.import_module(
        "quietlegs.web.scheduling.migrations.0003_rules_for_every_clinic"
    )
    migration.add_missing_rules(apps, None)
    assert ClinicRules.objects.get(clinic=without).time_zone == "Europe/Moscow"
    assert ClinicRules.objects.get(clinic=with_rules).time_zone == "Europe/Berlin"
    assert ClinicRules.objects.count() == 2


def test_reading_the_rules_of_a_clinic_without_a_row_writes_nothing(clinic: Clinic) -> None:
    ClinicRules.objects.filter(clinic=clinic).delete()
    fresh = Clinic.objects.get(pk=clinic.pk)
    with CaptureQueriesContext(connection) as queries:
        rules = ClinicRules.for_clinic(fresh)
    assert rules.pk is None  # not stored
    assert (rules.time_zone, rules.horizon_days) == ("Europe/Moscow", 60)
    assert _writes(queries) == []
    assert not ClinicRules.objects.exists()


@pytest.mark.parametrize("row", ["present", "missing"])
def test_a_get_of_the_scheduling_pages_writes_no_rules(
    clinic: Clinic,
    routine_patient: User,
    clinician: User,
    consult: VisitType,
    monkeypatch: pytest.MonkeyPatch,
    row: str,
) -> None:
    freeze(monkeypatch)
    if row == "missing":  # a clinic loaded from a fixture: the old code made the row here
        ClinicRules.objects.filter(clinic=clinic).delete()
    admin = make_user("boss@example.org", role="clinic_admin", clinic=clinic)
    slot = slot_key(clinician, consult, NOW.replace(hour=7))
    visit = Appointment.objects.create(
        clinic=clinic,
        patient=routine_patient,
        clinician=clinician,
        visit_type=consult,
        start=NOW.replace(hour=8),
        end=NOW.replace(hour=8, minute=45),
    )
    pages = [(routine_patient, p.format(consult=consult.pk)) for p in PATIENT_PAGES]
    pages.append((routine_patient, f"/appointments/{visit.pk}/"))
    pages.append((routine_patient, f"/appointments/book/confirm/?slot={slot}"))
    pages += [(admin, p.format(slot=slot)) for p in STAFF_PAGES]
    clients = {person.pk: login(person) for person, _path in pages}
    for person, path in pages:
        with CaptureQueriesContext(connection) as queries:
            response = clients[person.pk].get(path)
        assert response.status_code == 200, path
        assert _writes(queries) == [], path
    assert ClinicRules.objects.filter(clinic=clinic).count() == (1 if row == "present" else 0)


def test_saving_the_set_up_form_stores_rules_that_were_missing(clinic: Clinic) -> None:
    ClinicRules.objects.filter(clinic=clinic).delete()
    admin = make_user("boss@example.org", role="clinic_admin", clinic=clinic)
    data: dict[str, Any] = {
        "rules-time_zone": "Europe/Berlin",
        "rules-min_notice_h": 12,
        "rules-min_lead_h": 1,
        "rules-horizon_days": 30,
        "rules-reminder_h": 6,
    }
    response = login(admin).post("/appointments/setup/rules/", data)
    assert response.status_code == 302
    rules = ClinicRules.objects.get(clinic=clinic)
    assert (rules.time_zone, rules.min_notice_h, rules.horizon_days) == ("Europe/Berlin", 12, 30)


def test_an_unknown_time_zone_on_the_set_up_form_is_an_error_on_the_page(clinic: Clinic) -> None:
    # The form wrote the bad zone into the clinic's cached rules before they were found
    # invalid; the error page read the zone from them and crashed (500).
    admin = make_user("boss@example.org", role="clinic_admin", clinic=clinic)
    before = ClinicRules.objects.get(clinic=clinic).time_zone
    data: dict[str, Any] = {
        "rules-time_zone": "Mars/Olympus",
        "rules-min_notice_h": 12,
        "rules-min_lead_h": 1,
        "rules-horizon_days": 30,
        "rules-reminder_h": 6,
    }
    client = login(admin)
    client.cookies["django_language"] = "ru"
    response = client.post("/appointments/setup/rules/", data)
    assert response.status_code == 400
    assert 'value="Mars/Olympus"' in response.content.decode()
    assert ClinicRules.objects.get(clinic=clinic).time_zone == before
