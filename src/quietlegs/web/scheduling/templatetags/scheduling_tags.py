"""``{% patient_appointments_section patient %}``: the patient's upcoming visits on the
clinician's patient page.

The record page's view has already checked that the clinician may see the patient and
audited the page (one entry per page view); this tag only lists the visits.
"""

from __future__ import annotations

from typing import Any

from django import template

from quietlegs.web.accounts.models import User
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import ACTIVE_STATUSES, Appointment

register = template.Library()

#: The most upcoming visits listed (the appointment book has the rest).
MAX_UPCOMING = 10


@register.inclusion_tag("scheduling/_patient_section.html")
def patient_appointments_section(patient: User) -> dict[str, Any]:
    """The patient's booked (or arrived) visits that have not ended, earliest first; times
    are shown in the clinic's time zone (``tz``)."""
    upcoming = list(
        Appointment.objects.filter(
            patient=patient, status__in=ACTIVE_STATUSES, end__gt=services.now()
        )
        .select_related("clinician", "visit_type", "resource")
        .order_by("start", "pk")[: MAX_UPCOMING + 1]
    )
    clinic = patient.clinic
    return {
        "patient": patient,
        "appointments": upcoming[:MAX_UPCOMING],
        "more": len(upcoming) > MAX_UPCOMING,
        "tz": services.clinic_tz(clinic) if upcoming and clinic is not None else None,
    }
