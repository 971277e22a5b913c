"""Early warnings on goals: behind pace, confidence falling, a blocker open too long; figures with each reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from storage import warnings
from storage.models import Attention, AttentionState, CheckIn, Goal, GoalChange, GoalProgress, Person
from storage.warnings import Reason
from tests.builders import SMALL_ORG, load_org
from tests.queries import counting_queries

CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DUE = date(2026, 12, 10)  # 70 days after CREATED
NOW = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)  # 49 days in: 70% of the time gone


@pytest.fixture
def people(sessions, session: Session) -> dict[str, Person]:
    load_org(sessions, now=CREATED, rows=SMALL_ORG)
    return {p.slack_id: p for p in session.exec(select(Person))}


def goal(session: Session, owner: Person, *, current: float = 42, target: float = 100, start: float = 0,
         created: datetime = CREATED, due: date = DUE, **fields) -> Goal:
    row = Goal(level="individual", owner_id=owner.id, title=fields.pop("title", "Onboard pilots"),
               start_value=start, target_value=target, current_value=current, due_date=due,
               created_by_id=owner.id, created_at=created, updated_at=created, **fields)
    session.add(row)
    session.flush()
    return row


def checkin(session: Session, person: Person, week: str, confidence: int | None, *, goals=()) -> CheckIn:
    row = CheckIn(person_id=person.id, week=week, submitted_at=CREATED, updated_at=CREATED, confidence=confidence)
    session.add(row)
    session.flush()
    for reported in goals:
        session.add(GoalProgress(checkin_id=row.id, goal_id=reported.id, value=reported.current_value,
                                 status=reported.status))
    session.flush()
    return row


def reasons_of(session: Session, goals, *, now: datetime = NOW) -> dict[int, tuple[Reason, ...]]:
    return {goal_id: flag.reasons for goal_id, flag in warnings.assess(session, goals, now=now).items()}


def test_it_flags_a_goal_behind_pace_with_how_much_is_done_and_how_much_time_has_gone(session, people) -> None:
    behind = goal(session, people["UEMP1"])

    assert reasons_of(session, [behind]) == {behind.id: (Reason("pace", done=42, elapsed=70),)}


def test_it_leaves_a_goal_within_25_points_of_its_pace_alone(session, people) -> None:
    close = goal(session, people["UEMP1"], current=46)  # 24 points behind

    assert reasons_of(session, [close]) == {}


def test_it_judges_pace_only_once_a_fifth_of_the_time_has_gone(session, people) -> None:
    backwards = goal(session, people["UEMP1"], start=100, target=200, current=90)  # below where it started

    assert reasons_of(session, [backwards], now=CREATED + timedelta(days=13)) == {}  # 19% of the time
    assert reasons_of(session, [backwards], now=CREATED + timedelta(days=14)) == {
        backwards.id: (Reason("pace", done=-10, elapsed=20),)}


def test_it_counts_the_time_from_the_goals_approval_when_it_had_one(session, people) -> None:
    late_approval = goal(session, people["UEMP1"], current=20)
    session.add(GoalChange(goal_id=late_approval.id, at=datetime(2026, 11, 5, tzinfo=UTC), field_name="approval",
                           old_value="proposed", new_value="approved"))
    session.flush()

    assert reasons_of(session, [late_approval]) == {}  # 14 of 35 days since approval: 40%, 20 points behind


def test_it_reads_progress_from_start_to_target_whichever_way_it_runs(session, people) -> None:
    down = goal(session, people["UEMP1"], start=200, target=100, current=180)  # 20% of the way down

    assert reasons_of(session, [down]) == {down.id: (Reason("pace", done=20, elapsed=70),)}


def test_a_goal_past_its_due_date_is_judged_with_all_its_time_gone(session, people) -> None:
    overdue, nearly = goal(session, people["UEMP1"], current=60), goal(session, people["UEMP1"], current=80)

    assert reasons_of(session, [overdue, nearly], now=datetime(2026, 12, 20, tzinfo=UTC)) == {
        overdue.id: (Reason("pace", done=60, elapsed=100),)}


def test_finished_archived_and_unapproved_goals_are_never_flagged(session, people) -> None:
    alan = people["UEMP1"]
    done = goal(session, alan, current=100)
    archived = goal(session, alan, current=0, archived_at=NOW)
    proposed = goal(session, alan, current=0, approval="proposed")
    marked_done = goal(session, alan, current=10, status="done")

    assert reasons_of(session, [done, archived, proposed, marked_done]) == {}


@pytest.mark.parametrize(("confidences", "flagged"), [
    ((4, 3, 2), True),  # strictly down over the last three
    ((5, 4, 3), True),
    ((3, 3, 2), False),  # not strictly
    ((3, 4, 2), True),  # 2 right after 4
    ((5, 1), True),  # two check-ins: low after high
    ((3, 2), False),
    ((4, 3), False),
    ((2, 4, 3, 2), True),  # the last three only
    ((5, 4, 3, 3), False),
    ((4,), False),
])
def test_it_flags_falling_confidence_over_the_owners_last_three_check_ins(session, people, confidences,
                                                                          flagged) -> None:
    li = people["UEMP2"]
    onboarding = goal(session, li, current=60)  # on pace
    checkin(session, li, "2026-W40", None)  # no confidence given: not counted
    for n, confidence in enumerate(confidences):
        checkin(session, li, f"2026-W{41 + n}", confidence)

    expected = {onboarding.id: (Reason("confidence", values=confidences[-3:]),)} if flagged else {}
    assert reasons_of(session, [onboarding]) == expected


def test_it_flags_a_goal_with_a_blocker_unresolved_for_more_than_two_weeks(session, people) -> None:
    alan, ada = people["UEMP1"], people["UMGR1"]
    blocked, elsewhere = goal(session, alan, current=60), goal(session, alan, current=60, title="Other")
    filed = checkin(session, alan, "2026-W45", 3, goals=[blocked])
    session.add(Attention(checkin_id=filed.id, person_id=alan.id, manager_id=ada.id, state=AttentionState.ANSWERED,
                          opened_at=NOW - timedelta(days=17)))
    session.flush()

    assert reasons_of(session, [blocked, elsewhere]) == {blocked.id: (Reason("blocker", days=17, week="2026-W45"),)}
    assert reasons_of(session, [blocked], now=NOW - timedelta(days=4)) == {}  # 13 days: not yet


def test_a_resolved_blocker_flags_nothing(session, people) -> None:
    alan, ada = people["UEMP1"], people["UMGR1"]
    blocked = goal(session, alan, current=60)
    filed = checkin(session, alan, "2026-W45", 3, goals=[blocked])
    session.add(Attention(checkin_id=filed.id, person_id=alan.id, manager_id=ada.id, state=AttentionState.RESOLVED,
                          opened_at=NOW - timedelta(days=30), resolved_at=NOW - timedelta(days=2)))
    session.flush()

    assert reasons_of(session, [blocked]) == {}


def test_every_reason_is_given_together(session, people) -> None:
    alan, ada = people["UEMP1"], people["UMGR1"]
    troubled = goal(session, alan, current=10)
    for n, confidence in enumerate((4, 3)):
        checkin(session, alan, f"2026-W4{n}", confidence)
    filed = checkin(session, alan, "2026-W45", 2, goals=[troubled])
    session.add(Attention(checkin_id=filed.id, person_id=alan.id, manager_id=ada.id, state=AttentionState.OPEN,
                          opened_at=NOW - timedelta(days=15)))
    session.flush()

    assert reasons_of(session, [troubled]) == {troubled.id: (
        Reason("pace", done=10, elapsed=70), Reason("confidence", values=(4, 3, 2)),
        Reason("blocker", days=15, week="2026-W45"))}


def test_flagged_goals_are_a_persons_own_by_due_date(session, people) -> None:
    alan = people["UEMP1"]
    later = goal(session, alan, current=0, due=date(2026, 12, 20), title="Later")
    sooner = goal(session, alan, current=0, title="Sooner")
    goal(session, alan, current=90, title="Fine")
    goal(session, people["UEMP2"], current=0, title="Not his")

    assert [flag.goal.title for flag in warnings.flagged_goals(session, alan, now=NOW)] == [sooner.title, later.title]


def test_it_assesses_any_number_of_owners_in_three_queries(session, people, engine) -> None:
    owners = [Person(name=f"Report {n}", manager_id=people["UMGR1"].id, created_at=CREATED, updated_at=CREATED)
              for n in range(40)]
    session.add_all(owners)
    session.flush()
    goals = [goal(session, owner, current=n % 3 * 40) for n, owner in enumerate(owners)]
    for owner in owners:
        for n, confidence in enumerate((5, 4, 3)):
            checkin(session, owner, f"2026-W4{n}", confidence)

    with counting_queries(engine) as statements:
        found = warnings.assess(session, goals, now=NOW)

    assert len(found) == 40 and len(statements) == 3
