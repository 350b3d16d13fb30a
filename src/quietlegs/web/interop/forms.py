"""The import form: one FHIR Bundle (JSON file)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    bundle = forms.FileField(
        label=_("FHIR Bundle (JSON)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".json,application/fhir+json,application/json"}
        ),
    )
