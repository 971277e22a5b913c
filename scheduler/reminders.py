"""checkin-reminders: remind whoever has not checked in, at their local send time, once a week.

Each tick: plan (one set-based write) a reminder for people whose local reminder time has passed this week and a
last call on Monday morning for those whose last week is still open; then send whatever is due (these, snoozes,
retries) through the shared fan-out, so replicas split the work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from prompts import checkin_blocks
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.fanout import plan, send_due
from scheduler.outbox import deliver
from storage import checkins, deliveries, people
from storage.models import Delivery, Person
from storage.weeks import next_slot, shift_week, week_key

JOB = checkins.REMINDERS_JOB
FOLLOW_UP = "follow-up"
SNOOZE = "snooze"


def run(ctx: JobContext) -> JobReport:
    """Send every reminder that is due now; safe to run any number of times."""
    report = JobReport()
    due = _weekly_candidates(ctx) + [(person, f"{week}:{FOLLOW_UP}") for person, week in _follow_up_candidates(ctx)]
    plan(ctx, JOB, due, report)
    send_due(ctx, JOB, lambda delivery, claim: _resend(ctx, delivery, claim=claim), report)
    return report


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    """Return the next moment a weekly reminder is due for someone, over everyone's time zones."""
    with sessions() as session:
        zones = {people.zone_of(person, default=config.default_timezone)
                 for person, _ in checkins.reminder_candidates(session, now=now, default_zone=config.default_timezone)}
    return next_slot(config.reminder_slot, zones, now)


def snooze_period(week: str) -> str:
    return f"{week}:{SNOOZE}"


def _zone(ctx: JobContext, person: Person):
    return people.zone_of(person, default=ctx.config.default_timezone)


def _weekly_candidates(ctx: JobContext) -> list[tuple[Person, str]]:
    """People whose reminder time has come this week (in their zone), with no reminder yet."""
    with ctx.sessions() as session:
        candidates = checkins.reminder_candidates(session, now=ctx.now, default_zone=ctx.config.default_timezone)
        taken = deliveries.taken_keys(session, job=JOB, periods={week for _, week in candidates})
    due = []
    for person, week in candidates:
        if (person.id, week) in taken:
            continue
        zone = _zone(ctx, person)
        if ctx.forced or (ctx.now >= ctx.config.reminder_slot.in_week(week, zone)
                          and ctx.config.active_hours.allows(ctx.now, zone)):
            due.append((person, week))
    return due


def _follow_up_candidates(ctx: JobContext) -> list[tuple[Person, str]]:
    """People reminded last week who still have not checked in while last week is open: one last call.

    The send time is checked before the database, and people already given a last call are left out in one
    query, so a tick outside Monday morning costs two queries however many were reminded.
    """
    due = []
    with ctx.sessions() as session:
        weeks = _last_weeks(ctx)
        reminded = deliveries.sent_people(session, job=JOB, periods=weeks)
        called = deliveries.taken_keys(session, job=JOB, periods={f"{week}:{FOLLOW_UP}" for week in weeks})
        for person, week in reminded:
            if (person.id, f"{week}:{FOLLOW_UP}") in called:
                continue
            zone = _zone(ctx, person)
            if not ctx.forced and not (ctx.now >= ctx.config.follow_up_slot.in_week(shift_week(week, 1), zone)
                                       and ctx.config.active_hours.allows(ctx.now, zone)):
                continue
            open_late = {c.week for c in checkins.open_weeks(session, person, now=ctx.now,
                                                              default_zone=ctx.config.default_timezone) if c.late}
            if week in open_late:
                due.append((person, week))
    return due


def _last_weeks(ctx: JobContext) -> set[str]:
    # Zones run from UTC-12 to UTC+14, so "last week" anywhere on earth is one of these.
    return {shift_week(week_key((ctx.now + timedelta(hours=offset)).date()), -1) for offset in (-12, 14)}


def _reminder_message(ctx: JobContext, person: Person, week: str, *, follow_up: bool) -> Callable[[], dict]:
    locale = people.pick_locale(person.locale, default=ctx.config.default_locale)
    return lambda: checkin_blocks.reminder(name=person.name, week=week, follow_up=follow_up, locale=locale)


def _resend(ctx: JobContext, delivery: Delivery, *, claim: deliveries.Claim | None = None) -> str:
    """Send a planned, snoozed, retried or orphaned reminder, unless it no longer makes sense."""
    week, _, kind = delivery.period.partition(":")
    with ctx.sessions() as session:
        person = session.get(Person, delivery.person_id)
    if person is None:
        return "skipped"
    zone = _zone(ctx, person)
    if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
        return "held"
    current = checkins.current_week(person, now=ctx.now, default_zone=ctx.config.default_timezone)
    follow_up = kind == FOLLOW_UP or week != current

    def still_wanted() -> bool:
        with ctx.sessions() as session:
            fresh = session.get(Person, person.id)
            open_now = {c.week for c in checkins.open_weeks(session, fresh, now=ctx.now,
                                                            default_zone=ctx.config.default_timezone)}
            return fresh.active and week in open_now and checkins.existing(session, fresh, week) is None

    return deliver(ctx, job=JOB, person=person, period=delivery.period, still_wanted=still_wanted, claim=claim,
                   message=_reminder_message(ctx, person, week, follow_up=follow_up))
