"""The audit log: who read or changed which patient's record, when, from where.

Entries are append-only: the model refuses updates and deletes, and so does its
query set; the admin shows them read-only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One access to a patient's record."""

    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        EXPORT = "export"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=10, choices=Action.choices)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    patient_label = models.CharField(max_length=254, blank=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events cannot be deleted")


def record(
    request: HttpRequest | None,
    action: str,
    *,
    patient: Any,
    obj: models.Model | None = None,
    object_type: str | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Write an audit entry for an access to ``patient``'s record.

    Parameters
    ----------
    request : HttpRequest | None
        The request (gives the actor, the address and the browser); ``None`` for
        work done outside a request (e.g. a management command).
    action : str
        One of :class:`AuditEvent.Action`.
    patient : User
        Whose record was accessed.
    obj : Model, optional
        The object accessed (its type and id are logged).
    object_type : str, optional
        Overrides the logged type (e.g. ``"export"``).
    actor : User, optional
        Who acted, when there is no request or it differs from the request's user.
    """
    user = actor if actor is not None else getattr(request, "user", None)
    authenticated = bool(getattr(user, "is_authenticated", False))
    meta = request.META if request is not None else {}
    return AuditEvent.objects.create(
        actor=user if authenticated else None,
        actor_label=(user.get_username() if authenticated and user is not None else "anonymous"),
        action=action,
        patient=patient,
        patient_label=patient.get_username() if patient is not None else "",
        object_type=object_type
        or (obj._meta.model_name or "record" if obj is not None else "record"),
        object_id=str(obj.pk) if obj is not None else "",
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:300],
        path=(request.get_full_path()[:300] if request is not None else ""),
    )
