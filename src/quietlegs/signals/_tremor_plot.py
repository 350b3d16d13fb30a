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

_BAND_COLOURS = {
    "3_7": "#f5b7b1",
    "8_12": "#abebc6",
    "13_18": "#aed6f1",
}


def render_png(result: TremorResult) -> bytes:
    """Draw ``result`` and return the PNG bytes."""
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
    top.set_xlabel("time (s)")
    top.set_ylabel(f"tremor band ({unit})")
    top.set_title(
        "Band-passed signal along the main axis of movement"
        + (" (yellow: voluntary movement)" if any(w["voluntary"] for w in result.windows) else ""),
        fontsize=10,
    )

    freqs = np.asarray(result.spectrum["frequencies_hz"], dtype=float)
    psd = np.asarray(result.spectrum["psd"], dtype=float)
    for key, colour in _BAND_COLOURS.items():
        band = result.band_powers.get(key)
        if band is not None and band["power"] is not None:
            lo, hi = band["range_hz"]
            bottom.axvspan(lo, hi, color=colour, alpha=0.45, lw=0, label=f"{lo:g}-{hi:g} Hz")
    if freqs.size:
        positive = psd[psd > 0]
        floor = float(positive.min()) if positive.size else 1e-12
        bottom.semilogy(freqs, np.maximum(psd, floor), color="#1f3b57", lw=1.2)
        bottom.set_xlim(0, float(freqs[-1]))
    if result.dominant_frequency_hz is not None:
        f0 = result.dominant_frequency_hz
        bottom.axvline(f0, color="#c0392b", lw=1.2, ls="--", label=f"dominant {f0:.2f} Hz")
    bottom.set_xlabel("frequency (Hz)")
    bottom.set_ylabel(f"power ({unit})²/Hz")
    bottom.set_title(
        f"Spectrum (Welch, {result.window_counts['usable']} usable windows) — "
        + ("tremor detected" if result.detected else "no tremor detected"),
        fontsize=10,
    )
    bottom.legend(loc="upper right", fontsize=8)
    fig.suptitle(
        f"Tremor measurement: {result.task}, {result.sensor} — a measurement, not a diagnosis",
        fontsize=11,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
