"""An appointment as a FHIR R5 ``Appointment`` resource (``fhir.resources``), validated.

The patient bundle export (built elsewhere) puts these next to the patient's other
resources; references use the same local ids (``Patient/<id>``, ``Practitioner/<id>``).
"""

from __future__ import annotations

from typing import Any

from fhir.resources.appointment import Appointment as FhirAppointment

from quietlegs.web.scheduling.models import Appointment

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


def appointment_to_fhir(appointment: Appointment) -> FhirAppointment:
    """Return ``appointment`` as a validated FHIR ``Appointment``.

    Raises
    ------
    ValueError
        If the appointment cannot be expressed (an unknown status); pydantic's
        ``ValidationError`` (a ``ValueError``) if the resource does not validate.
    """
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
                    "reference": f"Device/{appointment.resource_id}",
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
