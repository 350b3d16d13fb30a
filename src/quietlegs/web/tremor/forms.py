"""The upload form: a CSV file and the task it was recorded in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from quietlegs.web.tremor.models import TremorRecording


class TremorUploadForm(forms.Form):
    """A motion recording (CSV) and what the limb was doing."""

    file = forms.FileField(
        label=_("Recording (CSV file)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    task = forms.ChoiceField(
        label=_("What you were doing during the recording"),
        choices=TremorRecording.Task.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "tremor")
        super().__init__(*args, **kwargs)
