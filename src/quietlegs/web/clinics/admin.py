"""Admin for clinics and invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quietlegs.web.clinics.models import Clinic, Invitation

if TYPE_CHECKING:
    _ClinicAdmin = admin.ModelAdmin[Clinic]
    _InvitationAdmin = admin.ModelAdmin[Invitation]
else:
    _ClinicAdmin = _InvitationAdmin = admin.ModelAdmin


@admin.register(Clinic)
class ClinicAdmin(_ClinicAdmin):
    list_display = ("name", "slug", "emergency_number", "accepts_patients", "members", "created_at")
    list_filter = ("accepts_patients",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clinic]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_members=Count("members", filter=~Q(members__role="patient")))
        )

    @admin.display(description=_("clinicians and admins"), ordering="n_members")
    def members(self, obj: Clinic) -> int:
        return int(getattr(obj, "n_members", 0))


@admin.register(Invitation)
class InvitationAdmin(_InvitationAdmin):
    list_display = (
        "email",
        "clinic",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "usable",
    )
    list_filter = ("clinic", "role", "accepted_at", "expires_at")
    search_fields = ("email", "clinic__name")
    readonly_fields = (
        "clinic",
        "email",
        "role",
        "token_hash",
        "invited_by",
        "created_at",
        "accepted_at",
    )
    actions = ["revoke"]
    list_select_related = ("clinic", "invited_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the link is shown once, so clinic admins invite from their clinic page

    @admin.display(boolean=True, description=_("usable"))
    def usable(self, obj: Invitation) -> bool:
        return obj.accepted_at is None and obj.expires_at > timezone.now()

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        count = (
            Invitation.objects.usable()
            .filter(pk__in=queryset.values("pk"))
            .update(expires_at=timezone.now())
        )
        self.message_user(
            request,
            ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
