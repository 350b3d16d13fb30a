"""Forms of the appointment book: booking, reception, waitlist, and the clinic's set-up."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling import services
from quietlegs.web.scheduling.models import (
    Availability,
    AvailabilityException,
    ClinicRules,
    Resource,
    VisitType,
    WaitlistEntry,
)

if TYPE_CHECKING:
    _RulesForm = forms.ModelForm[ClinicRules]
    _VisitTypeForm = forms.ModelForm[VisitType]
    _ResourceForm = forms.ModelForm[Resource]
    _AvailabilityForm = forms.ModelForm[Availability]
    _ExceptionForm = forms.ModelForm[AvailabilityException]
    _WaitlistForm = forms.ModelForm[WaitlistEntry]
else:
    _RulesForm = _VisitTypeForm = _ResourceForm = _AvailabilityForm = forms.ModelForm
    _ExceptionForm = _WaitlistForm = forms.ModelForm

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{4,30}$",
    _("Enter a telephone number: digits, spaces, brackets or hyphens, e.g. +7 495 123-45-67."),
)


class BookForm(forms.Form):
    """The confirm step: the slot id shown, and the page's one-time token."""

    slot = forms.CharField(max_length=80, widget=forms.HiddenInput)
    request_key = forms.UUIDField(widget=forms.HiddenInput)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the visit (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TokenForm(forms.Form):
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)


class DayForm(forms.Form):
    """Which day (and whose) the book shows."""

    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    view = forms.ChoiceField(
        label=_("Show"),
        choices=[("day", _("Day")), ("week", _("Week"))],
        required=False,
    )
    clinician = forms.ModelChoiceField(
        label=_("Clinician"), queryset=User.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clinicians
        field.label_from_instance = lambda u: u.display_name()  # type: ignore[method-assign,assignment]


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a patient (name, e-mail or phone)"), max_length=100)


class NewPatientForm(forms.Form):
    """A walk-in or phone patient without an account yet (they can set a password later)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    phone = forms.CharField(
        label=_("Phone number"), max_length=32, required=False, validators=[phone_validator]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _("A person with this e-mail address already has an account: find them above."),
                code="exists",
            )
        return email


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("arrived", _("Arrived")),
            ("no_show", _("Did not come")),
            ("completed", _("Completed")),
        ]
    )


class WaitlistForm(_WaitlistForm):
    class Meta:
        model = WaitlistEntry
        fields = ["patient", "visit_type", "clinician", "earliest", "latest", "note"]
        widgets = {
            "earliest": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "latest": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, clinic: Clinic, clinicians: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "wait")
        super().__init__(*args, **kwargs)
        _limit(self, "patient", User.objects.filter(clinic=clinic, role="patient", is_active=True))
        _limit(self, "visit_type", VisitType.objects.filter(clinic=clinic, active=True))
        _limit(self, "clinician", clinicians)
        self.fields["clinician"].required = False
        self.clinic = clinic

    def _check_day(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is None:
            return None
        first = services.local_today(self.clinic)
        horizon_days = services.rules(self.clinic).horizon_days
        last = first + timedelta(days=horizon_days)
        if not first <= day <= last:
            raise forms.ValidationError(
                ngettext_lazy(
                    "Enter a day from today (%(first)s) to %(last)s: appointments are "
                    "booked up to %(days)s day ahead.",
                    "Enter a day from today (%(first)s) to %(last)s: appointments are "
                    "booked up to %(days)s days ahead.",
                    "days",
                ),
                code="range",
                params={"first": first.isoformat(), "last": last.isoformat(), "days": horizon_days},
            )
        return day

    def clean_earliest(self) -> date | None:
        return self._check_day("earliest")

    def clean_latest(self) -> date | None:
        return self._check_day("latest")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        earliest, latest = cleaned.get("earliest"), cleaned.get("latest")
        if earliest and latest and latest < earliest:
            self.add_error("latest", _("“Not after” must be on or after “not before”."))
        return cleaned


def _limit(form: forms.BaseForm, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
    if queryset.model is User:
        field.label_from_instance = lambda u: (  # type: ignore[method-assign,assignment]
            f"{u.display_name()} ({u.email})" if u.role == "patient" else u.display_name()
        )


# --- clinic set-up (clinic admins) ----------------------------------------------------------


class RulesForm(_RulesForm):
    class Meta:
        model = ClinicRules
        fields = ["time_zone", "min_notice_h", "min_lead_h", "horizon_days", "reminder_h"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rules")
        super().__init__(*args, **kwargs)


class VisitTypeForm(_VisitTypeForm):
    class Meta:
        model = VisitType
        fields = ["duration_min", "buffer_min", "resource_kind", "patients_may_book", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        kwargs.setdefault("prefix", f"vt{instance.pk}" if instance is not None else "vt")
        super().__init__(*args, **kwargs)


class ResourceForm(_ResourceForm):
    class Meta:
        model = Resource
        fields = ["kind", "name"]

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "res")
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Resource.objects.filter(clinic=self.clinic, name__iexact=name).exists():
            raise forms.ValidationError(_("A resource with this name exists."), code="exists")
        return name


class AvailabilityForm(_AvailabilityForm):
    class Meta:
        model = Availability
        fields = ["clinician", "visit_type", "weekday", "start_time", "end_time"]
        widgets = {
            "start_time": forms.TimeInput({"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput({"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, clinic: Clinic, clinicians: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "hours")
        super().__init__(*args, **kwargs)
        _limit(self, "clinician", clinicians)
        _limit(self, "visit_type", VisitType.objects.filter(clinic=clinic, active=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_start_end(self, cleaned)
        return cleaned


def _check_start_end(form: forms.BaseForm, cleaned: dict[str, Any]) -> None:
    """A window that ends when it starts is refused (an earlier end runs overnight)."""
    start, end = cleaned.get("start_time"), cleaned.get("end_time")
    if start is not None and start == end:
        form.add_error(
            "end_time",
            forms.ValidationError(
                _(
                    "The hours must end after they start (%(start)s–%(end)s); an end before "
                    "the start runs overnight."
                ),
                code="empty",
                params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
            ),
        )


class ExceptionForm(_ExceptionForm):
    class Meta:
        model = AvailabilityException
        fields = [
            "kind",
            "clinician",
            "resource",
            "visit_type",
            "first_day",
            "last_day",
            "start_time",
            "end_time",
            "reason",
        ]
        widgets = {
            "first_day": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "last_day": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput({"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput({"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, clinic: Clinic, clinicians: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "exc")
        super().__init__(*args, **kwargs)
        _limit(self, "clinician", clinicians)
        _limit(self, "resource", Resource.objects.filter(clinic=clinic, active=True))
        _limit(self, "visit_type", VisitType.objects.filter(clinic=clinic, active=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_start_end(self, cleaned)
        return cleaned
