"""API tokens: a patient's key for the authenticated endpoints."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from quietlegs.web.clinics.models import hash_token

if TYPE_CHECKING:
    from quietlegs.web.accounts.models import User

#: Prefix of every token secret (lets secret scanners recognise a leaked token).
TOKEN_PREFIX = "ql_"

#: How many live tokens one person may hold.
MAX_TOKENS_PER_USER = 10


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def of(self, user: Any) -> ApiTokenQuerySet:
        """The tokens that belong to ``user`` (newest first)."""
        return self.filter(user=user).order_by("-created_at", "-pk")


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, default="token")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "token") -> tuple[ApiToken, str]:
        """Create a token; return it and the secret (shown once)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, token_hash=hash_token(secret)), secret

    @classmethod
    def authenticate(cls, secret: str) -> User | None:
        """Return the active user a token secret belongs to, or ``None``.

        The token's ``last_used_at`` is updated on success.

        Parameters
        ----------
        secret : str
            The token as the client sent it.

        Returns
        -------
        user : User | None
            The token's owner, or ``None`` if the secret is unknown (never
            issued, or revoked) or the owner's account is deactivated.
        """
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        token = (
            cls.objects.select_related("user")
            .filter(token_hash=hash_token(secret), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        user: User = token.user
        return user
