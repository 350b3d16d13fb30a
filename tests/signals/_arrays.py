"""Seeded synthetic leg EMG and nights for the PLM tests and benchmarks.

Arrays only (``tests/signals/synth.py`` makes whole EDF+ nights with exact truth).
``FakeHypnogram`` and ``FakeEvent`` are minimal objects with the interface of
``quietlegs.signals.hypnogram`` (``Hypnogram``, ``ScoredEvent``), so that the scoring
rules are tested on hand-made stages and events without parsing annotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import signal

STAGES = ("W", "N1", "N2", "N3", "R")
SLEEP = ("N1", "N2", "N3", "R")


@dataclass
class FakeHypnogram:
    """Stand-in for ``quietlegs.signals.hypnogram.Hypnogram`` (same methods)."""

    stages: npt.NDArray[np.str_]
    epoch_s: float = 30.0
    start_s: float = 0.0

    def stage_at(self, times_s: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
        idx = np.floor((np.asarray(times_s, dtype=np.float64) - self.start_s) / self.epoch_s)
        idx = idx.astype(np.int64)
        out = np.full(idx.shape, "?", dtype="<U2")
        ok = (idx >= 0) & (idx < self.stages.size)
        out[ok] = self.stages[idx[ok]]
        return out

    def seconds_by_stage(self) -> dict[str, float]:
        return {s: float(np.count_nonzero(self.stages == s)) * self.epoch_s for s in STAGES}

    def sleep_seconds(self) -> float:
        by = self.seconds_by_stage()
        return sum(by[s] for s in SLEEP)

    def wake_seconds(self) -> float:
        return self.seconds_by_stage()["W"]


@dataclass(frozen=True)
class FakeEvent:
    """Stand-in for ``quietlegs.signals.hypnogram.ScoredEvent``."""

    onset_s: float
    duration_s: float
    kind: str


def hypnogram_of(*spans: tuple[str, float]) -> FakeHypnogram:
    """Hypnogram from (stage, seconds) spans, each a multiple of 30 s."""
    stages: list[str] = []
    for stage, seconds in spans:
        stages += [stage] * round(seconds / 30.0)
    return FakeHypnogram(np.array(stages, dtype="<U2"))


def lms(*pairs: tuple[float, float], sfreq_hz: float = 256.0) -> npt.NDArray[np.int64]:
    """LM array [onset, offset) in samples from (onset_s, duration_s) pairs."""
    rows = [(round(on * sfreq_hz), round((on + dur) * sfreq_hz)) for on, dur in pairs]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def make_emg(
    duration_s: float,
    sfreq_hz: float,
    bursts: list[tuple[float, float, float]],
    *,
    floor_uv: float | tuple[float, float] = 3.0,
    ecg_uv: float = 0.0,
    heart_rate_bpm: float = 70.0,
    mains_uv: float = 0.0,
    mains_hz: float = 50.0,
    drift_uv: float = 0.0,
    seed: int = 0,
) -> npt.NDArray[np.float64]:
    """One leg's EMG in µV.

    Parameters
    ----------
    duration_s, sfreq_hz : float
        Length and sampling rate.
    bursts : list of (onset_s, duration_s, rms_uv)
        Muscle bursts: noise band-limited to the EMG band (10-100 Hz) with that RMS,
        with 20-ms cosine ramps.
    floor_uv : float or (start, end)
        RMS of the resting noise (same band); a pair wanders linearly from start to end.
    ecg_uv : float
        Peak of QRS-like spikes (Ricker wavelet, sigma 10 ms) at ``heart_rate_bpm``.
    mains_uv, mains_hz : float
        Mains hum amplitude and frequency.
    drift_uv : float
        Amplitude of a slow (0.05 Hz) baseline drift.
    seed : int
        Random seed.
    """
    rng = np.random.default_rng(seed)
    n = round(duration_s * sfreq_hz)
    t = np.arange(n) / sfreq_hz
    if isinstance(floor_uv, tuple):
        floor = np.linspace(floor_uv[0], floor_uv[1], n)
    else:
        floor = np.full(n, float(floor_uv))
    x = _band_noise(rng, n, sfreq_hz) * floor
    burst_noise = _band_noise(rng, n, sfreq_hz)
    ramp = max(1, round(0.02 * sfreq_hz))
    for onset, dur, rms in bursts:
        a, b = round(onset * sfreq_hz), min(n, round((onset + dur) * sfreq_hz))
        if b <= a:
            continue
        shape = np.ones(b - a)
        r = min(ramp, (b - a) // 2)
        if r:
            edge = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, r))
            shape[:r] = edge
            shape[-r:] = edge[::-1]
        x[a:b] += burst_noise[a:b] * rms * shape
    if ecg_uv:
        rr = 60.0 / heart_rate_bpm
        beats = np.arange(0.5, duration_s - 0.5, rr)
        beats = beats + rng.normal(0.0, 0.03 * rr, beats.size)
        sigma = 0.010
        tk = np.arange(-5 * sigma, 5 * sigma, 1.0 / sfreq_hz)
        ricker = (1 - (tk / sigma) ** 2) * np.exp(-0.5 * (tk / sigma) ** 2) * ecg_uv
        idx = (
            np.round(beats * sfreq_hz).astype(np.int64)[:, None] + np.arange(tk.size) - tk.size // 2
        )
        idx = idx[(idx.min(axis=1) >= 0) & (idx.max(axis=1) < n)]
        np.add.at(x, idx, np.broadcast_to(ricker, idx.shape))
    if mains_uv:
        x += mains_uv * np.sin(2 * np.pi * mains_hz * t)
    if drift_uv:
        x += drift_uv * np.sin(2 * np.pi * 0.05 * t) + 40.0
    return x


def _band_noise(rng: np.random.Generator, n: int, sfreq_hz: float) -> npt.NDArray[np.float64]:
    """Unit-RMS Gaussian noise band-limited to 10-100 Hz (the EMG band)."""
    high = min(100.0, 0.45 * sfreq_hz)
    sos = signal.butter(4, [10.0, high], btype="bandpass", fs=sfreq_hz, output="sos")
    noise = signal.sosfiltfilt(sos, rng.standard_normal(n))
    return np.asarray(noise / noise.std(), dtype=np.float64)


@dataclass
class Night:
    """A synthetic night: both legs' EMG, the true LMs and the hypnogram."""

    left_uv: npt.NDArray[np.float64]
    right_uv: npt.NDArray[np.float64]
    sfreq_hz: float
    duration_s: float
    left_lms: npt.NDArray[np.int64]
    right_lms: npt.NDArray[np.int64]
    hypnogram: FakeHypnogram
    notes: list[str] = field(default_factory=list)


def make_night(
    hours: float = 1.0,
    sfreq_hz: float = 256.0,
    *,
    seed: int = 0,
    ecg_uv: float = 30.0,
    mains_uv: float = 0.0,
    floor_uv: float | tuple[float, float] = (2.0, 8.0),
) -> Night:
    """A night with PLM series, isolated and bilateral LMs, ECG and a wandering floor.

    LMs last 0.8-4 s with an RMS of 25-80 µV; PLM series have IMIs of 15-40 s; distinct
    movements are at least 3 s apart so that the truth is unambiguous. The hypnogram
    opens with 10 min of wake and has a 5-min wake bout every hour.
    """
    rng = np.random.default_rng(seed)
    duration = hours * 3600.0
    epochs = round(duration / 30.0)
    cycle = np.array(["N1"] * 4 + ["N2"] * 40 + ["N3"] * 30 + ["N2"] * 20 + ["R"] * 26)
    stages = np.resize(cycle, epochs).astype("<U2")
    stages[:20] = "W"
    stages[np.arange(epochs) % 120 >= 110] = "W"
    hyp = FakeHypnogram(stages)
    left: list[tuple[float, float, float]] = []
    right: list[tuple[float, float, float]] = []
    t = 30.0
    while t < duration - 120.0:
        if rng.random() < 0.6:  # a PLM series
            for _ in range(int(rng.integers(4, 25))):
                t += float(rng.uniform(15.0, 40.0))
                if t > duration - 20.0:
                    break
                _add_lm(rng, t, left, right)
        else:  # an isolated LM
            _add_lm(rng, t, left, right)
        t += float(rng.uniform(95.0, 400.0))
    bursts_l = [(on, dur, amp) for on, dur, amp in left]
    bursts_r = [(on, dur, amp) for on, dur, amp in right]
    common = {"ecg_uv": ecg_uv, "mains_uv": mains_uv, "floor_uv": floor_uv, "drift_uv": 50.0}
    left_uv = make_emg(duration, sfreq_hz, bursts_l, seed=seed * 2 + 1, **common)  # type: ignore[arg-type]
    right_uv = make_emg(duration, sfreq_hz, bursts_r, seed=seed * 2 + 2, **common)  # type: ignore[arg-type]
    return Night(
        left_uv=left_uv,
        right_uv=right_uv,
        sfreq_hz=sfreq_hz,
        duration_s=duration,
        left_lms=lms(*[(on, dur) for on, dur, _ in left], sfreq_hz=sfreq_hz),
        right_lms=lms(*[(on, dur) for on, dur, _ in right], sfreq_hz=sfreq_hz),
        hypnogram=hyp,
    )


def _add_lm(
    rng: np.random.Generator,
    t: float,
    left: list[tuple[float, float, float]],
    right: list[tuple[float, float, float]],
) -> None:
    dur = float(rng.uniform(0.8, 4.0))
    amp = float(rng.uniform(25.0, 80.0))
    side = rng.random()
    if side < 0.4:
        left.append((t, dur, amp))
    elif side < 0.8:
        right.append((t, dur, amp))
    else:  # bilateral: the second leg starts within 0.3 s and overlaps
        left.append((t, dur, amp))
        right.append((t + float(rng.uniform(0.0, 0.3)), float(rng.uniform(0.8, dur)), amp))
