"""The Dask batch: many recordings, failures recorded, resumable Parquet tables.

The reader and the scoring are replaced by fakes driven by the file's content
(JSON), so these tests check the batch machinery, not the detector. The Dask
cluster runs in threads of the test process (fast; the fakes are visible).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from quietlegs import __version__
from quietlegs._errors import SignalError
from quietlegs.signals import cohort, edf, plm
from quietlegs.signals.edf import LegRecording
from quietlegs.signals.plm import PLMResult
from tests.signals.fake_results import EVENTS, make_recording, make_result, write_edf
from tests.signals.synth import make_night
from tests.signals.synth import write_edf as synth_edf


def fake_read(path: str | Path, *, left: str | None = None, right: str | None = None) -> Any:
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    if "fail" in spec:
        raise SignalError(f"{path}: {spec['fail']}")
    if "crash" in spec:
        raise RuntimeError(spec["crash"])
    recording = make_recording(str(path))
    recording.warnings = spec.get("warnings", [])
    return recording


class FakeAnalyze:
    """Counts its calls; the number of events comes from the file."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, recording: LegRecording, **kwargs: Any) -> PLMResult:
        self.calls.append((Path(recording.path).name, kwargs["rules"]))
        spec = json.loads(Path(recording.path).read_text(encoding="utf-8"))
        result = make_result(events=EVENTS[: spec["events"]])
        result.rules = kwargs["rules"]
        return result


@pytest.fixture
def analyze(monkeypatch: pytest.MonkeyPatch) -> FakeAnalyze:
    fake = FakeAnalyze()
    monkeypatch.setattr(edf, "read_leg_recording", fake_read)
    monkeypatch.setattr(plm, "analyze", fake)
    return fake


def put(folder: Path, name: str, **spec: Any) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


@pytest.fixture
def cohort_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "psg"
    put(folder, "a.edf", events=2)
    put(folder, "b.edf", events=5, warnings=["only the left leg was recorded"])
    put(folder, "sub/c.EDF", events=0)
    put(folder, "notes.txt", events=1)  # not a recording
    return folder


def run(source: Any, out: Path, **kwargs: Any) -> cohort.BatchSummary:
    kwargs.setdefault("workers", 1)
    return cohort.run_batch(source, out, processes=False, **kwargs)


def rows_by_name(out: Path) -> dict[str, dict[str, Any]]:
    return {Path(r["path"]).name: r for r in cohort.read_results(out)}


# --------------------------------------------------------------------------- files


def test_find_recordings_in_a_folder_recursively_any_case(cohort_dir: Path) -> None:
    found = cohort.find_recordings(cohort_dir)
    assert [p.name for p in found] == ["a.edf", "b.edf", "c.EDF"]
    assert all(p.is_absolute() for p in found)


def test_find_recordings_by_glob_and_by_file(cohort_dir: Path) -> None:
    assert [p.name for p in cohort.find_recordings(f"{cohort_dir}/*.edf")] == ["a.edf", "b.edf"]
    assert [p.name for p in cohort.find_recordings(f"{cohort_dir}/**/c.*")] == ["c.EDF"]
    assert [p.name for p in cohort.find_recordings(cohort_dir / "b.edf")] == ["b.edf"]


def test_find_recordings_with_no_match_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match=r"no recording matches '.*/nights-\*\.edf'"):
        cohort.find_recordings(f"{tmp_path}/nights-*.edf")
    with pytest.raises(SignalError, match=r"no recording is at '.*/night\.edf'"):
        cohort.find_recordings(tmp_path / "night.edf")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SignalError, match=r"no EDF recording \(\*\.edf\) in folder"):
        cohort.find_recordings(tmp_path / "empty")


def test_events_path_next_to_results() -> None:
    assert cohort.events_path_for("/x/results.parquet") == Path("/x/results.events.parquet")
    assert cohort.events_path_for("/x/results") == Path("/x/results.events.parquet")


def test_file_key_changes_with_the_file(tmp_path: Path) -> None:
    path = put(tmp_path, "a.edf", events=1)
    key = cohort.file_key(path)
    assert key == f"{path.stat().st_size}-{path.stat().st_mtime_ns}"
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert cohort.file_key(path) == f"{path.stat().st_size}-1000000000"


# --------------------------------------------------------------------------- one file


def test_analyze_file_ok(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    row = cohort.analyze_file(str(cohort_dir / "b.edf"), "aasm")
    assert row["status"] == "ok"
    assert row["error"] is None
    assert row["rules"] == "aasm"
    assert row["lm_count"] == 5
    assert row["plm_count"] == 4
    assert row["plms_index"] == 60.0
    assert row["index_basis"] == "sleep"
    assert row["warnings"] == ["only the left leg was recorded"]
    assert row["left_label"] == "Leg L"
    assert row["file_key"] == cohort.file_key(cohort_dir / "b.edf")
    assert len(row["events"]) == 5
    assert row["events"][2] == {
        "onset_s": 55.5,
        "duration_s": 1.5,
        "side": "bilateral",
        "periodic": True,
        "stage": "N2",
        "arousal": False,
        "respiratory": True,
        "imi_s": 20.5,
    }
    assert set(row) == {name for name, _ in cohort.RESULT_COLUMNS} | {"events"}


@pytest.mark.parametrize(
    ("spec", "error", "error_type"),
    [
        ({"fail": "no leg channel among ['EEG']"}, r".*bad\.edf: no leg channel", "SignalError"),
        ({"crash": "index out of range"}, r"index out of range", "RuntimeError"),
    ],
)
def test_analyze_file_never_raises(
    analyze: FakeAnalyze, tmp_path: Path, spec: dict[str, str], error: str, error_type: str
) -> None:
    path = put(tmp_path, "bad.edf", **spec)
    row = cohort.analyze_file(str(path))
    assert row["status"] == "error"
    assert row["size_bytes"] == path.stat().st_size
    assert row["error_type"] == error_type
    assert row["lm_count"] is None
    assert row["events"] == []
    assert re.match(error, row["error"])


def test_analyze_file_of_a_missing_file(analyze: FakeAnalyze, tmp_path: Path) -> None:
    row = cohort.analyze_file(str(tmp_path / "gone.edf"))
    assert row["status"] == "error"
    assert row["error_type"] == "FileNotFoundError"
    assert row["file_key"] is None


# --------------------------------------------------------------------------- batch


def test_batch_writes_one_row_per_recording(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    out = cohort_dir.parent / "results.parquet"
    seen: list[tuple[int, int]] = []
    summary = run(cohort_dir, out, progress=lambda done, total, row: seen.append((done, total)))
    assert (summary.total, summary.ok, summary.failed, summary.skipped) == (3, 3, 0, 0)
    assert sorted(seen) == [(1, 3), (2, 3), (3, 3)]
    rows = rows_by_name(out)
    assert sorted(rows) == ["a.edf", "b.edf", "c.EDF"]
    assert [rows[n]["lm_count"] for n in ("a.edf", "b.edf", "c.EDF")] == [2, 5, 0]
    assert {r["status"] for r in rows.values()} == {"ok"}
    assert {r["quietlegs_version"] for r in rows.values()} == {__version__}
    events = pq.read_table(summary.events_path).to_pylist()
    assert len(events) == 7
    assert {Path(e["path"]).name for e in events} == {"a.edf", "b.edf"}
    assert all(e["rules"] == "wasm2016" for e in events)
    # nothing but the two tables in the folder
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "psg",
        "results.events.parquet",
        "results.parquet",
    ]


def test_batch_table_schema(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    out = cohort_dir.parent / "results.parquet"
    run(cohort_dir, out)
    schema = pq.read_schema(out)
    assert schema.names == [name for name, _ in cohort.RESULT_COLUMNS]
    assert schema.field("plms_index").type == pa.float64()
    assert schema.field("lm_count").type == pa.int64()
    assert schema.field("warnings").type == pa.list_(pa.string())
    assert schema.metadata[b"format"] == cohort.TABLE_FORMAT.encode()
    events = pq.read_schema(cohort.events_path_for(out))
    assert events.names == [name for name, _ in cohort.EVENT_COLUMNS]


def test_one_failed_recording_does_not_stop_the_batch(
    analyze: FakeAnalyze, cohort_dir: Path
) -> None:
    put(cohort_dir, "broken.edf", fail="truncated: the header announces 900 data records")
    put(cohort_dir, "weird.edf", crash="division by zero")
    out = cohort_dir.parent / "results.parquet"
    summary = run(cohort_dir, out, workers=2)
    assert (summary.ok, summary.failed) == (3, 2)
    assert sorted(Path(p).name for p, _ in summary.errors) == ["broken.edf", "weird.edf"]
    rows = rows_by_name(out)
    assert rows["broken.edf"]["status"] == "error"
    assert rows["broken.edf"]["error"].endswith("truncated: the header announces 900 data records")
    assert rows["broken.edf"]["error_type"] == "SignalError"
    assert rows["weird.edf"]["error"] == "division by zero"
    assert rows["weird.edf"]["error_type"] == "RuntimeError"
    assert rows["a.edf"]["status"] == "ok"


def test_resume_skips_recordings_done_with_the_same_rules_and_file(
    analyze: FakeAnalyze, cohort_dir: Path
) -> None:
    out = cohort_dir.parent / "results.parquet"
    put(cohort_dir, "broken.edf", fail="cannot read")
    run(cohort_dir, out)
    assert len(analyze.calls) == 3  # broken.edf fails in the reader

    analyze.calls.clear()
    summary = run(cohort_dir, out)
    assert (summary.total, summary.skipped, summary.ok, summary.failed) == (4, 3, 0, 1)
    assert analyze.calls == []  # only the failed one was tried again (and failed in reading)

    # a fixed file, a changed file and a new file are run; the others are not
    put(cohort_dir, "broken.edf", events=1)
    put(cohort_dir, "a.edf", events=3)
    os.utime(cohort_dir / "a.edf", ns=(2_000_000_000, 2_000_000_000))
    put(cohort_dir, "d.edf", events=4)
    summary = run(cohort_dir, out)
    assert (summary.skipped, summary.ok, summary.failed) == (2, 3, 0)
    assert sorted(name for name, _ in analyze.calls) == ["a.edf", "broken.edf", "d.edf"]
    rows = rows_by_name(out)
    assert len(rows) == 5
    assert rows["a.edf"]["lm_count"] == 3
    assert rows["broken.edf"]["status"] == "ok"
    events = pq.read_table(cohort.events_path_for(out)).to_pylist()
    counts = {n: sum(Path(e["path"]).name == n for e in events) for n in rows}
    assert counts == {"a.edf": 3, "b.edf": 5, "broken.edf": 1, "c.EDF": 0, "d.edf": 4}


def test_other_rules_are_a_separate_run_and_both_are_kept(
    analyze: FakeAnalyze, cohort_dir: Path
) -> None:
    out = cohort_dir.parent / "results.parquet"
    run(cohort_dir, out)
    summary = run(cohort_dir, out, rules="aasm")
    assert (summary.skipped, summary.ok) == (0, 3)
    rows = cohort.read_results(out)
    assert sorted((Path(r["path"]).name, r["rules"]) for r in rows) == [
        ("a.edf", "aasm"),
        ("a.edf", "wasm2016"),
        ("b.edf", "aasm"),
        ("b.edf", "wasm2016"),
        ("c.EDF", "aasm"),
        ("c.EDF", "wasm2016"),
    ]
    assert run(cohort_dir, out, rules="aasm").skipped == 3


def test_rows_of_recordings_outside_this_run_are_kept(
    analyze: FakeAnalyze, cohort_dir: Path
) -> None:
    out = cohort_dir.parent / "results.parquet"
    run(cohort_dir, out)
    run(cohort_dir / "a.edf", out)  # a batch of one
    put(cohort_dir.parent / "more", "z.edf", events=1)
    run(cohort_dir.parent / "more", out)
    assert sorted(rows_by_name(out)) == ["a.edf", "b.edf", "c.EDF", "z.edf"]


def test_interrupted_batch_keeps_what_it_finished(
    analyze: FakeAnalyze, cohort_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cohort, "CHECKPOINT_EVERY", 1)
    out = cohort_dir.parent / "results.parquet"

    def stop_after_two(done: int, total: int, row: dict[str, Any]) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(cohort_dir, out, progress=stop_after_two)
    assert len(cohort.read_results(out)) == 2
    analyze.calls.clear()
    summary = run(cohort_dir, out)
    assert (summary.skipped, summary.ok) == (2, 1)
    assert len(analyze.calls) == 1


def test_nothing_to_do_starts_no_cluster(
    analyze: FakeAnalyze, cohort_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cohort_dir.parent / "results.parquet"
    run(cohort_dir, out)

    def no_cluster(*args: Any) -> None:
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(cohort, "_client", no_cluster)
    assert run(cohort_dir, out).skipped == 3


def test_batch_from_a_list_of_paths(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    out = cohort_dir.parent / "results.parquet"
    summary = run([cohort_dir / "a.edf", str(cohort_dir / "b.edf")], out)
    assert summary.ok == 2
    with pytest.raises(SignalError, match="no recording to analyse"):
        run([], out)


def test_batch_with_no_match_is_a_clear_error(analyze: FakeAnalyze, tmp_path: Path) -> None:
    with pytest.raises(SignalError, match=r"no recording matches '.*/\*\.edf'"):
        run(f"{tmp_path}/*.edf", tmp_path / "results.parquet")
    assert list(tmp_path.iterdir()) == []


def test_batch_refuses_a_table_it_did_not_write(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    out = cohort_dir.parent / "other.parquet"
    pq.write_table(pa.table({"subject": ["s1"], "age": [40]}), out)
    with pytest.raises(SignalError, match=r"is not a quietlegs plm-batch table \(no column 'path'"):
        run(cohort_dir, out)
    out.write_bytes(b"not parquet at all")
    with pytest.raises(SignalError, match="cannot read results table"):
        run(cohort_dir, out)


def test_batch_refuses_a_missing_output_folder(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    with pytest.raises(SignalError, match=r"folder .* does not exist"):
        run(cohort_dir, cohort_dir / "nope" / "results.parquet")


def test_batch_checks_its_options(analyze: FakeAnalyze, cohort_dir: Path) -> None:
    out = cohort_dir / "r.parquet"
    with pytest.raises(ValueError, match="rules must be one of 'wasm2016', 'aasm'; got 'x'"):
        run(cohort_dir, out, rules="x")
    with pytest.raises(ValueError, match="workers must be at least 1; got 0"):
        run(cohort_dir, out, workers=0)


@pytest.fixture
def cluster() -> Iterator[Any]:
    from distributed import LocalCluster

    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as running:
        yield running


def test_batch_on_an_existing_cluster(analyze: FakeAnalyze, cohort_dir: Path, cluster: Any) -> None:
    out = cohort_dir.parent / "results.parquet"
    summary = cohort.run_batch(cohort_dir, out, scheduler=cluster.scheduler_address)
    assert (summary.ok, summary.failed) == (3, 0)
    assert len(analyze.calls) == 3


def test_workers_with_another_version_warn(
    analyze: FakeAnalyze, cohort_dir: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cohort, "_worker_version", lambda: "0.0.9")
    out = cohort_dir.parent / "results.parquet"
    with pytest.warns(UserWarning, match=r"workers run quietlegs 0\.0\.9, this machine"):
        cohort.run_batch(cohort_dir, out, scheduler=cluster.scheduler_address)


def test_a_cluster_without_workers_is_refused(
    analyze: FakeAnalyze, cohort_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(cohort, "WORKER_WAIT_S", 0.2)
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=0, processes=False, dashboard_address=None
    ) as empty:
        address = empty.scheduler_address
        with pytest.raises(SignalError, match=r"has no worker \(waited 0\.2 s\)"):
            cohort.run_batch(cohort_dir, cohort_dir / "r.parquet", scheduler=address)


def test_an_unreachable_scheduler_is_a_clear_error(
    analyze: FakeAnalyze, cohort_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cohort, "CONNECT_TIMEOUT_S", 0.3)
    with pytest.raises(SignalError, match=r"cannot connect to the Dask scheduler at 'tcp://127"):
        cohort.run_batch(cohort_dir, cohort_dir / "r.parquet", scheduler="tcp://127.0.0.1:9")


def test_batch_on_worker_processes_with_real_files(tmp_path: Path) -> None:
    # The default local cluster: worker processes reading real EDF files (no fakes).
    for name in ("n1.edf", "n2.edf"):
        write_edf(tmp_path / name)
    summary = cohort.run_batch(tmp_path, tmp_path / "results.parquet", workers=2)
    assert (summary.ok, summary.failed) == (2, 0), summary.errors
    rows = cohort.read_results(tmp_path / "results.parquet")
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert [r["sfreq_hz"] for r in rows] == [256.0, 256.0]


def test_the_codes_of_the_warnings_and_the_finding_are_columns(tmp_path: Path) -> None:
    # Real synthetic recordings, scored in this process; expected values from their truth.
    full = make_night(600, 256.0, seed=3)
    synth_edf(tmp_path / "full.edf", full)
    synth_edf(  # one leg (C3 is not a leg), 128 Hz, stage labels that name no stage
        tmp_path / "odd.edf",
        make_night(600, 128.0, seed=4),
        labels=("LAT", "C3"),
        stage_format="Sleep stage {stage}!",
    )
    (tmp_path / "bad.edf").write_bytes(b"not an EDF file")
    out = tmp_path / "results.parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", edf.SignalWarning)
        run(tmp_path, out)
    rows = rows_by_name(out)
    index = full.plms_index
    expected = (
        "above_both_thresholds"
        if index > 15
        else "above_child_threshold_only"
        if index > 5
        else "below_both_thresholds"
    )
    assert (rows["full.edf"]["finding_code"], rows["full.edf"]["warning_codes"]) == (
        expected,
        ["short_time"],
    )
    assert rows["odd.edf"]["warning_codes"] == [
        "one_leg_only",
        "low_sampling_rate",
        "unknown_stage_labels",
        "leg_missing",
        "no_hypnogram",
        "short_time",
    ]
    assert rows["odd.edf"]["finding_code"] in plm.FINDING_CODES
    assert (rows["bad.edf"]["finding_code"], rows["bad.edf"]["warning_codes"]) == (None, [])
    schema = pq.read_schema(out)
    assert schema.field("warning_codes").type == pa.list_(pa.string())
    assert schema.field("finding_code").type == pa.string()
