"""Reading motion recordings (accelerometer or gyroscope CSV) for tremor analysis.

Formats recognised from the header row:

``phyphox``
    ``"Time (s)","Acceleration x (m/s^2)",...`` (with or without g), ``"Linear Acceleration x"``,
    ``"Gyroscope x (rad/s)"``; comma, tab or semicolon separated, decimal point or comma.
``sensor_logger``
    Sensor Logger's ``Accelerometer.csv`` / ``TotalAcceleration.csv`` / ``Gyroscope.csv``:
    ``time,seconds_elapsed,z,y,x`` (``time`` in ns since the epoch; m/s² or rad/s).
``physics_toolbox``
    Physics Toolbox Sensor Suite: ``time,gFx,gFy,gFz`` (g-force, in g), ``time,ax,ay,az``
    (m/s²), ``time,wx,wy,wz`` (rad/s); ``time`` in seconds or as a clock (``14:02:31:250``).
``generic``
    Any CSV with a time column (``time``, ``t``, ``timestamp``, ``ts``...) and three axis
    columns (``x,y,z``, ``ax,ay,az``, ``acc_x``..., ``gyro_x``..., ``gx,gy,gz``); time in s,
    ms, µs or ns, or a date-time; units from the header when it states them, otherwise
    detected and stated.

Every choice the reader makes (format, sensor, units, resampling) is written to
``MotionRecording.notes`` in plain words, so a report can say what it assumed.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quietlegs._errors import SignalError

logger = logging.getLogger("quietlegs.signals")

FloatArray = npt.NDArray[np.float64]

#: Standard gravity, m/s² (the value phone sensor APIs use; CGPM 1901).
STANDARD_GRAVITY_MS2 = 9.80665

#: The sensors a recording may hold.
SENSORS = ("accelerometer", "gyroscope")

#: Units accepted for ``unit=`` (and recognised in headers), by sensor.
UNITS = {"accelerometer": ("m/s²", "g"), "gyroscope": ("rad/s", "deg/s")}

#: Shortest recording analysed, s. Elble & McNames 2016 (Tremor Other Hyperkinet Mov 6:404)
#: and the MDS task force on tremor rating (Haubenberger et al., Mov Disord 2016;31:1342)
#: use trials of at least 10-30 s; below 10 s a 4-s Welch spectrum has too few segments for a
#: stable estimate and the tremor fraction has fewer than four windows.
MIN_DURATION_S = 10.0

#: Lowest sampling rate analysed, Hz. Tremor of interest reaches 12 Hz (physiological and
#: essential tremor, Bhatia et al., Mov Disord 2018;33:75); Nyquist asks for more than 24 Hz.
#: Orthostatic tremor (13-18 Hz) needs at least 40 Hz and is reported as not measurable below.
MIN_SFREQ_HZ = 25.0

#: A clock counts as irregular (and is resampled onto a uniform grid by cubic Hermite
#: interpolation) when the spread (5th-95th percentile) of its sample intervals exceeds this
#: fraction of the median interval (phone sensor clocks jitter by a few per cent).
IRREGULAR_JITTER_FRACTION = 0.02

#: A pause in the clock longer than this many median intervals is reported as a gap.
GAP_INTERVALS = 10.0

#: Gyroscope values above this are implausible in rad/s for a hand or leg (1146 °/s), so the
#: column is taken to be in deg/s when no unit is stated.
GYRO_DEG_S_DETECT = 20.0

#: Share of samples stuck at an axis's extreme value (in runs) that counts as saturation.
SATURATION_FRACTION = 0.01

#: Plausible sampling rates of phone and watch sensors, Hz: a time column without a unit is
#: read in the unit (s, ms, µs, ns) whose median interval gives a rate in this range.
PLAUSIBLE_RATE_HZ = (10.0, 1000.0)

_TIME_UNIT_SCALE = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}

_TIME_NAMES = (
    "secondselapsed",
    "time",
    "times",
    "t",
    "timestamp",
    "ts",
    "seconds",
    "sec",
    "secs",
    "elapsed",
    "datetime",
    "date",
    "clock",
)

_FORMAT_LABELS = {
    "phyphox": "phyphox",
    "sensor_logger": "Sensor Logger",
    "physics_toolbox": "Physics Toolbox",
    "generic": "generic time,x,y,z CSV",
}


@dataclass
class MotionRecording:
    """One motion recording, read and put on a uniform clock.

    Attributes
    ----------
    data : ndarray, shape (n_samples, 3)
        The three axes on a uniform clock, in SI units: m/s² (accelerometer) or rad/s
        (gyroscope).
    sfreq_hz : float
        Sampling rate of ``data``, Hz.
    sensor : str
        ``"accelerometer"`` or ``"gyroscope"``.
    unit : str
        Unit of ``data``: ``"m/s²"`` or ``"rad/s"``.
    source_unit : str
        Unit of the file's values (``"m/s²"``, ``"g"``, ``"rad/s"`` or ``"deg/s"``).
    unit_basis : str
        How ``source_unit`` was known: ``"header"``, ``"format"``, ``"detected"``,
        ``"assumed"`` or ``"given"``.
    time_unit : str
        Unit of the file's time column (``"s"``, ``"ms"``, ``"µs"``, ``"ns"`` or
        ``"date-time"``).
    format : str
        ``"phyphox"``, ``"sensor_logger"``, ``"physics_toolbox"`` or ``"generic"``.
    columns : list of str
        The time column and the three axis columns used, as named in the file.
    n_samples : int
        Samples in the file (after dropping repeated timestamps).
    source_rate_hz : float
        Median sampling rate of the file's clock, Hz.
    resampled : bool
        Whether the clock was irregular and ``data`` was interpolated onto a uniform grid.
    name : str
        The file's name (for messages and reports).
    notes : list of str
        What the reader found or assumed, in plain words (format, units, resampling).
    warnings : list of str
        Problems that did not stop the reading (gaps, dropped duplicate timestamps).
    """

    data: FloatArray
    sfreq_hz: float
    sensor: str
    unit: str
    source_unit: str
    unit_basis: str
    time_unit: str
    format: str
    columns: list[str]
    n_samples: int
    source_rate_hz: float
    resampled: bool
    name: str = ""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Length of the uniform recording, s."""
        return float(self.data.shape[0] / self.sfreq_hz)

    def describe(self) -> dict[str, Any]:
        """What was read, as JSON-ready data (no samples)."""
        return {
            "name": self.name,
            "format": self.format,
            "sensor": self.sensor,
            "unit": self.unit,
            "source_unit": self.source_unit,
            "unit_basis": self.unit_basis,
            "time_unit": self.time_unit,
            "columns": list(self.columns),
            "n_samples": self.n_samples,
            "source_rate_hz": round(self.source_rate_hz, 3),
            "sfreq_hz": round(self.sfreq_hz, 3),
            "duration_s": round(self.duration_s, 3),
            "resampled": self.resampled,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------- header


@dataclass
class _Column:
    index: int
    raw: str  # as written in the file, quotes stripped
    key: str  # lower case, letters and digits only, unit removed
    unit: str  # the unit written in the header ("" if none), lower case


@dataclass
class _Group:
    sensor: str | None  # None: bare x, y, z
    columns: tuple[_Column, _Column, _Column]
    unit: str  # canonical unit from the header or the format ("" if unknown)


_UNIT_IN_NAME = re.compile(r"\s*[\(\[]([^\)\]]*)[\)\]]\s*$")


def _split_unit(name: str) -> tuple[str, str]:
    match = _UNIT_IN_NAME.search(name)
    if match is None:
        return name, ""
    return name[: match.start()], match.group(1).strip().lower()


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _canonical_unit(text: str) -> str:
    """A header unit as one of m/s², g, rad/s, deg/s, s, ms, µs, ns ('' if not known)."""
    t = text.replace(" ", "").replace("μ", "µ").lower()
    if t in {"m/s^2", "m/s²", "m/s2", "ms^-2", "ms-2", "m*s^-2", "m/ss", "mps2"}:
        return "m/s²"
    if t in {"g", "gforce", "g-force"}:
        return "g"
    if t in {"rad/s", "rad/sec", "rads", "rad*s^-1", "rads^-1"}:
        return "rad/s"
    if t in {"deg/s", "°/s", "dps", "deg/sec", "degree/s", "degrees/s"}:
        return "deg/s"
    if t in {"s", "sec", "secs", "second", "seconds"}:
        return "s"
    if t in {"ms", "msec", "millisecond", "milliseconds"}:
        return "ms"
    if t in {"us", "µs", "microsecond", "microseconds"}:
        return "µs"
    if t in {"ns", "nanosecond", "nanoseconds"}:
        return "ns"
    return ""


def _prefix_sensor(prefix: str) -> tuple[str | None, str] | None:
    """Sensor and default unit of an axis-column prefix; None if not a motion sensor."""
    if prefix == "":
        return None, ""
    if prefix in {"gf", "gforce"}:
        return "accelerometer", "g"
    if prefix in {"m", "mag", "b", "magnetometer", "magneticfield", "magnetic", "magfield"}:
        return "magnetometer", ""
    gyro_words = ("gyro", "gyr", "rot", "omega", "angvel", "angularvelocity", "rotationrate")
    if prefix in {"w", "g"} or any(word in prefix for word in gyro_words):
        return "gyroscope", "rad/s" if prefix == "w" else ""
    if prefix in {"a", "acc", "accel", "accn"} or "acc" in prefix:
        return "accelerometer", ""
    return None


def _axis_groups(columns: list[_Column]) -> list[_Group]:
    """Find triples of columns ``<prefix>x, <prefix>y, <prefix>z`` (any order)."""
    by_key = {c.key: c for c in columns}
    groups: list[_Group] = []
    seen: set[str] = set()
    for col in columns:
        if not col.key.endswith(("x", "y", "z")):
            continue
        prefix = col.key[:-1]
        if prefix in seen:
            continue
        triple = tuple(by_key.get(prefix + axis) for axis in "xyz")
        if any(c is None for c in triple):
            continue
        seen.add(prefix)
        kind = _prefix_sensor(prefix)
        if kind is None or kind[0] == "magnetometer":
            continue
        sensor, default_unit = kind
        cols: tuple[_Column, _Column, _Column] = (triple[0], triple[1], triple[2])  # type: ignore[assignment]
        header_units = {_canonical_unit(c.unit) for c in cols if c.unit}
        unit = default_unit
        if len(header_units) == 1:
            unit = header_units.pop()
        if unit and sensor is not None and unit not in UNITS[sensor]:
            # A unit that belongs to the other sensor names the sensor (e.g. "x (rad/s)").
            other = "gyroscope" if sensor == "accelerometer" else "accelerometer"
            sensor = other if unit in UNITS[other] else sensor
        if sensor is None and unit:
            sensor = next((s for s, units in UNITS.items() if unit in units), None)
        groups.append(_Group(sensor=sensor, columns=cols, unit=unit))
    return groups


def _time_column(columns: list[_Column], taken: set[int]) -> _Column | None:
    free = [c for c in columns if c.index not in taken]
    for wanted in _TIME_NAMES:
        for col in free:
            if col.key == wanted:
                return col
    for col in free:  # time_ms, timestamp_ns, "Time (s)"...
        if col.key.startswith(("time", "timestamp")) or col.key.endswith("elapsed"):
            return col
    return None


def _detect_format(columns: list[_Column]) -> str:
    keys = {c.key for c in columns}
    raws = [c.raw.lower() for c in columns]
    if "secondselapsed" in keys:
        return "sensor_logger"
    if (
        columns
        and columns[0].key == "time"
        and columns[0].unit == "s"
        and any(r.startswith(("acceleration", "linear acceleration", "gyroscope")) for r in raws)
    ):
        return "phyphox"
    if {"gfx", "gfy", "gfz"} <= keys or (
        "time" in keys and ({"wx", "wy", "wz"} <= keys or {"ax", "ay", "az"} <= keys)
    ):
        return "physics_toolbox"
    return "generic"


# --------------------------------------------------------------------------- text


def _decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:4096]:
        raise SignalError(
            f"{name}: not a text file (it holds binary data); expected a CSV file",
            code="not_text",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SignalError(
                f"{name}: not a text CSV file (cannot decode it as UTF-8 or Windows-1252)",
                code="not_text",
            ) from exc


def _split_header(text: str, name: str) -> tuple[int, str, list[str]]:
    """Return (index of the header line, the header line, all lines)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return i, stripped, lines
    raise SignalError(
        f"{name}: the file is empty; expected a CSV with a header row and samples", code="empty"
    )


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields(line: str, delimiter: str) -> list[str]:
    return [f.strip().strip('"').strip("'").strip() for f in line.split(delimiter)]


# --------------------------------------------------------------------------- values

_CLOCK = re.compile(
    r"^(?:(?P<date>\d{4}-\d{2}-\d{2})[ T])?(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?:[.:,](?P<frac>\d{1,9}))?(?:Z|[+-]\d{2}:?\d{2})?$"
)


def _parse_clock(values: list[str], name: str, column: str, first_line: int) -> FloatArray:
    """Clock or date-time strings (``2019-03-21 14:58:00:500``, ``14:58:00.5``) to seconds."""
    import datetime as dt

    out = np.empty(len(values), dtype=np.float64)
    day_cache: dict[str, float] = {}
    for i, value in enumerate(values):
        match = _CLOCK.match(value.strip())
        if match is None:
            raise SignalError(
                f"{name}, line {first_line + i}: the time {value!r} in column {column!r} is "
                "neither a number nor a clock time (HH:MM:SS.fff)",
                code="bad_time",
                params={"line": first_line + i, "value": value, "column": column},
            )
        frac = match.group("frac") or "0"
        seconds = (
            int(match.group("h")) * 3600
            + int(match.group("m")) * 60
            + int(match.group("s"))
            + int(frac) / 10 ** len(frac)
        )
        date = match.group("date")
        if date:
            if date not in day_cache:
                try:
                    day_cache[date] = float(dt.date.fromisoformat(date).toordinal()) * 86400.0
                except ValueError as exc:
                    raise SignalError(
                        f"{name}, line {first_line + i}: {value!r} is not a valid date",
                        code="bad_time",
                        params={"line": first_line + i, "value": value, "column": column},
                    ) from exc
            seconds += day_cache[date]
        out[i] = seconds
    first = _CLOCK.match(values[0].strip()) if values else None
    if first is not None and first.group("date") is None:
        # Clock times without a date: a recording crossing midnight starts again at 0.
        wraps = np.flatnonzero(np.diff(out) < -43200.0)
        for at in wraps:
            out[at + 1 :] += 86400.0
    return out


def _first_bad_value(
    lines: list[str], start: int, delimiter: str, indices: list[int], names: list[str], name: str
) -> SignalError:
    """Find the first data line whose columns are missing or not numbers; describe it."""
    width = max(indices) + 1
    for offset, line in enumerate(lines[start:]):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _fields(line, delimiter)
        line_no = start + offset + 1
        if len(fields) < width:
            return SignalError(
                f"{name}, line {line_no}: {len(fields)} columns, but the header has at least "
                f"{width}; every row needs a value for {', '.join(repr(n) for n in names)}",
                code="missing_values",
                params={"line": line_no, "columns": ", ".join(names)},
            )
        for index, column in zip(indices, names, strict=True):
            value = fields[index]
            if value == "":
                return SignalError(
                    f"{name}, line {line_no}: column {column!r} is empty",
                    code="missing_values",
                    params={"line": line_no, "columns": column},
                )
            try:
                number = float(value)
            except ValueError:
                return SignalError(
                    f"{name}, line {line_no}: column {column!r} holds {value[:40]!r}, "
                    "which is not a number",
                    code="not_a_number",
                    params={"line": line_no, "column": column, "value": value[:40]},
                )
            if not math.isfinite(number):
                return SignalError(
                    f"{name}, line {line_no}: column {column!r} holds {value!r}; every value "
                    "must be a finite number",
                    code="not_a_number",
                    params={"line": line_no, "column": column, "value": value[:40]},
                )
    return SignalError(f"{name}: the samples could not be read as numbers", code="not_numbers")


def _read_columns(
    lines: list[str],
    start: int,
    delimiter: str,
    decimal_comma: bool,
    time_col: _Column,
    axes: tuple[_Column, _Column, _Column],
    name: str,
) -> tuple[FloatArray, FloatArray, str]:
    """Parse the time column and three axes.

    Returns (time values, (n, 3) values, ``"number"`` or ``"clock"``).
    """
    body_lines = [ln for ln in lines[start:] if ln.strip() and not ln.lstrip().startswith("#")]
    if not body_lines:
        raise SignalError(f"{name}: the file has a header but no samples", code="no_samples")
    body = "\n".join(body_lines)
    if decimal_comma:
        body = body.replace(",", ".")
    body = body.replace('"', "")
    indices = [time_col.index] + [c.index for c in axes]
    names = [time_col.raw] + [c.raw for c in axes]
    # Time first as text: it may be a clock rather than a number.
    sample_time = _fields(
        body_lines[0].replace(",", ".") if decimal_comma else body_lines[0], delimiter
    )
    time_is_clock = len(sample_time) > time_col.index and not _is_number(
        sample_time[time_col.index]
    )
    value_cols = [c.index for c in axes] if time_is_clock else indices
    checked = (
        ([c.index for c in axes], [c.raw for c in axes]) if time_is_clock else (indices, names)
    )

    def bad_value() -> SignalError:
        scan = [ln.replace(",", ".") for ln in lines] if decimal_comma else lines
        return _first_bad_value(scan, start, delimiter, *checked, name)

    try:
        values = np.loadtxt(
            io.StringIO(body),
            delimiter=delimiter,
            usecols=value_cols,
            dtype=np.float64,
            ndmin=2,
            comments="#",
        )
    except (ValueError, IndexError):
        # Find and name the bad line (the fast parser does not say which column).
        raise bad_value() from None
    if not np.all(np.isfinite(values)):
        raise bad_value()
    if time_is_clock:
        texts = [_fields(ln, delimiter)[time_col.index] for ln in body_lines]
        times = _parse_clock(texts, name, time_col.raw, start + 1)
        return times, values, "clock"
    return values[:, 0].copy(), values[:, 1:].copy(), "number"


# --------------------------------------------------------------------------- units


def _time_unit(times: FloatArray, header_unit: str, col: _Column, fmt: str) -> tuple[str, str]:
    """Unit of the time column and how it was known (``header`` or ``detected``)."""
    unit = _canonical_unit(header_unit)
    if unit in _TIME_UNIT_SCALE:
        return unit, "header"
    if fmt == "sensor_logger" and col.key == "time":
        return "ns", "format"
    if col.key == "secondselapsed":
        return "s", "format"
    for suffix, named in (("ns", "ns"), ("us", "µs"), ("ms", "ms"), ("sec", "s")):
        if col.key.endswith(suffix) and col.key not in {"time", "timestamp"}:
            return named, "header"
    steps = np.diff(times)
    steps = steps[steps > 0]
    if steps.size == 0:
        return "s", "assumed"
    median_step = float(np.median(steps))
    lo, hi = PLAUSIBLE_RATE_HZ
    best, best_distance = "s", math.inf
    for candidate, scale in _TIME_UNIT_SCALE.items():
        rate = 1.0 / (median_step * scale)
        if lo <= rate <= hi:
            return candidate, "detected"
        distance = abs(math.log(rate / 100.0))
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best, "detected"


def _accel_unit(values: FloatArray) -> tuple[str, str, float]:
    """Detect g or m/s² from the gravity in the signal: (unit, basis, median magnitude)."""
    magnitude = float(np.median(np.sqrt(np.sum(values * values, axis=1))))
    if 0.7 <= magnitude <= 1.3:
        return "g", "detected", magnitude
    if 0.7 * STANDARD_GRAVITY_MS2 <= magnitude <= 1.3 * STANDARD_GRAVITY_MS2:
        return "m/s²", "detected", magnitude
    return "m/s²", "assumed", magnitude


def _gyro_unit(values: FloatArray) -> tuple[str, str, float]:
    peak = float(np.percentile(np.abs(values), 99))
    if peak > GYRO_DEG_S_DETECT:
        return "deg/s", "detected", peak
    return "rad/s", "assumed", peak


# --------------------------------------------------------------------------- checks


def _check_values(values: FloatArray, name: str, unit: str) -> None:
    """Refuse a constant signal and a saturated (clipped) one."""
    spread = np.ptp(values, axis=0)
    if np.all(spread == 0):
        raise SignalError(
            f"{name}: the signal is constant on all three axes (no movement at all was "
            "recorded); check that the sensor was switched on and recording",
            code="constant",
        )
    n = values.shape[0]
    for axis, label in enumerate("xyz"):
        column = values[:, axis]
        if spread[axis] == 0 or np.unique(column[: min(n, 20000)]).size < 50:
            continue  # flat or coarsely quantised: clipping cannot be told from the noise floor
        for extreme in (column.max(), column.min()):
            at = column == extreme
            count = int(at.sum())
            if count < SATURATION_FRACTION * n:
                continue
            # Samples at the extreme in runs of 3 or more: the sensor hit its range.
            runs = at[:-2] & at[1:-1] & at[2:]
            if runs.sum() >= 0.5 * SATURATION_FRACTION * n:
                raise SignalError(
                    f"{name}: the {label} axis is saturated: {count} samples "
                    f"({100 * count / n:.1f} %) sit at its limit {extreme:g} {unit}, so the "
                    "sensor's range was exceeded and the amplitude cannot be measured; record "
                    "again with a larger range, or with the phone held more firmly",
                    code="saturated",
                    params={"axis": label, "percent": round(100 * count / n, 1)},
                )


def _hermite(times: FloatArray, values: FloatArray, grid: FloatArray) -> FloatArray:
    """Cubic Hermite interpolation of (n, k) ``values`` at ``grid`` (numpy only).

    Slopes are the interval-weighted central differences (exact for a parabola). On a
    jittery 100 Hz clock this keeps a 15 Hz tremor's amplitude within 1-2 % where linear
    interpolation loses 8 %.
    """
    h = np.diff(times)
    d = np.diff(values, axis=0) / h[:, None]
    m = np.empty_like(values)
    m[1:-1] = (d[1:] * h[:-1, None] + d[:-1] * h[1:, None]) / (h[:-1] + h[1:])[:, None]
    m[0], m[-1] = d[0], d[-1]
    i = np.clip(np.searchsorted(times, grid, side="right") - 1, 0, times.size - 2)
    hi = h[i][:, None]
    u = ((grid - times[i]) / h[i])[:, None]
    u2 = u * u
    u3 = u2 * u
    out: FloatArray = (
        (2 * u3 - 3 * u2 + 1) * values[i]
        + (u3 - 2 * u2 + u) * hi * m[i]
        + (-2 * u3 + 3 * u2) * values[i + 1]
        + (u3 - u2) * hi * m[i + 1]
    )
    return out


@dataclass
class _Clock:
    values: FloatArray  # on the uniform clock
    sfreq_hz: float
    source_rate_hz: float
    n_samples: int  # in the file, after dropping repeated timestamps
    resampled: bool
    notes: list[str]
    warnings: list[str]


def _uniform(times_s: FloatArray, values: FloatArray, name: str) -> _Clock:
    """Sort out the clock: refuse backwards time, drop repeats, resample an irregular clock."""
    notes: list[str] = []
    warns: list[str] = []
    steps = np.diff(times_s)
    backwards = np.flatnonzero(steps < 0)
    if backwards.size:
        at = int(backwards[0])
        raise SignalError(
            f"{name}: time goes backwards at sample {at + 2} ({times_s[at]:g} s then "
            f"{times_s[at + 1]:g} s); the time column must increase",
            code="time_backwards",
            params={"sample": at + 2},
        )
    repeats = steps == 0
    if repeats.any():
        keep = np.concatenate(([True], ~repeats))
        dropped = int(repeats.sum())
        times_s, values = times_s[keep], values[keep]
        warns.append(
            f"{dropped} sample{'s' if dropped != 1 else ''} with a repeated timestamp were dropped"
        )
        steps = np.diff(times_s)
    if times_s.size < 2:
        raise SignalError(f"{name}: fewer than two samples; nothing to analyse", code="no_samples")
    median_step = float(np.median(steps))
    source_rate = 1.0 / median_step
    duration = float(times_s[-1] - times_s[0])
    if source_rate < MIN_SFREQ_HZ:
        raise SignalError(
            f"{name}: the sampling rate is {source_rate:.1f} Hz; tremor analysis needs at least "
            f"{MIN_SFREQ_HZ:g} Hz (set the app to its fastest rate, 50-100 Hz or more)",
            code="sampling_rate_too_low",
            params={"rate": round(source_rate, 1), "min": MIN_SFREQ_HZ},
        )
    if duration < MIN_DURATION_S:
        raise SignalError(
            f"{name}: the recording lasts {duration:.1f} s; tremor analysis needs at least "
            f"{MIN_DURATION_S:g} s (30 s per task is recommended)",
            code="too_short",
            params={"seconds": round(duration, 1), "min": MIN_DURATION_S},
        )
    gaps = np.flatnonzero(steps > GAP_INTERVALS * median_step)
    if gaps.size:
        longest = float(steps[gaps].max())
        warns.append(
            f"the clock pauses {gaps.size} time{'s' if gaps.size != 1 else ''} (longest "
            f"{longest:.2f} s from {times_s[gaps[np.argmax(steps[gaps])]]:.2f} s); the gaps "
            "were filled by interpolation"
        )
    jitter = float(np.percentile(steps, 95) - np.percentile(steps, 5)) / median_step
    irregular = jitter > IRREGULAR_JITTER_FRACTION or gaps.size > 0
    if not irregular:
        sfreq = (times_s.size - 1) / duration
        return _Clock(values, sfreq, source_rate, times_s.size, False, notes, warns)
    sfreq = float(round(source_rate, 1))
    n_out = math.floor(duration * sfreq) + 1
    grid = times_s[0] + np.arange(n_out, dtype=np.float64) / sfreq
    out = _hermite(times_s, values, grid)
    notes.append(
        f"the sampling clock was irregular (intervals varied by {100 * jitter:.0f} % of the "
        f"median); the samples were interpolated onto a uniform {sfreq:g} Hz clock"
    )
    return _Clock(out, sfreq, source_rate, times_s.size, True, notes, warns)


# --------------------------------------------------------------------------- public


def read_recording(
    source: str | os.PathLike[str] | bytes,
    *,
    sensor: str | None = None,
    unit: str | None = None,
    name: str | None = None,
) -> MotionRecording:
    """Read an accelerometer or gyroscope CSV and put it on a uniform clock.

    Parameters
    ----------
    source : path or bytes
        The CSV file, or its content.
    sensor : {"accelerometer", "gyroscope"} | None
        Which sensor's columns to use when the file holds both, or what bare ``x,y,z``
        columns are; default: the accelerometer if present, else the gyroscope (a file
        named like ``Gyroscope.csv`` is taken as a gyroscope).
    unit : str | None
        The unit of the values when the file does not state it and detection is not wanted:
        ``"m/s²"`` (or ``"m/s2"``) or ``"g"`` for an accelerometer, ``"rad/s"`` or ``"deg/s"``
        for a gyroscope.
    name : str | None
        How to call the file in messages (default: its file name, or ``"recording"``).

    Returns
    -------
    MotionRecording

    Raises
    ------
    SignalError
        The file is not a readable CSV, has no time column or no x/y/z columns, holds text
        where numbers should be, time going backwards, a constant or saturated signal, lasts
        less than 10 s, or is sampled below 25 Hz. The message names the file, the line and
        the column where it applies.
    ValueError
        ``sensor`` or ``unit`` is not one of the accepted values.
    """
    if sensor is not None and sensor not in SENSORS:
        raise ValueError(f"sensor must be one of {', '.join(SENSORS)}; got {sensor!r}")
    if isinstance(source, bytes):
        raw = source
        label = name or "recording"
    else:
        path = Path(source)
        label = name or path.name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise SignalError(f"{label}: the file does not exist", code="unreadable") from None
        except OSError as exc:
            raise SignalError(
                f"{label}: cannot read the file ({exc.strerror})", code="unreadable"
            ) from exc
    given_unit = None
    if unit is not None:
        given_unit = _canonical_unit(unit)
        allowed = [u for units in UNITS.values() for u in units]
        if given_unit not in allowed:
            raise ValueError(f"unit must be one of {', '.join(allowed)}; got {unit!r}")
    if sensor is None and re.search(r"gyro", label, re.IGNORECASE):
        sensor_hint: str | None = "gyroscope"
    else:
        sensor_hint = None

    text = _decode(raw, label)
    header_index, header, lines = _split_header(text, label)
    delimiter = _delimiter(header)
    header_fields = _fields(header, delimiter)
    if all(_is_number(f) for f in header_fields if f):
        raise SignalError(
            f"{label}: the first line holds numbers, not column names; the CSV needs a header "
            "row naming the time column and the x, y, z columns (e.g. time,x,y,z)",
            code="no_header",
        )
    columns = []
    for i, raw_name in enumerate(header_fields):
        base, header_unit = _split_unit(raw_name)
        columns.append(_Column(index=i, raw=raw_name, key=_key(base), unit=header_unit))
    fmt = _detect_format(columns)
    groups = _axis_groups(columns)
    wanted = sensor or sensor_hint
    found = ", ".join(repr(c.raw) for c in columns) or "none"
    if not groups:
        raise SignalError(
            f"{label}: no x, y and z columns found (columns: {found}); expected an "
            "accelerometer or gyroscope export (phyphox, Sensor Logger, Physics Toolbox) or a "
            "CSV with columns time,x,y,z",
            code="no_axes",
            params={"columns": found},
        )
    group = _choose_group(groups, wanted, label, found)
    time_col = _time_column(columns, {c.index for c in group.columns})
    if time_col is None:
        raise SignalError(
            f"{label}: no time column found (columns: {found}); name it time, t or timestamp",
            code="no_time_column",
            params={"columns": found},
        )
    data_start = header_index + 1
    decimal_comma = delimiter in {";", "\t"} and _has_decimal_comma(lines, data_start)
    times_raw, values, time_kind = _read_columns(
        lines, data_start, delimiter, decimal_comma, time_col, group.columns, label
    )
    chosen_sensor = group.sensor or wanted or "accelerometer"
    notes = [f"read as a {_FORMAT_LABELS[fmt]} file"]
    if group.sensor is None and wanted is None:
        notes.append(
            "the x, y, z columns do not say which sensor they come from; they were read as an "
            "accelerometer (give the sensor if they are a gyroscope)"
        )
    if time_kind == "clock":
        time_unit, times_s = "date-time", times_raw - times_raw[0]
    else:
        time_unit, time_basis = _time_unit(times_raw, time_col.unit, time_col, fmt)
        times_s = (times_raw - times_raw[0]) * _TIME_UNIT_SCALE[time_unit]
        if time_basis == "detected":
            notes.append(
                f"the time column {time_col.raw!r} states no unit; its steps fit {time_unit}"
            )
    source_unit, unit_basis = _resolve_unit(chosen_sensor, group, given_unit, values, notes, fmt)
    factor = {
        "m/s²": 1.0,
        "g": STANDARD_GRAVITY_MS2,
        "rad/s": 1.0,
        "deg/s": math.pi / 180.0,
    }[source_unit]
    if values.shape[0] < 2:
        raise SignalError(f"{label}: fewer than two samples; nothing to analyse", code="no_samples")
    _check_values(values, label, source_unit)
    clock = _uniform(times_s, values, label)
    notes += clock.notes
    return MotionRecording(
        data=np.ascontiguousarray(clock.values * factor, dtype=np.float64),
        sfreq_hz=float(clock.sfreq_hz),
        sensor=chosen_sensor,
        unit="m/s²" if chosen_sensor == "accelerometer" else "rad/s",
        source_unit=source_unit,
        unit_basis=unit_basis,
        time_unit=time_unit,
        format=fmt,
        columns=[time_col.raw, *(c.raw for c in group.columns)],
        n_samples=clock.n_samples,
        source_rate_hz=float(clock.source_rate_hz),
        resampled=clock.resampled,
        name=label,
        notes=notes,
        warnings=clock.warnings,
    )


def _has_decimal_comma(lines: list[str], start: int) -> bool:
    return any("," in line for line in lines[start : start + 20])


def _choose_group(groups: list[_Group], wanted: str | None, label: str, found: str) -> _Group:
    if wanted is not None:
        for group in groups:
            if group.sensor == wanted:
                return group
        bare = [g for g in groups if g.sensor is None]
        if bare:
            bare[0].sensor = wanted
            return bare[0]
        raise SignalError(
            f"{label}: no {wanted} columns found (columns: {found})",
            code="no_axes",
            params={"columns": found},
        )
    for preferred in ("accelerometer", "gyroscope", None):
        for group in groups:
            if group.sensor == preferred:
                return group
    return groups[0]


def _resolve_unit(
    sensor: str,
    group: _Group,
    given: str | None,
    values: FloatArray,
    notes: list[str],
    fmt: str,
) -> tuple[str, str]:
    label = "acceleration" if sensor == "accelerometer" else "angular velocity"
    if given is not None:
        if given not in UNITS[sensor]:
            raise ValueError(
                f"unit must be one of {', '.join(UNITS[sensor])} for an {sensor}; got {given!r}"
            )
        notes.append(f"{label} in {given}, as given")
        return given, "given"
    unit_by_format = {"sensor_logger": ("m/s²", "rad/s"), "physics_toolbox": ("m/s²", "rad/s")}
    if not group.unit and fmt in unit_by_format:
        group.unit = unit_by_format[fmt][0 if sensor == "accelerometer" else 1]
    if group.unit in UNITS[sensor]:
        basis = "header" if any(c.unit for c in group.columns) else "format"
        notes.append(f"{label} in {group.unit} (stated by the {basis})")
        return group.unit, basis
    if sensor == "accelerometer":
        unit, basis, magnitude = _accel_unit(values)
        if basis == "detected":
            notes.append(
                f"{label} in {unit}: detected from gravity (median magnitude {magnitude:.2f} "
                f"{unit})"
            )
        else:
            notes.append(
                f"{label} assumed in m/s²: no unit stated and no gravity in the signal (median "
                f"magnitude {magnitude:.2f}); give the unit if it is g"
            )
        return unit, basis
    unit, basis, peak = _gyro_unit(values)
    if basis == "detected":
        notes.append(
            f"{label} in deg/s: detected (values up to {peak:.0f} are implausible in rad/s)"
        )
    else:
        notes.append(f"{label} assumed in rad/s: no unit stated; give the unit if it is deg/s")
    return unit, basis
