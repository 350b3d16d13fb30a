"""The audit trail of the clinician workspace: one entry per page and per change,
with who, what, whose, which object, from where; and nobody can alter it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"


def test_every_patient_page_view_writes_one_entry(patient: User, clinician: User) -> None:
    client = login(clinician)
    url = f"/clinic/patients/{patient.pk}/"
    for n in (1, 2, 3):
        client.get(url, REMOTE_ADDR=IP, HTTP_USER_AGENT="pytest-browser")
        assert AuditEvent.objects.count() == n
    event = AuditEvent.objects.first()
    assert event is not None
    assert event.actor == clinician
    assert event.actor_label == "doc@example.org"
    assert event.action == AuditEvent.Action.VIEW
    assert event.patient == patient
    assert event.patient_label == "pat@example.org"
    assert (event.object_type, event.object_id) == ("patient_record", str(patient.pk))
    assert event.ip_address == IP
    assert event.user_agent == "pytest-browser"
    assert event.path == url


@pytest.mark.parametrize(
    ("path", "data", "model", "object_type"),
    [
        (
            "labs",
            {"lab-question_id": "ferritin_ng_ml", "lab-value": "40"},
            LabResult,
            "labresult",
        ),
        ("findings", {"finding-text": "Normal gait"}, ExamFinding, "examfinding"),
        ("notes", {"note-text": "Call back"}, ClinicalNote, "clinicalnote"),
    ],
)
def test_every_addition_writes_one_entry(
    patient: User,
    clinician: User,
    path: str,
    data: dict[str, str],
    model: type[LabResult] | type[ExamFinding] | type[ClinicalNote],
    object_type: str,
) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    if path == "labs":
        data = {**data, "lab-measured_on": timezone.localdate().isoformat()}
    url = f"/clinic/patients/{patient.pk}/{path}/"
    response = login(clinician).post(url, data, REMOTE_ADDR=IP)
    assert response.status_code == 302
    created = model.objects.get()
    event = AuditEvent.objects.get()  # exactly one, even though a lab also re-runs
    assert (event.actor, event.action, event.patient) == (clinician, "create", patient)
    assert (event.object_type, event.object_id) == (object_type, str(created.pk))
    assert (event.ip_address, event.path) == (IP, url)


def test_refused_addition_writes_no_change_entry(patient: User, clinician: User) -> None:
    login(clinician).post(f"/clinic/patients/{patient.pk}/notes/", {"note-text": ""})
    # the page was shown again with the error: one view, no create
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["view"]


def test_denied_access_writes_no_entry(
    patient: User, other_patient: User, other_clinician: User
) -> None:
    client = login(other_clinician)
    assert client.get(f"/clinic/patients/{patient.pk}/").status_code == 404
    assert (
        client.post(f"/clinic/patients/{patient.pk}/notes/", {"note-text": "x"}).status_code == 404
    )
    assert Client().get(f"/clinic/patients/{patient.pk}/").status_code == 302
    assert not AuditEvent.objects.filter(patient=patient).exists()


def test_the_list_writes_one_entry_without_a_patient(clinician: User) -> None:
    login(clinician).get("/clinic/", {"urgency": "urgent"}, REMOTE_ADDR=IP)
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.patient, event.object_type) == (
        clinician,
        "view",
        None,
        "patient_list",
    )
    assert (event.ip_address, event.path) == (IP, "/clinic/?urgency=urgent")


# --- nobody can alter the trail ------------------------------------------------------------


@pytest.fixture
def event(patient: User, clinician: User) -> AuditEvent:
    return record(None, "view", patient=patient, actor=clinician, object_type="record")


def test_clinicians_cannot_change_entries_through_the_orm(event: AuditEvent) -> None:
    event.action = "delete"
    with pytest.raises(PermissionError, match="cannot be changed"):
        event.save()
    with pytest.raises(PermissionError, match="cannot be deleted"):
        event.delete()
    with pytest.raises(PermissionError, match="cannot be changed"):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(PermissionError, match="cannot be deleted"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get().action == "view"


def test_clinicians_cannot_reach_entries_in_the_admin(event: AuditEvent, clinician: User) -> None:
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    client = login(clinician)
    for response in (
        client.get(change),
        client.post(change, {"action": "delete"}),
        client.post(delete, {"post": "yes"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert AuditEvent.objects.get().action == "view"


def test_even_staff_with_every_permission_cannot_change_entries(
    event: AuditEvent, clinician: User
) -> None:
    clinician.is_staff = True
    clinician.save()
    clinician.user_permissions.set(Permission.objects.filter(content_type__app_label="audit"))
    client = login(clinician)
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # may read
    assert client.post(change, {"action": "delete", "actor_label": "nobody"}).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert (event.action, event.actor_label) == ("view", "doc@example.org")
