"""Improvement plans: a manager or HR agrees with someone what falls short, why, what to do about it and when
to look again; each check records how it went and whether the plan goes on, is extended, or ends.

Who may: the person's management chain (skip-level included) or HR opens plans and records checks; the person,
their managers and HR see them; only the person writes their own commitments. Anyone else finds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage import audit
from storage.models import TEXT_MAX, ImprovementCheck, ImprovementPlan, Person, ReviewCycle
from storage.parsing import iso_date
from storage.permissions import can_view_person, is_hr, managed_among, manages

CAUSES = ("skills", "resources", "circumstances", "other")
MAX_CHECKS = 6
DECISIONS = ("continue", "met", "extended", "not_met")

OPEN = "open"
MET = "met"
NOT_MET = "not_met"
# "extended" is never a plan's state: an extended plan keeps running, so it stays "open" (the audit keeps the decision).
ENDINGS = (MET, NOT_MET)

# ImprovementError codes (refusals).
NOT_FOUND = "not_found"
ALREADY_OPEN = "ip_already_open"
CLOSED = "ip_closed"
CHECK_RECORDED = "ip_check_recorded"  # the check was recorded already (a second click, or someone else first)
# ImprovementValidationError field codes.
FIELD_MISSING = "ip_field_missing"
TOO_LONG = "text_too_long"
CAUSE_INVALID = "ip_cause_invalid"
CHECK_DATES_MISSING = "ip_check_dates_missing"
CHECK_DATE_INVALID = "invalid_date"
CHECK_DATE_PAST = "ip_check_date_past"
TOO_MANY_CHECKS = "ip_too_many_checks"
OUTCOME_INVALID = "ip_outcome_invalid"  # a decision that is not one of DECISIONS
INVALID = "invalid"  # the code of an ImprovementValidationError itself: see its `errors`

ERROR_CODES = (
    NOT_FOUND,
    ALREADY_OPEN,
    CLOSED,
    CHECK_RECORDED,
    FIELD_MISSING,
    TOO_LONG,
    CAUSE_INVALID,
    CHECK_DATES_MISSING,
    CHECK_DATE_INVALID,
    CHECK_DATE_PAST,
    TOO_MANY_CHECKS,
    OUTCOME_INVALID,
)

_ID_MAX = 2**31 - 1  # ids come from forgeable payloads; id columns are 32-bit INTEGER on PostgreSQL

T = TypeVar("T")


class ImprovementError(Exception):
    """An improvement-plan verb refused; `code` says why, for a surface to put into words."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


class ImprovementValidationError(ImprovementError):
    """Some fields are invalid; `errors` maps each form field to its error code. Nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(INVALID, f"invalid improvement plan fields: {errors}")
        self.errors = dict(errors)


@dataclass(frozen=True)
class ImprovementView:
    plan: ImprovementPlan
    person: Person
    manager: Person  # who opened the plan
    checks: list[ImprovementCheck]  # by due date
    causes: list[str]  # from CAUSES
    cause_note: str | None
    next_check: ImprovementCheck | None  # the earliest unrecorded check of an open plan


# --- opening -----------------------------------------------------------------------------------


def open_plan(
    session: Session,
    manager: Person,
    subject_id: int,
    *,
    gaps: str | None,
    causes: Sequence[str],
    cause_notes: str | None,
    actions: str | None,
    support: str | None,
    success_measure: str | None,
    check_dates: Sequence[str | None],
    cycle_id: int | None = None,
    today: date,
    now: datetime,
) -> ImprovementPlan:
    """Open an improvement plan for someone the manager manages (or anyone, for HR), with its dated checks.

    `today` is the manager's local date: every check must fall after it. Refusals and every field error come
    before anything is written. Field errors are keyed gaps, causes, cause_notes, actions, support,
    success_measure and check_dates.
    """
    _require_aware(now)
    subject = _find(session, Person, subject_id)
    if subject is None or not _may_manage(session, manager, subject):
        raise ImprovementError(NOT_FOUND)
    if cycle_id is not None and _find(session, ReviewCycle, cycle_id) is None:
        raise ImprovementError(NOT_FOUND)
    _lock(session, Person, subject.id)  # one opener at a time per person, so one open plan
    if open_for(session, subject) is not None:
        raise ImprovementError(ALREADY_OPEN)

    errors: dict[str, str] = {}
    texts = {
        field: _required(errors, field, value)
        for field, value in (("gaps", gaps), ("actions", actions), ("success_measure", success_measure))
    }
    support_text = _optional(errors, "support", support)
    note = _optional(errors, "cause_notes", cause_notes)
    kinds = _causes(errors, causes)
    dates = _check_dates(errors, check_dates, today=today)
    if errors:
        raise ImprovementValidationError(errors)

    plan = ImprovementPlan(
        person_id=subject.id,
        manager_id=manager.id,
        cycle_id=cycle_id,
        gaps=texts["gaps"],
        causes=json.dumps({"kinds": kinds, "note": note}, ensure_ascii=False),
        actions=texts["actions"],
        support=support_text,
        success_measure=texts["success_measure"],
        state=OPEN,
        opened_at=now,
    )
    session.add(plan)
    session.flush()
    session.add_all([ImprovementCheck(plan_id=plan.id, due_on=due) for due in dates])
    _audit(session, "improvement.opened", plan, actor=manager, now=now, detail={"checks": len(dates)})
    session.flush()
    return plan


def causes_of(plan: ImprovementPlan) -> tuple[list[str], str | None]:
    """The plan's causes (from CAUSES) and the note about them; plain text from elsewhere reads as the note."""
    if not plan.causes:
        return [], None
    try:
        stored = json.loads(plan.causes)
    except ValueError:
        return [], plan.causes
    if not isinstance(stored, dict):
        return [], plan.causes
    kinds = [kind for kind in stored.get("kinds") or [] if kind in CAUSES]
    note = stored.get("note")
    return kinds, note if isinstance(note, str) and note else None


# --- reading -----------------------------------------------------------------------------------


def view(session: Session, viewer: Person, plan_id: int) -> ImprovementView:
    """The plan with its checks, for the person, anyone above them in the chain, or HR; NOT_FOUND otherwise."""
    plan = _find(session, ImprovementPlan, plan_id)
    person = session.get(Person, plan.person_id) if plan is not None else None
    if plan is None or person is None or not can_view_person(session, viewer, person):
        raise ImprovementError(NOT_FOUND)
    return _view(session, plan, person)


def open_for(session: Session, person: Person) -> ImprovementPlan | None:
    """The person's open plan, if any."""
    query = select(ImprovementPlan).where(ImprovementPlan.person_id == person.id, ImprovementPlan.state == OPEN)
    return session.exec(query.order_by(col(ImprovementPlan.id))).first()


def open_plans(session: Session, viewer: Person) -> list[ImprovementView]:
    """Every open plan the viewer may follow: all of them for HR, those of people they manage for a manager.

    Soonest next check first; four queries whatever the number of plans.
    """
    query = select(ImprovementPlan).where(ImprovementPlan.state == OPEN)
    if not is_hr(viewer):
        open_people = select(ImprovementPlan.person_id).where(ImprovementPlan.state == OPEN)
        query = query.where(col(ImprovementPlan.person_id).in_(managed_among(viewer, open_people)))
    plans = list(session.exec(query.order_by(col(ImprovementPlan.id))))
    if not plans:
        return []
    people_ids = {plan.person_id for plan in plans} | {plan.manager_id for plan in plans}
    people = {person.id: person for person in session.exec(select(Person).where(col(Person.id).in_(people_ids)))}
    checks: dict[int, list[ImprovementCheck]] = {plan.id: [] for plan in plans}
    check_query = select(ImprovementCheck).where(col(ImprovementCheck.plan_id).in_(list(checks)))
    for check in session.exec(check_query.order_by(col(ImprovementCheck.due_on), col(ImprovementCheck.id))):
        checks[check.plan_id].append(check)
    views = [_build_view(plan, people[plan.person_id], people[plan.manager_id], checks[plan.id]) for plan in plans]
    return sorted(views, key=lambda v: (v.next_check.due_on if v.next_check else date.max, v.plan.id))


def checks_due(session: Session, *, on: date) -> list[tuple[ImprovementCheck, ImprovementPlan, Person, Person]]:
    """Unrecorded checks due on or before `on` in open plans whose person and manager are both active:
    (check, plan, person, manager), by due date."""
    subject = aliased(Person)
    manager = aliased(Person)
    query = (
        select(ImprovementCheck, ImprovementPlan, subject, manager)
        .join(ImprovementPlan, col(ImprovementPlan.id) == ImprovementCheck.plan_id)
        .join(subject, col(subject.id) == ImprovementPlan.person_id)
        .join(manager, col(manager.id) == ImprovementPlan.manager_id)
        .where(
            col(ImprovementCheck.recorded_at).is_(None),
            col(ImprovementCheck.due_on) <= on,
            ImprovementPlan.state == OPEN,
            col(subject.active).is_(True),
            col(manager.active).is_(True),
        )
        .order_by(col(ImprovementCheck.due_on), col(ImprovementCheck.id))
    )
    return [tuple(row) for row in session.exec(query)]


# --- the person's part -------------------------------------------------------------------------


def add_commitments(session: Session, employee: Person, plan_id: int, text: str | None, *,
                    now: datetime) -> ImprovementPlan:
    """Record what the person commits to, replacing what they wrote before; only they may, while the plan is open.

    Field errors are keyed "commitments".
    """
    _require_aware(now)
    plan = _find(session, ImprovementPlan, plan_id)
    if plan is None or not employee.active or plan.person_id != employee.id:
        raise ImprovementError(NOT_FOUND)
    if plan.state != OPEN:
        raise ImprovementError(CLOSED)
    errors: dict[str, str] = {}
    commitments = _required(errors, "commitments", text)
    if errors:
        raise ImprovementValidationError(errors)
    replaced = plan.employee_commitments is not None
    plan.employee_commitments = commitments
    session.add(plan)
    _audit(session, "improvement.commitments", plan, actor=employee, now=now, detail={"replaced": replaced})
    session.flush()
    return plan


# --- checks ------------------------------------------------------------------------------------


def record_check(
    session: Session,
    manager: Person,
    check_id: int,
    *,
    outcome: str | None,
    decision: str,
    next_check: str | None,
    today: date,
    now: datetime,
) -> ImprovementView:
    """Record how a check went and what happens next; checks may be recorded before their date.

    Decisions: "continue" (needs `next_check` when no other check is left), "extended" (always adds
    `next_check`; the plan stays open), "met" and "not_met" (end the plan; its unrecorded future checks go).
    `next_check` is ignored when the plan ends. Field errors are keyed outcome, decision and next_check.
    """
    _require_aware(now)
    check = _find(session, ImprovementCheck, check_id)
    plan = _lock(session, ImprovementPlan, check.plan_id) if check is not None else None
    if plan is not None:
        session.refresh(check)  # read after the lock: a concurrent recording of this check has committed by now
    person = session.get(Person, plan.person_id) if plan is not None else None
    if check is None or plan is None or person is None or not _may_manage(session, manager, person):
        raise ImprovementError(NOT_FOUND)
    if plan.state != OPEN:
        raise ImprovementError(CLOSED)
    if check.recorded_at is not None:
        raise ImprovementError(CHECK_RECORDED)

    errors: dict[str, str] = {}
    outcome_text = _required(errors, "outcome", outcome)
    decision = (decision or "").strip()
    if not decision:
        errors["decision"] = FIELD_MISSING
    elif decision not in DECISIONS:
        errors["decision"] = OUTCOME_INVALID
    others = [
        other for other in session.exec(select(ImprovementCheck).where(
            ImprovementCheck.plan_id == plan.id, col(ImprovementCheck.recorded_at).is_(None),
            ImprovementCheck.id != check.id))
    ]
    new_date = None
    if decision in ("continue", "extended"):
        new_date = _next_check(errors, next_check, today=today, required=decision == "extended" or not others)
        if new_date in {other.due_on for other in others}:
            new_date = None  # the same day as a check already planned: that one will do
        # Recording one check and adding at most one keeps a plan within MAX_CHECKS checks ahead.
    if errors:
        raise ImprovementValidationError(errors)

    check.outcome = outcome_text
    check.recorded_at = now
    session.add(check)
    if new_date is not None:
        session.add(ImprovementCheck(plan_id=plan.id, due_on=new_date))
    detail: dict[str, Any] = {"check_id": check.id, "decision": decision, "checks_added": int(new_date is not None)}
    _audit(session, "improvement.check_recorded", plan, actor=manager, now=now, detail=detail)
    if decision in ENDINGS:
        plan.state = decision
        plan.closed_at = now
        session.add(plan)
        dropped = [other for other in others if other.due_on > today]
        for other in dropped:  # at most MAX_CHECKS or so: no bulk delete, so the session forgets them too
            session.delete(other)
        _audit(session, "improvement.closed", plan, actor=manager, now=now,
               detail={"state": decision, "checks_dropped": len(dropped)})
    session.flush()
    return _view(session, plan, person)


def may_open(session: Session, actor: Person, subject: Person) -> bool:
    """Whether the actor may open a plan for the subject (to offer the form only to those who can use it)."""
    return _may_manage(session, actor, subject)


def check_for(session: Session, actor: Person, check_id: int) -> ImprovementView | None:
    """The plan of a check the actor may record, while it is open and the check unrecorded; else None."""
    check = _find(session, ImprovementCheck, check_id)
    plan = session.get(ImprovementPlan, check.plan_id) if check is not None else None
    person = session.get(Person, plan.person_id) if plan is not None else None
    if person is None or plan.state != OPEN or check.recorded_at is not None:
        return None
    return _view(session, plan, person) if _may_manage(session, actor, person) else None


# --- helpers -----------------------------------------------------------------------------------


def _may_manage(session: Session, actor: Person, subject: Person) -> bool:
    """The actor may open plans and record checks for the subject: their chain or HR, never themselves, and
    only for someone still here."""
    if not actor.active or actor.id == subject.id or not subject.active or subject.erased_at is not None:
        return False
    return is_hr(actor) or manages(session, actor, subject)


def _view(session: Session, plan: ImprovementPlan, person: Person) -> ImprovementView:
    manager = session.get(Person, plan.manager_id)
    checks = list(session.exec(
        select(ImprovementCheck).where(ImprovementCheck.plan_id == plan.id)
        .order_by(col(ImprovementCheck.due_on), col(ImprovementCheck.id))))
    return _build_view(plan, person, manager, checks)


def _build_view(plan: ImprovementPlan, person: Person, manager: Person,
                checks: list[ImprovementCheck]) -> ImprovementView:
    kinds, note = causes_of(plan)
    pending = [check for check in checks if check.recorded_at is None] if plan.state == OPEN else []
    return ImprovementView(plan=plan, person=person, manager=manager, checks=checks, causes=kinds, cause_note=note,
                           next_check=pending[0] if pending else None)


def _clean(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    return cleaned or None


def _required(errors: dict[str, str], field: str, text: str | None) -> str | None:
    cleaned = _clean(text)
    if cleaned is None:
        errors[field] = FIELD_MISSING
    elif len(cleaned) > TEXT_MAX:  # code points, as PostgreSQL counts
        errors[field] = TOO_LONG
    return cleaned


def _optional(errors: dict[str, str], field: str, text: str | None) -> str | None:
    cleaned = _clean(text)
    if cleaned is not None and len(cleaned) > TEXT_MAX:
        errors[field] = TOO_LONG
    return cleaned


def _causes(errors: dict[str, str], given: Sequence[str]) -> list[str]:
    chosen = {(kind or "").strip() for kind in given} - {""}
    if not chosen:
        errors["causes"] = FIELD_MISSING
    elif not chosen <= set(CAUSES):
        errors["causes"] = CAUSE_INVALID
    return [kind for kind in CAUSES if kind in chosen]


def _check_dates(errors: dict[str, str], given: Sequence[str | None], *, today: date) -> list[date]:
    dates: set[date] = set()
    for text in given:
        try:
            day = iso_date(text)
        except ValueError:
            errors["check_dates"] = CHECK_DATE_INVALID
            return []
        if day is not None:
            dates.add(day)
    if not dates:
        errors["check_dates"] = CHECK_DATES_MISSING
    elif min(dates) <= today:
        errors["check_dates"] = CHECK_DATE_PAST
    elif len(dates) > MAX_CHECKS:
        errors["check_dates"] = TOO_MANY_CHECKS
    return sorted(dates)


def _next_check(errors: dict[str, str], text: str | None, *, today: date, required: bool) -> date | None:
    try:
        day = iso_date(text)
    except ValueError:
        errors["next_check"] = CHECK_DATE_INVALID
        return None
    if day is None:
        if required:
            errors["next_check"] = FIELD_MISSING
        return None
    if day <= today:
        errors["next_check"] = CHECK_DATE_PAST
        return None
    return day


def _find(session: Session, model: type[T], row_id: Any) -> T | None:
    """Return the row with this id; an id no database could hold is simply not found."""
    valid = isinstance(row_id, int) and not isinstance(row_id, bool) and 0 < row_id <= _ID_MAX
    return session.get(model, row_id) if valid else None


def _lock(session: Session, model: type[T], row_id: int) -> T | None:
    """Read the row again under a row lock (PostgreSQL; SQLite has one writer at a time anyway)."""
    query = select(model).where(model.id == row_id).with_for_update()  # type: ignore[attr-defined]
    return session.exec(query.execution_options(populate_existing=True)).first()


def _audit(session: Session, action: str, plan: ImprovementPlan, *, actor: Person, now: datetime,
           detail: dict) -> None:
    # Ids and counts only: the plan's words are for the person, their managers and HR, not the audit trail.
    audit.record(session, action=action, entity="improvement_plan", entity_id=plan.id, actor_id=actor.id, now=now,
                 detail=detail)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")
