from __future__ import annotations

import pytest
from django.db import IntegrityError

from quietlegs import AnswerError
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.clinics.models import Clinic, Invitation
from tests.web.webtools import RLS_ANSWERS, make_user

pytestmark = pytest.mark.django_db


def test_assessment_stores_report_in_both_languages(patient: User) -> None:
    a = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    assert a.urgency == "routine"
    assert a.top_condition == "restless_legs_syndrome"
    assert a.report("en")["disclaimer"] != a.report("ru")["disclaimer"]
    assert a.knowledge_version == a.report("en")["knowledge_version"]


def test_invalid_answers_store_nothing(patient: User) -> None:
    with pytest.raises(AnswerError, match=r"'nope' is not a question"):
        Assessment.create_from_answers({"nope": 1}, patient=patient)
    assert Assessment.objects.count() == 0


def test_visibility(
    patient: User, other_patient: User, clinician: User, other_clinician: User
) -> None:
    mine = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    theirs = Assessment.create_from_answers(RLS_ANSWERS, patient=other_patient)
    assert list(Assessment.objects.visible_to(patient)) == [mine]
    assert list(Assessment.objects.visible_to(clinician)) == [mine]
    assert list(Assessment.objects.visible_to(other_clinician)) == [theirs]
    assert patient.can_access_patient(patient)
    assert not patient.can_access_patient(other_patient)
    assert clinician.can_access_patient(patient)
    assert not clinician.can_access_patient(other_patient)
    assert not clinician.can_access_patient(other_clinician)


def test_staff_roles_need_a_clinic(db: None) -> None:
    with pytest.raises(IntegrityError):
        make_user("lost@example.org", role="clinician", clinic=None)


def test_audit_events_are_append_only(patient: User, clinician: User) -> None:
    event = record(None, "view", patient=patient, actor=clinician, object_type="record")
    assert event.actor_label == "doc@example.org"
    event.action = "delete"
    with pytest.raises(PermissionError, match="cannot be changed"):
        event.save()
    with pytest.raises(PermissionError, match="cannot be deleted"):
        event.delete()
    with pytest.raises(PermissionError, match="cannot be changed"):
        AuditEvent.objects.update(action="x")
    with pytest.raises(PermissionError, match="cannot be deleted"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "view"


def test_invitation_token_is_stored_hashed(clinic: Clinic, clinic_admin: User) -> None:
    invitation, token = Invitation.issue(clinic, "New@Example.org ", "clinician", clinic_admin)
    assert invitation.email == "new@example.org"
    assert token not in invitation.token_hash
    assert Invitation.find(token) == invitation
    assert Invitation.find("wrong") is None
