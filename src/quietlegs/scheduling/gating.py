"""Booking gated by the assessment's urgency: who gets a calendar, and what comes first.

- ``emergency``: no calendar at all; the emergency screen (call the emergency number).
- ``urgent``: the earliest slots first. When none starts within
  :data:`URGENT_WINDOW_H` hours the patient is told to go to urgent care (the later
  slots stay bookable as a follow-up).
- ``routine`` and ``self_care`` (or no assessment given): the ordinary calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from quietlegs._errors import SchedulingError
from quietlegs.knowledge.schema import URGENCY_LEVELS
from quietlegs.scheduling.slots import Slot

#: An ``urgent`` result must be seen within this many hours, else urgent care. The
#: knowledge base defines the level as "Urgent: see a doctor within 24–48 hours"
#: (``knowledge/data/meta.yaml``, ``urgency_urgent``); 48 h is the outer bound of that
#: promise, so a clinic slot later than that would break it.
URGENT_WINDOW_H = 48

#: How many of the earliest slots an urgent patient is offered at the top of the page.
URGENT_OFFERED_SLOTS = 5


class Gate(StrEnum):
    """What the booking page shows."""

    EMERGENCY = "emergency"  #: the emergency screen, no calendar
    URGENT_CARE = "urgent_care"  #: go to urgent care now; later slots below
    EARLIEST_FIRST = "earliest_first"  #: the earliest slots offered first
    CALENDAR = "calendar"  #: the ordinary calendar


@dataclass(frozen=True)
class BookingOffer:
    """The gate and the slots to show, in the order to show them.

    Attributes
    ----------
    gate : Gate
        What the page shows.
    first : tuple of Slot
        Slots to offer first (urgent: the earliest within the window).
    slots : tuple of Slot
        Every bookable slot, earliest first (empty for an emergency).
    """

    gate: Gate
    first: tuple[Slot, ...]
    slots: tuple[Slot, ...]


def gate_booking(urgency: str | None, slots: Iterable[Slot], now: datetime) -> BookingOffer:
    """Decide what a patient whose latest assessment has ``urgency`` may book.

    Parameters
    ----------
    urgency : str or None
        One of the knowledge base's urgency levels (``emergency``, ``urgent``,
        ``routine``, ``self_care``), or None when there is no assessment.
    slots : iterable of Slot
        The free slots (any order).
    now : datetime
        The current instant (timezone-aware).

    Returns
    -------
    BookingOffer

    Raises
    ------
    SchedulingError
        If ``urgency`` is not a known level or ``now`` is naive.
    """
    if urgency is not None and urgency not in URGENCY_LEVELS:
        options = ", ".join(repr(u) for u in URGENCY_LEVELS)
        raise SchedulingError(f"urgency must be one of {options} or None; got {urgency!r}")
    if now.tzinfo is None:
        raise SchedulingError(f"now must be timezone-aware; got {now}")
    if urgency == "emergency":
        return BookingOffer(Gate.EMERGENCY, (), ())
    ordered = tuple(sorted(slots, key=lambda s: (s.start, s.clinician, s.visit_type)))
    if urgency != "urgent":
        return BookingOffer(Gate.CALENDAR, (), ordered)
    limit = now + timedelta(hours=URGENT_WINDOW_H)
    soon = tuple(s for s in ordered if now <= s.start < limit)
    if not soon:
        return BookingOffer(Gate.URGENT_CARE, (), ordered)
    return BookingOffer(Gate.EARLIEST_FIRST, soon[:URGENT_OFFERED_SLOTS], ordered)
