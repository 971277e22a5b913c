"""review-results: each released result to its employee, and each result below target to the manager, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from prompts import improvement_blocks, review_blocks
from scheduler.context import JobConfig, JobContext, JobReport
from scheduler.outbox import deliver, waiting_again
from storage import calibration, cycles, deliveries, people, plans
from storage.models import Person, Review, ReviewCycle

JOB = "review-results"
RECENT = timedelta(days=30)  # results released longer ago than this were delivered or given up on


def run(ctx: JobContext) -> JobReport:
    report = JobReport()
    with ctx.sessions() as session:
        released = cycles.released_since(session, ctx.now - RECENT)
        results = [(review, cycle) for cycle in released for review in cycles.written_results(session, cycle)]
        below = [(review, subject, cycle) for cycle in released
                 for review, subject in calibration.below_threshold(session, cycle)]
        managers = people.by_ids(session, {r.author_id for r, _, _ in below})
        subjects = people.by_ids(session, {r.subject_id for r, _ in results})
        taken = deliveries.taken_keys(session, job=JOB, periods={
            *(str(c.id) for c in released), *(_below_period(r) for r, _, _ in below)})
        # The manager is prompted about a plan only once the employee has their result: never the plan first.
        told = {(person.id, period) for person, period in deliveries.sent_people(
            session, job=JOB, periods={str(c.id) for c in released})}
    retrying = {(d.person_id, d.period) for d in waiting_again(ctx, JOB)}

    def due(person: Person, period: str) -> bool:
        if (person.id, period) in taken and (person.id, period) not in retrying:
            return False
        zone = people.zone_of(person, default=ctx.config.default_timezone)
        return ctx.forced or ctx.config.active_hours.allows(ctx.now, zone)

    for review, cycle in results:
        subject = subjects[review.subject_id]
        if subject.active and due(subject, str(cycle.id)):
            report.count(send_result(ctx, review))
    for review, subject, cycle in below:
        manager = managers.get(review.author_id)
        if (subject.id, str(cycle.id)) not in told:
            continue
        if manager is not None and manager.active and due(manager, _below_period(review)):
            report.count(_send_below_threshold(ctx, review, subject, manager, cycle))
    return report


def _below_period(review: Review) -> str:
    return f"{review.cycle_id}:below:{review.subject_id}"


def send_result(ctx: JobContext, review: Review) -> str:
    """DM the subject their rating with its label, strengths, what to improve, peers' words and the rewards."""
    with ctx.sessions() as session:
        subject = session.get(Person, review.subject_id)
        manager = session.get(Person, review.author_id)
        cycle = session.get(ReviewCycle, review.cycle_id)
        result = calibration.result_for(session, subject, review.id)
    locale = people.pick_locale(subject.locale, default=ctx.config.default_locale)
    return deliver(ctx, job=JOB, person=subject, period=str(cycle.id), message=lambda: review_blocks.review_result(
        cycle=cycle.name, rating=result.rating, rating_label=plans.rating_label(result.plan, result.rating, locale)
        or "", strengths=result.strengths or "", to_improve=result.to_improve or "", reward=result.reward,
        manager=manager.name, peers=result.peer_feedback, peers_withheld=result.peers_withheld,
        review_id=review.id, locale=locale))


def _send_below_threshold(ctx: JobContext, review: Review, subject: Person, manager: Person,
                          cycle: ReviewCycle) -> str:
    locale = people.pick_locale(manager.locale, default=ctx.config.default_locale)

    def message() -> dict:
        with ctx.sessions() as session:
            plan = plans.plan_for(session, subject)
        return improvement_blocks.below_threshold(
            subject=subject.name, cycle=cycle.name, rating=review.rating,
            label=plans.rating_label(plan, review.rating, locale) or "", threshold=plan["improvement_threshold"],
            value=f"{subject.id}:{cycle.id}", locale=locale)

    return deliver(ctx, job=JOB, person=manager, period=_below_period(review), message=message)


def next_run(sessions, now: datetime, config: JobConfig) -> datetime | None:
    with sessions() as session:
        return now if cycles.released_since(session, now - RECENT) else None
