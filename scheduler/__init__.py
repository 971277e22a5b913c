"""The scheduled jobs: APScheduler only ticks; who is due lives in the database."""

from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.registry import JOBS, Job, find_job
from scheduler.runner import build_scheduler, job_id, tick

__all__ = ["JOBS", "Job", "JobConfig", "JobContext", "JobReport", "build_scheduler", "find_job",
           "job_id", "tick"]
