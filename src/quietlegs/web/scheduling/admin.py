"""Admin (superusers) for the appointment book; patients' appointments are audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from quietlegs.web.audit.admin import PatientDataAdmin
from quietlegs.web.scheduling.models import (
    Appointment,
    Availability,
    AvailabilityException,
    ClinicRules,
    Resource,
    VisitType,
    WaitlistEntry,
    WaitlistOffer,
)

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(ClinicRules)
class ClinicRulesAdmin(_ModelAdmin):
    """The rules are made with their clinic (and deleted with it): change them here; a
    second row for a clinic cannot be added."""

    list_display = ("clinic", "time_zone", "min_notice_h", "horizon_days", "reminder_h")
    readonly_fields = ("clinic",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(VisitType)
class VisitTypeAdmin(_ModelAdmin):
    list_display = ("clinic", "code", "duration_min", "buffer_min", "resource_kind", "active")
    list_filter = ("clinic", "code")


@admin.register(Resource)
class ResourceAdmin(_ModelAdmin):
    list_display = ("clinic", "name", "kind", "active")
    list_filter = ("clinic", "kind")


@admin.register(Availability)
class AvailabilityAdmin(_ModelAdmin):
    list_display = ("clinic", "clinician", "visit_type", "weekday", "start_time", "end_time")
    list_filter = ("clinic", "weekday")


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(_ModelAdmin):
    list_display = ("clinic", "kind", "clinician", "resource", "first_day", "last_day", "reason")
    list_filter = ("clinic", "kind")


@admin.register(Appointment)
class AppointmentAdmin(PatientDataAdmin):
    list_display = ("start", "patient", "clinician", "visit_type", "status", "channel")
    list_filter = ("status", "channel", "clinic")
    search_fields = ("patient__email", "patient__last_name")
    date_hierarchy = "start"
    list_select_related = ("patient", "clinician", "visit_type")


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(PatientDataAdmin):
    list_display = ("created_at", "patient", "visit_type", "clinician", "status")
    list_filter = ("status", "clinic")
    search_fields = ("patient__email", "patient__last_name")
    list_select_related = ("patient", "visit_type", "clinician")


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(PatientDataAdmin):
    list_display = ("offered_at", "patient", "start", "clinician", "status", "expires_at")
    list_filter = ("status", "clinic")
    search_fields = ("patient__email", "patient__last_name")
    list_select_related = ("patient", "clinician")
