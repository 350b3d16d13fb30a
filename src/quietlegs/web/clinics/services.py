"""Clinic administration: members, invitations, and joining a clinic by invitation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic, Invitation

#: Roles that make someone a member (staff) of a clinic rather than its patient.
STAFF_ROLES: tuple[str, ...] = (User.Role.CLINICIAN, User.Role.CLINIC_ADMIN, User.Role.RECEPTION)


def members(clinic: Clinic) -> models.QuerySet[User]:
    """The clinic's clinicians, administrators and reception staff (active ones first)."""
    return User.objects.filter(clinic=clinic, role__in=STAFF_ROLES).order_by(
        "-is_active", "last_name", "first_name", "email"
    )


def pending_invitations(clinic: Clinic) -> models.QuerySet[Invitation]:
    """Invitations of the clinic not yet accepted, revoked or expired."""
    return Invitation.objects.usable().filter(clinic=clinic).select_related("invited_by")


def email_has_account(email: str) -> bool:
    """Whether someone already logs in with ``email`` (case-insensitive)."""
    email = email.strip()
    return User.objects.filter(
        models.Q(username__iexact=email) | models.Q(email__iexact=email)
    ).exists()


def set_member_active(admin: User, member_id: int, active: bool) -> User:
    """Deactivate (or reactivate) a member of ``admin``'s clinic.

    A deactivated member can no longer log in, and their open sessions end.

    Raises
    ------
    Http404
        If ``member_id`` is not a clinician or admin of ``admin``'s clinic.
    ValidationError
        If the admin tries to deactivate themselves.
    """
    member = members(_own_clinic(admin)).filter(pk=member_id).first()
    if member is None:
        raise Http404("No such member.")
    if member.pk == admin.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    if member.is_active != active:
        member.is_active = active
        member.save(update_fields=["is_active"])
    return member


@dataclass
class IssuedInvitation:
    """A new invitation, its one-time link and whether the e-mail went out."""

    invitation: Invitation
    link: str
    emailed: bool


def invite(admin: User, email: str, role: str, link_for: Callable[[str], str]) -> IssuedInvitation:
    """Invite ``email`` to ``admin``'s clinic as ``role`` and e-mail the link.

    A pending invitation for the same address in the same clinic is revoked.

    Parameters
    ----------
    admin : User
        A clinic administrator; the invitation is to their clinic.
    email : str
        Who is invited (must not have an account yet).
    role : str
        One of :class:`Invitation.Role`.
    link_for : callable
        Turns the secret token into the absolute accept link.

    Raises
    ------
    ValidationError
        If the address already has an account or the role is not a staff role.
    """
    if role not in Invitation.Role.values:
        raise ValidationError(_("Choose a role."), code="role")
    if email_has_account(email):
        raise ValidationError(
            _("A person with this e-mail address already has an account."), code="exists"
        )
    clinic = _own_clinic(admin)
    with transaction.atomic():
        # a new invitation replaces any pending one for the same address
        pending_invitations(clinic).filter(email=email.strip().lower()).update(
            expires_at=timezone.now()
        )
        invitation, token = Invitation.issue(clinic, email, role, admin)
    link = link_for(token)
    subject = _("Invitation to join %(clinic)s on quietlegs") % {"clinic": clinic.name}
    body = _(
        "%(inviter)s invites you to join %(clinic)s on quietlegs as %(role)s.\n\n"
        "Open this link to create your account:\n%(link)s\n\n"
        "The link can be used once and is valid until %(expires)s. "
        "If you did not expect this invitation, ignore this e-mail."
    ) % {
        "inviter": admin.display_name(),
        "clinic": clinic.name,
        "role": invitation.get_role_display(),
        "link": link,
        "expires": date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"),
    }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except OSError:
        emailed = False
    else:
        emailed = True
    return IssuedInvitation(invitation=invitation, link=link, emailed=emailed)


def revoke(admin: User, invitation_id: int) -> Invitation:
    """Make a pending invitation of ``admin``'s clinic unusable (it expires now).

    Raises
    ------
    Http404
        If there is no such pending invitation in the admin's clinic.
    """
    invitation = pending_invitations(_own_clinic(admin)).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    invitation.expires_at = timezone.now()
    invitation.save(update_fields=["expires_at"])
    return invitation


def accept(token: str, *, first_name: str, last_name: str, password: str) -> User:
    """Create the invited person's account and use up the invitation, all or nothing.

    Raises
    ------
    Http404
        If the token is unknown, expired, revoked or already used (also when
        another request used it a moment ago).
    ValidationError
        If the invited address has an account by now.
    """
    with transaction.atomic():
        found = Invitation.find(token)
        invitation = (
            Invitation.objects.select_for_update().usable().filter(pk=found.pk).first()
            if found is not None
            else None
        )
        if invitation is None:
            raise Http404("No such invitation.")
        if email_has_account(invitation.email):
            raise ValidationError(
                _("An account with this e-mail address already exists."), code="exists"
            )
        user = User.objects.create_user(
            username=invitation.email,
            email=invitation.email,
            password=password,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=invitation.role,
            clinic=invitation.clinic,
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return user


def _own_clinic(admin: User) -> Clinic:
    if not admin.is_clinic_admin or admin.clinic is None:
        raise Http404("Not a clinic administrator.")
    return admin.clinic
