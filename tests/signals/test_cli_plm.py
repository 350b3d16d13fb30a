"""The ``plm`` and ``plm-batch`` commands.

Recordings are real (tiny) EDF files read by ``read_leg_recording``; the
scoring is replaced by a fake returning a known result, so these tests check
the shell: options, outputs, files, messages and exit codes.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from edfio import read_edf
from typer.testing import CliRunner, Result

from quietlegs import cli
from quietlegs._errors import SignalError
from quietlegs.signals import outputs, plm
from quietlegs.signals.edf import LegRecording
from quietlegs.signals.plm import PLMResult
from tests.signals.fake_results import EVENTS, make_result, write_edf

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(cli.app, [str(a) for a in args])


class FakeAnalyze:
    def __init__(self, result: PLMResult | None = None, error: Exception | None = None) -> None:
        self.result = result or make_result()
        self.error = error
        self.kwargs: dict[str, Any] = {}
        self.recording: LegRecording | None = None

    def __call__(self, recording: LegRecording, **kwargs: Any) -> PLMResult:
        self.recording, self.kwargs = recording, kwargs
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def analyze(monkeypatch: pytest.MonkeyPatch) -> FakeAnalyze:
    fake = FakeAnalyze()
    monkeypatch.setattr(plm, "analyze", fake)
    return fake


@pytest.fixture
def night(tmp_path: Path) -> Path:
    return write_edf(tmp_path / "night.edf")


def assert_fails(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.stderr
    assert message in result.stderr.replace("\n", " "), result.stderr


# --------------------------------------------------------------------------- plm


def test_plm_text_by_default(analyze: FakeAnalyze, night: Path) -> None:
    result = invoke("plm", night)
    assert result.exit_code == 0, result.output
    assert result.stdout == outputs.format_text(analyze.result)
    assert analyze.kwargs == {"hypnogram": None, "rules": "wasm2016", "age_years": None}
    assert analyze.recording is not None
    assert analyze.recording.left_label == "Leg L"
    assert analyze.recording.right_label == "Leg R"


def test_plm_json(analyze: FakeAnalyze, night: Path) -> None:
    result = invoke("plm", night, "--format", "json", "--rules", "aasm", "--age", "9")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:7] == list(outputs.JSON_KEYS)
    assert data["plms_index"] == 60.0
    assert len(data["events"]) == len(EVENTS)
    assert data["recording"]["path"] == str(night)
    assert data["recording"]["sfreq_hz"] == 256.0
    assert analyze.kwargs["rules"] == "aasm"
    assert analyze.kwargs["age_years"] == 9.0


def test_plm_csv(analyze: FakeAnalyze, night: Path) -> None:
    result = invoke("plm", night, "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == outputs.format_events_csv(analyze.result)


def test_plm_channels_by_label(analyze: FakeAnalyze, tmp_path: Path) -> None:
    path = write_edf(tmp_path / "odd.edf", labels=("EMG1", "EMG2", "ECG"))
    result = invoke("plm", path, "--left", "EMG2", "--right", "EMG1")
    assert result.exit_code == 0, result.output
    assert analyze.recording is not None
    assert (analyze.recording.left_label, analyze.recording.right_label) == ("EMG2", "EMG1")


def test_plm_hypnogram_file(analyze: FakeAnalyze, night: Path, tmp_path: Path) -> None:
    stages = tmp_path / "stages.txt"
    stages.write_text("W\nN2\nN2\nR\n", encoding="utf-8")
    result = invoke("plm", night, "--hypnogram", stages)
    assert result.exit_code == 0, result.output
    hypnogram = analyze.kwargs["hypnogram"]
    assert list(hypnogram.stages) == ["W", "N2", "N2", "R"]


def test_plm_out_writes_every_file(analyze: FakeAnalyze, night: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "p17"
    result = invoke("plm", night, "--out", folder, "-f", "json")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "night.annotated.edf",
        "night.csv",
        "night.html",
        "night.json",
        "night.png",
    ]
    for name in names:
        assert f"wrote {folder / name}" in result.stderr.replace("\n", "")
    assert (folder / "night.json").read_text(encoding="utf-8") == result.stdout
    assert (folder / "night.csv").read_text(encoding="utf-8") == outputs.format_events_csv(
        analyze.result
    )
    texts = [a.text for a in read_edf(folder / "night.annotated.edf").annotations]
    assert texts.count("PLM right") == 2
    assert "LM left" in texts
    assert (folder / "night.png").read_bytes().startswith(b"\x89PNG")
    assert "not a diagnosis" in (folder / "night.html").read_text(encoding="utf-8")


def test_plm_prints_warnings_on_stderr(
    analyze: FakeAnalyze, night: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyze.result = make_result(warnings=("right leg channel is flat for 12 min",))
    real_analyze = analyze.__call__

    def warn_and_analyze(recording: LegRecording, **kwargs: Any) -> PLMResult:
        warnings.warn("sampling rate 128 Hz is below the 200 Hz the standard asks", stacklevel=1)
        return real_analyze(recording, **kwargs)

    monkeypatch.setattr(plm, "analyze", warn_and_analyze)
    result = invoke("plm", night, "-f", "json")
    assert result.exit_code == 0, result.output
    err = result.stderr.replace("\n", " ")
    assert "warning: sampling rate 128 Hz is below the 200 Hz the standard asks" in err
    assert "warning: right leg channel is flat for 12 min" in err
    json.loads(result.stdout)  # stdout stays clean JSON
    # in text format the result's warnings are in the text, not repeated
    result = invoke("plm", night)
    assert "warning: right leg channel is flat" not in result.stderr
    assert "  - right leg channel is flat for 12 min" in result.stdout


def test_plm_missing_recording(analyze: FakeAnalyze, tmp_path: Path) -> None:
    path = tmp_path / "none.edf"
    assert_fails(invoke("plm", path), f"recording '{path}' does not exist")


def test_plm_not_an_edf(analyze: FakeAnalyze, tmp_path: Path) -> None:
    path = tmp_path / "notes.edf"
    path.write_text("not a recording\n" * 30, encoding="utf-8")
    result = invoke("plm", path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.stderr


def test_plm_no_leg_channel(analyze: FakeAnalyze, tmp_path: Path) -> None:
    path = write_edf(tmp_path / "eeg.edf", labels=("C3-A2", "C4-A1"))
    result = invoke("plm", path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rules", "rk"), "--rules must be one of wasm2016, aasm; got 'rk'"),
        (("--format", "xml"), "--format must be one of json, csv, text; got 'xml'"),
        (("--age", "-1"), "--age must be between 0 and 130 years; got -1"),
        (("--hypnogram", "/nonexistent/stages.csv"), "hypnogram '/nonexistent/stages.csv' does"),
    ],
)
def test_plm_bad_options(
    analyze: FakeAnalyze, night: Path, args: tuple[str, ...], message: str
) -> None:
    assert_fails(invoke("plm", night, *args), message)


def test_plm_scoring_error(monkeypatch: pytest.MonkeyPatch, night: Path) -> None:
    monkeypatch.setattr(
        plm, "analyze", FakeAnalyze(error=SignalError("left leg channel is saturated"))
    )
    assert_fails(invoke("plm", night), "left leg channel is saturated")


def test_plm_out_folder_that_cannot_be_made(
    analyze: FakeAnalyze, night: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert_fails(invoke("plm", night, "--out", blocker / "sub"), "cannot create folder")


def test_plm_does_not_import_the_signals_stack_for_other_commands() -> None:
    import subprocess
    import sys

    code = (
        "import sys, quietlegs.cli; "
        "print(sorted(m for m in ('matplotlib', 'distributed', 'pyarrow') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- plm-batch


def test_plm_batch(analyze: FakeAnalyze, tmp_path: Path) -> None:
    for name in ("a.edf", "b.edf"):
        write_edf(tmp_path / name)
    out = tmp_path / "results.parquet"
    args = ("plm-batch", tmp_path, "--out", out, "--threads", "--workers", "1")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "2 recordings: 2 scored, 0 failed, 0 already done" in result.stdout
    rows = pq.read_table(out).to_pylist()
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert [r["plms_index"] for r in rows] == [60.0, 60.0]
    assert pq.read_table(tmp_path / "results.events.parquet").num_rows == 2 * len(EVENTS)

    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "2 recordings: 0 scored, 0 failed, 2 already done" in result.stdout


def test_plm_batch_with_a_failure_exits_1(analyze: FakeAnalyze, tmp_path: Path) -> None:
    write_edf(tmp_path / "a.edf")
    (tmp_path / "b.edf").write_text("garbage", encoding="utf-8")
    out = tmp_path / "results.parquet"
    result = invoke("plm-batch", f"{tmp_path}/*.edf", "--out", out, "--threads")
    assert result.exit_code == 1, result.output
    assert "2 recordings: 1 scored, 1 failed, 0 already done" in result.stdout
    assert "Traceback" not in result.output
    rows = {Path(r["path"]).name: r for r in pq.read_table(out).to_pylist()}
    assert rows["b.edf"]["status"] == "error"
    assert rows["b.edf"]["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rules", "rk"), "--rules must be one of wasm2016, aasm; got 'rk'"),
        (("--workers", "0"), "--workers must be at least 1; got 0"),
        (
            ("--scheduler", "tcp://127.0.0.1:1", "--workers", "2"),
            "--workers and --threads set up a local cluster",
        ),
    ],
)
def test_plm_batch_bad_options(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    write_edf(tmp_path / "a.edf")
    assert_fails(invoke("plm-batch", tmp_path, "--out", tmp_path / "r.parquet", *args), message)


def test_plm_batch_no_match(tmp_path: Path) -> None:
    result = invoke("plm-batch", f"{tmp_path}/nights/*.edf", "--out", tmp_path / "r.parquet")
    assert_fails(result, "no recording matches")
    assert not (tmp_path / "r.parquet").exists()


def test_plm_batch_shows_warnings_as_messages(
    analyze: FakeAnalyze, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quietlegs.signals import cohort

    real_run = cohort.run_batch

    def run_with_warning(*args: Any, **kwargs: Any) -> cohort.BatchSummary:
        warnings.warn("workers run quietlegs 0.0.9, this machine 0.1.0", stacklevel=1)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(cohort, "run_batch", run_with_warning)
    write_edf(tmp_path / "a.edf")
    shown_before = warnings.showwarning
    result = invoke("plm-batch", tmp_path, "--out", tmp_path / "r.parquet", "--threads")
    assert result.exit_code == 0, result.output
    assert "warning: workers run quietlegs 0.0.9, this machine 0.1.0" in result.stderr
    assert "UserWarning" not in result.stderr
    assert warnings.showwarning is shown_before
