"""Calibration and release: HR sees every rating beside its evidence, asks a manager to revisit one, releases."""

from __future__ import annotations

from functools import partial

from actions.outcome import Asked, Outcome, Tell
from prompts import calibration_blocks, review_blocks
from storage import calibration, cycles, reviews
from storage.models import Person, Review, ReviewCycle
from storage.permissions import is_hr

CYCLE = "cycle"  # the error key of a refusal about the cycle as a whole (a button, not a form)


def calibration_view(session, asked: Asked, *, cycle_id: int | None) -> Outcome:
    """Every rating of a cycle beside its evidence, and the distribution by team; HR only.

    The value is storage.calibration.Calibration: each surface draws it (Slack: messages and a chart image).
    """
    try:
        if cycle_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        found = calibration.calibration(session, asked.person, cycle_id)
    except reviews.ReviewError as error:
        return Outcome.refused({CYCLE: error.code})
    return Outcome.done(value=found)


def revisit_form(session, asked: Asked, *, review_id: int | None) -> Outcome:
    """The form to ask a manager to revisit a rating: HR only."""
    if not is_hr(asked.person) or review_id is None:
        return Outcome.refused({"note": reviews.NOT_FOUND})
    return Outcome.done(value=review_id)


def ask_to_revisit(session, asked: Asked, *, review_id: int | None, note: str | None) -> Outcome:
    """Send a manager review back with HR's note; the manager is asked to look again, where they are."""
    try:
        if review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        review = calibration.ask_to_revisit(session, asked.person, review_id, note, now=asked.now)
    except reviews.ReviewValidationError as error:
        return Outcome.refused({"note": next(iter(error.errors.values()))} if error.errors else {"note": error.code})
    except reviews.ReviewError as error:
        return Outcome.refused({"note": error.code})
    manager = session.get(Person, review.author_id)
    subject = session.get(Person, review.subject_id)
    cycle = session.get(ReviewCycle, review.cycle_id)
    tells = []
    if manager.active:
        tells.append(Tell(manager, partial(_revisit_request, subject=subject.name, cycle=cycle.name,
                                           note=(note or "").strip(), review_id=review.id)))
    sent = calibration_blocks.revisit_sent(manager=manager.name, subject=subject.name, locale=asked.locale)
    tells.append(Tell(asked.person, lambda _locale: sent, here=True, locale=asked.locale))
    return Outcome.done(reply=sent, tells=tells, value=review)


def _revisit_request(locale: str, *, subject: str, cycle: str, note: str, review_id: int) -> dict:
    return calibration_blocks.revisit_request(subject=subject, cycle=cycle, note=note, review_id=review_id,
                                              open_action=review_blocks.OPEN_MANAGER_REVIEW_ACTION, locale=locale)


def release_form(session, asked: Asked, *, cycle_id: int | None) -> Outcome:
    """What "are you sure" names before a release: the cycle, for HR only."""
    cycle = session.get(ReviewCycle, cycle_id) if cycle_id is not None else None
    if cycle is None or not is_hr(asked.person):
        return Outcome.refused({CYCLE: reviews.NOT_FOUND})
    return Outcome.done(value=cycle)


def release_cycle(session, asked: Asked, *, cycle_id: int | None) -> Outcome:
    """Release a cycle's results (HR); the review-results job then tells each employee in their waking hours."""
    cycle = session.get(ReviewCycle, cycle_id) if cycle_id is not None else None
    if cycle is None or not is_hr(asked.person):
        return Outcome.refused({CYCLE: reviews.NOT_FOUND})
    try:
        results = cycles.release(session, cycle.name, now=asked.now, actor_id=asked.person.id)
    except cycles.CycleError as error:
        return Outcome.refused({CYCLE: error.code})
    released = calibration_blocks.cycle_released(cycle=cycle.name, count=len(results), locale=asked.locale)
    return Outcome.done(reply=released, value=cycle,
                        tells=[Tell(asked.person, lambda _locale: released, here=True, locale=asked.locale)])


def acknowledge_result(session, asked: Asked, *, review_id: int | None, response: str | None) -> Outcome:
    """The employee acknowledges their released result, with an optional response the manager reads."""
    try:
        if review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        reply = calibration.acknowledge(session, asked.person, review_id, response, now=asked.now)
    except reviews.ReviewValidationError as error:
        return Outcome.refused({"response": next(iter(error.errors.values()))} if error.errors else
                               {"response": error.code})
    except reviews.ReviewError as error:
        return Outcome.refused({"response": error.code})
    result = session.get(Review, review_id)
    manager = session.get(Person, result.author_id)
    cycle = session.get(ReviewCycle, result.cycle_id)
    tells = []
    if manager.active:
        tells.append(Tell(manager, partial(_acknowledged_to_manager, subject=asked.person.name, cycle=cycle.name,
                                           response=reply.text)))
    done = calibration_blocks.acknowledged(manager=manager.name, response=reply.text, locale=asked.locale)
    tells.append(Tell(asked.person, lambda _locale: done, here=True, locale=asked.locale))
    return Outcome.done(reply=done, tells=tells, value=reply)


def _acknowledged_to_manager(locale: str, *, subject: str, cycle: str, response: str | None) -> dict:
    return calibration_blocks.acknowledged_to_manager(subject=subject, cycle=cycle, response=response, locale=locale)
