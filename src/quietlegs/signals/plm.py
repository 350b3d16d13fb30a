"""Leg movements (LM) and periodic limb movements (PLM) from leg EMG.

Detection and scoring follow the WASM 2016 standard (Ferri et al., Sleep Med
2016;26:86-95), with the AASM rules (Scoring Manual v2.6/v3) as an option; the rules and
their sources are constants in :mod:`quietlegs.signals._rules` and are described, with
the validation, in ``docs/plm.md``.

Public API: :data:`RULES`, :func:`detect_leg_movements`, :func:`detect_both_legs`,
:func:`score_plm`,
:func:`analyze`, :class:`LegMovement`, :class:`PLMResult`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from quietlegs._errors import Problem, SignalError
from quietlegs._validation import check_option, check_range, check_type
from quietlegs.signals import _detect, _rules
from quietlegs.signals.hypnogram import (
    _ANNOTATIONS_SOURCE,
    _emit,
    _from_annotations,
    events_from_annotations,
)

logger = logging.getLogger("quietlegs.signals")

#: The scoring standards offered: WASM 2016 (default) and the AASM manual.
RULES = ("wasm2016", "aasm")

#: The codes of the warnings detection and scoring add to a result
#: (:attr:`PLMResult.warning_details`; the reader's own are
#: :data:`quietlegs.signals.edf.WARNING_CODES`), with their ``params``: ``emg_flat``,
#: ``non_finite_samples`` (``count``, ``percent``, ``first_s``, ``margin_s``),
#: ``leg_missing`` (``side``), ``no_hypnogram``, ``short_time`` (``hours``, ``basis``:
#: ``"sleep"`` or ``"recording"``, ``min_hours``), ``no_sleep``. A warning without a code
#: (from a recording that gave only English text) has the code ``"other"``. The
#: hypnogram's warnings (:data:`quietlegs.signals.hypnogram.WARNING_CODES`) follow the
#: reader's.
WARNING_CODES: frozenset[str] = frozenset(
    {"emg_flat", "non_finite_samples", "leg_missing", "no_hypnogram", "short_time", "no_sleep"}
)

#: The codes of :attr:`PLMResult.finding_code`, with their ``finding_params`` (every one
#: but ``no_plms_index`` has ``index`` per hour, ``basis`` and ``rules``): ``no_plms_index``
#: (no sleep time in the hypnogram); age unknown (``adult`` and ``child``, per hour):
#: ``above_both_thresholds``, ``above_child_threshold_only``, ``below_both_thresholds``;
#: age known (``limit`` per hour, ``group``: ``"adults"`` or ``"children"``):
#: ``above_threshold``, ``not_above_threshold``.
FINDING_CODES: frozenset[str] = frozenset(
    {
        "no_plms_index",
        "above_both_thresholds",
        "above_child_threshold_only",
        "below_both_thresholds",
        "above_threshold",
        "not_above_threshold",
    }
)


class DetectionWarning(UserWarning):
    """A problem of a leg's signal that detection worked around (flat, non-finite samples).

    Parameters
    ----------
    problem : Problem
        The problem as data: a code of :data:`WARNING_CODES`, the English message, the
        ``params``; ``str(warning)`` is the message.
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class HypnogramLike(Protocol):
    """What scoring needs of :class:`quietlegs.signals.hypnogram.Hypnogram`."""

    def stage_at(self, times_s: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Stage label ("W", "N1", "N2", "N3", "R" or "?") at each time, s."""

    def sleep_seconds(self) -> float:
        """Time asleep (N1, N2, N3, R), s."""

    def wake_seconds(self) -> float:
        """Time awake (W), s."""

    def seconds_by_stage(self) -> dict[str, float]:
        """Time in each stage, s."""


class EventLike(Protocol):
    """What scoring needs of :class:`quietlegs.signals.hypnogram.ScoredEvent`."""

    @property
    def onset_s(self) -> float:
        """Onset, s from the start of the recording."""

    @property
    def duration_s(self) -> float:
        """Duration, s."""

    @property
    def kind(self) -> str:
        """ "apnea", "hypopnea", "rera" or "arousal"."""


class RecordingLike(Protocol):
    """What :func:`analyze` needs of :class:`quietlegs.signals.edf.LegRecording`."""

    @property
    def left_uv(self) -> npt.NDArray[Any] | None:
        """Left-leg EMG, µV."""

    @property
    def right_uv(self) -> npt.NDArray[Any] | None:
        """Right-leg EMG, µV."""

    @property
    def sfreq_hz(self) -> float:
        """Sampling rate, Hz."""

    @property
    def duration_s(self) -> float:
        """Duration, s."""

    @property
    def annotations(self) -> Sequence[Any]:
        """EDF+ annotations."""

    @property
    def warnings(self) -> list[str]:
        """Problems found while reading."""


@dataclass
class LegMovement:
    """One scored leg movement (monolateral or bilateral).

    Attributes
    ----------
    onset_s, duration_s : float
        Start and length, s.
    side : str
        ``"left"``, ``"right"`` or ``"bilateral"``.
    periodic : bool
        Part of a PLM series.
    stage : str
        Sleep stage at the onset ("W", "N1", "N2", "N3", "R"; "?" unknown or no hypnogram).
    arousal : bool
        Associated with an arousal (overlap or < 0.5 s apart).
    respiratory : bool
        Respiratory-related (excluded from PLM).
    imi_s : float | None
        Onset-to-onset interval from the previous LM of the scored sequence, s.
    """

    onset_s: float
    duration_s: float
    side: str
    periodic: bool
    stage: str
    arousal: bool
    respiratory: bool
    imi_s: float | None


@dataclass
class PLMResult:
    """Counts, indices and events of one recording.

    Attributes
    ----------
    rules : str
        ``"wasm2016"`` or ``"aasm"``.
    index_basis : str
        ``"sleep"`` (indices per hour of sleep/wake from a hypnogram) or
        ``"recording"`` (no hypnogram: per hour of recording).
    lm_count, plm_count : int
        All LMs / all PLMs, in any state.
    plms_count, plmw_count : int
        PLMs in sleep / in wake.
    plms_index, plmw_index : float | None
        Per hour of sleep / of wake (None when that time is zero or unknown).
    lm_index, plm_index : float
        LMs / PLMs per hour of recording.
    plms_by_stage : dict of str to float
        PLMS per hour of each sleep stage present.
    plms_arousal_index : float | None
        PLMS with an associated arousal per hour of sleep (None without arousal events).
    periodicity_index : float
        Ferri 2006 periodicity index, 0-1.
    imi_histogram : dict
        ``bin_edges_s``, ``counts`` (2-s bins, 0-90 s) and ``above_max``.
    events : list of LegMovement
    sleep_hours : float | None
    recording_hours : float
    warnings : list of str
        In English.
    finding : str
        The ICSD-3 threshold stated as a finding, not a diagnosis, in English.
    plms_index_with_respiratory : float | None
        WASM 2016 also asks for the PLMS rate with respiratory-related CLMs kept; given
        when respiratory events were scored.
    warning_details : list of Problem
        The warnings as data (a code of :data:`WARNING_CODES` or of
        :data:`quietlegs.signals.edf.WARNING_CODES`, the ``params``), in the order of
        ``warnings``, for shells that word them in another language.
    finding_code : str
        The finding as a code of :data:`FINDING_CODES` (``""`` when not scored here).
    finding_params : dict
        The values the finding is made of (see :data:`FINDING_CODES`).
    """

    rules: str
    index_basis: str
    lm_count: int
    plm_count: int
    plms_count: int
    plmw_count: int
    plms_index: float | None
    plmw_index: float | None
    lm_index: float
    plm_index: float
    plms_by_stage: dict[str, float]
    plms_arousal_index: float | None
    periodicity_index: float
    imi_histogram: dict[str, Any]
    events: list[LegMovement]
    sleep_hours: float | None
    recording_hours: float
    warnings: list[str] = field(default_factory=list)
    finding: str = ""
    plms_index_with_respiratory: float | None = None
    warning_details: list[Problem] = field(default_factory=list)
    finding_code: str = ""
    finding_params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the fields, events as dicts)."""
        return asdict(self)


# --------------------------------------------------------------------------- detection


def _check_sfreq(sfreq_hz: float) -> float:
    check_type("sfreq_hz", sfreq_hz, (int, float))
    if not math.isfinite(sfreq_hz):
        raise ValueError(f"sfreq_hz must be a finite number of Hz; got {sfreq_hz!r}")
    return check_range("sfreq_hz", float(sfreq_hz), 100.0, None, "Hz")


def detect_leg_movements(
    emg_uv: npt.ArrayLike, sfreq_hz: float, *, rules: str = "wasm2016"
) -> IntArray:
    """Detect leg movements on one tibialis anterior EMG channel.

    Parameters
    ----------
    emg_uv : array-like, shape (n_samples,)
        EMG of one leg in µV (raw or already filtered; any DC offset is removed).
    sfreq_hz : float
        Sampling rate in Hz; at least 100 (WASM 2016 asks for >= 200).
    rules : str
        ``"wasm2016"`` keeps LMs of any length >= 0.5 s (longer than 10 s they are LMs
        but not candidates); ``"aasm"`` drops activity longer than 10 s.

    Returns
    -------
    ndarray of int64, shape (n_lm, 2)
        [onset, offset) sample indices, sorted.

    Raises
    ------
    TypeError, ValueError
        Bad arguments (shape, dtype, sampling rate below 100 Hz, unknown rules, less
        than 1 s of signal).
    SignalError
        No finite sample at all.

    Warns
    -----
    UserWarning
        Non-finite samples (NaN/inf) were found: they are treated as a flat signal and no
        LM is detected within 0.5 s of them; or the channel is flat.
    """
    check_option("rules", rules, RULES)
    sfreq = _check_sfreq(sfreq_hz)
    x = np.asarray(emg_uv)
    if x.ndim != 1:
        raise ValueError(f"emg_uv must be a 1-D array (one leg); got shape {x.shape}")
    if x.dtype == np.bool_ or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise TypeError(f"emg_uv must hold real numbers (µV); got dtype {x.dtype}")
    if x.size < sfreq:
        raise ValueError(
            f"emg_uv must hold at least 1 s of signal ({math.ceil(sfreq)} samples); got {x.size}"
        )
    xf = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
    sub = xf[:: max(1, xf.size // 4096)]
    if float(np.ptp(sub)) == 0.0 and float(np.ptp(xf)) == 0.0:
        warnings.warn(
            DetectionWarning(
                Problem("emg_flat", "emg_uv is flat (constant); no leg movement can be detected")
            ),
            stacklevel=2,
        )
        return np.zeros((0, 2), dtype=np.int64)
    max_dur = _rules.RULE_SETS[rules].max_lm_duration_s
    events = _detect.detect(xf, sfreq, None, max_dur)
    if events is None:  # non-finite samples reached the envelope: clean and start again
        finite = np.isfinite(xf)
        n_bad = int(xf.size - np.count_nonzero(finite))
        if n_bad == xf.size:
            raise SignalError(
                "emg_uv has no finite sample (all NaN or infinite)", code="not_finite"
            )
        bad = ~finite
        first = int(np.argmax(bad))
        message = (
            f"emg_uv has {n_bad} non-finite samples ({100 * n_bad / xf.size:.2g}% of the "
            f"recording, first at {first / sfreq:.1f} s); they were treated as flat signal "
            f"and no leg movement is detected within {_detect.NONFINITE_MARGIN_S} s of them"
        )
        params = {
            "count": n_bad,
            "percent": float(f"{100 * n_bad / xf.size:.2g}"),
            "first_s": round(first / sfreq, 1),
            "margin_s": _detect.NONFINITE_MARGIN_S,
        }
        warnings.warn(
            DetectionWarning(Problem("non_finite_samples", message, None, None, params)),
            stacklevel=2,
        )
        events = _detect.detect(np.where(finite, xf, 0.0), sfreq, bad, max_dur)
        if events is None:  # pragma: no cover - cleaned input is finite
            raise SignalError("emg_uv could not be cleaned of non-finite samples")
    logger.debug("detected %d leg movements (%s)", len(events), rules)
    return events


def detect_both_legs(
    left_uv: npt.ArrayLike | None,
    right_uv: npt.ArrayLike | None,
    sfreq_hz: float,
    *,
    rules: str = "wasm2016",
) -> tuple[IntArray | None, IntArray | None]:
    """Detect leg movements on the left and right tibialis EMG, side by side.

    Same result as :func:`detect_leg_movements` on each leg; the two legs run in two
    worker threads when two CPUs are available (about 1.3 times faster than one after
    the other on 2 cores, see ``benchmarks/plm_speed.py``).

    Parameters
    ----------
    left_uv, right_uv : array-like, shape (n_samples,) | None
        EMG of each leg in µV; None for a leg that was not recorded (at least one).
    sfreq_hz : float
        Sampling rate in Hz (both legs).
    rules : str
        ``"wasm2016"`` or ``"aasm"`` (see :func:`detect_leg_movements`).

    Returns
    -------
    left, right : ndarray of int64, shape (n_lm, 2) | None
        [onset, offset) sample indices per leg; None for a leg given as None.

    Raises
    ------
    ValueError
        Both legs are None, or as :func:`detect_leg_movements`.
    """
    check_option("rules", rules, RULES)
    _check_sfreq(sfreq_hz)
    given = [(i, x) for i, x in enumerate((left_uv, right_uv)) if x is not None]
    if not given:
        raise ValueError("left_uv and right_uv are both None; give at least one leg")
    found = _detect.map_legs(
        lambda item: detect_leg_movements(item[1], sfreq_hz, rules=rules), given
    )
    out: list[IntArray | None] = [None, None]
    for (i, _), events in zip(given, found, strict=True):
        out[i] = events
    return out[0], out[1]


# ---------------------------------------------------------------------------- scoring


def _check_lms(name: str, lms: npt.ArrayLike | None, n_max: float) -> IntArray | None:
    if lms is None:
        return None
    arr = np.asarray(lms)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"{name} must have shape (n, 2) of [onset, offset) samples; got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise TypeError(f"{name} must hold integer sample indices; got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    bad = (arr[:, 0] < 0) | (arr[:, 1] < arr[:, 0]) | (arr[:, 1] > n_max)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{name} row {i} is [{arr[i, 0]}, {arr[i, 1]}); each row must satisfy "
            f"0 <= onset <= offset <= {int(n_max)} (the recording's length in samples)"
        )
    return arr[np.argsort(arr[:, 0], kind="stable")]


def _leg_intervals(lms: IntArray, sfreq: float) -> tuple[FloatArray, FloatArray]:
    """Same-leg merging (< 0.5 s apart) and the 0.5-s minimum, in seconds."""
    on = lms[:, 0] / sfreq
    off = lms[:, 1] / sfreq
    group = _rules.merge_close(on, off, _rules.SAME_LEG_MERGE_GAP_S)
    if group.size:
        starts = np.flatnonzero(np.diff(np.concatenate(([-1], group))))
        on = on[starts]
        off = np.maximum.reduceat(off, starts)
    keep = off - on >= _rules.LM_MIN_DURATION_S - _rules.TIME_EPS_S
    return on[keep], off[keep]


@dataclass
class _Combined:
    onset: FloatArray
    offset: FloatArray
    side: list[str]
    candidate: npt.NDArray[np.bool_]


def _combine(legs: dict[str, tuple[FloatArray, FloatArray]], rules: _rules.RuleSet) -> _Combined:
    """Bilateral combination and candidate status."""
    sides = (
        np.concatenate([np.full(v[0].size, k) for k, v in legs.items()])
        if legs
        else np.zeros(0, "<U5")
    )
    on = np.concatenate([v[0] for v in legs.values()]) if legs else np.zeros(0)
    off = np.concatenate([v[1] for v in legs.values()]) if legs else np.zeros(0)
    order = np.argsort(on, kind="stable")
    on, off, sides = on[order], off[order], sides[order]
    mono_ok = off - on <= rules.max_monolateral_clm_s + _rules.TIME_EPS_S
    if rules.bilateral == "offset_gap":
        group = _rules.merge_close(on, off, _rules.WASM_BILATERAL_GAP_S)
    else:
        # AASM: an LM joins the previous one when they are on different legs, their
        # onsets are < 5 s apart and the previous one is not already paired.
        group = np.zeros(on.size, dtype=np.int64)
        g, paired = -1, False
        for i in range(on.size):
            if (
                i > 0
                and not paired
                and sides[i] != sides[i - 1]
                and on[i] - on[i - 1] < _rules.AASM_BILATERAL_ONSET_GAP_S - _rules.TIME_EPS_S
            ):
                paired = True
            else:
                g += 1
                paired = False
            group[i] = g
    if on.size == 0:
        return _Combined(on, off, [], np.zeros(0, dtype=bool))
    starts = np.flatnonzero(np.diff(np.concatenate(([-1], group))))
    counts = np.diff(np.concatenate((starts, [on.size])))
    g_on = on[starts]
    g_off = np.maximum.reduceat(off, starts)
    all_mono_ok = np.logical_and.reduceat(mono_ok, starts)
    bilateral = counts > 1
    dur = g_off - g_on
    candidate = np.where(
        bilateral,
        all_mono_ok & (dur <= rules.max_bilateral_clm_s + _rules.TIME_EPS_S),
        all_mono_ok,
    )
    if rules.max_bilateral_components is not None:
        candidate &= counts <= rules.max_bilateral_components
    side = [("bilateral" if c > 1 else str(sides[s])) for s, c in zip(starts, counts, strict=True)]
    return _Combined(g_on, g_off, side, candidate)


def _overlaps(
    on: FloatArray, off: FloatArray, win_start: FloatArray, win_end: FloatArray
) -> npt.NDArray[np.bool_]:
    """Whether each [on, off] touches any [win_start, win_end] (closed intervals)."""
    if win_start.size == 0 or on.size == 0:
        return np.zeros(on.size, dtype=bool)
    order = np.argsort(win_start)
    ws, we = win_start[order], np.maximum.accumulate(win_end[order])
    # Windows starting at or before each LM's offset; the furthest-reaching one decides.
    k = np.searchsorted(ws, off + _rules.TIME_EPS_S, side="right") - 1
    hit = np.zeros(on.size, dtype=bool)
    has = k >= 0
    hit[has] = we[k[has]] >= on[has] - _rules.TIME_EPS_S
    return hit


def _event_windows(
    events: Sequence[EventLike], kinds: tuple[str, ...]
) -> tuple[FloatArray, FloatArray]:
    chosen = [e for e in events if e.kind in kinds]
    start = np.array([float(e.onset_s) for e in chosen], dtype=np.float64)
    dur = np.array([float(e.duration_s) for e in chosen], dtype=np.float64)
    return start, start + dur


def _hours(seconds: float) -> float:
    return seconds / 3600.0


def _per_hour(count: int, hours: float | None) -> float | None:
    if hours is None or hours <= 0:
        return None
    return count / hours


def _finding(
    index: float | None, basis: str, age_years: float | None, rules: str
) -> tuple[str, str, dict[str, Any]]:
    """The finding in English, its code (:data:`FINDING_CODES`) and params."""
    if index is None:
        return (
            "No PLMS index could be computed (no sleep time in the hypnogram).",
            "no_plms_index",
            {},
        )
    name = "PLMS index" if basis == "sleep" else "PLM index per hour of recording (no hypnogram)"
    caveat = (
        "; PLMD is a clinical diagnosis that also needs clinical sleep disturbance or "
        "impairment not better explained by another disorder (ICSD-3) -- this is a "
        f"measurement ({rules} rules), not a diagnosis."
    )
    if basis != "sleep":
        caveat += (
            " Without a hypnogram the ICSD-3 threshold, defined per hour of sleep,"
            " applies only loosely."
        )
    adult, child = _rules.ICSD3_PLMS_ADULT_PER_H, _rules.ICSD3_PLMS_CHILD_PER_H
    params: dict[str, Any] = {"index": round(index, 1), "basis": basis, "rules": rules}
    if age_years is None:
        params.update(adult=adult, child=child)
        if index > adult:
            code = "above_both_thresholds"
            verdict = (
                f"is above the ICSD-3 threshold of {adult:g}/h for adults "
                f"(and of {child:g}/h for children)"
            )
        elif index > child:
            code = "above_child_threshold_only"
            verdict = (
                f"is above the ICSD-3 threshold of {child:g}/h for children and not above "
                f"the threshold of {adult:g}/h for adults"
            )
        else:
            code = "below_both_thresholds"
            verdict = (
                f"is not above the ICSD-3 thresholds ({adult:g}/h adults, {child:g}/h children)"
            )
    else:
        is_child = age_years < _rules.ICSD3_ADULT_AGE_YEARS
        limit = child if is_child else adult
        who = "children" if is_child else "adults"
        word = "above" if index > limit else "not above"
        code = "above_threshold" if index > limit else "not_above_threshold"
        params.update(limit=limit, group=who)
        verdict = f"is {word} the ICSD-3 threshold of {limit:g}/h for {who}"
    return f"{name} {index:.1f}/h {verdict}{caveat}", code, params


def score_plm(
    left_lms: npt.ArrayLike | None,
    right_lms: npt.ArrayLike | None,
    sfreq_hz: float,
    duration_s: float,
    *,
    hypnogram: HypnogramLike | None = None,
    events: Sequence[EventLike] = (),
    rules: str = "wasm2016",
    age_years: float | None = None,
) -> PLMResult:
    """Score LMs of both legs into PLM series and indices.

    Parameters
    ----------
    left_lms, right_lms : array-like of int, shape (n, 2) | None
        [onset, offset) sample indices of each leg's LMs (from
        :func:`detect_leg_movements` or annotations); None when the leg is missing.
    sfreq_hz : float
        Sampling rate the indices refer to, Hz.
    duration_s : float
        Recording length, s.
    hypnogram : Hypnogram | None
        Sleep stages; without one, indices are per hour of recording
        (``index_basis="recording"``) and the result carries a warning.
    events : sequence of ScoredEvent
        Respiratory events ("apnea", "hypopnea", "rera") and arousals ("arousal").
    rules : str
        ``"wasm2016"`` (default) or ``"aasm"``.
    age_years : float | None
        Chooses the ICSD-3 threshold stated in ``finding`` (child below 18 y).

    Returns
    -------
    PLMResult
    """
    check_option("rules", rules, RULES)
    rs = _rules.RULE_SETS[rules]
    check_type("sfreq_hz", sfreq_hz, (int, float))
    check_type("duration_s", duration_s, (int, float))
    if not (math.isfinite(sfreq_hz) and sfreq_hz > 0):
        raise ValueError(f"sfreq_hz must be a positive number of Hz; got {sfreq_hz!r}")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number of seconds; got {duration_s!r}")
    if age_years is not None:
        check_type("age_years", age_years, (int, float))
        check_range("age_years", float(age_years), 0.0, 130.0, "years")
    if left_lms is None and right_lms is None:
        raise ValueError("at least one of left_lms, right_lms must be given (got None for both)")
    n_max = math.ceil(duration_s * sfreq_hz) + 1
    legs_in = {
        "left": _check_lms("left_lms", left_lms, n_max),
        "right": _check_lms("right_lms", right_lms, n_max),
    }
    notes: list[Problem] = []
    legs: dict[str, tuple[FloatArray, FloatArray]] = {}
    for side, arr in legs_in.items():
        if arr is None:
            notes.append(
                Problem(
                    "leg_missing",
                    f"no {side}-leg channel: bilateral movements cannot be recognised",
                    params={"side": side},
                )
            )
            continue
        on, off = _leg_intervals(arr, float(sfreq_hz))
        if rs.max_lm_duration_s is not None:
            keep = off - on <= rs.max_lm_duration_s + _rules.TIME_EPS_S
            on, off = on[keep], off[keep]
        legs[side] = (on, off)

    lm = _combine(legs, rs)
    n = lm.onset.size
    # Stages.
    if hypnogram is not None:
        basis = "sleep"
        stage = (
            np.asarray(hypnogram.stage_at(lm.onset), dtype=str) if n else np.zeros(0, dtype="<U2")
        )
        sleep_h: float | None = _hours(float(hypnogram.sleep_seconds()))
        wake_h: float | None = _hours(float(hypnogram.wake_seconds()))
        by_stage_s = {str(k): float(v) for k, v in hypnogram.seconds_by_stage().items()}
    else:
        basis = "recording"
        stage = np.full(n, "?", dtype="<U2")
        sleep_h = wake_h = None
        by_stage_s = {}
        notes.append(
            Problem(
                "no_hypnogram",
                "no hypnogram: indices are per hour of recording (wake included), "
                "not per hour of sleep; PLMS and PLMW cannot be told apart",
            )
        )
    in_sleep = np.isin(stage, _rules.SLEEP_STAGES) if basis == "sleep" else np.ones(n, dtype=bool)
    in_wake = stage == "W"

    # Respiratory-related LMs.
    r_start, r_end = _event_windows(events, _rules.RESPIRATORY_KINDS)
    if rs.resp_anchor == "end":
        win = (r_end - _rules.WASM_RESP_BEFORE_END_S, r_end + _rules.WASM_RESP_AFTER_END_S)
    else:
        win = (r_start - _rules.AASM_RESP_MARGIN_S, r_end + _rules.AASM_RESP_MARGIN_S)
    respiratory = _overlaps(lm.onset, lm.offset, *win)
    if rs.resp_anchor == "end":
        respiratory &= lm.candidate  # WASM: the rule applies to candidate LMs
    # Arousals.
    a_start, a_end = _event_windows(events, ("arousal",))
    has_arousals = a_start.size > 0
    # "< 0.5 s" is strict while _overlaps is inclusive with a slack of TIME_EPS_S.
    gap = _rules.AROUSAL_ASSOCIATION_GAP_S - 3 * _rules.TIME_EPS_S
    arousal = _overlaps(lm.onset, lm.offset, a_start - gap, a_end + gap)

    def run(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], FloatArray, IntArray]:
        idx = np.flatnonzero(mask)
        per, imi = _rules.series_members(lm.onset[idx], lm.candidate[idx], rs)
        return per, imi, idx

    scored = ~respiratory
    per_all, imi_all, idx_all = run(scored)
    periodic = np.zeros(n, dtype=bool)
    periodic[idx_all] = per_all
    imi_of = np.full(n, np.nan)
    imi_of[idx_all] = imi_all
    if rs.plms_from_sleep_only and basis == "sleep":
        per_s, imi_s, idx_s = run(scored & in_sleep)
        plms_mask = np.zeros(n, dtype=bool)
        plms_mask[idx_s] = per_s
        seq_imi = imi_s[1:]
        imi_of[idx_s] = imi_s
    else:
        plms_mask = periodic & in_sleep
        seq_idx = idx_all[in_sleep[idx_all]] if basis == "sleep" else idx_all
        seq_imi = np.diff(lm.onset[seq_idx])
    plmw_mask = periodic & in_wake

    rec_h = _hours(float(duration_s))
    plms_with_resp: float | None = None
    if r_start.size:
        # WASM 2016 also asks for the rate with respiratory-related CLMs kept.
        per_r, _, idx_r = run(in_sleep if rs.plms_from_sleep_only else np.ones(n, dtype=bool))
        count_r = int((per_r & in_sleep[idx_r]).sum())
        plms_with_resp = _per_hour(count_r, sleep_h if basis == "sleep" else rec_h)

    # A sleep LM is periodic when it is a PLMS (AASM: series of sleep LMs only).
    periodic = np.where(in_sleep, plms_mask, periodic)
    plm_count = int(periodic.sum())
    plms_count = int(plms_mask.sum())
    plmw_count = int(plmw_mask.sum())
    basis_h = sleep_h if basis == "sleep" else rec_h
    if basis_h is not None and 0 < basis_h < _rules.MIN_HOURS_FOR_INDEX:
        what = "sleep" if basis == "sleep" else "recording"
        notes.append(
            Problem(
                "short_time",
                f"only {basis_h:.1f} h of {what} (less than {_rules.MIN_HOURS_FOR_INDEX:g} h): "
                "the indices are rates over a short time and may not represent a whole night",
                params={
                    "hours": round(basis_h, 1),
                    "basis": basis,
                    "min_hours": _rules.MIN_HOURS_FOR_INDEX,
                },
            )
        )
    if basis == "sleep":
        plms_index = _per_hour(plms_count, sleep_h)
        plmw_index = _per_hour(plmw_count, wake_h)
        if sleep_h is not None and sleep_h <= 0:
            notes.append(Problem("no_sleep", "the hypnogram has no sleep: no PLMS index"))
        by_stage = {
            st: plm_s / _hours(by_stage_s[st])
            for st in _rules.SLEEP_STAGES
            if by_stage_s.get(st, 0.0) > 0
            for plm_s in [int((plms_mask & (stage == st)).sum())]
        }
        arousal_index = (
            _per_hour(int((plms_mask & arousal).sum()), sleep_h) if has_arousals else None
        )
    else:
        plms_index = plm_count / rec_h
        plmw_index = None
        by_stage = {}
        arousal_index = int((periodic & arousal).sum()) / rec_h if has_arousals else None
    events_out = [
        LegMovement(
            onset_s=float(lm.onset[i]),
            duration_s=float(lm.offset[i] - lm.onset[i]),
            side=lm.side[i],
            periodic=bool(periodic[i]),
            stage=str(stage[i]),
            arousal=bool(arousal[i]),
            respiratory=bool(respiratory[i]),
            imi_s=None if math.isnan(imi_of[i]) else float(imi_of[i]),
        )
        for i in range(n)
    ]
    for note in notes:
        logger.debug("%s", note)
    finding, finding_code, finding_params = _finding(
        plms_index, basis, None if age_years is None else float(age_years), rules
    )
    return PLMResult(
        rules=rules,
        index_basis=basis,
        lm_count=n,
        plm_count=plm_count,
        plms_count=plms_count if basis == "sleep" else plm_count,
        plmw_count=plmw_count,
        plms_index=plms_index,
        plmw_index=plmw_index,
        lm_index=n / rec_h,
        plm_index=plm_count / rec_h,
        plms_by_stage=by_stage,
        plms_arousal_index=arousal_index,
        periodicity_index=_rules.periodicity_index(seq_imi),
        imi_histogram=_rules.imi_histogram(seq_imi),
        events=events_out,
        sleep_hours=sleep_h,
        recording_hours=rec_h,
        warnings=[note.message for note in notes],
        finding=finding,
        plms_index_with_respiratory=plms_with_resp,
        warning_details=notes,
        finding_code=finding_code,
        finding_params=finding_params,
    )


def analyze(
    recording: RecordingLike,
    *,
    hypnogram: HypnogramLike | None = None,
    rules: str = "wasm2016",
    age_years: float | None = None,
) -> PLMResult:
    """Detect LMs on each leg of a recording and score them.

    Parameters
    ----------
    recording : LegRecording
        From :func:`quietlegs.signals.edf.read_leg_recording`.
    hypnogram : Hypnogram | None
        When None, taken from the recording's sleep-stage annotations if it has any.
        Its warnings (``warning_details``, e.g. epochs without a stage) join the result's.
    rules : str
        ``"wasm2016"`` or ``"aasm"``.
    age_years : float | None
        For the ICSD-3 threshold in ``finding``.

    Returns
    -------
    PLMResult
        With the recording's own warnings first, then the hypnogram's.
    """
    check_option("rules", rules, RULES)
    if recording.left_uv is None and recording.right_uv is None:
        raise SignalError("the recording has no leg EMG channel", code="no_leg_signal")
    notes = list(recording.warnings)
    given = list(getattr(recording, "warning_details", None) or [])
    details = (
        given
        if len(given) == len(notes)
        else [Problem("other", note) for note in notes]  # a recording without codes
    )
    if hypnogram is None:
        hypnogram, stage_notes = _from_annotations(recording.annotations, recording.duration_s)
        _emit(stage_notes, _ANNOTATIONS_SOURCE)
    else:
        stage_notes = list(getattr(hypnogram, "warning_details", None) or [])
    notes.extend(note.message for note in stage_notes)
    details.extend(stage_notes)
    events: Sequence[EventLike] = events_from_annotations(recording.annotations)
    lms: dict[str, IntArray | None] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lms["left"], lms["right"] = detect_both_legs(
            recording.left_uv, recording.right_uv, recording.sfreq_hz, rules=rules
        )
    for caught_warning in caught:
        notes.append(f"{caught_warning.message}")
        problem = getattr(caught_warning.message, "problem", None)
        details.append(problem if isinstance(problem, Problem) else Problem("other", notes[-1]))
    result = score_plm(
        lms["left"],
        lms["right"],
        recording.sfreq_hz,
        recording.duration_s,
        hypnogram=hypnogram,
        events=events,
        rules=rules,
        age_years=age_years,
    )
    result.warnings = notes + result.warnings
    result.warning_details = details + result.warning_details
    return result
