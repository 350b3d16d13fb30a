"""Diary problems as data: a stable code, the field (or CSV column), the row and the
values, beside the English message (so a shell can word them in its own language)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import quietlegs.diary
from quietlegs import DiaryError, Problem
from quietlegs.diary import (
    COLUMNS,
    EXPECTED_KINDS,
    PROBLEM_CODES,
    DiaryEntry,
    TreatmentPeriod,
    read_csv,
)

PACKAGE = Path(quietlegs.diary.__file__).resolve().parent
#: The functions whose first argument is a problem's code.
MAKERS = {"problem", "Problem", "_problem", "_CellError", "add"}


def codes_in_source() -> set[str]:
    """Every string literal given as a code to a problem maker in the diary package."""
    found: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MAKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_code_the_core_uses_is_listed() -> None:
    used = codes_in_source()
    assert len(used) > 40
    assert used - PROBLEM_CODES == set()


def test_a_plain_text_problem_gets_the_generic_code() -> None:
    error = DiaryError(["something odd", Problem("missing", "day: missing", "day")])
    assert [(p.code, p.field, str(p)) for p in error.details] == [
        ("invalid", None, "something odd"),
        ("missing", "day", "day: missing"),
    ]
    assert error.problems == ["something odd", "day: missing"]


def only(error: pytest.ExceptionInfo[DiaryError]) -> Problem:
    assert len(error.value.details) == 1, error.value.details
    return error.value.details[0]


GOOD: dict[str, Any] = {"day": dt.date(2024, 3, 1), "severity": 3, "body_parts": {"legs"}}


@pytest.mark.parametrize(
    ("changes", "code", "field", "params"),
    [
        (
            {"severity": 11},
            "out_of_range",
            "severity",
            {"low": 0, "high": 10, "value": 11, "unit": ""},
        ),
        (
            {"rest_latency_min": 721},
            "out_of_range",
            "rest_latency_min",
            {"low": 0, "high": 720, "value": 721, "unit": "min"},
        ),
        (
            {"severity": 0, "body_parts": set(), "onset": dt.time(22, 0)},
            "given_without_symptoms",
            "onset",
            {"value": dt.time(22, 0)},
        ),
        (
            {"exercise_min": 30},
            "intensity_required",
            "exercise_intensity",
            {"minutes": 30, "allowed": ("light", "moderate", "vigorous")},
        ),
        ({"severity": "3"}, "wrong_type", "severity", {"expected": "whole_number", "value": "'3'"}),
        ({"note": "a\x00b"}, "control_characters", "note", {}),
    ],
)
def test_an_entry_problem_carries_its_code_field_and_values(
    changes: dict[str, Any], code: str, field: str, params: dict[str, Any]
) -> None:
    with pytest.raises(DiaryError, match="2024-03-01: ") as info:
        DiaryEntry(**{**GOOD, **changes})
    item = only(info)
    assert (item.code, item.field, item.row, dict(item.params)) == (code, field, None, params)
    assert str(item).startswith("2024-03-01: ")


def test_the_expected_kind_of_a_wrong_type_is_one_of_the_listed() -> None:
    with pytest.raises(DiaryError) as info:
        DiaryEntry.from_dict({"day": 20240301, "severity": 2, "onset": 2100, "mood": 1})
    got = {(p.code, p.field, p.params.get("expected")) for p in info.value.details}
    assert got == {
        ("unknown_field", "mood", None),
        ("wrong_type", "day", "date"),
        ("wrong_type", "onset", "time"),
    }
    assert {p.params["expected"] for p in info.value.details if p.code == "wrong_type"} <= set(
        EXPECTED_KINDS
    )


def test_a_medication_problem_names_its_item() -> None:
    with pytest.raises(DiaryError) as info:
        DiaryEntry.from_dict(
            {**{k: str(v) for k, v in GOOD.items() if k != "body_parts"}, "body_parts": ["legs"],
             "medications": [{"name": "iron", "at": "08:00"}, {"name": "gel", "at": "8h"}]}
        )  # fmt: skip
    item = only(info)
    assert (item.code, item.field, dict(item.params)) == (
        "not_a_time",
        "medications",
        {"value": "8h", "item": 2},
    )


HEADER = ",".join(COLUMNS)


def csv_row(**cells: str) -> str:
    values = {"day": "2024-03-01", "severity": "0", **cells}
    return ",".join(values.get(c, "") for c in COLUMNS)


@pytest.mark.parametrize(
    ("rows", "code", "row", "field", "params"),
    [
        ([csv_row(onset="25:00", severity="3", body_parts="legs")], "not_a_time", 2, "onset",
         {"value": "25:00"}),
        ([csv_row(severity="x")], "not_a_whole_number", 2, "severity", {"value": "x"}),
        ([csv_row(), csv_row(nicotine="maybe")], "not_yes_no", 3, "nicotine",
         {"value": "maybe"}),
        ([csv_row(severity="12")], "out_of_range", 2, "severity",
         {"low": 0, "high": 10, "value": 12, "unit": ""}),
        ([csv_row(), csv_row()], "night_twice_in_file", 3, "day",
         {"day": dt.date(2024, 3, 1), "first_row": 2}),
        ([csv_row(body_parts="tail", severity="2")], "not_allowed_list", 2, "body_parts",
         {"values": ["tail"], "allowed": ("legs", "arms", "other")}),
        (["2024-03-01,1"], "cell_count", 2, None, {"cells": 2, "columns": len(COLUMNS)}),
    ],
)  # fmt: skip
def test_a_csv_problem_carries_its_row_and_column(
    rows: list[str], code: str, row: int, field: str | None, params: dict[str, Any]
) -> None:
    with pytest.raises(DiaryError) as info:
        read_csv("\n".join([HEADER, *rows]) + "\n")
    item = only(info)
    assert (item.code, item.row, item.field, dict(item.params)) == (code, row, field, params)
    assert str(item).startswith(f"row {row}")


def test_a_header_problem_is_on_row_one() -> None:
    with pytest.raises(DiaryError) as info:
        read_csv("day,severity,mood\n")
    codes = [(p.code, p.row) for p in info.value.details]
    assert codes == [("unknown_columns", 1)]
    assert info.value.details[0].params["columns"] == ["mood"]


def test_a_treatment_problem_names_its_treatment() -> None:
    with pytest.raises(DiaryError) as info:
        TreatmentPeriod(
            treatment_id="iron_oral", start=dt.date(2024, 3, 5), stop=dt.date(2024, 3, 1)
        )
    item = only(info)
    assert (item.code, item.field, dict(item.params)) == (
        "stop_before_start",
        "stop",
        {"treatment": "iron_oral", "stop": dt.date(2024, 3, 1), "start": dt.date(2024, 3, 5)},
    )
