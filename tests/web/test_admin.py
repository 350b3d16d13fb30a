"""Django admin for staff: every model registered, audit log read-only, access audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.clinics.models import Clinic, Invitation
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult
from tests.web.webtools import PASSWORD, RLS_ANSWERS, login

pytestmark = pytest.mark.django_db

ALL_MODELS = [
    Clinic,
    Invitation,
    User,
    PatientProfile,
    Assessment,
    LabResult,
    ExamFinding,
    ClinicalNote,
    AuditEvent,
    ApiToken,
]


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root@example.org", "root@example.org", PASSWORD)


@pytest.fixture
def staff(superuser: User) -> Client:
    return login(superuser)


def admin_url(model: type[Any], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def everything(patient: User, clinician: User, clinic: Clinic, clinic_admin: User) -> None:
    """One object of every model."""
    Invitation.issue(clinic, "new@example.org", "clinician", clinic_admin)
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    LabResult.objects.create(
        patient=patient,
        recorded_by=clinician,
        question_id="ferritin_ng_ml",
        value=40,
        measured_on=timezone.localdate(),
    )
    ExamFinding.objects.create(patient=patient, recorded_by=clinician, text="finding")
    ClinicalNote.objects.create(patient=patient, author=clinician, text="note")
    record(None, "view", patient=patient, actor=clinician, object_type="record")
    ApiToken.issue(patient)


def test_every_model_is_registered() -> None:
    assert {m for m in ALL_MODELS if admin.site.is_registered(m)} == set(ALL_MODELS)


@pytest.mark.usefixtures("everything")
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_changelists_search_and_change_pages_open(staff: Client, model: type[Any]) -> None:
    assert staff.get(reverse("admin:index")).status_code == 200
    assert staff.get(admin_url(model, "changelist")).status_code == 200
    assert staff.get(admin_url(model, "changelist"), {"q": "example"}).status_code == 200
    obj = model.objects.first()
    assert obj is not None
    assert staff.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_admin_is_for_staff_only(clinician: User, clinic_admin: User, patient: User) -> None:
    for user in (clinician, clinic_admin, patient):
        response = login(user).get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


# --- the audit log is read-only ------------------------------------------------------------


def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin(
    staff: Client, patient: User, clinician: User
) -> None:
    event = record(None, "view", patient=patient, actor=clinician, object_type="record")
    assert staff.get(admin_url(AuditEvent, "add")).status_code == 403
    page = staff.get(admin_url(AuditEvent, "change", event.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html  # view-only page
    assert "doc@example.org" in html
    response = staff.post(
        admin_url(AuditEvent, "change", event.pk), {"action": "delete", "actor_label": "x"}
    )
    assert response.status_code == 403
    assert staff.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    changelist = staff.get(admin_url(AuditEvent, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    response = staff.post(
        admin_url(AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.filter(
        pk=event.pk, action="view", actor_label="doc@example.org"
    ).exists()
    assert AuditEvent.objects.count() == 1


def test_all_audit_fields_are_read_only() -> None:
    model_admin = admin.site.get_model_admin(AuditEvent)
    concrete = {f.name for f in AuditEvent._meta.get_fields() if f.concrete}
    assert set(model_admin.get_readonly_fields(None)) >= concrete - {"id"}  # type: ignore[arg-type]


# --- staff access to patient data is audited ----------------------------------------------


def test_opening_patient_data_in_the_admin_is_audited(
    staff: Client, superuser: User, patient: User, clinician: User
) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    result = LabResult.objects.create(
        patient=patient, question_id="tsh_miu_l", value=2, measured_on=timezone.localdate()
    )
    staff.get(admin_url(Assessment, "change", assessment.pk), REMOTE_ADDR="10.0.0.9")
    staff.get(admin_url(LabResult, "change", result.pk))
    staff.get(admin_url(User, "change", patient.pk))
    staff.get(admin_url(User, "change", clinician.pk))  # not a patient: not audited
    events = list(AuditEvent.objects.order_by("at", "pk"))
    assert [(e.actor, e.action, e.patient, e.object_type, e.object_id) for e in events] == [
        (superuser, "view", patient, "assessment", str(assessment.pk)),
        (superuser, "view", patient, "labresult", str(result.pk)),
        (superuser, "view", patient, "user", str(patient.pk)),
    ]
    assert events[0].ip_address == "10.0.0.9"
    assert events[0].path == admin_url(Assessment, "change", assessment.pk)


def test_clinical_records_are_view_only_in_the_admin(staff: Client, patient: User) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    assert staff.get(admin_url(Assessment, "add")).status_code == 403
    assert staff.get(admin_url(LabResult, "add")).status_code == 403
    assert staff.get(admin_url(ClinicalNote, "add")).status_code == 403
    response = staff.post(admin_url(Assessment, "change", assessment.pk), {"urgency": "self_care"})
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.urgency == "routine"


def test_deleting_patient_data_in_the_admin_is_audited(
    staff: Client, superuser: User, patient: User
) -> None:
    note = ClinicalNote.objects.create(patient=patient, text="to delete")
    response = staff.post(admin_url(ClinicalNote, "delete", note.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ClinicalNote.objects.exists()
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.patient, event.object_type, event.object_id) == (
        superuser,
        "delete",
        patient,
        "clinicalnote",
        str(note.pk),
    )
    notes = [ClinicalNote.objects.create(patient=patient, text=str(i)) for i in range(2)]
    staff.post(
        admin_url(ClinicalNote, "changelist"),
        {"action": "delete_selected", "_selected_action": [n.pk for n in notes], "post": "yes"},
    )
    assert not ClinicalNote.objects.exists()
    assert AuditEvent.objects.filter(action="delete").count() == 3


# --- users ---------------------------------------------------------------------------------


def test_add_a_clinician_with_the_email_as_login(staff: Client, clinic: Clinic) -> None:
    response = staff.post(
        admin_url(User, "add"),
        {
            "email": "New.Doc@Example.org",
            "first_name": "New",
            "last_name": "Doc",
            "role": "clinician",
            "clinic": clinic.pk,
            "usable_password": "true",
            "password1": "another-long-passphrase-93",
            "password2": "another-long-passphrase-93",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.doc@example.org")
    assert (user.username, user.role, user.clinic) == ("new.doc@example.org", "clinician", clinic)
    assert user.check_password("another-long-passphrase-93")


def test_a_clinician_needs_a_clinic_in_the_admin(staff: Client, clinician: User) -> None:
    response = staff.post(
        admin_url(User, "add"),
        {
            "email": "lost@example.org",
            "role": "clinician",
            "clinic": "",
            "usable_password": "false",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["clinic"] == ["Clinicians and clinic administrators must belong to a clinic."]
    response = staff.post(
        admin_url(User, "add"),
        {"email": "DOC@example.org", "role": "patient", "usable_password": "false"},
    )
    assert response.context["adminform"].form.errors["email"] == [
        "A person with this e-mail address already has an account."
    ]
    assert not User.objects.filter(email="lost@example.org").exists()


def test_user_admin_shows_role_and_clinic(
    staff: Client, clinician: User, patient: User, other_clinician: User
) -> None:
    response = staff.get(admin_url(User, "changelist"), {"role__exact": "clinician"})
    html = response.content.decode()
    assert "doc@example.org" in html
    assert "doc2@example.org" in html
    assert "pat@example.org" not in html
    page = staff.get(admin_url(User, "change", clinician.pk)).content.decode()
    assert 'name="role"' in page
    assert 'name="clinic"' in page
    assert 'name="preferred_language"' in page


# --- invitations ---------------------------------------------------------------------------


def test_revoke_invitations_from_the_admin(staff: Client, clinic: Clinic) -> None:
    invitation, token = Invitation.issue(clinic, "x@example.org", "clinician", None)
    assert staff.get(admin_url(Invitation, "add")).status_code == 403
    response = staff.post(
        admin_url(Invitation, "changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "1 invitation revoked." in response.content.decode()
    assert Invitation.find(token) is None
