"""Reading the leg EMG of a polysomnogram from an EDF or EDF+ file.

:func:`read_leg_recording` returns the two tibialis anterior channels in µV,
the recording's EDF+ annotations and every problem found on the way
(:attr:`LegRecording.warnings`). Files that cannot give a trustworthy
measurement (not an EDF, truncated, a header that lies about its length,
discontinuous EDF+D, scaling that would divide by zero, no leg channel, a
sampling rate below 100 Hz) raise :class:`~quietlegs._errors.SignalError`
with a message that names the file, the channel and what was expected.

Why the data records are read here and not through ``edfio``
-------------------------------------------------------------
``edfio.read_edf(path, lazy_load_data=True)`` keeps only the channels whose
``.data`` is touched on the Python heap (measured: 6.6 MB traced peak for two
channels of a 35 MB, 12-channel, 2-h file), but it memory-maps the whole data
block and slices one channel out of every record. With the usual 1-s records a
leg channel's samples sit on nearly every page of the file, so every page is
faulted in and the process's resident set grows by the size of the whole file
(measured: +40 MB RSS, of which +38 MB file-backed, for that 35 MB file, with
the two channels still as int16). A 500 MB PSG would put 500 MB in the
resident set. Its annotations are read the same way, the offsets of the
annotation signals are reachable only through private attributes, and some
malformed headers surface as library-internal errors (a zero record duration
gives ``UnboundLocalError``). The EDF header is 256 bytes plus 256 per signal
(https://www.edfplus.info/specs/edf.html, https://www.edfplus.info/specs/edfplus.html),
so this module parses it itself, field by field, with a message per field,
and reads the data records in chunks of :data:`READ_CHUNK_BYTES`, keeping only
the two leg channels (converted to µV chunk by chunk) and the annotation bytes.
Same file: +27 MB RSS = the two channels as float64 (23 MB) plus one chunk,
file-backed RSS unchanged; the tests check the traced peak on a 2-h,
17-channel file. ``edfio`` writes the synthetic recordings of the test suite,
and the tests check this reader against ``edfio``'s reading of them.
"""

from __future__ import annotations

import datetime
import logging
import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from quietlegs._errors import Problem, SignalError

__all__ = [
    "Annotation",
    "LegRecording",
    "SignalWarning",
    "find_leg_channels",
    "read_leg_recording",
]

logger = logging.getLogger("quietlegs.signals")

#: The codes of the :class:`~quietlegs.SignalError` problems :func:`read_leg_recording`
#: raises (``error.problem.code``), with their ``params``: ``unreadable`` (no such file,
#: a folder, an I/O error), ``not_edf``, ``bdf``, ``header_size`` (``size``, ``signals``,
#: ``expected``: the header's length field does not fit its number of signals),
#: ``bad_signal_count`` (``value``), ``bad_record_count`` (``value``),
#: ``bad_record_duration`` (``value``), ``bad_channel_field`` (``channel``, ``field``:
#: ``samples_per_record``, ``physical_minimum``..., ``value``), ``non_ascii_header`` (a
#: header field that makes no sense in a header holding non-ASCII bytes, which EDF does
#: not allow: typically a name written in UTF-8 that shifted the fields after it),
#: ``corrupt_header`` (any other header field that makes no sense), ``truncated``,
#: ``no_records``, ``edf_plus_d``, ``gaps`` (``record``:
#: an EDF+C whose timekeeping jumps), ``no_leg_channel`` (``channels``: the labels, quoted),
#: ``no_such_channel`` (``channel``, ``side``, ``channels``), ``same_channel`` (``channel``),
#: ``sampling_rate_too_low`` (``channel``, ``side``, ``rate``, ``min`` in Hz),
#: ``rates_differ`` (``left``, ``left_rate``, ``right``, ``right_rate``), ``bad_scaling``
#: (``channel``).
PROBLEM_CODES: frozenset[str] = frozenset(
    {
        "unreadable",
        "not_edf",
        "bdf",
        "header_size",
        "bad_signal_count",
        "bad_record_count",
        "bad_record_duration",
        "bad_channel_field",
        "non_ascii_header",
        "corrupt_header",
        "truncated",
        "no_records",
        "edf_plus_d",
        "gaps",
        "no_leg_channel",
        "no_such_channel",
        "same_channel",
        "sampling_rate_too_low",
        "rates_differ",
        "bad_scaling",
    }
)

#: The header faults that :func:`read_leg_recording` reports as ``non_ascii_header``
#: when the header holds non-ASCII bytes (the likely cause of the fault).
_HEADER_FIELD_CODES = frozenset(
    {
        "header_size",
        "bad_signal_count",
        "bad_record_count",
        "bad_record_duration",
        "bad_channel_field",
        "corrupt_header",
    }
)

#: The codes of the warnings of a recording read (:attr:`LegRecording.warning_details`),
#: with their ``params``: ``record_count_unknown`` (``records``, ``seconds``),
#: ``extra_records`` (``declared``, ``declared_s``, ``records``, ``seconds``),
#: ``stray_bytes`` (``bytes``), ``duplicate_label`` (``count``, ``channel``),
#: ``several_candidates`` (``side``, ``channels``, ``channel``), ``combined_leg_channel``
#: (``channel``), ``one_leg_only`` (``channel``, ``side``, ``missing``),
#: ``low_sampling_rate`` (``channels``, ``rate``, ``recommended`` in Hz), ``unknown_unit``
#: (``channel``, ``unit``), ``flat_channel`` (``channel``, ``value`` in µV),
#: ``saturated_channel`` (``channel``, ``percent``, ``low``, ``high`` in µV),
#: ``no_timekeeping`` (``records``), ``no_start_time`` (``date``, ``time``: the header's
#: start date and start time fields as written; the recording is read with ``start=None``).
WARNING_CODES: frozenset[str] = frozenset(
    {
        "record_count_unknown",
        "extra_records",
        "stray_bytes",
        "duplicate_label",
        "several_candidates",
        "combined_leg_channel",
        "one_leg_only",
        "low_sampling_rate",
        "unknown_unit",
        "flat_channel",
        "saturated_channel",
        "no_timekeeping",
        "no_start_time",
    }
)

#: Lowest sampling rate accepted. quietlegs floor (issue #4): below 100 Hz the
#: Nyquist frequency (< 50 Hz) cuts off most of the surface-EMG band above the
#: 10 Hz high-pass used for leg-movement detection, so the rectified amplitude
#: that the µV thresholds of WASM 2016 (Ferri et al., Sleep Med 2016;26:86-95)
#: apply to is no longer comparable.
MIN_SFREQ_HZ = 100.0

#: Sampling rate the standards ask for: WASM 2016 (Ferri et al., Sleep Med
#: 2016;26:86-95, technical recommendations) and the AASM Scoring Manual
#: (v2.6/v3, technical specifications: EMG minimum 200 Hz). Between
#: :data:`MIN_SFREQ_HZ` and this rate a recording is read with a warning.
RECOMMENDED_SFREQ_HZ = 200.0

#: Share of samples at the digital minimum or maximum above which a channel is
#: reported as saturated. A data-quality heuristic of quietlegs, not a clinical
#: threshold: clipping during a few large movements is harmless (they are far
#: above threshold anyway), clipping of 1 % of a night is not.
SATURATION_WARN_FRACTION = 0.01

#: Bytes of data records read at a time. Bounds the memory used on top of the
#: two leg channels, whatever the size of the file.
READ_CHUNK_BYTES = 4 * 2**20

#: Largest difference between a data record's timekeeping onset and where a
#: continuous recording puts it that is still read as continuous (writers round
#: onsets, e.g. "+0.333" for 1/3-s records). A data-format tolerance: a gap of
#: under a millisecond cannot change a leg-movement score.
GAP_TOLERANCE_S = 1e-3

#: Factor from a header's physical dimension (lower-cased, spaces removed) to µV.
UNIT_TO_UV: dict[str, float] = {
    "uv": 1.0,
    "µv": 1.0,  # MICRO SIGN U+00B5 (latin-1 byte 0xB5)
    "μv": 1.0,  # GREEK SMALL LETTER MU U+03BC
    "microv": 1.0,
    "microvolt": 1.0,
    "microvolts": 1.0,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
    "nv": 1e-3,
}

_HEADER_BYTES = 256
_SIGNAL_HEADER_FIELDS: tuple[tuple[str, int], ...] = (
    ("label", 16),
    ("transducer type", 80),
    ("physical dimension", 8),
    ("physical minimum", 8),
    ("physical maximum", 8),
    ("digital minimum", 8),
    ("digital maximum", 8),
    ("prefiltering", 80),
    ("number of samples in each data record", 8),
    ("reserved", 32),
)
_ANNOTATION_LABEL = "EDF Annotations"
_SIDES = ("left", "right")


class SignalWarning(UserWarning):
    """A recoverable problem with a recording, also listed in its ``warnings``.

    Silence these with ``warnings.simplefilter("ignore", SignalWarning)``; the
    report still carries them through :attr:`LegRecording.warnings`.
    """


@dataclass(frozen=True)
class Annotation:
    """One EDF+ annotation.

    Parameters
    ----------
    onset_s : float
        Seconds from the start of the recording.
    duration_s : float
        Seconds; 0.0 when the annotation has no duration.
    text : str
        The annotation text, as written (e.g. ``"Sleep stage N2"``).
    """

    onset_s: float
    duration_s: float
    text: str


@dataclass
class LegRecording:
    """The leg EMG of one recording, in µV, with what is known about it.

    Parameters
    ----------
    left_uv, right_uv : ndarray of float64, shape (n_samples,) | None
        Left and right tibialis anterior EMG in µV; ``None`` for a leg that was
        not recorded or not found. A single combined leg channel (``"Legs"``)
        is returned as ``left_uv`` with ``right_uv=None`` and a warning.
    sfreq_hz : float
        Sampling rate of the leg channels (both legs have the same rate).
    left_label, right_label : str | None
        The EDF labels the legs were read from.
    duration_s : float
        Length of the recording (number of data records x record duration).
    start : datetime.datetime | None
        Start of the recording (local time as written in the header); ``None``
        when the header's date is anonymised or unreadable.
    annotations : list of Annotation
        Every non-empty EDF+ annotation, sorted by onset.
    path : str
        The file read.
    warnings : list of str
        Every recoverable problem found (one leg only, low sampling rate,
        unknown unit, flat or saturated channel, header record count, ...), in English.
    warning_details : list of Problem
        The same warnings as :class:`~quietlegs.Problem` data (a code of
        :data:`WARNING_CODES` and its ``params``), in the same order, for shells that
        word them in another language.
    """

    left_uv: npt.NDArray[np.float64] | None
    right_uv: npt.NDArray[np.float64] | None
    sfreq_hz: float
    left_label: str | None
    right_label: str | None
    duration_s: float
    start: datetime.datetime | None
    annotations: list[Annotation]
    path: str
    warnings: list[str] = field(default_factory=list)
    warning_details: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- labels

# Label matching works on a compact form: lower case, "emg" dropped, every
# character that is not a letter or a digit removed ("EMG Tib.L" -> "tibl",
# "L-TA" -> "lta", "Lleg EMG" -> "lleg"). A leg label is a side word and a muscle
# word in either order, optionally numbered, optionally repeated for bipolar
# derivations ("LAT1-LAT2" -> "lat1lat2").
_MUSCLE = (
    r"(?:legs?|tib|tibia|tibialis|tibant|tibialisant|tibialisanterior"
    r"|anteriortibialis|antib|ta|at|plm)"
)
_LEFT_SIDE = r"(?:l|lt|left)"
_RIGHT_SIDE = r"(?:r|rt|right)"


def _side_pattern(side: str) -> re.Pattern[str]:
    side_first = rf"(?:{side}{_MUSCLE}\d*)"
    muscle_first = rf"(?:{_MUSCLE}{side}\d*)"
    return re.compile(rf"(?:{side_first}{{1,2}}|{muscle_first}{{1,2}})(?:ref)?")


_LEFT_RE = _side_pattern(_LEFT_SIDE)
_RIGHT_RE = _side_pattern(_RIGHT_SIDE)
_COMBINED_RE = re.compile(r"(?:legs?|plm|tibialis|tibs?|limbs?|legsemg)")


def _compact_label(label: str) -> str:
    text = label.lower().replace("emg", " ")
    return re.sub(r"[^0-9a-z]+", "", text)


def _leg_candidates(labels: Sequence[str]) -> dict[str, list[str]]:
    """Labels that look like the left leg, the right leg, or both legs in one."""
    found: dict[str, list[str]] = {"left": [], "right": [], "combined": []}
    for label in labels:
        compact = _compact_label(label)
        if not compact:
            continue
        if _LEFT_RE.fullmatch(compact):
            found["left"].append(label)
        elif _RIGHT_RE.fullmatch(compact):
            found["right"].append(label)
        elif _COMBINED_RE.fullmatch(compact):
            found["combined"].append(label)
    return found


def find_leg_channels(labels: Sequence[str]) -> tuple[str | None, str | None]:
    """Find the left and right leg EMG channels among a recording's labels.

    Matching is case-insensitive and ignores spaces, dots, dashes and the word
    "EMG": ``LAT``/``RAT``, ``L-TA``/``R-TA``, ``Leg L``/``Leg R``,
    ``Left Leg``/``Right Leg``, ``LLEG``/``RLEG``, ``LLeg1``/``RLeg1``,
    ``EMG Tib.L``/``EMG Tib.R``, ``Tib L``/``Tib R``, ``TibL``/``TibR``,
    ``Lleg EMG``, ``EMG LAT``, ``LAT1-LAT2``, ``Left Tibialis``... When there is
    no left and no right channel, a single combined channel (``Legs``,
    ``LEGS``, ``Leg EMG``, ``Leg``, ``PLM``) is returned as the left leg.
    When several labels match one side, the first in the file is returned.

    Parameters
    ----------
    labels : sequence of str
        The channel labels, in file order.

    Returns
    -------
    left, right : str | None
        The labels found, ``None`` for a side not found.
    """
    found = _leg_candidates(labels)
    left = found["left"][0] if found["left"] else None
    right = found["right"][0] if found["right"] else None
    if left is None and right is None and found["combined"]:
        left = found["combined"][0]
    return left, right


# --------------------------------------------------------------------------- header


@dataclass
class _SignalHeader:
    index: int
    label: str
    fields: dict[str, str]
    samples_per_record: int
    byte_offset: int  # within a data record


@dataclass
class _Header:
    path: str
    file_size: int
    header_bytes: int
    reserved: str
    n_records: int
    record_duration_s: float
    signals: list[_SignalHeader]
    record_bytes: int
    recording_id: str
    startdate: str
    starttime: str


def _fail(path: str, message: str, code: str = "corrupt_header", **params: Any) -> SignalError:
    """The reader's error: ``message`` after the path, with its code and params
    (:data:`PROBLEM_CODES`; ``corrupt_header`` by default: a header field that makes no sense)."""
    return SignalError(f"{path}: {message}", code=code, params=params)


def _note(notes: list[Problem], code: str, message: str, **params: Any) -> None:
    """Add a warning (a code of :data:`WARNING_CODES`, its English text and params)."""
    notes.append(Problem(code, message, None, None, params))


def _field_int(path: str, raw: str, what: str, code: str, **params: Any) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise _fail(
            path,
            f"the header's {what} is {raw.strip()!r}, not an integer",
            code,
            value=raw.strip(),
            **params,
        ) from None


def _field_float(path: str, raw: str, what: str, code: str, **params: Any) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise _fail(
            path,
            f"the header's {what} is {raw.strip()!r}, not a number",
            code,
            value=raw.strip(),
            **params,
        ) from None
    if not math.isfinite(value):
        raise _fail(
            path,
            f"the header's {what} is {raw.strip()!r}, not a finite number",
            code,
            value=raw.strip(),
            **params,
        )
    return value


def _header_has_non_ascii(path: str) -> bool:
    """Whether the header (its fixed part, and the signal headers when its length field
    is readable) holds a byte outside printable ASCII, which EDF does not allow."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            fixed = handle.read(_HEADER_BYTES)
            try:
                length = int(fixed[184:192].decode("latin-1").strip())
            except ValueError:
                length = _HEADER_BYTES
            if _HEADER_BYTES < length <= size and length % _HEADER_BYTES == 0:
                fixed += handle.read(length - _HEADER_BYTES)
    except OSError:
        return False
    return any(byte >= 0x80 for byte in fixed[8:])


def _read_header(path: str) -> _Header:
    try:
        file_size = os.path.getsize(path)
        with open(path, "rb") as handle:
            fixed = handle.read(_HEADER_BYTES)
    except FileNotFoundError:
        raise _fail(path, "no such file", "unreadable") from None
    except IsADirectoryError:
        raise _fail(path, "is a directory, not an EDF file", "unreadable") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})", "unreadable") from None
    if len(fixed) < _HEADER_BYTES:
        raise _fail(
            path,
            f"not an EDF file: {file_size} bytes, shorter than the {_HEADER_BYTES}-byte EDF header",
            "not_edf",
        )
    version = fixed[:8]
    if version == b"\xffBIOSEMI":
        raise _fail(path, "a BDF (24-bit BioSemi) file; only EDF and EDF+ are supported", "bdf")
    if version != b"0       ":
        raise _fail(
            path,
            f"not an EDF file: it starts with {version!r}, and an EDF header starts "
            "with the version field '0' followed by 7 spaces",
            "not_edf",
        )
    text = fixed.decode("latin-1")
    header_bytes = _field_int(
        path, text[184:192], "number of bytes in the header record", "corrupt_header"
    )
    reserved = text[192:236].strip()
    n_records = _field_int(path, text[236:244], "number of data records", "bad_record_count")
    record_duration_s = _field_float(
        path, text[244:252], "duration of a data record", "bad_record_duration"
    )
    n_signals = _field_int(path, text[252:256], "number of signals", "bad_signal_count")
    if n_signals < 1:
        raise _fail(
            path,
            f"the header declares {n_signals} signals; an EDF needs at least one",
            "bad_signal_count",
            value=str(n_signals),
        )
    expected_header = _HEADER_BYTES * (n_signals + 1)
    if header_bytes != expected_header:
        raise _fail(
            path,
            f"the header says it is {header_bytes} bytes long, but {n_signals} signals need "
            f"{expected_header} bytes (256 + 256 per signal): the header is corrupt",
            "header_size",
            size=header_bytes,
            signals=n_signals,
            expected=expected_header,
        )
    if file_size < header_bytes:
        raise _fail(
            path,
            f"truncated: the header of {n_signals} signals needs {header_bytes} bytes "
            f"but the file holds only {file_size}",
            "truncated",
        )
    with open(path, "rb") as handle:
        handle.seek(_HEADER_BYTES)
        raw_signals = handle.read(header_bytes - _HEADER_BYTES).decode("latin-1")
    columns: dict[str, list[str]] = {}
    position = 0
    for name, width in _SIGNAL_HEADER_FIELDS:
        columns[name] = [
            raw_signals[position + i * width : position + (i + 1) * width] for i in range(n_signals)
        ]
        position += width * n_signals
    signals: list[_SignalHeader] = []
    offset = 0
    for i in range(n_signals):
        label = columns["label"][i].strip()
        spr_raw = columns["number of samples in each data record"][i]
        spr = _field_int(
            path,
            spr_raw,
            f"number of samples per data record of signal {label!r}",
            "bad_channel_field",
            channel=label,
            field="samples_per_record",
        )
        if spr < 0:
            raise _fail(
                path,
                f"signal {label!r} declares {spr} samples per data record",
                "bad_channel_field",
                channel=label,
                field="samples_per_record",
                value=str(spr),
            )
        fields = {name: columns[name][i].strip() for name, _ in _SIGNAL_HEADER_FIELDS}
        signals.append(_SignalHeader(i, label, fields, spr, offset))
        offset += 2 * spr
    record_bytes = offset
    if record_bytes == 0:
        raise _fail(path, "the data records are empty (every signal has 0 samples per record)")
    return _Header(
        path=path,
        file_size=file_size,
        header_bytes=header_bytes,
        reserved=reserved,
        n_records=n_records,
        record_duration_s=record_duration_s,
        signals=signals,
        record_bytes=record_bytes,
        recording_id=text[88:168].strip(),
        startdate=text[168:176],
        starttime=text[176:184],
    )


def _check_record_count(header: _Header, notes: list[Problem]) -> int:
    """Number of data records to read, checked against the file size."""
    path = header.path
    record_s = header.record_duration_s
    if record_s <= 0:
        raise _fail(
            path,
            f"the header gives a data record duration of {record_s:g} s; "
            "a recording with signals needs a positive duration",
            "bad_record_duration",
            value=f"{record_s:g}",
        )
    data_bytes = header.file_size - header.header_bytes
    complete, stray = divmod(data_bytes, header.record_bytes)
    declared = header.n_records
    if declared == -1:
        _note(
            notes,
            "record_count_unknown",
            f"the header does not give the number of data records (-1, a recording that was "
            f"not closed properly); reading the {complete} complete records in the file "
            f"({complete * record_s:g} s)",
            records=complete,
            seconds=complete * record_s,
        )
        declared = complete
    elif declared < 0:
        raise _fail(
            path,
            f"the header declares {declared} data records",
            "bad_record_count",
            value=str(declared),
        )
    elif declared > complete:
        missing = declared * header.record_bytes - data_bytes
        raise _fail(
            path,
            f"truncated: the header declares {declared} data records "
            f"({declared * record_s:g} s) but the file holds only {complete} complete "
            f"records ({complete * record_s:g} s); {missing} bytes are missing. "
            "Copy the file again from the recording system",
            "truncated",
        )
    elif declared < complete:
        _note(
            notes,
            "extra_records",
            f"the header declares {declared} data records ({declared * record_s:g} s) but the "
            f"file holds {complete} ({complete * record_s:g} s); reading the {declared} declared "
            "records and ignoring the rest",
            declared=declared,
            declared_s=declared * record_s,
            records=complete,
            seconds=complete * record_s,
        )
    elif stray:
        _note(
            notes,
            "stray_bytes",
            f"{stray} bytes after the last data record were ignored",
            bytes=stray,
        )
    if declared == 0:
        raise _fail(path, "the recording has no data records", "no_records")
    return declared


def _start_datetime(header: _Header) -> datetime.datetime | None:
    """Start date and time from the header; ``None`` if anonymised or unreadable.

    An anonymised date is the EDF+ recording field ``Startdate X``; see
    :func:`_start_is_anonymised`.
    """
    date: datetime.date | None = None
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    rec = header.recording_id.split()
    if len(rec) >= 2 and rec[0] == "Startdate":
        if rec[1] == "X":
            return None
        parts = rec[1].split("-")
        if len(parts) == 3 and parts[1].upper() in months:
            try:
                date = datetime.date(
                    int(parts[2]), months.index(parts[1].upper()) + 1, int(parts[0])
                )
            except (ValueError, OverflowError):
                date = None
    pattern = r"\s*(\d{1,2})\s*[.:'\-/ ]\s*(\d{1,2})\s*[.:'\-/ ]\s*(\d{1,2})\s*"
    if date is None:
        match = re.fullmatch(pattern, header.startdate)
        if match is None:
            return None
        day, month, year = (int(g) for g in match.groups())
        year += 1900 if year >= 85 else 2000  # EDF spec: 85-99 are 1985-1999
        try:
            date = datetime.date(year, month, day)
        except (ValueError, OverflowError):
            return None
    match = re.fullmatch(pattern, header.starttime)
    if match is None:
        return None
    hour, minute, second = (int(g) for g in match.groups())
    try:
        return datetime.datetime.combine(date, datetime.time(hour, minute, second))
    except (ValueError, OverflowError):
        return None


def _start_is_anonymised(header: _Header) -> bool:
    """Whether the EDF+ recording field says the start date is withheld (``Startdate X``)."""
    rec = header.recording_id.split()
    return len(rec) >= 2 and rec[0] == "Startdate" and rec[1] == "X"


# --------------------------------------------------------------------------- channels


def _pick_channels(
    header: _Header, left: str | None, right: str | None, notes: list[Problem]
) -> tuple[_SignalHeader | None, _SignalHeader | None]:
    path = header.path
    ordinary = [s for s in header.signals if s.label != _ANNOTATION_LABEL]
    labels = [s.label for s in ordinary]
    listing = ", ".join(repr(lab) for lab in labels) if labels else "none"

    def by_label(name: str, side: str) -> _SignalHeader | None:
        exact = [s for s in ordinary if s.label == name]
        if not exact:
            wanted = name.strip().lower()
            exact = [s for s in ordinary if s.label.strip().lower() == wanted]
        if not exact:
            if name.strip().lower() in ("", "none"):
                return None
            raise _fail(
                path,
                f"no channel is labelled {name!r} (given for the {side} leg); "
                f"the channels are: {listing}",
                "no_such_channel",
                channel=name,
                side=side,
                channels=listing,
            )
        if len(exact) > 1:
            _note(
                notes,
                "duplicate_label",
                f"{len(exact)} channels are labelled {name!r}; using the first",
                count=len(exact),
                channel=name,
            )
        return exact[0]

    found = _leg_candidates(labels)
    chosen: dict[str, _SignalHeader | None] = {}
    given = {"left": left, "right": right}
    for side in _SIDES:
        name = given[side]
        if name is not None:
            chosen[side] = by_label(name, side)
            continue
        candidates = [lab for lab in found[side] if lab not in (left, right)]
        if len(candidates) > 1:
            _note(
                notes,
                "several_candidates",
                f"several channels look like the {side} leg ({', '.join(candidates)}); using "
                f"{candidates[0]!r}. Name another one with {side}= (--{side} on the command line)",
                side=side,
                channels=", ".join(candidates),
                channel=candidates[0],
            )
        chosen[side] = by_label(candidates[0], side) if candidates else None
    if chosen["left"] is None and chosen["right"] is None:
        if left is None and right is None and found["combined"]:
            chosen["left"] = by_label(found["combined"][0], "left")
            _note(
                notes,
                "combined_leg_channel",
                f"one combined leg channel ({found['combined'][0]!r}) holds both legs: it is "
                "scored as one leg (reported as left), movements cannot be assigned to a side "
                "and a movement of both legs counts once",
                channel=found["combined"][0],
            )
            return chosen["left"], None
        skipped = [side for side in _SIDES if given[side] is not None]
        why = f" ({' and '.join(skipped)} set to none)" if skipped else ""
        raise _fail(
            path,
            f"no leg EMG channel found{why} (looked for labels such as LAT/RAT, Leg L/Leg R, "
            f"LLEG/RLEG, EMG Tib.L/EMG Tib.R); the channels are: {listing}. "
            "Name them with left= and right= (--left and --right on the command line)",
            "no_leg_channel",
            channels=listing,
        )
    picked_left, picked_right = chosen["left"], chosen["right"]
    if picked_left is not None and picked_right is not None:
        if picked_left.index == picked_right.index:
            raise _fail(
                path,
                f"the same channel {picked_left.label!r} was given for both legs",
                "same_channel",
                channel=picked_left.label,
            )
        return picked_left, picked_right
    for present, missing, only in (
        ("left", "right", picked_left),
        ("right", "left", picked_right),
    ):
        if only is not None:  # exactly one side is set here
            _note(
                notes,
                "one_leg_only",
                f"only one leg channel ({only.label!r}, {present}); the {missing} leg was not "
                f"recorded or not recognised (name it with {missing}=, --{missing} on the "
                f"command line): movements of the {missing} leg are missed and bilateral "
                "movements cannot be combined",
                channel=only.label,
                side=present,
                missing=missing,
            )
    return chosen["left"], chosen["right"]


def _sfreq(header: _Header, signal: _SignalHeader) -> float:
    return signal.samples_per_record / header.record_duration_s


def _scaling(header: _Header, signal: _SignalHeader, notes: list[Problem]) -> tuple[float, float]:
    """Gain and offset from digital values to µV: ``uv = digital * gain + offset``."""
    path = header.path
    name = signal.label
    values: dict[str, float] = {}
    for key in ("physical minimum", "physical maximum", "digital minimum", "digital maximum"):
        values[key] = _field_float(
            path,
            signal.fields[key],
            f"{key} of channel {name!r}",
            "bad_channel_field",
            channel=name,
            field=key.replace(" ", "_"),
        )
    pmin, pmax = values["physical minimum"], values["physical maximum"]
    dmin, dmax = values["digital minimum"], values["digital maximum"]
    if pmin == pmax:
        raise _fail(
            path,
            f"channel {name!r} has physical minimum = physical maximum ({pmin:g}): its samples "
            "cannot be scaled to a voltage (the scaling divides by their difference)",
            "bad_scaling",
            channel=name,
        )
    if dmin == dmax:
        raise _fail(
            path,
            f"channel {name!r} has digital minimum = digital maximum ({dmin:g}): its samples "
            "cannot be scaled to a voltage (the scaling divides by their difference)",
            "bad_scaling",
            channel=name,
        )
    unit = signal.fields["physical dimension"]
    key = re.sub(r"\s+", "", unit).lower()
    factor = UNIT_TO_UV.get(key)
    if factor is None:
        _note(
            notes,
            "unknown_unit",
            f"channel {name!r} has physical dimension {unit!r}, not a voltage unit quietlegs "
            "knows (uV, µV, mV, V); its values are taken as µV",
            channel=name,
            unit=unit,
        )
        factor = 1.0
    gain = (pmax - pmin) / (dmax - dmin)
    scaled_gain, scaled_offset = gain * factor, (pmin - dmin * gain) * factor
    if not (math.isfinite(scaled_gain) and math.isfinite(scaled_offset)) or scaled_gain == 0:
        raise _fail(
            path,
            f"channel {name!r}: its scaling (physical {pmin:g} to {pmax:g}, digital {dmin:g} to "
            f"{dmax:g}) is not finite: its samples cannot be scaled to a voltage",
            "bad_scaling",
            channel=name,
        )
    return scaled_gain, scaled_offset


# --------------------------------------------------------------------------- data


_TAL_RE = re.compile(rb"([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?))?\x14([^\x00]*?)\x14\x00")


@dataclass
class _Stream:
    """What one pass over the data records collects."""

    legs: dict[int, npt.NDArray[np.float64]]
    clipped: dict[int, int]
    minimum: dict[int, int]
    maximum: dict[int, int]
    annotation_bytes: dict[int, bytearray]


def _read_records(
    header: _Header,
    n_records: int,
    legs: Sequence[tuple[_SignalHeader, float, float]],
    annotation_signals: Sequence[_SignalHeader],
) -> _Stream:
    """Read, chunk by chunk, the leg channels (as µV) and the annotation bytes."""
    stream = _Stream({}, {}, {}, {}, {})
    digital_bounds: dict[int, tuple[int, int]] = {}
    for signal, _gain, _offset in legs:
        stream.legs[signal.index] = np.empty(n_records * signal.samples_per_record, np.float64)
        stream.clipped[signal.index] = 0
        stream.minimum[signal.index] = 2**15
        stream.maximum[signal.index] = -(2**15) - 1
        dmin = int(float(signal.fields["digital minimum"]))
        dmax = int(float(signal.fields["digital maximum"]))
        digital_bounds[signal.index] = (min(dmin, dmax), max(dmin, dmax))
    for signal in annotation_signals:
        stream.annotation_bytes[signal.index] = bytearray()
    records_per_chunk = max(1, READ_CHUNK_BYTES // header.record_bytes)
    with open(header.path, "rb") as handle:
        handle.seek(header.header_bytes)
        for first in range(0, n_records, records_per_chunk):
            count = min(records_per_chunk, n_records - first)
            raw = np.fromfile(handle, dtype=np.uint8, count=count * header.record_bytes)
            if raw.size != count * header.record_bytes:  # the file changed under us
                raise _fail(header.path, "the file ended before its last data record", "truncated")
            block = raw.reshape(count, header.record_bytes)
            for signal, gain, offset in legs:
                spr = signal.samples_per_record
                start = signal.byte_offset
                digital = np.ascontiguousarray(block[:, start : start + 2 * spr]).view("<i2")
                lo, hi = digital_bounds[signal.index]
                stream.clipped[signal.index] += int(
                    np.count_nonzero(digital <= lo) + np.count_nonzero(digital >= hi)
                )
                stream.minimum[signal.index] = min(stream.minimum[signal.index], int(digital.min()))
                stream.maximum[signal.index] = max(stream.maximum[signal.index], int(digital.max()))
                out = stream.legs[signal.index][first * spr : (first + count) * spr]
                np.multiply(digital.ravel(), gain, out=out)
                out += offset
            for signal in annotation_signals:
                start = signal.byte_offset
                width = 2 * signal.samples_per_record
                stream.annotation_bytes[signal.index] += block[:, start : start + width].tobytes()
            del raw, block  # free this chunk before reading the next one
    return stream


def _parse_annotations(
    header: _Header,
    annotation_signals: Sequence[_SignalHeader],
    stream: _Stream,
    n_records: int,
    notes: list[Problem],
) -> tuple[list[Annotation], float]:
    """EDF+ annotations (TALs) and the sub-second start offset of the recording.

    Also checks that an EDF+C file really is continuous: the timekeeping TAL of
    record k must say ``first + k * record duration``.
    """
    annotations: list[Annotation] = []
    subsecond = 0.0
    record_s = header.record_duration_s
    for position, signal in enumerate(annotation_signals):
        raw = bytes(stream.annotation_bytes[signal.index])
        width = 2 * signal.samples_per_record
        if width == 0:
            continue
        first_onset: float | None = None
        seen_records: set[int] = set()
        for match in _TAL_RE.finditer(raw):
            record = match.start() // width
            onset = float(match.group(1))
            texts = match.group(3).split(b"\x14")
            is_timekeeping = position == 0 and record not in seen_records
            seen_records.add(record)
            if is_timekeeping:
                if first_onset is None:
                    first_onset = onset
                expected = first_onset + record * record_s
                if abs(onset - expected) > GAP_TOLERANCE_S + 1e-9 * abs(expected):
                    raise _fail(
                        header.path,
                        f"labelled {header.reserved or 'EDF'} (continuous) but data record "
                        f"{record} starts at {onset:g} s instead of {expected:g} s: the recording "
                        "has gaps. Convert it to a continuous EDF+C first (e.g. EDFbrowser, "
                        "Tools > Convert EDF+D to EDF+C)",
                        "gaps",
                        record=record,
                    )
                texts = texts[1:] if texts and not texts[0] else texts
            duration = float(match.group(2)) if match.group(2) else 0.0
            for text in texts:
                decoded = text.decode("utf-8", errors="replace").strip()
                if decoded:
                    annotations.append(Annotation(onset, duration, decoded))
        if position == 0:
            if first_onset is None:
                _note(
                    notes,
                    "no_timekeeping",
                    f"the annotation signal has no readable timekeeping; its {n_records} data "
                    "records gave no annotations",
                    records=n_records,
                )
            else:
                subsecond = first_onset
    if subsecond:
        annotations = [
            Annotation(round(a.onset_s - subsecond, 9), a.duration_s, a.text) for a in annotations
        ]
    annotations.sort(key=lambda a: (a.onset_s, a.duration_s, a.text))
    return annotations, subsecond


def _quality_notes(
    label: str, signal: _SignalHeader, stream: _Stream, gain: float, offset: float, n: int
) -> list[Problem]:
    notes: list[Problem] = []
    index = signal.index
    lo, hi = stream.minimum[index], stream.maximum[index]
    if lo == hi:
        _note(
            notes,
            "flat_channel",
            f"channel {label!r} is flat (every sample is {lo * gain + offset:g} µV): the electrode "
            "may be disconnected or the channel not recorded; no movement can be detected on it",
            channel=label,
            value=lo * gain + offset,
        )
        return notes
    share = stream.clipped[index] / n if n else 0.0
    if share >= SATURATION_WARN_FRACTION:
        dmin = float(signal.fields["digital minimum"])
        dmax = float(signal.fields["digital maximum"])
        a, b = sorted((dmin * gain + offset, dmax * gain + offset))
        _note(
            notes,
            "saturated_channel",
            f"channel {label!r} is saturated: {100 * share:.1f}% of its samples sit at the "
            f"limits of its range ({a:g} to {b:g} µV); movements there may be merged or missed "
            "and amplitudes are clipped",
            channel=label,
            percent=round(100 * share, 1),
            low=a,
            high=b,
        )
    return notes


def read_leg_recording(
    path: str | os.PathLike[str], *, left: str | None = None, right: str | None = None
) -> LegRecording:
    """Read the leg EMG channels and the annotations of an EDF/EDF+ recording.

    Only the two leg channels and the EDF+ annotation signals are kept: the data
    records are read in chunks of :data:`READ_CHUNK_BYTES`, so memory is the two
    channels as float64 plus one chunk, whatever the number of channels.

    Parameters
    ----------
    path : str | os.PathLike
        An EDF or EDF+C file.
    left, right : str | None
        Labels of the leg channels, overriding the automatic choice
        (:func:`find_leg_channels`). Matched exactly, then case-insensitively.
        A side not given is found automatically; ``""`` or ``"none"`` reads no
        channel for that side.

    Returns
    -------
    LegRecording
        The legs in µV, the annotations, and :attr:`LegRecording.warnings`.
        Each warning is also issued as a :class:`SignalWarning`.

    Raises
    ------
    SignalError
        The file is not an EDF (or is a BDF); it is truncated (fewer data
        records than the header declares, or a short header); the header's
        own length field is wrong; it is EDF+D (discontinuous), or labelled
        EDF+C with gaps in its timekeeping (refused: convert it to EDF+C); no
        leg channel is found (the message lists the labels that exist); a named
        channel does not exist; a leg is sampled below :data:`MIN_SFREQ_HZ`;
        the legs are sampled at different rates (refused: EMG is not resampled,
        because resampling changes the rectified amplitude the thresholds apply
        to); a leg's physical or digital minimum equals its maximum.

    Notes
    -----
    Warnings (the recording is read): one leg only or one combined leg channel;
    a sampling rate between :data:`MIN_SFREQ_HZ` and :data:`RECOMMENDED_SFREQ_HZ`;
    a physical dimension that is not a known voltage unit (values taken as µV;
    uV, µV, mV, V and nV are converted); a flat channel; a saturated channel
    (:data:`SATURATION_WARN_FRACTION`); a header that does not give the record
    count (-1), or declares fewer records than the file holds (the declared
    records are read), or stray bytes after the last record; unreadable
    annotations.
    """
    path_str = os.fspath(path)
    try:
        return _read_leg_recording(path_str, left, right)
    except SignalError as exc:
        if exc.problem.code in _HEADER_FIELD_CODES and _header_has_non_ascii(path_str):
            raise _fail(
                path_str,
                f"{exc.problem.message.removeprefix(path_str + ': ')}; the header holds "
                "non-ASCII characters, which EDF does not allow (a name written with "
                "non-Latin letters shifts the fields after it): export the recording again "
                "with an anonymised or Latin-letter patient name",
                "non_ascii_header",
            ) from exc
        raise


def _read_leg_recording(path_str: str, left: str | None, right: str | None) -> LegRecording:
    """:func:`read_leg_recording` without the non-ASCII header diagnosis."""
    notes: list[Problem] = []
    header = _read_header(path_str)
    if header.reserved.startswith("EDF+D"):
        raise _fail(
            path_str,
            "an EDF+D (discontinuous) recording: its data records have gaps, and quietlegs "
            "reads only continuous recordings. Convert it to EDF+C first (e.g. EDFbrowser, "
            "Tools > Convert EDF+D to EDF+C)",
            "edf_plus_d",
        )
    n_records = _check_record_count(header, notes)
    left_sig, right_sig = _pick_channels(header, left, right, notes)
    legs: list[tuple[str, _SignalHeader]] = [
        (side, sig) for side, sig in zip(_SIDES, (left_sig, right_sig), strict=True) if sig
    ]
    rates = {side: _sfreq(header, sig) for side, sig in legs}
    for side, sig in legs:
        rate = rates[side]
        if rate < MIN_SFREQ_HZ:
            raise _fail(
                path_str,
                f"leg-movement scoring needs at least {MIN_SFREQ_HZ:g} Hz; {sig.label} "
                f"({side} leg) is sampled at {rate:g} Hz",
                "sampling_rate_too_low",
                channel=sig.label,
                side=side,
                rate=rate,
                min=MIN_SFREQ_HZ,
            )
    if len(legs) == 2 and rates["left"] != rates["right"]:
        raise _fail(
            path_str,
            f"the legs are sampled at different rates ({legs[0][1].label}: {rates['left']:g} Hz, "
            f"{legs[1][1].label}: {rates['right']:g} Hz); quietlegs does not resample EMG. "
            "Score one leg at a time (left= or right= set to 'none')",
            "rates_differ",
            left=legs[0][1].label,
            left_rate=rates["left"],
            right=legs[1][1].label,
            right_rate=rates["right"],
        )
    sfreq_hz = rates[legs[0][0]]
    if sfreq_hz < RECOMMENDED_SFREQ_HZ:
        names = " and ".join(sig.label for _, sig in legs)
        _note(
            notes,
            "low_sampling_rate",
            f"{names} sampled at {sfreq_hz:g} Hz; WASM 2016 and the AASM ask at least "
            f"{RECOMMENDED_SFREQ_HZ:g} Hz, so amplitudes and onsets are less precise",
            channels=" and ".join(repr(sig.label) for _, sig in legs),
            rate=sfreq_hz,
            recommended=RECOMMENDED_SFREQ_HZ,
        )
    scaled = [(sig, *_scaling(header, sig, notes)) for _, sig in legs]
    annotation_signals = [s for s in header.signals if s.label == _ANNOTATION_LABEL]
    stream = _read_records(header, n_records, scaled, annotation_signals)
    for (_side, sig), (_, gain, offset) in zip(legs, scaled, strict=True):
        n = n_records * sig.samples_per_record
        notes.extend(_quality_notes(sig.label, sig, stream, gain, offset, n))
    annotations, subsecond = _parse_annotations(
        header, annotation_signals, stream, n_records, notes
    )
    start = _start_datetime(header)
    if start is not None and subsecond:
        try:
            start += datetime.timedelta(seconds=subsecond)
        except OverflowError:
            start = None
    if start is None and not _start_is_anonymised(header):
        _note(
            notes,
            "no_start_time",
            f"the start date and time in the header ({header.startdate.strip()!r}, "
            f"{header.starttime.strip()!r}) cannot be read; times are given from the start "
            "of the recording, without clock times",
            date=header.startdate.strip(),
            time=header.starttime.strip(),
        )
    for note in notes:
        logger.warning("%s: %s", path_str, note)
        warnings.warn(f"{path_str}: {note}", SignalWarning, stacklevel=3)
    return LegRecording(
        left_uv=stream.legs[left_sig.index] if left_sig else None,
        right_uv=stream.legs[right_sig.index] if right_sig else None,
        sfreq_hz=sfreq_hz,
        left_label=left_sig.label if left_sig else None,
        right_label=right_sig.label if right_sig else None,
        duration_s=n_records * header.record_duration_s,
        start=start,
        annotations=annotations,
        path=path_str,
        warnings=[note.message for note in notes],
        warning_details=notes,
    )
