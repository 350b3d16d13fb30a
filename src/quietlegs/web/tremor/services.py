"""Tremor recordings: upload and analysis, who may see them, what the pages show.

A patient uploads a CSV from a phone or watch app; :func:`submit_recording` checks it, runs
the tremor analysis of the core (:func:`quietlegs.signals.tremor.read_recording`,
:func:`~quietlegs.signals.tremor.analyze`, :func:`~quietlegs.signals.tremor.plot_png`)
synchronously — a 30-s recording is analysed in milliseconds, its figure drawn in about half
a second — and stores the file, the figure and the result, with an audit entry. A file
that cannot be analysed is refused with the core's message and nothing is stored.

Every clinical text on the pages (what the band means, when to see a doctor, when to call
emergency services) comes from the core (:func:`~quietlegs.signals.tremor.screening_texts`);
this module only chooses labels and formats numbers.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext_lazy as _

from quietlegs._errors import QuietlegsError, SignalError
from quietlegs.assessment.measurements import tremor_answers
from quietlegs.web import uploads
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import current_language
from quietlegs.web.tremor.models import TremorRecording

logger = logging.getLogger("quietlegs.web.tremor")

#: File name extensions accepted (compared case-insensitively).
CSV_EXTENSIONS = (".csv", ".txt")


def tremor_dir() -> Path:
    """Where recordings and figures are stored (created on first use)."""
    folder = Path(settings.DATA_DIR) / "tremor"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_bytes() -> int:
    """The upload size limit, from ``settings.QUIETLEGS_MAX_TREMOR_MB``."""
    return uploads.limit_bytes(settings.QUIETLEGS_MAX_TREMOR_MB)


def request_too_large(request: HttpRequest) -> bool:
    """Whether the request's declared body is larger than any acceptable upload.

    Checked before Django parses the body, so an oversized upload is refused without being
    written to a temporary file (see :func:`quietlegs.web.uploads.request_too_large`).
    """
    return uploads.request_too_large(request, settings.QUIETLEGS_MAX_TREMOR_MB)


def too_large_message() -> str:
    """The message for an upload above ``settings.QUIETLEGS_MAX_TREMOR_MB``."""
    return uploads.too_large_message(settings.QUIETLEGS_MAX_TREMOR_MB)


def _check_upload(uploaded_file: UploadedFile[bytes], task: str) -> bytes:
    """Refuse an unknown task, a file that is not a CSV by name, or too large; return its bytes."""
    if task not in TremorRecording.Task.values:
        raise ValidationError(_("Unknown task."), code="task")
    uploads.check_extension(
        uploaded_file,
        CSV_EXTENSIONS,
        _("The file must be a CSV export (a name ending in .csv or .txt)."),
    )
    uploads.check_size(uploaded_file, settings.QUIETLEGS_MAX_TREMOR_MB)
    uploaded_file.seek(0)
    data: bytes = bytes(uploaded_file.read(max_bytes() + 1))
    if len(data) > max_bytes():  # the declared size lied
        raise ValidationError(too_large_message(), code="size")
    return data


#: Why a recording could not be read, by the core's problem code, in the reader's words
#: (never the core's English).
READING_PROBLEMS: dict[str, Any] = {
    "not_text": _("the file is not a text CSV file."),
    "empty": _("the file is empty; a CSV with a header row and samples is needed."),
    "unreadable": _("the file could not be read."),
    "no_header": _(
        "the first line holds numbers, not column names; the CSV needs a header row naming "
        "the time column and the x, y, z columns (e.g. time,x,y,z)."
    ),
    "no_axes": _(
        "no x, y and z columns were found (columns: %(columns)s); upload an accelerometer or "
        "gyroscope export (phyphox, Sensor Logger, Physics Toolbox) or a CSV with columns "
        "time,x,y,z."
    ),
    "no_time_column": _(
        "no time column was found (columns: %(columns)s); name it time, t or timestamp."
    ),
    "bad_time": _(
        "line %(line)s: the time “%(value)s” in column “%(column)s” is neither a number nor "
        "a clock time (HH:MM:SS.fff)."
    ),
    "missing_values": _("line %(line)s: a value is missing in column(s) %(columns)s."),
    "not_a_number": _(
        "line %(line)s: column “%(column)s” holds “%(value)s”, which is not a number."
    ),
    "not_numbers": _("the samples could not be read as numbers."),
    "no_samples": _("the file has fewer than two samples; there is nothing to analyse."),
    "time_backwards": _(
        "the time goes backwards at sample %(sample)s; the time column must increase."
    ),
    "constant": _(
        "the signal is constant on every axis (no movement was recorded); check that the "
        "sensor was switched on and recording."
    ),
    "not_finite": _("the signal holds missing or infinite values."),
    "saturated": _(
        "the %(axis)s axis is saturated (%(percent)s %% of the samples sit at its limit): "
        "the sensor's range was exceeded and the amplitude cannot be measured; record again "
        "with a larger range, or with the phone held more firmly."
    ),
    "sampling_rate_too_low": _(
        "the sampling rate is %(rate)s Hz; tremor analysis needs at least %(min)s Hz (set the "
        "app to its fastest rate, 50–100 Hz or more)."
    ),
    "too_short": _(
        "the recording lasts %(seconds)s s; tremor analysis needs at least %(min)s s (30 s "
        "per task is recommended)."
    ),
    "invalid": _("the file is not a recording this app can read."),
}


def _reason(exc: SignalError) -> str:
    """The core's reading problem in the reader's language."""
    problem = exc.problem
    if problem.code not in READING_PROBLEMS or problem.code == "invalid":
        logger.warning("tremor recording refused: %s", exc)
        return str(READING_PROBLEMS["invalid"])
    separator = str(get_format("DECIMAL_SEPARATOR"))
    params = {
        key: f"{value:g}".replace(".", separator) if isinstance(value, float) else value
        for key, value in problem.params.items()
    }
    return (
        str(READING_PROBLEMS[problem.code]) % params
        if params
        else str(READING_PROBLEMS[problem.code])
    )


def _analyse(data: bytes, name: str, task: str) -> tuple[dict[str, Any], bytes]:
    """Run the core's tremor analysis: (result as a dict, PNG figure)."""
    from quietlegs.signals import tremor

    try:
        recording = tremor.read_recording(data, name=name)
        result = tremor.analyze(recording, task)
    except SignalError as exc:
        raise ValidationError(
            _("The recording could not be analysed: %(reason)s")
            % {"reason": f"{name}: {_reason(exc)}"},
            code="analysis",
        ) from exc
    except (QuietlegsError, ValueError) as exc:
        logger.warning("tremor recording %r refused: %s", name, exc)
        raise ValidationError(
            _("The recording could not be analysed: %(reason)s")
            % {"reason": READING_PROBLEMS["invalid"]},
            code="analysis",
        ) from exc
    return result.to_dict(), tremor.plot_png(result, lang=current_language())


def _write(folder: Path, suffix: str, content: bytes) -> Path:
    path = folder / f"{secrets.token_hex(16)}{suffix}"
    with path.open("xb") as out:
        out.write(content)
    path.chmod(0o600)
    return path


def submit_recording(
    request: HttpRequest | None,
    patient: User,
    uploader: User,
    uploaded_file: UploadedFile[bytes],
    task: str,
) -> TremorRecording:
    """Check, analyse and store a patient's own recording, with its audit entry.

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entry.
    patient : User
        Whose recording it is.
    uploader : User
        Who uploads it: the patient themself.
    uploaded_file : UploadedFile
        The CSV file.
    task : str
        ``"rest"``, ``"posture"``, ``"action"`` or ``"standing"``.

    Returns
    -------
    TremorRecording

    Raises
    ------
    PermissionError
        If ``uploader`` is not ``patient`` (nothing stored).
    ValidationError
        If the task is unknown, the file is not a CSV, is too large, or cannot be analysed
        (the message says why; nothing stored).
    """
    if not patient.is_patient or uploader.pk != patient.pk or not patient.is_active:
        raise PermissionError("only the patient may upload their own recordings")
    data = _check_upload(uploaded_file, task)
    original_name = (uploaded_file.name or "recording.csv")[:255]
    result, png = _analyse(data, Path(original_name).name, task)
    folder = tremor_dir()
    stored = _write(folder, ".csv", data)
    try:
        figure = _write(folder, ".png", png)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    try:
        with transaction.atomic():
            item = TremorRecording.objects.create(
                patient=patient,
                uploaded_by=uploader,
                original_name=original_name,
                stored_path=str(stored),
                figure_path=str(figure),
                size_bytes=len(data),
                task=task,
                result=result,
            )
            record(request, AuditEvent.Action.CREATE, patient=patient, obj=item, actor=uploader)
    except BaseException:
        stored.unlink(missing_ok=True)
        figure.unlink(missing_ok=True)
        raise
    return item


# --- who may see what --------------------------------------------------------------------


def get_recording(
    request: HttpRequest | None, user: User, recording_id: int, *, what: str = ""
) -> TremorRecording:
    """Return recording ``recording_id`` if ``user`` may see it, and audit the read.

    The patient sees their own; a clinician or clinic admin sees the recordings of their
    clinic's patients.

    Parameters
    ----------
    what : str
        The audited object type when it is not the recording itself (``"tremor_figure"``).

    Raises
    ------
    Http404
        If there is no such recording or ``user`` may not see it (the two look the same).
    """
    item = TremorRecording.objects.select_related("patient").filter(pk=recording_id).first()
    if item is None or not user.can_access_patient(item.patient):
        raise Http404("No such recording.")
    record(
        request, AuditEvent.Action.VIEW, patient=item.patient, obj=item, object_type=what or None
    )
    return item


def patient_recordings(patient: User) -> list[TremorRecording]:
    """``patient``'s recordings, newest first."""
    return list(TremorRecording.objects.filter(patient=patient))


# --- the measurement as answers of the assessment ----------------------------------------


@dataclass(frozen=True)
class ReassessOffer:
    """Whether a recording's report may offer to re-run the patient's latest assessment.

    Attributes
    ----------
    answers : dict
        The measured answers (:func:`quietlegs.assessment.measurements.tremor_answers`);
        empty when no tremor was found (then nothing is offered).
    latest : Assessment | None
        The patient's latest assessment (any source), the one a re-run is based on.
    included : bool
        Whether ``latest`` already has exactly these answers (a re-run would change nothing).
    """

    answers: dict[str, Any]
    latest: Assessment | None
    included: bool

    @property
    def emergency_base(self) -> bool:
        """The latest assessment was an emergency: its warning-sign answers described that
        moment, and re-running them with today's date would raise the alarm again."""
        return self.latest is not None and self.latest.urgency == "emergency"

    @property
    def available(self) -> bool:
        """A re-run can be offered: a tremor was found, there is an assessment to re-run,
        it was not an emergency, and it does not already include this measurement."""
        return (
            bool(self.answers)
            and self.latest is not None
            and not self.emergency_base
            and not self.included
        )


def measured_answers(item: TremorRecording) -> dict[str, Any]:
    """The answers the recording gives the assessment (empty: no tremor found, or a stored
    result the knowledge base cannot take, which is logged)."""
    try:
        return tremor_answers(item.result)
    except ValueError as exc:
        logger.warning("tremor recording %s gives no answers: %s", item.pk, exc)
        return {}


def reassess_offer(item: TremorRecording) -> ReassessOffer:
    """What the report page may offer for ``item`` (see :class:`ReassessOffer`)."""
    answers = measured_answers(item)
    latest = Assessment.objects.filter(patient=item.patient).order_by("-created_at").first()
    included = latest is not None and all(
        latest.answers.get(question) == value for question, value in answers.items()
    )
    return ReassessOffer(answers=answers, latest=latest, included=bool(answers) and included)


@dataclass(frozen=True)
class ReassessOutcome:
    """What a re-run did: the assessment the patient should see, and whether it is new."""

    assessment: Assessment
    created: bool


def reassess_with_measurement(
    request: HttpRequest | None, patient: User, actor: User, item: TremorRecording
) -> ReassessOutcome:
    """Re-run ``patient``'s latest assessment with the recording's measured answers added.

    As a clinician's re-run with lab results (:func:`quietlegs.web.records.services.
    rerun_assessment`): the answers of the latest assessment (any source), with
    ``tremor_dominant_frequency_hz`` and ``tremor_task`` from the recording put over them,
    are assessed again and stored as a new assessment (source ``measurement``, based on the
    latest one, made by ``actor``), with its audit entry. If the latest assessment already
    has these answers nothing is made and it is returned (a second click, a reload).

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entry.
    patient : User
        Whose assessment; the recording must be theirs.
    actor : User
        Who asks: the patient themself.
    item : TremorRecording
        The recording.

    Returns
    -------
    ReassessOutcome

    Raises
    ------
    PermissionError
        If ``actor`` is not ``patient`` or the recording is not ``patient``'s.
    ValidationError
        If the recording found no tremor (``code="no_tremor"``), the patient has no
        assessment yet (``code="no_assessment"``) or the latest one was an emergency
        (``code="emergency_base"``: its warning-sign answers are not carried to a new
        date); nothing is stored.
    AnswerError
        If the core refuses the combined answers; nothing is stored.
    """
    if not patient.is_patient or actor.pk != patient.pk or item.patient_id != patient.pk:
        raise PermissionError("only the patient may add their own measurement to their assessment")
    offer = reassess_offer(item)
    if not offer.answers:
        raise ValidationError(
            _("No tremor was found in this recording, so there is nothing to add."),
            code="no_tremor",
        )
    if offer.latest is None:
        raise ValidationError(
            _("You have no assessment yet: take the assessment first."), code="no_assessment"
        )
    if offer.included:
        return ReassessOutcome(assessment=offer.latest, created=False)
    if offer.emergency_base:
        raise ValidationError(
            _(
                "Your latest assessment found warning signs of an emergency. Take a new check "
                "instead: it asks about warning signs again, as they are now."
            ),
            code="emergency_base",
        )
    latest = offer.latest
    answers = {**latest.answers, **offer.answers}
    skipped = [q for q in latest.skipped if q not in answers]
    with transaction.atomic():
        assessment = Assessment.create_from_answers(
            answers,
            skipped=skipped,
            patient=patient,
            created_by=actor,
            source=Assessment.Source.MEASUREMENT,
            based_on=latest,
        )
        record(request, AuditEvent.Action.CREATE, patient=patient, obj=assessment, actor=actor)
    return ReassessOutcome(assessment=assessment, created=True)


# --- what the pages show ------------------------------------------------------------------

#: The band of a result, as a short label (the statement says what it means).
BAND_LABELS: dict[str, Any] = {
    "none": _("no tremor found"),
    "voluntary": _("too much voluntary movement to measure"),
    "rest_3_7": _("3–7 Hz at rest"),
    "action_4_12": _("4–12 Hz in action or posture"),
    "physiological_8_12": _("8–12 Hz (the band of normal tremor)"),
    "orthostatic_13_18": _("13–18 Hz"),
    "other": _("outside the common bands"),
}

#: The band powers, in order: (result key, label).
BAND_POWER_LABELS: tuple[tuple[str, Any], ...] = (
    ("below_tremor", _("0.5–3 Hz (voluntary movement)")),
    ("3_7", _("3–7 Hz")),
    ("4_12", _("4–12 Hz")),
    ("8_12", _("8–12 Hz")),
    ("13_18", _("13–18 Hz")),
)


def num(value: Any, decimals: int) -> str:
    """A number in the current language's format; a dash when missing."""
    if value is None:
        return "—"
    return str(number_format(round(float(value), decimals), decimals))  # rounded, not cut off


def summary(item: TremorRecording) -> dict[str, Any]:
    """What a list row shows: date, task, frequency and band."""
    result = item.result
    band = str(result.get("band", {}).get("id", "none"))
    return {
        "item": item,
        "task_label": item.get_task_display(),
        "frequency": num(result.get("dominant_frequency_hz"), 1),
        "band": band,
        "band_label": str(BAND_LABELS.get(band, band)),
    }


#: The result's units as the page writes them (SI symbols are translated in Russian).
UNIT_LABELS: dict[str, Any] = {
    "m/s²": _("m/s²"),
    "m/s2": _("m/s²"),
    "rad/s": _("rad/s"),
    "deg/s": _("°/s"),
}


def report_view(item: TremorRecording, lang: str) -> dict[str, Any]:
    """Everything the report page shows, in ``lang`` where it is words."""
    from quietlegs.signals.tremor import screening_texts

    result = item.result
    amplitude = result.get("amplitude", {})
    counts = result.get("window_counts", {})
    unit = str(UNIT_LABELS.get(str(result.get("unit", "")), result.get("unit", "")))
    hz = str(_("Hz"))
    rows: list[tuple[str, str]] = [
        (str(_("Dominant frequency")), f"{num(result.get('dominant_frequency_hz'), 2)} {hz}"),
        (str(_("Amplitude (RMS)")), f"{num(amplitude.get('rms'), 3)} {unit}"),
        (str(_("Half-power bandwidth")), f"{num(result.get('bandwidth_hz'), 2)} {hz}"),
        (str(_("Tremor stability index")), f"{num(result.get('tsi'), 2)} {hz}"),
        (
            str(_("Windows with tremor")),
            str(
                _("%(tremor)s of %(usable)s (%(share)s %%)")
                % {
                    "tremor": counts.get("tremor", 0),
                    "usable": counts.get("usable", 0),
                    "share": num(100 * float(result.get("tremor_fraction") or 0), 0),
                }
            ),
        ),
        (
            str(_("Windows with voluntary movement")),
            str(
                _("%(voluntary)s of %(total)s")
                % {"voluntary": counts.get("voluntary", 0), "total": counts.get("total", 0)}
            ),
        ),
        (
            str(_("Movement in the 3–20 Hz band (RMS)")),
            f"{num(amplitude.get('band_rms'), 3)} {unit}",
        ),
    ]
    if "displacement_rms_mm" in amplitude:
        rows.insert(
            2,
            (
                str(_("Displacement (RMS / peak to peak)")),
                f"{num(amplitude['displacement_rms_mm'], 3)} / "
                f"{num(amplitude['displacement_peak_to_peak_mm'], 3)} {_('mm')}",
            ),
        )
    if "angle_rms_deg" in amplitude:
        rows.insert(
            2,
            (
                str(_("Angle (RMS / peak to peak)")),
                f"{num(amplitude['angle_rms_deg'], 2)} / "
                f"{num(amplitude['angle_peak_to_peak_deg'], 2)}°",
            ),
        )
    powers = result.get("band_powers", {})
    band_rows = [
        (
            str(label),
            "—"
            if powers.get(key, {}).get("relative") is None
            else f"{num(100 * float(powers[key]['relative']), 1)} %",
        )
        for key, label in BAND_POWER_LABELS
    ]
    recording = result.get("recording", {})
    band = str(result.get("band", {}).get("id", "none"))
    return {
        "item": item,
        "task_label": item.get_task_display(),
        "detected": bool(result.get("detected")),
        "band": band,
        "band_label": str(BAND_LABELS.get(band, band)),
        "rows": rows,
        "band_rows": band_rows,
        "texts": screening_texts(result.get("screening", {}), lang),
        "sensor": str(recording.get("sensor", result.get("sensor", ""))),
        "duration": num(result.get("duration_s"), 1),
        "sfreq": num(result.get("sfreq_hz"), 0),
        "notes": [str(n) for n in recording.get("notes", [])],
        "warnings": [str(w) for w in result.get("warnings", [])],
    }
