"""PSG recordings on a patient's record: upload, background analysis, what the pages show.

A clinician uploads an EDF/EDF+ recording; :func:`submit_study` checks it, stores it
under ``settings.DATA_DIR / "psg"`` with a random name, creates a :class:`PSGStudy`
(audited) and, once the transaction commits, queues the analysis
(:func:`quietlegs.signals.edf.read_leg_recording` then
:func:`quietlegs.signals.plm.analyze`) on a background worker.

Background work
---------------
The worker is a module-level ``ThreadPoolExecutor(max_workers=1)``: a single
background worker per web process, so recordings are analysed one at a time and
the request thread never waits for them. It is good enough for one clinic on one
server. Work queued in a process that stops is picked up again when the server starts
(:func:`requeue_interrupted`, called by ``quietlegs serve``; also the management command
``psg_requeue``): studies still "queued", and studies "processing" for longer than
:data:`STALE_PROCESSING_MINUTES`, are queued again. :func:`process_study` claims a study
with a conditional update, so a study is never analysed twice at once even when several
processes re-queue it. With the setting ``QUIETLEGS_PSG_SYNC = True`` (the tests) the
analysis runs inline instead.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from quietlegs._errors import QuietlegsError, SignalError
from quietlegs.web import uploads
from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.records import psg_problems
from quietlegs.web.records.models import PSGStudy

logger = logging.getLogger("quietlegs.web.psg")

#: File name extensions accepted as EDF/EDF+ (compared case-insensitively).
EDF_EXTENSIONS = (".edf", ".rec")
#: The first 8 bytes of every EDF/EDF+ header: the version field, "0" and 7 spaces.
EDF_MAGIC = b"0       "

#: The single background worker of this process (see the module docstring).
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quietlegs-psg")

#: A study "processing" for longer than this is taken to have been interrupted (its
#: process stopped): an 8-h night is analysed in under a second and a 500-MB recording
#: in well under a minute, so 30 minutes leaves a wide margin.
STALE_PROCESSING_MINUTES = 30

#: What a failed study says when the failure was not a quietlegs error (details logged).
GENERIC_FAILURE = psg_problems.GENERIC_FAILURE


def psg_dir() -> Path:
    """Where uploaded recordings are stored (created on first use)."""
    folder = Path(settings.DATA_DIR) / "psg"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_bytes() -> int:
    """The upload size limit, from ``settings.QUIETLEGS_MAX_EDF_MB``."""
    return uploads.limit_bytes(settings.QUIETLEGS_MAX_EDF_MB)


def request_too_large(request: HttpRequest) -> bool:
    """Whether the request's declared body is larger than any acceptable upload.

    Checked before Django parses the body, so an oversized upload is refused
    without being written to a temporary file (see
    :func:`quietlegs.web.uploads.request_too_large`).
    """
    return uploads.request_too_large(request, settings.QUIETLEGS_MAX_EDF_MB)


def too_large_message() -> str:
    """The message for an upload above ``settings.QUIETLEGS_MAX_EDF_MB``."""
    return uploads.too_large_message(settings.QUIETLEGS_MAX_EDF_MB)


def _check_upload(uploaded_file: UploadedFile[bytes], rules: str) -> None:
    """Refuse a file that is not an EDF, is too large, or an unknown rule set."""
    if rules not in PSGStudy.Rules.values:
        raise ValidationError(_("Unknown scoring rules."), code="rules")
    uploads.check_extension(
        uploaded_file,
        EDF_EXTENSIONS,
        _("The file must be an EDF or EDF+ recording (a name ending in .edf or .rec)."),
    )
    uploads.check_size(uploaded_file, settings.QUIETLEGS_MAX_EDF_MB)
    uploaded_file.seek(0)
    head = uploaded_file.read(len(EDF_MAGIC))
    uploaded_file.seek(0)
    if head != EDF_MAGIC:
        raise ValidationError(
            _("The file is not an EDF recording: its header does not start like an EDF header."),
            code="header",
        )


def _store(uploaded_file: UploadedFile[bytes]) -> Path:
    """Write the upload in chunks to a new file with a random name; return its path."""
    path = psg_dir() / f"{secrets.token_hex(16)}.edf"
    with path.open("xb") as out:
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    path.chmod(0o600)
    return path


def submit_study(
    request: HttpRequest | None,
    patient: User,
    clinician: User,
    uploaded_file: UploadedFile[bytes],
    rules: str,
) -> PSGStudy:
    """Check and store a PSG recording, create its study and queue the analysis.

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entry.
    patient : User
        Whose record the recording belongs to.
    clinician : User
        Who uploads it.
    uploaded_file : UploadedFile
        The EDF/EDF+ file (streamed to a temporary file by Django when large).
    rules : str
        ``"wasm2016"`` or ``"aasm"``.

    Returns
    -------
    PSGStudy
        Queued (or, with ``QUIETLEGS_PSG_SYNC``, already done or failed).

    Raises
    ------
    PermissionError
        If ``clinician`` may not change ``patient``'s record (nothing stored).
    ValidationError
        If the file is not an EDF, is too large, or ``rules`` is unknown (nothing stored).
    """
    if not clinician.is_clinician or not clinician.can_access_patient(patient):
        raise PermissionError("this person may not change this patient's record")
    _check_upload(uploaded_file, rules)
    path = _store(uploaded_file)
    try:
        with transaction.atomic():
            study = PSGStudy.objects.create(
                patient=patient,
                uploaded_by=clinician,
                original_name=(uploaded_file.name or "")[:255],
                stored_path=str(path),
                size_bytes=uploaded_file.size or 0,
                rules=rules,
            )
            record(request, AuditEvent.Action.CREATE, patient=patient, obj=study, actor=clinician)
            if not settings.QUIETLEGS_PSG_SYNC:
                study_id = study.pk
                transaction.on_commit(lambda: _EXECUTOR.submit(_run_in_worker, study_id))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if settings.QUIETLEGS_PSG_SYNC:
        process_study(study.pk)
        study.refresh_from_db()
    return study


def _run_in_worker(study_id: int) -> None:
    """The background worker's job: fresh database connections around the analysis."""
    close_old_connections()
    try:
        process_study(study_id)
    finally:
        close_old_connections()


def _log_signal_warnings(
    study_id: int, caught: list[warnings.WarningMessage], stored: str, name: str
) -> None:
    """Log the signal core's warnings at INFO (they are stored as data); re-issue others.

    Only :class:`~quietlegs.signals.edf.SignalWarning` and its subclasses are kept back:
    any other warning (a deprecation, a numerical one) is issued again as it came.
    """
    from quietlegs.signals.edf import SignalWarning

    for caught_warning in caught:
        if issubclass(caught_warning.category, SignalWarning):
            text = str(caught_warning.message).replace(stored, name)
            logger.info("PSG study %s: %s", study_id, text)
        else:
            warnings.warn_explicit(
                caught_warning.message,
                caught_warning.category,
                caught_warning.filename,
                caught_warning.lineno,
                source=caught_warning.source,
            )


def process_study(study_id: int) -> None:
    """Analyse a queued study and store its result or a clear error.

    A :class:`~quietlegs.QuietlegsError` (unreadable EDF, no leg channels...) is
    stored with its message; any other exception is logged and stored as a generic
    failure. Never raises for a failed analysis.
    """
    claimed = PSGStudy.objects.filter(pk=study_id, status=PSGStudy.Status.QUEUED).update(
        status=PSGStudy.Status.PROCESSING, started_at=timezone.now()
    )
    if not claimed:  # already taken, finished, or deleted
        return
    study = PSGStudy.objects.get(pk=study_id)
    result: dict[str, Any] | None = None
    warning_details: list[dict[str, Any]] = []
    finding_code = ""
    finding_params: dict[str, Any] = {}
    error = ""
    code = ""
    params: dict[str, Any] = {}
    try:
        from quietlegs.signals.edf import SignalWarning, read_leg_recording
        from quietlegs.signals.plm import analyze

        # The reader's and the hypnogram's warnings are stored as warning_details; as
        # Python warnings they would only leak from the worker: logged here instead.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SignalWarning)
            recording = read_leg_recording(study.stored_path)
            scored = analyze(recording, rules=study.rules, age_years=patient_age(study.patient))
        _log_signal_warnings(study_id, caught, study.stored_path, study.original_name)
        result = scored.to_dict()
        # The warnings and the finding as data, worded for each reader when shown.
        result.pop("warning_details", None)
        result.pop("finding_code", None)
        result.pop("finding_params", None)
        warning_details = [
            {"code": note.code, "params": _json_params(note.params)}
            for note in scored.warning_details
        ]
        finding_code, finding_params = scored.finding_code, _json_params(scored.finding_params)
        _write_report_files(study, recording, scored)
    except QuietlegsError as exc:
        # The reader names the file by its path on disk; keep the user's file name.
        error = str(exc).replace(study.stored_path, study.original_name)
        # The page words the problem in its reader's language from its code and params.
        code, params = _problem_data(exc)
        if code == psg_problems.INVALID:
            logger.warning("PSG study %s failed: %s", study_id, error)
    except Exception:
        logger.exception("PSG study %s failed", study_id)
        error = "The analysis failed because of an internal error; it has been logged."
        code = psg_problems.INTERNAL
    study.result = result
    study.warning_details = warning_details
    study.finding_code = finding_code
    study.finding_params = finding_params
    study.error = error
    study.error_code = code
    study.error_params = params
    study.status = PSGStudy.Status.FAILED if error else PSGStudy.Status.DONE
    study.finished_at = timezone.now()
    study.save(
        update_fields=[
            "result",
            "warning_details",
            "finding_code",
            "finding_params",
            "error",
            "error_code",
            "error_params",
            "status",
            "finished_at",
        ]
    )


def _problem_data(exc: QuietlegsError) -> tuple[str, dict[str, Any]]:
    """A core error's code and params, as stored (JSON values: text, numbers)."""
    if not isinstance(exc, SignalError):
        return psg_problems.INVALID, {}
    return exc.problem.code, _json_params(exc.problem.params)


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A problem's params as stored: JSON values (text, numbers); anything else as text."""
    return {
        key: value if isinstance(value, int | float | str) else str(value)
        for key, value in params.items()
    }


#: The files kept next to an analysed recording, by the name the page links to:
#: the report figure (hypnogram with every LM, IMI histogram, an epoch of raw EMG)
#: and the events table.
REPORT_FILES = {"figure.png": "image/png", "events.csv": "text/csv; charset=utf-8"}


def report_file_path(study: PSGStudy, name: str) -> Path:
    """Where the report file ``name`` (a key of :data:`REPORT_FILES`) of ``study`` is kept."""
    if name not in REPORT_FILES:
        raise Http404("No such report file.")
    return Path(f"{study.stored_path}.{name}")


def _write_report_files(study: PSGStudy, recording: Any, scored: Any) -> None:
    """Write the figure and the events CSV; a figure that fails is logged, not fatal."""
    from quietlegs.signals import outputs

    outputs.write_events_csv(scored, report_file_path(study, "events.csv"))
    try:
        outputs.write_report_png(recording, scored, report_file_path(study, "figure.png"))
    except (OSError, ValueError, RuntimeError):
        logger.exception("PSG study %s: the report figure could not be drawn", study.pk)


def patient_age(patient: User) -> float | None:
    """The patient's age in years for the ICSD-3 threshold (adult or child), or None.

    From the profile, else from the latest assessment's answers; None when neither has
    it (the finding then states both thresholds).
    """
    profile = getattr(patient, "profile", None)
    age = profile.answers.get("age") if profile is not None else None
    if age is None:
        from quietlegs.web.assessments.models import Assessment

        latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
        age = latest.answers.get("age") if latest is not None else None
    return float(age) if isinstance(age, int | float) and not isinstance(age, bool) else None


def requeue_interrupted(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again the studies whose analysis was lost with a stopped process.

    Studies "processing" since more than :data:`STALE_PROCESSING_MINUTES` go back to
    "queued"; every "queued" study is then submitted to this process's worker (or
    analysed inline when ``QUIETLEGS_PSG_SYNC``).

    Returns
    -------
    list of int
        The ids of the studies submitted, oldest first.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(minutes=STALE_PROCESSING_MINUTES)
    PSGStudy.objects.filter(status=PSGStudy.Status.PROCESSING).filter(
        Q(started_at__lt=stale) | Q(started_at__isnull=True)
    ).update(status=PSGStudy.Status.QUEUED)
    ids = list(
        PSGStudy.objects.filter(status=PSGStudy.Status.QUEUED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    for study_id in ids:
        if settings.QUIETLEGS_PSG_SYNC:
            process_study(study_id)
        else:
            _EXECUTOR.submit(_run_in_worker, study_id)
    if ids:
        logger.info("re-queued %d interrupted PSG studies", len(ids))
    return ids


# --- what the pages show -------------------------------------------------------------------

#: The indices shown on the patient page, in order: (result key, label).
KEY_INDICES: tuple[tuple[str, Any], ...] = (
    ("lm_index", _("LM index (per hour)")),
    ("plm_index", _("PLM index (per hour)")),
    ("plms_index", _("PLMS index (per hour of sleep)")),
    ("plmw_index", _("PLMW index (per hour of wake)")),
    ("periodicity_index", _("Periodicity index")),
)

#: Every count and index of the study page: (result key, label).
ALL_INDICES: tuple[tuple[str, Any], ...] = (
    ("lm_count", _("Leg movements (LM)")),
    ("plm_count", _("Periodic limb movements (PLM)")),
    ("plms_count", _("PLM in sleep (PLMS)")),
    ("plmw_count", _("PLM in wake (PLMW)")),
    *KEY_INDICES,
    ("plms_arousal_index", _("PLMS with arousal index (per hour of sleep)")),
    ("plms_index_with_respiratory", _("PLMS index including respiratory-related movements")),
    ("sleep_hours", _("Sleep (hours)")),
    ("recording_hours", _("Recording (hours)")),
)

INDEX_BASIS_LABELS: dict[str, Any] = {
    "sleep": _("per hour of sleep (a hypnogram was found)"),
    "recording": _("per hour of recording (no hypnogram: no sleep stages were found)"),
}


def _fmt(value: Any, decimals: int = 1) -> str:
    """A count as is, a rate or duration with ``decimals`` decimals, a missing value as a dash."""
    if value is None:
        return "—"
    if isinstance(value, float):
        # rounded first: number_format cuts the digits off (26.67 would show as 26.6)
        return str(formats.number_format(round(value, decimals), decimal_pos=decimals))
    return str(value)


def _rows(result: dict[str, Any], keys: tuple[tuple[str, Any], ...]) -> list[tuple[str, str]]:
    return [
        (str(label), _fmt(result.get(key), 2 if key == "periodicity_index" else 1))
        for key, label in keys
        if key in result
    ]


def study_view(study: PSGStudy) -> dict[str, Any]:
    """What a study's entry shows: status, and for a done study the key indices."""
    result = study.result or {}
    basis = str(result.get("index_basis", ""))
    return {
        "study": study,
        "status_label": study.get_status_display(),
        "rules_label": study.get_rules_display(),
        "key_indices": _rows(result, KEY_INDICES),
        "index_basis": str(INDEX_BASIS_LABELS.get(basis, basis)),
        "finding": study.finding_message,
    }


def study_detail(study: PSGStudy) -> dict[str, Any]:
    """Everything the study page shows: all indices, PLMS by stage, events count."""
    view = study_view(study)
    result = study.result or {}
    by_stage = result.get("plms_by_stage") or {}
    view.update(
        {
            "all_indices": _rows(result, ALL_INDICES),
            "plms_by_stage": [(str(stage), _fmt(v)) for stage, v in by_stage.items()],
            "events_count": len(result.get("events") or []),
            "warnings": study.warning_messages,
            # Template-friendly keys: "figure_png", "events_csv".
            "files": {
                name.replace(".", "_"): report_file_path(study, name).is_file()
                for name in REPORT_FILES
            },
        }
    )
    return view


def patient_studies(patient: User) -> list[dict[str, Any]]:
    """``patient``'s PSG studies, newest first, as :func:`study_view` entries."""
    return [
        study_view(s)
        for s in PSGStudy.objects.filter(patient=patient).select_related("uploaded_by")
    ]


def get_study(request: HttpRequest | None, patient: User, study_id: int) -> PSGStudy:
    """Return ``patient``'s study ``study_id`` and audit the read.

    The caller has already checked the user may see ``patient``.

    Raises
    ------
    Http404
        If the study does not exist or belongs to another patient.
    """
    study = PSGStudy.objects.filter(patient=patient, pk=study_id).first()
    if study is None:
        raise Http404("No such study.")
    record(request, AuditEvent.Action.VIEW, patient=patient, obj=study)
    return study
