"""Forms of orders: choosing recommended items, scheduling, cancelling, entering a result."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quietlegs.web.knowledge import current_language
from quietlegs.web.orders import services
from quietlegs.web.orders.models import Order
from quietlegs.web.records import services as records
from quietlegs.web.records.models import PSGStudy


class ItemKeysField(forms.MultipleChoiceField):
    """Item keys (``test:<id>``, ``referral:<id>``), checked by the service, not here: it
    names the ones an assessment does not recommend. Only their number and length are
    limited."""

    MAX_ITEMS = 100
    MAX_LENGTH = 80

    def valid_value(self, value: Any) -> bool:
        return isinstance(value, str) and 0 < len(value) <= self.MAX_LENGTH

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > self.MAX_ITEMS:
            raise forms.ValidationError(
                _("At most %(max)d items at once."), params={"max": self.MAX_ITEMS}
            )


class OrderItemsForm(forms.Form):
    """Which of an assessment's recommendations to order: all, or the chosen ones."""

    SCOPES = (("all", _("all")), ("chosen", _("chosen")))

    # Checked by the service (a malformed or another patient's id is a 404).
    assessment = forms.CharField(max_length=64, widget=forms.HiddenInput)
    scope = forms.ChoiceField(choices=SCOPES)
    items = ItemKeysField(required=False)


class ScheduleForm(forms.Form):
    """Mark an order as scheduled, optionally with the examination's date."""

    scheduled_for = forms.DateField(
        label=_("Date of the examination (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "schedule")
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].widget.attrs["min"] = timezone.localdate().isoformat()


class CancelForm(forms.Form):
    """Cancel an order, saying why."""

    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "cancel")
        super().__init__(*args, **kwargs)


class ResultForm(forms.Form):
    """An order's result: lab values (for the questions its test measures), the date,
    an interpretation, a text, a file, and for a sleep study the analysed study."""

    result_date = forms.DateField(
        label=_("Date of the sample or examination"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    interpretation = forms.ChoiceField(
        label=_("Interpretation"),
        required=False,
        choices=[("", "—"), *Order.Interpretation.choices],
    )
    text = forms.CharField(
        label=_("Result or report (text)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachment = forms.FileField(
        label=_("File (PDF, PNG or JPEG, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "result")
        super().__init__(*args, **kwargs)
        self.order = order
        lang = current_language()
        self.value_fields: list[str] = []
        for qid in services.measured_questions(order):
            name = f"value_{qid}"
            self.fields[name] = forms.FloatField(label=records.lab_label(qid, lang), required=False)
            self.value_fields.append(name)
        self.order_fields(
            [*self.value_fields, "result_date", "interpretation", "text", "attachment"]
        )
        today = timezone.localdate()
        self.fields["result_date"].widget.attrs["max"] = today.isoformat()
        if not self.is_bound:
            self.initial.setdefault("result_date", today)
        if order.kind == Order.Kind.PSG:
            self.fields["psg_study"] = forms.ModelChoiceField(
                label=_("Analysed sleep study (optional)"),
                required=False,
                queryset=PSGStudy.objects.filter(
                    patient_id=order.patient_id, status=PSGStudy.Status.DONE
                ),
            )

    def values(self) -> dict[str, float | None]:
        """The lab values entered, by question id."""
        return {
            name.removeprefix("value_"): self.cleaned_data.get(name) for name in self.value_fields
        }
