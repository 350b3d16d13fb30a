"""Who may do what: role x resource x action -> allowed, 404 or the login page.

Every cell of the matrix is its own test. "ok" means the page opened (200) or the
change went through (a redirect that is not to a login page, and the change is in
the database); "404" and "login" mean nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic, Invitation
from quietlegs.web.records.models import ClinicalNote, ExamFinding, LabResult
from tests.web.webtools import PASSWORD, login, make_user

pytestmark = pytest.mark.django_db

OK, NOT_FOUND, LOGIN = "ok", "404", "login"


@pytest.fixture(autouse=True)
def web_settings(settings: Any) -> None:
    """E-mails go to django.core.mail.outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class World:
    """Two clinics with people in every role; the target patient is ``patient``."""

    clinic: Clinic
    other_clinic: Clinic
    patient: User
    other_patient: User
    clinician: User
    other_clinician: User
    clinic_admin: User
    other_admin: User
    superuser: User
    invitation: Invitation
    reception: User
    other_reception: User


@pytest.fixture
def world(
    clinic: Clinic,
    other_clinic: Clinic,
    patient: User,
    other_patient: User,
    clinician: User,
    other_clinician: User,
    clinic_admin: User,
) -> World:
    other_admin = make_user("boss2@example.org", role="clinic_admin", clinic=other_clinic)
    superuser = User.objects.create_superuser("root@example.org", "root@example.org", PASSWORD)
    invitation, _token = Invitation.issue(clinic, "invited@example.org", "clinician", clinic_admin)
    reception = make_user("desk@example.org", role="reception", clinic=clinic)
    other_reception = make_user("desk2@example.org", role="reception", clinic=other_clinic)
    return World(
        clinic,
        other_clinic,
        patient,
        other_patient,
        clinician,
        other_clinician,
        clinic_admin,
        other_admin,
        superuser,
        invitation,
        reception,
        other_reception,
    )


ROLES: dict[str, Callable[[World], User | None]] = {
    "anonymous": lambda w: None,
    "patient_own": lambda w: w.patient,
    "other_patient": lambda w: w.other_patient,
    "clinician_same_clinic": lambda w: w.clinician,
    "clinician_other_clinic": lambda w: w.other_clinician,
    "clinic_admin_same": lambda w: w.clinic_admin,
    "clinic_admin_other_clinic": lambda w: w.other_admin,
    "staff_superuser": lambda w: w.superuser,
    "reception_same": lambda w: w.reception,
    "reception_other_clinic": lambda w: w.other_reception,
}


@dataclass
class Action:
    """A request against a resource, and how to see that it changed something."""

    method: str
    url: Callable[[World], str]
    data: dict[str, Any]
    changed: Callable[[World], bool] | None = None
    login_prefix: str = "/accounts/login/"


def _exists(model: type[Model]) -> Callable[[World], bool]:
    return lambda w: model._default_manager.exists()


ACTIONS: dict[str, Action] = {
    "workspace_list": Action("get", lambda w: "/clinic/", {}),
    "patient_page": Action("get", lambda w: f"/clinic/patients/{w.patient.pk}/", {}),
    "add_lab": Action(
        "post",
        lambda w: f"/clinic/patients/{w.patient.pk}/labs/",
        {
            "lab-question_id": "ferritin_ng_ml",
            "lab-value": "40",
            "lab-measured_on": timezone.localdate().isoformat(),
        },
        _exists(LabResult),
    ),
    "add_finding": Action(
        "post",
        lambda w: f"/clinic/patients/{w.patient.pk}/findings/",
        {"finding-text": "Normal gait"},
        _exists(ExamFinding),
    ),
    "add_note": Action(
        "post",
        lambda w: f"/clinic/patients/{w.patient.pk}/notes/",
        {"note-text": "Call back in a week"},
        _exists(ClinicalNote),
    ),
    "clinic_manage_page": Action("get", lambda w: "/clinic/manage/", {}),
    "invite": Action(
        "post",
        lambda w: "/clinic/manage/invite/",
        {"invite-email": "fresh@example.org", "invite-role": "clinician"},
        lambda w: Invitation.objects.filter(email="fresh@example.org").exists(),
    ),
    "deactivate_clinician": Action(
        "post",
        lambda w: f"/clinic/manage/members/{w.clinician.pk}/deactivate/",
        {},
        lambda w: not User.objects.get(pk=w.clinician.pk).is_active,
    ),
    "revoke_invitation": Action(
        "post",
        lambda w: f"/clinic/manage/invitations/{w.invitation.pk}/revoke/",
        {},
        lambda w: not Invitation.objects.usable().filter(pk=w.invitation.pk).exists(),
    ),
    "admin_index": Action("get", lambda w: "/admin/", {}, login_prefix="/admin/login/"),
    "appointment_book": Action("get", lambda w: "/appointments/reception/", {}),
    "my_appointments": Action("get", lambda w: "/appointments/", {}),
    "schedule_setup": Action("get", lambda w: "/appointments/setup/", {}),
}

#: Reception sees the clinic's appointment book and nothing clinical.
RECEPTION_ROW: dict[str, str] = {
    **dict.fromkeys(ACTIONS, NOT_FOUND),
    "admin_index": LOGIN,
    "appointment_book": OK,
}

# role -> expected outcome of each action
MATRIX: dict[str, dict[str, str]] = {
    "anonymous": dict.fromkeys(ACTIONS, LOGIN),
    "patient_own": {
        **dict.fromkeys(ACTIONS, NOT_FOUND),
        "admin_index": LOGIN,
        "my_appointments": OK,
    },
    "other_patient": {
        **dict.fromkeys(ACTIONS, NOT_FOUND),
        "admin_index": LOGIN,
        "my_appointments": OK,  # their own
    },
    "clinician_same_clinic": {
        "workspace_list": OK,
        "patient_page": OK,
        "add_lab": OK,
        "add_finding": OK,
        "add_note": OK,
        "clinic_manage_page": NOT_FOUND,
        "invite": NOT_FOUND,
        "deactivate_clinician": NOT_FOUND,
        "revoke_invitation": NOT_FOUND,
        "admin_index": LOGIN,
        "appointment_book": OK,
        "my_appointments": NOT_FOUND,
        "schedule_setup": NOT_FOUND,
    },
    "clinician_other_clinic": {
        "workspace_list": OK,
        "patient_page": NOT_FOUND,
        "add_lab": NOT_FOUND,
        "add_finding": NOT_FOUND,
        "add_note": NOT_FOUND,
        "clinic_manage_page": NOT_FOUND,
        "invite": NOT_FOUND,
        "deactivate_clinician": NOT_FOUND,
        "revoke_invitation": NOT_FOUND,
        "admin_index": LOGIN,
        "appointment_book": OK,  # their own clinic's
        "my_appointments": NOT_FOUND,
        "schedule_setup": NOT_FOUND,
    },
    "clinic_admin_same": {
        **dict.fromkeys(ACTIONS, OK),
        "admin_index": LOGIN,
        "my_appointments": NOT_FOUND,
    },
    "clinic_admin_other_clinic": {
        "workspace_list": OK,  # their own clinic's list
        "patient_page": NOT_FOUND,
        "add_lab": NOT_FOUND,
        "add_finding": NOT_FOUND,
        "add_note": NOT_FOUND,
        "clinic_manage_page": OK,  # their own clinic
        "invite": OK,  # into their own clinic
        "deactivate_clinician": NOT_FOUND,
        "revoke_invitation": NOT_FOUND,
        "admin_index": LOGIN,
        "appointment_book": OK,  # their own clinic's
        "my_appointments": NOT_FOUND,
        "schedule_setup": OK,  # their own clinic's
    },
    # the site's workspace is for clinic staff; a superuser works in the admin
    # (a superuser has the default patient role: their own, empty, appointment list)
    "staff_superuser": {
        **dict.fromkeys(ACTIONS, NOT_FOUND),
        "admin_index": OK,
        "my_appointments": OK,
    },
    "reception_same": RECEPTION_ROW,
    "reception_other_clinic": RECEPTION_ROW,
}

CASES = [(role, action, MATRIX[role][action]) for role in ROLES for action in ACTIONS]


def test_matrix_is_complete() -> None:
    assert set(MATRIX) == set(ROLES)
    for role, row in MATRIX.items():
        assert set(row) == set(ACTIONS), role


@pytest.mark.parametrize(
    ("role", "action", "expected"), CASES, ids=[f"{r}-{a}" for r, a, _ in CASES]
)
def test_permission(world: World, role: str, action: str, expected: str) -> None:
    user = ROLES[role](world)
    client = login(user) if user is not None else Client()
    spec = ACTIONS[action]
    url = spec.url(world)
    response = client.get(url) if spec.method == "get" else client.post(url, spec.data)
    location = response.get("Location", "")
    if expected == OK:
        if spec.method == "get":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, response.content.decode()[:500]
            assert "/login/" not in location
    elif expected == NOT_FOUND:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert location.startswith(spec.login_prefix)
    if spec.changed is not None:
        assert spec.changed(world) is (expected == OK)


def test_a_clinician_of_another_clinic_does_not_see_the_patient_in_the_list(
    world: World,
) -> None:
    html = login(world.other_clinician).get("/clinic/").content.decode()
    assert "pat@example.org" not in html
    html = login(world.clinician).get("/clinic/").content.decode()
    assert "pat@example.org" in html
    assert "other@example.org" not in html


def test_deactivated_clinician_loses_access(world: World) -> None:
    client = login(world.clinician)
    world.clinician.is_active = False
    world.clinician.save()
    response = client.get(f"/clinic/patients/{world.patient.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_patient_moved_to_another_clinic_is_no_longer_visible(world: World) -> None:
    world.patient.clinic = world.other_clinic
    world.patient.save()
    assert login(world.clinician).get(f"/clinic/patients/{world.patient.pk}/").status_code == 404
    assert (
        login(world.other_clinician).get(f"/clinic/patients/{world.patient.pk}/").status_code == 200
    )


def test_public_invitation_page_is_open_to_all(world: World) -> None:
    _invitation, token = Invitation.issue(world.clinic, "someone@example.org", "clinician", None)
    for role in ROLES:
        user = ROLES[role](world)
        client = login(user) if user is not None else Client()
        assert client.get(f"/clinic/manage/invite/{token}/").status_code == 200, role


def test_a_clinic_admin_invites_reception_staff_who_land_on_the_appointment_book(
    world: World,
) -> None:
    from django.core import mail

    client = login(world.clinic_admin)
    response = client.post(
        "/clinic/manage/invite/",
        {"invite-email": "frontdesk@example.org", "invite-role": "reception"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="frontdesk@example.org")
    assert invitation.role == "reception"
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invite/" in line)
    path = link[link.index("/clinic/") :]
    accepted = Client().post(
        path,
        {"first_name": "Front", "last_name": "Desk", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert accepted.status_code == 302
    assert accepted["Location"] == "/appointments/reception/"
    desk = User.objects.get(email="frontdesk@example.org")
    assert (desk.role, desk.clinic, desk.is_reception, desk.is_clinician) == (
        "reception",
        world.clinic,
        True,
        False,
    )
    assert not desk.can_access_patient(world.patient)
    assert not desk.patients().exists()
    members = login(world.clinic_admin).get("/clinic/manage/").content.decode()
    assert "Front" in members
