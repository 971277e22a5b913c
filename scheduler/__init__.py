"""The scheduled jobs: APScheduler only ticks; who is due lives in the database."""

from scheduler.registry import JOBS, Job, JobContext, JobReport, find_job
from scheduler.runner import TICK_JOB_ID, build_scheduler, tick

__all__ = ["JOBS", "TICK_JOB_ID", "Job", "JobContext", "JobReport", "build_scheduler", "find_job", "tick"]
