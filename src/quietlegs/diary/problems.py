"""The kinds of problem the diary core reports, as stable codes.

Every :class:`~quietlegs.DiaryError` carries its problems twice: in English
(``problems``, for the CLI and the library) and as :class:`~quietlegs.Problem`
data (``details``) with one of the codes below, the field or CSV column by its id,
the CSV row, and the values the message is made of. A shell that speaks another
language words each problem from these (the web app does, with gettext), so the
codes never change meaning; a new kind of problem gets a new code here.
"""

from __future__ import annotations

from typing import Any

from quietlegs._errors import Problem

#: Every code a diary problem may have. The ``params`` of each are named in the
#: comment (``value`` is what was given, as text; ``day``, ``today``, ``start``,
#: ``stop`` are dates; ``allowed``, ``values`` and ``columns`` are lists of ids).
PROBLEM_CODES: frozenset[str] = frozenset(
    {
        # one entry (DiaryEntry, MedicationTaken, DiaryEntry.from_dict)
        "wrong_type",  # expected (one of EXPECTED_KINDS), value
        "not_a_time",  # value
        "not_a_date",  # value
        "not_a_real_date",  # value
        "day_in_future",  # day, today
        "day_too_early",  # day, earliest
        "required",  # low, high
        "out_of_range",  # low, high, value, unit ("" or "min")
        "not_allowed",  # values, allowed
        "too_many",  # count, max
        "too_long",  # length, max
        "control_characters",
        "medication_name_not_text",
        "medication_name_empty",
        "medication_name_too_long",  # length, max
        "medication_name_characters",
        "medication_time_not_a_time",
        "given_without_symptoms",  # value
        "body_parts_required",  # severity, allowed
        "given_without_caffeine",  # value
        "given_without_exercise",  # value
        "intensity_required",  # minutes, allowed
        "unknown_field",
        "missing",
        # a diary (Diary)
        "not_an_entry",
        "night_twice",  # day
        "no_entry_to_replace",  # day
        # a CSV file (read_csv, read_csv_rows)
        "file_empty",
        "file_not_text",
        "not_csv",  # detail
        "missing_columns",  # columns (the required ones missing; no unknown column)
        # columns, suggestions ({unknown: column}), missing (required), allowed
        "unknown_columns",
        "duplicate_columns",  # columns
        "too_many_rows",  # max
        "night_twice_in_file",  # day, first_row
        "cell_count",  # cells, columns
        "cell_too_long",  # max
        "not_a_whole_number",  # value
        "not_a_number",  # value
        "not_yes_no",  # value
        "not_allowed_list",  # values, allowed
        "medication_format",  # value
        # a treatment period (TreatmentPeriod, treatment_period); all have ``treatment``
        "unknown_treatment",  # value
        "stop_before_start",  # stop, start
        "change_twice",
        "change_not_after_start",  # day, start
        "change_after_stop",  # day, stop
        # a problem given as plain text (no other code fits)
        "invalid",
    }
)

#: What a value of the wrong type should have been (the ``expected`` param of a
#: ``wrong_type`` problem).
EXPECTED_KINDS: tuple[str, ...] = (
    "date",
    "time",
    "whole_number",
    "number",
    "boolean",
    "text",
    "list",
    "body_parts",
    "medication",
    "dates",
)


def problem(code: str, field: str | None, message: str, **params: Any) -> Problem:
    """A :class:`~quietlegs.Problem` of the diary.

    Parameters
    ----------
    code : str
        One of :data:`PROBLEM_CODES`.
    field : str | None
        The entry's field (or the CSV column) concerned, by its id.
    message : str
        The problem in English.
    **params
        The values the message is made of.

    Returns
    -------
    Problem
    """
    return Problem(code, message, field, None, params)
