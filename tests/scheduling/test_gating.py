"""Booking gated by urgency: emergency -> no calendar; urgent -> earliest first or urgent care."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quietlegs.scheduling import (
    URGENT_OFFERED_SLOTS,
    URGENT_WINDOW_H,
    Gate,
    SchedulingError,
    Slot,
    gate_booking,
)

NOW = datetime(2025, 3, 31, 8, 0, tzinfo=UTC)


def slot_in(hours: float, clinician: int = 1) -> Slot:
    start = NOW + timedelta(hours=hours)
    return Slot(clinician, 1, start, start + timedelta(minutes=45))


def test_the_urgent_window_is_the_knowledge_bases_48_hours() -> None:
    assert URGENT_WINDOW_H == 48


def test_emergency_gets_no_calendar_whatever_is_free() -> None:
    offer = gate_booking("emergency", [slot_in(1), slot_in(2)], NOW)
    assert offer.gate is Gate.EMERGENCY
    assert offer.slots == offer.first == ()


def test_urgent_offers_the_earliest_slots_first() -> None:
    later, soonest, soon = slot_in(30), slot_in(3, clinician=2), slot_in(20)
    offer = gate_booking("urgent", [later, soonest, soon, slot_in(100)], NOW)
    assert offer.gate is Gate.EARLIEST_FIRST
    assert offer.first == (soonest, soon, later)
    assert offer.slots[0] is soonest
    assert len(offer.slots) == 4


def test_urgent_offers_at_most_a_handful_first() -> None:
    offer = gate_booking("urgent", [slot_in(h) for h in range(1, 20)], NOW)
    assert [s.start for s in offer.first] == [slot_in(h).start for h in range(1, 6)]
    assert len(offer.first) == URGENT_OFFERED_SLOTS


def test_urgent_with_nothing_within_48_hours_goes_to_urgent_care() -> None:
    offer = gate_booking("urgent", [slot_in(48), slot_in(72)], NOW)
    assert offer.gate is Gate.URGENT_CARE
    assert offer.first == ()
    assert [s.start for s in offer.slots] == [slot_in(48).start, slot_in(72).start]
    assert gate_booking("urgent", [], NOW).gate is Gate.URGENT_CARE
    assert gate_booking("urgent", [slot_in(47.9)], NOW).gate is Gate.EARLIEST_FIRST


@pytest.mark.parametrize("urgency", ["routine", "self_care", None])
def test_routine_self_care_and_no_assessment_get_the_calendar_in_order(
    urgency: str | None,
) -> None:
    offer = gate_booking(urgency, [slot_in(5), slot_in(1)], NOW)
    assert offer.gate is Gate.CALENDAR
    assert [s.start for s in offer.slots] == [slot_in(1).start, slot_in(5).start]
    assert offer.first == ()


def test_bad_urgency_and_naive_now_are_refused() -> None:
    with pytest.raises(SchedulingError, match=r"urgency must be one of 'emergency'.*got 'soon'"):
        gate_booking("soon", [], NOW)
    with pytest.raises(SchedulingError, match="now must be timezone-aware"):
        gate_booking("urgent", [], NOW.replace(tzinfo=None))


@given(st.lists(st.floats(0, 24 * 14, allow_nan=False), max_size=30))
def test_urgent_first_slots_are_the_earliest_within_the_window(hours: list[float]) -> None:
    slots = [slot_in(h, clinician=i) for i, h in enumerate(hours)]
    offer = gate_booking("urgent", slots, NOW)
    within = sorted(
        (s for s in slots if s.start < NOW + timedelta(hours=48)),
        key=lambda s: (s.start, s.clinician),
    )
    assert list(offer.first) == within[:URGENT_OFFERED_SLOTS]
    assert offer.gate is (Gate.EARLIEST_FIRST if within else Gate.URGENT_CARE)
    assert sorted(offer.slots, key=lambda s: s.start) == list(offer.slots)
