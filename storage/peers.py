"""Peer reviews in a cycle: the employee proposes peers, their manager confirms, the peers write or decline.

A peer review is a Review row of kind "peer" written by the peer about the employee. Its state says where the
nomination stands: "proposed" (the employee's pick, not yet confirmed), "requested" (confirmed, to be written),
"submitted" and "declined". Nothing here knows Slack; refusals are ReviewError codes, form problems
ReviewValidationError field codes (the peer picker is the field "peers").
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage import audit, people, plans
from storage.cycles import _today
from storage.models import TEXT_MAX, Person, Review, ReviewCycle, ReviewKind, Visibility
from storage.permissions import can_decide_for, can_view_person, is_hr, manages
from storage.reviews import (
    CLOSED,
    NOT_FOUND,
    SUMMARY_MISSING,
    TEXT_TOO_LONG,
    ReviewError,
    ReviewValidationError,
    _criteria_answers,
    _text,
)

MAX_PEERS = 5

# Error codes (ReviewError.code, or a field code of ReviewValidationError.errors).
PEER_SELF = "peer_self"  # field "peers": the employee picked themself
PEER_TOO_MANY = "peer_too_many"  # field "peers": more than MAX_PEERS
PEER_NONE = "peer_none"  # field "peers": nobody picked
PEER_UNKNOWN = "peer_unknown"  # field "peers": not an active, non-erased person
PEERS_CONFIRMED = "peers_confirmed"  # the manager already confirmed: the employee's pick is closed
PEER_DUE_PASSED = "peer_due_passed"  # the cycle's peer due date has passed
ALREADY_DONE = "review_already_done"  # the peer review was already written or declined
ERROR_CODES = (PEER_SELF, PEER_TOO_MANY, PEER_NONE, PEER_UNKNOWN, PEERS_CONFIRMED, PEER_DUE_PASSED, ALREADY_DONE)

PEERS_FIELD = "peers"
PROPOSED = "proposed"
REQUESTED = "requested"
SUBMITTED = "submitted"
DECLINED = "declined"
CONFIRMED_STATES = (REQUESTED, SUBMITTED, DECLINED)
_ID_MAX = 2**31 - 1  # ids may come from forged payloads; id columns are 32-bit INTEGER on PostgreSQL


@dataclass(frozen=True)
class Nomination:
    cycle: ReviewCycle
    subject: Person
    peers: list[Person]  # proposed ones until confirmed, then the confirmed ones; by name
    confirmed: bool


@dataclass(frozen=True)
class PeerReviewForm:
    review: Review
    cycle: ReviewCycle
    subject: Person
    plan: dict


@dataclass(frozen=True)
class PeerFeedback:
    author: Person | None  # None when the cycle keeps peers anonymous
    criteria: dict
    strengths: str | None
    to_improve: str | None
    rating: int | None


# --- nominating --------------------------------------------------------------------------------


def propose(session: Session, employee: Person, cycle_id: int, peer_ids: Sequence[int], *,
            now: datetime) -> Nomination:
    """Propose 1 to MAX_PEERS peers for one's own review; a new proposal replaces the last until confirmed."""
    cycle = _cycle_of_subject(session, cycle_id, employee)
    _check_nominating(cycle, now)
    rows = _peer_rows(session, cycle, employee)
    if any(row.state in CONFIRMED_STATES for row in rows):
        raise ReviewError(PEERS_CONFIRMED)
    peers = _checked_peers(session, employee, peer_ids)

    chosen = {peer.id for peer in peers}
    proposed = {row.author_id: row for row in rows if row.state == PROPOSED}
    for author_id, row in proposed.items():
        if author_id not in chosen:
            session.delete(row)
    session.add_all([_peer_review(cycle, peer, employee, PROPOSED, now) for peer in peers if peer.id not in proposed])
    audit.record(session, action="peers.proposed", entity="person", entity_id=employee.id, actor_id=employee.id,
                 now=now, detail={"cycle_id": cycle.id, "peers": len(chosen)})
    session.flush()
    return Nomination(cycle=cycle, subject=employee, peers=_by_name(peers), confirmed=False)


def nomination(session: Session, viewer: Person, cycle_id: int, subject_id: int) -> Nomination:
    """The peers proposed for or confirmed on the subject; for the subject, their manager chain and HR."""
    subject = _get(session, Person, subject_id)
    if subject is None or not can_view_person(session, viewer, subject):
        raise ReviewError(NOT_FOUND)
    cycle = _cycle_of_subject(session, cycle_id, subject)
    return _nomination(session, cycle, subject, _peer_rows(session, cycle, subject))


def confirm(session: Session, manager: Person, cycle_id: int, subject_id: int, peer_ids: Sequence[int], *,
            now: datetime) -> tuple[Nomination, list[Review]]:
    """Confirm who reviews the subject (the proposal as is, changed, or picked from scratch).

    The chosen peers are asked for a review; a proposal or a request not kept is withdrawn, a review already
    written or declined stays. Returns the nomination and the reviews newly asked for, so their peers can be told.
    """
    subject = _get(session, Person, subject_id)
    if subject is None or not can_decide_for(session, manager, subject):
        raise ReviewError(NOT_FOUND)
    cycle = _cycle_of_subject(session, cycle_id, subject)
    _check_nominating(cycle, now)
    peers = _checked_peers(session, subject, peer_ids)

    rows = _peer_rows(session, cycle, subject)
    was_confirmed = any(row.state in CONFIRMED_STATES for row in rows)
    proposed = [row for row in rows if row.state == PROPOSED]
    before = {row.author_id for row in rows if row.state in (CONFIRMED_STATES if was_confirmed else (PROPOSED,))}
    chosen = {peer.id for peer in peers}
    by_author = {row.author_id: row for row in rows}
    newly: list[Review] = []
    for row in rows:
        if row.author_id not in chosen and row.state in (PROPOSED, REQUESTED):
            session.delete(row)
    for peer in peers:
        row = by_author.get(peer.id)
        if row is None:
            row = _peer_review(cycle, peer, subject, REQUESTED, now)
            newly.append(row)
        elif row.state == PROPOSED:
            row.state = REQUESTED
            row.created_at = now
            newly.append(row)
        session.add(row)  # requested, submitted and declined ones stay as they are
    audit.record(session, action="peers.confirmed", entity="person", entity_id=subject.id, actor_id=manager.id,
                 now=now, detail={"cycle_id": cycle.id, "proposed": len(proposed), "confirmed": len(chosen),
                                  "changed": chosen != before})
    session.flush()
    return _nomination(session, cycle, subject, _peer_rows(session, cycle, subject)), newly


def awaiting_confirmation(session: Session, manager: Person) -> list[Nomination]:
    """The proposals of this manager's direct reports waiting for them, in open cycles; soonest due first."""
    if not manager.active or manager.id is None:
        return []
    query = (
        select(Review, ReviewCycle, Person)
        .join(ReviewCycle, col(ReviewCycle.id) == Review.cycle_id)
        .join(Person, col(Person.id) == Review.subject_id)
        .where(Review.kind == ReviewKind.PEER, Review.state == PROPOSED, ReviewCycle.state == "open",
               Person.manager_id == manager.id, col(Person.active).is_(True), col(Person.erased_at).is_(None))
    )
    grouped: dict[tuple[int, int], tuple[ReviewCycle, Person, list[int]]] = {}
    for review, cycle, subject in session.exec(query):
        grouped.setdefault((cycle.id, subject.id), (cycle, subject, []))[2].append(review.author_id)
    authors = people.by_ids(session, {author for _, _, ids in grouped.values() for author in ids})
    nominations = [
        Nomination(cycle=cycle, subject=subject, peers=_by_name(authors[i] for i in ids if i in authors),
                   confirmed=False)
        for cycle, subject, ids in grouped.values()
    ]
    return sorted(nominations, key=lambda n: (n.cycle.peer_due, n.cycle.id, _name_key(n.subject)))


# --- writing or declining ------------------------------------------------------------------------


def peer_review_form(session: Session, peer: Person, review_id: int) -> PeerReviewForm:
    """What the peer review asks about; only its author may open it, while the cycle is open (also to edit)."""
    review = _own_peer_review(session, peer, review_id)
    if review.state == DECLINED:
        raise ReviewError(CLOSED)
    cycle = session.get(ReviewCycle, review.cycle_id)
    if cycle is None or cycle.state != "open":
        raise ReviewError(CLOSED)
    subject = session.get(Person, review.subject_id)
    return PeerReviewForm(review=review, cycle=cycle, subject=subject, plan=plans.plan_for(session, subject))


def submit_peer_review(session: Session, peer: Person, review_id: int, *, ratings: dict[str, str | None],
                       comments: dict[str, str | None], strengths: str | None, to_improve: str | None,
                       now: datetime) -> Review:
    """Record a rating and optional comment per criterion and the written strengths and things to improve."""
    form = peer_review_form(session, peer, review_id)
    errors: dict[str, str] = {}
    criteria = _criteria_answers(form.plan, ratings, comments, errors)
    summary = {"strengths": _text(strengths), "to_improve": _text(to_improve)}
    for field, text in summary.items():
        if text is None:
            errors[field] = SUMMARY_MISSING
        elif len(text) > TEXT_MAX:
            errors[field] = TEXT_TOO_LONG
    if errors:
        raise ReviewValidationError(errors)
    review = form.review
    resubmitted = review.state == SUBMITTED
    review.answers = {"criteria": criteria, **summary}
    review.rating = _rounded_mean([answer["rating"] for answer in criteria.values()])
    review.text = summary["strengths"]
    review.state = SUBMITTED
    review.submitted_at = now
    session.add(review)
    audit.record(session, action="review.peer_submitted", entity="review", entity_id=review.id, actor_id=peer.id,
                 now=now, detail={"cycle_id": review.cycle_id, "resubmitted": resubmitted})
    session.flush()
    return review


def decline(session: Session, peer: Person, review_id: int, *, reason: str | None, now: datetime) -> Review:
    """Decline to write a requested peer review, with an optional reason for the manager."""
    review = _own_peer_review(session, peer, review_id)
    cycle = session.get(ReviewCycle, review.cycle_id)
    if cycle is None or cycle.state != "open":
        raise ReviewError(CLOSED)
    if review.state != REQUESTED:
        raise ReviewError(ALREADY_DONE)
    cleaned = _text(reason)
    if cleaned is not None and len(cleaned) > TEXT_MAX:
        raise ReviewValidationError({"reason": TEXT_TOO_LONG})
    review.state = DECLINED
    review.answers = {**(review.answers or {}), "decline_reason": cleaned}
    review.submitted_at = now
    session.add(review)
    audit.record(session, action="review.peer_declined", entity="review", entity_id=review.id, actor_id=peer.id,
                 now=now, detail={"cycle_id": review.cycle_id, "with_reason": cleaned is not None})
    session.flush()
    return review


# --- reading what peers wrote --------------------------------------------------------------------


@dataclass(frozen=True)
class PeerComments:
    """The peer reviews of a subject in a cycle as one viewer may read them."""

    feedback: list[PeerFeedback]
    # Peers were asked but fewer than the cycle's peer_threshold answered: the comments stay with the manager chain
    # and HR, and the subject reads none (nor how many there are). The same for every viewer, so a manager can
    # tell the subject why.
    withheld: bool


def comments_for(session: Session, viewer: Person, subject: Person, cycle: ReviewCycle) -> PeerComments:
    """The written peer reviews of the subject in the cycle, and whether they are withheld from the subject.

    The subject sees them once the cycle is released, and only when at least the cycle's peer_threshold peers
    answered; their manager chain and HR at any time, whatever the count. This is the one place the rule is
    applied: every surface that shows peers' words to the subject reads them through here.
    When the cycle keeps peers anonymous nobody is told who wrote what, and the order (by text) says nothing about
    it either. Declined and unwritten requests are never counted here.
    """
    if not _may_read_feedback(session, viewer, subject, cycle):
        raise ReviewError(NOT_FOUND)
    rows = _peer_rows(session, cycle, subject)
    reviews = [row for row in rows if row.state == SUBMITTED]
    asked = any(row.state in CONFIRMED_STATES for row in rows)
    withheld = asked and len(reviews) < cycle.peer_threshold
    if withheld and viewer.id == subject.id:
        return PeerComments(feedback=[], withheld=True)
    authors = {} if cycle.peers_anonymous else people.by_ids(session, {review.author_id for review in reviews})
    feedback = [
        PeerFeedback(
            author=None if cycle.peers_anonymous else authors.get(review.author_id),
            criteria=dict((review.answers or {}).get("criteria") or {}),
            strengths=(review.answers or {}).get("strengths"),
            to_improve=(review.answers or {}).get("to_improve"),
            rating=review.rating,
        )
        for review in reviews
    ]
    return PeerComments(feedback=sorted(feedback, key=_content_key), withheld=withheld)


def feedback_for(session: Session, viewer: Person, subject: Person, cycle: ReviewCycle) -> list[PeerFeedback]:
    """The peer feedback the viewer may read (comments_for without the withheld flag)."""
    return comments_for(session, viewer, subject, cycle).feedback


def _may_read_feedback(session: Session, viewer: Person, subject: Person, cycle: ReviewCycle) -> bool:
    if not viewer.active:
        return False
    if viewer.id == subject.id:
        return cycle.state in ("released", "closed")
    return is_hr(viewer) or manages(session, viewer, subject)


def _content_key(feedback: PeerFeedback) -> tuple:
    return (
        (feedback.strengths or "").casefold(), (feedback.to_improve or "").casefold(),
        feedback.rating if feedback.rating is not None else -1,
        json.dumps(feedback.criteria, sort_keys=True, ensure_ascii=False),
    )


# --- helpers -------------------------------------------------------------------------------------


def _get(session: Session, model, record_id):
    """The row with this id, or None for a missing or forged id (never a database error)."""
    try:
        number = int(record_id)
    except (TypeError, ValueError):
        return None
    if isinstance(record_id, bool) or not 1 <= number <= _ID_MAX:
        return None
    return session.get(model, number)


def _cycle_of_subject(session: Session, cycle_id: int, subject: Person) -> ReviewCycle:
    """The cycle, when the subject is reviewed in it (asked for a self review); else NOT_FOUND."""
    cycle = _get(session, ReviewCycle, cycle_id)
    if cycle is None or subject.id is None:
        raise ReviewError(NOT_FOUND)
    own = session.exec(select(Review.id).where(
        Review.cycle_id == cycle.id, Review.kind == ReviewKind.SELF, Review.author_id == subject.id,
        Review.subject_id == subject.id)).first()
    if own is None:
        raise ReviewError(NOT_FOUND)
    return cycle


def _check_nominating(cycle: ReviewCycle, now: datetime) -> None:
    if cycle.state != "open":
        raise ReviewError(CLOSED)
    if _today(now) > cycle.peer_due:
        raise ReviewError(PEER_DUE_PASSED)


def _checked_peers(session: Session, subject: Person, peer_ids: Sequence[int]) -> list[Person]:
    """The distinct peers picked, each an active, non-erased person other than the subject; else a field error."""
    ids: list[int] = []
    for raw in peer_ids:
        number = _id(raw)
        if number is None:
            raise ReviewValidationError({PEERS_FIELD: PEER_UNKNOWN})
        if number not in ids:
            ids.append(number)
    if not ids:
        raise ReviewValidationError({PEERS_FIELD: PEER_NONE})
    if subject.id in ids:
        raise ReviewValidationError({PEERS_FIELD: PEER_SELF})
    if len(ids) > MAX_PEERS:
        raise ReviewValidationError({PEERS_FIELD: PEER_TOO_MANY})
    found = people.by_ids(session, set(ids))
    if len(found) != len(ids) or not all(person.active and person.erased_at is None for person in found.values()):
        raise ReviewValidationError({PEERS_FIELD: PEER_UNKNOWN})
    return [found[number] for number in ids]


def _id(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= _ID_MAX else None



def _peer_rows(session: Session, cycle: ReviewCycle, subject: Person) -> list[Review]:
    return list(session.exec(select(Review).where(
        Review.cycle_id == cycle.id, Review.subject_id == subject.id, Review.kind == ReviewKind.PEER,
    ).order_by(col(Review.id))))


def _nomination(session: Session, cycle: ReviewCycle, subject: Person, rows: list[Review]) -> Nomination:
    confirmed = any(row.state in CONFIRMED_STATES for row in rows)
    wanted = CONFIRMED_STATES if confirmed else (PROPOSED,)
    chosen = people.by_ids(session, {row.author_id for row in rows if row.state in wanted})
    return Nomination(cycle=cycle, subject=subject, peers=_by_name(chosen.values()), confirmed=confirmed)


def _peer_review(cycle: ReviewCycle, peer: Person, subject: Person, state: str, now: datetime) -> Review:
    return Review(
        kind=ReviewKind.PEER, author_id=peer.id, subject_id=subject.id, cycle_id=cycle.id, period=cycle.name[:16],
        state=state, due_date=cycle.peer_due, visibility=Visibility.SUBJECT, created_at=now,
    )


def _own_peer_review(session: Session, peer: Person, review_id: int) -> Review:
    review = _get(session, Review, review_id)
    # Someone else's review, or one only proposed so far, reads as missing: ids reveal nothing.
    if review is None or review.author_id != peer.id or review.kind != ReviewKind.PEER or review.state == PROPOSED:
        raise ReviewError(NOT_FOUND)
    return review


def _rounded_mean(ratings: list[int | None]) -> int | None:
    given = [rating for rating in ratings if rating is not None]
    if not given:
        return None
    return math.floor(sum(given) / len(given) + 0.5)  # half up: 3.5 is 4, not the even 4 or 3 of round()


def _name_key(person: Person) -> tuple[str, int]:
    return (person.name.casefold(), person.id or 0)


def _by_name(people: Iterable[Person]) -> list[Person]:
    return sorted(people, key=_name_key)
