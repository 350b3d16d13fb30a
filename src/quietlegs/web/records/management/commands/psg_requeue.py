"""``psg_requeue``: queue again the PSG analyses lost when a web process stopped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quietlegs.web.records.psg import requeue_interrupted


class Command(BaseCommand):
    help = (
        "Queue again PSG studies left 'queued' by a stopped process, or 'processing' for "
        "longer than the stale limit (run by `quietlegs serve` at start-up)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = requeue_interrupted()
        if options["verbosity"] > 0:
            self.stdout.write(f"re-queued {len(ids)} PSG studies")
