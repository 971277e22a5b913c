"""Time the export of every check-in to /dev/null in a child process, and measure the child's peak memory.

The child runs `write_export`, the function `checkin-bot export` runs, so the figure is what an operator gets.

    python -m benchmarks.export_bench --db sqlite|postgresql [--url URL] [--reuse] [--format csv|json]
                                      [--module storage.exports]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import time

from benchmarks.common import add_database_arguments, prepare
from storage.db import make_engine, session_factory

KIND = "checkins"
TARGET_ROWS_PER_SECOND = 150_000  # at least
TARGET_PEAK_MB = 100  # under: the export streams, and the people it names fit in a few megabytes


def main(argv: list[str] | None = None) -> int:
    """Run the export in a child (measuring it alone, not this process's generator) and judge the figures."""
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args)
    url = prepare(args)
    load_before = os.getloadavg()[0]
    command = [sys.executable, "-m", "benchmarks.export_bench", "--child", "--db", args.db, "--url", url,
               "--format", args.format, "--module", args.module]
    finished = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # stderr shows any failure
    result = json.loads(finished.stdout.splitlines()[-1])
    # ru_maxrss of RUSAGE_CHILDREN is the largest waited-for child's peak, in KiB on Linux: the export's child.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rate = result["rows"] / result["seconds"]
    speed = "PASS" if rate >= TARGET_ROWS_PER_SECOND else "FAIL"
    memory = "PASS" if peak_mb < TARGET_PEAK_MB else "FAIL"
    print(f"export {KIND} as {args.format} on {args.db} ({args.module}): {result['rows']:,} rows in "
          f"{result['seconds']:.1f} s")
    print(f"  {rate:,.0f} rows/s -> {speed} (target >= {TARGET_ROWS_PER_SECOND:,} rows/s)")
    print(f"  child peak RSS {peak_mb:.0f} MB -> {memory} (target < {TARGET_PEAK_MB} MB)")
    # On a shared machine the wall clock includes waiting for a core; the child's CPU time does not (on SQLite
    # it is all the work, on PostgreSQL the client's part).
    cpu_rate = result["rows"] / result["cpu_seconds"]
    print(f"  child CPU {result['cpu_seconds']:.1f} s: {cpu_rate:,.0f} rows per CPU second")
    print(f"  load average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    return 0 if speed == memory == "PASS" else 1


def _child(args: argparse.Namespace) -> int:
    """Export every check-in to /dev/null and print the rows written and the seconds taken, as JSON."""
    exports = importlib.import_module(args.module)
    engine = make_engine(args.url)
    try:
        with session_factory(engine)() as session, open("/dev/null", "w", encoding="utf-8") as out:
            started, cpu_started = time.perf_counter(), time.process_time()
            written = exports.write_export(session, KIND, out, fmt=args.format)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        engine.dispose()
    print(json.dumps({"rows": written, "seconds": seconds, "cpu_seconds": cpu_seconds}))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_bench", description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--module", default="storage.exports",
                        help="the module with write_export(session, kind, out, fmt=...); a stand-in tests the harness")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
