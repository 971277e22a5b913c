"""manager-nudges: every manager's Monday 1:1 agenda for last week, once per manager per week."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from actions import agenda_summary, translation
from actions.assistant import Assistant
from prompts import assistant_blocks, coaching_blocks
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.fanout import plan, send_due
from scheduler.outbox import deliver
from storage import assistant_switches, coaching, deliveries, people
from storage.models import Person
from storage.weeks import next_slot, shift_week, week_of

JOB = coaching.MANAGER_NUDGES_JOB


def run(ctx: JobContext) -> JobReport:
    """Send every agenda that is due now; safe to run any number of times, on any number of replicas."""
    report = JobReport()
    plan(ctx, JOB, _due_now(ctx), report)
    assistant = _as_hr_switched(ctx)
    summarise = agenda_summary.Summariser(assistant)  # this run's: a model that fails is left alone
    send_due(ctx, JOB, lambda delivery, claim: _send(ctx, delivery.person_id, delivery.period, claim=claim,
                                                     summarise=summarise, assistant=assistant), report)
    return report


def _as_hr_switched(ctx: JobContext) -> Assistant | None:
    """The assistant for this run, with the features HR has switched off as they are when the run starts."""
    if ctx.config.assistant is None:
        return None
    with ctx.sessions() as session:
        off = assistant_switches.switched_off(session)
    return replace(ctx.config.assistant, switched_off=lambda: off)


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


def _send(ctx: JobContext, manager_id: int, week: str, *, claim: deliveries.Claim | None = None,
          summarise: agenda_summary.Summariser | None = None, assistant: Assistant | None = None) -> str:
    with ctx.sessions() as session:
        manager = session.get(Person, manager_id)
    if manager is None:
        return "skipped"
    zone = people.zone_of(manager, default=ctx.config.default_timezone)
    if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
        return "held"

    def message() -> dict:
        locale = people.pick_locale(manager.locale, default=ctx.config.default_locale)
        with ctx.sessions() as session:
            agenda = coaching.agenda(session, manager, week=week, now=ctx.now, default_zone=ctx.config.default_timezone)
            # Who needs attention, in three lines (a model's, checked, or the check-ins' own words); a call logged.
            summary = summarise(session, manager, agenda, locale=locale, now=ctx.now) if summarise else None
        return coaching_blocks.nudge(
            agenda, locale=locale, summary=assistant_blocks.agenda_summary(summary, locale=locale) if summary else None,
            translatable=translation.translatable_checkins(agenda, locale, assistant))

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
