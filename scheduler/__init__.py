"""The scheduled jobs: APScheduler only ticks; who is due lives in the database."""

from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.registry import JOBS, Job, find_job
from scheduler.runner import TICK_JOB_ID, build_scheduler, tick

__all__ = ["JOBS", "TICK_JOB_ID", "Job", "JobConfig", "JobContext", "JobReport", "build_scheduler", "find_job",
           "tick"]
