"""review-reminders: ask for each self and manager review in an open cycle, then remind before it is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from prompts import peer_blocks, review_blocks
from prompts.render import label
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.outbox import deliver, waiting_again
from storage import cycles, deliveries, people, plans
from storage.models import Person, Review, ReviewCycle, ReviewKind

JOB = "review-reminders"
REMIND_DAYS_BEFORE = 2
KINDS = (ReviewKind.SELF, ReviewKind.PEER, ReviewKind.MANAGER)


def run(ctx: JobContext) -> JobReport:
    """Send each review request once, and one reminder per review in the days before it is due."""
    report = JobReport()
    with ctx.sessions() as session:
        requests = [request for kind in KINDS for request in cycles.open_requests(session, kind=kind)]
        taken = deliveries.taken_keys(session, job=JOB, periods={_period(r, kind) for r, _, _ in requests
                                                                  for kind in ("request", "due")})
    retry_ids = {_review_id(d.period) for d in waiting_again(ctx, JOB)}
    for review, cycle, author in requests:
        zone = people.zone_of(author, default=ctx.config.default_timezone)
        if not ctx.forced and not ctx.config.active_hours.allows(ctx.now, zone):
            continue
        today = ctx.now.astimezone(zone).date()
        wanted = ["request"]
        if review.due_date and today >= review.due_date - timedelta(days=REMIND_DAYS_BEFORE):
            wanted.append("due")
        for kind in wanted:
            if (author.id, _period(review, kind)) in taken and review.id not in retry_ids:
                continue
            report.count(_send(ctx, review, cycle, author, kind))
    return report


def _period(review: Review, kind: str) -> str:
    return f"{review.cycle_id}:{review.id}:{kind}"


def _review_id(period: str) -> int | None:
    parts = period.split(":")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _send(ctx: JobContext, review: Review, cycle: ReviewCycle, author: Person, kind: str) -> str:
    locale = people.pick_locale(author.locale, default=ctx.config.default_locale)

    due = label("date", locale, d=review.due_date)

    def message() -> dict:
        with ctx.sessions() as session:
            subject = session.get(Person, review.subject_id)
            plan = plans.plan_for(session, subject)
        if review.kind == ReviewKind.PEER:
            return peer_blocks.peer_request(subject=subject.name, cycle=cycle.name, due=due,
                                            anonymous=cycle.peers_anonymous, review_id=review.id,
                                            reminder=kind == "due", locale=locale)
        if review.kind == ReviewKind.MANAGER:
            return review_blocks.manager_review_request(subject=subject.name, cycle=cycle.name, due=due,
                                                        review_id=review.id, reminder=kind == "due", locale=locale)
        criteria = [review_blocks.localized(c["name"], locale) for c in plan["criteria"]]
        return review_blocks.review_request(name=author.name, cycle=cycle.name, due=due, criteria=criteria,
                                            review_id=review.id, reminder=kind == "due", locale=locale,
                                            cycle_id=cycle.id)

    def still_wanted() -> bool:
        with ctx.sessions() as session:
            fresh = session.get(Review, review.id)
            fresh_cycle = session.get(ReviewCycle, cycle.id)
            return fresh is not None and fresh.state == "requested" and fresh_cycle.state == "open"

    return deliver(ctx, job=JOB, person=author, period=_period(review, kind), message=message,
                   still_wanted=still_wanted)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    """Requests go out on the next tick; report now when any review is still requested."""
    with sessions() as session:
        waiting = any(cycles.open_requests(session, kind=kind) for kind in KINDS)
    return now if waiting else None
