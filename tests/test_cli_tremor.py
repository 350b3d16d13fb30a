"""The ``tremor`` command: options, outputs, the figure, messages and exit codes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from quietlegs import cli
from tests.signals.tremor_synth import make_tremor, write_generic, write_phyphox

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(cli.app, [str(a) for a in args])


def assert_fails(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.stderr
    assert message in result.stderr.replace("\n", " "), result.stderr


@pytest.fixture
def rest_5hz(tmp_path: Path) -> Path:
    return write_generic(tmp_path / "rest.csv", make_tremor(5.0, 0.3, seed=1))


def test_text_by_default(rest_5hz: Path) -> None:
    result = invoke("tremor", rest_5hz)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Tremor measurement (posture, accelerometer, 30.0 s at 100 Hz)")
    assert "Dominant frequency:    5.0" in out
    assert "Band:                  action_4_12" in out  # 5 Hz while holding a posture
    assert "This is a measurement, not a diagnosis." in out
    assert "Call an ambulance now (112; 103 in Russia)" in out
    assert result.stderr == ""


def test_json_with_the_answers_for_the_assessment(rest_5hz: Path) -> None:
    result = invoke("tremor", rest_5hz, "--task", "rest", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["task"] == "rest"
    assert data["dominant_frequency_hz"] == pytest.approx(5.0, abs=0.2)
    assert data["amplitude"]["rms"] == pytest.approx(0.3, rel=0.1)
    assert data["band"]["id"] == "rest_3_7"
    assert data["tremor_fraction"] == 1.0
    assert data["tsi"] is not None
    assert data["answers"] == {"tremor_dominant_frequency_hz": 5.0, "tremor_task": "rest"}
    assert data["recording"]["source_unit"] == "m/s²"
    assert data["screening"]["statement"].startswith("A 5.0 Hz tremor was measured at rest.")


def test_russian(rest_5hz: Path) -> None:
    data = json.loads(invoke("tremor", rest_5hz, "--task", "rest", "-f", "json", "-l", "ru").stdout)
    assert data["screening"]["statement"].startswith("В покое измерен тремор с частотой 5,0 Гц.")
    assert "Немедленно вызовите скорую помощь (112 или 103)" in data["screening"]["emergency"]
    text = invoke("tremor", rest_5hz, "--task", "rest", "--lang", "ru").stdout
    assert "Это измерение, а не диагноз." in text


def test_plot_writes_a_png(rest_5hz: Path, tmp_path: Path) -> None:
    target = tmp_path / "figure.png"
    result = invoke("tremor", rest_5hz, "--plot", target)
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"wrote {target}" in result.stderr.replace("\n", "")


def test_plot_to_a_missing_folder_fails(rest_5hz: Path, tmp_path: Path) -> None:
    assert_fails(
        invoke("tremor", rest_5hz, "--plot", tmp_path / "no" / "such" / "f.png"),
        "cannot write the figure",
    )


def test_gyroscope_and_units(tmp_path: Path) -> None:
    synth = make_tremor(6.0, 0.5, gravity_axis=None, seed=2)
    gyro = write_phyphox(tmp_path / "gyro.csv", synth, gyroscope=True)
    data = json.loads(invoke("tremor", gyro, "--task", "action", "-f", "json").stdout)
    assert data["sensor"] == "gyroscope"
    assert data["amplitude"]["angle_rms_deg"] == pytest.approx(
        math.degrees(0.5 / (2 * math.pi * 6.0)), rel=0.1
    )
    bare = write_generic(tmp_path / "bare.csv", synth, value_scale=180 / math.pi)
    result = invoke("tremor", bare, "--sensor", "gyroscope", "--unit", "deg/s", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["recording"]["sensor"], data["recording"]["source_unit"]) == (
        "gyroscope",
        "deg/s",
    )
    assert data["amplitude"]["rms"] == pytest.approx(0.5, rel=0.1)


def test_warnings_go_to_stderr_for_json_and_into_the_text(tmp_path: Path) -> None:
    path = write_generic(tmp_path / "gap.csv", make_tremor(5.0, 0.3, seed=3))
    lines = path.read_text().splitlines()
    del lines[1000:1200]
    path.write_text("\n".join(lines) + "\n")
    as_json = invoke("tremor", path, "-f", "json")
    assert as_json.exit_code == 0, as_json.output
    assert "warning: the clock pauses 1 time" in as_json.stderr
    as_text = invoke("tremor", path)
    assert "Warnings:\n  - the clock pauses 1 time" in as_text.stdout
    assert "warning:" not in as_text.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "walk"], "--task must be one of rest, posture, action, standing; got 'walk'"),
        (["--format", "csv"], "--format must be one of json, text; got 'csv'"),
        (["--lang", "de"], "--lang must be one of en, ru; got 'de'"),
        (["--sensor", "eeg"], "--sensor must be one of accelerometer, gyroscope; got 'eeg'"),
        (["--unit", "mph"], "--unit must be one of m/s2, m/s^2, m/s², g, rad/s, deg/s; got 'mph'"),
        (["--unit", "deg/s"], "unit must be one of m/s², g for an accelerometer; got 'deg/s'"),
    ],
)
def test_bad_options(rest_5hz: Path, args: list[str], message: str) -> None:
    assert_fails(invoke("tremor", rest_5hz, *args), message)


def test_missing_and_bad_files(tmp_path: Path) -> None:
    assert_fails(invoke("tremor", tmp_path / "none.csv"), "does not exist")
    short = write_generic(tmp_path / "short.csv", make_tremor(5.0, 0.3, duration_s=4.0, seed=1))
    assert_fails(invoke("tremor", short), "short.csv: the recording lasts 4.0 s")
    text = tmp_path / "words.csv"
    text.write_text("time,x,y,z\n0,1,2,3\n0.01,one,2,3\n")
    assert_fails(invoke("tremor", text), "words.csv, line 3: column 'x' holds 'one'")
