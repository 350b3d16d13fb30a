"""Diary analysis as pure functions: weekly trends, the time-of-onset score, the
effect of each treatment change, the augmentation check, personal triggers and
adherence.

Every threshold is a named constant of :mod:`quietlegs.diary._rules` with its
source. Nothing here decides treatment: the results describe the diary and say
how certain they are; ``docs/monitoring.md`` explains each rule.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from quietlegs.diary._rules import (
    AUGMENTATION_BASELINE_DAYS,
    AUGMENTATION_DAYS_REQUIRED,
    AUGMENTATION_MIN_BASELINE_DAYS,
    AUGMENTATION_ONSET_EARLIER_MIN,
    AUGMENTATION_ONSET_EARLIER_WITH_FEATURE_MIN,
    AUGMENTATION_WEEK_DAYS,
    CONFIDENCE_LEVEL,
    DEFAULT_BEDTIME,
    EFFECT_SETTLE_DAYS,
    EFFECT_WINDOW_DAYS,
    JHRLSS_EVENING_START,
    MIN_DAYS_PER_SIDE,
    MIN_TRIGGER_DAYS_PER_SIDE,
    SEVERITY_BANDS,
)
from quietlegs.diary._stats import Estimate, lag1_autocorrelation, serial_mean_difference
from quietlegs.diary.entry import Diary, DiaryEntry, diary_minutes, time_from_diary_minutes
from quietlegs.diary.treatments import TreatmentEvent, TreatmentPeriod, treatment_events

_DAY = dt.timedelta(days=1)


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())


def severity_band(mean_severity: float) -> str:
    """The band of a mean 0-10 severity (see ``SEVERITY_BANDS``).

    Parameters
    ----------
    mean_severity : float
        A mean of 0-10 ratings.

    Returns
    -------
    band : str
        ``none``, ``mild``, ``moderate``, ``severe`` or ``very_severe``.

    Raises
    ------
    ValueError
        If the value is outside 0-10 (or NaN).
    """
    if not 0.0 <= mean_severity <= 10.0:
        raise ValueError(f"mean_severity must be between 0 and 10; got {mean_severity}")
    for band, upper in SEVERITY_BANDS[:-1]:
        if mean_severity <= upper:
            return band
    return SEVERITY_BANDS[-1][0]


# --- Johns Hopkins-style time-of-onset score ----------------------------------------------


def onset_score(entry: DiaryEntry) -> int:
    """Score one night by when symptoms began, in the style of the JHRLSS.

    0 no symptoms; 1 only at or after bedtime (also after midnight); 2 starting in
    the evening (from 18:00) before bedtime; 3 starting before 18:00 (Allen & Earley
    2001, see ``_rules``). Without a bedtime in the entry, ``DEFAULT_BEDTIME`` is
    used; a symptomatic night without an onset time scores 1 (the lowest score with
    symptoms).

    Parameters
    ----------
    entry : DiaryEntry

    Returns
    -------
    score : int
        0 to 3.
    """
    if not entry.has_symptoms:
        return 0
    if entry.onset is None:
        return 1
    onset = diary_minutes(entry.onset)
    bedtime = diary_minutes(entry.bedtime if entry.bedtime is not None else DEFAULT_BEDTIME)
    if onset >= bedtime:
        return 1
    if onset >= diary_minutes(JHRLSS_EVENING_START):
        return 2
    return 3


# --- weekly trends ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSummary:
    """One week (Monday to Sunday) of the diary.

    Attributes
    ----------
    week_start : datetime.date
        The Monday.
    entries : int
        Nights recorded in the week.
    severity_mean : float | None
        Mean severity (0-10) of the recorded nights.
    severity_band : str | None
        Its band (``SEVERITY_BANDS``).
    onset_median : datetime.time | None
        Median time symptoms began, over the nights with symptoms and an onset.
    onset_nights : int
        Nights with an onset time.
    onset_score : int | None
        The week's usual time-of-onset score (the higher median of the nightly
        :func:`onset_score`), 0-3.
    onset_score_counts : tuple of int
        How many nights scored 0, 1, 2 and 3.
    sleep_quality_mean, sleep_latency_mean_min, awakenings_mean, sleepiness_mean : float | None
        Means over the nights that give them.
    """

    week_start: dt.date
    entries: int
    severity_mean: float | None
    severity_band: str | None
    onset_median: dt.time | None
    onset_nights: int
    onset_score: int | None
    onset_score_counts: tuple[int, int, int, int]
    sleep_quality_mean: float | None
    sleep_latency_mean_min: float | None
    awakenings_mean: float | None
    sleepiness_mean: float | None


def _mean(values: Sequence[float]) -> float | None:
    return float(statistics.fmean(values)) if values else None


def summarize_week(monday: dt.date, entries: Sequence[DiaryEntry]) -> WeekSummary:
    """Summarise the entries of the week starting ``monday`` (see :class:`WeekSummary`)."""
    severities = [float(e.severity) for e in entries]
    severity_mean = _mean(severities)
    onsets = [diary_minutes(e.onset) for e in entries if e.has_symptoms and e.onset is not None]
    scores = [onset_score(e) for e in entries]
    counts = (scores.count(0), scores.count(1), scores.count(2), scores.count(3))
    return WeekSummary(
        week_start=monday,
        entries=len(entries),
        severity_mean=severity_mean,
        severity_band=severity_band(severity_mean) if severity_mean is not None else None,
        onset_median=time_from_diary_minutes(statistics.median(onsets)) if onsets else None,
        onset_nights=len(onsets),
        onset_score=statistics.median_high(scores) if scores else None,
        onset_score_counts=counts,
        sleep_quality_mean=_mean([e.sleep_quality for e in entries if e.sleep_quality is not None]),
        sleep_latency_mean_min=_mean(
            [e.sleep_latency_min for e in entries if e.sleep_latency_min is not None]
        ),
        awakenings_mean=_mean([e.awakenings for e in entries if e.awakenings is not None]),
        sleepiness_mean=_mean(
            [e.daytime_sleepiness for e in entries if e.daytime_sleepiness is not None]
        ),
    )


def weekly_trends(
    diary: Diary, start: dt.date | None = None, end: dt.date | None = None
) -> list[WeekSummary]:
    """Every week from ``start`` to ``end``, weeks without entries included.

    Parameters
    ----------
    diary : Diary
    start, end : datetime.date | None
        The range (default: the diary's first and last nights).

    Returns
    -------
    weeks : list of WeekSummary
        Earliest first; empty for an empty diary without a range.
    """
    first = start if start is not None else diary.first_day
    last = end if end is not None else diary.last_day
    if first is None or last is None or last < first:
        return []
    weeks: list[WeekSummary] = []
    monday = week_start(first)
    while monday <= last:
        sunday = monday + 6 * _DAY
        entries = diary.between(max(monday, first), min(sunday, last))
        weeks.append(summarize_week(monday, entries))
        monday += 7 * _DAY
    return weeks


# --- effectiveness of treatment changes -------------------------------------------------------

Outcome = Literal["severity", "sleep_quality", "sleep_latency_min", "awakenings"]
#: Which direction is better for each outcome the effectiveness analysis can compare.
OUTCOMES: dict[str, Literal["lower", "higher"]] = {
    "severity": "lower",
    "sleep_quality": "higher",
    "sleep_latency_min": "lower",
    "awakenings": "lower",
}


@dataclass(frozen=True)
class OutcomeChange:
    """The change of one outcome across a treatment change.

    Attributes
    ----------
    outcome : str
        ``severity``, ``sleep_quality``, ``sleep_latency_min`` or ``awakenings``.
    better_when : {"lower", "higher"}
    before_days, after_days : int
        Nights with the outcome recorded in each window.
    estimate : Estimate | None
        ``mean(after) - mean(before)`` with its ``CONFIDENCE_LEVEL`` interval, which
        allows for the correlation of consecutive nights (``estimate.autocorrelation``);
        ``None`` with fewer than ``MIN_DAYS_PER_SIDE`` nights on a side.
    status : {"not_enough_days", "better", "worse", "no_clear_change"}
        ``better``/``worse`` only when the interval excludes zero.
    """

    outcome: str
    better_when: Literal["lower", "higher"]
    before_days: int
    after_days: int
    estimate: Estimate | None
    status: Literal["not_enough_days", "better", "worse", "no_clear_change"]

    @property
    def relative_change(self) -> float | None:
        """``mean(after) / mean(before) - 1`` (``None`` without an estimate or a zero mean)."""
        if self.estimate is None or self.estimate.mean_b == 0:
            return None
        return self.estimate.mean_a / self.estimate.mean_b - 1.0


@dataclass(frozen=True)
class ChangeEffect:
    """Before and after one day of treatment changes.

    Attributes
    ----------
    day : datetime.date
        The first day of the new regime.
    events : tuple of TreatmentEvent
        What changed that day (a switch is a stop and a start).
    before, after : tuple of (datetime.date, datetime.date) | None
        The compared windows (first and last day, both included); ``None`` when a
        window is empty (e.g. the next change came too soon).
    outcomes : tuple of OutcomeChange
    """

    day: dt.date
    events: tuple[TreatmentEvent, ...]
    before: tuple[dt.date, dt.date] | None
    after: tuple[dt.date, dt.date] | None
    outcomes: tuple[OutcomeChange, ...]

    def outcome(self, name: str) -> OutcomeChange:
        """The change of outcome ``name``."""
        for item in self.outcomes:
            if item.outcome == name:
                return item
        raise KeyError(name)


def _nights(entries: Iterable[DiaryEntry], outcome: str) -> tuple[list[float], list[int]]:
    """The recorded values of ``outcome`` and their nights as day numbers, by night."""
    pairs = sorted(
        (e.day.toordinal(), float(getattr(e, outcome)))
        for e in entries
        if getattr(e, outcome) is not None
    )
    return [v for _, v in pairs], [d for d, _ in pairs]


def regime_autocorrelation(regimes: Sequence[Sequence[DiaryEntry]], outcome: str) -> float:
    """The lag-1 autocorrelation of ``outcome`` within treatment regimes.

    Each regime's values are taken around their own mean (a treatment that works
    changes the level; it is not a correlation), and only consecutive nights of one
    regime are paired; see :func:`quietlegs.diary._stats.lag1_autocorrelation` for the
    bias correction, the clipping and the cautious value for too few nights.

    Parameters
    ----------
    regimes : sequence of sequence of DiaryEntry
        The nights of each stretch on an unchanged treatment; regimes with fewer than
        two recorded values are left out.
    outcome : str
        A key of ``OUTCOMES``.

    Returns
    -------
    rho : float
    """
    residuals: list[float] = []
    days: list[int] = []
    labels: list[int] = []
    for label, regime in enumerate(regimes):
        values, nights = _nights(regime, outcome)
        if len(values) < 2:
            continue
        mean = statistics.fmean(values)
        residuals += [v - mean for v in values]
        days += nights
        labels += [label] * len(values)
    order = sorted(range(len(days)), key=days.__getitem__)
    return lag1_autocorrelation(
        [residuals[i] for i in order], [days[i] for i in order], [labels[i] for i in order]
    )


def compare_outcome(
    before: Sequence[DiaryEntry],
    after: Sequence[DiaryEntry],
    outcome: str,
    *,
    autocorrelation: float | None = None,
) -> OutcomeChange:
    """Compare one outcome between two sets of nights (see :class:`OutcomeChange`).

    Parameters
    ----------
    before, after : sequence of DiaryEntry
    outcome : str
        A key of ``OUTCOMES``.
    autocorrelation : float | None
        The lag-1 autocorrelation of the nights, in [0, 1) (e.g. from
        :func:`regime_autocorrelation` over the regimes around the change); ``None``:
        estimated from ``before`` and ``after`` themselves, each around its own mean.

    Raises
    ------
    ValueError
        For an unknown outcome or an autocorrelation outside [0, 1).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}")
    better = OUTCOMES[outcome]
    a, days_a = _nights(after, outcome)
    b, days_b = _nights(before, outcome)
    if len(a) < MIN_DAYS_PER_SIDE or len(b) < MIN_DAYS_PER_SIDE:
        return OutcomeChange(outcome, better, len(b), len(a), None, "not_enough_days")
    rho = (
        regime_autocorrelation([before, after], outcome)
        if autocorrelation is None
        else autocorrelation
    )
    estimate = serial_mean_difference(a, days_a, b, days_b, CONFIDENCE_LEVEL, rho)
    status: Literal["not_enough_days", "better", "worse", "no_clear_change"]
    if not estimate.excludes_zero:
        status = "no_clear_change"
    elif (estimate.difference < 0) == (better == "lower"):
        status = "better"
    else:
        status = "worse"
    return OutcomeChange(outcome, better, len(b), len(a), estimate, status)


def effectiveness(
    diary: Diary,
    periods: Iterable[TreatmentPeriod],
    outcomes: Sequence[str] = ("severity", "sleep_quality"),
) -> list[ChangeEffect]:
    """Before/after comparisons for every day the treatment changed.

    For a change on day ``d`` the "before" window is the ``EFFECT_WINDOW_DAYS`` nights
    before ``d`` and the "after" window the ``EFFECT_WINDOW_DAYS`` nights from
    ``d + EFFECT_SETTLE_DAYS``; neither reaches past a neighbouring change (nor into
    the settling days after the previous one). Each outcome's change is the difference
    of the means with a ``CONFIDENCE_LEVEL`` interval that allows for the correlation
    of consecutive nights, or "not enough days" with fewer than ``MIN_DAYS_PER_SIDE``
    nights on a side. The correlation is estimated from every night of the two
    treatment regimes around the change (from the previous change's settling days to
    the next change), each around its own mean (:func:`regime_autocorrelation`).

    Parameters
    ----------
    diary : Diary
    periods : iterable of TreatmentPeriod
    outcomes : sequence of str
        Keys of ``OUTCOMES``.

    Returns
    -------
    effects : list of ChangeEffect
        One per day with changes, earliest first.
    """
    for name in outcomes:
        if name not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}; got {name!r}")
    by_day: dict[dt.date, list[TreatmentEvent]] = {}
    for event in treatment_events(periods):
        by_day.setdefault(event.day, []).append(event)
    days = sorted(by_day)
    settle = EFFECT_SETTLE_DAYS * _DAY
    out: list[ChangeEffect] = []
    for i, day in enumerate(days):
        b_start = day - EFFECT_WINDOW_DAYS * _DAY
        if i > 0:
            b_start = max(b_start, days[i - 1] + EFFECT_SETTLE_DAYS * _DAY)
        b_end = day - _DAY
        a_start = day + EFFECT_SETTLE_DAYS * _DAY
        a_end = a_start + (EFFECT_WINDOW_DAYS - 1) * _DAY
        if i + 1 < len(days):
            a_end = min(a_end, days[i + 1] - _DAY)
        before = diary.between(b_start, b_end) if b_start <= b_end else []
        after = diary.between(a_start, a_end) if a_start <= a_end else []
        regimes = [
            [e for e in diary if (i == 0 or e.day >= days[i - 1] + settle) and e.day < day],
            [
                e
                for e in diary
                if e.day >= day + settle and (i + 1 == len(days) or e.day < days[i + 1])
            ],
        ]
        out.append(
            ChangeEffect(
                day=day,
                events=tuple(by_day[day]),
                before=(b_start, b_end) if b_start <= b_end else None,
                after=(a_start, a_end) if a_start <= a_end else None,
                outcomes=tuple(
                    compare_outcome(
                        before,
                        after,
                        name,
                        autocorrelation=regime_autocorrelation(regimes, name),
                    )
                    for name in outcomes
                ),
            )
        )
    return out


# --- augmentation (MPI 2007) -------------------------------------------------------------------

AugmentationStatus = Literal[
    "warning", "no_warning", "not_enough_days", "no_baseline", "not_on_dopaminergic"
]


@dataclass(frozen=True)
class AugmentationDay:
    """One night of the week the augmentation check looks at.

    Attributes
    ----------
    day : datetime.date
    recorded : bool
        Whether the night has an entry.
    on_dopaminergic : bool
        Whether a dopaminergic treatment was taken that day.
    onset : datetime.time | None
        When symptoms began.
    hours_earlier : float | None
        How much earlier than the baseline onset (negative: later).
    shorter_latency : bool
        Shorter latency to symptoms at rest than the baseline median.
    spread : tuple of str
        Body parts affected that were not affected at baseline (e.g. ``arms``).
    more_intense : bool
        Severity above the baseline median.
    criterion : {"onset_4h", "onset_2_4h_with_feature"} | None
        The MPI criterion met, if any.
    """

    day: dt.date
    recorded: bool
    on_dopaminergic: bool
    onset: dt.time | None
    hours_earlier: float | None
    shorter_latency: bool
    spread: tuple[str, ...]
    more_intense: bool
    criterion: Literal["onset_4h", "onset_2_4h_with_feature"] | None

    @property
    def meets(self) -> bool:
        """Whether this night meets an MPI earlier-onset criterion."""
        return self.criterion is not None


@dataclass(frozen=True)
class AugmentationCheck:
    """The MPI augmentation check on the week ending ``as_of``.

    Attributes
    ----------
    status : str
        ``warning`` (the criteria are met on at least ``AUGMENTATION_DAYS_REQUIRED``
        of the last ``AUGMENTATION_WEEK_DAYS`` nights), ``no_warning``,
        ``not_enough_days`` (fewer recorded nights on treatment than needed to tell),
        ``no_baseline`` (too few nights with symptoms recorded before the treatment
        began) or ``not_on_dopaminergic``.
    as_of : datetime.date
        The last night of the week checked.
    treatment_ids : tuple of str
        The dopaminergic treatments taken on ``as_of``.
    treatment_start : datetime.date | None
        The first day of the current, continuous dopaminergic treatment.
    baseline : tuple of (datetime.date, datetime.date) | None
        The window the pre-treatment baseline was read from.
    baseline_nights : int
        Nights with symptoms and an onset in it.
    baseline_onset : datetime.time | None
        Median onset before treatment.
    baseline_latency_min : float | None
        Median latency to symptoms at rest before treatment.
    baseline_severity : float | None
        Median severity of the symptomatic nights before treatment.
    baseline_body_parts : frozenset of str
        Body parts affected before treatment.
    days : tuple of AugmentationDay
        The nights of the week, earliest first (the evidence).
    days_meeting : int
        How many of them meet a criterion.
    """

    status: AugmentationStatus
    as_of: dt.date
    treatment_ids: tuple[str, ...] = ()
    treatment_start: dt.date | None = None
    baseline: tuple[dt.date, dt.date] | None = None
    baseline_nights: int = 0
    baseline_onset: dt.time | None = None
    baseline_latency_min: float | None = None
    baseline_severity: float | None = None
    baseline_body_parts: frozenset[str] = frozenset()
    days: tuple[AugmentationDay, ...] = ()
    days_meeting: int = 0

    @property
    def warning(self) -> bool:
        """Whether the pattern suggests augmentation (a clinician must assess it)."""
        return self.status == "warning"

    @property
    def evidence(self) -> tuple[AugmentationDay, ...]:
        """The nights that meet a criterion."""
        return tuple(d for d in self.days if d.meets)


def _exposure_start(dopaminergic: Sequence[TreatmentPeriod], day: dt.date) -> dt.date | None:
    """The first day of the unbroken dopaminergic treatment that includes ``day``."""
    active = [p for p in dopaminergic if p.active_on(day)]
    if not active:
        return None
    start = min(p.start for p in active)
    while True:
        before = [p for p in dopaminergic if p.active_on(start - _DAY)]
        if not before:
            return start
        start = min(p.start for p in before)


def augmentation_check(
    diary: Diary, periods: Iterable[TreatmentPeriod], as_of: dt.date | None = None
) -> AugmentationCheck:
    """Check the last week of the diary for dopaminergic augmentation (MPI 2007).

    Only on dopaminergic treatment (``TreatmentPeriod.dopaminergic``). The baseline
    is read from the ``AUGMENTATION_BASELINE_DAYS`` nights before the treatment
    began: the median onset, median latency at rest and median severity of the
    nights with symptoms, and the body parts affected. A night on treatment meets the
    criteria when symptoms began at least ``AUGMENTATION_ONSET_EARLIER_MIN`` earlier
    than the baseline onset (MPI C(a)), or ``AUGMENTATION_ONSET_EARLIER_WITH_FEATURE_MIN``
    to 4 h earlier together with a shorter latency at rest, spread to a body part not
    affected before, or greater intensity (MPI C(b)). The warning needs
    ``AUGMENTATION_DAYS_REQUIRED`` of the last ``AUGMENTATION_WEEK_DAYS`` nights (MPI
    A(1)). The diary cannot judge MPI A(2) (not explained by other factors), A(3) (a
    prior response) or B (paradoxical response to dose changes): the clinician does.

    Parameters
    ----------
    diary : Diary
    periods : iterable of TreatmentPeriod
    as_of : datetime.date | None
        The last night of the week to check (default: the diary's last night; required
        for an empty diary, since the core knows no time zone and so no "today": the
        caller gives today in the patient's zone).

    Returns
    -------
    check : AugmentationCheck

    Raises
    ------
    ValueError
        If the diary is empty and ``as_of`` is not given.
    """
    periods = list(periods)
    if as_of is None:
        if diary.last_day is None:
            raise ValueError(
                "as_of must be given for an empty diary (the last night of the week to "
                "check, e.g. today in the patient's time zone); got None"
            )
        as_of = diary.last_day
    dopaminergic = [p for p in periods if p.dopaminergic]
    active = sorted({p.treatment_id for p in dopaminergic if p.active_on(as_of)})
    start = _exposure_start(dopaminergic, as_of)
    if start is None:
        return AugmentationCheck("not_on_dopaminergic", as_of)
    window = (start - AUGMENTATION_BASELINE_DAYS * _DAY, start - _DAY)
    baseline = [e for e in diary.between(*window) if e.has_symptoms]
    timed = [e for e in baseline if e.onset is not None]
    if len(timed) < AUGMENTATION_MIN_BASELINE_DAYS:
        return AugmentationCheck(
            "no_baseline",
            as_of,
            treatment_ids=tuple(active),
            treatment_start=start,
            baseline=window,
            baseline_nights=len(timed),
        )
    base_onset = float(statistics.median(diary_minutes(e.onset) for e in timed if e.onset))
    latencies = [e.rest_latency_min for e in baseline if e.rest_latency_min is not None]
    base_latency = float(statistics.median(latencies)) if latencies else None
    base_severity = float(statistics.median(e.severity for e in baseline))
    base_parts = frozenset().union(*(e.body_parts for e in baseline))
    days: list[AugmentationDay] = []
    first = as_of - (AUGMENTATION_WEEK_DAYS - 1) * _DAY
    for i in range(AUGMENTATION_WEEK_DAYS):
        day = first + i * _DAY
        entry = diary.get(day)
        on_treatment = any(p.active_on(day) for p in dopaminergic)
        days.append(
            _augmentation_day(
                day, entry, on_treatment, base_onset, base_latency, base_severity, base_parts
            )
        )
    meeting = sum(d.meets for d in days)
    recorded = sum(d.recorded and d.on_dopaminergic for d in days)
    status: AugmentationStatus
    if meeting >= AUGMENTATION_DAYS_REQUIRED:
        status = "warning"
    elif recorded < AUGMENTATION_DAYS_REQUIRED:
        status = "not_enough_days"
    else:
        status = "no_warning"
    return AugmentationCheck(
        status,
        as_of,
        treatment_ids=tuple(active),
        treatment_start=start,
        baseline=window,
        baseline_nights=len(timed),
        baseline_onset=time_from_diary_minutes(base_onset),
        baseline_latency_min=base_latency,
        baseline_severity=base_severity,
        baseline_body_parts=base_parts,
        days=tuple(days),
        days_meeting=meeting,
    )


def _augmentation_day(
    day: dt.date,
    entry: DiaryEntry | None,
    on_treatment: bool,
    base_onset: float,
    base_latency: float | None,
    base_severity: float,
    base_parts: frozenset[str],
) -> AugmentationDay:
    if entry is None or not on_treatment or not entry.has_symptoms:
        return AugmentationDay(
            day,
            entry is not None,
            on_treatment,
            entry.onset if entry else None,
            None,
            False,
            (),
            False,
            None,
        )
    earlier_min = None if entry.onset is None else base_onset - diary_minutes(entry.onset)
    shorter = (
        entry.rest_latency_min is not None
        and base_latency is not None
        and entry.rest_latency_min < base_latency
    )
    spread = tuple(sorted(entry.body_parts - base_parts))
    intense = entry.severity > base_severity
    criterion: Literal["onset_4h", "onset_2_4h_with_feature"] | None = None
    if earlier_min is not None:
        if earlier_min >= AUGMENTATION_ONSET_EARLIER_MIN:
            criterion = "onset_4h"
        elif earlier_min >= AUGMENTATION_ONSET_EARLIER_WITH_FEATURE_MIN and (
            shorter or spread or intense
        ):
            criterion = "onset_2_4h_with_feature"
    return AugmentationDay(
        day=day,
        recorded=True,
        on_dopaminergic=True,
        onset=entry.onset,
        hours_earlier=None if earlier_min is None else earlier_min / 60.0,
        shorter_latency=shorter,
        spread=spread,
        more_intense=intense,
        criterion=criterion,
    )


# --- personal triggers ---------------------------------------------------------------------

#: The possible triggers the diary records, each as a test of an entry.
TRIGGERS: dict[str, Callable[[DiaryEntry], bool]] = {
    "caffeine": lambda e: e.caffeine_drinks > 0,
    "alcohol": lambda e: e.alcohol_units > 0,
    "nicotine": lambda e: e.nicotine,
    "exercise": lambda e: e.exercise_min > 0,
    "vigorous_exercise": lambda e: e.exercise_intensity == "vigorous",
    "long_sitting": lambda e: e.long_sitting,
    "sweets_before_bed": lambda e: e.sweets_before_bed,
    "stress": lambda e: e.stress,
}

TriggerStatus = Literal[
    "not_enough_days", "no_clear_difference", "hint", "higher_with", "lower_with"
]


@dataclass(frozen=True)
class TriggerEffect:
    """Severity on days with a trigger compared with days without it.

    Attributes
    ----------
    trigger : str
        A key of ``TRIGGERS``.
    days_with, days_without : int
    estimate : Estimate | None
        ``mean(with) - mean(without)`` with its ``CONFIDENCE_LEVEL`` interval, which
        allows for the correlation of consecutive nights (``estimate.autocorrelation``).
    adjusted : Estimate | None
        The same with a Bonferroni-adjusted level for the number of triggers tested
        (the family-wise level is ``CONFIDENCE_LEVEL``).
    status : str
        ``higher_with``/``lower_with`` when the *adjusted* interval excludes zero;
        ``hint`` when only the unadjusted one does (may well be chance);
        ``no_clear_difference``; ``not_enough_days`` with fewer than
        ``MIN_TRIGGER_DAYS_PER_SIDE`` nights on a side (no estimate is given).
    """

    trigger: str
    days_with: int
    days_without: int
    estimate: Estimate | None
    adjusted: Estimate | None
    status: TriggerStatus

    @property
    def found(self) -> bool:
        """Whether the difference holds after the adjustment for multiple comparisons."""
        return self.status in ("higher_with", "lower_with")


@dataclass(frozen=True)
class TriggerReport:
    """Every trigger's effect, and how many were tested.

    Attributes
    ----------
    effects : tuple of TriggerEffect
        In ``TRIGGERS`` order.
    tested : int
        Triggers with enough nights on both sides (the multiple-comparison count).
    adjusted_level : float
        The per-trigger level of the adjusted intervals.
    outcome : str
        What was compared (``severity``).
    """

    effects: tuple[TriggerEffect, ...]
    tested: int
    adjusted_level: float
    outcome: str

    def effect(self, trigger: str) -> TriggerEffect:
        """The effect of ``trigger``."""
        for item in self.effects:
            if item.trigger == trigger:
                return item
        raise KeyError(trigger)


def trigger_effects(
    diary: Diary | Sequence[DiaryEntry], outcome: str = "severity"
) -> TriggerReport:
    """Compare ``outcome`` on nights with and without each possible trigger.

    An observational comparison within one person: a difference may come from
    something else that goes with the trigger (a treatment change, a bad week).
    Triggers with fewer than ``MIN_TRIGGER_DAYS_PER_SIDE`` nights on either side get
    no estimate. The intervals allow for the correlation of consecutive nights (a
    trigger that comes in runs, such as a stressful week, meets runs of bad or good
    nights): the lag-1 autocorrelation of the nights around the with and without
    means is estimated for each trigger (``lag1_autocorrelation``) and the interval
    is :func:`quietlegs.diary._stats.serial_mean_difference`. Because several
    triggers are tested at once, a difference is only called a finding when its
    Bonferroni-adjusted interval excludes zero.

    Parameters
    ----------
    diary : Diary or sequence of DiaryEntry
        The nights to use (e.g. only those on an unchanged treatment).
    outcome : str
        A key of ``OUTCOMES`` (default ``severity``).

    Returns
    -------
    report : TriggerReport
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}")
    entries = sorted((e for e in diary if getattr(e, outcome) is not None), key=lambda e: e.day)
    values = [float(getattr(e, outcome)) for e in entries]
    days = [e.day.toordinal() for e in entries]
    sides: dict[str, list[bool]] = {
        name: [test(e) for e in entries] for name, test in TRIGGERS.items()
    }
    testable = [
        n
        for n, on in sides.items()
        if MIN_TRIGGER_DAYS_PER_SIDE <= sum(on) <= len(on) - MIN_TRIGGER_DAYS_PER_SIDE
    ]
    k = max(len(testable), 1)
    adjusted_level = 1.0 - (1.0 - CONFIDENCE_LEVEL) / k
    effects: list[TriggerEffect] = []
    for name, on in sides.items():
        w = [v for v, x in zip(values, on, strict=True) if x]
        wo = [v for v, x in zip(values, on, strict=True) if not x]
        if name not in testable:
            effects.append(TriggerEffect(name, len(w), len(wo), None, None, "not_enough_days"))
            continue
        days_w = [d for d, x in zip(days, on, strict=True) if x]
        days_wo = [d for d, x in zip(days, on, strict=True) if not x]
        mean_w, mean_wo = statistics.fmean(w), statistics.fmean(wo)
        residuals = [v - (mean_w if x else mean_wo) for v, x in zip(values, on, strict=True)]
        rho = lag1_autocorrelation(residuals, days, means=2)
        plain = serial_mean_difference(w, days_w, wo, days_wo, CONFIDENCE_LEVEL, rho)
        adjusted = serial_mean_difference(w, days_w, wo, days_wo, adjusted_level, rho)
        status: TriggerStatus
        if adjusted.excludes_zero:
            status = "higher_with" if adjusted.difference > 0 else "lower_with"
        elif plain.excludes_zero:
            status = "hint"
        else:
            status = "no_clear_difference"
        effects.append(TriggerEffect(name, len(w), len(wo), plain, adjusted, status))
    return TriggerReport(tuple(effects), len(testable), adjusted_level, outcome)


# --- adherence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekAdherence:
    """Entries in one week.

    Attributes
    ----------
    week_start : datetime.date
        The Monday.
    days : int
        Days of this week inside the range (7 except at the ends).
    entries : int
        Nights recorded.
    """

    week_start: dt.date
    days: int
    entries: int


@dataclass(frozen=True)
class Adherence:
    """How regularly the diary was kept from ``start`` to ``end``.

    Attributes
    ----------
    start, end : datetime.date | None
        The range (``None`` for an empty diary without a range).
    days : int
        Days in the range.
    entries : int
        Nights recorded in it.
    missed : tuple of datetime.date
        Nights without an entry.
    weeks : tuple of WeekAdherence
    """

    start: dt.date | None
    end: dt.date | None
    days: int
    entries: int
    missed: tuple[dt.date, ...]
    weeks: tuple[WeekAdherence, ...]

    @property
    def fraction(self) -> float | None:
        """Share of the days with an entry (``None`` for an empty range)."""
        return self.entries / self.days if self.days else None


def adherence(diary: Diary, start: dt.date | None = None, end: dt.date | None = None) -> Adherence:
    """Entries per week and missed nights.

    Parameters
    ----------
    diary : Diary
    start, end : datetime.date | None
        The range (default: the diary's first and last nights).

    Returns
    -------
    adherence : Adherence
    """
    first = start if start is not None else diary.first_day
    last = end if end is not None else diary.last_day
    if first is None or last is None or last < first:
        return Adherence(first, last, 0, 0, (), ())
    missed = diary.missed_days(first, last)
    weeks: list[WeekAdherence] = []
    monday = week_start(first)
    while monday <= last:
        lo, hi = max(monday, first), min(monday + 6 * _DAY, last)
        weeks.append(WeekAdherence(monday, (hi - lo).days + 1, len(diary.between(lo, hi))))
        monday += 7 * _DAY
    days = (last - first).days + 1
    return Adherence(first, last, days, days - len(missed), tuple(missed), tuple(weeks))


# --- everything at once ---------------------------------------------------------------------


@dataclass(frozen=True)
class DiaryAnalysis:
    """Every analysis of a diary, as shown on the diary and summary pages.

    Attributes
    ----------
    weeks : list of WeekSummary
    changes : list of ChangeEffect
    augmentation : AugmentationCheck
    triggers : TriggerReport
    adherence : Adherence
    """

    weeks: list[WeekSummary]
    changes: list[ChangeEffect]
    augmentation: AugmentationCheck
    triggers: TriggerReport
    adherence: Adherence


def analyse(
    diary: Diary,
    periods: Iterable[TreatmentPeriod] = (),
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> DiaryAnalysis:
    """Run every analysis on ``diary`` and the treatment ``periods``.

    Parameters
    ----------
    diary : Diary
    periods : iterable of TreatmentPeriod
    start, end : datetime.date | None
        The range for trends and adherence (default: the diary's first and last
        nights; ``end`` is required for an empty diary); the augmentation check looks
        at the week ending ``end``.

    Returns
    -------
    analysis : DiaryAnalysis

    Raises
    ------
    ValueError
        If the diary is empty and ``end`` is not given.
    """
    periods = list(periods)
    if end is None and diary.last_day is None:
        raise ValueError(
            "end must be given for an empty diary (e.g. today in the patient's time zone); got None"
        )
    return DiaryAnalysis(
        weeks=weekly_trends(diary, start, end),
        changes=effectiveness(diary, periods),
        augmentation=augmentation_check(diary, periods, end),
        triggers=trigger_effects(diary),
        adherence=adherence(diary, start, end),
    )
