"""A patient's tremor recordings (phone or watch CSV) and their measurement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TremorRecording(models.Model):
    """One uploaded motion recording and its tremor measurement (``quietlegs.signals.tremor``).

    The CSV and the figure (PNG) are kept under ``settings.DATA_DIR / "tremor"`` with random
    names; the user's file name is kept only as text. ``result`` is the measurement as the
    core returned it (:meth:`TremorResult.to_dict`); only recordings that could be analysed
    are stored.
    """

    class Task(models.TextChoices):
        REST = "rest", _("At rest")
        POSTURE = "posture", _("Holding a posture")
        ACTION = "action", _("During a movement")
        STANDING = "standing", _("Standing still")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tremor_recordings"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    figure_path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    task = models.CharField(_("task"), max_length=16, choices=Task.choices)
    result: models.JSONField[dict[str, Any]] = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.task})"


def remove_files(sender: type[TremorRecording], instance: TremorRecording, **kwargs: Any) -> None:
    """Delete a recording's CSV and figure with its row (``post_delete``)."""
    for name in (instance.stored_path, instance.figure_path):
        if name:
            Path(name).unlink(missing_ok=True)
