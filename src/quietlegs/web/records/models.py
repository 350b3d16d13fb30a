"""What clinicians add to a patient's record: results, exam findings, notes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from quietlegs.assessment.answers import InvalidAnswerError, normalize_answer
from quietlegs.web.knowledge import current_language, kb


def _number(value: float) -> str:
    """``6000``, ``4.5`` (``4,5`` in Russian): no needless decimals, the reader's separator."""
    return f"{value:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def lab_question_ids() -> list[str]:
    """Knowledge-base questions a clinician answers with a result (ferritin, TSAT...)."""
    return [q.id for q in kb().questions.values() if q.audience == "clinician"]


class LabResult(models.Model):
    """A laboratory result, keyed by its knowledge-base question (e.g. ``ferritin_ng_ml``)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_results"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    question_id = models.CharField(_("test"), max_length=64)
    value = models.FloatField(_("value"))
    measured_on = models.DateField(_("date of the sample"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.question_id}={self.value:g} ({self.measured_on})"

    def clean(self) -> None:
        """Check the test exists and the value is in its range (the knowledge base's)."""
        question = kb().questions.get(self.question_id)
        if question is None or question.audience != "clinician":
            raise ValidationError({"question_id": _("Unknown test.")})
        try:
            normalize_answer(question, self.value)
        except InvalidAnswerError as exc:
            # The core names the question by its id, in English ("haemoglobin_g_l: must be
            # ..."); the page names it as the form does, in the reader's language.
            raise ValidationError({"value": self._value_problem(question, exc)}) from exc

    @staticmethod
    def _value_problem(question: Any, exc: InvalidAnswerError) -> str:
        lang = current_language()
        problem = exc.problem
        rng = question.range
        unit = f" {rng.unit.get(lang)}" if rng is not None and rng.unit else ""
        params = {
            "label": question.text.get(lang),
            "low": _number(problem.params.get("low", 0)),
            "high": _number(problem.params.get("high", 0)),
            "value": _number(problem.params.get("value", 0)),
            "unit": unit,
        }
        if problem.code == "out_of_range":
            return _("%(label)s: must be between %(low)s and %(high)s%(unit)s; got %(value)s") % (
                params
            )
        if problem.code == "not_a_whole_number":
            return _("%(label)s: must be a whole number; got %(value)s") % params
        return _("%(label)s: enter a number.") % params

    @classmethod
    def latest_answers(cls, patient: Any) -> dict[str, float]:
        """The most recent value of each test for ``patient``, as interview answers."""
        latest: dict[str, float] = {}
        for result in cls.objects.filter(patient=patient).order_by("measured_on", "created_at"):
            latest[result.question_id] = result.value
        return latest


class ExamFinding(models.Model):
    """A clinician's examination finding (free text)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_findings"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("finding"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def written_by(self) -> Any:
        """Who recorded it (the same name as on a note, for the shared template)."""
        return self.recorded_by


class ClinicalNote(models.Model):
    """A clinician's note on a patient."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinical_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note"), max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def written_by(self) -> Any:
        """Who wrote it (the same name as on a finding, for the shared template)."""
        return self.author


class PSGStudy(models.Model):
    """A polysomnography recording (EDF/EDF+) uploaded to a patient's record, and its
    leg-movement analysis (``quietlegs.signals``), run in the background.

    The file is stored under ``settings.DATA_DIR / "psg"`` with a random name; the
    user's file name is kept only as text (``original_name``).
    """

    class Rules(models.TextChoices):
        WASM2016 = "wasm2016", _("WASM/IRLSSG 2016")
        AASM = "aasm", _("AASM")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        PROCESSING = "processing", _("processing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="psg_studies"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    rules = models.CharField(
        _("scoring rules"), max_length=16, choices=Rules.choices, default=Rules.WASM2016
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    #: Why the analysis failed, in English as the core said it (for the log and for
    #: studies that failed before ``error_code`` was stored).
    error = models.TextField(blank=True)
    #: Why it failed, as data the pages word in the reader's language
    #: (:mod:`quietlegs.web.records.psg_problems`); empty for the studies of before.
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_params = models.JSONField(default=dict, blank=True)
    #: The result as the core gave it (``PLMResult.to_dict()``); its ``warnings`` and
    #: ``finding`` are in English (shown for the studies of before ``finding_code``).
    result = models.JSONField(null=True, blank=True)
    #: The result's warnings as data (``[{"code": ..., "params": {...}}, ...]``, in the
    #: order of ``result["warnings"]``) and its finding's code and params, which the pages
    #: word in the reader's language; empty for the studies analysed before.
    warning_details = models.JSONField(default=list, blank=True)
    finding_code = models.CharField(max_length=64, blank=True, default="")
    finding_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_pending(self) -> bool:
        """Whether the analysis has not finished yet (queued or processing)."""
        return self.status in (self.Status.QUEUED, self.Status.PROCESSING)

    @property
    def error_message(self) -> str:
        """Why the analysis failed, in the current language (the stored English text for a
        study that failed before its problem's code was stored); ``""`` if it did not fail."""
        if not self.error_code:
            return self.error
        from quietlegs.web.records import psg_problems

        return psg_problems.word(self.error_code, self.error_params or {}, self.original_name)

    @property
    def warning_messages(self) -> list[str]:
        """The result's warnings in the current language (the stored English text for a
        study analysed before their codes were stored, or a warning without a wording)."""
        from quietlegs.web.records import psg_problems

        stored = [str(w) for w in (self.result or {}).get("warnings") or []]
        details = self.warning_details or []
        if len(details) != len(stored):
            return stored
        return [
            psg_problems.word_warning(str(d.get("code", "")), d.get("params") or {}) or english
            for d, english in zip(details, stored, strict=True)
        ]

    @property
    def finding_message(self) -> str:
        """The finding in the current language (the stored English text for a study
        analysed before its code was stored); ``""`` without a finding."""
        english = str((self.result or {}).get("finding", ""))
        if not self.finding_code:
            return english
        from quietlegs.web.records import psg_problems

        return psg_problems.word_finding(self.finding_code, self.finding_params or {}) or english
