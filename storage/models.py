"""Every table of the domain, in one module, so later features add behaviour, not shape."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

TITLE_MAX = 150
TEXT_MAX = 3000


def _when(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _text(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=Text, nullable=nullable)


def _json(default_factory=dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    HR = "hr"
    ADMIN = "admin"


class GoalLevel(StrEnum):
    COMPANY = "company"
    TEAM = "team"
    INDIVIDUAL = "individual"


class GoalStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    DONE = "done"


class Approval(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    RETURNED = "returned"


class ReviewKind(StrEnum):
    WEEKLY_FEEDBACK = "weekly_feedback"
    REFLECTION = "reflection"
    SELF = "self"
    PEER = "peer"
    MANAGER = "manager"


class Visibility(StrEnum):
    SUBJECT = "subject"  # the employee, their manager and HR
    MANAGER_AND_HR = "manager_and_hr"  # coaching notes, never the employee
    HR = "hr"


class DeliveryStatus(StrEnum):
    SCHEDULED = "scheduled"  # a later send someone asked for (a snooze)
    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    checkin_every_weeks: int = Field(default=1)  # 1 weekly, 2 fortnightly
    created_at: datetime = _when()


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slack_id: str | None = Field(default=None, max_length=32, unique=True, index=True)
    teams_id: str | None = Field(default=None, max_length=64, unique=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    role: str = Field(default=Role.EMPLOYEE, max_length=16)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    active: bool = Field(default=True)
    away_until: date | None = None
    # Where scheduled messages go for someone on both Slack and Teams: their choice, else where they were last.
    preferred_surface: str | None = Field(default=None, max_length=8)
    last_surface: str | None = Field(default=None, max_length=8)
    erased_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Goal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    level: str = Field(max_length=16, index=True)
    owner_id: int = Field(foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    title: str = Field(max_length=TITLE_MAX)
    description: str | None = _text()
    metric: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=20)
    start_value: float = 0.0
    target_value: float = 100.0
    current_value: float = 0.0
    due_date: date
    status: str = Field(default=GoalStatus.ON_TRACK, max_length=16)
    approval: str = Field(default=Approval.APPROVED, max_length=16)
    approval_comment: str | None = _text()
    weight: float = 1.0
    created_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = _when()
    updated_at: datetime = _when()
    progress_updated_at: datetime | None = _when(nullable=True)
    archived_at: datetime | None = _when(nullable=True)


class GoalChange(SQLModel, table=True):
    """One field of a goal changed: who, when, old, new and why."""

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = _when()
    field_name: str = Field(max_length=32)
    old_value: str | None = _text()
    new_value: str | None = _text()
    reason: str | None = _text()


class CheckIn(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "week", name="uq_checkin_person_week"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    week: str = Field(max_length=8, index=True)  # ISO week in the person's zone, "2026-W48"
    submitted_at: datetime = _when()
    updated_at: datetime = _when()
    late: bool = False
    confidence: int | None = None  # 1-5
    highlights: str | None = _text()
    blockers: str | None = _text()
    help_needed: str | None = _text()


class GoalProgress(SQLModel, table=True):
    """A goal's value and status as reported in one check-in."""

    __table_args__ = (UniqueConstraint("checkin_id", "goal_id", name="uq_progress_checkin_goal"),)

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    value: float
    status: str = Field(max_length=16)
    note: str | None = _text()


class ReviewCycle(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    plan_id: int | None = Field(default=None, foreign_key="performanceplan.id")
    period_start: date
    period_end: date
    self_due: date
    peer_due: date
    manager_due: date
    state: str = Field(default="open", max_length=16)  # open, calibrating, released, closed
    peers_anonymous: bool = True
    # The reviewed person reads peers' comments only when at least this many answered (1-10, storage.cycles).
    peer_threshold: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    created_at: datetime = _when()
    released_at: datetime | None = _when(nullable=True)


class Review(SQLModel, table=True):
    """Any judgement or feedback on record: weekly feedback, reflections, self/peer/manager reviews."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    subject_id: int = Field(foreign_key="person.id", index=True)
    cycle_id: int | None = Field(default=None, foreign_key="reviewcycle.id", index=True)
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id")
    in_reply_to_id: int | None = Field(default=None, foreign_key="review.id")
    period: str | None = Field(default=None, max_length=16)  # ISO week or cycle name
    state: str = Field(default="submitted", max_length=16)  # requested, submitted, declined
    text: str | None = _text()
    private_notes: str | None = _text()  # coaching notes: manager and HR only
    rating: int | None = None
    assessment: str | None = Field(default=None, max_length=20)
    answers: dict = _json()  # per-goal and per-criterion answers
    visibility: str = Field(default=Visibility.SUBJECT, max_length=20)
    due_date: date | None = None
    created_at: datetime = _when()
    submitted_at: datetime | None = _when(nullable=True)


class ActionItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    review_id: int | None = Field(default=None, foreign_key="review.id", index=True)
    subject_id: int = Field(foreign_key="person.id", index=True)
    owner_id: int = Field(foreign_key="person.id", index=True)  # the check-in's follow-ups: the items due per person
    text: str = Field(sa_type=Text)
    due_date: date | None = None
    created_at: datetime = _when()
    done_at: datetime | None = _when(nullable=True)


class OneOnOne(SQLModel, table=True):
    # The HR digest asks, for every manager/report pair, whether a recent 1:1 exists and when the last was:
    # one probe of this index each, instead of reading every 1:1 ever held.
    __table_args__ = (Index("ix_oneonone_pair_held_at", "report_id", "manager_id", "held_at"),)

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="person.id", index=True)
    report_id: int = Field(foreign_key="person.id", index=True)
    held_at: datetime = _when()


class Kudos(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    giver_id: int = Field(foreign_key="person.id", index=True)
    receiver_id: int = Field(foreign_key="person.id", index=True)
    message: str = Field(sa_type=Text)
    created_at: datetime = _when()


class PerformancePlan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    role: str | None = Field(default=None, max_length=16)
    cycle: str = Field(default="quarterly", max_length=16)
    criteria: list = _json(list)  # [{key, name, description, weight}]
    rating_scale: list = _json(list)  # [{value, label}]
    rewards: dict = _json()  # rating -> outcome
    improvement_threshold: int = 2
    # Working days an unanswered blocker alert waits before the skip-level hears (1-10); None: the setting.
    escalate_after_days: int | None = None
    created_at: datetime = _when()
    updated_at: datetime = _when()


class ImprovementPlan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    manager_id: int = Field(foreign_key="person.id")
    cycle_id: int | None = Field(default=None, foreign_key="reviewcycle.id")
    gaps: str | None = _text()
    causes: str | None = _text()
    actions: str | None = _text()
    support: str | None = _text()
    success_measure: str | None = _text()
    employee_commitments: str | None = _text()
    state: str = Field(default="open", max_length=16)  # open, met, extended, not_met
    opened_at: datetime = _when()
    closed_at: datetime | None = _when(nullable=True)


class ImprovementCheck(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="improvementplan.id", index=True)
    due_on: date
    outcome: str | None = _text()
    recorded_at: datetime | None = _when(nullable=True)


class Delivery(SQLModel, table=True):
    """One scheduled message to one person for one period: claimed once, then sent or failed."""

    __table_args__ = (UniqueConstraint("job", "person_id", "period", name="uq_delivery_job_person_period"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    person_id: int = Field(foreign_key="person.id", index=True)
    period: str = Field(max_length=40)
    status: str = Field(default=DeliveryStatus.CLAIMED, max_length=16, index=True)
    attempts: int = 0
    last_error: str | None = _text()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime = _when()
    next_attempt_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True)
    channel: str | None = Field(default=None, max_length=64)
    message_ref: str | None = Field(default=None, max_length=64)
    # A notice (a message someone's action causes) carries its message until it is delivered, since it
    # cannot be rebuilt later; scheduled jobs rebuild theirs and leave this empty.
    payload: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    detail: dict = _json()


class TeamsConversation(SQLModel, table=True):
    """Where the bot reaches a person in Microsoft Teams: their 1:1 chat's conversation reference.

    Stored when the app is installed for the person or when they first message the bot, refreshed on each
    activity; scheduled messages are sent proactively to `conversation_id` at `service_url`.
    """

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    user_id: str = Field(max_length=128)  # the person's id in this bot's conversations ("29:...")
    aad_object_id: str | None = Field(default=None, max_length=64)  # Entra ID object id, Person.teams_id
    conversation_id: str = Field(sa_type=Text)
    service_url: str = Field(max_length=512)
    tenant_id: str | None = Field(default=None, max_length=64)
    bot_id: str = Field(max_length=128)  # the bot's account in the conversation ("28:<client id>")
    created_at: datetime = _when()
    updated_at: datetime = _when()


class SlackEvent(SQLModel, table=True):
    """An Events API delivery already handled: Slack's retries of it are acknowledged and dropped."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=255, unique=True)
    received_at: datetime = _when(index=True)  # indexed: old rows are pruned by age on every new event


class TeamWeekStats(SQLModel, table=True):
    """A team's check-ins for one ISO week, counted for the HR digest's trend: 8 x teams rows, not every check-in.

    Kept by triggers in the database (migration 0007), so every writer keeps it right, whatever it goes through:
    a check-in filed, filed late, edited or deleted, and a person moved to another team, made inactive or
    erased. A row counts the week's check-ins of the people who are *active* in the team *now*, as the digest
    measures (team_id 0: people without a team). No foreign key: the triggers own the rows.
    """

    __tablename__ = "team_week_stats"

    week: str = Field(primary_key=True, max_length=8)
    team_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    checked_in: int = 0
    confidences: int = 0  # check-ins that gave a confidence
    confidence_sum: int = 0
    blockers: int = 0  # check-ins with non-blank blockers


# Indexes of the HR figures at organisation scale (migration 0007). The check-ins export reads every check-in in
# (week, id) order: PostgreSQL walks this index rather than sorting millions of rows (SQLite's index on week alone
# already ends with the row id). The digest finds the pairs with a recent 1:1 from the last two weeks' 1:1s.
Index("ix_checkin_week_id", CheckIn.__table__.c.week, CheckIn.__table__.c.id)
Index("ix_oneonone_held_at", OneOnOne.__table__.c.held_at)


class AiCall(SQLModel, table=True):
    """One request to the assistant's model (or one refused by the daily budget): who, what for, which records.

    Never the text: the prompt and the completion are not kept, only their token counts and the ids of the
    records that were sent ("checkin:12", "kudos:3", ...), so HR can see what left the server about whom.
    """

    __tablename__ = "ai_call"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # who asked
    feature: str = Field(max_length=32)
    model: str | None = Field(default=None, max_length=200)
    record_ids: list = _json(list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    outcome: str = Field(max_length=16)  # ok, timeout, unavailable, junk, over_budget
    dropped: int = 0  # sentences of the answer dropped for want of a source among the records sent


class AttentionState(StrEnum):
    OPEN = "open"  # the manager was alerted
    SEEN = "seen"  # the manager opened the Respond dialog
    ANSWERED = "answered"  # the manager's (or HR's) reply was sent
    RESOLVED = "resolved"  # the employee said so, or their next check-in had no blocker


class Attention(SQLModel, table=True):
    """One blocker alert (blockers, help needed or low confidence) and where it stands: open, seen, answered,
    resolved. One per check-in: editing the check-in the same week does not open a second one."""

    __tablename__ = "attention"

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)  # the employee who raised it
    manager_id: int = Field(foreign_key="person.id", index=True)  # the manager alerted
    state: str = Field(default=AttentionState.OPEN, max_length=16, index=True)
    opened_at: datetime = _when()
    seen_at: datetime | None = _when(nullable=True)
    answered_at: datetime | None = _when(nullable=True)
    resolved_at: datetime | None = _when(nullable=True)
    escalated_at: datetime | None = _when(nullable=True)
    escalated_to_id: int | None = Field(default=None, foreign_key="person.id")


# The deliveries waiting (due), and the claims of dead workers (stale_claims), found without reading a job's
# whole log (migration 0017): the notices job drains after every burst of clicks, and its log only grows.
Index("ix_delivery_job_status_due", Delivery.__table__.c.job, Delivery.__table__.c.status,
      Delivery.__table__.c.next_attempt_at)
Index("ix_delivery_job_status_claimed", Delivery.__table__.c.job, Delivery.__table__.c.status,
      Delivery.__table__.c.claimed_at)
# The HR digest's response figures (migration 0010): a week's feedback read by its week, the answers of the
# last weeks by time, and the alerts still waiting oldest first.
Index("ix_review_period_subject", Review.__table__.c.period, Review.__table__.c.subject_id)
# Both carry what the digest reads of each alert (migration 0018), so neither the table nor its rows are visited:
# at 50,000 people the month's answers and the waiting alerts are tens of thousands of rows.
Index("ix_attention_answered", Attention.__table__.c.answered_at, Attention.__table__.c.opened_at,
      Attention.__table__.c.person_id)
Index("ix_attention_waiting", Attention.__table__.c.state, Attention.__table__.c.opened_at,
      Attention.__table__.c.person_id, Attention.__table__.c.manager_id)
# The digest's overdue reviews (migration 0011): an open cycle's requested reviews, with all the count needs.
Index(
    "ix_review_cycle_state", Review.__table__.c.cycle_id, Review.__table__.c.state, Review.__table__.c.kind,
    Review.__table__.c.due_date, Review.__table__.c.author_id,
)


class QuestionList(SQLModel, table=True):
    """A team's or a plan's own check-in questions (storage.questions parses and asks them); one list each."""

    __tablename__ = "question_list"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", unique=True)
    plan_id: int | None = Field(default=None, foreign_key="performanceplan.id", unique=True)
    questions: list = _json(list)  # [{id, type, every, en, zh}]
    source: str = Field(default="", sa_type=Text)  # the list as typed, comments included, to edit again
    anchor_week: str = Field(max_length=8)  # every-N-weeks questions count from the week the list was saved
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _when()
    updated_at: datetime = _when()


class CheckinAnswer(SQLModel, table=True):
    """One answer to a custom question in a check-in, with the question's words as asked: a list replaced later
    leaves history and exports readable."""

    __tablename__ = "checkin_answer"
    __table_args__ = (UniqueConstraint("checkin_id", "question_id", name="uq_checkin_answer_question"),)

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    question_id: str = Field(max_length=30)
    answer_type: str = Field(max_length=8)  # text, 1-5, yes/no
    question: str = Field(sa_type=Text)
    value: str = Field(sa_type=Text)


class AssistantSwitch(SQLModel, table=True):
    """HR's switch of one assistant feature (storage.assistant_switches); no row: on, as the operator allows."""

    __tablename__ = "assistant_switch"

    feature: str = Field(primary_key=True, max_length=30)
    on: bool = True
    changed_by_id: int | None = Field(default=None, foreign_key="person.id")
    changed_at: datetime = _when()
