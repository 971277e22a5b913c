"""blocker-escalations: a blocker alert unanswered for N working days goes to the manager's manager, once.

N is the employee's performance plan's `escalate_after_days`, else the setting (CHECKIN_ESCALATE_AFTER_DAYS).
"""

from __future__ import annotations

from datetime import datetime

from prompts import checkin_blocks
from prompts.render import label
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.outbox import deliver, waiting_again
from storage import attention, deliveries, people
from storage.attention import Escalation

JOB = "blocker-escalations"


def run(ctx: JobContext) -> JobReport:
    """Send each escalation that is due, in the skip-level manager's waking hours; never twice for one alert."""
    report = JobReport()
    with ctx.sessions() as session:
        due = attention.escalations_due(session, now=ctx.now, after_days=ctx.config.escalate_after_days,
                                        default_zone=ctx.config.default_timezone)
        taken = deliveries.taken_keys(session, job=JOB, periods={_period(e) for e in due})
    taken_periods = {period for _, period in taken}  # whoever it went to: the skip-level may have changed since
    retrying = {(d.person_id, d.period) for d in waiting_again(ctx, JOB)}
    for escalation in due:
        skip, period = escalation.skip, _period(escalation)
        if period in taken_periods and (skip.id, period) not in retrying:
            continue
        zone = people.zone_of(skip, default=ctx.config.default_timezone)
        if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
            continue
        report.count(_send(ctx, escalation))
    return report


def _period(escalation: Escalation) -> str:
    return f"attention:{escalation.attention.id}"


def _send(ctx: JobContext, escalation: Escalation) -> str:
    skip, checkin = escalation.skip, escalation.checkin
    locale = people.pick_locale(skip.locale, default=ctx.config.default_locale)
    zone = people.zone_of(skip, default=ctx.config.default_timezone)

    def message() -> dict:
        since = label("date", locale, d=escalation.attention.opened_at.astimezone(zone).date())
        return checkin_blocks.blocker_escalation(
            name=escalation.subject.name, manager=escalation.manager.name, week=checkin.week,
            waited=escalation.waited, since=since, confidence=checkin.confidence, blockers=checkin.blockers,
            help_needed=checkin.help_needed, locale=locale)

    def still_wanted() -> bool:
        with ctx.sessions() as session:
            return attention.still_waiting(session, escalation.attention.id)

    outcome = deliver(ctx, job=JOB, person=skip, period=_period(escalation), message=message,
                      still_wanted=still_wanted)
    if outcome == "sent":
        with ctx.sessions() as session:
            attention.mark_escalated(session, attention_id=escalation.attention.id, to=skip, now=ctx.now)
    return outcome


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    with sessions() as session:
        due = attention.escalations_due(session, now=now, after_days=config.escalate_after_days,
                                        default_zone=config.default_timezone)
    return now if due else None
