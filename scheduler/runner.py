"""The metronome: one interval job per scheduled job, each in its own thread, so a long one never holds up the rest."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlmodel import Session

from scheduler import observe
from scheduler.context import JobConfig, JobContext, JobReport, TeamsSender
from scheduler.pacing import Pacer, paced_client
from scheduler.registry import JOBS, Job

log = logging.getLogger(__name__)

TICK_SECONDS = 60
JOB_ID_PREFIX = "checkin-bot:"


def job_id(name: str) -> str:
    """The stable APScheduler id of a job, so a restart replaces it instead of adding a second one."""
    return f"{JOB_ID_PREFIX}{name}"


def run_job(job: Job, context: JobContext) -> JobReport | None:
    """Run one job's pending work; a failure is logged and the next tick retries."""
    try:
        report = observe.run_job(job.name, job.run, context)
    except Exception:
        log.exception("%s failed this tick; the next tick retries", job.name)
        return None
    log.info("%s: %s", job.name, report.summary())
    return report


def tick(
    *, sessions: Callable[[], AbstractContextManager[Session]], client: WebClient, now: datetime, worker: str,
    config: JobConfig, teams: TeamsSender | None = None, stop: threading.Event | None = None,
) -> None:
    """Run every available job once, one after another; one job failing never stops the others."""
    context = JobContext(sessions=sessions, client=client, now=now, worker=worker, config=config, teams=teams,
                         stop=stop)
    for job in JOBS:
        if job.available and not context.stopping:
            run_job(job, context)


def build_scheduler(
    *, sessions, client: WebClient, clock_now: Callable[[], datetime], config: JobConfig,
    teams: TeamsSender | None = None, stop: threading.Event | None = None, posts_per_second: float | None = None,
) -> BackgroundScheduler:
    """Create (not start) the scheduler: each job its own interval job and thread, at most one run of it at once.

    Set `stop` before shutting down: a fan-out then ends between two messages (the rest stays due) and a pacer
    wait ends at once. With `posts_per_second`, the jobs' Slack calls share one pacer (scheduler.pacing).
    """
    stop = stop or threading.Event()
    pacer = None
    jobs = [job for job in JOBS if job.available]
    scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max(1, len(jobs)))},
    )
    worker = f"{socket.gethostname()}:{id(scheduler):x}"
    if posts_per_second is not None and client is not None:
        # Real time, not the injected clock: pacing is about seconds between HTTP calls, not about schedules.
        pacer = Pacer.for_slack(posts_per_second=posts_per_second, monotonic=time.monotonic, sleep=stop.wait,
                                stopped=stop.is_set)
        client = observe.count_rate_limits(paced_client(client, pacer))
        if config.max_per_run is None:
            # What the pacer lets through in one tick: a bigger fan-out carries on next tick, beside the other jobs.
            config = replace(config, max_per_run=max(1, int(posts_per_second * TICK_SECONDS)))

    def run_now(job: Job) -> None:
        run_job(job, JobContext(sessions=sessions, client=client, now=clock_now(), worker=worker, config=config,
                                teams=teams, stop=stop, pacer=pacer))

    for job in jobs:
        scheduler.add_job(run_now, "interval", args=[job], seconds=TICK_SECONDS, id=job_id(job.name), name=job.name,
                          replace_existing=True, next_run_time=clock_now(), max_instances=1, coalesce=True,
                          misfire_grace_time=TICK_SECONDS)
    return scheduler
