"""Admin for API tokens: list and revoke (delete); tokens are issued by their owners."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from quietlegs.web.api.models import ApiToken

if TYPE_CHECKING:
    _ApiTokenAdmin = admin.ModelAdmin[ApiToken]
else:
    _ApiTokenAdmin = admin.ModelAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(_ApiTokenAdmin):
    list_display = ("name", "user", "created_at", "last_used_at")
    search_fields = ("name", "user__email")
    list_filter = ("created_at", "last_used_at")
    readonly_fields = ("user", "token_hash", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the secret is shown once to its owner, so tokens are made in the app
