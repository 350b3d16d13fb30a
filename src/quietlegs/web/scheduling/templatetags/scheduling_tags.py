"""Template helpers of the appointment book.

``{% patient_appointments_section patient %}``: the patient's upcoming visits on the
clinician's patient page. The record page's view has already checked that the clinician may
see the patient and audited the page (one entry per page view); this tag only lists the
visits.

``{{ when|long_date }}`` and ``{{ when|long_day }}``: a day with its weekday, the month in
the form a date needs (``E``: the genitive in Russian, "26 ноября"), e.g. "Thursday,
26 November 2026" / "четверг, 26 ноября 2026".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.translation import get_language

from quietlegs.web.accounts.models import User
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import ACTIVE_STATUSES, Appointment

register = template.Library()

#: The most upcoming visits listed (the appointment book has the rest).
MAX_UPCOMING = 10

#: Languages whose weekday names are written in lower case inside a date.
LOWER_CASE_WEEKDAY_LANGUAGES = ("ru",)


def _with_weekday(value: Any, fmt: str) -> str:
    text = str(date_filter(value, fmt))
    language = (get_language() or "").split("-")[0]
    if language in LOWER_CASE_WEEKDAY_LANGUAGES:
        text = text[:1].lower() + text[1:]
    return text


@register.filter(expects_localtime=True)
def long_date(value: Any) -> str:
    """Weekday, day, month and year: "Thursday, 26 November 2026" / "четверг, 26 ноября 2026"."""
    return _with_weekday(value, "l, j E Y")


@register.filter(expects_localtime=True)
def long_day(value: Any) -> str:
    """Weekday, day and month: "Thursday, 26 November" / "четверг, 26 ноября"."""
    return _with_weekday(value, "l, j E")


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
