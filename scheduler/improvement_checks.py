"""improvement-checks: on each check date of an improvement plan, nudge the employee and their manager once."""

from __future__ import annotations

from datetime import datetime, timedelta

from prompts import improvement_blocks
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.outbox import deliver, waiting_again
from storage import deliveries, improvement, people
from storage.models import ImprovementCheck, Person

JOB = "improvement-checks"


def run(ctx: JobContext) -> JobReport:
    """A check is due once its date has come in the person's own zone; each of the two hears of it once."""
    report = JobReport()
    with ctx.sessions() as session:
        # Tomorrow in UTC covers every zone whose date is already the check date.
        due = improvement.checks_due(session, on=ctx.now.date() + timedelta(days=1))
        taken = deliveries.taken_keys(session, job=JOB, periods={_period(check) for check, *_ in due})
    retrying = {(d.person_id, d.period) for d in waiting_again(ctx, JOB)}
    for check, plan, subject, manager in due:
        for person, for_manager in ((subject, False), (manager, True)):
            key = (person.id, _period(check))
            if key in taken and key not in retrying:
                continue
            if people.local_today(person, now=ctx.now, default_zone=ctx.config.default_timezone) < check.due_on:
                continue
            zone = people.zone_of(person, default=ctx.config.default_timezone)
            if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
                continue
            report.count(_send(ctx, check, plan.id, subject, person, for_manager=for_manager))
    return report


def _period(check: ImprovementCheck) -> str:
    return f"check:{check.id}"


def _send(ctx: JobContext, check: ImprovementCheck, plan_id: int, subject: Person, person: Person, *,
          for_manager: bool) -> str:
    locale = people.pick_locale(person.locale, default=ctx.config.default_locale)

    def message() -> dict:
        with ctx.sessions() as session:
            shown = improvement.view(session, subject if not for_manager else person, plan_id)
        return improvement_blocks.check_due(shown, check.id, for_manager=for_manager, locale=locale)

    def still_wanted() -> bool:
        with ctx.sessions() as session:
            fresh = session.get(ImprovementCheck, check.id)
            return fresh is not None and fresh.recorded_at is None

    return deliver(ctx, job=JOB, person=person, period=_period(check), message=message, still_wanted=still_wanted)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    with sessions() as session:
        return now if improvement.checks_due(session, on=now.date() + timedelta(days=1)) else None
