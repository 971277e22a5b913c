"""Review cycles: opening one (self and manager reviews for everyone in scope) and counting where each stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage import audit
from storage.db import insert_unless_exists
from storage.models import Person, Review, ReviewCycle, ReviewKind, Team, Visibility
from storage.parsing import iso_date

STATES = ("open", "calibrating", "released", "closed")
NAME_MAX = 100

REQUESTED = "requested"
SUBMITTED = "submitted"
DECLINED = "declined"
DONE_STATES = (SUBMITTED, DECLINED)

# CycleError codes
INVALID_NAME = "invalid_name"
INVALID_DATE = "invalid_date"
BAD_ORDER = "bad_order"
IN_THE_PAST = "in_the_past"
UNKNOWN_TEAM = "unknown_team"
DUPLICATE = "duplicate"
EMPTY_SCOPE = "empty_scope"
INVALID_PEER_THRESHOLD = "invalid_peer_threshold"

# How many peers must answer before the reviewed person reads their comments (fewer stay with the manager chain
# and HR), so that one peer's words cannot be traced back to them. Per cycle; the column's default is the same.
PEER_THRESHOLD_DEFAULT = 3
PEER_THRESHOLD_MIN = 1
PEER_THRESHOLD_MAX = 10


class CycleError(Exception):
    """A cycle verb refused: `code` for a surface to branch on, str() a one-line English reason for the CLI."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _today(now: datetime) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC).date()


def _date(option: str, text: str | None) -> date:
    try:
        value = iso_date(text)
    except ValueError:
        raise CycleError(INVALID_DATE, f"{option} must be a date like 2026-12-31, not {text!r}") from None
    if value is None:
        raise CycleError(INVALID_DATE, f"{option} is required (a date like 2026-12-31)")
    return value


def _not_after(earlier_option: str, earlier: date, later_option: str, later: date) -> None:
    if earlier > later:
        raise CycleError(BAD_ORDER, f"{earlier_option} ({earlier}) must not be after {later_option} ({later})")


def peer_threshold_of(value: int | str | None) -> int:
    """The peer threshold given as a number or as typed (blank: the default); else INVALID_PEER_THRESHOLD."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return PEER_THRESHOLD_DEFAULT
    text = str(value).strip()
    if isinstance(value, bool) or not text.isascii() or not text.isdigit() \
            or not PEER_THRESHOLD_MIN <= int(text) <= PEER_THRESHOLD_MAX:
        raise CycleError(INVALID_PEER_THRESHOLD, f"--peer-threshold must be a whole number from {PEER_THRESHOLD_MIN} "
                                                 f"to {PEER_THRESHOLD_MAX}, not {value!r}")
    return int(text)


def _find_team(session: Session, name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == name.strip())).first()
    if team is None:
        raise CycleError(UNKNOWN_TEAM, f"no team named {name.strip()!r}")
    return team


def open_cycle(
    session: Session,
    *,
    name: str,
    period_start: str,
    period_end: str,
    self_due: str,
    peer_due: str,
    manager_due: str,
    team: str | None,
    now: datetime,
    actor_id: int | None = None,
    peers_anonymous: bool = True,
    peer_threshold: int | str | None = None,
) -> ReviewCycle:
    """Open a cycle and ask everyone active in scope for a self review, and their active manager for one on them.

    Everything is checked before anything is written, so a refused cycle leaves no trace. Peer reviews come
    later, once each employee has proposed their peers. `peer_threshold`: how many peers must answer before the
    reviewed person reads their comments (None or blank: PEER_THRESHOLD_DEFAULT).
    """
    today = _today(now)
    name = (name or "").strip()
    if not name:
        raise CycleError(INVALID_NAME, "the cycle needs a name")
    if len(name) > NAME_MAX:
        raise CycleError(INVALID_NAME, f"the cycle name must be at most {NAME_MAX} characters, not {len(name)}")
    start = _date("--from", period_start)
    end = _date("--to", period_end)
    self_on = _date("--self-due", self_due)
    peer_on = _date("--peer-due", peer_due)
    manager_on = _date("--manager-due", manager_due)
    threshold = peer_threshold_of(peer_threshold)
    if start >= end:
        raise CycleError(BAD_ORDER, f"--from ({start}) must be before --to ({end})")
    if self_on < start:
        raise CycleError(BAD_ORDER, f"--self-due ({self_on}) must not be before --from ({start})")
    _not_after("--self-due", self_on, "--peer-due", peer_on)
    _not_after("--peer-due", peer_on, "--manager-due", manager_on)
    if manager_on < today:
        raise CycleError(IN_THE_PAST, f"--manager-due ({manager_on}) is in the past (today is {today})")
    scope = _find_team(session, team) if team is not None else None
    if find(session, name) is not None:
        raise CycleError(DUPLICATE, f"a cycle named {name!r} already exists")

    people_query = select(Person).where(col(Person.active).is_(True), col(Person.erased_at).is_(None))
    if scope is not None:
        people_query = people_query.where(Person.team_id == scope.id)
    people = list(session.exec(people_query.order_by(col(Person.id))))
    if not people:
        where = f"team {scope.name!r}" if scope is not None else "the organisation"
        raise CycleError(EMPTY_SCOPE, f"nobody active in {where} to review")

    # ON CONFLICT DO NOTHING: a concurrent open of the same name loses cleanly instead of with an IntegrityError.
    inserted = insert_unless_exists(session, ReviewCycle, {
        "name": name, "team_id": scope.id if scope is not None else None, "period_start": start,
        "period_end": end, "self_due": self_on, "peer_due": peer_on, "manager_due": manager_on,
        "state": "open", "peers_anonymous": peers_anonymous, "peer_threshold": threshold, "created_at": now,
    }, unique=["name"])
    if not inserted:
        raise CycleError(DUPLICATE, f"a cycle named {name!r} already exists")
    cycle = session.exec(select(ReviewCycle).where(ReviewCycle.name == name)).one()

    managers = _active_managers(session, {p.manager_id for p in people if p.manager_id is not None})
    reviews: list[Review] = []
    for person in people:
        reviews.append(_request(cycle, ReviewKind.SELF, author_id=person.id, subject_id=person.id, due=self_on,
                                now=now))
        if person.manager_id in managers and person.manager_id != person.id:
            reviews.append(_request(cycle, ReviewKind.MANAGER, author_id=person.manager_id, subject_id=person.id,
                                    due=manager_on, now=now))
    session.add_all(reviews)
    self_count = sum(1 for review in reviews if review.kind == ReviewKind.SELF)
    audit.record(
        session, action="cycle.opened", entity="reviewcycle", entity_id=cycle.id, actor_id=actor_id, now=now,
        detail={
            "name": name, "team": scope.name if scope is not None else None, "people": len(people),
            "self_reviews": self_count, "manager_reviews": len(reviews) - self_count,
        },
    )
    session.flush()
    return cycle


def _active_managers(session: Session, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    query = select(Person.id).where(
        col(Person.id).in_(ids), col(Person.active).is_(True), col(Person.erased_at).is_(None)
    )
    return {person_id for person_id in session.exec(query) if person_id is not None}


def _request(cycle: ReviewCycle, kind: str, *, author_id, subject_id, due: date, now: datetime) -> Review:
    return Review(
        kind=kind, author_id=author_id, subject_id=subject_id, cycle_id=cycle.id, period=cycle.name[:16],
        state=REQUESTED, due_date=due, visibility=Visibility.SUBJECT, created_at=now,
    )


@dataclass(frozen=True)
class CycleSummary:
    cycle: ReviewCycle
    done: int  # submitted or declined
    due: int  # requested, due today or later
    overdue: int  # requested, due before today
    by_kind: dict[str, tuple[int, int, int]]  # kind -> (done, due, overdue)


def summaries(session: Session, *, now: datetime) -> list[CycleSummary]:
    """Every cycle, newest first, with its reviews counted: two queries whatever the number of cycles."""
    today = _today(now)
    bucket = case(
        (col(Review.state).in_(DONE_STATES), "done"),
        (col(Review.due_date) < today, "overdue"),
        else_="due",
    ).label("bucket")
    counts = session.execute(
        select(col(Review.cycle_id), col(Review.kind), bucket, func.count())
        .where(col(Review.cycle_id).is_not(None), col(Review.state).in_((REQUESTED, *DONE_STATES)))
        .group_by(col(Review.cycle_id), col(Review.kind), bucket)
    ).all()
    tallies: dict[int, dict[str, dict[str, int]]] = {}
    for cycle_id, kind, which, count in counts:
        tallies.setdefault(cycle_id, {}).setdefault(kind, {"done": 0, "due": 0, "overdue": 0})[which] += count
    cycles = session.exec(select(ReviewCycle).order_by(col(ReviewCycle.created_at).desc(), col(ReviewCycle.id).desc()))
    result = []
    for cycle in cycles:
        kinds = tallies.get(cycle.id, {})
        by_kind = {kind: (t["done"], t["due"], t["overdue"]) for kind, t in sorted(kinds.items())}
        result.append(CycleSummary(
            cycle=cycle,
            done=sum(t[0] for t in by_kind.values()),
            due=sum(t[1] for t in by_kind.values()),
            overdue=sum(t[2] for t in by_kind.values()),
            by_kind=by_kind,
        ))
    return result


def find(session: Session, name: str) -> ReviewCycle | None:
    """The cycle with this name (surrounding blanks ignored), or None."""
    return session.exec(select(ReviewCycle).where(ReviewCycle.name == (name or "").strip())).first()


def requested_for(session: Session, person: Person, *, cycle: ReviewCycle | None = None) -> list[Review]:
    """The reviews this person still owes, soonest due first: in the given cycle, else in every open cycle."""
    query = (
        select(Review)
        .join(ReviewCycle, col(ReviewCycle.id) == Review.cycle_id)
        .where(Review.author_id == person.id, Review.state == REQUESTED)
    )
    query = query.where(ReviewCycle.id == cycle.id) if cycle is not None else query.where(ReviewCycle.state == "open")
    return list(session.exec(query.order_by(col(Review.due_date), col(Review.id))))


def due_soon(session: Session, *, now: datetime, within_days: int = 2, include_overdue: bool = False) -> list[Review]:
    """Requested reviews in open cycles due from today to `within_days` days ahead, owed by active people.

    Ordered by due date, then author, so a reminder job can group them per person.
    """
    today = _today(now)
    author = aliased(Person)
    query = (
        select(Review)
        .join(ReviewCycle, col(ReviewCycle.id) == Review.cycle_id)
        .join(author, col(author.id) == Review.author_id)
        .where(
            ReviewCycle.state == "open",
            Review.state == REQUESTED,
            col(Review.due_date) <= today + timedelta(days=within_days),
            col(author.active).is_(True),
        )
    )
    if not include_overdue:
        query = query.where(col(Review.due_date) >= today)
    return list(session.exec(query.order_by(col(Review.due_date), col(Review.author_id), col(Review.id))))


def open_requests(session: Session, *, kind: str) -> list[tuple[Review, ReviewCycle, Person]]:
    """Return every review of `kind` still requested in an open cycle, with its cycle and author."""
    query = (
        select(Review, ReviewCycle, Person)
        .join(ReviewCycle, col(ReviewCycle.id) == Review.cycle_id)
        .join(Person, col(Person.id) == Review.author_id)
        .where(Review.kind == kind, Review.state == "requested", ReviewCycle.state == "open", Person.active)
        .order_by(col(Review.due_date), col(Review.id))
    )
    return [tuple(row) for row in session.exec(query)]


def released_since(session: Session, since: datetime) -> list[ReviewCycle]:
    """Cycles released at or after `since` (and not closed), oldest first: their results may still be owed."""
    return list(session.exec(select(ReviewCycle).where(
        ReviewCycle.state == "released", col(ReviewCycle.released_at) >= since).order_by(col(ReviewCycle.id))))


def written_results(session: Session, cycle: ReviewCycle) -> list[Review]:
    """The cycle's written manager reviews: the results its employees get once it is released."""
    return list(session.exec(select(Review).where(
        Review.cycle_id == cycle.id, Review.kind == ReviewKind.MANAGER, Review.state == SUBMITTED)
        .order_by(col(Review.id))))


def release(session: Session, name: str, *, now: datetime, actor_id: int | None = None) -> list[Review]:
    """Release a cycle's results; every manager review must be written first. Returns those reviews."""
    cycle = find(session, name)
    if cycle is None:
        raise CycleError("not_found", f"no cycle named {name!r}")
    if cycle.state in ("released", "closed"):
        raise CycleError("already_released", f"{cycle.name!r} was already released")
    manager_reviews = list(session.exec(
        select(Review).where(Review.cycle_id == cycle.id, Review.kind == ReviewKind.MANAGER).order_by(Review.id)))
    missing = [review for review in manager_reviews if review.state != "submitted"]
    if missing:
        raise CycleError("reviews_missing", f"{len(missing)} manager review(s) in {cycle.name!r} are not written "
                                            "yet; `checkin-bot cycles list` shows them")
    cycle.state = "released"
    cycle.released_at = now
    session.add(cycle)
    audit.record(session, action="cycle.released", entity="reviewcycle", entity_id=cycle.id, actor_id=actor_id,
                 now=now, detail={"results": len(manager_reviews)})
    session.flush()
    return manager_reviews
