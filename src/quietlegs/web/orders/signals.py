"""Remove an order's attached file when the order goes (e.g. the patient deletes their account)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from quietlegs.web.orders.models import Order


@receiver(post_delete, sender=Order)
def _delete_attachment(sender: type[Order], instance: Order, **kwargs: Any) -> None:
    if instance.attachment_path:
        Path(instance.attachment_path).unlink(missing_ok=True)
