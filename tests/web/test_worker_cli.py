"""`quietlegs worker`: --once sends the due reminders and passes on expired waitlist offers
without a broker; bad options exit 2."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from quietlegs.cli import app

runner = CliRunner()


@pytest.mark.django_db
def test_worker_once_sends_the_due_reminders_and_exits(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 0 reminder(s)" in result.output
    assert "0 waitlist offer(s) expired and passed on" in result.output


def test_worker_refuses_an_unknown_log_level() -> None:
    result = runner.invoke(app, ["worker", "--loglevel", "loud"])
    assert result.exit_code == 2
    assert "--loglevel must be one of debug, info, warning, error; got 'loud'" in result.output
