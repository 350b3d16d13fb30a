"""Clinic administration: settings, members, invitations, and joining by invitation."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics import services
from quietlegs.web.clinics.models import Clinic, Invitation
from tests.web.webtools import PASSWORD, login, make_user

pytestmark = pytest.mark.django_db

MANAGE = "/clinic/manage/"
NEW_PASSWORD = "a-long-and-unusual-passphrase-7"


@pytest.fixture(autouse=True)
def web_settings(settings: Any) -> None:
    """E-mails go to django.core.mail.outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def invite(client: Client, email: str = "new@example.org", role: str = "clinician") -> Any:
    return client.post(reverse("clinics:invite"), {"invite-email": email, "invite-role": role})


def accept_data(**overrides: str) -> dict[str, str]:
    data = {
        "first_name": "Nina",
        "last_name": "Novak",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def issued_token(clinic: Clinic, admin: User, email: str = "new@example.org") -> str:
    _, token = Invitation.issue(clinic, email, "clinician", admin)
    return token


# --- settings ------------------------------------------------------------------------------


def test_manage_page_shows_settings_members_and_invitations(
    clinic: Clinic, clinic_admin: User, clinician: User, patient: User
) -> None:
    Invitation.issue(clinic, "waiting@example.org", "clinician", clinic_admin)
    response = login(clinic_admin).get(MANAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clinic One" in html
    assert 'value="103"' in html
    assert "doc@example.org" in html
    assert "admin@example.org" in html
    assert "pat@example.org" not in html  # patients are not members
    assert "waiting@example.org" in html
    assert list(response.context["members"]) == [clinic_admin, clinician]  # by last/first name
    # no button to deactivate oneself
    assert reverse("clinics:deactivate", args=[clinic_admin.pk]) not in html
    assert reverse("clinics:deactivate", args=[clinician.pk]) in html


def test_settings_are_saved(clinic: Clinic, clinic_admin: User) -> None:
    response = login(clinic_admin).post(
        MANAGE,
        {
            "clinic-name": " Clinic Uno ",
            "clinic-emergency_number": "+7 495 103",
            "clinic-accepts_patients": "",
        },
        follow=True,
    )
    assert "The clinic settings were saved." in response.content.decode()
    clinic.refresh_from_db()
    assert (clinic.name, clinic.emergency_number, clinic.accepts_patients) == (
        "Clinic Uno",
        "+7 495 103",
        False,
    )
    assert clinic.slug == "one"  # not editable here


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"clinic-name": "", "clinic-emergency_number": "112"},
            {"name": ["This field is required."]},
        ),
        (
            {"clinic-name": "X", "clinic-emergency_number": "call us"},
            {
                "emergency_number": [
                    "Enter a telephone number: digits, spaces or hyphens, e.g. 112 or 103."
                ]
            },
        ),
        (
            {"clinic-name": "X", "clinic-emergency_number": "1" * 21},
            {
                "emergency_number": [
                    "Ensure this value has at most 20 characters (it has 21).",
                    "Enter a telephone number: digits, spaces or hyphens, e.g. 112 or 103.",
                ]
            },
        ),
        (
            {"clinic-name": "n" * 201, "clinic-emergency_number": "112"},
            {"name": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
    ],
    ids=["empty-name", "not-a-number", "number-too-long", "name-too-long"],
)
def test_bad_settings_are_refused(
    clinic: Clinic, clinic_admin: User, data: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = login(clinic_admin).post(MANAGE, data)
    assert response.status_code == 400
    assert {k: list(v) for k, v in response.context["settings_form"].errors.items()} == errors
    clinic.refresh_from_db()
    assert (clinic.name, clinic.emergency_number) == ("Clinic One", "103")


# --- members -------------------------------------------------------------------------------


def test_deactivate_and_reactivate_a_clinician(clinic_admin: User, clinician: User) -> None:
    admin_client = login(clinic_admin)
    doctor_client = login(clinician)
    assert doctor_client.get("/clinic/").status_code == 200
    response = admin_client.post(reverse("clinics:deactivate", args=[clinician.pk]), follow=True)
    assert "Doc was deactivated and can no longer log in." in response.content.decode()
    clinician.refresh_from_db()
    assert not clinician.is_active
    # their open session no longer works
    assert doctor_client.get("/clinic/").status_code == 302
    response = admin_client.post(reverse("clinics:reactivate", args=[clinician.pk]), follow=True)
    assert "Doc can log in again." in response.content.decode()
    clinician.refresh_from_db()
    assert clinician.is_active


def test_admin_cannot_deactivate_themselves(clinic_admin: User) -> None:
    response = login(clinic_admin).post(
        reverse("clinics:deactivate", args=[clinic_admin.pk]), follow=True
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    clinic_admin.refresh_from_db()
    assert clinic_admin.is_active


def test_members_of_other_clinics_and_patients_are_404(
    clinic_admin: User, other_clinician: User, patient: User
) -> None:
    client = login(clinic_admin)
    for target in (other_clinician, patient):
        assert client.post(reverse("clinics:deactivate", args=[target.pk])).status_code == 404
        target.refresh_from_db()
        assert target.is_active


# --- invitations ---------------------------------------------------------------------------


def test_invite_emails_the_link_and_shows_it_once(clinic: Clinic, clinic_admin: User) -> None:
    client = login(clinic_admin)
    response = invite(client, " New@Example.org ", "clinic_admin")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.clinic, invitation.invited_by) == (
        "new@example.org",
        "clinic_admin",
        clinic,
        clinic_admin,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    assert message.subject == "Invitation to join Clinic One on quietlegs"
    link = re.search(r"http://testserver/clinic/manage/invite/[\w-]+/", str(message.body))
    assert link is not None
    assert "as Clinic administrator" in message.body
    token = link.group(0).rstrip("/").rsplit("/", 1)[1]
    assert Invitation.find(token) == invitation
    assert token not in invitation.token_hash
    first = client.get(response["Location"]).content.decode()
    assert "The invitation was e-mailed to new@example.org." in first
    assert link.group(0) in first
    assert link.group(0) not in client.get(MANAGE).content.decode()


def test_invite_still_gives_the_link_when_the_mail_fails(
    clinic_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(services, "send_mail", broken)
    client = login(clinic_admin)
    page = client.get(invite(client)["Location"]).content.decode()
    assert "The e-mail to new@example.org could not be sent." in page
    assert "/clinic/manage/invite/" in page
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("email", "role", "errors"),
    [
        ("", "clinician", {"email": ["This field is required."]}),
        ("not-an-address", "clinician", {"email": ["Enter a valid email address."]}),
        (
            "DOC@example.org",
            "clinician",
            {"email": ["A person with this e-mail address already has an account."]},
        ),
        (
            "pat@example.org",
            "clinician",
            {"email": ["A person with this e-mail address already has an account."]},
        ),
        (
            "new@example.org",
            "patient",
            {"role": ["Select a valid choice. patient is not one of the available choices."]},
        ),
        (
            "x" * 250 + "@example.org",
            "clinician",
            {
                "email": [
                    "Ensure this value has at most 254 characters (it has 262).",
                ]
            },
        ),
    ],
    ids=["empty", "invalid", "existing-clinician", "existing-patient", "bad-role", "too-long"],
)
def test_bad_invitations_are_refused(
    clinic_admin: User,
    clinician: User,
    patient: User,
    email: str,
    role: str,
    errors: dict[str, list[str]],
) -> None:
    response = invite(login(clinic_admin), email, role)
    assert response.status_code == 400
    assert {k: list(v) for k, v in response.context["invite_form"].errors.items()} == errors
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_new_invitation_replaces_the_pending_one(clinic: Clinic, clinic_admin: User) -> None:
    old_token = issued_token(clinic, clinic_admin)
    other_token = issued_token(clinic, clinic_admin, "someone.else@example.org")
    invite(login(clinic_admin), "NEW@example.org")
    assert Invitation.find(old_token) is None
    assert Invitation.find(other_token) is not None
    assert sorted(services.pending_invitations(clinic).values_list("email", flat=True)) == [
        "new@example.org",
        "someone.else@example.org",
    ]


def test_revoke_an_invitation(clinic: Clinic, clinic_admin: User) -> None:
    token = issued_token(clinic, clinic_admin)
    invitation = Invitation.objects.get()
    client = login(clinic_admin)
    response = client.post(reverse("clinics:revoke_invitation", args=[invitation.pk]), follow=True)
    assert "The invitation for new@example.org was revoked." in response.content.decode()
    assert Invitation.find(token) is None
    assert list(response.context["invitations"]) == []
    # revoking twice: no longer pending
    assert (
        client.post(reverse("clinics:revoke_invitation", args=[invitation.pk])).status_code == 404
    )
    assert Client().get(reverse("clinics:accept", args=[token])).status_code == 404


def test_invitations_of_other_clinics_are_404(
    other_clinic: Clinic, clinic_admin: User, other_clinician: User
) -> None:
    invitation, token = Invitation.issue(other_clinic, "x@example.org", "clinician", None)
    response = login(clinic_admin).post(reverse("clinics:revoke_invitation", args=[invitation.pk]))
    assert response.status_code == 404
    assert Invitation.find(token) == invitation
    assert "x@example.org" not in login(clinic_admin).get(MANAGE).content.decode()


# --- accepting -----------------------------------------------------------------------------


def test_accept_creates_the_clinician_and_logs_them_in(clinic: Clinic, clinic_admin: User) -> None:
    token = issued_token(clinic, clinic_admin)
    client = Client()
    page = client.get(reverse("clinics:accept", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Clinic One" in html
    assert 'value="new@example.org" readonly' in html
    response = client.post(reverse("clinics:accept", args=[token]), accept_data())
    assert response.status_code == 302
    assert response["Location"] == "/clinic/"
    user = User.objects.get(username="new@example.org")
    assert (user.email, user.role, user.clinic, user.first_name, user.last_name) == (
        "new@example.org",
        "clinician",
        clinic,
        "Nina",
        "Novak",
    )
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("md5$")  # the configured hasher, never plain text
    assert Invitation.objects.get().accepted_at is not None
    assert (
        "Welcome to Clinic One. Your account is ready." in client.get("/clinic/").content.decode()
    )
    # the link is used up
    again = Client().get(reverse("clinics:accept", args=[token]))
    assert again.status_code == 404
    assert "This invitation link is not valid" in again.content.decode()


def test_accept_with_the_admin_role(clinic: Clinic, clinic_admin: User) -> None:
    _, token = Invitation.issue(clinic, "boss@example.org", "clinic_admin", clinic_admin)
    Client().post(reverse("clinics:accept", args=[token]), accept_data())
    assert User.objects.get(email="boss@example.org").is_clinic_admin


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"password2": "something-else-entirely-9"},
            {"password2": ["The two passwords do not match."]},
        ),
        (
            {"password1": "short", "password2": "short"},
            {
                "password1": [
                    "This password is too short. It must contain at least 8 characters.",
                ]
            },
        ),
        (
            {"password1": "12345678901", "password2": "12345678901"},
            {"password1": ["This password is too common.", "This password is entirely numeric."]},
        ),
        ({"first_name": "  "}, {"first_name": ["This field is required."]}),
        (
            {"last_name": "n" * 151},
            {"last_name": ["Ensure this value has at most 150 characters (it has 151)."]},
        ),
    ],
    ids=["mismatch", "short", "numeric", "no-name", "long-name"],
)
def test_accept_refuses_bad_input(
    clinic: Clinic, clinic_admin: User, overrides: dict[str, str], errors: dict[str, list[str]]
) -> None:
    token = issued_token(clinic, clinic_admin)
    response = Client().post(reverse("clinics:accept", args=[token]), accept_data(**overrides))
    assert response.status_code == 400
    assert {k: list(v) for k, v in response.context["form"].errors.items()} == errors
    assert not User.objects.filter(email="new@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_accept_refuses_when_the_address_got_an_account_meanwhile(
    clinic: Clinic, clinic_admin: User
) -> None:
    token = issued_token(clinic, clinic_admin)
    make_user("new@example.org", clinic=clinic)
    response = Client().post(reverse("clinics:accept", args=[token]), accept_data())
    assert response.status_code == 400
    assert "An account with this e-mail address already exists." in response.content.decode()
    assert Invitation.objects.get().accepted_at is None
    assert User.objects.filter(email="new@example.org").count() == 1


@pytest.mark.parametrize("case", ["unknown", "expired", "used"])
def test_invalid_invitation_links(clinic: Clinic, clinic_admin: User, case: str) -> None:
    token = issued_token(clinic, clinic_admin)
    invitation = Invitation.objects.get()
    if case == "unknown":
        token = "not-a-real-token"
    elif case == "expired":
        invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
        invitation.save()
    else:
        invitation.accepted_at = timezone.now()
        invitation.save()
    client = Client()
    for response in (
        client.get(reverse("clinics:accept", args=[token])),
        client.post(reverse("clinics:accept", args=[token]), accept_data()),
    ):
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()
        assert "Ask your clinic administrator for a new invitation." in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_an_invitation_cannot_be_used_twice_by_the_service(
    clinic: Clinic, clinic_admin: User
) -> None:
    from django.http import Http404

    token = issued_token(clinic, clinic_admin)
    services.accept(token, first_name="A", last_name="B", password=PASSWORD)
    with pytest.raises(Http404):
        services.accept(token, first_name="C", last_name="D", password=PASSWORD)
    assert User.objects.filter(email="new@example.org").count() == 1


# --- who may manage ------------------------------------------------------------------------


def test_manage_is_for_clinic_admins_only(clinician: User, patient: User) -> None:
    anonymous = Client().get(MANAGE)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert login(clinician).get(MANAGE).status_code == 404
    assert login(patient).get(MANAGE).status_code == 404
    assert invite(login(clinician)).status_code == 404
    assert not Invitation.objects.exists()


def test_other_clinic_admin_manages_only_their_own_clinic(
    clinic: Clinic, other_clinic: Clinic
) -> None:
    other_admin = make_user("boss2@example.org", role="clinic_admin", clinic=other_clinic)
    client = login(other_admin)
    response = client.get(MANAGE)
    assert response.context["clinic"] == other_clinic
    client.post(MANAGE, {"clinic-name": "Renamed", "clinic-emergency_number": "911"})
    clinic.refresh_from_db()
    other_clinic.refresh_from_db()
    assert clinic.name == "Clinic One"
    assert other_clinic.name == "Renamed"
    invite(client)
    assert Invitation.objects.get().clinic == other_clinic


def test_manage_page_forms_have_labels(clinic_admin: User, clinician: User) -> None:
    html = login(clinic_admin).get(MANAGE).content.decode()
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id
