"""Appointment reminders: an e-mail (and a text message) once, N hours before each visit.

:func:`send_due_reminders` is run every few minutes by Celery beat
(:mod:`quietlegs.web.worker`); it can be run by hand too
(``quietlegs worker --once``). Each reminder is sent once: the appointment row is
locked, ``reminder_sent_at`` is checked and set in the same transaction, and a
failed e-mail leaves it unset so that the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import Appointment, ClinicRules
from quietlegs.web.scheduling.sms import sms_sender

logger = logging.getLogger("quietlegs.web.scheduling")

#: The furthest ahead any clinic may send reminders (ClinicRules.clean allows 336 h).
MAX_REMINDER_H = 14 * 24


def due(at: datetime) -> list[Appointment]:
    """Booked appointments whose reminder is due at ``at`` and not yet sent."""
    hours = dict(ClinicRules.objects.values_list("clinic_id", "reminder_h"))
    candidates = Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        reminder_sent_at__isnull=True,
        start__gt=at,
        start__lte=at + timedelta(hours=MAX_REMINDER_H),
    ).select_related("clinic", "patient", "clinician", "visit_type")
    default_h = ClinicRules._meta.get_field("reminder_h").get_default()
    return [
        a for a in candidates if a.start <= at + timedelta(hours=hours.get(a.clinic_id, default_h))
    ]


def reminder_text(appointment: Appointment) -> tuple[str, str, str]:
    """Subject, e-mail body and SMS text of ``appointment``'s reminder, in the patient's
    language."""
    patient = appointment.patient
    cancel_link = services.site_url(
        reverse("scheduling:cancel_by_link", args=[services.cancel_token(appointment)])
    )
    with translation.override(patient.preferred_language or "en"):
        when = services._when(appointment)
        values = {
            "name": patient.display_name(),
            "clinic": appointment.clinic.name,
            "visit": appointment.visit_type.name,
            "when": when,
            "clinician": appointment.clinician.display_name(),
            "link": cancel_link,
        }
        subject = _("Reminder: %(visit)s on %(when)s") % values
        body = (
            _(
                "Hello %(name)s,\n\n"
                "This is a reminder of your appointment at %(clinic)s:\n"
                "%(visit)s with %(clinician)s, %(when)s.\n\n"
                "If you cannot come, cancel it with this link so that someone else can have "
                "the time:\n%(link)s\n\n"
                "In an emergency do not wait for the appointment: call your local emergency "
                "number."
            )
            % values
        )
        sms = _("%(clinic)s: %(visit)s on %(when)s. To cancel: %(link)s") % values
    return subject, body, sms


def send_reminder(appointment_id: int, at: datetime) -> bool:
    """Send one appointment's reminder unless it was sent already; True if sent now."""
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient", "clinician", "visit_type")
            .filter(pk=appointment_id, status=Appointment.Status.BOOKED)
            .first()
        )
        if appointment is None or appointment.reminder_sent_at is not None:
            return False
        subject, body, sms = reminder_text(appointment)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [appointment.patient.email])
        appointment.reminder_sent_at = at
        appointment.save(update_fields=["reminder_sent_at"])
    phone = appointment.patient.phone
    if phone:
        try:
            sms_sender().send(phone, sms)
        except OSError:
            logger.warning("could not send the reminder SMS of appointment %s", appointment_id)
    return True


def send_due_reminders(at: datetime | None = None) -> int:
    """Send every due reminder; return how many were sent. A failed e-mail is retried
    on the next run."""
    at = at or services.now()
    sent = 0
    for appointment in due(at):
        try:
            if send_reminder(appointment.pk, at):
                sent += 1
        except OSError:
            logger.warning("could not e-mail the reminder of appointment %s", appointment.pk)
    if sent:
        logger.info("sent %d appointment reminder(s)", sent)
    return sent
