"""Small recordings and results made in code for the output, CLI and cohort tests.

The results are built directly (not detected), so these tests check the writers
and the shells, not the detector.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
from edfio import Edf, EdfAnnotation, EdfSignal, Patient, Recording

from quietlegs.signals.edf import Annotation, LegRecording
from quietlegs.signals.plm import LegMovement, PLMResult

SFREQ_HZ = 256.0
DURATION_S = 120.0
STAGES = ("W", "N2", "N2", "R")
STAGE_ANNOTATIONS = tuple(
    EdfAnnotation(30.0 * i, 30.0, f"Sleep stage {stage}") for i, stage in enumerate(STAGES)
)

EVENTS = (
    LegMovement(10.0, 1.0, "left", False, "W", False, False, None),
    LegMovement(35.0, 2.0, "right", True, "N2", True, False, 25.0),
    LegMovement(55.5, 1.5, "bilateral", True, "N2", False, True, 20.5),
    LegMovement(75.25, 0.75, "left", True, "N2", False, False, 19.75),
    LegMovement(95.0, 1.0, "right", True, "R", False, False, 19.75),
)


def make_result(
    events: tuple[LegMovement, ...] = EVENTS,
    *,
    index_basis: str = "sleep",
    finding: str = "PLMS index 60.0/h is above the ICSD-3 threshold of 15/h for adults.",
    warnings: tuple[str, ...] = (),
    plms_index: float | None = 60.0,
) -> PLMResult:
    """A result with known numbers (not computed from the events' detection)."""
    return PLMResult(
        rules="wasm2016",
        index_basis=index_basis,
        lm_count=len(events),
        plm_count=sum(e.periodic for e in events),
        plms_count=3,
        plmw_count=0,
        plms_index=plms_index,
        plmw_index=0.0 if index_basis == "sleep" else None,
        lm_index=150.0,
        plm_index=120.0,
        plms_by_stage={"N2": 72.0, "R": 120.0} if index_basis == "sleep" else {},
        plms_arousal_index=20.0 if index_basis == "sleep" else None,
        periodicity_index=0.75,
        imi_histogram={"edges_s": [0.0, 10.0, 20.0, 30.0], "counts": [0, 3, 1]},
        events=list(events),
        sleep_hours=0.025 if index_basis == "sleep" else None,
        recording_hours=DURATION_S / 3600.0,
        warnings=list(warnings),
        finding=finding,
    )


def emg(seed: int, n: int) -> np.ndarray:
    """Seeded EMG-like noise (µV) with a few bursts."""
    rng = np.random.default_rng(seed)
    data = rng.normal(0.0, 2.0, n)
    for onset in (10.0, 35.0, 55.5, 75.25, 95.0):
        i = int(onset * SFREQ_HZ)
        data[i : i + int(SFREQ_HZ)] += rng.normal(0.0, 30.0, int(SFREQ_HZ))
    return np.clip(data, -499.0, 499.0)


def write_edf(
    path: Path,
    *,
    plus: bool = True,
    starttime: datetime.time = datetime.time(22, 30, 0),
    labels: tuple[str, ...] = ("Leg L", "Leg R", "ECG"),
) -> Path:
    """Write a 2-minute, 256 Hz EDF (EDF+C with sleep stages when ``plus``)."""
    n = int(DURATION_S * SFREQ_HZ)
    signals = [
        EdfSignal(
            emg(i, n), SFREQ_HZ, label=label, physical_dimension="uV", physical_range=(-500, 500)
        )
        for i, label in enumerate(labels)
    ]
    edf = Edf(
        signals,
        patient=Patient(code="P-17", name="Test_Night"),
        recording=Recording(startdate=datetime.date(2024, 3, 5)),
        starttime=starttime,
        annotations=STAGE_ANNOTATIONS if plus else None,
    )
    edf.write(path)
    return path


def make_recording(path: str = "night.edf", *, right: bool = True) -> LegRecording:
    """A LegRecording in memory matching :func:`write_edf`."""
    n = int(DURATION_S * SFREQ_HZ)
    return LegRecording(
        left_uv=emg(0, n),
        right_uv=emg(1, n) if right else None,
        sfreq_hz=SFREQ_HZ,
        left_label="Leg L",
        right_label="Leg R" if right else None,
        duration_s=DURATION_S,
        start=datetime.datetime(2024, 3, 5, 22, 30),
        annotations=[Annotation(a.onset, a.duration or 0.0, a.text) for a in STAGE_ANNOTATIONS],
        path=path,
        warnings=[] if right else ["only the left leg was recorded"],
    )
