"""The diary core's problems in the reader's language.

The core (:mod:`quietlegs.diary`) reports every problem twice: in English, and as a
:class:`~quietlegs.Problem` with a stable ``code``, the ``field`` (or CSV column),
the CSV ``row`` and the ``params`` (see :mod:`quietlegs.diary.problems`). The web
app never shows the core's English to a reader: it words each problem here from
its code, through gettext, and names its place the way the reader meets it:

- on a form, by the form's label of the field (:func:`for_form`);
- in a CSV file, by the row and the column's header (:func:`for_csv`);
- in the JSON API, by the JSON field, with the code kept (:func:`for_api`).

Every code of :data:`quietlegs.diary.PROBLEM_CODES` has its wording in
:data:`BODIES` (``tests/web/test_diary_i18n.py`` checks it), as have the codes of
the problems the web app adds itself (:data:`WEB_CODES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Literal

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from quietlegs import DiaryError, Problem

DateStyle = Literal["iso", "local"]

#: Codes of the problems the web app itself reports about a diary (beside the core's).
WEB_CODES: frozenset[str] = frozenset(
    {
        "night_in_diary",  # day: a CSV row's night is in the patient's diary already
        "recorded_meanwhile",  # a night of the file was saved while it was imported
        "change_recorded",  # day: the treatment change is recorded already
        "over_the_counter_only",  # treatment: a patient records only OTC items
        "night_cannot_change",  # day, new: an edit cannot move an entry to another night
    }
)

#: The core's kinds of value, as a reader is told what to give (``wrong_type``).
EXPECTED: dict[str, Promise] = {
    "date": gettext_lazy("a date (YYYY-MM-DD)"),
    "time": gettext_lazy("a time of day (HH:MM)"),
    "whole_number": gettext_lazy("a whole number"),
    "number": gettext_lazy("a number"),
    "boolean": gettext_lazy("true or false"),
    "text": gettext_lazy("text"),
    "list": gettext_lazy("a list"),
    "body_parts": gettext_lazy("a set of legs, arms, other"),
    "medication": gettext_lazy("{'name': ..., 'at': 'HH:MM'}"),
    "dates": gettext_lazy("a list of dates"),
}

#: Units the core gives with a number (``out_of_range``), as the reader writes them.
UNITS: dict[str, Promise] = {"min": pgettext_lazy("unit", "min")}


#: Each code's wording, without the field (the caller says where), with ``%(name)s``
#: placeholders for the problem's params; a noun agreeing with a number is an
#: ``ngettext_lazy`` keyed by that param.
BODIES: dict[str, Promise] = {
    # one entry
    "wrong_type": _("must be %(expected)s; got %(value)s"),
    "not_a_time": _("'%(value)s' is not a time of day (HH:MM, 00:00 to 23:59)"),
    "not_a_date": _("'%(value)s' is not a date (YYYY-MM-DD)"),
    "not_a_real_date": _("'%(value)s' is not a real date"),
    "day_in_future": _("%(day)s is in the future (today is %(today)s)"),
    "day_too_early": _("%(day)s is before %(earliest)s"),
    "required": _("is required (%(low)s to %(high)s)"),
    "out_of_range": _("must be between %(low)s and %(high)s%(unit)s; got %(value)s%(unit)s"),
    "not_allowed": _("%(values)s not allowed; allowed: %(allowed)s"),
    "too_many": _("%(count)s given; at most %(max)s"),
    "too_long": ngettext_lazy(
        "%(length)s character long; at most %(max)s",
        "%(length)s characters long; at most %(max)s",
        "length",
    ),
    "control_characters": _("contains control characters"),
    "medication_name_not_text": _("the medicine's name must be text"),
    "medication_name_empty": _("the medicine's name is empty"),
    "medication_name_too_long": ngettext_lazy(
        "the medicine's name is %(length)s character long; at most %(max)s",
        "the medicine's name is %(length)s characters long; at most %(max)s",
        "length",
    ),
    "medication_name_characters": _(
        "the medicine's name may not contain ';', tabs, line breaks or control characters"
    ),
    "medication_time_not_a_time": _("the time the medicine was taken must be a time of day"),
    "given_without_symptoms": _(
        "%(value)s given but severity is 0 (no symptoms); leave it empty or give a severity above 0"
    ),
    "body_parts_required": _(
        "severity is %(severity)s, so say where the symptoms were (%(allowed)s)"
    ),
    "given_without_caffeine": _("%(value)s given but no caffeinated drinks (0) were recorded"),
    "given_without_exercise": _("'%(value)s' given but no exercise (0 min) was recorded"),
    "intensity_required": _("needed with %(minutes)s min of exercise (%(allowed)s)"),
    "unknown_field": _("unknown field"),
    "missing": _("missing"),
    # a diary
    "not_an_entry": _("not a diary entry"),
    "night_twice": _(
        "more than one entry for the night of %(day)s (one entry per night; edit the "
        "existing one instead)"
    ),
    "no_entry_to_replace": _("no entry for the night of %(day)s to replace"),
    # a CSV file
    "file_empty": _("the file is empty: a header row naming the columns is needed"),
    "file_not_text": _("the file contains NUL characters: it is not a CSV text file"),
    "not_csv": _("not valid CSV (check the quotes)"),
    "missing_columns": _("missing required column(s): %(columns)s"),
    "unknown_columns": _("unknown column(s): %(columns)s"),
    "duplicate_columns": _("column(s) given twice: %(columns)s"),
    "too_many_rows": ngettext_lazy(
        "the file has more than %(max)s row; split it",
        "the file has more than %(max)s rows; split it",
        "max",
    ),
    "night_twice_in_file": _("%(day)s is already on row %(first_row)s (one entry per night)"),
    "cell_count": ngettext_lazy(
        "%(cells)s cell, but the header has %(columns)s columns",
        "%(cells)s cells, but the header has %(columns)s columns",
        "cells",
    ),
    "cell_too_long": ngettext_lazy(
        "longer than %(max)s character", "longer than %(max)s characters", "max"
    ),
    "not_a_whole_number": _("'%(value)s' is not a whole number"),
    "not_a_number": _("'%(value)s' is not a number"),
    "not_yes_no": _("'%(value)s' is not yes or no"),
    "not_allowed_list": _("%(values)s not allowed; use %(allowed)s separated by ';'"),
    "medication_format": _("'%(value)s' is not 'HH:MM name' (several separated by ';')"),
    # a treatment period
    "unknown_treatment": _("%(value)s is not a treatment that can be recorded"),
    "stop_before_start": _("the last day, %(stop)s, is before the first day, %(start)s"),
    "change_twice": _("the same change day is given twice"),
    "change_not_after_start": _("the change on %(day)s is not after the first day, %(start)s"),
    "change_after_stop": _("the change on %(day)s is after the last day, %(stop)s"),
    # the web app's own
    "night_in_diary": _(
        "%(day)s already has an entry in your diary (edit it there, or leave this row out)"
    ),
    "recorded_meanwhile": _("a night of the file was recorded meanwhile; try again"),
    "change_recorded": _("the change on %(day)s is already recorded"),
    "over_the_counter_only": _("patients record only treatments bought without a prescription"),
    "night_cannot_change": _("an entry's night cannot change (%(day)s to %(new)s)"),
}


#: Codes whose wording names the field itself ("the change on ... is after the last day").
SELF_NAMING: frozenset[str] = frozenset(
    {
        "stop_before_start",
        "change_twice",
        "change_not_after_start",
        "change_after_stop",
        "change_recorded",
        "unknown_treatment",
        "over_the_counter_only",
    }
)


def _quoted(values: Any) -> str:
    """User-given values, each in the reader's quotation marks."""
    items = values if isinstance(values, (list, tuple)) else [values]
    return ", ".join(gettext("'%(value)s'") % {"value": v} for v in items)


def _value(value: Any, dates: DateStyle) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if dates == "iso":
            return value.isoformat()
        return str(formats.date_format(value, "DATE_FORMAT"))
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, float):
        return f"{value:g}" if dates == "iso" else str(formats.number_format(value))
    if isinstance(value, (list, tuple, frozenset, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


def body(problem: Problem, *, dates: DateStyle = "local") -> str:
    """What is wrong, in the current language, without naming the field.

    Parameters
    ----------
    problem : Problem
        A problem of the diary core (or of the web app's diary).
    dates : {"local", "iso"}
        Dates as the reader's locale writes them, or as ``YYYY-MM-DD`` (in a file's
        problems, where the file has them so).

    Returns
    -------
    str
        The problem's wording; the core's English message for a code without one
        (``invalid``: a problem given as plain text).
    """
    wording = BODIES.get(problem.code)
    if wording is None:
        return problem.message
    # Whole numbers stay numbers: an ngettext_lazy wording picks its plural form by one.
    params: dict[str, Any] = {
        key: value if isinstance(value, int) else _value(value, dates)
        for key, value in problem.params.items()
    }
    if "values" in problem.params:
        params["values"] = _quoted(problem.params["values"])
    if problem.code == "wrong_type":
        params["expected"] = str(EXPECTED.get(str(problem.params.get("expected")), ""))
    if problem.code == "unknown_columns":
        return _unknown_columns(problem)
    if problem.code == "out_of_range":
        unit = str(problem.params.get("unit") or "")
        params["unit"] = f" {UNITS.get(unit, unit)}" if unit else ""
    return str(wording % params)


def _unknown_columns(problem: Problem) -> str:
    """A header's unknown columns, each with its suggestion, then the required columns
    missing, then (if some unknown column has no suggestion) all the columns: one message."""
    suggestions: dict[str, str] = dict(problem.params.get("suggestions") or {})
    unknown = [str(c) for c in problem.params.get("columns") or ()]
    named = ", ".join(
        gettext("'%(value)s' (did you mean '%(suggestion)s'?)")
        % {"value": name, "suggestion": suggestions[name]}
        if name in suggestions
        else _quoted(name)
        for name in unknown
    )
    text = str(BODIES["unknown_columns"] % {"columns": named})
    missing = list(problem.params.get("missing") or ())
    if missing:
        text += gettext("; missing required column(s): %(columns)s") % {
            "columns": ", ".join(map(str, missing))
        }
    if len(suggestions) < len(unknown):
        text += gettext("; the columns are: %(allowed)s") % {
            "allowed": ", ".join(map(str, problem.params.get("allowed") or ()))
        }
    return text


def _labels() -> dict[str, Any]:
    from quietlegs.web.diary.forms import DiaryEntryForm, TreatmentForm

    labels: dict[str, Any] = {
        name: field.label for name, field in DiaryEntryForm.base_fields.items() if field.label
    }
    labels |= {
        "start": TreatmentForm.base_fields["start"].label,
        "stop": TreatmentForm.base_fields["stop"].label,
        "treatment_id": TreatmentForm.base_fields["treatment_id"].label,
        "changes": gettext_lazy("Change"),
    }
    return labels


def field_label(field: str) -> str:
    """The form's label of a diary field (the field's id if no form shows it)."""
    label = _labels().get(field)
    return str(label).rstrip("?:") if label is not None else field


def for_form(problem: Problem) -> str:
    """A problem as a form shows it: ``"<the field's label>: <what is wrong>"``."""
    text = body(problem)
    return f"{field_label(problem.field)}: {text}" if problem.field else text


def for_treatment(problem: Problem, name: Callable[[str], str]) -> str:
    """A treatment period's problem: ``"<treatment>: <the field's label>: <what is wrong>"``.

    ``name`` gives a treatment's name from its id (in the reader's language).
    """
    treatment = problem.params.get("treatment")
    text = body(problem) if problem.code in SELF_NAMING else for_form(problem)
    return f"{name(str(treatment))}: {text}" if treatment else text


def for_csv(problem: Problem) -> str:
    """A problem of an imported file, by its row (the header is row 1) and column."""
    text = body(problem, dates="iso")
    if problem.row is not None and problem.field:
        return gettext("row %(row)s, column '%(column)s': %(message)s") % {
            "row": problem.row,
            "column": problem.field,
            "message": text,
        }
    if problem.row == 1:
        return gettext("row 1 (header): %(message)s") % {"message": text}
    if problem.row is not None:
        return gettext("row %(row)s: %(message)s") % {"row": problem.row, "message": text}
    return text


def for_api(problem: Problem, fields: Iterable[str]) -> dict[str, Any]:
    """One item of a 422 body: where (``loc``), what (``msg``, in the request's language,
    naming the JSON field), ``type`` and the machine-readable ``code``."""
    text = body(problem, dates="iso")
    known = problem.field in set(fields)
    loc: list[str | int] = ["body", problem.field] if known and problem.field else ["body"]
    msg = f"{problem.field}: {text}" if problem.field else text
    return {"loc": loc, "msg": msg, "type": "invalid_diary_entry", "code": problem.code}


def texts(error: DiaryError, render: Callable[[Problem], str]) -> list[str]:
    """Every problem of ``error``, worded by ``render``."""
    return [render(p) for p in error.details]
