"""Admin for tremor recordings: view-only, audited (they are made by the patient's upload)."""

from __future__ import annotations

from django.contrib import admin

from quietlegs.web.audit.admin import PatientDataAdmin, ViewOnlyMixin
from quietlegs.web.tremor.models import TremorRecording


@admin.register(TremorRecording)
class TremorRecordingAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "task", "original_name", "created_at")
    list_filter = ("task", "created_at")
    search_fields = ("patient__email", "patient__last_name", "original_name")
    list_select_related = ("patient",)
    exclude = ("stored_path", "figure_path")
