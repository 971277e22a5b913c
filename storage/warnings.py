"""Early warnings on goals: behind pace, confidence falling, a blocker left open; pure rules over stored data.

A goal is flagged when one or more of these hold, each reason carrying its figures:

- pace: its progress ((current - start) / (target - start), below 0 when it went backwards) is more than 25
  points below the share of the time gone between its start (approval, else creation) and its due date, once at
  least 20% of that time has gone (days in the owner's time zone, else the organisation's default);
- confidence: the owner's last three check-ins that gave a confidence fell strictly (4 -> 3 -> 2), or the last
  is 2 or less right after 4 or more;
- blocker: an alert raised in a check-in that reported on the goal (storage.attention) has been unresolved for
  more than two weeks.

`assess` takes goals already loaded and answers for all of them in three queries (the Monday agenda is built
for thousands of managers); `flagged_goals` is one person's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import goals as goal_store
from storage.models import (
    Approval,
    Attention,
    AttentionState,
    CheckIn,
    Goal,
    GoalChange,
    GoalProgress,
    GoalStatus,
    Person,
)
from storage.people import zone_of

PACE = "pace"
CONFIDENCE = "confidence"
BLOCKER = "blocker"
KINDS = (PACE, CONFIDENCE, BLOCKER)

BEHIND_BY = 0.25  # progress this far below the share of time gone is behind pace
PACE_FROM = 0.20  # pace is judged once this share of the time has gone
CONFIDENCE_CHECKINS = 3
LOW_CONFIDENCE, HIGH_CONFIDENCE = 2, 4
BLOCKER_OPEN = timedelta(days=14)
_EPSILON = 1e-9
_IN_CHUNK = 500  # below every driver's bound-parameter limit


@dataclass(frozen=True)
class Reason:
    """Why a goal is flagged: `kind` one of KINDS, with its figures.

    pace: `done` and `elapsed` (whole percents); confidence: `values` (oldest first); blocker: `days` open and
    `week` (the check-in that raised it).
    """

    kind: str
    done: int | None = None
    elapsed: int | None = None
    values: tuple[int, ...] = ()
    days: int | None = None
    week: str | None = None


@dataclass(frozen=True)
class Flag:
    goal: Goal
    reasons: tuple[Reason, ...]


def flagged_goals(session: Session, person: Person, *, now: datetime, default_zone: str = "UTC") -> list[Flag]:
    """The person's own approved, unarchived goals that are flagged, by due date."""
    _require_aware(now)
    query = select(Goal).where(Goal.owner_id == person.id, Goal.approval == Approval.APPROVED,
                               col(Goal.archived_at).is_(None))
    found = assess(session, list(session.exec(query.order_by(Goal.due_date, Goal.id))), now=now,
                   default_zone=default_zone, owners={person.id: person})
    return list(found.values())


def assess(session: Session, goals: Sequence[Goal], *, now: datetime, default_zone: str = "UTC",
           owners: Mapping[int, Person] | None = None) -> dict[int, Flag]:
    """Flag these goals (approved, unarchived ones are judged; others never flag); by goal id, in their order.

    Three queries whatever the number of goals or owners: approval times, the owners' last confidences, and the
    blockers open too long on these goals. Pace counts days in each owner's zone (`default_zone` when unknown):
    `owners` the callers have loaded already, the others read from the session (its identity map first).
    """
    _require_aware(now)
    judged = [goal for goal in goals if goal.approval == Approval.APPROVED and goal.archived_at is None
              and goal.status != GoalStatus.DONE and goal_store.own_progress(goal) < 1 - _EPSILON]
    if not judged:
        return {}
    ids = [goal.id for goal in judged]
    approved = _approved_at(session, ids)
    confidences = _last_confidences(session, {goal.owner_id for goal in judged})
    blockers = _old_blockers(session, ids, now=now)
    zones = {owner_id: zone_of((owners or {}).get(owner_id) or session.get(Person, owner_id), default=default_zone)
             for owner_id in {goal.owner_id for goal in judged}}
    flags: dict[int, Flag] = {}
    for goal in judged:
        reasons = []
        zone = zones[goal.owner_id]
        start = (approved.get(goal.id) or goal.created_at).astimezone(zone).date()
        if (pace := pace_reason(goal, start=start, today=now.astimezone(zone).date())) is not None:
            reasons.append(pace)
        if (falling := confidence_reason(confidences.get(goal.owner_id, ()))) is not None:
            reasons.append(falling)
        if goal.id in blockers:
            opened_at, week = blockers[goal.id]
            reasons.append(Reason(BLOCKER, days=(now - opened_at).days, week=week))
        if reasons:
            flags[goal.id] = Flag(goal, tuple(reasons))
    return flags


def pace_reason(goal: Goal, *, start: date, today: date) -> Reason | None:
    """Behind pace: progress more than BEHIND_BY below the share of time gone, once PACE_FROM of it has gone."""
    span = (goal.due_date - start).days
    if span <= 0:
        return None
    elapsed = min(1.0, max(0.0, (today - start).days / span))
    progress = raw_progress(goal)
    if elapsed + _EPSILON < PACE_FROM or elapsed - progress <= BEHIND_BY + _EPSILON:
        return None
    return Reason(PACE, done=_percent(progress), elapsed=_percent(elapsed))


def confidence_reason(values: Sequence[int]) -> Reason | None:
    """Falling confidence over the last check-ins (oldest first): strictly down over three, or low after high."""
    last = tuple(values[-CONFIDENCE_CHECKINS:])
    falling = len(last) == CONFIDENCE_CHECKINS and all(a > b for a, b in zip(last, last[1:], strict=False))
    dropped = len(last) >= 2 and last[-1] <= LOW_CONFIDENCE and last[-2] >= HIGH_CONFIDENCE
    return Reason(CONFIDENCE, values=last) if falling or dropped else None


def raw_progress(goal: Goal) -> float:
    """(current - start) / (target - start), not clamped: a goal gone backwards is below 0."""
    span = goal.target_value - goal.start_value
    if span == 0:
        return 1.0 if goal.current_value == goal.target_value else 0.0
    return (goal.current_value - goal.start_value) / span


def _percent(share: float) -> int:
    return round(share * 100)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start:start + _IN_CHUNK]


def _approved_at(session: Session, goal_ids: list[int]) -> dict[int, datetime]:
    """When each goal was last approved (its history), for goals that went through approval."""
    found: dict[int, datetime] = {}
    for chunk in _chunks(goal_ids):
        query = (select(GoalChange.goal_id, func.max(GoalChange.at))
                 .where(col(GoalChange.goal_id).in_(chunk), GoalChange.field_name == "approval",
                        GoalChange.new_value == Approval.APPROVED.value)
                 .group_by(GoalChange.goal_id))
        found.update({goal_id: at for goal_id, at in session.exec(query)})
    return found


def _last_confidences(session: Session, owner_ids: set[int]) -> dict[int, tuple[int, ...]]:
    """Each owner's last CONFIDENCE_CHECKINS confidences, oldest first (a window over their check-ins)."""
    found: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(owner_ids):
        newest_first = func.row_number().over(partition_by=CheckIn.person_id,
                                              order_by=(col(CheckIn.week).desc(), col(CheckIn.id).desc()))
        ranked = (select(CheckIn.person_id, CheckIn.week, CheckIn.confidence, newest_first.label("rank"))
                  .where(col(CheckIn.person_id).in_(chunk), col(CheckIn.confidence).is_not(None))
                  .subquery())
        query = (select(ranked.c.person_id, ranked.c.confidence)
                 .where(ranked.c.rank <= CONFIDENCE_CHECKINS)
                 .order_by(ranked.c.person_id, ranked.c.week))
        for person_id, confidence in session.exec(query):
            found[person_id].append(confidence)
    return {person_id: tuple(values) for person_id, values in found.items()}


def _old_blockers(session: Session, goal_ids: list[int], *, now: datetime) -> dict[int, tuple[datetime, str]]:
    """Per goal, the oldest unresolved alert opened more than BLOCKER_OPEN ago by a check-in that reported on it."""
    found: dict[int, tuple[datetime, str]] = {}
    for chunk in _chunks(goal_ids):
        query = (select(GoalProgress.goal_id, Attention.opened_at, CheckIn.week)
                 .join(Attention, Attention.checkin_id == GoalProgress.checkin_id)
                 .join(CheckIn, CheckIn.id == Attention.checkin_id)
                 .where(col(GoalProgress.goal_id).in_(chunk), Attention.state != AttentionState.RESOLVED,
                        Attention.opened_at < now - BLOCKER_OPEN)
                 .order_by(Attention.opened_at, Attention.id))
        for goal_id, opened_at, week in session.exec(query):
            found.setdefault(goal_id, (opened_at, week))
    return found


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")
