"""The tremor figure (matplotlib, Agg): time course above, spectrum below.

Imported only when a figure is asked for, so ``import quietlegs.signals.tremor`` stays light.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from quietlegs.signals.tremor import TremorResult

#: Most points drawn for the time course (longer traces are decimated by taking every k-th
#: sample after the band-pass, which already removed what aliasing would fold in).
MAX_TRACE_POINTS = 20000

#: The figure's words in each language (``{name}`` fields filled in when drawn).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "time": "time (s)",
        "band_axis": "tremor band ({unit})",
        "trace_title": "Band-passed signal along the main axis of movement",
        "voluntary": " (yellow: voluntary movement)",
        "dominant": "dominant {f0:.2f} Hz",
        "frequency": "frequency (Hz)",
        "power": "power ({unit})²/Hz",
        "spectrum": "Spectrum (Welch, {n} usable windows) — ",
        "detected": "tremor detected",
        "not_detected": "no tremor detected",
        "title": "Tremor measurement: {task}, {sensor} — a measurement, not a diagnosis",
        "rest": "at rest",
        "posture": "holding a posture",
        "action": "during movement",
        "standing": "standing",
        "accelerometer": "accelerometer",
        "gyroscope": "gyroscope",
    },
    "ru": {
        "time": "время (с)",
        "band_axis": "полоса тремора ({unit})",
        "trace_title": "Сигнал в полосе тремора вдоль главной оси движения",
        "voluntary": " (жёлтым: произвольные движения)",
        "dominant": "основная {f0:.2f} Гц",
        "frequency": "частота (Гц)",
        "power": "мощность ({unit})²/Гц",
        "spectrum": "Спектр (Уэлч, пригодных окон: {n}) — ",
        "detected": "тремор найден",
        "not_detected": "тремор не найден",
        "title": "Измерение тремора: {task}, {sensor} — измерение, а не диагноз",
        "rest": "в покое",
        "posture": "при удержании позы",
        "action": "при движении",
        "standing": "стоя",
        "accelerometer": "акселерометр",
        "gyroscope": "гироскоп",
    },
}

_BAND_COLOURS = {
    "3_7": "#f5b7b1",
    "8_12": "#abebc6",
    "13_18": "#aed6f1",
}


def render_png(result: TremorResult, lang: str = "en") -> bytes:
    """Draw ``result`` with its words in ``lang`` (``en`` or ``ru``); return the PNG bytes."""
    words = LABELS["ru" if lang == "ru" else "en"]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 6.2), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[1, 1.15])

    unit = result.unit
    trace = result.trace
    if trace is not None and trace.size:
        step = max(1, int(np.ceil(trace.size / MAX_TRACE_POINTS)))
        times = np.arange(0, trace.size, step) / result.sfreq_hz
        top.plot(times, trace[::step], lw=0.6, color="#1f3b57")
        for w in result.windows:
            if w["voluntary"]:
                top.axvspan(w["start_s"], w["end_s"], color="#f9e79f", alpha=0.35, lw=0)
        top.set_xlim(0, trace.size / result.sfreq_hz)
    top.set_xlabel(words["time"])
    top.set_ylabel(words["band_axis"].format(unit=unit))
    top.set_title(
        words["trace_title"]
        + (words["voluntary"] if any(w["voluntary"] for w in result.windows) else ""),
        fontsize=10,
    )

    freqs = np.asarray(result.spectrum["frequencies_hz"], dtype=float)
    psd = np.asarray(result.spectrum["psd"], dtype=float)
    for key, colour in _BAND_COLOURS.items():
        band = result.band_powers.get(key)
        if band is not None and band["power"] is not None:
            lo, hi = band["range_hz"]
            hz = "Гц" if lang == "ru" else "Hz"
            bottom.axvspan(lo, hi, color=colour, alpha=0.45, lw=0, label=f"{lo:g}-{hi:g} {hz}")
    if freqs.size:
        positive = psd[psd > 0]
        floor = float(positive.min()) if positive.size else 1e-12
        bottom.semilogy(freqs, np.maximum(psd, floor), color="#1f3b57", lw=1.2)
        bottom.set_xlim(0, float(freqs[-1]))
    if result.dominant_frequency_hz is not None:
        f0 = result.dominant_frequency_hz
        label = words["dominant"].format(f0=f0)
        bottom.axvline(f0, color="#c0392b", lw=1.2, ls="--", label=label)
    bottom.set_xlabel(words["frequency"])
    bottom.set_ylabel(words["power"].format(unit=unit))
    bottom.set_title(
        words["spectrum"].format(n=result.window_counts["usable"])
        + (words["detected"] if result.detected else words["not_detected"]),
        fontsize=10,
    )
    bottom.legend(loc="upper right", fontsize=8)
    fig.suptitle(
        words["title"].format(
            task=words.get(result.task, result.task), sensor=words.get(result.sensor, result.sensor)
        ),
        fontsize=11,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
