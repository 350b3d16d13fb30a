"""The treatment timeline (treatment groups with start, change and stop dates) and lab
results over time.

A :class:`TreatmentPeriod` names a treatment group of the knowledge base (e.g.
``dopamine_agonists_non_ergot``), never a dose. Whether it is dopaminergic (so the
diary watches for augmentation) and whether patients may record it themselves
(over-the-counter) come from the knowledge base's ``timeline`` field; use
:func:`treatment_period` to make one from the knowledge base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from quietlegs._errors import DiaryError, Problem
from quietlegs.diary._clock import latest_today

if TYPE_CHECKING:
    from quietlegs.knowledge import KnowledgeBase

EventKind = Literal["start", "change", "stop"]
#: Order of events on the same day (a switch stops one treatment and starts another).
_KIND_ORDER: dict[str, int] = {"stop": 0, "change": 1, "start": 2}


@dataclass(frozen=True, kw_only=True)
class TreatmentPeriod:
    """One treatment group taken over a period, with the days it was changed.

    Parameters
    ----------
    treatment_id : str
        A knowledge-base treatment id with a ``timeline`` (see :func:`treatment_period`).
    start : datetime.date
        The first day on the treatment.
    stop : datetime.date | None
        The last day on it (``None``: still taken).
    changes : tuple of datetime.date
        Days the treatment was changed (amount, timing or product; no doses are
        recorded), after ``start`` and not after ``stop``.
    dopaminergic : bool
        A dopaminergic medicine (the diary then watches for augmentation).
    over_the_counter : bool
        Bought without a prescription.

    Raises
    ------
    DiaryError
        For dates in the future (later than the date at UTC+14: the caller checks today
        in the patient's own time zone), a stop before the start, or changes outside the
        period.
    """

    treatment_id: str
    start: dt.date
    stop: dt.date | None = None
    changes: tuple[dt.date, ...] = field(default_factory=tuple)
    dopaminergic: bool = False
    over_the_counter: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.changes, (list, set, frozenset)):
            object.__setattr__(self, "changes", tuple(sorted(self.changes)))
        problems: list[Problem] = []
        label = f"treatment {self.treatment_id!r}"

        def add(code: str, field: str, message: str, **params: Any) -> None:
            params.setdefault("treatment", self.treatment_id)
            problems.append(Problem(code, message, field, None, params))

        if not isinstance(self.treatment_id, str) or not self.treatment_id:
            message = f"treatment_id must be a knowledge-base id; got {self.treatment_id!r}"
            add("unknown_treatment", "treatment_id", message, value=repr(self.treatment_id))
        today = latest_today()  # the caller checks today in the patient's time zone
        if not _is_date(self.start):
            message = f"{label}: start must be a date; got {self.start!r}"
            add("wrong_type", "start", message, expected="date", value=repr(self.start))
        elif self.start > today:
            message = f"{label}: start {self.start.isoformat()} is in the future"
            add("day_in_future", "start", message, day=self.start, today=today)
        if self.stop is not None:
            if not _is_date(self.stop):
                message = f"{label}: stop must be a date; got {self.stop!r}"
                add("wrong_type", "stop", message, expected="date", value=repr(self.stop))
            elif self.stop > today:
                message = f"{label}: stop {self.stop.isoformat()} is in the future"
                add("day_in_future", "stop", message, day=self.stop, today=today)
            elif _is_date(self.start) and self.stop < self.start:
                message = (
                    f"{label}: stop {self.stop.isoformat()} is before start "
                    f"{self.start.isoformat()}"
                )
                add("stop_before_start", "stop", message, stop=self.stop, start=self.start)
        if not isinstance(self.changes, tuple) or not all(_is_date(c) for c in self.changes):
            message = f"{label}: changes must be a list of dates"
            add("wrong_type", "changes", message, expected="dates", value=repr(self.changes))
        elif _is_date(self.start):
            if len(set(self.changes)) != len(self.changes):
                add("change_twice", "changes", f"{label}: the same change day is given twice")
            for change in self.changes:
                if change <= self.start:
                    message = (
                        f"{label}: change {change.isoformat()} is not after start "
                        f"{self.start.isoformat()}"
                    )
                    add("change_not_after_start", "changes", message, day=change, start=self.start)
                elif self.stop is not None and _is_date(self.stop) and change > self.stop:
                    message = (
                        f"{label}: change {change.isoformat()} is after stop "
                        f"{self.stop.isoformat()}"
                    )
                    add("change_after_stop", "changes", message, day=change, stop=self.stop)
                elif change > today:
                    message = f"{label}: change {change.isoformat()} is in the future"
                    add("day_in_future", "changes", message, day=change, today=today)
        for name in ("dopaminergic", "over_the_counter"):
            if not isinstance(getattr(self, name), bool):
                message = f"{label}: {name} must be true or false"
                add(
                    "wrong_type", name, message, expected="boolean", value=repr(getattr(self, name))
                )
        if problems:
            raise DiaryError(problems)
        if self.changes != tuple(sorted(self.changes)):
            object.__setattr__(self, "changes", tuple(sorted(self.changes)))

    def active_on(self, day: dt.date) -> bool:
        """Whether the treatment was taken on ``day``."""
        return self.start <= day and (self.stop is None or day <= self.stop)

    def events(self) -> list[TreatmentEvent]:
        """The start, each change and the stop, as events (see :class:`TreatmentEvent`)."""
        out = [TreatmentEvent(self.start, "start", self.treatment_id, self.dopaminergic)]
        out += [
            TreatmentEvent(c, "change", self.treatment_id, self.dopaminergic) for c in self.changes
        ]
        if self.stop is not None:
            out.append(
                TreatmentEvent(
                    self.stop + dt.timedelta(days=1), "stop", self.treatment_id, self.dopaminergic
                )
            )
        return out


def _is_date(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


@dataclass(frozen=True)
class TreatmentEvent:
    """A day the treatment changed.

    Attributes
    ----------
    day : datetime.date
        The first day of the new regime: the start day, the change day, or the day
        after the last day on a stopped treatment.
    kind : {"start", "change", "stop"}
    treatment_id : str
    dopaminergic : bool
    """

    day: dt.date
    kind: EventKind
    treatment_id: str
    dopaminergic: bool = False


def treatment_events(periods: Iterable[TreatmentPeriod]) -> list[TreatmentEvent]:
    """Every start, change and stop of ``periods``, in date order.

    Parameters
    ----------
    periods : iterable of TreatmentPeriod

    Returns
    -------
    events : list of TreatmentEvent
        By day; on one day, stops before changes before starts.
    """
    events = [e for p in periods for e in p.events()]
    return sorted(events, key=lambda e: (e.day, _KIND_ORDER[e.kind], e.treatment_id))


def timeline_treatments(kb: KnowledgeBase) -> list[str]:
    """The knowledge base's treatments that may be recorded in a timeline.

    Parameters
    ----------
    kb : KnowledgeBase

    Returns
    -------
    ids : list of str
        In knowledge-base order.
    """
    return [t.id for t in kb.treatments.values() if t.timeline is not None]


def treatment_period(
    kb: KnowledgeBase,
    treatment_id: str,
    start: dt.date,
    stop: dt.date | None = None,
    changes: Sequence[dt.date] = (),
) -> TreatmentPeriod:
    """Make a :class:`TreatmentPeriod` with its flags read from the knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase
        The knowledge base.
    treatment_id : str
        A treatment id whose item has a ``timeline``.
    start, stop, changes
        As in :class:`TreatmentPeriod`.

    Returns
    -------
    period : TreatmentPeriod

    Raises
    ------
    DiaryError
        If the id is not a treatment that can be recorded, or the dates are impossible.
    """
    item = kb.treatments.get(treatment_id)
    if item is None or item.timeline is None:
        allowed = ", ".join(timeline_treatments(kb))
        message = (
            f"treatment_id {treatment_id!r} is not a treatment that can be recorded; "
            f"allowed: {allowed}"
        )
        params = {"value": repr(treatment_id), "treatment": treatment_id}
        raise DiaryError([Problem("unknown_treatment", message, "treatment_id", None, params)])
    return TreatmentPeriod(
        treatment_id=treatment_id,
        start=start,
        stop=stop,
        changes=tuple(changes),
        dopaminergic=item.timeline.dopaminergic,
        over_the_counter=item.timeline.over_the_counter,
    )


@dataclass(frozen=True)
class LabValue:
    """A laboratory result on a day (e.g. ferritin in ng/mL).

    Attributes
    ----------
    test_id : str
        The knowledge-base question id of the test (e.g. ``ferritin_ng_ml``).
    day : datetime.date
        The date of the sample.
    value : float
        The result, in the unit of the knowledge-base question.
    """

    test_id: str
    day: dt.date
    value: float


def lab_series(values: Iterable[LabValue]) -> dict[str, list[LabValue]]:
    """Lab results grouped by test, each test's results oldest first.

    Parameters
    ----------
    values : iterable of LabValue

    Returns
    -------
    series : dict of str to list of LabValue
        Tests in the order of their first result.
    """
    out: dict[str, list[LabValue]] = {}
    for v in sorted(values, key=lambda v: v.day):
        out.setdefault(v.test_id, []).append(v)
    return out
