"""Admin for the audit log (read-only), and the base class that audits staff access
to patient data in the admin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from quietlegs.web.audit.models import AuditEvent, record

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _AuditEventAdmin = admin.ModelAdmin[AuditEvent]
else:
    _ModelAdmin = _AuditEventAdmin = admin.ModelAdmin


class PatientDataAdmin(_ModelAdmin):
    """A model admin whose objects belong to a patient: reads and changes are audited.

    Opening an object's page writes a ``view`` entry; saving writes ``create`` or
    ``update``; deleting (one or a selection) writes ``delete`` for each object.
    """

    def patient_of(self, obj: Any) -> Any:
        """The patient ``obj`` belongs to (``None`` if it is not patient data)."""
        return getattr(obj, "patient", None)

    def _audit(self, request: HttpRequest, action: str, obj: Model) -> None:
        patient = self.patient_of(obj)
        if patient is not None:
            record(request, action, patient=patient, obj=obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self._audit(request, AuditEvent.Action.VIEW, obj)
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._audit(request, AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, AuditEvent.Action.DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._audit(request, AuditEvent.Action.DELETE, obj)
        super().delete_queryset(request, queryset)


class ViewOnlyMixin:
    """No adding or changing in the admin (records are made through the app)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditEventAdmin):
    """The audit log, read-only for everyone (the model refuses changes too)."""

    list_display = (
        "at",
        "actor_label",
        "action",
        "patient_label",
        "object_type",
        "object_id",
        "ip_address",
        "path",
    )
    list_filter = ("action", "object_type", "at")
    search_fields = ("actor_label", "patient_label", "object_id", "ip_address", "path")
    date_hierarchy = "at"
    readonly_fields = tuple(f.name for f in AuditEvent._meta.get_fields() if f.concrete)
    fields = readonly_fields
    list_select_related = ("actor", "patient")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
