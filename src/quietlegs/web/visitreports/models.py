"""Visit reports: a clinician's signed summary of a visit, frozen when signed.

The content (patient, visit date, the assessment, results, sleep studies, the plan,
the clinician's summary and who signed when) is stored as JSON with its SHA-256;
a signed report is never changed: a correction is a new version that ``amends``
the previous one (one amendment per version, enforced by the database).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models


def content_hash(content: dict[str, Any]) -> str:
    """The SHA-256 (hex) of ``content`` as canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class VisitReportQuerySet(models.QuerySet["VisitReport"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("a signed visit report cannot be changed; amend it instead")


class VisitReport(models.Model):
    """One signed version of a visit report."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_reports"
    )
    version = models.PositiveIntegerField(default=1)
    amends = models.OneToOneField(
        # RESTRICT: a version cannot go while its amendment stays, but both go with the patient.
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="amended_by",
    )
    visit_date = models.DateField()
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    summary = models.TextField(max_length=20000)
    content: models.JSONField[dict[str, Any]] = models.JSONField()
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signed_by_name = models.CharField(max_length=300)
    # The form's one-time key: submitting the same form twice signs one report.
    nonce = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = VisitReportQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="visitreports_version_from_1"
            ),
        ]

    def __str__(self) -> str:
        return f"visit report {self.visit_date} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("a signed visit report cannot be changed; amend it instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("a signed visit report cannot be deleted")

    def verify(self) -> bool:
        """Whether the stored content still has the hash it was signed with."""
        return content_hash(self.content) == self.content_hash
