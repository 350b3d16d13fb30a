"""Admin for stored assessments: view-only (a record shows what was said), audited."""

from __future__ import annotations

from django.contrib import admin

from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.admin import PatientDataAdmin, ViewOnlyMixin


@admin.register(Assessment)
class AssessmentAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = (
        "created_at",
        "patient",
        "source",
        "urgency",
        "top_condition",
        "knowledge_version",
    )
    list_filter = ("urgency", "source", "knowledge_version", "created_at")
    search_fields = ("id", "patient__email", "patient__last_name", "top_condition")
    date_hierarchy = "created_at"
    list_select_related = ("patient",)
