"""``{% patient_fhir_section patient %}``: export and import links on the patient page."""

from __future__ import annotations

from typing import Any

from django import template

from quietlegs.web.accounts.models import User
from quietlegs.web.interop.views import context_links

register = template.Library()


@register.inclusion_tag("fhir/_patient_section.html")
def patient_fhir_section(patient: User) -> dict[str, Any]:
    return context_links(patient)
