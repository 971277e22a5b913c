"""The delivery log: one claim per (job, person, period), then sent, retried or given up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from storage.models import Delivery, DeliveryStatus, Person

LEASE = timedelta(minutes=5)  # a claim older than this, still "claimed", belongs to a worker that died mid-send
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
ERROR_MAX = 500
PLAN_BATCH = 1000  # rows per INSERT: well under both databases' limits on bound parameters

WAITING = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRY)
_KEY = ("job", "person_id", "period")
# Both supported databases have INSERT ... ON CONFLICT, so a duplicate key is an answer, not an error.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Claim:
    """The right to send one delivery, won by one worker."""

    delivery: Delivery
    # True when this claim took over an expired lease: the previous worker may already have sent it,
    # so the caller must check the platform before sending again.
    recovered: bool
    # When the dead worker claimed it: search the platform from here, since delivery.claimed_at is now ours.
    previous_claimed_at: datetime | None = None


def claim(session: Session, *, job: str, person_id: int, period: str, now: datetime, worker: str) -> Claim | None:
    """Claim the right to send a message; None when it is settled, not due yet or another worker's live claim.

    Commit right after claiming and before calling the platform, so other workers and replicas see
    the claim. A new key is claimed at once; a scheduled or retry row once it is due; a claim older
    than LEASE is taken over with `recovered=True`. Each takeover is a conditional UPDATE on the
    state this worker saw, so of two workers racing for a row exactly one wins.
    """
    created = _insert_if_new(
        session,
        job=job,
        person_id=person_id,
        period=period,
        status=DeliveryStatus.CLAIMED,
        attempts=0,
        claimed_by=worker,
        claimed_at=now,
    )
    if created is not None:
        return Claim(created, recovered=False)
    existing = find(session, job=job, person_id=person_id, period=period)
    return None if existing is None else take_over(session, existing, now=now, worker=worker)


def mark_sent(
    session: Session, delivery_id: int, *, now: datetime, channel: str | None, message_ref: str | None
) -> None:
    """Record that the message went out, and where, so it is never sent again; a notice's text goes with it, as
    with every verb that settles a row (the log keeps only that it was sent: storage.notices).

    One UPDATE, not a load then a write: a fan-out records tens of thousands of these.
    """
    statement = (
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None, channel=channel,
                message_ref=message_ref, payload=None)
        .returning(Delivery.id)
    )
    session.execute(statement).scalar_one()  # NoResultFound when there is no such row, as before


def mark_failed(session: Session, delivery_id: int, *, now: datetime, error: str, permanent: bool = False) -> Delivery:
    """Record a failed attempt: retry after the next delay, or give up when permanent or out of attempts (and drop
    a notice's text, as every settled row does).

    `error` is kept for operators: pass the platform's error code, never a request or a token.
    """
    delivery = _get(session, delivery_id)
    delivery.attempts += 1
    delivery.last_error = error[:ERROR_MAX]
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.payload = None
    else:
        delivery.status = DeliveryStatus.RETRY
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    return delivery


def mark_skipped(session: Session, delivery_id: int, *, now: datetime, reason: str) -> None:
    """Settle a delivery without sending it, e.g. because the person checked in meanwhile (a notice's text goes).

    The reason is kept in last_error. `now` keeps the verbs alike; the log has no column for when a row was skipped.
    """
    delivery = _get(session, delivery_id)
    delivery.status = DeliveryStatus.SKIPPED
    delivery.next_attempt_at = None
    delivery.payload = None
    delivery.last_error = reason[:ERROR_MAX]


def schedule(session: Session, *, job: str, person_id: int, period: str, at: datetime, now: datetime) -> Delivery:
    """Ask for a send at `at` (a snooze); asking again moves it, but a send under way is left alone.

    A settled row (sent, skipped, failed) is scheduled again with a fresh count of attempts: a snooze
    is a request for a new send. A "claimed" row is returned unchanged, since a worker is sending it.
    """
    values = {
        "job": job,
        "person_id": person_id,
        "period": period,
        "status": DeliveryStatus.SCHEDULED,
        "attempts": 0,
        "claimed_at": now,  # claimed_at cannot be empty: a scheduled row keeps when it was asked for
        "next_attempt_at": at,
    }
    statement = (
        _insert(session)
        .values(**values)
        .on_conflict_do_update(
            index_elements=_KEY,
            set_={"status": DeliveryStatus.SCHEDULED, "next_attempt_at": at, "attempts": 0, "last_error": None},
            where=col(Delivery.status) != DeliveryStatus.CLAIMED,
        )
        .returning(Delivery)
    )
    scheduled = _one_or_none(session, statement)
    if scheduled is not None:
        return scheduled
    return _get_by_key(session, job=job, person_id=person_id, period=period)


def due(
    session: Session, *, job: str, now: datetime, statuses: Iterable[str] = WAITING, limit: int = 500
) -> list[Delivery]:
    """Return the rows of a job waiting to be (re)sent whose time has come, oldest first."""
    statement = (
        select(Delivery)
        .where(
            col(Delivery.job) == job,
            col(Delivery.status).in_(list(statuses)),
            col(Delivery.next_attempt_at) <= now,
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    return list(session.exec(statement))


def plan(session: Session, *, job: str, keys: Iterable[tuple[int, str]], now: datetime) -> None:
    """Queue a send due now for each (person_id, period) not yet in the log, in set-based statements.

    Planning only writes rows; any worker or replica then claims them in batches (claim_due), so a fan-out
    to 50,000 people is shared instead of every replica walking everyone. Keys already present are left alone.
    """
    rows = [{"job": job, "person_id": person_id, "period": period, "status": DeliveryStatus.SCHEDULED,
             "attempts": 0, "claimed_at": now, "next_attempt_at": now} for person_id, period in keys]
    for start in range(0, len(rows), PLAN_BATCH):
        session.execute(_insert(session).on_conflict_do_nothing(index_elements=_KEY), rows[start:start + PLAN_BATCH])


def claim_due(session: Session, *, job: str, now: datetime, worker: str, limit: int, after_id: int = 0) -> list[Claim]:
    """Claim up to `limit` of a job's due rows with ids above `after_id`, oldest first, in one statement.

    On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so replicas claiming at the same moment
    take different rows instead of queueing on each other; SQLite serialises writers, so one statement is
    enough there. Commit before sending, as with `claim`. `after_id` lets a run move past rows it gave back.
    """
    picked = (
        select(Delivery.id)
        .where(col(Delivery.job) == job, col(Delivery.status).in_(list(WAITING)), col(Delivery.next_attempt_at) <= now,
               col(Delivery.id) > after_id)
        .order_by(col(Delivery.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Picked once, in a materialised CTE: as `WHERE id IN (subquery)` PostgreSQL may run a LIMIT ... SKIP
        # LOCKED subquery again for each row it updates, each run skipping what the last one locked, and so
        # claim several times `limit` rows.
        picked = picked.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        chosen = select(picked.c.id)
    else:
        chosen = picked.scalar_subquery()
    statement = (
        update(Delivery)
        .where(col(Delivery.id).in_(chosen), col(Delivery.status).in_(list(WAITING)))
        .values(status=DeliveryStatus.CLAIMED, claimed_by=worker, claimed_at=now, next_attempt_at=None)
        .returning(Delivery)
    )
    claimed = session.scalars(statement, execution_options={"populate_existing": True}).all()
    return [Claim(delivery, recovered=False) for delivery in sorted(claimed, key=lambda d: d.id)]


def senders(session: Session, *, now: datetime) -> int:
    """Count the workers sending now: those holding live claims (a dead worker's expire with its lease).

    Replicas divide Slack's allowance by it (scheduler.pacing.Pacer.share). Listeners, which deliver one
    person's notices unpaced, are not senders.
    """
    return session.exec(
        select(func.count(func.distinct(Delivery.claimed_by)))
        .where(col(Delivery.status) == DeliveryStatus.CLAIMED, col(Delivery.claimed_at) >= now - LEASE,
               col(Delivery.claimed_by).is_not(None), col(Delivery.claimed_by).not_like("listener:%"))
    ).one()


def release(session: Session, delivery_id: int, *, now: datetime) -> None:
    """Give back a claim that was not acted on (quiet hours, not reachable yet, a stop): due again at once."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.CLAIMED)
        .values(status=case((col(Delivery.attempts) > 0, DeliveryStatus.RETRY), else_=DeliveryStatus.SCHEDULED),
                next_attempt_at=now)
    )


def skip_if_claimed(session: Session, delivery_id: int, *, reason: str) -> None:
    """Settle a claimed row as skipped, when the job dropped it without recording why (the person is gone)."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.CLAIMED)
        .values(status=DeliveryStatus.SKIPPED, next_attempt_at=None, last_error=reason[:ERROR_MAX], payload=None)
    )


def stale_claims(session: Session, *, job: str, now: datetime, limit: int = 500) -> list[Delivery]:
    """Return a job's claims older than LEASE, left by workers that died mid-send, oldest first."""
    statement = (
        select(Delivery)
        .where(col(Delivery.job) == job, _expired_claim(now))
        .order_by(col(Delivery.claimed_at), col(Delivery.id))
        .limit(limit)
    )
    return list(session.exec(statement))


def taken_keys(session: Session, *, job: str, periods: Iterable[str]) -> set[tuple[int, str]]:
    """Return the (person_id, period) keys a job already has a row for among `periods`, whatever its status."""
    statement = select(Delivery.person_id, Delivery.period).where(
        col(Delivery.job) == job, col(Delivery.period).in_(list(periods))
    )
    return {(person_id, period) for person_id, period in session.exec(statement)}


def sent_people(session: Session, *, job: str, periods: Iterable[str]) -> list[tuple[Person, str]]:
    """Return the people a job's message was sent to for one of `periods`, with that period."""
    statement = (
        select(Person, Delivery.period)
        .join(Delivery, col(Delivery.person_id) == col(Person.id))
        .where(
            col(Delivery.job) == job,
            col(Delivery.period).in_(list(periods)),
            col(Delivery.status) == DeliveryStatus.SENT,
        )
        .order_by(col(Delivery.period), col(Person.id))
    )
    return [(person, period) for person, period in session.exec(statement)]


def exists(session: Session, *, job: str, person_id: int, period: str) -> bool:
    """Answer whether the log has a row for this key, whatever its status."""
    statement = select(Delivery.id).where(*_key_is(job, person_id, period))
    return session.exec(statement).first() is not None


def find(session: Session, *, job: str, person_id: int, period: str) -> Delivery | None:
    """Return the row for this key as the database has it now, or None."""
    statement = select(Delivery).where(*_key_is(job, person_id, period)).execution_options(populate_existing=True)
    return session.exec(statement).one_or_none()


def summary(session: Session, *, job: str, since: datetime) -> dict[str, int]:
    """Count a job's rows claimed since `since` by status, every status present."""
    statement = (
        select(Delivery.status, func.count())
        .where(col(Delivery.job) == job, col(Delivery.claimed_at) >= since)
        .group_by(col(Delivery.status))
    )
    counts = {status.value: 0 for status in DeliveryStatus}
    counts.update(dict(session.exec(statement).all()))
    return counts


def failures(session: Session, *, job: str | None = None, limit: int = 50) -> list[Delivery]:
    """Return the rows given up on, of one job or all, newest first."""
    statement = select(Delivery).where(col(Delivery.status) == DeliveryStatus.FAILED)
    if job is not None:
        statement = statement.where(col(Delivery.job) == job)
    statement = statement.order_by(col(Delivery.claimed_at).desc(), col(Delivery.id).desc()).limit(limit)
    return list(session.exec(statement))


def take_over(session: Session, delivery: Delivery, *, now: datetime, worker: str) -> Claim | None:
    """Claim an existing row when it is due or its lease expired, guarded by the state seen (one UPDATE, for a
    row already read: the notices job's)."""
    if delivery.status in WAITING and _is_due(delivery, now):
        seen = (col(Delivery.status) == delivery.status, col(Delivery.next_attempt_at) <= now)
        taken = _claim_if(session, delivery.id, *seen, now=now, worker=worker)
        return None if taken is None else Claim(taken, recovered=False)
    if delivery.status == DeliveryStatus.CLAIMED and delivery.claimed_at < now - LEASE:
        seen_at = delivery.claimed_at  # read before the UPDATE refreshes this very object
        seen = (col(Delivery.status) == DeliveryStatus.CLAIMED, col(Delivery.claimed_at) == seen_at)
        taken = _claim_if(session, delivery.id, *seen, now=now, worker=worker)
        return None if taken is None else Claim(taken, recovered=True, previous_claimed_at=seen_at)
    return None


def _claim_if(
    session: Session, delivery_id: int | None, *seen: ColumnElement[bool], now: datetime, worker: str
) -> Delivery | None:
    """Claim a row only if it is still as seen: the optimistic lock that lets one racing worker win."""
    statement = (
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, *seen)
        .values(status=DeliveryStatus.CLAIMED, claimed_by=worker, claimed_at=now, next_attempt_at=None)
        .returning(Delivery)
    )
    return _one_or_none(session, statement)


def _insert_if_new(session: Session, **values: Any) -> Delivery | None:
    """Insert a row unless its key exists; return it, or None when another run or worker has the key.

    ON CONFLICT DO NOTHING rather than a SAVEPOINT: pysqlite opens no transaction before a SAVEPOINT,
    so its RELEASE would commit the claim even if the caller then rolled back.
    """
    statement = _insert(session).values(**values).on_conflict_do_nothing(index_elements=_KEY).returning(Delivery)
    return _one_or_none(session, statement)


def _insert(session: Session) -> Any:
    """Return an INSERT into the log in the session's database dialect."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"the delivery log needs PostgreSQL or SQLite, not {dialect}")
    return _INSERTS[dialect](Delivery)


def _one_or_none(session: Session, statement: Any) -> Delivery | None:
    """Run a write with RETURNING and hand back the row, refreshing any copy the session holds."""
    return session.scalars(statement, execution_options={"populate_existing": True}).one_or_none()


def _get(session: Session, delivery_id: int) -> Delivery:
    """Load a row fresh from the database; raise NoResultFound when there is none."""
    return session.get_one(Delivery, delivery_id, populate_existing=True)


def _get_by_key(session: Session, *, job: str, person_id: int, period: str) -> Delivery:
    """Return the row for a key known to exist."""
    delivery = find(session, job=job, person_id=person_id, period=period)
    if delivery is None:
        raise LookupError(f"no delivery {job}/{person_id}/{period}")
    return delivery


def _key_is(job: str, person_id: int, period: str) -> tuple[ColumnElement[bool], ...]:
    return col(Delivery.job) == job, col(Delivery.person_id) == person_id, col(Delivery.period) == period


def _expired_claim(now: datetime) -> ColumnElement[bool]:
    return (col(Delivery.status) == DeliveryStatus.CLAIMED) & (col(Delivery.claimed_at) < now - LEASE)


def _is_due(delivery: Delivery, now: datetime) -> bool:
    # Mirrors SQL's `next_attempt_at <= now`, which is never true for NULL.
    return delivery.next_attempt_at is not None and delivery.next_attempt_at <= now


def enqueue(session: Session, *, job: str, person_id: int, period: str, now: datetime,
            payload: dict | None = None) -> Delivery | None:
    """Add a row due now unless the key exists; None when it does (asked for before). For messages sent on demand."""
    return _insert_if_new(session, job=job, person_id=person_id, period=period, status=DeliveryStatus.SCHEDULED,
                          attempts=0, claimed_at=now, next_attempt_at=now, payload=payload)
