"""welcome: a short getting-started guide for each person's role, once for each plan that comes to apply to them."""

from __future__ import annotations

from datetime import datetime

from prompts.welcome_blocks import welcome_message
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.outbox import deliver, waiting_again
from storage import deliveries, people, welcome

JOB = "welcome"


def run(ctx: JobContext) -> JobReport:
    """Welcome everyone not yet welcomed under the plan that applies to them, in their waking hours."""
    report = JobReport()
    with ctx.sessions() as session:
        wanted = welcome.wanted(session)
        taken = deliveries.taken_keys(session, job=JOB, periods={w.plan_key for w in wanted})
    retrying = {(d.person_id, d.period) for d in waiting_again(ctx, JOB)}
    for item in wanted:
        key = (item.person.id, item.plan_key)
        if key in taken and key not in retrying:
            continue
        zone = people.zone_of(item.person, default=ctx.config.default_timezone)
        if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
            continue
        report.count(_send(ctx, item))
    return report


def _send(ctx: JobContext, item: welcome.Welcome) -> str:
    locale = people.pick_locale(item.person.locale, default=ctx.config.default_locale)

    def message() -> dict:
        with ctx.sessions() as session:
            guide = welcome.guide_for(session, item.person, role=item.role)
        config = ctx.config
        return welcome_message(guide, name=item.person.name, reminder=config.reminder_slot, nudge=config.nudge_slot,
                               digest=config.digest_slot, locale=locale)

    return deliver(ctx, job=JOB, person=item.person, period=item.plan_key, message=message)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    """Due now whenever someone has not been welcomed under their current plan."""
    with sessions() as session:
        wanted = welcome.wanted(session)
        taken = deliveries.taken_keys(session, job=JOB, periods={w.plan_key for w in wanted})
    return now if any((w.person.id, w.plan_key) not in taken for w in wanted) else None
