"""The diary's sections of a visit report: a possible augmentation first, the last four
weeks, the treatment timeline.

The provider :func:`diary_sections` is registered in ``DiaryConfig.ready``. Every number
and status comes from the core (:mod:`quietlegs.diary`): the augmentation check on the
week ending with the latest night (as on the patient page), the weekly trends of the last
:data:`REPORT_WEEKS` calendar weeks. When the check warns, its section comes first and is
shown boxed (``prominent``), with its evidence: the pre-treatment baseline and each of the
last seven nights. Treatments are shown by name and dates only (no dose is recorded; the
periods' free-text notes are left out). Texts are frozen in every UI language.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from quietlegs import diary as core
from quietlegs.diary._rules import AUGMENTATION_DAYS_REQUIRED
from quietlegs.diary.analysis import week_start
from quietlegs.diary.entry import format_time
from quietlegs.web.accounts.models import User
from quietlegs.web.diary import presentation, services
from quietlegs.web.diary.models import TreatmentPeriod
from quietlegs.web.visitreports.sections import LocalText, Section, both, each_language

#: Calendar weeks of weekly severity in a visit report (the current one included).
REPORT_WEEKS = 4
#: Nights the adherence line counts (as on the patient page: the last 28).
ADHERENCE_DAYS = 28

Row = tuple[LocalText, str | LocalText]


def _lang() -> str:
    return translation.get_language() or "en"


# --- augmentation ------------------------------------------------------------------------------


def _night_value(day: core.AugmentationDay) -> str:
    """One night of the augmentation evidence, worded in the active language."""
    if not day.recorded:
        return str(_("not recorded"))
    if not day.on_dopaminergic:
        return str(_("not on the treatment"))
    parts = [
        _("began at %(onset)s, %(hours)s h earlier than before the treatment")
        % {
            "onset": format_time(day.onset) if day.onset else "—",
            "hours": presentation.number(day.hours_earlier),
        }
    ]
    if day.shorter_latency:
        parts.append(_("sooner at rest"))
    if day.spread:
        parts.append(
            _("also in the %(parts)s")
            % {"parts": ", ".join(str(presentation.BODY_PART_LABELS[p]) for p in day.spread)}
        )
    if day.more_intense:
        parts.append(_("more intense"))
    if day.criterion:
        parts.append(
            _("criterion met: %(criterion)s")
            % {"criterion": presentation.CRITERION_LABELS[day.criterion]}
        )
    else:
        parts.append(_("no criterion met"))
    return "; ".join(parts)


def _night_row(day: core.AugmentationDay) -> Row:
    return (
        each_language(lambda: presentation.short_date(day.day)),
        each_language(lambda: _night_value(day)),
    )


def augmentation_section(check: core.AugmentationCheck) -> Section:
    """The augmentation warning with its evidence (made only when the check warns)."""

    def message() -> str:
        return str(presentation.augmentation_view(check, _lang())["message"])

    def treatment() -> str:
        return _("Dopaminergic treatment: %(names)s, since %(start)s.") % {
            "names": presentation.augmentation_view(check, _lang())["treatments"],
            "start": presentation.short_date(check.treatment_start)
            if check.treatment_start
            else "—",
        }

    def criteria() -> str:
        return ngettext(
            "The diary meets the earlier-onset criteria of the MPI definition of augmentation "
            "on %(meeting)s of the last %(week)s night (at least %(required)s needed). The "
            "diary cannot judge whether the worsening is explained by other factors, whether "
            "there was a response to treatment before, or whether symptoms respond "
            "paradoxically to dose changes: assess these at the visit.",
            "The diary meets the earlier-onset criteria of the MPI definition of augmentation "
            "on %(meeting)s of the last %(week)s nights (at least %(required)s needed). The "
            "diary cannot judge whether the worsening is explained by other factors, whether "
            "there was a response to treatment before, or whether symptoms respond "
            "paradoxically to dose changes: assess these at the visit.",
            len(check.days),
        ) % {
            "meeting": check.days_meeting,
            "week": len(check.days),
            "required": AUGMENTATION_DAYS_REQUIRED,
        }

    def baseline() -> str:
        view = presentation.augmentation_view(check, _lang())
        return ngettext(
            "Before the treatment (%(nights)s night with symptoms): symptoms usually began "
            "at %(onset)s, %(latency)s, with severity %(severity)s, in the %(parts)s.",
            "Before the treatment (%(nights)s nights with symptoms): symptoms usually began "
            "at %(onset)s, %(latency)s, with severity %(severity)s, in the %(parts)s.",
            view["baseline_nights"],
        ) % {
            "nights": view["baseline_nights"],
            "onset": view["baseline_onset"],
            "latency": view["baseline_latency_phrase"],
            "severity": view["baseline_severity"],
            "parts": view["baseline_parts"],
        }

    paragraphs = [each_language(message), each_language(treatment), each_language(criteria)]
    if check.baseline_onset is not None:
        paragraphs.append(each_language(baseline))
    paragraphs.append(
        both(
            gettext_lazy(
                "Criteria: García-Borreguero et al., Diagnostic standards for dopaminergic "
                "augmentation of restless legs syndrome (the MPI criteria), Sleep Med "
                "2007;8:520-530."
            )
        )
    )
    return Section(
        id="diary-augmentation",
        title=both(gettext_lazy("Possible augmentation")),
        subtitle=each_language(
            lambda: (
                ngettext(
                    "Symptom and sleep diary: the %(week)s night up to %(day)s",
                    "Symptom and sleep diary: the %(week)s nights up to %(day)s",
                    len(check.days),
                )
                % {"week": len(check.days), "day": presentation.short_date(check.as_of)}
            )
        ),
        rows=[_night_row(d) for d in check.days],
        paragraphs=paragraphs,
        prominent=True,
    )


# --- the last weeks ----------------------------------------------------------------------------


def _week_row(week: core.WeekSummary) -> Row:
    def label() -> str:
        return _("Week from %(day)s") % {"day": presentation.short_date(week.week_start)}

    def value() -> str:
        if not week.entries:
            return str(_("no nights recorded"))
        text = _("mean severity %(severity)s (%(band)s); %(entries)s of 7 nights recorded") % {
            "severity": presentation.number(week.severity_mean),
            "band": presentation.BAND_LABELS[week.severity_band] if week.severity_band else "—",
            "entries": week.entries,
        }
        if week.onset_median is not None:
            text += "; " + _("symptoms usually began at %(onset)s") % {
                "onset": format_time(week.onset_median)
            }
        return text

    return each_language(label), each_language(value)


def weeks_section(diary: core.Diary, check: core.AugmentationCheck, today: dt.date) -> Section:
    """Weekly severity of the last :data:`REPORT_WEEKS` weeks, how regularly the diary was
    kept, and the augmentation check's result when it did not warn."""
    first_week = week_start(today) - dt.timedelta(weeks=REPORT_WEEKS - 1)
    weeks = core.weekly_trends(diary, first_week, today)
    kept = core.adherence(diary, today - dt.timedelta(days=ADHERENCE_DAYS - 1), today)
    paragraphs: list[LocalText] = []
    if check.status != "not_on_dopaminergic" and not check.warning:
        paragraphs.append(
            each_language(lambda: presentation.augmentation_view(check, _lang())["message"])
        )
    return Section(
        id="diary",
        title=each_language(
            lambda: (
                ngettext(
                    "Symptom and sleep diary: the last %(weeks)s week",
                    "Symptom and sleep diary: the last %(weeks)s weeks",
                    REPORT_WEEKS,
                )
                % {"weeks": REPORT_WEEKS}
            )
        ),
        subtitle=each_language(
            lambda: (
                _("%(entries)s of the last 28 nights recorded; the latest is %(last)s.")
                % {
                    "entries": kept.entries,
                    "last": presentation.short_date(diary.last_day) if diary.last_day else "—",
                }
            )
        ),
        rows=[_week_row(w) for w in weeks],
        paragraphs=paragraphs,
    )


# --- treatments --------------------------------------------------------------------------------


def _period_row(period: TreatmentPeriod) -> Row:
    def value() -> str:
        start = presentation.short_date(period.start)
        if period.stop is not None:
            text = _("from %(start)s to %(stop)s") % {
                "start": start,
                "stop": presentation.short_date(period.stop),
            }
        else:
            text = _("since %(start)s (ongoing)") % {"start": start}
        changes = [c.day for c in period.changes.all()]
        if changes:
            text += "; " + _("changed on %(days)s") % {
                "days": ", ".join(presentation.short_date(d) for d in changes)
            }
        if period.recorded_as == TreatmentPeriod.RecordedAs.PATIENT:
            text += "; " + _("recorded by the patient")
        return text

    return each_language(
        lambda: services.treatment_name(period.treatment_id, _lang())
    ), each_language(value)


def timeline_section(periods: list[TreatmentPeriod]) -> Section:
    """The treatment timeline, latest start first (names and dates; no dose)."""
    return Section(
        id="diary-treatments",
        title=both(gettext_lazy("Treatments")),
        subtitle=both(gettext_lazy("Treatments, latest first")),
        rows=[_period_row(p) for p in periods],
    )


def diary_sections(patient: User) -> list[Section]:
    """The visit-report sections of ``patient``'s diary: the augmentation warning (if the
    check warns), the last weeks, the treatments (if any). None without a diary or
    treatments."""
    diary = services.patient_diary(patient)
    rows = services.periods(patient)
    sections: list[Section] = []
    if len(diary):
        today = services.local_today()
        recent = diary.last_day is not None and diary.last_day >= today - dt.timedelta(days=7)
        as_of = diary.last_day if recent and diary.last_day is not None else today
        check = core.augmentation_check(diary, services.core_periods(patient), as_of)
        if check.warning:
            sections.append(augmentation_section(check))
        sections.append(weeks_section(diary, check, today))
    if rows:
        sections.append(timeline_section(rows))
    return sections
