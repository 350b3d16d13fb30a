"""E-mail reminders: patients who opted in and have no entry for last night.

:func:`send_diary_reminders` runs every hour (the ``diary-reminders`` entry of Celery
beat, through the management command ``send_diary_reminders``). Each run reminds only
the patients whose clinic is in its reminder hour (:data:`REMINDER_HOUR`, 08:00–08:59 in
the clinic's own time zone), about the night before in that zone; the other patients
wait for their own morning. A patient's zone is their clinic's (its saved
``ClinicRules.time_zone``), else ``settings.TIME_ZONE``: the zone in which the diary's
pages date their nights (:mod:`quietlegs.web.middleware`).

Each patient gets at most one reminder per night, even if the job runs twice in the
hour, runs late, or two runners overlap: a :class:`~quietlegs.web.diary.models.DiaryReminder`
row (unique per patient and night) is inserted in the transaction that sends the
e-mail, and a failed e-mail rolls it back. Beat runs the job once an hour, so nothing
retries it by itself: the failure is logged (and the command fails), and
``send_diary_reminders --at`` with a moment in that reminder hour sends what is missing.
E-mails go through Django's mail backend (``QUIETLEGS_EMAIL_BACKEND``).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary.models import DiaryEntry, DiaryReminder
from quietlegs.web.scheduling.models import ClinicRules

logger = logging.getLogger("quietlegs.web.diary")

#: The local hour in which the reminders go out: 08:00–08:59 in the clinic's time zone.
#: Not a clinical threshold but the app's choice: the night has ended for most patients by
#: then (a run at half past midnight would tell someone still in bed that the night's entry
#: is missing), and it is still fresh in mind.
REMINDER_HOUR = 8

#: How long the reminder hour lasts, in real time (a clock change inside it does not
#: make it longer or shorter). Beat runs the job once an hour, so exactly one run falls
#: in it whatever the zone's offset from beat's clock (whole, half or quarter hours).
REMINDER_HOUR_LENGTH = dt.timedelta(hours=1)


@dataclass
class ReminderRun:
    """What one run did.

    Attributes
    ----------
    at : datetime.datetime
        The moment of the run.
    nights : dict of str to datetime.date
        Each time zone (IANA name) that was in its reminder hour at ``at``, and the night
        its patients were reminded about (the day before in that zone).
    sent : list of str
        E-mail addresses reminded (or that would be, in a dry run).
    failed : list of str
        Addresses whose e-mail could not be sent (nothing recorded: a run with the same
        ``at``, or another run in the reminder hour, tries again).
    """

    at: dt.datetime
    nights: dict[str, dt.date] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def reminder_hour(day: dt.date, zone: ZoneInfo, hour: int | None = None) -> dt.datetime:
    """The moment ``day``'s reminder hour begins in ``zone`` (in UTC).

    Normally ``hour``:00 on ``day`` in ``zone``. When the clocks go back and the hour
    happens twice, its first occurrence; when they go forward over it, the moment
    ``hour``:00 would have been at the offset before the change (the clocks read later
    then). Either way each day has exactly one reminder hour of
    :data:`REMINDER_HOUR_LENGTH`.

    Parameters
    ----------
    day : datetime.date
        The local day.
    zone : zoneinfo.ZoneInfo
    hour : int | None
        The local hour, 0 to 23 (default :data:`REMINDER_HOUR`).

    Returns
    -------
    start : datetime.datetime
        An aware moment in UTC.

    Raises
    ------
    ValueError
        If ``hour`` is not 0 to 23.
    """
    hour = REMINDER_HOUR if hour is None else hour
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0 to 23; got {hour!r}")
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=zone).replace(fold=0)
    return local.astimezone(dt.UTC)


def night_to_remind(at: dt.datetime, zone: ZoneInfo, hour: int | None = None) -> dt.date | None:
    """The night ``zone``'s patients are reminded about at ``at``, if it is their reminder hour.

    Parameters
    ----------
    at : datetime.datetime
        An aware moment.
    zone : zoneinfo.ZoneInfo
    hour : int | None
        The local hour (default :data:`REMINDER_HOUR`).

    Returns
    -------
    night : datetime.date | None
        The day before ``at``'s local date when ``at`` falls in that date's reminder
        hour (:func:`reminder_hour`), else None (not a failure: not their hour).

    Raises
    ------
    ValueError
        If ``at`` has no time zone, or ``hour`` is not 0 to 23.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be a moment with a time zone; got the naive {at!r}")
    today = at.astimezone(zone).date()
    start = reminder_hour(today, zone, hour)
    if start <= at < start + REMINDER_HOUR_LENGTH:
        return today - dt.timedelta(days=1)
    return None


def default_zone() -> ZoneInfo:
    """The zone of patients without a clinic, or whose clinic saved no rules
    (``settings.TIME_ZONE``, ``QUIETLEGS_TIME_ZONE``)."""
    return ZoneInfo(settings.TIME_ZONE)


def clinic_zones() -> dict[int, ZoneInfo]:
    """Each clinic's time zone, by clinic id, from its saved rules.

    A clinic without rules, or whose zone this server does not know (logged), is left
    out: its patients' zone is :func:`default_zone`, as on the diary's pages
    (:func:`quietlegs.web.middleware.clinic_time_zone`). Nothing is created.
    """
    zones: dict[int, ZoneInfo] = {}
    for clinic_id, name in ClinicRules.objects.values_list("clinic_id", "time_zone"):
        try:
            zones[clinic_id] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning(
                "clinic %s: unknown time zone %r; reminders use TIME_ZONE", clinic_id, name
            )
    return zones


def nights_due(at: dt.datetime) -> dict[str, tuple[dt.date, Q]]:
    """The zones in their reminder hour at ``at``: for each (IANA name), the night to
    remind about and the filter of the patients in that zone."""
    zones = clinic_zones()
    fallback = default_zone()
    due: dict[str, tuple[dt.date, Q]] = {}
    for zone in {fallback.key: fallback, **{z.key: z for z in zones.values()}}.values():
        night = night_to_remind(at, zone)
        if night is None:
            continue
        who = Q(clinic_id__in=[cid for cid, z in zones.items() if z.key == zone.key])
        if zone.key == fallback.key:
            who |= Q(clinic__isnull=True) | ~Q(clinic_id__in=list(zones))
        due[zone.key] = (night, who)
    return due


def patients_due(night: dt.date, who: Q | None = None) -> list[User]:
    """Active patients (among ``who``) with reminders on, an e-mail address, no entry for
    ``night`` and no reminder sent about it yet."""
    has_entry = DiaryEntry.objects.filter(patient=OuterRef("pk"), day=night)
    reminded = DiaryReminder.objects.filter(patient=OuterRef("pk"), night=night)
    return list(
        User.objects.filter(
            role=User.Role.PATIENT,
            is_active=True,
            diary_settings__reminders=True,
        )
        .filter(who or Q())
        .exclude(email="")
        .annotate(recorded=Exists(has_entry), reminded=Exists(reminded))
        .filter(recorded=False, reminded=False)
        .order_by("pk")
    )


def site_url() -> str:
    """The address links in e-mails start with (``QUIETLEGS_SITE_URL``)."""
    return str(getattr(settings, "QUIETLEGS_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def reminder_text(patient: User, night: dt.date, base_url: str) -> tuple[str, str]:
    """Subject and body of ``patient``'s reminder about ``night``, in their language."""
    link = base_url + reverse("diary:new") + f"?day={night.isoformat()}"
    with translation.override(patient.preferred_language or "en"):
        subject = render_to_string("diary/reminder_subject.txt").strip()
        body = render_to_string(
            "diary/reminder_email.txt",
            {
                "patient": patient,
                "night": night,
                "link": link,
                "settings_link": base_url + reverse("diary:settings"),
            },
        )
    return subject, body


def send_reminder(patient: User, night: dt.date, base_url: str) -> bool:
    """E-mail ``patient`` about ``night`` unless a reminder about it was sent already.

    Returns
    -------
    sent : bool
        True if sent now; False if another run had sent it.

    Raises
    ------
    OSError, smtplib.SMTPException
        If the e-mail could not be sent (nothing is recorded then).
    """
    subject, body = reminder_text(patient, night, base_url)
    try:
        with transaction.atomic():
            DiaryReminder.objects.create(patient=patient, night=night)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])
    except IntegrityError:  # diary_one_reminder_per_night: another run got there first
        return False
    record(None, AuditEvent.Action.VIEW, patient=patient, object_type="diary_reminder")
    return True


def send_diary_reminders(
    at: dt.datetime | None = None, *, base_url: str | None = None, dry_run: bool = False
) -> ReminderRun:
    """E-mail the patients in their reminder hour who are due a reminder about last night.

    Parameters
    ----------
    at : datetime.datetime | None
        The moment of the run, with its time zone (default: now).
    base_url : str | None
        Start of the links in the e-mail (default :func:`site_url`).
    dry_run : bool
        List who would be reminded without sending or recording anything.

    Returns
    -------
    run : ReminderRun

    Raises
    ------
    ValueError
        If ``at`` has no time zone.
    """
    moment = timezone.now() if at is None else at
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"at must be a moment with a time zone; got the naive {moment!r}")
    run = ReminderRun(moment)
    base = (base_url or site_url()).rstrip("/")
    for key, (night, who) in sorted(nights_due(moment).items()):
        run.nights[key] = night
        for patient in patients_due(night, who):
            if dry_run:
                run.sent.append(patient.email)
                continue
            try:
                sent = send_reminder(patient, night, base)
            except (OSError, smtplib.SMTPException) as exc:
                logger.warning("diary reminder to patient %s failed: %s", patient.pk, exc)
                run.failed.append(patient.email)
                continue
            if sent:
                run.sent.append(patient.email)
    return run
