"""Admin for diary entries, their history and treatment periods: view-only, audited.

Entries are written by the patient (web form, API, CSV import) and treatments by
clinicians and patients in the diary pages, where every change keeps its history.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from quietlegs.web.audit.admin import PatientDataAdmin, ViewOnlyMixin
from quietlegs.web.diary.models import DiaryEntry, DiaryEntryVersion, TreatmentPeriod


@admin.register(DiaryEntry)
class DiaryEntryAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "day", "severity", "onset", "version", "updated_at")
    list_filter = ("day",)
    search_fields = ("patient__email", "patient__last_name")
    date_hierarchy = "day"
    list_select_related = ("patient",)


@admin.register(DiaryEntryVersion)
class DiaryEntryVersionAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("entry", "version", "source", "recorded_at", "replaced_at")
    list_select_related = ("entry", "entry__patient")

    def patient_of(self, obj: Any) -> Any:
        return obj.entry.patient


@admin.register(TreatmentPeriod)
class TreatmentPeriodAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "treatment_id", "start", "stop", "recorded_as")
    list_filter = ("treatment_id", "recorded_as")
    search_fields = ("patient__email", "patient__last_name", "treatment_id")
    list_select_related = ("patient",)
