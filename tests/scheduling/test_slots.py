"""Availability expansion: grids, buffers, exceptions, resources, overlaps and clock changes."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quietlegs.scheduling import (
    Closure,
    ExtraHours,
    Resource,
    Schedule,
    SchedulingError,
    Slot,
    VisitSpec,
    WeeklyWindow,
    check_no_overlap,
    localize,
    parse_slot_key,
)

BERLIN = "Europe/Berlin"
MOSCOW = "Europe/Moscow"
#: Sunday 30 March 2025: Berlin's clocks go from 02:00 to 03:00.
SPRING_FORWARD = date(2025, 3, 30)
#: Sunday 26 October 2025: Berlin's clocks go from 03:00 back to 02:00.
FALL_BACK = date(2025, 10, 26)
MONDAY = date(2025, 3, 31)

CONSULT = VisitSpec(1, duration_min=45, buffer_min=15)
HOUR = VisitSpec(2, duration_min=60)
EMG = VisitSpec(3, duration_min=60, resource_kinds=("emg_machine",))
PSG = VisitSpec(4, duration_min=600, resource_kinds=("psg_bed",))
VISITS = (CONSULT, HOUR, EMG, PSG)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(slots: list[Slot]) -> list[datetime]:
    return [s.start for s in slots]


def weekly(
    weekday: int, start: str, end: str, visit: VisitSpec = CONSULT, clinician: int = 7
) -> WeeklyWindow:
    return WeeklyWindow(
        clinician, visit.id, weekday, time.fromisoformat(start), time.fromisoformat(end)
    )


# --- the grid ----------------------------------------------------------------------------


def test_duration_and_buffer_lay_the_grid_and_the_last_slot_ends_in_the_window() -> None:
    schedule = Schedule(MOSCOW, VISITS, [weekly(0, "09:00", "12:00")])
    slots = schedule.slots(MONDAY, MONDAY)
    # Moscow is UTC+3 all year: 09:00, 10:00, 11:00 local (45 min + 15 min buffer)
    assert starts(slots) == [utc(2025, 3, 31, 6), utc(2025, 3, 31, 7), utc(2025, 3, 31, 8)]
    assert all(s.end - s.start == timedelta(minutes=45) for s in slots)
    assert {(s.clinician, s.visit_type, s.resources) for s in slots} == {(7, 1, ())}


def test_a_slot_that_would_end_after_the_window_is_not_offered() -> None:
    visit = VisitSpec(1, duration_min=30, buffer_min=10)
    schedule = Schedule(MOSCOW, [visit], [weekly(0, "09:00", "11:00", visit)])
    local = [
        s.start.astimezone(ZoneInfo(MOSCOW)).strftime("%H:%M")
        for s in schedule.slots(MONDAY, MONDAY)
    ]
    assert local == ["09:00", "09:40", "10:20"]  # 11:00 would end at 11:30


def test_only_the_weekday_of_the_window_and_the_range_asked() -> None:
    schedule = Schedule(MOSCOW, VISITS, [weekly(2, "09:00", "10:00")])  # Wednesdays
    slots = schedule.slots(date(2025, 3, 31), date(2025, 4, 13))
    assert [s.start.date() for s in slots] == [date(2025, 4, 2), date(2025, 4, 9)]
    assert schedule.slots(date(2025, 4, 3), date(2025, 4, 8)) == []


def test_filters_by_clinician_visit_type_and_not_before() -> None:
    schedule = Schedule(
        MOSCOW,
        VISITS,
        [weekly(0, "09:00", "12:00", clinician=7), weekly(0, "09:00", "11:00", HOUR, 8)],
    )
    assert len(schedule.slots(MONDAY, MONDAY)) == 5
    assert {s.clinician for s in schedule.slots(MONDAY, MONDAY, clinician=8)} == {8}
    assert {s.visit_type for s in schedule.slots(MONDAY, MONDAY, visit_type=1)} == {1}
    later = schedule.slots(MONDAY, MONDAY, not_before=utc(2025, 3, 31, 6, 30))
    assert starts(later) == [utc(2025, 3, 31, 7), utc(2025, 3, 31, 7), utc(2025, 3, 31, 8)]
    with pytest.raises(SchedulingError, match="not_before must be timezone-aware"):
        schedule.slots(MONDAY, MONDAY, not_before=datetime(2025, 3, 31, 6))
    with pytest.raises(SchedulingError, match="last_day must be on or after first_day"):
        schedule.slots(MONDAY, MONDAY - timedelta(days=1))


def test_booked_intervals_take_their_slots_away() -> None:
    schedule = Schedule(MOSCOW, VISITS, [weekly(0, "09:00", "12:00")])
    busy = {7: [(utc(2025, 3, 31, 7), utc(2025, 3, 31, 7, 45))]}
    assert starts(schedule.slots(MONDAY, MONDAY, clinician_busy=busy)) == [
        utc(2025, 3, 31, 6),
        utc(2025, 3, 31, 8),
    ]
    # someone else's bookings change nothing
    other = {8: [(utc(2025, 3, 31, 6), utc(2025, 3, 31, 9))]}
    assert len(schedule.slots(MONDAY, MONDAY, clinician_busy=other)) == 3


# --- time zones and clock changes --------------------------------------------------------


def test_moscow_has_no_clock_change_on_berlins_spring_forward_night() -> None:
    schedule = Schedule(MOSCOW, VISITS, [weekly(6, "01:00", "05:00", HOUR)])
    slots = schedule.slots(SPRING_FORWARD, SPRING_FORWARD)
    # 01:00 to 04:00 local, every hour, all UTC+3
    assert starts(slots) == [
        utc(2025, 3, 29, 22),
        utc(2025, 3, 29, 23),
        utc(2025, 3, 30, 0),
        utc(2025, 3, 30, 1),
    ]
    assert {s.start.astimezone(ZoneInfo(MOSCOW)).utcoffset() for s in slots} == {timedelta(hours=3)}


def test_berlin_spring_forward_skips_the_slot_at_a_time_that_does_not_exist() -> None:
    schedule = Schedule(BERLIN, VISITS, [weekly(6, "01:00", "05:00", HOUR)])
    slots = schedule.slots(SPRING_FORWARD, SPRING_FORWARD)
    # 01:00 CET, (02:00 does not exist), 03:00 CEST, 04:00 CEST ending at 05:00 CEST
    assert starts(slots) == [utc(2025, 3, 30, 0), utc(2025, 3, 30, 1), utc(2025, 3, 30, 2)]
    wall = [s.start.astimezone(ZoneInfo(BERLIN)).strftime("%H:%M %Z") for s in slots]
    assert wall == ["01:00 CET", "03:00 CEST", "04:00 CEST"]


def test_berlin_fall_back_takes_the_repeated_hour_once_at_its_first_occurrence() -> None:
    schedule = Schedule(BERLIN, VISITS, [weekly(6, "01:00", "05:00", HOUR)])
    slots = schedule.slots(FALL_BACK, FALL_BACK)
    assert starts(slots) == [
        utc(2025, 10, 25, 23),  # 01:00 CEST
        utc(2025, 10, 26, 0),  # 02:00 CEST: the first 02:00
        utc(2025, 10, 26, 2),  # 03:00 CET
        utc(2025, 10, 26, 3),  # 04:00 CET
    ]
    assert slots[1].start.astimezone(ZoneInfo(BERLIN)).utcoffset() == timedelta(hours=2)


def test_a_slot_that_would_overlap_the_previous_one_after_the_jump_is_dropped() -> None:
    visit = VisitSpec(5, duration_min=45)
    schedule = Schedule(BERLIN, [visit], [weekly(6, "01:00", "06:00", visit)])
    # 01:00 and 01:45 CET; 02:30 does not exist; 03:15 CEST (01:15 UTC) would start
    # before 01:45 CET's end (01:30 UTC); then 04:00 and 04:45 CEST
    assert starts(schedule.slots(SPRING_FORWARD, SPRING_FORWARD)) == [
        utc(2025, 3, 30, 0),
        utc(2025, 3, 30, 0, 45),
        utc(2025, 3, 30, 2),
        utc(2025, 3, 30, 2, 45),
    ]


def test_an_overnight_psg_window_across_the_clock_change() -> None:
    beds = [Resource(1, "psg_bed")]
    saturday = weekly(5, "20:00", "08:00", PSG)
    schedule = Schedule(BERLIN, VISITS, [saturday], resources=beds)
    night = schedule.slots(SPRING_FORWARD - timedelta(days=1), SPRING_FORWARD)
    # 20:00 CET Saturday, ten real hours: 07:00 CEST on Sunday, inside the window
    assert [(s.start, s.end, s.resources) for s in night] == [
        (utc(2025, 3, 29, 19), utc(2025, 3, 30, 5), (1,))
    ]
    # the slot belongs to the day it starts on
    assert schedule.slots(SPRING_FORWARD, SPRING_FORWARD) == []
    autumn = schedule.slots(FALL_BACK - timedelta(days=1), FALL_BACK - timedelta(days=1))
    assert [(s.start, s.end) for s in autumn] == [(utc(2025, 10, 25, 18), utc(2025, 10, 26, 4))]


def test_localize() -> None:
    berlin = ZoneInfo(BERLIN)
    assert localize(datetime(2025, 3, 30, 2, 30), berlin) is None
    assert localize(datetime(2025, 10, 26, 2, 30), berlin) == utc(2025, 10, 26, 0, 30)
    assert localize(datetime(2025, 7, 1, 12), ZoneInfo(MOSCOW)) == utc(2025, 7, 1, 9)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(SchedulingError, match=r"IANA time zone name .*got 'Mars/Olympus'"):
        Schedule("Mars/Olympus", VISITS)


# --- exceptions --------------------------------------------------------------------------


def test_a_clinic_holiday_closes_every_clinician_all_day() -> None:
    windows = [weekly(0, "09:00", "12:00", clinician=7), weekly(0, "09:00", "12:00", HOUR, 8)]
    holiday = Closure(MONDAY, MONDAY)
    schedule = Schedule(MOSCOW, VISITS, windows, closures=[holiday])
    assert schedule.slots(MONDAY, MONDAY) == []
    assert len(schedule.slots(MONDAY + timedelta(days=7), MONDAY + timedelta(days=7))) == 6


def test_a_sick_day_closes_one_clinician_over_several_days() -> None:
    windows = [weekly(0, "09:00", "12:00", clinician=7), weekly(0, "09:00", "12:00", HOUR, 8)]
    sick = Closure(MONDAY, MONDAY + timedelta(days=7), clinician=7)
    schedule = Schedule(MOSCOW, VISITS, windows, closures=[sick])
    for monday in (MONDAY, MONDAY + timedelta(days=7)):
        assert {s.clinician for s in schedule.slots(monday, monday)} == {8}
    assert {
        s.clinician for s in schedule.slots(MONDAY + timedelta(14), MONDAY + timedelta(14))
    } == {
        7,
        8,
    }


def test_a_closure_for_part_of_a_day_removes_only_the_slots_it_touches() -> None:
    meeting = Closure(MONDAY, MONDAY, time(10, 30), time(11, 0), clinician=7)
    schedule = Schedule(MOSCOW, VISITS, [weekly(0, "09:00", "12:00")], closures=[meeting])
    # 10:00–10:45 overlaps 10:30–11:00; 11:00–11:45 only touches it
    assert starts(schedule.slots(MONDAY, MONDAY)) == [utc(2025, 3, 31, 6), utc(2025, 3, 31, 8)]


def test_extra_hours_add_slots_on_their_day_only() -> None:
    extra = ExtraHours(7, CONSULT.id, date(2025, 4, 5), time(10), time(12))  # a Saturday
    schedule = Schedule(MOSCOW, VISITS, [weekly(0, "09:00", "12:00")], extra_hours=[extra])
    assert starts(schedule.slots(date(2025, 4, 5), date(2025, 4, 5))) == [
        utc(2025, 4, 5, 7),
        utc(2025, 4, 5, 8),
    ]
    assert schedule.slots(date(2025, 4, 12), date(2025, 4, 12)) == []


def test_closure_rules_are_checked() -> None:
    with pytest.raises(SchedulingError, match="must end on or after its first day"):
        Closure(MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(SchedulingError, match="both a start and an end time, or neither"):
        Closure(MONDAY, MONDAY, start=time(9))
    with pytest.raises(SchedulingError, match="got both clinician 7 and resource 1"):
        Closure(MONDAY, MONDAY, clinician=7, resource=1)


# --- overlapping availability --------------------------------------------------------------


def test_overlapping_windows_of_one_clinician_are_refused_naming_both() -> None:
    with pytest.raises(
        SchedulingError,
        match=r"availability windows overlap: Monday 09:00–12:00 \(clinician 7, visit type 1\) "
        r"and Monday 11:00–13:00 \(clinician 7, visit type 2\)",
    ):
        Schedule(MOSCOW, VISITS, [weekly(0, "09:00", "12:00"), weekly(0, "11:00", "13:00", HOUR)])


def test_back_to_back_windows_and_other_clinicians_at_the_same_time_are_fine() -> None:
    Schedule(
        MOSCOW,
        VISITS,
        [
            weekly(0, "09:00", "12:00"),
            weekly(0, "12:00", "13:00", HOUR),
            weekly(0, "09:00", "12:00", clinician=8),
        ],
    )


def test_an_overnight_window_overlapping_the_next_days_window_is_refused() -> None:
    with pytest.raises(SchedulingError, match=r"Sunday 22:00–02:00 .* and Monday 01:00–03:00"):
        Schedule(MOSCOW, VISITS, [weekly(6, "22:00", "02:00"), weekly(0, "01:00", "03:00")])


def test_extra_hours_overlapping_weekly_hours_or_each_other_are_refused() -> None:
    inside = ExtraHours(7, CONSULT.id, MONDAY, time(11), time(13))
    with pytest.raises(SchedulingError, match=r"extra hours 2025-03-31 11:00–13:00 .* overlap"):
        Schedule(MOSCOW, VISITS, [weekly(0, "09:00", "12:00")], extra_hours=[inside])
    twice = [
        ExtraHours(7, CONSULT.id, date(2025, 4, 5), time(10), time(12)),
        ExtraHours(7, HOUR.id, date(2025, 4, 5), time(11), time(12)),
    ]
    with pytest.raises(SchedulingError, match="extra hours overlap: 2025-04-05 10:00–12:00"):
        Schedule(MOSCOW, VISITS, extra_hours=twice)


def test_bad_rules_are_refused_with_what_was_given() -> None:
    with pytest.raises(SchedulingError, match="duration_min must be between 5 and 960 min; got 0"):
        VisitSpec(1, duration_min=0)
    with pytest.raises(SchedulingError, match="buffer_min must be between 0 and 240 min; got -5"):
        VisitSpec(1, duration_min=30, buffer_min=-5)
    with pytest.raises(SchedulingError, match="duration_min must be a whole number"):
        VisitSpec(1, duration_min=True)
    with pytest.raises(SchedulingError, match=r"weekday must be between 0 and 6 .*got 7"):
        weekly(7, "09:00", "10:00")
    with pytest.raises(SchedulingError, match="must end at another time than it starts"):
        weekly(0, "09:00", "09:00")
    with pytest.raises(SchedulingError, match=r"visit_type must be one of \[1, 2, 3, 4\]; got 9"):
        Schedule(MOSCOW, VISITS, [WeeklyWindow(7, 9, 0, time(9), time(10))])


# --- resources ---------------------------------------------------------------------------


def test_a_visit_takes_a_free_resource_of_the_kind_it_needs() -> None:
    windows = [weekly(0, "09:00", "11:00", EMG, 7), weekly(0, "09:00", "10:00", EMG, 8)]
    one = Schedule(MOSCOW, VISITS, windows, resources=[Resource(5, "emg_machine")])
    slots = one.slots(MONDAY, MONDAY)
    assert [(s.clinician, s.resources) for s in slots] == [(7, (5,)), (8, (5,)), (7, (5,))]
    taken = {5: [(utc(2025, 3, 31, 6), utc(2025, 3, 31, 7))]}
    assert [s.clinician for s in one.slots(MONDAY, MONDAY, resource_busy=taken)] == [7]
    two = Schedule(
        MOSCOW, VISITS, windows, resources=[Resource(6, "emg_machine"), Resource(5, "emg_machine")]
    )
    assert [s.resources for s in two.slots(MONDAY, MONDAY, resource_busy=taken)] == [
        (6,),
        (6,),
        (5,),
    ]


def test_a_resource_out_of_service_or_missing_gives_no_slots() -> None:
    windows = [weekly(0, "09:00", "11:00", EMG)]
    repair = Closure(MONDAY, MONDAY, resource=5)
    broken = Schedule(
        MOSCOW, VISITS, windows, closures=[repair], resources=[Resource(5, "emg_machine")]
    )
    assert broken.slots(MONDAY, MONDAY) == []
    assert Schedule(MOSCOW, VISITS, windows).slots(MONDAY, MONDAY) == []


# --- slot ids ------------------------------------------------------------------------------


def test_slot_keys_round_trip_and_forged_keys_are_refused() -> None:
    slot = Slot(12, 3, utc(2025, 3, 30, 7), utc(2025, 3, 30, 8))
    assert slot.key == "12-3-20250330T0700Z"
    assert parse_slot_key(slot.key) == (12, 3, utc(2025, 3, 30, 7))
    for bad in ("", "12-3", "x-3-20250330T0700Z", "12-3-20251330T0700Z", "1-2-3-4", "a" * 500):
        with pytest.raises(SchedulingError, match="slot must be a slot id like"):
            parse_slot_key(bad)


# --- properties ----------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "Australia/Lord_Howe",
    "UTC",
    "America/Sao_Paulo",
]


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, date, date, dict[int, VisitSpec]]:
    visits = {
        i: VisitSpec(
            i,
            duration_min=draw(st.integers(5, 240)),
            buffer_min=draw(st.integers(0, 30)),
        )
        for i in (1, 2)
    }
    windows = []
    for clinician in (1, 2):
        for weekday in draw(st.sets(st.integers(0, 6), max_size=3)):
            start = draw(st.integers(0, 23 * 60)) // 15 * 15
            length = draw(st.integers(15, 12 * 60))  # under half a day: never self-overlapping
            end = (start + length) % (24 * 60)
            windows.append(
                WeeklyWindow(
                    clinician,
                    draw(st.sampled_from([1, 2])),
                    weekday,
                    time(start // 60, start % 60),
                    time(end // 60, end % 60),
                )
            )
    try:
        schedule = Schedule(draw(st.sampled_from(ZONES)), visits.values(), windows)
    except SchedulingError:
        schedule = Schedule("UTC", visits.values(), [])  # overlapping draw: nothing to check
    first = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
    last = first + timedelta(days=draw(st.integers(0, 10)))
    return schedule, first, last, visits


@settings(max_examples=150, deadline=None)
@given(schedules())
def test_slots_never_overlap_exist_on_the_wall_clock_and_last_their_duration(
    case: tuple[Schedule, date, date, dict[int, VisitSpec]],
) -> None:
    schedule, first, last, visits = case
    slots = schedule.slots(first, last)
    assert slots == sorted(slots, key=lambda s: (s.start, s.clinician, s.visit_type))
    for slot in slots:
        local = slot.start.astimezone(schedule.tz)
        assert first <= local.date() <= last
        assert localize(local.replace(tzinfo=None), schedule.tz) == slot.start
        assert slot.end - slot.start == visits[slot.visit_type].duration
    for clinician in (1, 2):
        mine = [s for s in slots if s.clinician == clinician]
        for a, b in itertools.pairwise(mine):
            assert a.end <= b.start, (a, b)


def test_the_core_does_not_import_django() -> None:
    code = "import sys, quietlegs.scheduling; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- problems as data (for shells that word them in another language) -------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "field", "params"),
    [
        ({"duration_min": 1}, "out_of_range", "duration_min",
         {"low": 5, "high": 960, "value": 1, "unit": "min"}),
        ({"duration_min": 30, "buffer_min": 241}, "out_of_range", "buffer_min",
         {"low": 0, "high": 240, "value": 241, "unit": "min"}),
        ({"duration_min": 30.5}, "not_a_whole_number", "duration_min",
         {"low": 5, "high": 960, "value": "30.5", "unit": "min"}),
    ],
)  # fmt: skip
def test_a_visit_spec_problem_carries_its_field_and_values(
    kwargs: dict[str, Any], code: str, field: str, params: dict[str, Any]
) -> None:
    with pytest.raises(SchedulingError, match=field) as info:
        VisitSpec(1, **kwargs)
    problem = info.value.problem
    assert (problem.code, problem.field, dict(problem.params)) == (code, field, params)
    assert problem.message == str(info.value)


def test_an_overlap_carries_both_windows() -> None:
    a = WeeklyWindow(7, 1, 0, time(9), time(13))
    b = WeeklyWindow(7, 2, 0, time(12), time(14))
    with pytest.raises(SchedulingError, match="availability windows overlap") as info:
        check_no_overlap([a, b])
    problem = info.value.problem
    assert problem.code == "overlap"
    assert dict(problem.params) == {
        "first": {"clinician": 7, "visit_type": 1, "weekday": 0, "start": time(9), "end": time(13)},
        "second": {"clinician": 7, "visit_type": 2, "weekday": 0, "start": time(12),
                   "end": time(14)},
    }  # fmt: skip
