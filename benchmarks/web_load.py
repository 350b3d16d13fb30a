"""Load test of the web app: requests/s and latency at 50 concurrent clients.

Starts the app itself (waitress, as ``quietlegs serve`` does) on 127.0.0.1 and a
free port with a temporary data folder (SQLite, migrations, demo data), then
drives it with concurrent keep-alive clients over loopback, one scenario at a
time:

- ``GET /healthz``: the baseline (Django with every middleware, no work);
- ``POST /api/v1/assess``: the stateless assessment API with an RLS answer set;
- ``GET /assessments/<id>/``: the report page of a demo assessment, viewed by the
  demo clinician (session cookie). Skipped with "report page not available" if
  the route does not exist.

Two passes over the scenarios:

1. *capacity*: the clients never pause (a closed loop at saturation). This gives the
   requests/s the machine can serve; latency there is just clients / throughput
   (Little's law), so it is not what a person waits.
2. *the target's load*: 50 concurrent clients that each pause ``--think-ms`` ± 50 %
   (default 1 s) between requests, as people do between clicks. The 100 ms p95
   target applies here.

Each scenario runs until ``--requests`` requests are done (half that in the paced
pass) or ``--seconds`` have passed, after a short warm-up, and prints requests/s,
p50, p95, p99, errors and CPU per request. Exits 1 if the assess API or the report
page misses p95 < 100 ms in the paced pass, or has errors.

The server can run several waitress processes sharing the port (``SO_REUSEPORT``,
Linux): ``--processes``; each with ``--threads`` threads. Rate limits are lifted
for the run (the load comes from one address). The clients are a minimal
asyncio HTTP/1.1 keep-alive client, so that the load generator, which shares
the machine's cores with the server, costs as little CPU as possible.

Usage::

    python benchmarks/web_load.py [--clients 50] [--requests 2000] [--seconds 30]
                                  [--processes 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.answers import TYPICAL_RLS_ANSWERS

HOST = "127.0.0.1"
TARGET_P95_MS = 100.0
WARMUP_REQUESTS = 100

RLS_ANSWERS: dict[str, Any] = TYPICAL_RLS_ANSWERS


# --- the server (child processes) ---------------------------------------------------------


def _child_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # never touch a real database: SQLite in the temp folder
    env.pop("REDIS_URL", None)
    env.update(
        QUIETLEGS_DATA_DIR=str(data_dir),
        QUIETLEGS_ENV="development",
        QUIETLEGS_DEBUG="0",
        QUIETLEGS_API_ANON_RATE=os.environ.get("LOAD_RATE", ""),
        QUIETLEGS_API_USER_RATE=os.environ.get("LOAD_RATE", ""),
        QUIETLEGS_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="quietlegs.web.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
    )
    return env


def prepare_child(out: Path) -> None:
    """Migrate, load demo data, log the demo clinician in; write what the run needs."""
    from quietlegs.web.server import prepare

    logins = prepare(demo=True)
    from django.test import Client

    from quietlegs.web.accounts.models import User
    from quietlegs.web.assessments.models import Assessment

    email = next(e for role, e, _ in logins if role == "clinician")
    clinician = User.objects.get(email=email)
    client = Client()
    client.force_login(clinician)  # a real session row, as a login would make
    assessment = Assessment.objects.visible_to(clinician).order_by("created_at").first()
    assert assessment is not None
    out.write_text(
        json.dumps(
            {
                "clinician": email,
                "sessionid": client.cookies["sessionid"].value,
                "assessment": str(assessment.pk),
            }
        )
    )


def serve_child(port: int, threads: int) -> None:
    """One waitress process on a port shared with its siblings (SO_REUSEPORT)."""
    import logging

    from quietlegs.web.server import setup_django

    setup_django()
    from waitress import serve

    from quietlegs.web.wsgi import application

    # Under load waitress warns about every queued request, and Django logs the 404
    # of the report-page probe: keep the benchmark's output readable.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logging.getLogger("django.request").setLevel(logging.ERROR)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    sock.listen(1024)
    serve(
        application,
        sockets=[sock],
        threads=threads,
        ident="quietlegs",
        connection_limit=1000,
        backlog=1024,
        channel_timeout=60,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(base: str, processes: list[subprocess.Popen[bytes]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("the server exited while starting")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --- the clients --------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


@dataclass
class Result:
    scenario: Scenario
    latencies_ms: list[float]
    errors: int
    seconds: float
    first_error: str = ""
    server_cpu_ms: float = float("nan")  # per request, all server processes
    client_cpu_ms: float = float("nan")  # per request, this process

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


class Connection:
    """A keep-alive HTTP/1.1 connection (enough HTTP for this benchmark, no more)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, s: Scenario) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        lines = [f"{s.method} {s.path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in s.headers.items()]
        if s.body or s.method == "POST":
            lines.append(f"Content-Length: {len(s.body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + s.body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise RuntimeError(f"no Content-Length in the response to {s.path}")
        body = await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body


async def run_scenario(
    port: int,
    s: Scenario,
    clients: int,
    max_requests: int,
    max_seconds: float,
    think_s: float = 0.0,
) -> Result:
    """Run one scenario; each client pauses ``think_s`` ± 50 % between requests.

    ``think_s=0`` is a closed loop at saturation (clients never pause): it measures
    capacity. A pause models people who read a page before the next click.
    """
    rng = random.Random(20261125)
    latencies: list[float] = []
    errors = 0
    first_error = ""
    budget = WARMUP_REQUESTS + max_requests
    warm = asyncio.Event()
    started = 0.0
    deadline = float("inf")

    async def client() -> None:
        nonlocal budget, errors, first_error, started, deadline
        conn = Connection(port)
        try:
            while budget > 0 and time.perf_counter() < deadline:
                budget -= 1
                measuring = budget < max_requests
                if measuring and not warm.is_set():
                    warm.set()
                    started = time.perf_counter()
                    deadline = started + max_seconds
                t0 = time.perf_counter()
                try:
                    status, body = await conn.request(s)
                    ok = status == s.expect
                    problem = f"HTTP {status}: {body[:200]!r}"
                except (OSError, RuntimeError, asyncio.IncompleteReadError, ValueError) as exc:
                    ok, problem = False, f"{type(exc).__name__}: {exc}"
                    await conn.close()
                elapsed_ms = (time.perf_counter() - t0) * 1000
                if measuring:
                    if ok:
                        latencies.append(elapsed_ms)
                    else:
                        errors += 1
                        first_error = first_error or problem
                if think_s > 0:
                    await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started if started else 0.0
    return Result(s, latencies, errors, seconds, first_error)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux; NaN elsewhere)."""
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")
    return total


def probe(base: str, path: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


# --- the run ------------------------------------------------------------------------------


def report_line(r: Result) -> str:
    return (
        f"{r.scenario.name:<34} {r.rate:>7.0f} {r.percentile(50):>7.1f} {r.percentile(95):>7.1f} "
        f"{r.percentile(99):>7.1f} {len(r.latencies_ms):>6} {r.errors:>6} "
        f"{r.server_cpu_ms:>7.2f} {r.client_cpu_ms:>7.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per scenario")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most, per scenario")
    parser.add_argument("--processes", type=int, default=2, help="waitress processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000.0,
        help="mean pause of each client between requests in the paced pass (the target's)",
    )
    parser.add_argument("--prepare-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.prepare_child:
        prepare_child(args.prepare_child)
        return 0
    if args.serve_child:
        serve_child(args.serve_child, args.threads)
        return 0

    data_dir = Path(tempfile.mkdtemp(prefix="quietlegs-load-"))
    env = _child_env(data_dir)
    me = [sys.executable, str(Path(__file__).resolve())]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        t0 = time.perf_counter()
        info_file = data_dir / "load-info.json"
        subprocess.run([*me, "--prepare-child", str(info_file)], env=env, check=True)
        info = json.loads(info_file.read_text())
        port = free_port()
        base = f"http://{HOST}:{port}"
        for _ in range(args.processes):
            processes.append(
                subprocess.Popen(
                    [*me, "--serve-child", str(port), "--threads", str(args.threads)], env=env
                )
            )
        wait_until_up(base, processes, timeout=60)
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"quietlegs on {base}: {args.processes} waitress process(es) x {args.threads} "
            f"threads, SQLite, {os.cpu_count()} CPU(s), load average {load_before:.1f}; "
            f"ready in {time.perf_counter() - t0:.1f} s"
        )
        print(
            f"{args.clients} concurrent keep-alive clients; up to {args.requests} requests or "
            f"{args.seconds:.0f} s per scenario after {WARMUP_REQUESTS} warm-up requests\n"
        )

        session = {"Cookie": f"sessionid={info['sessionid']}"}
        report_path = f"/assessments/{info['assessment']}/"
        scenarios = [
            Scenario("GET /healthz (baseline)", "GET", "/healthz"),
            Scenario(
                "POST /api/v1/assess (RLS answers)",
                "POST",
                "/api/v1/assess",
                json.dumps({"answers": RLS_ANSWERS, "lang": "en"}).encode(),
                {"Content-Type": "application/json"},
            ),
        ]
        report_status = probe(base, report_path, session)
        if report_status == 200:
            scenarios.append(
                Scenario("GET /assessments/<id>/ (clinician)", "GET", report_path, b"", session)
            )

        print(
            f"{'scenario':<34} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'done':>6} {'errors':>6} {'srv cpu':>7} {'cli cpu':>7}"
        )
        pids = [p.pid for p in processes]

        def run_pass(think_s: float, max_requests: int) -> list[Result]:
            out = []
            for s in scenarios:
                server_before, client_before = cpu_seconds(pids), time.process_time()
                result = asyncio.run(
                    run_scenario(port, s, args.clients, max_requests, args.seconds, think_s)
                )
                sent = len(result.latencies_ms) + result.errors + WARMUP_REQUESTS
                result.server_cpu_ms = (cpu_seconds(pids) - server_before) / sent * 1000
                result.client_cpu_ms = (time.process_time() - client_before) / sent * 1000
                out.append(result)
                print(report_line(result), flush=True)
                if result.first_error:
                    print(f"    first error: {result.first_error}")
            return out

        print("-- capacity: clients never pause (closed loop at saturation)")
        saturated = run_pass(0.0, args.requests)
        think_s = args.think_ms / 1000
        print(
            f"-- the target's load: {args.clients} clients, each pausing "
            f"{think_s * 0.5:.1f}-{think_s * 1.5:.1f} s between requests"
        )
        results = run_pass(think_s, args.requests // 2)
        if report_status != 200:
            print(
                f"{'GET /assessments/<id>/ (clinician)':<34} report page not available "
                f"(HTTP {report_status} on this branch)"
            )

        assess = results[1]
        p95 = assess.percentile(95)
        capacity_assess = saturated[1]
        ok = p95 < TARGET_P95_MS and assess.errors == 0 and bool(assess.latencies_ms)
        verdict = "meets" if ok else "MISSES"
        print(
            f"\nassess API p95 {p95:.1f} ms at {args.clients} pacing clients: {verdict} the target "
            f"(p95 < {TARGET_P95_MS:.0f} ms{', no errors' if assess.errors == 0 else ''})"
        )
        if len(results) > 2:
            page = results[2]
            page_ok = page.percentile(95) < TARGET_P95_MS and page.errors == 0
            ok = ok and page_ok
            page_verdict = "meets" if page_ok else "MISSES"
            print(f"report page p95 {page.percentile(95):.1f} ms: {page_verdict} the target")
        cores = os.cpu_count() or 1
        cost = capacity_assess.server_cpu_ms + capacity_assess.client_cpu_ms
        capacity = cores / cost * 1000
        print(
            f"assess costs {capacity_assess.server_cpu_ms:.2f} ms of server CPU and "
            f"{capacity_assess.client_cpu_ms:.2f} ms of client CPU per request: about "
            f"{capacity:.0f} req/s on {cores} core(s) at saturation, so {args.clients} clients "
            f"that never pause wait about {args.clients / capacity * 1000:.0f} ms on average "
            "(Little's law)"
        )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        if load > 0.5 * cores:
            print(
                f"note: the 1-minute load average was {load:.1f} on {cores} core(s): other "
                "programs were using the CPU, so the latencies above are pessimistic"
            )
        return 0 if ok else 1
    finally:
        stop(processes)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
