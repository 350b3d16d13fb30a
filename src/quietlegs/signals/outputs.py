"""Writers for a PLM scoring: JSON, events CSV, an annotated EDF+ copy, PNG and HTML.

Every writer takes the :class:`~quietlegs.signals.plm.PLMResult` made by
:func:`~quietlegs.signals.plm.analyze` and decides nothing clinical: the counts,
indices and the finding are the result's own. Files are written atomically (a
temporary file in the same folder, then a rename), so an interrupted run never
leaves half a report behind, and the source recording is never modified.

The reports are measurements, not diagnoses, and say so.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import html
import io
import json
import logging
import math
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from quietlegs import __version__
from quietlegs._errors import SignalError
from quietlegs.signals.plm import LegMovement, PLMResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from quietlegs.signals.edf import LegRecording
    from quietlegs.signals.hypnogram import Hypnogram

logger = logging.getLogger("quietlegs.signals")

__all__ = [
    "EVENT_FIELDS",
    "JSON_KEYS",
    "annotation_text",
    "format_events_csv",
    "format_text",
    "render_report_png",
    "report_html",
    "result_to_dict",
    "result_to_json",
    "write_all",
    "write_annotated_edf",
    "write_events_csv",
    "write_report_html",
    "write_report_png",
]

#: Keys every JSON output starts with (issue #4), in this order; the rest of
#: ``PLMResult.to_dict()`` follows.
JSON_KEYS = (
    "lm_count",
    "plm_count",
    "plms_index",
    "plmw_index",
    "periodicity_index",
    "index_basis",
    "events",
)

#: Columns of the events CSV (and the first keys of every event in the JSON).
EVENT_FIELDS = (
    "onset_s",
    "duration_s",
    "side",
    "periodic",
    "stage",
    "arousal",
    "respiratory",
    "imi_s",
)

#: How the scoring rules are named in reports.
RULES_NAMES = {
    "wasm2016": "WASM/IRLSSG 2016 (Ferri et al., Sleep Med 2016;26:86–95)",
    "aasm": "AASM Scoring Manual",
}

_SHORT_RULES = {"wasm2016": "WASM/IRLSSG 2016", "aasm": "AASM"}

DISCLAIMER = (
    "This report is a measurement of leg movements, not a diagnosis. "
    "It is to be read and signed off by a sleep physician together with the "
    "polysomnography and the clinical history."
)

#: Length of the example epoch of raw EMG shown in the report (one scoring epoch).
EXAMPLE_EPOCH_S = 30.0

#: Bytes read per chunk while copying an EDF file.
_COPY_CHUNK_BYTES = 8 * 1024 * 1024

_STAGE_LEVEL = {"N3": 0.0, "N2": 1.0, "N1": 2.0, "R": 3.0, "W": 4.0}


# --------------------------------------------------------------------------- helpers


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    The temporary file is created empty (with the usual permissions, not
    ``mkstemp``'s owner-only ones) and removed if anything fails.

    Raises
    ------
    SignalError
        If the folder does not exist or the file cannot be written.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise SignalError(f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist")
    tmp = folder / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        tmp.open("xb").close()
    except OSError as exc:
        raise SignalError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise SignalError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _write_text(path: str | Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _plain(value: Any, where: str) -> Any:
    """Return ``value`` with numpy scalars/arrays as Python objects; refuse NaN and inf."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist(), where)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise SignalError(f"the result has a non-finite number ({value}) at {where}")
    return value


def _event_dict(event: LegMovement) -> dict[str, Any]:
    raw = dataclasses.asdict(event)
    ordered = {name: raw.pop(name) for name in EVENT_FIELDS if name in raw}
    ordered.update(raw)
    return ordered


def _fmt_index(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}/h"


def _fmt_hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} h"


def _fmt_float(value: float | None) -> str:
    """A number for CSV: up to microsecond precision, no trailing zeros, empty for None."""
    if value is None:
        return ""
    return repr(round(float(value), 6))


# --------------------------------------------------------------------------- JSON


def _recording_dict(recording: LegRecording) -> dict[str, Any]:
    return {
        "path": recording.path,
        "left_label": recording.left_label,
        "right_label": recording.right_label,
        "sfreq_hz": recording.sfreq_hz,
        "duration_s": recording.duration_s,
        "start": recording.start.isoformat() if recording.start else None,
        "warnings": list(recording.warnings),
    }


def result_to_dict(result: PLMResult, *, recording: LegRecording | None = None) -> dict[str, Any]:
    """Return the JSON-ready dictionary of a result.

    The keys of :data:`JSON_KEYS` come first (``events`` as a list of
    dictionaries with the :data:`EVENT_FIELDS` first), then every other key of
    ``result.to_dict()``, then ``quietlegs_version`` unless already present,
    then ``recording`` when given.

    Parameters
    ----------
    result : PLMResult
        The scoring of one recording.
    recording : LegRecording, optional
        The recording scored: adds ``recording`` (path, channel labels,
        sampling rate, duration, start, reading warnings).

    Returns
    -------
    data : dict
        Plain Python values only (no numpy types).

    Raises
    ------
    SignalError
        If a number of the result is NaN or infinite (never written as a number).
    """
    head: dict[str, Any] = {
        "lm_count": result.lm_count,
        "plm_count": result.plm_count,
        "plms_index": result.plms_index,
        "plmw_index": result.plmw_index,
        "periodicity_index": result.periodicity_index,
        "index_basis": result.index_basis,
        "events": [_event_dict(e) for e in result.events],
    }
    data = dict(head)
    for key, value in result.to_dict().items():
        data.setdefault(key, value)
    data.setdefault("quietlegs_version", __version__)
    if recording is not None:
        data["recording"] = _recording_dict(recording)
    plain: dict[str, Any] = _plain(data, "result")
    return plain


def result_to_json(
    result: PLMResult,
    path: str | Path | None = None,
    *,
    recording: LegRecording | None = None,
) -> str:
    """Return the result as JSON text, and write it to ``path`` when given.

    Parameters
    ----------
    result : PLMResult
        The scoring of one recording.
    path : str | Path | None
        File to write (UTF-8, atomically); ``None`` writes nothing.
    recording : LegRecording, optional
        As in :func:`result_to_dict`.

    Returns
    -------
    text : str
        The JSON document (indented, ending with a newline); keys as in
        :func:`result_to_dict`.
    """
    data = result_to_dict(result, recording=recording)
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    if path is not None:
        _write_text(path, text)
    return text


# --------------------------------------------------------------------------- CSV


def format_events_csv(result: PLMResult) -> str:
    """Return the events CSV (one row per leg movement, header :data:`EVENT_FIELDS`).

    Booleans are ``true``/``false``; ``imi_s`` is empty when there is no
    preceding movement; times are in seconds from the start of the recording.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVENT_FIELDS)
    for event in result.events:
        writer.writerow(
            [
                _fmt_float(event.onset_s),
                _fmt_float(event.duration_s),
                event.side,
                "true" if event.periodic else "false",
                event.stage,
                "true" if event.arousal else "false",
                "true" if event.respiratory else "false",
                _fmt_float(event.imi_s),
            ]
        )
    return buffer.getvalue()


def write_events_csv(result: PLMResult, path: str | Path) -> None:
    """Write the events CSV of :func:`format_events_csv` to ``path`` (atomically)."""
    _write_text(path, format_events_csv(result))


# --------------------------------------------------------------------------- text


def _rows(result: PLMResult) -> list[tuple[str, str]]:
    """(label, value) rows of the indices, shared by the text, PNG and HTML outputs."""
    per = "sleep" if result.index_basis == "sleep" else "recording"
    rows = [
        ("Leg movements (LM)", f"{result.lm_count}  ({_fmt_index(result.lm_index)})"),
        ("Periodic leg movements (PLM)", f"{result.plm_count}  ({_fmt_index(result.plm_index)})"),
        (f"PLMS index (per hour of {per})", _fmt_index(result.plms_index)),
        ("PLMW index (per hour of wake)", _fmt_index(result.plmw_index)),
        ("PLMS with arousal index", _fmt_index(result.plms_arousal_index)),
        ("Periodicity index", f"{result.periodicity_index:.2f}"),
    ]
    if result.plms_by_stage:
        by_stage = ", ".join(f"{k} {v:.1f}" for k, v in result.plms_by_stage.items())
        rows.append(("PLMS index by stage (/h)", by_stage))
    rows.append(("Recording", _fmt_hours(result.recording_hours)))
    rows.append(("Sleep", _fmt_hours(result.sleep_hours)))
    return rows


def _basis_text(result: PLMResult) -> str:
    if result.index_basis == "sleep":
        return "Indices per hour of sleep (and of wake for PLMW), from the hypnogram."
    return (
        "No hypnogram: indices are per hour of recording, not per hour of sleep; "
        "sleep and wake cannot be told apart."
    )


def format_text(result: PLMResult) -> str:
    """Return a plain-text summary of a result (for a terminal or an e-mail).

    Parameters
    ----------
    result : PLMResult
        The scoring of one recording.

    Returns
    -------
    text : str
        Several lines ending with a newline: rules, index basis, counts and
        indices, the finding, warnings, and the measurement-not-diagnosis note.
    """
    rules = RULES_NAMES.get(result.rules, result.rules)
    lines = [f"Leg movements scored by {rules}", _basis_text(result), ""]
    width = max(len(label) for label, _ in _rows(result))
    lines += [f"{label:<{width}}  {value}" for label, value in _rows(result)]
    if result.finding:
        lines += ["", f"Finding: {result.finding}"]
    if result.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in result.warnings]
    lines += ["", DISCLAIMER]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- EDF+


def annotation_text(event: LegMovement) -> str:
    """Return the EDF+ annotation text of a leg movement.

    ``"LM left"``, ``"LM right"``, ``"LM bilateral"``, or ``"PLM ..."`` for a
    movement that belongs to a PLM series.
    """
    return f"{'PLM' if event.periodic else 'LM'} {event.side}"


def _field(header: bytes, start: int, length: int) -> str:
    return header[start : start + length].decode("ascii", errors="replace").strip()


def _tal_number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _tal(onset_s: float, duration_s: float | None, text: str) -> bytes:
    """One EDF+ time-stamped annotation list (TAL), terminated by a NUL byte."""
    timing = ("+" if onset_s >= 0 else "-") + _tal_number(abs(onset_s))
    if duration_s is not None:
        timing += "\x15" + _tal_number(duration_s)
    clean = "".join(c if " " <= c <= "~" else "?" for c in text)
    return f"{timing}\x14{clean}\x14".encode("ascii") + b"\x00"


def _edfplus_subfields(text: str) -> str:
    """``text`` as one EDF+ subfield: printable ASCII, spaces as underscores."""
    return "_".join("".join(c if " " <= c <= "~" else "_" for c in text).split())


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _is_edfplus_date(text: str) -> bool:
    parts = text.split("-")
    return text == "X" or (
        len(parts) == 3
        and len(parts[0]) == 2
        and parts[0].isdigit()
        and parts[1].upper() in _MONTHS
        and len(parts[2]) == 4
        and parts[2].isdigit()
    )


def _is_edfplus_patient(text: str) -> bool:
    """EDF+ local patient field: ``code sex birthdate name [...]``."""
    sub = text.split(" ")
    return len(sub) >= 4 and all(sub[:4]) and sub[1] in ("M", "F", "X") and _is_edfplus_date(sub[2])


def _is_edfplus_recording(text: str) -> bool:
    """EDF+ local recording field: ``Startdate date admincode technician equipment [...]``."""
    sub = text.split(" ")
    return len(sub) >= 5 and all(sub[:5]) and sub[0] == "Startdate" and _is_edfplus_date(sub[1])


def _edfplus_identification(patient: str, recording: str, startdate: str) -> tuple[str, str]:
    """EDF+-compliant patient and recording fields for a plain EDF converted to EDF+C.

    A field that is already EDF+-compliant is kept; otherwise the original
    text is kept as an extra subfield (spaces as underscores).
    """
    if _is_edfplus_patient(patient):
        new_patient = patient
    else:
        new_patient = ("X X X X " + _edfplus_subfields(patient)).strip()
    if _is_edfplus_recording(recording):
        return new_patient[:80], recording[:80]
    date = "X"
    parts = startdate.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        day, month, year = (int(p) for p in parts)
        if 1 <= month <= 12:
            # EDF: years 85-99 are 19xx, 00-84 are 20xx.
            full_year = 1900 + year if year >= 85 else 2000 + year
            date = f"{day:02d}-{_MONTHS[month - 1]}-{full_year}"
    recording_extra = _edfplus_subfields(recording)
    new_recording = f"Startdate {date} X X X {recording_extra}".strip()
    return new_patient[:80], new_recording[:80]


def _parse_timekeeping(raw: bytes) -> float:
    """Onset of a data record from its first TAL (``+onset\\x14\\x14``)."""
    end = raw.find(b"\x14")
    if end <= 0:
        raise ValueError("no timekeeping annotation")
    return float(raw[:end].split(b"\x15")[0].decode("ascii"))


class _EdfLayout:
    """What the copy needs of an EDF header (parsed from the bytes, spec-strict)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                head = fh.read(256)
                if len(head) < 256:
                    raise SignalError(f"{path}: not an EDF file (shorter than an EDF header)")
                version = head[:8]
                if version != b"0       ":
                    raise SignalError(
                        f"{path}: not an EDF file (version field {version!r}; BDF is not supported)"
                    )
                try:
                    self.header_bytes = int(_field(head, 184, 8))
                    self.n_records_header = int(_field(head, 236, 8))
                    self.record_s = float(_field(head, 244, 8))
                    self.ns = int(_field(head, 252, 4))
                except ValueError as exc:
                    raise SignalError(f"{path}: malformed EDF header ({exc})") from exc
                if self.ns <= 0 or self.header_bytes != 256 * (self.ns + 1):
                    raise SignalError(
                        f"{path}: malformed EDF header: {self.ns} signals but "
                        f"{self.header_bytes} header bytes"
                    )
                signal_header = fh.read(256 * self.ns)
        except OSError as exc:
            raise SignalError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from exc
        if len(signal_header) < 256 * self.ns:
            raise SignalError(f"{path}: truncated EDF header")
        self.head = head
        self.signal_header = signal_header
        ns = self.ns
        self.labels = [_field(signal_header, 16 * i, 16) for i in range(ns)]
        offset = ns * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80)
        try:
            self.samples = [int(_field(signal_header, offset + 8 * i, 8)) for i in range(ns)]
        except ValueError as exc:
            raise SignalError(f"{path}: malformed samples-per-record field ({exc})") from exc
        if any(n <= 0 for n in self.samples) or not self.record_s > 0:
            raise SignalError(
                f"{path}: cannot annotate an EDF with a data-record duration of "
                f"{self.record_s:g} s or an empty signal"
            )
        self.record_bytes = 2 * sum(self.samples)
        available = (size - self.header_bytes) // self.record_bytes
        if self.n_records_header == -1:
            self.n_records = available
        elif self.n_records_header > available:
            raise SignalError(
                f"{path}: truncated: the header announces {self.n_records_header} data records, "
                f"the file holds {available}"
            )
        else:
            self.n_records = self.n_records_header
        if self.n_records <= 0:
            raise SignalError(f"{path}: the EDF file holds no data record")
        reserved = _field(head, 192, 44)
        self.is_edfplus = reserved.startswith(("EDF+C", "EDF+D"))
        annotation_idx = [i for i, lab in enumerate(self.labels) if lab == "EDF Annotations"]
        if self.is_edfplus and not annotation_idx:
            raise SignalError(f"{path}: EDF+ file without an 'EDF Annotations' signal")
        self.timekeeping_idx = annotation_idx[0] if annotation_idx else None

    def record_onsets_s(self) -> np.ndarray:
        """Start of every data record, in seconds after the header's start time.

        Plain EDF: ``k * record_s``. EDF+C: the first record's timekeeping
        annotation (a sub-second start) plus ``k * record_s``. EDF+D: each
        record's own timekeeping annotation (read record by record, a few bytes
        each, never the whole file).
        """
        steps = np.arange(self.n_records, dtype=np.float64) * self.record_s
        if self.timekeeping_idx is None:
            return steps
        start = 2 * sum(self.samples[: self.timekeeping_idx])
        size = 2 * self.samples[self.timekeeping_idx]
        continuous = _field(self.head, 192, 44).startswith("EDF+C")
        count = 1 if continuous else self.n_records
        onsets = np.empty(count, dtype=np.float64)
        try:
            with self.path.open("rb") as fh:
                for k in range(count):
                    fh.seek(self.header_bytes + k * self.record_bytes + start)
                    onsets[k] = _parse_timekeeping(fh.read(size))
        except ValueError as exc:
            raise SignalError(
                f"{self.path}: data record {k} has no valid EDF+ timekeeping annotation"
            ) from exc
        except OSError as exc:
            raise SignalError(f"cannot read {str(self.path)!r}: {exc.strerror or exc}") from exc
        return onsets[0] + steps if continuous else onsets


def _annotation_signal_header(ns_old: int, signal_header: bytes, samples: int) -> bytes:
    """The signal header with one ``EDF Annotations`` signal appended to every column."""
    widths = (16, 80, 8, 8, 8, 8, 8, 80, 8, 32)
    values = (
        "EDF Annotations",
        "",
        "",
        "-32768",
        "32767",
        "-32768",
        "32767",
        "",
        str(samples),
        "",
    )
    out = bytearray()
    pos = 0
    for width, value in zip(widths, values, strict=True):
        out += signal_header[pos : pos + width * ns_old]
        out += value.ljust(width).encode("ascii")
        pos += width * ns_old
    return bytes(out)


def write_annotated_edf(
    source_path: str | Path,
    result: PLMResult,
    out_path: str | Path,
    *,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Copy a recording to ``out_path`` with one EDF+ annotation per leg movement.

    The copy keeps every signal and every existing annotation byte for byte
    and adds one ``EDF Annotations`` signal holding the movements
    (:func:`annotation_text`: ``LM left``, ``PLM bilateral``...), so they open in
    EDFbrowser or any EDF+ viewer. A plain EDF becomes EDF+C (its patient and
    recording fields made EDF+-compliant, the original text kept). EDF+D
    files are annotated in their own time base. The data are streamed in
    chunks (memory does not grow with the file); the source is never modified.

    Parameters
    ----------
    source_path : str | Path
        The recording that was analysed.
    result : PLMResult
        Its scoring; ``onset_s`` of each event is seconds from the first sample.
    out_path : str | Path
        The annotated copy; must not be ``source_path``. Written atomically.
    progress : callable, optional
        Called with the fraction copied (0–1) after each chunk.

    Raises
    ------
    SignalError
        If the source is not a usable EDF/EDF+ file, if ``out_path`` is the
        source, or if the copy cannot be written.
    """
    source = Path(source_path)
    target = Path(out_path)
    if not source.is_file():
        raise SignalError(f"recording {str(source)!r} does not exist")
    if target.resolve() == source.resolve() or (target.exists() and target.samefile(source)):
        raise SignalError(f"refusing to overwrite the source recording {str(source)!r}")
    layout = _EdfLayout(source)
    onsets = layout.record_onsets_s()
    n = layout.n_records

    # Each movement goes into the data record that holds its onset; its time
    # is given in the file's own time base (EDF+ onsets of the records).
    per_record: dict[int, list[bytes]] = {}
    for event in sorted(result.events, key=lambda e: e.onset_s):
        k = min(max(int(event.onset_s // layout.record_s), 0), n - 1)
        file_time = onsets[k] + (event.onset_s - k * layout.record_s)
        per_record.setdefault(k, []).append(
            _tal(file_time, event.duration_s, annotation_text(event))
        )
    timekeeping = not layout.is_edfplus

    def record_bytes(k: int) -> bytes:
        first = _tal(float(onsets[k]), None, "") if timekeeping else b""
        return first + b"".join(per_record.get(k, ()))

    longest = max(len(record_bytes(k)) for k in (*per_record, 0, n - 1))
    samples = max(1, math.ceil(longest / 2))
    annotation_bytes = 2 * samples

    head = bytearray(layout.head)
    head[184:192] = str(256 * (layout.ns + 2)).ljust(8).encode("ascii")
    head[236:244] = str(n).ljust(8).encode("ascii")
    head[252:256] = str(layout.ns + 1).ljust(4).encode("ascii")
    if not layout.is_edfplus:
        patient, recording = _edfplus_identification(
            _field(layout.head, 8, 80), _field(layout.head, 88, 80), _field(layout.head, 168, 8)
        )
        head[8:88] = patient.ljust(80).encode("ascii")
        head[88:168] = recording.ljust(80).encode("ascii")
        head[192:236] = b"EDF+C".ljust(44)
    header = bytes(head) + _annotation_signal_header(layout.ns, layout.signal_header, samples)

    records_per_chunk = max(1, _COPY_CHUNK_BYTES // layout.record_bytes)
    with atomic_path(target) as tmp, source.open("rb") as src, tmp.open("wb") as dst:
        dst.write(header)
        src.seek(layout.header_bytes)
        for first in range(0, n, records_per_chunk):
            count = min(records_per_chunk, n - first)
            raw = _read_exactly(src, count * layout.record_bytes, source)
            block = np.zeros((count, layout.record_bytes + annotation_bytes), dtype=np.uint8)
            block[:, : layout.record_bytes] = np.frombuffer(raw, dtype=np.uint8).reshape(
                count, layout.record_bytes
            )
            for j in range(count):
                if timekeeping or (first + j) in per_record:
                    tal = record_bytes(first + j)
                    block[j, layout.record_bytes : layout.record_bytes + len(tal)] = np.frombuffer(
                        tal, dtype=np.uint8
                    )
            dst.write(block.tobytes())
            if progress is not None:
                progress((first + count) / n)
    logger.info("annotated copy %s: %d leg movements", target, len(result.events))


def _read_exactly(fh: IO[bytes], size: int, path: Path) -> bytes:
    data = fh.read(size)
    if len(data) != size:
        raise SignalError(f"{path}: the file changed or was truncated while it was copied")
    return data


# --------------------------------------------------------------------------- figures


def _hypnogram_for(recording: LegRecording, hypnogram: Hypnogram | None) -> Hypnogram | None:
    if hypnogram is not None:
        return hypnogram
    from quietlegs.signals.hypnogram import _from_annotations

    # Its warnings were issued, and are in the result, when the recording was scored.
    return _from_annotations(recording.annotations, recording.duration_s)[0]


def _histogram(result: PLMResult) -> tuple[np.ndarray, np.ndarray]:
    """IMI histogram as (edges_s, counts): the result's own, else made from the events."""
    hist = result.imi_histogram
    edges_key = next(
        (k for k in ("edges_s", "bin_edges_s", "bin_edges", "edges") if k in hist), None
    )
    if edges_key is not None and "counts" in hist:
        edges = np.asarray(hist[edges_key], dtype=np.float64)
        counts = np.asarray(hist["counts"], dtype=np.float64)
        if edges.ndim == 1 and counts.ndim == 1 and len(edges) == len(counts) + 1:
            return edges, counts
    imis = np.array([e.imi_s for e in result.events if e.imi_s is not None], dtype=np.float64)
    edges = np.arange(0.0, 92.0, 2.0)
    counts, _ = np.histogram(np.clip(imis, 0.0, edges[-1] - 1e-9), bins=edges)
    return edges, counts.astype(np.float64)


def _example_epoch(result: PLMResult, duration_s: float, epoch_s: float, start_s: float) -> float:
    """Start (s) of the epoch to show: the most periodic movements during sleep, then the
    most periodic movements, then the most movements; the earliest of equals."""
    last = max(0.0, duration_s - EXAMPLE_EPOCH_S)
    if not result.events:
        return min(start_s, last)
    scores: dict[int, tuple[int, int, int]] = {}
    for event in result.events:
        k = int((event.onset_s - start_s) // epoch_s)
        in_sleep, periodic, total = scores.get(k, (0, 0, 0))
        asleep = event.periodic and event.stage not in ("W", "?")
        scores[k] = (in_sleep + int(asleep), periodic + int(event.periodic), total + 1)
    best = max(sorted(scores), key=lambda k: scores[k])
    return float(min(max(start_s + best * epoch_s, 0.0), last))


def _plot_night(ax: Axes, result: PLMResult, hypnogram: Hypnogram | None, hours: float) -> None:
    lm_y, plm_y = 5.2, 5.9
    if hypnogram is not None and len(hypnogram.stages):
        stages = np.asarray(hypnogram.stages)
        levels = np.array([_STAGE_LEVEL.get(str(s), np.nan) for s in stages])
        # Step lines (Line2D), not ``stairs`` patches: ten times faster on a full night.
        t = (hypnogram.start_s + np.arange(len(stages) + 1) * hypnogram.epoch_s) / 3600.0
        rem = np.where(stages == "R", levels, np.nan)
        ax.plot(t, np.append(levels, levels[-1]), drawstyle="steps-post", color="#333333", lw=1.0)
        ax.plot(t, np.append(rem, rem[-1]), drawstyle="steps-post", color="#c0392b", lw=2.5)
        ticks, labels = [0.0, 1.0, 2.0, 3.0, 4.0], ["N3", "N2", "N1", "R", "W"]
        title = "Hypnogram and leg movements"
    else:
        ticks, labels = [], []
        ax.text(
            0.5,
            0.35,
            "No hypnogram: indices are per hour of recording",
            transform=ax.transAxes,
            ha="center",
            color="#555555",
        )
        title = "Leg movements over the recording"
    onsets = np.array([e.onset_s for e in result.events], dtype=np.float64) / 3600.0
    periodic = np.array([e.periodic for e in result.events], dtype=bool)
    if len(onsets):
        ax.vlines(onsets[~periodic], lm_y - 0.3, lm_y + 0.3, color="#7f8c8d", linewidth=0.6)
        ax.vlines(onsets[periodic], plm_y - 0.3, plm_y + 0.3, color="#2471a3", linewidth=0.6)
    ax.set_yticks([*ticks, lm_y, plm_y], [*labels, "LM", "PLM"])
    ax.set_ylim(-0.6, 6.5)
    ax.set_xlim(0.0, max(hours, 1e-3))
    ax.set_xlabel("Time from start of recording (h)")
    ax.set_title(title, loc="left", fontsize=11)


def _plot_imi(ax: Axes, result: PLMResult) -> None:
    edges, counts = _histogram(result)
    if len(counts):
        ax.stairs(counts, edges, fill=True, color="#5d8aa8")
    ax.set_xlabel("Inter-movement interval (s)")
    ax.set_ylabel("Leg movements")
    ax.set_title("Inter-movement intervals", loc="left", fontsize=11)


def _plot_summary(ax: Axes, result: PLMResult) -> None:
    ax.axis("off")
    lines = [f"{label}: {value}" for label, value in _rows(result)]
    lines += ["", "Rules: " + _SHORT_RULES.get(result.rules, result.rules)]
    lines += ["Index basis: " + result.index_basis]
    ax.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize=9, family="monospace")
    ax.set_title("Indices", loc="left", fontsize=11)


def _plot_epoch(
    axes: Sequence[Axes], recording: LegRecording, result: PLMResult, start: float
) -> None:
    stop = start + EXAMPLE_EPOCH_S
    legs = [
        ("left", recording.left_uv, recording.left_label),
        ("right", recording.right_uv, recording.right_label),
    ]
    sfreq = recording.sfreq_hz
    for ax, (side, data, label) in zip(axes, legs, strict=True):
        if data is None:
            ax.text(0.5, 0.5, f"no {side} leg channel", transform=ax.transAxes, ha="center")
            ax.set_yticks([])
            ax.set_xlim(start, stop)
            continue
        for event in result.events:
            if event.side not in (side, "bilateral"):
                continue
            if event.onset_s + event.duration_s < start or event.onset_s > stop:
                continue
            color = "#2471a3" if event.periodic else "#95a5a6"
            ax.axvspan(event.onset_s, event.onset_s + event.duration_s, color=color, alpha=0.3)
        i0 = max(0, int(start * sfreq))
        i1 = min(len(data), math.ceil(stop * sfreq))
        segment = np.asarray(data[i0:i1], dtype=np.float64)
        times = (i0 + np.arange(len(segment))) / sfreq
        ax.plot(times, segment, color="#222222", linewidth=0.4)
        finite = segment[np.isfinite(segment)]
        if finite.size:
            limit = float(np.percentile(np.abs(finite), 99.5)) * 1.3
            if limit > 0:
                ax.set_ylim(-limit, limit)
        ax.set_xlim(start, stop)
        ax.set_ylabel(f"{label or side} (µV)")
    axes[0].set_title(
        f"Example epoch {start:.0f}–{stop:.0f} s (orange above): raw EMG, leg movements "
        "shaded (blue: periodic, grey: other)",
        loc="left",
        fontsize=11,
    )
    axes[-1].set_xlabel("Time from start of recording (s)")


def _report_figure(
    recording: LegRecording, result: PLMResult, hypnogram: Hypnogram | None
) -> Figure:
    from matplotlib.figure import Figure

    # A fixed layout: constrained layout would double the rendering time.
    fig = Figure(figsize=(11.0, 10.0), dpi=100)
    grid = fig.add_gridspec(
        3,
        2,
        height_ratios=[1.5, 1.3, 1.9],
        left=0.08,
        right=0.98,
        top=0.93,
        bottom=0.06,
        hspace=0.4,
        wspace=0.12,
    )
    epoch_s = hypnogram.epoch_s if hypnogram is not None else EXAMPLE_EPOCH_S
    start_s = hypnogram.start_s if hypnogram is not None else 0.0
    start = _example_epoch(result, recording.duration_s, epoch_s, start_s)
    night = fig.add_subplot(grid[0, :])
    _plot_night(night, result, hypnogram, recording.duration_s / 3600.0)
    night.axvspan(start / 3600.0, (start + EXAMPLE_EPOCH_S) / 3600.0, color="#f5b041", alpha=0.35)
    _plot_imi(fig.add_subplot(grid[1, 0]), result)
    _plot_summary(fig.add_subplot(grid[1, 1]), result)
    legs = grid[2, :].subgridspec(2, 1, hspace=0.08)
    top = fig.add_subplot(legs[0])
    bottom = fig.add_subplot(legs[1], sharex=top)
    top.tick_params(labelbottom=False)
    _plot_epoch((top, bottom), recording, result, start)
    name = Path(recording.path).name
    fig.suptitle(f"quietlegs PLM report — {name}", fontsize=12, x=0.01, ha="left")
    return fig


def render_report_png(
    recording: LegRecording, result: PLMResult, *, hypnogram: Hypnogram | None = None
) -> bytes:
    """Return the report figure as PNG bytes.

    Three panels: the hypnogram over the night with every LM and PLM marked;
    the inter-movement-interval histogram next to the indices; one 30-s epoch
    of raw EMG of both legs (the epoch with the most periodic movements) with
    the detected movements shaded. Rendered with matplotlib's Agg canvas (no
    pyplot, no display, safe in worker threads).

    Parameters
    ----------
    recording : LegRecording
        The recording analysed (its EMG in µV and its duration).
    result : PLMResult
        Its scoring.
    hypnogram : Hypnogram, optional
        The hypnogram used for the scoring; by default the one in the
        recording's annotations, if any.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _report_figure(recording, result, _hypnogram_for(recording, hypnogram))
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": f"quietlegs {__version__}"})
    return buffer.getvalue()


def write_report_png(
    recording: LegRecording,
    result: PLMResult,
    path: str | Path,
    *,
    hypnogram: Hypnogram | None = None,
) -> None:
    """Write the report figure of :func:`render_report_png` to ``path`` (atomically)."""
    _write_bytes(path, render_report_png(recording, result, hypnogram=hypnogram))


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:64rem;margin:1.5rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem}
.note{border-left:4px solid #b9770e;background:#fdf2e3;padding:.6rem .9rem;margin:1rem 0}
.finding{border-left:4px solid #2471a3;background:#eaf2f8;padding:.6rem .9rem}
table{border-collapse:collapse;margin:.4rem 0}td,th{padding:.25rem .8rem .25rem 0;
text-align:left;vertical-align:top;border-bottom:1px solid #e3e3e3}th{font-weight:600}
img{max-width:100%;height:auto}footer{color:#666;font-size:.85rem;margin-top:2rem}
"""


def report_html(
    recording: LegRecording,
    result: PLMResult,
    *,
    hypnogram: Hypnogram | None = None,
    png: bytes | None = None,
) -> str:
    """Return a self-contained HTML report (no external file, style or script).

    It holds the measurement-not-diagnosis note, the recording, the indices
    table, the finding, the warnings and the figure of
    :func:`render_report_png` embedded as base64.

    Parameters
    ----------
    recording : LegRecording
        The recording analysed.
    result : PLMResult
        Its scoring.
    hypnogram : Hypnogram, optional
        As in :func:`render_report_png`.
    png : bytes, optional
        The figure already rendered (saves rendering it twice).
    """
    e = html.escape
    if png is None:
        png = render_report_png(recording, result, hypnogram=hypnogram)
    name = Path(recording.path).name
    channels = ", ".join(
        f"{side}: {label}"
        for side, label in (("left", recording.left_label), ("right", recording.right_label))
        if label
    )
    info = [
        ("File", name),
        ("Leg channels", channels or "none"),
        ("Sampling rate", f"{recording.sfreq_hz:g} Hz"),
        ("Duration", _fmt_hours(recording.duration_s / 3600.0)),
        ("Start", recording.start.isoformat(sep=" ") if recording.start else "unknown"),
        ("Rules", RULES_NAMES.get(result.rules, result.rules)),
        ("Index basis", _basis_text(result)),
    ]
    all_warnings = list(dict.fromkeys([*recording.warnings, *result.warnings]))

    def table(rows: Sequence[tuple[str, str]]) -> str:
        body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
        return f"<table>{body}</table>"

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Leg movements — {e(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Leg movements during sleep — {e(name)}</h1>",
        f'<p class="note"><strong>{e(DISCLAIMER)}</strong></p>',
        "<h2>Recording</h2>",
        table(info),
        "<h2>Indices</h2>",
        table(_rows(result)),
    ]
    if result.finding:
        parts += ["<h2>Finding</h2>", f'<p class="finding">{e(result.finding)}</p>']
    if all_warnings:
        parts += ["<h2>Warnings</h2><ul>"]
        parts += [f"<li>{e(w)}</li>" for w in all_warnings]
        parts += ["</ul>"]
    encoded = base64.b64encode(png).decode("ascii")
    parts += [
        "<h2>Night, intervals and an example epoch</h2>",
        f'<img alt="Hypnogram with leg movements, inter-movement interval histogram and '
        f'an example epoch of raw EMG" src="data:image/png;base64,{encoded}">',
        f"<footer>quietlegs {e(__version__)}. {e(DISCLAIMER)}</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report_html(
    recording: LegRecording,
    result: PLMResult,
    path: str | Path,
    *,
    hypnogram: Hypnogram | None = None,
    png: bytes | None = None,
) -> None:
    """Write the report of :func:`report_html` to ``path`` (UTF-8, atomically)."""
    _write_text(path, report_html(recording, result, hypnogram=hypnogram, png=png))


# --------------------------------------------------------------------------- all


#: Suffixes of the files :func:`write_all` writes, after the recording's stem.
OUTPUT_SUFFIXES = {
    "json": ".json",
    "csv": ".csv",
    "edf": ".annotated.edf",
    "png": ".png",
    "html": ".html",
}


def write_all(
    recording: LegRecording,
    result: PLMResult,
    out_dir: str | Path,
    *,
    hypnogram: Hypnogram | None = None,
    step: Callable[[str], None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Path]:
    """Write every output of a scoring into ``out_dir`` (created if needed).

    Files are named after the recording: ``<stem>.json``, ``<stem>.csv``,
    ``<stem>.annotated.edf``, ``<stem>.png`` and ``<stem>.html``.

    Parameters
    ----------
    recording : LegRecording
        The recording scored (``recording.path`` is copied for the EDF+).
    result : PLMResult
        Its scoring.
    out_dir : str | Path
        Output folder.
    hypnogram : Hypnogram, optional
        The hypnogram used, if it did not come from the recording.
    step : callable, optional
        Called with the name of each file before it is written.
    progress : callable, optional
        Called with the fraction of the EDF+ copy done.

    Returns
    -------
    paths : dict
        The path written for each key of :data:`OUTPUT_SUFFIXES`.
    """
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SignalError(f"cannot create folder {str(folder)!r}: {exc.strerror or exc}") from exc
    stem = Path(recording.path).stem
    paths = {kind: folder / f"{stem}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}

    def announce(kind: str) -> None:
        if step is not None:
            step(paths[kind].name)

    announce("json")
    result_to_json(result, paths["json"], recording=recording)
    announce("csv")
    write_events_csv(result, paths["csv"])
    announce("edf")
    write_annotated_edf(recording.path, result, paths["edf"], progress=progress)
    announce("png")
    png = render_report_png(recording, result, hypnogram=hypnogram)
    _write_bytes(paths["png"], png)
    announce("html")
    write_report_html(recording, result, paths["html"], hypnogram=hypnogram, png=png)
    return paths
