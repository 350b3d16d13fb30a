"""Waitlist offers cascade: a freed time goes to the longest-waiting entry with "book" and
"no thanks" links; declined, expired or withdrawn, it goes to the next; nobody is offered
the same time twice; a time taken meanwhile is offered to nobody."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import (
    Appointment,
    VisitType,
    WaitlistEntry,
    WaitlistOffer,
)
from quietlegs.web.worker import app as celery_app
from tests.web.schedtools import NOW, freeze, slot_key
from tests.web.webtools import login, make_user

pytestmark = pytest.mark.django_db

#: Tuesday 4 June 2030, 10:00 in Moscow: the visit that is cancelled.
TUE_10 = datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
#: Monday 3 June 2030, 10:00 in Moscow.
MON_10 = datetime(2030, 6, 3, 7, 0, tzinfo=UTC)
OFFER_H = 3

Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def web_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.QUIETLEGS_WAITLIST_OFFER_H = OFFER_H
    freeze(monkeypatch)


@pytest.fixture
def visit(routine_patient: User, clinician: User, consult: VisitType) -> Appointment:
    """routine_patient's consultation on Tuesday at 10:00 (Moscow)."""
    return services.book(
        None,
        patient=routine_patient,
        slot_key=slot_key(clinician, consult, TUE_10),
        booked_by=routine_patient,
    ).appointment


def wait(clinic: Clinic, consult: VisitType, *names: str) -> list[User]:
    """Put new patients on the waitlist for ``consult``, in this order."""
    people = []
    for name in names:
        person = make_user(f"{name}@example.org", clinic=clinic)
        WaitlistEntry.objects.create(clinic=clinic, patient=person, visit_type=consult)
        people.append(person)
    return people


def cancel(visit: Appointment, staff: User, capture: Capture) -> None:
    """Reception cancels ``visit``; the freed time is offered once the change commits."""
    with capture(execute=True):
        services.cancel(None, visit, by=staff, by_patient=False)


def recipients() -> list[str]:
    return [m.to[0] for m in mail.outbox]


def links(message: Any) -> tuple[str, str]:
    """The paths of the "book" and "no thanks" links of an offer e-mail."""
    found = re.findall(r"http://127\.0\.0\.1:8000(/appointments/offer/\S+/)", str(message.body))
    book = next(p for p in found if not p.endswith("/decline/"))
    decline = next(p for p in found if p.endswith("/decline/"))
    return book, decline


def offer_of(person: User) -> WaitlistOffer:
    return WaitlistOffer.objects.get(patient=person)


def entry_status(person: User) -> str:
    return WaitlistEntry.objects.get(patient=person).status


# --- the first offer --------------------------------------------------------------------------


def test_a_freed_time_is_offered_to_the_longest_waiting_with_both_links(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    assert recipients() == ["first@example.org"]
    body = str(mail.outbox[0].body)
    assert "A time has become free: 4 June 2030 10:00 with Doc." in body
    assert "It is kept for you until 3 June 2030 11:00. Book it with this link:" in body
    assert "say no thanks with this link" in body
    book, decline = links(mail.outbox[0])
    assert decline == book + "decline/"
    offer = offer_of(first)
    assert (offer.status, offer.start, offer.end) == (
        "open",
        TUE_10,
        TUE_10 + timedelta(minutes=45),
    )
    assert (offer.offered_at, offer.sent_at) == (NOW, NOW)
    assert (offer.expires_at, offer.closes_at) == (NOW + timedelta(hours=OFFER_H), TUE_10)
    assert (entry_status(first), entry_status(second)) == ("offered", "waiting")
    page = Client().get(book)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This time is kept for you until Monday, 3 June 2030, 11:00." in html
    assert "No thanks: offer it to someone else" in html


def test_an_offer_never_runs_past_the_times_start(
    clinic: Clinic,
    routine_patient: User,
    clinician: User,
    consult: VisitType,
    reception: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    (first,) = wait(clinic, consult, "first")
    soon = services.book(
        None,
        patient=routine_patient,
        slot_key=slot_key(clinician, consult, MON_10),
        booked_by=reception,
        not_before=NOW,
    ).appointment
    at = MON_10 - timedelta(minutes=45)  # 09:15: the visit starts in 45 minutes
    freeze(monkeypatch, at)
    cancel(soon, reception, django_capture_on_commit_callbacks)
    offer = offer_of(first)
    assert (offer.expires_at, offer.closes_at) == (MON_10, MON_10)
    freeze(monkeypatch, MON_10)
    assert services.expire_waitlist_offers() == 1
    offer.refresh_from_db()
    assert offer.status == "expired"
    assert entry_status(first) == "waiting"
    assert recipients() == ["first@example.org"]  # the time has begun: nobody else


# --- no thanks ------------------------------------------------------------------------------


def test_no_thanks_offers_the_time_to_the_next_person(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second, third = wait(clinic, consult, "first", "second", "third")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    book, decline = links(mail.outbox[0])
    asked = Client().get(decline)  # a link checker's GET declines nothing
    assert asked.status_code == 200
    assert "No thanks, offer it to someone else" in asked.content.decode()
    assert offer_of(first).status == "open"
    assert recipients() == ["first@example.org"]
    done = Client().post(decline)
    assert done.status_code == 200
    assert "The time is offered to the next person waiting" in done.content.decode()
    declined = offer_of(first)
    assert (declined.status, declined.responded_at) == ("declined", NOW)
    assert (entry_status(first), entry_status(second), entry_status(third)) == (
        "waiting",
        "offered",
        "waiting",
    )
    assert recipients() == ["first@example.org", "second@example.org"]
    assert offer_of(second).start == TUE_10
    closed = Client().get(book)  # the first link is closed now
    assert closed.status_code == 410
    assert "You said no thanks to this time" in closed.content.decode()
    assert Client().post(book, {"request_key": str(uuid.uuid4())}).status_code == 410
    assert Client().post(decline).status_code == 410  # declining twice changes nothing
    assert recipients() == ["first@example.org", "second@example.org"]
    assert not Appointment.objects.filter(patient=first).exists()


def test_when_nobody_is_left_the_time_stays_free(
    clinic: Clinic,
    clinician: User,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    (first,) = wait(clinic, consult, "first")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    _book, decline = links(mail.outbox[0])
    assert Client().post(decline).status_code == 200
    assert recipients() == ["first@example.org"]
    assert WaitlistOffer.objects.filter(status="open").count() == 0
    assert entry_status(first) == "waiting"
    day = TUE_10.date()
    assert slot_key(clinician, consult, TUE_10) in {
        s.key for s in services.free_slots(clinic, day, day)
    }


# --- expiry ---------------------------------------------------------------------------------


def test_an_unanswered_offer_expires_and_goes_to_the_next_person(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    book, _decline = links(mail.outbox[0])
    expiry = NOW + timedelta(hours=OFFER_H)
    freeze(monkeypatch, expiry - timedelta(minutes=1))
    assert services.expire_waitlist_offers() == 0
    assert recipients() == ["first@example.org"]
    freeze(monkeypatch, expiry)  # not yet closed by the job: the link says it has expired
    page = Client().get(book)
    assert page.status_code == 410
    assert "This offer has expired" in page.content.decode()
    assert Client().post(book, {"request_key": str(uuid.uuid4())}).status_code == 410
    assert not Appointment.objects.filter(patient=first).exists()
    assert services.expire_waitlist_offers() == 1
    assert offer_of(first).status == "expired"
    assert (entry_status(first), entry_status(second)) == ("waiting", "offered")
    assert recipients() == ["first@example.org", "second@example.org"]
    second_offer = offer_of(second)
    assert second_offer.expires_at == expiry + timedelta(hours=OFFER_H)
    assert services.expire_waitlist_offers() == 0  # the job again: nothing more
    assert len(mail.outbox) == 2


def test_the_expiry_job_is_on_the_beat_schedule(settings: Any) -> None:
    jobs = {job["task"]: job["schedule"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert jobs["quietlegs.expire_waitlist_offers"] == 300.0
    import quietlegs.web.scheduling.tasks  # noqa: F401  (registers the tasks)

    assert "quietlegs.expire_waitlist_offers" in celery_app.tasks


def test_an_offer_e_mail_that_failed_is_sent_by_a_later_run_and_only_then_runs_out(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second = wait(clinic, consult, "first", "second")

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    cancel(visit, reception, django_capture_on_commit_callbacks)
    offer = offer_of(first)
    assert (offer.status, offer.sent_at) == ("open", None)
    freeze(monkeypatch, NOW + timedelta(hours=OFFER_H, minutes=5))  # still down
    assert services.expire_waitlist_offers() == 0  # never told: it does not run out
    offer.refresh_from_db()
    assert (offer.status, offer.sent_at) == ("open", None)
    assert entry_status(second) == "waiting"
    monkeypatch.undo()  # the mail server is back (and the clock must be frozen again)
    later = NOW + timedelta(hours=OFFER_H, minutes=10)
    freeze(monkeypatch, later)
    assert services.expire_waitlist_offers() == 0
    offer.refresh_from_db()
    assert (offer.sent_at, offer.expires_at) == (later, later + timedelta(hours=OFFER_H))
    assert recipients() == ["first@example.org"]
    freeze(monkeypatch, later + timedelta(hours=OFFER_H))
    assert services.expire_waitlist_offers() == 1
    assert recipients() == ["first@example.org", "second@example.org"]


# --- never twice to the same person ----------------------------------------------------------


def test_nobody_is_offered_the_same_time_twice(
    clinic: Clinic,
    routine_patient: User,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second, third = wait(clinic, consult, "first", "second", "third")
    WaitlistEntry.objects.create(clinic=clinic, patient=first, visit_type=consult)  # twice
    cancel(visit, reception, django_capture_on_commit_callbacks)
    _book, decline = links(mail.outbox[0])
    Client().post(decline)  # first: no thanks -> second
    book, _decline = links(mail.outbox[1])
    booked = Client().post(book, {"request_key": str(uuid.uuid4())})
    assert "is booked for" in booked.content.decode()
    taken = Appointment.objects.get(patient=second, status="booked")
    assert (taken.start, taken.channel) == (TUE_10, "waitlist")
    assert offer_of(second).status == "booked"
    assert offer_of(second).appointment == taken
    assert entry_status(second) == "booked"
    # second cancels after all: not offered to first (declined it), second (booked it) or
    # the patient who cancelled it first, whatever entries they have
    cancel(taken, reception, django_capture_on_commit_callbacks)
    assert recipients() == ["first@example.org", "second@example.org", "third@example.org"]
    assert offer_of(third).status == "open"
    _book, decline = links(mail.outbox[2])
    Client().post(decline)
    assert len(mail.outbox) == 3  # nobody left who was not offered it
    assert not WaitlistOffer.objects.filter(patient=routine_patient).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistOffer.objects.create(
            clinic=clinic,
            entry=WaitlistEntry.objects.filter(patient=first).earliest("pk"),
            patient=first,
            clinician=taken.clinician,
            visit_type=consult,
            start=TUE_10,
            end=taken.end,
            offered_at=NOW,
            expires_at=NOW,
            closes_at=TUE_10,
        )


# --- the time taken meanwhile ----------------------------------------------------------------


def test_a_time_taken_meanwhile_withdraws_the_offer_and_is_offered_to_nobody(
    clinic: Clinic,
    clinician: User,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    book, _decline = links(mail.outbox[0])
    walk_in = make_user("walkin@example.org", clinic=clinic)
    services.book(
        None, patient=walk_in, slot_key=slot_key(clinician, consult, TUE_10), booked_by=reception
    )
    response = Client().post(book, {"request_key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "this time has just been taken" in response.content.decode()
    assert offer_of(first).status == "withdrawn"
    assert (entry_status(first), entry_status(second)) == ("waiting", "waiting")
    assert Client().get(book).status_code == 410
    assert recipients() == ["first@example.org"]  # a taken time goes to nobody
    assert list(Appointment.objects.active().values_list("patient__email", flat=True)) == [
        "walkin@example.org"
    ]


def test_a_taken_time_is_not_passed_on_when_its_offer_expires(
    clinic: Clinic,
    clinician: User,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    walk_in = make_user("walkin@example.org", clinic=clinic)
    services.book(
        None, patient=walk_in, slot_key=slot_key(clinician, consult, TUE_10), booked_by=reception
    )
    freeze(monkeypatch, NOW + timedelta(hours=OFFER_H))
    assert services.expire_waitlist_offers() == 1
    assert (entry_status(first), entry_status(second)) == ("waiting", "waiting")
    assert recipients() == ["first@example.org"]


def test_reception_removing_the_offered_person_passes_the_time_on(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first, _second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    book, _decline = links(mail.outbox[0])
    entry = WaitlistEntry.objects.get(patient=first)
    page = login(reception).get("/appointments/reception/waitlist/").content.decode()
    assert "Tuesday, 4 June, 10:00 with Doc; answer by Monday, 3 June, 11:00" in page
    response = login(reception).post(f"/appointments/reception/waitlist/{entry.pk}/remove/")
    assert response.status_code == 302
    assert entry_status(first) == "removed"
    assert offer_of(first).status == "withdrawn"
    assert recipients() == ["first@example.org", "second@example.org"]
    assert Client().get(book).status_code == 410


def test_removing_an_entry_booked_meanwhile_changes_nothing(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """Reception's page was opened before the patient booked from the e-mail: the stale
    removal keeps the booking and its entry, says so, and offers the time to nobody."""
    first, _second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    stale = WaitlistEntry.objects.get(patient=first)
    book, _decline = links(mail.outbox[0])
    Client().post(book, {"request_key": str(uuid.uuid4())})
    assert entry_status(first) == "booked"
    assert services.remove_from_waitlist(None, stale, by=reception) is False
    response = login(reception).post(
        f"/appointments/reception/waitlist/{stale.pk}/remove/", follow=True
    )
    assert "This entry was booked meanwhile; nothing was removed." in response.content.decode()
    assert entry_status(first) == "booked"
    assert offer_of(first).status == "booked"
    assert Appointment.objects.filter(patient=first, status="booked").count() == 1
    assert recipients() == ["first@example.org"]


def test_removal_withdraws_the_offer_and_removes_the_entry_together(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """An entry is never left "waiting" between the withdrawal and the removal: the
    cascade's next offer goes to the second person, never back to the removed one."""
    first, second = wait(clinic, consult, "first", "second")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    entry = WaitlistEntry.objects.get(patient=first)
    assert services.remove_from_waitlist(None, entry, by=reception) is True
    assert (entry_status(first), entry_status(second)) == ("removed", "offered")
    assert offer_of(first).status == "withdrawn"
    assert services.remove_from_waitlist(None, entry, by=reception) is False  # already off


def test_a_forged_offer_link_is_404(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    wait(clinic, consult, "first")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    book, decline = links(mail.outbox[0])
    assert Client().get(book[:-3] + "xx/").status_code == 404
    assert Client().post(decline.replace(book[:-3], book[:-3] + "xx")).status_code == 404
    assert offer_of(WaitlistEntry.objects.get().patient).status == "open"


def test_the_offer_e_mail_and_pages_in_russian(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    (first,) = wait(clinic, consult, "first")
    first.preferred_language = "ru"
    first.save()
    cancel(visit, reception, django_capture_on_commit_callbacks)
    body = str(mail.outbox[0].body)
    assert "Время оставлено за вами до 3 июня 2030 г. 11:00." in body
    assert "откажитесь по этой ссылке" in body
    book, decline = links(mail.outbox[0])
    client = Client()
    client.cookies["django_language"] = "ru"
    assert "Нет, спасибо" in client.get(decline).content.decode()
    offer_page = client.get(book).content.decode()
    assert "Время оставлено за вами до" in offer_page
    # "For" the patient, not the report's "for" a condition ("В пользу", in favour of)
    assert "<dt>Для кого</dt><dd>First</dd>" in offer_page
    assert "В пользу" not in offer_page


def test_the_same_offer_form_sent_twice_books_once(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    (first,) = wait(clinic, consult, "first")
    cancel(visit, reception, django_capture_on_commit_callbacks)
    book, _decline = links(mail.outbox[0])
    key = str(uuid.uuid4())
    assert "is booked for" in Client().post(book, {"request_key": key}).content.decode()
    again = Client().post(book, {"request_key": key})
    assert again.status_code == 200
    assert "is booked for" in again.content.decode()
    assert Appointment.objects.filter(patient=first).count() == 1
    other_form = Client().post(book, {"request_key": str(uuid.uuid4())})
    assert other_form.status_code == 410
    assert "You booked this time" in other_form.content.decode()
    assert Appointment.objects.filter(patient=first).count() == 1


# --- the patient's language ---------------------------------------------------------------


def test_the_offer_pages_speak_the_offered_patients_language_in_a_fresh_browser(
    clinic: Clinic,
    consult: VisitType,
    visit: Appointment,
    reception: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # The link opened in a fresh (English) browser showed English to a Russian reader.
    (first,) = wait(clinic, consult, "first")
    first.preferred_language = "ru"
    first.save(update_fields=["preferred_language"])
    cancel(visit, reception, django_capture_on_commit_callbacks)
    assert str(mail.outbox[0].subject).startswith("Освободилось время приёма: ")
    book, decline = links(mail.outbox[0])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get(book)
    assert (page.status_code, page["Content-Language"]) == (200, "ru")
    assert '<html lang="ru">' in page.content.decode()
    assert "Нет, спасибо: предложите его другому" in page.content.decode()
    asked = browser.get(decline)
    assert "Нет, спасибо, предложите его другому" in asked.content.decode()
    # a visitor who chose English with the language switcher keeps it
    chose = Client(HTTP_ACCEPT_LANGUAGE="ru")
    chose.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "No thanks: offer it to someone else" in chose.get(book).content.decode()
    # so does a logged-in reader (here the clinic's reception, whose language is English)
    assert "No thanks: offer it to someone else" in login(reception).get(book).content.decode()
    browser.post(decline)
    closed = browser.get(book)
    assert (closed.status_code, closed["Content-Language"]) == (410, "ru")
    assert "Вы отказались от этого времени" in closed.content.decode()
