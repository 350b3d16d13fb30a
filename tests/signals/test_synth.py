"""The synthetic night generator: exact truth, the artefacts asked for, EDF+ that reads back."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path
from typing import Any

import edfio
import numpy as np
import pytest
from scipy.signal import find_peaks

from quietlegs.signals.hypnogram import SLEEP_STAGES, STAGES, ScoredEvent
from tests.signals.synth import (
    AROUSAL_LAG_S,
    AUTO_GAP_S,
    RESPIRATORY_LAG_S,
    Burst,
    LMSeries,
    SynthNight,
    _default_stages,
    make_night,
    write_edf,
)

# Typed Any: they are splatted into make_night's keyword arguments of several types.
QUIET: dict[str, Any] = {"ecg": False, "mains_hz": None, "drift": False}
EMPTY: dict[str, Any] = {
    "lm_series": (),
    "isolated_lms": (),
    "too_short": (),
    "too_long": (),
    "events": (),
}


def explicit_night(**kwargs: object) -> SynthNight:
    options: dict[str, object] = {
        "seed": 1,
        "lm_series": [
            LMSeries(100.0, 5, 20.0, 1.0, "left"),
            LMSeries(300.0, 3, 20.0, 1.0, "right"),
            LMSeries(400.0, 4, 8.0, 1.0, "left"),
        ],
        "isolated_lms": [(250.0, 2.0, "bilateral"), Burst(470.0, 0.5, "right", 30.0)],
        "too_short": [(500.0, 0.3, "right")],
        "too_long": [(540.0, 12.0, "left")],
        "stages": ["N2"] * 20,
        "events": [ScoredEvent(50.0, 15.0, "hypopnea")],
    }
    options.update(kwargs)
    return make_night(600.0, 200.0, **options)  # type: ignore[arg-type]


def test_explicit_content_is_the_truth() -> None:
    night = explicit_night()
    lms = night.lms
    assert [(lm.onset_s, lm.duration_s, lm.side) for lm in lms] == [
        (100.0, 1.0, "left"),
        (120.0, 1.0, "left"),
        (140.0, 1.0, "left"),
        (160.0, 1.0, "left"),
        (180.0, 1.0, "left"),
        (250.0, 2.0, "bilateral"),
        (300.0, 1.0, "right"),
        (320.0, 1.0, "right"),
        (340.0, 1.0, "right"),
        (400.0, 1.0, "left"),
        (408.0, 1.0, "left"),
        (416.0, 1.0, "left"),
        (424.0, 1.0, "left"),
        (470.0, 0.5, "right"),
    ]
    # Periodic: the series of 5 at 20 s; not the 3 (too few) nor the 4 at 8 s (< 10 s).
    assert night.plm_flags.tolist() == [True] * 5 + [False] * 9
    assert night.plm_count == 5
    assert night.plms_count == 5
    assert night.plms_index == pytest.approx(5 / (600 / 3600))
    others = [(b.onset_s, b.duration_s, b.side, b.kind) for b in night.bursts if b.kind != "lm"]
    assert others == [(500.0, 0.3, "right", "too_short"), (540.0, 12.0, "left", "too_long")]
    assert all(lm.stage == "N2" for lm in lms)
    assert night.bursts[-3].amplitude_uv == 30.0
    assert night.events == [ScoredEvent(50.0, 15.0, "hypopnea")]
    assert not any(lm.arousal or lm.respiratory for lm in lms)
    assert night.leg_spans["left"][0] == (20_000, 20_200)
    assert (50_000, 50_400) in night.leg_spans["left"]
    assert (50_000, 50_400) in night.leg_spans["right"]
    assert night.leg_spans["right"][-1] == (100_000, 100_060)


def test_long_series_member_is_a_too_long_burst() -> None:
    night = make_night(300.0, 100.0, seed=1, lm_series=[LMSeries(10.0, 4, 60.0, 12.0)], **QUIET)
    assert night.lms == []
    assert [b.kind for b in night.bursts] == ["too_long"] * 4


def test_same_seed_same_night_other_seed_other_night() -> None:
    a = make_night(300.0, 128.0, seed=5)
    b = make_night(300.0, 128.0, seed=5)
    c = make_night(300.0, 128.0, seed=6)
    assert a.left_uv is not None
    assert b.left_uv is not None
    assert c.left_uv is not None
    np.testing.assert_array_equal(a.left_uv, b.left_uv)
    assert a.bursts == b.bursts
    assert a.events == b.events
    assert not np.array_equal(a.left_uv, c.left_uv)


def test_bursts_have_their_amplitude_over_the_floor() -> None:
    night = make_night(
        120.0, 256.0, seed=2, **QUIET, **{**EMPTY, "isolated_lms": [Burst(30.0, 4.0, "left", 40.0)]}
    )
    assert night.left_uv is not None
    burst = night.left_uv[round(30.2 * 256) : round(33.8 * 256)]
    rest = night.left_uv[60 * 256 : 100 * 256]
    rms_rest = float(np.sqrt(np.mean(rest**2)))
    assert 2.0 * 0.9 <= rms_rest <= 4.0 * 1.1
    assert float(np.sqrt(np.mean(burst**2))) == pytest.approx(np.hypot(40.0, rms_rest), rel=0.1)


def test_noise_floor_wanders_within_its_range() -> None:
    night = make_night(3600.0, 100.0, seed=3, noise_floor_uv=(2.0, 4.0), **QUIET, **EMPTY)
    assert night.left_uv is not None
    windows = night.left_uv.reshape(-1, 1000)  # 10-s windows
    rms = np.sqrt(np.mean(windows**2, axis=1))
    assert rms.min() >= 2.0 * 0.85
    assert rms.max() <= 4.0 * 1.15
    assert rms.max() - rms.min() > 0.5  # it moves through the hour


def test_ecg_at_60_to_80_bpm_leaks_into_both_legs() -> None:
    night = make_night(600.0, 256.0, seed=4, mains_hz=None, drift=False, **EMPTY)
    assert night.ecg_uv is not None
    assert night.left_uv is not None
    assert night.right_uv is not None
    peaks, _ = find_peaks(night.ecg_uv, height=500.0)
    intervals = np.diff(peaks) / 256.0
    assert 60.0 / intervals.max() >= 59.0
    assert 60.0 / intervals.min() <= 81.0
    assert len(peaks) / 10.0 == pytest.approx(70.0, abs=10.0)
    assert np.median(night.ecg_uv[peaks]) == pytest.approx(1000.0, rel=1e-6)
    assert np.median(night.left_uv[peaks]) == pytest.approx(50.0, abs=2.0)
    assert np.median(night.right_uv[peaks]) == pytest.approx(-40.0, abs=2.0)
    assert make_night(60.0, 128.0, seed=4, ecg=False).ecg_uv is None


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_mains_hum(mains_hz: float) -> None:
    night = make_night(60.0, 256.0, seed=5, ecg=False, drift=False, mains_hz=mains_hz, **EMPTY)
    assert night.left_uv is not None
    spectrum = np.abs(np.fft.rfft(night.left_uv)) * 2 / len(night.left_uv)
    freqs = np.fft.rfftfreq(len(night.left_uv), 1 / 256.0)
    assert freqs[np.argmax(spectrum)] == mains_hz
    assert spectrum.max() == pytest.approx(5.0, rel=0.1)


def test_baseline_drift() -> None:
    def slow_power(drift: bool) -> float:
        night = make_night(120.0, 128.0, seed=6, ecg=False, mains_hz=None, drift=drift, **EMPTY)
        assert night.left_uv is not None
        spectrum = np.abs(np.fft.rfft(night.left_uv)) * 2 / len(night.left_uv)
        freqs = np.fft.rfftfreq(len(night.left_uv), 1 / 128.0)
        return float(spectrum[(freqs > 0.01) & (freqs < 0.5)].max())

    assert slow_power(True) > 2.0
    assert slow_power(False) < 0.5


def test_automatic_night_keeps_its_truth_unambiguous() -> None:
    night = make_night(3 * 3600.0, 100.0, seed=11)
    bursts = night.bursts
    assert {b.kind for b in bursts} == {"lm", "too_short", "too_long"}
    assert night.plm_count >= 8
    assert any(lm.arousal for lm in night.lms)
    assert any(lm.respiratory for lm in night.lms)
    # Group series members; everything else must be > 90 s from its neighbours.
    for before, after in itertools.pairwise(bursts):
        gap = after.onset_s - (before.onset_s + before.duration_s)
        same_series = before.periodic and after.periodic and after.onset_s - before.onset_s <= 80
        if same_series:
            assert 12.0 <= after.onset_s - before.onset_s <= 80.0
        else:
            assert gap > AUTO_GAP_S - 10.0 - 1e-6  # series are placed with 10 s of slack
    for lm in night.lms:
        assert 0.5 <= lm.duration_s <= 10.0
        if lm.periodic:
            assert lm.stage in SLEEP_STAGES
    for b in bursts:
        if b.kind == "too_short":
            assert b.duration_s < 0.5
        if b.kind == "too_long":
            assert b.duration_s > 10.0
    arousals = {round(e.onset_s, 3) for e in night.events if e.kind == "arousal"}
    respiratory_ends = {
        round(e.onset_s + e.duration_s, 3) for e in night.events if e.kind in ("apnea", "hypopnea")
    }
    for lm in night.lms:
        assert (round(lm.onset_s + AROUSAL_LAG_S, 3) in arousals) == lm.arousal
        if lm.respiratory:
            assert any(abs(lm.onset_s - RESPIRATORY_LAG_S - end) < 2e-3 for end in respiratory_ends)
            assert not lm.periodic
    # Free-standing events keep clear of every burst.
    attached = {round(lm.onset_s + AROUSAL_LAG_S, 3) for lm in night.lms if lm.arousal}
    for event in night.events:
        if round(event.onset_s, 3) in attached or any(
            abs(event.onset_s + event.duration_s + RESPIRATORY_LAG_S - lm.onset_s) < 2e-3
            for lm in night.lms
        ):
            continue
        for b in bursts:
            assert event.onset_s > b.onset_s + b.duration_s + 15 or (
                event.onset_s + event.duration_s < b.onset_s - 15
            )


def test_default_stages_look_like_a_night() -> None:
    stages = _default_stages(np.random.default_rng(0), 960)
    assert len(stages) == 960
    assert stages[:20] == ["W"] * 20
    assert set(stages) == set(STAGES)
    assert stages.count("N2") > stages.count("N1")


def test_one_leg_nights() -> None:
    night = make_night(600.0, 128.0, seed=7, legs="left")
    assert night.right_uv is None
    assert night.left_uv is not None
    assert {b.side for b in night.bursts} == {"left"}
    with pytest.raises(ValueError, match="a burst on side 'right' in a night with legs='left'"):
        make_night(60.0, 128.0, seed=7, legs="left", isolated_lms=[(1.0, 1.0, "right")])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"legs": "top"}, "legs must be 'both', 'left' or 'right'; got 'top'"),
        ({"sfreq_hz": 256.33}, r"duration_s \* sfreq_hz must be a positive whole number"),
        ({"stages": ["W"]}, "stages must have 2 epochs; got 1"),
        ({"isolated_lms": [(59.5, 1.0, "left")]}, r"burst 59.5 \+ 1.0 s lies outside the night"),
    ],
)
def test_make_night_errors(kwargs: dict[str, object], message: str) -> None:
    options: dict[str, object] = {"sfreq_hz": 128.0, "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_night(60.0, **options)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- write_edf


def test_write_edf_reads_back_exactly(tmp_path: Path) -> None:
    events = [ScoredEvent(50.0, 15.0, "hypopnea"), ScoredEvent(101, 3, "rera")]
    night = explicit_night(events=events)
    start = datetime.datetime(2023, 11, 5, 23, 15, 30)
    path = write_edf(
        tmp_path / "n.edf",
        night,
        extra_channels=["C3-M2"],
        stage_format="Stage {stage}",
        start=start,
    )
    edf = edfio.read_edf(path)
    assert edf.labels == ("LAT", "RAT", "ECG", "C3-M2")
    assert [s.sampling_frequency for s in edf.signals] == [200.0] * 4
    assert edf.duration == 600.0
    assert edf.startdatetime == start
    assert edf.get_signal("LAT").physical_dimension == "uV"
    texts = [(a.onset, a.duration, a.text) for a in edf.annotations]
    assert texts[:3] == [
        (0.0, 30.0, "Stage N2"),
        (30.0, 30.0, "Stage N2"),
        (50.0, 15.0, "Hypopnea"),
    ]
    assert (101.0, 3.0, "RERA") in texts
    assert sum(text.startswith("Stage") for _, _, text in texts) == 20
    for label, truth in (("LAT", night.left_uv), ("RAT", night.right_uv), ("ECG", night.ecg_uv)):
        signal = edf.get_signal(label)
        step = (signal.physical_max - signal.physical_min) / 65535
        assert truth is not None
        assert np.max(np.abs(signal.data - truth)) <= step / 2 + 1e-9


def test_write_edf_options(tmp_path: Path) -> None:
    night = explicit_night()
    assert night.left_uv is not None
    path = write_edf(
        tmp_path / "n.edf",
        night,
        labels=("Leg L", "Leg R"),
        sfreq_hz=100.0,
        unit="mV",
        annotations=False,
        physical_range_uv=(-10.0, 10.0),
        extra_channels={"Pleth": np.zeros(600 * 50) + np.arange(600 * 50) % 7},
    )
    edf = edfio.read_edf(path)
    assert edf.labels == ("Leg L", "Leg R", "ECG", "Pleth")
    assert edf.annotations == ()
    left = edf.get_signal("Leg L")
    assert left.sampling_frequency == 100.0
    assert edf.get_signal("Pleth").sampling_frequency == 50.0
    assert left.physical_dimension == "mV"
    assert (left.physical_min, left.physical_max) == (-0.01, 0.01)
    assert np.max(np.abs(left.data)) <= 0.01
    assert len(left.data) == 60_000
    assert np.mean(np.abs(left.data) >= 0.0099) > 0.05  # clipped: saturated


def test_write_edf_one_leg_and_rates_per_leg(tmp_path: Path) -> None:
    one = make_night(60.0, 128.0, seed=1, legs="right", **EMPTY)
    edf = edfio.read_edf(write_edf(tmp_path / "a.edf", one))
    assert edf.labels == ("RAT", "ECG")
    two = make_night(60.0, 256.0, seed=1, **EMPTY)
    edf = edfio.read_edf(write_edf(tmp_path / "b.edf", two, sfreq_hz=(256.0, 200.0)))
    assert [s.sampling_frequency for s in edf.signals] == [256.0, 200.0, 256.0]
    with pytest.raises(ValueError, match="unit must be one of"):
        write_edf(tmp_path / "c.edf", two, unit="furlongs")
