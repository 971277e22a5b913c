"""The named jobs of the contract and how to run one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from scheduler import (
    digest,
    escalations,
    improvement_checks,
    notices,
    nudges,
    reminders,
    results,
    review_reminders,
    welcome,
)
from scheduler.context import JobContext, JobReport


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[JobContext], JobReport] | None = None
    next_run: Callable[..., datetime | None] | None = None  # (sessions, now, config) -> when someone is next due
    arrives_with: str | None = None  # the feature that builds it, while it is not built yet

    @property
    def available(self) -> bool:
        return self.run is not None


JOBS: tuple[Job, ...] = (
    Job(welcome.JOB, "a getting-started guide for each person's role, when a plan first applies to them",
        run=welcome.run, next_run=welcome.next_run),
    Job(reminders.JOB, "employees who have not checked in this week, at their local send time", run=reminders.run,
        next_run=reminders.next_run),
    Job(nudges.JOB, "each manager: last week's check-ins of their reports as a 1:1 agenda", run=nudges.run,
        next_run=nudges.next_run),
    Job(digest.JOB, "HR: last week's participation and risks by team, with a chart", run=digest.run,
        next_run=digest.next_run),
    Job(review_reminders.JOB,
        "self, peer and manager review requests in open cycles, and a reminder before each due date",
        run=review_reminders.run, next_run=review_reminders.next_run),
    Job(results.JOB, "released results to each employee, and results below target to their manager",
        run=results.run, next_run=results.next_run),
    Job(improvement_checks.JOB, "each check date of an improvement plan, to the employee and their manager",
        run=improvement_checks.run, next_run=improvement_checks.next_run),
    Job(escalations.JOB, "a blocker alert unanswered for N working days, once to the manager's manager",
        run=escalations.run, next_run=escalations.next_run),
    # Listeners deliver their notices at once; this job only retries what Slack or Teams refused then.
    Job(notices.JOB, "messages people's actions cause (an approval, feedback, a reply), retried until delivered",
        run=notices.run, next_run=notices.next_run),
)


def find_job(name: str) -> Job | None:
    return next((job for job in JOBS if job.name == name), None)
