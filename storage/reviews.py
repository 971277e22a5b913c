"""Writing reviews in a cycle: the self-review now (peer and manager reviews build on the same rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage import audit, plans
from storage.models import TEXT_MAX, Goal, Person, Review, ReviewCycle, ReviewKind

NOT_FOUND = "not_found"
CLOSED = "review_closed"
RATING_MISSING = "rating_missing"
RATING_INVALID = "rating_invalid"
TEXT_TOO_LONG = "text_too_long"


class ReviewError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class ReviewValidationError(ReviewError):
    """Field errors, keyed like the form: "rating:<criterion>", "comment:<criterion>", "evidence:<goal id>"."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid")
        self.errors = errors


@dataclass(frozen=True)
class SelfReviewForm:
    review: Review
    cycle: ReviewCycle
    plan: dict
    goals: list[Goal]  # the person's approved goals due in or after the cycle's period


def self_review_form(session: Session, person: Person, review_id: int) -> SelfReviewForm:
    """Return what the self-review asks about; only its author may open it, only while the cycle is open."""
    review = _own_request(session, person, review_id, kind=ReviewKind.SELF)
    cycle = session.get(ReviewCycle, review.cycle_id)
    if cycle is None or cycle.state != "open":
        raise ReviewError(CLOSED)
    goals = list(session.exec(
        select(Goal).where(Goal.owner_id == person.id, Goal.approval == "approved",
                           col(Goal.archived_at).is_(None), Goal.due_date >= cycle.period_start)
        .order_by(Goal.due_date, Goal.id)))
    return SelfReviewForm(review=review, cycle=cycle, plan=plans.plan_for(session, person), goals=goals)


def submit_self_review(session: Session, person: Person, review_id: int, *, ratings: dict[str, str | None],
                       comments: dict[str, str | None], evidence: dict[str, str | None], now: datetime) -> Review:
    """Record the self-review: a rating on the plan's scale and a comment per criterion, evidence per goal."""
    form = self_review_form(session, person, review_id)
    scale = {step["value"] for step in form.plan["rating_scale"]}
    errors: dict[str, str] = {}
    answers: dict[str, dict] = {"criteria": {}, "goals": {}}
    for criterion in form.plan["criteria"]:
        key = criterion["key"]
        rating = _rating(ratings.get(key), scale)
        if rating is None:
            errors[f"rating:{key}"] = RATING_MISSING if not (ratings.get(key) or "").strip() else RATING_INVALID
        comment = _text(comments.get(key))
        if comment is not None and len(comment) > TEXT_MAX:
            errors[f"comment:{key}"] = TEXT_TOO_LONG
        answers["criteria"][key] = {"rating": rating, "comment": comment}
    goal_ids = {str(goal.id) for goal in form.goals}
    for goal_id, text in evidence.items():
        if goal_id not in goal_ids:
            raise ReviewError(NOT_FOUND)  # a forged goal: refuse the whole submission
        cleaned = _text(text)
        if cleaned is not None and len(cleaned) > TEXT_MAX:
            errors[f"evidence:{goal_id}"] = TEXT_TOO_LONG
        answers["goals"][goal_id] = {"evidence": cleaned}
    if errors:
        raise ReviewValidationError(errors)
    review = form.review
    review.answers = answers
    review.state = "submitted"
    review.submitted_at = now
    session.add(review)
    audit.record(session, action="review.self_submitted", entity="review", entity_id=review.id, actor_id=person.id,
                 now=now, detail={"cycle_id": review.cycle_id})
    session.flush()
    return review


def _own_request(session: Session, person: Person, review_id: int, *, kind: str) -> Review:
    review = session.get(Review, review_id)
    # Someone else's review reads as missing, so ids reveal nothing.
    if review is None or review.author_id != person.id or review.kind != kind:
        raise ReviewError(NOT_FOUND)
    if review.state == "declined":
        raise ReviewError(CLOSED)
    return review


def _rating(text: str | None, scale: set[int]) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if value in scale else None


def _text(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    return cleaned or None
