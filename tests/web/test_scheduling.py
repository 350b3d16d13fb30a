"""The appointment book through its pages: booking gated by urgency, cancelling,
rescheduling, reception, waitlist offers, set-up; and every refusal changes nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import (
    Appointment,
    Availability,
    AvailabilityException,
    VisitType,
    WaitlistEntry,
)
from tests.web.schedtools import (
    EMERGENCY_ANSWERS,
    ROUTINE_ANSWERS,
    URGENT_ANSWERS,
    assess,
    freeze,
    open_hours,
    slot_key,
)
from tests.web.webtools import login, make_user

pytestmark = pytest.mark.django_db

MON_09 = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)  # 09:00 Moscow
MON_10 = datetime(2030, 6, 3, 7, 0, tzinfo=UTC)
TUE_10 = datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
TUE_11 = datetime(2030, 6, 4, 8, 0, tzinfo=UTC)
WED_10 = datetime(2030, 6, 5, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def web_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    freeze(monkeypatch)


def _confirm_page(client: Client, key: str) -> tuple[int, str, str]:
    response = client.get("/appointments/book/confirm/", {"slot": key})
    html = response.content.decode()
    found = re.search(r'name="request_key" value="([0-9a-f-]+)"', html)
    return response.status_code, html, found.group(1) if found else ""


def _book(client: Client, key: str, request_key: str | None = None, **extra: Any) -> Any:
    data = {"slot": key, "request_key": request_key or str(uuid.uuid4()), **extra}
    return client.post("/appointments/book/confirm/", data)


# --- set-up ----------------------------------------------------------------------------------


def test_every_clinic_starts_with_the_six_visit_types(clinic: Clinic) -> None:
    codes = set(VisitType.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert codes == set(VisitType.Code.values)
    psg = VisitType.objects.get(clinic=clinic, code="psg_study")
    assert (psg.duration_min, psg.resource_kind, psg.patients_may_book) == (600, "psg_bed", False)


def test_free_slots_follow_the_hours_in_the_clinics_time_zone(
    clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    monday = date(2030, 6, 3)
    slots = services.free_slots(clinic, monday, monday)
    assert [s.start for s in slots] == [MON_09 + timedelta(hours=h) for h in range(4)]


# --- a patient books ----------------------------------------------------------------------


def test_a_routine_patient_books_the_calendar_way_and_it_is_audited(
    routine_patient: User, clinician: User, consult: VisitType
) -> None:
    client = login(routine_patient)
    page = client.get("/appointments/book/").content.decode()
    assert "First consultation" in page
    assert "EMG study" not in page  # booked by the clinic, not online
    slots_page = client.get(f"/appointments/book/{consult.pk}/").content.decode()
    assert "Earliest times" not in slots_page
    key = slot_key(clinician, consult, MON_10)  # 09:00 is within the 2-hour lead
    assert key in slots_page
    assert slot_key(clinician, consult, MON_09) not in slots_page
    status, html, request_key = _confirm_page(client, key)
    assert status == 200
    assert "Book this time" in html
    assert "Monday, 3 June 2030, 10:00" in html  # Moscow time, not UTC
    response = _book(client, key, request_key, reason="legs at night")
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/"
    assert (appointment.start, appointment.end) == (MON_10, MON_10 + timedelta(minutes=45))
    assert (appointment.patient, appointment.clinician) == (routine_patient, clinician)
    assert (appointment.urgency, appointment.reason) == ("routine", "legs at night")
    assert AuditEvent.objects.filter(
        action="create", object_type="appointment", patient=routine_patient
    ).exists()
    mine = client.get("/appointments/").content.decode()
    assert "First consultation" in mine
    assert AuditEvent.objects.filter(object_type="appointments", patient=routine_patient).exists()


def test_the_same_post_twice_books_once(
    routine_patient: User, clinician: User, consult: VisitType
) -> None:
    client = login(routine_patient)
    key = slot_key(clinician, consult, TUE_10)
    token = str(uuid.uuid4())
    first = _book(client, key, token)
    second = _book(client, key, token)
    assert Appointment.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("garbage", "does not exist"),
        ("1-2-20300603T0700", "does not exist"),
        ("{c}-{v}-20300604T0705Z", "does not exist"),  # off the grid
        ("{c}-{v}-20300608T0700Z", "does not exist"),  # a Saturday: no hours
        ("{c}-{v}-20300602T0700Z", "in the past"),  # yesterday
        ("{c}-{v}-20300603T0600Z", "in the past"),  # today 09:00: inside the lead time
        ("{c}-999999-20300604T0700Z", "does not exist"),
        ("999999-{v}-20300604T0700Z", "does not exist"),
    ],
)
def test_forged_and_past_slots_are_refused_and_nothing_is_booked(
    routine_patient: User, clinician: User, consult: VisitType, key: str, message: str
) -> None:
    key = key.format(c=clinician.pk, v=consult.pk)
    response = _book(login(routine_patient), key)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_another_clinics_clinician_is_not_bookable(
    routine_patient: User, other_clinic: Clinic, consult: VisitType
) -> None:
    stranger = make_user("far@example.org", role="clinician", clinic=other_clinic)
    theirs = open_hours(other_clinic, stranger)
    response = _book(login(routine_patient), slot_key(stranger, theirs, TUE_10))
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_taken_time_is_refused_with_a_clear_message(
    routine_patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    key = slot_key(clinician, consult, TUE_10)
    assert _book(login(routine_patient), key).status_code == 302
    other = make_user("second@example.org", clinic=clinic)
    assess(other, ROUTINE_ANSWERS)
    response = _book(login(other), key)
    assert response.status_code == 400
    assert "just been taken or is no longer available" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_visit_type_patients_may_not_book_is_refused(
    routine_patient: User, clinic: Clinic, clinician: User
) -> None:
    emg = open_hours(clinic, clinician, code="emg_study", weekdays=(5,))
    response = _book(
        login(routine_patient), slot_key(clinician, emg, datetime(2030, 6, 8, 6, tzinfo=UTC))
    )
    assert response.status_code == 400
    assert not Appointment.objects.exists()
    assert login(routine_patient).get(f"/appointments/book/{emg.pk}/").status_code == 404


def test_a_patient_without_an_assessment_is_asked_to_take_it(
    patient: User, consult: VisitType
) -> None:
    page = login(patient).get("/appointments/book/").content.decode()
    assert "Start the assessment" in page


# --- gating by urgency ------------------------------------------------------------------------


def test_an_emergency_gets_the_emergency_screen_and_no_calendar(
    patient: User, clinician: User, consult: VisitType
) -> None:
    assess(patient, EMERGENCY_ANSWERS)
    client = login(patient)
    for url in ("/appointments/book/", f"/appointments/book/{consult.pk}/"):
        html = client.get(url).content.decode()
        assert "This may be an emergency" in html
        assert "Call 103 now" in html  # the clinic's number
        assert slot_key(clinician, consult, TUE_10) not in html
    response = _book(client, slot_key(clinician, consult, TUE_10))
    assert "This may be an emergency" in response.content.decode()
    assert not Appointment.objects.exists()


def test_urgent_goes_straight_to_the_earliest_times(
    patient: User, clinician: User, consult: VisitType
) -> None:
    assess(patient, URGENT_ANSWERS)
    client = login(patient)
    response = client.get("/appointments/book/")
    assert response["Location"] == f"/appointments/book/{consult.pk}/"
    html = client.get(response["Location"]).content.decode()
    earliest = html[html.index("Earliest times") : html.index("calendar-heading")]
    keys = re.findall(r"slot=([0-9TZ-]+)", earliest)
    assert keys[:3] == [
        slot_key(clinician, consult, MON_10),
        slot_key(clinician, consult, MON_10 + timedelta(hours=1)),
        slot_key(clinician, consult, MON_10 + timedelta(hours=2)),
    ]
    assert "Go to urgent care" not in html


def test_urgent_with_nothing_within_48_hours_is_sent_to_urgent_care(
    patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    assess(patient, URGENT_ANSWERS)
    AvailabilityException.objects.create(
        clinic=clinic, first_day=date(2030, 6, 3), last_day=date(2030, 6, 5), reason="congress"
    )
    html = login(patient).get(f"/appointments/book/{consult.pk}/").content.decode()
    assert "Go to urgent care" in html
    assert "Earliest times" not in html
    # the later times stay bookable as a follow-up
    assert slot_key(clinician, consult, datetime(2030, 6, 6, 6, tzinfo=UTC)) in html


# --- cancel and reschedule --------------------------------------------------------------------


def _booked(patient: User, clinician: User, consult: VisitType, start: datetime) -> Appointment:
    return services.book(
        None, patient=patient, slot_key=slot_key(clinician, consult, start), booked_by=patient
    ).appointment


def test_cancel_respects_the_notice_and_frees_the_time(
    routine_patient: User, clinician: User, consult: VisitType
) -> None:
    soon = _booked(routine_patient, clinician, consult, MON_10)
    later = _booked(routine_patient, clinician, consult, TUE_10)
    client = login(routine_patient)
    assert "please call the clinic" in client.get(f"/appointments/{soon.pk}/").content.decode()
    client.post(f"/appointments/{soon.pk}/cancel/")
    soon.refresh_from_db()
    assert soon.status == "booked"
    client.post(f"/appointments/{later.pk}/cancel/")
    later.refresh_from_db()
    assert later.status == "cancelled"
    assert slot_key(clinician, consult, TUE_10) in {
        s.key for s in services.free_slots(later.clinic, date(2030, 6, 4), date(2030, 6, 4))
    }
    # cancelling twice: a clear message, nothing changes
    response = client.post(f"/appointments/{later.pk}/cancel/", follow=True)
    assert "is cancelled and cannot be changed" in response.content.decode()


def test_another_patients_appointment_is_a_404_and_unchanged(
    routine_patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    theirs = _booked(routine_patient, clinician, consult, TUE_10)
    intruder = make_user("nosy@example.org", clinic=clinic)
    client = login(intruder)
    assert client.get(f"/appointments/{theirs.pk}/").status_code == 404
    assert client.post(f"/appointments/{theirs.pk}/cancel/").status_code == 404
    assert client.get(f"/appointments/{theirs.pk}/reschedule/").status_code == 404
    assert client.get("/appointments/book/confirm/", {"replaces": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_reschedule_moves_the_appointment_all_or_nothing(
    routine_patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    old = _booked(routine_patient, clinician, consult, TUE_10)
    client = login(routine_patient)
    response = client.get(f"/appointments/{old.pk}/reschedule/")
    assert response["Location"] == f"/appointments/book/{consult.pk}/?replaces={old.pk}"
    # a taken time: refused, the old appointment stays
    other = make_user("second@example.org", clinic=clinic)
    _booked(other, clinician, consult, WED_10)
    refused = _book(client, slot_key(clinician, consult, WED_10), replaces=old.pk)
    assert refused.status_code == 400
    old.refresh_from_db()
    assert old.status == "booked"
    # a move keeps the kind of visit: a forged key of another visit type is refused
    follow_up = open_hours(clinic, clinician, code="follow_up", weekdays=(5,))
    sat = datetime(2030, 6, 8, 6, tzinfo=UTC)
    forged = _book(client, slot_key(clinician, follow_up, sat), replaces=old.pk)
    assert forged.status_code == 400
    assert Appointment.objects.filter(visit_type=follow_up).count() == 0
    moved = _book(client, slot_key(clinician, consult, TUE_11), replaces=old.pk)
    assert moved.status_code == 302
    old.refresh_from_db()
    new = Appointment.objects.get(rescheduled_from=old)
    assert (old.status, new.status, new.start) == ("cancelled", "booked", TUE_11)


# --- reception ------------------------------------------------------------------------------


def test_reception_sees_the_book_but_no_clinical_record(
    reception: User, routine_patient: User, clinician: User, consult: VisitType
) -> None:
    _booked(routine_patient, clinician, consult, MON_10)
    client = login(reception)
    html = client.get("/appointments/reception/", {"date": "2030-06-03"}).content.decode()
    assert routine_patient.display_name() in html
    assert "Free times" in html
    assert client.get("/clinic/").status_code == 404
    assert client.get(f"/clinic/patients/{routine_patient.pk}/").status_code == 404
    assert client.get("/accounts/")["Location"] == "/appointments/reception/"
    assert AuditEvent.objects.filter(
        object_type="appointment_book", patient=routine_patient, actor=reception
    ).exists()


def test_reception_books_for_a_patient_found_by_phone(
    reception: User, patient: User, clinician: User, consult: VisitType
) -> None:
    patient.phone = "+7 495 123-45-67"
    patient.save()
    client = login(reception)
    key = slot_key(clinician, consult, MON_09 + timedelta(hours=1))
    page = client.get("/appointments/reception/book/", {"slot": key, "q": "123-45"})
    assert patient.display_name() in page.content.decode()
    token = str(uuid.uuid4())
    data = {"slot": key, "patient": patient.pk, "request_key": token}
    assert client.post("/appointments/reception/book/", data).status_code == 302
    assert client.post("/appointments/reception/book/", data).status_code == 302  # double submit
    appointment = Appointment.objects.get()
    assert (appointment.channel, appointment.booked_by) == ("reception", reception)


def test_reception_is_warned_of_an_emergency_or_urgent_latest_check(
    reception: User, patient: User, clinician: User, consult: VisitType, clinic: Clinic
) -> None:
    urgent = make_user("urgent@example.org", clinic=clinic)
    routine = make_user("routine@example.org", clinic=clinic)
    assess(patient, ROUTINE_ANSWERS)
    assess(patient, EMERGENCY_ANSWERS)  # the latest one counts
    assess(urgent, URGENT_ANSWERS)
    assess(routine, EMERGENCY_ANSWERS)
    assess(routine, ROUTINE_ANSWERS)
    assert services.reception_flags([patient, urgent, routine]) == {
        patient.pk: "emergency",
        urgent.pk: "urgent",
    }
    client = login(reception)
    key = slot_key(clinician, consult, MON_09 + timedelta(hours=1))
    html = client.get("/appointments/reception/book/", {"slot": key, "q": "example.org"})
    text = html.content.decode()
    assert text.count('class="emergency urgency-flag"') == 2
    assert "they need emergency services now (not an appointment)" in text
    assert "offer the earliest time" in text
    # the booking goes through (reception may book a follow-up), with the warning shown
    data = {"slot": key, "patient": patient.pk, "request_key": str(uuid.uuid4())}
    booked = client.post("/appointments/reception/book/", data, follow=True)
    assert "they need emergency services now" in booked.content.decode()
    # reception learns the urgency only, never the assessment
    assert "Restless legs" not in text


def test_reception_adds_a_walk_in_patient_only_if_the_booking_succeeds(
    reception: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    client = login(reception)
    new = {
        "new-first_name": "Walk",
        "new-last_name": "In",
        "new-email": "walkin@example.org",
        "new-phone": "+7 900 000-00-00",
        "request_key": str(uuid.uuid4()),
    }
    past = slot_key(clinician, consult, datetime(2030, 6, 2, 6, tzinfo=UTC))
    refused = client.post("/appointments/reception/book/", {**new, "slot": past})
    assert refused.status_code == 400
    assert not User.objects.filter(email="walkin@example.org").exists()
    key = slot_key(clinician, consult, MON_10)
    assert client.post("/appointments/reception/book/", {**new, "slot": key}).status_code == 302
    walk_in = User.objects.get(email="walkin@example.org")
    assert (walk_in.role, walk_in.clinic, walk_in.has_usable_password()) == (
        "patient",
        clinic,
        False,
    )
    assert Appointment.objects.get().patient == walk_in


def test_reception_cannot_book_another_clinics_patient(
    reception: User, other_patient: User, clinician: User, consult: VisitType
) -> None:
    data = {
        "slot": slot_key(clinician, consult, MON_10),
        "patient": other_patient.pk,
        "request_key": str(uuid.uuid4()),
    }
    assert login(reception).post("/appointments/reception/book/", data).status_code == 404
    assert not Appointment.objects.exists()


def test_no_show_frees_the_time_and_the_first_waitlisted_patient_is_offered_it(
    reception: User,
    clinic: Clinic,
    routine_patient: User,
    clinician: User,
    consult: VisitType,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    visit = _booked(routine_patient, clinician, consult, MON_10)
    first = make_user("first@example.org", clinic=clinic)
    second = make_user("second@example.org", clinic=clinic)
    client = login(reception)
    for person in (first, second):
        response = client.post(
            "/appointments/reception/waitlist/",
            {"wait-patient": person.pk, "wait-visit_type": consult.pk},
        )
        assert response.status_code == 302
    # not before the visit starts
    client.post(f"/appointments/reception/{visit.pk}/status/", {"status": "no_show"})
    visit.refresh_from_db()
    assert visit.status == "booked"
    freeze(monkeypatch, MON_10 + timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/appointments/reception/{visit.pk}/status/", {"status": "no_show"})
    visit.refresh_from_db()
    assert visit.status == "no_show"
    assert [m.to for m in mail.outbox] == [["first@example.org"]]
    link = re.search(r"http://\S+/appointments/offer/\S+/", str(mail.outbox[0].body))
    assert link is not None
    path = link.group(0).split("8000", 1)[1]
    offer_page = Client().get(path)
    assert offer_page.status_code == 200
    booked = Client().post(path, {"request_key": str(uuid.uuid4())})
    assert "is booked for" in booked.content.decode()
    taken = Appointment.objects.get(patient=first)
    assert (taken.start, taken.channel, taken.status) == (MON_10, "waitlist", "booked")
    assert WaitlistEntry.objects.get(patient=first).status == "booked"
    used = Client().get(path)  # used: says so
    assert used.status_code == 410
    assert "You booked this time" in used.content.decode()
    assert Client().get(path[:-3] + "xx/").status_code == 404  # forged


def test_status_changes_follow_the_visit(
    reception: User, routine_patient: User, clinician: User, consult: VisitType
) -> None:
    visit = _booked(routine_patient, clinician, consult, TUE_10)
    client = login(reception)
    client.post(f"/appointments/reception/{visit.pk}/status/", {"status": "completed"})
    visit.refresh_from_db()
    assert visit.status == "booked"  # not completed before the patient arrived
    client.post(f"/appointments/reception/{visit.pk}/status/", {"status": "arrived"})
    visit.refresh_from_db()
    assert visit.status == "arrived"
    response = client.post(
        f"/appointments/reception/{visit.pk}/status/", {"status": "no_show"}, follow=True
    )
    assert "cannot be marked like that" in response.content.decode()
    client.post(f"/appointments/reception/{visit.pk}/status/", {"status": "bogus"})
    visit.refresh_from_db()
    assert visit.status == "arrived"
    client.post(f"/appointments/reception/{visit.pk}/status/", {"status": "completed"})
    visit.refresh_from_db()
    assert visit.status == "completed"


def test_staff_of_another_clinic_get_404_for_an_appointment(
    routine_patient: User, other_clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    visit = _booked(routine_patient, clinician, consult, TUE_10)
    stranger = make_user("desk2@example.org", role="reception", clinic=other_clinic)
    client = login(stranger)
    assert (
        client.post(
            f"/appointments/reception/{visit.pk}/status/", {"status": "arrived"}
        ).status_code
        == 404
    )
    assert client.post(f"/appointments/reception/{visit.pk}/cancel/").status_code == 404
    visit.refresh_from_db()
    assert visit.status == "booked"


def test_a_clinician_sees_their_day(
    routine_patient: User, clinician: User, consult: VisitType
) -> None:
    _booked(routine_patient, clinician, consult, MON_10)
    html = login(clinician).get("/appointments/day/", {"date": "2030-06-03"}).content.decode()
    assert routine_patient.display_name() in html
    assert f"/clinic/patients/{routine_patient.pk}/" in html


# --- set-up ----------------------------------------------------------------------------------


def test_overlapping_hours_are_refused_and_nothing_is_saved(
    clinic_admin: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    client = login(clinic_admin)
    assert client.get("/appointments/setup/").status_code == 200
    before = Availability.objects.count()
    follow_up = VisitType.objects.get(clinic=clinic, code="follow_up")
    response = client.post(
        "/appointments/setup/hours/",
        {
            "hours-clinician": clinician.pk,
            "hours-visit_type": follow_up.pk,
            "hours-weekday": 0,
            "hours-start_time": "12:00",
            "hours-end_time": "14:00",
        },
    )
    assert response.status_code == 400
    assert "overlap" in response.content.decode()
    assert Availability.objects.count() == before
    response = client.post(
        "/appointments/setup/hours/",
        {
            "hours-clinician": clinician.pk,
            "hours-visit_type": follow_up.pk,
            "hours-weekday": 0,
            "hours-start_time": "14:00",
            "hours-end_time": "16:00",
        },
    )
    assert response.status_code == 302
    assert Availability.objects.count() == before + 1


def test_extra_hours_and_closures_through_the_setup_page(
    clinic_admin: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    client = login(clinic_admin)
    base = {"exc-first_day": "2030-06-08", "exc-last_day": "2030-06-08"}
    extra = {
        **base,
        "exc-kind": "extra",
        "exc-clinician": clinician.pk,
        "exc-visit_type": consult.pk,
        "exc-start_time": "10:00",
        "exc-end_time": "12:00",
    }
    assert client.post("/appointments/setup/exceptions/", extra).status_code == 302
    saturday = date(2030, 6, 8)
    assert len(services.free_slots(clinic, saturday, saturday)) == 2
    bad = {**base, "exc-kind": "closed", "exc-last_day": "2030-06-01"}
    assert client.post("/appointments/setup/exceptions/", bad).status_code == 400
    sick = {**base, "exc-kind": "closed", "exc-clinician": clinician.pk}
    assert client.post("/appointments/setup/exceptions/", sick).status_code == 302
    assert services.free_slots(clinic, saturday, saturday) == []


def test_setup_is_for_the_clinics_admin_only(
    clinician: User, reception: User, patient: User, clinic_admin: User
) -> None:
    for person in (clinician, reception, patient):
        assert login(person).get("/appointments/setup/").status_code == 404


# --- the database refuses double booking -------------------------------------------------------


def test_the_database_refuses_two_active_visits_at_one_start(
    routine_patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    _booked(routine_patient, clinician, consult, TUE_10)
    other = make_user("second@example.org", clinic=clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            clinic=clinic,
            patient=other,
            clinician=clinician,
            visit_type=consult,
            start=TUE_10,
            end=TUE_10 + timedelta(minutes=45),
        )
    # a cancelled visit does not hold its time
    Appointment.objects.update(status="cancelled")
    _booked(other, clinician, consult, TUE_10)


def test_postgresql_also_refuses_overlapping_visits(
    routine_patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only (SQLite: unique + locks)")
    _booked(routine_patient, clinician, consult, TUE_10)
    other = make_user("second@example.org", clinic=clinic)
    with (
        pytest.raises(IntegrityError, match="no_overlapping_visits_per_clinician"),
        transaction.atomic(),
    ):
        Appointment.objects.create(
            clinic=clinic,
            patient=other,
            clinician=clinician,
            visit_type=consult,
            start=TUE_10 + timedelta(minutes=20),
            end=TUE_10 + timedelta(minutes=65),
        )


def test_overnight_hours_in_berlin_across_the_clock_change(clinic: Clinic, clinician: User) -> None:
    from quietlegs.web.scheduling.models import Resource

    psg = open_hours(
        clinic,
        clinician,
        code="psg_study",
        weekdays=(5,),
        start=time(20),
        end=time(8),
        time_zone="Europe/Berlin",
    )
    Resource.objects.create(clinic=clinic, kind="psg_bed", name="Bed 1")
    night = date(2030, 3, 30)  # Saturday; Berlin springs forward on Sunday 31 March 2030
    slots = services.free_slots(clinic, night, night, visit_type=psg)
    assert [(s.start, s.end) for s in slots] == [
        (datetime(2030, 3, 30, 19, tzinfo=UTC), datetime(2030, 3, 31, 5, tzinfo=UTC))
    ]


def test_the_demo_clinic_opens_with_hours_and_devices(settings: Any, tmp_path: Any) -> None:
    from quietlegs.web import demo

    settings.DATA_DIR = tmp_path
    assert demo.load_demo_data() is not None
    clinic = Clinic.objects.get()
    week = services.free_slots(clinic, date(2030, 6, 3), date(2030, 6, 9))
    codes = {VisitType.objects.get(pk=s.visit_type).code for s in week}
    assert codes == {"first_consultation", "follow_up", "psg_study", "emg_study", "physiotherapy"}
    assert User.objects.get(role="reception").clinic == clinic


def test_the_api_lists_only_my_own_appointments(
    routine_patient: User, clinic: Clinic, clinician: User, consult: VisitType
) -> None:
    mine = _booked(routine_patient, clinician, consult, TUE_10)
    other = make_user("second@example.org", clinic=clinic)
    _booked(other, clinician, consult, WED_10)
    response = login(routine_patient).get("/api/v1/me/appointments")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": mine.pk,
            "start": "2030-06-04T07:00:00Z",
            "end": "2030-06-04T07:45:00Z",
            "status": "booked",
            "visit_type": "first_consultation",
            "visit_type_name": "First consultation",
            "clinician": "Doc",
            "clinic": "Clinic One",
        }
    ]
    assert login(clinician).get("/api/v1/me/appointments").status_code == 403
    assert Client().get("/api/v1/me/appointments").status_code == 401
