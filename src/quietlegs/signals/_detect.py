"""Leg-movement detection on one tibialis anterior EMG channel (private).

The chain (``docs/plm.md`` explains each choice):

1. band-pass 10-100 Hz: a centred (zero-phase) 0.25-s FIR computed as three matrix
   products; when a 50/60-Hz mains line stands out of the spectrum, a 0.375-s
   least-squares FIR band-pass with a notch at that frequency instead;
2. full-wave rectification and block means at ~32 Hz (the only full-rate steps, fused
   with the filter, chunk by chunk in cache, in two worker threads or one per leg);
3. a 0.1-s moving average and a 0.3-s grey opening (running minimum then maximum), which
   removes anything narrower than 0.3 s -- QRS complexes that leak into the leg channel --
   and keeps every burst long enough to be an LM (>= 0.5 s) with its edges;
4. a resting baseline that follows the noise floor: the 30th percentile of the envelope
   in 30-s blocks, median-smoothed over 5 blocks;
5. the WASM 2016 / AASM thresholds: onset at >= 8 µV above baseline, offset at the start
   of >= 0.5 s not exceeding 2 µV above baseline, minimum duration 0.5 s.
"""

from __future__ import annotations

import ctypes
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from quietlegs.signals._rules import (
    LM_MIN_DURATION_S,
    LM_OFFSET_QUIET_S,
    LM_OFFSET_THRESHOLD_UV,
    LM_ONSET_THRESHOLD_UV,
)

F32 = npt.NDArray[np.float32]
_T = TypeVar("_T")
_R = TypeVar("_R")

#: Pass band of the EMG filter in Hz. WASM 2016 recording standard: tibialis EMG
#: filtered 10-100 Hz (high-pass 10 Hz; low-pass >= 100 Hz), sampled at >= 200 Hz.
BAND_HZ = (10.0, 100.0)
#: Length of the FIR band-pass used when there is no mains hum, s (65 taps at 256 Hz;
#: -6 dB at the band edges, full pass from ~17 Hz, Hamming window).
FIR_SPAN_S = 0.25
#: Upper band edge never above this share of the sampling rate (anti-aliasing room).
MAX_EDGE_SHARE_OF_FS = 0.45
#: Mains frequencies looked for, Hz.
MAINS_HZ = (50.0, 60.0)
#: A mains line is notched when its power is this many times the median power of the
#: neighbouring bins (3-8 Hz away on each side).
MAINS_LINE_RATIO = 10.0
#: Length of the band-pass FIR with a mains notch, s (97 taps at 256 Hz). Designed by
#: weighted least squares (``firls``: Parks & Burrus, *Digital Filter Design*, 1987,
#: ch. 3) with the bands below; at 200-512 Hz it measures >= 47 dB down at the mains
#: frequency and +-0.5 Hz around it, pass-band ripple < 1 dB (tests/signals).
NOTCH_FIR_SPAN_S = 0.375
#: Notch stop band: mains +- this, Hz (covers the +-0.2 Hz drift of a grid).
NOTCH_STOP_HALF_HZ = 1.5
#: Full pass again from mains +- this, Hz (the band between is a transition).
NOTCH_PASS_HALF_HZ = 6.0
#: Weight of the notch stop band against the pass bands in the least-squares design.
NOTCH_STOP_WEIGHT = 100.0
#: Notch design: stop band below this, Hz ...
NOTCH_LOW_STOP_HZ = 4.0
#: ... full pass from this, Hz (-2 dB at 10 Hz, like the FIR without notch's -6 dB);
NOTCH_LOW_PASS_HZ = 12.0
#: stop band from the upper band edge plus this to the Nyquist frequency, Hz.
NOTCH_HIGH_TRANSITION_HZ = 8.0
#: Number of 1-s segments, spread over the recording, used to look for a mains line.
MAINS_PROBE_SEGMENTS = 32
#: Target rate of the envelope in Hz (blocks of round(fs / 32) samples).
ENVELOPE_RATE_HZ = 32.0
#: Moving average applied to the block envelope, s.
ENVELOPE_SMOOTH_S = 0.1
#: Grey opening width, s: removes envelope peaks narrower than this (QRS spikes leak
#: into leg EMG as ~0.1-s peaks; with the 0.1-s smoothing they are < 0.25 s wide),
#: while keeping bursts of >= 0.5 s (the shortest LM).
ENVELOPE_OPENING_S = 0.3
#: Baseline: this percentile of the envelope ...
BASELINE_PERCENTILE = 30.0
#: ... in blocks of this length, s ...
BASELINE_BLOCK_S = 30.0
#: ... median-smoothed over this many blocks (robust to a block full of movement).
BASELINE_SMOOTH_BLOCKS = 5
#: The baseline percentile is taken on every n-th envelope sample (the envelope is
#: already smooth; 4 Hz is plenty for a 30-s percentile).
BASELINE_SUBSAMPLE = 8
#: No LM may start within this margin of non-finite input samples, s (filter transients).
NONFINITE_MARGIN_S = 0.5


def fir_taps(sfreq_hz: float) -> npt.NDArray[np.float64]:
    """Linear-phase (zero-phase once centred) FIR band-pass, :data:`FIR_SPAN_S` long.

    The windowed-sinc design of ``scipy.signal.firwin(n, [lo, hi], pass_zero=False,
    fs=sfreq_hz)`` (Hamming window, unit gain at the centre of the pass band), written
    with numpy so that detection does not import scipy.signal; the tests check that the
    taps equal scipy's.
    """
    half = max(1, round(FIR_SPAN_S * sfreq_hz / 2))
    nyquist = sfreq_hz / 2.0
    low = BAND_HZ[0] / nyquist
    high = min(BAND_HZ[1], MAX_EDGE_SHARE_OF_FS * sfreq_hz) / nyquist
    m = np.arange(2 * half + 1, dtype=np.float64) - half
    taps = (high * np.sinc(high * m) - low * np.sinc(low * m)) * np.hamming(m.size)
    taps /= np.sum(taps * np.cos(np.pi * m * 0.5 * (low + high)))
    return taps


def firls(
    numtaps: int,
    bands_hz: npt.ArrayLike,
    desired: npt.ArrayLike,
    weight: npt.ArrayLike,
    sfreq_hz: float,
) -> npt.NDArray[np.float64]:
    """Linear-phase FIR by weighted least squares (type I), as ``scipy.signal.firls``.

    Minimises the weighted integral of the squared error between the filter's
    amplitude response and a piecewise-linear desired response over the given bands
    (the gaps between bands are "don't care"). The same closed-form normal equations as
    scipy's (a Toeplitz-plus-Hankel system), solved with numpy, so that detection does
    not import ``scipy.signal`` (~0.5 s with scipy >= 1.15, more than the detection of a
    whole night); the tests check the taps equal scipy's.

    Parameters
    ----------
    numtaps : int
        Odd number of taps.
    bands_hz : array-like, shape (2 * n_bands,)
        Band edges in Hz, non-decreasing, from 0 to ``sfreq_hz / 2``.
    desired : array-like, shape (2 * n_bands,)
        Desired gain at each band edge (linear in between).
    weight : array-like, shape (n_bands,)
        Weight of each band.
    sfreq_hz : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray of float64, shape (numtaps,)
    """
    half = (numtaps - 1) // 2
    bands = (np.asarray(bands_hz, dtype=np.float64) / (sfreq_hz / 2.0)).reshape(-1, 2)
    want = np.asarray(desired, dtype=np.float64).reshape(-1, 2)
    w = np.asarray(weight, dtype=np.float64)
    n = np.arange(numtaps, dtype=np.float64)[:, None, None]
    q = np.diff(np.sinc(bands * n) * bands, axis=2)[:, :, 0] @ w
    idx = np.arange(half + 1)
    gram = q[np.abs(idx[:, None] - idx[None, :])] + q[idx[:, None] + idx[None, :]]
    n = n[: half + 1]
    slope = np.diff(want, axis=1) / np.diff(bands, axis=1)
    offset = want[:, [0]] - bands[:, [0]] * slope
    b = bands * (slope * bands + offset) * np.sinc(bands * n)
    b[0] -= slope * bands * bands / 2.0
    b[1:] += slope * np.cos(n[1:] * np.pi * bands) / (np.pi * n[1:]) ** 2
    rhs = np.diff(b, axis=2)[:, :, 0] @ w
    a = np.linalg.solve(gram, rhs)
    return np.concatenate((a[:0:-1], 2.0 * a[:1], a[1:]))


def notch_fir_taps(sfreq_hz: float, mains_hz: float) -> npt.NDArray[np.float64]:
    """Band-pass FIR with a notch at ``mains_hz``, :data:`NOTCH_FIR_SPAN_S` long.

    Pass bands :data:`NOTCH_LOW_PASS_HZ` .. mains - :data:`NOTCH_PASS_HALF_HZ` and
    mains + :data:`NOTCH_PASS_HALF_HZ` .. the upper band edge; stop bands below
    :data:`NOTCH_LOW_STOP_HZ`, mains +- :data:`NOTCH_STOP_HALF_HZ` (weighted
    :data:`NOTCH_STOP_WEIGHT`) and above the upper edge plus
    :data:`NOTCH_HIGH_TRANSITION_HZ`. ``mains_hz`` must lie below the upper band edge
    (:func:`find_mains` only reports such lines).
    """
    half = max(1, round(NOTCH_FIR_SPAN_S * sfreq_hz / 2))
    nyquist = sfreq_hz / 2.0
    high = min(BAND_HZ[1], MAX_EDGE_SHARE_OF_FS * sfreq_hz)
    bands = [0.0, NOTCH_LOW_STOP_HZ, NOTCH_LOW_PASS_HZ, mains_hz - NOTCH_PASS_HALF_HZ]
    desired = [0.0, 0.0, 1.0, 1.0]
    weight = [1.0, 1.0]
    bands += [mains_hz - NOTCH_STOP_HALF_HZ, mains_hz + NOTCH_STOP_HALF_HZ]
    desired += [0.0, 0.0]
    weight += [NOTCH_STOP_WEIGHT]
    if mains_hz + NOTCH_PASS_HALF_HZ < high:
        bands += [mains_hz + NOTCH_PASS_HALF_HZ, high]
        desired += [1.0, 1.0]
        weight += [1.0]
    if high < nyquist - 5.0:
        bands += [min(high + NOTCH_HIGH_TRANSITION_HZ, nyquist - 1.0), nyquist]
        desired += [0.0, 0.0]
        weight += [1.0]
    return firls(2 * half + 1, bands, desired, weight, sfreq_hz)


#: Output rows (of ``taps.size // 2`` samples) per chunk of the fused FIR + envelope
#: kernel when it runs on the calling thread: small enough that a chunk's arrays stay
#: in cache (~32 KB each at 256 Hz) and that OpenBLAS keeps each product on one
#: thread (it threads products with m * n * k > 262144, and its own threads are slow
#: and erratic when the CPUs are busy).
FIR_CHUNK_ROWS = 256
#: Rows per chunk in the worker threads, where OpenBLAS is pinned to one thread per
#: worker: larger chunks, few enough that the workers rarely wait for the GIL.
FIR_THREAD_CHUNK_ROWS = 16384
#: Rows per chunk when a worker thread runs a whole leg on its own (see
#: :func:`map_legs`): BLAS is pinned to one thread there, so larger products are safe,
#: and fewer chunks mean fewer GIL hand-overs between the two legs' workers (measured on
#: 2 cores: 256 rows 80 ms, 1024 rows 48 ms, 4096 rows 35 ms, 16384 rows 40 ms for an
#: 8-h, 256-Hz night, both legs).
FIR_WORKER_CHUNK_ROWS = 4096
#: Worker threads of the fused kernel (numpy releases the GIL in the products and
#: ufuncs); at most the CPUs available. Used only when OpenBLAS can be pinned to one
#: thread in each worker (``openblas_set_num_threads_local``, OpenBLAS >= 0.3.27).
MAX_THREADS = 2

_WORKSPACE = threading.local()
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _buffer(name: str, size: int) -> F32:
    """A float32 work array of ``size``, kept per thread and reused between calls.

    Fresh multi-megabyte arrays cost page faults (the kernel zeroing pages) on every
    call. Kept: three chunks of the FIR (~100 KB) and two envelope-rate arrays
    (2 x 3.7 MB for 8 h at 256 Hz); :func:`clear_workspace` frees them.
    """
    bufs: dict[str, F32] = _WORKSPACE.__dict__.setdefault("bufs", {})
    buf = bufs.get(name)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=np.float32)
        bufs[name] = buf
    return buf[:size]


def clear_workspace() -> None:
    """Free this thread's work arrays."""
    _WORKSPACE.__dict__.pop("bufs", None)


_BLAS_LOCAL_THREADS: Any = None  # ctypes function, False when not available


def _blas_local_threads() -> Any:
    """OpenBLAS's ``openblas_set_num_threads_local`` (this thread only), or None."""
    global _BLAS_LOCAL_THREADS
    if _BLAS_LOCAL_THREADS is None:
        _BLAS_LOCAL_THREADS = False
        root = Path(np.__file__).resolve().parent
        candidates = [
            *sorted(root.parent.glob("numpy.libs/*openblas*")),
            *sorted(root.glob(".dylibs/*openblas*")),
        ]
        for path in candidates:
            try:
                fn = ctypes.CDLL(str(path)).openblas_set_num_threads_local
            except (OSError, AttributeError):
                continue
            fn.argtypes = [ctypes.c_int]
            fn.restype = ctypes.c_int
            _BLAS_LOCAL_THREADS = fn
            break
    return _BLAS_LOCAL_THREADS or None


def _in_worker() -> bool:
    """True on one of the pool's worker threads (work there runs inline, never nested)."""
    return bool(getattr(_WORKSPACE, "in_worker", False))


def _n_threads() -> int:
    """Worker threads for the fused kernel: 1 (run inline) unless BLAS can be pinned.

    Always 1 on a worker thread itself, so that a leg analysed in a worker never waits
    for the pool it runs in.
    """
    if _in_worker() or _blas_local_threads() is None:
        return 1
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def _pin_blas() -> None:
    _WORKSPACE.in_worker = True
    fn = _blas_local_threads()
    if fn is not None:
        fn(1)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(
                _n_threads(), thread_name_prefix="quietlegs-fir", initializer=_pin_blas
            )
        return _POOL


def map_legs(fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``[fn(item) for item in items]``, one item per worker thread when there are CPUs.

    Two legs analysed side by side keep both CPUs busy through every step (the fused
    FIR already runs in two threads, but the envelope, baseline and thresholds of one
    leg do not); on a worker, each leg's own steps run inline. Exceptions propagate.
    """
    if len(items) < 2 or _n_threads() < 2:
        return [fn(item) for item in items]
    return list(_pool().map(fn, items))


def fir_matrices(taps: npt.NDArray[np.float64]) -> tuple[F32, F32, F32]:
    """The centred FIR as three ``half x half`` Toeplitz blocks (float32).

    With the signal cut into rows of ``half = taps.size // 2`` samples, output row k
    depends on input rows k-1, k and k+1 only: ``Y = X[:-2] @ H_prev + X[1:-1] @ H_cur
    + X[2:] @ H_next``.
    """
    half = taps.size // 2
    r = np.arange(3 * half)[:, None]
    i = np.arange(half)[None, :]
    m = r - i
    big = np.where((m >= 0) & (m < taps.size), taps[np.clip(m, 0, taps.size - 1)], 0.0)
    big = big.astype(np.float32)
    return big[:half], big[half : 2 * half], big[2 * half :]


def _fir_chunk(
    x: npt.NDArray[np.floating[Any]], r0: int, n_rows: int, mats: tuple[F32, F32, F32]
) -> F32:
    """Rows ``r0 .. r0 + n_rows`` of the centred FIR of ``x`` (a per-thread work array).

    Row k holds outputs ``[k * half, (k + 1) * half)``; the input is read from
    ``x[(r0 - 1) * half : (r0 + n_rows + 1) * half]``, converted to float32 on the fly
    and padded with the first and last sample beyond the ends.
    """
    h_prev, h_cur, h_next = mats
    half = h_cur.shape[0]
    n = x.size
    seg = _buffer("seg", (n_rows + 2) * half)
    s0 = (r0 - 1) * half
    s1 = s0 + seg.size
    lo, hi = max(s0, 0), min(s1, n)
    if s0 < lo:
        seg[: lo - s0] = x[0]
    seg[lo - s0 : hi - s0] = x[lo:hi]
    if hi < s1:
        seg[hi - s0 :] = x[n - 1]
    rows = seg.reshape(n_rows + 2, half)
    out = _buffer("out", n_rows * half).reshape(n_rows, half)
    tmp = _buffer("tmp", n_rows * half).reshape(n_rows, half)
    np.matmul(rows[:-2], h_prev, out=out)
    np.matmul(rows[1:-1], h_cur, out=tmp)
    out += tmp
    np.matmul(rows[2:], h_next, out=tmp)
    out += tmp
    return out


def fir_filter(x: npt.NDArray[np.floating[Any]], taps: npt.NDArray[np.float64]) -> F32:
    """Centred FIR filtering as three matrix products (BLAS), float32.

    ``y[n] = sum_m taps[m] * x[n + m - half]`` with the ends padded by the first and last
    sample (no step, no start-up transient); see :func:`fir_matrices`. The reference
    for :func:`fir_rectified_means`, which fuses it with the envelope.
    """
    mats = fir_matrices(taps)
    half = taps.size // 2
    n_rows = -(-x.size // half)
    y = _fir_chunk(x, 0, n_rows, mats).reshape(-1)[: x.size].copy()
    clear_workspace()
    return y


def fir_rectified_means(
    x: npt.NDArray[np.floating[Any]], taps: npt.NDArray[np.float64], block: int
) -> F32:
    """Block means of ``abs(fir_filter(x, taps))``, fused chunk by chunk, float32.

    Parameters
    ----------
    x : ndarray of float, shape (n,)
        Signal (any float dtype; converted to float32 chunk by chunk).
    taps : ndarray of float64, odd length
        FIR taps (centred).
    block : int
        Samples per mean.

    Returns
    -------
    ndarray of float32, shape (n // block,)
        Mean of ``abs(y)`` over ``[k * block, (k + 1) * block)``.

    Notes
    -----
    The filter, the rectification and the block means run on chunks of
    :data:`FIR_CHUNK_ROWS` rows that stay in cache, in up to :data:`MAX_THREADS`
    threads; the full-rate filtered signal never exists as a whole.
    """
    mats = fir_matrices(taps)
    half = taps.size // 2
    n = x.size
    n_blocks = n // block
    n_rows = -(-n // half)
    # Chunks start on a block boundary: rows per chunk a multiple of block / gcd.
    threads = _n_threads()
    step = block // math.gcd(half, block)
    if threads > 1:
        # A multiple of `threads` chunks of about equal size, so no worker idles at the end.
        n_chunks = threads * max(1, round(n_rows / (threads * FIR_THREAD_CHUNK_ROWS)))
        target = -(-n_rows // n_chunks)
        rows_per_chunk = -(-target // step) * step
    else:
        rows = FIR_WORKER_CHUNK_ROWS if _in_worker() else FIR_CHUNK_ROWS
        rows_per_chunk = max(step, rows // step * step)
    means = np.empty(n_rows * half // block + 1, dtype=np.float32)
    weights = np.full(block, 1.0 / block, dtype=np.float32)

    def run(r0: int) -> None:
        c = min(rows_per_chunk, n_rows - r0)
        y = _fir_chunk(x, r0, c, mats).reshape(-1)
        k = y.size // block
        np.abs(y, out=y)
        first = r0 * half // block
        np.matmul(y[: k * block].reshape(k, block), weights, out=means[first : first + k])

    starts = range(0, n_rows, rows_per_chunk)
    if threads > 1 and len(starts) > 1:
        list(_pool().map(run, starts))
    else:
        for r0 in starts:
            run(r0)
    return means[:n_blocks]


def find_mains(x: npt.NDArray[np.floating[Any]], sfreq_hz: float) -> float | None:
    """Return 50.0 or 60.0 when that mains line stands out of the spectrum, else None.

    The spectrum is the mean periodogram of up to :data:`MAINS_PROBE_SEGMENTS` 1-s
    segments spread over the recording (cheap: a few thousand samples).
    """
    seg = int(sfreq_hz)
    n_seg = min(MAINS_PROBE_SEGMENTS, x.size // seg)
    if n_seg == 0:
        return None
    starts = np.linspace(0, x.size - seg, n_seg).astype(np.int64)
    segs = x[starts[:, None] + np.arange(seg)].astype(np.float64)
    segs -= segs.mean(axis=1, keepdims=True)
    power = (np.abs(np.fft.rfft(segs * np.hanning(seg), axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(seg, 1.0 / sfreq_hz)
    best: tuple[float, float] | None = None
    for f0 in MAINS_HZ:
        if f0 >= MAX_EDGE_SHARE_OF_FS * sfreq_hz:
            continue
        line = power[np.argmin(np.abs(freqs - f0))]
        dist = np.abs(freqs - f0)
        neighbours = power[(dist >= 3.0) & (dist <= 8.0)]
        floor = float(np.median(neighbours)) if neighbours.size else 0.0
        ratio = float(line) / floor if floor > 0 else (math.inf if line > 0 else 0.0)
        if ratio >= MAINS_LINE_RATIO and (best is None or ratio > best[1]):
            best = (f0, ratio)
    return None if best is None else best[0]


def envelope(x: npt.NDArray[np.floating[Any]], sfreq_hz: float) -> tuple[F32, int]:
    """Rectified, smoothed, opened EMG envelope at ~32 Hz.

    Parameters
    ----------
    x : ndarray of float, shape (n,)
        EMG in µV (finite).
    sfreq_hz : float
        Sampling rate, Hz.

    Returns
    -------
    env : ndarray of float32, shape (n // block,)
        Envelope in µV; sample k covers input samples ``[k * block, (k + 1) * block)``.
    block : int
        Samples per envelope sample.
    """
    block = max(1, round(sfreq_hz / ENVELOPE_RATE_HZ))
    env_rate = sfreq_hz / block
    mains = find_mains(x, sfreq_hz)
    # Zero-phase FIR band-pass (with a notch when there is mains hum) by matrix
    # products, fused with the rectification and the block means.
    taps = fir_taps(sfreq_hz) if mains is None else notch_fir_taps(sfreq_hz, mains)
    env = fir_rectified_means(x, taps, block)
    k_smooth = max(1, round(ENVELOPE_SMOOTH_S * env_rate))
    half = max(0, round(ENVELOPE_OPENING_S * env_rate / 2))
    env = np.asarray(env, dtype=np.float32)
    threads = _n_threads()
    if threads == 1 or env.size < 1024 * threads:
        return smooth_and_open(env, k_smooth, half), block
    # Both steps are local (a sample depends on its neighbours within ``halo``): run
    # them on parts of the envelope, each read with its halo, in the worker threads.
    halo = k_smooth // 2 + 2 * half
    bounds = np.linspace(0, env.size, threads + 1).astype(np.int64)
    out = np.empty_like(env)

    def run(j: int) -> None:
        a, b = int(bounds[j]), int(bounds[j + 1])
        lo, hi = max(0, a - halo), min(env.size, b + halo)
        out[a:b] = smooth_and_open(env[lo:hi], k_smooth, half)[a - lo : b - lo]

    list(_pool().map(run, range(threads)))
    return out, block


def smooth_and_open(env: F32, k_smooth: int, half: int) -> F32:
    """Moving average over ``k_smooth`` samples, then a grey opening of ``2 * half + 1``.

    The moving average is ``np.convolve(..., mode="same")`` (zeros beyond the ends); the
    opening cuts its window at the ends (see :func:`running_extreme`).
    """
    if k_smooth > 1 and env.size >= k_smooth:
        env = np.convolve(env, np.full(k_smooth, 1.0 / k_smooth, dtype=np.float32), mode="same")
    if half:
        # Grey opening with a centred window of 2 * half + 1 samples.
        env = running_extreme(running_extreme(env, half, np.minimum), half, np.maximum)
    return np.asarray(env, dtype=np.float32)


def running_extreme(x: F32, half: int, op: np.ufunc) -> F32:
    """Centred running minimum or maximum over ``2 * half + 1`` samples.

    Same result as ``scipy.ndimage.minimum_filter1d`` (``maximum_filter1d``) with the
    window cut at the ends, by doubling: the extreme over w samples combined with itself
    shifted by w covers 2w, so a window of k takes about log2(k) + 1 vector operations.

    Parameters
    ----------
    x : ndarray of float32, shape (m,)
    half : int
        Half-width of the window, samples.
    op : numpy.minimum or numpy.maximum
    """
    k = 2 * half + 1
    fill = np.float32(np.inf if op is np.minimum else -np.inf)
    # Ping-pong between two per-thread work arrays (no allocation per step).
    cur = _buffer("extreme_a", x.size + 2 * half)
    nxt = _buffer("extreme_b", x.size + 2 * half)
    cur[:half] = fill
    cur[half : half + x.size] = x
    cur[half + x.size :] = fill
    length = cur.size
    width = 1  # cur[j] is the extreme of the padded signal over [j, j + width)
    while 2 * width <= k:
        op(cur[: length - width], cur[width:length], out=nxt[: length - width])
        length -= width
        cur, nxt = nxt, cur
        width *= 2
    if width < k:
        op(cur[: length - (k - width)], cur[k - width : length], out=nxt[: length - (k - width)])
        cur = nxt
    return cur[: x.size].copy()


def baseline(env: F32, env_rate_hz: float) -> F32:
    """Running resting baseline of the envelope (same length), µV.

    The :data:`BASELINE_PERCENTILE` th percentile in blocks of
    :data:`BASELINE_BLOCK_S`, median-smoothed over :data:`BASELINE_SMOOTH_BLOCKS`
    blocks and held constant within each block.
    """
    sub = env[::BASELINE_SUBSAMPLE]
    per_block = max(1, round(BASELINE_BLOCK_S * env_rate_hz / BASELINE_SUBSAMPLE))
    n_full = sub.size // per_block
    levels = []
    if n_full:
        levels.append(
            np.percentile(
                sub[: n_full * per_block].reshape(n_full, per_block), BASELINE_PERCENTILE, axis=1
            )
        )
    if sub.size > n_full * per_block:
        levels.append(np.atleast_1d(np.percentile(sub[n_full * per_block :], BASELINE_PERCENTILE)))
    level = np.concatenate(levels)
    if level.size >= BASELINE_SMOOTH_BLOCKS:
        # Running median over BASELINE_SMOOTH_BLOCKS blocks, the ends repeated
        # (``scipy.ndimage.median_filter(mode="nearest")``).
        k = BASELINE_SMOOTH_BLOCKS // 2
        padded = np.pad(level, (k, BASELINE_SMOOTH_BLOCKS - 1 - k), mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, BASELINE_SMOOTH_BLOCKS)
        level = np.median(windows, axis=1)
    step = per_block * BASELINE_SUBSAMPLE
    return np.repeat(level.astype(np.float32), step)[: env.size]


def threshold_events(excess_uv: F32, env_rate_hz: float) -> npt.NDArray[np.int64]:
    """Apply the onset/offset rules to the envelope's excess over baseline.

    Parameters
    ----------
    excess_uv : ndarray, shape (m,)
        Envelope minus baseline, µV.
    env_rate_hz : float
        Envelope rate, Hz.

    Returns
    -------
    ndarray of int64, shape (k, 2)
        [onset, offset) in envelope samples. The onset is the first sample >= 8 µV above
        baseline; the offset is the first sample of the next run of >= 0.5 s at <= 2 µV
        above baseline (or the end of the signal). Activity separated by less than
        0.5 s of quiet is one event (same-leg merging).
    """
    m = excess_uv.size
    above = np.flatnonzero(excess_uv >= LM_ONSET_THRESHOLD_UV)
    if above.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    quiet = excess_uv <= LM_OFFSET_THRESHOLD_UV
    # Runs of equal values: [bounds[j], bounds[j + 1]); quiet and active runs alternate.
    bounds = np.concatenate(([0], np.flatnonzero(quiet[1:] != quiet[:-1]) + 1, [m]))
    first_quiet = 0 if quiet[0] else 1
    q_start = bounds[:-1][first_quiet::2]
    q_end = bounds[1:][first_quiet::2]
    need = math.ceil(LM_OFFSET_QUIET_S * env_rate_hz - 1e-9)
    long_quiet = (q_end - q_start) >= need
    q_start, q_end = q_start[long_quiet], q_end[long_quiet]
    # Active segments lie between the long quiet runs.
    seg_start = np.concatenate(([0], q_end))
    seg_end = np.concatenate((q_start, [m]))
    keep = seg_end > seg_start
    seg_start, seg_end = seg_start[keep], seg_end[keep]
    first = np.searchsorted(above, seg_start)
    has = first < above.size
    has[has] &= above[first[has]] < seg_end[has]
    onsets = above[first[has]]
    return np.stack([onsets, seg_end[has]], axis=1).astype(np.int64)


def detect(
    x: npt.NDArray[np.floating[Any]],
    sfreq_hz: float,
    bad: npt.NDArray[np.bool_] | None,
    max_duration_s: float | None,
) -> npt.NDArray[np.int64] | None:
    """Detect LMs on one leg.

    Parameters
    ----------
    x : ndarray of float32, shape (n,)
        EMG in µV, finite.
    sfreq_hz : float
        Sampling rate, Hz.
    bad : ndarray of bool, shape (n,) | None
        Samples that were not finite in the input (no LM may touch them).
    max_duration_s : float | None
        Drop longer LMs (AASM), or keep all (None).

    Returns
    -------
    ndarray of int64, shape (k, 2) | None
        [onset, offset) sample indices; None when ``bad`` is None and the envelope is
        not finite (NaN or inf in ``x``: the caller cleans ``x`` and calls again).
    """
    env, block = envelope(x, sfreq_hz)
    if bad is None and not math.isfinite(float(np.add.reduce(env, dtype=np.float64))):
        return None
    env_rate = sfreq_hz / block
    if env.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    excess = env - baseline(env, env_rate)
    if bad is not None:
        n_blocks = env.size
        bad_blocks = bad[: n_blocks * block].reshape(n_blocks, block).any(axis=1)
        margin = max(1, math.ceil(NONFINITE_MARGIN_S * env_rate))
        # Widen every bad block by `margin` blocks on each side.
        spread = np.convolve(bad_blocks, np.ones(2 * margin + 1, dtype=np.int64), mode="same")
        bad_blocks = spread > 0
        excess[bad_blocks] = 0.0
    events = threshold_events(excess, env_rate) * block
    np.minimum(events, x.size, out=events)
    duration = events[:, 1] - events[:, 0]
    keep = duration >= math.ceil(LM_MIN_DURATION_S * sfreq_hz - 1e-9)
    if max_duration_s is not None:
        keep &= duration <= math.floor(max_duration_s * sfreq_hz + 1e-9)
    return events[keep]
