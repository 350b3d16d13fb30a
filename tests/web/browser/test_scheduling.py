"""Appointments in the browser: a routine patient books and cancels; an urgent patient is
offered the earliest time first; reception marks a no-show and the waitlisted patient
books the freed time from the e-mailed link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import (
    Appointment,
    Availability,
    ClinicRules,
    VisitType,
    WaitlistEntry,
)
from tests.web.browser.browsertools import (
    check_accessibility,
    check_fits_width,
    log_in,
    screenshot,
)
from tests.web.browser.conftest import new_page
from tests.web.schedtools import ROUTINE_ANSWERS, URGENT_ANSWERS, assess, freeze, open_hours
from tests.web.webtools import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def outbox(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _clinic_with_hours() -> tuple[Clinic, Any, VisitType]:
    clinic = Clinic.objects.create(name="Clinic One", slug="one", emergency_number="103")
    doctor = make_user("doc@example.org", role="clinician", clinic=clinic)
    consult = open_hours(clinic, doctor, weekdays=tuple(range(7)), start=time(8), end=time(20))
    return clinic, doctor, consult


def test_a_routine_patient_books_after_the_assessment_and_cancels(
    page: Page, live_server: LiveServer
) -> None:
    _clinic, doctor, _consult = _clinic_with_hours()
    patient = make_user("anna@example.org", clinic=_clinic)
    assert assess(patient, ROUTINE_ANSWERS).urgency == "routine"
    log_in(page, live_server, patient)

    page.goto(live_server.url + "/accounts/")
    page.get_by_role("link", name="Appointments").click()
    page.get_by_role("link", name="Book an appointment").click()
    assert "What kind of visit?" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="First consultation").click()
    assert "Earliest times" not in page.content()
    check_accessibility(page)
    screenshot(page, "appointments-calendar")
    # a time a few days ahead, so that the clinic's 24-hour notice allows cancelling online
    page.locator("ul.slots").last.get_by_role("link").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm the appointment"
    check_accessibility(page)
    page.get_by_role("button", name="Book this time").click()
    assert "Your appointment is booked." in page.content()
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.clinician, appointment.status) == (
        patient,
        doctor,
        "booked",
    )
    assert appointment.start - services.now() > timedelta(hours=24)
    check_accessibility(page)
    screenshot(page, "appointment-detail")

    page.get_by_role("button", name="Cancel this appointment").click()
    assert "Your appointment was cancelled." in page.content()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    page.get_by_role("link", name="All my appointments").click()
    assert "You have no appointments coming up." in page.content()
    check_accessibility(page)


def test_an_urgent_assessment_is_offered_the_earliest_time_first(
    page: Page, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The book's clock stands still at this minute (the live server runs in this process):
    # otherwise a slot passing the 2-hour lead between the offer here and the page's own
    # would make the page's earliest time another one.
    freeze(monkeypatch, datetime.now(UTC).replace(second=0, microsecond=0))
    clinic, doctor, consult = _clinic_with_hours()
    patient = make_user("boris@example.org", clinic=clinic)
    assert assess(patient, URGENT_ANSWERS).urgency == "urgent"
    offer = services.patient_offer(patient, consult)
    earliest = offer.first[0]
    log_in(page, live_server, patient)

    page.goto(live_server.url + "/appointments/book/")
    page.wait_for_url(f"**/appointments/book/{consult.pk}/")
    section = page.locator("section", has=page.get_by_role("heading", name="Earliest times"))
    first = section.get_by_role("link").first
    assert f"slot={earliest.key}" in (first.get_attribute("href") or "")
    local = earliest.start.astimezone(services.clinic_tz(clinic))
    assert local.strftime("%H:%M") in first.inner_text()
    check_accessibility(page)
    screenshot(page, "appointments-urgent")
    first.click()
    page.get_by_role("button", name="Book this time").click()
    assert "Your appointment is booked." in page.content()
    booked = Appointment.objects.get()
    assert (booked.start, booked.clinician, booked.urgency) == (earliest.start, doctor, "urgent")


def _zone_where_it_is_about_noon() -> str:
    """A fixed-offset IANA zone (``Etc/GMT-N`` is UTC+N) in which it is now 12:00-12:59."""
    offset_h = 12 - datetime.now(UTC).hour  # -11 .. +12, all of which exist
    return "Etc/GMT" + (f"{-offset_h:+d}" if offset_h else "")


def test_reception_marks_a_no_show_and_the_waitlisted_patient_gets_the_time(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    clinic = Clinic.objects.create(name="Clinic One", slug="one", emergency_number="103")
    # The clinic's day must hold the visit and its hours whatever time the test runs at:
    # a fixed-offset zone where it is now about noon (a run just after midnight UTC saw
    # the visit on "yesterday" and the hours wrap past midnight).
    rules = ClinicRules.for_clinic(clinic)
    rules.time_zone = _zone_where_it_is_about_noon()
    rules.save()
    tz = services.clinic_tz(clinic)
    doctor = make_user("doc@example.org", role="clinician", clinic=clinic)
    desk = make_user("desk@example.org", role="reception", clinic=clinic)
    absent = make_user("vera@example.org", clinic=clinic)
    waiting = make_user("gleb@example.org", clinic=clinic)
    physio = VisitType.objects.get(clinic=clinic, code="physiotherapy")
    # hours that began ten minutes ago, and a visit in their first slot
    began = (datetime.now(tz) - timedelta(minutes=10)).replace(second=0, microsecond=0)
    Availability.objects.create(
        clinic=clinic,
        clinician=doctor,
        visit_type=physio,
        weekday=began.weekday(),
        start_time=began.time(),
        end_time=(began + timedelta(hours=2)).time(),
    )
    visit = Appointment.objects.create(
        clinic=clinic,
        patient=absent,
        clinician=doctor,
        visit_type=physio,
        start=began,
        end=began + timedelta(minutes=physio.duration_min),
        channel="reception",
    )
    log_in(page, live_server, desk)

    page.goto(live_server.url + "/appointments/reception/waitlist/")
    page.get_by_label("Patient").select_option(str(waiting.pk))
    page.get_by_label("Visit type").select_option(str(physio.pk))
    page.get_by_role("button", name="Add to the waitlist").click()
    assert "Gleb is on the waitlist." in page.content()
    check_accessibility(page)

    page.get_by_role("link", name="Back to the appointment book").click()
    check_accessibility(page)
    screenshot(page, "appointment-book")
    page.get_by_role("button", name="Vera did not come").click()
    assert "Vera: marked as Did not come." in page.content()
    visit.refresh_from_db()
    assert visit.status == "no_show"

    assert [m.to for m in mail.outbox] == [["gleb@example.org"]]
    link = re.search(r"/appointments/offer/\S+/", str(mail.outbox[0].body))
    assert link is not None
    offer_page = new_page(browser)  # the e-mailed link, opened without logging in
    try:
        offer_page.goto(live_server.url + link.group(0))
        assert "A time is free" in offer_page.content()
        check_accessibility(offer_page)
        offer_page.get_by_role("button", name="Book this time").click()
        assert "is booked for" in offer_page.content()
    finally:
        offer_page.context.close()
    taken = Appointment.objects.get(patient=waiting)
    assert (taken.start, taken.channel, taken.status) == (began, "waitlist", "booked")
    assert WaitlistEntry.objects.get(patient=waiting).status == "booked"


def test_the_waitlist_with_people_waiting_fits_a_phone(page: Page, live_server: LiveServer) -> None:
    # The table scrolls inside its box; its visually hidden "Actions" header (absolutely
    # positioned) widened the whole page to 535 px on a 390 px phone.
    clinic, _doctor, consult = _clinic_with_hours()
    desk = make_user("desk@example.org", role="reception", clinic=clinic)
    for email in ("anna.smirnova@example.org", "vera.orlova@example.org"):
        services.add_to_waitlist(
            None,
            patient=make_user(email, clinic=clinic),
            visit_type=consult,
            clinician=None,
            earliest=None,
            latest=None,
            note="",
            by=desk,
        )
    log_in(page, live_server, desk)
    page.goto(live_server.url + "/appointments/reception/waitlist/")
    assert page.get_by_role("button", name=re.compile("^Remove ")).count() == 2
    check_fits_width(page)
