"""Clinics and the invitations that bring clinicians into them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from quietlegs.web.accounts.models import User

#: How long an invitation link stays valid.
INVITATION_VALID_FOR = timedelta(days=7)


class Clinic(models.Model):
    """A clinic: its clinicians see only its patients."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    emergency_number = models.CharField(
        _("local emergency number"),
        max_length=20,
        default="112",
        help_text=_("Shown on the emergency screen, e.g. 112 or 103."),
    )
    accepts_patients = models.BooleanField(
        _("patients may choose it when they sign up"), default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a secret token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        """Invitations not yet accepted and not expired."""
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation for a clinician, clinic admin or receptionist to join a clinic.

    Only the SHA-256 of the token is stored; the link is shown once.
    """

    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        CLINIC_ADMIN = "clinic_admin", _("Clinic administrator")
        RECEPTION = "reception", _("Reception")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.clinic}"

    @classmethod
    def issue(
        cls, clinic: Clinic, email: str, role: str, invited_by: User | None
    ) -> tuple[Invitation, str]:
        """Create an invitation; return it and the secret token for the link."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            clinic=clinic,
            email=email.strip().lower(),
            role=role,
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
        return invitation, token

    @classmethod
    def find(cls, token: str) -> Invitation | None:
        """Return the usable invitation for ``token``, or None."""
        return cls.objects.usable().filter(token_hash=hash_token(token)).first()
