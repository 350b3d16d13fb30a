"""``{% patient_visit_reports_section patient %}`` (the clinician's patient page) and
``{% my_visit_reports patient %}`` (the patient's own page)."""

from __future__ import annotations

from typing import Any

from django import template

from quietlegs.web.accounts.models import User
from quietlegs.web.visitreports import services

register = template.Library()


@register.inclusion_tag("visitreports/_patient_section.html")
def patient_visit_reports_section(patient: User) -> dict[str, Any]:
    """The patient's visit reports and the link to write one."""
    return {"patient": patient, "reports": list(services.patient_reports(patient))}


@register.inclusion_tag("visitreports/_my_reports.html")
def my_visit_reports(patient: User) -> dict[str, Any]:
    """The patient's own visit reports, with their PDFs."""
    return {"reports": list(services.patient_reports(patient))}
