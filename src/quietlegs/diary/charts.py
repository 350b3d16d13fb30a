"""Accessible SVG charts of the diary analysis, drawn without a plotting library.

Three pictures: weekly severity, weekly onset time (both with the treatment
changes marked) and the personal-trigger effects with their intervals. Each is
an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says what it
shows in words; series differ by marker shape and line style as well as colour;
treatment changes are numbered dashed lines explained by a legend. The pages
show the same numbers in a table next to each chart.

The texts (titles, axis names, treatment names) come from the caller in the
reader's language; this module only draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from quietlegs.diary._rules import SEVERITY_BANDS
from quietlegs.diary.analysis import TriggerEffect, WeekSummary
from quietlegs.diary.entry import diary_minutes

#: Size of the severity and onset charts, in SVG user units (scaled by CSS).
WIDTH, HEIGHT = 420, 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 34, 44
_INK = "#1b1b1b"
_LINE = "#1f4e79"
_GRID = "#d0d0d0"
_EVENT = "#6b4e00"
_FONT = 'font-family="sans-serif"'


@dataclass(frozen=True)
class ChartMarker:
    """A treatment change to mark on a time chart.

    Attributes
    ----------
    day : datetime.date
        The first day of the new regime.
    label : str
        What changed, in the reader's language (shown in the legend under the chart).
    """

    day: dt.date
    label: str


def _svg_open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="15" '
        f'font-weight="bold" fill="{_INK}" {_FONT}>{escape(title)}</text>',
    ]


def _x_positions(weeks: Sequence[WeekSummary]) -> list[float]:
    n = len(weeks)
    span = WIDTH - _LEFT - _RIGHT
    if n == 1:
        return [_LEFT + span / 2]
    return [_LEFT + span * i / (n - 1) for i in range(n)]


def _x_of_day(weeks: Sequence[WeekSummary], xs: Sequence[float], day: dt.date) -> float | None:
    """The x of ``day`` (between its week's point and the next), or ``None`` if outside."""
    if not weeks:
        return None
    first = weeks[0].week_start
    offset_weeks = ((day - first).days - 3) / 7  # a week's point is drawn at its middle
    if offset_weeks < -0.5 or offset_weeks > len(weeks) - 0.5:
        return None
    if len(weeks) == 1:
        return xs[0]
    step = xs[1] - xs[0]
    return xs[0] + offset_weeks * step


def _y_tick(y: float, label: str) -> str:
    """A horizontal grid line at ``y`` (px) with its tick label left of the plot.

    Parameters
    ----------
    y : float
        The line's height in the SVG (px from the top).
    label : str
        The tick's label (a number or a clock time; not escaped).

    Returns
    -------
    svg : str
        A ``<line>`` then a ``<text>`` element.
    """
    return (
        f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
        f'stroke="{_GRID}" stroke-width="0.5"/>'
        f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="13" '
        f'fill="{_INK}" {_FONT}>{label}</text>'
    )


def _y_axis_name(top: float, base: float, name: str) -> str:
    """The vertical axis's name, turned a quarter left, centred between ``top`` and ``base``.

    Parameters
    ----------
    top, base : float
        The plot's top and bottom (px from the top of the SVG).
    name : str
        The axis's name (escaped here).

    Returns
    -------
    svg : str
        A ``<text>`` element.
    """
    return (
        f'<text x="14" y="{(top + base) / 2:.0f}" text-anchor="middle" font-size="13" '
        f'fill="{_INK}" transform="rotate(-90 14 {(top + base) / 2:.0f})" {_FONT}>'
        f"{escape(name)}</text>"
    )


def _x_axis(weeks: Sequence[WeekSummary], xs: Sequence[float], axis_label: str) -> list[str]:
    base = HEIGHT - _BOTTOM
    out = [
        f'<line x1="{_LEFT}" y1="{base}" x2="{WIDTH - _RIGHT}" y2="{base}" '
        f'stroke="{_INK}" stroke-width="1"/>'
    ]
    every = max(1, round(len(weeks) / 6))
    for i, (week, x) in enumerate(zip(weeks, xs, strict=True)):
        if i % every:
            continue
        out.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="13" '
            f'fill="{_INK}" {_FONT}>{week.week_start:%d.%m}</text>'
        )
    out.append(
        f'<text x="{(_LEFT + WIDTH - _RIGHT) / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-size="13" fill="{_INK}" {_FONT}>{escape(axis_label)}</text>'
    )
    return out


def _markers(
    weeks: Sequence[WeekSummary], xs: Sequence[float], markers: Sequence[ChartMarker]
) -> list[str]:
    out: list[str] = []
    for number, marker in enumerate(markers, 1):
        x = _x_of_day(weeks, xs, marker.day)
        if x is None:
            continue
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{HEIGHT - _BOTTOM}" '
            f'stroke="{_EVENT}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        out.append(
            f'<circle cx="{x:.1f}" cy="{_TOP + 2}" r="8" fill="#ffffff" stroke="{_EVENT}"/>'
            f'<text x="{x:.1f}" y="{_TOP + 6}" text-anchor="middle" font-size="12" '
            f'fill="{_EVENT}" {_FONT}>{number}</text>'
        )
    return out


def _polyline(points: Sequence[tuple[float, float] | None], dash: str = "") -> list[str]:
    """Line segments through consecutive points (a ``None`` breaks the line)."""
    out: list[str] = []
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is None:
            if len(run) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                style = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<polyline points="{coords}" fill="none" stroke="{_LINE}" '
                    f'stroke-width="2"{style}/>'
                )
            run = []
        else:
            run.append(point)
    return out


def severity_chart(
    weeks: Sequence[WeekSummary],
    markers: Sequence[ChartMarker],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_week: str,
    axis_severity: str,
    band_labels: Mapping[str, str],
) -> str:
    """Weekly mean severity (0-10) as a line with round markers, severity bands shaded
    and labelled, and the treatment changes as numbered dashed lines.

    Parameters
    ----------
    weeks : sequence of WeekSummary
        From :func:`~quietlegs.diary.analysis.weekly_trends`.
    markers : sequence of ChartMarker
        Treatment changes, numbered 1, 2... in this order.
    chart_id : str
        A prefix for the SVG's element ids (unique on the page).
    title, desc : str
        The chart's title and its description in words (the text alternative).
    axis_week, axis_severity : str
        Axis names.
    band_labels : mapping of str to str
        The name of each severity band (``none``, ``mild``...) in the reader's language.

    Returns
    -------
    svg : str
        An inline ``<svg>`` element.
    """
    out = _svg_open(chart_id, title, desc, WIDTH, HEIGHT)
    top, base = _TOP, HEIGHT - _BOTTOM

    def y_of(value: float) -> float:
        return base - (base - top) * value / 10.0

    lower = 0.0
    for i, (band, upper) in enumerate(SEVERITY_BANDS):
        if i % 2:
            out.append(
                f'<rect x="{_LEFT}" y="{y_of(upper):.1f}" width="{WIDTH - _LEFT - _RIGHT}" '
                f'height="{y_of(lower) - y_of(upper):.1f}" fill="#f1f1f1"/>'
            )
        if upper - lower >= 1.0:
            out.append(
                f'<text x="{WIDTH - _RIGHT - 4}" y="{(y_of(upper) + y_of(lower)) / 2 + 4:.1f}" '
                f'text-anchor="end" font-size="12" fill="#555555" {_FONT}>'
                f"{escape(band_labels.get(band, band))}</text>"
            )
        lower = upper
    for tick in range(0, 11, 2):
        out.append(_y_tick(y_of(tick), str(tick)))
    out.append(_y_axis_name(top, base, axis_severity))
    if weeks:
        xs = _x_positions(weeks)
        out += _x_axis(weeks, xs, axis_week)
        out += _markers(weeks, xs, markers)
        points = [
            (x, y_of(w.severity_mean)) if w.severity_mean is not None else None
            for w, x in zip(weeks, xs, strict=True)
        ]
        out += _polyline(points)
        for point in points:
            if point is not None:
                out.append(
                    f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="4.5" fill="{_LINE}" '
                    'stroke="#ffffff" stroke-width="1"/>'
                )
    out.append("</svg>")
    return "\n".join(out)


def _clock(minutes: float) -> str:
    total = (round(minutes) + 6 * 60) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def onset_chart(
    weeks: Sequence[WeekSummary],
    markers: Sequence[ChartMarker],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_week: str,
    axis_onset: str,
    baseline: dt.time | None = None,
    baseline_label: str = "",
) -> str:
    """Weekly median time symptoms began, earlier times higher up, as a line with
    square markers; the pre-treatment baseline (if given) as a dotted line; the
    treatment changes as numbered dashed lines.

    Parameters
    ----------
    weeks : sequence of WeekSummary
    markers : sequence of ChartMarker
    chart_id, title, desc, axis_week : str
        As in :func:`severity_chart`.
    axis_onset : str
        The vertical axis's name (say that earlier is higher).
    baseline : datetime.time | None
        The onset before a dopaminergic treatment (from the augmentation check).
    baseline_label : str
        Its label.

    Returns
    -------
    svg : str
    """
    out = _svg_open(chart_id, title, desc, WIDTH, HEIGHT)
    top, base = _TOP, HEIGHT - _BOTTOM
    values = [float(diary_minutes(w.onset_median)) for w in weeks if w.onset_median is not None]
    if baseline is not None:
        values.append(float(diary_minutes(baseline)))
    lo = (min(values) // 120) * 120 if values else 12 * 60.0  # diary minutes, 2 h steps
    hi = (max(values) // 120 + 1) * 120 if values else 18 * 60.0
    lo, hi = max(lo, 0.0), min(hi, 24 * 60.0 - 1)
    if hi - lo < 240:
        hi = min(lo + 240, 24 * 60.0 - 1)

    def y_of(minutes: float) -> float:  # earlier (smaller) is higher
        return top + (base - top) * (minutes - lo) / (hi - lo)

    tick = lo
    while tick <= hi:
        out.append(_y_tick(y_of(tick), _clock(tick)))
        tick += 120
    out.append(_y_axis_name(top, base, axis_onset))
    if baseline is not None:
        y = y_of(diary_minutes(baseline))
        out.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
            f'stroke="{_INK}" stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<text x="{_LEFT + 4}" y="{y - 4:.1f}" font-size="12" fill="{_INK}" {_FONT}>'
            f"{escape(baseline_label)}</text>"
        )
    if weeks:
        xs = _x_positions(weeks)
        out += _x_axis(weeks, xs, axis_week)
        out += _markers(weeks, xs, markers)
        points = [
            (x, y_of(diary_minutes(w.onset_median))) if w.onset_median is not None else None
            for w, x in zip(weeks, xs, strict=True)
        ]
        out += _polyline(points, dash="6 2")
        for point in points:
            if point is not None:
                out.append(
                    f'<rect x="{point[0] - 4.5:.1f}" y="{point[1] - 4.5:.1f}" width="9" '
                    f'height="9" fill="{_LINE}" stroke="#ffffff" stroke-width="1"/>'
                )
    out.append("</svg>")
    return "\n".join(out)


def trigger_chart(
    effects: Sequence[TriggerEffect],
    *,
    chart_id: str,
    title: str,
    desc: str,
    trigger_labels: Mapping[str, str],
    axis_difference: str,
    not_enough_days: str,
) -> str:
    """Each trigger's difference in severity (with minus without) as a diamond with
    its 95 % interval as a bar with end caps; a dashed line at zero; triggers without
    enough days say so in words.

    Parameters
    ----------
    effects : sequence of TriggerEffect
        From :func:`~quietlegs.diary.analysis.trigger_effects`.
    chart_id, title, desc : str
        As in :func:`severity_chart`.
    trigger_labels : mapping of str to str
        Each trigger's name in the reader's language.
    axis_difference : str
        The horizontal axis's name.
    not_enough_days : str
        Shown instead of an interval when a trigger has too few nights.

    Returns
    -------
    svg : str
    """
    row_h, left, right = 26, 150, 20
    height = _TOP + 10 + row_h * max(len(effects), 1) + 40
    out = _svg_open(chart_id, title, desc, WIDTH, height)
    bounds = [abs(v) for e in effects if e.estimate for v in (e.estimate.low, e.estimate.high)]
    span = max(2.0, float(int(max(bounds, default=2.0)) + 1))

    def x_of(value: float) -> float:
        return left + (WIDTH - left - right) * (value + span) / (2 * span)

    top = _TOP + 10
    base = top + row_h * max(len(effects), 1)
    tick = -span
    while tick <= span + 1e-9:
        x = x_of(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" stroke="{_GRID}" '
            f'stroke-width="0.5"/><text x="{x:.1f}" y="{base + 16}" text-anchor="middle" '
            f'font-size="13" fill="{_INK}" {_FONT}>{tick:+g}</text>'
        )
        tick += 1.0 if span <= 4 else 2.0
    out.append(
        f'<line x1="{x_of(0):.1f}" y1="{top}" x2="{x_of(0):.1f}" y2="{base}" stroke="{_INK}" '
        'stroke-width="1.2" stroke-dasharray="4 3"/>'
    )
    for i, effect in enumerate(effects):
        y = top + row_h * i + row_h / 2
        out.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="13" '
            f'fill="{_INK}" {_FONT}>{escape(trigger_labels.get(effect.trigger, effect.trigger))}'
            "</text>"
        )
        est = effect.estimate
        if est is None:
            out.append(
                f'<text x="{x_of(0) + 6:.1f}" y="{y + 4:.1f}" font-size="12" fill="#555555" '
                f'font-style="italic" {_FONT}>{escape(not_enough_days)}</text>'
            )
            continue
        x1, x2, xm = x_of(est.low), x_of(est.high), x_of(est.difference)
        width = "3" if effect.found else "1.5"
        out.append(
            f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="{_LINE}" '
            f'stroke-width="{width}"/>'
            f'<line x1="{x1:.1f}" y1="{y - 5:.1f}" x2="{x1:.1f}" y2="{y + 5:.1f}" '
            f'stroke="{_LINE}" stroke-width="1.5"/>'
            f'<line x1="{x2:.1f}" y1="{y - 5:.1f}" x2="{x2:.1f}" y2="{y + 5:.1f}" '
            f'stroke="{_LINE}" stroke-width="1.5"/>'
            f'<polygon points="{xm:.1f},{y - 6:.1f} {xm + 6:.1f},{y:.1f} {xm:.1f},{y + 6:.1f} '
            f'{xm - 6:.1f},{y:.1f}" fill="{_LINE}" stroke="#ffffff" stroke-width="1"/>'
        )
    out.append(
        f'<text x="{(left + WIDTH - right) / 2:.0f}" y="{height - 6}" text-anchor="middle" '
        f'font-size="13" fill="{_INK}" {_FONT}>{escape(axis_difference)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


__all__ = ["ChartMarker", "onset_chart", "severity_chart", "trigger_chart"]
