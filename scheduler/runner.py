"""The metronome: one interval job with a stable id that runs every available job's pending work."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlmodel import Session

from scheduler.context import JobConfig, JobContext, TeamsSender
from scheduler.registry import JOBS

log = logging.getLogger(__name__)

TICK_JOB_ID = "checkin-bot-tick"
TICK_SECONDS = 60


def tick(
    *, sessions: Callable[[], AbstractContextManager[Session]], client: WebClient, now: datetime, worker: str,
    config: JobConfig, teams: TeamsSender | None = None,
) -> None:
    """Run every available job once; one job failing never stops the others."""
    context = JobContext(sessions=sessions, client=client, now=now, worker=worker, config=config, teams=teams)
    for job in JOBS:
        if not job.available:
            continue
        try:
            report = job.run(context)
            log.info("%s: %s", job.name, report.summary())
        except Exception:
            log.exception("%s failed this tick; the next tick retries", job.name)


def build_scheduler(
    *, sessions, client: WebClient, clock_now: Callable[[], datetime], config: JobConfig,
    teams: TeamsSender | None = None,
) -> BackgroundScheduler:
    """Create (not start) the scheduler; a restart replaces the tick instead of adding a second one."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": TICK_SECONDS},
    )
    worker = f"{socket.gethostname()}:{id(scheduler):x}"
    scheduler.add_job(
        lambda: tick(sessions=sessions, client=client, now=clock_now(), worker=worker, config=config, teams=teams),
        "interval",
        seconds=TICK_SECONDS,
        id=TICK_JOB_ID,
        replace_existing=True,
        next_run_time=clock_now(),
    )
    return scheduler
