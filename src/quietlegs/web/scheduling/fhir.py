"""An appointment as a FHIR R5 ``Appointment`` resource (``fhir.resources``), validated.

The patient bundle export (``quietlegs.web.interop.export``) puts these next to the
patient's other resources through the contributor :func:`appointment_resources`
(registered in ``SchedulingConfig.ready``); references use the same local ids
(``Patient/<id>``, ``Practitioner/<id>``, ``Device/<id>`` or ``Location/<id>``), and the
contributor adds the clinicians and the rooms or machines the appointments name, so
that every reference resolves inside the bundle.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from fhir.resources.appointment import Appointment as FhirAppointment
from fhir.resources.device import Device
from fhir.resources.location import Location
from fhir.resources.practitioner import Practitioner
from fhir.resources.resource import Resource as FhirResource

from quietlegs.web.accounts.models import User
from quietlegs.web.interop.export import EXPORT_LANGUAGE
from quietlegs.web.scheduling.models import Appointment, Resource

#: Our statuses as FHIR R5 Appointment status codes
#: (http://hl7.org/fhir/R5/valueset-appointmentstatus.html).
FHIR_STATUS: dict[str, str] = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.ARRIVED: "arrived",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.NO_SHOW: "noshow",
}
#: Code system of quietlegs' visit types.
VISIT_TYPE_SYSTEM = "https://quietlegs.org/fhir/CodeSystem/visit-type"
APPOINTMENT_ID_SYSTEM = "https://quietlegs.org/fhir/appointment-id"
#: Code system of the kinds of rooms and machines a visit may need.
RESOURCE_KIND_SYSTEM = "https://quietlegs.org/fhir/CodeSystem/resource-kind"
#: FHIR's location physical types (http://hl7.org/fhir/R5/codesystem-location-physical-type.html).
LOCATION_PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
#: Resource kinds that are places → their location physical type (bed, room); the other
#: kinds (the EMG machine) are exported as a ``Device``.
LOCATION_KINDS: dict[str, tuple[str, str]] = {
    Resource.Kind.PSG_BED: ("bd", "Bed"),
    Resource.Kind.DAY_HOSPITAL_BED: ("bd", "Bed"),
    Resource.Kind.PHYSIO_ROOM: ("ro", "Room"),
}


def resource_type(resource: Resource) -> str:
    """The FHIR resource type of a clinic resource: ``Location`` (beds, rooms) or ``Device``."""
    return "Location" if resource.kind in LOCATION_KINDS else "Device"


def appointment_to_fhir(appointment: Appointment) -> FhirAppointment:
    """Return ``appointment`` as a validated FHIR ``Appointment``, its texts in English.

    The texts (visit type, status) are in the export language whatever the language of
    the request that asks, as everywhere in the FHIR export.

    Raises
    ------
    ValueError
        If the appointment cannot be expressed (an unknown status); pydantic's
        ``ValidationError`` (a ``ValueError``) if the resource does not validate.
    """
    with translation.override(EXPORT_LANGUAGE):
        return _appointment_to_fhir(appointment)


def _appointment_to_fhir(appointment: Appointment) -> FhirAppointment:
    if appointment.status not in FHIR_STATUS:
        raise ValueError(f"status must be one of {sorted(FHIR_STATUS)}; got {appointment.status!r}")
    participants: list[dict[str, Any]] = [
        {
            "actor": {
                "reference": f"Patient/{appointment.patient_id}",
                "display": appointment.patient.display_name(),
            },
            "required": True,
            "status": "accepted",
        },
        {
            "actor": {
                "reference": f"Practitioner/{appointment.clinician_id}",
                "display": appointment.clinician.display_name(),
            },
            "required": True,
            "status": "accepted",
        },
    ]
    if appointment.resource is not None:
        participants.append(
            {
                "actor": {
                    "reference": f"{resource_type(appointment.resource)}/{appointment.resource_id}",
                    "display": appointment.resource.name,
                },
                "required": True,
                "status": "accepted",
            }
        )
    data: dict[str, Any] = {
        "id": str(appointment.pk),
        "identifier": [{"system": APPOINTMENT_ID_SYSTEM, "value": str(appointment.pk)}],
        "status": FHIR_STATUS[appointment.status],
        "serviceType": [
            {
                "concept": {
                    "coding": [
                        {
                            "system": VISIT_TYPE_SYSTEM,
                            "code": appointment.visit_type.code,
                            "display": str(
                                appointment.visit_type.Code(appointment.visit_type.code).label
                            ),
                        }
                    ],
                    "text": appointment.visit_type.name,
                }
            }
        ],
        "start": appointment.start.isoformat(),
        "end": appointment.end.isoformat(),
        "minutesDuration": round((appointment.end - appointment.start).total_seconds() / 60),
        "created": appointment.created_at.isoformat(),
        "participant": participants,
    }
    if appointment.reason:
        data["description"] = appointment.reason
    if appointment.status == Appointment.Status.CANCELLED and appointment.status_changed_at:
        data["cancellationDate"] = appointment.status_changed_at.isoformat()
    return FhirAppointment.model_validate(data)


def practitioner_to_fhir(clinician: User) -> Practitioner:
    """A clinician as a FHIR ``Practitioner`` (id = the user's number; name only)."""
    name: dict[str, Any] = {"text": clinician.display_name()}
    if clinician.last_name:
        name["family"] = clinician.last_name
    if clinician.first_name:
        name["given"] = [clinician.first_name]
    return Practitioner.model_validate(
        {"id": str(clinician.pk), "active": clinician.is_active, "name": [name]}
    )


def resource_to_fhir(resource: Resource) -> Location | Device:
    """A room or bed as a FHIR ``Location``, a machine as a ``Device`` (id = its number)."""
    kind = {
        "coding": [
            {
                "system": RESOURCE_KIND_SYSTEM,
                "code": resource.kind,
                "display": str(Resource.Kind(resource.kind).label),
            }
        ]
    }
    if resource.kind in LOCATION_KINDS:
        code, display = LOCATION_KINDS[resource.kind]
        return Location.model_validate(
            {
                "id": str(resource.pk),
                "status": "active" if resource.active else "inactive",
                "name": resource.name,
                "mode": "instance",
                "type": [kind],
                "form": {
                    "coding": [{"system": LOCATION_PHYSICAL_TYPE, "code": code, "display": display}]
                },
            }
        )
    return Device.model_validate(
        {
            "id": str(resource.pk),
            "status": "active" if resource.active else "inactive",
            "displayName": resource.name,
            "type": [kind],
        }
    )


def appointment_resources(patient: User, request_user: User | None) -> list[FhirResource]:
    """The FHIR bundle's contributor: every appointment of ``patient`` (any status, earliest
    first), then each clinician and room or machine they name (once each)."""
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("patient", "clinician", "visit_type", "resource")
        .order_by("start", "pk")
    )
    out: list[FhirResource] = [appointment_to_fhir(a) for a in appointments]
    clinicians = {a.clinician_id: a.clinician for a in appointments}
    out += [practitioner_to_fhir(clinicians[pk]) for pk in sorted(clinicians)]
    resources = {a.resource.pk: a.resource for a in appointments if a.resource is not None}
    out += [resource_to_fhir(resources[pk]) for pk in sorted(resources)]
    return out
