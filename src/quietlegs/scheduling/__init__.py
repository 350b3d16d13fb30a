"""Appointment scheduling rules: availability -> slots, and booking gated by urgency.

Pure Python (no Django, no database, no clock): the web app's ``scheduling`` app
stores the rules and bookings and calls these functions. See ``docs/clinic.md``.
"""

from __future__ import annotations

from quietlegs._errors import SchedulingError, SlotUnavailableError
from quietlegs.scheduling.gating import (
    URGENT_OFFERED_SLOTS,
    URGENT_WINDOW_H,
    BookingOffer,
    Gate,
    gate_booking,
)
from quietlegs.scheduling.slots import (
    Closure,
    ExtraHours,
    Resource,
    Schedule,
    Slot,
    VisitSpec,
    WeeklyWindow,
    check_no_overlap,
    localize,
    parse_slot_key,
    zone,
)

__all__ = [
    "URGENT_OFFERED_SLOTS",
    "URGENT_WINDOW_H",
    "BookingOffer",
    "Closure",
    "ExtraHours",
    "Gate",
    "Resource",
    "Schedule",
    "SchedulingError",
    "Slot",
    "SlotUnavailableError",
    "VisitSpec",
    "WeeklyWindow",
    "check_no_overlap",
    "gate_booking",
    "localize",
    "parse_slot_key",
    "zone",
]
