"""Review cycles: opening one for a team or the whole org, every refusal, counting done/due/overdue, what is owed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import cycles
from storage.cycles import CycleError
from storage.models import AuditEvent, Person, Review, ReviewCycle
from tests.builders import load_org
from tests.queries import counting_queries

DATES = {
    "period_start": "2026-07-01",
    "period_end": "2026-12-31",
    "self_due": "2026-12-04",
    "peer_due": "2026-12-11",
    "manager_due": "2026-12-18",
}


@pytest.fixture
def people(sessions, session: Session, clock) -> dict[str, Person]:
    load_org(sessions, now=clock.now())
    return {person.slack_id: person for person in session.exec(select(Person))}


def open_cycle(session: Session, clock, *, name: str = "2026 H2", team: str | None = "Platform", **overrides):
    return cycles.open_cycle(session, name=name, team=team, now=clock.now(), **(DATES | overrides))


def reviews_of(session: Session, cycle: ReviewCycle) -> list[Review]:
    return list(session.exec(select(Review).where(Review.cycle_id == cycle.id).order_by(Review.id)))


def nothing_written(session: Session) -> bool:
    counts = [session.exec(select(func.count()).select_from(model)).one() for model in (ReviewCycle, Review)]
    events = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "cycle.opened"))
    return counts == [0, 0] and events.one() == 0


def test_opening_a_cycle_for_a_team_creates_the_self_and_manager_reviews(session, people, clock):
    cycle = open_cycle(session, clock, actor_id=people["UHR1"].id)

    assert (cycle.name, cycle.state, cycle.peers_anonymous) == ("2026 H2", "open", True)
    assert (cycle.period_start, cycle.period_end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert (cycle.self_due, cycle.peer_due, cycle.manager_due) == (date(2026, 12, 4), date(2026, 12, 11),
                                                                   date(2026, 12, 18))
    reviews = reviews_of(session, cycle)
    platform = {people[s].id for s in ("UMGR1", "UEMP1", "UEMP2", "UEMP3")}
    selves = [r for r in reviews if r.kind == "self"]
    assert {r.subject_id for r in selves} == platform
    assert all(r.author_id == r.subject_id and r.due_date == date(2026, 12, 4) for r in selves)
    managers = [r for r in reviews if r.kind == "manager"]
    assert {r.subject_id for r in managers} == {people[s].id for s in ("UEMP1", "UEMP2", "UEMP3")}
    assert {r.author_id for r in managers} == {people["UMGR1"].id}
    assert all(r.due_date == date(2026, 12, 18) for r in managers)
    assert len(reviews) == 7  # no peer reviews yet, and nothing for HR outside the team
    assert all(r.state == "requested" and r.period == "2026 H2" and r.visibility == "subject" for r in reviews)
    assert all(r.submitted_at is None for r in reviews)
    opened = session.exec(select(AuditEvent).where(AuditEvent.action == "cycle.opened")).one()
    assert (opened.entity_id, opened.actor_id) == (cycle.id, people["UHR1"].id)
    assert opened.detail == {"name": "2026 H2", "team": "Platform", "people": 4, "self_reviews": 4,
                             "manager_reviews": 3}


def test_an_org_wide_cycle_includes_hr(session, people, clock):
    cycle = open_cycle(session, clock, team=None, peers_anonymous=False)

    assert cycle.team_id is None and cycle.peers_anonymous is False
    reviews = reviews_of(session, cycle)
    assert {r.subject_id for r in reviews if r.kind == "self"} == {p.id for p in people.values()}
    assert len([r for r in reviews if r.kind == "manager"]) == 3


def test_inactive_people_are_not_asked_and_an_inactive_manager_writes_no_review(session, people, clock):
    people["UEMP3"].active = False
    people["UMGR1"].active = False
    session.flush()

    reviews = reviews_of(session, open_cycle(session, clock))

    assert {r.subject_id for r in reviews} == {people["UEMP1"].id, people["UEMP2"].id}
    assert {r.kind for r in reviews} == {"self"}


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"name": "  "}, "invalid_name", "the cycle needs a name"),
        ({"name": "x" * 101}, "invalid_name", "the cycle name must be at most 100 characters, not 101"),
        ({"period_start": ""}, "invalid_date", "--from is required (a date like 2026-12-31)"),
        ({"period_end": "31/12/2026"}, "invalid_date", "--to must be a date like 2026-12-31, not '31/12/2026'"),
        ({"self_due": "2026-02-30"}, "invalid_date", "--self-due must be a date like 2026-12-31, not '2026-02-30'"),
        ({"period_end": "2026-07-01"}, "bad_order", "--from (2026-07-01) must be before --to (2026-07-01)"),
        ({"self_due": "2026-06-30"}, "bad_order", "--self-due (2026-06-30) must not be before --from (2026-07-01)"),
        ({"peer_due": "2026-12-03"}, "bad_order", "--self-due (2026-12-04) must not be after --peer-due (2026-12-03)"),
        ({"manager_due": "2026-12-10"}, "bad_order",
         "--peer-due (2026-12-11) must not be after --manager-due (2026-12-10)"),
        ({"period_start": "2026-01-01", "period_end": "2026-06-30", "self_due": "2026-11-01",
          "peer_due": "2026-11-10", "manager_due": "2026-11-22"}, "in_the_past",
         "--manager-due (2026-11-22) is in the past (today is 2026-11-23)"),
        ({"team": "Nowhere"}, "unknown_team", "no team named 'Nowhere'"),
    ],
)
def test_each_invalid_request_is_refused_with_its_reason_and_nothing_written(
    session, people, clock, fields, code, message
):
    with pytest.raises(CycleError) as refused:
        open_cycle(session, clock, **fields)

    assert (refused.value.code, str(refused.value), refused.value.detail) == (code, message, message)
    assert "\n" not in str(refused.value)
    assert nothing_written(session)


def test_a_manager_review_may_be_due_today_and_full_width_digits_are_read(session, people, clock):
    cycle = open_cycle(session, clock, self_due="２０２６-１１-２３", peer_due="2026-11-23", manager_due="2026-11-23")

    assert (cycle.self_due, cycle.manager_due) == (date(2026, 11, 23), date(2026, 11, 23))


def test_a_team_with_nobody_active_is_refused(session, people, clock):
    people["UHR1"].active = False
    session.flush()

    with pytest.raises(CycleError) as refused:
        open_cycle(session, clock, team="People")

    assert (refused.value.code, str(refused.value)) == ("empty_scope", "nobody active in team 'People' to review")
    assert nothing_written(session)


def test_a_duplicate_name_is_refused(session, people, clock):
    first = open_cycle(session, clock)

    with pytest.raises(CycleError) as refused:
        open_cycle(session, clock, name=" 2026 H2 ", team=None)

    assert (refused.value.code, str(refused.value)) == ("duplicate", "a cycle named '2026 H2' already exists")
    assert session.exec(select(func.count()).select_from(ReviewCycle)).one() == 1
    assert len(reviews_of(session, first)) == 7
    assert cycles.find(session, "2026 H2").id == first.id
    assert cycles.find(session, "2027 H1") is None


def test_summaries_count_done_due_and_overdue_as_the_clock_moves(sessions, engine, people, clock):
    with sessions() as session:
        older = open_cycle(session, clock, name="Org 2026", team=None)
    clock.advance(timedelta(minutes=1))
    with sessions() as session:
        newer = open_cycle(session, clock)

    with sessions() as session:
        first = cycles.summaries(session, now=clock.now())
    assert [s.cycle.id for s in first] == [newer.id, older.id]  # newest first
    assert (first[0].done, first[0].due, first[0].overdue) == (0, 7, 0)
    assert first[0].by_kind == {"manager": (0, 3, 0), "self": (0, 4, 0)}
    assert (first[1].done, first[1].due, first[1].overdue) == (0, 8, 0)

    with sessions() as session:
        alan = session.exec(select(Person).where(Person.slack_id == "UEMP1")).one()
        own = [r for r in cycles.requested_for(session, alan, cycle=newer) if r.kind == "self"][0]
        own.state, own.submitted_at = "submitted", clock.now()
    clock.set(clock.now().replace(year=2026, month=12, day=10))  # past the self-review due date

    with sessions() as session, counting_queries(engine) as statements:
        later = cycles.summaries(session, now=clock.now())
    assert len(statements) == 2  # the cycles and one grouped count, however many cycles there are
    assert later[0].by_kind == {"manager": (0, 3, 0), "self": (1, 0, 3)}
    assert (later[0].done, later[0].due, later[0].overdue) == (1, 3, 3)
    assert (later[1].done, later[1].due, later[1].overdue) == (0, 3, 5)


def test_summaries_list_a_cycle_without_reviews_and_an_empty_database(session, people, clock):
    assert cycles.summaries(session, now=clock.now()) == []
    cycle = open_cycle(session, clock)
    for review in reviews_of(session, cycle):
        session.delete(review)
    session.flush()

    [summary] = cycles.summaries(session, now=clock.now())

    assert (summary.done, summary.due, summary.overdue, summary.by_kind) == (0, 0, 0, {})


def test_requested_for_lists_what_the_person_still_owes_soonest_first(session, people, clock):
    ada = people["UMGR1"]
    team = open_cycle(session, clock)
    org = open_cycle(session, clock, name="Org 2026", team=None, self_due="2026-11-30", peer_due="2026-11-30",
                     manager_due="2026-12-01")

    owed = cycles.requested_for(session, ada)

    assert [(r.cycle_id, r.kind, r.due_date) for r in owed][:2] == [
        (org.id, "self", date(2026, 11, 30)), (org.id, "manager", date(2026, 12, 1)),
    ]
    assert len(owed) == 8  # a self and three manager reviews in each cycle
    assert [r.due_date for r in owed] == sorted(r.due_date for r in owed)
    assert {r.author_id for r in owed} == {ada.id}

    owed[0].state = "declined"
    owed[1].state = "submitted"
    org.state = "calibrating"
    session.flush()
    assert {r.cycle_id for r in cycles.requested_for(session, ada)} == {team.id}  # only open cycles by default
    assert [r.kind for r in cycles.requested_for(session, ada, cycle=org)] == ["manager", "manager"]
    assert cycles.requested_for(session, people["UHR1"], cycle=team) == []


def test_due_soon_finds_requested_reviews_in_open_cycles_due_within_the_window(session, people, clock):
    open_cycle(session, clock, self_due="2026-11-25", peer_due="2026-11-26", manager_due="2026-11-27")
    closed = open_cycle(session, clock, name="Closed", team=None, self_due="2026-11-24", peer_due="2026-11-24",
                        manager_due="2026-11-24")
    closed.state = "closed"
    session.flush()

    soon = cycles.due_soon(session, now=clock.now())
    assert {(r.kind, r.due_date) for r in soon} == {("self", date(2026, 11, 25))}
    assert len(soon) == 4
    assert [r.author_id for r in soon] == sorted(r.author_id for r in soon)

    assert len(cycles.due_soon(session, now=clock.now(), within_days=4)) == 7
    assert cycles.due_soon(session, now=clock.now(), within_days=1) == []

    people["UEMP1"].active = False
    soon[-1].state = "submitted"
    session.flush()
    remaining = cycles.due_soon(session, now=clock.now())
    assert people["UEMP1"].id not in {r.author_id for r in remaining}
    assert len(remaining) == 2

    clock.advance(timedelta(days=3))  # the self reviews are now overdue
    assert {r.kind for r in cycles.due_soon(session, now=clock.now())} == {"manager"}
    overdue_too = cycles.due_soon(session, now=clock.now(), include_overdue=True)
    assert {r.kind for r in overdue_too} == {"self", "manager"}


def test_a_long_name_is_kept_whole_on_the_cycle_and_cut_to_the_period_column_on_reviews(session, people, clock):
    name = "Annual performance review 2026 " + "x" * 69

    cycle = open_cycle(session, clock, name=name)

    assert len(cycle.name) == 100 and cycles.find(session, name).id == cycle.id
    assert {r.period for r in reviews_of(session, cycle)} == {name[:16]}
