"""Stored assessments: the answers, and the report exactly as it was given."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from quietlegs.assessment import LANGUAGES, assess
from quietlegs.web.knowledge import kb


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: Any) -> AssessmentQuerySet:
        """Assessments ``user`` may see: their own, or their clinic's patients'."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_patient:
            return self.filter(patient=user)
        if user.is_clinician:
            return self.filter(patient__clinic_id=user.clinic_id, patient__role="patient")
        return self.none()


class Assessment(models.Model):
    """One assessment: answers in, report out, both kept as given.

    The report is stored in every UI language at the time it was made, with
    the knowledge-base version, so a record always shows what the person was
    told even after the knowledge base changes.
    """

    class Source(models.TextChoices):
        INTERVIEW = "interview", _("Online interview")
        CLINICIAN = "clinician", _("Re-run by a clinician with results")
        API = "api", _("API")
        MEASUREMENT = "measurement", _("Re-run with a measured tremor")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reruns"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERVIEW)
    answers: models.JSONField[dict[str, Any]] = models.JSONField()
    skipped: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    reports: models.JSONField[dict[str, Any]] = models.JSONField()
    knowledge_version = models.CharField(max_length=40)
    urgency = models.CharField(max_length=20, db_index=True)
    top_condition = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.urgency}"

    @classmethod
    def create_from_answers(
        cls,
        answers: Mapping[str, Any],
        *,
        skipped: Sequence[str] = (),
        patient: Any = None,
        created_by: Any = None,
        source: str = Source.INTERVIEW,
        based_on: Assessment | None = None,
    ) -> Assessment:
        """Assess ``answers`` and store the result.

        Raises
        ------
        AnswerError
            If the answers are invalid; nothing is stored.
        """
        knowledge = kb()
        reports = {lang: assess(knowledge, answers, lang).to_dict() for lang in LANGUAGES}
        en = reports["en"]
        with transaction.atomic():
            return cls.objects.create(
                patient=patient,
                created_by=created_by,
                based_on=based_on,
                source=source,
                answers=dict(answers),
                skipped=list(skipped),
                reports=reports,
                knowledge_version=en["knowledge_version"],
                urgency=en["urgency"],
                top_condition=en["conditions"][0]["id"] if en["conditions"] else "",
            )

    def report(self, lang: str) -> dict[str, Any]:
        """The stored report in ``lang`` (English if that language is missing)."""
        reports: dict[str, Any] = self.reports
        report: dict[str, Any] = reports.get(lang) or reports["en"]
        return report
