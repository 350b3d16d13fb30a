"""Admin for visit reports: view-only, audited (they are signed in the workspace)."""

from __future__ import annotations

from django.contrib import admin

from quietlegs.web.audit.admin import PatientDataAdmin, ViewOnlyMixin
from quietlegs.web.visitreports.models import VisitReport


@admin.register(VisitReport)
class VisitReportAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "visit_date", "version", "signed_by_name", "signed_at")
    list_filter = ("visit_date",)
    search_fields = ("patient__email", "patient__last_name", "signed_by_name")
    list_select_related = ("patient",)
