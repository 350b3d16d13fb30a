"""The diary analysis as the pages show it: the core's results worded in the reader's
language, the charts drawn, the calendar laid out.

Nothing here decides anything clinical: every number and status comes from
:mod:`quietlegs.diary`; this module picks words for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from quietlegs import diary as core
from quietlegs.diary._rules import (
    AUGMENTATION_BASELINE_DAYS,
    AUGMENTATION_DAYS_REQUIRED,
    AUGMENTATION_WEEK_DAYS,
    MIN_DAYS_PER_SIDE,
    MIN_TRIGGER_DAYS_PER_SIDE,
)
from quietlegs.diary._stats import Estimate
from quietlegs.diary.analysis import week_start
from quietlegs.diary.charts import ChartMarker, onset_chart, severity_chart, trigger_chart
from quietlegs.diary.entry import format_time
from quietlegs.web.accounts.models import User
from quietlegs.web.diary import services
from quietlegs.web.diary.forms import INTENSITY_CHOICES, DiaryEntryForm
from quietlegs.web.diary.models import DiaryEntry, TreatmentPeriod
from quietlegs.web.knowledge import kb
from quietlegs.web.records.services import lab_label, lab_unit

#: Weeks of trends shown on the diary pages and the summary.
WEEKS_SHOWN = 12
#: Days of the calendar of entries and missed nights.
CALENDAR_WEEKS = 5

BAND_LABELS: dict[str, Any] = {
    "none": gettext_lazy("none"),
    "mild": gettext_lazy("mild"),
    "moderate": gettext_lazy("moderate"),
    "severe": gettext_lazy("severe"),
    "very_severe": gettext_lazy("very severe"),
}
ONSET_SCORE_LABELS: dict[int, Any] = {
    0: gettext_lazy("no symptoms"),
    1: gettext_lazy("only at bedtime or later"),
    2: gettext_lazy("from the evening (18:00)"),
    3: gettext_lazy("during the day (before 18:00)"),
}
TRIGGER_LABELS: dict[str, Any] = {
    "caffeine": gettext_lazy("Coffee, tea, cola"),
    "alcohol": gettext_lazy("Alcohol"),
    "nicotine": gettext_lazy("Nicotine"),
    "exercise": gettext_lazy("Exercise"),
    "vigorous_exercise": gettext_lazy("Vigorous exercise"),
    "long_sitting": gettext_lazy("Long sitting or travel"),
    "sweets_before_bed": gettext_lazy("Sweets before bed"),
    "stress": gettext_lazy("Stress"),
}
OUTCOME_LABELS: dict[str, Any] = {
    "severity": gettext_lazy("Severity (0-10)"),
    "sleep_quality": gettext_lazy("Sleep quality (0-10)"),
}
CHANGE_STATUS: dict[str, Any] = {
    "better": gettext_lazy("better"),
    "worse": gettext_lazy("worse"),
    "no_clear_change": gettext_lazy("no clear change"),
    "not_enough_days": gettext_lazy("not enough days to tell"),
}
TRIGGER_STATUS: dict[str, Any] = {
    "higher_with": gettext_lazy("worse on these days"),
    "lower_with": gettext_lazy("better on these days"),
    "hint": gettext_lazy("a hint only: may be chance"),
    "no_clear_difference": gettext_lazy("no clear difference"),
    "not_enough_days": gettext_lazy("not enough days to tell"),
}
EVENT_LABELS: dict[str, Any] = {
    "start": gettext_lazy("started"),
    "change": gettext_lazy("changed"),
    "stop": gettext_lazy("stopped"),
}
BODY_PART_LABELS: dict[str, Any] = {
    "legs": gettext_lazy("legs"),
    "arms": gettext_lazy("arms"),
    "other": gettext_lazy("elsewhere"),
}
CRITERION_LABELS: dict[str, Any] = {
    "onset_4h": gettext_lazy("began at least 4 h earlier"),
    "onset_2_4h_with_feature": gettext_lazy("began 2-4 h earlier, with another sign"),
}


def number(value: float | None, digits: int = 1) -> str:
    """A number in the reader's format (``5,1`` in Russian); a dash for ``None``."""
    if value is None:
        return "—"
    return str(formats.number_format(round(value, digits), decimal_pos=digits))


def latency_phrase(minutes: float | None) -> str:
    """ "after 31 minutes at rest" with the noun agreeing with the number (Russian has
    three forms: 1 минуту, 3 минуты, 31 минуту, 5 минут); a dash for ``None``."""
    if minutes is None:
        return "—"
    count = round(minutes)
    return ngettext("after %(count)s minute at rest", "after %(count)s minutes at rest", count) % {
        "count": number(minutes, 0)
    }


def short_date(day: dt.date) -> str:
    """A date in the reader's short format."""
    return str(formats.date_format(day, "SHORT_DATE_FORMAT"))


def interval(estimate: Estimate | None, digits: int = 1) -> str:
    """``-2.8 (95 % interval -3.4 to -2.2)``, or a dash."""
    if estimate is None:
        return "—"
    return _("%(difference)s (95%% interval %(low)s to %(high)s)") % {
        "difference": number(estimate.difference, digits),
        "low": number(estimate.low, digits),
        "high": number(estimate.high, digits),
    }


def _event_text(events: tuple[core.TreatmentEvent, ...], lang: str) -> str:
    return "; ".join(
        f"{services.treatment_name(e.treatment_id, lang)}: {EVENT_LABELS[e.kind]}" for e in events
    )


# --- the parts ---------------------------------------------------------------------------------


def augmentation_view(check: core.AugmentationCheck, lang: str) -> dict[str, Any]:
    """The augmentation check with its evidence, worded."""
    days = [
        {
            "day": d.day,
            "recorded": d.recorded,
            "on_treatment": d.on_dopaminergic,
            "onset": format_time(d.onset) if d.onset else "—",
            "hours_earlier": number(d.hours_earlier),
            "shorter_latency": d.shorter_latency,
            "spread": ", ".join(str(BODY_PART_LABELS.get(p, p)) for p in d.spread),
            "more_intense": d.more_intense,
            "meets": d.meets,
            "criterion": str(CRITERION_LABELS[d.criterion]) if d.criterion else "",
        }
        for d in check.days
    ]
    # Each noun agrees with its number (Russian has three forms: 1 ночь, 2 ночи, 5 ночей).
    week, baseline_days = AUGMENTATION_WEEK_DAYS, AUGMENTATION_BASELINE_DAYS
    messages = {
        "warning": ngettext(
            "Possible augmentation: on %(meeting)s of the last %(week)s night the symptoms "
            "began much earlier than before the dopaminergic treatment.",
            "Possible augmentation: on %(meeting)s of the last %(week)s nights the symptoms "
            "began much earlier than before the dopaminergic treatment.",
            week,
        ),
        "no_warning": ngettext(
            "No sign of augmentation in the last %(week)s night (checked against the "
            "time-of-onset criteria).",
            "No sign of augmentation in the last %(week)s nights (checked against the "
            "time-of-onset criteria).",
            week,
        ),
        "not_enough_days": ngettext(
            "Fewer than %(required)s of the last %(week)s night are recorded on the "
            "dopaminergic treatment: the augmentation check cannot tell yet.",
            "Fewer than %(required)s of the last %(week)s nights are recorded on the "
            "dopaminergic treatment: the augmentation check cannot tell yet.",
            week,
        ),
        "no_baseline": ngettext(
            "No augmentation check: too few nights with symptoms were recorded in the "
            "%(baseline)s day before the dopaminergic treatment began.",
            "No augmentation check: too few nights with symptoms were recorded in the "
            "%(baseline)s days before the dopaminergic treatment began.",
            baseline_days,
        ),
        "not_on_dopaminergic": _("No dopaminergic treatment is recorded: no augmentation check."),
    }
    return {
        "status": check.status,
        "warning": check.warning,
        "applies": check.status != "not_on_dopaminergic",
        "message": messages[check.status]
        % {
            "meeting": check.days_meeting,
            "week": week,
            "required": AUGMENTATION_DAYS_REQUIRED,
            "baseline": baseline_days,
        },
        "treatments": ", ".join(services.treatment_name(t, lang) for t in check.treatment_ids),
        "treatment_start": check.treatment_start,
        "baseline": check.baseline,
        "baseline_nights": check.baseline_nights,
        "baseline_onset": format_time(check.baseline_onset) if check.baseline_onset else "—",
        "baseline_latency": number(check.baseline_latency_min, 0),
        "baseline_latency_phrase": latency_phrase(check.baseline_latency_min),
        "baseline_severity": number(check.baseline_severity),
        "baseline_parts": ", ".join(
            str(BODY_PART_LABELS.get(p, p))
            for p in core.BODY_PARTS
            if p in check.baseline_body_parts
        ),
        "days": days,
        "days_meeting": check.days_meeting,
        "required": AUGMENTATION_DAYS_REQUIRED,
        "week_days": AUGMENTATION_WEEK_DAYS,
        "as_of": check.as_of,
    }


def week_rows(weeks: list[core.WeekSummary]) -> list[dict[str, Any]]:
    """The weekly trends as table rows."""
    return [
        {
            "week_start": w.week_start,
            "entries": w.entries,
            "severity": number(w.severity_mean),
            "band": str(BAND_LABELS[w.severity_band]) if w.severity_band else "—",
            "band_id": w.severity_band or "",
            "onset": format_time(w.onset_median) if w.onset_median else "—",
            "onset_score": w.onset_score if w.onset_score is not None else "—",
            "onset_score_label": str(ONSET_SCORE_LABELS[w.onset_score])
            if w.onset_score is not None
            else "",
            "sleep_quality": number(w.sleep_quality_mean),
            "sleep_latency": number(w.sleep_latency_mean_min, 0),
        }
        for w in weeks
    ]


def change_rows(changes: list[core.ChangeEffect], lang: str) -> list[dict[str, Any]]:
    """The before/after comparisons as rows."""
    return [
        {
            "day": c.day,
            "what": _event_text(c.events, lang),
            "before": c.before,
            "after": c.after,
            "outcomes": [
                {
                    "label": str(OUTCOME_LABELS.get(o.outcome, o.outcome)),
                    "status": o.status,
                    "status_label": str(CHANGE_STATUS[o.status]),
                    "before_days": o.before_days,
                    "after_days": o.after_days,
                    "mean_before": number(o.estimate.mean_b) if o.estimate else "—",
                    "mean_after": number(o.estimate.mean_a) if o.estimate else "—",
                    "difference": interval(o.estimate),
                }
                for o in c.outcomes
            ],
        }
        for c in changes
    ]


def trigger_rows(report: core.TriggerReport) -> list[dict[str, Any]]:
    """Each trigger's effect as a row."""
    return [
        {
            "trigger": e.trigger,
            "label": str(TRIGGER_LABELS.get(e.trigger, e.trigger)),
            "days_with": e.days_with,
            "days_without": e.days_without,
            "difference": interval(e.estimate),
            "adjusted": interval(e.adjusted),
            "status": e.status,
            "status_label": str(TRIGGER_STATUS[e.status]),
            "found": e.found,
        }
        for e in report.effects
    ]


def timeline_rows(rows: list[TreatmentPeriod], viewer: User, lang: str) -> list[dict[str, Any]]:
    """The treatment periods with their names and flags, latest first."""
    out = []
    for period in rows:
        item = kb().treatments.get(period.treatment_id)
        timeline = item.timeline if item is not None else None
        out.append(
            {
                "period": period,
                "name": services.treatment_name(period.treatment_id, lang),
                "dopaminergic": bool(timeline and timeline.dopaminergic),
                "over_the_counter": bool(timeline and timeline.over_the_counter),
                "changes": [c.day for c in period.changes.all()],
                "editable": services.may_edit_period(viewer, period),
                "by_patient": period.recorded_as == TreatmentPeriod.RecordedAs.PATIENT,
            }
        )
    return out


def lab_rows(patient: User, lang: str) -> list[dict[str, Any]]:
    """Lab results over time, one row per test (oldest result first)."""
    series = core.lab_series(services.lab_values(patient))
    return [
        {
            "label": lab_label(test, lang),
            "unit": lab_unit(test, lang),
            "values": [{"day": v.day, "value": number(v.value, 1)} for v in values],
        }
        for test, values in series.items()
    ]


def calendar(patient: User, weeks: int = CALENDAR_WEEKS) -> list[list[dict[str, Any]]]:
    """The last ``weeks`` weeks, Monday first: each night's entry, or a missed night."""
    today = services.local_today()
    first = week_start(today) - dt.timedelta(weeks=weeks - 1)
    rows: dict[dt.date, DiaryEntry] = {
        e.day: e for e in services.entries(patient).filter(day__gte=first, day__lte=today)
    }
    started = services.entries(patient).order_by("day").values_list("day", flat=True).first()
    grid: list[list[dict[str, Any]]] = []
    for w in range(weeks):
        week = []
        for d in range(7):
            day = first + dt.timedelta(days=7 * w + d)
            week.append(
                {
                    "day": day,
                    "entry": rows.get(day),
                    "future": day > today,
                    "today": day == today,
                    "before_start": started is None or day < started,
                }
            )
        grid.append(week)
    return grid


def _markers(changes: list[core.ChangeEffect], lang: str) -> list[ChartMarker]:
    return [ChartMarker(c.day, _event_text(c.events, lang)) for c in changes]


def charts(
    weeks: list[core.WeekSummary],
    changes: list[core.ChangeEffect],
    triggers: core.TriggerReport,
    augmentation: core.AugmentationCheck,
    lang: str,
    prefix: str,
) -> dict[str, Any]:
    """The three SVG charts and the legend of the numbered treatment changes."""
    markers = _markers(changes, lang)
    span = (
        {"start": short_date(weeks[0].week_start), "end": short_date(weeks[-1].week_start)}
        if weeks
        else {"start": "—", "end": "—"}
    )
    legend = "; ".join(f"{i}: {short_date(m.day)} {m.label}" for i, m in enumerate(markers, 1))
    marked = _("Treatment changes are dashed lines numbered as in the list below the chart.")
    severity_svg = severity_chart(
        weeks,
        markers,
        chart_id=f"{prefix}-severity",
        title=_("Severity by week"),
        desc=_(
            "Mean severity (0 to 10) of each week from %(start)s to %(end)s as a line with "
            "round markers; shaded bands name the severity. The table below gives every value."
        )
        % span
        + " "
        + marked,
        axis_week=_("Week starting"),
        axis_severity=_("Mean severity (0-10)"),
        band_labels={k: str(v) for k, v in BAND_LABELS.items()},
    )
    onset_svg = onset_chart(
        weeks,
        markers,
        chart_id=f"{prefix}-onset",
        title=_("When symptoms began, by week"),
        desc=_(
            "Median time the symptoms began in each week from %(start)s to %(end)s, as a "
            "dashed line with square markers; earlier times are higher up. A dotted line "
            "shows the time before the dopaminergic treatment, if there is one."
        )
        % span
        + " "
        + marked,
        axis_week=_("Week starting"),
        axis_onset=_("Time (earlier is higher)"),
        baseline=augmentation.baseline_onset,
        baseline_label=_("before treatment"),
    )
    trigger_svg = trigger_chart(
        triggers.effects,
        chart_id=f"{prefix}-triggers",
        title=_("Severity with and without each trigger"),
        desc=_(
            "For each possible trigger, the difference in mean severity between nights after "
            "days with it and without it, as a diamond with its 95%% interval as a bar. Right "
            "of the dashed zero line means worse with the trigger. The table gives each value."
        ),
        trigger_labels={k: str(v) for k, v in TRIGGER_LABELS.items()},
        axis_difference=_("Difference in severity (with minus without)"),
        not_enough_days=_("not enough days"),
    )
    return {
        "severity": mark_safe(severity_svg),
        "onset": mark_safe(onset_svg),
        "triggers": mark_safe(trigger_svg),
        "legend": [{"number": i, "day": m.day, "label": m.label} for i, m in enumerate(markers, 1)],
        "legend_text": legend,
    }


def diary_context(
    patient: User, viewer: User, lang: str, *, prefix: str = "diary"
) -> dict[str, Any]:
    """Everything a diary page shows about ``patient``, for ``viewer``.

    Parameters
    ----------
    patient : User
    viewer : User
        The patient themselves or a clinician (decides what may be edited).
    lang : str
        The reader's language.
    prefix : str
        Prefix of the charts' element ids.

    Returns
    -------
    context : dict
    """
    today = services.local_today()
    diary = services.patient_diary(patient)
    period_rows = services.periods(patient)
    periods = services.core_periods(patient)
    first_week = week_start(today) - dt.timedelta(weeks=WEEKS_SHOWN - 1)
    if diary.first_day is not None:
        first_week = max(first_week, week_start(diary.first_day))
    weeks = core.weekly_trends(diary, first_week, today) if len(diary) else []
    recent = diary.last_day is not None and diary.last_day >= today - dt.timedelta(days=7)
    as_of = diary.last_day if recent and diary.last_day is not None else today
    augmentation = core.augmentation_check(diary, periods, as_of)
    changes = core.effectiveness(diary, periods)
    triggers = core.trigger_effects(diary)
    last_28 = core.adherence(diary, today - dt.timedelta(days=27), today)
    return {
        "patient": patient,
        "entries_count": len(diary),
        "has_entries": bool(len(diary)),
        "augmentation": augmentation_view(augmentation, lang),
        "weeks": week_rows(weeks),
        "changes": change_rows(changes, lang),
        "triggers": trigger_rows(triggers),
        "triggers_tested": triggers.tested,
        "adjusted_level": number(triggers.adjusted_level * 100, 1),
        "charts": charts(weeks, changes, triggers, augmentation, lang, prefix),
        "adherence": {
            "entries": last_28.entries,
            "days": last_28.days,
            "missed": list(reversed(last_28.missed)),
        },
        "timeline": timeline_rows(period_rows, viewer, lang),
        "labs": lab_rows(patient, lang),
        "calendar": calendar(patient),
        "min_days": MIN_DAYS_PER_SIDE,
        "min_trigger_days": MIN_TRIGGER_DAYS_PER_SIDE,
        "today": today,
    }


def record_summary(patient: User, lang: str) -> dict[str, Any]:
    """The few lines the clinician's patient page shows about the diary."""
    diary = services.patient_diary(patient)
    today = services.local_today()
    if not len(diary):
        return {"has_entries": False}
    recent = diary.last_day is not None and diary.last_day >= today - dt.timedelta(days=7)
    as_of = diary.last_day if recent and diary.last_day is not None else today
    check = core.augmentation_check(diary, services.core_periods(patient), as_of)
    last_28 = core.adherence(diary, today - dt.timedelta(days=27), today)
    return {
        "has_entries": True,
        "last_day": diary.last_day,
        "entries_28": last_28.entries,
        "augmentation": augmentation_view(check, lang),
    }


def _history_value(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name == "body_parts":
        return ", ".join(str(BODY_PART_LABELS.get(p, p)) for p in value)
    if name == "medications":
        return "; ".join(f"{m.get('at', '')} {m.get('name', '')}" for m in value)
    if name == "exercise_intensity":
        return str(dict(INTENSITY_CHOICES).get(value, value))
    return str(value)


def history_rows(entry: DiaryEntry) -> list[dict[str, Any]]:
    """An entry's earlier versions, newest first: each value with its label, marked when
    the next version changed it."""
    labels = {name: field.label for name, field in DiaryEntryForm.base_fields.items()}
    newer = entry.to_core().to_dict()
    out = []
    for version in services.history(entry):
        data = version.data
        names = [n for n in newer if n != "day"]
        out.append(
            {
                "version": version,
                "changed": [str(labels.get(n, n)) for n in names if data.get(n) != newer.get(n)],
                "fields": [
                    {
                        "label": str(labels.get(n, n)),
                        "value": _history_value(n, data.get(n)),
                        "changed": data.get(n) != newer.get(n),
                    }
                    for n in names
                ],
            }
        )
        newer = data
    return out
