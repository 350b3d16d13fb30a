"""The token page: a patient makes (shown once) and revokes API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from quietlegs.web.accounts.models import User
from quietlegs.web.api.forms import TokenForm
from quietlegs.web.api.models import ApiToken
from quietlegs.web.audit.models import AuditEvent, record


def _patient(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_patient:
        raise PermissionDenied(_("API tokens are for patients' own records."))
    return user


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List the patient's tokens; on POST make a new one and show its secret once."""
    user = _patient(request)
    secret = ""
    if request.method == "POST":
        form = TokenForm(request.POST, user=user)
        if form.is_valid():
            with transaction.atomic():
                token, secret = ApiToken.issue(user, name=form.cleaned_data["name"])
                record(request, AuditEvent.Action.CREATE, patient=user, obj=token)
            form = TokenForm(user=user)
    else:
        form = TokenForm(user=user)
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.of(user),
            "secret": secret,
            "api_base": request.build_absolute_uri("/api/v1/"),
        },
    )
    add_never_cache_headers(response)  # the secret must not be kept in a cache
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """Delete one of the patient's tokens (another person's token is a 404)."""
    user = _patient(request)
    token = get_object_or_404(ApiToken.objects.of(user), pk=token_id)
    with transaction.atomic():
        record(request, AuditEvent.Action.DELETE, patient=user, obj=token)
        name = token.name
        token.delete()
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": name})
    return redirect("api:tokens")
