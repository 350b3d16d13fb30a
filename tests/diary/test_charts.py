"""The SVG charts: well-formed, titled, described, and not relying on colour alone."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from quietlegs.diary import trigger_effects, weekly_trends
from quietlegs.diary.charts import ChartMarker, onset_chart, severity_chart, trigger_chart
from tests.diary.synthetic import augmentation_diary, caffeine_diary, day

NS = "{http://www.w3.org/2000/svg}"
BANDS = {
    "none": "none",
    "mild": "mild",
    "moderate": "moderate",
    "severe": "severe",
    "very_severe": "very severe",
}


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    ids = (root.get("aria-labelledby") or "").split()
    found = {el.get("id") for el in root.iter() if el.get("id")}
    assert set(ids) <= found
    return root


def test_the_severity_chart_marks_weeks_and_treatment_changes() -> None:
    weeks = weekly_trends(augmentation_diary())
    svg = severity_chart(
        weeks,
        [ChartMarker(day(14), "Start: agonist")],
        chart_id="sev",
        title="Severity <weekly>",
        desc="Mean severity by week.",
        axis_week="Week",
        axis_severity="Severity (0-10)",
        band_labels=BANDS,
    )
    root = _parse(svg)
    assert root.find(f"{NS}title").text == "Severity <weekly>"  # type: ignore[union-attr]
    assert len(root.findall(f"{NS}circle[@r='4.5']")) == len(weeks)  # one marker per week
    assert len(root.findall(f"{NS}line[@stroke-dasharray='5 3']")) == 1  # the change
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "1" in texts
    assert "severe" in texts


def test_the_onset_chart_shows_the_baseline_and_square_markers() -> None:
    weeks = weekly_trends(augmentation_diary())
    svg = onset_chart(
        weeks,
        [],
        chart_id="on",
        title="Onset",
        desc="When symptoms began.",
        axis_week="Week",
        axis_onset="Time (earlier is higher)",
        baseline=dt.time(23, 0),
        baseline_label="before",
    )
    root = _parse(svg)
    assert len(root.findall(f"{NS}rect[@width='9']")) == len(weeks)
    assert "before" in [t.text for t in root.iter(f"{NS}text")]


def test_the_trigger_chart_draws_intervals_or_says_not_enough_days() -> None:
    report = trigger_effects(caffeine_diary())
    svg = trigger_chart(
        report.effects,
        chart_id="trg",
        title="Triggers",
        desc="Differences.",
        trigger_labels={"caffeine": "Coffee"},
        axis_difference="Difference",
        not_enough_days="not enough days",
    )
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Coffee" in texts
    assert texts.count("not enough days") == 1  # vigorous exercise
    assert len(root.findall(f"{NS}polygon")) == len(report.effects) - 1


def test_empty_charts_are_still_valid() -> None:
    _parse(
        severity_chart(
            [],
            [],
            chart_id="a",
            title="t",
            desc="d",
            axis_week="w",
            axis_severity="s",
            band_labels=BANDS,
        )
    )
    _parse(onset_chart([], [], chart_id="b", title="t", desc="d", axis_week="w", axis_onset="o"))
    _parse(
        trigger_chart(
            [],
            chart_id="c",
            title="t",
            desc="d",
            trigger_labels={},
            axis_difference="x",
            not_enough_days="n",
        )
    )
