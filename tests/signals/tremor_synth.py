"""Synthetic motion recordings with a known tremor, and CSV files of them in every format.

:func:`make_tremor` builds a three-axis accelerometer (or gyroscope) recording:

- a sinusoidal tremor of ``freq_hz`` along a fixed unit direction, with RMS amplitude
  ``rms`` (m/s² or rad/s), and optionally a slow frequency wobble (``freq_jitter_hz``);
- gravity (9.80665 m/s²) along ``gravity_axis`` (``None``: no gravity, as "linear
  acceleration" exports);
- slow linear drift and white sensor noise;
- a clock that is uniform, or irregular: each interval jittered by ``jitter_fraction`` of
  the nominal interval, with occasional longer steps (``irregular=True``).

Ground truth is the ``freq_hz`` and ``rms`` given; the displacement RMS of a sinusoid of
RMS acceleration a at frequency f is a / (2πf)².
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

G = 9.80665

FloatArray = npt.NDArray[np.float64]


@dataclass
class Synth:
    times_s: FloatArray
    values: FloatArray  # (n, 3), m/s² or rad/s
    freq_hz: float
    rms: float
    sfreq_hz: float


def make_tremor(
    freq_hz: float = 5.0,
    rms: float = 0.3,
    *,
    sfreq_hz: float = 100.0,
    duration_s: float = 30.0,
    gravity_axis: int | None = 2,
    direction: tuple[float, float, float] = (0.6, 0.8, 0.0),
    drift_per_s: float = 0.002,
    noise_rms: float = 0.005,
    jitter_fraction: float = 0.0,
    irregular: bool = False,
    freq_jitter_hz: float = 0.0,
    seed: int = 0,
) -> Synth:
    """A recording with a known tremor (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n = round(duration_s * sfreq_hz) + 1
    step = 1.0 / sfreq_hz
    if irregular or jitter_fraction > 0:
        steps = step * (1 + jitter_fraction * rng.uniform(-1, 1, n - 1))
        if irregular:
            longer = rng.random(n - 1) < 0.01
            steps[longer] *= 2.5
        times = np.concatenate([[0.0], np.cumsum(steps)])
    else:
        times = np.arange(n) * step
    phase = 2 * math.pi * freq_hz * times
    if freq_jitter_hz:
        phase += freq_jitter_hz / 0.3 * np.sin(2 * math.pi * 0.3 * times)
    tremor = rms * math.sqrt(2) * np.sin(phase)
    d = np.asarray(direction, dtype=float)
    d /= np.linalg.norm(d)
    values = tremor[:, None] * d[None, :]
    if gravity_axis is not None:
        values[:, gravity_axis] += G
    values += drift_per_s * times[:, None] * np.array([1.0, -0.5, 0.3])
    values += noise_rms * rng.standard_normal(values.shape)
    return Synth(times, values, freq_hz, rms, sfreq_hz)


def _rows(columns: list[FloatArray], fmt: str = "{:.6f}", sep: str = ",") -> list[str]:
    return [sep.join(fmt.format(v) for v in row) for row in zip(*columns, strict=True)]


def write_generic(
    path: Path,
    s: Synth,
    *,
    header: str = "time,x,y,z",
    time_scale: float = 1.0,
    value_scale: float = 1.0,
    sep: str = ",",
    decimal_comma: bool = False,
) -> Path:
    """time,x,y,z with time multiplied by ``time_scale`` (1e3 for ms...) and values by
    ``value_scale`` (1/G for g, 180/π for deg/s)."""
    t = s.times_s * time_scale
    cols = [t, *(s.values[:, i] * value_scale for i in range(3))]
    lines = _rows(cols, "{:.9g}", sep)
    if decimal_comma:
        lines = [ln.replace(".", ",") for ln in lines]
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_phyphox(path: Path, s: Synth, *, gyroscope: bool = False, linear: bool = False) -> Path:
    if gyroscope:
        names = [f'"Gyroscope {a} (rad/s)"' for a in "xyz"] + ['"Absolute (rad/s)"']
    else:
        label = "Linear Acceleration" if linear else "Acceleration"
        names = [f'"{label} {a} (m/s^2)"' for a in "xyz"] + ['"Absolute acceleration (m/s^2)"']
    absolute = np.sqrt((s.values**2).sum(axis=1))
    cols = [s.times_s, *(s.values[:, i] for i in range(3)), absolute]
    lines = [",".join(f"{v:.9E}" for v in row) for row in zip(*cols, strict=True)]
    path.write_text(",".join(['"Time (s)"', *names]) + "\n" + "\n".join(lines) + "\n")
    return path


def write_sensor_logger(path: Path, s: Synth, *, start_ns: int = 1_700_000_000_000_000_000) -> Path:
    ns = start_ns + np.round(s.times_s * 1e9).astype(np.int64)
    lines = [
        f"{t},{e:.6f},{z:.6f},{y:.6f},{x:.6f}"
        for t, e, (x, y, z) in zip(ns, s.times_s, s.values, strict=True)
    ]
    path.write_text("time,seconds_elapsed,z,y,x\n" + "\n".join(lines) + "\n")
    return path


def write_physics_toolbox(
    path: Path, s: Synth, *, kind: str = "gforce", clock: bool = False
) -> Path:
    """Physics Toolbox: ``gforce`` (gFx, in g), ``linear`` (ax, m/s²) or ``gyro`` (wx, rad/s)."""
    if kind == "gforce":
        names, scale = ["gFx", "gFy", "gFz"], 1 / G
    elif kind == "linear":
        names, scale = ["ax", "ay", "az"], 1.0
    else:
        names, scale = ["wx", "wy", "wz"], 1.0
    lines = []
    for t, row in zip(s.times_s, s.values * scale, strict=True):
        if clock:
            total = 10 * 3600 + 5 * 60 + t
            h, rem = divmod(total, 3600)
            m, sec = divmod(rem, 60)
            millis = round((sec % 1) * 1000) % 1000
            stamp = f"{int(h):02d}:{int(m):02d}:{int(sec):02d}:{millis:03d}"
        else:
            stamp = f"{t:.4f}"
        lines.append(stamp + "," + ",".join(f"{v:.5f}" for v in row))
    extra = ",TgF" if kind == "gforce" else ""
    body = [ln + (",1.0" if extra else "") for ln in lines]
    path.write_text("time," + ",".join(names) + extra + "\n" + "\n".join(body) + "\n")
    return path
