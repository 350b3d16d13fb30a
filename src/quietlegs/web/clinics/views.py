"""Clinic administration pages, and the public page to accept an invitation.

Only clinic administrators manage a clinic (others: login page or 404), and
only their own clinic: a member or an invitation of another clinic is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics import services
from quietlegs.web.clinics.forms import AcceptInvitationForm, ClinicSettingsForm, InvitationForm
from quietlegs.web.clinics.models import Invitation

View = Callable[..., HttpResponse]

#: Session key under which the link of a new invitation waits to be shown once.
LINK_SESSION_KEY = "quietlegs_invitation_link"


def clinic_admin_required(view: View) -> View:
    """Let clinic admins in; send others to log in, or 404 if logged in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or not user.is_clinic_admin:
            raise Http404("Not a clinic administrator.")
        return view(request, *args, **kwargs)

    return wrapper


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.clinic is None:  # pragma: no cover - guarded
        raise Http404("Not a clinic administrator.")
    return user


def _render_manage(
    request: HttpRequest,
    *,
    settings_form: ClinicSettingsForm | None = None,
    invite_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    clinic = _admin(request).clinic
    assert clinic is not None  # _admin checked it
    context = {
        "clinic": clinic,
        "settings_form": settings_form or ClinicSettingsForm(instance=clinic),
        "invite_form": invite_form or InvitationForm(),
        "members": services.members(clinic),
        "invitations": services.pending_invitations(clinic),
        "new_link": request.session.pop(LINK_SESSION_KEY, None) if status == 200 else None,
    }
    return render(request, "clinics/manage.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@clinic_admin_required
def manage(request: HttpRequest) -> HttpResponse:
    """The clinic's settings, members and invitations; POST saves the settings."""
    admin = _admin(request)
    if request.method == "POST":
        form = ClinicSettingsForm(request.POST, instance=admin.clinic)
        if form.is_valid():
            form.save()
            messages.success(request, _("The clinic settings were saved."))
            return redirect("clinics:manage")
        return _render_manage(request, settings_form=form, status=400)
    return _render_manage(request)


@require_POST
@clinic_admin_required
def invite(request: HttpRequest) -> HttpResponse:
    """Invite someone by e-mail; the link is e-mailed and shown once."""
    admin = _admin(request)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            issued = services.invite(
                admin,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                lambda token: request.build_absolute_uri(reverse("clinics:accept", args=[token])),
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            request.session[LINK_SESSION_KEY] = issued.link
            if issued.emailed:
                messages.success(
                    request,
                    _("The invitation was e-mailed to %(email)s.")
                    % {"email": issued.invitation.email},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The e-mail to %(email)s could not be sent. "
                        "Give them the link below yourself."
                    )
                    % {"email": issued.invitation.email},
                )
            return redirect(reverse("clinics:manage") + "#invitations")
    return _render_manage(request, invite_form=form, status=400)


@require_POST
@clinic_admin_required
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Revoke a pending invitation of the admin's clinic."""
    invitation = services.revoke(_admin(request), invitation_id)
    messages.success(
        request,
        _("The invitation for %(email)s was revoked.") % {"email": invitation.email},
    )
    return redirect(reverse("clinics:manage") + "#invitations")


@require_POST
@clinic_admin_required
def deactivate_member(request: HttpRequest, member_id: int) -> HttpResponse:
    """Deactivate a clinician (or another admin) of the admin's clinic."""
    try:
        member = services.set_member_active(_admin(request), member_id, active=False)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s was deactivated and can no longer log in.")
            % {"name": member.display_name()},
        )
    return redirect(reverse("clinics:manage") + "#members")


@require_POST
@clinic_admin_required
def reactivate_member(request: HttpRequest, member_id: int) -> HttpResponse:
    """Let a deactivated member of the admin's clinic log in again."""
    member = services.set_member_active(_admin(request), member_id, active=True)
    messages.success(request, _("%(name)s can log in again.") % {"name": member.display_name()})
    return redirect(reverse("clinics:manage") + "#members")


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: an invited clinician creates their account with the invitation's link."""
    invitation = Invitation.find(token)
    if invitation is None:
        return render(request, "clinics/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept(
                token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except Http404:
            return render(request, "clinics/invitation_invalid.html", status=404)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome to %(clinic)s. Your account is ready.")
                % {"clinic": invitation.clinic.name},
            )
            return redirect("scheduling:reception" if user.is_reception else "records:patients")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "clinics/accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )
