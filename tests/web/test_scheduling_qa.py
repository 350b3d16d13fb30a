"""Defects found by QA in the appointment book, each pinned by a test: refusals on the
confirm page (no 500), the booking horizon, Russian month names, waitlist dates, and weekly
hours that end when they start."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from quietlegs.scheduling import SchedulingError, WeeklyWindow
from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import (
    Appointment,
    Availability,
    AvailabilityException,
    ClinicRules,
    VisitType,
    WaitlistEntry,
)
from tests.web.schedtools import freeze, slot_key
from tests.web.webtools import login, make_user

pytestmark = pytest.mark.django_db

# the clock reads Monday 3 June 2030, 08:00 Moscow (schedtools.NOW); the default horizon is
# 60 days, so Friday 2 August is the last bookable day and Monday 5 August is beyond it
TUE_10 = datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
LAST_DAY_09 = datetime(2030, 8, 2, 6, 0, tzinfo=UTC)
BEYOND_09 = datetime(2030, 8, 5, 6, 0, tzinfo=UTC)
HORIZON_MESSAGE = "too far ahead: appointments can be booked up to 60 days ahead"


@pytest.fixture(autouse=True)
def web_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    freeze(monkeypatch)


def _book(client: Client, key: str, **extra: Any) -> Any:
    data = {"slot": key, "request_key": str(uuid.uuid4()), **extra}
    return client.post("/appointments/book/confirm/", data)


def _booked(patient: User, clinician: User, consult: VisitType, start: datetime) -> Appointment:
    return services.book(
        None, patient=patient, slot_key=slot_key(clinician, consult, start), booked_by=patient
    ).appointment


# --- 1. the confirm page shows a refusal instead of crashing ------------------------------


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("x", "This appointment time does not exist."),
        ("past", "in the past or too soon to book"),
        ("taken", "just been taken or is no longer available"),
    ],
)
def test_the_confirm_page_explains_a_garbled_past_or_taken_slot(
    routine_patient: User,
    clinic: Clinic,
    clinician: User,
    consult: VisitType,
    when: str,
    message: str,
) -> None:
    if when == "taken":
        other = make_user("second@example.org", clinic=clinic)
        _booked(other, clinician, consult, TUE_10)
        key = slot_key(clinician, consult, TUE_10)
    elif when == "past":
        key = slot_key(clinician, consult, datetime(2030, 5, 31, 6, tzinfo=UTC))
    else:
        key = "x"
    before = Appointment.objects.count()
    response = login(routine_patient).get("/appointments/book/confirm/", {"slot": key})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'role="alert"' in html
    assert "Book this time" not in html  # no form to post
    assert Appointment.objects.count() == before


# --- 2. the booking horizon ---------------------------------------------------------------


def test_resolve_slot_refuses_a_time_beyond_the_horizon(
    clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    assert services.resolve_slot(
        clinic, slot_key(clinician, consult, LAST_DAY_09), not_before=None
    ).start == (LAST_DAY_09)
    with pytest.raises(ValidationError, match=HORIZON_MESSAGE) as caught:
        services.resolve_slot(clinic, slot_key(clinician, consult, BEYOND_09), not_before=None)
    assert caught.value.code == "horizon"
    rules = ClinicRules.for_clinic(clinic)
    rules.horizon_days = 90
    rules.save()
    assert services.resolve_slot(
        clinic, slot_key(clinician, consult, BEYOND_09), not_before=None
    ).start == (BEYOND_09)


@pytest.mark.parametrize("key", ["{c}-{v}-29991127T0700Z", "beyond"])
def test_a_patient_cannot_book_beyond_the_horizon(
    routine_patient: User, clinician: User, consult: VisitType, key: str
) -> None:
    if key == "beyond":
        key = slot_key(clinician, consult, BEYOND_09)
    key = key.format(c=clinician.pk, v=consult.pk)
    client = login(routine_patient)
    page = client.get("/appointments/book/confirm/", {"slot": key})
    assert page.status_code == 400
    assert HORIZON_MESSAGE in page.content.decode()
    response = _book(client, key)
    assert response.status_code == 400
    assert HORIZON_MESSAGE in response.content.decode()
    assert not Appointment.objects.exists()
    # the last day of the horizon is still bookable
    assert _book(client, slot_key(clinician, consult, LAST_DAY_09)).status_code == 302


def test_reception_cannot_book_beyond_the_horizon_nor_sees_free_times_there(
    reception: User, patient: User, clinician: User, consult: VisitType
) -> None:
    client = login(reception)
    key = slot_key(clinician, consult, BEYOND_09)
    data = {"slot": key, "patient": patient.pk, "request_key": str(uuid.uuid4())}
    response = client.post("/appointments/reception/book/", data)
    assert response.status_code == 400
    assert HORIZON_MESSAGE in response.content.decode()
    assert not Appointment.objects.exists()
    beyond = client.get("/appointments/reception/", {"date": "2030-08-05"}).content.decode()
    assert key not in beyond
    last = client.get("/appointments/reception/", {"date": "2030-08-02"}).content.decode()
    assert slot_key(clinician, consult, LAST_DAY_09) in last


def test_a_reschedule_beyond_the_horizon_is_refused_and_the_old_visit_stays(
    routine_patient: User, reception: User, clinician: User, consult: VisitType
) -> None:
    old = _booked(routine_patient, clinician, consult, TUE_10)
    key = slot_key(clinician, consult, BEYOND_09)
    refused = _book(login(routine_patient), key, replaces=old.pk)
    assert refused.status_code == 400
    assert HORIZON_MESSAGE in refused.content.decode()
    with pytest.raises(ValidationError, match=HORIZON_MESSAGE):
        services.reschedule(None, old, key, by=reception, by_patient=False)
    old.refresh_from_db()
    assert old.status == "booked"
    assert Appointment.objects.count() == 1


# --- 3. Russian month names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["вторник, 4 июня 2030, 10:00"]),
        ("en", ["Tuesday, 4 June 2030, 10:00"]),
    ],
)
def test_appointment_dates_read_grammatically(
    routine_patient: User,
    reception: User,
    clinician: User,
    consult: VisitType,
    language: str,
    expected: list[str],
) -> None:
    key = slot_key(clinician, consult, TUE_10)
    client = login(routine_patient)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    confirm = client.get("/appointments/book/confirm/", {"slot": key}).content.decode()
    assert expected[0] in confirm
    slots = client.get(f"/appointments/book/{consult.pk}/").content.decode()
    if language == "ru":
        assert "вторник, 4 июня" in slots
        assert "с 3 июня по 9 июня" in slots
        assert "Июнь" not in slots
        assert "июнь" not in slots
    else:
        assert "Tuesday, 4 June" in slots
    desk = login(reception)
    desk.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    book = desk.get("/appointments/reception/book/", {"slot": key}).content.decode()
    assert expected[0] in book
    visit = _booked(routine_patient, clinician, consult, TUE_10)
    detail = client.get(f"/appointments/{visit.pk}/").content.decode()
    assert expected[0] in detail


# --- 4. waitlist dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earliest", "latest", "field"),
    [
        ("1900-01-01", "", "earliest"),
        ("", "3000-01-01", "latest"),
        ("2030-06-02", "", "earliest"),  # yesterday
        ("", "2030-08-03", "latest"),  # one day beyond the horizon
    ],
)
def test_the_waitlist_refuses_days_outside_today_to_the_horizon(
    reception: User, patient: User, consult: VisitType, earliest: str, latest: str, field: str
) -> None:
    response = login(reception).post(
        "/appointments/reception/waitlist/",
        {
            "wait-patient": patient.pk,
            "wait-visit_type": consult.pk,
            "wait-earliest": earliest,
            "wait-latest": latest,
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field] == [
        "Enter a day from today (2030-06-03) to 2030-08-02: appointments are booked up to "
        "60 days ahead."
    ]
    assert not WaitlistEntry.objects.exists()


def test_the_waitlist_accepts_today_to_the_last_day(
    reception: User, patient: User, consult: VisitType
) -> None:
    response = login(reception).post(
        "/appointments/reception/waitlist/",
        {
            "wait-patient": patient.pk,
            "wait-visit_type": consult.pk,
            "wait-earliest": "2030-06-03",
            "wait-latest": "2030-08-02",
        },
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.earliest, entry.latest) == (date(2030, 6, 3), date(2030, 8, 2))


# --- 5. hours that end when they start --------------------------------------------------------


def test_hours_that_end_when_they_start_get_their_own_message(
    clinic_admin: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    client = login(clinic_admin)
    before = Availability.objects.count()
    response = client.post(
        "/appointments/setup/hours/",
        {
            "hours-clinician": clinician.pk,
            "hours-visit_type": consult.pk,
            "hours-weekday": 5,
            "hours-start_time": "10:00",
            "hours-end_time": "10:00",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The hours must end after they start (10:00–10:00)" in html
    assert "overlap" not in html
    assert "10:00:00" not in html
    assert Availability.objects.count() == before


def test_a_closure_that_ends_when_it_starts_gets_the_same_message(
    clinic_admin: User, clinician: User, consult: VisitType
) -> None:
    response = login(clinic_admin).post(
        "/appointments/setup/exceptions/",
        {
            "exc-kind": "closed",
            "exc-clinician": clinician.pk,
            "exc-first_day": "2030-06-10",
            "exc-last_day": "2030-06-10",
            "exc-start_time": "10:00",
            "exc-end_time": "10:00",
        },
    )
    assert response.status_code == 400
    assert "The hours must end after they start (10:00–10:00)" in response.content.decode()
    assert not AvailabilityException.objects.exists()


def test_the_core_names_equal_times_as_hh_mm() -> None:
    with pytest.raises(SchedulingError, match=r"must end at another time .*; got 10:00–10:00$"):
        WeeklyWindow(clinician=1, visit_type=1, weekday=0, start=time(10), end=time(10))
