"""Forms of the diary: the nightly entry (quick on a phone), CSV import, treatments,
reminders.

The entry form checks what a person can get wrong with messages in their language,
then hands the values to the core's :class:`quietlegs.diary.DiaryEntry`, which has
the last word (nothing is saved that it refuses).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from quietlegs import DiaryError
from quietlegs import diary as core
from quietlegs.diary.entry import (
    EARLIEST_DAY,
    MAX_ALCOHOL_UNITS,
    MAX_AWAKENINGS,
    MAX_CAFFEINE_DRINKS,
    MAX_EXERCISE_MIN,
    MAX_LATENCY_MIN,
    MAX_MEDICATION_NAME_CHARS,
    MAX_MEDICATIONS,
    MAX_NOTE_CHARS,
    format_time,
    parse_time,
)
from quietlegs.web.diary import services
from quietlegs.web.diary.problems import for_form
from quietlegs.web.knowledge import current_language

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RATING_CHOICES = [(i, str(i)) for i in range(11)]
BODY_PART_CHOICES = [("legs", _("Legs")), ("arms", _("Arms")), ("other", _("Elsewhere"))]
INTENSITY_CHOICES = [
    ("light", _("Light")),
    ("moderate", _("Moderate")),
    ("vigorous", _("Vigorous")),
]
_MED_LINE = re.compile(r"^\s*(\d{1,2}:\d{2})\s+(.+?)\s*$")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _number(low: int, high: float, step: str = "1") -> forms.NumberInput:
    return forms.NumberInput(
        attrs={
            "min": low,
            "max": high,
            "step": step,
            "inputmode": "decimal" if step != "1" else "numeric",
        }
    )


def _rating_field(
    label: StrOrPromise, help_text: StrOrPromise, *, required: bool
) -> forms.TypedChoiceField:
    """A 0-10 rating shown as radio buttons.

    Parameters
    ----------
    label, help_text : str or lazy str
        The field's (lazily translated) label and what 0 and 10 mean.
    required : bool
        Whether the rating must be given; an optional one is ``None`` when left out.

    Returns
    -------
    forms.TypedChoiceField
        The field, giving an ``int`` from 0 to 10.
    """
    optional: dict[str, Any] = {} if required else {"empty_value": None, "required": False}
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        **optional,
    )


def _count_field(label: StrOrPromise, max_value: int) -> forms.IntegerField:
    """An optional whole number from 0 to ``max_value`` (minutes, times, cups).

    Parameters
    ----------
    label : str or lazy str
        The field's (lazily translated) label, naming the unit.
    max_value : int
        The largest value accepted (the core's limit).

    Returns
    -------
    forms.IntegerField
        The field, with a numeric keypad on phones.
    """
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=max_value,
        widget=_number(0, max_value),
    )


class DiaryEntryForm(forms.Form):
    """One night's entry; ``day`` only for a new entry (an entry's night never changes)."""

    day = forms.DateField(
        label=_("Night of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The evening this night began (back-fill a missed night by changing it)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    severity = _rating_field(
        _("How bad were the restless legs?"),
        _("0 = none, 10 = the worst you can imagine."),
        required=True,
    )
    onset = forms.TimeField(
        label=_("When did the symptoms begin?"), required=False, widget=_time_input()
    )
    rest_latency_min = _count_field(
        _("Minutes sitting or lying still before they began"), MAX_LATENCY_MIN
    )
    body_parts = forms.MultipleChoiceField(
        label=_("Where did you feel them?"),
        choices=BODY_PART_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bedtime = forms.TimeField(label=_("Went to bed at"), required=False, widget=_time_input())
    sleep_latency_min = _count_field(_("Minutes to fall asleep"), MAX_LATENCY_MIN)
    awakenings = _count_field(_("Times you woke up"), MAX_AWAKENINGS)
    sleep_quality = _rating_field(
        _("How well did you sleep?"),
        _("0 = very badly, 10 = very well."),
        required=False,
    )
    daytime_sleepiness = _rating_field(
        _("How sleepy were you during the day?"),
        _("0 = not at all, 10 = could not stay awake."),
        required=False,
    )
    caffeine_drinks = _count_field(
        _("Coffee, tea, cola or energy drinks (cups)"), MAX_CAFFEINE_DRINKS
    )
    last_caffeine = forms.TimeField(
        label=_("Time of the last one"), required=False, widget=_time_input()
    )
    alcohol_units = forms.FloatField(
        label=_("Alcohol (units)"),
        required=False,
        min_value=0,
        max_value=MAX_ALCOHOL_UNITS,
        widget=_number(0, MAX_ALCOHOL_UNITS, "0.5"),
    )
    exercise_min = _count_field(_("Exercise (minutes)"), MAX_EXERCISE_MIN)
    exercise_intensity = forms.ChoiceField(
        label=_("How hard was the exercise?"),
        choices=INTENSITY_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    nicotine = forms.BooleanField(label=_("Smoking or nicotine"), required=False)
    long_sitting = forms.BooleanField(label=_("Long sitting or travel"), required=False)
    sweets_before_bed = forms.BooleanField(label=_("Sweets before bed"), required=False)
    stress = forms.BooleanField(label=_("A stressful day"), required=False)
    medications = forms.CharField(
        label=_("Medicines taken, and when"),
        help_text=_("One per line: the time, then the name, e.g. 21:00 iron. No doses needed."),
        required=False,
        max_length=MAX_MEDICATIONS * (MAX_MEDICATION_NAME_CHARS + 8),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Anything else"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new = new
        self.entry: core.DiaryEntry | None = None
        self.fields["day"].widget.attrs["max"] = services.local_today().isoformat()
        self.fields["day"].widget.attrs["min"] = EARLIEST_DAY.isoformat()
        if not new:
            self.fields["day"].required = False
            self.fields["day"].disabled = True

    @staticmethod
    def initial_from(entry: core.DiaryEntry, *, with_day: bool = True) -> dict[str, Any]:
        """Initial values showing ``entry`` (a new entry's defaults from a previous one)."""
        data = {
            name: getattr(entry, name)
            for name in (
                "severity", "onset", "rest_latency_min", "bedtime", "sleep_latency_min",
                "awakenings", "sleep_quality", "daytime_sleepiness", "caffeine_drinks",
                "last_caffeine", "alcohol_units", "exercise_min", "nicotine", "long_sitting",
                "sweets_before_bed", "stress",
            )
        }  # fmt: skip
        data["body_parts"] = sorted(entry.body_parts)
        data["exercise_intensity"] = entry.exercise_intensity or ""
        data["medications"] = "\n".join(f"{format_time(m.at)} {m.name}" for m in entry.medications)
        if with_day:
            data["day"] = entry.day
            data["note"] = entry.note
        return data

    def clean_day(self) -> dt.date | None:
        day = cast(dt.date | None, self.cleaned_data.get("day"))
        if day is None:
            return None
        if day > services.local_today():
            raise forms.ValidationError(
                _("This night is in the future: fill it in from tomorrow morning."), code="future"
            )
        if day < EARLIEST_DAY:
            raise forms.ValidationError(_("This date is too early."), code="too_early")
        return day

    def clean_medications(self) -> tuple[core.MedicationTaken, ...]:
        text = str(self.cleaned_data.get("medications") or "")
        meds: list[core.MedicationTaken] = []
        errors: list[forms.ValidationError] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            match = _MED_LINE.match(line)
            if match is None:
                errors.append(
                    forms.ValidationError(
                        _("Line %(line)s: write the time first, then the name (e.g. 21:00 iron)."),
                        params={"line": number},
                        code="format",
                    )
                )
                continue
            try:
                at = parse_time(match.group(1), "time")
                meds.append(core.MedicationTaken(match.group(2), at))
            except DiaryError:
                errors.append(
                    forms.ValidationError(
                        _(
                            "Line %(line)s: the time must be 00:00 to 23:59 and the name at "
                            "most %(max)s characters, without ';'."
                        ),
                        params={"line": number, "max": MAX_MEDICATION_NAME_CHARS},
                        code="invalid",
                    )
                )
        if len(meds) > MAX_MEDICATIONS:
            errors.append(
                forms.ValidationError(
                    _("At most %(max)s medicines per night."),
                    params={"max": MAX_MEDICATIONS},
                    code="too_many",
                )
            )
        if errors:
            raise forms.ValidationError(errors)
        return tuple(meds)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        severity = cleaned["severity"]
        # With no symptoms, their details are not kept (they may be yesterday's defaults).
        if severity == 0:
            cleaned["onset"] = cleaned["rest_latency_min"] = None
            cleaned["body_parts"] = []
        elif not cleaned["body_parts"]:
            self.add_error("body_parts", _("Tick where you felt the symptoms."))
        drinks = cleaned.get("caffeine_drinks") or 0
        if drinks == 0:
            cleaned["last_caffeine"] = None
        exercise = cleaned.get("exercise_min") or 0
        intensity = cleaned.get("exercise_intensity") or None
        if exercise == 0:
            intensity = None
        elif intensity is None:
            self.add_error("exercise_intensity", _("Choose how hard the exercise was."))
        if self.errors:
            return cleaned
        day = cast(dt.date, cleaned.get("day") if self.new else self.initial.get("day"))
        try:
            self.entry = core.DiaryEntry(
                day=day,
                severity=severity,
                onset=cleaned["onset"],
                rest_latency_min=cleaned["rest_latency_min"],
                body_parts=frozenset(cleaned["body_parts"]),
                bedtime=cleaned["bedtime"],
                sleep_latency_min=cleaned["sleep_latency_min"],
                awakenings=cleaned["awakenings"],
                sleep_quality=cleaned["sleep_quality"],
                daytime_sleepiness=cleaned["daytime_sleepiness"],
                caffeine_drinks=drinks,
                last_caffeine=cleaned["last_caffeine"],
                alcohol_units=float(cleaned.get("alcohol_units") or 0.0),
                nicotine=cleaned["nicotine"],
                exercise_min=exercise,
                exercise_intensity=intensity,
                long_sitting=cleaned["long_sitting"],
                sweets_before_bed=cleaned["sweets_before_bed"],
                stress=cleaned["stress"],
                medications=cleaned["medications"],
                note=cleaned["note"],
            )
        except DiaryError as exc:  # the core's last word (rare: the form checks first)
            for problem in exc.details:
                self.add_error(None, for_form(problem))
        return cleaned


class ImportForm(forms.Form):
    """A diary CSV file to add to the patient's diary."""

    file = forms.FileField(
        label=_("Diary file (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s KB."),
                params={"limit": services.MAX_IMPORT_BYTES // 1024},
                code="too_large",
            )
        try:
            return bytes(upload.read()).decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."),
                code="encoding",
            ) from None


def _day_field(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class TreatmentForm(forms.Form):
    """A treatment period: which treatment (from the knowledge base), from when to when."""

    treatment_id = forms.ChoiceField(label=_("Treatment"))
    start = _day_field(_("First day"))
    stop = _day_field(_("Last day (if stopped)"), required=False)
    note = forms.CharField(
        label=_("Note"),
        help_text=_("Optional: e.g. the product. No doses needed."),
        required=False,
        max_length=200,
    )

    def __init__(self, *args: Any, over_the_counter_only: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "treatment")
        super().__init__(*args, **kwargs)
        choices = services.timeline_choices(current_language(), over_the_counter_only)
        cast(forms.ChoiceField, self.fields["treatment_id"]).choices = choices
        today = services.local_today().isoformat()
        self.fields["start"].widget.attrs["max"] = today
        self.fields["stop"].widget.attrs["max"] = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, stop = cleaned.get("start"), cleaned.get("stop")
        today = services.local_today()
        if start is not None and start > today:
            self.add_error("start", _("The first day cannot be in the future."))
        if stop is not None and stop > today:
            self.add_error("stop", _("The last day cannot be in the future."))
        if start is not None and stop is not None and stop < start:
            self.add_error("stop", _("The last day is before the first day."))
        return cleaned


class TreatmentDayForm(forms.Form):
    """A day of a treatment period: a change, or the last day (stop)."""

    day = _day_field(_("Day"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean_day(self) -> dt.date:
        day = cast(dt.date, self.cleaned_data["day"])
        if day > services.local_today():
            raise forms.ValidationError(_("The day cannot be in the future."), code="future")
        return day


class SettingsForm(forms.Form):
    """The patient's diary settings."""

    reminders = forms.BooleanField(
        label=_("E-mail me in the morning when last night's entry is missing"), required=False
    )
