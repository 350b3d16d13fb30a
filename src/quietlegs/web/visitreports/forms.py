"""The visit report form: the visit's date, the clinician's summary, a one-time key."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quietlegs.web.visitreports.services import MAX_SUMMARY_CHARS, check_fields


class VisitReportForm(forms.Form):
    """What the clinician writes; the rest of the report comes from the record."""

    visit_date = forms.DateField(
        label=_("Date of the visit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    summary = forms.CharField(
        label=_("Clinician's summary"),
        max_length=MAX_SUMMARY_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Findings, what was discussed and agreed, the plan. No doses."),
    )
    nonce = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The form is incomplete; open it again."),
            "invalid": _("The form is incomplete; open it again."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["visit_date"].widget.attrs["max"] = today.isoformat()
        if not self.is_bound:
            self.initial.setdefault("visit_date", today)
            self.initial.setdefault("nonce", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "visit_date" in cleaned and "summary" in cleaned:
            try:
                cleaned["summary"] = check_fields(cleaned["visit_date"], cleaned["summary"])
            except forms.ValidationError as exc:
                for field_name, errors in exc.error_dict.items():
                    for error in errors:
                        self.add_error(field_name, error)
        return cleaned
