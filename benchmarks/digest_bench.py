"""Time the HR digest of the whole organisation on a synthetic 50,000-person database, on SQLite or PostgreSQL.

    python -m benchmarks.digest_bench --db sqlite|postgresql [--url URL] [--reuse] [--against MODULE]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from benchmarks.common import END_WEEK, add_database_arguments, prepare
from benchmarks.synthetic_org import digest_now
from storage import analytics
from storage.db import make_engine, session_factory

TARGET_SECONDS = 1.0
RUNS = 5


def main(argv: list[str] | None = None) -> int:
    """Generate the organisation unless reused, then time the digest: one warm-up and RUNS timed runs."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.digest_bench", description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--against", metavar="MODULE",
                        help="another module with the same digest(), e.g. an earlier storage/analytics.py on "
                        "PYTHONPATH: the two then run alternately, on the same data under the same load")
    args = parser.parse_args(argv)
    engine = make_engine(prepare(args))
    modules = {"storage.analytics": analytics}
    if args.against:
        modules = {args.against: importlib.import_module(args.against), **modules}
    load_before = os.getloadavg()[0]
    try:
        measured = time_digest(engine, list(modules.values()))
    finally:
        engine.dispose()
    verdict = "PASS"
    for name, (timings, cpu, server_cpu) in zip(modules, measured, strict=True):
        verdict = _report(args.db, name if args.against else None, timings, cpu, server_cpu)
    print(f"  load average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    return 0 if verdict == "PASS" else 1  # the last module's: ours


def _report(db: str, name: str | None, timings: list[float], cpu: list[float], server_cpu: list[float]) -> str:
    """Print one module's figures and return its verdict."""
    # Every run must make it, not just a typical one: the slowest decides.
    verdict = "PASS" if max(timings) < TARGET_SECONDS else "FAIL"
    print(f"digest {END_WEEK} on {db}{f' ({name})' if name else ''}, {RUNS} runs: min {min(timings):.3f} s, "
          f"median {statistics.median(timings):.3f} s, max {max(timings):.3f} s -> {verdict} "
          f"(target: every run < {TARGET_SECONDS} s)")
    # On a shared machine the wall clock includes waiting for a core; this process's CPU time does not (on
    # SQLite it is all the work, on PostgreSQL the client's part).
    print(f"  this process's CPU per run: min {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s, "
          f"max {max(cpu):.3f} s")
    if server_cpu:
        # The database server's processes, all of them (a query may run on parallel workers): with the client's
        # share above, what the digest costs in CPU whatever else the machine is doing.
        total = [client + server for client, server in zip(cpu, server_cpu, strict=True)]
        print(f"  PostgreSQL server's CPU per run: median {statistics.median(server_cpu):.3f} s; client and server "
              f"together: min {min(total):.3f} s, median {statistics.median(total):.3f} s, max {max(total):.3f} s")
    return verdict


def time_digest(engine: Engine, modules: list[Any]) -> list[tuple[list[float], list[float], list[float]]]:
    """Return, per module, the wall, this process's CPU and the database server's CPU seconds of each timed run
    (the last empty unless the server is a local PostgreSQL), each in its own session, after an untimed warm-up.

    With several modules the runs alternate between them, and their warm-up digests must be equal.
    """
    sessions = session_factory(engine)
    now = digest_now(END_WEEK)
    measured: list[tuple[list[float], list[float], list[float]]] = [([], [], []) for _ in modules]
    for run in range(RUNS + 1):
        digests = []
        for module, (timings, cpu, server_cpu) in zip(modules, measured, strict=True):
            with sessions() as session:
                server = _server_processes(session)
                server_started = _cpu_seconds(server)
                started, cpu_started = time.perf_counter(), time.process_time()
                # Ours as the digest job runs it; an older module as it was written.
                digests.append(module.digest(session, week=END_WEEK, now=now, connections=analytics.DIGEST_CONNECTIONS)
                               if module is analytics else module.digest(session, week=END_WEEK, now=now))
                elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
                server_elapsed = _cpu_seconds(server) - server_started
            if run:
                timings.append(elapsed)
                cpu.append(cpu_elapsed)
                if server is not None:
                    server_cpu.append(server_elapsed)
        if run == 0:
            _describe(digests[-1])
            if any(repr(digest) != repr(digests[-1]) for digest in digests):  # each module has its own classes
                raise SystemExit("the digests differ")
    return measured


def _server_processes(session) -> int | None:
    """Return the process id of the local PostgreSQL server behind the session (its postmaster), else None."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return None
    backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    status = Path(f"/proc/{backend}/status")
    if not status.exists():
        return None  # a server on another machine: its CPU cannot be read from here
    return int(next(line.split()[1] for line in status.read_text().splitlines() if line.startswith("PPid:")))


def _cpu_seconds(postmaster: int | None) -> float:
    """Return the CPU seconds used so far by the server's processes: the postmaster and its children."""
    if postmaster is None:
        return 0.0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(fields[1]) == postmaster:  # a backend, a parallel worker, a background process
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        elif stat.parent.name == str(postmaster):  # with its children that ended (parallel workers): cutime, cstime
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _describe(digest: analytics.Digest) -> None:
    """Print the organisation's figures once, so a fast but wrong digest shows."""
    organisation = digest.organisation
    print(f"{len(digest.teams):,} teams, {organisation.people:,} people, {organisation.checked_in:,} checked in "
          f"(participation {organisation.participation:.3f}, confidence {organisation.avg_confidence:.2f}), "
          f"{organisation.missing_count:,} missing, {organisation.overdue_one_on_ones_count:,} overdue 1:1s, "
          f"{organisation.overdue_reviews:,} overdue reviews")


if __name__ == "__main__":
    raise SystemExit(main())
