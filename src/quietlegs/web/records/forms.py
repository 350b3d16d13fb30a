"""Forms of the clinician workspace: list filters, results, findings, notes."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from quietlegs.knowledge.schema import URGENCY_LEVELS
from quietlegs.web.knowledge import current_language
from quietlegs.web.records import services
from quietlegs.web.records.models import ClinicalNote, ExamFinding


def focus_first_error(form: forms.Form) -> None:
    """Give the first field with a problem the focus when the page loads (``autofocus``),
    so that a reader whose submission failed lands on the field, not at the page's top."""
    for name, field in form.fields.items():
        if name in form.errors:
            field.widget.attrs["autofocus"] = True
            return


class PatientFilterForm(forms.Form):
    """Search and urgency filter of the patient list (GET)."""

    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=100)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = current_language()
        cast(forms.ChoiceField, self.fields["urgency"]).choices = [("", _("Any urgency"))] + [
            (level, services.urgency_label(level, lang)) for level in URGENCY_LEVELS
        ]


class LabResultForm(forms.Form):
    """A laboratory result: which test (from the knowledge base), value and sample date."""

    question_id = forms.ChoiceField(label=_("Test"))
    value = forms.FloatField(label=_("Value"))
    measured_on = forms.DateField(
        label=_("Date of the sample"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "lab")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["question_id"]).choices = services.lab_choices(
            current_language()
        )
        self.fields["measured_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.is_bound:
            self.initial.setdefault("measured_on", timezone.localdate())

    def clean_measured_on(self) -> Any:
        measured_on = self.cleaned_data["measured_on"]
        services.check_sample_date(measured_on)
        return measured_on


def _text_field(model: type[ExamFinding] | type[ClinicalNote], rows: int) -> forms.CharField:
    """A required text field with the model field's label and maximum length."""
    field = model._meta.get_field("text")
    return forms.CharField(
        label=capfirst(field.verbose_name),  # lazy: translated when the form renders
        max_length=field.max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ExamFindingForm(forms.Form):
    """A free-text examination finding."""

    text = _text_field(ExamFinding, rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "finding")
        super().__init__(*args, **kwargs)


class ClinicalNoteForm(forms.Form):
    """A clinical note."""

    text = _text_field(ClinicalNote, rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)
