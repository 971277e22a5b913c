"""The notices job: deliver the messages people's actions caused, at once and then until they are delivered."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from sqlmodel import col, select

from scheduler.context import JobContext, JobReport
from scheduler.fanout import send_claimed
from scheduler.outbox import deliver, waiting_again
from storage import deliveries, notices
from storage.models import Delivery, Person

JOB = notices.JOB


def run(ctx: JobContext) -> JobReport:
    """Deliver every notice that is due: new ones a listener could not send, and retries."""
    report = JobReport()
    for delivery in waiting_again(ctx, JOB):
        report.count(_deliver(ctx, delivery))
    return report


def deliver_queued(ctx: JobContext, queued: Iterable[Delivery]) -> list[str]:
    """Deliver notices a listener just queued; what fails stays in the log for `run` to retry."""
    return [_deliver(ctx, delivery) for delivery in queued]


def next_run(sessions, now: datetime, _config) -> datetime | None:
    """When the next queued notice or retry is due."""
    with sessions() as session:
        return session.exec(
            select(Delivery.next_attempt_at)  # the column, not min(): its type makes SQLite's answer UTC-aware
            .where(col(Delivery.job) == JOB, col(Delivery.status).in_(list(deliveries.WAITING)))
            .order_by(col(Delivery.next_attempt_at)).limit(1)
        ).first()


def _deliver(ctx: JobContext, delivery: Delivery) -> str:
    """Claim a notice as it was read (one conditional UPDATE) and send the text its claimed row holds.

    Its text goes with the UPDATE that settles it (sent, skipped or failed for good: storage.deliveries).
    """
    if ctx.stopping:
        return "stopped"  # nothing claimed: it stays due for the next start
    with ctx.sessions() as session:
        person = session.get(Person, delivery.person_id)  # read first: on SQLite a write holds the lock to the commit
        claim = deliveries.take_over(session, delivery, now=ctx.now, worker=ctx.worker)
    if claim is None:
        return "busy"  # sent, or claimed by another worker, since it was read
    return send_claimed(ctx, claim, partial(_send, ctx, person))


def _send(ctx: JobContext, person: Person | None, delivery: Delivery, claim: deliveries.Claim | None) -> str:
    """Send one claimed notice (`delivery` as claimed, so its text is the one to send)."""
    if person is None:
        return "skipped"
    message, surface, channel = notices.target_of(delivery)
    return deliver(ctx, job=JOB, person=person, period=delivery.period, message=lambda: message, surface=surface,
                   channel=channel, still_wanted=lambda: message is not None and person.active, claim=claim)
