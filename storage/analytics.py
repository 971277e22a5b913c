"""The HR digest's figures: is the process happening, in aggregates, naming only the people who need action.

Every figure comes from one of a handful of set-based queries grouped by team, never a query per team or per
person, so the whole organisation's digest stays fast at tens of thousands of people. No query reads what anyone
wrote: blockers are only counted.

Simplifications, on purpose:
- A group's people are its currently *active* people, and a past trend week is measured against today's roster:
  team membership is not versioned, so who was in a team eight weeks ago is not known.
- Goals count for their owner's team, overdue reviews for their author's team (the person who owes them),
  improvement plans for their subject's team; each only while that person is active.
- Company-level goals are left out of goal counts: only individual and team goals, by their owner's team.
- People without a team count only in the organisation totals.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, and_, case, col, func, or_, select

from storage import teams_links
from storage.models import (
    Approval,
    CheckIn,
    Goal,
    GoalLevel,
    GoalStatus,
    ImprovementPlan,
    OneOnOne,
    Person,
    Review,
    ReviewCycle,
    ReviewKind,
    Team,
)
from storage.weeks import shift_week

SMALL_GROUP = 3  # averages over fewer people are not shown: they would point at someone
TREND_WEEKS = 8
STALE_AFTER = timedelta(weeks=3)
ONE_ON_ONE_WITHIN = timedelta(days=14)
NAMES_SHOWN = 20  # per list and group; the count beside it says how many there are in all
ORGANISATION = ""  # the name of the organisation-wide figures
REVIEW_KINDS = (ReviewKind.SELF, ReviewKind.PEER, ReviewKind.MANAGER)
GOAL_LEVELS = (GoalLevel.INDIVIDUAL, GoalLevel.TEAM)

TeamKey = int | None  # None: people without a team
OverduePair = tuple[str, str, int | None]  # manager name, report name, days since the last 1:1 (None: never)


@dataclass(frozen=True)
class WeekPoint:
    week: str
    participation: float | None  # None when fewer than SMALL_GROUP people are expected
    avg_confidence: float | None  # None when fewer than SMALL_GROUP check-ins gave a confidence


@dataclass(frozen=True)
class GroupFigures:
    name: str  # the team's name, or ORGANISATION
    people: int  # active people, all roles, expected to check in
    checked_in: int  # of those, with a check-in for the digest week
    participation: float | None
    avg_confidence: float | None
    trend: list[WeekPoint]  # TREND_WEEKS points, oldest first, ending with the digest week
    open_blockers: int  # digest-week check-ins with non-blank blockers
    goals_at_risk: int
    goals_off_track: int
    stale_goals: int
    missing: list[str]  # the first NAMES_SHOWN names, sorted, of people with no check-in for the digest week
    missing_count: int
    overdue_one_on_ones: list[OverduePair]  # the first NAMES_SHOWN: never held first, then the longest ago
    overdue_one_on_ones_count: int
    overdue_reviews: int
    open_improvement_plans: int


@dataclass(frozen=True)
class Digest:
    week: str
    organisation: GroupFigures
    teams: list[GroupFigures]  # sorted by name
    unreachable: list[str] = field(default_factory=list)  # on Teams without the app installed: nothing reaches them


@dataclass
class _Tally:
    """One group's raw counts as the queries find them, before thresholds and caps."""

    people: int = 0
    checked_in: Counter[str] = field(default_factory=Counter)  # by week
    confidence_sum: Counter[str] = field(default_factory=Counter)
    confidence_count: Counter[str] = field(default_factory=Counter)
    open_blockers: int = 0
    goals_at_risk: int = 0
    goals_off_track: int = 0
    stale_goals: int = 0
    missing: list[str] = field(default_factory=list)
    overdue_one_on_ones: list[OverduePair] = field(default_factory=list)
    overdue_reviews: int = 0
    open_improvement_plans: int = 0

    @classmethod
    def total(cls, tallies: Iterable[_Tally]) -> _Tally:
        """Add groups up: every count is a sum and every list a concatenation, so totals add up exactly."""
        total = cls()
        for tally in tallies:
            for name, value in vars(tally).items():
                summed = getattr(total, name)
                summed += value  # in place for lists and counters: thousands of teams must not copy them over and over
                setattr(total, name, summed)
        return total


def digest(session: Session, *, week: str, now: datetime, team_names: list[str] | None = None) -> Digest:
    """Compute the HR digest for an ISO week, for the whole organisation or only the named teams.

    With `team_names`, the organisation figures total those teams only; names matching no team are ignored.
    """
    weeks = [shift_week(week, offset) for offset in range(1 - TREND_WEEKS, 1)]
    teams = _teams(session, team_names)
    scope = None if team_names is None else list(teams)
    tallies: defaultdict[TeamKey, _Tally] = defaultdict(_Tally)
    _count_people(session, scope, tallies)
    _count_checkins(session, scope, tallies, weeks=weeks)
    _list_missing(session, scope, tallies, week=week)
    _count_goals(session, scope, tallies, now=now)
    _list_overdue_one_on_ones(session, scope, tallies, now=now)
    _count_overdue_reviews(session, scope, tallies, now=now)
    _count_open_improvement_plans(session, scope, tallies)
    ordered = sorted(teams.items(), key=lambda item: item[1])
    return Digest(
        week=week,
        organisation=_figures(ORGANISATION, _Tally.total(tallies.values()), weeks),
        teams=[_figures(name, tallies.get(team_id, _Tally()), weeks) for team_id, name in ordered],
        unreachable=[person.name for person in teams_links.unreachable(session)],
    )


def _teams(session: Session, team_names: list[str] | None) -> dict[int, str]:
    """Return the names of the teams in the digest by id: all of them, or those named."""
    statement = select(Team.id, Team.name)
    if team_names is not None:
        statement = statement.where(col(Team.name).in_(team_names))
    return dict(session.exec(statement).all())


def _members(person: Any, scope: list[int] | None) -> list[Any]:
    """Return the conditions for a person (or an alias) to be one of the people counted.

    `scope` is the team ids to count, or None for the whole organisation, people without a team included.
    """
    conditions = [col(person.active).is_(True)]
    if scope is not None:
        conditions.append(col(person.team_id).in_(scope))
    return conditions


def _count_people(session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally]) -> None:
    """Count the people expected to check in, per team."""
    statement = select(Person.team_id, func.count()).where(*_members(Person, scope)).group_by(col(Person.team_id))
    for team_id, people in session.exec(statement):
        tallies[team_id].people = people


def _count_checkins(
    session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally], *, weeks: list[str]
) -> None:
    """Count check-ins, confidences and open blockers per team and week, for all the trend's weeks at once."""
    week = weeks[-1]
    # Blockers are counted in SQL, never fetched: the digest must not carry anyone's words. Blank is NULL or
    # spaces: record() stores NULL, but an import or an older writer may not.
    blocker = case((and_(col(CheckIn.week) == week, func.trim(col(CheckIn.blockers)) != ""), 1), else_=0)
    statement = (
        select(
            Person.team_id,
            CheckIn.week,
            func.count(),
            func.count(col(CheckIn.confidence)),
            func.coalesce(func.sum(col(CheckIn.confidence)), 0),
            func.sum(blocker),
        )
        .join(Person, col(Person.id) == col(CheckIn.person_id))
        .where(col(CheckIn.week).in_(weeks), *_members(Person, scope))
        .group_by(col(Person.team_id), col(CheckIn.week))
    )
    for team_id, checkin_week, checked_in, confidences, confidence_sum, blockers in session.exec(statement):
        tally = tallies[team_id]
        tally.checked_in[checkin_week] = checked_in
        tally.confidence_count[checkin_week] = confidences
        tally.confidence_sum[checkin_week] = confidence_sum
        tally.open_blockers += blockers


def _list_missing(
    session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally], *, week: str
) -> None:
    """List the names of the people with no check-in for the week, per team."""
    checked_in = select(CheckIn.id).where(col(CheckIn.person_id) == col(Person.id), col(CheckIn.week) == week)
    statement = select(Person.team_id, Person.name).where(*_members(Person, scope), ~checked_in.exists())
    for team_id, name in session.exec(statement):
        tallies[team_id].missing.append(name)


def _count_goals(
    session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally], *, now: datetime
) -> None:
    """Count approved, live goals at risk, off track and stale, per owner's team."""
    last_progress = func.coalesce(col(Goal.progress_updated_at), col(Goal.created_at))
    stale = and_(col(Goal.status) != GoalStatus.DONE, last_progress < now - STALE_AFTER)
    statement = (
        select(
            Person.team_id,
            _count_where(col(Goal.status) == GoalStatus.AT_RISK),
            _count_where(col(Goal.status) == GoalStatus.OFF_TRACK),
            _count_where(stale),
        )
        .join(Person, col(Person.id) == col(Goal.owner_id))
        .where(
            col(Goal.approval) == Approval.APPROVED,
            col(Goal.archived_at).is_(None),
            col(Goal.level).in_(GOAL_LEVELS),
            *_members(Person, scope),
        )
        .group_by(col(Person.team_id))
    )
    for team_id, at_risk, off_track, stale_goals in session.exec(statement):
        tally = tallies[team_id]
        tally.goals_at_risk, tally.goals_off_track, tally.stale_goals = at_risk, off_track, stale_goals


def _list_overdue_one_on_ones(
    session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally], *, now: datetime
) -> None:
    """List active manager/report pairs whose last 1:1 is older than ONE_ON_ONE_WITHIN, or who never had one."""
    report, manager = aliased(Person), aliased(Person)
    last = func.max(col(OneOnOne.held_at))
    statement = (
        select(report.team_id, manager.name, report.name, last)
        .select_from(report)
        .join(manager, col(manager.id) == col(report.manager_id))
        .outerjoin(OneOnOne, and_(col(OneOnOne.report_id) == report.id, col(OneOnOne.manager_id) == manager.id))
        .where(*_members(report, scope), col(manager.active).is_(True))
        .group_by(report.id, report.team_id, report.name, manager.id, manager.name)
        .having(or_(last.is_(None), last < now - ONE_ON_ONE_WITHIN))
    )
    for team_id, manager_name, report_name, held_at in session.exec(statement):
        days = None if held_at is None else (now - held_at).days
        tallies[team_id].overdue_one_on_ones.append((manager_name, report_name, days))


def _count_overdue_reviews(
    session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally], *, now: datetime
) -> None:
    """Count requested self, peer and manager reviews past due in open cycles, per author's team."""
    # A review without its own due date is due when its cycle says reviews of its kind are.
    due = func.coalesce(
        col(Review.due_date),
        case(
            (col(Review.kind) == ReviewKind.SELF, col(ReviewCycle.self_due)),
            (col(Review.kind) == ReviewKind.PEER, col(ReviewCycle.peer_due)),
            else_=col(ReviewCycle.manager_due),
        ),
    )
    statement = (
        select(Person.team_id, func.count())
        .select_from(Review)
        .join(ReviewCycle, col(ReviewCycle.id) == col(Review.cycle_id))
        .join(Person, col(Person.id) == col(Review.author_id))
        .where(
            col(Review.kind).in_(REVIEW_KINDS),
            col(Review.state) == "requested",
            col(ReviewCycle.state) == "open",
            due < now.astimezone(UTC).date(),
            *_members(Person, scope),
        )
        .group_by(col(Person.team_id))
    )
    for team_id, overdue in session.exec(statement):
        tallies[team_id].overdue_reviews = overdue


def _count_open_improvement_plans(
    session: Session, scope: list[int] | None, tallies: defaultdict[TeamKey, _Tally]
) -> None:
    """Count open improvement plans, per subject's team."""
    statement = (
        select(Person.team_id, func.count())
        .select_from(ImprovementPlan)
        .join(Person, col(Person.id) == col(ImprovementPlan.person_id))
        .where(col(ImprovementPlan.state) == "open", *_members(Person, scope))
        .group_by(col(Person.team_id))
    )
    for team_id, plans in session.exec(statement):
        tallies[team_id].open_improvement_plans = plans


def _count_where(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _figures(name: str, tally: _Tally, weeks: list[str]) -> GroupFigures:
    """Turn a group's counts into what HR sees: shares and averages only over large enough groups, lists capped."""
    trend = [
        WeekPoint(
            week=week,
            participation=_share(tally.checked_in[week], tally.people),
            avg_confidence=_average(tally.confidence_sum[week], tally.confidence_count[week]),
        )
        for week in weeks
    ]
    return GroupFigures(
        name=name,
        people=tally.people,
        checked_in=tally.checked_in[weeks[-1]],
        participation=trend[-1].participation,
        avg_confidence=trend[-1].avg_confidence,
        trend=trend,
        open_blockers=tally.open_blockers,
        goals_at_risk=tally.goals_at_risk,
        goals_off_track=tally.goals_off_track,
        stale_goals=tally.stale_goals,
        missing=heapq.nsmallest(NAMES_SHOWN, tally.missing),
        missing_count=len(tally.missing),
        overdue_one_on_ones=heapq.nsmallest(NAMES_SHOWN, tally.overdue_one_on_ones, key=_most_overdue_first),
        overdue_one_on_ones_count=len(tally.overdue_one_on_ones),
        overdue_reviews=tally.overdue_reviews,
        open_improvement_plans=tally.open_improvement_plans,
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole >= SMALL_GROUP else None


def _average(total: int, count: int) -> float | None:
    return total / count if count >= SMALL_GROUP else None


def _most_overdue_first(pair: OverduePair) -> tuple[bool, int, str, str]:
    manager_name, report_name, days = pair
    return days is not None, -(days or 0), manager_name, report_name
