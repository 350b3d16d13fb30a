"""Hypnograms and scored events: annotations, CSV and epoch files, never a crash."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quietlegs._errors import SignalError
from quietlegs.signals.edf import Annotation, SignalWarning
from quietlegs.signals.hypnogram import (
    EPOCH_S,
    PROBLEM_CODES,
    STAGES,
    Hypnogram,
    ScoredEvent,
    _hypnogram_from_text,
    _stage_from_annotation,
    events_from_annotations,
    hypnogram_from_annotations,
    read_hypnogram,
)


def hyp(*stages: str, start_s: float = 0.0) -> Hypnogram:
    return Hypnogram(np.array(stages), start_s=start_s)


# ----------------------------------------------------------------------------- Hypnogram


def test_stages_constant() -> None:
    assert STAGES == ("W", "N1", "N2", "N3", "R")


def test_seconds() -> None:
    h = hyp("W", "N1", "N2", "N2", "N3", "R", "?", "W")
    assert h.stages.dtype == np.dtype("<U2")
    assert h.sleep_seconds() == 5 * 30.0
    assert h.wake_seconds() == 2 * 30.0
    assert h.seconds_by_stage() == {
        "W": 60.0,
        "N1": 30.0,
        "N2": 60.0,
        "N3": 30.0,
        "R": 30.0,
        "?": 30.0,
    }
    assert h.end_s == 240.0


def test_stage_at() -> None:
    h = hyp("W", "N2", "R", start_s=60.0)
    times = np.array([-1.0, 0.0, 59.999, 60.0, 89.999, 90.0, 149.9, 150.0, np.nan, np.inf])
    assert h.stage_at(times).tolist() == ["?", "?", "?", "W", "W", "N2", "R", "?", "?", "?"]
    assert h.stage_at(np.array([[60.0, 95.0]])).shape == (1, 2)
    assert h.stage_at(100.0).tolist() == "N2"


def test_empty_hypnogram() -> None:
    h = Hypnogram(np.array([], dtype="<U2"))
    assert h.sleep_seconds() == 0.0
    assert h.stage_at(np.array([0.0])).tolist() == ["?"]


def test_invalid_hypnograms() -> None:
    with pytest.raises(
        SignalError, match=r"stages must each be one of W, N1, N2, N3, R, \?; got 'N4'"
    ):
        hyp("W", "N4")
    with pytest.raises(SignalError, match=r"stages must be one-dimensional; got shape \(1, 2\)"):
        Hypnogram(np.array([["W", "R"]]))
    with pytest.raises(ValueError, match="epoch_s must be a positive number of seconds; got 0"):
        Hypnogram(np.array(["W"]), epoch_s=0)
    with pytest.raises(ValueError, match="start_s must be a finite number of seconds; got nan"):
        Hypnogram(np.array(["W"]), start_s=math.nan)
    with pytest.raises(TypeError, match="epoch_s must be int or float; got str '30'"):
        Hypnogram(np.array(["W"]), epoch_s="30")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- stage texts


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Sleep stage W", "W"),
        ("Sleep stage N1", "N1"),
        ("Sleep stage N2", "N2"),
        ("Sleep stage N3", "N3"),
        ("Sleep stage N4", "N3"),
        ("Sleep stage R", "R"),
        ("Sleep stage REM", "R"),
        ("Sleep stage ?", "?"),
        ("Sleep stage 1", "N1"),
        ("Sleep stage 2", "N2"),
        ("Sleep stage 3", "N3"),
        ("Sleep stage 4", "N3"),
        ("Sleep stage M", "?"),
        ("Sleep_stage_N2", "N2"),
        ("sleep stage r", "R"),
        ("SLEEP STAGE W", "W"),
        ("Stage N2", "N2"),
        ("Stage 2", "N2"),
        ("Stage - REM", "R"),
        ("Stage: W", "W"),
        ("Stage 2 sleep|2", "N2"),
        ("Stage 4 sleep|4", "N3"),
        ("REM sleep|5", "R"),
        ("Wake|0", "W"),
        ("Movement|6", "?"),
        ("Unscored|9", "?"),
        ("SLEEP-S0", "W"),
        ("SLEEP-S1", "N1"),
        ("SLEEP-S2", "N2"),
        ("SLEEP-S3", "N3"),
        ("SLEEP-S4", "N3"),
        ("SLEEP-REM", "R"),
        ("SLEEP-MT", "?"),
        ("SLEEP-UNSCORED", "?"),
        ("Movement time", "?"),
        ("W", "W"),
        ("N1", "N1"),
        ("N3", "N3"),
        ("R", "R"),
        ("REM", "R"),
        ("Wake", "W"),
        (" N2 ", "N2"),
        ("SleepStage N2", "N2"),
    ],
)
def test_stage_spellings(text: str, stage: str) -> None:
    assert _stage_from_annotation(text) == stage


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Arousal",
        "Obstructive Apnea",
        "Lights off",
        "Sleep onset",
        "Sleep stage",
        "Sleep stage N",
        "Stage",
        "1",
        "2",
        "4",
        "M",
        "A",
        "?",
        "Montage:Referential",
        "Leg movement",
    ],
)
def test_not_stages(text: str) -> None:
    assert _stage_from_annotation(text) is None


# ----------------------------------------------------------------------------- from annotations


def ann(onset: float, duration: float, text: str) -> Annotation:
    return Annotation(onset, duration, text)


def test_no_stage_annotations_gives_none() -> None:
    assert hypnogram_from_annotations([], 600.0) is None
    assert hypnogram_from_annotations([ann(10, 3, "Arousal"), ann(0, 0, "Lights off")], 600) is None


def test_one_annotation_per_epoch() -> None:
    annotations = [ann(30.0 * i, 30.0, f"Sleep stage {s}") for i, s in enumerate("W12R")]
    annotations.append(ann(45.0, 5.0, "Arousal"))
    h = hypnogram_from_annotations(annotations, 120.0)
    assert h is not None
    assert h.stages.tolist() == ["W", "N1", "N2", "R"]
    assert (h.start_s, h.epoch_s) == (0.0, 30.0)


def test_annotations_spanning_several_epochs() -> None:
    annotations = [
        ann(0.0, 90.0, "Sleep stage W"),
        ann(90.0, 150.0, "Sleep stage 2"),
        ann(240.0, 60.0, "Sleep stage R"),
    ]
    h = hypnogram_from_annotations(annotations, 300.0)
    assert h is not None
    assert h.stages.tolist() == ["W", "W", "W", "N2", "N2", "N2", "N2", "N2", "R", "R"]


def test_annotations_without_duration_last_until_the_next() -> None:
    annotations = [ann(0.0, 0.0, "W"), ann(60.0, 0.0, "N2"), ann(150.0, 0.0, "R")]
    with pytest.warns(SignalWarning, match=r"no sleep stage covers 4 of .* \(120 s\)"):
        h = hypnogram_from_annotations(annotations, 300.0)
    assert h is not None
    # The last one lasts one epoch; the rest of the recording is unscored.
    assert h.stages.tolist() == ["W", "W", "N2", "N2", "N2", "R", "?", "?", "?", "?"]
    assert [(p.code, p.params) for p in h.warning_details] == [
        ("unscored_gaps", {"epochs": 4, "seconds": 120.0})
    ]
    assert h.warnings == [
        "no sleep stage covers 4 of the recording's 30-s epochs (120 s); they were read as "
        "unscored (neither sleep nor wake)"
    ]


def test_first_epoch_starts_at_the_first_stage_annotation() -> None:
    annotations = [ann(15.0, 30.0, "Sleep stage W"), ann(45.0, 30.0, "Sleep stage N1")]
    with pytest.warns(SignalWarning, match="no sleep stage covers 1 of"):
        h = hypnogram_from_annotations(annotations, 120.0)
    assert h is not None
    assert h.start_s == 15.0
    assert h.stages.tolist() == ["W", "N1", "?"]  # complete epochs within 120 s
    assert h.stage_at(np.array([10.0, 20.0, 50.0, 110.0])).tolist() == ["?", "W", "N1", "?"]


def test_gaps_are_unknown_and_partial_epoch_dropped() -> None:
    annotations = [ann(0.0, 30.0, "Sleep stage W"), ann(90.0, 30.0, "Sleep stage N2")]
    with pytest.warns(SignalWarning, match="no sleep stage covers 2 of"):
        h = hypnogram_from_annotations(annotations, 130.0)
    assert h is not None
    assert h.stages.tolist() == ["W", "?", "?", "N2"]
    assert [(p.code, p.params) for p in h.warning_details] == [
        ("unscored_gaps", {"epochs": 2, "seconds": 60.0})
    ]


def test_a_hypnogram_without_gaps_or_odd_lengths_has_no_warnings() -> None:
    # Runs of whole epochs (90 s, 60 s) are not odd lengths; unscored epochs are not gaps.
    annotations = [
        ann(0.0, 90.0, "Sleep stage W"),
        ann(90.0, 60.0, "Sleep stage ?"),
        ann(150.0, 30.0, "Sleep stage 2"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = hypnogram_from_annotations(annotations, 190.0)
    assert h is not None
    assert h.stages.tolist() == ["W", "W", "W", "?", "?", "N2"]
    assert (h.warning_details, h.warnings) == ([], [])


def test_stage_like_labels_that_name_no_stage_are_skipped_with_a_warning() -> None:
    annotations = [
        ann(0.0, 30.0, "Sleep stage W"),
        ann(30.0, 30.0, "Sleep stage 7"),
        ann(60.0, 30.0, "Stage Q"),
        ann(90.0, 30.0, "Sleep stage 7"),
        ann(90.0, 0.0, "Sleep apnea"),  # not a stage label: not counted
    ]
    with pytest.warns(SignalWarning, match="3 annotations look like sleep stages"):
        h = hypnogram_from_annotations(annotations, 30.0)
    assert h is not None
    assert h.stages.tolist() == ["W"]
    assert [(p.code, p.params) for p in h.warning_details] == [
        ("unknown_stage_labels", {"count": 3, "labels": "'Sleep stage 7', 'Stage Q'"})
    ]


def test_only_unknown_stage_labels_give_no_hypnogram_but_the_warning() -> None:
    with pytest.warns(SignalWarning, match=r"1 annotations look like .*\('Sleep stage 7'\)"):
        assert hypnogram_from_annotations([ann(0.0, 30.0, "Sleep stage 7")], 60.0) is None


def test_epochs_of_20_s_are_mapped_by_midpoint() -> None:
    annotations = [ann(20.0 * i, 20.0, s) for i, s in enumerate(["W", "W", "N2", "N2", "R", "R"])]
    with pytest.warns(SignalWarning, match="6 sleep stages last 20 s"):
        h = hypnogram_from_annotations(annotations, 120.0)
    assert h is not None
    # 30-s epochs with midpoints 15, 45, 75, 105 s.
    assert h.stages.tolist() == ["W", "N2", "N2", "R"]
    assert [(p.code, p.params) for p in h.warning_details] == [
        ("epoch_not_30s", {"seconds": 20.0, "count": 6})
    ]


def test_csv_onsets_20_s_apart_are_odd_epoch_lengths(tmp_path: Path) -> None:
    text = "onset,stage\n0,W\n20,N2\n40,N2\n60,R\n"  # the last has no length
    with pytest.warns(SignalWarning, match="3 sleep stages last 20 s"):
        h = read_hypnogram(write(tmp_path, "h.csv", text))
    assert h.stages.tolist() == ["W", "N2", "R"]
    assert [(p.code, p.params) for p in h.warning_details] == [
        ("epoch_not_30s", {"seconds": 20.0, "count": 3})
    ]


def test_stage_annotations_after_the_recording_are_refused() -> None:
    with pytest.raises(SignalError, match=r"a stage starts at 900 s but the recording lasts only"):
        hypnogram_from_annotations([ann(900.0, 30.0, "Sleep stage W")], 600.0)


def test_duration_must_be_valid() -> None:
    with pytest.raises(ValueError, match="duration_s must be between 0 and inf s; got -1 s"):
        hypnogram_from_annotations([], -1.0)
    with pytest.raises(ValueError, match="duration_s must be a finite number of seconds"):
        hypnogram_from_annotations([], math.inf)


# ----------------------------------------------------------------------------- events


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Obstructive Apnea", "apnea"),
        ("Obstructive apnea|Obstructive Apnea", "apnea"),
        ("Central apnea", "apnea"),
        ("Mixed Apnea", "apnea"),
        ("Apnea", "apnea"),
        ("ObstructiveApnea", "apnea"),
        ("Apnoea obstructive", "apnea"),
        ("Hypopnea", "hypopnea"),
        ("Obstructive Hypopnea", "hypopnea"),
        ("Hypopnoea", "hypopnea"),
        ("RERA", "rera"),
        ("Respiratory effort related arousal|RERA", "rera"),
        ("Respiratory effort-related arousal", "rera"),
        ("Arousal", "arousal"),
        ("Arousal (ARO SPONT)", "arousal"),
        ("Arousal (ARO RES)", "arousal"),
        ("ASDA arousal|Arousal (ASDA)", "arousal"),
        ("Spontaneous arousal|Arousal (ARO SPONT)", "arousal"),
        ("micro-arousal", "arousal"),
    ],
)
def test_event_kinds(text: str, kind: str) -> None:
    assert events_from_annotations([ann(12.5, 10.0, text)]) == [ScoredEvent(12.5, 10.0, kind)]


@pytest.mark.parametrize(
    "text",
    ["Sleep stage W", "SpO2 desaturation", "Lights on", "Snore", "Camera on", "Leg movement"],
)
def test_not_events(text: str) -> None:
    assert events_from_annotations([ann(1.0, 1.0, text)]) == []


def test_events_are_sorted() -> None:
    events = events_from_annotations(
        [ann(50, 3, "Arousal"), ann(10, 20, "Hypopnea"), ann(30, 0, "Sleep stage 2")]
    )
    assert events == [ScoredEvent(10, 20, "hypopnea"), ScoredEvent(50, 3, "arousal")]


# ----------------------------------------------------------------------------- files


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_csv_onset_stage(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "onset,stage\n0,W\n30,N1\n60,N2\n90,Sleep stage R\n")
    h = read_hypnogram(path)
    assert h.stages.tolist() == ["W", "N1", "N2", "R"]
    assert h.start_s == 0.0


def test_csv_onset_duration_stage_any_order_and_case(tmp_path: Path) -> None:
    text = "Stage ; Onset (s) ; DURATION\nW;0;60\n2;60;90\nREM;150;30\n"
    h = read_hypnogram(write(tmp_path, "h.txt", text))
    assert h.stages.tolist() == ["W", "W", "N2", "N2", "N2", "R"]


def test_csv_with_tabs_and_duration_padding(tmp_path: Path) -> None:
    text = "onset_s\tduration_s\tstage\n0\t30\tW\n30\t30\tN3\n"
    with pytest.warns(SignalWarning, match=r"h\.tsv: no sleep stage covers 3 of"):
        h = read_hypnogram(write(tmp_path, "h.tsv", text), duration_s=150.0)
    assert h.stages.tolist() == ["W", "N3", "?", "?", "?"]
    assert [(p.code, p.params) for p in h.warning_details] == [
        ("unscored_gaps", {"epochs": 3, "seconds": 90.0})
    ]


def test_csv_wrong_columns_name_what_was_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "time,label\n0,W\n")
    with pytest.raises(
        SignalError,
        match=re.escape(
            "h.csv:1: a hypnogram CSV needs the header 'onset,stage' or 'onset,duration,stage' "
            "(onset and duration in seconds); found 'time', 'label'"
        ),
    ):
        read_hypnogram(path)


def test_csv_extra_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "onset,duration,stage,scorer\n0,30,W,AB\n")
    with pytest.raises(SignalError, match="found 'onset', 'duration', 'stage', 'scorer'"):
        read_hypnogram(path)


def test_csv_without_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "0,W\n30,N2\n")
    with pytest.raises(SignalError, match="found '0', 'W'"):
        read_hypnogram(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("0,W\nthirty,N2\n", r"h.csv:3: onset 'thirty' is not a number of seconds"),
        ("0,W\n-30,N2\n", r"h.csv:3: onset '-30' must be a number of seconds >= 0"),
        ("0,W\nnan,N2\n", r"h.csv:3: onset 'nan' must be a number of seconds >= 0"),
        ("0,W\n30,N5\n", r"h.csv:3: 'N5' is not a sleep stage \(expected W, N1"),
        ("0,W\n30,N2,x\n", r"h.csv:3: 3 fields, but the header has 2 \(onset, stage\)"),
        ("", r"h.csv: the CSV has a header but no stages"),
    ],
)
def test_csv_bad_rows_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "h.csv", "onset,stage\n" + body)
    with pytest.raises(SignalError, match=message):
        read_hypnogram(path)


def test_absurd_spans_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "onset,duration,stage\n0,1e300,W\n")
    with pytest.raises(SignalError, match=r"h.csv: the stages span .* at most 40320 \(14 days\)"):
        read_hypnogram(path)
    with pytest.raises(SignalError, match="the stages span"):
        hypnogram_from_annotations([ann(0.0, 30.0, "W")], 1e12)
    with pytest.raises(SignalError, match=r"h.txt: a recording of 1e\+09 s is 33333333 epochs"):
        read_hypnogram(write(tmp_path, "h.txt", "W\n"), duration_s=1e9)


def test_csv_longer_than_the_recording_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "onset,stage\n0,W\n3600,N2\n")
    with pytest.raises(SignalError, match="a stage starts at 3600 s but the recording lasts only"):
        read_hypnogram(path, duration_s=600.0)


def test_epoch_file_letters(tmp_path: Path) -> None:
    text = "# scored by AB\nStage\nW\n1\n2\n3\n4\nR\nM\n?\n\nN2\nREM\nSleep stage N3\n"
    h = read_hypnogram(write(tmp_path, "h.txt", text))
    assert h.stages.tolist() == ["W", "N1", "N2", "N3", "N3", "R", "?", "?", "N2", "R", "N3"]
    assert (h.start_s, h.epoch_s) == (0.0, EPOCH_S)


def test_epoch_file_numeric_codes(tmp_path: Path) -> None:
    h = read_hypnogram(write(tmp_path, "h.txt", "0\n1\n2\n3\n4\n5\n6\n9\n-1\n2.0\n"))
    assert h.stages.tolist() == ["W", "N1", "N2", "N3", "N3", "R", "?", "?", "?", "N2"]


def test_csv_with_4_but_no_5_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "onset,stage\n0,0\n30,4\n")
    with pytest.warns(SignalWarning, match=r"h\.csv: the numeric stages .* 4 was read as N3"):
        h = read_hypnogram(path)
    assert h.stages.tolist() == ["W", "N3"]
    assert [(p.code, p.params) for p in h.warning_details] == [("four_may_be_rem", {})]


def test_epoch_file_with_4_but_no_5_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "h.txt", "0\n1\n2\n3\n4\n")
    with pytest.warns(
        SignalWarning, match=r"reach 4 but never 5 and there is no R: 4 was read as N3"
    ):
        h = read_hypnogram(path)
    assert h.stages.tolist() == ["W", "N1", "N2", "N3", "N3"]
    assert h.warnings == [
        "the numeric stages reach 4 but never 5 and there is no R: 4 was read as N3 (R&K stage "
        "4, codes 0=W 1=N1 2=N2 3=N3 4=N3 5=R). If this file codes REM as 4 (0-4 coding), "
        "convert it to letters (W, N1, N2, N3, R)"
    ]


def test_epoch_file_cut_or_padded_to_the_recording(tmp_path: Path) -> None:
    path = write(tmp_path, "h.txt", "W\nW\nN2\nN2\n")
    with pytest.warns(SignalWarning, match="no sleep stage covers 2 of"):
        padded = read_hypnogram(path, duration_s=180.0)
    assert padded.stages.tolist() == ["W", "W", "N2", "N2", "?", "?"]
    assert [(p.code, p.params) for p in padded.warning_details] == [
        ("unscored_gaps", {"epochs": 2, "seconds": 60.0})
    ]
    cut = read_hypnogram(path, duration_s=95.0)
    assert (cut.stages.tolist(), cut.warning_details) == (["W", "W", "N2"], [])
    with pytest.raises(SignalError, match=r"4 epochs \(120 s\) but the recording lasts only 60 s"):
        read_hypnogram(path, duration_s=60.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("W\nN2\nbanana\n", r"h.txt:3: 'banana' is not a sleep stage"),
        ("W\n1 W\n", r"h.txt:2: '1 W' is not a sleep stage .* it has 2 fields"),
        ("", r"h.txt: the file has no stages \(it is empty\)"),
        ("# only a comment\n\n", r"h.txt: the file has no stages"),
        ("Stage\n", r"h.txt: no stages in the file"),
        ("7\n", r"h.txt:1: '7' is not a sleep stage"),
    ],
)
def test_epoch_file_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SignalError, match=message):
        read_hypnogram(write(tmp_path, "h.txt", text))


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match="no such file"):
        read_hypnogram(tmp_path / "absent.txt")
    with pytest.raises(SignalError, match="is a directory"):
        read_hypnogram(tmp_path)
    with pytest.raises(SignalError, match=r"not a text file \(it contains NUL bytes\)"):
        read_hypnogram(write(tmp_path, "h.edf", b"0       \x00\x00\x00"))


def test_latin1_and_bom_are_read(tmp_path: Path) -> None:
    assert read_hypnogram(write(tmp_path, "a.txt", b"\xef\xbb\xbfW\nN2\n")).stages.tolist() == [
        "W",
        "N2",
    ]
    path = write(tmp_path, "b.csv", b"onset,stage\n0,W\n30,N2 \xb5\n")
    with pytest.raises(SignalError, match="'N2 µ' is not a sleep stage"):
        read_hypnogram(path)


# ----------------------------------------------------------------------------- properties

_SPELLINGS = {
    "W": ["W", "Wake", "0", "Sleep stage W", "SLEEP-S0", "w"],
    "N1": ["N1", "1", "Sleep stage 1", "SLEEP-S1", "Stage N1"],
    "N2": ["N2", "2", "Sleep stage N2", "Stage 2 sleep|2", "n2"],
    "N3": ["N3", "3", "4", "N4", "SLEEP-S4", "Sleep stage 3"],
    "R": ["R", "REM", "5", "Sleep stage R", "SLEEP-REM", "REM sleep|5"],
    "?": ["?", "M", "MT", "6", "9", "Unscored", "Sleep stage ?", "Movement time"],
}


@st.composite
def spelled_stages(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    stages = draw(st.lists(st.sampled_from(sorted(_SPELLINGS)), min_size=1, max_size=60))
    tokens = [draw(st.sampled_from(_SPELLINGS[s])) for s in stages]
    # Always include an R spelling so that the 4-without-5 warning does not fire.
    return [*stages, "R"], [*tokens, "REM"]


@settings(max_examples=200, deadline=None)
@given(spelled_stages())
def test_epoch_file_round_trip(case: tuple[list[str], list[str]]) -> None:
    stages, tokens = case
    h = _hypnogram_from_text("\n".join(tokens) + "\n", source="x")
    assert h.stages.tolist() == stages


@settings(max_examples=200, deadline=None)
@given(spelled_stages(), st.booleans(), st.integers(0, 5))
def test_csv_round_trip(case: tuple[list[str], list[str]], with_duration: bool, lead: int) -> None:
    stages, tokens = case
    header = "onset,duration,stage" if with_duration else "onset,stage"
    rows = []
    for i, token in enumerate(tokens):
        onset = (lead + i) * 30.0
        quoted = '"' + token.replace('"', '""') + '"'
        rows.append(f"{onset},30,{quoted}" if with_duration else f"{onset},{quoted}")
    h = _hypnogram_from_text(header + "\n" + "\n".join(rows) + "\n", source="x")
    assert h.start_s == lead * 30.0
    assert h.stages.tolist() == stages


@pytest.mark.filterwarnings("ignore::quietlegs.signals.edf.SignalWarning")
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.booleans(), st.one_of(st.none(), st.floats(0, 1e6)))
def test_any_text_gives_a_hypnogram_or_a_signal_error(
    text: str, csv_hint: bool, duration_s: float | None
) -> None:
    try:
        h = _hypnogram_from_text(text, source="x", duration_s=duration_s, csv_hint=csv_hint)
    except SignalError as error:
        message = str(error)
    else:
        message = ""
    if message:
        assert message.startswith("x")
        return
    assert isinstance(h, Hypnogram)
    assert h.stages.dtype == np.dtype("<U2")
    assert set(h.stages.tolist()) <= {*STAGES, "?"}
    assert h.sleep_seconds() + h.wake_seconds() <= len(h.stages) * h.epoch_s


_LINE = st.one_of(
    st.sampled_from(["onset,stage", "onset,duration,stage", "0,W", "30,30,N2", "W", "4", ","]),
    st.text(alphabet="0123456789.,;-WNRM?e \t", max_size=20),
)


@pytest.mark.filterwarnings("ignore::quietlegs.signals.edf.SignalWarning")
@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=20), st.booleans())
def test_csv_like_text_gives_a_hypnogram_or_a_signal_error(
    lines: list[str], csv_hint: bool
) -> None:
    text = "\n".join(lines)
    try:
        h = _hypnogram_from_text(text, source="x", csv_hint=csv_hint)
    except SignalError:
        return
    assert set(h.stages.tolist()) <= {*STAGES, "?"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(-100, 1e5), st.sampled_from([math.nan, math.inf])),
            st.floats(0, 1e4),
            st.text(max_size=30),
        ),
        max_size=30,
    ),
    st.floats(0, 1e5),
)
def test_any_annotations_give_a_hypnogram_none_or_a_signal_error(
    raw: list[tuple[float, float, str]], duration_s: float
) -> None:
    annotations = [Annotation(o, d, t) for o, d, t in raw]
    try:
        h = hypnogram_from_annotations(annotations, duration_s)
    except SignalError as error:
        message = str(error)
    else:
        message = ""
    if message:
        assert "must be finite" in message or "recording lasts only" in message
        return
    if h is not None:
        assert set(h.stages.tolist()) <= {*STAGES, "?"}
        assert h.end_s <= max(duration_s, h.start_s) + 1e-6
    events = events_from_annotations(annotations)
    assert all(e.kind in ("apnea", "hypopnea", "rera", "arousal") for e in events)


# ------------------------------------------------------------------ problem codes


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "empty", {}),
        ("W\nN1\nXX\n", "not_a_stage", {"line": 3, "value": "XX"}),
        ("onset,what\n0,W\n", "hypnogram_header", {"line": 1, "columns": "onset, what"}),
        ("onset,stage\n0,W,1\n", "field_count", {"line": 2, "fields": 3, "columns": 2}),
        (
            "onset,stage\nlater,W\n",
            "not_seconds",
            {"line": 2, "column": "onset", "value": "later"},
        ),
        ("onset,stage\n", "no_stages", {}),
        ("W\x00N1\n", "not_text", {}),
    ],
)
def test_a_hypnogram_files_problems_have_codes_and_params(
    tmp_path: Path, text: str, code: str, params: dict[str, object]
) -> None:
    path = tmp_path / "stages.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SignalError, match=re.escape(str(path))) as caught:
        read_hypnogram(path)
    assert (caught.value.problem.code, dict(caught.value.problem.params)) == (code, params)
    assert code in PROBLEM_CODES


def test_a_too_large_hypnogram_file_has_its_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("quietlegs.signals.hypnogram.MAX_HYPNOGRAM_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text("W\n" * 6, encoding="utf-8")
    with pytest.raises(SignalError, match="12 bytes; a hypnogram file is at most 10 bytes"):
        read_hypnogram(path)
    with pytest.raises(SignalError) as caught:
        read_hypnogram(path)
    assert caught.value.problem.code == "file_too_large"
    assert caught.value.problem.params == {"size": 12, "max": 10}
