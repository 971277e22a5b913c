"""Writing reviews: one's self-review, a peer review, and the manager review of a report.

Each submit takes the form's fields already split by kind (`ratings`, `comments`, `evidence` keyed by criterion or
goal, and the named text fields) and records them through storage, which decides who may write what and when.
Field errors come back keyed like the form ("rating:<criterion>", "overall", ...); a refusal of the whole form (not
found, someone else's review, the cycle closed) comes back under `FORM`, for the surface to show as it shows such a
refusal. The writer's thanks is the outcome's reply, also queued to them where they acted (`Tell(here=True)`).
Declining a peer review is actions.peers.decline_peer_review; acknowledging a result is
actions.calibration.acknowledge_result.
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.outcome import Asked, Outcome, Tell
from prompts import peer_blocks, review_blocks
from storage import peers, plans, reviews
from storage.models import Person, ReviewCycle

FORM = "review"  # where a refusal of the whole form goes: no one field is wrong

Texts = Mapping[str, str | None]


def _refused(error: reviews.ReviewError) -> Outcome:
    if isinstance(error, reviews.ReviewValidationError):
        return Outcome.refused(error.errors)
    return Outcome.refused({FORM: error.code})


def _thanked(asked: Asked, thanks: dict, value) -> Outcome:
    return Outcome.done(reply=thanks, value=value,
                        tells=[Tell(asked.person, lambda _locale: thanks, here=True, locale=asked.locale)])


def submit_self_review(session, asked: Asked, *, review_id: int | None, ratings: Texts, comments: Texts,
                       evidence: Texts) -> Outcome:
    """Record my self-review: a rating on the plan's scale and a comment per criterion, evidence per goal."""
    try:
        if review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        review = reviews.submit_self_review(session, asked.person, review_id, ratings=dict(ratings),
                                            comments=dict(comments), evidence=dict(evidence), now=asked.now)
    except reviews.ReviewError as error:
        return _refused(error)
    cycle = session.get(ReviewCycle, review.cycle_id)
    return _thanked(asked, review_blocks.self_review_thanks(cycle=cycle.name, locale=asked.locale), review)


def submit_peer_review(session, asked: Asked, *, review_id: int | None, ratings: Texts, comments: Texts,
                       strengths: str | None, to_improve: str | None) -> Outcome:
    """Record the peer review I was asked for: a rating (and comment) per criterion, strengths, things to improve."""
    try:
        if review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        review = peers.submit_peer_review(session, asked.person, review_id, ratings=dict(ratings),
                                          comments=dict(comments), strengths=strengths, to_improve=to_improve,
                                          now=asked.now)
    except reviews.ReviewError as error:
        return _refused(error)
    subject = session.get(Person, review.subject_id)
    return _thanked(asked, peer_blocks.peer_review_thanks(subject=subject.name, declined=False, locale=asked.locale),
                    review)


def submit_manager_review(session, asked: Asked, *, review_id: int | None, ratings: Texts, comments: Texts,
                          overall: str | None, strengths: str | None, to_improve: str | None) -> Outcome:
    """Record the manager review of a report: ratings per criterion, the overall rating and the written summary."""
    try:
        if review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        review = reviews.submit_manager_review(session, asked.person, review_id, ratings=dict(ratings),
                                               comments=dict(comments), overall=overall, strengths=strengths,
                                               to_improve=to_improve, now=asked.now)
        form = reviews.manager_review_form(session, asked.person, review.id)
    except reviews.ReviewError as error:
        return _refused(error)
    shown = plans.rating_label(form.plan, review.rating, asked.locale) or str(review.rating)
    return _thanked(asked, review_blocks.manager_review_thanks(
        subject=form.subject.name, cycle=form.cycle.name, rating=f"{review.rating} · {shown}", locale=asked.locale),
        review)
