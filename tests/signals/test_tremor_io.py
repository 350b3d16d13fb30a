"""Reading motion CSVs for tremor analysis: every format, units, clocks and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietlegs._errors import SignalError
from quietlegs.signals.tremor import read_recording
from tests.signals.tremor_synth import (
    G,
    Synth,
    make_tremor,
    write_generic,
    write_phyphox,
    write_physics_toolbox,
    write_sensor_logger,
)


@pytest.fixture
def synth() -> Synth:
    return make_tremor(5.0, 0.3, duration_s=12.0, seed=1)


def assert_values(read: np.ndarray, expected: np.ndarray, atol: float = 1e-4) -> None:
    assert read.shape == expected.shape
    np.testing.assert_allclose(read, expected, atol=atol)


# --------------------------------------------------------------------------- formats


def test_phyphox_acceleration_with_g(tmp_path: Path, synth: Synth) -> None:
    rec = read_recording(write_phyphox(tmp_path / "Raw Data.csv", synth))
    assert rec.format == "phyphox"
    assert rec.sensor == "accelerometer"
    assert (rec.source_unit, rec.unit_basis, rec.time_unit) == ("m/s²", "header", "s")
    assert rec.columns == [
        "Time (s)",
        "Acceleration x (m/s^2)",
        "Acceleration y (m/s^2)",
        "Acceleration z (m/s^2)",
    ]
    assert rec.sfreq_hz == pytest.approx(100.0)
    assert not rec.resampled
    assert_values(rec.data, synth.values)
    assert "read as a phyphox file" in rec.notes
    assert "acceleration in m/s² (stated by the header)" in rec.notes


def test_phyphox_linear_acceleration_and_gyroscope(tmp_path: Path, synth: Synth) -> None:
    linear = read_recording(write_phyphox(tmp_path / "a.csv", synth, linear=True))
    assert linear.columns[1] == "Linear Acceleration x (m/s^2)"
    assert linear.sensor == "accelerometer"
    gyro = read_recording(write_phyphox(tmp_path / "b.csv", synth, gyroscope=True))
    assert (gyro.format, gyro.sensor, gyro.unit, gyro.source_unit) == (
        "phyphox",
        "gyroscope",
        "rad/s",
        "rad/s",
    )
    assert_values(gyro.data, synth.values)


def test_phyphox_semicolon_and_decimal_comma(tmp_path: Path, synth: Synth) -> None:
    path = write_phyphox(tmp_path / "c.csv", synth)
    lines = path.read_text().splitlines()
    converted = [lines[0].replace(",", ";")] + [
        ln.replace(",", ";").replace(".", ",") for ln in lines[1:]
    ]
    path.write_text("\n".join(converted) + "\n")
    rec = read_recording(path)
    assert rec.format == "phyphox"
    assert_values(rec.data, synth.values)


@pytest.mark.parametrize(
    ("file_name", "sensor"),
    [
        ("Accelerometer.csv", "accelerometer"),
        ("TotalAcceleration.csv", "accelerometer"),
        ("Gyroscope.csv", "gyroscope"),
    ],
)
def test_sensor_logger(tmp_path: Path, synth: Synth, file_name: str, sensor: str) -> None:
    rec = read_recording(write_sensor_logger(tmp_path / file_name, synth))
    assert rec.format == "sensor_logger"
    assert rec.sensor == sensor
    assert rec.unit_basis == "format"
    assert rec.columns == ["seconds_elapsed", "x", "y", "z"]
    assert rec.time_unit == "s"
    # The file's column order is z, y, x: the reader puts them back in x, y, z order.
    assert_values(rec.data, synth.values)


def test_sensor_logger_nanosecond_time_column_alone(tmp_path: Path, synth: Synth) -> None:
    path = write_sensor_logger(tmp_path / "Accelerometer.csv", synth)
    lines = path.read_text().splitlines()
    rows = [",".join(p for i, p in enumerate(ln.split(",")) if i != 1) for ln in lines]
    path.write_text("\n".join(rows) + "\n")
    rec = read_recording(path)
    assert rec.time_unit == "ns"
    assert rec.sfreq_hz == pytest.approx(100.0, rel=1e-6)


@pytest.mark.parametrize(
    ("kind", "sensor", "unit"),
    [
        ("gforce", "accelerometer", "g"),
        ("linear", "accelerometer", "m/s²"),
        ("gyro", "gyroscope", "rad/s"),
    ],
)
def test_physics_toolbox(tmp_path: Path, synth: Synth, kind: str, sensor: str, unit: str) -> None:
    rec = read_recording(write_physics_toolbox(tmp_path / "pt.csv", synth, kind=kind))
    assert rec.format == "physics_toolbox"
    assert (rec.sensor, rec.source_unit) == (sensor, unit)
    assert_values(rec.data, synth.values, atol=1e-4 * G)


def test_physics_toolbox_clock_time(tmp_path: Path, synth: Synth) -> None:
    rec = read_recording(write_physics_toolbox(tmp_path / "pt.csv", synth, clock=True))
    assert rec.time_unit == "date-time"
    assert rec.sfreq_hz == pytest.approx(100.0, rel=1e-3)
    assert rec.duration_s == pytest.approx(12.0, abs=0.02)


@pytest.mark.parametrize(
    ("header", "time_scale", "unit"),
    [
        ("time,x,y,z", 1.0, "s"),
        ("t,x,y,z", 1e3, "ms"),
        ("timestamp,ax,ay,az", 1e6, "µs"),
        ("ts,acc_x,acc_y,acc_z", 1e9, "ns"),
        ("time_ms,x,y,z", 1e3, "ms"),
        ("Time [ms],X,Y,Z", 1e3, "ms"),
    ],
)
def test_generic_time_units(
    tmp_path: Path, synth: Synth, header: str, time_scale: float, unit: str
) -> None:
    rec = read_recording(
        write_generic(tmp_path / "g.csv", synth, header=header, time_scale=time_scale)
    )
    assert rec.format == "generic"
    assert rec.time_unit == unit
    assert rec.sfreq_hz == pytest.approx(100.0, rel=1e-6)
    assert_values(rec.data, synth.values)


def test_generic_acceleration_in_g_is_detected(tmp_path: Path, synth: Synth) -> None:
    rec = read_recording(write_generic(tmp_path / "g.csv", synth, value_scale=1 / G))
    assert (rec.source_unit, rec.unit_basis) == ("g", "detected")
    assert any("detected from gravity (median magnitude 1.00 g)" in n for n in rec.notes)
    assert_values(rec.data, synth.values)


def test_generic_without_gravity_is_assumed_in_metres(tmp_path: Path) -> None:
    synth = make_tremor(5.0, 0.3, gravity_axis=None, duration_s=12.0, seed=2)
    rec = read_recording(write_generic(tmp_path / "g.csv", synth))
    assert (rec.source_unit, rec.unit_basis) == ("m/s²", "assumed")
    assert any("give the unit if it is g" in n for n in rec.notes)
    as_g = read_recording(write_generic(tmp_path / "h.csv", synth), unit="g")
    assert (as_g.source_unit, as_g.unit_basis) == ("g", "given")
    assert_values(as_g.data, synth.values * G, atol=1e-3)


def test_generic_gyroscope_in_degrees(tmp_path: Path) -> None:
    synth = make_tremor(5.0, 1.0, gravity_axis=None, duration_s=12.0, seed=2)
    path = write_generic(tmp_path / "g.csv", synth, header="time,gyro_x,gyro_y,gyro_z",
                         value_scale=180 / math.pi)  # fmt: skip
    rec = read_recording(path)
    assert (rec.sensor, rec.source_unit, rec.unit_basis) == ("gyroscope", "deg/s", "detected")
    assert_values(rec.data, synth.values, atol=1e-5)
    small = make_tremor(5.0, 0.05, gravity_axis=None, duration_s=12.0, seed=2)
    rec = read_recording(write_generic(tmp_path / "s.csv", small, header="time,wx,wy,wz"))
    assert (rec.source_unit, rec.unit_basis) == ("rad/s", "format")
    path = write_generic(tmp_path / "d.csv", small, header="time,rot_x,rot_y,rot_z",
                         value_scale=180 / math.pi)  # fmt: skip
    rec = read_recording(path, unit="deg/s")
    assert_values(rec.data, small.values, atol=1e-5)


def test_units_in_the_header_name_the_sensor(tmp_path: Path) -> None:
    synth = make_tremor(5.0, 0.5, gravity_axis=None, duration_s=12.0, seed=3)
    path = write_generic(tmp_path / "h.csv", synth, header="t (s),x (deg/s),y (deg/s),z (deg/s)",
                         value_scale=180 / math.pi)  # fmt: skip
    rec = read_recording(path)
    assert (rec.sensor, rec.source_unit, rec.unit_basis) == ("gyroscope", "deg/s", "header")


def test_choosing_the_sensor_of_a_file_with_both(tmp_path: Path, synth: Synth) -> None:
    rows = ["time,ax,ay,az,gx,gy,gz"] + [
        f"{t:.4f},{a[0]:.5f},{a[1]:.5f},{a[2]:.5f},{a[0] / 10:.5f},{a[1] / 10:.5f},0.01"
        for t, a in zip(synth.times_s, synth.values, strict=True)
    ]
    path = tmp_path / "imu.csv"
    path.write_text("\n".join(rows) + "\n")
    assert read_recording(path).sensor == "accelerometer"
    gyro = read_recording(path, sensor="gyroscope")
    assert gyro.sensor == "gyroscope"
    assert gyro.columns == ["time", "gx", "gy", "gz"]
    only_acc = write_generic(tmp_path / "acc.csv", synth, header="time,ax,ay,az")
    with pytest.raises(SignalError, match=r"acc\.csv: no gyroscope columns found"):
        read_recording(only_acc, sensor="gyroscope")


def test_date_time_stamps(tmp_path: Path, synth: Synth) -> None:
    rows = ["ts,x,y,z"]
    for t, (x, y, z) in zip(synth.times_s, synth.values / G, strict=True):
        ms_total = round((58 * 60 + t) * 1000)
        minutes, rest = divmod(ms_total, 60_000)
        seconds, millis = divmod(rest, 1000)
        rows.append(
            f"2019-03-21 14:{minutes:02d}:{seconds:02d}:{millis:03d},{x:.4f},{y:.4f},{z:.4f}"
        )
    path = tmp_path / "wrist.csv"
    path.write_text("\n".join(rows) + "\n")
    rec = read_recording(path)
    assert rec.time_unit == "date-time"
    assert rec.source_unit == "g"
    assert rec.sfreq_hz == pytest.approx(100.0, rel=1e-3)


def test_clock_crossing_midnight(tmp_path: Path, synth: Synth) -> None:
    rows = ["time,x,y,z"]
    for t, (x, y, z) in zip(synth.times_s, synth.values, strict=True):
        total = (86400 - 5 + t) % 86400
        h, rest = divmod(total, 3600)
        m, s = divmod(rest, 60)
        rows.append(f"{int(h):02d}:{int(m):02d}:{s:06.3f},{x:.4f},{y:.4f},{z:.4f}")
    path = tmp_path / "night.csv"
    path.write_text("\n".join(rows) + "\n")
    assert read_recording(path).duration_s == pytest.approx(12.0, abs=0.02)


def test_bytes_and_comments(synth: Synth, tmp_path: Path) -> None:
    text = write_generic(tmp_path / "g.csv", synth).read_text()
    content = ("# exported by a test\n\n" + text).encode()
    rec = read_recording(content, name="upload.csv")
    assert rec.name == "upload.csv"
    assert_values(rec.data, synth.values)


# --------------------------------------------------------------------------- clocks


def test_irregular_clock_is_resampled_and_said(tmp_path: Path) -> None:
    synth = make_tremor(5.0, 0.3, duration_s=12.0, jitter_fraction=0.1, seed=4)
    rec = read_recording(write_generic(tmp_path / "j.csv", synth))
    assert rec.resampled
    assert rec.sfreq_hz == pytest.approx(100.0, abs=0.5)
    assert any("interpolated onto a uniform" in n for n in rec.notes)
    grid = np.arange(rec.data.shape[0]) / rec.sfreq_hz
    expected = np.stack([np.interp(grid, synth.times_s, synth.values[:, i]) for i in range(3)], 1)
    np.testing.assert_allclose(rec.data, expected, atol=0.05)


def test_repeated_timestamps_are_dropped_with_a_warning(tmp_path: Path, synth: Synth) -> None:
    path = write_generic(tmp_path / "r.csv", synth)
    lines = path.read_text().splitlines()
    lines.insert(50, lines[50])
    lines.insert(80, lines[80])
    path.write_text("\n".join(lines) + "\n")
    rec = read_recording(path)
    assert rec.warnings == ["2 samples with a repeated timestamp were dropped"]
    assert rec.n_samples == synth.times_s.size


def test_gaps_are_reported(tmp_path: Path, synth: Synth) -> None:
    path = write_generic(tmp_path / "gap.csv", synth)
    lines = path.read_text().splitlines()
    del lines[300:500]  # 2 s missing from 2.99 s
    path.write_text("\n".join(lines) + "\n")
    rec = read_recording(path)
    assert rec.resampled
    assert rec.warnings == [
        "the clock pauses 1 time (longest 2.01 s from 2.98 s); the gaps were filled by "
        "interpolation"
    ]


# --------------------------------------------------------------------------- bad input


def write(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def good_rows(synth: Synth) -> list[str]:
    return [
        f"{t:.4f},{x:.5f},{y:.5f},{z:.5f}"
        for t, (x, y, z) in zip(synth.times_s, synth.values, strict=True)
    ]


def test_wrong_columns(tmp_path: Path, synth: Synth) -> None:
    rows = "\n".join(["time,pressure,lux,humidity", *good_rows(synth)])
    with pytest.raises(
        SignalError, match=r"bad\.csv: no x, y and z columns found \(columns: 'time', 'pressure'"
    ):
        read_recording(write(tmp_path, rows))
    rows = "\n".join(["x,y,z,mag", *good_rows(synth)])
    with pytest.raises(SignalError, match=r"no time column found .*name it time, t or timestamp"):
        read_recording(write(tmp_path, rows))
    rows = "\n".join(["time,Bx,By,Bz", *good_rows(synth)])
    with pytest.raises(SignalError, match="no x, y and z columns found"):
        read_recording(write(tmp_path, rows))


def test_text_in_numbers_names_the_line_and_the_column(tmp_path: Path, synth: Synth) -> None:
    rows = ["time,x,y,z", *good_rows(synth)]
    rows[57] = rows[57].rsplit(",", 2)[0] + ",abc,1.0"
    with pytest.raises(
        SignalError, match=r"bad\.csv, line 58: column 'y' holds 'abc', which is not a number"
    ):
        read_recording(write(tmp_path, "\n".join(rows)))
    rows = ["time,x,y,z", *good_rows(synth)]
    rows[10] = "0.09,1,2"
    with pytest.raises(SignalError, match=r"line 11: 3 columns, but the header has at least 4"):
        read_recording(write(tmp_path, "\n".join(rows)))
    rows = ["time,x,y,z", *good_rows(synth)]
    rows[20] = "0.19,1,,3"
    with pytest.raises(SignalError, match=r"line 21: column 'y' is empty"):
        read_recording(write(tmp_path, "\n".join(rows)))
    rows = ["time,x,y,z", *good_rows(synth)]
    rows[30] = "0.29,1,nan,3"
    with pytest.raises(
        SignalError, match=r"line 31: column 'y' holds 'nan'; every value must be a finite number"
    ):
        read_recording(write(tmp_path, "\n".join(rows)))
    rows = ["time,x,y,z", *good_rows(synth)]
    rows[40] = "12:00,1,2,3"
    with pytest.raises(
        SignalError, match=r"line 41: column 'time' holds '12:00', which is not a number"
    ):
        read_recording(write(tmp_path, "\n".join(rows)))


def test_time_going_backwards(tmp_path: Path, synth: Synth) -> None:
    rows = ["time,x,y,z", *good_rows(synth)]
    rows[100], rows[101] = rows[101], rows[100]
    message = r"time goes backwards at sample 101 \(1 s then 0\.99 s\); the time column must"
    with pytest.raises(SignalError, match=message):
        read_recording(write(tmp_path, "\n".join(rows)))


def test_constant_signal(tmp_path: Path) -> None:
    rows = ["time,x,y,z"] + [f"{i / 100:.2f},0.0,0.0,9.81" for i in range(1500)]
    with pytest.raises(SignalError, match="constant on all three axes"):
        read_recording(write(tmp_path, "\n".join(rows)))


def test_saturation(tmp_path: Path) -> None:
    synth = make_tremor(5.0, 15.0, duration_s=12.0, seed=5)
    clipped = synth.values.copy()
    clipped[:, 0] = np.clip(clipped[:, 0], -8.0, 8.0)  # a ±8 m/s² sensor range
    synth.values[:] = clipped
    with pytest.raises(
        SignalError,
        match=r"the x axis is saturated: \d+ samples \(\d+\.\d %\) sit at its limit 8 m/s²",
    ):
        read_recording(write_generic(tmp_path / "sat.csv", synth))


def test_too_short_and_too_slow(tmp_path: Path) -> None:
    short = make_tremor(5.0, 0.3, duration_s=5.0, seed=1)
    with pytest.raises(
        SignalError,
        match=r"short\.csv: the recording lasts 5\.0 s; tremor analysis needs at least 10 s",
    ):
        read_recording(write_generic(tmp_path / "short.csv", short))
    slow = make_tremor(5.0, 0.3, duration_s=30.0, sfreq_hz=20.0, seed=1)
    with pytest.raises(
        SignalError,
        match=r"slow\.csv: the sampling rate is 20\.0 Hz; tremor analysis needs at least 25 Hz",
    ):
        read_recording(write_generic(tmp_path / "slow.csv", slow))


def test_not_a_csv(tmp_path: Path) -> None:
    image = tmp_path / "img.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(SignalError, match=r"img\.png: not a text file"):
        read_recording(image)
    with pytest.raises(SignalError, match=r"empty\.csv: the file is empty"):
        read_recording(write(tmp_path, "\n\n# nothing\n", "empty.csv"))
    with pytest.raises(SignalError, match=r"header\.csv: the file has a header but no samples"):
        read_recording(write(tmp_path, "time,x,y,z\n", "header.csv"))
    with pytest.raises(SignalError, match=r"the first line holds numbers, not column names"):
        read_recording(write(tmp_path, "0,1,2,3\n0.01,1,2,3\n", "nohead.csv"))
    with pytest.raises(SignalError, match=r"missing\.csv: the file does not exist"):
        read_recording(tmp_path / "missing.csv")


def test_more_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match=r"folder: cannot read the file"):
        read_recording(tmp_path, name="folder")
    undecodable = b"time,x,y,z\n\xff\xfe\x81\x8d\x8f\n"
    with pytest.raises(SignalError, match=r"cannot decode it as UTF-8 or Windows-1252"):
        read_recording(undecodable, name="odd.csv")
    with pytest.raises(SignalError, match=r"one\.csv: fewer than two samples"):
        read_recording(b"time,x,y,z\n0,1,2,3\n", name="one.csv")
    bad_date = b"ts,x,y,z\n2019-13-45 10:00:00.000,1,2,3\n2019-13-45 10:00:00.010,1,2,3\n"
    with pytest.raises(
        SignalError, match=r"date\.csv, line 2: '2019-13-45 10:00:00\.000' is not a valid date"
    ):
        read_recording(bad_date, name="date.csv")
    not_a_time = b"time,x,y,z\nnoon,1,2,3\n"
    with pytest.raises(
        SignalError,
        match=r"line 2: the time 'noon' in column 'time' is neither a number nor a clock time",
    ):
        read_recording(not_a_time, name="t.csv")


def test_bad_arguments(tmp_path: Path, synth: Synth) -> None:
    path = write_generic(tmp_path / "g.csv", synth)
    with pytest.raises(
        ValueError, match="sensor must be one of accelerometer, gyroscope; got 'eeg'"
    ):
        read_recording(path, sensor="eeg")
    with pytest.raises(
        ValueError, match="unit must be one of m/s², g, rad/s, deg/s; got 'furlong'"
    ):
        read_recording(path, unit="furlong")
    with pytest.raises(
        ValueError, match="unit must be one of m/s², g for an accelerometer; got 'rad/s'"
    ):
        read_recording(path, unit="rad/s")


# --------------------------------------------------------------------------- properties

HEADERS = ["time,x,y,z", "t,ax,ay,az", "timestamp,acc_x,acc_y,acc_z", '"Time","X","Y","Z"']


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rate=st.floats(min_value=26.0, max_value=400.0),
    duration=st.floats(min_value=10.5, max_value=14.0),
    header=st.sampled_from(HEADERS),
    separator=st.sampled_from([",", ";", "\t"]),
    decimal_comma=st.booleans(),
    time_unit=st.sampled_from([("s", 1.0), ("ms", 1e3), ("µs", 1e6), ("ns", 1e9)]),
    gravity=st.sampled_from([None, 0, 1, 2]),
    freq=st.floats(min_value=3.0, max_value=12.0),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_generic_csv_round_trip(
    rate: float,
    duration: float,
    header: str,
    separator: str,
    decimal_comma: bool,
    time_unit: tuple[str, float],
    gravity: int | None,
    freq: float,
    seed: int,
) -> None:
    synth = make_tremor(
        freq, 0.5, sfreq_hz=rate, duration_s=duration, gravity_axis=gravity, seed=seed
    )
    sep_header = header.replace(",", separator)
    lines = [sep_header]
    for t, (x, y, z) in zip(synth.times_s * time_unit[1], synth.values, strict=True):
        row = separator.join([repr(float(t)), f"{x:.6f}", f"{y:.6f}", f"{z:.6f}"])
        if decimal_comma and separator != ",":
            row = row.replace(".", ",")
        lines.append(row)
    rec = read_recording(("\n".join(lines) + "\n").encode(), name="h.csv")
    assert rec.time_unit == time_unit[0]
    assert rec.sfreq_hz == pytest.approx(rate, rel=1e-6)
    assert rec.data.shape == synth.values.shape
    np.testing.assert_allclose(rec.data, synth.values, atol=2e-6)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_signal_error_or_a_recording(content: bytes) -> None:
    try:
        rec = read_recording(content, name="fuzz.csv")
    except SignalError as exc:
        message = str(exc)
    else:
        assert rec.data.shape[1] == 3
        return
    assert message.startswith("fuzz.csv")


@settings(max_examples=100, deadline=None)
@given(
    row=st.integers(min_value=1, max_value=1200),
    column=st.integers(min_value=0, max_value=3),
    junk=st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_characters="\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029,\"'#"
        ),
        min_size=1,
        max_size=8,
    ).filter(lambda s: s.strip() != ""),
)
def test_a_corrupted_cell_is_reported_not_crashed(row: int, column: int, junk: str) -> None:
    synth = make_tremor(5.0, 0.3, duration_s=12.0, seed=1)
    lines = ["time,x,y,z"] + [
        f"{t:.4f},{x:.5f},{y:.5f},{z:.5f}"
        for t, (x, y, z) in zip(synth.times_s, synth.values, strict=True)
    ]
    cells = lines[row].split(",")
    cells[column] = junk
    lines[row] = ",".join(cells)
    content = ("\n".join(lines) + "\n").encode()
    try:
        number = float(junk)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        label = ["time", "x", "y", "z"][column]
        # (junk in the first row's time makes the reader try it as a clock time)
        expected = rf"cell\.csv, line {row + 1}: (column '{label}' |the time .* in column 'time')"
        with pytest.raises(SignalError, match=expected):
            read_recording(content, name="cell.csv")
    else:
        try:
            read_recording(content, name="cell.csv")
        except SignalError as exc:  # a number in the wrong place: time backwards, saturation
            message = str(exc)
        else:
            return
        assert message.startswith("cell.csv")


@pytest.mark.parametrize(
    ("content", "code", "params"),
    [
        (
            b"time,x,y,z\n"
            + b"".join(f"{i / 100},0,0,{9.8 + i % 3 / 100}\n".encode() for i in range(300)),
            "too_short",
            {"seconds": 3.0, "min": 10.0},
        ),
        (b"time,x,y,z\n0,1,2,3\n0.01,one,2,3\n", "not_a_number",
         {"line": 3, "column": "x", "value": "one"}),
        (b"time,pressure\n0,1\n0.01,1\n", "no_axes", {"columns": "'time', 'pressure'"}),
        (b"\x00\x01binary", "not_text", {}),
    ],
)  # fmt: skip
def test_a_reading_problem_carries_a_code_and_its_values(
    content: bytes, code: str, params: dict[str, object]
) -> None:
    with pytest.raises(SignalError) as info:
        read_recording(content, name="rec.csv")
    assert (info.value.problem.code, dict(info.value.problem.params)) == (code, params)
    assert str(info.value).startswith("rec.csv")
