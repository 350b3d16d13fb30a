"""``{% patient_orders_section patient %}``: the orders section of the clinician's patient page.

A tag rather than context from the records view, so the patient page needs only one
line to show it (other apps add their sections the same way).
"""

from __future__ import annotations

from typing import Any

from django import template

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.knowledge import current_language
from quietlegs.web.orders import services
from quietlegs.web.orders.models import Order
from quietlegs.web.orders.presentation import order_row

register = template.Library()


@register.inclusion_tag("orders/_patient_section.html", takes_context=True)
def patient_orders_section(context: dict[str, Any], patient: User) -> dict[str, Any]:
    """The latest assessment's recommendations (to order) and the patient's orders."""
    lang = current_language()
    latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    recommended = []
    if latest is not None:
        for item in services.recommendations(latest):
            recommended.append(
                {
                    "key": item.key,
                    "name": item.name(lang),
                    "why": item.why(lang),
                    "kind_label": Order.Kind(item.kind).label,
                    "open_order": item.open_order,
                }
            )
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "patient": patient,
        "latest": latest,
        "recommended": recommended,
        "orderable": [r for r in recommended if r["open_order"] is None],
        "rows": [order_row(o, lang) for o in services.patient_orders(patient)],
    }
