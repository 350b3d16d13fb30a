"""Admin for lab results, examination findings and notes: view-only, audited.

They are added through the clinician workspace (a result re-runs the assessment),
so the admin does not add or change them.
"""

from __future__ import annotations

from django.contrib import admin

from quietlegs.web.audit.admin import PatientDataAdmin, ViewOnlyMixin
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult


@admin.register(LabResult)
class LabResultAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "question_id", "value", "measured_on", "recorded_by", "created_at")
    list_filter = ("question_id", "measured_on")
    search_fields = ("patient__email", "patient__last_name", "question_id")
    date_hierarchy = "measured_on"
    list_select_related = ("patient", "recorded_by")


@admin.register(ExamFinding)
class ExamFindingAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "recorded_by", "created_at")
    list_filter = ("created_at",)
    search_fields = ("patient__email", "patient__last_name", "text")
    list_select_related = ("patient", "recorded_by")


@admin.register(ClinicalNote)
class ClinicalNoteAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "author", "created_at")
    list_filter = ("created_at",)
    search_fields = ("patient__email", "patient__last_name", "text")
    list_select_related = ("patient", "author")
