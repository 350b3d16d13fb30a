"""``{% patient_tremor_recordings patient %}``: the patient's recordings on the record page.

The record page's view has already checked that the clinician may see the patient and
audited the page; this tag only lists the recordings (each report is audited when opened).
"""

from __future__ import annotations

from typing import Any

from django import template

from quietlegs.web.tremor import services

register = template.Library()


@register.inclusion_tag("tremor/_patient_recordings.html")
def patient_tremor_recordings(patient: Any) -> dict[str, Any]:
    """The context of the patient page's tremor section."""
    return {
        "patient": patient,
        "rows": [services.summary(r) for r in services.patient_recordings(patient)],
    }
