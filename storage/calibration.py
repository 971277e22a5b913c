"""After the manager reviews: HR calibrates ratings across teams and may ask a manager to revisit one; once the
cycle is released each employee reads their result, with the peer feedback, and acknowledges it once."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import audit, goals, people, plans
from storage.models import TEXT_MAX, CheckIn, Goal, Kudos, Person, Review, ReviewCycle, ReviewKind, Team, Visibility
from storage.peers import PeerFeedback, _get, _name_key, comments_for
from storage.permissions import is_hr, manages
from storage.reviews import CLOSED, NOT_FOUND, TEXT_TOO_LONG, ReviewError, ReviewValidationError, _text
from storage.weeks import week_key

# Error codes (ReviewError.code, or a field code of ReviewValidationError.errors).
NOT_RELEASED = "result_not_released"  # acknowledging a result before its cycle is released
ALREADY_ACKNOWLEDGED = "already_acknowledged"
NOT_SUBMITTED = "review_not_submitted"  # revisiting or reading a manager review not written (yet, or again)
ALREADY_RELEASED = "already_released"  # revisiting a rating already released
NOTE_MISSING = "revisit_note_missing"  # field "note": HR must say what to reconsider
ERROR_CODES = (NOT_RELEASED, ALREADY_ACKNOWLEDGED, NOT_SUBMITTED, ALREADY_RELEASED, NOTE_MISSING)

RESPONSE = "response"  # Review.kind of an employee's acknowledgement of their result
# A manager's ratings are set beside the organisation's once they rated at least SPREAD_MIN_RATED reports, and
# marked "far" when their mean rating is FAR_MEAN_GAP points or more above or below the organisation's mean in the
# cycle (their own ratings included). The mean, rather than a distance between distributions, says which way a
# manager leans (lenient or harsh) in the units HR calibrates in, and stays readable with a handful of reports.
SPREAD_MIN_RATED = 3
FAR_MEAN_GAP = 0.75
NO_TEAM = "—"
RELEASED_STATES = ("released", "closed")


@dataclass(frozen=True)
class CalibrationRow:
    review: Review  # the manager review
    subject: Person
    manager: Person  # who writes the review
    team: str | None
    plan: dict
    rating: int | None  # the manager's overall rating; while a revisit is pending, the rating under revisit
    reward: dict
    self_rating: float | None  # mean of the self review's criteria ratings
    peer_rating: float | None  # mean of the written peer reviews' ratings
    peers: int  # written peer reviews
    goal_progress: float | None  # mean rolled-up progress of the approved goals due in or after the period
    checkins: int  # in the period
    kudos: int  # received in the period
    revisit_note: str | None  # HR's note while a revisit is pending


@dataclass(frozen=True)
class Spread:
    """How written ratings fall on the scale: counts, shares and mean."""

    counts: dict[int, int]  # rating -> written manager reviews, every step of the scale
    rated: int
    mean: float | None

    def share(self, rating: int) -> float:
        return self.counts.get(rating, 0) / self.rated if self.rated else 0.0


@dataclass(frozen=True)
class ManagerSpread:
    manager: Person
    spread: Spread
    gap: float  # the manager's mean minus the organisation's: above 0 more lenient, below 0 harsher
    far: bool  # abs(gap) >= FAR_MEAN_GAP


@dataclass(frozen=True)
class Calibration:
    cycle: ReviewCycle
    rows: list[CalibrationRow]  # by team, then rating (highest first), then name
    distribution: dict[str, dict[int, int]]  # team (NO_TEAM without one) -> rating -> written manager reviews
    scale: list[int]
    missing: int  # manager reviews not written, or sent back for a revisit
    organisation: Spread  # every written rating of the cycle
    managers: list[ManagerSpread]  # those with SPREAD_MIN_RATED or more rated reports: far ones first, by gap
    min_rated: int = SPREAD_MIN_RATED  # the rule, for the words that explain it
    far_gap: float = FAR_MEAN_GAP


@dataclass(frozen=True)
class Result:
    review: Review  # the manager review
    cycle: ReviewCycle
    subject: Person
    plan: dict
    rating: int
    reward: dict
    strengths: str | None
    to_improve: str | None
    criteria: dict
    peer_feedback: list[PeerFeedback]
    peers_withheld: bool  # fewer peers answered than the cycle's threshold: the subject reads none of their words
    acknowledged_at: datetime | None
    response: str | None


# --- calibrating -------------------------------------------------------------------------------


def calibration(session: Session, hr: Person, cycle_id: int) -> Calibration:
    """Every manager review of the cycle beside the evidence behind it, and the ratings per team; HR only.

    A fixed number of queries whatever the number of people (plans are looked up once per team and role).
    """
    if not is_hr(hr):
        raise ReviewError(NOT_FOUND)
    cycle = _get(session, ReviewCycle, cycle_id)
    if cycle is None:
        raise ReviewError(NOT_FOUND)
    reviews = list(session.exec(select(Review).where(
        Review.cycle_id == cycle.id, col(Review.kind).in_((ReviewKind.MANAGER, ReviewKind.SELF, ReviewKind.PEER)))))
    manager_reviews = [review for review in reviews if review.kind == ReviewKind.MANAGER]
    people_ids = {review.subject_id for review in manager_reviews} | {review.author_id for review in manager_reviews}
    everyone = people.by_ids(session, people_ids)
    subjects = sorted({review.subject_id for review in manager_reviews})
    teams = _team_names(session, {everyone[i].team_id for i in subjects if everyone[i].team_id is not None})
    plan_of = _plan_cache(session)

    self_ratings = {review.subject_id: _criteria_mean(review) for review in reviews
                    if review.kind == ReviewKind.SELF and review.state == "submitted"}
    peer_ratings: dict[int, list[int]] = defaultdict(list)
    peer_counts: Counter[int] = Counter()
    for review in reviews:
        if review.kind == ReviewKind.PEER and review.state == "submitted":
            peer_counts[review.subject_id] += 1
            if review.rating is not None:
                peer_ratings[review.subject_id].append(review.rating)
    progress = _goal_progress(session, subjects, cycle)
    checkins = _checkin_counts(session, subjects, cycle)
    kudos = _kudos_counts(session, subjects, cycle)

    rows = []
    for review in manager_reviews:
        subject = everyone[review.subject_id]
        plan = plan_of(subject)
        rating = review.rating
        revisit = (review.answers or {}).get("revisit") if review.state != "submitted" else None
        rows.append(CalibrationRow(
            review=review, subject=subject, manager=everyone[review.author_id],
            team=teams.get(subject.team_id), plan=plan, rating=rating,
            reward=plans.reward_for(plan, rating) if rating is not None else {},
            self_rating=self_ratings.get(subject.id), peer_rating=_mean(peer_ratings.get(subject.id, [])),
            peers=peer_counts[subject.id], goal_progress=progress.get(subject.id),
            checkins=checkins.get(subject.id, 0), kudos=kudos.get(subject.id, 0),
            revisit_note=revisit.get("note") if isinstance(revisit, dict) else None,
        ))
    rows.sort(key=lambda row: (row.team is None, (row.team or "").casefold(), row.rating is None,
                               -(row.rating or 0), _name_key(row.subject)))

    plans_used = [row.plan for row in rows] or [plans.resolved(plans.DEFAULT_PLAN)]
    scale = sorted({step["value"] for plan in plans_used for step in plan["rating_scale"]})
    distribution: dict[str, dict[int, int]] = {}
    for row in rows:
        counts = distribution.setdefault(row.team or NO_TEAM, dict.fromkeys(scale, 0))
        if row.review.state == "submitted" and row.rating is not None:
            counts[row.rating] = counts.get(row.rating, 0) + 1
    missing = sum(1 for review in manager_reviews if review.state != "submitted")
    organisation, managers = _spreads(rows, scale)
    return Calibration(cycle=cycle, rows=rows, distribution=distribution, scale=scale, missing=missing,
                       organisation=organisation, managers=managers)


def _spreads(rows: list[CalibrationRow], scale: list[int]) -> tuple[Spread, list[ManagerSpread]]:
    """The organisation's written ratings, and each manager's with SPREAD_MIN_RATED or more, set beside them."""
    written = [row for row in rows if row.review.state == "submitted" and row.rating is not None]
    organisation = _spread([row.rating for row in written], scale)
    by_manager: dict[int, list[CalibrationRow]] = defaultdict(list)
    for row in written:
        by_manager[row.manager.id].append(row)
    managers = []
    for mine in by_manager.values():
        if len(mine) < SPREAD_MIN_RATED:
            continue
        spread = _spread([row.rating for row in mine], scale)
        gap = spread.mean - organisation.mean
        # Rounded first, so a gap that is 0.75 on paper (means are thirds, quarters...) is not lost to float error.
        managers.append(ManagerSpread(manager=mine[0].manager, spread=spread, gap=gap,
                                      far=round(abs(gap), 6) >= FAR_MEAN_GAP))
    managers.sort(key=lambda m: (not m.far, -abs(m.gap) if m.far else 0, _name_key(m.manager)))
    return organisation, managers


def _spread(ratings: list[int], scale: list[int]) -> Spread:
    counts = dict.fromkeys(scale, 0)
    for rating in ratings:
        counts[rating] = counts.get(rating, 0) + 1
    return Spread(counts=counts, rated=len(ratings), mean=_mean(ratings))


def ask_to_revisit(session: Session, hr: Person, review_id: int, note: str | None, *, now: datetime) -> Review:
    """Send a written manager review back to its manager with HR's note; HR only, before the cycle is released.

    The answers and rating stay, so the manager's form opens as they left it; submitting it again clears the note.
    """
    if not is_hr(hr):
        raise ReviewError(NOT_FOUND)
    review = _get(session, Review, review_id)
    if review is None or review.kind != ReviewKind.MANAGER:
        raise ReviewError(NOT_FOUND)
    cycle = session.get(ReviewCycle, review.cycle_id) if review.cycle_id is not None else None
    if cycle is None:
        raise ReviewError(NOT_FOUND)
    if cycle.state in RELEASED_STATES:
        raise ReviewError(ALREADY_RELEASED)
    if cycle.state != "open":
        raise ReviewError(CLOSED)  # the manager could not write it again: their form opens only in an open cycle
    if review.state != "submitted":
        raise ReviewError(NOT_SUBMITTED)
    cleaned = _text(note)
    if cleaned is None:
        raise ReviewValidationError({"note": NOTE_MISSING})
    if len(cleaned) > TEXT_MAX:
        raise ReviewValidationError({"note": TEXT_TOO_LONG})
    previous = review.rating
    review.answers = {**(review.answers or {}),
                      "revisit": {"note": cleaned, "by": hr.id, "at": now.isoformat(), "rating": previous}}
    review.state = "requested"
    session.add(review)
    audit.record(session, action="review.revisit_requested", entity="review", entity_id=review.id,
                 actor_id=hr.id, now=now, detail={"rating": previous})
    session.flush()
    return review


# --- results -----------------------------------------------------------------------------------


def result_for(session: Session, viewer: Person, review_id: int) -> Result:
    """A result as its employee reads it (once released), or their manager chain and HR (once written)."""
    review = _get(session, Review, review_id)
    if review is None or review.kind != ReviewKind.MANAGER or review.cycle_id is None or not viewer.active:
        raise ReviewError(NOT_FOUND)
    cycle = session.get(ReviewCycle, review.cycle_id)
    subject = session.get(Person, review.subject_id)
    if viewer.id == subject.id:
        if cycle.state not in RELEASED_STATES or review.state != "submitted":
            raise ReviewError(NOT_FOUND)  # nothing about an unreleased result, not even that it is written
    elif not (is_hr(viewer) or viewer.id == review.author_id or manages(session, viewer, subject)):
        raise ReviewError(NOT_FOUND)
    elif review.state != "submitted":
        raise ReviewError(NOT_SUBMITTED)
    plan = plans.plan_for(session, subject)
    answers = review.answers or {}
    response = _response_to(session, review)
    comments = comments_for(session, viewer, subject, cycle)
    return Result(
        review=review, cycle=cycle, subject=subject, plan=plan, rating=review.rating,
        reward=plans.reward_for(plan, review.rating) if review.rating is not None else {},
        strengths=answers.get("strengths"), to_improve=answers.get("to_improve"),
        criteria=dict(answers.get("criteria") or {}),
        peer_feedback=comments.feedback, peers_withheld=comments.withheld,
        acknowledged_at=response.submitted_at if response is not None else None,
        response=response.text if response is not None else None,
    )


def acknowledge(session: Session, employee: Person, review_id: int, response: str | None, *,
                now: datetime) -> Review:
    """Acknowledge one's released result, once, with an optional response; returns the acknowledgement."""
    review = _get(session, Review, review_id)
    if review is None or review.kind != ReviewKind.MANAGER or review.subject_id != employee.id:
        raise ReviewError(NOT_FOUND)
    # Lock the result so two acknowledgements at once cannot both pass the check below (a no-op on SQLite).
    session.exec(select(Review.id).where(Review.id == review.id).with_for_update()).first()
    cycle = session.get(ReviewCycle, review.cycle_id) if review.cycle_id is not None else None
    if cycle is None:
        raise ReviewError(NOT_FOUND)
    if cycle.state not in RELEASED_STATES or review.state != "submitted":
        raise ReviewError(NOT_RELEASED)
    if _response_to(session, review) is not None:
        raise ReviewError(ALREADY_ACKNOWLEDGED)
    cleaned = _text(response)
    if cleaned is not None and len(cleaned) > TEXT_MAX:
        raise ReviewValidationError({"response": TEXT_TOO_LONG})
    reply = Review(
        kind=RESPONSE, author_id=employee.id, subject_id=employee.id, cycle_id=cycle.id,
        in_reply_to_id=review.id, period=cycle.name[:16], state="submitted", text=cleaned,
        visibility=Visibility.SUBJECT, created_at=now, submitted_at=now,
    )
    session.add(reply)
    audit.record(session, action="review.acknowledged", entity="review", entity_id=review.id,
                 actor_id=employee.id, now=now, detail={"with_response": cleaned is not None})
    session.flush()
    return reply


def below_threshold(session: Session, cycle: ReviewCycle) -> list[tuple[Review, Person]]:
    """Released manager reviews rated below the subject's plan's improvement threshold, by subject name."""
    if cycle.state not in RELEASED_STATES:
        return []
    rows = session.exec(
        select(Review, Person).join(Person, col(Person.id) == Review.subject_id)
        .where(Review.cycle_id == cycle.id, Review.kind == ReviewKind.MANAGER, Review.state == "submitted",
               col(Review.rating).is_not(None))
    ).all()
    plan_of = _plan_cache(session)
    found = [(review, subject) for review, subject in rows
             if review.rating < plan_of(subject)["improvement_threshold"]]
    return sorted(found, key=lambda pair: _name_key(pair[1]))


# --- helpers -----------------------------------------------------------------------------------


def _response_to(session: Session, review: Review) -> Review | None:
    return session.exec(select(Review).where(
        Review.in_reply_to_id == review.id, Review.kind == RESPONSE).order_by(col(Review.id))).first()



def _team_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {team.id: team.name for team in session.exec(select(Team).where(col(Team.id).in_(ids)))}


def _plan_cache(session: Session):
    """plans.plan_for, looked up once per (team, role): the only things it depends on."""
    cache: dict[tuple[int | None, str | None], dict] = {}

    def plan_of(person: Person) -> dict:
        key = (person.team_id, person.role)
        if key not in cache:
            cache[key] = plans.plan_for(session, person)
        return cache[key]

    return plan_of


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _criteria_mean(review: Review) -> float | None:
    criteria = (review.answers or {}).get("criteria") or {}
    return _mean([answer["rating"] for answer in criteria.values()
                  if isinstance(answer, dict) and answer.get("rating") is not None])


def _period(cycle: ReviewCycle) -> tuple[datetime, datetime]:
    return (datetime.combine(cycle.period_start, time.min, tzinfo=UTC),
            datetime.combine(cycle.period_end, time.max, tzinfo=UTC))


def _goal_progress(session: Session, subject_ids: list[int], cycle: ReviewCycle) -> dict[int, float]:
    if not subject_ids:
        return {}
    owned = list(session.exec(select(Goal).where(
        col(Goal.owner_id).in_(subject_ids), Goal.approval == "approved", col(Goal.archived_at).is_(None),
        Goal.due_date >= cycle.period_start)))
    progress = goals.progress_map(session, owned)
    by_owner: dict[int, list[float]] = defaultdict(list)
    for goal in owned:
        by_owner[goal.owner_id].append(progress.get(goal.id, 0.0))
    return {owner: _mean(values) for owner, values in by_owner.items()}


def _checkin_counts(session: Session, subject_ids: list[int], cycle: ReviewCycle) -> dict[int, int]:
    if not subject_ids:
        return {}
    first, last = week_key(cycle.period_start), week_key(cycle.period_end)
    return dict(session.exec(
        select(CheckIn.person_id, func.count()).where(
            col(CheckIn.person_id).in_(subject_ids), CheckIn.week >= first, CheckIn.week <= last)
        .group_by(col(CheckIn.person_id))).all())


def _kudos_counts(session: Session, subject_ids: list[int], cycle: ReviewCycle) -> dict[int, int]:
    if not subject_ids:
        return {}
    start, end = _period(cycle)
    return dict(session.exec(
        select(Kudos.receiver_id, func.count()).where(
            col(Kudos.receiver_id).in_(subject_ids), Kudos.created_at >= start, Kudos.created_at <= end)
        .group_by(col(Kudos.receiver_id))).all())
