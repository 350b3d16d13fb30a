"""Weekly availability, exceptions and resources -> concrete bookable slots.

Everything here is pure: no database, no Django, no clock. The web app loads a
clinic's rules from its tables, asks :meth:`Schedule.slots` for the free slots in
a date range (giving the intervals already booked), and books one of them.

Time
----
Availability is written in the clinic's *wall-clock* time (``09:00–13:00`` on
Mondays in ``Europe/Berlin``), because that is what staff and patients read. Slot
starts are laid on the wall-clock grid ``window start + n × (duration + buffer)``
and turned into real instants with :mod:`zoneinfo`:

- a start that does not exist (the hour skipped when clocks go forward) gives no
  slot;
- a start that exists twice (the hour repeated when clocks go back) is taken at
  its first occurrence (``fold=0``), always;
- a slot lasts its real duration (a 60-minute visit takes 60 minutes of real
  time) and must end by the window's end in real time;
- a slot that would overlap the previous slot of the same window (possible only
  right after a clock change) is dropped.

A window whose end is not after its start runs overnight (a PSG night:
``20:00–08:00``). All returned instants are aware datetimes in UTC.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from quietlegs._errors import SchedulingError

#: Shortest and longest visit a visit type may describe, in minutes. Ten minutes is
#: the shortest visit of any kind a clinic books; a PSG night is under 14 hours.
MIN_DURATION_MIN = 5
MAX_DURATION_MIN = 16 * 60
#: Longest buffer (cleaning, notes, setting up a device) after a visit, in minutes.
MAX_BUFFER_MIN = 4 * 60

MINUTES_PER_WEEK = 7 * 24 * 60

WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def zone(name: str | ZoneInfo) -> ZoneInfo:
    """Return the IANA time zone ``name`` (e.g. ``"Europe/Moscow"``).

    Raises
    ------
    SchedulingError
        If ``name`` is not a known IANA time zone.
    """
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SchedulingError(
            f"time_zone must be an IANA time zone name such as 'Europe/Moscow'; got {name!r}"
        ) from exc


def localize(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The real instant (UTC) of the naive wall-clock time ``wall`` in ``tz``.

    Returns ``None`` when ``wall`` does not exist in ``tz`` (skipped when the
    clocks went forward). An ambiguous time (repeated when the clocks went back)
    is taken at its first occurrence.
    """
    aware = wall.replace(tzinfo=tz, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def _wall_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """Like :func:`localize`, but a nonexistent time maps to the instant after the gap."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _check_int(name: str, value: int, low: int, high: int, unit: str) -> None:
    params = {"low": low, "high": high, "value": value, "unit": unit}
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchedulingError(
            f"{name} must be a whole number of {unit}; got {value!r}",
            code="not_a_whole_number",
            field=name,
            params={**params, "value": repr(value)},
        )
    if not low <= value <= high:
        raise SchedulingError(
            f"{name} must be between {low} and {high} {unit}; got {value}",
            code="out_of_range",
            field=name,
            params=params,
        )


# --- the rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitSpec:
    """What a kind of visit takes.

    Parameters
    ----------
    id : int
        The visit type's id.
    duration_min : int
        Length of the visit in minutes (real time).
    buffer_min : int
        Minutes kept free after each visit before the next slot of the window.
    resource_kinds : tuple of str
        Kinds of resource the visit needs one each of (e.g. ``("psg_bed",)``).
    """

    id: int
    duration_min: int
    buffer_min: int = 0
    resource_kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_int("duration_min", self.duration_min, MIN_DURATION_MIN, MAX_DURATION_MIN, "min")
        _check_int("buffer_min", self.buffer_min, 0, MAX_BUFFER_MIN, "min")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_min)

    @property
    def step(self) -> timedelta:
        """From one slot's start to the next one's on the wall-clock grid."""
        return timedelta(minutes=self.duration_min + self.buffer_min)


def _check_times(name: str, start: time, end: time) -> None:
    for label, value in (("start", start), ("end", end)):
        if not isinstance(value, time):
            raise SchedulingError(f"{name} {label} must be a time of day; got {value!r}")
        if value.tzinfo is not None:
            raise SchedulingError(
                f"{name} {label} must be a wall-clock time without a time zone; got {value}"
            )
    if start == end:
        raise SchedulingError(
            f"{name} must end at another time than it starts; got {start:%H:%M}–{end:%H:%M}"
        )


@dataclass(frozen=True)
class WeeklyWindow:
    """A clinician sees one visit type every week on ``weekday`` from ``start`` to ``end``.

    ``weekday`` is 0 for Monday to 6 for Sunday; times are the clinic's wall-clock
    times. An ``end`` not after ``start`` runs past midnight into the next day.
    """

    clinician: int
    visit_type: int
    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        _check_int("weekday", self.weekday, 0, 6, "(0 = Monday, 6 = Sunday)")
        _check_times("the availability window", self.start, self.end)

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def week_minutes(self) -> tuple[int, int]:
        """The window as minutes from Monday 00:00 (the end may pass the week's end)."""
        begin = self.weekday * 24 * 60 + _minutes(self.start)
        length = (_minutes(self.end) - _minutes(self.start)) % (24 * 60)
        return begin, begin + length

    def describe(self) -> str:
        return (
            f"{WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M}–{self.end:%H:%M}"
            f" (clinician {self.clinician}, visit type {self.visit_type})"
        )

    def as_params(self) -> dict[str, object]:
        """The window as the params of a problem (a shell words it in its language)."""
        return {
            "clinician": self.clinician,
            "visit_type": self.visit_type,
            "weekday": self.weekday,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class ExtraHours:
    """One-off extra hours: a clinician sees ``visit_type`` on ``day`` from ``start`` to ``end``."""

    clinician: int
    visit_type: int
    day: date
    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise SchedulingError(f"the extra hours' day must be a date; got {self.day!r}")
        _check_times("the extra hours", self.start, self.end)

    def describe(self) -> str:
        return (
            f"{self.day:%Y-%m-%d} {self.start:%H:%M}–{self.end:%H:%M}"
            f" (clinician {self.clinician}, visit type {self.visit_type})"
        )

    def as_params(self) -> dict[str, object]:
        """The extra hours as the params of a problem (a shell words them in its language)."""
        return {
            "clinician": self.clinician,
            "visit_type": self.visit_type,
            "day": self.day,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Closure:
    """A one-off closure: a holiday, a sick day, a device under repair.

    From ``first_day`` to ``last_day`` (inclusive), all day, or from ``start`` to
    ``end`` on each of those days. It closes the whole clinic when neither
    ``clinician`` nor ``resource`` is given, else that clinician or that resource.
    """

    first_day: date
    last_day: date
    start: time | None = None
    end: time | None = None
    clinician: int | None = None
    resource: int | None = None

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise SchedulingError(
                f"a closure must end on or after its first day; got {self.first_day} to "
                f"{self.last_day}"
            )
        if (self.start is None) != (self.end is None):
            raise SchedulingError(
                "a closure needs both a start and an end time, or neither (all day); got "
                f"start={self.start}, end={self.end}"
            )
        if self.start is not None and self.end is not None:
            _check_times("the closure", self.start, self.end)
        if self.clinician is not None and self.resource is not None:
            raise SchedulingError(
                "a closure closes the clinic, one clinician or one resource; got both "
                f"clinician {self.clinician} and resource {self.resource}"
            )

    def intervals(self, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The closure as real (UTC) intervals, one per day."""
        out = []
        day = self.first_day
        while day <= self.last_day:
            if self.start is None or self.end is None:
                begin = datetime.combine(day, time())
                finish = begin + timedelta(days=1)
            else:
                begin = datetime.combine(day, self.start)
                finish = datetime.combine(day, self.end)
                if finish <= begin:
                    finish += timedelta(days=1)
            out.append((_wall_instant(begin, tz), _wall_instant(finish, tz)))
            day += timedelta(days=1)
        return out


@dataclass(frozen=True)
class Resource:
    """A room or device of a kind (``psg_bed``, ``emg_machine``) that visits may need."""

    id: int
    kind: str


@dataclass(frozen=True)
class Slot:
    """A free, bookable time: who, what, when (UTC) and which resources it takes."""

    clinician: int
    visit_type: int
    start: datetime
    end: datetime
    resources: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """A stable text id of the slot, e.g. ``"12-3-20250330T0700Z"``."""
        return f"{self.clinician}-{self.visit_type}-{self.start.astimezone(UTC):%Y%m%dT%H%MZ}"


def parse_slot_key(key: str) -> tuple[int, int, datetime]:
    """Split a :attr:`Slot.key` into clinician, visit type and start (UTC).

    Raises
    ------
    SchedulingError
        If ``key`` is not a slot key.
    """
    parts = key.split("-") if isinstance(key, str) else []
    if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
        try:
            start = datetime.strptime(parts[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
        except ValueError:
            pass
        else:
            return int(parts[0]), int(parts[1]), start
    raise SchedulingError(
        f"slot must be a slot id like '12-3-20250330T0700Z'; got {str(key)[:60]!r}"
    )


Interval = tuple[datetime, datetime]


def _overlaps(a_start: datetime, a_end: datetime, intervals: Iterable[Interval]) -> bool:
    return any(s < a_end and a_start < e for s, e in intervals)


# --- the schedule ------------------------------------------------------------------------


class Schedule:
    """A clinic's scheduling rules in its time zone; :meth:`slots` expands them.

    Parameters
    ----------
    time_zone : str or ZoneInfo
        The clinic's IANA time zone (``"Europe/Moscow"``).
    visit_types : iterable of VisitSpec
        Every visit type a window or extra hours refer to.
    windows : iterable of WeeklyWindow
        Weekly availability. Two windows of one clinician must not overlap.
    extra_hours : iterable of ExtraHours
        One-off extra availability; must not overlap the clinician's weekly
        windows or other extra hours.
    closures : iterable of Closure
        Holidays, sick days, resources out of service.
    resources : iterable of Resource
        The clinic's rooms and devices.

    Raises
    ------
    SchedulingError
        On overlapping availability (the message names both windows), an unknown
        time zone, or a window for a visit type not given.
    """

    def __init__(
        self,
        time_zone: str | ZoneInfo,
        visit_types: Iterable[VisitSpec],
        windows: Iterable[WeeklyWindow] = (),
        extra_hours: Iterable[ExtraHours] = (),
        closures: Iterable[Closure] = (),
        resources: Iterable[Resource] = (),
    ) -> None:
        self.tz = zone(time_zone)
        self._visits = {v.id: v for v in visit_types}
        self.windows = tuple(windows)
        self.extra_hours = tuple(extra_hours)
        self.closures = tuple(closures)
        self.resources = tuple(sorted(resources, key=lambda r: r.id))
        items: tuple[WeeklyWindow | ExtraHours, ...] = (*self.windows, *self.extra_hours)
        for item in items:
            if item.visit_type not in self._visits:
                raise SchedulingError(
                    f"visit_type must be one of {sorted(self._visits)}; got {item.visit_type} "
                    f"in {item.describe()}"
                )
        check_no_overlap(self.windows, self.extra_hours)

    def visit(self, visit_type: int) -> VisitSpec:
        """The :class:`VisitSpec` of ``visit_type``."""
        if visit_type not in self._visits:
            raise SchedulingError(
                f"visit_type must be one of {sorted(self._visits)}; got {visit_type!r}"
            )
        return self._visits[visit_type]

    def slots(
        self,
        first_day: date,
        last_day: date,
        *,
        clinician_busy: Mapping[int, Sequence[Interval]] | None = None,
        resource_busy: Mapping[int, Sequence[Interval]] | None = None,
        not_before: datetime | None = None,
        clinician: int | None = None,
        visit_type: int | None = None,
    ) -> list[Slot]:
        """The free slots starting (clinic's local date) from ``first_day`` to ``last_day``.

        Parameters
        ----------
        first_day, last_day : date
            Inclusive range of local dates on which slots start.
        clinician_busy, resource_busy : mapping of id to list of (start, end)
            Intervals already taken (booked appointments), aware datetimes.
        not_before : datetime, optional
            Drop slots starting before this instant (now, plus any lead time).
        clinician, visit_type : int, optional
            Only this clinician's or this visit type's slots.

        Returns
        -------
        list of Slot
            Ordered by start, then clinician, then visit type.
        """
        if last_day < first_day:
            raise SchedulingError(
                f"last_day must be on or after first_day; got {first_day} to {last_day}"
            )
        if not_before is not None and not_before.tzinfo is None:
            raise SchedulingError(f"not_before must be timezone-aware; got {not_before}")
        clinician_busy = clinician_busy or {}
        blocked_resources: dict[int, list[Interval]] = defaultdict(list)
        for rid, intervals in (resource_busy or {}).items():
            blocked_resources[rid].extend(intervals)
        clinic_closed: list[Interval] = []
        clinician_closed: dict[int, list[Interval]] = defaultdict(list)
        for closure in self.closures:
            if closure.last_day < first_day - timedelta(days=1) or closure.first_day > last_day:
                continue
            spans = closure.intervals(self.tz)
            if closure.resource is not None:
                blocked_resources[closure.resource].extend(spans)
            elif closure.clinician is not None:
                clinician_closed[closure.clinician].extend(spans)
            else:
                clinic_closed.extend(spans)

        out: list[Slot] = []
        for who, what, wall_start, wall_end in self._occurrences(first_day, last_day):
            if (clinician is not None and who != clinician) or (
                visit_type is not None and what != visit_type
            ):
                continue
            spec = self._visits[what]
            busy = [*clinician_busy.get(who, ()), *clinician_closed.get(who, ()), *clinic_closed]
            for start, end in self._grid(spec, wall_start, wall_end):
                local_day = start.astimezone(self.tz).date()
                if not first_day <= local_day <= last_day:
                    continue
                if not_before is not None and start < not_before:
                    continue
                if _overlaps(start, end, busy):
                    continue
                chosen = self._pick_resources(spec, start, end, blocked_resources)
                if chosen is None:
                    continue
                out.append(Slot(who, what, start, end, chosen))
        out.sort(key=lambda s: (s.start, s.clinician, s.visit_type))
        return out

    def _occurrences(
        self, first_day: date, last_day: date
    ) -> Iterable[tuple[int, int, datetime, datetime]]:
        """Every window (weekly or extra) as (clinician, visit type, wall start, wall end)."""
        day = first_day - timedelta(days=1)  # yesterday's overnight windows reach today
        while day <= last_day:
            for w in self.windows:
                if w.weekday == day.weekday():
                    yield w.clinician, w.visit_type, *_wall_span(day, w.start, w.end)
            day += timedelta(days=1)
        for x in self.extra_hours:
            if first_day - timedelta(days=1) <= x.day <= last_day:
                yield x.clinician, x.visit_type, *_wall_span(x.day, x.start, x.end)

    def _grid(
        self, spec: VisitSpec, wall_start: datetime, wall_end: datetime
    ) -> Iterable[Interval]:
        """The slots of one window occurrence (see the module docstring for DST rules)."""
        window_end = _wall_instant(wall_end, self.tz)
        previous_free_at: datetime | None = None
        wall = wall_start
        while wall < wall_end:
            start = localize(wall, self.tz)
            wall += spec.step
            if start is None:  # skipped by the clocks going forward
                continue
            end = start + spec.duration
            if end > window_end:
                break
            if previous_free_at is not None and start < previous_free_at:
                continue  # would overlap the previous slot after a clock change
            previous_free_at = end + timedelta(minutes=spec.buffer_min)
            yield start, end

    def _pick_resources(
        self,
        spec: VisitSpec,
        start: datetime,
        end: datetime,
        blocked: Mapping[int, Sequence[Interval]],
    ) -> tuple[int, ...] | None:
        """One free resource of each kind the visit needs (lowest id), or None."""
        chosen: list[int] = []
        for kind in spec.resource_kinds:
            free = next(
                (
                    r.id
                    for r in self.resources
                    if r.kind == kind
                    and r.id not in chosen
                    and not _overlaps(start, end, blocked.get(r.id, ()))
                ),
                None,
            )
            if free is None:
                return None
            chosen.append(free)
        return tuple(chosen)


def _wall_span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, start)
    finish = datetime.combine(day, end)
    if finish <= begin:
        finish += timedelta(days=1)
    return begin, finish


def check_no_overlap(
    windows: Iterable[WeeklyWindow], extra_hours: Iterable[ExtraHours] = ()
) -> None:
    """Refuse availability where one clinician would be in two places at once.

    Raises
    ------
    SchedulingError
        Naming the first two overlapping windows found.
    """
    by_clinician: dict[int, list[WeeklyWindow]] = defaultdict(list)
    for w in windows:
        by_clinician[w.clinician].append(w)
    for items in by_clinician.values():
        for a, b in itertools.combinations(items, 2):
            if _week_overlap(a, b):
                raise SchedulingError(
                    f"availability windows overlap: {a.describe()} and {b.describe()}; "
                    "a clinician can be in one place at a time",
                    code="overlap",
                    params={"first": a.as_params(), "second": b.as_params()},
                )
    extras = list(extra_hours)
    for i, x in enumerate(extras):
        x_start, x_end = _wall_span(x.day, x.start, x.end)
        for y in extras[i + 1 :]:
            if y.clinician == x.clinician:
                y_start, y_end = _wall_span(y.day, y.start, y.end)
                if y_start < x_end and x_start < y_end:
                    raise SchedulingError(
                        f"extra hours overlap: {x.describe()} and {y.describe()}; "
                        "a clinician can be in one place at a time",
                        code="overlap",
                        params={"first": x.as_params(), "second": y.as_params()},
                    )
        for w in by_clinician.get(x.clinician, ()):
            for day in (x.day - timedelta(days=1), x.day, x.day + timedelta(days=1)):
                if w.weekday != day.weekday():
                    continue
                w_start, w_end = _wall_span(day, w.start, w.end)
                if w_start < x_end and x_start < w_end:
                    raise SchedulingError(
                        f"extra hours {x.describe()} overlap the weekly window "
                        f"{w.describe()}; a clinician can be in one place at a time",
                        code="overlap",
                        params={"first": x.as_params(), "second": w.as_params()},
                    )


def _week_overlap(a: WeeklyWindow, b: WeeklyWindow) -> bool:
    a0, a1 = a.week_minutes()
    b0, b1 = b.week_minutes()
    # a window running past Sunday midnight also overlaps the next Monday
    return any(
        b0 + shift < a1 and a0 < b1 + shift for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK)
    )
