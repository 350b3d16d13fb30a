"""Admin for orders: view-only, audited (orders change through the clinician workspace)."""

from __future__ import annotations

from django.contrib import admin

from quietlegs.web.audit.admin import PatientDataAdmin, ViewOnlyMixin
from quietlegs.web.orders.models import Order


@admin.register(Order)
class OrderAdmin(ViewOnlyMixin, PatientDataAdmin):
    list_display = ("patient", "catalogue", "item_id", "kind", "priority", "status", "ordered_at")
    list_filter = ("status", "kind", "priority")
    search_fields = ("patient__email", "patient__last_name", "item_id")
    date_hierarchy = "ordered_at"
    list_select_related = ("patient",)
