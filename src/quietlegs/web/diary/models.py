"""The diary as stored: one entry per patient and night (with every earlier version
kept), the treatment timeline, each patient's reminder setting and the reminders sent.

The values and their rules are the core's (:mod:`quietlegs.diary`): a row is
turned into a :class:`quietlegs.diary.DiaryEntry` with :meth:`DiaryEntry.to_core`,
and only entries the core accepts are saved (see ``services.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quietlegs import diary as core
from quietlegs.diary.entry import MedicationTaken, format_time

#: The fields a diary entry shares with the core's DiaryEntry (all but ``day``).
ENTRY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(core.DiaryEntry) if f.name != "day")


class Source(models.TextChoices):
    """Where an entry or a change came from."""

    WEB = "web", _("web form")
    API = "api", _("API")
    IMPORT = "import", _("CSV import")


class DiaryEntry(models.Model):
    """One night's diary entry of a patient (see :class:`quietlegs.diary.DiaryEntry`)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_entries"
    )
    day = models.DateField(_("night of"))
    severity = models.PositiveSmallIntegerField(_("severity"))
    onset = models.TimeField(_("symptoms began"), null=True, blank=True)
    rest_latency_min = models.PositiveSmallIntegerField(null=True, blank=True)
    body_parts = models.JSONField(default=list, blank=True)
    bedtime = models.TimeField(null=True, blank=True)
    sleep_latency_min = models.PositiveSmallIntegerField(null=True, blank=True)
    awakenings = models.PositiveSmallIntegerField(null=True, blank=True)
    sleep_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    daytime_sleepiness = models.PositiveSmallIntegerField(null=True, blank=True)
    caffeine_drinks = models.PositiveSmallIntegerField(default=0)
    last_caffeine = models.TimeField(null=True, blank=True)
    alcohol_units = models.FloatField(default=0.0)
    nicotine = models.BooleanField(default=False)
    exercise_min = models.PositiveSmallIntegerField(default=0)
    exercise_intensity = models.CharField(max_length=16, blank=True)
    long_sitting = models.BooleanField(default=False)
    sweets_before_bed = models.BooleanField(default=False)
    stress = models.BooleanField(default=False)
    medications = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="diary_one_entry_per_night")
        ]
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")

    def __str__(self) -> str:
        return f"{self.day} severity {self.severity}"

    def to_core(self) -> core.DiaryEntry:
        """The entry as the core's :class:`quietlegs.diary.DiaryEntry`.

        Raises
        ------
        quietlegs.DiaryError
            If the stored values are not a valid entry (never for rows saved by
            ``services``).
        """
        values: dict[str, Any] = {name: getattr(self, name) for name in ENTRY_FIELDS}
        values["body_parts"] = frozenset(self.body_parts or ())
        values["exercise_intensity"] = self.exercise_intensity or None
        values["alcohol_units"] = float(self.alcohol_units)
        values["medications"] = tuple(
            MedicationTaken(m["name"], dt.time.fromisoformat(m["at"])) for m in self.medications
        )
        return core.DiaryEntry(day=self.day, **values)

    def set_from_core(self, entry: core.DiaryEntry) -> None:
        """Copy every value of ``entry`` (its night included) onto this row."""
        self.day = entry.day
        for name in ENTRY_FIELDS:
            setattr(self, name, getattr(entry, name))
        self.body_parts = [b for b in core.BODY_PARTS if b in entry.body_parts]
        self.exercise_intensity = entry.exercise_intensity or ""
        self.medications = [{"name": m.name, "at": format_time(m.at)} for m in entry.medications]


class DiaryEntryVersionQuerySet(models.QuerySet["DiaryEntryVersion"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("diary history cannot be changed")


class DiaryEntryVersion(models.Model):
    """An earlier version of a diary entry, kept when the entry was changed.

    ``data`` is the entry as it was (:meth:`quietlegs.diary.DiaryEntry.to_dict`),
    ``version`` its number then. Rows are never changed; they go only with the
    patient's account.
    """

    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="history")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = DiaryEntryVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="diary_one_row_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("diary history cannot be changed")
        super().save(*args, **kwargs)


class TreatmentPeriod(models.Model):
    """A treatment group (knowledge-base id) a patient takes, from ``start`` to ``stop``.

    No dose is recorded. Clinicians record any treatment of the timeline; patients
    only over-the-counter ones (``timeline.over_the_counter`` in the knowledge base).
    """

    class RecordedAs(models.TextChoices):
        CLINICIAN = "clinician", _("clinician")
        PATIENT = "patient", _("patient")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="treatment_periods"
    )
    treatment_id = models.CharField(_("treatment"), max_length=64)
    start = models.DateField(_("first day"))
    stop = models.DateField(_("last day"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_as = models.CharField(max_length=10, choices=RecordedAs.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return f"{self.treatment_id} from {self.start}"


class TreatmentChange(models.Model):
    """A day a treatment was changed (amount, timing or product; no dose recorded)."""

    period = models.ForeignKey(TreatmentPeriod, on_delete=models.CASCADE, related_name="changes")
    day = models.DateField(_("day of the change"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["period", "day"], name="diary_one_change_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.period_id} changed {self.day}"


class DiarySettings(models.Model):
    """A patient's diary settings: e-mail reminders (off unless the patient opts in)."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_settings"
    )
    reminders = models.BooleanField(
        _("e-mail me when last night's entry is missing"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"diary settings of {self.patient_id}"


class DiaryReminder(models.Model):
    """A reminder e-mailed to a patient about one night (``reminders.py``).

    At most one per patient and night, by a unique constraint: the row is inserted in
    the transaction that sends the e-mail, so two runs at once (or a run repeated in
    the hour) cannot both send, and a failed e-mail leaves no row (the next run tries
    again).
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_reminders"
    )
    night = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-night"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "night"], name="diary_one_reminder_per_night"
            )
        ]

    def __str__(self) -> str:
        return f"reminder to {self.patient_id} about {self.night}"
