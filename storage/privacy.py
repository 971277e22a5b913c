"""The right to erasure: remove a person's personal text and pseudonymise their records, on the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Delete, Update, case, delete, or_, update
from sqlmodel import Session, col, select

from storage import audit
from storage.models import (
    ActionItem,
    AuditEvent,
    CheckIn,
    Delivery,
    Goal,
    GoalChange,
    GoalProgress,
    ImprovementCheck,
    ImprovementPlan,
    Kudos,
    Person,
    Review,
    TeamsConversation,
)

ERASED = "[erased]"  # for text columns that may not be empty
# Goal history fields whose old and new values are words someone wrote; "created" logs the first title.
_TEXT_FIELDS = ("title", "description", "metric", "unit", "created")


@dataclass(frozen=True)
class ErasureReport:
    person_id: int
    pseudonym: str
    counts: dict[str, int]  # rows touched, by table name


def pseudonym(person_id: int) -> str:
    """Return the stable name an erased person is shown by."""
    return f"Former colleague {person_id}"


def erase(session: Session, slack_id: str, *, now: datetime, actor_id: int | None = None) -> ErasureReport:
    """Erase the personal text of the person with this Slack id and pseudonymise them; the caller commits.

    Numbers, dates, states and links stay, so roll-ups, participation and ratings still add up. Raise
    LookupError, writing nothing, when no one has this Slack id: an erased person has none any more.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware UTC datetime")
    person_id = session.execute(select(Person.id).where(Person.slack_id == slack_id)).scalar()
    if person_id is None:
        raise LookupError(f"no person with Slack id {slack_id!r} (never imported, or already erased)")
    erasures = _erasures(person_id)
    if not _claim(session, person_id, now=now):
        return ErasureReport(person_id, pseudonym(person_id), dict.fromkeys(["person", *erasures], 0))
    counts = {"person": 1} | {table: session.execute(statement).rowcount for table, statement in erasures.items()}
    audit.record(
        session, action="person.erased", entity="person", entity_id=person_id, actor_id=actor_id, now=now,
        detail=counts,  # counts only: the trail must not bring back what was erased
    )
    session.flush()
    return ErasureReport(person_id, pseudonym(person_id), counts)


def _claim(session: Session, person_id: int, *, now: datetime) -> bool:
    """Pseudonymise the person unless already erased; answer whether this call did it.

    A conditional UPDATE, so of two erasures racing for the same person only one does the rest.
    """
    statement = (
        update(Person)
        .where(col(Person.id) == person_id, col(Person.erased_at).is_(None))
        .values(
            name=pseudonym(person_id), email=None, slack_id=None, teams_id=None, timezone=None, locale=None,
            active=False, away_until=None, erased_at=now, updated_at=now,
        )
    )
    return session.execute(statement).rowcount == 1


def _erasures(person_id: int) -> dict[str, Update | Delete]:
    """Return a bulk UPDATE per table that removes the person's text from it, in the order to run them."""
    checkins = select(CheckIn.id).where(CheckIn.person_id == person_id)
    plans = select(ImprovementPlan.id).where(ImprovementPlan.person_id == person_id)
    return {
        "checkin": update(CheckIn)
        .where(CheckIn.person_id == person_id)
        .values(highlights=None, blockers=None, help_needed=None),
        "goalprogress": update(GoalProgress).where(col(GoalProgress.checkin_id).in_(checkins)).values(note=None),
        # Before the goal history, which tells which approval comments they wrote.
        "goal": _erase_goals(person_id),
        "goalchange": _erase_goal_history(person_id),
        "review": update(Review)
        .where(or_(Review.author_id == person_id, Review.subject_id == person_id))
        .values(text=None, private_notes=None, answers={}),
        "actionitem": update(ActionItem)
        .where(or_(ActionItem.subject_id == person_id, ActionItem.owner_id == person_id))
        .values(text=ERASED),
        "kudos": update(Kudos)
        .where(or_(Kudos.giver_id == person_id, Kudos.receiver_id == person_id))
        .values(message=ERASED),
        "improvementplan": update(ImprovementPlan)
        .where(ImprovementPlan.person_id == person_id)
        .values(gaps=None, causes=None, actions=None, support=None, success_measure=None, employee_commitments=None),
        "improvementcheck": update(ImprovementCheck)
        .where(col(ImprovementCheck.plan_id).in_(plans))
        .values(outcome=None),
        # A DM channel id leads back to the person in Slack; the delivery key stays so nothing is sent twice.
        # A notice not yet delivered loses its text, so it is never delivered.
        "delivery": update(Delivery)
        .where(Delivery.person_id == person_id)
        .values(channel=None, message_ref=None, last_error=None, payload=None),
        # Where Teams reaches them: ids that lead back to the person, and nothing to keep.
        "teamsconversation": delete(TeamsConversation).where(TeamsConversation.person_id == person_id),
        "auditevent": update(AuditEvent)
        .where(AuditEvent.entity == "person", AuditEvent.entity_id == person_id)
        .values(detail={}),
    }


def _erase_goals(person_id: int) -> Update:
    """Blank the words of the goals they own, and approval comments they wrote on anyone's goal.

    Numbers, dates and statuses stay, so roll-ups still work. A comment is theirs when the goal's
    history logged them deciding with exactly that text.
    """
    owned = col(Goal.owner_id) == person_id
    their_comment = (
        select(GoalChange.id)
        .where(
            GoalChange.goal_id == Goal.id,
            GoalChange.actor_id == person_id,
            GoalChange.field_name == "approval",
            GoalChange.reason == Goal.approval_comment,
        )
        .exists()
    )
    return (
        update(Goal)
        .where(or_(owned, their_comment))
        .values(
            title=case((owned, ERASED), else_=col(Goal.title)),
            description=case((owned, None), else_=col(Goal.description)),
            metric=case((owned, None), else_=col(Goal.metric)),
            approval_comment=None,  # on their own goal, a manager's comment is about them
        )
    )


def _erase_goal_history(person_id: int) -> Update:
    """Blank the words in the history of their goals and in changes they made to anyone's goal."""
    text_field = col(GoalChange.field_name).in_(_TEXT_FIELDS)
    owned_goals = select(Goal.id).where(Goal.owner_id == person_id)
    return (
        update(GoalChange)
        .where(or_(col(GoalChange.goal_id).in_(owned_goals), GoalChange.actor_id == person_id))
        .values(
            old_value=case((text_field, None), else_=col(GoalChange.old_value)),
            new_value=case((text_field, None), else_=col(GoalChange.new_value)),
            reason=None,
        )
    )
