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
"""

from __future__ import annotations

import logging
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

#: What a failed study says when the failure was not a quietlegs error (details logged).
GENERIC_FAILURE = _("The analysis failed because of an internal error; it has been logged.")


def _param(key: str, value: Any) -> Any:
    if key == "side":
        return str(LEGS.get(str(value), value))
    if isinstance(value, float):
        return f"{value:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
    if key == "channel":
        return gettext("“%(label)s”") % {"label": value}
    return value


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
