"""Monitoring: the symptom and sleep diary, the treatment timeline and their analysis.

No web framework and no I/O beyond text: the web app and the CLI store and show
what these functions return.

- :class:`DiaryEntry` (one night) and :class:`Diary` (one entry per night);
- :class:`TreatmentPeriod` (a knowledge-base treatment group with start, change and
  stop dates; no doses), :func:`treatment_period`, :class:`LabValue`;
- analysis: :func:`weekly_trends`, :func:`onset_score`, :func:`effectiveness`,
  :func:`augmentation_check`, :func:`trigger_effects`, :func:`adherence`,
  :func:`analyse` (all of them);
- errors: :class:`DiaryError`, whose ``details`` are :class:`Problem` data with a
  stable code (:data:`PROBLEM_CODES`) for shells that word them in other languages;
- :func:`read_csv` / :func:`to_csv_text`, and FHIR Observations in
  :mod:`quietlegs.diary.fhir`; SVG charts in :mod:`quietlegs.diary.charts`.

See ``docs/monitoring.md``.
"""

from __future__ import annotations

from quietlegs._errors import DiaryError, Problem
from quietlegs.diary.analysis import (
    Adherence,
    AugmentationCheck,
    AugmentationDay,
    ChangeEffect,
    DiaryAnalysis,
    OutcomeChange,
    TriggerEffect,
    TriggerReport,
    WeekSummary,
    adherence,
    analyse,
    augmentation_check,
    effectiveness,
    onset_score,
    severity_band,
    trigger_effects,
    weekly_trends,
)
from quietlegs.diary.csvio import COLUMNS, read_csv, read_csv_rows, to_csv_text, write_csv
from quietlegs.diary.entry import (
    BODY_PARTS,
    EXERCISE_INTENSITIES,
    Diary,
    DiaryEntry,
    MedicationTaken,
)
from quietlegs.diary.problems import EXPECTED_KINDS, PROBLEM_CODES
from quietlegs.diary.treatments import (
    LabValue,
    TreatmentEvent,
    TreatmentPeriod,
    lab_series,
    timeline_treatments,
    treatment_events,
    treatment_period,
)

__all__ = [
    "BODY_PARTS",
    "COLUMNS",
    "EXERCISE_INTENSITIES",
    "EXPECTED_KINDS",
    "PROBLEM_CODES",
    "Adherence",
    "AugmentationCheck",
    "AugmentationDay",
    "ChangeEffect",
    "Diary",
    "DiaryAnalysis",
    "DiaryEntry",
    "DiaryError",
    "LabValue",
    "MedicationTaken",
    "OutcomeChange",
    "Problem",
    "TreatmentEvent",
    "TreatmentPeriod",
    "TriggerEffect",
    "TriggerReport",
    "WeekSummary",
    "adherence",
    "analyse",
    "augmentation_check",
    "effectiveness",
    "lab_series",
    "onset_score",
    "read_csv",
    "read_csv_rows",
    "severity_band",
    "timeline_treatments",
    "to_csv_text",
    "treatment_events",
    "treatment_period",
    "trigger_effects",
    "weekly_trends",
    "write_csv",
]
