"""Fan out Friday's reminders and Monday's agendas to a whole organisation at Slack's pace, on one and two replicas.

    scripts/with-postgres .venv/bin/python -m benchmarks.fanout_bench [--people 50000] [--url URL]

The Slack emulator answers every call after --latency seconds (150 ms, as Slack does from afar) and performs at
most --limit chat.postMessage calls a second, answering 429 with Retry-After beyond. Each replica is a worker
group with its own name, pacer, client and sending threads, claiming from the same PostgreSQL database. Printed
per run: messages delivered a second as a share of the limit, duplicates (a delivery key posted twice), lost (a
key never posted), and 429s. PASS when every run delivers >= 90% of the limit with 0 duplicates and 0 lost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, text

from benchmarks.common import database_url, delivery_key
from bot.emulator import SlackEmulator
from bot.slack_client import make_web_client
from scheduler import JobConfig, JobContext, JobReport, nudges, reminders
from scheduler.pacing import Pacer, paced_client
from storage.db import make_engine, session_factory, upgrade
from storage.models import Person
from storage.weeks import shift_week, week_key

TOKEN = "xoxb-fanout-bench"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday 15:00 in UTC, where everyone lives
TARGET_SHARE = 0.90
# Each replica paces at this share of its part of the limit: a hair under, so jitter in the HTTP round trips
# does not tip a second over Slack's allowance into a 429 and its Retry-After pause.
PACE_SHARE = 0.96
REPORTS_PER_MANAGER = 10


@dataclass
class Outcome:
    replicas: int
    seconds: float
    delivered: int
    duplicates: int
    lost: int
    rate_limited: int
    reports: list[list[JobReport]]  # per replica

    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the fan-out on one replica then on two, print the figures and a verdict."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL (default: CHECKIN_BENCH_POSTGRES_URL or "
                        "CHECKIN_TEST_POSTGRES_URL); its tables are dropped and recreated for each run")
    parser.add_argument("--people", type=int, default=50_000, help="people to remind (default 50000)")
    parser.add_argument("--latency", type=float, default=0.150, help="seconds before Slack answers (default 0.15)")
    parser.add_argument("--limit", type=int, default=50, help="chat.postMessage calls Slack performs a second")
    parser.add_argument("--threads", type=int, default=16, help="sending threads per job per replica (default 16)")
    parser.add_argument("--replicas", default="1,2", help="replica counts to run, comma-separated (default 1,2)")
    args = parser.parse_args(argv)
    if args.people < REPORTS_PER_MANAGER:
        parser.error(f"--people must be at least {REPORTS_PER_MANAGER}")
    url = database_url("postgresql", args.url)
    managers = args.people // REPORTS_PER_MANAGER
    print(f"fan-out: {args.people} reminders and {managers} agendas, Slack answering after "
          f"{args.latency * 1000:.0f} ms and performing {args.limit} posts/s (429 beyond), "
          f"{args.threads} threads per job per replica")
    verdicts = []
    for replicas in (int(part) for part in args.replicas.split(",")):
        outcome = run(url, people=args.people, managers=managers, replicas=replicas, latency=args.latency,
                      limit=args.limit, threads=args.threads)
        share = outcome.rate() / args.limit
        ok = share >= TARGET_SHARE and outcome.duplicates == 0 and outcome.lost == 0
        verdicts.append(ok)
        print(f"  {replicas} replica{'s' if replicas > 1 else ''}: {outcome.delivered} delivered in "
              f"{outcome.seconds:.1f} s = {outcome.rate():.1f}/s = {share:.1%} of {args.limit}/s; "
              f"duplicates {outcome.duplicates}, lost {outcome.lost}, 429s {outcome.rate_limited} -> "
              f"{'PASS' if ok else 'FAIL'}")
    verdict = "PASS" if all(verdicts) else "FAIL"
    print(f"{verdict} (target: >= {TARGET_SHARE:.0%} of the allowed rate, 0 duplicates and 0 lost)")
    return 0 if verdict == "PASS" else 1


def run(url: str, *, people: int, managers: int, replicas: int, latency: float, limit: int,
        threads: int) -> Outcome:
    """Load a fresh organisation, then let `replicas` worker groups run both jobs at once until all is sent."""
    engine = make_engine(url)
    try:
        slack_ids = _fresh_org(engine, people=people, managers=managers)
        with SlackEmulator(token=TOKEN) as emulator:
            for slack_id in slack_ids:
                emulator.add_user(slack_id, name=slack_id)
            emulator.answer_every_call_after(latency)
            emulator.rate_limit("chat.postMessage", per_second=limit)
            # Each replica is its own process, as in production, and Slack (the emulator) stays in this one.
            spawn = multiprocessing.get_context("spawn")
            results = spawn.Queue()
            workers = [spawn.Process(target=_replica, args=(url, emulator.api_url, f"replica-{r}", limit,
                                                            threads, results)) for r in range(replicas)]
            for worker in workers:
                worker.start()
            timed = [_next_result(results, workers) for _ in workers]
            for worker in workers:
                worker.join()
            # From the first replica starting its jobs to the last finishing (CLOCK_MONOTONIC is system-wide), so
            # starting Python processes is not counted against the fan-out.
            seconds = max(end for _, end, _ in timed) - min(start for start, _, _ in timed)
            reports = [replica_reports for _, _, replica_reports in timed]
            posted = Counter(delivery_key(message) for message in emulator.messages)
            rate_limited = sum(1 for call in emulator.calls_to("chat.postMessage") if call.status == 429)
        expected = _expected_keys(people=people, managers=managers)
        return Outcome(replicas=replicas, seconds=seconds, delivered=sum(posted.values()),
                       duplicates=sum(count - 1 for count in posted.values() if count > 1),
                       lost=len(expected - set(posted)), rate_limited=rate_limited, reports=reports)
    finally:
        engine.dispose()


def _replica(url: str, api_url: str, worker: str, posts_per_second: float, threads: int, results) -> None:
    """One replica: its scheduler threads for both jobs, sharing one pacer and one engine, as `serve` has."""
    engine = make_engine(url)
    sessions = session_factory(engine)
    pacer = Pacer.for_slack(posts_per_second=posts_per_second * PACE_SHARE, monotonic=time.monotonic,
                            sleep=time.sleep)
    client = paced_client(make_web_client(token=TOKEN, base_url=api_url, sleep=time.sleep), pacer)
    reports: list[JobReport] = []
    started = time.monotonic()

    def run_job(job) -> None:
        context = JobContext(sessions=sessions, client=client, now=NOW, worker=worker, forced=True,
                             config=JobConfig(delivery_threads=threads), pacer=pacer)
        reports.append(job.run(context))

    jobs = [threading.Thread(target=run_job, args=(job,)) for job in (reminders, nudges)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    finished = time.monotonic()
    engine.dispose()
    results.put((started, finished, reports))


def _next_result(results, workers: list) -> tuple[float, float, list[JobReport]]:
    """Wait for a replica's reports; stop the benchmark if a replica died without any."""
    while True:
        try:
            return results.get(timeout=5)
        except queue.Empty:
            if all(not worker.is_alive() for worker in workers):
                raise SystemExit("a replica process died: see its traceback above") from None


def _fresh_org(engine: Engine, *, people: int, managers: int) -> list[str]:
    """Recreate the schema and insert `people`, the first `managers` of them managing the rest; return Slack ids."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    slack_ids = [f"U{index:07d}" for index in range(1, people + 1)]
    rows = [{"id": index, "slack_id": slack_id, "name": f"Person {index}", "timezone": "UTC", "locale": "en",
             "active": True, "role": "manager" if index <= managers else "employee",
             "manager_id": None if index <= managers else 1 + index % managers,
             "created_at": NOW, "updated_at": NOW} for index, slack_id in enumerate(slack_ids, start=1)]
    with engine.begin() as connection:
        connection.execute(insert(Person), rows[:managers])
        connection.execute(insert(Person), rows[managers:])
        connection.execute(text("SELECT setval(pg_get_serial_sequence('person', 'id'), :last)"), {"last": people})
    return slack_ids


def _expected_keys(*, people: int, managers: int) -> set[str]:
    """Every delivery key that must be posted: this week's reminder to everyone, last week's agenda to each manager."""
    week = week_key(NOW.date())
    return ({f"{reminders.JOB}:{person_id}:{week}" for person_id in range(1, people + 1)}
            | {f"{nudges.JOB}:{person_id}:{shift_week(week, -1)}" for person_id in range(1, managers + 1)})


if __name__ == "__main__":
    raise SystemExit(main())
