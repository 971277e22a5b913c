"""Weekly coaching: the manager's Monday 1:1 agenda, feedback with action items, reflections and 1:1s."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from storage import audit, checkins, goals, questions, warnings
from storage.models import (
    TEXT_MAX,
    ActionItem,
    Approval,
    CheckIn,
    CheckinAnswer,
    Goal,
    GoalProgress,
    GoalStatus,
    OneOnOne,
    Person,
    Review,
    ReviewKind,
    Team,
    Visibility,
)
from storage.parsing import iso_date
from storage.people import local_today, names_by_id, zone_of
from storage.permissions import PermissionDenied, can_decide_for, can_view_person, require_view_person
from storage.weeks import shift_week, week_monday, week_of

ASSESSMENTS = ("on_track", "needs_attention", "off_track")
OWNERS = ("employee", "manager")
ONE_ON_ONE_OVERDUE_DAYS = 14
MANAGER_NUDGES_JOB = checkins.MANAGER_NUDGES_JOB
ACTIONS_MAX = 3
TALKING_POINTS_MAX = 5
# A second "1:1 held" click within this long is the same meeting, not another one.
ONE_ON_ONE_REPEAT = timedelta(hours=12)

# Field errors: a surface turns each code into words beside the field.
TEXT_TOO_LONG = "text_too_long"
ASSESSMENT_INVALID = "assessment_invalid"
FEEDBACK_MISSING = "feedback_missing"
ACTION_INVALID = "action_invalid"
DUE_DATE_INVALID = "due_date_invalid"
DUE_IN_PAST = "due_in_past"
GOAL_NOT_THEIRS = "goal_not_theirs"
GOAL_MISSING = "goal_missing"  # a new target or due date typed, but no goal chosen
REFLECTION_MISSING = "reflection_missing"

# CoachingError codes.
NOT_FOUND = "not_found"
INVALID = "invalid"

_RISKY_STATUSES = (GoalStatus.AT_RISK.value, GoalStatus.OFF_TRACK.value)
# goals.adjust names its fields after GoalInput; the feedback form names them after itself.
_ADJUST_FIELDS = {"target": "new_target", "due_date": "new_due_date", "reason": "adjust_reason"}
_ID_MAX = 2**31 - 1  # ids come from forgeable payloads; id columns are 32-bit INTEGER on PostgreSQL

T = TypeVar("T")


class CoachingError(Exception):
    """A coaching verb refused; `code` says why, for a surface to put into words."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


class CoachingValidationError(CoachingError):
    """Some fields are invalid; `errors` maps each field to its error code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(INVALID, f"invalid coaching fields: {errors}")
        self.errors = dict(errors)


# --- the agenda --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalLine:
    goal: Goal
    progress: float  # own progress at the value reported for the week, else at the current value
    reported: GoalProgress | None


@dataclass(frozen=True)
class TalkingPoint:
    """Something worth raising in the 1:1; `kind` picks the words, `detail` fills them in.

    Kinds: blocker, help (the check-in's text), low_confidence ("2"), goal_at_risk / goal_off_track
    (the goal's title), missing_checkin (""), action_due (the action's text), no_one_on_one (days, or
    "" when none was ever logged).
    """

    kind: str
    detail: str


@dataclass(frozen=True)
class ReportAgenda:
    person: Person
    checkin: CheckIn | None
    goals: list[GoalLine]
    risky_goals: list[Goal]  # at risk or off track, approved, not archived
    days_since_one_on_one: int | None  # None: never logged
    one_on_one_overdue: bool
    open_actions: list[ActionItem]  # not done, about this report, soonest due first
    talking_points: list[TalkingPoint]
    warnings: list[warnings.Flag] = field(default_factory=list)  # early warnings on their goals, by due date
    answers: list[CheckinAnswer] = field(default_factory=list)  # the week's answers to the custom questions


@dataclass(frozen=True)
class ManagerAgenda:
    manager: Person
    week: str
    reports: list[ReportAgenda]  # active direct reports, by name


def reviewed_week(person: Person, *, now: datetime, default_zone: str) -> str:
    """Return the week the person looks back on: the last one to end in their own zone."""
    _require_aware(now)
    return shift_week(week_of(now, zone_of(person, default=default_zone)), -1)


def managers_due(session: Session, *, now: datetime, default_zone: str) -> list[tuple[Person, str]]:
    """Return, in one query, every reachable active person with an active direct report, with their reviewed week."""
    report = aliased(Person)
    has_report = select(report.id).where(report.manager_id == Person.id, report.active).exists()
    reachable = or_(col(Person.slack_id).is_not(None), col(Person.teams_id).is_not(None))
    query = select(Person).where(Person.active, reachable, has_report).order_by(Person.id)
    return [(manager, reviewed_week(manager, now=now, default_zone=default_zone)) for manager in session.exec(query)]


def agenda(session: Session, manager: Person, *, week: str, now: datetime, default_zone: str = "UTC") -> ManagerAgenda:
    """Build the manager's 1:1 agenda for `week`, one entry per active direct report.

    Ten queries whatever the size of the team (six, three for the early warnings and one for the answers to the
    custom questions), so the Monday job stays cheap.
    """
    _require_aware(now)
    query = (
        select(Person, Team.checkin_every_weeks)
        .outerjoin(Team, col(Team.id) == Person.team_id)
        .where(Person.manager_id == manager.id, Person.active)
    )
    # Sorted here, not in SQL, so the order is the same whatever collation the database uses.
    reports = sorted(session.exec(query), key=lambda row: (row[0].name.casefold(), row[0].id))
    return ManagerAgenda(
        manager=manager, week=week, reports=_report_agendas(session, manager.id, reports, week=week, now=now,
                                                            default_zone=default_zone)
    )


def report_agenda(session: Session, subject: Person, *, week: str, now: datetime) -> ReportAgenda:
    """Build the subject's entry of their direct manager's agenda, as the evidence in a review.

    The caller decides who may see it (the review modal checks can_decide_for first).
    """
    _require_aware(now)
    team = session.get(Team, subject.team_id) if subject.team_id is not None else None
    every_weeks = team.checkin_every_weeks if team else None
    [entry] = _report_agendas(session, subject.manager_id, [(subject, every_weeks)], week=week, now=now)
    return entry


def _report_agendas(
    session: Session, manager_id: int | None, reports: list[tuple[Person, int | None]], *, week: str, now: datetime,
    default_zone: str = "UTC",
) -> list[ReportAgenda]:
    """Load everything the reports' entries need, one query per kind of row, and build each entry."""
    ids = [person.id for person, _ in reports]
    if not ids:
        return []
    checkin_query = select(CheckIn).where(CheckIn.week == week, col(CheckIn.person_id).in_(ids))
    filed = {checkin.person_id: checkin for checkin in session.exec(checkin_query)}
    reported = _reported(session, [checkin.id for checkin in filed.values()])
    lines = _goal_lines(session, ids, reported)
    last_met = _last_one_on_ones(session, manager_id, ids)
    actions = _open_actions(session, ids)
    flags = warnings.assess(session, [line.goal for owned in lines.values() for line in owned], now=now,
                            default_zone=default_zone, owners={person.id: person for person, _ in reports})
    answered = questions.answers_of(session, [checkin.id for checkin in filed.values()])  # custom questions'
    entries = [
        _report_agenda(
            person,
            checkin=filed.get(person.id),
            lines=lines[person.id],
            asked=checkins.cadence_due(every_weeks or 1, week),
            days=_days_since(last_met.get(person.id), now=now),
            actions=actions[person.id],
            flags=[flags[line.goal.id] for line in lines[person.id] if line.goal.id in flags],
        )
        for person, every_weeks in reports
    ]
    return [replace(entry, answers=answered[entry.checkin.id]) if entry.checkin and entry.checkin.id in answered
            else entry for entry in entries]


def _reported(session: Session, checkin_ids: list[int]) -> dict[int, GoalProgress]:
    """Return the progress reported in these check-ins by goal id (a goal has one owner, so one check-in)."""
    if not checkin_ids:
        return {}
    query = select(GoalProgress).where(col(GoalProgress.checkin_id).in_(checkin_ids))
    return {row.goal_id: row for row in session.exec(query)}


def _goal_lines(session: Session, owner_ids: list[int], reported: dict[int, GoalProgress]) -> dict[int, list[GoalLine]]:
    """Return each owner's approved, unarchived goals by due date, with the week's reported progress."""
    query = select(Goal).where(
        col(Goal.owner_id).in_(owner_ids), Goal.approval == Approval.APPROVED, col(Goal.archived_at).is_(None)
    )
    lines: dict[int, list[GoalLine]] = defaultdict(list)
    for goal in session.exec(query.order_by(Goal.due_date, Goal.id)):
        report = reported.get(goal.id)
        lines[goal.owner_id].append(GoalLine(goal=goal, progress=_progress_at(goal, report), reported=report))
    return lines


def _progress_at(goal: Goal, report: GoalProgress | None) -> float:
    """Return the goal's own progress at the value reported for the week, so a later update does not rewrite it."""
    if report is None:
        return goals.own_progress(goal)
    # A detached stand-in, never added to the session: the stored goal keeps its current value.
    as_reported = Goal(start_value=goal.start_value, target_value=goal.target_value, current_value=report.value)
    return goals.own_progress(as_reported)


def _last_one_on_ones(session: Session, manager_id: int | None, report_ids: list[int]) -> dict[int, datetime]:
    """Return when the manager last logged a 1:1 with each report, by report id."""
    if manager_id is None:
        return {}
    query = (
        select(OneOnOne.report_id, func.max(OneOnOne.held_at))
        .where(OneOnOne.manager_id == manager_id, col(OneOnOne.report_id).in_(report_ids))
        .group_by(OneOnOne.report_id)
    )
    return dict(session.exec(query).all())


def _open_actions(session: Session, subject_ids: list[int]) -> dict[int, list[ActionItem]]:
    """Return the action items not yet done about each subject: soonest due first, undated last."""
    query = select(ActionItem).where(col(ActionItem.subject_id).in_(subject_ids), col(ActionItem.done_at).is_(None))
    by_subject: dict[int, list[ActionItem]] = defaultdict(list)
    for action in sorted(session.exec(query), key=_due_order):
        by_subject[action.subject_id].append(action)
    return by_subject


def _due_order(action: ActionItem) -> tuple:
    return action.due_date is None, action.due_date or date.max, action.created_at, action.id


def _days_since(moment: datetime | None, *, now: datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)


def _report_agenda(
    person: Person,
    *,
    checkin: CheckIn | None,
    lines: list[GoalLine],
    asked: bool,
    days: int | None,
    actions: list[ActionItem],
    flags: list[warnings.Flag] | None = None,
) -> ReportAgenda:
    risky = [line.goal for line in lines if line.goal.status in _RISKY_STATUSES]
    overdue = days is None or days >= ONE_ON_ONE_OVERDUE_DAYS
    return ReportAgenda(
        person=person,
        checkin=checkin,
        goals=lines,
        risky_goals=risky,
        days_since_one_on_one=days,
        one_on_one_overdue=overdue,
        open_actions=actions,
        talking_points=_talking_points(
            checkin, risky, asked=asked, actions=actions, days=days, one_on_one_overdue=overdue
        ),
        warnings=list(flags or []),
    )


def _talking_points(
    checkin: CheckIn | None,
    risky_goals: list[Goal],
    *,
    asked: bool,
    actions: list[ActionItem],
    days: int | None,
    one_on_one_overdue: bool,
) -> list[TalkingPoint]:
    """Suggest what to raise, most pressing first: what the report asked for, then goals, then the routine.

    `asked` is whether the report's cadence asked for a check-in that week: a fortnightly team's
    week off is not a missing check-in.
    """
    points: list[TalkingPoint] = []
    if checkin is not None:
        if checkin.blockers:
            points.append(TalkingPoint("blocker", checkin.blockers))
        if checkin.help_needed:
            points.append(TalkingPoint("help", checkin.help_needed))
        if checkin.confidence is not None and checkin.confidence <= checkins.NEEDS_MANAGER_CONFIDENCE:
            points.append(TalkingPoint("low_confidence", str(checkin.confidence)))
    points += [TalkingPoint(f"goal_{goal.status}", goal.title) for goal in risky_goals]
    if checkin is None and asked:
        points.append(TalkingPoint("missing_checkin", ""))
    points += [TalkingPoint("action_due", action.text) for action in actions]
    if one_on_one_overdue:
        points.append(TalkingPoint("no_one_on_one", "" if days is None else str(days)))
    return points[:TALKING_POINTS_MAX]


# --- feedback ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    """One action row of the review form, as typed; a row without text is ignored."""

    text: str | None
    owner: str | None = "employee"  # "employee" or "manager"
    due_date: str | None = None  # YYYY-MM-DD


@dataclass(frozen=True)
class FeedbackInput:
    """The review form as typed, from any surface; an adjustment needs goal_id and a new target or due date."""

    acknowledged: bool = True
    went_well: str | None = None
    to_improve: str | None = None
    assessment: str | None = None
    private_notes: str | None = None
    actions: tuple[ActionInput, ...] = ()
    goal_id: str | None = None
    new_target: str | None = None
    new_due_date: str | None = None
    adjust_reason: str | None = None


@dataclass(frozen=True)
class _Action:
    text: str
    owner: str
    due_date: date | None


@dataclass(frozen=True)
class _Adjustment:
    goal_id: int
    changes: goals.GoalInput
    reason: str | None


@dataclass(frozen=True)
class _Feedback:
    went_well: str | None
    to_improve: str | None
    assessment: str
    private_notes: str | None
    actions: list[_Action]
    adjustment: _Adjustment | None


class _Invalid(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def record_feedback(
    session: Session,
    manager: Person,
    subject_id: int,
    form: FeedbackInput,
    *,
    week: str,
    now: datetime,
    default_zone: str,
) -> Review:
    """Record a manager's feedback on a report's week, with action items and perhaps a goal adjustment.

    Only the subject's direct manager or HR may (PermissionDenied otherwise). Every field, the
    adjustment's included, is checked before anything is written: CoachingValidationError carries
    all the errors at once. A second feedback for the same week is a follow-up, kept beside the first.
    """
    _require_aware(now)
    subject = _decidable(session, manager, subject_id)
    week_monday(week)  # a ValueError for anything but an ISO week: surfaces hand back the week we gave them
    today = local_today(manager, now=now, default_zone=default_zone)
    feedback = _validate_feedback(session, manager, subject, form, now=now, today=today)
    review = _insert_feedback(session, manager, subject, feedback, acknowledged=form.acknowledged, week=week, now=now)
    _add_actions(session, review, feedback.actions, author=manager, now=now)
    if feedback.adjustment is not None:
        _adjust(session, manager, feedback.adjustment, now=now, today=today)
    detail = {
        "subject_id": subject.id,
        "week": week,
        "assessment": feedback.assessment,
        "actions": len(feedback.actions),
        "goal_id": feedback.adjustment.goal_id if feedback.adjustment else None,
    }
    _audit(session, "review.feedback", review, actor=manager, now=now, detail=detail)
    session.flush()
    return review


def _decidable(session: Session, actor: Person, person_id: int) -> Person:
    """Return the active person the actor may decide for (direct manager or HR); PermissionDenied otherwise."""
    person = _find(session, Person, person_id)
    if person is None or not person.active or not can_decide_for(session, actor, person):
        raise PermissionDenied(f"person {actor.id} may not coach person {person_id}")
    return person


def _validate_feedback(
    session: Session, manager: Person, subject: Person, form: FeedbackInput, *, now: datetime, today: date
) -> _Feedback:
    errors: dict[str, str] = {}
    went_well = _check(errors, "went_well", lambda: _clean_text(form.went_well))
    to_improve = _check(errors, "to_improve", lambda: _clean_text(form.to_improve))
    if not errors and went_well is None and to_improve is None:
        errors["went_well"] = FEEDBACK_MISSING
    assessment = _check(errors, "assessment", lambda: _clean_assessment(form.assessment))
    private_notes = _check(errors, "private_notes", lambda: _clean_text(form.private_notes))
    actions = _clean_actions(form.actions, errors, today=today)
    adjustment = _clean_adjustment(session, manager, subject, form, errors)
    if adjustment is not None:
        errors |= _adjustment_errors(session, manager, adjustment, now=now, today=today)
    if errors:
        raise CoachingValidationError(errors)
    return _Feedback(
        went_well=went_well,
        to_improve=to_improve,
        assessment=assessment,
        private_notes=private_notes,
        actions=actions,
        adjustment=adjustment,
    )


def _check(errors: dict[str, str], key: str, clean: Callable[[], T]) -> T | None:
    """Return what `clean` returns, or note its error code under `key` and return None."""
    try:
        return clean()
    except _Invalid as invalid:
        errors[key] = invalid.code
        return None


def _clean_text(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > TEXT_MAX:  # code points, as PostgreSQL counts
        raise _Invalid(TEXT_TOO_LONG)
    return cleaned or None


def _clean_assessment(text: str | None) -> str:
    assessment = (text or "").strip()
    if assessment not in ASSESSMENTS:
        raise _Invalid(ASSESSMENT_INVALID)
    return assessment


def _clean_actions(rows: tuple[ActionInput, ...], errors: dict[str, str], *, today: date) -> list[_Action]:
    """Check each action row with text, numbered from 1 as the form shows them; rows without text are ignored."""
    actions: list[_Action] = []
    for n, row in enumerate(rows, start=1):
        if not (row.text or "").strip():
            continue  # an empty row of the form, whatever its owner and date say
        if len(actions) == ACTIONS_MAX:
            errors[f"action:{n}:text"] = ACTION_INVALID
            continue
        text = _check(errors, f"action:{n}:text", lambda row=row: _clean_text(row.text))
        owner = _check(errors, f"action:{n}:owner", lambda row=row: _clean_owner(row.owner))
        due = _check(errors, f"action:{n}:due_date", lambda row=row: _clean_due_date(row.due_date, today=today))
        actions.append(_Action(text=text, owner=owner, due_date=due))
    return actions


def _clean_owner(text: str | None) -> str:
    owner = (text or "").strip() or "employee"
    if owner not in OWNERS:
        raise _Invalid(ACTION_INVALID)
    return owner


def _clean_due_date(text: str | None, *, today: date) -> date | None:
    """Parse an optional YYYY-MM-DD date, not before the manager's today."""
    try:
        due = iso_date(text)
    except ValueError:
        raise _Invalid(DUE_DATE_INVALID) from None
    if due is not None and due < today:
        raise _Invalid(DUE_IN_PAST)
    return due


def _clean_adjustment(
    session: Session, manager: Person, subject: Person, form: FeedbackInput, errors: dict[str, str]
) -> _Adjustment | None:
    """Return the goal change asked for, if any; a goal chosen with nothing new typed changes nothing."""
    changes = goals.GoalInput(target=_typed(form.new_target), due_date=_typed(form.new_due_date))
    wanted = changes.target is not None or changes.due_date is not None
    if _typed(form.goal_id) is None:
        if wanted:
            errors["goal_id"] = GOAL_MISSING
        return None
    goal = _their_goal(session, manager, subject, form.goal_id)
    if goal is None:
        errors["goal_id"] = GOAL_NOT_THEIRS
        return None
    return _Adjustment(goal_id=goal.id, changes=changes, reason=form.adjust_reason) if wanted else None


def _typed(text: str | None) -> str | None:
    """Return None for an empty field: goals.adjust reads "" as "clear it", which a review never means."""
    return text if text is not None and text.strip() else None


def _their_goal(session: Session, manager: Person, subject: Person, text: str) -> Goal | None:
    """Return the subject's own unarchived goal with this id, if the manager may see it."""
    try:
        goal = goals.get_visible(session, manager, int(text.strip()))
    except (ValueError, goals.GoalNotFound):
        return None
    return goal if goal.owner_id == subject.id and goal.archived_at is None else None


def _adjustment_errors(
    session: Session, manager: Person, adjustment: _Adjustment, *, now: datetime, today: date
) -> dict[str, str]:
    """Try the adjustment in a savepoint that is always rolled back; return its errors by form field.

    goals.adjust owns the rules (a reason for moving an approved goal's target, dates, numbers), so
    it is asked rather than copied. Its errors must come back with the feedback's own, and nothing
    may be written while any remain; the real change is made once everything else is checked.
    """
    savepoint = session.begin_nested()
    try:
        _adjust(session, manager, adjustment, now=now, today=today)
    except goals.GoalValidationError as invalid:
        return {_ADJUST_FIELDS.get(name, "goal_id"): code for name, code in invalid.errors.items()}
    finally:
        savepoint.rollback()
    return {}


def _adjust(session: Session, manager: Person, adjustment: _Adjustment, *, now: datetime, today: date) -> Goal:
    return goals.adjust(
        session, manager, adjustment.goal_id, adjustment.changes, reason=adjustment.reason, now=now, today=today
    )


def _insert_feedback(
    session: Session,
    manager: Person,
    subject: Person,
    feedback: _Feedback,
    *,
    acknowledged: bool,
    week: str,
    now: datetime,
) -> Review:
    checkin = checkins.existing(session, subject, week)
    review = Review(
        kind=ReviewKind.WEEKLY_FEEDBACK.value,
        author_id=manager.id,
        subject_id=subject.id,
        checkin_id=checkin.id if checkin else None,
        period=week,
        state="submitted",
        text=feedback.went_well,
        private_notes=feedback.private_notes,
        assessment=feedback.assessment,
        answers={"went_well": feedback.went_well, "to_improve": feedback.to_improve, "acknowledged": acknowledged},
        visibility=Visibility.SUBJECT.value,  # the notes are the private part, and never leave feedback_for
        created_at=now,
        submitted_at=now,
    )
    session.add(review)
    session.flush()  # the action items need its id
    return review


def _add_actions(session: Session, review: Review, actions: list[_Action], *, author: Person, now: datetime) -> None:
    # "manager" is whoever wrote the feedback: HR's own promises are theirs to keep, not the line manager's.
    for action in actions:
        owner_id = review.subject_id if action.owner == "employee" else author.id
        session.add(
            ActionItem(
                review_id=review.id,
                subject_id=review.subject_id,
                owner_id=owner_id,
                text=action.text,
                due_date=action.due_date,
                created_at=now,
            )
        )


# --- reflections, 1:1s, actions ----------------------------------------------------------------


def record_reflection(
    session: Session,
    employee: Person,
    feedback_id: int,
    *,
    will_do_differently: str | None,
    support_needed: str | None,
    now: datetime,
) -> Review:
    """Record the employee's answer to feedback about them; anyone else's feedback id is simply not found."""
    _require_aware(now)
    feedback = _find(session, Review, feedback_id)
    if (
        feedback is None
        or feedback.kind != ReviewKind.WEEKLY_FEEDBACK
        or feedback.subject_id != employee.id
        or not employee.active
    ):
        raise CoachingError(NOT_FOUND, f"feedback {feedback_id} not found")
    answers = _clean_reflection(will_do_differently=will_do_differently, support_needed=support_needed)
    reflection = Review(
        kind=ReviewKind.REFLECTION.value,
        author_id=employee.id,
        subject_id=employee.id,
        checkin_id=feedback.checkin_id,
        in_reply_to_id=feedback.id,
        period=feedback.period,
        state="submitted",
        text=answers["will_do_differently"],
        answers=answers,
        visibility=Visibility.SUBJECT.value,
        created_at=now,
        submitted_at=now,
    )
    session.add(reflection)
    session.flush()
    _audit(session, "review.reflection", reflection, actor=employee, now=now, detail={"feedback_id": feedback.id})
    session.flush()
    return reflection


def _clean_reflection(**fields: str | None) -> dict[str, str | None]:
    errors: dict[str, str] = {}
    answers = {name: _check(errors, name, lambda text=text: _clean_text(text)) for name, text in fields.items()}
    if not errors and not any(answers.values()):
        errors["will_do_differently"] = REFLECTION_MISSING
    if errors:
        raise CoachingValidationError(errors)
    return answers


def feedback_author_id(session: Session, feedback_id: int) -> int | None:
    """Return who wrote a feedback, to pass a reflection on to them."""
    feedback = _find(session, Review, feedback_id)
    return feedback.author_id if feedback else None


def log_one_on_one(session: Session, manager: Person, report_id: int, *, now: datetime) -> OneOnOne:
    """Note that the manager held a 1:1 with the report; a repeated click returns the meeting already noted."""
    _require_aware(now)
    report = _decidable(session, manager, report_id)
    query = (
        select(OneOnOne)
        .where(
            OneOnOne.manager_id == manager.id,
            OneOnOne.report_id == report.id,
            OneOnOne.held_at >= now - ONE_ON_ONE_REPEAT,
        )
        .order_by(col(OneOnOne.held_at).desc())
    )
    recent = session.exec(query.limit(1)).first()
    if recent is not None:
        return recent
    meeting = OneOnOne(manager_id=manager.id, report_id=report.id, held_at=now)
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        action="one_on_one.logged",
        entity="oneonone",
        entity_id=meeting.id,
        actor_id=manager.id,
        now=now,
        detail={"report_id": report.id},
    )
    session.flush()
    return meeting


def complete_action(session: Session, person: Person, action_id: int, *, now: datetime) -> ActionItem:
    """Mark an action item done: by its owner, its subject, or the subject's direct manager or HR.

    Someone who may not see the subject's records gets CoachingError("not_found"), so nothing
    leaks; a second click keeps the first time it was done.
    """
    _require_aware(now)
    action = _find(session, ActionItem, action_id)
    subject = session.get(Person, action.subject_id) if action else None
    if action is None or not _can_see_action(session, person, action, subject):
        raise CoachingError(NOT_FOUND, f"action {action_id} not found")
    if person.id not in (action.owner_id, action.subject_id) and not can_decide_for(session, person, subject):
        raise PermissionDenied(f"person {person.id} may not complete action {action.id}")
    if action.done_at is None:
        action.done_at = now
        audit.record(
            session, action="action.completed", entity="actionitem", entity_id=action.id, actor_id=person.id, now=now
        )
        session.flush()
    return action


def _can_see_action(session: Session, person: Person, action: ActionItem, subject: Person) -> bool:
    return person.active and (person.id == action.owner_id or can_view_person(session, person, subject))


# --- reading feedback --------------------------------------------------------------------------


def feedback_for(session: Session, viewer: Person, subject: Person, *, limit: int = 10) -> list[Review]:
    """Return the weekly feedback about the subject and their reflections, newest first.

    The subject, their management chain and HR may read it (PermissionDenied otherwise). The
    subject gets detached copies without the private notes: the stored rows keep them.
    """
    require_view_person(session, viewer, subject)
    kinds = [ReviewKind.WEEKLY_FEEDBACK.value, ReviewKind.REFLECTION.value]
    query = select(Review).where(Review.subject_id == subject.id, col(Review.kind).in_(kinds))
    is_subject = viewer.id == subject.id
    if is_subject:
        query = query.where(Review.visibility == Visibility.SUBJECT)
    reviews = session.exec(query.order_by(col(Review.created_at).desc(), col(Review.id).desc()).limit(limit))
    return [_without_notes(review) if is_subject else review for review in reviews]


def _without_notes(review: Review) -> Review:
    # A new, transient row: clearing the notes on the loaded one would erase them at the next flush.
    return Review(**(review.model_dump() | {"private_notes": None}))


def feedback_view(session: Session, review: Review, *, viewer_is_subject: bool) -> dict[str, Any]:
    """Return a feedback or reflection as plain data for a surface; the private notes never go to the subject."""
    answers = review.answers or {}
    view: dict[str, Any] = {
        "id": review.id,
        "kind": review.kind,
        "week": review.period,
        "author_id": review.author_id,
        "subject_id": review.subject_id,
        "submitted_at": review.submitted_at,
    }
    if review.kind == ReviewKind.REFLECTION:
        return view | {
            "in_reply_to_id": review.in_reply_to_id,
            "will_do_differently": answers.get("will_do_differently"),
            "support_needed": answers.get("support_needed"),
        }
    view |= {
        "went_well": answers.get("went_well"),
        "to_improve": answers.get("to_improve"),
        "acknowledged": bool(answers.get("acknowledged")),
        "assessment": review.assessment,
        "actions": _action_views(session, review),
    }
    if not viewer_is_subject:
        view["private_notes"] = review.private_notes
    return view


def _action_views(session: Session, review: Review) -> list[dict[str, Any]]:
    actions = list(session.exec(select(ActionItem).where(ActionItem.review_id == review.id).order_by(ActionItem.id)))
    names = names_by_id(session, {action.owner_id for action in actions})
    return [
        {
            "id": action.id,
            "text": action.text,
            "owner": "employee" if action.owner_id == action.subject_id else "manager",
            "owner_id": action.owner_id,
            "owner_name": names.get(action.owner_id, ""),
            "due_date": action.due_date,
            "done": action.done_at is not None,
        }
        for action in actions
    ]


def overdue_one_on_ones(
    session: Session, *, now: datetime, team_id: int | None = None
) -> list[tuple[Person, Person, int | None]]:
    """Return (manager, report, days since their last 1:1 or None) for each active pair without one lately.

    One query; `team_id` keeps the reports of one team. By manager, then report, by name.
    """
    _require_aware(now)
    manager, report = aliased(Person), aliased(Person)
    last = (
        select(OneOnOne.manager_id, OneOnOne.report_id, func.max(OneOnOne.held_at).label("held_at"))
        .group_by(OneOnOne.manager_id, OneOnOne.report_id)
        .subquery()
    )
    due_before = now - timedelta(days=ONE_ON_ONE_OVERDUE_DAYS)
    query = (
        select(manager, report, last.c.held_at)
        .select_from(manager)
        .join(report, report.manager_id == manager.id)
        .outerjoin(last, (last.c.manager_id == manager.id) & (last.c.report_id == report.id))
        .where(manager.active, report.active, or_(last.c.held_at.is_(None), last.c.held_at <= due_before))
    )
    if team_id is not None:
        query = query.where(report.team_id == team_id)
    pairs = [(boss, person, _days_since(held_at, now=now)) for boss, person, held_at in session.exec(query)]
    return sorted(pairs, key=lambda pair: (pair[0].name.casefold(), pair[0].id, pair[1].name.casefold(), pair[1].id))


# --- helpers -----------------------------------------------------------------------------------


def _find(session: Session, model: type[T], row_id: Any) -> T | None:
    """Return the row with this id; an id no database could hold is simply not found."""
    return session.get(model, row_id) if isinstance(row_id, int) and 0 < row_id <= _ID_MAX else None


def _audit(session: Session, action: str, review: Review, *, actor: Person, now: datetime, detail: dict) -> None:
    # Never the texts: the audit trail is read by admins, and the notes are for the manager chain and HR.
    audit.record(
        session, action=action, entity="review", entity_id=review.id, actor_id=actor.id, now=now, detail=detail
    )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")
