"""The notices job: deliver the messages people's actions caused, at once and then until they are delivered."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select

from scheduler.context import JobContext, JobReport
from scheduler.outbox import deliver, waiting_again
from storage import deliveries, notices
from storage.models import Delivery, Person

JOB = notices.JOB


def run(ctx: JobContext) -> JobReport:
    """Deliver every notice that is due: new ones a listener could not send, and retries."""
    report = JobReport()
    for delivery in waiting_again(ctx, JOB):
        report.count(_deliver(ctx, delivery.id, delivery.person_id, delivery.period))
    return report


def deliver_queued(ctx: JobContext, queued: Iterable[Delivery]) -> list[str]:
    """Deliver notices a listener just queued; what fails stays in the log for `run` to retry."""
    return [_deliver(ctx, delivery.id, delivery.person_id, delivery.period) for delivery in queued]


def next_run(sessions, now: datetime, _config) -> datetime | None:
    """When the next queued notice or retry is due."""
    with sessions() as session:
        return session.exec(
            select(Delivery.next_attempt_at)  # the column, not min(): its type makes SQLite's answer UTC-aware
            .where(col(Delivery.job) == JOB, col(Delivery.status).in_(list(deliveries.WAITING)))
            .order_by(col(Delivery.next_attempt_at)).limit(1)
        ).first()


def _deliver(ctx: JobContext, delivery_id: int, person_id: int, key: str) -> str:
    with ctx.sessions() as session:
        person = session.get(Person, person_id)
        message, surface, channel = notices.target_of(session, delivery_id)
    if person is None:
        return "skipped"
    outcome = deliver(ctx, job=JOB, person=person, period=key, message=lambda: message, surface=surface,
                      channel=channel,
                      still_wanted=lambda: message is not None and person.active)
    with ctx.sessions() as session:
        notices.forget_settled(session, [delivery_id])
    return outcome
