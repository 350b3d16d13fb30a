"""Diary entries refuse impossible values with clear errors; a diary one entry per night."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from quietlegs import DiaryError, QuietlegsError
from quietlegs.diary import Diary, DiaryEntry, MedicationTaken
from quietlegs.diary.entry import (
    diary_minutes,
    parse_day,
    parse_time,
    time_from_diary_minutes,
)
from tests.diary.synthetic import BEFORE_DAY_61, day, entry, pin_clock

GOOD: dict[str, Any] = {
    "day": dt.date(2024, 3, 1),
    "severity": 5,
    "onset": dt.time(21, 30),
    "rest_latency_min": 20,
    "body_parts": {"legs"},
    "bedtime": dt.time(23, 0),
    "sleep_latency_min": 40,
    "awakenings": 2,
    "sleep_quality": 6,
    "daytime_sleepiness": 3,
    "caffeine_drinks": 2,
    "last_caffeine": dt.time(16, 0),
    "alcohol_units": 1.5,
    "exercise_min": 30,
    "exercise_intensity": "moderate",
    "medications": [MedicationTaken("iron tablet", dt.time(8, 0))],
    "note": "  long drive  ",
}


def make(**changes: Any) -> DiaryEntry:
    return DiaryEntry(**{**GOOD, **changes})


def test_a_full_entry_is_kept_as_given() -> None:
    e = make()
    assert e.body_parts == frozenset({"legs"})
    assert e.medications == (MedicationTaken("iron tablet", dt.time(8, 0)),)
    assert e.note == "long drive"
    assert e.onset_minutes == 15 * 60 + 30
    assert e.has_symptoms
    assert isinstance(make(alcohol_units=2).alcohol_units, float)


def test_the_error_is_a_quietlegs_error_and_a_value_error() -> None:
    with pytest.raises(DiaryError) as info:
        make(severity=11)
    assert isinstance(info.value, QuietlegsError)
    assert isinstance(info.value, ValueError)
    assert info.value.problems == ["2024-03-01: severity must be between 0 and 10; got 11"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"severity": -1}, "severity must be between 0 and 10; got -1"),
        ({"severity": 5.5}, "severity must be a whole number; got 5.5"),
        ({"severity": True}, "severity must be a whole number; got True"),
        ({"severity": None}, r"severity is required \(0 to 10\)"),
        ({"rest_latency_min": 721}, "rest_latency_min must be between 0 and 720 min; got 721"),
        ({"sleep_latency_min": -5}, "sleep_latency_min must be between 0 and 720 min"),
        ({"awakenings": 31}, "awakenings must be between 0 and 30; got 31"),
        ({"sleep_quality": 12}, "sleep_quality must be between 0 and 10; got 12"),
        ({"daytime_sleepiness": -1}, "daytime_sleepiness must be between 0 and 10"),
        ({"caffeine_drinks": 21}, "caffeine_drinks must be between 0 and 20; got 21"),
        ({"alcohol_units": float("nan")}, "alcohol_units must be between 0 and 40; got nan"),
        ({"alcohol_units": 41.0}, "alcohol_units must be between 0 and 40; got 41"),
        ({"alcohol_units": "2"}, "alcohol_units must be a number; got '2'"),
        ({"exercise_min": 601}, "exercise_min must be between 0 and 600 min; got 601"),
        ({"nicotine": "yes"}, "nicotine must be true or false; got 'yes'"),
        ({"onset": "21:30"}, r"onset must be a time of day \(HH:MM\); got '21:30'"),
        (
            {"onset": dt.time(21, 30, tzinfo=dt.UTC)},
            r"onset must be a time of day \(HH:MM\)",
        ),
        ({"body_parts": {"legs", "tail"}}, "body_parts: 'tail' not allowed; allowed: legs, arms"),
        ({"exercise_intensity": "extreme"}, "exercise_intensity must be one of light, moderate"),
        ({"note": "x" * 1001}, "note is 1001 characters long; at most 1000"),
        ({"note": "bad\x00byte"}, "note contains control characters"),
        ({"day": dt.datetime(2024, 3, 1, 12, 0)}, "day must be a date; got datetime"),
        ({"day": dt.date(1999, 12, 31)}, "day 1999-12-31 is before 2000-01-01"),
        (
            {"medications": [MedicationTaken("a", dt.time(1, 0))] * 21},
            "medications: 21 given; at most 20",
        ),
        ({"medications": [("a", "21:00")]}, r"medications\[1\] must be a MedicationTaken"),
    ],
)
def test_impossible_values_are_refused_naming_the_field(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(DiaryError, match=message):
        make(**changes)


def test_a_night_that_has_begun_nowhere_yet_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_clock(monkeypatch)  # 09:59 UTC on 1 March 2024 = 23:59 on 1 March at UTC+14
    with pytest.raises(
        DiaryError,
        match=r"2024-03-02: day 2024-03-02 is in the future \(the latest date anywhere is "
        r"2024-03-01\); an entry is about a night that has begun$",
    ):
        make(day=dt.date(2024, 3, 2))
    assert make(day=dt.date(2024, 3, 1)).day == dt.date(2024, 3, 1)


def test_a_night_that_has_begun_somewhere_is_left_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 10:00 UTC it is 2 March at UTC+14: the core, which knows no time zone, accepts
    2 March (the web app checks the patient's own today before it calls the core)."""
    pin_clock(monkeypatch, BEFORE_DAY_61 + dt.timedelta(minutes=1))
    assert make(day=dt.date(2024, 3, 2)).day == dt.date(2024, 3, 2)
    with pytest.raises(DiaryError, match=r"day 2024-03-03 is in the future"):
        make(day=dt.date(2024, 3, 3))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"severity": 0}, "onset 21:30 given but severity is 0"),
        (
            {"severity": 0, "onset": None},
            "rest_latency_min given but severity is 0",
        ),
        (
            {"severity": 0, "onset": None, "rest_latency_min": None},
            "body_parts legs given but severity is 0",
        ),
        ({"body_parts": set()}, "body_parts: severity is 5, so say where the symptoms were"),
        ({"caffeine_drinks": 0}, "last_caffeine 16:00 given but caffeine_drinks is 0"),
        ({"exercise_min": 0}, "exercise_intensity 'moderate' given but exercise_min is 0"),
        ({"exercise_intensity": None}, "exercise_intensity is needed with 30 min of exercise"),
    ],
)
def test_values_that_contradict_each_other_are_refused(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(DiaryError, match=message):
        make(**changes)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DiaryError, match="3 problems with the diary") as info:
        make(
            severity=0,
            rest_latency_min=None,
            body_parts=set(),
            sleep_quality=11,
            exercise_intensity=None,
        )
    text = "\n".join(info.value.problems)
    assert "sleep_quality must be between 0 and 10" in text
    assert "onset 21:30 given but severity is 0" in text
    assert "exercise_intensity is needed" in text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "medication: the name is empty"),
        ("a" * 81, "the name is 81 characters long; at most 80"),
        ("one; two", "the name may not contain ';'"),
        ("line\nbreak", "may not contain ';', tabs, line breaks"),
    ],
)
def test_medication_names_are_checked(name: str, message: str) -> None:
    with pytest.raises(DiaryError, match=message):
        MedicationTaken(name, dt.time(21, 0))


def test_a_medication_needs_a_time() -> None:
    with pytest.raises(DiaryError, match="medication: the time must be a time of day; got str"):
        MedicationTaken("iron", "21:00")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("21:30", dt.time(21, 30)), ("7:05", dt.time(7, 5)), (" 00:00 ", dt.time(0))],
)
def test_times_are_parsed(text: str, expected: dt.time) -> None:
    assert parse_time(text, "onset") == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "12:60", "noon", "12", "12:3", "-1:00", ""])
def test_impossible_times_are_refused(text: str) -> None:
    with pytest.raises(
        DiaryError, match=r"onset: .* is not a time of day \(HH:MM, 00:00 to 23:59\)"
    ):
        parse_time(text, "onset")


@pytest.mark.parametrize(
    ("text", "message"),
    [("2024-02-30", "is not a real date"), ("01.03.2024", r"is not a date \(YYYY-MM-DD\)")],
)
def test_impossible_days_are_refused(text: str, message: str) -> None:
    with pytest.raises(DiaryError, match=message):
        parse_day(text)


def test_diary_minutes_count_from_six_in_the_morning() -> None:
    assert diary_minutes(dt.time(6, 0)) == 0
    assert diary_minutes(dt.time(18, 0)) == 720
    assert diary_minutes(dt.time(1, 0)) == 1140
    assert time_from_diary_minutes(1140) == dt.time(1, 0)
    assert time_from_diary_minutes(diary_minutes(dt.time(5, 59))) == dt.time(5, 59)


def test_to_dict_and_from_dict_round_trip() -> None:
    e = make()
    data = e.to_dict()
    assert data["onset"] == "21:30"
    assert data["body_parts"] == ["legs"]
    assert data["medications"] == [{"name": "iron tablet", "at": "08:00"}]
    assert DiaryEntry.from_dict(data) == e


def test_from_dict_reports_every_problem() -> None:
    with pytest.raises(DiaryError) as info:
        DiaryEntry.from_dict(
            {"onset": "25:00", "mood": 3, "medications": [{"name": "x"}], "body_parts": "legs"}
        )
    assert info.value.problems == [
        "mood: unknown field",
        "onset: '25:00' is not a time of day (HH:MM, 00:00 to 23:59)",
        "medications[1] must be {'name': ..., 'at': 'HH:MM'}",
        "body_parts must be a list; got 'legs'",
        "day: missing",
        "severity: missing",
    ]


# --- the diary --------------------------------------------------------------------------------


def test_a_second_entry_for_the_same_night_is_refused() -> None:
    with pytest.raises(DiaryError, match="2024-01-02: more than one entry for this night"):
        Diary([entry(1, 3, onset=dt.time(21, 0)), entry(0, 0), entry(1, 4, onset=None)])
    diary = Diary([entry(0, 0)])
    with pytest.raises(DiaryError, match="2024-01-01: more than one entry for this night"):
        diary.add(entry(0, 2, onset=dt.time(20, 0)))


def test_the_diary_keeps_nights_in_order_and_lists_missed_ones() -> None:
    diary = Diary([entry(5, 2), entry(0, 0), entry(2, 1)])
    assert diary.days == (day(0), day(2), day(5))
    assert (diary.first_day, diary.last_day) == (day(0), day(5))
    assert diary.missed_days() == [day(1), day(3), day(4)]
    assert diary.missed_days(day(4), day(7)) == [day(4), day(6), day(7)]
    assert day(2) in diary
    assert diary.get(day(3)) is None
    assert [e.day for e in diary.between(day(1), day(5))] == [day(2), day(5)]
    assert len(diary.add(entry(1, 0))) == 4
    assert repr(diary) == "<Diary of 3 entries 2024-01-01..2024-01-06>"
    assert Diary().missed_days() == []
    assert Diary().first_day is None


def test_replacing_needs_an_existing_night() -> None:
    diary = Diary([entry(0, 0)])
    assert diary.replace(entry(0, 3)).entries[0].severity == 3
    with pytest.raises(DiaryError, match="2024-01-02: no entry for this night to replace"):
        diary.replace(entry(1, 3))


def test_only_entries_go_in_a_diary() -> None:
    with pytest.raises(DiaryError, match="not a DiaryEntry: 'monday'"):
        Diary(["monday"])  # type: ignore[list-item]
