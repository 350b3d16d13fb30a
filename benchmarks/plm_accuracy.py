"""Accuracy of leg-movement detection and of the PLMS index on synthetic nights.

Each night (seeded, ``tests/signals/_arrays.make_night``) has PLM series and isolated
LMs on either or both legs, ECG contamination, a noise floor wandering from 2 to 8 µV,
a slow baseline drift and, on some nights, mains hum. The truth is the ground-truth
bursts; the true PLMS index is what the same scoring rules give on the true LMs.

Prints, per night and overall: LM detection precision, recall and F1 (a detected LM
matches a true one when their onsets are within 0.5 s) and the PLMS index from detected
vs true LMs. Targets: F1 >= 0.97 overall and |PLMS index error| <= 1/h on every night.
Exits 1 if a target is missed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.signals._arrays import make_night

from quietlegs.signals.plm import detect_leg_movements, score_plm

F1_TARGET = 0.97
PLMS_TARGET_PER_H = 1.0
ONSET_TOLERANCE_S = 0.5
#: (seed, hours, sampling rate, mains hum µV, ECG µV)
NIGHTS = [
    (1, 1.0, 256.0, 0.0, 30.0),
    (2, 1.0, 256.0, 60.0, 30.0),
    (3, 1.0, 200.0, 0.0, 80.0),
    (4, 1.0, 512.0, 30.0, 50.0),
    (5, 2.0, 256.0, 0.0, 120.0),
    (6, 1.0, 256.0, 100.0, 30.0),
]


def match(truth_s: npt.NDArray[np.float64], found_s: npt.NDArray[np.float64]) -> int:
    """True positives: one-to-one onset matches within the tolerance (greedy in time)."""
    used = np.zeros(found_s.size, dtype=bool)
    tp = 0
    for t in truth_s:
        near = np.flatnonzero(~used & (np.abs(found_s - t) <= ONSET_TOLERANCE_S))
        if near.size:
            used[near[np.argmin(np.abs(found_s[near] - t))]] = True
            tp += 1
    return tp


def main() -> int:
    ok = True
    totals = np.zeros(3, dtype=np.int64)  # tp, n_found, n_truth
    print(f"{'night':>5} {'h':>4} {'Hz':>5} {'LMs':>5} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'PLMS true':>10} {'PLMS det':>9} {'error':>6}")  # fmt: skip
    for seed, hours, fs, mains, ecg in NIGHTS:
        night = make_night(hours, fs, seed=seed, mains_uv=mains, ecg_uv=ecg)
        found = {
            "left": detect_leg_movements(night.left_uv, fs),
            "right": detect_leg_movements(night.right_uv, fs),
        }
        counts = np.zeros(3, dtype=np.int64)
        for side, truth in (("left", night.left_lms), ("right", night.right_lms)):
            tp = match(truth[:, 0] / fs, found[side][:, 0] / fs)
            counts += (tp, len(found[side]), len(truth))
        totals += counts
        precision = counts[0] / max(counts[1], 1)
        recall = counts[0] / max(counts[2], 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        true = score_plm(
            night.left_lms, night.right_lms, fs, night.duration_s, hypnogram=night.hypnogram
        )
        det = score_plm(
            found["left"], found["right"], fs, night.duration_s, hypnogram=night.hypnogram
        )
        error = abs((det.plms_index or 0.0) - (true.plms_index or 0.0))
        ok &= error <= PLMS_TARGET_PER_H
        print(f"{seed:>5} {hours:>4g} {fs:>5g} {counts[2]:>5} {precision:>6.3f} {recall:>6.3f} "
              f"{f1:>6.3f} {true.plms_index or 0.0:>10.2f} {det.plms_index or 0.0:>9.2f} {error:>6.2f}")  # fmt: skip
    precision = totals[0] / max(totals[1], 1)
    recall = totals[0] / max(totals[2], 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    ok &= f1 >= F1_TARGET
    print(f"overall: {totals[2]} true LMs, precision {precision:.3f}, recall {recall:.3f}, "
          f"F1 {f1:.3f} (target >= {F1_TARGET}); PLMS index error <= {PLMS_TARGET_PER_H}/h on "
          f"every night: {'yes' if ok else 'NO'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
