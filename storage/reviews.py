"""Writing reviews in a cycle: the self-review now (peer and manager reviews build on the same rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlmodel import Session, col, select

from storage import audit, goals, plans
from storage.models import TEXT_MAX, CheckIn, Goal, Kudos, Person, Review, ReviewCycle, ReviewKind
from storage.weeks import week_key

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
    errors: dict[str, str] = {}
    answers: dict[str, dict] = {"criteria": _criteria_answers(form.plan, ratings, comments, errors), "goals": {}}
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


def _criteria_answers(plan: dict, ratings: dict[str, str | None], comments: dict[str, str | None],
                      errors: dict[str, str]) -> dict[str, dict]:
    """Check a rating on the plan's scale and an optional comment per criterion, collecting errors."""
    scale = _scale(plan)
    answers = {}
    for criterion in plan["criteria"]:
        key = criterion["key"]
        rating = _checked_rating(ratings.get(key), scale, errors, f"rating:{key}")
        comment = _text(comments.get(key))
        if comment is not None and len(comment) > TEXT_MAX:
            errors[f"comment:{key}"] = TEXT_TOO_LONG
        answers[key] = {"rating": rating, "comment": comment}
    return answers


def _scale(plan: dict) -> set[int]:
    return {step["value"] for step in plan["rating_scale"]}


def _checked_rating(text: str | None, scale: set[int], errors: dict[str, str], field: str) -> int | None:
    rating = _rating(text, scale)
    if rating is None:
        errors[field] = RATING_MISSING if not (text or "").strip() else RATING_INVALID
    return rating


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


SUMMARY_MISSING = "summary_missing"


@dataclass(frozen=True)
class Evidence:
    """Everything a manager should see before rating someone, in one place."""

    goals: list[tuple[Goal, float]]  # the subject's goals in the period with their rolled-up progress
    checkins: int
    avg_confidence: float | None
    blockers: int
    feedback: list[Review]  # weekly feedback and reflections in the period, oldest first
    kudos: list[Kudos]
    self_review: Review | None
    peer_reviews: list[Review]  # submitted; the surface shows them without names when the cycle says so


@dataclass(frozen=True)
class ManagerReviewForm:
    review: Review
    cycle: ReviewCycle
    subject: Person
    plan: dict
    evidence: Evidence


def manager_review_form(session: Session, manager: Person, review_id: int) -> ManagerReviewForm:
    """Return the manager review of someone with its evidence; only the manager it was asked of may open it."""
    review = _own_request(session, manager, review_id, kind=ReviewKind.MANAGER)
    cycle = session.get(ReviewCycle, review.cycle_id)
    if cycle is None or cycle.state != "open":
        raise ReviewError(CLOSED)
    subject = session.get(Person, review.subject_id)
    return ManagerReviewForm(review=review, cycle=cycle, subject=subject, plan=plans.plan_for(session, subject),
                             evidence=_evidence(session, subject, cycle))


def _evidence(session: Session, subject: Person, cycle: ReviewCycle) -> Evidence:
    start = datetime.combine(cycle.period_start, time.min, tzinfo=UTC)
    end = datetime.combine(cycle.period_end, time.max, tzinfo=UTC)
    subject_goals = list(session.exec(
        select(Goal).where(Goal.owner_id == subject.id, Goal.approval == "approved", col(Goal.archived_at).is_(None),
                           Goal.due_date >= cycle.period_start).order_by(Goal.due_date, Goal.id)))
    progress = goals.progress_map(session, subject_goals)
    weeks = (week_key(cycle.period_start), week_key(cycle.period_end))
    checkins = list(session.exec(select(CheckIn).where(CheckIn.person_id == subject.id, CheckIn.week >= weeks[0],
                                                       CheckIn.week <= weeks[1])))
    confidences = [c.confidence for c in checkins if c.confidence]
    reviews = list(session.exec(select(Review).where(Review.subject_id == subject.id).order_by(Review.id)))
    in_period = [r for r in reviews if r.kind in (ReviewKind.WEEKLY_FEEDBACK, ReviewKind.REFLECTION)
                 and r.submitted_at is not None and start <= r.submitted_at <= end]
    return Evidence(
        goals=[(goal, progress.get(goal.id, 0.0)) for goal in subject_goals],
        checkins=len(checkins),
        avg_confidence=sum(confidences) / len(confidences) if confidences else None,
        blockers=sum(1 for c in checkins if (c.blockers or "").strip()),
        feedback=in_period,
        kudos=list(session.exec(select(Kudos).where(Kudos.receiver_id == subject.id, Kudos.created_at >= start,
                                                    Kudos.created_at <= end).order_by(Kudos.created_at))),
        self_review=next((r for r in reviews if r.cycle_id == cycle.id and r.kind == ReviewKind.SELF
                          and r.state == "submitted"), None),
        peer_reviews=[r for r in reviews if r.cycle_id == cycle.id and r.kind == ReviewKind.PEER
                      and r.state == "submitted"],
    )


def submit_manager_review(session: Session, manager: Person, review_id: int, *, ratings: dict[str, str | None],
                          comments: dict[str, str | None], overall: str | None, strengths: str | None,
                          to_improve: str | None, now: datetime) -> Review:
    """Record the manager's ratings per criterion, the overall rating, and the written summary."""
    form = manager_review_form(session, manager, review_id)
    errors: dict[str, str] = {}
    criteria = _criteria_answers(form.plan, ratings, comments, errors)
    overall_rating = _checked_rating(overall, _scale(form.plan), errors, "overall")
    summary = {"strengths": _text(strengths), "to_improve": _text(to_improve)}
    for field, text in summary.items():
        if text is None:
            errors[field] = SUMMARY_MISSING
        elif len(text) > TEXT_MAX:
            errors[field] = TEXT_TOO_LONG
    if errors:
        raise ReviewValidationError(errors)
    review = form.review
    previous = review.rating
    history = list((review.answers or {}).get("history") or [])
    if previous is not None and previous != overall_rating:  # a revisited rating: the earlier one stays on record
        history.append({"rating": previous, "until": now.isoformat()})
    review.answers = {"criteria": criteria, **summary, "history": history}
    review.rating = overall_rating
    review.text = summary["strengths"]
    review.state = "submitted"
    review.submitted_at = now
    session.add(review)
    audit.record(session, action="review.manager_submitted", entity="review", entity_id=review.id,
                 actor_id=manager.id, now=now, detail={"rating": overall_rating, "previous_rating": previous})
    session.flush()
    return review
