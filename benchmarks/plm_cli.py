"""The whole ``quietlegs plm`` command on an 8-hour, 256-Hz, 2-leg night: time and memory.

Generates once, in a temporary folder, a synthetic EDF+ night (``tests.signals.synth``,
seed 3: two leg channels, ECG, stage annotations), then runs, as subprocesses with this
interpreter and this checkout's ``src`` first on ``PYTHONPATH``:

- ``python -c pass`` (the interpreter's own start-up, the same-run baseline);
- ``quietlegs --version`` (start-up of the command line: typer, rich, quietlegs);
- ``quietlegs plm NIGHT.edf --format json`` (read -> detect -> score -> JSON report),

each 3 times (after one warm-up run of each, so the file and the imports are in the page
cache), and prints the median wall time. The peak memory (maximum resident set size) of
each ``plm`` run comes from the kernel's accounting of that child process
(``os.wait4``); the night is generated in a child process too, so that this script
stays small (on Linux a child's peak RSS starts from its parent's at fork). The largest is compared with 5x the size of the leg channels as the
reader returns them (float64, 8 bytes a sample: 2 x n_samples x 8 bytes).

Targets (issue #4): the whole run under 1 s, memory under 5x the leg channels. Exits 1
only when a target is missed by more than 50 % (> 1.5 s, > 7.5x), so that a slow machine
does not fail on noise; a smaller miss is printed as missed and exits 0.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HOURS = 8.0
SFREQ_HZ = 256.0
SEED = 3
REPEAT = 3
TARGET_S = 1.0
TARGET_MEMORY_FACTOR = 5.0
FAIL_FACTOR = 1.5
#: The reader returns each leg as 1-D float64 µV (``LegRecording.left_uv``/``right_uv``).
LEG_DTYPE_BYTES = 8


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    paths = (src, str(ROOT), env.get("PYTHONPATH"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.setdefault("QUIETLEGS_DATA_DIR", str(ROOT / ".quietlegs" / "test"))
    return env


def _run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run one child to completion: (wall seconds, peak resident set in bytes)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode != 0:
        sys.stderr.write(stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(args)} failed with status {child.returncode}")
    return elapsed, usage.ru_maxrss * 1024  # Linux: ru_maxrss in KiB


def _median(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    _run(args, env)  # warm-up: page cache, .pyc files
    runs = [_run(args, env) for _ in range(REPEAT)]
    return statistics.median(t for t, _ in runs), max(m for _, m in runs)


def main() -> int:
    if not hasattr(os, "wait4"):
        print("plm_cli: os.wait4 is not available on this platform; skipped")
        return 0
    env = _env()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="quietlegs-plm-cli-") as tmp:
        path = Path(tmp) / "night.edf"
        make = (
            "import sys; from tests.signals.synth import make_night, write_edf; "
            f"write_edf(sys.argv[1], make_night({HOURS * 3600.0!r}, {SFREQ_HZ!r}, seed={SEED}))"
        )
        _run([py, "-c", make, str(path)], env)
        n_samples = round(HOURS * 3600.0 * SFREQ_HZ)
        legs_bytes = 2 * n_samples * LEG_DTYPE_BYTES
        file_mb = path.stat().st_size / 2**20

        python_s, python_rss = _median([py, "-c", "pass"], env)
        version_s, version_rss = _median([py, "-m", "quietlegs.cli", "--version"], env)
        plm_s, plm_rss = _median(
            [py, "-m", "quietlegs.cli", "plm", str(path), "--format", "json"], env
        )

    factor = plm_rss / legs_bytes
    time_ok = plm_s < TARGET_S
    memory_ok = factor < TARGET_MEMORY_FACTOR
    print(
        f"quietlegs plm --format json, {HOURS:g} h x {SFREQ_HZ:g} Hz x 2 legs "
        f"(EDF+ {file_mb:.0f} MB; median of {REPEAT} runs)"
    )
    print(
        f"  python -c pass           {1000 * python_s:7.0f} ms   peak {python_rss / 2**20:6.0f} MB"
    )
    print(
        f"  quietlegs --version      {1000 * version_s:7.0f} ms   peak {version_rss / 2**20:6.0f} MB"
    )
    print(f"  quietlegs plm (JSON)     {1000 * plm_s:7.0f} ms   peak {plm_rss / 2**20:6.0f} MB")
    print(f"  time:   {plm_s:.2f} s (target < {TARGET_S:g} s): {'met' if time_ok else 'MISSED'}")
    print(
        f"  memory: {factor:.2f}x the leg channels (2 x {n_samples} float64 samples = "
        f"{legs_bytes / 2**20:.0f} MB; target < {TARGET_MEMORY_FACTOR:g}x): "
        f"{'met' if memory_ok else 'MISSED'}"
    )
    failed = plm_s > FAIL_FACTOR * TARGET_S or factor > FAIL_FACTOR * TARGET_MEMORY_FACTOR
    if failed:
        print(f"  missed by more than {100 * (FAIL_FACTOR - 1):.0f} %: exit 1")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
