"""``send_diary_reminders``: e-mail the patients whose clinic is in its reminder hour
(08:00–08:59 local) and who have reminders on and no entry for last night (one e-mail per
patient and night). Run it every hour (``quietlegs worker`` does)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quietlegs.web.diary.reminders import REMINDER_HOUR, send_diary_reminders


class Command(BaseCommand):
    help = (
        f"E-mail every patient who turned diary reminders on, has no entry for last night and "
        f"whose clinic's local time is {REMINDER_HOUR:02d}:00-{REMINDER_HOUR:02d}:59 (at most "
        f"one reminder per night). Meant to run every hour."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            help="the moment of the run, ISO 8601 with its UTC offset, e.g. "
            "2030-06-03T08:30+03:00 (default: now); to catch up on a missed reminder hour",
        )
        parser.add_argument("--site-url", help="start of the link in the e-mail")
        parser.add_argument(
            "--dry-run", action="store_true", help="list who would be reminded; send nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options["at"]:
            try:
                at = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                at = None
            if at is None or at.utcoffset() is None:
                raise CommandError(
                    "--at must be an ISO 8601 moment with its UTC offset, e.g. "
                    f"2030-06-03T08:30+03:00; got {options['at']!r}"
                )
        run = send_diary_reminders(at, base_url=options["site_url"], dry_run=options["dry_run"])
        if not run.nights:
            self.stdout.write(
                f"{run.at.isoformat()}: no time zone is in its reminder hour "
                f"({REMINDER_HOUR:02d}:00-{REMINDER_HOUR:02d}:59); nothing to send"
            )
            return
        verb = "would remind" if options["dry_run"] else "reminded"
        nights = ", ".join(
            f"{zone} night {night.isoformat()}" for zone, night in run.nights.items()
        )
        self.stdout.write(f"{run.at.isoformat()} ({nights}): {verb} {len(run.sent)} patient(s)")
        for address in run.failed:
            self.stderr.write(
                f"could not send to {address} (to try again: --at {run.at.isoformat()})"
            )
        if run.failed:
            raise CommandError(f"{len(run.failed)} reminder(s) could not be sent")
