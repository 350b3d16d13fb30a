"""FHIR: the exported Bundle validates and re-parses, conditions are never confirmed,
LOINC codes and units, the contributor registry, the $everything endpoint and who may
read it, and the import (matching, units, atomic refusals, round trips)."""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources import __fhir_version__
from fhir.resources.appointment import Appointment
from fhir.resources.bundle import Bundle
from fhir.resources.observation import Observation
from fhir.resources.resource import Resource
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietlegs.web.accounts.models import User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.interop import codes, export, importer
from quietlegs.web.orders import services as orders
from quietlegs.web.records import services as records
from quietlegs.web.records.models import LabResult, PSGStudy, lab_question_ids
from quietlegs.web.scheduling.models import Resource as ClinicResource
from quietlegs.web.tremor.models import TremorRecording
from tests.web.integtools import appointment, diary_nights, tremor_recording
from tests.web.webtools import RLS_ANSWERS, login, make_user

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    """Today, read when a test runs (a date read at import went stale in a run that
    crossed midnight)."""
    return timezone.localdate()


#: Read at import; a day in the past stays in the past however long the run takes.
SAMPLE_DAY = today() - datetime.timedelta(days=2)
BASE = "http://testserver/fhir/"


@pytest.fixture
def full_record(clinician: User, patient: User) -> User:
    """Assessment, orders (one resulted with values and text, one cancelled), every lab
    test, a sleep study and a profile: every kind of resource the export makes."""
    patient.last_name = "Ivanova"
    patient.save()
    patient.profile.answers = {"sex": "female"}
    patient.profile.save()
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    outcome = orders.order_recommendations(None, patient, clinician, assessment)
    iron = next(o for o in outcome.created if o.item_id == "ferritin_tsat")
    blood = next(o for o in outcome.created if o.item_id == "full_blood_count")
    orders.enter_result(
        None,
        iron,
        clinician,
        values={"ferritin_ng_ml": 38, "tsat_percent": 17},
        result_date=SAMPLE_DAY,
        text="Morning sample.",
        interpretation="abnormal",
    )
    orders.cancel_order(None, blood, clinician, reason="done elsewhere")
    for question_id, value in {
        "haemoglobin_g_l": 128,
        "tsh_miu_l": 2.1,
        "hba1c_percent": 5.4,
        "b12_pmol_l": 310,
        "egfr_ml_min": 88,
    }.items():
        LabResult.objects.create(
            patient=patient,
            recorded_by=clinician,
            question_id=question_id,
            value=value,
            measured_on=SAMPLE_DAY,
        )
    PSGStudy.objects.create(
        patient=patient,
        original_name="night.edf",
        stored_path="/nowhere",
        size_bytes=1,
        status="done",
        result={
            "plms_index": 22.5,
            "plm_index": 18.0,
            "periodicity_index": 0.71,
            "index_basis": "sleep",
        },
    )
    return patient


def bundle_json(patient: User, user: User | None = None) -> str:
    return export.patient_bundle(patient, user, BASE).model_dump_json()


def resources_of(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def lab_values(patient: User) -> list[tuple[str, float, datetime.date]]:
    return sorted(
        (r.question_id, round(r.value, 6), r.measured_on)
        for r in LabResult.objects.filter(patient=patient)
    )


# --- export ------------------------------------------------------------------------------


def test_the_default_models_are_fhir_r5() -> None:
    assert __fhir_version__ == "5.0.0"


def test_the_bundle_validates_re_parses_and_holds_every_kind(
    full_record: User, clinician: User
) -> None:
    text = bundle_json(full_record, clinician)
    parsed = Bundle.model_validate_json(text)  # every resource is validated again
    assert parsed.type == "collection"
    kinds = [e.resource.get_resource_type() for e in parsed.entry or [] if e.resource]
    assert kinds[0] == "Patient"
    assert set(kinds) == {
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "Condition",
        "ServiceRequest",
        "CarePlan",
    }
    for entry in parsed.entry or []:
        assert isinstance(entry.resource, Resource)
    data = json.loads(text)
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(urls) == len(set(urls))
    assert urls[0] == f"{BASE}Patient/{full_record.pk}"
    # every local reference points into the bundle
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in data["entry"]}
    references = [m for m in _references(data) if "/" in m and not m.startswith("http")]
    assert references
    assert set(references) <= present


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_patient_resource(full_record: User) -> None:
    data = json.loads(bundle_json(full_record))
    patient = resources_of(data, "Patient")[0]
    assert patient["identifier"] == [
        {"system": "urn:quietlegs:patient", "value": str(full_record.pk)}
    ]
    assert patient["name"][0]["family"] == "Ivanova"
    assert patient["name"][0]["given"] == ["Pat"]
    assert patient["telecom"] == [{"system": "email", "value": "pat@example.org"}]
    assert patient["gender"] == "female"
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "en"


def test_the_identifier_system_is_a_setting(full_record: User, settings: Any) -> None:
    settings.QUIETLEGS_FHIR_PATIENT_SYSTEM = "https://clinic.example.org/fhir/sid/patient"
    data = json.loads(bundle_json(full_record))
    assert resources_of(data, "Patient")[0]["identifier"][0]["system"] == (
        "https://clinic.example.org/fhir/sid/patient"
    )


def test_lab_observations_are_loinc_and_ucum_coded(full_record: User) -> None:
    data = json.loads(bundle_json(full_record))
    labs = {
        o["code"]["coding"][0]["code"]: o
        for o in resources_of(data, "Observation")
        if o["category"][0]["coding"][0]["code"] == "laboratory"
    }
    assert {
        code: (o["valueQuantity"]["value"], o["valueQuantity"]["code"]) for code, o in labs.items()
    } == {
        "2276-4": (38.0, "ng/mL"),
        "2502-3": (17.0, "%"),
        "718-7": (128.0, "g/L"),
        "3016-3": (2.1, "m[IU]/L"),
        "4548-4": (5.4, "%"),
        "14685-2": (310.0, "pmol/L"),
        "69405-9": (88.0, "mL/min/{1.73_m2}"),
    }
    ferritin = labs["2276-4"]
    assert ferritin["code"]["coding"][0]["system"] == "http://loinc.org"
    assert ferritin["code"]["coding"][1] == {
        "system": codes.QUESTION_SYSTEM,
        "code": "ferritin_ng_ml",
    }
    assert ferritin["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert ferritin["effectiveDateTime"] == SAMPLE_DAY.isoformat()
    assert ferritin["status"] == "final"
    assert ferritin["basedOn"][0]["reference"].startswith("ServiceRequest/order-")


def test_every_lab_question_has_a_code_whose_unit_matches_the_knowledge_base() -> None:
    assert set(codes.LAB_BY_QUESTION) == set(lab_question_ids())
    expected_units = {
        "ferritin_ng_ml": "ng/mL",
        "tsat_percent": "%",
        "haemoglobin_g_l": "g/L",
        "tsh_miu_l": "mIU/L",
        "hba1c_percent": "%",
        "b12_pmol_l": "pmol/L",
        "egfr_ml_min": "mL/min/1.73 m²",
    }
    for lab in codes.LAB_CODES:
        assert records.lab_unit(lab.question_id, "en") == expected_units[lab.question_id]
        assert lab.units[lab.ucum] == 1.0
        assert lab.loinc in lab.accepted_codes
    loinc = {lab.question_id: lab.loinc for lab in codes.LAB_CODES}
    assert loinc == {
        "ferritin_ng_ml": "2276-4",
        "tsat_percent": "2502-3",
        "haemoglobin_g_l": "718-7",
        "tsh_miu_l": "3016-3",
        "hba1c_percent": "4548-4",
        "b12_pmol_l": "14685-2",
        "egfr_ml_min": "69405-9",
    }


def test_psg_and_order_results_are_observations(full_record: User) -> None:
    data = json.loads(bundle_json(full_record))
    psg = {
        o["code"]["coding"][0]["code"]: o["valueQuantity"]
        for o in resources_of(data, "Observation")
        if o["code"]["coding"][0]["system"] == codes.PSG_INDEX_SYSTEM
    }
    assert psg == {
        "plm_index": {"value": 18.0, "unit": "/h", "system": codes.UCUM, "code": "/h"},
        "plms_index": {"value": 22.5, "unit": "/h", "system": codes.UCUM, "code": "/h"},
        "periodicity_index": {"value": 0.71, "unit": "1", "system": codes.UCUM, "code": "1"},
    }
    text_results = [
        o
        for o in resources_of(data, "Observation")
        if o["code"]["coding"][0]["system"] == codes.TEST_SYSTEM
    ]
    assert [o["valueString"] for o in text_results] == ["Morning sample."]
    assert text_results[0]["interpretation"] == [{"text": "abnormal"}]


def test_conditions_are_provisional_or_differential_never_confirmed(full_record: User) -> None:
    Assessment.create_from_answers(
        dict(RLS_ANSWERS, main_symptoms=["urge_to_move", "swelling"], calf_swelling=True),
        patient=full_record,
    )
    data = json.loads(bundle_json(full_record))
    conditions = resources_of(data, "Condition")
    status = {
        c["code"]["coding"][0]["code"]: c["verificationStatus"]["coding"][0]["code"]
        for c in conditions
    }
    assert status == {
        "deep_vein_thrombosis": "differential",
        "restless_legs_syndrome": "provisional",
        "leg_oedema": "differential",
    }
    assert all(c["clinicalStatus"]["coding"][0]["code"] == "active" for c in conditions)
    assert all("not a diagnosis" in c["note"][0]["text"] for c in conditions)
    assert "confirmed" not in json.dumps(conditions)


def test_service_requests_and_the_care_plan(full_record: User) -> None:
    data = json.loads(bundle_json(full_record))
    requests = {
        r["code"]["concept"]["coding"][0]["code"]: r for r in resources_of(data, "ServiceRequest")
    }
    iron, blood = requests["ferritin_tsat"], requests["full_blood_count"]
    assert (iron["status"], iron["intent"], iron["priority"]) == ("completed", "order", "routine")
    assert blood["status"] == "revoked"
    assert blood["note"] == [{"text": "cancelled: done elsewhere"}]
    assert iron["category"][0]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "108252007",
        "display": "Laboratory procedure",
    }
    assert iron["reason"][0]["concept"]["text"].startswith("Troublesome restless legs")
    plan = resources_of(data, "CarePlan")[0]
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert (
        plan["addresses"][0]["reference"]["reference"]
        == "Condition/condition-restless-legs-syndrome"
    )
    notes = " ".join(n["text"] for n in plan["note"])
    assert "Treatment information" in notes
    assert "strong" in notes
    assert "mg" not in notes.split()  # information only: no doses
    assert "activity" not in plan  # every order is closed


def test_questionnaire_response_answers(full_record: User) -> None:
    data = json.loads(bundle_json(full_record))
    answers = resources_of(data, "QuestionnaireResponse")[0]
    items = {i["linkId"]: i["answer"] for i in answers["item"]}
    assert items["age"] == [{"valueInteger": 52}]
    assert items["rls_urge"] == [{"valueBoolean": True}]
    assert [a["valueCoding"]["code"] for a in items["main_symptoms"]] == [
        "main_symptoms.urge_to_move",
        "main_symptoms.unpleasant_sensations",
    ]
    assert answers["status"] == "completed"
    assert answers["author"] == {"reference": f"Patient/{full_record.pk}"}
    assert answers["questionnaire"].startswith(codes.QUESTIONNAIRE_URL + "|")


# --- what the other apps contribute: appointments, diary, tremor ---------------------------


@pytest.fixture
def whole_record(full_record: User, clinic: Clinic, clinician: User) -> User:
    """The full record plus two tremor recordings (a 5 Hz rest tremor, and none found in
    posture), three diary nights and three appointments (one cancelled) with a second
    clinician, a PSG bed and an EMG machine."""
    tremor_recording(full_record, 5.0, 0.3, "rest", name="rest.csv")
    tremor_recording(full_record, 9.0, 0.0, "posture", name="still.csv")
    diary_nights(full_record, 3)
    bed = ClinicResource.objects.create(clinic=clinic, kind="psg_bed", name="PSG bed 1")
    emg = ClinicResource.objects.create(clinic=clinic, kind="emg_machine", name="EMG 1")
    second = make_user("doc3@example.org", role="clinician", clinic=clinic)
    appointment(clinic, full_record, clinician, days_ahead=2)
    appointment(clinic, full_record, second, days_ahead=5, code="psg_study", resource=bed)
    appointment(
        clinic,
        full_record,
        second,
        days_ahead=-3,
        code="emg_study",
        resource=emg,
        status="cancelled",
    )
    return full_record


def test_every_app_contributes_and_every_reference_resolves(
    whole_record: User, clinician: User
) -> None:
    text = bundle_json(whole_record, clinician)
    parsed = Bundle.model_validate_json(text)  # every resource is validated again
    kinds = [e.resource.get_resource_type() for e in parsed.entry or [] if e.resource]
    assert set(kinds) == {
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "Condition",
        "ServiceRequest",
        "CarePlan",
        "Appointment",
        "Practitioner",
        "Location",
        "Device",
    }
    data = json.loads(text)
    keys = [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in data["entry"]]
    assert len(keys) == len(set(keys))  # every resource has an id, unique in the bundle
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(urls) == len(set(urls))
    assert all(u.startswith(BASE) for u in urls)
    references = set(_references(data))
    assert {f"Practitioner/{clinician.pk}", f"Patient/{whole_record.pk}"} <= references
    assert references <= set(keys)
    observations = resources_of(data, "Observation")
    systems = [o["code"]["coding"][0]["system"] for o in observations]
    assert systems.count(codes.TREMOR_SYSTEM) == 2
    assert systems.count("https://quietlegs.org/fhir/CodeSystem/diary") == 3


def test_the_apps_register_their_contributors_after_the_builtin_ones() -> None:
    names = list(export.contributors())
    assert names[:7] == [
        "questionnaire_responses",
        "lab_observations",
        "psg_observations",
        "result_observations",
        "conditions",
        "service_requests",
        "care_plan",
    ]
    assert names[7:10] == ["tremor", "diary", "appointments"]


def test_a_tremor_recording_is_an_observation_in_hz(whole_record: User) -> None:
    data = json.loads(bundle_json(whole_record))
    tremor = {
        o["id"]: o
        for o in resources_of(data, "Observation")
        if o["code"]["coding"][0]["system"] == codes.TREMOR_SYSTEM
    }
    rest_item = TremorRecording.objects.get(original_name="rest.csv")
    still_item = TremorRecording.objects.get(original_name="still.csv")
    rest, still = tremor[f"tremor-{rest_item.pk}"], tremor[f"tremor-{still_item.pk}"]
    assert rest["code"]["coding"][0]["code"] == "tremor-measurement"
    assert rest["category"][0]["coding"][0]["code"] == "procedure"
    assert rest["subject"] == {"reference": f"Patient/{whole_record.pk}"}
    parts = {c["code"]["coding"][0]["code"]: c for c in rest["component"]}
    assert parts["tremor-detected"]["valueBoolean"] is True
    frequency = parts["dominant-frequency"]["valueQuantity"]
    assert frequency == {
        "value": pytest.approx(5.0, abs=0.2),
        "unit": "Hz",
        "system": "http://unitsofmeasure.org",
        "code": "Hz",
    }
    assert frequency["value"] == round(rest_item.result["dominant_frequency_hz"], 2)
    amplitude = parts["amplitude-rms"]["valueQuantity"]
    assert (amplitude["unit"], amplitude["code"]) == ("m/s²", "m/s2")
    assert amplitude["value"] == pytest.approx(0.3, rel=0.1)
    assert parts["displacement-rms"]["valueQuantity"]["code"] == "mm"
    assert parts["tremor-fraction"]["valueQuantity"]["code"] == "%"
    band = parts["frequency-band"]["valueCodeableConcept"]["coding"][0]
    assert (band["system"], band["code"], band["display"]) == (
        codes.TREMOR_BAND_SYSTEM,
        "rest_3_7",
        "3–7 Hz at rest",
    )
    task = parts["recording-task"]["valueCodeableConcept"]["coding"][0]
    assert (task["system"], task["code"], task["display"]) == (
        codes.TREMOR_TASK_SYSTEM,
        "rest",
        "At rest",
    )
    assert rest["note"][0]["text"].startswith("A 5.0 Hz tremor was measured at rest.")
    assert rest["note"][0]["text"].endswith("This is a measurement, not a diagnosis.")
    # no tremor found: said so, with no frequency and no tremor amplitude
    still_parts = {c["code"]["coding"][0]["code"]: c for c in still["component"]}
    assert still_parts["tremor-detected"]["valueBoolean"] is False
    assert "dominant-frequency" not in still_parts
    assert "amplitude-rms" not in still_parts
    assert still_parts["frequency-band"]["valueCodeableConcept"]["coding"][0]["code"] == "none"
    assert still["note"][0]["text"].startswith("No tremor above the sensor's detection level")


def test_diary_nights_are_observations_with_an_id_per_night(whole_record: User) -> None:
    data = json.loads(bundle_json(whole_record))
    diary = [
        o
        for o in resources_of(data, "Observation")
        if o["code"]["coding"][0]["code"] == "rls-diary-entry"
    ]
    nights = [today() - datetime.timedelta(days=n) for n in (3, 2, 1)]
    assert [o["id"] for o in diary] == [f"diary-{n.isoformat()}" for n in nights]
    assert [o["effectiveDateTime"] for o in diary] == [n.isoformat() for n in nights]
    assert all(o["subject"] == {"reference": f"Patient/{whole_record.pk}"} for o in diary)
    severity = diary[0]["component"][0]
    assert (severity["code"]["coding"][0]["code"], severity["valueInteger"]) == ("rls-severity", 5)


def test_appointments_come_with_their_clinicians_and_rooms(
    whole_record: User, clinician: User
) -> None:
    data = json.loads(bundle_json(whole_record))
    appointments = resources_of(data, "Appointment")
    assert [a["status"] for a in appointments] == ["cancelled", "booked", "booked"]
    assert [a["serviceType"][0]["concept"]["coding"][0]["code"] for a in appointments] == [
        "emg_study",
        "follow_up",
        "psg_study",
    ]
    second = User.objects.get(email="doc3@example.org")
    practitioners = resources_of(data, "Practitioner")
    assert [p["id"] for p in practitioners] == [str(clinician.pk), str(second.pk)]
    assert practitioners[0]["name"][0]["text"] == clinician.display_name()
    bed = ClinicResource.objects.get(kind="psg_bed")
    emg = ClinicResource.objects.get(kind="emg_machine")
    (location,) = resources_of(data, "Location")
    assert (location["id"], location["name"], location["form"]["coding"][0]["code"]) == (
        str(bed.pk),
        "PSG bed 1",
        "bd",
    )
    (device,) = resources_of(data, "Device")
    assert (device["id"], device["displayName"]) == (str(emg.pk), "EMG 1")
    actors = [p["actor"]["reference"] for p in appointments[2]["participant"]]
    assert actors == [
        f"Patient/{whole_record.pk}",
        f"Practitioner/{second.pk}",
        f"Location/{bed.pk}",
    ]
    assert appointments[0]["participant"][2]["actor"]["reference"] == f"Device/{emg.pk}"


def test_a_contributor_repeating_an_id_fails_the_export(whole_record: User) -> None:
    item = TremorRecording.objects.first()
    assert item is not None

    def again(patient: User, request_user: User | None) -> list[Resource]:
        return [Observation(id=f"tremor-{item.pk}", status="final", code={"text": "copy"})]

    export.register_contributor("again", again)
    try:
        with pytest.raises(
            export.FhirExportError,
            match=rf"contributor 'again' built Observation/tremor-{item.pk}, which 'tremor' "
            "already built; ids must be unique",
        ):
            export.patient_bundle(whole_record, None, BASE)
    finally:
        export.unregister_contributor("again")


def test_an_export_with_every_app_imports_cleanly(
    whole_record: User, clinician: User, other_clinician: User
) -> None:
    data = as_new_person(bundle_json(whole_record, clinician), "anna.new@example.org")
    outcome = importer.import_bundle(None, other_clinician, json.dumps(data))
    assert lab_values(outcome.patient) == lab_values(whole_record)
    assert outcome.skipped == {
        "CarePlan": 1,
        "Condition": 1,
        # 3 sleep-study indices, 1 text result, 2 tremor measurements, 3 diary nights
        "Observation": 9,
        "QuestionnaireResponse": 2,
        "ServiceRequest": 2,
        "Appointment": 3,
        "Practitioner": 2,
        "Location": 1,
        "Device": 1,
    }


# --- the contributor registry ---------------------------------------------------------------


@pytest.fixture
def appointments_contributor() -> Iterator[None]:
    def appointments(patient: User, request_user: User | None) -> list[Resource]:
        return [
            Appointment(
                id=f"appt-{patient.pk}",
                status="booked",
                subject=export.patient_reference(patient),
                participant=[{"actor": export.patient_reference(patient), "status": "accepted"}],
            )
        ]

    export.register_contributor("extra_appointments", appointments)
    yield
    export.unregister_contributor("extra_appointments")


def test_a_registered_contributor_adds_its_resources(
    full_record: User, appointments_contributor: None
) -> None:
    assert list(export.contributors())[-1] == "extra_appointments"
    parsed = Bundle.model_validate_json(bundle_json(full_record))
    last = (parsed.entry or [])[-1]
    assert last.resource is not None
    assert last.resource.get_resource_type() == "Appointment"
    assert last.fullUrl == f"{BASE}Appointment/appt-{full_record.pk}"


def test_a_contributor_building_invalid_fhir_fails_with_its_name(patient: User) -> None:
    def broken(patient: User, request_user: User | None) -> list[Resource]:
        return [Observation(status="final")]  # type: ignore[call-arg]  # it needs a code

    export.register_contributor("broken", broken)
    try:
        with pytest.raises(export.FhirExportError, match="contributor 'broken' built an invalid"):
            export.patient_bundle(patient, None, BASE)
    finally:
        export.unregister_contributor("broken")


def test_codes_are_in_the_r5_value_sets(full_record: User) -> None:
    """fhir.resources checks structure, cardinality and datatypes, not value-set bindings:
    the codes quietlegs writes are checked here against FHIR R5's required value sets."""
    data = json.loads(bundle_json(full_record))
    required = {
        "Observation": (
            "status",
            {
                "registered",
                "preliminary",
                "final",
                "amended",
                "corrected",
                "cancelled",
                "entered-in-error",
                "unknown",
                "cannot-be-obtained",
            },
        ),
        "ServiceRequest": (
            "status",
            {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
        ),
        "CarePlan": (
            "status",
            {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
        ),
        "QuestionnaireResponse": (
            "status",
            {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
        ),
    }
    for kind, (element, allowed) in required.items():
        values = {r[element] for r in resources_of(data, kind)}
        assert values
        assert values <= allowed
    for request in resources_of(data, "ServiceRequest"):
        assert request["intent"] == "order"
        assert request["priority"] in {"routine", "urgent", "asap", "stat"}
    assert {c["clinicalStatus"]["coding"][0]["code"] for c in resources_of(data, "Condition")} <= {
        "active",
        "recurrence",
        "relapse",
        "inactive",
        "remission",
        "resolved",
        "unknown",
    }
    assert {r["intent"] for r in resources_of(data, "CarePlan")} == {"plan"}


def test_fhir_ids_are_valid() -> None:
    assert (
        codes.fhir_id("condition", "restless_legs_syndrome") == "condition-restless-legs-syndrome"
    )
    long = codes.fhir_id("x" * 100)
    assert len(long) == 64
    assert long != codes.fhir_id("x" * 101)


# --- the endpoint -------------------------------------------------------------------------


def everything_url(patient: User) -> str:
    return reverse("fhir:everything", args=[patient.pk])


def test_the_url_is_the_fhir_operation(patient: User) -> None:
    assert everything_url(patient) == f"/fhir/Patient/{patient.pk}/$everything"


def test_the_patient_and_their_clinicians_read_it(
    full_record: User, clinician: User, clinic_admin: User
) -> None:
    for who in (full_record, clinician, clinic_admin):
        response = login(who).get(everything_url(full_record))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
        assert response["Cache-Control"] == "private, no-store"
        parsed = Bundle.model_validate_json(response.content)
        first = (parsed.entry or [])[0]
        assert first.fullUrl == f"http://testserver/fhir/Patient/{full_record.pk}"
    events = AuditEvent.objects.filter(
        action="export", object_type="fhir_bundle", patient=full_record
    )
    assert events.count() == 3


def test_an_api_token_reads_it(patient: User) -> None:
    _token, secret = ApiToken.issue(patient)
    response = Client().get(everything_url(patient), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert AuditEvent.objects.get(object_type="fhir_bundle").actor == patient


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication required"),
        ("Basic abc", "must be 'Bearer <token>'"),
        ("Bearer ql_wrong", "Invalid or revoked API token."),
    ],
)
def test_no_or_bad_credentials_are_401(patient: User, header: str | None, message: str) -> None:
    client = Client()
    if header:
        response = client.get(everything_url(patient), HTTP_AUTHORIZATION=header)
    else:
        response = client.get(everything_url(patient))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="quietlegs"'
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert message in body["issue"][0]["diagnostics"]
    assert not AuditEvent.objects.filter(object_type="fhir_bundle").exists()


def test_a_bad_token_is_401_even_with_a_session(patient: User) -> None:
    response = login(patient).get(everything_url(patient), HTTP_AUTHORIZATION="Bearer ql_wrong")
    assert response.status_code == 401


def test_anyone_else_gets_404(
    patient: User, other_patient: User, other_clinician: User, clinician: User
) -> None:
    for who, target in (
        (other_patient, patient),
        (other_clinician, patient),
        (patient, other_patient),
    ):
        response = login(who).get(everything_url(target))
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"
    assert login(clinician).get(reverse("fhir:everything", args=[999999])).status_code == 404
    assert login(clinician).get(everything_url(clinician)).status_code == 404  # not a patient
    assert not AuditEvent.objects.filter(object_type="fhir_bundle").exists()


def test_read_only_and_download(patient: User) -> None:
    client = login(patient)
    assert client.post(everything_url(patient)).status_code == 405
    response = client.get(everything_url(patient), {"download": "1"})
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="quietlegs-fhir-{patient.pk}-'
    )


def test_metadata_is_a_capability_statement() -> None:
    response = Client().get(reverse("fhir:metadata"))
    assert response.status_code == 200
    body = response.json()
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "5.0.0"
    assert body["rest"][0]["resource"][0]["operation"][0]["name"] == "everything"


def test_the_patient_page_links_export_and_import(clinician: User, patient: User) -> None:
    page = login(clinician).get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert f"/fhir/Patient/{patient.pk}/$everything?download=1" in page
    assert reverse("fhir:import_patient", args=[patient.pk]) in page


# --- import: round trips ------------------------------------------------------------------


def as_new_person(text: str, email: str) -> dict[str, Any]:
    """The bundle as another system would send it for a person quietlegs does not know."""
    data: dict[str, Any] = json.loads(text)
    patient = resources_of(data, "Patient")[0]
    patient["identifier"] = [{"system": "urn:oid:1.2.3.4", "value": "A-17"}]
    patient["telecom"] = [{"system": "email", "value": email}]
    return data


def test_round_trip_into_a_fresh_patient_gives_the_same_lab_results(
    full_record: User, clinician: User, other_clinician: User
) -> None:
    text = bundle_json(full_record, clinician)
    data = as_new_person(text, "anna.new@example.org")
    outcome = importer.import_bundle(None, other_clinician, json.dumps(data))
    fresh = outcome.patient
    assert outcome.created_patient
    assert fresh.clinic == other_clinician.clinic
    assert (fresh.first_name, fresh.last_name, fresh.email) == (
        "Pat",
        "Ivanova",
        "anna.new@example.org",
    )
    assert fresh.profile.answers == {"sex": "female"}
    assert not fresh.has_usable_password()
    assert lab_values(fresh) == lab_values(full_record)
    assert len(lab_values(fresh)) == 7
    assert outcome.skipped == {
        "CarePlan": 1,
        "Condition": 1,
        "Observation": 4,  # 3 sleep-study indices and 1 text result: quietlegs' own
        "QuestionnaireResponse": 2,  # the interview and its re-run with the results
        "ServiceRequest": 2,
    }
    assert outcome.assessment is None  # the fresh patient has no assessment to re-run
    assert (
        AuditEvent.objects.filter(patient=fresh, action="create", object_type="labresult").count()
        == 7
    )
    # ... and back: the fresh patient's export imports into a third patient identically
    again = as_new_person(bundle_json(fresh), "third@example.org")
    third = importer.import_bundle(None, other_clinician, json.dumps(again)).patient
    assert lab_values(third) == lab_values(full_record)


def test_re_importing_an_own_export_matches_by_identifier_and_adds_nothing(
    full_record: User, clinician: User
) -> None:
    before = lab_values(full_record)
    data = json.loads(bundle_json(full_record))
    resources_of(data, "Patient")[0]["name"][0]["family"] = "Petrova"
    outcome = importer.import_bundle(None, clinician, json.dumps(data))
    assert outcome.patient == full_record
    assert not outcome.created_patient
    assert outcome.updated_fields == ["last_name"]
    assert outcome.duplicates == 7
    assert lab_values(full_record) == before
    full_record.refresh_from_db()
    assert full_record.last_name == "Petrova"


def test_matching_by_email_in_the_clinic(full_record: User, clinician: User) -> None:
    data = json.loads(bundle_json(full_record))
    resources_of(data, "Patient")[0]["identifier"] = []
    assert importer.import_bundle(None, clinician, json.dumps(data)).patient == full_record


def lab_bundle(*observations: dict[str, Any], patient: dict[str, Any] | None = None) -> str:
    entries = []
    if patient is not None:
        entries.append({"fullUrl": "urn:uuid:p1", "resource": patient})
    entries += [{"fullUrl": f"urn:uuid:o{i}", "resource": o} for i, o in enumerate(observations)]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def observation(
    loinc: str = "2276-4",
    value: Any = 25,
    unit: str = "ng/mL",
    day: datetime.date = SAMPLE_DAY,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": day.isoformat(),
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }
    data.update(extra)
    return data


def test_import_into_a_patients_record_re_runs_the_assessment(
    clinician: User, patient: User
) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    text = lab_bundle(
        observation("2276-4", 20),
        observation("718-7", 12.8, "g/dL"),
        observation("3016-3", 2.5, "u[IU]/mL"),
        observation("62238-1", 75, "mL/min/{1.73_m2}"),
    )
    outcome = importer.import_bundle(None, clinician, text, patient=patient)
    assert lab_values(patient) == [
        ("egfr_ml_min", 75.0, SAMPLE_DAY),
        ("ferritin_ng_ml", 20.0, SAMPLE_DAY),
        ("haemoglobin_g_l", 128.0, SAMPLE_DAY),
        ("tsh_miu_l", 2.5, SAMPLE_DAY),
    ]
    assert outcome.assessment is not None
    assert outcome.assessment.answers["ferritin_ng_ml"] == 20.0
    assert Assessment.objects.filter(patient=patient).count() == 2
    assert AuditEvent.objects.filter(patient=patient, object_type="fhir_import").count() == 1


# --- import: refusals (nothing stored) -------------------------------------------------------


def refused(clinician: User, text: str, patient: User | None = None) -> str:
    users = User.objects.count()
    labs = LabResult.objects.count()
    with pytest.raises(ValidationError) as info:
        importer.import_bundle(None, clinician, text, patient=patient)
    assert User.objects.count() == users
    assert LabResult.objects.count() == labs
    return " | ".join(info.value.messages)


@pytest.mark.parametrize(
    ("obs", "message"),
    [
        (
            observation("8867-4", 70, "/min"),
            "LOINC code 8867-4 is not a lab test quietlegs records",
        ),
        (
            observation(extra_code := "2276-4", 25, "mg/L"),
            "entry 2 (Observation) (2276-4 ferritin_ng_ml): unit “mg/L” is not accepted; "
            "use one of: ng/mL, ug/L, µg/L.",
        ),
        (observation("2276-4", 6000), "must be between 0 and 5000 ng/mL; got 6000"),
        (observation(status="preliminary"), "status “preliminary” is not a result"),
        (
            {**observation(), "valueQuantity": None, "valueString": "low"},
            "no valueQuantity; a lab result needs a number and a unit",
        ),
        (
            {k: v for k, v in observation().items() if k != "effectiveDateTime"},
            "no date of the sample",
        ),
        (
            {
                **observation(),
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]},
            },
            "no LOINC code (codes given: http://snomed.info/sct|1)",
        ),
    ],
)
def test_a_bad_observation_refuses_the_whole_bundle(
    clinician: User, patient: User, obs: dict[str, Any], message: str
) -> None:
    obs = {k: v for k, v in obs.items() if v is not None}
    text = lab_bundle(observation("718-7", 130, "g/L"), obs)
    assert message in refused(clinician, text, patient)


def test_a_sample_dated_tomorrow_refuses_the_whole_bundle(clinician: User, patient: User) -> None:
    tomorrow = today() + datetime.timedelta(days=1)  # read now, not at import
    text = lab_bundle(observation("718-7", 130, "g/L"), observation(day=tomorrow))
    assert f"the date of the sample {tomorrow} is in the future" in refused(
        clinician, text, patient
    )


def test_every_problem_is_listed(clinician: User, patient: User) -> None:
    text = lab_bundle(
        observation("8867-4"), observation("2276-4", 6000), observation("2276-4", 1, "mg/L")
    )
    problems = refused(clinician, text, patient)
    assert "entry 1 (Observation)" in problems
    assert "entry 2 (Observation)" in problems
    assert "entry 3 (Observation)" in problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "The file is not JSON: the text stops making sense at line 1, column 2."),
        (
            '{"resourceType": "Patient"}',
            'Expected a FHIR Bundle (resourceType “Bundle”); got "Patient".',
        ),
        ("[1, 2]", "Expected a FHIR Bundle"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": "x"}',
            "The bundle is not valid FHIR R5: entry",
        ),
        (
            json.dumps(
                {"resourceType": "Bundle", "entry": [{"resource": observation(value="abc")}]}
            ),
            "The bundle is not valid FHIR R5: entry.0.resource.valueQuantity.value",
        ),
        (
            json.dumps(
                {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation"}}]}
            ),
            "The bundle is not valid FHIR R5",
        ),
    ],
)
def test_malformed_bundles_are_refused(
    clinician: User, patient: User, text: str, message: str
) -> None:
    assert message in refused(clinician, text, patient)


def test_a_too_large_bundle_is_refused(clinician: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_BUNDLE_BYTES", 10)
    assert "The bundle is too large (43 bytes); the limit is 10 bytes." in refused(
        clinician, '{"resourceType": "Bundle", "type": "batch"}'
    )


def person(email: str = "", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [{"family": "Lee", "given": ["Ada"]}],
    }
    if email:
        data["telecom"] = [{"system": "email", "value": email}]
    data.update(extra)
    return data


def test_patient_rules(
    clinician: User, patient: User, other_patient: User, other_clinician: User
) -> None:
    assert "is not this patient" in refused(
        clinician, lab_bundle(observation(), patient=person("someone@example.org")), patient
    )
    assert "has no e-mail address" in refused(
        clinician, lab_bundle(observation(), patient=person())
    )
    assert "no Patient resource" in refused(clinician, lab_bundle(observation()))
    taken = refused(clinician, lab_bundle(patient=person(other_patient.email)))
    assert (
        f"{other_patient.email} already has an account that is not a patient of this clinic"
        in taken
    )
    staff = refused(clinician, lab_bundle(patient=person(other_clinician.email)))
    assert "already has an account" in staff
    two = json.loads(lab_bundle(patient=person("a@example.org")))
    two["entry"].append({"resource": person("b@example.org")})
    assert "has 2 Patient resources" in refused(clinician, json.dumps(two))
    forged = person(
        "someone@example.org",
        identifier=[{"system": "urn:quietlegs:patient", "value": str(patient.pk)}],
    )
    assert "belongs to a patient with another e-mail address" in refused(
        clinician, lab_bundle(patient=forged)
    )
    theirs = person(
        identifier=[{"system": "urn:quietlegs:patient", "value": str(other_patient.pk)}]
    )
    assert "has no e-mail address" in refused(clinician, lab_bundle(patient=theirs))  # not matched
    about_another = observation(subject={"reference": "Patient/elsewhere"})
    assert "its subject Patient/elsewhere is not the bundle's Patient" in refused(
        clinician, lab_bundle(about_another, patient=person("new@example.org"))
    )
    mixed = lab_bundle(
        observation(subject={"reference": "Patient/1"}),
        observation(subject={"reference": "Patient/2"}),
    )
    assert "about 2 different subjects" in refused(clinician, mixed, patient)


def test_only_clinicians_of_the_patients_clinic_import(
    patient: User, other_clinician: User, other_patient: User
) -> None:
    with pytest.raises(PermissionError):
        importer.import_bundle(None, other_clinician, lab_bundle(observation()), patient=patient)
    with pytest.raises(PermissionError):
        importer.import_bundle(None, other_patient, lab_bundle(observation()))


# --- import: the web pages -----------------------------------------------------------------


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("bundle.json", text.encode(), content_type="application/fhir+json")


def test_the_import_page_imports_and_reports(clinician: User, patient: User) -> None:
    client = login(clinician)
    url = reverse("fhir:import_patient", args=[patient.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"bundle": upload(lab_bundle(observation(), observation()))})
    assert response.status_code == 302
    assert response["Location"] == reverse("records:patient", args=[patient.pk])
    message = next(str(m) for m in get_messages(response.wsgi_request))
    assert "Lab results imported: 1 (already on record: 1)." in message


def test_the_import_page_lists_the_problems(clinician: User, patient: User) -> None:
    response = login(clinician).post(
        reverse("fhir:import_patient", args=[patient.pk]),
        {"bundle": upload(lab_bundle(observation("2276-4", 6000)))},
    )
    assert response.status_code == 400
    assert "Nothing was imported:" in response.content.decode()
    assert "must be between 0 and 5000 ng/mL; got 6000" in response.content.decode()


def test_the_clinic_import_page_creates_a_patient(clinician: User) -> None:
    text = lab_bundle(observation(), patient=person("ada@example.org"))
    response = login(clinician).post(reverse("fhir:import"), {"bundle": upload(text)})
    created = User.objects.get(email="ada@example.org")
    assert response["Location"] == reverse("records:patient", args=[created.pk])
    assert created.clinic == clinician.clinic
    assert created.is_patient


def test_import_pages_are_for_clinicians_of_the_clinic(
    patient: User, other_clinician: User, other_patient: User
) -> None:
    assert login(patient).get(reverse("fhir:import")).status_code == 404
    assert (
        login(other_clinician).get(reverse("fhir:import_patient", args=[patient.pk])).status_code
        == 404
    )
    assert Client().get(reverse("fhir:import")).status_code == 302


# --- properties -------------------------------------------------------------------------


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["resourceType", "type", "entry", "id", "timestamp", "x"]),
        json_values,
        max_size=5,
    )
)
def test_parse_bundle_never_fails_unclearly(data: dict[str, Any]) -> None:
    try:
        importer.parse_bundle(json.dumps(data))
    except ValidationError as exc:
        messages = exc.messages
    else:
        messages = ["parsed"]
    assert messages
    assert all(isinstance(m, str) and m for m in messages)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.decimals(min_value=0, max_value=250, places=1, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(["g/L", "g/dL"]),
)
def test_haemoglobin_units_convert_exactly(value: Any, unit: str) -> None:
    from fhir.resources.observation import Observation

    parsed = importer._read_observation(
        0,
        Observation.model_validate(observation("718-7", float(value), unit)),
        importer._Problems(),
    )
    factor = 10 if unit == "g/dL" else 1
    in_range = 20 <= float(value) * factor <= 250
    if in_range:
        assert isinstance(parsed, importer.ParsedLab)
        assert parsed.value == pytest.approx(float(value) * factor)
        assert parsed.question_id == "haemoglobin_g_l"
    else:
        assert parsed is None


def test_a_lab_question_missing_from_the_clinic_is_not_matched_across_clinics(
    clinician: User, other_clinic: Clinic
) -> None:
    stranger = make_user("stranger@example.org", clinic=other_clinic)
    data = copy.deepcopy(json.loads(lab_bundle(patient=person("new@example.org"))))
    data["entry"][0]["resource"]["identifier"] = [
        {"system": "urn:quietlegs:patient", "value": str(stranger.pk)}
    ]
    outcome = importer.import_bundle(None, clinician, json.dumps(data))
    assert outcome.created_patient
    assert outcome.patient != stranger
