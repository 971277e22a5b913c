"""The HR digest's figures: is the process happening, in aggregates, naming only the people who need action.

Every figure comes from one of a handful of set-based queries grouped by team, never a query per team or per
person, so the whole organisation's digest stays fast at tens of thousands of people. No query reads what anyone
wrote: blockers are only counted. Rows come back as plain tuples (Core, not the ORM), and the name lists are
sorted once for the whole organisation, so the Python left is a pass over a few tens of thousands of rows.

Simplifications, on purpose:
- A group's people are its currently *active* people, and a past trend week is measured against today's roster:
  team membership is not versioned, so who was in a team eight weeks ago is not known.
- Goals count for their owner's team, overdue reviews for their author's team (the person who owes them),
  improvement plans for their subject's team; each only while that person is active.
- Company-level goals are left out of goal counts: only individual and team goals, by their owner's team.
- People without a team count only in the organisation totals.
- A check-in counts as reviewed when its person has weekly feedback on record for its week, from their manager
  (or HR): the review form and its one-tap acknowledgement both record one.
- Time to answer a blocker is plain elapsed hours from the alert to the answer, nights and weekends included:
  the same for every team whatever its time zones, and what the employee lived through. It is the median over
  the alerts answered in the last ANSWER_WINDOW.
"""

from __future__ import annotations

import gc
import statistics
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import chain
from operator import attrgetter, methodcaller
from typing import Any

from sqlalchemy import Engine, Integer, Select, cast, literal
from sqlalchemy.orm import aliased
from sqlmodel import Session, and_, case, col, func, or_, select

from storage import teams_links
from storage.models import (
    Approval,
    Attention,
    AttentionState,
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
    TeamWeekStats,
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
ANSWER_WINDOW = timedelta(weeks=4)  # the answers the median time to answer is taken over
LONGEST_WAITING = 3  # blockers waiting longest for an answer, across the organisation
WAITING = (AttentionState.OPEN, AttentionState.SEEN)  # the manager still owes an answer

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
    reviewed: int = 0  # of the digest week's check-ins, those with the manager's weekly feedback
    reviewed_share: float | None = None  # None when fewer than SMALL_GROUP people checked in
    answered: int = 0  # blocker alerts answered in the last ANSWER_WINDOW
    answer_hours: float | None = None  # their median hours from alert to answer; None under SMALL_GROUP answers
    waiting: int = 0  # blocker alerts still waiting for the manager's answer
    waiting_days: int | None = None  # how many days the oldest of them has waited; None when none waits


@dataclass(frozen=True)
class WaitingBlocker:
    """A blocker alert still waiting for the manager's answer: where, how long, and whose (for HR's DM only)."""

    team: str  # the team's name, or ORGANISATION for someone without a team
    days: int  # whole days since the alert
    manager: str
    person: str


@dataclass(frozen=True)
class Digest:
    week: str
    organisation: GroupFigures
    teams: list[GroupFigures]  # sorted by name
    unreachable: list[str] = field(default_factory=list)  # on Teams without the app installed: nothing reaches them
    longest_waiting: list[WaitingBlocker] = field(default_factory=list)  # the LONGEST_WAITING oldest, oldest first


WeekCounts = tuple[int, int, int]  # check-ins, confidences given, their sum
NO_CHECKINS: WeekCounts = (0, 0, 0)


@dataclass
class _Tally:
    """One group's raw counts as the queries find them, before thresholds and caps."""

    people: int = 0
    weeks: dict[str, WeekCounts] = field(default_factory=dict)
    open_blockers: int = 0
    goals_at_risk: int = 0
    goals_off_track: int = 0
    stale_goals: int = 0
    missing: list[str] = field(default_factory=list)  # in the order shown
    overdue_one_on_ones: list[OverduePair] = field(default_factory=list)  # in the order shown
    overdue_reviews: int = 0
    open_improvement_plans: int = 0
    reviewed: int = 0
    answer_hours: list[float] | tuple[()] = ()  # no list made for the thousands of teams without an answer
    waiting: int = 0
    oldest_waiting: Any = None  # the oldest waiting alert's time, as the driver returns it


NO_TALLY = _Tally()  # a team nobody counted in: read, never written


class _Tallies:
    """Every group's tally, and the organisation's lists whole: each group's list is its share of them, in order."""

    def __init__(self) -> None:
        self.groups: defaultdict[TeamKey, _Tally] = defaultdict(_Tally)
        self.missing: list[str] = []
        self.overdue_one_on_ones: list[OverduePair] = []

    def organisation(self, weeks: list[str]) -> _Tally:
        """Add the groups up: every count is a sum, so the totals agree with the teams exactly.

        Summed with map, attrgetter and zip rather than generators: at 5,000 teams the Python-level loops took
        longer than the queries they add up.
        """
        groups = list(self.groups.values())

        def total(name: str) -> int:
            return sum(map(attrgetter(name), groups))

        week_counts = list(map(attrgetter("weeks"), groups))
        return _Tally(
            people=total("people"),
            weeks={week: _add_up(map(methodcaller("get", week, NO_CHECKINS), week_counts)) for week in weeks},
            open_blockers=total("open_blockers"),
            goals_at_risk=total("goals_at_risk"),
            goals_off_track=total("goals_off_track"),
            stale_goals=total("stale_goals"),
            missing=self.missing,
            overdue_one_on_ones=self.overdue_one_on_ones,
            overdue_reviews=total("overdue_reviews"),
            open_improvement_plans=total("open_improvement_plans"),
            reviewed=total("reviewed"),
            answer_hours=list(chain.from_iterable(map(attrgetter("answer_hours"), groups))),
            waiting=total("waiting"),
            oldest_waiting=min(filter(None, map(attrgetter("oldest_waiting"), groups)), default=None),
        )


def _add_up(counts: Iterable[WeekCounts]) -> WeekCounts:
    columns = list(zip(*counts, strict=True))  # check-ins, confidences, sums: each summed in one call
    return (sum(columns[0]), sum(columns[1]), sum(columns[2])) if columns else NO_CHECKINS


def digest(
    session: Session, *, week: str, now: datetime, team_names: list[str] | None = None, from_rollup: bool = True,
    connections: int = 1,
) -> Digest:
    """Compute the HR digest for an ISO week, for the whole organisation or only the named teams.

    With `team_names`, the organisation figures total those teams only; names matching no team are ignored.
    The trend and the blockers come from team_week_stats, which the database keeps; `from_rollup=False` counts
    them from the check-ins themselves instead, for the same figures (the tests compare the two).
    `connections` above 1 reads on that many connections at once (`_side_by_side`): only from a session that has
    written nothing uncommitted, since the other connections see what is committed.
    """
    with _collector_paused():
        return _digest(session, week=week, now=now, team_names=team_names, from_rollup=from_rollup,
                       connections=connections)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the digest runs, if it was running, and resume it after.

    The digest makes no reference cycles, but the hundred thousand rows, tuples and figures it keeps set off full
    collections, each walking every object the process holds: over a tenth of the digest's time in the benchmark,
    more in `serve`, which holds more. Nothing is lost: what another thread leaves meanwhile is collected after.
    """
    if not gc.isenabled():  # paused already (by a digest in another thread): that one resumes it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _digest(session: Session, *, week: str, now: datetime, team_names: list[str] | None, from_rollup: bool,
            connections: int) -> Digest:
    weeks = [shift_week(week, offset) for offset in range(1 - TREND_WEEKS, 1)]
    _tune(session)
    teams = _teams(session, team_names)
    scope = None if team_names is None else list(teams)
    tallies = _Tallies()
    if from_rollup:
        trend = [partial(_read_rollup, weeks=weeks)]
    else:
        trend = [partial(_count_checkins, weeks=weeks), partial(_count_open_blockers, week=week)]
    # The slowest first, so the two connections finish together.
    _side_by_side(session, scope, tallies, connections, [
        partial(_list_overdue_one_on_ones, now=now), partial(_count_goals, now=now), *trend,
        partial(_count_reviewed, week=week), partial(_time_answers, now=now), partial(_count_overdue_reviews, now=now),
        partial(_list_missing, week=week), _count_waiting, _count_people, _count_open_improvement_plans,
    ])
    ordered = sorted(teams.items(), key=lambda item: item[1])
    points: dict[tuple, WeekPoint] = {}
    days_since = _days_since(now)
    return Digest(
        week=week,
        organisation=_figures(ORGANISATION, tallies.organisation(weeks), weeks, points, days_since),
        teams=[_figures(name, tallies.groups.get(team_id, NO_TALLY), weeks, points, days_since)
               for team_id, name in ordered],
        unreachable=[person.name for person in teams_links.unreachable(session)],
        longest_waiting=_longest_waiting(session, scope, teams, days_since),
    )


def _rows(session: Session, statement: Select) -> list[tuple]:
    """Run a query in the session's transaction and return its rows as the database driver hands them back.

    SQLAlchemy compiles the query and binds its parameters (so they go through the columns' types), but the rows
    skip its result processing: for the tens of thousands of counts and names the digest reads, a Row each costs
    more than the query. The values are the driver's own: SQLite gives datetimes as naive UTC text.
    While the database works, the other connection's collector may tally its rows (`_side_by_side`).
    """
    tallying = session.info.get(_TALLYING)
    if tallying is not None:
        tallying.release()
    try:
        result = session.connection().execute(statement)
        try:
            return result.cursor.fetchall()
        finally:
            result.close()
    finally:
        if tallying is not None:
            tallying.acquire()


def _tune(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        # For this transaction only. Compiling a query to machine code takes PostgreSQL tens of milliseconds a
        # query (it does so above a cost every query here reaches), more than it saves on queries that run in a
        # few tens; and the default 4 MB makes it group 80,000 goals on disk.
        session.connection().exec_driver_sql("SET LOCAL jit = off")
        session.connection().exec_driver_sql("SET LOCAL work_mem = '64MB'")


_TALLYING = "digest_tallying"  # session.info: the lock a collector holds except while its query runs
DIGEST_CONNECTIONS = 2  # what the digest job reads on: both cores of a 2-core database or process


def _side_by_side(session: Session, scope: list[int] | None, tallies: _Tallies, connections: int,
                  collectors: list[Callable[..., None]]) -> None:
    """Run the collectors on `connections` connections at once (the session's and others), each taking the next.

    The queries are independent reads, so while one connection's query runs (in PostgreSQL's server process, or in
    SQLite's engine, which lets go of Python's lock) the other's can run or its rows be tallied: the digest uses both
    cores of a 2-core machine instead of waiting in turn. The tallying itself takes turns on one lock, so the
    collectors stay as they were written. Each statement reads its own snapshot, as each already did under
    PostgreSQL's READ COMMITTED.
    """
    bind = session.get_bind()
    if connections < 2 or not isinstance(bind, Engine):  # one connection: one after the other
        for collect in collectors:
            collect(session, scope, tallies)
        return
    waiting = list(collectors)
    tallying = threading.Lock()

    def work(on: Session) -> None:
        on.info[_TALLYING] = tallying
        try:
            with tallying:
                while waiting:
                    waiting.pop(0)(on, scope, tallies)
        finally:
            del on.info[_TALLYING]

    def beside() -> None:
        with Session(bind) as side:
            _tune(side)
            work(side)

    with ThreadPoolExecutor(connections - 1, thread_name_prefix="digest") as pool:
        helpers = [pool.submit(beside) for _ in range(connections - 1)]
        work(session)
        for helper in helpers:
            helper.result()


def _teams(session: Session, team_names: list[str] | None) -> dict[int, str]:
    """Return the names of the teams in the digest by id: all of them, or those named."""
    statement = select(Team.id, Team.name)
    if team_names is not None:
        statement = statement.where(col(Team.name).in_(team_names))
    return dict(_rows(session, statement))


def _members(person: Any, scope: list[int] | None) -> list[Any]:
    """Return the conditions for a person (or an alias) to be one of the people counted.

    `scope` is the team ids to count, or None for the whole organisation, people without a team included.
    """
    conditions = [col(person.active).is_(True)]
    if scope is not None:
        conditions.append(col(person.team_id).in_(scope))
    return conditions


def _count_people(session: Session, scope: list[int] | None, tallies: _Tallies) -> None:
    """Count the people expected to check in, per team."""
    statement = select(Person.team_id, func.count()).where(*_members(Person, scope)).group_by(col(Person.team_id))
    for team_id, people in _rows(session, statement):
        tallies.groups[team_id].people = people


def _read_rollup(session: Session, scope: list[int] | None, tallies: _Tallies, *, weeks: list[str]) -> None:
    """Read check-ins, confidences and blockers per team and week from team_week_stats: 8 x teams rows.

    The rows count the check-ins of each team's active people as _count_checkins and _count_open_blockers do;
    the database's triggers keep them so (migration 0007). Team 0 is people without a team.
    """
    statement = select(
        TeamWeekStats.team_id, TeamWeekStats.week, TeamWeekStats.checked_in, TeamWeekStats.confidences,
        TeamWeekStats.confidence_sum, TeamWeekStats.blockers,
    ).where(col(TeamWeekStats.week).in_(weeks))
    if scope is not None:
        statement = statement.where(col(TeamWeekStats.team_id).in_(scope))
    groups, week = tallies.groups, weeks[-1]
    for team_id, checkin_week, checked_in, confidences, confidence_sum, blockers in _rows(session, statement):
        if checked_in:  # a row every check-in has left (moved, deleted) counts nothing, as no row
            tally = groups[team_id or None]
            tally.weeks[checkin_week] = (checked_in, confidences, confidence_sum)
            if checkin_week == week:
                tally.open_blockers = blockers


def _count_checkins(session: Session, scope: list[int] | None, tallies: _Tallies, *, weeks: list[str]) -> None:
    """Count check-ins and confidences per team and week, for all the trend's weeks at once.

    This is most of the digest's time: 380,000 check-ins at 50,000 people. Blockers are counted apart, over the
    digest week only, so this query compares no text.
    """
    statement = (
        select(
            Person.team_id,
            CheckIn.week,
            func.count(),
            func.count(col(CheckIn.confidence)),
            func.coalesce(func.sum(col(CheckIn.confidence)), 0),
        )
        .select_from(CheckIn)
        .join(Person, col(Person.id) == col(CheckIn.person_id))
        .where(col(CheckIn.week).in_(weeks), *_members(Person, scope))
        .group_by(col(Person.team_id), col(CheckIn.week))
    )
    groups = tallies.groups
    for team_id, checkin_week, checked_in, confidences, confidence_sum in _rows(session, statement):
        groups[team_id].weeks[checkin_week] = (checked_in, confidences, confidence_sum)


def _count_open_blockers(session: Session, scope: list[int] | None, tallies: _Tallies, *, week: str) -> None:
    """Count the week's check-ins with blockers, per team."""
    # Blockers are counted in SQL, never fetched: the digest must not carry anyone's words. Blank is NULL or
    # spaces: record() stores NULL, but an import or an older writer may not.
    statement = (
        select(Person.team_id, func.count())
        .select_from(CheckIn)
        .join(Person, col(Person.id) == col(CheckIn.person_id))
        .where(col(CheckIn.week) == week, func.trim(col(CheckIn.blockers)) != "", *_members(Person, scope))
        .group_by(col(Person.team_id))
    )
    for team_id, blockers in _rows(session, statement):
        tallies.groups[team_id].open_blockers = blockers


def _list_missing(session: Session, scope: list[int] | None, tallies: _Tallies, *, week: str) -> None:
    """List the names of the people with no check-in for the week, per team and for the organisation, sorted.

    The week's check-ins are read once, by checkin's index on week, and each person is looked up in them (SQLite
    builds a temporary index of the 47,000 ids, PostgreSQL hashes them, within the work_mem set above): faster
    than a probe per person into the unique index of every check-in ever, or sorting the week's to merge them.
    """
    checked_in = select(CheckIn.person_id).where(col(CheckIn.week) == week)
    statement = select(Person.team_id, Person.name).where(*_members(Person, scope), col(Person.id).not_in(checked_in))
    # Sorted here, in Python, so the order is the same on every database whatever its collation.
    missing = sorted(_rows(session, statement), key=lambda row: row[1])
    groups = tallies.groups
    for team_id, name in missing:
        groups[team_id].missing.append(name)
    tallies.missing = [name for _team_id, name in missing]


def _count_goals(session: Session, scope: list[int] | None, tallies: _Tallies, *, now: datetime) -> None:
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
            _read_through(session, col(Goal.level)).in_(GOAL_LEVELS),
            *_members(Person, scope),
        )
        .group_by(col(Person.team_id))
    )
    for team_id, at_risk, off_track, stale_goals in _rows(session, statement):
        tally = tallies.groups[team_id]
        tally.goals_at_risk, tally.goals_off_track, tally.stale_goals = at_risk, off_track, stale_goals


def _list_overdue_one_on_ones(session: Session, scope: list[int] | None, tallies: _Tallies, *, now: datetime) -> None:
    """List active manager/report pairs whose last 1:1 is older than ONE_ON_ONE_WITHIN, or who never had one.

    Per pair, one probe of the index on oneonone (report_id, manager_id, held_at) says whether a recent 1:1
    exists, and only for the pairs without one a second probe finds the last: no 1:1 is read in bulk. The
    managers' names are read once, a tenth as many rows: joining every report to their manager's row cost more.
    """
    managers = dict(_rows(session, select(Person.id, Person.name).where(
        col(Person.active).is_(True), col(Person.id).in_(select(Person.manager_id))
    )))
    report = aliased(Person)
    pair = and_(col(OneOnOne.report_id) == report.id, col(OneOnOne.manager_id) == report.manager_id)
    recent = select(OneOnOne.id).where(pair, col(OneOnOne.held_at) >= now - ONE_ON_ONE_WITHIN)
    last = select(func.max(col(OneOnOne.held_at))).where(pair).scalar_subquery()
    days_ago, to_days = _days_ago(session, last, now)
    statement = select(report.team_id, report.manager_id, report.name, days_ago).where(
        *_members(report, scope), col(report.manager_id).is_not(None), ~recent.exists()
    )
    overdue = []
    for index, (team_id, manager_id, report_name, held) in enumerate(_rows(session, statement)):
        manager_name = managers.get(manager_id)
        if manager_name is None:  # an inactive manager: the pair is not counted
            continue
        days = to_days(held)
        # Never held first, then the longest ago, then by names, then in the database's order: as HR reads them.
        overdue.append((days is not None, -(days or 0), manager_name, report_name, index, team_id, days))
    overdue.sort()  # the index settles every tie, so no team id is compared and no key made
    groups = tallies.groups
    pairs = tallies.overdue_one_on_ones
    for _held, _longest, manager_name, report_name, _index, team_id, days in overdue:
        overdue_pair = (manager_name, report_name, days)
        groups[team_id].overdue_one_on_ones.append(overdue_pair)
        pairs.append(overdue_pair)


def _days_ago(session: Session, moment: Any, now: datetime) -> tuple[Any, Callable[[Any], int | None]]:
    """Return what to select for the whole days from a past `moment` to `now`, and what turns its value into them.

    PostgreSQL counts them: a timestamptz difference is whole days and the time left over, for a past moment the
    days Python's timedelta gives, and 28,000 integers cost its client half what timestamps do. SQLite cannot
    exactly (julianday rounds to the millisecond): it hands back the moment's text, counted in Python.
    """
    if session.connection().dialect.name == "postgresql":
        return cast(func.extract("day", literal(now, moment.type) - moment), Integer), _as_is
    return moment, _days_since(now)


def _as_is(value: Any) -> Any:
    return value


def _days_since(now: datetime) -> Callable[[Any], int | None]:
    """Return a function giving the whole days from a 1:1's time, as the driver returns it, to `now`."""
    naive_now = now.astimezone(UTC).replace(tzinfo=None)

    def days_since(held_at: Any) -> int | None:
        if held_at is None:
            return None
        if isinstance(held_at, str):  # SQLite: naive UTC text
            held_at = datetime.fromisoformat(held_at)
        return ((naive_now if held_at.tzinfo is None else now) - held_at).days

    return days_since


def _count_overdue_reviews(session: Session, scope: list[int] | None, tallies: _Tallies, *, now: datetime) -> None:
    """Count requested self, peer and manager reviews past due in open cycles, per author's team.

    Started from the open cycles (a few): each one's requested reviews are read from review's index on (cycle_id,
    state, kind, due_date, author_id) alone, never the weekly feedback that makes up most of the table.
    """
    today = now.astimezone(UTC).date()
    cycles = session.exec(
        select(ReviewCycle.id, ReviewCycle.self_due, ReviewCycle.peer_due, ReviewCycle.manager_due)
        .where(col(ReviewCycle.state) == "open")
    ).all()
    for cycle_id, *dues in cycles:
        # A review without its own due date is due when its cycle says reviews of its kind are.
        late_kinds = [kind for kind, due in zip(REVIEW_KINDS, dues, strict=True) if due < today]
        due_date = col(Review.due_date)
        past_due = or_(due_date < today, and_(due_date.is_(None), col(Review.kind).in_(late_kinds)))
        statement = (
            select(Person.team_id, func.count())
            .select_from(Review)
            .join(Person, col(Person.id) == col(Review.author_id))
            .where(
                col(Review.cycle_id) == cycle_id,
                col(Review.state) == "requested",
                col(Review.kind).in_(REVIEW_KINDS),
                past_due,
                *_members(Person, scope),
            )
            .group_by(col(Person.team_id))
        )
        for team_id, overdue in _rows(session, statement):
            tallies.groups[team_id].overdue_reviews += overdue


def _count_open_improvement_plans(session: Session, scope: list[int] | None, tallies: _Tallies) -> None:
    """Count open improvement plans, per subject's team."""
    statement = (
        select(Person.team_id, func.count())
        .select_from(ImprovementPlan)
        .join(Person, col(Person.id) == col(ImprovementPlan.person_id))
        .where(col(ImprovementPlan.state) == "open", *_members(Person, scope))
        .group_by(col(Person.team_id))
    )
    for team_id, plans in _rows(session, statement):
        tallies.groups[team_id].open_improvement_plans = plans


def _count_reviewed(session: Session, scope: list[int] | None, tallies: _Tallies, *, week: str) -> None:
    """Count the week's check-ins whose person has weekly feedback on record for that week, per team.

    Read from the week's feedback (review's index on period, subject_id), each joined to its check-in by the
    unique (person_id, week): the work is the week's feedback, not every check-in.
    """
    statement = (
        select(Person.team_id, func.count(func.distinct(col(Review.subject_id))))
        .select_from(Review)
        .join(CheckIn, and_(col(CheckIn.person_id) == col(Review.subject_id), col(CheckIn.week) == week))
        .join(Person, col(Person.id) == col(Review.subject_id))
        .where(
            col(Review.period) == week,
            # SQLite would otherwise take the index on kind: every feedback ever given.
            _read_through(session, col(Review.kind)) == ReviewKind.WEEKLY_FEEDBACK,
            col(Review.state) == "submitted",
            *_members(Person, scope),
        )
        .group_by(col(Person.team_id))
    )
    for team_id, reviewed in _rows(session, statement):
        tallies.groups[team_id].reviewed = reviewed


def _time_answers(session: Session, scope: list[int] | None, tallies: _Tallies, *, now: datetime) -> None:
    """Collect the hours each blocker alert answered in the last ANSWER_WINDOW waited, per employee's team.

    One row per answer (a few per team and month, by attention's index on answered_at), so the medians are taken
    in Python, the same on both databases.
    """
    opened, answered = col(Attention.opened_at), col(Attention.answered_at)
    if session.connection().dialect.name == "postgresql":
        hours = func.extract("epoch", answered - opened) / 3600
    else:  # SQLite stores UTC text, which julianday reads
        hours = (func.julianday(answered) - func.julianday(opened)) * 24
    statement = (
        select(Person.team_id, hours)
        .select_from(Attention)
        .join(Person, col(Person.id) == _alerted(session))
        .where(answered >= now - ANSWER_WINDOW, answered <= now, *_members(Person, scope))
    )
    hours: defaultdict[TeamKey, list[float]] = defaultdict(list)
    for team_id, waited in _rows(session, statement):
        hours[team_id].append(max(float(waited), 0.0))
    for team_id, waits in hours.items():
        tallies.groups[team_id].answer_hours = waits


def _count_waiting(session: Session, scope: list[int] | None, tallies: _Tallies) -> None:
    """Count the blocker alerts still waiting for the manager's answer and find the oldest, per employee's team."""
    statement = (
        select(Person.team_id, func.count(), func.min(col(Attention.opened_at)))
        .select_from(Attention)
        .join(Person, col(Person.id) == _alerted(session))
        .where(col(Attention.state).in_(WAITING), *_members(Person, scope))
        .group_by(col(Person.team_id))
    )
    for team_id, waiting, oldest in _rows(session, statement):
        tally = tallies.groups[team_id]
        tally.waiting, tally.oldest_waiting = waiting, oldest


def _longest_waiting(
    session: Session, scope: list[int] | None, teams: dict[int, str], days_since: Callable[[Any], int | None]
) -> list[WaitingBlocker]:
    """Return the LONGEST_WAITING blocker alerts waiting longest for an answer across the digest, oldest first.

    The oldest of each waiting state walk attention's index on (state, opened_at) and stop at LONGEST_WAITING; the
    two short lists are merged here, so no database sorts every waiting alert.
    """
    subject, manager = aliased(Person), aliased(Person)
    oldest = []
    for state in WAITING:
        statement = (
            select(Attention.opened_at, Attention.id, subject.team_id, manager.name, subject.name)
            .select_from(Attention)
            .join(subject, col(subject.id) == _alerted(session))
            .join(manager, col(manager.id) == col(Attention.manager_id))
            .where(col(Attention.state) == state, *_members(subject, scope))
            .order_by(col(Attention.opened_at), col(Attention.id))
            .limit(LONGEST_WAITING)
        )
        oldest += _rows(session, statement)
    oldest.sort(key=lambda row: (_moment(row[0]), row[1]))
    return [WaitingBlocker(team=teams.get(team_id, ORGANISATION), days=days_since(opened_at) or 0,
                           manager=manager_name, person=person_name)
            for opened_at, _id, team_id, manager_name, person_name in oldest[:LONGEST_WAITING]]


def _alerted(session: Session) -> Any:
    """Return the alerted employee's id as an expression SQLite finds in no index, so it reads attention first.

    Otherwise SQLite walks every person and probes attention's index on person_id for each, however few alerts
    the filter keeps. PostgreSQL gets the column itself and chooses well.
    """
    column = col(Attention.person_id)
    return column if session.connection().dialect.name == "postgresql" else column + 0


def _moment(value: Any) -> datetime:
    """Return a time as the driver handed it back (SQLite: naive UTC text) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _read_through(session: Session, column: Any) -> Any:
    """Return the column as an expression no index answers on SQLite, so the table is read straight through.

    For a filter that keeps nearly every row (goal levels): SQLite would otherwise walk the column's index and
    look each row up in the table, which takes twice as long as reading the table.
    PostgreSQL gets the column itself: it would not take the index, and the expression hides from it how many
    rows the filter keeps (it then expects 800 goals of 80,000 and sorts them on disk).
    """
    return column if session.connection().dialect.name == "postgresql" else column.concat("")


def _count_where(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _figures(
    name: str, tally: _Tally, weeks: list[str], points: dict[tuple, WeekPoint], days_since: Callable[[Any], int | None]
) -> GroupFigures:
    """Turn a group's counts into what HR sees: shares and averages only over large enough groups, lists capped.

    `points` holds the trend points made so far by their counts: teams of about the same size have the same few
    hundred, so most of the 40,000 points of a large organisation are shared (they are frozen) instead of made.
    """
    people, counts = tally.people, [tally.weeks.get(week, NO_CHECKINS) for week in weeks]
    trend = []
    for week, week_counts in zip(weeks, counts, strict=True):
        point = points.get((week, people, week_counts))
        if point is None:
            checked_in, confidences, total = week_counts
            point = points[week, people, week_counts] = WeekPoint(
                week=week, participation=_share(checked_in, people), avg_confidence=_average(total, confidences)
            )
        trend.append(point)
    return GroupFigures(
        name=name,
        people=people,
        checked_in=counts[-1][0],
        participation=trend[-1].participation,
        avg_confidence=trend[-1].avg_confidence,
        trend=trend,
        open_blockers=tally.open_blockers,
        goals_at_risk=tally.goals_at_risk,
        goals_off_track=tally.goals_off_track,
        stale_goals=tally.stale_goals,
        missing=tally.missing[:NAMES_SHOWN],
        missing_count=len(tally.missing),
        overdue_one_on_ones=tally.overdue_one_on_ones[:NAMES_SHOWN],
        overdue_one_on_ones_count=len(tally.overdue_one_on_ones),
        overdue_reviews=tally.overdue_reviews,
        open_improvement_plans=tally.open_improvement_plans,
        reviewed=tally.reviewed,
        reviewed_share=_share(tally.reviewed, counts[-1][0]),
        answered=len(tally.answer_hours),
        answer_hours=statistics.median(tally.answer_hours) if len(tally.answer_hours) >= SMALL_GROUP else None,
        waiting=tally.waiting,
        waiting_days=days_since(tally.oldest_waiting),
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole >= SMALL_GROUP else None


def _average(total: int, count: int) -> float | None:
    return total / count if count >= SMALL_GROUP else None
