"""Deliver a released review's result to the employee, once per cycle, in their language."""

from __future__ import annotations

from prompts import review_blocks
from scheduler.context import JobContext
from scheduler.outbox import deliver
from storage import people, plans
from storage.models import Person, Review, ReviewCycle

JOB = "review-results"


def send_result(ctx: JobContext, review: Review) -> str:
    """DM the subject their rating with its label, strengths, what to improve and what it leads to."""
    with ctx.sessions() as session:
        subject = session.get(Person, review.subject_id)
        manager = session.get(Person, review.author_id)
        cycle = session.get(ReviewCycle, review.cycle_id)
        plan = plans.plan_for(session, subject)
    locale = people.pick_locale(subject.locale, default=ctx.config.default_locale)
    answers = review.answers or {}
    return deliver(ctx, job=JOB, person=subject, period=str(cycle.id), message=lambda: review_blocks.review_result(
        cycle=cycle.name, rating=review.rating, rating_label=plans.rating_label(plan, review.rating, locale) or "",
        strengths=answers.get("strengths") or "", to_improve=answers.get("to_improve") or "",
        reward=plans.reward_for(plan, review.rating), manager=manager.name, locale=locale))
