"""The diary's e-mail reminders: each clinic's patients at 08:00–08:59 in the clinic's own
time zone, about the night before there, once per patient and night (a repeated or late
run, a clock change), never to a patient who recorded the night or turned reminders off.

Every test pins the moment of the run (``pin_now``): nothing depends on when it runs.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from quietlegs.diary import DiaryEntry as CoreEntry
from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary import reminders, services
from quietlegs.web.diary.models import DiaryReminder, DiarySettings
from quietlegs.web.diary.reminders import (
    night_to_remind,
    reminder_hour,
    send_diary_reminders,
    send_reminder,
)
from quietlegs.web.scheduling.models import ClinicRules
from tests.web.webtools import make_user, pin_now

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
#: 3 June 2030: Moscow is UTC+3, New York UTC-4 (EDT), Berlin UTC+2 (CEST).
JUNE_3 = dt.date(2030, 6, 3)
#: 08:00 on 3 June in Moscow.
MOSCOW_8 = dt.datetime(2030, 6, 3, 5, 0, tzinfo=UTC)
#: The clocks change in Berlin on these Sundays: 02:00 CET -> 03:00 CEST, and
#: 03:00 CEST -> 02:00 CET.
SPRING_FORWARD = dt.date(2030, 3, 31)
FALL_BACK = dt.date(2030, 10, 27)


@pytest.fixture(autouse=True)
def _mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.QUIETLEGS_SITE_URL = "https://clinic.example.org"
    settings.TIME_ZONE = "UTC"


def zoned_clinic(slug: str, zone: str) -> Clinic:
    clinic = Clinic.objects.create(name=slug.title(), slug=slug)  # its rules come with it
    rules = ClinicRules.objects.get(clinic=clinic)
    rules.time_zone = zone
    rules.save()
    return clinic


def opted_in(email: str, clinic: Clinic | None) -> User:
    user = make_user(email, clinic=clinic)
    DiarySettings.objects.create(patient=user, reminders=True)
    return user


def record_night(patient: User, night: dt.date) -> None:
    services.create_entry(
        None,
        patient,
        patient,
        CoreEntry(day=night, severity=4, body_parts=frozenset({"legs"}), onset=dt.time(22)),
    )


def hours(day: dt.date, count: int = 24) -> list[dt.datetime]:
    """The beat's runs: every hour on the hour in UTC from 00:00 on ``day``."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=UTC)
    return [start + dt.timedelta(hours=n) for n in range(count)]


def run_every_hour(
    monkeypatch: pytest.MonkeyPatch, moments: list[dt.datetime]
) -> dict[dt.datetime, list[tuple[str, dt.date]]]:
    """Run the job at each moment (the clock pinned to it); who was reminded about which night."""
    sent: dict[dt.datetime, list[tuple[str, dt.date]]] = {}
    for at in moments:
        pin_now(monkeypatch, at)
        before = set(DiaryReminder.objects.values_list("pk", flat=True))
        run = send_diary_reminders()
        assert run.failed == []
        new = DiaryReminder.objects.exclude(pk__in=before).order_by("patient__email")
        if new:
            sent[at] = [(r.patient.email, r.night) for r in new]
    return sent


# --- the reminder hour, in each clinic's own zone ----------------------------------------------


@pytest.mark.parametrize(
    ("day", "moscow_utc_hour", "new_york_utc_hour"),
    [
        (JUNE_3, 5, 12),  # New York on summer time (UTC-4)
        (dt.date(2030, 1, 15), 5, 13),  # New York on standard time (UTC-5)
    ],
)
def test_each_clinics_patients_are_reminded_at_8_in_their_own_zone(
    monkeypatch: pytest.MonkeyPatch, day: dt.date, moscow_utc_hour: int, new_york_utc_hour: int
) -> None:
    """Every UTC hour of a day: Moscow's patient at 08:00 Moscow time, New York's at 08:00
    New York time, a patient without a clinic at 08:00 in TIME_ZONE (UTC); each about the
    night before in their own zone. Before, all of them at 08:00 UTC: 11:00 in Moscow, and
    04:00 in New York, the night not over."""
    opted_in("moscow@example.org", zoned_clinic("moscow", "Europe/Moscow"))
    opted_in("newyork@example.org", zoned_clinic("newyork", "America/New_York"))
    opted_in("nowhere@example.org", None)
    sent = run_every_hour(monkeypatch, hours(day))
    night = day - dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(0), tzinfo=UTC)
    assert sent == {
        at.replace(hour=moscow_utc_hour): [("moscow@example.org", night)],
        at.replace(hour=8): [("nowhere@example.org", night)],
        at.replace(hour=new_york_utc_hour): [("newyork@example.org", night)],
    }
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert f"/diary/entry/?day={night.isoformat()}" in message.body


def test_at_08_utc_new_york_is_still_in_the_night_and_gets_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old once-a-day run at 08:00 UTC reminded New York at 04:00 about "yesterday"."""
    opted_in("newyork@example.org", zoned_clinic("newyork", "America/New_York"))
    pin_now(monkeypatch, dt.datetime(2030, 6, 3, 8, 0, tzinfo=UTC))
    run = send_diary_reminders()
    assert (run.nights, run.sent, mail.outbox) == ({"UTC": dt.date(2030, 6, 2)}, [], [])


def test_the_run_reports_the_zones_in_their_hour_and_their_nights() -> None:
    zoned_clinic("moscow", "Europe/Moscow")
    zoned_clinic("kolkata", "Asia/Kolkata")  # UTC+5:30: 08:00 is 02:30 UTC
    run = send_diary_reminders(dt.datetime(2030, 6, 3, 3, 0, tzinfo=UTC))
    assert run.nights == {"Asia/Kolkata": dt.date(2030, 6, 2)}  # 08:30 there, 06:00 in Moscow
    run = send_diary_reminders(MOSCOW_8)
    assert run.nights == {"Europe/Moscow": dt.date(2030, 6, 2)}


def test_a_clinic_without_saved_rules_uses_time_zone_as_its_pages_do(
    clinic: Clinic, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diary's pages date its nights in TIME_ZONE for such a clinic; the reminders agree
    (and create no rules: ``scheduling.services.clinic_tz`` would save Moscow's)."""
    settings.TIME_ZONE = "America/New_York"
    ClinicRules.objects.filter(clinic=clinic).delete()  # e.g. a clinic loaded from a fixture
    opted_in("pat@example.org", clinic)
    sent = run_every_hour(monkeypatch, hours(JUNE_3))
    assert sent == {
        dt.datetime(2030, 6, 3, 12, 0, tzinfo=UTC): [("pat@example.org", dt.date(2030, 6, 2))]
    }
    assert not ClinicRules.objects.exists()


# --- once per patient and night ------------------------------------------------------------------


def test_a_run_repeated_in_the_hour_or_late_sends_nothing_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = opted_in("moscow@example.org", zoned_clinic("moscow", "Europe/Moscow"))
    assert send_diary_reminders(MOSCOW_8).sent == ["moscow@example.org"]
    for later in (dt.timedelta(0), dt.timedelta(minutes=20), dt.timedelta(minutes=59, seconds=59)):
        run = send_diary_reminders(MOSCOW_8 + later)
        assert (run.nights, run.sent) == ({"Europe/Moscow": dt.date(2030, 6, 2)}, [])
    assert len(mail.outbox) == 1
    assert list(DiaryReminder.objects.values_list("patient", "night")) == [
        (patient.pk, dt.date(2030, 6, 2))
    ]
    assert AuditEvent.objects.filter(object_type="diary_reminder").count() == 1
    # the next morning is the next night
    assert send_diary_reminders(MOSCOW_8 + dt.timedelta(days=1)).sent == ["moscow@example.org"]


def test_two_runs_at_once_send_one_e_mail() -> None:
    """A second runner that read the same list of patients before the first one sent: the
    unique (patient, night) row stops it."""
    patient = opted_in("moscow@example.org", zoned_clinic("moscow", "Europe/Moscow"))
    night = dt.date(2030, 6, 2)
    assert send_reminder(patient, night, "https://clinic.example.org") is True
    assert send_reminder(patient, night, "https://clinic.example.org") is False
    assert len(mail.outbox) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        DiaryReminder.objects.create(patient=patient, night=night)


def test_a_failed_e_mail_records_nothing_and_is_sent_by_a_run_with_the_same_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opted_in("moscow@example.org", zoned_clinic("moscow", "Europe/Moscow"))

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert send_diary_reminders(MOSCOW_8).failed == ["moscow@example.org"]
    assert not DiaryReminder.objects.exists()
    assert not AuditEvent.objects.filter(object_type="diary_reminder").exists()
    monkeypatch.undo()
    assert send_diary_reminders(MOSCOW_8 + dt.timedelta(minutes=5)).sent == ["moscow@example.org"]


# --- who is reminded ------------------------------------------------------------------------------


def test_only_patients_who_opted_in_and_have_not_recorded_the_night(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moscow = zoned_clinic("moscow", "Europe/Moscow")
    opted_in("due@example.org", moscow)
    recorded = opted_in("recorded@example.org", moscow)
    older = opted_in("older@example.org", moscow)  # recorded an earlier night only
    off = opted_in("off@example.org", moscow)
    DiarySettings.objects.filter(patient=off).update(reminders=False)
    make_user("never@example.org", clinic=moscow)  # no settings: reminders off by default
    gone = opted_in("gone@example.org", moscow)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    pin_now(monkeypatch, MOSCOW_8)
    record_night(recorded, dt.date(2030, 6, 2))
    record_night(older, dt.date(2030, 6, 1))
    run = send_diary_reminders()
    assert run.sent == ["due@example.org", "older@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["due@example.org", "older@example.org"]


def test_the_reminder_is_in_the_patients_language(monkeypatch: pytest.MonkeyPatch) -> None:
    moscow = zoned_clinic("moscow", "Europe/Moscow")
    opted_in("en@example.org", moscow)
    russian = opted_in("ru@example.org", moscow)
    russian.preferred_language = "ru"
    russian.save()
    send_diary_reminders(MOSCOW_8)
    english = next(m for m in mail.outbox if m.to == ["en@example.org"])
    assert english.subject == "Your quietlegs diary: how was last night?"
    assert "https://clinic.example.org/diary/entry/?day=2030-06-02" in english.body
    assert "https://clinic.example.org/diary/settings/" in english.body
    in_russian = next(m for m in mail.outbox if m.to == ["ru@example.org"])
    assert "дневник" in in_russian.subject


# --- clock changes -------------------------------------------------------------------------------


def test_a_berlin_clinic_gets_one_reminder_a_day_across_both_clock_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer."""
    opted_in("berlin@example.org", zoned_clinic("berlin", "Europe/Berlin"))
    spring = run_every_hour(monkeypatch, hours(SPRING_FORWARD - dt.timedelta(days=1), 72))
    assert spring == {
        dt.datetime(2030, 3, 30, 7, 0, tzinfo=UTC): [("berlin@example.org", dt.date(2030, 3, 29))],
        dt.datetime(2030, 3, 31, 6, 0, tzinfo=UTC): [("berlin@example.org", dt.date(2030, 3, 30))],
        dt.datetime(2030, 4, 1, 6, 0, tzinfo=UTC): [("berlin@example.org", dt.date(2030, 3, 31))],
    }
    autumn = run_every_hour(monkeypatch, hours(FALL_BACK - dt.timedelta(days=1), 72))
    assert autumn == {
        dt.datetime(2030, 10, 26, 6, 0, tzinfo=UTC): [
            ("berlin@example.org", dt.date(2030, 10, 25))
        ],
        dt.datetime(2030, 10, 27, 7, 0, tzinfo=UTC): [
            ("berlin@example.org", dt.date(2030, 10, 26))
        ],
        dt.datetime(2030, 10, 28, 7, 0, tzinfo=UTC): [
            ("berlin@example.org", dt.date(2030, 10, 27))
        ],
    }


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        # 02:00 does not happen: the clocks go from 01:59:59 CET to 03:00 CEST (01:00 UTC)
        (SPRING_FORWARD, dt.datetime(2030, 3, 31, 1, 0, tzinfo=UTC)),
        # 02:00 happens twice, at 00:00 and 01:00 UTC: the first one
        (FALL_BACK, dt.datetime(2030, 10, 27, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_reminder_hour_skipped_or_repeated_by_the_clocks_still_comes_once(
    monkeypatch: pytest.MonkeyPatch, day: dt.date, expected_utc: dt.datetime
) -> None:
    """Berlin's 08:00 is never skipped nor repeated, so the hour the clocks change (02:00)
    stands in for it. Runs every 15 minutes from 22:00 UTC the day before to 06:00 UTC."""
    monkeypatch.setattr(reminders, "REMINDER_HOUR", 2)
    assert reminder_hour(day, BERLIN) == expected_utc
    opted_in("berlin@example.org", zoned_clinic("berlin", "Europe/Berlin"))
    start = dt.datetime.combine(day, dt.time(0), tzinfo=UTC) - dt.timedelta(hours=2)
    sent = run_every_hour(monkeypatch, [start + dt.timedelta(minutes=15 * n) for n in range(33)])
    assert sent == {expected_utc: [("berlin@example.org", day - dt.timedelta(days=1))]}


def test_the_reminder_hour_lasts_one_real_hour() -> None:
    at = reminder_hour(JUNE_3, BERLIN)
    assert at == dt.datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
    assert night_to_remind(at - dt.timedelta(seconds=1), BERLIN) is None
    assert night_to_remind(at, BERLIN) == dt.date(2030, 6, 2)
    assert night_to_remind(at + dt.timedelta(minutes=59, seconds=59), BERLIN) == dt.date(2030, 6, 2)
    assert night_to_remind(at + dt.timedelta(hours=1), BERLIN) is None


def test_bad_moments_and_hours_are_refused() -> None:
    with pytest.raises(ValueError, match=r"at must be a moment with a time zone; got the naive"):
        send_diary_reminders(dt.datetime(2030, 6, 3, 8, 0))
    with pytest.raises(ValueError, match=r"at must be a moment with a time zone; got the naive"):
        night_to_remind(dt.datetime(2030, 6, 3, 8, 0), BERLIN)
    with pytest.raises(ValueError, match=r"hour must be 0 to 23; got 24"):
        reminder_hour(JUNE_3, BERLIN, 24)


# --- the command ----------------------------------------------------------------------------------


def test_the_reminder_command(monkeypatch: pytest.MonkeyPatch) -> None:
    opted_in("moscow@example.org", zoned_clinic("moscow", "Europe/Moscow"))
    out = io.StringIO()
    call_command("send_diary_reminders", "--dry-run", "--at", "2030-06-03T08:30+03:00", stdout=out)
    assert out.getvalue() == (
        "2030-06-03T08:30:00+03:00 (Europe/Moscow night 2030-06-02): would remind 1 patient(s)\n"
    )
    assert not mail.outbox
    pin_now(monkeypatch, MOSCOW_8)
    out = io.StringIO()
    call_command("send_diary_reminders", stdout=out)
    assert "reminded 1 patient(s)" in out.getvalue()
    assert len(mail.outbox) == 1
    out = io.StringIO()
    call_command("send_diary_reminders", "--at", "2030-06-03T12:00Z", stdout=out)
    assert out.getvalue() == (
        "2030-06-03T12:00:00+00:00: no time zone is in its reminder hour (08:00-08:59); "
        "nothing to send\n"
    )
    for bad in ("31.12.2024", "2030-06-03T08:30"):
        with pytest.raises(
            CommandError,
            match=r"--at must be an ISO 8601 moment with its UTC offset, e\.g\. "
            rf"2030-06-03T08:30\+03:00; got '{bad}'",
        ):
            call_command("send_diary_reminders", "--at", bad)


def test_the_command_fails_when_an_e_mail_could_not_be_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opted_in("moscow@example.org", zoned_clinic("moscow", "Europe/Moscow"))

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 reminder\(s\) could not be sent"):
        call_command(
            "send_diary_reminders", "--at", "2030-06-03T05:00Z", stdout=io.StringIO(), stderr=err
        )
    assert (
        "could not send to moscow@example.org (to try again: --at 2030-06-03T05:00:00+00:00)"
        in err.getvalue()
    )


# --- the upgrade ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_the_night_each_patient_was_last_reminded_about() -> None:
    """Migration 0002 turns ``DiarySettings.last_reminder_for`` into a DiaryReminder row,
    so the first run after the upgrade does not remind about that night again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    before = [node for node in latest if node[0] != "diary"] + [("diary", "0001_initial")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("accounts", "User").objects.create(
        username="old@example.org", email="old@example.org", role="patient"
    )
    old.get_model("diary", "DiarySettings").objects.create(
        patient_id=user.pk, reminders=True, last_reminder_for=dt.date(2030, 6, 2)
    )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert list(DiaryReminder.objects.values_list("patient_id", "night")) == [
        (user.pk, dt.date(2030, 6, 2))
    ]
    assert send_diary_reminders(dt.datetime(2030, 6, 3, 8, 0, tzinfo=UTC)).sent == []
