"""Weekly check-ins: which week a person may file, recording with goal progress, streaks, time away, reminders."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, or_, select

from storage import attention, audit, goals, questions
from storage.models import (
    TEXT_MAX,
    ActionItem,
    Approval,
    CheckIn,
    Delivery,
    DeliveryStatus,
    Goal,
    GoalProgress,
    GoalStatus,
    Person,
    Team,
)
from storage.parsing import iso_date
from storage.people import local_today, zone_of
from storage.permissions import PermissionDenied, require_view_person
from storage.weeks import shift_week, week_monday, week_of

LATE_WEEKS = 1  # only last week can be filed late
ACTIONS_DUE_MAX = 4  # the check-in lists at most this many action items due (soonest first)
AWAY_MAX_DAYS = 365
NEEDS_MANAGER_CONFIDENCE = 2  # this low or lower, the manager should hear about it
MANAGER_NUDGES_JOB = "manager-nudges"
REMINDERS_JOB = "checkin-reminders"  # the scheduler's job; snoozes are scheduled in its delivery keys
# Fortnightly teams count weeks from this Monday, so every team agrees which weeks are on.
CADENCE_ANCHOR = date(2024, 1, 1)

# Field errors: a surface turns each code into words beside the field.
NUMBER_INVALID = "number_invalid"
VALUE_OUT_OF_RANGE = "value_out_of_range"
CONFIDENCE_MISSING = "confidence_missing"
CONFIDENCE_INVALID = "confidence_invalid"
TEXT_TOO_LONG = "text_too_long"
STATUS_INVALID = "status_invalid"
GOAL_NOT_YOURS = "goal_not_yours"
WEEK_CLOSED = "week_closed"
AWAY_DATE_INVALID = "away_date_invalid"
AWAY_DATE_PAST = "away_date_past"
AWAY_TOO_FAR = "away_too_far"
NO_CHANGE_CONFLICT = "no_change_conflict"  # a goal marked "no change" and given another value or status

_TEXT_FIELDS = ("highlights", "blockers", "help_needed")
_CONFIDENCE = re.compile(r"[1-5]")

T = TypeVar("T")


class CheckinValidationError(Exception):
    """Some fields are invalid; `errors` maps each field to its error code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"invalid check-in fields: {errors}")
        self.errors = dict(errors)


@dataclass(frozen=True)
class GoalUpdateInput:
    """One goal's line of a check-in form, as typed; an empty value leaves the goal's value as it is."""

    goal_id: str
    value: str | None
    status: str | None = None
    note: str | None = None
    unchanged: bool = False  # "no change since last week": the goal keeps its value and status


@dataclass(frozen=True)
class CheckinInput:
    """A check-in form as typed, from any surface; `week` None is the person's current week."""

    week: str | None
    confidence: str | None  # "1".."5"
    highlights: str | None = None
    blockers: str | None = None
    help_needed: str | None = None
    goals: tuple[GoalUpdateInput, ...] = ()
    # Follow-ups of last week (actions.checkins reads them): (alert id, "resolved" or "still") per blocker asked
    # about, and the ids of the action items ticked done.
    blocker_answers: tuple[tuple[str, str], ...] = ()
    actions_done: tuple[str, ...] = ()
    answers: tuple[tuple[str, str | None], ...] = ()  # (custom question id, answer as typed)


@dataclass(frozen=True)
class FollowUps:
    """What a week's check-in opens with: the blockers still open from before, and the action items due."""

    blockers: list[attention.OpenBlocker]
    actions: list[ActionItem]

    def prefill_blockers(self) -> str | None:
        """The newest open blocker's words, carried into this week's blockers field (editable)."""
        return self.blockers[0].text if self.blockers else None


@dataclass(frozen=True)
class WeekChoice:
    week: str
    late: bool


@dataclass(frozen=True)
class RecordResult:
    checkin: CheckIn
    created: bool
    late: bool
    needs_manager: bool  # blockers given or confidence this low: worth the manager's attention
    progress: dict[int, float]  # goal id -> own progress after the update
    reported: tuple[GoalProgress, ...] = ()  # the check-in's goal progress after this submission, as progress_of


@dataclass(frozen=True)
class _GoalReport:
    goal: Goal
    value: float | None  # None: the goal keeps its value
    status: str | None
    note: str | None


@dataclass(frozen=True)
class _Submission:
    week: str
    late: bool
    confidence: int
    highlights: str | None
    blockers: str | None
    help_needed: str | None
    reports: list[_GoalReport]
    questions: list[questions.Question] = field(default_factory=list)  # the custom questions asked that week
    answers: dict[str, str] = field(default_factory=dict)  # question id -> answer, checked against its type


class _Invalid(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- weeks -------------------------------------------------------------------------------------


def current_week(person: Person, *, now: datetime, default_zone: str) -> str:
    """Return the ISO week it is for the person, in their own time zone."""
    _require_aware(now)
    return week_of(now, zone_of(person, default=default_zone))


def open_weeks(session: Session, person: Person, *, now: datetime, default_zone: str) -> list[WeekChoice]:
    """Return the weeks the person may still file: a late week not yet filed first, then the current week."""
    current = current_week(person, now=now, default_zone=default_zone)
    late = _open_late_weeks(session, person, current=current)
    filed = set(session.exec(select(CheckIn.week).where(CheckIn.person_id == person.id, col(CheckIn.week).in_(late))))
    return [WeekChoice(week, late=True) for week in late if week not in filed] + [WeekChoice(current, late=False)]


def _open_late_weeks(session: Session, person: Person, *, current: str) -> list[str]:
    """Return the past weeks whose late window is still open for the person, oldest first.

    A late check-in is only useful while the manager can still read it before talking to the
    person, so the window for week W closes once the manager has been sent W's nudge. Without a
    manager it stays open until the end of week W + LATE_WEEKS.
    """
    weeks = [shift_week(current, -back) for back in range(LATE_WEEKS, 0, -1)]
    if person.manager_id is None:
        return weeks
    nudged = set(
        session.exec(
            select(Delivery.period).where(
                Delivery.job == MANAGER_NUDGES_JOB,
                Delivery.person_id == person.manager_id,
                col(Delivery.period).in_(weeks),
                Delivery.status == DeliveryStatus.SENT,
            )
        )
    )
    return [week for week in weeks if week not in nudged]


def cadence_due(every_weeks: int, week: str) -> bool:
    """Answer whether a team checking in every `every_weeks` weeks checks in during `week`."""
    if every_weeks <= 1:
        return True
    weeks_since_anchor = (week_monday(week) - CADENCE_ANCHOR).days // 7
    return weeks_since_anchor % every_weeks == 0


# --- reading -----------------------------------------------------------------------------------


def active_goals(session: Session, person: Person) -> list[Goal]:
    """Return the approved, unarchived goals the person owns, at any level, by due date."""
    query = select(Goal).where(
        Goal.owner_id == person.id, Goal.approval == Approval.APPROVED, col(Goal.archived_at).is_(None)
    )
    return list(session.exec(query.order_by(Goal.due_date, Goal.id)))


def existing(session: Session, person: Person, week: str) -> CheckIn | None:
    """Return the person's check-in for the week, if they filed one."""
    return session.exec(select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.week == week)).first()


def latest(session: Session, person: Person) -> CheckIn | None:
    """Return the person's check-in for the most recent week they filed."""
    query = select(CheckIn).where(CheckIn.person_id == person.id).order_by(col(CheckIn.week).desc())
    return session.exec(query.limit(1)).first()


def follow_ups(session: Session, person: Person, *, week: str) -> FollowUps:
    """Return what the check-in for `week` follows up on (surfaces show it; actions.checkins.check_in acts on it)."""
    return FollowUps(attention.open_blockers(session, person, before_week=week),
                     action_items_due(session, person, week=week))


def action_items_due(session: Session, person: Person, *, week: str) -> list[ActionItem]:
    """Return the 1:1 action items the person owns, not done, due by the end of `week` (its Sunday), soonest first."""
    sunday = week_monday(week) + timedelta(days=6)
    query = (select(ActionItem)
             .where(ActionItem.owner_id == person.id, col(ActionItem.done_at).is_(None),
                    col(ActionItem.due_date).is_not(None), col(ActionItem.due_date) <= sunday)
             .order_by(col(ActionItem.due_date), col(ActionItem.id)).limit(ACTIONS_DUE_MAX))
    return list(session.exec(query))


def progress_of(session: Session, checkin: CheckIn) -> list[GoalProgress]:
    """Return the goal progress reported in a check-in, in the order it was first reported."""
    query = select(GoalProgress).where(GoalProgress.checkin_id == checkin.id).order_by(GoalProgress.id)
    return list(session.exec(query))


def history(
    session: Session, viewer: Person, subject: Person, *, limit: int = 8
) -> list[tuple[CheckIn, list[GoalProgress]]]:
    """Return the subject's latest check-ins with their goal progress, newest week first.

    Raises PermissionDenied unless the viewer is the subject, above them in the chain, or HR.
    """
    require_view_person(session, viewer, subject)
    query = select(CheckIn).where(CheckIn.person_id == subject.id).order_by(col(CheckIn.week).desc()).limit(limit)
    checkins = list(session.exec(query))
    if not checkins:
        return []
    by_checkin: dict[int, list[GoalProgress]] = defaultdict(list)
    rows = session.exec(
        select(GoalProgress)
        .where(col(GoalProgress.checkin_id).in_([checkin.id for checkin in checkins]))
        .order_by(GoalProgress.id)
    )
    for row in rows:
        by_checkin[row.checkin_id].append(row)
    return [(checkin, by_checkin[checkin.id]) for checkin in checkins]


def streak(session: Session, person: Person, *, now: datetime, default_zone: str, filing: str | None = None) -> int:
    """Count the person's check-ins in a row, back from this week (or last week while this one is open).

    Weeks the team's cadence skips neither count nor break the streak, so a fortnightly team's
    streak counts its check-ins rather than stopping at the first week off. `filing`: a week being filed in this
    transaction, counted as filed (so the streak can be read before the check-in is written).
    """
    current = current_week(person, now=now, default_zone=default_zone)
    filed = set(session.execute(select(CheckIn.week).where(CheckIn.person_id == person.id)).scalars())
    if filing is not None:
        filed.add(filing)
    every_weeks = _cadence_of(session, person)
    count, week = 0, current
    # Each step either counts a filed week or skips one the cadence does not ask for; the first
    # week asked for and missing ends the walk, and there is always one before the oldest filed week.
    while True:
        if week in filed:
            count += 1
        elif week != current and cadence_due(every_weeks, week):
            return count
        week = shift_week(week, -1)


def _cadence_of(session: Session, person: Person) -> int:
    if person.team_id is None:
        return 1
    every = session.execute(select(Team.checkin_every_weeks).where(Team.id == person.team_id)).scalar()
    return every if every is not None else 1


def missing_for_week(session: Session, people: list[Person], week: str) -> list[Person]:
    """Return those of `people` with no check-in for the week, in the order given."""
    ids = [person.id for person in people]
    if not ids:
        return []
    query = select(CheckIn.person_id).where(CheckIn.week == week, col(CheckIn.person_id).in_(ids))
    filed = set(session.exec(query))
    return [person for person in people if person.id not in filed]


def reminder_candidates(session: Session, *, now: datetime, default_zone: str) -> list[tuple[Person, str]]:
    """Return who a check-in reminder may go to now, each with their current week, in two queries.

    Active people reachable on some surface, not away today (their local today), whose team's
    cadence asks for this week (no team: weekly), with no check-in for it yet.
    """
    due = []
    for person, every_weeks in session.exec(_reachable_people()):
        week = current_week(person, now=now, default_zone=default_zone)
        today = local_today(person, now=now, default_zone=default_zone)
        if cadence_due(every_weeks or 1, week) and not is_away(person, today=today):
            due.append((person, week))
    # At one instant the world's local dates span at most two days, so at most two weeks are asked about.
    filed = _filed(session, {week for _, week in due})
    return [(person, week) for person, week in due if (person.id, week) not in filed]


def _reachable_people():
    reachable = or_(col(Person.slack_id).is_not(None), col(Person.teams_id).is_not(None))
    return (
        select(Person, Team.checkin_every_weeks)
        .outerjoin(Team, col(Team.id) == Person.team_id)
        .where(Person.active, reachable)
        .order_by(Person.id)
    )


def _filed(session: Session, weeks: set[str]) -> set[tuple[int, str]]:
    """Return (person id, week) of every check-in filed for these weeks."""
    if not weeks:
        return set()
    query = select(CheckIn.person_id, CheckIn.week).where(col(CheckIn.week).in_(sorted(weeks)))
    return {(person_id, week) for person_id, week in session.exec(query)}


# --- recording ---------------------------------------------------------------------------------


def record(session: Session, person: Person, raw: CheckinInput, *, now: datetime, default_zone: str,
           locale: str | None = None) -> RecordResult:
    """File the person's check-in for a week, or edit the one already filed, with their goals' progress.

    Every field is checked before anything is written: CheckinValidationError carries all the
    errors at once. Each goal given a value changes through goals.update_progress, so the change
    is in the goal's history. Two submissions racing for the same week (a double click) end with
    one check-in, the later answers winning. The answers to the week's custom questions are stored with it, each
    with the question's words in `locale` (the person's, by default) as asked.
    """
    if not person.active:
        raise PermissionDenied(f"person {person.id} no longer works here")
    submission = _validate(session, person, raw, now=now, default_zone=default_zone)
    today = local_today(person, now=now, default_zone=default_zone)
    # Everything read before the first write: on SQLite the write lock is held from the first write to the
    # commit, and every other request's write waits for it. With no goal line the progress stays as it was,
    # read here for the thanks; with goal lines it is read after the check-in's row is written (below).
    unchanged = () if submission.reports else _reported(session, person, submission.week)
    for report in submission.reports:
        _apply_progress(session, person, report, week=submission.week, now=now, today=today)
    checkin, created = _upsert_checkin(session, person, submission, now=now)
    reported = _upsert_progress(session, checkin, submission.reports) if submission.reports else unchanged
    if submission.questions:  # with none asked there is nothing to store or replace
        questions.record_answers(session, checkin, submission.questions, submission.answers,
                                 locale=locale or person.locale)
    return RecordResult(
        checkin=checkin,
        created=created,
        late=checkin.late,
        needs_manager=submission.blockers is not None or submission.confidence <= NEEDS_MANAGER_CONFIDENCE,
        progress={report.goal.id: goals.own_progress(report.goal) for report in submission.reports},
        reported=tuple(reported),
    )


def _reported(session: Session, person: Person, week: str) -> list[GoalProgress]:
    """Return the goal progress of the person's check-in for the week (none when not filed), as progress_of."""
    query = (select(GoalProgress).join(CheckIn, col(CheckIn.id) == GoalProgress.checkin_id)
             .where(CheckIn.person_id == person.id, CheckIn.week == week).order_by(GoalProgress.id))
    return list(session.exec(query))


def _validate(session: Session, person: Person, raw: CheckinInput, *, now: datetime, default_zone: str) -> _Submission:
    errors: dict[str, str] = {}
    week = _check(errors, "week", lambda: _clean_week(session, person, raw.week, now=now, default_zone=default_zone))
    confidence = _check(errors, "confidence", lambda: _clean_confidence(raw.confidence))
    texts = {name: _check(errors, name, lambda name=name: _clean_text(getattr(raw, name))) for name in _TEXT_FIELDS}
    reports = _clean_reports(session, person, raw.goals, errors)
    asked = questions.asked_of(session, person, week[0]) if week is not None else []
    answers, answer_errors = questions.clean_answers(asked, dict(raw.answers))
    errors.update(answer_errors)
    if errors:
        raise CheckinValidationError(errors)
    chosen, late = week
    return _Submission(week=chosen, late=late, confidence=confidence, reports=reports, questions=asked,
                       answers=answers, **texts)


def _check(errors: dict[str, str], key: str, clean: Callable[[], T]) -> T | None:
    """Return what `clean` returns, or note its error code under `key` and return None."""
    try:
        return clean()
    except _Invalid as invalid:
        errors[key] = invalid.code
        return None


def _clean_week(
    session: Session, person: Person, text: str | None, *, now: datetime, default_zone: str
) -> tuple[str, bool]:
    """Return the chosen week and whether filing it is late.

    A late week may be filed, and edited, while its late window is open; open_weeks stops offering
    it once filed, but a second submission (a double click, an edit) must not be refused.
    """
    current = current_week(person, now=now, default_zone=default_zone)
    week = (text or "").strip()
    if week in ("", current):
        return current, False
    if week in _open_late_weeks(session, person, current=current):
        return week, True
    raise _Invalid(WEEK_CLOSED)


def _clean_confidence(text: str | None) -> int:
    # NFKC folds the full-width digits a Chinese input method types.
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded:
        raise _Invalid(CONFIDENCE_MISSING)
    if not _CONFIDENCE.fullmatch(folded):
        raise _Invalid(CONFIDENCE_INVALID)
    return int(folded)


def _clean_text(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > TEXT_MAX:  # code points, as PostgreSQL counts
        raise _Invalid(TEXT_TOO_LONG)
    return cleaned or None


def _clean_reports(
    session: Session, person: Person, updates: tuple[GoalUpdateInput, ...], errors: dict[str, str]
) -> list[_GoalReport]:
    """Check each goal line; a goal that is not one of the person's active goals refuses the whole submission."""
    if not updates:
        return []
    mine = {goal.id: goal for goal in active_goals(session, person)}
    reports: list[_GoalReport] = []
    for update in updates:
        goal = mine.pop(_goal_id(update.goal_id), None)  # popped, so a goal listed twice is refused too
        if goal is None:
            # Surfaces list only the person's own active goals, once each: anything else is forged or stale.
            errors["goals"] = GOAL_NOT_YOURS
            continue
        reports.append(_clean_report(goal, update, errors))
    return reports


def _goal_id(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _clean_report(goal: Goal, update: GoalUpdateInput, errors: dict[str, str]) -> _GoalReport:
    prefix = f"goal:{goal.id}"
    if update.unchanged:
        return _unchanged_report(goal, update, errors)
    return _GoalReport(
        goal=goal,
        value=_check(errors, f"{prefix}:value", lambda: _clean_value(update.value, goal)),
        status=_check(errors, f"{prefix}:status", lambda: _clean_status(update.status)),
        note=_check(errors, f"{prefix}:note", lambda: _clean_text(update.note)),
    )


def _unchanged_report(goal: Goal, update: GoalUpdateInput, errors: dict[str, str]) -> _GoalReport:
    """A goal marked "no change": its value and status stay as they are.

    The form shows the goal's value and status prefilled beside the tick, so they come back as they were; a
    different value or status beside the tick is a contradiction the person resolves (an inline error), rather
    than the bot guessing which of the two they meant.
    """
    prefix = f"goal:{goal.id}"
    value = _check(errors, f"{prefix}:value", lambda: _clean_value(update.value, goal))
    status = _check(errors, f"{prefix}:status", lambda: _clean_status(update.status))
    if value is not None and value != goal.current_value:
        errors[f"{prefix}:value"] = NO_CHANGE_CONFLICT
    if status is not None and status != goal.status:
        errors[f"{prefix}:status"] = NO_CHANGE_CONFLICT
    note = _check(errors, f"{prefix}:note", lambda: _clean_text(update.note))
    return _GoalReport(goal=goal, value=None, status=None, note=note)


def _clean_value(text: str | None, goal: Goal) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = goals.parse_number(text)
    except ValueError:
        raise _Invalid(NUMBER_INVALID) from None
    if not _plausible(value, goal):
        raise _Invalid(VALUE_OUT_OF_RANGE)
    return value


def _plausible(value: float, goal: Goal) -> bool:
    """Answer whether a reported value can be meant for this goal.

    A goal may go backwards or beat its target, so nearly any number is fine. Two are refused as
    typos: a negative value when start and target are both >= 0 (a count or amount cannot go
    below zero), and a value over 100 for a "%" goal whose start and target are both <= 100.
    """
    if value < 0 and goal.start_value >= 0 and goal.target_value >= 0:
        return False
    return not (value > 100 and goal.unit == "%" and goal.start_value <= 100 and goal.target_value <= 100)


def _clean_status(text: str | None) -> str | None:
    status = (text or "").strip()
    if not status:
        return None
    try:
        return GoalStatus(status).value
    except ValueError:
        raise _Invalid(STATUS_INVALID) from None


def _apply_progress(
    session: Session, person: Person, report: _GoalReport, *, week: str, now: datetime, today: date
) -> None:
    """Change the goal as reported; a status alone (no value) changes it too, keeping the value."""
    goal = report.goal
    if report.value is None and report.status in (None, goal.status):
        return
    value = goal.current_value if report.value is None else report.value
    goals.update_progress(
        session, person, goal.id, value=value, status=report.status, note=f"check-in {week}", now=now, today=today
    )


def _upsert_checkin(
    session: Session, person: Person, submission: _Submission, *, now: datetime
) -> tuple[CheckIn, bool]:
    """Return the week's check-in with the submitted answers, and whether it was created now.

    Looked up before any write; then one statement writes it: the INSERT of a new one (with its answers), or
    the UPDATE of an edit. Writing the row makes a concurrent edit of the same check-in wait here, so the
    progress rows it committed are read next instead of inserted a second time.
    """
    checkin = existing(session, person, submission.week)
    if checkin is None:
        inserted = _insert_checkin(session, person, submission, now=now)
        if inserted is not None:
            return inserted, True
        # A double click sends two submissions at once: the other inserted the row since, and this one's answers
        # (the later) replace its answers.
        checkin = existing(session, person, submission.week)
    checkin.confidence = submission.confidence
    checkin.highlights = submission.highlights
    checkin.blockers = submission.blockers
    checkin.help_needed = submission.help_needed
    checkin.updated_at = now
    session.flush()
    return checkin, False


def _insert_checkin(session: Session, person: Person, submission: _Submission, *, now: datetime) -> CheckIn | None:
    """Insert the week's check-in with its answers; None if a concurrent request (a double click) got there first.

    ON CONFLICT DO NOTHING rather than a SAVEPOINT: pysqlite opens no transaction before a SAVEPOINT, so its
    RELEASE would commit on its own.
    """
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (insert(CheckIn)
                 .values(person_id=person.id, week=submission.week, submitted_at=now, updated_at=now,
                         late=submission.late, confidence=submission.confidence, highlights=submission.highlights,
                         blockers=submission.blockers, help_needed=submission.help_needed)
                 .on_conflict_do_nothing(index_elements=["person_id", "week"]).returning(CheckIn))
    return session.scalars(statement, execution_options={"populate_existing": True}).one_or_none()


def _upsert_progress(session: Session, checkin: CheckIn, reports: list[_GoalReport]) -> list[GoalProgress]:
    """Record each reported goal's value and status after the update, one row per goal per check-in; return the
    check-in's progress rows as progress_of would."""
    rows = {row.goal_id: row for row in progress_of(session, checkin)}
    for report in reports:
        row = rows.get(report.goal.id)
        if row is None:
            row = rows[report.goal.id] = GoalProgress(checkin_id=checkin.id, goal_id=report.goal.id)
        row.value = report.goal.current_value
        row.status = report.goal.status
        row.note = report.note
        session.add(row)
    session.flush()
    return sorted(rows.values(), key=lambda row: row.id)


# --- time away ---------------------------------------------------------------------------------


def set_away(session: Session, person: Person, *, until: str | None, now: datetime, default_zone: str) -> date | None:
    """Mark the person away through `until` (YYYY-MM-DD, inclusive), or back when it is empty.

    Returns the date now on record. Raises CheckinValidationError({"until": code}).
    """
    _require_aware(now)
    today = local_today(person, now=now, default_zone=default_zone)
    try:
        away_until = _clean_away_until(until, today=today)
    except _Invalid as invalid:
        raise CheckinValidationError({"until": invalid.code}) from None
    if away_until == person.away_until:
        return away_until  # a second click changes nothing
    session.add(person)  # the caller may have loaded them in another session
    person.away_until = away_until
    person.updated_at = now
    audit.record(
        session,
        action="person.away",
        entity="person",
        entity_id=person.id,
        actor_id=person.id,
        now=now,
        detail={"until": away_until.isoformat() if away_until else None},
    )
    session.flush()
    return away_until


def _clean_away_until(text: str | None, *, today: date) -> date | None:
    try:
        until = iso_date(text)
    except ValueError:
        raise _Invalid(AWAY_DATE_INVALID) from None
    if until is None:
        return None
    if until < today:
        raise _Invalid(AWAY_DATE_PAST)
    if until > today + timedelta(days=AWAY_MAX_DAYS):
        raise _Invalid(AWAY_TOO_FAR)
    return until


def is_away(person: Person, *, today: date) -> bool:
    """Answer whether the person is away on `today` (their local date); away_until is the last day away."""
    return person.away_until is not None and today <= person.away_until


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")
