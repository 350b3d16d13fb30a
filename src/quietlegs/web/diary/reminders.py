"""E-mail reminders: patients who opted in and have no entry for last night.

:func:`send_diary_reminders` is meant to run once each morning; the management
command ``send_diary_reminders`` calls it (``docs/monitoring.md``: schedule it on
the clinic's periodic-job runner). Each patient gets at most one reminder per
night, even if the job runs twice or two runners overlap: the night is claimed in
the database before the e-mail is sent, and released again if sending fails.
E-mails go through Django's mail backend (``QUIETLEGS_EMAIL_BACKEND``).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.diary.models import DiaryEntry, DiarySettings
from quietlegs.web.diary.services import local_today

logger = logging.getLogger("quietlegs.web.diary")


@dataclass
class ReminderRun:
    """What one run did.

    Attributes
    ----------
    night : datetime.date
        The night reminded about (yesterday).
    sent : list of str
        E-mail addresses reminded.
    failed : list of str
        Addresses whose e-mail could not be sent (they are tried again on the next run).
    """

    night: dt.date
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def patients_due(night: dt.date) -> list[User]:
    """Active patients with reminders on, an e-mail address, no entry for ``night`` and
    no reminder sent about it yet."""
    has_entry = DiaryEntry.objects.filter(patient=OuterRef("pk"), day=night)
    return list(
        User.objects.filter(
            role=User.Role.PATIENT,
            is_active=True,
            diary_settings__reminders=True,
        )
        .exclude(email="")
        .exclude(diary_settings__last_reminder_for=night)
        .annotate(recorded=Exists(has_entry))
        .filter(recorded=False)
        .order_by("pk")
    )


def site_url() -> str:
    """The address links in e-mails start with (``QUIETLEGS_SITE_URL``)."""
    return str(getattr(settings, "QUIETLEGS_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def send_diary_reminders(
    today: dt.date | None = None, *, base_url: str | None = None, dry_run: bool = False
) -> ReminderRun:
    """E-mail every patient who is due a reminder about last night.

    Parameters
    ----------
    today : datetime.date | None
        The day of the run (default: today in the clinic's time zone); the reminder is
        about the night before.
    base_url : str | None
        Start of the link in the e-mail (default :func:`site_url`).
    dry_run : bool
        List who would be reminded without sending or recording anything.

    Returns
    -------
    run : ReminderRun
    """
    night = (today or local_today()) - dt.timedelta(days=1)
    run = ReminderRun(night)
    link = (base_url or site_url()).rstrip("/") + reverse("diary:new") + f"?day={night.isoformat()}"
    for patient in patients_due(night):
        if dry_run:
            run.sent.append(patient.email)
            continue
        previous = (
            DiarySettings.objects.filter(patient=patient)
            .values_list("last_reminder_for", flat=True)
            .first()
        )
        claimed = (
            DiarySettings.objects.filter(patient=patient, reminders=True)
            .filter(Q(last_reminder_for__isnull=True) | ~Q(last_reminder_for=night))
            .update(last_reminder_for=night)
        )
        if not claimed:  # another run got there first
            continue
        with translation.override(patient.preferred_language):
            subject = render_to_string("diary/reminder_subject.txt").strip()
            body = render_to_string(
                "diary/reminder_email.txt",
                {
                    "patient": patient,
                    "night": night,
                    "link": link,
                    "settings_link": (base_url or site_url()).rstrip("/")
                    + reverse("diary:settings"),
                },
            )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("diary reminder to patient %s failed: %s", patient.pk, exc)
            DiarySettings.objects.filter(patient=patient).update(last_reminder_for=previous)
            run.failed.append(patient.email)
            continue
        record(None, AuditEvent.Action.VIEW, patient=patient, object_type="diary_reminder")
        run.sent.append(patient.email)
    return run
