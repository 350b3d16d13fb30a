"""No double booking, ever: 50 people press "Book" on the same time at once.

Each thread has its own database connection (its own transaction), as 50 web
requests would. Exactly one booking goes through; the 49 others get the "taken"
refusal. PostgreSQL only: the test database of SQLite lives in one process's
memory, where threads do not make separate connections of a server.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import Appointment
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
