"""Peers for a review: the employee proposes them, the manager confirms or changes them, a peer declines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlmodel import col, select

from actions.outcome import Asked, Outcome, Tell
from prompts import peer_blocks
from storage import peers, people, reviews
from storage.models import Person, ReviewCycle

FIELD = peers.PEERS_FIELD  # the form's one field: every refusal of a choice is about it
CANDIDATES_MAX = 200  # people a surface without a directory picker offers to choose from (a card has a size limit)


@dataclass(frozen=True)
class Chosen:
    """Whom a form names: Slack ids (Slack's user picker) or person ids (Teams' choice of colleagues)."""

    slack_ids: Sequence[str] = ()
    person_ids: Sequence[str] = ()


def pair_value(cycle_id: int, subject_id: int) -> str:
    """The "cycle:subject" a Confirm or Change button (and the change form) carries."""
    return f"{cycle_id}:{subject_id}"


def _peer_ids(session, chosen: Chosen) -> list:
    """The chosen people's ids; a Slack id outside the directory refuses the whole choice."""
    ids: list = []
    for slack_id in chosen.slack_ids:
        person = people.by_slack_id(session, slack_id)
        if person is None:
            raise reviews.ReviewValidationError({FIELD: peers.PEER_UNKNOWN})
        ids.append(person.id)
    return ids + list(chosen.person_ids)  # storage refuses an id that is not an active person's


def _refusal(error: reviews.ReviewError) -> Outcome:
    if isinstance(error, reviews.ReviewValidationError):
        return Outcome.refused(error.errors)
    return Outcome.refused({FIELD: error.code})


def _names(nomination: peers.Nomination) -> list[str]:
    return [peer.name for peer in nomination.peers]


@dataclass(frozen=True)
class PeersForm:
    """What the choose (or change) form shows: the nomination so far and whom one may pick."""

    nomination: peers.Nomination
    candidates: list[Person]
    value: str  # what the submit carries back: the cycle (choosing) or "cycle:subject" (changing)


def candidates(session, subject: Person, *, limit: int = CANDIDATES_MAX) -> list[Person]:
    """Active colleagues other than the subject: the subject's team first, then by name."""
    rows = session.exec(select(Person).where(col(Person.active).is_(True), col(Person.erased_at).is_(None),
                                             Person.id != subject.id)).all()
    rows.sort(key=lambda p: (p.team_id != subject.team_id or subject.team_id is None, p.name.casefold()))
    return list(rows[:limit])


def choose_form(session, asked: Asked, *, cycle_id: int | None) -> Outcome:
    """The employee's form to propose peers, while the manager has not confirmed them."""
    try:
        if cycle_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        nomination = peers.nomination(session, asked.person, cycle_id, asked.person.id)
        if nomination.confirmed:  # who was finally asked stays with the manager: it could unmask a reviewer
            raise reviews.ReviewError(peers.PEERS_CONFIRMED)
    except reviews.ReviewError as error:
        return _refusal(error)
    return Outcome.done(value=PeersForm(nomination, candidates(session, asked.person), str(cycle_id)))


def propose_peers(session, asked: Asked, *, cycle_id: int | None, chosen: Chosen) -> Outcome:
    """Propose up to five peers for one's own review; the manager is asked to confirm them, where they are."""
    employee = asked.person
    try:
        if cycle_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        nomination = peers.propose(session, employee, cycle_id, _peer_ids(session, chosen), now=asked.now)
    except reviews.ReviewError as error:
        return _refusal(error)
    manager = session.get(Person, employee.manager_id) if employee.manager_id else None
    if manager is not None and not manager.active:
        manager = None  # a manager who has left confirms nothing: HR (or a new manager) does, from the change form
    names, cycle = _names(nomination), nomination.cycle.name
    tells = []
    if manager is not None:
        tells.append(Tell(manager, partial(_confirm_request, subject=employee.name, peers=names, cycle=cycle,
                                           value=pair_value(cycle_id, employee.id))))
    proposed = peer_blocks.peers_proposed(peers=names, cycle=cycle, manager=manager.name if manager else None,
                                          locale=asked.locale)
    tells.append(Tell(employee, lambda _locale: proposed, here=True, locale=asked.locale))
    return Outcome.done(reply=proposed, tells=tells, value=nomination)


def _confirm_request(locale: str, *, subject: str, peers: list[str], cycle: str, value: str) -> dict:
    return peer_blocks.confirm_request(subject=subject, peers=peers, cycle=cycle, value=value, locale=locale)


def change_form(session, asked: Asked, *, cycle_id: int | None, subject_id: int | None) -> Outcome:
    """The manager's form to change the proposed (or confirmed) peers; the employee only reads their list."""
    try:
        if cycle_id is None or subject_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        nomination = peers.nomination(session, asked.person, cycle_id, subject_id)
        if nomination.subject.id == asked.person.id:
            raise reviews.ReviewError(reviews.NOT_FOUND)
    except reviews.ReviewError as error:
        return _refusal(error)
    return Outcome.done(value=PeersForm(nomination, candidates(session, nomination.subject),
                                        pair_value(cycle_id, subject_id)))


def confirm_peers(session, asked: Asked, *, cycle_id: int | None, subject_id: int | None,
                  chosen: Chosen | None = None) -> Outcome:
    """Confirm who reviews the subject: as proposed (`chosen` None) or as the manager changed it.

    The peers newly asked hear of it from the review-reminders job, as every review request does.
    """
    manager = asked.person
    try:
        if cycle_id is None or subject_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        if chosen is None:
            proposed = peers.nomination(session, manager, cycle_id, subject_id)
            ids = [p.id for p in proposed.peers]
        else:
            ids = _peer_ids(session, chosen)
        nomination, _ = peers.confirm(session, manager, cycle_id, subject_id, ids, now=asked.now)
    except reviews.ReviewError as error:
        return _refusal(error)
    confirmed = peer_blocks.peers_confirmed(subject=nomination.subject.name, peers=_names(nomination),
                                            locale=asked.locale)
    return Outcome.done(reply=confirmed, value=nomination,
                        tells=[Tell(manager, lambda _locale: confirmed, here=True, locale=asked.locale)])


def decline_peer_review(session, asked: Asked, *, review_id: int | None, reason: str | None) -> Outcome:
    """Decline a requested peer review; the subject's manager hears that someone declined (never who)."""
    try:
        if review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        review = peers.decline(session, asked.person, review_id, reason=reason, now=asked.now)
    except reviews.ReviewError as error:
        return _refusal(error) if isinstance(error, reviews.ReviewValidationError) else \
            Outcome.refused({"reason": error.code})
    subject = session.get(Person, review.subject_id)
    cycle = session.get(ReviewCycle, review.cycle_id)
    manager = session.get(Person, subject.manager_id) if subject.manager_id else None
    tells = []
    if manager is not None and manager.active:
        tells.append(Tell(manager, partial(_declined, subject=subject.name, value=pair_value(cycle.id, subject.id))))
    thanks = peer_blocks.peer_review_thanks(subject=subject.name, declined=True, locale=asked.locale)
    tells.append(Tell(asked.person, lambda _locale: thanks, here=True, locale=asked.locale))
    return Outcome.done(reply=thanks, tells=tells, value=review)


def _declined(locale: str, *, subject: str, value: str) -> dict:
    return peer_blocks.peer_declined_to_manager(subject=subject, value=value, locale=locale)
