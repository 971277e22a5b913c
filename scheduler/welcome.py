"""welcome: a short getting-started guide for each person's role, once for each plan that comes to apply to them."""

from __future__ import annotations

from datetime import datetime

from prompts.welcome_blocks import welcome_message
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.fanout import plan, send_due
from scheduler.outbox import deliver
from storage import deliveries, people, welcome
from storage.models import Delivery

JOB = "welcome"


def run(ctx: JobContext) -> JobReport:
    """Welcome everyone not yet welcomed under the plan that applies to them, in their waking hours.

    A whole new organisation is planned at once but sent through the paced fan-out, at most
    config.max_per_run a tick, so it never holds up the other jobs.
    """
    report = JobReport()
    with ctx.sessions() as session:
        wanted = {(w.person.id, w.plan_key): w for w in welcome.wanted(session)}
        taken = deliveries.taken_keys(session, job=JOB, periods={plan_key for _, plan_key in wanted})
    plan(ctx, JOB, [(item.person, item.plan_key) for key, item in wanted.items()
                    if key not in taken and _awake(ctx, item)], report)
    send_due(ctx, JOB, lambda delivery, claim: _send_row(ctx, wanted, delivery, claim), report)
    return report


def _awake(ctx: JobContext, item: welcome.Welcome) -> bool:
    zone = people.zone_of(item.person, default=ctx.config.default_timezone)
    return ctx.forced or ctx.config.active_hours.allows(ctx.now, zone)


def _send_row(ctx: JobContext, wanted: dict, delivery: Delivery, claim: deliveries.Claim | None) -> str:
    """Send a planned or retried guide; one whose plan no longer applies to the person is dropped."""
    item = wanted.get((delivery.person_id, delivery.period))
    if item is None:
        return "skipped"
    if not _awake(ctx, item):
        return "held"
    return _send(ctx, item, claim=claim)


def _send(ctx: JobContext, item: welcome.Welcome, *, claim: deliveries.Claim | None = None) -> str:
    locale = people.pick_locale(item.person.locale, default=ctx.config.default_locale)

    def message() -> dict:
        with ctx.sessions() as session:
            guide = welcome.guide_for(session, item.person, role=item.role)
        config = ctx.config
        return welcome_message(guide, name=item.person.name, reminder=config.reminder_slot, nudge=config.nudge_slot,
                               digest=config.digest_slot, locale=locale)

    return deliver(ctx, job=JOB, person=item.person, period=item.plan_key, message=message, claim=claim)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    """Due now whenever someone has not been welcomed under their current plan, or a planned guide waits."""
    with sessions() as session:
        wanted = welcome.wanted(session)
        taken = deliveries.taken_keys(session, job=JOB, periods={w.plan_key for w in wanted})
        planned = deliveries.due(session, job=JOB, now=now, limit=1)
    return now if planned or any((w.person.id, w.plan_key) not in taken for w in wanted) else None
