"""Synthetic polysomnography nights with exact ground truth, and EDF+ files of them.

:func:`make_night` builds leg EMG (and an ECG) with known leg movements:

- a resting noise floor (band-limited, 10-100 Hz) whose RMS wanders slowly
  between ``noise_floor_uv[0]`` and ``noise_floor_uv[1]`` through the night;
- EMG bursts (band-limited noise, 20-100 Hz, 10-ms cosine ramps) of a known
  onset, duration, side and RMS amplitude (20-60 µV by default, far above the
  8 µV onset threshold of WASM 2016);
- QRS-like ECG spikes (60-80 bpm, ``ecg_leak_uv`` peak) leaking into the legs,
  mains hum at ``mains_hz``, slow baseline drift.

Ground truth (:class:`SynthNight`): every burst as a :class:`TrueMovement`
with its ``kind`` -- ``"lm"`` (a candidate leg movement, 0.5-10 s),
``"too_short"`` (< 0.5 s: not a leg movement) or ``"too_long"`` (> 10 s: a
leg movement that is not a candidate) -- and, for candidate LMs, whether it is
periodic, arousal-associated or respiratory-related *by construction*:

- periodic: a member of an :class:`LMSeries` of >= 4 LMs whose intervals are
  within 10-90 s (WASM 2016; AASM accepts 5-90 s, so a series with intervals
  of 5 to < 10 s is periodic under AASM only and is flagged False here);
- arousal: an arousal was placed starting 0.3 s after the LM's onset
  (overlapping it: associated under both WASM 2016 and AASM);
- respiratory: an apnea or hypopnea was placed ending 0.3 s before the LM's
  onset (within both the WASM 2016 window, -2.0 to +10.25 s around the end of
  the event, and the AASM one, 0.5 s).

The automatic content (``None`` for ``lm_series``, ``isolated_lms``,
``too_short``, ``too_long``, ``stages``, ``events``) keeps every item more than
90 s from any other, so the truth holds under both rule sets; series lie
entirely in sleep. Explicit content is taken as given: keep items you want
independent more than 90 s apart.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import edfio
import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from quietlegs.signals.hypnogram import EPOCH_S, EVENT_KINDS, SLEEP_STAGES, Hypnogram, ScoredEvent

FloatArray = npt.NDArray[np.float64]

#: Leg-movement duration limits used for the truth (WASM 2016, Ferri et al.
#: Sleep Med 2016;26:86-95: an LM lasts >= 0.5 s; a candidate LM <= 10 s).
LM_MIN_S = 0.5
CLM_MAX_S = 10.0
#: PLM series (WASM 2016): >= 4 candidate LMs, onset-to-onset 10-90 s.
SERIES_MIN_COUNT = 4
IMI_MIN_S = 10.0
IMI_MAX_S = 90.0
#: Gap kept around automatically placed items (> IMI_MAX_S, so nothing links).
AUTO_GAP_S = 95.0
#: Lag of an arousal's onset after its LM's onset; of an LM's onset after the
#: end of its respiratory event.
AROUSAL_LAG_S = 0.3
RESPIRATORY_LAG_S = 0.3

SIDES = ("left", "right", "bilateral")
EVENT_TEXT = {
    "apnea": "Obstructive Apnea",
    "hypopnea": "Hypopnea",
    "rera": "RERA",
    "arousal": "Arousal (ARO SPONT)",
}


@dataclass(frozen=True)
class LMSeries:
    """A run of leg movements at a fixed onset-to-onset interval.

    Parameters
    ----------
    start_s : float
        Onset of the first LM.
    count : int
        Number of LMs.
    imi_s : float
        Onset-to-onset interval.
    duration_s : float
        Duration of each LM.
    side : str
        ``"left"``, ``"right"`` or ``"bilateral"``.
    amplitude_uv : float | None
        RMS amplitude of the bursts; ``None`` draws each in ``burst_amplitude_uv``.
    """

    start_s: float
    count: int
    imi_s: float
    duration_s: float = 1.5
    side: str = "left"
    amplitude_uv: float | None = None


@dataclass(frozen=True)
class Burst:
    """One EMG burst: an isolated LM, or a too-short or too-long burst."""

    onset_s: float
    duration_s: float
    side: str = "left"
    amplitude_uv: float | None = None


BurstSpec = Burst | tuple[float, float, str]


@dataclass(frozen=True)
class TrueMovement:
    """A burst that was put into the signal, and what it should be scored as.

    ``onset_s``/``duration_s`` span both legs for a bilateral burst.
    """

    onset_s: float
    duration_s: float
    side: str
    kind: str  # "lm", "too_short", "too_long"
    periodic: bool = False
    arousal: bool = False
    respiratory: bool = False
    stage: str = "?"
    amplitude_uv: float = 0.0


@dataclass
class SynthNight:
    """A synthetic night: signals in µV and the exact truth."""

    left_uv: FloatArray | None
    right_uv: FloatArray | None
    ecg_uv: FloatArray | None
    sfreq_hz: float
    duration_s: float
    bursts: list[TrueMovement]
    hypnogram: Hypnogram
    events: list[ScoredEvent]
    seed: int
    #: Per-leg (onset_sample, offset_sample) of every burst, for exact checks.
    leg_spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def lms(self) -> list[TrueMovement]:
        """Candidate leg movements (0.5-10 s), sorted by onset."""
        return [b for b in self.bursts if b.kind == "lm"]

    @property
    def plm_flags(self) -> npt.NDArray[np.bool_]:
        """Whether each of :attr:`lms` is periodic."""
        return np.array([lm.periodic for lm in self.lms], dtype=bool)

    @property
    def plm_count(self) -> int:
        return int(self.plm_flags.sum())

    @property
    def plms_count(self) -> int:
        """Periodic LMs whose onset falls in a sleep epoch."""
        return sum(1 for lm in self.lms if lm.periodic and lm.stage in SLEEP_STAGES)

    @property
    def plms_index(self) -> float:
        """PLMS per hour of sleep (the truth an index should match)."""
        hours = self.hypnogram.sleep_seconds() / 3600.0
        return self.plms_count / hours if hours else float("nan")

    def annotations(self, stage_format: str = "Sleep stage {stage}") -> list[edfio.EdfAnnotation]:
        """Stage annotations (one per complete epoch) and scored events, for EDF+."""
        out = []
        hyp = self.hypnogram
        for i, stage in enumerate(hyp.stages):
            onset = hyp.start_s + i * hyp.epoch_s
            if onset + hyp.epoch_s <= self.duration_s + 1e-9:
                out.append(
                    edfio.EdfAnnotation(onset, hyp.epoch_s, stage_format.format(stage=stage))
                )
        for event in self.events:
            out.append(edfio.EdfAnnotation(event.onset_s, event.duration_s, EVENT_TEXT[event.kind]))
        return out


# ----------------------------------------------------------------------------- pieces


def _bandpass(sfreq_hz: float, low_hz: float, high_hz: float) -> FloatArray:
    high = min(high_hz, 0.45 * sfreq_hz)
    sos: FloatArray = sps.butter(4, [low_hz, high], btype="bandpass", fs=sfreq_hz, output="sos")
    return sos


def _unit_noise(rng: np.random.Generator, n: int, sos: FloatArray) -> FloatArray:
    pad = 256
    noise: FloatArray = sps.sosfilt(sos, rng.standard_normal(n + 2 * pad))[pad : pad + n]
    rms = float(np.sqrt(np.mean(noise**2))) if n else 1.0
    return noise / rms if rms > 0 else noise


def _slow(
    t_s: FloatArray, coarse_hz: float, wave: Callable[[FloatArray], FloatArray]
) -> FloatArray:
    """A slow waveform computed on a coarse grid and interpolated (fast for long nights)."""
    duration = float(t_s[-1]) if t_s.size else 0.0
    grid = np.arange(0.0, duration + 2.0 / coarse_hz, 1.0 / coarse_hz)
    out: FloatArray = np.interp(t_s, grid, wave(grid))
    return out


def _wander(rng: np.random.Generator, t: FloatArray, low: float, high: float) -> FloatArray:
    """Slowly varying level between low and high (periods 10-60 min)."""
    p1, p2 = rng.uniform(600.0, 3600.0, size=2)
    f1, f2 = rng.uniform(0, 2 * np.pi, size=2)

    def wave(g: FloatArray) -> FloatArray:
        w = 0.5 + 0.25 * np.sin(2 * np.pi * g / p1 + f1) + 0.25 * np.sin(2 * np.pi * g / p2 + f2)
        out: FloatArray = low + (high - low) * w
        return out

    return _slow(t, 1.0, wave)


def _qrs_template(sfreq_hz: float) -> FloatArray:
    """A QRS-T complex with an R peak of 1 (about 0.6 s long)."""
    t = np.arange(-0.15, 0.45, 1.0 / sfreq_hz)

    def g(center: float, width: float) -> FloatArray:
        out: FloatArray = np.exp(-0.5 * ((t - center) / width) ** 2)
        return out

    wave = -0.15 * g(-0.03, 0.008) + 1.0 * g(0.0, 0.010) - 0.25 * g(0.03, 0.010)
    wave = wave + 0.25 * g(0.25, 0.040)
    peak = float(wave.max())
    out: FloatArray = wave / peak
    return out


def _ecg(rng: np.random.Generator, n: int, sfreq_hz: float) -> FloatArray:
    """Unit-peak ECG at 60-80 bpm."""
    duration = n / sfreq_hz
    period = rng.uniform(300.0, 1200.0)
    phase = rng.uniform(0, 2 * np.pi)
    beats = []
    time = rng.uniform(0.0, 0.8)
    while time < duration:
        beats.append(time)
        bpm = 70.0 + 10.0 * math.sin(2 * math.pi * time / period + phase)
        time += 60.0 / bpm
    template = _qrs_template(sfreq_hz)
    lead = round(0.15 * sfreq_hz)
    # Beats are >= 0.75 s apart and the template is 0.6 s long: no overlap, so
    # each complex can be added with one fancy-indexed assignment.
    padded = np.zeros(n + 2 * len(template), dtype=np.float64)
    starts = np.round(np.asarray(beats) * sfreq_hz).astype(np.int64) + len(template) - lead
    padded[starts[:, None] + np.arange(len(template))[None, :]] += template[None, :]
    out: FloatArray = padded[len(template) : len(template) + n]
    return out


def _burst(
    rng: np.random.Generator, n: int, sfreq_hz: float, amplitude_uv: float, sos: FloatArray
) -> FloatArray:
    wave = _unit_noise(rng, n, sos) * amplitude_uv
    ramp = min(n // 2, max(1, round(0.010 * sfreq_hz)))
    taper = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
    wave[:ramp] *= taper
    wave[n - ramp :] *= taper[::-1]
    return wave


def _as_burst(spec: BurstSpec) -> Burst:
    if isinstance(spec, Burst):
        return spec
    onset, duration, side = spec
    return Burst(float(onset), float(duration), side)


def _default_stages(rng: np.random.Generator, n_epochs: int) -> list[str]:
    """A plausible night: wake, then ~90-min NREM-REM cycles with brief awakenings."""
    stages: list[str] = ["W"] * min(20, max(1, n_epochs // 10))
    cycle = 0
    while len(stages) < n_epochs:
        n3 = max(4, 40 - 12 * cycle + int(rng.integers(-4, 5)))
        rem = min(40, 10 + 8 * cycle + int(rng.integers(-3, 4)))
        stages += ["N1"] * 2 + ["N2"] * (30 + int(rng.integers(-5, 6))) + ["N3"] * n3
        stages += ["N2"] * 10 + ["R"] * rem + ["W"] * int(rng.integers(1, 4))
        cycle += 1
    return stages[:n_epochs]


@dataclass
class _Planned:
    onset: float
    duration: float
    side: str
    kind: str
    amplitude: float
    periodic: bool = False
    lag: float = 0.0  # right leg's lag behind the left in a bilateral burst
    auto: bool = False
    arousal: bool = False
    respiratory: bool = False


class _Timeline:
    """Occupied intervals, for placing automatic items far apart."""

    def __init__(self, duration_s: float, hypnogram: Hypnogram) -> None:
        self.duration_s = duration_s
        self.hypnogram = hypnogram
        self.busy: list[tuple[float, float]] = []

    def free(self, start: float, end: float) -> bool:
        if start < 1.0 or end > self.duration_s - 1.0:
            return False
        return all(end + AUTO_GAP_S <= a or start - AUTO_GAP_S >= b for a, b in self.busy)

    def asleep(self, start: float, end: float) -> bool:
        times = np.arange(start - 5.0, end + 5.0, 5.0)
        return bool(np.isin(self.hypnogram.stage_at(times), SLEEP_STAGES).all())

    def place(
        self, rng: np.random.Generator, length: float, *, sleep: bool, tries: int = 200
    ) -> float | None:
        for _ in range(tries):
            start = float(rng.uniform(1.0, max(1.0, self.duration_s - length - 1.0)))
            start = round(start, 2)
            if self.free(start, start + length) and (
                not sleep or self.asleep(start, start + length)
            ):
                self.busy.append((start, start + length))
                return start
        return None


# ----------------------------------------------------------------------------- make_night


def make_night(
    duration_s: float,
    sfreq_hz: float = 256.0,
    *,
    seed: int,
    legs: str = "both",
    lm_series: Sequence[LMSeries] | None = None,
    isolated_lms: Sequence[BurstSpec] | None = None,
    too_short: Sequence[BurstSpec] | None = None,
    too_long: Sequence[BurstSpec] | None = None,
    stages: Sequence[str] | None = None,
    events: Sequence[ScoredEvent] | None = None,
    ecg: bool = True,
    ecg_leak_uv: float = 50.0,
    mains_hz: float | None = 50.0,
    mains_uv: float = 5.0,
    noise_floor_uv: tuple[float, float] = (2.0, 4.0),
    drift: bool = True,
    drift_uv: float = 20.0,
    burst_amplitude_uv: tuple[float, float] = (20.0, 60.0),
) -> SynthNight:
    """A synthetic night of leg EMG with known leg movements.

    Parameters
    ----------
    duration_s : float
        Length; ``duration_s * sfreq_hz`` must be a whole number of samples.
    sfreq_hz : float
        Sampling rate of the legs and the ECG.
    seed : int
        Seed of everything random (the same seed gives the same night).
    legs : {"both", "left", "right"}
        Which legs are recorded (a missing leg's array is ``None``).
    lm_series, isolated_lms, too_short, too_long : sequence | None
        Explicit content (``Burst``/``(onset_s, duration_s, side)`` tuples for
        the last three), or ``None`` for automatic content scaled to the night
        (about 2 series and 6 isolated LMs per hour, 4 too-short and 1
        too-long bursts per hour). Pass ``()`` for none.
    stages : sequence of str | None
        One stage per 30-s epoch (``ceil(duration_s / 30)`` of them), or
        ``None`` for a plausible night.
    events : sequence of ScoredEvent | None
        Explicit scored events, or ``None`` to attach arousals and respiratory
        events to some automatic LMs (and a few free-standing ones). With
        explicit events no LM is flagged arousal/respiratory.
    ecg, ecg_leak_uv : bool, float
        An ECG channel (1 mV R peaks) and its leak into the legs (peak µV).
    mains_hz, mains_uv : float | None, float
        Mains hum frequency (``None`` for none) and amplitude (µV peak).
    noise_floor_uv : (float, float)
        Range of the resting EMG RMS, wandering slowly through the night.
    drift, drift_uv : bool, float
        Slow baseline drift (< 0.3 Hz) and its amplitude.
    burst_amplitude_uv : (float, float)
        Range of the RMS amplitude of bursts drawn at random.

    Returns
    -------
    SynthNight
    """
    if legs not in ("both", "left", "right"):
        raise ValueError(f"legs must be 'both', 'left' or 'right'; got {legs!r}")
    n = duration_s * sfreq_hz
    if duration_s <= 0 or abs(n - round(n)) > 1e-6:
        raise ValueError(
            f"duration_s * sfreq_hz must be a positive whole number; got {duration_s} * {sfreq_hz}"
        )
    n = round(n)
    rng = np.random.default_rng(seed)
    allowed_sides = {"both": SIDES, "left": ("left",), "right": ("right",)}[legs]
    n_epochs = math.ceil(duration_s / EPOCH_S - 1e-9)
    if stages is None:
        stage_list = _default_stages(rng, n_epochs)
    else:
        stage_list = list(stages)
        if len(stage_list) != n_epochs:
            raise ValueError(f"stages must have {n_epochs} epochs; got {len(stage_list)}")
    hypnogram = Hypnogram(np.asarray(stage_list, dtype="<U2"))
    timeline = _Timeline(duration_s, hypnogram)
    hours = duration_s / 3600.0
    low_amp, high_amp = burst_amplitude_uv

    def amp(value: float | None) -> float:
        return float(rng.uniform(low_amp, high_amp)) if value is None else float(value)

    planned: list[_Planned] = []

    def plan(item: _Planned) -> None:
        if item.side not in allowed_sides:
            raise ValueError(f"a burst on side {item.side!r} in a night with legs={legs!r}")
        if item.onset < 0 or item.onset + item.duration > duration_s:
            raise ValueError(f"burst {item.onset} + {item.duration} s lies outside the night")
        planned.append(item)
        if not item.auto:
            timeline.busy.append((item.onset, item.onset + item.duration))

    # Explicit content first, so that automatic content keeps clear of it.
    for series in lm_series or ():
        periodic = series.count >= SERIES_MIN_COUNT and IMI_MIN_S <= series.imi_s <= IMI_MAX_S
        kind = "lm" if LM_MIN_S <= series.duration_s <= CLM_MAX_S else "too_long"
        for k in range(series.count):
            plan(
                _Planned(
                    series.start_s + k * series.imi_s,
                    series.duration_s,
                    series.side,
                    kind,
                    amp(series.amplitude_uv),
                    periodic=periodic and kind == "lm",
                )
            )
    for specs, kind in ((isolated_lms, "lm"), (too_short, "too_short"), (too_long, "too_long")):
        for spec in specs or ():
            burst = _as_burst(spec)
            plan(
                _Planned(burst.onset_s, burst.duration_s, burst.side, kind, amp(burst.amplitude_uv))
            )

    if lm_series is None:
        for _ in range(max(1, round(2 * hours))):
            count = int(rng.integers(SERIES_MIN_COUNT, 13))
            imis = rng.uniform(12.0, 80.0, size=count - 1)
            start = timeline.place(rng, float(imis.sum()) + CLM_MAX_S, sleep=True)
            if start is None:
                continue
            for onset in start + np.concatenate([[0.0], np.cumsum(imis)]):
                side = str(rng.choice(allowed_sides))
                plan(
                    _Planned(
                        round(float(onset), 3),
                        round(float(rng.uniform(0.6, 5.0)), 3),
                        side,
                        "lm",
                        amp(None),
                        periodic=True,
                        lag=float(rng.uniform(0.0, 0.2)) if side == "bilateral" else 0.0,
                        auto=True,
                    )
                )
    for specs, kind, per_hour, (shortest, longest) in (
        (isolated_lms, "lm", 6.0, (0.6, 8.0)),
        (too_short, "too_short", 4.0, (0.15, 0.4)),
        (too_long, "too_long", 1.0, (11.0, 20.0)),
    ):
        if specs is not None:
            continue
        for _ in range(max(1, round(per_hour * hours))):
            duration = round(float(rng.uniform(shortest, longest)), 3)
            start = timeline.place(rng, duration, sleep=False)
            if start is None:
                continue
            side = str(rng.choice(allowed_sides if kind == "lm" else allowed_sides[:2]))
            plan(_Planned(start, duration, side, kind, amp(None), auto=True))
    planned.sort(key=lambda item: item.onset)

    # Scored events: arousals and respiratory events attached to some automatic
    # LMs (isolated ones only for respiratory events, whose 10-20 s would
    # otherwise cover the previous LM of a series), plus free-standing ones.
    event_list: list[ScoredEvent] = []
    if events is None:
        for item in planned:
            if item.kind != "lm" or not item.auto:
                continue
            if rng.random() < 0.2:
                length = round(float(rng.uniform(3.0, 10.0)), 3)
                event_list.append(
                    ScoredEvent(round(item.onset + AROUSAL_LAG_S, 3), length, "arousal")
                )
                item.arousal = True
            elif not item.periodic and rng.random() < 0.4:
                length = round(float(rng.uniform(10.0, 20.0)), 3)
                start = round(item.onset - RESPIRATORY_LAG_S - length, 3)
                if start > 0:
                    kind = "apnea" if rng.random() < 0.5 else "hypopnea"
                    event_list.append(ScoredEvent(start, length, kind))
                    item.respiratory = True
        for kind in EVENT_KINDS:
            for _ in range(max(1, round(hours))):
                length = round(float(rng.uniform(10.0, 20.0)), 3)
                start = timeline.place(rng, length, sleep=True, tries=50)
                if start is not None:
                    event_list.append(ScoredEvent(start, length, kind))
    else:
        event_list = list(events)
    event_list.sort(key=lambda e: (e.onset_s, e.kind))

    # Signals.
    t = np.arange(n, dtype=np.float64) / sfreq_hz
    floor_sos = _bandpass(sfreq_hz, 10.0, 100.0)
    burst_sos = _bandpass(sfreq_hz, 20.0, 100.0)
    heart = _ecg(rng, n, sfreq_hz) if ecg else None
    # Mains hum is common to both legs (it comes in through the same amplifier).
    hum = (
        mains_uv * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 2 * np.pi))
        if mains_hz
        else None
    )
    channels: dict[str, FloatArray] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for side in ("left", "right"):
        if legs not in ("both", side):
            continue
        x = _unit_noise(rng, n, floor_sos) * _wander(rng, t, *noise_floor_uv)
        if heart is not None:
            x += (ecg_leak_uv if side == "left" else -0.8 * ecg_leak_uv) * heart
        if hum is not None:
            x += hum
        if drift:
            freqs = rng.uniform(0.02, 0.3, size=3)
            phases = rng.uniform(0, 2 * np.pi, size=3)

            def wave(g: FloatArray, f: FloatArray = freqs, p: FloatArray = phases) -> FloatArray:
                out: FloatArray = (
                    drift_uv / 3 * np.sin(2 * np.pi * f[:, None] * g + p[:, None]).sum(0)
                )
                return out

            x += _slow(t, 10.0, wave)
        channels[side] = x
        spans[side] = []
    truth: list[TrueMovement] = []
    for item in planned:
        end = item.onset + item.duration
        for leg in ("left", "right"):
            if item.side not in (leg, "bilateral"):
                continue
            shift = item.lag if leg == "right" else 0.0
            a = round((item.onset + shift) * sfreq_hz)
            b = min(n, round((end + shift) * sfreq_hz))
            channels[leg][a:b] += _burst(rng, b - a, sfreq_hz, item.amplitude, burst_sos)
            spans[leg].append((a, b))
        truth.append(
            TrueMovement(
                onset_s=item.onset,
                duration_s=round(end + item.lag - item.onset, 6),
                side=item.side,
                kind=item.kind,
                periodic=item.periodic,
                arousal=item.arousal,
                respiratory=item.respiratory,
                stage=str(hypnogram.stage_at(np.array([item.onset]))[0]),
                amplitude_uv=item.amplitude,
            )
        )
    return SynthNight(
        left_uv=channels.get("left"),
        right_uv=channels.get("right"),
        ecg_uv=1000.0 * heart if heart is not None else None,
        sfreq_hz=float(sfreq_hz),
        duration_s=float(duration_s),
        bursts=truth,
        hypnogram=hypnogram,
        events=event_list,
        seed=seed,
        leg_spans=spans,
    )


# ----------------------------------------------------------------------------- write_edf


def _resample(x: FloatArray, from_hz: float, to_hz: float) -> FloatArray:
    if from_hz == to_hz:
        return x
    ratio = Fraction(to_hz / from_hz).limit_denominator(1000)
    out: FloatArray = sps.resample_poly(x, ratio.numerator, ratio.denominator)
    return out


def _physical_range(x: FloatArray, scale: float) -> tuple[float, float]:
    """Symmetric range just above the largest |value| in µV, one significant digit,
    converted with ``scale`` (so that it fits the 8-character EDF field)."""
    top = float(np.max(np.abs(x))) * 1.05 if x.size else 1.0
    if top <= 0:
        top = 1.0
    step = 10 ** math.floor(math.log10(top))
    top = math.ceil(top / step) * step
    scaled = float(f"{top * scale:.0e}")
    if "e" in str(scaled):  # below 1e-4: EDF's 8 characters need positional notation
        scaled = float(f"{math.ceil(scaled / 1e-4) * 1e-4:.4f}")
    return (-scaled, scaled)


UNIT_SCALE = {"uV": 1.0, "µV": 1.0, "mV": 1e-3, "V": 1e-6}


def write_edf(
    path: str | Path,
    night: SynthNight,
    *,
    labels: tuple[str, str] = ("LAT", "RAT"),
    ecg_label: str = "ECG",
    extra_channels: Sequence[str] | Mapping[str, FloatArray] = (),
    annotations: bool = True,
    stage_format: str = "Sleep stage {stage}",
    sfreq_hz: float | tuple[float, float] | None = None,
    unit: str = "uV",
    physical_range_uv: tuple[float, float] | None = None,
    start: datetime.datetime = datetime.datetime(2024, 3, 1, 22, 30, 0),
) -> Path:
    """Write a night as an EDF+ (EDF+C) file with ``edfio``.

    Parameters
    ----------
    path : str | Path
        Where to write.
    night : SynthNight
    labels : (str, str)
        Labels of the left and right leg channels (a leg the night lacks is
        not written).
    ecg_label : str
        Label of the ECG channel (written when the night has an ECG).
    extra_channels : sequence of str | mapping of str to array
        Further channels (e.g. EEG): labels get low-amplitude seeded noise at
        the legs' rate; arrays are written as given, at ``len / duration`` Hz.
    annotations : bool
        Write stage annotations (``stage_format``, one per complete epoch) and
        the scored events; ``False`` writes a plain EDF (no annotation signal).
    sfreq_hz : float | (float, float) | None
        Write the legs at another rate (resampled), or each leg at its own.
    unit : {"uV", "µV", "mV", "V"}
        Physical dimension of the legs (values converted to it).
    physical_range_uv : (float, float) | None
        Physical range of the legs in µV; data outside it are clipped
        (saturation). Default: symmetric, just above the largest value.
    start : datetime.datetime
        Start date and time written in the header.

    Returns
    -------
    Path
    """
    duration = night.duration_s
    if unit not in UNIT_SCALE:
        raise ValueError(f"unit must be one of {sorted(UNIT_SCALE)}; got {unit!r}")
    scale = UNIT_SCALE[unit]
    if sfreq_hz is None:
        rates = (night.sfreq_hz, night.sfreq_hz)
    elif isinstance(sfreq_hz, tuple):
        rates = sfreq_hz
    else:
        rates = (sfreq_hz, sfreq_hz)
    signals = []
    for leg, label, rate in zip((night.left_uv, night.right_uv), labels, rates, strict=True):
        if leg is None:
            continue
        data = _resample(leg, night.sfreq_hz, rate)
        if physical_range_uv is not None:
            lo, hi = physical_range_uv
            data = np.clip(data, lo, hi)
            prange = (lo * scale, hi * scale)
        else:
            prange = _physical_range(data, scale)
        signals.append(
            edfio.EdfSignal(
                data * scale,
                rate,
                label=label,
                physical_dimension=unit,
                physical_range=prange,
                transducer_type="AgAgCl electrode",
                prefiltering="HP:10Hz LP:100Hz",
            )
        )
    if night.ecg_uv is not None:
        signals.append(
            edfio.EdfSignal(
                night.ecg_uv,
                night.sfreq_hz,
                label=ecg_label,
                physical_dimension="uV",
                physical_range=_physical_range(night.ecg_uv, 1.0),
            )
        )
    rng = np.random.default_rng(night.seed + 1)
    if isinstance(extra_channels, Mapping):
        extras = dict(extra_channels)
    else:
        n = round(duration * night.sfreq_hz)
        extras = {name: rng.standard_normal(n) * 10.0 for name in extra_channels}
    for name, data in extras.items():
        signals.append(
            edfio.EdfSignal(
                np.asarray(data, dtype=np.float64),
                len(data) / duration,
                label=name,
                physical_dimension="uV",
                physical_range=_physical_range(np.asarray(data, dtype=np.float64), 1.0),
            )
        )
    edf = edfio.Edf(
        signals,
        recording=edfio.Recording(startdate=start.date()),
        starttime=start.time(),
        annotations=night.annotations(stage_format) if annotations else None,
    )
    out = Path(path)
    edf.write(out)
    return out
