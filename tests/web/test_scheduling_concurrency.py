"""No double booking, ever: 50 people press "Book" on the same time at once; a waitlist
offer booked and declined at once, or expired by several jobs at once, does one thing once.

Each thread has its own database connection (its own transaction), as 50 web
requests would. Exactly one booking goes through; the 49 others get the "taken"
refusal. PostgreSQL only: the test database of SQLite lives in one process's
memory, where threads do not make separate connections of a server.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from tests.web.schedtools import ROUTINE_ANSWERS, assess, open_hours, slot_key
from tests.web.webtools import make_user

pytestmark = pytest.mark.django_db(transaction=True)

BOOKERS = 50


@pytest.mark.parametrize("locks", [True, False], ids=["locks-and-constraints", "constraints-only"])
def test_fifty_concurrent_bookings_of_one_slot_make_exactly_one_appointment(
    locks: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the lock rows switched off, the database's constraints alone still hold."""
    if not locks:
        monkeypatch.setattr(services, "_lock", lambda keys: None)
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: 50 concurrent connections to a database server "
            "(run with DATABASE_URL=postgres://...)"
        )
    clinic = Clinic.objects.create(name="Busy clinic", slug="busy")
    clinician = make_user("doc@example.org", role="clinician", clinic=clinic)
    consult = open_hours(
        clinic,
        clinician,
        weekdays=tuple(range(7)),
        start=datetime.min.time(),
        end=datetime.max.time().replace(microsecond=0, second=0),
    )
    patients = [make_user(f"p{i}@example.org", clinic=clinic) for i in range(BOOKERS)]
    assess(patients[0], ROUTINE_ANSWERS)
    start = _next_slot_start(clinic, consult)
    key = slot_key(clinician, consult, start)
    barrier = threading.Barrier(BOOKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(patient: User) -> None:
        try:
            barrier.wait(timeout=60)
            services.book(None, patient=patient, slot_key=key, booked_by=patient)
        except ValidationError as exc:
            result = f"refused:{exc.code}:{' '.join(exc.messages)}"
        else:
            result = "booked"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == BOOKERS
    assert outcomes.count("booked") == 1
    refusals = [o for o in outcomes if o != "booked"]
    assert len(refusals) == BOOKERS - 1
    assert {r.split(":")[1] for r in refusals} == {"taken"}
    assert all("just been taken or is no longer available" in r for r in refusals)
    assert Appointment.objects.filter(start=start).count() == 1


def _next_slot_start(clinic: Clinic, consult: object) -> datetime:
    now = services.now()
    day = services.local_today(clinic)
    slots = services.free_slots(clinic, day + timedelta(days=1), day + timedelta(days=1))
    assert slots, "the test clinic has hours every day"
    first = slots[0].start
    assert first > now
    return first.astimezone(UTC)


# --- waitlist offers --------------------------------------------------------------------------

RACERS = 10


def _race(jobs: list[Callable[[], str]]) -> list[str]:
    """Run ``jobs`` at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=60)
            result = job()
        except ValidationError as exc:
            result = f"refused:{exc.code}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == len(jobs)
    return outcomes


def _offered_time(settings: Any) -> tuple[WaitlistOffer, User, User]:
    """A cancelled visit's time offered to ``first``; ``second`` waits after them."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clinic = Clinic.objects.create(name="Busy clinic", slug="busy")
    clinician = make_user("doc@example.org", role="clinician", clinic=clinic)
    consult = open_hours(clinic, clinician, weekdays=tuple(range(7)))
    cancelling = make_user("cancels@example.org", clinic=clinic)
    start = _next_slot_start(clinic, consult)
    visit = services.book(
        None, patient=cancelling, slot_key=slot_key(clinician, consult, start), booked_by=clinician
    ).appointment
    first, second = (make_user(f"{n}@example.org", clinic=clinic) for n in ("first", "second"))
    for person in (first, second):
        WaitlistEntry.objects.create(clinic=clinic, patient=person, visit_type=consult)
    services.cancel(None, visit, by=clinician, by_patient=False)  # commits: offered at once
    return WaitlistOffer.objects.get(patient=first), first, second


def test_booking_and_declining_one_offer_at_once_do_one_or_the_other(settings: Any) -> None:
    offer, first, second = _offered_time(settings)
    token = services.offer_token(offer)

    def accept() -> str:
        found = services.read_offer(token)
        booked = services.accept_offer(None, found, uuid.uuid4())
        return "booked" if booked.created else "again"

    def decline() -> str:
        services.decline_offer(None, services.read_offer(token))
        return "declined"

    outcomes = _race([accept, decline] * (RACERS // 2))
    offer.refresh_from_db()
    booked = list(Appointment.objects.active().filter(start=offer.start))
    if offer.status == "booked":
        assert [a.patient for a in booked] == [first]
        assert outcomes.count("booked") == 1
        assert "declined" not in outcomes
        assert not WaitlistOffer.objects.filter(patient=second).exists()
    else:
        assert offer.status == "declined"
        assert booked == []
        assert outcomes.count("declined") == 1
        assert "booked" not in outcomes
        assert WaitlistOffer.objects.filter(patient=second, status="open").count() == 1
    refusals = [o for o in outcomes if o not in ("booked", "declined")]
    assert len(refusals) == RACERS - 1
    assert set(refusals) == {"refused:offer_closed"}
    assert WaitlistOffer.objects.filter(status="open").count() <= 1


def test_expiry_jobs_at_once_pass_the_time_on_once(settings: Any) -> None:
    offer, _first, second = _offered_time(settings)
    WaitlistOffer.objects.filter(pk=offer.pk).update(expires_at=services.now())
    outcomes = _race([lambda: str(services.expire_waitlist_offers())] * RACERS)
    assert sorted(outcomes) == ["0"] * (RACERS - 1) + ["1"]
    assert WaitlistOffer.objects.get(pk=offer.pk).status == "expired"
    assert WaitlistOffer.objects.filter(patient=second, status="open").count() == 1
    assert WaitlistOffer.objects.filter(status="open").count() == 1
