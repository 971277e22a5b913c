"""Calibration and results: HR's table of ratings beside their evidence, asking a manager to revisit a rating,
the employee reading their released result with the peer feedback, acknowledging it once, and low ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import calibration, cycles, peers, reviews
from storage.calibration import ALREADY_ACKNOWLEDGED, ALREADY_RELEASED, NOT_RELEASED, NOT_SUBMITTED, NOTE_MISSING
from storage.cycles import CycleError
from storage.models import TEXT_MAX, AuditEvent, CheckIn, Goal, Kudos, Person, Review, ReviewCycle
from storage.reviews import CLOSED, NOT_FOUND, TEXT_TOO_LONG, ReviewError
from tests.builders import SMALL_ORG, load_org
from tests.queries import counting_queries

DATES = {
    "period_start": "2026-07-01",
    "period_end": "2026-12-31",
    "self_due": "2026-12-04",
    "peer_due": "2026-12-11",
    "manager_due": "2026-12-18",
}
# Three more reports of Ada's, outside the first cycle, to show calibration costs no more queries per person.
NEWCOMERS = [
    ["UEMP4", "Barbara Liskov", "barbara@example.com", "UMGR1", "Platform", "employee", "America/New_York", ""],
    ["UEMP5", "Edsger Dijkstra", "edsger@example.com", "UMGR1", "Platform", "employee", "Europe/Amsterdam", ""],
    ["UEMP6", "Frances Allen", "frances@example.com", "UMGR1", "Platform", "employee", "America/New_York", ""],
]
CRITERIA = ("results", "quality", "collaboration", "ownership")


@pytest.fixture
def people(sessions, session: Session, clock) -> dict[str, Person]:
    load_org(sessions, now=clock.now(), rows=SMALL_ORG + NEWCOMERS)
    for slack_id in ("UEMP4", "UEMP5", "UEMP6"):
        newcomer = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        newcomer.active = False  # not yet in the first cycle
    session.flush()
    return {person.slack_id: person for person in session.exec(select(Person))}


@pytest.fixture
def cycle(session: Session, people, clock) -> ReviewCycle:
    return cycles.open_cycle(session, name="2026 H2", team="Platform", now=clock.now(), peer_threshold=2, **DATES)


def owed(session, cycle, author: Person, subject: Person, kind: str) -> Review:
    return session.exec(select(Review).where(Review.cycle_id == cycle.id, Review.kind == kind,
                                             Review.author_id == author.id, Review.subject_id == subject.id)).one()


def rate(rating: int) -> dict[str, str]:
    return dict.fromkeys(CRITERIA, str(rating))


def write_manager_review(session, cycle, people, slack_id: str, rating: int, clock, *, strengths="Clear thinking",
                         to_improve="Delegate more") -> Review:
    ada = people["UMGR1"]
    review = owed(session, cycle, ada, people[slack_id], "manager")
    return reviews.submit_manager_review(session, ada, review.id, ratings=rate(rating), comments={},
                                         overall=str(rating), strengths=strengths, to_improve=to_improve,
                                         now=clock.now())


def write_self_review(session, cycle, person: Person, ratings: dict[str, str], clock) -> Review:
    review = owed(session, cycle, person, person, "self")
    return reviews.submit_self_review(session, person, review.id, ratings=ratings, comments={}, evidence={},
                                      now=clock.now())


def peer_reviews_of_alan(session, cycle, people, clock) -> None:
    """Li rates Alan 3 (anonymously), Katherine 5."""
    alan = people["UEMP1"]
    peers.confirm(session, people["UMGR1"], cycle.id, alan.id, [people["UEMP2"].id, people["UEMP3"].id],
                  now=clock.now())
    for slack_id, rating, strengths in (("UEMP2", 3, "Solid code reviews"), ("UEMP3", 5, "Mentors everyone")):
        peer = people[slack_id]
        peers.submit_peer_review(session, peer, owed(session, cycle, peer, alan, "peer").id, ratings=rate(rating),
                                 comments={}, strengths=strengths, to_improve="Speak up in planning",
                                 now=clock.now())


def release(session, cycle, clock) -> None:
    cycles.release(session, cycle.name, now=clock.now())


def refused(code: str, call, *args, **kwargs) -> ReviewError:
    with pytest.raises(ReviewError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def goal(person: Person, *, current: float, due: date, now: datetime, archived: bool = False) -> Goal:
    return Goal(level="individual", owner_id=person.id, title="Goal", start_value=0, target_value=10,
                current_value=current, due_date=due, created_by_id=person.id, created_at=now, updated_at=now,
                archived_at=now if archived else None)


# --- calibrating -------------------------------------------------------------------------------------


def test_hr_sees_each_rating_beside_its_evidence_and_the_ratings_per_team(session, people, cycle, clock):
    alan, li, now = people["UEMP1"], people["UEMP2"], clock.now()
    write_self_review(session, cycle, alan, {"results": "4", "quality": "3", "collaboration": "4",
                                             "ownership": "4"}, clock)
    peer_reviews_of_alan(session, cycle, people, clock)
    session.add_all([
        goal(alan, current=5, due=date(2026, 12, 31), now=now),
        goal(alan, current=10, due=date(2026, 9, 30), now=now),
        goal(alan, current=0, due=date(2026, 6, 30), now=now),  # due before the period: not counted
        goal(alan, current=0, due=date(2026, 12, 31), now=now, archived=True),
        CheckIn(person_id=alan.id, week="2026-W40", submitted_at=now, updated_at=now),
        CheckIn(person_id=alan.id, week="2026-W47", submitted_at=now, updated_at=now),
        CheckIn(person_id=alan.id, week="2026-W20", submitted_at=now, updated_at=now),  # before the period
        Kudos(giver_id=li.id, receiver_id=alan.id, message="Thanks!", created_at=now),
        Kudos(giver_id=li.id, receiver_id=alan.id, message="Old news", created_at=datetime(2026, 6, 1, tzinfo=UTC)),
    ])
    write_manager_review(session, cycle, people, "UEMP2", 2, clock)
    write_manager_review(session, cycle, people, "UEMP1", 4, clock)

    table = calibration.calibration(session, people["UHR1"], cycle.id)

    assert table.cycle.id == cycle.id
    assert [(row.subject.name, row.rating) for row in table.rows] == [
        ("Alan Turing", 4), ("李雷", 2), ("Katherine Johnson", None)]  # highest first, the unwritten last
    first = table.rows[0]
    assert (first.manager.name, first.team, first.review.kind) == ("Ada Lovelace", "Platform", "manager")
    assert first.reward == {"bonus_multiplier": 1.2, "promotion_eligible": True, "certificate": False}
    assert (first.self_rating, first.peer_rating, first.peers) == (3.75, 4.0, 2)
    assert (first.goal_progress, first.checkins, first.kudos, first.revisit_note) == (0.75, 2, 1, None)
    assert [c["key"] for c in first.plan["criteria"]] == list(CRITERIA)
    last = table.rows[2]
    assert (last.rating, last.reward, last.self_rating, last.peer_rating, last.peers) == (None, {}, None, None, 0)
    assert (last.goal_progress, last.checkins, last.kudos) == (None, 0, 0)
    assert table.scale == [1, 2, 3, 4, 5]
    assert table.distribution == {"Platform": {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}}
    assert table.missing == 1


def test_calibration_is_for_hr_only(session, people, cycle):
    for someone in ("UMGR1", "UEMP1"):
        refused(NOT_FOUND, calibration.calibration, session, people[someone], cycle.id)
    refused(NOT_FOUND, calibration.calibration, session, people["UHR1"], 999_999)


def test_calibration_costs_the_same_queries_however_many_people(sessions, engine, people, session, cycle, clock):
    for slack_id in ("UEMP1", "UEMP2", "UEMP3"):
        write_manager_review(session, cycle, people, slack_id, 3, clock)
    for slack_id in ("UEMP4", "UEMP5", "UEMP6"):
        people[slack_id].active = True
    session.flush()
    bigger = cycles.open_cycle(session, name="2026 H2 bis", team="Platform", now=clock.now(), **DATES)
    session.commit()

    counts = []
    for which in (cycle, bigger):
        with sessions() as fresh, counting_queries(engine) as statements:
            table = calibration.calibration(fresh, fresh.get(Person, people["UHR1"].id), which.id)
        counts.append((len(table.rows), len(statements)))

    assert [rows for rows, _ in counts] == [3, 6]
    assert counts[0][1] == counts[1][1] <= 12


# --- revisiting ----------------------------------------------------------------------------------------


def test_hr_asks_for_a_revisit_and_the_trail_shows_the_old_and_new_rating(session, people, cycle, clock):
    ada, hr = people["UMGR1"], people["UHR1"]
    review = write_manager_review(session, cycle, people, "UEMP1", 5, clock, strengths="Carried the launch")

    sent_back = calibration.ask_to_revisit(session, hr, review.id, "  5 is rare: compare with the team ",
                                           now=clock.now())

    assert (sent_back.state, sent_back.rating) == ("requested", 5)
    assert sent_back.answers["strengths"] == "Carried the launch"  # the form opens as the manager left it
    assert sent_back.answers["revisit"] == {"note": "5 is rare: compare with the team", "by": hr.id,
                                            "at": clock.now().isoformat(), "rating": 5}
    table = calibration.calibration(session, hr, cycle.id)
    alan_row = next(row for row in table.rows if row.subject.slack_id == "UEMP1")
    assert (alan_row.rating, alan_row.revisit_note) == (5, "5 is rare: compare with the team")
    assert table.distribution["Platform"][5] == 0 and table.missing == 3
    assert [r.id for r in cycles.requested_for(session, ada, cycle=cycle) if r.kind == "manager"].count(review.id) == 1
    with pytest.raises(CycleError) as held:
        release(session, cycle, clock)
    assert held.value.code == "reviews_missing"  # a result under revisit holds the release

    form = reviews.manager_review_form(session, ada, review.id)
    assert form.review.answers["revisit"]["note"] == "5 is rare: compare with the team"
    clock.advance(timedelta(hours=2))
    resubmitted = write_manager_review(session, cycle, people, "UEMP1", 4, clock, strengths="Carried the launch")

    assert (resubmitted.state, resubmitted.rating) == ("submitted", 4)
    assert "revisit" not in resubmitted.answers
    trail = [(e.action, e.actor_id, e.detail) for e in session.exec(
        select(AuditEvent).where(AuditEvent.entity == "review", AuditEvent.entity_id == review.id)
        .order_by(AuditEvent.id))]
    assert trail == [
        ("review.manager_submitted", ada.id, {"rating": 5, "previous_rating": None}),
        ("review.revisit_requested", hr.id, {"rating": 5}),
        ("review.manager_submitted", ada.id, {"rating": 4, "previous_rating": 5}),
    ]
    assert next(row for row in calibration.calibration(session, hr, cycle.id).rows
                if row.subject.slack_id == "UEMP1").revisit_note is None


def test_a_revisit_is_refused_unless_hr_asks_with_a_note_about_a_written_unreleased_review(
    session, people, cycle, clock
):
    hr, now = people["UHR1"], clock.now()
    alan_review = write_manager_review(session, cycle, people, "UEMP1", 4, clock)
    unwritten = owed(session, cycle, people["UMGR1"], people["UEMP2"], "manager")
    self_review = owed(session, cycle, people["UEMP1"], people["UEMP1"], "self")

    for someone in ("UMGR1", "UEMP1"):
        refused(NOT_FOUND, calibration.ask_to_revisit, session, people[someone], alan_review.id, "Why?", now=now)
    refused(NOT_FOUND, calibration.ask_to_revisit, session, hr, self_review.id, "Why?", now=now)
    refused(NOT_FOUND, calibration.ask_to_revisit, session, hr, 2**40, "Why?", now=now)
    refused(NOT_SUBMITTED, calibration.ask_to_revisit, session, hr, unwritten.id, "Why?", now=now)
    assert refused("invalid", calibration.ask_to_revisit, session, hr, alan_review.id, "  ", now=now).errors == {
        "note": NOTE_MISSING}
    assert refused("invalid", calibration.ask_to_revisit, session, hr, alan_review.id, "x" * (TEXT_MAX + 1),
                   now=now).errors == {"note": TEXT_TOO_LONG}
    cycle.state = "calibrating"  # the manager's form opens only in an open cycle: they could not answer
    session.flush()
    refused(CLOSED, calibration.ask_to_revisit, session, hr, alan_review.id, "Why?", now=now)
    cycle.state = "open"
    for slack_id in ("UEMP2", "UEMP3"):
        write_manager_review(session, cycle, people, slack_id, 3, clock)
    release(session, cycle, clock)
    refused(ALREADY_RELEASED, calibration.ask_to_revisit, session, hr, alan_review.id, "Why?", now=now)

    assert (alan_review.state, alan_review.rating, "revisit" in alan_review.answers) == ("submitted", 4, False)
    assert events(session, "review.revisit_requested") == []


# --- results and acknowledgement -----------------------------------------------------------------------


def test_the_employee_reads_their_result_only_once_released_their_manager_and_hr_before(
    session, people, cycle, clock
):
    alan = people["UEMP1"]
    peer_reviews_of_alan(session, cycle, people, clock)
    review = write_manager_review(session, cycle, people, "UEMP1", 4, clock, strengths="Clear thinking")

    refused(NOT_FOUND, calibration.result_for, session, alan, review.id)
    for someone in ("UEMP2", "UEMP3"):  # colleagues, and his peers at that
        refused(NOT_FOUND, calibration.result_for, session, people[someone], review.id)
    for viewer in ("UMGR1", "UHR1"):
        assert calibration.result_for(session, people[viewer], review.id).rating == 4
    unwritten = owed(session, cycle, people["UMGR1"], people["UEMP2"], "manager")
    refused(NOT_SUBMITTED, calibration.result_for, session, people["UHR1"], unwritten.id)
    refused(NOT_FOUND, calibration.result_for, session, people["UEMP2"], unwritten.id)

    for slack_id in ("UEMP2", "UEMP3"):
        write_manager_review(session, cycle, people, slack_id, 3, clock)
    release(session, cycle, clock)
    result = calibration.result_for(session, alan, review.id)

    assert (result.review.id, result.cycle.id, result.subject.id, result.rating) == (review.id, cycle.id, alan.id, 4)
    assert result.reward == {"bonus_multiplier": 1.2, "promotion_eligible": True, "certificate": False}
    assert (result.strengths, result.to_improve) == ("Clear thinking", "Delegate more")
    assert result.criteria["results"] == {"rating": 4, "comment": None}
    assert [(f.author, f.strengths) for f in result.peer_feedback] == [
        (None, "Mentors everyone"), (None, "Solid code reviews")]
    assert (result.acknowledged_at, result.response) == (None, None)
    assert result.plan["improvement_threshold"] == 2
    refused(NOT_FOUND, calibration.result_for, session, people["UEMP2"], review.id)


def test_the_employee_acknowledges_their_result_once_with_an_optional_response(session, people, cycle, clock):
    alan, li = people["UEMP1"], people["UEMP2"]
    unreleased = write_manager_review(session, cycle, people, "UEMP1", 4, clock)
    refused(NOT_RELEASED, calibration.acknowledge, session, alan, unreleased.id, None, now=clock.now())
    for slack_id, rating in (("UEMP2", 1), ("UEMP3", 2)):
        write_manager_review(session, cycle, people, slack_id, rating, clock)
    release(session, cycle, clock)
    clock.advance(timedelta(days=1))
    results = {r.subject_id: r for r in session.exec(select(Review).where(Review.kind == "manager"))}

    assert refused("invalid", calibration.acknowledge, session, alan, unreleased.id, "x" * (TEXT_MAX + 1),
                   now=clock.now()).errors == {"response": TEXT_TOO_LONG}
    for someone in ("UMGR1", "UHR1", "UEMP2"):  # only the employee acknowledges their own result
        refused(NOT_FOUND, calibration.acknowledge, session, people[someone], unreleased.id, None, now=clock.now())
    assert session.exec(select(func.count()).select_from(Review).where(Review.kind == "response")).one() == 0

    reply = calibration.acknowledge(session, alan, unreleased.id, "  Fair; I want to lead the next launch ",
                                    now=clock.now())

    assert (reply.kind, reply.author_id, reply.subject_id, reply.in_reply_to_id, reply.cycle_id) == (
        "response", alan.id, alan.id, unreleased.id, cycle.id)
    assert (reply.text, reply.state, reply.submitted_at, reply.period) == (
        "Fair; I want to lead the next launch", "submitted", clock.now(), "2026 H2")
    result = calibration.result_for(session, people["UMGR1"], unreleased.id)
    assert (result.acknowledged_at, result.response) == (clock.now(), "Fair; I want to lead the next launch")
    refused(ALREADY_ACKNOWLEDGED, calibration.acknowledge, session, alan, unreleased.id, None, now=clock.now())

    silent = calibration.acknowledge(session, li, results[li.id].id, "   ", now=clock.now())
    assert silent.text is None
    assert [e.detail for e in events(session, "review.acknowledged")] == [
        {"with_response": True}, {"with_response": False}]
    assert [(e.entity_id, e.actor_id) for e in events(session, "review.acknowledged")] == [
        (unreleased.id, alan.id), (results[li.id].id, li.id)]
    assert session.exec(select(func.count()).select_from(Review).where(Review.kind == "response")).one() == 2


def test_below_threshold_lists_released_ratings_under_the_plans_improvement_threshold(session, people, cycle, clock):
    peer_reviews_of_alan(session, cycle, people, clock)
    for slack_id, rating in (("UEMP1", 4), ("UEMP2", 1), ("UEMP3", 2)):
        write_manager_review(session, cycle, people, slack_id, rating, clock)
    assert calibration.below_threshold(session, cycle) == []  # nothing is released yet

    release(session, cycle, clock)
    found = calibration.below_threshold(session, cycle)

    assert [(review.rating, person.name) for review, person in found] == [(1, "李雷")]  # 2 meets the threshold
