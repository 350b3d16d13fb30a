"""Speed of leg-movement detection on an 8-hour, 256-Hz, 2-leg night.

Times, in the same run and on the same synthetic night (seeded):

- quietlegs ``detect_leg_movements`` on both legs (band-pass + notch check, rectified
  envelope, ECG-robust opening, running baseline, WASM 2016 thresholds); the FIR runs
  in two threads only while a CPU is idle (see ``_detect._n_threads``), so the load
  average is printed with the result;
- a plain scipy baseline: 4th-order Butterworth 10-100 Hz with ``filtfilt`` (float64),
  ``abs``, a 0.1-s moving average and a fixed threshold (8 µV above the median) -- the
  straightforward chain, with none of the rules.

Prints the median of 5 runs of each, in ms, and the ratio. Target: detection < 50 ms
for both legs; exits 1 only when it is missed by a wide margin (more than twice the
target), so that a slow CI machine does not fail on noise.

The end-to-end run (read EDF -> report) needs the EDF reader (``quietlegs.signals.edf``);
it is timed once that module is merged (TODO).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import ndimage, signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.signals._arrays import make_emg

from _common import median_seconds
from quietlegs.signals import _detect
from quietlegs.signals.plm import detect_leg_movements

HOURS = 8.0
SFREQ_HZ = 256.0
TARGET_S = 0.050
FAIL_FACTOR = 2.0


def plain_scipy(x: npt.NDArray[np.float64], fs: float) -> int:
    """The straightforward chain: filtfilt, abs, moving average, fixed threshold."""
    b, a = signal.butter(4, [10.0, 100.0], btype="bandpass", fs=fs)
    env = ndimage.uniform_filter1d(np.abs(signal.filtfilt(b, a, x)), round(0.1 * fs))
    above = env > np.median(env) + 8.0
    return int(np.count_nonzero(np.diff(above.astype(np.int8)) == 1))


def main() -> int:
    duration = HOURS * 3600.0
    rng = np.random.default_rng(0)
    onsets = np.cumsum(rng.uniform(15.0, 60.0, 2000))
    bursts = [(float(t), float(rng.uniform(0.6, 4.0)), 40.0) for t in onsets if t < duration - 10]
    legs = [
        make_emg(duration, SFREQ_HZ, bursts, floor_uv=(2.0, 8.0), ecg_uv=50.0, seed=s)
        for s in (1, 2)
    ]
    mb = sum(x.nbytes for x in legs) / 2**20
    print(f"night: {HOURS:g} h x {SFREQ_HZ:g} Hz x 2 legs = {sum(x.size for x in legs):,} samples "
          f"({mb:.0f} MiB float64), {len(bursts)} bursts per leg")  # fmt: skip
    start = time.perf_counter()
    found = [len(detect_leg_movements(x, SFREQ_HZ)) for x in legs]
    cold = time.perf_counter() - start
    ours = median_seconds(
        lambda: [detect_leg_movements(x, SFREQ_HZ) for x in legs], repeat=5, warmup=1
    )
    base = median_seconds(lambda: [plain_scipy(x, SFREQ_HZ) for x in legs], repeat=5, warmup=1)
    print(f"quietlegs detection (both legs): {ours * 1e3:8.1f} ms  ({found} LMs found)")
    print(f"  first call of the process    : {cold * 1e3:8.1f} ms  (starts the thread pool)")
    print(f"plain scipy filtfilt chain     : {base * 1e3:8.1f} ms")
    print(f"ratio baseline / quietlegs     : {base / ours:8.1f} x")
    print(f"load average during the run   : {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          f"(FIR threads now: {_detect._n_threads()})")  # fmt: skip
    verdict = (
        "met" if ours < TARGET_S else ("missed" if ours < FAIL_FACTOR * TARGET_S else "MISSED")
    )
    print(f"target < {TARGET_S * 1e3:.0f} ms: {verdict}")
    return 0 if ours < FAIL_FACTOR * TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
