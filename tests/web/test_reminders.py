"""Reminders: once, N hours before, with a cancel link that works without logging in;
the SMS hook; the periodic jobs; and one run through the real Redis broker and worker."""

from __future__ import annotations

import copy
import re
import socket
import time as clock
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import reminders, services, tasks
from quietlegs.web.scheduling.models import Appointment, ClinicRules, VisitType
from quietlegs.web.scheduling.sms import LogSmsSender, MemorySmsSender, SmsSender, sms_sender
from tests.web.schedtools import NOW, freeze, open_hours, slot_key

#: A Redis database of its own for the broker test.
BROKER_URL = "redis://127.0.0.1:6379/15"
TUE_10 = datetime(2030, 6, 4, 7, 0, tzinfo=UTC)  # 10:00 Moscow, 26 h after NOW
WED_10 = datetime(2030, 6, 5, 7, 0, tzinfo=UTC)  # 50 h after NOW


@pytest.fixture(autouse=True)
def web_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.QUIETLEGS_SMS_SENDER = "quietlegs.web.scheduling.sms.MemorySmsSender"
    settings.QUIETLEGS_SITE_URL = "https://clinic.example.org"
    MemorySmsSender.outbox.clear()
    freeze(monkeypatch)


@pytest.fixture
def consult(clinic: Clinic, clinician: User) -> VisitType:
    visit_type = open_hours(clinic, clinician)
    rules = ClinicRules.for_clinic(clinic)
    rules.reminder_h = 30
    rules.save()
    return visit_type


def _book(patient: User, clinician: User, consult: VisitType, start: datetime) -> Appointment:
    return services.book(
        None, patient=patient, slot_key=slot_key(clinician, consult, start), booked_by=patient
    ).appointment


@pytest.mark.django_db
def test_a_reminder_goes_out_once_within_the_clinics_hours_before(
    patient: User, clinician: User, consult: VisitType
) -> None:
    patient.phone = "+7 900 111-22-33"
    patient.save()
    soon = _book(patient, clinician, consult, TUE_10)
    later = _book(patient, clinician, consult, WED_10)
    assert reminders.send_due_reminders(NOW) == 1
    assert reminders.send_due_reminders(NOW) == 0  # once
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at == NOW
    assert later.reminder_sent_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pat@example.org"]
    assert message.subject == "Reminder: First consultation on 4 June 2030 10:00"
    assert "call your local emergency number" in message.body
    assert MemorySmsSender.outbox[0][0] == "+7 900 111-22-33"
    assert (
        "To cancel: https://clinic.example.org/appointments/cancel/" in MemorySmsSender.outbox[0][1]
    )
    # a day later the second one is due
    assert reminders.send_due_reminders(NOW + timedelta(hours=24)) == 1


@pytest.mark.django_db
def test_cancelled_and_past_visits_get_no_reminder(
    patient: User, clinician: User, consult: VisitType
) -> None:
    visit = _book(patient, clinician, consult, TUE_10)
    visit.status = Appointment.Status.CANCELLED
    visit.save()
    assert reminders.send_due_reminders(NOW) == 0
    assert reminders.send_due_reminders(TUE_10 + timedelta(minutes=1)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_email_is_retried_on_the_next_run(
    patient: User, clinician: User, consult: VisitType, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit = _book(patient, clinician, consult, TUE_10)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert reminders.send_due_reminders(NOW) == 0
    visit.refresh_from_db()
    assert visit.reminder_sent_at is None
    monkeypatch.undo()
    freeze(monkeypatch)
    assert reminders.send_due_reminders(NOW) == 1


@pytest.mark.django_db
def test_the_reminders_cancel_link_works_without_logging_in(
    patient: User, clinician: User, consult: VisitType
) -> None:
    visit = _book(patient, clinician, consult, TUE_10)
    reminders.send_due_reminders(NOW)
    link = re.search(
        r"https://clinic\.example\.org(/appointments/cancel/\S+/)", str(mail.outbox[0].body)
    )
    assert link is not None
    path = link.group(1)
    anonymous = Client()
    assert "Cancel this appointment" in anonymous.get(path).content.decode()
    done = anonymous.post(path)
    assert "Your appointment was cancelled" in done.content.decode()
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    again = anonymous.post(path)
    assert again.status_code == 400
    assert "is cancelled and cannot be changed" in again.content.decode()
    assert anonymous.get(path[:-6] + "AAAAA/").status_code == 404  # forged


@pytest.mark.django_db
def test_the_cancel_link_speaks_the_patients_language_in_a_fresh_browser(
    patient: User, clinician: User, consult: VisitType
) -> None:
    patient.preferred_language = "ru"
    patient.save(update_fields=["preferred_language"])
    visit = _book(patient, clinician, consult, TUE_10)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        f"/appointments/cancel/{services.cancel_token(visit)}/"
    )
    assert page["Content-Language"] == "ru"
    assert "Отменить эту запись" in page.content.decode()


@pytest.mark.django_db
def test_the_cancel_link_respects_the_notice(
    patient: User, clinician: User, consult: VisitType, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit = _book(patient, clinician, consult, TUE_10)
    path = f"/appointments/cancel/{services.cancel_token(visit)}/"
    freeze(monkeypatch, TUE_10 - timedelta(hours=3))
    response = Client().post(path)
    assert response.status_code == 400
    assert "Please call the clinic" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "booked"


def test_the_sms_hook_is_pluggable(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(LogSmsSender(), SmsSender)
    settings.QUIETLEGS_SMS_SENDER = "quietlegs.web.scheduling.sms.LogSmsSender"
    with caplog.at_level("INFO", logger="quietlegs.web.scheduling.sms"):
        sms_sender().send("+100", "hello")
    assert "SMS to +100: hello" in caplog.text
    settings.QUIETLEGS_SMS_SENDER = "quietlegs.web.scheduling.models.ClinicRules"
    with pytest.raises(TypeError, match="must name a class with a send"):
        sms_sender()


@pytest.mark.django_db
def test_the_periodic_job_runs_a_management_command_only_if_it_exists() -> None:
    assert tasks.run_management_command("no_such_command_here") is False
    assert tasks.run_management_command("check") is True


def test_the_beat_schedule_names_the_reminder_and_diary_jobs(settings: Any) -> None:
    from quietlegs.web.worker import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["appointment-reminders"]["task"] == "quietlegs.send_appointment_reminders"
    assert schedule["diary-reminders"]["args"] == ("send_diary_reminders",)
    assert app.conf.task_always_eager is False
    assert "quietlegs.send_appointment_reminders" in app.tasks


def _redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_reminders_through_the_real_redis_broker_and_a_real_worker(
    clinic: Clinic, patient: User, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _redis_reachable():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (start redis-server to run this)")
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    consult = open_hours(clinic, clinician)
    ClinicRules.objects.filter(clinic=clinic).update(reminder_h=30)
    visit = _book(patient, clinician, consult, TUE_10)
    # a fresh app configured like quietlegs.web.worker's, on a queue of its own
    app = Celery("quietlegs-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    queue = f"quietlegs-test-{uuid.uuid4().hex[:8]}"
    app.conf.update(broker_url=BROKER_URL, task_default_queue=queue)
    task = app.tasks["quietlegs.send_appointment_reminders"]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        task.delay()
        deadline = clock.monotonic() + 30
        while clock.monotonic() < deadline:
            try:
                visit.refresh_from_db()
            except OperationalError:  # SQLite's in-memory test database: the worker's
                pass  # transaction holds the table ("database table is locked"); ask again
            else:
                if visit.reminder_sent_at is not None:
                    break
            clock.sleep(0.2)
    import redis

    # the queue and its bindings, left in Redis by kombu
    redis.Redis.from_url(BROKER_URL).delete(
        queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
    )
    assert visit.reminder_sent_at == NOW
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]


# --- the diary's reminders on the same beat ---------------------------------------------------


@pytest.mark.django_db
def test_the_beat_entry_sends_the_diary_reminders(
    patient: User, clinic: Clinic, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diary-reminders entry of the beat schedule, run as the worker runs it (the task
    the entry names, with its arguments) at 08:00 in the clinic's zone (Moscow): one e-mail
    to the patient with reminders on and no entry for last night; none to a patient who
    wrote it, nor to one with reminders off."""
    from quietlegs.web.diary.models import DiarySettings
    from quietlegs.web.worker import app
    from tests.web.integtools import diary_nights
    from tests.web.webtools import make_user, pin_now

    settings.CELERY_TASK_ALWAYS_EAGER = False
    ClinicRules.objects.update_or_create(clinic=clinic, defaults={"time_zone": "Europe/Moscow"})
    pin_now(monkeypatch, NOW)  # 08:00 in Moscow on 3 June 2030
    DiarySettings.objects.create(patient=patient, reminders=True)
    wrote = make_user("wrote@example.org", clinic=clinic)
    DiarySettings.objects.create(patient=wrote, reminders=True)
    diary_nights(wrote, 1)  # last night (2 June) is recorded
    make_user("off@example.org", clinic=clinic)  # reminders off (no settings row)

    entry = settings.CELERY_BEAT_SCHEDULE["diary-reminders"]
    task = app.tasks[entry["task"]]
    assert task(*entry.get("args", ())) is True  # the command exists and ran
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    link = f"https://clinic.example.org{reverse('diary:new')}?day=2030-06-02"
    assert link in mail.outbox[0].body
    # the job runs again (later in the hour, a restart): still one e-mail per night
    pin_now(monkeypatch, NOW + timedelta(minutes=30))
    assert task(*entry.get("args", ())) is True
    # an hour later it is 09:00 in Moscow: not the reminder hour any more
    pin_now(monkeypatch, NOW + timedelta(hours=1))
    assert task(*entry.get("args", ())) is True
    assert len(mail.outbox) == 1


def test_the_diary_reminders_run_every_hour_on_the_hour(settings: Any) -> None:
    """Every hour, on beat's UTC clock, so that each clinic's 08:00-08:59 (in its own zone,
    whole, half or quarter hours from UTC) holds exactly one run; the job picks the clinics
    (tests/web/test_diary_reminders.py). Once a day at 08:00 in TIME_ZONE, it reached Moscow
    at 11:00 and New York before dawn."""
    from celery.schedules import crontab

    from quietlegs.web.worker import app

    schedule = settings.CELERY_BEAT_SCHEDULE["diary-reminders"]["schedule"]
    assert isinstance(schedule, crontab)
    cron: Any = schedule  # celery-types knows few of crontab's attributes
    assert (cron.hour, cron.minute) == (set(range(24)), {0})
    assert cron.day_of_week == set(range(7))
    assert settings.CELERY_TIMEZONE == "UTC"
    assert str(app.timezone) == "UTC"
    # due on the hour, an hour after the last run; not half an hour after it
    last = datetime(2030, 3, 31, 0, 0, tzinfo=UTC)
    half_past: Any = copy.copy(schedule)
    on_the_hour: Any = copy.copy(schedule)
    half_past.nowfun = lambda: datetime(2030, 3, 31, 0, 30, tzinfo=UTC)
    on_the_hour.nowfun = lambda: datetime(2030, 3, 31, 1, 0, 5, tzinfo=UTC)
    assert half_past.is_due(last).is_due is False
    assert on_the_hour.is_due(last).is_due is True
