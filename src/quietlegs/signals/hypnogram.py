"""Sleep stages and scored events: from EDF+ annotations or a hypnogram file.

A :class:`Hypnogram` is one stage per epoch (``W``, ``N1``, ``N2``, ``N3``,
``R``; ``?`` for an epoch that is unscored, movement time or unknown). Stage
spellings understood (case-insensitive, ``_``/``-``/``.``/``:`` read as spaces,
an NSRR-style ``"text|code"`` read part by part):

==============================  ====================================================
AASM                            ``Sleep stage W/N1/N2/N3/R``, ``Stage N2``, ``N2``,
                                ``Wake``, ``REM``, ``REM sleep``
R&K (Rechtschaffen & Kales      ``Sleep stage 1/2/3/4``, ``Stage 2 sleep``,
1968)                           ``SLEEP-S0`` ... ``SLEEP-S4``, ``SLEEP-REM``,
                                ``SLEEP-MT``, ``Movement time``
unknown                         ``Sleep stage ?``, ``Unscored``, ``SLEEP-UNSCORED``
==============================  ====================================================

Stage 4 (``N4``, ``4``, ``S4``) is N3 (AASM Scoring Manual v2.6/v3 merged R&K
stages 3 and 4 into N3); movement time (``M``, ``MT``) is ``?`` (the AASM
manual has no movement-time stage; such epochs are neither sleep nor wake).

One-stage-per-epoch files take one token per line, either the spellings above
or the numeric code of the EDF FAQ and R&K exports: ``0`` = W, ``1`` = N1,
``2`` = N2, ``3`` = N3, ``4`` = N3 (R&K stage 4), ``5`` = R, ``6`` = movement
time (``?``), ``9`` and negative codes = unscored (``?``). The other numeric
convention, ``4`` = REM (YASA's 0-4 coding), cannot be told apart from a night
without REM; a file whose numbers reach 4 but never 5 (and has no ``R``) is
read with the R&K meaning and a :class:`~quietlegs.signals.edf.SignalWarning`.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quietlegs._errors import Problem, SignalError
from quietlegs._validation import check_range, check_type
from quietlegs.signals.edf import Annotation, SignalWarning

__all__ = [
    "EPOCH_S",
    "EVENT_KINDS",
    "STAGES",
    "UNKNOWN_STAGE",
    "Hypnogram",
    "ScoredEvent",
    "events_from_annotations",
    "hypnogram_from_annotations",
    "read_hypnogram",
]

logger = logging.getLogger("quietlegs.signals")

#: The sleep stages, AASM Scoring Manual v2.6/v3 terminology.
STAGES = ("W", "N1", "N2", "N3", "R")
#: An epoch that is unscored, movement time or unknown.
UNKNOWN_STAGE = "?"
#: Stages counted as sleep (everything in :data:`STAGES` but W).
SLEEP_STAGES = ("N1", "N2", "N3", "R")
#: Epoch length, AASM Scoring Manual v2.6/v3 (30-s epochs).
EPOCH_S = 30.0
#: Kinds of :class:`ScoredEvent`.
EVENT_KINDS = ("apnea", "hypopnea", "rera", "arousal")
#: Longest hypnogram built (14 days of 30-s epochs): a bound against onsets or
#: durations of absurd size, far beyond any polysomnogram.
MAX_EPOCHS = 14 * 24 * 120

#: Largest hypnogram file read (a night of 30-s epochs is a few kB).
MAX_HYPNOGRAM_BYTES = 20 * 2**20

#: The codes of the :class:`~quietlegs.SignalError` problems of a hypnogram
#: (``error.problem.code``), with their ``params``: ``unreadable``, ``file_too_large``
#: (``size``, ``max`` in bytes), ``not_text``, ``empty``, ``no_stages``,
#: ``hypnogram_header`` (``line``, ``columns`` found), ``field_count`` (``line``,
#: ``fields``, ``columns``), ``not_seconds`` (``line``, ``column``, ``value``),
#: ``not_a_stage`` (``line``, ``value``), ``hypnogram_too_long`` (``seconds``: the
#: recording's length), ``too_many_epochs`` (``epochs``, ``max``), ``stage_not_finite``
#: (``stage``: an EDF+ stage annotation without a finite onset or duration).
PROBLEM_CODES: frozenset[str] = frozenset(
    {
        "unreadable",
        "file_too_large",
        "not_text",
        "empty",
        "no_stages",
        "hypnogram_header",
        "field_count",
        "not_seconds",
        "not_a_stage",
        "hypnogram_too_long",
        "too_many_epochs",
        "stage_not_finite",
    }
)

#: The codes of the warnings of a hypnogram read (:attr:`Hypnogram.warning_details`),
#: with their ``params``: ``four_may_be_rem`` (numeric stages reach 4 but never 5, and 4
#: was read as N3), ``epoch_not_30s`` (``seconds``: the most common stage duration that
#: is not 30 s, ``count``: stages of such a duration; they were resampled to 30-s
#: epochs), ``unscored_gaps`` (``epochs``, ``seconds``: epochs within the recording that
#: no stage covers, read as ``"?"``), ``unknown_stage_labels`` (``count``, ``labels``:
#: annotations that look like a sleep stage, e.g. ``Sleep stage 5``, but name none;
#: they were skipped).
WARNING_CODES: frozenset[str] = frozenset(
    {"four_may_be_rem", "epoch_not_30s", "unscored_gaps", "unknown_stage_labels"}
)

#: Tolerance when comparing a stage's duration with :data:`EPOCH_S`, s.
_EPOCH_TOLERANCE_S = 1e-3
#: Distinct unknown stage labels named in a warning (the count covers all).
_MAX_LABELS_NAMED = 5

_VALID = (*STAGES, UNKNOWN_STAGE)

# Stage words, after normalisation (lower case, separators as single spaces).
_WORDS: dict[str, str] = {
    "w": "W",
    "wake": "W",
    "awake": "W",
    "wakefulness": "W",
    "n1": "N1",
    "nrem1": "N1",
    "nrem 1": "N1",
    "s1": "N1",
    "n2": "N2",
    "nrem2": "N2",
    "nrem 2": "N2",
    "s2": "N2",
    "n3": "N3",
    "nrem3": "N3",
    "nrem 3": "N3",
    "s3": "N3",
    "n4": "N3",
    "nrem4": "N3",
    "nrem 4": "N3",
    "s4": "N3",
    "s0": "W",
    "r": "R",
    "rem": "R",
    "sr": "R",
    "m": UNKNOWN_STAGE,
    "mt": UNKNOWN_STAGE,
    "movement": UNKNOWN_STAGE,
    "movement time": UNKNOWN_STAGE,
    "?": UNKNOWN_STAGE,
    "unscored": UNKNOWN_STAGE,
    "not scored": UNKNOWN_STAGE,
    "unknown": UNKNOWN_STAGE,
    "u": UNKNOWN_STAGE,
    "x": UNKNOWN_STAGE,
    "a": UNKNOWN_STAGE,
    "artifact": UNKNOWN_STAGE,
    "artefact": UNKNOWN_STAGE,
}
# Words accepted on their own as an annotation (no "Sleep stage" in front):
# the unambiguous ones. Single letters other than W and R, and "?", need the
# prefix, because annotation texts such as "M" or "A" are used for other things.
_BARE_ANNOTATION_WORDS = frozenset(
    {"w", "wake", "awake", "n1", "n2", "n3", "n4", "r", "rem", "movement time", "unscored"}
)
# Numeric codes (EDF FAQ, R&K exports): 4 is R&K stage 4, i.e. N3.
_CODES: dict[int, str] = {
    0: "W",
    1: "N1",
    2: "N2",
    3: "N3",
    4: "N3",
    5: "R",
    6: UNKNOWN_STAGE,
    9: UNKNOWN_STAGE,
}
# With a "Sleep stage"/"Stage"/"SLEEP-" prefix, R&K digits are stage numbers.
_PREFIXED_DIGITS = {"0": "W", "1": "N1", "2": "N2", "3": "N3", "4": "N3"}
_PREFIX_RE = re.compile(r"(?:sleep ?stage|stage|sleep)\s*(.+?)(?:\s+sleep)?")
_NUMBER_RE = re.compile(r"[+-]?\d+(?:\.0*)?")

_EXPECTED_TOKENS = "W, N1, N2, N3, N4, R, REM, 1-4, M, ?, or a code 0-5 (0=W ... 5=R), 6, 9"


def _normalise(text: str) -> str:
    text = text.strip().strip("\"'").lower()
    text = re.sub(r"[_\-:.,;()\[\]/\\]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _stage_from_annotation(text: str) -> str | None:
    """The stage an annotation text names, or ``None`` if it is not a stage."""
    if _normalise(text) == "movement|6":  # NSRR's movement-time stage ("Movement|6")
        return UNKNOWN_STAGE
    for part in text.split("|"):
        norm = _normalise(part)
        if not norm:
            continue
        match = _PREFIX_RE.fullmatch(norm)
        if match is not None:
            token = match.group(1).strip()
            stage = _WORDS.get(token) or _PREFIXED_DIGITS.get(token)
            if stage is not None:
                return stage
        bare = norm.removesuffix(" sleep")
        if bare in _BARE_ANNOTATION_WORDS:
            return _WORDS[bare]
    return None


def _stage_from_token(token: str) -> tuple[str | None, int | None]:
    """The stage of one epoch-file token, and its numeric code if it was one."""
    stripped = token.strip().strip("\"'").strip()
    if _NUMBER_RE.fullmatch(stripped):
        code = int(float(stripped))
        if code < 0:
            return UNKNOWN_STAGE, code
        return _CODES.get(code), code
    stage = _WORDS.get(_normalise(token))
    if stage is None:
        stage = _stage_from_annotation(token)
    return stage, None


@dataclass
class Hypnogram:
    """Sleep stages, one per epoch.

    Parameters
    ----------
    stages : ndarray of str, shape (n_epochs,)
        Each one of :data:`STAGES` or ``"?"``; stored as dtype ``'<U2'``.
    epoch_s : float
        Epoch length in seconds.
    start_s : float
        Start of the first epoch, in seconds from the start of the recording.
    warning_details : list of Problem
        What reading the stages worked around (a code of :data:`WARNING_CODES`, the
        English message, the params); each was also issued as a
        :class:`~quietlegs.signals.edf.SignalWarning`. Not part of equality.
    """

    stages: npt.NDArray[np.str_]
    epoch_s: float = EPOCH_S
    start_s: float = 0.0
    warning_details: list[Problem] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        stages = np.asarray(self.stages, dtype="<U2")
        if stages.ndim != 1:
            raise SignalError(f"stages must be one-dimensional; got shape {stages.shape}")
        bad = sorted(set(np.unique(stages).tolist()) - set(_VALID))
        if bad:
            raise SignalError(
                f"stages must each be one of {', '.join(_VALID)}; got {', '.join(map(repr, bad))}"
            )
        check_type("epoch_s", self.epoch_s, (int, float))
        check_type("start_s", self.start_s, (int, float))
        if not math.isfinite(self.epoch_s) or self.epoch_s <= 0:
            raise ValueError(f"epoch_s must be a positive number of seconds; got {self.epoch_s}")
        if not math.isfinite(self.start_s):
            raise ValueError(f"start_s must be a finite number of seconds; got {self.start_s}")
        self.stages = stages
        self.epoch_s = float(self.epoch_s)
        self.start_s = float(self.start_s)

    @property
    def warnings(self) -> list[str]:
        """The English messages of :attr:`warning_details`."""
        return [problem.message for problem in self.warning_details]

    @property
    def end_s(self) -> float:
        """End of the last epoch, in seconds from the start of the recording."""
        return self.start_s + len(self.stages) * self.epoch_s

    def stage_at(self, times_s: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Stage at each time.

        Parameters
        ----------
        times_s : array_like of float
            Seconds from the start of the recording, any shape.

        Returns
        -------
        ndarray of str, same shape as ``times_s``, dtype ``'<U2'``
            The stage of the epoch holding each time; ``"?"`` before the first
            epoch, after the last one, and for non-finite times.
        """
        times = np.asarray(times_s, dtype=np.float64)
        out = np.full(times.shape, UNKNOWN_STAGE, dtype="<U2")
        with np.errstate(invalid="ignore"):
            position = np.floor((times - self.start_s) / self.epoch_s)
        valid = np.isfinite(position) & (position >= 0) & (position < len(self.stages))
        out[valid] = self.stages[position[valid].astype(np.int64)]
        return out

    def _seconds(self, stages: Sequence[str]) -> float:
        return float(np.count_nonzero(np.isin(self.stages, stages))) * self.epoch_s

    def sleep_seconds(self) -> float:
        """Seconds scored N1, N2, N3 or R."""
        return self._seconds(SLEEP_STAGES)

    def wake_seconds(self) -> float:
        """Seconds scored W."""
        return self._seconds(("W",))

    def seconds_by_stage(self) -> dict[str, float]:
        """Seconds in each of :data:`STAGES` and ``"?"`` (every key present)."""
        return {stage: self._seconds((stage,)) for stage in _VALID}


@dataclass(frozen=True)
class ScoredEvent:
    """A respiratory event or an arousal scored in the recording.

    Parameters
    ----------
    onset_s : float
        Seconds from the start of the recording.
    duration_s : float
        Seconds (0.0 when the annotation gave none).
    kind : str
        One of :data:`EVENT_KINDS`: ``"apnea"`` (obstructive, central or
        mixed), ``"hypopnea"``, ``"rera"`` (respiratory effort-related
        arousal) or ``"arousal"``.
    """

    onset_s: float
    duration_s: float
    kind: str


def _event_kind(text: str) -> str | None:
    norm = _normalise(text.replace("|", " "))
    if re.search(r"\brera\b|effort related arousal|effort-related arousal", norm):
        return "rera"
    if re.search(r"hypopno?ea", norm):
        return "hypopnea"
    if re.search(r"apno?eas?\b", norm):
        return "apnea"
    if "arous" in norm:
        return "arousal"
    return None


def events_from_annotations(annotations: Sequence[Annotation]) -> list[ScoredEvent]:
    """Respiratory events and arousals found in annotations.

    Recognised (case-insensitive): apneas (``Obstructive Apnea``, ``Central
    apnea``, ``Mixed Apnea``, ``Apnoea``...), hypopneas (``Hypopnea``,
    ``Obstructive Hypopnea``...), RERAs (``RERA``, ``Respiratory effort related
    arousal``) and arousals (``Arousal``, ``Arousal (ARO SPONT)``, ``ASDA
    arousal``, ``Arousal (ARO RES)``, ``micro-arousal``...). Other annotations
    (stages, desaturations, lights, notes) are ignored.

    Parameters
    ----------
    annotations : sequence of Annotation

    Returns
    -------
    list of ScoredEvent
        Sorted by onset.
    """
    events = []
    for annotation in annotations:
        kind = _event_kind(annotation.text)
        if kind is not None:
            events.append(ScoredEvent(annotation.onset_s, annotation.duration_s, kind))
    events.sort(key=lambda e: (e.onset_s, e.duration_s, e.kind))
    return events


# ------------------------------------------------------------------ epochs from spans


def _fill_epochs(
    spans: Sequence[tuple[float, float, str]], start_s: float, n_epochs: int, epoch_s: float
) -> tuple[npt.NDArray[np.str_], int]:
    """Stages per epoch from (onset, duration, stage) spans, and how many no span covers.

    An epoch takes the stage of the span holding its midpoint (later spans win).
    A span of duration 0 lasts until the next span's onset (one epoch for the
    last span).
    """
    stages = np.full(n_epochs, UNKNOWN_STAGE, dtype="<U2")
    if n_epochs == 0:
        return stages, 0
    covered = np.zeros(n_epochs, dtype=bool)
    mids = start_s + (np.arange(n_epochs) + 0.5) * epoch_s
    ordered = sorted(spans, key=lambda s: s[0])
    for i, (onset, duration, stage) in enumerate(ordered):
        if duration > 0:
            end = onset + duration
        elif i + 1 < len(ordered):
            end = ordered[i + 1][0]
        else:
            end = onset + epoch_s
        lo = int(np.searchsorted(mids, onset, side="left"))
        hi = int(np.searchsorted(mids, end, side="left"))
        stages[lo:hi] = stage
        covered[lo:hi] = True
    return stages, int(np.count_nonzero(~covered))


def _check_duration(duration_s: float | None) -> None:
    if duration_s is None:
        return
    check_type("duration_s", duration_s, (int, float))
    if not math.isfinite(duration_s):
        raise ValueError(f"duration_s must be a finite number of seconds; got {duration_s}")
    check_range("duration_s", duration_s, 0.0, None, "s")


def _note(notes: list[Problem], code: str, message: str, **params: Any) -> None:
    """Add a warning (a code of :data:`WARNING_CODES`, its English text and params)."""
    notes.append(Problem(code, message, None, None, params))


def _emit(notes: Sequence[Problem], source: str) -> None:
    """Log each warning and issue it as a :class:`SignalWarning` (for library users)."""
    for note in notes:
        logger.warning("%s: %s", source, note.message)
        warnings.warn(f"{source}: {note.message}", SignalWarning, stacklevel=3)


def _unscored_gaps(notes: list[Problem], uncovered: int) -> None:
    if uncovered:
        _note(
            notes,
            "unscored_gaps",
            f"no sleep stage covers {uncovered} of the recording's {EPOCH_S:g}-s epochs "
            f"({uncovered * EPOCH_S:g} s); they were read as unscored (neither sleep nor wake)",
            epochs=uncovered,
            seconds=uncovered * EPOCH_S,
        )


def _epoch_lengths(notes: list[Problem], spans: Sequence[tuple[float, float, str]]) -> None:
    """Warn if stages last other than a whole number of 30-s epochs (e.g. 20-s epochs)."""
    ordered = sorted(spans, key=lambda s: s[0])
    lengths = [
        duration if duration > 0 else ordered[i + 1][0] - onset
        for i, (onset, duration, _) in enumerate(ordered)
        if duration > 0 or i + 1 < len(ordered)
    ]
    odd = [
        round(length, 3)
        for length in lengths
        if length > 0 and abs(length - EPOCH_S * round(length / EPOCH_S)) > _EPOCH_TOLERANCE_S
    ]
    if odd:
        seconds = Counter(odd).most_common(1)[0][0]
        _note(
            notes,
            "epoch_not_30s",
            f"{len(odd)} sleep stages last {seconds:g} s or another length that is not a "
            f"whole number of {EPOCH_S:g}-s epochs; they were resampled to {EPOCH_S:g}-s "
            "epochs (each epoch takes the stage at its midpoint)",
            seconds=float(seconds),
            count=len(odd),
        )


def _from_spans(
    spans: Sequence[tuple[float, float, str]],
    duration_s: float | None,
    source: str,
    notes: list[Problem],
) -> Hypnogram:
    start_s = min(s[0] for s in spans)
    if duration_s is None:
        ordered = sorted(spans, key=lambda s: s[0])
        last_onset, last_duration, _ = ordered[-1]
        end = last_onset + (last_duration if last_duration > 0 else EPOCH_S)
        end = max(end, max(s[0] + s[1] for s in spans))
        n_epochs = math.ceil((end - start_s) / EPOCH_S - 1e-9)
    else:
        last_onset = max(s[0] for s in spans)
        if last_onset >= duration_s + EPOCH_S:
            raise SignalError(
                f"{source}: a stage starts at {last_onset:g} s but the recording lasts only "
                f"{duration_s:g} s; is it the hypnogram of this recording?",
                code="hypnogram_too_long",
                params={"seconds": duration_s},
            )
        n_epochs = max(0, math.floor((duration_s - start_s) / EPOCH_S + 1e-9))
    if n_epochs > MAX_EPOCHS:
        raise SignalError(
            f"{source}: the stages span {n_epochs} epochs of {EPOCH_S:g} s "
            f"({n_epochs * EPOCH_S / 86400:.1f} days); at most {MAX_EPOCHS} (14 days) are read",
            code="too_many_epochs",
            params={"epochs": n_epochs, "max": MAX_EPOCHS},
        )
    _epoch_lengths(notes, spans)
    stages, uncovered = _fill_epochs(spans, start_s, n_epochs, EPOCH_S)
    _unscored_gaps(notes, uncovered)
    return Hypnogram(stages, EPOCH_S, start_s, warning_details=notes)


_STAGE_LIKE_RE = re.compile(r"(?:sleep ?stage|stage)(?:\s.*)?")
_ANNOTATIONS_SOURCE = "the recording's stage annotations"


def _from_annotations(
    annotations: Sequence[Annotation], duration_s: float
) -> tuple[Hypnogram | None, list[Problem]]:
    """:func:`hypnogram_from_annotations` without issuing its warnings, which it returns."""
    _check_duration(duration_s)
    notes: list[Problem] = []
    spans = []
    unknown: list[str] = []
    for annotation in annotations:
        stage = _stage_from_annotation(annotation.text)
        if stage is None:
            if _STAGE_LIKE_RE.fullmatch(_normalise(annotation.text.split("|")[0])):
                unknown.append(annotation.text.strip())
            continue
        if not (math.isfinite(annotation.onset_s) and math.isfinite(annotation.duration_s)):
            raise SignalError(
                f"stage annotation {annotation.text!r} has onset {annotation.onset_s} s and "
                f"duration {annotation.duration_s} s; both must be finite",
                code="stage_not_finite",
                params={"stage": annotation.text},
            )
        spans.append((annotation.onset_s, max(annotation.duration_s, 0.0), stage))
    if unknown:
        labels = ", ".join(
            repr(label) for label in list(dict.fromkeys(unknown))[:_MAX_LABELS_NAMED]
        )
        _note(
            notes,
            "unknown_stage_labels",
            f"{len(unknown)} annotations look like sleep stages but name none that is known "
            f"({labels}); they were skipped",
            count=len(unknown),
            labels=labels,
        )
    if not spans:
        return None, notes
    return _from_spans(spans, duration_s, _ANNOTATIONS_SOURCE, notes), notes


def hypnogram_from_annotations(
    annotations: Sequence[Annotation], duration_s: float
) -> Hypnogram | None:
    """The hypnogram in a recording's EDF+ annotations.

    The first epoch starts at the first stage annotation; each annotation
    covers the epochs whose midpoint lies within it (an annotation without a
    duration lasts until the next stage annotation). Only complete epochs
    within ``duration_s`` are kept; epochs no annotation covers are ``"?"``.

    Parameters
    ----------
    annotations : sequence of Annotation
        All of a recording's annotations; non-stage ones are ignored.
    duration_s : float
        Length of the recording in seconds.

    Returns
    -------
    Hypnogram | None
        ``None`` when no annotation is a sleep stage (not a failure: the
        recording is simply not staged). The hypnogram's
        :attr:`~Hypnogram.warning_details` list what was worked around (stages not
        30 s long, epochs no stage covers, stage-like labels skipped); each is also
        issued as a :class:`~quietlegs.signals.edf.SignalWarning`.

    Raises
    ------
    SignalError
        If the stage annotations start after the end of the recording.
    """
    hypnogram, notes = _from_annotations(annotations, duration_s)
    _emit(notes, _ANNOTATIONS_SOURCE)
    return hypnogram


# ------------------------------------------------------------------ files

_ONSET_NAMES = frozenset({"onset", "onset_s", "onset s", "start", "start_s"})
_DURATION_NAMES = frozenset({"duration", "duration_s", "duration s", "dur"})
_STAGE_NAMES = frozenset({"stage", "sleep stage", "sleep_stage", "stages"})
_EPOCH_FILE_HEADERS = frozenset(
    {"stage", "stages", "sleep stage", "sleep stages", "hypnogram", "label", "labels"}
)


def _column_name(raw: str) -> str:
    name = raw.strip().strip("\"'").lower()
    name = re.sub(r"\s*[(\[]\s*s(?:ec(?:onds)?)?\s*[)\]]$", "", name)  # "onset (s)"
    return name.strip()


def _parse_number(text: str, what: str, where: str, line: int) -> float:
    params = {"line": line, "column": what, "value": text.strip()}
    try:
        value = float(text.strip())
    except ValueError:
        raise SignalError(
            f"{where}: {what} {text.strip()!r} is not a number of seconds",
            code="not_seconds",
            params=params,
        ) from None
    if not math.isfinite(value) or value < 0:
        raise SignalError(
            f"{where}: {what} {text.strip()!r} must be a number of seconds >= 0",
            code="not_seconds",
            params=params,
        )
    return value


def _read_csv(
    lines: list[tuple[int, str]], delimiter: str, source: str, duration_s: float | None
) -> Hypnogram:
    header_no, header_line = lines[0]
    raw_names = next(csv.reader([header_line], delimiter=delimiter))
    found = [c.strip().strip("\"'") for c in raw_names]
    kinds: list[str] = []
    for name in map(_column_name, raw_names):
        if name in _ONSET_NAMES:
            kinds.append("onset")
        elif name in _DURATION_NAMES:
            kinds.append("duration")
        elif name in _STAGE_NAMES:
            kinds.append("stage")
        else:
            kinds.append("?")
    if sorted(kinds) not in (["onset", "stage"], ["duration", "onset", "stage"]):
        raise SignalError(
            f"{source}:{header_no}: a hypnogram CSV needs the header 'onset,stage' or "
            f"'onset,duration,stage' (onset and duration in seconds); found "
            f"{', '.join(repr(n) for n in found)}",
            code="hypnogram_header",
            params={"line": header_no, "columns": ", ".join(found)},
        )
    col = {kind: kinds.index(kind) for kind in set(kinds)}
    spans: list[tuple[float, float, str]] = []
    codes: set[int] = set()
    for number, line in lines[1:]:
        where = f"{source}:{number}"
        row = next(csv.reader([line], delimiter=delimiter))
        if len(row) != len(kinds):
            raise SignalError(
                f"{where}: {len(row)} fields, but the header has {len(kinds)} ({', '.join(found)})",
                code="field_count",
                params={"line": number, "fields": len(row), "columns": len(kinds)},
            )
        onset = _parse_number(row[col["onset"]], "onset", where, number)
        duration = (
            _parse_number(row[col["duration"]], "duration", where, number)
            if "duration" in col
            else 0.0
        )
        stage, code = _stage_from_token(row[col["stage"]])
        if code is not None:
            codes.add(code)
        if stage is None:
            raise SignalError(
                f"{where}: {row[col['stage']].strip()!r} is not a sleep stage "
                f"(expected {_EXPECTED_TOKENS})",
                code="not_a_stage",
                params={"line": number, "value": row[col["stage"]].strip()},
            )
        spans.append((onset, duration, stage))
    if not spans:
        raise SignalError(f"{source}: the CSV has a header but no stages", code="no_stages")
    notes: list[Problem] = []
    _four_may_be_rem(notes, codes, [s[2] for s in spans])
    return _from_spans(spans, duration_s, source, notes)


def _four_may_be_rem(notes: list[Problem], codes: set[int], stages: Sequence[str]) -> None:
    if 4 in codes and 5 not in codes and "R" not in stages:
        _note(
            notes,
            "four_may_be_rem",
            "the numeric stages reach 4 but never 5 and there is no R: 4 was read as N3 (R&K "
            "stage 4, codes 0=W 1=N1 2=N2 3=N3 4=N3 5=R). If this file codes REM as 4 (0-4 "
            "coding), convert it to letters (W, N1, N2, N3, R)",
        )


def _read_epochs(lines: list[tuple[int, str]], source: str, duration_s: float | None) -> Hypnogram:
    if lines and _normalise(lines[0][1]) in _EPOCH_FILE_HEADERS:
        lines = lines[1:]
    if not lines:
        raise SignalError(f"{source}: no stages in the file", code="no_stages")
    stages: list[str] = []
    codes: set[int] = set()
    for number, line in lines:
        stage, code = _stage_from_token(line)
        if stage is None:
            fields = len(line.split())
            extra = (
                f"; it has {fields} fields, and a one-stage-per-epoch file has one stage per line"
                if fields > 1 and _stage_from_annotation(line) is None
                else ""
            )
            raise SignalError(
                f"{source}:{number}: {line.strip()!r} is not a sleep stage "
                f"(expected {_EXPECTED_TOKENS}){extra}",
                code="not_a_stage",
                params={"line": number, "value": line.strip()},
            )
        stages.append(stage)
        if code is not None:
            codes.add(code)
    notes: list[Problem] = []
    _four_may_be_rem(notes, codes, stages)
    array = np.asarray(stages, dtype="<U2")
    if duration_s is not None:
        n_recording = math.floor(duration_s / EPOCH_S + 1e-9)
        if n_recording > MAX_EPOCHS:
            raise SignalError(
                f"{source}: a recording of {duration_s:g} s is {n_recording} epochs of "
                f"{EPOCH_S:g} s; at most {MAX_EPOCHS} (14 days) are read",
                code="too_many_epochs",
                params={"epochs": n_recording, "max": MAX_EPOCHS},
            )
        if len(array) > n_recording + 1:
            raise SignalError(
                f"{source}: {len(array)} epochs ({len(array) * EPOCH_S:g} s) but the recording "
                f"lasts only {duration_s:g} s ({n_recording} epochs of {EPOCH_S:g} s); is it the "
                "hypnogram of this recording?",
                code="hypnogram_too_long",
                params={"seconds": duration_s},
            )
        if len(array) > n_recording:
            array = array[:n_recording]
        elif len(array) < n_recording:
            _unscored_gaps(notes, n_recording - len(array))
            array = np.concatenate(
                [array, np.full(n_recording - len(array), UNKNOWN_STAGE, dtype="<U2")]
            )
    return Hypnogram(array, EPOCH_S, 0.0, warning_details=notes)


def _hypnogram_from_text(
    text: str, *, source: str = "<text>", duration_s: float | None = None, csv_hint: bool = False
) -> Hypnogram:
    """Parse a hypnogram file's text (see :func:`read_hypnogram`)."""
    _check_duration(duration_s)
    if "\x00" in text:
        raise SignalError(f"{source}: not a text file (it contains NUL bytes)", code="not_text")
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith(("#", "%"))
    ]
    if not lines:
        raise SignalError(f"{source}: the file has no stages (it is empty)", code="empty")
    first = lines[0][1]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] > 0 or csv_hint:
        hypnogram = _read_csv(lines, delimiter if counts[delimiter] else ",", source, duration_s)
    else:
        hypnogram = _read_epochs(lines, source, duration_s)
    _emit(hypnogram.warning_details, source)
    return hypnogram


def read_hypnogram(path: str | os.PathLike[str], duration_s: float | None = None) -> Hypnogram:
    """Read a hypnogram from a CSV or a one-stage-per-epoch text file.

    **CSV** (a ``.csv`` file, or any file whose first line holds a comma,
    semicolon or tab): a header ``onset,stage`` or ``onset,duration,stage``
    (any order, case-insensitive; ``onset_s``, ``onset (s)``, ``duration_s``
    accepted), onsets and durations in seconds from the start of the
    recording. A row without a duration lasts until the next row. The first
    epoch starts at the first onset.

    **One stage per epoch**: one token per line, 30-s epochs from the start of
    the recording (see the module docstring for the tokens and numeric codes).
    An optional first line ``Stage``/``Hypnogram`` is skipped.

    In both, blank lines and lines starting with ``#`` or ``%`` are skipped.

    Parameters
    ----------
    path : str | os.PathLike
        The file.
    duration_s : float | None
        Length of the recording in seconds. When given, the hypnogram is cut
        or padded with ``"?"`` to the recording's complete epochs, and a
        hypnogram more than one epoch longer than the recording is refused.

    Returns
    -------
    Hypnogram
        Its :attr:`~Hypnogram.warning_details` list what was worked around (4 read as
        N3, stages not 30 s long, epochs no stage covers); each is also issued as a
        :class:`~quietlegs.signals.edf.SignalWarning`.

    Raises
    ------
    SignalError
        The file cannot be read, is not text, is empty, has a CSV header other
        than the expected one (the message names what was expected and
        found), a line that is not a stage or not a number (the message names
        the line), or is longer than the recording.
    """
    source = os.fspath(path)
    try:
        size = os.path.getsize(source)
        if size > MAX_HYPNOGRAM_BYTES:
            raise SignalError(
                f"{source}: {size} bytes; a hypnogram file is at most {MAX_HYPNOGRAM_BYTES} bytes "
                "(is it the recording itself?)",
                code="file_too_large",
                params={"size": size, "max": MAX_HYPNOGRAM_BYTES},
            )
        raw = Path(source).read_bytes()
    except FileNotFoundError:
        raise SignalError(f"{source}: no such file", code="unreadable") from None
    except IsADirectoryError:
        raise SignalError(
            f"{source}: is a directory, not a hypnogram file", code="unreadable"
        ) from None
    except OSError as exc:
        raise SignalError(
            f"{source}: cannot be read ({exc.strerror or exc})", code="unreadable"
        ) from None
    if b"\x00" in raw:
        raise SignalError(f"{source}: not a text file (it contains NUL bytes)", code="not_text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return _hypnogram_from_text(
        text,
        source=source,
        duration_s=duration_s,
        csv_hint=source.lower().endswith(".csv"),
    )
