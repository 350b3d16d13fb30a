"""PLM scoring of many recordings in parallel with Dask, into a resumable Parquet table.

:func:`run_batch` maps :func:`analyze_file` over the recordings on a Dask
cluster (a :class:`~distributed.LocalCluster` of worker processes by default, or
an existing cluster by its scheduler address) and writes one row per recording
to a Parquet table, and one row per leg movement to ``<name>.events.parquet``
next to it.

- A recording that fails gives a row with ``status="error"`` and the message;
  the batch goes on.
- Resumable: a recording already scored successfully with the same rules and
  the same file key (size and modification time) is skipped on the next run;
  failed ones are tried again. The tables are rewritten atomically (temporary
  file, then rename) every few results and at the end, so an interrupted batch
  keeps what it finished.

See ``docs/plm-cohort.md`` for running on a real cluster.
"""

from __future__ import annotations

import datetime
import glob
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quietlegs import __version__
from quietlegs._errors import QuietlegsError, SignalError
from quietlegs._validation import check_option
from quietlegs.signals import edf, plm
from quietlegs.signals.outputs import EVENT_FIELDS, atomic_path

if TYPE_CHECKING:
    import pyarrow as pa
    from distributed import Client

logger = logging.getLogger("quietlegs.signals")

__all__ = [
    "EVENT_COLUMNS",
    "RESULT_COLUMNS",
    "BatchSummary",
    "analyze_file",
    "events_path_for",
    "file_key",
    "find_recordings",
    "read_results",
    "run_batch",
]

#: File-name suffixes taken as recordings when a folder is given.
RECORDING_SUFFIXES = (".edf",)

#: Results are saved after this many new results...
CHECKPOINT_EVERY = 25
#: ...or after this many seconds, whichever comes first.
CHECKPOINT_S = 60.0

#: Table format written in the Parquet metadata (bumped on incompatible changes).
TABLE_FORMAT = "quietlegs.plm-batch/1"

#: Columns of the results table, in order, with their Arrow type names.
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "string"),
    ("file_key", "string"),
    ("size_bytes", "int64"),
    ("mtime_ns", "int64"),
    ("rules", "string"),
    ("status", "string"),
    ("error", "string"),
    ("error_type", "string"),
    ("lm_count", "int64"),
    ("plm_count", "int64"),
    ("plms_count", "int64"),
    ("plmw_count", "int64"),
    ("lm_index", "float64"),
    ("plm_index", "float64"),
    ("plms_index", "float64"),
    ("plmw_index", "float64"),
    ("plms_arousal_index", "float64"),
    ("periodicity_index", "float64"),
    ("index_basis", "string"),
    ("recording_hours", "float64"),
    ("sleep_hours", "float64"),
    ("finding", "string"),
    ("finding_code", "string"),
    ("warnings", "list<string>"),
    ("warning_codes", "list<string>"),
    ("left_label", "string"),
    ("right_label", "string"),
    ("sfreq_hz", "float64"),
    ("quietlegs_version", "string"),
    ("analyzed_at", "timestamp[us, UTC]"),
    ("elapsed_s", "float64"),
)

#: Columns of the events table: the recording's key, then :data:`EVENT_FIELDS`.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "string"),
    ("file_key", "string"),
    ("rules", "string"),
    ("onset_s", "float64"),
    ("duration_s", "float64"),
    ("side", "string"),
    ("periodic", "bool"),
    ("stage", "string"),
    ("arousal", "bool"),
    ("respiratory", "bool"),
    ("imi_s", "float64"),
)

#: Columns without which an existing table cannot be merged with.
_REQUIRED_RESULTS = ("path", "file_key", "rules", "status")
_REQUIRED_EVENTS = ("path", "rules")


def _arrow_type(name: str) -> pa.DataType:
    import pyarrow as pa

    types: dict[str, pa.DataType] = {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
        "timestamp[us, UTC]": pa.timestamp("us", tz="UTC"),
    }
    return types[name]


def _schema(columns: Sequence[tuple[str, str]]) -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [pa.field(name, _arrow_type(kind)) for name, kind in columns],
        metadata={"format": TABLE_FORMAT, "quietlegs_version": __version__},
    )


# --------------------------------------------------------------------------- files


def find_recordings(source: str | Path) -> list[Path]:
    """Return the recordings named by a folder, a glob pattern or a file.

    Parameters
    ----------
    source : str | Path
        A folder (every ``*.edf`` in it and its subfolders, any case), a glob
        pattern (``**`` allowed, e.g. ``/data/psg/**/night*.edf``) or one file.

    Returns
    -------
    paths : list of Path
        Absolute paths, sorted, without duplicates.

    Raises
    ------
    SignalError
        If nothing matches.
    """
    text = str(source)
    path = Path(text).expanduser()
    if path.is_dir():
        found = [
            p for p in path.rglob("*") if p.suffix.lower() in RECORDING_SUFFIXES and p.is_file()
        ]
        if not found:
            raise SignalError(f"no EDF recording (*.edf) in folder {text!r} or its subfolders")
    elif path.is_file():
        found = [path]
    else:
        found = [Path(p) for p in glob.glob(os.path.expanduser(text), recursive=True)]
        found = [p for p in found if p.is_file()]
        if not found:
            what = "matches" if glob.has_magic(text) else "is at"
            raise SignalError(f"no recording {what} {text!r}")
    return sorted({p.resolve() for p in found})


def file_key(path: str | Path) -> str:
    """Return the key that says a file is unchanged: ``"<size>-<mtime_ns>"``.

    Cheap (one ``stat``, no reading); a copy with a new modification time is
    scored again.
    """
    stat = Path(path).stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def events_path_for(out_path: str | Path) -> Path:
    """Return the events table next to a results table: ``x.parquet`` → ``x.events.parquet``."""
    out = Path(out_path)
    return out.with_name(f"{out.stem}.events{out.suffix or '.parquet'}")


# --------------------------------------------------------------------------- one recording


def _empty_row(path: str, rules: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(name for name, _ in RESULT_COLUMNS)
    row.update(path=path, rules=rules, quietlegs_version=__version__, warnings=[], warning_codes=[])
    row["analyzed_at"] = datetime.datetime.now(datetime.UTC)
    return row


def _error_row(path: str, rules: str, exc: BaseException, key: str | None) -> dict[str, Any]:
    row = _empty_row(path, rules)
    row.update(
        status="error",
        error=str(exc) or type(exc).__name__,
        error_type=type(exc).__name__,
        file_key=key,
        events=[],
    )
    return row


def analyze_file(path: str, rules: str = "wasm2016") -> dict[str, Any]:
    """Score one recording; never raise: a failure becomes a row with ``status="error"``.

    This is the function the Dask workers run; it reads the recording itself
    (workers need the path, not the data).

    Parameters
    ----------
    path : str
        The recording, as the workers see it (a shared filesystem).
    rules : {"wasm2016", "aasm"}
        Scoring rules.

    Returns
    -------
    row : dict
        One value per :data:`RESULT_COLUMNS` name, plus ``"events"``: a list
        of dicts with :data:`EVENT_FIELDS`. ``status`` is ``"ok"`` or
        ``"error"`` (then ``error`` holds the message and ``error_type`` the
        exception class; counts and indices are None).
    """
    started = time.perf_counter()
    key: str | None = None
    try:
        stat = Path(path).stat()
        key = f"{stat.st_size}-{stat.st_mtime_ns}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            recording = edf.read_leg_recording(path)
            result = plm.analyze(recording, rules=rules)
    except (QuietlegsError, OSError) as exc:
        logger.info("%s: %s", path, exc)
        row = _error_row(path, rules, exc, key)
    except Exception as exc:  # one recording must never stop a cohort; logged in full
        logger.exception("%s: unexpected error", path)
        row = _error_row(path, rules, exc, key)
    else:
        row = _empty_row(path, rules)
        messages = [*recording.warnings, *(str(w.message) for w in caught), *result.warnings]
        row.update(
            file_key=key,
            size_bytes=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            status="ok",
            lm_count=result.lm_count,
            plm_count=result.plm_count,
            plms_count=result.plms_count,
            plmw_count=result.plmw_count,
            lm_index=result.lm_index,
            plm_index=result.plm_index,
            plms_index=result.plms_index,
            plmw_index=result.plmw_index,
            plms_arousal_index=result.plms_arousal_index,
            periodicity_index=result.periodicity_index,
            index_basis=result.index_basis,
            recording_hours=result.recording_hours,
            sleep_hours=result.sleep_hours,
            finding=result.finding,
            finding_code=result.finding_code,
            warnings=list(dict.fromkeys(messages)),
            warning_codes=[problem.code for problem in result.warning_details],
            left_label=recording.left_label,
            right_label=recording.right_label,
            sfreq_hz=recording.sfreq_hz,
            events=[{name: getattr(e, name) for name in EVENT_FIELDS} for e in result.events],
        )
    if row["size_bytes"] is None and key is not None:
        size, mtime = key.split("-")
        row.update(size_bytes=int(size), mtime_ns=int(mtime))
    row["elapsed_s"] = time.perf_counter() - started
    return row


# --------------------------------------------------------------------------- tables


def _read_arrow(path: Path, required: Sequence[str]) -> pa.Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise SignalError(f"cannot read results table {str(path)!r}: {exc}") from exc
    missing = [name for name in required if name not in table.column_names]
    if missing:
        raise SignalError(
            f"{str(path)!r} is not a quietlegs plm-batch table (no column "
            f"{', '.join(repr(m) for m in missing)}); choose another --out"
        )
    return table


def read_results(out_path: str | Path) -> list[dict[str, Any]]:
    """Return the rows of a results table written by :func:`run_batch`.

    Raises
    ------
    SignalError
        If the file cannot be read or is not such a table.
    """
    rows: list[dict[str, Any]] = _read_arrow(Path(out_path), _REQUIRED_RESULTS).to_pylist()
    return rows


def _conform(table: pa.Table, columns: Sequence[tuple[str, str]]) -> pa.Table:
    """``table`` with exactly ``columns`` (missing ones null), in order and type."""
    import pyarrow as pa

    schema = _schema(columns)
    arrays = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_arrow(path: Path, table: pa.Table) -> None:
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


@dataclass
class _Tables:
    """The results and events tables being built: old rows merged with new ones.

    Results are a dict per (path, rules); events stay columnar (Arrow), as a
    cohort holds millions of them.
    """

    out_path: Path
    events_path: Path
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    old_events: pa.Table | None = None
    new_events: dict[tuple[str, str], pa.Table] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, out_path: Path) -> _Tables:
        tables = cls(out_path, events_path_for(out_path))
        if out_path.exists():
            for row in _read_arrow(out_path, _REQUIRED_RESULTS).to_pylist():
                tables.results[(row["path"], row["rules"])] = row
        if tables.events_path.exists():
            old = _read_arrow(tables.events_path, _REQUIRED_EVENTS)
            tables.old_events = _conform(old, EVENT_COLUMNS)
        return tables

    def done(self, path: str, rules: str, key: str | None) -> bool:
        row = self.results.get((path, rules))
        return (
            row is not None and row["status"] == "ok" and key is not None and row["file_key"] == key
        )

    def add(self, row: dict[str, Any]) -> None:
        import pyarrow as pa

        ident = (row["path"], row["rules"])
        fixed = {"path": row["path"], "file_key": row["file_key"], "rules": row["rules"]}
        events = [{**fixed, **e} for e in row.pop("events", [])]
        self.results[ident] = {name: row.get(name) for name, _ in RESULT_COLUMNS}
        self.new_events[ident] = pa.Table.from_pylist(events, schema=_schema(EVENT_COLUMNS))
        self.dirty = True

    def _events(self) -> pa.Table:
        import pyarrow as pa
        import pyarrow.compute as pc

        parts = []
        if self.old_events is not None and self.old_events.num_rows:
            old = self.old_events
            replaced = pa.array([f"{p}\0{r}" for p, r in self.new_events], pa.string())
            keys = pc.binary_join_element_wise(old["path"], old["rules"], "\0")
            parts.append(old.filter(pc.invert(pc.is_in(keys, value_set=replaced))))
        parts += [self.new_events[ident] for ident in sorted(self.new_events)]
        if not parts:
            return _schema(EVENT_COLUMNS).empty_table()
        table = pa.concat_tables(parts)
        return table.sort_by([("path", "ascending"), ("rules", "ascending")])

    def save(self) -> None:
        import pyarrow as pa

        if not self.dirty:
            return
        # Events first: the results table is what a resumed run trusts.
        _write_arrow(self.events_path, self._events())
        rows = [self.results[ident] for ident in sorted(self.results)]
        _write_arrow(self.out_path, pa.Table.from_pylist(rows, schema=_schema(RESULT_COLUMNS)))
        self.dirty = False


# --------------------------------------------------------------------------- batch


@dataclass
class BatchSummary:
    """What a batch did.

    Attributes
    ----------
    total : int
        Recordings found.
    skipped : int
        Already scored with the same rules and file key; not run again.
    ok, failed : int
        Recordings scored successfully / with an error in this run.
    errors : list of (str, str)
        (path, message) of each failure of this run.
    out_path, events_path : Path
        The tables written.
    """

    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    out_path: Path = Path()
    events_path: Path = Path()


#: Called after each recording with (finished so far, to run in total, its row).
ProgressCallback = Callable[[int, int, dict[str, Any]], None]


#: Seconds to wait for an existing cluster's scheduler to answer.
CONNECT_TIMEOUT_S = 10.0
#: Seconds to wait for a worker to join an existing cluster.
WORKER_WAIT_S = 30.0


def _worker_version() -> str:
    """Run on each worker: the quietlegs version it has."""
    return __version__


def _check_workers(client: Client, scheduler: str) -> None:
    """Refuse a cluster without workers or whose workers cannot run quietlegs.

    Workers with another quietlegs version than this one only warn: each row
    records the version of the worker that made it.
    """
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError as exc:
        raise SignalError(
            f"the Dask scheduler at {scheduler!r} has no worker (waited {WORKER_WAIT_S:g} s); "
            "start some with `dask worker` (see docs/plm-cohort.md)"
        ) from exc
    try:
        versions: dict[str, str] = client.run(_worker_version)
    except Exception as exc:  # any failure to run our code remotely; reported, not hidden
        raise SignalError(
            f"the workers of {scheduler!r} cannot run quietlegs ({type(exc).__name__}: {exc}); "
            "install the same quietlegs on every worker"
        ) from exc
    others = sorted({v for v in versions.values() if v != __version__})
    if others:
        warnings.warn(
            f"workers run quietlegs {', '.join(others)}, this machine {__version__}; "
            "each row records the version that made it",
            stacklevel=3,
        )


@contextmanager
def _client(scheduler: str | None, workers: int, processes: bool) -> Iterator[Client]:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise SignalError(
                f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}"
            ) from exc
        with client:
            _check_workers(client, scheduler)
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def run_batch(
    source: str | Path | Iterable[str | Path],
    out_path: str | Path,
    *,
    rules: str = "wasm2016",
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
    progress: ProgressCallback | None = None,
) -> BatchSummary:
    """Score every recording of ``source`` on Dask; write (or update) the tables.

    Parameters
    ----------
    source : str | Path | iterable of str or Path
        A folder, a glob pattern or a file (see :func:`find_recordings`), or
        the recordings themselves.
    out_path : str | Path
        The results table (Parquet). If it exists, its rows are kept and
        recordings already scored successfully with the same ``rules`` and
        :func:`file_key` are skipped. Events go to :func:`events_path_for`.
    rules : {"wasm2016", "aasm"}
        Scoring rules.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); by default
        a local cluster is started for the batch and stopped after it.
    workers : int, optional
        Local cluster only: number of workers (one recording at a time each);
        default one per CPU core, and never more than the recordings to run.
    processes : bool
        Local cluster only: workers as processes (default) or as threads of
        this process (debugging, tests; Python's warnings are process-wide, so
        with several threads a warning may be recorded on another recording's
        row).
    progress : callable, optional
        Called after each recording as ``progress(done, total, row)``.

    Returns
    -------
    summary : BatchSummary

    Raises
    ------
    SignalError
        If nothing matches ``source``, if ``out_path`` is not a results table
        or cannot be written, or if the scheduler cannot be reached. A failing
        recording never raises: it is a row with ``status="error"``.
    """
    check_option("rules", rules, plm.RULES)
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    if isinstance(source, str | Path):
        paths = find_recordings(source)
    else:
        paths = sorted({Path(p).expanduser().resolve() for p in source})
        if not paths:
            raise SignalError("no recording to analyse")
    out = Path(out_path).expanduser().resolve()
    if not out.parent.is_dir():
        raise SignalError(f"cannot write {str(out)!r}: folder {str(out.parent)!r} does not exist")
    tables = _Tables.load(out)
    todo: list[str] = []
    for path in paths:
        try:
            key: str | None = file_key(path)
        except OSError:
            key = None  # vanished; the worker reports it
        if not tables.done(str(path), rules, key):
            todo.append(str(path))
    summary = BatchSummary(
        total=len(paths),
        skipped=len(paths) - len(todo),
        out_path=out,
        events_path=tables.events_path,
    )
    logger.info("plm-batch: %d recordings, %d already done", len(paths), summary.skipped)
    if not todo:
        return summary

    n_workers = min(workers or os.cpu_count() or 1, len(todo))
    last_save = time.monotonic()
    unsaved = 0
    try:
        with _client(scheduler, n_workers, processes) as client:
            from distributed import as_completed

            futures = client.map(analyze_file, todo, rules=rules, pure=False)
            path_of = {f.key: p for f, p in zip(futures, todo, strict=True)}
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                try:
                    row: dict[str, Any] = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker fails one recording only
                    lost = path_of[future.key]
                    logger.warning("%s: the worker failed: %s", lost, exc)
                    row = _error_row(lost, rules, exc, None)
                future.release()
                if row["status"] == "ok":
                    summary.ok += 1
                else:
                    summary.failed += 1
                    summary.errors.append((row["path"], row["error"]))
                tables.add(row)
                unsaved += 1
                if progress is not None:
                    progress(summary.ok + summary.failed, len(todo), row)
                if unsaved >= CHECKPOINT_EVERY or time.monotonic() - last_save >= CHECKPOINT_S:
                    tables.save()
                    unsaved, last_save = 0, time.monotonic()
    finally:
        tables.save()
    return summary
