"""Form fields built from knowledge-base questions, one widget per question type.

The same fields serve the interview (one question per screen) and the patient's
profile. Each field turns the posted value into the answer's JSON form and has it
checked by :func:`quietlegs.assessment.answers.normalize_answer`; problems are
shown as plain sentences in the UI language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quietlegs.assessment.answers import normalize_answer
from quietlegs.knowledge.schema import Question
from quietlegs.web.assessments.session import UNSKIPPABLE_SECTIONS

#: Posted values of a yes/no question.
YES, NO = "yes", "no"


def _number_text(value: float) -> str:
    return f"{value:g}"


def problem_message(question: Question, value: Any, lang: str) -> str:
    """A plain sentence saying why ``value`` is not an answer to ``question``.

    Parameters
    ----------
    question : Question
        The question.
    value : object
        The refused answer (JSON types).
    lang : str
        Language of choice and unit names from the knowledge base.

    Returns
    -------
    message : str
    """
    if question.type == "number" and question.range is not None:
        rng = question.range
        if rng.integer and isinstance(value, int | float) and value != int(value):
            return _("Enter a whole number.")
        unit = rng.unit.get(lang) if rng.unit else ""
        return _("Enter a number from %(min)s to %(max)s %(unit)s.") % {
            "min": _number_text(rng.min),
            "max": _number_text(rng.max),
            "unit": unit,
        }
    if question.type == "multi_choice" and isinstance(value, list):
        for choice in question.choices:
            if choice.exclusive and choice.id in value and len(value) > 1:
                return _("“%(choice)s” cannot be combined with other answers.") % {
                    "choice": choice.text.get(lang)
                }
        return _("Choose from the answers shown.")
    if question.type == "time_of_day":
        return _("Enter a time of day as hours and minutes, for example 22:30.")
    return _("Choose one of the answers shown.")


def _check(question: Question, value: Any, lang: str) -> Any:
    try:
        normalize_answer(question, value)
    except ValueError as exc:
        raise ValidationError(problem_message(question, value, lang), code="invalid") from exc
    return value


def _blank(required: bool) -> list[tuple[str, Any]]:
    """The "not answered" option of an optional radio question (the profile)."""
    return [] if required else [("", gettext_lazy("Not answered"))]


class _YesNoField(forms.ChoiceField):
    def __init__(self, question: Question, lang: str, **kwargs: Any) -> None:
        self.question, self.lang = question, lang
        super().__init__(
            choices=[
                (YES, gettext_lazy("Yes")),
                (NO, gettext_lazy("No")),
                *_blank(kwargs.get("required", True)),
            ],
            widget=forms.RadioSelect,
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        raw = super().clean(value)
        if raw in (None, ""):
            return None
        return _check(self.question, raw == YES, self.lang)


class _ChoiceField(forms.ChoiceField):
    def __init__(self, question: Question, lang: str, **kwargs: Any) -> None:
        self.question, self.lang = question, lang
        super().__init__(
            choices=[
                *((c.id, c.text.get(lang)) for c in question.choices),
                *_blank(kwargs.get("required", True)),
            ],
            widget=forms.RadioSelect,
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        raw = super().clean(value)
        if raw in (None, ""):
            return None
        return _check(self.question, raw, self.lang)


class _MultiChoiceField(forms.MultipleChoiceField):
    def __init__(self, question: Question, lang: str, **kwargs: Any) -> None:
        self.question, self.lang = question, lang
        super().__init__(
            choices=[(c.id, c.text.get(lang)) for c in question.choices],
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        raw = super().clean(value)
        if not raw:
            return None
        return _check(self.question, list(raw), self.lang)


class _NumberField(forms.FloatField):
    def __init__(self, question: Question, lang: str, **kwargs: Any) -> None:
        self.question, self.lang = question, lang
        rng = question.range
        attrs: dict[str, str] = {"inputmode": "decimal"}
        if rng is not None:
            attrs.update(
                {
                    "min": _number_text(rng.min),
                    "max": _number_text(rng.max),
                    "step": "1" if rng.integer else "any",
                }
            )
            if rng.integer:
                attrs["inputmode"] = "numeric"
        super().__init__(widget=forms.NumberInput(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> Any:
        number = super().clean(value)
        if number is None:
            return None
        rng = self.question.range
        answer: float | int = (
            int(number) if rng is not None and rng.integer and number == int(number) else number
        )
        return _check(self.question, answer, self.lang)


class _TimeField(forms.CharField):
    def __init__(self, question: Question, lang: str, **kwargs: Any) -> None:
        self.question, self.lang = question, lang
        super().__init__(
            max_length=8, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kwargs
        )

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        # Browsers may send seconds ("22:30:00"); the answer is hours and minutes.
        if len(text) == 8 and text[5:] == ":00":
            text = text[:5]
        return _check(self.question, text, self.lang)


_FIELDS: dict[str, Callable[..., forms.Field]] = {
    "yes_no": _YesNoField,
    "choice": _ChoiceField,
    "multi_choice": _MultiChoiceField,
    "number": _NumberField,
    "time_of_day": _TimeField,
}


def answer_field(question: Question, lang: str, *, required: bool = True) -> forms.Field:
    """A form field for ``question`` whose cleaned value is the answer in JSON form.

    yes/no → two radio buttons (``True``/``False``); choice → radio buttons (the
    choice id); multi-choice → check boxes (a list of ids; an exclusive choice such
    as "none" cannot be combined); number → a number input with the question's
    range and unit; time of day → a time input (``"HH:MM"``).

    Parameters
    ----------
    question : Question
        The knowledge-base question.
    lang : str
        Language of the choice texts.
    required : bool
        Whether an empty answer is an error (the profile allows blanks).

    Returns
    -------
    field : django.forms.Field
    """
    label = question.text.get(lang)
    help_text = question.help.get(lang) if question.help else ""
    kwargs: dict[str, Any] = {"label": label, "help_text": help_text, "required": required}
    if required:
        kwargs["error_messages"] = {"required": _required_message(question)}
    return _FIELDS[question.type](question, lang, **kwargs)


def _required_message(question: Question) -> Any:
    if question.section in UNSKIPPABLE_SECTIONS:
        return gettext_lazy("Choose an answer.")
    if question.type in ("number", "time_of_day"):
        return gettext_lazy("Enter an answer, or choose “Skip / I don't know”.")
    return gettext_lazy("Choose an answer, or choose “Skip / I don't know”.")


def initial_value(question: Question, value: Any) -> Any:
    """The form's initial value for a stored answer (JSON form)."""
    if value is None:
        return None
    if question.type == "yes_no":
        return YES if value else NO
    return value


def unit_of(question: Question, lang: str) -> str:
    """The unit of a number question in ``lang`` (empty when it has none)."""
    if question.range is not None and question.range.unit is not None:
        return question.range.unit.get(lang)
    return ""


class QuestionForm(forms.Form):
    """The form of one interview screen: a single field, ``answer``."""

    def __init__(self, question: Question, lang: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["answer"] = answer_field(question, lang)
