"""The HR digest: participation, confidence and trends per team, thresholds, goals, follow-ups, no one's words."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session

from storage import analytics
from storage.analytics import GroupFigures, WeekPoint
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
    Role,
    Team,
)
from tests.queries import counting_queries

WEEK = "2026-W47"  # last week, as seen on the `clock` fixture's Monday 2026-11-23
LAST_WEEK = "2026-W46"
TREND = ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]
BLOCKERS = "Waiting on the VPN team since the reorg"
HIGHLIGHTS = "Shipped the 发布 pipeline"
HELP = "Please chase legal about the contract"


@pytest.fixture
def now(clock) -> datetime:
    return clock.now()


class Org:
    """A small organisation built row by row, every date set explicitly relative to `now`."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now

    def team(self, name: str) -> Team:
        return self._add(Team(name=name, created_at=self.now))

    def person(
        self, name: str, team: Team | None, *, manager: Person | None = None, role: str = Role.EMPLOYEE,
        active: bool = True,
    ) -> Person:
        return self._add(Person(
            name=name, team_id=team and team.id, manager_id=manager and manager.id, role=role, active=active,
            created_at=self.now, updated_at=self.now,
        ))

    def checkin(self, person: Person, week: str, confidence: int | None, *, blockers: str | None = None) -> CheckIn:
        submitted = self.now - timedelta(days=3)
        return self._add(CheckIn(
            person_id=person.id, week=week, confidence=confidence, blockers=blockers, highlights=HIGHLIGHTS,
            help_needed=HELP, submitted_at=submitted, updated_at=submitted,
        ))

    def goal(
        self, owner: Person, status: str, *, level: str = GoalLevel.INDIVIDUAL, approval: str = Approval.APPROVED,
        created_days_ago: int = 10, progress_days_ago: int | None = 1, archived: bool = False,
    ) -> Goal:
        created = self.now - timedelta(days=created_days_ago)
        progress = None if progress_days_ago is None else self.now - timedelta(days=progress_days_ago)
        return self._add(Goal(
            level=level, owner_id=owner.id, team_id=owner.team_id, title="A goal", due_date=date(2027, 6, 30),
            status=status, approval=approval, created_by_id=owner.id, created_at=created, updated_at=created,
            progress_updated_at=progress, archived_at=self.now if archived else None,
        ))

    def one_on_one(self, manager: Person, report: Person, *, days_ago: int) -> OneOnOne:
        held_at = self.now - timedelta(days=days_ago)
        return self._add(OneOnOne(manager_id=manager.id, report_id=report.id, held_at=held_at))

    def cycle(self, name: str, *, state: str = "open") -> ReviewCycle:
        return self._add(ReviewCycle(
            name=name, period_start=date(2026, 7, 1), period_end=date(2026, 12, 31), self_due=date(2026, 11, 20),
            peer_due=date(2026, 11, 27), manager_due=date(2026, 11, 30), state=state, created_at=self.now,
        ))

    def review(
        self, cycle: ReviewCycle, kind: str, author: Person, *, state: str = "requested", due: date | None = None,
    ) -> Review:
        return self._add(Review(
            kind=kind, author_id=author.id, subject_id=author.id, cycle_id=cycle.id, state=state, due_date=due,
            created_at=self.now,
        ))

    def improvement_plan(self, person: Person, manager: Person, *, state: str = "open") -> ImprovementPlan:
        return self._add(ImprovementPlan(person_id=person.id, manager_id=manager.id, state=state, opened_at=self.now))

    def _add(self, row):
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture
def org(session: Session, now: datetime) -> Org:
    return Org(session, now)


@pytest.fixture
def small_org(org: Org) -> dict[str, Person]:
    """Platform: Ada manages Alan, Li Lei and Katherine; Data: Bob (Ada's report) manages Carol; Grace has no team."""
    platform, data = org.team("Platform"), org.team("Data")
    ada = org.person("Ada Lovelace", platform, role=Role.MANAGER)
    people = {
        "ada": ada,
        "alan": org.person("Alan Turing", platform, manager=ada),
        "lilei": org.person("李雷", platform, manager=ada),
        "katherine": org.person("Katherine Johnson", platform, manager=ada),
        "former": org.person("Former Colleague", platform, manager=ada, active=False),
    }
    people["bob"] = org.person("Bob Noyce", data, manager=ada, role=Role.MANAGER)
    people["carol"] = org.person("Carol Shaw", data, manager=people["bob"])
    people["grace"] = org.person("Grace Hopper", None, role=Role.HR)
    org.checkin(people["ada"], WEEK, 4)
    org.checkin(people["alan"], WEEK, 3, blockers=BLOCKERS)
    org.checkin(people["lilei"], WEEK, 2)
    org.checkin(people["former"], WEEK, 1, blockers=BLOCKERS)
    org.checkin(people["bob"], WEEK, 5)
    org.checkin(people["grace"], WEEK, 4, blockers="   ")
    for name in ("ada", "alan", "lilei", "katherine"):
        org.checkin(people[name], LAST_WEEK, 5)
    return people


def figures(result: analytics.Digest, name: str) -> GroupFigures:
    return next(team for team in result.teams if team.name == name)


def test_it_computes_participation_confidence_and_blockers_of_a_team(session, now, small_org):
    platform = figures(analytics.digest(session, week=WEEK, now=now), "Platform")

    assert (platform.people, platform.checked_in) == (4, 3)
    assert platform.participation == 0.75
    assert platform.avg_confidence == 3.0
    assert platform.open_blockers == 1


def test_two_connections_read_the_same_digest_as_one(session, sessions, now, small_org):
    """The digest job reads on two connections at once (analytics.DIGEST_CONNECTIONS): the same figures, lists and
    order as one connection reading everything in turn."""
    session.commit()  # the second connection sees what is committed
    one = analytics.digest(session, week=WEEK, now=now)
    with sessions() as fresh:
        two = analytics.digest(fresh, week=WEEK, now=now, connections=analytics.DIGEST_CONNECTIONS)
    assert two == one
    assert one.organisation.people and one.teams


def test_it_hides_shares_and_averages_of_a_team_smaller_than_three_but_shows_its_counts(session, now, small_org):
    data = figures(analytics.digest(session, week=WEEK, now=now), "Data")

    assert (data.people, data.checked_in) == (2, 1)
    assert data.participation is None
    assert data.avg_confidence is None
    assert all(point.participation is None and point.avg_confidence is None for point in data.trend)


def test_it_adds_teams_and_people_without_a_team_up_to_the_organisation(session, now, small_org):
    result = analytics.digest(session, week=WEEK, now=now)
    organisation = result.organisation

    assert [team.name for team in result.teams] == ["Data", "Platform"]
    assert organisation.name == ""
    assert (organisation.people, organisation.checked_in) == (7, 5)
    assert organisation.participation == 5 / 7
    assert organisation.avg_confidence == pytest.approx((4 + 3 + 2 + 5 + 4) / 5)
    assert organisation.open_blockers == 1  # Grace's blank blockers and a former colleague's do not count
    assert organisation.missing == ["Carol Shaw", "Katherine Johnson"]
    assert organisation.missing_count == 2


def test_it_gives_eight_trend_points_oldest_first_with_zero_for_a_week_nobody_checked_in(session, now, small_org):
    platform = figures(analytics.digest(session, week=WEEK, now=now), "Platform")

    assert [point.week for point in platform.trend] == TREND
    assert platform.trend[-1] == WeekPoint(WEEK, 0.75, 3.0)
    assert platform.trend[-2] == WeekPoint(LAST_WEEK, 1.0, 5.0)
    assert platform.trend[-3] == WeekPoint("2026-W45", 0.0, None)


def test_it_leaves_out_an_average_over_fewer_than_three_confidences(session, now, org):
    team = org.team("Platform")
    for name, confidence in (("A", 5), ("B", 1), ("C", None), ("D", None)):
        org.checkin(org.person(name, team), WEEK, confidence)

    platform = figures(analytics.digest(session, week=WEEK, now=now), "Platform")

    assert platform.participation == 1.0
    assert platform.avg_confidence is None


def test_it_counts_goals_at_risk_off_track_and_stale_only_when_approved_and_not_archived(session, now, small_org, org):
    people = small_org
    org.goal(people["alan"], GoalStatus.AT_RISK, progress_days_ago=2)
    org.goal(people["lilei"], GoalStatus.OFF_TRACK, progress_days_ago=30)
    org.goal(people["ada"], GoalStatus.AT_RISK, level=GoalLevel.TEAM, created_days_ago=40, progress_days_ago=None)
    org.goal(people["ada"], GoalStatus.ON_TRACK, created_days_ago=40, progress_days_ago=20)
    org.goal(people["katherine"], GoalStatus.DONE, created_days_ago=60, progress_days_ago=None)
    org.goal(people["katherine"], GoalStatus.AT_RISK, archived=True, progress_days_ago=None, created_days_ago=60)
    org.goal(people["katherine"], GoalStatus.OFF_TRACK, approval=Approval.PROPOSED, progress_days_ago=None,
             created_days_ago=60)
    org.goal(people["former"], GoalStatus.OFF_TRACK, progress_days_ago=None, created_days_ago=60)
    org.goal(people["grace"], GoalStatus.AT_RISK, level=GoalLevel.COMPANY, progress_days_ago=None,
             created_days_ago=60)
    org.goal(people["bob"], GoalStatus.OFF_TRACK, progress_days_ago=22)

    result = analytics.digest(session, week=WEEK, now=now)
    platform, data = figures(result, "Platform"), figures(result, "Data")

    assert (platform.goals_at_risk, platform.goals_off_track, platform.stale_goals) == (2, 1, 2)
    assert (data.goals_at_risk, data.goals_off_track, data.stale_goals) == (0, 1, 1)
    assert (result.organisation.goals_at_risk, result.organisation.goals_off_track) == (2, 2)
    assert result.organisation.stale_goals == 3


def test_it_names_the_people_without_a_check_in_for_the_week(session, now, small_org):
    result = analytics.digest(session, week=WEEK, now=now)

    assert figures(result, "Platform").missing == ["Katherine Johnson"]
    assert figures(result, "Platform").missing_count == 1
    assert figures(result, "Data").missing == ["Carol Shaw"]


def test_it_lists_pairs_without_a_one_on_one_in_fourteen_days_under_the_reports_team(session, now, small_org, org):
    people = small_org
    org.one_on_one(people["ada"], people["alan"], days_ago=3)
    org.one_on_one(people["ada"], people["lilei"], days_ago=40)
    org.one_on_one(people["ada"], people["lilei"], days_ago=20)
    org.one_on_one(people["bob"], people["carol"], days_ago=13)
    org.one_on_one(people["ada"], people["carol"], days_ago=30)  # not Carol's manager: says nothing about Bob

    result = analytics.digest(session, week=WEEK, now=now)
    platform, data = figures(result, "Platform"), figures(result, "Data")

    assert platform.overdue_one_on_ones == [("Ada Lovelace", "Katherine Johnson", None), ("Ada Lovelace", "李雷", 20)]
    assert platform.overdue_one_on_ones_count == 2
    assert data.overdue_one_on_ones == [("Ada Lovelace", "Bob Noyce", None)]
    assert result.organisation.overdue_one_on_ones == [
        ("Ada Lovelace", "Bob Noyce", None),
        ("Ada Lovelace", "Katherine Johnson", None),
        ("Ada Lovelace", "李雷", 20),
    ]


def test_it_counts_requested_reviews_past_due_in_open_cycles_by_their_authors_team(session, now, small_org, org):
    people = small_org
    open_cycle, closed_cycle = org.cycle("2026 H2"), org.cycle("2026 H1", state="closed")
    org.review(open_cycle, ReviewKind.SELF, people["alan"])  # the cycle's self reviews were due on the 20th
    org.review(open_cycle, ReviewKind.MANAGER, people["ada"], due=date(2026, 11, 22))
    org.review(open_cycle, ReviewKind.PEER, people["lilei"])  # peer reviews are due on the 27th
    org.review(open_cycle, ReviewKind.SELF, people["katherine"], due=date(2026, 11, 23))  # due today
    org.review(open_cycle, ReviewKind.SELF, people["carol"], state="submitted")
    org.review(open_cycle, ReviewKind.WEEKLY_FEEDBACK, people["bob"], due=date(2026, 11, 1))
    org.review(closed_cycle, ReviewKind.SELF, people["bob"], due=date(2026, 6, 30))

    result = analytics.digest(session, week=WEEK, now=now)

    assert figures(result, "Platform").overdue_reviews == 2
    assert figures(result, "Data").overdue_reviews == 0
    assert result.organisation.overdue_reviews == 2


def test_it_adds_up_the_overdue_reviews_of_every_open_cycle(session, now, small_org, org):
    people = small_org
    second_half, first_half = org.cycle("2026 H2"), org.cycle("2026 H1")
    org.review(second_half, ReviewKind.SELF, people["alan"])  # the cycle's self reviews were due on the 20th
    org.review(first_half, ReviewKind.SELF, people["lilei"])
    org.review(first_half, ReviewKind.PEER, people["alan"], due=date(2026, 11, 2))

    result = analytics.digest(session, week=WEEK, now=now)

    assert figures(result, "Platform").overdue_reviews == 3
    assert result.organisation.overdue_reviews == 3


def test_it_counts_open_improvement_plans(session, now, small_org, org):
    people = small_org
    org.improvement_plan(people["katherine"], people["ada"])
    org.improvement_plan(people["lilei"], people["ada"], state="met")
    org.improvement_plan(people["carol"], people["bob"])

    result = analytics.digest(session, week=WEEK, now=now)

    assert figures(result, "Platform").open_improvement_plans == 1
    assert figures(result, "Data").open_improvement_plans == 1
    assert result.organisation.open_improvement_plans == 2


def test_it_caps_the_lists_at_twenty_names_and_counts_them_all(session, now, org):
    team = org.team("Support")
    manager = org.person("Manager", team, role=Role.MANAGER)
    for number in range(1, 25):
        org.person(f"Person {number:02d}", team, manager=manager)

    support = figures(analytics.digest(session, week=WEEK, now=now), "Support")

    assert support.missing == ["Manager"] + [f"Person {number:02d}" for number in range(1, 20)]
    assert support.missing_count == 25
    assert len(support.overdue_one_on_ones) == 20
    assert support.overdue_one_on_ones_count == 24


def test_it_limits_the_digest_and_its_totals_to_the_named_teams(session, now, small_org):
    result = analytics.digest(session, week=WEEK, now=now, team_names=["Data", "No such team"])

    assert [team.name for team in result.teams] == ["Data"]
    assert result.organisation.people == 2
    assert result.organisation.missing == ["Carol Shaw"]
    assert result.organisation.overdue_one_on_ones == [
        ("Ada Lovelace", "Bob Noyce", None),
        ("Bob Noyce", "Carol Shaw", None),
    ]


def test_it_lists_a_team_without_people_with_zeros(session, now, org):
    org.team("Empty")

    empty = figures(analytics.digest(session, week=WEEK, now=now), "Empty")

    assert (empty.people, empty.checked_in, empty.missing, empty.participation) == (0, 0, [], None)
    assert len(empty.trend) == 8


def test_it_carries_no_words_anyone_wrote(session, now, small_org):
    text = repr(analytics.digest(session, week=WEEK, now=now))

    for words in (BLOCKERS, HIGHLIGHTS, HELP):
        assert words not in text


def test_a_one_on_one_exactly_fourteen_days_ago_is_not_yet_overdue(session, now, org):
    team = org.team("Support")
    manager = org.person("Manager", team, role=Role.MANAGER)
    on_time, late = org.person("On Time", team, manager=manager), org.person("Late", team, manager=manager)
    org.one_on_one(manager, on_time, days_ago=14)
    org.one_on_one(manager, late, days_ago=15)
    org.one_on_one(manager, late, days_ago=60)

    support = figures(analytics.digest(session, week=WEEK, now=now), "Support")

    assert support.overdue_one_on_ones == [("Manager", "Late", 15)]


def test_it_leaves_out_the_reports_of_a_manager_who_is_no_longer_active(session, now, org):
    team = org.team("Support")
    gone = org.person("Gone Manager", team, role=Role.MANAGER, active=False)
    here = org.person("Here Manager", team, role=Role.MANAGER)
    org.person("Left Behind", team, manager=gone)
    org.person("Looked After", team, manager=here)

    support = figures(analytics.digest(session, week=WEEK, now=now), "Support")

    assert support.overdue_one_on_ones == [("Here Manager", "Looked After", None)]


def test_the_organisations_lists_are_the_first_names_across_all_teams(session, now, org):
    manager = org.person("Zed Manager", None, role=Role.MANAGER)
    for team_name in ("Gamma", "Alpha", "Beta"):
        team = org.team(team_name)
        for number in range(10):
            report = org.person(f"{team_name} {number}", team, manager=manager)
            org.one_on_one(manager, report, days_ago=20 + number)

    organisation = analytics.digest(session, week=WEEK, now=now).organisation

    assert organisation.missing == [f"{team} {number}" for team in ("Alpha", "Beta") for number in range(10)]
    assert organisation.missing_count == 31
    assert organisation.overdue_one_on_ones[:3] == [
        ("Zed Manager", "Alpha 9", 29), ("Zed Manager", "Beta 9", 29), ("Zed Manager", "Gamma 9", 29)]
    assert organisation.overdue_one_on_ones_count == 30


def test_the_number_of_queries_does_not_grow_with_the_number_of_teams(session, engine, now, org):
    def queries_for_teams(count: int) -> int:
        for number in range(count):
            team = org.team(f"Team {count}-{number}")
            manager = org.person(f"Manager {count}-{number}", team, role=Role.MANAGER)
            org.checkin(org.person(f"Report {count}-{number}", team, manager=manager), WEEK, 3)
        with counting_queries(engine) as statements:
            analytics.digest(session, week=WEEK, now=now)
        return len(statements)

    assert queries_for_teams(2) == queries_for_teams(30)
