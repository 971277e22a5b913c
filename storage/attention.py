"""Blocker alerts and where each stands: open, seen by the manager, answered, resolved; escalated once if left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import people, plans
from storage.models import Attention, AttentionState, CheckIn, PerformancePlan, Person

WAITING = (AttentionState.OPEN, AttentionState.SEEN)  # the manager still owes an answer
WORKING_DAYS = range(5)  # Monday to Friday
FOLLOW_UPS_MAX = 2  # the next check-in asks about at most this many of the blockers still open (newest first)


@dataclass(frozen=True)
class Waiting:
    """An alert the manager has not answered yet, with whose it is and how many working days it has waited."""

    attention: Attention
    subject: Person
    checkin: CheckIn
    waited: int


@dataclass(frozen=True)
class OpenBlocker:
    """A blocker from an earlier week's check-in that is not resolved yet: the next check-in asks about it."""

    attention_id: int
    checkin_id: int
    week: str
    text: str
    help_needed: str | None


@dataclass(frozen=True)
class Escalation:
    """An alert left unanswered long enough to go to the manager's manager."""

    attention: Attention
    subject: Person
    manager: Person
    skip: Person
    checkin: CheckIn
    waited: int


def open_for(session: Session, *, checkin: CheckIn, manager: Person, now: datetime) -> Attention:
    """Record the alert a check-in raised with its manager; a check-in edited the same week keeps its one record."""
    found = for_checkin(session, checkin_id=checkin.id)
    if found is not None:
        return found
    attention = Attention(checkin_id=checkin.id, person_id=checkin.person_id, manager_id=manager.id,
                          state=AttentionState.OPEN, opened_at=now)
    session.add(attention)
    session.flush()
    return attention


def for_checkin(session: Session, *, checkin_id: int | None) -> Attention | None:
    if checkin_id is None:
        return None
    return session.exec(select(Attention).where(Attention.checkin_id == checkin_id)).first()


def see(session: Session, *, checkin_id: int | None, viewer: Person, now: datetime) -> Attention | None:
    """Mark an open alert seen when the manager it went to opens it; return it only the first time."""
    attention = for_checkin(session, checkin_id=checkin_id)
    if attention is None or attention.manager_id != viewer.id or attention.state != AttentionState.OPEN:
        return None
    moved = session.execute(update(Attention).where(col(Attention.id) == attention.id,
                                                    col(Attention.state) == AttentionState.OPEN)
                            .values(state=AttentionState.SEEN, seen_at=now).returning(Attention.id)).first()
    session.refresh(attention)
    return attention if moved else None


def answer(session: Session, *, checkin_id: int | None, now: datetime) -> Attention | None:
    """Mark the alert answered (the reply was sent); return it, whatever state it was in, or None if none."""
    attention = for_checkin(session, checkin_id=checkin_id)
    if attention is None:
        return None
    if attention.state in WAITING:
        attention.state = AttentionState.ANSWERED
        attention.seen_at = attention.seen_at or now
        attention.answered_at = now
        session.add(attention)
        session.flush()
    return attention


def resolve(session: Session, *, checkin_id: int | None, person: Person, now: datetime) -> Attention | None:
    """The employee says their blocker is resolved; None when the alert is not theirs. Saying it twice is harmless."""
    attention = for_checkin(session, checkin_id=checkin_id)
    if attention is None or attention.person_id != person.id:
        return None
    if attention.state != AttentionState.RESOLVED:
        _resolve(session, attention, now)
    return attention


def resolve_all_of(session: Session, *, person: Person, now: datetime,
                   keep: frozenset[int] = frozenset()) -> list[Attention]:
    """Resolve every unresolved alert of a person (their new check-in has no blocker and good confidence), but
    those in `keep` (ids the person just said are still blocked)."""
    left = [attention for attention in session.exec(select(Attention).where(
        Attention.person_id == person.id, Attention.state != AttentionState.RESOLVED)).all()
        if attention.id not in keep]
    for attention in left:
        _resolve(session, attention, now)
    return list(left)


def open_blockers(session: Session, person: Person, *, before_week: str) -> list[OpenBlocker]:
    """The person's unresolved alerts that named a blocker, from check-ins of weeks before `before_week`, newest
    first: a blocker carried forward ("still blocked") keeps its first alert, so it is asked about again."""
    rows = session.exec(
        select(Attention, CheckIn)
        .join(CheckIn, CheckIn.id == Attention.checkin_id)
        .where(Attention.person_id == person.id, Attention.state != AttentionState.RESOLVED,
               CheckIn.week < before_week, col(CheckIn.blockers).is_not(None))
        .order_by(col(CheckIn.week).desc(), col(Attention.id).desc())
        .limit(FOLLOW_UPS_MAX)
    ).all()
    return [OpenBlocker(attention.id, checkin.id, checkin.week, checkin.blockers, checkin.help_needed)
            for attention, checkin in rows]


def _resolve(session: Session, attention: Attention, now: datetime) -> None:
    attention.state = AttentionState.RESOLVED
    attention.resolved_at = now
    session.add(attention)
    session.flush()


def waiting_for(session: Session, manager: Person, *, now: datetime, default_zone: str) -> list[Waiting]:
    """The alerts a manager has not answered yet, oldest first, with the working days each has waited."""
    rows = session.exec(
        select(Attention, Person, CheckIn)
        .join(Person, Person.id == Attention.person_id)
        .join(CheckIn, CheckIn.id == Attention.checkin_id)
        .where(Attention.manager_id == manager.id, col(Attention.state).in_(WAITING))
        .order_by(Attention.opened_at, Attention.id)
    ).all()
    zone = people.zone_of(manager, default=default_zone)
    return [Waiting(attention, subject, checkin, working_days_between(attention.opened_at, now, zone))
            for attention, subject, checkin in rows]


def working_days_between(start: datetime, end: datetime, zone) -> int:
    """Count the whole working days (Mon-Fri, in `zone`) after `start`'s day and before `end`'s day.

    An alert raised on Friday has waited 0 on Monday, 1 on Tuesday and 2 on Wednesday.
    """
    first = start.astimezone(zone).date() + timedelta(days=1)
    last = end.astimezone(zone).date()
    return _working_days(first, last)


def _working_days(first: date, before: date) -> int:
    days = (before - first).days
    if days <= 0:
        return 0
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    for offset in range(extra):
        if (first + timedelta(days=offset)).weekday() in WORKING_DAYS:
            count += 1
    return count


def escalations_due(session: Session, *, now: datetime, after_days: int, default_zone: str) -> list[Escalation]:
    """Alerts unanswered for their plan's working days (the employee's performance plan's `escalate_after_days`,
    else `after_days`, the setting) in the manager's zone, never escalated, whose manager still manages the
    employee and has a manager of their own (the escalation stays within the chain)."""
    plan_rows = list(session.exec(select(PerformancePlan).order_by(col(PerformancePlan.id))))  # a handful
    shortest = min([after_days, *(plan.escalate_after_days for plan in plan_rows if plan.escalate_after_days)])
    # N working days take at least N calendar days: the cut keeps the scan to alerts old enough for some plan.
    rows = session.exec(
        select(Attention, CheckIn)
        .join(CheckIn, CheckIn.id == Attention.checkin_id)
        .where(col(Attention.state).in_(WAITING), col(Attention.escalated_at).is_(None),
               Attention.opened_at <= now - timedelta(days=shortest))
        .order_by(Attention.opened_at, Attention.id)
    ).all()
    involved = people.by_ids(session, {a.person_id for a, _ in rows} | {a.manager_id for a, _ in rows})
    skips = people.by_ids(session, {m.manager_id for m in involved.values() if m.manager_id})
    due = []
    for attention, checkin in rows:
        subject, manager = involved.get(attention.person_id), involved.get(attention.manager_id)
        if subject is None or manager is None or not subject.active or subject.manager_id != manager.id:
            continue
        skip = skips.get(manager.manager_id) if manager.manager_id else None
        if skip is None or not skip.active or skip.id in (subject.id, manager.id):
            continue
        waited = working_days_between(attention.opened_at, now, people.zone_of(manager, default=default_zone))
        if waited >= plans.escalation_days(plan_rows, subject, default=after_days):
            due.append(Escalation(attention, subject, manager, skip, checkin, waited))
    return due


def still_waiting(session: Session, attention_id: int) -> bool:
    """Answer whether the alert is still unanswered and not escalated (checked again just before sending)."""
    attention = session.get(Attention, attention_id)
    return attention is not None and attention.state in WAITING and attention.escalated_at is None


def mark_escalated(session: Session, *, attention_id: int, to: Person, now: datetime) -> bool:
    """Record the escalation once; False if another run recorded it first."""
    statement = (update(Attention).where(col(Attention.id) == attention_id, col(Attention.escalated_at).is_(None))
                 .values(escalated_at=now, escalated_to_id=to.id).returning(Attention.id))
    return session.execute(statement).first() is not None
