"""SMART goals: validation and coaching, the approval flow, adjustments with reasons, progress and roll-up."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, case, col, or_, select

from storage import audit
from storage.models import TEXT_MAX, TITLE_MAX, Approval, Goal, GoalChange, GoalLevel, GoalStatus, Person, Role
from storage.parsing import iso_date
from storage.permissions import (
    PermissionDenied,
    below,
    can_decide_for,
    can_view_person,
    is_hr,
    manages,
    require_view_person,
)

METRIC_MAX = 100
UNIT_MAX = 20
WEIGHT_MAX = 100.0

# Field errors: a surface turns each code into words beside the field.
TITLE_MISSING = "title_missing"
TITLE_TOO_LONG = "title_too_long"
NUMBER_INVALID = "number_invalid"
TARGET_EQUALS_START = "target_equals_start"
DUE_DATE_MISSING = "due_date_missing"
DUE_DATE_INVALID = "due_date_invalid"
DUE_IN_PAST = "due_in_past"
WEIGHT_INVALID = "weight_invalid"
PARENT_NOT_VISIBLE = "parent_not_visible"
PARENT_INVALID_LEVEL = "parent_invalid_level"
REASON_MISSING = "reason_missing"
TEXT_TOO_LONG = "text_too_long"
UNIT_TOO_LONG = "unit_too_long"
METRIC_TOO_LONG = "metric_too_long"
STATUS_INVALID = "status_invalid"

# SMART coach warnings: the goal may still be saved once the person confirms.
NO_NUMBER = "no_number"
NOT_ALIGNED = "not_aligned"

# GoalError codes.
NOT_FOUND = "not_found"
INVALID = "invalid"
NOT_PENDING = "not_pending"
COMMENT_MISSING = "comment_missing"
ARCHIVED = "archived"

# A goal's parent sits at a higher level (company > team > individual), so the tree cannot loop.
_RANK = {GoalLevel.COMPANY: 0, GoalLevel.TEAM: 1, GoalLevel.INDIVIDUAL: 2}
# Fields whose change on an approved goal moves the goalposts, so the history must say why.
_NEEDS_REASON = ("start_value", "target_value", "due_date")
# Float sums of weights and thresholds such as 0.5 - 0.1 must not flip a status at an exact boundary.
_EPSILON = 1e-9
_IN_CHUNK = 500  # below every driver's bound-parameter limit
_ID_MAX = 2**31 - 1  # ids come from forgeable payloads; id columns are 32-bit INTEGER on PostgreSQL


class GoalError(Exception):
    """A goal verb refused; `code` says why, for a surface to put into words."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


class GoalNotFound(GoalError):
    """No such goal, or one the viewer may not see: the two look the same, so nothing leaks."""

    def __init__(self, goal_id: int | None = None) -> None:
        super().__init__(NOT_FOUND, f"goal {goal_id} not found")


class GoalValidationError(GoalError):
    """Some fields are invalid; `errors` maps each field to its error code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(INVALID, f"invalid goal fields: {errors}")
        self.errors = dict(errors)


@dataclass(frozen=True)
class GoalInput:
    """Raw strings as typed in a form, from any surface; None or "" is empty.

    For adjust(), None means "not changed" and "" means "cleared".
    """

    title: str | None = None
    metric: str | None = None
    unit: str | None = None
    start: str | None = None
    target: str | None = None
    due_date: str | None = None  # YYYY-MM-DD
    parent_id: str | None = None
    weight: str | None = None
    level: str = GoalLevel.INDIVIDUAL.value
    description: str | None = None


@dataclass(frozen=True)
class GoalDraft:
    """Validated values, ready for create(); the names match Goal's columns."""

    title: str
    metric: str | None
    unit: str | None
    start_value: float
    target_value: float
    due_date: date
    parent_id: int | None
    weight: float
    level: GoalLevel
    description: str | None


@dataclass(frozen=True)
class Validation:
    draft: GoalDraft | None  # None when there are errors
    errors: dict[str, str]  # field of GoalInput -> error code
    warnings: list[str]  # SMART coach warnings, computed only when there are no errors


# --- numbers -----------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"""
    (?P<sign>[+-]?)\s*
    (?P<prefix>[^\s0-9.,+-]?)\s*                                        # a currency sign: $ ¥ €
    (?P<digits>
        [0-9]{1,3}(?P<sep>[, ])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?:\.[0-9]+)?   # 1,000 / 1 000.5
      | [0-9]+(?:\.[0-9]*)?                                             # 30 / 30.5
      | \.[0-9]+                                                        # .5
    )
    \s*(?P<suffix>[^\s0-9.,+-]?)                                        # % or a currency sign
    """,
    re.VERBOSE,
)


def parse_number(text: str) -> float:
    """Parse a number as people type it, or raise ValueError.

    Full-width digits and punctuation from Chinese input methods are folded by NFKC. Thousands
    separators must group by three ("1,000", "1 000"), so a decimal comma such as "1,5" is refused
    rather than silently read as 15. No suffix multipliers ("12k"), no exponents, no nan or inf.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    # A minus sign from a word processor, and the ideographic full stop a Chinese IME types for ".".
    folded = folded.replace("\u2212", "-").replace("\u3002", ".")
    match = _NUMBER.fullmatch(folded)
    if not match or not _is_currency(match["prefix"]) or not (match["suffix"] == "%" or _is_currency(match["suffix"])):
        raise ValueError(f"not a number: {text!r}")
    value = float(match["sign"] + match["digits"].replace(",", "").replace(" ", ""))
    if not math.isfinite(value):  # hundreds of digits overflow to inf
        raise ValueError(f"not a finite number: {text!r}")
    return value


def _is_currency(char: str) -> bool:
    return char == "" or unicodedata.category(char) == "Sc"


def format_value(value: Any) -> str | None:
    """Write a value for the change history: numbers without a trailing .0, dates in ISO."""
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


# --- validation --------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Fields:
    """Cleaned values by Goal column, and the first error of each form field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def clean(self, form_field: str, column: str, clean: Callable[[], Any]) -> None:
        try:
            self.values[column] = clean()
        except _Invalid as invalid:
            self.errors[form_field] = invalid.code


def allowed_levels(author: Person) -> list[GoalLevel]:
    """Return the levels the author may create goals at, for a surface to offer."""
    levels = [GoalLevel.INDIVIDUAL]
    if author.team_id is not None and author.role in (Role.MANAGER, Role.HR, Role.ADMIN):
        levels.insert(0, GoalLevel.TEAM)
    if is_hr(author):
        levels.insert(0, GoalLevel.COMPANY)
    return levels if author.active else []


def validate(session: Session, author: Person, raw: GoalInput, *, today: date) -> Validation:
    """Check a goal form; return a draft with coaching warnings, or the errors by field.

    `today` is the date in the author's own time zone. Raises PermissionDenied for a level the
    author may not use: surfaces only offer allowed levels, so that is a forged request.
    """
    level = _require_level(author, raw.level)
    fields = _clean_fields(
        session, author, raw, names=_FORM_FIELDS, level=level, team_id=author.team_id, today=today, stored=None
    )
    if fields.errors:
        return Validation(draft=None, errors=fields.errors, warnings=[])
    draft = GoalDraft(level=level, **fields.values)
    return Validation(draft=draft, errors={}, warnings=_warnings(draft, milestone=_is_empty(raw.target)))


_FORM_FIELDS = ("title", "metric", "unit", "start", "target", "due_date", "parent_id", "weight", "description")


def _require_level(author: Person, level: str) -> GoalLevel:
    try:
        wanted = GoalLevel(level)
    except ValueError:
        raise PermissionDenied(f"unknown goal level {level!r}") from None
    if wanted not in allowed_levels(author):
        raise PermissionDenied(f"person {author.id} may not set {wanted} goals")
    return wanted


def _clean_fields(
    session: Session,
    viewer: Person,
    raw: GoalInput,
    *,
    names: Iterable[str],
    level: GoalLevel,
    team_id: int | None,
    today: date,
    stored: Goal | None,
) -> _Fields:
    """Clean the named form fields of `raw`; `stored` is the goal being adjusted, if any."""
    kept_due = stored.due_date if stored else None
    cleaners: dict[str, tuple[str, Callable[[], Any]]] = {
        "title": ("title", lambda: _clean_title(raw.title)),
        "metric": ("metric", lambda: _clean_text(raw.metric, METRIC_MAX, METRIC_TOO_LONG)),
        "unit": ("unit", lambda: _clean_text(raw.unit, UNIT_MAX, UNIT_TOO_LONG)),
        "start": ("start_value", lambda: _clean_number(raw.start, empty=0.0)),
        "target": ("target_value", lambda: _clean_number(raw.target, empty=None)),
        "due_date": ("due_date", lambda: _clean_due_date(raw.due_date, today=today, kept=kept_due)),
        "parent_id": (
            "parent_id",
            lambda: _clean_parent(session, viewer, raw.parent_id, level=level, team_id=team_id),
        ),
        "weight": ("weight", lambda: _clean_weight(raw.weight)),
        "description": ("description", lambda: _clean_text(raw.description, TEXT_MAX, TEXT_TOO_LONG)),
    }
    fields = _Fields()
    for name in names:
        column, clean = cleaners[name]
        fields.clean(name, column, clean)
    if "target" in names and _is_empty(raw.target):
        # No number: a done/not-done milestone, whatever start was typed.
        fields.values.update(start_value=0.0, target_value=1.0, unit=None)
    _check_span(fields, stored, target_given="target" in names)
    return fields


def _check_span(fields: _Fields, stored: Goal | None, *, target_given: bool) -> None:
    """Refuse a target equal to the start: progress towards it cannot be measured."""
    touched = fields.values.keys() & {"start_value", "target_value"}
    if not touched or fields.errors.keys() & {"start", "target"}:
        return
    start = fields.values.get("start_value", stored.start_value if stored else None)
    target = fields.values.get("target_value", stored.target_value if stored else None)
    if start == target:
        fields.errors["target" if target_given else "start"] = TARGET_EQUALS_START


def _is_empty(text: str | None) -> bool:
    return text is None or not text.strip()


def _clean_title(text: str | None) -> str:
    # Only the outer whitespace goes: quotes, <&>, CJK and emoji are kept exactly as typed.
    title = (text or "").strip()
    if not title:
        raise _Invalid(TITLE_MISSING)
    if len(title) > TITLE_MAX:  # code points, as PostgreSQL counts VARCHAR length
        raise _Invalid(TITLE_TOO_LONG)
    return title


def _clean_text(text: str | None, limit: int, code: str) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise _Invalid(code)
    return cleaned or None


def _clean_number(text: str | None, *, empty: float | None) -> float | None:
    if _is_empty(text):
        return empty
    try:
        return parse_number(text)
    except ValueError:
        raise _Invalid(NUMBER_INVALID) from None




def _clean_due_date(text: str | None, *, today: date, kept: date | None) -> date:
    """Parse a YYYY-MM-DD due date not before today; the stored date `kept` may stay even if past."""
    try:
        due = iso_date(text)
    except ValueError:
        raise _Invalid(DUE_DATE_INVALID) from None
    if due is None:
        raise _Invalid(DUE_DATE_MISSING)
    if due < today and due != kept:
        raise _Invalid(DUE_IN_PAST)
    return due


def _clean_weight(text: str | None) -> float:
    if _is_empty(text):
        return 1.0
    try:
        weight = parse_number(text)
    except ValueError:
        raise _Invalid(WEIGHT_INVALID) from None
    if not 0 < weight <= WEIGHT_MAX:
        raise _Invalid(WEIGHT_INVALID)
    return weight


def _clean_parent(
    session: Session, viewer: Person, text: str | None, *, level: GoalLevel, team_id: int | None
) -> int | None:
    """Return the parent goal's id, checked like visible_parent_choices; empty means no parent."""
    if _is_empty(text):
        return None
    try:
        parent_id = int(text.strip())
    except ValueError:
        raise _Invalid(PARENT_NOT_VISIBLE) from None
    parent = _find(session, parent_id)
    usable = parent is not None and parent.archived_at is None and parent.approval == Approval.APPROVED
    if not usable or not can_see(session, viewer, parent):
        raise _Invalid(PARENT_NOT_VISIBLE)
    if _RANK[GoalLevel(parent.level)] >= _RANK[level]:
        raise _Invalid(PARENT_INVALID_LEVEL)
    if parent.level == GoalLevel.TEAM and parent.team_id != team_id:
        raise _Invalid(PARENT_NOT_VISIBLE)  # only the goal's own team's goals are offered
    return parent_id


def _warnings(draft: GoalDraft, *, milestone: bool) -> list[str]:
    warnings = []
    if milestone:
        warnings.append(NO_NUMBER)
    if draft.parent_id is None and draft.level != GoalLevel.COMPANY:
        warnings.append(NOT_ALIGNED)
    return warnings


def visible_parent_choices(session: Session, author: Person, *, level: GoalLevel = GoalLevel.INDIVIDUAL) -> list[Goal]:
    """Return the goals a new goal at `level` may align with: company goals, then the author's team's."""
    levels = [parent for parent in GoalLevel if _RANK[parent] < _RANK[level]]
    if not levels or not author.active:
        return []
    wanted = [Goal.level == GoalLevel.COMPANY]
    if GoalLevel.TEAM in levels and author.team_id is not None:
        wanted.append((Goal.level == GoalLevel.TEAM) & (Goal.team_id == author.team_id))
    query = select(Goal).where(or_(*wanted), Goal.approval == Approval.APPROVED, col(Goal.archived_at).is_(None))
    # Sorted here, not in SQL, so the order is the same whatever collation the database uses.
    return sorted(session.exec(query), key=lambda goal: (_RANK[GoalLevel(goal.level)], goal.title, goal.id))


# --- verbs -------------------------------------------------------------------------------------


def create(session: Session, author: Person, draft: GoalDraft, *, now: datetime) -> Goal:
    """Save a validated draft as the author's goal; an individual goal waits for the manager's approval."""
    _require_aware(now)
    _require_level(author, draft.level)  # a draft could be built without validate()
    if draft.parent_id is not None:
        _recheck_parent(session, author, draft)
    proposed = draft.level == GoalLevel.INDIVIDUAL and author.manager_id is not None
    goal = Goal(
        level=GoalLevel(draft.level).value,
        owner_id=author.id,
        team_id=None if draft.level == GoalLevel.COMPANY else author.team_id,
        parent_id=draft.parent_id,
        title=draft.title,
        description=draft.description,
        metric=draft.metric,
        unit=draft.unit,
        start_value=draft.start_value,
        target_value=draft.target_value,
        current_value=draft.start_value,
        due_date=draft.due_date,
        approval=(Approval.PROPOSED if proposed else Approval.APPROVED).value,
        weight=draft.weight,
        created_by_id=author.id,
        created_at=now,
        updated_at=now,
    )
    goal.status = compute_status(goal, own_progress(goal), today=_local_today(author, now))
    session.add(goal)
    session.flush()
    _log(session, goal, actor=author, now=now, field_name="created", new=goal.title)
    _audit(session, "goal.created", goal, actor=author, now=now, level=goal.level, approval=goal.approval)
    session.flush()
    return goal


def _recheck_parent(session: Session, author: Person, draft: GoalDraft) -> None:
    try:
        _clean_parent(session, author, str(draft.parent_id), level=draft.level, team_id=author.team_id)
    except _Invalid as invalid:
        raise GoalValidationError({"parent_id": invalid.code}) from None


def decide(
    session: Session, decider: Person, goal_id: int, *, approve: bool, comment: str | None, now: datetime
) -> Goal:
    """Approve a proposed goal, or return it to its owner with a comment saying what to change."""
    _require_aware(now)
    goal = _load(session, goal_id)
    owner = _owner(session, goal)
    if not can_decide_for(session, decider, owner):
        raise PermissionDenied(f"person {decider.id} may not decide on goal {goal.id}")
    if goal.approval != Approval.PROPOSED or goal.archived_at is not None:
        raise GoalError(NOT_PENDING)
    comment = _clean_note(comment, "comment")
    if not approve and comment is None:
        raise GoalError(COMMENT_MISSING)
    decision = Approval.APPROVED if approve else Approval.RETURNED
    old = goal.approval
    goal.approval = decision.value
    goal.approval_comment = comment
    goal.updated_at = now
    _log(session, goal, actor=decider, now=now, field_name="approval", old=old, new=goal.approval, reason=comment)
    _audit(session, f"goal.{decision.value}", goal, actor=decider, now=now, owner_id=owner.id)
    session.flush()
    return goal


def adjust(
    session: Session,
    actor: Person,
    goal_id: int,
    changes: GoalInput,
    *,
    reason: str | None,
    now: datetime,
    today: date | None = None,
) -> Goal:
    """Change the fields given in `changes` (None = unchanged), one history row per changed field.

    Moving the start, target or due date of an approved goal needs a reason. A returned goal goes
    back to its manager as proposed. The level cannot change. `today` (by default the actor's local
    date) judges a new due date; a stored due date already past may be kept.
    """
    _require_aware(now)
    goal = _load(session, goal_id)
    _require_can_edit(session, actor, goal)
    _require_not_archived(goal)
    today = today or _local_today(actor, now)
    names = [name for name in _FORM_FIELDS if getattr(changes, name) is not None]
    fields = _clean_fields(
        session,
        actor,
        changes,
        names=names,
        level=GoalLevel(goal.level),
        team_id=goal.team_id,
        today=today,
        stored=goal,
    )
    fields.clean("reason", "reason", lambda: _clean_text(reason, TEXT_MAX, TEXT_TOO_LONG))
    reason = fields.values.pop("reason", None)
    changed = {name: (getattr(goal, name), new) for name, new in fields.values.items() if getattr(goal, name) != new}
    if goal.approval == Approval.APPROVED and reason is None and changed.keys() & set(_NEEDS_REASON):
        fields.errors.setdefault("reason", REASON_MISSING)
    if fields.errors:
        raise GoalValidationError(fields.errors)
    if not changed:
        return goal
    _apply_changes(session, goal, changed, actor=actor, reason=reason, now=now)
    goal.status = compute_status(goal, rolled_up_progress(session, goal), today=today)
    _audit(session, "goal.adjusted", goal, actor=actor, now=now, fields=sorted(changed))
    session.flush()
    return goal


def _apply_changes(
    session: Session,
    goal: Goal,
    changed: dict[str, tuple[Any, Any]],
    *,
    actor: Person,
    reason: str | None,
    now: datetime,
) -> None:
    for name, (old, new) in changed.items():
        setattr(goal, name, new)
        _log(session, goal, actor=actor, now=now, field_name=name, old=old, new=new, reason=reason)
    if goal.approval == Approval.RETURNED:
        goal.approval = Approval.PROPOSED.value
        _log(
            session,
            goal,
            actor=actor,
            now=now,
            field_name="approval",
            old=Approval.RETURNED,
            new=goal.approval,
            reason=reason,
        )
    goal.updated_at = now


def update_progress(
    session: Session,
    actor: Person,
    goal_id: int,
    *,
    value: str | float,
    now: datetime,
    status: str | None = None,
    note: str | None = None,
    today: date | None = None,
) -> Goal:
    """Record the goal's current value; the status is the one given, or computed from progress."""
    _require_aware(now)
    goal = _load(session, goal_id)
    if not can_update_progress(session, actor, goal):
        raise PermissionDenied(f"person {actor.id} may not update goal {goal.id}")
    _require_not_archived(goal)
    fields = _Fields()
    fields.clean("value", "current_value", lambda: _clean_value(value))
    fields.clean("status", "status", lambda: _clean_status(status))
    fields.clean("note", "note", lambda: _clean_text(note, TEXT_MAX, TEXT_TOO_LONG))
    if fields.errors:
        raise GoalValidationError(fields.errors)
    old = goal.current_value
    goal.current_value = fields.values["current_value"]
    goal.progress_updated_at = goal.updated_at = now
    goal.status = fields.values["status"] or compute_status(
        goal, rolled_up_progress(session, goal), today=today or _local_today(actor, now)
    )
    note = fields.values["note"]
    _log(session, goal, actor=actor, now=now, field_name="current_value", old=old, new=goal.current_value, reason=note)
    session.flush()
    return goal


def _clean_value(value: str | float) -> float:
    try:
        current = parse_number(value) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise _Invalid(NUMBER_INVALID) from None
    if not math.isfinite(current):
        raise _Invalid(NUMBER_INVALID)
    return current


def _clean_status(status: str | None) -> str | None:
    if status is None:
        return None
    try:
        return GoalStatus(status).value
    except ValueError:
        raise _Invalid(STATUS_INVALID) from None


def archive(session: Session, actor: Person, goal_id: int, *, reason: str | None, now: datetime) -> Goal:
    """Take a goal out of lists, roll-ups and parent choices; its history stays readable."""
    _require_aware(now)
    goal = _load(session, goal_id)
    _require_can_edit(session, actor, goal)
    reason = _clean_note(reason, "reason")
    if goal.archived_at is not None:
        return goal  # a second click changes nothing
    goal.archived_at = goal.updated_at = now
    _log(session, goal, actor=actor, now=now, field_name="archived", new=now, reason=reason)
    _audit(session, "goal.archived", goal, actor=actor, now=now)
    session.flush()
    return goal


def can_edit(session: Session, actor: Person, goal: Goal) -> bool:
    """Answer whether the actor may adjust or archive the goal: its owner, their direct manager, or HR."""
    owner = _owner(session, goal)
    return (actor.active and actor.id == owner.id) or can_decide_for(session, actor, owner)


def can_update_progress(session: Session, actor: Person, goal: Goal) -> bool:
    """Answer whether the actor may report the goal's progress: its owner, their managers, or HR."""
    return can_view_person(session, actor, _owner(session, goal))


def _require_can_edit(session: Session, actor: Person, goal: Goal) -> None:
    if not can_edit(session, actor, goal):
        raise PermissionDenied(f"person {actor.id} may not change goal {goal.id}")


def _require_not_archived(goal: Goal) -> None:
    if goal.archived_at is not None:
        raise GoalError(ARCHIVED)


def _clean_note(text: str | None, form_field: str) -> str | None:
    """Return a stripped reason, comment or note, None when empty."""
    try:
        return _clean_text(text, TEXT_MAX, TEXT_TOO_LONG)
    except _Invalid as invalid:
        raise GoalValidationError({form_field: invalid.code}) from None


def _log(
    session: Session,
    goal: Goal,
    *,
    actor: Person,
    now: datetime,
    field_name: str,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
) -> None:
    session.add(
        GoalChange(
            goal_id=goal.id,
            actor_id=actor.id,
            at=now,
            field_name=field_name,
            old_value=format_value(old),
            new_value=format_value(new),
            reason=reason,
        )
    )


def _audit(session: Session, action: str, goal: Goal, *, actor: Person, now: datetime, **detail: Any) -> None:
    audit.record(session, action=action, entity="goal", entity_id=goal.id, actor_id=actor.id, now=now, detail=detail)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")


def _local_today(person: Person, now: datetime) -> date:
    """Return the date in the person's zone (UTC when unknown); callers may pass their own `today`."""
    return now.astimezone(ZoneInfo(person.timezone) if person.timezone else UTC).date()


# --- reading -----------------------------------------------------------------------------------


def _find(session: Session, goal_id: int) -> Goal | None:
    """Return the goal with this id; an id no database could hold is simply not found."""
    return session.get(Goal, goal_id) if 0 < goal_id <= _ID_MAX else None


def _load(session: Session, goal_id: int) -> Goal:
    goal = _find(session, goal_id)
    if goal is None:
        raise GoalNotFound(goal_id)
    return goal


def _owner(session: Session, goal: Goal) -> Person:
    owner = session.get(Person, goal.owner_id)
    assert owner is not None, "goal.owner_id is a foreign key"
    return owner


def can_see(session: Session, viewer: Person, goal: Goal) -> bool:
    """Answer whether the viewer may see the goal.

    Company goals: everyone. Team goals: the team, whoever manages someone in it, the owner, HR.
    Individual goals: the owner, their management chain, HR.
    """
    if not viewer.active:
        return False
    if goal.level == GoalLevel.COMPANY or is_hr(viewer) or viewer.id == goal.owner_id:
        return True
    if goal.level == GoalLevel.TEAM:
        return goal.team_id is not None and (
            viewer.team_id == goal.team_id or _manages_someone_in(session, viewer, goal.team_id)
        )
    return manages(session, viewer, _owner(session, goal))


def _manages_someone_in(session: Session, viewer: Person, team_id: int) -> bool:
    someone = select(Person.id).where(Person.team_id == team_id, col(Person.id).in_(below(viewer))).limit(1)
    return session.exec(someone).first() is not None


def get_visible(session: Session, viewer: Person, goal_id: int) -> Goal:
    """Return the goal if the viewer may see it; GoalNotFound otherwise, so its existence does not leak."""
    goal = _find(session, goal_id)
    if goal is None or not can_see(session, viewer, goal):
        raise GoalNotFound(goal_id)
    return goal


_NOT_DONE_FIRST = case((Goal.status == GoalStatus.DONE, 1), else_=0)


def goals_of(session: Session, viewer: Person, subject: Person, *, include_archived: bool = False) -> list[Goal]:
    """Return the goals the subject owns, at every level: unfinished first, then by due date."""
    require_view_person(session, viewer, subject)
    query = select(Goal).where(Goal.owner_id == subject.id)
    if not include_archived:
        query = query.where(col(Goal.archived_at).is_(None))
    return list(session.exec(query.order_by(_NOT_DONE_FIRST, Goal.due_date, Goal.id)))


def pending_approvals(session: Session, decider: Person) -> list[Goal]:
    """Return the proposed goals of the decider's active direct reports, oldest first."""
    if not decider.active:
        return []
    query = (
        select(Goal)
        .join(Person, col(Person.id) == Goal.owner_id)
        .where(
            Person.manager_id == decider.id,
            Person.active,
            Goal.approval == Approval.PROPOSED,
            col(Goal.archived_at).is_(None),
        )
        .order_by(Goal.created_at, Goal.id)
    )
    return list(session.exec(query))


def team_goals(session: Session, viewer: Person) -> list[Goal]:
    """Return a manager's team goals, then their direct reports' individual goals; nothing for others."""
    if not viewer.active:
        return []
    reports = list(session.exec(select(Person.id).where(Person.manager_id == viewer.id, Person.active)))
    if not reports and viewer.role != Role.MANAGER:
        return []
    # Found by owner and team (their indexes), the level checked here: asked for `level = ...` too, SQLite walks the
    # level index, which holds most of the goals in the org.
    where = [col(Goal.owner_id).in_(reports)]
    if viewer.team_id is not None:
        where.append(Goal.team_id == viewer.team_id)
    found = select(Goal.id, Goal.level, Goal.owner_id, Goal.team_id).where(or_(*where), col(Goal.archived_at).is_(None))
    wanted = [goal_id for goal_id, level, owner_id, team_id in session.exec(found)
              if (level == GoalLevel.INDIVIDUAL and owner_id in reports)
              or (level == GoalLevel.TEAM and team_id is not None and team_id == viewer.team_id)]
    if not wanted:
        return []
    team_first = case((Goal.level == GoalLevel.TEAM, 0), else_=1)
    query = select(Goal).where(col(Goal.id).in_(wanted))
    return list(session.exec(query.order_by(team_first, _NOT_DONE_FIRST, Goal.due_date, Goal.id)))


def history(session: Session, viewer: Person, goal_id: int) -> list[GoalChange]:
    """Return every recorded change of a goal the viewer may see, oldest first."""
    goal = get_visible(session, viewer, goal_id)
    query = select(GoalChange).where(GoalChange.goal_id == goal.id).order_by(GoalChange.at, GoalChange.id)
    return list(session.exec(query))


# --- progress and status -----------------------------------------------------------------------


def own_progress(goal: Goal) -> float:
    """Return how far the current value has come from start to target, in [0, 1]; targets may be below start."""
    span = goal.target_value - goal.start_value
    if span == 0:
        return 1.0 if goal.current_value == goal.target_value else 0.0
    return min(1.0, max(0.0, (goal.current_value - goal.start_value) / span))


def rolled_up_progress(session: Session, goal: Goal) -> float:
    """Return the goal's progress: the weighted mean of its approved children's, or its own without children."""
    return progress_map(session, [goal])[goal.id]


def progress_map(session: Session, goals: list[Goal]) -> dict[int, float]:
    """Return the rolled-up progress of each goal by id, loading all subtrees together, one query per level."""
    children = _children_by_parent(session, [goal.id for goal in goals])
    memo: dict[int, float] = {}
    return {goal.id: _rolled_up(goal, children, memo, set()) for goal in goals}


def _children_by_parent(session: Session, root_ids: list[int]) -> dict[int, list[Goal]]:
    """Load the approved, non-archived descendants of the roots, grouped by parent id."""
    children: dict[int, list[Goal]] = defaultdict(list)
    seen = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        found = [child for chunk in _chunks(sorted(frontier)) for child in session.exec(_children_query(chunk))]
        frontier = set()
        for child in found:
            children[child.parent_id].append(child)
            if child.id not in seen:  # a child that is also a root had its own children loaded with the roots
                seen.add(child.id)
                frontier.add(child.id)
    return children


def _children_query(parent_ids: list[int]):
    return select(Goal).where(
        col(Goal.parent_id).in_(parent_ids), Goal.approval == Approval.APPROVED, col(Goal.archived_at).is_(None)
    )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _rolled_up(goal: Goal, children: dict[int, list[Goal]], memo: dict[int, float], path: set[int]) -> float:
    if goal.id in memo:
        return memo[goal.id]
    kids = [child for child in children.get(goal.id, []) if child.id not in path]  # path: bad data cannot loop
    total = sum(child.weight for child in kids)
    if total <= 0:
        progress = own_progress(goal)
    else:
        path = path | {goal.id}
        progress = sum(child.weight * _rolled_up(child, children, memo, path) for child in kids) / total
    memo[goal.id] = progress
    return progress


def compute_status(goal: Goal, progress: float, *, today: date) -> str:
    """Judge progress against the share of time elapsed between the goal's creation and its due date."""
    if progress >= 1 - _EPSILON:
        return GoalStatus.DONE.value
    if today > goal.due_date:
        return GoalStatus.OFF_TRACK.value
    expected = _expected_progress(goal.created_at.date(), goal.due_date, today=today)
    if progress + _EPSILON >= expected - 0.10:
        return GoalStatus.ON_TRACK.value
    if progress + _EPSILON >= expected - 0.30:
        return GoalStatus.AT_RISK.value
    return GoalStatus.OFF_TRACK.value


def _expected_progress(start: date, due: date, *, today: date) -> float:
    if today >= due:
        return 1.0
    span = (due - start).days
    if span <= 0:
        return 0.0
    return min(1.0, max(0.0, (today - start).days / span))
