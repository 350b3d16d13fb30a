"""Why a sleep study's analysis failed, in the reader's language.

The signal core (:mod:`quietlegs.signals.edf`, :mod:`~quietlegs.signals.hypnogram`,
:mod:`~quietlegs.signals.plm`) raises a :class:`~quietlegs.SignalError` whose
``problem`` has a stable ``code`` and the ``params`` of its English message. When an
analysis fails, :func:`quietlegs.web.records.psg.process_study` stores that code and
those params on the study (the background worker has no reader); the study's pages word
them here, through gettext, when they are shown, so each reader sees them in their own
language. Studies that failed before the codes were stored keep showing their stored
English text.

Every code of :data:`quietlegs.signals.edf.PROBLEM_CODES` and
:data:`quietlegs.signals.hypnogram.PROBLEM_CODES` has its wording in :data:`PROBLEMS`
(``tests/web/test_psg_i18n.py`` checks it).

An analysed study's warnings (one leg only, a low sampling rate, no hypnogram...) and its
finding (the PLMS index against the ICSD-3 threshold) are stored the same way, as codes
and params (:attr:`quietlegs.signals.plm.PLMResult.warning_details`,
``finding_code``, ``finding_params``), and worded here by :func:`word_warning` and
:func:`word_finding` (:data:`WARNINGS`, :data:`FINDINGS`); studies analysed before keep
showing their stored English text.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("quietlegs.web.psg")

#: The code stored for a failure that was not a quietlegs error (details in the log).
INTERNAL = "internal"
#: The code of a quietlegs error without a more precise code.
INVALID = "invalid"

#: A leg, as a reader is told which one (``side`` param).
LEGS: dict[str, Any] = {"left": _("left leg"), "right": _("right leg")}

#: Each code's wording, with ``%(name)s`` placeholders for the problem's params.
PROBLEMS: dict[str, Any] = {
    # the EDF reader
    "unreadable": _("the file could not be read."),
    "not_edf": _("not an EDF file: its header does not start like an EDF header."),
    "bdf": _("a BDF (24-bit BioSemi) file; only EDF and EDF+ recordings can be analysed."),
    "corrupt_header": _(
        "the EDF header is corrupt (a field holds a value that makes no sense); export the "
        "recording again from the recording system."
    ),
    "truncated": _(
        "the file is truncated (shorter than its header declares); copy it again from the "
        "recording system."
    ),
    "no_records": _("the recording holds no data records."),
    "edf_plus_d": _(
        "an EDF+D (discontinuous) recording: its data records have gaps, and only continuous "
        "recordings are analysed. Convert it to EDF+C first (e.g. EDFbrowser, Tools > "
        "Convert EDF+D to EDF+C)."
    ),
    "gaps": _(
        "labelled continuous (EDF+C), but data record %(record)s does not follow the one "
        "before: the recording has gaps. Convert it to a continuous EDF+C first (e.g. "
        "EDFbrowser, Tools > Convert EDF+D to EDF+C)."
    ),
    "header_size": _(
        "the EDF header says it is %(size)s bytes long, but its %(signals)s signals need "
        "%(expected)s bytes: the program that wrote or converted the file wrote a wrong "
        "header. Export the recording again from the recording system."
    ),
    "bad_signal_count": _(
        "the EDF header's number of signals is “%(value)s”, not a whole number of at least 1; "
        "export the recording again from the recording system."
    ),
    "bad_record_count": _(
        "the EDF header's number of data records is “%(value)s”, not a whole number (or −1 "
        "for unknown); export the recording again from the recording system."
    ),
    "bad_record_duration": _(
        "the EDF header's duration of a data record is “%(value)s”, not a positive number of "
        "seconds; export the recording again from the recording system."
    ),
    "bad_channel_field": _(
        "in the EDF header, the %(field)s of channel %(channel)s is “%(value)s”, not a "
        "valid number; export the recording again, or leave that channel out of the export."
    ),
    "non_ascii_header": _(
        "the EDF header holds non-Latin characters (e.g. a patient name in Cyrillic), which "
        "EDF does not allow, and its fields no longer line up. Export the recording again "
        "with an anonymised patient name, or one in Latin letters."
    ),
    "no_leg_channel": _(
        "no leg EMG channel was found (labels such as LAT/RAT, Leg L/Leg R, LLEG/RLEG, "
        "EMG Tib.L/EMG Tib.R were looked for); the channels are: %(channels)s. Label the leg "
        "channels so in the recording and upload it again."
    ),
    "no_such_channel": _(
        "no channel is labelled %(channel)s (given for the %(leg)s); the channels are: "
        "%(channels)s."
    ),
    "same_channel": _("the same channel, %(channel)s, was given for both legs."),
    "sampling_rate_too_low": _(
        "leg-movement scoring needs at least %(min)s Hz; %(channel)s (%(leg)s) is sampled "
        "at %(rate)s Hz."
    ),
    "rates_differ": _(
        "the legs are sampled at different rates (%(left)s: %(left_rate)s Hz, %(right)s: "
        "%(right_rate)s Hz); EMG is not resampled, so the legs cannot be scored together."
    ),
    "bad_scaling": _(
        "channel %(channel)s cannot be scaled to a voltage: its physical or digital range in "
        "the header is zero or not finite."
    ),
    # the leg-movement scoring
    "no_leg_signal": _("the recording has no leg EMG channel."),
    "not_finite": _("the leg EMG has no finite sample (all missing or infinite)."),
    # the hypnogram (EDF+ stage annotations or a hypnogram file)
    "file_too_large": _(
        "the hypnogram file is %(size)s bytes; at most %(max)s bytes are read (is it the "
        "recording itself?)."
    ),
    "not_text": _("the hypnogram is not a text file."),
    "empty": _("the hypnogram file is empty."),
    "no_stages": _("the hypnogram holds no sleep stages."),
    "hypnogram_header": _(
        "line %(line)s: a hypnogram CSV needs the header onset,stage or "
        "onset,duration,stage (onset and duration in seconds); found: %(columns)s."
    ),
    "field_count": _(
        "line %(line)s of the hypnogram: %(fields)s fields, but the header has %(columns)s."
    ),
    "not_seconds": _(
        "line %(line)s of the hypnogram: %(column)s “%(value)s” is not a number of "
        "seconds of 0 or more."
    ),
    "not_a_stage": _(
        "line %(line)s of the hypnogram: “%(value)s” is not a sleep stage (W, N1, N2, N3, R "
        "or a code 0–5)."
    ),
    "hypnogram_too_long": _(
        "the sleep stages run past the end of the recording (%(seconds)s s): is it the "
        "hypnogram of this recording?"
    ),
    "too_many_epochs": _(
        "the sleep stages span %(epochs)s epochs of 30 s; at most %(max)s (14 days) are read."
    ),
    "stage_not_finite": _(
        "the stage annotation “%(stage)s” has an onset or duration that is not a finite "
        "number of seconds."
    ),
    # the web app's own
    INVALID: _("the recording could not be analysed."),
}

#: A header field of a channel, as a reader is told which one (``field`` param).
CHANNEL_FIELDS: dict[str, Any] = {
    "samples_per_record": _("number of samples per data record"),
    "physical_minimum": _("physical minimum"),
    "physical_maximum": _("physical maximum"),
    "digital_minimum": _("digital minimum"),
    "digital_maximum": _("digital maximum"),
}

#: Each warning code's wording (some by a param's value: ``"code.value"``).
WARNINGS: dict[str, Any] = {
    # the EDF reader
    "record_count_unknown": _(
        "The header does not give the number of data records (a recording that was not "
        "closed properly); the %(records)s complete records in the file (%(seconds)s s) "
        "were read."
    ),
    "extra_records": _(
        "The header declares %(declared)s data records (%(declared_s)s s) but the file holds "
        "%(records)s (%(seconds)s s); the declared records were read and the rest ignored."
    ),
    "stray_bytes": _("%(bytes)s bytes after the last data record were ignored."),
    "duplicate_label": _("%(count)s channels are labelled %(channel)s; the first was used."),
    "several_candidates": _(
        "Several channels look like the same leg (%(side)s): %(channels)s; %(channel)s was used."
    ),
    "combined_leg_channel": _(
        "One combined leg channel (%(channel)s) holds both legs: it is scored as one leg "
        "(shown as the left leg), movements cannot be assigned to a side and a movement of "
        "both legs counts once."
    ),
    "one_leg_only": _(
        "Only one leg channel (%(channel)s, %(side)s). The other leg (%(missing)s) was not "
        "recorded or not recognised: its movements are missed and movements of both legs "
        "cannot be combined."
    ),
    "low_sampling_rate": _(
        "%(channels)s sampled at %(rate)s Hz; WASM 2016 and the AASM ask for at least "
        "%(recommended)s Hz, so amplitudes and onsets are less precise."
    ),
    "unknown_unit": _(
        "Channel %(channel)s has the physical dimension %(unit)s, not a known voltage unit "
        "(uV, µV, mV, V); its values were taken as µV."
    ),
    "flat_channel": _(
        "Channel %(channel)s is flat (every sample is %(value)s µV): the electrode may be "
        "disconnected or the channel not recorded; no movement can be detected on it."
    ),
    "saturated_channel": _(
        "Channel %(channel)s is saturated: %(percent)s%% of its samples sit at the limits of "
        "its range (%(low)s to %(high)s µV); movements there may be merged or missed and "
        "amplitudes are clipped."
    ),
    "no_timekeeping": _(
        "The annotation signal has no readable timekeeping; its %(records)s data records "
        "gave no annotations."
    ),
    "no_start_time": _(
        "The start date and time in the header (%(date)s, %(time)s) cannot be read: times "
        "are given from the start of the recording, without clock times."
    ),
    # the hypnogram (EDF+ stage annotations or a hypnogram file)
    "four_may_be_rem": _(
        "The numeric sleep stages reach 4 but never 5 and there is no R: stage 4 was read "
        "as N3 (R&K stage 4). If the file codes REM as 4, convert it to letters (W, N1, N2, "
        "N3, R)."
    ),
    "epoch_not_30s": _(
        "%(count)s sleep stages last %(seconds)s s (or another length that is not a whole "
        "number of 30-s epochs); they were resampled to 30-s epochs, each taking the stage "
        "at its midpoint."
    ),
    "unscored_gaps": _(
        "No sleep stage covers %(epochs)s of the recording's 30-s epochs (%(seconds)s s); "
        "they count as unscored, neither sleep nor wake."
    ),
    "unknown_stage_labels": _(
        "%(count)s annotations look like sleep stages but name none that is known "
        "(%(labels)s); they were skipped."
    ),
    # detection and scoring
    "emg_flat": _("A leg EMG channel is flat (constant): no leg movement can be detected on it."),
    "non_finite_samples": _(
        "A leg EMG channel has %(count)s missing or infinite samples (%(percent)s%% of the "
        "recording, the first at %(first_s)s s); they were treated as a flat signal and no "
        "leg movement is detected within %(margin_s)s s of them."
    ),
    "leg_missing": _(
        "No channel (%(side)s): movements of both legs cannot be recognised as bilateral."
    ),
    "no_hypnogram": _(
        "No hypnogram: the indices are per hour of recording (wake included), not per hour "
        "of sleep; PLMS and PLMW cannot be told apart."
    ),
    "short_time.sleep": _(
        "Only %(hours)s h of sleep (less than %(min_hours)s h): the indices are rates over a "
        "short time and may not represent a whole night."
    ),
    "short_time.recording": _(
        "Only %(hours)s h of recording (less than %(min_hours)s h): the indices are rates "
        "over a short time and may not represent a whole night."
    ),
    "no_sleep": _("The hypnogram has no sleep: no PLMS index."),
}

#: What the index of a finding is (by the ``basis`` param).
FINDING_SUBJECTS: dict[str, Any] = {
    "sleep": _("PLMS index %(index)s/h"),
    "recording": _("PLM index per hour of recording (no hypnogram) %(index)s/h"),
}

#: Each finding code's statement (some by the ``group`` param: ``"code.group"``);
#: ``%(subject)s`` is a :data:`FINDING_SUBJECTS` text.
FINDINGS: dict[str, Any] = {
    "no_plms_index": _("No PLMS index could be computed (no sleep time in the hypnogram)."),
    "above_both_thresholds": _(
        "%(subject)s: above the ICSD-3 threshold of %(adult)s/h for adults (and of "
        "%(child)s/h for children)."
    ),
    "above_child_threshold_only": _(
        "%(subject)s: above the ICSD-3 threshold of %(child)s/h for children, not above the "
        "threshold of %(adult)s/h for adults."
    ),
    "below_both_thresholds": _(
        "%(subject)s: not above the ICSD-3 thresholds (%(adult)s/h for adults, %(child)s/h "
        "for children)."
    ),
    "above_threshold.adults": _(
        "%(subject)s: above the ICSD-3 threshold of %(limit)s/h for adults."
    ),
    "above_threshold.children": _(
        "%(subject)s: above the ICSD-3 threshold of %(limit)s/h for children."
    ),
    "not_above_threshold.adults": _(
        "%(subject)s: not above the ICSD-3 threshold of %(limit)s/h for adults."
    ),
    "not_above_threshold.children": _(
        "%(subject)s: not above the ICSD-3 threshold of %(limit)s/h for children."
    ),
}

#: What every finding with an index adds: a measurement, not a diagnosis.
FINDING_CAVEAT = _(
    "PLMD is a clinical diagnosis that also needs clinical sleep disturbance or impairment "
    "not better explained by another disorder (ICSD-3): this is a measurement (%(rules)s "
    "rules), not a diagnosis."
)
#: What a finding without a hypnogram adds.
FINDING_NO_HYPNOGRAM = _(
    "Without a hypnogram the ICSD-3 threshold, defined per hour of sleep, applies only loosely."
)

#: What a failed study says when the failure was not a quietlegs error (details logged).
GENERIC_FAILURE = _("The analysis failed because of an internal error; it has been logged.")


def _labels(value: Any) -> list[str] | None:
    """The channel labels of a ``channels`` param: a list, or (as the signal core gives
    and old studies store it) text of Python-quoted labels joined by ", " or " and ", or
    bare labels joined by ", "; ``None`` for no channel ("none")."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value).strip()
    if text in ("", "none"):
        return None
    try:
        parsed = ast.literal_eval("[" + re.sub(r"(?<=['\"]) and (?=['\"])", ", ", text) + "]")
    except (ValueError, SyntaxError):
        parsed = None
    if isinstance(parsed, list) and parsed and all(isinstance(p, str) for p in parsed):
        return parsed
    return [part.strip() for part in text.split(",") if part.strip()]


def _quoted_labels(value: Any) -> str:
    """Channel labels, each in the reader's quotation marks, as ``channel`` is."""
    labels = _labels(value)
    if labels is None:
        return gettext("none")
    return ", ".join(gettext("“%(label)s”") % {"label": label} for label in labels)


def _param(key: str, value: Any) -> Any:
    if key in ("side", "missing"):
        return str(LEGS.get(str(value), value))
    if key == "field":
        return str(CHANNEL_FIELDS.get(str(value), value))
    if key == "rules":
        from quietlegs.web.records.models import PSGStudy

        return str(PSGStudy.Rules(value).label) if value in PSGStudy.Rules.values else value
    if key == "index" and isinstance(value, int | float):
        return formats.number_format(round(float(value), 1), decimal_pos=1)  # rounded, not cut off
    if isinstance(value, float):
        return f"{value:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
    if key in ("channel", "unit"):
        return gettext("“%(label)s”") % {"label": value}
    if key == "channels":
        return _quoted_labels(value)
    return value


def _variant(table: Mapping[str, Any], code: str, params: Mapping[str, Any], key: str) -> Any:
    """The wording of ``code``, or of ``code.<params[key]>`` for a code worded by a param."""
    return table.get(code) or table.get(f"{code}.{params.get(key)}")


def _fill(code: str, wording: Any, params: Mapping[str, Any]) -> str | None:
    values = {key: _param(key, value) for key, value in params.items()}
    try:
        return str(wording) % values
    except (KeyError, TypeError, ValueError):
        logger.warning("PSG text %r: params %r do not fit its wording", code, dict(params))
        return None


def word_warning(code: str, params: Mapping[str, Any]) -> str | None:
    """A result's warning in the current language.

    Parameters
    ----------
    code : str
        The stored warning code (:data:`quietlegs.signals.edf.WARNING_CODES`,
        :data:`quietlegs.signals.hypnogram.WARNING_CODES`,
        :data:`quietlegs.signals.plm.WARNING_CODES`).
    params : mapping
        Its params as stored (JSON values).

    Returns
    -------
    str | None
        The warning, or ``None`` for a code without a wording (``"other"``) or params that
        do not fit it (logged): the caller shows the stored English text then.
    """
    wording = _variant(WARNINGS, code, params, "basis")
    return None if wording is None else _fill(code, wording, params)


def word_finding(code: str, params: Mapping[str, Any]) -> str | None:
    """A result's finding (the PLMS index against the ICSD-3 threshold) in the current
    language, stated as a measurement, not a diagnosis.

    Parameters
    ----------
    code : str
        The stored finding code (:data:`quietlegs.signals.plm.FINDING_CODES`).
    params : mapping
        Its params as stored (``index``, ``basis``, ``rules``, the thresholds).

    Returns
    -------
    str | None
        The finding, or ``None`` for an unknown code or params that do not fit it
        (logged): the caller shows the stored English text then.
    """
    wording = _variant(FINDINGS, code, params, "group")
    if wording is None:
        return None
    if code == "no_plms_index":
        return str(wording)
    basis = str(params.get("basis", ""))
    subject_wording = FINDING_SUBJECTS.get(basis)
    subject = None if subject_wording is None else _fill(code, subject_wording, params)
    statement = None if subject is None else _fill(code, wording, {**params, "subject": subject})
    caveat = _fill(code, FINDING_CAVEAT, params)
    if statement is None or caveat is None:
        return None
    parts = [statement, caveat]
    if basis != "sleep":
        parts.append(str(FINDING_NO_HYPNOGRAM))
    return " ".join(parts)


def word(code: str, params: Mapping[str, Any], file_name: str) -> str:
    """A failed analysis's problem in the current language.

    Parameters
    ----------
    code : str
        The stored problem code (a key of :data:`PROBLEMS`, or :data:`INTERNAL`).
    params : mapping
        The problem's params as stored (JSON values).
    file_name : str
        The recording's name as the user uploaded it; it begins the text of a problem
        of the file.

    Returns
    -------
    str
        ``"<file name>: <what is wrong>"``; the generic internal-error text for
        :data:`INTERNAL`; the generic "could not be analysed" for a code without a
        wording (or params that do not fit it, which is logged).
    """
    if code == INTERNAL:
        return str(GENERIC_FAILURE)
    values = {key: _param(key, value) for key, value in params.items()}
    if "side" in values:
        values["leg"] = values["side"]
    wording = PROBLEMS.get(code)
    try:
        text = str(wording) % values if wording is not None else None
    except (KeyError, TypeError, ValueError):
        logger.warning("PSG problem %r: params %r do not fit its wording", code, dict(params))
        text = None
    if text is None:
        text = str(PROBLEMS[INVALID])
    return f"{file_name}: {text}"
