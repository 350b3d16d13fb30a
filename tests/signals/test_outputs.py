"""Writers of a PLM scoring: JSON, CSV, text, annotated EDF+, PNG and HTML."""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from edfio import read_edf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietlegs._errors import SignalError
from quietlegs.signals import outputs
from quietlegs.signals.plm import LegMovement
from tests.signals.fake_results import (
    DURATION_S,
    EVENTS,
    STAGE_ANNOTATIONS,
    make_recording,
    make_result,
    write_edf,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- JSON


def test_json_starts_with_the_issue_keys_then_the_rest_of_to_dict() -> None:
    data = json.loads(outputs.result_to_json(make_result()))
    assert list(data)[:7] == list(outputs.JSON_KEYS)
    assert data["lm_count"] == 5
    assert data["plm_count"] == 4
    assert data["plms_index"] == 60.0
    assert data["plmw_index"] == 0.0
    assert data["periodicity_index"] == 0.75
    assert data["index_basis"] == "sleep"
    # the rest of to_dict() follows
    assert data["rules"] == "wasm2016"
    assert data["plms_by_stage"] == {"N2": 72.0, "R": 120.0}
    assert data["finding"].startswith("PLMS index 60.0/h")
    assert "quietlegs_version" in data


def test_json_events_carry_every_field_in_order() -> None:
    events = json.loads(outputs.result_to_json(make_result()))["events"]
    assert len(events) == 5
    assert list(events[0])[: len(outputs.EVENT_FIELDS)] == list(outputs.EVENT_FIELDS)
    assert events[0] == {
        "onset_s": 10.0,
        "duration_s": 1.0,
        "side": "left",
        "periodic": False,
        "stage": "W",
        "arousal": False,
        "respiratory": False,
        "imi_s": None,
    }
    assert [e["side"] for e in events] == ["left", "right", "bilateral", "left", "right"]
    assert [e["periodic"] for e in events] == [False, True, True, True, True]
    assert events[2]["respiratory"] is True
    assert events[3]["imi_s"] == 19.75


def test_json_without_hypnogram_has_nulls_not_numbers() -> None:
    data = json.loads(outputs.result_to_json(make_result(index_basis="recording")))
    assert data["index_basis"] == "recording"
    assert data["plmw_index"] is None
    assert data["sleep_hours"] is None


def test_json_written_to_path_is_the_returned_text(tmp_path: Path) -> None:
    path = tmp_path / "night.json"
    text = outputs.result_to_json(make_result(), path)
    assert path.read_text(encoding="utf-8") == text
    assert text.endswith("}\n")
    assert [p.name for p in tmp_path.iterdir()] == ["night.json"]  # no temporary left


def test_json_numpy_values_become_plain() -> None:
    result = make_result()
    result.lm_count = np.int64(5)  # type: ignore[assignment]
    result.periodicity_index = np.float64(0.5)
    data = json.loads(outputs.result_to_json(result))
    assert data["lm_count"] == 5
    assert data["periodicity_index"] == 0.5


def test_json_refuses_nan() -> None:
    result = make_result(plms_index=float("nan"))
    with pytest.raises(SignalError, match=r"non-finite number \(nan\) at result\.plms_index"):
        outputs.result_to_json(result)


def test_json_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match=r"folder .* does not exist"):
        outputs.result_to_json(make_result(), tmp_path / "missing" / "a.json")


# --------------------------------------------------------------------------- CSV


def test_events_csv_exact() -> None:
    assert outputs.format_events_csv(make_result()) == (
        "onset_s,duration_s,side,periodic,stage,arousal,respiratory,imi_s\n"
        "10.0,1.0,left,false,W,false,false,\n"
        "35.0,2.0,right,true,N2,true,false,25.0\n"
        "55.5,1.5,bilateral,true,N2,false,true,20.5\n"
        "75.25,0.75,left,true,N2,false,false,19.75\n"
        "95.0,1.0,right,true,R,false,false,19.75\n"
    )


def test_events_csv_file_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "night.csv"
    outputs.write_events_csv(make_result(), path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == 5
    assert rows[2]["side"] == "bilateral"
    assert float(rows[3]["onset_s"]) == 75.25


def test_events_csv_of_no_events_is_the_header_only() -> None:
    text = outputs.format_events_csv(make_result(events=()))
    assert text == ",".join(outputs.EVENT_FIELDS) + "\n"


# --------------------------------------------------------------------------- text


def test_text_summary() -> None:
    text = outputs.format_text(make_result(warnings=("flat right channel for 10 min",)))
    assert "WASM/IRLSSG 2016" in text
    assert "per hour of sleep" in text
    assert re.search(r"Leg movements \(LM\) +5  \(150\.0/h\)", text)
    assert re.search(r"PLMS index \(per hour of sleep\) +60\.0/h", text)
    assert "PLMS index by stage (/h)        N2 72.0, R 120.0" in text
    assert "Finding: PLMS index 60.0/h is above" in text
    assert "  - flat right channel for 10 min" in text
    assert text.rstrip().endswith(outputs.DISCLAIMER)


def test_text_without_hypnogram_says_per_hour_of_recording() -> None:
    text = outputs.format_text(make_result(index_basis="recording"))
    assert "No hypnogram: indices are per hour of recording" in text
    assert re.search(r"PLMS index \(per hour of recording\) +60\.0/h", text)
    assert re.search(r"PLMW index \(per hour of wake\) +n/a", text)


# --------------------------------------------------------------------------- EDF+


@pytest.mark.parametrize(
    ("event", "text"),
    [
        (EVENTS[0], "LM left"),
        (EVENTS[1], "PLM right"),
        (EVENTS[2], "PLM bilateral"),
        (dataclasses.replace(EVENTS[2], periodic=False), "LM bilateral"),
    ],
)
def test_annotation_text(event: LegMovement, text: str) -> None:
    assert outputs.annotation_text(event) == text


def _expected(events: tuple[LegMovement, ...]) -> list[tuple[float, float, str]]:
    return [(e.onset_s, e.duration_s, outputs.annotation_text(e)) for e in events]


def test_annotated_edfplus_keeps_signals_and_annotations(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "night.edf")
    before = sha256(source)
    out = tmp_path / "night.annotated.edf"
    outputs.write_annotated_edf(source, make_result(), out)
    assert sha256(source) == before  # never modified

    original, annotated = read_edf(source), read_edf(out)
    assert annotated.reserved == "EDF+C"
    assert annotated.labels == original.labels
    for a, b in zip(original.signals, annotated.signals, strict=True):
        np.testing.assert_array_equal(a.digital, b.digital)
        assert a.sampling_frequency == b.sampling_frequency
    assert annotated.local_patient_identification == original.local_patient_identification
    assert annotated.startdatetime == original.startdatetime
    got = [(a.onset, a.duration, a.text) for a in annotated.annotations]
    stages = [(a.onset, a.duration or 0.0, a.text) for a in STAGE_ANNOTATIONS]
    assert sorted(got) == sorted(stages + _expected(EVENTS))


def test_annotated_plain_edf_becomes_edfplus(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "plain.edf", plus=False)
    assert read_edf(source).reserved == ""
    out = tmp_path / "out.edf"
    outputs.write_annotated_edf(source, make_result(), out)
    annotated = read_edf(out)
    assert annotated.reserved == "EDF+C"
    assert annotated.is_continuous
    assert annotated.duration == DURATION_S
    assert [(a.onset, a.duration, a.text) for a in annotated.annotations] == _expected(EVENTS)
    np.testing.assert_array_equal(
        annotated.get_signal("Leg R").digital, read_edf(source).get_signal("Leg R").digital
    )


def test_annotated_plain_edf_gets_edfplus_identification(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "plain.edf", plus=False)
    raw = bytearray(source.read_bytes())
    raw[8:88] = b"John Smith 1960".ljust(80)
    raw[88:168] = b"Sleep lab night 2".ljust(80)
    source.write_bytes(bytes(raw))
    out = tmp_path / "out.edf"
    outputs.write_annotated_edf(source, make_result(), out)
    head = out.read_bytes()[:256]
    assert head[8:88].decode().strip() == "X X X X John_Smith_1960"
    assert head[88:168].decode().strip() == "Startdate 05-MAR-2024 X X X Sleep_lab_night_2"
    assert read_edf(out).annotations[0].text == "LM left"


def test_annotated_edf_with_subsecond_start(tmp_path: Path) -> None:
    # EDF+ keeps sub-second start times in the timekeeping annotation; event
    # onsets are from the first sample, so they must be shifted by it.
    source = write_edf(tmp_path / "night.edf", starttime=datetime.time(22, 30, 0, 250000))
    out = tmp_path / "out.edf"
    outputs.write_annotated_edf(source, make_result(), out)
    annotated = read_edf(out)
    assert annotated.starttime == datetime.time(22, 30, 0, 250000)
    got = [(a.onset, a.duration, a.text) for a in annotated.annotations if "LM" in a.text]
    assert got == _expected(EVENTS)


def make_discontinuous(path: Path, gap_from: int, gap_s: float) -> None:
    """Turn an EDF+C into EDF+D: records from ``gap_from`` on start ``gap_s`` later."""
    layout = outputs._EdfLayout(path)
    assert layout.timekeeping_idx is not None
    raw = bytearray(path.read_bytes())
    raw[192:236] = b"EDF+D".ljust(44)
    start = 2 * sum(layout.samples[: layout.timekeeping_idx])
    size = 2 * layout.samples[layout.timekeeping_idx]
    for k in range(gap_from, layout.n_records):
        at = layout.header_bytes + k * layout.record_bytes + start
        tals = bytes(raw[at : at + size])
        rest = tals[tals.index(b"\x00") + 1 :]
        new = f"+{k * layout.record_s + gap_s:g}\x14\x14".encode() + b"\x00" + rest
        assert new[size:].strip(b"\x00") == b""
        raw[at : at + size] = new[:size].ljust(size, b"\x00")
    path.write_bytes(bytes(raw))


def test_annotated_edf_discontinuous(tmp_path: Path) -> None:
    # EDF+D: events are placed in the file's own time (record onsets), so a
    # movement 75.25 s into the data is 100 s later after a 100-s gap at 60 s.
    source = write_edf(tmp_path / "night.edf")
    make_discontinuous(source, gap_from=60, gap_s=100.0)
    out = tmp_path / "out.edf"
    outputs.write_annotated_edf(source, make_result(), out)
    annotated = read_edf(out)
    assert annotated.reserved == "EDF+D"
    assert not annotated.is_continuous
    got = [(a.onset, a.duration, a.text) for a in annotated.annotations if "LM" in a.text]
    shifted = [(e.onset_s + (100.0 if e.onset_s >= 60 else 0.0), e.duration_s) for e in EVENTS]
    assert [(onset, duration) for onset, duration, _ in got] == shifted


def test_annotated_edf_without_events_is_a_faithful_copy(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "night.edf")
    out = tmp_path / "out.edf"
    outputs.write_annotated_edf(source, make_result(events=()), out)
    annotated = read_edf(out)
    assert [a.text for a in annotated.annotations] == [a.text for a in STAGE_ANNOTATIONS]


def test_annotated_edf_streams_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outputs, "_COPY_CHUNK_BYTES", 3000)  # a few records per chunk
    source = write_edf(tmp_path / "night.edf")
    out = tmp_path / "out.edf"
    seen: list[float] = []
    outputs.write_annotated_edf(source, make_result(), out, progress=seen.append)
    assert len(seen) > 10
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    got = [(a.onset, a.duration, a.text) for a in read_edf(out).annotations if "LM" in a.text]
    assert got == _expected(EVENTS)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=int(DURATION_S * 1000) - 1),
            st.integers(min_value=1, max_value=10_000),
            st.sampled_from(["left", "right", "bilateral"]),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_annotation_onsets_round_trip(
    tmp_path_factory: pytest.TempPathFactory, raw: list[tuple[int, int, str, bool]]
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    source = write_edf(folder / "night.edf", plus=False)
    events = tuple(
        LegMovement(ms / 1000, dur / 1000, side, periodic, "?", False, False, None)
        for ms, dur, side, periodic in raw
    )
    outputs.write_annotated_edf(source, make_result(events=events), folder / "out.edf")
    got = [(a.onset, a.duration, a.text) for a in read_edf(folder / "out.edf").annotations]
    assert sorted(got) == sorted(_expected(events))


def test_annotated_edf_refuses_to_overwrite_the_source(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "night.edf")
    with pytest.raises(SignalError, match="refusing to overwrite the source recording"):
        outputs.write_annotated_edf(source, make_result(), source)
    with pytest.raises(SignalError, match="refusing to overwrite the source recording"):
        outputs.write_annotated_edf(source, make_result(), tmp_path / "." / "night.edf")


def test_annotated_edf_refuses_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match="does not exist"):
        outputs.write_annotated_edf(tmp_path / "no.edf", make_result(), tmp_path / "out.edf")


def test_annotated_edf_refuses_a_non_edf(tmp_path: Path) -> None:
    source = tmp_path / "notes.edf"
    source.write_text("these are not signals\n" * 40, encoding="utf-8")
    with pytest.raises(SignalError, match="not an EDF file"):
        outputs.write_annotated_edf(source, make_result(), tmp_path / "out.edf")
    assert not (tmp_path / "out.edf").exists()


def test_annotated_edf_refuses_a_truncated_file(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "night.edf")
    source.write_bytes(source.read_bytes()[:-5000])
    with pytest.raises(SignalError, match=r"truncated: the header announces 120 data records"):
        outputs.write_annotated_edf(source, make_result(), tmp_path / "out.edf")
    assert [p.name for p in tmp_path.iterdir()] == ["night.edf"]


def test_annotated_edf_refuses_a_bad_header(tmp_path: Path) -> None:
    source = write_edf(tmp_path / "night.edf")
    raw = bytearray(source.read_bytes())
    raw[252:256] = b"ab  "
    source.write_bytes(bytes(raw))
    with pytest.raises(SignalError, match="malformed EDF header"):
        outputs.write_annotated_edf(source, make_result(), tmp_path / "out.edf")


# --------------------------------------------------------------------------- figures


def test_png_report(tmp_path: Path) -> None:
    path = tmp_path / "night.png"
    outputs.write_report_png(make_recording(), make_result(), path)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 1000)


@pytest.mark.parametrize("index_basis", ["sleep", "recording"])
def test_png_report_edge_cases(index_basis: str) -> None:
    # one leg, no hypnogram, no events: still a figure, never a crash
    recording = make_recording(right=False)
    recording.annotations = []
    png = outputs.render_report_png(
        recording, make_result(events=(), index_basis=index_basis, plms_index=None)
    )
    assert png.startswith(PNG_MAGIC)


def test_example_epoch_is_the_one_with_most_periodic_movements_in_sleep() -> None:
    assert outputs._example_epoch(make_result(), DURATION_S, 30.0, 0.0) == 30.0
    assert outputs._example_epoch(make_result(events=()), DURATION_S, 30.0, 0.0) == 0.0
    late = (dataclasses.replace(EVENTS[1], onset_s=118.0),)
    assert outputs._example_epoch(make_result(events=late), DURATION_S, 30.0, 0.0) == 90.0
    # two periodic movements in wake lose to one in N2
    awake = tuple(dataclasses.replace(e, stage="W") for e in EVENTS[1:3])
    asleep = (dataclasses.replace(EVENTS[3], onset_s=100.0),)
    result = make_result(events=awake + asleep)
    assert outputs._example_epoch(result, DURATION_S, 30.0, 0.0) == 90.0


def test_imi_histogram_falls_back_to_the_events() -> None:
    result = make_result()
    edges, counts = outputs._histogram(result)
    assert edges.tolist() == [0.0, 10.0, 20.0, 30.0]
    assert counts.tolist() == [0, 3, 1]
    result.imi_histogram = {}
    edges, counts = outputs._histogram(result)
    assert edges[0] == 0.0
    assert edges[1] == 2.0
    assert counts.sum() == 4
    assert counts[9] == 2  # 19.75 s twice in [18, 20)


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    result = make_result(finding="PLMS index > 15/h <adults>", warnings=("ECG artefact on Leg R",))
    recording = make_recording(right=False)
    path = tmp_path / "night.html"
    outputs.write_report_html(recording, result, path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "measurement of leg movements, not a diagnosis" in page
    assert "PLMS index &gt; 15/h &lt;adults&gt;" in page  # escaped
    assert "<li>ECG artefact on Leg R</li>" in page
    assert "<li>only the left leg was recorded</li>" in page
    assert "<th>PLMS index (per hour of sleep)</th><td>60.0/h</td>" in page
    assert "<th>Sampling rate</th><td>256 Hz</td>" in page
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1)).startswith(PNG_MAGIC)
    # nothing loaded from elsewhere
    assert "<script" not in page
    assert "<link" not in page
    assert not re.search(r'(src|href)="(?!data:)', page)


def test_html_reuses_a_rendered_png() -> None:
    page = outputs.report_html(make_recording(), make_result(), png=PNG_MAGIC + b"x")
    assert base64.b64encode(PNG_MAGIC + b"x").decode() in page
