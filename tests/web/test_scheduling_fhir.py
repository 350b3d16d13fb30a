"""An appointment as a validated FHIR R5 Appointment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import translation
from fhir.resources.appointment import Appointment as FhirAppointment

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.fhir import appointment_to_fhir, resource_to_fhir
from quietlegs.web.scheduling.models import Appointment, Resource
from tests.web.schedtools import freeze, open_hours, slot_key

pytestmark = pytest.mark.django_db

SAT_06 = datetime(2030, 6, 8, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    freeze(monkeypatch)


def test_an_emg_study_round_trips_through_fhir_json(
    clinic: Clinic, patient: User, clinician: User
) -> None:
    emg = open_hours(clinic, clinician, code="emg_study", weekdays=(5,))
    machine = Resource.objects.create(clinic=clinic, kind="emg_machine", name="EMG 1")
    visit = services.book(
        None,
        patient=patient,
        slot_key=slot_key(clinician, emg, SAT_06),
        booked_by=clinician,
        reason="weak left foot",
    ).appointment
    with translation.override("ru"):  # a Russian-speaking user's request: texts stay English
        resource = appointment_to_fhir(visit)
    assert resource.get_resource_type() == "Appointment"
    again = FhirAppointment.model_validate_json(resource.model_dump_json())
    assert again.status == "booked"
    assert again.start == SAT_06
    assert again.minutesDuration == 60
    assert again.description == "weak left foot"
    assert [p.actor.reference for p in again.participant if p.actor is not None] == [
        f"Patient/{patient.pk}",
        f"Practitioner/{clinician.pk}",
        f"Device/{machine.pk}",
    ]
    dumped = again.model_dump(mode="json")
    coding = dumped["serviceType"][0]["concept"]["coding"][0]
    assert (coding["code"], coding["display"]) == ("emg_study", "EMG study")


@pytest.mark.parametrize(
    ("status", "fhir_status"),
    [("cancelled", "cancelled"), ("no_show", "noshow"), ("completed", "fulfilled")],
)
def test_statuses_map_to_fhir_codes(
    clinic: Clinic, patient: User, clinician: User, status: str, fhir_status: str
) -> None:
    consult = open_hours(clinic, clinician)
    visit = services.book(
        None,
        patient=patient,
        slot_key=slot_key(clinician, consult, datetime(2030, 6, 4, 7, tzinfo=UTC)),
        booked_by=patient,
    ).appointment
    Appointment.objects.filter(pk=visit.pk).update(status=status, status_changed_at=SAT_06)
    visit.refresh_from_db()
    resource = appointment_to_fhir(visit)
    assert resource.status == fhir_status
    assert (resource.cancellationDate is not None) is (status == "cancelled")


def test_an_unknown_status_is_refused(clinic: Clinic, patient: User, clinician: User) -> None:
    consult = open_hours(clinic, clinician)
    visit = Appointment(
        clinic=clinic,
        patient=patient,
        clinician=clinician,
        visit_type=consult,
        start=SAT_06,
        end=SAT_06,
        status="lost",
    )
    with pytest.raises(ValueError, match=r"status must be one of .* got 'lost'"):
        appointment_to_fhir(visit)


@pytest.mark.parametrize(
    ("kind", "fhir_type", "physical_type"),
    [
        ("psg_bed", "Location", "bd"),
        ("day_hospital_bed", "Location", "bd"),
        ("physio_room", "Location", "ro"),
        ("emg_machine", "Device", None),
    ],
)
def test_rooms_and_beds_are_locations_machines_are_devices(
    clinic: Clinic, kind: str, fhir_type: str, physical_type: str | None
) -> None:
    resource = Resource.objects.create(clinic=clinic, kind=kind, name="R1", active=False)
    built = resource_to_fhir(resource)
    assert built.get_resource_type() == fhir_type
    dumped = built.model_dump(mode="json")
    assert dumped["id"] == str(resource.pk)
    assert dumped["status"] == "inactive"
    assert dumped["type"][0]["coding"][0]["code"] == kind
    if physical_type is None:
        assert dumped["displayName"] == "R1"
    else:
        assert (dumped["name"], dumped["form"]["coding"][0]["code"]) == ("R1", physical_type)
