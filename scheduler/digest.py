"""hr-digest: every HR person's Monday digest of last week (and a figures-only post in the HR channel)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from prompts import digest_blocks
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.outbox import deliver, deliver_file
from storage import analytics, people
from storage.models import Person
from storage.weeks import next_slot, shift_week, week_of

JOB = "hr-digest"
CHANNEL = "channel"
CHART = "chart"


def run(ctx: JobContext) -> JobReport:
    """Send every digest that is due now; safe to run any number of times, on any number of replicas."""
    report = JobReport()
    digest_of = cache(lambda week: _digest(ctx, week))
    with ctx.sessions() as session:
        hr = people.hr_contacts(session)
    for person in hr:
        zone = people.zone_of(person, default=ctx.config.default_timezone)
        week = shift_week(week_of(ctx.now, zone), -1)
        if not _due(ctx, zone, week):
            continue
        locale = people.pick_locale(person.locale, default=ctx.config.default_locale)
        report.count(deliver(ctx, job=JOB, person=person, period=week, message=lambda w=week, loc=locale: (
            digest_blocks.digest_message(digest_of(w), locale=loc, with_names=True))))
        report.count(deliver_file(
            ctx, job=JOB, person=person, period=f"{week}:{CHART}", filename=f"checkins-{week}.png",
            title=f"{week}", content=lambda w=week, loc=locale: digest_blocks.digest_chart(digest_of(w), locale=loc)))
    if ctx.config.hr_channel and hr:
        report.count(_post_to_channel(ctx, hr[0], digest_of))
    return report


def _due(ctx: JobContext, zone, week: str) -> bool:
    send_at = ctx.config.digest_slot.in_week(shift_week(week, 1), zone)
    return ctx.forced or (ctx.now >= send_at and ctx.config.active_hours.allows(ctx.now, zone))


def _post_to_channel(ctx: JobContext, owner: Person, digest_of) -> str:
    """Post organisation- and team-level figures (no names) to the HR channel, once a week."""
    zone = people.zone_of(None, default=ctx.config.default_timezone)
    week = shift_week(week_of(ctx.now, zone), -1)
    if not _due(ctx, zone, week):
        return "held"
    locale = ctx.config.default_locale
    # The channel post is recorded against the first HR person: one key per week for the whole org.
    return deliver(ctx, job=JOB, person=owner, period=f"{week}:{CHANNEL}", channel=ctx.config.hr_channel,
                   message=lambda: digest_blocks.digest_message(digest_of(week), locale=locale, with_names=False))


def _digest(ctx: JobContext, week: str) -> analytics.Digest:
    with ctx.sessions() as session:
        return analytics.digest(session, week=week, now=ctx.now, connections=analytics.DIGEST_CONNECTIONS)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    """Return the next moment an HR person's digest is due."""
    with sessions() as session:
        zones = {people.zone_of(person, default=config.default_timezone) for person in people.hr_contacts(session)}
    return next_slot(config.digest_slot, zones, now)
