"""``send_diary_reminders``: e-mail the patients with reminders on and no entry for last
night (one e-mail per patient and night). Run it once each morning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quietlegs.web.diary.reminders import send_diary_reminders


class Command(BaseCommand):
    help = (
        "E-mail every patient who turned diary reminders on and has no entry for last night "
        "(at most one reminder per night). Meant for the clinic's periodic-job runner, once "
        "each morning."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="the day of the run, YYYY-MM-DD (default: today); reminds about the night before",
        )
        parser.add_argument("--site-url", help="start of the link in the e-mail")
        parser.add_argument(
            "--dry-run", action="store_true", help="list who would be reminded; send nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD; got {options['date']!r}") from None
        run = send_diary_reminders(today, base_url=options["site_url"], dry_run=options["dry_run"])
        verb = "would remind" if options["dry_run"] else "reminded"
        self.stdout.write(f"night {run.night.isoformat()}: {verb} {len(run.sent)} patient(s)")
        for address in run.failed:
            self.stderr.write(f"could not send to {address} (will be tried again)")
        if run.failed:
            raise CommandError(f"{len(run.failed)} reminder(s) could not be sent")
