"""Tremor from a phone or watch accelerometer or gyroscope recording.

The recipe follows the published methods: Elble & McNames 2016 (portable transducers),
the MDS 2018 consensus (Bhatia et al.) and the electrophysiology review of Deuschl et al.
2022 for the frequency bands, and di Biase et al. 2017 for the tremor stability index:

1. gravity and drift removed (linear detrend), a zero-phase band-pass for the time course;
2. 4-s Hann windows (50 % overlap) flagged when voluntary movement dominates;
3. Welch spectrum (sum of the three axes) of the usable windows; dominant frequency searched
   in 3-20 Hz with log-parabolic sub-bin refinement; half-power bandwidth;
4. band powers, RMS acceleration (or angular velocity) of the tremor peak and the
   displacement (or angle) it implies, both from the spectrum; the share of windows with
   tremor; the tremor stability index.

Every band and threshold is a named module-level constant with its source. The result is
a measurement, never a diagnosis; :attr:`TremorResult.screening` says what the frequency
band means, when to see a doctor and when to call emergency services. See ``docs/tremor.md``.

Public API: :data:`TASKS`, :func:`read_recording`, :func:`analyze`, :func:`analyze_signal`,
:class:`TremorResult`, :func:`format_text`, :func:`screening_texts`, :func:`plot_png`.

The module imports only numpy (scipy.signal would add ~0.8 s to every start-up); matplotlib
is imported by :func:`plot_png` only.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quietlegs._errors import SignalError
from quietlegs._validation import check_option
from quietlegs.signals._tremor_io import (
    MIN_DURATION_S,
    MIN_SFREQ_HZ,
    SENSORS,
    MotionRecording,
    read_recording,
)

__all__ = [
    "LANGUAGES",
    "TASKS",
    "MotionRecording",
    "TremorResult",
    "analyze",
    "analyze_signal",
    "format_text",
    "plot_png",
    "read_recording",
    "screening_texts",
]

logger = logging.getLogger("quietlegs.signals")

FloatArray = npt.NDArray[np.float64]

#: The recording conditions (MDS 2018 activation conditions; Bhatia et al., Mov Disord
#: 2018;33:75-87): limb relaxed and supported, holding a posture, moving (finger-to-nose,
#: drawing, pouring), and standing still (for orthostatic tremor, phone on the shin).
TASKS = ("rest", "posture", "action", "standing")

#: The languages of the screening texts.
LANGUAGES = ("en", "ru")

# --------------------------------------------------------------------------- bands (Hz)

#: Below the tremor bands: voluntary movement, posture drift and the slow gravity changes of
#: a turning phone (Elble & McNames, Tremor Other Hyperkinet Mov 2016;6:375: voluntary
#: movement lies mostly below 2-3 Hz; the slowest pathological tremors start near 3 Hz).
BELOW_TREMOR_BAND_HZ = (0.5, 3.0)

#: Where the dominant tremor frequency is searched: from the slowest common tremors
#: (parkinsonian rest tremor from 3-4 Hz; Holmes tremor below 5 Hz) to the top of
#: orthostatic tremor (13-18 Hz, up to 20 Hz in Hassan et al., Neurology 2016;86:458).
#: Capped at 0.45 × the sampling rate for slowly sampled recordings.
TREMOR_SEARCH_BAND_HZ = (3.0, 20.0)

#: Parkinsonian rest tremor: typically 4-6 Hz (Bhatia 2018; Deuschl et al., Clin
#: Neurophysiol 2022;136:93-129); 3-7 Hz accepted to allow for measurement spread, as in
#: the knowledge base's measured-tremor rules (tremor.yaml).
REST_BAND_HZ = (3.0, 7.0)

#: Essential tremor: 4-12 Hz action (postural and kinetic) tremor (Bhatia 2018).
ESSENTIAL_BAND_HZ = (4.0, 12.0)

#: Physiological and enhanced physiological tremor of the outstretched hand: 8-12 Hz
#: (Deuschl 2022; enhanced physiological tremor spans 4-12 Hz but is mostly 8-12 Hz in the
#: unloaded hand).
PHYSIOLOGICAL_BAND_HZ = (8.0, 12.0)

#: Orthostatic tremor: 13-18 Hz in the legs on standing (Bhatia 2018; Deuschl 2022).
ORTHOSTATIC_BAND_HZ = (13.0, 18.0)

#: The band powers reported: key -> (low, high) Hz.
BAND_POWERS_HZ: dict[str, tuple[float, float]] = {
    "below_tremor": BELOW_TREMOR_BAND_HZ,
    "3_7": REST_BAND_HZ,
    "4_12": ESSENTIAL_BAND_HZ,
    "8_12": PHYSIOLOGICAL_BAND_HZ,
    "13_18": ORTHOSTATIC_BAND_HZ,
}

# --------------------------------------------------------------------------- signal chain

#: Zero-phase band-pass of the time course (Elble & McNames 2016 band-pass tremor
#: recordings to remove gravity, drift and voluntary movement before measuring them): the
#: squared magnitude of a Butterworth band-pass, applied in the frequency domain.
BANDPASS_HZ = (2.0, 20.0)

#: Order of that Butterworth response; squared (as a forward-backward filter gives), the
#: edges fall by 24 dB per octave.
BANDPASS_ORDER = 2

#: Analysis windows, s: 4 s gives 0.25 Hz resolution (refined below one bin by
#: interpolation) and at least four windows in the shortest (10 s) recording.
WINDOW_S = 4.0

#: Window overlap (Welch 1967: 50 % for a Hann window).
WINDOW_OVERLAP = 0.5

#: A window is "voluntary" (voluntary movement dominates) when its power below the tremor
#: bands exceeds its power in the tremor search band by this ratio (Elble & McNames 2016
#: exclude such epochs) ...
VOLUNTARY_POWER_RATIO = 1.0

#: ... and that slow movement is larger than the sensor's noise: RMS below 3 Hz of at least
#: this much (implementation choice: a still phone's slow drift stays below it; a hand or a
#: phone moved on purpose exceeds it many times over).
VOLUNTARY_MIN_RMS = {"accelerometer": 0.05, "gyroscope": 0.05}  # m/s², rad/s

#: Fewest windows free of voluntary movement for a measurement (three overlapping 4-s
#: windows: 8 s of still recording). A single window's spectrum has 6 degrees of freedom
#: and too much scatter to call a tremor (Welch 1967: the variance falls with the number of
#: averaged segments); with fewer the result says "record again".
MIN_USABLE_WINDOWS = 3

#: A spectral peak counts as tremor when it stands this many times above the background
#: spectrum: a power law (a straight line in log-log, fitted over the search band, the peak
#: left out), since movement and sensor spectra fall with frequency and a flat median would
#: make the low end of the band look like a peak (the "aperiodic" fit of Donoghue et al.,
#: Nat Neurosci 2020;23:1655). Implementation choice: for white noise a single 4-s,
#: three-axis periodogram (6 degrees of freedom) exceeds 5 × its mean at a given frequency
#: with probability 3e-5, so about 0.2 % of windows show a false peak in 3-20 Hz ...
PEAK_TO_BACKGROUND_RATIO = 5.0

#: ... and its RMS amplitude exceeds the noise floor of phone sensors: 0.01 m/s²
#: (accelerometer; MEMS noise ~150-300 µg/√Hz gives ~0.004 m/s² over 2 Hz) or 0.005 rad/s
#: (gyroscope, ~0.3 °/s). Physiological hand tremor is 0.01-0.1 m/s² (Elble & McNames 2016),
#: so its weakest form may fall below this floor.
DETECTION_FLOOR_RMS = {"accelerometer": 0.01, "gyroscope": 0.005}  # m/s², rad/s

#: Half-width of the tremor peak integrated for its amplitude, Hz: the Hann main lobe of a
#: 4-s window spans ± 0.5 Hz; ± 1 Hz also takes in a peak broadened by frequency jitter.
PEAK_HALF_WIDTH_HZ = 1.0

#: Tremor stability index (di Biase et al., Brain 2017;140:1977-1986): the tremor is
#: band-passed around its dominant frequency (± this many Hz), its cycle-by-cycle frequency
#: taken from successive upward zero crossings, and the TSI is the interquartile range of
#: the change in frequency between consecutive cycles, Hz. The filter width is an
#: implementation choice (narrower filters make any tremor look steadier).
TSI_HALF_WIDTH_HZ = 2.0

#: Fewest consecutive-cycle frequency changes for a TSI.
TSI_MIN_CYCLES = 10

#: The spectrum kept in the result (for figures), up to this frequency, Hz.
SPECTRUM_MAX_HZ = 25.0


# --------------------------------------------------------------------------- result


@dataclass
class TremorResult:
    """The tremor measurement of one recording.

    Attributes
    ----------
    task : str
        ``"rest"``, ``"posture"``, ``"action"`` or ``"standing"``, as given.
    sensor, unit : str
        ``"accelerometer"`` (m/s²) or ``"gyroscope"`` (rad/s).
    sfreq_hz, duration_s : float
        Of the analysed (uniform) signal.
    detected : bool
        Whether a tremor peak stood out of the background (``PEAK_TO_BACKGROUND_RATIO``) above the
        sensor's floor (``DETECTION_FLOOR_RMS``).
    dominant_frequency_hz : float | None
        Frequency of the tremor peak with sub-bin refinement, Hz; None when no tremor.
    peak_frequency_hz : float | None
        The largest peak in the search band even when it is not a tremor, Hz.
    bandwidth_hz : float | None
        Half-power (-3 dB) width of the tremor peak, Hz (at least ~0.36 Hz, the Hann main
        lobe of a 4-s window).
    amplitude : dict
        ``rms`` (tremor peak, in ``unit``), ``band_rms`` (whole search band), and for an
        accelerometer ``displacement_rms_mm`` / ``displacement_peak_to_peak_mm``, for a
        gyroscope ``angle_rms_deg`` / ``angle_peak_to_peak_deg`` (from the spectrum; peak to
        peak = 2√2 × RMS, exact for a sinusoidal tremor).
    band : dict
        ``id`` (``none``, ``voluntary``, ``rest_3_7``, ``action_4_12``,
        ``physiological_8_12``, ``orthostatic_13_18`` or ``other``), ``range_hz`` and
        ``consistent_with`` (which tremors live at that frequency in that condition).
    band_powers : dict
        For each of ``BAND_POWERS_HZ``: ``range_hz``, ``power`` (unit²) and ``relative``
        (share of 0.5-20 Hz); None where the band lies above 0.45 × the sampling rate.
    tremor_fraction : float
        Share of the usable windows with a tremor peak, 0-1.
    tsi : float | None
        Tremor stability index (di Biase 2017), Hz; None without tremor or with too few cycles.
    tsi_cycles : int
        Cycle-to-cycle frequency changes behind the TSI.
    windows : list of dict
        Each window: ``start_s``, ``end_s``, ``voluntary``, ``tremor``, ``peak_hz``, ``rms``.
    window_counts : dict
        ``total``, ``voluntary``, ``usable``, ``tremor``.
    spectrum : dict
        ``frequencies_hz`` and ``psd`` (unit²/Hz, three axes summed) of the usable windows,
        up to 25 Hz.
    screening : dict
        ``code`` (the band id) and the English ``statement``, ``see_a_doctor`` and
        ``emergency`` texts (:func:`screening_texts` gives them in Russian).
    recording : dict
        What was read (format, units, notes), see :meth:`MotionRecording.describe`.
    warnings : list of str
    """

    task: str
    sensor: str
    unit: str
    sfreq_hz: float
    duration_s: float
    detected: bool
    dominant_frequency_hz: float | None
    peak_frequency_hz: float | None
    bandwidth_hz: float | None
    amplitude: dict[str, Any]
    band: dict[str, Any]
    band_powers: dict[str, Any]
    tremor_fraction: float
    tsi: float | None
    tsi_cycles: int
    windows: list[dict[str, Any]]
    window_counts: dict[str, int]
    spectrum: dict[str, list[float]]
    screening: dict[str, Any]
    recording: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: The band-passed principal-axis time course (for figures; not in :meth:`to_dict`).
    trace: FloatArray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field but ``trace``."""
        return {
            "task": self.task,
            "sensor": self.sensor,
            "unit": self.unit,
            "sfreq_hz": self.sfreq_hz,
            "duration_s": self.duration_s,
            "detected": self.detected,
            "dominant_frequency_hz": self.dominant_frequency_hz,
            "peak_frequency_hz": self.peak_frequency_hz,
            "bandwidth_hz": self.bandwidth_hz,
            "amplitude": dict(self.amplitude),
            "band": dict(self.band),
            "band_powers": {k: dict(v) for k, v in self.band_powers.items()},
            "tremor_fraction": self.tremor_fraction,
            "tsi": self.tsi,
            "tsi_cycles": self.tsi_cycles,
            "windows": [dict(w) for w in self.windows],
            "window_counts": dict(self.window_counts),
            "spectrum": {k: list(v) for k, v in self.spectrum.items()},
            "screening": dict(self.screening),
            "recording": dict(self.recording),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------- signal chain


def _fast_length(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (fast FFT sizes)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _butter_gain(freqs: FloatArray, low_hz: float, high_hz: float, order: int) -> FloatArray:
    """Squared magnitude of a Butterworth band-pass (what a forward-backward pass gives)."""
    with np.errstate(divide="ignore"):
        ratio_low = np.where(freqs > 0, (freqs / low_hz) ** (2 * order), 0.0)
    high_pass = ratio_low / (1.0 + ratio_low)
    low_pass = 1.0 / (1.0 + (freqs / high_hz) ** (2 * order))
    gain: FloatArray = (high_pass * low_pass) ** 2
    return gain


def _bandpass(
    x: FloatArray, sfreq: float, low_hz: float, high_hz: float, order: int = BANDPASS_ORDER
) -> FloatArray:
    """Zero-phase band-pass along axis 0, in the frequency domain (numpy only).

    The real, non-negative gain has no phase, so nothing is delayed (as with
    ``scipy.signal.sosfiltfilt``); odd-reflection padding of the ends, as ``filtfilt``
    does, keeps the circular FFT from wrapping one end into the other.
    """
    n = x.shape[0]
    pad = min(n - 1, round(3 * sfreq / low_hz))
    head = 2 * x[:1] - x[pad:0:-1]
    tail = 2 * x[-1:] - x[-2 : -pad - 2 : -1]
    padded = np.concatenate([head, x, tail])
    nfft = _fast_length(padded.shape[0])
    spectrum = np.fft.rfft(padded, n=nfft, axis=0)
    freqs = np.fft.rfftfreq(nfft, 1.0 / sfreq).astype(np.float64)
    gain = _butter_gain(freqs, low_hz, high_hz, order)
    spectrum *= gain.reshape((-1,) + (1,) * (x.ndim - 1))
    out: FloatArray = np.fft.irfft(spectrum, n=nfft, axis=0)[pad : pad + n]
    return out


def _segments(x: FloatArray, nper: int, step: int) -> FloatArray:
    """(n_windows, nper, n_axes) strided view of ``x`` (n_samples, n_axes)."""
    n_win = 1 + (x.shape[0] - nper) // step
    view: FloatArray = np.lib.stride_tricks.as_strided(
        x,
        shape=(n_win, nper, x.shape[1]),
        strides=(x.strides[0] * step, x.strides[0], x.strides[1]),
        writeable=False,
    )
    return view


def _window_psd(x: FloatArray, sfreq: float, nper: int, step: int) -> tuple[FloatArray, FloatArray]:
    """One-sided PSD of each Hann window, linearly detrended, three axes summed.

    Returns (frequencies (n_freq,), psd (n_windows, n_freq)) in unit²/Hz, normalised so that
    the sum over frequencies times the bin width is the window's variance (Welch 1967).
    """
    seg = _segments(x, nper, step)
    t = np.arange(nper, dtype=np.float64) - (nper - 1) / 2.0
    mean = seg.mean(axis=1, keepdims=True)
    slope = np.einsum("wna,n->wa", seg, t)[:, None, :] / float(np.dot(t, t))
    detrended = seg - mean - slope * t[None, :, None]
    window = np.hanning(nper + 2)[1:-1]  # symmetric, no zero end points
    spec = np.fft.rfft(detrended * window[None, :, None], axis=1)
    power = (spec.real**2 + spec.imag**2).sum(axis=2)
    scale = 2.0 / (sfreq * float(np.sum(window**2)))
    psd = power * scale
    psd[:, 0] /= 2.0
    if nper % 2 == 0:
        psd[:, -1] /= 2.0
    freqs = np.fft.rfftfreq(nper, 1.0 / sfreq).astype(np.float64)
    return freqs, psd


def _band_mask(freqs: FloatArray, band: tuple[float, float]) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = (freqs >= band[0]) & (freqs <= band[1])
    return mask


def _refine_peak(psd: FloatArray, k: int, df: float) -> float:
    """Frequency of the peak at bin ``k`` by a parabola through the log powers, Hz."""
    if k <= 0 or k >= psd.size - 1:
        return k * df
    a, b, c = (math.log(max(v, 1e-300)) for v in psd[k - 1 : k + 2])
    denom = a - 2 * b + c
    delta = 0.0 if denom == 0 else 0.5 * (a - c) / denom
    return (k + max(-0.5, min(0.5, delta))) * df


def _half_power_width(psd: FloatArray, k: int, df: float) -> float:
    """Width of the peak at bin ``k`` where it falls to half its power, Hz."""
    half = psd[k] / 2.0
    i = k
    while i > 0 and psd[i - 1] > half:
        i -= 1
    left = i - (psd[i] - half) / (psd[i] - psd[i - 1]) if i > 0 else 0.0
    j = k
    while j < psd.size - 1 and psd[j + 1] > half:
        j += 1
    right = j + (psd[j] - half) / (psd[j] - psd[j + 1]) if j < psd.size - 1 else psd.size - 1.0
    return float(right - left) * df


def _background(freqs: FloatArray, psd: FloatArray, idx: npt.NDArray[np.intp]) -> FloatArray:
    """Power-law background of each spectrum at the bins ``idx``: a line fitted in log-log.

    ``psd`` is (n_freq,) or (n_spectra, n_freq); the result has the shape of ``psd[..., idx]``.
    Fitted twice (least squares, closed form, all spectra at once): the second time without
    the bins more than twice above the first fit, so that a tremor peak does not lift its
    own background.
    """
    x = np.log(freqs[idx])
    y = np.log(np.maximum(np.atleast_2d(psd)[:, idx], 1e-300))
    keep = np.ones_like(y, dtype=bool)
    fitted = np.repeat(y.mean(axis=1, keepdims=True), idx.size, axis=1)
    for _ in range(2):
        n = keep.sum(axis=1)
        sx = (keep * x).sum(axis=1)
        sy = (keep * y).sum(axis=1)
        sxx = (keep * x * x).sum(axis=1)
        sxy = (keep * x * y).sum(axis=1)
        denom = n * sxx - sx * sx
        ok = (n >= 3) & (denom > 0)
        slope = np.where(ok, (n * sxy - sx * sy) / np.where(ok, denom, 1.0), 0.0)
        intercept = np.where(ok, (sy - slope * sx) / np.maximum(n, 1), fitted[:, 0])
        fitted = np.where(ok[:, None], intercept[:, None] + slope[:, None] * x[None, :], fitted)
        keep = y - fitted < math.log(2.0)
    background: FloatArray = np.exp(fitted).reshape((*np.shape(psd)[:-1], idx.size))
    return background


def _peaks(
    freqs: FloatArray, psd: FloatArray, search: tuple[float, float]
) -> tuple[npt.NDArray[np.intp], FloatArray] | None:
    """(bins, ratios to the background) of the most prominent local maximum of each spectrum.

    ``psd`` is (n_spectra, n_freq). The most prominent peak is the one standing highest above
    the power-law background (:func:`_background`); for a tremor it is also the largest peak
    of the band. Returns None when the band has fewer than 5 bins.
    """
    idx = np.flatnonzero(_band_mask(freqs, search) & (freqs > 0))
    if idx.size < 5:
        return None
    ratios = psd[:, idx] / _background(freqs, psd, idx)
    left = psd[:, np.maximum(idx - 1, 0)]
    right = psd[:, np.minimum(idx + 1, psd.shape[1] - 1)]
    local_max = (psd[:, idx] >= left) & (psd[:, idx] >= right)
    scored = np.where(local_max, ratios, -np.inf)
    best = np.argmax(scored, axis=1)
    rows = np.arange(psd.shape[0])
    best_ratio: FloatArray = np.where(np.isfinite(scored[rows, best]), ratios[rows, best], 0.0)
    bins: npt.NDArray[np.intp] = idx[best]
    return bins, best_ratio


def _peak(
    freqs: FloatArray, psd: FloatArray, search: tuple[float, float]
) -> tuple[int, float] | None:
    """(bin, ratio to the background) of the most prominent local maximum of one spectrum."""
    found = _peaks(freqs, psd[None, :], search)
    if found is None:
        return None
    return int(found[0][0]), float(found[1][0])


def _principal_axis(x: FloatArray) -> FloatArray:
    """Project (n, 3) onto its direction of largest variance."""
    cov = np.cov(x, rowvar=False)
    _, vectors = np.linalg.eigh(cov)
    axis = vectors[:, -1]
    projected: FloatArray = x @ axis
    return projected


def _tsi(
    trace: FloatArray, sfreq: float, f0: float, usable: npt.NDArray[np.bool_]
) -> tuple[float | None, int]:
    """Tremor stability index (di Biase 2017) of the principal-axis tremor, Hz."""
    low = max(0.5, f0 - TSI_HALF_WIDTH_HZ)
    high = min(0.45 * sfreq, f0 + TSI_HALF_WIDTH_HZ)
    narrow = _bandpass(trace[:, None], sfreq, low, high)[:, 0]
    below = narrow[:-1] < 0
    up = np.flatnonzero(below & (narrow[1:] >= 0))
    if up.size < TSI_MIN_CYCLES + 2:
        return None, 0
    frac = narrow[up] / (narrow[up] - narrow[up + 1])
    crossings = (up + frac) / sfreq
    periods = np.diff(crossings)
    freqs = 1.0 / periods
    # A cycle counts when it starts and ends in usable (non-voluntary) time.
    start_ok = usable[up[:-1]]
    end_ok = usable[np.minimum(up[1:], usable.size - 1)]
    ok = start_ok & end_ok
    changes = np.diff(freqs)
    pair_ok = ok[:-1] & ok[1:]
    changes = changes[pair_ok]
    if changes.size < TSI_MIN_CYCLES:
        return None, int(changes.size)
    q75, q25 = np.percentile(changes, [75, 25])
    return float(q75 - q25), int(changes.size)


# --------------------------------------------------------------------------- bands


_CONSISTENT = {
    "rest_3_7": ["parkinsonian rest tremor (typically 4-6 Hz)"],
    "action_4_12": ["essential tremor (4-12 Hz)", "enhanced physiological tremor"],
    "physiological_8_12": [
        "physiological or enhanced physiological tremor (8-12 Hz)",
        "essential tremor (4-12 Hz)",
    ],
    "orthostatic_13_18": ["orthostatic tremor (13-18 Hz, legs, on standing)"],
    "other": [],
    "none": [],
    "voluntary": [],
}

_BAND_RANGES: dict[str, tuple[float, float] | None] = {
    "rest_3_7": REST_BAND_HZ,
    "action_4_12": ESSENTIAL_BAND_HZ,
    "physiological_8_12": PHYSIOLOGICAL_BAND_HZ,
    "orthostatic_13_18": ORTHOSTATIC_BAND_HZ,
    "other": None,
    "none": None,
    "voluntary": None,
}


def _classify(task: str, f0: float | None, detected: bool, usable: int) -> str:
    """The band id of a measurement (which frequency band, in which condition)."""
    if usable < MIN_USABLE_WINDOWS:
        return "voluntary"
    if not detected or f0 is None:
        return "none"

    def within(band: tuple[float, float]) -> bool:
        return band[0] <= f0 <= band[1]

    if within(ORTHOSTATIC_BAND_HZ):
        return "orthostatic_13_18"
    if task == "rest":
        return "rest_3_7" if within(REST_BAND_HZ) else "other"
    if task in ("posture", "standing") and within(PHYSIOLOGICAL_BAND_HZ):
        return "physiological_8_12"
    if task in ("posture", "action") and within(ESSENTIAL_BAND_HZ):
        return "action_4_12"
    return "other"


# --------------------------------------------------------------------------- screening

_STATEMENTS: dict[str, dict[str, str]] = {
    "voluntary": {
        "en": (
            "Voluntary movement dominated most of the recording (less than 8 seconds were "
            "still enough to measure), so no tremor could be measured. Record again for 30 "
            "seconds with the limb as still as the task allows."
        ),
        "ru": (
            "Большая часть записи занята произвольными движениями (достаточно неподвижных "
            "участков меньше 8 секунд), поэтому тремор измерить не удалось. Запишите снова "
            "30 секунд, держа конечность настолько неподвижно, насколько позволяет задание."
        ),
    },
    "none": {
        "en": (
            "No tremor above the sensor's detection level was found in this recording. A "
            "tremor that comes and goes, or a very fine one, may not show in a single recording."
        ),
        "ru": (
            "В этой записи не найден тремор выше порога чувствительности датчика. Тремор, "
            "который появляется и исчезает, или очень мелкий тремор может не проявиться в "
            "одной записи."
        ),
    },
    "rest_3_7": {
        "en": (
            "A {freq} Hz tremor was measured at rest. A rest tremor in the 3-7 Hz band is "
            "typical of parkinsonian tremor (usually 4-6 Hz), and a tremor at rest is never "
            "normal (physiological) tremor. It needs a neurologist's assessment; it is not "
            "an emergency."
        ),
        "ru": (
            "В покое измерен тремор с частотой {freq} Гц. Тремор покоя в диапазоне 3–7 Гц "
            "характерен для паркинсонического тремора (обычно 4–6 Гц), а тремор в покое "
            "никогда не бывает нормальным (физиологическим). Нужна консультация невролога; "
            "это не экстренная ситуация."
        ),
    },
    "action_4_12": {
        "en": (
            "A {freq} Hz tremor was measured {task_phrase}. Action tremor in the 4-12 Hz band "
            "is seen in essential tremor and in enhanced physiological tremor (stress, "
            "tiredness, caffeine, some medicines, an overactive thyroid). A doctor can tell "
            "them apart."
        ),
        "ru": (
            "{task_phrase_ru} измерен тремор с частотой {freq} Гц. Тремор действия в "
            "диапазоне 4–12 Гц бывает при эссенциальном треморе и при усиленном "
            "физиологическом треморе (стресс, усталость, кофеин, некоторые лекарства, "
            "повышенная функция щитовидной железы). Различить их может врач."
        ),
    },
    "physiological_8_12": {
        "en": (
            "A fine {freq} Hz tremor was measured {task_phrase}. 8-12 Hz is the band of normal "
            "(physiological) tremor, which stress, tiredness, lack of sleep, caffeine and some "
            "medicines make stronger; essential tremor can lie in this band too. It is usually "
            "harmless when it comes and goes with such causes."
        ),
        "ru": (
            "{task_phrase_ru} измерен мелкий тремор с частотой {freq} Гц. 8–12 Гц — диапазон "
            "нормального (физиологического) тремора, который усиливают стресс, усталость, "
            "недосыпание, кофеин и некоторые лекарства; в этом же диапазоне может быть и "
            "эссенциальный тремор. Обычно он безвреден, если появляется и проходит вместе с "
            "такими причинами."
        ),
    },
    "orthostatic_13_18": {
        "en": (
            "A fast {freq} Hz tremor was measured {task_phrase}. A 13-18 Hz tremor of the legs "
            "on standing is the hallmark of orthostatic tremor, which a neurologist confirms "
            "with surface EMG; vibration of the phone or the floor can also give fast peaks. "
            "If you feel unsteady when standing still, sit down or lean on something to avoid "
            "a fall."
        ),
        "ru": (
            "{task_phrase_ru} измерен быстрый тремор с частотой {freq} Гц. Тремор ног 13–18 Гц "
            "в положении стоя — отличительный признак ортостатического тремора, который "
            "невролог подтверждает поверхностной ЭМГ; быстрые пики может давать и вибрация "
            "телефона или пола. Если стоя на месте вы чувствуете неустойчивость, сядьте или "
            "обопритесь, чтобы не упасть."
        ),
    },
    "other": {
        "en": (
            "A {freq} Hz tremor was measured {task_phrase}. This frequency in this condition "
            "does not match one common tremor pattern; a doctor can assess it."
        ),
        "ru": (
            "{task_phrase_ru} измерен тремор с частотой {freq} Гц. Такая частота в этом "
            "положении не соответствует одному типичному виду тремора; оценить его может врач."
        ),
    },
}

_TASK_PHRASES = {
    "rest": ("at rest", "В покое"),
    "posture": ("while holding a posture", "При удержании позы"),
    "action": ("during movement", "При движении"),
    "standing": ("while standing", "В положении стоя"),
}

_NOT_A_DIAGNOSIS = {
    "en": "This is a measurement, not a diagnosis.",
    "ru": "Это измерение, а не диагноз.",
}

#: When to see a doctor (as the knowledge base's advice tremor_advice_when_to_see_doctor).
_SEE_A_DOCTOR = {
    "en": (
        "See a doctor if the shaking keeps coming back or does not settle within a few weeks, "
        "appears at rest, is on one side, gets in the way of daily tasks, or comes with "
        "slowness, stiffness, weight loss or palpitations. A tremor that began suddenly and "
        "has not gone away needs a doctor within 24-48 hours."
    ),
    "ru": (
        "Обратитесь к врачу, если дрожь повторяется или не проходит в течение нескольких "
        "недель, появляется в покое, с одной стороны, мешает повседневным делам или "
        "сопровождается замедленностью, скованностью, похудением или сердцебиением. Тремор, "
        "начавшийся внезапно и не проходящий, требует осмотра врача в течение 24–48 часов."
    ),
}

#: When to call emergency services (the knowledge base's tremor red flags:
#: tremor_sudden_with_neuro_signs, tremor_new_confusion, tremor_severe_withdrawal,
#: tremor_lithium_toxicity, tremor_hypoglycaemia).
_EMERGENCY = {
    "en": (
        "Call an ambulance now (112; 103 in Russia) if the shaking began suddenly together "
        "with weakness or numbness of the face, an arm or a leg, or trouble speaking, seeing "
        "or keeping your balance; if it comes with new confusion, hallucinations or a fit; or "
        "if it started after stopping alcohol or sedatives and comes with sweating, a racing "
        "heart or confusion. Taking lithium, go to an emergency department now if shaking "
        "comes with unsteadiness, slurred speech, vomiting or diarrhoea. With diabetes, "
        "shaking with sweating or confusion may be low blood sugar: take sugar if you can "
        "swallow safely, and call an ambulance if you are confused or not better within 15 "
        "minutes."
    ),
    "ru": (
        "Немедленно вызовите скорую помощь (112 или 103), если дрожь началась внезапно вместе "
        "со слабостью или онемением лица, руки или ноги, нарушением речи, зрения или "
        "равновесия; если она сопровождается новой спутанностью, галлюцинациями или "
        "судорогами; или если она началась после прекращения приёма алкоголя или "
        "успокоительных и сопровождается потливостью, сердцебиением или спутанностью. При "
        "приёме лития немедленно обратитесь за неотложной помощью, если дрожь сопровождается "
        "шаткостью, невнятной речью, рвотой или поносом. При диабете дрожь с потливостью или "
        "спутанностью может быть низким сахаром крови: примите сахар, если можете безопасно "
        "глотать, и вызовите скорую при спутанности или если через 15 минут не стало лучше."
    ),
}

#: The knowledge base's red flags the emergency advice covers (checked by the tests).
EMERGENCY_RED_FLAGS = (
    "tremor_sudden_with_neuro_signs",
    "tremor_new_confusion",
    "tremor_severe_withdrawal",
    "tremor_lithium_toxicity",
    "tremor_hypoglycaemia",
)


def _format_freq(freq: float | None, lang: str) -> str:
    if freq is None:
        return ""
    text = f"{freq:.1f}"
    return text.replace(".", ",") if lang == "ru" else text


def screening_texts(screening: dict[str, Any], lang: str = "en") -> dict[str, str]:
    """The screening statement, when to see a doctor and when to call emergency services.

    Parameters
    ----------
    screening : dict
        :attr:`TremorResult.screening` (or the same dict read back from JSON): ``code``,
        ``frequency_hz`` and ``task``.
    lang : {"en", "ru"}

    Returns
    -------
    dict
        ``statement`` (what was measured and what lives in that band, ending with
        "this is a measurement, not a diagnosis"), ``see_a_doctor`` and ``emergency``.
    """
    check_option("lang", lang, LANGUAGES)
    code = str(screening.get("code", "none"))
    template = _STATEMENTS.get(code, _STATEMENTS["other"])[lang]
    task = str(screening.get("task", "posture"))
    phrase_en, phrase_ru = _TASK_PHRASES.get(task, _TASK_PHRASES["posture"])
    statement = template.format(
        freq=_format_freq(screening.get("frequency_hz"), lang),
        task_phrase=phrase_en,
        task_phrase_ru=phrase_ru,
    )
    return {
        "statement": f"{statement} {_NOT_A_DIAGNOSIS[lang]}",
        "see_a_doctor": _SEE_A_DOCTOR[lang],
        "emergency": _EMERGENCY[lang],
    }


# --------------------------------------------------------------------------- analysis


def analyze_signal(
    data: npt.ArrayLike,
    sfreq_hz: float,
    *,
    sensor: str = "accelerometer",
    task: str = "posture",
) -> TremorResult:
    """Measure tremor in a uniformly sampled three-axis (or one-axis) signal.

    Parameters
    ----------
    data : array-like, shape (n_samples, 3) or (n_samples,)
        Acceleration in m/s² (gravity included or not) or angular velocity in rad/s.
    sfreq_hz : float
        Sampling rate, Hz (at least 25).
    sensor : {"accelerometer", "gyroscope"}
    task : {"rest", "posture", "action", "standing"}
        The condition of the recording. In ``action`` the windows of voluntary movement are
        flagged but kept (the movement is the task).

    Returns
    -------
    TremorResult

    Raises
    ------
    ValueError
        Unknown ``sensor`` or ``task``, a sampling rate that is not a finite number, or data
        of the wrong shape.
    SignalError
        Below 25 Hz, shorter than 10 s, non-finite samples or a constant signal.
    """
    check_option("sensor", sensor, SENSORS)
    check_option("task", task, TASKS)
    if isinstance(sfreq_hz, bool) or not isinstance(sfreq_hz, int | float):
        raise TypeError(f"sfreq_hz must be a number of Hz; got {type(sfreq_hz).__name__}")
    if not math.isfinite(sfreq_hz) or sfreq_hz <= 0:
        raise ValueError(f"sfreq_hz must be a positive finite number of Hz; got {sfreq_hz!r}")
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] not in (1, 2, 3):
        raise ValueError(f"data must have shape (n_samples, 3) or (n_samples,); got {x.shape}")
    sfreq = float(sfreq_hz)
    if sfreq < MIN_SFREQ_HZ:
        raise SignalError(
            f"the sampling rate is {sfreq:g} Hz; tremor analysis needs at least "
            f"{MIN_SFREQ_HZ:g} Hz",
            code="sampling_rate_too_low",
            params={"rate": round(sfreq, 1), "min": MIN_SFREQ_HZ},
        )
    duration = x.shape[0] / sfreq
    if duration < MIN_DURATION_S:
        raise SignalError(
            f"the recording lasts {duration:.1f} s; tremor analysis needs at least "
            f"{MIN_DURATION_S:g} s (30 s per task is recommended)",
            code="too_short",
            params={"seconds": round(duration, 1), "min": MIN_DURATION_S},
        )
    if not np.all(np.isfinite(x)):
        raise SignalError("the signal holds NaN or infinite samples", code="not_finite")
    if np.all(np.ptp(x, axis=0) == 0):
        raise SignalError(
            "the signal is constant on every axis (no movement was recorded)", code="constant"
        )
    unit = "m/s²" if sensor == "accelerometer" else "rad/s"
    warns: list[str] = []
    nyquist_cap = 0.45 * sfreq
    search = (TREMOR_SEARCH_BAND_HZ[0], min(TREMOR_SEARCH_BAND_HZ[1], nyquist_cap))

    # 1. gravity and drift out; the band-passed time course.
    t = np.arange(x.shape[0], dtype=np.float64)
    t -= t.mean()
    centred = x - x.mean(axis=0)
    slope = (t @ centred) / float(t @ t)
    detrended = centred - np.outer(t, slope)
    bandpassed = _bandpass(detrended, sfreq, BANDPASS_HZ[0], min(BANDPASS_HZ[1], nyquist_cap))

    # 2. windows and their spectra.
    nper = round(WINDOW_S * sfreq)
    step = max(1, round(nper * (1 - WINDOW_OVERLAP)))
    freqs, win_psd = _window_psd(np.ascontiguousarray(detrended), sfreq, nper, step)
    df = float(freqs[1] - freqs[0])
    below_mask = _band_mask(freqs, BELOW_TREMOR_BAND_HZ)
    search_mask = _band_mask(freqs, search)
    below_power = win_psd[:, below_mask].sum(axis=1) * df
    search_power = win_psd[:, search_mask].sum(axis=1) * df
    voluntary = (below_power > VOLUNTARY_POWER_RATIO * search_power) & (
        np.sqrt(below_power) > VOLUNTARY_MIN_RMS[sensor]
    )
    usable = ~voluntary if task != "action" else np.ones_like(voluntary)
    floor = DETECTION_FLOOR_RMS[sensor]

    n_usable = int(usable.sum())
    if task == "action" and voluntary.any():
        warns.append(
            f"voluntary movement dominates {int(voluntary.sum())} of {voluntary.size} windows; "
            "in the action task they are kept"
        )
    elif voluntary.any() and n_usable >= MIN_USABLE_WINDOWS:
        warns.append(
            f"{int(voluntary.sum())} of {voluntary.size} windows were left out because "
            "voluntary movement dominated them"
        )

    # 3. the averaged spectrum and its tremor peak.
    chosen = usable if n_usable else np.ones_like(usable)
    psd = win_psd[chosen].mean(axis=0)
    detected = False
    f0: float | None = None
    peak_freq: float | None = None
    bandwidth: float | None = None
    peak_rms: float | None = None
    found = _peak(freqs, psd, search)
    if found is not None:
        k, ratio = found
        peak_freq = _refine_peak(psd, k, df)
        near = _band_mask(freqs, (peak_freq - PEAK_HALF_WIDTH_HZ, peak_freq + PEAK_HALF_WIDTH_HZ))
        peak_rms = math.sqrt(float(psd[near].sum()) * df)
        detected = (
            n_usable >= MIN_USABLE_WINDOWS
            and ratio >= PEAK_TO_BACKGROUND_RATIO
            and peak_rms >= floor
        )
        if detected:
            f0 = peak_freq
            bandwidth = _half_power_width(psd, k, df)

    # Each window: its own largest peak (for the record), and whether the tremor found in
    # the averaged spectrum stands out in it (a prominent peak within ± 1 Hz of the
    # dominant frequency, above the floor): the tremor fraction counts those windows.
    windows: list[dict[str, Any]] = []
    tremor_flags = np.zeros(voluntary.size, dtype=bool)
    search_idx = np.flatnonzero(search_mask & (freqs > 0))
    own_peaks = _peaks(freqs, win_psd, search)
    if f0 is not None:
        background = _background(freqs, win_psd, search_idx)
        near = _band_mask(freqs, (f0 - PEAK_HALF_WIDTH_HZ, f0 + PEAK_HALF_WIDTH_HZ))
        in_band = near[search_idx]
        prominence = (win_psd[:, search_idx][:, in_band] / background[:, in_band]).max(axis=1)
        window_rms = np.sqrt(win_psd[:, near].sum(axis=1) * df)
        tremor_flags = usable & (prominence >= PEAK_TO_BACKGROUND_RATIO) & (window_rms >= floor)
    for w in range(win_psd.shape[0]):
        peak_hz = None if own_peaks is None else _refine_peak(win_psd[w], int(own_peaks[0][w]), df)
        start = w * step / sfreq
        windows.append(
            {
                "start_s": round(start, 3),
                "end_s": round(start + nper / sfreq, 3),
                "voluntary": bool(voluntary[w]),
                "tremor": bool(tremor_flags[w]),
                "peak_hz": None if peak_hz is None else round(peak_hz, 3),
                "rms": round(float(math.sqrt(search_power[w])), 6),
            }
        )
    if search[1] < ORTHOSTATIC_BAND_HZ[1]:
        warns.append(
            f"at {sfreq:g} Hz sampling, tremor faster than {search[1]:.1f} Hz cannot be measured "
            "(orthostatic tremor needs at least 40 Hz)"
        )

    # 4. amplitude from the spectrum.
    band_rms = math.sqrt(float(psd[search_mask].sum()) * df)
    amplitude: dict[str, Any] = {"unit": unit, "rms": None, "band_rms": round(band_rms, 6)}
    if detected and f0 is not None:
        near = _band_mask(freqs, (f0 - PEAK_HALF_WIDTH_HZ, f0 + PEAK_HALF_WIDTH_HZ))
        near &= freqs > 0
        weight_power = 4 if sensor == "accelerometer" else 2
        integrated = float(np.sum(psd[near] / (2 * np.pi * freqs[near]) ** weight_power) * df)
        amplitude["rms"] = round(float(peak_rms or 0.0), 6)
        if sensor == "accelerometer":
            disp_mm = math.sqrt(integrated) * 1000.0
            amplitude["displacement_rms_mm"] = round(disp_mm, 6)
            amplitude["displacement_peak_to_peak_mm"] = round(2 * math.sqrt(2) * disp_mm, 6)
        else:
            angle_deg = math.degrees(math.sqrt(integrated))
            amplitude["angle_rms_deg"] = round(angle_deg, 5)
            amplitude["angle_peak_to_peak_deg"] = round(2 * math.sqrt(2) * angle_deg, 5)

    # 5. band powers.
    total_mask = _band_mask(freqs, (BELOW_TREMOR_BAND_HZ[0], search[1]))
    total_power = float(psd[total_mask].sum()) * df
    band_powers: dict[str, Any] = {}
    for key, band in BAND_POWERS_HZ.items():
        if band[1] > nyquist_cap:
            band_powers[key] = {"range_hz": list(band), "power": None, "relative": None}
            continue
        power = float(psd[_band_mask(freqs, band)].sum()) * df
        band_powers[key] = {
            "range_hz": list(band),
            "power": power,
            "relative": round(power / total_power, 4) if total_power > 0 else None,
        }

    # 6. tremor fraction and stability.
    tremor_fraction = float(tremor_flags.sum() / n_usable) if n_usable else 0.0
    usable_samples = np.zeros(x.shape[0], dtype=bool)
    for w in np.flatnonzero(usable).tolist():
        usable_samples[w * step : w * step + nper] = True
    trace = _principal_axis(bandpassed) if bandpassed.shape[1] > 1 else bandpassed[:, 0]
    tsi: float | None = None
    tsi_cycles = 0
    if detected and f0 is not None:
        tsi, tsi_cycles = _tsi(trace, sfreq, f0, usable_samples)

    code = _classify(task, f0, detected, n_usable)
    keep = freqs <= min(SPECTRUM_MAX_HZ, sfreq / 2)
    screening = {"code": code, "task": task, "frequency_hz": None if f0 is None else round(f0, 2)}
    screening.update(screening_texts(screening, "en"))
    range_hz = _BAND_RANGES[code]
    return TremorResult(
        task=task,
        sensor=sensor,
        unit=unit,
        sfreq_hz=round(sfreq, 3),
        duration_s=round(duration, 3),
        detected=detected,
        dominant_frequency_hz=None if f0 is None else round(f0, 3),
        peak_frequency_hz=None if peak_freq is None else round(peak_freq, 3),
        bandwidth_hz=None if bandwidth is None else round(bandwidth, 3),
        amplitude=amplitude,
        band={
            "id": code,
            "range_hz": None if range_hz is None else list(range_hz),
            "consistent_with": list(_CONSISTENT[code]),
        },
        band_powers=band_powers,
        tremor_fraction=round(tremor_fraction, 4),
        tsi=None if tsi is None else round(tsi, 4),
        tsi_cycles=tsi_cycles,
        windows=windows,
        window_counts={
            "total": int(voluntary.size),
            "voluntary": int(voluntary.sum()),
            "usable": n_usable,
            "tremor": int(tremor_flags.sum()),
        },
        spectrum={
            "frequencies_hz": [round(float(f), 4) for f in freqs[keep]],
            "psd": [float(f"{p:.6g}") for p in psd[keep]],
        },
        screening=screening,
        warnings=warns,
        trace=trace,
    )


def analyze(recording: MotionRecording, task: str = "posture") -> TremorResult:
    """Measure tremor in a recording read by :func:`read_recording`.

    Parameters
    ----------
    recording : MotionRecording
    task : {"rest", "posture", "action", "standing"}

    Returns
    -------
    TremorResult
        With ``recording`` (what was read) and the reader's warnings first.
    """
    result = analyze_signal(recording.data, recording.sfreq_hz, sensor=recording.sensor, task=task)
    result.recording = recording.describe()
    result.warnings = [*recording.warnings, *result.warnings]
    return result


# --------------------------------------------------------------------------- outputs


def _fmt(value: float | None, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}{(' ' + unit) if unit else ''}"


def format_text(result: TremorResult, lang: str = "en") -> str:
    """The result as plain text (English or Russian screening texts; numbers in English)."""
    check_option("lang", lang, LANGUAGES)
    amp = result.amplitude
    texts = screening_texts(result.screening, lang)
    rec = result.recording
    lines = [
        f"Tremor measurement ({result.task}, {result.sensor}, {result.duration_s:.1f} s at "
        f"{result.sfreq_hz:g} Hz)",
    ]
    if rec:
        lines.append(f"File: {rec.get('name', '')} — {'; '.join(rec.get('notes', []))}")
    lines += [
        "",
        f"Tremor detected:       {'yes' if result.detected else 'no'}",
        f"Dominant frequency:    {_fmt(result.dominant_frequency_hz, 2, 'Hz')}",
        f"Half-power bandwidth:  {_fmt(result.bandwidth_hz, 2, 'Hz')}",
        f"Amplitude (RMS):       {_fmt(amp.get('rms'), 4, result.unit)}"
        f" (3-20 Hz band: {_fmt(amp.get('band_rms'), 4, result.unit)})",
    ]
    if "displacement_rms_mm" in amp:
        lines.append(
            f"Displacement:          {_fmt(amp['displacement_rms_mm'], 3, 'mm')} RMS, "
            f"{_fmt(amp['displacement_peak_to_peak_mm'], 3, 'mm')} peak to peak"
        )
    if "angle_rms_deg" in amp:
        lines.append(
            f"Angle:                 {_fmt(amp['angle_rms_deg'], 3, '°')} RMS, "
            f"{_fmt(amp['angle_peak_to_peak_deg'], 3, '°')} peak to peak"
        )
    counts = result.window_counts
    lines += [
        f"Windows with tremor:   {counts['tremor']} of {counts['usable']} usable "
        f"({100 * result.tremor_fraction:.0f} %); {counts['voluntary']} of {counts['total']} "
        "with voluntary movement",
        f"Stability index (TSI): {_fmt(result.tsi, 2, 'Hz')}"
        + (f" over {result.tsi_cycles} cycles" if result.tsi is not None else ""),
        f"Band:                  {result.band['id']}"
        + (
            f" — consistent with {', '.join(result.band['consistent_with'])}"
            if result.band["consistent_with"]
            else ""
        ),
        "",
        "Band powers (share of 0.5-20 Hz):",
    ]
    for band in result.band_powers.values():
        lo, hi = band["range_hz"]
        share = band["relative"]
        lines.append(
            f"  {lo:g}-{hi:g} Hz: "
            + ("not measurable" if share is None else f"{100 * share:.1f} %")
        )
    lines += ["", texts["statement"], "", texts["see_a_doctor"], "", texts["emergency"]]
    if result.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def plot_png(
    result: TremorResult, path: str | os.PathLike[str] | None = None, *, lang: str = "en"
) -> bytes:
    """A PNG figure: the tremor time course (band-passed, principal axis) and the spectrum.

    Parameters
    ----------
    result : TremorResult
        From :func:`analyze` or :func:`analyze_signal` (needs its ``trace``).
    path : path, optional
        Also write the PNG there.
    lang : str
        Language of the figure's words: ``"en"`` or ``"ru"``.

    Returns
    -------
    bytes
        The PNG file.
    """
    from quietlegs.signals._tremor_plot import render_png

    check_option("lang", lang, ("en", "ru"))
    png = render_png(result, lang)
    if path is not None:
        Path(path).write_bytes(png)
    return png
