"""Scoring rules for leg movements (LM) and periodic limb movements (PLM).

Every clinical threshold is a named constant with its source:

- WASM 2016: Ferri R, Fulda S, Allen RP, et al. World Association of Sleep Medicine
  (WASM) 2016 standards for recording and scoring leg movements in polysomnograms.
  Sleep Med 2016;26:86-95 (knowledge-base reference ``ferri2016_wasm``).
- AASM: the AASM Manual for the Scoring of Sleep and Associated Events, v2.6 (2020),
  movement rules (periodic limb movements in sleep), unchanged in v3 (2023).
- Ferri 2006: Ferri R, Zucconi M, Manconi M, et al. New approaches to the study of
  periodic leg movements during sleep in restless legs syndrome.
  Sleep 2006;29:759-769 (the periodicity index).
- ICSD-3: American Academy of Sleep Medicine. International Classification of Sleep
  Disorders, 3rd ed., 2014: periodic limb movement disorder.

The functions here work on event times in seconds (no signals); ``plm.py`` calls them.
See ``docs/plm.md`` for the reading of each rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# --- Leg movement (LM) definition, both standards ----------------------------------
#: An LM starts where the rectified EMG rises at least this far above the resting
#: baseline (WASM 2016 rule "LM onset"; AASM v2.6 rule VII.A.4).
LM_ONSET_THRESHOLD_UV = 8.0
#: An LM ends at the start of a period of at least ``LM_OFFSET_QUIET_S`` during which
#: the EMG does not exceed this many µV above the resting baseline (WASM 2016; AASM
#: v2.6 rule VII.A.5).
LM_OFFSET_THRESHOLD_UV = 2.0
#: Length of the quiet period that ends an LM (WASM 2016; AASM v2.6 rule VII.A.5).
LM_OFFSET_QUIET_S = 0.5
#: Minimum LM duration; an LM of exactly 0.5 s counts (WASM 2016; AASM v2.6 VII.A.1).
LM_MIN_DURATION_S = 0.5
#: Activity on one leg separated by less than this is one LM: it follows from the
#: offset rule (the LM only ends after 0.5 s of quiet; WASM 2016, AASM v2.6).
SAME_LEG_MERGE_GAP_S = 0.5

# --- Candidate LM (CLM), WASM 2016 ---------------------------------------------------
#: A monolateral LM is a candidate for PLM only if it lasts at most 10 s; longer LMs
#: are still LMs but are not CLM and they end a PLM series (WASM 2016, CLM definition).
WASM_MAX_MONOLATERAL_CLM_S = 10.0
#: A bilateral LM is a candidate only if it lasts at most 15 s (WASM 2016).
WASM_MAX_BILATERAL_CLM_S = 15.0
#: ... and is made of at most 4 monolateral LMs, each of them a CLM (WASM 2016,
#: bilateral CLM definition and its Appendix 1 algorithm).
WASM_MAX_BILATERAL_COMPONENTS = 4
#: LMs on the two legs that overlap, or whose offset-to-onset gap is shorter than
#: this, are one bilateral LM (WASM 2016).
WASM_BILATERAL_GAP_S = 0.5

# --- AASM LM limits ---------------------------------------------------------------------
#: AASM v2.6 rule VII.A.2: the maximum duration of an LM is 10 s; longer activity is
#: not scored as an LM at all.
AASM_MAX_LM_DURATION_S = 10.0
#: AASM v2.6 rule VII.B.4: LMs on two different legs separated by less than 5 s between
#: movement onsets are counted as a single LM.
AASM_BILATERAL_ONSET_GAP_S = 5.0

# --- PLM series -------------------------------------------------------------------------
#: Minimum number of consecutive (candidate) LMs in a PLM series (WASM 2016; AASM
#: v2.6 rule VII.B.1).
PLM_MIN_SERIES_LENGTH = 4
#: Inter-movement interval (IMI, onset to onset) range of a PLM series, both bounds
#: included: WASM 2016 "IMI >= 10 s and <= 90 s".
WASM_IMI_MIN_S = 10.0
WASM_IMI_MAX_S = 90.0
#: AASM v2.6 rules VII.B.2-3: the period between LM onsets is 5 to 90 s.
AASM_IMI_MIN_S = 5.0
AASM_IMI_MAX_S = 90.0

# --- Respiratory-related LMs ---------------------------------------------------------
#: WASM 2016: a CLM with any part in the interval from 2.0 s before to 10.25 s after
#: the END of an apnea, hypopnea or RERA is respiratory-related and is not a PLM.
WASM_RESP_BEFORE_END_S = 2.0
WASM_RESP_AFTER_END_S = 10.25
#: AASM v2.6 rule VII.C note: an LM occurring from 0.5 s before the START to 0.5 s
#: after the END of an apnea, hypopnea, RERA or sleep-disordered-breathing event is
#: not scored.
AASM_RESP_MARGIN_S = 0.5
#: Kinds of :class:`ScoredEvent` taken as respiratory events.
RESPIRATORY_KINDS = ("apnea", "hypopnea", "rera")

# --- Arousal association ------------------------------------------------------------------
#: An LM and an arousal are associated when they overlap or when there is less than
#: 0.5 s between the end of one and the onset of the other, whichever is first
#: (WASM 2016; AASM v2.6 rule VII.D).
AROUSAL_ASSOCIATION_GAP_S = 0.5

# --- Periodicity index (Ferri 2006) -------------------------------------------------------
#: IMIs counted as periodic by the periodicity index: 10 <= IMI <= 90 s (Ferri 2006).
PI_IMI_MIN_S = 10.0
PI_IMI_MAX_S = 90.0
#: The periodicity index counts IMIs in runs of at least 3 consecutive periodic IMIs
#: (i.e. 4 LMs; Ferri 2006).
PI_MIN_RUN_IMIS = 3

# --- IMI histogram (reporting, Ferri 2006 and WASM 2016 use 2-s bins) --------------------
IMI_HISTOGRAM_BIN_S = 2.0
IMI_HISTOGRAM_MAX_S = 90.0

# --- Interpretation (ICSD-3) ----------------------------------------------------------------
#: ICSD-3, periodic limb movement disorder, criterion B: PLMS index > 15/h in adults.
ICSD3_PLMS_ADULT_PER_H = 15.0
#: ICSD-3: PLMS index > 5/h in children.
ICSD3_PLMS_CHILD_PER_H = 5.0
#: Age below which the child threshold applies (ICSD-3 pediatric criteria).
ICSD3_ADULT_AGE_YEARS = 18.0
#: Indices from less sleep (or recording, without a hypnogram) than this are flagged as
#: unreliable: a PLMS index is a rate over a night, and night-to-night variability is
#: large even over whole nights (Sforza & Haba-Rubio, Sleep Med 2005;6:259-267); the
#: AASM scoring of a diagnostic PSG assumes a full night. 4 h is a quietlegs convention
#: (about half a night), not a published cut-off.
MIN_HOURS_FOR_INDEX = 4.0

#: Sleep stages (AASM) counted as sleep for PLMS; "W" is wake, "?" unknown.
SLEEP_STAGES = ("N1", "N2", "N3", "R")

#: Float slack for comparisons of times computed from sample indices (seconds).
TIME_EPS_S = 1e-9


@dataclass(frozen=True)
class RuleSet:
    """The parameters that differ between WASM 2016 and AASM.

    Attributes
    ----------
    name : str
        ``"wasm2016"`` or ``"aasm"``.
    imi_min_s, imi_max_s : float
        Inclusive IMI range of a PLM series, in s.
    max_lm_duration_s : float | None
        Longer activity is not an LM at all (AASM); ``None`` keeps every LM (WASM).
    max_monolateral_clm_s, max_bilateral_clm_s : float
        Longest monolateral / bilateral candidate LM, in s.
    max_bilateral_components : int | None
        Most monolateral LMs in one bilateral candidate LM.
    bilateral : str
        ``"offset_gap"`` (WASM: overlap or gap < 0.5 s) or ``"onset_gap"`` (AASM:
        onsets on different legs < 5 s apart).
    resp_anchor : str
        ``"end"`` (WASM: window around the event's end) or ``"event"`` (AASM: the
        event widened by a margin).
    short_imi_blocks_series : bool
        WASM 2016: a CLM preceded by an IMI shorter than ``imi_min_s`` can be no part of
        a PLM series, not even its first member.
    plms_from_sleep_only : bool
        AASM: PLMS series are built from the LMs in sleep only (LMs in wake are not
        scored and do not break a series); WASM: one sequence over sleep and wake.
    """

    name: str
    imi_min_s: float
    imi_max_s: float
    max_lm_duration_s: float | None
    max_monolateral_clm_s: float
    max_bilateral_clm_s: float
    max_bilateral_components: int | None
    bilateral: str
    resp_anchor: str
    short_imi_blocks_series: bool
    plms_from_sleep_only: bool


WASM2016 = RuleSet(
    name="wasm2016",
    imi_min_s=WASM_IMI_MIN_S,
    imi_max_s=WASM_IMI_MAX_S,
    max_lm_duration_s=None,
    max_monolateral_clm_s=WASM_MAX_MONOLATERAL_CLM_S,
    max_bilateral_clm_s=WASM_MAX_BILATERAL_CLM_S,
    max_bilateral_components=WASM_MAX_BILATERAL_COMPONENTS,
    bilateral="offset_gap",
    resp_anchor="end",
    short_imi_blocks_series=True,
    plms_from_sleep_only=False,
)

AASM = RuleSet(
    name="aasm",
    imi_min_s=AASM_IMI_MIN_S,
    imi_max_s=AASM_IMI_MAX_S,
    max_lm_duration_s=AASM_MAX_LM_DURATION_S,
    max_monolateral_clm_s=AASM_MAX_LM_DURATION_S,
    # The AASM sets no limit for a bilateral LM beyond its parts' 10 s; two LMs whose
    # onsets are < 5 s apart and each <= 10 s span at most 15 s.
    max_bilateral_clm_s=AASM_BILATERAL_ONSET_GAP_S + AASM_MAX_LM_DURATION_S,
    max_bilateral_components=2,
    bilateral="onset_gap",
    resp_anchor="event",
    short_imi_blocks_series=False,
    plms_from_sleep_only=True,
)

RULE_SETS = {"wasm2016": WASM2016, "aasm": AASM}

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def merge_close(onset_s: FloatArray, offset_s: FloatArray, gap_s: float) -> IntArray:
    """Group intervals whose gap to everything before them is shorter than ``gap_s``.

    Parameters
    ----------
    onset_s, offset_s : ndarray, shape (n,)
        Interval bounds in s, sorted by onset.
    gap_s : float
        Intervals closer than this (offset of any earlier one to this onset) join.

    Returns
    -------
    group : ndarray of int64, shape (n,)
        Group number of each interval, non-decreasing from 0.
    """
    if onset_s.size == 0:
        return np.zeros(0, dtype=np.int64)
    reach = np.maximum.accumulate(offset_s)
    starts_new = np.empty(onset_s.size, dtype=bool)
    starts_new[0] = True
    starts_new[1:] = onset_s[1:] - reach[:-1] >= gap_s - TIME_EPS_S
    return np.cumsum(starts_new).astype(np.int64) - 1


def in_range(values: FloatArray, low: float, high: float) -> BoolArray:
    """Return ``low <= values <= high`` with a float slack of :data:`TIME_EPS_S`."""
    return (values >= low - TIME_EPS_S) & (values <= high + TIME_EPS_S)


def series_members(
    onset_s: FloatArray, candidate: BoolArray, rules: RuleSet
) -> tuple[BoolArray, FloatArray]:
    """Mark the LMs of a sequence that belong to a PLM series.

    Parameters
    ----------
    onset_s : ndarray, shape (n,)
        Onsets of the LMs of one sequence (sorted), in s.
    candidate : ndarray of bool, shape (n,)
        Whether each LM is a candidate LM; a non-candidate LM ends a series.
    rules : RuleSet
        IMI range and the WASM short-IMI rule.

    Returns
    -------
    periodic : ndarray of bool, shape (n,)
        Members of a run of at least :data:`PLM_MIN_SERIES_LENGTH` consecutive
        candidate LMs whose onset-to-onset IMIs are all within the range.
    imi_s : ndarray, shape (n,)
        IMI from the previous LM of the sequence (NaN for the first).
    """
    n = onset_s.size
    imi = np.full(n, np.nan)
    periodic = np.zeros(n, dtype=bool)
    if n == 0:
        return periodic, imi
    imi[1:] = np.diff(onset_s)
    # link[i]: LM i-1 and LM i are consecutive members of one series.
    link = np.zeros(n, dtype=bool)
    link[1:] = candidate[:-1] & candidate[1:] & in_range(imi[1:], rules.imi_min_s, rules.imi_max_s)
    if rules.short_imi_blocks_series and n > 2:
        # WASM 2016: a CLM preceded by an IMI < 10 s is no PLM, so it cannot open a
        # series either (the links inside a series already require IMI >= 10 s).
        short_before = np.zeros(n, dtype=bool)
        short_before[1:] = imi[1:] < rules.imi_min_s - TIME_EPS_S
        link[1:] &= ~short_before[:-1]
    # Runs of consecutive links: a run of r links joins r + 1 LMs.
    edges = np.diff(np.concatenate(([0], link.astype(np.int8), [0])))
    run_starts = np.flatnonzero(edges == 1)
    run_ends = np.flatnonzero(edges == -1)
    long_runs = (run_ends - run_starts + 1) >= PLM_MIN_SERIES_LENGTH
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, run_starts[long_runs] - 1, 1)
    np.add.at(marks, run_ends[long_runs], -1)
    periodic = np.cumsum(marks[:n]) > 0
    return periodic, imi


def periodicity_index(imi_s: FloatArray) -> float:
    """Ferri 2006 periodicity index of a sequence of IMIs.

    Parameters
    ----------
    imi_s : ndarray, shape (m,)
        Consecutive onset-to-onset intervals in s (no NaN).

    Returns
    -------
    float
        The share (0-1) of IMIs that are 10-90 s and belong to a run of at least
        :data:`PI_MIN_RUN_IMIS` such consecutive IMIs; 0.0 when there is no IMI.
    """
    if imi_s.size == 0:
        return 0.0
    ok = in_range(imi_s, PI_IMI_MIN_S, PI_IMI_MAX_S)
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    periodic = int(lengths[lengths >= PI_MIN_RUN_IMIS].sum())
    return periodic / imi_s.size


def imi_histogram(imi_s: FloatArray) -> dict[str, list[float] | list[int] | int]:
    """Histogram of IMIs in 2-s bins from 0 to 90 s, plus the count above 90 s.

    Parameters
    ----------
    imi_s : ndarray
        IMIs in s.

    Returns
    -------
    dict
        ``bin_edges_s`` (46 edges, 0 to 90), ``counts`` (45 bins; 90 s itself falls in
        the last bin) and ``above_max`` (IMIs > 90 s).
    """
    edges = np.arange(0.0, IMI_HISTOGRAM_MAX_S + IMI_HISTOGRAM_BIN_S / 2, IMI_HISTOGRAM_BIN_S)
    inside = imi_s[imi_s <= IMI_HISTOGRAM_MAX_S + TIME_EPS_S]
    counts, _ = np.histogram(np.minimum(inside, IMI_HISTOGRAM_MAX_S), bins=edges)
    return {
        "bin_edges_s": [float(e) for e in edges],
        "counts": [int(c) for c in counts],
        "above_max": int(imi_s.size - inside.size),
    }
