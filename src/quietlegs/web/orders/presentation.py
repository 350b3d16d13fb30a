"""What the pages show of an order, in the UI language (no clinical logic)."""

from __future__ import annotations

from typing import Any

from quietlegs.web.orders.models import Order
from quietlegs.web.records import services as records


def lab_rows(order: Order, lang: str) -> list[dict[str, Any]]:
    """The order's lab values: test label, value and unit, date of the sample."""
    return [
        {
            "label": records.lab_label(r.question_id, lang),
            "value": f"{r.value:g}",
            "unit": records.lab_unit(r.question_id, lang),
            "measured_on": r.measured_on,
        }
        for r in order.lab_results.all()
    ]


def order_row(order: Order, lang: str) -> dict[str, Any]:
    """One order as the lists and its page show it."""
    return {
        "order": order,
        "name": order.name(lang),
        "reasons": order.reasons_in(lang),
        "kind_label": order.get_kind_display(),
        "status_label": order.get_status_display(),
        "priority_label": order.get_priority_display(),
        "interpretation_label": order.get_result_interpretation_display()
        if order.result_interpretation
        else "",
        "labs": lab_rows(order, lang) if order.status == Order.Status.RESULTED else [],
    }
