"""Tremor analysis (quietlegs.signals.tremor) on synthetic signals with known ground truth."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from quietlegs._errors import SignalError
from quietlegs.knowledge import load_knowledge_base
from quietlegs.signals import tremor
from quietlegs.signals.tremor import TremorResult, analyze_signal
from tests.signals.tremor_synth import G, make_tremor, write_generic

FREQ_TOLERANCE_HZ = 0.2
AMPLITUDE_TOLERANCE = 0.10


def displacement_rms_mm(rms: float, freq_hz: float) -> float:
    return rms / (2 * math.pi * freq_hz) ** 2 * 1000.0


@pytest.mark.parametrize(
    ("freq_hz", "rms", "gravity_axis", "task", "band"),
    [
        (5.0, 0.3, 2, "rest", "rest_3_7"),
        (4.3, 1.2, 0, "rest", "rest_3_7"),
        (3.4, 0.5, None, "rest", "rest_3_7"),
        (6.2, 0.4, 1, "posture", "action_4_12"),
        (10.3, 0.05, 2, "posture", "physiological_8_12"),
        (9.0, 0.5, 0, "action", "action_4_12"),
        (11.8, 0.2, 1, "action", "action_4_12"),
        (15.5, 0.2, 2, "standing", "orthostatic_13_18"),
        (17.6, 0.1, 1, "standing", "orthostatic_13_18"),
        (9.5, 0.08, 2, "standing", "physiological_8_12"),
        (9.0, 0.3, 2, "rest", "other"),
        (3.3, 0.3, 2, "posture", "other"),
    ],
)
@pytest.mark.parametrize("clock", ["uniform", "jitter", "irregular"])
def test_frequency_and_amplitude_of_a_known_tremor(
    tmp_path: Path,
    freq_hz: float,
    rms: float,
    gravity_axis: int | None,
    task: str,
    band: str,
    clock: str,
) -> None:
    synth = make_tremor(
        freq_hz,
        rms,
        gravity_axis=gravity_axis,
        drift_per_s=0.01,
        jitter_fraction=0.0 if clock == "uniform" else 0.05,
        irregular=clock == "irregular",
        seed=round(freq_hz * 10),
    )
    recording = tremor.read_recording(write_generic(tmp_path / "t.csv", synth))
    assert recording.resampled is (clock != "uniform")
    result = tremor.analyze(recording, task)
    assert result.detected
    assert result.dominant_frequency_hz is not None
    assert abs(result.dominant_frequency_hz - freq_hz) <= FREQ_TOLERANCE_HZ
    assert result.amplitude["rms"] == pytest.approx(rms, rel=AMPLITUDE_TOLERANCE)
    assert result.amplitude["displacement_rms_mm"] == pytest.approx(
        displacement_rms_mm(rms, freq_hz), rel=AMPLITUDE_TOLERANCE
    )
    assert result.amplitude["displacement_peak_to_peak_mm"] == pytest.approx(
        2 * math.sqrt(2) * result.amplitude["displacement_rms_mm"], rel=1e-3
    )
    assert result.band["id"] == band
    assert result.tremor_fraction == 1.0
    assert result.window_counts["voluntary"] == 0
    assert result.screening["code"] == band


def test_gyroscope_angle_from_the_spectrum() -> None:
    synth = make_tremor(5.5, 0.8, gravity_axis=None, noise_rms=0.002, seed=3)
    result = analyze_signal(synth.values, 100.0, sensor="gyroscope", task="rest")
    assert result.unit == "rad/s"
    assert result.dominant_frequency_hz == pytest.approx(5.5, abs=FREQ_TOLERANCE_HZ)
    assert result.amplitude["rms"] == pytest.approx(0.8, rel=AMPLITUDE_TOLERANCE)
    angle_deg = math.degrees(0.8 / (2 * math.pi * 5.5))
    assert result.amplitude["angle_rms_deg"] == pytest.approx(angle_deg, rel=AMPLITUDE_TOLERANCE)
    assert "displacement_rms_mm" not in result.amplitude


@pytest.mark.parametrize("seed", range(8))
def test_sensor_noise_alone_is_not_a_tremor(seed: int) -> None:
    synth = make_tremor(5.0, 0.0, noise_rms=0.02, seed=seed)
    result = analyze_signal(synth.values, 100.0, task="rest")
    assert not result.detected
    assert result.dominant_frequency_hz is None
    assert result.peak_frequency_hz is not None
    assert result.bandwidth_hz is None
    assert result.amplitude["rms"] is None
    assert result.tsi is None
    assert result.band == {"id": "none", "range_hz": None, "consistent_with": []}
    assert "No tremor above the sensor's detection level" in result.screening["statement"]


def test_a_tremor_below_the_sensor_floor_is_not_reported() -> None:
    # A clean 10 Hz peak of 0.004 m/s² RMS: prominent, but under the 0.01 m/s² floor.
    synth = make_tremor(10.0, 0.004, noise_rms=0.0005, seed=1)
    result = analyze_signal(synth.values, 100.0, task="posture")
    assert result.peak_frequency_hz == pytest.approx(10.0, abs=FREQ_TOLERANCE_HZ)
    assert not result.detected


def voluntary_then_tremor(seconds_moving: float) -> np.ndarray:
    t = np.arange(0, 30, 0.01)
    v = np.zeros((t.size, 3))
    v[:, 2] = G
    moving = t < seconds_moving
    v[moving, 0] += 2.0 * np.sin(2 * np.pi * 0.7 * t[moving])
    v[:, 1] += 0.2 * np.sin(2 * np.pi * 6.0 * t)
    v += 0.005 * np.random.default_rng(0).standard_normal(v.shape)
    return v


def test_voluntary_movement_windows_are_flagged_and_left_out() -> None:
    result = analyze_signal(voluntary_then_tremor(14.0), 100.0, task="posture")
    counts = result.window_counts
    assert counts["total"] == 14
    assert 5 <= counts["voluntary"] <= 8
    assert counts["usable"] == counts["total"] - counts["voluntary"]
    assert all(w["voluntary"] for w in result.windows if w["end_s"] <= 14.0)
    assert not any(w["voluntary"] for w in result.windows if w["start_s"] >= 14.0)
    assert result.dominant_frequency_hz == pytest.approx(6.0, abs=FREQ_TOLERANCE_HZ)
    assert result.tremor_fraction == 1.0
    assert any("voluntary movement dominated them" in w for w in result.warnings)


def test_a_recording_of_voluntary_movement_only_says_so() -> None:
    t = np.arange(0, 20, 0.01)
    v = np.zeros((t.size, 3))
    v[:, 0] = 3.0 * np.sin(2 * np.pi * 0.8 * t)
    v += 0.005 * np.random.default_rng(1).standard_normal(v.shape)
    result = analyze_signal(v, 100.0, task="rest")
    assert result.window_counts["usable"] == 0
    assert result.band["id"] == "voluntary"
    assert not result.detected
    assert "Voluntary movement dominated most of the recording" in result.screening["statement"]
    # In the action task the movement is the task: windows are kept, and flagged.
    action = analyze_signal(v, 100.0, task="action")
    assert action.window_counts["usable"] == action.window_counts["total"]
    assert action.window_counts["voluntary"] == action.window_counts["total"]
    assert any("in the action task they are kept" in w for w in action.warnings)


def test_tremor_fraction_counts_windows_with_tremor() -> None:
    t = np.arange(0, 40, 0.01)
    v = np.zeros((t.size, 3))
    v[:, 2] = G
    v[t >= 20, 0] += 0.3 * math.sqrt(2) * np.sin(2 * np.pi * 5.0 * t[t >= 20])
    v += 0.01 * np.random.default_rng(2).standard_normal(v.shape)
    result = analyze_signal(v, 100.0, task="rest")
    assert result.detected
    assert result.window_counts["total"] == 19
    assert 0.4 <= result.tremor_fraction <= 0.6
    assert all(w["tremor"] for w in result.windows if w["start_s"] >= 20.0)
    assert not any(w["tremor"] for w in result.windows if w["end_s"] <= 20.0)


def test_tsi_is_small_for_a_steady_tremor_and_grows_with_frequency_wobble() -> None:
    tsis: list[float] = []
    widths: list[float] = []
    for wobble in (0.0, 0.5, 1.0):
        synth = make_tremor(6.0, 0.5, freq_jitter_hz=wobble, duration_s=60.0, seed=5)
        result = analyze_signal(synth.values, 100.0, task="rest")
        assert result.tsi is not None
        assert result.tsi_cycles > 300
        assert result.bandwidth_hz is not None
        tsis.append(result.tsi)
        widths.append(result.bandwidth_hz)
    assert tsis[0] < 0.05
    assert tsis[0] < tsis[1] < tsis[2]
    assert widths[0] == pytest.approx(0.36, abs=0.05)  # the Hann main lobe of a 4-s window
    assert widths[0] < widths[2]


def test_band_powers_and_their_shares() -> None:
    synth = make_tremor(5.0, 0.3, seed=7)
    result = analyze_signal(synth.values, 100.0, task="rest")
    powers = result.band_powers
    assert set(powers) == set(tremor.BAND_POWERS_HZ)
    assert powers["3_7"]["range_hz"] == [3.0, 7.0]
    assert powers["3_7"]["power"] == pytest.approx(0.3**2, rel=0.2)
    assert powers["3_7"]["relative"] > 0.95
    assert powers["8_12"]["relative"] < 0.01
    assert powers["13_18"]["relative"] < 0.01


def test_slow_sampling_cannot_see_orthostatic_tremor() -> None:
    synth = make_tremor(9.0, 0.2, sfreq_hz=25.0, seed=2)
    result = analyze_signal(synth.values, 25.0, task="posture")
    assert result.dominant_frequency_hz == pytest.approx(9.0, abs=FREQ_TOLERANCE_HZ)
    assert result.band_powers["13_18"] == {
        "range_hz": [13.0, 18.0],
        "power": None,
        "relative": None,
    }
    assert any("orthostatic tremor needs at least 40 Hz" in w for w in result.warnings)
    assert result.spectrum["frequencies_hz"][-1] <= 12.5


def test_one_axis_signal() -> None:
    synth = make_tremor(7.5, 0.4, gravity_axis=None, direction=(1.0, 0.0, 0.0), seed=4)
    result = analyze_signal(synth.values[:, 0], 100.0, task="action")
    assert result.dominant_frequency_hz == pytest.approx(7.5, abs=FREQ_TOLERANCE_HZ)
    assert result.amplitude["rms"] == pytest.approx(0.4, rel=AMPLITUDE_TOLERANCE)


def test_to_dict_is_json_with_the_documented_keys() -> None:
    synth = make_tremor(5.0, 0.3, seed=8)
    result = analyze_signal(synth.values, 100.0, task="rest")
    data = json.loads(json.dumps(result.to_dict()))
    for key in (
        "dominant_frequency_hz",
        "amplitude",
        "bandwidth_hz",
        "band",
        "tremor_fraction",
        "tsi",
        "windows",
        "band_powers",
        "spectrum",
        "screening",
        "task",
        "sensor",
    ):
        assert key in data
    assert "trace" not in data
    assert data["windows"][0] == {
        "start_s": 0.0,
        "end_s": 4.0,
        "voluntary": False,
        "tremor": True,
        "peak_hz": pytest.approx(5.0, abs=0.2),
        "rms": pytest.approx(0.3, rel=0.15),
    }
    assert len(data["spectrum"]["frequencies_hz"]) == len(data["spectrum"]["psd"])
    assert data["spectrum"]["frequencies_hz"][-1] == 25.0


# --------------------------------------------------------------------------- bad input


def test_short_and_slow_signals_are_refused() -> None:
    with pytest.raises(SignalError, match=r"lasts 9\.0 s; tremor analysis needs at least 10 s"):
        analyze_signal(np.random.default_rng(0).standard_normal((900, 3)), 100.0)
    with pytest.raises(SignalError, match=r"sampling rate is 20 Hz; .* at least 25 Hz"):
        analyze_signal(np.random.default_rng(0).standard_normal((900, 3)), 20.0)


def test_bad_arguments_name_the_parameter() -> None:
    data = make_tremor(5.0, 0.3, seed=1).values
    with pytest.raises(ValueError, match=r"task must be one of 'rest', 'posture', 'action', "):
        analyze_signal(data, 100.0, task="walking")
    with pytest.raises(ValueError, match=r"sensor must be one of 'accelerometer', 'gyroscope'"):
        analyze_signal(data, 100.0, sensor="magnetometer")
    with pytest.raises(TypeError, match=r"sfreq_hz must be a number of Hz; got bool"):
        analyze_signal(data, True)
    with pytest.raises(ValueError, match=r"sfreq_hz must be a positive finite number"):
        analyze_signal(data, math.nan)
    with pytest.raises(ValueError, match=r"data must have shape \(n_samples, 3\)"):
        analyze_signal(np.zeros((3000, 3, 2)), 100.0)


def test_nan_and_constant_signals_are_refused() -> None:
    data = make_tremor(5.0, 0.3, seed=1).values
    data[100, 1] = np.nan
    with pytest.raises(SignalError, match="NaN or infinite samples"):
        analyze_signal(data, 100.0)
    with pytest.raises(SignalError, match="constant on every axis"):
        analyze_signal(np.ones((3000, 3)), 100.0)


# --------------------------------------------------------------------------- screening


def test_every_screening_code_has_texts_in_both_languages() -> None:
    for code in ("voluntary", "none", "rest_3_7", "action_4_12", "physiological_8_12",
                 "orthostatic_13_18", "other"):  # fmt: skip
        for task in tremor.TASKS:
            en = tremor.screening_texts({"code": code, "task": task, "frequency_hz": 5.2}, "en")
            ru = tremor.screening_texts({"code": code, "task": task, "frequency_hz": 5.2}, "ru")
            assert en["statement"].endswith("This is a measurement, not a diagnosis.")
            assert ru["statement"].endswith("Это измерение, а не диагноз.")
            assert "{" not in en["statement"] + ru["statement"]
            for texts in (en, ru):
                assert "112" in texts["emergency"]
                assert "103" in texts["emergency"]
                assert texts["see_a_doctor"]
    rest = tremor.screening_texts({"code": "rest_3_7", "task": "rest", "frequency_hz": 5.2})
    assert rest["statement"].startswith("A 5.2 Hz tremor was measured at rest.")
    ru = tremor.screening_texts({"code": "rest_3_7", "task": "rest", "frequency_hz": 5.2}, "ru")
    assert ru["statement"].startswith("В покое измерен тремор с частотой 5,2 Гц.")
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ru'"):
        tremor.screening_texts({"code": "none"}, "de")


def test_emergency_advice_covers_every_tremor_emergency_red_flag_of_the_knowledge_base() -> None:
    kb = load_knowledge_base()
    emergency = {
        flag_id
        for flag_id, flag in kb.red_flags.items()
        if flag_id.startswith("tremor_") and flag.urgency == "emergency"
    }
    assert emergency == set(tremor.EMERGENCY_RED_FLAGS)
    texts = tremor.screening_texts({"code": "none", "task": "rest"})["emergency"]
    for words in ("suddenly", "confusion", "hallucinations", "fit", "alcohol", "lithium",
                  "diabetes"):  # fmt: skip
        assert words in texts


def test_format_text_and_png() -> None:
    synth = make_tremor(5.0, 0.3, seed=9)
    result = analyze_signal(synth.values, 100.0, task="rest")
    text = tremor.format_text(result)
    assert "Dominant frequency:    5.0" in text
    assert "Band:                  rest_3_7" in text
    assert "This is a measurement, not a diagnosis." in text
    assert "Call an ambulance now (112; 103 in Russia)" in text
    assert "Это измерение, а не диагноз." in tremor.format_text(result, "ru")
    png = tremor.plot_png(result)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000


def test_the_figure_speaks_russian() -> None:
    from quietlegs.signals._tremor_plot import LABELS

    assert LABELS["ru"].keys() == LABELS["en"].keys()
    assert all(re.search("[а-яё]", text, re.IGNORECASE) for text in LABELS["ru"].values())
    result = analyze_signal(make_tremor(5.0, 0.4, seed=2).values, 100.0, task="rest")
    english, russian = tremor.plot_png(result), tremor.plot_png(result, lang="ru")
    assert russian.startswith(b"\x89PNG\r\n\x1a\n")
    assert russian != english
    with pytest.raises(ValueError, match="lang"):
        tremor.plot_png(result, lang="de")


def test_png_is_written_to_a_file(tmp_path: Path) -> None:
    result = analyze_signal(make_tremor(0.0, 0.0, seed=1).values, 100.0, task="posture")
    target = tmp_path / "figure.png"
    png = tremor.plot_png(result, target)
    assert target.read_bytes() == png


def test_importing_the_module_loads_neither_scipy_nor_matplotlib() -> None:
    code = (
        "import sys, quietlegs.signals.tremor; "
        "bad = [m for m in ('scipy', 'matplotlib') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------- internals


def test_own_welch_matches_scipy() -> None:
    from scipy import signal

    synth = make_tremor(6.0, 0.3, gravity_axis=None, seed=11)
    x = synth.values - synth.values.mean(axis=0)
    freqs, psd = tremor._window_psd(np.ascontiguousarray(x), 100.0, 400, 200)
    ref_f, ref = signal.welch(x, fs=100.0, window=("hann"), nperseg=400, noverlap=200,
                              detrend="linear", axis=0)  # fmt: skip
    np.testing.assert_allclose(freqs, ref_f)
    ours = psd.mean(axis=0)
    theirs = ref.sum(axis=1)
    band = (freqs > 1) & (freqs < 20)
    # Same estimator; the Hann windows differ only in their end points (symmetric vs periodic).
    np.testing.assert_allclose(ours[band].sum(), theirs[band].sum(), rtol=0.01)


def test_zero_phase_bandpass_keeps_the_tremor_and_removes_gravity_and_drift() -> None:
    t = np.arange(0, 20, 0.01)
    tremor_part = 0.3 * np.sin(2 * np.pi * 6 * t)
    x = (tremor_part + 9.81 + 0.05 * t + 1.0 * np.sin(2 * np.pi * 0.3 * t))[:, None]
    out = tremor._bandpass(x, 100.0, 2.0, 20.0)[:, 0]
    inner = slice(300, -300)
    np.testing.assert_allclose(out[inner], tremor_part[inner], atol=0.02)
    lag = np.argmax(np.correlate(out[inner], tremor_part[inner], "full")) - (out[inner].size - 1)
    assert lag == 0  # zero phase: nothing is delayed


def test_result_dataclass_holds_the_trace() -> None:
    result = analyze_signal(make_tremor(5.0, 0.3, seed=1).values, 100.0)
    assert isinstance(result, TremorResult)
    assert result.trace is not None
    assert result.trace.shape == (3001,)
