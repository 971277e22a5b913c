"""A first start on the 50,000-person organisation: no job starves another, and SIGTERM stops `serve` in time.

    .venv/bin/python -m benchmarks.first_start_bench --db sqlite --reuse [--seconds 30] [--url URL]

Copies the generated organisation (SQLite: the file; the organisation must exist, so run another benchmark or
`digest_bench` first) and starts the real `checkin-bot serve` on it, its Slack calls answered by the emulator after
150 ms with at most 50 `chat.postMessage` a second (429 beyond), `CHECKIN_SLACK_POSTS_PER_SECOND=48`. Nobody has
been welcomed yet, so the `welcome` job has all 50,000 to greet, and the reminder is set to an hour ago today, so
`checkin-reminders` has everyone in UTC and London (and whoever else is past the hour) to remind at the same time;
the open review cycle's reminders and the open blocker alerts' escalations are due too. After `--seconds` it prints
what each job posted, sends SIGTERM and times the exit (PASS under 10 s), then starts `serve` again for
`--seconds` and checks that the jobs carry on where they stopped and that no delivery key was posted twice.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.request import urlopen

from sqlalchemy import make_url, text

from benchmarks.common import add_database_arguments, delivery_key, free_port, prepare
from bot.clock import SystemClock
from bot.emulator import SlackEmulator
from storage.db import make_engine

TOKEN, SECRET = "xoxb-first-start", "first-start-secret"
LATENCY, LIMIT, PACE = 0.150, 50, 48
STOP_TARGET_SECONDS = 10.0
ROOT = Path(__file__).parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each start runs before SIGTERM")
    args = parser.parse_args()
    if args.db != "sqlite":
        parser.error("this benchmark copies the SQLite organisation; PostgreSQL's replicas are fanout_bench's")
    source = Path(make_url(prepare(args)).database or "")
    with tempfile.TemporaryDirectory(prefix="first-start-") as workdir:
        copy = Path(workdir) / "org.db"
        _checkpoint(source)
        shutil.copyfile(source, copy)
        url = f"sqlite:///{copy}"
        slack_ids = _people(url)
        reminder = SystemClock().now() - timedelta(hours=1)  # serve reads the system clock too
        with SlackEmulator(token=TOKEN) as emulator:
            for slack_id in slack_ids:
                emulator.add_user(slack_id, name=slack_id)
            emulator.answer_every_call_after(LATENCY)
            emulator.rate_limit("chat.postMessage", per_second=LIMIT)
            environment = {
                **os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": emulator.api_url, "CHECKIN_SLACK_POSTS_PER_SECOND": str(PACE),
                "CHECKIN_REMINDER_TIME": reminder.strftime("%a %H:%M").upper(), "CHECKIN_LOG_FORMAT": "text",
            }
            print(f"first start on {len(slack_ids):,} people, Slack answering after {LATENCY * 1000:.0f} ms and "
                  f"performing {LIMIT} posts/s; reminders due at {environment['CHECKIN_REMINDER_TIME']} local time")
            stops = []
            for start in ("first start", "second start"):
                before = len(emulator.messages)
                stops.append(_run_once(environment, workdir, args.seconds))
                posted = Counter(_job(message) for message in emulator.messages[before:])
                print(f"  {start}: {sum(posted.values()):,} posts in {args.seconds:.0f} s: "
                      + ", ".join(f"{job} {count:,}" for job, count in sorted(posted.items()))
                      + f"; SIGTERM to exit {stops[-1]:.1f} s")
            keys = Counter(delivery_key(message) for message in emulator.messages)
            duplicates = sum(count - 1 for key, count in keys.items() if key and count > 1)
            jobs = Counter(_job(message) for message in emulator.messages)
    ok = max(stops) < STOP_TARGET_SECONDS and duplicates == 0 and jobs["welcome"] and jobs["checkin-reminders"]
    print(f"{'PASS' if ok else 'FAIL'}: exits {', '.join(f'{s:.1f}' for s in stops)} s after SIGTERM (target < "
          f"{STOP_TARGET_SECONDS:.0f} s); welcome and reminders both sent while the other ran; duplicates "
          f"{duplicates}")
    return 0 if ok else 1


def _run_once(environment: dict, workdir: str, seconds: float) -> float:
    """Start `serve`, let it work for `seconds`, SIGTERM it; return how long it took to exit."""
    port = free_port()
    log = open(Path(workdir) / "serve.log", "ab")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "checkin-bot"), "serve", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=workdir, env=environment, stdout=log, stderr=log)
    try:
        _wait_ready(process, port)
        time.sleep(seconds)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        return time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


def _wait_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("serve stopped before it was ready: see serve.log")
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("serve was not ready within two minutes")


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that copying the file alone copies the organisation."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


def _people(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        ids = list(connection.execute(text("SELECT slack_id FROM person WHERE slack_id IS NOT NULL")).scalars())
    engine.dispose()
    return ids


def _job(message: dict) -> str:
    return delivery_key(message).split(":", 1)[0] or "other"


if __name__ == "__main__":
    sys.exit(main())
