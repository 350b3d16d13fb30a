"""Forms of clinic administration: settings, invitations, joining by invitation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics import services
from quietlegs.web.clinics.models import Clinic, Invitation

if TYPE_CHECKING:
    _ClinicModelForm = forms.ModelForm[Clinic]
else:
    _ClinicModelForm = forms.ModelForm

emergency_number_validator = RegexValidator(
    r"^\+?[0-9][0-9 -]{1,18}$",
    _("Enter a telephone number: digits, spaces or hyphens, e.g. 112 or 103."),
)


class ClinicSettingsForm(_ClinicModelForm):
    """What a clinic admin may change about their clinic."""

    class Meta:
        model = Clinic
        fields = ["name", "emergency_number", "accepts_patients"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "clinic")
        super().__init__(*args, **kwargs)
        self.fields["emergency_number"].validators.append(emergency_number_validator)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("This field is required."), code="required")
        return name


class InvitationForm(forms.Form):
    """Invite a clinician or an administrator by e-mail."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Invitation.Role.choices,
        initial=Invitation.Role.CLINICIAN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if services.email_has_account(email):
            raise forms.ValidationError(
                _("A person with this e-mail address already has an account."), code="exists"
            )
        return email


class AcceptInvitationForm(forms.Form):
    """A new clinician's name and password (the e-mail comes from the invitation)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(
                username=self.invitation.email,
                email=self.invitation.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
