"""Celery tasks of the appointment book (run by the worker; see quietlegs.web.worker)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.management import call_command, get_commands

from quietlegs.web.scheduling.reminders import send_due_reminders
from quietlegs.web.scheduling.services import expire_waitlist_offers

logger = logging.getLogger("quietlegs.web.scheduling")


@shared_task(name="quietlegs.send_appointment_reminders", ignore_result=True)
def send_appointment_reminders() -> int:
    """Send the appointment reminders that are due (beat runs it every few minutes)."""
    return send_due_reminders()


@shared_task(name="quietlegs.expire_waitlist_offers", ignore_result=True)
def expire_waitlist_offers_task() -> int:
    """Offer the times of expired waitlist offers to the next person waiting, and send the
    offer e-mails that failed (beat runs it every few minutes)."""
    return expire_waitlist_offers()


@shared_task(name="quietlegs.run_management_command", ignore_result=True)
def run_management_command(name: str) -> bool:
    """Run the management command ``name`` if this installation has it.

    The beat schedule names commands that other parts of quietlegs provide (the
    symptom diary's ``send_diary_reminders``); where such a command does not exist
    the job logs that and does nothing.
    """
    if name not in get_commands():
        logger.info("periodic job skipped: there is no management command %r", name)
        return False
    call_command(name)
    return True
