"""``{% diary_section patient %}``: the diary's few lines on the clinician's patient page.

The page's own audit entry covers what this shows (one entry per page view).
"""

from __future__ import annotations

from typing import Any

from django import template

from quietlegs.web.diary.presentation import record_summary
from quietlegs.web.knowledge import current_language

register = template.Library()


@register.inclusion_tag("diary/_record_section.html")
def diary_section(patient: Any) -> dict[str, Any]:
    """The augmentation warning (if any), how regularly the diary is kept, and the link."""
    return {"patient": patient, "summary": record_summary(patient, current_language())}
