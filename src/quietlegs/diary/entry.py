"""One diary entry per night, and a patient's diary of entries.

A :class:`DiaryEntry` is about one *diary day*: the day named by ``day``, its
evening and the night that follows (up to 06:00 the next morning, see
:data:`quietlegs.diary._rules.DIARY_DAY_START_MIN`). It holds the night's
symptoms and sleep and the day's possible triggers. Every value is checked when
the entry is made; all problems are reported at once in a
:class:`~quietlegs.DiaryError`.

The plausibility bounds below are input checks, not clinical thresholds (those
live in :mod:`quietlegs.diary._rules`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from quietlegs._errors import DiaryError, Problem
from quietlegs.diary._clock import latest_today
from quietlegs.diary._rules import DIARY_DAY_START_MIN
from quietlegs.diary.problems import problem

#: Body parts where symptoms may be felt.
BODY_PARTS: tuple[str, ...] = ("legs", "arms", "other")
#: Intensities of exercise.
EXERCISE_INTENSITIES: tuple[str, ...] = ("light", "moderate", "vigorous")

#: The 0-10 ratings (severity, sleep quality, daytime sleepiness) run from 0 to this.
RATING_MAX = 10
#: Longest latency (at rest before symptoms, or to fall asleep) accepted, in minutes.
MAX_LATENCY_MIN = 720
#: Most awakenings in one night accepted.
MAX_AWAKENINGS = 30
#: Most caffeinated drinks (coffee, tea, cola, energy drinks) in a day accepted.
MAX_CAFFEINE_DRINKS = 20
#: Most units of alcohol in a day accepted.
MAX_ALCOHOL_UNITS = 40.0
#: Most minutes of exercise in a day accepted.
MAX_EXERCISE_MIN = 600
#: Most medications recorded for one day.
MAX_MEDICATIONS = 20
#: Longest medication name, in characters.
MAX_MEDICATION_NAME_CHARS = 80
#: Longest free-text note, in characters.
MAX_NOTE_CHARS = 1000
#: The earliest day a diary entry may be about.
EARLIEST_DAY = dt.date(2000, 1, 1)

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Control characters other than tab and newline (PostgreSQL refuses NUL in text).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _with_message(item: Problem, message: str) -> Problem:
    """``item`` with another English message (e.g. prefixed with the night)."""
    return Problem(item.code, message, item.field, item.row, item.params)


def _wrong_type(field: str, expected: str, message: str, value: Any) -> Problem:
    """A value of the wrong kind; ``expected`` is one of
    :data:`quietlegs.diary.problems.EXPECTED_KINDS`."""
    return problem("wrong_type", field, message, expected=expected, value=repr(value))


def parse_time(text: str, name: str) -> dt.time:
    """Parse a clock time ``HH:MM`` (00:00 to 23:59).

    Parameters
    ----------
    text : str
        The text, e.g. ``"21:30"``.
    name : str
        The field's name, used in the error message.

    Returns
    -------
    time : datetime.time
        The time, without seconds.

    Raises
    ------
    DiaryError
        If ``text`` is not a possible time of day.
    """
    match = _TIME_RE.match(text.strip())
    if match is None:
        message = f"{name}: {text!r} is not a time of day (HH:MM, 00:00 to 23:59)"
        raise DiaryError([problem("not_a_time", name, message, value=text)])
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_day(text: str, name: str = "day") -> dt.date:
    """Parse a date ``YYYY-MM-DD``.

    Parameters
    ----------
    text : str
        The text, e.g. ``"2024-03-01"``.
    name : str
        The field's name, used in the error message.

    Returns
    -------
    day : datetime.date

    Raises
    ------
    DiaryError
        If ``text`` is not a real date in that form.
    """
    value = text.strip()
    if _DAY_RE.match(value) is None:
        message = f"{name}: {text!r} is not a date (YYYY-MM-DD)"
        raise DiaryError([problem("not_a_date", name, message, value=text)])
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"{name}: {text!r} is not a real date"
        raise DiaryError([problem("not_a_real_date", name, message, value=text)]) from None


def format_time(value: dt.time | None) -> str:
    """Return ``HH:MM`` (empty for ``None``)."""
    return "" if value is None else f"{value.hour:02d}:{value.minute:02d}"


def diary_minutes(value: dt.time) -> int:
    """Minutes from the start of the diary day (06:00) to ``value``.

    An onset of 18:00 is 720, 23:00 is 1020 and 01:00 (after midnight, the same
    night) is 1140, so that "earlier" compares the way a patient means it.

    Parameters
    ----------
    value : datetime.time
        A clock time.

    Returns
    -------
    minutes : int
        In ``0 .. 1439``.
    """
    return (value.hour * 60 + value.minute - DIARY_DAY_START_MIN) % (24 * 60)


def time_from_diary_minutes(minutes: float) -> dt.time:
    """The clock time ``minutes`` after the start of the diary day (inverse of
    :func:`diary_minutes`; fractions of a minute are rounded)."""
    total = (round(minutes) + DIARY_DAY_START_MIN) % (24 * 60)
    return dt.time(total // 60, total % 60)


@dataclass(frozen=True)
class MedicationTaken:
    """A medication taken on the diary day, and when (no dose is recorded).

    Parameters
    ----------
    name : str
        What was taken, in the patient's words (at most 80 characters; no ``;``).
    at : datetime.time
        When it was taken.
    """

    name: str
    at: dt.time

    def __post_init__(self) -> None:
        problems = _medication_problems(self, "medication")
        if problems:
            raise DiaryError(problems)


def _medication_problems(med: Any, where: str) -> list[Problem]:
    problems: list[Problem] = []
    name = getattr(med, "name", None)
    at = getattr(med, "at", None)
    field = "medications"
    if not isinstance(name, str):
        message = f"{where}: the name must be text; got {type(name).__name__}"
        problems.append(problem("medication_name_not_text", field, message))
    else:
        clean = name.strip()
        if not clean:
            problems.append(problem("medication_name_empty", field, f"{where}: the name is empty"))
        elif len(clean) > MAX_MEDICATION_NAME_CHARS:
            message = (
                f"{where}: the name is {len(clean)} characters long; at most "
                f"{MAX_MEDICATION_NAME_CHARS} are allowed"
            )
            problems.append(
                problem(
                    "medication_name_too_long",
                    field,
                    message,
                    length=len(clean),
                    max=MAX_MEDICATION_NAME_CHARS,
                )
            )
        if ";" in name or _CONTROL_RE.search(name) or "\n" in name or "\t" in name:
            message = f"{where}: the name may not contain ';', tabs, line breaks or controls"
            problems.append(problem("medication_name_characters", field, message))
    if not isinstance(at, dt.time):
        message = f"{where}: the time must be a time of day; got {type(at).__name__}"
        problems.append(problem("medication_time_not_a_time", field, message))
    return problems


@dataclass(frozen=True, kw_only=True)
class DiaryEntry:
    """One night's diary entry: symptoms, sleep, and the day's possible triggers.

    Parameters
    ----------
    day : datetime.date
        The diary day: the evening of this day and the night that follows. Not before
        2000-01-01, and not a day that has begun nowhere yet (later than the date at
        UTC+14; the caller checks today in the patient's own time zone).
    severity : int
        How bad the restless-legs symptoms were, 0 (none) to 10 (worst imaginable).
    onset : datetime.time | None
        When the symptoms began (clock time; 00:00-05:59 means after midnight, the
        same night). Must be empty when ``severity`` is 0.
    rest_latency_min : int | None
        How long the patient had been sitting or lying still before the symptoms
        began, in minutes (0-720). Empty when ``severity`` is 0.
    body_parts : frozenset of str
        Where the symptoms were felt: any of ``legs``, ``arms``, ``other``. At least
        one when ``severity`` is above 0; none when it is 0.
    bedtime : datetime.time | None
        When the patient went to bed (used for the time-of-onset score).
    sleep_latency_min : int | None
        Time to fall asleep, in minutes (0-720).
    awakenings : int | None
        Number of awakenings in the night (0-30).
    sleep_quality : int | None
        How well the patient slept, 0 (very badly) to 10 (very well).
    daytime_sleepiness : int | None
        How sleepy during the day, 0 (not at all) to 10 (could not stay awake).
    caffeine_drinks : int
        Coffee, tea, cola and energy drinks that day (0-20).
    last_caffeine : datetime.time | None
        When the last of them was drunk; only with ``caffeine_drinks`` above 0.
    alcohol_units : float
        Units of alcohol that day (0-40).
    nicotine : bool
        Any smoking or nicotine that day.
    exercise_min : int
        Minutes of exercise that day (0-600).
    exercise_intensity : str | None
        ``light``, ``moderate`` or ``vigorous``; required with exercise, empty without.
    long_sitting : bool
        Long sitting or travel (car, plane, cinema) that day.
    sweets_before_bed : bool
        Sweets in the evening before bed.
    stress : bool
        A stressful day.
    medications : tuple of MedicationTaken
        Medications taken, and when (no doses); at most 20.
    note : str
        Anything else, at most 1000 characters.

    Raises
    ------
    DiaryError
        Naming every value that is impossible or contradicts another.
    """

    day: dt.date
    severity: int
    onset: dt.time | None = None
    rest_latency_min: int | None = None
    body_parts: frozenset[str] = field(default_factory=frozenset)
    bedtime: dt.time | None = None
    sleep_latency_min: int | None = None
    awakenings: int | None = None
    sleep_quality: int | None = None
    daytime_sleepiness: int | None = None
    caffeine_drinks: int = 0
    last_caffeine: dt.time | None = None
    alcohol_units: float = 0.0
    nicotine: bool = False
    exercise_min: int = 0
    exercise_intensity: str | None = None
    long_sitting: bool = False
    sweets_before_bed: bool = False
    stress: bool = False
    medications: tuple[MedicationTaken, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        # Normalise containers given as lists or sets (the dataclass is frozen).
        if not isinstance(self.body_parts, frozenset) and isinstance(
            self.body_parts, (set, list, tuple)
        ):
            object.__setattr__(self, "body_parts", frozenset(self.body_parts))
        if isinstance(self.medications, list):
            object.__setattr__(self, "medications", tuple(self.medications))
        if isinstance(self.alcohol_units, int) and not isinstance(self.alcohol_units, bool):
            object.__setattr__(self, "alcohol_units", float(self.alcohol_units))
        if isinstance(self.note, str):
            object.__setattr__(self, "note", self.note.strip())
        problems = self._problems()
        if problems:
            label = self._label()
            raise DiaryError([_with_message(p, label + p.message) for p in problems])

    def _label(self) -> str:
        return f"{self.day.isoformat()}: " if isinstance(self.day, dt.date) else ""

    def _problems(self) -> list[Problem]:
        p: list[Problem] = []
        if not isinstance(self.day, dt.date) or isinstance(self.day, dt.datetime):
            message = f"day must be a date; got {type(self.day).__name__} {self.day!r}"
            p.append(_wrong_type("day", "date", message, self.day))
        else:
            latest = latest_today()
            if self.day > latest:
                message = (
                    f"day {self.day.isoformat()} is in the future (the latest date anywhere "
                    f"is {latest.isoformat()}); an entry is about a night that has begun"
                )
                p.append(problem("day_in_future", "day", message, day=self.day, today=latest))
            if self.day < EARLIEST_DAY:
                message = f"day {self.day.isoformat()} is before {EARLIEST_DAY.isoformat()}"
                p.append(
                    problem("day_too_early", "day", message, day=self.day, earliest=EARLIEST_DAY)
                )
        _int_in(p, "severity", self.severity, 0, RATING_MAX, required=True)
        for name in ("onset", "bedtime", "last_caffeine"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, dt.time) or value.tzinfo is not None):
                message = f"{name} must be a time of day (HH:MM); got {value!r}"
                p.append(_wrong_type(name, "time", message, value))
        _int_in(p, "rest_latency_min", self.rest_latency_min, 0, MAX_LATENCY_MIN, unit="min")
        _int_in(p, "sleep_latency_min", self.sleep_latency_min, 0, MAX_LATENCY_MIN, unit="min")
        _int_in(p, "awakenings", self.awakenings, 0, MAX_AWAKENINGS)
        _int_in(p, "sleep_quality", self.sleep_quality, 0, RATING_MAX)
        _int_in(p, "daytime_sleepiness", self.daytime_sleepiness, 0, RATING_MAX)
        _int_in(p, "caffeine_drinks", self.caffeine_drinks, 0, MAX_CAFFEINE_DRINKS, required=True)
        _int_in(p, "exercise_min", self.exercise_min, 0, MAX_EXERCISE_MIN, True, "min")
        if isinstance(self.alcohol_units, bool) or not isinstance(self.alcohol_units, float):
            message = f"alcohol_units must be a number; got {self.alcohol_units!r}"
            p.append(_wrong_type("alcohol_units", "number", message, self.alcohol_units))
        elif not 0.0 <= self.alcohol_units <= MAX_ALCOHOL_UNITS:  # also refuses NaN
            message = (
                f"alcohol_units must be between 0 and {MAX_ALCOHOL_UNITS:g}; "
                f"got {self.alcohol_units:g}"
            )
            p.append(
                problem(
                    "out_of_range",
                    "alcohol_units",
                    message,
                    low=0,
                    high=MAX_ALCOHOL_UNITS,
                    value=self.alcohol_units,
                    unit="",
                )
            )
        for name in ("nicotine", "long_sitting", "sweets_before_bed", "stress"):
            if not isinstance(getattr(self, name), bool):
                message = f"{name} must be true or false; got {getattr(self, name)!r}"
                p.append(_wrong_type(name, "boolean", message, getattr(self, name)))
        if not isinstance(self.body_parts, frozenset) or not all(
            isinstance(b, str) for b in self.body_parts
        ):
            message = f"body_parts must be a set of {', '.join(BODY_PARTS)}"
            p.append(_wrong_type("body_parts", "body_parts", message, self.body_parts))
        else:
            unknown = sorted(self.body_parts - set(BODY_PARTS))
            if unknown:
                message = (
                    f"body_parts: {', '.join(map(repr, unknown))} not allowed; "
                    f"allowed: {', '.join(BODY_PARTS)}"
                )
                p.append(
                    problem(
                        "not_allowed", "body_parts", message, values=unknown, allowed=BODY_PARTS
                    )
                )
        if self.exercise_intensity is not None and self.exercise_intensity not in (
            EXERCISE_INTENSITIES
        ):
            message = (
                f"exercise_intensity must be one of {', '.join(EXERCISE_INTENSITIES)}; "
                f"got {self.exercise_intensity!r}"
            )
            p.append(
                problem(
                    "not_allowed",
                    "exercise_intensity",
                    message,
                    values=[self.exercise_intensity],
                    allowed=EXERCISE_INTENSITIES,
                )
            )
        if not isinstance(self.medications, tuple):
            message = "medications must be a list of (name, time)"
            p.append(_wrong_type("medications", "list", message, self.medications))
        else:
            if len(self.medications) > MAX_MEDICATIONS:
                message = f"medications: {len(self.medications)} given; at most {MAX_MEDICATIONS}"
                p.append(
                    problem(
                        "too_many",
                        "medications",
                        message,
                        count=len(self.medications),
                        max=MAX_MEDICATIONS,
                    )
                )
            for i, med in enumerate(self.medications, 1):
                if not isinstance(med, MedicationTaken):
                    message = f"medications[{i}] must be a MedicationTaken; got {med!r}"
                    p.append(_wrong_type("medications", "medication", message, med))
        if not isinstance(self.note, str):
            message = f"note must be text; got {type(self.note).__name__}"
            p.append(_wrong_type("note", "text", message, self.note))
        else:
            if len(self.note) > MAX_NOTE_CHARS:
                message = f"note is {len(self.note)} characters long; at most {MAX_NOTE_CHARS}"
                p.append(
                    problem("too_long", "note", message, length=len(self.note), max=MAX_NOTE_CHARS)
                )
            if _CONTROL_RE.search(self.note):
                p.append(problem("control_characters", "note", "note contains control characters"))
        if p:
            # Check the combinations only when the values are themselves valid.
            bad = {item.field for item in p}
            involved = {"severity", "onset", "rest_latency_min", "body_parts"}
            involved |= {"caffeine_drinks", "last_caffeine", "exercise_min", "exercise_intensity"}
            if bad & involved:
                return p
        # Values that contradict each other.
        if self.severity == 0:
            if self.onset is not None:
                message = (
                    f"onset {format_time(self.onset)} given but severity is 0 (no symptoms); "
                    "leave the onset empty or give a severity above 0"
                )
                p.append(problem("given_without_symptoms", "onset", message, value=self.onset))
            if self.rest_latency_min is not None:
                message = "rest_latency_min given but severity is 0 (no symptoms)"
                p.append(
                    problem(
                        "given_without_symptoms",
                        "rest_latency_min",
                        message,
                        value=self.rest_latency_min,
                    )
                )
            if self.body_parts:
                parts = [b for b in BODY_PARTS if b in self.body_parts]
                message = (
                    f"body_parts {', '.join(sorted(self.body_parts))} given but severity is 0 "
                    "(no symptoms)"
                )
                p.append(problem("given_without_symptoms", "body_parts", message, value=parts))
        elif not self.body_parts:
            message = (
                f"body_parts: severity is {self.severity}, so say where the symptoms were "
                f"({', '.join(BODY_PARTS)})"
            )
            p.append(
                problem(
                    "body_parts_required",
                    "body_parts",
                    message,
                    severity=self.severity,
                    allowed=BODY_PARTS,
                )
            )
        if self.caffeine_drinks == 0 and self.last_caffeine is not None:
            message = (
                f"last_caffeine {format_time(self.last_caffeine)} given but caffeine_drinks is 0"
            )
            p.append(
                problem(
                    "given_without_caffeine", "last_caffeine", message, value=self.last_caffeine
                )
            )
        if self.exercise_min == 0 and self.exercise_intensity is not None:
            message = f"exercise_intensity {self.exercise_intensity!r} given but exercise_min is 0"
            p.append(
                problem(
                    "given_without_exercise",
                    "exercise_intensity",
                    message,
                    value=self.exercise_intensity,
                )
            )
        if self.exercise_min > 0 and self.exercise_intensity is None:
            message = (
                f"exercise_intensity is needed with {self.exercise_min} min of exercise "
                f"({', '.join(EXERCISE_INTENSITIES)})"
            )
            p.append(
                problem(
                    "intensity_required",
                    "exercise_intensity",
                    message,
                    minutes=self.exercise_min,
                    allowed=EXERCISE_INTENSITIES,
                )
            )
        return p

    # -- derived values ------------------------------------------------------------------

    @property
    def onset_minutes(self) -> int | None:
        """The onset in minutes from the start of the diary day (06:00), or ``None``."""
        return None if self.onset is None else diary_minutes(self.onset)

    @property
    def has_symptoms(self) -> bool:
        """Whether any symptoms were recorded (severity above 0)."""
        return self.severity > 0

    # -- plain data ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data (dates ``YYYY-MM-DD``, times ``HH:MM``)."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                data[f.name] = value.isoformat()
            elif isinstance(value, dt.time):
                data[f.name] = format_time(value)
            elif f.name == "body_parts":
                data[f.name] = [b for b in BODY_PARTS if b in value]
            elif f.name == "medications":
                data[f.name] = [{"name": m.name, "at": format_time(m.at)} for m in value]
            else:
                data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiaryEntry:
        """Make an entry from :meth:`to_dict`'s form (strings for dates and times).

        Unknown keys, wrong types and impossible values are all reported together.

        Raises
        ------
        DiaryError
            Naming every problem.
        """
        known = {f.name for f in fields(cls)}
        problems = [
            problem("unknown_field", str(k), f"{k}: unknown field") for k in data if k not in known
        ]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            try:
                values[key] = _field_from_json(key, value)
            except DiaryError as exc:
                problems.extend(exc.details)
        for required in ("day", "severity"):
            if required not in data:
                problems.append(problem("missing", required, f"{required}: missing"))
        if problems:
            raise DiaryError(problems)
        return cls(**values)


def _field_from_json(key: str, value: Any) -> Any:
    if key == "day":
        if not isinstance(value, str):
            message = f"day must be a date string YYYY-MM-DD; got {value!r}"
            raise DiaryError([_wrong_type("day", "date", message, value)])
        return parse_day(value)
    if key in ("onset", "bedtime", "last_caffeine"):
        if value is None:
            return None
        if not isinstance(value, str):
            message = f"{key} must be a time string HH:MM; got {value!r}"
            raise DiaryError([_wrong_type(key, "time", message, value)])
        return parse_time(value, key)
    if key == "body_parts":
        if not isinstance(value, (list, tuple)):
            message = f"body_parts must be a list; got {value!r}"
            raise DiaryError([_wrong_type("body_parts", "list", message, value)])
        return frozenset(value)
    if key == "medications":
        if not isinstance(value, (list, tuple)):
            message = f"medications must be a list; got {value!r}"
            raise DiaryError([_wrong_type("medications", "list", message, value)])
        meds = []
        problems: list[Problem] = []
        for i, item in enumerate(value, 1):
            if not isinstance(item, Mapping) or set(item) != {"name", "at"}:
                message = f"medications[{i}] must be {{'name': ..., 'at': 'HH:MM'}}"
                problems.append(_wrong_type("medications", "medication", message, item))
                continue
            try:
                at = parse_time(str(item["at"]), f"medications[{i}].at")
                meds.append(MedicationTaken(item["name"], at))
            except DiaryError as exc:
                problems.extend(
                    Problem(d.code, d.message, "medications", None, {**d.params, "item": i})
                    for d in exc.details
                )
        if problems:
            raise DiaryError(problems)
        return tuple(meds)
    return value


def _int_in(
    problems: list[Problem],
    name: str,
    value: Any,
    low: int,
    high: int,
    required: bool = False,
    unit: str = "",
) -> None:
    if value is None:
        if required:
            message = f"{name} is required ({low} to {high})"
            problems.append(problem("required", name, message, low=low, high=high))
        return
    suffix = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, int):
        message = f"{name} must be a whole number; got {value!r}"
        problems.append(_wrong_type(name, "whole_number", message, value))
    elif not low <= value <= high:
        message = f"{name} must be between {low} and {high}{suffix}; got {value}{suffix}"
        problems.append(
            problem("out_of_range", name, message, low=low, high=high, value=value, unit=unit)
        )


class Diary:
    """A patient's diary: at most one entry per night, kept in date order.

    Parameters
    ----------
    entries : iterable of DiaryEntry
        The entries, in any order.

    Raises
    ------
    DiaryError
        If two entries are about the same night (each such night is named).
    """

    def __init__(self, entries: Iterable[DiaryEntry] = ()) -> None:
        by_day: dict[dt.date, DiaryEntry] = {}
        problems: list[Problem] = []
        for entry in entries:
            if not isinstance(entry, DiaryEntry):
                problems.append(problem("not_an_entry", None, f"not a DiaryEntry: {entry!r}"))
                continue
            if entry.day in by_day:
                message = (
                    f"{entry.day.isoformat()}: more than one entry for this night "
                    "(one entry per night; edit the existing one instead)"
                )
                problems.append(problem("night_twice", "day", message, day=entry.day))
                continue
            by_day[entry.day] = entry
        if problems:
            raise DiaryError(problems)
        self._by_day = dict(sorted(by_day.items()))

    def __len__(self) -> int:
        return len(self._by_day)

    def __iter__(self) -> Iterator[DiaryEntry]:
        return iter(self._by_day.values())

    def __contains__(self, day: object) -> bool:
        return day in self._by_day

    def __repr__(self) -> str:
        span = f" {self.first_day}..{self.last_day}" if self._by_day else ""
        return f"<Diary of {len(self)} entries{span}>"

    @property
    def entries(self) -> tuple[DiaryEntry, ...]:
        """The entries, earliest night first."""
        return tuple(self._by_day.values())

    @property
    def days(self) -> tuple[dt.date, ...]:
        """The nights with an entry, earliest first."""
        return tuple(self._by_day)

    @property
    def first_day(self) -> dt.date | None:
        """The earliest night with an entry (``None`` for an empty diary)."""
        return next(iter(self._by_day), None)

    @property
    def last_day(self) -> dt.date | None:
        """The latest night with an entry (``None`` for an empty diary)."""
        return next(reversed(self._by_day), None)

    def get(self, day: dt.date) -> DiaryEntry | None:
        """The entry for ``day``, or ``None`` if that night was not recorded."""
        return self._by_day.get(day)

    def add(self, entry: DiaryEntry) -> Diary:
        """A new diary with ``entry`` added (a second entry for a night is refused)."""
        return Diary([*self._by_day.values(), entry])

    def replace(self, entry: DiaryEntry) -> Diary:
        """A new diary with the entry for ``entry.day`` replaced by ``entry``.

        Raises
        ------
        DiaryError
            If there is no entry for that night to replace.
        """
        if entry.day not in self._by_day:
            message = f"{entry.day.isoformat()}: no entry for this night to replace"
            raise DiaryError([problem("no_entry_to_replace", "day", message, day=entry.day)])
        return Diary({**self._by_day, entry.day: entry}.values())

    def between(self, start: dt.date, end: dt.date) -> list[DiaryEntry]:
        """The entries from ``start`` to ``end`` (both included)."""
        return [e for d, e in self._by_day.items() if start <= d <= end]

    def missed_days(
        self, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[dt.date]:
        """Nights without an entry from ``start`` to ``end`` (both included).

        Parameters
        ----------
        start, end : datetime.date | None
            The range; by default the diary's first and last nights.

        Returns
        -------
        days : list of datetime.date
            Earliest first; empty for an empty diary without a range.
        """
        first = start if start is not None else self.first_day
        last = end if end is not None else self.last_day
        if first is None or last is None:
            return []
        return [
            first + dt.timedelta(days=i)
            for i in range((last - first).days + 1)
            if first + dt.timedelta(days=i) not in self._by_day
        ]
