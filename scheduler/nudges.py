"""manager-nudges: every manager's Monday 1:1 agenda for last week, once per manager per week."""

from __future__ import annotations

from datetime import datetime

from prompts import coaching_blocks
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.fanout import plan, send_due
from scheduler.outbox import deliver
from storage import coaching, deliveries, people
from storage.models import Person
from storage.weeks import next_slot, shift_week, week_of

JOB = coaching.MANAGER_NUDGES_JOB


def run(ctx: JobContext) -> JobReport:
    """Send every agenda that is due now; safe to run any number of times, on any number of replicas."""
    report = JobReport()
    plan(ctx, JOB, _due_now(ctx), report)
    send_due(ctx, JOB, lambda delivery, claim: _send(ctx, delivery.person_id, delivery.period, claim=claim), report)
    return report


def _due_now(ctx: JobContext) -> list[tuple[Person, str]]:
    """Managers whose local Monday send time has come for the week they review, with no agenda yet."""
    with ctx.sessions() as session:
        managers = coaching.managers_due(session, now=ctx.now, default_zone=ctx.config.default_timezone)
        taken = deliveries.taken_keys(session, job=JOB, periods={week for _, week in managers})
    due = []
    for manager, week in managers:
        if (manager.id, week) in taken:
            continue
        zone = people.zone_of(manager, default=ctx.config.default_timezone)
        send_at = ctx.config.nudge_slot.in_week(shift_week(week, 1), zone)
        if ctx.forced or (ctx.now >= send_at and ctx.config.active_hours.allows(ctx.now, zone)):
            due.append((manager, week))
    return due


def _send(ctx: JobContext, manager_id: int, week: str, *, claim: deliveries.Claim | None = None) -> str:
    with ctx.sessions() as session:
        manager = session.get(Person, manager_id)
    if manager is None:
        return "skipped"
    zone = people.zone_of(manager, default=ctx.config.default_timezone)
    if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
        return "held"

    def message() -> dict:
        with ctx.sessions() as session:
            agenda = coaching.agenda(session, manager, week=week, now=ctx.now)
        return coaching_blocks.nudge(agenda, locale=people.pick_locale(manager.locale,
                                                                       default=ctx.config.default_locale))

    def still_wanted() -> bool:
        # An agenda for a week that is over (the bot was down all week) is stale: never send it.
        return manager.active and shift_week(week, 1) == week_of(ctx.now, zone)

    return deliver(ctx, job=JOB, person=manager, period=week, message=message, still_wanted=still_wanted,
                   claim=claim)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    """Return the next moment some manager's agenda is due."""
    with sessions() as session:
        zones = {people.zone_of(manager, default=config.default_timezone)
                 for manager, _ in coaching.managers_due(session, now=now, default_zone=config.default_timezone)}
    return next_slot(config.nudge_slot, zones, now)
