"""CSV export and the strict import: every row checked, nothing taken from a bad file."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietlegs import DiaryError
from quietlegs.diary import (
    COLUMNS,
    Diary,
    DiaryEntry,
    MedicationTaken,
    read_csv,
    read_csv_rows,
    to_csv_text,
)
from quietlegs.diary.csvio import MAX_ROWS
from tests.diary.synthetic import caffeine_diary, day, entry, pin_clock

HEADER = ",".join(COLUMNS)


def row(**cells: str) -> str:
    """A CSV row with ``cells`` and empty cells elsewhere (day and severity given)."""
    values = {"day": "2024-03-01", "severity": "0", **cells}
    return ",".join(values.get(c, "") for c in COLUMNS)


def test_a_diary_round_trips_through_csv() -> None:
    diary = caffeine_diary()
    text = to_csv_text(diary)
    assert text.splitlines()[0] == HEADER
    assert len(text.splitlines()) == len(diary) + 1
    assert read_csv(text).entries == diary.entries


def test_the_export_is_readable_in_a_spreadsheet() -> None:
    night = entry(
        0,
        4,
        onset=dt.time(21, 5),
        body_parts={"arms", "legs"},
        nicotine=True,
        medications=(
            MedicationTaken("iron", dt.time(8, 0)),
            MedicationTaken("pain gel", dt.time(22, 0)),
        ),
        note='said "ouch", then walked',
    )
    line = to_csv_text([night]).splitlines()[1]
    assert line.startswith("2024-01-01,4,21:05,,legs;arms,")
    assert ",yes," in line
    assert '08:00 iron; 22:00 pain gel,"said ""ouch"", then walked"' in line


def test_a_note_that_looks_like_a_formula_is_escaped_and_read_back() -> None:
    night = entry(0, 0, note='=HYPERLINK("http://evil")')
    text = to_csv_text([night])
    assert ",\"'=HYPERLINK" in text
    assert read_csv(text).entries[0].note == night.note


def test_the_columns_may_come_in_any_order_and_blank_lines_are_skipped() -> None:
    names = list(reversed(COLUMNS))
    values = dict(
        zip(COLUMNS, row(severity="3", onset="22:00", body_parts="legs").split(","), strict=True)
    )
    text = ",".join(names) + "\n\n" + ",".join(values[n] for n in names) + "\n"
    (night,) = read_csv("\ufeff" + text).entries
    assert (night.severity, night.onset) == (3, dt.time(22, 0))
    assert night.body_parts == frozenset({"legs"})


def test_yes_no_cells_accept_common_spellings_and_empty_means_no() -> None:
    text = "\n".join([HEADER, row(nicotine="Yes", stress="1", long_sitting="")])
    night = read_csv(text).entries[0]
    assert (night.nicotine, night.stress, night.long_sitting) == (True, True, False)


def test_a_wrong_header_is_one_problem_with_suggestions_and_the_required_columns() -> None:
    header = HEADER.replace("day,", "").replace("note", "notes") + ",mood"
    with pytest.raises(DiaryError) as info:
        read_csv(header + "\n")
    assert info.value.problems == [
        "row 1 (header): unknown column(s): 'notes' (did you mean 'note'?), 'mood'; "
        "missing required column(s): day; the columns are: " + ", ".join(COLUMNS),
    ]
    (item,) = info.value.details
    assert item.params["suggestions"] == {"notes": "note"}
    assert item.params["missing"] == ["day"]


def test_a_misspelt_column_with_a_suggestion_does_not_list_all_the_columns() -> None:
    with pytest.raises(DiaryError) as info:
        read_csv("day,severty\n")
    assert info.value.problems == [
        "row 1 (header): unknown column(s): 'severty' (did you mean 'severity'?); "
        "missing required column(s): severity"
    ]


def test_a_header_without_a_required_column_names_only_it() -> None:
    with pytest.raises(DiaryError) as info:
        read_csv("day,onset\n2024-03-01,21:00\n")
    assert info.value.problems == ["row 1 (header): missing required column(s): severity"]


def test_the_optional_columns_may_be_left_out() -> None:
    text = "severity,day,body_parts\n3,2024-03-01,legs\n0,2024-03-02,\n"
    first, second = read_csv(text).entries
    assert (first.day, first.severity, first.body_parts) == (
        dt.date(2024, 3, 1),
        3,
        frozenset({"legs"}),
    )
    assert (first.onset, first.caffeine_drinks, first.nicotine, first.note) == (None, 0, False, "")
    assert (second.severity, second.body_parts) == (0, frozenset())


def test_every_bad_row_is_reported_with_its_row_and_column() -> None:
    text = "\n".join(
        [
            HEADER,
            row(day="2024-03-01", severity="4", onset="21:00", body_parts="legs"),
            row(day="2024-03-02", severity="4", onset="25:00", body_parts="legs"),
            row(day="2024-03-03", severity="eleven", nicotine="maybe"),
            row(day="2024-03-04", severity="0", onset="21:00"),
            row(day="2024-03-01", severity="1", body_parts="legs"),
            row(day="2024-02-30"),
            "2024-03-06,1",
        ]
    )
    with pytest.raises(DiaryError) as info:
        read_csv(text)
    assert info.value.problems == [
        "row 3, column 'onset': '25:00' is not a time of day (HH:MM, 00:00 to 23:59)",
        "row 4, column 'severity': 'eleven' is not a whole number",
        "row 4, column 'nicotine': 'maybe' is not yes or no",
        "row 5, column 'onset': onset 21:00 given but severity is 0 (no symptoms); leave the "
        "onset empty or give a severity above 0",
        "row 6: 2024-03-01 is already on row 2 (one entry per night)",
        "row 7, column 'day': '2024-02-30' is not a date (YYYY-MM-DD)",
        f"row 8: 2 cells; the header has {len(COLUMNS)} columns",
    ]


def test_a_future_night_in_a_file_is_refused_with_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_clock(monkeypatch)  # 2024-03-01 is the latest date anywhere
    with pytest.raises(DiaryError, match=r"row 2, column 'day': day 2024-03-02 is in the future"):
        read_csv("\n".join([HEADER, row(day="2024-03-02")]))


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"body_parts": "legs;tail"}, r"column 'body_parts': 'tail' not allowed"),
        (
            {"medications": "iron at nine"},
            r"column 'medications': 'iron at nine' is not 'HH:MM name'",
        ),
        ({"alcohol_units": "inf"}, r"column 'alcohol_units': 'inf' is not a number"),
        ({"caffeine_drinks": "２"}, r"column 'caffeine_drinks': '２' is not a whole number"),
        ({"note": "x" * 2001}, r"column 'note': longer than 2000 characters"),
    ],
)
def test_malformed_cells(cells: dict[str, str], message: str) -> None:
    with pytest.raises(DiaryError, match=message):
        read_csv("\n".join([HEADER, row(**cells)]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ("day\x00,severity", "NUL characters"),
    ],
)
def test_files_that_are_not_diaries(text: str, message: str) -> None:
    with pytest.raises(DiaryError, match=message):
        read_csv(text)


def test_a_file_with_only_a_header_is_an_empty_diary() -> None:
    assert len(read_csv(HEADER + "\r\n")) == 0


def test_too_many_rows_are_refused() -> None:
    rows = [
        row(day=(dt.date(2000, 1, 1) + dt.timedelta(days=i)).isoformat())
        for i in range(MAX_ROWS + 1)
    ]
    with pytest.raises(DiaryError, match=f"more than {MAX_ROWS} rows"):
        read_csv("\n".join([HEADER, *rows]))


# --- properties ------------------------------------------------------------------------------

_times = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))
_names = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=";"),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s and s != "")


@st.composite
def entries(draw: st.DrawFn) -> DiaryEntry:
    severity = draw(st.integers(0, 10))
    symptoms = severity > 0
    drinks = draw(st.integers(0, 20))
    exercise = draw(st.integers(0, 600))
    return DiaryEntry(
        day=draw(st.dates(dt.date(2000, 1, 1), dt.date(2024, 12, 31))),
        severity=severity,
        onset=draw(st.none() | _times) if symptoms else None,
        rest_latency_min=draw(st.none() | st.integers(0, 720)) if symptoms else None,
        body_parts=draw(st.frozensets(st.sampled_from(["legs", "arms", "other"]), min_size=1))
        if symptoms
        else frozenset(),
        bedtime=draw(st.none() | _times),
        sleep_latency_min=draw(st.none() | st.integers(0, 720)),
        awakenings=draw(st.none() | st.integers(0, 30)),
        sleep_quality=draw(st.none() | st.integers(0, 10)),
        daytime_sleepiness=draw(st.none() | st.integers(0, 10)),
        caffeine_drinks=drinks,
        last_caffeine=draw(st.none() | _times) if drinks else None,
        alcohol_units=draw(st.floats(0, 40).map(lambda x: round(x, 1))),
        nicotine=draw(st.booleans()),
        exercise_min=exercise,
        exercise_intensity=draw(st.sampled_from(["light", "moderate", "vigorous"]))
        if exercise
        else None,
        long_sitting=draw(st.booleans()),
        sweets_before_bed=draw(st.booleans()),
        stress=draw(st.booleans()),
        medications=tuple(draw(st.lists(st.builds(MedicationTaken, _names, _times), max_size=3))),
        note=draw(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=50)).strip(),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), max_size=8, unique_by=lambda e: e.day))
def test_any_valid_diary_round_trips(items: list[DiaryEntry]) -> None:
    diary = Diary(items)
    assert read_csv(to_csv_text(diary)).entries == diary.entries


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_with_a_diary_error(text: str) -> None:
    problems: list[str] = []
    try:
        diary = read_csv(text)
    except DiaryError as exc:
        problems = exc.problems
    else:
        assert isinstance(diary, Diary)
        return
    assert problems
    assert all(isinstance(p, str) and p for p in problems)


@settings(max_examples=150, deadline=None)
@given(
    column=st.sampled_from([c for c in COLUMNS if c not in ("note", "medications")]),
    garbage=st.sampled_from(["25:61", "x", "-3", "99999", "maybe", "1.5.2", "2024-13-01", "tail"]),
    target=st.integers(0, 4),
)
def test_one_bad_cell_refuses_the_whole_file_and_names_its_row(
    column: str, garbage: str, target: int
) -> None:
    rows = [
        dict(
            zip(
                COLUMNS,
                row(day=day(n).isoformat(), severity="2", onset="21:00", body_parts="legs").split(
                    ","
                ),
                strict=True,
            )
        )
        for n in range(5)
    ]
    rows[target][column] = garbage
    text = "\n".join([HEADER, *(",".join(r[c] for c in COLUMNS) for r in rows)])
    with pytest.raises(DiaryError) as info:
        read_csv(text)
    assert any(p.startswith(f"row {target + 2}") for p in info.value.problems)


def test_rows_are_numbered_from_the_header() -> None:
    text = "\n".join([HEADER, row(day="2024-03-02"), "", row(day="2024-03-01")])
    assert [(n, e.day) for n, e in read_csv_rows(text)] == [
        (2, dt.date(2024, 3, 2)),
        (4, dt.date(2024, 3, 1)),
    ]
