"""Scoring rules of WASM 2016 and AASM, each with exact expected values."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quietlegs.signals import _rules
from quietlegs.signals.plm import RULES, PLMResult, score_plm
from tests.signals._arrays import FakeEvent, hypnogram_of, lms

FS = 256.0
HOUR = 3600.0
SLEEP_HOUR = hypnogram_of(("N2", HOUR))


def series(start: float, imis: list[float], dur: float = 1.0) -> list[tuple[float, float]]:
    """LMs (onset_s, duration_s) starting at ``start`` with the given onset-to-onset IMIs."""
    onsets = [start]
    for imi in imis:
        onsets.append(onsets[-1] + imi)
    return [(on, dur) for on in onsets]


def score(
    left: list[tuple[float, float]],
    right: list[tuple[float, float]] | None = None,
    fs: float = FS,
    **kwargs: object,
) -> PLMResult:
    kwargs.setdefault("hypnogram", SLEEP_HOUR)
    return score_plm(
        lms(*left, sfreq_hz=fs),
        None if right is None else lms(*right, sfreq_hz=fs),
        fs,
        HOUR,
        **kwargs,  # type: ignore[arg-type]
    )


# --- PLM series: length and IMI bounds ---------------------------------------------------


def test_four_lms_make_a_series_three_do_not() -> None:
    assert score(series(100, [20, 20, 20])).plm_count == 4
    assert score(series(100, [20, 20])).plm_count == 0


@pytest.mark.parametrize(
    ("imi", "rules", "expected"),
    [
        (10.0, "wasm2016", 4),  # lower bound included
        (9.99, "wasm2016", 0),
        (90.0, "wasm2016", 4),  # upper bound included
        (90.01, "wasm2016", 0),
        (5.0, "aasm", 4),  # AASM: 5-90 s
        (4.99, "aasm", 0),
        (90.0, "aasm", 4),
        (90.01, "aasm", 0),
        (7.0, "aasm", 4),  # between the two lower bounds: AASM yes, WASM no
        (7.0, "wasm2016", 0),
    ],
)
def test_imi_bounds(imi: float, rules: str, expected: int) -> None:
    # At 100 Hz every onset falls on a sample: IMIs are exact.
    result = score(series(100, [imi] * 3, dur=0.6), fs=100.0, rules=rules)
    onsets = np.array([e.onset_s for e in result.events])
    assert np.allclose(np.diff(onsets), imi, rtol=0, atol=1e-9)
    assert result.plm_count == expected


def test_imi_out_of_range_splits_a_series() -> None:
    # 4 LMs, a 95-s gap, 3 LMs: only the first run is a series.
    result = score(series(100, [20, 20, 20, 95, 20, 20]))
    assert [e.periodic for e in result.events] == [True] * 4 + [False] * 3
    assert [e.imi_s for e in result.events][:2] == [None, 20.0]


def test_wasm_short_imi_lm_breaks_and_cannot_open_a_series() -> None:
    # LM at 100, then one 5 s later (IMI < 10 s), then 3 more at 20 s: the LM after the
    # short IMI may not start a series (WASM 2016), so 105/125/145/165 is no series ...
    lm_list = series(100, [5, 20, 20, 20])
    assert score(lm_list).plm_count == 0
    # ... one more LM makes 125-185 a series of 4.
    result = score(series(100, [5, 20, 20, 20, 20]))
    assert [e.periodic for e in result.events] == [False, False, True, True, True, True]
    # AASM (5-90 s) takes all six: IMI 5 s is in range.
    assert score(series(100, [5, 20, 20, 20, 20]), rules="aasm").plm_count == 6


def test_long_lm_breaks_a_series_in_wasm_and_is_ignored_by_aasm() -> None:
    # 3 LMs, a 12-s LM (an LM, not a candidate), 3 LMs, all 20 s apart.
    lm_list = [*series(100, [20, 20]), (160.0, 12.0), *series(180, [20, 20])]
    wasm = score(lm_list)
    assert wasm.lm_count == 7
    assert wasm.plm_count == 0
    # AASM: activity > 10 s is no LM, the series 100..220 has an IMI of 40 s across it.
    aasm = score(lm_list, rules="aasm")
    assert aasm.lm_count == 6
    assert aasm.plm_count == 6


def test_ten_second_lm_is_a_candidate_and_longer_is_not() -> None:
    assert score(series(100, [20, 20, 20], dur=10.0)).plm_count == 4
    assert score(series(100, [20, 20, 20], dur=10.01)).plm_count == 0


# --- LM duration and same-leg merging ----------------------------------------------------


def test_minimum_duration_half_second_included() -> None:
    assert score(series(100, [20, 20, 20], dur=0.5)).lm_count == 4
    assert score(series(100, [20, 20, 20], dur=0.49)).lm_count == 0


def test_same_leg_lms_closer_than_half_second_merge() -> None:
    # 0.3 s apart -> one LM of 2.3 s; 0.5 s apart -> two LMs.
    merged = score([(100.0, 1.0), (101.3, 1.0)])
    assert merged.lm_count == 1
    assert merged.events[0].duration_s == pytest.approx(2.3, abs=1 / FS)
    assert score([(100.0, 1.0), (101.5, 1.0)]).lm_count == 2
    # Two 0.3-s bits 0.2 s apart make one 0.8-s LM (the parts alone are too short).
    assert score([(100.0, 0.3), (100.5, 0.3)]).lm_count == 1


# --- Bilateral combination ----------------------------------------------------------------


def test_overlapping_legs_make_one_bilateral_lm() -> None:
    result = score([(100.0, 2.0)], [(101.0, 2.0)])
    assert result.lm_count == 1
    event = result.events[0]
    assert event.side == "bilateral"
    assert (event.onset_s, event.duration_s) == (100.0, 3.0)


def test_bilateral_gap_below_half_second_combines() -> None:
    assert score([(100.0, 1.0)], [(101.49, 1.0)]).events[0].side == "bilateral"
    sides = [e.side for e in score([(100.0, 1.0)], [(101.5, 1.0)]).events]
    assert sides == ["left", "right"]


def test_bilateral_longer_than_15_s_is_not_a_candidate() -> None:
    # Each leg's LM <= 10 s, together 15 s (candidate) or 15.5 s (not).
    ok = [(100.0 + 20 * i, 8.0) for i in range(4)]
    ok_r = [(107.0 + 20 * i, 8.0) for i in range(4)]  # bilateral 100-115
    result = score(ok, ok_r)  # four bilateral LMs of exactly 15 s, 20 s apart: a series
    assert [e.duration_s for e in result.events] == [15.0] * 4
    assert result.plm_count == 4
    long_r = [(107.5 + 20 * i, 8.0) for i in range(4)]
    result_long = score(ok, long_r)
    assert [e.duration_s for e in result_long.events] == [15.5] * 4
    assert result_long.plm_count == 0


@pytest.mark.parametrize(("n_parts", "expected_plm"), [(4, 4), (5, 0)])
def test_bilateral_of_more_than_4_monolateral_lms_is_not_a_candidate(
    n_parts: int, expected_plm: int
) -> None:
    # Alternating legs chained by overlaps / 0.2-s gaps; same-leg gaps stay >= 0.5 s.
    parts = [(0.0, 1.0), (0.8, 1.4), (2.4, 1.0), (3.2, 1.4), (4.8, 1.0)][:n_parts]
    left = [
        (100.0 + 20 * k + on, d) for k in range(4) for i, (on, d) in enumerate(parts) if i % 2 == 0
    ]
    right = [
        (100.0 + 20 * k + on, d) for k in range(4) for i, (on, d) in enumerate(parts) if i % 2 == 1
    ]
    result = score(left, right, fs=100.0)
    assert result.lm_count == 4
    assert {e.side for e in result.events} == {"bilateral"}
    assert result.plm_count == expected_plm


def test_aasm_bilateral_is_onsets_within_5_s() -> None:
    # 4-s onset difference on different legs: AASM one LM; WASM two (gap 3 s).
    left = [(100.0, 1.0)]
    right = [(104.0, 1.0)]
    assert score(left, right, rules="aasm").lm_count == 1
    assert score(left, right).lm_count == 2
    assert score(left, [(105.0, 1.0)], rules="aasm").lm_count == 2


# --- Sleep and wake ------------------------------------------------------------------------


def test_wasm_series_spans_wake_and_counts_plmw() -> None:
    # Epochs: 0-120 s N2, 120-180 s W, then N2. LMs every 20 s from 60 s to 220 s.
    hyp = hypnogram_of(("N2", 120), ("W", 60), ("N2", HOUR - 180))
    result = score(series(60, [20] * 8), hypnogram=hyp)
    stages = [e.stage for e in result.events]
    assert stages == ["N2"] * 3 + ["W"] * 3 + ["N2"] * 3
    assert result.plm_count == 9
    assert (result.plms_count, result.plmw_count) == (6, 3)
    assert result.plmw_index == pytest.approx(3 / (60 / HOUR))


def test_aasm_plms_from_sleep_lms_only_wake_does_not_break_when_imi_fits() -> None:
    # Wake LMs are dropped; the sleep LMs around a 60-s wake bout stay 80 s apart -> one
    # series of 6 sleep LMs.
    hyp = hypnogram_of(("N2", 120), ("W", 60), ("N2", HOUR - 180))
    result = score(series(60, [20] * 8), hypnogram=hyp, rules="aasm")
    assert result.plms_count == 6
    assert result.plmw_count == 3


def test_series_broken_by_wake_longer_than_90_s() -> None:
    # 2 LMs in sleep, 150 s of wake without LM, 2 LMs in sleep: no series in either rule.
    hyp = hypnogram_of(("N2", 120), ("W", 150), ("N2", HOUR - 270))
    lm_list = [(60.0, 1.0), (80.0, 1.0), (280.0, 1.0), (300.0, 1.0)]
    assert score(lm_list, hypnogram=hyp).plms_count == 0
    assert score(lm_list, hypnogram=hyp, rules="aasm").plms_count == 0


def test_series_broken_by_wake_lm_in_aasm_is_kept_in_wasm() -> None:
    # WASM: LMs in wake are part of the sequence (PLMW). AASM: in the sleep-only sequence
    # the wake LM disappears; 2 + 2 sleep LMs 40 s apart across it still form a series.
    hyp = hypnogram_of(("N2", 90), ("W", 30), ("N2", HOUR - 120))
    lm_list = series(40, [20, 20, 20, 20])  # 40, 60, 80, 100 (W), 120
    wasm = score(lm_list, hypnogram=hyp)
    assert (wasm.plms_count, wasm.plmw_count) == (4, 1)
    aasm = score(lm_list, hypnogram=hyp, rules="aasm")
    assert aasm.plms_count == 4
    assert [e.imi_s for e in aasm.events] == [None, 20.0, 20.0, 20.0, 40.0]


def test_plms_by_stage_is_per_hour_of_that_stage() -> None:
    hyp = hypnogram_of(("N2", 1800), ("R", 1800))
    result = score(series(60, [20] * 3) + series(1900, [20] * 4), hypnogram=hyp)
    assert result.plms_by_stage == {"N2": 4 / 0.5, "R": 5 / 0.5}
    assert result.plms_index == pytest.approx(9.0)


# --- Respiratory-related LMs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lm_onset", "respiratory"),
    [
        (97.0, True),  # LM 97-98 ends exactly 2.0 s before the apnea's end (100 s)
        (96.99, False),  # ends 2.01 s before
        (110.25, True),  # starts exactly 10.25 s after the end
        (110.26, False),
    ],
)
def test_wasm_respiratory_window_edges(lm_onset: float, respiratory: bool) -> None:
    apnea = FakeEvent(onset_s=80.0, duration_s=20.0, kind="apnea")
    fs = 100.0  # exact sample positions for the hundredths of a second
    result = score_plm(lms((lm_onset, 1.0), sfreq_hz=fs), None, fs, HOUR, events=[apnea])
    assert result.events[0].respiratory is respiratory


@pytest.mark.parametrize(
    ("lm_onset", "respiratory"),
    [(78.5, True), (78.49, False), (100.5, True), (100.51, False), (90.0, True)],
)
def test_aasm_respiratory_window_edges(lm_onset: float, respiratory: bool) -> None:
    hypopnea = FakeEvent(onset_s=80.0, duration_s=20.0, kind="hypopnea")
    fs = 100.0
    result = score_plm(
        lms((lm_onset, 1.0), sfreq_hz=fs), None, fs, HOUR, events=[hypopnea], rules="aasm"
    )
    assert result.events[0].respiratory is respiratory


def test_respiratory_lm_is_left_out_of_the_series() -> None:
    # 5 LMs 20 s apart; the middle one follows an apnea. Without it the IMI is 40 s: the
    # other 4 still form a series, the respiratory one is not periodic.
    lm_list = series(100, [20] * 4)
    apnea = FakeEvent(onset_s=120.0, duration_s=18.0, kind="apnea")  # ends 138, LM at 140
    result = score(lm_list, events=[apnea])
    assert [e.respiratory for e in result.events] == [False, False, True, False, False]
    assert [e.periodic for e in result.events] == [True, True, False, True, True]
    assert result.plms_index == pytest.approx(4.0)
    assert result.plms_index_with_respiratory == pytest.approx(5.0)


# --- Arousals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arousal_onset", "associated"),
    [(101.49, True), (101.5, False), (97.51, True), (97.5, False), (100.5, True)],
)
def test_arousal_association_is_overlap_or_less_than_half_second(
    arousal_onset: float, associated: bool
) -> None:
    # LM 100-101; arousal of 2 s.
    arousal = FakeEvent(onset_s=arousal_onset, duration_s=2.0, kind="arousal")
    fs = 100.0
    result = score_plm(lms((100.0, 1.0), sfreq_hz=fs), None, fs, HOUR, events=[arousal])
    assert result.events[0].arousal is associated


def test_plms_arousal_index_and_none_without_arousals() -> None:
    lm_list = series(100, [20] * 3)
    arousals = [FakeEvent(onset_s=on + 0.5, duration_s=3.0, kind="arousal") for on in (100, 140)]
    assert score(lm_list, events=arousals).plms_arousal_index == pytest.approx(2.0)
    assert score(lm_list).plms_arousal_index is None


# --- Indices, periodicity, histogram, no hypnogram -------------------------------------------


def test_periodicity_index_ferri_2006() -> None:
    imi = np.array([20, 20, 20, 5, 20, 20, 100, 20, 20, 20, 20], dtype=float)
    # runs of >= 3 IMIs in 10-90: the first 3 and the last 4 -> 7 of 11.
    assert _rules.periodicity_index(imi) == pytest.approx(7 / 11)
    assert _rules.periodicity_index(np.array([10.0, 90.0, 10.0])) == 1.0
    assert _rules.periodicity_index(np.array([9.99, 90.0, 10.0])) == 0.0
    assert _rules.periodicity_index(np.zeros(0)) == 0.0


def test_imi_histogram_bins() -> None:
    hist = _rules.imi_histogram(np.array([0.0, 1.99, 2.0, 89.9, 90.0, 90.01, 300.0]))
    assert len(hist["bin_edges_s"]) == 46  # type: ignore[arg-type]
    counts = hist["counts"]
    assert isinstance(counts, list)
    assert counts[0] == 2
    assert counts[1] == 1
    assert counts[-1] == 2
    assert sum(counts) == 5
    assert hist["above_max"] == 2


def test_no_hypnogram_uses_recording_hours_and_warns() -> None:
    result = score_plm(lms(*series(100, [20] * 3), sfreq_hz=FS), None, FS, 2 * HOUR)
    assert result.index_basis == "recording"
    assert result.plms_index == pytest.approx(2.0)  # 4 PLMs / 2 h of recording
    assert result.sleep_hours is None
    assert result.plmw_index is None
    assert any("no hypnogram" in w for w in result.warnings)
    assert any("right-leg" in w for w in result.warnings)
    assert "per hour of recording" in result.finding
    assert result.events[0].stage == "?"


def test_indices_exact_with_hypnogram() -> None:
    hyp = hypnogram_of(("W", 1800), ("N2", 5400))
    # 20 PLMs in N2 (2 series of 10) and 1 isolated LM in wake.
    lm_list = [(60.0, 1.0), *series(2000, [20] * 9), *series(4000, [30] * 9)]
    result = score_plm(lms(*lm_list, sfreq_hz=FS), lms(sfreq_hz=FS), FS, 7200.0, hypnogram=hyp)
    assert (result.lm_count, result.plm_count, result.plms_count, result.plmw_count) == (
        21,
        20,
        20,
        0,
    )
    assert result.plms_index == pytest.approx(20 / 1.5)
    assert result.plmw_index == 0.0
    assert result.lm_index == pytest.approx(21 / 2)
    assert result.plm_index == pytest.approx(10.0)
    assert result.sleep_hours == 1.5
    assert result.recording_hours == 2.0
    # IMIs in sleep: 9 x 20, one 2000-ish gap, 9 x 30 -> 18 of 19 periodic.
    assert result.periodicity_index == pytest.approx(18 / 19)
    assert result.imi_histogram["counts"][10] == 9  # 20-22 s
    assert result.imi_histogram["counts"][15] == 9  # 30-32 s
    assert result.imi_histogram["above_max"] == 1


@pytest.mark.parametrize(
    ("n_plm", "age", "phrase"),
    [
        (16, None, "is above the ICSD-3 threshold of 15/h for adults"),
        (15, None, "is above the ICSD-3 threshold of 5/h for children and not above"),
        (15, 40.0, "is not above the ICSD-3 threshold of 15/h for adults"),
        (6, 8.0, "is above the ICSD-3 threshold of 5/h for children"),
        (4, None, "is not above the ICSD-3 thresholds"),
    ],
)
def test_finding_states_the_icsd3_threshold(n_plm: int, age: float | None, phrase: str) -> None:
    result = score(series(100, [20] * (n_plm - 1)), age_years=age)
    assert result.plms_index == pytest.approx(n_plm)
    assert phrase in result.finding
    assert "not a diagnosis" in result.finding


@pytest.mark.parametrize(
    ("n_plm", "age", "code", "extra"),
    [
        (16, None, "above_both_thresholds", {"adult": 15.0, "child": 5.0}),
        (15, None, "above_child_threshold_only", {"adult": 15.0, "child": 5.0}),
        (4, None, "below_both_thresholds", {"adult": 15.0, "child": 5.0}),
        (16, 40.0, "above_threshold", {"limit": 15.0, "group": "adults"}),
        (15, 40.0, "not_above_threshold", {"limit": 15.0, "group": "adults"}),
        (6, 8.0, "above_threshold", {"limit": 5.0, "group": "children"}),
        (5, 8.0, "not_above_threshold", {"limit": 5.0, "group": "children"}),
    ],
)
def test_the_finding_has_its_code_and_params(
    n_plm: int, age: float | None, code: str, extra: dict[str, object]
) -> None:
    result = score(series(100, [20] * (n_plm - 1)), age_years=age)
    assert result.finding_code == code
    assert result.finding_params == {
        "index": float(n_plm),
        "basis": "sleep",
        "rules": "wasm2016",
        **extra,
    }


def test_to_dict_is_json_ready_with_the_issue_keys() -> None:
    result = score(series(100, [20] * 4), [(100.2, 1.0)])
    data = json.loads(json.dumps(result.to_dict()))
    for key in (
        "lm_count",
        "plm_count",
        "plms_index",
        "plmw_index",
        "periodicity_index",
        "index_basis",
    ):
        assert key in data
    first = data["events"][0]
    assert {"onset_s", "duration_s", "side", "periodic", "stage"} <= set(first)
    assert first["side"] == "bilateral"


# --- Bad input -----------------------------------------------------------------------------


def test_bad_arguments_are_refused() -> None:
    good = lms((100.0, 1.0))
    with pytest.raises(ValueError, match=r"rules must be one of 'wasm2016', 'aasm'; got 'icsd'"):
        score_plm(good, None, FS, HOUR, rules="icsd")
    with pytest.raises(ValueError, match=r"at least one of left_lms, right_lms"):
        score_plm(None, None, FS, HOUR)
    with pytest.raises(ValueError, match=r"left_lms must have shape \(n, 2\).*got shape \(3,\)"):
        score_plm(np.array([1, 2, 3]), None, FS, HOUR)
    with pytest.raises(
        TypeError, match=r"right_lms must hold integer sample indices; got dtype float64"
    ):
        score_plm(good, np.array([[1.0, 2.0]]), FS, HOUR)
    with pytest.raises(ValueError, match=r"left_lms row 0 is \[5, 3\)"):
        score_plm(np.array([[5, 3]]), None, FS, HOUR)
    with pytest.raises(ValueError, match=r"<= 921601 \(the recording's length"):
        score_plm(np.array([[5, 10**7]]), None, FS, HOUR)
    with pytest.raises(ValueError, match=r"duration_s must be a positive number of seconds; got 0"):
        score_plm(good, None, FS, 0)
    with pytest.raises(ValueError, match=r"sfreq_hz must be a positive number of Hz; got nan"):
        score_plm(good, None, float("nan"), HOUR)
    with pytest.raises(
        ValueError, match=r"age_years must be between 0 and 130 years; got -1 years"
    ):
        score_plm(good, None, FS, HOUR, age_years=-1)
    with pytest.raises(TypeError, match=r"sfreq_hz must be int or float; got str"):
        score_plm(good, None, "256", HOUR)  # type: ignore[arg-type]


def test_empty_legs_give_zero_counts() -> None:
    result = score_plm(np.zeros((0, 2), dtype=np.int64), None, FS, HOUR, hypnogram=SLEEP_HOUR)
    assert (result.lm_count, result.plm_count, result.plms_index) == (0, 0, 0.0)
    assert result.periodicity_index == 0.0


# --- Properties ----------------------------------------------------------------------------

lm_lists = st.lists(
    st.tuples(st.integers(0, 3500 * 256), st.integers(0, 20 * 256)), min_size=0, max_size=60
)


@settings(max_examples=150, deadline=None)
@given(left=lm_lists, right=lm_lists, rules=st.sampled_from(RULES), use_hyp=st.booleans())
def test_scoring_invariants(
    left: list[tuple[int, int]], right: list[tuple[int, int]], rules: str, use_hyp: bool
) -> None:
    def to_arr(pairs: list[tuple[int, int]]) -> npt.NDArray[np.int64]:
        return np.array([(a, a + d) for a, d in pairs], dtype=np.int64).reshape(-1, 2)

    hyp = hypnogram_of(("W", 600), ("N2", 1800), ("W", 300), ("R", 900)) if use_hyp else None
    result = score_plm(to_arr(left), to_arr(right), FS, HOUR, hypnogram=hyp, rules=rules)
    events = result.events
    assert result.lm_count == len(events)
    assert result.plm_count == sum(e.periodic for e in events)
    assert result.plms_count + result.plmw_count <= result.plm_count
    assert all(e.duration_s >= _rules.LM_MIN_DURATION_S - 1e-9 for e in events)
    onsets = [e.onset_s for e in events]
    assert onsets == sorted(onsets)
    assert 0.0 <= result.periodicity_index <= 1.0
    # Every periodic LM lies in a run of >= 4 periodic LMs among the scored sequence.
    if hyp is None or rules == "wasm2016":
        flags = [e.periodic for e in events]
        runs = [len(r) for r in "".join("1" if f else "0" for f in flags).split("0") if r]
        assert all(r >= _rules.PLM_MIN_SERIES_LENGTH for r in runs)
    json.dumps(result.to_dict())


@pytest.mark.parametrize(
    ("hours", "warned"), [(0.5, True), (3.9, True), (4.0, False), (8.0, False)]
)
def test_indices_from_a_short_recording_are_flagged(hours: float, warned: bool) -> None:
    onsets = series(60.0, [20.0] * 5)
    result = score_plm(lms(*onsets, sfreq_hz=FS), None, FS, hours * HOUR)
    notes = [w for w in result.warnings if "may not represent a whole night" in w]
    assert bool(notes) == warned
    if warned:
        assert notes[0].startswith(f"only {hours:.1f} h of recording (less than 4 h)")
    codes = [(p.code, dict(p.params)) for p in result.warning_details]
    assert codes == [("leg_missing", {"side": "right"}), ("no_hypnogram", {})] + (
        [("short_time", {"hours": hours, "basis": "recording", "min_hours": 4.0})] if warned else []
    )
    assert [p.message for p in result.warning_details] == result.warnings
