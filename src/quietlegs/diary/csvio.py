"""The diary as CSV: export, and a strict import that takes all rows or none.

The columns are :data:`COLUMNS` (a header row naming them, in any order); only
:data:`REQUIRED_COLUMNS` must be there, a column left out is "not recorded" on
every row, as on the entry form. Dates are ``YYYY-MM-DD``, times ``HH:MM``, yes/no
fields ``yes`` or ``no``, body parts ``legs;arms``, medications
``21:00 name; 23:30 other name``; an empty cell is "not recorded" (or 0 / no for
the day's triggers). ``docs/monitoring.md`` describes each column.

:func:`read_csv` checks every row and reports every problem with its row (the
header is row 1) and column; if any row is bad nothing is returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from collections.abc import Callable, Iterable
from typing import Any

from quietlegs._errors import DiaryError, Problem
from quietlegs.diary.entry import (
    BODY_PARTS,
    Diary,
    DiaryEntry,
    MedicationTaken,
    format_time,
    parse_day,
    parse_time,
)

#: The columns of a diary CSV file, in the order :func:`write_csv` writes them.
COLUMNS: tuple[str, ...] = (
    "day",
    "severity",
    "onset",
    "rest_latency_min",
    "body_parts",
    "bedtime",
    "sleep_latency_min",
    "awakenings",
    "sleep_quality",
    "daytime_sleepiness",
    "caffeine_drinks",
    "last_caffeine",
    "alcohol_units",
    "nicotine",
    "exercise_min",
    "exercise_intensity",
    "long_sitting",
    "sweets_before_bed",
    "stress",
    "medications",
    "note",
)

#: The columns a file must have: the only fields a :class:`DiaryEntry` needs. The others
#: may be left out (each missing one is "not recorded", or 0 / no for the day's triggers).
REQUIRED_COLUMNS: tuple[str, ...] = ("day", "severity")

#: How alike an unknown column's name and a column must be for the column to be
#: suggested (:func:`difflib.get_close_matches`' cutoff, 0 to 1).
SUGGESTION_CUTOFF = 0.75

#: Most data rows one file may hold (more than 13 years of nights).
MAX_ROWS = 5000
#: Longest cell accepted, in characters (a note is at most 1000).
MAX_CELL_CHARS = 2000

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
# A cell starting with one of these is a formula in spreadsheet programs: text cells
# that do are written with a leading apostrophe, which reading removes again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_out(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _text_in(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def _entry_row(entry: DiaryEntry) -> dict[str, str]:
    def num(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return {
        "day": entry.day.isoformat(),
        "severity": str(entry.severity),
        "onset": format_time(entry.onset),
        "rest_latency_min": num(entry.rest_latency_min),
        "body_parts": ";".join(b for b in BODY_PARTS if b in entry.body_parts),
        "bedtime": format_time(entry.bedtime),
        "sleep_latency_min": num(entry.sleep_latency_min),
        "awakenings": num(entry.awakenings),
        "sleep_quality": num(entry.sleep_quality),
        "daytime_sleepiness": num(entry.daytime_sleepiness),
        "caffeine_drinks": str(entry.caffeine_drinks),
        "last_caffeine": format_time(entry.last_caffeine),
        "alcohol_units": num(entry.alcohol_units),
        "nicotine": "yes" if entry.nicotine else "no",
        "exercise_min": str(entry.exercise_min),
        "exercise_intensity": entry.exercise_intensity or "",
        "long_sitting": "yes" if entry.long_sitting else "no",
        "sweets_before_bed": "yes" if entry.sweets_before_bed else "no",
        "stress": "yes" if entry.stress else "no",
        "medications": "; ".join(f"{format_time(m.at)} {m.name}" for m in entry.medications),
        "note": _text_out(entry.note),
    }


def write_csv(entries: Iterable[DiaryEntry], out: io.TextIOBase | Any) -> None:
    """Write ``entries`` as CSV (a header row, then one row per night, earliest first).

    Parameters
    ----------
    entries : iterable of DiaryEntry
        E.g. a :class:`Diary`.
    out : text file
        Where to write (opened with ``newline=""``).
    """
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in sorted(entries, key=lambda e: e.day):
        writer.writerow(_entry_row(entry))


def to_csv_text(entries: Iterable[DiaryEntry]) -> str:
    """Return ``entries`` as CSV text (see :func:`write_csv`)."""
    buffer = io.StringIO()
    write_csv(entries, buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------


class _CellError(ValueError):
    """A cell that cannot be read: its problem's code, English text and parameters."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def _problem(
    code: str, row: int | None, column: str | None, message: str, **params: Any
) -> Problem:
    return Problem(code, message, column, row, params)


def _int(text: str) -> int:
    value = text.strip()
    if not value.lstrip("-").isdigit() or not value.isascii():
        raise _CellError("not_a_whole_number", f"{text!r} is not a whole number", value=text)
    return int(value)


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def inner(text: str) -> Any:
        return None if not text.strip() else parse(text)

    return inner


def _float(text: str) -> float:
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        raise _CellError("not_a_number", f"{text!r} is not a number", value=text) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _CellError("not_a_number", f"{text!r} is not a number", value=text)
    return number


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _CellError("not_yes_no", f"{text!r} is not yes or no", value=text)


def _time(text: str) -> dt.time:
    try:
        return parse_time(text, "time")
    except DiaryError:
        message = f"{text!r} is not a time of day (HH:MM, 00:00 to 23:59)"
        raise _CellError("not_a_time", message, value=text) from None


def _day(text: str) -> dt.date:
    try:
        return parse_day(text)
    except DiaryError:
        raise _CellError("not_a_date", f"{text!r} is not a date (YYYY-MM-DD)", value=text) from None


def _body_parts(text: str) -> frozenset[str]:
    parts = [p.strip().lower() for p in text.split(";") if p.strip()]
    unknown = [p for p in parts if p not in BODY_PARTS]
    if unknown:
        message = (
            f"{', '.join(map(repr, unknown))} not allowed; use {', '.join(BODY_PARTS)} "
            "separated by ';'"
        )
        raise _CellError("not_allowed_list", message, values=unknown, allowed=BODY_PARTS)
    return frozenset(parts)


def _medications(text: str) -> tuple[MedicationTaken, ...]:
    meds: list[MedicationTaken] = []
    for item in (i.strip() for i in text.split(";")):
        if not item:
            continue
        at, _, name = item.partition(" ")
        try:
            meds.append(MedicationTaken(name.strip(), parse_time(at, "time")))
        except DiaryError:
            message = f"{item!r} is not 'HH:MM name' (several separated by ';')"
            raise _CellError("medication_format", message, value=item) from None
    return tuple(meds)


def _intensity(text: str) -> str | None:
    value = text.strip().lower()
    return value or None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "day": _day,
    "severity": _int,
    "onset": _optional(_time),
    "rest_latency_min": _optional(_int),
    "body_parts": _body_parts,
    "bedtime": _optional(_time),
    "sleep_latency_min": _optional(_int),
    "awakenings": _optional(_int),
    "sleep_quality": _optional(_int),
    "daytime_sleepiness": _optional(_int),
    "caffeine_drinks": lambda t: _int(t) if t.strip() else 0,
    "last_caffeine": _optional(_time),
    "alcohol_units": lambda t: _float(t) if t.strip() else 0.0,
    "nicotine": _bool,
    "exercise_min": lambda t: _int(t) if t.strip() else 0,
    "exercise_intensity": _intensity,
    "long_sitting": _bool,
    "sweets_before_bed": _bool,
    "stress": _bool,
    "medications": _medications,
    "note": _text_in,
}


def read_csv(text: str) -> Diary:
    """Read a diary from CSV text; every row must be valid, or nothing is read.

    Parameters
    ----------
    text : str
        The file's text (a UTF-8 byte-order mark is ignored).

    Returns
    -------
    diary : Diary
        The entries of the file.

    Raises
    ------
    DiaryError
        Listing every problem: a header that lacks a required column or has an
        unknown one (one problem, naming both),
        and for each bad row its row number (the header is row 1), the column and
        what was wrong; also two rows for the same night.
    """
    return Diary(entry for _, entry in read_csv_rows(text))


def read_csv_rows(text: str) -> list[tuple[int, DiaryEntry]]:
    """Like :func:`read_csv`, but return each entry with its row number (the header
    is row 1), in file order, so that a caller can name the row of a later problem
    (e.g. a night already in the patient's diary).

    Raises
    ------
    DiaryError
        As :func:`read_csv`.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        message = "the file is empty: a header row naming the columns is needed"
        raise DiaryError([_problem("file_empty", None, None, message)])
    if "\x00" in text:
        message = "the file contains NUL characters: it is not a CSV text file"
        raise DiaryError([_problem("file_not_text", None, None, message)])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        message = f"row 1: not valid CSV ({exc})"
        raise DiaryError([_problem("not_csv", 1, None, message, detail=str(exc))]) from None
    names = [h.strip() for h in header]
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if unknown:
        problems.append(_unknown_columns(unknown, missing, names))
    elif missing:
        message = f"row 1 (header): missing required column(s): {', '.join(missing)}"
        problems.append(_problem("missing_columns", 1, None, message, columns=missing))
    if duplicated:
        message = f"row 1 (header): column(s) given twice: {', '.join(duplicated)}"
        problems.append(_problem("duplicate_columns", 1, None, message, columns=duplicated))
    if problems:
        raise DiaryError(problems)
    entries: list[tuple[int, DiaryEntry]] = []
    seen: dict[dt.date, int] = {}
    row_number = 1
    try:
        for cells in reader:
            row_number += 1
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if row_number - 1 > MAX_ROWS:
                message = f"the file has more than {MAX_ROWS} rows; split it"
                problems.append(_problem("too_many_rows", None, None, message, max=MAX_ROWS))
                break
            entry = _read_row(row_number, names, cells, problems)
            if entry is None:
                continue
            if entry.day in seen:
                message = (
                    f"row {row_number}: {entry.day.isoformat()} is already on row "
                    f"{seen[entry.day]} (one entry per night)"
                )
                problems.append(
                    _problem(
                        "night_twice_in_file",
                        row_number,
                        "day",
                        message,
                        day=entry.day,
                        first_row=seen[entry.day],
                    )
                )
                continue
            seen[entry.day] = row_number
            entries.append((row_number, entry))
    except csv.Error as exc:
        message = f"row {row_number + 1}: not valid CSV ({exc})"
        problems.append(_problem("not_csv", row_number + 1, None, message, detail=str(exc)))
    if problems:
        raise DiaryError(problems)
    return entries


def _unknown_columns(unknown: list[str], missing: list[str], names: list[str]) -> Problem:
    """One problem for a header with unknown columns: each with the column it may have
    meant (one not in the header already), the required columns it lacks, and all the
    columns when some unknown one has no suggestion."""
    free = [c for c in COLUMNS if c not in names]
    suggestions: dict[str, str] = {}
    for name in unknown:
        close = difflib.get_close_matches(name.lower(), free, n=1, cutoff=SUGGESTION_CUTOFF)
        if close:
            suggestions[name] = close[0]
    named = ", ".join(
        f"{name!r} (did you mean {suggestions[name]!r}?)" if name in suggestions else repr(name)
        for name in unknown
    )
    message = f"row 1 (header): unknown column(s): {named}"
    if missing:
        message += f"; missing required column(s): {', '.join(missing)}"
    if len(suggestions) < len(unknown):
        message += f"; the columns are: {', '.join(COLUMNS)}"
    return _problem(
        "unknown_columns",
        1,
        None,
        message,
        columns=unknown,
        suggestions=suggestions,
        missing=missing,
        allowed=COLUMNS,
    )


def _read_row(
    row_number: int, names: list[str], cells: list[str], problems: list[Problem]
) -> DiaryEntry | None:
    where = f"row {row_number}"
    if len(cells) != len(names):
        message = f"{where}: {len(cells)} cells; the header has {len(names)} columns"
        problems.append(
            _problem("cell_count", row_number, None, message, cells=len(cells), columns=len(names))
        )
        return None
    values: dict[str, Any] = {}
    bad = False
    for name, cell in zip(names, cells, strict=True):
        if len(cell) > MAX_CELL_CHARS:
            message = f"{where}, column {name!r}: longer than {MAX_CELL_CHARS} characters"
            problems.append(
                _problem("cell_too_long", row_number, name, message, max=MAX_CELL_CHARS)
            )
            bad = True
            continue
        try:
            values[name] = _PARSERS[name](cell)
        except _CellError as exc:
            message = f"{where}, column {name!r}: {exc}"
            problems.append(_problem(exc.code, row_number, name, message, **exc.params))
            bad = True
    if bad:
        return None
    try:
        return DiaryEntry(**values)
    except DiaryError as exc:
        for item in exc.details:
            # "2024-03-01: onset ..." -> "row 3, column 'onset': ..."
            _, _, rest = item.message.partition(": ")
            column = item.field if item.field in COLUMNS else None
            label = f"{where}, column {column!r}" if column else where
            message = f"{label}: {rest or item.message}"
            problems.append(Problem(item.code, message, column, row_number, item.params))
        return None
