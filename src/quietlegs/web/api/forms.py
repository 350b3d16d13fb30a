"""The form on the token page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from quietlegs.web.api.models import MAX_TOKENS_PER_USER, ApiToken


class TokenForm(forms.Form):
    """Name a new API token."""

    name = forms.CharField(
        label=_("Name of the new token"),
        max_length=100,
        help_text=_("For example the app or the computer that will use it."),
        error_messages={"required": _("Give the token a name.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if ApiToken.objects.of(self.user).count() >= MAX_TOKENS_PER_USER:
            raise forms.ValidationError(
                _("You already have %(count)d tokens. Revoke one before you make another.")
                % {"count": MAX_TOKENS_PER_USER}
            )
        return cleaned
