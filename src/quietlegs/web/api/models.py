"""API tokens: a patient's key for the authenticated endpoints."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from quietlegs.web.clinics.models import hash_token


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, default="token")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @classmethod
    def issue(cls, user: object, name: str = "token") -> tuple[ApiToken, str]:
        """Create a token; return it and the secret (shown once)."""
        secret = "ql_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, token_hash=hash_token(secret)), secret
