"""``{% patient_orders_section patient %}``: the orders section of the clinician's patient page.

A tag rather than context from the records view, so the patient page needs only one
line to show it (other apps add their sections the same way).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import template
from django.http import HttpRequest

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.knowledge import current_language
from quietlegs.web.orders import services
from quietlegs.web.orders.models import Order
from quietlegs.web.orders.presentation import order_row
from quietlegs.web.records import services as records

register = template.Library()

#: The query parameter of the patient page naming the assessment to order from.
ORDER_FROM_PARAM = "order_from"


def _asked_for(request: HttpRequest | None) -> uuid.UUID | str | None:
    """The assessment id the page was asked to order from: a UUID, None when none was
    asked for (the latest then), or the raw value when it is not a UUID."""
    raw = request.GET.get(ORDER_FROM_PARAM, "").strip() if request is not None else ""
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return raw


@register.inclusion_tag("orders/_patient_section.html", takes_context=True)
def patient_orders_section(context: dict[str, Any], patient: User) -> dict[str, Any]:
    """The recommendations of one of the patient's assessments (to order) and their orders.

    The assessment is the latest, or the one the page's ``?order_from=<id>`` names. An
    id that is not one of this patient's assessments (malformed, another patient's or
    another clinic's) shows a refusal and no order form: nothing can be ordered from it.
    """
    lang = current_language()
    request = context.get("request")
    choices = list(
        Assessment.objects.filter(patient=patient)
        .order_by("-created_at")
        .only("pk", "created_at", "urgency")
    )
    asked = _asked_for(request)
    refused = asked is not None and not any(a.pk == asked for a in choices)
    chosen_id = choices[0].pk if choices and asked is None else asked
    chosen = (
        None
        if refused or chosen_id is None
        else Assessment.objects.filter(patient=patient, pk=chosen_id).first()
    )
    recommended = []
    if chosen is not None:
        for item in services.recommendations(chosen):
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
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "patient": patient,
        "chosen": chosen,
        "is_latest": chosen is not None and chosen.pk == choices[0].pk,
        "choices": [
            {
                "pk": a.pk,
                "created_at": a.created_at,
                "urgency_label": records.urgency_label(a.urgency, lang),
                # the level's name, before its advice ("Routine: book ..."): the choice's
                # text fits a phone's drop-down, which cannot wrap
                "urgency_name": records.urgency_label(a.urgency, lang).partition(":")[0],
                "selected": chosen is not None and a.pk == chosen.pk,
                "latest": i == 0,
            }
            for i, a in enumerate(choices)
        ],
        "refused": refused,
        "param": ORDER_FROM_PARAM,
        "recommended": recommended,
        "orderable": [r for r in recommended if r["open_order"] is None],
        "rows": [order_row(o, lang) for o in services.patient_orders(patient)],
    }
