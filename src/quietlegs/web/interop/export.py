"""A patient's record as a FHIR Bundle (``fhir.resources``' default models: FHIR R5).

The Bundle (type ``collection``) starts with the Patient; every other resource comes
from a *contributor*, a function ``(patient, request_user) -> list[Resource]``.
quietlegs registers its own (assessments, lab results, sleep-study indices, order
results, conditions, orders, the care plan); other apps add theirs without touching
this module, from their ``AppConfig.ready()``::

    from quietlegs.web.interop.export import patient_reference, register_contributor

    def appointments(patient, request_user):
        return [appointment_to_fhir(a) for a in patient.appointments.all()]

    register_contributor("appointments", appointments)

Every resource is a ``fhir.resources`` model, so it is validated when it is built; a
contributor whose resource is invalid fails the export with its name in the error.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.utils import timezone, translation
from fhir.resources.bundle import Bundle
from fhir.resources.careplan import CarePlan
from fhir.resources.condition import Condition
from fhir.resources.observation import Observation
from fhir.resources.patient import Patient
from fhir.resources.questionnaireresponse import QuestionnaireResponse
from fhir.resources.resource import Resource
from fhir.resources.servicerequest import ServiceRequest
from pydantic import ValidationError

from quietlegs.assessment.answers import normalize_answer
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.interop import codes
from quietlegs.web.knowledge import kb
from quietlegs.web.orders.models import Order
from quietlegs.web.records import services as records
from quietlegs.web.records.models import LabResult, PSGStudy

logger = logging.getLogger("quietlegs.web.interop")

#: The language of the exported texts (names, displays); every code is language-free.
EXPORT_LANGUAGE = "en"

Contributor = Callable[[User, User | None], list[Resource]]

_CONTRIBUTORS: dict[str, Contributor] = {}


class FhirExportError(RuntimeError):
    """A contributor built a resource FHIR does not accept (a bug, not bad input)."""


def register_contributor(name: str, contributor: Contributor) -> None:
    """Add (or replace, by ``name``) a contributor; resources come in registration order."""
    _CONTRIBUTORS[name] = contributor


def unregister_contributor(name: str) -> None:
    """Remove a contributor (no error if it is not registered)."""
    _CONTRIBUTORS.pop(name, None)


def contributors() -> dict[str, Contributor]:
    """The registered contributors by name, in order."""
    return dict(_CONTRIBUTORS)


def patient_id(patient: User) -> str:
    """The Patient resource's id (the patient's number)."""
    return str(patient.pk)


def patient_reference(patient: User) -> dict[str, str]:
    """A reference to the patient's Patient resource, for a contributor's resources."""
    return {"reference": f"Patient/{patient_id(patient)}"}


def _instant(value: datetime.datetime) -> str:
    """An aware date-time as a FHIR instant (with its offset)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


# --- Patient ------------------------------------------------------------------------------

#: The profile's ``sex`` answer → Patient.gender.
GENDER_OF_SEX: dict[str, str] = {"female": "female", "male": "male", "other": "other"}


def patient_resource(patient: User) -> Patient:
    """The Patient: number, name, e-mail, gender (from the profile), language, clinic."""
    name: dict[str, Any] = {"use": "official", "text": patient.display_name()}
    if patient.last_name:
        name["family"] = patient.last_name
    if patient.first_name:
        name["given"] = [patient.first_name]
    data: dict[str, Any] = {
        "id": patient_id(patient),
        "identifier": [{"system": codes.patient_system(), "value": str(patient.pk)}],
        "active": patient.is_active,
        "name": [name],
        "communication": [
            {
                "language": {
                    "coding": [{"system": codes.BCP47, "code": patient.preferred_language}]
                },
                "preferred": True,
            }
        ],
    }
    if patient.email:
        data["telecom"] = [{"system": "email", "value": patient.email}]
    profile = getattr(patient, "profile", None)
    sex = (profile.answers or {}).get("sex") if profile is not None else None
    if sex in GENDER_OF_SEX:
        data["gender"] = GENDER_OF_SEX[sex]
    if patient.clinic is not None:
        data["managingOrganization"] = {"display": patient.clinic.name}
    return Patient(**data)


# --- QuestionnaireResponse (assessments) ------------------------------------------------------


def _answer_values(question_id: str, value: Any) -> list[dict[str, Any]]:
    """A stored answer as QuestionnaireResponse answers (several for a multiple choice)."""
    question = kb().questions.get(question_id)
    if question is None:  # the knowledge base no longer has it: keep the answer as text
        return [{"valueString": str(value)}]
    try:
        typed = normalize_answer(question, value)
    except ValueError:
        return [{"valueString": str(value)}]
    if question.type == "yes_no":
        return [{"valueBoolean": bool(typed)}]
    if question.type == "number":
        if isinstance(value, int) and not isinstance(value, bool):
            return [{"valueInteger": value}]
        return [{"valueDecimal": typed}]
    if question.type == "time_of_day":
        return [{"valueTime": f"{value}:00" if len(str(value)) == 5 else str(value)}]
    chosen = typed if isinstance(typed, list | tuple | set | frozenset) else [typed]
    texts = {c.id: c.text.get(EXPORT_LANGUAGE) for c in question.choices}
    return [
        {
            "valueCoding": {
                "system": codes.CHOICE_SYSTEM,
                "code": f"{question_id}.{c}",
                "display": texts.get(c, c),
            }
        }
        for c in question.choice_ids()
        if c in chosen
    ]


def questionnaire_response_id(assessment: Assessment) -> str:
    return codes.fhir_id("assessment", assessment.pk)


def questionnaire_response(assessment: Assessment, patient: User) -> QuestionnaireResponse:
    """An assessment's answers, one item per answered question, in knowledge-base order."""
    items = []
    for question_id in [q for q in kb().questions if q in assessment.answers] + [
        q for q in assessment.answers if q not in kb().questions
    ]:
        question = kb().questions.get(question_id)
        item: dict[str, Any] = {
            "linkId": question_id,
            "answer": _answer_values(question_id, assessment.answers[question_id]),
        }
        if question is not None:
            item["text"] = question.text.get(EXPORT_LANGUAGE)
        items.append(item)
    author: dict[str, Any] = (
        {"display": assessment.created_by.display_name()}
        if assessment.created_by is not None
        else {"display": "anonymous"}
    )
    if assessment.created_by_id == patient.pk:
        author = patient_reference(patient)
    return QuestionnaireResponse(
        id=questionnaire_response_id(assessment),
        identifier=[{"system": codes.ASSESSMENT_SYSTEM, "value": str(assessment.pk)}],
        questionnaire=f"{codes.QUESTIONNAIRE_URL}|{assessment.knowledge_version}",
        status="completed",
        subject=patient_reference(patient),
        authored=_instant(assessment.created_at),
        author=author,
        item=items or None,
    )


def questionnaire_responses(patient: User, request_user: User | None) -> list[Resource]:
    """Every assessment of the patient, oldest first."""
    return [
        questionnaire_response(a, patient)
        for a in Assessment.objects.filter(patient=patient)
        .select_related("created_by")
        .order_by("created_at")
    ]


# --- Observations -----------------------------------------------------------------------------


def _order_ids_of_labs(patient: User) -> dict[int, list[int]]:
    """Lab result → the orders it resulted (for Observation.basedOn)."""
    through = Order.lab_results.through
    out: dict[int, list[int]] = {}
    for order_id, lab_id in through.objects.filter(order__patient=patient).values_list(
        "order_id", "labresult_id"
    ):
        out.setdefault(lab_id, []).append(order_id)
    return out


def lab_observation(
    result: LabResult, patient: User, order_ids: list[int] | None = None
) -> Observation:
    """A lab result: LOINC and local code, UCUM quantity, the date of the sample."""
    coding: list[dict[str, str]] = []
    lab = codes.LAB_BY_QUESTION.get(result.question_id)
    unit = records.lab_unit(result.question_id, EXPORT_LANGUAGE)
    if lab is not None:
        coding.append({"system": codes.LOINC, "code": lab.loinc, "display": lab.display})
    coding.append({"system": codes.QUESTION_SYSTEM, "code": result.question_id})
    quantity: dict[str, Any] = {"value": result.value, "unit": unit or None}
    if lab is not None:
        quantity.update({"system": codes.UCUM, "code": lab.ucum})
    data: dict[str, Any] = {
        "id": codes.fhir_id("lab", result.pk),
        "status": "final",
        "category": [codes.observation_category("laboratory", "Laboratory")],
        "code": {"coding": coding, "text": records.lab_label(result.question_id, EXPORT_LANGUAGE)},
        "subject": patient_reference(patient),
        "effectiveDateTime": result.measured_on.isoformat(),
        "issued": _instant(result.created_at),
        "valueQuantity": {k: v for k, v in quantity.items() if v is not None},
    }
    if order_ids:
        data["basedOn"] = [
            {"reference": f"ServiceRequest/{codes.fhir_id('order', o)}"} for o in order_ids
        ]
    return Observation(**data)


def lab_observations(patient: User, request_user: User | None) -> list[Resource]:
    """Every lab result, oldest sample first."""
    orders_of = _order_ids_of_labs(patient)
    return [
        lab_observation(r, patient, orders_of.get(r.pk))
        for r in LabResult.objects.filter(patient=patient).order_by("measured_on", "created_at")
    ]


def psg_observations(patient: User, request_user: User | None) -> list[Resource]:
    """The key indices of every analysed sleep study (local codes; per hour)."""
    from quietlegs.web.records import psg

    labels = dict(psg.KEY_INDICES)
    out: list[Resource] = []
    for study in PSGStudy.objects.filter(patient=patient, status=PSGStudy.Status.DONE).order_by(
        "created_at"
    ):
        result = study.result or {}
        for key, unit in codes.PSG_INDEX_UNITS.items():
            value = result.get(key)
            if not isinstance(value, int | float):
                continue
            data: dict[str, Any] = {
                "id": codes.fhir_id("psg", study.pk, key),
                "status": "final",
                "category": [codes.observation_category("procedure", "Procedure")],
                "code": {
                    "coding": [
                        {"system": codes.PSG_INDEX_SYSTEM, "code": key, "display": str(labels[key])}
                    ],
                    "text": str(labels[key]),
                },
                "subject": patient_reference(patient),
                "effectiveDateTime": _instant(study.created_at),
                "valueQuantity": {"value": value, "unit": unit, "system": codes.UCUM, "code": unit},
                "method": {"text": f"{study.get_rules_display()} ({study.original_name})"},
            }
            basis = result.get("index_basis")
            if basis:
                data["note"] = [{"text": f"index basis: {basis}"}]
            out.append(Observation(**data))
    return out


def result_observations(patient: User, request_user: User | None) -> list[Resource]:
    """The text results of resulted orders (reports, letters), based on their orders."""
    out: list[Resource] = []
    for order in Order.objects.filter(patient=patient, status=Order.Status.RESULTED).order_by(
        "resulted_at", "pk"
    ):
        if not (order.result_text or order.result_interpretation or order.attachment_name):
            continue
        system = (
            codes.TEST_SYSTEM if order.catalogue == Order.Catalogue.TEST else codes.REFERRAL_SYSTEM
        )
        text = order.result_text or (
            f"attached file: {order.attachment_name}" if order.attachment_name else ""
        )
        data: dict[str, Any] = {
            "id": codes.fhir_id("result", order.pk),
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": codes.OBSERVATION_CATEGORY,
                            "code": "imaging" if order.kind == Order.Kind.IMAGING else "procedure",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [
                    {
                        "system": system,
                        "code": order.item_id,
                        "display": order.name(EXPORT_LANGUAGE),
                    }
                ]
            },
            "subject": patient_reference(patient),
            "basedOn": [{"reference": f"ServiceRequest/{codes.fhir_id('order', order.pk)}"}],
            "issued": _instant(order.resulted_at or order.ordered_at),
        }
        if order.result_date:
            data["effectiveDateTime"] = order.result_date.isoformat()
        if text:
            data["valueString"] = text
        if order.result_interpretation:
            data["interpretation"] = [{"text": order.get_result_interpretation_display()}]
        if not text and order.result_interpretation:
            data["valueString"] = order.get_result_interpretation_display()
        out.append(Observation(**data))
    return out


# --- Conditions (the latest assessment's) ---------------------------------------------------------


def latest_assessment(patient: User) -> Assessment | None:
    return Assessment.objects.filter(patient=patient).order_by("-created_at").first()


def condition_id(condition: str) -> str:
    return codes.fhir_id("condition", condition)


def conditions(patient: User, request_user: User | None) -> list[Resource]:
    """The latest assessment's listed conditions: provisional or differential, never confirmed."""
    assessment = latest_assessment(patient)
    if assessment is None:
        return []
    report = assessment.report(EXPORT_LANGUAGE)
    answers_reference = f"QuestionnaireResponse/{questionnaire_response_id(assessment)}"
    out: list[Resource] = []
    for c in report.get("conditions", []):
        criteria = c.get("criteria", [])
        met = sum(1 for cr in criteria if cr.get("met") is True)
        note = f"{c.get('likelihood_label', '')} (quietlegs assessment; not a diagnosis)."
        if criteria:
            note += f" Criteria met: {met} of {len(criteria)}."
        reasons = [r["text"] for r in c.get("reasons", [])[:5]]
        if reasons:
            note += " Reasons: " + "; ".join(reasons) + "."
        out.append(
            Condition(
                id=condition_id(c["id"]),
                clinicalStatus={"coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}]},
                verificationStatus={
                    "coding": [
                        {
                            "system": codes.CONDITION_VERIFICATION,
                            "code": codes.VERIFICATION_OF_BAND.get(
                                c.get("likelihood", ""), "differential"
                            ),
                        }
                    ]
                },
                code={
                    "coding": [
                        {"system": codes.CONDITION_SYSTEM, "code": c["id"], "display": c["name"]}
                    ],
                    "text": c["name"],
                },
                subject=patient_reference(patient),
                recordedDate=_instant(assessment.created_at),
                evidence=[{"reference": {"reference": answers_reference}}],
                note=[{"text": note}],
            )
        )
    return out


# --- ServiceRequests (orders) ------------------------------------------------------------------


def service_request(order: Order, patient: User) -> ServiceRequest:
    """An order: what, why, how urgent, its status (completed when resulted)."""
    system = codes.TEST_SYSTEM if order.catalogue == Order.Catalogue.TEST else codes.REFERRAL_SYSTEM
    category = [
        {
            "system": codes.ORDER_KIND_SYSTEM,
            "code": order.kind,
            "display": str(Order.Kind(order.kind).label),
        }
    ]
    if order.kind in codes.ORDER_CATEGORY_SNOMED:
        code, display = codes.ORDER_CATEGORY_SNOMED[order.kind]
        category.insert(0, {"system": codes.SNOMED, "code": code, "display": display})
    name = order.name(EXPORT_LANGUAGE)
    data: dict[str, Any] = {
        "id": codes.fhir_id("order", order.pk),
        "status": codes.SERVICE_REQUEST_STATUS[order.status],
        "intent": "order",
        "priority": order.priority,
        "category": [{"coding": category}],
        "code": {
            "concept": {
                "coding": [{"system": system, "code": order.item_id, "display": name}],
                "text": name,
            }
        },
        "subject": patient_reference(patient),
        "authoredOn": _instant(order.ordered_at),
        "reason": [{"concept": {"text": why}} for why in order.reasons_in(EXPORT_LANGUAGE)] or None,
    }
    if order.ordered_by is not None:
        data["requester"] = {"display": order.ordered_by.display_name()}
    if order.scheduled_for is not None:
        data["occurrenceDateTime"] = order.scheduled_for.isoformat()
    if order.assessment_id is not None:
        data["supportingInfo"] = [
            {
                "reference": {
                    "reference": "QuestionnaireResponse/"
                    + codes.fhir_id("assessment", order.assessment_id)
                }
            }
        ]
    if order.status == Order.Status.CANCELLED and order.cancel_reason:
        data["note"] = [{"text": f"cancelled: {order.cancel_reason}"}]
    return ServiceRequest(**data)


def service_requests(patient: User, request_user: User | None) -> list[Resource]:
    """Every order, oldest first."""
    return [
        service_request(o, patient)
        for o in Order.objects.filter(patient=patient)
        .select_related("ordered_by")
        .order_by("ordered_at", "pk")
    ]


# --- CarePlan ------------------------------------------------------------------------------------


def care_plan(patient: User, request_user: User | None) -> list[Resource]:
    """The plan of the latest assessment: urgency, open orders, advice and treatment
    information with its evidence grades (never a dose), addressing its conditions."""
    assessment = latest_assessment(patient)
    if assessment is None:
        return []
    report = assessment.report(EXPORT_LANGUAGE)
    notes = [
        f"Advice ({a.get('evidence_level', '')}): {a['text']}" for a in report.get("advice", [])
    ]
    notes += [
        f"Treatment information: {t['name']} — {t.get('direction', '')}, {t.get('strength', '')}, "
        f"certainty {t.get('certainty', '')}."
        for t in report.get("treatments", [])
    ]
    notes += [report.get("treatment_notice", ""), report.get("disclaimer", "")]
    open_orders = Order.objects.filter(
        patient=patient, status__in=(Order.Status.ORDERED, Order.Status.SCHEDULED)
    ).order_by("ordered_at", "pk")
    data: dict[str, Any] = {
        "id": codes.fhir_id("plan", assessment.pk),
        "status": "active",
        "intent": "plan",
        "title": "quietlegs plan",
        "description": f"{report.get('urgency_label', '')}: {report.get('urgency_reason', '')}",
        "subject": patient_reference(patient),
        "created": _instant(assessment.created_at),
        "addresses": [
            {"reference": {"reference": f"Condition/{condition_id(c['id'])}"}}
            for c in report.get("conditions", [])
        ]
        or None,
        "activity": [
            {
                "plannedActivityReference": {
                    "reference": f"ServiceRequest/{codes.fhir_id('order', o.pk)}"
                }
            }
            for o in open_orders
        ]
        or None,
        "supportingInfo": [
            {"reference": f"QuestionnaireResponse/{questionnaire_response_id(assessment)}"}
        ],
        "note": [{"text": n} for n in notes if n] or None,
    }
    return [CarePlan(**data)]


def register_builtin_contributors() -> None:
    """Register the contributors quietlegs ships (called from the app's ``ready``)."""
    register_contributor("questionnaire_responses", questionnaire_responses)
    register_contributor("lab_observations", lab_observations)
    register_contributor("psg_observations", psg_observations)
    register_contributor("result_observations", result_observations)
    register_contributor("conditions", conditions)
    register_contributor("service_requests", service_requests)
    register_contributor("care_plan", care_plan)


# --- the Bundle ----------------------------------------------------------------------------------


def patient_bundle(patient: User, request_user: User | None, base_url: str) -> Bundle:
    """The patient's record as a FHIR Bundle of type ``collection``.

    Parameters
    ----------
    patient : User
        Whose record.
    request_user : User | None
        Who asks (passed to the contributors, e.g. to leave out what they may not see).
    base_url : str
        The FHIR base (``https://host/fhir/``) for the entries' ``fullUrl``.

    Returns
    -------
    Bundle
        The Patient first, then every contributor's resources in registration order.

    Raises
    ------
    FhirExportError
        If a contributor fails to build a valid resource, or builds a resource whose type
        and id another one already has (its name is in the message).
    """
    with translation.override(EXPORT_LANGUAGE):
        try:
            resources: list[Resource] = [patient_resource(patient)]
        except ValidationError as exc:
            raise FhirExportError(f"the Patient resource is not valid FHIR: {exc}") from exc
        made_by: dict[str, str] = {f"Patient/{resources[0].id}": "the Patient"}
        for name, contributor in _CONTRIBUTORS.items():
            try:
                made = contributor(patient, request_user)
            except ValidationError as exc:
                logger.exception("FHIR contributor %r built an invalid resource", name)
                raise FhirExportError(
                    f"contributor {name!r} built an invalid FHIR resource: {exc}"
                ) from exc
            for resource in made:
                if not getattr(resource, "id", None):
                    continue
                key = f"{resource.get_resource_type()}/{resource.id}"
                if key in made_by:  # two entries with one fullUrl: an invalid Bundle (bdl-7)
                    raise FhirExportError(
                        f"contributor {name!r} built {key}, which {made_by[key]} already built; "
                        "ids must be unique within the bundle"
                    )
                made_by[key] = repr(name)
            resources.extend(made)
    base = base_url.rstrip("/") + "/"
    entries = [
        {
            "fullUrl": f"{base}{r.get_resource_type()}/{r.id}"
            if getattr(r, "id", None)
            else f"urn:uuid:{uuid.uuid4()}",
            "resource": r,
        }
        for r in resources
    ]
    return Bundle(
        id=str(uuid.uuid4()),
        type="collection",
        timestamp=_instant(timezone.now()),
        entry=entries,
    )
