"""Peer reviews: proposing peers, the manager confirming (as proposed, changed or from scratch), writing and
declining, what waits for the manager, and who may read the feedback, with or without the peers' names."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import cycles, peers
from storage.models import TEXT_MAX, AuditEvent, Person, Review, ReviewCycle
from storage.peers import (
    ALREADY_DONE,
    MAX_PEERS,
    PEER_DUE_PASSED,
    PEER_NONE,
    PEER_SELF,
    PEER_TOO_MANY,
    PEER_UNKNOWN,
    PEERS_CONFIRMED,
)
from storage.reviews import CLOSED, NOT_FOUND, RATING_INVALID, SUMMARY_MISSING, TEXT_TOO_LONG, ReviewError
from tests.builders import SMALL_ORG, load_org

DATES = {
    "period_start": "2026-07-01",
    "period_end": "2026-12-31",
    "self_due": "2026-12-04",
    "peer_due": "2026-12-11",
    "manager_due": "2026-12-18",
}
# Two people in another team, so someone can pick more peers than allowed from real, active people.
ORG = SMALL_ORG + [
    ["UDATA1", "Barbara Liskov", "barbara@example.com", "", "Data", "employee", "America/New_York", "en-US"],
    ["UDATA2", "Edsger Dijkstra", "edsger@example.com", "", "Data", "employee", "Europe/Amsterdam", "en-GB"],
]
GOOD = {"results": "4", "quality": "3", "collaboration": "3", "ownership": "4"}


@pytest.fixture
def people(sessions, session: Session, clock) -> dict[str, Person]:
    load_org(sessions, now=clock.now(), rows=ORG)
    return {person.slack_id: person for person in session.exec(select(Person))}


@pytest.fixture
def cycle(session: Session, people, clock) -> ReviewCycle:
    return open_cycle(session, clock)


def open_cycle(session: Session, clock, *, name: str = "2026 H2", team: str | None = "Platform", **overrides):
    return cycles.open_cycle(session, name=name, team=team, now=clock.now(), **(DATES | overrides))


def ids(people: dict[str, Person], *slack_ids: str) -> list[int]:
    return [people[slack_id].id for slack_id in slack_ids]


def names(nomination: peers.Nomination) -> list[str]:
    return [person.name for person in nomination.peers]


def peer_rows(session: Session, cycle: ReviewCycle, subject: Person) -> dict[str, tuple[int, str]]:
    """author name -> (review id, state) of the peer reviews of `subject`."""
    rows = session.exec(select(Review, Person).join(Person, Person.id == Review.author_id).where(
        Review.cycle_id == cycle.id, Review.subject_id == subject.id, Review.kind == "peer"))
    return {author.name: (review.id, review.state) for review, author in rows}


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def peer_review_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Review).where(Review.kind == "peer")).one()


def refused(code: str, call, *args, **kwargs) -> ReviewError:
    with pytest.raises(ReviewError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


def field_refused(field: str, code: str, call, *args, **kwargs) -> None:
    error = refused("invalid", call, *args, **kwargs)
    assert error.errors == {field: code}


def confirmed_for_alan(session, people, cycle, clock, *chosen: str) -> list[Review]:
    """Alan proposes Li and Katherine; Ada confirms `chosen` (the proposal when none given)."""
    alan = people["UEMP1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP2", "UEMP3"), now=clock.now())
    _, requested = peers.confirm(session, people["UMGR1"], cycle.id, alan.id,
                                 ids(people, *(chosen or ("UEMP2", "UEMP3"))), now=clock.now())
    return requested


def request_of(session, cycle, author: Person, subject: Person) -> Review:
    return session.exec(select(Review).where(Review.cycle_id == cycle.id, Review.kind == "peer",
                                             Review.author_id == author.id, Review.subject_id == subject.id)).one()


def write(session, peer: Person, review: Review, clock, *, strengths="Calm under pressure", to_improve="Delegate",
          ratings=GOOD) -> Review:
    return peers.submit_peer_review(session, peer, review.id, ratings=dict(ratings), comments={},
                                    strengths=strengths, to_improve=to_improve, now=clock.now())


# --- proposing ----------------------------------------------------------------------------------


def test_an_employee_proposes_peers_once_each_and_sees_them_by_name(session, people, cycle, clock):
    alan = people["UEMP1"]

    nomination = peers.propose(session, alan, cycle.id, ids(people, "UEMP2", "UDATA1", "UEMP2", "UMGR1"),
                               now=clock.now())

    assert (nomination.cycle.id, nomination.subject.id, nomination.confirmed) == (cycle.id, alan.id, False)
    assert names(nomination) == ["Ada Lovelace", "Barbara Liskov", "李雷"]
    rows = session.exec(select(Review).where(Review.kind == "peer")).all()
    assert len(rows) == 3
    assert all((r.subject_id, r.cycle_id, r.state, r.due_date, r.period, r.visibility)
               == (alan.id, cycle.id, "proposed", date(2026, 12, 11), "2026 H2", "subject") for r in rows)
    [event] = events(session, "peers.proposed")
    assert (event.entity, event.entity_id, event.actor_id) == ("person", alan.id, alan.id)
    assert event.detail == {"cycle_id": cycle.id, "peers": 3}
    # Nobody is asked to write anything until the manager confirms.
    assert [r.kind for r in cycles.requested_for(session, people["UEMP2"], cycle=cycle)] == ["self"]


def test_proposing_again_replaces_the_proposal_keeping_peers_still_picked(session, people, cycle, clock):
    alan = people["UEMP1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP2", "UEMP3"), now=clock.now())
    kept_id = peer_rows(session, cycle, alan)["Katherine Johnson"][0]

    nomination = peers.propose(session, alan, cycle.id, ids(people, "UEMP3", "UDATA2"), now=clock.now())

    assert names(nomination) == ["Edsger Dijkstra", "Katherine Johnson"]
    rows = peer_rows(session, cycle, alan)
    assert set(rows) == {"Edsger Dijkstra", "Katherine Johnson"}
    assert rows["Katherine Johnson"] == (kept_id, "proposed")
    assert len(events(session, "peers.proposed")) == 2


@pytest.mark.parametrize(
    ("pick", "code"),
    [
        ((), PEER_NONE),
        (("UEMP1",), PEER_SELF),
        (("UEMP2", "UEMP1"), PEER_SELF),
        (("UMGR1", "UEMP2", "UEMP3", "UHR1", "UDATA1", "UDATA2"), PEER_TOO_MANY),
        (("UEMP2", 999_999), PEER_UNKNOWN),
        ((2**40,), PEER_UNKNOWN),
        (("abc",), PEER_UNKNOWN),
        (("inactive",), PEER_UNKNOWN),
        (("erased",), PEER_UNKNOWN),
    ],
)
def test_a_bad_pick_is_a_field_error_and_nothing_is_written(session, people, cycle, clock, pick, code):
    people["UDATA1"].active = False
    people["UDATA2"].erased_at = clock.now()
    session.flush()
    slack_ids = {"inactive": "UDATA1", "erased": "UDATA2"}
    chosen = [people[slack_ids.get(p, p)].id if slack_ids.get(p, p) in people else p for p in pick]

    field_refused("peers", code, peers.propose, session, people["UEMP1"], cycle.id, chosen, now=clock.now())

    assert peer_review_count(session) == 0 and events(session, "peers.proposed") == []


def test_five_peers_are_allowed(session, people, cycle, clock):
    five = ids(people, "UMGR1", "UEMP2", "UEMP3", "UHR1", "UDATA1")
    assert len(five) == MAX_PEERS

    nomination = peers.propose(session, people["UEMP1"], cycle.id, five, now=clock.now())

    assert len(nomination.peers) == 5


def test_only_someone_reviewed_in_an_open_cycle_may_propose_before_the_peer_due_date(session, people, cycle, clock):
    pick = ids(people, "UEMP2")
    # Grace (HR) is outside the Platform cycle; the cycle id may be forged.
    refused(NOT_FOUND, peers.propose, session, people["UHR1"], cycle.id, pick, now=clock.now())
    refused(NOT_FOUND, peers.propose, session, people["UEMP1"], 999_999, pick, now=clock.now())
    refused(NOT_FOUND, peers.propose, session, people["UEMP1"], 2**40, pick, now=clock.now())

    # The last day counts in UTC: late on the 11th in UTC is 12 December in Tokyo, and still allowed.
    tokyo = timezone(timedelta(hours=9))
    late = peers.propose(session, people["UEMP1"], cycle.id, pick, now=datetime(2026, 12, 12, 8, 59, tzinfo=tokyo))
    assert names(late) == ["李雷"]
    refused(PEER_DUE_PASSED, peers.propose, session, people["UEMP2"], cycle.id, ids(people, "UEMP1"),
            now=datetime(2026, 12, 12, 0, 0, tzinfo=UTC))

    cycle.state = "calibrating"
    session.flush()
    refused(CLOSED, peers.propose, session, people["UEMP2"], cycle.id, ids(people, "UEMP1"), now=clock.now())
    assert len(events(session, "peers.proposed")) == 1


def test_once_the_manager_confirmed_the_employee_cannot_propose_again(session, people, cycle, clock):
    alan = people["UEMP1"]
    confirmed_for_alan(session, people, cycle, clock)
    before = peer_rows(session, cycle, alan)

    refused(PEERS_CONFIRMED, peers.propose, session, alan, cycle.id, ids(people, "UDATA1"), now=clock.now())

    assert peer_rows(session, cycle, alan) == before
    assert len(events(session, "peers.proposed")) == 1


# --- seeing and confirming ------------------------------------------------------------------------


def test_the_employee_their_manager_and_hr_see_the_nomination_nobody_else(session, people, cycle, clock):
    alan = people["UEMP1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP3", "UEMP2"), now=clock.now())

    for viewer in ("UEMP1", "UMGR1", "UHR1"):
        seen = peers.nomination(session, people[viewer], cycle.id, alan.id)
        assert (names(seen), seen.confirmed) == (["Katherine Johnson", "李雷"], False)
    for viewer in ("UEMP2", "UDATA1"):  # a proposed peer and a stranger
        refused(NOT_FOUND, peers.nomination, session, people[viewer], cycle.id, alan.id)
    refused(NOT_FOUND, peers.nomination, session, people["UMGR1"], cycle.id, 999_999)
    refused(NOT_FOUND, peers.nomination, session, people["UHR1"], cycle.id, people["UHR1"].id)  # not in the cycle


def test_the_manager_confirms_the_proposal_as_it_is(session, people, cycle, clock):
    alan, ada = people["UEMP1"], people["UMGR1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP2", "UEMP3"), now=clock.now())
    proposed = peer_rows(session, cycle, alan)
    clock.advance(timedelta(days=1))

    nomination, requested = peers.confirm(session, ada, cycle.id, alan.id, ids(people, "UEMP3", "UEMP2"),
                                          now=clock.now())

    assert (names(nomination), nomination.confirmed) == (["Katherine Johnson", "李雷"], True)
    assert sorted(r.id for r in requested) == sorted(review_id for review_id, _ in proposed.values())
    assert all((r.state, r.created_at) == ("requested", clock.now()) for r in requested)
    assert {r.kind for r in cycles.requested_for(session, people["UEMP3"], cycle=cycle)} == {"self", "peer"}
    [event] = events(session, "peers.confirmed")
    assert (event.entity, event.entity_id, event.actor_id) == ("person", alan.id, ada.id)
    assert event.detail == {"cycle_id": cycle.id, "proposed": 2, "confirmed": 2, "changed": False}
    assert peers.nomination(session, alan, cycle.id, alan.id).confirmed


def test_the_manager_changes_the_proposal_and_only_new_peers_are_asked(session, people, cycle, clock):
    alan = people["UEMP1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP2", "UEMP3"), now=clock.now())
    katherine_id = peer_rows(session, cycle, alan)["Katherine Johnson"][0]

    nomination, requested = peers.confirm(session, people["UMGR1"], cycle.id, alan.id,
                                          ids(people, "UEMP3", "UDATA1"), now=clock.now())

    assert names(nomination) == ["Barbara Liskov", "Katherine Johnson"]
    rows = peer_rows(session, cycle, alan)
    assert set(rows) == {"Barbara Liskov", "Katherine Johnson"}  # 李雷's proposal is withdrawn
    assert rows["Katherine Johnson"] == (katherine_id, "requested")
    assert {r.author_id for r in requested} == set(ids(people, "UEMP3", "UDATA1"))
    assert events(session, "peers.confirmed")[0].detail["changed"] is True


def test_confirming_again_keeps_written_and_declined_reviews_and_withdraws_unwritten_ones(
    session, people, cycle, clock
):
    alan = people["UEMP1"]
    confirmed_for_alan(session, people, cycle, clock, "UEMP2", "UEMP3", "UDATA1")
    write(session, people["UEMP3"], request_of(session, cycle, people["UEMP3"], alan), clock)
    peers.decline(session, people["UEMP2"], request_of(session, cycle, people["UEMP2"], alan).id, reason=None,
                  now=clock.now())

    nomination, requested = peers.confirm(session, people["UMGR1"], cycle.id, alan.id, ids(people, "UDATA2"),
                                          now=clock.now())

    assert [r.author_id for r in requested] == ids(people, "UDATA2")
    assert {name: state for name, (_, state) in peer_rows(session, cycle, alan).items()} == {
        "Katherine Johnson": "submitted", "李雷": "declined", "Edsger Dijkstra": "requested",
    }  # Barbara's unwritten request is withdrawn
    assert names(nomination) == ["Edsger Dijkstra", "Katherine Johnson", "李雷"]
    assert events(session, "peers.confirmed")[-1].detail == {
        "cycle_id": cycle.id, "proposed": 0, "confirmed": 1, "changed": True}


def test_the_manager_or_hr_may_pick_peers_when_the_employee_proposed_nobody(session, people, cycle, clock):
    li = people["UEMP2"]

    nomination, requested = peers.confirm(session, people["UHR1"], cycle.id, li.id, ids(people, "UEMP1"),
                                          now=clock.now())

    assert (names(nomination), nomination.confirmed) == (["Alan Turing"], True)
    assert [(r.author_id, r.state) for r in requested] == [(people["UEMP1"].id, "requested")]
    assert events(session, "peers.confirmed")[0].detail == {
        "cycle_id": cycle.id, "proposed": 0, "confirmed": 1, "changed": True}


def test_confirming_is_refused_to_others_and_for_a_bad_pick_with_nothing_written(session, people, cycle, clock):
    alan = people["UEMP1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP2"), now=clock.now())
    before = peer_rows(session, cycle, alan)
    pick = ids(people, "UEMP3")

    for someone in ("UEMP1", "UEMP2", "UDATA1"):  # the employee themself, the proposed peer, a stranger
        refused(NOT_FOUND, peers.confirm, session, people[someone], cycle.id, alan.id, pick, now=clock.now())
    ada = people["UMGR1"]
    field_refused("peers", PEER_SELF, peers.confirm, session, ada, cycle.id, alan.id, [alan.id], now=clock.now())
    field_refused("peers", PEER_NONE, peers.confirm, session, ada, cycle.id, alan.id, [], now=clock.now())
    refused(PEER_DUE_PASSED, peers.confirm, session, ada, cycle.id, alan.id, pick,
            now=datetime(2026, 12, 12, tzinfo=UTC))

    assert peer_rows(session, cycle, alan) == before
    assert events(session, "peers.confirmed") == []


def test_the_manager_sees_the_proposals_of_their_reports_waiting_for_them(session, people, cycle, clock):
    ada = people["UMGR1"]
    peers.propose(session, people["UEMP2"], cycle.id, ids(people, "UEMP1"), now=clock.now())
    peers.propose(session, people["UEMP1"], cycle.id, ids(people, "UEMP3", "UEMP2"), now=clock.now())

    waiting = peers.awaiting_confirmation(session, ada)

    assert [(n.subject.name, names(n), n.confirmed) for n in waiting] == [
        ("Alan Turing", ["Katherine Johnson", "李雷"], False), ("李雷", ["Alan Turing"], False),
    ]
    assert peers.awaiting_confirmation(session, people["UHR1"]) == []  # HR may confirm, but nothing waits on HR
    peers.confirm(session, ada, cycle.id, people["UEMP1"].id, ids(people, "UEMP3"), now=clock.now())
    assert [n.subject.name for n in peers.awaiting_confirmation(session, ada)] == ["李雷"]
    cycle.state = "closed"
    session.flush()
    assert peers.awaiting_confirmation(session, ada) == []


# --- writing and declining -------------------------------------------------------------------------


def test_a_peer_writes_the_review_and_may_edit_it_while_the_cycle_is_open(session, people, cycle, clock):
    alan, katherine = people["UEMP1"], people["UEMP3"]
    confirmed_for_alan(session, people, cycle, clock)
    request = request_of(session, cycle, katherine, alan)

    form = peers.peer_review_form(session, katherine, request.id)
    assert (form.review.id, form.cycle.id, form.subject.id) == (request.id, cycle.id, alan.id)
    assert [c["key"] for c in form.plan["criteria"]] == ["results", "quality", "collaboration", "ownership"]

    review = peers.submit_peer_review(
        session, katherine, request.id, ratings=GOOD, comments={"quality": "  Careful reviews  "},
        strengths=" Calm under pressure ", to_improve="Write things down", now=clock.now())

    assert (review.state, review.submitted_at, review.rating) == ("submitted", clock.now(), 4)  # 3.5 rounds up
    assert review.answers["criteria"]["quality"] == {"rating": 3, "comment": "Careful reviews"}
    assert (review.answers["strengths"], review.answers["to_improve"]) == ("Calm under pressure", "Write things down")
    [event] = events(session, "review.peer_submitted")
    assert (event.entity_id, event.actor_id, event.detail) == (
        request.id, katherine.id, {"cycle_id": cycle.id, "resubmitted": False})

    edited = write(session, katherine, request, clock, ratings={k: "2" for k in GOOD})
    assert (edited.id, edited.rating, edited.state) == (request.id, 2, "submitted")
    assert events(session, "review.peer_submitted")[-1].detail["resubmitted"] is True

    cycle.state = "released"
    session.flush()
    refused(CLOSED, peers.peer_review_form, session, katherine, request.id)
    refused(CLOSED, write, session, katherine, request, clock)


def test_a_peer_review_with_problems_is_refused_field_by_field_and_nothing_written(session, people, cycle, clock):
    alan, katherine = people["UEMP1"], people["UEMP3"]
    confirmed_for_alan(session, people, cycle, clock)
    request = request_of(session, cycle, katherine, alan)

    with pytest.raises(ReviewError) as caught:
        peers.submit_peer_review(session, katherine, request.id, ratings=GOOD | {"quality": "9"}, comments={},
                                 strengths="  ", to_improve="x" * (TEXT_MAX + 1), now=clock.now())

    assert caught.value.errors == {"rating:quality": RATING_INVALID, "strengths": SUMMARY_MISSING,
                                   "to_improve": TEXT_TOO_LONG}
    session.refresh(request)
    assert (request.state, request.answers, request.rating) == ("requested", {}, None)
    assert events(session, "review.peer_submitted") == []


def test_only_the_confirmed_peer_may_open_their_review(session, people, cycle, clock):
    alan = people["UEMP1"]
    peers.propose(session, alan, cycle.id, ids(people, "UEMP2", "UEMP3"), now=clock.now())
    proposed = request_of(session, cycle, people["UEMP3"], alan)

    refused(NOT_FOUND, peers.peer_review_form, session, people["UEMP3"], proposed.id)  # not confirmed yet
    peers.confirm(session, people["UMGR1"], cycle.id, alan.id, ids(people, "UEMP3"), now=clock.now())
    for someone in ("UEMP1", "UEMP2", "UMGR1", "UHR1"):
        refused(NOT_FOUND, peers.peer_review_form, session, people[someone], proposed.id)
    own_self_review = cycles.requested_for(session, alan, cycle=cycle)[0]
    refused(NOT_FOUND, peers.peer_review_form, session, alan, own_self_review.id)
    refused(NOT_FOUND, peers.peer_review_form, session, alan, 2**40)


def test_a_peer_declines_once_with_a_reason_and_cannot_write_it_afterwards(session, people, cycle, clock):
    alan, li = people["UEMP1"], people["UEMP2"]
    confirmed_for_alan(session, people, cycle, clock)
    request = request_of(session, cycle, li, alan)

    field_refused("reason", TEXT_TOO_LONG, peers.decline, session, li, request.id, reason="x" * (TEXT_MAX + 1),
                  now=clock.now())
    assert request.state == "requested" and events(session, "review.peer_declined") == []
    refused(NOT_FOUND, peers.decline, session, people["UEMP3"], request.id, reason=None, now=clock.now())

    declined = peers.decline(session, li, request.id, reason="  I barely work with Alan ", now=clock.now())

    assert (declined.state, declined.answers["decline_reason"]) == ("declined", "I barely work with Alan")
    [event] = events(session, "review.peer_declined")
    assert (event.entity_id, event.actor_id, event.detail) == (
        request.id, li.id, {"cycle_id": cycle.id, "with_reason": True})
    refused(ALREADY_DONE, peers.decline, session, li, request.id, reason=None, now=clock.now())
    refused(CLOSED, peers.peer_review_form, session, li, request.id)
    assert [r.kind for r in cycles.requested_for(session, li, cycle=cycle)] == ["self"]


def test_a_written_review_cannot_be_declined(session, people, cycle, clock):
    alan, katherine = people["UEMP1"], people["UEMP3"]
    confirmed_for_alan(session, people, cycle, clock)
    request = request_of(session, cycle, katherine, alan)
    write(session, katherine, request, clock)

    refused(ALREADY_DONE, peers.decline, session, katherine, request.id, reason=None, now=clock.now())

    assert request.state == "submitted" and events(session, "review.peer_declined") == []


# --- reading the feedback -------------------------------------------------------------------------


def written_feedback(session, people, cycle, clock) -> None:
    """Li and Katherine write about Alan; Barbara declines."""
    alan = people["UEMP1"]
    confirmed_for_alan(session, people, cycle, clock, "UEMP2", "UEMP3", "UDATA1")
    write(session, people["UEMP2"], request_of(session, cycle, people["UEMP2"], alan), clock,
          strengths="Thorough design docs", to_improve="Ask for help sooner")
    write(session, people["UEMP3"], request_of(session, cycle, people["UEMP3"], alan), clock,
          strengths="Always unblocks others", to_improve="Share plans earlier", ratings={k: "5" for k in GOOD})
    peers.decline(session, people["UDATA1"], request_of(session, cycle, people["UDATA1"], alan).id, reason="No",
                  now=clock.now())


def test_anonymous_feedback_names_nobody_not_even_to_the_manager_or_hr(session, people, cycle, clock):
    alan = people["UEMP1"]
    written_feedback(session, people, cycle, clock)

    for viewer in ("UMGR1", "UHR1"):
        feedback = peers.feedback_for(session, people[viewer], alan, cycle)
        assert [(f.author, f.strengths, f.rating) for f in feedback] == [
            (None, "Always unblocks others", 5), (None, "Thorough design docs", 4),
        ]  # two written, the declined one not counted; ordered by what was written, not by who
    assert feedback[1].to_improve == "Ask for help sooner"
    assert feedback[1].criteria["results"] == {"rating": 4, "comment": None}


def test_the_employee_reads_peer_feedback_only_once_the_cycle_is_released(session, people, cycle, clock):
    alan = people["UEMP1"]
    written_feedback(session, people, cycle, clock)

    refused(NOT_FOUND, peers.feedback_for, session, alan, alan, cycle)
    for someone in ("UEMP2", "UEMP3", "UDATA1"):  # the peers themselves and a stranger, at any time
        refused(NOT_FOUND, peers.feedback_for, session, people[someone], alan, cycle)

    cycle.peer_threshold = 2  # two answered: enough for Alan to read them (tests/test_fair_reviews.py: fewer)
    cycle.state = "released"
    session.flush()
    assert [(f.author, f.strengths) for f in peers.feedback_for(session, alan, alan, cycle)] == [
        (None, "Always unblocks others"), (None, "Thorough design docs")]
    refused(NOT_FOUND, peers.feedback_for, session, people["UEMP2"], alan, cycle)


def test_feedback_in_a_cycle_without_anonymity_names_its_authors(session, people, clock):
    cycle = open_cycle(session, clock, peers_anonymous=False, peer_threshold=2)
    written_feedback(session, people, cycle, clock)
    cycle.state = "released"
    session.flush()

    for viewer in ("UEMP1", "UMGR1", "UHR1"):
        feedback = peers.feedback_for(session, people[viewer], people["UEMP1"], cycle)
        assert [(f.author.name, f.strengths) for f in feedback] == [
            ("Katherine Johnson", "Always unblocks others"), ("李雷", "Thorough design docs")]
