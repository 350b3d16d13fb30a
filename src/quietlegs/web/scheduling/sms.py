"""The text-message hook: reminders go to any sender that implements :class:`SmsSender`.

quietlegs ships no SMS gateway. By default the text is written to the log
(:class:`LogSmsSender`). To send real messages, write a class with a
``send(phone, text)`` method that calls your provider, and name it in the
``QUIETLEGS_SMS_SENDER`` environment variable (a dotted path, e.g.
``myclinic.sms.GatewaySender``).
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("quietlegs.web.scheduling.sms")


@runtime_checkable
class SmsSender(Protocol):
    """Sends one text message; raises ``OSError`` when the provider cannot be reached."""

    def send(self, phone: str, text: str) -> None: ...


class LogSmsSender:
    """Writes each message to the ``quietlegs.web.scheduling.sms`` log (the default)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemorySmsSender:
    """Keeps the messages in :attr:`outbox` (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemorySmsSender.outbox.append((phone, text))


def sms_sender() -> SmsSender:
    """The configured sender (``settings.QUIETLEGS_SMS_SENDER``)."""
    cls = import_string(settings.QUIETLEGS_SMS_SENDER)
    sender = cls()
    if not isinstance(sender, SmsSender):
        raise TypeError(
            f"QUIETLEGS_SMS_SENDER must name a class with a send(phone, text) method; "
            f"got {settings.QUIETLEGS_SMS_SENDER!r}"
        )
    return sender
