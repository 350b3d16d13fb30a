"""``GET /api/v1/me/appointments``: a patient's own appointments, read-only (tag ``me``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from quietlegs.web.accounts.models import User
from quietlegs.web.api.auth import PERSONAL_AUTH
from quietlegs.web.api.schemas import ErrorOut, ValidationErrorOut
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.scheduling.models import Appointment

router = Router(auth=PERSONAL_AUTH, tags=["me"])

RESPONSES: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


class AppointmentOut(Schema):
    id: int
    start: datetime
    end: datetime
    status: str
    visit_type: str
    visit_type_name: str
    clinician: str
    clinic: str


@router.get("", response={200: list[AppointmentOut], **RESPONSES}, summary="My appointments")
def my_appointments(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own appointments, earliest first (patients only), times in UTC."""
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_patient:
        raise HttpError(403, "Only patients have their own appointments.")
    rows = Appointment.objects.filter(patient=user).select_related(
        "visit_type", "clinician", "clinic"
    )
    record(request, AuditEvent.Action.VIEW, patient=user, object_type="appointments")
    return [
        {
            "id": a.pk,
            "start": a.start,
            "end": a.end,
            "status": a.status,
            "visit_type": a.visit_type.code,
            "visit_type_name": a.visit_type.name,
            "clinician": a.clinician.display_name(),
            "clinic": a.clinic.name,
        }
        for a in rows
    ]
