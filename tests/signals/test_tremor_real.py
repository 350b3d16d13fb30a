"""Tremor analysis on real wrist accelerometer data (see tests/signals/data/README.md).

The recordings carry no clinical label: these tests pin what the reader finds in them and
what the analysis reports, so that a change in either is seen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quietlegs.signals import tremor

DATA = Path(__file__).parent / "data"


def test_first_excerpt_is_read_as_g_with_a_date_time_clock() -> None:
    rec = tremor.read_recording(DATA / "wrist_free_living_1.csv")
    described = rec.describe()
    assert described["format"] == "generic"
    assert described["columns"] == ["ts", "x", "y", "z"]
    assert (rec.source_unit, rec.unit_basis, rec.time_unit) == ("g", "detected", "date-time")
    assert "acceleration in g: detected from gravity (median magnitude 1.03 g)" in rec.notes
    assert rec.n_samples == 1015
    assert rec.sfreq_hz == pytest.approx(100.0)
    assert rec.duration_s == pytest.approx(10.15)
    assert not rec.resampled
    assert rec.warnings == []


def test_first_excerpt_broadband_movement_is_not_a_tremor() -> None:
    result = tremor.analyze(tremor.read_recording(DATA / "wrist_free_living_1.csv"), "rest")
    assert result.window_counts == {"total": 4, "voluntary": 0, "usable": 4, "tremor": 0}
    assert not result.detected
    assert result.band["id"] == "none"
    assert result.peak_frequency_hz == pytest.approx(7.606, abs=0.01)
    assert result.amplitude["band_rms"] == pytest.approx(4.480, abs=0.005)
    shares = {k: v["relative"] for k, v in result.band_powers.items()}
    assert shares == pytest.approx(
        {"below_tremor": 0.4229, "3_7": 0.2029, "4_12": 0.3591, "8_12": 0.1621, "13_18": 0.1007},
        abs=0.002,
    )


def test_second_excerpt_slow_wrist_turn_is_voluntary_movement() -> None:
    rec = tremor.read_recording(DATA / "wrist_free_living_2.csv")
    assert rec.n_samples == 1005
    assert "acceleration in g: detected from gravity (median magnitude 1.00 g)" in rec.notes
    rest = tremor.analyze(rec, "rest")
    assert [w["voluntary"] for w in rest.windows] == [False, True, True, True]
    assert rest.window_counts == {"total": 4, "voluntary": 3, "usable": 1, "tremor": 0}
    assert rest.band["id"] == "voluntary"
    assert rest.screening["statement"].startswith("Voluntary movement dominated most of")
    assert rest.amplitude["band_rms"] == pytest.approx(0.5637, abs=0.001)
    action = tremor.analyze(rec, "action")
    assert action.window_counts == {"total": 4, "voluntary": 3, "usable": 4, "tremor": 0}
    assert action.band["id"] == "none"
    assert action.peak_frequency_hz == pytest.approx(11.39, abs=0.02)
