"""Leg-movement detection on synthetic EMG with known bursts."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from quietlegs._errors import SignalError
from quietlegs.signals import _detect
from quietlegs.signals.edf import SignalWarning, read_leg_recording
from quietlegs.signals.hypnogram import read_hypnogram
from quietlegs.signals.plm import analyze, detect_both_legs, detect_leg_movements
from tests.signals import synth
from tests.signals._arrays import hypnogram_of, make_emg, make_night

FS = 256.0


def onsets_s(events: npt.NDArray[np.int64], fs: float = FS) -> list[float]:
    return [float(v) for v in events[:, 0] / fs]


def test_threshold_rules_on_an_exact_envelope() -> None:
    rate = 32.0  # 0.5 s = 16 samples
    excess = np.zeros(200, dtype=np.float32)
    excess[20:40] = 9.0  # an LM ...
    excess[40:50] = 3.0  # ... still above 2 µV: not yet ended
    excess[50:60] = 1.0  # quiet for 10 samples (< 0.5 s)
    excess[60:70] = 8.0  # so this belongs to the same LM (same-leg merge)
    excess[100:110] = 7.9  # never reaches 8 µV: no LM
    excess[150:160] = 8.0  # runs to the end without 0.5 s of quiet? quiet after 160
    events = _detect.threshold_events(excess, rate)
    assert events.tolist() == [[20, 70], [150, 160]]
    # Exactly 16 quiet samples end an LM; 15 do not.
    excess = np.zeros(100, dtype=np.float32)
    excess[10:20] = 8.0
    excess[36:40] = 8.0  # gap of 16 samples at 0 µV
    assert _detect.threshold_events(excess, rate).tolist() == [[10, 20], [36, 40]]
    excess[35] = 8.0  # gap of 15 samples
    assert _detect.threshold_events(excess, rate).tolist() == [[10, 40]]
    excess[20:35] = 2.0  # "does not exceed 2 µV" counts as quiet
    excess[35] = 0.0
    assert _detect.threshold_events(excess, rate).tolist() == [[10, 20], [36, 40]]


BURSTS = [(20.0 + 25.0 * i, 0.6 + 0.4 * (i % 8), 30.0 + 8.0 * (i % 5)) for i in range(20)]


@pytest.mark.parametrize("fs", [100.0, 200.0, 256.0, 512.0])
def test_onsets_within_half_second_and_durations_close(fs: float) -> None:
    x = make_emg(530.0, fs, BURSTS, floor_uv=4.0, seed=3)
    events = detect_leg_movements(x, fs)
    assert events.dtype == np.int64
    assert events.shape == (len(BURSTS), 2)
    on = events[:, 0] / fs
    dur = (events[:, 1] - events[:, 0]) / fs
    truth_on = np.array([b[0] for b in BURSTS])
    truth_dur = np.array([b[1] for b in BURSTS])
    assert np.max(np.abs(on - truth_on)) <= 0.15
    assert np.max(np.abs(dur - truth_dur)) <= 0.35


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"ecg_uv": 150.0, "heart_rate_bpm": 60.0}, "ECG 150 µV at 60/min"),
        ({"ecg_uv": 150.0, "heart_rate_bpm": 130.0}, "ECG 150 µV at 130/min"),
        ({"mains_uv": 200.0, "mains_hz": 50.0}, "50 Hz hum 200 µV"),
        ({"mains_uv": 200.0, "mains_hz": 60.0}, "60 Hz hum 200 µV"),
        ({"floor_uv": (2.0, 8.0), "drift_uv": 300.0}, "floor wandering 2 -> 8 µV, drift"),
    ],
)
def test_no_false_lm_from_artefacts(kwargs: dict[str, Any], name: str) -> None:
    params: dict[str, Any] = {"floor_uv": 3.0, "seed": 5} | kwargs
    x = make_emg(1200.0, FS, [], **params)
    assert detect_leg_movements(x, FS).shape == (0, 2), name


def test_bursts_found_through_ecg_hum_and_a_wandering_floor() -> None:
    x = make_emg(
        530.0, FS, BURSTS, floor_uv=(2.0, 8.0), ecg_uv=120.0, heart_rate_bpm=110.0,
        mains_uv=150.0, mains_hz=60.0, drift_uv=200.0, seed=11,
    )  # fmt: skip
    events = detect_leg_movements(x, FS)
    assert len(events) == len(BURSTS)
    assert np.max(np.abs(events[:, 0] / FS - [b[0] for b in BURSTS])) <= 0.5


def test_minimum_duration_and_rules_maximum() -> None:
    bursts = [(10.0, 0.3, 40.0), (30.0, 0.7, 40.0), (50.0, 12.0, 40.0)]
    x = make_emg(80.0, FS, bursts, floor_uv=3.0, seed=2)
    wasm = detect_leg_movements(x, FS)
    assert [round(v) for v in onsets_s(wasm)] == [30, 50]  # 0.3 s is too short
    aasm = detect_leg_movements(x, FS, rules="aasm")
    assert [round(v) for v in onsets_s(aasm)] == [30]  # > 10 s is no LM in AASM


def test_non_finite_samples_warn_and_block_nearby_lms() -> None:
    bursts = [(10.0, 1.0, 40.0), (30.0, 1.0, 40.0)]
    x = make_emg(60.0, FS, bursts, floor_uv=3.0, seed=4)
    x[int(29.8 * FS) : int(30.2 * FS)] = np.nan
    with pytest.warns(UserWarning, match=r"103 non-finite samples .* first at 29\.8 s"):
        events = detect_leg_movements(x, FS)
    assert [round(v) for v in onsets_s(events)] == [10]


def test_flat_channel_warns_and_finds_nothing() -> None:
    with pytest.warns(UserWarning, match="flat"):
        assert detect_leg_movements(np.zeros(2560), FS).shape == (0, 2)


def test_bad_input_is_refused() -> None:
    good = np.zeros(1000)
    with pytest.raises(ValueError, match=r"sfreq_hz must be between 100 and inf Hz; got 50 Hz"):
        detect_leg_movements(good, 50.0)
    with pytest.raises(
        ValueError, match=r"emg_uv must be a 1-D array \(one leg\); got shape \(2, 500\)"
    ):
        detect_leg_movements(good.reshape(2, 500), FS)
    with pytest.raises(TypeError, match=r"emg_uv must hold real numbers .*got dtype bool"):
        detect_leg_movements(np.ones(1000, dtype=bool), FS)
    with pytest.raises(TypeError, match=r"emg_uv must hold real numbers .*got dtype complex128"):
        detect_leg_movements(np.ones(1000, dtype=complex), FS)
    with pytest.raises(ValueError, match=r"at least 1 s of signal \(256 samples\); got 100"):
        detect_leg_movements(np.zeros(100), FS)
    with pytest.raises(ValueError, match=r"rules must be one of 'wasm2016', 'aasm'; got 'x'"):
        detect_leg_movements(good, FS, rules="x")
    with pytest.raises(TypeError, match=r"sfreq_hz must be int or float; got bool"):
        detect_leg_movements(good, True)
    with pytest.raises(ValueError, match=r"sfreq_hz must be a finite number of Hz; got inf"):
        detect_leg_movements(good, float("inf"))
    with pytest.raises(SignalError, match="no finite sample"):
        detect_leg_movements(np.full(1000, np.nan), FS)


def test_synthetic_night_detection_matches_truth() -> None:
    night = make_night(0.5, seed=7, mains_uv=40.0)
    for emg, truth in ((night.left_uv, night.left_lms), (night.right_uv, night.right_lms)):
        events = detect_leg_movements(emg, night.sfreq_hz)
        assert len(events) == len(truth)
        assert np.max(np.abs(events[:, 0] - truth[:, 0])) / night.sfreq_hz <= 0.5


@dataclass
class FakeRecording:
    """Stand-in for ``quietlegs.signals.edf.LegRecording`` (the fields analyze reads)."""

    left_uv: npt.NDArray[np.float64] | None
    right_uv: npt.NDArray[np.float64] | None
    sfreq_hz: float
    duration_s: float
    annotations: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def test_analyze_detects_and_scores_both_legs() -> None:
    night = make_night(0.5, seed=8)
    rec = FakeRecording(night.left_uv, night.right_uv, night.sfreq_hz, night.duration_s,
                        warnings=["from the reader"])  # fmt: skip
    result = analyze(rec, hypnogram=night.hypnogram)
    truth_left, truth_right = night.left_lms, night.right_lms
    from quietlegs.signals.plm import score_plm

    truth = score_plm(
        truth_left, truth_right, night.sfreq_hz, night.duration_s, hypnogram=night.hypnogram
    )
    assert result.index_basis == "sleep"
    assert result.lm_count == truth.lm_count
    assert result.plms_index == pytest.approx(truth.plms_index)
    assert result.warnings[0] == "from the reader"
    one_leg = analyze(FakeRecording(night.left_uv, None, night.sfreq_hz, night.duration_s))
    assert one_leg.index_basis == "recording"
    assert any("no right-leg channel" in w for w in one_leg.warnings)
    with pytest.raises(SignalError, match="no leg EMG channel"):
        analyze(FakeRecording(None, None, FS, 10.0))


def test_hypnogram_stand_in_follows_the_contract() -> None:
    hyp = hypnogram_of(("W", 60), ("N2", 30))
    assert hyp.stage_at(np.array([0.0, 59.9, 60.0, 89.9, 90.0, -1.0])).tolist() == [
        "W",
        "W",
        "N2",
        "N2",
        "?",
        "?",
    ]
    assert (hyp.sleep_seconds(), hyp.wake_seconds()) == (30.0, 60.0)


@pytest.mark.parametrize("fs", [100.0, 256.0, 512.0])
def test_matrix_fir_equals_direct_convolution(fs: float) -> None:
    rng = np.random.default_rng(1)
    taps = _detect.fir_taps(fs)
    half = taps.size // 2
    for n in (3 * half + 7, 4097):
        x = rng.standard_normal(n)
        padded = np.concatenate([np.full(half, x[0]), x, np.full(half, x[-1])])
        direct = np.convolve(padded, taps[::-1], mode="valid")
        assert np.allclose(_detect.fir_filter(x, taps), direct, atol=1e-4)


def test_running_extreme_equals_scipy() -> None:
    from scipy import ndimage

    rng = np.random.default_rng(2)
    for m in (1, 11, 12, 1001):
        x = rng.standard_normal(m).astype(np.float32)
        for half in (1, 5):
            k = 2 * half + 1
            low = ndimage.minimum_filter1d(x, k, mode="constant", cval=np.inf)
            high = ndimage.maximum_filter1d(x, k, mode="constant", cval=-np.inf)
            assert np.array_equal(_detect.running_extreme(x, half, np.minimum), low)
            assert np.array_equal(_detect.running_extreme(x, half, np.maximum), high)


def test_mains_line_is_found_only_when_present() -> None:
    hum50 = make_emg(60.0, FS, [], floor_uv=3.0, mains_uv=20.0, mains_hz=50.0)
    hum60 = make_emg(60.0, FS, [], floor_uv=3.0, mains_uv=20.0, mains_hz=60.0)
    clean = make_emg(60.0, FS, [(10.0, 2.0, 50.0)], floor_uv=3.0)
    assert _detect.find_mains(hum50, FS) == 50.0
    assert _detect.find_mains(hum60, FS) == 60.0
    assert _detect.find_mains(clean, FS) is None


@pytest.mark.parametrize("fs", [100.0, 200.0, 256.0, 500.0, 512.0])
def test_fused_envelope_equals_filter_then_block_means(fs: float) -> None:
    rng = np.random.default_rng(2)
    taps = _detect.fir_taps(fs)
    block = max(1, round(fs / _detect.ENVELOPE_RATE_HZ))
    for n in (taps.size + 5, 300_001):
        x = rng.standard_normal(n) * 20.0
        y = np.abs(_detect.fir_filter(x, taps).astype(np.float64))
        k = n // block
        expected = y[: k * block].reshape(k, block).mean(axis=1)
        got = _detect.fir_rectified_means(x, taps, block)
        assert got.dtype == np.float32
        assert got.shape == (k,)
        assert np.allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_threaded_envelope_equals_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    fs = 200.0
    x = rng.standard_normal(200_003) * 5.0
    x[50_000:50_400] += 60.0 * rng.standard_normal(400)
    monkeypatch.setattr(_detect, "_n_threads", lambda: 1)
    env1, block1 = _detect.envelope(x, fs)
    monkeypatch.setattr(_detect, "_n_threads", lambda: 2)
    monkeypatch.setattr(_detect, "FIR_THREAD_CHUNK_ROWS", 300)
    env2, block2 = _detect.envelope(x, fs)
    assert block1 == block2
    assert np.allclose(env1, env2, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fs", [100.0, 200.0, 256.0, 500.0, 512.0, 1000.0])
def test_fir_taps_equal_scipy_firwin(fs: float) -> None:
    from scipy import signal

    taps = _detect.fir_taps(fs)
    half = taps.size // 2
    high = min(_detect.BAND_HZ[1], _detect.MAX_EDGE_SHARE_OF_FS * fs)
    expected = signal.firwin(2 * half + 1, [_detect.BAND_HZ[0], high], pass_zero=False, fs=fs)
    assert np.allclose(taps, expected, rtol=1e-12, atol=1e-15)


def test_baseline_smoothing_equals_scipy_median_filter() -> None:
    from scipy import ndimage

    rng = np.random.default_rng(3)
    rate = 32.0
    per_block = round(_detect.BASELINE_BLOCK_S * rate)
    env = rng.gamma(2.0, 3.0, 23 * per_block + 17).astype(np.float32)
    got = _detect.baseline(env, rate)
    sub = env[:: _detect.BASELINE_SUBSAMPLE]
    step = per_block // _detect.BASELINE_SUBSAMPLE
    n_full = sub.size // step
    levels = np.percentile(sub[: n_full * step].reshape(n_full, step), 30.0, axis=1)
    levels = np.append(levels, np.percentile(sub[n_full * step :], 30.0))
    smooth = ndimage.median_filter(levels, size=5, mode="nearest").astype(np.float32)
    assert np.array_equal(got, np.repeat(smooth, per_block)[: env.size])


def test_importing_detection_does_not_import_scipy_signal() -> None:
    code = (
        "import sys, quietlegs.signals.plm, quietlegs.signals.edf; "
        "print(sorted(m for m in sys.modules if m.startswith(('scipy.signal', 'scipy.ndimage'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_worker_threads_run_inline_and_use_worker_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_detect, "_blas_local_threads", lambda: lambda n: 0)
    seen: list[tuple[bool, int]] = []

    def probe(item: int) -> int:
        seen.append((_detect._in_worker(), _detect._n_threads()))
        return item * 2

    assert _detect.map_legs(probe, [1, 2]) == [2, 4]
    assert seen == [(True, 1), (True, 1)]
    assert not _detect._in_worker()
    assert _detect.map_legs(probe, [3]) == [6]  # one item: inline on the caller
    assert seen[-1] == (False, 2)


def test_both_legs_give_the_same_events_as_each_leg_alone() -> None:
    left = make_emg(300.0, FS, [(20.0, 2.0, 40.0), (100.0, 1.0, 30.0)], floor_uv=3.0, seed=1)
    right = make_emg(300.0, FS, [(50.0, 3.0, 40.0)], floor_uv=3.0, seed=2)
    got_left, got_right = detect_both_legs(left, right, FS)
    assert got_left is not None
    assert got_right is not None
    assert np.array_equal(got_left, detect_leg_movements(left, FS))
    assert np.array_equal(got_right, detect_leg_movements(right, FS))
    assert len(got_left) == 2
    assert len(got_right) == 1
    only_right = detect_both_legs(None, right, FS, rules="aasm")
    assert only_right[0] is None
    assert only_right[1] is not None
    assert np.array_equal(only_right[1], got_right)


def test_both_legs_errors_name_the_problem() -> None:
    leg = make_emg(30.0, FS, [], floor_uv=3.0)
    with pytest.raises(ValueError, match="left_uv and right_uv are both None"):
        detect_both_legs(None, None, FS)
    with pytest.raises(ValueError, match="rules"):
        detect_both_legs(leg, leg, FS, rules="bogus")
    with pytest.raises(ValueError, match="sfreq_hz"):
        detect_both_legs(leg, leg, 50.0)
    with pytest.raises(ValueError, match="1-D array"):
        detect_both_legs(leg, np.zeros((2, 4000)), FS)


NOTCH_BANDS_256 = [0, 4, 12, 44, 48.5, 51.5, 56, 100, 108, 128]


@pytest.mark.parametrize(
    ("numtaps", "bands", "desired", "weight"),
    [
        (65, NOTCH_BANDS_256, [0, 0, 1, 1, 0, 0, 1, 1, 0, 0], [1, 1, 100, 1, 1]),
        (31, [0, 20, 30, 128], [1, 1, 0, 0], [1, 3]),
        (21, [0, 40, 60, 128], [0, 1, 1, 0.5], [2, 1]),  # sloped bands
    ],
)
def test_firls_equals_scipy(
    numtaps: int, bands: list[float], desired: list[float], weight: list[float]
) -> None:
    from scipy import signal

    expected = signal.firls(numtaps, bands, desired, weight=weight, fs=256.0)
    got = _detect.firls(numtaps, bands, desired, weight, 256.0)
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-12)


def _gain_db(taps: npt.NDArray[np.float64], freq_hz: float, fs: float) -> float:
    m = np.arange(taps.size) - taps.size // 2
    return float(20 * np.log10(abs(np.sum(taps * np.exp(-2j * np.pi * freq_hz / fs * m)))))


@pytest.mark.parametrize("fs", [200.0, 256.0, 500.0, 512.0, 1000.0])
@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_notch_fir_removes_mains_and_passes_emg(fs: float, mains: float) -> None:
    taps = _detect.notch_fir_taps(fs, mains)
    assert taps.size % 2 == 1
    assert np.allclose(taps, taps[::-1])  # linear phase: zero phase once centred
    for offset in (-0.5, -0.2, 0.0, 0.2, 0.5):
        assert _gain_db(taps, mains + offset, fs) < -45.0
    high = min(100.0, 0.45 * fs)
    pass_band = [f for f in np.arange(14.0, high - 4.0, 1.0) if abs(f - mains) > 7.0]
    gains = [_gain_db(taps, f, fs) for f in pass_band]
    assert min(gains) > -1.0
    assert max(gains) < 1.0
    assert _gain_db(taps, 2.0, fs) < -20.0  # drift and movement artefacts


def test_hum_is_removed_before_the_thresholds() -> None:
    bursts = [(20.0, 2.0, 30.0), (80.0, 1.0, 25.0)]
    clean = make_emg(120.0, FS, bursts, floor_uv=3.0, seed=4)
    humming = clean + 40.0 * np.sin(2 * np.pi * 50.0 * np.arange(clean.size) / FS)
    assert _detect.find_mains(humming, FS) == 50.0
    found = detect_leg_movements(humming, FS)
    assert len(found) == 2
    assert np.allclose(found[:, 0] / FS, [20.0, 80.0], atol=0.25)


def test_analyze_carries_the_hypnograms_warnings(tmp_path: Path) -> None:
    # Stage labels that name no stage: skipped, so no hypnogram, and the result says why.
    night = synth.make_night(300, 200.0, seed=5)
    path = synth.write_edf(tmp_path / "n.edf", night, stage_format="Sleep stage {stage}!")
    recording = read_leg_recording(path)
    with pytest.warns(SignalWarning, match=r"10 annotations look like sleep stages"):
        result = analyze(recording)
    codes = [p.code for p in result.warning_details]
    assert codes == ["unknown_stage_labels", "no_hypnogram", "short_time"]
    assert result.warning_details[0].params["count"] == 10  # 300 s: ten 30-s epochs
    assert result.warnings == [p.message for p in result.warning_details]
    assert result.index_basis == "recording"


def test_analyze_carries_a_given_hypnograms_warnings(tmp_path: Path) -> None:
    night = synth.make_night(300, 200.0, seed=5)
    path = synth.write_edf(tmp_path / "n.edf", night, annotations=False)
    stages = tmp_path / "h.txt"
    stages.write_text("\n".join(["W", "N2", "N2", "N2", "N2", "N2"]) + "\n")  # 6 of 10 epochs
    with pytest.warns(SignalWarning, match="no sleep stage covers 4 of"):
        hypnogram = read_hypnogram(stages, duration_s=night.duration_s)
    result = analyze(read_leg_recording(path), hypnogram=hypnogram)
    assert [(p.code, p.params) for p in result.warning_details] == [
        ("unscored_gaps", {"epochs": 4, "seconds": 120.0}),
        ("short_time", {"hours": 0.0, "basis": "sleep", "min_hours": 4.0}),  # 150 s, to 0.1 h
    ]
    assert result.sleep_hours == pytest.approx(150.0 / 3600.0)
