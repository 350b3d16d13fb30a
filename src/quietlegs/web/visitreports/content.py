"""The content of a visit report: everything it shows, gathered from the record and
frozen as JSON when the report is signed.

Clinical texts come from the stored assessment report (as the patient was told) and
the knowledge base; labels are the web app's translations. Every text is kept in
every UI language, so the signed report can be read (and its PDF made) in either.
Treatment information keeps its evidence grades and never a dose: the knowledge base
holds none.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import formats, timezone, translation

from quietlegs.assessment import LANGUAGES
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.presentation import (
    CERTAINTY_LABELS,
    DIRECTION_LABELS,
    EVIDENCE_LEVEL_LABELS,
    STRENGTH_LABELS,
)
from quietlegs.web.knowledge import kb
from quietlegs.web.orders.models import Order
from quietlegs.web.records import services as records
from quietlegs.web.records.models import LabResult
from quietlegs.web.visitreports.sections import LocalText, both, collect_sections

#: The content's format; a reader checks it before interpreting the rest.
FORMAT = "quietlegs-visit-report-1"

#: The most reasons shown per condition (strongest first, as the report orders them).
MAX_REASONS_PER_CONDITION = 5


def _label(labels: dict[str, Any], code: str) -> LocalText:
    return both(labels[code]) if code in labels else dict.fromkeys(LANGUAGES, code)


def _kb_text(key: str) -> LocalText:
    return {lang: kb().text(key, lang) for lang in LANGUAGES}


def assessment_content(assessment: Assessment) -> dict[str, Any]:
    """What a visit report keeps of an assessment, in every language, urgency and red
    flags first; conditions with criteria met and their strongest reasons."""
    by_language: dict[str, Any] = {}
    for lang in LANGUAGES:
        report = assessment.report(lang)
        conditions = []
        for c in report.get("conditions", []):
            criteria = c.get("criteria", [])
            conditions.append(
                {
                    "id": c["id"],
                    "name": c["name"],
                    "likelihood": c.get("likelihood", ""),
                    "likelihood_label": c.get("likelihood_label", ""),
                    "summary": c.get("summary", ""),
                    "criteria_met": sum(1 for cr in criteria if cr.get("met") is True),
                    "criteria_total": len(criteria),
                    "criteria": [{"text": cr["text"], "met": cr.get("met")} for cr in criteria],
                    "reasons": [
                        {"text": r["text"], "direction": r["direction"]}
                        for r in c.get("reasons", [])[:MAX_REASONS_PER_CONDITION]
                    ],
                }
            )
        by_language[lang] = {
            "urgency": report.get("urgency", assessment.urgency),
            "urgency_label": report.get("urgency_label", ""),
            "urgency_reason": report.get("urgency_reason", ""),
            "red_flags": [
                {"name": f["name"], "urgency": f["urgency"], "action": f["action"]}
                for f in report.get("red_flags", [])
            ],
            "emergency_call": report.get("emergency_call", ""),
            "conditions": conditions,
            "tests": [
                {"name": t["name"], "why": t.get("why", [])} for t in report.get("tests", [])
            ],
            "referrals": [
                {"name": r["name"], "why": r.get("why", [])} for r in report.get("referrals", [])
            ],
            "advice": [
                {
                    "text": a["text"],
                    "evidence": _label(EVIDENCE_LEVEL_LABELS, a.get("evidence_level", ""))[lang],
                }
                for a in report.get("advice", [])
            ],
            "treatments": [
                {
                    "name": t["name"],
                    "direction": _label(DIRECTION_LABELS, t.get("direction", ""))[lang],
                    "strength": _label(STRENGTH_LABELS, t.get("strength", ""))[lang],
                    "certainty": _label(CERTAINTY_LABELS, t.get("certainty", ""))[lang],
                }
                for t in report.get("treatments", [])
            ],
            "treatment_notice": report.get("treatment_notice", ""),
        }
    return {
        "id": str(assessment.pk),
        "created_at": assessment.created_at.isoformat(),
        "knowledge_version": assessment.knowledge_version,
        "by_language": by_language,
    }


def labs_content(patient: User) -> list[dict[str, Any]]:
    """Every lab result, newest sample first: label and unit in every language, value, date."""
    return [
        {
            "question_id": r.question_id,
            "label": {lang: records.lab_label(r.question_id, lang) for lang in LANGUAGES},
            "unit": {lang: records.lab_unit(r.question_id, lang) for lang in LANGUAGES},
            "value": f"{r.value:g}",
            "measured_on": r.measured_on.isoformat(),
        }
        for r in LabResult.objects.filter(patient=patient)
    ]


def _order_names(order: Order) -> LocalText:
    return {lang: order.name(lang) for lang in LANGUAGES}


def results_content(patient: User) -> list[dict[str, Any]]:
    """The resulted orders (newest first): name, kind, date, interpretation, text, file."""
    out = []
    for order in Order.objects.filter(patient=patient, status=Order.Status.RESULTED).order_by(
        "-resulted_at", "-pk"
    ):
        out.append(
            {
                "name": _order_names(order),
                "kind": both(Order.Kind(order.kind).label),
                "result_date": order.result_date.isoformat() if order.result_date else "",
                "interpretation": both(Order.Interpretation(order.result_interpretation).label)
                if order.result_interpretation
                else {},
                "text": order.result_text,
                "lab_values": order.lab_results.count(),
                "attachment_name": order.attachment_name,
            }
        )
    return out


def plan_orders_content(patient: User) -> list[dict[str, Any]]:
    """The open orders (the plan's tests and referrals still to come)."""
    return [
        {
            "name": _order_names(order),
            "kind": both(Order.Kind(order.kind).label),
            "status": both(Order.Status(order.status).label),
            "priority": both(Order.Priority(order.priority).label),
            "ordered_at": timezone.localdate(order.ordered_at).isoformat(),
            "scheduled_for": order.scheduled_for.isoformat() if order.scheduled_for else "",
        }
        for order in Order.objects.filter(
            patient=patient, status__in=(Order.Status.ORDERED, Order.Status.SCHEDULED)
        ).order_by("ordered_at", "pk")
    ]


def build_content(
    patient: User,
    clinician: User,
    *,
    visit_date: datetime.date,
    summary: str,
    assessment: Assessment | None,
    signed_at: datetime.datetime,
    version: int = 1,
    amends: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Gather a visit report's content from ``patient``'s record as it is now.

    Parameters
    ----------
    patient, clinician : User
        Whose visit, and who signs.
    visit_date : date
        The day of the visit.
    summary : str
        The clinician's free-text summary.
    assessment : Assessment | None
        The assessment the report presents (normally the latest), or none.
    signed_at : datetime
        When it is signed.
    version : int
        1 for a new report, the previous version + 1 for an amendment.
    amends : dict, optional
        ``{"id": ..., "content_hash": ...}`` of the version this one amends.

    Returns
    -------
    dict
        JSON-ready content (see ``docs/orders.md`` for the fields).
    """
    clinic = patient.clinic
    return {
        "format": FORMAT,
        "patient": {
            "id": patient.pk,
            "name": patient.display_name(),
            "email": patient.email,
        },
        "clinic": {
            "name": clinic.name if clinic else "",
            "emergency_number": clinic.emergency_number if clinic else "",
        },
        "visit_date": visit_date.isoformat(),
        "version": version,
        "amends": amends,
        "assessment": assessment_content(assessment) if assessment is not None else None,
        "labs": labs_content(patient),
        "results": results_content(patient),
        "orders": plan_orders_content(patient),
        "sections": collect_sections(patient),
        "summary": summary,
        "disclaimer": _kb_text("disclaimer"),
        "emergency_call": _kb_text("emergency_call"),
        "signed_by": {"id": clinician.pk, "name": clinician.display_name()},
        "signed_at": signed_at.isoformat(),
    }


def in_language(content: dict[str, Any], lang: str) -> dict[str, Any]:
    """The content with every multi-language text picked in ``lang`` (for the templates)."""

    def pick(value: Any) -> Any:
        if isinstance(value, dict) and value and set(value) <= set(LANGUAGES):
            return value.get(lang) or value.get("en", "")
        if isinstance(value, dict):
            return {k: pick(v) for k, v in value.items()}
        if isinstance(value, list):
            return [pick(v) for v in value]
        return value

    view: dict[str, Any] = pick({k: v for k, v in content.items() if k != "assessment"})
    assessment = content.get("assessment")
    if assessment is not None:
        by_language = assessment.get("by_language", {})
        view["assessment"] = {
            **{k: v for k, v in assessment.items() if k != "by_language"},
            **(by_language.get(lang) or by_language.get("en") or {}),
        }
    else:
        view["assessment"] = None
    view["visit_date"] = datetime.date.fromisoformat(content["visit_date"])
    view["signed_at"] = datetime.datetime.fromisoformat(content["signed_at"])
    # The frozen content keeps dates as ISO text and numbers as "4.5"; the reader sees them
    # in the reader's format (and an instant in the current time zone, not UTC's date).
    if view["assessment"] is not None and view["assessment"].get("created_at"):
        view["assessment"]["created_at"] = datetime.datetime.fromisoformat(
            view["assessment"]["created_at"]
        )
    with translation.override(lang):
        separator = str(formats.get_format("DECIMAL_SEPARATOR"))
    for lab in view.get("labs", []):
        lab["measured_on"] = _date(lab.get("measured_on"))
        lab["value"] = str(lab.get("value", "")).replace(".", separator)
    for item in view.get("results", []):
        item["result_date"] = _date(item.get("result_date"))
    for order in view.get("orders", []):
        order["scheduled_for"] = _date(order.get("scheduled_for"))
        order["ordered_at"] = _date(order.get("ordered_at"))
    return view


def _date(value: Any) -> datetime.date | None:
    """An ISO date of the frozen content as a date (``None`` for an empty one)."""
    return datetime.date.fromisoformat(value) if value else None
