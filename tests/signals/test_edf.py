"""Reading leg EMG from EDF/EDF+: what was written comes back; bad files get clear errors."""

from __future__ import annotations

import datetime
import math
import re
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import edfio
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietlegs._errors import QuietlegsError, SignalError
from quietlegs.signals.edf import (
    MIN_SFREQ_HZ,
    READ_CHUNK_BYTES,
    Annotation,
    SignalWarning,
    find_leg_channels,
    read_leg_recording,
)
from quietlegs.signals.hypnogram import ScoredEvent
from tests.signals.synth import Burst, LMSeries, SynthNight, make_night, write_edf

START = datetime.datetime(2024, 3, 1, 22, 30, 0)

# ----------------------------------------------------------------------------- helpers

_FIXED = {
    "version": (0, 8),
    "recording": (88, 80),
    "startdate": (168, 8),
    "starttime": (176, 8),
    "header_bytes": (184, 8),
    "reserved": (192, 44),
    "n_records": (236, 8),
    "record_duration": (244, 8),
    "n_signals": (252, 4),
}
_SIGNAL_FIELDS = (
    ("label", 16),
    ("transducer", 80),
    ("dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefiltering", 80),
    ("samples", 8),
    ("reserved", 32),
)


def patch_fixed(path: Path, name: str, value: str | bytes) -> None:
    offset, width = _FIXED[name]
    raw = value.encode("latin-1") if isinstance(value, str) else value
    data = bytearray(path.read_bytes())
    data[offset : offset + width] = raw.ljust(width)[:width]
    path.write_bytes(bytes(data))


def patch_signal(path: Path, index: int, name: str, value: str) -> None:
    data = bytearray(path.read_bytes())
    n_signals = int(data[252:256].decode())
    offset = 256
    for field_name, width in _SIGNAL_FIELDS:
        if field_name == name:
            start = offset + index * width
            data[start : start + width] = value.encode("latin-1").ljust(width)[:width]
            path.write_bytes(bytes(data))
            return
        offset += width * n_signals
    raise KeyError(name)


def small_night(**kwargs: object) -> SynthNight:
    """Two minutes, one series and an isolated LM, exact content."""
    options: dict[str, object] = {
        "seed": 7,
        "lm_series": [LMSeries(20.0, 4, 15.0, 1.5, "left")],
        "isolated_lms": [Burst(100.0, 2.0, "bilateral")],
        "too_short": [],
        "too_long": [],
        "events": [],
    }
    options.update(kwargs)
    return make_night(120.0, 256.0, **options)  # type: ignore[arg-type]


def small_edf(tmp_path: Path, name: str = "night.edf", **kwargs: object) -> Path:
    night_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in ("legs", "seed", "events")}
    side = night_kwargs.get("legs", "both")
    if side != "both":
        night_kwargs["lm_series"] = [LMSeries(20.0, 4, 15.0, 1.5, str(side))]
        night_kwargs["isolated_lms"] = [Burst(100.0, 2.0, str(side))]
    night = small_night(**night_kwargs)
    return write_edf(tmp_path / name, night, **kwargs)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- reading back


def test_reads_back_what_was_written(tmp_path: Path) -> None:
    night = small_night(events=[ScoredEvent(8.0, 12.0, "apnea")])
    path = write_edf(tmp_path / "n.edf", night, extra_channels=["C3-M2", "EOG L"], start=START)
    rec = read_leg_recording(path)
    assert rec.left_label == "LAT"
    assert rec.right_label == "RAT"
    assert rec.sfreq_hz == 256.0
    assert rec.duration_s == 120.0
    assert rec.start == START
    assert rec.path == str(path)
    assert rec.warnings == []
    assert rec.left_uv is not None
    assert rec.right_uv is not None
    assert night.left_uv is not None
    assert night.right_uv is not None
    assert rec.left_uv.dtype == np.float64
    assert rec.left_uv.shape == (120 * 256,)
    edf = edfio.read_edf(path)
    for label, ours, truth in (
        ("LAT", rec.left_uv, night.left_uv),
        ("RAT", rec.right_uv, night.right_uv),
    ):
        signal = edf.get_signal(label)
        step = (signal.physical_max - signal.physical_min) / (
            signal.digital_max - signal.digital_min
        )
        np.testing.assert_allclose(ours, signal.data, rtol=0, atol=1e-9)  # same as edfio
        assert np.max(np.abs(ours - truth)) <= step / 2 + 1e-9  # within quantisation


def test_annotations_match_the_file(tmp_path: Path) -> None:
    night = small_night(events=[ScoredEvent(8.0, 12.0, "apnea"), ScoredEvent(20.3, 5.5, "arousal")])
    path = write_edf(tmp_path / "n.edf", night)
    rec = read_leg_recording(path)
    expected = sorted(
        (Annotation(a.onset, a.duration or 0.0, a.text) for a in edfio.read_edf(path).annotations),
        key=lambda a: (a.onset_s, a.duration_s, a.text),
    )
    assert len(expected) > 4
    assert rec.annotations == expected
    stage_texts = [a.text for a in rec.annotations if a.text.startswith("Sleep stage")]
    assert stage_texts == [f"Sleep stage {s}" for s in night.hypnogram.stages]
    assert [a.onset_s for a in rec.annotations if a.text.startswith("Sleep stage")] == [
        0.0,
        30.0,
        60.0,
        90.0,
    ]
    events = [a for a in rec.annotations if not a.text.startswith("Sleep stage")]
    assert [(a.onset_s, a.duration_s) for a in events] == [
        (e.onset_s, e.duration_s) for e in night.events
    ]


def test_subsecond_start_shifts_onsets_and_start(tmp_path: Path) -> None:
    start = datetime.datetime(2024, 3, 1, 22, 30, 0, 250000)
    path = small_edf(tmp_path, start=start)
    rec = read_leg_recording(path)
    assert rec.start == start
    assert [a.onset_s for a in rec.annotations] == [0.0, 30.0, 60.0, 90.0]


def test_plain_edf_without_annotations(tmp_path: Path) -> None:
    path = small_edf(tmp_path, annotations=False)
    assert path.read_bytes()[192:197] != b"EDF+C"
    rec = read_leg_recording(path)
    assert rec.annotations == []
    assert rec.start == START
    assert rec.duration_s == 120.0


def test_anonymised_start_date_gives_none(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "recording", "Startdate X X X X")
    recording = read_leg_recording(path)  # withheld on purpose: no warning
    assert (recording.start, recording.warning_details) == (None, [])


def test_legacy_start_date_when_recording_field_is_not_edf_plus(tmp_path: Path) -> None:
    path = small_edf(tmp_path, annotations=False)
    patch_fixed(path, "recording", "some lab's own text")
    patch_fixed(path, "startdate", "02.01.99")
    patch_fixed(path, "starttime", "23.59.58")
    assert read_leg_recording(path).start == datetime.datetime(1999, 1, 2, 23, 59, 58)
    patch_fixed(path, "startdate", "xx.yy.zz")
    with pytest.warns(SignalWarning, match=r"night\.edf: the start date and time in the header"):
        recording = read_leg_recording(path)
    assert recording.start is None
    assert [(p.code, p.params) for p in recording.warning_details] == [
        ("no_start_time", {"date": "xx.yy.zz", "time": "23.59.58"})
    ]
    assert recording.warnings == [
        "the start date and time in the header ('xx.yy.zz', '23.59.58') cannot be read; "
        "times are given from the start of the recording, without clock times"
    ]


def test_an_unreadable_start_time_is_a_warning(tmp_path: Path) -> None:
    path = small_edf(tmp_path, annotations=False)
    patch_fixed(path, "starttime", "25.61.00")
    with pytest.warns(SignalWarning, match="cannot be read"):
        recording = read_leg_recording(path)
    assert recording.start is None
    assert recording.warning_details[-1].code == "no_start_time"
    assert recording.warning_details[-1].params["time"] == "25.61.00"


@pytest.mark.parametrize(("unit", "patched"), [("mV", None), ("V", None), ("µV", None)])
def test_units_are_converted_to_microvolts(tmp_path: Path, unit: str, patched: None) -> None:
    night = small_night()
    assert night.left_uv is not None
    path = write_edf(tmp_path / "n.edf", night, unit="uV" if unit == "µV" else unit)
    if unit == "µV":
        patch_signal(path, 0, "dimension", "\xb5V")  # latin-1 micro sign
    rec = read_leg_recording(path)
    assert rec.left_uv is not None
    signal = edfio.read_edf(path).get_signal("LAT")
    scale = {"mV": 1e3, "V": 1e6, "µV": 1.0}[unit]
    step = (signal.physical_max - signal.physical_min) / 65535 * scale
    assert np.max(np.abs(rec.left_uv - night.left_uv)) <= step / 2 + 1e-6
    assert rec.warnings == []


def test_unknown_unit_warns_and_assumes_microvolts(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 0, "dimension", "bananas")
    with pytest.warns(SignalWarning, match=r"'LAT' has physical dimension 'bananas'.*taken as µV"):
        rec = read_leg_recording(path)
    assert len(rec.warnings) == 1


# ----------------------------------------------------------------------------- channels


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["EEG C3-M2", "LAT", "RAT", "ECG"], ("LAT", "RAT")),
        (["lat", "rat"], ("lat", "rat")),
        (["L-TA", "R-TA"], ("L-TA", "R-TA")),
        (["Leg L", "Leg R"], ("Leg L", "Leg R")),
        (["Left Leg", "Right Leg"], ("Left Leg", "Right Leg")),
        (["LLEG", "RLEG"], ("LLEG", "RLEG")),
        (["LLeg1", "RLeg1"], ("LLeg1", "RLeg1")),
        (["EMG Tib.L", "EMG Tib.R"], ("EMG Tib.L", "EMG Tib.R")),
        (["Tib L", "Tib R"], ("Tib L", "Tib R")),
        (["TibL", "TibR"], ("TibL", "TibR")),
        (["Lleg EMG", "Rleg EMG"], ("Lleg EMG", "Rleg EMG")),
        (["EMG LAT", "EMG RAT"], ("EMG LAT", "EMG RAT")),
        (["LAT1-LAT2", "RAT1-RAT2"], ("LAT1-LAT2", "RAT1-RAT2")),
        (["Left Tibialis", "Right Tibialis"], ("Left Tibialis", "Right Tibialis")),
        (["Tibialis ant. L", "Tibialis ant. R"], ("Tibialis ant. L", "Tibialis ant. R")),
        (["LAT", "ECG"], ("LAT", None)),
        (["ECG", "RLEG"], (None, "RLEG")),
        (["Legs"], ("Legs", None)),
        (["LEGS", "ECG"], ("LEGS", None)),
        (["Leg EMG"], ("Leg EMG", None)),
        (["Legs", "RAT"], (None, "RAT")),
        (["LAT", "LLEG", "RAT"], ("LAT", "RAT")),
        (["EEG Fpz-Cz", "EOG horizontal", "EMG submental", "Resp oro-nasal"], (None, None)),
        (["Chin", "Leg 1", "Leg 2", "LOC", "ROC", "Lat", "Left"], ("Lat", None)),
        ([], (None, None)),
        (["", "  "], (None, None)),
    ],
)
def test_find_leg_channels(labels: list[str], expected: tuple[str | None, str | None]) -> None:
    assert find_leg_channels(labels) == expected


def test_left_right_override_is_case_insensitive(tmp_path: Path) -> None:
    path = small_edf(tmp_path, labels=("Chan 1", "Chan 2"))
    rec = read_leg_recording(path, left="chan 2", right="Chan 1")
    assert (rec.left_label, rec.right_label) == ("Chan 2", "Chan 1")


def test_override_one_side_finds_the_other(tmp_path: Path) -> None:
    path = small_edf(tmp_path, labels=("LAT", "Other"))
    rec = read_leg_recording(path, right="Other")
    assert (rec.left_label, rec.right_label) == ("LAT", "Other")


def test_side_set_to_none_reads_one_leg(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    with pytest.warns(SignalWarning, match=r"only one leg channel \('LAT', left\); the right leg"):
        rec = read_leg_recording(path, right="none")
    assert rec.right_uv is None
    assert rec.right_label is None
    assert rec.left_uv is not None


def test_unknown_override_lists_the_channels(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    with pytest.raises(
        SignalError,
        match=r"no channel is labelled 'LLEG' \(given for the left leg\); "
        r"the channels are: 'LAT', 'RAT', 'ECG'",
    ):
        read_leg_recording(path, left="LLEG")


def test_same_channel_for_both_legs_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    with pytest.raises(SignalError, match="the same channel 'LAT' was given for both legs"):
        read_leg_recording(path, left="LAT", right="lat")


def test_no_leg_channel_lists_the_labels(tmp_path: Path) -> None:
    path = small_edf(tmp_path, labels=("EEG C3-M2", "EOG L"))
    with pytest.raises(
        SignalError,
        match=r"no leg EMG channel found .*the channels are: 'EEG C3-M2', 'EOG L', 'ECG'\. "
        r"Name them with left= and right=",
    ):
        read_leg_recording(path)


def test_both_sides_none_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    with pytest.raises(
        SignalError, match=r"no leg EMG channel found \(left and right set to none\)"
    ):
        read_leg_recording(path, left="", right="none")


def test_one_leg_only_warns(tmp_path: Path) -> None:
    path = small_edf(tmp_path, legs="right", labels=("unused", "RLEG"))
    with pytest.warns(SignalWarning, match=r"only one leg channel \('RLEG', right\); the left leg"):
        rec = read_leg_recording(path)
    assert rec.left_uv is None
    assert rec.right_uv is not None
    assert rec.warnings[0].startswith("only one leg channel")


def test_combined_leg_channel_is_one_leg_with_a_warning(tmp_path: Path) -> None:
    path = small_edf(tmp_path, legs="left", labels=("Legs", "unused"))
    with pytest.warns(SignalWarning, match=r"one combined leg channel \('Legs'\) holds both legs"):
        rec = read_leg_recording(path)
    assert rec.left_label == "Legs"
    assert rec.right_uv is None
    assert len(rec.warnings) == 1


def test_several_candidates_warn_and_take_the_first(tmp_path: Path) -> None:
    night = small_night()
    assert night.left_uv is not None
    path = write_edf(tmp_path / "n.edf", night, extra_channels={"LLEG": night.left_uv * 0.5})
    with pytest.warns(
        SignalWarning, match=r"several channels look like the left leg \(LAT, LLEG\)"
    ):
        rec = read_leg_recording(path)
    assert rec.left_label == "LAT"


# ----------------------------------------------------------------------------- sampling


def test_below_100_hz_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path, sfreq_hz=50.0)
    with pytest.raises(
        SignalError, match=r"needs at least 100 Hz; LAT \(left leg\) is sampled at 50 Hz"
    ):
        read_leg_recording(path)
    assert MIN_SFREQ_HZ == 100.0


def test_between_100_and_200_hz_warns(tmp_path: Path) -> None:
    path = small_edf(tmp_path, sfreq_hz=128.0)
    with pytest.warns(
        SignalWarning, match=r"LAT and RAT sampled at 128 Hz; WASM 2016 and the AASM"
    ):
        rec = read_leg_recording(path)
    assert rec.sfreq_hz == 128.0
    assert rec.left_uv is not None
    assert rec.left_uv.shape == (120 * 128,)


def test_exactly_100_and_200_hz(tmp_path: Path) -> None:
    with pytest.warns(SignalWarning, match="100 Hz"):
        assert read_leg_recording(small_edf(tmp_path, "a.edf", sfreq_hz=100.0)).sfreq_hz == 100.0
    assert read_leg_recording(small_edf(tmp_path, "b.edf", sfreq_hz=200.0)).warnings == []


def test_legs_at_different_rates_are_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path, sfreq_hz=(256.0, 200.0))
    with pytest.raises(
        SignalError,
        match=r"different rates \(LAT: 256 Hz, RAT: 200 Hz\); quietlegs does not resample",
    ):
        read_leg_recording(path)
    with pytest.warns(SignalWarning, match="only one leg"):
        assert read_leg_recording(path, left="none").sfreq_hz == 200.0


# ----------------------------------------------------------------------------- data quality


def test_flat_channel_warns(tmp_path: Path) -> None:
    night = small_night()
    night.left_uv = np.zeros_like(night.left_uv)
    path = write_edf(tmp_path / "n.edf", night, physical_range_uv=(-500.0, 500.0))
    with pytest.warns(
        SignalWarning, match=r"channel 'LAT' is flat \(every sample is 0\.0076\d* µV\)"
    ):
        rec = read_leg_recording(path)
    assert len(rec.warnings) == 1


def test_saturated_channel_warns(tmp_path: Path) -> None:
    path = small_edf(tmp_path, physical_range_uv=(-15.0, 15.0))
    with pytest.warns(SignalWarning) as record:
        rec = read_leg_recording(path)
    assert any("channel 'LAT' is saturated" in str(w.message) for w in record)
    saturated = [w for w in rec.warnings if "saturated" in w]
    assert len(saturated) == 2
    share = float(saturated[0].split("% of its samples")[0].split(": ")[-1])
    night = small_night()
    assert night.left_uv is not None
    expected = 100 * np.mean(np.abs(night.left_uv) >= 15.0)
    assert share == pytest.approx(expected, abs=0.1)
    assert "(-15 to 15 µV)" in saturated[0]


def test_a_few_clipped_samples_do_not_warn(tmp_path: Path) -> None:
    night = small_night()
    assert night.left_uv is not None
    top = float(np.quantile(np.abs(night.left_uv), 0.999))
    path = write_edf(tmp_path / "n.edf", night, physical_range_uv=(-top, top))
    rec = read_leg_recording(path)
    assert not [w for w in rec.warnings if "saturated" in w]


@pytest.mark.parametrize(
    ("field_a", "field_b", "value", "what"),
    [
        ("physical_min", "physical_max", "100", "physical minimum = physical maximum"),
        ("digital_min", "digital_max", "0", "digital minimum = digital maximum"),
    ],
)
def test_scaling_that_divides_by_zero_is_refused(
    tmp_path: Path, field_a: str, field_b: str, value: str, what: str
) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 1, field_a, value)
    patch_signal(path, 1, field_b, value)
    with pytest.raises(SignalError, match=rf"channel 'RAT' has {what} \({value}\)"):
        read_leg_recording(path)


def test_scaling_that_overflows_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 0, "physical_min", "-1e308")
    patch_signal(path, 0, "physical_max", "1e308")
    with pytest.raises(SignalError, match=r"channel 'LAT': its scaling .* is not finite"):
        read_leg_recording(path)


def test_non_numeric_scaling_field_names_the_channel(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 0, "physical_max", "abc")
    with pytest.raises(
        SignalError, match=r"the header's physical maximum of channel 'LAT' is 'abc', not a number"
    ):
        read_leg_recording(path)


def test_broken_scaling_of_an_unused_channel_is_ignored(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 2, "physical_max", "abc")  # the ECG
    patch_signal(path, 2, "physical_min", "abc")
    assert read_leg_recording(path).warnings == []


# ----------------------------------------------------------------------------- bad files


def test_not_an_edf(tmp_path: Path) -> None:
    text = tmp_path / "notes.edf"
    text.write_text("onset,stage\n" * 100)
    with pytest.raises(SignalError, match=r"not an EDF file: it starts with b'onset,st'"):
        read_leg_recording(text)


def test_empty_and_tiny_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.edf"
    empty.write_bytes(b"")
    with pytest.raises(SignalError, match="not an EDF file: 0 bytes, shorter than the 256-byte"):
        read_leg_recording(empty)
    cut = small_edf(tmp_path)
    cut.write_bytes(cut.read_bytes()[:200])
    with pytest.raises(SignalError, match="200 bytes, shorter than the 256-byte EDF header"):
        read_leg_recording(cut)


def test_bdf_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "version", b"\xffBIOSEMI")
    with pytest.raises(SignalError, match=r"a BDF .* only EDF and EDF\+ are supported"):
        read_leg_recording(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match="no such file"):
        read_leg_recording(tmp_path / "absent.edf")
    with pytest.raises(SignalError, match="is a directory"):
        read_leg_recording(tmp_path)


def test_truncated_data_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-1000])
    with pytest.raises(
        SignalError,
        match=r"truncated: the header declares 120 data records \(120 s\) but the file holds "
        r"only 119 complete records \(119 s\); 1000 bytes are missing",
    ):
        read_leg_recording(path)


def test_truncated_signal_header_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(SignalError, match=r"truncated: the header of 4 signals needs 1280 bytes"):
        read_leg_recording(path)


def test_header_declaring_more_records_than_the_file_holds(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "n_records", "480")
    with pytest.raises(SignalError, match=r"truncated: the header declares 480 data records"):
        read_leg_recording(path)


def test_header_declaring_fewer_records_reads_the_declared(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "n_records", "60")
    with pytest.warns(
        SignalWarning,
        match=r"declares 60 data records \(60 s\) but the file holds 120 \(120 s\); reading the 60",
    ):
        rec = read_leg_recording(path)
    assert rec.duration_s == 60.0
    assert rec.left_uv is not None
    assert rec.left_uv.shape == (60 * 256,)
    assert [a.onset_s for a in rec.annotations] == [0.0, 30.0]


def test_header_with_unknown_record_count_reads_the_file(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "n_records", "-1")
    with pytest.warns(SignalWarning, match=r"does not give the number of data records \(-1"):
        rec = read_leg_recording(path)
    assert rec.duration_s == 120.0


def test_stray_bytes_after_the_last_record_warn(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    path.write_bytes(path.read_bytes() + b"\x00" * 10)
    with pytest.warns(SignalWarning, match="10 bytes after the last data record were ignored"):
        assert read_leg_recording(path).duration_s == 120.0


def test_header_length_field_that_lies_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "header_bytes", "1024")
    with pytest.raises(
        SignalError, match=r"the header says it is 1024 bytes long, but 4 signals need 1280 bytes"
    ):
        read_leg_recording(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n_signals", "0", "the header declares 0 signals"),
        ("n_signals", "ab", "number of signals is 'ab', not an integer"),
        ("n_records", "x", "number of data records is 'x', not an integer"),
        ("n_records", "-5", "the header declares -5 data records"),
        ("n_records", "0", "the recording has no data records"),
        ("record_duration", "0", "a data record duration of 0 s"),
        ("record_duration", "nan", "duration of a data record is 'nan', not a finite number"),
        ("header_bytes", "lots", "number of bytes in the header record is 'lots'"),
    ],
)
def test_malformed_fixed_header_fields(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, field, value)
    with pytest.raises(SignalError, match=re.escape(message)):
        read_leg_recording(path)


def test_negative_samples_per_record_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 2, "samples", "-3")
    with pytest.raises(SignalError, match="signal 'ECG' declares -3 samples per data record"):
        read_leg_recording(path)


def test_edf_plus_d_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, "reserved", "EDF+D")
    with pytest.raises(SignalError, match=r"an EDF\+D \(discontinuous\) recording.*Convert it"):
        read_leg_recording(path)


def test_edf_plus_c_with_a_gap_is_refused(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    data = path.read_bytes()
    assert data.count(b"+5\x14\x14") == 1
    path.write_bytes(data.replace(b"+5\x14\x14", b"+7\x14\x14"))
    with pytest.raises(
        SignalError,
        match=r"labelled EDF\+C \(continuous\) but data record 5 starts at 7 s instead of 5 s",
    ):
        read_leg_recording(path)


def test_garbled_annotation_text_is_kept_readable(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Sleep stage W", b"Sleep st\xffge W", 1))
    rec = read_leg_recording(path)
    assert rec.annotations[0].text == "Sleep st\ufffdge W"


# ----------------------------------------------------------------------------- memory


def test_reads_only_the_two_leg_channels_of_a_two_hour_file(tmp_path: Path) -> None:
    night = make_night(7200.0, 200.0, seed=3, ecg=False, mains_hz=None, drift=False)
    extras = [f"EEG{i}" for i in range(14)]
    path = write_edf(tmp_path / "big.edf", night, extra_channels=extras)
    del night
    file_bytes = path.stat().st_size
    tracemalloc.start()
    try:
        rec = read_leg_recording(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rec.left_uv is not None
    assert rec.right_uv is not None
    legs_bytes = rec.left_uv.nbytes + rec.right_uv.nbytes  # 2 x 1.44 M float64 = 23 MB
    assert file_bytes > 40e6  # 17 channels of int16
    # The two legs as float64, plus one chunk of records, plus a little.
    assert peak < legs_bytes + READ_CHUNK_BYTES + 2e6
    assert peak < file_bytes  # never the whole file (float64 of all: 4x the file)


# ----------------------------------------------------------------------------- fuzzing


@pytest.fixture(scope="module")
def small_file_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        night = make_night(10.0, 128.0, seed=1, lm_series=[], events=[], isolated_lms=[])
        path = write_edf(Path(folder) / "n.edf", night)
        return path.read_bytes()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    offset=st.one_of(st.integers(0, 1279), st.integers(0, 9000)),  # header, anywhere
    patch=st.binary(min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 30_000)),
)
def test_corrupted_files_give_a_recording_or_a_signal_error(
    small_file_bytes: bytes, offset: int, patch: bytes, cut: int | None
) -> None:
    data = bytearray(small_file_bytes)
    data[offset : offset + len(patch)] = patch
    if cut is not None:
        data = data[:cut]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.edf"
        path.write_bytes(bytes(data))
        error: SignalError | None = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SignalWarning)
                rec = read_leg_recording(path)
        except SignalError as exc:
            error = exc
    if error is not None:
        assert str(error).startswith(str(path))
        assert isinstance(error, QuietlegsError)
        assert isinstance(error, ValueError)
        return
    for leg in (rec.left_uv, rec.right_uv):
        if leg is not None:
            assert np.all(np.isfinite(leg))
            assert leg.shape == (round(rec.duration_s * rec.sfreq_hz),)
    assert math.isfinite(rec.duration_s)
    assert rec.sfreq_hz >= MIN_SFREQ_HZ


# ----------------------------------------------------------------------------- problem codes


def _problem(path: Path) -> tuple[str, dict[str, object]]:
    with pytest.raises(SignalError, match=re.escape(str(path))) as caught:
        read_leg_recording(path)
    return caught.value.problem.code, dict(caught.value.problem.params)


def test_a_low_sampling_rate_has_its_code_and_params(tmp_path: Path) -> None:
    code, params = _problem(small_edf(tmp_path, sfreq_hz=50.0))
    assert (code, params) == (
        "sampling_rate_too_low",
        {"channel": "LAT", "side": "left", "rate": 50.0, "min": 100.0},
    )


def test_the_readers_refusals_have_their_codes(tmp_path: Path) -> None:
    plus_d = small_edf(tmp_path, "d.edf")
    patch_fixed(plus_d, "reserved", "EDF+D")
    bdf = small_edf(tmp_path, "b.edf")
    patch_fixed(bdf, "version", b"\xffBIOSEMI")
    not_edf = tmp_path / "notes.edf"
    not_edf.write_bytes(b"hello " * 100)
    whole = small_edf(tmp_path, "cut.edf")
    cut = whole.read_bytes()
    whole.write_bytes(cut[: len(cut) // 2])
    no_legs = small_edf(tmp_path, "eeg.edf", labels=("C3", "C4"))
    assert [_problem(p)[0] for p in (plus_d, bdf, not_edf, whole)] == [
        "edf_plus_d",
        "bdf",
        "not_edf",
        "truncated",
    ]
    assert _problem(no_legs) == ("no_leg_channel", {"channels": "'C3', 'C4', 'ECG'"})
    assert _problem(tmp_path / "missing.edf") == ("unreadable", {})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("header_bytes", "1000", ("header_size", {"size": 1000, "signals": 4, "expected": 1280})),
        ("n_signals", "x", ("bad_signal_count", {"value": "x"})),
        ("n_signals", "0", ("bad_signal_count", {"value": "0"})),
        ("n_records", "many", ("bad_record_count", {"value": "many"})),
        ("n_records", "-5", ("bad_record_count", {"value": "-5"})),
        ("record_duration", "abc", ("bad_record_duration", {"value": "abc"})),
        ("record_duration", "0", ("bad_record_duration", {"value": "0"})),
    ],
)
def test_header_faults_have_their_own_codes(
    tmp_path: Path, name: str, value: str, expected: tuple[str, dict[str, object]]
) -> None:
    path = small_edf(tmp_path)
    patch_fixed(path, name, value)
    assert _problem(path) == expected


def test_a_channel_field_fault_names_the_channel_and_field(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    patch_signal(path, 0, "physical_min", "lots")
    assert _problem(path) == (
        "bad_channel_field",
        {"channel": "LAT", "field": "physical_minimum", "value": "lots"},
    )


def test_a_header_fault_in_a_non_ascii_header_is_reported_as_such(tmp_path: Path) -> None:
    path = small_edf(tmp_path)
    data = bytearray(path.read_bytes())
    data[8:16] = "Иван".encode()  # a UTF-8 name in the patient field
    data[252:256] = b"\xd0\x98 4"  # the fields after it shifted
    path.write_bytes(bytes(data))
    with pytest.raises(SignalError, match="non-ASCII characters") as caught:
        read_leg_recording(path)
    assert (caught.value.problem.code, dict(caught.value.problem.params)) == (
        "non_ascii_header",
        {},
    )


def test_warnings_come_with_their_codes_and_params(tmp_path: Path) -> None:
    path = small_edf(tmp_path, labels=("LAT", "C3"), sfreq_hz=128.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_leg_recording(path)
    assert len(caught) == 2
    assert [(p.code, dict(p.params)) for p in rec.warning_details] == [
        ("one_leg_only", {"channel": "LAT", "side": "left", "missing": "right"}),
        ("low_sampling_rate", {"channels": "'LAT'", "rate": 128.0, "recommended": 200.0}),
    ]
    assert [p.message for p in rec.warning_details] == rec.warnings
