"""Orders: the tests and referrals a clinician asks for, their status and their results.

An order is made from an assessment's recommendations (the knowledge base's
workup tests and referrals) and keeps the names and reasons as the report gave
them, in every UI language. Its life: ``ordered`` → ``scheduled`` → ``resulted``,
or ``cancelled`` while still open; each step keeps when and who. A lab order whose
test measures knowledge-base lab questions stores its values as
:class:`~quietlegs.web.records.models.LabResult` rows (they feed the assessment);
any order may carry a text result, an interpretation and one attached file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quietlegs.web.records.models import LabResult, PSGStudy


class Order(models.Model):
    """One test or referral asked for a patient."""

    class Kind(models.TextChoices):
        LAB = "lab", _("laboratory test")
        IMAGING = "imaging", _("imaging (ultrasound, Doppler, MRI, CT)")
        PSG = "psg", _("polysomnography")
        EMG = "emg", _("electromyography / nerve conduction")
        CONSULTATION = "consultation", _("specialist consultation")
        OTHER = "other", _("other examination")

    class Catalogue(models.TextChoices):
        TEST = "test", _("test")
        REFERRAL = "referral", _("referral")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("ordered")
        SCHEDULED = "scheduled", _("scheduled")
        RESULTED = "resulted", _("resulted")
        CANCELLED = "cancelled", _("cancelled")

    class Priority(models.TextChoices):
        # The codes are FHIR's request priorities (ServiceRequest.priority).
        ROUTINE = "routine", _("routine")
        URGENT = "urgent", _("urgent")
        STAT = "stat", _("immediately")

    class Interpretation(models.TextChoices):
        NORMAL = "normal", _("normal")
        ABNORMAL = "abnormal", _("abnormal")
        INCONCLUSIVE = "inconclusive", _("inconclusive")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    catalogue = models.CharField(max_length=10, choices=Catalogue.choices)
    item_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    names: models.JSONField[dict[str, str]] = models.JSONField()
    reasons: models.JSONField[dict[str, list[str]]] = models.JSONField(default=dict)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ORDERED, db_index=True
    )

    ordered_at = models.DateTimeField(auto_now_add=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled_for = models.DateField(_("date of the examination"), null=True, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)
    resulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)

    result_date = models.DateField(_("date of the result"), null=True, blank=True)
    result_text = models.TextField(_("result"), max_length=10000, blank=True)
    result_interpretation = models.CharField(
        _("interpretation"), max_length=16, choices=Interpretation.choices, blank=True
    )
    lab_results = models.ManyToManyField(LabResult, blank=True, related_name="+")
    psg_study = models.ForeignKey(
        PSGStudy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attachment_name = models.CharField(_("file name"), max_length=255, blank=True)
    attachment_path = models.CharField(max_length=500, blank=True)
    attachment_size = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        constraints = [
            # One open order per item and patient: a double click or a second tab
            # cannot order the same test twice; a new one is possible once it is closed.
            models.UniqueConstraint(
                fields=["patient", "catalogue", "item_id"],
                condition=models.Q(status__in=["ordered", "scheduled"]),
                name="orders_one_open_order_per_item",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["ordered", "scheduled", "resulted", "cancelled"]),
                name="orders_known_status",
            ),
        ]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"{self.catalogue}:{self.item_id} ({self.status})"

    def name(self, lang: str) -> str:
        """The item's name in ``lang`` as the report gave it (English if missing)."""
        names: dict[str, Any] = self.names or {}
        return str(names.get(lang) or names.get("en") or self.item_id)

    def reasons_in(self, lang: str) -> list[str]:
        """Why it was ordered, in ``lang`` (English if missing)."""
        reasons: dict[str, Any] = self.reasons or {}
        return list(reasons.get(lang) or reasons.get("en") or [])

    @property
    def is_open(self) -> bool:
        """Whether the order still waits for its result (ordered or scheduled)."""
        return self.status in (self.Status.ORDERED, self.Status.SCHEDULED)
